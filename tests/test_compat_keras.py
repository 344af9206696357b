"""Parity of ``jaxlrs.compat.keras`` with Keras 3's learning-rate schedules (JAX backend).

Each case evaluates the real Keras schedule at every step of several cycles or at least
twice its horizon (one jitted, vmapped call) and compares every value; one test runs a real
Keras optimizer to confirm that update ``k`` uses the schedule's value at step ``k``.
"""

from __future__ import annotations

import os
import pickle

import jax
import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import keras as ks

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "jax":
    pytest.skip("the Keras parity tests run on the JAX backend", allow_module_level=True)
S = keras.optimizers.schedules


def peer_values(schedule, n: int) -> np.ndarray:
    """Keras' values at steps 0..n-1 in one jitted, vmapped call. ``PolynomialDecay`` runs
    without ``jit``: there XLA rewrites ``t / decay_steps`` as ``t * (1 / decay_steps)``,
    and with ``power < 1`` Keras returns NaN from ``t = decay_steps`` on
    (``(1 - 1.0000001)**0.5``)."""
    fn = jax.vmap(schedule)
    if not isinstance(schedule, S.PolynomialDecay):
        fn = jax.jit(fn)
    with jax.numpy_dtype_promotion("standard"):
        return np.asarray(fn(np.arange(n, dtype=np.int32)), np.float64)


def assert_parity(ours, peer, rtol: float = 1e-6) -> None:
    ours = np.asarray(ours, np.float64)
    scale = max(float(np.max(np.abs(peer))), 1e-30)
    # The documented parity bound: Keras' float32 formulas are themselves up to 3e-7 of the
    # initial rate off the exact formula, which jaxlrs follows.
    np.testing.assert_allclose(ours, peer, rtol=rtol, atol=3e-7 * scale)


# (id, keras schedule, jaxlrs schedule, steps)
CASES = [
    ("exponential", S.ExponentialDecay(0.1, 10, 0.5), ks.ExponentialDecay(0.1, 10, 0.5), 60),
    (
        "exponential-staircase",
        S.ExponentialDecay(0.1, 7, 0.9, staircase=True),
        ks.ExponentialDecay(0.1, 7, 0.9, staircase=True),
        80,
    ),
    (
        "piecewise",
        S.PiecewiseConstantDecay([100, 110, 120], [1.0, 0.1, 0.01, 0.001]),
        ks.PiecewiseConstantDecay([100, 110, 120], [1.0, 0.1, 0.01, 0.001]),
        250,
    ),
    (
        "piecewise-from-zero",
        S.PiecewiseConstantDecay([0, 1, 5], [3.0, 2.0, 1.0, 0.5]),
        ks.PiecewiseConstantDecay([0, 1, 5], [3.0, 2.0, 1.0, 0.5]),
        12,
    ),
    ("polynomial", S.PolynomialDecay(0.1, 20), ks.PolynomialDecay(0.1, 20), 45),
    (
        "polynomial-sqrt",
        S.PolynomialDecay(0.1, 30, 0.01, power=0.5),
        ks.PolynomialDecay(0.1, 30, 0.01, power=0.5),
        70,
    ),
    (
        "polynomial-cycle",
        S.PolynomialDecay(0.1, 10, 0.001, power=2.0, cycle=True),
        ks.PolynomialDecay(0.1, 10, 0.001, power=2.0, cycle=True),
        45,
    ),
    ("inverse-time", S.InverseTimeDecay(0.1, 5, 0.5), ks.InverseTimeDecay(0.1, 5, 0.5), 60),
    (
        "inverse-time-staircase",
        S.InverseTimeDecay(0.1, 4, 1.5, staircase=True),
        ks.InverseTimeDecay(0.1, 4, 1.5, staircase=True),
        40,
    ),
    ("cosine", S.CosineDecay(0.1, 50), ks.CosineDecay(0.1, 50), 110),
    ("cosine-alpha", S.CosineDecay(0.1, 40, alpha=0.1), ks.CosineDecay(0.1, 40, alpha=0.1), 90),
    (
        "cosine-warmup",
        S.CosineDecay(0.0, 40, alpha=0.05, warmup_target=0.1, warmup_steps=10),
        ks.CosineDecay(0.0, 40, alpha=0.05, warmup_target=0.1, warmup_steps=10),
        110,
    ),
    (
        "cosine-warmup-from-nonzero",
        S.CosineDecay(0.01, 30, warmup_target=0.2, warmup_steps=7),
        ks.CosineDecay(0.01, 30, warmup_target=0.2, warmup_steps=7),
        80,
    ),
    (
        "cosine-steps-ignored-without-target",
        S.CosineDecay(0.1, 30, warmup_steps=10),
        ks.CosineDecay(0.1, 30, warmup_steps=10),
        70,
    ),
    (
        "restarts-mult2",
        S.CosineDecayRestarts(0.1, 10, t_mul=2.0, m_mul=0.5, alpha=0.1),
        ks.CosineDecayRestarts(0.1, 10, t_mul=2.0, m_mul=0.5, alpha=0.1),
        150,
    ),
    (
        "restarts-mult1",
        S.CosineDecayRestarts(0.1, 12, t_mul=1.0, m_mul=0.8),
        ks.CosineDecayRestarts(0.1, 12, t_mul=1.0, m_mul=0.8),
        60,
    ),
]


