"""SPEC §1.5: float32 results against float64 NumPy oracles, at small and very large steps.

Hyperparameters are dyadic (exact in float32), so any error is the schedule's own.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _oracles import CASES, SHAPES, assert_close, oracle

import jaxlrs

E24, E25 = 2**24, 2**25
CENTRES = (E24, E25, 3 * E24)
NEAR = np.concatenate([np.arange(c - 10, c + 11) for c in CENTRES])
"""Ten steps either side of 2**24, 2**25 and 3 * 2**24, where float32(t) stops being exact."""

S = jaxlrs


def big_fn(t):
    """For ``from_fn``: a smooth function of large steps."""
    return 1.0 / (1.0 + t / E24)


BIG: dict[str, jaxlrs.Schedule] = {
    "constant": S.constant(0.75),
    "linear": S.linear(1.0, 0.25, 3 * E24 + 5),
    "linear_end": S.linear(1.0, 0.0, E25 + 3),
    "polynomial": S.polynomial(1.0, 0.0, 3 * E24 + 7, power=2.0),
    "polynomial_sqrt": S.polynomial(1.0, 0.125, E25 + 4, power=0.5),
    "cosine": S.cosine(1.0, 3 * E24 + 3),
    "cosine_end": S.cosine(1.0, E25 + 5, end=0.25, exponent=2.0),
    "cosine_k": S.cosine(1.0, E25 + 9, k=2.0),
    "exponential": S.exponential(1.0, 0.5, E24 - 3),
    "exponential_stair": S.exponential(1.0, 0.5, E24 - 1, staircase=True),
    "exponential_end": S.exponential(1.0, 0.5, E24 + 1, end=0.2),
    "inverse_time": S.inverse_time(1.0, 2.0, E24 + 3),
    "inverse_time_stair": S.inverse_time(1.0, 2.0, E24 - 1, staircase=True),
    "step_decay": S.step_decay(1.0, E24 - 1, 0.5),
    "multistep": S.multistep(1.0, [E24 - 1, E24 + 1, E25, 3 * E24 + 2], 0.5),
    "piecewise_constant": S.piecewise_constant(
        [E24 - 3, E24 + 4, E25 + 1, 3 * E24], [1.0, 0.5, 0.75, 0.25, 0.125]
    ),
    "piecewise_linear": S.piecewise_linear(
        [E24 - 5, E24 + 5, 3 * E24 - 2, 3 * E24 + 6], [0.0, 1.0, 0.5, 0.25]
    ),
    "triangular": S.triangular(0.25, 1.0, E25 + 6),
    "triangular_slanted": S.triangular(0.25, 1.0, 3 * E24 + 4, inc_fraction=0.25),
    "join": S.join(
        [S.linear(1.0, 0.5, E24), S.cosine(0.5, E24 + 2), S.linear(0.25, 0.0, E24 + 7)],
        [E24, E25 + 2],
    ),
    **{
        f"warmup_{shape}": S.warmup(S.cosine(1.0, E25), E24 + 3, init=0.0625, shape=shape)
        for shape in SHAPES
    },
    **{
        f"cooldown_{shape}": S.cooldown(
            S.linear(1.0, 0.5, 3 * E24), E24 - 4, E24 + 6, end=0.125, shape=shape
        )
        for shape in SHAPES
    },
    "cycle": S.cycle(S.linear(1.0, 0.0, E24 - 1), E24 - 1),
    "cycle_mult": S.cycle(S.linear(1.0, 0.0, E24 + 1), E24 + 1, period_mult=2, decay=0.5),
    "cycle_mult3": S.cycle(S.cosine(1.0, E24 - 5), E24 - 5, period_mult=3, limit=2),
    "shift": S.shift(S.linear(1.0, 0.0, E24), E24 + 2),
    "stretch": S.stretch(S.linear(1.0, 0.0, 3), E24 + 1),
    "stretch_stair": S.stretch(S.step_decay(1.0, 2, 0.5), E24 / 2 + 1),
    "scale": S.scale(S.cosine(1.0, 3 * E24 + 8), 0.5),
    "clip": S.clip(S.linear(0.0, 1.0, E25 + 4), 0.25, 0.5),
    "minimum": S.minimum(S.linear(0.0, 1.0, E25), S.cosine(1.0, 3 * E24 + 1), 0.75),
    "maximum": S.maximum(S.linear(1.0, 0.0, 3 * E24 + 2), 0.25),
    "from_fn": S.from_fn(big_fn),
    "arithmetic": (S.linear(1.0, 0.0, 3 * E24 + 1) - S.cosine(0.5, E25 + 1)) * 2.0 + 1.0,
    "divide": 1.0 / (S.constant(1.0) + S.linear(0.0, 3.0, E25 - 1)),
    "sgdr": S.sgdr(1.0, E24 + 1, period_mult=2),
    "sgdr_opts": S.sgdr(1.0, E24 - 7, decay=0.5, end=0.125, warmup=9, limit=2),
    "warmup_cosine": S.warmup_cosine(1.0, E24 + 2, 3 * E24 + 4, end=0.0625),
}


def _scale(s, steps):
    """The schedule's largest value (over the evaluated steps and a coarse grid)."""
    grid = np.concatenate([np.linspace(0, 2**31 - 1, 257).round(), np.asarray(steps, float)])
    return float(np.max(np.abs(oracle(s, grid))))


