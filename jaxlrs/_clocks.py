"""Clocks: schedules driven by tokens, examples or epochs instead of the update count.

A clock maps the update count ``t`` to an integer count ``c(t)``: the tokens or examples
seen before update ``t`` under a batch-size schedule, or the epochs completed. The batch
schedule is expanded once, on the host, into pieces with exact integer starts ``s_i``,
per-update sizes ``b_i`` and bases ``c(s_i)``, so that inside piece ``i``

    c(t) = c(s_i) + b_i * (t - s_i)

(a linear ramp of the batch size becomes one piece per batch size it takes). On the
device the piece is found by a binary search and the product is formed without int64:
with x64 off, ``b_i * (t - s_i)`` and the sum are carried as two ``uint32`` words
(16-bit limbs, carries by comparison), exact for every int32 step since
``b_i < 2**32`` and ``t < 2**31`` keep every count below ``2**63``; with x64 on, in
``uint64``, exact while the count is below ``2**64``.

``on_clock(schedule, clock)`` hands the inner schedule the exact count as an integer step
while it fits the index dtype (``2**31 - 1`` with x64 off), so the inner schedule keeps
its own exactness contract (SPEC 1.5); beyond that, with x64 off, the count reaches it as
a float (``high * 2**32 + low`` in float32, within one float32 rounding of the exact
count, relative ``2**-23``), as a Python int step above ``2**31`` does.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import _check as check
from . import _time
from ._schedule import Schedule, register
from ._time import Time

Array = jax.Array

MAX_PIECES = 100_000
"""Most pieces a batch schedule may expand into (each batch size a ramp takes is one)."""

MAX_BATCH = 2**32 - 1
"""Largest count per update (batch size times ``seq_len``): one ``uint32`` word."""

CLOCKS = ("tokens", "examples", "epochs")
"""The registered constructors whose schedules are clocks."""

_WORD = 2.0**32
_INT64_MAX = 2**63 - 1


# -- the batch schedule, expanded on the host ----------------------------------------------


class Pieces(NamedTuple):
    """A clock as pieces: on ``[starts[i], starts[i+1])`` the count is
    ``bases[i] + sizes[i] * (t - starts[i])`` (Python ints, ``starts[0] == 0``)."""

    starts: tuple[int, ...]
    sizes: tuple[int, ...]
    bases: tuple[int, ...]

    def at(self, t: int) -> int:
        """The count before update ``t >= 0`` (host arithmetic, exact)."""
        i = bisect.bisect_right(self.starts, t) - 1
        return self.bases[i] + self.sizes[i] * (t - self.starts[i])


def ramp_count(a: int, b: int, length: int) -> int:
    """How many pieces the ramp from ``a`` towards ``b`` over ``length`` updates expands
    into: one per batch size it takes (closed form, so a bad ramp is refused before any
    expansion)."""
    d = b - a
    if d == 0:
        return 1
    if abs(d) >= length:  # a new size at every update
        return length
    return d if d > 0 else 1 - d  # rounded down: a ramp down also takes b itself


def _ramp_pieces(a: int, b: int, length: int) -> list[tuple[int, int]]:
    """``(offset, size)`` where the ramp ``a + floor((b - a) k / length)``, ``0 <= k <
    length``, takes a new value (always one at offset 0)."""
    d = b - a
    if abs(d) >= length:  # the size changes at every update
        return [(k, a + d * k // length) for k in range(length)]
    if d > 0:  # value >= a + j from k = ceil(j length / d)
        ks = {-(-j * length // d) for j in range(1, d + 1)}
    else:  # value <= a - j from k = floor((j - 1) length / |d|) + 1
        ks = {(j - 1) * length // -d + 1 for j in range(1, -d + 1)}
    return [(k, a + d * k // length) for k in sorted(k for k in ks | {0} if k < length)]


@functools.lru_cache(maxsize=256)
def pieces(batch_sizes: tuple[Any, ...], boundaries: tuple[int, ...], scale: int) -> Pieces:
    """The validated batch schedule ``batch_sizes`` (ints, or ``(a, b)`` ramps) on the
    pieces ``boundaries``, each size times ``scale``, expanded into :class:`Pieces`."""
    edges = (0, *boundaries)
    starts: list[int] = []
    sizes: list[int] = []
    for i, size in enumerate(batch_sizes):
        s = edges[i]
        if i + 1 < len(edges) and edges[i + 1] == s:
            continue  # an empty first piece (boundaries[0] == 0)
        if isinstance(size, tuple):
            for k, v in _ramp_pieces(size[0], size[1], edges[i + 1] - s):
                starts.append(s + k)
                sizes.append(v * scale)
        else:
            starts.append(s)
            sizes.append(size * scale)
    bases = [0]
    for i in range(1, len(starts)):
        bases.append(bases[-1] + sizes[i - 1] * (starts[i] - starts[i - 1]))
    return Pieces(tuple(starts), tuple(sizes), tuple(bases))


def _validate(
    fn: str, batch_sizes: Any, boundaries: Any, scale: int, unit: str
) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    allowed = "a positive integer or a pair [start, end] of positive integers (a linear ramp)"
    if check.is_traced(batch_sizes) or check.is_traced(boundaries):
        raise TypeError(
            f"{fn}(): batch_sizes and boundaries must be concrete (the batch schedule is the "
            "clock's structure, expanded when it is built), got a traced value"
        )
    sizes = check.sequence(fn, "batch_sizes", batch_sizes)
    if not sizes:
        raise ValueError(f"{fn}(): batch_sizes must hold at least one batch size, got []")
    out: list[Any] = []
    for i, x in enumerate(sizes):
        name = f"batch_sizes[{i}]"
        if isinstance(x, (list, tuple)):
            if len(x) != 2:
                raise ValueError(f"{fn}(): {name} must be {allowed}, got {list(x)!r}")
            pair = tuple(check.integer(fn, f"{name}[{j}]", v) for j, v in enumerate(x))
            if any(check.is_traced(v) for v in pair):
                raise TypeError(f"{fn}(): {name} must be concrete, got a traced value")
            if i == len(sizes) - 1:
                raise ValueError(
                    f"{fn}(): {name} must be a positive integer (the last piece never ends, "
                    f"so it cannot ramp), got {list(pair)!r}"
                )
            out.append(pair)
        else:
            if isinstance(x, (bool, str, bytes)) or x is None:
                raise TypeError(f"{fn}(): {name} must be {allowed}, got {x!r} ({type(x).__name__})")
            v = check.integer(fn, name, x)
            if check.is_traced(v):
                raise TypeError(f"{fn}(): {name} must be concrete, got a traced value")
            out.append(v)
    bounds = check.integers(fn, "boundaries", boundaries)
    if check.is_traced(bounds) or any(check.is_traced(b) for b in bounds):
        raise TypeError(f"{fn}(): boundaries must be concrete, got a traced value")
    for i, b in enumerate(bounds):
        if b > _INT64_MAX:
            raise ValueError(
                f"{fn}(): boundaries[{i}] must be an update count at most 2**63 - 1, got {b}"
            )
    check.length(fn, "boundaries", bounds, len(out) - 1, "one entry fewer than batch_sizes")
    for i, x in enumerate(out):
        biggest = max(x) if isinstance(x, tuple) else x
        if biggest * scale > MAX_BATCH:
            what = f"batch_sizes[{i}]" + (" * seq_len" if fn == "tokens" else "")
            raise ValueError(
                f"{fn}(): {what} must be at most 4294967295 (2**32 - 1 {unit} per update), "
                f"got {biggest * scale}"
            )
    edges = (0, *bounds)
    n = sum(
        ramp_count(x[0], x[1], edges[i + 1] - edges[i]) if isinstance(x, tuple) else 1
        for i, x in enumerate(out)
        if i + 1 == len(edges) or edges[i + 1] > edges[i]
    )
    if n > MAX_PIECES:
        raise ValueError(
            f"{fn}(): batch_sizes must expand into at most {MAX_PIECES} pieces (a ramp "
            f"takes one per batch size it passes through), got {n}"
        )
    return tuple(out), bounds


def clock_pieces(clock: Schedule) -> Pieces | int:
    """A clock's :class:`Pieces`, or its ``steps_per_epoch`` for ``epochs``."""
    args = clock._args
    if clock.name == "epochs":
        return int(args["steps_per_epoch"])
    scale = args.get("seq_len", 1)
    return pieces(args["batch_sizes"], args["boundaries"], scale)


