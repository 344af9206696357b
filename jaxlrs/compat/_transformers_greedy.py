"""``transformers.optimization.GreedyLR`` as a jaxlrs controller (re-exported by
:mod:`jaxlrs.compat.transformers`; Hugging Face's ``"greedy"``)."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _check as check
from .. import _time
from .._controller import Controller, improved
from .._plateau import _count, _count_array, _metric

Array = jax.Array

_FN = "GreedyLR"
_DEFAULTS = {
    "mode": "min",
    "factor": 0.95,
    "patience": 10,
    "threshold": 1e-6,
    "threshold_mode": "abs",
    "cooldown": 0,
    "warmup": 0,
    "min_lr": 1e-3,
    "max_lr": 1.0,
    "eps": 1e-8,
    "smooth": False,
    "window_size": 50,
    "reset_start": 500,
}


class GreedyOptions(NamedTuple):
    """The numbers of the rule, as arrays (so that they sweep under ``vmap``)."""

    lr: Array
    factor: Array
    threshold: Array
    min_lr: Array
    max_lr: Array
    eps: Array
    patience: Array  # int32
    cooldown: Array  # int32
    warmup: Array  # int32
    reset_start: Array  # int32


class GreedyState(NamedTuple):
    """The state of :func:`GreedyLR`: arrays only. ``lr`` is the rate the next update
    uses; the others are Hugging Face's counters (``num_bad_epochs``,
    ``num_good_epochs``, ``cooldown_counter``, ``warmup_counter``, ``reset_start``) and
    its streaming average (``window``, a ring of ``window_size`` metrics; ``filled`` of
    them held, the next written at ``pos``; ``total`` their running sum)."""

    lr: Array
    best: Array
    num_bad: Array
    num_good: Array
    cooldown_left: Array
    warmup_left: Array
    reset_left: Array
    window: Array
    filled: Array
    pos: Array
    total: Array
    options: GreedyOptions


@dataclasses.dataclass(frozen=True, repr=False)
class Greedy(Controller):
    """The controller :func:`GreedyLR` builds (see there)."""

    lr: Any
    mode: str = "min"
    factor: Any = 0.95
    patience: Any = 10
    threshold: Any = 1e-6
    threshold_mode: str = "abs"
    cooldown: Any = 0
    warmup: Any = 0
    min_lr: Any = 1e-3
    max_lr: Any = 1.0
    eps: Any = 1e-8
    smooth: bool = False
    window_size: int = 50
    reset_start: Any = 500

    def init(self) -> GreedyState:
        f, i32 = _time.float_dtype(), jnp.int32
        opts = GreedyOptions(
            lr=jnp.asarray(self.lr, f),
            factor=jnp.asarray(self.factor, f),
            threshold=jnp.asarray(self.threshold, f),
            min_lr=jnp.asarray(self.min_lr, f),
            max_lr=jnp.asarray(self.max_lr, f),
            eps=jnp.asarray(self.eps, f),
            patience=jnp.asarray(self.patience, i32),
            cooldown=jnp.asarray(self.cooldown, i32),
            warmup=jnp.asarray(self.warmup, i32),
            reset_start=jnp.asarray(self.reset_start, i32),
        )
        zero = jnp.zeros((), i32)
        size = self.window_size if self.smooth else 1
        return GreedyState(
            lr=opts.lr,
            best=self._worst(f),
            num_bad=zero,
            num_good=zero,
            cooldown_left=zero,
            warmup_left=zero,
            reset_left=opts.reset_start,
            window=jnp.zeros((size,), f),
            filled=zero,
            pos=zero,
            total=jnp.zeros((), f),
            options=opts,
        )

    def _worst(self, f: Any) -> Array:
        return jnp.asarray(np.inf if self.mode == "min" else -np.inf, f)

    def value(self, state: GreedyState, count: Array) -> Array:
        return state.lr

    def update(self, state: GreedyState, count: Array, metric: Array) -> GreedyState:
        _count_array(_FN, count)
        o = state.options
        m = _metric(_FN, metric).astype(state.best.dtype)
        window, filled, pos, total = state.window, state.filled, state.pos, state.total
        current = m
        if self.smooth:  # append, then drop the oldest past window_size (HF's order)
            size = window.shape[0]
            full = filled == size
            total = total + m
            total = jnp.where(full, total - window[pos], total)
            window = window.at[pos].set(m)
            pos = (pos + 1) % size
            filled = jnp.minimum(filled + 1, size)
            current = total / filled.astype(total.dtype)
        waiting = (state.cooldown_left > 0) | (state.warmup_left > 0)
        cooling = state.cooldown_left > 0
        cooldown_left = jnp.where(cooling, state.cooldown_left - 1, state.cooldown_left)
        warmup_left = jnp.where(
            ~cooling & (state.warmup_left > 0), state.warmup_left - 1, state.warmup_left
        )
        better = improved(self.mode, self.threshold_mode, current, state.best, o.threshold)
        best = jnp.where(waiting | ~better, state.best, current)
        bad = jnp.where(waiting | better, 0, state.num_bad + 1)
        good = jnp.where(waiting | ~better, 0, state.num_good + 1)
        up = ~waiting & (good > o.patience)
        down = ~waiting & ~up & (bad > o.patience)
        lr = state.lr
        raised = jnp.minimum(lr / o.factor, o.max_lr)
        lowered = jnp.maximum(lr * o.factor, o.min_lr)
        lr = jnp.where(up & (raised - lr > o.eps), raised, lr)
        lr = jnp.where(down & (lr - lowered > o.eps), lowered, lr)
        # after a raise: the warmup starts and the reset counter is refilled
        warmup_left = jnp.where(up, o.warmup, warmup_left)
        good = jnp.where(up, 0, good)
        reset_left = jnp.where(up, o.reset_start, state.reset_left)
        # after a lowering at the floor: one step nearer to a reset to the initial state
        at_min = down & ~(lr > o.min_lr)
        reset_left = jnp.where(at_min, reset_left - 1, reset_left)
        reset = at_min & (reset_left <= 0)
        lr = jnp.where(reset, o.lr, lr)
        best = jnp.where(reset, self._worst(best.dtype), best)
        good = jnp.where(reset, 0, good)
        warmup_left = jnp.where(reset, 0, warmup_left)
        reset_left = jnp.where(reset, o.reset_start, reset_left)
        if self.smooth:
            window = jnp.where(reset, jnp.zeros_like(window), window)
            filled = jnp.where(reset, 0, filled)
            pos = jnp.where(reset, 0, pos)
            total = jnp.where(reset, jnp.zeros_like(total), total)
        # after any lowering attempt (a reset included): the cooldown starts
        cooldown_left = jnp.where(down, o.cooldown, cooldown_left)
        bad = jnp.where(down, 0, bad)
        i32 = jnp.int32
        return GreedyState(
            lr=lr,
            best=best,
            num_bad=bad.astype(i32),
            num_good=good.astype(i32),
            cooldown_left=cooldown_left.astype(i32),
            warmup_left=warmup_left.astype(i32),
            reset_left=reset_left.astype(i32),
            window=window,
            filled=filled.astype(i32),
            pos=pos.astype(i32),
            total=total,
            options=o,
        )

    def __repr__(self) -> str:
        parts = [repr(self.lr)]
        parts += [
            f"{k}={getattr(self, k)!r}" for k, d in _DEFAULTS.items() if getattr(self, k) != d
        ]
        return f"compat.transformers.GreedyLR({', '.join(parts)})"


def GreedyLR(
    lr: float,
    mode: str = "min",
    factor: float = 0.95,
    patience: int = 10,
    threshold: float = 1e-6,
    threshold_mode: str = "abs",
    cooldown: int = 0,
    warmup: int = 0,
    min_lr: float = 1e-3,
    max_lr: float = 1.0,
    eps: float = 1e-8,
    verbose: bool = False,
    smooth: bool = False,
    window_size: int = 50,
    reset_start: int = 500,
) -> Greedy:
    """``transformers.optimization.GreedyLR`` (``get_scheduler("greedy", ...)``): the rate
    divided by ``factor`` while the metric keeps improving, multiplied by it on a plateau.

    Each update reports a metric ``m`` (``update(state, k, m)``; with ``smooth``, ``m`` is
    replaced by the mean of the last ``window_size`` metrics, as Hugging Face's
    ``StreamingAverage``), and Hugging Face's ``step(m)`` runs on the state: during a
    cooldown or a warmup its counter goes down by 1 and the good and bad counts are reset;
    otherwise ``m`` better than ``best`` (``m < best - threshold`` for ``mode="min"``,
    ``threshold_mode="abs"``; ``m < best * (1 - threshold)`` for ``"rel"``; reversed for
    ``"max"``) sets ``best = m`` and counts a good update, else a bad one. More than
    ``patience`` good updates in a row: ``lr = min(lr / factor, max_lr)`` (if that raises
    it by more than ``eps``), the warmup counter is set to ``warmup`` and the reset
    counter refilled. More than ``patience`` bad ones: ``lr = max(lr * factor, min_lr)``
    (if that lowers it by more than ``eps``) and the cooldown counter is set to
    ``cooldown``; a lowering that leaves ``lr`` at ``min_lr`` counts the reset counter
    down, and when it reaches 0 the state returns to the start (``lr``, ``best``, the
    counters and the average). The rate starts at ``lr`` (not clamped to
    ``[min_lr, max_lr]``, as in Hugging Face).

    A controller, as :func:`jaxlrs.compat.torch.ReduceLROnPlateau`: use it as
    ``jaxlrs.optax.inject(optax.sgd, learning_rate=GreedyLR(...))`` and pass each update's
    metric as ``tx.update(grads, opt_state, params, value=loss)``; the rate update
    ``k + 1`` uses is Hugging Face's ``optimizer.param_groups[0]["lr"]`` after
    ``step(m_0) ... step(m_k)``, to float32 precision (a metric within float32 rounding of
    its bar may be judged otherwise than by Hugging Face's float64). ``patience``,
    ``cooldown``, ``warmup`` and ``reset_start`` count updates. Refused where Hugging Face
    accepts: ``verbose=True`` (no printing from a jitted step), a ``factor`` of 0 or
    below (Hugging Face divides by it), lists of rates per parameter group.

    Args:
        lr: the optimizer's learning rate (the rate before any change).
        mode: ``"min"`` or ``"max"``.
        factor: the multiplier of each lowering (the divisor of each raise), in (0, 1).
        patience: updates of improvement, or without, tolerated before a change.
        threshold: the improvement that counts, ``>= 0``.
        threshold_mode: ``"rel"`` or ``"abs"``.
        cooldown: updates after a lowering during which the metric is not judged.
        warmup: updates after a raise during which the metric is not judged.
        min_lr: the lowest rate a lowering gives.
        max_lr: the highest rate a raise gives.
        eps: a change of the rate by ``eps`` or less is not applied.
        verbose: False (accepted for Hugging Face's configurations).
        smooth: judge the mean of the last ``window_size`` metrics.
        window_size: the length of that mean, a positive integer.
        reset_start: lowerings at ``min_lr`` before the state returns to the start.

    Example:
        >>> import jax.numpy as jnp
        >>> from jaxlrs.compat import transformers as hf
        >>> c = hf.GreedyLR(0.1, factor=0.5, patience=0, min_lr=0.01)
        >>> state, rates = c.init(), []
        >>> for k, loss in enumerate([1.0, 0.5, 0.25, 0.3, 0.3, 0.3]):
        ...     state = c.update(state, jnp.int32(k), loss)
        ...     rates.append(round(float(c.value(state, k + 1)), 6))
        >>> rates
        [0.2, 0.4, 0.8, 0.4, 0.2, 0.1]

    References:
        Subramanian et al., "GreedyLR: A Novel Adaptive Learning Rate Scheduler", 2025.
        https://arxiv.org/abs/2512.14527
    """
    fn = _FN
    if verbose is not False:
        check._fail(fn, "verbose", "False (no printing from a jitted step)", verbose)
    for name, x in (("min_lr", min_lr), ("max_lr", max_lr)):
        if isinstance(x, (list, tuple)):
            check._fail(fn, name, "a number (one rate, no list per parameter group)", x)
    return Greedy(
        lr=check.real(fn, "lr", lr, low=0.0),
        mode=check.option(fn, "mode", mode, ("min", "max")),
        factor=check.real(fn, "factor", factor, low=0.0, high=1.0, low_open=True, high_open=True),
        patience=_count(fn, "patience", patience, 2**31 - 2),
        threshold=check.real(fn, "threshold", threshold, low=0.0),
        threshold_mode=check.option(fn, "threshold_mode", threshold_mode, ("rel", "abs")),
        cooldown=_count(fn, "cooldown", cooldown),
        warmup=_count(fn, "warmup", warmup),
        min_lr=check.real(fn, "min_lr", min_lr, low=0.0),
        max_lr=check.real(fn, "max_lr", max_lr, low=0.0),
        eps=check.real(fn, "eps", eps, low=0.0),
        smooth=check.flag(fn, "smooth", smooth),
        window_size=check.integer(fn, "window_size", window_size, minimum=1),
        reset_start=_count(fn, "reset_start", reset_start),
    )
