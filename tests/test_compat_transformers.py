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


# -- open (issue 8): a non-integer float num_cycles at large steps --------------------------
# The phase 2 * num_cycles * progress mod 1 is formed with num_cycles in about 48 bits
# (double-float), not its float64's 53: past about 3e8 steps over a short cycle the value
# drifts from the float64 formula by up to 1e-5 relative (2e-6 of the peak). Strict xfail
# until the phase uses num_cycles' exact value; it then fails, and the marker must go.


@pytest.mark.xfail(strict=True, reason="issue 8: num_cycles in 48 bits in the HF phase")
@pytest.mark.parametrize("num_cycles", [0.7, 0.3, 1.1])
def test_float_num_cycles_phase_is_exact_at_large_steps(num_cycles):
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    warmup, total, peak = 3, 12, 10.0
    s = hf.get_cosine_schedule_with_warmup(peak, warmup, total, num_cycles=num_cycles)
    t = np.random.default_rng(8).integers(10**8, 2**31 - 1, 400)

    def exact(step: int) -> float:  # transformers' lambda, in 40 digits
        progress = mpmath.mpf(step - warmup) / (total - warmup)
        phase = mpmath.pi * mpmath.mpf(num_cycles) * 2 * progress
        return float(peak * max(0, 0.5 * (1 + mpmath.cos(phase))))

    want = np.array([exact(int(x)) for x in t])
    got = np.asarray(s(t.astype(np.int32)), np.float64)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-10 * peak)
