"""find_lr(): the range test against float64 NumPy oracles of its formulas (the sweep, the
losses, fastai's smoothing and divergence rule, fastai's valley and Lightning's steepest
rule written out as loops), against known answers (plain SGD on quadratics of known
curvature diverges above 2 / lambda_max), and on scikit-learn's bundled digits."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxlrs
import jaxlrs.optax
from jaxlrs.optax import RangeTest, find_lr
from jaxlrs.optax import _find_lr as F

# -- oracles ------------------------------------------------------------------------------


def smooth_oracle(losses: np.ndarray, beta: float) -> np.ndarray:
    """fastai's AvgSmoothLoss in float64: a lerp towards each loss, bias-corrected."""
    out, avg = [], 0.0
    for k, loss in enumerate(np.asarray(losses, np.float64)):
        avg = beta * avg + (1 - beta) * loss
        out.append(avg / (1 - beta ** (k + 1)))
    return np.array(out)


def stop_oracle(smoothed: np.ndarray, factor: float) -> int | None:
    """fastai's LRFinder.after_batch: best = min so far, stop once smooth > factor * best."""
    best = np.inf
    for k, s in enumerate(smoothed):
        best = min(best, s)
        if not s <= factor * best:
            return k
    return None


def valley_oracle(losses: list[float]) -> int:
    """fastai's valley, written out as its double loop (index of the suggestion)."""
    n = len(losses)
    lds = [1] * n
    max_start = max_end = 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    return max_start + int(sections) + int(sections / 2)


def steepest_oracle(lrs: np.ndarray, losses: np.ndarray) -> int | None:
    """Lightning's suggestion: argmin of np.gradient over the finite losses, mapped back."""
    finite = np.isfinite(losses)
    if finite.sum() < 2:
        return None
    grads = np.gradient(losses[finite], lrs[finite])
    return int(np.arange(len(losses))[finite][np.argmin(grads)])


def quad(w, batch):
    """A noisy quadratic 0.5 (w - xi)^T A (w - xi); A and the noise come with the batch, so
    every spectrum runs through one compiled program."""
    e = w - batch["xi"]
    return 0.5 * e @ batch["A"] @ e


def quad_batches(rng, lam, steps, sigma=1.0):
    d = len(lam)
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    a = ((q * lam) @ q.T).astype(np.float32)
    xi = (sigma * rng.normal(size=(steps, d))).astype(np.float32)
    return {"A": jnp.broadcast_to(jnp.asarray(a), (steps, d, d)), "xi": jnp.asarray(xi)}


# -- the sweep, the losses, the smoothing ------------------------------------------------


@pytest.mark.parametrize("shape", ["exponential", "linear", "cosine"])
def test_rates_are_lr_range_and_losses_are_sgd_on_them(shape):
    """Update k uses lr_range(low, high, steps, shape)(k), bit for bit, and the loss is the
    one before the update: a float64 replay of SGD at those rates gives the same losses."""
    lam = np.array([4.0, 1.0, 0.25])
    steps, low, high = 60, 1e-3, 0.3  # below 2 / 4: no divergence
    loss = functools.partial(lambda c, w: 0.5 * jnp.sum(c * w**2), jnp.asarray(lam, jnp.float32))
    r = find_lr(loss, jnp.ones(3), None, low=low, high=high, steps=steps, shape=shape)
    want = np.asarray(jaxlrs.lr_range(low, high, steps, shape)(jnp.arange(steps)))
    np.testing.assert_array_equal(r.lrs, want)
    assert r.stopped_at is None and len(r.losses) == steps
    w, replay = np.ones(3), []
    for lr in want.astype(np.float64):
        replay.append(0.5 * np.sum(lam * w**2))
        w = w - lr * lam * w
    np.testing.assert_allclose(r.losses, replay, rtol=2e-5)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.98])
def test_smoothing_is_fastais_bias_corrected_average(beta):
    rng = np.random.default_rng(0)
    batches = jnp.asarray(rng.uniform(1.0, 3.0, (50,)), jnp.float32)
    r = find_lr(lambda w, b: b + 0.0 * jnp.sum(w), jnp.zeros(2), batches, steps=50, beta=beta)
    np.testing.assert_array_equal(r.losses, np.asarray(batches))  # the gradient is 0
    np.testing.assert_allclose(r.smoothed, smooth_oracle(r.losses, beta), rtol=2e-6)


