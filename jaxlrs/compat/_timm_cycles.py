"""timm's cycle schedulers, ``CosineLRScheduler``, ``TanhLRScheduler`` and
``PolyLRScheduler``; public as ``jaxlrs.compat.timm.*`` (see that module for the
conventions)."""

from __future__ import annotations

from typing import Any

import jax

from .. import _check as check
from .._curves import half_cos_pair, k_decay_pair, pow_pair
from .._schedule import Schedule, register
from .._time import Time, count, value
from . import _timm_common as c

Array = jax.Array


# -- CosineLRScheduler ---------------------------------------------------------------------


def _cosine_core(
    time: Time,
    base_lr: Any,
    t_initial: Any,
    lr_min: Any,
    cycle_mul: Any,
    cycle_decay: Any,
    cycle_limit: Any,
    warmup_t: Any,
    warmup_lr_init: Any,
    warmup_prefix: bool,
    k_decay: Any,
) -> Array:
    def curve(done: Array, left: Array, hi: Array, lo: Array) -> Array:
        h_done, h_left = half_cos_pair(*k_decay_pair(done, left, k_decay))
        return hi * h_left + lo * h_done  # lo + (hi - lo) (1 + cos(pi r**k)) / 2

    local = c.after_warmup(time, warmup_t, warmup_prefix)
    body = c.cycles(local, curve, base_lr, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit)
    return c.warm(time, body, warmup_t, warmup_lr_init, base_lr)


@register(c.evaluate(_cosine_core), name=c.P + "CosineLRScheduler")
def CosineLRScheduler(
    base_lr: float,
    t_initial: int,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    k_decay: float = 1.0,
    updates_per_epoch: int | None = None,
) -> Schedule:
    """``timm.scheduler.CosineLRScheduler``: cosine cycles with warmup, k-decay and noise.

    ``lr(t) = lr_min + (base_lr * cycle_decay**i - lr_min) * (1 + cos(pi * r**k_decay)) / 2``
    with ``r = t_curr / t_i``: cycle ``i`` lasts ``t_i = t_initial * cycle_mul**i`` and
    ``t_curr`` is the position inside it; ``lr_min`` from cycle ``cycle_limit`` on (timm's
    default ``cycle_limit=1``: one cosine, then ``lr_min``). For ``t < warmup_t``,
    ``warmup_lr_init + t * (base_lr - warmup_lr_init) / warmup_t``; the cycles count ``t``
    from 0 (so the warmup overlays the first cycle's start) unless ``warmup_prefix``, which
    starts them at ``warmup_t``. ``t`` is timm's: see the module docstring for the map from
    the jaxlrs step (``updates_per_epoch``) and for the noise. The floor ``lr_min`` is not
    decayed (``jaxlrs.sgdr`` decays the height above its floor instead).

    Args:
        base_lr: the optimizer's learning rate (timm's ``base_values``), non-negative.
        t_initial: length of the first cycle, a positive integer (in epochs or updates).
        lr_min: the floor, non-negative.
        cycle_mul: factor on each next cycle's length, in [1, 2**31].
        cycle_decay: factor on each next cycle's peak, positive.
        cycle_limit: number of cycles, a non-negative integer.
        warmup_t: length of the linear warmup, a non-negative integer.
        warmup_lr_init: the warmup's start, non-negative.
        warmup_prefix: start the cycles after the warmup (else at ``t = 0``).
        t_in_epochs: ``t`` counts epochs (timm's ``step(epoch)``) or updates
            (``step_update(num_updates)``).
        noise_range_t: None, a ``t`` from which on noise applies, or ``[start, stop)``.
        noise_pct: bound on the relative noise, in (0, 1).
        noise_std: standard deviation of the noise before truncation, positive.
        noise_seed: the noise's key, an integer in [0, 2**31 - 1].
        k_decay: the k-decay exponent on ``r``, positive.
        updates_per_epoch: with ``t_in_epochs``, the updates per epoch: the jaxlrs step is
            then the update count ``k`` and ``t = k // updates_per_epoch``; None: the step
            is ``t``.

    Example:
        >>> from jaxlrs.compat import timm
        >>> s = timm.CosineLRScheduler(1.0, 10, cycle_limit=2, cycle_decay=0.5, warmup_t=2)
        >>> [round(x, 4) for x in s([0, 1, 2, 5, 10, 15, 20]).tolist()]
        [0.0, 0.5, 0.9045, 0.5, 0.5, 0.25, 0.0]
        >>> s
        compat.timm.CosineLRScheduler(1.0, 10, cycle_decay=0.5, cycle_limit=2, warmup_t=2)

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
        2017. https://arxiv.org/abs/1608.03983; Zhang & Li, "k-decay", 2020.
        https://arxiv.org/abs/2004.05909
    """
    fn = "CosineLRScheduler"
    return c.build(
        fn,
        {
            "base_lr": c.lr(fn, "base_lr", base_lr),
            **c.cycle_args(fn, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit),
            **_common(fn, locals()),
            "k_decay": check.positive(fn, "k_decay", k_decay),
            "updates_per_epoch": c.per_epoch(fn, updates_per_epoch, t_in_epochs),
        },
    )


