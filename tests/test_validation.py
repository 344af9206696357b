"""SPEC §1.7: concrete bad hyperparameters raise ValueError/TypeError with a message that
names the function, the parameter, the value and what is allowed."""

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

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
