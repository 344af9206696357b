"""jaxlrs.compat.optax against the real Optax: generated hyperparameters, every step around
every boundary; the exact formula (float64) where Optax's float32 drifts; validation
messages; traced hyperparameters."""

from __future__ import annotations

import math
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import optax as jo

optax = pytest.importorskip("optax")

RNG_SEEDS = range(6)


def _near(*centres: int, width: int = 3, top: int = 4000) -> np.ndarray:
    """Every step within ``width`` of each centre, plus a coarse grid up to ``top``."""
    pts = {int(c) + d for c in centres for d in range(-width, width + 1)}
    pts |= set(range(0, top, 37))
    return np.array(sorted(p for p in pts if 0 <= p < 2**31 - 1), np.int32)


def _optax_values(fn, steps: np.ndarray) -> np.ndarray:
    # Optax itself relies on standard dtype promotion (the suite runs strict).
    with jax.numpy_dtype_promotion("standard"):
        f = jax.jit(jax.vmap(lambda c: jnp.asarray(fn(c), jnp.float32)))
        out = f(jnp.asarray(steps))
    return np.asarray(out, np.float64)


def assert_matches_optax(ours, theirs, steps, scale):
    """To 1e-6 relative, or 2e-7 of the schedule's largest value absolute (Optax's own
    float32 rounding where it cancels; see the module docstring)."""
    got = np.asarray(ours(jnp.asarray(steps)), np.float64)
    want = _optax_values(theirs, steps)
    bad = np.abs(got - want) > 1e-6 * np.abs(want) + 2e-7 * scale
    assert not bad.any(), (steps[bad][:5], got[bad][:5], want[bad][:5])


def _value(rng) -> float:
    """A learning rate from 1e-6 to 10."""
    return float(10 ** rng.uniform(-6, 1))


def _count(rng, small: bool) -> int:
    return int(rng.integers(1, 4)) if small else int(rng.integers(4, 1500))


