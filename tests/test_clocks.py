"""Clocks (issue 13, item 3): tokens, examples and epochs seen before update t, exact
against a pure-Python integer oracle (generated batch schedules with ramps, counts above
2**31, update counts near 2**31 - 1, x64 off and on); schedules on a clock against float64
oracles of their formula at the exact count; jit/vmap; repr/parse/to_dict; inject."""

import bisect
import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxlrs
from jaxlrs.optax import current, inject

TOP = 2**31 - 1


# -- the oracle: the batch size of every update, summed in Python ints -----------------------


def batch_at(sizes, boundaries, k):
    """The batch size of update k, from the documented rule (ramps rounded down)."""
    edges = [0, *boundaries]
    i = sum(1 for b in boundaries if b <= k)
    size = sizes[i]
    if isinstance(size, (list, tuple)):
        a, b = size
        s, e = edges[i], edges[i + 1]
        return a + (b - a) * (k - s) // (e - s)
    return size


class Oracle:
    """seq_len * sum(batch(k) for k < t) in Python ints: the count at the start of every
    piece summed piece by piece, ramps update by update (every ramp here is short)."""

    def __init__(self, sizes, boundaries, seq_len):
        self.edges = [0, *boundaries]
        self.sizes, self.seq_len = sizes, seq_len
        self.bases, self.prefix, total = [], [], 0
        for i, size in enumerate(sizes):
            self.bases.append(total)
            if isinstance(size, (list, tuple)):
                steps = range(self.edges[i], self.edges[i + 1])
                run = [0]
                for k in steps:
                    run.append(run[-1] + batch_at(sizes, boundaries, k))
                self.prefix.append(run)
                total += run[-1]
            else:
                self.prefix.append(None)
                if i + 1 < len(sizes):
                    total += size * (self.edges[i + 1] - self.edges[i])

    def __call__(self, t):
        i = bisect.bisect_right(self.edges, t) - 1
        u = t - self.edges[i]
        run = self.prefix[i]
        within = run[u] if run is not None else self.sizes[i] * u
        return (self.bases[i] + within) * self.seq_len


def oracle(sizes, boundaries, seq_len, t):
    return Oracle(sizes, boundaries, seq_len)(t)


def counts_of(sizes, boundaries, seq_len, steps):
    o = Oracle(sizes, boundaries, seq_len)
    return [o(int(t)) for t in steps]


