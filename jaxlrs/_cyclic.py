"""Cyclic and one-cycle recipes: Smith's cyclical learning rates, 1cycle, ULMFiT's slanted
triangle and the learning-rate range test.

Hyperparameters are validated when concrete; traced ones (inside ``jit``, ``vmap``,
``grad``) cannot be inspected and are not checked.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from . import _check as check
from . import _time
from ._combinators import _check_shape, warmup
from ._curves import blend, times_count
from ._primitives import _exponent, constant, linear, times_power, triangle
from ._schedule import Schedule, expands, register
from ._time import Time, count, float_dtype, is_int, value

Array = jax.Array


_TIE = 2.0**-20  # a fraction this close to a half (or a whole) counts as one


def fraction_of(fraction: Any, steps: Any, rounding: str) -> Array:
    """``round(fraction * steps)`` (ties to even) or ``floor(fraction * steps)`` as a step
    count of the same kind as ``count(steps)``, clamped to ``[0, steps]``.

    The product is exact (``times_count``: an integer and a fraction, with the bits
    float32 dropped from a concrete ``fraction``), so the count is the one Python's
    float64 arithmetic gives at any length (``floor(0.999 * 10**8)`` is 99,900,000, where
    float32 gives 99,900,001); a fraction within 2**-20 of a half or a whole counts as
    one, as float64 rounding of the product does (``floor(0.7 * 10)`` is 7)."""
    total = count(steps)
    f = float_dtype()
    if not is_int(total):  # a length beyond the index range travels as a float
        x = value(fraction) * total
        x = jnp.round(x) if rounding == "round" else jnp.floor(x * (1 + 4 * jnp.finfo(f).eps))
        return jnp.clip(x, 0, total)
    k, phi = times_count(fraction, total)
    if rounding == "round":
        odd = jnp.bitwise_and(k, 1) == 1
        up = (phi > 0.5 + _TIE) | ((jnp.abs(phi - 0.5) <= _TIE) & odd)
    else:
        up = phi >= 1 - _TIE
    return jnp.clip(k + up.astype(k.dtype), 0, total)


# -- cyclic --------------------------------------------------------------------------------

MODES = ("triangular", "triangular2", "exp_range")


def exp_range_blend(time: Time, low: Any, high: Any, s: Array, rest: Array, gamma: Any) -> Array:
    """``low + (high - low) * s * gamma**t`` for a triangle ``s`` (``rest = 1 - s``, from
    exact integers) at the absolute step ``t``.

    A decay is ``low * (rest + s * (1 - gamma**t)) + high * s * gamma**t``: no
    cancellation where the value comes close to a small ``high`` (``high < low``). A growth
    (``gamma**t > 2``) is ``low + (high - low) * s * gamma**t`` with the product formed by
    ``times_power``, so that it overflows only where the value does (``s = 0`` gives
    ``low``, never ``0 * inf``); every branch stays finite (no NaN gradient)."""
    f = float_dtype()
    c = _time._correction(gamma)
    log_g = jnp.log(value(gamma)) + (0.0 if c is None else jnp.asarray(c, f))
    a = _time.to_float(time) * log_g
    grow = a > math.log(2.0)
    e = _exponent(time, 1, False)
    sa = times_power(s * jnp.where(grow, value(high) - value(low), 1.0), gamma, e)
    gap = -jnp.expm1(jnp.minimum(a, math.log(2.0)))  # 1 - gamma**t, finite everywhere
    amp = jnp.where(grow, 0.0, sa)  # s gamma**t where decaying
    decaying = value(low) * (rest + s * gap) + value(high) * amp
    return jnp.where(grow, value(low) + sa, decaying)


def _cyclic(
    time: Time, low: Any, high: Any, period: Any, mode: str, gamma: Any, inc_fraction: Any
) -> Array:
    q = _time.floordiv(time, period)
    if time.exact:
        p = _time.exact_count(period)  # unsigned beyond int32 (then q = 0)
        local = _time.minus(time, q.astype(p.dtype) * p)
    else:
        p = count(period).astype(float_dtype())
        local = Time(jnp.clip(_time.to_float(time) - q * p, 0, p))
    unit, rest = triangle(local, period, inc_fraction)
    if mode == "exp_range":
        return exp_range_blend(time, low, high, unit, rest, gamma)
    if mode == "triangular2":
        # lr = low * (1 - u * a) + high * u * a for the amplitude a, with
        # 1 - u * a = (1 - u) + u * (1 - a): a dip (high < low) keeps its small apex.
        amp = jnp.exp2(-q.astype(float_dtype()))
        gap = -jnp.expm1(-q.astype(float_dtype()) * math.log(2))
        rest = rest + unit * gap
        unit = unit * amp
    return value(low) * rest + value(high) * unit


@register(_cyclic)
def cyclic(
    low: float,
    high: float,
    period: int,
    mode: str = "triangular",
    gamma: float = 1.0,
    inc_fraction: float = 0.5,
) -> Schedule:
    """Cyclical learning rates (Smith's CLR): triangles between ``low`` and ``high``.

    ``lr(t) = low + (high - low) * tri(t mod period) * scale``, where ``tri`` rises from 0
    to 1 over the first ``inc_fraction * period`` steps of each cycle and falls back to 0
    at the cycle's end, and ``scale`` is 1 (``triangular``), ``0.5**i`` in cycle ``i``
    (``triangular2``) or ``gamma**t`` at the absolute step ``t`` (``exp_range``).

    PyTorch's ``CyclicLR(base_lr, max_lr, step_size_up, step_size_down)`` is
    ``cyclic(base_lr, max_lr, up + down, mode, gamma, inc_fraction=up / (up + down))``.
    The position inside a cycle is exact at any step; O(1) per step for any number of
    cycles. Evaluated as ``low * (1 - u * scale) + high * u * scale`` with the complement
    from exact integers, so ``high < low`` (a dip) keeps its small apex in every mode.

    Args:
        low: value at the start and end of every cycle.
        high: value at the apex of the first cycle.
        period: length of a cycle (two of the paper's "step sizes"), a positive integer.
        mode: ``"triangular"``, ``"triangular2"`` (amplitude halves every cycle) or
            ``"exp_range"`` (amplitude times ``gamma**t``).
        gamma: the ``exp_range`` factor per step, positive (unused by the other modes).
        inc_fraction: fraction of a cycle spent rising, in (0, 1].

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.cyclic(1.0, 5.0, 8, mode="triangular2")
        >>> s([0, 2, 4, 8, 12, 16, 20]).tolist()
        [1.0, 3.0, 5.0, 1.0, 3.0, 1.0, 2.0]

    References:
        Smith, "Cyclical Learning Rates for Training Neural Networks", 2017.
        https://arxiv.org/abs/1506.01186
    """
    fn = "cyclic"
    return Schedule(
        fn,
        {
            "low": check.real(fn, "low", low),
            "high": check.real(fn, "high", high),
            "period": check.integer(fn, "period", period),
            "mode": check.option(fn, "mode", mode, MODES),
            "gamma": check.positive(fn, "gamma", gamma),
            "inc_fraction": check.real(
                fn, "inc_fraction", inc_fraction, low=0.0, high=1.0, low_open=True
            ),
        },
    )


# -- one cycle -----------------------------------------------------------------------------


def _before(time: Time, step: Array) -> Array:
    """``t < step``, exactly for integer steps."""
    if time.exact and is_int(step):
        return _time.whole(time) < step
    return _time.to_float(time) < step.astype(float_dtype())


def _phase(time: Time, start: Any, length: Any) -> tuple[Array, Array]:
    """``(done, left)`` of a phase of ``length`` steps from ``start``."""
    return _time.ramp(_time.minus(time, start, length), length)


def _one_cycle(
    time: Time,
    peak: Any,
    steps: Any,
    pct_start: Any,
    div_factor: Any,
    final_div_factor: Any,
    shape: str,
    three_phase: bool,
) -> Array:
    if all(_time.python_real(x) for x in (peak, div_factor, final_div_factor)):
        # Constants (compiled into a caller's program): the three levels in float64, and
        # ``blend`` takes its one-sin path for a cosine between Python numbers.
        top, initial = peak, peak / div_factor
        bottom = initial / final_div_factor
    else:
        top = value(peak)
        initial = top / value(div_factor)
        bottom = initial / value(final_div_factor)
    total = count(steps)
    # The last phase keeps at least one step, so the schedule always ends on ``final``.
    cap = (total - 1) // 2 if three_phase else total - 1
    up = jnp.minimum(fraction_of(pct_start, steps, "round"), cap)
    # Each phase is selected only on its own steps, so an empty one (up == 0) is never
    # evaluated at its end: with three phases and up == 0 the schedule starts on the
    # final phase, at ``initial``. Falling phases run the shape backwards in time, as
    # ``cooldown`` does.
    done, left = _phase(time, 0, up)
    rise = blend(shape, initial, top, done, left, up)
    if three_phase:
        done, left = _phase(time, up, up)
        back = blend(shape, initial, top, left, done, up)
        done, left = _phase(time, 2 * up, total - 2 * up)
        fall = blend(shape, bottom, initial, left, done, total - 2 * up)
        fall = jnp.where(_before(time, 2 * up), back, fall)
    else:
        done, left = _phase(time, up, total - up)
        fall = blend(shape, bottom, top, left, done, total - up)
    return jnp.where(_before(time, up), rise, fall)


@register(_one_cycle)
def one_cycle(
    peak: float,
    steps: int,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    shape: str = "cosine",
    three_phase: bool = False,
) -> Schedule:
    """The 1cycle policy (Smith & Topin): up to ``peak``, then down far below the start.

    With ``up = round(pct_start * steps)`` (to the nearest step, ties to even, the product
    formed exactly as in float64 at any length; at most ``steps - 1``, or
    ``(steps - 1) // 2`` with ``three_phase``, so that the last phase lasts at least one
    step), ``initial = peak / div_factor`` and ``final = initial / final_div_factor``:
    the value rises from ``initial`` at step 0 to ``peak`` at step ``up``, then falls to
    ``final`` at step ``steps`` and holds it. With ``three_phase``, it falls back to
    ``initial`` at step ``2 * up`` first, then to ``final`` at ``steps``. Each phase
    follows ``shape`` (``cosine``: ``(1 - cos(pi p)) / 2`` of the way at progress ``p``;
    ``linear``; or any other ramp shape). An empty phase is skipped: with ``up = 0`` the
    schedule starts at ``peak`` (two phases) or on its last phase at ``initial`` (three).

    Convention: phases end exactly at ``up``, ``2 * up`` and ``steps``. PyTorch's
    ``OneCycleLR(max_lr, total_steps=T)`` ends them one step earlier, at
    ``pct_start * T - 1`` and ``T - 1``: it is ``one_cycle(max_lr, T - 1,
    pct_start=(pct_start * T - 1) / (T - 1), ...)`` (exact when ``pct_start * T`` is whole);
    ``jaxlrs.compat.torch.OneCycleLR`` reproduces it for every argument.

    Args:
        peak: the largest value, at step ``up``.
        steps: total length, a positive integer.
        pct_start: fraction of ``steps`` spent rising, in [0, 1] (at most 0.5 with
            ``three_phase``).
        div_factor: ``peak / initial``, positive.
        final_div_factor: ``initial / final``, positive.
        shape: curve of every phase: ``cosine`` (default), ``linear``, ``sqrt``,
            ``1-sqrt``, ``exponential``, ``log`` or ``constant`` (the log and constant
            weights over each phase's own length).
        three_phase: come back to ``initial`` before the final decay.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.one_cycle(25.0, 9, pct_start=2 / 9, final_div_factor=2.0, shape="linear")
        >>> [round(x, 5) for x in s([0, 1, 2, 3, 9]).tolist()]
        [1.0, 13.0, 25.0, 21.5, 0.5]

    References:
        Smith & Topin, "Super-Convergence: Very Fast Training of Neural Networks Using
        Large Learning Rates", 2017. https://arxiv.org/abs/1708.07120
    """
    fn = "one_cycle"
    three_phase = check.flag(fn, "three_phase", three_phase)
    pct_start = check.real(fn, "pct_start", pct_start, low=0.0, high=0.5 if three_phase else 1.0)
    peak = check.real(fn, "peak", peak)
    div_factor = check.positive(fn, "div_factor", div_factor)
    final_div_factor = check.positive(fn, "final_div_factor", final_div_factor)
    initial = final = None  # the other ends of the phases, when concrete
    if not any(check.is_traced(x) for x in (peak, div_factor, final_div_factor)):
        initial = peak / div_factor
        final = initial / final_div_factor
        check.derived(fn, "peak / div_factor", initial)
        check.derived(fn, "peak / div_factor / final_div_factor", final)
    shape = _check_shape(
        fn,
        shape,
        peak,
        "peak",
        ("peak / div_factor", initial),
        ("peak / div_factor / final_div_factor", final),
    )
    return Schedule(
        fn,
        {
            "peak": peak,
            "steps": check.integer(fn, "steps", steps),
            "pct_start": pct_start,
            "div_factor": div_factor,
            "final_div_factor": final_div_factor,
            "shape": shape,
            "three_phase": three_phase,
        },
    )


# -- slanted triangular --------------------------------------------------------------------


def _slanted_triangular(peak: Any, steps: Any, cut_frac: Any, ratio: Any) -> Schedule:
    low = value(peak) / value(ratio)
    total = count(steps)
    cut = jnp.minimum(fraction_of(cut_frac, steps, "floor"), total - 1)
    return warmup(linear(peak, low, total - cut), cut, low)


@register(expands(_slanted_triangular))
def slanted_triangular(
    peak: float, steps: int, cut_frac: float = 0.1, ratio: float = 32
) -> Schedule:
    """ULMFiT's slanted triangle: a short linear rise to ``peak``, a long linear decay.

    With ``cut = floor(steps * cut_frac)`` (the product exact, as in float64, at any
    length; at most ``steps - 1``), and ``p = t / cut`` for
    ``t < cut``, else ``p = (steps - t) / (steps - cut)`` (clamped at 0):
    ``lr(t) = peak * (1 + p * (ratio - 1)) / ratio``. The value starts and ends at
    ``peak / ratio`` and holds it after ``steps``.

    The paper writes the decay's length as ``cut * (1 / cut_frac - 1)``, equal to
    ``steps - cut`` when ``steps * cut_frac`` is whole; jaxlrs always decays over the
    remaining ``steps - cut`` steps, so the schedule ends exactly at ``peak / ratio``.

    Args:
        peak: the largest value, at step ``cut``.
        steps: total length, a positive integer.
        cut_frac: fraction of ``steps`` spent rising, in (0, 1).
        ratio: ``peak`` over the smallest value, >= 1.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.slanted_triangular(32.0, 100)
        >>> s([0, 5, 10, 55, 100]).tolist()
        [1.0, 16.5, 32.0, 16.5, 1.0]

    References:
        Howard & Ruder, "Universal Language Model Fine-tuning for Text Classification",
        2018. https://arxiv.org/abs/1801.06146
    """
    fn = "slanted_triangular"
    return Schedule(
        fn,
        {
            "peak": check.real(fn, "peak", peak),
            "steps": check.integer(fn, "steps", steps),
            "cut_frac": check.real(
                fn, "cut_frac", cut_frac, low=0.0, high=1.0, low_open=True, high_open=True
            ),
            "ratio": check.real(fn, "ratio", ratio, low=1.0),
        },
    )


# -- learning-rate range test --------------------------------------------------------------


def _lr_range(low: Any, high: Any, steps: Any, shape: str) -> Schedule:
    return warmup(constant(high), steps, low, shape)


@register(expands(_lr_range))
def lr_range(low: float, high: float, steps: int, shape: str = "exponential") -> Schedule:
    """The learning-rate range test: sweep from ``low`` to ``high`` over ``steps``.

    ``lr(t) = low * (high / low) ** (min(t, steps) / steps)`` for the default
    ``exponential`` shape (geometric, even coverage of every decade); ``linear`` and the
    other ramp shapes are available. Holds ``high`` after ``steps``. Train for ``steps``
    steps, plot the loss against the learning rate, and pick a value a little below where
    the loss is lowest (or an order of magnitude below where it diverges).

    Args:
        low: value at step 0 (positive for ``exponential``).
        high: value from step ``steps`` on (positive for ``exponential``).
        steps: length of the sweep, a positive integer.
        shape: ``exponential`` (default), ``linear``, ``cosine``, ``sqrt``, ``1-sqrt``,
            ``log`` or ``constant``.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.lr_range(1e-6, 1.0, 6)
        >>> [f"{x:.3g}" for x in s([0, 2, 4, 6]).tolist()]
        ['1e-06', '0.0001', '0.01', '1']

    References:
        Smith, "Cyclical Learning Rates for Training Neural Networks", 2017.
        https://arxiv.org/abs/1506.01186
    """
    fn = "lr_range"
    low = check.real(fn, "low", low)
    high = check.real(fn, "high", high)
    shape = _check_shape(fn, shape, low, "low", ("high", high))
    return Schedule(
        fn,
        {"low": low, "high": high, "steps": check.integer(fn, "steps", steps), "shape": shape},
    )
