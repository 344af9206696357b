"""SPEC §1.7: concrete bad hyperparameters raise ValueError/TypeError with a message that
names the function, the parameter, the value and what is allowed."""

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlrs as S

C = S.constant(1.0)
NAN, INF = math.nan, math.inf
V, T = ValueError, TypeError


def msg(fn, param, got, allowed=""):
    """``fn(): param must be <allowed...>, got <got>`` as a regex."""
    return rf"^{re.escape(fn)}\(\): {re.escape(param)} must be {allowed}.*got {re.escape(got)}"


CASES = [
    # (id, thunk, exception, regex)
    ("constant nan", lambda: S.constant(NAN), V, msg("constant", "value", "nan", "a finite")),
    ("constant inf", lambda: S.constant(INF), V, msg("constant", "value", "inf", "a finite")),
    ("constant str", lambda: S.constant("0.1"), T, msg("constant", "value", "'0.1' (str)")),
    ("constant bool", lambda: S.constant(True), T, msg("constant", "value", "True (bool)")),
    ("constant None", lambda: S.constant(None), T, msg("constant", "value", "None")),
    ("constant 2-D", lambda: S.constant(np.ones((2, 2))), V, msg("constant", "value", "array")),
    ("constant 1-D jax", lambda: S.constant(jnp.ones(3)), V, msg("constant", "value", "Array")),
    (
        "constant np.bool",
        lambda: S.constant(np.bool_(True)),
        T,
        msg("constant", "value", "np.True_ (bool)"),
    ),
    ("linear steps 0", lambda: S.linear(1.0, 0.0, 0), V, msg("linear", "steps", "0", "a pos")),
    ("linear steps -5", lambda: S.linear(1.0, 0.0, -5), V, msg("linear", "steps", "-5", "a pos")),
    ("linear steps 2.5", lambda: S.linear(1.0, 0.0, 2.5), V, msg("linear", "steps", "2.5")),
    ("linear steps nan", lambda: S.linear(1.0, 0.0, NAN), V, msg("linear", "steps", "nan")),
    ("linear steps inf", lambda: S.linear(1.0, 0.0, INF), V, msg("linear", "steps", "inf")),
    ("linear steps str", lambda: S.linear(1.0, 0.0, "10"), T, msg("linear", "steps", "'10'")),
    ("linear init nan", lambda: S.linear(NAN, 0.0, 10), V, msg("linear", "init", "nan")),
    ("linear end inf", lambda: S.linear(1.0, -INF, 10), V, msg("linear", "end", "-inf")),
    ("poly power 0", lambda: S.polynomial(1.0, 0.0, 5, 0.0), V, msg("polynomial", "power", "0.0")),
    ("poly steps", lambda: S.polynomial(1.0, 0.0, -1), V, msg("polynomial", "steps", "-1")),
    ("poly end None", lambda: S.polynomial(1.0, None, 5), T, msg("polynomial", "end", "None")),
    ("cosine steps -5", lambda: S.cosine(1.0, -5), V, msg("cosine", "steps", "-5", "a positive")),
    (
        "cosine exponent",
        lambda: S.cosine(1.0, 5, exponent=-1.0),
        V,
        msg("cosine", "exponent", "-1"),
    ),
    ("cosine k 0", lambda: S.cosine(1.0, 5, k=0), V, msg("cosine", "k", "0", "a finite number")),
    ("cosine k nan", lambda: S.cosine(1.0, 5, k=NAN), V, msg("cosine", "k", "nan")),
    ("cosine end str", lambda: S.cosine(1.0, 5, end="0"), T, msg("cosine", "end", "'0'")),
    ("exp rate 0", lambda: S.exponential(1.0, 0.0), V, msg("exponential", "rate", "0.0")),
    ("exp rate -1", lambda: S.exponential(1.0, -0.5), V, msg("exponential", "rate", "-0.5")),
    ("exp steps 0", lambda: S.exponential(1.0, 0.5, 0), V, msg("exponential", "steps", "0")),
    (
        "exp staircase",
        lambda: S.exponential(1.0, 0.5, 1, 1),
        T,
        msg("exponential", "staircase", "1"),
    ),
    ("exp end nan", lambda: S.exponential(1.0, 0.5, end=NAN), V, msg("exponential", "end", "nan")),
    ("inv rate -1", lambda: S.inverse_time(1.0, -1.0), V, msg("inverse_time", "rate", "-1.0")),
    ("inv steps", lambda: S.inverse_time(1.0, 1.0, 0), V, msg("inverse_time", "steps", "0")),
    (
        "inv stair",
        lambda: S.inverse_time(1.0, 1.0, 1, "y"),
        T,
        msg("inverse_time", "staircase", "'y'"),
    ),
    ("step every 0", lambda: S.step_decay(1.0, 0), V, msg("step_decay", "every", "0")),
    ("step factor 0", lambda: S.step_decay(1.0, 3, 0.0), V, msg("step_decay", "factor", "0.0")),
    ("step factor inf", lambda: S.step_decay(1.0, 3, INF), V, msg("step_decay", "factor", "inf")),
    (
        "ms unsorted",
        lambda: S.multistep(1.0, [5, 3]),
        V,
        msg("multistep", "milestones", "[5, 3]", "sorted"),
    ),
    ("ms negative", lambda: S.multistep(1.0, [-1, 3]), V, msg("multistep", "milestones[0]", "-1")),
    ("ms float", lambda: S.multistep(1.0, [1.5]), V, msg("multistep", "milestones[0]", "1.5")),
    ("ms str", lambda: S.multistep(1.0, "35"), T, msg("multistep", "milestones", "'35'", "a list")),
    (
        "ms 2-D",
        lambda: S.multistep(1.0, np.ones((2, 2), int)),
        V,
        msg("multistep", "milestones", "array", "a 1-D"),
    ),
    ("ms factor", lambda: S.multistep(1.0, [3], -0.1), V, msg("multistep", "factor", "-0.1")),
    (
        "pc unsorted",
        lambda: S.piecewise_constant([5, 5], [1.0, 0.5, 0.2]),
        V,
        msg("piecewise_constant", "boundaries", "[5, 5]", "strictly increasing"),
    ),
    (
        "pc lengths",
        lambda: S.piecewise_constant([5, 9], [1.0, 0.5]),
        V,
        r"^piecewise_constant\(\): values must have one more entry than boundaries \(3\), got 2",
    ),
    (
        "pc lengths long",
        lambda: S.piecewise_constant([5], [1.0, 0.5, 0.1]),
        V,
        r"^piecewise_constant\(\): values must have .*\(2\), got 3",
    ),
    (
        "pc value nan",
        lambda: S.piecewise_constant([5], [1.0, NAN]),
        V,
        msg("piecewise_constant", "values[1]", "nan"),
    ),
    (
        "pc no values",
        lambda: S.piecewise_constant([], []),
        V,
        msg("piecewise_constant", "values", "[]", "a list of at least 1"),
    ),
    (
        "pc value str",
        lambda: S.piecewise_constant([5], [1.0, "a"]),
        T,
        msg("piecewise_constant", "values[1]", "'a'"),
    ),
    (
        "pl unsorted",
        lambda: S.piecewise_linear([5, 2], [1.0, 0.5]),
        V,
        msg("piecewise_linear", "boundaries", "[5, 2]", "strictly"),
    ),
    (
        "pl lengths",
        lambda: S.piecewise_linear([2, 5], [1.0]),
        V,
        r"^piecewise_linear\(\): values must have as many entries as boundaries \(2\), got 1",
    ),
    (
        "pl empty",
        lambda: S.piecewise_linear([], []),
        V,
        msg("piecewise_linear", "boundaries", "[]", "a list of at least 1"),
    ),
    (
        "pl None",
        lambda: S.piecewise_linear(None, [1.0]),
        T,
        msg("piecewise_linear", "boundaries", "None"),
    ),
    (
        "tri inc 0",
        lambda: S.triangular(0.0, 1.0, 10, 0.0),
        V,
        msg("triangular", "inc_fraction", "0.0", r"a finite number in \(0, 1\]"),
    ),
    (
        "tri inc >1",
        lambda: S.triangular(0.0, 1.0, 10, 1.5),
        V,
        msg("triangular", "inc_fraction", "1.5", r"a finite number in \(0, 1\]"),
    ),
    ("tri steps", lambda: S.triangular(0.0, 1.0, -10), V, msg("triangular", "steps", "-10")),
    ("join short", lambda: S.join([C], []), V, r"^join\(\): schedules must hold at least 2"),
    (
        "join lengths",
        lambda: S.join([C, C, C], [5]),
        V,
        r"^join\(\): boundaries must have one entry fewer than schedules \(2\), got 1",
    ),
    (
        "join too many",
        lambda: S.join([C, C], [5, 9]),
        V,
        r"^join\(\): boundaries must have .*\(1\), got 2",
    ),
    (
        "join unsorted",
        lambda: S.join([C, C, C], [9, 5]),
        V,
        msg("join", "boundaries", "[9, 5]", "strictly increasing"),
    ),
    (
        "join not sched",
        lambda: S.join([C, 1.0], [5]),
        T,
        msg("join", "schedules[1]", "1.0 (float)", "a jaxlrs Schedule"),
    ),
    ("join str", lambda: S.join("ab", [5]), T, msg("join", "schedules", "'ab'")),
    (
        "warmup steps -1",
        lambda: S.warmup(C, -1),
        V,
        msg("warmup", "steps", "-1", "a non-negative integer"),
    ),
    (
        "warmup shape",
        lambda: S.warmup(C, 5, shape="cubic"),
        V,
        msg("warmup", "shape", "'cubic'", "one of 'linear'"),
    ),
    (
        "warmup shape int",
        lambda: S.warmup(C, 5, shape=1),
        T,
        msg("warmup", "shape", "1 (int)", "one of"),
    ),
    (
        "warmup exp init 0",
        lambda: S.warmup(C, 5, shape="exponential"),
        V,
        r"^warmup\(\): init must be positive for shape='exponential'.*0\.0",
    ),
    (
        "warmup not sched",
        lambda: S.warmup(0.1, 5),
        T,
        msg("warmup", "schedule", "0.1 (float)", "a jaxlrs Schedule"),
    ),
    ("warmup init nan", lambda: S.warmup(C, 5, init=NAN), V, msg("warmup", "init", "nan")),
    ("cooldown start", lambda: S.cooldown(C, -1, 5), V, msg("cooldown", "start", "-1")),
    (
        "cooldown steps",
        lambda: S.cooldown(C, 1, 0),
        V,
        msg("cooldown", "steps", "0", "a positive integer"),
    ),
    (
        "cooldown shape",
        lambda: S.cooldown(C, 1, 5, shape="step"),
        V,
        msg("cooldown", "shape", "'step'"),
    ),
    (
        "cooldown exp end",
        lambda: S.cooldown(C, 1, 5, shape="exponential"),
        V,
        r"^cooldown\(\): end must be positive for shape='exponential'",
    ),
    ("cycle period 0", lambda: S.cycle(C, 0), V, msg("cycle", "period", "0", "a positive integer")),
    (
        "cycle mult <1",
        lambda: S.cycle(C, 5, 0.5),
        V,
        msg("cycle", "period_mult", "0.5", r"a finite number in \[1, inf\)"),
    ),
    ("cycle mult nan", lambda: S.cycle(C, 5, NAN), V, msg("cycle", "period_mult", "nan")),
    ("cycle decay 0", lambda: S.cycle(C, 5, decay=0.0), V, msg("cycle", "decay", "0.0")),
    (
        "cycle limit 0",
        lambda: S.cycle(C, 5, limit=0),
        V,
        msg("cycle", "limit", "0", "a positive integer"),
    ),
    ("cycle limit 1.5", lambda: S.cycle(C, 5, limit=1.5), V, msg("cycle", "limit", "1.5")),
    (
        "cycle not sched",
        lambda: S.cycle(lambda t: t, 5),
        T,
        msg("cycle", "schedule", "<function", "a jaxlrs"),
    ),
    ("shift -1", lambda: S.shift(C, -1), V, msg("shift", "steps", "-1", "a non-negative integer")),
    ("shift float", lambda: S.shift(C, 0.5), V, msg("shift", "steps", "0.5")),
    (
        "stretch 0",
        lambda: S.stretch(C, 0),
        V,
        msg("stretch", "factor", "0", r"a finite number in \(0, inf\)"),
    ),
    ("stretch inf", lambda: S.stretch(C, INF), V, msg("stretch", "factor", "inf")),
    ("scale nan", lambda: S.scale(C, NAN), V, msg("scale", "factor", "nan")),
    ("scale str", lambda: S.scale(C, "2"), T, msg("scale", "factor", "'2'")),
    (
        "clip low>high",
        lambda: S.clip(C, 0.5, 0.1),
        V,
        r"^clip\(\): low must be <= high, got low=0\.5, high=0\.1",
    ),
    ("clip low nan", lambda: S.clip(C, NAN), V, msg("clip", "low", "nan")),
    ("clip high str", lambda: S.clip(C, high="1"), T, msg("clip", "high", "'1'")),
    (
        "minimum one",
        lambda: S.minimum(C),
        V,
        r"^minimum\(\): needs at least 2 schedules or numbers, got 1",
    ),
    (
        "minimum numbers",
        lambda: S.minimum(1.0, 2.0),
        T,
        r"^minimum\(\): at least one argument must be a jaxlrs Schedule",
    ),
    ("minimum nan", lambda: S.minimum(C, NAN), V, msg("minimum", "argument 1", "nan")),
    ("maximum str", lambda: S.maximum(C, "x"), T, msg("maximum", "argument 1", "'x'")),
    (
        "from_fn number",
        lambda: S.from_fn(0.1),
        T,
        r"^from_fn\(\): fn must be a function of the step, got 0\.1 \(float\)",
    ),
    (
        "from_fn schedule",
        lambda: S.from_fn(C),
        T,
        r"^from_fn\(\): fn must be a function of the step",
    ),
    ("divide by zero", lambda: C / 0, V, r"^arithmetic\(\): cannot divide a schedule by zero"),
    (
        "divide by a zero schedule",
        lambda: C / S.constant(0.0),
        V,
        r"^arithmetic\(\): cannot divide by a schedule that is zero, got right=constant\(0\.0\)",
    ),
    ("add nan", lambda: C + NAN, V, msg("arithmetic", "right", "nan")),
    ("radd inf", lambda: INF + C, V, msg("arithmetic", "left", "inf")),
    ("sgdr period 0", lambda: S.sgdr(1.0, 0), V, msg("sgdr", "period", "0", "a positive integer")),
    ("sgdr mult", lambda: S.sgdr(1.0, 10, period_mult=0.5), V, msg("sgdr", "period_mult", "0.5")),
    ("sgdr decay", lambda: S.sgdr(1.0, 10, decay=-1.0), V, msg("sgdr", "decay", "-1.0")),
    ("sgdr warmup", lambda: S.sgdr(1.0, 10, warmup=-1), V, msg("sgdr", "warmup", "-1")),
    ("sgdr limit", lambda: S.sgdr(1.0, 10, limit=0), V, msg("sgdr", "limit", "0")),
    ("sgdr peak nan", lambda: S.sgdr(NAN, 10), V, msg("sgdr", "peak", "nan")),
    ("sgdr end inf", lambda: S.sgdr(1.0, 10, end=INF), V, msg("sgdr", "end", "inf")),
    (
        "wc warmup>=steps",
        lambda: S.warmup_cosine(1.0, 100, 100),
        V,
        r"^warmup_cosine\(\): warmup must be smaller than steps.*warmup=100, steps=100",
    ),
    ("wc steps 0", lambda: S.warmup_cosine(1.0, 0, 0), V, msg("warmup_cosine", "steps", "0")),
    ("wc warmup -1", lambda: S.warmup_cosine(1.0, -1, 10), V, msg("warmup_cosine", "warmup", "-1")),
    (
        "wc shape",
        lambda: S.warmup_cosine(1.0, 1, 10, shape="x"),
        V,
        msg("warmup_cosine", "shape", "'x'"),
    ),
    (
        "wc exponent",
        lambda: S.warmup_cosine(1.0, 1, 10, exponent=0.0),
        V,
        msg("warmup_cosine", "exponent", "0.0"),
    ),
    (
        "wc peak bool",
        lambda: S.warmup_cosine(False, 1, 10),
        T,
        msg("warmup_cosine", "peak", "False (bool)"),
    ),
]


