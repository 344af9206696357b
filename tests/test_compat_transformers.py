"""Parity of ``jaxlrs.compat.transformers`` with Hugging Face's ``get_*_schedule*``.

Each case builds the real Hugging Face scheduler on a real PyTorch optimizer, steps it
past twice its horizon (the cosine schedules are not clamped there), and compares the
learning rate of every update with the jaxlrs schedule evaluated in one call.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import transformers as hf

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
from transformers import optimization as opt  # noqa: E402

PEAK = 0.1


def step_peer(make, n: int, lr: float = PEAK) -> np.ndarray:
    p = torch.nn.Parameter(torch.zeros(1))
    o = torch.optim.SGD([p], lr=lr)
    s = make(o)
    out = []
    for _ in range(n):
        out.append(o.param_groups[0]["lr"])
        o.step()
        s.step()
    return np.asarray(out, np.float64)


def assert_parity(ours, peer, rtol: float = 1e-6) -> None:
    ours = np.asarray(ours, np.float64)
    scale = max(float(np.max(np.abs(peer))), 1e-30)
    np.testing.assert_allclose(ours, peer, rtol=rtol, atol=1e-8 * scale)


# (id, factory(optimizer), jaxlrs schedule, steps)
CASES = [
    ("constant", lambda o: opt.get_constant_schedule(o), hf.get_constant_schedule(PEAK), 5),
    (
        "constant-warmup",
        lambda o: opt.get_constant_schedule_with_warmup(o, 5),
        hf.get_constant_schedule_with_warmup(PEAK, 5),
        15,
    ),
    (
        "linear",
        lambda o: opt.get_linear_schedule_with_warmup(o, 7, 40),
        hf.get_linear_schedule_with_warmup(PEAK, 7, 40),
        85,
    ),
    (
        "linear-no-warmup",
        lambda o: opt.get_linear_schedule_with_warmup(o, 0, 25),
        hf.get_linear_schedule_with_warmup(PEAK, 0, 25),
        55,
    ),
    (
        "cosine",
        lambda o: opt.get_cosine_schedule_with_warmup(o, 5, 30),
        hf.get_cosine_schedule_with_warmup(PEAK, 5, 30),
        90,
    ),
    (
        "cosine-1.5-cycles",
        lambda o: opt.get_cosine_schedule_with_warmup(o, 4, 24, num_cycles=1.5),
        hf.get_cosine_schedule_with_warmup(PEAK, 4, 24, num_cycles=1.5),
        60,
    ),
    (
        "hard-restarts-2",
        lambda o: opt.get_cosine_with_hard_restarts_schedule_with_warmup(o, 2, 10, 2),
        hf.get_cosine_with_hard_restarts_schedule_with_warmup(PEAK, 2, 10, 2),
        25,
    ),
    (
        "hard-restarts-3",
        lambda o: opt.get_cosine_with_hard_restarts_schedule_with_warmup(o, 6, 36, 3),
        hf.get_cosine_with_hard_restarts_schedule_with_warmup(PEAK, 6, 36, 3),
        80,
    ),
    (
        "polynomial-square",
        lambda o: opt.get_polynomial_decay_schedule_with_warmup(o, 2, 10, power=2.0),
        hf.get_polynomial_decay_schedule_with_warmup(PEAK, 2, 10, power=2.0),
        25,
    ),
    (
        "polynomial-end",
        lambda o: opt.get_polynomial_decay_schedule_with_warmup(o, 5, 35, 1e-3, 0.7),
        hf.get_polynomial_decay_schedule_with_warmup(PEAK, 5, 35, 1e-3, 0.7),
        75,
    ),
    (
        "inverse-sqrt",
        lambda o: opt.get_inverse_sqrt_schedule(o, 5),
        hf.get_inverse_sqrt_schedule(PEAK, 5),
        60,
    ),
    (
        "inverse-sqrt-no-warmup",
        lambda o: opt.get_inverse_sqrt_schedule(o, 0),
        hf.get_inverse_sqrt_schedule(PEAK, 0),
        30,
    ),
    (
        "inverse-sqrt-timescale",
        lambda o: opt.get_inverse_sqrt_schedule(o, 4, timescale=20),
        hf.get_inverse_sqrt_schedule(PEAK, 4, timescale=20),
        50,
    ),
    (
        "cosine-min-lr",
        lambda o: opt.get_cosine_with_min_lr_schedule_with_warmup(o, 5, 30, min_lr=0.01),
        hf.get_cosine_with_min_lr_schedule_with_warmup(PEAK, 5, 30, min_lr=0.01),
        90,
    ),
    (
        "cosine-min-lr-rate-1-cycle",
        lambda o: opt.get_cosine_with_min_lr_schedule_with_warmup(
            o, 3, 23, num_cycles=1.0, min_lr_rate=0.2
        ),
        hf.get_cosine_with_min_lr_schedule_with_warmup(
            PEAK, 3, 23, num_cycles=1.0, min_lr_rate=0.2
        ),
        60,
    ),
    (
        "wsd",
        lambda o: opt.get_wsd_schedule(o, 5, 10, num_training_steps=40),
        hf.get_wsd_schedule(PEAK, 5, 10, num_training_steps=40),
        85,
    ),
    (
        "wsd-cosine-warmup-1-sqrt-decay",
        lambda o: opt.get_wsd_schedule(
            o,
            6,
            12,
            num_stable_steps=10,
            warmup_type="cosine",
            decay_type="1-sqrt",
            min_lr_ratio=0.1,
        ),
        hf.get_wsd_schedule(
            PEAK,
            6,
            12,
            num_stable_steps=10,
            warmup_type="cosine",
            decay_type="1-sqrt",
            min_lr_ratio=0.1,
        ),
        60,
    ),
    (
        "wsd-1-sqrt-warmup-linear-decay",
        lambda o: opt.get_wsd_schedule(
            o,
            8,
            8,
            num_training_steps=30,
            warmup_type="1-sqrt",
            decay_type="linear",
            min_lr_ratio=0.05,
        ),
        hf.get_wsd_schedule(
            PEAK,
            8,
            8,
            num_training_steps=30,
            warmup_type="1-sqrt",
            decay_type="linear",
            min_lr_ratio=0.05,
        ),
        65,
    ),
    (
        "wsd-cosine-1-cycle",
        lambda o: opt.get_wsd_schedule(o, 4, 16, num_training_steps=30, num_cycles=1.0),
        hf.get_wsd_schedule(PEAK, 4, 16, num_training_steps=30, num_cycles=1.0),
        65,
    ),
]


@pytest.mark.parametrize(("make", "ours", "n"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parity(make, ours, n):
    assert_parity(ours(np.arange(n)), step_peer(make, n))


def test_float_phase():
    """``num_cycles`` not a multiple of 1/2: the phase is a float, accurate to 1e-7 of
    the peak in absolute terms (1e-6 relative away from the wave's zeros)."""
    n = 70
    peer = step_peer(lambda o: opt.get_cosine_schedule_with_warmup(o, 3, 33, num_cycles=0.7), n)
    ours = np.asarray(hf.get_cosine_schedule_with_warmup(PEAK, 3, 33, num_cycles=0.7)(np.arange(n)))
    np.testing.assert_allclose(ours, peer, rtol=1e-6, atol=1e-7 * PEAK)


def test_published_values():
    """Hugging Face's own test sequences (lr 10, W=2, T=10), rounded as published."""
    t = np.arange(10)
    expect = {
        "linear": (
            [0, 5, 10, 8.75, 7.5, 6.25, 5, 3.75, 2.5, 1.25],
            hf.get_linear_schedule_with_warmup,
        ),
        "cosine": (
            [0, 5, 10, 9.61, 8.53, 6.91, 5, 3.08, 1.46, 0.38],
            hf.get_cosine_schedule_with_warmup,
        ),
    }
    for values, build in expect.values():
        np.testing.assert_allclose(build(10.0, 2, 10)(t), values, atol=1e-2)
    restarts = hf.get_cosine_with_hard_restarts_schedule_with_warmup(10.0, 2, 10, 2)
    np.testing.assert_allclose(restarts(t), [0, 5, 10, 8.53, 5, 1.46, 10, 8.53, 5, 1.46], atol=1e-2)
    poly = hf.get_polynomial_decay_schedule_with_warmup(10.0, 2, 10, power=2.0)
    np.testing.assert_allclose(
        poly(t), [0, 5, 10, 7.656, 5.625, 3.906, 2.5, 1.406, 0.625, 0.156], atol=6e-4
    )
    inv = hf.get_inverse_sqrt_schedule(10.0, 2)
    np.testing.assert_allclose(
        inv(t), [0, 5, 10, 8.165, 7.071, 6.325, 5.774, 5.345, 5, 4.714], atol=6e-4
    )


def test_large_steps_exact():
    """Past 2**24 the cosine's period position and the linear remaining count are exact."""
    t = np.array([2**24 + 1, 2**31 - 2, 10**9 + 7], np.int64)
    s = hf.get_cosine_schedule_with_warmup(1.0, 100, 1_000_100)
    u = (t - 100) % 2_000_000
    np.testing.assert_allclose(s(t), np.cos(np.pi * u / 2_000_000) ** 2, rtol=2e-6, atol=1e-10)
    lin = hf.get_linear_schedule_with_warmup(1.0, 10, 2**31 - 1)
    near_end = np.array([2**31 - 101, 2**31 - 2], np.int64)
    np.testing.assert_allclose(lin(near_end), (2**31 - 1 - near_end) / (2**31 - 11), rtol=2e-6)


ROUND_TRIP = [c[2] for c in CASES]


@pytest.mark.parametrize("s", ROUND_TRIP, ids=repr)
def test_repr_round_trip(s):
    text = repr(s)
    assert text.startswith("compat.transformers.")
    assert eval(text, vars(jaxlrs)) == s
    assert pickle.loads(pickle.dumps(s)) == s


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: hf.get_linear_schedule_with_warmup(0.1, 10, 10),
            r"get_linear_schedule_with_warmup\(\): num_training_steps must be larger than "
            r"num_warmup_steps",
        ),
        (
            lambda: hf.get_constant_schedule_with_warmup(0.1, -1),
            r"num_warmup_steps must be a non-negative integer, got -1",
        ),
        (
            lambda: hf.get_polynomial_decay_schedule_with_warmup(1e-8, 1, 10),
            r"lr_end must be smaller than peak",
        ),
        (
            lambda: hf.get_cosine_with_min_lr_schedule_with_warmup(0.1, 1, 10),
            r"exactly one of min_lr and min_lr_rate must be given",
        ),
        (lambda: hf.get_wsd_schedule(0.1, 1, 2), r"num_training_steps or num_stable_steps"),
        (
            lambda: hf.get_wsd_schedule(0.1, 1, 2, num_training_steps=10, num_stable_steps=3),
            r"num_stable_steps must equal",
        ),
        (
            lambda: hf.get_wsd_schedule(0.1, 1, 2, 10, decay_type="exp"),
            r"decay_type must be one of",
        ),
        (lambda: hf.get_inverse_sqrt_schedule(0.1, 5, timescale=0), r"timescale must be"),
    ],
)
def test_validation(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


# -- the cosine phase at any step, for any num_cycles ----------------------------------------
# The phase num_cycles * progress mod 1 is exact for num_cycles' float64 value (its words,
# not the 48 bits a double-float carries), so that the value follows the float64 formula
# at every step up to 2**31 - 1: generated num_cycles (whole and half-whole ones, near a
# half, tiny, large), lengths from 1 to 10**6, steps up to the top of the index range;
# eager and inside a jit that closes over the schedule (as Optax calls it), against the
# formula in 40 digits.


def _phase_cases(seed: int, count: int) -> list[tuple[float, int, int]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        kind = i % 5
        if kind == 0:
            nc = float(rng.uniform(0.01, 3.0))
        elif kind == 1:
            nc = float(10 ** rng.uniform(-6, 5))
        elif kind == 2:
            nc = float(rng.integers(1, 40)) / 2 + float(rng.choice([0.0, 1e-9, -1e-12]))
        elif kind == 3:
            nc = float(rng.uniform(1e3, 2.0**30))
        else:
            nc = float(rng.choice([0.7, 0.3, 1.1, 0.5, 1e-20]))
        warmup = int(rng.integers(0, 50))
        length = int(10 ** rng.uniform(0, 6))
        out.append((nc, warmup, warmup + length))
    return out


@pytest.mark.parametrize("lr_rate", [False, True], ids=["cosine", "lr-rate"])
@pytest.mark.parametrize("case", _phase_cases(8, 10), ids=lambda c: f"nc={c[0]:.6g}-T={c[2]}")
def test_float_num_cycles_phase_is_exact_at_any_step(case, lr_rate):
    import jax

    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    num_cycles, warmup, total = case
    peak, min_lr = 10.0, 0.5
    if lr_rate:
        s = hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
            peak, warmup, total, num_cycles=num_cycles, min_lr=min_lr
        )
    else:
        s = hf.get_cosine_schedule_with_warmup(peak, warmup, total, num_cycles=num_cycles)
    rng = np.random.default_rng(int(total))
    top = 2**31 - 1
    t = np.concatenate(
        [rng.integers(warmup, top, 150), [warmup, warmup + 1, total - 1, total, top - 1, top]]
    ).astype(np.int64)

    def exact(step: int) -> float:  # transformers' lambda, in 50 digits
        shift = 1 if lr_rate else 0
        progress = mpmath.mpf(step - warmup + shift) / max(1, total - warmup)
        f = 0.5 * (1 + mpmath.cos(mpmath.pi * mpmath.mpf(num_cycles) * 2 * progress))
        if lr_rate:
            return float(max(0, f * (peak - min_lr) + min_lr))
        return float(peak * max(0, f))

    want = np.array([exact(int(x)) for x in t])
    steps = t.astype(np.int32)
    for got in (s(steps), jax.jit(lambda u: s(u))(steps)):
        np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=2e-6, atol=1e-10 * peak)


def test_float_num_cycles_gradient_is_the_float_formulas():
    import jax

    steps = np.array([5, 37, 1000, 123456], np.int32)
    warmup, total, nc = 3, 40, 0.7

    def ours(c):
        return hf.get_cosine_schedule_with_warmup(1.0, warmup, total, num_cycles=c)(steps)

    def formula(c):  # float64 derivative of 0.5 (1 + cos(2 pi c p))
        p = (steps - warmup) / (total - warmup)
        return -np.pi * p * np.sin(2 * np.pi * c * p)

    got = np.asarray(jax.jacfwd(ours)(jax.numpy.float32(nc)), np.float64)
    # A traced num_cycles is taken as stored: the formula at its float32 value.
    np.testing.assert_allclose(got, formula(float(np.float32(nc))), rtol=1e-5, atol=1e-6)
