"""Issue 8, classes 1, 2, 5, 7, 8: step-count products that could wrap, float period_mult
cycles near 2**31, low ends of increasing cycles, NaN gradients through unselected
branches. Generated inputs against independent float64 / exact-integer oracles."""

import math
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _oracles import assert_close, oracle

import jaxlrs
from jaxlrs.compat import keras as K
from jaxlrs.compat import torch as P
from jaxlrs.compat import transformers as T

TOP = 2**31 - 1
RNG = np.random.default_rng(8)
WIDTH = 1024  # every step array is padded to this length: one compile per structure


def _pad(steps: np.ndarray, width: int = WIDTH) -> np.ndarray:
    assert len(steps) <= width
    return np.concatenate([steps, np.full(width - len(steps), steps[-1])]).astype(np.int64)


def _starts(period: float, m: float, top: int = TOP) -> np.ndarray:
    """Cycle starts period * (m**i - 1) / (m - 1) in float64, up to ``top``."""
    out, i = [0.0], 1
    while True:
        s = period * (m**i - 1) / (m - 1)
        if s > top:
            return np.array(out)
        out.append(s)
        i += 1


def _around(starts: np.ndarray, k: int = 60) -> np.ndarray:
    """Steps 3 either side of k sampled boundaries, plus 2**24 +- 1 and the last steps."""
    pick = starts[RNG.choice(len(starts), size=min(k, len(starts)), replace=False)]
    steps = np.concatenate(
        [
            np.floor(pick)[:, None] + np.arange(-3, 4),
            [[2**24 - 1, 2**24, 2**24 + 1]],
            np.arange(TOP - 5, TOP + 1)[None],
        ],
        axis=None,
    )
    steps = np.unique(steps[(steps >= 0) & (steps <= TOP)]).astype(np.int64)
    # Leave out steps a float64 boundary cannot decide (within 1e-4 of a start).
    near = np.min(np.abs(steps[:, None] - starts[None, :]), axis=1) < 1e-4
    keep = ~near | np.isin(steps, np.round(starts[np.abs(starts - np.round(starts)) < 1e-9]))
    return _pad(steps[keep])


MULTS = [(1000, 1.5), (2427, 4.7267), (1000, 1.0001), (3185, 2.5), (97, 1.1)] + [
    (int(RNG.integers(1, 5000)), float(np.exp(RNG.uniform(np.log(1.0001), np.log(6)))))
    for _ in range(3)
]


@pytest.mark.parametrize(("period", "mult"), MULTS)
def test_float_period_mult_within_1e6_of_peak_up_to_2_31(period, mult):
    steps = _around(_starts(period, mult))
    t = jnp.asarray(steps, jnp.int32)
    for s in (
        jaxlrs.sgdr(1.0, period, period_mult=mult, decay=0.875, end=0.0625),
        jaxlrs.cycle(jaxlrs.linear(1.0, 0.25, period), period, period_mult=mult),
    ):
        got = np.asarray(s(t), np.float64)
        np.testing.assert_allclose(got, oracle(s, steps), rtol=0, atol=1e-6, err_msg=repr(s))


def test_quoted_float_mult_cases():
    s = jaxlrs.cycle(jaxlrs.constant(906.6), 2427, period_mult=4.7267, decay=0.7, limit=21)
    steps = _around(_starts(2427, 4.7267))
    got = np.asarray(s(jnp.asarray(steps, jnp.int32)), np.float64)
    np.testing.assert_allclose(got, oracle(s, steps), rtol=0, atol=1e-6 * 906.6)


def test_keras_restarts_float_t_mul_and_traced_t_mul():
    starts = _starts(1000, 1.5)
    steps = _around(starts)
    t = jnp.asarray(steps, jnp.int32)
    s = K.CosineDecayRestarts(1.0, 1000, t_mul=1.5, m_mul=0.75, alpha=0.125)
    want = oracle(jaxlrs.sgdr(1.0, 1000, 1.5, 0.75, 0.125), steps)
    np.testing.assert_allclose(np.asarray(s(t), np.float64), want, rtol=0, atol=1e-6)
    # Traced: the float32 t_mul is the hyperparameter (1.5 is exact in float32).
    f = jax.jit(lambda m: K.CosineDecayRestarts(1.0, 1000, t_mul=m)(t))
    want = oracle(jaxlrs.sgdr(1.0, 1000, 1.5), steps)
    np.testing.assert_allclose(np.asarray(f(1.5), np.float64), want, rtol=0, atol=1e-6)


# -- 1 and 7: products and sums of step counts that could wrap --------------------------------


