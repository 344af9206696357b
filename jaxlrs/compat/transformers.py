"""Hugging Face-compatible schedules: ``transformers.optimization``'s ``get_*_schedule*``.

Each function takes Hugging Face's arguments with the optimizer replaced by ``peak`` (the
optimizer's learning rate, which Hugging Face's ``LambdaLR`` multiplies) and returns an
ordinary :class:`jaxlrs.Schedule` whose value at step ``k`` is the learning rate the
optimizer uses on its ``k``-th update (0-based), to 1e-6 relative. The repr reads like
the Hugging Face call, ``compat.transformers.get_linear_schedule_with_warmup(0.001, 100,
1000)``. ``get_scheduler(name, lr, num_warmup_steps, num_training_steps, kwargs)`` builds
them by Hugging Face's ``SchedulerType`` name (a Trainer's ``lr_scheduler_type``).

Conventions that differ from jaxlrs's native schedules:

* Every warmup is ``t / max(1, num_warmup_steps)``: the **first step has rate 0** (native
  ``warmup`` too, but Optax users may expect otherwise).
* ``num_training_steps`` counts the warmup (as jaxlrs's ``warmup_*`` recipes).
* The cosine schedules are **not clamped** past ``num_training_steps``: with the default
  ``num_cycles=0.5`` the rate rises again after the end (native ``cosine`` holds ``end``).
* Hugging Face silently accepts ``num_training_steps <= num_warmup_steps`` (the rate then
  drops to 0 or divides by zero after the warmup); jaxlrs raises ``ValueError``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .. import _check as check
from .. import _time
from .._combinators import warmup
from .._curves import half_cos, safe_sqrt
from .._primitives import constant, linear, polynomial
from .._schedule import Schedule, expands, register
from .._time import Time, value
from ._util import before, warmup_fraction

Array = jax.Array

__all__ = [
    "GreedyLR",
    "get_constant_schedule",
    "get_constant_schedule_with_warmup",
    "get_cosine_schedule_with_warmup",
    "get_cosine_with_hard_restarts_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "get_inverse_sqrt_schedule",
    "get_linear_schedule_with_warmup",
    "get_polynomial_decay_schedule_with_warmup",
    "get_scheduler",
    "get_wsd_schedule",
]

_P = "compat.transformers."


def _peak(fn: str, peak: Any) -> Any:
    return check.real(fn, "peak", peak, low=0.0)


def _cycles(fn: str, num_cycles: Any) -> Any:
    """A cosine's ``num_cycles``: positive, at most 2**30. More cycles than float32 can
    place a phase for (the exact path takes whole ``2 * num_cycles`` below 2**31, and beyond
    2**30 cycles a float phase is noise in any precision) are refused."""
    return check.real(fn, "num_cycles", num_cycles, low=0.0, low_open=True, high=2.0**30)


def _steps(fn: str, num_warmup_steps: Any, num_training_steps: Any) -> tuple[Any, Any]:
    w = check.integer(fn, "num_warmup_steps", num_warmup_steps, minimum=0)
    t = check.integer(fn, "num_training_steps", num_training_steps)
    if not check.is_traced(w) and not check.is_traced(t) and t <= w:
        raise ValueError(
            f"{fn}(): num_training_steps must be larger than num_warmup_steps (it counts the "
            f"warmup), got num_warmup_steps={w!r}, num_training_steps={t!r}"
        )
    return w, t


def _less(a: Any, b: Any) -> Array:
    """``a - b`` of two step counts: in the index dtype when both are integers of it, else
    in the float dtype (a count above the index range travels as a float; an implicit
    int/float promotion is refused under strict dtype promotion)."""
    a, b = _time.count(a), _time.count(b)
    if _time.is_int(a) and _time.is_int(b) and a.dtype == b.dtype:
        return a - b
    f = _time.float_dtype()
    return a.astype(f) - b.astype(f)


def _phase(rest: Time, n: Array, q: Array, num_cycles: Any) -> Array:
    """``frac(num_cycles * u / n)`` for ``u = q n + rest`` (``0 <= rest < n``), as
    ``frac(frac(nc) q + nc rest / n)`` in double-float arithmetic from ``num_cycles``'s
    full-precision value: a float32 ``2 nc p`` is off by 1e-4 of a period at step 2**24.
    Beyond 2**40 cycles the phase is meaningless in any precision (float64 too): there,
    the float formula (finite, with finite gradients), as for a length beyond 2**40 (only
    a float count), where ``u / n < 2**-9`` needs no reduction."""
    f = _time.float_dtype()
    nc = value(num_cycles)
    huge = (nc > 2.0**40) | (n.astype(f) > 2.0**40)  # also a length beyond any step
    c = _time.df_where(huge, _time.df(jnp.ones_like(nc)), _time.df_value(num_cycles))
    safe_n = jnp.where(huge, jnp.ones_like(n), n)
    r = _time.df(jnp.where(huge, jnp.zeros_like(rest.n), rest.n))
    if rest.d is not None:
        r = _time.df_div(r, _time.df(rest.d))
    whole = _time.df_frac(_time.df_mul(_time.df_frac(c), _time.df(q)))
    part = _time.df_div(_time.df_mul(c, r), _time.df(safe_n))
    sum_df = _time.df_frac(_time.df_add(whole, _time.df_frac(part)))
    x = sum_df.hi + sum_df.lo
    # frac(nc q) = frac(frac(nc) q) for an integer q: no overflow of nc q.
    safe = jnp.where(huge, nc, 1.0)
    rough = (safe - jnp.floor(safe)) * q.astype(f) + safe * _time.ramp(rest, n)[0]
    return jnp.where(huge, rough - jnp.floor(rough), x - jnp.floor(x))


def _next(rest: Time) -> Time:
    """``rest + 1`` (for ``0 <= rest < n``: at most ``n``, so it never wraps)."""
    if not rest.exact:
        return Time(rest.n + 1)
    one = jnp.ones((), rest.n.dtype) if rest.d is None else rest.d.astype(rest.n.dtype)
    return Time(rest.n + one, rest.d)


def _wave(local: Time, length: Any, num_cycles: Any, ahead: bool = False) -> Array:
    """``(1 + cos(2 pi num_cycles u / length)) / 2`` at local step ``u >= 0``, not
    clamped; with ``ahead``, at ``u + 1`` (in the unsigned type: never past its range).

    For an integer step and length, the phase ``frac(num_cycles u / length)`` is exact
    for ``num_cycles``'s float64 value at any step (``_time.frac_ratio``; a traced value
    as it is stored), and the gradient in ``num_cycles`` is that of the float formula.
    Otherwise (a stretched or float step) the phase is computed in double-float arithmetic
    (``_phase``)."""
    f = _time.float_dtype()
    n = _time.count(length)
    if local.exact and local.d is None and _time.is_int(n):
        u = jnp.maximum(local.n, 0).astype(_time.unsigned()) + (1 if ahead else 0)
        x = _time.frac_ratio(num_cycles, u, n)
        z = _time.df_add(_time.df(jnp.ones((), f)), _time.DF(-2 * x.hi, -2 * x.lo))
        nc = value(num_cycles)
        # 0 in value; its gradient in num_cycles is that of 1 - 2 num_cycles u / length.
        slope = (nc - jax.lax.stop_gradient(nc)) * (u.astype(f) / n.astype(f))
        return half_cos((z.hi + z.lo) - 2 * slope)
    q = _time.floordiv(local, n)
    if local.exact:
        rest = _time.minus(local, q * n)
    else:
        nf = n.astype(f)
        rest = Time(jnp.clip(_time.to_float(local) - q.astype(f) * nf, 0, nf))
    if ahead:
        rest = _next(rest)
    return half_cos(1 - 2 * _phase(rest, n, q, num_cycles))


# -- constant / linear / polynomial --------------------------------------------------------


def _constant(peak: Any) -> Schedule:
    return constant(peak)


@register(expands(_constant), name=_P + "get_constant_schedule")
def get_constant_schedule(peak: float) -> Schedule:
    """``transformers.get_constant_schedule``: ``lr(t) = peak``.

    Example:
        >>> from jaxlrs.compat import transformers as hf
        >>> hf.get_constant_schedule(0.5)([0, 10]).tolist()
        [0.5, 0.5]
    """
    fn = "get_constant_schedule"
    return Schedule(_P + fn, {"peak": _peak(fn, peak)})


def _constant_warmup(peak: Any, num_warmup_steps: Any) -> Schedule:
    return warmup(constant(peak), num_warmup_steps)


@register(expands(_constant_warmup), name=_P + "get_constant_schedule_with_warmup")
def get_constant_schedule_with_warmup(peak: float, num_warmup_steps: int) -> Schedule:
    """``transformers.get_constant_schedule_with_warmup``.

    ``lr(t) = peak * t / max(1, W)`` for ``t < W``, then ``peak`` (native:
    ``warmup(constant(peak), W)``).

    Example:
        >>> from jaxlrs.compat import transformers as hf
        >>> hf.get_constant_schedule_with_warmup(1.0, 4)([0, 1, 4, 9]).tolist()
        [0.0, 0.25, 1.0, 1.0]
    """
    fn = "get_constant_schedule_with_warmup"
    return Schedule(
        _P + fn,
        {
            "peak": _peak(fn, peak),
            "num_warmup_steps": check.integer(fn, "num_warmup_steps", num_warmup_steps, minimum=0),
        },
    )


def _linear_warmup(peak: Any, num_warmup_steps: Any, num_training_steps: Any) -> Schedule:
    return warmup(linear(peak, 0.0, num_training_steps - num_warmup_steps), num_warmup_steps)


@register(expands(_linear_warmup), name=_P + "get_linear_schedule_with_warmup")
def get_linear_schedule_with_warmup(
    peak: float, num_warmup_steps: int, num_training_steps: int
) -> Schedule:
    """``transformers.get_linear_schedule_with_warmup``.

    ``lr(t) = peak * t / max(1, W)`` for ``t < W``, then
    ``peak * max(0, (T - t) / (T - W))`` (native: ``warmup(linear(peak, 0, T - W), W)``;
    the remaining count ``T - t`` is exact at any step).

    Args:
        peak: the optimizer's learning rate.
        num_warmup_steps: ``W``, a non-negative integer.
        num_training_steps: ``T``, the total (warmup included), larger than ``W``.

    Example:
        >>> from jaxlrs.compat import transformers as hf
        >>> hf.get_linear_schedule_with_warmup(10.0, 2, 10)([0, 1, 2, 6, 10, 20]).tolist()
        [0.0, 5.0, 10.0, 5.0, 0.0, 0.0]
    """
    fn = "get_linear_schedule_with_warmup"
    w, t = _steps(fn, num_warmup_steps, num_training_steps)
    return Schedule(
        _P + fn, {"peak": _peak(fn, peak), "num_warmup_steps": w, "num_training_steps": t}
    )


def _polynomial_warmup(
    peak: Any, num_warmup_steps: Any, num_training_steps: Any, lr_end: Any, power: Any
) -> Schedule:
    body = polynomial(peak, lr_end, num_training_steps - num_warmup_steps, power)
    return warmup(body, num_warmup_steps)


@register(expands(_polynomial_warmup), name=_P + "get_polynomial_decay_schedule_with_warmup")
def get_polynomial_decay_schedule_with_warmup(
    peak: float,
    num_warmup_steps: int,
    num_training_steps: int,
    lr_end: float = 1e-7,
    power: float = 1.0,
) -> Schedule:
    """``transformers.get_polynomial_decay_schedule_with_warmup``.

    ``lr(t) = peak * t / max(1, W)`` for ``t < W``, then
    ``(peak - lr_end) * (1 - (t - W) / (T - W)) ** power + lr_end``, and ``lr_end`` after
    ``T`` (native: ``warmup(polynomial(peak, lr_end, T - W, power), W)``).

    Args:
        peak: the optimizer's learning rate, larger than ``lr_end``.
        num_warmup_steps: ``W``, a non-negative integer.
        num_training_steps: ``T``, the total (warmup included), larger than ``W``.
        lr_end: the final learning rate.
        power: exponent, positive.

    Example:
        >>> from jaxlrs.compat import transformers as hf
        >>> s = hf.get_polynomial_decay_schedule_with_warmup(1.0, 2, 10, 0.0, power=2.0)
        >>> s([0, 1, 2, 6, 10, 20]).tolist()
        [0.0, 0.5, 1.0, 0.25, 0.0, 0.0]
    """
    fn = "get_polynomial_decay_schedule_with_warmup"
    w, t = _steps(fn, num_warmup_steps, num_training_steps)
    peak = _peak(fn, peak)
    lr_end = check.real(fn, "lr_end", lr_end)
    if not check.is_traced(peak) and not check.is_traced(lr_end) and not peak > lr_end:
        raise ValueError(f"{fn}(): lr_end must be smaller than peak ({peak!r}), got {lr_end!r}")
    return Schedule(
        _P + fn,
        {
            "peak": peak,
            "num_warmup_steps": w,
            "num_training_steps": t,
            "lr_end": lr_end,
            "power": check.positive(fn, "power", power),
        },
    )


# -- cosine family -------------------------------------------------------------------------


def _cosine_value(
    time: Time,
    peak: Any,
    w: Any,
    t_total: Any,
    num_cycles: Any,
    rate: Any = None,
    min_lr: Any = None,
) -> Array:
    w = _time.count(w)
    length = jnp.maximum(_less(t_total, w), 1)
    wave = _wave(_time.minus(time, w), length, num_cycles)
    p = value(peak)
    if min_lr is not None:
        # peak * max(0, f (1 - r) + r) with r = min_lr / peak, formed without the division
        # (whose gradient in peak, -min_lr / peak**2, is 0 / 0 once peak**2 underflows):
        # v = f (peak - min_lr) + min_lr, kept where v / peak > 0, i.e. where v and peak
        # have one sign.
        m = value(min_lr)
        v = wave * (p - m) + m
        keep = ((v > 0) & (p > 0)) | ((v < 0) & (p < 0))
        decayed = jnp.where(keep, v, 0.0)
        return jnp.where(before(time, w), p * warmup_fraction(time, w), decayed)
    if rate is not None:
        r = value(rate)
        wave = jnp.maximum(wave * (1 - r) + r, 0.0)
    factor = jnp.where(before(time, w), warmup_fraction(time, w), wave)
    return p * factor


def _cosine(
    time: Time, peak: Any, num_warmup_steps: Any, num_training_steps: Any, num_cycles: Any
) -> Array:
    return _cosine_value(time, peak, num_warmup_steps, num_training_steps, num_cycles)


@register(_cosine, name=_P + "get_cosine_schedule_with_warmup")
def get_cosine_schedule_with_warmup(
    peak: float, num_warmup_steps: int, num_training_steps: int, num_cycles: float = 0.5
) -> Schedule:
    """``transformers.get_cosine_schedule_with_warmup``.

    ``lr(t) = peak * t / max(1, W)`` for ``t < W``, then
    ``peak * (1 + cos(2 pi num_cycles p)) / 2`` with ``p = (t - W) / (T - W)``.

    **Not clamped past T**, as in Hugging Face: with the default ``num_cycles=0.5`` the
    rate reaches 0 at ``T`` and rises again after it (back to ``peak`` at
    ``2 T - W``). The phase ``num_cycles * (t - W) / (T - W) mod 1`` is exact for
    ``num_cycles``'s float64 value at every step up to ``2**31 - 1``, for every
    ``num_cycles`` (from the exact dyadic value of the float, with integer modular
    products): the value is within 2e-6 relative (or 1e-10 of ``peak``) of the formula
    for that value (tested against 50-digit arithmetic). A traced ``num_cycles`` is taken
    as it is stored.

    Args:
        peak: the optimizer's learning rate.
        num_warmup_steps: ``W``, a non-negative integer.
        num_training_steps: ``T``, the total (warmup included), larger than ``W``.
        num_cycles: number of cosine periods between ``W`` and ``T`` (0.5: one half-wave
            down), at most 2**30.

    Example:
        >>> from jaxlrs.compat import transformers as hf
        >>> s = hf.get_cosine_schedule_with_warmup(1.0, 10, 110)
        >>> [round(v, 6) for v in s([0, 5, 10, 60, 110, 160]).tolist()]
        [0.0, 0.5, 1.0, 0.5, 0.0, 0.5]
    """
    fn = "get_cosine_schedule_with_warmup"
    w, t = _steps(fn, num_warmup_steps, num_training_steps)
    return Schedule(
        _P + fn,
        {
            "peak": _peak(fn, peak),
            "num_warmup_steps": w,
            "num_training_steps": t,
            "num_cycles": _cycles(fn, num_cycles),
        },
    )


def _cosine_min_lr(
    time: Time,
    peak: Any,
    num_warmup_steps: Any,
    num_training_steps: Any,
    num_cycles: Any,
    min_lr: Any,
    min_lr_rate: Any,
) -> Array:
    return _cosine_value(
        time, peak, num_warmup_steps, num_training_steps, num_cycles, min_lr_rate, min_lr
    )


@register(_cosine_min_lr, name=_P + "get_cosine_with_min_lr_schedule_with_warmup")
def get_cosine_with_min_lr_schedule_with_warmup(
    peak: float,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
) -> Schedule:
    """``transformers.get_cosine_with_min_lr_schedule_with_warmup``.

    As :func:`get_cosine_schedule_with_warmup` with the cosine factor ``f`` mapped to
    ``max(0, f * (1 - r) + r)``, ``r = min_lr / peak`` or ``min_lr_rate`` (give exactly
    one). Not clamped past ``T`` either.

    Example:
        >>> from jaxlrs.compat import transformers as hf
        >>> s = hf.get_cosine_with_min_lr_schedule_with_warmup(1.0, 0, 100, min_lr_rate=0.5)
        >>> s([0, 50, 100]).tolist()
        [1.0, 0.75, 0.5]
    """
    fn = "get_cosine_with_min_lr_schedule_with_warmup"
    args = _min_lr_args(
        fn, peak, num_warmup_steps, num_training_steps, num_cycles, min_lr, min_lr_rate
    )
    return Schedule(_P + fn, args)


def _min_lr_args(
    fn: str,
    peak: Any,
    num_warmup_steps: Any,
    num_training_steps: Any,
    num_cycles: Any,
    min_lr: Any,
    min_lr_rate: Any,
) -> dict[str, Any]:
    """The checked arguments of the min-lr cosines (exactly one of ``min_lr`` and
    ``min_lr_rate``), in their order."""
    w, t = _steps(fn, num_warmup_steps, num_training_steps)
    if (min_lr is None) == (min_lr_rate is None):
        raise ValueError(
            f"{fn}(): exactly one of min_lr and min_lr_rate must be given, "
            f"got min_lr={min_lr!r}, min_lr_rate={min_lr_rate!r}"
        )
    peak = _peak(fn, peak)
    if min_lr is not None and not check.is_traced(peak) and peak == 0:
        raise ValueError(f"{fn}(): peak must be positive when min_lr is given, got 0")
    min_lr = check.optional(check.real, fn, "min_lr", min_lr)
    if min_lr is not None and not (check.is_traced(peak) or check.is_traced(min_lr)):
        check.derived(fn, "min_lr / peak", min_lr / peak)  # the rate r, in float32
    return {
        "peak": peak,
        "num_warmup_steps": w,
        "num_training_steps": t,
        "num_cycles": _cycles(fn, num_cycles),
        "min_lr": min_lr,
        "min_lr_rate": check.optional(check.real, fn, "min_lr_rate", min_lr_rate),
    }


def _hard_restarts(
    time: Time, peak: Any, num_warmup_steps: Any, num_training_steps: Any, num_cycles: Any
) -> Array:
    f = _time.float_dtype()
    w = _time.count(num_warmup_steps)
    length = jnp.maximum(_less(num_training_steps, w), 1)
    local = _time.minus(time, w, length)
    nc = num_cycles if check.is_traced(num_cycles) else jnp.asarray(num_cycles)
    if local.exact and local.d is None and _time.is_int(nc) and _time.is_int(length):
        # (num_cycles * u) mod L in integers, with an exact modular product: the position
        # in the restart is exact at any step.
        u = _time.unsigned()
        lng = length.astype(u)
        j = _time.mulmod(local.n.astype(u) % lng, nc.astype(u) % lng, lng)
        left = (lng - j).astype(f) / lng.astype(f)
    else:
        done, _ = _time.ramp(local, length)
        x = value(nc) * done
        left = 1 - (x - jnp.floor(x))
    wave = jnp.where(before(local, length), half_cos(left), 0.0)
    factor = jnp.where(before(time, w), warmup_fraction(time, w), wave)
    return value(peak) * factor


@register(_hard_restarts, name=_P + "get_cosine_with_hard_restarts_schedule_with_warmup")
def get_cosine_with_hard_restarts_schedule_with_warmup(
    peak: float, num_warmup_steps: int, num_training_steps: int, num_cycles: int = 1
) -> Schedule:
    """``transformers.get_cosine_with_hard_restarts_schedule_with_warmup``.

    ``lr(t) = peak * t / max(1, W)`` for ``t < W``; then, with ``p = (t - W) / (T - W)``,
    ``peak * (1 + cos(pi * ((num_cycles * p) mod 1))) / 2`` for ``p < 1`` and 0 from ``T``
    on. With an integer ``num_cycles`` the position inside a restart is exact: at a
    restart step (``num_cycles * (t - W)`` a multiple of ``T - W``) the value is ``peak``.
    Hugging Face computes ``(num_cycles * p) % 1`` in float64, which at some restart steps
    lands just below 1 and gives 0 instead of ``peak`` (e.g. ``T = 22``,
    ``num_cycles = 22``, step 15); elsewhere the two agree to 1e-6 relative.

    Args:
        peak: the optimizer's learning rate.
        num_warmup_steps: ``W``, a non-negative integer.
        num_training_steps: ``T``, the total (warmup included), larger than ``W``.
        num_cycles: number of cosine restarts between ``W`` and ``T``, positive.

    Example:
        >>> from jaxlrs.compat import transformers as hf
        >>> s = hf.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 0, 100, 2)
        >>> [round(v, 6) for v in s([0, 25, 50, 75, 100]).tolist()]
        [1.0, 0.5, 1.0, 0.5, 0.0]
    """
    fn = "get_cosine_with_hard_restarts_schedule_with_warmup"
    w, t = _steps(fn, num_warmup_steps, num_training_steps)
    nc = check.positive(fn, "num_cycles", num_cycles)
    if isinstance(nc, float) and nc.is_integer():
        nc = int(nc)
    return Schedule(
        _P + fn,
        {"peak": _peak(fn, peak), "num_warmup_steps": w, "num_training_steps": t, "num_cycles": nc},
    )


# -- inverse sqrt --------------------------------------------------------------------------


def _inverse_sqrt(time: Time, peak: Any, num_warmup_steps: Any, timescale: Any) -> Array:
    f = _time.float_dtype()
    w = _time.count(num_warmup_steps)
    if timescale is None:
        ts = jnp.where(w > 0, w.astype(f), 10_000.0)
    else:
        ts = _time.count(timescale).astype(f)
    u = _time.to_float(_time.minus(time, w))
    decay = jnp.sqrt(ts / (u + ts))
    factor = jnp.where(before(time, w), warmup_fraction(time, w), decay)
    return value(peak) * factor


@register(_inverse_sqrt, name=_P + "get_inverse_sqrt_schedule")
def get_inverse_sqrt_schedule(
    peak: float, num_warmup_steps: int, timescale: int | None = None
) -> Schedule:
    """``transformers.get_inverse_sqrt_schedule``.

    ``lr(t) = peak * t / max(1, W)`` for ``t < W``, then
    ``peak / sqrt((t - W + timescale) / timescale)``; ``timescale`` defaults to ``W``, or
    10,000 when ``W`` is 0.

    Args:
        peak: the optimizer's learning rate.
        num_warmup_steps: ``W``, a non-negative integer.
        timescale: a positive integer, or None for the default.

    Example:
        >>> from jaxlrs.compat import transformers as hf
        >>> hf.get_inverse_sqrt_schedule(1.0, 4)([0, 2, 4, 16, 64]).tolist()
        [0.0, 0.5, 1.0, 0.5, 0.25]
    """
    fn = "get_inverse_sqrt_schedule"
    return Schedule(
        _P + fn,
        {
            "peak": _peak(fn, peak),
            "num_warmup_steps": check.integer(fn, "num_warmup_steps", num_warmup_steps, minimum=0),
            "timescale": check.optional(check.integer, fn, "timescale", timescale),
        },
    )


# -- warmup-stable-decay -------------------------------------------------------------------

_WSD_TYPES = ("linear", "cosine", "1-sqrt")


def _wsd(
    time: Time,
    peak: Any,
    num_warmup_steps: Any,
    num_decay_steps: Any,
    num_training_steps: Any,
    num_stable_steps: Any,
    warmup_type: str,
    decay_type: str,
    min_lr_ratio: Any,
    num_cycles: Any,
) -> Array:
    w, d = _time.count(num_warmup_steps), _time.count(num_decay_steps)
    if num_stable_steps is None:
        s = _less(_less(num_training_steps, w), d)
    else:
        s = _time.count(num_stable_steps)
    r = value(min_lr_ratio)
    done, left = _time.ramp(time, jnp.maximum(w, 1))
    if warmup_type == "linear":
        up = done
    elif warmup_type == "cosine":
        up = half_cos(done)
    else:
        up = done / (1 + safe_sqrt(left))
    # Offsets one after another (``w + s + d`` could wrap at the top of the index range).
    stable = _time.minus(time, w)
    local = _time.minus(stable, s)
    length = jnp.maximum(d, 1)
    done, left = _time.ramp(local, length)
    if decay_type == "linear":
        down = left
    elif decay_type == "cosine":
        down = _wave(local, length, num_cycles)
    else:
        down = left / (1 + safe_sqrt(done))
    one = jnp.ones((), _time.float_dtype())
    factor = jnp.where(
        before(time, w),
        jnp.maximum(up * (1 - r) + r, 0.0),
        jnp.where(
            before(stable, s),
            one,
            jnp.where(before(local, d), jnp.maximum(down * (1 - r) + r, 0.0), r),
        ),
    )
    return value(peak) * factor


@register(_wsd, name=_P + "get_wsd_schedule")
def get_wsd_schedule(
    peak: float,
    num_warmup_steps: int,
    num_decay_steps: int,
    num_training_steps: int | None = None,
    num_stable_steps: int | None = None,
    warmup_type: str = "linear",
    decay_type: str = "cosine",
    min_lr_ratio: float = 0,
    num_cycles: float = 0.5,
) -> Schedule:
    """``transformers.get_wsd_schedule``: warmup, stable, decay.

    With ``r = min_lr_ratio``: warmup over ``W`` steps with factor ``p``,
    ``(1 - cos(pi p)) / 2`` or ``1 - sqrt(1 - p)`` (``warmup_type``), mapped to
    ``f * (1 - r) + r``; ``peak`` for ``S`` stable steps; decay over ``D`` steps with factor
    ``1 - p``, ``(1 + cos(2 pi num_cycles p)) / 2`` or ``1 - sqrt(p)`` (``decay_type``),
    mapped the same way; then ``peak * r``. ``S = num_stable_steps``, or
    ``num_training_steps - W - D``.

    Hugging Face warns and uses ``num_stable_steps`` when both it and
    ``num_training_steps`` are given; jaxlrs raises unless they agree. The cosine decay's
    phase is exact when ``2 * num_cycles`` is whole, else computed in double-float
    arithmetic (as ``get_cosine_schedule_with_warmup``'s; within 1e-7 of ``peak``).

    Args:
        peak: the optimizer's learning rate.
        num_warmup_steps: ``W``, a non-negative integer.
        num_decay_steps: ``D``, a non-negative integer.
        num_training_steps: the total ``W + S + D``, or None.
        num_stable_steps: ``S``, or None.
        warmup_type: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
        decay_type: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
        min_lr_ratio: the floor as a fraction of ``peak``.
        num_cycles: cosine periods over the decay (0.5: one half-wave), at most 2**30.

    Example:
        >>> from jaxlrs.compat import transformers as hf
        >>> s = hf.get_wsd_schedule(1.0, 10, 10, num_training_steps=100, decay_type="linear")
        >>> s([0, 5, 10, 89, 90, 95, 100]).tolist()
        [0.0, 0.5, 1.0, 1.0, 1.0, 0.5, 0.0]

    References:
        Hu et al., "MiniCPM: Unveiling the Potential of Small Language Models with
        Scalable Training Strategies", 2024. https://arxiv.org/abs/2404.06395
    """
    fn = "get_wsd_schedule"
    w = check.integer(fn, "num_warmup_steps", num_warmup_steps, minimum=0)
    d = check.integer(fn, "num_decay_steps", num_decay_steps, minimum=0)
    total = check.optional(check.integer, fn, "num_training_steps", num_training_steps)
    stable = check.optional(check.integer, fn, "num_stable_steps", num_stable_steps, minimum=0)
    if total is None and stable is None:
        raise ValueError(
            f"{fn}(): num_training_steps or num_stable_steps must be given, got neither"
        )
    values = [w, d, total, stable]
    if total is not None and not any(check.is_traced(x) for x in values):
        if stable is not None and stable != total - w - d:
            raise ValueError(
                f"{fn}(): num_stable_steps must equal num_training_steps - num_warmup_steps "
                f"- num_decay_steps ({total - w - d}) when both are given, got {stable!r}"
            )
        if total < w + d:
            raise ValueError(
                f"{fn}(): num_training_steps must be at least num_warmup_steps + "
                f"num_decay_steps ({w + d}), got {total!r}"
            )
    return Schedule(
        _P + fn,
        {
            "peak": _peak(fn, peak),
            "num_warmup_steps": w,
            "num_decay_steps": d,
            "num_training_steps": total,
            "num_stable_steps": stable,
            "warmup_type": check.option(fn, "warmup_type", warmup_type, _WSD_TYPES),
            "decay_type": check.option(fn, "decay_type", decay_type, _WSD_TYPES),
            "min_lr_ratio": check.real(fn, "min_lr_ratio", min_lr_ratio),
            "num_cycles": _cycles(fn, num_cycles),
        },
    )


# The constructors of other modules, which build on the helpers above.
from ._transformers_greedy import GreedyLR  # noqa: E402
from ._transformers_lr_rate import get_cosine_with_min_lr_schedule_with_warmup_lr_rate  # noqa: E402
from ._transformers_names import get_scheduler  # noqa: E402
