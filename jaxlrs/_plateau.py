"""Reduce on plateau: a value multiplied by ``factor`` when a metric stops improving.

PyTorch's ``ReduceLROnPlateau`` rule, as a :class:`~jaxlrs._controller.Controller` whose
state is arrays only (jittable, checkpointable, stackable under ``vmap``), on top of any
schedule. With ``n`` the number of reductions applied so far and ``b(k) = base(k)``:

``value(k) = max(b(k) * factor**n, min(b(k), min_value))``

For a constant base ``lr >= min_value`` this is PyTorch's ``max(lr * factor**n, min_lr)``;
with ``n = 0`` it is the base itself, bit for bit. The reduction never takes the value
below ``min_value``, and never above the base: where the base itself is below
``min_value`` (a warmup from 0, the tail of a cosine) the base holds.

Each update ``k`` reports a metric ``m`` (``update(state, k, m)``), and PyTorch's
``scheduler.step(m)`` runs on the state:

1. ``m`` is better than ``best`` when ``m < best * (1 - threshold)`` (``mode="min"``,
   ``threshold_mode="rel"``), ``m < best - threshold`` (min, abs),
   ``m > best * (1 + threshold)`` (max, rel) or ``m > best + threshold`` (max, abs);
   ``best`` starts at ``inf`` (min) or ``-inf`` (max). Better: ``best = m`` and the count
   of bad updates is reset to 0; otherwise it grows by 1. A NaN metric is never better
   (it counts as bad and leaves ``best`` alone). As in PyTorch the relative threshold
   scales ``best`` itself, so with negative metrics in ``mode="min"`` the bar
   ``best * (1 - threshold)`` lies *above* ``best``: a repeated negative metric counts as
   an improvement, and never leads to a reduction (PyTorch does this; Optax's
   ``contrib.reduce_on_plateau`` instead never reduces on negative losses).
2. During a cooldown (the counter is positive) the counter goes down by 1 and the bad
   count is reset to 0.
3. When the bad count exceeds ``patience``, a reduction is attempted: it is applied
   (``n += 1``) when ``old - new > eps``, where ``old`` and ``new`` are the values the
   next update ``k + 1`` would use without and with it (for a constant base, PyTorch's
   ``old_lr - max(old_lr * factor, min_lr) > eps``). Applied or not, the cooldown
   counter is set to ``cooldown`` and the bad count to 0.

Only the metrics of updates ``k >= start`` with ``(k - start) % every == every - 1``
count; the others are ignored (the state does not change). ``start`` skips a warmup's
metrics, as timm's ``PlateauLRScheduler`` does (``plateau(warmup(schedule, w), start=w)``);
``every`` steps the rule once per ``every`` updates, as PyTorch users step the scheduler
once per epoch: with ``every=steps_per_epoch`` only the metric reported by the last
update of each epoch counts (pass the validation loss there), and ``patience`` and
``cooldown`` count epochs.

Precision: the values are computed in float32 (float64 under x64); ``factor**n`` keeps
the bits float32 drops from a concrete ``factor`` (as ``exponential`` does), so after
many reductions the value is still within about 2e-7 relative of PyTorch's float64 rate,
until it falls below float32's smallest normal number (1.2e-38, with ``min_value=0``),
where float32 flushes it to 0. The metric is compared in the same float dtype, so a
metric within float32 rounding of the bar ``best * (1 - threshold)`` may be judged
otherwise than by PyTorch's float64.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, ClassVar, NamedTuple, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from . import _check as check
from . import _time
from ._controller import Controller, improved
from ._held import Held, hold
from ._primitives import constant
from ._schedule import Schedule, format_call

Array = jax.Array

_MAX_INT32 = 2**31 - 1
_P = TypeVar("_P", bound="Plateau")


class PlateauOptions(NamedTuple):
    """The numbers of the rule, as arrays (so that they sweep under ``vmap``)."""

    factor: Array
    factor_fix: Array  # log(factor) - log(factor as stored): the bits float32 dropped
    threshold: Array
    min_value: Array
    eps: Array
    patience: Array  # int32
    cooldown: Array  # int32
    start: Array  # int32
    every: Array  # int32


class PlateauState(NamedTuple):
    """The state of :func:`plateau`: arrays only.

    ``base`` is the base schedule held as arrays (:func:`jaxlrs._held.hold`), so a
    schedule of the same structure can be swapped in; ``reductions`` (int32) is the number
    ``n`` of reductions applied; ``best`` the best metric so far; ``num_bad`` (int32) the
    updates since it improved (PyTorch's ``num_bad_epochs``); ``cooldown_left`` (int32)
    PyTorch's ``cooldown_counter``; ``options`` the rule's numbers.
    ``state._replace(base=hold(s))`` swaps in a base schedule ``s`` of the same structure
    (other values, same constructors) without a retrace of a jitted step.
    """

    base: Held
    reductions: Array
    best: Array
    num_bad: Array
    cooldown_left: Array
    options: PlateauOptions


def _reduced(b: Array, opts: PlateauOptions, n: Array) -> Array:
    """``max(b * factor**n, min(b, min_value))`` in ``b``'s dtype."""
    f = b.dtype
    factor = opts.factor.astype(f)
    e = n.astype(f)
    scale = factor**e * jnp.exp(e * opts.factor_fix.astype(f))
    return jnp.maximum(b * scale, jnp.minimum(b, opts.min_value.astype(f)))


@dataclasses.dataclass(frozen=True, repr=False)
class Plateau(Controller):
    """The controller :func:`plateau` builds (see there and the module docstring).

    ``value`` and ``update`` read every number from the state; the object itself adds only
    ``mode`` and ``threshold_mode``. So states of plateaus that differ only in their
    numbers (``factor``, ``patience``, the base's values, ...) stack and run under one
    ``vmap`` with any one of them.
    """

    _fn: ClassVar[str] = "plateau"  # the constructor its messages name
    base: Schedule
    factor: Any = 0.1
    patience: Any = 10
    mode: str = "min"
    threshold: Any = 1e-4
    threshold_mode: str = "rel"
    cooldown: Any = 0
    min_value: Any = 0.0
    eps: Any = 1e-8
    start: Any = 0
    every: Any = 1

    def init(self) -> PlateauState:
        f = _time.float_dtype()
        fix = 0.0
        if isinstance(self.factor, (int, float)):
            fix = _time.host_correction(float(self.factor))
        i32 = jnp.int32
        opts = PlateauOptions(
            factor=jnp.asarray(self.factor, f),
            factor_fix=jnp.asarray(fix, f),
            threshold=jnp.asarray(self.threshold, f),
            min_value=jnp.asarray(self.min_value, f),
            eps=jnp.asarray(self.eps, f),
            patience=jnp.asarray(self.patience, i32),
            cooldown=jnp.asarray(self.cooldown, i32),
            start=jnp.asarray(self.start, i32),
            every=jnp.asarray(self.every, i32),
        )
        worst = np.inf if self.mode == "min" else -np.inf
        zero = jnp.zeros((), i32)
        return PlateauState(hold(self.base), zero, jnp.asarray(worst, f), zero, zero, opts)

    def value(self, state: PlateauState, count: Array) -> Array:
        return _reduced(state.base(count), state.options, state.reductions)

    def update(self, state: PlateauState, count: Array, metric: Array) -> PlateauState:
        opts = state.options
        count = _count_array(self._fn, count)
        m = _metric(self._fn, metric).astype(state.best.dtype)
        better = improved(
            self.mode, self.threshold_mode, m, state.best, opts.threshold.astype(m.dtype)
        )
        best = jnp.where(better, m, state.best)
        bad = jnp.where(better, 0, state.num_bad + 1)
        cooling = state.cooldown_left > 0
        left = jnp.where(cooling, state.cooldown_left - 1, state.cooldown_left)
        bad = jnp.where(cooling, 0, bad)
        attempt = bad > opts.patience
        # the values the next update would use without and with one more reduction
        nxt = jnp.where(count < jnp.iinfo(count.dtype).max, count + 1, count)
        b = state.base(nxt)
        old = _reduced(b, opts, state.reductions)
        new = _reduced(b, opts, state.reductions + 1)
        applied = attempt & (old - new > opts.eps.astype(b.dtype))
        start, every = opts.start.astype(count.dtype), opts.every.astype(count.dtype)
        active = (count >= start) & ((count - start) % every == every - 1)

        def keep(after: Array, before: Array) -> Array:
            return jnp.where(active, after, before).astype(before.dtype)

        return state._replace(
            reductions=keep(state.reductions + applied.astype(jnp.int32), state.reductions),
            best=keep(best, state.best),
            num_bad=keep(jnp.where(attempt, 0, bad), state.num_bad),
            cooldown_left=keep(jnp.where(attempt, opts.cooldown, left), state.cooldown_left),
        )

    def __repr__(self) -> str:
        args = {p: getattr(self, p) for p in inspect.signature(plateau).parameters}
        return format_call("plateau", inspect.signature(plateau), args)


def _count_array(fn: str, count: Any) -> Array:
    c = jnp.asarray(count)
    if c.ndim != 0 or not jnp.issubdtype(c.dtype, jnp.integer):
        raise TypeError(
            f"{fn} update(): count must be an integer scalar (the number of updates "
            f"before this one), got {c.dtype} of shape {c.shape}"
        )
    return c


def _metric(fn: str, metric: Any) -> Array:
    if metric is None:
        raise TypeError(
            f"{fn} update(): the metric is missing: pass the value it watches, "
            "e.g. tx.update(grads, opt_state, params, value=loss)"
        )
    m = jnp.asarray(metric)
    if m.ndim != 0:
        raise ValueError(f"{fn} update(): the metric must be a scalar, got shape {m.shape}")
    if not (jnp.issubdtype(m.dtype, jnp.floating) or jnp.issubdtype(m.dtype, jnp.integer)):
        raise TypeError(f"{fn} update(): the metric must be a real number, got {m.dtype}")
    return m


def _base(fn: str, base: Any) -> Schedule:
    if isinstance(base, Schedule):
        return base
    if isinstance(base, (str, bytes, bool, np.bool_)) or base is None or callable(base):
        check._fail(fn, "base", "a jaxlrs Schedule or a number", base, TypeError)
    value = check.real(fn, "base", base)
    # an int base as a float: plateau(1) and plateau(1.0) hold states of one structure
    return constant(value if check.is_traced(value) else float(value))


def _count(fn: str, name: str, x: Any, top: int = _MAX_INT32, minimum: int = 0) -> Any:
    x = check.integer(fn, name, x, minimum=minimum)
    if not check.is_traced(x) and x > top:
        word = "non-negative" if minimum == 0 else "positive"
        check._fail(fn, name, f"a {word} integer at most {top} (int32)", x)
    return x


def build(
    fn: str,
    base: Any,
    *,
    factor: Any,
    patience: Any,
    mode: str,
    threshold: Any,
    threshold_mode: str,
    cooldown: Any,
    min_value: Any,
    eps: Any,
    start: Any = 0,
    every: Any = 1,
    names: dict[str, str] | None = None,
    cls: type[_P],
) -> _P:
    """Validate and build; ``names`` renames parameters in messages (``min_lr``)."""
    name = (names or {}).get
    return cls(
        base=_base(fn, base),
        factor=check.real(fn, "factor", factor, low=0.0, high=1.0, high_open=True),
        patience=_count(fn, "patience", patience, _MAX_INT32 - 1),
        mode=check.option(fn, "mode", mode, ("min", "max")),
        threshold=check.real(fn, "threshold", threshold, low=0.0),
        threshold_mode=check.option(fn, "threshold_mode", threshold_mode, ("rel", "abs")),
        cooldown=_count(fn, "cooldown", cooldown),
        min_value=check.real(fn, name("min_value", "min_value"), min_value),
        eps=check.real(fn, "eps", eps, low=0.0),
        start=_count(fn, "start", start),
        every=_count(fn, "every", every, minimum=1),
    )


def plateau(
    base: Any,
    *,
    factor: float = 0.1,
    patience: int = 10,
    mode: str = "min",
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_value: float = 0.0,
    eps: float = 1e-8,
    start: int = 0,
    every: int = 1,
) -> Plateau:
    """Reduce on plateau: ``base`` times ``factor`` for each time the metric stalled.

    ``value(k) = max(base(k) * factor**n, min(base(k), min_value))``, ``n`` the number of
    reductions applied after the metrics of updates ``0 .. k - 1`` (PyTorch's
    ``ReduceLROnPlateau`` rule: see the module docstring for every step of it).

    A controller for ``jaxlrs.optax.inject``: each update passes its metric as
    ``tx.update(grads, opt_state, params, value=loss)``; the update with count ``k + 1``
    uses the value after the metrics ``m_0 .. m_k``. Its state (``init()``) is arrays only,
    the base schedule included (held as arrays: a schedule of the same structure can be
    swapped in without a retrace), and ``value(state, count)`` / ``update(state, count,
    metric)`` are jittable and ``vmap``-able over a stack of states.

    Decisions where PyTorch has no counterpart: a schedule base is multiplied by
    ``factor**n`` at every step (a plateau on top of a cosine stays a scaled cosine);
    ``min_value`` bounds the reduction, never the base (see the formula); the ``eps`` rule
    compares the values of the next update with and without the reduction; ``start``
    ignores the metrics of the first ``start`` updates (a warmup's, as timm's
    ``PlateauLRScheduler`` does); ``every`` counts one metric in ``every`` updates (the
    last update of each epoch: PyTorch's scheduler is stepped once per epoch). Negative
    ``factor``, ``threshold`` or ``eps``, which PyTorch accepts without meaning, are
    refused. Traced arguments are not checked.

    Args:
        base: the value before any reduction: a number or a jaxlrs schedule.
        factor: the multiplier of each reduction, in ``[0, 1)``.
        patience: updates without improvement that are tolerated; the next one reduces.
        mode: ``"min"`` (the metric should fall, a loss) or ``"max"`` (an accuracy).
        threshold: how much better a metric must be to count as an improvement, ``>= 0``.
        threshold_mode: ``"rel"`` (a fraction of the best metric) or ``"abs"``.
        cooldown: updates after a reduction during which bad metrics are not counted.
        min_value: no reduction takes the value below this.
        eps: a reduction that changes the value by ``eps`` or less is not applied.
        start: metrics of updates with a count below this are ignored.
        every: only the metric of every ``every``-th update from ``start`` on counts
            (updates ``start + every - 1``, ``start + 2 * every - 1``, ...).

    Returns:
        A :class:`Plateau` controller.

    Example:
        >>> import jax.numpy as jnp
        >>> import jaxlrs
        >>> c = jaxlrs.plateau(1.0, factor=0.5, patience=1)
        >>> state, values = c.init(), []
        >>> for k, loss in enumerate([3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0]):
        ...     values.append(float(c.value(state, k)))
        ...     state = c.update(state, jnp.int32(k), loss)
        >>> values
        [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.25]

        A plateau on top of a warmup and cosine, the warmup's metrics ignored:

        >>> s = jaxlrs.warmup_cosine(1e-3, 100, 10_000)
        >>> c = jaxlrs.plateau(s, factor=0.5, patience=5, start=100)
        >>> c
        plateau(warmup_cosine(0.001, 100, 10000), factor=0.5, patience=5, start=100)
        >>> float(c.value(c.init(), 100))
        0.0010000000474974513

    References:
        PyTorch, ``torch.optim.lr_scheduler.ReduceLROnPlateau``;
        timm, ``timm.scheduler.PlateauLRScheduler`` (warmup, then plateau).
    """
    return build(
        "plateau",
        base,
        factor=factor,
        patience=patience,
        mode=mode,
        threshold=threshold,
        threshold_mode=threshold_mode,
        cooldown=cooldown,
        min_value=min_value,
        eps=eps,
        start=start,
        every=every,
        cls=Plateau,
    )
