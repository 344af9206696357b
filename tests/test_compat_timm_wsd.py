"""Parity of ``jaxlrs.compat.timm.WSDLRScheduler`` and ``create_scheduler_v2``'s ``wsd``
and ``rsqrt`` with timm 1.0.31's, and their own contract.

The peer is the installed timm (imported without torchvision, see ``tests/_timm.py``) on a
real PyTorch optimizer: its ``_get_lr(t)`` at every ``t`` for generated hyperparameters,
its training loop, and its ``create_scheduler_v2``. An independent float64 transcription of
timm's formula, with the decay's remaining fraction from exact integers, is the oracle at
large steps.
"""

from __future__ import annotations

import importlib
import math
import pickle
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _timm import scheduler

import jaxlrs
from jaxlrs.compat import timm as tm

torch = pytest.importorskip("torch")
T = scheduler()
if T is None:
    pytest.skip("timm is not installed", allow_module_level=True)
try:
    WSD = importlib.import_module("timm.scheduler.wsd_lr").WSDLRScheduler
except ImportError:  # timm before 1.0.31
    pytest.skip("this timm has no WSDLRScheduler", allow_module_level=True)

STABLE = ("constant", "rsqrt", "power")
DECAY = ("linear", "1-sqrt", "cosine", "power", "exp")


def square_decay(frac):
    """A module-level decay function (it pickles): ``1 - frac**2``."""
    return 1 - frac * frac


