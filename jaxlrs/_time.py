"""Exact step arithmetic shared by every schedule.

A schedule sees its step as a :class:`Time`: ``n / d`` where ``n`` is an integer (index
dtype: int32, or int64 under x64) or a float, and ``d`` is ``None`` (meaning 1) or an
unsigned integer scale. ``d`` appears when a combinator stretches time by an integer factor
(``cycle`` with an integer ``period_mult``, ``stretch`` by an integer): the child then still
sees an exact rational step, and every phase fraction, remaining count, stair and piece
index below is computed in integers. Only the final small ratios become floats, so nothing
drifts with float rounding at large steps (see SPEC §1.5).

Products such as ``length * d`` are formed in the unsigned type of the same width, which
holds twice the largest step; when even that would overflow, the length is so much larger
than any step that the float formula is accurate, and it is used instead.

A step count above the index maximum (a Python int from ``2**31`` with x64 off) cannot be
an index integer. :func:`exact_count` keeps it exact as an unsigned integer up to the
unsigned maximum (``2**32 - 1``), and ``ramp``, ``minus``, ``floordiv``, ``count_le`` and
``before`` compare and subtract it in the unsigned type (a step is never above the index
maximum, so the result of ``t - offset`` fits the index dtype again). Beyond that it is a
float, more than twice any step: float precision of the remaining count ``T - t`` is then
enough, and it is formed as ``(T - 2**31) + (2**31 - t)`` so that the step itself is never
rounded (float32 rounds ``2**31 - 1`` up to ``2**31``). :func:`count` keeps returning a
float for such counts (and for unsigned arrays), so that callers mixing counts in their
own arithmetic never wrap around.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
from collections.abc import Iterator
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array


def float_dtype() -> np.dtype:
    """float32, or float64 when ``jax_enable_x64`` is on."""
    return np.dtype(jax.dtypes.canonicalize_dtype(np.float64))


def index_dtype() -> np.dtype:
    """int32, or int64 when ``jax_enable_x64`` is on."""
    return np.dtype(jax.dtypes.canonicalize_dtype(np.int64))


def unsigned() -> np.dtype:
    """uint32, or uint64 when ``jax_enable_x64`` is on."""
    return np.dtype(jax.dtypes.canonicalize_dtype(np.uint64))


def index_max() -> int:
    return _max_of(index_dtype())


@functools.cache
def _max_of(dtype: np.dtype) -> int:  # np.iinfo costs a microsecond per call
    return int(np.iinfo(dtype).max)


def is_int(x: Any) -> bool:
    dtype = getattr(x, "dtype", None)  # an array's own dtype: no result_type to work out
    if isinstance(dtype, np.dtype):
        return dtype.kind in "iu"
    return bool(jnp.issubdtype(jnp.result_type(x), jnp.integer))


def python_real(x: Any) -> bool:
    """Whether ``x`` is a Python int or float (not a bool): a hyperparameter known when
    the program is traced, which a schedule compiled into a caller's program (its
    hyperparameters constants) can compute with on the host."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def known(x: Any) -> int | float | None:
    """``x`` as a Python number where it is known while tracing (a Python number, or a
    concrete scalar array: a constant form's counts), else None."""
    if python_real(x):
        return x
    if isinstance(x, jax.core.Tracer) or not isinstance(x, (jax.Array, np.ndarray)):
        return None
    return x.item() if x.ndim == 0 and x.dtype != bool else None


def host_count(x: Any, dtype: Any = None) -> np.ndarray | None:
    """A count known while tracing (see :func:`known`) as a host integer of ``dtype`` (the
    index dtype) where it is a non-negative integer that the type holds, else None. Host
    constants and ``jax.lax`` operations, not ``jnp`` ones, are what the constant form's
    fast paths trace: the same operations in the same types (so the same values), without
    jnp's wrapper programs and eager conversions, which cost most of a trace."""
    n = known(x)
    dtype = index_dtype() if dtype is None else np.dtype(dtype)
    if not (isinstance(n, int) and not isinstance(n, bool) and dtype.kind in "iu"):
        return None
    return np.asarray(n, dtype) if 0 <= n <= _max_of(dtype) else None


def select(which: Any, a: Any, b: Any) -> Array:
    """``jnp.where(which, a, b)``: ``lax.select`` where the shapes and dtypes already
    agree (what jnp's wrapper would do, at a fraction of the tracing cost)."""
    dtypes = [getattr(x, "dtype", None) for x in (which, a, b)]
    if dtypes[0] == np.dtype(bool) and dtypes[1] is not None and dtypes[1] == dtypes[2]:
        if np.shape(which) == np.shape(a) == np.shape(b):
            return jax.lax.select(which, a, b)
    return jnp.where(which, a, b)


def value(x: Any) -> Array:
    """A value hyperparameter as a strongly typed float array (a Python number through
    NumPy: the same rounding, at half the cost of jnp's own conversion while tracing)."""
    if python_real(x) and -F32_MAX <= x <= F32_MAX:  # (NumPy would warn on overflow)
        if x != 0 and abs(x) < SMALLEST:
            TINY[0] = True  # a value derived while evaluating (see TINY)
        return jnp.asarray(np.asarray(x, float_dtype()))
    return jnp.asarray(x, float_dtype())


F32_MAX = float(np.finfo(np.float32).max)
SMALLEST = 2.0**-92
"""The smallest magnitude a checked value may have (``_check.SMALLEST``): below it, 1e-10
of a value is below float32's smallest normal number."""

TINY = [False]
"""Set when a schedule evaluated on its Python numbers meets a nonzero value below
``2**-92``: one its recipe's body kept (``_schedule.BUILDING``), or one its evaluation
derived (``value`` of a Python number: PyTorch's ``OneCycleLR`` minimum
``max_lr / div_factor / final_div_factor``). A schedule compiled into a caller's program
then takes its general program on opaque arguments, because XLA's folding of constants
(``c / length`` for such a ``c``) could create a number below float32's normal range and
flush it to 0 (``c * (u / length)`` folded to ``u * 0``)."""