@pytest.mark.parametrize(("peer", "ours", "n"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parity(peer, ours, n):
    assert_parity(ours(np.arange(n)), peer_values(peer, n))


def test_restarts_float_mult():
    """A float ``t_mul``: Keras and jaxlrs both locate the cycle with a logarithm; away from
    the cycle boundaries (where a float32 log may pick either side) they agree to 1e-6."""
    n = 200
    peer = peer_values(S.CosineDecayRestarts(0.1, 8, t_mul=1.5, alpha=0.05), n)
    ours = np.asarray(ks.CosineDecayRestarts(0.1, 8, t_mul=1.5, alpha=0.05)(np.arange(n)))
    starts = np.cumsum([0] + [8 * 1.5**i for i in range(12)])
    near = np.min(np.abs(np.arange(n)[:, None] - starts[None, :]), axis=1) <= 1
    assert_parity(ours[~near], peer[~near])


def test_piecewise_published_values():
    """Keras' own test: right-closed pieces, negative steps take the first value."""
    s = ks.PiecewiseConstantDecay([100, 110, 120], [1.0, 0.1, 0.01, 0.001])
    np.testing.assert_allclose(
        s([-999, 100, 105, 110, 120, 999]), [1.0, 1.0, 0.1, 0.1, 0.01, 0.001], rtol=1e-6
    )


def test_optimizer_uses_value_at_iterations():
    """A real Keras optimizer: update k (0-based) moves a weight by lr(k) * gradient."""
    sched = S.CosineDecay(0.0, 6, warmup_target=0.5, warmup_steps=3)
    with jax.numpy_dtype_promotion("standard"):
        opt = keras.optimizers.SGD(learning_rate=sched)
        w = keras.Variable(np.zeros(1, np.float32))
        before = []
        for _ in range(10):
            old = float(w.value[0])
            opt.apply_gradients([(np.ones(1, np.float32), w)])
            before.append(old - float(w.value[0]))
    ours = ks.CosineDecay(0.0, 6, warmup_target=0.5, warmup_steps=3)(np.arange(10))
    np.testing.assert_allclose(before, ours, rtol=1e-6, atol=1e-7)


def test_large_steps_exact():
    """Integer step arithmetic past 2**24, where Keras' float32 step is already rounded."""
    t = np.array([2**24 + 1, 2**31 - 2, 10**9 + 7], np.int64)
    s = ks.PiecewiseConstantDecay([2**24, 10**9 + 6], [1.0, 0.5, 0.25])
    np.testing.assert_allclose(s(t), [0.5, 0.25, 0.25])
    p = ks.PolynomialDecay(1.0, 1_000_000, 0.0, cycle=True)
    k = -(-t // 1_000_000)
    np.testing.assert_allclose(p(t), 1 - t / (k * 1_000_000), rtol=2e-6, atol=1e-9)


ROUND_TRIP = [c[2] for c in CASES]


@pytest.mark.parametrize("s", ROUND_TRIP, ids=repr)
def test_repr_round_trip(s):
    text = repr(s)
    assert text.startswith("compat.keras.")
    assert eval(text, vars(jaxlrs)) == s
    assert pickle.loads(pickle.dumps(s)) == s


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: ks.ExponentialDecay(0.1, 0, 0.5),
            r"ExponentialDecay\(\): decay_steps must be a positive integer, got 0",
        ),
        (
            lambda: ks.PiecewiseConstantDecay([10, 5], [1.0, 0.5, 0.1]),
            r"PiecewiseConstantDecay\(\): boundaries must be strictly increasing",
        ),
        (
            lambda: ks.PiecewiseConstantDecay([10], [1.0]),
            r"values must have one more entry than boundaries \(2\), got 1",
        ),
        (lambda: ks.PolynomialDecay(0.1, 10, power=0.0), r"PolynomialDecay\(\): power must be"),
        (lambda: ks.InverseTimeDecay(0.1, 10, -1.0), r"InverseTimeDecay\(\): decay_rate must"),
        (lambda: ks.CosineDecay(0.1, 10, warmup_steps=-1), r"warmup_steps must be a non-neg"),
        (lambda: ks.CosineDecayRestarts(0.1, 10, t_mul=0.5), r"t_mul must be a finite number"),
        (lambda: ks.CosineDecay(0.1, 10, name=3), r"CosineDecay\(\): name must be a string"),
    ],
)
def test_validation(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


@pytest.mark.parametrize("power", [0.01, 0.001, 0.3])
def test_polynomial_decay_rising_with_a_small_power_past_half_way(power):
    """``end * (1 - left**power)`` past half the decay, for a small power: from
    ``-expm1(power * log(left))``, not ``1 - left**power`` (which cancelled: 2.6e-6 off
    at ``1 - 0.5**0.01``), eager and in a jit, against the float64 formula."""
    s = ks.PolynomialDecay(0.0, 10, end_learning_rate=1.0, power=power)
    t = np.arange(11)
    with np.errstate(divide="ignore"):  # log(0) = -inf at the end: the value is 1
        want = -np.expm1(power * np.log1p(-np.minimum(t, 10) / 10.0))
    for got in (s(t), jax.jit(lambda x: s(x))(t)):
        np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=2e-6, atol=1e-10)
