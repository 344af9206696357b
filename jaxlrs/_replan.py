"""Re-planning a run on resume: ``rehorizon`` continues a schedule onto a new total length,
``splice`` switches to another schedule at a step, and ``jump`` reports the change of rate
an update sees there."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _check as check
from . import _time
from ._combinators import _join
from ._schedule import Schedule, register
from ._time import Time
from ._tools import _ENDS, _LISTS, _recipe_body

Array = jax.Array

# -- the length a schedule knows -----------------------------------------------------------


class _Unknown(Exception):
    """The structure does not say where the schedule ends."""


def _count(x: Any) -> Any:
    """``x`` if it is a step count (an int, an integer array or a tracer), else unknown."""
    if isinstance(x, bool) or x is None:
        raise _Unknown
    if isinstance(x, int):
        return x
    if isinstance(x, (jax.Array, np.ndarray, np.generic)) and np.ndim(x) == 0:
        if jnp.issubdtype(x.dtype, jnp.integer):
            return x
    raise _Unknown


def _max(x: Any, y: Any) -> Any:
    if isinstance(x, int) and isinstance(y, int):
        return max(x, y)
    return jnp.maximum(x, y)


def _cycles_length(period: Any, mult: Any, limit: Any) -> Any:
    """``period * (1 + mult + ... + mult**(limit - 1))`` for integers."""
    period, mult, limit = _count(period), _count(mult), _count(limit)
    if all(isinstance(x, int) for x in (period, mult, limit)):
        return period * (limit if mult == 1 else (mult**limit - 1) // (mult - 1))
    raise _Unknown  # a traced cycle count: give ``horizon=``


def _length(s: Schedule) -> Any:
    """The step from which ``s`` holds its last value, read from its structure."""
    a, name = s._args, s.name
    child: Any = a.get("schedule")
    if name == "constant":
        return 0
    if name in _ENDS or name in ("one_cycle", "warmup_exponential", "warmup_inverse_sqrt"):
        return _count(a["steps"])
    if name in _LISTS:
        xs = a[_LISTS[name]]
        return _count(xs[-1] if isinstance(xs, tuple) else jnp.asarray(xs)[-1])
    if name == "join":
        bs = a["boundaries"]
        last = bs[-1] if isinstance(bs, tuple) else jnp.asarray(bs)[-1]
        return _count(last) + _length(a["schedules"][-1])
    if name in ("warmup", "shift"):
        return _count(a["steps"]) + _length(child)
    if name == "cooldown":
        return _count(a["start"]) + _count(a["steps"])
    if name == "stretch":
        return _count(a["factor"]) * _length(child)  # an integer factor only
    if name in ("scale", "clip"):
        return _length(child)
    if name in ("arithmetic", "minimum", "maximum"):
        parts = (a["left"], a["right"]) if name == "arithmetic" else a["schedules"]
        out: Any = 0
        for x in parts:
            out = _max(out, _length(x)) if isinstance(x, Schedule) else out
        return out
    if name == "cycle":
        if a["limit"] is None:
            raise _Unknown
        return _cycles_length(a["period"], a["period_mult"], a["limit"])
    if name == "sgdr":
        if a["limit"] is None:
            raise _Unknown
        return _count(a["warmup"]) + _cycles_length(a["period"], a["period_mult"], a["limit"])
    if name == "rehorizon":
        return _count(a["steps"])
    if name == "splice":
        later = _length(a["new"])
        return _count(a["at"]) + later if a["restart"] else _max(_count(a["at"]), later)
    body = _recipe_body(s)
    if body is None:
        raise _Unknown
    return _length(body)


def length(schedule: Schedule) -> Any:
    """The step at which ``schedule`` ends (holds its last value from there on), as its
    structure says it, or ``None`` where the structure does not tell: a decay's ``steps``,
    a join's last boundary plus its last piece's length, a warmup's length plus its
    schedule's, a cycle with a ``limit``; ``None`` for schedules that never settle
    (``exponential``, ``step_decay``, ``cycle`` without a limit) or that jaxlrs cannot read
    (``from_fn``, a float ``stretch``). A traced step count gives a traced length."""
    try:
        return _length(schedule)
    except _Unknown:
        return None


# -- exact step arithmetic -----------------------------------------------------------------


def _wide_mul(x: Array, y: Array) -> tuple[Array, Array]:
    """``x * y`` of unsigned integers exactly, as the two halves ``(hi, lo)`` of a number of
    twice the unsigned type's width (schoolbook multiplication on half-width limbs)."""
    u = _time.unsigned()
    half = u.itemsize * 4
    mask = jnp.asarray((1 << half) - 1, u)
    x0, x1, y0, y1 = x & mask, x >> half, y & mask, y >> half
    p00, p01, p10, p11 = x0 * y0, x0 * y1, x1 * y0, x1 * y1
    mid = (p00 >> half) + (p01 & mask) + (p10 & mask)  # below 3 * 2**half: no wrap
    lo = (p00 & mask) | (mid << half)
    return p11 + (p01 >> half) + (p10 >> half) + (mid >> half), lo


