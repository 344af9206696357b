"""The jaxlrs.optax.inject state is an ordinary pytree of arrays (issue 9, item 1): vmap
over stacked states sweeps N schedules in one program (checked against N separate runs),
equinox.filter_jit does not retrace, a checkpoint (NumPy, pickle) resumes bit for bit,
and Flax NNX's Optimizer drives it."""

import pickle

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
PEAKS = [1e-3, 3e-3, 1e-2, 3e-2]


def _schedule(peak):
    return jaxlrs.warmup_cosine(peak, 2, 10, end=peak / 10)


def _tx(schedule):
    return optax.chain(optax.clip_by_global_norm(1.0), inject(optax.adam, learning_rate=schedule))


def _loss(params, k):
    x = jnp.sin(jnp.arange(4, dtype=jnp.float32) + k.astype(jnp.float32))
    return jnp.sum((params["w"] * x + params["b"] - 1.0) ** 2)


def _step_fn(tx):
    def step(params, state, k):
        grads = jax.grad(_loss)(params, k)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    return step


def _loop(step, params, state, ks):
    for k in ks:
        params, state = step(params, state, jnp.int32(k))
    return params, state


def _assert_bitwise(a, b):
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def _stack(trees):
    return jax.tree.map(lambda *x: jnp.stack(x), *trees)


def test_state_leaves_are_arrays_only():
    tx = optax.chain(
        inject(optax.sgd, learning_rate=_schedule(1e-2), momentum=0.9, nesterov=True),
        optax.MultiSteps(inject(optax.sgd, learning_rate=0.1, accumulator_dtype=None), 2),
    )
    state = tx.init(PARAMS)
    leaves = jax.tree.leaves(state)
    assert leaves and all(isinstance(x, jax.Array) and not x.weak_type for x in leaves)
    _, state = jax.jit(_step_fn(tx))(PARAMS, state, jnp.int32(0))
    assert all(isinstance(x, jax.Array) and not x.weak_type for x in jax.tree.leaves(state))


def test_vmap_over_stacked_states_is_n_separate_runs():
    # One transformation (its structure); the schedules' numbers come from the states.
    tx = _tx(_schedule(PEAKS[0]))
    states = [_tx(_schedule(p)).init(PARAMS) for p in PEAKS]
    step = jax.jit(jax.vmap(_step_fn(tx), in_axes=(0, 0, None)))
    params, state = _loop(step, _stack([PARAMS] * 4), _stack(states), range(12))
    single = jax.jit(_step_fn(tx))  # each state alone, through the same program unbatched
    for i, s0 in enumerate(states):
        p1, s1 = _loop(single, PARAMS, s0, range(12))
        _assert_bitwise(jax.tree.map(lambda x, i=i: x[i], params), p1)
        assert current(state)["learning_rate"][i] == current(s1)["learning_rate"]
    np.testing.assert_array_equal(
        current(state)["learning_rate"], [_schedule(p)(11) for p in PEAKS]
    )


def test_vmap_over_schedules_built_from_traced_peaks():
    def train(peak):
        tx = _tx(_schedule(peak))  # built inside vmap: a traced peak
        return _loop(_step_fn(tx), PARAMS, tx.init(PARAMS), range(8))

    params, state = jax.jit(jax.vmap(train))(jnp.asarray(PEAKS, jnp.float32))
    single = jax.jit(_step_fn(_tx(_schedule(PEAKS[0]))))
    for i, peak in enumerate(PEAKS):
        p1, s1 = _loop(single, PARAMS, _tx(_schedule(peak)).init(PARAMS), range(8))
        chex.assert_trees_all_close(
            jax.tree.map(lambda x, i=i: x[i], params), p1, rtol=1e-6, atol=1e-8
        )
        np.testing.assert_allclose(
            current(state)["learning_rate"][i], current(s1)["learning_rate"], rtol=1e-6
        )


def test_equinox_filter_jit_does_not_retrace_across_steps_and_schedule_swaps():
    eqx = pytest.importorskip("equinox")
    traces = []
    tx = _tx(_schedule(1e-2))

    @eqx.filter_jit
    def step(params, state, k):
        traces.append(1)
        return _step_fn(tx)(params, state, k)

    params, state = _loop(step, PARAMS, tx.init(PARAMS), range(3))
    state = set_schedules(state, learning_rate=_schedule(3e-2))
    params, state = _loop(step, params, state, range(3, 6))
    assert len(traces) == 1
    assert current(state)["learning_rate"] == _schedule(3e-2)(5)


@pytest.mark.parametrize(
    "roundtrip",
    [
        lambda s: jax.tree.map(jnp.asarray, jax.tree.map(np.asarray, s)),
        lambda s: jax.tree.map(np.asarray, s),  # NumPy arrays fed straight back
        lambda s: pickle.loads(pickle.dumps(jax.tree.map(np.asarray, s))),
        lambda s: pickle.loads(pickle.dumps(s)),
    ],
    ids=["numpy_and_back", "numpy", "pickle_numpy", "pickle"],
)
def test_a_restored_checkpoint_continues_bit_for_bit_without_retrace(roundtrip):
    chex.clear_trace_counter()
    tx = _tx(_schedule(1e-2))
    step = jax.jit(chex.assert_max_traces(_step_fn(tx), n=1))
    params, state = _loop(step, PARAMS, tx.init(PARAMS), range(6))
    through, through_state = _loop(step, params, state, range(6, 12))
    restored = roundtrip(state)
    again, again_state = _loop(step, jax.tree.map(np.asarray, params), restored, range(6, 12))
    _assert_bitwise(again, through)
    _assert_bitwise(again_state, through_state)
    assert current(again_state) == current(through_state)


def test_flax_nnx_optimizer_drives_an_injected_transformation():
    nnx = pytest.importorskip("flax.nnx")
    s = _schedule(1e-2)

    def train(tx, read):
        model = nnx.Linear(3, 2, rngs=nnx.Rngs(0))
        optimizer = nnx.Optimizer(model, tx, wrt=nnx.Param)

        @nnx.jit
        def step(model, optimizer, x):
            grads = nnx.grad(lambda m: jnp.mean((m(x) - 1.0) ** 2))(model)
            optimizer.update(model, grads)

        rates = []
        for k in range(6):
            step(model, optimizer, jnp.full((4, 3), 0.1 * k, jnp.float32))
            if read:
                rates.append(current(optimizer.opt_state)["learning_rate"])  # NNX variables
        return nnx.state(model, nnx.Param), rates

    ours, rates = train(inject(optax.adam, learning_rate=s), read=True)
    ref, _ = train(optax.adam(learning_rate=s), read=False)
    np.testing.assert_array_equal(rates, s(jnp.arange(6)))
    chex.assert_trees_all_close(nnx.as_pure(ours), nnx.as_pure(ref), rtol=1e-6, atol=1e-8)


def test_a_traced_number_is_held_as_the_state_value():
    def rate(lr):
        tx = inject(optax.sgd, learning_rate=lr)  # built inside vmap: lr is traced
        state = jax.jit(_step_fn(tx))(PARAMS, tx.init(PARAMS), jnp.int32(0))[1]
        return current(state)["learning_rate"]

    lrs = jnp.asarray(PEAKS, jnp.float32)
    np.testing.assert_array_equal(jax.vmap(rate)(lrs), lrs)
