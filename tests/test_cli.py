"""python -m jaxlrs show: run as a subprocess, as a user would."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import jaxlrs
from jaxlrs import _cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "jaxlrs", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env=env,
    )


def test_show_prints_summary_and_terminal_plot():
    r = run("show", "warmup(cosine(1e-3, 10_000), 500)", "--steps", "20000")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "schedule  warmup(cosine(0.001, 10000), 500)"
    assert "peak      0.001 at step 500" in lines
    assert "phases    500, 10,500" in lines
    assert all(len(line) <= 80 for line in lines)
    grid = [line for line in lines if "|" in line and not line.lstrip().startswith("+")]
    assert len(grid) == _cli.HEIGHT
    assert grid[0].split("|")[0].strip() == "0.001" and grid[-1].split("|")[0].strip() == "0"
    # The curve starts at the bottom (0 at step 0), peaks, and ends on the bottom row.
    cells = [line.split("|", 1)[1].ljust(_cli.WIDTH) for line in grid]
    assert cells[-1][0] == "*" and cells[-1][-1] == "*" and "*" in cells[0]
    assert r.stderr == ""


def test_json_and_json_file_input(tmp_path):
    expr = "sgdr(0.001, 1000, period_mult=2, warmup=100) * 0.5"
    r = run("show", expr, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data == jaxlrs.to_dict(jaxlrs.parse(expr))
    path = tmp_path / "schedule.json"
    path.write_text(r.stdout)
    r = run("show", str(path), "--steps", "5000", "--png", str(tmp_path / "s.png"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("schedule  sgdr(0.001, 1000, period_mult=2, warmup=100) * 0.5")
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


BAD = {
    "hostile": (["show", "__import__('os').system('echo hi')", "--steps", "10"], "only jaxlrs"),
    "invalid": (["show", "cosine(1.0, -5)", "--steps", "10"], "steps must be a positive"),
    "no_steps": (["show", "cosine(1.0, 10)"], "--steps N is needed"),
    "zero_steps": (["show", "cosine(1.0, 10)", "--steps", "0"], "--steps must be a positive"),
    "missing_file": (["show", "nowhere/config.json", "--steps", "10"], "No such file"),
    "from_fn": (["show", "from_fn(f)", "--json"], "wraps a Python function"),
}


@pytest.mark.parametrize("args, message", BAD.values(), ids=BAD.keys())
def test_bad_input_exits_with_one_line(args, message, capsys):
    # In-process for speed; the subprocess path is checked once below.
    assert _cli.main(args) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("jaxlrs: error: ") and err.count("\n") == 1
    assert message in err


def test_bad_input_subprocess_has_no_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "jaxlrs", "version": 1, "schedule": {"name": "cosinus"}}')
    r = run("show", str(bad), "--steps", "10")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("jaxlrs: error: ") and r.stderr.count("\n") == 1
    assert "Traceback" not in r.stderr
    r = run("show")
    assert r.returncode == 2 and "Traceback" not in r.stderr  # argparse usage error


def test_text_plot_columns_span_each_range():
    s = jaxlrs.piecewise_constant([50, 100], [1.0, 0.5, 0.0])  # two jumps in the range
    text = _cli.text_plot(s, 150, width=30, height=5)
    rows = [line.split("|", 1)[1].ljust(30) for line in text.splitlines()[:5]]
    grid = np.array([list(r) for r in rows]) == "*"
    # Each column covers 5 steps: levels 1 (top), 0.5 (middle), 0 (bottom) in thirds, and
    # a vertical stroke where the value jumps.
    assert grid[0, :11].all() and not grid[0, 11:].any()
    assert grid[2, 10:21].all() and grid[4, 20:].all() and not grid[4, :20].any()
    assert grid[:, 10][[0, 1, 2]].all() and grid[:, 20][[2, 3, 4]].all()
    axis, ticks = text.splitlines()[5:7]
    assert axis.strip() == "+" + "-" * 10 + "+" + "-" * 9 + "+" + "-" * 9  # marks at 50, 100
    assert ticks.split() == ["0", "74", "149"]
