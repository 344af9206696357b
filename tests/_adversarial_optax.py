"""Adversarial specs for ``jaxlrs.compat.optax`` (registered into ``_adversarial.SPECS``).

The oracles transcribe Optax 0.2.8's formulas (``optax/schedules/_schedule.py``) in float64
NumPy, with the conventions the ``jaxlrs.compat.optax`` docstrings state where jaxlrs
decides (a zero ``transition_steps`` or ``decay_rate`` holds ``init_value``;
``end_value`` of ``exponential_decay`` clips from step 0; the exact formula where Optax's
float32 drifts). Nothing here calls jaxlrs to compute a value: a nested schedule's value
comes from its own spec's oracle (``_children``) or from ``_oracles.oracle``.

Parameters in a spec's ``static`` set (lists and dicts that place boundaries, and the
one-cycle ``transition_steps`` / ``pct_*``, which Optax and jaxlrs need concrete) are not
differentiated by the gradient test.
"""

from __future__ import annotations

import math
from typing import Any

import _adversarial as A
import _oracles as O
import numpy as np
from hypothesis import strategies as st

from jaxlrs.compat import optax as jo

F64 = np.float64
I31 = A.I31
LARGEST = A.LARGEST
NAN, INF = math.nan, math.inf


def _jo(name: str) -> str:
    return f"compat.optax.{name}"


# Counts that may be 0 (Optax's "constant" convention) or long.
COUNT0 = st.one_of(st.just(0), st.integers(1, 4), A.SMALL_LEN, A.LEN)
BEGIN = st.one_of(st.just(0), A.SMALL_LEN, A.LEN)


def mix(a: Any, b: Any, g: Any, rest: Any) -> Any:
    """``a g + b (1 - g)`` with ``rest = 1 - g`` computed apart."""
    return a * g + b * rest


def _ramp(t: np.ndarray, begin: float, steps: float) -> tuple[np.ndarray, np.ndarray]:
    """(done, left) of a transition of ``steps`` steps from ``begin``; remainder exact."""
    return A.progress(t, begin, steps)


# -- constant / linear / polynomial ---------------------------------------------------------


A.spec(
    _jo("constant_schedule"),
    jo.constant_schedule,
    {"value": "value"},
    want=lambda kw, t: np.full(t.shape, kw["value"], F64),
)(lambda d: {"value": d(A.VAL)})


