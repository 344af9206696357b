"""Combinators: functions that take schedules and return schedules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp

from . import _check as check
from . import _time
from ._curves import SHAPES, blend
from ._cycles import locate
from ._primitives import times_power
from ._schedule import Schedule, _format_value, register
from ._time import Time, count, float_dtype, index_dtype, value

Array = jax.Array

# -- join ----------------------------------------------------------------------------------


def _join(time: Time, schedules: tuple[Schedule, ...], boundaries: Any) -> Array:
    bs = _time.counts(boundaries)
    b = [bs[i] for i in range(bs.shape[0])]
    edges = [None, *b]
    out = None
    piece = _time.count_le(time, bs)
    for i, s in enumerate(schedules):
        if i == 0:
            local = _time.minus(time, 0, b[0])
        else:
            length = b[i] - b[i - 1] if i < len(b) else None
            local = _time.minus(time, edges[i], length)
        v = s._apply(local)
        out = v if out is None else _time.select(piece >= i, v, out)
    assert out is not None
    return out


@register(_join)
def join(schedules: list[Schedule], boundaries: list[int]) -> Schedule:
    """Run schedules one after another.

    Piece ``i`` runs on ``[boundaries[i-1], boundaries[i])`` and sees the local step
    ``t - boundaries[i-1]``; the last piece runs on from ``boundaries[-1]``. Every piece
    is evaluated and one is selected, so use ``cycle`` (O(1)) for repetitions, not a long
    ``join``.

    Args:
        schedules: the pieces, in order.
        boundaries: ``len(schedules) - 1`` strictly increasing non-negative steps.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.join([jaxlrs.linear(0.0, 1.0, 10), jaxlrs.cosine(1.0, 90)], [10])
        >>> [round(x, 6) for x in s([0, 5, 10, 55, 100]).tolist()]
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    fn = "join"
    pieces = check.schedules(fn, "schedules", schedules)
    boundaries = check.integers(fn, "boundaries", boundaries)
    check.length(fn, "boundaries", boundaries, len(pieces) - 1, "one entry fewer than schedules")
    if len(pieces) < 2:
        raise ValueError(f"{fn}(): schedules must hold at least 2 schedules, got 1")
    return Schedule(fn, {"schedules": pieces, "boundaries": boundaries})


# -- warmup / cooldown ---------------------------------------------------------------------


def _warmup(time: Time, schedule: Schedule, steps: Any, init: Any, shape: str) -> Array:
    steps = _time.exact_count(steps)  # exact also beyond int32 (unsigned)
    target = schedule._apply(Time(jnp.zeros((), index_dtype())))
    done, left = _time.ramp(time, steps)
    ramp = blend(shape, init, target, done, left, steps)
    after = schedule._apply(_time.minus(time, steps))
    return _time.select(_time.before(time, steps), ramp, after)


def _check_shape(
    fn: str, shape: Any, init: Any, name: str = "init", *others: tuple[str, Any]
) -> str:
    """``shape`` checked; for ``exponential``, the ramp's ends ``(name, init)`` and
    ``others`` (see ``check.geometric``)."""
    shape = check.option(fn, "shape", shape, SHAPES)
    check.geometric(fn, shape, (name, init), *others)
    return shape


def _value_at(schedule: Schedule, step: int) -> float | None:
    """``schedule(step)`` computed at construction from its concrete hyperparameters, to
    check what a ramp joins onto: the smaller of the eager call (hyperparameters traced
    through the packed path) and ``_evaluate`` (concrete values), as a ramp may be
    evaluated either way. ``None`` when a hyperparameter or ``step`` is traced or the
    schedule cannot be evaluated here (a ``from_fn`` that needs tracing)."""
    if check.is_traced(step) or any(check.is_traced(x) for x in jax.tree.leaves(schedule)):
        return None
    try:
        with jax.ensure_compile_time_eval():
            eager = float(schedule(step))
            wide = abs(step) > _time.index_max()  # beyond the index dtype: as a float
            concrete = float(schedule._evaluate(float(step) if wide else step))
    except Exception:  # a from_fn that cannot run here: the call itself will tell
        return None
    return min(eager, concrete)


