"""jaxlrs.optax.current (issue 9, item 2) and set_schedules (item 1): the values the last
update used, read through any Optax wrapper (and from Optax's own inject_hyperparams
states), keys prefixed by multi_transform labels; schedules swapped without a retrace, a
structure mismatch refused naming both structures."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxlrs
from jaxlrs.optax import current, inject, set_schedules


@pytest.fixture(autouse=True)
def _standard_promotion():
    with jax.numpy_dtype_promotion("standard"):
        yield


PARAMS = {"w": jnp.linspace(-1.0, 1.0, 4, dtype=jnp.float32), "b": jnp.float32(0.5)}
S = jaxlrs.warmup_cosine(1e-2, 3, 12)
T = jaxlrs.exponential(0.9, 0.8)


def _sgd(s=S):
    return inject(optax.sgd, learning_rate=s)


def _run(tx, n, **extra):
    """The state after each of n jitted updates (a list)."""
    step = jax.jit(lambda p, st: tx.update(p, st, p, **extra)[1])
    state, out = tx.init(PARAMS), []
    for _ in range(n):
        state = step(PARAMS, state)
        out.append(state)
    return out


def _labels(params):
    return {"w": "decay", "b": "bias"}


WRAPPERS = {
    "plain": lambda: _sgd(),
    "chain": lambda: optax.chain(optax.clip_by_global_norm(1.0), _sgd()),
    "named_chain": lambda: optax.named_chain(("clip", optax.clip(1.0)), ("opt", _sgd())),
    "masked": lambda: optax.masked(_sgd(), {"w": True, "b": False}),
    "apply_if_finite": lambda: optax.apply_if_finite(_sgd(), 3),
    "MultiSteps_1": lambda: optax.MultiSteps(_sgd(), 1),
    "nested": lambda: optax.chain(
        optax.apply_if_finite(optax.masked(_sgd(), {"w": True, "b": True}), 2)
    ),
}


@pytest.mark.parametrize("name", WRAPPERS)
def test_current_reads_through_optax_wrappers_inside_and_outside_jit(name):
    tx = WRAPPERS[name]()
    states = _run(tx, 6)
    expect = S(jnp.arange(6))
    got = np.array([current(st)["learning_rate"] for st in states])
    np.testing.assert_array_equal(got, expect)
    inside = jax.jit(lambda st: current(st))(states[-1])
    assert inside == {"learning_rate": expect[-1]}


def test_multi_transform_groups_prefix_the_keys_with_their_labels():
    tx = optax.multi_transform({"decay": _sgd(S), "bias": _sgd(T)}, _labels)
    states = _run(tx, 5)
    got = {k: np.array([current(st)[k] for st in states]) for k in current(states[0])}
    assert sorted(got) == ["bias/learning_rate", "decay/learning_rate"]
    np.testing.assert_array_equal(got["decay/learning_rate"], S(jnp.arange(5)))
    np.testing.assert_array_equal(got["bias/learning_rate"], T(jnp.arange(5)))


def test_two_states_giving_one_name_are_keyed_by_their_path():
    tx = optax.chain(_sgd(S), optax.named_chain(("b", _sgd(T))))
    got = current(_run(tx, 3)[-1])
    assert got == {"0/learning_rate": S(2), "1/b/learning_rate": T(2)}


def test_optax_inject_hyperparams_states_are_read_too():
    tx = optax.chain(optax.inject_hyperparams(optax.sgd)(learning_rate=S, momentum=0.9))
    states = _run(tx, 4)
    # Optax calls the schedule inside the jitted update, closed over: its constant form,
    # within the contract's tolerance of the eager call (not bit for bit; see Schedule).
    got = np.array([current(st)["learning_rate"] for st in states])
    np.testing.assert_allclose(got, S(jnp.arange(4)), rtol=2e-6)
    assert set(current(states[0])) == {"learning_rate", "momentum"}  # all its hyperparams
    with pytest.warns(DeprecationWarning):
        old = optax.inject_stateful_hyperparams(optax.sgd)(learning_rate=T)
    read = current(_run(old, 3)[-1])
    assert set(read) == {"learning_rate"}
    np.testing.assert_allclose(read["learning_rate"], T(2), rtol=2e-6)


def test_multisteps_counts_updates_not_micro_steps():
    k = 3
    tx = optax.MultiSteps(_sgd(), every_k_schedule=k)
    states = _run(tx, 4 * k)
    got = np.array([current(st)["learning_rate"] for st in states])
    # After micro-step m (0-based), (m + 1) // k real updates have run, the last of them
    # with count (m + 1) // k - 1; before the first real update, current is s(0).
    updates_done = (np.arange(4 * k) + 1) // k
    np.testing.assert_array_equal(got, S(jnp.maximum(updates_done - 1, 0)))
    assert int(states[-1].inner_opt_state.count) == 4


def test_stretch_expresses_a_schedule_in_micro_steps_under_multisteps():
    k = 4
    micro = jaxlrs.cosine(1.0, 40)
    tx = optax.MultiSteps(_sgd(jaxlrs.stretch(micro, 1 / k)), every_k_schedule=k)
    states = _run(tx, 10 * k)
    used = np.array([current(st)["learning_rate"] for st in states[k - 1 :: k]])
    np.testing.assert_allclose(used, micro(k * jnp.arange(10)), rtol=2e-6, atol=1e-7)


def test_current_without_hyperparameters_is_a_clear_error():
    with pytest.raises(ValueError, match=r"current\(\): the optimizer state holds no hyper"):
        current(optax.adam(1e-3).init(PARAMS))


# -- set_schedules -----------------------------------------------------------------------


def _traced_step(tx):
    @jax.jit
    @chex.assert_max_traces(n=1)
    def step(params, state):
        updates, state = tx.update(params, state, params)
        return optax.apply_updates(params, updates), state

    return step


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (jaxlrs.warmup_cosine(1e-2, 3, 12), jaxlrs.warmup_cosine(3e-2, 5, 40, end=1e-4)),
        (
            jaxlrs.sgdr(1e-2, 4, period_mult=2, warmup=2),
            jaxlrs.sgdr(2e-2, 6, period_mult=3, warmup=1),
        ),
        (
            jaxlrs.piecewise_constant([5, 9], [1e-2, 1e-3, 1e-4]),
            jaxlrs.piecewise_constant([2, 4], [3e-2, 2e-3, 1e-5]),
        ),
        (jaxlrs.compat.torch.OneCycleLR(1e-2, 30), jaxlrs.compat.torch.OneCycleLR(5e-2, 20)),
    ],
    ids=["warmup_cosine", "sgdr", "piecewise_constant", "torch_OneCycleLR"],
)
def test_set_schedules_swaps_without_a_retrace_and_the_next_update_uses_the_new_one(old, new):
    chex.clear_trace_counter()
    tx = optax.chain(optax.clip(1.0), inject(optax.sgd, learning_rate=old, momentum=0.9))
    step = _traced_step(tx)
    params, state = PARAMS, tx.init(PARAMS)
    for _ in range(3):
        params, state = step(params, state)
    state = set_schedules(state, learning_rate=new)
    used = []
    for _ in range(4):
        params, state = step(params, state)  # a second trace would raise
        used.append(current(state)["learning_rate"])
    np.testing.assert_array_equal(used, new(jnp.arange(3, 7)))


@pytest.mark.parametrize("name", WRAPPERS)
def test_set_schedules_finds_the_state_through_optax_wrappers(name):
    tx = WRAPPERS[name]()
    s2 = jaxlrs.warmup_cosine(3e-2, 2, 9, init=1e-3)
    state = set_schedules(tx.init(PARAMS), learning_rate=s2)
    assert jax.tree.structure(state) == jax.tree.structure(tx.init(PARAMS))
    assert current(state) == {"learning_rate": s2(0)}
    step = jax.jit(lambda st: tx.update(PARAMS, st, PARAMS)[1])
    assert current(step(step(state))) == {"learning_rate": s2(1)}


def test_set_schedules_in_a_group_and_numbers():
    tx = optax.multi_transform(
        {"decay": _sgd(S), "bias": inject(optax.sgd, learning_rate=0.1)}, _labels
    )
    s2 = jaxlrs.warmup_cosine(2e-2, 3, 12, init=1e-3)
    state = set_schedules(tx.init(PARAMS), **{"decay/learning_rate": s2, "bias/learning_rate": 0.3})
    # Before any update the values become those the first update uses.
    assert current(state) == {"bias/learning_rate": np.float32(0.3), "decay/learning_rate": s2(0)}
    step = jax.jit(lambda st: tx.update(PARAMS, st, PARAMS)[1])
    state = step(state)
    assert current(state) == {"bias/learning_rate": np.float32(0.3), "decay/learning_rate": s2(0)}
    # After an update the values stay what that update used; the next uses the new one.
    state = set_schedules(state, **{"decay/learning_rate": S})
    assert current(state)["decay/learning_rate"] == s2(0)
    assert current(step(state))["decay/learning_rate"] == S(1)


def _structure_error(old, new):
    state = _sgd(old).init(PARAMS)
    with pytest.raises(ValueError) as info:
        set_schedules(state, learning_rate=new)
    return str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "before", "after"),
    [
        (
            jaxlrs.cosine(0.1, 10),
            jaxlrs.linear(0.1, 0.0, 10),
            "cosine(float, int, end=float, exponent=float, k=float)",
            "linear(float, float, int)",
        ),
        (
            jaxlrs.warmup_cosine(0.1, 2, 10),
            jaxlrs.warmup_cosine(0.1, 2, 10, shape="cosine"),
            "warmup_cosine(float, int, int, init=float, end=float, exponent=float)",
            "warmup_cosine(float, int, int, init=float, end=float, exponent=float, shape='cosine')",
        ),
        (
            jaxlrs.piecewise_constant([5, 9], [1e-2, 1e-3, 1e-4]),
            jaxlrs.piecewise_constant([5], [1e-2, 1e-3]),
            "piecewise_constant(int32[2], float32[3])",
            "piecewise_constant(int32[1], float32[2])",
        ),
        (
            jaxlrs.linear(0.1, 0.0, 10),
            jaxlrs.linear(1, 0.0, 10),
            "linear(float, float, int)",
            "linear(int, float, int)",
        ),
    ],
    ids=["constructor", "option", "knots", "int_for_float"],
)
def test_set_schedules_refuses_another_structure_naming_both(old, new, before, after):
    message = _structure_error(old, new)
    assert message.startswith("set_schedules(): learning_rate must keep its structure")
    assert f"the state holds {before}, got {after} (from {new!r})" in message


@pytest.mark.parametrize(
    ("state", "kwargs", "match"),
    [
        (lambda: _sgd().init(PARAMS), {"lr": S}, r"no hyperparameter 'lr'; it has 'learning_rate'"),
        (
            lambda: optax.adam(1e-3).init(PARAMS),
            {"learning_rate": S},
            r"set_schedules\(\): the optimizer state holds no jaxlrs.optax.inject state",
        ),
        (
            lambda: _sgd().init(PARAMS),
            {"learning_rate": 0.1},
            r"learning_rate is a schedule of structure warmup_cosine\(.*\), and must be "
            r"replaced by a jaxlrs Schedule of the same structure, got 0.1",
        ),
        (
            lambda: inject(optax.sgd, learning_rate=0.1).init(PARAMS),
            {"learning_rate": S},
            r"learning_rate is a number in this state \(0.1",
        ),
    ],
    ids=["unknown", "no_inject_state", "number_for_schedule", "schedule_for_number"],
)
def test_set_schedules_bad_input(state, kwargs, match):
    with pytest.raises(ValueError, match=match):
        set_schedules(state(), **kwargs)
