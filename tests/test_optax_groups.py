"""jaxlrs.optax.groups (issue 9, item 5): parameter groups chosen by regular expressions
on pytree paths. Oracle: each group trains exactly as ``inject(factory, **group's
hyperparameters)`` (or plain Optax) on that group's parameters alone; the assignment
equals a pure-Python first-match over independently written paths (generated trees and
pattern sets); frozen parameters get zero updates and no state."""

from __future__ import annotations

import re
from typing import Any

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlrs
from jaxlrs.compat.torch import ReduceLROnPlateau
from jaxlrs.optax import Group, assign, current, groups, inject, set_schedules


@pytest.fixture(autouse=True)
def _standard_promotion():
    with jax.numpy_dtype_promotion("standard"):  # Adam's bias correction mixes int32
        yield


# -- helpers ------------------------------------------------------------------------------


def _text(k: Any) -> str:
    """A path key as the documented format writes it (written here independently)."""
    if hasattr(k, "key"):
        return str(k.key)
    if hasattr(k, "name"):
        return k.name
    return str(k.idx)


def _flat(tree: Any) -> dict[str, Any]:
    """``{path: leaf}``; a trailing NNX ``value`` attribute is not part of the path."""
    out = {}
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        keys = [_text(k) for k in path]
        if keys[-1] == "value" and len(keys) > 1 and type(path[-1]).__name__ == "GetAttrKey":
            keys = keys[:-1]
        out["/".join(keys)] = leaf
    return out


def _first_match(rules: list[tuple[str, str]], paths: list[str]) -> dict[str, str]:
    """The documented rule: the first ``(name, pattern)`` that re.search-es, else default."""
    out = {}
    for p in paths:
        out[p] = "default"
        for name, pattern in rules:
            if re.search(pattern, p):
                out[p] = name
                break
    return out


def _grads(params: Any, n: int, seed: int = 0) -> list[Any]:
    leaves, treedef = jax.tree.flatten(params)
    keys = jax.random.split(jax.random.key(seed), n * len(leaves)).reshape(n, len(leaves))
    return [
        jax.tree.unflatten(
            treedef,
            [jax.random.normal(k, x.shape, x.dtype) for k, x in zip(ks, leaves, strict=True)],
        )
        for ks in keys
    ]


def _train(tx: Any, params: Any, grads: list[Any], **extra: Any) -> tuple[list[Any], Any]:
    """Each jitted update's updates (as ``{path: leaf}``) and the final state; params are
    updated as a training loop would."""
    step = jax.jit(lambda g, s, p, **kw: tx.update(g, s, p, **kw))
    state, out = tx.init(params), []
    for i, g in enumerate(grads):
        kw = {k: v[i] for k, v in extra.items()}
        updates, state = step(g, state, params, **kw)
        params = optax.apply_updates(params, updates)
        out.append(_flat(updates))
    return out, state


def _alone(tx: Any, params: Any, grads: list[Any], paths: list[str], **extra: Any) -> list[Any]:
    """``tx`` trained on the parameters at ``paths`` alone (a flat dict)."""
    sub = {p: _flat(params)[p] for p in paths}
    sub_grads = [{p: _flat(g)[p] for p in paths} for g in grads]
    return _train(tx, sub, sub_grads, **extra)[0]


def _assert_groups_match_alone(tx, params, grads, expected, per_group, **extra):
    """Every group's updates are bitwise those of its oracle transformation alone."""
    updates, state = _train(tx, params, grads, **extra)
    for name, oracle in per_group.items():
        paths = [p for p, g in expected.items() if g == name]
        assert paths, name
        want = _alone(oracle, params, grads, paths, **extra)
        for k, (u, w) in enumerate(zip(updates, want, strict=True)):
            for p in paths:
                np.testing.assert_array_equal(u[p], w[p], err_msg=f"{name} {p} update {k}")
    return updates, state


# -- Flax-shaped nested dicts -------------------------------------------------------------

FLAX = {
    "params": {
        "Embed_0": {"embedding": jnp.ones((7, 5))},  # a shape no other leaf has
        "Dense_0": {"kernel": jnp.full((5, 4), 0.5), "bias": jnp.zeros(4)},
        "LayerNorm_0": {"scale": jnp.ones(4), "bias": jnp.zeros(4)},
        "head": {"kernel": jnp.full((4, 3), -0.2), "bias": jnp.full(3, 0.1)},
    }
}
BASE_LR = jaxlrs.warmup_cosine(1e-2, 2, 10)
HEAD_SCALE = jaxlrs.linear(1.0, 10.0, 5)
FLAX_RULES = [
    ("frozen", r"^params/Embed_0/"),
    ("no_decay", r"(bias|scale)$"),
    ("head", r"^params/head/"),  # head/bias went to no_decay already: first match wins
]


