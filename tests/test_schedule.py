"""SPEC §1 items 1-4 and 8: the Schedule type, steps, dtypes, clamping, repr, equality,
hashing, pickling, immutability and PyTree behaviour, for every core constructor."""

import copy
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _oracles import CASES, SMALL_STEPS, halving, oracle
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlrs

NAMES = sorted(CASES)
ROUND_TRIP = [n for n in NAMES if CASES[n].name != "from_fn"]
"""Every case whose repr is a jaxlrs expression (``from_fn`` names a Python function)."""

REPRESENTATIVE = ["linear", "cycle_mult", "rdiv"]
"""A few structurally different cases for the (compile-heavy) matrix of step types."""

STEPS = jnp.arange(-8, 56)
"""The int32 steps most tests use (one shape, so the jitted evaluation is compiled once)."""


def _strong_float32(x):
    assert isinstance(x, jax.Array), type(x)
    assert x.dtype == jnp.float32, x.dtype
    assert not x.weak_type


# -- §1.1 type --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_type_and_callable(name):
    s = CASES[name]
    assert isinstance(s, jaxlrs.Schedule)
    assert callable(s)


# -- §1.2 steps, §1.3 dtypes ------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_dtype_elementwise_and_negative_steps(name):
    s = CASES[name]
    flat = s(STEPS)
    _strong_float32(flat)
    assert flat.shape == STEPS.shape
    # Elementwise: the same values, bit for bit, under vmap.
    np.testing.assert_array_equal(np.asarray(jax.vmap(s)(STEPS)), np.asarray(flat))
    # §1.4: negative steps take the value at step 0.
    np.testing.assert_array_equal(np.asarray(flat[:9]), np.asarray(flat[8]))


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_output_has_the_step_shape(name):
    s = CASES[name]
    flat = np.asarray(s(jnp.arange(64)))
    for shape in [(64,), (4, 16), (4, 2, 8), (1, 64, 1)]:
        out = s(jnp.arange(64).reshape(shape))
        _strong_float32(out)
        assert out.shape == shape
        np.testing.assert_allclose(np.asarray(out).ravel(), flat, rtol=1e-6, atol=0)
    one = s(7)
    _strong_float32(one)
    assert one.shape == ()
    assert float(one) == pytest.approx(float(flat[7]), rel=1e-6)


STEP_KINDS = {
    "int": (7, ()),
    "float": (7.0, ()),
    "fraction": (2.5, ()),
    "np.int32": (np.int32(7), ()),
    "np.int64": (np.int64(7), ()),
    "np.float32": (np.float32(2.5), ()),
    "np.float64": (np.float64(7.0), ()),
    "jnp.int32": (jnp.int32(7), ()),
    "jnp.float32": (jnp.float32(2.5), ()),
    "list": ([0, 3, 7], (3,)),
    "np.int64 2-D": (np.arange(6, dtype=np.int64).reshape(2, 3), (2, 3)),
    "np.float64 3-D": (np.arange(8, dtype=np.float64).reshape(2, 2, 2) / 2, (2, 2, 2)),
    "jnp.uint8": (jnp.arange(5, dtype=jnp.uint8), (5,)),
    "jnp int32 0-D array": (jnp.asarray(7), ()),
    "empty": (np.zeros((0,), np.int32), (0,)),
}


@pytest.mark.parametrize("kind", list(STEP_KINDS))
@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_step_kinds(name, kind):
    s = CASES[name]
    step, shape = STEP_KINDS[kind]
    out = s(step)
    _strong_float32(out)
    assert out.shape == shape
    want = oracle(s, np.asarray(step, np.float64))
    np.testing.assert_allclose(np.asarray(out, np.float64), want, rtol=2e-6, atol=1e-7)


BAD_STEPS = st.one_of(
    st.booleans(),
    st.booleans().map(np.bool_),
    st.complex_numbers(allow_nan=False),
    st.complex_numbers(max_magnitude=1e30, allow_nan=False).map(np.complex64),
    st.text(max_size=5),
    st.none(),
    st.builds(object),
    st.just(b"10"),
    st.lists(st.text(max_size=2), min_size=1, max_size=3),
    st.lists(st.booleans(), min_size=1, max_size=3),
    st.lists(st.none(), min_size=1, max_size=3),
    st.just([[1], [1, 2]]),  # ragged
    st.sampled_from([np.bool_, np.complex64, np.complex128, "U3", object]).map(
        lambda dtype: np.zeros((2,), dtype)
    ),
    st.sampled_from([jnp.bool_, jnp.complex64]).map(lambda dtype: jnp.zeros((3,), dtype)),
)