@pytest.mark.parametrize(
    ("thunk", "exc", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_hyperparameter_raises(thunk, exc, pattern):
    with pytest.raises(exc, match=pattern):
        thunk()


def test_every_core_constructor_has_a_validation_case():
    names = {re.match(r"\^?(\w+)", c[3].lstrip("^")).group(1) for c in CASES}
    core = {
        "constant", "linear", "polynomial", "cosine", "exponential", "inverse_time",
        "step_decay", "multistep", "piecewise_constant", "piecewise_linear", "triangular",
        "join", "warmup", "cooldown", "cycle", "shift", "stretch", "scale", "clip", "minimum",
        "maximum", "from_fn", "arithmetic", "sgdr", "warmup_cosine",
    }  # fmt: skip
    assert core <= names, core - names


@pytest.mark.parametrize(
    "thunk",
    [
        lambda: S.linear(np.float32(1.0), np.int64(0), np.int32(10)),
        lambda: S.linear(1.0, 0.0, 1e4),  # an integral float is a whole number of steps
        lambda: S.multistep(1.0, np.array([3, 5])),
        lambda: S.multistep(1.0, [3, 3]),  # repeated milestones decay twice, as in PyTorch
        lambda: S.cycle(C, 5, period_mult=2.0),
        lambda: S.warmup(C, 0),
        lambda: S.linear(1.0, 0.0, 2**40),
        lambda: S.inverse_time(1.0, 0.0),
        lambda: S.clip(C, 0.5, 0.5),
    ],
)
def test_good_edge_values_are_accepted(thunk):
    assert isinstance(thunk(), S.Schedule)


def test_traced_values_are_not_checked():
    # A negative traced length cannot be inspected at construction: documented, not raised.
    out = jax.jit(lambda n: S.linear(1.0, 0.0, n)(3))(-5)
    assert out.shape == ()
    out = jax.jit(lambda lo, hi: S.clip(C, lo, hi)(0))(0.5, 0.1)
    assert out.shape == ()


# -- issue 8 #9: the representable range (generated) --------------------------------------

TINY = float(np.finfo(np.float32).tiny)
HUGE = float(np.finfo(np.float32).max)
LARGEST = HUGE / 2  # so that the difference of two values is finite
SMALLEST = 2.0**-92  # so that products with fractions are not flushed to 0
REPR = "representable in float32"

# Magnitudes across and beyond float32's range, both signs, ints beyond float64 too.
MAGNITUDES = st.one_of(
    st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False, allow_subnormal=True),
    st.builds(lambda m, e: m * 10.0**e, st.floats(-9.99, 9.99), st.integers(-50, 50)),
    st.integers(-(10**400), 10**400),
    st.sampled_from(
        [
            *[TINY, -SMALLEST, HUGE, -LARGEST, np.nextafter(SMALLEST, 0.0)],
            *[np.nextafter(LARGEST, HUGE), -0.0, 1e-45, 1e-39, 1e-38, 3e38],
        ]
    ),
)


def _representable(x):
    return x == 0 or SMALLEST <= abs(x) <= LARGEST


@settings(max_examples=150, deadline=None)
@given(x=MAGNITUDES, where=st.sampled_from(["constant", "linear.end", "values[1]", "scale"]))
def test_values_outside_float32_are_rejected_with_the_rule(x, where):
    """A value is accepted iff it is 0 or a float32 normal magnitude; rejected ones raise
    ValueError naming function and parameter (never OverflowError); accepted ones evaluate
    to float32(x) exactly (constant) or stay finite."""
    make, fn, param = {
        "constant": (lambda v: S.constant(v), "constant", "value"),
        "linear.end": (lambda v: S.linear(0.0, v, 10), "linear", "end"),
        "values[1]": (
            lambda v: S.piecewise_constant([5], [1.0, v]),
            "piecewise_constant",
            "values[1]",
        ),
        "scale": (lambda v: S.scale(C, v), "scale", "factor"),
    }[where]
    if _representable(x):
        s = make(x)
        out = np.asarray(s(np.array([0, 5, 10, 2**31 - 1])))
        assert np.isfinite(out).all()
        if where == "constant":
            assert out[0] == np.float32(x)
    else:
        with pytest.raises(ValueError, match=rf"^{fn}\(\): {re.escape(param)} must be .*{REPR}"):
            make(x)


@settings(max_examples=100, deadline=None)
@given(
    n=st.one_of(
        st.integers(1, 10**400), st.sampled_from([2**31, 2**63, 2**64, int(LARGEST), int(HUGE)])
    )
)
def test_step_counts_beyond_float32_are_rejected(n):
    """A step count is accepted iff it is at most half float32's largest (above 2**31 it
    travels as a float); then the schedule is finite, and right (float64 oracle) at 0, 1
    and 2**24 + 1."""
    if n <= LARGEST:
        s = S.linear(1.0, 0.0, n)
        ts = np.array([0, 1, 2**24 + 1, 2**31 - 1])
        want = np.maximum(0.0, 1.0 - np.minimum(ts, float(n)) / float(n))
        got = np.asarray(s(ts))
        assert np.isfinite(got).all()
        # (the precision at counts just above 2**31 is issue 8 #1's: 0 instead of 4.7e-10)
        np.testing.assert_allclose(got[:3], want[:3], rtol=2e-6, atol=1e-10)
    else:
        with pytest.raises(ValueError, match=r"^linear\(\): steps must be a positive integer no"):
            S.linear(1.0, 0.0, n)


@pytest.mark.parametrize(
    ("thunk", "pattern"),
    [
        (lambda: S.constant(1e39), r"^constant\(\): value must be .*representable.*got 1e\+39"),
        (lambda: S.constant(10**400), r"^constant\(\): value must be .*got 1\.000e\+400$"),
        (lambda: S.linear(1.0, 0.0, 10**400), r"^linear\(\): steps must be .*got 1\.000e\+400"),
        (lambda: S.lr_range(1e-50, 1.0, 100), r"^lr_range\(\): low must be .*got 1e-50"),
        (
            lambda: S.warmup_exponential(1.0, 10, 100, rate=1e-50),
            r"^warmup_exponential\(\): rate must be .*representable.*got 1e-50",
        ),
        (
            lambda: S.triangular(0.0, 1.0, 10, inc_fraction=1e-45),
            r"^triangular\(\): inc_fraction must be .*representable.*got 1e-45",
        ),
        (
            lambda: S.piecewise_constant([2**400], [1.0, 2.0]),
            r"^piecewise_constant\(\): boundaries\[0\]",
        ),
        (lambda: S.constant(np.float64(1e-40)), r"^constant\(\): value must be .*got np\.float64"),
    ],
    ids=[
        "1e39",
        "10**400",
        "steps 10**400",
        "lr_range",
        "warmup_exp rate",
        "inc_fraction",
        "boundary",
        "np",
    ],
)
def test_issue_cases_are_rejected(thunk, pattern):
    with pytest.raises(ValueError, match=pattern):
        thunk()


@settings(max_examples=80, deadline=None)
@given(
    low=st.builds(lambda e: 10.0**e, st.floats(-31, 38.5)),
    high=st.builds(lambda e: 10.0**e, st.floats(-31, 38.5)),
)
def test_exponential_ramp_ratio_rule(low, high):
    """An exponential ramp is accepted iff both ends are float32 normals and the larger is
    at most float32's largest value times the smaller; accepted ones are finite and within
    the contract of the float64 geometric ramp."""
    ok = _representable(low) and _representable(high) and max(low, high) / min(low, high) <= HUGE
    if not ok:
        with pytest.raises(ValueError, match=r"^lr_range\(\): (low|high)"):
            S.lr_range(low, high, 100)
        return
    s = S.lr_range(low, high, 100)
    ts = np.arange(0, 101)
    want = np.exp(np.log(low) + ts / 100 * (np.log(high) - np.log(low)))
    got = np.asarray(s(ts), np.float64)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-10 * max(low, high))