@register(_warmup)
def warmup(schedule: Schedule, steps: int, init: float = 0.0, shape: str = "linear") -> Schedule:
    """Prepend a warmup: ramp from ``init`` to ``schedule(0)`` over ``steps`` steps, then
    run ``schedule`` delayed by ``steps``.

    ``lr(t) = init + (schedule(0) - init) * f(t / steps)`` for ``t < steps``, else
    ``schedule(t - steps)``; ``f`` is the ramp ``shape`` (``linear``, ``cosine``, ``sqrt``,
    ``1-sqrt``, ``exponential``, ``log`` (DeepSpeed's ``WarmupLR``) or ``constant`` (hold
    ``init`` for the whole warmup, MXNet's ``warmup_mode="constant"``); see the
    catalogue, ``docs/guides/catalogue.md``).

    Args:
        schedule: the schedule after the warmup.
        steps: length of the warmup, a non-negative integer (0: no warmup).
        init: value at step 0 (positive for ``shape="exponential"``).
        shape: the curve of the ramp. For ``exponential`` the target ``schedule(0)`` must
            be positive too, and the larger end at most 3.4028235e+38 times the smaller:
            both are checked at construction when concrete (``schedule(0)`` is evaluated
            from the concrete hyperparameters); a traced non-positive end gives NaN.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.warmup(jaxlrs.constant(1.0), 4)
        >>> s([0, 1, 2, 4, 100]).tolist()
        [0.0, 0.25, 0.5, 1.0, 1.0]

    References:
        Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", 2017.
        https://arxiv.org/abs/1706.02677
    """
    fn = "warmup"
    init = check.real(fn, "init", init)
    schedule = check.schedule(fn, "schedule", schedule)
    shape = _check_shape(fn, shape, init)
    if shape == "exponential":
        _check_shape(fn, shape, init, "init", ("schedule(0)", _value_at(schedule, 0)))
    return Schedule(
        fn,
        {
            "schedule": schedule,
            "steps": check.integer(fn, "steps", steps, minimum=0),
            "init": init,
            "shape": shape,
        },
    )


def _cooldown(
    time: Time, schedule: Schedule, start: Any, steps: Any, end: Any, shape: str
) -> Array:
    start, steps = _time.exact_count(start), _time.exact_count(steps)  # unsigned beyond int32
    before = schedule._apply(_time.minus(time, 0, start))
    source = schedule._apply(Time(_time.count(start)))
    local = _time.minus(time, start)
    done, left = _time.ramp(local, steps)
    cool = blend(shape, value(end), source, left, done, steps)
    return jnp.where(_time.before(time, start), before, cool)


@register(_cooldown)
def cooldown(
    schedule: Schedule,
    start: int,
    steps: int,
    end: float = 0.0,
    shape: str = "linear",
) -> Schedule:
    """Append a cooldown: from step ``start``, ramp from ``schedule(start)`` to ``end``
    over ``steps`` steps, then hold ``end``.

    ``lr(t) = schedule(t)`` for ``t < start``;
    ``end + (schedule(start) - end) * g((t - start) / steps)`` after, where ``g`` runs the
    ramp ``shape`` backwards (``linear`` 1 - p, ``cosine`` (1 + cos(pi p)) / 2, ``1-sqrt``
    1 - sqrt(p), ``sqrt`` sqrt(1 - p), ``exponential`` geometric, ``log``
    ``log(1 + steps - u) / log(1 + steps)`` at ``u = t - start``, ``constant`` 0 after the
    first step: ``end`` from ``start + 1`` on, the constant ramp run backwards).

    Args:
        schedule: the schedule before the cooldown.
        start: step at which the cooldown begins, a non-negative integer.
        steps: length of the cooldown, a positive integer.
        end: value from ``start + steps`` on (positive for ``shape="exponential"``).
        shape: the curve of the cooldown. For ``exponential`` the source
            ``schedule(start)`` must be positive too, and the larger end at most
            3.4028235e+38 times the smaller: checked at construction when concrete; a
            traced non-positive end gives NaN.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.cooldown(jaxlrs.constant(1.0), 10, 10)
        >>> s([0, 10, 15, 20, 30]).tolist()
        [1.0, 1.0, 0.5, 0.0, 0.0]
    """
    fn = "cooldown"
    end = check.real(fn, "end", end)
    schedule = check.schedule(fn, "schedule", schedule)
    start = check.integer(fn, "start", start, minimum=0)
    shape = _check_shape(fn, shape, end, "end")
    if shape == "exponential":
        source = ("schedule(start)", _value_at(schedule, start))
        _check_shape(fn, shape, end, "end", source)
    return Schedule(
        fn,
        {
            "schedule": schedule,
            "start": start,
            "steps": check.integer(fn, "steps", steps),
            "end": end,
            "shape": shape,
        },
    )


