"""Drive a learning-rate schedule by tokens seen while the batch size ramps up.

A data loader serves 8 sequences of 128 tokens per update, ramping to 64 over the first
200 updates (the batch-size warmup of large language-model runs). The schedule is planned
in tokens: a warmup over 200,000 tokens and a cosine to 3,000,000 tokens.
``jaxlrs.on_clock(plan, jaxlrs.tokens(...))`` turns it into a schedule of the update
count that ``jaxlrs.optax.inject`` runs inside one jitted ``jax.lax.scan``. The script
counts the tokens its loader served (plain Python integers) and checks that every update
used ``plan(tokens seen)``, that ``jaxlrs.ticks`` reads the same exact count, and that a
run with another batch size uses the same rate at the same number of tokens. A failed
check exits non-zero.

Run: ``python examples/clocks.py``
"""

from __future__ import annotations

import math
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs
import jaxlrs.optax

SEQ_LEN = 128
RAMP = 200  # updates over which the batch grows from 8 to 64 sequences
UPDATES = 400


def batch_size(k: int) -> int:
    """What the loader serves on update k (the documented ramp: rounded down)."""
    return 8 + (64 - 8) * k // RAMP if k < RAMP else 64


def check(ok: bool, what: str) -> None:
    if not ok:
        print(f"check failed: {what}", file=sys.stderr)
        sys.exit(1)


def main() -> None:
    plan = jaxlrs.warmup_cosine(peak=1e-2, warmup=200_000, steps=3_000_000)  # in tokens
    clock = jaxlrs.tokens([[8, 64], 64], [RAMP], seq_len=SEQ_LEN)
    schedule = jaxlrs.on_clock(plan, clock)
    print("schedule:", schedule)
    tx = jaxlrs.optax.inject(optax.adamw, learning_rate=schedule, weight_decay=1e-4)

    # a linear model fit to a fixed target: the point is the rate, not the model
    target = jnp.linspace(-1.0, 1.0, 16)
    params = {"w": jnp.zeros(16)}

    def loss(p: dict[str, jax.Array]) -> jax.Array:
        return jnp.mean((p["w"] - target) ** 2)

    @jax.jit
    def train(params: dict[str, jax.Array]) -> tuple[jax.Array, jax.Array, jax.Array]:
        def step(carry, _):
            p, state = carry
            value, grads = jax.value_and_grad(loss)(p)
            updates, state = tx.update(grads, state, p)
            rate = jaxlrs.optax.current(state)["learning_rate"]  # what this update used
            return (optax.apply_updates(p, updates), state), (value, rate)

        (p, _), (losses, rates) = jax.lax.scan(step, (params, tx.init(params)), None, UPDATES)
        return loss(p), losses, rates

    with jax.numpy_dtype_promotion("standard"):
        final, losses, rates = train(params)
    rates = np.asarray(rates, np.float64)

    seen = [0]  # tokens served before each update, counted as the loader serves them
    for k in range(UPDATES):
        seen.append(seen[-1] + batch_size(k) * SEQ_LEN)
    print(f"{'update':>7} {'batch':>6} {'tokens seen':>12} {'rate':>10}")
    for k in (0, 1, 100, 199, 200, 201, 300, UPDATES - 1):
        print(f"{k:>7} {batch_size(k):>6} {seen[k]:>12,} {rates[k]:>10.3e}")

    ks = np.arange(UPDATES, dtype=np.int32)
    high, low = jaxlrs.ticks(clock, ks)
    exact = [int(h) << 32 | int(lo) for h, lo in zip(high.tolist(), low.tolist(), strict=True)]
    check(exact == seen[:UPDATES], "ticks is the loader's token count")
    check(bool(np.all(rates == np.asarray(schedule(ks)))), "update k used schedule(k)")
    want = np.asarray(plan(np.array(seen[:UPDATES], np.int32)), np.float64)
    check(bool(np.allclose(rates, want, rtol=1e-6, atol=0)), "update k used plan(tokens seen)")

    # A run with one sequence per update reaches each of these token counts later (at
    # update tokens / 128): there it uses the same rate, bit for bit.
    slow = jaxlrs.on_clock(plan, jaxlrs.tokens([1], seq_len=SEQ_LEN))
    later = np.array(seen[:UPDATES], np.int64) // SEQ_LEN
    check(
        bool(np.all(np.asarray(slow(later.astype(np.int32))) == np.asarray(schedule(ks)))),
        "same tokens, same rate",
    )
    print(f"a run of 1 sequence per update uses the same rates at updates {later[1]}..{later[-1]}")

    check(float(final) < 0.5 * float(losses[0]), "the loss fell by half")
    check(math.isclose(rates.max(), 1e-2, rel_tol=1e-3), "the peak is reached")
    print(f"loss {float(losses[0]):.4f} -> {float(final):.4f}; all checks passed")


if __name__ == "__main__":
    main()
