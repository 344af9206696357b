"""Adversarial specs (see ``_adversarial.py``) of the public constructors added after it:
``compat.timm``'s schedulers, ``compat.transformers.
get_cosine_with_min_lr_schedule_with_warmup_lr_rate``, ``compat.torch.MultiplicativeLR``
and ``compat.keras.LegacyDecay``.

The oracles are float64 transcriptions of the peers' formulas (timm 1.0.31's
``timm/scheduler/*_lr.py`` ``_get_lr``, Hugging Face's ``optimization.py`` lambdas,
PyTorch's running product, the Keras 2 optimizers' ``lr / (1 + decay * iterations)``), with
the cycles located in exact integers (an integer ``cycle_mul``) or by a float64 running
sum of the cycle lengths (a float one, as the contract's 1e-6 of the peak allows), and
every ``1 - x`` near 0 formed without cancellation. Nothing here calls jaxlrs to compute
a value.
"""

from __future__ import annotations

from typing import Any

import _adversarial as A
import numpy as np
from _adversarial import F64, I31, LEN, POS, RATE, UNIT, VAL, floats, logu, product, spec
from hypothesis import strategies as st

from jaxlrs.compat import keras as ks
from jaxlrs.compat import timm as tm
from jaxlrs.compat import torch as pt
from jaxlrs.compat import transformers as hf

# -- factor functions for MultiplicativeLR (module level: picklable, NumPy- and JAX-friendly)


def halve_every_1000(e: Any) -> Any:
    """0.5 at every 1000th epoch, else 1: factors (and their products) exact in float32."""
    return 1.0 - 0.5 * (e % 1000 == 0).astype(e.dtype)


def shrinking(e: Any) -> Any:
    """1 - 2**-24 * (e mod 16): exact float32 factors below 1, not all alike."""
    return 1.0 - 2.0**-24 * (e % 16)


EXACT_FACTORS = {"halve_every_1000": halve_every_1000, "shrinking": shrinking}


# == compat.timm ============================================================================


def _tm(name: str) -> str:
    return f"compat.timm.{name}"


