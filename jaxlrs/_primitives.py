"""Primitive schedules: closed-form decays and piecewise schedules.

Every primitive holds its last value after its ``steps`` unless stated otherwise.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _check as check
from . import _time
from ._curves import (
    cos_blend,
    falling_power,
    half_cos_pow_pair,
    k_decay_pair,
    mix,
    pow_pair,
    times_count_df,
)
from ._schedule import Schedule, register
from ._time import Time, count, ramp, value

Array = jax.Array


def _is_one(x: Any) -> bool:
    return isinstance(x, (int, float)) and x == 1


# -- constant ------------------------------------------------------------------------------


def _constant(time: Time, value: Any) -> Array:
    return _time.value(value)


@register(_constant, steady="value")
def constant(value: float) -> Schedule:
    """A constant learning rate.

    ``lr(t) = value``

    Args:
        value: the learning rate.

    Example:
        >>> import jaxlrs
        >>> float(jaxlrs.constant(0.125)(1_000_000))
        0.125
    """
    return Schedule("constant", {"value": check.real("constant", "value", value)})


# -- linear / polynomial -------------------------------------------------------------------


def _linear(time: Time, init: Any, end: Any, steps: Any) -> Array:
    done, left = ramp(time, steps)
    return mix(init, left, end, done)


@register(_linear)
def linear(init: float, end: float, steps: int) -> Schedule:
    """A straight line from ``init`` to ``end`` over ``steps`` steps, then ``end``.

    ``lr(t) = init + (end - init) * min(t, steps) / steps``

    The remaining count ``steps - t`` is formed in integers, so the last steps of a very
    long decay are exact (Optax's ``linear_schedule`` is 4.6% off 100 steps before the end
    of a 1e8-step decay).

    Args:
        init: value at step 0.
        end: value from ``steps`` on.
        steps: length of the ramp, a positive integer.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.linear(1.0, 0.0, 100)([0, 25, 100, 200]).tolist()
        [1.0, 0.75, 0.0, 0.0]
    """
    fn = "linear"
    return Schedule(
        fn,
        {
            "init": check.real(fn, "init", init),
            "end": check.real(fn, "end", end),
            "steps": check.integer(fn, "steps", steps),
        },
    )


def _polynomial(time: Time, init: Any, end: Any, steps: Any, power: Any) -> Array:
    done, left = ramp(time, steps)
    if _is_one(power):
        return mix(init, left, end, done)
    fall = falling_power(init, end, left, power)
    if fall is not None:
        return fall
    init, end = value(init), value(end)
    # init * w + end * (1 - w), both weights accurate: a rising polynomial (end > init)
    # keeps a small init to the last bit instead of losing it in end + (init - end) * w.
    w, cw = pow_pair(done, left, value(power))
    return init * w + end * cw


@register(_polynomial)
def polynomial(init: float, end: float, steps: int, power: float = 1.0) -> Schedule:
    """Polynomial decay from ``init`` to ``end`` over ``steps`` steps, then ``end``.

    ``lr(t) = end + (init - end) * (1 - min(t, steps) / steps) ** power``

    Evaluated as ``init * w + end * (1 - w)`` with ``w`` and ``1 - w`` each from one
    accurate logarithm, so a rising polynomial (``end > init``) keeps a small ``init``
    to float precision at its first steps, for any ``power``.

    Args:
        init: value at step 0.
        end: value from ``steps`` on.
        steps: length of the decay, a positive integer.
        power: exponent of the decay, positive (1 is linear).

    Example:
        >>> import jaxlrs
        >>> jaxlrs.polynomial(1.0, 0.0, 10, power=2.0)([0, 5, 10]).tolist()
        [1.0, 0.25, 0.0]
    """
    fn = "polynomial"
    return Schedule(
        fn,
        {
            "init": check.real(fn, "init", init),
            "end": check.real(fn, "end", end),
            "steps": check.integer(fn, "steps", steps),
            "power": check.positive(fn, "power", power),
        },
    )


# -- cosine --------------------------------------------------------------------------------


def _cosine(time: Time, init: Any, steps: Any, end: Any, exponent: Any, k: Any) -> Array:
    done, left = k_decay_pair(*ramp(time, steps), k)
    if _is_one(exponent):
        return cos_blend(init, end, done, left)  # one sin
    init, end = value(init), value(end)
    w, cw = half_cos_pow_pair(done, left, value(exponent))
    return init * w + end * cw


@register(_cosine)
def cosine(
    init: float, steps: int, end: float = 0.0, exponent: float = 1.0, k: float = 1.0
) -> Schedule:
    """Cosine annealing from ``init`` to ``end`` over ``steps`` steps, then ``end``.

    ``lr(t) = end + (init - end) * ((1 + cos(pi * p)) / 2) ** exponent``,
    ``p = (min(t, steps) / steps) ** k``

    Computed as ``sin(pi (1 - p) / 2)**2`` with ``1 - p`` from exact integers, so the
    value stays accurate to the last step of a cosine over billions of steps; the value
    is ``init * w + end * (1 - w)`` with both weights accurate, so a rising cosine
    (``end > init``) keeps a small ``init`` too. ``p`` and ``1 - p`` come from one
    accurate logarithm of the progress, so k-decay is right at the first step of any
    length (``cosine(1.0, 10**8, k=0.1)(1)`` is 0.93929).

    Args:
        init: value at step 0.
        steps: length of the decay, a positive integer.
        end: value from ``steps`` on.
        exponent: power on the cosine factor (Optax's ``exponent``), positive.
        k: the k-decay exponent on progress (Zhang & Li 2020), positive; 1 is plain
            cosine, larger keeps the rate high for longer.

    Example:
        >>> import jaxlrs
        >>> [round(x, 6) for x in jaxlrs.cosine(1.0, 100)([0, 50, 100, 200]).tolist()]
        [1.0, 0.5, 0.0, 0.0]

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
        2017. https://arxiv.org/abs/1608.03983
        Zhang & Li, "k-decay: A New Method For Learning Rate Schedule", 2020.
        https://arxiv.org/abs/2004.05909
    """
    fn = "cosine"
    return Schedule(
        fn,
        {
            "init": check.real(fn, "init", init),
            "steps": check.integer(fn, "steps", steps),
            "end": check.real(fn, "end", end),
            "exponent": check.positive(fn, "exponent", exponent),
            "k": check.positive(fn, "k", k),
        },
    )


# -- exponential / inverse time ------------------------------------------------------------


def _exponent(time: Time, steps: Any, staircase: bool) -> tuple[Array, Array | None]:
    """``t / steps`` (``floor(t / steps)`` with ``staircase``) as ``(q, frac)``: for an
    integer step the exact integer stair ``q`` and the float fraction of a stair (None
    with ``staircase``); otherwise the float quotient and None.

    A staircase with a float ``steps`` (timm's ``decay_t = 2.4``) and an integer step
    takes the exact floor of ``t / steps`` for the float64 value of ``steps``
    (:func:`_time.float_floordiv`, Python's ``t // steps``); ``frac`` is then the part of
    a quotient beyond ``2**31 - 256`` stairs (0 below)."""
    if staircase:
        if time.exact and time.d is None and _float_length(steps):
            return _time.float_floordiv(time.n, steps)
        return _time.floordiv(time, steps), None
    if not time.exact:
        return _time.to_float(time) / count(steps).astype(_time.float_dtype()), None
    q = _time.floordiv(time, steps)
    if not _time.is_int(q):
        return q, None
    done, _ = ramp(_time.minus(time, q * count(steps)), steps)
    return q, done


def _float_length(x: Any) -> bool:
    """Whether a length is a float (a Python float, or a float array or tracer)."""
    if isinstance(x, (bool, int)):
        return False
    return isinstance(x, float) or not _time.is_int(x)


def _as_float(e: tuple[Array, Array | None]) -> Array:
    q, frac = e
    q = q.astype(_time.float_dtype())
    return q if frac is None else q + frac


_SPLIT = 1 << 16  # integer exponents from here on are split into float-exact parts


@functools.cache
def _ranges(dtype: Any) -> tuple[float, float, float, float]:
    """For the float dtype: the largest ``|log factor|`` taken in one pow, in two halves,
    and beyond which ``scale * factor`` is out of range for every representable nonzero
    ``scale`` (|log| of the largest float plus twice |log| of the smallest subnormal), and
    |log| of the largest float."""
    fi = np.finfo(dtype)
    log_max = math.log(float(fi.max))
    log_tiny = -math.log(float(fi.smallest_subnormal))
    return 0.72 * log_max, 1.7 * log_max, 2 * log_tiny + 0.45 * log_max, log_max


def _at(xs: Array, i: Array, clipped: bool = False) -> Array:
    """``xs[i]`` for an index ``i >= 0`` known to be in range: no fill value to compile,
    and no wrap-around of negative indices (unsigned; for an index ``clipped`` at 0 XLA
    drops the wrap-around itself)."""
    if not clipped:
        i = i.astype(_time.unsigned())
    return xs.at[i].get(mode="promise_in_bounds")


def host_powers(scale: Any, base: Any, n: int) -> Array | None:
    """``scale * base**j`` for ``j = 0 .. n``, computed on the host in float64 and rounded
    once, for Python-number ``scale`` and ``base`` (a schedule compiled into a caller's
    program with its hyperparameters as constants): a table a bounded integer exponent
    indexes, exact to half an ulp and a smaller program than :func:`times_power`. None
    for traced or array hyperparameters, and where a value is not finite in the float
    dtype (there :func:`times_power` decides, as for every other call)."""
    if not (_time.python_real(scale) and _time.python_real(base)):
        return None
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        table = np.float64(scale) * np.float64(base) ** np.arange(n + 1, dtype=np.float64)
        table = table.astype(_time.float_dtype())
    if not np.all(np.isfinite(table)):
        return None
    return jnp.asarray(table)


_TABLE = 4096  # the longest table of stairs a constant decay is tabled with


def known_decay(time: Time, scale: Any, base: Any, steps: Any, staircase: bool) -> Array | None:
    """``scale * base**(t / steps)`` (``floor(t / steps)`` with ``staircase``) for Python
    numbers ``scale`` and ``0 < base < 1``, a Python-int ``steps`` and an integer step (a
    decay compiled with constant hyperparameters, its constant form).

    * Smooth: ``scale * exp(float(t) * c)`` with ``c = log(base) / steps`` from float64 on
      the host, as small a program as Optax's. The exponent ``y = t log(base) / steps`` is
      off by at most 3 roundings (of ``t`` beyond 2**24, of ``c``, of the product), about
      ``1.8e-7 * |y|`` of the value, with ``exp`` (1.3 ulp here), ``scale`` and the last
      product about ``2e-7`` more. That is within 2e-6 relative up to ``|y| = 10``, where the
      value is ``4.5e-5 * scale``; beyond it the error is below ``1e-10 * |scale|``, the
      contract's bound of the largest value.
    * Staircase (``e**-4 <= base``): ``table[q]`` for the exact stair ``q``, the table of
      :func:`host_powers` up to the stair ``n`` where it falls below ``1e-12 * |scale|`` and
      0 from there on (off by less than that, and still non-increasing).

    None where this does not apply, or the table would pass 4,096 stairs (a slow decay):
    :func:`times_power` decides there."""
    if not (_time.python_real(scale) and _time.python_real(base) and 0 < base < 1):
        return None
    if not (type(steps) is int and steps >= 1 and time.exact and time.d is None):
        return None
    if not staircase:
        f = _time.float_dtype()
        return value(scale) * jnp.exp(time.n.astype(f) * jnp.asarray(math.log(base) / steps, f))
    if base < math.exp(-4):
        return None
    n = math.ceil(math.log(1e-12) / math.log(base))
    table = host_powers(scale, base, n) if n <= _TABLE else None
    if table is None:
        return None
    table = jnp.asarray(np.append(np.asarray(table), np.zeros(1, table.dtype)))  # then 0
    q = _time.div(time.n, jnp.asarray(steps, time.n.dtype))
    return _at(table, jnp.minimum(q, n + 1))


def times_power(scale: Any, base: Any, e: tuple[Array, Array | None]) -> Array:
    """``scale * base**e`` for a positive hyperparameter ``base``, an exponent
    ``e = (q, frac)`` from :func:`_exponent` and a ``scale`` (a hyperparameter, or a value
    per element).

    * The bits float32 dropped from ``base`` come back as ``exp(e * correction)``
      (``_time.power``).
    * An integer ``q >= 2**16`` is split into ``q_hi``, ``q`` with its low 8 bits cleared
      (exact in float32), and ``q_lo + frac < 257``: ``float32(q)`` alone rounds ``q`` by
      up to 64 beyond 2**30, a relative error of ``64 * log(base)`` in the value (2e-6
      for a growth by 30 decades); ``base**q_lo`` is then ``exp(q_lo * log(base))``, an
      exponent that is tiny wherever the value is representable.
    * The factor ``F = base**e`` alone may pass float32's range where the product does not
      (``1e-6 * 1.0000001**750782387 = 4e26``, while float32's 1.00000012 to that power is
      8e38; ``1e-45 * 2**200``): where ``|log F|`` is large the value is formed as
      ``scale * r * r * ...`` with ``r`` the 2nd or 8th root of ``F``, each partial product
      between ``scale`` and the result, so it overflows (to inf) or underflows (to 0) only
      where the value itself does. Where ``|log F|`` exceeds what any nonzero ``scale`` can
      bring back into range, the value is ``+-inf`` or 0, and 0 for a zero ``scale``
      (never ``0 * inf``; its gradient there is 0, not the overflowing ``F``). Every
      branch stays finite, so gradients are never NaN where the value is finite.
    """
    f = _time.float_dtype()
    b = value(base)
    lb = jnp.log(b)
    c = _time._correction(base)
    q, frac = e
    if _time.is_int(q):
        big = q >= _SPLIT
        low = jnp.bitwise_and(q, 0xFF)
        hi = jnp.where(big, q - low, q).astype(f)
        lo = jnp.where(big, low, 0).astype(f)
        small = big
        if frac is not None:
            # The fraction stays out of ``hi``: ``float32(q + frac)`` would round the
            # exponent by up to 2**-24 * q, a relative error of that times log(base) in
            # the value (3e-6 for 1000**(650 / 56)); exp(frac * log(base)) is within
            # float32's rounding of its own, smaller, argument.
            lo = lo + frac
            small = big | (frac > 0)
        # (where: elsewhere the term is 0 and carries no gradient, so a huge cotangent of a
        # value near float32's largest never meets lo = 0 as inf * 0)
        x = jnp.where(small, lo * lb, 0.0)
        total = hi + lo
    else:
        hi = q if frac is None else q + frac
        x = jnp.zeros((), f)
        total = hi
    if c is not None:
        x = x + total * jnp.asarray(c, f)
    one_pow, two_pows, beyond, log_max = _ranges(f)
    y = hi * lb
    log_f = y + x  # log F, to float precision: decides only which branch
    within = jnp.abs(log_f) <= beyond
    near = (jnp.abs(y) <= one_pow) & (jnp.abs(x) <= 16)
    halves = ~near & (jnp.abs(y) <= two_pows) & (jnp.abs(x) <= 16)
    eighths = within & ~near & ~halves
    # One pow and one exp per element: r = F**k with k = 1, 1/2 or 1/8 (exact scalings of
    # the exponent, so exact powers stay exact where k = 1/2: 0.5**100 is 2**-50 squared).
    k = jnp.where(near, 1.0, jnp.where(halves, 0.5, 0.125))
    r = b ** jnp.where(within, hi * k, 0.0) * jnp.exp(jnp.where(within, x * k, 0.0))
    one = jnp.ones((), f)
    r8 = jnp.where(eighths, r, one)
    r8 = r8 * r8
    s = value(scale)
    out = (((s * r) * jnp.where(near, one, r)) * r8) * r8 * r8  # F**k times 1, 2 or 8
    zero = jnp.zeros((), f)
    inf = jnp.asarray(np.inf, f)
    past = jnp.where(log_f > 0, jnp.where(s > 0, inf, jnp.where(s < 0, -inf, zero)), zero)
    # A zero scale times a factor that alone overflows is 0 without a gradient (the
    # derivative in the scale, F, would be inf and turn into 0 * inf upstream).
    use = within & ~((s == 0) & (log_f > log_max))
    return jnp.where(use, out, jax.lax.stop_gradient(past))


def _decays(base: Any) -> Array:
    """``base < 1`` judged on the exact value: ``0.999999999`` is 1 in float32, but its
    host correction (``_time.power``) is negative."""
    b = value(base)
    c = _time._correction(base)
    if c is None:
        return b < 1
    return (b < 1) | ((b == 1) & (jnp.asarray(c, b.dtype) < 0))


def _exponential(time: Time, init: Any, rate: Any, steps: Any, staircase: bool, end: Any) -> Array:
    out = known_decay(time, init, rate, steps, staircase)
    if out is None:
        out = times_power(init, rate, _exponent(time, steps, staircase))
    if end is None:
        return out
    end = value(end)
    return jnp.where(_decays(rate), jnp.maximum(out, end), jnp.minimum(out, end))


@register(_exponential)
def exponential(
    init: float,
    rate: float,
    steps: int = 1,
    staircase: bool = False,
    end: float | None = None,
) -> Schedule:
    """Exponential decay (or growth): ``init`` times ``rate`` every ``steps`` steps.

    ``lr(t) = init * rate ** (t / steps)`` (``floor(t / steps)`` when ``staircase``),
    clipped at ``end`` when given (a floor when ``rate < 1``, a ceiling when ``rate > 1``,
    judged on the exact ``rate``: 0.999999999 decays although float32 rounds it to 1).
    ``init * rate**t`` is formed without overflowing where it is representable
    (``exponential(1e-6, 1.0000001)(750782387)`` is 4.037e26, though ``rate**t`` alone
    passes float32's range), and the exponent stays exact at any integer step.

    ``init * exp(-k t)`` is ``exponential(init, math.exp(-k))``; PyTorch's
    ``ExponentialLR(gamma)`` is ``exponential(lr, gamma)``. The stair
    ``floor(t / steps)`` is an exact integer at every step (Optax steps one stair early
    beyond 2**24).

    Args:
        init: value at step 0.
        rate: factor per ``steps`` steps, positive.
        steps: steps per factor of ``rate``, a positive integer.
        staircase: decay in whole stairs.
        end: optional bound the value never crosses.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.exponential(1.0, 0.5, steps=10)([0, 10, 20]).tolist()
        [1.0, 0.5, 0.25]
    """
    fn = "exponential"
    return Schedule(
        fn,
        {
            "init": check.real(fn, "init", init),
            "rate": check.positive(fn, "rate", rate),
            "steps": check.integer(fn, "steps", steps),
            "staircase": check.flag(fn, "staircase", staircase),
            "end": check.optional(check.real, fn, "end", end),
        },
    )


def _inverse_time(time: Time, init: Any, rate: Any, steps: Any, staircase: bool) -> Array:
    e = _as_float(_exponent(time, steps, staircase))
    return value(init) / (1 + value(rate) * e)


@register(_inverse_time)
def inverse_time(init: float, rate: float, steps: int = 1, staircase: bool = False) -> Schedule:
    """Inverse time decay (the "time-based decay" ``lr0 / (1 + k t)``).

    ``lr(t) = init / (1 + rate * t / steps)`` (``floor(t / steps)`` when ``staircase``)

    Keras' ``InverseTimeDecay`` and the legacy Keras ``decay`` argument.

    Args:
        init: value at step 0.
        rate: decay rate, non-negative.
        steps: steps per unit of ``rate``, a positive integer.
        staircase: decay in whole stairs.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.inverse_time(1.0, 1.0, steps=10)([0, 10, 30]).tolist()
        [1.0, 0.5, 0.25]
    """
    fn = "inverse_time"
    return Schedule(
        fn,
        {
            "init": check.real(fn, "init", init),
            "rate": check.real(fn, "rate", rate, low=0.0),
            "steps": check.integer(fn, "steps", steps),
            "staircase": check.flag(fn, "staircase", staircase),
        },
    )


# -- stairs --------------------------------------------------------------------------------


def _step_decay(time: Time, init: Any, every: Any, factor: Any) -> Array:
    return times_power(init, factor, (_time.floordiv(time, every), None))


@register(_step_decay)
def step_decay(init: float, every: int, factor: float = 0.1) -> Schedule:
    """Step decay: multiply by ``factor`` every ``every`` steps (PyTorch ``StepLR``).

    ``lr(t) = init * factor ** floor(t / every)``

    Args:
        init: value at step 0.
        every: steps between decays, a positive integer.
        factor: multiplier at each decay, positive.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.step_decay(1.0, 30, 0.5)([0, 29, 30, 60]).tolist()
        [1.0, 1.0, 0.5, 0.25]
    """
    fn = "step_decay"
    return Schedule(
        fn,
        {
            "init": check.real(fn, "init", init),
            "every": check.integer(fn, "every", every),
            "factor": check.positive(fn, "factor", factor),
        },
    )


def _knots(xs: Any, convert: Any) -> Array:
    if convert is count:
        return _time.counts(xs)
    return jnp.stack([convert(x) for x in xs]) if isinstance(xs, tuple) else convert(xs)


def _multistep(time: Time, init: Any, milestones: Any, factor: Any) -> Array:
    if isinstance(milestones, tuple) and not milestones:
        return value(init)
    k = _time.count_le(time, _knots(milestones, count))
    if isinstance(milestones, (tuple, np.ndarray)):  # concrete: a table of the values
        table = host_powers(init, factor, len(milestones))
        if table is not None:
            return _at(table, k)
    return times_power(init, factor, (k, None))


@register(_multistep)
def multistep(init: float, milestones: list[int], factor: float = 0.1) -> Schedule:
    """Multiply by ``factor`` at each milestone (PyTorch ``MultiStepLR``).

    ``lr(t) = init * factor ** #{m in milestones : m <= t}``

    The switch happens at ``t == m``. A repeated milestone decays twice, as in PyTorch.
    The count is a binary search, O(log n) per step in the number of milestones (up to 16
    milestones, a comparison with each: a smaller compiled graph).

    Args:
        init: value at step 0.
        milestones: sorted (non-decreasing) non-negative integer steps.
        factor: multiplier at each milestone, positive.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.multistep(1.0, [2, 5], 0.5)([0, 1, 2, 4, 5]).tolist()
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    fn = "multistep"
    return Schedule(
        fn,
        {
            "init": check.real(fn, "init", init),
            "milestones": check.integers(fn, "milestones", milestones, strict=False),
            "factor": check.positive(fn, "factor", factor),
        },
    )


def _piecewise_constant(time: Time, boundaries: Any, values: Any) -> Array:
    vals = _knots(values, value)
    if isinstance(boundaries, tuple) and not boundaries:
        return vals[0]
    i = _time.count_le(time, _knots(boundaries, count))
    return _at(vals, i)


@register(_piecewise_constant)
def piecewise_constant(boundaries: list[int], values: list[float]) -> Schedule:
    """Constant pieces: ``values[i]`` on ``[boundaries[i-1], boundaries[i])``.

    ``lr(t) = values[#{b in boundaries : b <= t}]``

    A binary search (above 16 boundaries; up to 16, a comparison with each): O(log n) per
    step, and the traced graph does not grow with the number of pieces.
    (Keras' ``PiecewiseConstantDecay`` switches one step later; see
    ``jaxlrs.compat.keras``.)

    Args:
        boundaries: strictly increasing non-negative integer steps.
        values: one more value than boundaries.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.piecewise_constant([10, 20], [1.0, 0.5, 0.25])([0, 10, 25]).tolist()
        [1.0, 0.5, 0.25]
    """
    fn = "piecewise_constant"
    boundaries = check.integers(fn, "boundaries", boundaries)
    values = check.reals(fn, "values", values)
    check.length(fn, "values", values, len(boundaries) + 1, "one more entry than boundaries")
    return Schedule(fn, {"boundaries": boundaries, "values": values})


def _host(xs: Any) -> tuple[Any, ...]:
    """A list hyperparameter's entries as Python numbers where it is known on the host (a
    tuple, or the NumPy array a constant form holds), else ``()``."""
    if isinstance(xs, np.ndarray) and xs.ndim == 1:
        return tuple(xs.tolist())
    return xs if isinstance(xs, tuple) else ()


_FEW_SELECTS = 3  # up to this many inner knots a known table is read with selects


def _known_pieces(time: Time, boundaries: Any, values: Any) -> Array | None:
    """``_piecewise_linear`` for a few Python-number knots and an integer step (a constant
    form): the piece's start, length and end values read from host tables with one select
    per inner knot, and ``values[j] * (L - u) / L + values[j + 1] * u / L`` for
    ``u = clip(t - b[j], 0, L)`` in exact integers (the first and last piece clamp to
    their end values). The same formula as the general program; None where it does not
    apply (traced knots, more than ``_FEW_SELECTS`` inner knots, where the selects would
    cost more per step than the search, a fractional step, a knot beyond the index
    range)."""
    knots, values = _host(boundaries), _host(values)
    if not (
        time.exact
        and time.d is None
        and 2 <= len(knots) <= _FEW_SELECTS + 2
        and all(_time.python_real(x) for x in knots + values)
        and knots[-1] <= _time.index_max()
    ):
        return None
    idx, f = _time.index_dtype(), _time.float_dtype()
    b, v, t = np.asarray(knots, np.int64), np.asarray(values, f), time.n

    # t past each inner knot (monotone), compared with host constants
    hits = [jax.lax.ge(t, k) for k in b[1:-1].astype(t.dtype)]

    def table(xs: np.ndarray, dtype: Any) -> Any:
        """``xs[j]`` for the piece ``j``: the entry after the last inner knot passed (host
        constants and lax selects for a scalar step; see ``_time.host_count``)."""
        out: Any = np.asarray(xs[0], dtype)
        for hit, x in zip(hits, xs[1:].tolist(), strict=True):
            out = _time.select(hit, np.asarray(x, dtype), out)
        return out

    lo, length = table(b[:-1], idx), table(np.diff(b), idx)
    if jnp.ndim(t) == 0:  # the same operations in lax, on scalars
        lax = jax.lax
        u = lax.min(lax.max(lax.sub(t, lo), np.zeros((), idx)), length)
        lf = lax.convert_element_type(length, f)
        done = lax.div(lax.convert_element_type(u, f), lf)
        left = lax.div(lax.convert_element_type(lax.sub(length, u), f), lf)
        return lax.add(lax.mul(table(v[:-1], f), left), lax.mul(table(v[1:], f), done))
    u = jnp.clip(t - lo, 0, length)
    done, left = u.astype(f) / length.astype(f), (length - u).astype(f) / length.astype(f)
    return table(v[:-1], f) * left + table(v[1:], f) * done


def _piecewise_linear(time: Time, boundaries: Any, values: Any) -> Array:
    known = _known_pieces(time, boundaries, values)
    if known is not None:
        return known
    vals = _knots(values, value)
    b = _knots(boundaries, count)
    n = vals.shape[0]
    i = _time.count_le(time, b)
    lo = jnp.clip(i - 1, 0, n - 1)
    hi = jnp.clip(i, 0, n - 1)
    b_lo, b_hi = _at(b, lo, True), _at(b, hi, True)
    done, left = ramp(_time.minus(time, b_lo), b_hi - b_lo)
    return _at(vals, lo, True) * left + _at(vals, hi, True) * done


@register(_piecewise_linear)
def piecewise_linear(boundaries: list[int], values: list[float]) -> Schedule:
    """Straight lines through the knots ``(boundaries[i], values[i])``.

    ``values[0]`` before the first knot, ``values[-1]`` after the last, linear in between.
    A binary search (above 16 boundaries; up to 16, a comparison with each): O(log n) per
    step.

    Args:
        boundaries: strictly increasing non-negative integer steps.
        values: as many values as boundaries.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.piecewise_linear([0, 10, 30], [0.0, 1.0, 0.0])([5, 10, 20, 40]).tolist()
        [0.5, 1.0, 0.5, 0.0]
    """
    fn = "piecewise_linear"
    boundaries = check.integers(fn, "boundaries", boundaries, min_len=1)
    values = check.reals(fn, "values", values)
    check.length(fn, "values", values, len(boundaries), "as many entries as boundaries")
    return Schedule(fn, {"boundaries": boundaries, "values": values})


# -- triangle ------------------------------------------------------------------------------


def _apex_gap(time: Time, steps: Any, inc_fraction: Any, done: Array) -> Array:
    """``inc - p`` for the progress ``p = min(t, steps) / steps``, accurate next to the
    apex: ``inc * steps`` is an exact integer plus a fraction (``times_count``, with the
    bits float32 dropped from ``inc``), the step an exact integer, so their difference
    is exact before one division (``inc - p`` in floats carries the rounding of ``p``,
    3e-6 of the gap one step from the apex of a 100-step triangle)."""
    f = _time.float_dtype()
    length = count(steps)
    if not (time.exact and _time.is_int(length)):
        return value(inc_fraction) - done
    k, phi, phi_lo = times_count_df(inc_fraction, length)
    if time.d is None:
        lng = jnp.maximum(length, 1)
        c = jnp.minimum(time.n, lng)
        # (k - c) + phi is exact where the gap is small (Sterbenz): phi_lo then counts
        return (((k - c).astype(f) + phi) + phi_lo) / lng.astype(f)
    phi = phi + phi_lo
    total, ok = _time._scaled(length, time.d)
    total = jnp.maximum(total, 1)
    kd = k.astype(total.dtype) * time.d.astype(total.dtype)
    c = jnp.minimum(time.n.astype(total.dtype), total)
    num = jnp.where(kd >= c, (kd - c).astype(f), -((c - kd).astype(f)))
    gap = (num + phi * time.d.astype(f)) / total.astype(f)
    return jnp.where(ok, gap, value(inc_fraction) - done)


def triangle(time: Time, steps: Any, inc_fraction: Any) -> tuple[Array, Array]:
    """``(u, 1 - u)`` for the unit triangle ``u = min(p / inc, (1 - p) / (1 - inc))`` at
    progress ``p = min(t, steps) / steps``, each accurate: near the apex ``1 - u`` is
    ``(inc - p) / inc`` or ``(p - inc) / (1 - inc)`` with ``inc - p`` from exact integers
    (:func:`_apex_gap`), not ``1 - u``. ``inc = 1`` is a ramp that drops to 0 at
    ``p = 1``."""
    done, left = ramp(time, steps)
    inc = value(inc_fraction)
    ramp_only = inc >= 1
    # 1 - inc from the exact inc_fraction: float32's 0.999 is 1.3e-5 away from 0.999 in
    # 1 - inc (1 - inc is exact in floats, the correction adds the bits storing dropped).
    c = _time._correction(inc_fraction)
    dec = 1 - inc if c is None else (1 - inc) - inc * jnp.asarray(c, inc.dtype)
    dec = jnp.where(ramp_only, 1.0, dec)
    gap = _apex_gap(time, steps, inc_fraction, done)
    # (where: with a huge cotangent, done / inc's gradient -done / inc**2 would be 0 * inf)
    up = jnp.where(done > 0, done / inc, 0.0)
    down = jnp.where(ramp_only, jnp.where(left > 0, jnp.inf, 0.0), left / dec)
    # Rising while p <= inc, decided on the exact gap: near a huge apex up and down may
    # round to the same float, and the complement must come from the right side.
    rising = (gap >= 0) & ~(ramp_only & (left <= 0))
    c_up = jnp.where(ramp_only, left, gap) / inc
    c_down = jnp.where(ramp_only, 1.0, -gap / dec)
    unit, rest = jnp.where(rising, up, down), jnp.where(rising, c_up, c_down)
    # On the apex itself (to 2**-20 of a step: float32's 0.3 puts the apex of a 20-step
    # triangle 2.4e-7 steps after step 6) both sides hold (u = 1): their mean, so that a
    # gradient with respect to inc_fraction is the mean of the two one-sided slopes.
    length = count(steps).astype(_time.float_dtype())
    # (Not at step 0, which is low even when the apex lies within 2**-20 of it.)
    apex = (jnp.abs(gap) * length <= 2.0**-20) & ~ramp_only & (done > 0)
    return (
        jnp.where(apex, 0.5 * (up + down), unit),
        jnp.where(apex, 0.5 * (c_up + c_down), rest),
    )


def _triangular(time: Time, low: Any, high: Any, steps: Any, inc_fraction: Any) -> Array:
    unit, rest = triangle(time, steps, inc_fraction)
    # low * (1 - u) + high * u: a dip (high < low) keeps its small apex exactly.
    return value(low) * rest + value(high) * unit


@register(_triangular)
def triangular(low: float, high: float, steps: int, inc_fraction: float = 0.5) -> Schedule:
    """One (slanted) triangle from ``low`` up to ``high`` and back over ``steps``, then
    ``low``.

    ``lr(t) = low + (high - low) * min(p / inc_fraction, (1 - p) / (1 - inc_fraction))``,
    ``p = min(t, steps) / steps``

    Evaluated as ``low * (1 - u) + high * u`` with ``1 - u`` from the exact distance to
    the apex ``inc_fraction * steps``, so a dip (``high < low``) keeps its small apex.

    Args:
        low: value at the start and the end.
        high: value at the apex, step ``steps * inc_fraction``.
        steps: length of the triangle, a positive integer.
        inc_fraction: fraction of ``steps`` spent rising, in (0, 1].

    Example:
        >>> import jaxlrs
        >>> jaxlrs.triangular(1.0, 2.0, 1000, inc_fraction=0.2)([0, 200, 600, 1000]).tolist()
        [1.0, 2.0, 1.5, 1.0]

    References:
        Smith, "Cyclical Learning Rates for Training Neural Networks", 2017.
        https://arxiv.org/abs/1506.01186
    """
    fn = "triangular"
    return Schedule(
        fn,
        {
            "low": check.real(fn, "low", low),
            "high": check.real(fn, "high", high),
            "steps": check.integer(fn, "steps", steps),
            "inc_fraction": check.real(
                fn, "inc_fraction", inc_fraction, low=0.0, high=1.0, low_open=True
            ),
        },
    )
