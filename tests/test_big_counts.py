"""Step counts above the index maximum (x64 off: Python ints from 2**31 up).

Such a count cannot travel as an int32. From 2**31 to 2**32 - 1 it travels as a uint32
(exact), above that as a float32 (then it is more than twice any step, and float32 is
accurate for every remaining count). Every integer step up to 2**31 - 1 must still be
within 2e-6 relative (or 1e-10 of the largest value) of a float64 evaluation of the
documented formula: the remaining count ``T - t`` next to ``t = 2**31 - 1`` is formed
without rounding ``T`` or ``t``. Checked with generated counts in [2**31 - 1, 2**33] and
steps next to 2**31 - 1, through the eager call ``s(t)`` (hyperparameters arrive packed
and traced), ``s._evaluate(t)`` (concrete Python values) and ``jax.jit``; plus the
zero-length ramp, which is finished (``(done, left) = (1, 0)``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _oracles import assert_close, oracle

import jaxlrs
from jaxlrs import _time

LAST = 2**31 - 1
F64 = np.float64

pytestmark = pytest.mark.skipif(
    jax.config.jax_enable_x64, reason="the int32 index dtype is what is under test"
)


def _exact(count: int) -> int:
    """``count`` as the contract page promises it for a single count: below ``2**31``, a multiple
    of 256 (float32 holds it exactly) up to ``2**32``, or any count from ``2**32`` on."""
    return count if count <= LAST or count >= 2**32 else count - count % 256


def _counts(rng: np.random.Generator, n: int) -> list[int]:
    """Counts in [2**31 - 1, 2**33]: next to 2**31, 2**32 and at random."""
    edges = [LAST, 2**31, 2**31 + 256, 2**32 - 256, 2**32, 2**32 + 129, 2**33]
    near = [int(rng.integers(2**31, 2**31 + 3000)), int(rng.integers(2**32 - 3000, 2**32 + 300))]
    return [_exact(c) for c in edges + near + [int(x) for x in rng.integers(LAST, 2**33, n)]]


def _steps(rng: np.random.Generator) -> np.ndarray:
    """Steps next to 2**31 - 1 and at random below (one array length: one compile)."""
    top = LAST - np.arange(40, dtype=np.int64)
    low = rng.integers(0, LAST, 24)
    return np.concatenate([top, low, [0, 1, 2**24 + 1]]).astype(np.int64)


def _check(s: jaxlrs.Schedule, steps: np.ndarray, scale: float, jit: bool = False) -> None:
    want = oracle(s, steps) if isinstance(s, jaxlrs.Schedule) else s[1]
    s = s if isinstance(s, jaxlrs.Schedule) else s[0]
    t32 = np.asarray(steps, np.int32)
    assert_close(s(t32), want, scale, steps=steps)
    assert_close(s._evaluate(t32), want, scale, steps=steps)
    if jit:  # one compile per schedule: on some only
        assert_close(jax.jit(lambda t: s(t))(t32), want, scale, steps=steps)


VALUES = [(1.0, 1e-27), (1e-27, 1.0), (1.0, 0.0), (0.0, 2.0), (3e-3, 1e-8)]


@pytest.mark.parametrize("kind", ["linear", "polynomial", "cosine"])
def test_decays_with_counts_above_int32(kind: str) -> None:
    rng = np.random.default_rng(["linear", "polynomial", "cosine"].index(kind))
    steps = _steps(rng)
    for i, big in enumerate(_counts(rng, 2)):
        a, b = VALUES[i % len(VALUES)]
        if kind == "linear":
            s = jaxlrs.linear(a, b, big)
        elif kind == "polynomial":
            s = jaxlrs.polynomial(a, b, big, power=float(rng.choice([0.5, 1.0, 2.0])))
        else:
            s = jaxlrs.cosine(a, big, end=b)
        _check(s, steps, max(a, b), jit=i % 4 == 0)


def test_quoted_linear_cases() -> None:
    # The remaining count 1 at the last int32 step: float32 made it 0. A count that float32
    # cannot hold acts as its float32 value, as the contract page says (2**31 + 7 as 2**31).
    assert float(jaxlrs.linear(1.0, 0.0, 2**31)(LAST)) == pytest.approx(2.0**-31)
    assert float(jaxlrs.linear(1.0, 1e-27, 2**31 + 7)(LAST)) == pytest.approx(2.0**-31)


def test_boundary_lists_above_int32() -> None:
    rng = np.random.default_rng(7)
    steps = _steps(rng)
    for _ in range(6):
        big = sorted({int(x) for x in rng.integers(2**31, 2**32, 2)})
        top = sorted({int(x) for x in rng.integers(LAST - 30, LAST + 1, 2)})
        bounds = [1, *top, *big]
        vals = [float(x) for x in rng.uniform(0.0, 2.0, len(bounds) + 1)]
        _check(jaxlrs.piecewise_constant(bounds, vals), steps, 2.0)
        _check(jaxlrs.multistep(1.0, bounds, 0.5), steps, 1.0)
        _check(jaxlrs.piecewise_linear(bounds, vals[:-1]), steps, 2.0)
        pieces = [jaxlrs.constant(v) for v in vals[:3]]
        _check(jaxlrs.join(pieces, [10, big[0]]), steps, 2.0)
        _check(jaxlrs.join([pieces[0], jaxlrs.linear(1.0, 0.0, big[-1])], [top[0]]), steps, 2.0)


def test_quoted_list_cases() -> None:
    s = jaxlrs.piecewise_constant([1, 2147483646, 2147483648], [0.25, 0.5, 0.75, 1.0])
    assert float(s(2147483643)) == 0.5
    s = jaxlrs.join(
        [jaxlrs.constant(1.0), jaxlrs.constant(2.0), jaxlrs.constant(3.0)], [10, 2147483648]
    )
    assert float(s(2147483644)) == 2.0
    s = jaxlrs.piecewise_linear([1, 2147483647, 2147483648], [1.0, 2.0, 0.0])
    assert float(s(2147483644)) == pytest.approx(2.0 - 3 / (2**31 - 2))


def test_combinators_with_counts_above_int32() -> None:
    rng = np.random.default_rng(11)
    steps = _steps(rng)
    for i, big in enumerate(_counts(rng, 1)):
        near = LAST - int(rng.integers(0, 30))
        _check(jaxlrs.cooldown(jaxlrs.constant(1.0), near, big), steps, 1.0, jit=i == 0)
        _check(jaxlrs.cooldown(jaxlrs.constant(1e-9), 5, big, end=1.0), steps, 1.0)
        _check(jaxlrs.cooldown(jaxlrs.linear(1.0, 0.5, 2**31), big, 5), steps, 1.0)
        _check(jaxlrs.warmup(jaxlrs.constant(1.0), big), steps, 1.0)
        _check(jaxlrs.warmup(jaxlrs.linear(1.0, 0.0, big), 100, 1e-6), steps, 1.0)


def test_warmup_families_with_counts_above_int32() -> None:
    """The families against their documented composition, which the oracle evaluates:
    ``warmup(linear(peak, end, steps - warmup), warmup, init)`` and so on."""
    rng = np.random.default_rng(13)
    steps = _steps(rng)
    for i, big in enumerate(_counts(rng, 1)):
        w = [0, 3, LAST - int(rng.integers(0, 30)), big - int(rng.integers(1, 200))][i % 4]
        w = min(w, big, LAST)  # a warmup above 2**31 - 1 is not covered (the contract)
        end, init = [(0.0, 0.0), (1e-9, 0.0), (2.0, 1e-7), (0.5, 0.0)][i % 4]
        # The families' total `steps` from 2**31 to 2**32 - 1 is not covered (the contract): its
        # difference with the warmup is formed in float32; from 2**32 on it is.
        total = big if big >= 2**32 else LAST
        w = min(w, total - 1)
        fam = jaxlrs.warmup_linear(1.0, w, total, init=init, end=end)
        body = jaxlrs.linear(1.0, end, total - w)
        _check((fam, oracle(jaxlrs.warmup(body, w, init), steps)), steps, 2.0, jit=i == 0)
        fam = jaxlrs.warmup_polynomial(1.0, w, total, init=init, end=end, power=2.0)
        body = jaxlrs.polynomial(1.0, end, total - w, power=2.0)
        _check((fam, oracle(jaxlrs.warmup(body, w, init), steps)), steps, 2.0)
        _check(jaxlrs.warmup_cosine(1.0, w, total, init=init, end=end), steps, 2.0)
        # cyclic (a cycle) with a period above 2**31 - 1 is not covered (the contract).


def test_zero_length_ramp_is_finished() -> None:
    t = _time.start(jnp.arange(4))
    for length in (jnp.int32(0), jnp.float32(0.0), jnp.asarray(0, jnp.uint32)):
        done, left = jax.jit(_time.ramp, static_argnums=())(t, length)
        np.testing.assert_array_equal(done, 1.0)
        np.testing.assert_array_equal(left, 0.0)
    # Traced: a warmup as long as the whole schedule shows ``end`` from its last step on.
    f = jax.jit(lambda w: jaxlrs.warmup_linear(1.0, w, w, end=0.25)(jnp.asarray([0, 5, 9])))
    got = f(jnp.int32(5))
    np.testing.assert_allclose(got, [0.0, 0.25, 0.25])
    f = jax.jit(lambda w: jaxlrs.cooldown(jaxlrs.constant(1.0), 3, w, end=0.25)(jnp.arange(6)))
    np.testing.assert_allclose(f(jnp.int32(0)), [1.0, 1.0, 1.0, 0.25, 0.25, 0.25])


def test_zero_length_float_ramp_gradient_is_finite() -> None:
    def f(length: jax.Array) -> jax.Array:
        done, left = _time.ramp(_time.start(jnp.int32(3)), length)
        return done + 2 * left

    assert float(f(jnp.float32(0.0))) == 1.0
    assert np.isfinite(float(jax.grad(f)(jnp.float32(0.0))))
    assert np.isfinite(float(jax.grad(f)(jnp.float32(10.0))))
