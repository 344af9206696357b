"""PyTorch-compatible schedules: ``torch.optim.lr_scheduler`` classes as jaxlrs schedules.

Each constructor takes PyTorch's arguments with the optimizer replaced by ``base_lr`` (the
optimizer's initial learning rate; ``CyclicLR`` and ``OneCycleLR`` take their own rates, as
PyTorch does) and returns an ordinary :class:`jaxlrs.Schedule` whose value at step ``k``
is the learning rate PyTorch's optimizer uses on its ``k``-th update (0-based: the value
``scheduler.get_last_lr()`` shows before the ``k``-th ``scheduler.step()``), to 1e-6
relative. The repr reads like the PyTorch call, ``compat.torch.StepLR(0.1, 30)``.

Conventions that differ from jaxlrs's native schedules:

* ``CosineAnnealingLR`` is periodic: past ``T_max`` it rises back to ``base_lr`` at
  ``2 * T_max`` (PyTorch's recursive update does this); native ``cosine`` holds its end.
* ``SequentialLR`` children restart from their base rate at each milestone (as
  ``jaxlrs.join``); ``ChainedScheduler`` multiplies its children's factors.
* ``OneCycleLR`` raises in PyTorch when stepped past ``total_steps``; jaxlrs holds the
  final value (``max_lr / div_factor / final_div_factor``) from step ``total_steps - 1``.
* ``ReduceLROnPlateau`` is the one constructor that returns a controller, not a schedule
  (its rate follows the metric each update reports): use it through
  ``jaxlrs.optax.inject`` with ``tx.update(..., value=loss)``.
* PyTorch's stateful schedulers compute most rates recursively (``lr *= ratio`` each
  step); jaxlrs evaluates the closed form at any step, with integer step arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from .. import _check as check
from .. import _time
from .._combinators import from_fn, scale
from .._curves import half_cos_pair
from .._primitives import (
    exponential,
    linear,
    multistep,
    piecewise_constant,
    polynomial,
    step_decay,
)
from .._recipes import sgdr
from .._schedule import Schedule, expands, register
from .._time import Time, value
from ._torch_chain import ChainedScheduler as ChainedScheduler
from ._torch_chain import SequentialLR as SequentialLR
from ._torch_cycles import _P
from ._torch_cycles import CyclicLR as CyclicLR
from ._torch_cycles import CyclicMomentum as CyclicMomentum
from ._torch_cycles import OneCycleLR as OneCycleLR
from ._torch_cycles import OneCycleMomentum as OneCycleMomentum
from ._torch_multiplicative import MultiplicativeLR as MultiplicativeLR
from ._torch_plateau import ReduceLROnPlateau as ReduceLROnPlateau

Array = jax.Array

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "CyclicMomentum",
    "ExponentialLR",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "OneCycleMomentum",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]


def _base_lr(fn: str, base_lr: Any) -> Any:
    return check.real(fn, "base_lr", base_lr, low=0.0)


# -- LambdaLR ------------------------------------------------------------------------------


def _lambda_lr(base_lr: Any, lr_lambda: Callable[[Array], Any]) -> Schedule:
    return scale(from_fn(lr_lambda), base_lr)


@register(expands(_lambda_lr), name=_P + "LambdaLR")
def LambdaLR(base_lr: float, lr_lambda: Callable[[Array], Any]) -> Schedule:
    """``torch.optim.lr_scheduler.LambdaLR``: ``base_lr`` times a function of the step.

    ``lr(t) = base_lr * lr_lambda(t)``

    ``lr_lambda`` receives the step as an integer array (clamped at 0) and must be
    elementwise and traceable by JAX (``jnp`` operations, no Python ``if`` on the step).
    Like ``jaxlrs.from_fn``, the repr names the function and ``parse`` cannot rebuild it;
    two schedules are equal when they wrap the same function object.

    Args:
        base_lr: the optimizer's initial learning rate.
        lr_lambda: the multiplicative factor as a function of the step.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> s = lrs.LambdaLR(0.5, lambda t: 1 / (1 + t))
        >>> s([0, 1, 3]).tolist()
        [0.5, 0.25, 0.125]
    """
    fn = "LambdaLR"
    if not callable(lr_lambda) or isinstance(lr_lambda, Schedule):
        check._fail(fn, "lr_lambda", "a function of the step", lr_lambda, TypeError)
    return Schedule(_P + fn, {"base_lr": _base_lr(fn, base_lr), "lr_lambda": lr_lambda})


# -- StepLR / MultiStepLR ------------------------------------------------------------------


def _step_lr(base_lr: Any, step_size: Any, gamma: Any) -> Schedule:
    return step_decay(base_lr, step_size, gamma)


@register(expands(_step_lr), name=_P + "StepLR")
def StepLR(base_lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """``torch.optim.lr_scheduler.StepLR``: decay by ``gamma`` every ``step_size`` steps.

    ``lr(t) = base_lr * gamma ** floor(t / step_size)`` (native: ``jaxlrs.step_decay``)

    Args:
        base_lr: the optimizer's initial learning rate.
        step_size: steps between decays, a positive integer.
        gamma: multiplicative factor, positive.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> lrs.StepLR(1.0, 3, gamma=0.5)([0, 2, 3, 6]).tolist()
        [1.0, 1.0, 0.5, 0.25]
    """
    fn = "StepLR"
    return Schedule(
        _P + fn,
        {
            "base_lr": _base_lr(fn, base_lr),
            "step_size": check.integer(fn, "step_size", step_size),
            "gamma": check.positive(fn, "gamma", gamma),
        },
    )


def _multistep_lr(base_lr: Any, milestones: Any, gamma: Any) -> Schedule:
    return multistep(base_lr, milestones, gamma)


@register(expands(_multistep_lr), name=_P + "MultiStepLR")
def MultiStepLR(base_lr: float, milestones: list[int], gamma: float = 0.1) -> Schedule:
    """``torch.optim.lr_scheduler.MultiStepLR``: decay by ``gamma`` at each milestone.

    ``lr(t) = base_lr * gamma ** #{m in milestones : m <= t}`` (native:
    ``jaxlrs.multistep``)

    The switch happens at ``t == m``; a repeated milestone decays twice, and milestones in
    any order are sorted, as PyTorch's ``Counter`` of milestones does.

    Args:
        base_lr: the optimizer's initial learning rate.
        milestones: non-negative integer steps.
        gamma: multiplicative factor, positive.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> lrs.MultiStepLR(1.0, [2, 4], gamma=0.5)([0, 2, 3, 4]).tolist()
        [1.0, 0.5, 0.5, 0.25]
    """
    fn = "MultiStepLR"
    ms = check.sequence(fn, "milestones", milestones)
    if not check.is_traced(ms):
        ms = tuple(check.integer(fn, f"milestones[{i}]", m, minimum=0) for i, m in enumerate(ms))
        if not any(check.is_traced(m) for m in ms):
            ms = tuple(sorted(ms))
    return Schedule(
        _P + fn,
        {
            "base_lr": _base_lr(fn, base_lr),
            "milestones": check.integers(fn, "milestones", ms, strict=False),
            "gamma": check.positive(fn, "gamma", gamma),
        },
    )


# -- ConstantLR / LinearLR / ExponentialLR / PolynomialLR ----------------------------------


def _constant_lr(base_lr: Any, factor: Any, total_iters: Any) -> Schedule:
    return piecewise_constant([total_iters], [base_lr * factor, base_lr])


@register(expands(_constant_lr), name=_P + "ConstantLR")
def ConstantLR(base_lr: float, factor: float = 1.0 / 3, total_iters: int = 5) -> Schedule:
    """``torch.optim.lr_scheduler.ConstantLR``: ``base_lr * factor`` for ``total_iters``
    steps, then ``base_lr``.

    ``lr(t) = base_lr * factor`` for ``t < total_iters``, else ``base_lr``

    Args:
        base_lr: the optimizer's initial learning rate.
        factor: multiplier during the first steps, in (0, 1] (PyTorch divides by it).
        total_iters: steps at the reduced rate, a positive integer.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> lrs.ConstantLR(1.0, factor=0.5, total_iters=2)([0, 1, 2, 9]).tolist()
        [0.5, 0.5, 1.0, 1.0]
    """
    fn = "ConstantLR"
    return Schedule(
        _P + fn,
        {
            "base_lr": _base_lr(fn, base_lr),
            "factor": check.real(fn, "factor", factor, low=0.0, high=1.0, low_open=True),
            "total_iters": check.integer(fn, "total_iters", total_iters),
        },
    )


def _linear_lr(base_lr: Any, start_factor: Any, end_factor: Any, total_iters: Any) -> Schedule:
    return linear(base_lr * start_factor, base_lr * end_factor, total_iters)


@register(expands(_linear_lr), name=_P + "LinearLR")
def LinearLR(
    base_lr: float, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5
) -> Schedule:
    """``torch.optim.lr_scheduler.LinearLR``: a linear change of the factor, then hold.

    ``lr(t) = base_lr * (s + (e - s) * min(t, total_iters) / total_iters)`` (native:
    ``jaxlrs.linear``)

    Args:
        base_lr: the optimizer's initial learning rate.
        start_factor: factor at step 0, in (0, 1].
        end_factor: factor from ``total_iters`` on, in [0, 1].
        total_iters: length of the ramp, a positive integer.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> lrs.LinearLR(1.0, 0.5, 1.0, total_iters=4)([0, 2, 4, 8]).tolist()
        [0.5, 0.75, 1.0, 1.0]
    """
    fn = "LinearLR"
    return Schedule(
        _P + fn,
        {
            "base_lr": _base_lr(fn, base_lr),
            "start_factor": check.real(
                fn, "start_factor", start_factor, low=0.0, high=1.0, low_open=True
            ),
            "end_factor": check.real(fn, "end_factor", end_factor, low=0.0, high=1.0),
            "total_iters": check.integer(fn, "total_iters", total_iters),
        },
    )


def _exponential_lr(base_lr: Any, gamma: Any) -> Schedule:
    return exponential(base_lr, gamma)


@register(expands(_exponential_lr), name=_P + "ExponentialLR")
def ExponentialLR(base_lr: float, gamma: float) -> Schedule:
    """``torch.optim.lr_scheduler.ExponentialLR``: decay by ``gamma`` every step.

    ``lr(t) = base_lr * gamma ** t`` (native: ``jaxlrs.exponential``)

    Args:
        base_lr: the optimizer's initial learning rate.
        gamma: multiplicative factor per step, positive.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> lrs.ExponentialLR(1.0, 0.5)([0, 1, 3]).tolist()
        [1.0, 0.5, 0.125]
    """
    fn = "ExponentialLR"
    return Schedule(
        _P + fn, {"base_lr": _base_lr(fn, base_lr), "gamma": check.positive(fn, "gamma", gamma)}
    )


def _polynomial_lr(base_lr: Any, total_iters: Any, power: Any) -> Schedule:
    return polynomial(base_lr, 0.0, total_iters, power)


@register(expands(_polynomial_lr), name=_P + "PolynomialLR")
def PolynomialLR(base_lr: float, total_iters: int = 5, power: float = 1.0) -> Schedule:
    """``torch.optim.lr_scheduler.PolynomialLR``: polynomial decay to 0, then 0.

    ``lr(t) = base_lr * (1 - min(t, total_iters) / total_iters) ** power`` (native:
    ``jaxlrs.polynomial``)

    Args:
        base_lr: the optimizer's initial learning rate.
        total_iters: length of the decay, a positive integer.
        power: exponent, positive.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> lrs.PolynomialLR(1.0, total_iters=4, power=2.0)([0, 2, 4, 8]).tolist()
        [1.0, 0.25, 0.0, 0.0]
    """
    fn = "PolynomialLR"
    return Schedule(
        _P + fn,
        {
            "base_lr": _base_lr(fn, base_lr),
            "total_iters": check.integer(fn, "total_iters", total_iters),
            "power": check.positive(fn, "power", power),
        },
    )


# -- cosine --------------------------------------------------------------------------------


def _cosine_annealing_lr(time: Time, base_lr: Any, T_max: Any, eta_min: Any) -> Array:
    # Half-period k and the position inside it, exact in integers (``2 * T_max`` would wrap
    # at the top of the index range); both weights from one sin, each accurate near 0, so
    # the low end keeps its relative precision whichever of base_lr and eta_min is lower.
    half = _time.count(T_max)
    k = _time.floordiv(time, half)
    if time.exact and _time.is_int(half):
        local = _time.minus(time, k * half)
    else:
        h = half.astype(_time.float_dtype())
        local = Time(jnp.clip(_time.to_float(time) - k * h, 0, h))
    done, left = _time.ramp(local, half)
    h_done, h_left = half_cos_pair(done, left)
    odd = (k % 2) == 1
    w_base = jnp.where(odd, h_done, h_left)
    w_eta = jnp.where(odd, h_left, h_done)
    return value(base_lr) * w_base + value(eta_min) * w_eta


@register(_cosine_annealing_lr, name=_P + "CosineAnnealingLR")
def CosineAnnealingLR(base_lr: float, T_max: int, eta_min: float = 0.0) -> Schedule:
    """``torch.optim.lr_scheduler.CosineAnnealingLR``: cosine annealing, **periodic**.

    ``lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2`` for every
    ``t``: down to ``eta_min`` at ``T_max``, back up to ``base_lr`` at ``2 * T_max``, and so
    on, as PyTorch's recursive update does when stepped past ``T_max``. (Native
    ``jaxlrs.cosine`` holds ``end`` after its ``steps``; ``sgdr`` restarts.)

    The half-period index and the position inside it are exact integers at any step
    (``T_max`` up to ``2**31 - 1``), and the value keeps its relative precision near
    whichever of ``base_lr`` and ``eta_min`` is lower.

    Args:
        base_lr: the optimizer's initial learning rate.
        T_max: half-period, a positive integer.
        eta_min: the minimum.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> s = lrs.CosineAnnealingLR(1.0, 10)
        >>> [round(v, 6) for v in s([0, 5, 10, 15, 20]).tolist()]
        [1.0, 0.5, 0.0, 0.5, 1.0]
    """
    fn = "CosineAnnealingLR"
    return Schedule(
        _P + fn,
        {
            "base_lr": _base_lr(fn, base_lr),
            "T_max": check.integer(fn, "T_max", T_max),
            "eta_min": check.real(fn, "eta_min", eta_min),
        },
    )


def _warm_restarts(base_lr: Any, T_0: Any, T_mult: Any, eta_min: Any) -> Schedule:
    return sgdr(base_lr, T_0, period_mult=T_mult, end=eta_min)


@register(expands(_warm_restarts), name=_P + "CosineAnnealingWarmRestarts")
def CosineAnnealingWarmRestarts(
    base_lr: float, T_0: int, T_mult: int = 1, eta_min: float = 0.0
) -> Schedule:
    """``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts``: SGDR cosine cycles.

    Cycle ``i`` lasts ``T_0 * T_mult**i`` steps; inside it
    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2`` (native:
    ``jaxlrs.sgdr(base_lr, T_0, period_mult=T_mult, end=eta_min)``). Infinite; the cycle
    boundaries are exact integers at any step.

    Args:
        base_lr: the optimizer's initial learning rate (each cycle's start).
        T_0: length of the first cycle, a positive integer.
        T_mult: integer factor in [1, 2**31] on each next cycle's length.
        eta_min: the floor.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> s = lrs.CosineAnnealingWarmRestarts(1.0, 10, T_mult=2)
        >>> [round(v, 6) for v in s([0, 5, 10, 20, 30]).tolist()]
        [1.0, 0.5, 1.0, 0.5, 1.0]
    """
    fn = "CosineAnnealingWarmRestarts"
    return Schedule(
        _P + fn,
        {
            "base_lr": _base_lr(fn, base_lr),
            "T_0": check.integer(fn, "T_0", T_0),
            "T_mult": check.period_mult(fn, "T_mult", T_mult, whole=True),
            "eta_min": check.real(fn, "eta_min", eta_min),
        },
    )