def count(x: Any) -> Array:
    """A step-count hyperparameter: an index-dtype integer, or a float when it is a float
    or too large for the index dtype (a Python int, or an unsigned array, whose values
    could pass the index maximum: a float never wraps around).

    The functions below (``ramp``, ``minus``, ``floordiv``, ``count_le``) take the count
    as it was given and keep it exact with :func:`exact_count`; ``count`` is for callers
    that do their own arithmetic on it."""
    if isinstance(x, int):  # through NumPy, as value
        if abs(x) <= index_max():
            return jnp.asarray(np.asarray(x, index_dtype()))
        return jnp.asarray(float(x), float_dtype())
    x = jnp.asarray(x)
    if _is_unsigned(x):
        return x.astype(float_dtype())
    return x.astype(index_dtype()) if is_int(x) else x.astype(float_dtype())


def _is_unsigned(x: Any) -> bool:
    return bool(jnp.issubdtype(jnp.result_type(x), jnp.unsignedinteger))


def exact_count(x: Any) -> Array:
    """A step count kept exact where it can be: as :func:`count`, except that a Python int
    above the index maximum that the unsigned type of the same width holds (``2**31`` to
    ``2**32 - 1`` with x64 off) becomes an unsigned integer, and an unsigned array stays
    unsigned. (Above that, a count is more than twice any step, so the float that
    :func:`count` gives is within float precision of every remaining count.)

    The packed eager path (``_schedule``) hands such ints in as unsigned arrays too."""
    if isinstance(x, int) and not isinstance(x, bool):
        if index_max() < x <= _max_of(unsigned()):
            return jnp.asarray(x, unsigned())
        return count(x)
    if not isinstance(x, (float, complex)) and _is_unsigned(x):
        return jnp.asarray(x).astype(unsigned())
    return count(x)


# -- powers with the hyperparameter's full precision ------------------------------------------
#
# A float hyperparameter is stored in the float dtype: float32 rounds 0.999 by up to 3e-8
# relative, and ``rate**t`` multiplies that by ``t`` (1e-4 off at step 10**4, far outside
# SPEC §1.5). So the host keeps the lost bits as a log correction ``log(x) - log(x32)``
# (float64 arithmetic, once per schedule), and ``power`` multiplies ``x32**e`` by
# ``exp(e * correction)``. A Python number carries its own correction; the packed eager
# path (``_schedule``) hands the corrections of its float leaves in through
# ``corrections()``. Traced hyperparameters are float32 values and get none.

_CORRECTIONS: contextvars.ContextVar[dict[int, tuple[Any, Any]] | None] = contextvars.ContextVar(
    "jaxlrs_corrections", default=None
)


def host_correction(x: float) -> float:
    """``log(x) - log(x as stored in the float dtype)``, from float64 arithmetic."""
    if not (x > 0 and math.isfinite(x)):
        return 0.0
    stored = float(np.asarray(x, float_dtype()))
    if not (stored > 0 and math.isfinite(stored)):
        return 0.0  # under- or overflows the float dtype: nothing sensible to restore
    return math.log1p((x - stored) / stored)


@contextlib.contextmanager
def corrections(table: dict[int, tuple[Any, Any]]) -> Iterator[None]:
    """Within the block, ``power`` finds the correction of the leaf ``x`` as
    ``table[id(x)] == (x, correction)``."""
    token = _CORRECTIONS.set(table)
    try:
        yield
    finally:
        _CORRECTIONS.reset(token)


def _correction(x: Any) -> Any:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return host_correction(float(x)) or None
    table = _CORRECTIONS.get()
    hit = None if table is None else table.get(id(x))
    return hit[1] if hit is not None and hit[0] is x else None


def keep_correction(new: Any, old: Any) -> Any:
    """``new``, an array that stands for the hyperparameter ``old`` (a ``where`` of it),
    with ``old``'s host correction, so that :func:`power` still restores the bits float32
    dropped from ``old`` (a fresh array has none: ``1.1**128`` would be 3e-6 off)."""
    table = _CORRECTIONS.get()
    hit = None if table is None else table.get(id(old))
    if table is not None and hit is not None and hit[0] is old:
        table[id(new)] = (new, hit[1])
    return new


def power(base: Any, e: Array) -> Array:
    """``base ** e`` for a positive hyperparameter ``base``, accurate to the bits ``base``
    had before it was stored in the float dtype (so ``exponential(1.0, 0.999)`` matches a
    float64 ``0.999**t`` to float32 precision at any step)."""
    out = value(base) ** e
    c = _correction(base)
    return out if c is None else out * jnp.exp(e * jnp.asarray(c, out.dtype))


def counts(xs: Any) -> Array:
    """Step counts (a tuple, or a 1-D array) as one 1-D array of a common dtype: index
    integers; unsigned integers when one of them is above the index maximum and all fit
    the unsigned type (every boundary stays exact: the packed eager path hands such lists
    in as unsigned arrays too); floats otherwise (any of them a float, or one beyond the
    unsigned type: ``2**32`` with x64 off)."""
    if not isinstance(xs, tuple):
        return exact_count(xs)
    arrs = [exact_count(x) for x in xs]
    if all(is_int(a) for a in arrs):
        if any(_is_unsigned(a) for a in arrs):
            arrs = [a.astype(unsigned()) for a in arrs]  # every one is >= 0 (validated)
    else:
        arrs = [a.astype(float_dtype()) for a in arrs]
    return jnp.stack(arrs)


class Time(NamedTuple):
    """The step ``n / d`` (``d`` None means 1); ``n >= 0``."""

    n: Array
    d: Array | None = None

    @property
    def exact(self) -> bool:
        return is_int(self.n)


