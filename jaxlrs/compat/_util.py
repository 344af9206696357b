"""Helpers shared by the peer-compatible constructors."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .. import _time
from .._curves import half_cos
from .._time import Time

Array = jax.Array


def is_concrete(x: Any) -> bool:
    """A Python number (not a JAX array or tracer): host arithmetic on it is exact."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def before(time: Time, n: Any) -> Array:
    """``t < n`` for a step-count ``n``: exact for integer steps and counts."""
    n = _time.count(n)
    if time.exact and _time.is_int(n):
        return _time.whole(time) < n
    return _time.to_float(time) < n.astype(_time.float_dtype())


def periodic_cosine(time: Time, half: Any) -> Array:
    """``(1 + cos(pi t / half)) / 2`` for every ``t``: down over ``[0, half]``, back up over
    ``[half, 2 half]``, and so on. The half-period index and the position inside it are exact
    integers for integer steps, so the value is accurate at any step and near its zeros."""
    k = _time.floordiv(time, half)
    local = _time.minus(time, k * _time.count(half)) if time.exact else _float_local(time, k, half)
    done, left = _time.ramp(local, half)
    odd = (k % 2) == 1
    return jnp.where(odd, half_cos(done), half_cos(left))


def _float_local(time: Time, k: Array, half: Any) -> Time:
    h = _time.count(half).astype(_time.float_dtype())
    return Time(jnp.clip(_time.to_float(time) - k * h, 0, h))


def warmup_fraction(time: Time, steps: Any) -> Array:
    """``t / max(1, steps)`` (Hugging Face's warmup factor), exact for integer steps."""
    done, _ = _time.ramp(time, jnp.maximum(_time.count(steps), 1))
    return done
