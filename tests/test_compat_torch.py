"""Parity of ``jaxlrs.compat.torch`` with PyTorch's schedulers, stepped for real.

Each case steps the real ``torch.optim.lr_scheduler`` class (with a real optimizer) for
several cycles or at least twice its horizon, records the learning rate the optimizer
uses on each update, and compares every value with the jaxlrs schedule evaluated over all
steps in one call.
"""

from __future__ import annotations

import math
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import torch as lrs

torch = pytest.importorskip("torch")
sched = torch.optim.lr_scheduler

BASE = 0.1


def _optimizer(kind: str = "sgd"):
    p = torch.nn.Parameter(torch.zeros(1))
    if kind == "adam":
        return torch.optim.Adam([p], lr=BASE)
    return torch.optim.SGD([p], lr=BASE, momentum=0.9)


def step_peer(make, n: int, kind: str = "sgd", key: str = "lr") -> np.ndarray:
    """The value of ``param_groups[0][key]`` that each of ``n`` updates uses."""
    opt = _optimizer(kind)
    s = make(opt)
    out = []
    for _ in range(n):
        g = opt.param_groups[0]
        out.append(g["betas"][0] if key == "betas" else g[key])
        opt.zero_grad()
        opt.param_groups[0]["params"][0].sum().backward()
        opt.step()
        s.step()
    return np.asarray(out, np.float64)


def assert_parity(ours, peer, rtol: float = 1e-6) -> None:
    ours = np.asarray(ours, np.float64)
    scale = max(float(np.max(np.abs(peer))), 1e-30)
    np.testing.assert_allclose(ours, peer, rtol=rtol, atol=1e-9 * scale)


