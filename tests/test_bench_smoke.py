"""The benchmark runs and prints its one table with every row (timings are never asserted)."""

import importlib.util
import pathlib
import sys

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
