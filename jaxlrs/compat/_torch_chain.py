"""``compat.torch``'s composite schedulers: ``SequentialLR`` and ``ChainedScheduler``."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .. import _check as check
from .. import _time
from .._combinators import join
from .._primitives import _knots
from .._schedule import Schedule, expands, register
from .._time import Time, value
from ._torch_cycles import _P

Array = jax.Array


# -- SequentialLR / ChainedScheduler -------------------------------------------------------


def _sequential_lr(schedulers: tuple[Schedule, ...], milestones: Any) -> Schedule:
    if len(schedulers) == 1:
        return schedulers[0]
    return join(list(schedulers), milestones)


@register(expands(_sequential_lr), name=_P + "SequentialLR")
def SequentialLR(schedulers: list[Schedule], milestones: list[int]) -> Schedule:
    """``torch.optim.lr_scheduler.SequentialLR``: run schedules one after another.

    Child ``i`` runs on ``[milestones[i-1], milestones[i])`` and sees the local step
    ``t - milestones[i-1]``: it restarts from its own beginning (its base rate), as
    PyTorch's ``SequentialLR`` does at each milestone (native: ``jaxlrs.join``).

    The children are compat schedules built with the same ``base_lr`` (PyTorch's share
    one optimizer); any jaxlrs schedule is accepted.

    Args:
        schedulers: the children, at least one.
        milestones: ``len(schedulers) - 1`` strictly increasing non-negative steps.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> s = lrs.SequentialLR(
        ...     [lrs.ConstantLR(1.0, 0.5, 2), lrs.ExponentialLR(1.0, 0.5)], milestones=[3]
        ... )
        >>> s([0, 2, 3, 4, 5]).tolist()
        [0.5, 1.0, 1.0, 0.5, 0.25]
    """
    fn = "SequentialLR"
    children = check.schedules(fn, "schedulers", schedulers)
    milestones = check.integers(fn, "milestones", milestones)
    check.length(fn, "milestones", milestones, len(children) - 1, "one entry fewer than schedulers")
    return Schedule(_P + fn, {"schedulers": children, "milestones": milestones})


_CHAINABLE = tuple(
    _P + n
    for n in (
        "StepLR",
        "MultiStepLR",
        "ConstantLR",
        "LinearLR",
        "ExponentialLR",
        "PolynomialLR",
        "CosineAnnealingLR",
        "ChainedScheduler",
    )
)


def _factor(child: Schedule, time: Time) -> Array:
    """The child's multiplier on the base rate: the child rebuilt with ``base_lr = 1``."""
    if child.name == _P + "ChainedScheduler":
        out = jnp.ones((), _time.float_dtype())
        for c in child.args["schedulers"]:
            out = out * _factor(c, time)
        return out
    return Schedule(child.name, {**child.args, "base_lr": 1.0})._apply(time)


def _leaves(schedulers: tuple[Schedule, ...]) -> list[Schedule]:
    """The chain's children, nested chains flattened."""
    out: list[Schedule] = []
    for c in schedulers:
        out += _leaves(c.args["schedulers"]) if c.name == _P + "ChainedScheduler" else [c]
    return out


def _log_factor(child: Schedule, time: Time) -> Array:
    """``log`` of the child's factor, formed without the factor where it is a power
    ``gamma**k`` (StepLR, MultiStepLR, ExponentialLR), which alone may leave float32's
    range; ``-inf`` for a zero factor."""
    a = child.args
    kind = child.name.removeprefix(_P)
    if kind in ("StepLR", "MultiStepLR", "ExponentialLR"):
        if kind == "StepLR":
            k = _time.floordiv(time, a["step_size"])
        elif kind == "MultiStepLR":
            ms = a["milestones"]
            if isinstance(ms, tuple) and not ms:
                return jnp.zeros(jnp.shape(time.n), _time.float_dtype())
            k = _time.count_le(time, _knots(ms, _time.count))
        else:
            k = _time.to_float(time)
        k = k.astype(_time.float_dtype())
        gamma = a["gamma"]
        c = _time._correction(gamma)
        per = jnp.log(value(gamma)) + (0.0 if c is None else jnp.asarray(c, k.dtype))
        return k * per
    f = _factor(child, time)
    pos = f > 0
    return jnp.where(pos, jnp.log(jnp.where(pos, f, 1.0)), -jnp.inf)