def test_batches_repeat_or_are_cut_to_steps():
    """Step k uses batch k % B; extra batches are unused; pytrees of batches work."""
    for count in (7, 30):
        batches = {"a": jnp.arange(count, dtype=jnp.float32), "b": jnp.ones((count, 2))}
        r = find_lr(
            lambda w, b: b["a"] + jnp.sum(b["b"]) + 0.0 * w,
            0.0,
            batches,
            steps=20,
            beta=0.0,
            diverge=None,  # the losses grow
        )
        np.testing.assert_array_equal(r.losses, np.arange(20) % count + 2.0)


# -- divergence ----------------------------------------------------------------------------


@pytest.mark.parametrize("factor", [4.0, 1.5])
def test_stops_after_the_first_update_past_factor_times_the_best(factor):
    """fastai's rule on the smoothed losses; the stopping update is recorded, none after;
    the updates after the stop skip their work (counted by a callback in the loss)."""
    calls = []
    lam = jnp.array([10.0, 1.0])

    def loss(w):
        jax.debug.callback(lambda: calls.append(1))
        return 0.5 * jnp.sum(lam * w**2)

    r = find_lr(loss, jnp.ones(2), None, low=1e-3, high=10.0, steps=200, diverge=factor)
    assert r.stopped_at is not None and r.stopped_at < 199
    assert stop_oracle(smooth_oracle(r.losses, 0.98), factor) == r.stopped_at
    assert len(r.lrs) == len(r.losses) == len(r.smoothed) == r.stopped_at + 1
    assert r.lrs[r.stopped_at] > 2 / 10.0  # SGD diverges only above 2 / lambda_max
    assert len(calls) == r.stopped_at + 1  # value_and_grad ran once per update run


def test_a_non_finite_loss_stops_and_is_left_out():
    """With diverge=None only a non-finite loss stops the test; it is not recorded."""
    r = find_lr(lambda w: 1.5 * w**2, 1.0, None, low=1.0, high=1e30, steps=100, diverge=None)
    assert r.stopped_at is not None and len(r.losses) == r.stopped_at
    assert np.all(np.isfinite(r.losses)) and np.all(np.isfinite(r.smoothed))
    assert np.all(np.diff(r.losses) > 0)  # it kept going past 4x the best
    full = find_lr(lambda w: jnp.cos(w) + 2.0, 0.0, None, steps=50, diverge=None)
    assert full.stopped_at is None and len(full.lrs) == 50


# -- the suggestions ---------------------------------------------------------------------


def test_valley_index_is_fastais_loop():
    rng = np.random.default_rng(1)
    cases = [np.array([]), np.array([1.0]), np.arange(10.0), -np.arange(10.0), np.ones(8)]
    cases += [rng.normal(size=n) for n in (2, 3, 5, 17, 60)]
    cases += [np.round(rng.normal(size=40), 1) for _ in range(5)]  # with ties
    cases += [np.cumsum(rng.normal(size=80)) for _ in range(5)]  # random walks
    cases += [np.concatenate([rng.normal(size=30), 3 - np.arange(20.0), rng.normal(size=10)])]
    for losses in cases:
        want = valley_oracle(list(losses)) if len(losses) else None
        assert F.valley_index(losses) == want, losses


def test_steepest_index_is_lightnings_rule():
    rng = np.random.default_rng(2)
    lrs = np.geomspace(1e-5, 1.0, 40)
    for _ in range(10):
        losses = rng.normal(size=40)
        losses[rng.integers(0, 40, 5)] = np.nan
        assert F.steepest_index(lrs, losses) == steepest_oracle(lrs, losses)
    assert F.steepest_index(lrs[:1], np.ones(1)) is None


def minimum_oracle(lrs: np.ndarray, losses: np.ndarray) -> float:
    """fastai's minimum: lr_min = lrs[losses.argmin()]; lr_min / 10."""
    return float(lrs[int(np.argmin(losses))]) / 10


