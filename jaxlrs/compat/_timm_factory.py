"""timm's ``create_scheduler_v2`` and ``PlateauLRScheduler``; public as
``jaxlrs.compat.timm.*`` (see that module for the conventions)."""

from __future__ import annotations

import math
from typing import Any

from .. import _check as check
from .._plateau import Plateau, build
from .._primitives import constant
from .._schedule import Schedule
from ._timm_cycles import CosineLRScheduler, PolyLRScheduler, TanhLRScheduler
from ._timm_steps import MultiStepLRScheduler, StepLRScheduler
from ._timm_wsd import WSDLRScheduler

_P = "compat.timm."


# -- PlateauLRScheduler --------------------------------------------------------------------


class TimmPlateau(Plateau):
    """:func:`jaxlrs.plateau` spelled as timm's ``PlateauLRScheduler``."""

    _fn = _P + "PlateauLRScheduler"

    def __repr__(self) -> str:
        base = self.base
        if base.name == _P + "StepLRScheduler":
            lr = base._args["base_lr"]
            warmup_t, warmup_lr_init = base._args["warmup_t"], base._args["warmup_lr_init"]
            per_epoch = base._args["updates_per_epoch"]
        else:
            lr, warmup_t, warmup_lr_init = base._args["value"], 0, 0.0
            per_epoch = self.every if self.every != 1 else None
        shown = {
            "decay_rate": (self.factor, 0.1),
            "patience_t": (self.patience, 10),
            "threshold": (self.threshold, 1e-4),
            "cooldown_t": (self.cooldown, 0),
            "warmup_t": (warmup_t, 0),
            "warmup_lr_init": (warmup_lr_init, 0.0),
            "lr_min": (self.min_value, 0.0),
            "mode": (self.mode, "max"),
            "updates_per_epoch": (per_epoch, None),
        }
        parts = [repr(lr)] + [f"{k}={v!r}" for k, (v, d) in shown.items() if v != d]
        return f"{_P}PlateauLRScheduler({', '.join(parts)})"


