"""timm's stair schedulers, ``StepLRScheduler`` and ``MultiStepLRScheduler``; public as
``jaxlrs.compat.timm.*`` (see that module for the conventions)."""

from __future__ import annotations

from typing import Any

import jax

from .. import _check as check
from .. import _time
from .._primitives import _exponent, times_power
from .._schedule import Schedule, register
from .._time import Time
from . import _timm_common as c
from ._timm_cycles import _common

Array = jax.Array


# -- StepLRScheduler -----------------------------------------------------------------------


def _step_core(
    time: Time,
    base_lr: Any,
    decay_t: Any,
    decay_rate: Any,
    warmup_t: Any,
    warmup_lr_init: Any,
    warmup_prefix: bool,
) -> Array:
    local = c.after_warmup(time, warmup_t, warmup_prefix)
    body = times_power(base_lr, decay_rate, _exponent(local, decay_t, True))
    return c.warm(time, body, warmup_t, warmup_lr_init, base_lr)


@register(c.evaluate(_step_core), name=c.P + "StepLRScheduler")
def StepLRScheduler(
    base_lr: float,
    decay_t: float,
    decay_rate: float = 1.0,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    updates_per_epoch: int | None = None,
) -> Schedule:
    """``timm.scheduler.StepLRScheduler``: a factor every ``decay_t``, after a warmup.

    ``lr(t) = base_lr * decay_rate ** floor(u / decay_t)`` with ``u = t - warmup_t`` when
    ``warmup_prefix`` (timm's default here), else ``u = t``; for ``t < warmup_t``,
    ``warmup_lr_init + t * (base_lr - warmup_lr_init) / warmup_t``. See the module
    docstring for ``t`` and the noise. Native: ``jaxlrs.step_decay``.

    Args:
        base_lr: the optimizer's learning rate, non-negative.
        decay_t: the interval between decays, positive. A float (EfficientNet's 2.4, or
            ``decay_epochs * updates_per_epoch`` from ``create_scheduler_v2``) gives
            timm's stair ``u // decay_t`` exactly: the floor of ``u`` by the float64
            value (``12 // 2.4 == 5``, ``1 // 0.1 == 9``), at every integer ``u`` (past
            ``2**31 - 256`` stairs, which only a ``decay_t`` below 1 reaches, the rest of
            the stair count is a float). A traced ``decay_t`` is the float32 it holds:
            the stair is then exact for that value, within float32 rounding of timm's.
        decay_rate: the factor at each decay, positive.
        warmup_t: length of the linear warmup, a non-negative integer.
        warmup_lr_init: the warmup's start, non-negative.
        warmup_prefix: count the decays from the end of the warmup (else from ``t = 0``).
        t_in_epochs: ``t`` counts epochs or updates.
        noise_range_t: None, a ``t`` from which on noise applies, or ``[start, stop)``.
        noise_pct: bound on the relative noise, in (0, 1).
        noise_std: standard deviation of the noise before truncation, positive.
        noise_seed: the noise's key, an integer in [0, 2**31 - 1].
        updates_per_epoch: with ``t_in_epochs``, the updates per epoch (see
            ``CosineLRScheduler``).

    Example:
        >>> from jaxlrs.compat import timm
        >>> s = timm.StepLRScheduler(1.0, 3, decay_rate=0.5, warmup_t=2, warmup_lr_init=0.5)
        >>> s([0, 1, 2, 4, 5, 8]).tolist()
        [0.5, 0.75, 1.0, 1.0, 0.5, 0.25]
    """
    fn = "StepLRScheduler"
    decay_t = check.positive(fn, "decay_t", decay_t)
    return c.build(
        fn,
        {
            "base_lr": c.lr(fn, "base_lr", base_lr),
            "decay_t": decay_t,
            "decay_rate": check.positive(fn, "decay_rate", decay_rate),
            **_common(fn, locals()),
            "updates_per_epoch": c.per_epoch(fn, updates_per_epoch, t_in_epochs),
        },
    )