@pytest.mark.parametrize("name", sorted(CASES))
def test_small_steps_match_oracle(name):
    s = CASES[name]
    steps = np.concatenate([np.arange(64), np.arange(40) + 0.25, [-5, -1]])
    assert_close(s(steps), oracle(s, steps), steps=steps)


@pytest.mark.parametrize("name", sorted(BIG))
def test_near_float32_limits(name):
    s = BIG[name]
    got = s(jnp.asarray(NEAR, jnp.int32))
    assert_close(got, oracle(s, NEAR), _scale(s, NEAR), steps=NEAR)


@pytest.mark.parametrize(
    "s",
    [
        S.linear(1.0, 0.0, 10**8),
        S.linear(0.5, 0.25, 10**8),
        S.cosine(1.0, 10**8),
        S.cosine(1.0, 10**8, end=0.125),
        S.polynomial(1.0, 0.0, 10**8, power=2.0),
    ],
    ids=repr,
)
def test_tail_of_a_long_decay(s):
    steps = np.arange(10**8 - 100, 10**8 + 3)
    assert_close(s(steps), oracle(s, steps), _scale(s, steps), steps=steps)


def test_linear_tail_is_exact_where_optax_is_not():
    # 100 steps before the end of a 1e8-step decay the value is 1e-6; Optax is 4.6% off.
    got = float(S.linear(1.0, 0.0, 10**8)(10**8 - 100))
    assert got == pytest.approx(1e-6, rel=1e-6)


FAR = (10**9, 2**31 - 64)
"""Centres of the far windows (the second ends at 2**31 - 1)."""


def _far(centre):
    return np.arange(centre - 60, min(centre + 60, 2**31 - 1) + 1)


@pytest.mark.parametrize("mult", [1, 2, 3])
@pytest.mark.parametrize("centre", FAR)
def test_sgdr_and_cycle_far_integer_mult(mult, centre):
    steps = _far(centre)
    # period chosen so that a cycle boundary falls inside the window for every mult.
    for s in (
        S.sgdr(1.0, 1_000, period_mult=mult, decay=0.875, end=0.0625),
        S.cycle(S.linear(1.0, 0.25, 997), 997, period_mult=mult),
        S.cycle(S.cosine(1.0, 7), 7, period_mult=mult),
    ):
        got = s(jnp.asarray(steps, jnp.int32))
        assert_close(got, oracle(s, steps), _scale(s, steps), steps=steps)


@pytest.mark.parametrize("centre", FAR)
def test_sgdr_and_cycle_far_float_mult(centre):
    steps = _far(centre)
    for s in (S.sgdr(1.0, 1_000, period_mult=1.5), S.cycle(S.linear(1.0, 0.0, 64), 64, 1.5)):
        got = np.asarray(s(jnp.asarray(steps, jnp.int32)), np.float64)
        np.testing.assert_allclose(got, oracle(s, steps), rtol=0, atol=1e-6 * 1.0)


def test_cycle_boundaries_exact_where_float32_is_not():
    # Cycle starts of period_mult 2 land on steps float32 cannot represent.
    p = 2**25 + 1
    s = S.cycle(S.linear(1.0, 0.0, p), p, period_mult=2)
    starts = np.array([p, 3 * p])  # 2**25 + 1 and 3 * 2**25 + 3
    steps = np.concatenate([starts - 1, starts, starts + 1])
    got = np.asarray(s(jnp.asarray(steps, jnp.int32)), np.float64)
    np.testing.assert_array_equal(got[len(starts) : 2 * len(starts)], 1.0)
    assert_close(got, oracle(s, steps), 1.0, steps=steps)


