"""Ramp curves: how a phase moves from one value to another.

Each curve is written so that both ends stay accurate in float32: the caller passes
``done`` and ``left = 1 - done``, each computed from exact integers, and every curve uses
whichever of the two keeps relative precision (``sin(pi/2 * left)**2`` rather than
``(1 + cos(pi * done)) / 2`` near the end of a cosine).
"""

from __future__ import annotations

import fractions
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _time
from ._time import value

Array = jax.Array

SHAPES = ("linear", "cosine", "sqrt", "1-sqrt", "exponential", "log", "constant")
"""Ramp shapes. Rising from ``a`` to ``b`` over progress ``p = t / W`` (``W`` steps), the
fraction of the way covered is: ``linear`` p; ``cosine`` (1 - cos(pi p)) / 2; ``sqrt``
sqrt(p) (fast start); ``1-sqrt`` 1 - sqrt(1 - p) (slow start, fast finish);
``exponential`` geometric, ``a * (b / a)**p`` (``a`` and ``b`` positive); ``log``
``log(1 + t) / log(1 + W)`` (DeepSpeed's ``WarmupLR`` default, whose
``log(t + 1) / log(W)`` reaches the target one step earlier: its ``warmup_num_steps=W``
is ``W - 1`` steps here); ``constant`` 0 until ``p = 1`` (MXNet's
``warmup_mode="constant"``: hold ``a`` for the whole ramp, then jump to ``b``). A decay
(``cooldown``, ``wsd``) runs the same curve backwards in time, so a ``1-sqrt`` decay keeps
the factor ``1 - sqrt(p)`` (Hägele et al. 2024), a ``cosine`` decay is
``(1 + cos(pi p)) / 2``, a ``log`` decay ``log(1 + W - t) / log(1 + W)``, and a
``constant`` decay leaves its start after one step."""


def half_cos(x: Array) -> Array:
    """``sin(pi x / 2)**2 = (1 - cos(pi x)) / 2``, accurate near 0."""
    x = jnp.asarray(x)
    half_pi = np.asarray(0.5 * np.pi, x.dtype)  # float32(pi / 2), as 0.5 * jnp.pi rounds
    return jax.lax.square(jax.lax.sin(jax.lax.mul(half_pi, x)))


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


def cos_blend(a: Any, b: Any, done: Array, left: Array) -> Array:
    """``a * half_cos(left) + b * half_cos(done)``: a cosine from ``a`` to ``b``.

    For Python numbers ``a`` and ``b`` of which the smaller is ``>= 0`` (a schedule
    compiled into a caller's program with its hyperparameters as constants) it is
    ``low + (high - low) * half_cos(x)``, with ``x`` the remaining fraction ``left`` of
    a fall or the fraction ``done`` of a rise, and ``high - low`` formed in float64 on
    the host: one ``sin`` and no select, each term non-negative, so the value keeps
    relative precision at both ends (the weight of ``high`` comes from ``sin`` of its own
    exact fraction, accurate near 0). Otherwise the pair of :func:`half_cos_pair`."""
    if _time.python_real(a) and _time.python_real(b) and min(a, b) >= 0:
        low, width = (b, a - b) if a >= b else (a, b - a)
        w = half_cos(left if a >= b else done)
        out = jax.lax.mul(w, np.asarray(float(width), w.dtype))  # lax: see _time.ramp
        return out if low == 0 else jax.lax.add(out, np.asarray(float(low), w.dtype))
    h_done, h_left = half_cos_pair(done, left)
    return jnp.asarray(a, done.dtype) * h_left + jnp.asarray(b, done.dtype) * h_done


def mix(a: Any, wa: Array, b: Any, wb: Array) -> Array:
    """``a * wa + b * wb`` for weights in ``[0, 1]``; a Python-number ``a`` or ``b`` of
    0 drops its term (XLA keeps ``0 * w``, which is NaN for an infinite ``w``; here ``w``
    is finite, so the term is exactly 0)."""
    terms = [_times(x, w) for x, w in ((a, wa), (b, wb)) if not (_time.python_real(x) and x == 0)]
    if not terms:
        return jnp.zeros_like(wa)
    if len(terms) == 1:
        return terms[0]
    same = terms[0].shape == terms[1].shape and terms[0].dtype == terms[1].dtype
    return jax.lax.add(*terms) if same else terms[0] + terms[1]


