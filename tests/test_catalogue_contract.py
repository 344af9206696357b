"""The schedule contract (SPEC section 1) for every catalogue recipe: traced hyperparameters
under jit/vmap/grad, dtype and shape, repr/parse/to_dict/pickle round trips, equality, no
unrolling, and noise that is a pure function of (key, step)."""

from __future__ import annotations

import math
import pickle
from typing import Any

import jax
import jax.extend
import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs

# (constructor, keyword arguments, traceable numeric hyperparameters)
SPECS: dict[str, tuple[Any, dict[str, Any], tuple[str, ...]]] = {
    "cyclic": (
        jaxlrs.cyclic,
        dict(low=0.1, high=1.0, period=20, inc_fraction=0.3),
        ("low", "high", "period", "inc_fraction"),
    ),
    "cyclic_tri2": (
        jaxlrs.cyclic,
        dict(low=0.1, high=1.0, period=20, mode="triangular2"),
        ("low", "high", "period"),
    ),
    "cyclic_exp_range": (
        jaxlrs.cyclic,
        dict(low=0.1, high=1.0, period=20, mode="exp_range", gamma=0.97),
        ("high", "gamma", "period"),
    ),
    "one_cycle": (
        jaxlrs.one_cycle,
        dict(peak=1.0, steps=100),
        ("peak", "steps", "pct_start", "div_factor", "final_div_factor"),
    ),
    "one_cycle_three": (
        jaxlrs.one_cycle,
        dict(peak=1.0, steps=100, shape="linear", three_phase=True),
        ("peak", "steps", "pct_start"),
    ),
    "slanted_triangular": (
        jaxlrs.slanted_triangular,
        dict(peak=1.0, steps=100, cut_frac=0.135),
        ("peak", "steps", "cut_frac", "ratio"),
    ),
    "lr_range": (jaxlrs.lr_range, dict(low=1e-6, high=1.0, steps=100), ("low", "high", "steps")),
    "warmup_constant": (
        jaxlrs.warmup_constant,
        dict(peak=1.0, warmup=10, steps=100, init=0.1, end=0.01),
        ("peak", "warmup", "steps", "init", "end"),
    ),
    "warmup_linear": (
        jaxlrs.warmup_linear,
        dict(peak=1.0, warmup=10, steps=100, shape="cosine"),
        ("peak", "warmup", "steps", "init", "end"),
    ),
    "warmup_polynomial": (
        jaxlrs.warmup_polynomial,
        dict(peak=1.0, warmup=10, steps=100, power=2.0, init=0.01, shape="exponential"),
        ("peak", "warmup", "steps", "init", "end", "power"),
    ),
    "warmup_exponential": (
        jaxlrs.warmup_exponential,
        dict(peak=1.0, warmup=10, steps=100, shape="sqrt"),
        ("peak", "warmup", "steps", "init", "end", "rate"),
    ),
    "warmup_inverse_sqrt": (
        jaxlrs.warmup_inverse_sqrt,
        dict(peak=1.0, warmup=10, steps=100, timescale=5.0, shape="1-sqrt"),
        ("peak", "warmup", "steps", "init", "end", "timescale"),
    ),
    "warmup_inverse_sqrt_default": (
        jaxlrs.warmup_inverse_sqrt,
        dict(peak=1.0, warmup=10, steps=100),
        ("warmup", "steps"),
    ),
    "wsd": (
        jaxlrs.wsd,
        dict(peak=1.0, warmup=10, steps=100, decay_steps=30),
        ("peak", "warmup", "steps", "decay_steps", "end"),
    ),
    "wsd_exponential": (
        jaxlrs.wsd,
        dict(peak=1.0, warmup=10, steps=100, decay_steps=30, shape="exponential", end=0.01),
        ("peak", "decay_steps", "end"),
    ),
    "inverse_sqrt": (
        jaxlrs.inverse_sqrt,
        dict(peak=1.0, warmup=10, timescale=20.0),
        ("peak", "warmup", "timescale"),
    ),
    "noam": (
        jaxlrs.noam,
        dict(d_model=512.0, warmup=40, scale=2.0),
        ("d_model", "warmup", "scale"),
    ),
    "rsqrt": (jaxlrs.rsqrt, dict(init=0.01, plateau=20), ("init", "plateau")),
    "tanh_decay": (
        jaxlrs.tanh_decay,
        dict(init=1.0, steps=100, end=0.1),
        ("init", "steps", "end", "lower", "upper"),
    ),
    "rex": (jaxlrs.rex, dict(init=1.0, steps=100, end=0.1), ("init", "steps", "end")),
    "cosine_k": (jaxlrs.cosine, dict(init=1.0, steps=100, k=2.0), ("init", "steps", "k")),
    "noise": (
        jaxlrs.noise,
        dict(schedule=jaxlrs.cosine(1.0, 100), key=3, pct=0.5, start=5, stop=90),
        ("key", "pct", "start", "stop"),
    ),
}

