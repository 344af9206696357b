"""jaxlrs.compat.mxnet against a transcription of MXNet's stateful schedulers.

MXNet no longer installs on current Python, so the oracle below is a faithful
transcription (float64, logging removed) of the classes in ``python/mxnet/lr_scheduler.py``
of MXNet 1.9.1 (apache/mxnet, tag 1.9.1): the same checks, the same state and the same
update rules. Each oracle object is called statefully, in order, with
``num_update = 1, 2, 3, ...``; jaxlrs's step ``k`` is MXNet's ``num_update = k + 1``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import mxnet as mx

# -- the transcription (MXNet 1.9.1, python/mxnet/lr_scheduler.py) --------------------------


class LRScheduler:
    def __init__(self, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0, warmup_mode="linear"):
        self.base_lr = base_lr
        assert isinstance(warmup_steps, int)
        self.warmup_steps = warmup_steps
        self.warmup_final_lr = base_lr
        self.warmup_begin_lr = warmup_begin_lr
        if self.warmup_begin_lr > self.warmup_final_lr:
            raise ValueError("Base lr has to be higher than warmup_begin_lr")
        if self.warmup_steps < 0:
            raise ValueError("Warmup steps has to be positive or 0")
        if warmup_mode not in ["linear", "constant"]:
            raise ValueError("Supports only linear and constant modes of warmup")
        self.warmup_mode = warmup_mode

    def get_warmup_lr(self, num_update):
        assert num_update < self.warmup_steps
        if self.warmup_mode == "linear":
            increase = (
                (self.warmup_final_lr - self.warmup_begin_lr)
                * float(num_update)
                / float(self.warmup_steps)
            )
            return self.warmup_begin_lr + increase
        elif self.warmup_mode == "constant":
            return self.warmup_begin_lr
        raise ValueError(f"Invalid warmup mode {self.warmup_mode}")


class FactorScheduler(LRScheduler):
    def __init__(
        self,
        step,
        factor=1,
        stop_factor_lr=1e-8,
        base_lr=0.01,
        warmup_steps=0,
        warmup_begin_lr=0,
        warmup_mode="linear",
    ):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if step < 1:
            raise ValueError("Schedule step must be greater or equal than 1 round")
        if factor > 1.0:
            raise ValueError("Factor must be no more than 1 to make lr reduce")
        self.step = step
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while num_update > self.count + self.step:
            self.count += self.step
            self.base_lr *= self.factor
            if self.base_lr < self.stop_factor_lr:
                self.base_lr = self.stop_factor_lr
        return self.base_lr


class MultiFactorScheduler(LRScheduler):
    def __init__(
        self, step, factor=1, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0, warmup_mode="linear"
    ):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        assert isinstance(step, list) and len(step) >= 1
        for i, _step in enumerate(step):
            if i != 0 and step[i] <= step[i - 1]:
                raise ValueError("Schedule step must be an increasing integer list")
            if _step < 1:
                raise ValueError("Schedule step must be greater or equal than 1 round")
        if factor > 1.0:
            raise ValueError("Factor must be no more than 1 to make lr reduce")
        self.step = step
        self.cur_step_ind = 0
        self.factor = factor
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while self.cur_step_ind <= len(self.step) - 1:
            if num_update > self.step[self.cur_step_ind]:
                self.count = self.step[self.cur_step_ind]
                self.cur_step_ind += 1
                self.base_lr *= self.factor
            else:
                return self.base_lr
        return self.base_lr


class PolyScheduler(LRScheduler):
    def __init__(
        self,
        max_update,
        base_lr=0.01,
        pwr=2,
        final_lr=0,
        warmup_steps=0,
        warmup_begin_lr=0,
        warmup_mode="linear",
    ):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        assert isinstance(max_update, int)
        if max_update < 1:
            raise ValueError("maximum number of updates must be strictly positive")
        self.power = pwr
        self.base_lr_orig = self.base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            self.base_lr = self.final_lr + (self.base_lr_orig - self.final_lr) * pow(
                1 - float(num_update - self.warmup_steps) / float(self.max_steps), self.power
            )
        return self.base_lr


class CosineScheduler(LRScheduler):
    def __init__(
        self,
        max_update,
        base_lr=0.01,
        final_lr=0,
        warmup_steps=0,
        warmup_begin_lr=0,
        warmup_mode="linear",
    ):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        assert isinstance(max_update, int)
        if max_update < 1:
            raise ValueError("maximum number of updates must be strictly positive")
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            self.base_lr = (
                self.final_lr
                + (self.base_lr_orig - self.final_lr)
                * (1 + math.cos(math.pi * (num_update - self.warmup_steps) / self.max_steps))
                / 2
            )
        return self.base_lr


PEERS = {
    "FactorScheduler": FactorScheduler,
    "MultiFactorScheduler": MultiFactorScheduler,
    "PolyScheduler": PolyScheduler,
    "CosineScheduler": CosineScheduler,
}

# -- generated configurations ----------------------------------------------------------------

N = 3000  # dense comparison over k = 0 .. N - 1


def _warmup(rng, base, limit):
    w = int(rng.choice([0, 0, 1, 2, 5, int(rng.integers(3, limit))]))
    begin = float(base * rng.choice([0.0, rng.uniform(0, 1)]))
    mode = str(rng.choice(["linear", "constant"]))
    return {"warmup_steps": w, "warmup_begin_lr": begin, "warmup_mode": mode}


def _factor_config(rng):
    base = float(10 ** rng.uniform(-4, 0))
    step = int(rng.choice([1, 2, 3, 7, 50, 333, int(rng.integers(1, 1500))]))
    factor = float(rng.choice([1.0, 0.5, 0.9, 0.999, rng.uniform(0.05, 1.0)]))
    # The floor: never reached, reached after a few decays, or the default 1e-8.
    stop = float(rng.choice([0.0, 1e-8, base * factor ** int(rng.integers(1, 12))]))
    if rng.uniform() < 0.05:
        stop = base * 2  # a base below the floor: MXNet jumps up to it at the first decay
    kw = {"factor": factor, "stop_factor_lr": stop, "base_lr": base}
    return [step], {**kw, **_warmup(rng, base, 2 * step + 3)}


def _multi_config(rng):
    base = float(10 ** rng.uniform(-4, 0))
    count = int(rng.integers(1, 7))
    top = int(rng.choice([20, N, 2 * N]))
    steps = sorted({int(x) for x in rng.integers(1, top, size=count)})
    if rng.uniform() < 0.2:
        steps = [1, *[s for s in steps if s > 1]]  # a decay at the first step
    factor = float(rng.choice([1.0, 0.1, 0.5, rng.uniform(0.05, 1.0)]))
    kw = {"factor": factor, "base_lr": base}
    return [steps], {**kw, **_warmup(rng, base, steps[0] + 10)}


def _decay_config(rng, poly):
    base = float(10 ** rng.uniform(-4, 0))
    warm = _warmup(rng, base, 400)
    max_update = warm["warmup_steps"] + int(rng.choice([1, 2, 10, int(rng.integers(1, 2 * N))]))
    final = float(rng.choice([0.0, base * rng.uniform(0, 0.5), base * rng.uniform(1, 2)]))
    kw: dict = {"base_lr": base, "final_lr": final}
    if poly:
        kw["pwr"] = float(rng.choice([1, 2, 0.5, 3.7, rng.uniform(0.1, 5)]))
    return [max_update], {**kw, **warm}


def _config(name, rng):
    if name == "FactorScheduler":
        return _factor_config(rng)
    if name == "MultiFactorScheduler":
        return _multi_config(rng)
    return _decay_config(rng, name == "PolyScheduler")


def _peer_values(name, args, kw, updates):
    """The stateful MXNet object called at ``updates`` (increasing), in order."""
    peer = PEERS[name](*args, **kw)
    return np.array([peer(int(n)) for n in updates], np.float64)


def _assert_close(got, want):
    got = np.asarray(got, np.float64)
    scale = np.max(np.abs(want)) if want.size else 0.0
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-10 * scale)


@pytest.mark.parametrize("name", sorted(PEERS))
def test_every_step_against_the_stateful_peer(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    ks = np.arange(N)
    build = getattr(mx, name)
    for _ in range(40):
        args, kw = _config(name, rng)
        want = _peer_values(name, args, kw, ks + 1)
        s = build(*args, **kw)
        try:
            _assert_close(s(ks), want)
        except AssertionError as e:
            raise AssertionError(f"{name}(*{args}, **{kw})") from e


def _large(name, args, kw, k):
    """Sparse increasing updates: MXNet's ``while`` loops catch up, and Poly/Cosine hold
    the value they computed last, so the dense sequence's values need ``max_update``
    itself in the calls."""
    updates = np.asarray(k, np.int64) + 1
    extra = [args[0]] if name in ("PolyScheduler", "CosineScheduler") else []
    allu = np.unique(np.concatenate([updates, np.asarray(extra, np.int64)]))
    vals = dict(zip(allu.tolist(), _peer_values(name, args, kw, allu), strict=True))
    return np.array([vals[int(n)] for n in updates])


LARGE = [
    ("FactorScheduler", [30_011], {"factor": 0.9995, "stop_factor_lr": 0.0, "base_lr": 1.0}),
    ("FactorScheduler", [100_003], {"factor": 0.5, "stop_factor_lr": 1e-9, "base_lr": 0.1}),
    (
        "MultiFactorScheduler",
        [[2**24 - 1, 2**24 + 1, 10**9, 2**31 - 2]],
        {"factor": 0.5, "base_lr": 1.0, "warmup_steps": 1000, "warmup_begin_lr": 0.1},
    ),
    ("PolyScheduler", [10**9 + 7], {"base_lr": 1.0, "pwr": 2, "final_lr": 0.01}),
    (
        "PolyScheduler",
        [2**30],
        {"base_lr": 1.0, "pwr": 0.5, "warmup_steps": 10**6, "warmup_begin_lr": 0.5},
    ),
    ("CosineScheduler", [10**9 + 7], {"base_lr": 1.0, "final_lr": 0.0}),
    (
        "CosineScheduler",
        [2**31 - 5],
        {"base_lr": 1.0, "final_lr": 0.01, "warmup_steps": 2**24 + 3},
    ),
]


@pytest.mark.parametrize(("name", "args", "kw"), LARGE, ids=[c[0] for c in LARGE])
def test_large_steps_against_the_peer(name, args, kw):
    k = np.array(
        [
            2**24 - 2,
            2**24 - 1,
            2**24,
            2**24 + 1,
            2**24 + 3,
            10**8,
            10**9 - 1,
            10**9,
            10**9 + 5,
            10**9 + 6,
            2**30 - 2,
            2**30 - 1,
            2**30,
            2**31 - 7,
            2**31 - 6,
            2**31 - 3,
            2**31 - 2,
        ],
        np.int64,
    )
    want = _large(name, args, kw, k)
    got = getattr(mx, name)(*args, **kw)(jnp.asarray(k, jnp.int32))
    _assert_close(got, want)


def test_conventions_spelled_out():
    # k = 0 is MXNet's first update, num_update = 1.
    f = mx.FactorScheduler(3, factor=0.5, base_lr=1.0)
    np.testing.assert_array_equal(f(jnp.arange(7)), [1, 1, 1, 0.5, 0.5, 0.5, 0.25])
    # warmup_steps = 1 has no effect; a linear warmup never shows warmup_begin_lr.
    assert mx.FactorScheduler(3, base_lr=1.0, warmup_steps=1)(0) == 1.0
    w = mx.MultiFactorScheduler([10], base_lr=1.0, warmup_steps=4, warmup_begin_lr=0.2)
    np.testing.assert_allclose(w(jnp.arange(4)), [0.4, 0.6, 0.8, 1.0], rtol=1e-6)
    # Poly: step 0 is already one update into the decay.
    np.testing.assert_allclose(mx.PolyScheduler(10, base_lr=1.0)(0), 0.81, rtol=1e-6)


def test_repr_parse_and_serialise():
    for s in [
        mx.FactorScheduler(250, factor=0.5, stop_factor_lr=1e-5),
        mx.MultiFactorScheduler([100, 200], factor=0.1, base_lr=0.1, warmup_steps=10),
        mx.PolyScheduler(1000, base_lr=0.1, pwr=1.5, final_lr=1e-4, warmup_mode="constant"),
        mx.CosineScheduler(1000, warmup_steps=5, warmup_begin_lr=0.001),
    ]:
        assert repr(s).startswith("compat.mxnet.")
        back = jaxlrs.parse(repr(s))
        assert repr(back) == repr(s)
        np.testing.assert_array_equal(back(jnp.arange(300)), s(jnp.arange(300)))
        d = jaxlrs.from_dict(jaxlrs.to_dict(s))
        np.testing.assert_array_equal(d(jnp.arange(300)), s(jnp.arange(300)))
    assert (
        repr(mx.FactorScheduler(250, factor=0.5)) == "compat.mxnet.FactorScheduler(250, factor=0.5)"
    )


# -- traced hyperparameters ------------------------------------------------------------------

KS = jnp.arange(0, 60)
TRACE_CASES = [
    ("FactorScheduler", lambda b: mx.FactorScheduler(7, 0.5, 1e-3, base_lr=b, warmup_steps=5)),
    (
        "MultiFactorScheduler",
        lambda b: mx.MultiFactorScheduler([10, 20], 0.5, base_lr=b, warmup_steps=6),
    ),
    ("PolyScheduler", lambda b: mx.PolyScheduler(50, b, 2, 0.01, warmup_steps=5)),
    ("CosineScheduler", lambda b: mx.CosineScheduler(50, b, 0.01, warmup_steps=5)),
]
PEER_BUILD = {
    "FactorScheduler": lambda b: FactorScheduler(7, 0.5, 1e-3, base_lr=b, warmup_steps=5),
    "MultiFactorScheduler": lambda b: MultiFactorScheduler([10, 20], 0.5, b, warmup_steps=6),
    "PolyScheduler": lambda b: PolyScheduler(50, b, 2, 0.01, warmup_steps=5),
    "CosineScheduler": lambda b: CosineScheduler(50, b, 0.01, warmup_steps=5),
}


def _peer_at(name, b):
    peer = PEER_BUILD[name](b)
    return np.array([peer(int(k) + 1) for k in KS])


@pytest.mark.parametrize(("name", "build"), TRACE_CASES, ids=[c[0] for c in TRACE_CASES])
def test_jit_vmap_grad_over_base_lr(name, build):
    bs = [0.05, 0.2]
    jitted = jax.jit(lambda b: build(b)(KS))
    vmapped = jax.jit(jax.vmap(lambda b: build(b)(KS)))(jnp.asarray(bs, jnp.float32))
    for i, b in enumerate(bs):
        want = _peer_at(name, b)
        _assert_close(jitted(jnp.float32(b)), want)
        _assert_close(vmapped[i], want)
    # d lr(k) / d base_lr against central differences of the float64 peer.
    b, h = 0.2, 1e-6
    grad = jax.jit(jax.vmap(jax.grad(lambda b, k: build(b)(k)), in_axes=(None, 0)))
    g = np.asarray(grad(jnp.float32(b), KS))
    fd = (_peer_at(name, b + h) - _peer_at(name, b - h)) / (2 * h)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, fd, rtol=1e-4, atol=1e-5)


def test_jit_over_step_counts():
    f = jax.jit(lambda s, w: mx.FactorScheduler(s, 0.5, base_lr=1.0, warmup_steps=w)(KS))
    p = jax.jit(lambda m, w: mx.PolyScheduler(m, 1.0, warmup_steps=w)(KS))
    for s, w in [(3, 0), (7, 5), (4, 1)]:
        _assert_close(
            f(s, w),
            _peer_values(
                "FactorScheduler", [s], {"factor": 0.5, "base_lr": 1.0, "warmup_steps": w}, KS + 1
            ),
        )
        _assert_close(
            p(s + 40, w),
            _peer_values("PolyScheduler", [s + 40], {"base_lr": 1.0, "warmup_steps": w}, KS + 1),
        )


# -- validation --------------------------------------------------------------------------------

BAD = [
    (
        lambda: mx.FactorScheduler(0),
        ValueError,
        "FactorScheduler(): step must be a positive integer, got 0",
    ),
    (lambda: mx.FactorScheduler(2.5), ValueError, "step must be a positive integer, got 2.5"),
    (
        lambda: mx.FactorScheduler("10"),
        TypeError,
        "step must be a positive integer, got '10' (str)",
    ),
    (
        lambda: mx.FactorScheduler(10, factor=1.5),
        ValueError,
        "factor must be a finite number in (0, 1], got 1.5",
    ),
    (
        lambda: mx.FactorScheduler(10, factor=0.0),
        ValueError,
        "factor must be a finite number in (0, 1], got 0.0",
    ),
    (
        lambda: mx.FactorScheduler(10, stop_factor_lr=-1.0),
        ValueError,
        "stop_factor_lr must be a finite number in [0, inf), got -1.0",
    ),
    (
        lambda: mx.FactorScheduler(10, warmup_mode="cosine"),
        ValueError,
        "FactorScheduler(): warmup_mode must be one of 'linear', 'constant', got 'cosine'",
    ),
    (
        lambda: mx.FactorScheduler(10, warmup_mode=None),
        TypeError,
        "warmup_mode must be one of 'linear', 'constant', got None",
    ),
    (
        lambda: mx.FactorScheduler(10, warmup_steps=-1),
        ValueError,
        "warmup_steps must be a non-negative integer, got -1",
    ),
    (
        lambda: mx.FactorScheduler(10, base_lr=0.1, warmup_begin_lr=0.2),
        ValueError,
        "FactorScheduler(): warmup_begin_lr must be at most base_lr (the "
        "warmup rises to base_lr), got warmup_begin_lr=0.2, base_lr=0.1",
    ),
    (
        lambda: mx.MultiFactorScheduler([5, 5]),
        ValueError,
        "MultiFactorScheduler(): step must be strictly increasing, got [5, 5]",
    ),
    (
        lambda: mx.MultiFactorScheduler([7, 3]),
        ValueError,
        "step must be strictly increasing, got [7, 3]",
    ),
    (
        lambda: mx.MultiFactorScheduler([0, 3]),
        ValueError,
        "step must be a list of positive integers, got [0, 3]",
    ),
    (
        lambda: mx.MultiFactorScheduler([]),
        ValueError,
        "step must be a list of at least 1 integers, got []",
    ),
    (lambda: mx.MultiFactorScheduler(10), TypeError, "step must be a list or tuple, got 10 (int)"),
    (
        lambda: mx.MultiFactorScheduler([10], factor=2),
        ValueError,
        "factor must be a finite number in (0, 1], got 2",
    ),
    (
        lambda: mx.PolyScheduler(0),
        ValueError,
        "PolyScheduler(): max_update must be a positive integer, got 0",
    ),
    (
        lambda: mx.PolyScheduler(10, pwr=0),
        ValueError,
        "pwr must be a finite number in (0, inf), got 0",
    ),
    (
        lambda: mx.PolyScheduler(10, warmup_steps=10),
        ValueError,
        "PolyScheduler(): max_update must be larger than warmup_steps (it "
        "counts the warmup; MXNet divides by zero or never decays otherwise), got "
        "max_update=10, warmup_steps=10",
    ),
    (
        lambda: mx.CosineScheduler(5, warmup_steps=8),
        ValueError,
        "CosineScheduler(): max_update must be larger than warmup_steps",
    ),
    (
        lambda: mx.CosineScheduler(100, base_lr=float("nan")),
        ValueError,
        "CosineScheduler(): base_lr must be a finite number, got nan",
    ),
    (
        lambda: mx.CosineScheduler(100, final_lr="0"),
        TypeError,
        "final_lr must be a finite number, got '0' (str)",
    ),
]


@pytest.mark.parametrize(("make", "kind", "message"), BAD)
def test_bad_input_raises_with_a_message(make, kind, message):
    with pytest.raises(kind) as info:
        make()
    assert message in str(info.value)


MXNET_REFUSES = [
    ("FactorScheduler", [0], {}),
    ("FactorScheduler", [10], {"factor": 1.5}),
    ("FactorScheduler", [10], {"warmup_mode": "cosine"}),
    ("FactorScheduler", [10], {"warmup_steps": -1}),
    ("FactorScheduler", [10], {"base_lr": 0.1, "warmup_begin_lr": 0.2}),
    ("MultiFactorScheduler", [[5, 5]], {}),
    ("MultiFactorScheduler", [[0, 3]], {}),
    ("PolyScheduler", [0], {}),
    ("CosineScheduler", [0], {}),
]


@pytest.mark.parametrize(("name", "args", "kw"), MXNET_REFUSES)
def test_what_mxnet_refuses_jaxlrs_refuses(name, args, kw):
    with pytest.raises(ValueError):
        PEERS[name](*args, **kw)
    with pytest.raises(ValueError):
        getattr(mx, name)(*args, **kw)