@pytest.mark.parametrize(
    ("thunk", "pattern"),
    [
        (
            lambda: S.one_cycle(1e-27, 100, div_factor=1e10, shape="exponential"),
            r"^one_cycle\(\): peak / div_factor must be at least 2\*\*-92",
        ),
        (
            lambda: S.one_cycle(1e-20, 100, final_div_factor=1e20, shape="exponential"),
            r"^one_cycle\(\): peak / div_factor / final_div_factor must be at least",
        ),
        (
            lambda: S.sgdr(1.0, 10, period_mult=1e30),
            r"^sgdr\(\): period_mult must be a finite number >= 1 and at most 2\*\*31",
        ),
        (lambda: S.cycle(C, 10, period_mult=2**31 + 1), r"^cycle\(\): period_mult must be"),
        (
            lambda: S.compat.keras.CosineDecayRestarts(0.1, 10, t_mul=1e30),
            r"^CosineDecayRestarts\(\): t_mul must be .*at most 2\*\*31",
        ),
        (
            lambda: S.compat.torch.CosineAnnealingWarmRestarts(0.1, 10, T_mult=2**40),
            r"^CosineAnnealingWarmRestarts\(\): T_mult must be an integer >= 1 and at most",
        ),
        (
            lambda: S.compat.torch.OneCycleLR(1.0, epochs=10**38, steps_per_epoch=10),
            r"^OneCycleLR\(\): epochs \* steps_per_epoch must be at most 1\.7014117e\+38",
        ),
        (
            lambda: S.compat.transformers.get_cosine_with_min_lr_schedule_with_warmup(
                1e-3, 10, 100, min_lr=1e36
            ),
            r"^get_cosine_with_min_lr_schedule_with_warmup\(\): min_lr / peak must be at most",
        ),
        (
            lambda: S.compat.keras.CosineDecay(0.1, 100, alpha=1e20, warmup_target=1e20),
            r"^CosineDecay\(\): alpha \* warmup_target must be at most 1\.7014117e\+38",
        ),
        (
            lambda: S.compat.keras.CosineDecayRestarts(1e20, 10, alpha=1e20),
            r"^CosineDecayRestarts\(\): alpha \* initial_learning_rate must be at most",
        ),
        (
            lambda: S.compat.torch.OneCycleLR(1e30, 100, div_factor=1e-10),
            r"^OneCycleLR\(\): max_lr / div_factor must be at most 1\.7014117e\+38",
        ),
        (
            lambda: S.one_cycle(1e30, 100, final_div_factor=1e-10, div_factor=1.0),
            r"^one_cycle\(\): peak / div_factor / final_div_factor must be at most",
        ),
    ],
    ids=[
        *["div", "final_div", "sgdr mult", "cycle mult", "t_mul", "T_mult", "epochs", "min_lr"],
        *["keras alpha", "keras restarts alpha", "torch div", "one_cycle div"],
    ],
)
def test_combinations_that_overflow_are_rejected(thunk, pattern):
    with pytest.raises(ValueError, match=pattern):
        thunk()