DEFAULTS = {"init": 0.0, "end": 0.0, "lower": -7.0, "upper": 3.0, "pct_start": 0.3}
DEFAULTS |= {"div_factor": 25.0, "final_div_factor": 1e4, "cut_frac": 0.1, "ratio": 32}
DEFAULTS |= {"rate": 0.01, "power": 1.0}

STEPS = jnp.arange(-1, 130)


def _alternative(v: Any) -> Any:
    """Another valid value of the same kind (valid jointly with the other alternatives)."""
    if isinstance(v, int):
        return v - max(1, v // 4)
    return 0.05 if v == 0 else v * 0.8


def _hyper(case: str) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    make, kw, params = SPECS[case]
    return make, kw, {p: kw.get(p, DEFAULTS.get(p)) for p in params}


@pytest.mark.parametrize("case", sorted(SPECS))
def test_traced_hyperparameters_jit_vmap(case):
    """Every numeric hyperparameter, values and step counts, traced at once."""
    make, kw, base = _hyper(case)
    alt = {p: _alternative(v) for p, v in base.items()}
    batch = {p: jnp.asarray([base[p], alt[p]]) for p in base}
    got = jax.jit(jax.vmap(lambda hp: make(**{**kw, **hp})(STEPS)))(batch)
    want = np.stack([make(**{**kw, **hp})(STEPS) for hp in (base, alt)])
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("case", sorted(SPECS))
def test_traced_hyperparameters_grad(case):
    """Gradients with respect to every value hyperparameter are finite at every step and
    match a central difference (the schedules are smooth in these at the chosen values)."""
    make, kw, base = _hyper(case)
    floats = {p: v for p, v in base.items() if isinstance(v, float)}
    if not floats:
        pytest.skip("no value hyperparameters")

    def at(hp: dict[str, Any], t: Any) -> Any:
        return make(**{**kw, **hp})(t)

    per_step = jax.jit(jax.vmap(jax.grad(at), in_axes=(None, 0)))
    grads = per_step({p: jnp.float32(v) for p, v in floats.items()}, STEPS)
    for p, v in floats.items():
        g = np.asarray(grads[p], np.float64)
        assert np.all(np.isfinite(g)), (p, np.asarray(STEPS)[~np.isfinite(g)])
        h = 1e-3 * abs(v) if v else 1e-4
        up = np.asarray(at({**floats, p: v + h}, STEPS), np.float64)
        down = np.asarray(at({**floats, p: v - h}, STEPS), np.float64)
        fd = (up - down) / (2 * h)
        np.testing.assert_allclose(g, fd, rtol=0.05, atol=2e-2, err_msg=p)


def test_spec_examples_for_wsd_branching():
    """One compiled program branches a cooldown off any checkpoint (traced decay start)."""
    traces = []

    @jax.jit
    def lr(t, steps, decay):
        traces.append(None)
        return jaxlrs.wsd(1.0, 10, steps, decay, shape="linear")(t)

    for steps, decay in [(100, 20), (500, 100), (10_000, 2_000)]:
        ts = jnp.asarray([steps - decay, steps - decay // 2, steps])
        np.testing.assert_allclose(lr(ts, steps, decay), [1.0, 0.5, 0.0], atol=1e-6)
    assert len(traces) == 1


VMAP_EAGER = {"cyclic_tri2", "one_cycle_three", "wsd", "rex", "warmup_exponential"}


@pytest.mark.parametrize("case", sorted(SPECS))
def test_dtype_shape_and_elementwise(case):
    make, kw, _ = SPECS[case]
    s = make(**kw)
    assert isinstance(s, jaxlrs.Schedule) and callable(s)
    scalar = s(7)
    assert scalar.shape == () and scalar.dtype == jnp.float32 and not scalar.weak_type
    flat = jnp.arange(-3, 21)
    out = s(flat.reshape(2, 3, 4))
    assert out.shape == (2, 3, 4) and out.dtype == jnp.float32 and not out.weak_type
    if case in VMAP_EAGER:  # (jit of vmap for every case: test_properties)
        np.testing.assert_array_equal(jax.vmap(s)(flat), out.reshape(-1))
    np.testing.assert_array_equal(out.reshape(-1)[:4], jnp.full(4, out[0, 0, 3]))  # t < 0


@pytest.mark.parametrize("case", sorted(SPECS))
def test_round_trips(case):
    make, kw, _ = SPECS[case]
    s = make(**kw)
    text = repr(s)
    assert eval(text, vars(jaxlrs)) == s
    assert jaxlrs.parse(text) == s
    assert jaxlrs.from_dict(jaxlrs.to_dict(s)) == s
    back = pickle.loads(pickle.dumps(s))
    assert back == s and hash(back) == hash(s)
    np.testing.assert_array_equal(back(STEPS), s(STEPS))
    leaves, tree = jax.tree_util.tree_flatten(s)
    assert jax.tree_util.tree_unflatten(tree, leaves) == s


def test_repr_shows_options_only_when_not_default():
    assert repr(jaxlrs.cyclic(0.1, 1.0, 20)) == "cyclic(0.1, 1.0, 20)"
    assert repr(jaxlrs.one_cycle(1e-3, 1000, three_phase=True)) == (
        "one_cycle(0.001, 1000, three_phase=True)"
    )
    assert repr(jaxlrs.wsd(1.0, 10, 100, 20, shape="cosine")) == (
        "wsd(1.0, 10, 100, 20, shape='cosine')"
    )
    assert repr(jaxlrs.noise(jaxlrs.constant(1.0), 7)) == "noise(constant(1.0), 7)"


def test_equality_and_hash():
    a = jaxlrs.one_cycle(1.0, 100)
    assert a == jaxlrs.one_cycle(1.0, 100) and hash(a) == hash(jaxlrs.one_cycle(1.0, 100))
    assert a != jaxlrs.one_cycle(1.0, 101)
    assert a != jaxlrs.one_cycle(1.0, 100, shape="linear")
    assert jaxlrs.noise(a, 1) != jaxlrs.noise(a, 2)


def _equations(jaxpr: Any) -> int:
    n = 0
    for eqn in jaxpr.eqns:
        n += 1
        for sub in jax.extend.core.jaxprs_in_params(eqn.params):
            n += _equations(sub)
    return n


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p: jaxlrs.cyclic(0.1, 1.0, p), id="cyclic"),
        pytest.param(lambda p: jaxlrs.cyclic(0.1, 1.0, p, mode="triangular2"), id="triangular2"),
        pytest.param(
            lambda p: jaxlrs.cyclic(0.1, 1.0, p, mode="exp_range", gamma=0.999), id="exp_range"
        ),
    ],
)
def test_no_unrolling(make):
    """The traced graph does not depend on how many cycles the steps span (and stays a
    few hundred equations: exp_range's overflow-safe growth, times_power, is the largest)."""
    t = jnp.arange(10_000)
    sizes = {_equations(jax.make_jaxpr(make(p))(t).jaxpr) for p in (2, 50, 5_000)}
    assert len(sizes) == 1 and sizes.pop() < 600


