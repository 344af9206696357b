"""Schedules whose values change sign (a negative ``init``, ``end`` or ``low``).

Near a zero crossing no float32 formula keeps 2e-6 relative precision: the value is a
difference of two terms of the size of the largest value, each rounded. The contract page states the
bound that holds instead, 1e-6 of the largest value in absolute terms (a few float32 ulps);
this file checks it against the float64 oracle, at dense steps around the crossing and the ends.
"""

from __future__ import annotations

import numpy as np
from _oracles import assert_close, oracle
from hypothesis import given, settings
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