@settings(max_examples=80, deadline=None)
@given(BAD_STEPS)
def test_a_bad_step_raises_a_type_error_naming_the_call(step):
    s = CASES["linear"]
    with pytest.raises(
        TypeError, match=r"^linear\(\.\.\.\)\(step\): step must be a Python int or float"
    ):
        s(step)


@pytest.mark.parametrize("dtype", [jnp.complex64, jnp.bool_])
def test_a_bad_traced_step_raises_under_jit_and_vmap(dtype):
    s = CASES["cycle_mult"]
    with pytest.raises(TypeError, match=r"^cycle\(\.\.\.\)\(step\): step must be"):
        jax.jit(s)(jnp.zeros(3, dtype))
    with pytest.raises(TypeError, match=r"^cycle\(\.\.\.\)\(step\): step must be"):
        jax.vmap(s)(jnp.zeros(3, dtype))


GOOD_STEPS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(-1e30, 1e30),
    st.integers(-(2**31), 2**31 - 1).map(np.int32),
    st.integers(0, 2**64 - 1).map(np.uint64),
    st.floats(-1e4, 1e4).map(np.float16),
    st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=4),
    st.lists(st.integers(-(2**70), 2**70), min_size=1, max_size=4),
    st.lists(st.floats(0, 1e6), min_size=1, max_size=4).map(tuple),
    st.integers(1, 50).map(range),
)