def test_one_trace_in_a_training_loop():
    s = jaxlrs.one_cycle(1.0, 1000, three_phase=True)
    traces = []

    @jax.jit
    def lr(t):
        traces.append(None)
        return s(t)

    for t in range(5):
        lr(jnp.int32(t))
    assert len(traces) == 1


# -- noise ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["normal"])
def test_noise_is_a_pure_function_of_key_and_step(kind):
    base = jaxlrs.warmup_cosine(1.0, 10, 1000)
    s = jaxlrs.noise(base, 11, pct=0.3, kind=kind)
    t = jnp.arange(1000)
    full = s(t)
    # A resumed run (steps 500..) and single steps see the same values (same shapes here,
    # so one compiled function serves every call).
    np.testing.assert_array_equal(s(t + 500)[:500], full[500:])
    np.testing.assert_array_equal(s(jnp.full(1000, 617)), jnp.full(1000, full[617]))
    np.testing.assert_array_equal(jaxlrs.noise(base, 11, pct=0.3, kind=kind)(t), full)
    ratio = np.asarray(full[1:] / base(t)[1:], np.float64) - 1
    assert np.all(np.abs(ratio) <= 0.3 + 1e-6)
    # Independent steps: no lag-1 correlation, mean near 0, and (almost) no repeats.
    assert abs(np.corrcoef(ratio[:-1], ratio[1:])[0, 1]) < 0.1
    assert abs(ratio.mean()) < 0.03
    assert len(np.unique(ratio)) > 990


