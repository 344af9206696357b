"""Optax-compatible schedules: ``optax.schedules``' functions as jaxlrs schedules.

Each constructor takes Optax's arguments (names, order and defaults of optax 0.2.8) and
returns an ordinary :class:`jaxlrs.Schedule` whose value at step ``k`` is what the Optax
schedule returns for ``count = k`` (the rate of the ``k``-th update, 0-based, as Optax's
``scale_by_schedule`` counts). Migration is a rename:
``optax.warmup_cosine_decay_schedule(...)`` becomes
``jaxlrs.compat.optax.warmup_cosine_decay_schedule(...)``, and the repr reads like the
call, ``compat.optax.cosine_decay_schedule(0.1, 1000)``. jaxlrs never imports Optax.

Optax's edge conventions are kept: ``transition_steps == 0`` gives a constant
``init_value`` (``linear_schedule``, ``polynomial_schedule``, ``exponential_decay``,
``warmup_constant_schedule``: a zero-step warmup holds ``init_value``, not the peak);
``decay_rate == 0`` gives a constant ``init_value``; ``end_value`` of
``exponential_decay`` is a floor when ``decay_rate < 1``, else a ceiling, applied from
step 0; ``piecewise_*`` scales multiply in *at* their boundary; ``warmup_cosine_decay_schedule``
with ``peak_value == 0`` ignores ``end_value``; ``join_schedules`` hands each piece the
step since its boundary; ``cosine_onecycle_schedule`` and ``linear_onecycle_schedule``
return the ``piecewise_interpolate_schedule`` Optax builds (and print as it), with
boundaries placed by ``int(pct * transition_steps)`` as Optax does.

Where jaxlrs decides differently (decisions where Optax only logs or misbehaves):

* Negative ``transition_steps`` or ``transition_begin`` raise ``ValueError`` (Optax
  logs and treats them as 0); so does a negative ``decay_rate`` (Optax gives NaN) or a
  non-positive ``power``/``exponent``.
* ``cosine_onecycle_schedule`` and ``linear_onecycle_schedule`` refuse a value at step 0,
  ``peak_value / div_factor``, outside the documented range (nonzero and below 2**-92 or
  above 1.7e38) and a final value or derived scale past 1.7e38; a derived scale below
  2**-92 is stored as 0 (every value after it is below 2**-92 of the one before).
* ``join_schedules`` takes jaxlrs schedules and strictly increasing boundaries (wrap an
  Optax-style function with ``jaxlrs.from_fn``).
* ``boundaries_and_scales`` may be a dict ``{step: scale}`` (as in Optax) or two lists
  ``[steps, scales]``; the schedule stores and prints the two lists, sorted by step,
  ``compat.optax.piecewise_constant_schedule(1.0, boundaries_and_scales=[[100, 200],
  [0.1, 0.1]])``, which ``parse`` reads back (``parse`` refuses dict literals).
  ``sgdr_schedule`` likewise stores and prints its list of dicts as six lists, one per
  ``warmup_cosine_decay_schedule`` argument.

Precision: jaxlrs follows the exact formula (2e-6 relative at every step, SPEC §1.5,
with integer step arithmetic past 2**24). Optax computes ``count / transition_steps``
and its cosine in float32: it is itself off the formula where it cancels (a decay to 0
near its end: up to ~1e-7 of the largest value, absolute) and at large steps (its
float32 ``count`` is inexact past 2**24: a linear decay over 1e8 steps is 4.6% off 100
steps before its end, a stair lands one step early near 2e7; a cosine ``exponent`` below
1 amplifies the float32 tail: 1e-5 relative with ``exponent=0.5``). So the value at step
``k`` equals Optax's to 1e-6 relative or 2e-7 of the largest of the schedule's values
absolute, whichever is looser, up to 2**24 steps (for ``exponent >= 1``), and equals the
exact formula beyond.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp

from .. import _check as check
from .. import _time
from .._combinators import join, shift, warmup
from .._primitives import constant, cosine, exponential, linear, polynomial
from .._schedule import Schedule, expands, register
from .._time import Time, value
from ._optax_piecewise import (
    cosine_onecycle_schedule,
    linear_onecycle_schedule,
    piecewise_constant_schedule,
    piecewise_interpolate_schedule,
)

Array = jax.Array

__all__ = [
    "constant_schedule",
    "cosine_decay_schedule",
    "cosine_onecycle_schedule",
    "exponential_decay",
    "join_schedules",
    "linear_onecycle_schedule",
    "linear_schedule",
    "piecewise_constant_schedule",
    "piecewise_interpolate_schedule",
    "polynomial_schedule",
    "sgdr_schedule",
    "warmup_constant_schedule",
    "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
]

_P = "compat.optax."


def _zero(x: Any) -> bool:
    """A concrete 0 (a traced value is never known to be 0)."""
    return not check.is_traced(x) and x == 0


def _delayed(body: Schedule, transition_begin: Any) -> Schedule:
    return body if _zero(transition_begin) else shift(body, transition_begin)


def _nonzero(steps: Any) -> tuple[Any, Array | None]:
    """``(steps, None)`` for a concrete count; for a traced or packed one, ``(safe, zero)``
    with ``zero = steps == 0`` and ``safe`` the count with 0 replaced by 1, so that the
    branch a 0 leaves unselected stays finite, with finite gradients."""
    if isinstance(steps, (int, float)):
        return steps, None
    zero = _time.count(steps) == 0
    return jnp.where(zero, 1, steps), zero


def _or_init(time: Time, steps: Any, init_value: Any, body: Any) -> Array:
    """``body(steps)`` evaluated, or the constant ``init_value`` where ``steps`` is 0
    (Optax's convention; checked at run time for a traced or packed count, whose body
    sees a 1 there instead: see :func:`_nonzero`)."""
    if _zero(steps):
        return value(init_value)
    safe, zero = _nonzero(steps)
    out = body(safe)._apply(time)
    return out if zero is None else jnp.where(zero, value(init_value), out)


def _steps(fn: str, name: str, x: Any) -> Any:
    return check.integer(fn, name, x, minimum=0)


# -- constant / linear / polynomial --------------------------------------------------------


def _constant_schedule(value: Any) -> Schedule:
    return constant(value)


@register(expands(_constant_schedule), name=_P + "constant_schedule")
def constant_schedule(value: float) -> Schedule:
    """``optax.constant_schedule``: ``lr(t) = value``.

    Example:
        >>> from jaxlrs.compat import optax
        >>> optax.constant_schedule(0.5)([0, 100]).tolist()
        [0.5, 0.5]
    """
    fn = "constant_schedule"
    return Schedule(_P + fn, {"value": check.real(fn, "value", value)})


def _polynomial_schedule(
    time: Time,
    init_value: Any,
    end_value: Any,
    power: Any,
    transition_steps: Any,
    transition_begin: Any,
) -> Array:
    def body(steps: Any) -> Schedule:
        return _delayed(polynomial(init_value, end_value, steps, power), transition_begin)

    return _or_init(time, transition_steps, init_value, body)


@register(_polynomial_schedule, name=_P + "polynomial_schedule")
def polynomial_schedule(
    init_value: float,
    end_value: float,
    power: float,
    transition_steps: int,
    transition_begin: int = 0,
) -> Schedule:
    """``optax.polynomial_schedule``.

    ``lr(t) = (I - E) * (1 - clip(t - B, 0, T) / T) ** power + E`` with ``I = init_value``,
    ``E = end_value``, ``T = transition_steps``, ``B = transition_begin``; ``T = 0`` gives
    the constant ``I`` (Optax's convention). Native:
    ``shift(polynomial(I, E, T, power), B)``.

    Args:
        init_value: value up to ``transition_begin``.
        end_value: value from ``transition_begin + transition_steps`` on.
        power: exponent, positive.
        transition_steps: length of the transition, a non-negative integer (0: constant).
            A traced 0 acts the same.
        transition_begin: steps held at ``init_value`` first, a non-negative integer.

    Example:
        >>> from jaxlrs.compat import optax
        >>> s = optax.polynomial_schedule(1.0, 0.0, 2.0, 10, transition_begin=5)
        >>> s([0, 5, 10, 15, 99]).tolist()
        [1.0, 1.0, 0.25, 0.0, 0.0]
    """
    fn = "polynomial_schedule"
    return Schedule(
        _P + fn,
        {
            "init_value": check.real(fn, "init_value", init_value),
            "end_value": check.real(fn, "end_value", end_value),
            "power": check.positive(fn, "power", power),
            "transition_steps": _steps(fn, "transition_steps", transition_steps),
            "transition_begin": _steps(fn, "transition_begin", transition_begin),
        },
    )


def _linear_schedule(
    time: Time, init_value: Any, end_value: Any, transition_steps: Any, transition_begin: Any
) -> Array:
    def body(steps: Any) -> Schedule:
        return _delayed(linear(init_value, end_value, steps), transition_begin)

    return _or_init(time, transition_steps, init_value, body)


@register(_linear_schedule, name=_P + "linear_schedule")
def linear_schedule(
    init_value: float, end_value: float, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """``optax.linear_schedule``.

    ``lr(t) = I + (E - I) * clip(t - B, 0, T) / T`` with ``I = init_value``,
    ``E = end_value``, ``T = transition_steps``, ``B = transition_begin``; ``T = 0`` gives
    the constant ``I`` (Optax's convention). Native: ``shift(linear(I, E, T), B)``. The
    remaining count ``T - (t - B)`` is an exact integer, so the tail of a long decay is
    exact (Optax's float32 ``count / T`` is 4.6% off 100 steps before the end of 1e8).

    Args:
        init_value: value up to ``transition_begin``.
        end_value: value from ``transition_begin + transition_steps`` on.
        transition_steps: length of the ramp, a non-negative integer (0: constant).
            A traced 0 acts the same.
        transition_begin: steps held at ``init_value`` first, a non-negative integer.

    Example:
        >>> from jaxlrs.compat import optax
        >>> s = optax.linear_schedule(1.0, 0.0, 10, transition_begin=5)
        >>> s([0, 5, 10, 15, 99]).tolist()
        [1.0, 1.0, 0.5, 0.0, 0.0]
    """
    fn = "linear_schedule"
    return Schedule(
        _P + fn,
        {
            "init_value": check.real(fn, "init_value", init_value),
            "end_value": check.real(fn, "end_value", end_value),
            "transition_steps": _steps(fn, "transition_steps", transition_steps),
            "transition_begin": _steps(fn, "transition_begin", transition_begin),
        },
    )


# -- cosine --------------------------------------------------------------------------------


def _cosine_decay_schedule(
    init_value: Any, decay_steps: Any, alpha: Any, exponent: Any
) -> Schedule:
    return cosine(init_value, decay_steps, init_value * alpha, exponent)


@register(expands(_cosine_decay_schedule), name=_P + "cosine_decay_schedule")
def cosine_decay_schedule(
    init_value: float, decay_steps: int, alpha: float = 0.0, exponent: float = 1.0
) -> Schedule:
    """``optax.cosine_decay_schedule``.

    ``lr(t) = I * ((1 - alpha) * ((1 + cos(pi * min(t, T) / T)) / 2) ** exponent + alpha)``
    with ``I = init_value``, ``T = decay_steps``. Native:
    ``cosine(I, T, end=I * alpha, exponent=exponent)``, accurate to the last step (Optax's
    float32 ``(1 + cos) / 2`` loses its tail: the last ~5,000 steps of a 2**26-step decay
    read exactly ``I * alpha``).

    Args:
        init_value: value at step 0.
        decay_steps: length of the decay, a positive integer.
        alpha: the floor as a fraction of ``init_value``.
        exponent: power on the cosine factor, positive.

    Example:
        >>> from jaxlrs.compat import optax
        >>> s = optax.cosine_decay_schedule(1.0, 100, alpha=0.1)
        >>> [round(v, 6) for v in s([0, 50, 100, 200]).tolist()]
        [1.0, 0.55, 0.1, 0.1]

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
        2017. https://arxiv.org/abs/1608.03983
    """
    fn = "cosine_decay_schedule"
    init_value = check.real(fn, "init_value", init_value)
    alpha = check.real(fn, "alpha", alpha)
    if not (check.is_traced(init_value) or check.is_traced(alpha)):
        check.derived(fn, "alpha * init_value", alpha * init_value)
    return Schedule(
        _P + fn,
        {
            "init_value": init_value,
            "decay_steps": check.integer(fn, "decay_steps", decay_steps),
            "alpha": alpha,
            "exponent": check.positive(fn, "exponent", exponent),
        },
    )


# -- exponential ---------------------------------------------------------------------------


def _exponential_decay(
    time: Time,
    init_value: Any,
    transition_steps: Any,
    decay_rate: Any,
    transition_begin: Any,
    staircase: bool,
    end_value: Any,
) -> Array:
    if _zero(decay_rate):
        return value(init_value)
    # A traced rate of 0: evaluate the decay at rate 1 (finite, with finite gradients)
    # and select init_value. The stand-in keeps the rate's host correction (the bits
    # float32 drops from 1.1 are 3e-6 of 1.1**128).
    zero_rate = None if isinstance(decay_rate, (int, float)) else value(decay_rate) == 0
    rate = (
        decay_rate
        if zero_rate is None
        else _time.keep_correction(jnp.where(zero_rate, 1.0, value(decay_rate)), decay_rate)
    )

    def body(steps: Any) -> Schedule:
        decay = exponential(init_value, rate, steps, staircase, end_value)
        return _delayed(decay, transition_begin)

    out = _or_init(time, transition_steps, init_value, body)
    return out if zero_rate is None else jnp.where(zero_rate, value(init_value), out)


@register(_exponential_decay, name=_P + "exponential_decay")
def exponential_decay(
    init_value: float,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """``optax.exponential_decay``.

    ``lr(t) = I * decay_rate ** (max(t - B, 0) / T)`` (``floor`` of the exponent when
    ``staircase``), with ``I = init_value``, ``T = transition_steps``,
    ``B = transition_begin``; clipped at ``end_value`` from step 0 when given (a floor when
    ``decay_rate < 1``, else a ceiling). ``T = 0`` or ``decay_rate = 0`` gives the
    constant ``I``, unclipped (Optax's convention). Native:
    ``shift(exponential(I, decay_rate, T, staircase, end_value), B)``; the stair is an
    exact integer at every step (Optax's float32 stair lands one step early past 2**24).

    Args:
        init_value: value up to ``transition_begin``.
        transition_steps: steps per factor of ``decay_rate``, a non-negative integer
            (0: constant). A traced 0 acts the same.
        decay_rate: the factor, non-negative (0: constant). A traced 0 acts the same.
        transition_begin: steps held at ``init_value`` first, a non-negative integer.
        staircase: decay in whole stairs.
        end_value: optional bound the value never crosses.

    Example:
        >>> from jaxlrs.compat import optax
        >>> s = optax.exponential_decay(1.0, 10, 0.5, transition_begin=5, staircase=True)
        >>> s([0, 5, 14, 15, 25]).tolist()
        [1.0, 1.0, 1.0, 0.5, 0.25]
    """
    fn = "exponential_decay"
    return Schedule(
        _P + fn,
        {
            "init_value": check.real(fn, "init_value", init_value),
            "transition_steps": _steps(fn, "transition_steps", transition_steps),
            "decay_rate": check.real(fn, "decay_rate", decay_rate, low=0.0),
            "transition_begin": _steps(fn, "transition_begin", transition_begin),
            "staircase": check.flag(fn, "staircase", staircase),
            "end_value": check.optional(check.real, fn, "end_value", end_value),
        },
    )


# -- join ----------------------------------------------------------------------------------


def _join_schedules(schedules: tuple[Schedule, ...], boundaries: Any) -> Schedule:
    return schedules[0] if len(schedules) == 1 else join(list(schedules), list(boundaries))


@register(expands(_join_schedules), name=_P + "join_schedules")
def join_schedules(schedules: list[Schedule], boundaries: list[int]) -> Schedule:
    """``optax.join_schedules``: schedule ``i`` from ``boundaries[i-1]`` on, fed the step
    since that boundary.

    ``lr(t) = schedules[i](t - boundaries[i-1])`` for
    ``boundaries[i-1] <= t < boundaries[i]``. Native: ``join(schedules, boundaries)``.

    Args:
        schedules: jaxlrs schedules (wrap a plain function with ``jaxlrs.from_fn``).
        boundaries: one fewer than schedules, strictly increasing non-negative integers.

    Example:
        >>> from jaxlrs.compat import optax
        >>> s = optax.join_schedules(
        ...     [optax.linear_schedule(0.0, 1.0, 10), optax.constant_schedule(0.5)], [10])
        >>> s([0, 5, 10, 99]).tolist()
        [0.0, 0.5, 0.5, 0.5]
    """
    fn = "join_schedules"
    pieces = check.schedules(fn, "schedules", schedules)
    boundaries = check.integers(fn, "boundaries", boundaries)
    check.length(fn, "boundaries", boundaries, len(pieces) - 1, "one entry fewer than schedules")
    return Schedule(_P + fn, {"schedules": pieces, "boundaries": boundaries})


# -- warmup recipes ------------------------------------------------------------------------


def _warmup_constant_schedule(
    time: Time, init_value: Any, peak_value: Any, warmup_steps: Any
) -> Array:
    return _linear_schedule(time, init_value, peak_value, warmup_steps, 0)


@register(_warmup_constant_schedule, name=_P + "warmup_constant_schedule")
def warmup_constant_schedule(init_value: float, peak_value: float, warmup_steps: int) -> Schedule:
    """``optax.warmup_constant_schedule``: ``linear_schedule(init_value, peak_value,
    warmup_steps)``.

    ``lr(t) = I + (P - I) * min(t, W) / W``; ``W = 0`` gives the constant
    ``init_value`` (Optax's convention: not ``peak_value``). Native: ``linear(I, P, W)``.

    Args:
        init_value: value at step 0.
        peak_value: value from ``warmup_steps`` on.
        warmup_steps: length of the warmup, a non-negative integer (0: constant
            ``init_value``). A traced 0 acts the same.

    Example:
        >>> from jaxlrs.compat import optax
        >>> optax.warmup_constant_schedule(0.0, 1.0, 4)([0, 1, 4, 99]).tolist()
        [0.0, 0.25, 1.0, 1.0]
    """
    fn = "warmup_constant_schedule"
    return Schedule(
        _P + fn,
        {
            "init_value": check.real(fn, "init_value", init_value),
            "peak_value": check.real(fn, "peak_value", peak_value),
            "warmup_steps": _steps(fn, "warmup_steps", warmup_steps),
        },
    )


_WCD = ("init_value", "peak_value", "warmup_steps", "decay_steps", "end_value", "exponent")


def _cosine_end(peak_value: Any, end_value: Any) -> Any:
    """Optax's ``peak * alpha`` with ``alpha = 0 if peak == 0 else end / peak``."""
    if check.is_traced(peak_value):
        return jnp.where(peak_value == 0, 0.0, end_value)
    return 0.0 if peak_value == 0 else end_value


def _warmup_cosine_decay_schedule(
    init_value: Any,
    peak_value: Any,
    warmup_steps: Any,
    decay_steps: Any,
    end_value: Any,
    exponent: Any,
) -> Schedule:
    body = cosine(
        peak_value, decay_steps - warmup_steps, _cosine_end(peak_value, end_value), exponent
    )
    return body if _zero(warmup_steps) else warmup(body, warmup_steps, init_value)


def _wcd_args(fn: str, where: str, *args: Any) -> tuple[Any, ...]:
    """The six ``warmup_cosine_decay_schedule`` arguments checked, with messages of ``fn``
    that name each as ``where + name`` (``where`` is ``"cosine_kwargs[2] "`` for a cycle
    of ``sgdr_schedule``)."""
    init_value, peak_value, warmup_steps, decay_steps, end_value, exponent = args
    n = {k: where + k for k in _WCD}
    w = _steps(fn, n["warmup_steps"], warmup_steps)
    d = check.integer(fn, n["decay_steps"], decay_steps)
    if not check.is_traced(w) and not check.is_traced(d) and d <= w:
        raise ValueError(
            f"{fn}(): {n['decay_steps']} must be larger than {n['warmup_steps']} (it counts "
            f"the warmup), got warmup_steps={w!r}, decay_steps={d!r}"
        )
    return (
        check.real(fn, n["init_value"], init_value),
        check.real(fn, n["peak_value"], peak_value),
        w,
        d,
        check.real(fn, n["end_value"], end_value),
        check.positive(fn, n["exponent"], exponent),
    )


@register(expands(_warmup_cosine_decay_schedule), name=_P + "warmup_cosine_decay_schedule")
def warmup_cosine_decay_schedule(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    decay_steps: int,
    end_value: float = 0.0,
    exponent: float = 1.0,
) -> Schedule:
    """``optax.warmup_cosine_decay_schedule``: linear warmup, then cosine decay.

    ``lr(t) = I + (P - I) * t / W`` for ``t < W``; then with ``u = min(t - W, D - W)``,
    ``lr = E + (P - E) * ((1 + cos(pi * u / (D - W))) / 2) ** exponent`` (``I, P, E`` =
    ``init_value, peak_value, end_value``, ``W = warmup_steps``, ``D = decay_steps``:
    **the decay counts the warmup**). ``peak_value == 0`` ignores ``end_value`` (Optax's
    ``alpha = 0``). Native: ``warmup(cosine(P, D - W, E, exponent), W, I)``.

    Args:
        init_value: value at step 0.
        peak_value: value at the end of the warmup.
        warmup_steps: length of the warmup, a non-negative integer.
        decay_steps: total length, warmup included, larger than ``warmup_steps``.
        end_value: value from ``decay_steps`` on.
        exponent: power on the cosine factor, positive.

    Example:
        >>> from jaxlrs.compat import optax
        >>> s = optax.warmup_cosine_decay_schedule(0.0, 1.0, 10, 110, end_value=0.1)
        >>> [round(v, 6) for v in s([0, 5, 10, 60, 110, 999]).tolist()]
        [0.0, 0.5, 1.0, 0.55, 0.1, 0.1]
    """
    fn = "warmup_cosine_decay_schedule"
    args = (init_value, peak_value, warmup_steps, decay_steps, end_value, exponent)
    return Schedule(_P + fn, dict(zip(_WCD, _wcd_args(fn, "", *args), strict=True)))


def _warmup_exponential_decay_schedule(
    time: Time,
    init_value: Any,
    peak_value: Any,
    warmup_steps: Any,
    transition_steps: Any,
    decay_rate: Any,
    transition_begin: Any,
    staircase: bool,
    end_value: Any,
) -> Array:
    # Not ``warmup``: Optax ramps to peak_value, then starts the decay at its (possibly
    # clipped) value, one step later.
    decay = _exponential_decay(
        _time.minus(time, warmup_steps),
        peak_value,
        transition_steps,
        decay_rate,
        transition_begin,
        staircase,
        end_value,
    )
    if _zero(warmup_steps):
        return decay
    ramp = linear(init_value, peak_value, _nonzero(warmup_steps)[0])._apply(time)
    return jnp.where(_time.before(time, warmup_steps), ramp, decay)


@register(_warmup_exponential_decay_schedule, name=_P + "warmup_exponential_decay_schedule")
def warmup_exponential_decay_schedule(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """``optax.warmup_exponential_decay_schedule``: linear warmup, then exponential decay.

    ``lr(t) = I + (P - I) * t / W`` for ``t < W``, then
    ``exponential_decay(P, transition_steps, decay_rate, transition_begin, staircase,
    end_value)(t - W)`` (see :func:`exponential_decay`; its ``end_value`` clip applies from
    the end of the warmup). Native: ``join([linear(I, P, W), ...], [W])``.

    Args:
        init_value: value at step 0.
        peak_value: value at the end of the warmup.
        warmup_steps: length of the warmup, a non-negative integer.
        transition_steps: steps per factor of ``decay_rate``, non-negative (0: constant).
        decay_rate: the factor, non-negative (0: constant).
        transition_begin: steps held at ``peak_value`` after the warmup.
        staircase: decay in whole stairs.
        end_value: optional bound the decay never crosses.

    Example:
        >>> from jaxlrs.compat import optax
        >>> s = optax.warmup_exponential_decay_schedule(0.0, 1.0, 4, 10, 0.5)
        >>> s([0, 2, 4, 14, 24]).tolist()
        [0.0, 0.5, 1.0, 0.5, 0.25]
    """
    fn = "warmup_exponential_decay_schedule"
    return Schedule(
        _P + fn,
        {
            "init_value": check.real(fn, "init_value", init_value),
            "peak_value": check.real(fn, "peak_value", peak_value),
            "warmup_steps": _steps(fn, "warmup_steps", warmup_steps),
            "transition_steps": _steps(fn, "transition_steps", transition_steps),
            "decay_rate": check.real(fn, "decay_rate", decay_rate, low=0.0),
            "transition_begin": _steps(fn, "transition_begin", transition_begin),
            "staircase": check.flag(fn, "staircase", staircase),
            "end_value": check.optional(check.real, fn, "end_value", end_value),
        },
    )


# -- SGDR ----------------------------------------------------------------------------------

_WCD_DEFAULTS = {"end_value": 0.0, "exponent": 1.0}


def _cycle_args(fn: str, i: int, kwargs: Any) -> tuple[Any, ...]:
    """One cycle's ``warmup_cosine_decay_schedule`` arguments as its six values."""
    name = f"cosine_kwargs[{i}]"
    if not isinstance(kwargs, Mapping):
        check._fail(fn, name, "a dict of warmup_cosine_decay_schedule arguments", kwargs, TypeError)
    unknown = sorted(set(kwargs) - set(_WCD))
    if unknown:
        check._fail(fn, name, "a dict of warmup_cosine_decay_schedule arguments", unknown[0])
    full = {**_WCD_DEFAULTS, **kwargs}
    missing = [k for k in _WCD if k not in full]
    if missing:
        raise TypeError(f"{fn}(): {name} is missing the argument {missing[0]!r}")
    return _wcd_args(fn, name + " ", *(full[k] for k in _WCD))


def _sgdr_schedule(cosine_kwargs: tuple[Any, ...]) -> Schedule:
    n = len(cosine_kwargs[0])
    cycles = [tuple(col[i] for col in cosine_kwargs) for i in range(n)]
    pieces = [warmup_cosine_decay_schedule(*c) for c in cycles]
    if n == 1:
        return pieces[0]
    ends, step = [], 0
    for c in cycles[:-1]:
        step = _total(step, c[3])
        ends.append(step)
    return join(pieces, ends)


def _total(a: Any, b: Any) -> Any:
    """``a + b`` of two step counts where it cannot wrap: Python ints exactly; integer
    arrays (the packed eager path hands counts in as int32) in the unsigned dtype,
    saturating at its largest value (a boundary that far is past every step either way);
    floats otherwise."""
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    a, b = _time.exact_count(a), _time.exact_count(b)
    if _time.is_int(a) and _time.is_int(b):
        u = _time.unsigned()
        a, b = a.astype(u), b.astype(u)
        return a + jnp.minimum(b, jnp.asarray(jnp.iinfo(u).max, u) - a)
    f = _time.float_dtype()
    return a.astype(f) + b.astype(f)


@register(expands(_sgdr_schedule), name=_P + "sgdr_schedule")
def sgdr_schedule(cosine_kwargs: list[dict[str, Any]]) -> Schedule:
    """``optax.sgdr_schedule``: warmup-cosine cycles one after another.

    Cycle ``i`` is ``warmup_cosine_decay_schedule(**cosine_kwargs[i])`` and lasts its
    ``decay_steps``; it sees the step since its start. Native: a ``join`` of the cycles.
    The schedule stores and prints the dicts as six lists, one per argument
    (``[init_values, peak_values, warmup_steps, decay_steps, end_values, exponents]``),
    and accepts that form too (so that ``parse`` reads it back).

    Args:
        cosine_kwargs: at least one dict of ``warmup_cosine_decay_schedule`` arguments
            (``end_value`` and ``exponent`` optional), or the six lists.

    Example:
        >>> from jaxlrs.compat import optax
        >>> cycle = dict(init_value=0.0, peak_value=1.0, warmup_steps=2, decay_steps=10)
        >>> s = optax.sgdr_schedule([cycle, cycle])
        >>> [round(v, 6) for v in s([0, 2, 6, 10, 12, 99]).tolist()]
        [0.0, 1.0, 0.5, 0.0, 1.0, 0.0]
        >>> optax.sgdr_schedule([cycle])
        compat.optax.sgdr_schedule([[0.0], [1.0], [2], [10], [0.0], [1.0]])
    """
    fn = "sgdr_schedule"
    allowed = "a list of dicts of warmup_cosine_decay_schedule arguments"
    if isinstance(cosine_kwargs, Mapping):
        check._fail(fn, "cosine_kwargs", allowed, cosine_kwargs, TypeError)
    items = check.sequence(fn, "cosine_kwargs", cosine_kwargs)
    if check.is_traced(items) or len(items) < 1:
        check._fail(fn, "cosine_kwargs", allowed + " (at least 1)", cosine_kwargs)
    if not isinstance(items[0], Mapping) and len(items) == len(_WCD):
        cols = [check.sequence(fn, f"cosine_kwargs[{j}]", c) for j, c in enumerate(items)]
        if len({len(c) for c in cols}) != 1 or not cols[0]:
            check._fail(fn, "cosine_kwargs", "six lists of one length", cosine_kwargs)
        items = [dict(zip(_WCD, row, strict=True)) for row in zip(*cols, strict=True)]
    rows = [_cycle_args(fn, i, c) for i, c in enumerate(items)]
    columns = tuple(tuple(r[j] for r in rows) for j in range(len(_WCD)))
    return Schedule(_P + fn, {"cosine_kwargs": columns})
