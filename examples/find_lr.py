"""Find a learning rate with the range test, then train at it: a real run in seconds.

A small network (64-32-10 MLP, tanh) on scikit-learn's bundled handwritten digits
(``sklearn.datasets.load_digits``: 1,797 8x8 images, no download), SGD with momentum 0.9,
minibatches of 32. ``jaxlrs.optax.find_lr`` sweeps the rate from 1e-7 to 10 over 100
updates in one compiled scan and suggests three rates (PyTorch Lightning's ``steepest``,
fastai's ``valley`` and fastai's ``minimum``); the script then trains 300 updates at
``valley`` and at ``minimum``.

Output: the suggestions, where the test stopped, the training loss before and after, and
with ``--out FILE`` a plot of the range test (needs matplotlib).

Checks (a failed check exits non-zero with its reason): the suggestions are finite and
positive, ``steepest`` and ``valley`` inside the sweep, ``valley`` and ``minimum`` below
the rate at which the loss diverged (when it did), and 300 updates at each of ``valley``
and ``minimum`` at least halve the training loss.

Run: ``python examples/find_lr.py [--out find_lr.png]``.
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs.optax

Array = jax.Array
BATCH = 32
HIDDEN = 32


def load_data() -> tuple[Array, Array]:
    """Digits, standardised."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x - x.mean(0)) / (x.std(0) + 1e-3)
    return jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.int32)


def init(key: Array) -> dict[str, Array]:
    k1, k2 = jax.random.split(key)
    return {
        "w1": jax.random.normal(k1, (64, HIDDEN)) / 8.0,
        "b1": jnp.zeros(HIDDEN),
        "w2": jax.random.normal(k2, (HIDDEN, 10)) / math.sqrt(HIDDEN),
        "b2": jnp.zeros(10),
    }


def loss(params: dict[str, Array], batch: tuple[Array, Array]) -> Array:
    x, y = batch
    hidden = jnp.tanh(x @ params["w1"] + params["b1"])
    logits = hidden @ params["w2"] + params["b2"]
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def batches(x: Array, y: Array, key: Array, n: int) -> tuple[Array, Array]:
    """``n`` minibatches drawn with replacement, stacked on a leading axis."""
    idx = jax.random.randint(key, (n, BATCH), 0, len(y))
    return x[idx], y[idx]


def check(ok: bool, reason: str) -> None:
    if not ok:
        print(f"check failed: {reason}", file=sys.stderr)
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="save the range test's plot to this file")
    args = parser.parse_args(argv)

    x, y = load_data()
    k_init, k_test, k_train = jax.random.split(jax.random.key(0), 3)
    params = init(k_init)
    optimizer = functools.partial(optax.sgd, momentum=0.9)

    result = jaxlrs.optax.find_lr(loss, params, batches(x, y, k_test, 100), optimizer)
    print("range test: 100 updates, rates 1e-07 to 10 (optax.sgd, momentum 0.9)")
    if result.stopped_at is None:
        print("the loss did not diverge within the sweep")
    else:
        stop = float(result.lrs[-1])
        print(f"stopped at update {result.stopped_at} (rate {stop:.3g}): the loss diverged")
    print(f"steepest: {result.steepest:.3g} (PyTorch Lightning's rule)")
    print(f"valley:   {result.valley:.3g} (fastai's rule)")
    print(f"minimum:  {result.minimum:.3g} (fastai's rule: a tenth of the lowest loss's rate)")
    for name, lr in (("steepest", result.steepest), ("valley", result.valley)):
        check(lr is not None and 1e-7 <= lr < 10.0, f"{name} {lr} is not inside the sweep")
    check(result.minimum is not None and result.minimum > 0, "minimum is missing")
    assert result.valley is not None and result.minimum is not None
    if result.stopped_at is not None:
        for name, lr in (("valley", result.valley), ("minimum", result.minimum)):
            check(lr < float(result.lrs[-1]), f"{name} is not below the divergence")

    @jax.jit
    def train(lr: Array, params: Any, data: tuple[Array, Array]) -> Any:
        tx = optimizer(learning_rate=lr)  # one program for both rates

        def step(carry: Any, batch: tuple[Array, Array]) -> tuple[Any, None]:
            params, state = carry
            updates, state = tx.update(jax.grad(loss)(params, batch), state, params)
            return (optax.apply_updates(params, updates), state), None

        return jax.lax.scan(step, (params, tx.init(params)), data)[0][0]

    before = float(loss(params, (x, y)))
    data = batches(x, y, k_train, 300)
    for name, lr in (("valley", result.valley), ("minimum", result.minimum)):
        after = float(loss(train(jnp.float32(lr), params, data), (x, y)))
        print(f"training 300 updates at {name}: loss {before:.3f} -> {after:.3f}")
        check(np.isfinite(after) and after < before / 2, f"the loss did not fall by half at {name}")

    if args.out:
        fig = result.plot()
        fig.savefig(args.out, dpi=100)
        print(f"plot: {args.out}")


if __name__ == "__main__":
    main()