def _times(x: Any, w: Array) -> Array:
    """``value(x) * w``; for a Python number ``x`` one ``lax`` multiplication by a host
    constant (the same product; see ``_time.host_count``)."""
    w = jnp.asarray(w)
    if _time.python_real(x) and w.dtype == _time.float_dtype():
        return jax.lax.mul(np.asarray(x, w.dtype), w)
    return value(x) * w


def falling_power(a: Any, b: Any, left: Array, p: Any) -> Array | None:
    """``b + (a - b) * left**p`` for Python numbers ``a >= b >= 0`` and a Python integer
    power ``1 <= p <= 8`` (a decay compiled with constant hyperparameters): ``left**p``
    by at most three multiplications (within ``p`` ulp), each term non-negative, ``a - b``
    formed on the host. None otherwise: the caller takes its general pair of weights."""
    if not (_time.python_real(a) and _time.python_real(b) and a >= b >= 0):
        return None
    if not (_time.python_real(p) and float(p).is_integer() and 1 <= p <= 8):
        return None
    out = jax.lax.integer_pow(left, int(p)) * jnp.asarray(float(a - b), left.dtype)
    return out if b == 0 else out + jnp.asarray(float(b), left.dtype)


def safe_pow(x: Array, p: Array) -> Array:
    """``x**p`` for ``x >= 0`` whose gradient is finite at ``x = 0`` (``p > 0``)."""
    pos = x > 0
    return jnp.where(pos, jnp.where(pos, x, 1.0) ** p, 0.0)


def safe_sqrt(x: Array) -> Array:
    pos = x > 0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, x, 1.0)), 0.0)


def pow_pair(done: Array, left: Array, p: Array) -> tuple[Array, Array]:
    """``(left**p, 1 - left**p)`` for ``done + left = 1`` (both in ``[0, 1]``), each to
    float precision, for any ``p > 0``.

    Both come from one logarithm ``log(left)``, taken as ``log1p(-done)`` while ``left``
    is the larger of the two (where ``log(left)`` would lose ``done``: the k-decay of a
    10**8-step cosine at step 1 needs ``1e-8**0.1``, and ``1 - left**p`` there needs
    ``-expm1(p * log1p(-1e-8))``); then ``left**p = exp(p * lg)`` and its complement
    ``-expm1(p * lg)`` keep relative precision at both ends, so a curve written as
    ``a * left**p + b * (1 - left**p)`` never subtracts nearly equal numbers. ``left = 0``
    gives ``(0, 1)`` with finite gradients (double ``where``).
    """
    pos = left > 0
    safe_left = jnp.where(pos, left, 1.0)
    lg = jnp.where(done <= left, jnp.log1p(-jnp.where(done <= left, done, 0.0)), jnp.log(safe_left))
    x = p * lg
    return jnp.where(pos, jnp.exp(x), 0.0), jnp.where(pos, -jnp.expm1(x), 1.0)


def k_decay_pair(done: Array, left: Array, k: Any) -> tuple[Array, Array]:
    """k-decay progress: ``(done**k, 1 - done**k)`` for ``done + left = 1``, both from one
    accurate logarithm of ``done`` (``log1p(-left)`` near the end; ``log(done)`` near the
    start, where ``1 - left`` would have lost a tiny ``done``: at step 1 of 10**8,
    ``1e-8**0.1 = 0.158``). A concrete ``k`` of 1 returns the pair unchanged."""
    if isinstance(k, (int, float)) and k == 1:
        return done, left
    return pow_pair(left, done, value(k))


def half_cos_pow_pair(done: Array, left: Array, p: Array) -> tuple[Array, Array]:
    """``(h**p, 1 - h**p)`` for ``h = half_cos(left)`` (``done + left = 1``), from the
    logarithm of ``h`` itself: ``2 log(sin(pi left / 2))`` while ``left`` is the smaller,
    else ``log1p(-half_cos(done))``. ``pow_pair(half_cos_pair(...))`` would first square
    the sine, and ``h`` below float32's smallest normal flushes to 0 although ``h**p`` is
    representable (a k-decay with ``k = 1e-27`` has ``h = 1.2e-54`` one step before its end,
    and ``h**0.1 = 4e-6``). ``h = 0`` gives ``(0, 1)`` with finite gradients."""
    first = left <= done
    s = jnp.sin(0.5 * jnp.pi * jnp.where(first, left, done))
    pos = s > 0
    lg_small = 2 * jnp.log(jnp.where(pos, s, 1.0))
    lg = jnp.where(first, lg_small, jnp.log1p(-jnp.square(s)))
    x = p * lg
    zero = first & ~pos  # left = 0: h = 0
    return jnp.where(zero, 0.0, jnp.exp(x)), jnp.where(zero, 1.0, -jnp.expm1(x))


