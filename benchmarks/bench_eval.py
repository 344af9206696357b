"""How fast jaxlrs evaluates and how long a user waits, against Optax and against floors.

``python benchmarks/bench_eval.py`` prints one table, every number measured in this run.
This file holds the evaluation rows; ``bench_wait.py`` the rows of what a user waits for
(``summary``, compiles and compiled size, first and later eager calls, the command line, a
training loop); ``_common.py`` the shared timing and table code. Rows here:

* **throughput**: ``sgdr`` with 100 cycles, ``warmup_cosine`` and ``piecewise_constant``
  with 1,000 knots, each evaluated over 10**7 steps in one jitted call, against the Optax
  equivalent (``optax.sgdr_schedule`` with 100 cycle dicts,
  ``optax.warmup_cosine_decay_schedule``, ``optax.piecewise_constant_schedule`` with 1,000
  boundaries) and against a floor: a jitted ``cos`` over the same steps;
* **compile time** of ``sgdr`` with 1, 10, 100 and 1,000 cycles, against
  ``optax.sgdr_schedule`` (tracing, lowering and compiling the 10**7-step function);
* **eager call**: one call with a Python-int step and no ``jit``, as when logging;
* **bandwidth** (on a GPU, or with ``--big``): ``sgdr`` with 100 cycles written out over
  10**8 and 10**9 steps, in GB/s, as a fraction of a jitted fill of as many float32 values
  (the device's write bandwidth, measured in the same rounds).

Timings on a shared machine move by up to 2x between runs, so every comparison is measured
in interleaved rounds (A, B, A, B, ...) in one process; the table shows the median of the
per-round ratios, with median absolute times as secondary information. Nothing here is
device specific: it runs unchanged on CPU or GPU (``jax.block_until_ready`` everywhere).

Usage::

    python benchmarks/bench_eval.py              # the full run (a few minutes on 2 cores)
    python benchmarks/bench_eval.py --quick      # small sizes, seconds (smoke test)
    python benchmarks/bench_eval.py --optax-max-cycles 100   # skip Optax's slow compiles
    python benchmarks/bench_eval.py --only throughput,bandwidth --big   # some sections
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable, Sequence

import bench_wait
import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import (
    Config,
    Fn,
    Row,
    eager_calls,
    interleaved,
    median,
    over_iota,
    progress,
    ratio,
    ratios,
    run_table,
    seconds,
    sgdr_pair,
    verdict,
)

import jaxlrs


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    jaxlrs: jaxlrs.Schedule
    optax: Fn
    # Optax's piecewise_constant loops over every boundary at every step (~2-5 us a step
    # with 1,000 of them: ~30 s for 10**7 steps), so it is timed on every 100th step only.
    optax_stride: int = 1


def cases(cfg: Config) -> list[Case]:
    n = cfg.steps
    warmup = n // 20
    # Optax multiplies by each passed boundary's scale in float32; the same cumulative
    # product gives jaxlrs' values, so both compute identical numbers.
    width = n // (cfg.knots + 1)
    boundaries = [width * (i + 1) for i in range(cfg.knots)]
    scales = [0.999 if i % 2 else 1.001 for i in range(cfg.knots)]
    values = np.cumprod(np.array([1.0, *scales], np.float32), dtype=np.float32).tolist()
    return [
        Case(f"sgdr, {cfg.cycles} cycles", *sgdr_pair(cfg.cycles, n)),
        Case(
            "warmup_cosine",
            jaxlrs.warmup_cosine(1.0, warmup, n),
            optax.warmup_cosine_decay_schedule(0.0, 1.0, warmup, n),
        ),
        Case(
            f"piecewise_constant, {cfg.knots} knots",
            jaxlrs.piecewise_constant(boundaries, values),
            optax.piecewise_constant_schedule(1.0, dict(zip(boundaries, scales, strict=True))),
            optax_stride=100 if n >= 10**6 else 1,
        ),
    ]


def floor(t: jax.Array) -> jax.Array:
    """The cheapest schedule-like work: one ``cos`` per step, of an argument in [0, pi]."""
    return jnp.cos(t.astype(jnp.float32) * np.float32(np.pi / t.shape[0]))


def throughput(cfg: Config, rows: list[Row]) -> None:
    t0 = jnp.zeros((), jnp.int32)
    fns: dict[str, Fn] = {"floor": jax.jit(over_iota(floor, cfg.steps))}
    table = cases(cfg)
    diffs = {}
    for c in table:
        fns[f"jaxlrs {c.name}"] = jax.jit(over_iota(c.jaxlrs, cfg.steps))
        fns[f"optax {c.name}"] = jax.jit(over_iota(c.optax, cfg.steps, c.optax_stride))
        # Warm up (compile) and check that both compute the same schedule.
        a = np.asarray(fns[f"jaxlrs {c.name}"](t0), np.float64)[:: c.optax_stride]
        b = np.asarray(fns[f"optax {c.name}"](t0), np.float64)
        diffs[c.name] = float(np.max(np.abs(a - b)))
        progress(f"compiled {c.name}")
    jax.block_until_ready(fns["floor"](t0))
    runs = {key: (lambda f=f: seconds(lambda: f(t0))) for key, f in fns.items()}
    res = interleaved(runs, cfg.rounds)
    ns = 1e9 / cfg.steps
    for i, c in enumerate(table):
        j, o = f"jaxlrs {c.name}", f"optax {c.name}"
        # Per step evaluated: Optax may run on every k-th step only.
        per_step = [{**r, o: r[o] * c.optax_stride} for r in res]
        note = f"; optax on every {c.optax_stride}th" if c.optax_stride > 1 else ""
        mine = f"{median(res, j) * ns:.2f}"
        measure = f"ns/step, {cfg.steps:.0e} steps"
        vs_optax = Row(
            c.name,
            f"{measure} (max diff {diffs[c.name]:.0e}{note})",
            mine,
            "Optax",
            f"{median(per_step, o) * ns:.2f}",
            ratios(per_step, j, o, 3),
        )
        vs_floor = Row(c.name, measure, mine, "jitted cos", f"{median(res, 'floor') * ns:.2f}", "")
        vs_floor.ratio = ratios(res, j, "floor", 2)
        if i == 0 and cfg.targets:
            vs_optax.target, vs_floor.target = "<=0.02x (50x faster)", "<=1.5x"
            vs_optax.met = verdict(ratio(per_step, j, o) <= 0.02)
            vs_floor.met = verdict(ratio(res, j, "floor") <= 1.5)
        rows += [vs_optax, vs_floor]


def compile_seconds(fn: Fn, steps: int) -> Callable[[], float]:
    """Trace, lower and compile ``fn`` over ``steps`` steps in a fresh ``jit``."""
    t0 = jnp.zeros((), jnp.int32)

    def run() -> float:
        start = time.perf_counter()
        jax.jit(over_iota(fn, steps)).lower(t0).compile()
        return time.perf_counter() - start

    return run


def compile_times(cfg: Config, rows: list[Row]) -> None:
    sizes = cfg.compile_cycles
    res: list[dict[str, float]] = []
    for r in range(cfg.rounds):
        # A new peak each round: nothing can come from a cache of an earlier compile.
        peak = 1.0 + r / 64
        runs = {}
        for c in sizes:
            s, o = sgdr_pair(c, cfg.steps, peak)
            runs[f"jaxlrs {c}"] = compile_seconds(s, cfg.steps)
            # Optax's compile grows with the cycles: the largest are compiled once.
            if c <= cfg.optax_max_cycles and (c <= 100 or r == 0):
                runs[f"optax {c}"] = compile_seconds(o, cfg.steps)
        res += interleaved(runs, 1)
        progress(f"compile round {r + 1} of {cfg.rounds}")
    one = f"jaxlrs {sizes[0]}"
    measure = f"compile s, {cfg.steps:.0e}-step call"
    for c in sizes:
        j, o = f"jaxlrs {c}", f"optax {c}"
        done = [r for r in res if o in r]
        case = f"sgdr, {c} cycle{'s' if c > 1 else ''}"
        mine = f"{median(res, j):.3f}"
        if done:
            rows.append(
                Row(
                    case,
                    measure,
                    mine,
                    "Optax",
                    f"{median(done, o):.3f}",
                    ratios(done, j, o, 2),
                )
            )
        else:
            rows.append(Row(case, measure, mine, "Optax", "skipped", "-"))
        if c != sizes[0]:
            row = Row(case, measure, mine, "jaxlrs, 1 cycle", f"{median(res, one):.3f}", "")
            row.ratio = ratios(res, j, one, 2)
            if c == sizes[-1] and cfg.targets:
                row.target, row.met = "<=1.5x", verdict(ratio(res, j, one) <= 1.5)
            rows.append(row)


def eager(cfg: Config, rows: list[Row]) -> None:
    runs = {}
    table = cases(cfg)
    for c in table:
        for lib, fn in (("jaxlrs", c.jaxlrs), ("optax", c.optax)):
            jax.block_until_ready(fn(0))  # compile / warm up
            runs[f"{lib} {c.name}"] = eager_calls(fn, cfg.eager_round_s)
    # One round first to calibrate the number of calls per round, then the measured ones.
    interleaved(runs, 1)
    res = interleaved(runs, cfg.rounds)
    for c in table:
        j, o = f"jaxlrs {c.name}", f"optax {c.name}"
        rows.append(
            Row(
                c.name,
                "eager call us, Python-int step",
                f"{median(res, j) * 1e6:.1f}",
                "Optax",
                f"{median(res, o) * 1e6:.1f}",
                ratios(res, j, o, 4),
                target="<50 us" if cfg.targets else "",
                met=verdict(median(res, j) < 50e-6) if cfg.targets else "",
            )
        )


FILL = "fill (write bandwidth)"


def fill(t0: jax.Array, steps: int) -> jax.Array:
    """The write-bandwidth floor: ``steps`` float32 values, each costing nothing."""
    return jnp.full((steps,), t0.astype(jnp.float32))


def bandwidth(cfg: Config, rows: list[Row]) -> None:
    """GB/s of ``sgdr`` written over 10**8 and 10**9 steps, against a fill of as many
    float32 values (on a CPU only with ``--big``: ``n/a on CPU`` otherwise)."""
    case = f"sgdr, {cfg.cycles} cycles"
    if not cfg.big:
        for n in (10**8, 10**9):
            rows.append(Row(case, f"GB/s written, {n:.0e} steps", "n/a on CPU", FILL, "-", "-"))
        return
    t0 = jnp.zeros((), jnp.int32)
    for n in cfg.big:
        s, _ = sgdr_pair(cfg.cycles, n)
        runs = {}
        for key, f in (
            ("jaxlrs", jax.jit(over_iota(s, n))),
            ("fill", jax.jit(lambda t, n=n: fill(t, n))),
        ):
            jax.block_until_ready(f(t0))  # compile / warm up
            runs[key] = lambda f=f: seconds(lambda: f(t0))
        res = interleaved(runs, cfg.rounds)
        gbs = {key: 4 * n / median(res, key) / 1e9 for key in runs}
        rows.append(
            Row(
                case,
                f"GB/s written, {n:.0e} steps (ratio: fraction of the fill's)",
                f"{gbs['jaxlrs']:.1f}",
                FILL,
                f"{gbs['fill']:.1f}",
                ratios(res, "fill", "jaxlrs", 2, ""),
            )
        )
        progress(f"bandwidth {n:.0e}")


SECTIONS = {
    "throughput": throughput,
    "compile": compile_times,
    "eager": eager,
    "bandwidth": bandwidth,
    **bench_wait.SECTIONS,
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_table(argv, SECTIONS, __doc__ or "")


if __name__ == "__main__":
    sys.exit(main())