def test_suggestions_are_taken_on_the_libraries_slices():
    """valley and minimum on smoothed[steps // 10 : -5] (fastai), steepest on
    smoothed[10:-1] (Lightning), each returning the rate at its index (a tenth of it for
    minimum)."""
    rng = np.random.default_rng(3)
    steps = 120
    r = find_lr(
        quad, jnp.full(4, 3.0), quad_batches(rng, [30.0, 5.0, 1.0, 0.3], steps), steps=steps
    )
    v = valley_oracle(list(r.smoothed[steps // 10 : -5]))
    assert r.valley == r.lrs[steps // 10 + v]
    s = steepest_oracle(r.lrs[10:-1].astype(np.float64), r.smoothed[10:-1].astype(np.float64))
    assert s is not None and r.steepest == r.lrs[10 + s]
    cut = slice(steps // 10, -5)
    assert r.minimum == minimum_oracle(r.lrs[cut], r.smoothed[cut])
    short = find_lr(lambda w: jnp.sum(w**2), jnp.ones(2), None, steps=11)
    assert short.steepest is None and short.valley is not None  # 0 and 5 points left
    assert short.minimum == minimum_oracle(short.lrs[1:-5], short.smoothed[1:-5])
    tiny = find_lr(lambda w: jnp.sum(w**2), jnp.ones(2), None, steps=5)
    assert tiny.valley is None and tiny.minimum is None  # no point left


# -- known answers: plain SGD on generated quadratics -----------------------------------
#
# SGD on 0.5 (w - xi)^T H (w - xi) contracts every eigendirection while lr < 2 / lambda_max
# and diverges above it. Each case draws lambda_max (0.1 to 1000), a condition number (1 to
# 1000), a dimension d (2 to 100), a starting error of 3 along every eigenvector and batch
# noise xi ~ N(0, sigma^2 I) (sigma from 0.01 to 1: the starting error is 3 to 300 times
# the noise), or no noise. All live in R^100 (zero curvature outside the d directions), so
# one compiled program serves every case. The sweep is the default (1e-7 to 10, 100
# updates) when it reaches 20 times the bound, else 1e-7 to 1000.

DIM = 100
FACTOR = 16  # b / FACTOR <= minimum < b, as the docstring of find_lr states


def random_quadratic(seed: int, noisy: bool, steps: int = 100) -> dict:
    rng = np.random.default_rng(seed)
    lmax = float(np.exp(rng.uniform(np.log(0.1), np.log(1e3))))
    cond = float(np.exp(rng.uniform(0.0, np.log(1e3))))
    d = int(np.exp(rng.uniform(np.log(2), np.log(DIM + 0.5))))
    lam = lmax * np.exp(rng.uniform(-np.log(cond), 0.0, d))
    lam[0], lam[-1] = lmax, lmax / cond
    sigma = float(np.exp(rng.uniform(np.log(0.01), 0.0))) if noisy else 0.0
    q = np.linalg.qr(rng.normal(size=(DIM, DIM)))[0][:, :d]
    a = jnp.asarray((q * lam) @ q.T, jnp.float32)
    xi = jnp.asarray(sigma * rng.normal(size=(steps, DIM)), jnp.float32)
    x0 = jnp.asarray(q @ (3.0 * rng.choice([-1.0, 1.0], d)), jnp.float32)
    bound = 2 / lmax
    return {
        "batches": {"A": jnp.broadcast_to(a, (steps, DIM, DIM)), "xi": xi},
        "x0": x0,
        "bound": bound,
        "high": 10.0 if 20 * bound <= 10.0 else 1000.0,
        "steps": steps,
        "id": f"{'noisy' if noisy else 'exact'}{seed}-lmax{lmax:.3g}-cond{cond:.3g}-d{d}"
        + f"-sigma{sigma:.2g}",
    }


QUADRATICS = [(seed, True) for seed in range(40)] + [(seed, False) for seed in range(100, 115)]


@functools.cache
def quadratic_run(seed: int, noisy: bool) -> tuple[dict, RangeTest]:
    case = random_quadratic(seed, noisy)
    r = find_lr(quad, case["x0"], case["batches"], high=case["high"], steps=case["steps"])
    return case, r


@pytest.mark.parametrize(
    "seed, noisy", QUADRATICS, ids=[random_quadratic(*c, steps=1)["id"] for c in QUADRATICS]
)
class TestQuadratics:
    def test_stops_above_the_bound(self, seed, noisy):
        """The test stops, at a rate above 2 / lambda_max, within a few updates past it."""
        case, r = quadratic_run(seed, noisy)
        assert r.stopped_at is not None
        assert case["bound"] < r.lrs[r.stopped_at] < 20 * case["bound"]

    def test_does_not_stop_below_the_bound(self, seed, noisy):
        """A sweep that ends at half the bound runs all its updates: the loss only falls."""
        case = random_quadratic(seed, noisy)
        high = case["bound"] / 2
        r = find_lr(quad, case["x0"], case["batches"], low=high * 1e-8, high=high)
        assert r.stopped_at is None and len(r.lrs) == case["steps"]

    def test_minimum_is_below_the_bound_within_a_small_factor(self, seed, noisy):
        """fastai's minimum: a tenth of the rate of the smallest smoothed loss, which lies
        past where the raw loss turns up: b / 16 <= it < b."""
        case, r = quadratic_run(seed, noisy)
        assert case["bound"] / FACTOR <= r.minimum < case["bound"]

    def test_valley_and_steepest_lie_below_minimum(self, seed, noisy):
        """valley (mid-way down the whole fall, which starts where the loss first moves) and
        steepest (the slope against the rate, largest at the smallest rates) are safe but
        not within a small factor: steepest < valley < minimum < b."""
        case, r = quadratic_run(seed, noisy)
        assert r.steepest < r.valley < r.minimum < case["bound"]


def test_the_measurement_script_runs(capsys):
    """benchmarks/find_lr_quadratics.py (the docstring's figures) on a few cases."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "find_lr_quadratics.py"
    spec = importlib.util.spec_from_file_location("find_lr_quadratics", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("noisy: 20 cases") and "exact: 10 cases" in out
    assert out.count("a sweep ending at b / 2 stopped: never") == 2


def test_digits_softmax_regression():
    """A real dataset (scikit-learn's bundled digits): the suggestions are finite and
    training for 300 SGD steps at either of them lowers the full training loss."""
    sklearn = pytest.importorskip("sklearn.datasets")
    x, y = sklearn.load_digits(return_X_y=True)
    x = ((x - x.mean(0)) / (x.std(0) + 1e-3)).astype(np.float32)
    x, y = jnp.asarray(x), jnp.asarray(y, jnp.int32)
    idx = jax.random.randint(jax.random.key(0), (400, 64), 0, len(y))
    batches = {"x": x[idx], "y": y[idx]}

    def loss(p, b):
        logits = b["x"] @ p["w"] + p["b"][None, :]
        return optax.softmax_cross_entropy_with_integer_labels(logits, b["y"]).mean()

    p0 = {"w": jnp.zeros((64, 10)), "b": jnp.zeros(10)}
    r = find_lr(loss, p0, jax.tree.map(lambda b: b[:100], batches))
    assert np.isfinite(r.valley) and np.isfinite(r.steepest) and np.isfinite(r.minimum)
    assert 1e-7 <= r.steepest < r.valley < r.minimum < 10.0

    @jax.jit
    def train(lr):
        def step(p, b):
            g = jax.grad(loss)(p, b)
            return jax.tree.map(lambda a, d: a - lr * d, p, g), None

        return loss(jax.lax.scan(step, p0, jax.tree.map(lambda b: b[100:], batches))[0], full)

    full = {"x": x, "y": y}
    before = float(loss(p0, full))
    assert float(train(r.minimum)) < float(train(r.valley)) < 0.9 * before
    assert float(train(r.steepest)) < before


# -- one program -------------------------------------------------------------------------


def test_one_compiled_scan():
    """One compilation per loss function and options: other low / high / params reuse it;
    the loss is traced a fixed number of times whatever the number of steps (no Python
    loop over the updates)."""
    traces = []

    def loss(w):
        traces.append(1)
        return jnp.sum(w**2)

    before = F._sweep._cache_size()
    find_lr(loss, jnp.ones(3), None, steps=30)
    assert F._sweep._cache_size() == before + 1
    per_compile = len(traces)
    find_lr(loss, 2 * jnp.ones(3), None, low=1e-5, high=1.0, steps=30)
    assert F._sweep._cache_size() == before + 1 and len(traces) == per_compile
    find_lr(loss, jnp.ones(3), None, steps=300)  # a new program, traced as often
    assert len(traces) - per_compile <= per_compile <= 2


# -- the result and its plot ---------------------------------------------------------------


def test_result_is_a_frozen_dataclass_and_plots():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(5)
    r = find_lr(quad, jnp.full(3, 3.0), quad_batches(rng, [20.0, 2.0, 0.5], 100))
    assert isinstance(r, RangeTest)
    with pytest.raises(AttributeError):
        r.valley = 1.0  # type: ignore[misc]
    fig = r.plot()
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "learning rate"
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == [
        "loss",
        "smoothed loss",
        f"steepest {r.steepest:.3g}",
        f"valley {r.valley:.3g}",
        f"minimum {r.minimum:.3g}",
    ]
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), r.smoothed)
    assert f"diverged at update {r.stopped_at}" in ax.get_title()
    assert plt.get_fignums() == []  # not registered with pyplot: never shown
    fig2 = plt.figure()
    try:
        assert r.plot(ax=fig2.add_subplot(), raw=False, log=False) is fig2
        assert len(fig2.axes[0].get_lines()) == 4 and fig2.axes[0].get_xscale() == "linear"
    finally:
        plt.close(fig2)


# -- errors ------------------------------------------------------------------------------


def _loss(w, b):
    return jnp.sum(w**2) + jnp.sum(b)


ERRORS = {
    "loss_fn": (dict(loss_fn=3), TypeError, r"find_lr\(\): loss_fn must be a function"),
    "optimizer instance": (
        dict(optimizer=optax.sgd(0.1)),
        TypeError,
        r"find_lr\(\): optimizer must be a function taking learning_rate",
    ),
    "optimizer without lr": (
        dict(optimizer=lambda momentum: optax.sgd(0.1)),
        TypeError,
        r"find_lr\(\): optimizer must take learning_rate",
    ),
    "iterator": (
        dict(batches=iter([jnp.ones(2)])),
        TypeError,
        r"find_lr\(\): batches must be an array .* got an iterator",
    ),
    "scalar batch": (dict(batches=jnp.float32(1.0)), ValueError, r"leading batch axis"),
    "ragged": (
        dict(batches={"a": jnp.ones(3), "b": jnp.ones(4)}),
        ValueError,
        r"same nonzero leading length .* got lengths \[3, 4\]",
    ),
    "empty": (dict(batches={}), ValueError, r"batches must hold at least one array"),
    "leaf": (dict(batches=["x"]), TypeError, r"pytree of arrays .* got a leaf 'x'"),
    "low": (dict(low=0.0), ValueError, r"find_lr\(\): low must be a finite number in \(0"),
    "high": (dict(low=1.0, high=0.5), ValueError, r"find_lr\(\): high must be above low=1.0"),
    "steps": (dict(steps=0), ValueError, r"find_lr\(\): steps must be a positive integer"),
    "shape": (dict(shape="zigzag"), ValueError, r"find_lr\(\): shape must be"),
    "beta": (dict(beta=1.0), ValueError, r"find_lr\(\): beta must be a finite number in \[0"),
    "diverge": (dict(diverge=1.0), ValueError, r"find_lr\(\): diverge must be a finite number"),
    "loss value": (
        dict(loss_fn=lambda w, b: w * b),
        ValueError,
        r"find_lr\(\): loss_fn must return a float scalar",
    ),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors(name):
    kwargs, kind, match = ERRORS[name]
    args = dict(loss_fn=_loss, params=jnp.ones(2), batches=jnp.ones((5, 2)), steps=5)
    with pytest.raises(kind, match=match):
        find_lr(**{**args, **kwargs})


def test_traced_sweep_arguments_are_refused():
    for name in ("low", "high", "steps", "beta"):
        value = {"low": 1e-6, "high": 1.0, "steps": 5, "beta": 0.5}[name]

        def run(v, name=name):
            return find_lr(_loss, jnp.ones(2), jnp.ones((5, 2)), **{"steps": 5, name: v}).valley

        with pytest.raises(TypeError, match=rf"find_lr\(\): {name} must be a concrete number"):
            jax.jit(run)(value)


def test_public():
    assert jaxlrs.optax.find_lr is find_lr and "find_lr" in jaxlrs.optax.__all__
    assert "RangeTest" in jaxlrs.optax.__all__
