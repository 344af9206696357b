"""Issue 8 #9/#10: every public constructor, with extreme values in every numeric
hyperparameter, either raises ``ValueError``/``TypeError`` whose message starts with
``<name>(): <param>`` or builds a schedule whose values are finite at its boundaries, at
0, 1, 2**24 + 1 and 2**31 - 1 (evaluated through ``s(t)``, the packed eager path where the
hyperparameters arrive traced). Never another exception, never NaN/inf from accepted input.

The constructors and their parameters come from the registry (``jaxlrs._schedule.kinds()``)
and ``inspect.signature``: a new constructor without a baseline below fails
``test_every_constructor_has_a_baseline``.
"""

from __future__ import annotations

import inspect
import math
import os
import re
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jaxlrs as S
import jaxlrs.compat.keras as K
import jaxlrs.compat.mxnet as MX
import jaxlrs.compat.optax as O
import jaxlrs.compat.timm as TM
import jaxlrs.compat.torch as P
import jaxlrs.compat.transformers as H
from jaxlrs._schedule import Schedule, kinds

SLOW = bool(os.environ.get("JAXLRS_SLOW"))  # JAXLRS_SLOW=1: more values, more examples
EXTREMES = (1e-45, 1e-39, 1e-38, 3e38, 1e39, 10**400, 2**31, 2**63, 2**64, math.nan, math.inf)
EXTREMES += (-0.0,)
MORE = (-1e-45, -1e39, -(2**63), 0, 1, 0.5, 2, 2.0**-92, 2.0**127 - 2.0**103, 1.1754944e-38)
SWEEP = EXTREMES + MORE if SLOW else EXTREMES

C = S.constant(1.0)


def _half(t: Any) -> Any:
    return jnp.full(jnp.shape(t), 0.5, jnp.float32)


LIN = S.linear(1.0, 0.0, 10)

