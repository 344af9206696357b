"""jaxlrs.define: a user's named schedule behaves like a built-in one.

Values are compared with float64 NumPy evaluations of the same formulas written here;
round trips (repr/parse, to_dict/from_dict through JSON, pickle, also in a fresh process),
tracing (jit without retrace, vmap, grad against the analytic derivative or central
differences), composition (join, warmup, arithmetic, summary, optax, jaxlrs.optax.inject)
and every validation message are checked.
"""

import inspect
import json
import math
import os
import pickle
import subprocess
import sys
from pathlib import Path

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlrs
import jaxlrs.optax as jlo

ROOT = Path(__file__).resolve().parent.parent
BIG = 2**31 - 1
RNG = np.random.default_rng(20261202)
STEPS = np.concatenate(
    [np.arange(-3, 200), RNG.integers(0, BIG, 200), [2**24, 2**24 + 1, 2**30, BIG]]
).astype(np.int64)


# -- definitions used by many tests (names in the test_define namespace) --------------------


@jaxlrs.define("test_define.power")
def power(step, peak: float, steps: int = 1000, alpha: float = 0.5):
    """peak * (1 + step / steps) ** -alpha"""
    return peak * (1 + step / steps) ** -alpha


def power_oracle(t, peak, steps=1000, alpha=0.5):
    t = np.maximum(np.asarray(t, np.float64), 0.0)
    return peak * (1.0 + t / steps) ** -alpha


@jaxlrs.define("test_define.stairs")
def stairs(step, init: float, every: int, factor: float = 0.5):
    """init * factor ** floor(step / every), the stair computed in integers."""
    stair = step // every
    return init * factor ** stair.astype(jnp.result_type(float))


def stairs_oracle(t, init, every, factor=0.5):
    t = np.maximum(np.asarray(t), 0)
    return init * factor ** (t // every).astype(np.float64)


@jaxlrs.define("test_define.knots")
def knots(step, values, boundaries, *, mode: str = "hold", scale: float = 1.0):
    """values[i] after boundaries[i - 1]; a list hyperparameter arrives as an array."""
    i = jnp.searchsorted(boundaries, step, side="right")
    v = values[i] * scale
    return v if mode == "hold" else -v


def knots_oracle(t, values, boundaries, mode="hold", scale=1.0):
    i = np.searchsorted(np.asarray(boundaries), np.maximum(t, 0), side="right")
    v = np.asarray(values, np.float64)[i] * scale
    return v if mode == "hold" else -v


@jaxlrs.define("test_define.warm_cos", builds=True)
def warm_cos(peak: float, steps: int, end: float = 0.0, shape: str = "linear"):
    """A tenth of the steps of warmup, then a cosine to ``end``."""
    w = steps // 10
    return jaxlrs.warmup(jaxlrs.cosine(peak, steps - w, end=end), w, shape=shape)


def warm_cos_oracle(t, peak, steps, end=0.0):
    t = np.maximum(np.asarray(t, np.float64), 0.0)
    w = steps // 10
    n = steps - w
    u = np.minimum(np.maximum(t - w, 0.0), n)
    cos = end + (peak - end) * (1 + np.cos(np.pi * u / n)) / 2
    return np.where(t < w, peak * t / max(w, 1), cos)


@jaxlrs.define("test_define.floor", builds=True)
def floor(schedule, low: float):
    """A schedule argument: ``schedule`` kept at or above ``low``."""
    return jaxlrs.maximum(schedule, jaxlrs.constant(low))


def _count(name):
    """A definition counting its traces (a new trace would show as a new count)."""
    calls = []

    def fn(step, peak: float, alpha: float = 0.5):
        calls.append(1)
        return peak * (1 + step / 1) ** -alpha

    return jaxlrs.define(name, fn), calls


# -- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize("peak", [1e-3, 0.7, 3.0])
@pytest.mark.parametrize("steps", [1, 17, 1000, 2**20])
@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0, 2.0])
def test_formula_matches_float64(peak, steps, alpha):
    s = power(peak, steps, alpha)
    np.testing.assert_allclose(s(STEPS), power_oracle(STEPS, peak, steps, alpha), rtol=1e-5)


@pytest.mark.parametrize("every", [1, 3, 1000, 2**25 + 1])
def test_formula_gets_the_integer_step(every):
    # The stair is integer arithmetic on the int32 step: exact at every step up to 2**31 - 1
    # (a float32 step would be off by one stair beyond 2**24).
    s = stairs(2.0, every, factor=0.5)
    np.testing.assert_allclose(
        s(STEPS), stairs_oracle(STEPS, 2.0, every, 0.5), rtol=2e-6, atol=1e-30
    )


