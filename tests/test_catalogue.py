"""The catalogue recipes against float64 NumPy oracles written from their docstrings, the
peers' published sequences (REFERENCE.md), the peers themselves where installed, and their
validation messages."""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs

F64 = np.float64

# -- float64 oracles ---------------------------------------------------------------------


def frac(shape: str, p: np.ndarray) -> np.ndarray:
    """Fraction of the way covered by a rising ramp at progress p (SHAPES doc)."""
    return {
        "linear": lambda p: p,
        "cosine": lambda p: np.sin(np.pi * p / 2) ** 2,
        "sqrt": np.sqrt,
        "1-sqrt": lambda p: 1 - np.sqrt(1 - p),
    }[shape](p)


def rise(shape: str, a: float, b: float, p: np.ndarray) -> np.ndarray:
    """From a (p = 0) to b (p = 1) along shape."""
    p = np.clip(p, 0.0, 1.0)
    if shape == "exponential":
        return a * (b / a) ** p
    return a + (b - a) * frac(shape, p)


def fall(shape: str, a: float, b: float, p: np.ndarray) -> np.ndarray:
    """A decay from a to b: the rising curve run backwards in time."""
    return rise(shape, b, a, 1 - np.clip(p, 0.0, 1.0))


def progress(t: np.ndarray, start: float, length: float) -> np.ndarray:
    return np.clip((t - start) / max(length, 1), 0.0, 1.0)


def o_cyclic(t, low, high, period, mode="triangular", gamma=1.0, inc_fraction=0.5):
    i = t // period
    p = (t - i * period) / period
    if inc_fraction < 1:
        tri = np.minimum(p / inc_fraction, (1 - p) / (1 - inc_fraction))
    else:
        tri = p
    scale = {"triangular": 1.0, "triangular2": 0.5**i, "exp_range": gamma ** t.astype(F64)}[mode]
    return low + (high - low) * tri * scale