@pytest.mark.parametrize(
    ("thunk", "pattern"),
    [
        (
            lambda: S.warmup(S.constant(-1.0), 10, 0.1, shape="exponential"),
            r"^warmup\(\): schedule\(0\) must be positive for shape='exponential'.*got -1\.0$",
        ),
        (
            lambda: S.cooldown(S.linear(1.0, -1.0, 10), 2**40, 5, 0.1, shape="exponential"),
            r"^cooldown\(\): schedule\(start\) must be positive.*got -1\.0$",
        ),
        (
            lambda: S.warmup_linear(-1.0, 10, 100, init=0.1, shape="exponential"),
            r"^warmup_linear\(\): peak must be positive for shape='exponential'",
        ),
        (
            lambda: S.wsd(0.0, 10, 100, 20, shape="exponential", end=0.1),
            r"^wsd\(\): peak must be positive for shape='exponential'",
        ),
    ],
    ids=["warmup", "cooldown beyond int32", "warmup_linear", "wsd"],
)
def test_issue_exponential_targets_are_rejected(thunk, pattern):
    """Issue 8 #10's quoted cases (the target check must not be skipped silently)."""
    with pytest.raises(ValueError, match=pattern):
        thunk()


@pytest.mark.parametrize("mult", [2, 2.5, 2**20, 1e9, 2**31])
def test_period_mult_up_to_the_bound_evaluates(mult):
    """At the bound the cycles are still located: finite, restarts at the exact steps."""
    s = S.sgdr(1.0, 10, period_mult=mult)
    out = np.asarray(s(np.array([0, 9, 10, 11, 2**24 + 1, 2**31 - 1])))
    assert np.isfinite(out).all()
    assert out[0] == 1.0 and out[2] == 1.0


