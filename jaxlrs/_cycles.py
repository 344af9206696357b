"""Where a step falls among cycles of growing length: the cycle index, the step inside
the cycle and the cycle's length, for ``cycle`` and ``sgdr`` (lengths ``period *
period_mult**i``). Integer multipliers are located in exact integers; a float multiplier
locates its cycle from ``expm1(i log m)`` in double-float arithmetic (``_powers``),
corrected by one step either way."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _powers, _time
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
        return _time.div(n, period), jax.lax.rem(n, period), None  # n >= 0, period >= 1
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


def _mantissa(f: np.dtype) -> int:
    return 24 if f.itemsize == 4 else 53


def _significant_bits(x: Any) -> Array:
    """The number of significant bits of a float hyperparameter (of its words)."""
    m_hi, m_lo, _ = _time._dyadic(x)
    w = m_lo.dtype.itemsize * 8

    def ctz(v: Array) -> Array:
        return (w - 1 - jax.lax.clz(v & (~v + 1))).astype(index_dtype())

    def length(v: Array) -> Array:
        return (w - jax.lax.clz(v)).astype(index_dtype())

    top = jnp.where(m_hi > 0, w + length(m_hi), length(m_lo))
    low = jnp.where(m_lo > 0, ctz(m_lo), w + ctz(m_hi))
    return jnp.where((m_hi > 0) | (m_lo > 0), top - low, 0)


def _geometric_df(
    i: Array, log_m: list[Array], delta: _time.DF, big: float
) -> tuple[_time.DF, _time.DF]:
    """``(G(i), m**i)`` from ``expm1(i log m)`` (see ``_powers``; ``log m`` as the sum of
    a few floats), each capped at ``big``."""
    f = float_dtype()
    em = _powers.expm1_times(i, log_m)
    z = jnp.zeros((), f)
    cap = _time.DF(z + big, z)
    g = _time.df_where(em.hi >= big * delta.hi, cap, _time.df_div(em, delta))
    return g, _time.df_min(_time.df_add(em, _time.DF(z + 1, z)), big)


def _powering_loop(
    i: Array, m_df: _time.DF, bits: int, big: float, unroll: bool = False
) -> tuple[_time.DF, _time.DF]:
    """``(G(i), m**i)`` by binary powering over the ``bits`` bits of ``i`` in a loop
    (``unroll``: one fused pass, for a few bits on the hot path)."""
    f = float_dtype()
    z = jnp.zeros((), f)

    def bit(j: Any, carry: tuple[_time.DF, ...]) -> tuple[_time.DF, ...]:
        # acc: (G(i mod 2**j), m**(i mod 2**j)); tab: (G(2**j), m**(2**j)).
        acc_g, acc_p, tab_g, tab_p = carry
        on = ((i >> j) & 1).astype(bool)
        acc_g = _time.df_where(
            on, _time.df_min(_time.df_add(acc_g, _time.df_mul(acc_p, tab_g)), big), acc_g
        )
        acc_p = _time.df_where(on, _time.df_min(_time.df_mul(acc_p, tab_p), big), acc_p)
        tab_g = _time.df_min(_time.df_add(tab_g, _time.df_mul(tab_g, tab_p)), big)
        tab_p = _time.df_min(_time.df_mul(tab_p, tab_p), big)
        return acc_g, acc_p, tab_g, tab_p

    zeros = _time.DF(jnp.zeros_like(i, f), jnp.zeros_like(i, f))
    ones = _time.DF(zeros.hi + 1, zeros.lo)
    start = (zeros, ones, _time.DF(z + 1, z), _time.DF(m_df.hi + z, m_df.lo + z))
    acc_g, acc_p, _, _ = jax.lax.fori_loop(0, bits, bit, start, unroll=unroll)
    return acc_g, acc_p


def _cycle_float(time: Time, period: Array, period_mult: Any) -> tuple[Array, Time]:
    i, local, _ = _cycle_float_rest(time, period, period_mult)
    return i, local


def _cycle_float_rest(time: Time, period: Array, period_mult: Any) -> tuple[Array, Time, Array]:
    """Cycle index and local time for a float ``period_mult`` (or period, or step).

    Cycle ``i`` starts at ``S_i = period * G(i)``, ``G(i) = (m**i - 1) / (m - 1)``. A
    float logarithm estimates ``i``; at the estimate, ``m**i - 1 = expm1(i log m)`` in
    double-float (``_powers``), with ``log m`` from the host to 53 bits for a packed or
    Python-float multiplier (``_time.log_words``) and ``G(i)`` divided by the exact
    ``m - 1``: about ``2**-46`` of ``S_i`` whatever ``i`` (binary powering from a 48-bit
    ``m`` is ``i * 2**-48`` off; a traced multiplier, with no host value, still takes that
    path, in a compact loop). Past about ``2**20`` cycles (``m`` next to 1) the estimate moves by
    the cycles the position at it says; for few cycles of a multiplier with few bits,
    binary powering from ``m`` itself keeps the starts that are integers exact. Comparing
    the step with the starts of the cycle and of the next one corrects the index by one
    either way. The position ``t - S_i`` is then accurate to about ``2**-46`` of ``t`` (a
    float32 formula is thousands of steps off near 2**31). A step closer than that to a
    start that is not the step itself (``period_mult`` a hair from an integer, whose starts
    lie a hair from integers) may fall on either side of it. The value is the exact one;
    gradients flow through the plain float formula (finite for every input).

    Also returns the rest of the cycle ``period - local`` (on the same scale), formed
    from the double-float length and position: near the cycle's end a float32 ``local``
    has lost the remainder (one step before the end of a cycle of ``1.0001`` steps,
    ``period - local`` is 1e-4 with 6e-8 of absolute error)."""
    f = float_dtype()
    sg = jax.lax.stop_gradient
    bits = 31 if index_dtype().itemsize == 4 else 63
    big = 2.0**62 if f.itemsize == 4 else 2.0**200

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
    m_df, delta = (_time.DF(*map(sg, v)) for v in _time.exact_df(period_mult))
    # (no words: a traced multiplier from 2**31 up, or an invalid one)
    rough = _time.DF(*map(sg, _time.df_value(period_mult)))
    none = m_df.hi == 0
    m_df = _time.df_where(none, rough, m_df)
    delta = _time.df_where(none, _time.df_add(rough, _time.df(-jnp.ones((), f))), delta)
    one = ~(delta.hi > 0)
    z = jnp.zeros((), f)
    unit = _time.DF(z + 1, z)
    delta = _time.df_where(one, unit, delta)
    # log m from the host (53 bits, in three floats) for a packed or Python-float leaf
    logs = _time.log_words(period_mult)
    if logs is not None:
        parts = [jnp.where(one, z, sg(x)) for x in logs]
        lam = _time.df_add(_time.DF(parts[0], parts[1]), _time.DF(parts[2], z))
    log_m = jnp.log1p(delta.hi) if logs is None else lam.hi
    est = jnp.where(one, sg(t) / sg(p), jnp.log1p(sg(t) * delta.hi / sg(p)) / log_m)
    i0 = jnp.clip(jnp.floor(est), 0, 2.0**bits - 2).astype(index_dtype())
    if logs is None:
        # A traced multiplier (no host words): binary powering over a table of m**(2**j)
        # and G(2**j) in a loop (compact: this path is compiled under vmap and grad of
        # the hyperparameters), about i * 2**-48 of the start.
        acc_g, acc_p = _powering_loop(i0, m_df, bits, big)
    else:
        g, pw = _geometric_df(i0, parts, delta, big)
        # Past about 2**20 cycles (a multiplier next to 1) the float estimate may be cycles
        # off; the position says by how many, k = floor((t - S) / length), and where k log m is
        # tiny, G(i + k) = G(i) + m**i G(k) and m**(i + k) = m**i (1 + expm1(k log m)) come from
        # a short series.
        u0 = _time.df_add(t_df, _time.df_neg(_time.df_mul(p_df, g)))
        len0 = _time.df_mul(p_df, pw)
        k = jnp.clip(jnp.floor((u0.hi + u0.lo) / len0.hi), -(2.0**20), 2.0**20)
        k = jnp.where(jnp.isfinite(k), k, 0.0)
        y = _time.df_mul(_time.DF(k, jnp.zeros_like(k)), lam)
        k = jnp.where((jnp.abs(y.hi) < 2.0**-12) & (i0 + k.astype(i0.dtype) >= 0), k, 0.0)
        y = _time.df_where(k == 0, _time.DF(jnp.zeros_like(k), jnp.zeros_like(k)), y)
        em = _powers.expm1_small(y)
        g = _time.df_add(g, _time.df_mul(pw, _time.df_div(em, delta)))
        pw = _time.df_add(pw, _time.df_mul(pw, em))
        i0 = i0 + k.astype(i0.dtype)
        # Few cycles of a multiplier with few bits (1.5), and the first two cycles of any:
        # binary powering from m itself, exact where the start's b (i - 1) + 6 bits fit (b the
        # bits of m), so that a start that is an integer (the period itself; 4750 for period
        # 1000 and m = 1.5) begins its cycle. (A start with more bits is no integer below
        # 2**31: it would need 2**((b - 1) (i - 1)) to divide the period.)
        few = (i0 < 64) & (_significant_bits(period_mult) * (i0 - 1) + 6 <= 2 * _mantissa(f))
        sm_g, sm_p = _powering_loop(i0, m_df, 6, big, unroll=True)
        acc_g = _time.df_where(few, sm_g, g)
        acc_p = _time.df_where(few, sm_p, pw)
    m_df = _time.df_where(one, unit, m_df)
    start = _time.df_mul(p_df, acc_g)
    length = _time.df_mul(p_df, acc_p)
    nxt = _time.df_add(start, length)
    prev_len = _time.df_div(length, m_df)
    prev = _time.df_add(start, _time.df_neg(prev_len))
    up = _time.df_ge(t_df, nxt)
    down = (i0 > 0) & ~_time.df_ge(t_df, start)
    i = i0 + up.astype(i0.dtype) - down.astype(i0.dtype)
    start = _time.df_where(up, nxt, _time.df_where(down, prev, start))
    stretch = _time.df_where(
        up, _time.df_mul(acc_p, m_df), _time.df_where(down, _time.df_div(acc_p, m_df), acc_p)
    )
    u = _time.df_add(t_df, _time.df_neg(start))
    exact = jnp.clip((u.hi + u.lo) / stretch.hi, 0, sg(p))
    rem = _time.df_add(_time.df_mul(p_df, stretch), _time.df_neg(u))
    exact_rest = jnp.clip((rem.hi + rem.lo) / stretch.hi, 0, sg(p))
    # -- the differentiable float formula at the same i (finite for every input) --
    fi = sg(i).astype(f)
    flat = one | ~(m > 1)  # (also a multiplier that the float dtype rounds to 1)
    safe_m = jnp.where(flat, 2.0, m)
    safe_i = jnp.where(flat, 0.0, fi)
    scale = safe_m**safe_i
    geo = (scale - 1) / (safe_m - 1)
    approx = jnp.where(flat, t - fi * p, (t - p * geo) / scale)
    approx = jnp.where(jnp.isfinite(approx), approx, 0.0)
    # The value is the exact one (``approx - sg(approx)`` is 0), the gradient the float
    # formula's: ``approx + sg(exact - approx)`` would round the exact position to the
    # float spacing of ``approx``, which for a multiplier next to 1 can be far off (float32
    # ``1.000001**4615122`` is 20% low).
    local = jnp.clip(exact + (approx - sg(approx)), 0, p)
    rest = jnp.clip(exact_rest - (approx - sg(approx)), 0, p)
    return i, Time(local), rest


def _exact_cycles(time: Time, period: Array, period_mult: Any) -> bool:
    """Whether the cycles are located in integers (exact step, period and multiplier)."""
    return bool(
        time.exact
        and _time.is_int(period)
        and (isinstance(period_mult, int) or _time.is_int(period_mult))
    )


def locate_rest(
    time: Time, period: Array, period_mult: Any
) -> tuple[Array, Time, Array | None, Time | None, Array | None]:
    """:func:`locate` and, where the local time is a float one located from a float
    ``period_mult``, the rest of the cycle ``period - local`` to float precision (for a
    curve whose value near the cycle's end depends on the remainder, ``left**power`` with
    ``power < 1``); None where ``local`` is exact (then ``ramp`` forms both)."""
    f = float_dtype()
    if not _exact_cycles(time, period, period_mult):
        i, local, rest = _cycle_float_rest(time, period, period_mult)
        return i, local, None, None, rest.astype(f)
    return (*locate(time, period, period_mult), None)


def locate(
    time: Time, period: Array, period_mult: Any
) -> tuple[Array, Time, Array | None, Time | None]:
    """``(i, local, ok, rough)``: the cycle index and the local time in ``[0, period]``;
    where ``ok`` (when not None) is False, use the float local time ``rough`` instead."""
    f = float_dtype()
    if not _exact_cycles(time, period, period_mult):
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