# kind name -> (constructor, baseline keyword arguments: valid, with every numeric
# parameter given explicitly). Parameters taking a schedule keep it (their numbers are
# checked by that schedule's own constructor).
BASE: dict[str, tuple[Any, dict[str, Any]]] = {
    "constant": (S.constant, dict(value=0.5)),
    "linear": (S.linear, dict(init=1.0, end=0.1, steps=100)),
    "polynomial": (S.polynomial, dict(init=1.0, end=0.1, steps=100, power=2.0)),
    "cosine": (S.cosine, dict(init=1.0, steps=100, end=0.1, exponent=1.0, k=1.0)),
    "exponential": (S.exponential, dict(init=1.0, rate=0.5, steps=10, end=0.01)),
    "inverse_time": (S.inverse_time, dict(init=1.0, rate=0.5, steps=10)),
    "step_decay": (S.step_decay, dict(init=1.0, every=10, factor=0.5)),
    "multistep": (S.multistep, dict(init=1.0, milestones=[10, 20], factor=0.5)),
    "piecewise_constant": (S.piecewise_constant, dict(boundaries=[10, 20], values=[1, 0.5, 0.1])),
    "piecewise_linear": (S.piecewise_linear, dict(boundaries=[0, 10, 30], values=[0, 1.0, 0.1])),
    "triangular": (S.triangular, dict(low=0.1, high=1.0, steps=100, inc_fraction=0.25)),
    "tanh_decay": (S.tanh_decay, dict(init=1.0, steps=100, end=0.1, lower=-7.0, upper=3.0)),
    "rex": (S.rex, dict(init=1.0, steps=100, end=0.1)),
    "inverse_sqrt": (S.inverse_sqrt, dict(peak=1.0, warmup=10, timescale=20.0)),
    "noam": (S.noam, dict(d_model=512, warmup=100, scale=1.0)),
    "rsqrt": (S.rsqrt, dict(init=1.0, plateau=100)),
    "slanted_triangular": (S.slanted_triangular, dict(peak=1.0, steps=100, cut_frac=0.1, ratio=32)),
    "join": (S.join, dict(schedules=[LIN, C], boundaries=[10])),
    "warmup": (S.warmup, dict(schedule=C, steps=10, init=0.1, shape="exponential")),
    "cooldown": (S.cooldown, dict(schedule=C, start=80, steps=20, end=0.1, shape="exponential")),
    "cycle": (S.cycle, dict(schedule=LIN, period=10, period_mult=2, decay=0.5, limit=4)),
    "shift": (S.shift, dict(schedule=LIN, steps=5)),
    "rehorizon": (S.rehorizon, dict(schedule=C, at=40, steps=300, horizon=100)),
    "splice": (S.splice, dict(old=C, new=LIN, at=50, restart=True)),
    "tokens": (S.tokens, dict(batch_sizes=[[4, 16], 32], boundaries=[10], seq_len=8)),
    "examples": (S.examples, dict(batch_sizes=[16, 32, 8], boundaries=[10, 2**31 - 2])),
    "epochs": (S.epochs, dict(steps_per_epoch=10)),
    "on_clock": (S.on_clock, dict(schedule=LIN, clock=S.examples([2, 3], [4]))),
    "stretch": (S.stretch, dict(schedule=LIN, factor=3)),
    "scale": (S.scale, dict(schedule=LIN, factor=0.5)),
    "clip": (S.clip, dict(schedule=LIN, low=0.2, high=0.8)),
    "minimum": (S.minimum, dict(schedules=[LIN, 0.5])),
    "maximum": (S.maximum, dict(schedules=[LIN, 0.5])),
    "arithmetic": (S._combinators.arithmetic, dict(op="*", left=LIN, right=2.0)),
    "noise": (S.noise, dict(schedule=LIN, key=3, pct=0.5, start=2, stop=50)),
    "sgdr": (S.sgdr, dict(peak=1.0, period=10, period_mult=2, decay=0.5, end=0.1, warmup=5)),
    "warmup_cosine": (S.warmup_cosine, dict(peak=1.0, warmup=10, steps=100, init=0.1, end=0.01)),
    "warmup_constant": (S.warmup_constant, dict(peak=1.0, warmup=10, steps=100, init=0.1)),
    "warmup_linear": (S.warmup_linear, dict(peak=1.0, warmup=10, steps=100, init=0.1, end=0.01)),
    "warmup_polynomial": (
        S.warmup_polynomial,
        dict(peak=1.0, warmup=10, steps=100, init=0.1, end=0.01, power=2.0),
    ),
    "warmup_exponential": (
        S.warmup_exponential,
        dict(peak=1.0, warmup=10, steps=100, init=0.1, end=0.01, rate=0.01),
    ),
    "warmup_inverse_sqrt": (
        S.warmup_inverse_sqrt,
        dict(peak=1.0, warmup=10, steps=100, init=0.1, end=0.01, timescale=20.0),
    ),
    "cyclic": (S.cyclic, dict(low=0.1, high=1.0, period=20, gamma=0.9, inc_fraction=0.25)),
    "one_cycle": (
        S.one_cycle,
        dict(peak=1.0, steps=100, pct_start=0.3, div_factor=25.0, final_div_factor=1e4),
    ),
    "wsd": (S.wsd, dict(peak=1.0, warmup=10, steps=100, decay_steps=20, end=0.01)),
    "lr_range": (S.lr_range, dict(low=1e-6, high=1.0, steps=100)),
    "compat.torch.StepLR": (P.StepLR, dict(base_lr=0.1, step_size=10, gamma=0.5)),
    "compat.torch.MultiStepLR": (P.MultiStepLR, dict(base_lr=0.1, milestones=[5, 9], gamma=0.5)),
    "compat.torch.ConstantLR": (P.ConstantLR, dict(base_lr=0.1, factor=0.5, total_iters=4)),
    "compat.torch.LinearLR": (
        P.LinearLR,
        dict(base_lr=0.1, start_factor=0.5, end_factor=1.0, total_iters=4),
    ),
    "compat.torch.ExponentialLR": (P.ExponentialLR, dict(base_lr=0.1, gamma=0.9)),
    "compat.torch.PolynomialLR": (P.PolynomialLR, dict(base_lr=0.1, total_iters=5, power=0.9)),
    "compat.torch.CosineAnnealingLR": (
        P.CosineAnnealingLR,
        dict(base_lr=0.1, T_max=10, eta_min=0.01),
    ),
    "compat.torch.CosineAnnealingWarmRestarts": (
        P.CosineAnnealingWarmRestarts,
        dict(base_lr=0.1, T_0=10, T_mult=2, eta_min=0.01),
    ),
    "compat.torch.CyclicLR": (
        P.CyclicLR,
        dict(
            base_lr=0.1, max_lr=1.0, step_size_up=4, step_size_down=6, gamma=0.9, mode="exp_range"
        ),
    ),
    "compat.torch.CyclicMomentum": (
        P.CyclicMomentum,
        dict(
            base_lr=0.1,
            max_lr=1.0,
            step_size_up=4,
            step_size_down=6,
            base_momentum=0.8,
            max_momentum=0.9,
        ),
    ),
    "compat.torch.OneCycleLR": (
        P.OneCycleLR,
        dict(max_lr=1.0, total_steps=100, pct_start=0.3, div_factor=25.0, final_div_factor=1e4),
    ),
    "compat.torch.OneCycleMomentum": (
        P.OneCycleMomentum,
        dict(max_lr=1.0, epochs=3, steps_per_epoch=10, base_momentum=0.85, max_momentum=0.95),
    ),
    "compat.torch.LambdaLR": (P.LambdaLR, dict(base_lr=0.1, lr_lambda=_half)),
    "compat.torch.MultiplicativeLR": (
        P.MultiplicativeLR,
        dict(base_lr=0.1, lr_lambda=_half, horizon=50),
    ),
    "compat.torch.SequentialLR": (
        P.SequentialLR,
        dict(schedulers=[P.LinearLR(0.1), P.ExponentialLR(0.1, 0.9)], milestones=[5]),
    ),
    "compat.torch.ChainedScheduler": (
        P.ChainedScheduler,
        dict(schedulers=[P.ConstantLR(0.1), P.ExponentialLR(0.1, 0.9)]),
    ),
    "compat.keras.ExponentialDecay": (
        K.ExponentialDecay,
        dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5),
    ),
    "compat.keras.InverseTimeDecay": (
        K.InverseTimeDecay,
        dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5),
    ),
    "compat.keras.PiecewiseConstantDecay": (
        K.PiecewiseConstantDecay,
        dict(boundaries=[10, 20], values=[1.0, 0.5, 0.1]),
    ),
    "compat.keras.PolynomialDecay": (
        K.PolynomialDecay,
        dict(initial_learning_rate=0.1, decay_steps=10, end_learning_rate=1e-4, power=2.0),
    ),
    "compat.keras.CosineDecay": (
        K.CosineDecay,
        dict(
            initial_learning_rate=0.01,
            decay_steps=100,
            alpha=0.1,
            warmup_target=0.1,
            warmup_steps=10,
        ),
    ),
    "compat.keras.CosineDecayRestarts": (
        K.CosineDecayRestarts,
        dict(initial_learning_rate=0.1, first_decay_steps=10, t_mul=2.0, m_mul=0.5, alpha=0.1),
    ),
    "compat.keras.LegacyDecay": (K.LegacyDecay, dict(learning_rate=0.1, decay=0.01)),
    "compat.mxnet.FactorScheduler": (
        MX.FactorScheduler,
        dict(
            step=10,
            factor=0.5,
            stop_factor_lr=1e-4,
            base_lr=0.1,
            warmup_steps=5,
            warmup_begin_lr=0.01,
        ),
    ),
    "compat.mxnet.MultiFactorScheduler": (
        MX.MultiFactorScheduler,
        dict(step=[10, 20], factor=0.5, base_lr=0.1, warmup_steps=5, warmup_begin_lr=0.01),
    ),
    "compat.mxnet.PolyScheduler": (
        MX.PolyScheduler,
        dict(
            max_update=100,
            base_lr=0.1,
            pwr=2.0,
            final_lr=1e-4,
            warmup_steps=10,
            warmup_begin_lr=0.01,
        ),
    ),
    "compat.mxnet.CosineScheduler": (
        MX.CosineScheduler,
        dict(max_update=100, base_lr=0.1, final_lr=1e-4, warmup_steps=10, warmup_begin_lr=0.01),
    ),
    "compat.timm.CosineLRScheduler": (
        TM.CosineLRScheduler,
        dict(
            base_lr=0.1,
            t_initial=20,
            lr_min=1e-4,
            cycle_mul=2.0,
            cycle_decay=0.5,
            cycle_limit=3,
            warmup_t=5,
            warmup_lr_init=0.01,
            noise_range_t=[3, 40],
            noise_pct=0.5,
            noise_std=0.5,
            k_decay=2.0,
        ),
    ),
    "compat.timm.TanhLRScheduler": (
        TM.TanhLRScheduler,
        dict(base_lr=0.1, t_initial=20, lb=-5.0, ub=2.0, lr_min=1e-4, cycle_decay=0.5, warmup_t=5),
    ),
    "compat.timm.PolyLRScheduler": (
        TM.PolyLRScheduler,
        dict(base_lr=0.1, t_initial=20, power=2.0, lr_min=1e-4, cycle_mul=1.5, k_decay=0.5),
    ),
    "compat.timm.StepLRScheduler": (
        TM.StepLRScheduler,
        dict(base_lr=0.1, decay_t=7, decay_rate=0.5, warmup_t=3, noise_range_t=10),
    ),
    "compat.timm.MultiStepLRScheduler": (
        TM.MultiStepLRScheduler,
        dict(base_lr=0.1, decay_t=[5, 9], decay_rate=0.5, warmup_t=3, updates_per_epoch=4),
    ),
    "compat.timm.WSDLRScheduler": (
        TM.WSDLRScheduler,
        dict(
            base_lr=0.1,
            t_initial=50,
            decay_t=20,
            lr_min=1e-4,
            stable_fn="power",
            stable_timescale=4.0,
            stable_power=0.7,
            decay_fn="exp",
            decay_power=2.0,
            decay_ratio=0.2,
            warmup_t=5,
            warmup_lr_init=0.01,
            noise_range_t=[3, 40],
            noise_pct=0.5,
            noise_std=0.5,
            noise_seed=7,
        ),
    ),
    "compat.transformers.get_constant_schedule": (H.get_constant_schedule, dict(peak=0.1)),
    "compat.transformers.get_constant_schedule_with_warmup": (
        H.get_constant_schedule_with_warmup,
        dict(peak=0.1, num_warmup_steps=10),
    ),
    "compat.transformers.get_linear_schedule_with_warmup": (
        H.get_linear_schedule_with_warmup,
        dict(peak=0.1, num_warmup_steps=10, num_training_steps=100),
    ),
    "compat.transformers.get_polynomial_decay_schedule_with_warmup": (
        H.get_polynomial_decay_schedule_with_warmup,
        dict(peak=0.1, num_warmup_steps=10, num_training_steps=100, lr_end=1e-7, power=2.0),
    ),
    "compat.transformers.get_cosine_schedule_with_warmup": (
        H.get_cosine_schedule_with_warmup,
        dict(peak=0.1, num_warmup_steps=10, num_training_steps=100, num_cycles=0.5),
    ),
    "compat.transformers.get_cosine_with_min_lr_schedule_with_warmup": (
        H.get_cosine_with_min_lr_schedule_with_warmup,
        dict(peak=0.1, num_warmup_steps=10, num_training_steps=100, num_cycles=0.5, min_lr=1e-3),
    ),
    "compat.transformers.get_cosine_with_min_lr_schedule_with_warmup_lr_rate": (
        H.get_cosine_with_min_lr_schedule_with_warmup_lr_rate,
        dict(
            peak=0.1,
            num_warmup_steps=10,
            num_training_steps=100,
            num_cycles=0.7,
            min_lr=1e-3,
            warmup_lr_rate=0.1,
        ),
    ),
    "compat.transformers.get_cosine_with_hard_restarts_schedule_with_warmup": (
        H.get_cosine_with_hard_restarts_schedule_with_warmup,
        dict(peak=0.1, num_warmup_steps=10, num_training_steps=100, num_cycles=2),
    ),
    "compat.transformers.get_inverse_sqrt_schedule": (
        H.get_inverse_sqrt_schedule,
        dict(peak=0.1, num_warmup_steps=10, timescale=20),
    ),
    "compat.transformers.get_wsd_schedule": (
        H.get_wsd_schedule,
        dict(
            peak=0.1,
            num_warmup_steps=10,
            num_decay_steps=20,
            num_training_steps=100,
            min_lr_ratio=0.1,
        ),
    ),
    "compat.optax.constant_schedule": (O.constant_schedule, dict(value=0.1)),
    "compat.optax.linear_schedule": (
        O.linear_schedule,
        dict(init_value=1.0, end_value=0.1, transition_steps=100, transition_begin=10),
    ),
    "compat.optax.polynomial_schedule": (
        O.polynomial_schedule,
        dict(init_value=1.0, end_value=0.1, power=2.0, transition_steps=100, transition_begin=10),
    ),
    "compat.optax.cosine_decay_schedule": (
        O.cosine_decay_schedule,
        dict(init_value=1.0, decay_steps=100, alpha=0.1, exponent=2.0),
    ),
    "compat.optax.exponential_decay": (
        O.exponential_decay,
        dict(
            init_value=1.0, transition_steps=10, decay_rate=0.5, transition_begin=5, end_value=0.01
        ),
    ),
    "compat.optax.piecewise_constant_schedule": (
        O.piecewise_constant_schedule,
        dict(init_value=1.0, boundaries_and_scales=[[10, 20], [0.5, 0.1]]),
    ),
    "compat.optax.piecewise_interpolate_schedule": (
        O.piecewise_interpolate_schedule,
        dict(
            interpolate_type="cosine", init_value=1.0, boundaries_and_scales=[[10, 20], [0.5, 0.1]]
        ),
    ),
    "compat.optax.join_schedules": (O.join_schedules, dict(schedules=[C, LIN], boundaries=[10])),
    "compat.optax.warmup_constant_schedule": (
        O.warmup_constant_schedule,
        dict(init_value=0.0, peak_value=1.0, warmup_steps=10),
    ),
    "compat.optax.warmup_cosine_decay_schedule": (
        O.warmup_cosine_decay_schedule,
        dict(
            init_value=0.0,
            peak_value=1.0,
            warmup_steps=10,
            decay_steps=100,
            end_value=0.01,
            exponent=1.0,
        ),
    ),
    "compat.optax.warmup_exponential_decay_schedule": (
        O.warmup_exponential_decay_schedule,
        dict(
            init_value=0.0,
            peak_value=1.0,
            warmup_steps=10,
            transition_steps=10,
            decay_rate=0.5,
            transition_begin=5,
            end_value=0.01,
        ),
    ),
    "compat.optax.sgdr_schedule": (
        O.sgdr_schedule,
        dict(cosine_kwargs=[[0.0, 0.1], [1.0, 0.5], [2, 0], [10, 20], [0.0, 0.01], [1.0, 2.0]]),
    ),
}
EXEMPT = {"from_fn"}  # takes only a callable


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _slots(kw: dict[str, Any]) -> list[tuple[str, int | None]]:
    """The numeric slots of a baseline: (parameter, None) for a number, (parameter, i) for
    the i-th number of a list."""
    out: list[tuple[str, int | None]] = []
    for name, v in kw.items():
        if _is_number(v):
            out.append((name, None))
        elif isinstance(v, list):
            out += [(name, i) for i, x in enumerate(v) if _is_number(x)]
    return out