def _cases(seed: int):
    """(id, ours, theirs, centres, scale) for one seed: every constructor once."""
    rng = np.random.default_rng(seed)
    small = seed % 3 == 0  # steps of 1..3
    begin = 0 if seed % 2 == 0 else int(rng.integers(1, 300))
    i, e, p = _value(rng), _value(rng), _value(rng)
    T, D = _count(rng, small), _count(rng, small)
    W = 0 if seed == 1 else _count(rng, small)
    power = float(rng.choice([0.5, 1.0, 2.0, 3.7]))
    rate = float(rng.choice([0.1, 0.5, 0.97, 1.5]))
    alpha = float(rng.choice([0.0, 0.1, 0.9]))
    # Exponents below 1 amplify Optax's float32 cancellation near the end of a cosine
    # (see test_cosine_exponent_below_one).
    expo = float(rng.choice([1.0, 2.0, 3.0]))
    end = None if seed % 3 == 1 else i * float(rng.choice([0.05, 0.5, 2.0]))
    stair = bool(seed % 2)
    bs = sorted({int(b) for b in rng.integers(0 if seed == 2 else 1, 2000, size=3)})
    scales = {b: float(rng.choice([0.0, 0.1, 0.5, 2.0])) for b in bs}
    kind = "cosine" if seed % 2 else "linear"
    pct_s = float(rng.choice([0.0, 0.25, 0.3, 0.7]))
    pct_f = float(rng.choice([0.75, 0.85, 1.0]))
    cyc = [
        dict(init_value=i, peak_value=p, warmup_steps=W, decay_steps=W + D),
        dict(init_value=e, peak_value=i, warmup_steps=0, decay_steps=T, end_value=e / 3),
    ]
    big = max(i, e, p)
    return [
        ("constant", jo.constant_schedule(i), optax.constant_schedule(i), [], i),
        (
            "linear",
            jo.linear_schedule(i, e, T, begin),
            optax.linear_schedule(i, e, T, begin),
            [begin, begin + T],
            max(i, e),
        ),
        (
            "polynomial",
            jo.polynomial_schedule(i, e, power, T, begin),
            optax.polynomial_schedule(i, e, power, T, begin),
            [begin, begin + T],
            max(i, e),
        ),
        (
            "cosine",
            jo.cosine_decay_schedule(i, D, alpha, expo),
            optax.cosine_decay_schedule(i, D, alpha, expo),
            [D],
            i,
        ),
        (
            "exponential",
            jo.exponential_decay(i, T, rate, begin, stair, end),
            optax.exponential_decay(i, T, rate, begin, stair, end),
            [begin + k * T for k in range(12)],
            # A growing decay: its value at the last step compared.
            max(i, end or 0.0) * (rate ** (4000 / T) if rate > 1 else 1.0),
        ),
        (
            "piecewise_constant",
            jo.piecewise_constant_schedule(i, scales),
            optax.piecewise_constant_schedule(i, scales),
            bs,
            i * max(1.0, math.prod(scales.values()), max(scales.values())),
        ),
        (
            "piecewise_interpolate",
            jo.piecewise_interpolate_schedule(kind, i, scales),
            optax.piecewise_interpolate_schedule(kind, i, scales),
            bs,
            i * 8,
        ),
        (
            "join",
            jo.join_schedules([jo.constant_schedule(e), jo.linear_schedule(i, e, T)], [W]),
            optax.join_schedules([optax.constant_schedule(e), optax.linear_schedule(i, e, T)], [W]),
            [W, W + T],
            max(i, e),
        ),
        (
            "warmup_constant",
            jo.warmup_constant_schedule(i, p, W),
            optax.warmup_constant_schedule(i, p, W),
            [W],
            max(i, p),
        ),
        (
            "warmup_cosine",
            jo.warmup_cosine_decay_schedule(i, p, W, W + D, e, expo),
            optax.warmup_cosine_decay_schedule(i, p, W, W + D, e, expo),
            [W, W + D],
            big,
        ),
        (
            "warmup_exponential",
            jo.warmup_exponential_decay_schedule(i, p, W, T, rate, begin, stair, end),
            optax.warmup_exponential_decay_schedule(i, p, W, T, rate, begin, stair, end),
            [W, W + begin] + [W + begin + k * T for k in range(12)],
            max(i, p, end or 0.0) * (rate ** (4000 / T) if rate > 1 else 1.0),
        ),
        (
            "cosine_onecycle",
            jo.cosine_onecycle_schedule(D + T, p, pct_s, 10.0, 100.0),
            optax.cosine_onecycle_schedule(D + T, p, pct_s, 10.0, 100.0),
            [int(pct_s * (D + T)), D + T],
            p,
        ),
        (
            "linear_onecycle",
            jo.linear_onecycle_schedule(D + T, p, pct_s, pct_f, 10.0, 100.0),
            optax.linear_onecycle_schedule(D + T, p, pct_s, pct_f, 10.0, 100.0),
            [int(pct_s * (D + T)), int(pct_f * (D + T)), D + T],
            p,
        ),
        (
            "sgdr",
            jo.sgdr_schedule(cyc),
            optax.sgdr_schedule(cyc),
            [W, W + D, W + D + T],
            big,
        ),
    ]


CASES = [(seed, c[0]) for seed in RNG_SEEDS for c in _cases(seed)]


@pytest.mark.parametrize(("seed", "name"), CASES, ids=[f"{n}-{s}" for s, n in CASES])
def test_matches_optax(seed, name):
    (case,) = [c for c in _cases(seed) if c[0] == name]
    _, ours, theirs, centres, scale = case
    assert_matches_optax(ours, theirs, _near(*centres), scale)


