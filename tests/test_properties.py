"""Property tests (hypothesis) for the catalogue: values stay within the documented bounds,
monotone phases are monotone, joins the docstrings call continuous are continuous, cycles
repeat, and eager, jit and vmap agree."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlrs

SETTINGS = settings(max_examples=25, deadline=None)

values = st.floats(0.01, 10.0)


def nonneg(high: float):
    """Floats in [0, high] that constructors accept: below 2**-92 (the representable
    range, docs/guides/contract.md, "Errors that teach") becomes 0."""
    return st.floats(0.0, high).map(lambda x: 0.0 if x < 2.0**-92 else x)


fractions = st.floats(0.05, 0.95)
GRID = jnp.arange(1024)  # one step array for every example: one compile per structure


def _np(x):
    return np.asarray(x, np.float64)


def run(s, n):
    """Values at steps 0..n-1 (n <= 1024)."""
    return _np(s(GRID))[:n]


def assert_within(v, low, high, scale):
    slack = 2e-6 * scale
    assert np.all(v >= low - slack) and np.all(v <= high + slack), (v.min(), v.max(), low, high)


def assert_monotone(v, increasing, scale):
    d = np.diff(v)
    slack = 2e-6 * scale
    assert np.all(d >= -slack) if increasing else np.all(d <= slack)


# -- cyclic --------------------------------------------------------------------------------


@SETTINGS
@given(
    low=values,
    high=values,
    period=st.integers(2, 50),
    mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
    gamma=st.floats(0.9, 1.0),
    inc=st.floats(0.05, 1.0),
)
def test_cyclic_bounds_and_repeats(low, high, period, mode, gamma, inc):
    s = jaxlrs.cyclic(low, high, period, mode=mode, gamma=gamma, inc_fraction=inc)
    v = run(s, 7 * period)
    scale = max(low, high)
    assert_within(v, min(low, high), max(low, high), scale)
    np.testing.assert_allclose(v[::period], low, rtol=1e-5)  # every cycle starts at low
    v, nxt = v[:-period], v[period:]
    if mode == "triangular":
        np.testing.assert_allclose(nxt, v, rtol=1e-6)
    elif mode == "triangular2":
        np.testing.assert_allclose(nxt - low, (v - low) / 2, atol=1e-5 * scale)


@SETTINGS
@given(low=values, high=values, period=st.integers(2, 40), inc=fractions)
def test_cyclic_monotone_phases(low, high, period, inc):
    s = jaxlrs.cyclic(low, high, period, inc_fraction=inc)
    apex = period * inc
    t = np.arange(period + 1)
    v = run(s, period + 1)
    assert_monotone(v[t <= apex], high >= low, max(low, high))
    assert_monotone(v[t >= apex], high < low, max(low, high))


# -- one cycle -----------------------------------------------------------------------------


@SETTINGS
@given(
    peak=values,
    steps=st.integers(4, 300),
    pct=st.floats(0.05, 0.5),
    div=st.floats(1.5, 100.0),
    final=st.floats(1.5, 1e4),
    shape=st.sampled_from(["cosine", "linear", "exponential"]),
    three=st.booleans(),
)
def test_one_cycle_shape(peak, steps, pct, div, final, shape, three):
    s = jaxlrs.one_cycle(
        peak,
        steps,
        pct_start=pct,
        div_factor=div,
        final_div_factor=final,
        shape=shape,
        three_phase=three,
    )
    v = run(s, steps + 5)
    initial, bottom = peak / div, peak / div / final
    assert_within(v, bottom, peak, peak)
    up = round(pct * steps)  # as documented: the float64 product, ties to even
    up = min(up, (steps - 1) // 2 if three else steps - 1)
    # An empty rise starts at the peak; with three phases it skips the peak too.
    start = initial if up or three else peak
    top = peak if up or not three else initial
    np.testing.assert_allclose([v[0], v[up], v[steps]], [start, top, bottom], rtol=1e-5)
    assert_monotone(v[: up + 1], True, peak)
    assert_monotone(v[up:], False, peak)
    if three and up:
        np.testing.assert_allclose(v[2 * up], initial, rtol=1e-5)
    # Continuous at the phase joins (fractional steps just before each join).
    for join in (up, 2 * up) if three else (up,):
        if 0 < join < steps:
            near = _np(s(jnp.float32(join) - 1e-3))
            assert abs(near - v[join]) <= 0.05 * peak


# -- slanted triangle / range test ---------------------------------------------------------


@SETTINGS
@given(peak=values, steps=st.integers(3, 500), cut=st.floats(0.02, 0.9), ratio=st.floats(1, 64))
def test_slanted_triangular_shape(peak, steps, cut, ratio):
    s = jaxlrs.slanted_triangular(peak, steps, cut_frac=cut, ratio=ratio)
    v = run(s, steps + 3)
    assert_within(v, peak / ratio, peak, peak)
    top = int(np.argmax(v))
    assert_monotone(v[: top + 1], True, peak)
    assert_monotone(v[top:], False, peak)
    np.testing.assert_allclose(v[steps:], peak / ratio, rtol=1e-5)


@SETTINGS
@given(
    low=st.floats(1e-8, 1e-3),
    high=st.floats(1e-2, 10.0),
    steps=st.integers(1, 1000),
    shape=st.sampled_from(["exponential", "linear", "cosine"]),
)
def test_lr_range_sweeps_up(low, high, steps, shape):
    v = run(jaxlrs.lr_range(low, high, steps, shape=shape), steps + 3)
    assert_within(v, low, high, high)
    assert_monotone(v, True, high)
    np.testing.assert_allclose([v[0], v[-1]], [low, high], rtol=1e-5)


# -- warmup families -----------------------------------------------------------------------

FAMILIES = {
    "warmup_linear": lambda p, w, s, i, e: jaxlrs.warmup_linear(p, w, s, i, e),
    "warmup_polynomial": lambda p, w, s, i, e: jaxlrs.warmup_polynomial(p, w, s, i, e, 2.5),
    "warmup_exponential": lambda p, w, s, i, e: jaxlrs.warmup_exponential(p, w, s, i, e),
    "warmup_inverse_sqrt": lambda p, w, s, i, e: jaxlrs.warmup_inverse_sqrt(p, w, s, i, e),
    "warmup_cosine": lambda p, w, s, i, e: jaxlrs.warmup_cosine(p, w, s, i, e),
    "warmup_constant": lambda p, w, s, i, e: jaxlrs.warmup_constant(p, w, s, i, e),
}


@SETTINGS
@given(
    family=st.sampled_from(sorted(FAMILIES)),
    peak=values,
    warmup=st.integers(0, 100),
    decay=st.integers(1, 300),
    init=nonneg(0.01),
    end=nonneg(0.01),
)
def test_warmup_families(family, peak, warmup, decay, init, end):
    steps = warmup + decay
    s = FAMILIES[family](peak, warmup, steps, init, end)
    v = run(s, steps + 5)
    assert_within(v, min(init, end), peak, peak)
    assert_monotone(v[: warmup + 1], True, peak)
    assert_monotone(v[warmup:steps], False, peak)
    np.testing.assert_allclose(v[0], init if warmup else peak, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(v[warmup], peak, rtol=1e-5)
    np.testing.assert_allclose(v[steps:], end, rtol=1e-5, atol=1e-7)
    if warmup:  # continuous where the warmup meets the decay
        near = _np(s(jnp.float32(warmup) - 1e-3))
        assert abs(near - peak) <= 1e-3 * peak + 1e-5


@SETTINGS
@given(
    peak=values,
    warmup=st.integers(0, 50),
    stable=st.integers(0, 200),
    decay=st.integers(1, 200),
    shape=st.sampled_from(["1-sqrt", "linear", "cosine", "exponential", "sqrt"]),
    end=st.floats(1e-4, 0.5),
)
def test_wsd_phases(peak, warmup, stable, decay, shape, end):
    steps = warmup + stable + decay
    s = jaxlrs.wsd(peak, warmup, steps, decay, shape=shape, end=end * peak)
    v = run(s, steps + 3)
    assert_within(v, 0.0, peak, peak)
    start = steps - decay
    np.testing.assert_allclose(v[warmup : start + 1], peak, rtol=1e-6)
    assert_monotone(v[start:], False, peak)
    np.testing.assert_allclose(v[steps:], end * peak, rtol=1e-5)
    # The decay leaves the stable phase continuously and lands on end continuously.
    near_end = _np(s(jnp.float32(steps) - 1e-3))
    assert abs(near_end - end * peak) <= 0.05 * peak


# -- decays --------------------------------------------------------------------------------


@SETTINGS
@given(
    init=values,
    steps=st.integers(1, 500),
    end=nonneg(0.009),
    kind=st.sampled_from(["tanh", "rex", "cosine_k"]),
    k=st.floats(0.2, 5.0),
)
def test_decays_are_monotone_and_bounded(init, steps, end, kind, k):
    s = {
        "tanh": jaxlrs.tanh_decay(init, steps, end),
        "rex": jaxlrs.rex(init, steps, end),
        "cosine_k": jaxlrs.cosine(init, steps, end, k=k),
    }[kind]
    v = run(s, steps + 3)
    assert_within(v, end, init, init)
    assert_monotone(v, False, init)


@SETTINGS
@given(peak=values, warmup=st.integers(1, 200), d_model=st.floats(16, 4096))
def test_inverse_sqrt_family(peak, warmup, d_model):
    n_steps = 4 * warmup + 10
    v = run(jaxlrs.inverse_sqrt(peak, warmup), n_steps)
    assert_within(v, 0.0, peak, peak)
    assert_monotone(v[: warmup + 1], True, peak)
    assert_monotone(v[warmup:], False, peak)
    n = run(jaxlrs.noam(d_model, warmup), n_steps)
    top = (d_model * warmup) ** -0.5
    assert_within(n, 0.0, top, top)
    assert_monotone(n[:warmup], True, top)
    assert_monotone(n[warmup - 1 :], False, top)
    r = run(jaxlrs.rsqrt(peak, warmup), n_steps)
    np.testing.assert_allclose(r[: warmup + 1], peak, rtol=1e-6)
    assert_monotone(r, False, peak)


# -- noise and transformations -------------------------------------------------------------


@SETTINGS
@given(
    key=st.integers(0, 2**31 - 1),
    pct=nonneg(0.99),
    kind=st.sampled_from(["normal", "uniform"]),
    resume=st.integers(0, 400),
)
def test_noise_bounds_and_resume(key, pct, kind, resume):
    base = jaxlrs.cosine(1.0, 500, end=0.1)
    s = jaxlrs.noise(base, key, pct=pct, kind=kind)
    t = jnp.arange(500)
    v, b = _np(s(t)), _np(base(t))
    assert np.all(v >= b * (1 - pct) - 1e-6) and np.all(v <= b * (1 + pct) + 1e-6)
    np.testing.assert_array_equal(_np(s(t + resume))[: 500 - resume], v[resume:])


CASES = [
    lambda a, n: jaxlrs.cyclic(a, 2 * a, n, mode="triangular2"),
    lambda a, n: jaxlrs.one_cycle(a, n, three_phase=True),
    lambda a, n: jaxlrs.warmup_inverse_sqrt(a, n // 4, n),
    lambda a, n: jaxlrs.wsd(a, n // 4, n, n // 2),
    lambda a, n: jaxlrs.noise(jaxlrs.rex(a, n), 1),
]

_vmapped = jax.jit(lambda s, t: jax.vmap(s)(t))


@settings(max_examples=15, deadline=None)
@given(case=st.sampled_from(range(len(CASES))), a=values, n=st.integers(4, 400))
def test_jit_and_vmap_agree_with_eager(case, a, n):
    """The schedule passed through jit as a PyTree (one compile per structure) and mapped
    elementwise with vmap agrees with the eager call."""
    s = CASES[case](a, n)
    np.testing.assert_allclose(_vmapped(s, GRID), s(GRID), rtol=1e-6)


# -- NumPy scalars as hyperparameters (issue 8): the same schedule as Python numbers --------

_AS = [np.float64, np.float32, np.int64, np.int32, jnp.asarray]


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    init=st.floats(-1e3, 1e3).filter(lambda x: abs(x) > 1e-3),
    rate=st.floats(0.5, 2.0),
    steps=st.integers(1, 10**6),
    kind=st.sampled_from(_AS),
)
def test_numpy_scalars_give_python_number_values(init, rate, steps, kind):
    """A NumPy or JAX scalar hyperparameter is read as the Python number it holds (the
    packed eager path then keeps its full float64 precision, host correction included):
    the values equal those of the Python-number schedule bit for bit."""
    cast = (lambda x: kind(x)) if kind in (np.float64, jnp.asarray) else None
    if kind in (np.float32,):
        init, rate = float(np.float32(init)), float(np.float32(rate))
        cast = kind
    if kind in (np.int64, np.int32):
        init, cast = float(round(init)) or 1.0, None
    t = np.array([0, 1, steps // 2, steps, 2**24 + 1, 2**31 - 1], np.int64).astype(np.int32)
    pairs = [
        (jaxlrs.exponential(init, rate), lambda c: jaxlrs.exponential(c(init), c(rate))),
        (jaxlrs.linear(init, 0.0, steps), lambda c: jaxlrs.linear(c(init), 0.0, steps)),
        (jaxlrs.cosine(init, steps), lambda c: jaxlrs.cosine(c(init), steps)),
    ]
    for plain, build in pairs:
        if cast is not None:
            np.testing.assert_array_equal(np.asarray(build(cast)(t)), np.asarray(plain(t)))
    if kind in (np.int64, np.int32):
        s = jaxlrs.linear(1.0, 0.0, kind(steps))
        assert type(s.args["steps"]) is int
        np.testing.assert_array_equal(
            np.asarray(s(t)), np.asarray(jaxlrs.linear(1.0, 0.0, steps)(t))
        )
