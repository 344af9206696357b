"""``optax.piecewise_constant_schedule``, ``piecewise_interpolate_schedule`` and the two
one-cycle schedules built on it, for :mod:`jaxlrs.compat.optax` (which documents the
conventions; import them from there)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp

from .. import _check as check
from .. import _time
from .._curves import half_cos_pair
from .._primitives import constant, piecewise_constant
from .._schedule import Schedule, expands, register
from .._time import Time, value

Array = jax.Array

__all__ = [
    "cosine_onecycle_schedule",
    "linear_onecycle_schedule",
    "piecewise_constant_schedule",
    "piecewise_interpolate_schedule",
]

_P = "compat.optax."


def _flush(x: Any) -> Any:
    """A concrete product too small for float32's normal range is 0 (as float32 flushes)."""
    if check.is_traced(x) or isinstance(x, jax.Array) or x == 0 or abs(x) >= check.SMALLEST:
        return x
    return 0.0


# -- piecewise -----------------------------------------------------------------------------


def _pairs(fn: str, boundaries_and_scales: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    """``{step: scale}`` or ``[steps, scales]`` as ``(steps, scales)``, sorted by step;
    None when empty. (Two lists, not pairs: a list of numbers packs into one array for the
    eager path, and a mixed ``(step, scale)`` pair would round a large step to float32.)"""
    name = "boundaries_and_scales"
    if boundaries_and_scales is None:
        return None
    allowed = "a dict {step: scale} or two lists [steps, scales] of one length"
    if isinstance(boundaries_and_scales, Mapping):
        items = list(boundaries_and_scales.items())
    else:
        cols = check.sequence(fn, name, boundaries_and_scales)
        if check.is_traced(cols) or len(cols) != 2:
            check._fail(fn, name, allowed, boundaries_and_scales, TypeError)
        steps = check.sequence(fn, f"{name}[0]", cols[0])
        scales = check.sequence(fn, f"{name}[1]", cols[1])
        if check.is_traced(steps) or check.is_traced(scales) or len(steps) != len(scales):
            check._fail(fn, name, allowed, boundaries_and_scales)
        items = list(zip(steps, scales, strict=True))
    out = []
    for b, x in items:
        b = check.integer(fn, f"{name} step", b, minimum=0)
        if check.is_traced(b):
            check._fail(fn, f"{name} step", "a concrete non-negative integer", b, TypeError)
        out.append((b, check.real(fn, f"{name}[{b}] scale", x, low=0.0)))
    out.sort(key=lambda p: p[0])
    steps = [b for b, _ in out]
    if len(set(steps)) != len(steps):
        check._fail(fn, f"{name} steps", "distinct", steps)
    if not out:
        return None
    return tuple(b for b, _ in out), tuple(x for _, x in out)


def _cumulative(init_value: Any, scales: Any) -> list[Any]:
    values = [init_value]
    for i in range(len(scales)):
        values.append(values[-1] * scales[i])
    return values


_SCALED = "init_value times the boundaries_and_scales scales up to step {}"


def _scaled(fn: str, init_value: Any, pairs: Any, what: str = _SCALED) -> Any:
    """The pairs, with every cumulative value checked (concrete ones) at construction;
    ``what.format(step)`` names the value in the message."""
    if pairs is not None and not check.is_traced(init_value):
        for b, v in zip(pairs[0], _cumulative(init_value, pairs[1])[1:], strict=True):
            check.derived(fn, what.format(b), v)
    return pairs


def _piecewise_constant_schedule(init_value: Any, boundaries_and_scales: Any) -> Schedule:
    if boundaries_and_scales is None:
        return constant(init_value)
    steps, scales = boundaries_and_scales
    return piecewise_constant(steps, _cumulative(init_value, scales))


@register(expands(_piecewise_constant_schedule), name=_P + "piecewise_constant_schedule")
def piecewise_constant_schedule(
    init_value: float, boundaries_and_scales: dict[int, float] | None = None
) -> Schedule:
    """``optax.piecewise_constant_schedule``: scales multiplied in at their boundaries.

    ``lr(t) = init_value * prod(scale for step, scale in boundaries_and_scales if t >= step)``

    Native: ``piecewise_constant(steps, cumulative values)`` (a binary search).

    Args:
        init_value: value before the first boundary.
        boundaries_and_scales: ``{step: scale}`` (or ``[steps, scales]``), steps
            distinct non-negative integers, scales non-negative; None: constant.

    Example:
        >>> from jaxlrs.compat import optax
        >>> s = optax.piecewise_constant_schedule(1.0, {100: 0.5, 200: 0.5})
        >>> s([0, 99, 100, 200, 999]).tolist()
        [1.0, 1.0, 0.5, 0.25, 0.25]
        >>> optax.piecewise_constant_schedule(1.0, {100: 0.5})
        compat.optax.piecewise_constant_schedule(1.0, boundaries_and_scales=[[100], [0.5]])
    """
    fn = "piecewise_constant_schedule"
    init_value = check.real(fn, "init_value", init_value)
    return Schedule(
        _P + fn,
        {
            "init_value": init_value,
            "boundaries_and_scales": _scaled(fn, init_value, _pairs(fn, boundaries_and_scales)),
        },
    )


_INTERPOLATE = ("linear", "cosine")


def _gap(a: Any, b: Any) -> Array:
    """``b - a`` of two step counts ``a <= b``, in integers when both are integers (in the
    unsigned dtype when one is: a boundary past the index maximum, see
    ``_time.exact_count``; as a float32 2**31 the ramp before it would end early)."""
    a, b = _time.exact_count(a), _time.exact_count(b)
    if _time.is_int(a) and _time.is_int(b):
        if a.dtype == b.dtype:
            return b - a
        u = _time.unsigned()
        return b.astype(u) - a.astype(u)
    f = _time.float_dtype()
    return b.astype(f) - a.astype(f)


def _piecewise_interpolate_schedule(
    time: Time, interpolate_type: str, init_value: Any, boundaries_and_scales: Any
) -> Array:
    if boundaries_and_scales is None:
        return value(init_value)
    steps, scales = boundaries_and_scales
    # Optax's cumulative product, in the float dtype, as Optax.
    values = [value(init_value)]
    for i in range(len(scales)):
        values.append(values[-1] * value(scales[i]))
    knots = [0] + [steps[i] for i in range(len(steps))]
    out = jnp.broadcast_to(values[-1], jnp.shape(time.n))
    for i in range(len(knots) - 1):
        a, b = knots[i], knots[i + 1]
        # A segment of length 0 (a boundary at step 0) is never selected; ramp treats it
        # as finished, so it stays finite.
        done, left = _time.ramp(_time.minus(time, a, _gap(a, b)), _gap(a, b))
        if interpolate_type == "cosine":
            done, left = half_cos_pair(done, left)
            done, left = left, done  # the weights of start and end: (1 + cos) / 2 and 1 - it
            v = values[i] * done + values[i + 1] * left
        else:
            v = values[i] * left + values[i + 1] * done
        inside = ~_time.before(time, a) & _time.before(time, b)
        out = jnp.where(inside, v, out)
    return out


@register(_piecewise_interpolate_schedule, name=_P + "piecewise_interpolate_schedule")
def piecewise_interpolate_schedule(
    interpolate_type: str,
    init_value: float,
    boundaries_and_scales: dict[int, float] | None = None,
) -> Schedule:
    """``optax.piecewise_interpolate_schedule``: interpolation between cumulative values.

    With knots ``0 = b_0 < b_1 < ... < b_n`` (the sorted steps) and values
    ``v_0 = init_value``, ``v_i = v_{i-1} * scale_i``: on ``[b_{i-1}, b_i)`` at
    ``p = (t - b_{i-1}) / (b_i - b_{i-1})``, ``lr = v_{i-1} + (v_i - v_{i-1}) * p``
    (``linear``) or ``v_i + (v_{i-1} - v_i) * (1 + cos(pi p)) / 2`` (``cosine``); ``v_n``
    from ``b_n`` on. Native: a ``join`` of ``linear``/``cosine`` pieces and a constant.

    Args:
        interpolate_type: ``"linear"`` or ``"cosine"``.
        init_value: value at step 0.
        boundaries_and_scales: ``{step: scale}`` (or ``[steps, scales]``), steps
            distinct non-negative integers, scales non-negative; None: constant.

    Example:
        >>> from jaxlrs.compat import optax
        >>> s = optax.piecewise_interpolate_schedule("linear", 1.0, {4: 0.5, 8: 0.5})
        >>> s([0, 2, 4, 6, 8, 10]).tolist()
        [1.0, 0.75, 0.5, 0.375, 0.25, 0.25]
    """
    return _interpolated(
        "piecewise_interpolate_schedule", interpolate_type, init_value, boundaries_and_scales
    )


def _interpolated(
    fn: str,
    interpolate_type: Any,
    init_value: Any,
    boundaries_and_scales: Any,
    what: str = _SCALED,
) -> Schedule:
    """A ``piecewise_interpolate_schedule``, its arguments checked with messages of ``fn``
    (the one-cycle schedules build one; ``what``: see :func:`_scaled`)."""
    init_value = check.real(fn, "init_value", init_value)
    return Schedule(
        _P + "piecewise_interpolate_schedule",
        {
            "interpolate_type": check.option(
                fn, "interpolate_type", interpolate_type, _INTERPOLATE
            ),
            "init_value": init_value,
            "boundaries_and_scales": _scaled(
                fn, init_value, _pairs(fn, boundaries_and_scales), what
            ),
        },
    )


# the cumulative values of a one-cycle schedule (coinciding steps make them pass through
# peak_value / div_factor**2, as in Optax)
_ONECYCLE_VALUE = (
    "the value at step {}, peak_value / div_factor times the scales made of div_factor "
    "and final_div_factor up to it,"
)


# -- one-cycle -----------------------------------------------------------------------------


def _concrete(fn: str, name: str, x: Any, allowed: str) -> None:
    if check.is_traced(x):
        check._fail(
            fn, name, allowed + " (it places a boundary, so it cannot be traced)", x, TypeError
        )


def _onecycle_steps(fn: str, transition_steps: Any) -> Any:
    t = check.integer(fn, "transition_steps", transition_steps)
    _concrete(fn, "transition_steps", t, "a concrete positive integer")
    return t


def _factors(fn: str, peak_value: Any, div_factor: Any, final_div_factor: Any) -> tuple:
    peak_value = check.real(fn, "peak_value", peak_value)
    div_factor = check.positive(fn, "div_factor", div_factor)
    final_div_factor = check.positive(fn, "final_div_factor", final_div_factor)
    if not any(map(check.is_traced, (peak_value, div_factor, final_div_factor))):
        init = peak_value / div_factor
        check.derived(fn, "peak_value / div_factor", init)
        if init != 0 and abs(init) < check.SMALLEST:
            allowed = (
                "0 or at least 2**-92 = 2.0194839e-28 in magnitude (the value at step 0, "
                "which the schedule stores as its init_value)"
            )
            check._fail(fn, "peak_value / div_factor", allowed, init)
        low = peak_value / (div_factor * final_div_factor)
        check.derived(fn, "peak_value / (div_factor * final_div_factor)", low)
    return peak_value, div_factor, final_div_factor


def _scale(fn: str, what: str, x: Any) -> Any:
    """A scale a one-cycle schedule derives from its factors: past LARGEST refused (with
    ``fn``'s message), a nonzero one below SMALLEST made 0 (``piecewise_*`` refuses it;
    every value it leads to is below 2**-92 of the value before it, inside the contract's
    absolute tolerance of 1e-10 of the largest value)."""
    check.derived(fn, what, x)
    return _flush(x)


def _pct(fn: str, name: str, x: Any) -> Any:
    x = check.real(fn, name, x, low=0.0, high=1.0)
    _concrete(fn, name, x, "a concrete number in [0, 1]")
    return x


def cosine_onecycle_schedule(
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """``optax.cosine_onecycle_schedule``: cosine up from ``peak / div_factor`` to the peak,
    cosine down to ``peak / (div_factor * final_div_factor)``.

    With ``m = int(pct_start * T)`` (``T = transition_steps``; Optax truncates):
    ``piecewise_interpolate_schedule("cosine", peak / div_factor,
    {m: div_factor, T: 1 / (div_factor * final_div_factor)})``; when ``m == T`` the
    second entry replaces the first (a dict, as in Optax). Like Optax, this returns that
    ``piecewise_interpolate_schedule`` (which is how it prints); ``transition_steps`` and
    ``pct_start`` place its boundaries with ``int()``, so they must be concrete (Optax's
    too); the values may be traced.

    Args:
        transition_steps: length of the cycle, a concrete positive integer.
        peak_value: the peak.
        pct_start: fraction of the cycle spent rising, a concrete number in [0, 1].
        div_factor: ``peak / initial value``, positive.
        final_div_factor: ``initial value / final value``, positive.

    Example:
        >>> from jaxlrs.compat import optax
        >>> s = optax.cosine_onecycle_schedule(100, 1.0, div_factor=10.0, final_div_factor=10.0)
        >>> [round(v, 6) for v in s([0, 15, 30, 100]).tolist()]
        [0.1, 0.55, 1.0, 0.01]

    References:
        Smith & Topin, "Super-Convergence: Very Fast Training of Neural Networks Using
        Large Learning Rates", 2017. https://arxiv.org/abs/1708.07120
    """
    fn = "cosine_onecycle_schedule"
    transition_steps = _onecycle_steps(fn, transition_steps)
    pct_start = _pct(fn, "pct_start", pct_start)
    peak_value, div_factor, final_div_factor = _factors(
        fn, peak_value, div_factor, final_div_factor
    )
    scales = {
        int(pct_start * transition_steps): div_factor,
        int(transition_steps): _scale(
            fn, "1 / (div_factor * final_div_factor)", 1.0 / (div_factor * final_div_factor)
        ),
    }
    return _interpolated(fn, "cosine", peak_value / div_factor, scales, _ONECYCLE_VALUE)


def linear_onecycle_schedule(
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    pct_final: float = 0.85,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """``optax.linear_onecycle_schedule``: three straight lines.

    With ``a = int(pct_start * T)``, ``b = int(pct_final * T)`` (``T = transition_steps``;
    Optax truncates): ``piecewise_interpolate_schedule("linear", peak / div_factor,
    {a: div_factor, b: 1 / div_factor, T: 1 / final_div_factor})``: up to the peak at
    ``a``, back to ``peak / div_factor`` at ``b``, then to
    ``peak / (div_factor * final_div_factor)`` at ``T``. Coinciding steps: the later
    entry replaces the earlier (a dict, as in Optax). Like Optax, this returns that
    ``piecewise_interpolate_schedule`` (which is how it prints); ``transition_steps``,
    ``pct_start`` and ``pct_final`` must be concrete (Optax's too); the values may be
    traced.

    Args:
        transition_steps: length of the cycle, a concrete positive integer.
        peak_value: the peak.
        pct_start: fraction of the cycle spent rising, a concrete number in [0, 1].
        pct_final: fraction at which the fall back to the initial value ends, a concrete
            number in [0, 1].
        div_factor: ``peak / initial value``, positive.
        final_div_factor: ``initial value / final value``, positive.

    Example:
        >>> from jaxlrs.compat import optax
        >>> s = optax.linear_onecycle_schedule(100, 1.0, 0.25, 0.75, div_factor=10.0)
        >>> [round(v, 6) for v in s([0, 25, 50, 75]).tolist()]
        [0.1, 1.0, 0.55, 0.1]

    References:
        Smith & Topin, "Super-Convergence: Very Fast Training of Neural Networks Using
        Large Learning Rates", 2017. https://arxiv.org/abs/1708.07120
    """
    fn = "linear_onecycle_schedule"
    transition_steps = _onecycle_steps(fn, transition_steps)
    pct_start = _pct(fn, "pct_start", pct_start)
    pct_final = _pct(fn, "pct_final", pct_final)
    peak_value, div_factor, final_div_factor = _factors(
        fn, peak_value, div_factor, final_div_factor
    )
    scales = {
        int(pct_start * transition_steps): div_factor,
        int(pct_final * transition_steps): _scale(fn, "1 / div_factor", 1.0 / div_factor),
        transition_steps: _scale(fn, "1 / final_div_factor", 1.0 / final_div_factor),
    }
    return _interpolated(fn, "linear", peak_value / div_factor, scales, _ONECYCLE_VALUE)
