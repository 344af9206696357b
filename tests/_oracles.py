"""Independent float64 NumPy oracles for jaxlrs schedules, and a zoo of test schedules.

``oracle(schedule, steps)`` evaluates the *documented formula* of every core constructor in
float64 NumPy, recursively for nested schedules. It shares no code with jaxlrs: it reads
only ``schedule.name`` and ``schedule.args``. Cosines use ``sin(pi/2 * (T - t)/T)**2`` (the
``(1 + cos)/2`` form is itself inaccurate near the end of a long decay).

``CASES`` maps a case id to a small schedule (lengths of a few to a few dozen steps) for
every core constructor, option and combination worth checking; other test files may import
``oracle``, ``CASES``, ``assert_close`` and ``tolerance`` read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import jaxlrs

F64 = np.float64


# -- helpers ------------------------------------------------------------------------------


def _progress(t: np.ndarray, length: float) -> tuple[np.ndarray, np.ndarray]:
    """(done, left) = (min(t, T)/T, (T - min(t, T))/T), the remaining count exact."""
    c = np.minimum(t, length)
    return c / length, (length - c) / length


def _hcos(x: np.ndarray) -> np.ndarray:
    """(1 - cos(pi x)) / 2, written as sin(pi x / 2)**2."""
    return np.sin(0.5 * np.pi * x) ** 2


def _rise(
    shape: str,
    a: float | np.ndarray,
    b: float | np.ndarray,
    p: np.ndarray,
    q: Any = None,
    length: Any = None,
) -> np.ndarray:
    """A ramp from a to b at progress p (``q = 1 - p``, computed apart when given), along
    one of the documented shapes, as ``a (1 - w) + b w`` with both weights computed
    separately (``a + (b - a) w`` loses a small value next to a large one). ``log`` needs
    the ramp's ``length`` W: ``w = log(1 + t) / log(1 + W)`` at ``t = p W``."""
    q = 1 - p if q is None else q
    if shape == "exponential":
        return a * (b / a) ** p
    if shape == "constant":
        return np.where(q <= 0, b, a) + 0 * p
    if shape == "log":
        big = max(float(length), 1.0)
        t, rest = p * big, q * big  # rest = W - t, from the exact remainder
        scale = np.log(1 + big)
        return a * (np.log((1 + t + rest) / (1 + t)) / scale) + b * (np.log(1 + t) / scale)
    w, rest = {
        "linear": lambda: (p, q),
        "cosine": lambda: (_hcos(p), _hcos(q)),
        "sqrt": lambda: (np.sqrt(p), q / (1 + np.sqrt(p))),
        "1-sqrt": lambda: (p / (1 + np.sqrt(q)), np.sqrt(q)),
    }[shape]()
    return a * rest + b * w


def _operand(x: Any, t: np.ndarray) -> np.ndarray:
    if isinstance(x, jaxlrs.Schedule):
        return _eval(x, t)
    return np.full(t.shape, float(x))


def _cycle_index(t: np.ndarray, period: float, mult: float) -> tuple[np.ndarray, np.ndarray]:
    """Cycle index i and cycle start for cycles of length period * mult**i."""
    if mult == 1:
        i = np.floor_divide(t, period)
        return i, i * period
    if float(mult).is_integer():
        m, p = int(mult), int(period)
        starts = [0]
        while starts[-1] <= (t.max() if t.size else 0):
            starts.append(starts[-1] + p * m ** (len(starts) - 1))
        s = np.array(starts, F64)  # exact integers (< 2**53 in every test)
    else:
        n = 1
        while period * (mult**n - 1) / (mult - 1) <= (t.max() if t.size else 0):
            n += 1
        s = period * (mult ** np.arange(n + 1, dtype=F64) - 1) / (mult - 1)
    i = np.searchsorted(s, t, side="right") - 1
    return i.astype(F64), s[i]


# -- one oracle per constructor -------------------------------------------------------------


def _constant(t, value):
    return np.full(t.shape, float(value))


# Each curve is init * g + end * (1 - g) with both weights computed apart (never
# end + (init - end) * g, which loses a small value next to a large one: cosine(1.0, 1,
# end=1e16) at step 0 would be 0 in float64).


def _linear(t, init, end, steps):
    done, left = _progress(t, steps)
    return init * left + end * done


def _complement(g_log):
    """``1 - exp(g_log)``, accurately near 0 (``g_log`` = log of a weight in [0, 1])."""
    with np.errstate(invalid="ignore"):
        return -np.expm1(g_log)


def _polynomial(t, init, end, steps, power):
    _, left = _progress(t, steps)
    with np.errstate(divide="ignore"):
        g_log = power * np.log(left)
    return init * np.exp(g_log) + end * _complement(g_log)