# -- MultiStepLRScheduler ------------------------------------------------------------------


def _multistep_core(
    time: Time,
    base_lr: Any,
    decay_t: Any,
    decay_rate: Any,
    warmup_t: Any,
    warmup_lr_init: Any,
    warmup_prefix: bool,
) -> Array:
    local = c.after_warmup(time, warmup_t, warmup_prefix)
    if isinstance(decay_t, tuple):
        if not decay_t:
            body = _time.value(base_lr)
            return c.warm(time, body, warmup_t, warmup_lr_init, base_lr)
        # timm's bisect_right(decay_t, t + 1): the milestones m with m - 1 <= t
        before = _time.counts(tuple(m - 1 for m in decay_t))
    else:
        before = _time.counts(decay_t) - 1
    n = _time.count_le(local, before)
    body = times_power(base_lr, decay_rate, (n, None))
    return c.warm(time, body, warmup_t, warmup_lr_init, base_lr)


@register(c.evaluate(_multistep_core), name=c.P + "MultiStepLRScheduler")
def MultiStepLRScheduler(
    base_lr: float,
    decay_t: list[int],
    decay_rate: float = 1.0,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    updates_per_epoch: int | None = None,
) -> Schedule:
    """``timm.scheduler.MultiStepLRScheduler``: a factor at each milestone, one ``t`` early.

    ``lr(t) = base_lr * decay_rate ** #{m in decay_t : m <= u + 1}`` with
    ``u = t - warmup_t`` when ``warmup_prefix`` (timm's default here), else ``u = t``; for
    ``t < warmup_t``, ``warmup_lr_init + t * (base_lr - warmup_lr_init) / warmup_t``. timm
    compares the milestones with ``u + 1`` (``bisect_right(decay_t, t + 1)``), so milestone
    ``m`` applies from ``u = m - 1``, one step before PyTorch's ``MultiStepLR`` (timm keeps
    this on purpose). See the module docstring for ``t`` and the noise. Native:
    ``jaxlrs.multistep`` with every milestone less one. A binary search: O(log n) per step.

    Args:
        base_lr: the optimizer's learning rate, non-negative.
        decay_t: the milestones, positive integers in non-decreasing order (a repeated one
            decays twice, as timm's ``bisect`` does).
        decay_rate: the factor at each milestone, positive.
        warmup_t: length of the linear warmup, a non-negative integer.
        warmup_lr_init: the warmup's start, non-negative.
        warmup_prefix: count the milestones from the end of the warmup (else from 0).
        t_in_epochs: ``t`` counts epochs or updates.
        noise_range_t: None, a ``t`` from which on noise applies, or ``[start, stop)``.
        noise_pct: bound on the relative noise, in (0, 1).
        noise_std: standard deviation of the noise before truncation, positive.
        noise_seed: the noise's key, an integer in [0, 2**31 - 1].
        updates_per_epoch: with ``t_in_epochs``, the updates per epoch (see
            ``CosineLRScheduler``).

    Example:
        >>> from jaxlrs.compat import timm
        >>> s = timm.MultiStepLRScheduler(1.0, [3, 5], decay_rate=0.5)
        >>> s([0, 1, 2, 3, 4, 5]).tolist()
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """
    fn = "MultiStepLRScheduler"
    milestones = check.integers(fn, "decay_t", decay_t, strict=False)
    if not check.is_traced(milestones) and any(
        not check.is_traced(m) and m < 1 for m in milestones
    ):
        check._fail(fn, "decay_t", "a list of positive integers", list(milestones))
    return c.build(
        fn,
        {
            "base_lr": c.lr(fn, "base_lr", base_lr),
            "decay_t": milestones,
            "decay_rate": check.positive(fn, "decay_rate", decay_rate),
            **_common(fn, locals()),
            "updates_per_epoch": c.per_epoch(fn, updates_per_epoch, t_in_epochs),
        },
    )
