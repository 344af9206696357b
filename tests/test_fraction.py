"""Durations as fractions of the run (``jaxlrs.fraction``).

Oracles: a schedule with ``warmup=fraction(r)`` is the same schedule with
``warmup=ceil(r * steps)`` given in steps (a property, compared bit for bit); the count
itself against exact rational arithmetic (``fractions.Fraction``) and Python's float64
``math.ceil(r * n)`` (Hugging Face's ``warmup_ratio`` rule), for generated ``r`` and ``n``
up to ``2**31 - 1`` (and up to ``2**53`` with x64 on).
"""

from __future__ import annotations

import json
import math
import pickle
import random
from collections.abc import Callable
from fractions import Fraction as Q
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import jaxlrs
from jaxlrs._fraction import Fraction

J = jaxlrs
F = jaxlrs.fraction
TIE = Q(1, 2**43)  # the documented band, relative to the product r * n
SETTINGS = settings(max_examples=40, deadline=None)

# (id, build(length, n)): ``length`` is a step count or a fraction of the total ``n``.
Build = Callable[[Any, int], jaxlrs.Schedule]
CTORS: list[tuple[str, Build]] = [
    ("warmup_cosine", lambda w, n: J.warmup_cosine(2.0, w, n, init=0.1, end=0.05)),
    ("warmup_constant", lambda w, n: J.warmup_constant(2.0, w, n, init=0.1, end=0.5)),
    ("warmup_linear", lambda w, n: J.warmup_linear(2.0, w, n, init=0.1, end=0.05)),
    ("warmup_polynomial", lambda w, n: J.warmup_polynomial(2.0, w, n, power=2.5, shape="cosine")),
    ("warmup_exponential", lambda w, n: J.warmup_exponential(2.0, w, n, end=0.02, rate=0.01)),
    # timescale defaults to the warmup: the resolved count reaches it too
    ("warmup_inverse_sqrt", lambda w, n: J.warmup_inverse_sqrt(2.0, w, n, end=0.1)),
    ("wsd_warmup", lambda w, n: J.wsd(2.0, w, n, 1, shape="linear")),
    ("wsd_decay_steps", lambda w, n: J.wsd(2.0, 0, n, w, shape="cosine", end=0.1)),
]
IDS = [c[0] for c in CTORS]


def _minimum(name: str) -> int:
    return 1 if name == "wsd_decay_steps" else 0


def _valid(name: str, k: int, n: int) -> bool:
    """Whether ``k`` steps is a valid length for the case with total ``n``."""
    if name == "wsd_warmup":
        return k + 1 <= n
    if name == "wsd_decay_steps":
        return 1 <= k <= n
    return k < n


def _probe(n: int, k: int) -> np.ndarray:
    """Steps around the phase end ``k``, the ends of the run and a spread between."""
    near = [k - 2, k - 1, k, k + 1, k + 2, n - k - 1, n - k, n - k + 1, n - 1, n, n + 5]
    spread = np.linspace(0, min(n + 10, 2**31 - 1), 25).astype(np.int64).tolist()
    ts = [t for t in near + spread + [0, 1, 2**31 - 1] if 0 <= t <= 2**31 - 1]
    ts = np.unique(np.asarray(ts, np.int64)).astype(np.int32)
    return np.resize(ts, 48)  # one shape: one compiled evaluation per structure


def _expected_count(r: float, n: int) -> int | None:
    """The documented float32 rule from exact rational arithmetic: ``ceil(r * n)``, with a
    product within ``r * n * 2**-43`` above an integer counted as that integer. None
    where the product is too close to that band's edge to promise either (a factor 2)."""
    p = Q(r) * n
    k = math.floor(p)
    phi = p - k
    if phi == 0 or phi <= p * TIE / 2:
        return k
    if phi >= p * TIE * 2:
        return k + 1
    return None


# -- the property oracle: a fraction is the same schedule as its count --------------------------