def _substitute(kw: dict[str, Any], slot: tuple[str, int | None], x: Any) -> dict[str, Any]:
    name, i = slot
    kw = dict(kw)
    if i is None:
        kw[name] = x
    else:
        kw[name] = [x if j == i else y for j, y in enumerate(kw[name])]
    return kw


def _call(make: Any, kw: dict[str, Any]) -> Schedule:
    if make in (S.minimum, S.maximum):
        return make(*kw["schedules"])
    return make(**kw)


def _steps(kw: dict[str, Any]) -> np.ndarray:
    """0, 1, each integer hyperparameter (a boundary) and its neighbours, 2**24 + 1 and
    2**31 - 1, as int32."""
    ts = {0, 1, 2**24 + 1, 2**31 - 1}
    for v in kw.values():
        vs = v if isinstance(v, list) else [v]
        for x in vs:
            if isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 2**31:
                ts |= {x - 1, x, x + 1}
            elif isinstance(x, float) and math.isfinite(x) and 0 <= x < 2**31:
                ts |= {int(x), int(x) + 1}
    out = sorted(t for t in ts if 0 <= t < 2**31)[:48]
    # One shape (padded with step 0) so that each structure compiles once, not per length.
    return np.array(out + [0] * (48 - len(out)), np.int32)