def PlateauLRScheduler(
    base_lr: float,
    decay_rate: float = 0.1,
    patience_t: int = 10,
    threshold: float = 1e-4,
    cooldown_t: int = 0,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    lr_min: float = 0.0,
    mode: str = "max",
    noise_range_t: Any = None,
    noise_type: str = "normal",
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int | None = None,
    updates_per_epoch: int | None = None,
) -> TimmPlateau:
    """``timm.scheduler.PlateauLRScheduler``: a warmup, then PyTorch's ``ReduceLROnPlateau``.

    ``lr(e) = warmup_lr_init + e * (base_lr - warmup_lr_init) / warmup_t`` for epochs
    ``e <= warmup_t``, then ``max(base_lr * decay_rate**n, lr_min)``, ``n`` the reductions
    of PyTorch's rule (``patience_t``, ``threshold`` relative, ``cooldown_t``, ``eps=1e-8``)
    applied to the metrics of the epochs from ``warmup_t`` on (timm ignores the metrics it
    is given during the warmup). This is :func:`jaxlrs.plateau` on
    ``StepLRScheduler(base_lr, 1, warmup_t=..., warmup_lr_init=...)`` with
    ``start=warmup_t`` and ``every=1`` (or, with ``updates_per_epoch=U``, counted in
    updates: ``start=warmup_t * U``, ``every=U``, the metric of each epoch's last update
    counts).

    Like ``jaxlrs.compat.torch.ReduceLROnPlateau`` it returns a controller: use it through
    ``jaxlrs.optax.inject`` with ``tx.update(..., value=metric)``. timm's noise is applied
    on top of the reduced rate and taken off again before the next reduction; that is not
    a noise on a schedule, and ``noise_range_t`` other than None raises ``ValueError``.

    Args:
        base_lr: the optimizer's learning rate, non-negative.
        decay_rate: the factor of each reduction, in [0, 1).
        patience_t: epochs without improvement tolerated before a reduction.
        threshold: the relative improvement that counts, ``>= 0``.
        cooldown_t: epochs after a reduction during which bad metrics are not counted.
        warmup_t: epochs of linear warmup, a non-negative integer.
        warmup_lr_init: the warmup's start, non-negative.
        lr_min: the lowest rate a reduction gives.
        mode: ``"max"`` (timm's default: an accuracy) or ``"min"`` (a loss).
        noise_range_t: must be None (see above).
        noise_type: unused without noise.
        noise_pct: unused without noise.
        noise_std: unused without noise.
        noise_seed: unused without noise.
        updates_per_epoch: None (each jaxlrs step is an epoch) or the updates per epoch.

    Example:
        >>> import jax.numpy as jnp
        >>> from jaxlrs.compat import timm
        >>> c = timm.PlateauLRScheduler(1.0, decay_rate=0.5, patience_t=0, warmup_t=2)
        >>> state, rates = c.init(), []
        >>> for e, accuracy in enumerate([0.1, 0.2, 0.5, 0.5, 0.6, 0.6]):
        ...     rates.append(float(c.value(state, e)))
        ...     state = c.update(state, jnp.int32(e), accuracy)
        >>> rates
        [0.0, 0.5, 1.0, 1.0, 0.5, 0.5]
    """
    fn = "PlateauLRScheduler"
    if noise_range_t is not None:
        raise ValueError(
            f"{fn}(): noise_range_t must be None: timm perturbs the reduced rate and restores "
            f"it before the next reduction, which jaxlrs does not reproduce (use "
            f"jaxlrs.noise on a schedule instead), got {noise_range_t!r}"
        )
    base_lr = check.real(fn, "base_lr", base_lr, low=0.0)
    # timm's names in the messages (build checks these again under jaxlrs.plateau's names)
    decay_rate = check.real(fn, "decay_rate", decay_rate, low=0.0, high=1.0, high_open=True)
    for name, x, top in (
        ("patience_t", patience_t, 2**31 - 2),
        ("cooldown_t", cooldown_t, 2**31 - 1),
    ):
        n = check.integer(fn, name, x, minimum=0)
        if not check.is_traced(n) and n > top:
            check._fail(fn, name, f"a non-negative integer at most {top} (int32)", n)
    warmup_t = check.integer(fn, "warmup_t", warmup_t, minimum=0)
    warmup_lr_init = check.real(fn, "warmup_lr_init", warmup_lr_init, low=0.0)
    per_epoch = check.optional(check.integer, fn, "updates_per_epoch", updates_per_epoch)
    base: Schedule
    if isinstance(warmup_t, int) and warmup_t == 0:
        base = constant(base_lr if check.is_traced(base_lr) else float(base_lr))
    else:
        base = StepLRScheduler(
            base_lr,
            1,
            warmup_t=warmup_t,
            warmup_lr_init=warmup_lr_init,
            updates_per_epoch=per_epoch,
        )
    every = 1 if per_epoch is None else per_epoch
    return build(
        fn,
        base,
        factor=decay_rate,
        patience=patience_t,
        mode=mode,
        threshold=threshold,
        threshold_mode="rel",
        cooldown=cooldown_t,
        min_value=lr_min,
        eps=1e-8,
        start=warmup_t * every,
        every=every,
        names={"min_value": "lr_min"},
        cls=TimmPlateau,
    )


# -- create_scheduler_v2 -------------------------------------------------------------------

SCHEDULES = (
    "cosine",
    "tanh",
    "step",
    "multistep",
    "plateau",
    "poly",
    "wsd",
    "rsqrt",
    "constant",
    "none",
)


