"""What the benchmarks share: sizes, A/B timing in interleaved rounds, the table, ``main``.

Every row of the table compares one jaxlrs measurement with a floor or a peer measured in
the same run: the column ``jaxlrs / against`` is the median over interleaved rounds (A, B,
A, B, ...) of the per-round ratio, so that a shared machine's drift (up to 2x between runs)
cancels. Absolute medians are shown for information.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import optax

import jaxlrs

Fn = Callable[[Any], Any]


@dataclasses.dataclass(frozen=True)
class Config:
    steps: int  # length of the throughput and summary evaluations
    cycles: int  # sgdr cycles in the throughput and eager rows
    knots: int  # piecewise_constant boundaries
    compile_cycles: tuple[int, ...]
    optax_max_cycles: int  # larger Optax compiles are skipped
    rounds: int  # interleaved rounds per comparison
    eager_round_s: float  # minimum duration of one round of eager calls
    loop_steps: int  # Adam steps per timed training loop
    loop_rounds: int  # interleaved rounds of the training loops (a 1% effect)
    compile_rounds: int  # rounds of the scalar compiles (effects of a few percent)
    big: tuple[int, ...]  # steps of the bandwidth rows
    targets: bool  # whether the sizes are those the targets are stated for


FULL = Config(
    10**7, 100, 1_000, (1, 10, 100, 1_000), 1_000, 7, 0.05, 300, 30, 25, (10**8, 10**9), True
)
QUICK = Config(10**4, 10, 20, (1, 10), 10, 1, 0.002, 5, 1, 1, (10**4,), False)


@dataclasses.dataclass
class Row:
    case: str
    measure: str
    jaxlrs: str  # the jaxlrs measurement
    against: str  # the floor or peer it is compared with
    value: str  # the floor's or peer's measurement
    ratio: str  # jaxlrs / against, the median of per-round ratios
    target: str = ""
    met: str = ""


HEAD = Row("case", "measure", "jaxlrs", "against", "its value", "jaxlrs/against", "target", "met")


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def interval(
    rounds: list[dict[str, float]],
    stat: Callable[[list[dict[str, float]]], float],
    resamples: int = 2000,
) -> tuple[float, float]:
    """A 90% bootstrap interval of ``stat(rounds)``: the rounds resampled with replacement
    (a fixed seed, so a run's table is reproducible from its timings)."""
    rng = random.Random(0)
    n = len(rounds)
    values = sorted(stat([rounds[rng.randrange(n)] for _ in range(n)]) for _ in range(resamples))
    return values[resamples // 20], values[resamples - 1 - resamples // 20]


def resolved(value: float, low: float, limit: float) -> str:
    """The verdict on ``value <= limit`` measured with the 90% interval ``[low, ...]``:
    ``yes`` when it holds, ``tie`` when it does not but the interval reaches the limit (the
    run cannot tell the two sides apart: equal within its resolution), ``NO`` when the
    interval lies wholly above it."""
    if value <= limit:
        return "yes"
    return f"tie ({low:.3f})" if low <= limit else "NO"


def progress(message: str) -> None:
    print(f"  ... {message}", file=sys.stderr, flush=True)


def seconds(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    jax.block_until_ready(fn())
    return time.perf_counter() - start


def best_of(fn: Callable[[], Any], calls: int) -> float:
    """The least of ``calls`` timings of ``fn``: other work on a shared machine only ever
    adds time, so the least is the steadiest (for effects of a few percent)."""
    return min(seconds(fn) for _ in range(calls))


def interleaved(
    runs: Mapping[str, Callable[[], float]], rounds: int, rotate: bool = False
) -> list[dict[str, float]]:
    """``rounds`` rounds, each running every entry once; one dict per round. In order, or
    with ``rotate`` starting each round one entry later, so that no entry is always first
    (for effects of a few percent)."""
    keys = list(runs)
    out = []
    for r in range(rounds):
        first = r % len(keys) if rotate else 0
        out.append({key: runs[key]() for key in keys[first:] + keys[:first]})
    return out


def median(rounds: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


def ratio(rounds: list[dict[str, float]], top: str, bottom: str) -> float:
    """The median over rounds of ``top / bottom`` measured in the same round."""
    return statistics.median(r[top] / r[bottom] for r in rounds)


def ratios(
    rounds: list[dict[str, float]], top: str, bottom: str, digits: int = 2, unit: str = "x"
) -> str:
    """The median per-round ratio ``top / bottom``, and with more than one round the
    smallest and largest, for the run's noise: ``1.13x (0.95-1.62)``."""
    text = f"{ratio(rounds, top, bottom):.{digits}f}{unit}"
    if len(rounds) > 1:
        each = [r[top] / r[bottom] for r in rounds]
        text += f" ({min(each):.{digits}f}-{max(each):.{digits}f})"
    return text


def over_iota(fn: Fn, steps: int, stride: int = 1) -> Fn:
    """``fn`` over the steps ``t0, t0 + stride, ...`` below ``t0 + steps``, to be called in
    one jitted call (``t0`` is an argument so that nothing is constant-folded)."""
    return lambda t0: fn(t0 + jnp.arange(0, steps, stride, dtype=t0.dtype))


def sgdr_pair(cycles: int, steps: int, peak: float = 1.0) -> tuple[jaxlrs.Schedule, Fn]:
    """``cycles`` equal cosine cycles filling ``steps``: jaxlrs and Optax."""
    period = steps // cycles
    cycle = dict(init_value=0.0, peak_value=peak, decay_steps=period, warmup_steps=0)
    return (
        jaxlrs.sgdr(peak, period, limit=cycles),
        optax.sgdr_schedule([dict(cycle, end_value=0.0) for _ in range(cycles)]),
    )


def eager_calls(fn: Fn, round_s: float) -> Callable[[], float]:
    """Seconds per call of ``fn(step)`` with a Python-int step, as when logging; enough
    calls per round to last ``round_s`` (calibrated on the first round)."""
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
    cols = [dataclasses.astuple(r) for r in [HEAD, *rows]]
    widths = [max(len(c[i]) for c in cols) for i in range(len(cols[0]))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cols[0]), rule, *(line(c) for c in cols[1:])])


Section = Callable[[Config, list[Row]], None]


def run_table(argv: Sequence[str] | None, sections: Mapping[str, Section], doc: str) -> int:
    """Parse the options, run the chosen ``sections`` (all by default) and print one table."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per comparison")
    parser.add_argument(
        "--optax-max-cycles",
        type=int,
        help="compile Optax's sgdr only up to this many cycles (1,000 takes ~10 s)",
    )
    parser.add_argument(
        "--big",
        action="store_true",
        help="measure the 10**8 and 10**9-step bandwidth rows on a CPU too (on a GPU always)",
    )
    parser.add_argument(
        "--only",
        help=f"comma-separated sections to run, of: {', '.join(sections)}",
    )
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    if args.rounds is not None:
        cfg = dataclasses.replace(
            cfg, rounds=args.rounds, loop_rounds=args.rounds, compile_rounds=args.rounds
        )
    if args.optax_max_cycles is not None:
        cfg = dataclasses.replace(cfg, optax_max_cycles=args.optax_max_cycles)
    if not args.big and jax.default_backend() == "cpu":
        cfg = dataclasses.replace(cfg, big=())
    chosen = list(sections) if args.only is None else args.only.split(",")
    unknown = [name for name in chosen if name not in sections]
    if unknown:
        parser.error(f"--only: unknown section(s) {unknown}; allowed: {', '.join(sections)}")
    start = time.perf_counter()
    rows: list[Row] = []
    # Optax is written for JAX's default ("standard") dtype promotion; run both libraries
    # under it, as a user would, even when the caller enabled strict promotion (tests).
    with jax.numpy_dtype_promotion("standard"):
        for name in chosen:
            sections[name](cfg, rows)
            progress(f"{name} done")
    print(f"jaxlrs benchmark on {machine()}")
    print(
        f"Sizes: {'quick (smoke run; targets not judged)' if args.quick else 'full'}; "
        f"{cfg.rounds} interleaved round(s) ({cfg.compile_rounds} for the scalar compiles, "
        f"{cfg.loop_rounds} for the training loops); jaxlrs/against is the median of "
        f"per-round ratios (the training loops: the ratio of the least times), in "
        f"parentheses the smallest and largest per-round ratio."
    )
    print(render(rows))
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0