@pytest.mark.parametrize(
    ("ours", "theirs", "centres", "scale"),
    [
        # Optax's edge conventions: a zero-step transition holds init_value, as does a
        # zero decay rate; a zero-step warmup holds init_value; end_value clips from step 0;
        # a zero peak ignores end_value; a scale at step 0 applies at step 0.
        (jo.linear_schedule(1.0, 0.5, 0, 10), optax.linear_schedule(1.0, 0.5, 0, 10), [10], 1),
        (
            jo.polynomial_schedule(1.0, 0.5, 2.0, 0),
            optax.polynomial_schedule(1.0, 0.5, 2, 0),
            [],
            1,
        ),
        (jo.exponential_decay(1.0, 0, 0.5), optax.exponential_decay(1.0, 0, 0.5), [], 1),
        (jo.exponential_decay(1.0, 10, 0.0), optax.exponential_decay(1.0, 10, 0.0), [], 1),
        (
            jo.exponential_decay(1.0, 10, 0.5, 5, end_value=2.0),
            optax.exponential_decay(1.0, 10, 0.5, 5, end_value=2.0),
            [5],
            2,
        ),
        (
            jo.exponential_decay(1.0, 10, 2.0, 5, end_value=3.0),
            optax.exponential_decay(1.0, 10, 2.0, 5, end_value=3.0),
            [5, 15, 25],
            3,
        ),
        (
            jo.warmup_constant_schedule(0.1, 1.0, 0),
            optax.warmup_constant_schedule(0.1, 1.0, 0),
            [],
            1,
        ),
        (
            jo.warmup_cosine_decay_schedule(0.1, 0.0, 5, 50, end_value=0.3),
            optax.warmup_cosine_decay_schedule(0.1, 0.0, 5, 50, end_value=0.3),
            [5, 50],
            0.3,
        ),
        (
            jo.warmup_exponential_decay_schedule(0.0, 1.0, 5, 10, 0.5, end_value=2.0),
            optax.warmup_exponential_decay_schedule(0.0, 1.0, 5, 10, 0.5, end_value=2.0),
            [5],
            2,
        ),
        (
            jo.piecewise_constant_schedule(1.0, {0: 0.5, 1: 0.5}),
            optax.piecewise_constant_schedule(1.0, {0: 0.5, 1: 0.5}),
            [0, 1],
            1,
        ),
        (
            jo.piecewise_interpolate_schedule("cosine", 1.0, {0: 0.5, 1: 0.5, 7: 4.0}),
            optax.piecewise_interpolate_schedule("cosine", 1.0, {0: 0.5, 1: 0.5, 7: 4.0}),
            [0, 1, 7],
            1,
        ),
        (jo.piecewise_constant_schedule(0.3), optax.piecewise_constant_schedule(0.3), [], 0.3),
        (
            jo.piecewise_interpolate_schedule("linear", 0.3, {}),
            optax.piecewise_interpolate_schedule("linear", 0.3, {}),
            [],
            0.3,
        ),
        (
            jo.linear_onecycle_schedule(10, 1.0, 0.5, 0.5),
            optax.linear_onecycle_schedule(10, 1.0, 0.5, 0.5),
            [5, 10],
            1,
        ),
        (
            jo.cosine_onecycle_schedule(10, 1.0, 1.0),
            optax.cosine_onecycle_schedule(10, 1.0, 1.0),
            [10],
            1,
        ),
    ],
)
def test_edge_conventions(ours, theirs, centres, scale):
    assert_matches_optax(ours, theirs, _near(*centres, top=200), scale)