def create_scheduler_v2(
    base_lr: float,
    sched: str = "cosine",
    num_epochs: int = 300,
    decay_epochs: float | None = None,
    decay_milestones: Any = (90, 180, 270),
    cooldown_epochs: int = 0,
    patience_epochs: int = 10,
    decay_rate: float = 0.1,
    min_lr: float = 0.0,
    warmup_lr: float = 1e-5,
    warmup_epochs: int = 0,
    warmup_prefix: bool = False,
    noise: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    cycle_mul: float = 1.0,
    cycle_decay: float = 0.1,
    cycle_limit: int = 1,
    k_decay: float = 1.0,
    decay_fn: Any = None,
    stable_timescale: float | None = None,
    plateau_mode: str = "max",
    step_on_epochs: bool = True,
    updates_per_epoch: int = 0,
) -> tuple[Schedule | Plateau, int]:
    """``timm.scheduler.create_scheduler_v2``: a timm scheduler by name, and the epochs to
    train.

    Returns ``(schedule, num_epochs)`` as timm does, ``num_epochs`` counting the cycles,
    the cooldown and a prefixed warmup exactly as timm computes it. The schedule is the
    ``jaxlrs.compat.timm`` constructor timm would build, with timm's mapping of the
    arguments: ``cosine``, ``tanh``, ``poly`` (``power=decay_rate``), ``step``
    (``decay_t=decay_epochs``, 90 when None), ``multistep`` (``decay_milestones``),
    ``constant`` (``StepLRScheduler(base_lr, 1, 1.0)``: warmup, then ``base_lr``), ``none``
    (``jaxlrs.constant(base_lr)``: timm leaves the optimizer's rate alone) and
    ``plateau`` (a :func:`PlateauLRScheduler` controller; timm requires
    ``step_on_epochs``), ``wsd`` and ``rsqrt`` (a :func:`WSDLRScheduler`: constant stable
    phase and ``decay_fn`` ``1-sqrt``, or ``rsqrt`` stable phase with ``stable_timescale``
    and ``decay_fn`` ``linear``, by default; its stable and decay phases fill
    ``num_epochs`` less the warmup, or all of ``num_epochs`` with ``warmup_prefix``; the
    decay lasts ``decay_epochs``, a value in (0, 1) being that fraction of the stable and
    decay length, 0.2 when None, rounded to whole epochs or updates by Python's
    ``round``). ``noise`` is timm's fraction(s) of ``t_initial``:
    ``noise_range_t = noise * t_initial`` (a list of one is a single start).

    Lengths are in epochs. With ``step_on_epochs=False`` timm multiplies them by
    ``updates_per_epoch`` and steps per update, and so does this: the jaxlrs step is the
    update count. With ``step_on_epochs=True`` timm steps once per epoch (and ignores
    ``updates_per_epoch``); here a positive ``updates_per_epoch`` makes the jaxlrs step
    the update count all the same (``t = k // updates_per_epoch``), and 0 (timm's default)
    makes it the epoch.

    Args:
        base_lr: the optimizer's learning rate, non-negative.
        sched: one of ``cosine``, ``tanh``, ``step``, ``multistep``, ``plateau``, ``poly``,
            ``wsd``, ``rsqrt``, ``constant``, ``none``.
        num_epochs: epochs of the first cycle (``t_initial``), a positive integer.
        decay_epochs: ``step``'s interval in epochs (None: 90); ``wsd`` and ``rsqrt``'s
            decay length in epochs, or a fraction in (0, 1) of the stable and decay length
            (None: 0.2).
        decay_milestones: ``multistep``'s milestones in epochs.
        cooldown_epochs: epochs added to the returned ``num_epochs`` (the cycle schedulers
            hold ``min_lr`` there).
        patience_epochs: ``plateau``'s patience.
        decay_rate: ``step``, ``multistep`` and ``plateau``'s factor, ``poly``'s power.
        min_lr: the floor of ``cosine``, ``tanh``, ``poly`` and ``plateau``.
        warmup_lr: the warmup's start.
        warmup_epochs: the warmup's length in epochs.
        warmup_prefix: the warmup comes before the schedule (see the schedulers).
        noise: None, a fraction of ``t_initial``, or a list of one or two fractions.
        noise_pct: bound on the relative noise, in (0, 1).
        noise_std: standard deviation of the noise before truncation.
        noise_seed: the noise's key.
        cycle_mul: ``cosine``, ``tanh``, ``poly``: factor on each cycle's length.
        cycle_decay: factor on each cycle's peak.
        cycle_limit: number of cycles.
        k_decay: ``cosine`` and ``poly``'s k-decay.
        decay_fn: ``wsd`` and ``rsqrt``'s decay function (None: ``1-sqrt`` for ``wsd``,
            ``linear`` for ``rsqrt``).
        stable_timescale: ``rsqrt``'s timescale in epochs (None: ``warmup_epochs``).
        plateau_mode: ``plateau``'s ``"max"`` or ``"min"``.
        step_on_epochs: step per epoch (True) or per update.
        updates_per_epoch: updates per epoch (required, positive, when
            ``step_on_epochs=False``).

    Example:
        >>> from jaxlrs.compat import timm
        >>> s, epochs = timm.create_scheduler_v2(0.1, "cosine", num_epochs=100,
        ...                                      warmup_epochs=5, warmup_prefix=True)
        >>> epochs
        105
        >>> s
        compat.timm.CosineLRScheduler(0.1, 100, cycle_decay=0.1, warmup_t=5, warmup_lr_init=1e-05, warmup_prefix=True)
    """  # noqa: E501
    fn = "create_scheduler_v2"
    sched = _sched(fn, sched)
    step_on_epochs = check.flag(fn, "step_on_epochs", step_on_epochs)
    per_epoch = check.integer(fn, "updates_per_epoch", updates_per_epoch, minimum=0)
    num_epochs = check.integer(fn, "num_epochs", num_epochs)
    warmup_epochs = check.integer(fn, "warmup_epochs", warmup_epochs, minimum=0)
    cooldown_epochs = check.integer(fn, "cooldown_epochs", cooldown_epochs, minimum=0)
    wsd = sched in ("wsd", "rsqrt")
    if decay_epochs is None:  # timm: the last 20% (wsd, rsqrt), every 90 epochs (step)
        decay_epochs = 0.2 if wsd else 90
    if wsd:
        decay_epochs = check.real(fn, "decay_epochs", decay_epochs)
    timescale_t = check.optional(check.positive, fn, "stable_timescale", stable_timescale)
    milestones = check.integers(fn, "decay_milestones", decay_milestones, strict=False)
    t_initial, warmup_t, decay_t = num_epochs, warmup_epochs, decay_epochs
    cooldown_t = cooldown_epochs
    if not step_on_epochs:
        if per_epoch <= 0:
            check._fail(
                fn,
                "updates_per_epoch",
                "a positive integer when step_on_epochs=False (the number of dataloader batches)",
                updates_per_epoch,
            )
        t_initial, warmup_t = t_initial * per_epoch, warmup_t * per_epoch
        decay_t = (decay_t if wsd else check.positive(fn, "decay_epochs", decay_t)) * per_epoch
        milestones = tuple(m * per_epoch for m in milestones)
        cooldown_t = cooldown_t * per_epoch
        if timescale_t is not None:
            timescale_t = timescale_t * per_epoch
    warm = dict(warmup_lr_init=warmup_lr, warmup_t=warmup_t, warmup_prefix=warmup_prefix)
    noise_args = dict(
        noise_range_t=_noise_range(fn, noise, t_initial),
        noise_pct=noise_pct,
        noise_std=noise_std,
        noise_seed=noise_seed,
    )
    cyc = dict(cycle_mul=cycle_mul, cycle_decay=cycle_decay, cycle_limit=cycle_limit)
    epochs = dict(
        t_in_epochs=step_on_epochs,
        updates_per_epoch=per_epoch if step_on_epochs and per_epoch > 0 else None,
    )
    schedule: Schedule | Plateau
    if sched == "plateau":
        if not step_on_epochs:
            raise ValueError(f"{fn}(): sched='plateau' requires step_on_epochs=True, as in timm")
        if noise is not None:
            raise ValueError(
                f"{fn}(): noise must be None with sched='plateau' (see PlateauLRScheduler), "
                f"got {noise!r}"
            )
        schedule = PlateauLRScheduler(
            base_lr,
            decay_rate=decay_rate,
            patience_t=patience_epochs,
            cooldown_t=0,
            warmup_t=warmup_t,
            warmup_lr_init=warmup_lr,
            lr_min=min_lr,
            mode=plateau_mode,
            updates_per_epoch=epochs["updates_per_epoch"],
        )
        return schedule, num_epochs + (warmup_epochs if warmup_prefix else 0)
    if sched == "none":
        lr = float(check.real(fn, "base_lr", base_lr, low=0.0))
        return constant(lr), num_epochs + (warmup_epochs if warmup_prefix else 0)
    if sched in ("step", "multistep", "constant"):
        if sched == "step":
            schedule = StepLRScheduler(base_lr, decay_t, decay_rate, **warm, **noise_args, **epochs)
        elif sched == "multistep":
            schedule = MultiStepLRScheduler(
                base_lr, list(milestones), decay_rate, **warm, **noise_args, **epochs
            )
        else:
            schedule = StepLRScheduler(base_lr, 1, 1.0, **warm, **noise_args, **epochs)
        return schedule, num_epochs + (warmup_epochs if warmup_prefix else 0)
    if wsd:
        wsd_s = _wsd(
            fn,
            sched,
            base_lr,
            t_initial,
            decay_epochs,
            decay_t,
            warmup_prefix,
            min_lr,
            timescale_t,
            decay_fn,
            warmup_t,
            warmup_lr,
            noise_args,
            epochs,
        )
        length = wsd_s._args["warmup_t"] + wsd_s._args["t_initial"] + cooldown_t
        return wsd_s, length if step_on_epochs else length // per_epoch
    common = dict(lr_min=min_lr, **cyc, **warm, **noise_args, **epochs)
    cycles: Schedule
    if sched == "cosine":
        cycles = CosineLRScheduler(base_lr, t_initial, k_decay=k_decay, **common)
    elif sched == "tanh":
        cycles = TanhLRScheduler(base_lr, t_initial, **common)
    else:
        cycles = PolyLRScheduler(base_lr, t_initial, decay_rate, k_decay=k_decay, **common)
    length = _cycle_length(cycles._args) + cooldown_t
    return cycles, length if step_on_epochs else length // per_epoch


