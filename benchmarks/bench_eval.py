"""How fast jaxlrs evaluates, against Optax and against a bare ``cos``.

Prints one table, every number measured in this run:

* **throughput**: ``sgdr`` with 100 cycles, ``warmup_cosine`` and ``piecewise_constant``
  with 1,000 knots, each evaluated over 10**7 steps in one jitted call, against the Optax
  equivalent (``optax.sgdr_schedule`` with 100 cycle dicts,
  ``optax.warmup_cosine_decay_schedule``, ``optax.piecewise_constant_schedule`` with 1,000
  boundaries) and against a floor: a jitted ``cos`` over the same steps;
* **compile time** of ``sgdr`` with 1, 10, 100 and 1,000 cycles, against
  ``optax.sgdr_schedule`` (tracing, lowering and compiling the 10**7-step function);
* **eager call**: one call with a Python-int step and no ``jit``, as when logging.

Timings on a shared machine move by up to 2x between runs, so every comparison is measured
in interleaved rounds (A, B, A, B, ...) in one process; the table shows the median of the
per-round ratios, with median absolute times as secondary information. Nothing here is
device specific: it runs unchanged on CPU or GPU (``jax.block_until_ready`` everywhere).

Usage::

    python benchmarks/bench_eval.py              # the full run (about 2 minutes on 2 cores)
    python benchmarks/bench_eval.py --quick      # small sizes, a few seconds (smoke test)
    python benchmarks/bench_eval.py --optax-max-cycles 100   # skip Optax's slow compiles
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs

Fn = Callable[[Any], Any]


@dataclasses.dataclass(frozen=True)
class Config:
    steps: int  # length of the throughput evaluation
    cycles: int  # sgdr cycles in the throughput and eager rows
    knots: int  # piecewise_constant boundaries
    compile_cycles: tuple[int, ...]
    optax_max_cycles: int  # larger Optax compiles are skipped
    rounds: int  # interleaved rounds per comparison
    eager_round_s: float  # minimum duration of one round of eager calls
    targets: bool  # whether the sizes are those the targets are stated for


FULL = Config(10**7, 100, 1_000, (1, 10, 100, 1_000), 1_000, 5, 0.05, True)
QUICK = Config(10**4, 10, 20, (1, 10), 10, 1, 0.002, False)


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    jaxlrs: jaxlrs.Schedule
    optax: Fn
    # Optax's piecewise_constant loops over every boundary at every step (~2-5 us a step
    # with 1,000 of them: ~30 s for 10**7 steps), so it is timed on every 100th step only.
    optax_stride: int = 1


def sgdr_pair(cycles: int, steps: int, peak: float = 1.0) -> tuple[jaxlrs.Schedule, Fn]:
    """``cycles`` equal cosine cycles filling ``steps``: jaxlrs and Optax."""
    period = steps // cycles
    cycle = dict(init_value=0.0, peak_value=peak, decay_steps=period, warmup_steps=0)
    return (
        jaxlrs.sgdr(peak, period, limit=cycles),
        optax.sgdr_schedule([dict(cycle, end_value=0.0) for _ in range(cycles)]),
    )


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


def over_iota(fn: Fn, steps: int, stride: int = 1) -> Fn:
    """``fn`` over the steps ``t0, t0 + stride, ...`` below ``t0 + steps``, to be called in
    one jitted call (``t0`` is an argument so that nothing is constant-folded)."""
    return lambda t0: fn(t0 + jnp.arange(0, steps, stride, dtype=t0.dtype))


def floor(t: jax.Array) -> jax.Array:
    """The cheapest schedule-like work: one ``cos`` per step, of an argument in [0, pi]."""
    return jnp.cos(t.astype(jnp.float32) * np.float32(np.pi / t.shape[0]))


def progress(message: str) -> None:
    print(f"  ... {message}", file=sys.stderr, flush=True)


def seconds(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    jax.block_until_ready(fn())
    return time.perf_counter() - start


def interleaved(runs: dict[str, Callable[[], float]], rounds: int) -> list[dict[str, float]]:
    """``rounds`` rounds, each running every entry once in order; one dict per round."""
    return [{key: run() for key, run in runs.items()} for _ in range(rounds)]


def median(rounds: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


def ratio(rounds: list[dict[str, float]], top: str, bottom: str) -> float:
    """The median over rounds of ``top / bottom`` measured in the same round."""
    return statistics.median(r[top] / r[bottom] for r in rounds)


@dataclasses.dataclass
class Row:
    case: str
    measure: str
    jaxlrs: str
    optax: str = "-"
    base: str = "-"
    speedup: str = "-"  # optax / jaxlrs
    vs_base: str = "-"  # jaxlrs / base
    target: str = ""
    met: str = ""


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


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
    progress("throughput")
    ns = 1e9 / cfg.steps
    for i, c in enumerate(table):
        j, o = f"jaxlrs {c.name}", f"optax {c.name}"
        # Per step evaluated: Optax may run on every k-th step only.
        per_step = [{**r, o: r[o] * c.optax_stride} for r in res]
        note = f"; optax on every {c.optax_stride}th" if c.optax_stride > 1 else ""
        row = Row(
            c.name,
            f"ns/step (max diff {diffs[c.name]:.0e}{note})",
            f"{median(res, j) * ns:.2f}",
            f"{median(per_step, o) * ns:.2f}",
            f"{median(res, 'floor') * ns:.2f} (cos)",
            f"{ratio(per_step, o, j):.1f}x",
            f"{ratio(res, j, 'floor'):.2f}x",
        )
        if i == 0 and cfg.targets:
            row.target = ">=50x, <=1.5x"
            row.met = verdict(ratio(res, o, j) >= 50 and ratio(res, j, "floor") <= 1.5)
        rows.append(row)


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
    for c in sizes:
        j, o = f"jaxlrs {c}", f"optax {c}"
        done = [r for r in res if o in r]
        row = Row(
            f"sgdr, {c} cycle{'s' if c > 1 else ''}",
            "compile s",
            f"{median(res, j):.3f}",
            f"{median(done, o):.3f}" if done else "skipped",
            f"{median(res, one):.3f} (1 cycle)",
            f"{ratio(done, o, j):.1f}x" if done else "-",
            f"{ratio(res, j, one):.2f}x",
        )
        if c == sizes[-1] and cfg.targets:
            row.target = "<=1.5x"
            row.met = verdict(ratio(res, j, one) <= 1.5)
        rows.append(row)


def eager_calls(fn: Fn, round_s: float) -> Callable[[], float]:
    """Seconds per call of ``fn(step)`` with a Python-int step, as when logging; enough
    calls per round to last ``round_s``."""
    step = [1_000]
    number = [1]

    def run() -> float:
        while True:
            start = time.perf_counter()
            for _ in range(number[0]):
                jax.block_until_ready(fn(step[0]))
                step[0] += 1
            took = time.perf_counter() - start
            if took >= round_s or number[0] >= 1 << 20:
                return took / number[0]
            number[0] *= 2

    return run


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
    progress("eager calls")
    for c in table:
        j, o = f"jaxlrs {c.name}", f"optax {c.name}"
        rows.append(
            Row(
                c.name,
                "eager call us",
                f"{median(res, j) * 1e6:.1f}",
                f"{median(res, o) * 1e6:.1f}",
                speedup=f"{ratio(res, o, j):.1f}x",
                target="<50 us" if cfg.targets else "",
                met=verdict(median(res, j) < 50e-6) if cfg.targets else "",
            )
        )


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    dev = jax.devices()[0]
    return (
        f"{cpu_model()}, {os.cpu_count()} cores; {jax.default_backend()} "
        f"({dev.device_kind}, {jax.device_count()} device(s)); python {platform.python_version()}, "
        f"jax {jax.__version__}, optax {optax.__version__}, float dtype "
        f"{jnp.zeros(()).dtype}"
    )


def render(rows: Sequence[Row]) -> str:
    head = Row(
        "case",
        "measure",
        "jaxlrs",
        "optax",
        "base",
        "optax/jaxlrs",
        "jaxlrs/base",
        "target",
        "met",
    )
    cols = [dataclasses.astuple(r) for r in [head, *rows]]
    widths = [max(len(c[i]) for c in cols) for i in range(len(cols[0]))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cols[0]), rule, *(line(c) for c in cols[1:])])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per comparison")
    parser.add_argument(
        "--optax-max-cycles",
        type=int,
        help="compile Optax's sgdr only up to this many cycles (1,000 takes ~10 s)",
    )
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    if args.rounds is not None:
        cfg = dataclasses.replace(cfg, rounds=args.rounds)
    if args.optax_max_cycles is not None:
        cfg = dataclasses.replace(cfg, optax_max_cycles=args.optax_max_cycles)
    start = time.perf_counter()
    rows: list[Row] = []
    # Optax is written for JAX's default ("standard") dtype promotion; run both libraries
    # under it, as a user would, even when the caller enabled strict promotion (tests).
    with jax.numpy_dtype_promotion("standard"):
        throughput(cfg, rows)
        compile_times(cfg, rows)
        eager(cfg, rows)
    print(f"jaxlrs benchmark on {machine()}")
    print(
        f"ns/step: one jitted call over {cfg.steps:,} steps (max diff: largest difference "
        f"between the jaxlrs and Optax values); compile: trace + lower + compile of that "
        f"call; eager: one call with a Python-int step, no jit. Medians of {cfg.rounds} "
        f"interleaved round(s); ratios are medians of per-round ratios; base: a jitted cos "
        f"over the same steps, or the 1-cycle compile."
    )
    print(render(rows))
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