def geometric(a: Array, b: Array, done: Array, left: Array) -> Array:
    """``a * (b / a)**done`` for positive ``a`` and ``b`` (NaN otherwise), written from the
    nearer end: ``a * exp(done * L)`` while ``done <= left``, else ``b * exp(-left * L)``
    with ``L = log(b / a)``. The exponent is then at most ``|L| / 2`` and vanishes at both
    ends, so each end is exact (``a * exp(1.0 * L)`` would carry the rounding of ``L``,
    up to 2e-6 relative for a ramp over 12 decades, into the final value)."""
    ok = (a > 0) & (b > 0)
    sa = jnp.where(ok, a, 1.0)
    sb = jnp.where(ok, b, 1.0)
    ratio = sb / sa
    # log(b / a) rounds once; log(b) - log(a) only where the ratio leaves the normal range.
    normal = (ratio > jnp.finfo(ratio.dtype).tiny) & (ratio < jnp.finfo(ratio.dtype).max)
    # The gradient always from log(b) - log(a): the quotient's (-b / a**2) overflows for a
    # tiny a (a**2 flushes to 0), and 0 * inf is NaN even where its cotangent is 0.
    diff = jnp.log(sb) - jnp.log(sa)
    once = jnp.log(jnp.where(normal, jax.lax.stop_gradient(ratio), 1.0))
    lr = diff + jax.lax.stop_gradient(jnp.where(normal, once - diff, 0.0))
    first = done <= left
    base = jnp.where(first, sa, sb)
    x = jnp.where(first, done, -left) * lr
    return jnp.where(ok, base * jnp.exp(x), jnp.nan)


def log_pair(done: Array, left: Array, length: Any) -> tuple[Array, Array]:
    """``(w, 1 - w)`` for ``w = log(1 + t) / log(1 + W)``, ``t = done * W``, each from its
    own logarithm: ``1 - w = log1p(left * W / (1 + t)) / log(1 + W)`` (the quotient
    ``(1 + W) / (1 + t)`` written from the exact remainder ``left``), so the weight of
    the start keeps relative precision up to the last step. A length below 1 (only when
    traced; the ramp is then finished) counts as 1."""
    w = jnp.maximum(jnp.asarray(length, done.dtype), 1.0)
    t = done * w
    scale = jnp.log1p(w)
    return jnp.log1p(t) / scale, jnp.log1p(left * w / (1 + t)) / scale


def blend(shape: str, a: Array, b: Array, done: Array, left: Array, length: Any = None) -> Array:
    """The value a fraction ``done`` of the way from ``a`` to ``b`` along ``shape``.

    Always ``a * wa + b * wb`` with two non-negative weights computed separately (never
    ``a + (b - a) * w``, which loses a small ``b`` to cancellation when ``w`` is close to
    1), so for ``a, b >= 0`` the result keeps relative precision at both ends, rising or
    falling. ``length`` (the ramp's number of steps) is needed by ``log`` only. ``a`` and
    ``b`` may be Python numbers (see :func:`cos_blend`)."""
    if shape == "cosine":
        return cos_blend(a, b, done, left)
    if shape == "linear":
        return mix(a, left, b, done)
    a, b = value(a), value(b)
    if shape == "sqrt":
        root = safe_sqrt(done)
        return a * (left / (1 + root)) + b * root
    if shape == "1-sqrt":
        root = safe_sqrt(left)
        return a * root + b * (done / (1 + root))
    if shape == "exponential":
        return geometric(a, b, done, left)
    if shape == "log":
        if length is None:
            raise ValueError("blend(): the log shape needs the ramp's length")
        w_done, w_left = log_pair(done, left, length)
        return a * w_left + b * w_done
    if shape == "constant":
        end = left <= 0
        return jnp.where(end, b, a)
    raise ValueError(f"unknown shape {shape!r}; allowed: {', '.join(SHAPES)}")


def _two_sum(terms: list[Array]) -> tuple[Array, Array]:
    """The sum of a few floats as ``total + err``, the rounding of each addition carried
    along (Knuth's two-sum)."""
    total, err = terms[0], jnp.zeros_like(terms[0])
    for x in terms[1:]:
        s = _time._rounded(total + x)  # (see _time._two_sum)
        bp = s - total
        err = err + ((total - (s - bp)) + (x - bp))
        total = s
    return total, err


