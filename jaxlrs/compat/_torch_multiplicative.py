"""``compat.torch.MultiplicativeLR``: a running product of a traceable factor function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from .. import _check as check
from .. import _time
from .._schedule import Schedule, register
from .._time import Time, value
from ._torch_cycles import _P

Array = jax.Array

MAX_HORIZON = 2**24  # the factor table is built at every call: keep it a few MiB


def _multiplicative_lr(
    time: Time, base_lr: Any, lr_lambda: Callable[[Array], Any], horizon: int
) -> Array:
    f = _time.float_dtype()
    # Whole numbers as floats (exact up to MAX_HORIZON): ``0.01 * e`` needs no cast.
    epochs = jnp.arange(1, horizon + 1, dtype=f)
    factors = jnp.broadcast_to(jnp.asarray(lr_lambda(epochs), f), (horizon,))
    k = jnp.clip(_time.whole(time), 0, horizon).astype(_time.index_dtype())
    return value(base_lr) * jnp.take(_running_product(factors), k)


def _running_product(factors: Array) -> Array:
    """``[1, f1, f1 f2, ..., f1 ... fn]``, each within about ``n * 2**-45`` relative (then
    rounded to the float dtype once).

    The products run in double-float arithmetic (``jax.lax.associative_scan`` of
    ``_time.df_mul``): a plain float32 product of ``n`` factors rounds ``n - 1`` times
    whatever the order of the multiplications (a tree-shaped scan only shortens the
    chains), and the roundings of factors near 1 lean one way: 5e-4 off after 2**24 of the
    exact factors ``1 - k * 2**-24``. Where a double-float product leaves the float range
    (its error terms overflow or are lost below the smallest normal number), the plain
    float product is used for that entry."""
    f = factors.dtype
    zero = jnp.zeros_like(factors)

    def mul(a: tuple[Array, Array], b: tuple[Array, Array]) -> tuple[Array, Array]:
        p = _time.df_mul(_time.DF(*a), _time.DF(*b))
        fine = jnp.isfinite(p.hi) & jnp.isfinite(p.lo)
        plain = a[0] * b[0]
        return jnp.where(fine, p.hi, plain), jnp.where(fine, p.lo, 0.0)

    hi, lo = jax.lax.associative_scan(mul, (factors, zero))
    return jnp.concatenate([jnp.ones((1,), f), (hi + lo).astype(f)])


@register(_multiplicative_lr, name=_P + "MultiplicativeLR")
def MultiplicativeLR(base_lr: float, lr_lambda: Callable[[Array], Any], horizon: int) -> Schedule:
    """``torch.optim.lr_scheduler.MultiplicativeLR``: the rate times ``lr_lambda(epoch)``
    at each step.

    ``lr(t) = base_lr * prod_{i=1..min(t, horizon)} lr_lambda(i)`` (``base_lr`` at
    ``t = 0``), as PyTorch's ``lr *= lr_lambda(epoch)`` on each ``scheduler.step()``.

    ``lr_lambda`` is called once per evaluation with the float array
    ``[1.0, 2.0, ..., horizon]`` (whole numbers, exact in float32 up to 2**24) and must
    be elementwise and traceable by JAX (``jnp`` operations, no Python ``if`` on the
    epoch); it may return a scalar for a constant
    factor (``lambda e: 0.95``). Decisions and limits:

    * ``horizon`` (a concrete integer in ``[1, 2**24]``, static: it sets an array's
      length) bounds the product: **from step ``horizon`` on the rate holds its value at
      ``horizon``**. Set it to the number of training steps (or more).
    * Every evaluation builds the whole table of ``horizon`` factors and their running
      product (``jax.lax.associative_scan``): O(``horizon``) work per call, so keep it to
      the length of the run.
    * The factors are float32 (as ``lr_lambda`` returns them), so a factor that float32
      rounds, such as 0.95, drifts from PyTorch's float64 product by up to
      ``t * 6e-8`` relative after ``t`` steps (6e-5 after 1,000); the product itself runs
      in double-float arithmetic and adds at most about ``horizon * 2**-45`` relative
      (5e-7 at ``horizon = 2**24``) before its final float32 rounding, so factors that
      float32 holds exactly (``0.5``, ``1 - 2**-20``) give PyTorch's product to the
      contract at every step. A fractional step uses the product up to its floor.
    * Zero and negative factors are multiplied as they are (no logarithms).
    * Like ``LambdaLR`` the repr names the function, ``parse`` and ``to_dict`` cannot
      rebuild it, and pickling needs a module-level function; two schedules are equal when
      they wrap the same function object.

    Args:
        base_lr: the optimizer's initial learning rate.
        lr_lambda: the factor as a function of the epoch (the step, from 1).
        horizon: the last step whose factor enters the product.

    Example:
        >>> from jaxlrs.compat import torch as lrs
        >>> s = lrs.MultiplicativeLR(1.0, lambda e: 0.5, horizon=100)
        >>> s([0, 1, 3, 100, 200]).tolist()[:3]
        [1.0, 0.5, 0.125]
    """
    fn = "MultiplicativeLR"
    if not callable(lr_lambda) or isinstance(lr_lambda, Schedule):
        check._fail(fn, "lr_lambda", "a function of the epoch", lr_lambda, TypeError)
    allowed = f"a concrete integer in [1, {MAX_HORIZON}] (it sets the factor table's length)"
    if check.is_traced(horizon):
        check._fail(fn, "horizon", allowed, horizon, TypeError)
    horizon = check.integer(fn, "horizon", horizon)
    if horizon > MAX_HORIZON:
        check._fail(fn, "horizon", allowed, horizon)
    return Schedule(
        _P + fn,
        {
            "base_lr": check.real(fn, "base_lr", base_lr, low=0.0),
            "lr_lambda": lr_lambda,
            "horizon": int(horizon),
        },
        static=("lr_lambda", "horizon"),
    )