def _cosine(t, init, steps, end, exponent, k):
    done, left = _progress(t, steps)
    with np.errstate(divide="ignore"):  # log1p(-1) = -inf at t = 0 gives rest = 1
        rest = left if k == 1 else -np.expm1(k * np.log1p(-left))  # 1 - done**k, accurately
        lead = done if k == 1 else done**k  # 1 - rest
        # (1 + cos(pi p))/2 = hcos(1 - p); its complement hcos(p)
        # log hcos(rest), from whichever of hcos(rest) and 1 - hcos(lead) is accurate
        g_log = exponent * np.where(rest < 0.5, np.log(_hcos(rest)), np.log1p(-_hcos(lead)))
    return init * np.exp(g_log) + end * _complement(g_log)


def _exponent(t, steps, staircase):
    return np.floor_divide(t, steps) if staircase else t / steps


def _exponential(t, init, rate, steps, staircase, end):
    out = init * float(rate) ** _exponent(t, steps, staircase)
    if end is None:
        return out
    return np.maximum(out, end) if rate < 1 else np.minimum(out, end)


def _inverse_time(t, init, rate, steps, staircase):
    return init / (1 + rate * _exponent(t, steps, staircase))


def _step_decay(t, init, every, factor):
    return init * float(factor) ** np.floor_divide(t, every)


def _multistep(t, init, milestones, factor):
    k = np.searchsorted(np.array(milestones, F64), t, side="right")
    return init * float(factor) ** k


def _piecewise_constant(t, boundaries, values):
    i = np.searchsorted(np.array(boundaries, F64), t, side="right")
    return np.array(values, F64)[i]


def _piecewise_linear(t, boundaries, values):
    return np.interp(t, np.array(boundaries, F64), np.array(values, F64))


def _triangular(t, low, high, steps, inc_fraction):
    done, left = _progress(t, steps)
    up = done / inc_fraction
    if inc_fraction < 1:
        unit = np.minimum(up, left / (1 - inc_fraction))
    else:
        unit = np.where(left > 0, up, 0.0)
    return low + (high - low) * unit


def _join(t, schedules, boundaries):
    b = [float(x) for x in boundaries]
    piece = np.searchsorted(np.array(b), t, side="right")
    edges = [0.0, *b]
    out = np.zeros(t.shape)
    for i, s in enumerate(schedules):
        sel = piece == i
        out[sel] = _eval(s, t[sel] - edges[i])
    return out


def _warmup(t, schedule, steps, init, shape):
    if steps == 0:
        return _eval(schedule, t)
    target = _eval(schedule, np.zeros(1))[0]
    ramp = _rise(shape, init, target, np.minimum(t, steps) / steps, length=steps)
    after = _eval(schedule, np.maximum(t - steps, 0))
    return np.where(t < steps, ramp, after)


def _cooldown(t, schedule, start, steps, end, shape):
    source = _eval(schedule, np.array([float(start)]))[0]
    u = np.minimum(np.maximum(t - start, 0), steps)
    cool = _rise(shape, end, source, (steps - u) / steps, u / steps, steps)  # backwards in time
    return np.where(t < start, _eval(schedule, np.minimum(t, start)), cool)


def _cycle(t, schedule, period, period_mult, decay, limit):
    i, start = _cycle_index(t, period, period_mult)
    local = (t - start) / float(period_mult) ** i
    v = _eval(schedule, np.clip(local, 0, period))
    if limit is not None:
        done = i >= limit
        v = np.where(done, _eval(schedule, np.full(t.shape, float(period))), v)
        i = np.minimum(i, limit - 1)
    return v * float(decay) ** i


def _shift(t, schedule, steps):
    return _eval(schedule, np.maximum(t - steps, 0))


def _stretch(t, schedule, factor):
    return _eval(schedule, t / factor)


def _scale(t, schedule, factor):
    return _eval(schedule, t) * factor


def _clip(t, schedule, low, high):
    v = _eval(schedule, t)
    if low is not None:
        v = np.maximum(v, low)
    if high is not None:
        v = np.minimum(v, high)
    return v


def _minimum(t, schedules):
    return np.min([_operand(x, t) for x in schedules], axis=0)


def _maximum(t, schedules):
    return np.max([_operand(x, t) for x in schedules], axis=0)


def _from_fn(t, fn):
    return np.asarray(fn(t), F64)


def _arithmetic(t, op, left, right):
    a, b = _operand(left, t), _operand(right, t)
    ops = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power}
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return ops[op](a, b)