@pytest.mark.parametrize(("name", "build"), CTORS, ids=IDS)
@SETTINGS
@given(
    r=st.one_of(
        st.floats(0.0, 1.0).filter(lambda r: r == 0 or r >= 2**-92),  # representable
        st.integers(0, 1000).map(lambda i: i / 1000),
        st.sampled_from([0.0, 0.01, 0.05, 0.1, 0.3, 0.5, 0.999, 1.0]),
    ),
    n=st.one_of(st.integers(1, 1_000), st.integers(1, 2**31 - 1)),
)
def test_fraction_is_the_schedule_with_its_count(name, build, r, n):
    k = _expected_count(r, n)
    assume(k is not None and _valid(name, k, n) and _valid(name, math.ceil(r * n), n))
    assert k == math.ceil(r * n) or k == math.ceil(r * n) - 1  # the documented band
    got = build(F(r), n)
    want = build(k, n)
    steps = _probe(n, k)
    np.testing.assert_array_equal(np.asarray(got(steps)), np.asarray(want(steps)))
    assert got != want and "fraction(" in repr(got)


@pytest.mark.parametrize(("name", "build"), CTORS, ids=IDS)
def test_fraction_of_a_huge_run_stays_exact(name, build):
    # float32's 0.999 * 10**8 is 99,900,001.5; the exact product is 99,900,000 (+ a
    # fraction of 4e-9, which float64 rounds away): ceil is 99,900,000 either way.
    for r, n in [(0.999, 10**8), (0.1, 2 * 10**9), (0.7, 10), (0.15, 100), (0.3, 2**31 - 1)]:
        k = math.ceil(r * n)
        if not _valid(name, k, n):
            continue
        steps = _probe(n, k)
        got, want = build(F(r), n)(steps), build(k, n)(steps)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


# -- the count against exact arithmetic and Python's float64 math.ceil --------------------------


def _device_count(r: float, n: int) -> int:
    """The count the schedule resolves ``fraction(r)`` of ``n`` to, read off its values:
    ``warmup_constant(0, W, n, init=1)`` is ``1 - t / W > 0`` exactly for ``t < W``."""
    s = J.warmup_constant(0.0, F(r), n, init=1.0)
    k = math.floor(Q(r) * n)
    ts = [t for t in (k - 1, k, k + 1, k + 2) if 0 <= t < n]
    values = np.asarray(s(np.asarray(ts, np.int64)))
    for t, v in zip(ts, values, strict=True):
        if v == 0:
            return t
    raise AssertionError(f"no phase end near {k} for fraction({r!r}) of {n}")


def _samples(seed: int, top: int) -> list[tuple[float, int]]:
    """Seeded (r, n): uniform float64 r, decimal r of 1 to 6 digits, r = m / n (products
    at an integer) and products placed 2**-j (relative) above and below an integer."""
    rng = random.Random(seed)
    out = []
    edges = [1, 2, 3, 10, 2**24 - 1, 2**24, 2**24 + 1, top]
    for i in range(700):
        n = (
            edges[i % len(edges)]
            if i < 40
            else rng.choice(
                [
                    rng.randrange(1, 2**12),
                    rng.randrange(1, top + 1),
                    2 ** rng.uniform(0, math.log2(top)),
                ]
            )
        )
        n = max(1, min(int(n), top))
        kind = i % 5
        if kind == 0:
            r = rng.random()
        elif kind == 1:
            d = rng.randrange(1, 7)
            r = rng.randrange(0, 10**d + 1) / 10**d
        elif kind == 2:
            r = rng.randrange(0, n + 1) / n
        else:
            m = rng.randrange(1, n + 1)
            j = rng.randrange(30, 64)
            sign = 1 if kind == 3 else -1
            r = float(min(Q(1), max(Q(0), Q(m, n) * (1 + sign * Q(1, 2**j)))))
        out.append((r, n))
    return out


def test_count_is_the_exact_ceiling_and_pythons_up_to_2_31():
    checked = 0
    for r, n in _samples(0, 2**31 - 1):
        if math.ceil(r * n) >= n:  # warmup_constant needs the warmup to end before n
            continue
        got = _device_count(r, n)
        want = _expected_count(r, n)
        if want is not None:
            assert got == want, (r, n)
        py = math.ceil(r * n)
        if got != py:
            # Only inside the documented band, and one step less, never more.
            p = Q(r) * n
            assert got == py - 1 and 0 < p - math.floor(p) <= 2 * p * TIE, (r, n, got, py)
        checked += 1
    assert checked > 500