def test_staircase_exact_where_optax_is_one_stair_early():
    s = S.exponential(1.0, 0.5, 1_000_003, staircase=True)
    steps = np.arange(20_000_059 - 80, 20_000_059 + 81)
    want = 0.5 ** (steps // 1_000_003)  # a stair off by one is off by a factor 2
    assert_close(s(steps), want, 1.0, steps=steps)
    # 20_000_059 = 20 * 1_000_003 - 1: still stair 19 (Optax's float32 division says 20).
    assert float(s(20_000_059)) == pytest.approx(0.5**19, rel=2e-6)
    assert float(s(20_000_060)) == pytest.approx(0.5**20, rel=2e-6)


@pytest.mark.parametrize("rate", [0.5, 0.125, 0.875])
@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_over_its_whole_range(rate, staircase):
    s = S.exponential(1.0, rate, 1_000, staircase=staircase)
    steps = np.arange(0, 200_000, 7)
    assert_close(s(steps), oracle(s, steps), 1.0, steps=steps)


def test_integer_indices_exact_at_large_steps():
    # The value encodes the index: any stair, piece or cycle off by one shows.
    b = np.array([10**9 - 7, 10**9 + 3, 2**31 - 9])
    t = np.concatenate([b - 1, b, b + 1])
    pc = S.piecewise_constant(b.tolist(), [1.0, 0.5, 0.25, 0.125])
    np.testing.assert_array_equal(np.asarray(pc(t)), oracle(pc, t))
    ms = S.multistep(1.0, b.tolist(), 0.5)
    np.testing.assert_array_equal(np.asarray(ms(t)), oracle(ms, t))
    sd = S.step_decay(1.0, 10**9 - 7, 0.5)
    np.testing.assert_array_equal(np.asarray(sd(t)), oracle(sd, t))
    period = 33_554_467  # prime, above 2**25
    cy = S.cycle(S.constant(1.0), period, decay=0.5)
    edges = period * np.array([29, 30, 63])
    tc = np.concatenate([edges - 1, edges])
    np.testing.assert_array_equal(np.asarray(cy(tc)), 0.5 ** (tc // period))
    # Position inside the cycle: a linear cycle reads (P - u) / P, u exact.
    lin = S.cycle(S.linear(1.0, 0.0, period), period)
    assert_close(lin(tc), oracle(lin, tc), 1.0, steps=tc)


@pytest.mark.parametrize(
    "s",
    [
        S.linear(1.0, 0.0, 2**40),
        S.cosine(1.0, 2**40),
        S.step_decay(1.0, 2**33, 0.5),
        S.multistep(1.0, [2**20, 2**35], 0.5),
        S.piecewise_constant([2**32], [1.0, 0.5]),
        S.cycle(S.linear(1.0, 0.0, 2**34), 2**34),
        S.sgdr(1.0, 2**35, period_mult=2),
        S.warmup(S.constant(1.0), 2**33),
        S.shift(S.constant(1.0), 2**32),
        S.stretch(S.linear(1.0, 0.0, 4), 2**32),
        S.cooldown(S.constant(1.0), 2**32, 2**33),
    ],
    ids=repr,
)
def test_huge_python_int_hyperparameters_never_raise(s):
    steps = np.array([0, 1000, 2**31 - 1])
    got = s(steps)
    assert got.dtype == jnp.float32
    assert_close(got, oracle(s, steps), _scale(s, steps), steps=steps)
    assert np.isfinite(np.asarray(s(2**40))).all()


def test_x64_int64_steps_far_beyond_int32():
    with jax.enable_x64(True):
        steps = np.array([2**40 - 1, 2**40, 3 * 2**40 - 2, 5 * 2**40 + 7, 2**50], np.int64)
        cases = [
            S.linear(1.0, 0.0, 2**42),
            S.step_decay(1.0, 2**40, 0.5),
            S.cycle(S.linear(1.0, 0.0, 2**40), 2**40, period_mult=2),
            S.sgdr(1.0, 2**40 + 1, period_mult=3),
            S.piecewise_constant([2**40, 3 * 2**40 - 1], [1.0, 0.5, 0.25]),
        ]
        for s in cases:
            got = s(jnp.asarray(steps))
            assert got.dtype == jnp.float64
            # float64 schedule vs float64 oracle: far tighter than the float32 contract.
            assert_close(got, oracle(s, steps), 1.0, rel=1e-12, absolute=1e-14, steps=steps)


POWERS = [
    # A factor float32 rounds, raised to a large power: float32 alone is t * 3e-8 off.
    ("exponential", jaxlrs.exponential(1.0, 0.999), np.arange(0, 20_000, 7)),
    ("exponential_near_one", jaxlrs.exponential(1.0, 1 - 1e-9), np.arange(0, 2**31 - 1, 2**22)),
    ("step_decay", jaxlrs.step_decay(1.0, 3, 0.99), np.arange(0, 30_000, 11)),
    ("multistep", jaxlrs.multistep(1.0, list(range(1, 2_001)), 0.995), np.arange(0, 2_100, 3)),
    ("cycle_decay", jaxlrs.cycle(jaxlrs.constant(1.0), 10, decay=0.999), np.arange(0, 50_000, 13)),
    ("cyclic_exp_range", jaxlrs.cyclic(0.1, 1.0, 2_000, "exp_range", gamma=0.99994), None),
]


@pytest.mark.parametrize(("name", "s", "steps"), POWERS, ids=[p[0] for p in POWERS])
def test_powers_keep_the_hyperparameters_float64_bits(name, s, steps):
    """SPEC 1.5 is against float64 at the hyperparameters the user gave: 0.999 is not
    float32(0.999), and ``rate**t`` magnifies that difference by ``t``."""
    if steps is None:
        steps = np.arange(0, 100_000, 17)
        t = steps.astype(np.float64)
        x = np.abs((t % 2_000) / 1_000 - 1)
        want = 0.1 + 0.9 * (1 - x) * 0.99994**t
    else:
        want = oracle(s, steps)
    assert_close(s(steps), want, steps=steps)
    assert_close(jaxlrs.evaluate(s, steps), want, steps=steps)
