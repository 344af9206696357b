"""``transformers.get_cosine_with_min_lr_schedule_with_warmup_lr_rate`` (re-exported by
:mod:`jaxlrs.compat.transformers`; Hugging Face's ``"cosine_warmup_with_min_lr"``)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .. import _check as check
from .. import _time
from .._schedule import Schedule, register
from .._time import Time, value
from . import transformers as hf
from ._util import before

Array = jax.Array

_P = "compat.transformers."


def _warmup(time: Time, w: Array, warmup_lr_rate: Any) -> Array:
    """The warmup factor at ``t < W``: ``(t + 1) / max(1, W)``, or
    ``r0 + (1 - r0) t / max(1, W - 1)`` for ``r0 = warmup_lr_rate`` (exact ramps; the
    ``t + 1`` is formed only below ``W``, so it never wraps)."""
    if warmup_lr_rate is not None:
        r0 = value(warmup_lr_rate)
        done, _ = _time.ramp(time, jnp.maximum(w - 1, 1))
        return r0 + (1 - r0) * done
    lng = jnp.maximum(w, 1)
    if time.exact and time.d is None and _time.is_int(lng):
        k = jnp.minimum(time.n, lng - 1) + 1
        done, _ = _time.ramp(Time(k), lng)
        return done
    f = _time.float_dtype()
    return (_time.to_float(time) + 1) / lng.astype(f)


def _lr_rate(
    time: Time,
    peak: Any,
    num_warmup_steps: Any,
    num_training_steps: Any,
    num_cycles: Any,
    min_lr: Any,
    min_lr_rate: Any,
    warmup_lr_rate: Any,
) -> Array:
    w = _time.count(num_warmup_steps)
    length = jnp.maximum(hf._less(num_training_steps, w), 1)
    wave = hf._wave(_time.minus(time, w), length, num_cycles, ahead=True)
    p = value(peak)
    up = p * _warmup(time, w, warmup_lr_rate)
    if min_lr is not None:
        # peak * max(0, f (1 - r) + r) with r = min_lr / peak, without the division (as
        # get_cosine_with_min_lr_schedule_with_warmup): kept where v and peak share a sign.
        m = value(min_lr)
        v = wave * (p - m) + m
        keep = ((v > 0) & (p > 0)) | ((v < 0) & (p < 0))
        down = jnp.where(keep, v, 0.0)
    else:
        r = value(min_lr_rate)
        down = p * jnp.maximum(wave * (1 - r) + r, 0.0)
    return jnp.where(before(time, w), up, down)


@register(_lr_rate, name=_P + "get_cosine_with_min_lr_schedule_with_warmup_lr_rate")
def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    peak: float,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
    warmup_lr_rate: float | None = None,
) -> Schedule:
    """``transformers.get_cosine_with_min_lr_schedule_with_warmup_lr_rate``: a cosine to a
    floor, one step ahead of :func:`get_cosine_with_min_lr_schedule_with_warmup`.

    With ``W = num_warmup_steps``, ``T = num_training_steps`` and ``r = min_lr / peak`` or
    ``min_lr_rate`` (give exactly one)::

        lr(t) = peak * (t + 1) / max(1, W)                       for t < W
              = peak * (r0 + (1 - r0) * t / max(1, W - 1))       for t < W, r0 = warmup_lr_rate
              = peak * max(0, f * (1 - r) + r)                    for t >= W,
        f = (1 + cos(2 pi num_cycles p)) / 2,  p = (t - W + 1) / max(1, T - W).

    So the warmup's first step already has ``peak / W`` (or ``peak * r0``), the last warmup
    step has ``peak``, and the cosine reaches the floor ``peak * r`` at step ``T - 1``.
    **Not clamped past the end**, as in Hugging Face: with the default ``num_cycles=0.5``
    the rate rises again after step ``T - 1``. The phase is exact for ``num_cycles``'s
    float64 value at every step (as :func:`get_cosine_schedule_with_warmup`'s). Hugging
    Face silently accepts ``T <= W``; jaxlrs raises ``ValueError``.

    Args:
        peak: the optimizer's learning rate.
        num_warmup_steps: ``W``, a non-negative integer.
        num_training_steps: ``T``, the total (warmup included), larger than ``W``.
        num_cycles: cosine periods between ``W`` and ``T`` (0.5: one half-wave down), at
            most 2**30.
        min_lr: the floor as a rate (``peak`` must then be positive).
        min_lr_rate: the floor as a fraction of ``peak``.
        warmup_lr_rate: the first warmup step's rate as a fraction of ``peak``, or None
            for ``1 / max(1, W)``.

    Example:
        >>> from jaxlrs.compat import transformers as hf
        >>> s = hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
        ...     1.0, 4, 104, min_lr_rate=0.5
        ... )
        >>> [round(v, 6) for v in s([0, 1, 3, 53, 103]).tolist()]
        [0.25, 0.5, 1.0, 0.75, 0.5]
    """
    fn = "get_cosine_with_min_lr_schedule_with_warmup_lr_rate"
    args = hf._min_lr_args(
        fn, peak, num_warmup_steps, num_training_steps, num_cycles, min_lr, min_lr_rate
    )
    warmup_lr_rate = check.optional(check.real, fn, "warmup_lr_rate", warmup_lr_rate)
    return Schedule(_P + fn, {**args, "warmup_lr_rate": warmup_lr_rate})
