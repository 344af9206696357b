"""Recipes: named schedules built from primitives and combinators in a few lines.

A recipe prints as its own call (``sgdr(0.001, 1000, period_mult=2)``); it evaluates by
rebuilding its body from its hyperparameters, which may be traced.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _check as check
from . import _fraction, _time
from ._combinators import warmup
from ._curves import cos_blend, half_cos_pair
from ._cycles import locate
from ._primitives import cosine, times_power
from ._schedule import Schedule, expands, register
from ._time import Time, count, float_dtype, value
from ._warmups import _family

Array = jax.Array
_LN2 = math.log(2.0)
_warmup = warmup  # the constructors below have a parameter named warmup


def _is_zero(x: Any) -> bool:
    return isinstance(x, (int, float)) and x == 0


def _sgdr(
    time: Time,
    peak: Any,
    period: Any,
    period_mult: Any,
    decay: Any,
    end: Any,
    warmup: Any,
    limit: Any,
) -> Array:
    f = float_dtype()
    steps = count(period)
    i, local, ok, rough = locate(_time.minus(time, warmup), steps, period_mult)

    # c = (1 + cos(pi u / L)) / 2 and 1 - c, each from the smaller of u and L - u (one sin;
    # the float position, where the exact one's denominator would wrap, selected before it).
    done, left = _time.ramp(local, steps, inside=True)
    if ok is not None and rough is not None:
        r_done, r_left = _time.ramp(rough, steps)
        done, left = jnp.where(ok, done, r_done), jnp.where(ok, left, r_left)
    if limit is not None:
        known = isinstance(limit, int) and limit <= _time.index_max()
        if known:  # lax on a host constant (see _time.host_count)
            host = np.asarray(limit - 1, i.dtype)
            over, i = jax.lax.gt(i, host), jax.lax.min(i, host)
        else:
            last = (count(limit) - 1).astype(i.dtype)
            over, i = i > last, jnp.minimum(i, last)
    if isinstance(decay, (int, float)) and decay == 1:
        v = cos_blend(peak, end, done, left)
        if limit is not None:
            at_end = np.asarray(end, v.dtype) if _time.python_real(end) else value(end)
            v = _time.select(over, at_end, v)
    else:
        lo, hi = value(end), value(peak)
        one_c, c = half_cos_pair(done, left)
        # end * (1 - D c) + peak * D c with D = decay**i and 1 - D c = (1 - c) + c (1 - D):
        # no cancellation at either end, whichever of peak and end is larger.
        # A growth (D > 2) is end + (peak - end) D c, with D c formed by times_power so
        # that it overflows only where the value does (and c = 0 gives end, not 0 * inf).
        fi = i.astype(f)
        corr = _time._correction(decay)
        log_d = jnp.log(value(decay)) + (0.0 if corr is None else jnp.asarray(corr, f))
        a = fi * log_d
        grow = a > _LN2
        dc = times_power(c * jnp.where(grow, hi - lo, 1.0), decay, (i, None))
        gap = c * jnp.expm1(jnp.minimum(a, _LN2))  # (D - 1) c, finite in every branch
        v = jnp.where(grow, lo + dc, lo * (one_c - gap) + hi * jnp.where(grow, 0.0, dc))
        if limit is not None:
            v = jnp.where(over, lo, v)
    if _is_zero(warmup):
        return v
    w = count(warmup)
    ramp, _ = _time.ramp(time, w)
    if time.exact and _time.is_int(w):
        warming = _time.whole(time) < w
    else:
        warming = _time.to_float(time) < w.astype(f)
    return jnp.where(warming, value(peak) * ramp, v)


@register(_sgdr)
def sgdr(
    peak: float,
    period: int,
    period_mult: float = 1,
    decay: float = 1.0,
    end: float = 0.0,
    warmup: int = 0,
    limit: int | None = None,
) -> Schedule:
    """Stochastic gradient descent with warm restarts: cosine cycles.

    Cycle ``i`` lasts ``period * period_mult**i`` steps and runs a cosine from
    ``end + (peak - end) * decay**i`` down to ``end`` (the floor is not decayed, as in
    Keras; timm decays the peak, ``end + (peak * decay**i - end) * (1 + cos(...)) / 2``,
    which differs where ``end`` and ``decay`` are not 0 and 1: see
    ``compat.timm.CosineLRScheduler``). With ``warmup``, one linear ramp from 0 to
    ``peak`` comes first and the cycles start after it. Infinite unless ``limit``
    cycles, after which ``end`` holds.

    ``lr = end + (peak - end) * decay**i * (1 + cos(pi * u / (period * period_mult**i))) / 2``

    O(1) per step in the number of cycles, and exact cycle boundaries at any step for an
    integer ``period_mult`` (see ``cycle``). With a growing ``decay`` (above 1) the value is
    a difference of terms larger than itself wherever ``end`` is not 0 (with ``peak < end``
    the cycles fall below 0): it is within 2e-6 of ``|end| + (|peak| + |end|) * D * c``
    (``D = decay**i``, ``c`` the half-cosine), the size of those terms, instead of 2e-6
    relative. The float32 rounding of ``peak``, ``end`` and ``c`` alone moves it by 6e-8 of
    that. A shrinking ``decay`` keeps the usual bound. A warmup inside every cycle is
    ``cycle(warmup(cosine(peak, period - w), w), period)``.

    Args:
        peak: value at the start of the first cycle.
        period: length of the first cycle, a positive integer.
        period_mult: factor on each next cycle's length, in [1, 2**31] (PyTorch's ``T_mult``).
        decay: factor on each next cycle's height above ``end``, positive.
        end: the floor every cycle decays to.
        warmup: steps of linear warmup before the first cycle, a non-negative integer
            (never a ``fraction``: the cycles have no total length to take it of).
        limit: number of cycles, a positive integer, or None.

    Example:
        >>> import jaxlrs, optax
        >>> s = jaxlrs.sgdr(1.0, 100, period_mult=2)
        >>> [round(x, 6) for x in s([0, 50, 100, 200, 300]).tolist()]
        [1.0, 0.5, 1.0, 0.5, 1.0]
        >>> opt = optax.adam(learning_rate=jaxlrs.sgdr(1e-3, 1_000, period_mult=2))

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
        2017. https://arxiv.org/abs/1608.03983
    """
    fn = "sgdr"
    period_mult = check.period_mult(fn, "period_mult", period_mult)
    if isinstance(period_mult, float) and period_mult.is_integer():
        period_mult = int(period_mult)
    return Schedule(
        fn,
        {
            "peak": check.real(fn, "peak", peak),
            "period": check.integer(fn, "period", period),
            "period_mult": period_mult,
            "decay": check.positive(fn, "decay", decay),
            "end": check.real(fn, "end", end),
            "warmup": check.integer(fn, "warmup", warmup, minimum=0),
            "limit": check.optional(check.integer, fn, "limit", limit),
        },
    )


def _warmup_cosine(
    peak: Any,
    warmup: Any,
    steps: Any,
    init: Any,
    end: Any,
    exponent: Any,
    shape: str,
) -> Schedule:
    warmup = _fraction.steps_of(warmup, steps)
    return _warmup(cosine(peak, steps - warmup, end, exponent), warmup, init, shape)


@register(expands(_warmup_cosine))
def warmup_cosine(
    peak: float,
    warmup: int,
    steps: int,
    init: float = 0.0,
    end: float = 0.0,
    exponent: float = 1.0,
    shape: str = "linear",
) -> Schedule:
    """Warmup from ``init`` to ``peak``, then cosine decay to ``end``; ``steps`` counts
    the warmup (as Optax and Hugging Face count).

    ``lr(t) = init + (peak - init) * f(t / warmup)`` for ``t < warmup``, then
    ``end + (peak - end) * (1 + cos(pi * (t - warmup) / (steps - warmup))) / 2``

    Optax's ``warmup_cosine_decay_schedule(init, peak, warmup, steps, end)``, but with
    ``peak`` and the step counts traceable (``jit``/``vmap``/``grad`` over them).

    Args:
        peak: value at the end of the warmup.
        warmup: length of the warmup, a non-negative integer below ``steps``, or
            ``fraction(r)`` of ``steps`` (``ceil(r * steps)`` steps, see ``fraction``).
        steps: total length, warmup included, a positive integer.
        init: value at step 0.
        end: value from ``steps`` on.
        exponent: power on the cosine factor, positive.
        shape: the warmup curve (``linear``, ``cosine``, ``sqrt``, ``1-sqrt``,
            ``exponential``, ``log``, ``constant``).

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.warmup_cosine(1.0, 10, 110)
        >>> [round(x, 6) for x in s([0, 5, 10, 60, 110]).tolist()]
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    fn = "warmup_cosine"
    args = _family(fn, peak, warmup, steps, init, end, shape)
    args["exponent"] = check.positive(fn, "exponent", exponent)
    args["shape"] = args.pop("shape")
    return Schedule(fn, args)
