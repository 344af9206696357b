"""python -m jaxlrs show: run as a subprocess, as a user would."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    "steps_text": (["show", "cosine(1.0, 10)", "--steps", "abc"], "--steps must be a positive"),
    "steps_fraction": (["show", "cosine(1.0, 10)", "--steps", "1.5"], "got '1.5'"),
    "steps_huge": (["show", "cosine(1.0, 10)", "--steps", "1e30"], "at most 2**63 - 1"),
    "no_expr": (["show"], "the following arguments are required: EXPR"),
    "no_command": ([], "the following arguments are required"),
    "unknown_option": (["show", "cosine(1.0, 10)", "--bogus"], "unrecognized arguments"),
    "unknown_command": (["plot", "cosine(1.0, 10)"], "invalid choice: 'plot'"),
    "repeated_keyword": (["show", "linear(1.0, 0.0, steps=10, steps=20)"], "given twice"),
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
    # Usage errors (BAD's no_expr, steps_text) take the same exit path through main(),
    # checked in-process above: no second and third subprocess (each a JAX import).


# -- --steps ------------------------------------------------------------------------------


def _spellings(n: int) -> st.SearchStrategy[str]:
    """Ways to write the integer n that --steps accepts."""
    digits = str(n)
    grouped = f"{n:_}"
    forms = [digits, grouped, f" {digits} "]
    zeros = len(digits) - len(digits.rstrip("0"))
    if zeros:
        mantissa = digits[: len(digits) - zeros]
        forms.append(f"{mantissa}e{zeros}")
        if len(mantissa) > 1:
            forms.append(f"{mantissa[0]}.{mantissa[1:]}e{len(digits) - 1}")
    return st.sampled_from(forms)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 2**63 - 1).flatmap(lambda n: st.tuples(st.just(n), _spellings(n))))
def test_steps_accepts_exact_integers_in_any_spelling(case):
    n, text = case
    assert _cli.parse_steps(text) == n


NOT_COUNTS = st.one_of(
    st.text(max_size=8).filter(lambda t: not t.strip().replace("_", "").isdigit()),
    st.integers(-(10**6), 0).map(str),
    st.floats(allow_nan=True).filter(lambda x: not (x > 0 and float(x).is_integer())).map(repr),
    st.integers(2**63, 10**40).map(str),
    st.sampled_from(["inf", "-inf", "nan", "1e-3", "2.5", "1e999999999", "0x10", "1/2", ""]),
)


@settings(max_examples=100, deadline=None)
@given(NOT_COUNTS)
def test_steps_refuses_everything_else_with_one_line(text):
    with pytest.raises(ValueError, match=r"^--steps must be"):
        _cli.parse_steps(text)


@settings(max_examples=20, deadline=None)
@given(NOT_COUNTS)
def test_bad_steps_exit_1_with_one_line(text):
    # (capsys cannot be used with @given; main writes to sys.stderr, read it back here)
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as out:
        assert _cli.main(["show", "constant(1.0)", "--steps", text]) == 1
    assert out.getvalue() == ""
    message = err.getvalue()
    # "--steps must be ..." or, for text that starts like an option, argparse's "argument
    # --steps: expected one argument": one line either way.
    assert message.startswith("jaxlrs: error: ") and message.count("\n") == 1
    assert "--steps" in message


# -- JSON files ---------------------------------------------------------------------------


def _json_file(tmp_path, text, name="config.json"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _head(value: str) -> str:
    node = '{"name": "constant", "args": {"value": ' + value + "}}"
    return '{"format": "jaxlrs", "version": 1, "schedule": ' + node + "}"


@pytest.mark.parametrize(
    "text, message",
    [(_head("1e400"), "value must be a finite number, got inf"),
     (_head("1" + "0" * 400), "from_dict(): schedule: "),
     (_head("1" + "0" * 5000), "Exceeds the limit"),
     (_head("NaN"), "value must be a finite number"),
     ('{"format": "jaxlrs", "format": "jaxlrs", "version": 1}', "key 'format' appears twice"),
     ('{"format": "jaxlrs", "version": 1, "schedule": {"name": "linear", "args": {"init": 1.0, '
      '"end": 0.0, "steps": 10, "steps": 20}}}', "key 'steps' appears twice"),
     ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
     ("\udcff", "config.json")],
    ids=["float_overflow", "huge_int", "too_many_digits", "nan", "repeated_top", "repeated_arg",
         "deep", "bad_utf8"],
)  # fmt: skip
def test_bad_json_files_exit_1_with_one_line(tmp_path, capsys, text, message):
    path = tmp_path / "config.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    assert _cli.main(["show", str(path), "--steps", "10"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("jaxlrs: error: ") and err.count("\n") == 1, err
    assert message in err


def test_huge_number_in_a_json_file_has_no_traceback(tmp_path):
    r = run("show", _json_file(tmp_path, _head("1" + "0" * 400)), "--steps", "10")
    assert r.returncode == 1 and r.stdout == "" and "Traceback" not in r.stderr
    assert r.stderr.startswith("jaxlrs: error: ") and r.stderr.count("\n") == 1


# -- a reader that goes away --------------------------------------------------------------


def test_a_closed_pipe_ends_quietly():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-m", "jaxlrs", "show", "cosine(1.0, 1000)", "--steps", "1000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as proc:
        proc.stdout.close()  # before the command prints anything (importing JAX takes long)
        err = proc.stderr.read()
        status = proc.wait(timeout=180)
    assert status == _cli.BROKEN_PIPE
    assert err == b""


def test_piping_into_head_prints_no_error():
    cmd = f"{sys.executable} -m jaxlrs show 'cosine(1.0, 1000)' --steps 1000 | head -1"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        ["bash", "-c", cmd + "; echo status=${PIPESTATUS[0]}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[0] == "schedule  cosine(1.0, 1000)"
    assert lines[-1] in ("status=0", f"status={_cli.BROKEN_PIPE}")


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