# -- cycle ---------------------------------------------------------------------------------


def _cycle(
    time: Time, schedule: Schedule, period: Any, period_mult: Any, decay: Any, limit: Any
) -> Array:
    period = count(period)
    i, local, ok, rough = locate(time, period, period_mult)

    def body(local: Time) -> Array:
        if limit is None:
            return schedule._apply(local)
        # Past the last cycle: hold the value at the end of the last cycle.
        v_end = schedule._apply(Time(period.astype(local.n.dtype)))
        return jnp.where(i > (count(limit) - 1).astype(i.dtype), v_end, schedule._apply(local))

    v = body(local) if ok is None or rough is None else jnp.where(ok, body(local), body(rough))
    if limit is not None:
        i = jnp.minimum(i, (count(limit) - 1).astype(i.dtype))
    if isinstance(decay, (int, float)) and decay == 1:
        return v
    # v * decay**i formed so that a growth (decay > 1) overflows only where the value does
    # and a 0 value stays 0 (never 0 * inf).
    return times_power(v, decay, (i, None))


@register(_cycle)
def cycle(
    schedule: Schedule,
    period: int,
    period_mult: float = 1,
    decay: float = 1.0,
    limit: int | None = None,
) -> Schedule:
    """Repeat the first ``period`` steps of ``schedule``.

    Cycle ``i`` lasts ``period * period_mult**i`` steps, runs ``schedule`` stretched to
    that length, and is scaled by ``decay**i``:
    ``lr(t) = decay**i * schedule(u / period_mult**i)``, where cycle ``i`` starts at
    ``period * (period_mult**i - 1) / (period_mult - 1)`` and ``u`` is the step inside it.
    With ``limit``, after ``limit`` cycles the value at the end of the last cycle holds.

    O(1) per step whatever the number of cycles: the cycle index comes from a logarithm,
    corrected by one exact integer comparison, so with an integer ``period_mult`` every
    boundary is an exact integer at any step. A float ``period_mult`` compares the step with
    cycle starts computed in double-float arithmetic from ``expm1(i log m)``, ``log m`` to
    53 bits from the host (a traced ``period_mult``: binary powering from its stored value),
    so it is within 1e-6 of the largest value at every step up to ``2**31 - 1`` (about 8x
    the cost of the integer path; see the contract page for a multiplier within 1e-8 of
    1, and for a step within about ``2**-46`` of a start that is not the step itself,
    which may fall on either side of the restart). The traced graph does not grow with
    the number of cycles.

    Args:
        schedule: the shape of one cycle; its steps ``[0, period]`` are used.
        period: length of the first cycle, a positive integer.
        period_mult: factor on each next cycle's length, in [1, 2**31] (an integer keeps every
            boundary exact).
        decay: factor on each next cycle's height, positive.
        limit: number of cycles, a positive integer, or None for infinitely many.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.cycle(jaxlrs.linear(1.0, 0.0, 10), 10, period_mult=2, decay=0.5)
        >>> s([0, 5, 10, 20, 30]).tolist()
        [1.0, 0.5, 0.5, 0.25, 0.25]
    """
    fn = "cycle"
    period_mult = check.period_mult(fn, "period_mult", period_mult)
    if isinstance(period_mult, float) and period_mult.is_integer():
        period_mult = int(period_mult)
    return Schedule(
        fn,
        {
            "schedule": check.schedule(fn, "schedule", schedule),
            "period": check.integer(fn, "period", period),
            "period_mult": period_mult,
            "decay": check.positive(fn, "decay", decay),
            "limit": check.optional(check.integer, fn, "limit", limit),
        },
    )


# -- time and value transforms -------------------------------------------------------------


def _shift(time: Time, schedule: Schedule, steps: Any) -> Array:
    return schedule._apply(_time.minus(time, steps))