def test_large_steps_follow_the_formula_where_optax_drifts():
    # A linear decay over 1e8 steps, 100 steps before its end: exactly 1e-6.
    t = np.array([10**8 - 100, 10**8 - 1], np.int64)
    ours = np.asarray(jo.linear_schedule(1.0, 0.0, 10**8)(t), np.float64)
    theirs = _optax_values(optax.linear_schedule(1.0, 0.0, 10**8), t)
    exact = (10**8 - t) / 1e8
    np.testing.assert_allclose(ours, exact, rtol=2e-6)
    assert np.abs(theirs[0] / exact[0] - 1) > 1e-2  # Optax: 4.6% off
    # A staircase past 2**24: Optax's float32 stair lands one step early.
    T, k = 1_000_003, 20_000_059
    s_ours = jo.exponential_decay(1.0, T, 0.5, staircase=True)
    s_theirs = optax.exponential_decay(1.0, T, 0.5, staircase=True)
    assert float(s_ours(k)) == 0.5 ** (k // T)
    assert float(_optax_values(s_theirs, np.array([k]))[0]) == 0.5 ** (k // T + 1)
    # A cosine over 2**26 steps near its end: Optax's (1 + cos) / 2 reads 0.
    D = 2**26
    u = np.array([D - 1000, D - 10], np.int64)
    exact = np.sin(0.5 * np.pi * (D - u) / D) ** 2
    c = jo.warmup_cosine_decay_schedule(0.0, 1.0, 0, D)
    np.testing.assert_allclose(np.asarray(c(u), np.float64), exact, rtol=2e-6)
    theirs = _optax_values(optax.warmup_cosine_decay_schedule(0.0, 1.0, 0, D), u)
    assert np.all(np.abs(theirs - exact) > 0.5 * exact)
    # A piecewise boundary at 10**9 + 1: exact on both sides.
    p = jo.piecewise_constant_schedule(1.0, {10**9 + 1: 0.5})
    assert p([10**9, 10**9 + 1]).tolist() == [1.0, 0.5]


def test_cosine_exponent_below_one():
    # (1 + cos) / 2 ** 0.5 near the end: Optax's float32 cancellation, amplified by the
    # square root, is 1e-5 relative off; jaxlrs follows the float64 formula.
    init, D, alpha, p = 0.45, 1469, 0.1, 0.5
    t = np.arange(0, D + 20)
    exact = init * ((1 - alpha) * (0.5 * (1 + np.cos(np.pi * np.minimum(t, D) / D))) ** p + alpha)
    s = jo.cosine_decay_schedule(init, D, alpha, p)
    np.testing.assert_allclose(np.asarray(s(t), np.float64), exact, rtol=2e-6)
    theirs = _optax_values(optax.cosine_decay_schedule(init, D, alpha, p), t)
    assert np.max(np.abs(theirs / exact - 1)) > 5e-6
    head = t < D // 2  # away from the end Optax agrees too
    np.testing.assert_allclose(np.asarray(s(t))[head], theirs[head], rtol=1e-6)


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (
            lambda: jo.linear_schedule(1.0, 0.0, -1),
            ValueError,
            r"^linear_schedule\(\): transition_steps must be a non-negative "
            r"integer, got -1$",
        ),
        (
            lambda: jo.polynomial_schedule(1.0, 0.0, 1.0, 10, transition_begin=-3),
            ValueError,
            r"^polynomial_schedule\(\): transition_begin must be a non-negative",
        ),
        (
            lambda: jo.polynomial_schedule(1.0, 0.0, 0.0, 10),
            ValueError,
            r"^polynomial_schedule\(\): power must be a finite number in \(0",
        ),
        (
            lambda: jo.cosine_decay_schedule(1.0, 0),
            ValueError,
            r"^cosine_decay_schedule\(\): decay_steps must be a positive integer, "
            r"got 0$",
        ),
        (
            lambda: jo.exponential_decay(1.0, 10, -0.5),
            ValueError,
            r"^exponential_decay\(\): decay_rate must be a finite number in "
            r"\[0, inf\), got -0\.5$",
        ),
        (
            lambda: jo.exponential_decay(1.0, 10, 0.5, staircase="yes"),
            TypeError,
            r"^exponential_decay\(\): staircase must be True or False",
        ),
        (
            lambda: jo.piecewise_constant_schedule(1.0, {10: -0.1}),
            ValueError,
            r"^piecewise_constant_schedule\(\): boundaries_and_scales\[10\] scale "
            r"must be a finite number in \[0, inf\), got -0\.1$",
        ),
        (
            lambda: jo.piecewise_constant_schedule(1.0, [[3, 3], [0.5, 0.1]]),
            ValueError,
            r"boundaries_and_scales steps must be distinct, got \[3, 3\]",
        ),
        (
            lambda: jo.piecewise_interpolate_schedule("cubic", 1.0),
            ValueError,
            r"^piecewise_interpolate_schedule\(\): interpolate_type must be one "
            r"of 'linear', 'cosine', got 'cubic'$",
        ),
        (
            lambda: jo.join_schedules([optax.constant_schedule(1.0)], []),
            TypeError,
            r"^join_schedules\(\): schedules\[0\] must be a jaxlrs Schedule",
        ),
        (
            lambda: jo.join_schedules([jaxlrs.constant(1.0), jaxlrs.constant(0.5)], []),
            ValueError,
            r"boundaries must have one entry fewer than schedules \(1\), got 0",
        ),
        (
            lambda: jo.warmup_cosine_decay_schedule(0.0, 1.0, 10, 10),
            ValueError,
            r"^warmup_cosine_decay_schedule\(\): decay_steps must be larger "
            r"than warmup_steps",
        ),
        (
            lambda: jo.cosine_onecycle_schedule(0, 1.0),
            ValueError,
            r"^cosine_onecycle_schedule\(\): transition_steps must be a positive",
        ),
        (
            lambda: jo.linear_onecycle_schedule(100, 1.0, pct_final=1.5),
            ValueError,
            r"^linear_onecycle_schedule\(\): pct_final must be a finite number "
            r"in \[0, 1\], got 1\.5$",
        ),
        (
            lambda: jo.sgdr_schedule([dict(init_value=0.0, peak_value=1.0, warmup_steps=0)]),
            TypeError,
            r"^sgdr_schedule\(\): cosine_kwargs\[0\] is missing the argument "
            r"'decay_steps'$",
        ),
        (
            lambda: jo.sgdr_schedule([dict(decay_steps=10, peak=1.0)]),
            ValueError,
            r"cosine_kwargs\[0\] must be a dict of warmup_cosine_decay_schedule arguments, "
            r"got 'peak'",
        ),
    ],
)
def test_validation(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_onecycle_boundaries_cannot_be_traced():
    with pytest.raises(TypeError, match="it places a boundary, so it cannot be traced"):
        jax.jit(lambda n: jo.cosine_onecycle_schedule(n, 1.0)(3))(jnp.int32(100))


def test_drop_in_inside_an_optax_optimizer():
    s = jo.warmup_cosine_decay_schedule(0.0, 1e-2, 10, 100, 1e-4)
    ref = optax.warmup_cosine_decay_schedule(0.0, 1e-2, 10, 100, 1e-4)
    rates = []
    for sched in (s, ref):
        _drop_in_rates(sched, rates)
    np.testing.assert_allclose(rates[0], rates[1], rtol=1e-6, atol=2e-9)


def _drop_in_rates(sched, rates):
    with jax.numpy_dtype_promotion("standard"):
        opt = optax.inject_hyperparams(optax.sgd)(learning_rate=sched)
        state = opt.init(jnp.zeros(3))
        got = []
        for _ in range(30):
            _, state = opt.update(jnp.ones(3), state)
            got.append(float(state.hyperparams["learning_rate"]))
        rates.append(got)


def test_repr_parses_back_and_reads_like_the_call():
    s = jo.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100, end_value=0.1)
    assert repr(s) == "compat.optax.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100, end_value=0.1)"
    for t in (
        s,
        jo.piecewise_constant_schedule(1.0, {200: 0.1, 100: 0.5}),
        jo.sgdr_schedule([dict(init_value=0.0, peak_value=1.0, warmup_steps=0, decay_steps=9)]),
        jo.linear_onecycle_schedule(100, 1.0),
        jo.piecewise_interpolate_schedule("linear", 1.0, [[5, 10], [0.5, 2.0]]),
    ):
        assert jaxlrs.parse(repr(t)) == t
        assert jaxlrs.parse("jaxlrs." + repr(t)) == t


