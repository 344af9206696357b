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
from .._combinators import cycle, from_fn, join, scale, warmup
from .._curves import half_cos
from .._primitives import (
    constant,
    cosine,
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
from ._util import is_concrete

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
    "OneCycleLR",
    "OneCycleMomentum",
    "PolynomialLR",
    "SequentialLR",
    "StepLR",
]

_P = "compat.torch."


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


def _cosine_annealing_lr(base_lr: Any, T_max: Any, eta_min: Any) -> Schedule:
    down = cosine(base_lr, T_max, eta_min)
    up = warmup(constant(base_lr), T_max, eta_min, "cosine")
    return cycle(join([down, up], [T_max]), 2 * T_max)


@register(expands(_cosine_annealing_lr), name=_P + "CosineAnnealingLR")
def CosineAnnealingLR(base_lr: float, T_max: int, eta_min: float = 0.0) -> Schedule:
    """``torch.optim.lr_scheduler.CosineAnnealingLR``: cosine annealing, **periodic**.

    ``lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2`` for every
    ``t``: down to ``eta_min`` at ``T_max``, back up to ``base_lr`` at ``2 * T_max``, and so
    on, as PyTorch's recursive update does when stepped past ``T_max``. (Native
    ``jaxlrs.cosine`` holds ``end`` after its ``steps``; ``sgdr`` restarts.)

    Built as ``cycle(join([cosine down, cosine warmup up], [T_max]), 2 * T_max)``: the
    position in the period is exact at any step.

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
        T_mult: integer factor >= 1 on each next cycle's length.
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
            "T_mult": check.integer(fn, "T_mult", T_mult),
            "eta_min": check.real(fn, "eta_min", eta_min),
        },
    )


# -- CyclicLR ------------------------------------------------------------------------------

_CYCLIC_MODES = ("triangular", "triangular2", "exp_range")


def _cyclic_wave(
    time: Time,
    low: Any,
    high: Any,
    step_size_up: Any,
    step_size_down: Any,
    mode: str,
    gamma: Any,
    scale_fn: Callable[[Array], Any] | None,
    scale_mode: str,
) -> Array:
    f = _time.float_dtype()
    up = _time.count(step_size_up)
    down = up if step_size_down is None else _time.count(step_size_down)
    total = up + down
    q = _time.floordiv(time, total)
    if time.exact:
        local = _time.minus(time, q * total)
    else:
        local = Time(jnp.clip(_time.to_float(time) - q * total.astype(f), 0, total.astype(f)))
    rising, _ = _time.ramp(local, up)
    _, falling = _time.ramp(_time.minus(local, up), down)
    s = jnp.minimum(rising, falling)
    t = _time.to_float(time)
    n_cycle = q.astype(f) + 1
    if scale_fn is not None:
        x = n_cycle if scale_mode == "cycle" else t
        amp = jnp.asarray(scale_fn(x), f)
    elif mode == "triangular":
        amp = jnp.ones((), f)
    elif mode == "triangular2":
        amp = jnp.exp2(-q.astype(f))
    else:
        amp = _time.power(gamma, t)  # gamma**t with gamma's full precision
    low = value(low)
    return low + (value(high) - low) * (s * amp)


def _cyclic_lr(
    time: Time,
    base_lr: Any,
    max_lr: Any,
    step_size_up: Any,
    step_size_down: Any,
    mode: str,
    gamma: Any,
    scale_fn: Any,
    scale_mode: str,
    cycle_momentum: bool,
    base_momentum: Any,
    max_momentum: Any,
) -> Array:
    return _cyclic_wave(
        time, base_lr, max_lr, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode
    )


def _cyclic_momentum(
    time: Time,
    base_lr: Any,
    max_lr: Any,
    step_size_up: Any,
    step_size_down: Any,
    mode: str,
    gamma: Any,
    scale_fn: Any,
    scale_mode: str,
    cycle_momentum: bool,
    base_momentum: Any,
    max_momentum: Any,
) -> Array:
    return _cyclic_wave(
        time,
        max_momentum,
        base_momentum,
        step_size_up,
        step_size_down,
        mode,
        gamma,
        scale_fn,
        scale_mode,
    )


def _cyclic_args(
    fn: str,
    base_lr: Any,
    max_lr: Any,
    step_size_up: Any,
    step_size_down: Any,
    mode: Any,
    gamma: Any,
    scale_fn: Any,
    scale_mode: Any,
    cycle_momentum: Any,
    base_momentum: Any,
    max_momentum: Any,
) -> dict[str, Any]:
    if scale_fn is not None and (not callable(scale_fn) or isinstance(scale_fn, Schedule)):
        check._fail(fn, "scale_fn", "a function or None", scale_fn, TypeError)
    if scale_fn is None:
        mode = check.option(fn, "mode", mode, _CYCLIC_MODES)
        scale_mode = "iterations" if mode == "exp_range" else "cycle"
    else:
        mode = check.option(fn, "mode", mode, _CYCLIC_MODES)
        scale_mode = check.option(fn, "scale_mode", scale_mode, ("cycle", "iterations"))
    return {
        "base_lr": check.real(fn, "base_lr", base_lr, low=0.0),
        "max_lr": check.real(fn, "max_lr", max_lr, low=0.0),
        "step_size_up": check.integer(fn, "step_size_up", step_size_up),
        "step_size_down": check.optional(check.integer, fn, "step_size_down", step_size_down),
        "mode": mode,
        "gamma": check.positive(fn, "gamma", gamma),
        "scale_fn": scale_fn,
        "scale_mode": scale_mode,
        "cycle_momentum": check.flag(fn, "cycle_momentum", cycle_momentum),
        "base_momentum": check.real(fn, "base_momentum", base_momentum),
        "max_momentum": check.real(fn, "max_momentum", max_momentum),
    }


@register(_cyclic_lr, name=_P + "CyclicLR")
def CyclicLR(
    base_lr: float,
    max_lr: float,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[Array], Any] | None = None,
    scale_mode: str = "cycle",
    cycle_momentum: bool = True,
    base_momentum: float = 0.8,
    max_momentum: float = 0.9,
) -> Schedule:
    """``torch.optim.lr_scheduler.CyclicLR``: Smith's cyclical learning rates.

    With ``up = step_size_up``, ``down = step_size_down or up``, cycle
    ``c = floor(t / (up + down))`` and ``r = t - c * (up + down)``:
    ``s = r / up`` while ``r <= up``, else ``(up + down - r) / down``, and
    ``lr(t) = base_lr + (max_lr - base_lr) * s * scale`` with ``scale`` 1
    (``triangular``), ``1 / 2**c`` (``triangular2``) or ``gamma**t`` (``exp_range``), or
    ``scale_fn(c + 1)`` (``scale_mode="cycle"``) / ``scale_fn(t)`` (``"iterations"``)
    when a ``scale_fn`` is given (it must be traceable by JAX).

    ``base_lr`` is the lower bound of the cycle, as in PyTorch (which overwrites the
    optimizer's rate with it). The cycle index and the position inside the cycle are exact
    integers at any step. The momentum arguments are kept for parity; the momentum schedule
    itself is :func:`CyclicMomentum`, which takes the same arguments.

    Args:
        base_lr: lower bound of each cycle.
        max_lr: upper bound of the first cycle.
        step_size_up: steps rising, a positive integer.
        step_size_down: steps falling, a positive integer (default ``step_size_up``).
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``.
        gamma: the ``exp_range`` factor per step, positive.
        scale_fn: optional custom amplitude scale (then ``mode`` is ignored).
        scale_mode: ``"cycle"`` or ``"iterations"``: what ``scale_fn`` receives.
        cycle_momentum, base_momentum, max_momentum: see :func:`CyclicMomentum`.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> s = lrs.CyclicLR(1.0, 5.0, step_size_up=4)
        >>> s([0, 2, 4, 6, 8, 10]).tolist()
        [1.0, 3.0, 5.0, 3.0, 1.0, 3.0]

    References:
        Smith, "Cyclical Learning Rates for Training Neural Networks", 2017.
        https://arxiv.org/abs/1506.01186
    """
    args = _cyclic_args(
        "CyclicLR",
        base_lr,
        max_lr,
        step_size_up,
        step_size_down,
        mode,
        gamma,
        scale_fn,
        scale_mode,
        cycle_momentum,
        base_momentum,
        max_momentum,
    )
    return Schedule(_P + "CyclicLR", args)


@register(_cyclic_momentum, name=_P + "CyclicMomentum")
def CyclicMomentum(
    base_lr: float,
    max_lr: float,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[Array], Any] | None = None,
    scale_mode: str = "cycle",
    cycle_momentum: bool = True,
    base_momentum: float = 0.8,
    max_momentum: float = 0.9,
) -> Schedule:
    """The momentum schedule of ``CyclicLR``: it takes exactly ``CyclicLR``'s arguments.

    ``momentum(t) = max_momentum - (max_momentum - base_momentum) * s * scale``, cycled
    inversely to the learning rate (``s`` and ``scale`` as in :func:`CyclicLR`). It is what
    PyTorch writes into ``param_groups[0]["momentum"]`` (SGD) or ``betas[0]`` (Adam) before
    each update. Use it for Adam's ``b1`` (or SGD's ``momentum``) through
    ``optax.inject_hyperparams``.

    Raises ``ValueError`` for ``cycle_momentum=False`` (PyTorch then leaves the momentum
    alone: there is no schedule).

    Example:
        >>> import optax
        >>> from jaxlrs.compat import torch as lrs
        >>> kw = dict(base_lr=1e-4, max_lr=1e-3, step_size_up=4)
        >>> [round(v, 6) for v in lrs.CyclicMomentum(**kw)([0, 2, 4]).tolist()]
        [0.9, 0.85, 0.8]
        >>> opt = optax.inject_hyperparams(optax.adam)(
        ...     learning_rate=lrs.CyclicLR(**kw), b1=lrs.CyclicMomentum(**kw)
        ... )
    """
    fn = "CyclicMomentum"
    args = _cyclic_args(
        fn,
        base_lr,
        max_lr,
        step_size_up,
        step_size_down,
        mode,
        gamma,
        scale_fn,
        scale_mode,
        cycle_momentum,
        base_momentum,
        max_momentum,
    )
    if not args["cycle_momentum"]:
        raise ValueError(
            f"{fn}(): cycle_momentum must be True (with False PyTorch does not schedule the "
            "momentum), got False"
        )
    return Schedule(_P + fn, args)


# -- OneCycleLR ----------------------------------------------------------------------------


def _total(total_steps: Any, epochs: Any, steps_per_epoch: Any) -> Any:
    return total_steps if total_steps is not None else epochs * steps_per_epoch


def _one_cycle_values(
    time: Time,
    total: Any,
    pct_start: Any,
    anneal_strategy: str,
    three_phase: bool,
    points: list[tuple[Any, Any]],
) -> Array:
    """PyTorch's phase walk: the first phase whose end ``t <= end`` (else the last), with
    ``pct = (t - start) / (end - start)``; the step is held at ``total - 1``."""
    f = _time.float_dtype()
    n = _time.count(total).astype(f)
    rise = value(pct_start) * n
    if three_phase:
        ends = [rise - 1, 2 * rise - 2, n - 1]
    else:
        ends = [rise - 1, n - 1]
    last = _time.count(total) - 1
    t = jnp.minimum(_time.to_float(time), jnp.maximum(last, 0).astype(f))
    values = []
    start = jnp.zeros((), f)
    for (a, b), end in zip(points, ends, strict=True):
        span = end - start
        safe = jnp.where(span != 0, span, 1.0)
        a, b = value(a), value(b)
        if anneal_strategy == "cos":
            v = b + (a - b) * half_cos((end - t) / safe)
        else:
            v = (b - a) * ((t - start) / safe) + a
        values.append(v)
        start = end
    out = values[-1]
    for v, end in zip(values[-2::-1], ends[-2::-1], strict=True):
        out = jnp.where(t <= end, v, out)
    return out


def _one_cycle_rates(
    max_lr: Any, div_factor: Any, final_div_factor: Any, three_phase: bool
) -> list[tuple[Any, Any]]:
    initial = max_lr / div_factor
    low = initial / final_div_factor
    if three_phase:
        return [(initial, max_lr), (max_lr, initial), (initial, low)]
    return [(initial, max_lr), (max_lr, low)]


def _one_cycle_momenta(base: Any, top: Any, three_phase: bool) -> list[tuple[Any, Any]]:
    if three_phase:
        return [(top, base), (base, top), (top, top)]
    return [(top, base), (base, top)]


def _one_cycle_lr(time: Time, **a: Any) -> Array:
    rates = _one_cycle_rates(a["max_lr"], a["div_factor"], a["final_div_factor"], a["three_phase"])
    total = _total(a["total_steps"], a["epochs"], a["steps_per_epoch"])
    return _one_cycle_values(
        time, total, a["pct_start"], a["anneal_strategy"], a["three_phase"], rates
    )


def _one_cycle_momentum(time: Time, **a: Any) -> Array:
    momenta = _one_cycle_momenta(a["base_momentum"], a["max_momentum"], a["three_phase"])
    total = _total(a["total_steps"], a["epochs"], a["steps_per_epoch"])
    return _one_cycle_values(
        time, total, a["pct_start"], a["anneal_strategy"], a["three_phase"], momenta
    )


def _one_cycle_args(
    fn: str,
    max_lr: Any,
    total_steps: Any,
    epochs: Any,
    steps_per_epoch: Any,
    pct_start: Any,
    anneal_strategy: Any,
    cycle_momentum: Any,
    base_momentum: Any,
    max_momentum: Any,
    div_factor: Any,
    final_div_factor: Any,
    three_phase: Any,
) -> dict[str, Any]:
    total_steps = check.optional(check.integer, fn, "total_steps", total_steps)
    epochs = check.optional(check.integer, fn, "epochs", epochs)
    steps_per_epoch = check.optional(check.integer, fn, "steps_per_epoch", steps_per_epoch)
    if total_steps is None and (epochs is None or steps_per_epoch is None):
        raise ValueError(
            f"{fn}(): total_steps must be given, or both epochs and steps_per_epoch, "
            f"got total_steps=None, epochs={epochs!r}, steps_per_epoch={steps_per_epoch!r}"
        )
    pct_start = check.real(fn, "pct_start", pct_start, low=0.0, high=1.0)
    total = _total(total_steps, epochs, steps_per_epoch)
    if is_concrete(pct_start) and is_concrete(total) and float(pct_start * total) - 1 == 0:
        raise ValueError(
            f"{fn}(): pct_start * total_steps must not be 1 (the first phase would last 0 "
            f"steps; PyTorch divides by zero), got pct_start={pct_start!r}, "
            f"total_steps={total!r}"
        )
    return {
        "max_lr": check.real(fn, "max_lr", max_lr, low=0.0),
        "total_steps": total_steps,
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "pct_start": pct_start,
        "anneal_strategy": check.option(fn, "anneal_strategy", anneal_strategy, ("cos", "linear")),
        "cycle_momentum": check.flag(fn, "cycle_momentum", cycle_momentum),
        "base_momentum": check.real(fn, "base_momentum", base_momentum),
        "max_momentum": check.real(fn, "max_momentum", max_momentum),
        "div_factor": check.positive(fn, "div_factor", div_factor),
        "final_div_factor": check.positive(fn, "final_div_factor", final_div_factor),
        "three_phase": check.flag(fn, "three_phase", three_phase),
    }


@register(_one_cycle_lr, name=_P + "OneCycleLR")
def OneCycleLR(
    max_lr: float,
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    cycle_momentum: bool = True,
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> Schedule:
    """``torch.optim.lr_scheduler.OneCycleLR``: Smith & Topin's 1cycle policy.

    ``initial = max_lr / div_factor``, ``min = initial / final_div_factor``,
    ``T = total_steps`` (or ``epochs * steps_per_epoch``). Two phases end at steps
    ``pct_start * T - 1`` (``initial -> max_lr``) and ``T - 1`` (``max_lr -> min``); with
    ``three_phase`` at ``pct_start * T - 1`` (``initial -> max_lr``),
    ``2 * pct_start * T - 2`` (``max_lr -> initial``) and ``T - 1`` (``initial -> min``).
    Inside a phase ``pct = (t - start) / (end - start)`` and the value is
    ``end_v + (start_v - end_v) * (1 + cos(pi * pct)) / 2`` (``"cos"``) or
    ``start_v + (end_v - start_v) * pct`` (``"linear"``).

    Differs from PyTorch past the end: PyTorch raises once stepped beyond ``total_steps``
    (and its value at step ``total_steps`` extrapolates the last phase past ``min``); jaxlrs
    holds the final value ``min`` from step ``T - 1`` on. The phase ends are not integers
    in general, so the phase position is computed in floating point (exact to 2**24
    steps). The momentum arguments are kept for parity; the momentum schedule is
    :func:`OneCycleMomentum`, which takes the same arguments.

    Args:
        max_lr: the peak learning rate.
        total_steps: length of the cycle, a positive integer (or give ``epochs`` and
            ``steps_per_epoch``).
        epochs, steps_per_epoch: positive integers whose product is the length.
        pct_start: fraction of the cycle spent rising, in [0, 1].
        anneal_strategy: ``"cos"`` or ``"linear"``.
        cycle_momentum, base_momentum, max_momentum: see :func:`OneCycleMomentum`.
        div_factor: ``max_lr / initial``, positive.
        final_div_factor: ``initial / min``, positive.
        three_phase: use the paper's three phases.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> s = lrs.OneCycleLR(25.0, 10, final_div_factor=2.0, anneal_strategy="linear")
        >>> s([0, 1, 2, 3, 9, 20]).tolist()
        [1.0, 13.0, 25.0, 21.5, 0.5, 0.5]

    References:
        Smith & Topin, "Super-Convergence: Very Fast Training of Neural Networks Using
        Large Learning Rates", 2017. https://arxiv.org/abs/1708.07120
    """
    args = _one_cycle_args(
        "OneCycleLR",
        max_lr,
        total_steps,
        epochs,
        steps_per_epoch,
        pct_start,
        anneal_strategy,
        cycle_momentum,
        base_momentum,
        max_momentum,
        div_factor,
        final_div_factor,
        three_phase,
    )
    return Schedule(_P + "OneCycleLR", args)


@register(_one_cycle_momentum, name=_P + "OneCycleMomentum")
def OneCycleMomentum(
    max_lr: float,
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    cycle_momentum: bool = True,
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> Schedule:
    """The momentum schedule of ``OneCycleLR``: it takes exactly ``OneCycleLR``'s arguments.

    The momentum runs inversely to the learning rate through the same phases:
    ``max_momentum -> base_momentum -> max_momentum`` (and, with ``three_phase``, stays at
    ``max_momentum`` in the third phase), with the same ``anneal_strategy``. It is what
    PyTorch writes into ``param_groups[0]["momentum"]`` (SGD) or ``betas[0]`` (Adam) before
    each update; use it for Adam's ``b1`` through ``optax.inject_hyperparams``. Held from
    step ``total_steps - 1`` on, like :func:`OneCycleLR`.

    Raises ``ValueError`` for ``cycle_momentum=False`` (PyTorch then leaves the momentum
    alone: there is no schedule).

    Example:
        >>> import optax
        >>> from jaxlrs.compat import torch as lrs
        >>> kw = dict(max_lr=1e-3, total_steps=1_000)
        >>> [round(float(m), 4) for m in lrs.OneCycleMomentum(**kw)([0, 299, 999])]
        [0.95, 0.85, 0.95]
        >>> opt = optax.inject_hyperparams(optax.adam)(
        ...     learning_rate=lrs.OneCycleLR(**kw), b1=lrs.OneCycleMomentum(**kw)
        ... )
    """
    fn = "OneCycleMomentum"
    args = _one_cycle_args(
        fn,
        max_lr,
        total_steps,
        epochs,
        steps_per_epoch,
        pct_start,
        anneal_strategy,
        cycle_momentum,
        base_momentum,
        max_momentum,
        div_factor,
        final_div_factor,
        three_phase,
    )
    if not args["cycle_momentum"]:
        raise ValueError(
            f"{fn}(): cycle_momentum must be True (with False PyTorch does not schedule the "
            "momentum), got False"
        )
    return Schedule(_P + fn, args)


# -- SequentialLR / ChainedScheduler -------------------------------------------------------


def _sequential_lr(schedulers: tuple[Schedule, ...], milestones: Any) -> Schedule:
    if len(schedulers) == 1:
        return schedulers[0]
    return join(list(schedulers), milestones)


@register(expands(_sequential_lr), name=_P + "SequentialLR")
def SequentialLR(schedulers: list[Schedule], milestones: list[int]) -> Schedule:
    """``torch.optim.lr_scheduler.SequentialLR``: run schedules one after another.

    Child ``i`` runs on ``[milestones[i-1], milestones[i])`` and sees the local step
    ``t - milestones[i-1]``: it restarts from its own beginning (its base rate), as
    PyTorch's ``SequentialLR`` does at each milestone (native: ``jaxlrs.join``).

    The children are compat schedules built with the same ``base_lr`` (PyTorch's share
    one optimizer); any jaxlrs schedule is accepted.

    Args:
        schedulers: the children, at least one.
        milestones: ``len(schedulers) - 1`` strictly increasing non-negative steps.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> s = lrs.SequentialLR(
        ...     [lrs.ConstantLR(1.0, 0.5, 2), lrs.ExponentialLR(1.0, 0.5)], milestones=[3]
        ... )
        >>> s([0, 2, 3, 4, 5]).tolist()
        [0.5, 1.0, 1.0, 0.5, 0.25]
    """
    fn = "SequentialLR"
    children = check.schedules(fn, "schedulers", schedulers)
    milestones = check.integers(fn, "milestones", milestones)
    check.length(fn, "milestones", milestones, len(children) - 1, "one entry fewer than schedulers")
    return Schedule(_P + fn, {"schedulers": children, "milestones": milestones})


_CHAINABLE = tuple(
    _P + n
    for n in (
        "StepLR",
        "MultiStepLR",
        "ConstantLR",
        "LinearLR",
        "ExponentialLR",
        "PolynomialLR",
        "CosineAnnealingLR",
        "ChainedScheduler",
    )
)


def _factor(child: Schedule, time: Time) -> Array:
    """The child's multiplier on the base rate: the child rebuilt with ``base_lr = 1``."""
    if child.name == _P + "ChainedScheduler":
        out = jnp.ones((), _time.float_dtype())
        for c in child.args["schedulers"]:
            out = out * _factor(c, time)
        return out
    return Schedule(child.name, {**child.args, "base_lr": 1.0})._apply(time)