def _exact_phase(u: int, m: int, n: int) -> float:
    """The Hugging Face cosine (1 + cos(pi m u / n)) / 2 with the phase reduced exactly."""
    x = Fraction((m * u) % (2 * n), n)  # in [0, 2), exact
    return math.sin(math.pi / 2 * float(1 - x if x <= 1 else x - 1)) ** 2


def _lengths(k: int) -> list[int]:
    return [int(x) for x in RNG.integers(2**30, TOP, size=k)] + [2**30 + 5, TOP]


@pytest.mark.parametrize("length", _lengths(3))
@pytest.mark.parametrize("num_cycles", [0.5, 1.0, 3.5, 50.0])
def test_hf_cosine_exact_phase_near_2_31(length, num_cycles):
    import transformers.optimization as o

    w = int(RNG.integers(0, 100))
    total = min(length + w, TOP)
    n = total - w
    s = T.get_cosine_schedule_with_warmup(1.0, w, total, num_cycles)
    steps = np.unique(
        np.concatenate(
            [
                RNG.integers(w, TOP, 40),
                [w, w + 1, 10**8, TOP - 1, TOP],
                [w + n // 2, w + n // 2 + 1],
            ]
        )
    )
    steps = _pad(steps, 64)  # one shape for every case: one compile
    got = np.asarray(s(jnp.asarray(steps, jnp.int32)), np.float64)
    m = round(2 * num_cycles)
    want = np.array([_exact_phase(int(k) - w, m, n) for k in steps])
    assert_close(got, want, 1.0, steps=steps)
    peer = np.array(
        [
            o._get_cosine_schedule_with_warmup_lr_lambda(
                int(k), num_warmup_steps=w, num_training_steps=total, num_cycles=num_cycles
            )
            for k in steps
        ]
    )
    # Hugging Face's float64 phase is itself ~1e-16 * m * t off: well inside 1e-6.
    np.testing.assert_allclose(got, peer, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("length", [*_lengths(3), 30000000])
@pytest.mark.parametrize("num_cycles", [1, 2, 100, 12345])
def test_hf_hard_restarts_exact_position_near_2_31(length, num_cycles):
    s = T.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 0, length, num_cycles)
    steps = np.unique(np.concatenate([RNG.integers(0, length, 40), [length - 1, 29_000_000]]))
    steps = _pad(steps[steps < length])
    got = np.asarray(s(jnp.asarray(steps, jnp.int32)), np.float64)
    want = np.array(
        [
            math.cos(math.pi / 2 * float(Fraction(num_cycles * int(k) % length, length))) ** 2
            for k in steps
        ]
    )
    assert_close(got, want, 1.0, steps=steps)


def test_quoted_overflow_cases():
    hard = T.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 0, 30_000_000, 100)
    assert abs(float(hard(29_000_000)) - 0.25) < 1e-6
    cos = T.get_cosine_schedule_with_warmup(1.0, 0, 2**30 + 5)
    want = math.cos(math.pi * 10**8 / (2**30 + 5)) / 2 + 0.5
    assert abs(float(cos(10**8)) - want) < 1e-6
    assert float(K.PiecewiseConstantDecay([TOP], [1.0, 0.5])(0)) == 1.0
    nested = jaxlrs.stretch(jaxlrs.stretch(jaxlrs.linear(1.0, 0.0, 1), 70000), 70000)
    assert abs(float(nested(10**9)) - (1 - 10**9 / 70000**2)) < 1e-6


def test_keras_piecewise_right_closed_near_the_top():
    bs = sorted({int(x) for x in RNG.integers(2**30, TOP, 6)} | {TOP - 1, TOP})
    vals = [float(v) for v in RNG.uniform(0.1, 1.0, len(bs) + 1)]
    s = K.PiecewiseConstantDecay(bs, vals)
    steps = np.unique(np.concatenate([[b - 1, b, b + 1] for b in bs] + [[0]]))
    steps = steps[steps <= TOP]
    got = np.asarray(s(jnp.asarray(steps, jnp.int32)), np.float64)
    want = np.array([vals[int(np.searchsorted(bs, k, side="left"))] for k in steps])
    np.testing.assert_array_equal(got, np.float32(want))


@pytest.mark.parametrize("factors", [(70000, 70000), (3, 2**30), (65536, 65537), (7, 11)])
def test_nested_integer_stretch(factors):
    a, b = factors
    s = jaxlrs.stretch(jaxlrs.stretch(jaxlrs.linear(1.0, 0.25, 3), a), b)
    steps = _pad(np.unique(np.concatenate([RNG.integers(0, TOP, 30), [0, 1, TOP]])))
    got = s(jnp.asarray(steps, jnp.int32))
    assert_close(got, oracle(s, steps), steps=steps)