# -- exact counts on the device ------------------------------------------------------------


def _mul_wide(a: Array, b: Array) -> tuple[Array, Array]:
    """``a * b`` for ``uint32`` words as ``(high, low)`` words (exact: 16-bit limbs)."""
    u = jnp.uint32
    mask = jnp.asarray(0xFFFF, u)
    a0, a1 = a & mask, a >> 16
    b0, b1 = b & mask, b >> 16
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = p01 + p10  # may wrap: the carry is worth 2**48
    carry_mid = (mid < p01).astype(u)
    low = p00 + (mid << 16)
    carry_low = (low < p00).astype(u)
    high = p11 + (mid >> 16) + (carry_mid << 16) + carry_low
    return high, low


def _words(x: int) -> tuple[int, int]:
    return x >> 32, x & 0xFFFFFFFF


def _search(starts: tuple[int, ...], n: Array) -> Array:
    """The piece of each step ``n >= 0`` (starts beyond the index dtype never count)."""
    top = _time.index_max()
    reachable = tuple(s for s in starts if s <= top)
    if len(reachable) == 1:
        return jnp.zeros(jnp.shape(n), _time.index_dtype())
    keys = jnp.asarray(reachable, _time.index_dtype())
    return jnp.searchsorted(keys, n, side="right", method="scan").astype(_time.index_dtype()) - 1


