"""MXNet-compatible schedules: ``mxnet.lr_scheduler``'s classes (MXNet 1.x) as jaxlrs
schedules.

Each constructor takes MXNet's arguments, in MXNet's order, and returns an ordinary
:class:`jaxlrs.Schedule` whose repr reads like the MXNet call,
``compat.mxnet.FactorScheduler(250, factor=0.5)``.

**Step convention.** MXNet's optimizer calls its scheduler with ``num_update``, the number
of updates *including* the one being made: 1 on the first update. As in every compat
module, the value at jaxlrs step ``k`` is the rate the peer's optimizer uses on its
``k``-th update (0-based), so ``s(k) == scheduler(k + 1)``, for the stateful MXNet object
called with ``num_update = 1, 2, 3, ...`` in order (MXNet's schedulers mutate themselves;
these closed forms equal that sequence, and can be evaluated at any step in any order).

Conventions that follow from MXNet's rules (``python/mxnet/lr_scheduler.py``, 1.9.1):

* A decay "at step ``s``" happens once ``num_update > s``, i.e. from jaxlrs step ``k = s``:
  ``FactorScheduler(s)`` is ``base_lr * factor ** floor(k / s)``, and
  ``MultiFactorScheduler`` switches at ``k == step[i]`` (as ``jaxlrs.multistep``).
* The warmup covers ``num_update < warmup_steps``, i.e. ``k < warmup_steps - 1``; its
  linear ramp is ``warmup_begin_lr + (base_lr - warmup_begin_lr) * (k + 1) / warmup_steps``,
  so it never shows ``warmup_begin_lr`` itself, and ``warmup_steps=1`` has no effect.
  The warmup always ramps towards ``base_lr``; ``FactorScheduler`` and
  ``MultiFactorScheduler`` count their decays from update 1, warmup included (so a warmup
  longer than the first decay step ends on an already decayed rate, as in MXNet).
* ``PolyScheduler`` and ``CosineScheduler`` count their decay from
  ``num_update - warmup_steps``: without warmup, step 0 is already one update into the
  decay (``base_lr * (1 - 1 / max_update) ** pwr``); they reach ``final_lr`` at
  ``k = max_update - 1`` and hold it.

Where MXNet silently accepts a configuration it then mishandles, jaxlrs raises
``ValueError``: ``max_update <= warmup_steps`` (MXNet divides by zero, or never decays);
a ``factor`` of 0 or below and a negative ``stop_factor_lr`` (MXNet only requires
``factor <= 1``; a rate multiplied by a non-positive factor is no decay). Steps must be
integers (MXNet compares a float ``step`` too).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .. import _check as check
from .. import _time
from .._primitives import _cosine, _multistep, _polynomial, times_power
from .._schedule import Schedule, register
from .._time import Time, value

Array = jax.Array

__all__ = ["CosineScheduler", "FactorScheduler", "MultiFactorScheduler", "PolyScheduler"]

_P = "compat.mxnet."
_MODES = ("linear", "constant")


# -- the warmup shared by every scheduler (MXNet's ``LRScheduler.get_warmup_lr``) -----------


def _warm(
    time: Time, body: Array, base_lr: Any, warmup_steps: Any, warmup_begin_lr: Any, mode: str
) -> Array:
    """``body`` once ``num_update = k + 1 >= warmup_steps``; before, MXNet's warmup."""
    if isinstance(warmup_steps, int) and warmup_steps <= 1:
        return body  # num_update >= 1 >= warmup_steps: never in the warmup
    f = _time.float_dtype()
    w = _time.count(warmup_steps)
    if time.exact and _time.is_int(w):
        k = _time.whole(time)
        inside = k < w - 1  # k + 1 < W, without overflow of k + 1
        rest = jnp.maximum(w - 1 - k, 0).astype(f)  # W - (k + 1), an exact integer
    else:
        inside = _time.to_float(time) + 1 < w.astype(f)
        rest = jnp.maximum(w.astype(f) - (_time.to_float(time) + 1), 0)
    begin = value(warmup_begin_lr)
    if mode == "constant":
        ramp = begin
    else:
        # begin (W - n) / W + base n / W, n = k + 1: both weights from exact integers, so
        # no cancellation between begin and base (begin + (base - begin) n / W loses a
        # large negative begin's low bits near the end of the ramp).
        wf = jnp.maximum(w.astype(f), 1)
        left = jnp.minimum(rest / wf, 1)
        done = jnp.minimum((_time.to_float(time) + 1) / wf, 1)
        ramp = begin * left + value(base_lr) * done
    return jnp.where(inside, ramp, body)


