"""jaxlrs.check: known-bad schedules give exactly the expected findings, good ones none at
warning or error level; generated cases against float64 oracles; the CLI's output and exit
status; bad arguments.

Few schedule structures on purpose: each new one costs a compilation."""

import math
import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlrs
from jaxlrs import _audit, _cli, _time

ROOT = Path(__file__).resolve().parent.parent
S = jaxlrs


def found(schedule, steps, **kw):
    """The findings as ``(severity, step, code)``, without the whole-run bfloat16 note
    (tested on its own below)."""
    return {
        (f.severity, f.step, f.code)
        for f in jaxlrs.check(schedule, steps, **kw)
        if (f.severity, f.code) != ("info", "bfloat16-distinct")
    }


def serious(schedule, steps, **kw):
    return [f for f in jaxlrs.check(schedule, steps, **kw) if f.severity != "info"]


def wc(w, total, init=0.1):
    return S.warmup_cosine(1.0, w, total, init=init)


def ramp_oracle(init, end, length, t):
    """float64 ``linear(init, end, length)``."""
    t = np.minimum(np.asarray(t, np.float64), length)
    return init + (end - init) * t / length


# -- known-bad schedules: exactly the expected findings ---------------------------------------

ZERO = ("warning", 0, "zero-first-update")
BAD = {
    # warmup to step 300 and decay to step 1000, in a run of 200 steps from rate 0
    "warmup_beyond_run": (
        wc(300, 1_000, init=0.0),
        200,
        {},
        {("error", 300, "warmup-longer-than-run"), ("error", 1_000, "end-not-reached"), ZERO},
    ),
    # the decay ends at 1000, and the run holds its end value for the other half
    "decay_ends_at_half": (wc(300, 1_000), 2_000, {}, {("warning", 1_000, "end-reached-early")}),
    # one step short of the end: the gap is below the tolerance, a warning
    "one_step_short": (wc(300, 1_000), 999, {}, {("warning", 1_000, "end-not-reached")}),
    "far_short": (wc(300, 1_000), 600, {}, {("error", 1_000, "end-not-reached")}),
    # two pieces that do not meet: 0.99 then 0.5 at step 100
    "join_jump": (
        S.join([S.linear(0.0, 1.0, 100), S.cosine(0.5, 900)], [100]),
        1_000,
        {},
        {ZERO, ("warning", 100, "jump")},
    ),
    # cycles of 100, 200, 400 steps start at 0, 100, 300: 650 stops inside the third
    "sgdr_cut": (S.sgdr(1.0, 100, period_mult=2), 650, {}, {("warning", 300, "cycle-cut-off")}),
    "sgdr_first_cycle_cut": (
        S.sgdr(1.0, 100, period_mult=2),
        50,
        {},
        {("warning", 0, "cycle-cut-off")},
    ),
    # 3 cycles of 10 steps: 25 stops in the third and before the end at 30
    "cycle_limit_cut": (
        S.cycle(S.linear(1.0, 0.0, 10), 10, limit=3),
        25,
        {},
        {("error", 30, "end-not-reached"), ("warning", 20, "cycle-cut-off")},
    ),
    # planned for 1000, resumed at 600 for 1500 steps: the plan reused holds 0 from 1000
    "resumed_plan_reused": (wc(300, 1_000), 1_500, {}, {("warning", 1_000, "end-reached-early")}),
    # the same re-planned: its end is now at 1500, which a 1200-step run never reaches
    "rehorizon_short": (
        S.rehorizon(wc(300, 1_000), 600, 1_500),
        1_200,
        {},
        {("error", 1_500, "end-not-reached")},
    ),
    # a switch at 600 to a new plan starting at half the rate where the old one was
    "splice_jump": (
        S.splice(wc(300, 1_000), S.linear(0.25, 0.0, 400), 600, restart=True),
        1_000,
        {},
        {("warning", 600, "jump")},
    ),
    # the cycles of 100 steps run until 300, then a linear decay to step 1000
    "cycles_then_decay_cut": (
        S.join([S.sgdr(1.0, 100), S.linear(1e-3, 0.0, 700)], [300]),
        250,
        {},
        {("warning", 200, "cycle-cut-off"), ("error", 1_000, "end-not-reached")},
    ),
    # 1 - t / 2 (to -3 at step 8): 0 at step 2, negative from step 3
    "negative": (S.linear(1.0, -3.0, 8), 8, {}, {("error", 3, "negative")}),
    # 1 / (1 - t / 10): infinite from step 10
    "nonfinite": (S.constant(1.0) / S.linear(1.0, 0.0, 10), 20, {}, {("error", 10, "nonfinite")}),
    "all_zero": (S.constant(0.0), 10, {}, {("error", None, "all-zero")}),
    # one_cycle rises for 300 of its 1000 steps
    "one_cycle_short": (
        S.one_cycle(1.0, 1_000),
        200,
        {},
        {("error", 300, "warmup-longer-than-run"), ("error", 1_000, "end-not-reached")},
    ),
    # a 5% decay in float32 over 4000 steps is a dozen bfloat16 stairs
    "bfloat16_collapse": (
        S.linear(1e-3, 9.5e-4, 4_000),
        4_000,
        {},
        {("warning", 0, "bfloat16-distinct")},
    ),
    # run facts
    "accumulation_short": (
        wc(300, 1_000),
        2_000,
        {"accumulation": 4},
        {("error", 1_000, "end-not-reached")},
    ),
    "accumulation_remainder": (
        wc(300, 1_000),
        2_001,
        {"accumulation": 2},
        {("info", None, "accumulation-remainder")},
    ),
    "tokens_mismatch": (
        wc(300, 1_000),
        1_000,
        {"total_tokens": 2 * 10**6, "tokens_per_step": 1_000},
        {("warning", None, "tokens-mismatch")},
    ),
    # milestones 30 and 60 with 20 steps an epoch: 30 is inside an epoch
    "mid_epoch": (
        S.multistep(0.1, [30, 60]),
        90,
        {"steps_per_epoch": 20},
        {("info", 30, "phase-mid-epoch")},
    ),
}