def parts(clock: Schedule, n: Array) -> tuple[Array, Array]:
    """The exact count before update ``n`` (index-dtype integers ``>= 0``) as ``uint32``
    words ``(high, low)``: ``count = high * 2**32 + low``."""
    u = jnp.uint32
    spec = clock_pieces(clock)
    if isinstance(spec, int):
        if spec > _time.index_max():  # an epoch longer than any step: none completed
            return jnp.zeros(jnp.shape(n), u), jnp.zeros(jnp.shape(n), u)
        q = _time.div(n, jnp.asarray(spec, n.dtype))
        if n.dtype.itemsize == 8:
            return (q >> 32).astype(u), (q & 0xFFFFFFFF).astype(u)
        return jnp.zeros(jnp.shape(q), u), q.astype(u)
    i = _search(spec.starts, n)
    m = _reach(spec)
    if _time.index_dtype().itemsize == 8:
        w = jnp.uint64
        start = jnp.take(jnp.asarray(spec.starts[:m], jnp.int64), i)
        size = jnp.take(jnp.asarray(spec.sizes[:m], w), i)
        base = jnp.take(jnp.asarray([b & (2**64 - 1) for b in spec.bases[:m]], w), i)
        c = base + size * (n - start).astype(w)
        return (c >> 32).astype(u), (c & 0xFFFFFFFF).astype(u)
    start = jnp.take(jnp.asarray(spec.starts[:m], jnp.int32), i)
    k = (n - start).astype(u)  # 0 <= k < 2**31
    size = jnp.take(jnp.asarray(spec.sizes[:m], u), i)
    words = [_words(b) for b in spec.bases[:m]]
    base_high = jnp.take(jnp.asarray([h for h, _ in words], u), i)
    base_low = jnp.take(jnp.asarray([lo for _, lo in words], u), i)
    high, low = _mul_wide(size, k)
    total = low + base_low
    carry = (total < low).astype(u)
    return high + base_high + carry, total


def _reach(spec: Pieces) -> int:
    """How many pieces start within the index dtype."""
    top = _time.index_max()
    return sum(1 for s in spec.starts if s <= top)


def _float_count(clock: Schedule, t: Array) -> Array:
    """The count at a float step ``t >= 0`` (linear inside each piece, so fractional)."""
    f = _time.float_dtype()
    spec = clock_pieces(clock)
    if isinstance(spec, int):
        return jnp.floor(t / jnp.asarray(spec, f))
    keys = jnp.asarray(spec.starts, f)
    i = jnp.searchsorted(keys, t, side="right", method="scan") - 1
    start = jnp.take(keys, i)
    size = jnp.take(jnp.asarray(spec.sizes, f), i)
    base = jnp.take(jnp.asarray([float(b) for b in spec.bases], f), i)
    return base + size * (t - start)


