"""What timm's schedulers share (``timm/scheduler/scheduler.py``): the map from a jaxlrs
step to timm's ``t``, the linear warmup, the cycles of the cosine, tanh and polynomial
schedulers, the noise, and the validation of their common arguments. Public as
``jaxlrs.compat.timm.*``: see that module for the conventions.

The cycles reuse ``jaxlrs._cycles.locate_rest`` (exact cycle index and position), not ``sgdr`` or
``cycle``: timm decays the peak, ``lr_min + (base_lr * d**i - lr_min) * c``, where ``sgdr``
decays the height above its floor and ``cycle`` scales the floor too. The noise reuses
``jaxlrs.noise``'s key and fold (``_noise._base_key``, ``_noise._fold``) and draw, scaled
by ``noise_std``, which ``jaxlrs.noise`` has no argument for."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _check as check
from .. import _time
from .._cycles import locate_rest
from .._noise import _base_key, _fold
from .._primitives import times_power
from .._schedule import Schedule
from .._time import Time, count, value

Array = jax.Array

P = "compat.timm."

# The arguments every timm scheduler takes after its own, in timm's order (``initialize``
# has no counterpart), then jaxlrs's ``updates_per_epoch``.
NOISE = ("noise_range_t", "noise_pct", "noise_std", "noise_seed")


# -- timm's t ------------------------------------------------------------------------------


def timm_time(time: Time, updates_per_epoch: Any) -> Time:
    """timm's integer ``t`` for the jaxlrs step: ``floor(k / updates_per_epoch)`` (the
    epoch of update ``k``), or ``floor(k)`` without ``updates_per_epoch``. Exact integer
    division for an integer step."""
    if updates_per_epoch is not None:
        time = _time.stretch(time, updates_per_epoch)
    if time.exact:
        return Time(_time.whole(time))
    return Time(jnp.floor(time.n))


def warm(time: Time, body: Array, warmup_t: Any, warmup_lr_init: Any, target: Any) -> Array:
    """timm's warmup: ``warmup_lr_init + t * (target - warmup_lr_init) / warmup_t`` for
    ``t < warmup_t``, else ``body``. Written as ``init * (W - t) / W + target * t / W`` with
    both weights from exact integers."""
    if isinstance(warmup_t, int) and warmup_t == 0:
        return body
    done, left = _time.ramp(time, warmup_t)
    ramp = value(warmup_lr_init) * left + value(target) * done
    return jnp.where(_time.before(time, warmup_t), ramp, body)


def after_warmup(time: Time, warmup_t: Any, warmup_prefix: bool) -> Time:
    """The ``t`` the decay sees: ``t - warmup_t`` with ``warmup_prefix`` (clamped at 0,
    used only from ``t = warmup_t`` on), else ``t``."""
    if not warmup_prefix or (isinstance(warmup_t, int) and warmup_t == 0):
        return time
    return _time.minus(time, warmup_t)


def cycles(
    time: Time,
    curve: Callable[[Array, Array, Array, Array], Array],
    base_lr: Any,
    t_initial: Any,
    lr_min: Any,
    cycle_mul: Any,
    cycle_decay: Any,
    cycle_limit: Any,
) -> Array:
    """timm's cycles at ``t`` (warmup already taken off): cycle ``i`` of length
    ``t_initial * cycle_mul**i`` runs ``curve(done, left, lr_max, lr_min)`` with
    ``done = t_curr / t_i``, ``left = 1 - done`` and ``lr_max = base_lr * cycle_decay**i``
    (``curve`` is ``hi * w + lo * (1 - w)``, linear in ``hi``); from cycle ``cycle_limit``
    on, ``lr_min``. The cycle index and position come from
    :func:`jaxlrs._cycles.locate_rest` (exact integers for an integer ``cycle_mul``; for a
    float one, ``left`` from the double-float remainder of the cycle, which a float32
    position near the cycle's end has lost: ``(1 - r)**0.5`` needs it)."""
    if isinstance(cycle_mul, float) and cycle_mul.is_integer():
        cycle_mul = int(cycle_mul)
    period = count(t_initial)
    i, local, ok, rough, rest = locate_rest(time, period, cycle_mul)
    done, left = _time.ramp(local, period)
    if rest is not None:  # a float cycle_mul: the remainder to float precision
        left = rest / period.astype(rest.dtype)
    if ok is not None and rough is not None:
        r_done, r_left = _time.ramp(rough, period)
        done, left = jnp.where(ok, done, r_done), jnp.where(ok, left, r_left)
    if isinstance(cycle_decay, (int, float)) and cycle_decay == 1:
        v = curve(done, left, value(base_lr), value(lr_min))
    else:
        # Every curve is lr_max * w + lr_min * (1 - w): lr_max * w is formed by times_power
        # as base_lr * w * cycle_decay**i, so a growing peak that alone passes float32's
        # range (1e-11 * 1.5**283) still gives the representable value lr_max * w.
        w = curve(done, left, jnp.ones((), done.dtype), jnp.zeros((), done.dtype))
        low = curve(done, left, jnp.zeros((), done.dtype), value(lr_min))
        v = low + times_power(value(base_lr) * w, cycle_decay, (i, None))
    limit = count(cycle_limit)
    # (a float limit is one beyond the index maximum, above every cycle index)
    inside = i.astype(limit.dtype) < limit
    return jnp.where(inside, v, value(lr_min))


# -- noise ---------------------------------------------------------------------------------


def _bound(x: Any) -> Any:
    """An integer ``t`` is ``>= x`` exactly when it is ``>= ceil(x)``: the bound as an
    integer count, ``ceil`` of the float64 value (``t >= 67.00000000000001`` from
    ``t = 68`` on, as in timm; float32 rounds the bound to 67); a float one beyond every
    step is clipped to the index maximum."""
    if isinstance(x, (int, float)):
        return math.ceil(x)
    if _time.is_int(x):
        return x
    return _time.float_ceil(x)  # exact for the float64 value (float32 rounds it)


def noisy(
    time: Time, v: Array, noise_range_t: Any, noise_pct: Any, noise_std: Any, noise_seed: Any
) -> Array:
    """``v * (1 + n(t))`` where timm's ``_is_apply_noise(t)`` holds, ``n(t)`` drawn from
    ``fold_in(key(noise_seed), t)`` as :func:`jaxlrs.noise` draws it:
    ``noise_std * z``, ``z`` a standard normal truncated to
    ``(-noise_pct / noise_std, noise_pct / noise_std)`` (timm: ``randn * noise_std``
    resampled until ``|noise| < noise_pct``). With ``noise_std = 1`` the draw is
    ``jaxlrs.noise``'s, bit for bit."""
    if noise_range_t is None:
        return v
    if isinstance(noise_range_t, tuple) or np.ndim(noise_range_t) == 1:  # (an array when packed)
        start, stop = noise_range_t[0], noise_range_t[1]
        live = ~_time.before(time, _bound(start)) & _time.before(time, _bound(stop))
    else:
        live = ~_time.before(time, _bound(noise_range_t))
    f = _time.float_dtype()
    step = time.n
    if not time.exact:
        top = float(_time.index_max())
        step = jnp.clip(step, 0, top).astype(_time.index_dtype())
    std = value(noise_std)
    edge = value(noise_pct) / std
    root = _base_key(noise_seed)

    def draw(i: Array) -> Array:
        return jax.random.truncated_normal(_fold(root, i), -edge, edge, (), f)

    flat = jnp.reshape(step, (-1,))
    z = jnp.reshape(jax.vmap(draw)(flat), jnp.shape(step))
    return v * jnp.where(live, 1 + std * z, 1.0)


def evaluate(
    core: Callable[..., Array],
) -> Callable[..., Array]:
    """The ``apply`` of a timm constructor: ``core(t, **args)`` at timm's ``t``, then the
    noise."""

    def apply(
        time: Time,
        *,
        t_in_epochs: bool,
        noise_range_t: Any,
        noise_pct: Any,
        noise_std: Any,
        noise_seed: Any,
        updates_per_epoch: Any,
        **args: Any,
    ) -> Array:
        t = timm_time(time, updates_per_epoch)
        v = core(t, **args)
        return noisy(t, v, noise_range_t, noise_pct, noise_std, noise_seed)

    return apply


# -- validation ----------------------------------------------------------------------------


def lr(fn: str, name: str, x: Any) -> Any:
    return check.real(fn, name, x, low=0.0)


def _range(fn: str, x: Any) -> Any:
    """None, a non-negative number (noise from that ``t`` on), or a pair ``[start, stop)``
    of non-negative numbers with ``start < stop``."""
    allowed = "None, a non-negative number, or a pair [start, stop) with 0 <= start < stop"
    if x is None:
        return None
    if isinstance(x, (list, tuple)) or (isinstance(x, (np.ndarray, jax.Array)) and np.ndim(x)):
        xs = check.sequence(fn, "noise_range_t", x)
        if check.is_traced(xs):
            if np.shape(xs) != (2,):
                check._fail(fn, "noise_range_t", allowed, x)
            return xs
        if len(xs) != 2:
            check._fail(fn, "noise_range_t", allowed, list(xs))
        pair = tuple(check.real(fn, "noise_range_t", v, low=0.0) for v in xs)
        if not any(check.is_traced(v) for v in pair) and not pair[0] < pair[1]:
            check._fail(fn, "noise_range_t", allowed, list(pair))
        return pair
    return check.real(fn, "noise_range_t", x, low=0.0)


def _seed(fn: str, x: Any) -> Any:
    allowed = "an integer in [0, 2**31 - 1] (the key of jaxlrs.noise)"
    if check.is_traced(x):
        if np.ndim(x) != 0 or not jnp.issubdtype(x.dtype, jnp.integer):
            check._fail(fn, "noise_seed", allowed, x, TypeError)
        return x
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        check._fail(fn, "noise_seed", allowed, x, TypeError)
    x = int(x)
    if not 0 <= x <= 2**31 - 1:
        check._fail(fn, "noise_seed", allowed, x)
    return x


def per_epoch(fn: str, updates_per_epoch: Any, t_in_epochs: bool) -> Any:
    if updates_per_epoch is None:
        return None
    n = check.integer(fn, "updates_per_epoch", updates_per_epoch)
    if not t_in_epochs:
        raise ValueError(
            f"{fn}(): updates_per_epoch must be None when t_in_epochs=False (timm's t is "
            f"then the update count itself, and every length is in updates), got "
            f"updates_per_epoch={n!r}"
        )
    return n


def common(
    fn: str,
    *,
    warmup_t: Any,
    warmup_lr_init: Any,
    warmup_prefix: Any,
    t_in_epochs: Any,
    noise_range_t: Any,
    noise_pct: Any,
    noise_std: Any,
    noise_seed: Any,
    updates_per_epoch: Any,
) -> dict[str, Any]:
    """The warmup, noise and epoch arguments, checked, by name."""
    t_in_epochs = check.flag(fn, "t_in_epochs", t_in_epochs)
    # (0, 1): timm's resampling loop never ends for 0; from 1 on the rate could reach 0.
    pct = check.real(fn, "noise_pct", noise_pct, low=0.0, high=1.0, low_open=True, high_open=True)
    return {
        "warmup_t": check.integer(fn, "warmup_t", warmup_t, minimum=0),
        "warmup_lr_init": lr(fn, "warmup_lr_init", warmup_lr_init),
        "warmup_prefix": check.flag(fn, "warmup_prefix", warmup_prefix),
        "t_in_epochs": t_in_epochs,
        "noise_range_t": _range(fn, noise_range_t),
        "noise_pct": pct,
        "noise_std": check.positive(fn, "noise_std", noise_std),
        "noise_seed": _seed(fn, noise_seed),
        "updates_per_epoch": per_epoch(fn, updates_per_epoch, t_in_epochs),
    }


def cycle_args(
    fn: str, t_initial: Any, lr_min: Any, cycle_mul: Any, cycle_decay: Any, cycle_limit: Any
) -> dict[str, Any]:
    """The cycle arguments, checked. A whole ``cycle_mul`` given as a float (timm's default
    ``1.0``) is stored as an int, as ``jaxlrs.sgdr`` stores its ``period_mult``: the
    schedule's leaves arrive traced on the eager path, where only an integer leaf takes
    the exact integer cycles (a float one locates them in float32, which cannot hold the
    position inside a cycle past 2**24 steps)."""
    cycle_mul = check.period_mult(fn, "cycle_mul", cycle_mul)
    if isinstance(cycle_mul, float) and cycle_mul.is_integer():
        cycle_mul = int(cycle_mul)
    return {
        "t_initial": check.integer(fn, "t_initial", t_initial),
        "lr_min": lr(fn, "lr_min", lr_min),
        "cycle_mul": cycle_mul,
        "cycle_decay": check.positive(fn, "cycle_decay", cycle_decay),
        "cycle_limit": check.integer(fn, "cycle_limit", cycle_limit, minimum=0),
    }


def build(fn: str, args: dict[str, Any]) -> Schedule:
    return Schedule(P + fn, args)
