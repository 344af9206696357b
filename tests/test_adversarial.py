"""Adversarial property test: every public constructor (core and compat) against independent
float64 oracles, over generated hyperparameters across each documented domain.

For each constructor (``tests/_adversarial.py`` holds the strategies, oracles and phase
boundaries), hypothesis draws keyword arguments and the test checks:

* values (``test_values``): ``s(t)`` (the packed eager path, where hyperparameters arrive
  traced) and, for some examples, ``jax.jit(lambda t: s(t))(t)``, at dense steps (+-3)
  around every phase boundary and end, at 0..3, 2**24 +- 1, 2**31 - 2, 2**31 - 1 and a few
  random steps, against the documented formula in float64, with the contract's tolerance
  (SPEC §1.5: 2e-6 relative or 1e-10 of the largest value; a float ``period_mult``
  1e-6 of the largest value). Values never NaN, never inf unless the formula's value is
  beyond float32;
* gradients (``test_gradients``): ``jax.grad`` with respect to every numeric
  hyperparameter (step counts passed as floats) is finite wherever the value is;
* rejections (``test_rejections``): an out-of-domain value for any parameter raises
  ``ValueError``/``TypeError`` whose message starts with ``<fn>(): `` and names the
  parameter, never another exception; where the contract allows either rejecting or
  evaluating correctly (a length of 10**400, a value of 1e-50), an accepted input must
  evaluate to the formula.

Every failure prints the constructor, its keyword arguments, the path and a one-line repro.

Compiles dominate the cost (one per schedule structure and path), so the default run is
small and reproducible: per constructor 5 value examples (the first also through an outer
``jit``), 1 gradient example and 8 rejection examples, derandomized, no shrinking (about
75 s of CPU). ``JAXLRS_ADVERSARIAL=long`` runs 500 random examples per constructor (100 for
gradients) with shrinking, for a minimal failing case; ``JAXLRS_ADVERSARIAL_EXAMPLES=n``
sets the count.
"""

from __future__ import annotations

import functools
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
EXAMPLES = int(os.environ.get("JAXLRS_ADVERSARIAL_EXAMPLES", 500 if LONG else 5))
N_STEPS = 256  # one step-array shape: one compile per schedule structure

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if LONG else [])],
    suppress_health_check=list(HealthCheck),
    database=None,
)
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
        return f"_adversarial.{v.__name__}"  # the repro puts tests/ on the path
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
    head += '"import _adversarial, jax; from jaxlrs import *; '
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
            np.full(want.shape, 2.0**-149),  # float32 cannot do better below its subnormals
        ]
    )
    held = np.abs(want) <= F32_MAX
    err = np.abs(got - want)
    if spec.bounds_only:  # noise: within schedule * (1 -+ pct) inside its window
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


_TURN: dict[str, int] = {}


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
    turn = _TURN[name] = _TURN.get(name, -1) + 1
    if turn % 10 == 0:  # compiled into an outer jit: a compile per example, so not always
        fails += compare(spec, kw, t, jax.jit(lambda x: s(x))(t), "jax.jit(lambda t: s(t))(t)")
    assert not fails, "\n".join(fails)


# -- gradients --------------------------------------------------------------------------------


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def split(kw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], tuple[Any, ...]]:
    """(differentiable numbers as float32, other traced leaves, static options)."""
    diff: dict[str, Any] = {}
    other: dict[str, Any] = {}
    static: list[tuple[str, Any]] = []
    for k, v in A.public(kw).items():
        if k == "key":
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


@functools.cache
def grad_fn(name: str, static: tuple[Any, ...]) -> Any:
    spec = A.SPECS[name]

    def value(diff: dict[str, Any], other: dict[str, Any], t: Any) -> Any:
        fixed = {k: (list(v) if isinstance(v, tuple) else v) for k, v in static}
        return spec.build(**diff, **other, **fixed)(t)

    return jax.jit(jax.vmap(jax.value_and_grad(value), in_axes=(None, None, 0)))


