"""Durations as a fraction of a schedule's total length: ``fraction(r)``.

``warmup_cosine(1e-3, fraction(0.1), 10_000)`` warms up over ``ceil(0.1 * 10_000)`` steps,
as Hugging Face's ``warmup_ratio`` counts (``math.ceil(warmup_ratio * num_training_steps)``).
A fraction is a value of its own type, so it can never be confused with a step count: a
float ``100.0`` stays 100 steps and ``1.0`` stays one step.

A fraction is resolved to a step count where the schedule evaluates (never at
construction): the schedule keeps the fraction as its argument, prints it as
``fraction(0.1)``, and ``r`` may be traced (``jit``/``vmap`` over it without a retrace).
It is a JAX pytree with ``r`` as its one leaf, so in the packed eager call of a schedule
(``_schedule``) a concrete ``r`` travels like any float hyperparameter, with the bits that
float32 drops from it (its host correction).

The count is ``ceil(r * n)`` for the total ``n``:

* with ``jax_enable_x64`` on, exactly Python's ``math.ceil(r * n)`` (the same float64
  product, then the ceiling);
* with x64 off, from the exact product of ``r`` (kept to about 48 bits: its float32 value
  and its host correction) and the integer ``n`` (``_curves.times_count``), where a product
  that lies within ``r * n * 2**-43`` above an integer counts as that integer, as float64
  rounding makes ``0.1 * 10`` exactly ``1.0``. This is ``math.ceil(r * n)`` except for
  products in that narrow band (float32 cannot tell them apart from the integer). There it
  is one step less, never more, so a limit checked on the host with ``math.ceil`` at
  construction (``warmup < steps``) holds on the device too.
* a traced ``r`` with x64 off (``vmap``/``jit`` over it, or a concrete fraction inside a
  schedule that is itself traced, as under ``vmap`` or ``grad`` over another
  hyperparameter) is a float32 value without its dropped bits, up to ``2**-24`` of it off
  the number written: there a product within ``min(r * n * 2**-22, 1/4)`` above an integer
  counts as that integer, so that a decimal fraction still counts as written while
  ``r * n`` is below about ``2**22`` (float32 cannot do better beyond that);
* a total beyond the index dtype (``2**31`` and above with x64 off) travels as a float:
  the count is then the ceiling of the float product.

A step count has no gradient: ``jax.grad`` with respect to ``r`` is 0 (never NaN).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _check as check
from . import _time
from ._curves import times_count
from ._schedule import _format_value, _identity

Array = jax.Array

_TIE = 2.0**-43  # relative to the product: float32's error on it is below 2**-46
# A traced r (or one passed into jit inside a schedule) is a float32 without the bits float32
# dropped from it: up to 2**-24 of it, so its product with n is only known to that. Capped,
# so that a product of an exact binary fraction (a half) still rounds up.
_TIE_TRACED = 2.0**-22
_TIE_TRACED_CAP = 0.25


@jax.tree_util.register_pytree_node_class
class Fraction:
    """A duration given as the fraction ``r`` of a schedule's total length (see
    :func:`fraction`). Immutable; a pytree whose one leaf is ``r``."""

    __slots__ = ("r",)
    r: Any

    def __init__(self, r: Any) -> None:
        # Unchecked: pytree unflattening puts any leaf here (arrays, tracers, masks).
        object.__setattr__(self, "r", r)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"jaxlrs fractions are immutable; cannot set {name!r}")

    def __repr__(self) -> str:
        return f"fraction({_format_value(self.r)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fraction):
            return NotImplemented
        return self is other or _identity(self.r) == _identity(other.r)

    def __hash__(self) -> int:
        return hash(("fraction", _identity(self.r)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Fraction, (self.r,))

    def tree_flatten(self) -> tuple[tuple[Any], None]:
        return (self.r,), None

    @classmethod
    def tree_unflatten(cls, aux: None, children: Any) -> Fraction:
        (r,) = children
        return cls(r)


def fraction(r: float) -> Fraction:
    """A duration as the fraction ``r`` of a schedule's total length: ``ceil(r * steps)``
    steps.

    ``warmup = ceil(r * steps)`` — with x64 on exactly Python's ``math.ceil(r * steps)``
    (Hugging Face's ``warmup_ratio``); with x64 off the same, except that a product within
    ``r * steps * 2**-43`` above an integer counts as that integer (float32 keeps ``r`` to
    about 48 bits; float64 rounding makes ``0.1 * 10`` exactly ``1.0`` too), for every
    total up to ``2**31 - 1``. A traced ``r`` is a plain float32 (see the module
    docstring of ``jaxlrs._fraction`` for its rule: decimal fractions count as written
    while ``r * steps`` is below about ``2**22``).

    Accepted by the phase lengths of the constructors that know their total length: the
    ``warmup`` of ``warmup_cosine``, ``warmup_linear``, ``warmup_polynomial``,
    ``warmup_exponential``, ``warmup_inverse_sqrt`` and ``warmup_constant`` (when its
    ``steps`` is given), and ``wsd``'s ``warmup`` and ``decay_steps``. Elsewhere (a
    constructor without a total, such as ``warmup(schedule, steps)``, ``inverse_sqrt`` or
    ``sgdr``, whose cycles never end) it raises ``TypeError``. The count is resolved where
    the schedule evaluates: the schedule prints ``fraction(...)``, serialises it as
    ``{"fraction": r}``, and ``r`` may be traced (``jit``/``vmap`` over it compile once; the
    gradient with respect to ``r`` is 0, since a step count does not change smoothly).
    Limits that involve the count (``warmup < steps``, ``warmup + decay_steps <= steps``)
    are checked at construction when ``r`` and ``steps`` are concrete.

    Args:
        r: the fraction, a finite number in ``[0, 1]`` (or a traced scalar, unchecked).

    Returns:
        A :class:`Fraction`, printed as ``fraction(r)``.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.warmup_cosine(1.0, jaxlrs.fraction(0.1), 100)
        >>> s
        warmup_cosine(1.0, fraction(0.1), 100)
        >>> s == jaxlrs.parse(repr(s))
        True
        >>> steps = [5, 10, 55, 100]
        >>> s(steps).tolist() == jaxlrs.warmup_cosine(1.0, 10, 100)(steps).tolist()
        True
        >>> jaxlrs.warmup_linear(1.0, 1.0, 100) == jaxlrs.warmup_linear(1.0, 1, 100)  # 1 step
        True
    """
    fn = "fraction"
    r = check.real(fn, "r", r, low=0.0, high=1.0)
    if check.is_traced(r):
        return Fraction(r)
    return Fraction(float(r) + 0.0)  # (-0.0 as 0.0)


# -- validation at construction ------------------------------------------------------------


def refusal(fn: str, name: str, x: Fraction, allowed: str) -> TypeError:
    """The error for a fraction given where no total length exists."""
    return TypeError(
        f"{fn}(): {name} must be {allowed}, got {x!r}: a fraction() is a share of a "
        f"schedule's total length, and {fn}() has no total length to take it of for "
        f"{name}; give {name} as a number of steps"
    )


def _concrete_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def host_steps(x: Fraction, total: Any) -> int | None:
    """``math.ceil(r * total)`` when both are concrete (None when either is traced)."""
    r = x.r
    if not isinstance(r, float) or not _concrete_int(total):
        return None
    return min(max(math.ceil(r * total), 0), total)


def length(
    fn: str, name: str, x: Any, total: Any, *, minimum: int = 0, total_name: str = "steps"
) -> Any:
    """A phase length that may be a :class:`Fraction` of ``total`` (which must then be
    given): the fraction unchanged, or the count as ``check.integer`` returns it. A
    fraction whose concrete count is below ``minimum`` raises ``ValueError``."""
    if not isinstance(x, Fraction):
        return check.integer(fn, name, x, minimum=minimum)
    if total is None:
        raise TypeError(
            f"{fn}(): {name}={x!r} needs the total length {total_name} to take a fraction "
            f"of; give {total_name}, or {name} in steps"
        )
    k = host_steps(x, total)
    if k is not None and k < minimum:
        words = {0: "a non-negative integer", 1: "a positive integer"}
        raise ValueError(
            f"{fn}(): {name} must be {words.get(minimum, f'an integer >= {minimum}')}, "
            f"got {x!r} ({k} steps of {total_name}={total!r})"
        )
    return x


def shown(x: Any, total: Any) -> str:
    """``x`` for a message: a fraction with the count it resolves to."""
    k = host_steps(x, total) if isinstance(x, Fraction) else None
    return repr(x) if k is None else f"{x!r} ({k} steps)"


def count_of(x: Any, total: Any) -> Any:
    """``x`` as a count for construction-time limits: the concrete count of a fraction
    of a concrete total, ``x`` itself otherwise (a traced fraction: a tracer stand-in)."""
    if not isinstance(x, Fraction):
        return x
    k = host_steps(x, total)
    return x.r if k is None else k


def warmup_within(fn: str, warmup: Any, steps: Any) -> tuple[Any, Any]:
    """``check.warmup_within`` for a ``warmup`` that may be a fraction of ``steps``."""
    if not isinstance(warmup, Fraction):
        return check.warmup_within(fn, warmup, steps)
    steps = check.integer(fn, "steps", steps)
    warmup = length(fn, "warmup", warmup, steps)
    k = host_steps(warmup, steps)
    if k is not None and k >= steps:
        raise ValueError(
            f"{fn}(): warmup must be smaller than steps (steps counts the warmup), "
            f"got warmup={warmup!r} ({k} steps), steps={steps!r}"
        )
    return warmup, steps


# -- resolution where the schedule evaluates ------------------------------------------------


def _full_precision(r: Any) -> bool:
    """Whether ``r`` comes with the bits float32 drops from it: a Python float, or a leaf
    of the packed eager call with its host correction (see ``_time.corrections``)."""
    if isinstance(r, float):
        return True
    table = _time._CORRECTIONS.get()
    hit = None if table is None else table.get(id(r))
    return hit is not None and hit[0] is r


def steps_of(x: Any, total: Any) -> Any:
    """``x`` as a step count: ``ceil(r * total)`` for a :class:`Fraction` (see the module
    docstring for the rule), clamped to ``[0, total]``; anything else unchanged.

    A concrete fraction of a concrete Python-int total (a recipe body rebuilt outside
    evaluation, by ``summary``'s phase walk) resolves on the host with ``math.ceil``."""
    if not isinstance(x, Fraction):
        return x
    known = host_steps(x, total)
    if known is not None:
        return known
    r = x.r
    n = _time.count(total)
    f = _time.float_dtype()
    if f == np.float64 or not _time.is_int(n):
        prod = _time.value(r) * n.astype(f)
        up = jnp.ceil(prod)
        out = jnp.clip(up, 0, n.astype(f))
        return out.astype(n.dtype) if _time.is_int(n) else out
    k, phi = times_count(r, n)
    size = k.astype(f) + phi
    if _full_precision(r):
        up = phi > size * _TIE
    else:
        up = phi > jnp.minimum(size * _TIE_TRACED, _TIE_TRACED_CAP)
    return jnp.clip(k + up.astype(k.dtype), 0, n)
