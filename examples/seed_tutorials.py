"""Every schedule of the seed tutorials, written with jaxlrs.

The tutorials (a blog post on learning-rate schedulers, a PyTorch scheduler overview, MXNet's
"Advanced Learning Rate Schedules" and a "Learning Rate Schedules" article) describe their
schedules as formulas or as small stateful Python classes. Each one below is a single jaxlrs
expression; ``tests/test_seed_tutorials.py`` checks every one against a float64 port of the
tutorial's own formula or class.

Step convention: jaxlrs's step ``t`` is the tutorials' ``iteration``/``epoch`` argument
``t``: ``schedule(t)`` equals the tutorial's ``schedule_fn(t)`` for every integer
``t >= 0``. (The MXNet tutorial *plots* iterations 1..1500, so its pictures start one step
later than the table below, which starts at step 0.) The tutorials' boundary tests
(``iteration <= length``) agree with jaxlrs's half-open phases at integer steps: at
``t == length`` both give the next phase's first value, which equals the ramp's end.

MXNet's ``MultiFactorScheduler(step=[250, 750, 900], factor=0.5)`` halves once the update
count *exceeds* a step (``num_update > step``). It is written with
``jaxlrs.compat.mxnet.MultiFactorScheduler``, whose step ``k`` is MXNet's update
``num_update = k + 1`` (the rate of the optimizer's ``k``-th update, 0-based); the tutorial
calls the scheduler with the iteration ``t`` itself, so ``shift(..., 1)`` makes step ``t``
the tutorial's ``scheduler(t)``: the halvings take effect at steps 251, 751 and 901, i.e.
``multistep(1.0, [251, 751, 901], 0.5)``. (PyTorch's ``MultiStepLR`` switches at
``t == m``: ``multistep(1.0, [250, 750, 900], 0.5)``.)

Run: ``python examples/seed_tutorials.py [out.png]`` prints a table of values and, with the
``plot`` extra (matplotlib), writes one picture of every curve (default
``seed_tutorials.png`` in the current directory).
"""

from __future__ import annotations

import argparse
import math

import jax.numpy as jnp
import numpy as np

import jaxlrs

# The MXNet tutorial's stepwise schedule (base_lr 1, halving after 250, 750 and 900):
# mx.lr_scheduler.MultiFactorScheduler(step=[250, 750, 900], factor=0.5, base_lr=1), called
# by the tutorial with the iteration t (compat.mxnet's step k is num_update k + 1).
MXNET_STEPS = jaxlrs.shift(
    jaxlrs.compat.mxnet.MultiFactorScheduler(step=[250, 750, 900], factor=0.5, base_lr=1.0), 1
)