def _chained(time: Time, schedulers: tuple[Schedule, ...]) -> Array:
    base = value(_chain_base(schedulers[0]))
    out = base
    for c in schedulers:
        out = out * _factor(c, time)
    return out


def _chain_base(child: Schedule) -> Any:
    if child.name == _P + "ChainedScheduler":
        return _chain_base(child.args["schedulers"][0])
    return child.args["base_lr"]


@register(_chained, name=_P + "ChainedScheduler")
def ChainedScheduler(schedulers: list[Schedule]) -> Schedule:
    """``torch.optim.lr_scheduler.ChainedScheduler``: the product of chainable schedules.

    ``lr(t) = base_lr * prod_i (s_i(t) / base_lr)``

    PyTorch steps each child in turn, and each multiplies the current rate by its own
    step-to-step ratio; for the chainable children accepted here (``StepLR``,
    ``MultiStepLR``, ``ConstantLR``, ``LinearLR``, ``ExponentialLR``, ``PolynomialLR``,
    ``CosineAnnealingLR`` with ``eta_min=0``, nested ``ChainedScheduler``) that is the
    product of their factors. All children must share one ``base_lr`` (PyTorch's share one
    optimizer). ``LambdaLR``, ``CyclicLR``, ``OneCycleLR``, ``CosineAnnealingWarmRestarts``
    and ``SequentialLR`` set the rate instead of multiplying it and are rejected.

    One divergence: a chained ``CosineAnnealingLR`` reaches 0 at ``T_max``; PyTorch's
    recursion cannot multiply its way out of a zero and restarts the product there
    (additively), so past ``T_max`` PyTorch's chain is no longer a product of factors.
    jaxlrs keeps the product: equal to PyTorch up to ``T_max``.

    Args:
        schedulers: chainable compat schedules with one ``base_lr``.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> s = lrs.ChainedScheduler(
        ...     [lrs.ConstantLR(1.0, 0.5, 2), lrs.ExponentialLR(1.0, 0.5)]
        ... )
        >>> s([0, 1, 2, 3]).tolist()
        [0.5, 0.25, 0.25, 0.125]
    """
    fn = "ChainedScheduler"
    children = check.schedules(fn, "schedulers", schedulers)
    bases = []
    for i, c in enumerate(children):
        if c.name not in _CHAINABLE:
            raise ValueError(
                f"{fn}(): schedulers[{i}] must be a chainable compat.torch schedule "
                f"({', '.join(n.removeprefix(_P) for n in _CHAINABLE)}), got {c!r}"
            )
        if c.name == _P + "CosineAnnealingLR":
            eta = c.args["eta_min"]
            if not check.is_traced(eta) and eta != 0:
                raise ValueError(
                    f"{fn}(): schedulers[{i}] must have eta_min=0 (PyTorch's chained "
                    f"cosine is not a product otherwise), got {c!r}"
                )
        bases.append(_chain_base(c))
    concrete = [b for b in bases if not check.is_traced(b)]
    if any(b != concrete[0] for b in concrete):
        raise ValueError(
            f"{fn}(): schedulers must share one base_lr (PyTorch chains one optimizer), "
            f"got base_lr values {concrete}"
        )
    return Schedule(_P + fn, {"schedulers": children})
