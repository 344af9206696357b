"""Decays with their own closed form: hyperbolic tangent (timm) and REX.

Hyperparameters are validated when concrete; traced ones (inside ``jit``, ``vmap``,
``grad``) cannot be inspected and are not checked.
"""

from __future__ import annotations

from typing import Any

import jax

from . import _check as check
from ._schedule import Schedule, register
from ._time import Time, ramp, value

Array = jax.Array


def _tanh_decay(time: Time, init: Any, steps: Any, end: Any, lower: Any, upper: Any) -> Array:
    done, left = ramp(time, steps)
    x = value(lower) * left + value(upper) * done
    # (1 - tanh(x)) / 2 == sigmoid(-2x) and its complement sigmoid(2x), each accurate
    # where the other is close to 1: init * w + end * (1 - w) never cancels.
    return value(init) * jax.nn.sigmoid(-2 * x) + value(end) * jax.nn.sigmoid(2 * x)


@register(_tanh_decay)
def tanh_decay(
    init: float, steps: int, end: float = 0.0, lower: float = -7.0, upper: float = 3.0
) -> Schedule:
    """Hyperbolic tangent decay from about ``init`` to about ``end`` over ``steps``.

    ``lr(t) = end + (init - end) * (1 - tanh(lower * (1 - p) + upper * p)) / 2``,
    ``p = min(t, steps) / steps``; the value at ``steps`` holds after.

    As in timm (and the paper), the curve is the tanh between ``lower`` and ``upper``, so
    it starts a hair below ``init`` (``(1 - tanh(-7)) / 2 = 1 - 8e-7``) and ends a little
    above ``end`` (``(1 - tanh(3)) / 2 = 0.0025`` of the way). Evaluated as
    ``init * w + end * (1 - w)`` with ``w = sigmoid(-2x)`` and ``1 - w = sigmoid(2x)``, so
    a rising curve (``end > init``) keeps a small ``init``.

    Precision: the tanh's condition number at ``x`` is about ``2|x|``, so far in a tail the
    float32 rounding of ``lower`` and ``upper`` themselves (before any arithmetic) moves
    the value: it is within 2e-6 relative of float64 while ``|lower|`` and ``|upper|`` are
    at most 4, and within ``5e-7 * max(|lower|, |upper|)`` relative beyond (1e-5 at
    ``lower = -20``).

    Args:
        init: the value the curve starts from.
        steps: length of the decay, a positive integer.
        end: the value the curve decays towards.
        lower: the tanh argument at step 0.
        upper: the tanh argument at step ``steps``, above ``lower``.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.tanh_decay(1.0, 100, lower=-3.0, upper=3.0)
        >>> [round(x, 4) for x in s([0, 50, 100]).tolist()]
        [0.9975, 0.5, 0.0025]

    References:
        Hsueh et al., "Stochastic Gradient Descent with Hyperbolic-Tangent Decay on
        Classification", 2019. https://arxiv.org/abs/1806.01593
    """
    fn = "tanh_decay"
    lower = check.real(fn, "lower", lower)
    upper = check.real(fn, "upper", upper)
    if not check.is_traced(lower) and not check.is_traced(upper) and lower >= upper:
        raise ValueError(
            f"{fn}(): lower must be smaller than upper, got lower={lower!r}, upper={upper!r}"
        )
    return Schedule(
        fn,
        {
            "init": check.real(fn, "init", init),
            "steps": check.integer(fn, "steps", steps),
            "end": check.real(fn, "end", end),
            "lower": lower,
            "upper": upper,
        },
    )


def _rex(time: Time, init: Any, steps: Any, end: Any) -> Array:
    done, left = ramp(time, steps)
    # w = 2 (1 - z) / (2 - z) and 1 - w = z / (2 - z), with 1 - z = left and z = done.
    denom = 1 + left
    return value(init) * (2 * left / denom) + value(end) * (done / denom)


@register(_rex)
def rex(init: float, steps: int, end: float = 0.0) -> Schedule:
    """REX: a decay that stays high longer than linear and falls fast at the end.

    ``lr(t) = end + (init - end) * (1 - z) / (1/2 + (1 - z) / 2)``,
    ``z = min(t, steps) / steps``; ``end`` from ``steps`` on. Evaluated as
    ``init * w + end * (1 - w)`` with ``1 - w = z / (2 - z)``, accurate at both ends
    rising or falling.

    Args:
        init: value at step 0.
        steps: length of the decay, a positive integer.
        end: value from ``steps`` on.

    Example:
        >>> import jaxlrs
        >>> [round(x, 6) for x in jaxlrs.rex(1.0, 100)([0, 50, 75, 100]).tolist()]
        [1.0, 0.666667, 0.4, 0.0]

    References:
        Chen et al., "REX: Revisiting Budgeted Training with an Improved Schedule", 2022.
        https://arxiv.org/abs/2107.04197
    """
    fn = "rex"
    return Schedule(
        fn,
        {
            "init": check.real(fn, "init", init),
            "steps": check.integer(fn, "steps", steps),
            "end": check.real(fn, "end", end),
        },
    )