def _optimizer(lr: float):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def peer(base_lr: float, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return WSD(_optimizer(base_lr), **kw)


def peer_values(base_lr: float, ts, **kw) -> np.ndarray:
    s = peer(base_lr, **kw)
    return np.asarray([s._get_lr(int(t))[0] for t in ts], np.float64)


def assert_close(ours, expect, scale: float, rtol: float = 2e-6, atol: float = 1e-9) -> None:
    np.testing.assert_allclose(
        np.asarray(ours, np.float64), expect, rtol=rtol, atol=atol * max(scale, 1e-30)
    )


# -- the float64 oracle: timm's formula, the decay's remaining fraction exact ---------------


def oracle(t: int, base_lr: float, **kw) -> float:
    g = kw.get
    w, init, lo = g("warmup_t", 0), g("warmup_lr_init", 0.0), g("lr_min", 0.0)
    t_initial, d = kw["t_initial"], kw["decay_t"]
    if t < w:
        return init + t * (base_lr - init) / w
    u = t - w
    fn = g("stable_fn", "constant")
    tau = g("stable_timescale") or w
    p = 0.5 if fn == "rsqrt" else g("stable_power", 0.5)
    v = base_lr if fn == "constant" else base_lr * math.exp(-p * math.log1p(u / tau))
    v = max(v, lo)
    k = u - (t_initial - d)
    if k <= 0:
        return v
    k = min(k, d)
    done, left = k / d, (d - k) / d
    dfn = g("decay_fn", "1-sqrt")
    if callable(dfn):
        f = float(dfn(done))
    elif dfn == "linear":
        f = left
    elif dfn == "1-sqrt":
        f = left / (1 + math.sqrt(done))
    elif dfn == "cosine":
        f = math.sin(0.5 * math.pi * left) ** 2
    elif dfn == "power":
        f = -math.expm1(g("decay_power", 0.5) * math.log(done))
    else:
        r = g("decay_ratio", 0.1)
        f = r * math.expm1(-left * math.log(r)) / (1 - r)
    return lo + (v - lo) * f


# -- generated hyperparameters against timm's _get_lr --------------------------------------


def _draw(rng: np.random.RandomState) -> tuple[float, dict]:
    base = float(10 ** rng.uniform(-4, 0))
    t_initial = int(rng.choice([1, 2, 5, int(rng.randint(3, 300))]))
    kw: dict = {
        "t_initial": t_initial,
        "decay_t": int(rng.choice([1, t_initial, int(rng.randint(1, t_initial + 1))])),
        "lr_min": float(rng.choice([0.0, base * 10 ** rng.uniform(-3, 0), base * 2])),
        "stable_fn": str(rng.choice(STABLE)),
        "decay_fn": str(rng.choice(DECAY)),
        "warmup_t": int(rng.choice([0, 1, int(rng.randint(2, 60))])),
        "warmup_lr_init": float(rng.choice([0.0, base * rng.uniform(0, 1)])),
    }
    if rng.rand() < 0.5:
        kw["decay_power"] = float(10 ** rng.uniform(-1, 0.7))
    if rng.rand() < 0.5:
        kw["decay_ratio"] = float(rng.uniform(0.001, 0.999))
    if rng.rand() < 0.5:
        kw["stable_power"] = float(10 ** rng.uniform(-1, 0.5))
    if kw["stable_fn"] != "constant" and (kw["warmup_t"] == 0 or rng.rand() < 0.5):
        kw["stable_timescale"] = float(rng.choice([1.0, 7.5, float(rng.randint(1, 500))]))
    return base, kw


SEEDS = list(range(40))


@pytest.mark.parametrize("seed", SEEDS)
def test_every_t_against_timm(seed):
    base, kw = _draw(np.random.RandomState(seed))
    ts = np.arange(kw["warmup_t"] + kw["t_initial"] + 40)
    if len(ts) < 400:
        ts = np.arange(400)
    ours = tm.WSDLRScheduler(base, **kw)
    expect = peer_values(base, ts, **kw)
    assert_close(ours(ts), expect, base)
    assert_close(ours(ts), [oracle(int(t), base, **kw) for t in ts], base)


@pytest.mark.parametrize("stable_fn", STABLE)
@pytest.mark.parametrize("decay_fn", [*DECAY, square_decay])
def test_each_stable_and_decay_function_against_timm(stable_fn, decay_fn):
    kw = dict(t_initial=300, decay_t=120, lr_min=1e-4, stable_fn=stable_fn, decay_fn=decay_fn)
    kw.update(warmup_t=20, warmup_lr_init=1e-3, stable_power=1.3, decay_power=2.0)
    kw.update(decay_ratio=0.05)
    ts = np.arange(400)
    # a function's own float32 rounding (1 - f * f near f = 1) is not the schedule's
    rtol = 2e-5 if callable(decay_fn) else 2e-6
    assert_close(tm.WSDLRScheduler(0.1, **kw)(ts), peer_values(0.1, ts, **kw), 0.1, rtol)


def test_a_decaying_stable_phase_is_held_at_lr_min():
    # rsqrt with a short timescale falls below lr_min before the decay: max(v, lr_min)
    kw = dict(t_initial=200, decay_t=50, lr_min=0.2, stable_fn="rsqrt", stable_timescale=0.5)
    ts = np.arange(260)
    ours = tm.WSDLRScheduler(1.0, **kw)(ts)
    assert_close(ours, peer_values(1.0, ts, **kw), 1.0)
    np.testing.assert_allclose(np.asarray(ours)[20:], 0.2, rtol=2e-7)


def loop_rates(s, epochs: int, per_epoch: int) -> np.ndarray:
    """The rate of each update in timm's ``train.py`` loop."""
    group = s.optimizer.param_groups[0]
    out, num_updates = [], 0
    for epoch in range(epochs):
        for _ in range(per_epoch):
            out.append(group["lr"])
            num_updates += 1
            s.step_update(num_updates=num_updates)
        s.step(epoch + 1)
    return np.asarray(out, np.float64)


@pytest.mark.parametrize("t_in_epochs", [True, False])
@pytest.mark.parametrize("stable_fn", ["constant", "rsqrt"])
def test_the_rate_of_each_update_in_timms_loop(t_in_epochs, stable_fn):
    per, epochs = 4, 14
    kw = dict(t_initial=10, decay_t=4, warmup_t=2, warmup_lr_init=0.01, lr_min=0.001)
    if not t_in_epochs:
        kw = {k: v * per if k in ("t_initial", "decay_t", "warmup_t") else v for k, v in kw.items()}
    kw["stable_fn"] = stable_fn
    theirs = loop_rates(peer(0.1, t_in_epochs=t_in_epochs, **kw), epochs, per)
    extra = {"updates_per_epoch": per} if t_in_epochs else {}
    s = tm.WSDLRScheduler(0.1, t_in_epochs=t_in_epochs, **extra, **kw)
    assert_close(s(np.arange(epochs * per)), theirs, 0.1)


LARGE = [
    dict(t_initial=10**9, decay_t=10**8, decay_fn="1-sqrt", warmup_t=1000),
    dict(t_initial=2**31 - 10, decay_t=2**31 - 10, decay_fn="cosine", lr_min=1e-6),
    dict(t_initial=10**9, decay_t=3 * 10**8, decay_fn="exp", decay_ratio=0.01, lr_min=1e-5),
    dict(
        t_initial=10**9,
        decay_t=10**7,
        decay_fn="power",
        decay_power=3.0,
        stable_fn="rsqrt",
        stable_timescale=10_000.0,
        lr_min=1e-7,
    ),
    dict(
        t_initial=2 * 10**9,
        decay_t=10**9,
        decay_fn="linear",
        stable_fn="power",
        stable_power=0.3,
        warmup_t=5000,
    ),
]


@pytest.mark.parametrize("kw", LARGE, ids=[f"large-{i}" for i in range(len(LARGE))])
def test_large_steps_against_the_float64_oracle(kw):
    w, n, d = kw.get("warmup_t", 0), kw["t_initial"], kw["decay_t"]
    end = w + n
    start = end - d
    ts = [
        0,
        w,
        w + 1,
        start - 1,
        start,
        start + 1,
        start + d // 2,
        end - 3,
        end - 2,
        end - 1,
        end,
        end + 1,
        2**31 - 1,
        2**24 + 1,
    ]
    ts = np.asarray(sorted({t for t in ts if 0 <= t <= 2**31 - 1}), np.int64)
    ours = np.asarray(tm.WSDLRScheduler(0.1, **kw)(ts.astype(np.int32)), np.float64)
    expect = np.asarray([oracle(int(t), 0.1, **kw) for t in ts])
    assert_close(ours, expect, 0.1)
    # timm itself agrees where its float64 1 - sqrt(frac) etc. still resolve the step
    theirs = peer_values(0.1, ts, **kw)
    np.testing.assert_allclose(theirs, expect, rtol=1e-6, atol=1e-12)


def test_large_update_counts_per_epoch():
    s = tm.WSDLRScheduler(0.1, 1000, 300, warmup_t=10, updates_per_epoch=2_000_000)
    k = np.asarray([0, 1_999_999, 2_000_000, 1_399_999_999, 1_400_000_000, 2**31 - 1], np.int64)
    expect = [oracle(int(x) // 2_000_000, 0.1, t_initial=1000, decay_t=300, warmup_t=10) for x in k]
    assert_close(s(k.astype(np.int32)), expect, 0.1)


# -- noise ---------------------------------------------------------------------------------


def test_noise_only_inside_its_range_and_within_pct():
    kw = dict(t_initial=300, decay_t=100, lr_min=1e-3, warmup_t=10, warmup_lr_init=1e-3)
    ts = np.arange(400)
    clean = np.asarray(tm.WSDLRScheduler(0.1, **kw)(ts), np.float64)
    for rng, pct in (([20, 250], 0.67), (100, 0.1)):
        noisy = np.asarray(
            tm.WSDLRScheduler(0.1, noise_range_t=rng, noise_pct=pct, **kw)(ts), np.float64
        )
        lo, hi = (rng, math.inf) if not isinstance(rng, list) else rng
        live = (ts >= lo) & (ts < hi)
        np.testing.assert_array_equal(noisy[~live], clean[~live].astype(np.float32))
        ratio = noisy[live] / clean[live]
        assert np.all(np.abs(ratio - 1) < pct + 1e-6)
        assert np.mean(ratio != 1) > 0.95
    # noise_std = 1: the factors of jaxlrs.noise, bit for bit
    s = tm.WSDLRScheduler(0.1, noise_range_t=0, noise_pct=0.4, noise_seed=11, **kw)
    factor = jaxlrs.noise(jaxlrs.constant(1.0), 11, pct=0.4)(ts)
    np.testing.assert_array_equal(
        np.asarray(s(ts)), np.asarray(tm.WSDLRScheduler(0.1, **kw)(ts) * factor)
    )


# -- create_scheduler_v2 -------------------------------------------------------------------


def _peer_factory(sched, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return T.scheduler_factory.create_scheduler_v2(_optimizer(0.1), sched=sched, **kw)


FACTORY = [
    ("wsd", dict(num_epochs=50)),
    ("wsd", dict(num_epochs=50, warmup_epochs=5, warmup_lr=1e-3, min_lr=1e-4)),
    ("wsd", dict(num_epochs=40, warmup_epochs=4, warmup_prefix=True, decay_epochs=7)),
    ("wsd", dict(num_epochs=45, warmup_epochs=5, decay_epochs=0.25, cooldown_epochs=3)),
    ("wsd", dict(num_epochs=50, decay_epochs=0.3, decay_fn="cosine", noise=[0.2, 0.8])),
    ("rsqrt", dict(num_epochs=50, warmup_epochs=5)),
    ("rsqrt", dict(num_epochs=50, warmup_epochs=5, stable_timescale=2.5, min_lr=1e-3)),
    ("rsqrt", dict(num_epochs=30, stable_timescale=4, decay_epochs=1, decay_fn="exp")),
    ("rsqrt", dict(num_epochs=30, warmup_epochs=3, warmup_prefix=True, decay_epochs=0.5)),
]


@pytest.mark.parametrize("step_on_epochs", [True, False])
@pytest.mark.parametrize(
    ("sched", "kw"), FACTORY, ids=[f"{c[0]}-{i}" for i, c in enumerate(FACTORY)]
)
def test_create_scheduler_v2_against_timm(sched, kw, step_on_epochs):
    per = 3
    kw = dict(kw, step_on_epochs=step_on_epochs, updates_per_epoch=per)
    theirs, epochs = _peer_factory(sched, **kw)
    ours, our_epochs = tm.create_scheduler_v2(0.1, sched, **kw)
    assert our_epochs == epochs
    assert ours.args["t_initial"] == theirs.t_initial
    assert ours.args["decay_t"] == theirs.decay_t
    assert ours.args["decay_fn"] == theirs.decay_fn
    assert ours.args["stable_fn"] == theirs.stable_fn
    if kw.get("noise") is not None:
        assert list(ours.args["noise_range_t"]) == list(theirs.noise_range_t)
        ours = tm.WSDLRScheduler(**{**ours.args, "noise_range_t": None})  # noise: its own test
    n = 70 * (1 if step_on_epochs else per)
    ts = np.arange(n)
    expect = np.asarray([theirs._get_lr(int(t))[0] for t in ts])
    if step_on_epochs:  # the jaxlrs step is the update count: t = k // updates_per_epoch
        assert_close(ours(np.arange(n * per)), np.repeat(expect, per), 0.1)
    else:
        assert_close(ours(ts), expect, 0.1)


def test_create_scheduler_v2_rounds_the_decay_as_timm():
    for frac in (0.25, 0.35, 0.45, 0.15, 0.999):
        theirs, _ = _peer_factory("wsd", num_epochs=10, decay_epochs=frac)
        ours, _ = tm.create_scheduler_v2(0.1, "wsd", num_epochs=10, decay_epochs=frac)
        assert ours.args["decay_t"] == theirs.decay_t


@pytest.mark.parametrize(
    "kw",
    [
        dict(num_epochs=10, warmup_epochs=10),
        dict(num_epochs=10, decay_epochs=0),
        dict(num_epochs=10, decay_epochs=11),
        dict(num_epochs=10, decay_epochs=0.01),  # rounds to 0
        dict(num_epochs=10, decay_epochs=-2),
    ],
)
def test_create_scheduler_v2_refuses_what_timm_refuses(kw):
    with pytest.raises(ValueError):
        _peer_factory("wsd", **kw)
    with pytest.raises(ValueError, match=r"create_scheduler_v2\(\): decay_epochs must give"):
        tm.create_scheduler_v2(0.1, "wsd", **kw)


# -- the schedule contract -----------------------------------------------------------------

ROUND_TRIP = [
    tm.WSDLRScheduler(0.1, 100, 20),
    tm.WSDLRScheduler(0.1, 100, 30, 1e-4, "rsqrt", decay_fn="linear", warmup_t=5),
    tm.WSDLRScheduler(
        0.1,
        100,
        30,
        stable_fn="power",
        stable_timescale=3.0,
        decay_fn="exp",
        decay_ratio=0.2,
        noise_range_t=[5, 60],
        updates_per_epoch=4,
    ),
]


@pytest.mark.parametrize("s", ROUND_TRIP, ids=repr)
def test_repr_parse_serialise_pickle(s):
    assert jaxlrs.parse(repr(s)) == s
    assert jaxlrs.from_dict(jaxlrs.to_dict(s)) == s
    assert pickle.loads(pickle.dumps(s)) == s
    assert repr(s).startswith("compat.timm.WSDLRScheduler(0.1, 100, ")


def test_a_decay_function_pickles_and_names_itself():
    s = tm.WSDLRScheduler(0.1, 100, 30, decay_fn=square_decay)
    assert "square_decay" in repr(s)
    assert pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(ValueError, match=r"schedule.decay_fn is a Python function"):
        jaxlrs.to_dict(s)
    ts = np.arange(120)
    assert_close(s(ts), peer_values(0.1, ts, t_initial=100, decay_t=30, decay_fn=square_decay), 0.1)


def test_jit_vmap_grad_over_hyperparameters():
    ts = jnp.arange(0, 140, 3)

    def build(base, lr_min, tau, power, ratio, d, w):
        return tm.WSDLRScheduler(base, 100, d, lr_min, "power", tau, power, "exp", 0.5, ratio, w)

    args = (0.1, 1e-3, 4.0, 0.7, 0.2, 30, 8)
    eager = np.asarray(build(*args)(ts))
    traced = np.asarray(jax.jit(lambda *a: build(*a)(ts))(*args))
    np.testing.assert_allclose(traced, eager, rtol=1e-6)
    expect = [
        oracle(
            int(t),
            0.1,
            t_initial=100,
            decay_t=30,
            lr_min=1e-3,
            stable_fn="power",
            stable_timescale=4.0,
            stable_power=0.7,
            decay_fn="exp",
            decay_ratio=0.2,
            warmup_t=8,
        )
        for t in ts
    ]
    assert_close(eager, expect, 0.1)
    many = jax.vmap(lambda d: build(0.1, 1e-3, 4.0, 0.7, 0.2, d, 8)(ts))(jnp.asarray([10, 30]))
    np.testing.assert_allclose(np.asarray(many[1]), eager, rtol=1e-6)
    for i in range(5):  # d/d(each value hyperparameter): finite, and the finite difference

        def total(x, i=i):
            a = list(args)
            a[i] = x
            return jnp.sum(build(*a)(ts))

        g = float(jax.jit(jax.grad(total))(jnp.float32(args[i])))
        assert math.isfinite(g)
        h = 1e-3 * args[i]
        fd = (float(total(args[i] + h)) - float(total(args[i] - h))) / (2 * h)
        assert g == pytest.approx(fd, rel=2e-2, abs=1e-3)
    # warmup_t and the timescale traced together with the default timescale (None)
    s = jax.jit(lambda w: tm.WSDLRScheduler(1.0, 50, 10, stable_fn="rsqrt", warmup_t=w)(ts))
    expect = [
        oracle(int(t), 1.0, t_initial=50, decay_t=10, stable_fn="rsqrt", warmup_t=6) for t in ts
    ]
    assert_close(s(6), expect, 1.0)


def test_a_fractional_step_uses_its_whole_part():
    s = tm.WSDLRScheduler(0.1, 40, 10, warmup_t=4)
    np.testing.assert_allclose(np.asarray(s(jnp.asarray([2.5, 35.9]))), s([2, 35]), rtol=1e-6)


BAD = [
    (
        lambda: tm.WSDLRScheduler(0.1, 0, 1),
        ValueError,
        "WSDLRScheduler(): t_initial must be a positive integer, got 0",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 0),
        ValueError,
        "WSDLRScheduler(): decay_t must be a positive integer, got 0",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 11),
        ValueError,
        "WSDLRScheduler(): decay_t must be in [1, t_initial] (t_initial=10), got 11",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10.5, 1),
        ValueError,
        "WSDLRScheduler(): t_initial must be a positive integer, got 10.5",
    ),
    (lambda: tm.WSDLRScheduler(-0.1, 10, 5), ValueError, "WSDLRScheduler(): base_lr must be"),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, lr_min=-1.0),
        ValueError,
        "WSDLRScheduler(): lr_min must be",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, stable_fn="cosine"),
        ValueError,
        "WSDLRScheduler(): stable_fn must be one of 'constant', 'rsqrt', 'power'",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, decay_fn="sqrt"),
        ValueError,
        "WSDLRScheduler(): decay_fn must be one of 'linear', '1-sqrt', 'cosine', 'power', 'exp'",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, decay_fn=3),
        TypeError,
        "WSDLRScheduler(): decay_fn must be one of 'linear', '1-sqrt', 'cosine', 'power', "
        "'exp' or a function, got 3 (int)",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, decay_fn=jaxlrs.constant(1.0)),
        TypeError,
        "WSDLRScheduler(): decay_fn must be one of",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, decay_ratio=1.0),
        ValueError,
        "WSDLRScheduler(): decay_ratio must be",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, decay_ratio=0.0),
        ValueError,
        "WSDLRScheduler(): decay_ratio must be",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, decay_power=0.0),
        ValueError,
        "WSDLRScheduler(): decay_power must be",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, stable_power=-1.0),
        ValueError,
        "WSDLRScheduler(): stable_power must be",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, stable_fn="rsqrt"),
        ValueError,
        "WSDLRScheduler(): stable_timescale must be given (positive) with "
        "stable_fn='rsqrt' and no warmup",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, stable_fn="power", stable_timescale=0.0),
        ValueError,
        "WSDLRScheduler(): stable_timescale must be",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, warmup_t=-1),
        ValueError,
        "WSDLRScheduler(): warmup_t must be",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, noise_pct=0.0),
        ValueError,
        "WSDLRScheduler(): noise_pct must be",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, t_in_epochs=False, updates_per_epoch=3),
        ValueError,
        "WSDLRScheduler(): updates_per_epoch must be None when t_in_epochs=False",
    ),
    (
        lambda: tm.WSDLRScheduler(0.1, 10, 5, t_in_epochs=1),
        TypeError,
        "WSDLRScheduler(): t_in_epochs must be",
    ),
    (
        lambda: tm.create_scheduler_v2(0.1, "wsd", stable_timescale=-1.0),
        ValueError,
        "create_scheduler_v2(): stable_timescale must be",
    ),
    (
        lambda: tm.create_scheduler_v2(0.1, "rsqrt"),
        ValueError,
        "WSDLRScheduler(): stable_timescale must be given",
    ),
    (
        lambda: tm.create_scheduler_v2(0.1, "wsd", decay_epochs="x"),
        TypeError,
        "create_scheduler_v2(): decay_epochs must be",
    ),
]