# -- issue 8 #10: exponential ramps onto another schedule's value (generated) --------------

CHILD_VALUES = st.sampled_from([-1.0, -1e-3, 0.0, -0.0, 1e-27, 1e-3, 0.5, 2.0, 1e30])
# (1e-27 / 0.1 and 1e30 / 1e-27 are within the ratio rule; 1e30 / 1e-3 too)


@st.composite
def _child(draw):
    kind = draw(st.sampled_from(["constant", "linear", "cosine", "warmup_constant"]))
    a, b = draw(CHILD_VALUES), draw(CHILD_VALUES)
    n = draw(st.integers(1, 50))
    if kind == "constant":
        return S.constant(a)
    if kind == "linear":
        return S.linear(a, b, n)
    if kind == "cosine":
        return S.cosine(a, n, end=b)
    return S.warmup_constant(a, n, init=b)


def _target(s, t):
    """(x64 value, smallest float32 value) of ``s`` at ``t``: the float32 paths (the eager
    call, ``_evaluate``) can round a tiny positive value to 0 by cancellation --
    ``cosine(1e-27, 1, end=-1.0)(0)``, issue 8 #5 -- and the check then rejects it."""
    with jax.enable_x64(True):
        wide = float(s._evaluate(t))
    return wide, min(float(s(t)), float(s._evaluate(t)))