@pytest.mark.parametrize("name", NAMES)
@GRAD_SETTINGS
@given(data=st.data())
def test_gradients(name: str, data: st.DataObject) -> None:
    spec = A.SPECS[name]
    kw = data.draw(spec.strategy(), label="kwargs")
    t = steps_for(spec, kw, [])
    diff, other, static = split(kw)
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
        bad = np.isfinite(val) & ~np.all(np.isfinite(g), axis=1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            fails.append(
                f"  d/d{k} not finite at {len(np.unique(t[bad]))} steps, first step {int(t[i])}: "
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
MUST: dict[str, list[Any]] = {
    "value": [NAN, INF, -INF, 10**400, None, True, *WRONG_TYPE],
    "pos": [0.0, -1.0, NAN, INF, 10**400, None, True, *WRONG_TYPE],
    "nonneg": [-1.0, NAN, INF, 10**400, None, *WRONG_TYPE],
    "count": [0, -1, -5, 1.5, NAN, INF, None, True, *WRONG_TYPE],
    "count0": [-1, -5, 1.5, NAN, INF, None, True, *WRONG_TYPE],
    "frac01": [0.0, -0.1, 1.1, NAN, INF, None, *WRONG_TYPE],
    "frac": [-0.1, 1.1, NAN, INF, None, *WRONG_TYPE],
    "frac_open": [0.0, 1.0, -0.1, 1.1, NAN, None, *WRONG_TYPE],
    "frac_closed_open": [1.0, -0.1, NAN, None, *WRONG_TYPE],
    "ge1": [0.5, 0.0, -1.0, NAN, INF, None, *WRONG_TYPE],
    "flag": ["True", None, 1, 1.5],
    "option": ["no such option", None, 1],
    "counts0": [[-1], [1.5], [NAN], "1", None],
    "counts0_any": [[-1], [1.5], [NAN], "1", None],
    "values": [NAN, INF, 10**400, "1"],  # one entry replaced (see _bad_list)
    "schedule": [1.0, None, "constant(1.0)"],
    "callable": [None, 1.0, "f"],
    "key": ["1", None, 1.5],
    "operand": ["1", None, NAN, INF],
}
EITHER: dict[str, list[Any]] = {
    "value": [1e39, -1e39, 1e-50],
    "pos": [1e39, 1e-50],
    "nonneg": [1e39, 1e-50],
    "values": [1e39],
    "count": [10**400, 2**63, 10**20],
    "count0": [10**400, 2**63],
    "frac01": [1e-45, 1e-50],
    "frac": [1e-45],
    "frac_open": [1e-45, 1e-50],
    "ge1": [1e39, 1 + 1e-12],
}


def _bad_cases(spec: A.Spec) -> list[tuple[str, Any, bool]]:
    out = []
    for param, kind in spec.kinds.items():
        base = kind.removeprefix("opt-")
        for v in MUST.get(base, []):
            if v is None and kind.startswith("opt-"):
                continue
            out.append((param, v, True))
        for v in EITHER.get(base, []):
            out.append((param, v, False))
    return out


@pytest.mark.parametrize("name", NAMES)
@settings(SETTINGS, max_examples=max(8, EXAMPLES))
@given(data=st.data())
def test_rejections(name: str, data: st.DataObject) -> None:
    spec = A.SPECS[name]
    cases = _bad_cases(spec)
    if not cases:
        return
    kw = dict(data.draw(spec.strategy(), label="kwargs"))
    param, bad, must = data.draw(st.sampled_from(cases), label="bad")
    if spec.kinds[param] == "values":
        i = data.draw(st.integers(0, len(kw[param]) - 1))
        bad = [*kw[param][:i], bad, *kw[param][i + 1 :]]
    kw[param] = bad
    head = f"{spec.name}: {param}={bad!r}\n  kwargs: {A.public(kw)!r}\n  " + repro(spec, kw, "{s}")
    try:
        s = spec.build(**A.public(kw))
    except (ValueError, TypeError) as e:
        msg = str(e)
        assert msg.startswith(f"{spec.fn}(): ") and param in msg, (
            f"{head}\n  message {msg!r} does not read '{spec.fn}(): {param} ...'"
        )
        return
    except Exception as e:
        raise AssertionError(
            f"{head}\n  raised {type(e).__name__}: {e} (want ValueError/TypeError)"
        ) from e
    assert not must, f"{head}\n  accepted (want ValueError/TypeError)"
    t = steps_for(spec, kw, [])
    try:
        got = s(t)
    except Exception as e:
        raise AssertionError(
            f"{head}\n  accepted, then the call raised {type(e).__name__}: {e}"
        ) from e
    try:
        want = oracle(spec, kw, t)
    except Exception:  # the oracle cannot evaluate it either: the value must still be finite
        assert np.all(np.isfinite(np.asarray(got))), f"{head}\n  accepted, then non-finite values"
        return
    beyond = np.abs(want) > F32_MAX
    assert not beyond.any(), (
        f"{head}\n  accepted, but the schedule's value {want[beyond][0]!r} (step "
        f"{int(t[beyond][0])}) is beyond float32: got {np.asarray(got)[beyond][0]!r}; reject it"
    )
    fails = compare(spec, kw, t, got, "s(t)")
    assert not fails, f"accepted {param}={bad!r}, but:\n" + "\n".join(fails)