def test_formula_step_is_clamped_int_or_float():
    @jaxlrs.define("test_define.identity")
    def identity(step):
        if jnp.issubdtype(step.dtype, jnp.integer):  # a static branch (on the dtype)
            return step
        return -step - 0.5

    ints = np.arange(-5, 50)
    np.testing.assert_array_equal(identity()(ints), np.maximum(ints, 0))
    # Fractional steps arrive as floats, clamped at 0; a stretched schedule sees t / factor.
    floats = np.linspace(-2.0, 30.0, 65)
    np.testing.assert_allclose(identity()(floats), -np.maximum(floats, 0) - 0.5, rtol=1e-6)
    stretched = jaxlrs.stretch(identity(), 4)
    np.testing.assert_allclose(stretched(ints), -np.maximum(ints, 0) / 4 - 0.5, rtol=1e-6)


@pytest.mark.parametrize("mode", ["hold", "negate"])
def test_list_hyperparameters_arrive_as_arrays(mode):
    values, boundaries = [1.0, 0.5, 0.25, 0.125], [10, 100, 2**30]
    s = knots(values, boundaries, mode=mode, scale=2.0)
    assert s.args["values"] == tuple(values) and s.args["boundaries"] == tuple(boundaries)
    np.testing.assert_allclose(
        s(STEPS), knots_oracle(STEPS, values, boundaries, mode, 2.0), rtol=1e-6
    )


@pytest.mark.parametrize("peak", [0.1, 1.0, 7.5])
@pytest.mark.parametrize("steps", [10, 97, 1000, 2**24 + 7])
def test_builder_matches_float64(peak, steps):
    s = warm_cos(peak, steps, end=0.01 * peak)
    t = np.concatenate([np.arange(-2, 300), RNG.integers(0, 2 * steps, 300), STEPS])
    np.testing.assert_allclose(
        s(t), warm_cos_oracle(t, peak, steps, 0.01 * peak), rtol=2e-6, atol=1e-10 * peak
    )


def test_builder_takes_schedules():
    base = jaxlrs.linear(1.0, 0.0, 100)
    s = floor(base, 0.25)
    t = np.arange(-3, 150)
    np.testing.assert_allclose(s(t), np.maximum(np.clip(1 - np.maximum(t, 0) / 100, 0, 1), 0.25))
    assert repr(s) == "test_define.floor(linear(1.0, 0.0, 100), 0.25)"


def test_call_semantics_like_a_builtin():
    s = power(2.0, alpha=0.25)
    for step in (5, 5.0, np.int64(5), jnp.int32(5), np.arange(6).reshape(2, 3), [1, 2]):
        out = s(step)
        assert isinstance(out, jax.Array) and out.dtype == jnp.float32 and not out.weak_type
        assert out.shape == np.shape(step)
    assert float(s(-7)) == float(s(0)) == 2.0
    with pytest.raises(TypeError, match=r"test_define\.power\(\.\.\.\)\(step\): step must be"):
        s("5")
    with pytest.raises(TypeError, match=r"test_define\.power\(\.\.\.\)\(step\): step must be"):
        s(True)
    # A formula that ignores the step still gives the step's shape.
    flat = jaxlrs.define("test_define.flat", lambda step, v: v)
    assert flat(0.5)(np.arange(4)).tolist() == [0.5] * 4


# -- hyperparameters: roles and normalisation -----------------------------------------------


def test_roles_like_builtins():
    s = knots([1.0, 2.0], [5], mode="hold", scale=3.0)
    leaves, treedef = jax.tree.flatten(s)
    assert leaves == [1.0, 2.0, 5, 3.0]  # numbers and lists are leaves, the string is not
    other = knots([4.0, 5.0], [6], mode="hold", scale=0.5)
    assert jax.tree.structure(other) == treedef
    assert jax.tree.structure(knots([4.0, 5.0], [6], mode="negate")) != treedef
    assert jax.tree.unflatten(treedef, leaves) == s


def test_concrete_arrays_are_stored_as_numbers():
    s = power(np.float64(0.5), jnp.int32(100), alpha=jnp.float32(0.25))
    assert s.args == {"peak": 0.5, "steps": 100, "alpha": 0.25}
    assert type(s.args["steps"]) is int
    assert s == power(0.5, 100, 0.25) and hash(s) == hash(power(0.5, 100, 0.25))
    k = knots(np.array([1.0, 2.0]), jnp.array([3]))
    assert k.args["values"] == (1.0, 2.0) and k.args["boundaries"] == (3,)


@jaxlrs.define("test_define.done")
def done(step, steps: int):
    """The fraction of ``steps`` done (an int beyond int32 arrives as a float)."""
    return jnp.minimum(step / 1 / steps, 1.0)


@pytest.mark.parametrize("steps", [7, 2**31 - 1, 2**40, 3 * 2**52])
def test_big_integer_hyperparameter(steps):
    s = done(steps)
    assert repr(s) == f"test_define.done({steps})" and s.args["steps"] == steps
    assert jaxlrs.parse(repr(s)) == s and pickle.loads(pickle.dumps(s)) == s
    want = np.minimum(np.maximum(STEPS, 0) / steps, 1.0)
    np.testing.assert_allclose(s(STEPS), want, rtol=1e-6, atol=1e-30)


# -- round trips ----------------------------------------------------------------------------