def _since_warmup(time: Time, warmup_steps: Any) -> Time:
    """``num_update - warmup_steps = k + 1 - W``, clamped at 0 (exact for integer steps;
    ``k + 1`` saturates at the index maximum)."""
    w = _time.count(warmup_steps)
    if time.exact and time.d is None and _time.is_int(w):
        n = time.n
        w = w.astype(n.dtype)
        top = _time.index_max() - 1
        return Time(jnp.where(n >= w, jnp.minimum(n - w, top) + 1, jnp.zeros_like(n)))
    f = _time.float_dtype()
    return Time(jnp.maximum(_time.to_float(time) + 1 - w.astype(f), 0))


def _warmup_args(
    fn: str, base_lr: Any, warmup_steps: Any, warmup_begin_lr: Any, warmup_mode: Any
) -> dict[str, Any]:
    base_lr = check.real(fn, "base_lr", base_lr)
    warmup_steps = check.integer(fn, "warmup_steps", warmup_steps, minimum=0)
    warmup_begin_lr = check.real(fn, "warmup_begin_lr", warmup_begin_lr)
    warmup_mode = check.option(fn, "warmup_mode", warmup_mode, _MODES)
    if not (check.is_traced(base_lr) or check.is_traced(warmup_begin_lr)):
        if warmup_begin_lr > base_lr:
            raise ValueError(
                f"{fn}(): warmup_begin_lr must be at most base_lr (the warmup rises to "
                f"base_lr), got warmup_begin_lr={warmup_begin_lr!r}, base_lr={base_lr!r}"
            )
    return {
        "base_lr": base_lr,
        "warmup_steps": warmup_steps,
        "warmup_begin_lr": warmup_begin_lr,
        "warmup_mode": warmup_mode,
    }


def _factor(fn: str, factor: Any) -> Any:
    return check.real(fn, "factor", factor, low=0.0, high=1.0, low_open=True)


# -- FactorScheduler -----------------------------------------------------------------------


def _factor_scheduler(
    time: Time,
    step: Any,
    factor: Any,
    stop_factor_lr: Any,
    base_lr: Any,
    warmup_steps: Any,
    warmup_begin_lr: Any,
    warmup_mode: str,
) -> Array:
    q = _time.floordiv(time, step)  # decays so far: floor((num_update - 1) / step)
    decayed = jnp.maximum(times_power(base_lr, factor, (q, None)), value(stop_factor_lr))
    body = jnp.where(q == 0, value(base_lr), decayed)
    return _warm(time, body, base_lr, warmup_steps, warmup_begin_lr, warmup_mode)


@register(_factor_scheduler, name=_P + "FactorScheduler")
def FactorScheduler(
    step: int,
    factor: float = 1,
    stop_factor_lr: float = 1e-8,
    base_lr: float = 0.01,
    warmup_steps: int = 0,
    warmup_begin_lr: float = 0,
    warmup_mode: str = "linear",
) -> Schedule:
    """``mxnet.lr_scheduler.FactorScheduler``: a factor every ``step`` updates, floored.

    ``lr(k) = base_lr`` for ``q = floor(k / step) = 0``, else
    ``max(base_lr * factor ** q, stop_factor_lr)`` (MXNet multiplies its state once
    ``num_update > count + step`` and clamps it at ``stop_factor_lr`` after each product;
    for ``0 < factor <= 1`` and ``stop_factor_lr >= 0`` that is this closed form), after
    MXNet's warmup for ``k < warmup_steps - 1`` (see the module docstring). The floor is
    never applied before the first decay, so a ``base_lr`` below ``stop_factor_lr`` jumps
    up to it at ``k = step``, as in MXNet. Native: ``jaxlrs.step_decay`` with a floor.

    Args:
        step: updates between decays, a positive integer.
        factor: multiplier at each decay, in (0, 1].
        stop_factor_lr: the floor, non-negative.
        base_lr: the rate before the first decay.
        warmup_steps: MXNet's warmup length, a non-negative integer.
        warmup_begin_lr: the warmup's start, at most ``base_lr``.
        warmup_mode: ``'linear'`` (a ramp to ``base_lr``) or ``'constant'``.

    Example:
        >>> from jaxlrs.compat import mxnet
        >>> s = mxnet.FactorScheduler(2, factor=0.5, stop_factor_lr=0.125, base_lr=1.0)
        >>> s([0, 1, 2, 3, 4, 6, 8, 100]).tolist()
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.125, 0.125, 0.125]
    """
    fn = "FactorScheduler"
    return Schedule(
        _P + fn,
        {
            "step": check.integer(fn, "step", step),
            "factor": _factor(fn, factor),
            "stop_factor_lr": check.real(fn, "stop_factor_lr", stop_factor_lr, low=0.0),
            **_warmup_args(fn, base_lr, warmup_steps, warmup_begin_lr, warmup_mode),
        },
    )


