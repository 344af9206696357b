"""SPEC §1.6: every numeric hyperparameter (values *and* step counts) may be a tracer.

For each schedule the hyperparameters are replaced by traced values *through the public
constructors* (so construction-time checks see tracers), under ``jit``, ``vmap``, ``grad``,
``jit(grad)`` and ``vmap(grad)``. Traced values are compared with the concrete schedule's,
gradients with central differences of the float64 oracle.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _oracles import CASES, oracle

import jaxlrs
from jaxlrs._schedule import kinds

STEPS = jnp.arange(-8, 56)

TRACED = [
    "constant",
    "linear",
    "polynomial",
    "polynomial_sqrt",
    "cosine_opts",
    "cosine_k",
    "exponential",
    "exponential_stair",
    "exponential_end",
    "exponential_growth",
    "inverse_time",
    "inverse_time_stair",
    "step_decay",
    "multistep",
    "piecewise_constant",
    "piecewise_linear",
    "triangular_slanted",
    "triangular_ramp",
    "join",
    *[f"warmup_{s}" for s in ("linear", "cosine", "sqrt", "1-sqrt", "exponential")],
    *[f"cooldown_{s}" for s in ("linear", "cosine", "sqrt", "1-sqrt", "exponential")],
    "cycle_mult",
    "cycle_mult3",
    "cycle_float",
    "shift",
    "stretch",
    "stretch_float",
    "scale",
    "clip",
    "minimum",
    "maximum",
    "sub",
    "rdiv",
    "nested",
    "sgdr",
    "sgdr_opts",
    "sgdr_float",
    "warmup_cosine",
    "warmup_cosine_opts",
]
"""Every core constructor and option (``from_fn`` has no numeric hyperparameters)."""


# -- rebuilding a schedule through its constructors -------------------------------------------


def _rebuild_value(v, it):
    if isinstance(v, jaxlrs.Schedule):
        return rebuild(v, it)
    if isinstance(v, tuple):
        return tuple(_rebuild_value(x, it) for x in v)
    if v is None or isinstance(v, (str, bool)) or callable(v):
        return v
    return next(it)


def rebuild(s, leaves):
    """``s`` rebuilt by calling each constructor, its numeric leaves taken from ``leaves``
    (in ``jax.tree.leaves`` order)."""
    it = leaves if not isinstance(leaves, (list, tuple)) else iter(leaves)
    args = {k: _rebuild_value(v, it) for k, v in s.args.items()}
    kind = kinds()[s.name]
    first = next(iter(kind.signature.parameters.values()))
    if first.kind is first.VAR_POSITIONAL:
        return kind.constructor(*args[first.name])
    return kind.constructor(**args)


def _batch(leaves):
    """Three sets of valid hyperparameters: integers shifted by 0, 1, 2 (orderings kept),
    floats scaled by 1, 7/8, 3/4 (signs and ratios kept)."""
    out = []
    for x in leaves:
        if isinstance(x, int):
            out.append(jnp.array([x, x + 1, x + 2], jnp.int32))
        else:
            out.append(jnp.array([x, x * 0.875, x * 0.75], jnp.float32))
    return out


def _concrete(leaves, k):
    return [int(x[k]) if x.dtype == jnp.int32 else float(x[k]) for x in leaves]


@pytest.mark.parametrize("name", TRACED)
def test_rebuild_matches_tree_leaves(name):
    s = CASES[name]
    leaves = jax.tree.leaves(s)
    assert rebuild(s, leaves) == s


@pytest.mark.parametrize("name", TRACED)
def test_each_hyperparameter_alone_can_be_a_tracer(name):
    s = CASES[name]
    leaves = jax.tree.leaves(s)
    for j, x in enumerate(leaves):

        def f(v, j=j):
            return rebuild(s, [*leaves[:j], v, *leaves[j + 1 :]])(STEPS)

        jaxpr = jax.make_jaxpr(f)(x)
        assert jaxpr.out_avals[0].shape == STEPS.shape
        assert jaxpr.out_avals[0].dtype == jnp.float32


@pytest.mark.parametrize("name", TRACED)
def test_jit_and_vmap_over_every_hyperparameter(name):
    s = CASES[name]
    leaves = jax.tree.leaves(s)
    batch = _batch(leaves)
    got = jax.jit(jax.vmap(lambda ls: rebuild(s, ls)(STEPS)))(batch)
    assert got.shape == (3, *STEPS.shape) and got.dtype == jnp.float32
    assert np.isfinite(np.asarray(got)).all()
    for k in range(3):
        concrete = rebuild(s, _concrete(batch, k))  # validated like any user call
        want = np.asarray(concrete(STEPS), np.float64)
        # A traced float period_mult takes the float path (1e-6 of the largest value).
        tol = 1e-6 * np.abs(want).max() + 2e-6 * np.abs(want)
        np.testing.assert_array_less(np.abs(np.asarray(got[k], np.float64) - want), tol + 1e-30)


def _float_positions(leaves):
    return [j for j, x in enumerate(leaves) if isinstance(x, float)]


def _merge(leaves, positions, values):
    out = list(leaves)
    for j, v in zip(positions, values, strict=True):
        out[j] = v
    return out


def _fd_oracle(s, leaves, positions, steps):
    """Central differences of the float64 oracle, and where left and right differences
    agree (no kink at that step)."""
    grads, smooth = [], []
    for j in positions:
        h = 1e-6 * max(1.0, abs(leaves[j]))
        vals = {}
        for sign in (-1, 0, 1):
            ls = list(leaves)
            ls[j] = leaves[j] + sign * h
            # unflatten, not the constructors: a step of h may leave the valid range.
            vals[sign] = oracle(jax.tree.unflatten(jax.tree.structure(s), ls), steps)
        right, left = (vals[1] - vals[0]) / h, (vals[0] - vals[-1]) / h
        grads.append((right + left) / 2)
        smooth.append(np.abs(right - left) <= 1e-4 * (1 + np.abs(right)))
    return np.array(grads), np.array(smooth)


@pytest.mark.parametrize("name", TRACED)
def test_grad_over_every_float_hyperparameter(name):
    s = CASES[name]
    leaves = jax.tree.leaves(s)
    pos = _float_positions(leaves)
    if not pos:
        pytest.skip("no float hyperparameters")
    fl = [leaves[j] for j in pos]

    def value(fl, t):
        return rebuild(s, _merge(leaves, pos, fl))(t)

    per_step = jax.vmap(jax.grad(value), in_axes=(None, 0))  # vmap(grad) over the steps
    batched = [jnp.array([x, x * 0.875, x * 0.75], jnp.float32) for x in fl]
    # jit(vmap(vmap(grad))): every hyperparameter batched, every step.
    grads = jax.jit(jax.vmap(per_step, in_axes=(0, None)))(batched, STEPS)
    grads = np.array([np.asarray(g) for g in grads])  # (leaf, batch, step)
    assert np.isfinite(grads).all(), "a NaN or inf gradient where the value is finite"
    steps = np.asarray(STEPS)
    want, smooth = _fd_oracle(s, leaves, pos, steps)
    got = grads[:, 0, :]
    scale = np.abs(want).max(axis=1, keepdims=True) + 1e-3
    ok = ~smooth | (np.abs(got - want) <= 1e-3 * scale + 1e-3 * np.abs(want))
    assert ok.all(), (
        f"gradient off at leaf/step {np.argwhere(~ok)[:5].tolist()}: "
        f"got {got[~ok][:5].tolist()}, want {want[~ok][:5].tolist()}"
    )


@pytest.mark.parametrize("name", ["cosine_opts", "warmup_exponential"])
def test_plain_grad_and_vmap_grad_agree_with_jit_grad(name):
    s = CASES[name]
    leaves = jax.tree.leaves(s)
    pos = _float_positions(leaves)
    fl = [leaves[j] for j in pos]

    def total(fl):
        return rebuild(s, _merge(leaves, pos, fl))(STEPS).sum()

    eager = jax.grad(total)(fl)
    jitted = jax.jit(jax.grad(total))(fl)
    batched = jax.vmap(jax.grad(total))([jnp.array([x, x], jnp.float32) for x in fl])
    for e, j, b in zip(eager, jitted, batched, strict=True):
        assert np.isfinite(float(e))
        np.testing.assert_allclose(float(j), float(e), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(np.asarray(b), float(e), rtol=1e-5, atol=1e-7)


def test_step_counts_traced_far_inside_and_outside_their_phases():
    # Gradients at steps in warmups, first cycles and after ends stay finite when the
    # lengths themselves are traced (no inf * 0 through an unselected branch).
    def f(peak, rate, w, period, steps):
        body = jaxlrs.exponential(peak, rate, period, end=peak * 0.01)
        return jaxlrs.warmup(
            jaxlrs.cycle(body, period, decay=rate), w, init=peak * 1e-3, shape="exponential"
        )(steps)

    steps = jnp.array([0, 1, 5, 9, 10, 11, 50, 10**6, 2**31 - 1])
    # One jitted function for the three cases (all traced alike): compiled once.
    grads = jax.jit(jax.vmap(jax.grad(f, argnums=(0, 1)), in_axes=(None, None, None, None, 0)))
    for args in [(1e-3, 0.5, 10, 20), (1e-3, 0.5, 0, 20), (2.0, 1e-27, 10, 1)]:
        g = grads(*args, steps)
        assert all(np.isfinite(np.asarray(x)).all() for x in g), args


# -- SPEC §1.6's three examples, verbatim ------------------------------------------------------


def test_spec_vmap_over_peaks():
    peaks = jnp.array([1e-3, 2e-3, 5e-3])
    got = jax.vmap(lambda p: jaxlrs.warmup_cosine(p, 100, 1_000)(50))(peaks)
    np.testing.assert_allclose(np.asarray(got), np.asarray(peaks) * 0.5, rtol=1e-6)


def test_spec_jit_over_warmup_length():
    got = jax.jit(lambda w: jaxlrs.warmup_cosine(1e-3, w, 1_000)(50))(100)
    assert float(got) == pytest.approx(0.5e-3, rel=1e-6)
    got = jax.jit(lambda w: jaxlrs.warmup_cosine(1e-3, w, 1_000)(50))(0)
    want = oracle(jaxlrs.warmup_cosine(1e-3, 0, 1_000), 50)
    assert float(got) == pytest.approx(float(want), rel=1e-6)


def test_spec_grad_of_sgdr_peak():
    # d/dpeak of peak * (1 + cos(pi * 50 / 100)) / 2 is 1/2.
    g = jax.grad(lambda p: jaxlrs.sgdr(p, 100)(150))(1e-3)
    assert float(g) == pytest.approx(0.5, rel=1e-6)
    assert float(jax.jit(jax.grad(lambda p: jaxlrs.sgdr(p, 100)(150)))(1e-3)) == pytest.approx(
        0.5, rel=1e-6
    )
    gs = jax.vmap(jax.grad(lambda p: jaxlrs.sgdr(p, 100)(150)))(jnp.array([1e-3, 1e-2]))
    np.testing.assert_allclose(np.asarray(gs), 0.5, rtol=1e-6)


def test_traced_boundaries_array():
    # A whole traced 1-D array of boundaries (not only traced elements).
    def f(b):
        return jaxlrs.piecewise_constant(b, [1.0, 0.5, 0.25])(STEPS)

    got = jax.jit(f)(jnp.array([4, 9]))
    want = jaxlrs.piecewise_constant([4, 9], [1.0, 0.5, 0.25])(STEPS)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    got = jax.vmap(f)(jnp.array([[4, 9], [5, 20]]))
    np.testing.assert_array_equal(
        np.asarray(got[1]), np.asarray(jaxlrs.piecewise_constant([5, 20], [1.0, 0.5, 0.25])(STEPS))
    )