def _flax_groups():
    return [
        Group("frozen", FLAX_RULES[0][1], frozen=True),
        Group("no_decay", FLAX_RULES[1][1], weight_decay=0.0),
        Group("head", FLAX_RULES[2][1], lr_scale=HEAD_SCALE),
    ]


def test_flax_dicts_each_group_trains_as_inject_alone():
    tx = groups(optax.adamw, _flax_groups(), learning_rate=BASE_LR, weight_decay=0.1)
    expected = _first_match(FLAX_RULES, list(_flat(FLAX)))
    assert dict(assign(_flax_groups(), FLAX)) == expected
    assert expected["params/head/bias"] == "no_decay"
    assert expected["params/Dense_0/kernel"] == "default"
    per_group = {
        "default": inject(optax.adamw, learning_rate=BASE_LR, weight_decay=0.1),
        "no_decay": inject(optax.adamw, learning_rate=BASE_LR, weight_decay=0.0),
        "head": inject(optax.adamw, learning_rate=BASE_LR * HEAD_SCALE, weight_decay=0.1),
    }
    grads = _grads(FLAX, 4)
    updates, state = _assert_groups_match_alone(tx, FLAX, grads, expected, per_group)
    # frozen: zero updates, and no moments anywhere in the state (no leaf of its shape)
    for u in updates:
        np.testing.assert_array_equal(u["params/Embed_0/embedding"], np.zeros((7, 5)))
    assert all(np.shape(x) != (7, 5) for x in jax.tree.leaves(state))


def test_scaled_rate_is_base_times_multiplier_as_plain_optax():
    """The head's rate is base(k) * m(k) (float32), and it trains as plain Optax with that
    rate as a function (to float32 rounding: another program)."""
    tx = groups(optax.adamw, _flax_groups(), learning_rate=BASE_LR, weight_decay=0.1)
    grads = _grads(FLAX, 4)
    params, state = FLAX, tx.init(FLAX)
    step = jax.jit(tx.update)
    for k, g in enumerate(grads):
        updates, state = step(g, state, params)
        params = optax.apply_updates(params, updates)
        want = np.float32(BASE_LR(k)) * np.float32(HEAD_SCALE(k))
        assert current(state)["head/learning_rate"] == want
    plain = optax.adamw(lambda c: BASE_LR(c) * HEAD_SCALE(c), weight_decay=0.1)
    sub = {"k": FLAX["params"]["head"]["kernel"]}
    want_params, s = sub, plain.init(sub)
    for g in grads:
        u, s = plain.update({"k": g["params"]["head"]["kernel"]}, s, want_params)
        want_params = optax.apply_updates(want_params, u)
    np.testing.assert_allclose(
        params["params"]["head"]["kernel"], want_params["k"], rtol=1e-6, atol=1e-7
    )


def test_current_reports_each_group_with_parameters():
    tx = groups(optax.adamw, _flax_groups(), learning_rate=BASE_LR, weight_decay=0.1)
    state = tx.init(FLAX)
    got = current(state)
    assert set(got) == {
        f"{g}/{h}"
        for g in ("default", "no_decay", "head")
        for h in ("learning_rate", "weight_decay")
    }  # frozen reports nothing
    assert got["no_decay/weight_decay"] == 0.0 and got["default/weight_decay"] == np.float32(0.1)
    assert got["head/learning_rate"] == np.float32(BASE_LR(0)) * np.float32(HEAD_SCALE(0))


def test_default_group_absent_when_every_parameter_matched():
    tx = groups(optax.sgd, [Group("all", r".")], learning_rate=0.1)
    assert list(current(tx.init(FLAX))) == ["all/learning_rate"]
    tx = groups(optax.sgd, [Group("head", r"^params/head/")], learning_rate=0.1)
    assert list(current(tx.init(FLAX))) == ["default/learning_rate", "head/learning_rate"]


