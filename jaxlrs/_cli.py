"""The command line: ``python -m jaxlrs show EXPR --steps N`` and
``python -m jaxlrs check EXPR --steps N``.

``check`` prints :func:`jaxlrs.check`'s findings one per line and exits with status 1 when
one of them is an error (0 otherwise), so a training config can be checked in CI.
Every error (a bad expression or JSON file, a bad or missing ``--steps``, an unknown option)
prints one line, ``jaxlrs: error: ...``, to stderr and exits with status 1. When the reader
of the output goes away (``python -m jaxlrs show ... | head -1``) it stops quietly with
status 141, as a Unix tool killed by SIGPIPE does.
"""

from __future__ import annotations

import argparse
import decimal
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np

from ._audit import JUMP, check
from ._parse import parse
from ._schedule import Schedule
from ._serialize import from_dict, to_dict
from ._tools import evaluate, phases, sample_steps, summary

WIDTH, HEIGHT = 64, 16
"""The terminal plot's grid, in characters (it prints 79 columns wide)."""

MAX_STEPS = 2**63 - 1
"""Largest ``--steps`` accepted."""

BROKEN_PIPE = 141
"""Exit status when stdout's reader has gone away (128 + SIGPIPE, as Unix tools)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"key {k!r} appears twice in one JSON object")
        out[k] = v
    return out


def load(text: str) -> Schedule:
    """A schedule from an expression, or from the path of a JSON file written from
    ``to_dict``. A JSON object that repeats a key is refused (``json.load`` would keep the
    last value silently)."""
    if text.endswith(".json") or os.path.isfile(text):
        try:
            with open(text, encoding="utf-8") as f:
                data = json.load(f, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as e:
            raise ValueError(f"{text}: not valid JSON: {e}") from None
        except RecursionError:
            raise ValueError(f"{text}: JSON nested too deeply") from None
        except ValueError as e:  # a repeated key, a number too long to convert, bad UTF-8
            raise ValueError(f"{text}: {e}") from None
        return from_dict(data)
    return parse(text)


def parse_steps(text: str, option: str = "--steps") -> int:
    """``--steps`` (or another count ``option``): a positive integer, written as Python
    would (``20000``, ``20_000``) or in scientific notation when that is an exact integer
    (``2e4``, ``1.5e3``; not ``1.5``), at most 2**63 - 1."""
    allowed = "a positive integer such as 20000, 20_000 or 2e4"
    try:
        value = decimal.Decimal(text.strip())
    except decimal.InvalidOperation:
        raise ValueError(f"{option} must be {allowed}, got {text!r}") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(f"{option} must be {allowed}, got {text!r}")
    if value.adjusted() > 18 or int(value) > MAX_STEPS:
        raise ValueError(f"{option} must be at most 2**63 - 1, got {text!r}")
    if value < 1:
        raise ValueError(f"{option} must be {allowed}, got {text!r}")
    return int(value)


def parse_fraction(text: str, option: str) -> float:
    """A finite number ``>= 0`` (``--jump``)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value >= 0 and value < float("inf")):
        raise ValueError(f"{option} must be a finite number >= 0 such as 0.05, got {text!r}")
    return value


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


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors raised (one line, exit 1) instead of printing the usage
    block and exiting with 2."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see: {self.prog} --help)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
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
    show.add_argument(
        "--steps", metavar="N", help="number of steps to summarise and plot (e.g. 20000 or 2e4)"
    )
    show.add_argument("--png", metavar="FILE", help="also write a picture (needs matplotlib)")
    show.add_argument("--json", action="store_true", help="print jaxlrs.to_dict(schedule) only")
    show.add_argument("--log", action="store_true", help="logarithmic value axis")
    audit = sub.add_parser(
        "check",
        help="check a schedule against the run; exit 1 on an error-level finding",
        description="Print what jaxlrs.check finds, one finding per line; exit with "
        "status 1 if one is an error.",
    )
    audit.add_argument("expr", metavar="EXPR", help="a jaxlrs expression or JSON file, as for show")
    audit.add_argument("--steps", metavar="N", required=True, help="the run's number of steps")
    for name, text in _FACTS.items():
        audit.add_argument(f"--{name.replace('_', '-')}", metavar="N", help=text)
    audit.add_argument(
        "--jump", metavar="F", help="tolerance, a fraction of the peak (default 0.05)"
    )
    return p


_FACTS = {
    "accumulation": "gradient accumulation: micro-batches per update",
    "steps_per_epoch": "steps in one epoch (messages give epochs too)",
    "tokens_per_step": "tokens in one step (messages give tokens too)",
    "total_tokens": "the run's token budget (needs --tokens-per-step)",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status: 0, 1 after an error (one line on
    stderr), or 141 when stdout's reader went away (nothing printed)."""
    try:
        status = _run(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE
    except (
        _UsageError,
        ValueError,
        TypeError,
        ImportError,
        OSError,
        ArithmeticError,
        RecursionError,
    ) as e:
        message = " ".join(str(e).split()) or type(e).__name__
        if len(message) > 300:
            message = message[:297] + "..."
        print(f"jaxlrs: error: {message}", file=sys.stderr)
        return 1
    return status


def _check(args: argparse.Namespace) -> int:
    steps = parse_steps(args.steps)
    facts = {}
    for name in _FACTS:
        text = getattr(args, name)
        if text is not None:
            facts[name] = parse_steps(text, f"--{name.replace('_', '-')}")
    jump = JUMP if args.jump is None else parse_fraction(args.jump, "--jump")
    found = check(load(args.expr), steps, jump=jump, **facts)
    for f in found:
        print(f)
    return 1 if any(f.severity == "error" for f in found) else 0


def _run(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        return _check(args)
    steps = None if args.steps is None else parse_steps(args.steps)
    schedule = load(args.expr)
    if args.json:
        print(json.dumps(to_dict(schedule), indent=2))
        return 0
    if steps is None:
        raise ValueError("--steps N is needed for the summary and plot")
    print(summary(schedule, steps))
    print()
    print(text_plot(schedule, steps, log=args.log))
    if args.png:
        from ._plot import plot

        fig = plot(schedule, steps, log=args.log)
        fig.savefig(args.png, dpi=100)
        print(f"\nwrote {args.png}")
    return 0


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush of what is still
    buffered does not fail again (and print "Exception ignored ...")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a file (captured in tests)