@pytest.mark.parametrize("name", BAD)
def test_known_bad_schedules_give_exactly_the_expected_findings(name):
    schedule, steps, kw, want = BAD[name]
    assert found(schedule, steps, **kw) == want


GOOD = {
    "warmup_cosine": (S.warmup_cosine(1e-3, 100, 1_000, init=1e-5), 1_000),
    "warmup_cosine_end": (wc(300, 1_000), 1_050),  # holds its end for 5% of the run
    "sgdr_whole_cycles": (S.sgdr(1.0, 100, period_mult=2), 700),
    "sgdr_plain": (S.sgdr(1.0, 100), 300),
    "cycles_then_decay": (S.join([S.sgdr(1.0, 100), S.linear(1e-3, 0.0, 700)], [300]), 1_000),
    "cycle_limit": (S.cycle(S.linear(1.0, 0.0, 10), 10, limit=3), 30),
    "rehorizon": (S.rehorizon(wc(300, 1_000), 600, 1_500), 1_500),
    "rehorizon_shorter": (S.rehorizon(wc(300, 1_000), 600, 800), 800),
    "splice_continuous": (
        S.splice(wc(300, 1_000), S.rehorizon(wc(300, 1_000), 600, 1_500), 600),
        1_500,
    ),
    "multistep": (S.multistep(0.1, [30, 60]), 90),  # rests on its last stair by design
    "multistep_small_stair": (S.multistep(0.1, [30, 60, 75]), 90),
    "one_cycle": (S.one_cycle(1.0, 1_000), 1_000),
    "linear": (S.linear(1.0, 0.0, 4), 4),
    "constant": (S.constant(1e-3), 100),
    "accumulation": (wc(300, 1_000), 4_000, {"accumulation": 4}),
    "tokens": (wc(300, 1_000), 1_000, {"total_tokens": 999_001, "tokens_per_step": 1_000}),
}


@pytest.mark.parametrize("name", GOOD)
def test_good_schedules_give_nothing_above_info(name):
    schedule, steps, *kw = GOOD[name]
    assert serious(schedule, steps, **(kw[0] if kw else {})) == []


def test_steep_but_continuous_join_is_no_jump():
    # 0.1 a step into a cosine that starts where the ramp would have gone: a slope, no jump
    s = S.join([S.linear(0.1, 1.1, 10), S.cosine(1.1, 90)], [10])
    assert serious(s, 100) == []


