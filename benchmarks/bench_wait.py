"""How long a user waits on jaxlrs, each against its floor or peer (jaxlrs issue 11).

Rows (``python benchmarks/bench_eval.py`` prints them with the evaluation rows in one
table; ``python benchmarks/bench_wait.py`` prints these alone; same options):

* **summary**: ``jaxlrs.summary(s, n)`` in ns/step (warm: its compile excluded), against a
  jitted ``jnp.sum(s(t0 + arange(n)))`` over the same steps, each round's timing the least
  of 3 calls; target <= 1.5x.
* **scalar compile** (lower + compile in a fresh ``jit``) of one scalar evaluation
  ``lambda t: s(t)``, for every jaxlrs schedule that Optax also has, against Optax's
  equivalent (both checked to compute the same values); target <= 1.0x. Each round builds
  new schedules (a new peak) and drops jaxlrs' cache of compiled evaluations per structure
  (``_schedule._unpacking``), so each compile is that of a structure not seen before; both
  sides start alike (that cache dropped and Python's garbage collected before each timed
  compile), and each pair runs jaxlrs first in even rounds, Optax first in odd ones.
* **compiled size**: instructions in the optimized HLO module of that evaluation (every
  ``name = op(...)`` line of ``compile().as_text()``, fusion bodies included), against
  Optax's; target <= 1.0x.
* **first eager call** of a new ``sgdr`` structure (``s(1000)``, the cache dropped as
  above), against the compile of the program it runs; target <= 1.2x. An eager call
  compiles the general program of its structure on its packed hyperparameters, which
  every value of the hyperparameters shares (one compile per structure, not per
  schedule; and the call agrees bit for bit with the same schedule held in an optimizer
  state, whose hyperparameters are traced), so its floor is the compile of that program
  (``_schedule.evaluator``'s function lowered for a Python-int step). (This is a decision: when
  the target was set, a fresh ``jit`` of ``lambda t: s(t)`` compiled that same program; it
  now compiles the much smaller constant form, see the scalar compile rows, and two more
  rows set the first call against that compile and against Optax's, with no target.)
* **dispatch**: an eager call with a Python-int step, against calling a trivial cached
  jitted function (``jax.jit(lambda t: t + 1)``) with one; target <= 2x.
* **command line**: wall time of ``python -m jaxlrs show EXPR --steps N`` in a subprocess,
  against ``python -c`` importing jax and compiling and running one jitted ``cos``;
  target <= 1.5x.
* **training loop**: a jitted Adam loop (``lax.scan`` over a small MLP's steps) with a
  jaxlrs schedule, and with the Optax equivalent, against the same loop with a constant
  rate, the order rotated each round; each loop's time is its least over every call of the
  run (3 per round), the ratio that of the least times (a 1% effect, under rounds that
  spread by some 20% on a shared machine); target: jaxlrs < 1% over constant (Optax's
  shown for comparison).
"""

from __future__ import annotations

import gc
import os
import pathlib
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import (
    Config,
    Fn,
    Row,
    best_of,
    eager_calls,
    interleaved,
    interval,
    median,
    over_iota,
    progress,
    ratio,
    ratios,
    resolved,
    run_table,
    sgdr_pair,
    verdict,
)

import jaxlrs
from jaxlrs import _schedule, _time

ROOT = pathlib.Path(__file__).resolve().parents[1]
INSTRUCTION = re.compile(r"^\s*(?:ROOT\s+)?%?[^\s=]+\s+=\s", re.M)


def judged(row: Row, cfg: Config, target: str, value: float, limit: float) -> Row:
    """``row`` with its target and verdict (``value <= limit``), when the sizes are the
    full ones the targets are stated for."""
    if cfg.targets:
        row.target, row.met = target, verdict(value <= limit)
    return row


