"""timm's warmup-stable-decay scheduler, ``WSDLRScheduler`` (timm 1.0.31,
``timm/scheduler/wsd_lr.py``); public as ``jaxlrs.compat.timm.WSDLRScheduler`` (see that
module for the map from the jaxlrs step to timm's ``t`` and for the noise).

Built like the other timm constructors: timm's ``t`` and noise from ``_timm_common``
(``evaluate``), the warmup from ``_timm_common.warm``, the decay curves from
``jaxlrs._curves`` (``pow_pair``, ``half_cos_pair``, ``safe_sqrt``), every phase position
from exact integers (``_time.minus``, ``_time.ramp``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from .. import _check as check
from .. import _time
from .._curves import half_cos_pair, pow_pair, safe_sqrt
from .._schedule import Schedule, register
from .._time import Time, value
from .._warmups import counts
from . import _timm_common as c

Array = jax.Array

STABLE_FNS = ("constant", "rsqrt", "power")
DECAY_FNS = ("linear", "1-sqrt", "cosine", "power", "exp")


def _stable(t_s: Time, stable_fn: str, tau: Any, stable_power: Any) -> Array | None:
    """timm's ``_stable(t_s)``: ``(1 + t_s / tau) ** -p`` (``p = 1/2`` for ``rsqrt``),
    None for ``constant``. ``exp(-p log1p(x))``, with the bits float32 dropped from a
    concrete ``p`` restored (``_time._correction``)."""
    if stable_fn == "constant":
        return None
    x = _time.to_float(t_s) / value(tau)
    if stable_fn == "rsqrt":
        return jax.lax.rsqrt(1 + x)
    y = -value(stable_power) * jnp.log1p(x)
    corr = _time._correction(stable_power)
    if corr is not None:  # (y may be -inf: no inf - inf)
        y = jnp.where(jnp.isfinite(y), y + y * jnp.asarray(corr, y.dtype), y)
    return jnp.exp(y)


def _decay_pair(
    done: Array, left: Array, decay_fn: Any, decay_power: Any, decay_ratio: Any
) -> tuple[Array, Array]:
    """``(g, 1 - g)`` for timm's decay factor ``g = _decay(frac)``, ``frac = done``, each
    with relative precision at both ends (``1 - frac`` is the exact ``left``)."""
    if callable(decay_fn):
        g = jnp.asarray(decay_fn(done), done.dtype)
        return g, 1 - g
    if decay_fn == "linear":
        return left, done
    if decay_fn == "1-sqrt":  # 1 - sqrt(f) = (1 - f) / (1 + sqrt(f))
        root = safe_sqrt(done)
        return left / (1 + root), root
    if decay_fn == "cosine":  # (1 + cos(pi f)) / 2 = sin(pi (1 - f) / 2)**2
        h_done, h_left = half_cos_pair(done, left)
        return h_left, h_done
    if decay_fn == "power":  # 1 - f**a and f**a, from one logarithm of f
        fa, rest = pow_pair(left, done, value(decay_power))
        return rest, fa
    # exp: (r**f - r) / (1 - r) and (1 - r**f) / (1 - r); each numerator from r**f where
    # that loses nothing, else from expm1 of the small exponent near its own end. A ratio
    # that float32 rounds to 1 (above 1 - 2**-25) is the limit r -> 1, the linear decay
    # (within 3e-8 of the exact curve).
    r = value(decay_ratio)
    one = r >= 1
    r = jnp.where(one, 0.5, r)
    lr = jnp.log(r)
    p = jnp.exp(done * lr)
    top = jnp.where(p >= 2 * r, p - r, r * jnp.expm1(-left * lr))
    rest = jnp.where(p >= 0.5, -jnp.expm1(done * lr), 1 - p)
    return jnp.where(one, left, top / (1 - r)), jnp.where(one, done, rest / (1 - r))


def _wsd_core(
    time: Time,
    base_lr: Any,
    t_initial: Any,
    decay_t: Any,
    lr_min: Any,
    stable_fn: str,
    stable_timescale: Any,
    stable_power: Any,
    decay_fn: Any,
    decay_power: Any,
    decay_ratio: Any,
    warmup_t: Any,
    warmup_lr_init: Any,
) -> Array:
    t_s = c.after_warmup(time, warmup_t, True)
    tau = warmup_t if stable_timescale is None else stable_timescale
    s = _stable(t_s, stable_fn, tau, stable_power)
    lo = value(lr_min)
    stable = value(base_lr) if s is None else value(base_lr) * s
    stable = jnp.maximum(stable, lo)
    if isinstance(t_initial, int) and isinstance(decay_t, int):
        gap: Any = t_initial - decay_t
        d: Any = decay_t
    else:  # one kind of count (unsigned or float beyond the index range)
        n, d = counts(t_initial, decay_t)
        gap = jnp.where(n >= d, n - d, jnp.zeros((), n.dtype))
    local = _time.minus(t_s, gap, d)
    done, left = _time.ramp(local, d)
    g, rest = _decay_pair(done, left, decay_fn, decay_power, decay_ratio)
    body = jnp.where(done > 0, stable * g + lo * rest, stable)
    return c.warm(time, body, warmup_t, warmup_lr_init, base_lr)


@register(c.evaluate(_wsd_core), name=c.P + "WSDLRScheduler")
def WSDLRScheduler(
    base_lr: float,
    t_initial: int,
    decay_t: int,
    lr_min: float = 0.0,
    stable_fn: str = "constant",
    stable_timescale: float | None = None,
    stable_power: float = 0.5,
    decay_fn: str | Callable[[Array], Any] = "1-sqrt",
    decay_power: float = 0.5,
    decay_ratio: float = 0.1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    updates_per_epoch: int | None = None,
) -> Schedule:
    """``timm.scheduler.WSDLRScheduler``: warmup, stable, decay, with timm's stable and
    decay functions.

    ``lr(t) = warmup_lr_init + t * (base_lr - warmup_lr_init) / warmup_t`` for
    ``t < warmup_t``; then, with ``t_s = t - warmup_t`` (the warmup is always a prefix),
    ``v = max(base_lr * stable(t_s), lr_min)`` and
    ``frac = min((t_s - (t_initial - decay_t)) / decay_t, 1)``:
    ``lr(t) = v`` while ``frac <= 0``, else ``lr_min + (v - lr_min) * decay(frac)``. The
    schedule lasts ``warmup_t + t_initial`` (timm's ``get_cycle_length()``) and holds
    ``lr_min`` after (every named decay reaches 0 at ``frac = 1``).

    ``stable``: ``constant`` 1 (WSD); ``rsqrt`` ``(1 + t_s / stable_timescale) ** -0.5``
    (Big Vision's rsqrt when ``stable_timescale`` is ``warmup_t``, its default);
    ``power`` ``(1 + t_s / stable_timescale) ** -stable_power`` (the Power scheduler). A
    decaying stable function keeps decaying through the decay phase.
    ``decay``: ``1-sqrt`` ``1 - sqrt(frac)`` (timm's default, Hägele et al.), ``linear``
    ``1 - frac``, ``cosine`` ``(1 + cos(pi frac)) / 2``, ``power``
    ``1 - frac ** decay_power``, ``exp`` ``(decay_ratio ** frac - decay_ratio) /
    (1 - decay_ratio)``, or a function of ``frac``.

    This is timm's ``_get_lr(t)``, with ``t`` and the noise as in the module docstring
    (``updates_per_epoch``, ``noise_*``). Each factor is computed from the exact remaining
    fraction of the decay (``1 - sqrt(f)`` as ``(1 - f) / (1 + sqrt(f))``,
    ``(1 + cos(pi f)) / 2`` as ``sin(pi (1 - f) / 2)**2``), so the last steps of a long
    decay keep float32's relative precision where a float32 ``1 - sqrt(f)`` would not;
    timm computes in float64. The ``power`` stable function carries float32's rounding of
    its exponent: up to ``stable_power * (1 + log(1 + t_s / stable_timescale)) * 3e-7``
    relative on top of the usual 2e-6 (``rsqrt`` is exact to float32's rounding). A
    callable ``decay_fn`` is called with ``frac`` as a float array (``frac`` in [0, 1],
    evaluated at every step) and must be elementwise and traceable by JAX (``jnp``
    operations); its own float32 rounding is the value's (timm calls it on a Python
    float); as with ``compat.torch.LambdaLR`` the repr names
    the function and ``parse`` cannot rebuild it. Natives: ``jaxlrs.wsd`` (constant stable
    phase), ``jaxlrs.rsqrt`` / ``jaxlrs.inverse_sqrt`` (reciprocal square root).

    Where jaxlrs differs: timm accepts a negative ``warmup_lr_init`` and a float
    ``t_initial`` or ``decay_t``; here they are refused (non-negative rates, whole
    lengths, as in the other ``compat.timm`` constructors). timm has no
    ``warmup_prefix`` argument for this class (the warmup is always a prefix), and none
    is taken here. A ``decay_ratio`` above ``1 - 2**-25`` (1 in float32) decays
    linearly, the limit of ``exp`` as the ratio tends to 1 (within 3e-8 of it).

    Args:
        base_lr: the optimizer's learning rate, non-negative.
        t_initial: length of the stable and decay phases, a positive integer (the warmup
            comes before it).
        decay_t: length of the decay, the last ``decay_t`` of ``t_initial``, an integer
            in ``[1, t_initial]``.
        lr_min: the rate at the end of the decay, non-negative.
        stable_fn: ``constant``, ``rsqrt`` or ``power``.
        stable_timescale: the timescale of ``rsqrt`` and ``power``, positive; None:
            ``warmup_t`` (which must then be positive).
        stable_power: the exponent of ``power``, positive.
        decay_fn: ``linear``, ``1-sqrt``, ``cosine``, ``power``, ``exp``, or a function
            of ``frac``.
        decay_power: the exponent of the ``power`` decay, positive.
        decay_ratio: the ``exp`` decay's ratio, in (0, 1).
        warmup_t: length of the linear warmup, a non-negative integer.
        warmup_lr_init: the warmup's start, non-negative.
        t_in_epochs: ``t`` counts epochs or updates.
        noise_range_t: None, a ``t`` from which on noise applies, or ``[start, stop)``.
        noise_pct: bound on the relative noise, in (0, 1).
        noise_std: standard deviation of the noise before truncation, positive.
        noise_seed: the noise's key, an integer in [0, 2**31 - 1].
        updates_per_epoch: with ``t_in_epochs``, the updates per epoch (see
            ``CosineLRScheduler``).

    Example:
        >>> from jaxlrs.compat import timm
        >>> s = timm.WSDLRScheduler(1.0, 10, 4, decay_fn="linear", warmup_t=2)
        >>> s([0, 1, 2, 8, 9, 10, 12, 20]).tolist()
        [0.0, 0.5, 1.0, 1.0, 0.75, 0.5, 0.0, 0.0]
        >>> s
        compat.timm.WSDLRScheduler(1.0, 10, 4, decay_fn='linear', warmup_t=2)

    References:
        Hu et al., "MiniCPM: Unveiling the Potential of Small Language Models with
        Scalable Training Strategies", 2024. https://arxiv.org/abs/2404.06395
        Hägele et al., "Scaling Laws and Compute-Optimal Training Beyond Fixed Training
        Durations", 2024. https://arxiv.org/abs/2405.18392
        Shen et al., "Power Scheduler", 2024. https://arxiv.org/abs/2408.13359
    """
    fn = "WSDLRScheduler"
    t_initial = check.integer(fn, "t_initial", t_initial)
    decay_t = check.integer(fn, "decay_t", decay_t)
    if not (check.is_traced(t_initial) or check.is_traced(decay_t)) and decay_t > t_initial:
        check._fail(fn, "decay_t", f"in [1, t_initial] (t_initial={t_initial!r})", decay_t)
    stable_fn = check.option(fn, "stable_fn", stable_fn, STABLE_FNS)
    if isinstance(decay_fn, Schedule) or not (isinstance(decay_fn, str) or callable(decay_fn)):
        allowed = f"one of {', '.join(map(repr, DECAY_FNS))} or a function"
        check._fail(fn, "decay_fn", allowed, decay_fn, TypeError)
    if isinstance(decay_fn, str):
        decay_fn = check.option(fn, "decay_fn", decay_fn, DECAY_FNS)
    rest = c.common(
        fn,
        warmup_t=warmup_t,
        warmup_lr_init=warmup_lr_init,
        warmup_prefix=True,
        t_in_epochs=t_in_epochs,
        noise_range_t=noise_range_t,
        noise_pct=noise_pct,
        noise_std=noise_std,
        noise_seed=noise_seed,
        updates_per_epoch=updates_per_epoch,
    )
    del rest["warmup_prefix"]
    timescale = check.optional(check.positive, fn, "stable_timescale", stable_timescale)
    w = rest["warmup_t"]
    if stable_fn != "constant" and timescale is None and not check.is_traced(w) and w == 0:
        raise ValueError(
            f"{fn}(): stable_timescale must be given (positive) with stable_fn="
            f"{stable_fn!r} and no warmup: it defaults to warmup_t, got "
            f"stable_timescale=None, warmup_t=0"
        )
    args = {
        "base_lr": c.lr(fn, "base_lr", base_lr),
        "t_initial": t_initial,
        "decay_t": decay_t,
        "lr_min": c.lr(fn, "lr_min", lr_min),
        "stable_fn": stable_fn,
        "stable_timescale": timescale,
        "stable_power": check.positive(fn, "stable_power", stable_power),
        "decay_fn": decay_fn,
        "decay_power": check.positive(fn, "decay_power", decay_power),
        "decay_ratio": check.real(
            fn, "decay_ratio", decay_ratio, low=0.0, high=1.0, low_open=True, high_open=True
        ),
    }
    return c.build(fn, {**args, **rest})
