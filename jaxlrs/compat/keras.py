"""Keras-compatible schedules: ``keras.optimizers.schedules`` classes as jaxlrs schedules.

Each constructor takes Keras 3's arguments (``name`` included, so positional calls line
up) and returns an ordinary :class:`jaxlrs.Schedule` whose value at step ``k`` is the
learning rate Keras' optimizer uses on its ``k``-th update (0-based, Keras'
``optimizer.iterations`` before the update), as stated below. The repr reads like the
Keras call, ``compat.keras.CosineDecay(0.1, 1000)``.

``deserialize(config)`` reads what ``keras.optimizers.schedules.serialize`` writes;
``LegacyDecay(lr, decay)`` is the Keras 2 optimizers' ``decay`` argument.

Conventions that differ from jaxlrs's native schedules:

* ``PiecewiseConstantDecay`` is right-closed: ``values[i]`` on ``(b[i-1], b[i]]``, so it
  switches one step *after* each boundary (native ``piecewise_constant`` and PyTorch's
  ``MultiStepLR`` switch *at* the boundary).
* ``CosineDecay``'s ``decay_steps`` excludes the warmup (Optax and Hugging Face count the
  warmup in the total), and its floor ``alpha`` is a fraction of the peak.
* ``CosineDecayRestarts``' floor ``alpha`` is not scaled by ``m_mul`` (as ``jaxlrs.sgdr``).
* ``PolynomialDecay(cycle=True)`` does not restart: it stretches the horizon to the next
  multiple of ``decay_steps`` above the step.
* jaxlrs follows the exact formula (2e-6 relative at every step, SPEC §1.5, with integer
  step arithmetic past 2**24). Keras evaluates in float32 on ``float32(step)`` and is itself
  off the formula where it cancels (measured with Keras 3): ``CosineDecay``'s
  ``(1 + cos) / 2`` loses its tail (0.25% relative in the last steps of a 1,000-step decay;
  exactly 0 over the last steps of a 1e5-step one), ``PolynomialDecay`` is up to 5e-6
  relative off, ``CosineDecayRestarts`` up to 3e-5 relative; in absolute terms each stays
  within 3e-7 of the initial rate. So the value at step ``k`` equals Keras' to 1e-6
  relative or 3e-7 of ``initial_learning_rate`` absolute, whichever is looser, up to
  2**24 steps.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .. import _check as check
from .. import _time
from .._combinators import warmup
from .._curves import safe_pow
from .._primitives import cosine, exponential, inverse_time
from .._recipes import sgdr
from .._schedule import Schedule, expands, register
from .._time import Time, value

Array = jax.Array

__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LegacyDecay",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
]

_P = "compat.keras."


def _name(fn: str, name: Any) -> str:
    if not isinstance(name, str):
        check._fail(fn, "name", "a string", name, TypeError)
    return name


# -- exponential / inverse time ------------------------------------------------------------


def _exponential_decay(
    initial_learning_rate: Any, decay_steps: Any, decay_rate: Any, staircase: bool, name: str
) -> Schedule:
    return exponential(initial_learning_rate, decay_rate, decay_steps, staircase)


@register(expands(_exponential_decay), name=_P + "ExponentialDecay")
def ExponentialDecay(
    initial_learning_rate: float,
    decay_steps: int,
    decay_rate: float,
    staircase: bool = False,
    name: str = "ExponentialDecay",
) -> Schedule:
    """``keras.optimizers.schedules.ExponentialDecay``.

    ``lr(t) = initial_learning_rate * decay_rate ** (t / decay_steps)``
    (``floor(t / decay_steps)`` when ``staircase``; native: ``jaxlrs.exponential``)

    Args:
        initial_learning_rate: value at step 0.
        decay_steps: steps per factor of ``decay_rate``, a positive integer.
        decay_rate: the factor, positive.
        staircase: decay in whole stairs.
        name: Keras' op name (kept for parity; no effect).

    Example:
        >>> from jaxlrs.compat import keras
        >>> keras.ExponentialDecay(1.0, 10, 0.5)([0, 10, 20]).tolist()
        [1.0, 0.5, 0.25]
    """
    fn = "ExponentialDecay"
    return Schedule(
        _P + fn,
        {
            "initial_learning_rate": check.real(fn, "initial_learning_rate", initial_learning_rate),
            "decay_steps": check.integer(fn, "decay_steps", decay_steps),
            "decay_rate": check.positive(fn, "decay_rate", decay_rate),
            "staircase": check.flag(fn, "staircase", staircase),
            "name": _name(fn, name),
        },
    )


def _inverse_time_decay(
    initial_learning_rate: Any, decay_steps: Any, decay_rate: Any, staircase: bool, name: str
) -> Schedule:
    return inverse_time(initial_learning_rate, decay_rate, decay_steps, staircase)


@register(expands(_inverse_time_decay), name=_P + "InverseTimeDecay")
def InverseTimeDecay(
    initial_learning_rate: float,
    decay_steps: int,
    decay_rate: float,
    staircase: bool = False,
    name: str = "InverseTimeDecay",
) -> Schedule:
    """``keras.optimizers.schedules.InverseTimeDecay``.

    ``lr(t) = initial_learning_rate / (1 + decay_rate * t / decay_steps)``
    (``floor(t / decay_steps)`` when ``staircase``; native: ``jaxlrs.inverse_time``)

    Args:
        initial_learning_rate: value at step 0.
        decay_steps: steps per unit of ``decay_rate``, a positive integer.
        decay_rate: the rate, non-negative.
        staircase: decay in whole stairs.
        name: Keras' op name (kept for parity; no effect).

    Example:
        >>> from jaxlrs.compat import keras
        >>> keras.InverseTimeDecay(1.0, 10, 1.0)([0, 10, 30]).tolist()
        [1.0, 0.5, 0.25]
    """
    fn = "InverseTimeDecay"
    return Schedule(
        _P + fn,
        {
            "initial_learning_rate": check.real(fn, "initial_learning_rate", initial_learning_rate),
            "decay_steps": check.integer(fn, "decay_steps", decay_steps),
            "decay_rate": check.real(fn, "decay_rate", decay_rate, low=0.0),
            "staircase": check.flag(fn, "staircase", staircase),
            "name": _name(fn, name),
        },
    )


# -- piecewise constant --------------------------------------------------------------------


def _piecewise_constant_decay(time: Time, boundaries: Any, values: Any, name: str) -> Array:
    vals = jnp.stack([value(v) for v in values]) if isinstance(values, tuple) else value(values)
    b = _time.counts(boundaries)  # unsigned when an entry passes the index maximum
    if time.exact and _time.is_int(b):
        # For integer b, t > b <=> ceil(t) > b: count the boundaries strictly below
        # ceil(t), in integers (``b + 1`` would wrap at the top of the index range).
        key = _time.whole(time)
        if time.d is not None:
            u = time.n.astype(time.d.dtype)
            key = key + (u % time.d != 0).astype(key.dtype)
        key, b = _time._alike(key, b)
        i = jnp.searchsorted(b, key, side="left", method="scan")
    else:
        t = _time.to_float(time)
        i = jnp.searchsorted(b.astype(t.dtype), t, side="left", method="scan")
    return jnp.take(vals, i.astype(_time.index_dtype()))


@register(_piecewise_constant_decay, name=_P + "PiecewiseConstantDecay")
def PiecewiseConstantDecay(
    boundaries: list[int], values: list[float], name: str = "PiecewiseConstant"
) -> Schedule:
    """``keras.optimizers.schedules.PiecewiseConstantDecay``: right-closed pieces.

    ``lr(t) = values[0]`` for ``t <= boundaries[0]``, ``values[i]`` for
    ``boundaries[i-1] < t <= boundaries[i]``, ``values[-1]`` after the last boundary.

    Keras' pieces are closed on the right, so the value changes one step *after* each
    boundary; native ``jaxlrs.piecewise_constant`` (and PyTorch's ``MultiStepLR``) change
    *at* the boundary: this is ``piecewise_constant([b + 1 for b in boundaries], values)``
    for integer steps. A binary search: O(log n) per step.

    Args:
        boundaries: strictly increasing non-negative integer steps.
        values: one more value than boundaries.
        name: Keras' op name (kept for parity; no effect).

    Example:
        >>> from jaxlrs.compat import keras
        >>> s = keras.PiecewiseConstantDecay([100, 110, 120], [1.0, 0.5, 0.25, 0.125])
        >>> s([0, 100, 101, 110, 120, 999]).tolist()
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.125]
    """
    fn = "PiecewiseConstantDecay"
    boundaries = check.integers(fn, "boundaries", boundaries, min_len=1)
    values = check.reals(fn, "values", values)
    check.length(fn, "values", values, len(boundaries) + 1, "one more entry than boundaries")
    return Schedule(_P + fn, {"boundaries": boundaries, "values": values, "name": _name(fn, name)})


# -- polynomial ----------------------------------------------------------------------------


def _polynomial_decay(
    time: Time,
    initial_learning_rate: Any,
    decay_steps: Any,
    end_learning_rate: Any,
    power: Any,
    cycle: bool,
    name: str,
) -> Array:
    if not cycle:
        # The horizon is decay_steps: as the cycle branch with its steps clamped there.
        time = _time.minus(time, 0, decay_steps)
    init, end = value(initial_learning_rate), value(end_learning_rate)
    steps = _time.count(decay_steps)
    # The horizon is k * decay_steps, k = max(1, ceil(t / decay_steps)); with
    # r = t - (k - 1) * decay_steps in (0, decay_steps], the remaining count
    # k * decay_steps - t = decay_steps - r is an exact integer.
    f = _time.float_dtype()
    q = _time.floordiv(time, steps)
    if time.exact:
        rest = _time.minus(time, q * steps)
        inside = rest.n > 0
        done, left = _time.ramp(rest, steps)
    else:
        r = _time.to_float(time) - q.astype(f) * steps.astype(f)
        inside = r > 0
        done, left = r / steps.astype(f), 1 - r / steps.astype(f)
    k = jnp.maximum(q.astype(f) + inside.astype(f), 1.0)
    left = jnp.where(inside, left / k, jnp.where(q > 0, 0.0, 1.0))
    done = jnp.where(inside, (k - 1 + done) / k, jnp.where(q > 0, 1.0, 0.0))
    # init g + end (1 - g), g = left**power, with 1 - g = -expm1(power log(left)): both
    # weights accurate near 0, so the low end keeps its precision when end > init. The
    # logarithm of left is log1p(-done) where done < 1/2, else log(left) (beyond 1/2,
    # ``(k - 1 + done) / k`` of a late cycle rounds near 1, and left itself is accurate):
    # never 1 - g, which cancels for a small power (1 - 0.5**0.01 lost 2.6e-6).
    p = value(power)
    g = safe_pow(left, p)
    short = done < 0.5
    pos = left > 0
    log_left = jnp.where(
        short, jnp.log1p(-jnp.where(short, done, 0.0)), jnp.log(jnp.where(pos, left, 1.0))
    )
    rest_g = jnp.where(short | pos, -jnp.expm1(p * log_left), 1.0)
    return init * g + end * rest_g


@register(_polynomial_decay, name=_P + "PolynomialDecay")
def PolynomialDecay(
    initial_learning_rate: float,
    decay_steps: int,
    end_learning_rate: float = 0.0001,
    power: float = 1.0,
    cycle: bool = False,
    name: str = "PolynomialDecay",
) -> Schedule:
    """``keras.optimizers.schedules.PolynomialDecay``.

    ``lr(t) = (initial - end) * (1 - t / D) ** power + end`` with ``t`` clamped at
    ``D = decay_steps`` (native: ``jaxlrs.polynomial``). With ``cycle=True`` there is no
    clamp: ``D`` becomes ``decay_steps * ceil(t / decay_steps)`` (``decay_steps`` at
    ``t = 0``), the next multiple of ``decay_steps``, so the rate falls to ``end`` at every
    multiple and jumps back up (to a lower level each time) just after. The multiple and the
    remaining count are exact integers.

    Args:
        initial_learning_rate: value at step 0.
        decay_steps: length of the decay, a positive integer.
        end_learning_rate: the final value.
        power: exponent, positive.
        cycle: stretch the horizon instead of holding ``end``.
        name: Keras' op name (kept for parity; no effect).

    Example:
        >>> from jaxlrs.compat import keras
        >>> s = keras.PolynomialDecay(1.0, 10, end_learning_rate=0.0, cycle=True)
        >>> s([0, 5, 10, 15, 20]).tolist()
        [1.0, 0.5, 0.0, 0.25, 0.0]
    """
    fn = "PolynomialDecay"
    return Schedule(
        _P + fn,
        {
            "initial_learning_rate": check.real(fn, "initial_learning_rate", initial_learning_rate),
            "decay_steps": check.integer(fn, "decay_steps", decay_steps),
            "end_learning_rate": check.real(fn, "end_learning_rate", end_learning_rate),
            "power": check.positive(fn, "power", power),
            "cycle": check.flag(fn, "cycle", cycle),
            "name": _name(fn, name),
        },
    )


# -- cosine --------------------------------------------------------------------------------


def _cosine_decay(
    initial_learning_rate: Any,
    decay_steps: Any,
    alpha: Any,
    name: str,
    warmup_target: Any,
    warmup_steps: Any,
) -> Schedule:
    if warmup_target is None:
        return cosine(initial_learning_rate, decay_steps, initial_learning_rate * alpha)
    body = cosine(warmup_target, decay_steps, warmup_target * alpha)
    return warmup(body, warmup_steps, initial_learning_rate)


@register(expands(_cosine_decay), name=_P + "CosineDecay")
def CosineDecay(
    initial_learning_rate: float,
    decay_steps: int,
    alpha: float = 0.0,
    name: str = "CosineDecay",
    warmup_target: float | None = None,
    warmup_steps: int = 0,
) -> Schedule:
    """``keras.optimizers.schedules.CosineDecay``, with its optional linear warmup.

    Without ``warmup_target``:
    ``lr(t) = initial * ((1 - alpha) * (1 + cos(pi * min(t, D) / D)) / 2 + alpha)``,
    ``D = decay_steps`` (``warmup_steps`` is then ignored, as in Keras). With
    ``warmup_target``: a linear ramp from ``initial`` to ``warmup_target`` over
    ``warmup_steps``, then the same cosine from ``warmup_target`` over ``decay_steps`` more
    steps (**the decay excludes the warmup**), then ``warmup_target * alpha``.

    Native: ``warmup(cosine(target, decay_steps, target * alpha), warmup_steps, initial)``.

    Args:
        initial_learning_rate: value at step 0.
        decay_steps: length of the cosine, a positive integer.
        alpha: the floor as a fraction of the cosine's start.
        name: Keras' op name (kept for parity; no effect).
        warmup_target: the peak reached by the warmup, or None for no warmup.
        warmup_steps: length of the warmup, a non-negative integer.

    Example:
        >>> from jaxlrs.compat import keras
        >>> s = keras.CosineDecay(0.0, 100, warmup_target=1.0, warmup_steps=10)
        >>> [round(v, 6) for v in s([0, 5, 10, 60, 110, 200]).tolist()]
        [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
        2017. https://arxiv.org/abs/1608.03983
    """
    fn = "CosineDecay"
    initial_learning_rate = check.real(fn, "initial_learning_rate", initial_learning_rate)
    alpha = check.real(fn, "alpha", alpha)
    warmup_target = check.optional(check.real, fn, "warmup_target", warmup_target)
    target = initial_learning_rate if warmup_target is None else warmup_target
    if not (check.is_traced(alpha) or check.is_traced(target)):
        check.derived(
            fn,
            "alpha * " + ("initial_learning_rate" if warmup_target is None else "warmup_target"),
            alpha * target,
        )
    return Schedule(
        _P + fn,
        {
            "initial_learning_rate": initial_learning_rate,
            "decay_steps": check.integer(fn, "decay_steps", decay_steps),
            "alpha": alpha,
            "name": _name(fn, name),
            "warmup_target": warmup_target,
            "warmup_steps": check.integer(fn, "warmup_steps", warmup_steps, minimum=0),
        },
    )


def _cosine_decay_restarts(
    initial_learning_rate: Any,
    first_decay_steps: Any,
    t_mul: Any,
    m_mul: Any,
    alpha: Any,
    name: str,
) -> Schedule:
    end = initial_learning_rate * alpha
    return sgdr(initial_learning_rate, first_decay_steps, t_mul, m_mul, end)


@register(expands(_cosine_decay_restarts), name=_P + "CosineDecayRestarts")
def CosineDecayRestarts(
    initial_learning_rate: float,
    first_decay_steps: int,
    t_mul: float = 2.0,
    m_mul: float = 1.0,
    alpha: float = 0.0,
    name: str = "SGDRDecay",
) -> Schedule:
    """``keras.optimizers.schedules.CosineDecayRestarts``: SGDR.

    Cycle ``i`` lasts ``first_decay_steps * t_mul**i`` steps; inside it, at fraction ``f``,
    ``lr = initial * ((1 - alpha) * m_mul**i * (1 + cos(pi * f)) / 2 + alpha)``: the floor
    ``alpha`` is **not** scaled by ``m_mul``. Native:
    ``jaxlrs.sgdr(initial, first_decay_steps, t_mul, m_mul, end=initial * alpha)``.

    Keras locates the cycle with a float32 logarithm; jaxlrs with exact integers for an
    integer ``t_mul`` (the default 2.0), so at a few cycle boundaries Keras' float32 value
    can be one cycle off where jaxlrs is exact.

    Args:
        initial_learning_rate: value at step 0.
        first_decay_steps: length of the first cycle, a positive integer.
        t_mul: factor on each next cycle's length, in [1, 2**31].
        m_mul: factor on each next cycle's height, positive.
        alpha: the floor as a fraction of ``initial_learning_rate``.
        name: Keras' op name (kept for parity; no effect).

    Example:
        >>> from jaxlrs.compat import keras
        >>> s = keras.CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5)
        >>> [round(v, 6) for v in s([0, 5, 10, 20, 30]).tolist()]
        [1.0, 0.5, 0.5, 0.25, 0.25]

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
        2017. https://arxiv.org/abs/1608.03983
    """
    fn = "CosineDecayRestarts"
    t_mul = check.period_mult(fn, "t_mul", t_mul)
    if isinstance(t_mul, float) and t_mul.is_integer():
        t_mul = int(t_mul)
    initial_learning_rate = check.real(fn, "initial_learning_rate", initial_learning_rate)
    alpha = check.real(fn, "alpha", alpha)
    if not (check.is_traced(alpha) or check.is_traced(initial_learning_rate)):
        check.derived(fn, "alpha * initial_learning_rate", alpha * initial_learning_rate)
    return Schedule(
        _P + fn,
        {
            "initial_learning_rate": initial_learning_rate,
            "first_decay_steps": check.integer(fn, "first_decay_steps", first_decay_steps),
            "t_mul": t_mul,
            "m_mul": check.positive(fn, "m_mul", m_mul),
            "alpha": alpha,
            "name": _name(fn, name),
        },
    )


# Saved configs and the legacy ``decay`` argument (a module of their own, re-exported here).
from ._keras_config import LegacyDecay, deserialize  # noqa: E402
