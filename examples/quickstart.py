"""Train a small model with ``optax.adam(learning_rate=jaxlrs.sgdr(...))``.

A two-layer MLP fits a noisy sine curve it generates itself. The whole training loop is one
jitted ``jax.lax.scan``; the schedule is called inside it on Optax's int32 step counter,
traces once, and its current value is logged through ``optax.inject_hyperparams``.

Run: ``python examples/quickstart.py``
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

import jaxlrs

STEPS = 3_000
LOG_EVERY = 250


def make_data(key: jax.Array, n: int = 512) -> tuple[jax.Array, jax.Array]:
    kx, kn = jax.random.split(key)
    x = jax.random.uniform(kx, (n, 1), minval=-3.0, maxval=3.0)
    y = jnp.sin(x) + 0.05 * jax.random.normal(kn, (n, 1))
    return x, y


def init_params(key: jax.Array, hidden: int = 64) -> dict[str, jax.Array]:
    k1, k2 = jax.random.split(key)
    return {
        "w1": jax.random.normal(k1, (1, hidden)) * 0.5,
        "b1": jnp.zeros((hidden,)),
        "w2": jax.random.normal(k2, (hidden, 1)) / jnp.sqrt(hidden),
        "b2": jnp.zeros((1,)),
    }


def loss_fn(params: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    h = jnp.tanh(x @ params["w1"] + params["b1"])
    return jnp.mean(jnp.square(h @ params["w2"] + params["b2"] - y))


def main() -> None:
    schedule = jaxlrs.sgdr(peak=3e-2, period=500, period_mult=2, warmup=100, end=1e-4)
    print("schedule:", schedule)
    optimizer = optax.inject_hyperparams(optax.adam)(learning_rate=schedule)

    x, y = make_data(jax.random.key(0))
    params = init_params(jax.random.key(1))
    state = optimizer.init(params)

    def step(carry, _):
        params, state = carry
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, state = optimizer.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        return (params, state), (loss, state.hyperparams["learning_rate"])

    @jax.jit
    def train(params, state):
        return jax.lax.scan(step, (params, state), length=STEPS)

    (params, state), (losses, rates) = train(params, state)
    print(f"{'step':>6}  {'learning rate':>13}  {'loss':>10}")
    for k in [*range(0, STEPS, LOG_EVERY), STEPS - 1]:
        print(f"{k:>6}  {float(rates[k]):>13.6g}  {float(losses[k]):>10.5f}")
    final = float(loss_fn(params, x, y))
    print(f"final loss {final:.5f} (noise floor ~0.0025)")


if __name__ == "__main__":
    main()
