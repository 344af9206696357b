"""Strategies, independent float64 oracles and edge lists for ``test_adversarial.py``.

Every public constructor (core and compat) has a :class:`Spec`: a hypothesis strategy for
its keyword arguments over the whole documented domain (tiny and huge values, increasing
and decreasing, single-step phases, zero warmups, lengths near 2**31, integer and float
``period_mult``), an oracle ``want(kw, t)`` that evaluates the documented formula in float64
NumPy (through ``_oracles.oracle`` for the core constructors it knows, a transcription of the
docstring or of the peer's formula otherwise; nothing here calls jaxlrs to compute a
value), the phase boundaries ``edges(kw)`` to probe densely, and the kind of every
parameter for the rejection test.

Value hyperparameters are drawn non-negative (learning rates): a schedule whose values
change sign has a zero crossing where no float32 evaluation can be 2e-6 relative.
"""

from __future__ import annotations

import dataclasses
import fractions
import math
from collections.abc import Callable
from typing import Any

import _oracles as O
import numpy as np
from hypothesis import strategies as st

import jaxlrs
from jaxlrs.compat import keras as ks
from jaxlrs.compat import mxnet as mxs
from jaxlrs.compat import torch as pt
from jaxlrs.compat import transformers as hf

F64 = np.float64
I31 = 2**31 - 1
# the documented representable range (jaxlrs/_check.py, the contract, "Errors that teach"): every
# concrete number is 0 or has a magnitude in [SMALLEST, LARGEST]; an exponential ramp needs
# both ends >= SMALLEST and their ratio <= HUGE
SMALLEST = 2.0**-92  # 2.0194839e-28
LARGEST = 2.0**127 - 2.0**103  # 1.7014117e+38
HUGE = float(np.finfo(np.float32).max)  # 3.4028235e+38
Draw = Callable[[st.SearchStrategy[Any]], Any]


# -- module-level functions for from_fn / LambdaLR (picklable, NumPy- and JAX-friendly) -----


def halving(t: Any) -> Any:
    """0.5**(t / 8)."""
    return 0.5 ** (t / 8)


def harmonic(t: Any) -> Any:
    """1 / (1 + t / 2**20) (integer steps made float first: strict dtype promotion)."""
    if np.dtype(t.dtype).kind in "iu":
        t = t.astype(np.float32)
    return 1.0 / (1.0 + t / 2.0**20)


FUNCTIONS = {"halving": halving, "harmonic": harmonic}


# -- strategies -------------------------------------------------------------------------------


def representable(x: float) -> bool:
    """0, or a magnitude in [SMALLEST, LARGEST] (the documented rule)."""
    return x == 0 or SMALLEST <= abs(x) <= LARGEST


def floats(lo: float, hi: float, **kw: Any) -> st.SearchStrategy[float]:
    """``st.floats(lo, hi)`` inside the representable range (hypothesis also draws
    subnormals and values like 1e-300 near 0, which the library refuses)."""
    return st.floats(lo, hi, **kw).filter(representable)


def product(x: float) -> float:
    """A value derived in the test (``frac * peak``) snapped into the representable range:
    a nonzero product below SMALLEST becomes SMALLEST itself (the edge of the domain)."""
    return x if representable(x) else math.copysign(SMALLEST, x)


def geometric_ok(*ends: float) -> bool:
    """An exponential ramp between ``ends`` is in the domain: every end >= SMALLEST (with a
    little room for the float32 evaluation of a schedule's value) and the largest at most
    HUGE times the smallest."""
    return all(e >= 2 * SMALLEST for e in ends) and max(ends) / min(ends) <= HUGE / 2


def breaker(other: float) -> float | None:
    """A representable value whose ratio to ``other`` (either way) passes HUGE: what an
    exponential ramp between them cannot hold; None if there is none."""
    if 0 < other <= LARGEST / HUGE / 1.01:
        return LARGEST
    if other >= SMALLEST * HUGE * 1.01:
        return SMALLEST
    return None


def exp_ends(*names: str) -> Callable[[dict[str, Any]], list[tuple[str, Any, tuple[str, ...]]]]:
    """Rejection cases of an exponential ramp between the parameters ``names``: an end 0
    (or negative), and an end whose ratio to another passes HUGE."""

    def invalid(kw):
        if kw.get("shape") != "exponential":
            return []
        out: list[tuple[str, Any, tuple[str, ...]]] = []
        for a in names:
            out += [(a, 0.0, (a,)), (a, -1.0, (a,))]
            for b in names:
                v = breaker(kw[b]) if b != a else None
                if v is not None:
                    out.append((a, v, (a, b)))
        return out

    return invalid


def divided(top: str, div: str, *more: str):
    """Rejection cases of ``top / div [/ more]``: a divisor so small that the quotient
    passes LARGEST, and (for an exponential shape) so large that it is below SMALLEST."""

    def invalid(kw):
        q = kw[top]
        for m in more:
            q = q / kw[m]
        out = []
        v = q / (4 * LARGEST)
        if representable(v) and v > 0:
            out.append((div, v, (div,)))
        if kw.get("shape") == "exponential":
            v = q / (SMALLEST / 4)
            if representable(v):
                out.append((div, v, (div,)))
        return out

    return invalid