def o_one_cycle(
    t, peak, steps, pct_start=0.3, div=25.0, final_div=1e4, shape="cosine", three=False
):
    init = peak / div
    low = init / final_div
    up = float(min(np.round(pct_start * steps), (steps - 1) // 2 if three else steps - 1))
    out = np.where(t < up, rise(shape, init, peak, t / max(up, 1)), np.nan)
    if three:
        mid = fall(shape, peak, init, progress(t, up, up))
        last = fall(shape, init, low, progress(t, 2 * up, steps - 2 * up))
        return np.where(t < up, out, np.where(t < 2 * up, mid, last))
    return np.where(t < up, out, fall(shape, peak, low, progress(t, up, steps - up)))


def o_slanted(t, peak, steps, cut_frac=0.1, ratio=32):
    cut = min(math.floor(steps * cut_frac), steps - 1)
    p = np.where(t < cut, t / max(cut, 1), (steps - np.minimum(t, steps)) / (steps - cut))
    return peak * (1 + p * (ratio - 1)) / ratio


def o_ulmfit_paper(t, peak, steps, cut_frac=0.1, ratio=32):
    """The paper's own formula (Howard & Ruder 2018, eq. 3)."""
    cut = math.floor(steps * cut_frac)
    p = np.where(t < cut, t / cut, 1 - (t - cut) / (cut * (1 / cut_frac - 1)))
    return peak * (1 + p * (ratio - 1)) / ratio


def with_warmup(t, peak, warmup, init, shape, after):
    up = rise(shape, init, peak, t / max(warmup, 1))
    return np.where(t < warmup, up, after(np.maximum(t - warmup, 0)))


def o_warmup_constant(t, peak, warmup, steps=None, init=0.0, end=0.0, shape="linear"):
    def after(u):
        return peak if steps is None else np.where(u + warmup < steps, peak, end)

    return with_warmup(t, peak, warmup, init, shape, lambda u: np.broadcast_to(after(u), u.shape))


def o_warmup_linear(t, peak, warmup, steps, init=0.0, end=0.0, shape="linear"):
    d = steps - warmup
    return with_warmup(
        t, peak, warmup, init, shape, lambda u: end + (peak - end) * (d - np.minimum(u, d)) / d
    )


def o_warmup_polynomial(t, peak, warmup, steps, init=0.0, end=0.0, power=1.0, shape="linear"):
    d = steps - warmup

    def after(u):
        return end + (peak - end) * ((d - np.minimum(u, d)) / d) ** power

    return with_warmup(t, peak, warmup, init, shape, after)


def o_warmup_exponential(t, peak, warmup, steps, init=0.0, end=0.0, rate=0.01, shape="linear"):
    d = steps - warmup

    def after(u):
        p = np.minimum(u, d) / d
        return end + (peak - end) * (rate**p - rate) / (1 - rate)

    return with_warmup(t, peak, warmup, init, shape, after)


def o_warmup_inverse_sqrt(
    t, peak, warmup, steps, init=0.0, end=0.0, timescale=None, shape="linear"
):
    d = steps - warmup
    tau = timescale or warmup or 10_000

    def r(u):
        return np.sqrt(tau / (tau + u))

    def after(u):
        return end + (peak - end) * (r(np.minimum(u, d)) - r(d)) / (1 - r(d))

    return with_warmup(t, peak, warmup, init, shape, after)


def o_wsd(t, peak, warmup, steps, decay_steps, shape="1-sqrt", end=0.0):
    s = steps - decay_steps
    after = np.where(t < s, peak, fall(shape, peak, end, progress(t, s, decay_steps)))
    up = peak * t / max(warmup, 1)
    return np.where(t < warmup, up, after)


def o_inverse_sqrt(t, peak, warmup, timescale=None):
    tau = timescale or warmup or 10_000
    after = peak * np.sqrt(tau / (np.maximum(t, warmup) + tau - warmup))
    return np.where(t < warmup, peak * t / max(warmup, 1), after)


def o_noam(t, d_model, warmup, scale=1.0):
    s = t + 1.0
    return scale * d_model**-0.5 * np.minimum(s**-0.5, s * warmup**-1.5)


def o_rsqrt(t, init, plateau=10_000):
    return init * np.sqrt(plateau / np.maximum(t, plateau))


def o_tanh(t, init, steps, end=0.0, lower=-7.0, upper=3.0):
    r = np.minimum(t, steps) / steps
    return end + (init - end) / 2 * (1 - np.tanh(lower * (1 - r) + upper * r))


def o_rex(t, init, steps, end=0.0):
    z = np.minimum(t, steps) / steps
    return end + (init - end) * (1 - z) / (0.5 + (1 - z) / 2)


def o_lr_range(t, low, high, steps, shape="exponential"):
    return rise(shape, low, high, t / steps)


def o_cosine_k(t, init, steps, end=0.0, k=1.0):
    p = (np.minimum(t, steps) / steps) ** k
    return end + (init - end) * (1 + np.cos(np.pi * p)) / 2


# -- cases -------------------------------------------------------------------------------

Case = tuple[jaxlrs.Schedule, Callable[[np.ndarray], np.ndarray], int]

CASES: dict[str, Case] = {
    "cyclic": (jaxlrs.cyclic(1.0, 5.0, 8), lambda t: o_cyclic(t, 1.0, 5.0, 8), 40),
    "cyclic_tri2": (
        jaxlrs.cyclic(0.5, 2.0, 10, mode="triangular2", inc_fraction=0.3),
        lambda t: o_cyclic(t, 0.5, 2.0, 10, "triangular2", inc_fraction=0.3),
        60,
    ),
    "cyclic_exp_range": (
        jaxlrs.cyclic(0.1, 1.0, 12, mode="exp_range", gamma=0.97),
        lambda t: o_cyclic(t, 0.1, 1.0, 12, "exp_range", 0.97),
        80,
    ),
    "cyclic_sawtooth": (
        jaxlrs.cyclic(0.0, 1.0, 5, inc_fraction=1.0),
        lambda t: o_cyclic(t, 0.0, 1.0, 5, inc_fraction=1.0),
        23,
    ),
    "one_cycle": (jaxlrs.one_cycle(1.0, 100), lambda t: o_one_cycle(t, 1.0, 100), 120),
    "one_cycle_linear": (
        jaxlrs.one_cycle(2.0, 37, pct_start=0.25, shape="linear", div_factor=10.0),
        lambda t: o_one_cycle(t, 2.0, 37, 0.25, 10.0, shape="linear"),
        45,
    ),
    "one_cycle_three": (
        jaxlrs.one_cycle(1.0, 50, pct_start=0.4, final_div_factor=100.0, three_phase=True),
        lambda t: o_one_cycle(t, 1.0, 50, 0.4, 25.0, 100.0, three=True),
        60,
    ),
    "one_cycle_exponential": (
        jaxlrs.one_cycle(1.0, 30, shape="exponential"),
        lambda t: o_one_cycle(t, 1.0, 30, shape="exponential"),
        35,
    ),
    "slanted": (jaxlrs.slanted_triangular(0.01, 100), lambda t: o_slanted(t, 0.01, 100), 120),
    "slanted_odd": (
        jaxlrs.slanted_triangular(1.0, 47, cut_frac=0.3, ratio=8),
        lambda t: o_slanted(t, 1.0, 47, 0.3, 8),
        50,
    ),
    "slanted_paper": (
        jaxlrs.slanted_triangular(0.01, 200, cut_frac=0.2),
        lambda t: o_ulmfit_paper(t, 0.01, 200, 0.2),
        201,
    ),
    "lr_range": (jaxlrs.lr_range(1e-7, 10.0, 100), lambda t: o_lr_range(t, 1e-7, 10.0, 100), 130),
    "lr_range_linear": (
        jaxlrs.lr_range(0.0, 1.0, 30, shape="linear"),
        lambda t: o_lr_range(t, 0.0, 1.0, 30, "linear"),
        40,
    ),
    "warmup_constant": (jaxlrs.warmup_constant(2.0, 7), lambda t: o_warmup_constant(t, 2.0, 7), 20),
    "warmup_constant_steps": (
        jaxlrs.warmup_constant(2.0, 7, 15, init=0.5, end=0.1, shape="cosine"),
        lambda t: o_warmup_constant(t, 2.0, 7, 15, 0.5, 0.1, "cosine"),
        20,
    ),
    "warmup_constant_zero": (
        jaxlrs.warmup_constant(2.0, 0),
        lambda t: o_warmup_constant(t, 2.0, 0),
        5,
    ),
    "warmup_linear": (
        jaxlrs.warmup_linear(1.0, 10, 50, end=0.1),
        lambda t: o_warmup_linear(t, 1.0, 10, 50, end=0.1),
        60,
    ),
    "warmup_linear_sqrt": (
        jaxlrs.warmup_linear(1.0, 16, 40, init=0.01, shape="sqrt"),
        lambda t: o_warmup_linear(t, 1.0, 16, 40, init=0.01, shape="sqrt"),
        45,
    ),
    "warmup_polynomial": (
        jaxlrs.warmup_polynomial(1.0, 5, 30, end=0.05, power=0.5, shape="exponential", init=0.01),
        lambda t: o_warmup_polynomial(t, 1.0, 5, 30, 0.01, 0.05, 0.5, "exponential"),
        35,
    ),
    "warmup_exponential": (
        jaxlrs.warmup_exponential(1.0, 10, 60),
        lambda t: o_warmup_exponential(t, 1.0, 10, 60),
        70,
    ),
    "warmup_exponential_end": (
        jaxlrs.warmup_exponential(3.0, 4, 30, end=0.3, rate=0.1, shape="cosine"),
        lambda t: o_warmup_exponential(t, 3.0, 4, 30, end=0.3, rate=0.1, shape="cosine"),
        35,
    ),
    "warmup_inverse_sqrt": (
        jaxlrs.warmup_inverse_sqrt(1.0, 10, 100),
        lambda t: o_warmup_inverse_sqrt(t, 1.0, 10, 100),
        110,
    ),
    "warmup_inverse_sqrt_tau": (
        jaxlrs.warmup_inverse_sqrt(1.0, 0, 50, end=0.2, timescale=3.0),
        lambda t: o_warmup_inverse_sqrt(t, 1.0, 0, 50, end=0.2, timescale=3.0),
        55,
    ),
    "wsd": (jaxlrs.wsd(1.0, 10, 100, 30), lambda t: o_wsd(t, 1.0, 10, 100, 30), 110),
    "wsd_cosine": (
        jaxlrs.wsd(1.0, 0, 40, 40, shape="cosine", end=0.1),
        lambda t: o_wsd(t, 1.0, 0, 40, 40, "cosine", 0.1),
        45,
    ),
    "wsd_exponential": (
        jaxlrs.wsd(1.0, 5, 50, 20, shape="exponential", end=0.01),
        lambda t: o_wsd(t, 1.0, 5, 50, 20, "exponential", 0.01),
        55,
    ),
    "wsd_linear": (
        jaxlrs.wsd(1.0, 5, 50, 20, shape="linear"),
        lambda t: o_wsd(t, 1.0, 5, 50, 20, "linear"),
        55,
    ),
    "inverse_sqrt": (jaxlrs.inverse_sqrt(1.0, 10), lambda t: o_inverse_sqrt(t, 1.0, 10), 100),
    "inverse_sqrt_tau": (
        jaxlrs.inverse_sqrt(1.0, 0, timescale=7.0),
        lambda t: o_inverse_sqrt(t, 1.0, 0, 7.0),
        100,
    ),
    "inverse_sqrt_default_tau": (
        jaxlrs.inverse_sqrt(1.0, 0),
        lambda t: o_inverse_sqrt(t, 1.0, 0),
        100,
    ),
    "noam": (jaxlrs.noam(512.0, 40, scale=2.0), lambda t: o_noam(t, 512.0, 40, 2.0), 200),
    "rsqrt": (jaxlrs.rsqrt(0.01, 20), lambda t: o_rsqrt(t, 0.01, 20), 100),
    "tanh_decay": (jaxlrs.tanh_decay(1.0, 50), lambda t: o_tanh(t, 1.0, 50), 60),
    "tanh_decay_bounds": (
        jaxlrs.tanh_decay(2.0, 30, end=0.5, lower=-2.0, upper=5.0),
        lambda t: o_tanh(t, 2.0, 30, 0.5, -2.0, 5.0),
        35,
    ),
    "rex": (jaxlrs.rex(1.0, 50, end=0.1), lambda t: o_rex(t, 1.0, 50, 0.1), 60),
    "cosine_k": (jaxlrs.cosine(1.0, 50, k=3.0), lambda t: o_cosine_k(t, 1.0, 50, k=3.0), 60),
    "cosine_k_half": (
        jaxlrs.cosine(2.0, 40, end=0.5, k=0.5),
        lambda t: o_cosine_k(t, 2.0, 40, 0.5, k=0.5),
        45,
    ),
}


def assert_close(got, want, rtol=2e-6):
    got = np.asarray(got, F64)
    want = np.asarray(want, F64)
    atol = 1e-10 * np.max(np.abs(want))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", sorted(CASES))
def test_against_oracle(case):
    schedule, oracle, n = CASES[case]
    t = np.arange(-2, n)
    got = schedule(jnp.asarray(t))
    assert got.dtype == jnp.float32 and not got.weak_type
    assert_close(got, oracle(np.maximum(t, 0).astype(F64)), rtol=4e-6)


# -- large steps (SPEC 1.5) ----------------------------------------------------------------

BIG = 10**9


def _near(*centres: int, width: int = 5) -> np.ndarray:
    return np.unique(np.concatenate([c + np.arange(-width, width + 1) for c in centres]))


AROUND = _near(2**24, 2**25, 10**9, 2**31 - 6)

LARGE: dict[str, tuple[jaxlrs.Schedule, Callable[[np.ndarray], np.ndarray], np.ndarray]] = {
    "cyclic": (
        jaxlrs.cyclic(0.1, 1.0, 1000, mode="triangular2"),
        lambda t: o_cyclic(t, 0.1, 1.0, 1000, "triangular2"),
        _near(2**24, 2**25),
    ),
    "cyclic_positions": (
        jaxlrs.cyclic(0.0, 1.0, 1_000_003, inc_fraction=0.25),
        lambda t: o_cyclic(t, 0.0, 1.0, 1_000_003, inc_fraction=0.25),
        AROUND,
    ),
    "one_cycle": (
        jaxlrs.one_cycle(1.0, 2**31 - 1, pct_start=0.25),
        lambda t: o_one_cycle(t, 1.0, 2**31 - 1, 0.25),
        _near(2**24, 2**25, 10**9, 2**31 - 100),
    ),
    "slanted": (
        jaxlrs.slanted_triangular(1.0, BIG),
        lambda t: o_slanted(t, 1.0, BIG),
        _near(2**24, 2**25, BIG - 100, BIG),
    ),
    "warmup_linear": (
        jaxlrs.warmup_linear(1.0, 1000, BIG),
        lambda t: o_warmup_linear(t, 1.0, 1000, BIG),
        _near(2**24, BIG - 100, BIG),
    ),
    "warmup_polynomial": (
        jaxlrs.warmup_polynomial(1.0, 1000, BIG, power=2.0),
        lambda t: o_warmup_polynomial(t, 1.0, 1000, BIG, power=2.0),
        _near(2**25, BIG - 100),
    ),
    "warmup_exponential": (
        jaxlrs.warmup_exponential(1.0, 1000, BIG),
        lambda t: o_warmup_exponential(t, 1.0, 1000, BIG),
        _near(2**24, BIG - 100, BIG - 10),
    ),
    "warmup_inverse_sqrt": (
        jaxlrs.warmup_inverse_sqrt(1.0, 1000, BIG),
        lambda t: o_warmup_inverse_sqrt(t, 1.0, 1000, BIG),
        _near(2**24, BIG - 100, BIG - 10),
    ),
    "wsd": (
        jaxlrs.wsd(1.0, 1000, BIG, 2**25),
        lambda t: o_wsd(t, 1.0, 1000, BIG, 2**25),
        _near(BIG - 2**25, BIG - 100, BIG - 10),
    ),
    "inverse_sqrt": (
        jaxlrs.inverse_sqrt(1.0, 1000),
        lambda t: o_inverse_sqrt(t, 1.0, 1000),
        AROUND,
    ),
    "noam": (jaxlrs.noam(512.0, 4000), lambda t: o_noam(t, 512.0, 4000), AROUND),
    "rsqrt": (jaxlrs.rsqrt(0.01), lambda t: o_rsqrt(t, 0.01), AROUND),
    "tanh_decay": (
        jaxlrs.tanh_decay(1.0, BIG),
        lambda t: o_tanh(t, 1.0, BIG),
        _near(2**24, BIG - 100, BIG),
    ),
    "rex": (jaxlrs.rex(1.0, BIG), lambda t: o_rex(t, 1.0, BIG), _near(2**25, BIG - 100, BIG)),
    "cosine_k": (
        jaxlrs.cosine(1.0, BIG, k=2.0),
        lambda t: o_cosine_k(t, 1.0, BIG, k=2.0),
        _near(2**24, 2**25),
    ),
    "lr_range": (
        jaxlrs.lr_range(1e-6, 1.0, BIG),
        lambda t: o_lr_range(t, 1e-6, 1.0, BIG),
        _near(2**24, BIG - 100, BIG),
    ),
}


@pytest.mark.parametrize("case", sorted(LARGE))
def test_large_steps(case):
    schedule, oracle, t = LARGE[case]
    t = t[t <= 2**31 - 1]
    got = schedule(jnp.asarray(t, jnp.int32))
    assert_close(got, oracle(t.astype(F64)))


def test_large_python_int_hyperparameters():
    s = jaxlrs.warmup_linear(1.0, 10**10, 10**11)
    got = s(jnp.asarray([0, 2**31 - 1], jnp.int32))
    assert_close(got, o_warmup_linear(np.array([0.0, 2**31 - 1]), 1.0, 10**10, 10**11))


# -- published sequences -------------------------------------------------------------------

TORCH_CYCLIC = {
    "triangular": [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3],
    "triangular2": [
        1,
        2,
        3,
        4,
        5,
        4,
        3,
        2,
        1,
        1.5,
        2,
        2.5,
        3,
        2.5,
        2,
        1.5,
        1,
        1.25,
        1.5,
        1.75,
        2,
        1.75,
    ],
}


@pytest.mark.parametrize("mode", sorted(TORCH_CYCLIC))
def test_published_torch_cyclic(mode):
    want = TORCH_CYCLIC[mode]
    got = jaxlrs.cyclic(1.0, 5.0, 8, mode=mode)(jnp.arange(len(want)))
    np.testing.assert_allclose(got, want, rtol=1e-6)


def torch_one_cycle(max_lr, total, pct_start=0.3, **kw):
    """PyTorch's OneCycleLR(total_steps=T) as a native one_cycle (docstring mapping)."""
    return jaxlrs.one_cycle(
        max_lr, total - 1, pct_start=(pct_start * total - 1) / (total - 1), **kw
    )


@pytest.mark.parametrize(
    "kw, want",
    [
        pytest.param(
            dict(final_div_factor=2.0, shape="linear"),
            [1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5],
            id="two_phase",
        ),
        pytest.param(
            dict(pct_start=0.4, final_div_factor=4.0, shape="linear", three_phase=True),
            [1, 9, 17, 25, 17, 9, 1, 0.75, 0.5, 0.25],
            id="three_phase",
        ),
    ],
)
def test_published_torch_one_cycle(kw, want):
    got = torch_one_cycle(25.0, 10, **kw)(jnp.arange(10))
    np.testing.assert_allclose(got, want, rtol=1e-6)


HF = {
    "linear": (
        jaxlrs.warmup_linear(10.0, 2, 10),
        [0, 5, 10, 8.75, 7.5, 6.25, 5, 3.75, 2.5, 1.25],
        1e-6,
    ),
    "cosine": (
        jaxlrs.warmup_cosine(10.0, 2, 10),
        [0, 5, 10, 9.61, 8.53, 6.91, 5, 3.08, 1.46, 0.38],
        0.01,
    ),
    "polynomial": (
        jaxlrs.warmup_polynomial(10.0, 2, 10, end=1e-7 * 10, power=2.0),
        [0, 5, 10, 7.656, 5.625, 3.906, 2.5, 1.406, 0.625, 0.156],
        0.001,
    ),
    "inverse_sqrt": (
        jaxlrs.inverse_sqrt(10.0, 2),
        [0, 5, 10, 8.165, 7.071, 6.325, 5.774, 5.345, 5, 4.714],
        0.001,
    ),
    "constant": (jaxlrs.warmup_constant(10.0, 2), [0, 5, 10, 10, 10, 10, 10, 10, 10, 10], 1e-6),
}


@pytest.mark.parametrize("name", sorted(HF))
def test_published_hugging_face(name):
    schedule, want, atol = HF[name]
    np.testing.assert_allclose(schedule(jnp.arange(10)), want, atol=atol, rtol=0)


# -- the peers themselves, where installed -------------------------------------------------


def _torch_lrs(make, n):
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = make(torch, opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


@pytest.mark.parametrize(
    "mode, up, down, gamma",
    [("triangular", 3, 7, 1.0), ("triangular2", 5, 5, 1.0), ("exp_range", 4, 6, 0.98)],
)
def test_torch_cyclic_lr(mode, up, down, gamma):
    n = 55

    def make(torch, opt):
        return torch.optim.lr_scheduler.CyclicLR(
            opt,
            0.1,
            1.0,
            step_size_up=up,
            step_size_down=down,
            mode=mode,
            gamma=gamma,
            cycle_momentum=False,
        )

    want = _torch_lrs(make, n)
    s = jaxlrs.cyclic(0.1, 1.0, up + down, mode=mode, gamma=gamma, inc_fraction=up / (up + down))
    np.testing.assert_allclose(s(jnp.arange(n)), want, rtol=2e-6)


@pytest.mark.parametrize(
    "total, pct, strategy, three",
    [(100, 0.3, "cos", False), (40, 0.25, "linear", False), (50, 0.4, "cos", True)],
)
def test_torch_one_cycle_lr(total, pct, strategy, three):
    def make(torch, opt):
        return torch.optim.lr_scheduler.OneCycleLR(
            opt,
            2.0,
            total_steps=total,
            pct_start=pct,
            anneal_strategy=strategy,
            three_phase=three,
            cycle_momentum=False,
        )

    want = _torch_lrs(make, total)
    shape = "cosine" if strategy == "cos" else "linear"
    s = torch_one_cycle(2.0, total, pct, shape=shape, three_phase=three)
    np.testing.assert_allclose(s(jnp.arange(total)), want, rtol=2e-5, atol=1e-9)


# -- validation ----------------------------------------------------------------------------

BAD = [
    (
        lambda: jaxlrs.cyclic(1.0, 2.0, 0),
        ValueError,
        r"cyclic\(\): period must be a positive integer, got 0",
    ),
    (
        lambda: jaxlrs.cyclic(1.0, 2.0, 10, mode="tri"),
        ValueError,
        r"cyclic\(\): mode must be one of 'triangular', 'triangular2', 'exp_range', got 'tri'",
    ),
    (
        lambda: jaxlrs.cyclic(1.0, 2.0, 10, gamma=0.0),
        ValueError,
        r"cyclic\(\): gamma must be a finite number in \(0, inf\), got 0.0",
    ),
    (
        lambda: jaxlrs.cyclic(1.0, 2.0, 10, inc_fraction=0.0),
        ValueError,
        r"cyclic\(\): inc_fraction must be .* in \(0, 1\], got 0.0",
    ),
    (
        lambda: jaxlrs.cyclic(float("nan"), 2.0, 10),
        ValueError,
        r"cyclic\(\): low must be a finite number, got nan",
    ),
    (
        lambda: jaxlrs.one_cycle(1.0, 100, pct_start=1.5),
        ValueError,
        r"one_cycle\(\): pct_start must be .* in \[0, 1\], got 1.5",
    ),
    (
        lambda: jaxlrs.one_cycle(1.0, 100, pct_start=0.6, three_phase=True),
        ValueError,
        r"one_cycle\(\): pct_start must be .* in \[0, 0.5\], got 0.6",
    ),
    (
        lambda: jaxlrs.one_cycle(1.0, 100, shape="cos"),
        ValueError,
        r"one_cycle\(\): shape must be one of .*got 'cos'",
    ),
    (
        lambda: jaxlrs.one_cycle(1.0, 100, div_factor=-1.0),
        ValueError,
        r"one_cycle\(\): div_factor must be .*got -1.0",
    ),
    (
        lambda: jaxlrs.one_cycle(-1.0, 100, shape="exponential"),
        ValueError,
        r"one_cycle\(\): peak must be positive for shape='exponential'",
    ),
    (
        lambda: jaxlrs.one_cycle(1.0, 100, three_phase=1),
        TypeError,
        r"one_cycle\(\): three_phase must be True or False, got 1",
    ),
    (
        lambda: jaxlrs.slanted_triangular(1.0, 100, cut_frac=1.0),
        ValueError,
        r"slanted_triangular\(\): cut_frac must be .* in \(0, 1\), got 1.0",
    ),
    (
        lambda: jaxlrs.slanted_triangular(1.0, 100, ratio=0.5),
        ValueError,
        r"slanted_triangular\(\): ratio must be .* in \[1, inf\), got 0.5",
    ),
    (
        lambda: jaxlrs.lr_range(0.0, 1.0, 100),
        ValueError,
        r"lr_range\(\): low must be positive for shape='exponential'",
    ),
    (
        lambda: jaxlrs.lr_range(1e-3, -1.0, 100),
        ValueError,
        r"lr_range\(\): high must be positive for shape='exponential'",
    ),
    (
        lambda: jaxlrs.lr_range(1e-3, 1.0, 2.5),
        ValueError,
        r"lr_range\(\): steps must be a positive integer, got 2.5",
    ),
    (
        lambda: jaxlrs.warmup_linear(1.0, 100, 100),
        ValueError,
        r"warmup_linear\(\): warmup must be smaller than steps \(steps counts the warmup\), "
        r"got warmup=100, steps=100",
    ),
    (
        lambda: jaxlrs.warmup_linear(1.0, -1, 100),
        ValueError,
        r"warmup_linear\(\): warmup must be a non-negative integer, got -1",
    ),
    (
        lambda: jaxlrs.warmup_linear("1", 1, 100),
        TypeError,
        r"warmup_linear\(\): peak must be a finite number, got '1' \(str\)",
    ),
    (
        lambda: jaxlrs.warmup_constant(1.0, 10, 5),
        ValueError,
        r"warmup_constant\(\): warmup must be smaller than steps",
    ),
    (
        lambda: jaxlrs.warmup_constant(1.0, 10, shape="exponential"),
        ValueError,
        r"warmup_constant\(\): init must be positive for shape='exponential'",
    ),
    (
        lambda: jaxlrs.warmup_polynomial(1.0, 10, 50, power=0.0),
        ValueError,
        r"warmup_polynomial\(\): power must be .*got 0.0",
    ),
    (
        lambda: jaxlrs.warmup_exponential(1.0, 10, 50, rate=1.0),
        ValueError,
        r"warmup_exponential\(\): rate must be a finite number in \(0, 1\), got 1.0",
    ),
    (
        lambda: jaxlrs.warmup_inverse_sqrt(1.0, 10, 50, timescale=0.0),
        ValueError,
        r"warmup_inverse_sqrt\(\): timescale must be .*got 0.0",
    ),
    (
        lambda: jaxlrs.warmup_inverse_sqrt(1.0, 10, 50, shape="square"),
        ValueError,
        r"warmup_inverse_sqrt\(\): shape must be one of",
    ),
    (
        lambda: jaxlrs.wsd(1.0, 10, 100, 95),
        ValueError,
        r"wsd\(\): warmup \+ decay_steps must be at most steps \(steps counts both\), "
        r"got warmup=10, decay_steps=95, steps=100",
    ),
    (
        lambda: jaxlrs.wsd(1.0, 10, 100, 0),
        ValueError,
        r"wsd\(\): decay_steps must be a positive integer, got 0",
    ),
    (
        lambda: jaxlrs.wsd(1.0, 10, 100, 20, shape="exponential"),
        ValueError,
        r"wsd\(\): end must be positive for shape='exponential'",
    ),
    (
        lambda: jaxlrs.inverse_sqrt(1.0, 10, timescale=-2.0),
        ValueError,
        r"inverse_sqrt\(\): timescale must be .*got -2.0",
    ),
    (lambda: jaxlrs.noam(0.0, 10), ValueError, r"noam\(\): d_model must be .*got 0.0"),
    (
        lambda: jaxlrs.noam(512.0, 0),
        ValueError,
        r"noam\(\): warmup must be a positive integer, got 0",
    ),
    (
        lambda: jaxlrs.rsqrt(0.01, plateau=0),
        ValueError,
        r"rsqrt\(\): plateau must be a positive integer, got 0",
    ),
    (
        lambda: jaxlrs.tanh_decay(1.0, 10, lower=3.0, upper=3.0),
        ValueError,
        r"tanh_decay\(\): lower must be smaller than upper, got lower=3.0, upper=3.0",
    ),
    (
        lambda: jaxlrs.tanh_decay(1.0, 10, upper=float("inf")),
        ValueError,
        r"tanh_decay\(\): upper must be a finite number, got inf",
    ),
    (lambda: jaxlrs.rex(1.0, -5), ValueError, r"rex\(\): steps must be a positive integer, got -5"),
    (lambda: jaxlrs.cosine(1.0, 10, k=0.0), ValueError, r"cosine\(\): k must be .*got 0.0"),
    (
        lambda: jaxlrs.noise(1.0, 0),
        TypeError,
        r"noise\(\): schedule must be a jaxlrs Schedule, got 1.0 \(float\)",
    ),
    (
        lambda: jaxlrs.noise(jaxlrs.constant(1.0), 0, pct=1.0),
        ValueError,
        r"noise\(\): pct must be a finite number in \[0, 1\), got 1.0",
    ),
    (
        lambda: jaxlrs.noise(jaxlrs.constant(1.0), 0, kind="gauss"),
        ValueError,
        r"noise\(\): kind must be one of 'normal', 'uniform', got 'gauss'",
    ),
    (
        lambda: jaxlrs.noise(jaxlrs.constant(1.0), -1),
        ValueError,
        r"noise\(\): key must be a non-negative integer below 2\*\*31, got -1",
    ),
    (
        lambda: jaxlrs.noise(jaxlrs.constant(1.0), "seed"),
        TypeError,
        r"noise\(\): key must be an int seed or a JAX PRNG key, got 'seed'",
    ),
    (
        lambda: jaxlrs.noise(jaxlrs.constant(1.0), [1, 2, 3]),
        ValueError,
        r"noise\(\): key must be an int seed or a PRNG key \(2 uint32 words\), got shape \(3,\)",
    ),
    (
        lambda: jaxlrs.noise(jaxlrs.constant(1.0), 0, start=10, stop=10),
        ValueError,
        r"noise\(\): stop must be greater than start, got stop=10",
    ),
]


@pytest.mark.parametrize("make, kind, message", BAD, ids=[m for _, _, m in BAD])
def test_validation(make, kind, message):
    with pytest.raises(kind, match=message):
        make()


def test_traced_hyperparameters_are_not_checked():
    # A traced warmup >= steps cannot be inspected at construction; it still evaluates.
    f = jax.jit(lambda w: jaxlrs.warmup_linear(1.0, w, 10)(3))
    assert np.isfinite(float(f(20)))
