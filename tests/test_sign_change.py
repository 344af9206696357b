"""Schedules whose values change sign (a negative ``init``, ``end`` or ``low``, or sgdr's
growing ``decay`` below its ``end``).

Near a zero crossing no float32 formula keeps 2e-6 relative precision: the value is a
difference of two terms of the size of the largest value, each rounded. The contract page states the
bound that holds instead, 1e-6 of the largest value in absolute terms (a few float32 ulps);
this file checks it against the float64 oracle, at dense steps around the crossing and the ends.
"""

from __future__ import annotations

import numpy as np
from _oracles import assert_close, oracle
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import jaxlrs

SIGN_CHANGE_ABS = 1e-6  # of the largest value: the contract's bound for sign changes

magnitudes = st.floats(1e-6, 1e6)
lengths = st.sampled_from([1, 2, 7, 100, 10**4, 2**24 + 1, 2**31 - 1]) | st.integers(1, 10**9)
shapes = st.sampled_from(("linear", "cosine", "sqrt", "1-sqrt"))


@st.composite
def sign_changing(draw: st.DrawFn) -> jaxlrs.Schedule:
    a, b = draw(magnitudes), -draw(magnitudes)
    if draw(st.booleans()):
        a, b = b, a
    steps = draw(lengths)
    kind = draw(st.sampled_from(("linear", "cosine", "polynomial", "warmup", "cooldown")))
    if kind == "linear":
        return jaxlrs.linear(a, b, steps)
    if kind == "cosine":
        return jaxlrs.cosine(a, steps, end=b)
    if kind == "polynomial":
        return jaxlrs.polynomial(a, b, steps, power=draw(st.sampled_from([0.5, 1.0, 2.0, 3.7])))
    if kind == "warmup":
        return jaxlrs.warmup(jaxlrs.constant(b), steps, init=a, shape=draw(shapes))
    return jaxlrs.cooldown(jaxlrs.constant(a), 0, steps, end=b, shape=draw(shapes))


def _steps(s: jaxlrs.Schedule) -> np.ndarray:
    length = int(s.args.get("steps", 1))
    dense = np.linspace(0, length, 257).round()
    ends = np.array([0, 1, 2, length // 2 - 1, length // 2, length // 2 + 1, length - 1, length])
    return np.unique(np.clip(np.concatenate([dense, ends]), 0, 2**31 - 1)).astype(np.int64)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(s=sign_changing())
def test_sign_change_within_a_few_ulps_of_the_largest_value(s: jaxlrs.Schedule) -> None:
    steps = _steps(s)
    want = oracle(s, steps)
    scale = float(np.max(np.abs(want)))
    assert_close(s(steps), want, scale, absolute=SIGN_CHANGE_ABS, steps=steps)
    assert np.all(np.isfinite(np.asarray(s(steps))))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    end=magnitudes,
    ratio=st.just(0.0)
    | st.floats(1e-3, 0.999)
    | st.floats(1.001, 10.0)
    | st.builds(lambda x: 1.0 + x, st.floats(-1e-6, 1e-6)),
    decay=st.floats(1.05, 2.5) | st.sampled_from([1.3657279834751614, 2.0, 2.5]),
    period=st.integers(1, 7) | st.integers(8, 500),
    period_mult=st.sampled_from([1, 2]),
)
def test_sgdr_growing_decay_within_its_terms(
    end: float, ratio: float, decay: float, period: int, period_mult: int
) -> None:
    """sgdr's docstring: with a growing ``decay`` the value ``end + (peak - end) D c`` is
    within 2e-6 of ``|end| + (|peak| + |end|) D c``. With ``peak < end`` the cycles fall
    below 0 (here until a restart is 4x ``end`` below it); with ``peak`` next to ``end`` the
    difference of the two is amplified by ``D``. Every step of those cycles, float64
    hyperparameters, against the float64 oracle."""
    peak = end * ratio
    s = jaxlrs.sgdr(peak, period, period_mult=period_mult, decay=decay, end=end)
    gap = max(abs(1.0 - ratio), 1e-3)
    n = int(np.ceil(np.log(5.0 / gap) / np.log(decay))) + 1
    lengths = np.array([period * period_mult**i for i in range(n + 1)], np.float64)
    starts = np.concatenate([[0.0], np.cumsum(lengths)])
    assume(starts[-1] < 2**31)
    near = (starts[:, None] + np.arange(-2, 3)).ravel()
    steps = np.unique(np.concatenate([np.arange(min(starts[-1], 4000.0)), near]))
    steps = steps[(steps >= 0) & (steps < starts[-1])].astype(np.int64)
    # one step-array shape for every example: one compile per structure, not per example
    assume(steps.size <= 8192)
    steps = np.concatenate([steps, np.full(8192 - steps.size, steps[-1])])
    want = oracle(s, steps)
    i = np.searchsorted(starts, steps, side="right") - 1
    u = steps - starts[i]
    dc = decay ** i.astype(np.float64) * np.cos(0.5 * np.pi * u / lengths[i]) ** 2
    terms = end + (abs(peak) + end) * dc
    got = np.asarray(s(steps), np.float64)
    bad = ~(np.abs(got - want) <= 2e-6 * np.maximum(np.abs(want), terms))
    assert not bad.any(), (steps[bad][:5], got[bad][:5], want[bad][:5])
    if ratio < 1 - 1e-3:
        assert (want < 0).any()  # the crossing is reached