def test_count_is_pythons_math_ceil_with_x64():
    with jax.enable_x64(True):
        checked = 0
        for r, n in _samples(1, 2**53):
            if math.ceil(r * n) >= n:
                continue
            assert _device_count(r, n) == math.ceil(r * n), (r, n)
            checked += 1
        assert checked > 500


def test_a_total_beyond_int32_travels_as_a_float():
    # 2**33 steps with x64 off: the total is a float, and the count is the ceiling of the
    # float32 product (858993472, 12 above the exact one, within float32's precision).
    n, r = 2**33, 0.1
    want = math.ceil(float(np.float32(r)) * float(n))
    assert abs(want - math.ceil(r * n)) <= n * 2**-23
    t = np.asarray([0, 10**6, 10**8, 8 * 10**8, 2**31 - 1], np.int64)
    for name, build in CTORS:
        if _valid(name, want, n):
            got, ref = build(F(r), n)(t), build(want, n)(t)
            # (float counts: XLA may round the two programs' last bit differently)
            np.testing.assert_allclose(np.asarray(got), np.asarray(ref), rtol=2e-7, err_msg=name)


def test_traced_decimal_fractions_count_as_written():
    # A traced r is float32, up to 2**-24 of it away from the decimal it was written as:
    # its count treats a product within min(r * n * 2**-22, 1/4) above an integer as that
    # integer, so a decimal fraction counts as the decimal itself while r * n is below
    # 2**22 (outside a band of 4x float32's error next to the integers).
    rng = np.random.default_rng(0)
    size = 6000
    digits = rng.integers(1, 5, size)
    num = rng.integers(0, 10**digits, size, endpoint=True)
    ns = np.concatenate(
        [rng.integers(2, 2**12, size // 2), np.exp2(rng.uniform(12, 31, size // 2)).astype(int)]
    )
    exact = [Q(int(a), 10 ** int(d)) * int(n) for a, d, n in zip(num, digits, ns, strict=True)]
    want = np.asarray([math.ceil(p) for p in exact], np.int64)
    phis = [p - math.floor(p) for p in exact]
    clear = [
        p < 2**22 and (phi == 0 or phi > min(p * Q(1, 2**20), Q(1, 2)))
        for p, phi in zip(exact, phis, strict=True)
    ]
    ok = np.asarray(clear) & (want < ns)
    rs = (num / 10.0**digits).astype(np.float32)[ok]
    ns, want = ns[ok].astype(np.int32), want[ok]
    assert len(rs) > size // 2

    def values(r, n, ts):
        return J.warmup_constant(0.0, F(r), n, init=1.0)(ts)

    ts = np.stack([np.maximum(want - 1, 0), want], axis=1).astype(np.int32)
    got = np.asarray(jax.jit(jax.vmap(values))(jnp.asarray(rs), jnp.asarray(ns), jnp.asarray(ts)))
    # the count is want: still above 0 one step before it (or want is 0), and 0 at it
    assert np.all((got[:, 0] > 0) | (want == 0)) and np.all(got[:, 1] == 0)


def test_a_concrete_fraction_in_a_traced_schedule_keeps_its_count():
    # vmap/grad over another hyperparameter passes the fraction into jit as a float32
    # (without its host correction); a decimal fraction still counts as written.
    for r, n in [(0.1, 10**6), (0.03, 10**7), (0.05, 123_457), (0.999, 1000), (0.5, 2**20 + 1)]:
        k = math.ceil(r * n)
        t = jnp.asarray([k - 1, k, k + 1])
        got = jax.vmap(lambda p, r=r, n=n, t=t: J.warmup_linear(p, F(r), n)(t))(jnp.ones(2))
        want = J.warmup_linear(1.0, k, n)(t)
        np.testing.assert_allclose(np.asarray(got[0]), np.asarray(want), rtol=1e-6)


# -- traced fractions -------------------------------------------------------------------------


def test_jit_over_the_fraction_compiles_once():
    traces = []

    @jax.jit
    def f(s, t):
        traces.append(1)
        return s(t)

    t = jnp.arange(0, 1001, 7)
    for r in (0.1, 0.25, 0.0, 0.999):
        got = f(J.warmup_cosine(1.0, F(r), 1000), t)
        want = J.warmup_cosine(1.0, math.ceil(r * 1000), 1000)(t)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6, atol=1e-7)
    assert len(traces) == 1

    g_traces = []

    @jax.jit
    def g(r):
        g_traces.append(1)
        return J.wsd(1.0, F(r), 1000, F(0.2))(t)

    for r in (0.125, 0.25, 0.5):  # exact in float32: the traced r is the given one
        got = g(jnp.float32(r))
        want = J.wsd(1.0, math.ceil(r * 1000), 1000, 200)(t)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6, atol=1e-7)
    assert len(g_traces) == 1


