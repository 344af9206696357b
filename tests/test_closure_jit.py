"""Schedules inside a ``jit`` that closes over them, as Optax calls a schedule.

There the hyperparameters are compile-time constants, and XLA rewrites arithmetic on
constants that the eager call (hyperparameters as arguments) never sees: it folds
``(c + x) - c`` to ``x`` and ``(c + x) - x`` to ``c``, which would drop the rounding error
that a double-float sum recovers; and with Python-number hyperparameters the schedule is
traced as its constant form (its own graph on those numbers, see ``Schedule``), not as
the general program of the eager call. Checked here:

* the error-free transformations themselves, with a constant operand first or second,
  against exact float64 sums and products of float32 values;
* every example schedule (``tests/examples_table.py``): ``jax.jit(lambda t: s(t))`` within
  the contract's tolerance (2e-6 relative, or 1e-10 of the largest value) of the eager call,
  which the oracle tests check, at small, stair-edge and large steps up to ``2**31 - 1``.
"""

from __future__ import annotations

import examples_table as T
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxlrs import _time
from jaxlrs._time import DF

F64 = np.float64


def _draws(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    c = (rng.uniform(-4, 4, 12) * 10.0 ** rng.integers(-6, 6, 12)).astype(np.float32)
    x = (rng.uniform(-1, 1, 512) * 10.0 ** rng.integers(-14, 3, 512)).astype(np.float32)
    return c, x


@pytest.mark.parametrize("first", [True, False], ids=["constant-first", "constant-second"])
def test_double_float_sums_and_products_are_exact_with_a_constant_operand(first):
    cs, xs = _draws(1 if first else 2)
    zero = np.float32(0)
    for c in cs:

        def pair(x, c=c):
            a, b = DF(jnp.float32(c), jnp.float32(zero)), DF(x, jnp.zeros_like(x))
            a, b = (a, b) if first else (b, a)
            s, p = _time.df_add(a, b), _time.df_mul(a, b)
            return s.hi, s.lo, p.hi, p.lo

        s_hi, s_lo, p_hi, p_lo = (np.asarray(v, F64) for v in jax.jit(pair)(jnp.asarray(xs)))
        # A sum or product of two float32s is exact in float64 (at most 48 bits).
        np.testing.assert_array_equal(s_hi + s_lo, F64(c) + xs.astype(F64), err_msg=str(c))
        np.testing.assert_array_equal(p_hi + p_lo, F64(c) * xs.astype(F64), err_msg=str(c))


def _steps() -> np.ndarray:
    rng = np.random.default_rng(0)
    edges = [2**24 - 1, 2**24, 2**24 + 1, 2**31 - 2, 2**31 - 1]
    both = [np.arange(0, 200), rng.integers(0, 2**31 - 1, 300), edges]
    return np.unique(np.concatenate(both)).astype(np.int32)


@pytest.mark.parametrize("case", T.cases(), ids=repr)
def test_closure_jit_agrees_with_the_eager_call(case):
    s = case.build()
    t = _steps()
    eager = np.asarray(s(t), F64)
    jitted = np.asarray(jax.jit(lambda u: s(u))(jnp.asarray(t)), F64)
    scale = float(np.nanmax(np.abs(eager))) or 1.0
    np.testing.assert_allclose(jitted, eager, rtol=2e-6, atol=1e-10 * scale)


@pytest.mark.parametrize("anneal", ["linear", "cos"])
@pytest.mark.parametrize("pct_start", [0.0, 0.3])
def test_a_value_derived_below_2_92_keeps_its_term_when_closed_over(anneal, pct_start):
    """PyTorch's OneCycleLR minimum ``max_lr / div_factor / final_div_factor`` is derived
    while evaluating (4e-33 here, below the 2**-92 that checked values keep): closed over,
    XLA folded ``min_lr * (u / length)`` into ``u * (min_lr / length)`` and flushed that
    constant to 0, dropping the term (0.31 relative off at the last steps; found by the
    long adversarial sweep). Such a value sends the constant form to the general program
    (``_time.TINY``), so the closed-over call agrees with the eager one."""
    from jaxlrs.compat import torch as pt

    s = pt.OneCycleLR(1e-27, total_steps=340283, pct_start=pct_start, anneal_strategy=anneal)
    steps = np.array([0, 1, 2, 100_000, 170_141, 340_279, 340_280, 340_282, 10**6], np.int32)
    closed = np.asarray(jax.jit(lambda t: s(t))(steps), np.float64)
    scalars = np.array([float(jax.jit(lambda t: s(t))(int(t))) for t in steps])
    eager = np.asarray(s(steps), np.float64)
    np.testing.assert_allclose(closed, eager, rtol=2e-6, atol=0)
    np.testing.assert_allclose(scalars, eager, rtol=2e-6, atol=0)
