"""Where a step falls among cycles of growing length: the cycle index, the step inside
the cycle and the cycle's length, for ``cycle`` and ``sgdr`` (lengths ``period *
period_mult**i``). Integer multipliers are located in exact integers; a float multiplier
locates its cycle with double-float arithmetic (``_time``'s DF), corrected by one step
either way."""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _time
from ._time import Time, count, float_dtype, index_dtype, value

Array = jax.Array


def _unsigned() -> np.dtype:
    return np.dtype(jax.dtypes.canonicalize_dtype(np.uint64))


def _geometric(m: Array, i: Array, bits: int) -> tuple[Array, Array]:
    """``(m**i, 1 + m + ... + m**(i-1))`` in unsigned integers, saturating at the type's
    maximum, by binary powering over the ``bits`` bits of ``i`` (a fixed, small graph)."""
    u = _unsigned()
    top = jnp.asarray(np.iinfo(u).max, u)
    m = m.astype(u)
    i = i.astype(u)

    def mul(a: Array, b: Array) -> Array:
        return jnp.where(a > top // jnp.maximum(b, 1), top, a * b)

    def add(a: Array, b: Array) -> Array:
        return jnp.where(a > top - b, top, a + b)

    power = jnp.ones_like(i)
    total = jnp.zeros_like(i)
    base, base_sum = m, jnp.ones((), u)  # m**(2**j) and its geometric sum
    for j in range(bits):
        bit = ((i >> j) & 1).astype(bool)
        power, total = (
            jnp.where(bit, mul(power, base), power),
            jnp.where(bit, add(mul(total, base), base_sum), total),
        )
        base, base_sum = mul(base, base), add(mul(base_sum, base), base_sum)
    return power, total


def _cycle_int(time: Time, period: Array, mult: Any) -> tuple[Array, Array, Array | None]:
    """Cycle index ``i``, position ``u`` inside it, and the integer stretch ``m**i``."""
    n = time.n
    if isinstance(mult, int) and mult == 1:
        i = _time.div(n, period)
        return i, n - i * period, None
    f = float_dtype()
    m = count(mult)
    nf, pf, mf = n.astype(f), period.astype(f), m.astype(f)
    one = m == 1
    safe_m = jnp.where(one, 2.0, mf)
    est = jnp.log1p(nf * (safe_m - 1) / pf) / jnp.log(safe_m)
    bits = 7 if index_dtype().itemsize == 8 else 6
    i = jnp.clip(jnp.floor(est - 1e-3), 0, 2**bits - 2).astype(index_dtype())
    i = jnp.where(one, 0, i)
    u = _unsigned()
    un, up = n.astype(u), period.astype(u)
    top = jnp.asarray(np.iinfo(u).max, u)

    power, total = _geometric(m, i, bits)
    s = jnp.where(total > top // up, top, total * up)
    length = jnp.where(power > top // up, top, power * up)
    nxt = jnp.where(s > top - length, top, s + length)
    bump = un >= nxt
    i = jnp.where(bump, i + 1, i)
    s = jnp.where(bump, nxt, s)
    um = m.astype(u)
    power = jnp.where(bump, jnp.where(power > top // um, top, power * um), power)
    # m == 1 at run time (a traced period_mult): plain division.
    q = _time.div(n, period)
    i = jnp.where(one, q, i)
    s = jnp.where(one, (q * period).astype(u), s)
    power = jnp.where(one, jnp.ones((), u), power)
    return i, (un - s).astype(index_dtype()), power


# -- double-float exp and log for the cycle starts of a float period_mult ------------------
#
# Cycle ``i`` starts at ``S_i = period * (m**i - 1) / (m - 1) = period * expm1(i L) / d``
# with ``d = m - 1`` and ``L = log1p(d)``. Formed from ``d`` and ``L`` (each to about 48
# bits), ``S_i`` is accurate to about ``i L * 2**-46`` relative, whatever ``m``: about
# 1e-4 of a step at 2**31. (Powering ``m`` itself, ``m**i`` loses ``i`` times the
# relative error of ``m``: a step at 2**31 for ``m = 1.0001``.)


def _host_df(x: Fraction) -> tuple[float, float]:
    """An exact rational as ``hi + lo`` in the float dtype (host arithmetic)."""
    f = float_dtype()
    hi = float(np.asarray(float(x), f))
    return hi, float(np.asarray(float(x - Fraction(hi)), f))


# log(2) to 40 digits, in three parts: the first two with 16 significant bits each, so that
# their products with a reduction count k (|k| < 2**8) are exact.
_LN2 = Fraction(Decimal("0.6931471805599453094172321214581765680755"))
_LN2_A = Fraction(round(_LN2 * 2**16), 2**16)
_LN2_B = Fraction(round((_LN2 - _LN2_A) * 2**32), 2**32)
_LN2_C = float(_LN2 - _LN2_A - _LN2_B)


@functools.cache
def _taylor(dtype: np.dtype) -> tuple[tuple[float, float], ...]:
    """``1/j!`` for ``j = n .. 1`` as double-floats: enough terms for ``exp(r) - 1`` on
    ``|r| <= log(2) / 2`` to the double-float's precision (2**-52, or 2**-110 in x64)."""
    n = 13 if dtype.itemsize == 4 else 23
    return tuple(_host_df(Fraction(1, math.factorial(j))) for j in range(n, 0, -1))


def _df_scalar(x: float, like: Array) -> _time.DF:
    z = jnp.zeros_like(like)
    return _time.DF(z + x, z)


def _expm1_df(x: _time.DF) -> _time.DF:
    """``exp(x) - 1`` for a double-float ``0 <= x <= 88`` (relative precision about 2**-46
    in float32): ``x = k log 2 + r``, ``exp(r) - 1`` from its Taylor series in Horner's
    form, then ``2**k (exp(r) - 1) + (2**k - 1)`` (no cancellation for k >= 1)."""
    k = jnp.round(x.hi / float(_LN2))
    r = _time.df_add(x, _time.DF(-k * float(_LN2_A), jnp.zeros_like(k)))
    r = _time.df_add(r, _time.DF(-k * float(_LN2_B), jnp.zeros_like(k)))
    r = _time.df_add(r, _time.df(-k * _LN2_C))
    coef = _taylor(float_dtype())
    acc = _df_scalar(coef[0][0], x.hi)
    for hi, lo in coef[1:]:
        acc = _time.df_add(_time.df_mul(acc, r), _time.DF(acc.hi * 0 + hi, acc.lo * 0 + lo))
    e = _time.df_mul(acc, r)
    scale = jnp.ldexp(jnp.ones_like(k), k.astype(np.int32))  # exact (exp2 is not)
    return _time.df_add(_time.DF(e.hi * scale, e.lo * scale), _time._two_sum(scale, -1.0 + 0 * k))


def _log1p_df(d: _time.DF) -> _time.DF:
    """``log(1 + d)`` for a double-float ``d > 0``: two Newton steps on ``exp(y) = 1 + d``
    from the float ``log1p``."""
    y = _time.df(jnp.log1p(d.hi))
    for _ in range(2):
        e = _expm1_df(y)
        num = _time.df_add(d, _time.df_neg(e))
        den = _time.df_add(e, _df_scalar(1.0, e.hi))
        y = _time.df_add(y, _time.df_div(num, den))
    return y


def _excess(period_mult: Any) -> _time.DF:
    """``m - 1`` for a float ``period_mult`` ``m``, with the bits storing it dropped (its
    host correction ``c``, as ``hi + lo``): ``m = m32 exp(c)``, so ``m - 1 = (m32 - 1) +
    m32 (c + c**2 / 2)`` (``|c| < 2**-24``: the next term is below 2**-74)."""
    hi = value(period_mult)
    d = _time._two_sum(hi, -jnp.ones_like(hi))
    pair = _time.correction_pair(period_mult)
    if pair is None:
        return d
    c = _time.df_add(_time.DF(*pair), _time.DF(0.5 * pair[0] * pair[0], jnp.zeros_like(hi)))
    return _time.df_add(d, _time.df_mul(_time.DF(hi, jnp.zeros_like(hi)), c))


_FEW_BITS = 6


def _powers(i: Array, m: _time.DF, top: float) -> tuple[_time.DF, _time.DF]:
    """``(1 + m + ... + m**(i-1), m**i)`` for ``0 <= i < 2**_FEW_BITS``, by binary powering
    in double-floats, capped at ``top``: exact where ``m`` has few bits (1.5: a cycle
    start that is a whole step is found exactly, where ``expm1`` would round it), and
    within ``i * 2**-47`` relative otherwise."""
    z = jnp.zeros(jnp.shape(i), m.hi.dtype)
    acc_g, acc_p = _time.DF(z, z), _time.DF(z + 1, z)
    tab_g, tab_p = _time.DF(z + 1, z), _time.DF(m.hi + z, m.lo + z)  # G(2**j), m**(2**j)
    for j in range(_FEW_BITS):
        on = ((i >> j) & 1).astype(bool)
        acc_g = _time.df_where(
            on, _time.df_min(_time.df_add(acc_g, _time.df_mul(acc_p, tab_g)), top), acc_g
        )
        acc_p = _time.df_where(on, _time.df_min(_time.df_mul(acc_p, tab_p), top), acc_p)
        tab_g = _time.df_min(_time.df_add(tab_g, _time.df_mul(tab_g, tab_p)), top)
        tab_p = _time.df_min(_time.df_mul(tab_p, tab_p), top)
    return acc_g, acc_p


def _cycle_float(time: Time, period: Array, period_mult: Any) -> tuple[Array, Time]:
    i, local, _ = _cycle_float_rest(time, period, period_mult)
    return i, local


def _cycle_float_rest(time: Time, period: Array, period_mult: Any) -> tuple[Array, Time, Array]:
    """Cycle index and local time for a float ``period_mult`` (or period, or step).

    Cycle ``i`` starts at ``S_i = period * expm1(i L) / d`` (``d = m - 1``, ``L =
    log1p(d)``, both double-floats from the full-precision ``period_mult``). A float32
    logarithm estimates ``i``; the start of that cycle in double-float arithmetic refines
    the estimate (the cycles between it and the step, from the same formula), and
    comparing the step with the starts of the refined cycle and of the next one corrects
    it by one either way. The position ``t - S_i`` is then accurate to about 1e-4 of a
    step at any step (a float32 formula is thousands of steps off near 2**31). Gradients
    flow through the plain float formula (same value, finite for every input).

    Also returns the rest of the cycle ``period - local`` (on the same scale), formed
    from the double-float length and position: near the cycle's end a float32 ``local``
    has lost the remainder (one step before the end of a cycle of ``1.0001`` steps,
    ``period - local`` is 1e-4 with 6e-8 of absolute error)."""
    f = float_dtype()
    sg = jax.lax.stop_gradient
    bits = 31 if index_dtype().itemsize == 4 else 63
    # the largest i L used: a start at most 2**64 (2**128 in x64) periods, finite in floats
    top = 2.0**64 if f.itemsize == 4 else 2.0**128

    t = _time.to_float(time)
    p = period.astype(f)
    m = value(period_mult)
    # -- the exact path (no gradient) --
    if time.exact:
        t_df = _time.df(sg(time.n))
        if time.d is not None:
            t_df = _time.df_div(t_df, _time.df(sg(time.d)))
    else:
        t_df = _time.df(sg(t))
    p_df = _time.df(sg(period))
    delta = _time.DF(*map(sg, _excess(period_mult)))
    one = delta.hi <= 0
    unit = _df_scalar(1.0, delta.hi)
    d_safe = _time.df_where(one, unit, delta)
    log_m = _log1p_df(d_safe)
    m_df = _time.df_add(d_safe, unit)
    cap = jnp.log1p(top * d_safe.hi)

    def cycle_at(i: Array) -> tuple[_time.DF, _time.DF]:
        """(start of cycle i, m**i): by powering below cycle 64, else from expm1(i L)."""
        x = _time.df_mul(_time.df(i), log_m)
        e = _expm1_df(_time.df_min(x, cap))
        g = _time.df_where(one, _time.df(i), _time.df_div(e, d_safe))
        pw = _time.df_where(one, unit, _time.df_add(e, unit))
        few = (i < 2**_FEW_BITS) & ~one  # (m = 1: d_safe stands in as 1, m_df as 2)
        g_few, pw_few = _powers(jnp.where(few, i, 0), m_df, top)
        g, pw = _time.df_where(few, g_few, g), _time.df_where(few, pw_few, pw)
        return _time.df_mul(p_df, g), pw

    def clip(x: Array) -> Array:
        return jnp.clip(x, 0, 2.0**bits - 2).astype(index_dtype())

    est = jnp.where(one, sg(t) / sg(p), jnp.log1p(sg(t) * d_safe.hi / sg(p)) / jnp.log1p(d_safe.hi))
    i0 = clip(jnp.floor(est))
    # The cycles from i0 to the step: log1p((t - S_i0) d / (period m**i0)) / L.
    start, power = cycle_at(i0)
    r_df = _time.df_add(t_df, _time.df_neg(start))
    r = r_df.hi + r_df.lo
    ahead = jnp.maximum(r * d_safe.hi / (sg(p) * power.hi), -0.999999)
    k = jnp.where(one, r / sg(p), jnp.log1p(ahead) / log_m.hi)
    # in integers: i0 can pass 2**24, where float32 rounds it
    i0 = i0 + jnp.clip(jnp.floor(k), -(2.0**bits) + 2, 2.0**bits - 2).astype(i0.dtype)
    i0 = jnp.clip(i0, 0, 2**bits - 2)
    start, power = cycle_at(i0)
    length = _time.df_mul(p_df, power)
    nxt = _time.df_add(start, length)
    prev = _time.df_add(start, _time.df_neg(_time.df_div(length, m_df)))
    up = _time.df_ge(t_df, nxt)
    down = (i0 > 0) & ~_time.df_ge(t_df, start)
    i = i0 + up.astype(i0.dtype) - down.astype(i0.dtype)
    start = _time.df_where(up, nxt, _time.df_where(down, prev, start))
    stretch = _time.df_where(
        up, _time.df_mul(power, m_df), _time.df_where(down, _time.df_div(power, m_df), power)
    )
    u = _time.df_add(t_df, _time.df_neg(start))
    exact = jnp.clip((u.hi + u.lo) / stretch.hi, 0, sg(p))
    rem = _time.df_add(_time.df_mul(p_df, stretch), _time.df_neg(u))
    exact_rest = jnp.clip((rem.hi + rem.lo) / stretch.hi, 0, sg(p))
    # -- the differentiable float formula at the same i (finite for every input) --
    # (linear where the float m is 1: a period_mult within 2**-24 of 1, or 1 itself)
    fi = sg(i).astype(f)
    flat = one | (m <= 1)
    safe_m = jnp.where(flat, 2.0, m)
    safe_i = jnp.where(flat, 0.0, fi)
    scale = safe_m**safe_i
    geo = (scale - 1) / (safe_m - 1)
    approx = jnp.where(flat, t - fi * p, (t - p * geo) / scale)
    local = jnp.clip(approx + sg(exact - approx), 0, p)
    rest = jnp.clip((p - approx) + sg(exact_rest - (p - approx)), 0, p)
    return i, Time(local), rest


def locate_rest(
    time: Time, period: Array, period_mult: Any
) -> tuple[Array, Time, Array | None, Time | None, Array | None]:
    """:func:`locate` and, where the local time is a float one located from a float
    ``period_mult``, the rest of the cycle ``period - local`` to float precision (for a
    curve whose value near the cycle's end depends on the remainder, ``left**power`` with
    ``power < 1``); None where ``local`` is exact (then ``ramp`` forms both)."""
    f = float_dtype()
    if not (
        time.exact
        and _time.is_int(period)
        and (isinstance(period_mult, int) or _time.is_int(period_mult))
    ):
        i, local, rest = _cycle_float_rest(time, period, period_mult)
        return i, local, None, None, rest.astype(f)
    return (*locate(time, period, period_mult), None)


def locate(
    time: Time, period: Array, period_mult: Any
) -> tuple[Array, Time, Array | None, Time | None]:
    """``(i, local, ok, rough)``: the cycle index and the local time in ``[0, period]``;
    where ``ok`` (when not None) is False, use the float local time ``rough`` instead."""
    f = float_dtype()
    if not (
        time.exact
        and _time.is_int(period)
        and (isinstance(period_mult, int) or _time.is_int(period_mult))
    ):
        i, local = _cycle_float(time, period, period_mult)
        return i, local, None, None
    outer = time.d
    whole = _time.whole(time)
    i, pos, d = _cycle_int(Time(whole), period, period_mult)
    local = Time(pos, d)
    ok = None  # where the exact local time's denominator holds (else: a float time)
    if d is not None:
        ok = d < jnp.asarray(_time.index_max(), d.dtype) * 2  # m**i did not saturate
    if outer is not None:
        # A cycle inside a stretched schedule: the fraction of a step rides along.
        frac = time.n.astype(_unsigned()) - whole.astype(_unsigned()) * outer
        if d is None:
            scale = outer
        else:
            scale, fits = _time.product(d, outer)
            ok = fits if ok is None else ok & fits
        local = Time((pos.astype(_unsigned()) * outer + frac).astype(index_dtype()), scale)
    if ok is None:
        return i, local, None, None
    # m**i (or its product with the outer stretch) beyond the unsigned range: the cycle is
    # then so long that the float position is accurate.
    pf = pos.astype(f)
    if outer is not None:
        pf = pf + frac.astype(f) / outer.astype(f)
    mf = count(period_mult).astype(f)
    return i, local, ok, Time(jnp.clip(pf / mf ** i.astype(f), 0, period.astype(f)))