def start(step: Any) -> Time:
    """The step a caller passes, clamped at 0 (negative steps take the step-0 value)."""
    t = jnp.asarray(step)
    want = index_dtype() if is_int(t) or t.dtype == bool else float_dtype()
    if t.dtype != want:
        t = jax.lax.convert_element_type(t, want)
    # lax on a host 0, not jnp: the same max, without jnp's wrapper program and an eager
    # zero (tracing cost, see ramp)
    return Time(jax.lax.max(t, np.zeros((), want)))


def to_float(time: Time) -> Array:
    """The step as a float (exact integer work is lost; for formulas that need a real t)."""
    n = time.n.astype(float_dtype())
    return n if time.d is None else n / time.d.astype(float_dtype())


def _scaled(length: Array, d: Array) -> tuple[Array, Array]:
    """``length * d`` in the unsigned type, and whether that product is exact and small
    enough that subtracting a step from it stays exact."""
    u = unsigned()
    big = length.astype(float_dtype()) * d.astype(float_dtype()) >= 0.99 * float(np.iinfo(u).max)
    return length.astype(u) * d.astype(u), ~big


def _top() -> float:
    """The index maximum plus one (``2**31``), exact in the float dtype: above every step."""
    return float(index_max()) + 1.0


def _parts(time: Time) -> tuple[Array, Array]:
    """The exact step as ``q + r``: its integer part and its fraction in ``[0, 1)``."""
    q = whole(time)
    if time.d is None:
        return q, jnp.zeros((), float_dtype())
    f = float_dtype()
    r = time.n.astype(unsigned()) % time.d
    return q, r.astype(f) / time.d.astype(f)


def _float_ramp(time: Time, length: Array) -> tuple[Array, Array]:
    """``ramp`` for a float ``length`` (traced, or a count beyond the unsigned type).

    For an exact step and a length beyond every step (``length >= 2**31`` with x64 off)
    the remaining count is ``(length - 2**31) + (2**31 - q) - r`` for the step ``q + r``:
    each part exact or rounded once, never the step itself (float32 rounds ``2**31 - 1``
    up to ``2**31``)."""
    t = to_float(time)
    pos = length > 0
    lng = jnp.where(pos, length, jnp.ones_like(length))
    c = jnp.clip(t, 0, lng)
    done, left = c / lng, (lng - c) / lng
    if time.exact:
        q, r = _parts(time)
        top = _top()
        far = lng >= top
        rest = (jnp.where(far, lng, top) - top) + ((index_max() - q).astype(t.dtype) + 1) - r
        left = jnp.where(far, rest / lng, left)
    # A zero-length phase (possible only when traced) is finished.
    return jnp.where(pos, done, 1.0), jnp.where(pos, left, 0.0)


def _alike(n: Array, length: Array) -> tuple[Array, Array]:
    """A step ``n >= 0`` and an integer ``length`` in one integer type: the unsigned one
    when ``length`` is unsigned (a count above the index maximum)."""
    if _is_unsigned(length):
        return n.astype(length.dtype), length
    return n, length


def ramp(time: Time, length: Any, inside: bool = False) -> tuple[Array, Array]:
    """Progress through a phase of ``length`` steps that starts at 0.

    Returns ``(done, left)``: ``min(t, length) / length`` and ``1 - done``, each computed
    from exact integers so that both stay accurate to the last step, also for a length
    above the index maximum (an unsigned count, see :func:`exact_count`; a float one
    forms ``length - t`` without rounding the step). A phase of length 0 (possible only
    when traced) is finished: ``(1, 0)``. ``inside``: the caller knows ``t <= length``
    (a position inside a cycle), so no clamp is formed.
    """
    n_known = known(length)
    f = float_dtype()
    host = host_count(length) if time.d is None and time.n.dtype == index_dtype() else None
    if host is not None and host > 0:
        # A known length (a constant form): the formula below in lax operations on host
        # constants (see host_count).
        lf = np.asarray(float(host), f)
        c = time.n if inside else jax.lax.min(time.n, host)
        done = jax.lax.div(jax.lax.convert_element_type(c, f), lf)
        return done, jax.lax.div(jax.lax.convert_element_type(jax.lax.sub(host, c), f), lf)
    positive = n_known is not None and n_known > 0  # known: no select for length 0
    length = exact_count(length)
    if not (time.exact and is_int(length)):
        return _float_ramp(time, length.astype(f))
    if time.d is None:
        n, lng = _alike(time.n, length)
        lng = lng if positive else jnp.maximum(lng, 1)
        c = n if inside else jnp.minimum(n, lng)
        done, left = c.astype(f) / lng.astype(f), (lng - c).astype(f) / lng.astype(f)
    else:
        total, ok = _scaled(length, time.d)
        total = jnp.maximum(total, 1)
        n = time.n.astype(total.dtype)
        c = jnp.minimum(n, total)
        done = c.astype(f) / total.astype(f)
        left = (total - c).astype(f) / total.astype(f)
        fdone, fleft = _float_ramp(time, length.astype(f))
        done, left = jnp.where(ok, done, fdone), jnp.where(ok, left, fleft)
    if positive:
        return done, left
    pos = length > 0
    return jnp.where(pos, done, 1.0), jnp.where(pos, left, 0.0)


def div(n: Array, length: Array) -> Array:
    """``n // length`` for integers ``n >= 0`` and ``length >= 1``.

    A truncating division, which equals the floor for such operands; ``//`` would add a
    sign fix-up (a remainder, two comparisons and a select per element), a measurable
    part of a cheap schedule evaluated over many steps. (A ``length <= 0``, possible only
    when traced and never valid, gives a different meaningless integer than ``//``.)
    """
    return jax.lax.div(n, length)