# -- generated cases against float64 oracles ----------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 2_000), st.integers(1, 2_000), st.integers(1, 4_000))
def test_warmup_finding_iff_the_warmup_outlasts_the_run(w, rest, steps):
    total = w + rest
    got = found(wc(w, total), steps)
    assert (("error", w, "warmup-longer-than-run") in got) == (w >= steps)
    assert {code for _, _, code in got if code == "warmup-longer-than-run"} <= (
        {"warmup-longer-than-run"} if w >= steps else set()
    )
    # the decay's end at `total`: after the run, or held for more than 10% of it
    ends = {(sev, step) for sev, step, code in got if code == "end-not-reached"}
    assert bool(ends) == (total > steps)
    if ends:
        ((sev, step),) = ends
        last = 0.5 * (1 + math.cos(math.pi * max(steps - 1 - w, 0) / rest)) if steps > w else None
        far = last is None or last > 0.05  # the last value against the end value 0, peak 1
        assert step == total and sev == ("error" if far else "warning")
    early = any(code == "end-reached-early" for _, _, code in got)
    assert early == (steps - total > 0.1 * steps)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(3, 300),
    st.floats(0.05, 1.0),
    st.floats(0.05, 1.0),
    st.floats(0.05, 1.0),
)
def test_jump_size_against_a_float64_oracle(length, a, b, c):
    # join([linear(a, b, L), constant(c)], [L]): the left piece continued by its slope
    # reaches 2 v(L-1) - v(L-2) = b at step L, where c starts.
    s = S.join([S.linear(a, b, length), S.constant(c)], [length])
    t = np.arange(length + 1)
    v = np.where(t < length, ramp_oracle(a, b, length, t), c)
    size = abs(v[length] - (2 * v[length - 1] - v[length - 2]))
    peak = np.max(np.abs(v))
    ratio = size / peak
    if ratio < 1e-3:
        return
    steps = length + 1
    assert ("warning", length, "jump") in found(s, steps, jump=ratio * (1 - 1e-3))
    assert ("warning", length, "jump") not in found(s, steps, jump=ratio * (1 + 1e-3))
    (msg,) = [f.message for f in jaxlrs.check(s, steps, jump=0.0) if f.code == "jump"]
    assert f"({ratio:.1%} of the peak)" in msg


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 300), st.sampled_from([1, 2, 3]), st.integers(1, 3_000))
def test_cycle_cut_off_iff_the_run_ends_inside_a_cycle(period, mult, steps):
    starts = [0]
    while starts[-1] < steps:
        starts.append(starts[-1] + period * mult ** (len(starts) - 1))
    got = {(step, code) for _, step, code in found(S.sgdr(1.0, period, period_mult=mult), steps)}
    cut = [(step, code) for step, code in got if code == "cycle-cut-off"]
    if steps in starts:
        assert cut == []
    else:
        assert cut == [(starts[-2], "cycle-cut-off")]


def test_bfloat16_distinct_against_numpy():
    # cosine decay, then a 5% linear decay: the first phase is fine, the second collapses
    s = S.join([S.cosine(1.0, 1_000, end=0.5), S.linear(0.5, 0.475, 3_000)], [1_000])
    v = jaxlrs.evaluate(s, 4_000)
    b16 = v.astype(jnp.bfloat16)
    want = np.unique(b16).size  # the schedule is monotone: distinct = changes + 1
    msgs = {
        f.severity: (f.step, f.message)
        for f in jaxlrs.check(s, 4_000)
        if f.code == "bfloat16-distinct"
    }
    assert f"takes {want:,} distinct values in bfloat16" in msgs["info"][1]
    assert f"({np.unique(v).size:,} in {v.dtype.name})" in msgs["info"][1]  # float64 under x64
    step, msg = msgs["warning"]
    assert step == 1_000
    assert f"in only {np.unique(b16[1_000:]).size} distinct bfloat16 values" in msg
    assert np.unique(b16[1_000:]).size < _audit.FEW <= np.unique(b16[:1_000]).size


def test_bfloat16_counts_changes_along_a_cycling_run():
    s = S.sgdr(1.0, 100)
    b16 = jaxlrs.evaluate(s, 300).astype(jnp.bfloat16)
    changes = int(np.count_nonzero(b16[1:] != b16[:-1]))
    (f,) = [f for f in jaxlrs.check(s, 300) if f.code == "bfloat16-distinct"]
    assert f"takes {changes + 1:,} distinct values" in f.message
    assert changes + 1 > np.unique(b16).size  # each cycle takes its values again


