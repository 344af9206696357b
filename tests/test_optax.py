"""SPEC §1.1 and §5: schedules drive Optax (learning_rate=, inject_hyperparams, a jitted
lax.scan loop that traces once, a sharded step over 4 devices) and match Optax's own
schedules where Optax is exact."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from _oracles import CASES

import jaxlrs as S


@pytest.fixture(autouse=True)
def _standard_promotion():
    # Optax itself mixes Python floats with int32 counts (Adam's bias correction), which
    # the suite's strict promotion rejects; jaxlrs runs under either.
    with jax.numpy_dtype_promotion("standard"):
        yield


N = 24
NAMES = [
    "constant", "linear", "polynomial", "cosine_opts", "exponential_end", "inverse_time",
    "step_decay", "multistep", "piecewise_constant", "piecewise_linear", "triangular",
    "join", "warmup_cosine", "cooldown_1-sqrt", "cycle_mult", "shift", "stretch", "scale",
    "clip", "minimum", "maximum", "from_fn", "sub", "rdiv", "sgdr_opts", "warmup_exponential",
]  # fmt: skip
"""One case per core constructor (and arithmetic)."""


def _grads(params, k):
    # A deterministic, step-dependent "gradient" so that Adam's state moves.
    return jax.tree.map(lambda p: jnp.sin(p * 3.0 + k.astype(jnp.float32)), params)


PARAMS = {"w": jnp.linspace(-1.0, 1.0, 6, dtype=jnp.float32), "b": jnp.float32(0.5)}


@jax.jit
def _train_with(schedule):
    opt = optax.adam(learning_rate=schedule)

    def step(carry, k):
        params, state = carry
        updates, state = opt.update(_grads(params, k), state, params)
        return (optax.apply_updates(params, updates), state), None

    (params, _), _ = jax.lax.scan(step, (PARAMS, opt.init(PARAMS)), jnp.arange(N))
    return params


@jax.jit
def _train_by_hand(lrs):
    # scale_by_adam and the learning rate s(k) applied by hand at update k.
    opt = optax.scale_by_adam()

    def step(carry, xs):
        params, state = carry
        k, lr = xs
        updates, state = opt.update(_grads(params, k), state, params)
        updates = jax.tree.map(lambda u: -lr * u, updates)
        return (optax.apply_updates(params, updates), state), None

    (params, _), _ = jax.lax.scan(step, (PARAMS, opt.init(PARAMS)), (jnp.arange(N), lrs))
    return params


@pytest.mark.parametrize("name", NAMES)
def test_drives_adam_in_a_scan_like_the_rate_by_hand(name):
    s = CASES[name]
    got = _train_with(s)
    want = _train_by_hand(s(np.arange(N)))
    chex.assert_trees_all_close(got, want, rtol=1e-5, atol=1e-7)


def test_jitted_step_traces_once():
    s = S.warmup(S.sgdr(1e-2, 5, period_mult=2), 3)
    opt = optax.adam(learning_rate=s)

    @jax.jit
    @chex.assert_max_traces(n=1)
    def step(params, state):
        updates, state = opt.update(_grads(params, state[0].count), state, params)
        return optax.apply_updates(params, updates), state

    params, state = PARAMS, opt.init(PARAMS)
    for _ in range(6):
        params, state = step(params, state)
    chex.clear_trace_counter()


@pytest.mark.parametrize("name", ["sgdr_opts", "warmup_cosine", "multistep"])
def test_inject_hyperparams_records_the_rate(name):
    s = CASES[name]
    opt = optax.inject_hyperparams(optax.adam)(learning_rate=s)

    def step(carry, k):
        params, state = carry
        updates, state = opt.update(_grads(params, k), state, params)
        return (optax.apply_updates(params, updates), state), state.hyperparams["learning_rate"]

    _, lrs = jax.jit(lambda: jax.lax.scan(step, (PARAMS, opt.init(PARAMS)), jnp.arange(N)))()
    # After update k the state holds the rate that update k used: s(k).
    np.testing.assert_allclose(np.asarray(lrs), np.asarray(s(np.arange(N))), rtol=1e-6)


# -- parity with Optax's schedules (below 2**24, where Optax is exact) ---------------------------

STEPS = np.concatenate([np.arange(0, 300), np.arange(10**6, 10**6 + 50), [2**24 - 1]])


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (S.cosine(0.1, 200), optax.cosine_decay_schedule(0.1, 200)),
        (
            S.cosine(0.1, 200, end=0.1 * 0.05, exponent=2.0),
            optax.cosine_decay_schedule(0.1, 200, alpha=0.05, exponent=2.0),
        ),
        (S.linear(0.1, 0.01, 150), optax.linear_schedule(0.1, 0.01, 150)),
        (
            S.shift(S.linear(0.1, 0.01, 150), 20),
            optax.linear_schedule(0.1, 0.01, 150, transition_begin=20),
        ),
        (
            S.polynomial(0.1, 0.001, 120, power=2.0),
            optax.polynomial_schedule(0.1, 0.001, 2.0, 120),
        ),
        (S.exponential(0.1, 0.5, 40), optax.exponential_decay(0.1, 40, 0.5)),
        (
            S.exponential(0.1, 0.5, 40, staircase=True),
            optax.exponential_decay(0.1, 40, 0.5, staircase=True),
        ),
        (
            S.exponential(0.1, 0.5, 40, end=0.02),
            optax.exponential_decay(0.1, 40, 0.5, end_value=0.02),
        ),
        (
            S.exponential(0.01, 2.0, 40, end=0.1),
            optax.exponential_decay(0.01, 40, 2.0, end_value=0.1),
        ),
        (
            S.shift(S.exponential(0.1, 0.5, 40), 30),
            optax.exponential_decay(0.1, 40, 0.5, transition_begin=30),
        ),
        (
            S.multistep(0.1, [50, 120], 0.5),
            optax.piecewise_constant_schedule(0.1, {50: 0.5, 120: 0.5}),
        ),
        (
            S.piecewise_constant([50, 120], [0.1, 0.05, 0.005]),
            optax.piecewise_constant_schedule(0.1, {50: 0.5, 120: 0.1}),
        ),
        (
            S.warmup_cosine(0.1, 30, 250, init=0.001, end=0.0001),
            optax.warmup_cosine_decay_schedule(0.001, 0.1, 30, 250, end_value=0.0001),
        ),
        (
            S.join([S.linear(0.0, 0.1, 30), S.cosine(0.1, 100)], [30]),
            optax.join_schedules(
                [optax.linear_schedule(0.0, 0.1, 30), optax.cosine_decay_schedule(0.1, 100)],
                [30],
            ),
        ),
    ],
    ids=lambda x: repr(x) if isinstance(x, S.Schedule) else "",
)
def test_agrees_with_optax(ours, theirs):
    got = np.asarray(ours(STEPS), np.float64)
    want = np.asarray(jax.vmap(theirs)(jnp.asarray(STEPS)), np.float64)
    # 1e-6 relative, or 1e-6 of the peak: Optax's own float32 formulas round at that level
    # (its (1 + cos)/2 is ~1e-4 relative off near the end of a cosine; jaxlrs is not).
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * np.abs(want).max())


# -- §5 many devices ---------------------------------------------------------------------------


def test_sharded_training_step_uses_a_schedule_unchanged():
    devices = np.array(jax.devices()[:4])
    assert devices.size == 4, "conftest sets 4 fake CPU devices"
    mesh = jax.sharding.Mesh(devices, ("data",))
    sharded = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("data"))
    s = S.warmup(S.sgdr(1e-2, 6, period_mult=2, decay=0.5), 4)
    opt = optax.adam(learning_rate=s)
    params = {"w": jnp.linspace(-1.0, 1.0, 16, dtype=jnp.float32)}

    def train(params):
        state = opt.init(params)

        def step(carry, k):
            params, state = carry
            updates, state = opt.update(_grads(params, k), state, params)
            return (optax.apply_updates(params, updates), state), None

        (params, _), _ = jax.lax.scan(step, (params, state), jnp.arange(N))
        return params

    on_mesh = jax.jit(train, in_shardings=(sharded,), out_shardings=sharded)
    got = on_mesh(jax.device_put(params, sharded))
    assert got["w"].sharding.is_equivalent_to(sharded, 1)
    want = jax.jit(train)(params)
    chex.assert_trees_all_close(got, want, rtol=1e-5, atol=1e-7)