@pytest.mark.parametrize(("name", "build"), CTORS, ids=IDS)
def test_vmap_over_the_fraction(name, build):
    n = 1000
    rs = np.asarray([0.0625, 0.125, 0.25, 0.5, 0.75], np.float32)  # exact in float32
    rs = np.asarray([r for r in rs if _valid(name, math.ceil(float(r) * n), n)], np.float32)
    t = jnp.asarray(_probe(n, 250))
    got = jax.vmap(lambda r: build(F(r), n)(t))(jnp.asarray(rs))
    want = np.stack([np.asarray(build(math.ceil(float(r) * n), n)(t)) for r in rs])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("name", "build"), CTORS, ids=IDS)
def test_grad_over_the_fraction_is_zero_not_nan(name, build):
    n = 1000
    for t in (0, 1, 50, 124, 125, 126, 500, 999, 1000, 5000):

        def f(r, t=t):
            return build(F(r), n)(t)

        for grad in (jax.grad(f), jax.jit(jax.grad(f))):
            assert float(grad(0.125)) == 0.0
        vg = jax.vmap(jax.grad(f))(jnp.asarray([0.0, 0.125, 0.5], jnp.float32))
        assert np.all(np.asarray(vg) == 0.0)
    # The values around it still differentiate: the peak's gradient is the integer case's.
    dp = jax.grad(lambda p: J.warmup_cosine(p, F(0.1), 1000)(400))(1.0)
    di = jax.grad(lambda p: J.warmup_cosine(p, 100, 1000)(400))(1.0)
    assert np.isfinite(float(dp)) and float(dp) == pytest.approx(float(di), rel=1e-6)


# -- value semantics: repr, parse, to_dict, pickle, pytree ---------------------------------------


@pytest.mark.parametrize(("name", "build"), CTORS, ids=IDS)
@pytest.mark.parametrize("r", [0.0, 0.1, 0.3333333333333333, 0.5])
def test_round_trips(name, build, r):
    if not _valid(name, math.ceil(r * 120), 120):
        return
    s = build(F(r), 120)
    assert f"fraction({r!r})" in repr(s)
    assert jaxlrs.parse(repr(s)) == s and repr(jaxlrs.parse(repr(s))) == repr(s)
    assert jaxlrs.parse("jaxlrs." + repr(s).replace("fraction(", "jaxlrs.fraction(")) == s
    text = json.dumps(jaxlrs.to_dict(s), allow_nan=False)
    assert '{"fraction": ' + repr(r) + "}" in text
    back = jaxlrs.from_dict(json.loads(text))
    assert back == s and hash(back) == hash(s) and repr(back) == repr(s)
    p = pickle.loads(pickle.dumps(s))
    assert p == s and hash(p) == hash(s) and repr(p) == repr(s)
    t = jnp.arange(0, 130, 3)
    np.testing.assert_array_equal(np.asarray(p(t)), np.asarray(s(t)))
    np.testing.assert_array_equal(np.asarray(back(t)), np.asarray(s(t)))


def test_fraction_value_semantics():
    assert F(0.1) == F(0.1) and hash(F(0.1)) == hash(F(0.1)) and F(0.1) != F(0.2)
    assert F(1) == F(1.0) and repr(F(1)) == "fraction(1.0)" and repr(F(0)) == "fraction(0.0)"
    assert repr(F(-0.0)) == "fraction(0.0)"
    assert F(np.float32(0.5)) == F(0.5) and F(jnp.asarray(0.25)) == F(0.25)
    assert F(0.1) != 0.1 and isinstance(F(0.1), Fraction)
    with pytest.raises(AttributeError, match="immutable"):
        F(0.1).r = 0.2  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(F(0.3))) == F(0.3)
    # A pytree with r as its one leaf; a schedule's leaves reach it.
    assert jax.tree.leaves(F(0.3)) == [0.3]
    s = J.warmup_cosine(1.0, F(0.1), 100)
    assert jax.tree.leaves(s) == [1.0, 0.1, 100, 0.0, 0.0, 1.0]
    doubled = jax.tree.map(lambda x: x * 2 if isinstance(x, float) and x < 0.5 else x, s)
    assert doubled == J.warmup_cosine(1.0, F(0.2), 100)
    assert J.warmup_cosine(1.0, F(0.1), 100) != J.warmup_cosine(1.0, 10, 100)


