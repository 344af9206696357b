"""Adversarial spec of ``compat.timm.WSDLRScheduler`` (see ``_adversarial.py``): generated
hyperparameters over its documented domain, and a float64 oracle transcribed from timm
1.0.31's ``WSDLRScheduler._get_lr`` (``timm/scheduler/wsd_lr.py``), with the decay's
progress and remaining fraction from exact counts. Nothing here calls jaxlrs for a value;
``tests/test_compat_timm_wsd.py`` checks the same formula against timm itself."""

from __future__ import annotations

import _adversarial as A
import numpy as np
from hypothesis import strategies as st

from jaxlrs.compat import timm as tm

F64 = np.float64
NAME = "compat.timm.WSDLRScheduler"


def _t(kw, t):
    """timm's ``t``: the step, or the epoch ``floor(k / updates_per_epoch)``."""
    u = kw.get("updates_per_epoch")
    return np.floor(t / u) if u is not None else np.floor(t)


def _stable(kw, u):
    """The stable factor at ``u = t - warmup_t``: 1, ``(1 + u / tau) ** -1/2`` or
    ``(1 + u / tau) ** -stable_power``."""
    fn = kw["stable_fn"]
    if fn == "constant":
        return np.ones(np.shape(u))
    tau = kw["stable_timescale"] if kw["stable_timescale"] is not None else kw["warmup_t"]
    p = 0.5 if fn == "rsqrt" else kw["stable_power"]
    return np.exp(-p * np.log1p(u / tau))


def _decay(kw, done, left):
    """``(g, 1 - g)`` for timm's decay factor ``g(frac)``, ``frac = done``, each written
    from the end where it is small (``1 - sqrt(f) = (1 - f) / (1 + sqrt(f))``)."""
    fn = kw["decay_fn"]
    if fn == "linear":
        return left, done
    if fn == "1-sqrt":
        r = np.sqrt(done)
        return left / (1 + r), r
    if fn == "cosine":  # (1 + cos(pi f)) / 2 = sin^2(pi (1 - f) / 2)
        return A.hcos(left), A.hcos(done)
    if fn == "power":
        a = kw["decay_power"]
        with np.errstate(divide="ignore"):
            g = np.where(done > 0, -np.expm1(a * np.log(np.where(done > 0, done, 1.0))), 1.0)
        return g, done**a
    r = kw["decay_ratio"]
    lr = np.log(r)
    # (r**f - r) / (1 - r) = r (r**-(1 - f) - 1) / (1 - r); (1 - r**f) / (1 - r)
    return r * np.expm1(-left * lr) / (1 - r), -np.expm1(done * lr) / (1 - r)


def _want(kw, t):
    t = _t(kw, np.asarray(t, F64))
    base, init, lo = kw["base_lr"], kw["warmup_lr_init"], kw["lr_min"]
    w, n, d = kw["warmup_t"], kw["t_initial"], kw["decay_t"]
    rise = init * (w - t) / max(w, 1) + base * t / max(w, 1)
    u = np.maximum(t - w, 0)
    v = np.maximum(base * _stable(kw, u), lo)
    k = np.clip(u - (n - d), 0, d)
    g, rest = _decay(kw, k / d, (d - k) / d)
    body = np.where(k > 0, v * g + lo * rest, v)
    return np.where(t < w, rise, body)


def _extra(kw, t):
    """The documented allowance of the ``power`` stable function: float32's rounding of
    its exponent, ``stable_power * (1 + log(1 + t_s / tau)) * 3e-7`` relative."""
    if kw["stable_fn"] != "power":
        return np.zeros(np.shape(t))
    tt = _t(kw, np.asarray(t, F64))
    tau = kw["stable_timescale"] if kw["stable_timescale"] is not None else kw["warmup_t"]
    u = np.maximum(tt - kw["warmup_t"], 0)
    want = np.abs(_want(kw, t))
    return 3e-7 * kw["stable_power"] * (1 + np.log1p(u / tau)) * want


def _edges(kw):
    w, n, d = kw["warmup_t"], kw["t_initial"], kw["decay_t"]
    u = kw.get("updates_per_epoch") or 1
    return [x * u for x in (w, w + n - d, w + n - d + 1, w + n)]


KINDS = {
    "base_lr": "nonneg",
    "t_initial": "count",
    "decay_t": "count",
    "lr_min": "nonneg",
    "stable_fn": "option",
    "stable_timescale": "opt-pos",
    "stable_power": "pos",
    "decay_fn": "option",
    "decay_power": "pos",
    "decay_ratio": "frac_open",
    "warmup_t": "count0",
    "warmup_lr_init": "nonneg",
    "t_in_epochs": "flag",
    # (not drawn: no noise here; their refusals are checked all the same)
    "noise_pct": "frac_open",
    "noise_std": "pos",
    "noise_seed": "key",
    "updates_per_epoch": "opt-count",
}


@A.spec(NAME, tm.WSDLRScheduler, KINDS, edges=_edges, want=_want, extra_tol=_extra)
def _(d):
    base = d(A.VAL)
    n = d(A.LEN)
    dt = d(st.one_of(st.sampled_from([1, n]), st.integers(1, n)))
    w = d(st.one_of(st.just(0), st.just(1), A.SMALL_LEN, A.LEN))
    stable_fn = d(st.sampled_from(["constant", "rsqrt", "power"]))
    tau = d(st.one_of(st.none(), A.logu(1e-3, 1e9), st.sampled_from([1.0, 0.5, 7.5])))
    if stable_fn != "constant" and w == 0 and tau is None:
        tau = 1.0
    epochs = d(st.booleans())
    per = d(st.one_of(st.none(), st.integers(1, 1000))) if epochs else None
    return {
        "base_lr": base,
        "t_initial": n,
        "decay_t": dt,
        "lr_min": A.product(base * d(st.sampled_from([0.0, 1e-3, 0.1, 0.5, 1.0, 2.0]))),
        "stable_fn": stable_fn,
        "stable_timescale": tau,
        "stable_power": d(st.one_of(st.sampled_from([0.5, 1.0, 0.3]), A.logu(0.01, 10.0))),
        "decay_fn": d(st.sampled_from(["linear", "1-sqrt", "cosine", "power", "exp"])),
        "decay_power": d(st.one_of(st.sampled_from([0.5, 1.0, 2.0]), A.logu(0.05, 20.0))),
        "decay_ratio": d(st.one_of(st.sampled_from([0.1, 0.5, 1e-6, 0.999999]), A.FRAC)),
        "warmup_t": w,
        "warmup_lr_init": A.product(base * d(A.UNIT)),
        "t_in_epochs": epochs,
        "updates_per_epoch": per,
    }


def _invalid(kw):
    """decay_t above t_initial; a defaulted timescale (warmup_t) of 0 for a decaying
    stable phase."""
    out = [("decay_t", kw["t_initial"] + 1, ("decay_t",))]
    if kw["stable_fn"] != "constant":
        out.append(("stable_timescale", None, ("stable_timescale",)))  # only with warmup_t 0
    return out if kw["warmup_t"] == 0 or kw["stable_fn"] == "constant" else out[:1]


A.SPECS[NAME].invalid = _invalid
