"""jaxlrs.optax.inject (issue 9, item 1): the update with count k uses s(k) bit for bit,
Optax's own adam(learning_rate=s) is the reference trajectory, dtypes are kept (bfloat16,
float32 under x64, where optax.inject_hyperparams promotes), controllers follow their
metric, extra arguments are forwarded, and bad input is refused with a clear message."""

import pathlib
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxlrs
from jaxlrs._controller import Controller
from jaxlrs.optax import InjectState, current, inject

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _standard_promotion():
    # Optax's Adam mixes Python floats with int32 counts (bias correction), which the
    # suite's strict promotion rejects.
    with jax.numpy_dtype_promotion("standard"):
        yield


N = 40
SCHEDULES = {
    "warmup_cosine": lambda: jaxlrs.warmup_cosine(1e-2, 7, 30),
    "sgdr_period_mult": lambda: jaxlrs.sgdr(1e-2, 4, period_mult=2, warmup=3),
    "exponential": lambda: jaxlrs.exponential(1e-2, 0.93),
    "one_cycle": lambda: jaxlrs.one_cycle(1e-2, 30),
    "piecewise_constant": lambda: jaxlrs.piecewise_constant([10, 20], [1e-2, 3e-3, 1e-3]),
    "torch_OneCycleLR": lambda: jaxlrs.compat.torch.OneCycleLR(1e-2, 30),
    "torch_CyclicLR": lambda: jaxlrs.compat.torch.CyclicLR(
        1e-3, 1e-2, 5, mode="exp_range", gamma=0.97
    ),
    "torch_CosineAnnealingWarmRestarts": lambda: jaxlrs.compat.torch.CosineAnnealingWarmRestarts(
        1e-2, 7, 2
    ),
}
PARAMS = {"w": jnp.linspace(-1.0, 1.0, 5, dtype=jnp.float32), "b": jnp.float32(0.3)}


def _grads(params, k):
    # A deterministic, step-dependent gradient, so that Adam's moments move.
    return jax.tree.map(lambda p: jnp.sin(3.0 * p + k.astype(p.dtype)), params)


def _train(tx, n=N, params=PARAMS, state=None, start=0):
    """n updates of a jitted step taking (params, state, k); the parameters and the state
    after each update, stacked."""

    @jax.jit
    def step(p, s, k):
        u, s = tx.update(_grads(p, k), s, p)
        return optax.apply_updates(p, u), s

    p, s = params, tx.init(params) if state is None else state
    history = []
    for k in range(start, start + n):
        p, s = step(p, s, jnp.int32(k))
        history.append((p, s))
    return jax.tree.map(lambda *x: np.stack(x), *history)


def _bits(x):
    x = np.asarray(x, np.float32)
    return x.view(np.int32)


@pytest.mark.parametrize("name", SCHEDULES)
def test_each_update_uses_the_schedule_at_its_count_bit_for_bit(name):
    s = SCHEDULES[name]()
    _, states = _train(inject(optax.adam, learning_rate=s))
    used = current(states)["learning_rate"]  # stacked: one value per update
    np.testing.assert_array_equal(_bits(used), _bits(s(jnp.arange(N))))


@pytest.mark.parametrize("name", SCHEDULES)
def test_each_update_uses_the_schedule_at_its_count_in_a_scan(name):
    s = SCHEDULES[name]()
    tx = inject(optax.sgd, learning_rate=s, momentum=0.9)

    def step(carry, k):
        p, st = carry
        u, st = tx.update(_grads(p, k), st, p)
        return (optax.apply_updates(p, u), st), current(st)["learning_rate"]

    # The state enters the program as an argument (as a checkpointed state does).
    run = jax.jit(lambda p, st: jax.lax.scan(step, (p, st), jnp.arange(N))[1])
    used = run(PARAMS, tx.init(PARAMS))
    np.testing.assert_array_equal(_bits(used), _bits(s(jnp.arange(N))))


