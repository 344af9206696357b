"""timm-compatible schedules: ``timm.scheduler``'s classes and ``create_scheduler_v2`` as
jaxlrs schedules.

Each constructor takes timm's arguments, in timm's order, with the optimizer replaced by
``base_lr`` (and timm's ``initialize`` dropped), and returns an ordinary
:class:`jaxlrs.Schedule` whose repr reads like the timm call,
``compat.timm.CosineLRScheduler(0.1, 100, warmup_t=5)``; its value at timm's ``t`` is
timm's ``_get_lr(t)`` (with the noise, below), to 2e-6 relative (and 1e-6 of ``base_lr``
absolute for a float ``cycle_mul``, whose cycle boundaries are not integers).

**From the jaxlrs step to timm's t.** timm's schedulers are pure functions of a count
``t`` that the training loop passes in: ``step_update(num_updates)`` after each update
when ``t_in_epochs=False``, ``step(epoch)`` at the end of each epoch when
``t_in_epochs=True`` (timm's ``train.py``). The rate the optimizer uses on its ``k``-th
update (0-based) is then ``_get_lr(k)`` per update, or ``_get_lr(k // U)`` per epoch with
``U`` updates an epoch. So:

* ``t_in_epochs=False``: the jaxlrs step is the update count ``k`` and ``t = k``; all
  lengths (``t_initial``, ``warmup_t``, ``decay_t``) are in updates.
* ``t_in_epochs=True`` with ``updates_per_epoch=U``: the jaxlrs step is the update count
  and ``t = k // U`` (exact integer division): the rate holds for a whole epoch, as in
  timm. Lengths are in epochs.
* ``t_in_epochs=True`` without ``updates_per_epoch`` (the default): the jaxlrs step is
  ``t`` itself (call the schedule with the epoch).

A fractional step uses its whole part (timm's ``t`` is an integer). timm's loop never
calls ``step(0)``: update 0 (per epoch: all of epoch 0) uses the rate set at construction,
``warmup_lr_init`` with a warmup, else ``base_lr``, without noise. jaxlrs gives
``_get_lr(0)`` (with the noise when ``noise_range_t`` includes 0), which is the same rate
except for a ``TanhLRScheduler`` without warmup (``(1 - tanh(lb)) / 2`` of ``base_lr``,
8e-7 relative below it at ``lb=-7``), a ``MultiStepLRScheduler`` milestone of 1 (timm's
``_get_lr(0)`` already decays) and a ``WSDLRScheduler`` without warmup whose ``lr_min``
is above ``base_lr`` (timm's ``_get_lr(0)`` is ``lr_min``).

**Noise.** Where timm's ``_is_apply_noise(t)`` holds (``t >= noise_range_t``, or
``start <= t < stop`` for a pair), ``lr(t) = _get_lr(t) * (1 + n(t))`` with ``n(t)`` of
timm's distribution: ``noise_std`` times a standard normal, resampled until
``|n| < noise_pct``, i.e. ``noise_std * z`` with ``z`` a standard normal truncated to
``(-noise_pct / noise_std, noise_pct / noise_std)``. The draw is not timm's (a
``torch.Generator`` seeded with ``noise_seed + t``): it follows :func:`jaxlrs.noise`'s
contract, a pure function of ``(noise_seed, t)`` (the key ``jax.random.key(noise_seed)``
folded with ``t``), so a resumed run reproduces it and any step can be evaluated alone;
with ``noise_std=1`` it is ``jaxlrs.noise(schedule, noise_seed, noise_pct)``'s draw, bit for
bit. timm 1.0.29 and older ignore ``noise_std`` (their draw is a standard normal);
1.0.31 multiplies by it, as here. Outside the noise range the value is timm's exactly.
``noise_pct`` must be in (0, 1) (timm loops forever at 0) and ``noise_seed`` in
[0, 2**31 - 1]. timm's ``noise_type='uniform'`` is not an argument of these classes
(only of the base class), and neither is it here.

**Float lengths and bounds.** timm compares its integer ``t`` with float hyperparameters
in Python float64: ``StepLRScheduler``'s stair ``t // decay_t`` for a float ``decay_t``
and ``t >= noise_range_t``. jaxlrs takes each such float as its exact float64 value
(float32 would floor ``12 / 2.4`` to 4 and round ``0.67 * 100 = 67.00000000000001`` to
67), so the stair and the noise range are timm's at every integer ``t``.

**Where jaxlrs differs.** Integer cycle multipliers locate the cycle in exact integers;
timm computes ``floor(log(1 - t / t_initial * (1 - cycle_mul), cycle_mul))`` in floating
point, which at some exact cycle starts rounds below the integer (``log(243, 3)`` is
``4.999...``): timm then returns the end of the previous cycle (``lr_min``) for that one
``t`` where jaxlrs returns the start of the next. ``cycle_mul < 1`` (cycles that shrink
until timm's logarithm fails) is refused; so are a negative or zero ``cycle_decay`` or
``decay_rate``, ``lr_min`` or ``warmup_lr_init`` below 0 (timm asserts these), and
``updates_per_epoch`` with ``t_in_epochs=False``. Hyperparameters are validated when
concrete; traced ones (``jit``, ``vmap``, ``grad``) are not checked.

:func:`WSDLRScheduler` (timm 1.0.31's warmup-stable-decay, ``create_scheduler_v2``'s
``wsd`` and ``rsqrt``) follows the same conventions; it has no ``warmup_prefix`` (timm's
warmup is always a prefix there).

:func:`PlateauLRScheduler` (and ``create_scheduler_v2("plateau")``) returns a controller,
as ``jaxlrs.compat.torch.ReduceLROnPlateau`` does, without timm's noise.
"""

from __future__ import annotations

from ._timm_cycles import CosineLRScheduler as CosineLRScheduler
from ._timm_cycles import PolyLRScheduler as PolyLRScheduler
from ._timm_cycles import TanhLRScheduler as TanhLRScheduler
from ._timm_factory import PlateauLRScheduler as PlateauLRScheduler
from ._timm_factory import create_scheduler_v2 as create_scheduler_v2
from ._timm_steps import MultiStepLRScheduler as MultiStepLRScheduler
from ._timm_steps import StepLRScheduler as StepLRScheduler
from ._timm_wsd import WSDLRScheduler as WSDLRScheduler

__all__ = [
    "CosineLRScheduler",
    "MultiStepLRScheduler",
    "PlateauLRScheduler",
    "PolyLRScheduler",
    "StepLRScheduler",
    "TanhLRScheduler",
    "WSDLRScheduler",
    "create_scheduler_v2",
]