@settings(max_examples=60, deadline=None)
@given(child=_child(), init=st.sampled_from([1e-3, 0.5, 3.0]), steps=st.integers(1, 20))
def test_exponential_warmup_checks_its_target(child, init, steps):
    """``warmup(s, n, init, shape='exponential')`` ramps onto ``s(0)``: rejected when that
    is not positive or below 2**-92 (naming the function, the shape and the value), else
    finite."""
    wide, narrow = _target(child, 0)
    if min(wide, narrow) >= SMALLEST:
        s = S.warmup(child, steps, init, shape="exponential")
        # Steps 0 .. steps + 59, evaluated as one length (80) for every example: one compile.
        assert np.isfinite(np.asarray(s(np.arange(80)))[: steps + 60]).all()
    elif wide <= 0:
        pattern = r"^warmup\(\): schedule\(0\) must be positive for shape='exponential'.*got "
        with pytest.raises(ValueError, match=pattern + re.escape(repr(narrow))):
            S.warmup(child, steps, init, shape="exponential")
    elif wide < SMALLEST:
        with pytest.raises(ValueError, match=r"^warmup\(\): schedule\(0\) must be at least 2"):
            S.warmup(child, steps, init, shape="exponential")


@settings(max_examples=60, deadline=None)
@given(child=_child(), end=st.sampled_from([1e-3, 0.5, 3.0]), start=st.integers(0, 60))
def test_exponential_cooldown_checks_its_source(child, end, start):
    wide, narrow = _target(child, start)
    if min(wide, narrow) >= SMALLEST:
        s = S.cooldown(child, start, 10, end, shape="exponential")
        # Steps 0 .. start + 19, evaluated as one length (80) for every example: one compile.
        assert np.isfinite(np.asarray(s(np.arange(80)))[: start + 20]).all()
    elif wide < SMALLEST:
        pattern = r"^cooldown\(\): schedule\(start\) must be (positive|at least 2\*\*-92)"
        with pytest.raises(ValueError, match=pattern):
            S.cooldown(child, start, 10, end, shape="exponential")