# -- MultiFactorScheduler ------------------------------------------------------------------


def _multi_factor_scheduler(
    time: Time,
    step: Any,
    factor: Any,
    base_lr: Any,
    warmup_steps: Any,
    warmup_begin_lr: Any,
    warmup_mode: str,
) -> Array:
    body = _multistep(time, base_lr, step, factor)
    return _warm(time, body, base_lr, warmup_steps, warmup_begin_lr, warmup_mode)


@register(_multi_factor_scheduler, name=_P + "MultiFactorScheduler")
def MultiFactorScheduler(
    step: list[int],
    factor: float = 1,
    base_lr: float = 0.01,
    warmup_steps: int = 0,
    warmup_begin_lr: float = 0,
    warmup_mode: str = "linear",
) -> Schedule:
    """``mxnet.lr_scheduler.MultiFactorScheduler``: a factor at each listed step.

    ``lr(k) = base_lr * factor ** #{i : step[i] <= k}`` (MXNet decays once
    ``num_update > step[i]``, i.e. from step ``k = step[i]``), after MXNet's warmup for
    ``k < warmup_steps - 1`` (see the module docstring). Native:
    ``jaxlrs.multistep(base_lr, step, factor)``. A binary search: O(log n) per step.

    Args:
        step: strictly increasing positive integers, at least one.
        factor: multiplier at each listed step, in (0, 1].
        base_lr: the rate before the first decay.
        warmup_steps: MXNet's warmup length, a non-negative integer.
        warmup_begin_lr: the warmup's start, at most ``base_lr``.
        warmup_mode: ``'linear'`` (a ramp to ``base_lr``) or ``'constant'``.

    Example:
        >>> from jaxlrs.compat import mxnet
        >>> s = mxnet.MultiFactorScheduler([3, 5], factor=0.5, base_lr=1.0, warmup_steps=2)
        >>> s([0, 1, 2, 3, 4, 5, 9]).tolist()
        [0.5, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """
    fn = "MultiFactorScheduler"
    steps = check.integers(fn, "step", step, min_len=1)
    if not check.is_traced(steps) and not check.is_traced(steps[0]) and steps[0] < 1:
        check._fail(fn, "step", "a list of positive integers", list(steps))
    return Schedule(
        _P + fn,
        {
            "step": steps,
            "factor": _factor(fn, factor),
            **_warmup_args(fn, base_lr, warmup_steps, warmup_begin_lr, warmup_mode),
        },
    )


# -- PolyScheduler / CosineScheduler -------------------------------------------------------


def _decay_steps(fn: str, max_update: Any, warmup_steps: Any) -> Any:
    max_update = check.integer(fn, "max_update", max_update)
    if not (check.is_traced(max_update) or check.is_traced(warmup_steps)):
        if max_update <= warmup_steps:
            raise ValueError(
                f"{fn}(): max_update must be larger than warmup_steps (it counts the warmup;"
                f" MXNet divides by zero or never decays otherwise), got "
                f"max_update={max_update!r}, warmup_steps={warmup_steps!r}"
            )
    return max_update


def _poly_scheduler(
    time: Time,
    max_update: Any,
    base_lr: Any,
    pwr: Any,
    final_lr: Any,
    warmup_steps: Any,
    warmup_begin_lr: Any,
    warmup_mode: str,
) -> Array:
    local = _since_warmup(time, warmup_steps)
    body = _polynomial(local, base_lr, final_lr, max_update - warmup_steps, pwr)
    return _warm(time, body, base_lr, warmup_steps, warmup_begin_lr, warmup_mode)


