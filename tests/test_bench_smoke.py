"""The benchmark runs and prints its table (timings are never asserted)."""

import importlib.util
import pathlib
import sys

import pytest

BENCH = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "bench_eval.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_eval", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_quick_run_prints_one_table(bench, capsys):
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    table = [line for line in out.splitlines() if line.startswith("|")]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    assert header[:4] == ["case", "measure", "jaxlrs", "optax"]
    measures = {c.strip("|").split("|")[1].strip().split(" (")[0] for c in table[2:]}
    assert measures == {"ns/step", "compile s", "eager call us"}
    names = " ".join(table)
    for case in ("sgdr", "warmup_cosine", "piecewise_constant"):
        assert case in names
    assert "jax " in out and "cores" in out  # the machine is described
