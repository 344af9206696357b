"""Construction-time validation of hyperparameters.

Each check takes the public function's name and the parameter's name, and returns the value
normalised (concrete NumPy/JAX scalars become Python numbers, lists become tuples). Traced
values (inside ``jit``, ``vmap``, ``grad``) cannot be inspected and pass through unchecked.
Messages read ``fn(): param must be <what is allowed>, got <value>``.

Representable range: a schedule computes in float32 (float64 only if ``jax_enable_x64`` is
on when it is *called*, which construction cannot know), so every concrete number must be
zero (either sign) or a magnitude in ``[SMALLEST, LARGEST]`` = ``[2**-92, 2**127 - 2**103]``
= ``[2.0194839e-28, 1.7014117e+38]``. The top is half float32's largest (``HUGE``), so that
the difference of any two values (``init - end``, ``high - low``) is finite too. The bottom
keeps 1e-10 of any accepted value above float32's smallest normal number (``TINY``,
1.1754944e-38 = 2**-126): XLA flushes results below ``TINY`` to zero on CPU and most
accelerators (a value times a tiny fraction, ``init * (1 - p)`` near the end of a decay), and
that loss then stays within the precision contract's absolute bound, 1e-10 of the
schedule's largest value. Larger values would be ``inf`` or make a difference overflow;
smaller nonzero ones would be lost (1e-39 is subnormal, 1e-46 is 0 in float32).
Integers follow the same rule (a step count above 2**31 travels as a float), and an
integer too large even for float64 is rejected with the usual message, never a raw
``OverflowError``. Values derived from several hyperparameters (``peak / div_factor``,
``alpha * initial_learning_rate``) are checked against ``LARGEST`` by ``derived``.
"""

from __future__ import annotations

import decimal
import itertools
import math
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

from . import _schedule, _time
from ._schedule import Schedule

_F32 = np.finfo(np.float32)
TINY = float(_F32.tiny)  # the smallest positive normal float32, 1.1754944e-38
HUGE = float(_F32.max)  # the largest finite float32, 3.4028235e+38
LARGEST = HUGE / 2  # 1.7014117e+38: the difference of two such values is finite
# 2.0194839e-28: 1e-10 of such a value is above float32's smallest normal number (2**-126),
# below which XLA flushes results to 0, so the precision contract's absolute bound (1e-10 of
# the largest value) holds where a result underflows.
SMALLEST = _time.SMALLEST  # 2**-92
REPRESENTABLE = (
    "representable in float32 with headroom (0, or a magnitude in "
    "[2.0194839e-28, 1.7014117e+38]: at most half the largest float32, so that differences "
    "are finite, and at least 2**-92, so that 1e-10 of it is above the smallest normal float32)"
)


def is_traced(x: Any) -> bool:
    return isinstance(x, jax.core.Tracer)


def _show(x: Any) -> str:
    """``repr(x)``, except that an integer of more than 20 digits is shown as ``1.000e+400``
    (its exact digits would swamp the message)."""
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) >= 10**20:
        return format(decimal.Decimal(x), ".3e")
    return repr(x)


def _fail(fn: str, name: str, allowed: str, x: Any, kind: type = ValueError) -> None:
    shown = _show(x)
    if kind is TypeError:
        shown += f" ({type(x).__name__})"
    raise kind(f"{fn}(): {name} must be {allowed}, got {shown}")


def _scalar(fn: str, name: str, x: Any, allowed: str) -> Any:
    """A concrete number as a Python int/float, or a tracer unchanged."""
    if is_traced(x):
        if np.ndim(x) != 0:
            _fail(fn, name, allowed + " (a scalar)", x)
        return x
    if isinstance(x, (bool, np.bool_)) or isinstance(x, (str, bytes)) or x is None:
        _fail(fn, name, allowed, x, TypeError)
    if isinstance(x, (int, float)):
        return x  # np.float64 too (a float): shown as given in messages, made plain by real()
    if isinstance(x, (np.ndarray, np.generic, jax.Array)):
        arr = np.asarray(x)
        if arr.ndim != 0:
            _fail(fn, name, allowed + " (a scalar)", x)
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
            _fail(fn, name, allowed, x, TypeError)
        return arr.item()
    from ._fraction import Fraction, refusal  # here only: _fraction uses this module

    if isinstance(x, Fraction):
        raise refusal(fn, name, x, allowed)
    _fail(fn, name, allowed, x, TypeError)