def _round_trips(s):
    assert jaxlrs.parse(repr(s)) == s
    if repr(s).startswith(s.name + "("):
        assert jaxlrs.parse("jaxlrs." + repr(s)) == s
    text = json.dumps(jaxlrs.to_dict(s))
    assert jaxlrs.from_dict(json.loads(text)) == s
    back = pickle.loads(pickle.dumps(s))
    assert back == s and repr(back) == repr(s)
    t = np.array([0, 3, 1000, BIG])
    np.testing.assert_array_equal(back(t), s(t))


@settings(max_examples=40, deadline=None)
@given(
    peak=st.floats(1e-6, 1e3),
    steps=st.integers(1, BIG),
    alpha=st.floats(0.0, 3.0),
)
def test_formula_round_trips(peak, steps, alpha):
    s = power(peak, steps, alpha=alpha)
    _round_trips(s)
    np.testing.assert_allclose(s(STEPS), power_oracle(STEPS, peak, steps, alpha), rtol=1e-5)


@settings(max_examples=25, deadline=None)
@given(
    peak=st.floats(1e-4, 10.0),
    steps=st.integers(10, 10**6),
    shape=st.sampled_from(["linear", "cosine"]),
)
def test_builder_round_trips(peak, steps, shape):
    _round_trips(warm_cos(peak, steps, shape=shape))


def test_round_trips_nested_and_keyword_only():
    s = knots([1.0, 0.5], [10], mode="negate")
    assert repr(s) == "test_define.knots([1.0, 0.5], [10], mode='negate')"
    _round_trips(s)
    composed = jaxlrs.join([warm_cos(1.0, 100), floor(power(0.5), 0.1)], [100]) * 2.0 + 0.1
    _round_trips(composed)
    d = jaxlrs.to_dict(power(1.0, alpha=0.3))["schedule"]
    assert d == {"name": "test_define.power", "args": {"peak": 1.0, "steps": 1000, "alpha": 0.3}}
    short = {
        "format": "jaxlrs",
        "version": 1,
        "schedule": {"name": "test_define.power", "args": {"peak": 2.0}},
    }
    assert jaxlrs.from_dict(short) == power(2.0)


def test_repr_shows_options_only_when_not_default():
    assert repr(power(1.0)) == "test_define.power(1.0)"
    assert repr(power(1.0, 1000, 0.3)) == "test_define.power(1.0, alpha=0.3)"
    assert repr(power(1.0, steps=10)) == "test_define.power(1.0, steps=10)"


_MODULE = """
import jax.numpy as jnp
import jaxlrs

@jaxlrs.define("{name}")
def decay(step, peak: float, rate: float = 0.5):
    return peak * rate ** (step / 10)
"""

_WRITER = """
import pickle, sys
import jaxlrs
import {module} as m

@jaxlrs.define("tmp_main.local")
def local(step, v: float):
    return v + 0 * step

with open(sys.argv[1], "wb") as f:
    pickle.dump([m.decay(2.0, rate=0.25), jaxlrs.warmup(m.decay(1.0), 5)], f)
with open(sys.argv[2], "wb") as f:
    pickle.dump(local(1.5), f)
"""

_READER = """
import pickle, sys
import jaxlrs
with open(sys.argv[1], "rb") as f:
    a, b = pickle.load(f)
print(repr(a), repr(b))
print(a([0, 10, 20]).tolist(), b([0, 5, 15]).tolist())
"""


def _python(code, *args, path=()):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *map(str, path)])}
    r = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_pickle_in_a_fresh_process(tmp_path):
    module = "tmp_jaxlrs_define_mod"
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / f"{module}.py").write_text(_MODULE.format(name="tmp_mod.decay"))
    both, main = tmp_path / "both.pkl", tmp_path / "main.pkl"
    _python(_WRITER.format(module=module), both, main, path=[lib])
    # A fresh process that never imports the module: unpickling imports it.
    out = _python(_READER, both, path=[lib]).splitlines()
    assert out[0] == ("tmp_mod.decay(2.0, rate=0.25) warmup(tmp_mod.decay(1.0), 5)")
    got = [json.loads(x) for x in out[1].replace("] [", "]\n[").splitlines()]
    np.testing.assert_allclose(got[0], [2.0, 0.5, 0.125], rtol=1e-6)
    np.testing.assert_allclose(got[1], [0.0, 1.0, 0.5], rtol=1e-6)
    # Here the module cannot be imported: the error names the schedule and the module.
    with pytest.raises(
        ValueError,
        match=r"cannot unpickle the schedule 'tmp_mod\.decay': it is defined in module "
        r"'tmp_jaxlrs_define_mod'; importing it failed: ModuleNotFoundError",
    ):
        pickle.loads(both.read_bytes())
    with pytest.raises(
        ValueError,
        match=r"cannot unpickle the schedule 'tmp_main\.local': it is defined in module "
        r"'__main__' \(a script, notebook or interactive session\)",
    ):
        pickle.loads(main.read_bytes())


# -- tracing --------------------------------------------------------------------------------