@pytest.mark.parametrize(("make", "kind", "message"), BAD, ids=[b[2][:60] for b in BAD])
def test_bad_input_raises_with_a_message(make, kind, message):
    with pytest.raises(kind) as e:
        make()
    assert str(e.value).startswith(message), str(e.value)


def test_timm_refuses_the_same_configurations():
    for kw in (
        dict(t_initial=10, decay_t=11),
        dict(t_initial=10, decay_t=5, decay_ratio=1.0),
        dict(t_initial=10, decay_t=5, stable_fn="rsqrt"),
        dict(t_initial=10, decay_t=5, decay_fn="sqrt"),
    ):
        with pytest.raises(ValueError):
            peer(0.1, **kw)


@pytest.mark.parametrize("shape", ["1-sqrt", "linear", "cosine"])
def test_the_readmes_native_equivalents(shape):
    ts = np.arange(0, 200)
    ours = tm.WSDLRScheduler(0.1, 150, 40, decay_fn=shape, warmup_t=10, lr_min=1e-3)
    native = jaxlrs.wsd(0.1, 10, 160, 40, shape=shape, end=1e-3)
    np.testing.assert_allclose(np.asarray(ours(ts)), np.asarray(native(ts)), rtol=2e-6, atol=1e-10)
    # rsqrt: jaxlrs.inverse_sqrt up to the decay
    ours = tm.WSDLRScheduler(0.1, 150, 40, stable_fn="rsqrt", stable_timescale=7.0, warmup_t=10)
    native = jaxlrs.inverse_sqrt(0.1, 10, 7.0)
    upto = np.arange(0, 121)
    np.testing.assert_allclose(np.asarray(ours(upto)), np.asarray(native(upto)), rtol=2e-6)