def summary(cfg: Config, rows: list[Row]) -> None:
    n = cfg.steps
    t0 = jnp.zeros((), jnp.int32)
    schedules = {
        f"sgdr, {cfg.cycles} cycles": sgdr_pair(cfg.cycles, n)[0],
        "warmup_cosine": jaxlrs.warmup_cosine(1.0, n // 20, n),
    }
    runs: dict[str, Callable[[], float]] = {}
    diffs = {}
    for name, s in schedules.items():
        total = jax.jit(over_iota(lambda t, s=s: jnp.sum(s(t)), n))
        area = jaxlrs.summary(s, n).area  # also compiles summary's loop
        diffs[name] = abs(area - float(total(t0))) / abs(area)
        # each round's timing the least of 3 calls (other work only ever adds time)
        runs[f"summary {name}"] = lambda s=s: best_of(lambda: jaxlrs.summary(s, n), 3)
        runs[f"sum {name}"] = lambda f=total: best_of(lambda: f(t0), 3)
    res = interleaved(runs, cfg.rounds)
    ns = 1e9 / n
    for name in schedules:
        a, b = f"summary {name}", f"sum {name}"
        row = Row(
            name,
            f"summary ns/step, {n:.0e} steps (area rel diff {diffs[name]:.0e})",
            f"{median(res, a) * ns:.2f}",
            "jitted jnp.sum(s(t0 + arange(n)))",
            f"{median(res, b) * ns:.2f}",
            ratios(res, a, b, 2),
        )
        rows.append(judged(row, cfg, "<=1.5x", ratio(res, a, b), 1.5))


def scalar_pairs(peak: float, n: int = 10_000) -> dict[str, tuple[jaxlrs.Schedule, Fn]]:
    """Every jaxlrs schedule that Optax also has, with Optax's equivalent (same values)."""
    w = n // 20
    bs = [n // 2, 3 * n // 4]
    return {
        "sgdr, 1 cycle": sgdr_pair(1, n, peak),
        "sgdr, 10 cycles": sgdr_pair(10, n, peak),
        "multistep": (
            jaxlrs.multistep(peak, bs, 0.1),
            optax.piecewise_constant_schedule(peak, {b: 0.1 for b in bs}),
        ),
        "piecewise_constant": (
            jaxlrs.piecewise_constant(bs, [peak, peak / 2, peak / 4]),
            optax.piecewise_constant_schedule(peak, {b: 0.5 for b in bs}),
        ),
        "piecewise_linear": (
            jaxlrs.piecewise_linear([0, *bs], [peak, peak / 2, peak / 4]),
            optax.piecewise_interpolate_schedule("linear", peak, {b: 0.5 for b in bs}),
        ),
        "one_cycle": (jaxlrs.one_cycle(peak, n), optax.cosine_onecycle_schedule(n, peak)),
        "warmup_cosine": (
            jaxlrs.warmup_cosine(peak, w, n),
            optax.warmup_cosine_decay_schedule(0.0, peak, w, n),
        ),
        "cosine": (jaxlrs.cosine(peak, n), optax.cosine_decay_schedule(peak, n)),
        "linear": (jaxlrs.linear(peak, 0.0, n), optax.linear_schedule(peak, 0.0, n)),
        "polynomial": (
            jaxlrs.polynomial(peak, 0.0, n, 2.0),
            optax.polynomial_schedule(peak, 0.0, 2.0, n),
        ),
        "exponential": (
            jaxlrs.exponential(peak, 0.5, n // 10),
            optax.exponential_decay(peak, n // 10, 0.5),
        ),
        "constant": (jaxlrs.constant(peak), optax.constant_schedule(peak)),
        "warmup_constant": (
            jaxlrs.warmup_constant(peak, w),
            optax.warmup_constant_schedule(0.0, peak, w),
        ),
        "warmup_exponential": (
            jaxlrs.warmup_exponential(peak, w, n, end=peak / 100, rate=0.01),
            optax.warmup_exponential_decay_schedule(
                0.0, peak, w, n - w, 0.01, end_value=peak / 100
            ),
        ),
        "join (linear, cosine)": (
            jaxlrs.join([jaxlrs.linear(0.0, peak, w), jaxlrs.cosine(peak, n - w)], [w]),
            optax.join_schedules(
                [optax.linear_schedule(0.0, peak, w), optax.cosine_decay_schedule(peak, n - w)],
                [w],
            ),
        ),
    }


def lowered(fn: Fn) -> Any:
    return jax.jit(lambda t: fn(t)).lower(jnp.zeros((), jnp.int32))


def scalar_compile(fn: Fn) -> float:
    """Seconds to lower and compile one scalar evaluation of ``fn`` in a fresh ``jit``.
    Each measurement starts alike, for jaxlrs and for Optax: jaxlrs' compiled evaluations
    per structure dropped, and Python's garbage collected (so that no collection of
    earlier garbage falls inside one side's timing more than the other's)."""
    _schedule._unpacking.cache_clear()
    gc.collect()
    start = time.perf_counter()
    lowered(fn).compile()
    return time.perf_counter() - start


def general_compile(s: jaxlrs.Schedule) -> float:
    """Seconds to lower and compile the program an eager call of ``s`` runs: the general
    program of its structure on its packed hyperparameters (``_schedule.evaluator``, the
    cache of compiled evaluations dropped first), for a Python-int step as the eager call
    gets. Packing the hyperparameters is left out (part of the eager call's overhead)."""
    _schedule._unpacking.cache_clear()
    object.__setattr__(s, "_packed", None)
    fn, args = _schedule.evaluator(s)
    gc.collect()
    start = time.perf_counter()
    fn.lower(*args, 1000).compile()  # type: ignore[attr-defined]
    return time.perf_counter() - start


def first_eager(s: jaxlrs.Schedule) -> float:
    """Seconds of the first eager call of ``s``, its structure's evaluation dropped."""
    _schedule._unpacking.cache_clear()
    gc.collect()
    start = time.perf_counter()
    jax.block_until_ready(s(1000))
    return time.perf_counter() - start


def size(fn: Fn) -> int:
    """Instructions in the optimized HLO module of one scalar evaluation of ``fn``."""
    return len(INSTRUCTION.findall(lowered(fn).compile().as_text()))


def returns_a_number(fn: Fn) -> bool:
    """Whether ``fn`` traced on a step returns a Python number (``optax.constant_schedule``
    does; a jaxlrs schedule returns a strongly typed ``jax.Array``, SPEC section 3)."""
    got: list[Any] = []
    jax.make_jaxpr(lambda t: got.append(fn(t)) or 0)(jnp.zeros((), jnp.int32))
    return isinstance(got[0], (int, float))


def as_array(fn: Fn) -> Fn:
    """``fn`` with its output as jaxlrs returns it: a strongly typed float array."""
    return lambda t: jnp.asarray(fn(t), _time.float_dtype())


def scalar(cfg: Config, rows: list[Row]) -> None:
    pairs = scalar_pairs(1.0)
    # Optax's schedules that return a Python number (its constant) are also compiled with
    # that number as the array jaxlrs must return: the same work, the row with the target
    numbers = {k for k, (_, o) in pairs.items() if returns_a_number(o)}
    steps = jnp.asarray(np.arange(0, 20_000, 7), jnp.int32)
    diffs = {
        k: float(np.max(np.abs(np.asarray(s(steps)) - np.asarray(jax.vmap(o)(steps)))))
        for k, (s, o) in pairs.items()
    }
    res = []
    warm = 1 if cfg.targets else 0  # round 0 warms JAX's own caches up, and is dropped
    for r in range(cfg.compile_rounds + warm):
        fresh = scalar_pairs(1.0 + (r + 1) / 64)
        runs: dict[str, Callable[[], float]] = {}
        for k, (s, o) in fresh.items():
            # each pair in turn, jaxlrs first in even rounds and Optax first in odd ones
            pair = [(f"jaxlrs {k}", s), (f"optax {k}", o)]
            if k in numbers:
                pair.append((f"optax {k} as an array", as_array(o)))
            for key, fn in pair[:: -1 if r % 2 else 1]:
                runs[key] = lambda fn=fn: scalar_compile(fn)
        new = sgdr_pair(1, 10_000, 2.0 + r / 64)[0]
        runs["first eager"] = lambda s=new: first_eager(s)
        other = sgdr_pair(1, 10_000, 3.0 + r / 64)[0]
        runs["general"] = lambda s=other: general_compile(s)
        got = interleaved(runs, 1)
        if r >= warm:
            res += got
    progress("scalar compiles")
    for k, (s, o) in pairs.items():
        j, p = f"jaxlrs {k}", f"optax {k}"
        row = Row(
            k,
            f"scalar compile ms (max diff {diffs[k]:.0e})",
            f"{median(res, j) * 1e3:.1f}",
            "Optax",
            f"{median(res, p) * 1e3:.1f}",
            ratios(res, j, p, 2),
        )
        if k in numbers:  # shown; the target is on the same work, the next row
            rows.append(row)
            p = f"optax {k} as an array"
            row = Row(
                k,
                row.measure,
                row.jaxlrs,
                f"Optax, its Python float as a {np.dtype(_time.float_dtype()).name} array",
                f"{median(res, p) * 1e3:.1f}",
                ratios(res, j, p, 2),
            )
        if cfg.targets:
            low = interval(res, lambda rs, j=j, p=p: ratio(rs, j, p))[0]
            row.target, row.met = "<=1.0x", resolved(ratio(res, j, p), low, 1.0)
        rows.append(row)
        mine, theirs = size(s), size(o)
        row = Row(k, "HLO ops, optimized", str(mine), "Optax", str(theirs), f"{mine / theirs:.2f}x")
        rows.append(judged(row, cfg, "<=1.0x", mine / theirs, 1.0))
    one = "jaxlrs sgdr, 1 cycle"
    row = Row(
        "sgdr, 1 cycle",
        "first eager call ms, new structure",
        f"{median(res, 'first eager') * 1e3:.1f}",
        "compile of the program it runs",
        f"{median(res, 'general') * 1e3:.1f}",
        ratios(res, "first eager", "general", 2),
    )
    rows.append(judged(row, cfg, "<=1.2x", ratio(res, "first eager", "general"), 1.2))
    rows.append(
        Row(
            "sgdr, 1 cycle",
            "first eager call ms, new structure",
            row.jaxlrs,
            "its constant form's compile (scalar row)",
            f"{median(res, one) * 1e3:.1f}",
            ratios(res, "first eager", one, 2),
        )
    )
    rows.append(
        Row(
            "sgdr, 1 cycle",
            "first eager call ms, new structure",
            row.jaxlrs,
            "Optax's scalar compile",
            f"{median(res, 'optax sgdr, 1 cycle') * 1e3:.1f}",
            ratios(res, "first eager", "optax sgdr, 1 cycle", 2),
        )
    )


def dispatch(cfg: Config, rows: list[Row]) -> None:
    trivial = jax.jit(lambda t: t + 1)
    schedules = {
        f"sgdr, {cfg.cycles} cycles": sgdr_pair(cfg.cycles, cfg.steps)[0],
        "warmup_cosine": jaxlrs.warmup_cosine(1.0, cfg.steps // 20, cfg.steps),
    }
    runs = {"trivial": eager_calls(trivial, cfg.eager_round_s)}
    for name, s in schedules.items():
        runs[name] = eager_calls(s, cfg.eager_round_s)
    for f in (trivial, *schedules.values()):
        jax.block_until_ready(f(0))  # compile / warm up
    interleaved(runs, 1)  # calibrates the calls per round
    res = interleaved(runs, cfg.rounds)
    for name in schedules:
        row = Row(
            name,
            "eager call us, Python-int step",
            f"{median(res, name) * 1e6:.1f}",
            "cached jax.jit(lambda t: t + 1)(int)",
            f"{median(res, 'trivial') * 1e6:.1f}",
            ratios(res, name, "trivial", 2),
        )
        rows.append(judged(row, cfg, "<=2x", ratio(res, name, "trivial"), 2.0))


def subprocess_seconds(args: Sequence[str]) -> Callable[[], float]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )

    def run() -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], check=True, env=env, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    return run


def cli(cfg: Config, rows: list[Row]) -> None:
    expr, steps = "sgdr(1.0, 1000)", "10000"
    floor = (
        "import jax, numpy as np, jax.numpy as jnp; "
        "jax.jit(jnp.cos)(np.float32(0)).block_until_ready()"
    )
    runs = {
        "show": subprocess_seconds(["-m", "jaxlrs", "show", expr, "--steps", steps]),
        "floor": subprocess_seconds(["-c", floor]),
    }
    res = interleaved(runs, cfg.rounds)
    row = Row(
        f"show {expr!r} --steps {steps}",
        "subprocess wall s",
        f"{median(res, 'show'):.2f}",
        "python -c: import jax + one compile",
        f"{median(res, 'floor'):.2f}",
        ratios(res, "show", "floor", 2),
    )
    rows.append(judged(row, cfg, "<=1.5x", ratio(res, "show", "floor"), 1.5))


LOOP_CALLS = 3  # timed calls of a training loop per round


def least_ratio(rounds: list[dict[str, float]], top: str, bottom: str) -> float:
    """The least time of ``top`` over all rounds, over the least of ``bottom``."""
    return min(r[top] for r in rounds) / min(r[bottom] for r in rounds)


def mlp_loop(rate: Any, steps: int) -> Callable[[], float]:
    """Seconds of one jitted ``lax.scan`` of ``steps`` Adam steps on a small MLP
    (128 -> 256 -> 128, batch 32), from the same start each call; the least of
    ``LOOP_CALLS`` calls."""
    opt = optax.adam(learning_rate=rate)
    k1, k2, k3 = jax.random.split(jax.random.key(0), 3)
    params = {
        "w1": jax.random.normal(k1, (128, 256)) / 12,
        "w2": jax.random.normal(k2, (256, 128)) / 16,
    }
    xs = jax.random.normal(k3, (steps, 32, 128))

    def loss(p: Any, x: jax.Array) -> jax.Array:
        return jnp.mean((jnp.tanh(x @ p["w1"]) @ p["w2"] - x) ** 2)

    def step(carry: Any, x: jax.Array) -> tuple[Any, None]:
        p, state = carry
        updates, state = opt.update(jax.grad(loss)(p, x), state, p)
        return (optax.apply_updates(p, updates), state), None

    train = jax.jit(lambda p, s, xs: jax.lax.scan(step, (p, s), xs)[0])
    state = opt.init(params)
    jax.block_until_ready(train(params, state, xs))  # compile
    return lambda: best_of(lambda: train(params, state, xs), LOOP_CALLS)


def loop(cfg: Config, rows: list[Row]) -> None:
    n = 100_000
    sgdr, optax_sgdr = sgdr_pair(100, n, 1e-3)
    runs = {
        "constant": mlp_loop(1e-3, cfg.loop_steps),
        "jaxlrs sgdr, 100 cycles": mlp_loop(sgdr, cfg.loop_steps),
        "optax sgdr, 100 cycles": mlp_loop(optax_sgdr, cfg.loop_steps),
        "jaxlrs warmup_cosine": mlp_loop(jaxlrs.warmup_cosine(1e-3, n // 20, n), cfg.loop_steps),
        "optax warmup_cosine": mlp_loop(
            optax.warmup_cosine_decay_schedule(0.0, 1e-3, n // 20, n), cfg.loop_steps
        ),
    }
    res = interleaved(runs, cfg.loop_rounds, rotate=True)
    # A 1% effect under rounds that spread by 20% on a shared machine: each loop's time is
    # its least over every call of the run (other work only ever adds time), the ratio that
    # of the least times; in parentheses the per-round ratios' range, for the noise.
    least = {key: min(r[key] for r in res) for key in runs}
    us = 1e6 / cfg.loop_steps
    for key in list(runs)[1:]:
        lib, name = key.split(" ", 1)
        over = least_ratio(res, key, "constant")
        each = [r[key] / r["constant"] for r in res]
        row = Row(
            f"Adam MLP loop, {name}" + ("" if lib == "jaxlrs" else " (Optax's)"),
            f"us/step, lax.scan of {cfg.loop_steps} (least of {LOOP_CALLS * len(res)} calls)",
            f"{least[key] * us:.1f}",
            "the same loop, constant rate",
            f"{least['constant'] * us:.1f}",
            f"{over:.3f}x ({min(each):.3f}-{max(each):.3f})",
        )
        if lib == "jaxlrs" and cfg.targets:
            low = interval(res, lambda rs, k=key: least_ratio(rs, k, "constant"))[0]
            row.target, row.met = "<1.01x", resolved(over, low, 1.01 - 1e-12)
        rows.append(row)


SECTIONS = {
    "summary": summary,
    "scalar": scalar,
    "dispatch": dispatch,
    "cli": cli,
    "loop": loop,
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_table(argv, SECTIONS, __doc__ or "")


if __name__ == "__main__":
    sys.exit(main())