def test_summary_marks_the_resolved_phase_end():
    s = J.warmup_cosine(1.0, F(0.1), 1000)
    assert 100 in jaxlrs.summary(s, 1000).boundaries
    w = J.wsd(1.0, F(0.05), 1000, F(0.25))
    assert {50, 750} <= set(jaxlrs.summary(w, 1000).boundaries)


# -- 1.0 stays a step count ----------------------------------------------------------------


def test_floats_stay_step_counts():
    t = jnp.arange(0, 110, 1)
    for steps in (1.0, 100.0, 10.0):
        a, b = J.warmup_cosine(1.0, steps, 110), J.warmup_cosine(1.0, int(steps), 110)
        assert a == b and repr(a) == repr(b)
        np.testing.assert_array_equal(np.asarray(a(t)), np.asarray(b(t)))
    # fraction(1.0) of a wsd decay is the whole run: a different schedule from 1 step.
    one = J.wsd(1.0, 0, 100, 1.0)
    whole = J.wsd(1.0, 0, 100, F(1.0))
    assert one != whole
    assert float(one(98)) == 1.0 and float(whole(50)) < 1.0
    assert jaxlrs.parse("wsd(1.0, 0, 100, 1.0)") == one
    with pytest.raises(
        ValueError, match=r"warmup_linear\(\): warmup must be a non-negative integer"
    ):
        J.warmup_linear(1.0, 0.5, 100)  # a float that is not a whole number of steps


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "match"),
    [
        (1.5, ValueError, r"fraction\(\): r must be a finite number in \[0, 1\], got 1.5"),
        (-0.1, ValueError, r"fraction\(\): r must be a finite number in \[0, 1\], got -0.1"),
        ("a", TypeError, r"fraction\(\): r must be a finite number in \[0, 1\], got 'a' \(str\)"),
        (None, TypeError, r"fraction\(\): r must be .*, got None"),
        (True, TypeError, r"fraction\(\): r must be .*, got True"),
        (math.nan, ValueError, r"fraction\(\): r must be .*, got nan"),
        (math.inf, ValueError, r"fraction\(\): r must be .*, got inf"),
        (1e-40, ValueError, r"fraction\(\): r must be .*representable in float32"),
        (np.ones(2), ValueError, r"fraction\(\): r must be .* \(a scalar\)"),
    ],
)
def test_fraction_refuses(value, kind, match):
    with pytest.raises(kind, match=match):
        F(value)


NO_TOTAL = [
    ("warmup_constant", lambda: J.warmup_constant(1.0, F(0.1)), "needs the total length steps"),
    ("inverse_sqrt", lambda: J.inverse_sqrt(1.0, F(0.1)), "no total length"),
    ("warmup", lambda: J.warmup(J.constant(1.0), F(0.1)), "no total length"),
    ("sgdr", lambda: J.sgdr(1.0, 100, warmup=F(0.1)), "no total length"),
    ("cosine", lambda: J.cosine(1.0, F(0.5)), "no total length"),
    ("one_cycle", lambda: J.one_cycle(1.0, 100, pct_start=F(0.3)), "no total length"),
    ("noam", lambda: J.noam(64.0, F(0.1)), "no total length"),
    ("warmup_cosine", lambda: J.warmup_cosine(1.0, 10, F(0.5)), "no total length"),
    ("wsd", lambda: J.wsd(1.0, 10, F(0.5), 10), "no total length"),
]


