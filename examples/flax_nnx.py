"""Train a Flax NNX model with a jaxlrs schedule held in the optimizer state.

An MLP learns to separate two interleaved half-moons (a 2-D dataset made here) with

    nnx.Optimizer(model, jaxlrs.optax.inject(optax.adamw, learning_rate=schedule,
                                             weight_decay=1e-4), wrt=nnx.Param)

1. One run: every ``LOG_EVERY`` updates it logs the learning rate the last update used,
   read back from the optimizer state with ``jaxlrs.optax.current(optimizer.opt_state)``
   (after update ``k``, counting from 0, it is ``schedule(k)``: checked).
2. A sweep of 4 peak learning rates in one compiled program: the schedule is part of the
   optimizer state, so 4 (model, optimizer) pairs built with 4 schedules of one structure
   (``warmup_cosine`` with another peak) stack into one pair of arrays with a leading axis
   of 4, and ``nnx.vmap`` trains the 4 models at once. The step traces once.

The script exits non-zero if a check fails (the loss did not fall, a logged rate is not
``schedule(k)``, a step traced more than once).

Run: ``python examples/flax_nnx.py`` (``--steps N`` for a shorter run).
"""

from __future__ import annotations

import argparse
import sys

import jax
import jax.numpy as jnp
import optax
from flax import nnx

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


class MLP(nnx.Module):
    def __init__(self, rngs: nnx.Rngs, hidden: int = 32):
        self.hidden1 = nnx.Linear(2, hidden, rngs=rngs)
        self.hidden2 = nnx.Linear(hidden, hidden, rngs=rngs)
        self.out = nnx.Linear(hidden, 2, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = jax.nn.relu(self.hidden1(x))
        x = jax.nn.relu(self.hidden2(x))
        return self.out(x)


def loss_fn(model: MLP, x: jax.Array, y: jax.Array) -> jax.Array:
    return optax.softmax_cross_entropy_with_integer_labels(model(x), y).mean()


def make_schedule(peak: float, steps: int) -> jaxlrs.Schedule:
    return jaxlrs.warmup_cosine(peak=peak, warmup=steps // 10, steps=steps)


def make_pair(peak: float, steps: int) -> tuple[MLP, nnx.Optimizer]:
    model = MLP(nnx.Rngs(0))  # the same initial weights for every peak
    tx = jaxlrs.optax.inject(
        optax.adamw, learning_rate=make_schedule(peak, steps), weight_decay=1e-4
    )
    return model, nnx.Optimizer(model, tx, wrt=nnx.Param)


def train_step(model: MLP, optimizer: nnx.Optimizer, x: jax.Array, y: jax.Array) -> jax.Array:
    loss, grads = nnx.value_and_grad(loss_fn)(model, x, y)
    optimizer.update(model, grads)
    return loss


@nnx.jit
def step(model: MLP, optimizer: nnx.Optimizer, x: jax.Array, y: jax.Array) -> jax.Array:
    traces["step"] += 1  # Python runs this line only while tracing
    return train_step(model, optimizer, x, y)


@nnx.jit
@nnx.vmap(in_axes=(0, 0, None, None))  # models and optimizers stacked, data shared
def sweep_step(models: MLP, optimizers: nnx.Optimizer, x: jax.Array, y: jax.Array) -> jax.Array:
    traces["sweep_step"] += 1
    return train_step(models, optimizers, x, y)


def main(steps: int) -> None:
    x, y = make_moons(jax.random.key(42))

    # 1. One run, logging the learning rate from the optimizer state.
    peak = PEAKS[2]
    schedule = make_schedule(peak, steps)
    model, optimizer = make_pair(peak, steps)
    first = float(loss_fn(model, x, y))
    print(f"one run: {schedule}")
    print(f"{'update':>6}  {'learning rate':>13}  {'loss':>8}")
    for k in range(steps):
        loss = step(model, optimizer, x, y)
        if k % LOG_EVERY == 0 or k == steps - 1:
            lr = jaxlrs.optax.current(optimizer.opt_state)["learning_rate"]
            check(float(lr) == float(schedule(k)), f"update {k} used {lr}, not schedule({k})")
            print(f"{k:>6}  {float(lr):>13.6g}  {float(loss):>8.4f}")
    last = float(loss_fn(model, x, y))
    print(f"loss {first:.4f} -> {last:.4f}; step traced {traces['step']} time(s)")
    check(last < 0.5 * first, "the loss did not fall by half")
    check(traces["step"] == 1, "the training step was traced more than once")

    # 2. Four peak learning rates, one program: stack 4 pairs of one structure.
    # The graphdef (with the first pair's Optax transformation) serves all 4: each
    # optimizer state carries its own schedule.
    pairs = [make_pair(p, steps) for p in PEAKS]
    graphdef, _ = nnx.split(pairs[0])
    stacked = jax.tree.map(lambda *a: jnp.stack(a), *[nnx.state(pair) for pair in pairs])
    models, optimizers = nnx.merge(graphdef, stacked)  # arrays with a leading axis of 4
    for _ in range(steps):
        losses = sweep_step(models, optimizers, x, y)
    rates = jaxlrs.optax.current(optimizers.opt_state)["learning_rate"]  # shape (4,)
    finals = nnx.vmap(loss_fn, in_axes=(0, None, None))(models, x, y)
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