# (id, torch factory, jaxlrs schedule, number of steps)
CASES = [
    ("lambda", lambda o: sched.LambdaLR(o, lambda t: 0.97**t), None, 60),
    ("step", lambda o: sched.StepLR(o, 3, 0.1), lrs.StepLR(BASE, 3, 0.1), 12),
    ("step-gamma", lambda o: sched.StepLR(o, 7, 0.5), lrs.StepLR(BASE, 7, 0.5), 50),
    (
        "multistep",
        lambda o: sched.MultiStepLR(o, [2, 5, 9], 0.1),
        lrs.MultiStepLR(BASE, [2, 5, 9]),
        20,
    ),
    (
        "multistep-repeated-unsorted",
        lambda o: sched.MultiStepLR(o, [9, 3, 3, 15], 0.5),
        lrs.MultiStepLR(BASE, [9, 3, 3, 15], 0.5),
        30,
    ),
    ("constant", lambda o: sched.ConstantLR(o, 0.5, 5), lrs.ConstantLR(BASE, 0.5, 5), 10),
    ("constant-default", lambda o: sched.ConstantLR(o), lrs.ConstantLR(BASE), 12),
    ("linear", lambda o: sched.LinearLR(o, 0.25, 1.0, 8), lrs.LinearLR(BASE, 0.25, 1.0, 8), 20),
    (
        "linear-down",
        lambda o: sched.LinearLR(o, 1.0, 0.1, 10),
        lrs.LinearLR(BASE, 1.0, 0.1, 10),
        25,
    ),
    (
        "exponential",
        lambda o: sched.ExponentialLR(o, 0.96875),
        lrs.ExponentialLR(BASE, 0.96875),
        120,
    ),
    (
        "polynomial",
        lambda o: sched.PolynomialLR(o, 5, 0.9),
        lrs.PolynomialLR(BASE, 5, 0.9),
        12,
    ),
    (
        "polynomial-square",
        lambda o: sched.PolynomialLR(o, 20, 2.0),
        lrs.PolynomialLR(BASE, 20, 2.0),
        45,
    ),
    (
        "cosine-periodic",
        lambda o: sched.CosineAnnealingLR(o, 10),
        lrs.CosineAnnealingLR(BASE, 10),
        65,
    ),
    (
        "cosine-eta-min",
        lambda o: sched.CosineAnnealingLR(o, 25, eta_min=0.01),
        lrs.CosineAnnealingLR(BASE, 25, eta_min=0.01),
        160,
    ),
    (
        "warm-restarts",
        lambda o: sched.CosineAnnealingWarmRestarts(o, 10),
        lrs.CosineAnnealingWarmRestarts(BASE, 10),
        45,
    ),
    (
        "warm-restarts-mult2",
        lambda o: sched.CosineAnnealingWarmRestarts(o, 5, T_mult=2, eta_min=0.001),
        lrs.CosineAnnealingWarmRestarts(BASE, 5, T_mult=2, eta_min=0.001),
        80,
    ),
    (
        "warm-restarts-mult3",
        lambda o: sched.CosineAnnealingWarmRestarts(o, 3, T_mult=3),
        lrs.CosineAnnealingWarmRestarts(BASE, 3, T_mult=3),
        130,
    ),
    (
        "cyclic-triangular",
        lambda o: sched.CyclicLR(o, 0.01, 0.1, step_size_up=4),
        lrs.CyclicLR(0.01, 0.1, step_size_up=4),
        40,
    ),
    (
        "cyclic-asymmetric",
        lambda o: sched.CyclicLR(o, 0.01, 0.1, step_size_up=3, step_size_down=7),
        lrs.CyclicLR(0.01, 0.1, step_size_up=3, step_size_down=7),
        45,
    ),
    (
        "cyclic-triangular2",
        lambda o: sched.CyclicLR(o, 0.01, 0.1, 5, 3, mode="triangular2"),
        lrs.CyclicLR(0.01, 0.1, 5, 3, mode="triangular2"),
        40,
    ),
    (
        "cyclic-exp-range",
        lambda o: sched.CyclicLR(o, 0.01, 0.1, 4, 6, mode="exp_range", gamma=0.96875),
        lrs.CyclicLR(0.01, 0.1, 4, 6, mode="exp_range", gamma=0.96875),
        50,
    ),
    (
        "cyclic-scale-fn-iterations",
        lambda o: sched.CyclicLR(
            o, 0.01, 0.1, 4, scale_fn=lambda x: 1 / (1 + 0.01 * x), scale_mode="iterations"
        ),
        lrs.CyclicLR(0.01, 0.1, 4, scale_fn=lambda x: 1 / (1 + 0.01 * x), scale_mode="iterations"),
        40,
    ),
    (
        "one-cycle-cos",
        lambda o: sched.OneCycleLR(o, 1.0, total_steps=100),
        lrs.OneCycleLR(1.0, total_steps=100),
        100,
    ),
    (
        "one-cycle-linear",
        lambda o: sched.OneCycleLR(
            o, 25.0, total_steps=10, final_div_factor=2, anneal_strategy="linear"
        ),
        lrs.OneCycleLR(25.0, total_steps=10, final_div_factor=2.0, anneal_strategy="linear"),
        10,
    ),
    (
        "one-cycle-three-phase-linear",
        lambda o: sched.OneCycleLR(
            o,
            25.0,
            total_steps=10,
            pct_start=0.4,
            final_div_factor=4,
            anneal_strategy="linear",
            three_phase=True,
        ),
        lrs.OneCycleLR(
            25.0,
            total_steps=10,
            pct_start=0.4,
            final_div_factor=4.0,
            anneal_strategy="linear",
            three_phase=True,
        ),
        10,
    ),
    (
        "one-cycle-three-phase-cos-epochs",
        lambda o: sched.OneCycleLR(
            o, 0.5, epochs=7, steps_per_epoch=13, pct_start=0.25, three_phase=True
        ),
        lrs.OneCycleLR(0.5, epochs=7, steps_per_epoch=13, pct_start=0.25, three_phase=True),
        91,
    ),
    (
        "one-cycle-odd-pct",
        lambda o: sched.OneCycleLR(o, 0.3, total_steps=77, pct_start=0.37, div_factor=10.0),
        lrs.OneCycleLR(0.3, total_steps=77, pct_start=0.37, div_factor=10.0),
        77,
    ),
]


def _ours(case_id: str, s):
    if case_id == "lambda":
        return lrs.LambdaLR(BASE, lambda t: jnp.exp(t.astype(jnp.float32) * math.log(0.97)))
    return s