@pytest.mark.parametrize(("fn", "build", "why"), NO_TOTAL, ids=[c[0] for c in NO_TOTAL])
def test_fraction_where_no_total_exists(fn, build, why):
    with pytest.raises(TypeError, match=rf"^{fn}\(\): .*fraction\(0\.\d\).*{why}"):
        build()


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (
            lambda: J.warmup_cosine(1.0, F(1.0), 100),
            r"warmup_cosine\(\): warmup must be smaller than steps .*"
            r"got warmup=fraction\(1.0\) \(100 steps\), steps=100",
        ),
        (
            lambda: J.warmup_linear(1.0, F(0.995), 100),
            r"warmup_linear\(\): warmup must be smaller .* \(100 steps\), steps=100",
        ),
        (
            lambda: J.wsd(1.0, F(0.5), 100, F(0.6)),
            r"wsd\(\): warmup \+ decay_steps must be at most steps .*"
            r"warmup=fraction\(0.5\) \(50 steps\), decay_steps=fraction\(0.6\) \(60 steps\)",
        ),
        (
            lambda: J.wsd(1.0, 60, 100, F(0.41)),
            r"wsd\(\): warmup \+ decay_steps .* warmup=60, decay_steps=fraction\(0.41\) \(41 steps",
        ),
        (
            lambda: J.wsd(1.0, 0, 100, F(0.0)),
            r"wsd\(\): decay_steps must be a positive integer, got fraction\(0.0\) \(0 steps",
        ),
        (
            lambda: jaxlrs.parse("warmup_cosine(1.0, fraction(2.0), 10)"),
            r"parse\(\): fraction\(\): r must be a finite number in \[0, 1\], got 2.0",
        ),
        (
            lambda: jaxlrs.parse("warmup_cosine(1.0, fraction('a'), 10)"),
            r"parse\(\): fraction\(\) takes a literal number",
        ),
        (
            lambda: jaxlrs.parse("warmup_cosine(1.0, fraction(0.1, 0.2), 10)"),
            r"parse\(\): fraction\(\) takes one argument",
        ),
        (lambda: jaxlrs.parse("fraction(0.1)"), r"parse\(\): expected a schedule"),
        (
            lambda: jaxlrs.parse("cosine(1.0, 10) * fraction(0.5)"),
            r"parse\(\): operands of \+ - \* / \*\* must be schedules or numbers",
        ),
    ],
)
def test_limits_that_involve_the_count(build, match):
    with pytest.raises(ValueError, match=match):
        build()


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ({"fraction": 1.5}, r"schedule\.args\.warmup: fraction\(\): r must be .*got 1.5"),
        ({"fraction": "x"}, r"schedule\.args\.warmup\.fraction must be a number, got 'x'"),
        ({"fraction": True}, r"schedule\.args\.warmup\.fraction must be a number, got True"),
        ({"fraction": 0.1, "x": 1}, r"schedule\.args\.warmup must be a node"),
    ],
)
def test_from_dict_refuses_bad_fractions(value, match):
    data = jaxlrs.to_dict(J.warmup_cosine(1.0, F(0.1), 100))
    data["schedule"]["args"]["warmup"] = value
    with pytest.raises(ValueError, match=r"^from_dict\(\): " + match):
        jaxlrs.from_dict(data)


def test_to_dict_refuses_a_traced_fraction():
    def f(r):
        with pytest.raises(ValueError, match=r"schedule\.warmup\.fraction is a traced"):
            jaxlrs.to_dict(J.warmup_cosine(1.0, F(r), 100))
        return r

    jax.jit(f)(0.1)


def test_in_an_optimizer_state_and_swapped_without_a_retrace():
    optax = pytest.importorskip("optax")
    import jaxlrs.optax as jo

    s1 = J.warmup_cosine(0.1, F(0.1), 40)
    s2 = J.warmup_cosine(0.1, F(0.25), 40)
    tx = jo.inject(optax.sgd, learning_rate=s1)
    params = jnp.ones(3)
    traces = []

    @jax.jit
    def step(p, state):
        traces.append(1)
        u, state = tx.update(jnp.ones_like(p), state, p)
        return optax.apply_updates(p, u), state

    with jax.numpy_dtype_promotion("standard"):
        state = tx.init(params)
        seen = []
        for k in range(12):
            if k == 6:
                state = jo.set_schedules(state, learning_rate=s2)
            params, state = step(params, state)
            seen.append(float(jo.current(state)["learning_rate"]))
    want = [float(s1(k)) for k in range(6)] + [float(s2(k)) for k in range(6, 12)]
    np.testing.assert_allclose(seen, want, rtol=1e-6)
    assert len(traces) == 1
