"""Multiplicative learning-rate noise that is a pure function of ``(key, step)``.

Hyperparameters are validated when concrete; traced ones (inside ``jit``, ``vmap``,
``grad``) cannot be inspected and are not checked.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _check as check
from . import _time
from ._schedule import Schedule, register
from ._time import Time, count, float_dtype, index_dtype, value

Array = jax.Array

KINDS = ("normal", "uniform")
_IMPL = "threefry2x32"


def _base_key(key: Any) -> Array:
    if isinstance(key, tuple) or jnp.ndim(key) == 1:  # two key words (an array when packed)
        words = jnp.stack([jnp.asarray(w).astype(jnp.int32) for w in key])
        return jax.random.wrap_key_data(jax.lax.bitcast_convert_type(words, jnp.uint32), impl=_IMPL)
    return jax.random.key(key, impl=_IMPL)


def _fold(key: Array, step: Array) -> Array:
    """A key for one step: the step's bits folded into ``key`` (both halves when 64-bit)."""
    key = jax.random.fold_in(key, step.astype(jnp.uint32))  # the low 32 bits
    if step.dtype.itemsize == 8:
        key = jax.random.fold_in(key, (step >> 32).astype(jnp.uint32))
    return key


def _noise(
    time: Time, schedule: Schedule, key: Any, pct: Any, kind: str, start: Any, stop: Any
) -> Array:
    base = schedule._apply(time)
    f = float_dtype()
    if time.exact:
        step = _time.whole(time)
    else:
        top = float(_time.index_max())
        step = jnp.clip(jnp.floor(_time.to_float(time)), 0, top).astype(index_dtype())
    p = value(pct)
    on = p > 0
    safe = jnp.where(on, p, 1.0)
    root = _base_key(key)

    def draw(i: Array) -> Array:
        k = _fold(root, i)
        if kind == "normal":
            return jax.random.truncated_normal(k, -safe, safe, (), f)
        return jax.random.uniform(k, (), f, -safe, safe)

    flat = jnp.reshape(step, (-1,))
    n = jnp.reshape(jax.vmap(draw)(flat), jnp.shape(step))
    live = on & (step >= count(start).astype(step.dtype))
    if stop is not None:
        live = live & (step < count(stop).astype(step.dtype))
    return base * jnp.where(live, 1 + n, 1.0)


def _key(fn: str, key: Any) -> Any:
    """An int seed, or a threefry key as a pair of int32 words (so it prints and parses)."""
    if check.is_traced(key) and np.shape(key) == () and jnp.issubdtype(key.dtype, jnp.integer):
        return key
    if isinstance(key, (jax.Array, np.ndarray)) and np.shape(key) == ():
        if jnp.issubdtype(key.dtype, jnp.integer):
            key = int(key)
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        key = int(key)
        if not 0 <= key <= 2**31 - 1:
            raise ValueError(f"{fn}(): key must be a non-negative integer below 2**31, got {key}")
        return key
    if isinstance(key, (jax.Array, np.ndarray)) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        impl = str(jax.random.key_impl(key))
        if impl != _IMPL and "threefry" not in impl:
            raise ValueError(f"{fn}(): key must be a threefry2x32 PRNG key, got impl {impl}")
        key = jax.random.key_data(key)
    if isinstance(key, (list, tuple, jax.Array, np.ndarray)):
        if np.shape(key) != (2,):
            raise ValueError(
                f"{fn}(): key must be an int seed or a PRNG key (2 uint32 words), "
                f"got shape {np.shape(key)}"
            )
        if check.is_traced(key):
            words = jax.lax.bitcast_convert_type(jnp.asarray(key).astype(jnp.uint32), jnp.int32)
            return (words[0], words[1])
        plain = isinstance(key, (list, tuple)) and all(type(w) is int for w in key)
        raw = np.asarray(key, dtype=object if plain else None)  # NumPy may make 2**63 a float
        if isinstance(key, (list, tuple)) and any(isinstance(w, (bool, np.bool_)) for w in key):
            raise TypeError(f"{fn}(): key words must be integers, got {key!r}")
        if raw.dtype == object:  # Python ints too large for int64
            if not all(isinstance(w, int) for w in raw.tolist()):
                raise TypeError(f"{fn}(): key words must be integers, got {key!r}")
        elif not np.issubdtype(raw.dtype, np.integer):
            raise TypeError(f"{fn}(): key words must be integers, got {key!r}")
        ints = [int(w) for w in raw.tolist()]
        if not all(-(2**31) <= w <= 2**32 - 1 for w in ints):
            raise ValueError(
                f"{fn}(): key words must be 32-bit integers (from -2**31 to 2**32 - 1, signed "
                f"or unsigned), got {ints}"
            )
        return tuple(int(w) for w in np.asarray(ints, np.int64).astype(np.uint32).view(np.int32))
    raise TypeError(f"{fn}(): key must be an int seed or a JAX PRNG key, got {key!r}")