def _wide_sub(a: tuple[Array, Array], b: tuple[Array, Array]) -> tuple[Array, Array]:
    """``a - b`` of double-width numbers, wrapping (two's complement in ``hi``)."""
    return a[0] - b[0] - (a[1] < b[1]).astype(a[0].dtype), a[1] - b[1]


def _wide_float(w: tuple[Array, Array]) -> Array:
    """A double-width two's-complement number as a float (rounded once: the magnitude is
    formed in integers, so a small negative number does not cancel)."""
    f = _time.float_dtype()
    hi, lo = w
    negative = jax.lax.bitcast_convert_type(hi, _time.index_dtype()) < 0
    one = jnp.ones((), hi.dtype)
    hi = jnp.where(negative, ~hi + (lo == 0).astype(hi.dtype), hi)
    lo = jnp.where(negative, ~lo + one, lo)
    size = hi.astype(f) * float(2 ** (hi.dtype.itemsize * 8)) + lo.astype(f)
    return jnp.where(negative, -size, size)


def _divmod(x: Array, y: Array, m: Array) -> tuple[Array, Array]:
    """``divmod(x * y, m)`` exactly for unsigned ``x``, ``y`` and ``m >= 1`` whose quotient
    the unsigned type holds, also where ``x * y`` itself does not: the product in double
    width, a float estimate of the quotient corrected twice with the exact remainder
    (the first correction brings it within one, the second makes it exact). No loops."""
    u = _time.unsigned()
    f = _time.float_dtype()
    x, y, m = x.astype(u), y.astype(u), jnp.maximum(m.astype(u), jnp.ones((), u))
    x, y, m = jnp.broadcast_arrays(x, y, m)
    mf = m.astype(f)
    product = _wide_mul(x, y)
    cap = float(np.nextafter(np.asarray(2 ** (u.itemsize * 8), f), 0))
    q = jnp.clip(jnp.floor(_wide_float(product) / mf), 0, cap).astype(u)
    # |x y - q m| is a few hundred m at most: its float quotient is right to within one.
    c = jnp.floor(_wide_float(_wide_sub(product, _wide_mul(q, m))) / mf)
    c = c.astype(_time.index_dtype())
    down = jax.lax.bitcast_convert_type(-jnp.minimum(c, 0), u)
    q = jnp.where(down > q, jnp.zeros((), u), q - down) + jnp.maximum(c, 0).astype(u)
    hi, lo = _wide_sub(product, _wide_mul(q, m))  # now in [-m, 2m)
    low = jax.lax.bitcast_convert_type(hi, _time.index_dtype()) < 0
    high = ~low & ((hi > 0) | (lo >= m))
    q = jnp.where(low, q - 1, jnp.where(high, q + 1, q))
    r = jnp.where(low, lo + m, jnp.where(high, lo - m, lo))
    return q, r


_GRID = 2**16  # the finest grid inside one step for the remapped step (see _rehorizon)


