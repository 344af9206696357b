"""Double-float ``expm1``, for the cycle starts of a float multiplier.

Cycle ``i`` of lengths ``p * m**i`` starts at ``p * G(i)``, ``G(i) = (m**i - 1) / (m - 1)``.
Binary powering from a double-float ``m`` doubles its relative error with each squaring
(``2**-36`` of ``m**4096``), and a 48-bit ``m`` is itself ``i * 2**-48`` off in ``m**i``.
Here ``m**i - 1 = expm1(i L)`` with ``L = log(m)`` to 53 bits from the host
(``_time.log_words``) and ``m - 1`` exact (``_time.exact_df``): the error is then
about ``2**-46`` relative, whatever ``i``, and ``G(i) = expm1(i L) / (m - 1)`` has no
cancellation for ``m`` next to 1.

``expm1`` reduces ``x = k log 2 + r`` (``|r| <= log(2) / 2``), evaluates ``expm1(r / 32)`` by
a Taylor series, and squares back five times (``e -> 2 e + e**2``, which keeps the
relative precision of ``e``): about forty double-float operations per element.
"""

from __future__ import annotations

import math
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np

from . import _time
from ._time import DF

_SQUARINGS = 5


def _const(x: Fraction | float, f: np.dtype) -> DF:
    """A host constant as a double-float of dtype ``f`` (hi, then the rest)."""
    x = Fraction(x)
    hi = np.asarray(float(x), f)
    lo = np.asarray(float(x - Fraction(float(hi))), f)
    return DF(jnp.asarray(hi), jnp.asarray(lo))


_LN2 = Fraction("0.6931471805599453094172321214581765680755")  # (40 digits)


def _ln2_parts(f: np.dtype) -> tuple[float, float, float]:
    """``log(2) = c1 + c2 + c3`` (Cody and Waite): ``c1`` with few enough bits that
    ``k * c1`` is exact for ``k < 128``, ``c2`` and ``c3`` each rounded to ``f``."""
    bits = 16 if f.itemsize == 4 else 45
    c1 = Fraction(round(_LN2 * 2**bits), 2**bits)
    c2 = Fraction(float(np.asarray(float(_LN2 - c1), f)))
    c3 = float(np.asarray(float(_LN2 - c1 - c2), f))
    return float(c1), float(c2), c3


def _expm1_reduced(k: jax.Array, r: DF) -> DF:
    """``exp(k log 2 + r) - 1`` for an integer-valued ``k >= 0`` and ``|r| <= log(2) / 2``."""
    f = _time.float_dtype()
    terms = 6 if f.itemsize == 4 else 12
    scale = 2.0**-_SQUARINGS
    r = DF(r.hi * scale, r.lo * scale)
    e = _time.df_mul(r, _taylor(r, terms))
    for _ in range(_SQUARINGS):
        e = _time.df_add(DF(2 * e.hi, 2 * e.lo), _time.df_mul(e, e))
    # exp(x) - 1 = 2**k (1 + e) - 1 = 2**k e + (2**k - 1)
    p2 = _time._pow2(k.astype(_time.index_dtype()))
    top = _time.df_add(DF(p2, jnp.zeros_like(p2)), DF(-jnp.ones_like(p2), jnp.zeros_like(p2)))
    return _time.df_add(DF(e.hi * p2, e.lo * p2), top)


def _taylor(r: DF, terms: int) -> DF:
    """``sum_{n <= terms} r**n / (n + 1)!`` by Horner's rule (constants second), so that
    ``r * _taylor(r, terms)`` is ``expm1(r)`` to the series' order."""
    f = _time.float_dtype()
    q = _const(Fraction(1, math.factorial(terms + 1)), f)
    for n in range(terms - 1, -1, -1):
        q = _time.df_add(_time.df_mul(r, q), _const(Fraction(1, math.factorial(n + 1)), f))
    return q


def _reduce(terms: list[DF], k: jax.Array) -> DF:
    """``sum(terms) - k log 2``, the large parts cancelled first (Cody and Waite)."""
    f = _time.float_dtype()
    c1, c2, c3 = _ln2_parts(f)
    z = jnp.zeros_like(k)
    r = _time.df_add(terms[0], DF(-k * c1, z))  # (k * c1 exact)
    r = _time.df_add(r, _time.df_neg(_time._two_prod(k, jnp.asarray(c2, f))))
    for t in terms[1:]:
        r = _time.df_add(r, t)
    return _time.df_add(r, DF(-k * c3, z))


def expm1_times(i: jax.Array, log_m: list[jax.Array]) -> DF:
    """``exp(i * L) - 1`` for an integer ``i >= 0`` and ``L = sum(log_m) >= 0`` (a few
    floats, largest first) with ``i * L`` at most 88 (else taken as 88): ``i * L`` is never
    rounded as a whole (its rounding, ``i * L * 2**-48``, would be ``2**-44`` of ``m**i``
    at ``m**i = 10**7``); the exact products ``i * log_m[0]`` and the others enter the
    reduction by ``k log 2`` apart."""
    f = _time.float_dtype()
    fi = _time.df(i)
    lead = log_m[0]
    top = fi.hi * lead
    big = top > 88.0
    k = jnp.round(jnp.minimum(top, 88.0) / float(np.log(2)))
    parts = [_time._two_prod(fi.hi, lead), _time._two_prod(fi.lo, lead)]
    parts += [_time.df_mul(fi, DF(c, jnp.zeros_like(c))) for c in log_m[1:]]
    capped = DF(jnp.full_like(k, 88.0, dtype=f), jnp.zeros_like(k))
    r = _time.df_where(big, _reduce([capped], k), _reduce(parts, k))
    return _expm1_reduced(k, r)


def expm1_small(y: DF) -> DF:
    """``exp(y) - 1`` for ``|y| < 2**-12``, by its series (to double-float precision)."""
    f = _time.float_dtype()
    terms = 4 if f.itemsize == 4 else 8
    return _time.df_mul(y, _taylor(y, terms))
