"""``evaluate`` and ``summary``: a schedule over many steps, in bounded memory."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import textwrap
from collections.abc import Iterable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _time
from ._schedule import Schedule, evaluator, expands, kinds, steps_array

Array = jax.Array

CHUNK = 2**20
"""Steps evaluated per jitted call by ``evaluate`` and ``summary``."""

MAX_MARKS = 1_000
"""Most phase boundaries ``summary`` reports."""


def _check_schedule(fn: str, schedule: Any) -> Schedule:
    if not isinstance(schedule, Schedule):
        raise TypeError(
            f"{fn}(): schedule must be a jaxlrs Schedule, got {schedule!r} "
            f"({type(schedule).__name__})"
        )
    if any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(schedule)):
        raise ValueError(
            f"{fn}(): schedule has traced hyperparameters; inside jit/vmap/grad call the "
            f"schedule directly instead"
        )
    return schedule


COUNT_RULE = (
    "an integer n (a Python int, or a NumPy/JAX integer scalar or 0-d array: the values "
    "at range(n))"
)


def _shown(x: Any) -> str:
    if isinstance(x, (np.ndarray, np.generic, jax.Array)):
        return f"{type(x).__name__} of dtype {x.dtype} and shape {np.shape(x)}"
    text = repr(x)
    return f"{text if len(text) <= 60 else text[:57] + '...'} ({type(x).__name__})"


def _count(fn: str, steps: Any, arrays: bool) -> int | None:
    """``steps`` as a count when it is an integer scalar of any kind; None when it is an
    array of steps with at least one dimension (and ``arrays``); ``TypeError`` otherwise.

    The one rule of ``evaluate`` and ``summary``: an integer scalar (Python, NumPy or JAX)
    is a number of steps; a float scalar is neither a count nor an array, and is refused
    rather than read as either."""
    allowed = COUNT_RULE + (" or an array of steps" if arrays else "")
    if isinstance(steps, jax.core.Tracer):
        raise TypeError(
            f"{fn}(): steps must be {allowed}, got a traced value; inside jit/vmap/grad "
            f"call the schedule directly"
        )
    if isinstance(steps, int) and not isinstance(steps, bool):
        return int(steps)
    if arrays and isinstance(steps, (list, tuple, range)):
        return None
    if isinstance(steps, (np.ndarray, np.generic, jax.Array)):
        dtype = np.dtype(steps.dtype)
        if np.ndim(steps) == 0 and dtype.kind in "iu":
            return int(steps)
        if np.ndim(steps) > 0 and arrays:
            return None
    hint = ""
    if isinstance(steps, (float, np.floating)) or (
        isinstance(steps, (np.ndarray, jax.Array)) and np.dtype(steps.dtype).kind == "f"
    ):
        hint = "; a float is not a number of steps: pass an int count" + (
            ", or the steps as an array (e.g. [100.0])" if arrays else ""
        )
    raise TypeError(f"{fn}(): steps must be {allowed}, got {_shown(steps)}{hint}")


def _check_count(fn: str, steps: Any) -> int:
    n = _count(fn, steps, arrays=False)
    assert n is not None
    if n < 1:
        raise ValueError(f"{fn}(): steps must be a positive integer, got {n}")
    return n


def _check_chunk(fn: str, chunk: Any) -> int:
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"{fn}(): chunk must be a positive integer, got {chunk!r}")
    return chunk


MIN_BLOCK = 2**14
"""The smallest size of a jitted call (unless ``chunk`` is smaller): every evaluation of up
to this many steps shares one compiled function per structure (a summary and the plot
beside it, ``python -m jaxlrs show``), at the cost of evaluating some padding."""


def _block(n: int, chunk: int) -> int:
    """The size of each jitted call: a power of two (few distinct compilations), at most
    ``chunk``, at least ``MIN_BLOCK`` and otherwise no larger than needed for ``n`` steps."""
    return min(chunk, max(MIN_BLOCK, 1 << max(n - 1, 0).bit_length()))


# Each jitted loop takes ``evaluator(schedule)``: the structure's function (static) and
# its packed hyperparameters, so a value here is bit for bit ``schedule(step)``.


@functools.partial(jax.jit, static_argnums=(0, 3))
def _range_values(fn: Any, args: Any, start: Array, size: int) -> Array:
    return fn(*args, start + jnp.arange(size, dtype=start.dtype))


@functools.partial(jax.jit, static_argnums=0)
def _array_values(fn: Any, args: Any, steps: Array) -> Array:
    return fn(*args, steps)


def _host_steps(steps: np.ndarray) -> np.ndarray:
    """Steps as the index dtype, or as the float dtype when they are floats or integers
    too large for the index dtype (as a schedule call does with a large Python int)."""
    if steps.dtype.kind in "iu":
        info = np.iinfo(_time.index_dtype())
        if steps.size == 0 or (steps.min() >= info.min and steps.max() <= info.max):
            return steps.astype(_time.index_dtype())
        return steps.astype(np.float64).astype(_time.float_dtype())
    if not jnp.issubdtype(steps.dtype, jnp.floating):
        raise TypeError(
            f"evaluate(): steps must be integers or floats (the steps a schedule call "
            f"accepts), got an array of dtype {steps.dtype}"
        )
    return steps.astype(_time.float_dtype())


def _range_fits(start: int, size: int) -> bool:
    return start + size - 1 <= _time.index_max()


def evaluate(schedule: Schedule, steps: Any, *, chunk: int = CHUNK) -> np.ndarray:
    """The schedule's values at ``range(steps)``, or at the given steps, as a NumPy array.

    ``evaluate(s, n)[t] == s(t)`` exactly, for every ``t`` in ``range(n)``; an array of
    steps (integers or fractional floats, any shape; a list counts as an array) gives an
    array of that shape. One rule tells the two apart: an integer scalar of any kind (a
    Python int, a NumPy integer, a 0-d NumPy or JAX integer array such as
    ``jnp.int32(100)``) is a count ``n``; an array with at least one dimension holds
    steps. A float scalar (``100.0``, ``np.float32(3)``) is neither and raises
    ``TypeError`` (pass an int count, or ``[100.0]`` for the value at one step); so do
    bools, strings, complex or bool arrays and traced values. The
    steps are evaluated ``chunk`` at a time by one jitted function per schedule structure
    and copied into a NumPy array (float32, or float64 under x64), so device memory stays
    bounded whatever the length; the result itself needs ``4 * n`` bytes of host memory
    (use :func:`summary` to reduce a long range without storing it). Call it outside of
    ``jit``: inside a transformation, call the schedule itself.

    Args:
        schedule: a jaxlrs schedule with concrete hyperparameters.
        steps: a number of steps ``n``, an integer scalar (values at
            ``0, 1, ..., n - 1``), or an array of steps.
        chunk: steps per jitted call.

    Returns:
        A NumPy array of values.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.evaluate(jaxlrs.linear(1.0, 0.0, 4), 6).tolist()
        [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """
    fn = "evaluate"
    schedule = _check_schedule(fn, schedule)
    chunk = _check_chunk(fn, chunk)
    out_dtype = _time.float_dtype()
    count = _count(fn, steps, arrays=True)
    if count is not None:
        n = count
        if n < 0:
            raise ValueError(f"{fn}(): steps must be a non-negative integer, got {n}")
        out = np.empty(n, out_dtype)
        size = _block(n, chunk)
        for start in range(0, n, size):
            m = min(size, n - start)
            if _range_fits(start, size):
                start_ = np.asarray(start, _time.index_dtype())
                vals = _range_values(*evaluator(schedule), start_, size)
                out[start : start + m] = np.asarray(vals)[:m]
            else:
                out[start : start + m] = evaluate(
                    schedule, np.arange(start, start + m, dtype=np.int64), chunk=chunk
                )
        return out
    try:
        raw = steps_array(steps)
    except (TypeError, ValueError) as e:  # ragged lists
        raise TypeError(
            f"{fn}(): steps must be an array of steps, got {_shown(steps)}: {e}"
        ) from None
    arr = _host_steps(raw)
    flat = arr.ravel()
    out = np.empty(flat.shape, out_dtype)
    size = _block(flat.size, chunk)
    for start in range(0, flat.size, size):
        piece = flat[start : start + size]
        m = piece.size
        if m < size:
            piece = np.concatenate([piece, np.zeros(size - m, piece.dtype)])
        out[start : start + m] = np.asarray(_array_values(*evaluator(schedule), piece))[:m]
    return out.reshape(arr.shape)


# -- summary -------------------------------------------------------------------------------


ROW = 256
"""Steps per partial sum of ``summary``'s area (added in float64 on the host)."""

BIG = 2**23
"""From this many steps on, ``summary`` compiles a kernel for the schedule itself."""

SMALL = 2**16
"""Up to this many steps, ``summary`` reduces the values (``evaluate``'s) on the host."""


def _stats(values_at: Any, start: Array, size: int, valid: Array) -> tuple[Array, ...]:
    """Peak, its step, minimum, its step, the sums of each ``ROW`` steps and the last value
    of ``values_at(start + i)`` for ``i < valid``, in one pass that never stores the
    values: XLA fuses the three row reductions (max, min, sum) with the evaluation. Steps
    from ``valid`` on are evaluated as the last one (a clamp, not a mask: a mask on the
    values breaks that fusion, 4x slower for ``sgdr``), which moves no peak or minimum
    (their first step stays first) and adds copies of the last value to the row sums that
    the host takes off (``_area``). The first step of the peak, of the minimum and the last
    value come from one more evaluation of their three rows."""
    row = min(size, ROW)
    end = valid - 1
    v = values_at(start + jnp.minimum(jnp.arange(size, dtype=start.dtype), end))
    rows = v.reshape(-1, row)
    partial = rows.sum(axis=1)
    firsts = jnp.stack([jnp.argmax(rows.max(axis=1)), jnp.argmin(rows.min(axis=1))])
    firsts = jnp.concatenate([firsts.astype(start.dtype), (end // row)[None]]) * row
    k = firsts[:, None] + jnp.arange(row, dtype=start.dtype)[None, :]
    w = values_at(start + jnp.minimum(k, end).reshape(-1)).reshape(3, row)
    top, bottom = jnp.argmax(w[0]), jnp.argmin(w[1])
    return w[0, top], firsts[0] + top, w[1, bottom], firsts[1] + bottom, partial, w[2, end % row]


def _area(partial: Any, size: int, valid: int, last: float) -> float:
    """The sum of the first ``valid`` values from ``_stats``' row sums (in float64): the rows
    past them dropped, the copies of the last value in its row taken off."""
    row = min(size, ROW)
    used = -(-valid // row)
    copies = used * row - valid
    return float(np.sum(np.asarray(partial, np.float64)[:used]) - copies * last)


@functools.partial(jax.jit, static_argnums=(0, 3))
def _range_stats(fn: Any, args: Any, start: Array, size: int, valid: Array) -> tuple[Array, ...]:
    # One compiled kernel per structure: the hyperparameters are arguments.
    return _stats(lambda t: fn(*args, t), start, size, valid)


@functools.lru_cache(maxsize=32)
def _schedule_stats(schedule: Schedule, size: int, index: Any) -> Any:
    """A kernel for one schedule, its hyperparameters compile-time constants as in a
    user's ``jit`` over ``schedule(t)`` (the schedule's constant form, see ``Schedule``):
    what depends on them alone is computed once, which the structure's kernel recomputes
    at every step (1.6x its time for ``sgdr``)."""
    del index  # part of the cache key: the kernel is for this index dtype
    return jax.jit(lambda start, valid: _stats(schedule, start, size, valid))


@dataclasses.dataclass(frozen=True)
class Summary:
    """What :func:`summary` finds; ``str()`` prints it as a small table."""

    schedule: Schedule
    steps: int
    peak: float
    peak_step: int
    minimum: float
    minimum_step: int
    final: float
    area: float
    boundaries: tuple[int | float, ...]

    def rows(self) -> list[tuple[str, str]]:
        shown = ", ".join(_num(b) for b in self.boundaries[:8])
        if len(self.boundaries) > 8:
            shown += f", ... ({len(self.boundaries)} in all)"
        return [
            ("schedule", repr(self.schedule)),
            ("steps", f"{self.steps:,} (0 to {self.steps - 1:,})"),
            ("peak", f"{_num(self.peak)} at step {self.peak_step:,}"),
            ("minimum", f"{_num(self.minimum)} at step {self.minimum_step:,}"),
            ("final", _num(self.final)),
            ("area", f"{_num(self.area)} (sum over the steps)"),
            ("phases", shown or "-"),
        ]

    def __str__(self) -> str:
        lines = []
        for key, text in self.rows():
            wrapped = textwrap.wrap(text, 68, break_on_hyphens=False) or [""]
            lines.append(f"{key:<10}{wrapped[0]}")
            lines += [" " * 12 + w for w in wrapped[1:]]
        return "\n".join(lines)


def _num(x: float | int) -> str:
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:.6g}"


def summary(schedule: Schedule, steps: int, *, chunk: int = CHUNK) -> Summary:
    """Peak, minimum, final value, area and phase boundaries of a schedule over
    ``range(steps)``.

    ``steps`` is a count, as in :func:`evaluate`: a Python int or a NumPy/JAX integer
    scalar; a float (even ``100.0``) raises ``TypeError``.

    The steps are reduced ``chunk`` at a time inside one jitted function, so a summary over
    ``10**9`` steps runs in bounded memory. Up to ``SMALL`` (``2**16``) steps it reduces
    ``evaluate``'s values on the host (the compile ``evaluate`` needs anyway, the smallest
    one). Above, each chunk is reduced in one pass that never stores the values: below
    ``BIG`` (``2**23``) steps by one compiled function per schedule structure (shared by
    every schedule of that structure, its hyperparameters as arguments); from ``BIG`` on
    by one compiled for the schedule itself, its hyperparameters constants as in a user's
    ``jit`` over ``schedule(t)`` (a compile of about 0.1 s that makes each step as cheap as
    a jitted ``jnp.sum(schedule(t))``; the last 32 schedules' are kept). The last can
    differ from the others in the last bits of a value (the constant form), within the
    contract. The fields of the returned ``Summary``:

    * ``peak``, ``peak_step``: the largest value and the first step where it occurs;
    * ``minimum``, ``minimum_step``: the smallest value and the first step where it occurs;
    * ``final``: the value at step ``steps - 1``;
    * ``area``: the sum of the values over the steps (partial sums in the schedule's dtype
      over 256 steps, added in float64; up to ``SMALL`` steps, and past the index dtype's
      range, the values added in float64);
    * ``boundaries``: the steps in ``(0, steps)`` where a phase starts, read from the
      schedule's structure: warmup and cooldown ends, ``join`` boundaries, cycle starts,
      piecewise boundaries, milestones, stairs, the ends of finite primitives, and the same
      inside recipes (which expand to those). Constructors with no such knowledge (most
      ``compat`` ones, ``from_fn``) contribute none; at most 1,000 are listed.

    ``str(summary(...))`` is a small table.

    Args:
        schedule: a jaxlrs schedule with concrete hyperparameters.
        steps: the number of steps, a positive integer scalar.
        chunk: steps per jitted call.

    Returns:
        A ``Summary``.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.summary(jaxlrs.warmup(jaxlrs.linear(1.0, 0.0, 8), 2), 12)
        >>> s.peak, s.peak_step, s.final, s.area, s.boundaries
        (1.0, 2, 0.0, 5.0, (2, 10))
        >>> print(s)
        schedule  warmup(linear(1.0, 0.0, 8), 2)
        steps     12 (0 to 11)
        peak      1 at step 2
        minimum   0 at step 0
        final     0
        area      5 (sum over the steps)
        phases    2, 10
    """
    fn = "summary"
    schedule = _check_schedule(fn, schedule)
    n = _check_count(fn, steps)
    chunk = _check_chunk(fn, chunk)
    size = _block(n, chunk)
    peak = bottom = final = math.nan
    peak_step = bottom_step = 0
    area = 0.0
    for start in range(0, n, size):
        m = min(size, n - start)
        if n <= SMALL or not _range_fits(start, size):
            v = evaluate(schedule, np.arange(start, start + m, dtype=np.int64), chunk=chunk)
            top, low = int(np.argmax(v)), int(np.argmin(v))
            hi, lo, last = float(v[top]), float(v[low]), float(v[-1])
            part = float(np.sum(v, dtype=np.float64))
        else:
            first, valid = (np.asarray(x, _time.index_dtype()) for x in (start, m))
            if n >= BIG:
                kernel = _schedule_stats(schedule, size, _time.index_dtype())
                out = kernel(first, valid)
            else:
                out = _range_stats(*evaluator(schedule), first, size, valid)
            hi, top, lo, low, partial, last = jax.device_get(out)  # one transfer
            hi, top, lo, low, last = float(hi), int(top), float(lo), int(low), float(last)
            part = _area(partial, size, m, last)
        if start == 0 or hi > peak:
            peak, peak_step = hi, start + top
        if start == 0 or lo < bottom:
            bottom, bottom_step = lo, start + low
        final = last
        area += part
    return Summary(
        schedule, n, peak, peak_step, bottom, bottom_step, final, area, phases(schedule, n)
    )


# -- phase boundaries ----------------------------------------------------------------------


class _Marks:
    def __init__(self, steps: float) -> None:
        self.steps = steps
        self.found: set[int | float] = set()

    @property
    def full(self) -> bool:
        return len(self.found) >= MAX_MARKS

    def add(self, x: float) -> None:
        if 0 < x < self.steps and not self.full:
            self.found.add(int(x) if float(x).is_integer() else x)


def _concrete(*xs: Any) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs)


_EXPANDS_CODE = expands(lambda **_: None).__code__  # type: ignore[arg-type]

# Finite primitives: the parameters that are phase ends, in their own step units.
_ENDS = {
    "linear": ("steps",),
    "polynomial": ("steps",),
    "cosine": ("steps",),
    "triangular": ("steps",),
    "tanh_decay": ("steps",),
    "rex": ("steps",),
    "slanted_triangular": ("steps",),
}
_LISTS = {"piecewise_constant": "boundaries", "piecewise_linear": "boundaries"}
_LISTS["multistep"] = "milestones"


def _recipe_body(s: Schedule) -> Schedule | None:
    apply = kinds()[s.name].apply
    if getattr(apply, "__code__", None) is not _EXPANDS_CODE:
        return None
    build = inspect.getclosurevars(apply).nonlocals.get("build")
    try:
        body = build(**s.args) if build is not None else None
    except Exception:
        return None
    return body if isinstance(body, Schedule) else None


def _every(marks: _Marks, offset: float, scale: float, end: float, every: Any) -> None:
    if not _concrete(every) or every <= 0:
        return
    k = 1
    while k * every < end and not marks.full:
        marks.add(offset + scale * k * every)
        k += 1


def _walk(s: Schedule, offset: float, scale: float, end: float, marks: _Marks) -> None:
    """Add the boundaries of ``s`` whose local step is in ``(0, end)``; the global step of
    local step ``u`` is ``offset + scale * u``."""
    if marks.full or end <= 0:
        return
    a = s.args

    def add(u: Any) -> None:
        if _concrete(u) and 0 < u < end:
            marks.add(offset + scale * u)

    def child(c: Any, shift: Any = 0, factor: Any = 1, stop: Any = math.inf) -> None:
        if isinstance(c, Schedule) and _concrete(shift, factor):
            local_end = min((end - shift) / factor, stop) if _concrete(stop) else 0
            _walk(c, offset + scale * shift, scale * factor, local_end, marks)

    name = s.name
    if name in _ENDS:
        for key in _ENDS[name]:
            add(a[key])
        if name == "triangular" and _concrete(a["steps"], a["inc_fraction"]):
            add(a["steps"] * a["inc_fraction"])
    elif name in _LISTS:
        for b in a[_LISTS[name]] if isinstance(a[_LISTS[name]], tuple) else ():
            add(b)
    elif name == "step_decay":
        _every(marks, offset, scale, end, a["every"])
    elif name in ("exponential", "inverse_time"):
        if a["staircase"]:
            _every(marks, offset, scale, end, a["steps"])
    elif name == "join":
        bs = a["boundaries"]
        if not isinstance(bs, tuple) or not _concrete(*bs):
            return
        edges = (0, *bs)
        for i, c in enumerate(a["schedules"]):
            if i:
                add(edges[i])
            length = bs[i] - edges[i] if i < len(bs) else math.inf
            child(c, edges[i], 1, length)
    elif name in ("warmup", "shift"):
        add(a["steps"])
        child(a["schedule"], a["steps"])
    elif name == "cooldown":
        add(a["start"])
        if _concrete(a["start"], a["steps"]):
            add(a["start"] + a["steps"])
        child(a["schedule"], 0, 1, a["start"])
    elif name == "stretch":
        child(a["schedule"], 0, a["factor"])
    elif name == "cycle":
        _cycle_marks(a, add, child, end, marks)
    elif name == "sgdr":  # a direct apply: warmup, then cycles of cosines
        warm = a["warmup"]
        if _concrete(warm):
            add(warm)
            cycles = {**a, "schedule": None}
            _cycle_marks(cycles, lambda u: add(warm + u), child, end - warm, marks)
    elif name == "splice":
        at = a["at"]
        if _concrete(at):
            add(at)
            child(a["old"], 0, 1, at)
            if a["restart"]:
                child(a["new"], at)
            else:  # ``new`` on the run's own step: only its boundaries after ``at`` show
                for u in _marks_of(a["new"], end):
                    if u > at:
                        add(u)
    elif name == "rehorizon":
        _rehorizon_marks(a, add, child)
    elif name in ("arithmetic", "minimum", "maximum"):
        for c in (a["left"], a["right"]) if name == "arithmetic" else a["schedules"]:
            child(c)
    elif name in ("scale", "clip", "noise"):
        child(a["schedule"])
    else:
        body = _recipe_body(s)
        if body is not None:
            _walk(body, offset, scale, end, marks)


def _marks_of(s: Schedule, end: float) -> list[int | float]:
    """The phase boundaries of ``s`` in ``(0, end)`` on its own step, sorted."""
    marks = _Marks(end)
    _walk(s, 0, 1, end, marks)
    return sorted(marks.found)


def _rehorizon_marks(a: dict[str, Any], add: Any, child: Any) -> None:
    """The original's boundaries up to ``at`` as they are; each later one ``u`` at the
    first step whose mapped step reaches it, ``at + ceil((u - at) (steps - at) / (horizon -
    at))`` (exact in integers); ``at`` and the new end ``steps``."""
    at, steps, horizon = a["at"], a["steps"], a["horizon"]
    if not _concrete(at, steps, horizon):
        return
    add(at)
    add(steps)
    child(a["schedule"], 0, 1, at)
    for u in _marks_of(a["schedule"], horizon):
        if u > at:
            num, den = (u - at) * (steps - at), horizon - at
            exact = all(isinstance(x, int) for x in (num, den))
            add(at + (-(-num // den) if exact else math.ceil(num / den)))


def _cycle_marks(a: dict[str, Any], add: Any, child: Any, end: float, marks: _Marks) -> None:
    period, mult, limit = a["period"], a["period_mult"], a["limit"]
    if not _concrete(period, mult) or not (limit is None or _concrete(limit)):
        return
    start, factor, i = 0, 1, 0
    while start < end and not marks.full:
        if i:
            add(start)
        if limit is not None and i >= limit:
            return
        child(a["schedule"], start, factor, period)
        start, factor, i = start + period * factor, factor * mult, i + 1


def phases(schedule: Schedule, steps: int) -> tuple[int | float, ...]:
    """The phase boundaries of ``schedule`` in ``(0, steps)``, sorted (see :func:`summary`)."""
    marks = _Marks(steps)
    _walk(schedule, 0, 1, steps, marks)
    return tuple(sorted(marks.found))


def sample_steps(steps: int, points: int, extra: Iterable[int | float] = ()) -> np.ndarray:
    """About ``points`` integer steps spread over ``range(steps)`` (all of them when
    ``steps <= points``), plus each boundary and the step before it, so that jumps show."""
    if steps <= points:
        base = np.arange(steps, dtype=np.int64)
    else:
        base = np.unique(np.linspace(0, steps - 1, points).round().astype(np.int64))
    more = [math.ceil(b) + d for b in extra for d in (-1, 0)]
    more = [x for x in more if 0 <= x < steps]
    return np.unique(np.concatenate([base, np.asarray(more, np.int64)]))