def timm_t(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
    """timm's ``t`` at the jaxlrs step: ``floor(k / updates_per_epoch)``, or ``k``."""
    u = kw.get("updates_per_epoch")
    return np.floor_divide(t, u) if u is not None else t


def to_steps(kw: dict[str, Any], edges: list[float]) -> list[float]:
    """timm ``t`` boundaries as jaxlrs steps (the first update of each epoch)."""
    u = kw.get("updates_per_epoch")
    return [e * u for e in edges] if u is not None else list(edges)


def noise_band(kw: dict[str, Any], t: np.ndarray) -> np.ndarray:
    """``noise_pct`` where timm's ``_is_apply_noise(t)`` holds, else 0: timm's noise is
    ``v * (1 + n)`` with ``|n| < noise_pct`` (resampled until it is)."""
    r = kw["noise_range_t"]
    tt = timm_t(kw, t)
    if r is None:
        return np.zeros(t.shape)
    live = (tt >= r[0]) & (tt < r[1]) if isinstance(r, list) else tt >= r
    return np.where(live, kw["noise_pct"], 0.0)


def _noise_draw(d: A.Draw) -> dict[str, Any]:
    kind = d(st.sampled_from(["none", "none", "from", "pair"]))
    if kind == "none":
        r: Any = None
    elif kind == "from":
        r = d(st.one_of(st.sampled_from([0, 1, 10]), st.integers(0, I31), floats(0.0, 1e6)))
    else:
        a = d(st.one_of(st.just(0), st.integers(0, 1000), st.integers(0, I31 - 1)))
        r = [
            a,
            d(st.one_of(st.just(a + 1), st.integers(a + 1, a + 10**6), st.integers(a + 1, I31))),
        ]
    return {
        "noise_range_t": r,
        "noise_pct": d(st.one_of(st.just(0.67), floats(0.001, 0.999))),
        "noise_std": d(st.one_of(st.just(1.0), logu(0.01, 10.0))),
        "noise_seed": d(st.one_of(st.just(42), st.integers(0, I31))),
    }


def _epochs_draw(d: A.Draw) -> dict[str, Any]:
    t_in_epochs = d(st.booleans())
    u = d(st.one_of(st.none(), st.sampled_from([1, 3, 1000]), st.integers(1, 10**5)))
    return {"t_in_epochs": t_in_epochs, "updates_per_epoch": u if t_in_epochs else None}


def _warm_draw(d: A.Draw, base: float, prefix_default: bool) -> dict[str, Any]:
    return {
        "warmup_t": d(st.one_of(st.just(0), st.just(1), st.integers(2, 1000), LEN)),
        "warmup_lr_init": product(base * d(st.one_of(st.just(0.0), UNIT, st.just(2.0)))),
        "warmup_prefix": d(st.one_of(st.just(prefix_default), st.booleans())),
    }


COMMON_KINDS = {
    "warmup_t": "count0",
    "warmup_lr_init": "nonneg",
    "warmup_prefix": "flag",
    "t_in_epochs": "flag",
    "noise_range_t": "opt-nonneg",
    "noise_pct": "frac_open",
    "noise_std": "pos",
    "noise_seed": "key",
    "updates_per_epoch": "opt-count",
}
CYCLE_KINDS = {
    "base_lr": "nonneg",
    "t_initial": "count",
    "lr_min": "nonneg",
    "cycle_mul": "mult",
    "cycle_decay": "pos",
    "cycle_limit": "count0",
}
TIMM_STATIC = frozenset({"noise_seed"})  # an integer key: not differentiated


def _cycles_draw(d: A.Draw) -> dict[str, Any]:
    base = d(POS)
    return {
        "base_lr": base,
        "t_initial": d(st.one_of(st.just(1), st.integers(2, 1000), LEN)),
        "lr_min": product(base * d(st.one_of(st.just(0.0), UNIT, st.sampled_from([2.0, 1e3])))),
        "cycle_mul": d(A.MULT),
        "cycle_decay": d(st.one_of(st.just(1.0), floats(0.1, 1.0), floats(1.0, 1.5))),
        "cycle_limit": d(st.one_of(st.sampled_from([0, 1, 2, 3]), st.integers(1, 100), LEN)),
        **_warm_draw(d, base, prefix_default=False),
        **_epochs_draw(d),
        **_noise_draw(d),
    }


def _ramp(kw: dict[str, Any], tt: np.ndarray, target: Any, body: np.ndarray) -> np.ndarray:
    """timm's warmup ``warmup_lr_init + t (target - warmup_lr_init) / warmup_t`` for
    ``t < warmup_t``, as ``init (W - t) / W + target t / W``."""
    w = kw["warmup_t"]
    if w == 0:
        return body
    ramp = kw["warmup_lr_init"] * ((w - tt) / w) + target * (tt / w)
    return np.where(tt < w, ramp, body)


def _after(kw: dict[str, Any], tt: np.ndarray) -> np.ndarray:
    """The ``t`` the decay sees (``t - warmup_t`` with ``warmup_prefix``), clamped at 0."""
    return np.maximum(tt - kw["warmup_t"], 0) if kw["warmup_prefix"] else tt


def _cycles(kw: dict[str, Any], u: np.ndarray, curve: Any) -> np.ndarray:
    """timm's cycles at ``u``: ``curve(done, left, lr_max, lr_min)`` in cycle ``i`` (of
    length ``t_initial * cycle_mul**i``, ``lr_max = base_lr * cycle_decay**i``), ``lr_min``
    from cycle ``cycle_limit`` on."""
    m = kw["cycle_mul"]
    m = int(m) if float(m).is_integer() else m
    i, pos, length = A.cycles(np.asarray(u, F64), kw["t_initial"], m)
    done, left = pos / length, (length - pos) / length
    with np.errstate(all="ignore"):
        hi = kw["base_lr"] * float(kw["cycle_decay"]) ** i
        v = curve(done, left, hi, kw["lr_min"])
    return np.where(i < kw["cycle_limit"], v, kw["lr_min"])


def _k_pair(kw: dict[str, Any], done: np.ndarray, left: np.ndarray):
    """(x, 1 - x) for ``x = done**k_decay``, the complement without cancellation."""
    k = kw["k_decay"]
    if k == 1:
        return done, left
    with np.errstate(divide="ignore"):
        return done**k, -np.expm1(k * np.log(done))


def _cosine_curve(kw):
    def curve(done, left, hi, lo):
        x, q = _k_pair(kw, done, left)
        # (1 + cos(pi x)) / 2 = hcos(1 - x), its complement hcos(x)
        return hi * A.hcos(q) + lo * A.hcos(x)

    return curve


def _poly_curve(kw):
    def curve(done, left, hi, lo):
        x, q = _k_pair(kw, done, left)
        p = kw["power"]
        with np.errstate(divide="ignore"):
            lq = np.where(x < 0.5, np.log1p(-x), np.log(q))
            return hi * q**p + lo * -np.expm1(p * lq)

    return curve


def _tanh_curve(kw):
    def curve(done, left, hi, lo):
        x = kw["lb"] * left + kw["ub"] * done
        # (1 - tanh x) / 2 = 1 / (1 + e**(2x)), its complement 1 / (1 + e**(-2x))
        return hi / (1 + np.exp(2 * x)) + lo / (1 + np.exp(-2 * x))

    return curve


def _cycles_want(make_curve, tanh: bool = False):
    def want(kw, t):
        tt = timm_t(kw, t)
        curve = make_curve(kw)
        body = _cycles(kw, _after(kw, tt), curve)
        target = kw["base_lr"]
        if tanh and not kw["warmup_prefix"] and kw["warmup_t"] > 0:
            target = float(_cycles(kw, np.array([float(kw["warmup_t"])]), curve)[0])
        return _ramp(kw, tt, target, body)

    return want


def _cycles_edges(kw):
    w = kw["warmup_t"]
    off = w if kw["warmup_prefix"] else 0
    limit = min(kw["cycle_limit"], 10**6)
    cyc = A._cycle_edges(kw["t_initial"], kw["cycle_mul"], off, limit)
    return to_steps(kw, [w, *cyc])


def _near_restart(kw, t):
    """Steps whose timm ``t`` is within ``A.AMBIGUOUS`` of a float ``cycle_mul``'s start."""
    tt = timm_t(kw, t)
    return A.near_start(_after(kw, tt), kw["t_initial"], kw["cycle_mul"], kw["cycle_limit"])


def _float_mul(kw):
    return 0.0 if float(kw["cycle_mul"]).is_integer() else 1e-6


def _kdecay():
    return st.one_of(st.just(1.0), st.sampled_from([0.5, 2.0]), logu(0.1, 10.0))


spec(
    _tm("CosineLRScheduler"),
    tm.CosineLRScheduler,
    {**CYCLE_KINDS, **COMMON_KINDS, "k_decay": "pos"},
    edges=_cycles_edges,
    want=_cycles_want(_cosine_curve),
    float_phase=_float_mul,
    ambiguous=_near_restart,
    bounds_only=True,
    band=noise_band,
    static=TIMM_STATIC,
)(lambda d: {**_cycles_draw(d), "k_decay": d(_kdecay())})
spec(
    _tm("PolyLRScheduler"),
    tm.PolyLRScheduler,
    {**CYCLE_KINDS, **COMMON_KINDS, "power": "pos", "k_decay": "pos"},
    edges=_cycles_edges,
    want=_cycles_want(_poly_curve),
    float_phase=_float_mul,
    ambiguous=_near_restart,
    bounds_only=True,
    band=noise_band,
    static=TIMM_STATIC,
)(
    lambda d: {
        **_cycles_draw(d),
        "power": d(st.one_of(st.sampled_from([0.5, 1.0, 2.0]), logu(0.01, 10.0))),
        "k_decay": d(_kdecay()),
    }
)


def _tanh_draw(d):
    kw = _cycles_draw(d)
    lb = d(st.one_of(st.just(-7.0), floats(-20.0, 5.0)))
    ub = d(st.one_of(st.just(3.0), floats(lb + 0.01, lb + 30.0)))
    if not lb < ub:
        ub = lb + 1.0
    return {**kw, "lb": lb, "ub": ub}


def _tanh_invalid(kw):
    return [("lb", kw["ub"], ("lb",)), ("ub", kw["lb"], ("ub", "lb"))]


spec(
    _tm("TanhLRScheduler"),
    tm.TanhLRScheduler,
    {**CYCLE_KINDS, **COMMON_KINDS, "lb": "value", "ub": "value"},
    edges=_cycles_edges,
    want=_cycles_want(_tanh_curve, tanh=True),
    extra_tol=lambda kw, t: A.tanh_tol(kw["lb"], kw["ub"], _cycles_want(_tanh_curve, True)(kw, t)),
    float_phase=_float_mul,
    ambiguous=_near_restart,
    bounds_only=True,
    band=noise_band,
    static=TIMM_STATIC,
    invalid=_tanh_invalid,
)(_tanh_draw)


def _stairs_draw(d, decay_t):
    base = d(POS)
    return {
        "base_lr": base,
        "decay_t": decay_t,
        "decay_rate": d(RATE),
        **_warm_draw(d, base, prefix_default=True),
        **_epochs_draw(d),
        **_noise_draw(d),
    }


STAIR_KINDS = {"base_lr": "nonneg", "decay_rate": "pos", **COMMON_KINDS}


def _step_want(kw, t):
    tt = timm_t(kw, t)
    u = _after(kw, tt)
    # timm's t // decay_t: Python's floor of the quotient, in float64 for a float decay_t
    n = np.floor_divide(u, kw["decay_t"])
    with np.errstate(all="ignore"):
        body = kw["base_lr"] * float(kw["decay_rate"]) ** n
    return _ramp(kw, tt, kw["base_lr"], body)


def _step_edges(kw):
    off = kw["warmup_t"] if kw["warmup_prefix"] else 0
    d = kw["decay_t"]
    return to_steps(kw, [kw["warmup_t"]] + [off + k * d for k in (1, 2, 3)])


spec(
    _tm("StepLRScheduler"),
    tm.StepLRScheduler,
    {**STAIR_KINDS, "decay_t": "pos"},
    edges=_step_edges,
    want=_step_want,
    bounds_only=True,
    band=noise_band,
    static=TIMM_STATIC,
)(
    lambda d: _stairs_draw(
        d, d(st.one_of(st.just(1), st.integers(2, 1000), LEN, floats(0.5, 1000.0)))
    )
)


def _multistep_want(kw, t):
    tt = timm_t(kw, t)
    u = _after(kw, tt)
    # bisect_right(decay_t, u + 1): the milestones m <= u + 1
    n = np.searchsorted(np.array(kw["decay_t"], F64), u + 1, side="right")
    with np.errstate(all="ignore"):
        body = kw["base_lr"] * float(kw["decay_rate"]) ** n
    return _ramp(kw, tt, kw["base_lr"], body)


def _multistep_edges(kw):
    off = kw["warmup_t"] if kw["warmup_prefix"] else 0
    return to_steps(kw, [kw["warmup_t"]] + [off + m - 1 for m in kw["decay_t"]])


def _milestones(d):
    ms = d(
        st.lists(
            st.one_of(
                st.integers(1, 50),
                st.integers(1, I31),
                st.sampled_from([1, 2**24, 2**31 - 1, 2**31]),
            ),
            max_size=5,
        )
    )
    return sorted(ms)


spec(
    _tm("MultiStepLRScheduler"),
    tm.MultiStepLRScheduler,
    {**STAIR_KINDS, "decay_t": "counts0"},
    edges=_multistep_edges,
    want=_multistep_want,
    bounds_only=True,
    band=noise_band,
    static=TIMM_STATIC,
)(lambda d: _stairs_draw(d, _milestones(d)))


# == compat.transformers ====================================================================


def _lr_rate_want(kw, t):
    w, total, peak = kw["num_warmup_steps"], kw["num_training_steps"], kw["peak"]
    r0 = kw["warmup_lr_rate"]
    if r0 is None:
        up = (t + 1) / max(1, w)
    else:
        up = r0 + (1 - r0) * t / max(1, w - 1)
    r = kw["min_lr_rate"] if kw["min_lr_rate"] is not None else kw["min_lr"] / peak
    # progress (t - W + 1) / max(1, T - W), the phase reduced exactly; not clamped
    f = A.cos_wave(kw["num_cycles"], np.maximum(t - w + 1, 0), max(1, total - w))
    down = np.maximum(0, f * (1 - r) + r)
    return peak * np.where(t < w, up, down)


def _lr_rate_draw(d):
    kw = A._min_lr_draw(d)
    kw["warmup_lr_rate"] = d(st.one_of(st.none(), st.just(0.0), UNIT))
    return kw


spec(
    A._hf("get_cosine_with_min_lr_schedule_with_warmup_lr_rate"),
    hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate,
    {
        **A.W_T,
        "num_cycles": "pos",
        "min_lr": "opt-value",
        "min_lr_rate": "opt-value",
        "warmup_lr_rate": "opt-value",
    },
    edges=lambda kw: [e - 1 for e in A._wt_edges(kw)] + A._wt_edges(kw),
    want=_lr_rate_want,
    float_phase=lambda kw: (
        0.0
        if float(2 * kw["num_cycles"]).is_integer()
        else A.df_phase_tol(kw["num_cycles"], kw["num_training_steps"] - kw["num_warmup_steps"])
    ),
    invalid=A._min_lr_invalid,
)(_lr_rate_draw)


# == compat.torch.MultiplicativeLR ==========================================================


def _mult_want(kw, t):
    h = kw["horizon"]
    f = np.asarray(kw["lr_lambda"](np.arange(1, h + 1, dtype=F64)), F64)
    table = np.concatenate([[1.0], np.cumprod(np.broadcast_to(f, (h,)))])
    return kw["base_lr"] * table[np.clip(t.astype(np.int64), 0, h)]


def _mult_tol(kw, t):
    """The documented rounding of the double-float product, ``horizon * 2**-45`` relative
    (the factors here are exact in float32, so no per-factor drift)."""
    return kw["horizon"] * 2.0**-45 * np.abs(_mult_want(kw, t))


spec(
    A._pt("MultiplicativeLR"),
    pt.MultiplicativeLR,
    {"base_lr": "nonneg", "lr_lambda": "callable", "horizon": "count"},
    edges=lambda kw: [kw["horizon"], 1000, 2000],
    want=_mult_want,
    extra_tol=_mult_tol,
    static=frozenset({"horizon"}),
)(
    lambda d: {
        "base_lr": d(VAL),
        "lr_lambda": EXACT_FACTORS[d(st.sampled_from(sorted(EXACT_FACTORS)))],
        "horizon": d(st.one_of(st.integers(1, 10), st.integers(10, 10**5), st.just(2**22))),
    }
)


# == compat.keras.LegacyDecay ===============================================================

spec(
    A._ks("LegacyDecay"),
    ks.LegacyDecay,
    {"learning_rate": "value", "decay": "nonneg"},
    want=lambda kw, t: kw["learning_rate"] / (1 + kw["decay"] * t),
)(
    lambda d: {
        "learning_rate": d(VAL),
        "decay": d(st.one_of(st.just(0.0), logu(1e-9, 1e3), st.sampled_from([0.5, 1.0]))),
    }
)