@pytest.mark.parametrize("name", SCHEDULES)
def test_trajectory_is_optax_adam_with_the_schedule(name):
    s = SCHEDULES[name]()
    ours, _ = _train(inject(optax.adam, learning_rate=s))
    ref, _ = _train(optax.adam(learning_rate=s))
    # Equal up to XLA's fusion of one multiply (the rate is a program constant in Optax's
    # closure, a state value here): within a few float32 roundings of the parameters.
    for a, b in zip(jax.tree.leaves(ours), jax.tree.leaves(ref), strict=True):
        np.testing.assert_allclose(a, b, rtol=4e-7, atol=1e-8)


def test_before_any_update_current_is_what_the_first_update_uses():
    s = jaxlrs.warmup_cosine(1e-2, 5, 20, init=1e-3)
    state = inject(optax.sgd, learning_rate=s, momentum=0.9).init(PARAMS)
    got = current(state)
    assert set(got) == {"learning_rate", "momentum"}
    np.testing.assert_array_equal(_bits(got["learning_rate"]), _bits(s(0)))
    np.testing.assert_array_equal(_bits(got["momentum"]), _bits(np.float32(0.9)))
    assert isinstance(state, InjectState)
    assert int(state.count) == 0 and state.count.dtype == jnp.int32


def test_float_numbers_live_in_the_state_as_arrays_and_drive_the_update():
    tx = inject(optax.sgd, learning_rate=0.5)
    state = tx.init(PARAMS)
    assert state.values["learning_rate"].dtype == jnp.float32
    # The update reads the number from the state: changing it there changes the update.
    state = state._replace(values={"learning_rate": jnp.float32(0.25)})
    updates, _ = tx.update(PARAMS, state)
    ref, _ = optax.sgd(0.25).update(PARAMS, optax.sgd(0.25).init(PARAMS))
    for a, b in zip(jax.tree.leaves(updates), jax.tree.leaves(ref), strict=True):
        np.testing.assert_array_equal(a, b)


def test_everything_else_passes_through_unchanged():
    seen = {}

    def factory(learning_rate, every, name, flag, fn, dims, nothing):
        seen.update(every=every, name=name, flag=flag, fn=fn, dims=dims, nothing=nothing)
        assert isinstance(every, int)  # a static size: range() needs a Python int
        list(range(every))
        return optax.sgd(learning_rate)

    schedule_fn = optax.linear_schedule(1.0, 0.0, 10)
    tx = inject(
        factory, learning_rate=jaxlrs.constant(0.1), every=3, name="x", flag=True,
        fn=schedule_fn, dims=("a", "b"), nothing=None,
    )  # fmt: skip
    state = tx.init(PARAMS)
    tx.update(PARAMS, state)
    assert seen == dict(every=3, name="x", flag=True, fn=schedule_fn, dims=("a", "b"), nothing=None)
    assert set(current(state)) == {"learning_rate"}


def test_an_optax_schedule_function_is_called_by_the_factory_itself():
    # A plain function is passed through (optax.sgd calls it with its own count).
    fn = optax.linear_schedule(1.0, 0.0, 10)
    u_ours, _ = _train(inject(optax.sgd, learning_rate=fn), n=5)
    u_ref, _ = _train(optax.sgd(learning_rate=fn), n=5)
    for a, b in zip(jax.tree.leaves(u_ours), jax.tree.leaves(u_ref), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"lr": 0.1}, TypeError, r"inject\(\): sgd\(\) has no hyperparameter 'lr'; its "),
        ({"momentum": 0.9}, TypeError, r"inject\(\): sgd\(\) needs 'learning_rate'"),
        (
            {"learning_rate": (0.1, 0.2)},
            TypeError,
            r"inject\(\): learning_rate must be a jaxlrs Schedule, a number or a "
            r"controller, got \(0.1, 0.2\)",
        ),
        (
            {"learning_rate": jnp.ones(3)},
            TypeError,
            r"learning_rate must be a jaxlrs Schedule, a number or a controller",
        ),
        ({"learning_rate": float("nan")}, ValueError, r"learning_rate must be a finite number"),
    ],
    ids=["unknown_name", "missing", "tuple_of_floats", "float_vector", "nan"],
)
def test_bad_hyperparameters_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        inject(optax.sgd, **kwargs)