@settings(max_examples=40, deadline=None)
@given(
    peak=CHILD_VALUES,
    fam=st.sampled_from(["warmup_constant", "warmup_linear", "warmup_cosine", "wsd"]),
)
def test_exponential_recipes_check_their_peak(peak, fam):
    make = {
        "warmup_constant": lambda: S.warmup_constant(peak, 10, init=0.1, shape="exponential"),
        "warmup_linear": lambda: S.warmup_linear(peak, 10, 100, init=0.1, shape="exponential"),
        "warmup_cosine": lambda: S.warmup_cosine(peak, 10, 100, init=0.1, shape="exponential"),
        "wsd": lambda: S.wsd(peak, 10, 100, 20, shape="exponential", end=0.1),
    }[fam]
    ratio_ok = peak > 0 and max(peak, 0.1) / min(peak, 0.1) <= HUGE
    if ratio_ok:
        assert np.isfinite(np.asarray(make()(np.arange(0, 110)))).all()
    else:
        with pytest.raises(ValueError, match=rf"^{fam}\(\): peak (must be positive|/ )"):
            make()


def test_exponential_target_traced_is_not_checked():
    # Documented: a traced target cannot be checked at construction.
    out = jax.jit(lambda p: S.warmup(S.constant(p), 10, 0.1, shape="exponential")(5))(2.0)
    assert np.isfinite(out)


