"""The schedule contract for the compat constructors: traced hyperparameters (jit and vmap
over values and step counts, grad over values, no NaN gradients), and precision at large
steps against float64 formulas. No peer library is needed here."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import keras as ks
from jaxlrs.compat import mxnet as mx
from jaxlrs.compat import optax as ox
from jaxlrs.compat import timm as tm
from jaxlrs.compat import torch as lrs
from jaxlrs.compat import transformers as hf

STEPS = jnp.arange(0, 120, 7)


# (id, build(x) -> schedule, concrete x values, kind of x)
TRACED = [
    (
        "torch-onecycle-peak",
        lambda x: lrs.OneCycleLR(x, 100, three_phase=True),
        [0.5, 2.0],
        "value",
    ),
    (
        "torch-onecycle-steps",
        lambda x: lrs.OneCycleLR(1.0, x, anneal_strategy="linear"),
        [60, 90],
        "count",
    ),
    ("torch-cosine-tmax", lambda x: lrs.CosineAnnealingLR(0.1, x, 0.01), [10, 25], "count"),
    (
        "torch-cyclic-gamma",
        lambda x: lrs.CyclicLR(0.1, 1.0, 4, mode="exp_range", gamma=x),
        [0.9, 0.99],
        "value",
    ),
    ("torch-restarts-t0", lambda x: lrs.CosineAnnealingWarmRestarts(0.1, x, 2), [5, 9], "count"),
    (
        "torch-sequential-milestone",
        lambda x: lrs.SequentialLR(
            [lrs.LinearLR(0.1, 0.1, 1.0, 5), lrs.ExponentialLR(0.1, 0.95)], [x]
        ),
        [5, 30],
        "count",
    ),
    (
        "torch-chained-base",
        lambda x: lrs.ChainedScheduler([lrs.ConstantLR(x, 0.5, 4), lrs.StepLR(x, 10, 0.5)]),
        [0.1, 0.3],
        "value",
    ),
    (
        "keras-cosine-warmup",
        lambda x: ks.CosineDecay(0.0, 80, 0.1, warmup_target=x, warmup_steps=20),
        [0.1, 1.0],
        "value",
    ),
    (
        "keras-polynomial-cycle",
        lambda x: ks.PolynomialDecay(1.0, x, 0.01, 0.5, cycle=True),
        [15, 40],
        "count",
    ),
    (
        "keras-restarts-alpha",
        lambda x: ks.CosineDecayRestarts(1.0, 10, 2.0, 0.5, x),
        [0.0, 0.2],
        "value",
    ),
    (
        "hf-cosine-warmup",
        lambda x: hf.get_cosine_schedule_with_warmup(1.0, x, 100),
        [0, 20],
        "count",
    ),
    # a traced jaxlrs.fraction: its count has gradient 0, and r +- 1e-3 keeps the count
    (
        "fraction-warmup-cosine",
        lambda x: jaxlrs.warmup_cosine(1.0, jaxlrs.fraction(x), 100, end=0.1),
        [0.125, 0.375],
        "value",
    ),
    (
        "fraction-wsd-decay",
        lambda x: jaxlrs.wsd(1.0, jaxlrs.fraction(0.05), 100, jaxlrs.fraction(x)),
        [0.125, 0.375],
        "value",
    ),
    (
        "hf-cosine-cycles",
        lambda x: hf.get_cosine_schedule_with_warmup(1.0, 10, 100, x),
        [0.5, 0.7],
        "value",
    ),
    (
        "hf-wsd-ratio",
        lambda x: hf.get_wsd_schedule(1.0, 10, 20, 100, decay_type="1-sqrt", min_lr_ratio=x),
        [0.0, 0.1],
        "value",
    ),
    (
        "hf-wsd-decay-steps",
        lambda x: hf.get_wsd_schedule(1.0, 10, x, num_stable_steps=30),
        [20, 50],
        "count",
    ),
    ("hf-inverse-sqrt-warmup", lambda x: hf.get_inverse_sqrt_schedule(1.0, x), [0, 16], "count"),
    (
        "hf-lr-rate-min-lr-rate",
        lambda x: hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
            1.0, 10, 100, min_lr_rate=x
        ),
        [0.1, 0.0],
        "value",
    ),
    (
        "hf-lr-rate-min-lr",
        lambda x: hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
            2.0, 10, 100, num_cycles=0.7, min_lr=x
        ),
        [0.2, 0.05],
        "value",
    ),
    (
        "hf-lr-rate-warmup-lr-rate",
        lambda x: hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
            1.0, 20, 100, min_lr_rate=0.1, warmup_lr_rate=x
        ),
        [0.3, 0.05],
        "value",
    ),
    (
        "hf-lr-rate-warmup",
        lambda x: hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
            1.0, x, 100, min_lr_rate=0.1
        ),
        [0, 1, 25],
        "count",
    ),
    (
        "hf-get-scheduler-peak",
        lambda x: hf.get_scheduler("cosine_with_restarts", x, 10, 100, {"num_cycles": 3}),
        [1.0, 0.3],
        "value",
    ),
    (
        "hf-get-scheduler-warmup",
        lambda x: hf.get_scheduler("polynomial", 1.0, x, 100, {"lr_end": 0.1, "power": 2.0}),
        [0, 30],
        "count",
    ),
    (
        "hf-get-scheduler-wsd-ratio",
        lambda x: hf.get_scheduler(
            "warmup_stable_decay",
            1.0,
            0.1,
            100,
            {"num_decay_steps": 30, "warmup_type": "cosine", "min_lr_ratio": x},
        ),
        [0.1, 0.0],
        "value",
    ),
    (
        "optax-warmup-cosine-end",
        lambda x: ox.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100, end_value=x),
        [0.0, 0.2],
        "value",
    ),
    (
        "optax-exponential-begin",
        lambda x: ox.exponential_decay(1.0, 10, 0.5, transition_begin=x, staircase=True),
        [0, 25],
        "count",
    ),
    (
        "optax-sgdr-decay-steps",
        lambda x: ox.sgdr_schedule(
            [dict(init_value=0.0, peak_value=1.0, warmup_steps=5, decay_steps=x)] * 3
        ),
        [20, 45],
        "count",
    ),
    (
        "mxnet-factor-base",
        lambda x: mx.FactorScheduler(9, 0.5, 1e-3, base_lr=x, warmup_steps=5),
        [0.1, 1.0],
        "value",
    ),
    (
        "mxnet-factor-stop",
        lambda x: mx.FactorScheduler(9, 0.5, x, base_lr=1.0),
        [0.01, 0.2],
        "value",
    ),
    ("mxnet-factor-step", lambda x: mx.FactorScheduler(x, 0.5, base_lr=1.0), [5, 30], "count"),
    (
        "mxnet-multifactor-factor",
        lambda x: mx.MultiFactorScheduler([10, 50], x, base_lr=1.0, warmup_steps=4),
        [0.1, 0.5],
        "value",
    ),
    (
        "mxnet-poly-warmup",
        lambda x: mx.PolyScheduler(100, 1.0, 2, 0.01, warmup_steps=x),
        [0, 20],
        "count",
    ),
    (
        "mxnet-poly-pwr",
        lambda x: mx.PolyScheduler(100, 1.0, x, 0.01, warmup_steps=10),
        [0.5, 2.0],
        "value",
    ),
    (
        "mxnet-cosine-max-update",
        lambda x: mx.CosineScheduler(x, 1.0, 0.01, warmup_steps=10),
        [40, 100],
        "count",
    ),
    (
        "mxnet-cosine-begin",
        lambda x: mx.CosineScheduler(100, 1.0, 0.01, warmup_steps=10, warmup_begin_lr=x),
        [0.0, 0.5],
        "value",
    ),
    # compat.optax (the value lists run from the point the gradient test takes, xs[0])
    ("optax-linear-end", lambda x: ox.linear_schedule(1.0, x, 50, 10), [0.5, 0.1], "value"),
    ("optax-linear-steps", lambda x: ox.linear_schedule(1.0, 0.1, x, 10), [0, 30, 60], "count"),
    ("optax-linear-begin", lambda x: ox.linear_schedule(1.0, 0.1, 30, x), [0, 30], "count"),
    (
        "optax-polynomial-power",
        lambda x: ox.polynomial_schedule(1.0, 0.1, x, 50),
        [2.0, 0.5],
        "value",
    ),
    (
        "optax-cosine-alpha",
        lambda x: ox.cosine_decay_schedule(1.0, 80, x, 2.0),
        [0.3, 0.0],
        "value",
    ),
    (
        "optax-exponential-rate",
        lambda x: ox.exponential_decay(1.0, 10, x, 5, end_value=0.2),
        [0.9, 0.5, 0.0],
        "value",
    ),
    ("optax-exponential-steps", lambda x: ox.exponential_decay(1.0, x, 0.5), [0, 7, 20], "count"),
    (
        "optax-piecewise-scale",
        lambda x: ox.piecewise_constant_schedule(1.0, {10: x, 50: 0.5}),
        [2.0, 0.1],
        "value",
    ),
    (
        "optax-interpolate-init",
        lambda x: ox.piecewise_interpolate_schedule("cosine", x, {0: 0.5, 30: 0.1, 90: 3.0}),
        [2.0, 0.5],
        "value",
    ),
    (
        "optax-warmup-constant-steps",
        lambda x: ox.warmup_constant_schedule(0.1, 1.0, x),
        [0, 9],
        "count",
    ),
    (
        "optax-warmup-cosine-peak",
        lambda x: ox.warmup_cosine_decay_schedule(0.0, x, 10, 100, 0.05),
        [1.0, 0.0],
        "value",
    ),
    (
        "optax-warmup-cosine-warmup",
        lambda x: ox.warmup_cosine_decay_schedule(0.0, 1.0, x, 100),
        [0, 20],
        "count",
    ),
    (
        "optax-warmup-exponential-peak",
        lambda x: ox.warmup_exponential_decay_schedule(0.0, x, 10, 10, 0.5, 5, True, 0.1),
        [2.0, 0.5],
        "value",
    ),
    (
        "optax-onecycle-peak",
        lambda x: ox.cosine_onecycle_schedule(100, x, div_factor=10.0),
        [2.0, 0.5],
        "value",
    ),
    (
        "optax-sgdr-peak",
        lambda x: ox.sgdr_schedule(
            [dict(init_value=0.0, peak_value=x, warmup_steps=5, decay_steps=40)] * 3
        ),
        [2.0, 0.5],
        "value",
    ),
    # compat.timm
    (
        "timm-cosine-base",
        lambda x: tm.CosineLRScheduler(x, 20, 0.01, 2.0, 0.5, 4, warmup_t=5, k_decay=2.0),
        [0.5, 2.0],
        "value",
    ),
    (
        "timm-cosine-t-initial",
        lambda x: tm.CosineLRScheduler(1.0, x, cycle_mul=2.0, cycle_limit=5, warmup_t=3),
        [7, 20],
        "count",
    ),
    (
        "timm-cosine-warmup",
        lambda x: tm.CosineLRScheduler(1.0, 40, warmup_t=x, warmup_lr_init=0.1),
        [0, 15],
        "count",
    ),
    (
        "timm-cosine-noise-pct",
        lambda x: tm.CosineLRScheduler(1.0, 100, noise_range_t=[10, 90], noise_pct=x),
        [0.3, 0.6],
        "value",
    ),
    (
        "timm-cosine-noise-start",
        lambda x: tm.CosineLRScheduler(1.0, 100, noise_range_t=[x, 90], noise_seed=5),
        [10, 30],
        "count",
    ),
    (
        "timm-tanh-lb",
        lambda x: tm.TanhLRScheduler(1.0, 30, lb=x, lr_min=0.1, warmup_t=5),
        [-7.0, -3.0],
        "value",
    ),
    (
        "timm-poly-power",
        lambda x: tm.PolyLRScheduler(1.0, 50, x, 0.01, 1.5, 0.8, 3, warmup_t=4),
        [2.0, 0.5],
        "value",
    ),
    (
        "timm-step-rate",
        lambda x: tm.StepLRScheduler(1.0, 7, x, warmup_t=5, warmup_lr_init=0.1),
        [0.5, 0.9],
        "value",
    ),
    (
        "timm-multistep-milestone",
        lambda x: tm.MultiStepLRScheduler(1.0, [x, 80], 0.5, warmup_t=3),
        [10, 40],
        "count",
    ),
    (
        "timm-step-per-epoch",
        lambda x: tm.StepLRScheduler(1.0, 2, 0.5, updates_per_epoch=x),
        [3, 10],
        "count",
    ),
    (
        "timm-wsd-base",
        lambda x: tm.WSDLRScheduler(x, 80, 30, 0.01, "rsqrt", warmup_t=5, warmup_lr_init=0.1),
        [0.5, 2.0],
        "value",
    ),
    (
        "timm-wsd-decay-t",
        lambda x: tm.WSDLRScheduler(1.0, 100, x, 0.01, decay_fn="cosine", warmup_t=4),
        [10, 60],
        "count",
    ),
    (
        "timm-wsd-timescale",
        lambda x: tm.WSDLRScheduler(1.0, 100, 40, 1e-3, "power", x, 1.5, "exp", warmup_t=3),
        [2.0, 20.0],
        "value",
    ),
    (
        "timm-wsd-decay-ratio",
        lambda x: tm.WSDLRScheduler(1.0, 100, 60, 0.01, decay_fn="exp", decay_ratio=x),
        [0.05, 0.5],
        "value",
    ),
    (
        "timm-wsd-warmup",
        lambda x: tm.WSDLRScheduler(1.0, 100, 50, stable_fn="rsqrt", warmup_t=x),
        [3, 20],
        "count",
    ),
]


def _array(xs, kind):
    return jnp.asarray(xs, jnp.int32 if kind == "count" else jnp.float32)


@pytest.mark.parametrize(
    ("build", "xs", "kind"), [c[1:] for c in TRACED], ids=[c[0] for c in TRACED]
)
def test_jit_and_vmap_over_hyperparameters(build, xs, kind):
    eager = np.stack([np.asarray(build(x)(STEPS)) for x in xs])
    f = jax.jit(lambda x: build(x)(STEPS))
    jitted = np.stack([np.asarray(f(x)) for x in _array(xs, kind)])
    vmapped = np.asarray(jax.jit(jax.vmap(lambda x: build(x)(STEPS)))(_array(xs, kind)))
    np.testing.assert_allclose(jitted, eager, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(vmapped, eager, rtol=1e-6, atol=1e-9)


VALUE_CASES = [c for c in TRACED if c[3] == "value"]


@pytest.mark.parametrize(
    ("build", "xs", "kind"), [c[1:] for c in VALUE_CASES], ids=[c[0] for c in VALUE_CASES]
)
def test_grad_over_values_is_finite_and_right(build, xs, kind):
    x = float(xs[0])

    @jax.jit
    def grads(x):
        total = jax.grad(lambda x: jnp.sum(build(x)(STEPS)))(x)
        per_step = jax.vmap(jax.grad(lambda x, t: build(x)(t)), in_axes=(None, 0))(x, STEPS)
        return total, per_step

    g, per_step = grads(x)
    assert math.isfinite(float(g))
    assert np.all(np.isfinite(np.asarray(per_step)))
    h = 1e-3 * max(abs(x), 1.0)
    fd = (float(jnp.sum(build(x + h)(STEPS))) - float(jnp.sum(build(x - h)(STEPS)))) / (2 * h)
    assert float(g) == pytest.approx(fd, rel=2e-2, abs=2e-3)


def test_precision_near_2_24_and_1e9():
    """Closed forms against float64 formulas where the peer's closed form defines them."""
    t = np.array([2**24 - 1, 2**24 + 1, 2**24 + 7, 10**9 - 1, 10**9 + 1], np.int64)
    # CosineAnnealingLR: periodic with period 2 * T_max.
    s = lrs.CosineAnnealingLR(1.0, 999_983, eta_min=0.01)
    expect = 0.01 + 0.99 * np.cos(np.pi * (t % (2 * 999_983)) / (2 * 999_983)) ** 2
    np.testing.assert_allclose(s(t), expect, rtol=2e-6)
    # CyclicLR, asymmetric, triangular2 amplitude.
    c = lrs.CyclicLR(0.0, 1.0, 3_000_017, 5_000_011, mode="triangular2")
    total = 3_000_017 + 5_000_011
    r = t % total
    tri = np.where(r <= 3_000_017, r / 3_000_017, (total - r) / 5_000_011)
    np.testing.assert_allclose(c(t), tri * 0.5 ** (t // total), rtol=2e-6, atol=1e-30)
    # Keras PiecewiseConstantDecay: right-closed at boundaries beyond 2**24.
    p = ks.PiecewiseConstantDecay([2**24, 10**9 - 1], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(p(t), [1.0, 2.0, 2.0, 2.0, 3.0])
    # Hugging Face linear decay: the remaining count T - t is exact near the end.
    lin = hf.get_linear_schedule_with_warmup(1.0, 1_000, 10**9 + 2)
    np.testing.assert_allclose(lin(t[-2:]), (10**9 + 2 - t[-2:]) / (10**9 + 2 - 1_000), rtol=2e-6)
    # Keras CosineDecay near the end of a long decay: sin form, not (1 + cos) / 2.
    k = ks.CosineDecay(1.0, 10**9)
    np.testing.assert_allclose(
        k(t[-2:]),
        np.sin(0.5 * np.pi * (10**9 - np.minimum(t[-2:], 10**9)) / 10**9) ** 2,
        rtol=2e-6,
        atol=1e-30,
    )


def test_elementwise_shapes():
    s = lrs.OneCycleLR(1.0, 50)
    grid = jnp.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(
        np.asarray(s(grid)), np.asarray(jax.vmap(s)(grid.ravel())).reshape(3, 4)
    )
    assert s(grid).dtype == jnp.float32
