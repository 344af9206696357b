"""Adversarial property test: every public constructor (core and compat) against independent
float64 oracles, over generated hyperparameters across each documented domain.

For each constructor (``tests/_adversarial.py`` holds the strategies, oracles and phase
boundaries), hypothesis draws keyword arguments and the test checks:

* values (``test_values``): ``s(t)`` (the packed eager path, where hyperparameters arrive
  traced) at dense steps (+-3) around every phase boundary and end, at 0..3, 2**24 +- 1,
  2**31 - 2, 2**31 - 1 and a few random steps, against the documented formula in float64,
  with the contract's tolerance (SPEC §1.5: 2e-6 relative or 1e-10 of the largest value;
  a float ``period_mult`` 1e-6 of the largest value). Values never NaN, never inf unless
  the formula's value is beyond float32; ``test_jit_path``: the same through
  ``jax.jit(lambda t: s(t))(t)``;
* gradients (``test_gradients``): ``jax.grad`` with respect to every numeric
  hyperparameter (step counts passed as floats; a spec's ``static`` parameters, lists and
  dicts that place boundaries or counts that must be concrete, are passed as they are) is
  finite wherever the value is;
* rejections (``test_rejections``): every value outside a parameter's domain (wrong type,
  NaN, inf, out of its interval, and outside the documented representable range: nonzero
  magnitudes below 2**-92 or above 2**127 - 2**103, step counts above that, period_mult
  above 2**31), and the spec's out-of-domain combinations (a derived value such as
  ``peak / div_factor`` past the range, an exponential ramp with an end <= 0 or a ratio of
  ends past 3.4e38), set on a generated valid input, raises ``ValueError``/``TypeError``
  whose message starts with ``<fn>(): `` and names the parameter, never another
  exception; ``test_unusual``: an unusual in-range value (1e38, 2**-92, a count of 2**63,
  period_mult 2**31) is refused the same way or evaluated correctly.

The generated valid domain is the documented one (jaxlrs/_check.py; docs/guides/contract.md,
"Errors that teach"): every number 0 or a magnitude in [2**-92, 2**127 - 2**103], exponential ramps
only between ends whose ratio float32 holds.

Every failure prints the constructor, its keyword arguments, the path and a one-line repro.

Compiles dominate the cost (one per schedule structure and path), so the default run is
small and reproducible: per constructor 3 value examples, 1 jit-path example, 1 gradient
example, 4 rejection examples (construction only, no compile) and 1 unusual example,
derandomized, no shrinking (about 80 s of CPU, 70 s wall, on the 2-core development
machine: XLA compiles, one per constructor, path and structure, are nearly all of it).
``JAXLRS_ADVERSARIAL=long`` runs 500 random examples per constructor (100 for gradients, 50
on the jit path and for unusual values) with shrinking, for a minimal failing case;
``JAXLRS_ADVERSARIAL_EXAMPLES=n`` sets the count.
"""

from __future__ import annotations

import math
import os
from typing import Any

import _adversarial as A
import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import jaxlrs

