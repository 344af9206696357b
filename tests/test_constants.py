"""Schedules compiled into a caller's program with Python-number hyperparameters.

``jax.jit(lambda t: s(t))`` with ``s`` built from Python numbers traces the schedule's own
graph on those numbers (``Schedule.__call__``), and several curves then take a shorter
exact form that the numbers allow: a cosine or polynomial decay between two non-negative
ends (``low + (high - low) * w`` with the weight of ``high`` from its own exact fraction),
a table of ``init * factor**j`` for a staircase or multistep decay, a table of stairs for a
fast exponential decay, one ``expm1`` for ``warmup_exponential``'s decay, and the levels of
``one_cycle`` in float64.

Each test draws the adversarial generator's hyperparameters for the constructor
(``tests/_adversarial.py``: tiny and huge values, lengths near 2**24 and 2**31), forces
the ones that select the constant form, and checks the compiled values against the same
independent float64 oracle and tolerance as ``test_adversarial`` at dense steps around
every edge, 2**24 +- 1 and 2**31 - 1, and at steps spread over the whole range. A last
test checks that the constant form is the one compiled: a smaller program than the same
schedule passed as an argument (its hyperparameters traced).
"""

from __future__ import annotations

import math
import os
from typing import Any

import _adversarial as A
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_adversarial import I31, compare, steps_for

import jaxlrs

LONG = os.environ.get("JAXLRS_ADVERSARIAL", "") == "long"
SETTINGS = settings(
    max_examples=100 if LONG else 6,
    deadline=None,
    derandomize=not LONG,
    phases=[Phase.explicit, Phase.generate] + ([Phase.shrink] if LONG else []),
    suppress_health_check=list(HealthCheck),
    database=None,
)

INT_POWER = st.sampled_from([1.0, 2.0, 3, 4.0, 5, 8.0])
FAST_RATE = st.one_of(
    st.sampled_from([math.exp(-4), 0.5, 0.1, 0.96, 0.9933, 0.9934]),
    st.floats(math.exp(-4), 1.0, exclude_max=True),
)
"""Rates of the exponential table (from e**-4 to 1; above about 0.9933 a table would pass
4,096 stairs and the general form is compiled instead)."""


GRID = np.unique(np.geomspace(1, I31, 384).astype(np.int64)).astype(np.int32)
"""Steps spread over the whole range (about 9% apart): every stair and tail of a decay."""


def _ordered(d: Any, kw: dict[str, Any], a: str, b: str) -> None:
    """Both ends non-negative, in the order drawn (rising or falling)."""
    kw[a], kw[b] = d(A.VAL), d(A.VAL)


def _cosine(d: Any, kw: dict[str, Any]) -> None:
    kw.update(exponent=1.0, k=1.0)
    _ordered(d, kw, "init", "end")


def _sgdr(d: Any, kw: dict[str, Any]) -> None:
    kw["decay"] = 1.0
    kw["period_mult"] = d(st.sampled_from([1, 2, 3]))  # a float one: test_closure_jit
    _ordered(d, kw, "peak", "end")


def _polynomial(d: Any, kw: dict[str, Any]) -> None:
    kw["power"] = d(INT_POWER)
    hi, lo = sorted([d(A.VAL), d(A.VAL)], reverse=True)
    kw["init"], kw["end"] = hi, lo


def _exponential(d: Any, kw: dict[str, Any]) -> None:
    kw["rate"] = d(FAST_RATE)
    kw["steps"] = d(st.one_of(st.just(1), st.integers(2, 1000), st.just(2**24)))


def _warmup_exponential(d: Any, kw: dict[str, Any]) -> None:
    if kw["peak"] < kw.get("end", 0.0):
        kw["peak"], kw["end"] = kw["end"], kw["peak"]


def _linear(d: Any, kw: dict[str, Any]) -> None:
    kw[d(st.sampled_from(["init", "end"]))] = 0.0  # the dropped zero term


def _keep(d: Any, kw: dict[str, Any]) -> None:
    """The drawn hyperparameters already select the constant form (Python numbers)."""


FORCED = {
    "cosine": _cosine,
    "sgdr": _sgdr,
    "warmup_cosine": _keep,
    "one_cycle": _keep,
    "linear": _linear,
    "polynomial": _polynomial,
    "exponential": _exponential,
    "multistep": _keep,
    "piecewise_constant": _keep,
    "piecewise_linear": _keep,
    "warmup_exponential": _warmup_exponential,
    "warmup_constant": _keep,
    "step_decay": _keep,
}


