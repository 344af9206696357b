"""Reduce on plateau (``jaxlrs.plateau``, ``compat.torch.ReduceLROnPlateau``) against the
real PyTorch scheduler stepped on generated metric sequences, and against a float64
oracle of the documented rule on schedule bases; jit, vmap, state and errors."""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _oracles import oracle

import jaxlrs
from jaxlrs._held import hold
from jaxlrs.compat import torch as lrs

torch = pytest.importorskip("torch")

MODES = [(m, t) for m in ("min", "max") for t in ("rel", "abs")]


# -- driving the controller as inject does ----------------------------------------------


@functools.partial(jax.jit, static_argnums=(0, 1))
def _run(mode: str, threshold_mode: str, state: Any, metrics: jax.Array) -> tuple[Any, Any]:
    """Values of updates 0..n and whether each update's metric applied a reduction, for
    a stack of states (one per row of ``metrics``), in one program: value and update read
    every number from the state, so one controller per mode serves all of them."""
    c = jaxlrs.plateau(1.0, mode=mode, threshold_mode=threshold_mode)

    def one(state: Any, ms: jax.Array) -> tuple[Any, Any]:
        def body(state: Any, km: Any) -> tuple[Any, Any]:
            k, m = km
            v = c.value(state, k)
            after = c.update(state, k, m)
            return after, (v, after.reductions > state.reductions)

        ks = jnp.arange(ms.shape[0], dtype=jnp.int32)
        final, (vals, reduced) = jax.lax.scan(body, state, (ks, ms))
        last = c.value(final, jnp.int32(ms.shape[0]))
        return jnp.concatenate([vals, last[None]]), reduced

    return jax.vmap(one)(state, metrics)


