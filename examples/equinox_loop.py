"""Train an Equinox model with a jaxlrs schedule held in the optimizer state.

An ``eqx.nn.MLP`` learns to separate two interleaved half-moons (a 2-D dataset made here)
with ``jaxlrs.optax.inject(optax.adamw, learning_rate=schedule, weight_decay=1e-4)``,
stepped by an ``eqx.filter_jit`` function.

1. One run: every ``LOG_EVERY`` updates it logs the learning rate the last update used,
   read back from the optimizer state with ``jaxlrs.optax.current(opt_state)`` (after
   update ``k``, counting from 0, it is ``schedule(k)``: checked). The state is arrays
   only, so ``filter_jit`` does not treat any of it as static: the step traces once.
2. A sweep of 4 peak learning rates in one compiled program: optimizer states built with
   4 schedules of one structure (``warmup_cosine`` with another peak) stack into one state
   with a leading axis of 4, and ``eqx.filter_vmap`` trains 4 models at once; one of the
   4 transformations steps them all (each state carries its own schedule). One trace.

The script exits non-zero if a check fails (the loss did not fall, a logged rate is not
``schedule(k)``, a step traced more than once).

Run: ``python examples/equinox_loop.py`` (``--steps N`` for a shorter run).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

import jaxlrs
import jaxlrs.optax

PEAKS = (1e-3, 3e-3, 1e-2, 3e-2)
LOG_EVERY = 50
traces = {"step": 0, "sweep_step": 0}  # how often each jitted step was traced (compiled)


def check(ok: bool, what: str) -> None:
    if not ok:
        sys.exit(f"check failed: {what}")


def make_moons(key: jax.Array, n: int = 512) -> tuple[jax.Array, jax.Array]:
    kt, kl, kn = jax.random.split(key, 3)
    t = jax.random.uniform(kt, (n,), maxval=jnp.pi)
    label = jax.random.bernoulli(kl, 0.5, (n,)).astype(jnp.int32)
    upper = jnp.stack([jnp.cos(t), jnp.sin(t)], axis=-1)
    lower = jnp.stack([1.0 - jnp.cos(t), 0.5 - jnp.sin(t)], axis=-1)
    x = jnp.where(label[:, None] == 0, upper, lower)
    return x + 0.1 * jax.random.normal(kn, (n, 2)), label


def make_model() -> eqx.nn.MLP:  # the same initial weights for every peak
    return eqx.nn.MLP(2, 2, width_size=32, depth=2, key=jax.random.key(0))


def loss_fn(model: eqx.nn.MLP, x: jax.Array, y: jax.Array) -> jax.Array:
    logits = jax.vmap(model)(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def make_schedule(peak: float, steps: int) -> jaxlrs.Schedule:
    return jaxlrs.warmup_cosine(peak=peak, warmup=steps // 10, steps=steps)


def make_tx(peak: float, steps: int) -> optax.GradientTransformation:
    return jaxlrs.optax.inject(
        optax.adamw, learning_rate=make_schedule(peak, steps), weight_decay=1e-4
    )


def train_step(
    tx: optax.GradientTransformation, model: eqx.nn.MLP, opt_state: Any, x: jax.Array, y: jax.Array
) -> tuple[eqx.nn.MLP, Any, jax.Array]:
    loss, grads = eqx.filter_value_and_grad(loss_fn)(model, x, y)
    updates, opt_state = tx.update(grads, opt_state, eqx.filter(model, eqx.is_array))
    return eqx.apply_updates(model, updates), opt_state, loss


@eqx.filter_jit  # tx (functions, no arrays) is static: the same tx, no retrace
def step(tx: Any, model: eqx.nn.MLP, opt_state: Any, x: jax.Array, y: jax.Array) -> Any:
    traces["step"] += 1  # Python runs this line only while tracing
    return train_step(tx, model, opt_state, x, y)


@eqx.filter_jit  # below: one tx, models and states stacked (their arrays), data shared
@eqx.filter_vmap(in_axes=(None, eqx.if_array(0), eqx.if_array(0), None, None))
def sweep_step(tx: Any, models: eqx.nn.MLP, opt_states: Any, x: jax.Array, y: jax.Array) -> Any:
    traces["sweep_step"] += 1
    return train_step(tx, models, opt_states, x, y)


def stack(trees: list[Any]) -> Any:
    """One pytree whose arrays are those of ``trees`` stacked on a new leading axis."""
    arrays = [eqx.filter(t, eqx.is_array) for t in trees]
    static = eqx.filter(trees[0], eqx.is_array, inverse=True)
    return eqx.combine(jax.tree.map(lambda *a: jnp.stack(a), *arrays), static)


def main(steps: int) -> None:
    x, y = make_moons(jax.random.key(42))

    # 1. One run, logging the learning rate from the optimizer state.
    peak = PEAKS[2]
    schedule = make_schedule(peak, steps)
    model = make_model()
    tx = make_tx(peak, steps)
    opt_state = tx.init(eqx.filter(model, eqx.is_array))
    first = float(loss_fn(model, x, y))
    print(f"one run: {schedule}")
    print(f"{'update':>6}  {'learning rate':>13}  {'loss':>8}")
    for k in range(steps):
        model, opt_state, loss = step(tx, model, opt_state, x, y)
        if k % LOG_EVERY == 0 or k == steps - 1:
            lr = jaxlrs.optax.current(opt_state)["learning_rate"]
            check(float(lr) == float(schedule(k)), f"update {k} used {lr}, not schedule({k})")
            print(f"{k:>6}  {float(lr):>13.6g}  {float(loss):>8.4f}")
    last = float(loss_fn(model, x, y))
    print(f"loss {first:.4f} -> {last:.4f}; step traced {traces['step']} time(s)")
    check(last < 0.5 * first, "the loss did not fall by half")
    check(traces["step"] == 1, "the training step was traced more than once")

    # 2. Four peak learning rates, one program: stack 4 states of one structure.
    params = eqx.filter(make_model(), eqx.is_array)
    txs = [make_tx(p, steps) for p in PEAKS]
    models = stack([make_model() for _ in PEAKS])
    opt_states = stack([t.init(params) for t in txs])
    for _ in range(steps):  # txs[0] steps all 4: each state carries its own schedule
        models, opt_states, losses = sweep_step(txs[0], models, opt_states, x, y)
    rates = jaxlrs.optax.current(opt_states)["learning_rate"]  # shape (4,)
    finals = eqx.filter_vmap(loss_fn, in_axes=(eqx.if_array(0), None, None))(models, x, y)
    print(f"sweep of {len(PEAKS)} peaks, step traced {traces['sweep_step']} time(s):")
    for p, lr, final in zip(PEAKS, rates, finals, strict=True):
        print(f"  peak {p:<6g}  last rate {float(lr):.3g}  final loss {float(final):.4f}")
        check(float(lr) == float(make_schedule(p, steps)(steps - 1)), f"peak {p}: rate {lr}")
        check(float(final) < first, f"peak {p}: the loss did not fall")
    check(traces["sweep_step"] == 1, "the sweep step was traced more than once")
    check(losses.shape == (len(PEAKS),), "one loss per model")
    same = abs(float(finals[2]) - last) <= 1e-3 * last
    check(same, f"the sweep's peak {peak} run ({float(finals[2])}) is not the single one ({last})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="updates per run")
    main(parser.parse_args().steps)