def _draw(name: str, data: st.DataObject) -> dict[str, Any]:
    spec = A.SPECS[name]
    kw = data.draw(spec.strategy(), label="kwargs")
    FORCED[name](lambda s: data.draw(s), kw)
    return kw


@pytest.mark.parametrize("name", sorted(FORCED))
@SETTINGS
@given(data=st.data())
def test_constant_hyperparameters_compiled_into_a_jit(name: str, data: st.DataObject) -> None:
    spec = A.SPECS[name]
    kw = _draw(name, data)
    extra = data.draw(st.lists(st.integers(0, I31), min_size=3, max_size=3), label="steps")
    t = np.unique(np.concatenate([steps_for(spec, kw, extra), GRID]))
    try:
        s = spec.build(**A.public(kw))
    except (ValueError, TypeError):  # a forced combination the constructor refuses
        return
    got = jax.jit(lambda x: s(x))(t)
    fails = compare(spec, kw, t, got, "jax.jit(lambda t: s(t))(t)")
    assert not fails, "\n".join(fails)


SMALLER = {
    "cosine": lambda: jaxlrs.cosine(1e-3, 10_000, end=1e-5),
    "cosine, rising": lambda: jaxlrs.cosine(1e-5, 10_000, end=1e-3),
    "sgdr": lambda: jaxlrs.sgdr(1e-3, 1_000, limit=3),
    "warmup_cosine": lambda: jaxlrs.warmup_cosine(1e-3, 100, 10_000),
    "one_cycle": lambda: jaxlrs.one_cycle(1e-3, 10_000),
    "linear": lambda: jaxlrs.linear(1e-3, 0.0, 10_000),
    "polynomial": lambda: jaxlrs.polynomial(1e-3, 1e-5, 10_000, 2.0),
    "exponential": lambda: jaxlrs.exponential(1e-3, 0.5, 1_000),
    "exponential, staircase": lambda: jaxlrs.exponential(1e-3, 0.9, 7, staircase=True),
    "multistep": lambda: jaxlrs.multistep(1e-3, [5_000, 7_500], 0.1),
    "warmup_exponential": lambda: jaxlrs.warmup_exponential(1e-3, 100, 10_000, end=1e-5),
}


def _ops(fn: Any, *args: Any) -> int:
    text = jax.jit(fn).lower(*args).compile().as_text()
    return sum(" = " in line for line in text.splitlines())


@pytest.mark.parametrize("case", sorted(SMALLER))
def test_the_constant_form_is_the_program_compiled(case: str) -> None:
    s = SMALLER[case]()
    t = jnp.zeros((), jnp.int32)
    closed = _ops(lambda x: s(x), t)
    traced = _ops(lambda x, sched: sched(x), t, s)  # the hyperparameters traced
    assert closed < traced, (closed, traced)


TINY = {
    "torch ConstantLR": lambda: jaxlrs.compat.torch.ConstantLR(1e-25, factor=2**-9, total_iters=1),
    "torch LinearLR": lambda: jaxlrs.compat.torch.LinearLR(1e-27, 1.0, 0.1, total_iters=1),
    "optax cosine": lambda: jaxlrs.compat.optax.cosine_decay_schedule(1e-27, 1, alpha=0.125),
    "optax piecewise": lambda: jaxlrs.compat.optax.piecewise_constant_schedule(
        1e-27, {1: 0.1, 2: 0.5}
    ),
    # peak / ratio = 1e-32 over 850,706 steps: XLA would fold 1e-32 / 850706 into a
    # constant below float32's normal range and flush it (the general program is taken)
    "slanted_triangular": lambda: jaxlrs.slanted_triangular(1e-27, 851557, 0.001, 1e5),
}


@pytest.mark.parametrize("case", sorted(TINY))
def test_a_recipe_keeps_a_derived_value_below_2_to_the_minus_92(case: str) -> None:
    """A recipe's body, rebuilt from its Python numbers, keeps a value it derives below
    2**-92 (``base_lr * factor`` of a tiny ``base_lr``) as the traced evaluation does,
    instead of refusing it inside a user's ``jit``; such a schedule compiles its general
    program there, so that no folded constant falls below float32's normal range."""
    s = TINY[case]()
    t = np.array([0, 1, 2, 3, 851, 426204, 851554, 851555, 851556, 851557], np.int32)
    eager = np.asarray(s(t), np.float64)
    assert eager.min() < 2.0**-92
    np.testing.assert_allclose(np.asarray(jax.jit(lambda x: s(x))(t)), eager, rtol=2e-6)