def _remapped(time: Time, at: Array, a: Array, b: Array) -> tuple[Any, ...]:
    """The original's step ``at + u * a / b`` for the local step ``u = min(t - at, b)``:
    ``(u == 0, whole, whole is the step, P, phi, right)``, where ``whole`` is its integer
    part and ``P`` an exact step (``n / d``) with ``phi`` in ``[0, 1)`` such that the
    remapped step is ``P + phi / d``; ``right`` says whether the neighbour ``P + 1 / d``
    lies inside the same integer step."""
    u, idx = _time.unsigned(), _time.index_dtype()
    d = jnp.ones((), u) if time.d is None else time.d.astype(u)
    local = _time.minus(time, at, b)
    big, ok = _time.product(b, d)  # the denominator of u = local.n / d
    big = jnp.where(ok, big, jnp.ones((), u))
    q, r = _divmod(local.n, a, big)  # u * a = q * big + r, exactly
    integral = r == 0
    whole = at.astype(u) + q  # the integer part, at most the horizon
    # The exact step (whole * den + rem) / den, where it fits the index dtype.
    g = jnp.gcd(a.astype(u), big)
    den, rem = big // g, r // g
    top = jnp.asarray(_time.index_max(), u)
    scaled, fine = _time.product(whole, den)
    fits = fine & (rem <= top) & (scaled <= top - jnp.minimum(rem, top))
    # Else a grid of ``grid`` points inside the step: whole + j / grid + phi / grid, the
    # cell j and the remainder of r * grid exact (a float r / big rounds the position by
    # 2**-24 of a step: 1e-8 of the value where a linear decay over a 3-step horizon ends
    # 7.5e8 steps later), phi to float precision inside its cell.
    grid = jnp.clip((top - 2) // (whole + 1), 1, _GRID)
    f = _time.float_dtype()
    j, rest = _divmod(r, grid, big)  # r * grid = j * big + rest, j < grid as r < big
    phi = jnp.where(integral | fits, 0.0, rest.astype(f) / big.astype(f))
    n = jnp.where(integral, whole, jnp.where(fits, scaled + rem, whole * grid + j))
    den = jnp.where(integral, jnp.ones((), u), jnp.where(fits, den, grid))
    right = j + 1 < grid
    p = Time(n.astype(idx), den)
    return local.n == 0, whole.astype(idx), integral, p, phi.astype(f), right & (den > 1)


def _near(p: Time, k: int) -> Time:
    """The step ``p + k / d``, kept within ``[0, index max]``."""
    if k < 0:
        return Time(jnp.maximum(p.n, -k) + k, p.d)
    return Time(jnp.minimum(p.n, _time.index_max() - k) + k, p.d)


def _rehorizon(time: Time, schedule: Schedule, at: Any, steps: Any, horizon: Any) -> Array:
    at_c, steps_c, old_c = (_time.count(x) for x in (at, steps, horizon))
    if not (time.exact and all(_time.is_int(x) for x in (at_c, steps_c, old_c))):
        f = _time.float_dtype()
        t, at_f, steps_f, old_f = (
            x.astype(f) for x in (_time.to_float(time), at_c, steps_c, old_c)
        )
        span = jnp.maximum(steps_f - at_f, 1.0)
        local = jnp.clip(t - at_f, 0.0, span)
        ratio = (old_f - at_f) / span
        # From the nearer end, so that the step near the end keeps its small remainder.
        near_end = local * 2 > span
        mapped = jnp.where(near_end, old_f - (span - local) * ratio, at_f + local * ratio)
        before = schedule._apply(time)
        return jnp.where(t <= at_f, before, schedule._apply(Time(mapped)))
    one = jnp.ones((), at_c.dtype)
    a = jnp.maximum(old_c - at_c, one)  # traced nonsense stays finite
    b = jnp.maximum(steps_c - at_c, one)
    early, whole, integral, p, phi, right = _remapped(time, at_c, a, b)
    # The four grid points in one evaluation of the original (one copy of its graph).
    n4 = jnp.stack([_near(p, k).n for k in (0, -1, 1, 2)])
    d4 = jnp.broadcast_to(p.d, n4.shape)
    v, lo, hi, hi2 = jnp.broadcast_to(schedule._apply(Time(n4, d4)), n4.shape)
    # Integer steps as plain integers (no denominator): a step up to ``at``, and a remapped
    # step that lands on an integer, give exactly the original's value there.
    if time.d is None:
        at_whole = schedule._apply(Time(jnp.where(early, time.n, whole)))
        before = at_whole
    else:
        at_whole, before = schedule._apply(Time(whole)), schedule._apply(time)
    s0, s1, s2 = v - lo, hi - v, hi2 - hi
    # Inside one integer step the original is smooth, so the value between grid points
    # follows the slope to a neighbour in the same step. On a grid of one point per step
    # (a step near 2**31), the next step may start a new piece: its slope is taken unless
    # it is out of line with both neighbours (a jump at the next step).
    coarse = p.d == 1
    smooth = jnp.abs(s1) <= jnp.abs(s0) + jnp.abs(s2)
    slope = jnp.where(right | (coarse & smooth), s1, s0)
    later = jnp.where(integral, at_whole, jnp.where(phi == 0, v, v + phi * slope))
    return jnp.where(early, before, later)


@register(_rehorizon)
def rehorizon(schedule: Schedule, at: int, steps: int, horizon: int | None = None) -> Schedule:
    """Continue ``schedule`` from step ``at`` onto a new total length ``steps``: the curve
    up to ``at`` is unchanged and the rest is the original's remainder stretched (or
    shrunk) to end at ``steps``.

    ``lr(t) = schedule(t)`` for ``t <= at``, else
    ``schedule(at + (min(t, steps) - at) * (horizon - at) / (steps - at))``, where
    ``horizon`` is the original's own total length. So the value at ``at`` is unchanged,
    the value at ``steps`` (and after) is the original's value at ``horizon``, and every
    phase boundary after ``at`` moves in proportion. A run planned for ``horizon`` steps
    and resumed at ``at`` with a new budget of ``steps`` steps continues with
    ``rehorizon(schedule, at, steps)``.

    ``horizon`` is read from the schedule's structure when not given (a decay's ``steps``,
    a join's last boundary plus its last piece's length, a warmup's plus its schedule's,
    ``cycle``/``sgdr`` with a ``limit``, recipes through their definition) and stored, so
    the repr names it. Give it for schedules that never settle (``exponential``,
    ``step_decay``, a cycle without a limit) or that jaxlrs cannot read (``from_fn``).

    Exact in integer steps: ``(t - at) * (horizon - at)`` is divided by ``steps - at`` in
    integers (the product in double width where it exceeds the unsigned type), so a step that
    maps onto an integer step of the original lands exactly on it, and the original sees
    the exact fraction ``n / d`` of the remapped step wherever that fits the index dtype.
    Elsewhere (a remapped step with a large denominator and a large integer part) it sees
    the integer part exactly, so every phase boundary and stair is where the float64
    formula puts it, and the fraction of the step by linear interpolation on a grid of up
    to ``2**16`` points inside the step (a slope from inside the same step; near ``2**31``,
    where the grid has one point per step, the slope to the next step unless that step
    jumps; a stair one step wide there can be blurred). So the values keep the precision
    promise (2e-6 relative, or 1e-10 of the largest value) at every integer step up to
    ``2**31 - 1``. For each step the original is evaluated at five steps: the integer
    one, and four grid points in one batched call. Fractional steps are float steps, as
    for every schedule.

    Args:
        schedule: the schedule planned for ``horizon`` steps.
        at: the step the run resumes at, a non-negative integer below ``horizon`` and
            ``steps``.
        steps: the new total number of steps, a positive integer above ``at``.
        horizon: the original's total length, a positive integer above ``at``; None reads
            it from the schedule's structure. Traced values are not checked.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.rehorizon(jaxlrs.linear(1.0, 0.0, 100), 50, 150)
        >>> s
        rehorizon(linear(1.0, 0.0, 100), 50, 150, horizon=100)
        >>> s([0, 50, 100, 150, 200]).tolist()
        [1.0, 0.5, 0.25, 0.0, 0.0]
        >>> jaxlrs.parse(repr(s)) == s
        True
    """
    fn = "rehorizon"
    schedule = check.schedule(fn, "schedule", schedule)
    at = check.integer(fn, "at", at, minimum=0)
    steps = check.integer(fn, "steps", steps)
    if horizon is None:
        horizon = length(schedule)
        if horizon is None:
            raise ValueError(
                f"{fn}(): horizon must be given (a positive integer: the step at which the "
                f"schedule ends) for {_short(schedule)}, whose length jaxlrs cannot read "
                "from its structure, got None"
            )
        if not check.is_traced(horizon) and not isinstance(horizon, int):
            horizon = int(np.asarray(horizon).item())
    horizon = check.integer(fn, "horizon", horizon)
    concrete = not any(check.is_traced(x) for x in (at, steps, horizon))
    if concrete and steps <= at:
        raise ValueError(f"{fn}(): steps must be greater than at, got steps={steps}, at={at}")
    if concrete and horizon <= at:
        raise ValueError(
            f"{fn}(): at must be less than the schedule's horizon ({horizon}), got at={at}: "
            "a run resumed at or past the end of its schedule has nothing left to re-plan"
        )
    return Schedule(fn, {"schedule": schedule, "at": at, "steps": steps, "horizon": horizon})


def _short(s: Schedule) -> str:
    text = repr(s)
    return text if len(text) <= 60 else text[:57] + "..."


# -- splice --------------------------------------------------------------------------------


def _splice(time: Time, old: Schedule, new: Schedule, at: Any, restart: bool) -> Array:
    if restart:  # exactly join([old, new], [at])
        return _join(time, (old, new), (at,))
    first = old._apply(_time.minus(time, 0, at))  # never far outside its own range
    return jnp.where(_time.before(time, at), first, new._apply(time))


@register(_splice)
def splice(old: Schedule, new: Schedule, at: int, restart: bool = False) -> Schedule:
    """Switch from ``old`` to ``new`` at step ``at``.

    ``lr(t) = old(t)`` for ``t < at``, else ``new(t)``: ``new`` is written in absolute
    steps, as a resumed run counts them (a new plan for steps ``at`` onwards, e.g.
    ``rehorizon(old, at, steps)`` or a cooldown from ``at``). With ``restart=True`` it sees
    the local step ``t - at`` instead, and the splice is ``join([old, new], [at])``.

    The change of rate at the switch, ``new(at) - old(at - 1)`` (the difference between
    the rates of updates ``at - 1`` and ``at``), is :func:`jump` of the splice.

    Args:
        old: the schedule before ``at``.
        new: the schedule from ``at`` on.
        at: the step of the switch, a positive integer.
        restart: whether ``new`` starts from step 0 at ``at``.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.splice(jaxlrs.constant(1.0), jaxlrs.linear(1.0, 0.0, 10), 4)
        >>> s([0, 3, 4, 8, 10]).tolist()
        [1.0, 1.0, 0.6000000238418579, 0.20000000298023224, 0.0]
        >>> round(jaxlrs.jump(s), 6)
        -0.4
    """
    fn = "splice"
    return Schedule(
        fn,
        {
            "old": check.schedule(fn, "old", old),
            "new": check.schedule(fn, "new", new),
            "at": check.integer(fn, "at", at),
            "restart": check.flag(fn, "restart", restart),
        },
    )


def jump(schedule: Schedule, at: int | None = None) -> float:
    """The change of rate between updates ``at - 1`` and ``at``:
    ``schedule(at) - schedule(at - 1)``, computed on the host from the float32 (float64
    under x64) values the updates use.

    Args:
        schedule: a jaxlrs schedule with concrete hyperparameters.
        at: a positive integer step; for a :func:`splice`, its switch step when left out
            (then the jump is ``new(at) - old(at - 1)``).

    Returns:
        A Python float: positive where the rate rises.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.splice(jaxlrs.constant(1.0), jaxlrs.constant(0.25), 100)
        >>> jaxlrs.jump(s)
        -0.75
    """
    fn = "jump"
    schedule = check.schedule(fn, "schedule", schedule)
    if at is None:
        if schedule.name != "splice":
            raise ValueError(
                f"{fn}(): at must be given (a positive integer step) for a schedule that is "
                f"not a splice, got None for {_short(schedule)}"
            )
        at = schedule.args["at"]
    at = check.integer(fn, "at", at)
    if check.is_traced(at) or any(check.is_traced(x) for x in jax.tree.leaves(schedule)):
        raise ValueError(
            f"{fn}(): schedule and at must be concrete (the jump is computed on the host), "
            "got a traced value"
        )
    values = np.asarray(schedule(np.asarray([at - 1, at])), np.float64)
    return float(values[1] - values[0])