def _sgdr(t, peak, period, period_mult, decay, end, warmup, limit):
    if warmup:
        ramp = peak * np.minimum(t, warmup) / warmup
        rest = np.maximum(t - warmup, 0)
        body = _sgdr(rest, peak, period, period_mult, decay, end, 0, limit)
        return np.where(t < warmup, ramp, body)
    i, start = _cycle_index(t, period, period_mult)
    length = period * float(period_mult) ** i
    u = t - start
    v = end + (peak - end) * float(decay) ** i * _hcos((length - u) / length)
    return v if limit is None else np.where(i >= limit, end, v)


def _warmup_cosine(t, peak, warmup, steps, init, end, exponent, shape):
    decay = steps - warmup
    c = np.clip(t - warmup, 0, decay)
    cos = end + (peak - end) * _hcos((decay - c) / decay) ** exponent
    if warmup == 0:
        return cos
    return np.where(
        t < warmup, _rise(shape, init, peak, np.minimum(t, warmup) / warmup, length=warmup), cos
    )


ORACLES: dict[str, Callable[..., np.ndarray]] = {
    "constant": _constant,
    "linear": _linear,
    "polynomial": _polynomial,
    "cosine": _cosine,
    "exponential": _exponential,
    "inverse_time": _inverse_time,
    "step_decay": _step_decay,
    "multistep": _multistep,
    "piecewise_constant": _piecewise_constant,
    "piecewise_linear": _piecewise_linear,
    "triangular": _triangular,
    "join": _join,
    "warmup": _warmup,
    "cooldown": _cooldown,
    "cycle": _cycle,
    "shift": _shift,
    "stretch": _stretch,
    "scale": _scale,
    "clip": _clip,
    "minimum": _minimum,
    "maximum": _maximum,
    "from_fn": _from_fn,
    "arithmetic": _arithmetic,
    "sgdr": _sgdr,
    "warmup_cosine": _warmup_cosine,
}