def test_bad_factory_is_refused():
    with pytest.raises(TypeError, match=r"inject\(\): factory must be a function .* got 'adam'"):
        inject("adam", learning_rate=0.1)


def test_any_name_is_accepted_by_a_factory_with_kwargs():
    tx = inject(lambda **kw: optax.sgd(kw["lr"]), lr=jaxlrs.constant(0.5))
    assert float(current(tx.init(PARAMS))["lr"]) == 0.5


def test_extra_arguments_and_the_metric_are_forwarded_to_the_inner_transformation():
    seen = []

    def factory(learning_rate):
        def update(updates, state, params=None, **extra):
            seen.append(sorted(extra))
            return jax.tree.map(lambda g: -learning_rate * g, updates), state

        return optax.GradientTransformationExtraArgs(lambda p: optax.EmptyState(), update)

    tx = inject(factory, learning_rate=jaxlrs.constant(0.1))
    state = tx.init(PARAMS)
    tx.update(PARAMS, state, PARAMS, value=1.0, key=jnp.zeros(2))
    tx.update(PARAMS, state, PARAMS)
    assert seen == [["key", "value"], []]
    # A plain GradientTransformation ignores them (optax.with_extra_args_support).
    inject(optax.sgd, learning_rate=0.1).update(PARAMS, state._replace(
        inner_state=optax.sgd(0.1).init(PARAMS)), PARAMS, value=1.0, key=1)  # fmt: skip


def test_count_saturates_at_int32_max_as_optax_does():
    tx = inject(optax.sgd, learning_rate=jaxlrs.constant(0.1))
    state = tx.init(PARAMS)
    big = jnp.int32(np.iinfo(np.int32).max)
    _, state = jax.jit(tx.update)(PARAMS, state._replace(count=big))
    assert state.count == big
    ref = optax.safe_increment(big)
    assert state.count == ref


class HalveOnRise(Controller):
    """A small controller for the tests: ``base * 0.5**r`` with ``r`` the number of
    metrics so far above the best before them."""

    def __init__(self, base):
        self.base = base

    def init(self):
        return {"best": jnp.float32(jnp.inf), "scale": jnp.float32(1.0)}

    def value(self, state, count):
        return self.base * state["scale"]

    def update(self, state, count, metric):
        metric = jnp.asarray(metric, jnp.float32)
        rise = metric > state["best"]
        return {
            "best": jnp.minimum(state["best"], metric),
            "scale": jnp.where(rise, 0.5 * state["scale"], state["scale"]),
        }


def _halving_oracle(base, metrics):
    """The rate each update uses, in float64: halved after each rise above the best."""
    rates, best, scale = [], np.inf, 1.0
    for m in metrics:
        rates.append(base * scale)
        if m > best:
            scale *= 0.5
        best = min(best, m)
    return np.array(rates)


def test_a_controller_follows_the_metric_passed_to_each_update():
    metrics = np.array([3.0, 2.0, 2.5, 1.0, 1.5, 1.7, 0.5, -1.0, 0.0], np.float32)
    tx = inject(optax.sgd, learning_rate=HalveOnRise(0.1), momentum=jaxlrs.constant(0.5))
    step = jax.jit(lambda s, m: tx.update(PARAMS, s, PARAMS, value=m)[1])
    state, used = tx.init(PARAMS), []
    for m in metrics:
        state = step(state, m)
        used.append(current(state)["learning_rate"])
    np.testing.assert_allclose(used, _halving_oracle(0.1, metrics), rtol=1e-7)
    assert all(isinstance(x, jax.Array) for x in jax.tree.leaves(state.controllers))


