"""SPEC §1.9: the traced graph does not grow with the number of cycles (never unrolled) nor
with the number of knots of a piecewise schedule (a binary search)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlrs as S
from jaxlrs import _time


def _sub_jaxprs(v):
    if hasattr(v, "jaxpr") and hasattr(v, "consts"):  # ClosedJaxpr
        yield v.jaxpr
    elif hasattr(v, "eqns"):  # Jaxpr
        yield v
    elif isinstance(v, (list, tuple)):
        for x in v:
            yield from _sub_jaxprs(x)


def equations(jaxpr) -> int:
    """Number of equations, counted recursively into sub-jaxprs (jit, cond, while, ...)."""
    n = 0
    for eqn in jaxpr.eqns:
        n += 1
        for p in eqn.params.values():
            n += sum(equations(j) for j in _sub_jaxprs(p))
    return n


def per_element(jaxpr, size: int) -> int:
    """Equations whose output has one entry per evaluated step (the per-element work),
    counted recursively; scalar set-up work (e.g. stacking the knots) is left out."""
    n = 0
    for eqn in jaxpr.eqns:
        n += any(getattr(v.aval, "shape", ()) == (size,) for v in eqn.outvars)
        for p in eqn.params.values():
            n += sum(per_element(j, size) for j in _sub_jaxprs(p))
    return n


def cost(s, steps=None) -> int:
    steps = jnp.arange(1000) if steps is None else steps
    return equations(jax.make_jaxpr(s)(steps).jaxpr)


def test_counter_sees_nested_jaxprs():
    one = cost(S.cosine(1.0, 10))
    two = cost(S.join([S.cosine(1.0, 10), S.cosine(1.0, 10)], [10]))
    assert two > one > 5  # a join evaluates every piece: the count is not blind


@pytest.mark.parametrize(
    "make",
    [
        lambda n: S.sgdr(1.0, 100, limit=n),
        lambda n: S.sgdr(1.0, 100, period_mult=2, decay=0.9, limit=n),
        lambda n: S.sgdr(1.0, 100, period_mult=1.5, limit=n),
        lambda n: S.cycle(S.cosine(1.0, 100), 100, limit=n),
        lambda n: S.cycle(S.linear(1.0, 0.0, 10), 10, period_mult=3, decay=0.5, limit=n),
    ],
    ids=["sgdr", "sgdr_mult", "sgdr_float", "cycle", "cycle_mult"],
)
def test_cycles_are_never_unrolled(make):
    assert cost(make(1000)) <= cost(make(1))


def test_infinite_cycles_evaluated_far_cost_the_same():
    s = S.sgdr(1.0, 100, period_mult=2)
    near = cost(s, jnp.arange(100))
    far = cost(s, jnp.arange(10**9, 10**9 + 100))  # ~ 2**23 cycles in
    assert far == near
    # and the values over 1,000 cycles come from that one small graph
    s1 = S.cycle(S.linear(1.0, 0.0, 10), 10)
    vals = np.asarray(s1(jnp.arange(0, 10_000, 5)))
    np.testing.assert_allclose(vals, np.tile([1.0, 0.5], 1000), rtol=1e-6)


def _knots(n):
    b = (np.arange(1, n + 1) * 7).tolist()
    return b, np.linspace(1.0, 0.0, n + 1).tolist()


@pytest.mark.parametrize("kind", ["piecewise_constant", "piecewise_linear", "multistep"])
def test_piecewise_is_a_binary_search(kind):
    def make(n):
        b, v = _knots(n)
        if kind == "piecewise_constant":
            return S.piecewise_constant(b, v)
        if kind == "piecewise_linear":
            return S.piecewise_linear(b, v[:-1])
        return S.multistep(1.0, b, 0.5)

    few, small, big = make(_time.FEW), make(_time.FEW + 1), make(10_000)
    steps = jnp.arange(777)  # a size no knot array has
    work = [per_element(jax.make_jaxpr(s)(steps).jaxpr, 777) for s in (few, small, big)]
    # not O(n): from FEW + 1 knots on a search, 17 and 10,000 knots alike (the bound
    # includes multistep's overflow-safe power); up to FEW a comparison with each knot,
    # which costs no more per element than the search
    assert work[1] == work[2] < 120
    assert work[0] <= work[1]
    # NOTE: the whole graph still grows with the knots (each knot is its own leaf, stacked
    # once per call): a scalar set-up cost, not per-element work. See the report.
    # The search finds the right piece among 1,000 knots (compiling 10,000 leaves is slow).
    steps = np.array([0, 6, 7, 8, 3_499, 3_500, 6_999, 7_000, 10**6])
    got = np.asarray(make(1_000)(steps), np.float64)
    b, v = _knots(1_000)
    if kind == "piecewise_constant":
        want = np.array(v)[np.searchsorted(b, steps, side="right")]
    elif kind == "piecewise_linear":
        want = np.interp(steps, b, v[:-1])
    else:
        want = 0.5 ** np.searchsorted(b, steps, side="right")
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-30)


@pytest.mark.parametrize("kind", ["piecewise_constant", "piecewise_linear", "multistep"])
def test_known_knots_never_cost_more_than_the_search(kind):
    # a constant form reads a few host knots with one comparison (or select) each: at every
    # count up to the search's threshold no more per-element work than the search, and the
    # same values as the oracle
    def make(n):
        b, v = _knots(n)
        if kind == "piecewise_constant":
            return S.piecewise_constant(b, v), np.array(v)[np.searchsorted(b, steps, "right")]
        if kind == "piecewise_linear":
            return S.piecewise_linear(b, v[:-1]), np.interp(steps, b, v[:-1])
        return S.multistep(1.0, b, 0.5), 0.5 ** np.searchsorted(b, steps, side="right")

    steps = np.arange(0, 7 * (_time.FEW + 3), 3)
    search = per_element(jax.make_jaxpr(make(_time.FEW + 1)[0])(steps).jaxpr, steps.size)
    for n in range(1 if kind != "piecewise_linear" else 2, _time.FEW + 2):
        s, want = make(n)
        work = per_element(jax.make_jaxpr(s)(steps).jaxpr, steps.size)
        assert work <= search, (n, work, search)
        got = np.asarray(s(steps), np.float64)
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-30, err_msg=str(n))


@pytest.mark.parametrize(
    "s",
    [
        S.constant(1.0),
        S.constant(0.0) * 2.0,
        S.join([S.constant(1.0), S.constant(0.5)], [10]),
        S.exponential(1.0, 0.5, 10, staircase=True),
        S.piecewise_constant([5, 50], [1.0, 0.5, 0.1]),
        S.warmup_cosine(1.0, 10, 100),
        S.sgdr(1.0, 10, period_mult=1.5),
    ],
    ids=repr,
)
def test_a_closed_over_schedule_never_embeds_a_step_shaped_constant(s):
    # the constant form works out what the numbers alone decide while tracing; a value
    # that does not depend on the step is a scalar of the program, broadcast there (it was
    # a concrete array of the steps' shape: 40 MB embedded for 10**7 steps)
    n = 10_000
    closed = jax.make_jaxpr(lambda t: s(t))(jnp.arange(n))
    sizes = [np.size(c) for c in closed.consts]
    assert all(size < n for size in sizes), sizes
    got = np.asarray(jax.jit(lambda t: s(t))(jnp.arange(n)), np.float64)
    want = np.asarray(s(np.arange(n)), np.float64)  # the eager (general) program
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-10 * np.max(np.abs(want)))


@settings(max_examples=40, deadline=None)
@given(
    value=st.one_of(  # what constant accepts: 0, or a magnitude in [2**-92, 1.7e38]
        st.floats(2.0**-92, 1.7e38).flatmap(lambda v: st.sampled_from([v, -v])),
        st.sampled_from([0.0, -0.0, 2.0**-92, 1.7e38, -1.7e38, 1 / 3]),
        st.integers(-(2**40), 2**40),
    ),
    shape=st.sampled_from([(), (3,), (2, 5)]),
    float_step=st.booleans(),
)
def test_a_closed_over_constant_traces_no_operation(value, shape, float_step):
    # Kind.steady: compiled into a caller's program on a Python number, constant(v) is
    # one literal (a scalar) broadcast to the steps' shape: no clamp of the step, no
    # concrete array made while tracing; the value is the general program's bit for bit
    s = S.constant(value)
    steps = jnp.zeros(shape, jnp.float32 if float_step else jnp.int32) + 7
    closed = jax.make_jaxpr(lambda t: s(t))(steps)
    assert [e.primitive.name for e in closed.jaxpr.eqns] == (["broadcast_in_dim"] if shape else [])
    assert all(np.size(c) == 1 for c in closed.consts)
    got = jax.jit(lambda t: s(t))(steps)
    want = s(np.asarray(steps))  # the eager (general) program
    assert got.dtype == want.dtype == _time.float_dtype() and got.shape == shape
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    assert np.asarray(want).flat[0] == np.float32(value)  # the oracle: float32 rounding
