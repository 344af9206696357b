"""rehorizon, splice and jump: values against float64 oracles of the composition, exact
integer landings near 2**30, round trips, transformations and errors."""

import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _oracles import ORACLES, assert_close, oracle

import jaxlrs
from jaxlrs._replan import length

S = jaxlrs
TOP = 2**31 - 1


def remapped(t, at, old, steps):
    """The float64 step of the original for steps ``t`` (exact integers, then one division)."""
    t = np.asarray(t, np.int64)
    u = np.clip(t - at, 0, steps - at)
    q, r = np.divmod(u * (old - at), steps - at)  # below 2**62: exact in int64
    whole = (at + q).astype(np.float64)
    m = whole + r / (steps - at)
    m = np.where(m >= whole + 1, np.nextafter(whole + 1, 0), m)  # rounding never crosses a step
    return np.where(t <= at, np.maximum(t, 0).astype(np.float64), m)


def cases(n, seed):
    """(at, old, steps): hand-picked extremes, then generated ones over every magnitude,
    shrinking (steps < old) as well as stretching."""
    out = [
        (50, 100, 150),
        (7, 100, 4_000_003),
        (0, TOP, TOP - 1),
        (5, TOP, 6),
        (12_345, TOP, 2**30 - 7),
        (2**30, 2**30 + 12_345, TOP),
        (2**30 + 3, TOP, TOP - 6),
        (2**30 + 1, 2**30 + 3 * 2**27, 2**30 + 5 * 2**27),
        (2**31 - 3, 2**31 - 2, TOP),
        (2**30 - 1, 2**30 + 999_983, 2**30 + 7),
    ]
    rng = np.random.default_rng(seed)
    while len(out) < n:
        old = int(math.exp(rng.uniform(math.log(20), math.log(TOP))))
        at = int(rng.integers(0, old)) if rng.random() < 0.5 else int(old * rng.random() ** 8)
        at = min(at, old - 1)
        steps = int(math.exp(rng.uniform(math.log(at + 1), math.log(TOP)))) + 1
        out.append((at, old, min(max(steps, at + 1), TOP)))
    return out


CASES = cases(24, 0)