def test_jit_does_not_retrace_for_new_values():
    make, calls = _count("test_define.counted")

    @jax.jit
    @chex.assert_max_traces(n=1)
    def f(s, t):
        return s(t)

    t = jnp.arange(50)
    for peak, alpha in [(1.0, 0.5), (2.0, 0.1), (0.3, 1.7)]:
        np.testing.assert_allclose(
            f(make(peak, alpha), t), power_oracle(t, peak, 1, alpha), rtol=1e-5
        )
    assert len(calls) == 1
    # Built from traced values inside jit: one trace as well.
    g = jax.jit(chex.assert_max_traces(lambda p, a, t: make(p, alpha=a)(t), n=1))
    for peak, alpha in [(1.0, 0.5), (2.0, 0.1)]:
        np.testing.assert_allclose(g(peak, alpha, t), power_oracle(t, peak, 1, alpha), rtol=1e-5)


def test_builder_jit_does_not_retrace():
    @jax.jit
    @chex.assert_max_traces(n=1)
    def f(s, t):
        return s(t)

    t = jnp.arange(0, 3000, 7)
    for peak, steps in [(1.0, 1000), (0.5, 2000), (3.0, 100)]:
        np.testing.assert_allclose(
            f(warm_cos(peak, steps), t), warm_cos_oracle(t, peak, steps), rtol=2e-6, atol=1e-9
        )


def test_vmap_over_hyperparameters():
    peaks = jnp.array([0.1, 1.0, 4.0])
    alphas = jnp.array([0.2, 0.5, 1.5])
    t = jnp.arange(0, 5000, 37)
    out = jax.vmap(lambda p, a: power(p, alpha=a)(t))(peaks, alphas)
    want = np.stack([power_oracle(t, p, 1000, a) for p, a in zip(peaks, alphas, strict=True)])
    np.testing.assert_allclose(out, want, rtol=1e-5)
    steps = jnp.array([100, 1000, 10_000])
    out = jax.vmap(lambda n: warm_cos(2.0, n)(t))(steps)
    want = np.stack([warm_cos_oracle(t, 2.0, int(n)) for n in steps])
    np.testing.assert_allclose(out, want, rtol=2e-6, atol=1e-9)


@pytest.mark.parametrize("t", [0, 1, 500, 10**6, BIG])
@pytest.mark.parametrize("alpha", [0.25, 1.0])
def test_grad_over_hyperparameters(t, alpha):
    # d/dalpha of peak * x**-alpha is -log(x) * value; d/dpeak is value / peak.
    peak = 1.5
    value = power_oracle(t, peak, 1000, alpha)
    x = 1 + t / 1000
    da = jax.grad(lambda a: power(peak, alpha=a)(t))(alpha)
    dp = jax.jit(jax.grad(lambda p: power(p, alpha=alpha)(t)))(peak)
    # float32 rounds x: near x = 1 that moves log(x) by up to 5e-5 relative, so an
    # absolute bound of float32 precision times the value.
    np.testing.assert_allclose(da, -np.log(x) * value, rtol=1e-5, atol=1e-6 * value)
    np.testing.assert_allclose(dp, value / peak, rtol=1e-5)
    dv = jax.vmap(jax.grad(lambda a: power(peak, alpha=a)(t)))(jnp.array([alpha, 2 * alpha]))
    np.testing.assert_allclose(dv[0], da, rtol=1e-6)


@pytest.mark.parametrize("t", [3, 50, 400, 999])
def test_builder_grad_matches_central_differences(t):
    def f(peak, end):
        return warm_cos_oracle(t, peak, 1000, end)

    h = 1e-6
    want_p = (f(1.0 + h, 0.1) - f(1.0 - h, 0.1)) / (2 * h)
    want_e = (f(1.0, 0.1 + h) - f(1.0, 0.1 - h)) / (2 * h)
    gp, ge = jax.grad(lambda p, e: warm_cos(p, 1000, end=e)(t), argnums=(0, 1))(1.0, 0.1)
    np.testing.assert_allclose([gp, ge], [want_p, want_e], rtol=1e-4, atol=1e-6)


def test_python_branch_on_a_value_is_a_clear_error():
    @jaxlrs.define("test_define.branchy", builds=True)
    def branchy(peak: float):
        if peak > 1:
            return jaxlrs.constant(1.0)
        return jaxlrs.constant(peak)

    s = branchy(0.5)  # the construction-time run sees concrete values
    with pytest.raises(
        TypeError,
        match=r"test_define\.branchy\(\): the builder needs a concrete value where it gets a "
        r"traced one .* must not use Python if, int\(\), float\(\) or bool\(\) on a "
        r"hyperparameter: use jnp\.where",
    ):
        s(0)

    @jaxlrs.define("test_define.branchy_formula")
    def branchy_formula(step, peak: float):
        return peak if step > 3 else 2 * peak

    with pytest.raises(
        TypeError,
        match=r"test_define\.branchy_formula\(\): the formula needs a concrete value .* on the "
        r"step or a numeric hyperparameter",
    ):
        branchy_formula(1.0)(0)