def test_import_jaxlrs_does_not_import_optax():
    code = "import sys, jaxlrs, jaxlrs.compat.optax; assert 'optax' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- regressions (issue 8) ---------------------------------------------------------------------


@pytest.mark.parametrize("rate", [1.1, 0.97, 1.0000001])
def test_exponential_rate_keeps_its_float64_bits_on_the_eager_path(rate):
    # The eager call packs decay_rate as a traced float32; the stand-in for a zero rate
    # once dropped the bits float32 loses from it: 1.1**128 was 2.8e-6 off. Float64 formula.
    T, B, W = 16_777_217, 3_933_862, 1
    t = np.array([0, B + 5, 2**24 + 1, 10**9, 2**31 - 2, 2**31 - 1], np.int64)
    u = np.maximum(t - W - B, 0)
    want = rate ** (u / T)
    for s in (
        jo.exponential_decay(1.0, T, rate, B + W),
        jo.warmup_exponential_decay_schedule(0.0, 1.0, W, T, rate, B),
    ):
        got = np.asarray(s(t), np.float64)
        np.testing.assert_allclose(got[t >= W], want[t >= W], rtol=2e-6)
        np.testing.assert_allclose(np.asarray(s(t)), np.asarray(s._evaluate(t)), rtol=2e-6)