def sample(at, old, steps, marks, rng):
    """Steps to check: random ones, both ends, and where each boundary of the original
    (``marks``) lands after remapping (the first step at or past it, and its neighbours)."""
    a, b = old - at, steps - at
    extra = [0, at - 1, at, at + 1, at + 2, steps - 2, steps - 1, steps, steps + 1, TOP]
    for mark in marks:
        if at < mark < old:
            first = at + -(-(mark - at) * b // a)  # ceil: the first t mapped to >= mark
            extra += [first - 1, first, first + 1]
    t = np.concatenate([rng.integers(0, min(steps + 100, TOP), 200), extra])
    return np.unique(np.clip(t, 0, TOP))


def call(s, t, size=256):
    """``s(t)`` through arrays of one shape and dtype, so that every schedule of a structure
    compiles once for the whole file."""
    t = np.asarray(t)
    dtype = np.int32 if t.dtype.kind in "iu" else np.float32
    out = [
        np.asarray(s(np.pad(c, (0, size - c.size)).astype(dtype)))[: c.size]
        for c in np.array_split(t, max(1, -(-t.size // size)))
    ]
    return np.concatenate(out)


ORIGINALS = {
    "linear": (lambda old: S.linear(1.0, 0.0, old), lambda old: []),
    "cosine": (lambda old: S.cosine(1.0, old), lambda old: []),
    "warmup_cosine": (
        lambda old: S.warmup_cosine(1.0, max(old // 7, 1), old),
        lambda old: [max(old // 7, 1)],
    ),
    "stairs": (
        lambda old: S.piecewise_constant(
            [max(old // 3, 1), max(old // 3, 1) + max(old // 3, 1) // 2 + 1, old],
            [1.0, 0.5, 0.25, 0.125],
        ),
        lambda old: [max(old // 3, 1), max(old // 3, 1) + max(old // 3, 1) // 2 + 1],
    ),
}


@pytest.mark.parametrize("kind", ORIGINALS)
def test_rehorizon_against_the_float64_composition(kind):
    """Every generated (at, old, steps), from tens of steps to 2**31 - 1: the values are
    the original's float64 formula at the float64 remapped step, to the precision contract
    (2e-6 relative, or 1e-10 of the peak); the value at ``at`` is the original's, and from
    ``steps`` on the original's end value holds, both bit for bit."""
    build, marks = ORIGINALS[kind]
    rng = np.random.default_rng(1)
    for at, old, steps in CASES:
        if kind in ("warmup_cosine", "stairs") and old < 10:
            continue
        original = build(old)
        s = S.rehorizon(original, at, steps)
        assert s.args["horizon"] == old
        ends = [at, steps, min(steps + 12_345, TOP)]
        t = np.concatenate([ends, sample(at, old, steps, marks(old), rng)])
        got = call(s, t)
        assert_close(got, oracle(original, remapped(t, at, old, steps)), 1.0, steps=t)
        want = call(original, [at, old, old])
        np.testing.assert_array_equal(got[:3], want, err_msg=f"{(at, old, steps)}")


def test_integer_landings_near_2_30_are_exact():
    """Where ``(t - at) * (old - at) / (steps - at)`` is an integer, the original is
    evaluated at exactly that step, also at 2**30 and beyond (no float step anywhere)."""
    at, k = 2**30 + 1, 2**27 - 3
    old, steps = at + 3 * k, at + 5 * k
    m = np.unique(np.concatenate([np.arange(0, 50), np.linspace(0, k, 300).astype(np.int64)]))
    stairs = S.piecewise_constant([at + 3, at + 6, old], [1.0, 0.5, 0.25, 0.125])
    for original in (S.linear(1.0, 0.0, old), S.cosine(1.0, old), stairs):
        s = S.rehorizon(original, at, steps)
        np.testing.assert_array_equal(call(s, at + 5 * m), call(original, at + 3 * m))
    # the stair at at + 3 is reached exactly at t = at + 5, not a step early (nor late)
    s = S.rehorizon(stairs, at, steps)
    np.testing.assert_array_equal(call(s, [at + 4, at + 5, at + 9, at + 10]), [1, 0.5, 0.5, 0.25])


def test_nested_and_fractional_steps():
    """A rehorizon inside an integer stretch (it sees steps ``n / d``), and fractional
    steps (float steps, like every schedule)."""
    inner = S.rehorizon(S.linear(1.0, 0.0, 100), 50, 150)
    t = np.arange(0, 500)
    want = oracle(S.linear(1.0, 0.0, 100), remapped_real(t / 3, 50, 100, 150))
    assert_close(call(S.stretch(inner, 3), t), want, 1.0)
    x = np.linspace(0, 200, 1001).astype(np.float32)
    s = S.rehorizon(S.cosine(1.0, 100), 50, 150)
    want = oracle(S.cosine(1.0, 100), remapped_real(x.astype(np.float64), 50, 100, 150))
    assert_close(call(s, x), want, 1.0)


def remapped_real(t, at, old, steps):
    return np.where(t <= at, t, at + (np.minimum(t, steps) - at) * (old - at) / (steps - at))


def test_coarse_steps_keep_stairs_and_smooth_tails():
    """Near 2**31 the grid inside a step has one point: a stair that starts at the next
    integer step is not anticipated, and a smooth tail is still interpolated."""
    at, old, steps = 2**30 + 3, TOP, TOP - 6
    stairs = S.piecewise_constant([at + 10, 2**31 - 5, old], [1.0, 0.5, 0.3, 0.2])
    t = np.concatenate([np.arange(at, at + 40), np.arange(steps - 30, steps + 1)])
    for original in (stairs, S.cosine(1.0, old)):
        s = S.rehorizon(original, at, steps)
        assert_close(call(s, t), oracle(original, remapped(t, at, old, steps)), 1.0, steps=t)


def test_exact_double_width_division():
    """The quotient and remainder of ``x * y / m`` against Python integers, products far
    beyond 32 bits included."""
    from jaxlrs._replan import _divmod

    rng = np.random.default_rng(2)
    x, y, m = (np.minimum(2.0 ** rng.uniform(0, 32, 20_000), 2**32 - 1).astype(np.uint64)
               for _ in range(3))  # fmt: skip
    edges = np.asarray([0, 1, 2**16 - 1, 2**16, 2**31 - 1, 2**31, 2**32 - 1], np.uint64)
    x, y = np.concatenate([x, edges, edges]), np.concatenate([y, edges[::-1], edges])
    m = np.maximum(np.concatenate([m, edges, np.ones(7, np.uint64)]), 1)
    product, divisor = x.astype(object) * y.astype(object), m.astype(object)
    want_q, want_r = product // divisor, product % divisor
    keep = want_q < 2**32  # the quotient must fit
    q, r = jax.jit(_divmod)(*(jnp.asarray(v[keep], jnp.uint32) for v in (x, y, m)))
    assert keep.sum() > 15_000
    np.testing.assert_array_equal(np.asarray(q).astype(object), want_q[keep])
    np.testing.assert_array_equal(np.asarray(r).astype(object), want_r[keep])


def test_five_evaluations_of_the_original_per_step():
    shapes = []

    def record(t):
        shapes.append(t.shape)
        return 1.0 / (1.0 + jnp.asarray(t, jnp.float32))

    S.rehorizon(S.from_fn(record), 10, 1_000, horizon=100)(jnp.arange(8))
    assert sorted(shapes) == [(4, 8), (8,)]


# -- horizons --------------------------------------------------------------------------------

KNOWN = [
    (S.cosine(1.0, 100), 100),
    (S.join([S.linear(0.0, 1.0, 10), S.cosine(1.0, 90)], [10]), 100),
    (S.warmup_cosine(1.0, 100, 1_000), 1_000),
    (S.wsd(1.0, 100, 1_000, 200), 1_000),
    (S.one_cycle(1.0, 1_000), 1_000),
    (S.warmup_linear(1.0, 10, 100), 100),
    (S.warmup_exponential(1.0, 10, 100), 100),
    (S.warmup_inverse_sqrt(1.0, 10, 100, end=0.1), 100),
    (S.warmup_constant(1.0, 10), 10),
    (S.warmup_constant(1.0, 10, 100), 100),
    (S.lr_range(1e-5, 1.0, 100), 100),
    (S.slanted_triangular(1.0, 100), 100),
    (S.rex(1.0, 100), 100),
    (S.sgdr(1.0, 100, period_mult=2, limit=3), 700),
    (S.cycle(S.linear(1.0, 0.0, 10), 10, limit=4), 40),
    (S.multistep(1.0, [10, 50]), 50),
    (S.piecewise_linear([0, 10, 30], [0.0, 1.0, 0.5]), 30),
    (S.stretch(S.cosine(1.0, 10), 5), 50),
    (S.cooldown(S.constant(1.0), 100, 50), 150),
    (S.shift(S.cosine(1.0, 10), 5), 15),
    (S.warmup(S.linear(1.0, 0.5, 40), 10), 50),
    (S.cosine(1.0, 10) * 0.5 + S.linear(1.0, 0.0, 20), 20),
    (S.minimum(S.cosine(1.0, 30), 0.5), 30),
    (S.rehorizon(S.cosine(1.0, 100), 50, 300), 300),
    (S.splice(S.cosine(1.0, 100), S.cosine(1.0, 80), 50, restart=True), 130),
    (S.splice(S.cosine(1.0, 100), S.cosine(1.0, 80), 50), 80),
]


@pytest.mark.parametrize("schedule, want", KNOWN, ids=[repr(s)[:40] for s, _ in KNOWN])
def test_horizon_read_from_the_structure(schedule, want):
    assert length(schedule) == want
    assert S.rehorizon(schedule, 1, want + 1).args["horizon"] == want


def test_read_horizons_are_where_the_schedule_settles():
    """The property behind the reading: from the horizon on the value holds, and it still
    changes in the last step before."""
    for s, h in KNOWN:
        if s.name in ("rehorizon", "splice"):  # their own tests check where they end
            continue
        t = np.asarray([h - 1, h, h + 1, h + 10_000], np.float64)
        v = oracle(s, t) if s.name in ORACLES else call(s, t.astype(np.int32), 4)
        assert v[1] == v[2] == v[3] and v[0] != v[1], repr(s)


@pytest.mark.parametrize(
    "schedule",
    [S.exponential(1.0, 0.5), S.step_decay(1.0, 10), S.cycle(S.cosine(1.0, 10), 10),
     S.from_fn(lambda t: 1.0 / (1.0 + t)), S.stretch(S.cosine(1.0, 10), 2.5)],
    ids=["exponential", "step_decay", "cycle", "from_fn", "float_stretch"],
)  # fmt: skip
def test_unknown_horizon_must_be_given(schedule):
    with pytest.raises(ValueError, match=r"^rehorizon\(\): horizon must be given .*got None$"):
        S.rehorizon(schedule, 10, 100)
    s = S.rehorizon(schedule, 10, 100, horizon=50)
    assert s.args["horizon"] == 50


def test_explicit_horizon_for_a_decay_that_never_ends():
    original = S.exponential(1.0, 0.5, 10)
    s = S.rehorizon(original, 20, 220, horizon=120)
    t = np.arange(0, 300)
    assert_close(s(t), oracle(original, remapped(t, 20, 120, 220)), 1.0)


@pytest.mark.parametrize(
    "call, error, message",
    [(lambda: S.rehorizon(S.cosine(1.0, 100), 50, 50), ValueError,
      r"^rehorizon\(\): steps must be greater than at, got steps=50, at=50$"),
     (lambda: S.rehorizon(S.cosine(1.0, 100), 100, 200), ValueError,
      r"^rehorizon\(\): at must be less than the schedule's horizon \(100\), got at=100"),
     (lambda: S.rehorizon(S.cosine(1.0, 100), 10, 200, horizon=5), ValueError,
      r"^rehorizon\(\): at must be less than the schedule's horizon \(5\), got at=10"),
     (lambda: S.rehorizon(S.cosine(1.0, 100), -1, 200), ValueError,
      r"^rehorizon\(\): at must be a non-negative integer, got -1$"),
     (lambda: S.rehorizon(S.cosine(1.0, 100), 10, 200.5), ValueError,
      r"^rehorizon\(\): steps must be a positive integer, got 200.5$"),
     (lambda: S.rehorizon(S.cosine(1.0, 100), 10, 200, horizon=0), ValueError,
      r"^rehorizon\(\): horizon must be a positive integer, got 0$"),
     (lambda: S.rehorizon(0.1, 10, 200), TypeError, r"^rehorizon\(\): schedule must be"),
     (lambda: S.splice(S.constant(1.0), S.constant(0.5), 0), ValueError,
      r"^splice\(\): at must be a positive integer, got 0$"),
     (lambda: S.splice(S.constant(1.0), 0.5, 10), TypeError, r"^splice\(\): new must be"),
     (lambda: S.splice(S.constant(1.0), S.constant(0.5), 10, restart=1), TypeError,
      r"^splice\(\): restart must be"),
     (lambda: S.jump(S.cosine(1.0, 10)), ValueError,
      r"^jump\(\): at must be given \(a positive integer step\) for a schedule that is not"),
     (lambda: S.jump(S.cosine(1.0, 10), 0), ValueError,
      r"^jump\(\): at must be a positive integer, got 0$")],
    ids=["steps_at", "at_horizon", "at_given_horizon", "negative_at", "float_steps",
         "zero_horizon", "not_a_schedule", "splice_at_0", "splice_number", "restart_int",
         "jump_no_at", "jump_at_0"],
)  # fmt: skip
def test_bad_inputs(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_jump_needs_concrete_values():
    def traced(p):
        return S.jump(S.splice(S.constant(p), S.constant(0.5), 10))

    with pytest.raises(ValueError, match=r"^jump\(\): schedule and at must be concrete"):
        jax.jit(traced)(1.0)


# -- splice and jump -------------------------------------------------------------------------


def test_splice_values_and_jump():
    old, new = S.warmup_cosine(1.0, 10, 100), S.linear(0.4, 0.0, 200)
    t = np.arange(0, 260)
    absolute = S.splice(old, new, 60)
    want = np.where(t < 60, oracle(old, t), oracle(new, t))
    assert_close(absolute(t), want, 1.0)
    restarted = S.splice(old, new, 60, restart=True)
    want = np.where(t < 60, oracle(old, t), oracle(new, np.maximum(t - 60, 0)))
    assert_close(restarted(t), want, 1.0)
    # restart=True is join([old, new], [at]), value for value
    np.testing.assert_array_equal(restarted(t), S.join([old, new], [60])(t))
    assert isinstance(S.jump(absolute), float)
    for s, first in ((absolute, oracle(new, 60.0)), (restarted, oracle(new, 0.0))):
        assert S.jump(s) == pytest.approx(first - oracle(old, 59.0), abs=4e-6 * 0.5)
        assert S.jump(s) == S.jump(s, 60)


# -- schedules like any other ----------------------------------------------------------------

ROUND_TRIP = [
    S.rehorizon(S.cosine(1.0, 100), 50, 150),
    S.rehorizon(S.exponential(1.0, 0.5, 10), 20, 220, horizon=120),
    S.rehorizon(S.warmup_cosine(1e-3, 100, 1_000), 600, 3 * 2**30),
    S.splice(S.cosine(1.0, 100), S.rehorizon(S.cosine(1.0, 100), 40, 400), 40),
    S.splice(S.constant(1.0), S.linear(1.0, 0.0, 10), 5, restart=True),
]


@pytest.mark.parametrize("s", ROUND_TRIP, ids=repr)
def test_repr_parse_and_dict_round_trips(s):
    assert S.parse(repr(s)) == s
    assert hash(S.parse(repr(s))) == hash(s)
    assert S.from_dict(json.loads(json.dumps(S.to_dict(s)))) == s


def test_repr_names_the_horizon_it_read():
    s = S.rehorizon(S.cosine(1.0, 100), 50, 150)
    assert repr(s) == "rehorizon(cosine(1.0, 100), 50, 150, horizon=100)"
    assert s == S.rehorizon(S.cosine(1.0, 100), 50, 150, horizon=100)


def test_vmap_and_traced_hyperparameters():
    s = S.rehorizon(S.cosine(1.0, 1_000), 300, 2_000)
    t = jnp.arange(256) * 9
    np.testing.assert_array_equal(s(t), jax.vmap(s)(t))
    # at, steps and the original's length traced: one program for every plan
    plans = np.asarray([[0, 1_700, 1_000], [299, 1_999, 1_000], [999, 5_000, 3_000],
                        [2**30 - 3, TOP, 2**30 + 5_000], [12_345, TOP, TOP]])  # fmt: skip

    def value(at, steps, n, t):
        return S.rehorizon(S.linear(1.0, 0.0, n), at, steps)(t)

    t = np.asarray([0, 1_000, 1_500, 2**30 + 77, TOP - 3])
    got = jax.jit(jax.vmap(value))(*plans.T.astype(np.int32), t.astype(np.int32))
    want = [oracle(S.linear(1.0, 0.0, n), remapped(x, at, n, steps))
            for (at, steps, n), x in zip(plans, t, strict=True)]  # fmt: skip
    assert_close(got, np.asarray(want), 1.0)
    spliced = jax.vmap(lambda at: S.splice(S.constant(1.0), S.constant(0.5), at)(100))
    np.testing.assert_array_equal(spliced(jnp.asarray([50, 100, 101])), [0.5, 0.5, 1.0])


def test_grad_through_a_traced_peak_is_finite():
    """The value is linear in the peak, so its gradient is the value at peak 1: on the
    exact path and on the grid near 2**31 alike, finite everywhere."""

    def value(peak, at, steps, horizon, t):
        return S.rehorizon(S.cosine(peak, 1_000), at, steps, horizon=horizon)(t)

    plans = np.asarray([[300, 2_000, 1_000, 0], [300, 2_000, 1_000, 300],
                        [300, 2_000, 1_000, 1_234], [300, 2_000, 1_000, 2_000],
                        [2**30 - 3, TOP, 2**30 + 5_000, TOP - 1_000],
                        [7, TOP - 2, 1_000, 2**30 + 9]])  # fmt: skip
    grads = jax.jit(jax.vmap(jax.grad(value), in_axes=(None, 0, 0, 0, 0)))(
        1e-3, *plans.T.astype(np.int32)
    )
    assert np.all(np.isfinite(grads))
    want = [
        oracle(S.cosine(1.0, 1_000), remapped(t, at, old, steps)) for at, steps, old, t in plans
    ]
    assert_close(grads, np.asarray(want), 1.0)
    spliced = jax.grad(lambda p: S.splice(S.cosine(p, 100), S.constant(0.5) * p, 50)(70))
    assert float(spliced(2.0)) == 0.5


# -- phases: the boundaries summary lists ---------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_phases_are_where_a_stair_schedule_changes(seed):
    """``summary``'s phases of a rehorizon and a splice of staircases are exactly the steps
    where the evaluated values change, plus ``at`` (and the new end for a rehorizon)."""
    from jaxlrs._tools import phases

    rng = np.random.default_rng(seed)
    horizon = int(rng.integers(50, 400))
    # four milestones and one length for every seed: one structure, compiled once
    milestones = sorted(int(m) for m in rng.choice(np.arange(1, horizon), 4, replace=False))
    base = jaxlrs.multistep(1.0, milestones, factor=0.5)
    at = int(rng.integers(1, horizon - 1))
    steps = int(rng.integers(at + 1, 3 * horizon))
    n = 1_600  # past every horizon and new end
    t = np.arange(n)

    def changes(s):
        v = np.asarray(s(jnp.asarray(t)), np.float64)
        return {int(x) + 1 for x in np.flatnonzero(np.diff(v) != 0)}

    s = jaxlrs.rehorizon(base, at, steps, horizon=horizon)
    want = changes(s) | {at, steps}
    assert set(phases(s, n)) == {x for x in want if 0 < x < n}
    new = jaxlrs.multistep(0.25, [m + at for m in milestones], factor=0.5)
    for restart, other in ((False, new), (True, base)):
        s = jaxlrs.splice(base, other, at, restart=restart)
        want = changes(s) | {at}
        got = set(phases(s, n))
        assert got == {x for x in want if 0 < x < n}, (restart, sorted(got), sorted(want))


@pytest.mark.parametrize("steps", [752_768_650, 2**31 - 1, 1_000_000_007])
def test_rehorizon_keeps_the_last_steps_of_a_long_stretch(steps):
    """A short horizon remapped onto a long run: the remapped position inside a step of
    the original is exact (its grid cell and remainder in integers), so a linear decay is
    within 1e-10 of its largest value (the contract) at its last steps (was 2e-8 off:
    the cell came from a float32 r / big)."""
    s = jaxlrs.rehorizon(jaxlrs.linear(1.0, 0.0, 3), at=0, steps=steps, horizon=3)
    t = np.array([steps - 3, steps - 2, steps - 1, steps, steps // 2, 7], np.int64)
    t = t[t <= 2**31 - 1].astype(np.int32)
    want = (steps - t.astype(np.float64)) / steps
    for got in (s(t), jax.jit(lambda x: s(x))(t)):
        np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=2e-6, atol=1e-10)
