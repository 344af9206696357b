"""The benchmark runs and prints its one table with every row (timings are never asserted)."""

import importlib.util
import pathlib
import sys

import numpy as np
import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"

HEADER = ["case", "measure", "jaxlrs", "against", "its value", "jaxlrs/against", "target", "met"]

# (case, measure, against) of every row the issue asks for, schedule by schedule.
ROWS = [
    *[
        (s, m, a)
        for s in ("sgdr", "warmup_cosine", "piecewise_constant")
        for m, a in (("ns/step", "Optax"), ("ns/step", "jitted cos"), ("eager call us", "Optax"))
    ],
    ("sgdr", "compile s", "Optax"),
    ("sgdr", "compile s", "jaxlrs, 1 cycle"),  # many cycles against one
    ("sgdr", "GB/s written", "fill (write bandwidth)"),
    *[
        (s, m, a)
        for s in ("sgdr", "warmup_cosine")
        for m, a in (
            ("summary ns/step", "jitted jnp.sum(s(t0 + arange(n)))"),
            ("eager call us", "cached jax.jit(lambda t: t + 1)(int)"),
        )
    ],
    ("sgdr", "first eager call ms", "compile of the program it runs"),
    ("sgdr", "first eager call ms", "its constant form's compile (scalar row)"),
    ("show", "subprocess wall s", "python -c: import jax + one compile"),
    ("Adam MLP loop", "us/step", "the same loop, constant rate"),
]


@pytest.fixture(scope="module")
def bench():
    # The scripts import their shared helpers (_common, bench_wait) from their own folder,
    # as `python benchmarks/bench_eval.py` does.
    sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("bench_eval", BENCHMARKS / "bench_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        for name in ("bench_eval", "bench_wait", "_common"):
            sys.modules.pop(name, None)
        sys.path.remove(str(BENCHMARKS))


def _key(cells):
    case, measure, _, against = cells[:4]
    case = "show" if case.startswith("show ") else case.split(",")[0]
    return case, measure.split(",")[0].split(" (")[0], against


def test_quick_run_prints_every_row(bench, capsys):
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    table = [line for line in out.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in table]
    assert cells[0] == HEADER
    keys = [_key(c) for c in cells[2:]]
    scalar = [
        (name.split(",")[0], measure, "Optax")
        for name in bench.bench_wait.scalar_pairs(1.0)
        for measure in ("scalar compile ms", "HLO ops")
    ]
    assert "sgdr" in {s for s, _, _ in scalar} and "one_cycle" in {s for s, _, _ in scalar}
    missing = [row for row in ROWS + scalar if row not in keys]
    assert not missing
    assert keys.count(ROWS[-1]) == 4  # jaxlrs and Optax, two schedules
    assert all(len(c) == len(HEADER) and c[5] for c in cells[2:])  # every row has a ratio
    assert "jax " in out and "cores" in out  # the machine is described


def test_a_verdict_reads_tie_only_when_the_run_cannot_tell_the_sides_apart(bench):
    # resolved() on interval(): rounds of per-round ratios drawn around a known centre
    common = bench.bench_wait  # the helpers come with the scripts' own imports
    rng = np.random.default_rng(0)

    def rounds(centre, spread, n=25):
        return [{"a": centre * x, "b": 1.0} for x in rng.lognormal(0.0, spread, n)]

    def verdict(rs):
        value = common.ratio(rs, "a", "b")
        low = common.interval(rs, lambda r: common.ratio(r, "a", "b"))[0]
        return common.resolved(value, low, 1.0), value, low

    assert verdict(rounds(0.90, 0.05))[0] == "yes"  # clearly below the target
    assert verdict(rounds(1.20, 0.05))[0] == "NO"  # clearly above: the interval too
    got, value, low = verdict([{"a": 1.0 + 0.002 * (i % 7 - 2), "b": 1.0} for i in range(25)])
    assert value > 1.0 and low <= 1.0 and got == f"tie ({low:.3f})"  # above by noise only
    # the interval holds the median, is reproducible (fixed seed) and narrows with rounds
    rs = rounds(1.0, 0.1, 400)
    lo, hi = common.interval(rs, lambda r: common.ratio(r, "a", "b"))
    assert lo <= common.ratio(rs, "a", "b") <= hi and hi - lo < 0.05
    assert (lo, hi) == common.interval(rs, lambda r: common.ratio(r, "a", "b"))