@pytest.mark.parametrize(
    "build",
    [
        lambda x: jo.linear_schedule(1.0, 0.5, x, transition_begin=x),
        lambda x: jo.polynomial_schedule(1.0, 0.5, 2.0, x, transition_begin=x),
        lambda x: jo.exponential_decay(1.0, x, 0.5, transition_begin=x),
        lambda x: jo.exponential_decay(1.0, x, x),  # a zero rate too
        lambda x: jo.warmup_constant_schedule(0.5, 1.0, x),
        lambda x: jo.warmup_exponential_decay_schedule(0.5, 1.0, x, x, 0.5, x),
        lambda x: jo.warmup_exponential_decay_schedule(0.5, 1.0, x, 10, x),
    ],
)
def test_traced_zero_counts_have_finite_gradients(build):
    # A traced 0 selects init_value; the unselected branch once divided by that 0 (NaN
    # gradients). The value is Optax's constant convention.
    steps = jnp.array([0, 1, 5, 100])
    vals, grads = jax.vmap(jax.value_and_grad(lambda x, t: build(x)(t)), (None, 0))(0.0, steps)
    assert np.all(np.isfinite(np.asarray(grads))), grads
    assert np.all(np.isfinite(np.asarray(vals)))


def _wcd64(c, u):
    """Float64 warmup_cosine_decay_schedule (the compat docstring's formula)."""
    i, p, w, d = c["init_value"], c["peak_value"], c["warmup_steps"], c["decay_steps"]
    e = c.get("end_value", 0.0)
    x = np.clip(u - w, 0, d - w)
    g = np.sin(0.5 * np.pi * (d - w - x) / (d - w)) ** 2
    return np.where(u < w, i + (p - i) * u / max(w, 1), e + (p - e) * g)