def test_a_controller_without_the_metric_is_a_clear_error():
    tx = inject(optax.sgd, learning_rate=HalveOnRise(0.1))
    state = tx.init(PARAMS)
    with pytest.raises(ValueError, match=r"inject\(\): learning_rate follows a metric: pass it"):
        jax.jit(tx.update)(PARAMS, state, PARAMS)


# -- dtypes ------------------------------------------------------------------------------


@pytest.mark.parametrize("factory", [optax.sgd, optax.adam], ids=["sgd", "adam"])
def test_bfloat16_updates_stay_bfloat16_as_with_a_plain_schedule(factory):
    s = jaxlrs.warmup_cosine(1e-2, 3, 20)
    params = jax.tree.map(lambda p: p.astype(jnp.bfloat16), PARAMS)
    ours, ref = inject(factory, learning_rate=s), factory(learning_rate=s)
    so, sr = ours.init(params), ref.init(params)
    for k in range(5):
        g = _grads(params, jnp.int32(k))
        uo, so = ours.update(g, so, params)
        ur, sr = ref.update(g, sr, params)
        for a, b in zip(jax.tree.leaves(uo), jax.tree.leaves(ur), strict=True):
            assert a.dtype == jnp.bfloat16
            np.testing.assert_array_equal(np.asarray(a, np.float32), np.asarray(b, np.float32))


def test_float32_updates_stay_float32_under_x64_where_inject_hyperparams_promotes():
    with jax.enable_x64(True):
        s = jaxlrs.warmup_cosine(1e-2, 3, 20)
        params = jax.tree.map(lambda p: jnp.asarray(p, jnp.float32), PARAMS)
        g = _grads(params, jnp.int32(1))
        ours = inject(optax.adam, learning_rate=s)
        updates, state = ours.update(g, ours.init(params), params)
        assert {u.dtype for u in jax.tree.leaves(updates)} == {jnp.dtype("float32")}
        assert current(state)["learning_rate"].dtype == jnp.float64  # computed in float64
        theirs = optax.inject_hyperparams(optax.adam)(learning_rate=s)
        promoted, _ = theirs.update(g, theirs.init(params), params)
        assert {u.dtype for u in jax.tree.leaves(promoted)} == {jnp.dtype("float64")}
        # The float32 updates are Optax's own adam(learning_rate=s) (which casts the rate).
        ref, _ = optax.adam(learning_rate=s).update(g, optax.adam(s).init(params), params)
        for a, b in zip(jax.tree.leaves(updates), jax.tree.leaves(ref), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6)


# -- import --------------------------------------------------------------------------------


def test_import_jaxlrs_does_not_import_optax_and_jaxlrs_optax_does():
    code = (
        "import sys, jaxlrs; assert 'optax' not in sys.modules, 'optax imported'; "
        "import jaxlrs.optax; assert 'optax' in sys.modules; "
        "assert all(hasattr(jaxlrs.optax, n) for n in jaxlrs.optax.__all__); "
        "print(sorted(jaxlrs.optax.__all__))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, check=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    public = eval(out.stdout.strip())  # the printed list of names
    assert {"InjectState", "current", "inject", "set_schedules", "groups", "Group"} <= set(public)


@pytest.mark.parametrize("name", SCHEDULES)
def test_a_state_created_inside_the_program_is_within_two_ulp(name):
    # init inside the jitted program makes the schedule's numbers compile-time constants,
    # which XLA may fold differently from the eager evaluation (as it does for Optax's own
    # schedules, always constants): the last bits may move, by at most 2 ulp here.
    s = SCHEDULES[name]()
    tx = inject(optax.sgd, learning_rate=s)

    def step(st, k):
        st = tx.update(PARAMS, st, PARAMS)[1]
        return st, current(st)["learning_rate"]

    used = jax.jit(lambda: jax.lax.scan(step, tx.init(PARAMS), jnp.arange(N))[1])()
    ulps = np.abs(_bits(used).astype(np.int64) - _bits(s(jnp.arange(N))))
    assert ulps.max() <= 2