# -- composition ----------------------------------------------------------------------------


def test_inside_combinators_and_summary():
    s = jaxlrs.join([warm_cos(1.0, 100), power(0.5, 10)], [100])
    t = np.arange(0, 400)
    want = np.where(t < 100, warm_cos_oracle(t, 1.0, 100), power_oracle(t - 100, 0.5, 10))
    np.testing.assert_allclose(s(t), want, rtol=2e-6, atol=1e-9)
    w = jaxlrs.warmup(power(2.0), 20, init=0.02, shape="exponential")
    np.testing.assert_allclose(w(t[20:]), power_oracle(t[20:] - 20, 2.0), rtol=1e-5)
    np.testing.assert_allclose(
        (power(1.0) * 3.0 - 0.5)(t), 3 * power_oracle(t, 1.0) - 0.5, rtol=1e-5
    )
    summary = jaxlrs.summary(s, 400)
    assert summary.peak_step == 10  # the builder's warmup end
    assert set(summary.boundaries) >= {10, 100}  # read from the builder's body
    assert summary.peak == pytest.approx(1.0, rel=1e-6)


def test_in_optax():
    s = power(0.1, 10, alpha=1.0)
    params = {"w": jnp.ones(3)}
    grads = {"w": jnp.array([1.0, -2.0, 0.5])}
    opt = optax.sgd(learning_rate=s)
    state = opt.init(params)
    for k in range(4):
        updates, state = opt.update(grads, state, params)
        np.testing.assert_allclose(
            updates["w"], -power_oracle(k, 0.1, 10, 1.0) * grads["w"], rtol=1e-6
        )

    tx = jlo.inject(optax.sgd, learning_rate=warm_cos(1.0, 100))
    state = tx.init(params)
    step = jax.jit(chex.assert_max_traces(lambda st: tx.update(grads, st, params), n=1))
    for k in range(12):
        updates, state = step(state)
        np.testing.assert_allclose(
            updates["w"], -warm_cos_oracle(k, 1.0, 100) * grads["w"], rtol=1e-6
        )
    np.testing.assert_allclose(
        jlo.current(state)["learning_rate"], warm_cos_oracle(11, 1.0, 100), rtol=1e-6
    )
    # Swap in another schedule of the same structure without retracing.
    state = jlo.set_schedules(state, learning_rate=warm_cos(2.0, 200))
    updates, state = step(state)
    np.testing.assert_allclose(updates["w"], -warm_cos_oracle(12, 2.0, 200) * grads["w"], rtol=1e-6)


# -- the constructor ------------------------------------------------------------------------