def _message_names(fn: str, params: set[str], e: Exception) -> bool:
    """``<fn>(): <param>`` with ``fn`` the constructor's public name (as its registry name
    ends) and ``param`` one of its parameters (possibly indexed, ``values[1]``, or an
    expression of them, ``high / low``; ``argument 1`` for ``*schedules``)."""
    m = re.match(r"^([\w.]+)\(\): (\w+)", str(e))
    return bool(m) and fn.endswith(m.group(1)) and m.group(2) in params | {"argument"}


def _beyond_float32(s: Schedule, steps: np.ndarray) -> np.ndarray:
    """Whether the float64 value at each step exceeds float32's largest (or is itself
    infinite): where float32 may rightly round to inf."""
    with jax.enable_x64(True):
        wide = np.asarray(s(steps.astype(np.int64)), np.float64)
    return ~(np.abs(wide) <= np.finfo(np.float32).max)


def check_one(name: str, kw: dict[str, Any]) -> str | None:
    """None if ``kind(**kw)`` is rejected properly or evaluates finitely; else a
    description of what went wrong. A value may be +-inf only where the schedule's value
    itself passes float32's largest (an unbounded growth such as ``step_decay(1.0, 10, 2.0)``
    at step 2**31 - 1: float32 rounds it to inf); NaN never."""
    make, _ = BASE[name]
    params = set(inspect.signature(make).parameters)
    try:
        s = _call(make, kw)
    except (ValueError, TypeError) as e:
        return None if _message_names(name, params, e) else f"badly worded: {e!r}"
    except Exception as e:
        return f"raised {type(e).__name__}: {e}"
    steps = _steps(kw)
    try:
        values = np.asarray(s(steps))
    except Exception as e:
        return f"accepted but failed when called: {type(e).__name__}: {e}"
    bad = np.isnan(values)
    if np.isinf(values).any():
        bad |= np.isinf(values) & ~_beyond_float32(s, steps)
    if bad.any():
        return f"accepted but not finite at steps {steps[bad][:5].tolist()}: {values[bad][:5]}"
    return None