def test_numbers_multiply_to_a_number_and_rules_without_hyperparameters_keep_the_base():
    rules = [Group("keep", r"^params/head/"), Group("fast", r"^params/Dense_0/", lr_scale=4)]
    tx = groups(optax.sgd, rules, learning_rate=0.25, momentum=0.5)
    expected = _first_match(
        [("keep", r"^params/head/"), ("fast", r"^params/Dense_0/")], list(_flat(FLAX))
    )
    per_group = {
        "default": inject(optax.sgd, learning_rate=0.25, momentum=0.5),
        "keep": inject(optax.sgd, learning_rate=0.25, momentum=0.5),
        "fast": inject(optax.sgd, learning_rate=1.0, momentum=0.5),
    }
    _assert_groups_match_alone(tx, FLAX, _grads(FLAX, 3), expected, per_group)


# -- set_schedules on group keys ----------------------------------------------------------


def test_set_schedules_on_a_group_key_does_not_retrace():
    rules = [Group("head", r"^params/head/", learning_rate=jaxlrs.cosine(0.1, 20))]
    tx = groups(optax.sgd, rules, learning_rate=jaxlrs.cosine(0.01, 20))

    @jax.jit
    @chex.assert_max_traces(n=1)
    def step(g, s, p):
        return tx.update(g, s, p)

    chex.clear_trace_counter()
    grads = _grads(FLAX, 4)
    state = tx.init(FLAX)
    _, state = step(grads[0], state, FLAX)
    state = set_schedules(
        state,
        **{
            "head/learning_rate": jaxlrs.cosine(0.5, 10),
            "default/learning_rate": jaxlrs.cosine(0.2, 10),
        },
    )
    updates, state = step(grads[1], state, FLAX)
    got = current(state)
    assert got["head/learning_rate"] == jaxlrs.cosine(0.5, 10)(1)
    assert got["default/learning_rate"] == jaxlrs.cosine(0.2, 10)(1)
    head = np.float32(jaxlrs.cosine(0.5, 10)(1))
    np.testing.assert_array_equal(
        updates["params"]["head"]["bias"], -head * grads[1]["params"]["head"]["bias"]
    )
    with pytest.raises(ValueError, match="must keep its structure"):
        set_schedules(state, **{"head/learning_rate": jaxlrs.linear(0.1, 0.0, 5)})


# -- a plateau controller in a group ------------------------------------------------------


def test_plateau_controller_in_a_group_follows_value_through_multi_transform():
    plateau = ReduceLROnPlateau(0.1, patience=1)
    rules = [Group("head", r"^params/head/", learning_rate=plateau)]
    tx = groups(optax.sgd, rules, learning_rate=0.01)
    metrics = jnp.asarray([1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9], jnp.float32)
    grads = _grads(FLAX, len(metrics))
    expected = _first_match([("head", r"^params/head/")], list(_flat(FLAX)))
    per_group = {
        "head": inject(optax.sgd, learning_rate=plateau),
        "default": inject(optax.sgd, learning_rate=0.01),
    }
    _, state = _assert_groups_match_alone(tx, FLAX, grads, expected, per_group, value=metrics)
    assert current(state)["head/learning_rate"] == np.float32(0.1 * 0.1**2)  # reduced twice
    with pytest.raises(ValueError, match="value=metric"):
        tx.update(grads[0], tx.init(FLAX), FLAX)


# -- Equinox and Flax NNX -----------------------------------------------------------------


def test_equinox_mlp_groups():
    eqx = pytest.importorskip("equinox")
    model = eqx.nn.MLP(3, 2, 4, 2, key=jax.random.key(0))
    params = eqx.filter(model, eqx.is_array)
    paths = list(_flat(params))
    assert paths == [f"layers/{i}/{w}" for i in range(3) for w in ("weight", "bias")]
    rules = [("no_decay", r"bias$"), ("last", r"^layers/2/")]
    tx = groups(
        optax.adamw,
        [
            Group("no_decay", rules[0][1], weight_decay=0.0),
            Group("last", rules[1][1], lr_scale=0.1),
        ],
        learning_rate=jaxlrs.cosine(1e-2, 10),
        weight_decay=0.05,
    )
    expected = _first_match(rules, paths)
    per_group = {
        "default": inject(optax.adamw, learning_rate=jaxlrs.cosine(1e-2, 10), weight_decay=0.05),
        "no_decay": inject(optax.adamw, learning_rate=jaxlrs.cosine(1e-2, 10), weight_decay=0.0),
        "last": inject(optax.adamw, learning_rate=jaxlrs.cosine(1e-2, 10) * 0.1, weight_decay=0.05),
    }
    _assert_groups_match_alone(tx, params, _grads(params, 4), expected, per_group)