def _common(fn: str, given: dict[str, Any]) -> dict[str, Any]:
    """The warmup and noise arguments, checked, in timm's order (``updates_per_epoch``
    last, added by the caller)."""
    names = ("warmup_t", "warmup_lr_init", "warmup_prefix", "t_in_epochs", *c.NOISE)
    args = c.common(fn, **{k: given[k] for k in names}, updates_per_epoch=None)
    del args["updates_per_epoch"]
    return args


# -- TanhLRScheduler -----------------------------------------------------------------------


def _tanh_core(
    time: Time,
    base_lr: Any,
    t_initial: Any,
    lb: Any,
    ub: Any,
    lr_min: Any,
    cycle_mul: Any,
    cycle_decay: Any,
    cycle_limit: Any,
    warmup_t: Any,
    warmup_lr_init: Any,
    warmup_prefix: bool,
) -> Array:
    def curve(done: Array, left: Array, hi: Array, lo: Array) -> Array:
        x = value(lb) * left + value(ub) * done
        # (1 - tanh(x)) / 2 = sigmoid(-2x) and its complement sigmoid(2x), as tanh_decay
        return hi * jax.nn.sigmoid(-2 * x) + lo * jax.nn.sigmoid(2 * x)

    cyc = (base_lr, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit)
    local = c.after_warmup(time, warmup_t, warmup_prefix)
    body = c.cycles(local, curve, *cyc)
    if isinstance(warmup_t, int) and warmup_t == 0:
        return body
    # Without the prefix timm's warmup rises to the curve's value at t = warmup_t.
    target = base_lr if warmup_prefix else c.cycles(Time(count(warmup_t)), curve, *cyc)
    return c.warm(time, body, warmup_t, warmup_lr_init, target)


@register(c.evaluate(_tanh_core), name=c.P + "TanhLRScheduler")
def TanhLRScheduler(
    base_lr: float,
    t_initial: int,
    lb: float = -7.0,
    ub: float = 3.0,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    updates_per_epoch: int | None = None,
) -> Schedule:
    """``timm.scheduler.TanhLRScheduler``: hyperbolic-tangent cycles with warmup and noise.

    ``lr(t) = lr_min + (base_lr * cycle_decay**i - lr_min) * (1 - tanh(lb * (1 - r) + ub * r)) / 2``
    with ``r = t_curr / t_i`` and the cycles of ``CosineLRScheduler``; ``lr_min`` from cycle
    ``cycle_limit`` on. For ``t < warmup_t``, a line from ``warmup_lr_init`` to ``base_lr``
    with ``warmup_prefix``, else to the curve's value at ``t = warmup_t`` (timm's warmup
    step is ``(_get_lr(warmup_t) - warmup_lr_init) / warmup_t``), so the warmup joins the
    curve without a jump. See the module docstring for ``t`` and the noise. Far in a
    tail (``|lb|`` or ``|ub|`` above 4) the float32 rounding of ``lb`` and ``ub`` moves the
    value by up to ``5e-7 * max(|lb|, |ub|)`` relative of timm's float64 (see
    ``jaxlrs.tanh_decay``).

    Args:
        base_lr: the optimizer's learning rate, non-negative.
        t_initial: length of the first cycle, a positive integer.
        lb: the tanh argument at the start of a cycle, below ``ub``.
        ub: the tanh argument at the end of a cycle.
        lr_min: the floor, non-negative.
        cycle_mul: factor on each next cycle's length, in [1, 2**31].
        cycle_decay: factor on each next cycle's peak, positive.
        cycle_limit: number of cycles, a non-negative integer.
        warmup_t: length of the linear warmup, a non-negative integer.
        warmup_lr_init: the warmup's start, non-negative.
        warmup_prefix: start the cycles after the warmup (else at ``t = 0``).
        t_in_epochs: ``t`` counts epochs or updates.
        noise_range_t: None, a ``t`` from which on noise applies, or ``[start, stop)``.
        noise_pct: bound on the relative noise, in (0, 1).
        noise_std: standard deviation of the noise before truncation, positive.
        noise_seed: the noise's key, an integer in [0, 2**31 - 1].
        updates_per_epoch: with ``t_in_epochs``, the updates per epoch (see
            ``CosineLRScheduler``).

    Example:
        >>> from jaxlrs.compat import timm
        >>> s = timm.TanhLRScheduler(1.0, 100, lb=-3.0, ub=3.0)
        >>> [round(x, 4) for x in s([0, 50, 99, 100]).tolist()]
        [0.9975, 0.5, 0.0028, 0.0]

    References:
        Hsueh et al., "Stochastic Gradient Descent with Hyperbolic-Tangent Decay on
        Classification", 2019. https://arxiv.org/abs/1806.01593
    """
    fn = "TanhLRScheduler"
    lb = check.real(fn, "lb", lb)
    ub = check.real(fn, "ub", ub)
    if not (check.is_traced(lb) or check.is_traced(ub)) and not lb < ub:
        raise ValueError(f"{fn}(): lb must be smaller than ub, got lb={lb!r}, ub={ub!r}")
    cyc = c.cycle_args(fn, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit)
    rest = _common(fn, locals())
    top = 2**31 - 1
    if not (rest["warmup_prefix"] or check.is_traced(rest["warmup_t"])) and rest["warmup_t"] > top:
        check._fail(
            fn,
            "warmup_t",
            "at most 2**31 - 1 without warmup_prefix (the warmup rises to the curve's value "
            "at t = warmup_t, evaluated as an int32 step)",
            rest["warmup_t"],
        )
    return c.build(
        fn,
        {
            "base_lr": c.lr(fn, "base_lr", base_lr),
            "t_initial": cyc.pop("t_initial"),
            "lb": lb,
            "ub": ub,
            **cyc,
            **rest,
            "updates_per_epoch": c.per_epoch(fn, updates_per_epoch, t_in_epochs),
        },
    )


