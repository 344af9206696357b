"""The training-loop examples run as a user runs them, in a subprocess, and pass their own
checks (the loss falls, each logged rate is ``schedule(k)``, each step traces once, the
sweep's run of the single run's peak matches it): a failed check exits non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_example(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's jaxlrs
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )


@pytest.mark.parametrize(
    ("name", "framework"), [("flax_nnx.py", "flax.nnx"), ("equinox_loop.py", "equinox")]
)
def test_example_runs_and_passes_its_checks(name, framework):
    pytest.importorskip(framework)
    r = run_example(name, "--steps", "100")
    assert r.returncode == 0, f"{name} exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    lines = r.stdout.splitlines()
    assert lines[0] == "one run: warmup_cosine(0.01, 10, 100)"
    assert any(line.startswith("    99 ") for line in lines)  # the last update is logged
    assert sum(line.startswith("  peak ") for line in lines) == 4  # one line per peak
    assert "step traced 1 time(s)" in r.stdout
    assert "check failed" not in r.stderr


def test_example_fails_loudly_when_a_check_fails():
    """A check that fails exits non-zero with its reason (1 update: the loss cannot halve)."""
    pytest.importorskip("equinox")
    r = run_example("equinox_loop.py", "--steps", "1")
    assert r.returncode != 0
    assert "check failed: the loss did not fall by half" in r.stderr


def test_convergence_runs_its_checks_in_quick_mode(tmp_path):
    """examples/convergence.py trains on scikit-learn's bundled digits and checks itself (the
    logged rates are the schedules', the loss halves, one trace per schedule structure)."""
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    out = tmp_path / "convergence.png"
    r = run_example("convergence.py", "--quick", "--out", str(out))
    assert r.returncode == 0, f"exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    rows = [line.split()[0] for line in r.stdout.splitlines()[2:9]]
    assert rows == ["constant", "step", "exponential", "cosine", "1cycle", "SGDR", "warmup"]
    assert out.stat().st_size > 10_000


def test_find_lr_runs_its_checks_and_saves_a_plot(tmp_path):
    """examples/find_lr.py runs the range test on the bundled digits, prints the three
    suggestions, checks that training at valley and at minimum halves the loss, and saves
    the plot."""
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    out = tmp_path / "find_lr.png"
    r = run_example("find_lr.py", "--out", str(out))
    assert r.returncode == 0, f"exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    lines = r.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[2:5]] == ["steepest", "valley", "minimum"]
    assert lines[5].startswith("training 300 updates at valley: loss ")
    assert lines[6].startswith("training 300 updates at minimum: loss ")
    assert out.stat().st_size > 10_000


def test_clocks_example_runs_and_passes_its_checks():
    """examples/clocks.py: a token clock under a batch-size ramp inside a jitted
    ``inject``-ed AdamW loop; each update used plan(tokens seen), counted by the script."""
    pytest.importorskip("optax")
    r = run_example("clocks.py")
    assert r.returncode == 0, f"exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    assert r.stdout.splitlines()[0].startswith("schedule: on_clock(warmup_cosine(")
    assert "all checks passed" in r.stdout and "check failed" not in r.stderr


def test_resume_example_checks_and_replans():
    """examples/resume.py: check finds the held end of a reused plan, rehorizon removes it
    (against a float64 formula), and the jump of a splice is reported where it happens."""
    r = run_example("resume.py")
    assert r.returncode == 0, f"exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    assert "[end-reached-early]" in r.stdout and "[jump]" in r.stdout
    assert r.stdout.rstrip().endswith("all checks passed")