@pytest.mark.parametrize("length", [2**30 + 7, 2**31 - 10])
def test_sgdr_cycle_ends_past_int32(length):
    # The cycle ends are running sums of decay_steps: on the eager path (int32 leaves) the
    # sum once wrapped, so a later cycle ran from step 0 (0.5 where the value is 1.0).
    cycles = [
        dict(init_value=0.0, peak_value=1.0, warmup_steps=0, decay_steps=length),
        dict(init_value=0.0, peak_value=1.0, warmup_steps=3, decay_steps=length),
        dict(init_value=0.0, peak_value=0.5, warmup_steps=0, decay_steps=length),
    ]
    s = jo.sgdr_schedule(cycles)
    t = np.array([0, 5, length - 1, length, length + 2, 2**31 - 2, 2**31 - 1], np.int64)
    starts = [0, length, 2 * length]
    want = np.zeros(t.shape)
    for a, c in zip(starts, cycles, strict=True):
        want = np.where(t >= a, _wcd64(c, np.maximum(t - a, 0)), want)
    for got in (s(t), s._evaluate(t), jax.jit(lambda x: s(x))(t)):
        np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=2e-6, atol=1e-10)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        # every message reads "<fn>(): " with the function the user called
        (
            lambda: jo.sgdr_schedule(
                [dict(init_value=0.0, peak_value=1.0, warmup_steps=5, decay_steps=5)]
            ),
            r"^sgdr_schedule\(\): cosine_kwargs\[0\] decay_steps must be larger than "
            r"cosine_kwargs\[0\] warmup_steps",
        ),
        (
            lambda: jo.sgdr_schedule(
                [
                    dict(init_value=0.0, peak_value=1.0, warmup_steps=0, decay_steps=5),
                    dict(init_value=math.nan, peak_value=1.0, warmup_steps=0, decay_steps=5),
                ]
            ),
            r"^sgdr_schedule\(\): cosine_kwargs\[1\] init_value must be a finite number",
        ),
        (
            lambda: jo.cosine_onecycle_schedule(100, 1e20, div_factor=1e-20, final_div_factor=1.0),
            r"^cosine_onecycle_schedule\(\): peak_value / div_factor must be at most",
        ),
        (
            lambda: jo.cosine_onecycle_schedule(100, 1.0, div_factor=1e-20, final_div_factor=1e-20),
            r"^cosine_onecycle_schedule\(\): peak_value / \(div_factor \* final_div_factor\)",
        ),
        (
            # every value in range, but the scale Optax's dict holds is not
            lambda: jo.cosine_onecycle_schedule(
                100, 1e-20, div_factor=1e-20, final_div_factor=1e-20
            ),
            r"^cosine_onecycle_schedule\(\): 1 / \(div_factor \* final_div_factor\) must be",
        ),
        (
            lambda: jo.linear_onecycle_schedule(100, 1e-27, div_factor=25.0),
            r"^linear_onecycle_schedule\(\): peak_value / div_factor must be 0 or at least",
        ),
        (
            # pct_start == pct_final: Optax's dict keeps 1 / div_factor at step 0, so the
            # schedule passes through peak_value / div_factor**2 = 1e54
            lambda: jo.linear_onecycle_schedule(10, 1.0, 0.0, 0.0, div_factor=1e-27),
            r"^linear_onecycle_schedule\(\): the value at step 0, peak_value / div_factor "
            r"times the scales",
        ),
        (
            lambda: jo.piecewise_constant_schedule(1.0, {5: 1e20, 6: 1e20}),
            r"^piecewise_constant_schedule\(\): init_value times the boundaries_and_scales "
            r"scales up to step 6 must be at most",
        ),
        (
            lambda: jo.piecewise_interpolate_schedule("cosine", 1e30, {5: 1e10}),
            r"^piecewise_interpolate_schedule\(\): init_value times the boundaries_and_scales",
        ),
    ],
)
def test_messages_name_the_function_called(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_onecycle_tiny_scales_evaluate():
    # 1 / (div_factor * final_div_factor) = 1e-40 is below what piecewise_* accepts: made 0
    # (the final value, 1e-20 of a peak of 1, is inside 1e-10 of the largest value).
    s = jo.cosine_onecycle_schedule(100, 1.0, div_factor=1e20, final_div_factor=1e20)
    t = np.arange(0, 120)
    m = 30
    up = 1e-20 + (1.0 - 1e-20) * np.sin(0.5 * np.pi * t / m) ** 2
    down = 1e-40 + (1.0 - 1e-40) * np.sin(0.5 * np.pi * (100 - t) / (100 - m)) ** 2
    want = np.where(t < m, up, np.where(t < 100, down, 1e-40))
    np.testing.assert_allclose(np.asarray(s(t), np.float64), want, rtol=2e-6, atol=1e-10)


@pytest.mark.parametrize("kind", ["linear", "cosine"])
@pytest.mark.parametrize("bas", [{2**31: 0.0}, {5: 2.0, 2**31 + 3: 0.0}, {2**32 - 1: 0.5}])
def test_interpolate_boundaries_past_int32(kind, bas):
    # A knot past 2**31 - 1 once became a float32 length: the ramp before it ended a few
    # steps early (0 where the value is 1.4e-9). Float64 formula of the docstring.
    s = jo.piecewise_interpolate_schedule(kind, 1.0, bas)
    t = np.array([0, 3, 6, 2**24 + 1, 2**31 - 8, 2**31 - 2, 2**31 - 1], np.int64)
    knots, values = [0, *sorted(bas)], np.cumprod([1.0, *(bas[b] for b in sorted(bas))])
    want = np.full(t.shape, values[-1])
    for i in range(len(knots) - 1):
        a, b = knots[i], knots[i + 1]
        done, left = (t - a) / (b - a), (b - t) / (b - a)
        if kind == "cosine":
            done, left = np.sin(0.5 * np.pi * done) ** 2, np.sin(0.5 * np.pi * left) ** 2
        want = np.where((a <= t) & (t < b), values[i] * left + values[i + 1] * done, want)
    for got in (s(t), s._evaluate(t), jax.jit(lambda x: s(x))(t)):
        np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=2e-6, atol=1e-10)


@pytest.mark.parametrize(
    "build, want",
    [
        (
            lambda: jo.cosine_decay_schedule(1e-27, 8, alpha=0.125),
            lambda t: (
                1e-27 * (0.875 * np.sin(0.5 * np.pi * (8 - np.minimum(t, 8)) / 8) ** 2 + 0.125)
            ),
        ),
        (
            lambda: jo.piecewise_constant_schedule(1e-27, {3: 0.1, 5: 0.5}),
            lambda t: np.where(t < 3, 1e-27, np.where(t < 5, 1e-28, 5e-29)),
        ),
    ],
)
def test_a_derived_value_below_2_to_the_minus_92_is_kept(build, want):
    """``init_value * alpha`` or a cumulative scale below 2**-92 is a value like any other
    of a schedule whose values are all tiny: kept (not made 0), eager and in a jit."""
    s, t = build(), np.arange(12)
    for got in (s(t), jax.jit(lambda x: s(x))(t)):
        np.testing.assert_allclose(np.asarray(got, np.float64), want(t), rtol=2e-6)