def test_constructor_keeps_signature_and_docstring():
    assert list(inspect.signature(power).parameters) == ["peak", "steps", "alpha"]
    assert inspect.signature(power).parameters["alpha"].default == 0.5
    assert inspect.signature(knots).parameters["mode"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(inspect.signature(warm_cos).parameters) == ["peak", "steps", "end", "shape"]
    assert power.__name__ == "power" and power.__doc__ == "peak * (1 + step / steps) ** -alpha"
    assert warm_cos.__doc__.startswith("A tenth of the steps")
    assert power(1.0).name == "test_define.power"


def test_check_validates_concrete_values():
    def positive(peak, alpha):
        if peak <= 0:
            raise ValueError(f"test_define.checked(): peak must be positive, got {peak!r}")

    checked = jaxlrs.define(
        "test_define.checked", lambda step, peak, alpha=1.0: peak, check=positive
    )
    assert float(checked(2.0)(3)) == 2.0
    with pytest.raises(
        ValueError, match=r"test_define\.checked\(\): peak must be positive, got -1\.0"
    ):
        checked(-1.0)
    with pytest.raises(
        ValueError, match=r"parse\(\): test_define\.checked\(\): peak must be positive, got -1\.0"
    ):
        jaxlrs.parse("test_define.checked(-1.0)")
    # Traced values are not checked (as for built-ins).
    assert jax.jit(lambda p: checked(p)(0))(-1.0) == -1.0


def test_replace_redefines_and_drops_compiled_code():
    first = jaxlrs.define("test_define.replaced", lambda step, v: v)
    s = first(2.0)
    assert float(s(3)) == 2.0
    with pytest.raises(
        ValueError,
        match=r"define\(\): name 'test_define\.replaced' is already defined \(by "
        r"test_define\.test_replace_redefines_and_drops_compiled_code\.<locals>\.<lambda>\); "
        r"pass replace=True to redefine it",
    ):
        jaxlrs.define("test_define.replaced", lambda step, v: v)
    second = jaxlrs.define("test_define.replaced", lambda step, v: -v, replace=True)
    assert float(second(2.0)(3)) == -2.0
    assert float(s(3)) == -2.0  # the name means the new definition, compiled code included


# -- validation -----------------------------------------------------------------------------


def _formula(step, peak):
    return peak + 0 * step


@pytest.mark.parametrize(
    ("name", "kind", "match"),
    [
        (
            3,
            TypeError,
            r"define\(\): name must be a str, a dotted name such as 'my\.power_decay', got 3 "
            r"\(int\)",
        ),
        (
            "power_decay",
            ValueError,
            r"define\(\): name must be a dotted name of Python identifiers with a namespace, such "
            r"as 'my\.power_decay' .*got 'power_decay'",
        ),
        ("cosine", ValueError, r"define\(\): name must be a dotted name .*got 'cosine'"),
        ("my.class", ValueError, r"define\(\): name must be a dotted name .*got 'my\.class'"),
        ("my..x", ValueError, r"define\(\): name must be a dotted name .*got 'my\.\.x'"),
        ("my.2x", ValueError, r"define\(\): name must be a dotted name .*got 'my\.2x'"),
        (
            "compat.torch.StepLR",
            ValueError,
            r"define\(\): name must not start with 'jaxlrs\.' or 'compat\.', which are reserved "
            r"for jaxlrs' own constructors, got 'compat\.torch\.StepLR'",
        ),
        (
            "jaxlrs.mine",
            ValueError,
            r"define\(\): name must not start with 'jaxlrs\.' .*got 'jaxlrs\.mine'",
        ),
    ],
)
def test_bad_names(name, kind, match):
    with pytest.raises(kind, match=match):
        jaxlrs.define(name, _formula)


def _star(step, *peaks):
    return step


def _stars(step, **options):
    return step


def _positional(step, peak, /):
    return step


def _no_step(peak):
    return peak


def _builder_with_step(step, peak):
    return jaxlrs.constant(peak)


def _nan_default(step, peak=float("nan")):
    return step


def _fn_default(step, f=abs):
    return step


@pytest.mark.parametrize(
    ("fn", "options", "match"),
    [
        (
            3.0,
            {},
            r"define\(\): fn must be a function \(a formula fn\(step, \*\*hyperparameters\), or "
            r"with builds=True a builder fn\(\*\*hyperparameters\)\), got 3\.0 \(float\)",
        ),
        (
            jaxlrs.constant(1.0),
            {},
            r"define\(\): fn must be a function .*got constant\(1\.0\) \(Schedule\)",
        ),
        (
            _no_step,
            {},
            r"define\(\): fn must be a formula whose first parameter is the step, named 'step' "
            r".*got test_define\._no_step with \(peak\); for a schedule built from other "
            r"schedules pass builds=True",
        ),
        (
            lambda: 1.0,
            {},
            r"define\(\): fn must be a formula whose first parameter is the step.* with no "
            r"parameters",
        ),
        (
            _star,
            {},
            r"define\(\): fn's hyperparameters must be named parameters, got \*peaks in "
            r"test_define\._star",
        ),
        (
            _stars,
            {},
            r"define\(\): fn's hyperparameters must be named parameters, got \*\*options in "
            r"test_define\._stars",
        ),
        (
            _positional,
            {},
            r"define\(\): fn's hyperparameters must be passable by name, got the positional-only "
            r"parameter 'peak'",
        ),
        (
            _builder_with_step,
            {"builds": True},
            r"define\(\): a builder \(builds=True\) takes hyperparameters only, got a parameter "
            r"named 'step' in test_define\._builder_with_step",
        ),
        (
            _fn_default,
            {},
            r"define\(\): the default of f must be one of numbers, arrays, lists of numbers, "
            r"strings, bools, None, schedules or fractions, got <built-in function abs>",
        ),
        (_formula, {"builds": 1}, r"define\(\): builds must be a bool, got 1 \(int\)"),
        (_formula, {"replace": "yes"}, r"define\(\): replace must be a bool, got 'yes' \(str\)"),
        (
            _formula,
            {"check": 3},
            r"define\(\): check must be a function of the hyperparameters or None, got 3 \(int\)",
        ),
        (
            _formula,
            {"check": lambda alpha: None},
            r"define\(\): check must accept the hyperparameters \(peak\) by name, got "
            r"test_define\.<lambda>",
        ),
    ],
)
def test_bad_definitions(fn, options, match):
    with pytest.raises(TypeError, match=match):
        jaxlrs.define("test_define.bad", fn, **options)
    assert "test_define.bad" not in jaxlrs._schedule.kinds()


def test_bad_default_value():
    with pytest.raises(
        ValueError, match=r"define\(\): the default of peak must be a finite number, got nan"
    ):
        jaxlrs.define("test_define.bad", _nan_default)


@pytest.mark.parametrize(
    ("call", "kind", "match"),
    [
        (
            lambda: power(),
            TypeError,
            r"test_define\.power\(\): missing a required argument: 'peak' \(parameters: peak, "
            r"steps, alpha\)",
        ),
        (
            lambda: power(1.0, beta=2),
            TypeError,
            r"test_define\.power\(\): got an unexpected keyword argument 'beta'",
        ),
        (
            lambda: power(1.0, 2, 3, 4),
            TypeError,
            r"test_define\.power\(\): too many positional arguments",
        ),
        (
            lambda: power(float("nan")),
            ValueError,
            r"test_define\.power\(\): peak must be a finite number, got nan",
        ),
        (
            lambda: power(float("inf")),
            ValueError,
            r"test_define\.power\(\): peak must be a finite number, got inf",
        ),
        (
            lambda: power(np.array([1.0, np.nan])),
            ValueError,
            r"test_define\.power\(\): peak must be finite, got \[1\.0, nan\]",
        ),
        (
            lambda: power(10**400),
            ValueError,
            r"test_define\.power\(\): peak must be a number a float can hold, got an integer of "
            r"1329 bits",
        ),
        (
            lambda: power(1j),
            TypeError,
            r"test_define\.power\(\): peak must be one of numbers, arrays, lists of numbers, "
            r"strings, bools, None, schedules or fractions, got 1j \(complex\)",
        ),
        (
            lambda: power(np.array(1j)),
            TypeError,
            r"test_define\.power\(\): peak must be one of .*; got an array of dtype complex128",
        ),
        (
            lambda: power(abs),
            TypeError,
            r"test_define\.power\(\): peak must be one of .*got <built-in function abs> "
            r"\(builtin_function_or_method\)",
        ),
        (
            lambda: power({"a": 1}),
            TypeError,
            r"test_define\.power\(\): peak must be one of .*got \{'a': 1\} \(dict\)",
        ),
        (
            lambda: knots([1.0, "x"], [1]),
            TypeError,
            r"test_define\.knots\(\): values\[1\] must be a number, an array, a list or a schedule "
            r"\(an entry of a list\), got 'x' \(str\)",
        ),
        (
            lambda: knots([1.0, None], [1]),
            TypeError,
            r"test_define\.knots\(\): values\[1\] must be a number, .*got None \(NoneType\)",
        ),
        (
            lambda: knots([1.0, True], [1]),
            TypeError,
            r"test_define\.knots\(\): values\[1\] must be a number, .*got True \(bool\)",
        ),
        (lambda: warm_cos(1.0, -5), ValueError, r"cosine\(\): steps must be a positive integer"),
    ],
)
def test_bad_hyperparameters(call, kind, match):
    with pytest.raises(kind, match=match):
        call()


def test_builder_must_return_a_schedule():
    bad = jaxlrs.define("test_define.not_a_schedule", lambda peak: peak, builds=True)
    with pytest.raises(
        TypeError,
        match=r"test_define\.not_a_schedule\(\): the builder must return a jaxlrs Schedule, got "
        r"1\.0 \(float\)",
    ):
        bad(1.0)


_HINT = (
    r" \(nor defined with jaxlrs\.define in this process: import the module that defines it "
    r"first\)"
)


def test_unknown_names_in_text_and_json():
    with pytest.raises(
        ValueError,
        match=r"parse\(\): 'test_define\.nowhere' is not a jaxlrs constructor" + _HINT,
    ):
        jaxlrs.parse("test_define.nowhere(1.0)")
    node = {"name": "test_define.nowhere", "args": {}}
    with pytest.raises(
        ValueError,
        match=r"from_dict\(\): schedule\.name: 'test_define\.nowhere' is not a jaxlrs "
        r"constructor" + _HINT,
    ):
        jaxlrs.from_dict({"format": "jaxlrs", "version": 1, "schedule": node})
    with pytest.raises(
        ValueError, match=r"parse\(\): test_define\.power\(\): peak must be a finite number"
    ):
        jaxlrs.parse("test_define.power(1e999)")
    # jaxlrs' own namespaces get no hint.
    with pytest.raises(
        ValueError, match=r"'compat\.torch\.NoSuchLR' is not a jaxlrs constructor \(column 1"
    ):
        jaxlrs.parse("compat.torch.NoSuchLR(1.0)")


@jaxlrs.define("test_define.kinds")
def kinds_seen(step, peak: float, values=(1.0, 2.0), *, rate: float, mode: str = "a"):
    """1 when every number and list arrived as a JAX array and the string as itself."""
    arrays = all(isinstance(x, jax.Array) for x in (peak, values, rate))
    return jnp.asarray(float(arrays and mode == "a" and values.shape == (2,)) * peak)


def test_hyperparameters_arrive_as_arrays_on_every_path():
    s = kinds_seen(1.0, rate=0.5)
    assert repr(s) == "test_define.kinds(1.0, rate=0.5)"  # keyword-only: by name
    assert jaxlrs.parse(repr(s)) == s
    assert float(s(3)) == 1.0  # the packed call
    assert float(jax.jit(lambda p: kinds_seen(p, rate=0.5)(3))(1.0)) == 1.0  # traced
    # warmup(shape="exponential") evaluates its schedule at step 0 from the stored values.
    w = jaxlrs.warmup(s, 4, init=0.5, shape="exponential")
    np.testing.assert_allclose(w([0, 2, 4, 9]), [0.5, 2**-0.5, 1.0, 1.0], rtol=1e-6)


# -- static numbers: hyperparameters that decide the structure -------------------------------


@jaxlrs.define("test_define.halvings", builds=True, static=["n"])
def halvings(peak: float, every: int, n: int):
    """``n`` stairs of length ``every``, each half the one before: a Python loop over n."""
    boundaries = [every * (i + 1) for i in range(n)]
    return jaxlrs.piecewise_constant(boundaries, [peak * 0.5**i for i in range(n + 1)])


def halvings_oracle(t, peak, every, n):
    return peak * 0.5 ** np.minimum(np.maximum(t, 0) // every, n).astype(np.float64)


@jaxlrs.define("test_define.taylor", static=("terms",))
def taylor(step, rate: float, terms: int = 4):
    """The first ``terms`` terms of exp(-rate t): a Python sum over a static count."""
    assert type(terms) is int
    x = -rate * (step / 1)
    return sum(x**k / math.factorial(k) for k in range(terms))


@pytest.mark.parametrize("n", [1, 3, 8])
@pytest.mark.parametrize("every", [1, 10, 2**27])
def test_static_builder(n, every):
    s = halvings(2.0, every, n)
    np.testing.assert_allclose(s(STEPS), halvings_oracle(STEPS, 2.0, every, n), rtol=1e-6)
    assert jax.tree.leaves(s) == [2.0, every]  # n is structure
    assert jax.tree.structure(halvings(1.0, 5, n)) == jax.tree.structure(s)
    assert jax.tree.structure(halvings(1.0, 5, n + 1)) != jax.tree.structure(s)
    _round_trips(s)


def test_static_numbers_trace_the_rest():
    @jax.jit
    @chex.assert_max_traces(n=1)
    def f(s, t):
        return s(t)

    t = jnp.arange(0, 100)
    for peak, every in [(1.0, 10), (3.0, 7)]:
        np.testing.assert_allclose(
            f(halvings(peak, every, 3), t), halvings_oracle(t, peak, every, 3), rtol=1e-6
        )
    g = jax.grad(lambda p: halvings(p, 10, 3)(25))(1.0)
    np.testing.assert_allclose(g, 0.25, rtol=1e-6)
    x = np.arange(0, 30) * 0.01
    want = sum((-0.5 * x) ** k / math.factorial(k) for k in range(5))
    np.testing.assert_allclose(taylor(0.5, terms=5)(np.arange(0, 30) / 100), want, rtol=1e-6)
    assert repr(taylor(0.5, terms=5)) == "test_define.taylor(0.5, terms=5)"
    _round_trips(taylor(0.5, terms=5))
    da = jax.grad(lambda r: taylor(r, terms=3)(2))(0.5)  # d/dr (1 - 2r + 2r**2)
    np.testing.assert_allclose(da, -2 + 4 * 0.5, rtol=1e-6)
    with pytest.raises(
        TypeError,
        match=r"test_define\.halvings\(\): n is static \(it decides the structure: "
        r"define\(static=\.\.\.\)\), so it must be a concrete value, got a tracer",
    ):
        jax.jit(lambda n: halvings(1.0, 10, n)(5))(3)
    with pytest.raises(
        TypeError,
        match=r"test_define\.halvings\(\): n is static \(define\(static=\.\.\.\)\), so it must "
        r"be a number, a list of numbers, a string, a bool or None, got constant\(1\.0\)",
    ):
        halvings(1.0, 10, jaxlrs.constant(1.0))


def test_bad_static():
    with pytest.raises(
        ValueError,
        match=r"define\(\): static names 'm', which is not a hyperparameter of "
        r"test_define\._formula \(hyperparameters: peak\)",
    ):
        jaxlrs.define("test_define.bad", _formula, static=["m"])
    with pytest.raises(
        TypeError,
        match=r"define\(\): static must be a list of hyperparameter names, got 'peak' \(str\)",
    ):
        jaxlrs.define("test_define.bad", _formula, static="peak")
    with pytest.raises(
        TypeError, match=r"define\(\): static must be a list of hyperparameter names, got 3"
    ):
        jaxlrs.define("test_define.bad", _formula, static=3)


A_TENTH = jaxlrs.fraction(0.1)


@jaxlrs.define("test_define.warm_frac", builds=True)
def warm_frac(peak: float, steps: int, warmup=A_TENTH):
    """A warmup given as a fraction of the run, passed on to warmup_cosine."""
    return jaxlrs.warmup_cosine(peak, warmup, steps)


def test_builder_passes_fractions_on():
    s = warm_frac(1.0, 1000, warmup=jaxlrs.fraction(0.25))
    assert repr(s) == "test_define.warm_frac(1.0, 1000, warmup=fraction(0.25))"
    _round_trips(s)
    assert s == warm_frac(1.0, 1000, jaxlrs.fraction(0.25))
    np.testing.assert_array_equal(s(STEPS), jaxlrs.warmup_cosine(1.0, 250, 1000)(STEPS))
    assert repr(warm_frac(1.0, 1000)) == "test_define.warm_frac(1.0, 1000)"
