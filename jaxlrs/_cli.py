"""The command line: ``python -m jaxlrs show EXPR --steps N``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

import numpy as np

from ._parse import parse
from ._schedule import Schedule
from ._serialize import from_dict, to_dict
from ._tools import evaluate, phases, sample_steps, summary

WIDTH, HEIGHT = 64, 16
"""The terminal plot's grid, in characters (it prints 79 columns wide)."""


def load(text: str) -> Schedule:
    """A schedule from an expression, or from the path of a JSON file written from
    ``to_dict``."""
    if text.endswith(".json") or os.path.isfile(text):
        try:
            with open(text, encoding="utf-8") as f:
                data = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{text}: not valid JSON: {e}") from None
        return from_dict(data)
    return parse(text)


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def text_plot(
    schedule: Schedule, steps: int, *, width: int = WIDTH, height: int = HEIGHT, log: bool = False
) -> str:
    """The schedule over ``range(steps)`` drawn with characters: each column shows the
    range of the values over its steps (every step when there are at most 64 per column,
    else a sample), ``|`` marks phase boundaries on the step axis."""
    bounds = phases(schedule, steps)
    x = sample_steps(steps, width * 64, bounds)
    v = evaluate(schedule, x).astype(np.float64)
    if log:
        v = np.where(v > 0, v, np.nan)
        v = np.log10(v)
    col = np.minimum(x * width // steps, width - 1)
    finite = v[np.isfinite(v)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = hi - lo if hi > lo else 1.0

    def row(y: float) -> int:
        return round((y - lo) / span * (height - 1))

    grid = [[" "] * width for _ in range(height)]
    prev: int | None = None
    for c in range(width):
        vals = v[(col == c) & np.isfinite(v)]
        if not vals.size:
            continue
        r0, r1 = row(float(vals.min())), row(float(vals.max()))
        if prev is not None:  # join to the previous column so jumps read as lines
            r0, r1 = min(r0, prev), max(r1, prev)
        for r in range(r0, r1 + 1):
            grid[height - 1 - r][c] = "*"
        prev = row(float(vals[-1]))

    def label(y: float) -> str:
        return _fmt(10**y) if log else _fmt(y)

    lines = []
    for i, cells in enumerate(grid):
        y = hi - i * span / (height - 1)
        tag = label(y) if i in (0, height // 2, height - 1) else ""
        lines.append(f"{tag:>12} |{''.join(cells)}")
    axis = [" "] * width
    for b in bounds:
        axis[min(int(b * width // steps), width - 1)] = "|"
    lines.append(" " * 13 + "+" + "".join("-" if a == " " else "+" for a in axis))
    left, right = "0", f"{steps - 1:,}"
    mid = f"{(steps - 1) // 2:,}"
    ticks = left + mid.center(width - len(left) - len(right)) + right
    lines.append(" " * 14 + ticks)
    lines.append(" " * 14 + "step".center(width) + (" (log scale)" if log else ""))
    return "\n".join(line.rstrip() for line in lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m jaxlrs",
        description="Inspect jaxlrs learning-rate schedules.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    show = sub.add_parser(
        "show",
        help="print a schedule's summary and a terminal plot",
        description="Print a schedule's summary and a terminal plot.",
    )
    show.add_argument(
        "expr",
        metavar="EXPR",
        help="a jaxlrs expression such as 'warmup(cosine(1e-3, 10_000), 500)', "
        "or the path of a JSON file written from jaxlrs.to_dict",
    )
    show.add_argument("--steps", type=int, help="number of steps to summarise and plot")
    show.add_argument("--png", metavar="FILE", help="also write a picture (needs matplotlib)")
    show.add_argument("--json", action="store_true", help="print jaxlrs.to_dict(schedule) only")
    show.add_argument("--log", action="store_true", help="logarithmic value axis")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (errors print one line to stderr)."""
    args = _parser().parse_args(argv)
    try:
        schedule = load(args.expr)
        if args.json:
            print(json.dumps(to_dict(schedule), indent=2))
            return 0
        if args.steps is None:
            raise ValueError("--steps N is needed for the summary and plot")
        if args.steps < 1:
            raise ValueError(f"--steps must be a positive integer, got {args.steps}")
        print(summary(schedule, args.steps))
        print()
        print(text_plot(schedule, args.steps, log=args.log))
        if args.png:
            from ._plot import plot

            fig = plot(schedule, args.steps, log=args.log)
            fig.savefig(args.png, dpi=100)
            print(f"\nwrote {args.png}")
    except (ValueError, TypeError, ImportError, OSError) as e:
        message = " ".join(str(e).split())
        if len(message) > 300:
            message = message[:297] + "..."
        print(f"jaxlrs: error: {message}", file=sys.stderr)
        return 1
    return 0