def test_noise_distribution():
    t = jnp.arange(20_000)
    normal = np.asarray(jaxlrs.noise(jaxlrs.constant(1.0), 0, pct=0.5)(t), np.float64) - 1
    uniform = (
        np.asarray(jaxlrs.noise(jaxlrs.constant(1.0), 0, pct=0.5, kind="uniform")(t), np.float64)
        - 1
    )
    # A standard normal truncated to (-0.5, 0.5) has variance 1 - 2 a phi(a) / (2 Phi(a) - 1).
    a = 0.5
    phi = np.exp(-(a**2) / 2) / np.sqrt(2 * np.pi)
    big_phi = 0.5 * (1 + math.erf(a / math.sqrt(2)))
    var = 1 - 2 * a * phi / (2 * big_phi - 1)
    assert abs(normal.var() - var) < 0.05 * var
    assert abs(uniform.var() - a**2 / 3) < 0.05 * a**2 / 3
    assert np.abs(normal).max() < a and np.abs(uniform).max() <= a


def test_noise_window_keys_and_vmap():
    base = jaxlrs.constant(2.0)
    t = jnp.arange(100)
    v = np.asarray(jaxlrs.noise(base, 5, start=10, stop=20)(t))
    assert np.all(v[:10] == 2.0) and np.all(v[20:] == 2.0) and np.all(v[10:20] != 2.0)
    a = jaxlrs.noise(base, 1)(t)
    b = jaxlrs.noise(base, 2)(t)
    assert not np.any(a == b)
    np.testing.assert_array_equal(jaxlrs.noise(base, 3, pct=0.0)(t), np.full(100, 2.0))
    # Steps at the top of the int32 range: still bounded, still different from each other.
    top = np.asarray(jaxlrs.noise(base, 1)(t + (2**31 - 100)))
    assert np.all(np.abs(top / 2.0 - 1) < 0.67) and len(np.unique(top)) == 100
    # A PRNG key works, prints as its two words, parses back, and draws as its seed.
    keyed = jaxlrs.noise(base, jax.random.key(2))
    assert repr(keyed) == "noise(constant(2.0), [0, 2])"
    assert jaxlrs.parse(repr(keyed)) == keyed
    assert jaxlrs.noise(base, jax.random.PRNGKey(2)) == keyed
    # vmap over keys (jit and vmap of a schedule agree to the last float32 bit or so).
    keys = jax.vmap(jax.random.key)(jnp.arange(3))
    batch = jax.jit(jax.vmap(lambda k: jaxlrs.noise(base, k)(t)))(keys)
    np.testing.assert_allclose(batch[2], b, rtol=3e-7)
    np.testing.assert_allclose(batch[1], a, rtol=3e-7)
    np.testing.assert_allclose(keyed(t), b, rtol=3e-7)


def test_noise_fractional_steps_use_the_whole_step():
    s = jaxlrs.noise(jaxlrs.constant(1.0), 4)
    np.testing.assert_array_equal(s(jnp.asarray([3.0, 3.25, 3.9])), jnp.full(3, s(3)))
