"""evaluate() and summary(): exact values, chunking, streaming reductions, phase boundaries."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _oracles import oracle
from examples_table import cases
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlrs
from jaxlrs import _tools

S = jaxlrs
DRIVEN = {
    "constant",
    "linear_huge",
    "cosine_options",
    "multistep",
    "join",
    "cycle",
    "stretch_float",
    "minimum",
    "arithmetic_nested",
    "sgdr_options",
}
CASES = [c for c in cases() if c.id in DRIVEN]
"""evaluate and summary drive any schedule the same way: a few structures of each sort
(primitives, lists, combinators, recipes, operators) stand for all."""


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_evaluate_equals_the_schedule_call(case):
    s = case.build()
    want = np.asarray(s(jnp.arange(1_000)))
    # Chunks of 96 steps (the last one partial, padded) give the same values.
    np.testing.assert_array_equal(jaxlrs.evaluate(s, 1_000, chunk=96), want)


def test_evaluate_arrays_of_any_shape():
    s = S.warmup(S.cosine(1.0, 100), 10)
    steps = np.array([[0, 5, 10], [55.5, 109.25, 10**6]])
    got = jaxlrs.evaluate(s, steps, chunk=4)
    assert got.shape == (2, 3) and got.dtype == np.float32
    np.testing.assert_array_equal(got, np.asarray(s(jnp.asarray(steps, jnp.float32))))
    assert jaxlrs.evaluate(s, np.zeros((0, 3), np.int32)).shape == (0, 3)
    assert jaxlrs.evaluate(s, 0).shape == (0,)
    np.testing.assert_array_equal(jaxlrs.evaluate(s, 7), jaxlrs.evaluate(s, range(7)))


def test_evaluate_steps_beyond_int32():
    s = S.linear(1.0, 0.0, 2**40)
    steps = np.array([0, 2**31 - 1, 2**31, 2**39, 2**41], np.int64)
    got = jaxlrs.evaluate(s, steps)
    want = [float(s(int(t))) for t in steps]
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(got, 1.0 - np.minimum(steps, 2**40) / 2**40, rtol=1e-6)


def test_evaluate_compiles_once_per_structure():
    before = _tools._range_values._cache_size()
    for peak in (1.0, 2.0, 3.0):
        jaxlrs.evaluate(S.sgdr(peak, 100, period_mult=2), 5_000, chunk=1_024)
    assert _tools._range_values._cache_size() - before <= 1


@pytest.mark.parametrize(
    "steps, error, message",
    [(-1, ValueError, "steps must be a non-negative integer, got -1"),
     (np.array(["a"]), TypeError, "steps must be integers or floats"),
     ("10", TypeError, "steps must be an integer n"),
     (True, TypeError, "steps must be an integer n"),
     (100.0, TypeError, "a float is not a number of steps"),
     (np.array([[1], [2]], dtype=bool), TypeError, "got an array of dtype bool"),
     ([[1], [1, 2]], TypeError, "steps must be an array of steps")],
    ids=["negative", "strings", "text", "bool", "float", "bool_array", "ragged"],
)  # fmt: skip
def test_evaluate_bad_steps(steps, error, message):
    with pytest.raises(error, match=message):
        jaxlrs.evaluate(S.constant(1.0), steps)


INTEGER_SCALARS = st.one_of(
    st.integers(0, 100),
    st.integers(0, 100).map(np.int64),
    st.integers(0, 100).map(np.uint16),
    st.integers(0, 100).map(np.asarray),
    st.integers(0, 100).map(jnp.int32),
)
FLOAT_SCALARS = st.one_of(
    st.floats(0, 1e6),
    st.floats(0, 1e6).map(np.float32),
    st.floats(0, 1e6).map(np.float64),
    st.floats(0, 1e6).map(lambda x: np.asarray(x)),
    st.floats(0, 1e6).map(jnp.float32),
)
NOT_STEPS = st.one_of(
    st.booleans(),
    st.booleans().map(np.bool_),
    st.complex_numbers(allow_nan=False),
    st.text(max_size=5),
    st.none(),
    st.builds(object),
    st.just(S.constant(1.0)),
)


@settings(max_examples=25, deadline=None)
@given(INTEGER_SCALARS)
def test_every_integer_scalar_is_a_count(n):
    s = S.linear(1.0, 0.0, 64)
    got = jaxlrs.evaluate(s, n)
    assert got.shape == (int(n),)
    np.testing.assert_array_equal(got, jaxlrs.evaluate(s, int(n)))
    if int(n) >= 1:
        assert jaxlrs.summary(s, n).steps == int(n)


@settings(max_examples=40, deadline=None)
@given(FLOAT_SCALARS)
def test_a_float_scalar_is_refused_with_a_hint(x):
    for tool in (jaxlrs.evaluate, jaxlrs.summary):
        with pytest.raises(TypeError, match=r"(evaluate|summary)\(\): steps must be an integer n .*"
                           r"a float is not a number of steps"):  # fmt: skip
            tool(S.constant(1.0), x)
    # As an array it holds steps: one value per step.
    got = jaxlrs.evaluate(S.linear(1.0, 0.0, 64), np.atleast_1d(x))
    assert got.shape == (1,)


@settings(max_examples=40, deadline=None)
@given(NOT_STEPS)
def test_tools_refuse_what_is_not_a_step_count(x):
    for tool in (jaxlrs.evaluate, jaxlrs.summary):
        with pytest.raises(TypeError, match=r"(evaluate|summary)\(\): steps must be an integer n"):
            tool(S.constant(1.0), x)


def test_tools_refuse_traced_steps():
    with pytest.raises(TypeError, match=r"evaluate\(\): steps .* got a traced value"):
        jax.jit(lambda n: jaxlrs.evaluate(S.constant(1.0), n))(3)


def test_tools_refuse_traced_schedules():
    def f(peak):
        return jaxlrs.evaluate(S.cosine(peak, 10), 5)

    with pytest.raises(ValueError, match=r"evaluate\(\): schedule has traced hyperparameters"):
        jax.jit(f)(1.0)
    with pytest.raises(TypeError, match=r"summary\(\): schedule must be a jaxlrs Schedule"):
        jaxlrs.summary(lambda t: t, 10)
    with pytest.raises(ValueError, match=r"summary\(\): steps must be a positive integer, got 0"):
        jaxlrs.summary(S.constant(1.0), 0)


def _numpy_summary(values):
    return (
        float(values.max()),
        int(np.argmax(values)),
        float(values.min()),
        int(np.argmin(values)),
        float(values[-1]),
        float(np.sum(values, dtype=np.float64)),
    )


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_summary_matches_numpy_over_the_values(case):
    s = case.build()
    n = 777
    values = np.asarray(s(jnp.arange(n)), np.float64)
    got = jaxlrs.summary(s, n, chunk=256)  # three chunks and a partial one
    peak, peak_step, low, low_step, final, area = _numpy_summary(values)
    assert (got.peak, got.peak_step, got.minimum, got.minimum_step, got.final) == (
        peak,
        peak_step,
        low,
        low_step,
        final,
    )
    np.testing.assert_allclose(got.area, area, rtol=1e-6, atol=1e-30)
    assert got.steps == n


def test_summary_streams_in_chunks(monkeypatch):
    sizes = []
    inner = _tools._range_stats

    def spy(fn, args, start, size, valid):
        sizes.append(size)
        return inner(fn, args, start, size, valid)

    monkeypatch.setattr(_tools, "_range_stats", spy)
    s = S.sgdr(1.0, 1_000, period_mult=2, warmup=100)
    n = 300_001
    got = jaxlrs.summary(s, n, chunk=2**14)
    assert sizes == [2**14] * -(-n // 2**14)
    # Against the float64 formula (an independent oracle), not against our own values.
    want = oracle(s, np.arange(n))
    assert got.peak == pytest.approx(want.max(), rel=2e-6)
    assert got.peak_step == 100
    assert got.final == pytest.approx(want[-1], rel=2e-6, abs=1e-10)
    assert got.area == pytest.approx(want.sum(), rel=1e-5)


@pytest.mark.parametrize(
    "s",
    [
        S.sgdr(1.0, 1_000_003, period_mult=1.5, warmup=100)
        + S.piecewise_constant([10, 2**22 + 1, 2**23 + 3], [1.0, 3.0, 3.0, 0.5]),
    ],
    ids=repr,
)
def test_summary_beyond_big_uses_the_schedules_own_kernel(monkeypatch, s):
    """From ``BIG`` steps on, every chunk (the last, partial one too: its steps past the end
    clamped to the last) goes through a kernel compiled for the schedule (hyperparameters
    as constants); the fields agree with NumPy over the values and the float64 formula."""
    kernels = []
    inner = _tools._schedule_stats

    def spy(schedule, size, index):
        kernels.append(size)
        return inner(schedule, size, index)

    monkeypatch.setattr(_tools, "_schedule_stats", spy)
    n = _tools.BIG + 12_345
    got = jaxlrs.summary(s, n)
    assert kernels == [_tools.CHUNK] * -(-n // _tools.CHUNK)
    values = np.asarray(jaxlrs.evaluate(s, n), np.float64)
    want = oracle(s, np.arange(n))
    top = float(values.max())
    assert got.peak == pytest.approx(top, rel=2e-6) and got.peak == pytest.approx(
        want.max(), rel=2e-6
    )
    # the first step holding the peak, up to the last bit of a value
    assert got.peak_step == int(np.flatnonzero(values >= got.peak * (1 - 2e-6))[0])
    assert got.minimum == pytest.approx(float(values.min()), rel=2e-6, abs=1e-12)
    assert got.minimum_step == int(np.flatnonzero(values <= got.minimum * (1 + 2e-6) + 1e-12)[0])
    assert got.final == pytest.approx(want[-1], rel=2e-6, abs=1e-10)
    assert got.area == pytest.approx(np.sum(values), rel=1e-6)


def test_summary_table():
    got = jaxlrs.summary(S.warmup(S.cosine(1e-3, 10_000), 500), 20_000)
    lines = str(got).splitlines()
    assert [line.split()[0] for line in lines] == [
        "schedule",
        "steps",
        "peak",
        "minimum",
        "final",
        "area",
        "phases",
    ]
    assert lines[0].endswith("warmup(cosine(0.001, 10000), 500)")
    assert lines[2].endswith("0.001 at step 500")
    assert lines[6].endswith("500, 10,500")
    long = jaxlrs.summary(S.multistep(1.0, list(range(1, 60))), 10)
    assert all(len(line) <= 80 for line in str(long).splitlines())


PHASES = {
    "warmup": (S.warmup(S.cosine(1.0, 100), 10), 200, (10, 110)),
    "join": (
        S.join([S.linear(0.0, 1.0, 10), S.cosine(1.0, 80), S.constant(0.0)], [10, 90]),
        200,
        (10, 90),
    ),
    "join_clips_pieces": (S.join([S.cosine(1.0, 50), S.constant(0.0)], [20]), 100, (20,)),
    "cycle_limit": (S.cycle(S.cosine(1.0, 10), 10, period_mult=2, limit=3), 100, (10, 30, 70)),
    "cycle_inner": (S.cycle(S.warmup(S.cosine(1.0, 8), 2), 10), 35, (2, 10, 12, 20, 22, 30, 32)),
    "cycle_float": (S.cycle(S.cosine(1.0, 10), 10, period_mult=1.5), 50, (10, 25, 47.5)),
    "sgdr": (S.sgdr(1.0, 100, period_mult=2, warmup=10), 1_000, (10, 110, 310, 710)),
    "warmup_cosine": (S.warmup_cosine(1.0, 10, 110), 200, (10, 110)),
    "stretch": (S.stretch(S.step_decay(1.0, 2, 0.5), 100), 900, (200, 400, 600, 800)),
    "stretch_float": (S.stretch(S.cosine(1.0, 10), 2.5), 100, (25,)),
    "cooldown": (S.cooldown(S.cosine(1.0, 50), 80, 20), 200, (50, 80, 100)),
    "shift": (S.shift(S.linear(1.0, 0.0, 10), 5), 100, (5, 15)),
    "multistep": (S.multistep(1.0, [2, 5, 5, 9]), 8, (2, 5)),
    "piecewise": (S.piecewise_linear([0, 10, 30], [0.0, 1.0, 0.0]), 100, (10, 30)),
    "staircase": (S.exponential(1.0, 0.5, 10, staircase=True), 35, (10, 20, 30)),
    "smooth_exponential": (S.exponential(1.0, 0.5, 10), 35, ()),
    "triangle": (S.triangular(0.0, 1.0, 100, inc_fraction=0.25), 200, (25, 100)),
    "operators": (S.cosine(1.0, 10) * S.linear(1.0, 0.0, 30) + 1, 100, (10, 30)),
    "from_fn": (S.from_fn(lambda t: t), 100, ()),
}


@pytest.mark.parametrize("schedule, steps, want", PHASES.values(), ids=PHASES.keys())
def test_phase_boundaries(schedule, steps, want):
    assert _tools.phases(schedule, steps) == want
    assert all(
        type(b) is type(w) for b, w in zip(_tools.phases(schedule, steps), want, strict=True)
    )


def test_phase_boundaries_are_capped():
    marks = _tools.phases(S.cycle(S.cosine(1.0, 1), 1), 10**9)
    assert marks == tuple(range(1, _tools.MAX_MARKS + 1))