def logu(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Log-uniform floats in [lo, hi]."""
    return st.floats(math.log10(lo), math.log10(hi)).map(lambda e: float(10.0**e))


POS = st.one_of(
    st.sampled_from([1.0, 0.5, 1e-3, 3.0]),
    logu(1e-27, 1e-8),  # tiny
    logu(1e-3, 1e3),
    logu(1e3, 1e30),  # huge
)
"""A positive value (learning rate, peak)."""
VAL = st.one_of(st.just(0.0), POS)
"""A non-negative value."""
# Lengths up to 2**31 - 1, next to 2**24 and 2**31 too. Counts above 2**31 - 1 (x64 off:
# a single one travels as float32) are promised only where the contract page says so ("counts above
# 2**31 - 1"): LEN_BIG adds such counts for the decays that promise them (linear,
# polynomial, cosine), multiples of 256 (float32 holds them) and counts from 2**32 on.
LEN = st.one_of(
    st.integers(1, 4),
    st.integers(5, 1000),
    st.integers(1000, 10**6),
    st.integers(10**6, I31),
    st.sampled_from([2**24 - 1, 2**24, 2**24 + 1, 2**30 + 5, 2**31 - 2, I31]),
)
LEN_BIG = st.one_of(LEN, st.sampled_from([2**31, 2**31 + 256, 3 * 2**30, 2**32, 2**32 + 7, 10**10]))
SMALL_LEN = st.one_of(st.integers(1, 4), st.integers(5, 1000), st.integers(1000, 10**5))
UNIT = st.one_of(st.sampled_from([0.0, 0.8, 0.85, 0.9, 0.95, 1.0]), floats(1e-6, 1.0))
"""In [0, 1] (momenta, ratios), nothing below float32's range."""
FRAC = st.one_of(st.sampled_from([0.5, 0.1, 0.3, 0.25, 0.9]), floats(0.001, 0.999))
RATE = st.one_of(
    st.sampled_from([0.5, 0.1, 0.999, 0.999999999, 1.0000001, 2.0]),
    floats(0.01, 1.0, exclude_max=True),
    floats(1.0, 1.5, exclude_min=True),
)
"""A per-step or per-period factor, both sides of 1."""
MULT = st.one_of(
    st.sampled_from([1, 2, 3, 1.5, 1.0001, 4.7267, 2.0]),
    st.integers(1, 5),
    floats(1.0001, 6.0),
)
"""period_mult: integer or float."""


def ramp_shape(draw: Draw, *ends: float) -> str:
    """A ramp shape; exponential only when the ends allow a geometric ramp
    (:func:`geometric_ok`)."""
    shapes = ["linear", "cosine", "sqrt", "1-sqrt"] + (
        ["exponential"] if geometric_ok(*ends) else []
    )
    return draw(st.sampled_from(shapes))


def below(draw: Draw, n: int, lo: int = 0) -> int:
    """An integer in [lo, n - 1], often at the ends."""
    return draw(st.one_of(st.sampled_from([lo, n - 1]), st.integers(lo, max(lo, n - 1))))


# -- oracle helpers ---------------------------------------------------------------------------


def hcos(x: Any) -> Any:
    """(1 - cos(pi x)) / 2 = sin(pi x / 2)**2."""
    return np.sin(0.5 * np.pi * np.asarray(x, F64)) ** 2


def blend(shape: str, a: Any, b: Any, done: Any, left: Any) -> Any:
    """From a to b, a fraction ``done`` along ``shape`` (``left = 1 - done`` exact)."""
    if shape == "linear":
        return a * left + b * done
    if shape == "cosine":
        return a * hcos(left) + b * hcos(done)
    if shape == "sqrt":
        r = np.sqrt(done)
        return a * (left / (1 + r)) + b * r
    if shape == "1-sqrt":
        r = np.sqrt(left)
        return a * r + b * (done / (1 + r))
    if shape == "exponential":
        return a * (b / a) ** done
    raise AssertionError(shape)


def progress(t: np.ndarray, start: float, length: float) -> tuple[np.ndarray, np.ndarray]:
    """(done, left) in a phase [start, start + length]; exact remaining count."""
    u = np.clip(t - start, 0, length)
    length = max(length, 1e-300)
    return u / length, (length - u) / length


def geometric_starts(period: int, mult: float, tmax: float) -> np.ndarray:
    """Start of every cycle of length period * mult**i that begins at or before tmax."""
    integral = float(mult).is_integer()
    m = int(mult) if integral else float(mult)
    starts: list[Any] = [0]
    n = 0
    while starts[-1] <= tmax:
        # a running sum (exact for integer or dyadic mult), never period * (m**n - 1) / (m - 1),
        # which float64 rounds off the integer boundary it is for m = 1.7, i = 1
        starts.append(starts[-1] + period * m**n)
        n += 1
    return np.array(starts, F64)


AMBIGUOUS = 2.0**-44
"""A float ``period_mult`` locates each cycle start to about ``2**-46`` relative (the
contract page): a step whose true cycle start lies closer than this (relative, but not at
the step itself) may fall on either side of the restart."""


def near_start(t: np.ndarray, period: int, mult: float, limit: int | None = None) -> np.ndarray:
    """Steps ``t`` (local to the cycles) within ``AMBIGUOUS`` of a cycle start of a float
    ``mult`` that is not the step itself; the starts near each step taken to 100 digits
    (``period * expm1(i log m) / (m - 1)``), not from the float64 running sum."""
    t = np.asarray(t, F64)
    out = np.zeros(t.shape, bool)
    if float(mult).is_integer() or not t.size:
        return out
    import mpmath

    s = geometric_starts(period, mult, float(t.max()))
    near = np.searchsorted(s, t, side="right") - 1
    with mpmath.workdps(100):
        lam, d = mpmath.log(mpmath.mpf(mult)), mpmath.mpf(mult) - 1
        for k, (x, i) in enumerate(zip(t.tolist(), near.tolist(), strict=True)):
            for j in (i - 1, i, i + 1, i + 2):
                if j < 1 or (limit is not None and j > limit):
                    continue
                gap = abs(mpmath.mpf(x) - period * mpmath.expm1(j * lam) / d)
                if 0 < gap <= AMBIGUOUS * max(x, 1.0):
                    out[k] = True
    return out


def cycles(t: np.ndarray, period: int, mult: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, u, length): cycle index, step inside it, its length."""
    if mult == 1:
        ti = t.astype(np.int64)
        i = ti // int(period)
        return i.astype(F64), (ti - i * int(period)).astype(F64), np.full(t.shape, float(period))
    s = geometric_starts(period, mult, float(t.max()) if t.size else 0.0)
    i = np.searchsorted(s, t, side="right") - 1
    return i.astype(F64), t - s[i], period * float(mult) ** i.astype(F64)


def warm(t: np.ndarray, w: int, after: np.ndarray, init: float = 0.0, peak: float = 1.0) -> Any:
    """Hugging Face's warmup: peak * t / max(1, w) for t < w."""
    return np.where(t < w, init + (peak - init) * t / max(1, w), after)


# -- the spec type ----------------------------------------------------------------------------


@dataclasses.dataclass
class Spec:
    name: str  # how the repro calls it: "cosine", "compat.torch.CyclicLR"
    build: Callable[..., jaxlrs.Schedule]
    draw: Callable[[Draw], dict[str, Any]]  # valid keyword arguments
    want: Callable[[dict[str, Any], np.ndarray], np.ndarray]  # float64 oracle
    edges: Callable[[dict[str, Any]], list[float]]  # phase boundaries to probe
    kinds: dict[str, str]  # parameter -> kind, for the rejection test
    float_phase: Callable[[dict[str, Any]], float] = lambda kw: 0.0
    """An absolute tolerance (fraction of the peak) that the contract allows on top of the
    usual one: 1e-6 for a float period_mult; 0 otherwise."""
    extra_tol: Callable[[dict[str, Any], np.ndarray], np.ndarray] | None = None
    """An absolute tolerance per step that the documentation allows on top of the usual one
    (ChainedScheduler's product from logarithms where a factor passes float32's range; a
    sum or difference of schedules, each operand to the contract)."""
    bounds_only: bool = False  # noise: check bounds, not values
    band: Callable[[dict[str, Any], np.ndarray], np.ndarray] | None = None
    """With ``bounds_only``: the noise's relative half-width at each step (the value lies
    within ``want * (1 -+ band)``); None: ``jaxlrs.noise``'s ``pct`` inside
    ``[start, stop)``."""
    invalid: Callable[[dict[str, Any]], list[tuple[str, Any, tuple[str, ...]]]] | None = None
    """Out-of-domain combinations for the rejection test, from a valid ``kw``:
    ``(param, value, names)``: ``kw[param] = value`` must be refused with a message naming
    one of ``names`` (a derived value ``peak / div_factor``, an exponential ramp's ends)."""
    ambiguous: Callable[[dict[str, Any], np.ndarray], np.ndarray] | None = None
    """Steps at which either side of a restart is right (a float ``period_mult`` whose true
    cycle start is within ``AMBIGUOUS`` of the step, see :func:`near_start`): there the
    value is checked against the schedule's range only."""
    static: frozenset[str] = frozenset()
    """Parameters the gradient test passes as they are, never traced: lists and dicts
    that place boundaries, counts that must be concrete, an integer seed."""

    @property
    def fn(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def strategy(self) -> st.SearchStrategy[dict[str, Any]]:
        return st.composite(lambda draw: self.draw(draw))()


def core(s: jaxlrs.Schedule | Callable[..., jaxlrs.Schedule]) -> Callable[..., np.ndarray]:
    """The _oracles oracle of the schedule built from the keyword arguments."""

    def want(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
        return O.oracle(s(**kw), t)  # type: ignore[operator]

    return want


SPECS: dict[str, Spec] = {}


def spec(name: str, build: Any, kinds: dict[str, str], edges: Any = None, want: Any = None, **kw):
    def deco(draw: Callable[[Draw], dict[str, Any]]) -> Callable[[Draw], dict[str, Any]]:
        SPECS[name] = Spec(
            name,
            build,
            draw,
            want if want is not None else core(build),
            edges or (lambda kw: []),
            kinds,
            **kw,
        )
        return draw

    return deco


# Parameter kinds (for rejections): value (finite real), pos (> 0), nonneg (>= 0),
# count (int >= 1), count0 (int >= 0), frac01 (in (0, 1]), frac (in [0, 1]),
# ge1 (>= 1 real), opt- prefix: None allowed.


# == core primitives ========================================================================


@spec("constant", jaxlrs.constant, {"value": "value"})
def _(d):
    return {"value": d(VAL)}


@spec(
    "linear",
    jaxlrs.linear,
    {"init": "value", "end": "value", "steps": "count"},
    edges=lambda kw: [kw["steps"]],
)
def _(d):
    return {"init": d(VAL), "end": d(VAL), "steps": d(LEN_BIG)}


def mix(a: float, b: float, g: np.ndarray, rest: np.ndarray) -> np.ndarray:
    """``a g + b (1 - g)`` with ``rest = 1 - g`` computed apart: exact at both ends (``b + (a -
    b) g`` loses ``b (1 - g)`` when ``b`` is large and ``g`` close to 1, e.g. an increasing
    curve near its start)."""
    return a * g + b * rest


def cosine_cycles(peak, end, decay, i, u, length):
    """``end + (peak - end) decay**i (1 + cos(pi u / length)) / 2`` in cycle ``i``, as
    ``a g + end (1 - g)`` with ``a = peak decay**i``, ``g`` the half-cosine and
    ``1 - g = (1 - f) + f (1 - decay**i)`` apart (a small peak next to a large end)."""
    # 1 - f from u itself: cos(pi/2)**2 in float64 is 3.7e-33, not 0.
    f = np.sin(0.5 * np.pi * (length - u) / length) ** 2
    rest = np.sin(0.5 * np.pi * u / length) ** 2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        shrink = -np.expm1(i * np.log(decay)) if decay != 1.0 else np.zeros(np.shape(i))
        grow = decay**i > 2  # peak D f and end f (1 - D) would cancel: the direct form
        direct = end + (peak - end) * decay**i * f
    return np.where(grow, direct, peak * decay**i * f + end * (rest + f * shrink))


def _polynomial_want(kw, t):
    done, left = progress(t, 0, kw["steps"])
    p = kw["power"]
    with np.errstate(divide="ignore"):
        rest = -np.expm1(p * np.log1p(-done))  # 1 - left**p
    return mix(kw["init"], kw["end"], left**p, rest)


def _cosine_want(kw, t):
    done, left = progress(t, 0, kw["steps"])
    k, e = kw["k"], kw["exponent"]
    with np.errstate(divide="ignore"):
        rest = left if k == 1 else -np.expm1(k * np.log1p(-left))  # 1 - done**k
        lead = done**k  # 1 - rest
        # hcos(rest)**e and 1 - hcos(rest)**e, where 1 - hcos(rest) = hcos(lead)
        g = hcos(rest) ** e
        # log(hcos(rest)) from the smaller of the two: log1p(-hcos(lead)) alone loses a
        # tiny hcos(rest) = 1 - hcos(lead) to cancellation (one step before the end of a
        # 4e6-step rise with exponent 0.1, 2e-6 of the value)
        log_g = np.where(rest <= lead, np.log(hcos(rest)), np.log1p(-hcos(lead)))
        g_rest = hcos(lead) if e == 1 else -np.expm1(e * log_g)
    return mix(kw["init"], kw["end"], g, g_rest)


@spec(
    "polynomial",
    jaxlrs.polynomial,
    {"init": "value", "end": "value", "steps": "count", "power": "pos"},
    edges=lambda kw: [kw["steps"]],
    want=_polynomial_want,
)
def _(d):
    power = d(st.one_of(st.sampled_from([1.0, 2.0, 0.5]), logu(0.01, 10.0)))
    return {"init": d(VAL), "end": d(VAL), "steps": d(LEN_BIG), "power": power}


@spec(
    "cosine",
    jaxlrs.cosine,
    {"init": "value", "steps": "count", "end": "value", "exponent": "pos", "k": "pos"},
    edges=lambda kw: [kw["steps"]],
    want=_cosine_want,
)
def _(d):
    return {
        "init": d(VAL),
        "steps": d(LEN_BIG),
        "end": d(VAL),
        "exponent": d(st.one_of(st.just(1.0), logu(0.1, 4.0))),
        "k": d(st.one_of(st.just(1.0), st.sampled_from([0.1, 0.5, 2.0]), logu(0.05, 5.0))),
    }


@spec(
    "exponential",
    jaxlrs.exponential,
    {"init": "value", "rate": "pos", "steps": "count", "staircase": "flag", "end": "opt-value"},
)
def _(d):
    return {
        "init": d(POS),
        "rate": d(RATE),
        "steps": d(st.one_of(st.just(1), SMALL_LEN, LEN)),
        "staircase": d(st.booleans()),
        "end": d(st.one_of(st.none(), VAL)),
    }


def _exp_edges(kw):
    # where the clip at ``end`` starts: init * rate**(t/steps) = end
    r, e, i = kw["rate"], kw.get("end"), kw["init"]
    if e is None or r == 1 or e <= 0 or i <= 0:
        return []
    x = math.log(e / i) / math.log(r) * kw["steps"]
    return [x] if 0 < x < 2**32 else []


SPECS["exponential"].edges = _exp_edges


@spec(
    "inverse_time",
    jaxlrs.inverse_time,
    {"init": "value", "rate": "nonneg", "steps": "count", "staircase": "flag"},
)
def _(d):
    rate = d(st.one_of(st.just(0.0), logu(1e-9, 1e3)))
    return {"init": d(VAL), "rate": rate, "steps": d(LEN), "staircase": d(st.booleans())}


@spec(
    "step_decay",
    jaxlrs.step_decay,
    {"init": "value", "every": "count", "factor": "pos"},
    edges=lambda kw: [kw["every"] * k for k in (1, 2, 3)],
)
def _(d):
    return {"init": d(POS), "every": d(LEN), "factor": d(RATE)}


@spec(
    "multistep",
    jaxlrs.multistep,
    {"init": "value", "milestones": "counts0", "factor": "pos"},
    edges=lambda kw: list(kw["milestones"]),
)
def _(d):
    ms = sorted(d(st.lists(st.one_of(st.integers(0, 100), st.integers(0, 2**32)), max_size=5)))
    return {"init": d(POS), "milestones": ms, "factor": d(RATE)}


def _knots(d, n_extra: int) -> list[int]:
    b = d(
        st.lists(
            st.one_of(
                st.integers(0, 50),
                st.integers(0, 2**31 + 100),
                st.sampled_from([2**24, 2**31 - 2, 2**31 - 1, 2**31]),
            ),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    return sorted(b)


@spec(
    "piecewise_constant",
    jaxlrs.piecewise_constant,
    {"boundaries": "counts0", "values": "values"},
    edges=lambda kw: list(kw["boundaries"]),
)
def _(d):
    b = _knots(d, 1)
    return {"boundaries": b, "values": [d(VAL) for _ in range(len(b) + 1)]}


@spec(
    "piecewise_linear",
    jaxlrs.piecewise_linear,
    {"boundaries": "counts0", "values": "values"},
    edges=lambda kw: list(kw["boundaries"]),
)
def _(d):
    b = _knots(d, 0)
    return {"boundaries": b, "values": [d(VAL) for _ in range(len(b))]}


@spec(
    "triangular",
    jaxlrs.triangular,
    {"low": "value", "high": "value", "steps": "count", "inc_fraction": "frac01"},
    edges=lambda kw: [kw["steps"], kw["steps"] * kw["inc_fraction"]],
)
def _(d):
    inc = d(st.one_of(st.just(1.0), FRAC, logu(1e-9, 1e-3)))
    return {"low": d(VAL), "high": d(VAL), "steps": d(LEN), "inc_fraction": inc}


def _slanted_want(kw, t):
    steps, peak, cf, ratio = kw["steps"], kw["peak"], kw["cut_frac"], kw["ratio"]
    cut = min(math.floor(steps * cf), steps - 1)
    low = peak / ratio
    up_d, up_l = progress(t, 0, cut) if cut > 0 else (np.ones(t.shape), np.zeros(t.shape))
    dn_d, dn_l = progress(t, cut, steps - cut)
    return np.where(t < cut, low * up_l + peak * up_d, peak * dn_l + low * dn_d)


@spec(
    "slanted_triangular",
    jaxlrs.slanted_triangular,
    {"peak": "value", "steps": "count", "cut_frac": "frac_open", "ratio": "ge1"},
    edges=lambda kw: [kw["steps"], math.floor(kw["steps"] * kw["cut_frac"])],
    want=_slanted_want,
)
def _(d):
    ratio = d(st.one_of(st.sampled_from([32, 1, 1.0, 2.5]), logu(1.0, 1e6)))
    return {"peak": d(POS), "steps": d(LEN), "cut_frac": d(FRAC), "ratio": ratio}


def _tanh_want(kw, t):
    done, left = progress(t, 0, kw["steps"])
    x = kw["lower"] * left + kw["upper"] * done
    # (1 - tanh x) / 2 and (1 + tanh x) / 2 as logistic functions: 1 + tanh(-13) cancels
    # in float64 (1e-5 of the value)
    with np.errstate(over="ignore"):
        g, rest = 1 / (1 + np.exp(2 * x)), 1 / (1 + np.exp(-2 * x))
    return mix(kw["init"], kw["end"], g, rest)


def tanh_tol(lower: float, upper: float, want: np.ndarray) -> np.ndarray:
    """The tanh decays' documented bound: ``5e-7 * max(|lower|, |upper|)`` relative where
    that passes 2e-6 (the tanh's condition number at ``x`` is about ``2|x|``, so far in a
    tail the float32 rounding of ``lower`` and ``upper`` themselves moves the value)."""
    return 5e-7 * max(abs(lower), abs(upper)) * np.abs(want)


@spec(
    "tanh_decay",
    jaxlrs.tanh_decay,
    {"init": "value", "steps": "count", "end": "value", "lower": "value", "upper": "value"},
    edges=lambda kw: [kw["steps"]],
    want=_tanh_want,
    extra_tol=lambda kw, t: tanh_tol(kw["lower"], kw["upper"], _tanh_want(kw, t)),
)
def _(d):
    lower = d(st.one_of(st.just(-7.0), floats(-20, 2)))
    upper = d(st.one_of(st.just(3.0), floats(lower + 0.01, lower + 25)))
    return {"init": d(VAL), "steps": d(LEN), "end": d(VAL), "lower": lower, "upper": upper}


def _rex_want(kw, t):
    _, left = progress(t, 0, kw["steps"])
    return kw["end"] + (kw["init"] - kw["end"]) * left / (0.5 + left / 2)


@spec(
    "rex",
    jaxlrs.rex,
    {"init": "value", "steps": "count", "end": "value"},
    edges=lambda kw: [kw["steps"]],
    want=_rex_want,
)
def _(d):
    return {"init": d(VAL), "steps": d(LEN), "end": d(VAL)}


def _cyclic_want(kw, t):
    low, high, period, inc = kw["low"], kw["high"], kw["period"], kw["inc_fraction"]
    ti = t.astype(np.int64)
    c = ti // period
    r = (ti - c * period).astype(F64)
    up = r / (inc * period)
    tri = np.minimum(up, (period - r) / ((1 - inc) * period)) if inc < 1 else up
    scale = {"triangular": 1.0, "triangular2": 0.5 ** c.astype(F64)}.get(kw["mode"])
    if scale is None:
        scale = kw["gamma"] ** t
    return low + (high - low) * tri * scale


@spec(
    "cyclic",
    jaxlrs.cyclic,
    {
        "low": "value",
        "high": "value",
        "period": "count",
        "mode": "option",
        "gamma": "pos",
        "inc_fraction": "frac01",
    },
    edges=lambda kw: [
        k * kw["period"] + f * kw["period"] * kw["inc_fraction"] for k in (0, 1, 2) for f in (0, 1)
    ],
    want=_cyclic_want,
)
def _(d):
    return {
        "low": d(VAL),
        "high": d(VAL),
        "period": d(LEN),
        "mode": d(st.sampled_from(["triangular", "triangular2", "exp_range"])),
        "gamma": d(st.one_of(st.just(1.0), floats(0.9, 1.0), st.just(0.99999))),
        "inc_fraction": d(st.one_of(st.just(1.0), FRAC)),
    }


def _one_cycle_up(kw) -> int:
    """round(pct_start * steps), ties to even, the product as in float64 (documented),
    capped."""
    steps = kw["steps"]
    up = min(max(round(kw["pct_start"] * steps), 0), steps)
    cap = (steps - 1) // 2 if kw["three_phase"] else steps - 1
    return min(up, cap)


def _one_cycle_want(kw, t):
    steps, shape = kw["steps"], kw["shape"]
    peak = kw["peak"]
    initial = peak / kw["div_factor"]
    final = initial / kw["final_div_factor"]
    up = _one_cycle_up(kw)
    if kw["three_phase"]:
        phases = [
            (0, up, initial, peak),
            (up, up, peak, initial),
            (2 * up, steps - 2 * up, initial, final),
        ]
    else:
        phases = [(0, up, initial, peak), (up, steps - up, peak, final)]
    out = np.full(t.shape, final)
    for k, (start, length, a, b) in reversed(list(enumerate(phases))):
        if length <= 0:
            continue
        done, left = progress(t, start, length)
        sel = (t >= start) & (t < start + length)
        # a falling phase runs the shape backwards in time, as cooldown does (_cyclic.py)
        ramp = blend(shape, a, b, done, left) if k == 0 else blend(shape, b, a, left, done)
        out = np.where(sel, ramp, out)
    # phases are half-open [start, start + length); earlier ones never overlap later ones
    return out


@spec(
    "one_cycle",
    jaxlrs.one_cycle,
    {
        "peak": "value",
        "steps": "count",
        "pct_start": "frac",
        "div_factor": "pos",
        "final_div_factor": "pos",
        "shape": "option",
        "three_phase": "flag",
    },
    edges=lambda kw: [0, _one_cycle_up(kw), 2 * _one_cycle_up(kw), kw["steps"]],
    want=_one_cycle_want,
)
def _(d):
    three = d(st.booleans())
    pct = d(st.one_of(st.sampled_from([0.0, 0.3, 0.5]), floats(0.0, 0.5 if three else 1.0)))
    peak = d(POS)
    div = d(st.one_of(st.just(25.0), logu(1.0, 1e6)))
    final_div = d(st.one_of(st.just(1e4), logu(1.0, 1e6)))
    return {
        "peak": peak,
        "steps": d(LEN),
        "pct_start": pct,
        "div_factor": div,
        "final_div_factor": final_div,
        "shape": ramp_shape(d, peak, peak / div, peak / div / final_div),
        "three_phase": three,
    }


def _lr_range_want(kw, t):
    done, left = progress(t, 0, kw["steps"])
    return blend(kw["shape"], kw["low"], kw["high"], done, left)


@spec(
    "lr_range",
    jaxlrs.lr_range,
    {"low": "value", "high": "value", "steps": "count", "shape": "option"},
    edges=lambda kw: [kw["steps"]],
    want=_lr_range_want,
)
def _(d):
    low, high = d(POS), d(POS)
    return {"low": low, "high": high, "steps": d(LEN), "shape": ramp_shape(d, low, high)}


def _inverse_sqrt_want(kw, t):
    w = kw["warmup"]
    ts = kw["timescale"] if kw["timescale"] is not None else (w or 10_000)
    after = kw["peak"] * np.sqrt(ts / (ts + np.maximum(t - w, 0)))
    return np.where(t < w, kw["peak"] * t / max(w, 1), after)


@spec(
    "inverse_sqrt",
    jaxlrs.inverse_sqrt,
    {"peak": "value", "warmup": "count0", "timescale": "opt-pos"},
    edges=lambda kw: [kw["warmup"]],
    want=_inverse_sqrt_want,
)
def _(d):
    ts = d(st.one_of(st.none(), logu(1e-3, 1e9)))
    return {"peak": d(VAL), "warmup": d(st.one_of(st.just(0), LEN)), "timescale": ts}


def _noam_want(kw, t):
    s = t + 1
    return kw["scale"] * kw["d_model"] ** -0.5 * np.minimum(s**-0.5, s * kw["warmup"] ** -1.5)


@spec(
    "noam",
    jaxlrs.noam,
    {"d_model": "pos", "warmup": "count", "scale": "value"},
    edges=lambda kw: [kw["warmup"] - 1],
    want=_noam_want,
)
def _(d):
    return {"d_model": d(POS), "warmup": d(LEN), "scale": d(VAL)}


@spec(
    "rsqrt",
    jaxlrs.rsqrt,
    {"init": "value", "plateau": "count"},
    edges=lambda kw: [kw["plateau"]],
    want=lambda kw, t: kw["init"] * np.sqrt(kw["plateau"] / np.maximum(t, kw["plateau"])),
)
def _(d):
    return {"init": d(VAL), "plateau": d(LEN)}


# -- the warmup family -----------------------------------------------------------------------


def _family_want(after: Callable[[dict[str, Any], np.ndarray, np.ndarray], np.ndarray]):
    """init -> peak over warmup along shape, then ``after(kw, done, left)`` over the decay
    ``[warmup, steps]`` (done/left of the decay), then end."""

    def want(kw, t):
        w, steps = kw["warmup"], kw.get("steps")
        wd, wl = progress(t, 0, w) if w > 0 else (np.ones(t.shape), np.zeros(t.shape))
        ramp = blend(kw["shape"], kw["init"], kw["peak"], wd, wl)
        if steps is None:
            rest = np.full(t.shape, float(kw["peak"]))
        else:
            dd, dl = progress(t, w, steps - w)
            rest = np.where(t < steps, after(kw, dd, dl), kw["end"])
        return np.where(t < w, ramp, rest)

    return want


def _family_draw(d, extra: dict[str, Any] | None = None, optional_steps: bool = False):
    steps = d(st.one_of(st.none(), LEN)) if optional_steps else d(LEN)
    if steps is None:
        w = d(st.one_of(st.just(0), LEN))
    else:
        w = d(st.one_of(st.just(0), st.just(steps - 1), st.integers(0, steps - 1)))
    peak, init, end = d(VAL), d(VAL), d(VAL)
    kw = {"peak": peak, "warmup": w, "steps": steps, "init": init, "end": end}
    kw["shape"] = ramp_shape(d, init, peak)
    kw.update(extra or {})
    return kw


FAMILY_KINDS = {
    "peak": "value",
    "warmup": "count0",
    "steps": "count",
    "init": "value",
    "end": "value",
    "shape": "option",
}


def _family_edges(kw):
    return [kw["warmup"]] + ([kw["steps"]] if kw.get("steps") is not None else [])


def _lin(kw, done, left):
    return kw["end"] * done + kw["peak"] * left


spec(
    "warmup_constant",
    jaxlrs.warmup_constant,
    {**FAMILY_KINDS, "steps": "opt-count"},
    edges=_family_edges,
    want=_family_want(lambda kw, done, left: np.full(done.shape, float(kw["peak"]))),
)(lambda d: _family_draw(d, optional_steps=True))
spec("warmup_linear", jaxlrs.warmup_linear, FAMILY_KINDS, _family_edges, _family_want(_lin))(
    _family_draw
)
spec(
    "warmup_polynomial",
    jaxlrs.warmup_polynomial,
    {**FAMILY_KINDS, "power": "pos"},
    _family_edges,
    _family_want(lambda kw, done, left: kw["end"] + (kw["peak"] - kw["end"]) * left ** kw["power"]),
)(
    lambda d: _family_draw(
        d, {"power": d(st.one_of(st.sampled_from([1.0, 2.0, 0.5]), logu(0.01, 10)))}
    )
)


def _wexp(kw, done, left):
    r = kw["rate"]
    # (rate**done - rate) / (1 - rate) = rate**done * (1 - rate**left) / (1 - rate)
    g = r**done * (-np.expm1(left * math.log(r))) / (1 - r)
    return kw["end"] + (kw["peak"] - kw["end"]) * g


spec(
    "warmup_exponential",
    jaxlrs.warmup_exponential,
    {**FAMILY_KINDS, "rate": "frac_open"},
    _family_edges,
    _family_want(_wexp),
)(lambda d: _family_draw(d, {"rate": d(st.one_of(st.just(0.01), logu(1e-27, 0.999999)))}))


def _winvsqrt(kw, done, left):
    w, steps = kw["warmup"], kw["steps"]
    ts = kw["timescale"] if kw["timescale"] is not None else (w or 10_000)
    big = steps - w
    u = done * big

    def r(x):
        return np.sqrt(ts / (ts + x))

    return kw["end"] + (kw["peak"] - kw["end"]) * (r(u) - r(big)) / (1 - r(big))


spec(
    "warmup_inverse_sqrt",
    jaxlrs.warmup_inverse_sqrt,
    {**FAMILY_KINDS, "timescale": "opt-pos"},
    _family_edges,
    _family_want(_winvsqrt),
)(lambda d: _family_draw(d, {"timescale": d(st.one_of(st.none(), logu(1e-3, 1e9)))}))


def _warmup_cosine_draw(d):
    kw = _family_draw(d, {"exponent": d(st.one_of(st.just(1.0), logu(0.1, 4.0)))})
    return kw


spec(
    "warmup_cosine",
    jaxlrs.warmup_cosine,
    {**FAMILY_KINDS, "exponent": "pos"},
    _family_edges,
    _family_want(
        lambda kw, done, left: kw["end"] + (kw["peak"] - kw["end"]) * hcos(left) ** kw["exponent"]
    ),
)(_warmup_cosine_draw)


def _wsd_want(kw, t):
    w, steps, n, peak, end = kw["warmup"], kw["steps"], kw["decay_steps"], kw["peak"], kw["end"]
    s = steps - n
    ramp = peak * t / max(w, 1)
    done, left = progress(t, s, n)
    shape = kw["shape"]
    if shape == "exponential":
        dec = peak * (end / peak) ** done if peak > 0 else np.full(t.shape, np.nan)
    else:
        g = {
            "1-sqrt": lambda: 1 - np.sqrt(done),
            "linear": lambda: left,
            "cosine": lambda: hcos(left),
            "sqrt": lambda: np.sqrt(left),
        }[shape]()
        if shape == "1-sqrt":
            g = left / (1 + np.sqrt(done))
        dec = end + (peak - end) * g
    return np.where(t < w, ramp, np.where(t < s, peak, np.where(t < steps, dec, end)))


@spec(
    "wsd",
    jaxlrs.wsd,
    {
        "peak": "value",
        "warmup": "count0",
        "steps": "count",
        "decay_steps": "count",
        "shape": "option",
        "end": "value",
    },
    edges=lambda kw: [kw["warmup"], kw["steps"] - kw["decay_steps"], kw["steps"]],
    want=_wsd_want,
)
def _(d):
    steps = d(st.integers(1, I31) | LEN)
    w = d(st.one_of(st.just(0), st.integers(0, steps - 1)))
    n = d(st.one_of(st.just(steps - w), st.just(1), st.integers(1, steps - w)))
    peak, end = d(POS), d(VAL)
    shapes = ["1-sqrt", "linear", "cosine", "sqrt"]
    shapes += ["exponential"] if geometric_ok(peak, end) else []
    return {
        "peak": peak,
        "warmup": w,
        "steps": steps,
        "decay_steps": n,
        "shape": d(st.sampled_from(shapes)),
        "end": end,
    }


# -- sgdr ------------------------------------------------------------------------------------


def _float_mult_tol(key: str) -> Callable[[dict[str, Any]], float]:
    def tol(kw):
        m = kw.get(key, 1)
        return 1e-6 if not float(m).is_integer() else 0.0

    return tol


def _cycle_edges(
    period: int, mult: float, offset: int = 0, limit: int | None = None
) -> list[float]:
    if mult == 1:
        last = (I31 // period) * period
        s = [k * period for k in range(4)] + [last - period, last, last + period]
        return [offset + x for x in s if x >= 0][: (limit + 1) if limit else None]
    s = geometric_starts(period, mult, float(I31)).tolist()
    if limit is not None:
        s = s[: limit + 1]
    s = s[:4] + s[-3:] if len(s) > 7 else s
    return [offset + x for x in s]


@spec(
    "sgdr",
    jaxlrs.sgdr,
    {
        "peak": "value",
        "period": "count",
        "period_mult": "mult",
        "decay": "pos",
        "end": "value",
        "warmup": "count0",
        "limit": "opt-count",
    },
    edges=lambda kw: (
        [kw["warmup"], *_cycle_edges(kw["period"], kw["period_mult"], kw["warmup"], kw["limit"])]
    ),
    float_phase=_float_mult_tol("period_mult"),
    ambiguous=lambda kw, t: near_start(
        t - kw["warmup"], kw["period"], kw["period_mult"], kw["limit"]
    ),
    want=lambda kw, t: _sgdr_want(kw, t),
    extra_tol=lambda kw, t: _sgdr_growth_tol(kw, t),
)
def _(d):
    return {
        "peak": d(VAL),
        "period": d(LEN),
        "period_mult": d(MULT),
        "decay": d(st.one_of(st.just(1.0), floats(0.1, 1.0), floats(1.0, 1.5))),
        "end": d(VAL),
        "warmup": d(st.one_of(st.just(0), SMALL_LEN, LEN)),
        "limit": d(st.one_of(st.none(), st.integers(1, 5), st.integers(1, 100))),
    }


def _sgdr_growth_tol(kw, t):
    """sgdr's docstring: with a growing ``decay`` the value ``end + (peak - end) D c``
    (``D = decay**i``, ``c`` the half-cosine) is within 2e-6 of ``|end| + (|peak| + |end|)
    D c``, the size of the terms it is a difference of (the float32 rounding of ``peak``,
    ``end`` and ``c`` alone moves it by 6e-8 of that); nothing for a shrinking one."""
    zero = np.zeros(t.shape)
    if not kw["decay"] > 1:
        return zero
    w, limit = kw["warmup"], kw["limit"]
    i, u, length = cycles(np.maximum(t - w, 0), kw["period"], kw["period_mult"])
    c = np.sin(0.5 * np.pi * (length - u) / length) ** 2
    with np.errstate(over="ignore", invalid="ignore"):
        dc = kw["decay"] ** i * c
        terms = abs(kw["end"]) + (abs(kw["peak"]) + abs(kw["end"])) * dc
    inside = (t >= w) & (True if limit is None else i < limit)
    return np.where(inside, 2e-6 * terms, zero)


def _sgdr_want(kw, t):
    w, peak, end = kw["warmup"], kw["peak"], kw["end"]
    u = np.maximum(t - w, 0)
    i, pos, length = cycles(u, kw["period"], kw["period_mult"])
    v = cosine_cycles(peak, end, kw["decay"], i, pos, length)
    if kw["limit"] is not None:
        v = np.where(i >= kw["limit"], end, v)
    return np.where(t < w, peak * t / max(w, 1), v)


# == combinators ============================================================================


def child(d, small: bool = False, positive: bool = False) -> jaxlrs.Schedule:
    """A child schedule: constant, linear or cosine with generated hyperparameters
    (``positive``: values above 0 at every step)."""
    length = SMALL_LEN if small else LEN
    val = POS if positive else VAL
    kind = d(st.sampled_from(["constant", "linear", "cosine"]))
    if kind == "constant":
        return jaxlrs.constant(d(val))
    if kind == "linear":
        return jaxlrs.linear(d(val), d(val), d(length))
    return jaxlrs.cosine(d(val), d(length), end=d(val))


def child_edges(s: jaxlrs.Schedule, offset: float = 0.0) -> list[float]:
    n = s.args.get("steps")
    return [offset + n] if n is not None else []


@spec(
    "join",
    jaxlrs.join,
    {"schedules": "schedules", "boundaries": "counts0"},
    edges=lambda kw: (
        list(kw["boundaries"])
        + [
            e
            for b, s in zip([0, *kw["boundaries"]], kw["schedules"], strict=True)
            for e in child_edges(s, b)
        ]
    ),
)
def _(d):
    b = _knots(d, 0)
    return {"schedules": [child(d) for _ in range(len(b) + 1)], "boundaries": b}


@spec(
    "warmup",
    jaxlrs.warmup,
    {"schedule": "schedule", "steps": "count0", "init": "value", "shape": "option"},
    edges=lambda kw: [kw["steps"], *child_edges(kw["schedule"], kw["steps"])],
)
def _(d):
    s = child(d)
    init = d(VAL)
    target = float(O.oracle(s, np.zeros(1))[0])
    return {
        "schedule": s,
        "steps": d(st.one_of(st.just(0), LEN)),
        "init": init,
        "shape": ramp_shape(d, init, target),
    }


@spec(
    "cooldown",
    jaxlrs.cooldown,
    {
        "schedule": "schedule",
        "start": "count0",
        "steps": "count",
        "end": "value",
        "shape": "option",
    },
    edges=lambda kw: [kw["start"], kw["start"] + kw["steps"], *child_edges(kw["schedule"])],
)
def _(d):
    s = child(d)
    start = d(st.one_of(st.just(0), LEN))
    end = d(VAL)
    source = float(O.oracle(s, np.array([float(start)]))[0])
    return {
        "schedule": s,
        "start": start,
        "steps": d(LEN),
        "end": end,
        "shape": ramp_shape(d, end, source),
    }


@spec(
    "cycle",
    jaxlrs.cycle,
    {
        "schedule": "schedule",
        "period": "count",
        "period_mult": "mult",
        "decay": "pos",
        "limit": "opt-count",
    },
    edges=lambda kw: _cycle_edges(kw["period"], kw["period_mult"], 0, kw["limit"]),
    float_phase=_float_mult_tol("period_mult"),
    ambiguous=lambda kw, t: near_start(t, kw["period"], kw["period_mult"], kw["limit"]),
    want=lambda kw, t: _cycle_want(kw, t),
)
def _(d):
    s = child(d)
    period = d(st.one_of(st.just(s.args.get("steps", 1)), LEN)) if "steps" in s.args else d(LEN)
    return {
        "schedule": s,
        "period": period,
        "period_mult": d(MULT),
        "decay": d(st.one_of(st.just(1.0), floats(0.1, 1.0), floats(1.0, 1.5))),
        "limit": d(st.one_of(st.none(), st.integers(1, 5))),
    }


def _cycle_want(kw, t):
    s, period, mult, limit = kw["schedule"], kw["period"], kw["period_mult"], kw["limit"]
    i, pos, _ = cycles(t, period, mult)
    local = np.clip(pos / float(mult) ** i, 0, period)
    v = O.oracle(s, local)
    if limit is not None:
        done = i >= limit
        v = np.where(done, O.oracle(s, np.full(t.shape, float(period))), v)
        i = np.minimum(i, limit - 1)
    return v * kw["decay"] ** i


@spec(
    "shift",
    jaxlrs.shift,
    {"schedule": "schedule", "steps": "count0"},
    edges=lambda kw: [kw["steps"], *child_edges(kw["schedule"], kw["steps"])],
)
def _(d):
    return {"schedule": child(d), "steps": d(st.one_of(st.just(0), LEN))}


def _rehorizon_want(kw, t):
    at, steps, old = kw["at"], kw["steps"], kw["_old"]
    u = np.clip(t - at, 0, steps - at)
    return O.oracle(kw["schedule"], np.where(t <= at, t, at + u * ((old - at) / (steps - at))))


def _rehorizon_edges(kw):
    at, steps, old = kw["at"], kw["steps"], kw["_old"]
    inner = [e for e in child_edges(kw["schedule"]) if at < e < old]
    return [at, steps, *(at + (e - at) * (steps - at) / (old - at) for e in inner)]


@spec(
    "rehorizon",
    jaxlrs.rehorizon,
    {"schedule": "schedule", "at": "count0", "steps": "count", "horizon": "opt-count"},
    edges=_rehorizon_edges,
    want=_rehorizon_want,
    static=frozenset({"at", "steps", "horizon"}),
)
def _(d):
    s = child(d)
    known = "steps" in s.args  # a constant's length is whatever horizon says
    old = s.args["steps"] if known else d(LEN)
    at = d(st.integers(0, old - 1))
    steps = d(st.integers(at + 1, I31))
    horizon = None if known and d(st.booleans()) else old
    return {"schedule": s, "at": at, "steps": steps, "horizon": horizon, "_old": old}


def _splice_want(kw, t):
    at = kw["at"]
    later = O.oracle(kw["new"], np.maximum(t - at, 0) if kw["restart"] else t)
    return np.where(t < at, O.oracle(kw["old"], t), later)


@spec(
    "splice",
    jaxlrs.splice,
    {"old": "schedule", "new": "schedule", "at": "count", "restart": "flag"},
    edges=lambda kw: [
        kw["at"],
        *child_edges(kw["old"]),
        *child_edges(kw["new"], kw["at"] if kw["restart"] else 0),
    ],
    want=_splice_want,
)
def _(d):
    return {"old": child(d), "new": child(d), "at": d(LEN), "restart": d(st.booleans())}


# -- clocks: tokens, examples, epochs, on_clock ----------------------------------------------


class BatchCount:
    """``seq_len * sum(batch(k) for k < t)`` in Python ints, from the documented batch rule
    (``batch_sizes[i]`` on ``[b[i-1], b[i])``; a pair ``[a, b]`` is ``a + floor((b - a) j /
    n)`` at the j-th of the piece's n updates), with ramps summed update by update."""

    def __init__(self, batch_sizes: Any, boundaries: Any, seq_len: int = 1) -> None:
        self.edges = [0, *boundaries]
        self.sizes, self.seq_len = list(batch_sizes), seq_len
        self.bases: list[int] = []
        self.prefix: list[list[int] | None] = []
        total = 0
        for i, size in enumerate(self.sizes):
            self.bases.append(total)
            if isinstance(size, (list, tuple)):
                a, b = size
                n = self.edges[i + 1] - self.edges[i]
                j = np.arange(n, dtype=np.int64)
                each = a + ((b - a) * j) // n  # int64: |b - a| j < 2**32 * 10**4
                run = [0, *np.cumsum(each).tolist()]
                self.prefix.append(run)
                total += run[-1]
            else:
                self.prefix.append(None)
                if i + 1 < len(self.sizes):
                    total += size * (self.edges[i + 1] - self.edges[i])

    def __call__(self, t: int) -> int:
        t = max(int(t), 0)
        i = int(np.searchsorted(self.edges, t, side="right")) - 1
        u = t - self.edges[i]
        run = self.prefix[i]
        return (self.bases[i] + (run[u] if run is not None else self.sizes[i] * u)) * self.seq_len

    def first(self, count: float) -> int:
        """The first update count ``t`` whose count is at least ``count`` (or 2**31)."""
        lo, hi = 0, I31 + 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self(mid) >= count:
                hi = mid
            else:
                lo = mid + 1
        return lo


def _clock_count(clock: jaxlrs.Schedule, t: np.ndarray) -> np.ndarray:
    """The float64 count of a clock before updates ``t`` (from its arguments)."""
    return _count(clock.name, clock.args, t)


def _count(name: str, a: dict[str, Any], t: np.ndarray) -> np.ndarray:
    """The float64 count of the clock ``name(**a)`` before updates ``t`` (Python ints)."""
    if name == "epochs":
        n = a["steps_per_epoch"]
        return np.array([max(int(x), 0) // n for x in np.ravel(t)], F64).reshape(np.shape(t))
    c = BatchCount(a["batch_sizes"], a["boundaries"], a.get("seq_len", 1))
    return np.array([float(c(int(x))) for x in np.ravel(t)], F64).reshape(np.shape(t))


def _batch_draw(d: Draw, seq_len: int = 1) -> dict[str, Any]:
    """A batch schedule: 1 to 4 pieces, constant sizes (small, any, the largest that
    ``seq_len`` allows) and short ramps up or down (never the last piece), pieces long or
    short, a first piece possibly empty, boundaries possibly beyond 2**31."""
    cap = (2**32 - 1) // seq_len
    size = st.one_of(st.integers(1, min(cap, 64)), st.integers(1, cap), st.just(cap))
    n = d(st.integers(1, 4))
    sizes: list[Any] = []
    bounds: list[int] = []
    at = 0
    for i in range(n):
        last = i == n - 1
        if not last and d(st.booleans()):
            sizes.append([d(size), d(size)])
            length = d(st.integers(1, 5000))
        else:
            sizes.append(d(size))
            length = d(st.one_of(st.integers(1, 1000), st.integers(1, I31)))
        if i == 0 and not last and d(st.integers(0, 9)) == 0:
            length = 0  # an empty first piece (boundaries[0] == 0)
        if not last:
            at += length
            bounds.append(at)
    return {"batch_sizes": sizes, "boundaries": bounds}


def _batch_invalid(kw: dict[str, Any]) -> list[tuple[str, Any, tuple[str, ...]]]:
    sizes, bounds = kw["batch_sizes"], kw["boundaries"]
    big = (2**32 - 1) // kw.get("seq_len", 1) + 1
    out: list[tuple[str, Any, tuple[str, ...]]] = [
        ("batch_sizes", bad, ("batch_sizes",))
        for bad in (
            [],
            None,
            "8",
            8,
            [0, *sizes[1:]],
            [-3, *sizes[1:]],
            [1.5, *sizes[1:]],
            [True, *sizes[1:]],
            ["8", *sizes[1:]],
            [None, *sizes[1:]],
            [math.nan, *sizes[1:]],
            [big, *sizes[1:]],
            [[1, 2, 3], *sizes[1:]],
            [[0, 4], *sizes[1:]],
            [*sizes[:-1], [4, 8]],  # the last piece cannot ramp
        )
    ]
    out += [("boundaries", [*bounds, (bounds or [0])[-1] + 1], ("boundaries",))]
    if bounds:
        out += [("boundaries", [*bounds[:-1], 2**63], ("boundaries",))]
    if len(bounds) >= 2:
        out += [("boundaries", [bounds[1], bounds[0], *bounds[2:]], ("boundaries",))]
    return out


def _clock_edges(kw: dict[str, Any]) -> list[float]:
    return list(kw["boundaries"])


_CLOCK_STATIC = frozenset({"batch_sizes", "boundaries", "seq_len"})


@spec(
    "tokens",
    jaxlrs.tokens,
    {"batch_sizes": "batch_sizes", "boundaries": "counts0", "seq_len": "count"},
    edges=_clock_edges,
    want=lambda kw, t: _count("tokens", kw, t),
    invalid=_batch_invalid,
    static=_CLOCK_STATIC,
)
def _(d):
    seq_len = d(st.one_of(st.sampled_from([1, 7, 2048]), st.integers(1, 2**20)))
    return {**_batch_draw(d, seq_len), "seq_len": seq_len}


@spec(
    "examples",
    jaxlrs.examples,
    {"batch_sizes": "batch_sizes", "boundaries": "counts0"},
    edges=_clock_edges,
    want=lambda kw, t: _count("examples", kw, t),
    invalid=_batch_invalid,
    static=_CLOCK_STATIC,
)
def _(d):
    return _batch_draw(d)


@spec(
    "epochs",
    jaxlrs.epochs,
    {"steps_per_epoch": "count"},
    edges=lambda kw: [kw["steps_per_epoch"] * k for k in (1, 2, 3)],
    want=lambda kw, t: np.floor(np.maximum(t, 0) / kw["steps_per_epoch"]),
    static=frozenset({"steps_per_epoch"}),
)
def _(d):
    return {"steps_per_epoch": d(st.one_of(LEN, st.sampled_from([2**31, 2**40])))}


def _on_clock_want(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
    return O.oracle(kw["schedule"], _clock_count(kw["clock"], t))


def _on_clock_tol(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
    """Counts above 2**31 - 1 (x64 off) reach the schedule as float32, within 2**-23
    relative of the exact count (the docstring): the schedule's spread over that range."""
    c = _clock_count(kw["clock"], t)
    lo, hi = (O.oracle(kw["schedule"], c * (1 + e)) for e in (-(2.0**-22), 2.0**-22))
    return np.where(c > I31, np.abs(hi - lo), 0.0)


def _on_clock_edges(kw: dict[str, Any]) -> list[float]:
    clock, inner = kw["clock"], child_edges(kw["schedule"])
    if clock.name == "epochs":
        n = clock.args["steps_per_epoch"]
        return [e * n for e in inner]
    a = clock.args
    count = BatchCount(a["batch_sizes"], a["boundaries"], a.get("seq_len", 1))
    return [*a["boundaries"], *(count.first(e) for e in inner)]


@spec(
    "on_clock",
    jaxlrs.on_clock,
    {"schedule": "schedule", "clock": "clock"},
    edges=_on_clock_edges,
    want=_on_clock_want,
    extra_tol=_on_clock_tol,
    invalid=lambda kw: [
        ("clock", bad, ("clock",))
        for bad in (1.0, None, "epochs(3)", kw["schedule"], jaxlrs.constant(1.0))
    ],
)
def _(d):
    kind = d(st.sampled_from(["tokens", "examples", "epochs"]))
    if kind == "epochs":
        clock = jaxlrs.epochs(d(st.one_of(st.integers(1, 1000), LEN)))
    elif kind == "examples":
        clock = jaxlrs.examples(**_batch_draw(d))
    else:
        seq_len = d(st.sampled_from([1, 512, 4096]))
        clock = jaxlrs.tokens(**_batch_draw(d, seq_len), seq_len=seq_len)
    return {"schedule": child(d), "clock": clock}


@spec(
    "stretch",
    jaxlrs.stretch,
    {"schedule": "schedule", "factor": "pos"},
    edges=lambda kw: [e * kw["factor"] for e in child_edges(kw["schedule"])],
)
def _(d):
    n = d(st.one_of(st.integers(1, 4), st.integers(5, 1000)))
    inner = d(st.sampled_from([jaxlrs.linear, lambda a, b, n: jaxlrs.cosine(a, n, end=b)]))(
        d(VAL), d(VAL), n
    )
    big, small, real = st.integers(2**16, 2**17), st.integers(1, 100), logu(1e-3, 1e5)
    mode = d(st.sampled_from(["int-int", "int", "float", "int-float"]))
    if mode == "int-int":  # two factors whose product passes 2**32
        return {"schedule": jaxlrs.stretch(inner, d(big)), "factor": d(big)}
    if mode == "int-float":
        return {"schedule": jaxlrs.stretch(inner, d(small | big)), "factor": d(real)}
    return {"schedule": inner, "factor": d(small | big) if mode == "int" else d(real)}


def _stretch_edges(kw):
    s, f = kw["schedule"], kw["factor"]
    if s.name == "stretch":
        f, s = f * s.args["factor"], s.args["schedule"]
    return [e * f for e in child_edges(s)]


def _stretch_tol(kw):
    # a float factor moves the child's integer boundaries off the integers: 1e-6 of the peak
    s, factors = kw["schedule"], [kw["factor"]]
    if s.name == "stretch":
        factors.append(s.args["factor"])
    return 0.0 if all(float(f).is_integer() for f in factors) else 1e-6


SPECS["stretch"].edges = _stretch_edges
SPECS["stretch"].float_phase = _stretch_tol


@spec(
    "scale",
    jaxlrs.scale,
    {"schedule": "schedule", "factor": "value"},
    edges=lambda kw: child_edges(kw["schedule"]),
)
def _(d):
    return {"schedule": child(d), "factor": d(VAL)}


@spec(
    "clip",
    jaxlrs.clip,
    {"schedule": "schedule", "low": "opt-value", "high": "opt-value"},
    edges=lambda kw: child_edges(kw["schedule"]),
)
def _(d):
    a, b = d(st.one_of(st.none(), VAL)), d(st.one_of(st.none(), VAL))
    if a is not None and b is not None and a > b:
        a, b = b, a
    return {"schedule": child(d), "low": a, "high": b}


def _variadic(build):
    def f(**kw):
        return build(*kw["schedules"])

    return f


for _name, _fn in (("minimum", jaxlrs.minimum), ("maximum", jaxlrs.maximum)):
    spec(
        _name,
        _variadic(_fn),
        {"schedules": "schedules"},
        edges=lambda kw: [
            e for s in kw["schedules"] if isinstance(s, jaxlrs.Schedule) for e in child_edges(s)
        ],
        want=(lambda f: lambda kw, t: O.oracle(f(*kw["schedules"]), t))(_fn),
    )(
        lambda d: {
            "schedules": [
                child(d),
                d(st.one_of(VAL, st.builds(lambda: None)).map(lambda x: x)) or child(d),
            ]
        }
    )


@spec("from_fn", jaxlrs.from_fn, {"fn": "callable"})
def _(d):
    return {"fn": FUNCTIONS[d(st.sampled_from(sorted(FUNCTIONS)))]}


def _operand_tol(kw, t):
    """``a + b`` and ``a - b`` hold each operand to the contract (2e-6 relative), so the
    result is within 2e-6 of ``|a| + |b|`` (a cancellation cannot do better)."""
    if kw["op"] not in "+-":
        return np.zeros(t.shape)
    size = [
        np.abs(O.oracle(x, t)) if isinstance(x, jaxlrs.Schedule) else abs(x)
        for x in (kw["left"], kw["right"])
    ]
    return 2e-6 * (size[0] + size[1])


@spec(
    "arithmetic",
    jaxlrs.arithmetic,
    {"op": "option", "left": "operand", "right": "operand"},
    extra_tol=_operand_tol,
    edges=lambda kw: [
        e
        for s in (kw["left"], kw["right"])
        if isinstance(s, jaxlrs.Schedule)
        for e in child_edges(s)
    ],
)
def _(d):
    op = d(st.sampled_from(["+", "-", "*", "/"]))
    left = child(d)
    # A divisor schedule stays away from 0 (0 / 0 has no value; see arithmetic's docstring).
    right = d(st.one_of(POS, st.builds(lambda: None))) or child(d, positive=op == "/")
    if d(st.booleans()) and op != "/":
        left, right = right, left
    return {"op": op, "left": left, "right": right}


def _noise_want(kw, t):
    return O.oracle(kw["schedule"], t)


@spec(
    "noise",
    jaxlrs.noise,
    {
        "schedule": "schedule",
        "key": "key",
        "pct": "frac_closed_open",
        "kind": "option",
        "start": "count0",
        "stop": "opt-count",
    },
    edges=lambda kw: [kw["start"]] + ([kw["stop"]] if kw["stop"] is not None else []),
    want=_noise_want,
    bounds_only=True,
)
def _(d):
    start = d(st.one_of(st.just(0), LEN))
    stop = d(st.one_of(st.none(), st.integers(start + 1, start + 2**31)))
    return {
        "schedule": jaxlrs.linear(d(VAL), d(VAL), d(LEN)),  # one child kind: noise compiles slowly
        "key": d(st.integers(0, 2**31 - 1)),
        "pct": d(st.one_of(st.just(0.67), floats(0.0, 0.999))),
        "kind": d(st.sampled_from(["normal", "uniform"])),
        "start": start,
        "stop": stop,
    }


# == compat.torch ===========================================================================


def _pt(name):
    return f"compat.torch.{name}"


spec(
    _pt("LambdaLR"),
    pt.LambdaLR,
    {"base_lr": "value", "lr_lambda": "callable"},
    want=lambda kw, t: kw["base_lr"] * kw["lr_lambda"](t),
)(lambda d: {"base_lr": d(POS), "lr_lambda": FUNCTIONS[d(st.sampled_from(sorted(FUNCTIONS)))]})
spec(
    _pt("StepLR"),
    pt.StepLR,
    {"base_lr": "value", "step_size": "count", "gamma": "pos"},
    edges=lambda kw: [kw["step_size"] * k for k in (1, 2, 3)],
    want=lambda kw, t: kw["base_lr"] * kw["gamma"] ** np.floor_divide(t, kw["step_size"]),
)(lambda d: {"base_lr": d(POS), "step_size": d(LEN), "gamma": d(RATE)})
spec(
    _pt("MultiStepLR"),
    pt.MultiStepLR,
    {"base_lr": "value", "milestones": "counts0_any", "gamma": "pos"},
    edges=lambda kw: list(kw["milestones"]),
    want=lambda kw, t: (
        kw["base_lr"]
        * kw["gamma"] ** np.searchsorted(np.sort(np.array(kw["milestones"], F64)), t, side="right")
    ),
)(
    lambda d: {
        "base_lr": d(POS),
        "milestones": d(
            st.lists(st.one_of(st.integers(0, 100), st.integers(0, 2**32)), max_size=5)
        ),
        "gamma": d(RATE),
    }
)
spec(
    _pt("ConstantLR"),
    pt.ConstantLR,
    {"base_lr": "value", "factor": "frac01", "total_iters": "count"},
    edges=lambda kw: [kw["total_iters"]],
    want=lambda kw, t: np.where(t < kw["total_iters"], kw["base_lr"] * kw["factor"], kw["base_lr"]),
)(
    lambda d: {
        "base_lr": d(POS),
        "factor": d(st.one_of(st.just(1.0), FRAC, logu(1e-9, 1e-3))),
        "total_iters": d(LEN),
    }
)


def _linear_lr_want(kw, t):
    done, left = progress(t, 0, kw["total_iters"])
    return kw["base_lr"] * (kw["start_factor"] * left + kw["end_factor"] * done)


spec(
    _pt("LinearLR"),
    pt.LinearLR,
    {"base_lr": "value", "start_factor": "frac01", "end_factor": "frac", "total_iters": "count"},
    edges=lambda kw: [kw["total_iters"]],
    want=_linear_lr_want,
)(
    lambda d: {
        "base_lr": d(POS),
        "start_factor": d(st.one_of(st.just(1.0), FRAC, logu(1e-9, 1e-3))),
        "end_factor": d(st.one_of(st.sampled_from([0.0, 1.0]), FRAC, logu(1e-9, 1e-3))),
        "total_iters": d(LEN),
    }
)
spec(
    _pt("ExponentialLR"),
    pt.ExponentialLR,
    {"base_lr": "value", "gamma": "pos"},
    want=lambda kw, t: kw["base_lr"] * kw["gamma"] ** t,
)(lambda d: {"base_lr": d(POS), "gamma": d(RATE)})
spec(
    _pt("PolynomialLR"),
    pt.PolynomialLR,
    {"base_lr": "value", "total_iters": "count", "power": "pos"},
    edges=lambda kw: [kw["total_iters"]],
    want=lambda kw, t: kw["base_lr"] * progress(t, 0, kw["total_iters"])[1] ** kw["power"],
)(
    lambda d: {
        "base_lr": d(POS),
        "total_iters": d(LEN),
        "power": d(st.one_of(st.sampled_from([1.0, 2.0, 0.5]), logu(0.01, 10))),
    }
)


def _cos_annealing_want(kw, t):
    big = kw["T_max"]
    u = np.mod(t.astype(np.int64), 2 * big).astype(F64)
    # (1 + cos(pi u / T)) / 2 = sin(pi/2 (T - u) / T)**2, T - u exact
    f = np.sin(0.5 * np.pi * (big - u) / big) ** 2
    rest = np.sin(0.5 * np.pi * u / big) ** 2  # 1 - f, without cancellation (0 at u = 0)
    return mix(kw["base_lr"], kw["eta_min"], f, rest)


spec(
    _pt("CosineAnnealingLR"),
    pt.CosineAnnealingLR,
    {"base_lr": "value", "T_max": "count", "eta_min": "value"},
    edges=lambda kw: [kw["T_max"] * k for k in (1, 2, 3)],
    want=_cos_annealing_want,
)(lambda d: {"base_lr": d(VAL), "T_max": d(LEN), "eta_min": d(VAL)})


def _sgdr_like(peak, end, period, mult, t, decay=1.0):
    i, u, length = cycles(t, period, mult)
    return cosine_cycles(peak, end, decay, i, u, length)


spec(
    _pt("CosineAnnealingWarmRestarts"),
    pt.CosineAnnealingWarmRestarts,
    {"base_lr": "value", "T_0": "count", "T_mult": "count_mult", "eta_min": "value"},
    edges=lambda kw: _cycle_edges(kw["T_0"], kw["T_mult"]),
    want=lambda kw, t: _sgdr_like(kw["base_lr"], kw["eta_min"], kw["T_0"], kw["T_mult"], t),
)(
    lambda d: {
        "base_lr": d(VAL),
        "T_0": d(LEN),
        "T_mult": d(st.one_of(st.just(1), st.integers(1, 5))),
        "eta_min": d(VAL),
    }
)


def _cyclic_s(kw, t):
    up = kw["step_size_up"]
    down = kw["step_size_down"] if kw["step_size_down"] is not None else up
    total = up + down
    ti = t.astype(np.int64)
    c = ti // total
    r = (ti - c * total).astype(F64)
    s = np.where(r <= up, r / up, (total - r) / down)
    scale = {"triangular": np.ones(t.shape), "triangular2": 0.5 ** c.astype(F64)}.get(kw["mode"])
    if scale is None:
        scale = kw["gamma"] ** t
    return s * scale


def _cyclic_edges(kw):
    up = kw["step_size_up"]
    total = up + (kw["step_size_down"] if kw["step_size_down"] is not None else up)
    return [k * total + x for k in (0, 1, 2) for x in (0, up)]


def _cyclic_draw(d):
    return {
        "base_lr": d(VAL),
        "max_lr": d(VAL),
        "step_size_up": d(LEN),
        "step_size_down": d(st.one_of(st.none(), LEN)),
        "mode": d(st.sampled_from(["triangular", "triangular2", "exp_range"])),
        "gamma": d(st.one_of(st.just(1.0), floats(0.9, 1.0), st.just(0.99999))),
    }


CYCLIC_KINDS = {
    "base_lr": "value",
    "max_lr": "value",
    "step_size_up": "count",
    "step_size_down": "opt-count",
    "mode": "option",
    "gamma": "pos",
}
spec(
    _pt("CyclicLR"),
    pt.CyclicLR,
    CYCLIC_KINDS,
    edges=_cyclic_edges,
    want=lambda kw, t: kw["base_lr"] + (kw["max_lr"] - kw["base_lr"]) * _cyclic_s(kw, t),
)(_cyclic_draw)


def _cyclic_momentum_draw(d):
    kw = _cyclic_draw(d)
    kw["base_momentum"], kw["max_momentum"] = d(UNIT), d(UNIT)
    return kw


spec(
    _pt("CyclicMomentum"),
    pt.CyclicMomentum,
    {**CYCLIC_KINDS, "base_momentum": "value", "max_momentum": "value"},
    edges=_cyclic_edges,
    want=lambda kw, t: (
        kw["max_momentum"] - (kw["max_momentum"] - kw["base_momentum"]) * _cyclic_s(kw, t)
    ),
)(_cyclic_momentum_draw)


def _onecycle_phases(kw) -> list[tuple[float, float, str]]:
    """PyTorch's phases: (end_step, start key, end key)."""
    total = kw["total_steps"]
    p = kw["pct_start"]
    if kw["three_phase"]:
        return [
            (float(p * total) - 1, "initial", "max"),
            (float(2 * p * total) - 2, "max", "initial"),
            (total - 1, "initial", "min"),
        ]
    return [(float(p * total) - 1, "initial", "max"), (total - 1, "max", "min")]


def _onecycle(kw, t, levels):
    """PyTorch's OneCycleLR.get_lr, vectorised; held from total_steps - 1 on (jaxlrs)."""
    strategy = kw["anneal_strategy"]
    out = np.full(t.shape, np.nan)
    done = np.zeros(t.shape, bool)
    start = 0.0
    phases = _onecycle_phases(kw)
    tt = np.minimum(t, kw["total_steps"] - 1)
    for k, (end, a, b) in enumerate(phases):
        sel = ~done & ((tt <= end) | (k == len(phases) - 1))
        span = end - start
        with np.errstate(all="ignore"):
            pct = (tt - start) / span if span != 0 else np.where(tt == start, 0.0, np.inf)
            lo, hi = levels[a], levels[b]
            if strategy == "cos":
                v = hi + (lo - hi) / 2 * (np.cos(np.pi * pct) + 1)
            else:
                v = (hi - lo) * pct + lo
        out = np.where(sel, v, out)
        done |= sel
        start = end
    return out


def _onecycle_levels(kw):
    initial = kw["max_lr"] / kw["div_factor"]
    return {"initial": initial, "max": kw["max_lr"], "min": initial / kw["final_div_factor"]}


def _onecycle_draw(d):
    three = d(st.booleans())
    total = d(st.one_of(st.integers(2, 10), LEN.filter(lambda n: n >= 2)))
    pct = st.one_of(st.sampled_from([0.3, 0.25, 0.5]), floats(0.0, 0.5 if three else 1.0))
    return {
        "max_lr": d(POS),
        "total_steps": total,
        # pct_start * total_steps == 1 is refused (a phase of 0 steps: PyTorch divides by 0)
        "pct_start": d(pct.filter(lambda p: p * total != 1)),
        "anneal_strategy": d(st.sampled_from(["cos", "linear"])),
        "div_factor": d(st.one_of(st.just(25.0), logu(1.0, 1e6))),
        "final_div_factor": d(st.one_of(st.just(1e4), logu(1.0, 1e6))),
        "three_phase": three,
    }


ONECYCLE_KINDS = {
    "max_lr": "value",
    "total_steps": "count",
    "pct_start": "frac",
    "anneal_strategy": "option",
    "div_factor": "pos",
    "final_div_factor": "pos",
    "three_phase": "flag",
}


def _onecycle_edges(kw):
    return [0] + [e for e, _, _ in _onecycle_phases(kw)] + [kw["total_steps"]]


spec(
    _pt("OneCycleLR"),
    pt.OneCycleLR,
    ONECYCLE_KINDS,
    edges=_onecycle_edges,
    want=lambda kw, t: _onecycle(kw, t, _onecycle_levels(kw)),
)(_onecycle_draw)


def _onecycle_momentum_want(kw, t):
    levels = {"initial": kw["max_momentum"], "max": kw["base_momentum"], "min": kw["max_momentum"]}
    return _onecycle(kw, t, levels)


def _onecycle_momentum_draw(d):
    kw = _onecycle_draw(d)
    kw["base_momentum"], kw["max_momentum"] = d(UNIT), d(UNIT)
    return kw


spec(
    _pt("OneCycleMomentum"),
    pt.OneCycleMomentum,
    {**ONECYCLE_KINDS, "base_momentum": "value", "max_momentum": "value"},
    edges=_onecycle_edges,
    want=_onecycle_momentum_want,
)(_onecycle_momentum_draw)


def _torch_child(
    d, base: float
) -> tuple[jaxlrs.Schedule, Callable[[np.ndarray], np.ndarray], list[float]]:
    """A chainable compat.torch schedule with its own oracle and edges."""
    kind = d(
        st.sampled_from(
            [
                "StepLR",
                "ConstantLR",
                "LinearLR",
                "ExponentialLR",
                "PolynomialLR",
                "CosineAnnealingLR",
            ]
        )
    )
    sp = SPECS[_pt(kind)]
    kw = sp.draw(d)
    kw["base_lr"] = base
    if kind == "CosineAnnealingLR":
        kw["eta_min"] = 0.0
    return sp.build(**kw), (lambda t: sp.want(kw, t)), sp.edges(kw)


def _sequential_draw(d):
    base = d(POS)
    b = _knots(d, 0)
    kids = [_torch_child(d, base) for _ in range(len(b) + 1)]
    return {"schedulers": [k[0] for k in kids], "milestones": b, "_kids": kids}


def _sequential_want(kw, t):
    edges = [0, *kw["milestones"]]
    piece = np.searchsorted(np.array(kw["milestones"], F64), t, side="right")
    out = np.zeros(t.shape)
    for i, (_, want, _) in enumerate(kw["_kids"]):
        out = np.where(piece == i, want(np.maximum(t - edges[i], 0)), out)
    return out


spec(
    _pt("SequentialLR"),
    pt.SequentialLR,
    {"schedulers": "schedules", "milestones": "counts0"},
    edges=lambda kw: (
        list(kw["milestones"])
        + [m + e for m, k in zip([0, *kw["milestones"]], kw["_kids"], strict=True) for e in k[2]]
    ),
    want=_sequential_want,
)(_sequential_draw)


def _chained_draw(d):
    base = d(POS)
    kids = [_torch_child(d, base) for _ in range(d(st.integers(1, 3)))]
    return {"schedulers": [k[0] for k in kids], "_kids": kids, "_base": base}


def _chained_want(kw, t):
    out = np.full(t.shape, kw["_base"])
    for _, want, _ in kw["_kids"]:
        out = out * (want(t) / kw["_base"])
    return out


HUGE32 = float(np.finfo(np.float32).max)


def _chained_tol(kw, t):
    """The documented bound where the direct float32 product leaves float32's range (a
    factor or a partial product above its largest): 2**-22 times the sum of the factors'
    absolute logarithms."""
    out = np.full(t.shape, kw["_base"])
    over = np.zeros(t.shape, bool)
    logs = np.zeros(t.shape)
    for _, want, _ in kw["_kids"]:
        f = want(t) / kw["_base"]
        out = out * f
        over |= (f > HUGE32) | (out > HUGE32)
        with np.errstate(divide="ignore"):
            logs += np.abs(np.log(f))
    return np.where(over, 2.0**-22 * logs * np.abs(out), 0.0)


spec(
    _pt("ChainedScheduler"),
    pt.ChainedScheduler,
    {"schedulers": "schedules"},
    edges=lambda kw: [e for k in kw["_kids"] for e in k[2]],
    want=_chained_want,
    extra_tol=_chained_tol,
)(_chained_draw)


# == compat.keras ===========================================================================


def _ks(name):
    return f"compat.keras.{name}"


spec(
    _ks("ExponentialDecay"),
    ks.ExponentialDecay,
    {
        "initial_learning_rate": "value",
        "decay_steps": "count",
        "decay_rate": "pos",
        "staircase": "flag",
    },
    want=lambda kw, t: (
        kw["initial_learning_rate"]
        * kw["decay_rate"]
        ** (np.floor_divide(t, kw["decay_steps"]) if kw["staircase"] else t / kw["decay_steps"])
    ),
)(
    lambda d: {
        "initial_learning_rate": d(POS),
        "decay_steps": d(st.one_of(st.just(1), SMALL_LEN, LEN)),
        "decay_rate": d(RATE),
        "staircase": d(st.booleans()),
    }
)
spec(
    _ks("InverseTimeDecay"),
    ks.InverseTimeDecay,
    {
        "initial_learning_rate": "value",
        "decay_steps": "count",
        "decay_rate": "nonneg",
        "staircase": "flag",
    },
    want=lambda kw, t: (
        kw["initial_learning_rate"]
        / (
            1
            + kw["decay_rate"]
            * (np.floor_divide(t, kw["decay_steps"]) if kw["staircase"] else t / kw["decay_steps"])
        )
    ),
)(
    lambda d: {
        "initial_learning_rate": d(VAL),
        "decay_steps": d(LEN),
        "decay_rate": d(st.one_of(st.just(0.0), logu(1e-9, 1e3))),
        "staircase": d(st.booleans()),
    }
)
spec(
    _ks("PiecewiseConstantDecay"),
    ks.PiecewiseConstantDecay,
    {"boundaries": "counts0", "values": "values"},
    edges=lambda kw: list(kw["boundaries"]),
    want=lambda kw, t: np.array(kw["values"], F64)[
        np.searchsorted(np.array(kw["boundaries"], F64), t, side="left")
    ],
)(
    lambda d: (lambda b: {"boundaries": b, "values": [d(VAL) for _ in range(len(b) + 1)]})(
        _knots(d, 1)
    )
)


def _kpoly_want(kw, t):
    big = kw["decay_steps"]
    init, end, p = kw["initial_learning_rate"], kw["end_learning_rate"], kw["power"]
    if kw["cycle"]:
        mult = np.maximum(1, np.ceil(t / big))
        horizon = big * mult
        left = (horizon - t) / horizon
    else:
        left = progress(t, 0, big)[1]
    return (init - end) * left**p + end


spec(
    _ks("PolynomialDecay"),
    ks.PolynomialDecay,
    {
        "initial_learning_rate": "value",
        "decay_steps": "count",
        "end_learning_rate": "value",
        "power": "pos",
        "cycle": "flag",
    },
    edges=lambda kw: [kw["decay_steps"] * k for k in (1, 2, 3)],
    want=_kpoly_want,
)(
    lambda d: {
        "initial_learning_rate": d(VAL),
        "decay_steps": d(LEN),
        "end_learning_rate": d(VAL),
        "power": d(st.one_of(st.sampled_from([1.0, 2.0, 0.5]), logu(0.01, 10))),
        "cycle": d(st.booleans()),
    }
)


def _kcos_want(kw, t):
    init, big, alpha = kw["initial_learning_rate"], kw["decay_steps"], kw["alpha"]
    target, w = kw["warmup_target"], kw["warmup_steps"]

    def decay(frm, u):
        left = progress(u, 0, big)[1]
        return frm * ((1 - alpha) * hcos(left) + alpha)

    if target is None:
        return decay(init, t)
    tt = np.minimum(t, big + w)
    return np.where(tt < w, (target - init) * tt / max(w, 1) + init, decay(target, tt - w))


spec(
    _ks("CosineDecay"),
    ks.CosineDecay,
    {
        "initial_learning_rate": "value",
        "decay_steps": "count",
        "alpha": "value",
        "warmup_target": "opt-value",
        "warmup_steps": "count0",
    },
    edges=lambda kw: [
        kw["decay_steps"],
        kw["warmup_steps"],
        kw["warmup_steps"] + kw["decay_steps"],
    ],
    want=_kcos_want,
)(
    lambda d: {
        "initial_learning_rate": d(VAL),
        "decay_steps": d(LEN),
        "alpha": d(st.one_of(st.just(0.0), FRAC)),
        "warmup_target": d(st.one_of(st.none(), VAL)),
        "warmup_steps": d(st.one_of(st.just(0), LEN)),
    }
)


def _krestarts_want(kw, t):
    init, alpha = kw["initial_learning_rate"], kw["alpha"]
    i, u, length = cycles(t, kw["first_decay_steps"], kw["t_mul"])
    h = np.sin(0.5 * np.pi * (length - u) / length) ** 2
    return init * ((1 - alpha) * kw["m_mul"] ** i * h + alpha)


spec(
    _ks("CosineDecayRestarts"),
    ks.CosineDecayRestarts,
    {
        "initial_learning_rate": "value",
        "first_decay_steps": "count",
        "t_mul": "mult",
        "m_mul": "pos",
        "alpha": "value",
    },
    edges=lambda kw: _cycle_edges(kw["first_decay_steps"], kw["t_mul"]),
    want=_krestarts_want,
    float_phase=_float_mult_tol("t_mul"),
    ambiguous=lambda kw, t: near_start(t, kw["first_decay_steps"], kw["t_mul"]),
)(
    lambda d: {
        "initial_learning_rate": d(VAL),
        "first_decay_steps": d(LEN),
        "t_mul": d(MULT),
        "m_mul": d(st.one_of(st.just(1.0), floats(0.1, 1.0))),
        "alpha": d(st.one_of(st.just(0.0), FRAC)),
    }
)


# == compat.mxnet ===========================================================================
# Transcribed from the compat.mxnet docstrings (MXNet 1.9.1's rules, num_update = t + 1);
# tests/test_compat_mxnet.py checks the same closed forms against MXNet's stateful classes.


def _mx(name):
    return f"compat.mxnet.{name}"


MX_WARM = {"base_lr": "value", "warmup_steps": "count0", "warmup_begin_lr": "value"}
MX_WARM_KINDS = {**MX_WARM, "warmup_mode": "option"}


def _mx_warm_draw(d, base, limit=I31):
    w = d(st.one_of(st.just(0), st.just(1), st.integers(2, 1000), st.integers(1000, limit)))
    return {
        "base_lr": base,
        "warmup_steps": w,
        "warmup_begin_lr": product(base * d(UNIT)),
        "warmup_mode": d(st.sampled_from(["linear", "constant"])),
    }


def _mx_sign_tol(kw, t):
    """The contract page: a schedule whose values change sign is within 1e-6 of its largest value
    (near a zero crossing no float32 formula is relative-accurate): here a negative
    ``warmup_begin_lr`` (or ``final_lr``) below a positive ``base_lr``."""
    vals = [kw[k] for k in ("base_lr", "warmup_begin_lr", "final_lr", "stop_factor_lr") if k in kw]
    if min(vals) < 0 < max(vals):
        return np.full(t.shape, 1e-6 * max(abs(v) for v in vals))
    return np.zeros(t.shape)


def _mx_warm(kw, t, body):
    """MXNet's warmup for num_update = t + 1 < warmup_steps, else ``body``."""
    n, w, b = t + 1, kw["warmup_steps"], kw["warmup_begin_lr"]
    if kw["warmup_mode"] == "constant":
        ramp = np.full(t.shape, b)
    else:
        ramp = b + (kw["base_lr"] - b) * n / max(w, 1)
    return np.where(n < w, ramp, body)


def _mx_factor_want(kw, t):
    q = np.floor_divide(t, kw["step"])
    decayed = np.maximum(kw["base_lr"] * kw["factor"] ** q, kw["stop_factor_lr"])
    return _mx_warm(kw, t, np.where(q == 0, kw["base_lr"], decayed))


@spec(
    _mx("FactorScheduler"),
    mxs.FactorScheduler,
    {"step": "count", "factor": "frac01", "stop_factor_lr": "nonneg", **MX_WARM_KINDS},
    edges=lambda kw: [kw["warmup_steps"] - 1] + [kw["step"] * k for k in (1, 2, 3)],
    extra_tol=_mx_sign_tol,
    want=_mx_factor_want,
)
def _(d):
    base = d(POS)
    return {
        "step": d(st.one_of(st.just(1), SMALL_LEN, LEN)),
        "factor": d(st.one_of(st.sampled_from([1.0, 0.5, 0.1, 0.999]), floats(0.01, 1.0))),
        "stop_factor_lr": product(base * d(st.sampled_from([0.0, 1e-3, 0.3, 1.0, 2.0]))),
        **_mx_warm_draw(d, base),
    }


def _mx_multi_want(kw, t):
    k = np.searchsorted(np.array(kw["step"], F64), t, side="right")
    return _mx_warm(kw, t, kw["base_lr"] * kw["factor"] ** k)


@spec(
    _mx("MultiFactorScheduler"),
    mxs.MultiFactorScheduler,
    {"step": "counts0", "factor": "frac01", **MX_WARM_KINDS},
    edges=lambda kw: [kw["warmup_steps"] - 1, *kw["step"]],
    extra_tol=_mx_sign_tol,
    want=_mx_multi_want,
)
def _(d):
    steps = d(
        st.lists(
            st.one_of(
                st.integers(1, 50),
                st.integers(1, 2**31 + 100),
                st.sampled_from([2**24, 2**31 - 2, 2**31 - 1, 2**31]),
            ),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    return {
        "step": sorted(steps),
        "factor": d(st.one_of(st.sampled_from([1.0, 0.5, 0.1]), floats(0.01, 1.0))),
        **_mx_warm_draw(d, d(POS)),
    }


def _mx_decay_draw(d):
    kw = _mx_warm_draw(d, d(POS), limit=I31 - 1)
    w = kw["warmup_steps"]
    kw["max_update"] = w + min(d(LEN), I31 - w)
    kw["final_lr"] = product(kw["base_lr"] * d(st.sampled_from([0.0, 0.01, 0.5, 1.0, 3.0])))
    return kw


def _mx_left(kw, t):
    """(done, left) of the decay: u = t + 1 - warmup_steps over D = max_update - W."""
    total = kw["max_update"] - kw["warmup_steps"]
    u = np.clip(t + 1 - kw["warmup_steps"], 0, total)
    return u / total, (total - u) / total


def _mx_poly_want(kw, t):
    done, left = _mx_left(kw, t)
    p = kw["pwr"]
    w = left**p
    with np.errstate(divide="ignore"):
        cw = np.where(done < 0.5, -np.expm1(p * np.log1p(-done)), 1 - w)
    return _mx_warm(kw, t, kw["base_lr"] * w + kw["final_lr"] * cw)


def _mx_cosine_want(kw, t):
    done, left = _mx_left(kw, t)
    return _mx_warm(kw, t, kw["base_lr"] * hcos(left) + kw["final_lr"] * hcos(done))


def _mx_decay_edges(kw):
    w, m = kw["warmup_steps"], kw["max_update"]
    return [w - 1, m - 1, (w + m) // 2]


spec(
    _mx("PolyScheduler"),
    mxs.PolyScheduler,
    {"max_update": "count", "pwr": "pos", "final_lr": "value", **MX_WARM_KINDS},
    edges=_mx_decay_edges,
    extra_tol=_mx_sign_tol,
    want=_mx_poly_want,
)(lambda d: {**_mx_decay_draw(d), "pwr": d(st.sampled_from([1.0, 2.0, 0.5, 3.7, 1e-3, 40.0]))})
spec(
    _mx("CosineScheduler"),
    mxs.CosineScheduler,
    {"max_update": "count", "final_lr": "value", **MX_WARM_KINDS},
    edges=_mx_decay_edges,
    extra_tol=_mx_sign_tol,
    want=_mx_cosine_want,
)(_mx_decay_draw)


# == compat.transformers ====================================================================


def _hf(name):
    return f"compat.transformers.{name}"


W_T = {"peak": "value", "num_warmup_steps": "count0", "num_training_steps": "count"}


def _wt_draw(d, **extra):
    total = d(st.one_of(st.integers(1, 10), LEN))
    w = d(st.one_of(st.just(0), st.just(total - 1), st.integers(0, total - 1)))
    kw = {"peak": d(POS), "num_warmup_steps": w, "num_training_steps": total}
    kw.update({k: d(v) for k, v in extra.items()})
    return kw


def _wt_edges(kw):
    return [kw["num_warmup_steps"], kw["num_training_steps"]] + [
        kw["num_training_steps"] + k * (kw["num_training_steps"] - kw["num_warmup_steps"])
        for k in (1, 2)
    ]


spec(
    _hf("get_constant_schedule"),
    hf.get_constant_schedule,
    {"peak": "value"},
    want=lambda kw, t: np.full(t.shape, kw["peak"]),
)(lambda d: {"peak": d(VAL)})
spec(
    _hf("get_constant_schedule_with_warmup"),
    hf.get_constant_schedule_with_warmup,
    {"peak": "value", "num_warmup_steps": "count0"},
    edges=lambda kw: [kw["num_warmup_steps"]],
    want=lambda kw, t: kw["peak"] * warm(t, kw["num_warmup_steps"], np.ones(t.shape)),
)(lambda d: {"peak": d(POS), "num_warmup_steps": d(st.one_of(st.just(0), LEN))})
spec(
    _hf("get_linear_schedule_with_warmup"),
    hf.get_linear_schedule_with_warmup,
    W_T,
    edges=_wt_edges,
    want=lambda kw, t: (
        kw["peak"]
        * warm(
            t,
            kw["num_warmup_steps"],
            np.maximum(
                0,
                (kw["num_training_steps"] - t)
                / max(1, kw["num_training_steps"] - kw["num_warmup_steps"]),
            ),
        )
    ),
)(_wt_draw)


def cos_wave(nc, u, big):
    """(1 + cos(2 pi nc u / big)) / 2 for integers u >= 0, with the phase frac(nc u / big)
    reduced exactly in rational arithmetic from the float64 value of ``nc``: a float64
    ``cos(pi * nc * 2 * p)`` of a phase near 1e10 radians is itself off by 1e-5."""
    num, den = float(nc).as_integer_ratio()
    out = []
    for k in np.asarray(u, np.int64).ravel().tolist():
        x = fractions.Fraction(num * k % (den * big), den * big)  # frac(nc k / big)
        near = min(x, 1 - x)  # cos(2 pi x) = cos(2 pi near), near in [0, 1/2]
        out.append(
            np.cos(np.pi * float(near)) ** 2
            if near < 0.25
            else np.sin(np.pi * float(fractions.Fraction(1, 2) - near)) ** 2
        )
    return np.asarray(out, F64).reshape(np.shape(u))


def df_phase_tol(nc, length):
    """The documented bound (of the peak) for a Hugging Face cosine whose ``2 num_cycles``
    is not whole: the phase ``num_cycles * u / length`` is computed in double-float
    arithmetic from 48 bits of ``num_cycles``, so at ``u < 2**31`` it is off by at most
    ``num_cycles * 2**31 / length * 2**-46`` of a period, and the value by pi times that."""
    return 1e-7 + np.pi * nc * 2.0**31 / max(1, length) * 2.0**-46


def _hf_cos_factor(kw, t, cycles_key="num_cycles"):
    """(1 + cos(2 pi nc p)) / 2 with the phase reduced exactly."""
    w, total, nc = kw["num_warmup_steps"], kw["num_training_steps"], kw[cycles_key]
    return cos_wave(nc, np.maximum(t - w, 0), max(1, total - w))


spec(
    _hf("get_cosine_schedule_with_warmup"),
    hf.get_cosine_schedule_with_warmup,
    {**W_T, "num_cycles": "pos"},
    edges=_wt_edges,
    want=lambda kw, t: (
        kw["peak"] * warm(t, kw["num_warmup_steps"], np.maximum(0, _hf_cos_factor(kw, t)))
    ),
    float_phase=lambda kw: (
        0.0
        if float(2 * kw["num_cycles"]).is_integer()
        else df_phase_tol(kw["num_cycles"], kw["num_training_steps"] - kw["num_warmup_steps"])
    ),
)(
    lambda d: _wt_draw(
        d, num_cycles=st.one_of(st.sampled_from([0.5, 1.0, 1.5, 3.0, 0.25]), floats(0.1, 5.0))
    )
)


def _hard_restarts_want(kw, t):
    w, total, nc = kw["num_warmup_steps"], kw["num_training_steps"], kw["num_cycles"]
    big = max(1, total - w)
    u = np.maximum(t - w, 0).astype(np.int64)
    if float(nc).is_integer() and nc < 2**32:
        m = np.mod(int(nc) * u, big).astype(F64)  # (nc p) mod 1 = m / big, exact
    else:  # a float num_cycles (documented: positive), in float64
        m = np.mod(nc * (u / big), 1.0) * big
    f = np.sin(0.5 * np.pi * (big - m) / big) ** 2
    f = np.where(u >= big, 0.0, f)
    return kw["peak"] * warm(t, w, f)


spec(
    _hf("get_cosine_with_hard_restarts_schedule_with_warmup"),
    hf.get_cosine_with_hard_restarts_schedule_with_warmup,
    {**W_T, "num_cycles": "pos"},
    edges=lambda kw: (
        _wt_edges(kw)
        + [
            kw["num_warmup_steps"]
            + (kw["num_training_steps"] - kw["num_warmup_steps"]) * j / kw["num_cycles"]
            for j in (1, 2, kw["num_cycles"] - 1)
        ]
    ),
    want=_hard_restarts_want,
    float_phase=lambda kw: 0.0 if float(kw["num_cycles"]).is_integer() else 1e-7,
)(lambda d: _wt_draw(d, num_cycles=st.one_of(st.sampled_from([1, 2, 100]), st.integers(1, 1000))))


def _min_lr_want(kw, t):
    r = kw["min_lr_rate"] if kw["min_lr_rate"] is not None else kw["min_lr"] / kw["peak"]
    f = np.maximum(0, _hf_cos_factor(kw, t) * (1 - r) + r)
    return kw["peak"] * warm(t, kw["num_warmup_steps"], f)


def _min_lr_draw(d):
    kw = _wt_draw(d, num_cycles=st.one_of(st.sampled_from([0.5, 1.0]), floats(0.1, 3.0)))
    if d(st.booleans()):
        kw["min_lr"], kw["min_lr_rate"] = product(d(UNIT) * kw["peak"]), None
    else:
        kw["min_lr"], kw["min_lr_rate"] = None, d(st.one_of(st.just(0.0), FRAC))
    return kw


spec(
    _hf("get_cosine_with_min_lr_schedule_with_warmup"),
    hf.get_cosine_with_min_lr_schedule_with_warmup,
    {**W_T, "num_cycles": "pos", "min_lr": "opt-value", "min_lr_rate": "opt-value"},
    edges=_wt_edges,
    want=_min_lr_want,
    float_phase=lambda kw: (
        0.0
        if float(2 * kw["num_cycles"]).is_integer()
        else df_phase_tol(kw["num_cycles"], kw["num_training_steps"] - kw["num_warmup_steps"])
    ),
)(_min_lr_draw)


def _hf_invsqrt_want(kw, t):
    w = kw["num_warmup_steps"]
    ts = kw["timescale"] if kw["timescale"] is not None else (w or 10_000)
    return kw["peak"] * warm(t, w, 1 / np.sqrt((np.maximum(t, w) + ts - w) / ts))


spec(
    _hf("get_inverse_sqrt_schedule"),
    hf.get_inverse_sqrt_schedule,
    {"peak": "value", "num_warmup_steps": "count0", "timescale": "opt-count"},
    edges=lambda kw: [kw["num_warmup_steps"]],
    want=_hf_invsqrt_want,
)(
    lambda d: {
        "peak": d(POS),
        "num_warmup_steps": d(st.one_of(st.just(0), LEN)),
        "timescale": d(st.one_of(st.none(), LEN)),
    }
)


def _hf_poly_want(kw, t):
    w, total, peak, end, p = (
        kw[k] for k in ("num_warmup_steps", "num_training_steps", "peak", "lr_end", "power")
    )
    left = progress(t, w, total - w)[1]
    dec = (peak - end) * left**p + end
    return warm(t, w, np.where(t > total, end, dec), 0.0, peak)


spec(
    _hf("get_polynomial_decay_schedule_with_warmup"),
    hf.get_polynomial_decay_schedule_with_warmup,
    {**W_T, "lr_end": "value", "power": "pos"},
    edges=_wt_edges,
    want=_hf_poly_want,
)(
    lambda d: (
        lambda kw: {
            **kw,
            "lr_end": product(
                kw["peak"] * d(st.one_of(st.just(0.0), floats(0.0, 0.999), logu(1e-9, 1e-3)))
            ),
        }
    )(_wt_draw(d, power=st.one_of(st.sampled_from([1.0, 2.0, 0.5]), logu(0.01, 10))))
)


def _hf_wsd_want(kw, t):
    w, dn, r = kw["num_warmup_steps"], kw["num_decay_steps"], kw["min_lr_ratio"]
    s = (
        kw["num_stable_steps"]
        if kw["num_stable_steps"] is not None
        else kw["num_training_steps"] - w - dn
    )
    wd, wl = progress(t, 0, max(1, w))
    f_w = {
        "linear": lambda: wd,
        "cosine": lambda: hcos(wd),
        "1-sqrt": lambda: wd / (1 + np.sqrt(wl)),
    }[kw["warmup_type"]]()
    dd, dl = progress(t, w + s, max(1, dn))
    nc = kw["num_cycles"]
    f_d = {
        "linear": lambda: dl,
        "cosine": lambda: cos_wave(nc, np.clip(t - w - s, 0, max(1, dn)), max(1, dn)),
        "1-sqrt": lambda: 1 - np.sqrt(dd),
    }[kw["decay_type"]]()
    if kw["decay_type"] == "cosine" and nc == 0.5:
        f_d = hcos(dl)
    if kw["decay_type"] == "1-sqrt":
        f_d = dl / (1 + np.sqrt(dd))
    lam = np.where(
        t < w,
        np.maximum(0, f_w * (1 - r) + r),
        np.where(t < w + s, 1.0, np.where(t < w + s + dn, np.maximum(0, f_d * (1 - r) + r), r)),
    )
    return kw["peak"] * lam


def _hf_wsd_draw(d):
    w = d(st.one_of(st.just(0), LEN))
    dn = d(st.one_of(st.just(0), st.just(1), LEN))
    s = d(st.one_of(st.just(0), LEN))
    given = d(st.sampled_from(["training", "stable", "both"]))
    if given != "stable":  # a total within 2**31 - 1 (docs/guides/contract.md: compat counts)
        dn = min(dn, I31 - w)
        s = min(s, I31 - w - dn)
        if w + s + dn == 0:
            s = 1
    return {
        "peak": d(POS),
        "num_warmup_steps": w,
        "num_decay_steps": dn,
        "num_training_steps": w + s + dn if given != "stable" else None,
        "num_stable_steps": s if given != "training" else None,
        "warmup_type": d(st.sampled_from(["linear", "cosine", "1-sqrt"])),
        "decay_type": d(st.sampled_from(["linear", "cosine", "1-sqrt"])),
        "min_lr_ratio": d(st.one_of(st.just(0), st.just(0.0), FRAC)),
        "num_cycles": d(st.one_of(st.just(0.5), floats(0.1, 2.0))),
    }


def _hf_wsd_edges(kw):
    w, dn = kw["num_warmup_steps"], kw["num_decay_steps"]
    s = (
        kw["num_stable_steps"]
        if kw["num_stable_steps"] is not None
        else kw["num_training_steps"] - w - dn
    )
    return [w, w + s, w + s + dn]


spec(
    _hf("get_wsd_schedule"),
    hf.get_wsd_schedule,
    {
        "peak": "value",
        "num_warmup_steps": "count0",
        "num_decay_steps": "count0",
        "num_training_steps": "opt-count",
        "num_stable_steps": "opt-count0",
        "warmup_type": "option",
        "decay_type": "option",
        "min_lr_ratio": "value",
        "num_cycles": "pos",
    },
    edges=_hf_wsd_edges,
    want=_hf_wsd_want,
    float_phase=lambda kw: (
        0.0
        if float(2 * kw["num_cycles"]).is_integer() or kw["decay_type"] != "cosine"
        else df_phase_tol(kw["num_cycles"], kw["num_decay_steps"])
    ),
)(_hf_wsd_draw)


# -- out-of-domain combinations (for the rejection test) --------------------------------------


def _value_at(sch: jaxlrs.Schedule, step: float) -> float:
    return float(O.oracle(sch, np.array([float(step)]))[0])


def _one_cycle_invalid(kw, top="peak"):
    out = divided(top, "div_factor")(kw) + divided(top, "final_div_factor", "div_factor")(kw)
    if kw.get("shape") == "exponential":
        out += [(top, 0.0, (top,))]
    return out


def _ramp_invalid(param: str, other: Callable[[dict[str, Any]], float]):
    def invalid(kw):
        if kw["shape"] != "exponential":
            return []
        v = breaker(other(kw))
        return [(param, 0.0, (param,))] + ([(param, v, (param,))] if v is not None else [])

    return invalid


def _kcos_invalid(kw):
    target = kw["warmup_target"] if kw["warmup_target"] is not None else kw["initial_learning_rate"]
    v = 4 * LARGEST / target if target > 0 else math.inf
    return [("alpha", x, ("alpha",)) for x in (v, -v) if representable(x)]


def _min_lr_invalid(kw):
    v = kw["peak"] * LARGEST * 4
    return [("min_lr", v, ("min_lr",))] if kw["min_lr"] is not None and representable(v) else []


for _name in ("lr_range",):
    SPECS[_name].invalid = exp_ends("low", "high")
for _name in (
    "warmup_constant",
    "warmup_linear",
    "warmup_polynomial",
    "warmup_exponential",
    "warmup_inverse_sqrt",
    "warmup_cosine",
):
    SPECS[_name].invalid = exp_ends("init", "peak")
SPECS["wsd"].invalid = exp_ends("peak", "end")
SPECS["one_cycle"].invalid = _one_cycle_invalid
for _name in ("OneCycleLR", "OneCycleMomentum"):
    SPECS[_pt(_name)].invalid = lambda kw: _one_cycle_invalid(kw, "max_lr")
SPECS["warmup"].invalid = _ramp_invalid("init", lambda kw: _value_at(kw["schedule"], 0))
SPECS["cooldown"].invalid = _ramp_invalid("end", lambda kw: _value_at(kw["schedule"], kw["start"]))
SPECS[_ks("CosineDecay")].invalid = _kcos_invalid
SPECS[_hf("get_cosine_with_min_lr_schedule_with_warmup")].invalid = _min_lr_invalid


# -- public keyword arguments (the "_" keys are the oracle's notes, not the constructor's) --


def public(kw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if not k.startswith("_")}


import _adversarial_optax  # noqa: E402,F401
import _adversarial_peers  # noqa: E402,F401
import _adversarial_timm_wsd  # noqa: E402,F401