@pytest.mark.parametrize(("make", "ours", "n"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parity(request, make, ours, n):
    ours = _ours(request.node.callspec.id, ours)
    peer = step_peer(make, n)
    assert_parity(ours(np.arange(n)), peer)


def test_published_targets():
    """PyTorch's own test sequences (lr 0.05), as REFERENCE.md quotes them."""
    b = 0.05
    np.testing.assert_allclose(
        lrs.StepLR(b, 3)(np.arange(12)),
        [b] * 3 + [b / 10] * 3 + [b / 100] * 3 + [b / 1e3] * 3,
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        lrs.CyclicLR(1.0, 5.0, 4, mode="triangular2")(np.arange(22)),
        [1, 2, 3, 4, 5, 4, 3, 2, 1, 1.5, 2, 2.5, 3, 2.5, 2, 1.5, 1, 1.25, 1.5, 1.75, 2, 1.75],
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        lrs.OneCycleLR(
            25.0,
            10,
            pct_start=0.4,
            final_div_factor=4.0,
            anneal_strategy="linear",
            three_phase=True,
        )(np.arange(10)),
        [1, 9, 17, 25, 17, 9, 1, 0.75, 0.5, 0.25],
        rtol=1e-6,
    )


# -- momentum -------------------------------------------------------------------------------

MOMENTUM_CASES = [
    (
        "cyclic-sgd",
        "sgd",
        lambda o: sched.CyclicLR(o, 0.01, 0.1, 3, 5, base_momentum=0.8, max_momentum=0.95),
        lrs.CyclicMomentum(0.01, 0.1, 3, 5, base_momentum=0.8, max_momentum=0.95),
        40,
    ),
    (
        "cyclic-adam-triangular2",
        "adam",
        lambda o: sched.CyclicLR(o, 0.01, 0.1, 4, mode="triangular2"),
        lrs.CyclicMomentum(0.01, 0.1, 4, mode="triangular2"),
        40,
    ),
    (
        "one-cycle-sgd",
        "sgd",
        lambda o: sched.OneCycleLR(o, 1.0, total_steps=60),
        lrs.OneCycleMomentum(1.0, total_steps=60),
        60,
    ),
    (
        "one-cycle-adam-three-phase-linear",
        "adam",
        lambda o: sched.OneCycleLR(
            o,
            1.0,
            total_steps=50,
            three_phase=True,
            anneal_strategy="linear",
            base_momentum=0.8,
            max_momentum=0.9,
        ),
        lrs.OneCycleMomentum(
            1.0,
            total_steps=50,
            three_phase=True,
            anneal_strategy="linear",
            base_momentum=0.8,
            max_momentum=0.9,
        ),
        50,
    ),
]


@pytest.mark.parametrize(
    ("kind", "make", "ours", "n"),
    [c[1:] for c in MOMENTUM_CASES],
    ids=[c[0] for c in MOMENTUM_CASES],
)
def test_momentum_parity(kind, make, ours, n):
    key = "betas" if kind == "adam" else "momentum"
    peer = step_peer(make, n, kind, key)
    assert_parity(ours(np.arange(n)), peer)


def test_momentum_in_optax():
    optax = pytest.importorskip("optax")
    kw = dict(max_lr=1e-2, total_steps=20)
    opt = optax.inject_hyperparams(optax.adam)(
        learning_rate=lrs.OneCycleLR(**kw), b1=lrs.OneCycleMomentum(**kw)
    )
    params = jnp.zeros(3)
    b1 = []
    with jax.numpy_dtype_promotion("standard"):  # optax computes b1 ** int32 count
        state = opt.init(params)
        for _ in range(5):
            _, state = opt.update(jnp.ones(3), state, params)
            b1.append(float(state.hyperparams["b1"]))
    peer = step_peer(lambda o: sched.OneCycleLR(o, **kw), 5, "adam", "betas")
    np.testing.assert_allclose(b1, peer, rtol=1e-6)


# -- composites -----------------------------------------------------------------------------

SEQUENTIAL_CASES = [
    (
        "warmup-then-exp-then-step",
        lambda o: sched.SequentialLR(
            o,
            [sched.LinearLR(o, 0.1, 1.0, 5), sched.ExponentialLR(o, 0.9), sched.StepLR(o, 4, 0.5)],
            milestones=[5, 20],
        ),
        lrs.SequentialLR(
            [
                lrs.LinearLR(BASE, 0.1, 1.0, 5),
                lrs.ExponentialLR(BASE, 0.9),
                lrs.StepLR(BASE, 4, 0.5),
            ],
            milestones=[5, 20],
        ),
        45,
    ),
    (
        "constant-cosine-multistep",
        lambda o: sched.SequentialLR(
            o,
            [
                sched.ConstantLR(o, 0.5, 3),
                sched.CosineAnnealingLR(o, 8, eta_min=0.01),
                sched.MultiStepLR(o, [2, 6], 0.5),
            ],
            milestones=[6, 30],
        ),
        lrs.SequentialLR(
            [
                lrs.ConstantLR(BASE, 0.5, 3),
                lrs.CosineAnnealingLR(BASE, 8, eta_min=0.01),
                lrs.MultiStepLR(BASE, [2, 6], 0.5),
            ],
            milestones=[6, 30],
        ),
        60,
    ),
    (
        "polynomial-restarts",
        lambda o: sched.SequentialLR(
            o,
            [
                sched.PolynomialLR(o, 6, 2.0),
                sched.CosineAnnealingWarmRestarts(o, 5, T_mult=2),
                sched.LinearLR(o, 0.5, 0.1, 10),
            ],
            milestones=[4, 25],
        ),
        lrs.SequentialLR(
            [
                lrs.PolynomialLR(BASE, 6, 2.0),
                lrs.CosineAnnealingWarmRestarts(BASE, 5, T_mult=2),
                lrs.LinearLR(BASE, 0.5, 0.1, 10),
            ],
            milestones=[4, 25],
        ),
        50,
    ),
]


@pytest.mark.parametrize(
    ("make", "ours", "n"), [c[1:] for c in SEQUENTIAL_CASES], ids=[c[0] for c in SEQUENTIAL_CASES]
)
def test_sequential_parity(make, ours, n):
    assert_parity(ours(np.arange(n)), step_peer(make, n))


CHAINED_CASES = [
    (
        "constant-exponential-step",
        lambda o: sched.ChainedScheduler(
            [sched.ConstantLR(o, 0.5, 4), sched.ExponentialLR(o, 0.95), sched.StepLR(o, 6, 0.5)]
        ),
        lrs.ChainedScheduler(
            [lrs.ConstantLR(BASE, 0.5, 4), lrs.ExponentialLR(BASE, 0.95), lrs.StepLR(BASE, 6, 0.5)]
        ),
        40,
    ),
    (
        "linear-multistep-polynomial",
        lambda o: sched.ChainedScheduler(
            [
                sched.LinearLR(o, 0.2, 1.0, 5),
                sched.MultiStepLR(o, [3, 8], 0.5),
                sched.PolynomialLR(o, 12, 1.5),
            ]
        ),
        lrs.ChainedScheduler(
            [
                lrs.LinearLR(BASE, 0.2, 1.0, 5),
                lrs.MultiStepLR(BASE, [3, 8], 0.5),
                lrs.PolynomialLR(BASE, 12, 1.5),
            ]
        ),
        30,
    ),
    (
        "warmup-cosine-exponential-until-t-max",
        lambda o: sched.ChainedScheduler(
            [
                sched.LinearLR(o, 0.1, 1.0, 5),
                sched.CosineAnnealingLR(o, 30),
                sched.ExponentialLR(o, 0.99),
            ]
        ),
        lrs.ChainedScheduler(
            [
                lrs.LinearLR(BASE, 0.1, 1.0, 5),
                lrs.CosineAnnealingLR(BASE, 30),
                lrs.ExponentialLR(BASE, 0.99),
            ]
        ),
        31,
    ),
]


@pytest.mark.parametrize(
    ("make", "ours", "n"), [c[1:] for c in CHAINED_CASES], ids=[c[0] for c in CHAINED_CASES]
)
def test_chained_parity(make, ours, n):
    assert_parity(ours(np.arange(n)), step_peer(make, n))


def test_one_cycle_holds_past_the_end():
    """PyTorch raises past total_steps; jaxlrs holds the final value from total_steps - 1."""
    s = lrs.OneCycleLR(1.0, total_steps=20)
    values = np.asarray(s(np.arange(19, 200)))
    final = 1.0 / 25.0 / 1e4
    np.testing.assert_allclose(values, final, rtol=1e-6)
    with pytest.raises(ValueError, match="Tried to step"):
        step_peer(lambda o: sched.OneCycleLR(o, 1.0, total_steps=20), 22)


def test_cosine_annealing_is_periodic():
    """PyTorch's CosineAnnealingLR rises again past T_max: value at t equals value at
    2 T_max - t and at t + 2 T_max, exactly, at any step."""
    s = lrs.CosineAnnealingLR(1.0, 1_000, eta_min=0.1)
    t = np.array([0, 1, 250, 999, 1_000, 1_001, 1_999, 2**24 + 3, 10**9 + 7], np.int64)
    u = t % 2_000
    expect = 0.1 + 0.9 * np.cos(np.pi * u / 2_000) ** 2
    np.testing.assert_allclose(s(t), expect, rtol=2e-6)


# -- value semantics and validation ------------------------------------------------------

ROUND_TRIP = (
    [c[2] for c in CASES if c[2] is not None]
    + [c[3] for c in MOMENTUM_CASES]
    + [c[2] for c in SEQUENTIAL_CASES + CHAINED_CASES]
)


@pytest.mark.parametrize("s", ROUND_TRIP, ids=repr)
def test_repr_round_trip(s):
    if s.args.get("scale_fn") is not None:
        # A wrapped function has no literal form: parse refuses it, naming the problem.
        with pytest.raises(ValueError, match=r"parse.*Python function.*pickles"):
            jaxlrs.parse(repr(s))
        return
    text = repr(s)
    assert text.startswith("compat.torch.")
    assert eval(text, vars(jaxlrs)) == s
    assert pickle.loads(pickle.dumps(s)) == s


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: lrs.StepLR(0.1, 0), r"StepLR\(\): step_size must be a positive integer, got 0"),
        (lambda: lrs.StepLR(-0.1, 3), r"StepLR\(\): base_lr must be a finite number in \[0"),
        (lambda: lrs.ConstantLR(0.1, factor=0.0), r"ConstantLR\(\): factor must be"),
        (lambda: lrs.LinearLR(0.1, start_factor=1.5), r"LinearLR\(\): start_factor must be"),
        (lambda: lrs.ExponentialLR(0.1, -0.5), r"ExponentialLR\(\): gamma must be"),
        (lambda: lrs.MultiStepLR(0.1, [3, -1]), r"MultiStepLR\(\): milestones\[1\] must be"),
        (lambda: lrs.CosineAnnealingWarmRestarts(0.1, 10, 1.5), r"T_mult must be a positive"),
        (lambda: lrs.CyclicLR(0.1, 1.0, mode="sine"), r"CyclicLR\(\): mode must be one of"),
        (lambda: lrs.CyclicMomentum(0.1, 1.0, cycle_momentum=False), r"cycle_momentum must be"),
        (lambda: lrs.OneCycleLR(1.0), r"OneCycleLR\(\): total_steps must be given"),
        (lambda: lrs.OneCycleLR(1.0, 10, pct_start=0.1), r"pct_start \* total_steps must not"),
        (lambda: lrs.OneCycleLR(1.0, 10, anneal_strategy="cosine"), r"anneal_strategy must be"),
        (lambda: lrs.SequentialLR([lrs.StepLR(0.1, 2)], [3]), r"milestones must have"),
        (
            lambda: lrs.ChainedScheduler([lrs.StepLR(0.1, 2), lrs.OneCycleLR(0.1, 10)]),
            r"schedulers\[1\] must be a chainable compat.torch schedule",
        ),
        (
            lambda: lrs.ChainedScheduler([lrs.StepLR(0.1, 2), lrs.StepLR(0.2, 2)]),
            r"schedulers must share one base_lr",
        ),
        (
            lambda: lrs.ChainedScheduler([lrs.CosineAnnealingLR(0.1, 5, eta_min=0.01)]),
            r"must have eta_min=0",
        ),
    ],
)
def test_validation(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_lambda_lr_type_error():
    with pytest.raises(TypeError, match=r"LambdaLR\(\): lr_lambda must be a function"):
        lrs.LambdaLR(0.1, 3.0)


def test_large_steps_exact():
    """Integer step arithmetic: stairs and cycle positions are exact near 2**31."""
    t = np.array([2**24 + 1, 2**31 - 2, 2**31 - 1, 10**9], np.int64)
    step = lrs.StepLR(1.0, 100_000_007, 0.5)
    np.testing.assert_allclose(step(t), 0.5 ** (t // 100_000_007), rtol=2e-6)
    cyc = lrs.CyclicLR(1.0, 3.0, 700, 300)
    r = t % 1_000
    tri = np.where(r <= 700, r / 700, (1_000 - r) / 300)
    np.testing.assert_allclose(cyc(t), 1.0 + 2.0 * tri, rtol=2e-6)
    assert math.isfinite(float(lrs.CosineAnnealingWarmRestarts(1.0, 7, 2)(2**31 - 1)))


def test_float32_hyperparameters():
    """A concrete factor keeps the bits float32 drops (x64 off): ExponentialLR(0.9)
    matches PyTorch run with gamma = 0.9 to 1e-6 at every step, where float32 alone would
    drift by t * 3e-8. A traced gamma is a float32 value: it matches PyTorch run with
    gamma = float32(0.9)."""
    n = 300
    steps = np.arange(n)
    ours = np.asarray(lrs.ExponentialLR(BASE, 0.9)(steps), np.float64)
    assert_parity(ours, step_peer(lambda o: sched.ExponentialLR(o, 0.9), n))
    traced = jax.jit(lambda g: lrs.ExponentialLR(BASE, g)(steps))(np.float32(0.9))
    rounded = float(np.float32(0.9))
    peer = step_peer(lambda o: sched.ExponentialLR(o, rounded), n)
    assert_parity(np.asarray(traced, np.float64), peer)