def _chained(time: Time, schedulers: tuple[Schedule, ...]) -> Array:
    base = value(_chain_base(schedulers[0]))
    kids = _leaves(schedulers)

    def direct(time: Time) -> Array:
        out = base
        for c in kids:
            out = out * _factor(c, time)
        return out

    out = direct(time)
    if not any(c.name.removeprefix(_P) in _POWERS for c in kids):
        return out  # every factor is at most 1 (or a constant): the product cannot overflow
    # Where a power's factor alone leaves float32's range (ExponentialLR(lr, 2.0) past step
    # 128, times a decay), the direct product is inf or NaN (0 * inf) although the rate
    # may be finite: there, the product is exp(sum of logs). Each path runs on a step
    # where it is finite elsewhere (step 0), so neither gives a NaN gradient.
    fine = jax.lax.stop_gradient(jnp.isfinite(out))

    def pick(ok: Array) -> Time:  # the step where ``ok``, else step 0
        d = None if time.d is None else jnp.where(ok, time.d, jnp.ones_like(time.d))
        return Time(jnp.where(ok, time.n, jnp.zeros_like(time.n)), d)

    out = direct(pick(fine))
    logs = sum(_log_factor(c, pick(~fine)) for c in kids)
    safe = jnp.where(base > 0, base, 1.0)
    via_logs = jnp.where(base > 0, jnp.exp(logs + jnp.log(safe)), 0.0)
    return jnp.where(fine, out, via_logs)


_POWERS = ("StepLR", "MultiStepLR", "ExponentialLR")


def _chain_base(child: Schedule) -> Any:
    if child.name == _P + "ChainedScheduler":
        return _chain_base(child.args["schedulers"][0])
    return child.args["base_lr"]


@register(_chained, name=_P + "ChainedScheduler")
def ChainedScheduler(schedulers: list[Schedule]) -> Schedule:
    """``torch.optim.lr_scheduler.ChainedScheduler``: the product of chainable schedules.

    ``lr(t) = base_lr * prod_i (s_i(t) / base_lr)``

    PyTorch steps each child in turn, and each multiplies the current rate by its own
    step-to-step ratio; for the chainable children accepted here (``StepLR``,
    ``MultiStepLR``, ``ConstantLR``, ``LinearLR``, ``ExponentialLR``, ``PolynomialLR``,
    ``CosineAnnealingLR`` with ``eta_min=0``, nested ``ChainedScheduler``) that is the
    product of their factors. All children must share one ``base_lr`` (PyTorch's share one
    optimizer). ``LambdaLR``, ``CyclicLR``, ``OneCycleLR``, ``CosineAnnealingWarmRestarts``
    and ``SequentialLR`` set the rate instead of multiplying it and are rejected.

    One divergence: a chained ``CosineAnnealingLR`` reaches 0 at ``T_max``; PyTorch's
    recursion cannot multiply its way out of a zero and restarts the product there
    (additively), so past ``T_max`` PyTorch's chain is no longer a product of factors.
    jaxlrs keeps the product: equal to PyTorch up to ``T_max``.

    Where a power child's factor alone leaves float32's range while the product need not
    (``ExponentialLR(lr, 2.0)`` past step 128 chained with a decay), the product is
    formed as ``exp(sum of the factors' logarithms)``: finite, 0 or inf as the rate is,
    never NaN, within ``2**-22 * sum_i |log factor_i|`` relative (float32's rounding of
    the logarithms); elsewhere it is the direct product.

    Args:
        schedulers: chainable compat schedules with one ``base_lr``.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> s = lrs.ChainedScheduler(
        ...     [lrs.ConstantLR(1.0, 0.5, 2), lrs.ExponentialLR(1.0, 0.5)]
        ... )
        >>> s([0, 1, 2, 3]).tolist()
        [0.5, 0.25, 0.25, 0.125]
    """
    fn = "ChainedScheduler"
    children = check.schedules(fn, "schedulers", schedulers)
    bases = []
    for i, c in enumerate(children):
        if c.name not in _CHAINABLE:
            raise ValueError(
                f"{fn}(): schedulers[{i}] must be a chainable compat.torch schedule "
                f"({', '.join(n.removeprefix(_P) for n in _CHAINABLE)}), got {c!r}"
            )
        if c.name == _P + "CosineAnnealingLR":
            eta = c.args["eta_min"]
            if not check.is_traced(eta) and eta != 0:
                raise ValueError(
                    f"{fn}(): schedulers[{i}] must have eta_min=0 (PyTorch's chained "
                    f"cosine is not a product otherwise), got {c!r}"
                )
        bases.append(_chain_base(c))
    concrete = [b for b in bases if not check.is_traced(b)]
    if any(b != concrete[0] for b in concrete):
        raise ValueError(
            f"{fn}(): schedulers must share one base_lr (PyTorch chains one optimizer), "
            f"got base_lr values {concrete}"
        )
    return Schedule(_P + fn, {"schedulers": children})
