"""to_dict / from_dict: an exact JSON round trip for every constructor; pickling."""

import json
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _strategies import schedules
from examples_table import cases, function_cases
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlrs
from jaxlrs._fraction import Fraction
from jaxlrs._schedule import Schedule, kinds

CASES = cases()


def _value_matches(d, v):
    """A JSON value mirrors a parameter value: lists for tuples (nested too, as the pairs
    of ``compat.optax.piecewise_constant_schedule``), the same type for numbers."""
    if isinstance(v, Schedule):
        _leaves_match(d, v)
    elif isinstance(v, Fraction):  # a duration as a fraction of the total: {"fraction": r}
        assert d == {"fraction": v.r} and type(d["fraction"]) is type(v.r)
    elif isinstance(v, tuple):
        assert isinstance(d, list) and len(d) == len(v)
        for x, y in zip(d, v, strict=True):
            _value_matches(x, y)
    else:
        assert type(d) is type(v) and d == v


def _leaves_match(data, s):
    """The JSON node mirrors the schedule: every parameter, each value of the same type."""
    assert data["name"] == s.name
    assert list(data["args"]) == list(kinds()[s.name].signature.parameters)
    for key, v in s.args.items():
        _value_matches(data["args"][key], v)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_json_round_trip(case):
    s = case.build()
    data = jaxlrs.to_dict(s)
    assert data["format"] == "jaxlrs" and data["version"] == 1
    text = json.dumps(data, allow_nan=False)
    back = jaxlrs.from_dict(json.loads(text))
    assert back == s
    assert repr(back) == repr(s)
    _leaves_match(json.loads(text)["schedule"], s)


@pytest.mark.parametrize("case", CASES + function_cases(), ids=repr)
def test_pickle_round_trip(case):
    s = case.build()
    back = pickle.loads(pickle.dumps(s))
    assert back == s and hash(back) == hash(s) and repr(back) == repr(s)


@pytest.mark.parametrize("case", function_cases(), ids=repr)
def test_function_kinds_do_not_serialise(case):
    s = case.build()
    with pytest.raises(ValueError, match="wraps a Python function"):
        jaxlrs.to_dict(jaxlrs.warmup(s, 10))
    node = {"name": s.name, "args": {}}
    with pytest.raises(ValueError, match="wraps a Python function"):
        jaxlrs.from_dict({"format": "jaxlrs", "version": 1, "schedule": node})


def test_unpickled_schedules_evaluate_the_same():
    s = jaxlrs.sgdr(1.0, 100, period_mult=2, decay=0.5, end=0.1, warmup=10, limit=4)
    back = pickle.loads(pickle.dumps(s))
    steps = np.arange(0, 3_000, 7)
    np.testing.assert_array_equal(np.asarray(back(steps)), np.asarray(s(steps)))


def test_defaults_may_be_left_out():
    data = {
        "format": "jaxlrs",
        "version": 1,
        "schedule": {
            "name": "minimum",
            "args": {
                "schedules": [
                    {"name": "cosine", "args": {"init": 1.0, "steps": 10, "k": 2.0}},
                    0.5,
                ]
            },
        },
    }
    assert jaxlrs.from_dict(data) == jaxlrs.minimum(jaxlrs.cosine(1.0, 10, k=2.0), 0.5)


def test_array_leaves_serialise_as_numbers():
    s = jax.tree_util.tree_map(jnp.asarray, jaxlrs.cosine(0.5, 10, end=0.25))
    data = jaxlrs.to_dict(s)
    assert data["schedule"]["args"]["init"] == 0.5
    assert jaxlrs.from_dict(json.loads(json.dumps(data))) == s


def test_traced_leaves_are_refused():
    def f(peak):
        jaxlrs.to_dict(jaxlrs.cosine(peak, 10))
        return peak

    with pytest.raises(ValueError, match=r"schedule.init is a traced value"):
        jax.jit(f)(1.0)


def _wrap(node, **top):
    return {"format": "jaxlrs", "version": 1, "schedule": node, **top}


COSINE = {"name": "cosine", "args": {"init": 1.0, "steps": 10}}