@settings(max_examples=60, deadline=None)
@given(GOOD_STEPS)
def test_every_kind_of_step_the_spec_allows_evaluates(step):
    s = CASES["linear"]
    out = s(step)
    _strong_float32(out)
    assert out.shape == np.shape(np.asarray(step))
    assert np.isfinite(np.asarray(out)).all()


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_integral_float_steps_equal_int_steps(name):
    s = CASES[name]
    ints = s(SMALL_STEPS)
    floats = s(SMALL_STEPS.astype(np.float32))
    np.testing.assert_allclose(np.asarray(floats), np.asarray(ints), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", [*REPRESENTATIVE, "from_fn"])
def test_float64_under_x64(name):
    s = CASES[name]
    assert s(3).dtype == jnp.float32
    with jax.enable_x64(True):
        out = s(jnp.arange(64))
        assert out.dtype == jnp.float64 and not out.weak_type
        assert s(3).dtype == jnp.float64  # the cached jitted path respects x64
        np.testing.assert_allclose(np.asarray(out), oracle(s, SMALL_STEPS), rtol=1e-12, atol=0)
    assert s(3).dtype == jnp.float32  # and x64 off again afterwards


# -- §1.4 negative steps and past the end ------------------------------------------------------


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_very_negative_and_fractional_negative_steps(name):
    s = CASES[name]
    got = np.asarray(s(jnp.array([0, -1, -7, -(2**31)])))
    np.testing.assert_array_equal(got, got[0])
    assert float(s(-3.5)) == float(s(0.0))


HOLDS = {
    "linear": 16,
    "linear_up": 12,
    "polynomial": 16,
    "polynomial_sqrt": 16,
    "polynomial_p1": 10,
    "cosine": 16,
    "cosine_opts": 16,
    "cosine_k": 16,
    "cosine_k_small": 16,
    "exponential_end": 9,
    "exponential_growth": 15,
    "multistep": 12,
    "piecewise_constant": 15,
    "piecewise_linear": 14,
    "piecewise_linear_1": 5,
    "triangular": 16,
    "triangular_slanted": 16,
    "triangular_ramp": 8,
    "join": 16,
    **{f"warmup_{shape}": 26 for shape in ("linear", "cosine", "sqrt", "1-sqrt", "exponential")},
    "warmup_zero": 8,
    **{f"cooldown_{shape}": 22 for shape in ("linear", "cosine", "sqrt", "1-sqrt", "exponential")},
    "cycle_mult": 28,
    "shift": 13,
    "scale": 16,
    "clip": 12,
    "clip_low": 12,
    "minimum": 20,
    "maximum": 16,
    "add": 10,
    "rmul": 16,
    "sub": 16,
    "div": 10,
    "rdiv": 12,
    "sgdr_opts": 31,
    "warmup_cosine": 20,
    "warmup_cosine_opts": 24,
}
"""Finite cases and the step from which their last value holds."""


@pytest.mark.parametrize("name", sorted(HOLDS))
def test_past_the_end_holds(name):
    s, end = CASES[name], HOLDS[name]
    steps = jnp.resize(jnp.array([end, end + 1, end + 17, 10**6, 2**31 - 1]), STEPS.shape)
    got = np.asarray(s(steps))
    np.testing.assert_array_equal(got, got[0])
    if name != "piecewise_linear_1":  # (a single knot is constant)
        assert got[0] != float(s(end - 1))  # the last value is reached exactly at `end`


# -- §1.8 repr, equality, hashing, round trips --------------------------------------------------


@pytest.mark.parametrize(
    ("s", "text"),
    [
        (jaxlrs.warmup(jaxlrs.cosine(0.001, 10000), 500), "warmup(cosine(0.001, 10000), 500)"),
        (jaxlrs.cosine(1.0, 10, end=0.5), "cosine(1.0, 10, end=0.5)"),
        (jaxlrs.exponential(1.0, 0.5, staircase=True), "exponential(1.0, 0.5, staircase=True)"),
        (jaxlrs.multistep(1.0, (3, 5)), "multistep(1.0, [3, 5])"),
        (jaxlrs.piecewise_constant(np.array([3]), [1, 0.5]), "piecewise_constant([3], [1, 0.5])"),
        (jaxlrs.linear(jnp.float32(0.5), np.int64(0), 10), "linear(0.5, 0, 10)"),
        (
            jaxlrs.join([jaxlrs.constant(1.0), jaxlrs.constant(0.5)], [10]),
            "join([constant(1.0), constant(0.5)], [10])",
        ),
        (jaxlrs.sgdr(0.001, 1000, period_mult=2), "sgdr(0.001, 1000, period_mult=2)"),
        (jaxlrs.cycle(jaxlrs.constant(1.0), 5, limit=2), "cycle(constant(1.0), 5, limit=2)"),
        (jaxlrs.minimum(jaxlrs.constant(1.0), 0.5), "minimum(constant(1.0), 0.5)"),
        (jaxlrs.constant(1.0) + 0.5, "constant(1.0) + 0.5"),
        (2.0 * jaxlrs.constant(1.0), "2.0 * constant(1.0)"),
        (
            (jaxlrs.constant(1.0) - jaxlrs.constant(0.5)) / 2,
            "(constant(1.0) - constant(0.5)) / 2",
        ),
        (jaxlrs.from_fn(halving), "from_fn(_oracles.halving)"),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_repr_is_the_constructor_expression(s, text):
    assert repr(s) == text


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_repr_rebuilds_an_equal_schedule(name):
    s = CASES[name]
    rebuilt = eval(repr(s), vars(jaxlrs))
    assert isinstance(rebuilt, jaxlrs.Schedule)
    assert rebuilt == s
    assert hash(rebuilt) == hash(s)
    assert repr(rebuilt) == repr(s)


def _perturbed(s):
    """The same structure with every numeric hyperparameter changed."""
    return jax.tree.map(lambda x: x + 1 if isinstance(x, int) else x * 1.5 + 0.25, s)


@pytest.mark.parametrize("name", NAMES)
def test_equality_and_hash(name):
    s = CASES[name]
    twin = jax.tree.unflatten(*reversed(jax.tree.flatten(s)))
    assert twin is not s
    assert twin == s and hash(twin) == hash(s)
    assert not (twin != s)
    other = _perturbed(s)
    if jax.tree.leaves(s):
        assert other != s
    assert s != 1.0 and s != "s" and s is not None


def test_equality_sees_each_hyperparameter_and_the_structure():
    base = jaxlrs.cosine(1.0, 100, end=0.1)
    assert base == jaxlrs.cosine(1.0, 100, end=0.1)
    assert base == jaxlrs.cosine(np.float64(1.0), jnp.int32(100), end=0.1)
    for other in (
        jaxlrs.cosine(2.0, 100, end=0.1),
        jaxlrs.cosine(1.0, 101, end=0.1),
        jaxlrs.cosine(1.0, 100, end=0.2),
        jaxlrs.cosine(1.0, 100, end=0.1, k=2.0),
        jaxlrs.linear(1.0, 0.1, 100),
        jaxlrs.warmup(base, 0),
        jaxlrs.warmup(base, 0, shape="cosine"),
    ):
        assert base != other
    assert jaxlrs.warmup(base, 5, shape="cosine") != jaxlrs.warmup(base, 5, shape="sqrt")
    assert jaxlrs.multistep(1.0, [1, 2]) != jaxlrs.multistep(1.0, [1, 2, 3])
    assert len({base, jaxlrs.cosine(1.0, 100, end=0.1), jaxlrs.cosine(1.0, 99, end=0.1)}) == 2


def test_usable_as_a_static_jit_argument():
    traces = []

    @jax.jit
    def run(t):
        return t

    def f(s, t):
        traces.append(s)
        return s(t)

    g = jax.jit(f, static_argnums=0)
    a = jaxlrs.warmup(jaxlrs.cosine(1e-3, 100), 10)
    b = eval(repr(a), vars(jaxlrs))
    np.testing.assert_array_equal(g(a, jnp.arange(5)), a(jnp.arange(5)))
    g(b, jnp.arange(5))  # equal schedule: cache hit
    assert len(traces) == 1
    g(jaxlrs.warmup(jaxlrs.cosine(2e-3, 100), 10), jnp.arange(5))  # different: retrace
    assert len(traces) == 2


@pytest.mark.parametrize("name", NAMES)
def test_pickle_and_copy(name):
    s = CASES[name]
    back = pickle.loads(pickle.dumps(s))
    assert back == s and hash(back) == hash(s)
    assert copy.copy(s) == s and copy.deepcopy(s) == s
    np.testing.assert_array_equal(np.asarray(back(STEPS)), np.asarray(s(STEPS)))


def test_immutable():
    s = jaxlrs.cosine(1.0, 100)
    with pytest.raises(AttributeError, match="immutable"):
        s.name = "linear"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        s.anything = 1  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="immutable"):
        del s.name  # type: ignore[misc]
    args = s.args
    args["init"] = 5.0
    assert s.args["init"] == 1.0 and float(s(0)) == 1.0
    assert s.name == "cosine"


# -- PyTree ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_pytree_round_trip(name):
    s = CASES[name]
    leaves, treedef = jax.tree.flatten(s)
    assert all(isinstance(x, (int, float)) for x in leaves)
    back = jax.tree.unflatten(treedef, leaves)
    assert back == s and type(back) is jaxlrs.Schedule


def test_pytree_leaves_are_the_numeric_hyperparameters():
    s = jaxlrs.warmup(jaxlrs.cosine(0.5, 100, end=0.25), 10, shape="cosine")
    assert jax.tree.leaves(s) == [0.5, 100, 0.25, 1.0, 1.0, 10, 0.0]
    j = jaxlrs.join([jaxlrs.constant(1.0), jaxlrs.linear(1.0, 0.0, 4)], [3])
    assert jax.tree.leaves(j) == [1.0, 1.0, 0.0, 4, 3]


def test_tree_map_over_a_schedule():
    s = jaxlrs.linear(1.0, 0.5, 10) + jaxlrs.constant(0.25)
    doubled = jax.tree.map(lambda x: x * 2, s)
    assert doubled == jaxlrs.linear(2.0, 1.0, 20) + jaxlrs.constant(0.5)
    np.testing.assert_allclose(doubled(jnp.array([0, 10, 20])), [2.5, 2.0, 1.5])


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_passes_through_jit_as_a_pytree(name):
    s = CASES[name]
    got = jax.jit(lambda s, t: s(t))(s, STEPS)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(s(STEPS)))
    # jax.jit(schedule) itself works too (constants may fold: last-bit differences).
    np.testing.assert_allclose(np.asarray(jax.jit(s)(STEPS)), np.asarray(s(STEPS)), rtol=1e-6)
