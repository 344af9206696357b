"""Where ``jaxlrs.optax.find_lr``'s suggestions land against ``2 / lambda_max``.

Plain SGD on a quadratic diverges above ``b = 2 / lambda_max``. This runs the default
sweep on the generated quadratics of ``tests/test_find_lr.py`` (``random_quadratic``: the
same generator as ``TestQuadratics``, on other seeds) and prints, for the noisy and the
noise-free cases, the range of each suggestion and of the stopping rate as multiples of
``b``, the cases outside ``steepest < valley < minimum < b``, and the cases where a sweep
ending at ``b / 2`` stopped. The figures in ``find_lr``'s docstring and in the README are
this script's output with the default seeds.

Usage::

    python benchmarks/find_lr_quadratics.py            # 1,000 noisy and 600 exact cases
    python benchmarks/find_lr_quadratics.py --quick    # 20 and 10
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import sys
from typing import Any

import numpy as np

from jaxlrs.optax import find_lr

TESTS = pathlib.Path(__file__).resolve().parents[1] / "tests" / "test_find_lr.py"


def _tests() -> Any:
    spec = importlib.util.spec_from_file_location("_find_lr_tests", TESTS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(seeds: range, noisy: bool) -> None:
    t = _tests()
    keys = ("stop", "smoothed minimum", "minimum", "valley", "steepest")
    got: dict[str, list[float]] = {k: [] for k in keys}
    out_of_order, stopped_below, never_stopped = [], [], []
    for seed in seeds:
        case = t.random_quadratic(seed, noisy)
        b = case["bound"]
        r = find_lr(t.quad, case["x0"], case["batches"], high=case["high"], steps=case["steps"])
        if r.stopped_at is None or r.minimum is None or r.valley is None or r.steepest is None:
            never_stopped.append(case["id"])
            continue
        got["stop"].append(float(r.lrs[r.stopped_at]) / b)
        got["smoothed minimum"].append(10 * r.minimum / b)
        got["minimum"].append(r.minimum / b)
        got["valley"].append(r.valley / b)
        got["steepest"].append(r.steepest / b)
        if not r.steepest < r.valley < r.minimum < b:
            out_of_order.append(f"{case['id']} (minimum = b / {b / r.minimum:.3g})")
        half = b / 2
        below = find_lr(t.quad, case["x0"], case["batches"], low=half * 1e-8, high=half)
        if below.stopped_at is not None:
            stopped_below.append(case["id"])
    print(f"{'noisy' if noisy else 'exact'}: {len(seeds)} cases, seeds {seeds.start}..")
    for k in keys:
        v = np.sort(got[k])
        print(
            f"  {k:17s} {v[0]:9.3g} b .. {v[-1]:9.3g} b  (b / {1 / v[0]:.3g} .. "
            f"b / {1 / v[-1]:.3g}); second smallest {v[1]:.3g} b, median {np.median(v):.3g} b"
        )
    print(f"  outside steepest < valley < minimum < b: {out_of_order or 'none'}")
    print(f"  a sweep ending at b / 2 stopped: {stopped_below or 'never'}")
    print(f"  the default sweep did not stop: {never_stopped or 'never'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 noisy and 10 exact cases")
    args = parser.parse_args(argv)
    n_noisy, n_exact = (20, 10) if args.quick else (1000, 600)
    measure(range(1000, 1000 + n_noisy), noisy=True)
    measure(range(3000, 3000 + n_exact), noisy=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