def test_flax_nnx_model_in_nnx_optimizer():
    nnx = pytest.importorskip("flax.nnx")

    class Model(nnx.Module):
        def __init__(self, rngs):
            self.embed = nnx.Linear(3, 4, rngs=rngs)
            self.layers = nnx.List([nnx.Linear(4, 4, rngs=rngs), nnx.Linear(4, 2, rngs=rngs)])
            self.norm = nnx.LayerNorm(2, rngs=rngs)

    model = Model(nnx.Rngs(0))
    state = nnx.state(model, nnx.Param)
    rules = [("frozen", r"^embed/"), ("no_decay", r"(bias|scale)$"), ("head", r"^layers/1/")]
    got = dict(assign([Group(n, p) for n, p in rules], state))
    assert got == _first_match(rules, list(_flat(state)))
    assert "layers/1/kernel" in got and "norm/scale" in got  # no trailing "value"
    lrs = {"default": 0.1, "no_decay": 0.1, "head": 0.3}
    tx = groups(
        optax.sgd,
        [
            Group("frozen", rules[0][1], frozen=True),
            Group("no_decay", rules[1][1], momentum=0.0),
            Group("head", rules[2][1], lr_scale=3.0),
        ],
        learning_rate=0.1,
        momentum=0.0,
    )
    optimizer = nnx.Optimizer(model, tx, wrt=nnx.Param)
    before = {p: np.asarray(x) for p, x in _flat(nnx.state(model, nnx.Param)).items()}
    grads = jax.tree.map(jnp.ones_like, state)
    optimizer.update(model, grads)
    after = {p: np.asarray(x) for p, x in _flat(nnx.state(model, nnx.Param)).items()}
    for p, group in got.items():
        if group == "frozen":
            np.testing.assert_array_equal(after[p], before[p])
        else:
            want = before[p] - np.float32(lrs[group]) * np.ones_like(before[p])
            np.testing.assert_allclose(after[p], want, rtol=1e-6, err_msg=p)
    keys = set(current(optimizer.opt_state))
    assert keys == {f"{g}/{h}" for g in lrs for h in ("learning_rate", "momentum")}


# -- the assignment against a pure-Python oracle (generated trees and rules) --------------

NAMES = st.sampled_from(["a", "b", "bias", "kernel", "scale", "head", "x1"])
PATTERNS = st.sampled_from(
    ["^a/", "^a$", "bias$", "(bias|scale)$", "/0/", "^head", "kernel", "1", "^b/.*/x1$", "z", "."]
)


def _trees(depth: int) -> Any:
    leaf = st.just(0.0)
    if depth == 0:
        return leaf
    child = _trees(depth - 1)
    return st.one_of(
        leaf,
        st.dictionaries(NAMES, child, min_size=1, max_size=3),
        st.lists(child, min_size=1, max_size=3),
    )