# -- PolyLRScheduler -----------------------------------------------------------------------


def _poly_core(
    time: Time,
    base_lr: Any,
    t_initial: Any,
    power: Any,
    lr_min: Any,
    cycle_mul: Any,
    cycle_decay: Any,
    cycle_limit: Any,
    warmup_t: Any,
    warmup_lr_init: Any,
    warmup_prefix: bool,
    k_decay: Any,
) -> Array:
    def curve(done: Array, left: Array, hi: Array, lo: Array) -> Array:
        dk, lk = k_decay_pair(done, left, k_decay)
        w, cw = pow_pair(dk, lk, value(power))  # (1 - r**k)**power and its complement
        return hi * w + lo * cw

    local = c.after_warmup(time, warmup_t, warmup_prefix)
    body = c.cycles(local, curve, base_lr, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit)
    return c.warm(time, body, warmup_t, warmup_lr_init, base_lr)


@register(c.evaluate(_poly_core), name=c.P + "PolyLRScheduler")
def PolyLRScheduler(
    base_lr: float,
    t_initial: int,
    power: float = 0.5,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    k_decay: float = 1.0,
    updates_per_epoch: int | None = None,
) -> Schedule:
    """``timm.scheduler.PolyLRScheduler``: polynomial cycles with warmup, k-decay and noise.

    ``lr(t) = lr_min + (base_lr * cycle_decay**i - lr_min) * (1 - r**k_decay) ** power``
    with ``r = t_curr / t_i`` and the cycles and warmup of ``CosineLRScheduler``;
    ``lr_min`` from cycle ``cycle_limit`` on. See the module docstring for ``t`` and the
    noise.

    Args:
        base_lr: the optimizer's learning rate, non-negative.
        t_initial: length of the first cycle, a positive integer.
        power: the polynomial's exponent, positive.
        lr_min: the floor, non-negative.
        cycle_mul: factor on each next cycle's length, in [1, 2**31].
        cycle_decay: factor on each next cycle's peak, positive.
        cycle_limit: number of cycles, a non-negative integer.
        warmup_t: length of the linear warmup, a non-negative integer.
        warmup_lr_init: the warmup's start, non-negative.
        warmup_prefix: start the cycles after the warmup (else at ``t = 0``).
        t_in_epochs: ``t`` counts epochs or updates.
        noise_range_t: None, a ``t`` from which on noise applies, or ``[start, stop)``.
        noise_pct: bound on the relative noise, in (0, 1).
        noise_std: standard deviation of the noise before truncation, positive.
        noise_seed: the noise's key, an integer in [0, 2**31 - 1].
        k_decay: the k-decay exponent on ``r``, positive.
        updates_per_epoch: with ``t_in_epochs``, the updates per epoch (see
            ``CosineLRScheduler``).

    Example:
        >>> from jaxlrs.compat import timm
        >>> s = timm.PolyLRScheduler(1.0, 4, power=1.0, warmup_t=2, warmup_prefix=True)
        >>> [round(x, 6) for x in s([0, 1, 2, 3, 4, 5, 6]).tolist()]
        [0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0]
    """
    fn = "PolyLRScheduler"
    cyc = c.cycle_args(fn, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit)
    return c.build(
        fn,
        {
            "base_lr": c.lr(fn, "base_lr", base_lr),
            "t_initial": cyc.pop("t_initial"),
            "power": check.positive(fn, "power", power),
            **cyc,
            **_common(fn, locals()),
            "k_decay": check.positive(fn, "k_decay", k_decay),
            "updates_per_epoch": c.per_epoch(fn, updates_per_epoch, t_in_epochs),
        },
    )