def test_chunked_pass_agrees_with_one_block():
    # negative from the middle of the cosine, a join, phases and bfloat16 counts across
    # blocks of 256 steps
    s = S.join([S.linear(0.2, 1.0, 300), S.cosine(0.9, 700)], [300]) - 0.5
    one = jaxlrs.check(s, 2_000)
    assert jaxlrs.check(s, 2_000, chunk=256) == one
    v = jaxlrs.evaluate(s, 2_000)
    first = int(np.argmax(v < 0))
    (neg,) = [f for f in one if f.code == "negative"]
    assert neg.step == first and f"({np.sum(v < 0):,} negative steps" in neg.message
    assert {f.code for f in one} >= {"negative", "jump", "end-reached-early"}


def test_messages_convert_steps_to_epochs_and_tokens():
    (f,) = serious(wc(300, 1_000), 1_200, accumulation=2, steps_per_epoch=100, tokens_per_step=10)
    # the schedule's step 1000 is the run's step 2000: epoch 20, 20,000 tokens
    assert f.code == "end-not-reached" and f.step == 1_000
    assert "step 1,000 (epoch 20, 2e+04 tokens)" in f.message


def test_finding_prints_as_one_line():
    assert (
        str(_audit.Finding("error", 1234, "negative", "bad"))
        == "error   step 1,234: bad [negative]"
    )
    assert str(_audit.Finding("info", None, "x", "note")) == "info    note [x]"
    f = jaxlrs.check(wc(300, 1_000, init=0.0), 200)[0]
    assert "\n" not in str(f) and str(f).startswith("error   step 300: ")


# -- CLI ---------------------------------------------------------------------------------------