def drive(controllers: list[Any], metrics: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    modes = {(c.mode, c.threshold_mode) for c in controllers}
    assert len(modes) == 1
    states = jax.tree.map(lambda *xs: jnp.stack(xs), *[c.init() for c in controllers])
    vals, reduced = _run(*modes.pop(), states, jnp.asarray(metrics))
    return np.asarray(vals, np.float64), np.asarray(reduced)


# -- PyTorch, with the margins of its decisions recorded --------------------------------


def torch_rates(metrics: np.ndarray, lr: float, **kw: Any) -> tuple[np.ndarray, np.ndarray, float]:
    """PyTorch's rate before each update and after the last (``param_groups[0]['lr']``
    after ``step(m_0) .. step(m_k)``), where a reduction was applied, and the smallest
    relative margin of its float decisions (comparisons that float32 could judge
    otherwise than float64)."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sch = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
    margins = [math.inf]
    is_better, reduce_lr = sch._is_better, sch._reduce_lr

    def better(a: float, best: float) -> bool:
        if math.isfinite(a) and math.isfinite(best):
            t = sch.threshold
            bar = {
                ("min", "rel"): best * (1 - t),
                ("min", "abs"): best - t,
                ("max", "rel"): best * (1 + t),
                ("max", "abs"): best + t,
            }[sch.mode, sch.threshold_mode]
            if a != bar:
                margins.append(abs(a - bar) / max(abs(a), abs(bar)))
        return is_better(a, best)

    def reduce(epoch: Any) -> None:
        old = float(opt.param_groups[0]["lr"])
        new = max(old * sch.factor, sch.min_lrs[0])
        if old - new != sch.eps:
            margins.append(abs(old - new - sch.eps) / old)
        reduce_lr(epoch)

    sch._is_better, sch._reduce_lr = better, reduce
    rates = [opt.param_groups[0]["lr"]]
    for m in metrics:
        sch.step(float(m))
        rates.append(opt.param_groups[0]["lr"])
    rates_ = np.asarray(rates, np.float64)
    return rates_, rates_[1:] != rates_[:-1], min(margins)


# -- generated metric sequences and options ---------------------------------------------

KINDS = [
    "flat",
    "noisy",
    "improving",
    "worsening",
    "negative",
    "mixed",
    "ties",
    "nan",
    "steps",
]


def sequence(rng: np.random.Generator, kind: str, n: int) -> np.ndarray:
    level = rng.choice([1.0, 0.01, 100.0])
    if kind == "flat":
        x = np.full(n, rng.choice([-1.0, 0.0, 1.0]) * level)
    elif kind == "noisy":
        x = level * (1 + 0.1 * rng.standard_normal(n))
    elif kind == "improving":
        x = level * np.exp(-0.05 * np.arange(n)) * (1 + 0.02 * rng.standard_normal(n))
    elif kind == "worsening":
        x = level * (1 + 0.05 * np.arange(n)) + 0.01 * level * rng.standard_normal(n)
    elif kind == "negative":
        x = -level * (1 + np.cumsum(np.abs(rng.standard_normal(n))) * rng.choice([0.0, 0.01, 1]))
    elif kind == "mixed":
        x = level * np.cumsum(rng.standard_normal(n))
    elif kind == "ties":
        x = rng.integers(-3, 4, n).astype(np.float64) * level
    elif kind == "nan":
        x = level * (1 + 0.1 * rng.standard_normal(n))
        x[rng.random(n) < 0.2] = np.nan
        x[rng.random(n) < 0.05] = rng.choice([np.inf, -np.inf])
    else:  # plateaus with drops
        x = level * np.repeat(rng.standard_normal(n // 6 + 1).cumsum(), 6)[:n]
    return x.astype(np.float32)


def options(rng: np.random.Generator, mode: str, threshold_mode: str) -> dict[str, Any]:
    lr = float(10 ** rng.uniform(-4, 0))
    factor = float(rng.choice([0.1, 0.5, 0.25, rng.uniform(0.05, 0.95)]))
    if threshold_mode == "rel":
        threshold = float(rng.choice([0.0, 1e-4, 0.01, 0.2, 1.0, 1.5]))
    else:
        threshold = float(rng.choice([0.0, 1e-4, 0.05, 1.0]))
    min_lr = float(rng.choice([0.0, lr * rng.uniform(1e-3, 0.5), lr * 2]))
    eps = float(rng.choice([0.0, 1e-8, lr * rng.uniform(0.01, 0.9)]))
    if min_lr == 0 and eps == 0:
        eps = 1e-8  # without a floor float32 flushes the rate to 0 below 1.2e-38
    return dict(
        lr=lr,
        mode=mode,
        factor=factor,
        patience=int(rng.choice([0, 0, 1, 2, 3, 5, 10])),
        threshold=threshold,
        threshold_mode=threshold_mode,
        cooldown=int(rng.choice([0, 0, 1, 2, 4])),
        min_lr=min_lr,
        eps=eps,
    )


N = 48


@pytest.mark.parametrize(("mode", "threshold_mode"), MODES)
def test_matches_torch_on_generated_sequences(mode: str, threshold_mode: str) -> None:
    rng = np.random.default_rng(["min", "max"].index(mode) * 2 + len(threshold_mode))
    draws, seqs, want = [], [], []
    while len(draws) < 120:
        kind = KINDS[len(draws) % len(KINDS)]
        ms = sequence(rng, kind, N)
        kw = options(rng, mode, threshold_mode)
        rates, reduced, margin = torch_rates(ms, **kw)
        if margin < 1e-5:
            continue  # a decision within float32 rounding of its bar: float64's call
        draws.append(kw)
        seqs.append(ms)
        want.append((rates, reduced))
    controllers = [lrs.ReduceLROnPlateau(**kw) for kw in draws]
    vals, reduced = drive(controllers, np.stack(seqs))
    want_vals = np.stack([w[0] for w in want])
    want_red = np.stack([w[1] for w in want])
    for i, kw in enumerate(draws):
        assert np.array_equal(reduced[i], want_red[i]), (kw, seqs[i])
        np.testing.assert_allclose(vals[i], want_vals[i], rtol=1e-6, atol=0, err_msg=str(kw))
    assert want_red.any(axis=1).mean() > 0.3  # many draws reduce at least once
    assert (want_red.sum(axis=1) > 2).mean() > 0.1  # and some several times


CASES = {
    "flat-patience0": (np.full(20, 1.0), dict(patience=0)),
    "negative-flat": (np.full(30, -2.0), dict(patience=2)),  # never reduces (PyTorch)
    "negative-worsening": (-10 + np.arange(30.0), dict(patience=2)),
    "negative-flat-abs": (np.full(30, -2.0), dict(patience=2, threshold_mode="abs")),
    "max-mode": (np.r_[np.linspace(0.1, 0.9, 10), np.full(20, 0.9)], dict(mode="max")),
    "max-negative": (np.full(25, -0.5), dict(mode="max", patience=1)),
    "abs": (1.0 - 1e-3 * np.arange(40), dict(threshold_mode="abs", threshold=0.01)),
    "cooldown": (np.full(60, 3.0), dict(patience=2, cooldown=5)),
    "min-lr": (np.full(60, 3.0), dict(patience=0, factor=0.5, min_lr=0.01)),
    "min-lr-above-lr": (np.full(20, 3.0), dict(patience=0, min_lr=0.5)),
    "eps-blocks": (np.full(40, 3.0), dict(patience=1, factor=0.5, eps=0.02)),
    "nan": (np.r_[1.0, np.nan, np.nan, 0.5, np.nan, np.nan, np.nan], dict(patience=1)),
    "threshold-1": (np.full(12, 1.0), dict(patience=1, threshold=1.0)),  # inf * 0 is NaN
    "factor-0": (np.full(6, 1.0), dict(patience=0, factor=0.0, min_lr=1e-3)),
    "defaults": (np.r_[np.linspace(5, 1, 20), np.full(60, 1.0)], {}),
}


@pytest.mark.parametrize("case", CASES)
def test_matches_torch_on_named_sequences(case: str) -> None:
    ms, kw = CASES[case]
    ms = ms.astype(np.float32)
    rates, want_red, _ = torch_rates(ms, 0.1, **kw)
    vals, reduced = drive([lrs.ReduceLROnPlateau(0.1, **kw)], ms[None])
    np.testing.assert_array_equal(reduced[0], want_red)
    np.testing.assert_allclose(vals[0], rates, rtol=1e-6, atol=0)
    if case == "negative-flat":
        assert not want_red.any()


def test_many_reductions_keep_float64_factors() -> None:
    """``factor**n`` keeps the bits float32 drops from 0.1: 30 reductions later the rate is
    within float32 rounding of PyTorch's float64 (a float32 0.1 compounded is 1e-6 off)."""
    ms = np.arange(31, dtype=np.float32)
    rates, want_red, _ = torch_rates(ms, 1.0, patience=0, eps=0.0)
    vals, reduced = drive([lrs.ReduceLROnPlateau(1.0, patience=0, eps=0.0)], ms[None])
    assert want_red.sum() == 30
    np.testing.assert_array_equal(reduced[0], want_red)
    np.testing.assert_allclose(vals[0], rates, rtol=3e-7, atol=0)


def test_x64_matches_torch_in_float64() -> None:
    rng = np.random.default_rng(7)
    ran = 0
    with jax.enable_x64(True):
        for kind in KINDS * 2:
            ms = sequence(rng, kind, N).astype(np.float64)
            kw = options(rng, "min", "rel")
            rates, want_red, margin = torch_rates(ms, **kw)
            if margin < 1e-9:
                continue
            c = lrs.ReduceLROnPlateau(**kw)
            assert c.init().best.dtype == jnp.float64
            vals, reduced = drive([c], ms[None])
            np.testing.assert_array_equal(reduced[0], want_red)
            np.testing.assert_allclose(vals[0], rates, rtol=1e-12, atol=0)
            ran += 1
    assert ran >= len(KINDS)


# -- a schedule base: the documented rule in float64 ------------------------------------


def rule64(base: np.ndarray, metrics: np.ndarray, **kw: Any) -> tuple[np.ndarray, np.ndarray]:
    """The module docstring's rule, in float64: ``base`` holds the base at 0..n."""
    mode, tmode, thr = kw.get("mode", "min"), kw.get("threshold_mode", "rel"), kw["threshold"]
    factor, patience, cooldown = kw["factor"], kw["patience"], kw.get("cooldown", 0)
    floor, eps, start = kw.get("min_value", 0.0), kw.get("eps", 1e-8), kw.get("start", 0)
    every = kw.get("every", 1)

    def value(k: int, n: int) -> float:
        return max(base[k] * factor**n, min(base[k], floor))

    def better(a: float, best: float) -> bool:
        if mode == "min":
            return a < (best * (1 - thr) if tmode == "rel" else best - thr)
        return a > (best * (1 + thr) if tmode == "rel" else best + thr)

    best, bad, left, n = (math.inf if mode == "min" else -math.inf), 0, 0, 0
    out, reduced = [value(0, 0)], []
    for k, m in enumerate(metrics.tolist()):
        before = n
        if k >= start and (k - start) % every == every - 1:
            if better(m, best):
                best, bad = m, 0
            else:
                bad += 1
            if left > 0:
                left, bad = left - 1, 0
            if bad > patience:
                if value(k + 1, n) - value(k + 1, n + 1) > eps:
                    n += 1
                left, bad = cooldown, 0
        reduced.append(n > before)
        out.append(value(k + 1, n))
    return np.asarray(out), np.asarray(reduced)


def test_rule64_is_torch_on_a_constant_base() -> None:
    """The float64 oracle of the composition is PyTorch's rule on a constant base."""
    rng = np.random.default_rng(3)
    for i in range(60):
        mode, tmode = MODES[i % 4]
        ms = sequence(rng, KINDS[i % len(KINDS)], N)
        kw = options(rng, mode, tmode)
        rates, red, _ = torch_rates(ms, **kw)
        lr, kw["min_value"] = kw.pop("lr"), kw.pop("min_lr")
        got, got_red = rule64(np.full(N + 1, lr), ms.astype(np.float64), **kw)
        np.testing.assert_array_equal(got_red, red)
        np.testing.assert_allclose(got, rates, rtol=1e-13)


BASES = {
    "warmup_cosine": jaxlrs.warmup_cosine(1e-2, 10, 80),
    "cosine": jaxlrs.cosine(0.5, 60, end=0.01),
    "warmup": jaxlrs.warmup(jaxlrs.constant(0.1), 8),
    "linear-rising": jaxlrs.linear(0.001, 0.1, 50),
}


@pytest.mark.parametrize("name", BASES)
def test_schedule_base_follows_the_documented_rule(name: str) -> None:
    base = BASES[name]
    rng = np.random.default_rng(len(name))
    steps = np.arange(N + 1)
    b64 = oracle(base, steps)
    peak = float(np.max(np.abs(b64)))
    draws, seqs = [], []
    for i in range(40):
        ms = sequence(rng, KINDS[i % len(KINDS)], N)
        kw = dict(
            factor=float(rng.choice([0.1, 0.5, rng.uniform(0.05, 0.95)])),
            patience=int(rng.choice([0, 1, 3])),
            threshold=float(rng.choice([0.0, 1e-4, 0.05])),
            cooldown=int(rng.choice([0, 2])),
            min_value=float(rng.choice([0.0, peak * rng.uniform(0.01, 0.5)])),
            eps=float(rng.choice([1e-8, peak * 0.01])),
            start=int(rng.choice([0, 0, 10])),
            every=int(rng.choice([1, 1, 3])),
        )
        draws.append(kw)
        seqs.append(ms)
    controllers = [jaxlrs.plateau(base, **kw) for kw in draws]
    vals, reduced = drive(controllers, np.stack(seqs))
    for i, kw in enumerate(draws):
        want, want_red = rule64(b64, seqs[i].astype(np.float64), **kw)
        np.testing.assert_array_equal(reduced[i], want_red, err_msg=str(kw))
        np.testing.assert_allclose(vals[i], want, rtol=2e-6, atol=1e-10 * peak, err_msg=str(kw))
    assert reduced.any(axis=1).mean() > 0.5


def test_unreduced_value_is_the_base_bit_for_bit() -> None:
    base = jaxlrs.warmup_cosine(1e-3, 100, 1_000)
    c = jaxlrs.plateau(base, min_value=5e-4)
    state = c.init()
    ks = jnp.arange(0, 1_000, 37, dtype=jnp.int32)
    got = jax.jit(jax.vmap(c.value, in_axes=(None, 0)))(state, ks)
    np.testing.assert_array_equal(got, jax.vmap(base)(ks))


def test_start_ignores_early_metrics() -> None:
    c = jaxlrs.plateau(jaxlrs.warmup(jaxlrs.constant(0.1), 5), patience=0, start=5)
    state = c.init()
    for k, m in enumerate([5.0, 6.0, 7.0, 8.0, 9.0]):
        state = c.update(state, jnp.int32(k), m)
    chex_equal = jax.tree.map(lambda a, b: bool(jnp.all(a == b)), state, c.init())
    assert all(jax.tree.leaves(chex_equal))
    state = c.update(state, jnp.int32(5), 9.0)
    assert float(state.best) == 9.0


def test_every_steps_once_per_epoch_as_torch() -> None:
    """``every=E``: PyTorch stepped with the metric of each epoch's last update only."""
    rng = np.random.default_rng(11)
    epochs, per = 40, 4
    ms = sequence(rng, "noisy", epochs * per)
    kw = dict(factor=0.5, patience=2, cooldown=1, min_lr=1e-3)
    rates, want_red, _ = torch_rates(ms[per - 1 :: per], 0.1, **kw)
    c = jaxlrs.plateau(0.1, factor=0.5, patience=2, cooldown=1, min_value=1e-3, every=per)
    vals, reduced = drive([c], ms[None])
    assert want_red.sum() >= 3
    np.testing.assert_array_equal(
        reduced[0],
        np.repeat(want_red[:, None], per, 1).ravel() & (np.arange(epochs * per) % per == per - 1),
    )
    # the epoch's rate holds over its updates; each epoch uses PyTorch's rate after the
    # epochs before it
    np.testing.assert_allclose(vals[0][: epochs * per], np.repeat(rates[:-1], per), rtol=1e-6)
    np.testing.assert_allclose(vals[0][-1], rates[-1], rtol=1e-6)


# -- state, jit, vmap --------------------------------------------------------------------


def test_state_is_arrays_of_float_and_int32() -> None:
    state = jaxlrs.plateau(jaxlrs.warmup_cosine(1e-3, 10, 100), patience=3).init()
    leaves = jax.tree.leaves(state)
    assert leaves and all(isinstance(x, jax.Array) for x in leaves)
    assert state.best.dtype == jnp.float32 and state.options.factor.dtype == jnp.float32
    for x in (state.reductions, state.num_bad, state.cooldown_left, state.options.patience):
        assert x.dtype == jnp.int32
    with jax.enable_x64(True):
        s64 = jaxlrs.plateau(0.1).init()
        assert s64.best.dtype == jnp.float64 and s64.reductions.dtype == jnp.int32
        assert jaxlrs.plateau(0.1).value(s64, 3).dtype == jnp.float64


def test_swapping_numbers_does_not_retrace() -> None:
    traces = []

    @jax.jit
    def step(state: Any, k: jax.Array, m: jax.Array) -> Any:
        traces.append(1)
        c = jaxlrs.plateau(0.0)
        return c.value(state, k), c.update(state, k, m)

    for c in [
        jaxlrs.plateau(jaxlrs.cosine(0.1, 100), patience=2),
        jaxlrs.plateau(jaxlrs.cosine(0.3, 50), patience=5, factor=0.5, min_value=0.01),
    ]:
        state = c.init()
        for k in range(8):
            want = c.value(state, k)
            v, state = step(state, jnp.int32(k), jnp.float32(1.0))
            assert float(v) == pytest.approx(float(want), rel=1e-6)
    swapped = state._replace(base=hold(jaxlrs.cosine(0.2, 70)))
    v, _ = step(swapped, jnp.int32(3), jnp.float32(1.0))
    n = int(swapped.reductions)
    assert n == 1  # the second plateau's, kept
    assert float(v) == pytest.approx(float(jaxlrs.cosine(0.2, 70)(3)) * 0.5**n, rel=1e-6)
    assert len(traces) == 1


def test_vmap_over_a_stack_of_states_matches_each() -> None:
    peaks, factors, patiences = [1e-3, 3e-3, 1e-2], [0.1, 0.5, 0.9], [0, 1, 2]
    cs = [
        jaxlrs.plateau(jaxlrs.warmup_cosine(p, 5, 60), factor=f, patience=q)
        for p, f, q in zip(peaks, factors, patiences, strict=True)
    ]
    ms = np.random.default_rng(0).standard_normal((3, 30)).astype(np.float32) + 2.0
    vals, _ = drive(cs, ms)
    c0 = jaxlrs.plateau(0.0)
    value, update = jax.jit(c0.value), jax.jit(c0.update)  # one program for the three
    for i, c in enumerate(cs):
        state, one = c.init(), []
        for k in range(30):
            one.append(float(value(state, k)))
            state = update(state, jnp.int32(k), ms[i, k])
        one.append(float(value(state, 30)))
        np.testing.assert_allclose(vals[i], one, rtol=1e-6)


def test_restored_state_continues_bit_for_bit() -> None:
    c = lrs.ReduceLROnPlateau(0.1, patience=1, factor=0.5)
    ms = jnp.asarray([3.0, 3.0, 3.0, 2.0, 2.0, 2.0, 2.0, 2.0], jnp.float32)
    state = c.init()
    for k in range(4):
        state = c.update(state, jnp.int32(k), ms[k])
    restored = jax.tree.map(lambda x: jnp.asarray(np.asarray(x)), state)
    a, b = [], []
    for k in range(4, 8):
        state, restored = (c.update(s, jnp.int32(k), ms[k]) for s in (state, restored))
        a.append(c.value(state, k + 1))
        b.append(c.value(restored, k + 1))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("metric", [jnp.bfloat16(2.0), 2, np.float64(2.0), jnp.float32(2.0)])
def test_metric_kinds(metric: Any) -> None:
    c = jaxlrs.plateau(0.1)
    assert float(c.update(c.init(), jnp.int32(0), metric).best) == 2.0


@pytest.mark.parametrize(
    ("metric", "kind", "match"),
    [
        (None, TypeError, r"plateau update\(\): the metric is missing: pass .*value=loss"),
        (jnp.ones(3), ValueError, r"the metric must be a scalar, got shape \(3,\)"),
        (True, TypeError, r"the metric must be a real number, got bool"),
    ],
)
def test_bad_metric(metric: Any, kind: type, match: str) -> None:
    c = jaxlrs.plateau(0.1)
    with pytest.raises(kind, match=match):
        c.update(c.init(), jnp.int32(0), metric)


def test_bad_count() -> None:
    c = jaxlrs.plateau(0.1)
    with pytest.raises(TypeError, match=r"plateau update\(\): count must be an integer scalar"):
        c.update(c.init(), 1.5, 1.0)


def test_int64_counts_under_x64() -> None:
    with jax.enable_x64(True):
        c = jaxlrs.plateau(0.1, patience=0, start=1)
        state = c.init()
        for k in range(3):
            state = c.update(state, jnp.int64(k), 1.0)
        assert int(state.reductions) == 1 and c.value(state, jnp.int64(3)).dtype == jnp.float64


EXTREMES = (1e-45, 1e-39, 3e38, 10**400, 2**31, 2**63, math.nan, math.inf, -1e-45, -1e39)
EXTREMES += (-(2**63), -1, 0, 1, 0.5, 2, 2.0**-100, 2.0**127 - 2.0**103, -0.0)
PARAMS = ("base", "factor", "patience", "threshold", "cooldown", "min_value", "eps", "start")


def test_extreme_arguments_raise_or_give_finite_values() -> None:
    """Every numeric argument at an extreme either raises naming it or gives finite
    values on a sequence that reduces (as test_representable asks of schedules)."""
    built = []
    for name in (*PARAMS, "every"):
        for x in EXTREMES:
            kw = {"factor": 0.5, "patience": 1, name: x}
            base = kw.pop("base", 0.1)
            try:
                built.append(jaxlrs.plateau(base, **kw))
            except (ValueError, TypeError) as e:
                assert str(e).startswith(f"plateau(): {name} must be"), (name, x, e)
    ms = np.tile(np.float32([3.0, 2.0, 2.0, 2.0, 2.0, np.nan]), 5)
    vals, _ = drive(built, np.stack([ms] * len(built)))
    assert np.isfinite(vals).all()
    assert len(built) > 40


def test_traced_hyperparameters() -> None:
    """Numbers may be traced (a plateau built inside vmap); they are not validated."""

    def final(factor: jax.Array, patience: jax.Array) -> jax.Array:
        c = jaxlrs.plateau(0.1, factor=factor, patience=patience)
        state = c.init()
        for k in range(6):
            state = c.update(state, jnp.int32(k), jnp.float32(1.0))
        return c.value(state, 6)

    got = jax.jit(jax.vmap(final))(jnp.float32([0.5, 0.1]), jnp.int32([1, 4]))
    np.testing.assert_allclose(got, [0.1 * 0.5**2, 0.1 * 0.1], rtol=1e-6)


# -- construction ------------------------------------------------------------------------


def test_repr_and_equality() -> None:
    c = jaxlrs.plateau(jaxlrs.cosine(1.0, 10), factor=0.5, mode="max", cooldown=2)
    assert repr(c) == "plateau(cosine(1.0, 10), factor=0.5, mode='max', cooldown=2)"
    assert c == jaxlrs.plateau(jaxlrs.cosine(1.0, 10), factor=0.5, mode="max", cooldown=2)
    assert hash(c) == hash(
        jaxlrs.plateau(jaxlrs.cosine(1.0, 10), factor=0.5, mode="max", cooldown=2)
    )
    assert c != jaxlrs.plateau(jaxlrs.cosine(1.0, 10), factor=0.5)
    assert repr(jaxlrs.plateau(0.1)) == "plateau(constant(0.1))"
    t = lrs.ReduceLROnPlateau(0.1, "max", 0.5, 3, min_lr=1e-4)
    assert (
        repr(t)
        == "compat.torch.ReduceLROnPlateau(0.1, mode='max', factor=0.5, patience=3, min_lr=0.0001)"
    )
    assert repr(lrs.ReduceLROnPlateau(0.01)) == "compat.torch.ReduceLROnPlateau(0.01)"


P = r"plateau\(\): "
T = r"ReduceLROnPlateau\(\): "
NONNEG = r"must be a non-negative integer"
BAD = [
    (dict(base="abc"), TypeError, P + r"base must be a jaxlrs Schedule or a number, got 'abc'"),
    (dict(base=math.inf), ValueError, P + r"base must be a finite number, got inf"),
    (dict(factor=1.0), ValueError, P + r"factor must be a finite number in \[0, 1\), got 1.0"),
    (dict(factor=-0.5), ValueError, P + r"factor must be a finite number in \[0, 1\), got -0.5"),
    (dict(patience=-1), ValueError, P + r"patience " + NONNEG + ", got -1"),
    (dict(patience=1.5), ValueError, P + r"patience " + NONNEG + ", got 1.5"),
    (dict(patience=2**31 - 1), ValueError, NONNEG + r" at most 2147483646 \(int32\)"),
    (dict(mode="mean"), ValueError, P + r"mode must be one of 'min', 'max', got 'mean'"),
    (dict(threshold=-1e-4), ValueError, P + r"threshold must be a finite number in \[0, inf\)"),
    (dict(threshold=math.nan), ValueError, P + r"threshold must be a finite .*, got nan"),
    (dict(threshold_mode="relative"), ValueError, r"threshold_mode must be one of 'rel', 'abs'"),
    (dict(cooldown=-2), ValueError, P + r"cooldown " + NONNEG + ", got -2"),
    (dict(min_value="0"), TypeError, P + r"min_value must be a finite number, got '0' \(str\)"),
    (dict(eps=-1.0), ValueError, P + r"eps must be a finite number in \[0, inf\), got -1.0"),
    (dict(start=-1), ValueError, P + r"start " + NONNEG + ", got -1"),
    (dict(start=2**31), ValueError, P + r"start " + NONNEG + r" at most 2147483647 \(int32\)"),
    (dict(every=0), ValueError, P + r"every must be a positive integer, got 0"),
    (dict(every=2**31), ValueError, P + r"every must be a positive integer at most 2147483647"),
]


@pytest.mark.parametrize(("kw", "kind", "match"), BAD, ids=[str(b[0]) for b in BAD])
def test_bad_arguments(kw: dict[str, Any], kind: type, match: str) -> None:
    args = dict(kw)
    base = args.pop("base", 0.1)
    with pytest.raises(kind, match=match):
        jaxlrs.plateau(base, **args)


BAD_TORCH = [
    ((-0.1,), {}, ValueError, T + r"lr must be a finite number in \[0, inf\), got -0.1"),
    ((0.1,), dict(factor=1.5), ValueError, T + r"factor must be a finite number in \[0, 1\)"),
    ((0.1,), dict(min_lr=[0.0, 0.1]), ValueError, T + r"min_lr must be a number \(one rate"),
    ((0.1,), dict(min_lr="x"), TypeError, T + r"min_lr must be a finite number, got 'x'"),
    ((0.1, "up"), {}, ValueError, T + r"mode must be one of 'min', 'max', got 'up'"),
    ((jaxlrs.constant(0.1),), {}, TypeError, T + r"lr must be a finite .*, got constant\(0.1\)"),
]


@pytest.mark.parametrize(("args", "kw", "kind", "match"), BAD_TORCH)
def test_bad_torch_arguments(args: Any, kw: dict[str, Any], kind: type, match: str) -> None:
    with pytest.raises(kind, match=match):
        lrs.ReduceLROnPlateau(*args, **kw)
