"""Ramp curves: how a phase moves from one value to another.

Each curve is written so that both ends stay accurate in float32: the caller passes
``done`` and ``left = 1 - done``, each computed from exact integers, and every curve uses
whichever of the two keeps relative precision (``sin(pi/2 * left)**2`` rather than
``(1 + cos(pi * done)) / 2`` near the end of a cosine).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

Array = jax.Array

SHAPES = ("linear", "cosine", "sqrt", "1-sqrt", "exponential")
"""Ramp shapes. Rising from ``a`` to ``b`` over progress ``p``, the fraction of the way
covered is: ``linear`` p; ``cosine`` (1 - cos(pi p)) / 2; ``sqrt`` sqrt(p) (fast start);
``1-sqrt`` 1 - sqrt(1 - p) (slow start, fast finish); ``exponential`` geometric,
``a * (b / a)**p`` (``a`` and ``b`` positive). A decay (``cooldown``, ``wsd``) runs the same
curve backwards in time, so a ``1-sqrt`` decay keeps the factor ``1 - sqrt(p)`` (Hägele et
al. 2024) and a ``cosine`` decay is ``(1 + cos(pi p)) / 2``."""


def half_cos(x: Array) -> Array:
    """``sin(pi x / 2)**2 = (1 - cos(pi x)) / 2``, accurate near 0."""
    return jnp.square(jnp.sin(0.5 * jnp.pi * x))


def half_cos_pair(done: Array, left: Array) -> tuple[Array, Array]:
    """``(half_cos(done), half_cos(left))`` for ``done + left = 1``, with one ``sin``.

    The smaller of the two comes from ``sin`` of the smaller argument (accurate near 0);
    the larger is its complement, at least 1/2, so the subtraction loses nothing: the same
    accuracy as two ``half_cos`` calls at half the cost (a ``sin`` is most of the work of a
    cosine schedule). ``where``, not ``minimum``, picks the argument, so that the gradient
    is right at ``done == left`` too.
    """
    first = done <= left
    small = jnp.square(jnp.sin(0.5 * jnp.pi * jnp.where(first, done, left)))
    large = 1 - small
    return jnp.where(first, small, large), jnp.where(first, large, small)


def safe_pow(x: Array, p: Array) -> Array:
    """``x**p`` for ``x >= 0`` whose gradient is finite at ``x = 0`` (``p > 0``)."""
    pos = x > 0
    return jnp.where(pos, jnp.where(pos, x, 1.0) ** p, 0.0)


def safe_sqrt(x: Array) -> Array:
    pos = x > 0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, x, 1.0)), 0.0)


def blend(shape: str, a: Array, b: Array, done: Array, left: Array) -> Array:
    """The value a fraction ``done`` of the way from ``a`` to ``b`` along ``shape``."""
    if shape == "linear":
        return a * left + b * done
    if shape == "cosine":
        h_done, h_left = half_cos_pair(done, left)
        return a * h_left + b * h_done
    if shape == "sqrt":
        root = safe_sqrt(done)
        return a * (left / (1 + root)) + b * root
    if shape == "1-sqrt":
        root = safe_sqrt(left)
        return a * root + b * (done / (1 + root))
    if shape == "exponential":
        ok = (a > 0) & (b > 0)
        sa = jnp.where(ok, a, 1.0)
        sb = jnp.where(ok, b, 1.0)
        return jnp.where(ok, sa * jnp.exp(done * (jnp.log(sb) - jnp.log(sa))), jnp.nan)
    raise ValueError(f"unknown shape {shape!r}; allowed: {', '.join(SHAPES)}")