def _paths(tree: Any, prefix: tuple[str, ...] = ()) -> list[str]:
    """Paths written by walking dicts (sorted keys, as JAX flattens) and lists."""
    if isinstance(tree, dict):
        return [p for k in sorted(tree) for p in _paths(tree[k], (*prefix, k))]
    if isinstance(tree, list):
        return [p for i, v in enumerate(tree) for p in _paths(v, (*prefix, str(i)))]
    return ["/".join(prefix)]


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(NAMES, _trees(3), min_size=1, max_size=4), st.lists(PATTERNS, max_size=4))
def test_assignment_is_first_match_over_paths(tree, patterns):
    tree = jax.tree.map(jnp.float32, tree)
    rules = [(f"g{i}", p) for i, p in enumerate(patterns)]
    paths = _paths(tree)
    group_list = [Group(n, p) for n, p in rules]
    unmatched = [n for n, p in rules if not any(re.search(p, q) for q in paths)]
    if unmatched:
        with pytest.raises(ValueError, match=f"group '{unmatched[0]}' .* matches no parameter"):
            assign(group_list, tree)
        with pytest.raises(ValueError, match=f"group '{unmatched[0]}' .* matches no parameter"):
            groups(optax.sgd, group_list, learning_rate=0.1).init(tree)
        return
    assert assign(group_list, tree) == list(_first_match(rules, paths).items())
    # the transformation's own labels: an update of 1 per group scale shows the group
    scales = {n: float(2 + i) for i, (n, _) in enumerate(rules)}
    tx = groups(
        optax.sgd,
        [Group(n, p, lr_scale=scales[n]) for n, p in rules],
        learning_rate=-1.0,
    )
    updates, _ = tx.update(jax.tree.map(jnp.ones_like, tree), tx.init(tree), tree)
    labels = _first_match(rules, paths)
    got = [float(u) for u in jax.tree.leaves(updates)]
    assert got == [scales.get(labels[p], 1.0) for p in paths]


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Group("", "a"), ValueError, "Group\\(\\): name must be a non-empty string"),
        (lambda: Group("a/b", "a"), ValueError, "without '/'.*got 'a/b'"),
        (lambda: Group("default", "a"), ValueError, "other than 'default'"),
        (lambda: Group(3, "a"), ValueError, "got 3"),
        (lambda: Group("x", "(bias"), ValueError, "pattern of group 'x' is not a regular"),
        (lambda: Group("x", 3), TypeError, "pattern of group 'x' must be a string"),
        (lambda: Group("x", "a", lr_scale="big"), TypeError, "lr_scale of group 'x' must be"),
        (lambda: Group("x", "a", lr_scale=True), TypeError, "lr_scale of group 'x'"),
        (lambda: Group("x", "a", lr_scale=2.0, learning_rate=0.1), ValueError, "both lr_scale"),
        (
            lambda: Group("x", "a", frozen=True, weight_decay=0.0),
            ValueError,
            "frozen.*weight_decay",
        ),
        (lambda: Group("x", "a", frozen=1), TypeError, "frozen of group 'x' must be a bool"),
        (
            lambda: groups(optax.sgd, [Group("x", "a", weight_decay=0.0)], learning_rate=0.1),
            TypeError,
            "group 'x' sets 'weight_decay', which sgd\\(\\) does not take",
        ),
        (
            lambda: groups(optax.sgd, [Group("x", "a"), Group("x", "b")], learning_rate=0.1),
            ValueError,
            "two groups are named 'x'",
        ),
        (
            lambda: groups(optax.sgd, Group("x", "a"), learning_rate=0.1),
            TypeError,
            "groups must be a list",
        ),
        (
            lambda: groups(optax.sgd, ["a"], learning_rate=0.1),
            TypeError,
            "every group must be a jaxlrs.optax.Group, got 'a'",
        ),
        (
            lambda: groups(
                lambda learning_rate=0.1: optax.sgd(learning_rate), [Group("x", "a", lr_scale=2.0)]
            ),
            ValueError,
            "group 'x' scales the learning rate .* no learning_rate",
        ),
        (
            lambda: groups(
                optax.sgd, [Group("x", "a", lr_scale=2.0)], learning_rate=ReduceLROnPlateau(0.1)
            ),
            TypeError,
            "group 'x' scales the learning rate.*got a controller",
        ),
        (
            lambda: groups(
                optax.sgd,
                [Group("x", "a", lr_scale=2.0)],
                learning_rate=optax.constant_schedule(0.1),
            ),
            TypeError,
            "jaxlrs Schedule or a number.*from_fn",
        ),
    ],
)
def test_errors_name_the_rule(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_a_rule_matching_nothing_fails_at_init_listing_paths():
    tx = groups(
        optax.sgd, [Group("head", r"^params/head/"), Group("typo", r"^haed/")], learning_rate=0.1
    )
    with pytest.raises(
        ValueError,
        match=r"groups\(\): group 'typo' \(pattern '\^haed/'\) matches no parameter; "
        r"the 7 parameter paths are 'params/Dense_0/bias', .*, \.\.\.",
    ):
        tx.init(FLAX)


def test_vmap_sweep_over_stacked_group_states():
    """States of one structure (other peaks) stack; one vmapped program trains them all,
    each group at its own rate (a number base times a schedule multiplier too)."""
    warm = jaxlrs.linear(0.0, 1.0, 4)

    def make(peak):
        rules = [Group("head", r"^params/head/", lr_scale=warm)]
        return groups(optax.sgd, rules, learning_rate=peak)

    peaks = [0.1, 0.2, 0.4]
    states = jax.tree.map(lambda *x: jnp.stack(x), *[make(p).init(FLAX) for p in peaks])
    tx = make(peaks[0])
    grads = jax.tree.map(jnp.ones_like, FLAX)
    step = jax.jit(jax.vmap(lambda s: tx.update(grads, s, FLAX)))
    for _ in range(3):
        updates, states = step(states)
    got = current(states)
    want = np.asarray([np.float32(p) * np.float32(warm(2)) for p in peaks])
    np.testing.assert_array_equal(got["head/learning_rate"], want)
    np.testing.assert_array_equal(got["default/learning_rate"], np.float32(peaks))
    np.testing.assert_array_equal(updates["params"]["head"]["kernel"][:, 0, 0], -want)
