"""PyTorch's two cyclic policies, ``CyclicLR`` and ``OneCycleLR``, with their momentum
schedules; public as ``jaxlrs.compat.torch.*`` (see that module for the conventions)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _check as check
from .. import _time
from .._curves import half_cos_pair, times_count
from .._cyclic import exp_range_blend
from .._schedule import Schedule, register
from .._time import Time, value
from ._util import is_concrete

Array = jax.Array

_P = "compat.torch."


# -- CyclicLR ------------------------------------------------------------------------------

_CYCLIC_MODES = ("triangular", "triangular2", "exp_range")


def _cyclic_wave(
    time: Time,
    low: Any,
    high: Any,
    step_size_up: Any,
    step_size_down: Any,
    mode: str,
    gamma: Any,
    scale_fn: Callable[[Array], Any] | None,
    scale_mode: str,
) -> Array:
    f = _time.float_dtype()
    up = _time.count(step_size_up)
    down = up if step_size_down is None else _time.count(step_size_down)
    q, local = _cycle_position(time, up, down)
    rising, rising_left = _time.ramp(local, up)
    falling_done, falling = _time.ramp(_time.minus(local, up), down)
    first = falling_done <= 0  # r <= up, exactly (PyTorch's x <= step_ratio)
    s = jnp.where(first, rising, falling)
    rest = jnp.where(first, rising_left, falling_done)  # 1 - s, from exact integers
    t = _time.to_float(time)
    n_cycle = q.astype(f) + 1
    if scale_fn is not None:
        x = n_cycle if scale_mode == "cycle" else t
        amp = jnp.asarray(scale_fn(x), f)
        gap = 1 - amp
    elif mode == "triangular":
        amp, gap = jnp.ones((), f), jnp.zeros((), f)
    elif mode == "triangular2":
        amp = jnp.exp2(-q.astype(f))
        gap = -jnp.expm1(-q.astype(f) * math.log(2))
    else:
        return exp_range_blend(time, low, high, s, rest, gamma)
    # low * (1 - s * amp) + high * s * amp with 1 - s * amp = (1 - s) + s * (1 - amp):
    # no cancellation where the value comes close to a small high (high < low).
    return value(low) * (rest + s * gap) + value(high) * (s * amp)


def _cycle_position(time: Time, up: Array, down: Array) -> tuple[Array, Time]:
    """The cycle ``q = floor(t / (up + down))`` and the step inside it. ``up + down`` is
    formed in the unsigned type (it passes int32 for two step sizes near 2**31), and
    ``q * (up + down) <= t`` fits the index type."""
    f = _time.float_dtype()
    if not (time.exact and _time.is_int(up) and _time.is_int(down)):
        total = up.astype(f) + down.astype(f)
        q = jnp.floor(_time.to_float(time) / total)
        return q, Time(jnp.clip(_time.to_float(time) - q * total, 0, total))
    u = np.dtype(jax.dtypes.canonicalize_dtype(np.uint64))
    total = jnp.maximum(up, 1).astype(u) + jnp.maximum(down, 1).astype(u)
    n = time.n.astype(u)
    whole = n if time.d is None else n // time.d
    q = whole // total
    return q.astype(_time.index_dtype()), _time.minus(time, (q * total).astype(_time.index_dtype()))


def _cyclic_lr(
    time: Time,
    base_lr: Any,
    max_lr: Any,
    step_size_up: Any,
    step_size_down: Any,
    mode: str,
    gamma: Any,
    scale_fn: Any,
    scale_mode: str,
    cycle_momentum: bool,
    base_momentum: Any,
    max_momentum: Any,
) -> Array:
    return _cyclic_wave(
        time, base_lr, max_lr, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode
    )


def _cyclic_momentum(
    time: Time,
    base_lr: Any,
    max_lr: Any,
    step_size_up: Any,
    step_size_down: Any,
    mode: str,
    gamma: Any,
    scale_fn: Any,
    scale_mode: str,
    cycle_momentum: bool,
    base_momentum: Any,
    max_momentum: Any,
) -> Array:
    return _cyclic_wave(
        time,
        max_momentum,
        base_momentum,
        step_size_up,
        step_size_down,
        mode,
        gamma,
        scale_fn,
        scale_mode,
    )


def _cyclic_args(
    fn: str,
    base_lr: Any,
    max_lr: Any,
    step_size_up: Any,
    step_size_down: Any,
    mode: Any,
    gamma: Any,
    scale_fn: Any,
    scale_mode: Any,
    cycle_momentum: Any,
    base_momentum: Any,
    max_momentum: Any,
) -> dict[str, Any]:
    if scale_fn is not None and (not callable(scale_fn) or isinstance(scale_fn, Schedule)):
        check._fail(fn, "scale_fn", "a function or None", scale_fn, TypeError)
    if scale_fn is None:
        mode = check.option(fn, "mode", mode, _CYCLIC_MODES)
        scale_mode = "iterations" if mode == "exp_range" else "cycle"
    else:
        mode = check.option(fn, "mode", mode, _CYCLIC_MODES)
        scale_mode = check.option(fn, "scale_mode", scale_mode, ("cycle", "iterations"))
    return {
        "base_lr": check.real(fn, "base_lr", base_lr, low=0.0),
        "max_lr": check.real(fn, "max_lr", max_lr, low=0.0),
        "step_size_up": check.integer(fn, "step_size_up", step_size_up),
        "step_size_down": check.optional(check.integer, fn, "step_size_down", step_size_down),
        "mode": mode,
        "gamma": check.positive(fn, "gamma", gamma),
        "scale_fn": scale_fn,
        "scale_mode": scale_mode,
        "cycle_momentum": check.flag(fn, "cycle_momentum", cycle_momentum),
        "base_momentum": check.real(fn, "base_momentum", base_momentum),
        "max_momentum": check.real(fn, "max_momentum", max_momentum),
    }


@register(_cyclic_lr, name=_P + "CyclicLR")
def CyclicLR(
    base_lr: float,
    max_lr: float,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[Array], Any] | None = None,
    scale_mode: str = "cycle",
    cycle_momentum: bool = True,
    base_momentum: float = 0.8,
    max_momentum: float = 0.9,
) -> Schedule:
    """``torch.optim.lr_scheduler.CyclicLR``: Smith's cyclical learning rates.

    With ``up = step_size_up``, ``down = step_size_down or up``, cycle
    ``c = floor(t / (up + down))`` and ``r = t - c * (up + down)``:
    ``s = r / up`` while ``r <= up``, else ``(up + down - r) / down``, and
    ``lr(t) = base_lr + (max_lr - base_lr) * s * scale`` with ``scale`` 1
    (``triangular``), ``1 / 2**c`` (``triangular2``) or ``gamma**t`` (``exp_range``), or
    ``scale_fn(c + 1)`` (``scale_mode="cycle"``) / ``scale_fn(t)`` (``"iterations"``)
    when a ``scale_fn`` is given (it must be traceable by JAX).

    ``base_lr`` is the lower bound of the cycle, as in PyTorch (which overwrites the
    optimizer's rate with it). The cycle index and the position inside the cycle are exact
    integers at any step, for step sizes up to ``2**31 - 1`` each (their sum is formed in
    the unsigned type). The value is ``base_lr * (1 - s * scale) + max_lr * s * scale``
    with ``1 - s`` from exact integers, so a ``max_lr`` below ``base_lr`` keeps its small
    apex. The momentum arguments are kept for parity; the momentum schedule
    itself is :func:`CyclicMomentum`, which takes the same arguments.

    Args:
        base_lr: lower bound of each cycle.
        max_lr: upper bound of the first cycle.
        step_size_up: steps rising, a positive integer.
        step_size_down: steps falling, a positive integer (default ``step_size_up``).
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``.
        gamma: the ``exp_range`` factor per step, positive.
        scale_fn: optional custom amplitude scale (then ``mode`` is ignored).
        scale_mode: ``"cycle"`` or ``"iterations"``: what ``scale_fn`` receives.
        cycle_momentum, base_momentum, max_momentum: see :func:`CyclicMomentum`.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> s = lrs.CyclicLR(1.0, 5.0, step_size_up=4)
        >>> s([0, 2, 4, 6, 8, 10]).tolist()
        [1.0, 3.0, 5.0, 3.0, 1.0, 3.0]

    References:
        Smith, "Cyclical Learning Rates for Training Neural Networks", 2017.
        https://arxiv.org/abs/1506.01186
    """
    args = _cyclic_args(
        "CyclicLR",
        base_lr,
        max_lr,
        step_size_up,
        step_size_down,
        mode,
        gamma,
        scale_fn,
        scale_mode,
        cycle_momentum,
        base_momentum,
        max_momentum,
    )
    return Schedule(_P + "CyclicLR", args)


@register(_cyclic_momentum, name=_P + "CyclicMomentum")
def CyclicMomentum(
    base_lr: float,
    max_lr: float,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[Array], Any] | None = None,
    scale_mode: str = "cycle",
    cycle_momentum: bool = True,
    base_momentum: float = 0.8,
    max_momentum: float = 0.9,
) -> Schedule:
    """The momentum schedule of ``CyclicLR``: it takes exactly ``CyclicLR``'s arguments.

    ``momentum(t) = max_momentum - (max_momentum - base_momentum) * s * scale``, cycled
    inversely to the learning rate (``s`` and ``scale`` as in :func:`CyclicLR`). It is what
    PyTorch writes into ``param_groups[0]["momentum"]`` (SGD) or ``betas[0]`` (Adam) before
    each update. Use it for Adam's ``b1`` (or SGD's ``momentum``) through
    ``optax.inject_hyperparams``.

    Raises ``ValueError`` for ``cycle_momentum=False`` (PyTorch then leaves the momentum
    alone: there is no schedule).

    Example:
        >>> import optax
        >>> from jaxlrs.compat import torch as lrs
        >>> kw = dict(base_lr=1e-4, max_lr=1e-3, step_size_up=4)
        >>> [round(v, 6) for v in lrs.CyclicMomentum(**kw)([0, 2, 4]).tolist()]
        [0.9, 0.85, 0.8]
        >>> opt = optax.inject_hyperparams(optax.adam)(
        ...     learning_rate=lrs.CyclicLR(**kw), b1=lrs.CyclicMomentum(**kw)
        ... )
    """
    fn = "CyclicMomentum"
    args = _cyclic_args(
        fn,
        base_lr,
        max_lr,
        step_size_up,
        step_size_down,
        mode,
        gamma,
        scale_fn,
        scale_mode,
        cycle_momentum,
        base_momentum,
        max_momentum,
    )
    if not args["cycle_momentum"]:
        raise ValueError(
            f"{fn}(): cycle_momentum must be True (with False PyTorch does not schedule the "
            "momentum), got False"
        )
    return Schedule(_P + fn, args)


# -- OneCycleLR ----------------------------------------------------------------------------


def _total(total_steps: Any, epochs: Any, steps_per_epoch: Any) -> Any:
    return total_steps if total_steps is not None else epochs * steps_per_epoch


def _one_cycle_values(
    time: Time,
    total: Any,
    pct_start: Any,
    anneal_strategy: str,
    three_phase: bool,
    points: list[tuple[Any, Any]],
) -> Array:
    """PyTorch's phase walk: the first phase whose end ``t <= end`` (else the last), with
    ``pct = (t - start) / (end - start)``; the step is held at ``total - 1``.

    The phase ends ``pct_start * T - 1``, ``2 * pct_start * T - 2`` and ``T - 1`` are held
    as an exact integer and a fraction (``_curves.times_count``), offset by 2 so that they
    are never negative and sit in the unsigned type (``2 * pct_start * T`` passes int32):
    ``t - start``, ``end - t`` and the phase length are exact integers plus a fraction,
    and the value is ``a * w + b * (1 - w)`` with both weights from them (no cancellation
    at a small end value)."""
    f = _time.float_dtype()
    n = _time.count(total)
    exact = time.exact and _time.is_int(n)
    if not exact:
        n = n.astype(f)
    k, phi = times_count(pct_start, n)
    d = np.dtype(jax.dtypes.canonicalize_dtype(np.uint64)) if exact else f
    k, n2 = k.astype(d), n.astype(d)
    one, two = jnp.ones((), d), jnp.asarray(2, d)
    zero = jnp.zeros((), f)
    end1 = k + one  # pct_start * T - 1, plus 2
    if three_phase:
        twice = 2 * phi
        carry = jnp.floor(twice)
        end2 = 2 * k + carry.astype(d)  # 2 * pct_start * T - 2, plus 2
        phases = [(two, zero, end1, phi), (end1, phi, end2, twice - carry)]
        phases.append((end2, twice - carry, n2 + one, zero))
    else:
        phases = [(two, zero, end1, phi), (end1, phi, n2 + one, zero)]
    last = jnp.maximum(n - 1, 0)
    if exact:
        t = jnp.minimum(_time.whole(time), last).astype(d) + two
    else:
        t = jnp.minimum(_time.to_float(time), last) + two

    def gap(hi: Array, lo: Array) -> Array:  # hi - lo as a float, for any order
        return jnp.where(hi >= lo, (hi - lo).astype(f), -((lo - hi).astype(f)))

    out: Array | None = None
    chosen = jnp.zeros((), bool)
    for (start, s_frac, end, e_frac), (a, b) in zip(phases, points, strict=True):
        from_start = gap(t, start) - s_frac
        to_end = gap(end, t) + e_frac
        span = gap(end, start) + (e_frac - s_frac)
        ok = span != 0
        safe = jnp.where(ok, span, 1.0)
        pct = jnp.where(ok, from_start / safe, 1.0)
        rest = jnp.where(ok, to_end / safe, 0.0)
        a, b = value(a), value(b)
        if anneal_strategy == "cos":
            h_done, h_left = half_cos_pair(pct, rest)
            v = a * h_left + b * h_done
        else:
            v = a * rest + b * pct
        inside = t <= end  # t <= end exactly: end's fraction is in [0, 1)
        out = v if out is None else jnp.where(chosen, out, v)
        chosen = chosen | inside
    assert out is not None
    return out


def _one_cycle_rates(
    max_lr: Any, div_factor: Any, final_div_factor: Any, three_phase: bool
) -> list[tuple[Any, Any]]:
    initial = max_lr / div_factor
    low = initial / final_div_factor
    if three_phase:
        return [(initial, max_lr), (max_lr, initial), (initial, low)]
    return [(initial, max_lr), (max_lr, low)]


def _one_cycle_momenta(base: Any, top: Any, three_phase: bool) -> list[tuple[Any, Any]]:
    if three_phase:
        return [(top, base), (base, top), (top, top)]
    return [(top, base), (base, top)]


def _one_cycle_lr(time: Time, **a: Any) -> Array:
    rates = _one_cycle_rates(a["max_lr"], a["div_factor"], a["final_div_factor"], a["three_phase"])
    total = _total(a["total_steps"], a["epochs"], a["steps_per_epoch"])
    return _one_cycle_values(
        time, total, a["pct_start"], a["anneal_strategy"], a["three_phase"], rates
    )


def _one_cycle_momentum(time: Time, **a: Any) -> Array:
    momenta = _one_cycle_momenta(a["base_momentum"], a["max_momentum"], a["three_phase"])
    total = _total(a["total_steps"], a["epochs"], a["steps_per_epoch"])
    return _one_cycle_values(
        time, total, a["pct_start"], a["anneal_strategy"], a["three_phase"], momenta
    )


def _one_cycle_args(
    fn: str,
    max_lr: Any,
    total_steps: Any,
    epochs: Any,
    steps_per_epoch: Any,
    pct_start: Any,
    anneal_strategy: Any,
    cycle_momentum: Any,
    base_momentum: Any,
    max_momentum: Any,
    div_factor: Any,
    final_div_factor: Any,
    three_phase: Any,
) -> dict[str, Any]:
    total_steps = check.optional(check.integer, fn, "total_steps", total_steps)
    epochs = check.optional(check.integer, fn, "epochs", epochs)
    steps_per_epoch = check.optional(check.integer, fn, "steps_per_epoch", steps_per_epoch)
    if total_steps is None and (epochs is None or steps_per_epoch is None):
        raise ValueError(
            f"{fn}(): total_steps must be given, or both epochs and steps_per_epoch, "
            f"got total_steps=None, epochs={epochs!r}, steps_per_epoch={steps_per_epoch!r}"
        )
    pct_start = check.real(fn, "pct_start", pct_start, low=0.0, high=1.0)
    total = _total(total_steps, epochs, steps_per_epoch)
    check.derived(fn, "epochs * steps_per_epoch", total)
    if is_concrete(pct_start) and is_concrete(total) and float(pct_start * total) - 1 == 0:
        raise ValueError(
            f"{fn}(): pct_start * total_steps must not be 1 (the first phase would last 0 "
            f"steps; PyTorch divides by zero), got pct_start={pct_start!r}, "
            f"total_steps={total!r}"
        )
    max_lr = check.real(fn, "max_lr", max_lr, low=0.0)
    div_factor = check.positive(fn, "div_factor", div_factor)
    final_div_factor = check.positive(fn, "final_div_factor", final_div_factor)
    if not any(check.is_traced(x) for x in (max_lr, div_factor, final_div_factor)):
        check.derived(fn, "max_lr / div_factor", max_lr / div_factor)
        check.derived(
            fn, "max_lr / div_factor / final_div_factor", max_lr / div_factor / final_div_factor
        )
    return {
        "max_lr": max_lr,
        "total_steps": total_steps,
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "pct_start": pct_start,
        "anneal_strategy": check.option(fn, "anneal_strategy", anneal_strategy, ("cos", "linear")),
        "cycle_momentum": check.flag(fn, "cycle_momentum", cycle_momentum),
        "base_momentum": check.real(fn, "base_momentum", base_momentum),
        "max_momentum": check.real(fn, "max_momentum", max_momentum),
        "div_factor": div_factor,
        "final_div_factor": final_div_factor,
        "three_phase": check.flag(fn, "three_phase", three_phase),
    }


@register(_one_cycle_lr, name=_P + "OneCycleLR")
def OneCycleLR(
    max_lr: float,
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    cycle_momentum: bool = True,
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> Schedule:
    """``torch.optim.lr_scheduler.OneCycleLR``: Smith & Topin's 1cycle policy.

    ``initial = max_lr / div_factor``, ``min = initial / final_div_factor``,
    ``T = total_steps`` (or ``epochs * steps_per_epoch``). Two phases end at steps
    ``pct_start * T - 1`` (``initial -> max_lr``) and ``T - 1`` (``max_lr -> min``); with
    ``three_phase`` at ``pct_start * T - 1`` (``initial -> max_lr``),
    ``2 * pct_start * T - 2`` (``max_lr -> initial``) and ``T - 1`` (``initial -> min``).
    Inside a phase ``pct = (t - start) / (end - start)`` and the value is
    ``end_v + (start_v - end_v) * (1 + cos(pi * pct)) / 2`` (``"cos"``) or
    ``start_v + (end_v - start_v) * pct`` (``"linear"``).

    Differs from PyTorch past the end: PyTorch raises once stepped beyond ``total_steps``
    (and its value at step ``total_steps`` extrapolates the last phase past ``min``); jaxlrs
    holds the final value ``min`` from step ``T - 1`` on. The phase ends are not integers
    in general; each is kept as an exact integer plus a fraction (PyTorch forms
    ``pct_start * T`` in float64, and so does jaxlrs, from exact float32 partial products
    and the bits float32 dropped from a concrete ``pct_start``), so the position inside a
    phase is exact at any step up to ``2**31 - 1`` and the value matches PyTorch to 1e-6
    relative, also for a tiny ``initial`` or ``min``. One exception: a ``pct_start``
    within about 1e-9 of 1 on ``T`` near 1e8, where PyTorch's last phase lasts less than a
    step; jaxlrs holds ``max_lr`` where PyTorch already gives the final value (tested up to
    ``pct_start = 1 - 1e-9``). The momentum arguments are kept
    for parity; the momentum schedule is :func:`OneCycleMomentum`, which takes the same
    arguments.

    Args:
        max_lr: the peak learning rate.
        total_steps: length of the cycle, a positive integer (or give ``epochs`` and
            ``steps_per_epoch``).
        epochs, steps_per_epoch: positive integers whose product is the length.
        pct_start: fraction of the cycle spent rising, in [0, 1].
        anneal_strategy: ``"cos"`` or ``"linear"``.
        cycle_momentum, base_momentum, max_momentum: see :func:`OneCycleMomentum`.
        div_factor: ``max_lr / initial``, positive.
        final_div_factor: ``initial / min``, positive.
        three_phase: use the paper's three phases.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> s = lrs.OneCycleLR(25.0, 10, final_div_factor=2.0, anneal_strategy="linear")
        >>> s([0, 1, 2, 3, 9, 20]).tolist()
        [1.0, 13.0, 25.0, 21.5, 0.5, 0.5]

    References:
        Smith & Topin, "Super-Convergence: Very Fast Training of Neural Networks Using
        Large Learning Rates", 2017. https://arxiv.org/abs/1708.07120
    """
    args = _one_cycle_args(
        "OneCycleLR",
        max_lr,
        total_steps,
        epochs,
        steps_per_epoch,
        pct_start,
        anneal_strategy,
        cycle_momentum,
        base_momentum,
        max_momentum,
        div_factor,
        final_div_factor,
        three_phase,
    )
    return Schedule(_P + "OneCycleLR", args)


@register(_one_cycle_momentum, name=_P + "OneCycleMomentum")
def OneCycleMomentum(
    max_lr: float,
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    cycle_momentum: bool = True,
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> Schedule:
    """The momentum schedule of ``OneCycleLR``: it takes exactly ``OneCycleLR``'s arguments.

    The momentum runs inversely to the learning rate through the same phases:
    ``max_momentum -> base_momentum -> max_momentum`` (and, with ``three_phase``, stays at
    ``max_momentum`` in the third phase), with the same ``anneal_strategy``. It is what
    PyTorch writes into ``param_groups[0]["momentum"]`` (SGD) or ``betas[0]`` (Adam) before
    each update; use it for Adam's ``b1`` through ``optax.inject_hyperparams``. Held from
    step ``total_steps - 1`` on, like :func:`OneCycleLR`.

    Raises ``ValueError`` for ``cycle_momentum=False`` (PyTorch then leaves the momentum
    alone: there is no schedule).

    Example:
        >>> import optax
        >>> from jaxlrs.compat import torch as lrs
        >>> kw = dict(max_lr=1e-3, total_steps=1_000)
        >>> [round(float(m), 4) for m in lrs.OneCycleMomentum(**kw)([0, 299, 999])]
        [0.95, 0.85, 0.95]
        >>> opt = optax.inject_hyperparams(optax.adam)(
        ...     learning_rate=lrs.OneCycleLR(**kw), b1=lrs.OneCycleMomentum(**kw)
        ... )
    """
    fn = "OneCycleMomentum"
    args = _one_cycle_args(
        fn,
        max_lr,
        total_steps,
        epochs,
        steps_per_epoch,
        pct_start,
        anneal_strategy,
        cycle_momentum,
        base_momentum,
        max_momentum,
        div_factor,
        final_div_factor,
        three_phase,
    )
    if not args["cycle_momentum"]:
        raise ValueError(
            f"{fn}(): cycle_momentum must be True (with False PyTorch does not schedule the "
            "momentum), got False"
        )
    return Schedule(_P + fn, args)