def floordiv(time: Time, length: Any) -> Array:
    """``floor(t / length)``: an exact integer for integer steps, else a float floor (0
    for an exact step and a float length beyond every step)."""
    length = exact_count(length)
    if not (time.exact and is_int(length)):
        f = float_dtype()
        q = jnp.floor(to_float(time) / length.astype(f))
        return jnp.where(length.astype(f) >= _top(), 0.0, q) if time.exact else q
    lng = jnp.maximum(length, 1)
    if time.d is None:
        n, lng = _alike(time.n, lng)
        return div(n, lng).astype(time.n.dtype)
    q = (time.n.astype(unsigned()) // time.d) // lng.astype(unsigned())
    return q.astype(index_dtype())


def whole(time: Time) -> Array:
    """``floor(t)``: the integer part, for comparisons against integer boundaries."""
    if not time.exact:
        return time.n
    return time.n if time.d is None else (time.n.astype(unsigned()) // time.d).astype(index_dtype())


def count_le(time: Time, boundaries: Array) -> Array:
    """How many of the sorted ``boundaries`` are ``<= t`` (a binary search, O(log n); up
    to ``FEW`` boundaries a comparison with each).

    For integer boundaries and a step ``n / d``, ``b <= n / d`` exactly when
    ``b <= floor(n / d)``, so the search runs on exact integers (unsigned ones for
    boundaries above the index maximum). Float boundaries at or above ``2**31`` (x64
    off) never count for an exact step, which float32 could round up to them.
    """
    b = boundaries
    if time.exact and is_int(b):
        key, b = _alike(whole(time), b)
    else:
        key, b = to_float(time), b.astype(float_dtype())
        if time.exact:
            b = jnp.where(b >= _top(), jnp.inf, b)
    if b.ndim == 1 and 0 < b.shape[0] <= FEW_KNOWN and not isinstance(b, jax.core.Tracer):
        # A few known knots (a constant form): one comparison with each, added one by
        # one, so the count fuses with what reads it (a reduction is a kernel of its own,
        # and compiles slower); the same integer as the sum below. Three operations a
        # knot per step: up to FEW_KNOWN knots no more than the search costs.
        key, idx = jnp.asarray(key), index_dtype()
        if key.dtype == b.dtype:  # lax on host knots: see host_count
            hits = [jax.lax.ge(key, x) for x in np.asarray(b)]
            out = jax.lax.convert_element_type(hits[0], idx)
            for h in hits[1:]:
                out = jax.lax.add(out, jax.lax.convert_element_type(h, idx))
            return out
        hits = [key >= jnp.asarray(x, b.dtype) for x in np.asarray(b).tolist()]
        return sum((h.astype(idx) for h in hits[1:]), hits[0].astype(idx))
    if b.shape[-1] <= FEW:  # a few knots: compare with each, a smaller graph than a search
        key = jnp.asarray(key)
        wide = jnp.expand_dims(key, -1)
        knots = b.reshape((1,) * key.ndim + b.shape)
        return jnp.sum(knots <= wide, axis=-1, dtype=index_dtype())
    return jnp.searchsorted(b, key, side="right", method="scan").astype(index_dtype())


FEW = 16
"""Up to this many boundaries ``count_le`` compares with each (O(n) per step, a few fused
operations); above, it searches (O(log n), a loop)."""

FEW_KNOWN = 4
"""Up to this many known (host) boundaries ``count_le`` adds one comparison per knot, which
per step costs no more than the search (tests/test_cost.py checks it)."""


def before(time: Time, steps: Any) -> Array:
    """``t < steps`` for a step count ``steps``, exactly for an exact step (also for a count
    above the index maximum, which float32 would round onto the step)."""
    if time.exact and time.d is None:
        known_steps = host_count(steps, time.n.dtype)
        if known_steps is not None:  # see host_count
            return jax.lax.lt(time.n, known_steps)
    steps = exact_count(steps)
    if time.exact and is_int(steps):
        key, steps = _alike(whole(time), steps)
        return key < steps
    f = float_dtype()
    less = to_float(time) < steps.astype(f)
    return (steps.astype(f) >= _top()) | less if time.exact else less


def minus(time: Time, offset: Any, length: Any = None) -> Time:
    """The local time ``t - offset`` inside a phase that starts at ``offset``, clamped at 0
    and, when ``length`` is given, at ``length`` (so a phase never sees steps far outside
    itself, which keeps unselected branches finite). Integer offsets and lengths above
    the index maximum (unsigned, see :func:`exact_count`) keep the local time exact."""
    if length is None and known(offset) == 0:
        return time  # already clamped at 0 (a zero warmup, say)
    if time.exact and time.d is None:
        at, span = host_count(offset, time.n.dtype), host_count(length, time.n.dtype)
        if at is not None and (length is None or span is not None):  # see host_count
            t = jax.lax.max(jax.lax.sub(time.n, at), np.zeros((), at.dtype))
            return Time(t if span is None else jax.lax.min(t, span))
    offset = exact_count(offset)
    lng = None if length is None else exact_count(length)
    if not (time.exact and is_int(offset) and (lng is None or is_int(lng))):
        t = to_float(time) - offset.astype(float_dtype())
        t = jnp.maximum(t, 0)
        if lng is not None:
            t = jnp.minimum(t, lng.astype(float_dtype()))
        return Time(t)
    if time.d is None:
        if _is_unsigned(offset) or (lng is not None and _is_unsigned(lng)):
            u = unsigned()
            n, off = time.n.astype(u), jnp.maximum(offset, 0).astype(u)
            t = jnp.where(n >= off, n - off, jnp.zeros((), u))
            if lng is not None:
                t = jnp.minimum(t, jnp.maximum(lng, 0).astype(u))
            return Time(t.astype(index_dtype()))  # at most the step: fits
        t = jnp.maximum(time.n - offset, 0)
        if lng is not None:
            t = jnp.minimum(t, jnp.maximum(lng, 0))
        return Time(t)
    u = unsigned()
    off, ok = _scaled(jnp.maximum(offset, 0), time.d)
    n = time.n.astype(u)
    t = jnp.where(ok & (n >= off), n - off, jnp.zeros((), u))
    if lng is not None:
        ln, lok = _scaled(jnp.maximum(lng, 0), time.d)
        t = jnp.where(lok, jnp.minimum(t, ln), t)
    return Time(t.astype(index_dtype()), time.d)


def stretch(time: Time, factor: Any) -> Time:
    """The step ``t / factor``: exact for an integer factor, a float otherwise."""
    integral = isinstance(factor, int) or (not isinstance(factor, float) and is_int(factor))
    if time.exact and integral:
        factor = jnp.asarray(factor).astype(unsigned())
        d = factor if time.d is None else time.d * factor
        return Time(time.n, d)
    return Time(to_float(time) / value(factor))


# -- exact products of step counts ---------------------------------------------------------


def product(a: Array, b: Array) -> tuple[Array, Array]:
    """``a * b`` of non-negative integers in the unsigned type, and whether it is exact
    (``False`` where the product would wrap)."""
    u = unsigned()
    a, b = a.astype(u), b.astype(u)
    top = jnp.asarray(_max_of(u), u)
    return a * b, (b == 0) | (a <= top // jnp.maximum(b, jnp.ones((), u)))


def mulmod(a: Array, b: Array, m: Array) -> Array:
    """``(a * b) mod m`` for unsigned integers ``a, b < m``, exact for every ``m`` the
    unsigned type holds (no intermediate product wraps).

    One multiplication where ``(m - 1) * b`` fits; otherwise shift-and-add over the bits of
    ``b`` (a fixed loop, run only when the scalar bound says it is needed)."""
    u = unsigned()
    a, b, m = a.astype(u), b.astype(u), jnp.maximum(m.astype(u), jnp.ones((), u))
    bits = u.itemsize * 8

    def plus(x: Array, y: Array) -> Array:  # (x + y) mod m for x, y < m, never wrapping
        return jnp.where(x >= m - y, x - (m - y), x + y)

    def slow(ops: tuple[Array, Array]) -> Array:
        a, b = ops

        def body(j: Any, r: Array) -> Array:
            r = plus(r, r)
            bit = ((b >> (bits - 1 - j)) & 1).astype(bool)
            return jnp.where(bit, plus(r, a), r)

        return jax.lax.fori_loop(0, bits, body, jnp.zeros_like(a))

    def fast(ops: tuple[Array, Array]) -> Array:
        a, b = ops
        return (a * b) % m

    _, fits = product(m - 1, jnp.max(b) if b.ndim else b)
    a, b = jnp.broadcast_arrays(a, b)
    if fits.ndim == 0 and m.ndim == 0:
        return jax.lax.cond(fits, fast, slow, (a, b))
    return jnp.where(fits, fast((a, b)), slow((a, b)))


# -- double-float arithmetic ---------------------------------------------------------------
#
# A value as the unevaluated sum ``hi + lo`` of two floats of the float dtype (about 48
# significant bits from two float32s), for the few places where a float32 result would be
# too coarse: locating a cycle of a float ``period_mult`` near step 2**31 needs its start
# ``period * (m**i - 1) / (m - 1)`` to a small fraction of a step. Dekker's and Knuth's
# error-free transformations. XLA lets LLVM contract a product and a sum into one fused
# multiply-add, and it reassociates a sum with a compile-time constant (``(c + x) - c``
# becomes ``x``, ``(c + x) - x`` becomes ``c``: a hyperparameter closed over by a user's
# ``jit`` is such a constant, as in Optax's call of a schedule); ``_rounded`` keeps every
# inexact product and every sum of a transformation opaque, so that each stays exact.


class DF(NamedTuple):
    hi: Array
    lo: Array


def _rounded(x: Array) -> Array:
    """``x`` itself, through an operation the compiler cannot see through, so that a
    product stays a rounded float32 product (XLA lets LLVM contract ``a * b + c`` into a
    fused multiply-add, which would use the unrounded product in one place and the rounded
    one in another) and a sum is not reassociated with a constant operand (XLA folds
    ``(c + x) - c`` to ``x``): either would break the error-free transformations below."""
    return jnp.where(x == x, x, jnp.zeros_like(x))


def _split_factor() -> float:
    return 4097.0 if float_dtype().itemsize == 4 else 134217729.0


def _two_sum(a: Array, b: Array) -> DF:
    s = _rounded(a + b)
    bb = s - a
    return DF(s, (a - (s - bb)) + (b - bb))


def _fast(a: Array, b: Array) -> DF:
    # (for |a| >= |b|; never with a lone constant ``a`` next to a traced ``b``: every
    # caller's ``a`` is the rounded result of an operation on ``b``'s own operands)
    s = a + b
    return DF(s, b - (s - a))


def _split(a: Array) -> tuple[Array, Array]:
    c = _rounded(_split_factor() * a)
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a: Array, b: Array) -> DF:
    p = _rounded(a * b)
    ah, al = _split(a)
    bh, bl = _split(b)
    return DF(p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)


def df(x: Any) -> DF:
    """A float, or an integer (split exactly into two floats), as a double-float."""
    x = jnp.asarray(x)
    f = float_dtype()
    if is_int(x):
        # Low bits cleared, the high part has few enough significant bits to be exact.
        shift = 8 if x.dtype.itemsize <= 4 else 11
        low = x & ((1 << shift) - 1)
        return _fast((x - low).astype(f), low.astype(f))
    x = x.astype(f)
    return DF(x, jnp.zeros_like(x))


def df_add(a: DF, b: DF) -> DF:
    s = _two_sum(a.hi, b.hi)
    t = _two_sum(a.lo, b.lo)
    s = _fast(s.hi, s.lo + t.hi)
    return _fast(s.hi, s.lo + t.lo)


def df_neg(a: DF) -> DF:
    return DF(-a.hi, -a.lo)


def df_mul(a: DF, b: DF) -> DF:
    p = _two_prod(a.hi, b.hi)
    return _fast(p.hi, p.lo + _rounded(a.hi * b.lo + a.lo * b.hi))


def df_div(a: DF, b: DF) -> DF:
    q = a.hi / b.hi
    r = df_add(a, df_neg(df_mul(DF(q, jnp.zeros_like(q)), b)))
    return _fast(q, (r.hi + r.lo) / b.hi)


def df_reciprocal(b: DF) -> DF:
    """``1 / b``. (Not ``df_div(1, b)``: XLA simplifies ``(1 + x) - 1`` to ``x``, which
    drops the rounding error ``_two_sum`` recovers when a constant is its first operand;
    every constant here comes second.)"""
    q = 1 / b.hi
    e = df_add(df_mul(DF(q, jnp.zeros_like(q)), b), DF(-jnp.ones_like(q), jnp.zeros_like(q)))
    return _fast(q, -_rounded(q * (e.hi + e.lo)))


def df_ge(a: DF, b: DF) -> Array:
    """``a >= b`` exactly (for normalised double-floats)."""
    d = df_add(a, df_neg(b))
    return (d.hi > 0) | ((d.hi == 0) & (d.lo >= 0))


def df_where(c: Array, a: DF, b: DF) -> DF:
    return DF(jnp.where(c, a.hi, b.hi), jnp.where(c, a.lo, b.lo))


def df_min(a: DF, cap: float) -> DF:
    """``a`` clamped at ``cap`` (keeps every later product finite)."""
    over = a.hi > cap
    return DF(jnp.where(over, cap, a.hi), jnp.where(over, 0.0, a.lo))


def df_value(x: Any) -> DF:
    """A float hyperparameter as a double-float: its float-dtype value plus the bits that
    storing it dropped (from the host correction ``power`` uses; none when traced)."""
    hi = value(x)
    c = _correction(x)
    if c is None:
        return DF(hi, jnp.zeros_like(hi))
    return _fast(hi, _rounded(hi * jnp.asarray(c, hi.dtype)))


# -- floor division by a float length ------------------------------------------------------
#
# timm's ``StepLRScheduler`` takes a float ``decay_t`` (EfficientNet's 2.4) and computes
# the stair ``t // decay_t`` in Python float64: the exact floor of ``t / x`` for the
# rational value ``x`` of the float64 (``12 // 2.4 == 5.0``, though ``float32(12) /
# float32(2.4)`` floors to 4; ``1 // 0.1 == 9.0``). So the float length is taken as the
# exact dyadic ``x = M * 2**-s`` (``M`` in two unsigned limbs of the index width ``w``,
# ``s >= 0``), a double-float estimate ``q0`` of ``t / x`` is within one of the floor
# (for ``q < 2**(w - 1)``), and the sign of ``N = t * 2**s - q0 * M``, computed modulo
# ``2**(2w)`` in two limbs (``|N| < 2 * M``, so its sign survives the wrap), corrects it.
# The packed eager path carries ``(M_hi, M_lo, s)`` of each float leaf, taken from its
# float64 value on the host (``words``); a traced length is taken exactly as it is stored
# (its float32 bits), so its stair is exact for the float32 value.


WORDS = 6  # the words of a float leaf: (M_hi, M_lo, s) and its logarithm in three parts


def host_words(x: float) -> tuple[int, ...]:
    """``(M >> w, M mod 2**w, s, *log_x)`` with ``x = M * 2**-s``, ``s >= 0``, for a
    positive finite ``x`` below ``2**(w - 1)`` (``w`` the index width), and ``log(x)``
    from the float64 ``math.log`` (1 ulp) as three floats of the float dtype (their
    bits), so that a cycle multiplier's ``log`` is exact to 53 bits (``_cycles``); all 0
    otherwise (a length above every step: the quotient is 0)."""
    w = index_dtype().itemsize * 8
    if not (0 < x < 2.0 ** (w - 1)):
        return (0,) * WORDS
    mant, e = math.frexp(x)  # x = mant * 2**e, mant in [0.5, 1)
    m, s = int(mant * 2.0**53), 53 - e
    while s > 0 and m % 2 == 0:
        m, s = m // 2, s - 1
    if s < 0:
        m, s = m << -s, 0
    return (m >> w, m & ((1 << w) - 1), s, *_log_bits(x))


def _log_bits(x: float) -> list[int]:
    f, u = float_dtype(), unsigned()
    rest = math.log1p(x - 1) if 0.5 <= x <= 2 else math.log(x)  # (x - 1 exact there)
    parts = []
    for _ in range(3):
        part = np.asarray(rest, f)
        parts.append(int(part.view(u)))
        rest -= float(part)
    return parts


def log_words(x: Any) -> list[Array] | None:
    """``log(x)`` of a float hyperparameter as three floats (see :func:`host_words`) for a
    Python float or a packed leaf; None for a traced one (no host value)."""
    f = float_dtype()
    if isinstance(x, float):
        return [jax.lax.bitcast_convert_type(jnp.asarray(b, unsigned()), f) for b in _log_bits(x)]
    ws = _row(x)
    if ws is None:
        return None
    return [jax.lax.bitcast_convert_type(ws[j], f) for j in (3, 4, 5)]


_WORDS: contextvars.ContextVar[dict[int, tuple[Any, Any]] | None] = contextvars.ContextVar(
    "jaxlrs_words", default=None
)


@contextlib.contextmanager
def words(table: dict[int, tuple[Any, Any]]) -> Iterator[None]:
    """Within the block, a float leaf ``x`` has the exact words ``table[id(x)] == (x,
    words)`` (see :func:`host_words`)."""
    token = _WORDS.set(table)
    try:
        yield
    finally:
        _WORDS.reset(token)


def _row(x: Any) -> Any:
    """The packed words of a float leaf inside :func:`words`, or None."""
    table = _WORDS.get()
    hit = None if table is None else table.get(id(x))
    return hit[1] if hit is not None and hit[0] is x else None


def _dyadic(x: Any) -> tuple[Array, Array, Array]:
    """``(M_hi, M_lo, s)`` of a float length as unsigned arrays (see :func:`host_words`):
    from the host for a Python float or a packed leaf, else from the bits of the stored
    float (its exact value)."""
    u = unsigned()
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return tuple(jnp.asarray(v, u) for v in host_words(float(x))[:3])  # type: ignore[return-value]
    ws = _row(x)
    if ws is not None:
        return ws[0], ws[1], ws[2]
    f = float_dtype()
    v = jax.lax.stop_gradient(jnp.asarray(x, f))
    w = u.itemsize * 8
    mbits, bias = (23, 127) if f.itemsize == 4 else (52, 1023)
    bits = jax.lax.bitcast_convert_type(v, u)
    e = (bits >> mbits) & ((1 << (w - 1 - mbits)) - 1)
    frac = bits & ((1 << mbits) - 1)
    m = jnp.where(e > 0, frac | (1 << mbits), frac)
    s = (bias + mbits) - jnp.maximum(e, 1).astype(jnp.int32)  # may be negative: an integer
    m = jnp.where(s < 0, m << jnp.clip(-s, 0, w - 1).astype(u), m)
    valid = (v > 0) & (v < 2.0 ** (w - 1))
    m = jnp.where(valid, m, 0)
    s = jnp.where(valid, jnp.maximum(s, 0), 0).astype(u)
    return jnp.zeros_like(m), m, s


def _wide(a: Array, b: Array) -> tuple[Array, Array]:
    """The full product of two unsigned integers as ``(high, low)`` limbs."""
    u = unsigned()
    h = u.itemsize * 4
    mask = jnp.asarray((1 << h) - 1, u)
    a0, a1, b0, b1 = a & mask, a >> h, b & mask, b >> h
    p01, p10 = a0 * b1, a1 * b0
    mid = ((a0 * b0) >> h) + (p01 & mask) + (p10 & mask)
    return a1 * b1 + (p01 >> h) + (p10 >> h) + (mid >> h), a * b


def _times(a: Array, hi: Array, lo: Array) -> tuple[Array, Array]:
    """``a * (hi * 2**w + lo)`` modulo ``2**(2w)``, as two limbs."""
    h, low = _wide(a, lo)
    return h + a * hi, low


def float_floordiv(n: Array, length: Any) -> tuple[Array, Array]:
    """``floor(n / x)`` for integer steps ``n >= 0`` and a float length ``x > 0``, exact
    (see the section comment), as ``(q, extra)``: an index integer ``q`` and a float
    ``extra >= 0``, 0 except where the quotient passes ``2**(w - 1) - 2**(w / 4)``
    (``2**31 - 256``, only a length below 1 reaches it), where ``q`` is that bound and
    ``extra`` the rest of the quotient to float precision."""
    u, f, ix = unsigned(), float_dtype(), index_dtype()
    w = u.itemsize * 8
    sg = jax.lax.stop_gradient
    m_hi, m_lo, s = _dyadic(length)
    zero = (m_hi == 0) & (m_lo == 0)  # beyond every step (or invalid when traced)
    d = DF(*map(sg, df_value(length)))
    d = df_where(zero | ~(d.hi > 0), DF(jnp.ones((), f), jnp.zeros((), f)), d)
    est = df_mul(df(n), df_reciprocal(d))
    cap = 2.0 ** (w - 1) - 2.0 ** (w // 4)
    beyond = ~zero & ~(est.hi < cap)  # (also a NaN estimate: a quotient past the floats)
    hi = jnp.clip(est.hi, 0, cap)
    whole_hi = jnp.floor(hi)
    q0 = whole_hi.astype(ix) + jnp.floor((hi - whole_hi) + jnp.where(beyond, 0.0, est.lo)).astype(
        ix
    )
    q0 = jnp.clip(q0, 0, int(cap))
    # N = n * 2**s - q0 * M modulo 2**(2w): the sign of n - q0 * x, and n - q0 * x >= x.
    one = jnp.ones((), u)
    w_lo = jnp.where(s < w, one << jnp.minimum(s, w - 1), 0)
    w_hi = jnp.where((s >= w) & (s < 2 * w), one << jnp.clip(s - w, 0, w - 1), 0)
    a_hi, a_lo = _times(n.astype(u), w_hi, w_lo)
    b_hi, b_lo = _times(q0.astype(u), m_hi, m_lo)
    r_lo = a_lo - b_lo
    r_hi = a_hi - b_hi - (a_lo < b_lo).astype(u)
    neg = (r_hi >> (w - 1)) == 1
    ge = ~neg & ((r_hi > m_hi) | ((r_hi == m_hi) & (r_lo >= m_lo)))
    q = q0 - neg.astype(ix) + ge.astype(ix)
    q = jnp.where(zero, 0, jnp.where(beyond, int(cap), q))
    big = float(np.finfo(f).max) / 4
    rest = (est.hi - cap) + est.lo
    extra = jnp.where(beyond, jnp.where(rest < big, jnp.maximum(rest, 0), big), 0.0)
    return q, extra


def float_ceil(x: Any) -> Array:
    """``ceil(x)`` of a non-negative float hyperparameter, exact for its float64 value
    (see :func:`_dyadic`; float32 rounds ``67.00000000000001`` to 67), as an index
    integer clipped to the index maximum."""
    u, ix = unsigned(), index_dtype()
    w = u.itemsize * 8
    m_hi, m_lo, s = _dyadic(x)
    one = jnp.ones((), u)
    low = jnp.minimum(s, w - 1)
    mask_lo = jnp.where(s >= w, ~jnp.zeros((), u), (one << low) - 1)
    up = jnp.clip(s - w, 0, w - 1)
    below = jnp.where(
        s < w,
        (m_lo >> low) | jnp.where(s == 0, 0, m_hi << jnp.clip(w - s, 0, w - 1)),
        jnp.where(s >= 2 * w, 0, m_hi >> up),
    )
    rest = ((m_lo & mask_lo) != 0) | ((s > w) & ((m_hi & ((one << up) - 1)) != 0))
    rest = rest | ((s >= 2 * w) & (m_hi != 0))
    k = below + rest.astype(u)
    huge = (m_hi == 0) & (m_lo == 0) & (jnp.asarray(x, float_dtype()) > 0)
    k = jnp.where(huge | (k > index_max()), index_max(), k)
    return k.astype(ix)


# -- the fraction of a ratio times a float --------------------------------------------------
#
# A cosine of ``c`` periods over ``n`` steps (Hugging Face's ``num_cycles``) has the phase
# ``frac(c * u / n)`` at step ``u``; Python computes it from the float64 ``c``. In float32,
# or in double-float arithmetic from 48 bits of ``c``, it is off by ``c * u / n * 2**-48``,
# 1e-5 of a period at ``u = 2**31`` with ``n = 9``. Exactly: with ``c = M * 2**-s`` (its
# words, as for ``float_floordiv``) and ``u = q n + r`` (``0 <= r < n``),
# ``c u / n = M q 2**-s + floor(c) r / n + frac(c) r / n``: the fraction of the first term
# is the bits of the integer ``M q`` below ``2**s`` (three limbs, exact), the second is
# ``((floor(c) r) mod n) / n`` (an exact modular product), and the third is below 1, so
# that its relative rounding is absolute. Their sum, reduced mod 1, is within ``2**-45``.


def _pow2(e: Array) -> Array:
    """``2**e`` for an integer array ``e``, exact (0 below the smallest normal float)."""
    f = float_dtype()
    mbits, bias = (23, 127) if f.itemsize == 4 else (52, 1023)
    i = index_dtype()
    e = e.astype(i)
    bits = (jnp.clip(e, 1 - bias, bias) + bias) << mbits
    return jnp.where(e > -bias, jax.lax.bitcast_convert_type(bits, f), jnp.zeros((), f))


def _limb(x: Array, e: Array) -> DF:
    """``x * 2**e`` for an unsigned ``x``, as a double-float (exact: its two halves)."""
    f = float_dtype()
    h = x.dtype.itemsize * 4
    top = (x >> h).astype(f) * _pow2(e + h)
    return _fast(top, (x & ((1 << h) - 1)).astype(f) * _pow2(e))


def _below(limbs: list[Array], s: Array) -> DF:
    """``(P mod 2**s) * 2**-s`` for ``P = sum_k limbs[k] * 2**(w k)``: the fraction of
    ``P * 2**-s``, as a double-float."""
    w = unsigned().itemsize * 8
    ones = ~jnp.zeros((), unsigned())
    s = s.astype(index_dtype())
    total = df(jnp.zeros((), float_dtype()))
    for k, x in enumerate(limbs):
        keep = jnp.clip(s - w * k, 0, w).astype(x.dtype)  # this limb's bits below 2**s
        mask = jnp.where(keep >= w, ones, (jnp.ones((), x.dtype) << jnp.minimum(keep, w - 1)) - 1)
        total = df_add(total, _limb(x & mask, w * k - s))
    return total


def df_frac(x: DF) -> DF:
    """``x - floor(x)`` of a double-float (the subtraction of the floor is exact)."""
    r = df_add(x, df(-jnp.floor(x.hi)))
    return df_where(r.hi + r.lo < 0, df_add(r, df(jnp.ones_like(r.hi))), r)


def _int_frac(m_hi: Array, m_lo: Array, s: Array) -> tuple[Array, DF]:
    """``(floor(x), frac(x))`` of ``x = M * 2**-s`` (``M`` in two limbs, ``x`` below
    ``2**(w - 1)``): an unsigned integer and a double-float (exact where ``frac(x)`` has at
    most the double-float's bits)."""
    uns = unsigned()
    w = uns.itemsize * 8
    low = jnp.clip(s, 1, w - 1).astype(uns)
    floor_x = jnp.where(  # M >> s
        s == 0,
        m_lo,
        jnp.where(
            s < w,
            (m_lo >> low) | (m_hi << (w - low)),
            jnp.where(s < 2 * w, m_hi >> jnp.clip(s - w, 0, w - 1).astype(uns), 0),
        ),
    )
    return floor_x, _below([m_lo, m_hi], s)


def exact_df(x: Any) -> tuple[DF, DF]:
    """``(x, x - 1)`` of a float hyperparameter ``0 < x < 2**(w - 1)`` as double-floats
    from its words (:func:`_dyadic`: the float64 value on the packed path, a traced value
    as stored): each exact where it has at most the double-float's bits, else its rounding
    (``df_value(x) - 1`` would keep only ``2**-48`` of absolute precision, far too little
    for ``x = 1.000001``)."""
    m_hi, m_lo, s = _dyadic(x)
    w = unsigned().itemsize * 8
    e = -s.astype(index_dtype())
    x_df = df_add(_limb(m_hi, e + w), _limb(m_lo, e))
    floor_x, frac_x = _int_frac(m_hi, m_lo, s)
    whole = floor_x.astype(index_dtype()) - 1
    return x_df, df_add(frac_x, df(whole))


def frac_ratio(c: Any, u: Array, n: Array) -> DF:
    """``frac(c * u / n)`` for a float hyperparameter ``c``, integer steps ``0 <= u``
    below the unsigned maximum and an integer length ``n >= 1``, as a double-float within
    ``2**-45`` of the exact value for ``c``'s float64 (see the section comment; a traced
    ``c`` is taken as it is stored; 0 for a ``c`` without words, outside
    ``(0, 2**(w - 1))``)."""
    uns = unsigned()
    m_hi, m_lo, s = _dyadic(c)
    u, n = u.astype(uns), jnp.maximum(n.astype(uns), jnp.ones((), uns))
    q, r = u // n, u % n
    h1, l1 = _wide(q, m_lo)
    h2, l2 = _wide(q, m_hi)
    mid = h1 + l2
    whole = _below([l1, mid, h2 + (mid < h1).astype(uns)], s)  # frac(M q 2**-s)
    floor_c, frac_c = _int_frac(m_hi, m_lo, s)
    k = mulmod(r, floor_c % n, n)
    ix = index_dtype()
    nd = df(n.astype(ix))
    part = df_add(df_div(df(k.astype(ix)), nd), df_div(df_mul(frac_c, df(r.astype(ix))), nd))
    return df_frac(df_add(whole, part))