F64 = np.float64
I31 = 2**31 - 1
F32_MAX = float(np.finfo(np.float32).max)
LONG = os.environ.get("JAXLRS_ADVERSARIAL", "") == "long"
EXAMPLES = int(os.environ.get("JAXLRS_ADVERSARIAL_EXAMPLES", 500 if LONG else 3))
REJECT_EXAMPLES = max(1, EXAMPLES + 1)  # each example checks every refusal (no compile)
N_STEPS = 256  # one step-array shape: one compile per schedule structure

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if LONG else [])],
    suppress_health_check=list(HealthCheck),
    database=None,
)
ONCE = max(1, EXAMPLES // 10)  # tests that compile once more per example: jit path, unusual
GRAD_SETTINGS = settings(SETTINGS, max_examples=max(1, EXAMPLES // 5))
NAMES = sorted(A.SPECS)


# -- steps ------------------------------------------------------------------------------------

FIXED = [0, 1, 2, 3, 2**24 - 1, 2**24, 2**24 + 1, 2**31 - 2, I31]


def _reachable(e: float) -> bool:
    try:
        return math.isfinite(e) and -4 <= e <= I31 + 4
    except OverflowError:  # an int like 10**400
        return False


def steps_for(spec: A.Spec, kw: dict[str, Any], extra: list[int]) -> np.ndarray:
    """Dense steps around every edge of ``kw``, the fixed ones and ``extra``: int32[256]."""
    edges = sorted(e for e in spec.edges(kw) if _reachable(e))
    near = []
    for e in edges:
        for c in {math.floor(e), math.ceil(e)}:
            near += [c + d for d in range(-3, 4)]
    mids = [
        (a + b) // 2 for a, b in zip([0, *map(int, edges)], [*map(int, edges), I31], strict=True)
    ]
    picked: list[int] = []
    for x in FIXED + near + mids + extra:
        x = int(x)
        if 0 <= x <= I31 and x not in picked:
            picked.append(x)
    picked = sorted(picked[:N_STEPS])
    return np.array(picked + [picked[-1]] * (N_STEPS - len(picked)), np.int32)


# -- repro lines ------------------------------------------------------------------------------


def fmt(v: Any) -> str:
    if callable(v) and not isinstance(v, jaxlrs.Schedule):
        return f"{v.__module__}.{v.__name__}"  # the repro puts tests/ on the path
    if isinstance(v, list):
        return "[" + ", ".join(fmt(x) for x in v) + "]"
    return repr(v)


def call(spec: A.Spec, kw: dict[str, Any]) -> str:
    kw = A.public(kw)
    if spec.name in ("minimum", "maximum"):
        return f"{spec.name}({', '.join(fmt(x) for x in kw['schedules'])})"
    return f"{spec.name}({', '.join(f'{k}={fmt(v)}' for k, v in kw.items())})"


def repro(spec: A.Spec, kw: dict[str, Any], what: str) -> str:
    head = "REPRO (repo root): PYTHONPATH=tests python -c "
    head += '"import _adversarial, _adversarial_peers, jax; from jaxlrs import *; '
    return head + f'print({what.format(s=call(spec, kw))})"'


# -- value checks -----------------------------------------------------------------------------


def oracle(spec: A.Spec, kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(spec.want(kw, t.astype(F64)), F64)


def compare(spec: A.Spec, kw: dict[str, Any], t: np.ndarray, got: Any, path: str) -> list[str]:
    """Failure lines (empty if none) for ``got`` at steps ``t`` on ``path``."""
    with np.errstate(all="ignore"):
        return _compare(spec, kw, t, np.asarray(got, F64), path)


def _compare(
    spec: A.Spec, kw: dict[str, Any], t: np.ndarray, got: np.ndarray, path: str
) -> list[str]:
    want = oracle(spec, kw, t)
    known = np.isfinite(want)
    scale = float(np.max(np.abs(want[known]), initial=0.0))
    tol = np.maximum.reduce(
        [
            2e-6 * np.abs(want),
            np.full(want.shape, 1e-10 * scale),
            np.full(want.shape, spec.float_phase(kw) * scale),
            # XLA flushes float32 results below the smallest normal number to 0 (the contract)
            np.full(want.shape, 2.0**-126),
            np.zeros(want.shape)
            if spec.extra_tol is None
            else np.nan_to_num(spec.extra_tol(kw, t.astype(F64)), nan=0.0),
        ]
    )
    if spec.ambiguous is not None:  # either side of a restart: the schedule's range only
        tol = np.where(spec.ambiguous(kw, t.astype(F64)), np.maximum(tol, 2 * scale), tol)
    held = np.abs(want) <= F32_MAX
    err = np.abs(got - want)
    if spec.bounds_only and spec.band is not None:  # within want * (1 -+ band)
        tol = tol + np.asarray(spec.band(kw, t.astype(F64)), F64) * np.abs(want)
    elif spec.bounds_only:  # noise: within schedule * (1 -+ pct) inside its window
        lo, hi = kw["start"], kw["stop"] if kw["stop"] is not None else np.inf
        inside = (t >= lo) & (t < hi)
        tol = np.where(inside, tol + kw["pct"] * np.abs(want), tol)
    bad = np.isnan(got) | (known & held & ~(err <= tol)) | (known & held & ~np.isfinite(got))
    if not bad.any():
        return []
    idx = np.flatnonzero(bad)
    i = int(idx[0])
    step = int(t[i])
    lines = [
        f"{spec.name}: {path}: {len(np.unique(t[idx]))} of {len(np.unique(t))} steps off",
        f"  kwargs: {A.public(kw)!r}",
    ]
    for j in idx[:3]:
        lines.append(
            f"  step {int(t[j])}: got {got[j]!r}, want {want[j]!r} (tol {tol[j]:.3g}, "
            f"rel err {err[j] / max(abs(want[j]), 1e-300):.3g})"
        )
    what = "float({s}(STEP))" if path == "s(t)" else "float(jax.jit(lambda t: {s}(t))(STEP))"
    what = what.replace("STEP", str(step))
    lines.append("  " + repro(spec, kw, what) + f"  # want {want[i]!r}")
    return lines


# Found by this test and still open on issue 8 (see its note): HF cosine phases with a
# non-half-integer num_cycles at large phases (the phase 2 * num_cycles * p is float32), and
# ChainedScheduler factors that underflow and overflow (0 * inf). Kept running, not strict:
# the default examples may or may not reach them.


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(data=st.data())
def test_values(name: str, data: st.DataObject) -> None:
    spec = A.SPECS[name]
    kw = data.draw(spec.strategy(), label="kwargs")
    extra = data.draw(st.lists(st.integers(0, I31), min_size=3, max_size=3), label="steps")
    t = steps_for(spec, kw, extra)
    try:
        s = spec.build(**A.public(kw))
        got = s(t)
    except Exception as e:  # a valid input must build and evaluate
        raise AssertionError(
            f"{spec.name}: valid input raised {type(e).__name__}: {e}\n"
            f"  kwargs: {A.public(kw)!r}\n  " + repro(spec, kw, "{s}(0)")
        ) from e
    fails = compare(spec, kw, t, got, "s(t)")
    assert not fails, "\n".join(fails)


@pytest.mark.parametrize("name", NAMES)
@settings(SETTINGS, max_examples=ONCE)
@given(data=st.data())
def test_jit_path(name: str, data: st.DataObject) -> None:
    """The same, compiled into an outer ``jit`` (a compile per example: fewer examples)."""
    spec = A.SPECS[name]
    kw = data.draw(spec.strategy(), label="kwargs")
    extra = data.draw(st.lists(st.integers(0, I31), min_size=3, max_size=3), label="steps")
    t = steps_for(spec, kw, extra)
    s = spec.build(**A.public(kw))
    fails = compare(spec, kw, t, jax.jit(lambda x: s(x))(t), "jax.jit(lambda t: s(t))(t)")
    assert not fails, "\n".join(fails)


# -- gradients --------------------------------------------------------------------------------


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def split(
    spec: A.Spec, kw: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], tuple[Any, ...]]:
    """(differentiable numbers as float32, other traced leaves, static options: the
    spec's ``static`` parameters as they are)."""
    diff: dict[str, Any] = {}
    other: dict[str, Any] = {}
    static: list[tuple[str, Any]] = []
    for k, v in A.public(kw).items():
        if k in spec.static:
            static.append((k, v))
        elif k == "key":
            other[k] = np.int32(v)
        elif _is_number(v):
            diff[k] = np.float32(v)
        elif isinstance(v, list) and v and all(_is_number(x) for x in v):
            diff[k] = np.asarray(v, np.float32)
        elif isinstance(v, jaxlrs.Schedule) or (
            isinstance(v, list) and v and any(isinstance(x, jaxlrs.Schedule) for x in v)
        ):
            other[k] = v
        else:
            static.append((k, tuple(v) if isinstance(v, list) else v))
    return diff, other, tuple(static)


_GRAD_FNS: dict[tuple[str, str], Any] = {}


def grad_fn(name: str, static: tuple[Any, ...]) -> Any:
    """The jitted values and gradients for one static part (cached by its repr: a spec's
    ``static`` parameters may be lists or dicts)."""
    key = (name, repr(static))
    if key not in _GRAD_FNS:
        spec = A.SPECS[name]

        def value(diff: dict[str, Any], other: dict[str, Any], t: Any) -> Any:
            fixed = {
                k: (list(v) if isinstance(v, tuple) and k not in spec.static else v)
                for k, v in static
            }
            return spec.build(**diff, **other, **fixed)(t)

        _GRAD_FNS[key] = jax.jit(jax.vmap(jax.value_and_grad(value), in_axes=(None, None, 0)))
    return _GRAD_FNS[key]


@pytest.mark.parametrize("name", NAMES)
@GRAD_SETTINGS
@given(data=st.data())
def test_gradients(name: str, data: st.DataObject) -> None:
    spec = A.SPECS[name]
    kw = data.draw(spec.strategy(), label="kwargs")
    t = steps_for(spec, kw, [])
    diff, other, static = split(spec, kw)
    if not diff:
        return
    where = f"{spec.name}: jax.grad over {sorted(diff)}\n  kwargs: {A.public(kw)!r}"
    try:
        val, grads = grad_fn(name, static)(diff, other, t)
    except Exception as e:
        raise AssertionError(f"{where}\n  raised {type(e).__name__}: {str(e)[:300]}") from e
    val = np.asarray(val, F64)
    fails = []
    for k, g in grads.items():
        g = np.asarray(g, F64).reshape(len(t), -1)
        # The contract page: never NaN where the value is finite (inf where the exact derivative
        # itself passes float32's largest, d/dgamma of 1e30 * gamma**1e9)
        bad = np.isfinite(val) & np.any(np.isnan(g), axis=1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            fails.append(
                f"  d/d{k} NaN at {len(np.unique(t[bad]))} steps, first step {int(t[i])}: "
                f"value {val[i]!r}, grad {g[i].tolist()}"
            )
            if np.ndim(diff[k]) == 0:
                x = Raw("x")
                body = f"{call(spec, {**kw, k: x})}({int(t[i])})"
                what = f"jax.grad(lambda x: {body})({float(diff[k])!r})"
                fails.append("  " + repro(spec, kw, what.replace("{", "{{").replace("}", "}}")))
    assert not fails, where + "\n" + "\n".join(fails)


class Raw:
    """Prints as the given source text (a variable in a repro)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


# -- rejections -------------------------------------------------------------------------------

NAN, INF = math.nan, math.inf
WRONG_TYPE = ["1", 1j, [1.0]]
# outside the documented representable range (0, or a magnitude in [2**-92, 2**127 - 2**103]
# = [2.0194839e-28, 1.7014117e+38]; jaxlrs/_check.py, the contract, "Errors that teach"): refused
OUT = [1e39, -1e39, 2e38, -2e38, 1e-50, -1e-50, 1e-28, 1e-45, 2.2e-309, 10**400]
OUT_POS = [1e39, 2e38, 1e-50, 1e-28, 1e-45, 2.2e-309, 10**400]
OUT_FRAC = [1e-45, 1e-50, 1e-28, 2.2e-309]
OUT_COUNT = [10**400, 2**128, 2**127]  # steps above 1.7014117e+38
MUST: dict[str, list[Any]] = {
    "value": [NAN, INF, -INF, *OUT, None, True, *WRONG_TYPE],
    "pos": [0.0, -1.0, NAN, INF, *OUT_POS, None, True, *WRONG_TYPE],
    "nonneg": [-1.0, NAN, INF, *OUT_POS, None, *WRONG_TYPE],
    "count": [0, -1, -5, 1.5, NAN, INF, *OUT_COUNT, None, True, *WRONG_TYPE],
    "count0": [-1, -5, 1.5, NAN, INF, *OUT_COUNT, None, True, *WRONG_TYPE],
    "frac01": [0.0, -0.1, 1.1, NAN, INF, *OUT_FRAC, None, *WRONG_TYPE],
    "frac": [-0.1, 1.1, NAN, INF, *OUT_FRAC, None, *WRONG_TYPE],
    "frac_open": [0.0, 1.0, -0.1, 1.1, NAN, *OUT_FRAC, None, *WRONG_TYPE],
    "frac_closed_open": [1.0, -0.1, NAN, *OUT_FRAC, None, *WRONG_TYPE],
    "ge1": [0.5, 0.0, -1.0, NAN, INF, 1e39, 2e38, 10**400, None, *WRONG_TYPE],
    # period_mult, t_mul, T_mult: at most 2**31
    "mult": [0.5, 0.0, -1.0, NAN, INF, 2**31 + 1, 2.0**32, 1e10, 1e39, None, *WRONG_TYPE],
    "count_mult": [0, -1, 1.5, NAN, INF, 2**31 + 1, 2**40, 10**400, None, True, *WRONG_TYPE],
    "flag": ["True", None, 1, 1.5],
    "option": ["no such option", None, 1],
    "counts0": [[-1], [1.5], [NAN], [10**400], [2**128], "1", None],
    "counts0_any": [[-1], [1.5], [NAN], [10**400], "1", None],
    "values": [NAN, INF, 10**400, 1e39, 2e38, 1e-50, 1e-28, "1"],  # one entry (_bad_list)
    "schedule": [1.0, None, "constant(1.0)"],
    "callable": [None, 1.0, "f"],
    "key": ["1", None, 1.5],
    "operand": ["1", None, NAN, INF, 1e39, 1e-50],
}
# inside the range but unusual: rejected with the message format, or evaluated correctly
EITHER: dict[str, list[Any]] = {
    "value": [1e38, -1e38, 1e-27, -1e-27, 2.0**-92],
    "pos": [1e38, 1e-27, 2.0**-92],
    "nonneg": [1e38, 1e-30],
    "values": [1e38, 2.0**-92],
    "count": [2**63, 10**20, 10**38],
    "count0": [2**63, 10**38],
    "frac01": [1e-27, 2.0**-92],
    "frac": [1e-30],
    "frac_open": [1e-27, 2.0**-92],
    "ge1": [1 + 1e-12, 1e38],
    "mult": [1 + 1e-12, 2**31, 2.0**31],
    "count_mult": [2**31],
}


def _bad_cases(spec: A.Spec) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """(must, either): the (param, value) cases that must be refused, and those that may be
    refused or must evaluate correctly."""
    must, either = [], []
    for param, kind in spec.kinds.items():
        base = kind.removeprefix("opt-")
        for v in MUST.get(base, []):
            if v is None and kind.startswith("opt-"):
                continue
            must.append((param, v))
        either += [(param, v) for v in EITHER.get(base, [])]
    return must, either


def short(v: Any) -> str:
    """``repr(v)``, with an integer of more than 20 digits as ``1e+400``."""
    if isinstance(v, list):
        return "[" + ", ".join(map(short, v)) + "]"
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**20:
        return f"{v:.3e}" if abs(v) < 10**300 else f"1e+{len(str(abs(v))) - 1}"
    return repr(v)


def _with(spec: A.Spec, kw: dict[str, Any], param: str, bad: Any, data: Any) -> dict[str, Any]:
    kw = dict(kw)
    if spec.kinds.get(param) == "values":  # one entry of the list replaced
        i = data.draw(st.integers(0, len(kw[param]) - 1), label=f"{param} index")
        bad = [*kw[param][:i], bad, *kw[param][i + 1 :]]
    kw[param] = bad
    return kw


def _refused(spec: A.Spec, kw: dict[str, Any], names: tuple[str, ...], head: str) -> Any:
    """Build ``kw``: the schedule, or None after a ValueError/TypeError whose message reads
    ``fn(): `` and names one of ``names``; raises AssertionError otherwise."""
    try:
        return spec.build(**A.public(kw))
    except (ValueError, TypeError) as e:
        msg = str(e)
        assert msg.startswith(f"{spec.fn}(): ") and any(n in msg for n in names), (
            f"{head}\n  message {msg[:300]!r} does not read '{spec.fn}(): {names[0]} ...'"
        )
        return None
    except Exception as e:
        raise AssertionError(
            f"{head}\n  raised {type(e).__name__}: {str(e)[:300]} (want ValueError/TypeError)"
        ) from e


@pytest.mark.parametrize("name", NAMES)
@settings(SETTINGS, max_examples=REJECT_EXAMPLES)
@given(data=st.data())
def test_rejections(name: str, data: st.DataObject) -> None:
    """Every out-of-domain value of every parameter (and the spec's out-of-domain
    combinations: derived values, exponential ramps) is refused with the message format,
    on a generated valid input (construction only: no compile)."""
    spec = A.SPECS[name]
    must, _ = _bad_cases(spec)
    kw = dict(data.draw(spec.strategy(), label="kwargs"))
    fails = []
    cases: list[tuple[str, Any, tuple[str, ...]]] = [(p, v, (p,)) for p, v in must]
    cases += [(p, v, names) for p, v, names in (spec.invalid(kw) if spec.invalid else [])]
    for param, bad, names in cases:
        bkw = _with(spec, kw, param, bad, data)
        head = f"{spec.name}: {param}={short(bkw[param])}\n  kwargs: {short_kw(bkw)}"
        try:
            s = _refused(spec, bkw, names, head)
        except AssertionError as e:
            fails.append(str(e))
            continue
        if s is not None:
            fails.append(
                f"{head}\n  accepted (want ValueError/TypeError)\n  " + repro(spec, bkw, "{s}")
            )
    assert not fails, f"{len(fails)} of {len(cases)} refusals wrong:\n" + "\n".join(fails[:6])


@pytest.mark.parametrize("name", NAMES)
@settings(SETTINGS, max_examples=ONCE)
@given(data=st.data())
def test_unusual(name: str, data: st.DataObject) -> None:
    """An unusual in-range value (1e38, 2**-92, a count of 2**63, period_mult 2**31) for
    one parameter of a generated valid input: refused with the message format, or
    evaluated correctly (a compile per example: fewer examples)."""
    spec = A.SPECS[name]
    _, either = _bad_cases(spec)
    if not either:
        return
    kw = dict(data.draw(spec.strategy(), label="kwargs"))
    param, bad = data.draw(st.sampled_from(either), label="unusual")
    kw = _with(spec, kw, param, bad, data)
    head = f"{spec.name}: {param}={short(kw[param])}\n  kwargs: {short_kw(kw)}\n  "
    head += repro(spec, kw, "{s}")
    s = _refused(spec, kw, (param,), head)
    if s is None:
        return
    t = steps_for(spec, kw, [])
    try:
        got = s(t)
    except Exception as e:
        raise AssertionError(
            f"{head}\n  accepted, then the call raised {type(e).__name__}: {e}"
        ) from e
    try:
        oracle(spec, kw, t)
        if _not_covered(spec, param, bad):
            raise ValueError("contract: not covered")
    except Exception:  # the oracle cannot evaluate it either: the value must still be finite
        assert np.all(np.isfinite(np.asarray(got))), f"{head}\n  accepted, then non-finite values"
        return
    # an in-range input whose value grows past float32 (gamma=1e38) may give inf there, as
    # in test_values, never NaN (compare checks both)
    fails = compare(spec, kw, t, got, "s(t)")
    assert not fails, f"accepted {param}={short(bad)}, but:\n" + "\n".join(fails)


def _not_covered(spec: A.Spec, param: str, value: Any) -> bool:
    """A count above 2**31 - 1 where the contract page does not promise the 2e-6 bound with x64
    off ("counts above 2**31 - 1"): anywhere but the steps of linear, polynomial and cosine
    (whose such counts are multiples of 256 or at least 2**32 in these tests)."""
    if not (isinstance(value, int) and value > I31):
        return False
    return not (spec.name in ("linear", "polynomial", "cosine") and param == "steps")


def short_kw(kw: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k!r}: {short(v)}" for k, v in A.public(kw).items()) + "}"


# -- coverage ---------------------------------------------------------------------------------

# Public names that are not schedule constructors, or whose value is not a function of the
# step and the hyperparameters alone, each with where it is tested instead.
EXEMPT = {
    "Schedule": "the base class, not a constructor",
    "Finding": "what check returns, not a schedule (tests/test_audit.py)",
    "check": "checks a schedule against a run (tests/test_audit.py)",
    "compat": "the package of peer constructors (their modules are listed below)",
    "define": "defines a new constructor from a formula (tests/test_define.py)",
    "evaluate": "evaluates a schedule (tests/test_tools.py)",
    "fraction": "a duration, not a schedule (tests/test_fraction.py)",
    "ticks": "reads a clock's exact count as two uint32 words (tests/test_clocks.py)",
    "jump": "reports a schedule's change between two steps (tests/test_replan.py)",
    "from_dict": "rebuilds a serialised schedule (tests/test_serialize.py)",
    "to_dict": "serialises a schedule (tests/test_serialize.py)",
    "parse": "rebuilds a schedule from its repr (tests/test_parse.py)",
    "plot": "draws a schedule (tests/test_plot.py)",
    "summary": "describes a schedule (tests/test_tools.py)",
    "plateau": "a controller: its value follows the metrics fed to it (tests/test_plateau.py)",
    "compat.torch.ReduceLROnPlateau": "a controller (tests/test_plateau.py)",
    "compat.timm.PlateauLRScheduler": "a controller (tests/test_compat_timm.py)",
    "compat.transformers.GreedyLR": "a controller (tests/test_compat_transformers.py)",
    "compat.transformers.get_scheduler": (
        "a factory by name: returns the constructors specified here "
        "(tests/test_compat_transformers_names.py)"
    ),
    "compat.timm.create_scheduler_v2": (
        "a factory by name: returns the constructors specified here (tests/test_compat_timm.py)"
    ),
    "compat.keras.deserialize": (
        "rebuilds a Keras config with the constructors specified here "
        "(tests/test_compat_keras_config.py)"
    ),
}
# compat.optax's constructors get their specs with tests/_adversarial_optax.py: the module
# is covered from its first spec on.
COMPAT_MODULES = ("torch", "keras", "transformers", "mxnet", "timm")


def public_constructors() -> list[str]:
    import importlib

    names = list(jaxlrs.__all__)
    optax = ("optax",) if any(n.startswith("compat.optax.") for n in A.SPECS) else ()
    for m in (*COMPAT_MODULES, *optax):
        mod = importlib.import_module(f"jaxlrs.compat.{m}")
        names += [f"compat.{m}.{n}" for n in mod.__all__]
    return names


def test_every_public_constructor_has_a_spec() -> None:
    """Issue 8: an adversarial property test for every public constructor, core and
    compat: each public name has a spec here or a documented exemption (and every spec
    and exemption names a public constructor)."""
    names = public_constructors()
    missing = [n for n in names if n not in A.SPECS and n not in EXEMPT]
    assert not missing, f"public constructors without an adversarial spec: {missing}"
    stale = sorted(n for n in [*A.SPECS, *EXEMPT] if n not in names)
    assert not stale, f"specs or exemptions of no public name: {stale}"


def test_a_restart_closer_than_the_locator_sees_may_fall_either_side() -> None:
    """A float ``period_mult`` within 1 ulp of 5: the restarts lie ~1e-15 (relative) below
    the integer steps 6, 31, ..., closer than the locator's 2**-46, so those steps may fall
    on either side (the contract page); the test marks exactly those steps, and there the
    value is one side's (the end of a cycle or the start of the next), nothing between."""
    m = 5.0 - 2.0**-50  # 4.999999999999999
    t = np.array([5.0, 6.0, 7.0, 30.0, 31.0, 32.0, 1525878906.0, 1525878907.0])
    marked = A.near_start(t, 1, m)
    np.testing.assert_array_equal(marked, [False, True, False, False, True, False, True, False])
    assert not A.near_start(t, 2, 1.5).any()  # dyadic starts: exact, never ambiguous
    s = jaxlrs.sgdr(0.0, 1, period_mult=m, end=1.0)  # 0 at a restart, 1 at a cycle's end
    got = np.asarray(s(t[marked].astype(np.int64)), F64)
    assert np.all((np.abs(got) <= 1e-6) | (np.abs(got - 1) <= 1e-6)), got