def _sched(fn: str, sched: Any) -> str:
    return check.option(fn, "sched", sched, SCHEDULES)


def _wsd(
    fn: str,
    sched: str,
    base_lr: Any,
    t_initial: int,
    decay_epochs: Any,
    decay_t: Any,
    warmup_prefix: bool,
    min_lr: Any,
    timescale_t: Any,
    decay_fn: Any,
    warmup_t: int,
    warmup_lr: Any,
    noise_args: dict[str, Any],
    epochs: dict[str, Any],
) -> Schedule:
    """timm's ``wsd`` and ``rsqrt``: a ``WSDLRScheduler`` whose stable and decay phases
    fill ``num_epochs`` (less the warmup unless ``warmup_prefix``), the decay
    ``decay_epochs`` long or, for a value in (0, 1), that fraction of them, rounded as
    Python's ``round`` does."""
    t_sched = t_initial if warmup_prefix else t_initial - warmup_t
    if 0 < decay_epochs < 1:
        decay_t = decay_epochs * t_sched
    decay_t = round(decay_t)
    if not 0 < decay_t <= t_sched:
        within = "" if warmup_prefix else " - warmup_epochs"
        raise ValueError(
            f"{fn}(): decay_epochs must give 0 < decay <= epochs{within} (the stable + "
            f"decay length, {t_sched}) with sched={sched!r}, got decay_epochs="
            f"{decay_epochs!r}: a decay of {decay_t}"
        )
    rsqrt = sched == "rsqrt"
    return WSDLRScheduler(
        base_lr,
        t_sched,
        decay_t,
        lr_min=min_lr,
        stable_fn="rsqrt" if rsqrt else "constant",
        stable_timescale=timescale_t,
        decay_fn=decay_fn or ("linear" if rsqrt else "1-sqrt"),
        warmup_t=warmup_t,
        warmup_lr_init=warmup_lr,
        **noise_args,
        **epochs,
    )


def _noise_range(fn: str, noise: Any, t_initial: int) -> Any:
    """timm's ``noise_range_t``: the fractions in ``noise`` times ``t_initial``."""
    if noise is None:
        return None
    if isinstance(noise, (list, tuple)):
        xs = [check.real(fn, "noise", n, low=0.0) * t_initial for n in noise]
        if len(xs) not in (1, 2):
            check._fail(fn, "noise", "None, a number, or a list of one or two", list(noise))
        return xs[0] if len(xs) == 1 else xs
    return check.real(fn, "noise", noise, low=0.0) * t_initial


def _cycle_length(args: dict[str, Any]) -> int:
    """timm's ``get_cycle_length()``: the length of ``cycle_limit`` cycles (at least 1),
    plus the warmup when it is a prefix."""
    cycles = max(1, args["cycle_limit"])
    t_initial, mul = args["t_initial"], args["cycle_mul"]
    if mul == 1.0:
        t = t_initial * cycles
    else:
        t = math.floor(-t_initial * (mul**cycles - 1) / (1 - mul))
    return t + args["warmup_t"] if args["warmup_prefix"] else t
