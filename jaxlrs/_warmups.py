"""Warmup families (``warmup_*``), warmup-stable-decay, and the inverse square root
schedules of Transformer training (``inverse_sqrt``, ``noam``, ``rsqrt``).

Every ``warmup_*`` takes ``(peak, warmup, steps, init=0.0, end=0.0, ...)``: it ramps from
``init`` to ``peak`` over ``warmup`` steps along ``shape``, then decays from ``peak`` to
``end``, which it reaches at step ``steps`` (the total, warmup included) and holds.

Hyperparameters are validated when concrete; traced ones (inside ``jit``, ``vmap``,
``grad``) cannot be inspected and are not checked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from . import _check as check
from . import _fraction, _time
from ._combinators import _check_shape, cooldown, warmup
from ._curves import blend
from ._primitives import constant, linear, piecewise_constant, polynomial
from ._schedule import Schedule, expands, register
from ._time import Time, count, float_dtype, is_int, value

Array = jax.Array


def counts(*xs: Any) -> list[Array]:
    """Step counts of one kind: all integers (unsigned when one is above the index maximum,
    so that their differences stay exact), or all floats when any is a float."""
    cs = [_time.exact_count(x) for x in xs]
    if all(is_int(c) for c in cs):
        return [c.astype(_time.unsigned()) for c in cs] if any(map(_time._is_unsigned, cs)) else cs
    return [c.astype(float_dtype()) for c in cs]


_before = _time.before


def _ramp_then(
    time: Time, peak: Any, warmup: Any, init: Any, shape: str, after: Callable[[Time], Array]
) -> Array:
    """A warmup from ``init`` to ``peak`` over ``warmup`` steps, then ``after(t - warmup)``."""
    steps = _time.exact_count(warmup)
    done, left = _time.ramp(time, steps)
    rise = blend(shape, init, peak, done, left, steps)
    return jnp.where(_before(time, steps), rise, after(_time.minus(time, steps)))


def _family(fn: str, peak: Any, warmup: Any, steps: Any, init: Any, end: Any, shape: Any) -> dict:
    warmup, steps = _fraction.warmup_within(fn, warmup, steps)
    init = check.real(fn, "init", init)
    return {
        "peak": check.real(fn, "peak", peak),
        "warmup": warmup,
        "steps": steps,
        "init": init,
        "end": check.real(fn, "end", end),
        "shape": _check_shape(fn, shape, init, "init", ("peak", peak)),
    }


# -- warmup_constant -----------------------------------------------------------------------


def _warmup_constant(
    peak: Any, warmup: Any, steps: Any, init: Any, end: Any, shape: str
) -> Schedule:
    if steps is None:
        body = constant(peak)
    else:
        warmup = _fraction.steps_of(warmup, steps)
        hold = counts(steps, warmup)
        body = piecewise_constant([hold[0] - hold[1]], [peak, end])
    return _warmup(body, warmup, init, shape)


_warmup = warmup


@register(expands(_warmup_constant))
def warmup_constant(
    peak: float,
    warmup: int,
    steps: int | None = None,
    init: float = 0.0,
    end: float = 0.0,
    shape: str = "linear",
) -> Schedule:
    """Warmup from ``init`` to ``peak``, then hold ``peak`` (forever, or until ``steps``).

    ``lr(t) = init + (peak - init) * f(t / warmup)`` for ``t < warmup``, then ``peak``;
    with ``steps``, ``end`` from step ``steps`` on.

    Hugging Face's ``get_constant_schedule_with_warmup(W)`` is ``warmup_constant(lr, W)``.
    ``warmup=0`` is a plain constant (Optax's ``warmup_constant_schedule`` returns its
    initial value forever then).

    Args:
        peak: the value after the warmup.
        warmup: length of the warmup, a non-negative integer, or ``fraction(r)`` of
            ``steps`` when ``steps`` is given (``ceil(r * steps)`` steps).
        steps: optional total length, warmup included, above ``warmup``.
        init: value at step 0.
        end: value from ``steps`` on (unused without ``steps``).
        shape: the warmup curve: ``linear``, ``cosine``, ``sqrt``, ``1-sqrt``,
            ``exponential``, ``log`` or ``constant``.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.warmup_constant(1.0, 4)([0, 1, 2, 4, 10**9]).tolist()
        [0.0, 0.25, 0.5, 1.0, 1.0]

    References:
        Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", 2017.
        https://arxiv.org/abs/1706.02677
    """
    fn = "warmup_constant"
    if steps is None:
        warmup = _fraction.length(fn, "warmup", warmup, None)
    else:
        warmup, steps = _fraction.warmup_within(fn, warmup, steps)
    init = check.real(fn, "init", init)
    return Schedule(
        fn,
        {
            "peak": check.real(fn, "peak", peak),
            "warmup": warmup,
            "steps": steps,
            "init": init,
            "end": check.real(fn, "end", end),
            "shape": _check_shape(fn, shape, init, "init", ("peak", peak)),
        },
    )


# -- warmup_linear / warmup_polynomial -----------------------------------------------------


def _warmup_linear(peak: Any, warmup: Any, steps: Any, init: Any, end: Any, shape: str) -> Schedule:
    warmup = _fraction.steps_of(warmup, steps)
    total, w = counts(steps, warmup)
    return _warmup(linear(peak, end, total - w), warmup, init, shape)


@register(expands(_warmup_linear))
def warmup_linear(
    peak: float,
    warmup: int,
    steps: int,
    init: float = 0.0,
    end: float = 0.0,
    shape: str = "linear",
) -> Schedule:
    """Warmup from ``init`` to ``peak``, then a straight line down to ``end`` at ``steps``.

    ``lr(t) = init + (peak - init) * f(t / warmup)`` for ``t < warmup``, then
    ``end + (peak - end) * (steps - t) / (steps - warmup)``, then ``end``.

    Hugging Face's ``get_linear_schedule_with_warmup(W, T)`` is
    ``warmup_linear(lr, W, T)``.

    Args:
        peak: value at the end of the warmup.
        warmup: length of the warmup, a non-negative integer below ``steps``, or
            ``fraction(r)`` of ``steps`` (``ceil(r * steps)`` steps, see ``fraction``).
        steps: total length, warmup included, a positive integer.
        init: value at step 0.
        end: value from ``steps`` on.
        shape: the warmup curve: ``linear``, ``cosine``, ``sqrt``, ``1-sqrt``,
            ``exponential``, ``log`` or ``constant``.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.warmup_linear(10.0, 2, 10)([0, 1, 2, 6, 10]).tolist()
        [0.0, 5.0, 10.0, 5.0, 0.0]
    """
    return Schedule(
        "warmup_linear", _family("warmup_linear", peak, warmup, steps, init, end, shape)
    )


def _warmup_polynomial(
    peak: Any, warmup: Any, steps: Any, init: Any, end: Any, power: Any, shape: str
) -> Schedule:
    warmup = _fraction.steps_of(warmup, steps)
    total, w = counts(steps, warmup)
    return _warmup(polynomial(peak, end, total - w, power), warmup, init, shape)


@register(expands(_warmup_polynomial))
def warmup_polynomial(
    peak: float,
    warmup: int,
    steps: int,
    init: float = 0.0,
    end: float = 0.0,
    power: float = 1.0,
    shape: str = "linear",
) -> Schedule:
    """Warmup from ``init`` to ``peak``, then a polynomial decay to ``end`` at ``steps``.

    ``lr(t) = init + (peak - init) * f(t / warmup)`` for ``t < warmup``, then
    ``end + (peak - end) * ((steps - t) / (steps - warmup)) ** power``, then ``end``.

    Hugging Face's ``get_polynomial_decay_schedule_with_warmup(W, T, lr_end, power)`` is
    ``warmup_polynomial(lr, W, T, end=lr_end, power=power)``.

    Args:
        peak: value at the end of the warmup.
        warmup: length of the warmup, a non-negative integer below ``steps``, or
            ``fraction(r)`` of ``steps`` (``ceil(r * steps)`` steps, see ``fraction``).
        steps: total length, warmup included, a positive integer.
        init: value at step 0.
        end: value from ``steps`` on.
        power: exponent of the decay, positive.
        shape: the warmup curve: ``linear``, ``cosine``, ``sqrt``, ``1-sqrt``,
            ``exponential``, ``log`` or ``constant``.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.warmup_polynomial(10.0, 2, 10, power=2.0)([0, 1, 2, 6, 10]).tolist()
        [0.0, 5.0, 10.0, 2.5, 0.0]
    """
    fn = "warmup_polynomial"
    args = _family(fn, peak, warmup, steps, init, end, shape)
    args["power"] = check.positive(fn, "power", power)
    args["shape"] = args.pop("shape")
    return Schedule(fn, args)


# -- warmup_exponential / warmup_inverse_sqrt ----------------------------------------------


def _constant_fall(peak: Any, end: Any, rate: Any) -> bool:
    reals = all(_time.python_real(x) for x in (peak, end, rate))
    return reals and 0 < rate < 1 and peak >= end >= 0


def _warmup_exponential(
    time: Time, peak: Any, warmup: Any, steps: Any, init: Any, end: Any, rate: Any, shape: str
) -> Array:
    warmup = _fraction.steps_of(warmup, steps)
    total, w = counts(steps, warmup)

    def after(local: Time) -> Array:
        done, left = _time.ramp(local, total - w)
        if _constant_fall(peak, end, rate) and end > 0 and abs(end - peak * rate) <= 1e-9 * end:
            # Constants with end = peak * rate (to 1e-9, far inside the contract): the
            # docstring's plain exponential decay, peak * rate**done, one pow.
            return jnp.power(jnp.asarray(rate, done.dtype), done) * value(peak)
        if _constant_fall(peak, end, rate):
            # Constants (compiled into a caller's program): the weight of peak,
            # frac = r**done (1 - r**left) / (1 - r), is one pow and one expm1 of one
            # sign, and end + (peak - end) * frac never cancels for peak >= end >= 0.
            frac = jnp.power(jnp.asarray(rate, done.dtype), done) * (
                -jnp.expm1(left * math.log(rate)) * ((peak - end) / (1 - rate))
            )
            return frac if end == 0 else frac + end
        r = value(rate)
        inside = (r > 0) & (r < 1)
        lr = jnp.log(jnp.where(inside, r, 0.5))
        # frac = (r**done - r) / (1 - r) and 1 - frac = (1 - r**done) / (1 - r), each a
        # ratio of two expm1 of one sign: peak * frac + end * (1 - frac) never cancels
        # (end + (peak - end) * frac loses a small peak below a larger end).
        # Where an exponent passes 1 in magnitude, float32's rounding of it (2e-6 of the
        # value at 34) is avoided with pow, accurate to its last bit: r**done - r and
        # 1 - r**done then no longer cancel.
        scale = jnp.expm1(lr)
        sr = jnp.where(inside, r, 0.5)
        rd = sr**done
        frac = jnp.where(
            jnp.abs(left * lr) > 1, (rd - sr) / -scale, jnp.exp(lr) * jnp.expm1(-left * lr) / -scale
        )
        rest = jnp.where(jnp.abs(done * lr) > 1, (1 - rd) / -scale, jnp.expm1(done * lr) / scale)
        frac = jnp.where(inside, frac, left)
        rest = jnp.where(inside, rest, done)
        return value(peak) * frac + value(end) * rest

    return _ramp_then(time, peak, warmup, init, shape, after)


@register(_warmup_exponential)
def warmup_exponential(
    peak: float,
    warmup: int,
    steps: int,
    init: float = 0.0,
    end: float = 0.0,
    rate: float = 0.01,
    shape: str = "linear",
) -> Schedule:
    """Warmup from ``init`` to ``peak``, then an exponential decay that lands on ``end``
    at ``steps``.

    ``lr(t) = init + (peak - init) * f(t / warmup)`` for ``t < warmup``, then
    ``end + (peak - end) * (rate**p - rate) / (1 - rate)`` with
    ``p = (t - warmup) / (steps - warmup)``, then ``end``.

    ``rate`` sets the curvature: the decay is geometric, shifted and scaled so that it
    starts at ``peak`` and ends at ``end``. With ``end = peak * rate`` it is exactly
    ``peak * rate**p`` (a plain exponential decay from ``peak`` to ``peak * rate``); the
    default ``end=0.0`` pins the end to zero. For an unbounded exponential decay use
    ``warmup(exponential(peak, rate, steps), warmup)``.

    Args:
        peak: value at the end of the warmup.
        warmup: length of the warmup, a non-negative integer below ``steps``, or
            ``fraction(r)`` of ``steps`` (``ceil(r * steps)`` steps, see ``fraction``).
        steps: total length, warmup included, a positive integer.
        init: value at step 0.
        end: value from ``steps`` on.
        rate: the geometric factor over the decay, in (0, 1).
        shape: the warmup curve: ``linear``, ``cosine``, ``sqrt``, ``1-sqrt``,
            ``exponential``, ``log`` or ``constant``.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.warmup_exponential(1.0, 10, 110, end=0.01, rate=0.01)
        >>> [round(x, 6) for x in s([0, 5, 10, 60, 110]).tolist()]
        [0.0, 0.5, 1.0, 0.1, 0.01]
    """
    fn = "warmup_exponential"
    args = _family(fn, peak, warmup, steps, init, end, shape)
    args["rate"] = check.real(fn, "rate", rate, low=0.0, high=1.0, low_open=True, high_open=True)
    args["shape"] = args.pop("shape")
    return Schedule(fn, args)


def _timescale(timescale: Any, warmup: Any) -> Array:
    """``timescale``, or ``warmup`` (10,000 when ``warmup`` is 0) when None."""
    if timescale is not None:
        return value(timescale)
    w = value(count(warmup))
    return jnp.where(w > 0, w, 10_000.0)


def _warmup_inverse_sqrt(
    time: Time,
    peak: Any,
    warmup: Any,
    steps: Any,
    init: Any,
    end: Any,
    timescale: Any,
    shape: str,
) -> Array:
    warmup = _fraction.steps_of(warmup, steps)
    total, w = counts(steps, warmup)
    tau = _timescale(timescale, warmup)

    def after(local: Time) -> Array:
        done, left = _time.ramp(local, total - w)
        u = jnp.minimum(_time.to_float(local), value(total - w))
        # (r(u) - r(D)) / (1 - r(D)) with r(u) = sqrt(tau / (tau + u)), D = steps - warmup,
        # written with the exact remaining fraction ``left`` (no cancellation at the end).
        # In units of sqrt(tau + D), the largest of the three roots (halves in the ratios:
        # tau + D may pass float32's largest): every product below stays near 1.
        half = 0.5 * tau + 0.5 * value(total - w)
        a, r = jnp.sqrt((0.5 * tau + 0.5 * u) / half), jnp.sqrt(0.5 * tau / half)
        # (where: a zero weight passes no gradient, which a huge cotangent would make 0 * inf)
        frac = jnp.where(left > 0, left * r * (1 + r) / (a * (a + 1)), 0.0)
        # 1 - frac = (1 - r(u)) / (1 - r(D)), written without a subtraction either.
        rest = jnp.where(done > 0, done * (1 + r) / (a * (a + r)), 0.0)
        return value(peak) * frac + value(end) * rest

    return _ramp_then(time, peak, warmup, init, shape, after)


@register(_warmup_inverse_sqrt)
def warmup_inverse_sqrt(
    peak: float,
    warmup: int,
    steps: int,
    init: float = 0.0,
    end: float = 0.0,
    timescale: float | None = None,
    shape: str = "linear",
) -> Schedule:
    """Warmup from ``init`` to ``peak``, then an inverse square root decay that lands on
    ``end`` at ``steps``.

    ``lr(t) = init + (peak - init) * f(t / warmup)`` for ``t < warmup``, then
    ``end + (peak - end) * (r(t - warmup) - r(D)) / (1 - r(D))`` with
    ``r(u) = sqrt(timescale / (timescale + u))`` and ``D = steps - warmup``, then ``end``.

    The inverse square root shape, normalised to run from ``peak`` to ``end`` within the
    training budget like the other ``warmup_*``. For the unbounded schedule
    (``peak * r(t - warmup)``, Hugging Face's ``get_inverse_sqrt_schedule``) use
    ``inverse_sqrt``.

    Args:
        peak: value at the end of the warmup.
        warmup: length of the warmup, a non-negative integer below ``steps``, or
            ``fraction(r)`` of ``steps`` (``ceil(r * steps)`` steps, see ``fraction``).
        steps: total length, warmup included, a positive integer.
        init: value at step 0.
        end: value from ``steps`` on.
        timescale: steps over which ``r`` halves the rate's square, positive; default
            ``warmup`` (10,000 when ``warmup`` is 0).
        shape: the warmup curve: ``linear``, ``cosine``, ``sqrt``, ``1-sqrt``,
            ``exponential``, ``log`` or ``constant``.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.warmup_inverse_sqrt(1.0, 10, 40)
        >>> [round(x, 6) for x in s([0, 5, 10, 40, 50]).tolist()]
        [0.0, 0.5, 1.0, 0.0, 0.0]
    """
    fn = "warmup_inverse_sqrt"
    args = _family(fn, peak, warmup, steps, init, end, shape)
    args["timescale"] = check.optional(check.positive, fn, "timescale", timescale)
    args["shape"] = args.pop("shape")
    return Schedule(fn, args)


# -- wsd -----------------------------------------------------------------------------------


def _wsd(peak: Any, warmup: Any, steps: Any, decay_steps: Any, shape: str, end: Any) -> Schedule:
    warmup = _fraction.steps_of(warmup, steps)
    decay_steps = _fraction.steps_of(decay_steps, steps)
    total, w, d = counts(steps, warmup, decay_steps)
    return _warmup(cooldown(constant(peak), total - w - d, d, end, shape), warmup)


@register(expands(_wsd))
def wsd(
    peak: float,
    warmup: int,
    steps: int,
    decay_steps: int,
    shape: str = "1-sqrt",
    end: float = 0.0,
) -> Schedule:
    """Warmup, stable, decay: a linear warmup from 0, a long constant phase at ``peak``,
    and a final decay to ``end`` over the last ``decay_steps`` of ``steps``.

    ``lr(t) = peak * t / warmup`` for ``t < warmup``; ``peak`` until
    ``s = steps - decay_steps``; then ``end + (peak - end) * g((t - s) / decay_steps)``;
    ``end`` from ``steps`` on. ``g`` is the decay ``shape``: ``1-sqrt``
    ``1 - sqrt(p)`` (Hägele et al. 2024), ``linear`` ``1 - p``, ``cosine``
    ``(1 + cos(pi p)) / 2``, ``exponential`` geometric to ``end > 0`` (MiniCPM), or
    ``sqrt`` ``sqrt(1 - p)``.

    ``steps`` and ``decay_steps`` (so the step where the decay starts) may be traced: one
    compiled program can branch a cooldown off any checkpoint,
    ``jax.jit(lambda t, s: wsd(peak, w, s + d, d)(t))``.

    Args:
        peak: the stable value.
        warmup: length of the warmup, a non-negative integer, or ``fraction(r)`` of
            ``steps`` (``ceil(r * steps)`` steps, see ``fraction``).
        steps: total length, warmup and decay included, a positive integer.
        decay_steps: length of the decay, a positive integer, at most
            ``steps - warmup``, or ``fraction(r)`` of ``steps``: ``wsd(peak,
            fraction(0.01), T, fraction(0.2))`` cools down over the last 20% of any ``T``.
        shape: the decay curve.
        end: value from ``steps`` on (positive for ``exponential``).

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.wsd(1.0, 10, 100, 20, shape="linear")
        >>> s([0, 5, 10, 80, 90, 100]).tolist()
        [0.0, 0.5, 1.0, 1.0, 0.5, 0.0]

    References:
        Hu et al., "MiniCPM: Unveiling the Potential of Small Language Models with
        Scalable Training Strategies", 2024. https://arxiv.org/abs/2404.06395
        Hägele et al., "Scaling Laws and Compute-Optimal Training Beyond Fixed Training
        Durations", 2024. https://arxiv.org/abs/2405.18392
    """
    fn = "wsd"
    steps = check.integer(fn, "steps", steps)
    warmup = _fraction.length(fn, "warmup", warmup, steps)
    decay_steps = _fraction.length(fn, "decay_steps", decay_steps, steps, minimum=1)
    w, d = _fraction.count_of(warmup, steps), _fraction.count_of(decay_steps, steps)
    if not any(check.is_traced(x) for x in (w, steps, d)):
        if w + d > steps:
            w, d = _fraction.shown(warmup, steps), _fraction.shown(decay_steps, steps)
            raise ValueError(
                f"{fn}(): warmup + decay_steps must be at most steps (steps counts both), "
                f"got warmup={w}, decay_steps={d}, steps={steps!r}"
            )
    end = check.real(fn, "end", end)
    return Schedule(
        fn,
        {
            "peak": check.real(fn, "peak", peak),
            "warmup": warmup,
            "steps": steps,
            "decay_steps": decay_steps,
            "shape": _check_shape(fn, shape, end, "end", ("peak", peak)),
            "end": end,
        },
    )


# -- inverse square root family ------------------------------------------------------------


def _inverse_sqrt(time: Time, peak: Any, warmup: Any, timescale: Any) -> Array:
    tau = _timescale(timescale, warmup)

    def after(local: Time) -> Array:
        return value(peak) * jnp.sqrt(tau / (tau + _time.to_float(local)))

    return _ramp_then(time, peak, warmup, 0.0, "linear", after)


@register(_inverse_sqrt)
def inverse_sqrt(peak: float, warmup: int, timescale: float | None = None) -> Schedule:
    """Linear warmup from 0 to ``peak``, then inverse square root decay (never ends).

    ``lr(t) = peak * t / warmup`` for ``t < warmup``, then
    ``peak * sqrt(timescale / (timescale + t - warmup))``; ``timescale`` defaults to
    ``warmup`` (10,000 when ``warmup`` is 0), which gives the classic
    ``peak * sqrt(warmup / t)``.

    Hugging Face's ``get_inverse_sqrt_schedule(W, timescale)`` is
    ``inverse_sqrt(lr, W, timescale)``.

    Args:
        peak: value at the end of the warmup.
        warmup: length of the warmup, a non-negative integer.
        timescale: positive, or None for the default.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.inverse_sqrt(1.0, 4)([0, 2, 4, 16, 64]).tolist()
        [0.0, 0.5, 1.0, 0.5, 0.25]

    References:
        Vaswani et al., "Attention Is All You Need", 2017.
        https://arxiv.org/abs/1706.03762
    """
    fn = "inverse_sqrt"
    return Schedule(
        fn,
        {
            "peak": check.real(fn, "peak", peak),
            "warmup": check.integer(fn, "warmup", warmup, minimum=0),
            "timescale": check.optional(check.positive, fn, "timescale", timescale),
        },
    )


def _noam(time: Time, d_model: Any, warmup: Any, scale: Any) -> Array:
    s = _time.to_float(time) + 1
    w = value(count(warmup))
    rise = s / (w * jnp.sqrt(w))
    # The factor of the step (at most 1) meets d_model**-0.5 (at most 2**46) before the
    # scale: scale / sqrt(d_model) alone may pass float32's range where the value does not
    # (noam(1e-26, 1, scale=1e26) at 2**24 is 2.4e35); opaque, or XLA folds the two
    # constants of a closed-over schedule into one that overflows.
    f = _time._rounded(jnp.minimum(1 / jnp.sqrt(s), rise) / jnp.sqrt(value(d_model)))
    return value(scale) * f


@register(_noam)
def noam(d_model: float, warmup: int, scale: float = 1.0) -> Schedule:
    """The Transformer ("Noam") schedule: linear warmup, then ``1/sqrt(step)``.

    ``lr(t) = scale * d_model**-0.5 * min(s**-0.5, s * warmup**-1.5)`` with ``s = t + 1``
    (the paper counts steps from 1; jaxlrs steps from 0, so step 0 here is the paper's
    step 1). The peak, ``scale * (d_model * warmup)**-0.5``, falls at ``t = warmup - 1``.

    Args:
        d_model: the model width, positive.
        warmup: length of the warmup, a positive integer.
        scale: a factor on the whole schedule.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.noam(64.0, 4, scale=16.0)
        >>> s([0, 3, 15]).tolist()
        [0.25, 1.0, 0.5]

    References:
        Vaswani et al., "Attention Is All You Need", 2017.
        https://arxiv.org/abs/1706.03762
    """
    fn = "noam"
    return Schedule(
        fn,
        {
            "d_model": check.positive(fn, "d_model", d_model),
            "warmup": check.integer(fn, "warmup", warmup),
            "scale": check.real(fn, "scale", scale),
        },
    )


def _rsqrt(time: Time, init: Any, plateau: Any) -> Array:
    k = value(count(plateau))
    return value(init) * jnp.sqrt(k / jnp.maximum(_time.to_float(time), k))


@register(_rsqrt)
def rsqrt(init: float, plateau: int = 10_000) -> Schedule:
    """T5's reciprocal square root: constant for ``plateau`` steps, then ``1/sqrt(t)``.

    ``lr(t) = init * sqrt(plateau / max(t, plateau))``

    T5's ``1 / sqrt(max(t, 10_000))`` is ``rsqrt(0.01)``.

    Args:
        init: the value during the plateau.
        plateau: steps before the decay starts, a positive integer.

    Example:
        >>> import jaxlrs
        >>> [round(x, 6) for x in jaxlrs.rsqrt(0.01)([0, 10_000, 40_000, 10**6]).tolist()]
        [0.01, 0.01, 0.005, 0.001]

    References:
        Raffel et al., "Exploring the Limits of Transfer Learning with a Unified
        Text-to-Text Transformer", 2020. https://arxiv.org/abs/1910.10683
    """
    fn = "rsqrt"
    return Schedule(
        fn,
        {
            "init": check.real(fn, "init", init),
            "plateau": check.integer(fn, "plateau", plateau),
        },
    )