@register(_poly_scheduler, name=_P + "PolyScheduler")
def PolyScheduler(
    max_update: int,
    base_lr: float = 0.01,
    pwr: float = 2,
    final_lr: float = 0,
    warmup_steps: int = 0,
    warmup_begin_lr: float = 0,
    warmup_mode: str = "linear",
) -> Schedule:
    """``mxnet.lr_scheduler.PolyScheduler``: polynomial decay after the warmup.

    ``lr(k) = final_lr + (base_lr - final_lr) * (1 - min(u, D) / D) ** pwr`` with
    ``u = k + 1 - warmup_steps`` (MXNet's ``num_update - warmup_steps``) and
    ``D = max_update - warmup_steps``, after MXNet's warmup for ``k < warmup_steps - 1``
    (see the module docstring); ``final_lr`` from ``k = max_update - 1`` on. Native:
    ``jaxlrs.polynomial(base_lr, final_lr, D, pwr)`` one step ahead.

    Args:
        max_update: the update at which the decay reaches ``final_lr``, a positive
            integer larger than ``warmup_steps``.
        base_lr: the rate the decay starts from (and the warmup's target).
        pwr: the exponent, positive.
        final_lr: the rate after ``max_update`` updates.
        warmup_steps: MXNet's warmup length, a non-negative integer.
        warmup_begin_lr: the warmup's start, at most ``base_lr``.
        warmup_mode: ``'linear'`` (a ramp to ``base_lr``) or ``'constant'``.

    Example:
        >>> from jaxlrs.compat import mxnet
        >>> s = mxnet.PolyScheduler(4, base_lr=1.0, pwr=1)
        >>> s([0, 1, 2, 3, 10]).tolist()
        [0.75, 0.5, 0.25, 0.0, 0.0]
    """
    fn = "PolyScheduler"
    warm = _warmup_args(fn, base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
    return Schedule(
        _P + fn,
        {
            "max_update": _decay_steps(fn, max_update, warm["warmup_steps"]),
            "base_lr": warm.pop("base_lr"),
            "pwr": check.positive(fn, "pwr", pwr),
            "final_lr": check.real(fn, "final_lr", final_lr),
            **warm,
        },
    )


def _cosine_scheduler(
    time: Time,
    max_update: Any,
    base_lr: Any,
    final_lr: Any,
    warmup_steps: Any,
    warmup_begin_lr: Any,
    warmup_mode: str,
) -> Array:
    local = _since_warmup(time, warmup_steps)
    body = _cosine(local, base_lr, max_update - warmup_steps, final_lr, 1.0, 1.0)
    return _warm(time, body, base_lr, warmup_steps, warmup_begin_lr, warmup_mode)


@register(_cosine_scheduler, name=_P + "CosineScheduler")
def CosineScheduler(
    max_update: int,
    base_lr: float = 0.01,
    final_lr: float = 0,
    warmup_steps: int = 0,
    warmup_begin_lr: float = 0,
    warmup_mode: str = "linear",
) -> Schedule:
    """``mxnet.lr_scheduler.CosineScheduler``: cosine decay after the warmup.

    ``lr(k) = final_lr + (base_lr - final_lr) * (1 + cos(pi * min(u, D) / D)) / 2`` with
    ``u = k + 1 - warmup_steps`` (MXNet's ``num_update - warmup_steps``) and
    ``D = max_update - warmup_steps``, after MXNet's warmup for ``k < warmup_steps - 1``
    (see the module docstring); ``final_lr`` from ``k = max_update - 1`` on. Native:
    ``jaxlrs.cosine(base_lr, D, final_lr)`` one step ahead.

    Args:
        max_update: the update at which the decay reaches ``final_lr``, a positive
            integer larger than ``warmup_steps``.
        base_lr: the rate the decay starts from (and the warmup's target).
        final_lr: the rate after ``max_update`` updates.
        warmup_steps: MXNet's warmup length, a non-negative integer.
        warmup_begin_lr: the warmup's start, at most ``base_lr``.
        warmup_mode: ``'linear'`` (a ramp to ``base_lr``) or ``'constant'``.

    Example:
        >>> from jaxlrs.compat import mxnet
        >>> s = mxnet.CosineScheduler(5, base_lr=1.0, warmup_steps=3, warmup_begin_lr=0.4)
        >>> [round(v, 6) for v in s([0, 1, 2, 3, 4, 9]).tolist()]
        [0.6, 0.8, 1.0, 0.5, 0.0, 0.0]
    """
    fn = "CosineScheduler"
    warm = _warmup_args(fn, base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
    return Schedule(
        _P + fn,
        {
            "max_update": _decay_steps(fn, max_update, warm["warmup_steps"]),
            "base_lr": warm.pop("base_lr"),
            "final_lr": check.real(fn, "final_lr", final_lr),
            **warm,
        },
    )