def _eval(s: jaxlrs.Schedule, t: np.ndarray) -> np.ndarray:
    args = {
        k: (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
        for k, v in s.args.items()
    }
    return np.asarray(ORACLES[s.name](t, **args), F64)


def oracle(s: jaxlrs.Schedule, steps: Any) -> np.ndarray:
    """The float64 value of ``s`` at ``steps`` (negative steps clamp to 0)."""
    t = np.maximum(np.asarray(steps, F64), 0.0)
    return _eval(s, t.ravel()).reshape(t.shape)


def tolerance(want: np.ndarray, scale: float, rel: float = 2e-6, absolute: float = 1e-10):
    """SPEC §1.5: 2e-6 relative, or 1e-10 of the largest value, whichever is looser."""
    return np.maximum(rel * np.abs(want), absolute * scale)


def assert_close(
    got: Any,
    want: np.ndarray,
    scale: float | None = None,
    *,
    rel: float = 2e-6,
    absolute: float = 1e-10,
    steps: Any = None,
) -> None:
    got = np.asarray(got, F64)
    want = np.asarray(want, F64)
    if scale is None:
        scale = float(np.max(np.abs(want))) if want.size else 1.0
    err = np.abs(got - want)
    tol = tolerance(want, scale, rel, absolute)
    bad = ~(err <= tol)
    if bad.any():
        idx = np.flatnonzero(bad.ravel())[:5]
        where = np.asarray(steps).ravel()[idx] if steps is not None else idx
        raise AssertionError(
            f"{bad.sum()} of {bad.size} values off; at {where.tolist()}: "
            f"got {got.ravel()[idx].tolist()}, want {want.ravel()[idx].tolist()}, "
            f"tol {tol.ravel()[idx].tolist()}"
        )


# -- the zoo --------------------------------------------------------------------------------


def halving(t: Any) -> Any:
    """A module-level function for ``from_fn`` (picklable): 0.5**(t / 8)."""
    return 0.5 ** (t / 8)


_S = jaxlrs
SHAPES = ("linear", "cosine", "sqrt", "1-sqrt", "exponential", "log", "constant")

CASES: dict[str, jaxlrs.Schedule] = {
    "constant": _S.constant(0.5),
    "linear": _S.linear(1.0, 0.25, 16),
    "linear_up": _S.linear(0.0, 2.0, 12),
    "polynomial": _S.polynomial(1.0, 0.125, 16, power=2.0),
    "polynomial_sqrt": _S.polynomial(1.0, 0.0, 16, power=0.5),
    "polynomial_p1": _S.polynomial(0.5, 1.0, 10),
    "cosine": _S.cosine(1.0, 16),
    "cosine_opts": _S.cosine(1.0, 16, end=0.125, exponent=2.0),
    "cosine_k": _S.cosine(1.0, 16, end=0.0625, k=2.0),
    "cosine_k_small": _S.cosine(0.5, 16, k=0.5, exponent=0.5),
    "exponential": _S.exponential(1.0, 0.5, 4),
    "exponential_stair": _S.exponential(1.0, 0.5, 4, staircase=True),
    "exponential_end": _S.exponential(1.0, 0.5, 3, end=0.125),
    "exponential_growth": _S.exponential(0.25, 2.0, 5, end=2.0),
    "inverse_time": _S.inverse_time(1.0, 0.5, 4),
    "inverse_time_stair": _S.inverse_time(1.0, 2.0, 3, staircase=True),
    "step_decay": _S.step_decay(1.0, 5, 0.5),
    "multistep": _S.multistep(1.0, [3, 7, 7, 12], 0.5),
    "piecewise_constant": _S.piecewise_constant([4, 9, 15], [1.0, 0.5, 0.75, 0.25]),
    "piecewise_linear": _S.piecewise_linear([2, 6, 14], [0.0, 1.0, 0.25]),
    "piecewise_linear_1": _S.piecewise_linear([5], [0.75]),
    "triangular": _S.triangular(0.25, 1.0, 16),
    "triangular_slanted": _S.triangular(0.25, 1.0, 16, inc_fraction=0.25),
    "triangular_ramp": _S.triangular(0.0, 1.0, 8, inc_fraction=1.0),
    "join": _S.join([_S.linear(0.0, 1.0, 4), _S.cosine(1.0, 12), _S.constant(0.125)], [4, 16]),
    **{
        f"warmup_{shape}": _S.warmup(_S.cosine(1.0, 20), 6, init=0.0625, shape=shape)
        for shape in SHAPES
    },
    "warmup_zero": _S.warmup(_S.linear(1.0, 0.5, 8), 0),
    **{
        f"cooldown_{shape}": _S.cooldown(_S.cosine(1.0, 40), 10, 12, end=0.0625, shape=shape)
        for shape in SHAPES
    },
    "cycle": _S.cycle(_S.linear(1.0, 0.0, 8), 8),
    "cycle_mult": _S.cycle(_S.cosine(1.0, 4), 4, period_mult=2, decay=0.5, limit=3),
    "cycle_mult3": _S.cycle(_S.linear(1.0, 0.25, 3), 3, period_mult=3),
    "cycle_float": _S.cycle(_S.linear(1.0, 0.0, 4), 4, period_mult=1.5, decay=0.75),
    "shift": _S.shift(_S.linear(1.0, 0.0, 8), 5),
    "stretch": _S.stretch(_S.step_decay(1.0, 2, 0.5), 3),
    "stretch_float": _S.stretch(_S.linear(1.0, 0.0, 4), 2.5),
    "scale": _S.scale(_S.cosine(1.0, 16), 0.5),
    "clip": _S.clip(_S.linear(0.0, 1.0, 16), 0.25, 0.75),
    "clip_low": _S.clip(_S.linear(1.0, 0.0, 16), low=0.25),
    "minimum": _S.minimum(_S.linear(0.0, 2.0, 16), 1.0, _S.cosine(1.5, 20)),
    "maximum": _S.maximum(_S.linear(0.0, 2.0, 16), 0.5),
    "from_fn": _S.from_fn(halving),
    "add": _S.linear(1.0, 0.0, 10) + 0.25,
    "rmul": 2.0 * _S.cosine(1.0, 16),
    "sub": _S.cosine(1.0, 16) - _S.linear(0.5, 0.0, 8),
    "div": _S.linear(1.0, 0.0, 10) / 2.0,
    "rdiv": 1.0 / (_S.constant(1.0) + _S.linear(0.0, 3.0, 12)),
    "nested": _S.warmup(_S.cycle(_S.cosine(1.0, 6), 6, decay=0.5) * 0.5 + 0.125, 3),
    "sgdr": _S.sgdr(1.0, 8),
    "sgdr_opts": _S.sgdr(1.0, 4, period_mult=2, decay=0.5, end=0.0625, warmup=3, limit=3),
    "sgdr_float": _S.sgdr(1.0, 4, period_mult=1.5),
    "warmup_cosine": _S.warmup_cosine(1.0, 4, 20),
    "warmup_cosine_opts": _S.warmup_cosine(
        1.0, 5, 24, init=0.125, end=0.0625, exponent=2.0, shape="cosine"
    ),
}
"""Small schedules covering every core constructor and option (interesting over steps 0..63)."""

SMALL_STEPS = np.arange(64)
"""Steps over which every ``CASES`` schedule is interesting."""