def real(
    fn: str,
    name: str,
    x: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> Any:
    """A finite real number, optionally within ``[low, high]`` (ends open on request)."""
    allowed = "a finite number"
    if low is not None or high is not None:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        allowed += f" in {'(' if low_open or low is None else '['}{lo}, {hi}"
        allowed += ")" if high_open or high is None else "]"
    x = _scalar(fn, name, x, allowed)
    if is_traced(x):
        return x
    if isinstance(x, complex) or (isinstance(x, float) and not math.isfinite(x)):
        _fail(fn, name, allowed, x)
    _representable(fn, name, x, allowed)
    if low is not None and (x < low or (low_open and x == low)):
        _fail(fn, name, allowed, x)
    if high is not None and (x > high or (high_open and x == high)):
        _fail(fn, name, allowed, x)
    # The plain Python number (a float subclass such as np.float64 would travel as an
    # array leaf on the eager path and lose its host correction).
    return float(x) if isinstance(x, float) and type(x) is not float else x


def _representable(fn: str, name: str, x: float, allowed: str) -> None:
    """Reject a concrete nonzero number outside float32's normal range (see the module
    docstring); compared exactly (Python ints are never converted to float here)."""
    if x != 0 and not (SMALLEST <= abs(x) <= LARGEST):
        if abs(x) < SMALLEST and _schedule.BUILDING[0]:  # a recipe's derived value
            _schedule.TINY[0] = True
            return
        _fail(fn, name, f"{allowed} {REPRESENTABLE}", x)


def positive(fn: str, name: str, x: Any) -> Any:
    return real(fn, name, x, low=0.0, low_open=True)


def integer(fn: str, name: str, x: Any, *, minimum: int = 1) -> Any:
    """A whole number of steps ``>= minimum``; an integral float such as ``1e4`` becomes
    an int."""
    words = {0: "a non-negative integer", 1: "a positive integer"}
    allowed = words.get(minimum, f"an integer >= {minimum}")
    x = _scalar(fn, name, x, allowed)
    if is_traced(x):
        return x
    if isinstance(x, complex):
        _fail(fn, name, allowed, x)
    if isinstance(x, float):
        if not (math.isfinite(x) and x.is_integer()):
            _fail(fn, name, allowed, x)
        x = int(x)
    if x < minimum:
        _fail(fn, name, allowed, x)
    if x > LARGEST:
        _fail(fn, name, f"{allowed} no larger than 1.7014117e+38 (half float32's largest)", x)
    return x


def sequence(fn: str, name: str, xs: Any) -> Any:
    """A list/tuple (or concrete 1-D array) as a tuple; a traced 1-D array unchanged."""
    if is_traced(xs):
        if np.ndim(xs) != 1:
            _fail(fn, name, "a 1-D sequence", xs)
        return xs
    if isinstance(xs, (np.ndarray, jax.Array)):
        if np.ndim(xs) != 1:
            _fail(fn, name, "a 1-D sequence", xs)
        return tuple(np.asarray(xs).tolist())
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        _fail(fn, name, "a list or tuple", xs, TypeError)
    return tuple(xs)


def reals(fn: str, name: str, xs: Any, *, min_len: int = 1) -> Any:
    xs = sequence(fn, name, xs)
    if is_traced(xs):
        return xs
    if len(xs) < min_len:
        _fail(fn, name, f"a list of at least {min_len} numbers", list(xs))
    return tuple(real(fn, f"{name}[{i}]", x) for i, x in enumerate(xs))


def integers(fn: str, name: str, xs: Any, *, strict: bool = True, min_len: int = 0) -> Any:
    """Sorted non-negative integer positions (strictly increasing unless ``strict=False``)."""
    xs = sequence(fn, name, xs)
    if is_traced(xs):
        return xs
    if len(xs) < min_len:
        _fail(fn, name, f"a list of at least {min_len} integers", list(xs))
    out = tuple(integer(fn, f"{name}[{i}]", x, minimum=0) for i, x in enumerate(xs))
    concrete = [x for x in out if not is_traced(x)]
    if len(concrete) == len(out):
        bad = any(b < a or (strict and b == a) for a, b in itertools.pairwise(out))
        if bad:
            order = "strictly increasing" if strict else "sorted (non-decreasing)"
            _fail(fn, name, order, list(out))
    return out


def length(fn: str, name: str, xs: Any, n: int, what: str) -> None:
    got = np.shape(xs)[0] if is_traced(xs) else len(xs)
    if got != n:
        raise ValueError(f"{fn}(): {name} must have {what} ({n}), got {got}")


def option(fn: str, name: str, x: Any, allowed: Sequence[str]) -> str:
    if not isinstance(x, str):
        _fail(fn, name, "one of " + ", ".join(map(repr, allowed)), x, TypeError)
    if x not in allowed:
        _fail(fn, name, "one of " + ", ".join(map(repr, allowed)), x)
    return x


def flag(fn: str, name: str, x: Any) -> bool:
    if not isinstance(x, (bool, np.bool_)):
        _fail(fn, name, "True or False", x, TypeError)
    return bool(x)


def schedule(fn: str, name: str, x: Any) -> Schedule:
    if not isinstance(x, Schedule):
        _fail(fn, name, "a jaxlrs Schedule", x, TypeError)
    return x


def schedules(fn: str, name: str, xs: Any, *, min_len: int = 1) -> tuple[Schedule, ...]:
    xs = sequence(fn, name, xs)
    if len(xs) < min_len:
        _fail(fn, name, f"a list of at least {min_len} schedules", list(xs))
    return tuple(schedule(fn, f"{name}[{i}]", s) for i, s in enumerate(xs))


def optional(check: Any, fn: str, name: str, x: Any, **kw: Any) -> Any:
    return None if x is None else check(fn, name, x, **kw)


def geometric(fn: str, shape: str, *ends: tuple[str, Any]) -> None:
    """For ``shape == "exponential"``: the ramp ``a * (b / a)**p`` between its ``ends``
    (``(what, value)`` pairs: a parameter, or an expression such as ``schedule(0)`` or
    ``peak / div_factor``) needs every end at least ``SMALLEST``, and the larger end at most
    ``HUGE`` times the smaller (float32 cannot hold a larger ratio). Traced ends
    cannot be checked and are skipped."""
    if shape != "exponential":
        return
    known = [(what, v) for what, v in ends if v is not None and not is_traced(v)]
    for what, v in known:
        if not v > 0:
            raise ValueError(
                f"{fn}(): {what} must be positive for shape='exponential' "
                f"(a geometric ramp cannot start or end at {_show(v)}), got {_show(v)}"
            )
        if v < SMALLEST:
            raise ValueError(
                f"{fn}(): {what} must be at least 2**-92 = 2.0194839e-28 for "
                f"shape='exponential' (a geometric ramp cannot reach 0), got {_show(v)}"
            )
    for (wa, a), (wb, b) in itertools.combinations(known, 2):
        (wl, lo), (wh, hi) = sorted([(wa, a), (wb, b)], key=lambda e: e[1])
        if hi / lo > HUGE:
            raise ValueError(
                f"{fn}(): {wh} / {wl} must be at most 3.4028235e+38 for shape='exponential' "
                f"(float32 cannot hold the ratio of the ramp's ends), got {hi / lo:.4g}"
            )


def derived(fn: str, what: str, x: Any) -> None:
    """A value computed from several concrete hyperparameters (``what`` says how, e.g.
    ``peak / div_factor``) must not pass ``LARGEST`` in magnitude, like a value given
    directly (a tiny one is allowed: float32 holds it down to 2**-126 and flushes below,
    and a recipe's body keeps it, see ``_schedule.BUILDING``). Skipped when traced or
    None."""
    if x is None or is_traced(x):
        return
    if abs(x) > LARGEST:
        _fail(fn, what, "at most 1.7014117e+38 in magnitude (half float32's largest)", x)


MAX_MULT = 2**31


def period_mult(fn: str, name: str, x: Any, *, whole: bool = False) -> Any:
    """A cycle-length factor ``>= 1`` (an integer if ``whole``), at most ``2**31``: a larger
    one makes the second cycle alone outlast every int32 step, and the float32 estimate
    that locates the cycle, ``log1p(t * (m - 1) / period)``, would overflow."""
    x = integer(fn, name, x) if whole else real(fn, name, x, low=1.0)
    if not is_traced(x) and x > MAX_MULT:
        at = "an integer >= 1" if whole else "a finite number >= 1"
        _fail(fn, name, f"{at} and at most 2**31 = {MAX_MULT}", x)
    return x


def warmup_within(fn: str, warmup: Any, steps: Any) -> tuple[Any, Any]:
    """``warmup`` (>= 0) and ``steps`` (> 0) of a schedule whose ``steps`` counts its
    warmup: the warmup must end before ``steps``."""
    warmup = integer(fn, "warmup", warmup, minimum=0)
    steps = integer(fn, "steps", steps)
    if not is_traced(warmup) and not is_traced(steps) and warmup >= steps:
        raise ValueError(
            f"{fn}(): warmup must be smaller than steps (steps counts the warmup), "
            f"got warmup={warmup!r}, steps={steps!r}"
        )
    return warmup, steps