@settings(max_examples=60, deadline=None)
@given(
    a=st.sampled_from([LARGEST, -LARGEST, 1e38, -1e38, SMALLEST, -SMALLEST, 0.0, 1.0]),
    b=st.sampled_from([LARGEST, -LARGEST, 1e38, -1e38, SMALLEST, -SMALLEST, 0.0, 1.0]),
    kind=st.sampled_from(["linear", "cosine", "polynomial", "triangular", "piecewise_linear"]),
)
def test_values_at_the_bound_interpolate_finitely(a, b, kind):
    """At the bound (half float32's largest) the difference of two values is finite, so an
    interpolation between opposite extremes is finite and close to the float64 oracle."""
    from tests._oracles import assert_close, oracle

    s = {
        "linear": lambda: S.linear(a, b, 100),
        "cosine": lambda: S.cosine(a, 100, end=b),
        "polynomial": lambda: S.polynomial(a, b, 100, power=2.0),
        "triangular": lambda: S.triangular(a, b, 100),
        "piecewise_linear": lambda: S.piecewise_linear([0, 50], [a, b]),
    }[kind]()
    ts = np.array([0, 1, 25, 49, 50, 51, 99, 100, 2**31 - 1])
    got = np.asarray(s(ts))
    assert np.isfinite(got).all()
    # Finite and right to float32's resolution of the span; the contract's 1e-10 where a
    # curve crosses zero is issue 8 #5's (cosine(1.0, 100, end=-1.0)(50) is -6e-8).
    assert_close(got, oracle(s, ts), absolute=2.4e-7, steps=ts)