def _linear_want(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
    i, e, n, b = kw["init_value"], kw["end_value"], kw["transition_steps"], kw["transition_begin"]
    if n == 0:
        return np.full(t.shape, i, F64)
    done, left = _ramp(t, b, n)
    return i * left + e * done


A.spec(
    _jo("linear_schedule"),
    jo.linear_schedule,
    {
        "init_value": "value",
        "end_value": "value",
        "transition_steps": "count0",
        "transition_begin": "count0",
    },
    edges=lambda kw: [kw["transition_begin"], kw["transition_begin"] + kw["transition_steps"]],
    want=_linear_want,
)(
    lambda d: {
        "init_value": d(A.VAL),
        "end_value": d(A.VAL),
        "transition_steps": d(COUNT0),
        "transition_begin": d(BEGIN),
    }
)


def _polynomial_want(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
    i, e, p = kw["init_value"], kw["end_value"], kw["power"]
    n, b = kw["transition_steps"], kw["transition_begin"]
    if n == 0:
        return np.full(t.shape, i, F64)
    done, left = _ramp(t, b, n)
    with np.errstate(divide="ignore"):
        rest = -np.expm1(p * np.log1p(-done))  # 1 - left**p
    return mix(i, e, left**p, rest)


A.spec(
    _jo("polynomial_schedule"),
    jo.polynomial_schedule,
    {
        "init_value": "value",
        "end_value": "value",
        "power": "pos",
        "transition_steps": "count0",
        "transition_begin": "count0",
    },
    edges=lambda kw: [kw["transition_begin"], kw["transition_begin"] + kw["transition_steps"]],
    want=_polynomial_want,
)(
    lambda d: {
        "init_value": d(A.VAL),
        "end_value": d(A.VAL),
        "power": d(st.one_of(st.sampled_from([1.0, 2.0, 0.5]), A.logu(0.01, 10.0))),
        "transition_steps": d(COUNT0),
        "transition_begin": d(BEGIN),
    }
)


# -- cosine ---------------------------------------------------------------------------------


def cosine_factor(t: np.ndarray, start: float, length: float, exponent: float):
    """(g, 1 - g) with ``g = ((1 + cos(pi u / L)) / 2) ** exponent`` at
    ``u = clip(t - start, 0, L)``, both from ``log((1 + cos) / 2)`` formed where it is
    accurate: ``log(sin(pi left / 2)**2)``, or ``log1p(-sin(pi done / 2)**2)`` near the
    start (``1 - 1e-16`` is 1 in float64, but ``(1 - 1e-16)**1e38`` is 0)."""
    done, left = _ramp(t, start, length)
    h, c = A.hcos(done), A.hcos(left)  # 1 - (1 + cos) / 2 and (1 + cos) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        log_c = np.where(h < 0.5, np.log1p(-np.minimum(h, 0.5)), np.log(c))
        return np.exp(exponent * log_c), -np.expm1(exponent * log_c)


def _cosine_want(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
    i, n, alpha, p = kw["init_value"], kw["decay_steps"], kw["alpha"], kw["exponent"]
    g, rest = cosine_factor(t, 0, n, p)
    return mix(i, i * alpha, g, rest)


A.spec(
    _jo("cosine_decay_schedule"),
    jo.cosine_decay_schedule,
    {"init_value": "value", "decay_steps": "count", "alpha": "value", "exponent": "pos"},
    edges=lambda kw: [kw["decay_steps"]],
    want=_cosine_want,
    invalid=lambda kw: (
        [("alpha", 4 * LARGEST / kw["init_value"], ("alpha",))]
        if kw["init_value"] > 0 and A.representable(4 * LARGEST / kw["init_value"])
        else []
    ),
)(
    lambda d: {
        "init_value": d(A.VAL),
        "decay_steps": d(A.LEN),
        "alpha": d(st.one_of(st.just(0.0), A.UNIT, A.floats(1.0, 10.0))),
        "exponent": d(st.one_of(st.just(1.0), A.logu(0.1, 4.0))),
    }
)


# -- exponential ----------------------------------------------------------------------------


def exponential_want(
    init: float,
    steps: int,
    rate: float,
    begin: int,
    staircase: bool,
    end: float | None,
    t: np.ndarray,
) -> np.ndarray:
    """Optax's ``exponential_decay``: ``init * rate ** (max(t - begin, 0) / steps)`` (the
    exponent floored when ``staircase``), clipped at ``end`` (floor for ``rate < 1``, else
    ceiling) from step 0; ``steps == 0`` or ``rate == 0``: the constant ``init``."""
    if steps == 0 or rate == 0:
        return np.full(t.shape, init, F64)
    u = np.maximum(np.asarray(t, F64) - begin, 0)
    p = np.floor_divide(u, steps) if staircase else u / steps
    with np.errstate(over="ignore", under="ignore"):
        v = init * np.exp(p * math.log(rate))
    if end is not None:
        v = np.maximum(v, end) if rate < 1 else np.minimum(v, end)
    return v


def _exp_draw(d: A.Draw) -> dict[str, Any]:
    init = d(A.POS)
    return {
        "init_value": init,
        "transition_steps": d(st.one_of(st.just(0), st.just(1), A.SMALL_LEN, A.LEN)),
        "decay_rate": d(st.one_of(st.just(0.0), A.RATE)),
        "transition_begin": d(BEGIN),
        "staircase": d(st.booleans()),
        "end_value": d(st.one_of(st.none(), A.VAL)),
    }


def _exp_edges(kw: dict[str, Any], offset: int = 0) -> list[float]:
    b, n = offset + kw["transition_begin"], kw["transition_steps"]
    return [b] + [b + k * n for k in (1, 2, 3)] if n else [b]


A.spec(
    _jo("exponential_decay"),
    jo.exponential_decay,
    {
        "init_value": "value",
        "transition_steps": "count0",
        "decay_rate": "nonneg",
        "transition_begin": "count0",
        "staircase": "flag",
        "end_value": "opt-value",
    },
    edges=_exp_edges,
    want=lambda kw, t: exponential_want(
        kw["init_value"],
        kw["transition_steps"],
        kw["decay_rate"],
        kw["transition_begin"],
        kw["staircase"],
        kw["end_value"],
        t,
    ),
)(_exp_draw)


# -- piecewise ------------------------------------------------------------------------------

SCALE = st.one_of(st.sampled_from([0.0, 0.1, 0.5, 1.0, 2.0]), A.RATE, A.logu(1e-6, 1e-1))


def _bas_draw(d: A.Draw, init: float) -> tuple[Any, list[int], list[float]]:
    """``boundaries_and_scales`` (a dict or two lists), its sorted steps and scales; the
    cumulative values stay below LARGEST."""
    steps = A._knots(d, 0)
    scales = [d(SCALE) for _ in steps]
    v, out = init, []
    for s in scales:
        s = s if v * s <= LARGEST / 4 else 1.0
        v *= s
        out.append(s)
    form = d(st.sampled_from(["dict", "lists"]))
    order = d(st.permutations(range(len(steps))))
    if form == "dict":
        bas: Any = {steps[j]: out[j] for j in order}
    else:
        bas = [[steps[j] for j in order], [out[j] for j in order]]
    return bas, steps, out


def _cumulative(init: float, scales: list[float]) -> np.ndarray:
    return np.cumprod(np.array([init, *scales], F64))


def piecewise_constant_want(init: float, steps: list[int], scales: list[float], t: np.ndarray):
    values = _cumulative(init, scales)
    return values[np.searchsorted(np.array(steps, F64), t, side="right")]


def piecewise_interpolate_want(
    kind: str, init: float, steps: list[int], scales: list[float], t: np.ndarray
) -> np.ndarray:
    """Optax: knots ``0 = b_0, b_1 < ... < b_n``, cumulative values ``v_i``; on
    ``[b_{i-1}, b_i)`` interpolate ``v_{i-1} -> v_i`` (linear, or
    ``v_i + (v_{i-1} - v_i) (1 + cos(pi p)) / 2``); ``v_n`` from ``b_n`` on."""
    values = _cumulative(init, scales)
    knots = [0, *steps]
    out = np.full(t.shape, values[-1], F64)
    for i in range(len(knots) - 1):
        a, b = knots[i], knots[i + 1]
        if b <= a:
            continue
        done, left = _ramp(t, a, b - a)
        if kind == "linear":
            v = values[i] * left + values[i + 1] * done
        else:
            v = values[i] * A.hcos(left) + values[i + 1] * A.hcos(done)
        out = np.where((t >= a) & (t < b), v, out)
    return out


def _bas_invalid(kw: dict[str, Any]) -> list[tuple[str, Any, tuple[str, ...]]]:
    """Bad ``boundaries_and_scales``: bad scales and steps, wrong shapes, and cumulative
    values past LARGEST."""
    name = "boundaries_and_scales"
    out: list[tuple[str, Any, tuple[str, ...]]] = []
    for x in (-0.5, NAN, INF, 1e39, 1e-50, "1", None):
        out.append((name, {7: 0.5, 9: x}, (name,)))
    for b in (-1, 1.5, NAN, 10**400, 2**128, "1", None, True):
        out.append((name, {b: 0.5}, (name,)))
    out += [
        (name, [[3, 3], [0.5, 0.1]], (name,)),  # duplicate steps
        (name, [[3, 4], [0.5]], (name,)),  # lengths differ
        (name, [[3, 4]], (name,)),
        (name, [3, 0.5], (name,)),
        (name, "1", (name,)),
        (name, 0.5, (name,)),
    ]
    init = kw["init_value"]
    if init > 0:
        big = 4 * LARGEST / init
        if A.representable(big):
            out.append((name, {5: big}, (name,)))
        elif A.representable(math.sqrt(big)):
            out.append((name, {5: math.sqrt(big), 6: math.sqrt(big)}, (name,)))
    return out


def _pc_draw(d: A.Draw) -> dict[str, Any]:
    kind = d(st.sampled_from(["past", "drawn", "none"]))
    init = d(A.POS if kind == "past" else A.VAL)
    if kind == "past":  # hypothesis's simplest draw: a knot past 2**31 - 1
        b = d(st.sampled_from([2**31, 2**31 + 3, 2**32 - 1]))
        bas, steps, scales = {b: 0.0}, [b], [0.0]
    elif kind == "drawn":
        bas, steps, scales = _bas_draw(d, init)
    else:
        bas, steps, scales = None, [], []
    return {"init_value": init, "boundaries_and_scales": bas, "_steps": steps, "_scales": scales}


A.spec(
    _jo("piecewise_constant_schedule"),
    jo.piecewise_constant_schedule,
    {"init_value": "value", "boundaries_and_scales": "bas"},
    edges=lambda kw: list(kw["_steps"]),
    want=lambda kw, t: piecewise_constant_want(kw["init_value"], kw["_steps"], kw["_scales"], t),
    invalid=_bas_invalid,
    static=frozenset({"boundaries_and_scales"}),
)(_pc_draw)


def _pi_draw(d: A.Draw) -> dict[str, Any]:
    return {"interpolate_type": d(st.sampled_from(["linear", "cosine"])), **_pc_draw(d)}


A.spec(
    _jo("piecewise_interpolate_schedule"),
    jo.piecewise_interpolate_schedule,
    {"interpolate_type": "option", "init_value": "value", "boundaries_and_scales": "bas"},
    edges=lambda kw: list(kw["_steps"]),
    want=lambda kw, t: piecewise_interpolate_want(
        kw["interpolate_type"], kw["init_value"], kw["_steps"], kw["_scales"], t
    ),
    invalid=_bas_invalid,
    static=frozenset({"boundaries_and_scales"}),
)(_pi_draw)


# -- one-cycle ------------------------------------------------------------------------------


def _onecycle_bas(kw: dict[str, Any]) -> tuple[float, list[int], list[float]]:
    """(init, steps, scales) of the piecewise_interpolate_schedule Optax builds (a dict:
    a later entry at the same step replaces an earlier one)."""
    n, peak, div, fdiv = (
        kw["transition_steps"],
        kw["peak_value"],
        kw["div_factor"],
        kw["final_div_factor"],
    )
    if "pct_final" in kw:
        bas = {
            int(kw["pct_start"] * n): div,
            int(kw["pct_final"] * n): 1.0 / div,
            n: 1.0 / fdiv,
        }
    else:
        bas = {int(kw["pct_start"] * n): div, n: 1.0 / (div * fdiv)}
    steps = sorted(bas)
    return peak / div, steps, [bas[b] for b in steps]


def _onecycle_want(kind: str):
    def want(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
        init, steps, scales = _onecycle_bas(kw)
        return piecewise_interpolate_want(kind, init, steps, scales, t)

    return want


PCT = st.one_of(st.sampled_from([0.0, 0.25, 0.3, 0.5, 0.85, 1.0]), A.floats(0.0, 1.0))
DIV = st.one_of(st.sampled_from([25.0, 1e4, 1.0, 10.0]), A.logu(1e-3, 1e8))


def _onecycle_draw(final: bool):
    def draw(d: A.Draw) -> dict[str, Any]:
        kw = {
            "transition_steps": d(A.LEN),
            "peak_value": d(A.VAL),
            "pct_start": d(PCT),
        }
        if final:
            kw["pct_final"] = d(PCT)
        kw["div_factor"] = d(DIV)
        kw["final_div_factor"] = d(DIV)
        # the values the schedule passes through stay within the documented range
        top = kw["peak_value"] * max(1.0, 1.0 / kw["div_factor"])
        if top > LARGEST / 4:
            kw["peak_value"] = 1.0
        # the value at step 0, stored as the init_value of the piecewise schedule: 0 or
        # at least SMALLEST (the documented range)
        if 0 < kw["peak_value"] / kw["div_factor"] < 2 * A.SMALLEST:
            kw["div_factor"] = 1.0
        return kw

    return draw


def _onecycle_invalid(kw: dict[str, Any]) -> list[tuple[str, Any, tuple[str, ...]]]:
    out = A.divided("peak_value", "div_factor")(kw)
    v = kw["peak_value"] / (A.SMALLEST / 4)  # the value at step 0 below SMALLEST
    if kw["peak_value"] > 0 and A.representable(v):
        out.append(("div_factor", v, ("div_factor",)))
    v = kw["peak_value"] / kw["div_factor"] / (4 * LARGEST)
    if v > 0 and A.representable(v):
        out.append(("final_div_factor", v, ("final_div_factor",)))
    return out


ONECYCLE_STATIC = frozenset({"transition_steps", "pct_start", "pct_final"})

A.spec(
    _jo("cosine_onecycle_schedule"),
    jo.cosine_onecycle_schedule,
    {
        "transition_steps": "count",
        "peak_value": "value",
        "pct_start": "frac",
        "div_factor": "pos",
        "final_div_factor": "pos",
    },
    edges=lambda kw: _onecycle_bas(kw)[1],
    want=_onecycle_want("cosine"),
    invalid=_onecycle_invalid,
    static=ONECYCLE_STATIC,
)(_onecycle_draw(False))
A.spec(
    _jo("linear_onecycle_schedule"),
    jo.linear_onecycle_schedule,
    {
        "transition_steps": "count",
        "peak_value": "value",
        "pct_start": "frac",
        "pct_final": "frac",
        "div_factor": "pos",
        "final_div_factor": "pos",
    },
    edges=lambda kw: _onecycle_bas(kw)[1],
    want=_onecycle_want("linear"),
    invalid=_onecycle_invalid,
    static=ONECYCLE_STATIC,
)(_onecycle_draw(True))


# -- join -----------------------------------------------------------------------------------

CHILDREN = ("constant_schedule", "linear_schedule", "cosine_decay_schedule")


def _child(d: A.Draw) -> tuple[Any, Any]:
    """A child: a core schedule (``_oracles``) or a compat.optax one (its spec's oracle);
    (schedule, note for the oracle)."""
    if d(st.booleans()):
        s = A.child(d)
        return s, ("core", s)
    spec = A.SPECS[_jo(d(st.sampled_from(CHILDREN)))]
    kw = d(spec.strategy())
    return spec.build(**A.public(kw)), (spec.name, kw)


def child_want(note: Any, t: np.ndarray) -> np.ndarray:
    kind, x = note
    if kind == "core":
        return O.oracle(x, t)
    return A.SPECS[kind].want(x, t)


def child_edges(note: Any, offset: float) -> list[float]:
    kind, x = note
    if kind == "core":
        return A.child_edges(x, offset)
    return [offset + e for e in A.SPECS[kind].edges(x)]


def _join_draw(d: A.Draw) -> dict[str, Any]:
    b = A._knots(d, 0)
    kids = [_child(d) for _ in range(len(b) + 1)]
    return {"schedules": [k[0] for k in kids], "boundaries": b, "_notes": [k[1] for k in kids]}


def _join_want(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
    starts = [0, *kw["boundaries"]]
    out = child_want(kw["_notes"][0], t)
    for b, note in zip(starts[1:], kw["_notes"][1:], strict=True):
        out = np.where(t < b, out, child_want(note, np.maximum(t - b, 0)))
    return out


A.spec(
    _jo("join_schedules"),
    jo.join_schedules,
    {"schedules": "schedules", "boundaries": "counts0"},
    edges=lambda kw: (
        list(kw["boundaries"])
        + [
            e
            for b, note in zip([0, *kw["boundaries"]], kw["_notes"], strict=True)
            for e in child_edges(note, b)
        ]
    ),
    want=_join_want,
    invalid=lambda kw: (
        [
            ("schedules", [*kw["schedules"][:-1], 1.0], ("schedules",)),
            ("schedules", [], ("schedules",)),
            ("boundaries", [*kw["boundaries"], 10**9 + 7], ("boundaries",)),
        ]
        + (
            [("boundaries", kw["boundaries"][::-1], ("boundaries",))]
            if len(kw["boundaries"]) > 1
            else []
        )
    ),
)(_join_draw)


# -- warmup recipes -------------------------------------------------------------------------


def _wc_want(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
    i, p, w = kw["init_value"], kw["peak_value"], kw["warmup_steps"]
    if w == 0:
        return np.full(t.shape, i, F64)
    done, left = _ramp(t, 0, w)
    return i * left + p * done


A.spec(
    _jo("warmup_constant_schedule"),
    jo.warmup_constant_schedule,
    {"init_value": "value", "peak_value": "value", "warmup_steps": "count0"},
    edges=lambda kw: [kw["warmup_steps"]],
    want=_wc_want,
)(
    lambda d: {
        "init_value": d(A.VAL),
        "peak_value": d(A.VAL),
        "warmup_steps": d(COUNT0),
    }
)


def wcd_want(
    init: float,
    peak: float,
    w: int,
    total: int,
    end: float,
    exponent: float,
    t: np.ndarray,
) -> np.ndarray:
    """Optax's warmup_cosine_decay_schedule: linear ``init -> peak`` over ``w`` steps,
    then a cosine ``peak -> end`` over ``total - w`` (``end`` ignored when ``peak == 0``)."""
    end = 0.0 if peak == 0 else end
    g, rest = cosine_factor(t, w, total - w, exponent)
    decay = mix(peak, end, g, rest)
    if w == 0:
        return decay
    done, left = _ramp(t, 0, w)
    return np.where(t < w, init * left + peak * done, decay)


def _wcd_draw(d: A.Draw) -> dict[str, Any]:
    total = d(st.one_of(st.integers(1, 10), A.LEN))
    w = d(st.one_of(st.just(0), st.just(total - 1), st.integers(0, total - 1)))
    return {
        "init_value": d(A.VAL),
        "peak_value": d(A.VAL),
        "warmup_steps": w,
        "decay_steps": total,
        "end_value": d(A.VAL),
        "exponent": d(st.one_of(st.just(1.0), A.logu(0.1, 4.0))),
    }


WCD = ("init_value", "peak_value", "warmup_steps", "decay_steps", "end_value", "exponent")
WCD_DEFAULT = {"end_value": 0.0, "exponent": 1.0}

A.spec(
    _jo("warmup_cosine_decay_schedule"),
    jo.warmup_cosine_decay_schedule,
    {
        "init_value": "value",
        "peak_value": "value",
        "warmup_steps": "count0",
        "decay_steps": "count",
        "end_value": "value",
        "exponent": "pos",
    },
    edges=lambda kw: [kw["warmup_steps"], kw["decay_steps"]],
    want=lambda kw, t: wcd_want(*(kw[k] for k in WCD), t),
    invalid=lambda kw: (
        [("decay_steps", kw["warmup_steps"], ("decay_steps",))] if kw["warmup_steps"] > 0 else []
    ),
)(_wcd_draw)


def _wed_want(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
    i, p, w = kw["init_value"], kw["peak_value"], kw["warmup_steps"]
    decay = exponential_want(
        p,
        kw["transition_steps"],
        kw["decay_rate"],
        kw["transition_begin"],
        kw["staircase"],
        kw["end_value"],
        np.maximum(t - w, 0),
    )
    if w == 0:
        return decay
    done, left = _ramp(t, 0, w)
    return np.where(t < w, i * left + p * done, decay)


def _wed_draw(d: A.Draw) -> dict[str, Any]:
    kw = _exp_draw(d)
    peak = kw.pop("init_value")
    return {"init_value": d(A.VAL), "peak_value": peak, "warmup_steps": d(COUNT0), **kw}


A.spec(
    _jo("warmup_exponential_decay_schedule"),
    jo.warmup_exponential_decay_schedule,
    {
        "init_value": "value",
        "peak_value": "value",
        "warmup_steps": "count0",
        "transition_steps": "count0",
        "decay_rate": "nonneg",
        "transition_begin": "count0",
        "staircase": "flag",
        "end_value": "opt-value",
    },
    edges=lambda kw: [kw["warmup_steps"], *_exp_edges(kw, kw["warmup_steps"])],
    want=_wed_want,
)(_wed_draw)


# -- sgdr -----------------------------------------------------------------------------------


def _sgdr_draw(d: A.Draw) -> dict[str, Any]:
    n = d(st.integers(1, 4))
    rows = [_wcd_draw(d) for _ in range(n)]
    if not d(st.booleans()):  # hypothesis's simplest draw: cycles whose ends pass 2**31
        length = d(st.sampled_from([2**30 + 7, 2**31 - 10, 2**31 - 1]))
        rows = [_wcd_draw(d) for _ in range(3)]
        for r in rows:
            r["decay_steps"], r["warmup_steps"] = length, min(r["warmup_steps"], length - 1)
    for r in rows:  # end_value and exponent are optional
        for k in ("end_value", "exponent"):
            if r[k] == WCD_DEFAULT.get(k) and d(st.booleans()):
                del r[k]
    full = [{**WCD_DEFAULT, **r} for r in rows]
    if d(st.booleans()):
        arg: Any = [dict(r) for r in rows]
    else:
        arg = [[r[k] for r in full] for k in WCD]
    return {"cosine_kwargs": arg, "_cycles": full}


def _sgdr_starts(kw: dict[str, Any]) -> list[int]:
    starts = [0]
    for r in kw["_cycles"][:-1]:
        starts.append(starts[-1] + r["decay_steps"])
    return starts


def _sgdr_want(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
    out = np.zeros(t.shape, F64)
    starts = _sgdr_starts(kw)
    for s, r in zip(starts, kw["_cycles"], strict=True):
        v = wcd_want(*(r[k] for k in WCD), np.maximum(t - s, 0))
        out = np.where(t >= s, v, out)
    return out


def _sgdr_edges(kw: dict[str, Any]) -> list[float]:
    out: list[float] = []
    for s, r in zip(_sgdr_starts(kw), kw["_cycles"], strict=True):
        out += [s, s + r["warmup_steps"], s + r["decay_steps"]]
    return out


def _sgdr_invalid(kw: dict[str, Any]) -> list[tuple[str, Any, tuple[str, ...]]]:
    name = "cosine_kwargs"
    good = dict(init_value=0.0, peak_value=1.0, warmup_steps=2, decay_steps=10)
    out: list[tuple[str, Any, tuple[str, ...]]] = [
        (name, [], (name,)),
        (name, good, (name,)),
        (name, "1", (name,)),
        (name, None, (name,)),
        (name, [1.0], (name,)),
        (name, [{**good, "decay_steps": 2}], ("decay_steps",)),
        (name, [{**good, "peak": 1.0}], (name,)),
        (name, [{"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 0}], ("decay_steps",)),
    ]
    for k, bad in [
        ("init_value", NAN),
        ("peak_value", 1e39),
        ("end_value", INF),
        ("warmup_steps", -1),
        ("decay_steps", 1.5),
        ("exponent", 0.0),
        ("peak_value", "1"),
    ]:
        out.append((name, [good, {**good, k: bad}], (k,)))
    return out


A.spec(
    _jo("sgdr_schedule"),
    jo.sgdr_schedule,
    {"cosine_kwargs": "sgdr"},
    edges=_sgdr_edges,
    want=_sgdr_want,
    invalid=_sgdr_invalid,
    static=frozenset({"cosine_kwargs"}),
)(_sgdr_draw)