def _to_float(high: Array, low: Array) -> Array:
    f = _time.float_dtype()
    return high.astype(f) * _WORD + low.astype(f)


def largest(clock: Schedule) -> int:
    """The count before the largest index-dtype step (counts never decrease)."""
    spec = clock_pieces(clock)
    top = _time.index_max()
    return top // spec if isinstance(spec, int) else spec.at(top)


def _whole_or_float(time: Time, clock: Schedule, exact: Any, rough: Any) -> Array:
    """``exact(n)`` at a whole step ``n`` (an index-dtype integer), ``rough(count)`` at a
    fractional one, with ``count`` the float count linear inside its piece. A step
    ``n / d`` (inside ``stretch`` or ``cycle``) that is whole takes the exact path."""
    if not time.exact:
        return rough(_float_count(clock, _time.to_float(time)))
    out = exact(_time.whole(time))
    if time.d is None:
        return out
    whole = time.n.astype(_time.unsigned()) % time.d == 0
    return jnp.where(whole, out, rough(_float_count(clock, _time.to_float(time))))


def _value(name: str) -> Any:
    def apply(time: Time, **args: Any) -> Array:
        clock = Schedule(name, args, static=tuple(args))
        return _whole_or_float(time, clock, lambda n: _to_float(*parts(clock, n)), lambda c: c)

    return apply


# -- the constructors ----------------------------------------------------------------------


def _clock(name: str, args: dict[str, Any]) -> Schedule:
    # Every argument is structure: the pieces are built from them on the host.
    return Schedule(name, args, static=tuple(args))


@register(_value("tokens"))
def tokens(
    batch_sizes: Sequence[Any], boundaries: Sequence[int] = (), *, seq_len: int = 1
) -> Schedule:
    """A clock: the tokens seen before update ``t`` under a batch-size schedule.

    ``tokens(t) = seq_len * sum(batch(k) for k < t)``, where ``batch(k)`` is
    ``batch_sizes[i]`` on ``[boundaries[i-1], boundaries[i])`` (the first piece starts at
    update 0, the last runs on forever). A piece given as a pair ``[a, b]`` ramps
    linearly from ``a`` at its first update towards ``b`` at the next piece's first
    update, rounded down to an integer batch size: ``batch(k) = a + floor((b - a) (k -
    s) / (e - s))`` on ``[s, e)``. It takes ``a`` first; rounded down, a ramp up reaches
    ``b`` only where the next piece begins, and a ramp down over more updates than
    ``a - b`` reaches ``b`` on its last update.

    A clock is itself a schedule whose value is the count as a float (so ``plot``,
    ``summary`` and ``evaluate`` show it; float32 rounds counts above ``2**24``). Give it
    to :func:`on_clock` to drive a schedule by tokens; :func:`ticks` reads the exact
    count. The count is exact for every update count up to ``2**31 - 1`` with x64 off
    (and with x64 on while it is below ``2**64``). The batch schedule is structure, not
    a hyperparameter: it must be concrete (a different one compiles anew).

    Args:
        batch_sizes: one entry per piece: a positive integer, or a pair ``[a, b]`` of
            positive integers for a linear ramp (not the last piece); each times
            ``seq_len`` at most ``2**32 - 1``.
        boundaries: ``len(batch_sizes) - 1`` strictly increasing non-negative update
            counts where the pieces change.
        seq_len: tokens per example, a positive integer.

    Example:
        >>> import jaxlrs
        >>> clock = jaxlrs.tokens([[256, 512], 512], [4], seq_len=2048)
        >>> [int(h) << 32 | int(lo) for h, lo in zip(*jaxlrs.ticks(clock, [0, 1, 4, 5]))]
        [0, 524288, 2883584, 3932160]
    """
    fn = "tokens"
    seq_len = check.integer(fn, "seq_len", seq_len)
    if check.is_traced(seq_len):
        raise TypeError(f"{fn}(): seq_len must be concrete, got a traced value")
    sizes, bounds = _validate(fn, batch_sizes, boundaries, seq_len, "tokens")
    return _clock(fn, {"batch_sizes": sizes, "boundaries": bounds, "seq_len": seq_len})