def generated(seed):
    """A batch schedule: constant pieces and ramps (up or down, longer or shorter than
    their rise), the last piece large, some boundaries close to 2**31."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 6))
    seq_len = int(rng.choice([1, 7, 2048]))
    cap = (2**32 - 1) // seq_len
    sizes, boundaries, at = [], [], 0
    for _ in range(n):
        if rng.random() < 0.5:
            a, b = (int(x) for x in rng.integers(1, 3000, size=2))
            if a == b:
                b += 1
            sizes.append([a, b])
            at += int(rng.integers(1, 2500))
        else:
            sizes.append(int(rng.integers(1, min(cap, 10**6))))
            at += int(rng.integers(1, 3000))
        boundaries.append(at)
    if rng.random() < 0.5:  # a piece that starts just below 2**31
        sizes.append(int(rng.integers(1, cap)))
        boundaries.append(TOP - int(rng.integers(0, 3)))
    sizes.append(int(rng.integers(cap // 2, cap + 1)))  # the last: many tokens per update
    return sizes, boundaries, seq_len


CASES = [generated(seed) for seed in range(5)] + [
    ([[1, 4], 4], [3], 1),  # a ramp shorter than its rise: sizes jump by more than 1
    ([[100, 3], 2**32 - 1], [1000], 1),  # a ramp down, then the largest size
    ([5, 9], [0], 3),  # an empty first piece
    ([2**32 - 1], [], 1),  # one piece: the largest count at 2**31 - 1
]


def probes(boundaries):
    """Steps at and around every boundary, every step of the first few thousand (all
    ramps' inner boundaries), and update counts near 2**31 - 1."""
    near = {b + d for b in [0, *boundaries] for d in range(-3, 4)}
    dense = set(range(0, min(6000, (boundaries or [0])[-1] + 10)))
    far = {TOP - d for d in range(5)} | {2**24 + 1, 2**30, 2**31 - 2**20}
    return np.array(sorted(x for x in near | dense | far if 0 <= x <= TOP), np.int64)


def as_ints(high, low):
    return [
        int(h) << 32 | int(lo)
        for h, lo in zip(np.asarray(high).tolist(), np.asarray(low).tolist(), strict=True)
    ]


def clock_of(sizes, boundaries, seq_len):
    return jaxlrs.tokens(sizes, boundaries, seq_len=seq_len)


@pytest.mark.parametrize("case", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_ticks_exact_against_the_integer_oracle(case):
    sizes, boundaries, seq_len = case
    clock = clock_of(*case)
    steps = probes(boundaries)
    want = counts_of(sizes, boundaries, seq_len, steps)
    assert max(want) < 2**63
    assert as_ints(*jaxlrs.ticks(clock, steps.astype(np.int32))) == want
    if case in CASES[:2] or case in CASES[-4:]:  # (a compile each)
        # The clock's own value (a schedule): the count rounded to float32.
        values = np.asarray(clock(steps.astype(np.int32)), np.float64)
        np.testing.assert_allclose(values, np.array(want, np.float64), rtol=2**-23, atol=0)


@pytest.mark.parametrize(
    "case", [CASES[0], CASES[-3], CASES[-1]], ids=["generated", "ramp_down", "largest"]
)
def test_ticks_exact_with_x64(case):
    sizes, boundaries, seq_len = case
    steps = probes(boundaries)
    with jax.enable_x64(True):
        clock = clock_of(*case)
        got = as_ints(*jaxlrs.ticks(clock, steps))
        # Update counts beyond int32, up to the last one whose count is below 2**64.
        start = boundaries[-1] if boundaries else 0
        last, rate = oracle(sizes, boundaries, seq_len, start), sizes[-1] * seq_len
        top = start + (2**64 - 1 - last) // rate
        far = np.array([2**31, 2**31 + 7, (2**31 + top) // 2, top - 1, top], np.int64)
        got_far = as_ints(*jaxlrs.ticks(clock, far))
    assert got == counts_of(sizes, boundaries, seq_len, steps)
    assert got_far == [last + rate * (int(t) - start) for t in far]
    assert max(got_far) < 2**64 <= last + rate * (top + 1 - start)


def test_examples_and_epochs_against_their_oracles():
    sizes, boundaries = [[2, 9], 3, 11], [13, 40]
    steps = np.arange(-5, 195, dtype=np.int32)  # negative steps count from 0
    ex = jaxlrs.examples(sizes, boundaries)
    want = counts_of(sizes, boundaries, 1, np.maximum(steps, 0))
    assert as_ints(*jaxlrs.ticks(ex, steps)) == want
    np.testing.assert_array_equal(np.asarray(ex(steps)), np.array(want, np.float32))
    assert ex == jaxlrs.examples(sizes, boundaries) and ex != jaxlrs.tokens(sizes, boundaries)
    for spe in (1, 7, 390, TOP):
        ep = jaxlrs.epochs(spe)
        big = np.array([0, spe - 1, spe, 3 * spe - 1, TOP - 1, TOP], np.int64)
        big = big[big <= TOP].astype(np.int32)
        assert as_ints(*jaxlrs.ticks(ep, big)) == [int(t) // spe for t in big]
    # Fractional steps: epochs floor, examples linear inside a piece.
    f = np.array([0.5, 12.5, 13.25, 50.5], np.float32)
    np.testing.assert_array_equal(np.asarray(jaxlrs.epochs(7)(f)), np.floor(f / 7))
    want = [
        oracle(sizes, boundaries, 1, int(x)) + batch_at(sizes, boundaries, int(x)) * (x % 1)
        for x in f.tolist()
    ]
    np.testing.assert_allclose(np.asarray(ex(f)), want, rtol=1e-6)


# -- schedules on a clock against float64 oracles -------------------------------------------


INNER = {
    "linear": (
        lambda T: jaxlrs.linear(1.0, 0.1, T),
        lambda c, T: 1.0 + (0.1 - 1.0) * np.minimum(c, T) / T,
    ),
    "cosine": (
        lambda T: jaxlrs.cosine(1.0, T),
        lambda c, T: 0.5 * (1 + np.cos(np.pi * np.minimum(c, T) / T)),
    ),
    "warmup_cosine": (
        lambda T: jaxlrs.warmup_cosine(1.0, T // 10, T),
        lambda c, T: np.where(
            c < T // 10,
            c / (T // 10),
            0.5 * (1 + np.cos(np.pi * np.minimum(c - T // 10, T - T // 10) / (T - T // 10))),
        ),
    ),
}


@pytest.mark.parametrize("inner", list(INNER))
@pytest.mark.parametrize("big", [False, True], ids=["counts_below_2**31", "counts_above_2**31"])
def test_on_clock_against_the_float64_oracle(inner, big):
    """The inner schedule at the exact count: to SPEC 1.5 while the count fits int32;
    beyond, at a step within 2**-23 relative of it (the count as float32)."""
    sizes, boundaries, seq_len = (
        ([[16, 64], 64, 128], [500, 3000], 32768) if big else ([[1, 8], 8, 16], [500, 3000], 1)
    )
    steps = np.unique(np.concatenate([np.arange(0, 6000, 7), probes(boundaries)])).astype(np.int32)
    counts = np.array(counts_of(sizes, boundaries, seq_len, steps), dtype=object)
    T = int(counts[steps <= 5000].max())  # the inner schedule ends inside the probed run
    build, formula = INNER[inner]
    s = jaxlrs.on_clock(build(T), jaxlrs.tokens(sizes, boundaries, seq_len=seq_len))
    got = np.asarray(s(steps), np.float64)
    c = counts.astype(np.float64)
    want = formula(c, T)
    tol = np.maximum(2e-6 * np.abs(want), 1e-10)
    if big:
        assert c.max() > 2**32
        spread = np.abs(formula(c * (1 + 2**-22), T) - formula(c * (1 - 2**-22), T))
        tol = tol + np.where(c > TOP, spread, 0.0)
    np.testing.assert_array_less(np.abs(got - want), tol + 1e-300)


def test_rate_is_a_function_of_tokens_whatever_the_batch_schedule():
    """Two runs with different batch schedules see the same rate wherever they have seen
    the same number of tokens (bit for bit: the inner schedule gets the same integer)."""
    inner = jaxlrs.warmup_cosine(3e-4, 10_000, 1_000_000)
    a = jaxlrs.on_clock(inner, jaxlrs.tokens([64], seq_len=16))  # 1024 tokens per update
    b = jaxlrs.on_clock(inner, jaxlrs.tokens([32, 128], [100], seq_len=16))
    # b: 512 per update below 100 (51,200 at 100), then 2048: b at u has seen
    # 51_200 + 2048 (u - 100) tokens, which a sees at update 50 + 2 (u - 100).
    u = np.arange(600, dtype=np.int32)
    got = np.asarray(b(u))
    np.testing.assert_array_equal(got[100:], np.asarray(a(50 + 2 * (u - 100)))[100:])
    np.testing.assert_allclose(got[:100], np.asarray(inner(512 * u))[:100], rtol=1e-6)


def test_jit_vmap_and_nesting():
    clock = jaxlrs.tokens([[128, 512], 512], [1000], seq_len=4096)
    s = jaxlrs.on_clock(jaxlrs.cosine(1e-3, 5 * 10**9), clock)
    steps = jnp.asarray(np.concatenate([np.arange(0, 3000, 13), [TOP - 1, TOP]]), jnp.int32)
    eager = np.asarray(s(steps))
    np.testing.assert_array_equal(np.asarray(jax.vmap(s)(steps)), eager)
    np.testing.assert_allclose(
        np.asarray(jax.jit(lambda t: s(t))(steps)), eager, rtol=1e-6, atol=1e-12
    )
    high, low = jax.jit(lambda t: jaxlrs.ticks(clock, t))(steps)
    assert as_ints(high, low) == counts_of([[128, 512], 512], [1000], 4096, np.asarray(steps))
    # The inner schedule's hyperparameters stay leaves: traced values follow them.
    peaks = jnp.asarray([1e-3, 2e-3], jnp.float32)
    swept = jax.vmap(lambda p: jaxlrs.on_clock(jaxlrs.cosine(p, 5 * 10**9), clock)(507))(peaks)
    assert int(steps[39]) == 507
    np.testing.assert_allclose(np.asarray(swept), eager[39] * np.array([1.0, 2.0]), rtol=1e-6)
    # A clocked schedule composes like any schedule, and a clock drives any schedule.
    joined = jaxlrs.join([jaxlrs.constant(1.0), s], [10])
    np.testing.assert_array_equal(np.asarray(joined(steps[:-2] + 10)), eager[:-2])
    assert float(jaxlrs.on_clock(jaxlrs.constant(0.5), jaxlrs.epochs(3))(10**6)) == 0.5


def test_repr_parse_and_dict_round_trips():
    schedules = [
        jaxlrs.on_clock(
            jaxlrs.cosine(3e-4, 300_000_000_000),
            jaxlrs.tokens([[256, 1024], 1024], [2000], seq_len=2048),
        ),
        jaxlrs.on_clock(
            jaxlrs.warmup(jaxlrs.constant(0.1), 640), jaxlrs.examples([32, 64, 128], [10, 20])
        ),
        jaxlrs.on_clock(jaxlrs.compat.torch.StepLR(0.1, 30), jaxlrs.epochs(390)),
        jaxlrs.tokens([7]),
        2 * jaxlrs.on_clock(jaxlrs.linear(1.0, 0.0, 10), jaxlrs.examples([1])),
    ]
    for s in schedules:
        text = repr(s)
        assert jaxlrs.parse(text) == s, text
        assert jaxlrs.from_dict(json.loads(json.dumps(jaxlrs.to_dict(s)))) == s
        assert hash(jaxlrs.parse(text)) == hash(s)
    assert repr(schedules[0]) == (
        "on_clock(cosine(0.0003, 300000000000), "
        "tokens([[256, 1024], 1024], boundaries=[2000], seq_len=2048))"
    )
    leaves = jax.tree.leaves(schedules[0])
    assert leaves == [3e-4, 300_000_000_000, 0.0, 1.0, 1.0]  # the clock is structure


def test_inject_adam_follows_the_clock():
    """An inject-ed Adam whose rate follows a token clock: update k uses s(k), and the
    parameters follow Optax's own adam with that schedule."""
    clock = jaxlrs.tokens([[2, 8], 8], [6], seq_len=512)
    s = jaxlrs.on_clock(jaxlrs.warmup_cosine(1e-2, 4096, 40_000), clock)
    tx, ref = inject(optax.adam, learning_rate=s), optax.adam(learning_rate=s)
    params = {"w": jnp.arange(3.0)}

    def loss(p):
        return jnp.sum((p["w"] - 1.0) ** 2)

    @jax.jit
    def run(params):
        def body(carry, _):
            p, st, q, rst = carry
            u, st = tx.update(jax.grad(loss)(p), st, p)
            rate = current(st)["learning_rate"]  # what this update used
            v, rst = ref.update(jax.grad(loss)(q), rst, q)
            return (optax.apply_updates(p, u), st, optax.apply_updates(q, v), rst), rate

        init = (params, tx.init(params), params, ref.init(params))
        (p, _, q, _), rates = jax.lax.scan(body, init, None, length=16)
        return p, q, rates

    with jax.numpy_dtype_promotion("standard"):  # Optax mixes Python floats and int32 counts
        p, q, rates = run(params)
    np.testing.assert_array_equal(np.asarray(rates), np.asarray(s(jnp.arange(16))))
    np.testing.assert_allclose(np.asarray(p["w"]), np.asarray(q["w"]), rtol=1e-6)
    counts = np.array([oracle([[2, 8], 8], [6], 512, k) for k in range(16)], np.float64)
    want = np.where(
        counts < 4096,
        1e-2 * counts / 4096,
        1e-2 * 0.5 * (1 + np.cos(np.pi * np.minimum(counts - 4096, 40_000 - 4096) / 35_904)),
    )
    np.testing.assert_allclose(np.asarray(rates), want, rtol=2e-6, atol=1e-12)


BAD = [
    (
        lambda: jaxlrs.tokens([0]),
        ValueError,
        r"tokens\(\): batch_sizes\[0\] must be a positive integer, got 0",
    ),
    (
        lambda: jaxlrs.tokens([1.5]),
        ValueError,
        r"batch_sizes\[0\] must be a positive integer, got 1.5",
    ),
    (
        lambda: jaxlrs.tokens(["8"]),
        TypeError,
        r"batch_sizes\[0\] must be a positive integer or a pair",
    ),
    (
        lambda: jaxlrs.tokens([]),
        ValueError,
        r"batch_sizes must hold at least one batch size, got \[\]",
    ),
    (lambda: jaxlrs.tokens(8), TypeError, r"batch_sizes must be a list or tuple, got 8"),
    (
        lambda: jaxlrs.tokens([[1, 2, 3], 4], [5]),
        ValueError,
        r"batch_sizes\[0\] must be .* a pair .*, got \[1, 2, 3\]",
    ),
    (
        lambda: jaxlrs.tokens([[1, 0], 4], [5]),
        ValueError,
        r"batch_sizes\[0\]\[1\] must be a positive integer, got 0",
    ),
    (
        lambda: jaxlrs.tokens([4, [1, 8]], [5]),
        ValueError,
        r"batch_sizes\[1\] must be a positive integer \(the last piece never ends",
    ),
    (
        lambda: jaxlrs.tokens([4, 8], []),
        ValueError,
        r"boundaries must have one entry fewer than batch_sizes \(1\), got 0",
    ),
    (
        lambda: jaxlrs.tokens([4, 8, 9], [5, 5]),
        ValueError,
        r"boundaries must be strictly increasing, got \[5, 5\]",
    ),
    (
        lambda: jaxlrs.tokens([4, 8], [-1]),
        ValueError,
        r"boundaries\[0\] must be a non-negative integer, got -1",
    ),
    (
        lambda: jaxlrs.tokens([4, 8], [2**63]),
        ValueError,
        r"boundaries\[0\] must be an update count at most 2\*\*63 - 1",
    ),
    (
        lambda: jaxlrs.tokens([4], seq_len=0),
        ValueError,
        r"tokens\(\): seq_len must be a positive integer, got 0",
    ),
    (
        lambda: jaxlrs.tokens([2**22], seq_len=2**10),
        ValueError,
        r"batch_sizes\[0\] \* seq_len must be at most 4294967295 .*, got 4294967296",
    ),
    (
        lambda: jaxlrs.tokens([[1, 200_001], 1], [10**6]),
        ValueError,
        r"batch_sizes must expand into at most 100000 pieces",
    ),
    (lambda: jaxlrs.examples([True]), TypeError, r"examples\(\): batch_sizes\[0\] must be"),
    (
        lambda: jaxlrs.examples([3, [2**32, 5], 1], [4, 9]),
        ValueError,
        r"examples\(\): batch_sizes\[1\] must be at most 4294967295 \(2\*\*32 - 1 examples "
        r"per update\), got 4294967296",
    ),
    (
        lambda: jaxlrs.epochs(0),
        ValueError,
        r"epochs\(\): steps_per_epoch must be a positive integer, got 0",
    ),
    (
        lambda: jaxlrs.epochs(2.5),
        ValueError,
        r"epochs\(\): steps_per_epoch must be a positive integer, got 2.5",
    ),
    (
        lambda: jaxlrs.on_clock(jaxlrs.constant(1.0), jaxlrs.constant(2.0)),
        TypeError,
        r"on_clock\(\): clock must be a jaxlrs clock \(tokens, examples or epochs\), "
        r"got constant\(2.0\)",
    ),
    (
        lambda: jaxlrs.on_clock(1.0, jaxlrs.epochs(2)),
        TypeError,
        r"on_clock\(\): schedule must be a jaxlrs Schedule, got 1.0",
    ),
    (
        lambda: jaxlrs.ticks(jaxlrs.cosine(1.0, 5), 3),
        TypeError,
        r"ticks\(\): clock must be a jaxlrs clock",
    ),
    (
        lambda: jaxlrs.ticks(jaxlrs.epochs(2), 2.5),
        TypeError,
        r"ticks\(\): step must be an integer update count .*, got 2.5",
    ),
    (
        lambda: jaxlrs.ticks(jaxlrs.epochs(2), np.array([1.0])),
        TypeError,
        r"ticks\(\): step must be .* got an array of dtype float",
    ),
    (
        lambda: jaxlrs.ticks(jaxlrs.epochs(2), 2**31),
        ValueError,
        r"ticks\(\): step must be an update count within the index dtype "
        r"\(at most 2147483647\), got 2147483648",
    ),
    (
        lambda: jaxlrs.ticks(jaxlrs.epochs(2), np.array([0, -(2**33)])),
        ValueError,
        r"ticks\(\): step must be update counts within the index dtype .*, got -8589934592",
    ),
    (
        lambda: jaxlrs.tokens([4, 8], [2**31, 2**31]),
        ValueError,
        r"tokens\(\): boundaries must be strictly increasing",
    ),
    (
        lambda: jax.jit(lambda b: jaxlrs.tokens([b]))(4),
        TypeError,
        r"tokens\(\): batch_sizes\[0\] must be concrete",
    ),
    (
        lambda: jax.jit(lambda n: jaxlrs.epochs(n))(4),
        TypeError,
        r"epochs\(\): steps_per_epoch must be concrete",
    ),
]


@pytest.mark.parametrize("make, kind, match", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_inputs(make, kind, match):
    with pytest.raises(kind, match=match):
        make()


def test_ramp_rounding_is_documented_floor():
    """The ramp rule itself: batch(k) = a + floor((b - a)(k - s)/(e - s)), first value a;
    a ramp up first reaches b where the next piece starts, a ramp down on its last
    update when it has more updates than its drop (the increments of the clock, several
    ramps in one batch schedule)."""
    ramps = [(1, 4, 3), (256, 512, 7), (100, 3, 1000), (5, 6, 2), (9, 1, 4), (2, 9, 1)]
    ends = np.cumsum([n for _, _, n in ramps]).tolist()
    clock = jaxlrs.examples([*[[a, b] for a, b, _ in ramps], 11], ends)
    c = as_ints(*jaxlrs.ticks(clock, np.arange(ends[-1] + 2, dtype=np.int32)))
    got = np.diff(c).tolist()
    want = [a + (b - a) * k // n for a, b, n in ramps for k in range(n)] + [11]
    assert got == want
    assert want == [math.floor(a + (b - a) * k / n) for a, b, n in ramps for k in range(n)] + [11]
    for (a, b, n), s in zip(ramps, [0, *ends[:-1]], strict=True):
        piece = got[s : s + n]
        assert piece[0] == a and min(a, b) <= min(piece) and max(piece) <= max(a, b)
        assert (b in piece) == (b < a < b + n or a == b)


def test_ramp_expansion_counts_and_huge_ramps():
    """A ramp expands into one piece per batch size it takes (the closed-form count refuses
    a huge ramp before expanding it), and the pieces hold the documented sizes."""
    from jaxlrs._clocks import pieces, ramp_count

    rng = np.random.default_rng(3)
    for a, b, length in [(1, 4, 3), (9, 1, 4), (7, 7, 5), *rng.integers(1, 60, (60, 3)).tolist()]:
        p = pieces(((a, b), 1), (length,), 1)
        sizes = [a + (b - a) * k // length for k in range(length)]
        changes = [k for k in range(length) if k == 0 or sizes[k] != sizes[k - 1]]
        assert list(p.starts[:-1]) == changes and list(p.sizes[:-1]) == [sizes[k] for k in changes]
        assert ramp_count(a, b, length) == len(changes)
    with pytest.raises(ValueError, match=r"tokens\(\): batch_sizes must expand .*got 2147483649"):
        jaxlrs.tokens([[1, 2**31 + 1], 5], [2**40])  # refused at once, never expanded
    # A ramp with more sizes than updates changes size at every update.
    clock = jaxlrs.examples([[1, 2**32 - 1], 3], [10])
    got = np.diff(as_ints(*jaxlrs.ticks(clock, np.arange(12, dtype=np.int32))))
    assert got.tolist() == [1 + (2**32 - 2) * k // 10 for k in range(10)] + [3]


def test_long_epochs_and_x64_counts_reach_the_schedule_exactly():
    """An epoch longer than any int32 step completes none; under x64 the inner schedule
    receives the exact int64 count (a linear decay over 2**40 tokens, to its last token)."""
    assert np.asarray(jaxlrs.epochs(2**31)(np.array([0, TOP], np.int32))).tolist() == [0, 0]
    with jax.enable_x64(True):
        T = 2**40
        clock = jaxlrs.tokens([[1000, 4000], 4096], [100_000], seq_len=1024)
        s = jaxlrs.on_clock(jaxlrs.linear(1.0, 0.0, T), clock)
        o = Oracle([[1000, 4000], 4096], [100_000], 1024)
        start = 100_000
        end = start + (T - o(start)) // (4096 * 1024)  # the last update before T tokens
        t = np.array([0, 1, 99_999, 100_000, 2**31, end - 1, end, end + 1], np.int64)
        got = np.asarray(s(t))
        assert got.dtype == np.float64
        c = np.array([o(int(x)) for x in t], dtype=object)
        want = np.array([max(T - int(x), 0) / T for x in c], np.float64)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
        assert np.asarray(jaxlrs.epochs(2**40)(np.array([2**41 + 5], np.int64))).tolist() == [2]


def test_stretched_clock_is_exact_at_whole_steps():
    """Inside ``stretch(..., 2)`` an even step is a whole update (the exact integer count);
    an odd one lies halfway, where the count is linear inside its piece."""
    clock = jaxlrs.tokens([[3, 9], 7], [5], seq_len=1000)
    inner = jaxlrs.piecewise_constant([10_000, 20_000, 30_000], [1.0, 0.5, 0.25, 0.125])
    s = jaxlrs.stretch(jaxlrs.on_clock(inner, clock), 2)
    t = np.arange(0, 40, dtype=np.int32)
    o = Oracle([[3, 9], 7], [5], 1000)
    half = [(o(k // 2) + o(k // 2 + 1)) / 2 for k in t.tolist()]
    c = np.where(t % 2 == 0, [o(k // 2) for k in t.tolist()], half)
    want = np.select([c < 10_000, c < 20_000, c < 30_000], [1.0, 0.5, 0.25], 0.125)
    np.testing.assert_array_equal(np.asarray(s(t)), want)
    np.testing.assert_array_equal(np.asarray(jaxlrs.stretch(clock, 2)(t)), c)


def test_the_program_does_not_grow_with_the_pieces():
    """One binary search over the pieces: 10 or 10,000 pieces trace to the same program."""

    def size(clock):
        s = jaxlrs.on_clock(jaxlrs.cosine(1.0, 10**6), clock)
        return len(jax.make_jaxpr(lambda t: s._evaluate(t))(jnp.arange(4)).jaxpr.eqns)

    few = jaxlrs.examples([[1, 10], 10], [10])
    many = jaxlrs.examples([[1, 10_001], 10], [20_000])  # a ramp of 10,000 batch sizes
    assert size(few) == size(many)
    assert size(jaxlrs.tokens([3, 5, 7], [4, 9], seq_len=64)) == size(
        jaxlrs.tokens([3, 5] * 2000, list(range(1, 4000)), seq_len=64)
    )