def times_count(x: Any, n: Array) -> tuple[Array, Array]:
    """``(floor(x * n), x * n - floor(x * n))``: :func:`times_count_df` with its fraction
    as one float."""
    k, hi, lo = times_count_df(x, n)
    return k, hi + lo


def _host_times_count(x: float, n: int, idx: Any, f: Any) -> tuple[Array, Array, Array]:
    """:func:`times_count_df` for a Python ``x`` and a known count ``n``: the product in
    exact rationals, its fraction split into the largest float ``hi`` not above it and
    the rest ``lo``."""
    prod = fractions.Fraction(x) * max(n, 0)
    k = math.floor(prod)
    frac = prod - k
    hi = np.asarray(float(frac), f)
    if fractions.Fraction(float(hi)) > frac:  # rounded up (to 1, say): one float lower
        hi = np.nextafter(hi, np.asarray(0, f))
    lo = np.asarray(float(frac - fractions.Fraction(float(hi))), f)
    return jnp.asarray(k, idx), jnp.asarray(hi), jnp.asarray(lo)


def times_count_df(x: Any, n: Array) -> tuple[Array, Array, Array]:
    """``x * n`` for a float hyperparameter ``x`` in ``[0, 1]`` and a step count ``n``, as
    an integer part and a fraction ``hi + lo`` in ``[0, 1)``, the fraction as two floats:
    ``(floor(x * n), hi, lo)``. ``lo`` keeps what one float drops, so that ``1 - frac``
    stays accurate near 1 (``c - k - frac`` next to a triangle's apex at ``0.999``).

    Phase boundaries at a fraction of a length (PyTorch's ``pct_start * total_steps``,
    the apex ``inc_fraction * steps`` of a triangle) need the product to the last step
    and beyond: in float32 the product of two 24-bit numbers rounds (``0.3 * 5000`` is
    1500.00006 for float32's 0.3, and ``0.3 * 10**8`` loses whole steps). Here ``x`` is
    split into two 12-bit halves and ``n`` into 12-bit chunks, so that every partial
    product is exact; their integer parts add in integers, their fractions with a
    two-sum; the bits float32 dropped from ``x`` (its host
    correction) add ``x * n * correction``. Exact integer parts, fractions to float
    precision.
    """
    f = _time.float_dtype()
    if _time.python_real(x) and not isinstance(n, jax.core.Tracer) and jnp.ndim(n) == 0:
        if _time.is_int(n):  # both known (a constant form): exact on the host
            return _host_times_count(float(x), int(n), n.dtype, f)
    xv = value(x)
    c = _time._correction(x)
    fix = None if c is None else xv * jnp.asarray(c, f) * n.astype(f)
    if f == np.float64 or not _time.is_int(n):
        prod = xv * n.astype(f) if fix is None else xv * n.astype(f) + fix
        k = jnp.floor(prod)
        kk = k.astype(n.dtype) if _time.is_int(n) else k
        return kk, prod - k, jnp.zeros_like(prod)
    bits = jax.lax.bitcast_convert_type(xv, np.int32)
    x_hi = jax.lax.bitcast_convert_type(jnp.bitwise_and(bits, np.int32(~0xFFF)), f)
    x_lo = xv - x_hi  # exact: the low 12 bits of the mantissa
    n = jnp.maximum(n, 0)
    chunks = [
        (jnp.bitwise_and(n, 0xFFF), 1.0),
        (jnp.bitwise_and(jnp.right_shift(n, 12), 0xFFF), 4096.0),
        (jnp.right_shift(n, 24), 16777216.0),
    ]
    ints, fracs = [], []
    for part in (x_hi, x_lo):
        for chunk, scale in chunks:
            term = part * chunk.astype(f) * scale  # exact: at most 24 significant bits
            whole = jnp.floor(term)
            ints.append(whole.astype(n.dtype))
            fracs.append(term - whole)
    if fix is not None:
        # Rounded toward zero: a small negative correction stays a small negative term
        # (floor would make it 1 - |fix|, which keeps only float32's absolute precision
        # near 1 and loses a small product: 0.001 * 1 came out 4.7e-5 off).
        whole = jnp.trunc(fix)
        ints.append(whole.astype(n.dtype))
        fracs.append(fix - whole)
    total, err = _two_sum(fracs)
    carry = jnp.floor(total + err)
    k = sum(ints[1:], ints[0]) + carry.astype(n.dtype)
    return k, total - carry, err  # total - carry is exact (carry is total's whole part)
