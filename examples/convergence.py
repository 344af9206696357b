"""Different learning-rate policies give different optimisation paths: a real training run.

The same small network (64-64-10 MLP, tanh) is trained on scikit-learn's bundled
handwritten digits (``sklearn.datasets.load_digits``: 1,797 8x8 images, no download) with
SGD + momentum 0.9, minibatches of 32, under the schedules of the classic tutorials:
constant, step decay, exponential, cosine, 1cycle, SGDR and warmup + cosine, all with the
same peak rate. Each schedule runs for several seeds (weight initialisation and minibatch
order) in **one compiled program**: the training loop is a ``lax.scan`` over the steps,
``vmap``-ed over the seeds, and the schedule is a jit argument (one compile per schedule
structure). The rate each update uses is read back from the optimizer state with
``jaxlrs.optax.current``, so the plotted rate curves are the ones the optimizer applied.

Output: a table of the final training loss (full training set) and test accuracy per
schedule, mean and spread (min..max) over the seeds, and a figure (``--out``, default
``convergence.png``; needs matplotlib) with the rate curves, the training loss and the test
accuracy against the step.

Checks (a failed check exits non-zero with its reason): every logged rate is
``schedule(k)`` for its update ``k`` to 2e-6 relative (inside the program the schedule's
hyperparameters are traced, so the rate is the traced evaluation, within the contract's
2e-6 of the eager one, not always its exact bits); the training loss falls by at least
half under every schedule; the compiled training step was traced once per schedule structure.

Run: ``python examples/convergence.py`` (600 steps, 5 seeds; about a minute on 2 CPU cores)
or ``python examples/convergence.py --quick`` (what CI runs).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs
import jaxlrs.optax

Array = jax.Array
PEAK = 0.1
BATCH = 32
HIDDEN = 64
TRACES: dict[str, int] = {}


def schedules(steps: int) -> dict[str, jaxlrs.Schedule]:
    """The tutorials' policies, each peaking at PEAK over a run of ``steps`` updates."""
    third = max(steps // 3, 1)
    return {
        "constant": jaxlrs.constant(PEAK),
        "step decay": jaxlrs.step_decay(PEAK, third, 0.3),
        "exponential": jaxlrs.exponential(PEAK, 0.01 ** (1 / steps)),
        "cosine": jaxlrs.cosine(PEAK, steps),
        "1cycle": jaxlrs.one_cycle(PEAK, steps),
        "SGDR": jaxlrs.sgdr(PEAK, max(steps // 7, 1), period_mult=2),
        "warmup + cosine": jaxlrs.warmup_cosine(PEAK, max(steps // 10, 1), steps),
    }


def load_data() -> tuple[Any, Any, Any, Any]:
    """Digits, standardised with the training split's statistics; a fixed 75/25 split."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    x, y = x[order].astype(np.float32), y[order].astype(np.int32)
    cut = (3 * len(y)) // 4
    mean, std = x[:cut].mean(0), x[:cut].std(0) + 1e-3
    x = (x - mean) / std
    return jnp.asarray(x[:cut]), jnp.asarray(y[:cut]), jnp.asarray(x[cut:]), jnp.asarray(y[cut:])


def init(key: Array) -> dict[str, Array]:
    k1, k2 = jax.random.split(key)
    return {
        "w1": jax.random.normal(k1, (64, HIDDEN)) / 8.0,
        "b1": jnp.zeros(HIDDEN),
        "w2": jax.random.normal(k2, (HIDDEN, 10)) / jnp.sqrt(float(HIDDEN)),
        "b2": jnp.zeros(10),
    }


def logits(params: dict[str, Array], x: Array) -> Array:
    return jnp.tanh(x @ params["w1"] + params["b1"]) @ params["w2"] + params["b2"]


def loss(params: dict[str, Array], x: Array, y: Array) -> Array:
    return optax.softmax_cross_entropy_with_integer_labels(logits(params, x), y).mean()


def make_train(data: tuple[Any, ...], steps: int) -> Callable[..., dict[str, Array]]:
    x_train, y_train, x_test, y_test = data

    @jax.jit
    def train(schedule: jaxlrs.Schedule, keys: Array) -> dict[str, Array]:
        structure = repr(jax.tree_util.tree_structure(schedule))
        TRACES[structure] = TRACES.get(structure, 0) + 1
        tx = jaxlrs.optax.inject(optax.sgd, learning_rate=schedule, momentum=0.9)

        def one_seed(key: Array) -> dict[str, Array]:
            init_key, batch_key = jax.random.split(key)
            params = init(init_key)

            def step(carry: Any, k: Array) -> tuple[Any, dict[str, Array]]:
                params, state = carry
                idx = jax.random.randint(
                    jax.random.fold_in(batch_key, k), (BATCH,), 0, len(y_train)
                )
                grads = jax.grad(loss)(params, x_train[idx], y_train[idx])
                updates, state = tx.update(grads, state, params)
                rate = jaxlrs.optax.current(state)["learning_rate"]  # what update k used
                params = optax.apply_updates(params, updates)
                accuracy = jnp.mean(jnp.argmax(logits(params, x_test), -1) == y_test)
                out = {"rate": rate, "loss": loss(params, x_train, y_train), "accuracy": accuracy}
                return (params, state), out

            first = loss(params, x_train, y_train)
            _, history = jax.lax.scan(step, (params, tx.init(params)), jnp.arange(steps))
            return {**history, "first": first}

        return jax.vmap(one_seed)(keys)

    return train


def check(ok: bool, reason: str) -> None:
    if not ok:
        print(f"check failed: {reason}", file=sys.stderr)
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="150 steps, 2 seeds (for CI)")
    parser.add_argument("--out", default="convergence.png", help="figure path ('' for none)")
    args = parser.parse_args(argv)
    steps, seeds = (150, 2) if args.quick else (args.steps, args.seeds)

    start = time.perf_counter()
    data = load_data()
    train = make_train(data, steps)
    keys = jax.random.split(jax.random.key(0), seeds)
    results: dict[str, dict[str, np.ndarray]] = {}
    for name, schedule in schedules(steps).items():
        out = jax.device_get(train(schedule, keys))
        results[name] = out
        expected = np.asarray(schedule(jnp.arange(steps)))
        check(
            bool(np.allclose(out["rate"], expected[None, :], rtol=2e-6, atol=0)),
            f"{name}: a logged rate is not schedule(k) to 2e-6 relative",
        )
        check(
            bool(np.all(out["loss"][:, -1] < 0.5 * out["first"])),
            f"{name}: the training loss did not fall by half",
        )
    check(
        all(n == 1 for n in TRACES.values()),
        f"a training program traced more than once: {TRACES}",
    )

    print(f"{steps} steps of SGD (momentum 0.9, batch {BATCH}, peak rate {PEAK}), {seeds} seeds")
    print(f"{'schedule':<16} {'final train loss':>28} {'test accuracy':>26}")
    for name, out in results.items():
        final, acc = out["loss"][:, -1], out["accuracy"][:, -1]
        print(
            f"{name:<16} {final.mean():>10.4f} ({final.min():.4f}..{final.max():.4f})"
            f" {acc.mean():>9.2%} ({acc.min():.2%}..{acc.max():.2%})"
        )
    print(f"ran in {time.perf_counter() - start:.1f} s")
    if args.out:
        plot(results, steps, args.out)
        print(f"wrote {args.out}")


def plot(results: dict[str, dict[str, np.ndarray]], steps: int, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    t = np.arange(1, steps + 1)
    for name, out in results.items():
        (line,) = axes[0].plot(t - 1, out["rate"][0], label=name, lw=1.4)
        color = line.get_color()
        for ax, key in ((axes[1], "loss"), (axes[2], "accuracy")):
            mean = out[key].mean(0)
            ax.plot(t, mean, color=color, lw=1.2)
            ax.fill_between(t, out[key].min(0), out[key].max(0), color=color, alpha=0.15, lw=0)
    axes[0].set(title="learning rate (read back from the optimizer)", xlabel="update")
    axes[1].set(title="training loss (full set; band: seeds)", xlabel="update", yscale="log")
    axes[2].set(title="test accuracy", xlabel="update", ylim=(0.8, 1.0))
    axes[0].legend(fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