@register(_shift)
def shift(schedule: Schedule, steps: int) -> Schedule:
    """Delay a schedule: ``lr(t) = schedule(max(t - steps, 0))``.

    Args:
        schedule: the schedule to delay.
        steps: delay, a non-negative integer.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.shift(jaxlrs.linear(1.0, 0.0, 10), 5)([0, 5, 10, 15]).tolist()
        [1.0, 1.0, 0.5, 0.0]
    """
    fn = "shift"
    return Schedule(
        fn,
        {
            "schedule": check.schedule(fn, "schedule", schedule),
            "steps": check.integer(fn, "steps", steps, minimum=0),
        },
    )


def _stretch(time: Time, schedule: Schedule, factor: Any) -> Array:
    integral = isinstance(factor, int) or (not isinstance(factor, float) and _time.is_int(factor))
    if time.exact and integral and time.d is not None:
        # Nested integer stretches multiply their denominators; where the product would
        # wrap, the step is below one stretched step and the float time is accurate.
        d, ok = _time.product(time.d, jnp.asarray(factor))
        exact = schedule._apply(Time(time.n, d))
        rough = schedule._apply(Time(_time.to_float(time) / value(factor)))
        return jnp.where(ok, exact, rough)
    return schedule._apply(_time.stretch(time, factor))


@register(_stretch)
def stretch(schedule: Schedule, factor: float) -> Schedule:
    """Slow time down by ``factor``: ``lr(t) = schedule(t / factor)``.

    With an integer factor the stretched step stays an exact fraction (e.g. a schedule
    written in epochs, stretched by steps per epoch); a float factor gives a float step.

    Args:
        schedule: the schedule to stretch.
        factor: time scale, positive.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.stretch(jaxlrs.step_decay(1.0, 2, 0.5), 100)  # epochs -> steps
        >>> s([0, 199, 200, 400]).tolist()
        [1.0, 1.0, 0.5, 0.25]
    """
    fn = "stretch"
    factor = check.positive(fn, "factor", factor)
    if isinstance(factor, float) and factor.is_integer():
        factor = int(factor)
    return Schedule(fn, {"schedule": check.schedule(fn, "schedule", schedule), "factor": factor})


def _scale(time: Time, schedule: Schedule, factor: Any) -> Array:
    return schedule._apply(time) * value(factor)


@register(_scale)
def scale(schedule: Schedule, factor: float) -> Schedule:
    """Multiply a schedule by a number: ``lr(t) = factor * schedule(t)``.

    Example:
        >>> import jaxlrs
        >>> float(jaxlrs.scale(jaxlrs.constant(2.0), 0.25)(0))
        0.5
    """
    fn = "scale"
    return Schedule(
        fn,
        {
            "schedule": check.schedule(fn, "schedule", schedule),
            "factor": check.real(fn, "factor", factor),
        },
    )


def _clip(time: Time, schedule: Schedule, low: Any, high: Any) -> Array:
    v = schedule._apply(time)
    if low is not None:
        v = jnp.maximum(v, value(low))
    if high is not None:
        v = jnp.minimum(v, value(high))
    return v


@register(_clip)
def clip(schedule: Schedule, low: float | None = None, high: float | None = None) -> Schedule:
    """Bound a schedule: ``lr(t) = min(max(schedule(t), low), high)``.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.clip(jaxlrs.linear(0.0, 1.0, 8), 0.25, 0.75)([0, 4, 8]).tolist()
        [0.25, 0.5, 0.75]
    """
    fn = "clip"
    low = check.optional(check.real, fn, "low", low)
    high = check.optional(check.real, fn, "high", high)
    if (
        low is not None
        and high is not None
        and not check.is_traced(low)
        and not check.is_traced(high)
        and low > high
    ):
        raise ValueError(f"{fn}(): low must be <= high, got low={low!r}, high={high!r}")
    return Schedule(
        fn, {"schedule": check.schedule(fn, "schedule", schedule), "low": low, "high": high}
    )


def _operand(x: Any, time: Time) -> Array:
    return x._apply(time) if isinstance(x, Schedule) else value(x)


def _reduce(op: Callable[[Array, Array], Array]) -> Callable[..., Array]:
    def apply(time: Time, schedules: tuple[Any, ...]) -> Array:
        out = _operand(schedules[0], time)
        for s in schedules[1:]:
            out = op(out, _operand(s, time))
        return out

    return apply