def test_cli_prints_findings_and_exits_1_on_an_error(capsys):
    expr = "warmup_cosine(1.0, 300, 1_000)"
    assert _cli.main(["check", expr, "--steps", "200"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [str(f) for f in jaxlrs.check(jaxlrs.parse(expr), 200)]
    assert _cli.main(["check", expr, "--steps", "1e3"]) == 0  # a warning is no failure
    assert capsys.readouterr().out.startswith("warning step 0: ")
    args = ["check", expr, "--steps", "2000", "--accumulation", "2", "--steps-per-epoch", "100"]
    assert _cli.main(args) == 0
    want = jaxlrs.check(jaxlrs.parse(expr), 2_000, accumulation=2, steps_per_epoch=100)
    assert capsys.readouterr().out.splitlines() == [str(f) for f in want]
    args = ["check", expr, "--steps", "1000", "--tokens-per-step", "10", "--total-tokens", "5e3"]
    assert _cli.main([*args, "--jump", "0.5"]) == 0
    assert "[tokens-mismatch]" in capsys.readouterr().out


CLI_BAD = {
    "bad_expr": (["check", "cosine(1.0, -5)", "--steps", "10"], "steps must be a positive"),
    "hostile": (["check", "__import__('os')", "--steps", "10"], "not a jaxlrs constructor"),
    "no_steps": (["check", "cosine(1.0, 10)"], "required: --steps"),
    "zero_accumulation": (
        ["check", "cosine(1.0, 10)", "--steps", "10", "--accumulation", "0"],
        "--accumulation must be a positive integer",
    ),
    "bad_jump": (["check", "cosine(1.0, 10)", "--steps", "10", "--jump", "-1"], "--jump must be"),
    "tokens_alone": (
        ["check", "cosine(1.0, 10)", "--steps", "10", "--total-tokens", "100"],
        "total_tokens needs tokens_per_step",
    ),
}


@pytest.mark.parametrize("name", CLI_BAD)
def test_cli_errors_are_one_line(name, capsys):
    args, match = CLI_BAD[name]
    assert _cli.main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("jaxlrs: error: ") and match in err and err.count("\n") == 1


def test_cli_as_a_subprocess():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "jaxlrs",
            "check",
            "sgdr(1.0, 100, period_mult=2)",
            "--steps",
            "650",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("warning step 300: the run ends 88% into cycle 2")


# -- bad arguments -------------------------------------------------------------------------


S0 = S.cosine(1.0, 10)
ARGS = {
    "schedule": ((object(), 10), {}, TypeError, r"check\(\): schedule must be a jaxlrs Schedule"),
    "steps_zero": ((S0, 0), {}, ValueError, r"check\(\): steps must be a positive integer, got 0"),
    "steps_float": ((S0, 10.0), {}, TypeError, r"check\(\): steps must be an integer n"),
    "steps_huge": (
        (S0, _time.index_max() + 1),
        {},
        ValueError,
        r"check\(\): steps // accumulation must be at most",
    ),
    "jump": (
        (S0, 10),
        {"jump": -0.1},
        ValueError,
        r"check\(\): jump must be a finite number in \[0",
    ),
    "jump_nan": ((S0, 10), {"jump": math.nan}, ValueError, r"check\(\): jump must be a finite"),
    "chunk": ((S0, 10), {"chunk": 0}, ValueError, r"check\(\): chunk must be a positive integer"),
    "unknown": (
        (S0, 10),
        {"epochs": 3},
        TypeError,
        r"check\(\): unknown run fact 'epochs'; the run facts are accumulation, steps_per_epoch, "
        r"tokens_per_step, total_tokens",
    ),
    "accumulation": (
        (S0, 10),
        {"accumulation": 0},
        ValueError,
        r"accumulation must be a positive integer, got 0",
    ),
    "accumulation_kind": (
        (S0, 10),
        {"accumulation": "2"},
        TypeError,
        r"check\(\): accumulation must be",
    ),
    "too_few_steps": (
        (S0, 3),
        {"accumulation": 4},
        ValueError,
        r"steps must be at least accumulation .* got steps=3, accumulation=4",
    ),
    "steps_per_epoch": (
        (S0, 10),
        {"steps_per_epoch": -1},
        ValueError,
        r"steps_per_epoch must be a positive",
    ),
    "tokens_alone": (
        (S0, 10),
        {"total_tokens": 100},
        ValueError,
        r"total_tokens needs tokens_per_step",
    ),
}


@pytest.mark.parametrize("name", ARGS)
def test_bad_arguments(name):
    args, kw, kind, match = ARGS[name]
    with pytest.raises(kind, match=match):
        jaxlrs.check(*args, **kw)


def test_traced_arguments_are_refused():
    with pytest.raises(
        TypeError, match=r"check\(\): accumulation must be a positive integer, got a traced"
    ):
        jax.jit(lambda a: jaxlrs.check(S0, 10, accumulation=a))(2)
    with pytest.raises(
        TypeError, match=r"check\(\): jump must be a finite number >= 0, got a traced"
    ):
        jax.jit(lambda j: jaxlrs.check(S0, 10, jump=j))(0.1)
    with pytest.raises(ValueError, match=r"check\(\): schedule has traced hyperparameters"):
        jax.jit(lambda p: jaxlrs.check(S.cosine(p, 10), 10))(1.0)


def test_check_streams_in_blocks_of_chunk_steps(monkeypatch):
    sizes = []
    inner = _audit._block_audit

    def spy(v, *rest):
        sizes.append(v.shape[0])
        return inner(v, *rest)

    monkeypatch.setattr(_audit, "_block_audit", spy)
    s = S.warmup_cosine(1.0, 300, 250_000, init=0.1)
    n = 200_001
    got = jaxlrs.check(s, n, chunk=2**14)
    assert sizes == [2**14] * -(-n // 2**14)  # never more than chunk values at once
    monkeypatch.undo()
    assert got == jaxlrs.check(s, n)
    assert found(s, n) == {("error", 250_000, "end-not-reached")}


@pytest.mark.skipif(jax.config.jax_enable_x64, reason="the docs show float32, the default")
def test_docs_show_the_cli_output(capsys):
    text = (ROOT / "docs" / "guides" / "tools.md").read_text()
    block = text.split("$ python -m jaxlrs check ", 1)[1].split("```", 1)[0].splitlines()
    command, shown = block[0], block[1:]
    expr, steps = command.split('"')[1], command.split("--steps ")[1]
    assert _cli.main(["check", expr, "--steps", steps]) == 1
    assert capsys.readouterr().out.splitlines() == shown