SCHEDULES: dict[str, tuple[jaxlrs.Schedule, str]] = {
    # -- "Learning Rate Schedulers" (fixed and decaying schedules) --
    "time-based decay": (jaxlrs.inverse_time(0.1, 0.01), "lr0 / (1 + k t), lr0=0.1, k=0.01"),
    "step decay": (
        jaxlrs.step_decay(0.1, 250, 0.5),
        "lr0 * drop**floor(epoch / epochs_drop), drop=0.5 every 250",
    ),
    "exponential exp(-kt)": (
        jaxlrs.exponential(0.1, math.exp(-0.002)),
        "lr0 * exp(-k t), k=0.002",
    ),
    "cosine annealing (T_max=100)": (
        jaxlrs.cosine(1.0, 100, end=1e-5),
        "eta_min + (1 - eta_min)(1 + cos(pi t / T_max)) / 2; holds eta_min after T_max "
        "(the tutorial's class, like PyTorch's, rises again: compat.torch.CosineAnnealingLR)",
    ),
    # -- PyTorch scheduler overview --
    "StepLR(step_size=2, gamma=0.1)": (jaxlrs.step_decay(0.05, 2, 0.1), "0.05 * 0.1**(t // 2)"),
    "ExponentialLR(gamma=0.95)": (jaxlrs.exponential(0.05, 0.95), "0.05 * 0.95**t"),
    "LambdaLR(0.95**epoch)": (
        0.05 * jaxlrs.from_fn(lambda t: 0.95 ** t.astype(jnp.float32)),
        "lr0 * lambda(epoch)",
    ),
    "LambdaLR(epoch // 30)": (
        0.05 * jaxlrs.from_fn(lambda t: t // 30),
        "lr0 * lambda(epoch)",
    ),
    # -- MXNet "Advanced Learning Rate Schedules" --
    "triangular 1-2-1, 20% rising": (
        jaxlrs.triangular(1.0, 2.0, 1000, inc_fraction=0.2),
        "TriangularSchedule(1, 2, 1000, inc_fraction=0.2)",
    ),
    "cosine 2 -> 1": (
        jaxlrs.cosine(2.0, 1000, end=1.0),
        "CosineAnnealingSchedule(min_lr=1, max_lr=2, cycle_length=1000)",
    ),
    "warm-up onto multi-step": (
        jaxlrs.warmup(MXNET_STEPS, 250),
        "LinearWarmUp(MultiFactorScheduler, start_lr=0, length=250)",
    ),
    "multi-step with cool-down": (
        jaxlrs.cooldown(MXNET_STEPS, 1000, 500, end=0.001),
        "LinearCoolDown(MultiFactorScheduler, 0.001, start_idx=1000, length=500)",
    ),
    "one-cycle + cool-down": (
        jaxlrs.cooldown(jaxlrs.triangular(0.1, 0.5, 500), 500, 750, end=0.001),
        "OneCycleSchedule(0.1, 0.5, 500, cooldown_length=750, finish_lr=0.001)",
    ),
    "one_cycle (same curve)": (
        jaxlrs.one_cycle(
            0.5,
            1250,
            pct_start=0.2,
            div_factor=5.0,
            final_div_factor=100.0,
            shape="linear",
            three_phase=True,
        ),
        "the same 1cycle as a three-phase one_cycle",
    ),
    "triangular cycles 0.5-2": (
        jaxlrs.cyclic(0.5, 2.0, 500),
        "CyclicalSchedule(TriangularSchedule, 0.5, 2, cycle_length=500)",
    ),
    "SGDR-style cosine cycles": (
        jaxlrs.cycle(jaxlrs.cosine(2.0, 250, end=0.01), 250, period_mult=2, decay=0.5),
        "CyclicalSchedule(CosineAnnealingSchedule, 0.01, 2, 250, x2 length, x0.5 magnitude)",
    ),
}
"""Name -> (jaxlrs schedule, the tutorial's formula or class)."""

TABLE_STEPS = (0, 100, 250, 500, 750, 1000, 1250, 1499)
STEPS = 1500


def curves(steps: int = STEPS) -> dict[str, np.ndarray]:
    """Every schedule at steps ``0 .. steps - 1`` (one jitted evaluation each)."""
    t = jnp.arange(steps)
    return {name: np.asarray(schedule(t)) for name, (schedule, _) in SCHEDULES.items()}


def table(values: dict[str, np.ndarray]) -> str:
    width = max(len(name) for name in values)
    head = f"{'schedule':<{width}} " + " ".join(f"{t:>9}" for t in TABLE_STEPS)
    rows = [head, "-" * len(head)]
    for name, curve in values.items():
        row = curve[list(TABLE_STEPS)].tolist()
        rows.append(f"{name:<{width}} " + " ".join(f"{v:>9.4g}" for v in row))
    return "\n".join(rows)


def plot(values: dict[str, np.ndarray], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 4
    rows = math.ceil(len(values) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
    for ax, (name, curve) in zip(axes.flat, values.items(), strict=False):
        ax.plot(np.arange(curve.shape[0]), curve, lw=1.2)
        positive = curve[curve > 0]
        if positive.size and positive.max() > 1e6 * positive.min():
            ax.set_yscale("log")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(values) :]:
        ax.axis("off")
    fig.suptitle("The seed tutorials' schedules in jaxlrs (step t = the tutorials' iteration)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("png", nargs="?", default="seed_tutorials.png", help="picture to write")
    args = parser.parse_args(argv)
    values = curves()
    print(table(values))
    print()
    for name, (schedule, source) in SCHEDULES.items():
        print(f"{name}: {schedule!r}  # {source}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("\nmatplotlib is not installed (pip install 'jaxlrs[plot]'): no picture written")
        return
    plot(values, args.png)
    print(f"\nwrote {args.png}")


if __name__ == "__main__":
    main()