def _operands(fn: str, xs: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(xs) < 2:
        raise ValueError(f"{fn}(): needs at least 2 schedules or numbers, got {len(xs)}")
    if not any(isinstance(x, Schedule) for x in xs):
        raise TypeError(f"{fn}(): at least one argument must be a jaxlrs Schedule")
    return tuple(
        x if isinstance(x, Schedule) else check.real(fn, f"argument {i}", x)
        for i, x in enumerate(xs)
    )


@register(_reduce(jnp.minimum))
def minimum(*schedules: Schedule | float) -> Schedule:
    """The pointwise minimum of schedules (or numbers): ``lr(t) = min_i s_i(t)``.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.minimum(jaxlrs.linear(0.0, 2.0, 10), 1.0)([0, 5, 10]).tolist()
        [0.0, 1.0, 1.0]
    """
    return Schedule("minimum", {"schedules": _operands("minimum", schedules)})


@register(_reduce(jnp.maximum))
def maximum(*schedules: Schedule | float) -> Schedule:
    """The pointwise maximum of schedules (or numbers): ``lr(t) = max_i s_i(t)``.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.maximum(jaxlrs.linear(0.0, 2.0, 10), 1.0)([0, 5, 10]).tolist()
        [1.0, 1.0, 2.0]
    """
    return Schedule("maximum", {"schedules": _operands("maximum", schedules)})


def _from_fn(time: Time, fn: Callable[[Array], Any]) -> Array:
    step = time.n if time.d is None else _time.to_float(time)
    return jnp.asarray(fn(step), float_dtype())


@register(_from_fn)
def from_fn(fn: Callable[[Array], Any]) -> Schedule:
    """Wrap a jittable ``step -> value`` function (PyTorch's ``LambdaLR``).

    ``fn`` receives the step clamped at 0, as an integer array (or a float array for
    fractional or stretched steps), and must be elementwise and traceable. Two
    ``from_fn`` schedules are equal when they wrap the same function object. The repr names
    the function (``module.qualname``); ``parse`` cannot rebuild it, and pickling needs a
    module-level function.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.from_fn(lambda t: 0.5 ** (t / 2))
        >>> s([0, 2, 4]).tolist()
        [1.0, 0.5, 0.25]
    """
    if not callable(fn) or isinstance(fn, Schedule):
        raise TypeError(
            f"from_fn(): fn must be a function of the step, got {fn!r} ({type(fn).__name__})"
        )
    return Schedule("from_fn", {"fn": fn})


# -- arithmetic ----------------------------------------------------------------------------


def _power(x: Array, y: Array) -> Array:
    """``x ** y`` on the reals, with finite gradients wherever the value is finite.

    ``|x| ** y`` from a clamped magnitude (double ``where``), with the sign ``(-1) ** y``
    for a negative ``x`` and an integer ``y``; a negative ``x`` with a non-integer ``y`` is
    NaN (no real value). At ``x = 0`` with ``y < 1`` the value is the constant ``0 ** y``
    (0 for ``y > 0``, 1 for ``y = 0``, inf for ``y < 0``) and the gradient with respect to
    ``x`` is taken as 0 (the one-sided derivative is infinite, and an infinity times the
    zero derivative of a schedule that reaches 0 would be NaN). The gradient with respect
    to ``y`` at a negative ``x`` is ``log|x| * x ** y`` (the parity held fixed)."""
    x, y = jnp.broadcast_arrays(x, y)
    neg = x < 0
    mag = jnp.where(neg, -x, x)  # not abs: its gradient at 0 is 0
    flat = (mag == 0) & (y < 1)
    p = jnp.power(jnp.where(flat, 1.0, mag), y)
    p = jnp.where(flat, jnp.power(jnp.zeros_like(mag), jax.lax.stop_gradient(y)), p)
    integer = y == jnp.round(y)
    odd = integer & (jnp.mod(jnp.round(y), 2) == 1)
    out = jnp.where(neg & odd, -p, p)
    return jnp.where(neg & ~integer, jnp.nan, out)


_OPS: dict[str, Callable[[Array, Array], Array]] = {
    "+": jnp.add,
    "-": jnp.subtract,
    "*": jnp.multiply,
    "/": jnp.divide,
    "**": _power,
}


def _arithmetic(time: Time, op: str, left: Any, right: Any) -> Array:
    return _OPS[op](_operand(left, time), _operand(right, time))


def _format_arithmetic(args: Mapping[str, Any]) -> str:
    def side(x: Any, left: bool) -> str:
        text = _format_value(x)
        if isinstance(x, Schedule) and x.name == "arithmetic":
            return f"({text})"
        # Python reads ``-2.0 ** s`` as ``-(2.0 ** s)``: a negative base needs brackets.
        if left and args["op"] == "**" and text.startswith("-"):
            return f"({text})"
        return text

    return f"{side(args['left'], True)} {args['op']} {side(args['right'], False)}"


@register(_arithmetic, fmt=_format_arithmetic)
def arithmetic(op: str, left: Schedule | float, right: Schedule | float) -> Schedule:
    """``left op right`` for ``op`` in ``+ - * / **``: what ``schedule + 1``,
    ``2 * schedule``, ``a / b``, ``s ** 2.0``, ``0.5 ** s`` build. Prefer the operators.

    Each operand keeps the precision promise, and the operation rounds once in float32:
    ``a * b`` and ``a / b`` stay within about 4e-6 relative; ``a + b`` and ``a - b`` within
    2e-6 of ``|a| + |b|`` (a difference of nearly equal values cannot do better);
    ``a ** b`` within about ``(1 + |b| + |b log a|) * 2e-6`` relative (a power amplifies
    the relative error of its base by ``|b|`` and of its exponent by ``|b log a|``).
    Division by the number 0 or by ``constant(0.0)`` is refused; a divisor schedule that
    reaches 0 gives ``+-inf`` at those steps, and NaN where the dividend is 0 there too
    (``0 / 0`` has no value): keep a divisor away from 0.

    ``**`` is the real power (the power laws of levanter, timm's WSD ``stable_fn``):
    ``a ** b`` for ``a > 0``; ``0 ** b`` is 0, 1 or inf for ``b`` positive, zero or
    negative; a negative ``a`` has a real power only for an integer ``b`` (the sign is
    ``(-1) ** b``) and gives NaN otherwise. A number base must therefore be
    non-negative (``(-2.0) ** s`` is refused: its exponent varies), and a negative
    number exponent of a schedule that reaches 0 gives inf there. Gradients are finite
    wherever the value is: at a zero base with ``b < 1`` the gradient with respect to the
    base is taken as 0 (its one-sided derivative is infinite); with respect to the
    exponent at a negative base it is ``log|a| * a ** b``. The repr brackets every
    nested operation, so ``(s ** 2.0) ** 0.5`` and ``s ** (2.0 ** t)`` read unambiguously.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.linear(1.0, 0.25, 3) ** 0.5
        >>> s
        linear(1.0, 0.25, 3) ** 0.5
        >>> s([0, 3]).tolist()
        [1.0, 0.5]
        >>> jaxlrs.parse(repr(s)) == s
        True
    """
    fn = "arithmetic"
    op = check.option(fn, "op", op, tuple(_OPS))
    left, right = (
        x if isinstance(x, Schedule) else check.real(fn, name, x)
        for name, x in (("left", left), ("right", right))
    )
    if not isinstance(left, Schedule) and not isinstance(right, Schedule):
        raise TypeError(f"{fn}(): left or right must be a jaxlrs Schedule")
    if op == "/" and not isinstance(right, Schedule) and not check.is_traced(right):
        if right == 0:
            raise ValueError(f"{fn}(): cannot divide a schedule by zero, got right=0")
    if op == "/" and isinstance(right, Schedule) and right.name == "constant":
        zero = right.args["value"]
        if not check.is_traced(zero) and zero == 0:
            raise ValueError(
                f"{fn}(): cannot divide by a schedule that is zero, got right={right!r}"
            )
    if op == "**" and not isinstance(left, Schedule) and not check.is_traced(left):
        if left < 0:
            raise ValueError(
                f"{fn}(): the base of ** must be a schedule or a number >= 0, got "
                f"left={left!r} (a negative number to a varying power is NaN wherever the "
                "exponent is not an integer)"
            )
    return Schedule(fn, {"op": op, "left": left, "right": right})