def test_every_constructor_has_a_baseline():
    own = {name for name, kind in kinds().items() if kind.origin is None}  # not define()'s
    assert own - EXEMPT - set(BASE) == set()
    for name, (make, kw) in BASE.items():
        assert set(kw) <= set(inspect.signature(make).parameters), name


@pytest.mark.parametrize("name", sorted(BASE))
def test_the_baseline_evaluates(name):
    assert check_one(name, BASE[name][1]) is None


@pytest.mark.parametrize("name", sorted(BASE))
def test_one_extreme_at_a_time(name):
    """Each numeric slot in turn takes each extreme value (the others at the baseline)."""
    _, kw = BASE[name]
    failures = []
    for slot in _slots(kw):
        for x in SWEEP:
            problem = check_one(name, _substitute(kw, slot, x))
            if problem:
                failures.append(
                    f"{name} {slot[0]}{'' if slot[1] is None else [slot[1]]}={x!r}: {problem}"
                )
    assert not failures, "\n".join(failures)


@settings(
    max_examples=300 if SLOW else 40,
    derandomize=not SLOW,  # the default run is the same every time; JAXLRS_SLOW explores
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_extremes_combined(data):
    """Several slots at once take extreme values (combinations that are representable alone
    but overflow or cancel together: ratios, products, powers)."""
    name = data.draw(st.sampled_from(sorted(BASE)))
    _, kw = BASE[name]
    slots = _slots(kw)
    chosen = (
        data.draw(st.lists(st.sampled_from(slots), min_size=1, max_size=3, unique=True))
        if slots
        else []
    )
    values = st.sampled_from(EXTREMES + MORE) | st.floats(-1e39, 1e39, allow_nan=False, width=64)
    values |= st.integers(0, 2**64)
    for slot in chosen:
        kw = _substitute(kw, slot, data.draw(values))
    problem = check_one(name, kw)
    assert problem is None, f"{name}({kw}): {problem}"


def test_noam_with_a_scale_that_d_model_alone_would_overflow():
    """``scale / sqrt(d_model)`` may pass float32's range where the value does not: the
    step's factor meets ``d_model`` first (eager, and closed over by a jit, where XLA
    would otherwise fold the two constants into one that overflows)."""
    s = S.noam(1e-26, 1, scale=1e26)
    t = np.array([0, 3, 2**20, 2**24 - 1, 2**24, 2**31 - 1], np.int32)
    want = 1e26 / np.sqrt(1e-26) * np.minimum((t + 1.0) ** -0.5, t + 1.0)
    held = want < float(np.finfo(np.float32).max)
    for got in (s(t), jax.jit(lambda x: s(x))(t)):
        got = np.asarray(got, np.float64)
        np.testing.assert_allclose(got[held], want[held], rtol=2e-6)
        assert np.all(np.isinf(got[~held]))
