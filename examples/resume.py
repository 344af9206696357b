"""Check a schedule against its run, then re-plan it when the run is resumed with a new budget.

A run is planned for 10,000 updates: a warmup over 500 and a cosine decay to 10,000.
``jaxlrs.check`` finds nothing wrong with it for a 10,000-update run. The run is stopped
at update 6,000 and resumed with a budget of 15,000. Reusing the plan as it is would
reach its end value 0 at update 10,000 and hold it for the last third of the run: ``check``
says so (``end-reached-early``). ``jaxlrs.rehorizon(plan, 6_000, 15_000)`` keeps every
update up to the checkpoint and stretches the rest of the cosine to end at 15,000:
``check`` is clean again, and the value at the checkpoint is unchanged. Switching instead
to a new, lower plan with ``jaxlrs.splice`` at the checkpoint is a jump in the rate, which
``jaxlrs.jump`` measures and ``check`` reports at the step where the two pieces meet.
The script checks each of these facts against a float64 NumPy formula of the cosine and
exits non-zero when one fails.

Run: ``python examples/resume.py``
"""

from __future__ import annotations

import math
import sys

import numpy as np

import jaxlrs

PEAK, WARMUP, PLANNED, AT, BUDGET = 1e-3, 500, 10_000, 6_000, 15_000


def check(ok: bool, what: str) -> None:
    if not ok:
        print(f"check failed: {what}", file=sys.stderr)
        sys.exit(1)


def codes(findings: list[jaxlrs.Finding], severity: str | None = None) -> list[str]:
    return [f.code for f in findings if severity is None or f.severity == severity]


def cosine_part(t: np.ndarray, warmup: int, steps: float) -> np.ndarray:
    """The plan after its warmup, in float64: 0.5 * PEAK * (1 + cos(pi * p))."""
    p = np.clip((t - warmup) / (steps - warmup), 0.0, 1.0)
    return 0.5 * PEAK * (1.0 + np.cos(math.pi * p))


def main() -> None:
    plan = jaxlrs.warmup_cosine(PEAK, WARMUP, PLANNED)
    print(f"plan: {plan!r}")
    found = jaxlrs.check(plan, PLANNED)
    for f in found:
        print(f"  {f}")
    check(not codes(found, "error"), "the plan has an error for its own run")
    check("end-reached-early" not in codes(found), "the plan ends early in its own run")

    print(f"\nresumed at {AT:,} with a budget of {BUDGET:,}, the plan reused as it is:")
    found = jaxlrs.check(plan, BUDGET)
    for f in found:
        print(f"  {f}")
    check("end-reached-early" in codes(found), "check does not see the held end value")

    longer = jaxlrs.rehorizon(plan, AT, BUDGET)
    print(f"\nre-planned: {longer!r}")
    found = jaxlrs.check(longer, BUDGET)
    for f in found:
        print(f"  {f}")
    check(not codes(found, "error"), "the re-planned run has an error")
    check("end-reached-early" not in codes(found), "the re-planned run still ends early")
    t = np.arange(0, BUDGET + 1)
    got = np.asarray(longer(t), np.float64)
    # up to the checkpoint the plan; then the remainder of the cosine stretched to BUDGET
    mapped = np.where(t <= AT, t, AT + (t - AT) * (PLANNED - AT) / (BUDGET - AT))
    want = cosine_part(mapped, WARMUP, PLANNED)
    warm = t < WARMUP
    want[warm] = PEAK * t[warm] / WARMUP
    err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-10 / 2e-6 * PEAK))
    check(err <= 2e-6, f"rehorizon is {err:.2e} relative off the float64 formula")
    check(float(longer(AT)) == float(plan(AT)), "the rate at the checkpoint changed")
    print(f"  rate at the checkpoint {float(longer(AT)):.6g} (plan: {float(plan(AT)):.6g})")
    print(f"  within {err:.1e} relative of the float64 formula at every update")

    lower = jaxlrs.linear(1e-4, 0.0, BUDGET - AT)
    switched = jaxlrs.splice(plan, lower, AT, restart=True)
    step = jaxlrs.jump(switched)
    print(f"\nswitched to a new plan at {AT:,}: {switched!r}")
    print(f"  jump {step:+.6g} (new(6000) - old(5999))")
    check(abs(step - (1e-4 - float(plan(AT - 1)))) < 1e-9, "jump is not new(at) - old(at - 1)")
    found = jaxlrs.check(switched, BUDGET)
    for f in found:
        print(f"  {f}")
    check(any(f.code == "jump" and f.step == AT for f in found), "check does not report the jump")
    print("\nall checks passed")


if __name__ == "__main__":
    main()
