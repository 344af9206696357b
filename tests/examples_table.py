"""One table of example schedules, at least one per registered constructor, for the round
trip tests (``parse(repr(s))``, ``to_dict``/``from_dict``, pickle) and the tools tests.

``examples()`` builds the entries whose constructor is registered. ``missing()`` lists
registered constructor names that no entry covers: a test asserts it is empty, so a new
constructor without an example here fails loudly. Entries for the SPEC's catalogue and
compat names may be written before their constructors land; they are built only once the
name is registered.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

import jaxlrs
from jaxlrs._schedule import Schedule, kinds

for _mod in (
    "jaxlrs.compat.torch",
    "jaxlrs.compat.keras",
    "jaxlrs.compat.transformers",
    "jaxlrs.compat.optax",
    "jaxlrs.compat.mxnet",
    "jaxlrs.compat.timm",
):
    try:
        _found = importlib.util.find_spec(_mod) is not None
    except ModuleNotFoundError:
        _found = False
    if _found:
        importlib.import_module(_mod)  # registers the compat constructors


def halve(t: Any) -> Any:
    """A module-level function for ``from_fn`` (so that it pickles)."""
    return 0.5 ** jnp.asarray(t, jnp.float32)


J = jaxlrs
Build = Callable[[Any], Schedule]

# (kind name, case id, builder taking the jaxlrs module)
ENTRIES: list[tuple[str, str, Build]] = [
    # primitives
    ("constant", "constant", lambda j: j.constant(0.1)),
    ("constant", "constant_negative", lambda j: j.constant(-1.5)),
    ("constant", "constant_inexact", lambda j: j.constant(0.1 + 0.2)),
    ("linear", "linear", lambda j: j.linear(1e-3, 0.0, 10_000)),
    ("linear", "linear_huge", lambda j: j.linear(1.0, 1e-27, 2**40)),
    ("polynomial", "polynomial", lambda j: j.polynomial(1.0, 0.5, 100, power=2.5)),
    ("cosine", "cosine", lambda j: j.cosine(1e-3, 10_000)),
    ("cosine", "cosine_options", lambda j: j.cosine(2.0, 50, end=0.5, exponent=3.0, k=2.0)),
    ("exponential", "exponential", lambda j: j.exponential(1.0, 0.9)),
    (
        "exponential",
        "exponential_options",
        lambda j: j.exponential(1.0, 0.5, steps=10, staircase=True, end=0.01),
    ),
    ("inverse_time", "inverse_time", lambda j: j.inverse_time(1.0, 0.5, 10, staircase=True)),
    ("step_decay", "step_decay", lambda j: j.step_decay(0.05, 3, 0.1)),
    ("multistep", "multistep", lambda j: j.multistep(0.05, [2, 5, 5, 9], 0.5)),
    ("multistep", "multistep_empty", lambda j: j.multistep(0.05, [])),
    (
        "piecewise_constant",
        "piecewise_constant",
        lambda j: j.piecewise_constant([10, 20], [1.0, 0.5, 0.25]),
    ),
    (
        "piecewise_linear",
        "piecewise_linear",
        lambda j: j.piecewise_linear([0, 10, 30], [0.0, 1.0, 0.0]),
    ),
    ("triangular", "triangular", lambda j: j.triangular(0.1, 1.0, 100, inc_fraction=0.25)),
    ("tanh_decay", "tanh_decay", lambda j: j.tanh_decay(1.0, 100, end=0.1, lower=-6.0)),
    ("rex", "rex", lambda j: j.rex(1.0, 100, end=0.1)),
    ("inverse_sqrt", "inverse_sqrt", lambda j: j.inverse_sqrt(1e-3, 100)),
    ("inverse_sqrt", "inverse_sqrt_timescale", lambda j: j.inverse_sqrt(1e-3, 100, timescale=50.0)),
    ("noam", "noam", lambda j: j.noam(512, 4000)),
    ("rsqrt", "rsqrt", lambda j: j.rsqrt(0.01)),
    ("slanted_triangular", "slanted_triangular", lambda j: j.slanted_triangular(0.01, 1000)),
    # combinators
    (
        "join",
        "join",
        lambda j: j.join([j.linear(0.0, 1.0, 10), j.cosine(1.0, 80), j.constant(0.0)], [10, 90]),
    ),
    ("warmup", "warmup", lambda j: j.warmup(j.cosine(1e-3, 10_000), 500)),
    (
        "warmup",
        "warmup_options",
        lambda j: j.warmup(j.constant(1.0), 10, init=0.01, shape="exponential"),
    ),
    ("cooldown", "cooldown", lambda j: j.cooldown(j.constant(1.0), 80, 20, shape="1-sqrt")),
    ("cycle", "cycle", lambda j: j.cycle(j.linear(1.0, 0.0, 10), 10)),
    (
        "cycle",
        "cycle_options",
        lambda j: j.cycle(j.cosine(1.0, 10), 10, period_mult=2, decay=0.5, limit=3),
    ),
    ("cycle", "cycle_float_mult", lambda j: j.cycle(j.cosine(1.0, 10), 10, period_mult=1.5)),
    ("shift", "shift", lambda j: j.shift(j.linear(1.0, 0.0, 10), 5)),
    (
        "rehorizon",
        "rehorizon",
        lambda j: j.rehorizon(j.warmup_cosine(1e-3, 100, 1_000), 600, 3_000),
    ),
    (
        "rehorizon",
        "rehorizon_horizon",
        lambda j: j.rehorizon(j.exponential(1.0, 0.5, 10), 20, 220, horizon=120),
    ),
    ("splice", "splice", lambda j: j.splice(j.cosine(1.0, 100), j.linear(0.5, 0.0, 200), 40)),
    (
        "splice",
        "splice_restart",
        lambda j: j.splice(j.cosine(1.0, 100), j.linear(0.5, 0.0, 200), 40, restart=True),
    ),
    ("tokens", "tokens", lambda j: j.tokens([512], seq_len=2048)),
    (
        "tokens",
        "tokens_ramp",
        lambda j: j.tokens([[256, 1024], 1024, 4096], [2_000, 10**10], seq_len=2048),
    ),
    ("examples", "examples", lambda j: j.examples([32, [64, 16], 128], [0, 100])),
    ("epochs", "epochs", lambda j: j.epochs(390)),
    (
        "on_clock",
        "on_clock_tokens",
        lambda j: j.on_clock(
            j.warmup_cosine(3e-4, 10**9, 3 * 10**11),
            j.tokens([[256, 1024], 1024], [2_000], seq_len=2048),
        ),
    ),
    (
        "on_clock",
        "on_clock_epochs",
        lambda j: j.on_clock(j.multistep(0.1, [30, 60], 0.1), j.epochs(390)),
    ),
    ("stretch", "stretch", lambda j: j.stretch(j.step_decay(1.0, 2, 0.5), 100)),
    ("stretch", "stretch_float", lambda j: j.stretch(j.cosine(1.0, 10), 2.5)),
    ("scale", "scale", lambda j: j.scale(j.cosine(1.0, 10), 0.25)),
    ("clip", "clip", lambda j: j.clip(j.linear(0.0, 1.0, 10), 0.2, 0.8)),
    ("clip", "clip_high", lambda j: j.clip(j.linear(0.0, 1.0, 10), high=0.5)),
    ("minimum", "minimum", lambda j: j.minimum(j.linear(0.0, 2.0, 10), 1.0, j.cosine(3.0, 10))),
    ("maximum", "maximum", lambda j: j.maximum(0.1, j.cosine(1.0, 10))),
    ("arithmetic", "arithmetic_nested", lambda j: (j.sgdr(1.0, 100) * 2) + 1),
    ("arithmetic", "arithmetic_left", lambda j: 2 * j.cosine(1.0, 10)),
    ("arithmetic", "arithmetic_sub", lambda j: 1.0 - j.cosine(0.5, 10) / 4),
    ("arithmetic", "arithmetic_two", lambda j: j.constant(1e-2) * j.rsqrt(1.0)),
    ("arithmetic", "arithmetic_deep", lambda j: (j.cosine(1.0, 10) + 1) * (j.linear(1, 0, 5) - 2)),
    (
        "noise",
        "noise",
        lambda j: j.noise(j.cosine(1.0, 100), 42, pct=0.5, kind="uniform", start=10),
    ),
    ("noise", "noise_key", lambda j: j.noise(j.constant(2.0), jax.random.key(7))),
    # recipes
    ("sgdr", "sgdr", lambda j: j.sgdr(1e-3, 1_000)),
    (
        "sgdr",
        "sgdr_options",
        lambda j: j.sgdr(1.0, 100, period_mult=2, decay=0.5, end=0.1, warmup=10, limit=4),
    ),
    ("warmup_cosine", "warmup_cosine", lambda j: j.warmup_cosine(1e-3, 500, 10_000)),
    (
        "warmup_cosine",
        "warmup_cosine_options",
        lambda j: j.warmup_cosine(1.0, 10, 110, init=0.1, end=0.01, exponent=2.0, shape="cosine"),
    ),
    ("warmup_constant", "warmup_constant", lambda j: j.warmup_constant(1.0, 10)),
    ("warmup_constant", "warmup_constant_end", lambda j: j.warmup_constant(1.0, 10, 50, end=0.5)),
    ("warmup_linear", "warmup_linear", lambda j: j.warmup_linear(1.0, 10, 100, end=0.1)),
    ("warmup_polynomial", "warmup_polynomial", lambda j: j.warmup_polynomial(1.0, 10, 100)),
    ("warmup_exponential", "warmup_exponential", lambda j: j.warmup_exponential(1.0, 10, 100)),
    ("warmup_inverse_sqrt", "warmup_inverse_sqrt", lambda j: j.warmup_inverse_sqrt(1.0, 10, 100)),
    ("cyclic", "cyclic", lambda j: j.cyclic(0.1, 1.0, 20, mode="triangular2")),
    ("one_cycle", "one_cycle", lambda j: j.one_cycle(1e-2, 1000, three_phase=True)),
    ("wsd", "wsd", lambda j: j.wsd(1e-3, 100, 1000, 200)),
    ("wsd", "wsd_options", lambda j: j.wsd(1.0, 10, 100, 20, shape="cosine", end=0.1)),
    # durations as fractions of the total (jaxlrs.fraction)
    (
        "warmup_cosine",
        "warmup_cosine_fraction",
        lambda j: j.warmup_cosine(1.0, j.fraction(0.1), 1000),
    ),
    (
        "warmup_constant",
        "warmup_constant_fraction",
        lambda j: j.warmup_constant(1.0, j.fraction(0.25), 50, end=0.5),
    ),
    (
        "warmup_linear",
        "warmup_linear_fraction",
        lambda j: j.warmup_linear(1.0, j.fraction(0.3), 70),
    ),
    (
        "warmup_polynomial",
        "warmup_polynomial_fraction",
        lambda j: j.warmup_polynomial(1.0, j.fraction(0.05), 300, power=2.0),
    ),
    (
        "warmup_exponential",
        "warmup_exponential_fraction",
        lambda j: j.warmup_exponential(1.0, j.fraction(0.1), 110, end=0.01),
    ),
    (
        "warmup_inverse_sqrt",
        "warmup_inverse_sqrt_fraction",
        lambda j: j.warmup_inverse_sqrt(1.0, j.fraction(0.2), 400),
    ),
    ("wsd", "wsd_fraction", lambda j: j.wsd(1.0, j.fraction(0.01), 10**9, j.fraction(0.2))),
    ("lr_range", "lr_range", lambda j: j.lr_range(1e-6, 1.0, 100)),
    # compat: PyTorch (base_lr first, for the optimizer's lr)
    ("compat.torch.StepLR", "torch_StepLR", lambda j: j.compat.torch.StepLR(0.05, 3, gamma=0.5)),
    (
        "compat.torch.MultiStepLR",
        "torch_MultiStepLR",
        lambda j: j.compat.torch.MultiStepLR(0.05, [2, 5, 9]),
    ),
    (
        "compat.torch.ConstantLR",
        "torch_ConstantLR",
        lambda j: j.compat.torch.ConstantLR(0.05, factor=0.5, total_iters=4),
    ),
    ("compat.torch.LinearLR", "torch_LinearLR", lambda j: j.compat.torch.LinearLR(0.05)),
    (
        "compat.torch.ExponentialLR",
        "torch_ExponentialLR",
        lambda j: j.compat.torch.ExponentialLR(0.05, 0.9),
    ),
    (
        "compat.torch.PolynomialLR",
        "torch_PolynomialLR",
        lambda j: j.compat.torch.PolynomialLR(0.05, total_iters=5, power=0.9),
    ),
    (
        "compat.torch.CosineAnnealingLR",
        "torch_CosineAnnealingLR",
        lambda j: j.compat.torch.CosineAnnealingLR(0.05, 10, eta_min=0.001),
    ),
    (
        "compat.torch.CosineAnnealingWarmRestarts",
        "torch_CosineAnnealingWarmRestarts",
        lambda j: j.compat.torch.CosineAnnealingWarmRestarts(0.05, 10, T_mult=2),
    ),
    (
        "compat.torch.CyclicLR",
        "torch_CyclicLR",
        lambda j: j.compat.torch.CyclicLR(1.0, 5.0, step_size_up=4, mode="triangular2"),
    ),
    (
        "compat.torch.CyclicMomentum",
        "torch_CyclicMomentum",
        lambda j: j.compat.torch.CyclicMomentum(1.0, 5.0, step_size_up=4, step_size_down=6),
    ),
    (
        "compat.torch.OneCycleLR",
        "torch_OneCycleLR",
        lambda j: j.compat.torch.OneCycleLR(
            25.0, 10, final_div_factor=2.0, anneal_strategy="linear"
        ),
    ),
    (
        "compat.torch.OneCycleMomentum",
        "torch_OneCycleMomentum",
        lambda j: j.compat.torch.OneCycleMomentum(
            1.0, epochs=3, steps_per_epoch=10, three_phase=True
        ),
    ),
    (
        "compat.torch.SequentialLR",
        "torch_SequentialLR",
        lambda j: j.compat.torch.SequentialLR(
            [j.compat.torch.LinearLR(0.05), j.compat.torch.ExponentialLR(0.05, 0.9)], [5]
        ),
    ),
    (
        "compat.torch.ChainedScheduler",
        "torch_ChainedScheduler",
        lambda j: j.compat.torch.ChainedScheduler(
            [j.compat.torch.ConstantLR(0.05), j.compat.torch.ExponentialLR(0.05, 0.9)]
        ),
    ),
    # compat: Keras
    (
        "compat.keras.ExponentialDecay",
        "keras_ExponentialDecay",
        lambda j: j.compat.keras.ExponentialDecay(0.1, 10, 0.5, staircase=True),
    ),
    (
        "compat.keras.PiecewiseConstantDecay",
        "keras_PiecewiseConstantDecay",
        lambda j: j.compat.keras.PiecewiseConstantDecay([100, 110, 120], [1.0, 0.1, 0.01, 0.001]),
    ),
    (
        "compat.keras.PolynomialDecay",
        "keras_PolynomialDecay",
        lambda j: j.compat.keras.PolynomialDecay(0.1, 10, power=2.0, cycle=True),
    ),
    (
        "compat.keras.InverseTimeDecay",
        "keras_InverseTimeDecay",
        lambda j: j.compat.keras.InverseTimeDecay(0.1, 10, 0.5),
    ),
    (
        "compat.keras.CosineDecay",
        "keras_CosineDecay",
        lambda j: j.compat.keras.CosineDecay(
            0.0, 100, alpha=0.1, warmup_target=0.1, warmup_steps=10
        ),
    ),
    (
        "compat.keras.CosineDecayRestarts",
        "keras_CosineDecayRestarts",
        lambda j: j.compat.keras.CosineDecayRestarts(0.1, 10, m_mul=0.5, name="restarts"),
    ),
    (
        "compat.keras.LegacyDecay",
        "keras_LegacyDecay",
        lambda j: j.compat.keras.LegacyDecay(0.1, 0.01),
    ),
    # compat: Optax
    (
        "compat.optax.constant_schedule",
        "optax_constant",
        lambda j: j.compat.optax.constant_schedule(0.1),
    ),
    (
        "compat.optax.linear_schedule",
        "optax_linear",
        lambda j: j.compat.optax.linear_schedule(1.0, 0.01, 10, transition_begin=5),
    ),
    (
        "compat.optax.linear_schedule",
        "optax_linear_zero",
        lambda j: j.compat.optax.linear_schedule(1.0, 0.01, 0),
    ),
    (
        "compat.optax.polynomial_schedule",
        "optax_polynomial",
        lambda j: j.compat.optax.polynomial_schedule(1.0, 0.01, 2.0, 10, 3),
    ),
    (
        "compat.optax.cosine_decay_schedule",
        "optax_cosine",
        lambda j: j.compat.optax.cosine_decay_schedule(0.1, 20, alpha=0.1, exponent=2.0),
    ),
    (
        "compat.optax.exponential_decay",
        "optax_exponential",
        lambda j: j.compat.optax.exponential_decay(1.0, 5, 0.5, 3, staircase=True, end_value=0.1),
    ),
    (
        "compat.optax.piecewise_constant_schedule",
        "optax_piecewise_constant",
        lambda j: j.compat.optax.piecewise_constant_schedule(1.0, {10: 0.5, 3: 0.1}),
    ),
    (
        "compat.optax.piecewise_interpolate_schedule",
        "optax_piecewise_interpolate",
        lambda j: j.compat.optax.piecewise_interpolate_schedule("cosine", 1.0, {0: 2.0, 10: 0.1}),
    ),
    (
        "compat.optax.join_schedules",
        "optax_join",
        lambda j: j.compat.optax.join_schedules(
            [j.compat.optax.linear_schedule(0.0, 1.0, 4), j.constant(0.5)], [4]
        ),
    ),
    (
        "compat.optax.warmup_constant_schedule",
        "optax_warmup_constant",
        lambda j: j.compat.optax.warmup_constant_schedule(0.0, 1.0, 4),
    ),
    (
        "compat.optax.warmup_cosine_decay_schedule",
        "optax_warmup_cosine",
        lambda j: j.compat.optax.warmup_cosine_decay_schedule(0.0, 1.0, 4, 20, 0.1, 2.0),
    ),
    (
        "compat.optax.warmup_exponential_decay_schedule",
        "optax_warmup_exponential",
        lambda j: j.compat.optax.warmup_exponential_decay_schedule(
            0.0, 1.0, 4, 5, 0.5, 2, True, 0.2
        ),
    ),
    (
        "compat.optax.sgdr_schedule",
        "optax_sgdr",
        lambda j: j.compat.optax.sgdr_schedule(
            [
                dict(init_value=0.0, peak_value=1.0, warmup_steps=2, decay_steps=10),
                dict(init_value=0.1, peak_value=0.5, warmup_steps=0, decay_steps=5, end_value=0.1),
            ]
        ),
    ),
    # compat: Hugging Face transformers
    (
        "compat.transformers.get_constant_schedule",
        "hf_constant",
        lambda j: j.compat.transformers.get_constant_schedule(10.0),
    ),
    (
        "compat.transformers.get_constant_schedule_with_warmup",
        "hf_constant_warmup",
        lambda j: j.compat.transformers.get_constant_schedule_with_warmup(10.0, 2),
    ),
    (
        "compat.transformers.get_linear_schedule_with_warmup",
        "hf_linear",
        lambda j: j.compat.transformers.get_linear_schedule_with_warmup(10.0, 2, 10),
    ),
    (
        "compat.transformers.get_cosine_schedule_with_warmup",
        "hf_cosine",
        lambda j: j.compat.transformers.get_cosine_schedule_with_warmup(
            10.0, 2, 10, num_cycles=1.5
        ),
    ),
    (
        "compat.transformers.get_cosine_with_hard_restarts_schedule_with_warmup",
        "hf_hard_restarts",
        lambda j: j.compat.transformers.get_cosine_with_hard_restarts_schedule_with_warmup(
            10.0, 2, 10, num_cycles=2
        ),
    ),
    (
        "compat.transformers.get_polynomial_decay_schedule_with_warmup",
        "hf_polynomial",
        lambda j: j.compat.transformers.get_polynomial_decay_schedule_with_warmup(
            10.0, 2, 10, power=2.0
        ),
    ),
    (
        "compat.transformers.get_inverse_sqrt_schedule",
        "hf_inverse_sqrt",
        lambda j: j.compat.transformers.get_inverse_sqrt_schedule(10.0, 2),
    ),
    (
        "compat.transformers.get_cosine_with_min_lr_schedule_with_warmup",
        "hf_cosine_min_lr",
        lambda j: j.compat.transformers.get_cosine_with_min_lr_schedule_with_warmup(
            10.0, 2, 10, min_lr_rate=0.1
        ),
    ),
    (
        "compat.transformers.get_wsd_schedule",
        "hf_wsd",
        lambda j: j.compat.transformers.get_wsd_schedule(
            10.0, 2, 3, num_training_steps=10, decay_type="1-sqrt", min_lr_ratio=0.1
        ),
    ),
    (
        "compat.transformers.get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
        "hf_cosine_min_lr_lr_rate",
        lambda j: j.compat.transformers.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
            10.0, 3, 12, num_cycles=0.7, min_lr=0.5, warmup_lr_rate=0.2
        ),
    ),
    (
        "compat.transformers.get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
        "hf_get_scheduler_cosine_warmup_with_min_lr",
        lambda j: j.compat.transformers.get_scheduler(
            "cosine_warmup_with_min_lr", 10.0, 0.25, 12, {"min_lr_rate": 0.1}
        ),
    ),
    (
        "compat.transformers.get_wsd_schedule",
        "hf_get_scheduler_wsd",
        lambda j: j.compat.transformers.get_scheduler(
            "warmup_stable_decay", 10.0, 2, 10, {"num_decay_steps": 4, "decay_type": "linear"}
        ),
    ),
    # compat: MXNet
    (
        "compat.mxnet.FactorScheduler",
        "mxnet_FactorScheduler",
        lambda j: j.compat.mxnet.FactorScheduler(
            3, factor=0.5, stop_factor_lr=0.01, base_lr=0.1, warmup_steps=2
        ),
    ),
    (
        "compat.mxnet.MultiFactorScheduler",
        "mxnet_MultiFactorScheduler",
        lambda j: j.compat.mxnet.MultiFactorScheduler(
            [4, 8], factor=0.1, base_lr=0.1, warmup_steps=3, warmup_mode="constant"
        ),
    ),
    (
        "compat.mxnet.PolyScheduler",
        "mxnet_PolyScheduler",
        lambda j: j.compat.mxnet.PolyScheduler(10, base_lr=0.1, pwr=1.5, final_lr=0.001),
    ),
    (
        "compat.mxnet.CosineScheduler",
        "mxnet_CosineScheduler",
        lambda j: j.compat.mxnet.CosineScheduler(
            10, base_lr=0.1, warmup_steps=3, warmup_begin_lr=0.01
        ),
    ),
    # compat: timm
    (
        "compat.timm.CosineLRScheduler",
        "timm_CosineLRScheduler",
        lambda j: j.compat.timm.CosineLRScheduler(
            0.1, 10, lr_min=1e-4, cycle_mul=2.0, cycle_decay=0.5, cycle_limit=3, warmup_t=2
        ),
    ),
    (
        "compat.timm.CosineLRScheduler",
        "timm_CosineLRScheduler_noise",
        lambda j: j.compat.timm.CosineLRScheduler(
            0.1, 10, noise_range_t=[2, 20], noise_pct=0.2, k_decay=2.0, updates_per_epoch=3
        ),
    ),
    (
        "compat.timm.TanhLRScheduler",
        "timm_TanhLRScheduler",
        lambda j: j.compat.timm.TanhLRScheduler(0.1, 10, lb=-5.0, warmup_t=3, warmup_lr_init=0.01),
    ),
    (
        "compat.timm.PolyLRScheduler",
        "timm_PolyLRScheduler",
        lambda j: j.compat.timm.PolyLRScheduler(
            0.1, 10, power=2.0, cycle_mul=1.5, cycle_limit=4, warmup_t=2, warmup_prefix=True
        ),
    ),
    (
        "compat.timm.StepLRScheduler",
        "timm_StepLRScheduler",
        lambda j: j.compat.timm.StepLRScheduler(0.1, 3, 0.5, warmup_t=2, noise_range_t=4),
    ),
    (
        "compat.timm.MultiStepLRScheduler",
        "timm_MultiStepLRScheduler",
        lambda j: j.compat.timm.MultiStepLRScheduler(
            0.1, [3, 6], 0.1, warmup_t=1, t_in_epochs=False
        ),
    ),
    (
        "compat.timm.WSDLRScheduler",
        "timm_WSDLRScheduler",
        lambda j: j.compat.timm.WSDLRScheduler(0.1, 20, 6, 1e-4, warmup_t=3, warmup_lr_init=0.01),
    ),
    (
        "compat.timm.WSDLRScheduler",
        "timm_WSDLRScheduler_rsqrt",
        lambda j: j.compat.timm.WSDLRScheduler(
            0.1,
            20,
            8,
            stable_fn="power",
            stable_timescale=2.5,
            stable_power=0.7,
            decay_fn="exp",
            decay_ratio=0.2,
            noise_range_t=[2, 15],
            updates_per_epoch=3,
        ),
    ),
]

FUNCTION_ENTRIES: list[tuple[str, str, Build]] = [
    ("from_fn", "from_fn", lambda j: j.from_fn(halve)),
    ("compat.torch.LambdaLR", "torch_LambdaLR", lambda j: j.compat.torch.LambdaLR(0.1, halve)),
    (
        "compat.torch.MultiplicativeLR",
        "torch_MultiplicativeLR",
        lambda j: j.compat.torch.MultiplicativeLR(0.1, halve, 50),
    ),
]
"""Constructors whose schedules hold a Python function: they pickle but do not parse or
serialise."""


class Case:
    """One table entry: ``case.build()`` makes the schedule (inside the test, so that a
    broken entry fails only its own tests)."""

    def __init__(self, name: str, case: str, build: Build) -> None:
        self.name, self.id, self._build = name, case, build

    def build(self) -> Schedule:
        s = self._build(J)
        assert s.name == self.name, f"case {self.id} builds {s.name}, not {self.name}"
        return s

    def __repr__(self) -> str:
        return self.id


def _cases(entries: list[tuple[str, str, Build]]) -> list[Case]:
    registry = kinds()
    return [Case(name, case, build) for name, case, build in entries if name in registry]


def cases() -> list[Case]:
    """The entries whose constructor is registered."""
    return _cases(ENTRIES)


def function_cases() -> list[Case]:
    return _cases(FUNCTION_ENTRIES)


def missing() -> list[str]:
    """Registered constructor names with no entry in the table (jaxlrs' own: a name a
    user registered with ``jaxlrs.define``, which records its origin, is not jaxlrs')."""
    covered = {name for name, _, _ in ENTRIES + FUNCTION_ENTRIES}
    own = {name for name, kind in kinds().items() if kind.origin is None}
    return sorted(own - covered)