@pytest.mark.parametrize("t_max", [*_lengths(3), 12345])
def test_cosine_annealing_lr_periodic_near_2_31(t_max):
    s = P.CosineAnnealingLR(1.0, t_max, 0.125)
    steps = np.unique(np.concatenate([RNG.integers(0, TOP, 40), [0, t_max - 1, t_max, TOP]]))
    steps = _pad(steps[steps <= TOP])
    got = np.asarray(s(jnp.asarray(steps, jnp.int32)), np.float64)
    r = np.array([float(Fraction(int(k) % (2 * t_max), t_max)) for k in steps])  # in [0, 2)
    h = np.where(r <= 1, np.sin(np.pi / 2 * (1 - r)) ** 2, np.sin(np.pi / 2 * (r - 1)) ** 2)
    assert_close(got, 0.125 + 0.875 * h, 1.0, steps=steps)


# -- 5: low ends that keep their relative precision -----------------------------------------


@pytest.mark.parametrize("low", [1e-6, 1e-3, 0.25])
def test_increasing_cycles_keep_the_low_end(low):
    steps = np.unique(np.concatenate([np.arange(0, 12), np.arange(995, 1012), [1500, 3000, 2999]]))
    t = jnp.asarray(steps, jnp.int32)
    for s in (
        jaxlrs.sgdr(low, 1000, end=1.0),
        jaxlrs.sgdr(low, 1000, period_mult=2, decay=0.5, end=1.0),
        jaxlrs.sgdr(low, 1000, period_mult=1.5, decay=0.875, end=1.0, warmup=3),
    ):
        assert_close(s(t), oracle(s, steps), steps=steps)
    s = P.CosineAnnealingWarmRestarts(low, 1000, 2, eta_min=1.0)
    assert_close(s(t), oracle(jaxlrs.sgdr(low, 1000, 2, end=1.0), steps), steps=steps)
    s = P.CosineAnnealingLR(low, 1000, eta_min=1.0)
    h = np.where((steps // 1000) % 2 == 0, 1 - (steps % 1000) / 1000, (steps % 1000) / 1000)
    assert_close(s(t), 1.0 + (low - 1.0) * np.sin(np.pi / 2 * h) ** 2, steps=steps)


@pytest.mark.parametrize("power", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("cycle", [False, True])
def test_keras_polynomial_increasing_keeps_the_low_end(power, cycle):
    s = K.PolynomialDecay(1e-6, 1000, end_learning_rate=1.0, power=power, cycle=cycle)
    steps = np.unique(np.concatenate([np.arange(0, 8), np.arange(995, 1006), [1500, 2001, 5000]]))
    d = 1000 * np.maximum(1, np.ceil(steps / 1000)) if cycle else 1000.0
    p = np.minimum(steps, d) / d
    want = (1e-6 - 1.0) * (1 - p) ** power + 1.0
    assert_close(s(jnp.asarray(steps, jnp.int32)), want, steps=steps)


# -- 8: gradients never NaN where the value is finite ---------------------------------------

GRAD_STEPS = np.array([0, 1, 5, 99, 100, 101, 150, 10**4, 10**6, 2**24 + 1, TOP])

GRADS = {
    "sgdr_period": (lambda p, t: jaxlrs.sgdr(1.0, p)(t), 10.0),
    "sgdr_mult": (lambda m, t: jaxlrs.sgdr(1.0, 100, period_mult=m)(t), 1.5),
    "sgdr_mult_one": (lambda m, t: jaxlrs.sgdr(1.0, 100, period_mult=m)(t), 1.0),
    "sgdr_decay": (lambda d, t: jaxlrs.sgdr(1.0, 100, 2, decay=d, end=0.1)(t), 0.5),
    "sgdr_end": (lambda e, t: jaxlrs.sgdr(0.1, 100, 1.5, decay=0.5, end=e)(t), 1.0),
    "sgdr_peak": (lambda p, t: jaxlrs.sgdr(p, 100, 1.5, limit=3)(t), 1.0),
    "cycle_period": (lambda p, t: jaxlrs.cycle(jaxlrs.cosine(1.0, 7), p, 1.5)(t), 7.0),
    "cycle_decay": (lambda d, t: jaxlrs.cycle(jaxlrs.cosine(1.0, 7), 7, 2, d)(t), 0.5),
    "cyclic_period": (lambda p, t: jaxlrs.cyclic(0.1, 1.0, p)(t), 10.0),
    "cyclic_gamma": (lambda g, t: jaxlrs.cyclic(0.1, 1.0, 10, "exp_range", g)(t), 0.999),
    "annealing_tmax": (lambda p, t: P.CosineAnnealingLR(1.0, p, 0.1)(t), 10.0),
    "annealing_eta": (lambda e, t: P.CosineAnnealingLR(1.0, 10, e)(t), 0.1),
    "warm_restarts_eta": (lambda e, t: P.CosineAnnealingWarmRestarts(1.0, 10, 2, e)(t), 0.1),
    "restarts_t_mul": (lambda m, t: K.CosineDecayRestarts(1.0, 10, m)(t), 1.5),
    "restarts_m_mul": (lambda m, t: K.CosineDecayRestarts(1.0, 10, 2.0, m, 0.1)(t), 0.5),
    "restarts_alpha": (lambda a, t: K.CosineDecayRestarts(1.0, 10, 1.5, 0.5, a)(t), 0.1),
    "hf_cosine_cycles": (lambda c, t: T.get_cosine_schedule_with_warmup(1.0, 5, 100, c)(t), 0.5),
    "hf_cosine_peak": (lambda p, t: T.get_cosine_schedule_with_warmup(p, 5, 100)(t), 1.0),
    "hf_min_lr": (
        lambda r, t: T.get_cosine_with_min_lr_schedule_with_warmup(1.0, 5, 100, min_lr_rate=r)(t),
        0.1,
    ),
    "hf_hard_peak": (
        lambda p, t: T.get_cosine_with_hard_restarts_schedule_with_warmup(p, 5, 100, 3)(t),
        1.0,
    ),
    "hf_wsd_ratio": (
        lambda r, t: T.get_wsd_schedule(1.0, 5, 20, 100, min_lr_ratio=r)(t),
        0.1,
    ),
    "keras_poly_power": (lambda p, t: K.PolynomialDecay(1.0, 100, 0.1, p, True)(t), 2.0),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients_finite_for_every_hyperparameter(name):
    fn, x0 = GRADS[name]
    t = jnp.asarray(GRAD_STEPS, jnp.int32)
    # Values and gradients in one compiled program (eager vmap of grad compiles the
    # forward, the transposed backward and the values' vmap separately).
    values, grads = jax.jit(jax.vmap(jax.value_and_grad(fn), in_axes=(None, 0)))(x0, t)
    assert np.isfinite(np.asarray(values)).all()
    assert np.isfinite(np.asarray(grads)).all(), (name, grads)


def test_quoted_gradient_case():
    assert math.isfinite(float(jax.grad(lambda p: jaxlrs.sgdr(1.0, p)(10**4))(10.0)))


# -- 14: where the peer is off its own formula, jaxlrs follows the formula -------------------


@pytest.mark.parametrize("steps", [1000, 10**5, 10**7])
def test_keras_float32_tails_against_the_exact_formula(steps):
    import keras.optimizers.schedules as ks

    t = np.concatenate([np.arange(0, 30), np.arange(steps - 100, steps + 1)])
    exact = {
        "cosine": np.sin(np.pi / 2 * (steps - t) / steps) ** 2,
        "poly": (1 - t / steps) ** 2 * (1 - 1e-4) + 1e-4,
    }
    pairs = {
        "cosine": (K.CosineDecay(1.0, steps), ks.CosineDecay(1.0, steps)),
        "poly": (
            K.PolynomialDecay(1.0, steps, power=2.0),
            ks.PolynomialDecay(1.0, steps, power=2.0),
        ),
    }
    for name, (ours, peer) in pairs.items():
        assert_close(ours(jnp.asarray(t, jnp.int32)), exact[name], 1.0, steps=t)
        with jax.numpy_dtype_promotion("standard"):
            theirs = np.asarray(jax.vmap(peer)(np.asarray(t, np.int32)), np.float64)
        # What docs/migration/keras.md says of Keras: within 3e-7 of the initial rate.
        assert np.max(np.abs(theirs - exact[name])) <= 3e-7


def test_hf_hard_restarts_exact_at_restart_steps_where_hf_is_not():
    import transformers.optimization as o

    lam = o._get_cosine_with_hard_restarts_schedule_with_warmup_lr_lambda
    s = T.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 0, 22, 22)
    assert lam(15, num_warmup_steps=0, num_training_steps=22, num_cycles=22) == 0.0
    assert float(s(15)) == 1.0
    for total, nc in ((22, 22), (300, 3), (1000, 8), (4096, 64)):
        s = T.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 0, total, nc)
        steps = np.arange(total)
        got = np.asarray(s(steps), np.float64)
        restart = (nc * steps) % total == 0
        assert (got[restart] == 1.0).all()
        peer = np.array(
            [
                lam(int(k), num_warmup_steps=0, num_training_steps=total, num_cycles=nc)
                for k in steps
            ]
        )
        np.testing.assert_allclose(got[~restart], peer[~restart], rtol=1e-6, atol=1e-7)