@register(_value("examples"))
def examples(batch_sizes: Sequence[Any], boundaries: Sequence[int] = ()) -> Schedule:
    """A clock: the examples seen before update ``t`` under a batch-size schedule.

    ``examples(t) = sum(batch(k) for k < t)``; the batch schedule is read as in
    :func:`tokens` (integers and ``[a, b]`` ramps rounded down), and the same exactness
    holds.

    Args:
        batch_sizes: one entry per piece: a positive integer (at most ``2**32 - 1``), or
            a pair ``[a, b]`` for a linear ramp (not the last piece).
        boundaries: ``len(batch_sizes) - 1`` strictly increasing non-negative update
            counts.

    Example:
        >>> import jaxlrs
        >>> clock = jaxlrs.examples([32, 64], [100])
        >>> jaxlrs.evaluate(clock, [0, 100, 101]).tolist()
        [0.0, 3200.0, 3264.0]
    """
    fn = "examples"
    sizes, bounds = _validate(fn, batch_sizes, boundaries, 1, "examples")
    return _clock(fn, {"batch_sizes": sizes, "boundaries": bounds})


@register(_value("epochs"))
def epochs(steps_per_epoch: int) -> Schedule:
    """A clock: the epochs completed before update ``t``.

    ``epochs(t) = floor(t / steps_per_epoch)``

    An integer count: a schedule on this clock changes once per epoch, as a PyTorch
    scheduler stepped once per epoch does. (For fractional epochs,
    ``stretch(schedule, steps_per_epoch)`` gives the exact rational step.)

    Args:
        steps_per_epoch: updates per epoch, a positive integer.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.on_clock(jaxlrs.step_decay(1.0, 2, 0.5), jaxlrs.epochs(100))
        >>> s([0, 199, 200, 399, 400]).tolist()
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    fn = "epochs"
    spe = check.integer(fn, "steps_per_epoch", steps_per_epoch)
    if check.is_traced(spe):
        raise TypeError(f"{fn}(): steps_per_epoch must be concrete, got a traced value")
    if spe > _INT64_MAX:
        raise ValueError(
            f"{fn}(): steps_per_epoch must be a positive integer at most 2**63 - 1, got {spe}"
        )
    return _clock(fn, {"steps_per_epoch": spe})


def _check_clock(fn: str, name: str, clock: Any) -> Schedule:
    if not (isinstance(clock, Schedule) and clock.name in CLOCKS):
        kind = type(clock).__name__
        shown = repr(clock) if isinstance(clock, Schedule) else f"{clock!r} ({kind})"
        raise TypeError(
            f"{fn}(): {name} must be a jaxlrs clock (tokens, examples or epochs), got {shown}"
        )
    return clock


# -- driving a schedule by a clock ---------------------------------------------------------


def _on_clock(time: Time, schedule: Schedule, clock: Schedule) -> Array:
    return _whole_or_float(
        time,
        clock,
        lambda n: _on_count(schedule, clock, n),
        lambda c: schedule._apply(Time(c)),
    )


def _on_count(schedule: Schedule, clock: Schedule, n: Array) -> Array:
    """``schedule`` at the exact count before the whole update ``n``."""
    high, low = parts(clock, n)
    index = _time.index_dtype()
    top = _time.index_max()
    if index.itemsize == 8:
        c = (high.astype(jnp.uint64) << 32) | low.astype(jnp.uint64)
        c = jnp.minimum(c, jnp.asarray(top, jnp.uint64))  # exact below 2**63
        return schedule._apply(Time(c.astype(index)))
    fits = (high == 0) & (low <= jnp.asarray(top, jnp.uint32))
    exact = schedule._apply(Time(jnp.where(fits, low, jnp.asarray(top, jnp.uint32)).astype(index)))
    if largest(clock) <= top:
        return exact
    rough = schedule._apply(Time(_to_float(high, low)))
    return jnp.where(fits, exact, rough)


@register(_on_clock)
def on_clock(schedule: Schedule, clock: Schedule) -> Schedule:
    """Drive ``schedule`` by ``clock``: ``lr(t) = schedule(clock(t))``.

    The inner schedule sees the clock's count (tokens, examples or epochs before update
    ``t``) as its step, so its hyperparameters are in the clock's unit: a cosine over
    ``3 * 10**11`` tokens stays the same curve of tokens when the batch size changes.

    Exactness: the inner schedule receives the exact integer count while it fits the
    index dtype (``2**31 - 1`` with x64 off, ``2**63 - 1`` with x64 on) and then keeps
    its own precision contract (SPEC 1.5) at that count. A larger count (x64 off) reaches
    it as the float32 nearest the exact count, to within one float32 rounding (relative
    ``2**-23``), as a Python int step above ``2**31`` would. A fractional update count
    (a float step, or an odd step inside ``stretch(..., 2)``) gives the count linearly
    inside its piece, as a float. Evaluation is one binary search over
    the clock's pieces (O(log n)); while counts can pass ``2**31 - 1`` (x64 off) the
    inner schedule is evaluated twice, once per kind of step.

    Args:
        schedule: any schedule, its steps counted in the clock's unit.
        clock: a clock: :func:`tokens`, :func:`examples` or :func:`epochs`.

    Example:
        >>> import jaxlrs
        >>> clock = jaxlrs.examples([1, 2], [10])  # batch size 1, then 2 from update 10
        >>> s = jaxlrs.on_clock(jaxlrs.linear(1.0, 0.0, 30), clock)  # over 30 examples
        >>> [round(x, 4) for x in s([0, 10, 15, 20, 25]).tolist()]
        [1.0, 0.6667, 0.3333, 0.0, 0.0]
    """
    fn = "on_clock"
    return Schedule(
        fn,
        {
            "schedule": check.schedule(fn, "schedule", schedule),
            "clock": _check_clock(fn, "clock", clock),
        },
    )


# -- reading the exact count ---------------------------------------------------------------


@functools.partial(jax.jit, static_argnums=0)
def _ticks(clock: Schedule, step: Array) -> tuple[Array, Array]:
    n = jnp.maximum(step.astype(_time.index_dtype()), 0)
    return parts(clock, n)


def ticks(clock: Schedule, step: Any) -> tuple[Array, Array]:
    """The exact count of ``clock`` before update ``step``, as two ``uint32`` words.

    ``count = high * 2**32 + low`` (in Python: ``int(high) << 32 | int(low)``): exact for
    every update count up to ``2**31 - 1`` with x64 off, in both modes while the count is
    below ``2**64``, with no int64 arithmetic (the clock's value as a schedule is a float,
    which float32 rounds above ``2**24``). Negative steps count from 0. Jittable.

    Args:
        clock: :func:`tokens`, :func:`examples` or :func:`epochs`.
        step: integer update counts: a Python int, or an integer array of any shape.

    Returns:
        ``(high, low)``, ``uint32`` arrays of the step's shape.

    Example:
        >>> import jaxlrs
        >>> high, low = jaxlrs.ticks(jaxlrs.tokens([4096], seq_len=8192), 2**31 - 1)
        >>> int(high) << 32 | int(low) == 4096 * 8192 * (2**31 - 1)
        True
    """
    fn = "ticks"
    _check_clock(fn, "clock", clock)
    accepted = (int, np.ndarray, np.generic, jax.Array, list, tuple, range)
    if isinstance(step, bool) or not isinstance(step, accepted):
        raise TypeError(
            f"{fn}(): step must be an integer update count (a Python int or an integer "
            f"array), got {step!r} ({type(step).__name__})"
        )
    if isinstance(step, int):
        if abs(step) > _time.index_max():
            raise ValueError(
                f"{fn}(): step must be an update count within the index dtype "
                f"(at most {_time.index_max()}), got {step}"
            )
    arr = step if isinstance(step, jax.Array) else np.asarray(step)
    if not jnp.issubdtype(arr.dtype, jnp.integer):
        raise TypeError(
            f"{fn}(): step must be an integer update count (a Python int or an integer "
            f"array), got an array of dtype {arr.dtype}"
        )
    if isinstance(arr, np.ndarray) and arr.size:
        top = _time.index_max()
        worst = max(int(arr.max()), -int(arr.min()))
        if worst > top:
            bad = int(arr.max()) if int(arr.max()) > top else int(arr.min())
            raise ValueError(
                f"{fn}(): step must be update counts within the index dtype (at most {top} "
                f"in magnitude), got {bad}"
            )
    return _ticks(clock, jnp.asarray(arr))