@register(_noise)
def noise(
    schedule: Schedule,
    key: int,
    pct: float = 0.67,
    kind: str = "normal",
    start: int = 0,
    stop: int | None = None,
) -> Schedule:
    """Multiply a schedule by random noise that depends only on ``(key, step)``.

    ``lr(t) = schedule(t) * (1 + n(t))`` for ``start <= t < stop``, else ``schedule(t)``,
    where ``n(t)`` is drawn from a key derived from ``key`` and the integer step
    (``jax.random.fold_in``): a standard normal truncated to ``(-pct, pct)`` (timm's
    "resample until ``|n| < pct``"), or uniform on ``(-pct, pct)``.

    The same step always gives the same value, so a resumed run reproduces the noise
    exactly; different steps are independent; the value stays within
    ``schedule(t) * (1 -+ pct)``. Works under ``jit`` and ``vmap`` (also over keys or
    ``pct``). A fractional step uses the noise of its whole step. The draws depend on
    the precision mode (with ``jax_enable_x64`` the step is 64-bit and the draw float64),
    so resume a run in the mode it started in to reproduce its noise.

    Args:
        schedule: the schedule to perturb.
        key: an int seed (recommended: it prints as itself), or a JAX PRNG key
            (``jax.random.key(0)`` or ``jax.random.PRNGKey(0)``, threefry), or its two
            32-bit words ``[a, b]``, each signed or unsigned (from -2**31 to 2**32 - 1;
            a word outside that range raises ``ValueError``, never truncated). A key
            is stored as its two words and prints as ``[a, b]`` (signed), which
            ``noise`` accepts back (``jax.random.key(s)`` draws the same noise as the
            seed ``s``).
        pct: bound on the relative noise, in [0, 1).
        kind: ``"normal"`` (truncated standard normal) or ``"uniform"``.
        start: first noisy step, a non-negative integer.
        stop: first step without noise again, or None for no end.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.noise(jaxlrs.constant(1.0), key=0, pct=0.1)
        >>> v = s([0, 1, 2, 0])
        >>> bool(v[0] == v[3]), bool(v[0] != v[1]), bool(abs(v - 1).max() < 0.1)
        (True, True, True)
        >>> s
        noise(constant(1.0), 0, pct=0.1)

    References:
        Wightman, "PyTorch Image Models" (timm), ``timm.scheduler`` noise options, 2019.
        https://github.com/huggingface/pytorch-image-models
    """
    fn = "noise"
    start = check.integer(fn, "start", start, minimum=0)
    stop = check.optional(check.integer, fn, "stop", stop)
    if stop is not None and not check.is_traced(stop) and not check.is_traced(start):
        if stop <= start:
            raise ValueError(f"{fn}(): stop must be greater than start, got stop={stop!r}")
    return Schedule(
        fn,
        {
            "schedule": check.schedule(fn, "schedule", schedule),
            "key": _key(fn, key),
            "pct": check.real(fn, "pct", pct, low=0.0, high=1.0, high_open=True),
            "kind": check.option(fn, "kind", kind, KINDS),
            "start": start,
            "stop": stop,
        },
    )