BAD = {
    "not_a_dict": ("cosine(1.0, 10)", TypeError, "data must be a dict"),
    "format": ({"format": "optax", "version": 1, "schedule": COSINE}, ValueError,
               "data\\['format'\\] must be 'jaxlrs', got 'optax'"),
    "no_version": ({"format": "jaxlrs", "schedule": COSINE}, ValueError,
                   "data\\['version'\\] must be 1, got None"),
    "newer": (_wrap(COSINE, version=2), ValueError, "is 2, written by a newer jaxlrs"),
    "extra_key": (_wrap(COSINE, comment="x"), ValueError, "unknown top-level keys \\['comment'\\]"),
    "no_schedule": ({"format": "jaxlrs", "version": 1}, ValueError, "has no 'schedule'"),
    "unknown_name": (_wrap({"name": "cosinus", "args": {}}), ValueError,
                     "schedule.name: 'cosinus' is not a jaxlrs constructor"),
    "unknown_param": (_wrap({"name": "cosine", "args": {"init": 1.0, "steps": 10, "x": 1}}),
                      ValueError, "cosine\\(\\) has no parameter 'x' \\(parameters: init, steps"),
    "missing_param": (_wrap({"name": "cosine", "args": {"init": 1.0}}), ValueError,
                      "schedule: .*missing 1 required positional argument: 'steps'"),
    "bad_value": (_wrap({"name": "warmup", "args": {"schedule": COSINE, "steps": -1}}),
                  ValueError, "schedule: warmup\\(\\): steps must be a non-negative integer"),
    "nested_bad": (_wrap({"name": "warmup", "args": {
                       "schedule": {"name": "cosine", "args": {"init": "1", "steps": 10}},
                       "steps": 5}}),
                   ValueError, "schedule.args.schedule: cosine\\(\\): init must be a finite"),
    "bad_node_keys": (_wrap({"name": "cosine", "args": {}, "extra": 1}), ValueError,
                      "exactly the keys 'name' and 'args'"),
    "args_not_object": (_wrap({"name": "cosine", "args": [1.0, 10]}), ValueError,
                        "schedule.args must be an object"),
    "bad_leaf": (_wrap({"name": "constant", "args": {"value": {1.0}}}), ValueError,
                 "schedule.args.value must be a number"),
    "variadic_not_list": (_wrap({"name": "minimum", "args": {"schedules": 1.0}}), ValueError,
                          "schedule.args.schedules must be a list"),
}  # fmt: skip


@pytest.mark.parametrize("data, error, message", BAD.values(), ids=BAD.keys())
def test_bad_input_is_refused_clearly(data, error, message):
    with pytest.raises(error, match=message):
        jaxlrs.from_dict(data)


def test_deep_nesting_is_refused():
    node = COSINE
    for _ in range(150):
        node = {"name": "shift", "args": {"schedule": node, "steps": 1}}
    with pytest.raises(ValueError, match="nesting deeper than 100"):
        jaxlrs.from_dict(_wrap(node))


def test_to_dict_refuses_non_schedules():
    with pytest.raises(TypeError, match="schedule must be a jaxlrs Schedule"):
        jaxlrs.to_dict(lambda t: t)


def test_optional_function_arguments_are_refused_where_they_appear():
    from examples_table import halve

    cyclic = pytest.importorskip("jaxlrs.compat.torch").CyclicLR
    s = cyclic(0.1, 1.0, step_size_up=4, scale_fn=halve)
    with pytest.raises(ValueError, match=r"schedule.scale_fn is a Python function"):
        jaxlrs.to_dict(s)
    with pytest.raises(ValueError, match="attribute access is not allowed"):
        jaxlrs.parse(repr(s))
    assert jaxlrs.parse(repr(cyclic(0.1, 1.0, step_size_up=4))) == cyclic(0.1, 1.0, step_size_up=4)


@settings(max_examples=80, deadline=None)
@given(schedules())
def test_generated_schedules_round_trip_through_json(s):
    text = json.dumps(jaxlrs.to_dict(s))
    back = jaxlrs.from_dict(json.loads(text))
    assert back == s and repr(back) == repr(s)
    _leaves_match(jaxlrs.to_dict(back)["schedule"], s)


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.integers(2**31, 2**70), st.integers(10**300, 10**400)), st.booleans())
def test_huge_numbers_are_the_constructors_decision(n, negative):
    # Like parse: integers of any size reach the constructor exactly; what it refuses
    # (OverflowError included) is a ValueError naming the path, never another exception.
    n = -n if negative else n
    for node in ({"name": "constant", "args": {"value": n}},
                 {"name": "linear", "args": {"init": 1.0, "end": 0.0, "steps": n}}):  # fmt: skip
        data = json.loads(json.dumps(_wrap(node)))
        try:
            s = kinds()[node["name"]].constructor(**node["args"])
        except (TypeError, ValueError, OverflowError):
            with pytest.raises(ValueError, match=r"^from_dict\(\): schedule: "):
                jaxlrs.from_dict(data)
            continue
        assert jaxlrs.from_dict(data) == s
