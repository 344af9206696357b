"""noise(): the key's 32-bit words are kept exactly or refused, never truncated
(issue 8 #12)."""

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlrs

WORD = st.integers(-(2**31), 2**32 - 1)
OUTSIDE = st.one_of(st.integers(2**32, 2**80), st.integers(-(2**80), -(2**31) - 1))
BASE = jaxlrs.constant(1.0)


def _signed(w: int) -> int:
    return w - 2**32 if w >= 2**31 else w


@settings(max_examples=60, deadline=None)
@given(WORD, WORD, st.sampled_from([list, tuple, np.asarray]))
def test_key_words_in_range_are_kept_exactly(a, b, kind):
    words = kind([a, b]) if kind is not np.asarray else np.asarray([a, b], np.int64)
    s = jaxlrs.noise(BASE, words)
    assert s.args["key"] == (_signed(a), _signed(b))
    assert jaxlrs.parse(repr(s)) == s
    # The same bits as a JAX key: the same schedule.
    data = np.asarray([a % 2**32, b % 2**32], np.uint32)
    key = jax.random.wrap_key_data(data, impl="threefry2x32")
    assert jaxlrs.noise(BASE, key) == s


@settings(max_examples=60, deadline=None)
@given(OUTSIDE, WORD, st.booleans())
def test_key_words_outside_32_bits_are_refused(bad, good, first):
    words = [bad, good] if first else [good, bad]
    with pytest.raises(ValueError, match=r"^noise\(\): key words must be 32-bit integers"):
        jaxlrs.noise(BASE, words)
    if abs(bad) < 2**63:
        with pytest.raises(ValueError, match=r"^noise\(\): key words must be 32-bit"):
            jaxlrs.noise(BASE, np.asarray(words, np.int64))


@pytest.mark.parametrize(
    "key", [[True, 1], [1.5, 2], ["a", 1], np.asarray([True, False]), [1.0, 2.0]]
)
def test_key_words_must_be_integers(key):
    with pytest.raises(TypeError, match=r"^noise\(\): key words must be integers"):
        jaxlrs.noise(BASE, key)


def test_truncation_from_the_issue():
    with pytest.raises(ValueError, match=r"got \[1099511627776, 1\]"):
        jaxlrs.noise(BASE, [2**40, 1])
