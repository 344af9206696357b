"""``set_schedules``: other schedules of the same structure in an optimizer state."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .._held import Held, hold
from .._schedule import Schedule
from . import _walk
from ._inject import InjectState, _float_dtype, _is_float_number, _strong


def _aval(tree: Any) -> Any:
    return [(jnp.shape(x), jnp.result_type(x)) for x in jax.tree.leaves(tree)]


class _Placeholder:
    """A leaf that prints as its kind (``float``, ``int``, ``int32[2]``)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _array(a: Any) -> _Placeholder:
    return _Placeholder(f"{jnp.result_type(a).name}{list(jnp.shape(a))}")


def _structure(held: Held) -> str:
    """The structure as an expression with each leaf shown as its kind, e.g.
    ``join([linear(float, float, int), cosine(float, int, ...)], int32[1])``."""
    if held.structure[0] == "packed":
        _, treedef, kinds = held.structure
        arrays = iter(jax.tree.leaves(held.args[-1]))
        kind = {"f": "float", "i": "int"}
        leaves = [_Placeholder(kind[k]) if k in kind else _array(next(arrays)) for k in kinds]
    else:
        _, treedef = held.structure
        leaves = [_array(a) for a in held.args]
    try:
        return repr(jax.tree_util.tree_unflatten(treedef, leaves))
    except Exception:  # a constructor whose repr needs numbers: name and leaves instead
        return f"{held.schedule_structure()} with leaves {_aval(held)}"


def _replacement(key: str, state: InjectState, name: str, new: Any) -> tuple[str, Any]:
    """``("schedule" | "number", replacement)`` for hyperparameter ``name`` of ``state``."""
    if name in state.controllers:
        raise ValueError(
            f"set_schedules(): {key} is a controller; set_schedules replaces schedules "
            "and numbers only (build a new optimizer state to change a controller)"
        )
    if name in state.schedules:
        old = state.schedules[name]
        if not isinstance(new, Schedule):
            raise ValueError(
                f"set_schedules(): {key} is a schedule of structure {_structure(old)}, "
                f"and must be replaced by a jaxlrs Schedule of the same structure, got "
                f"{new!r}"
            )
        held = jax.tree.map(_strong, hold(new))
        same = jax.tree.structure(held) == jax.tree.structure(old)  # type: ignore[operator]
        if not same or _aval(held) != _aval(old):
            before, after = _structure(old), _structure(held)
            if before == after:  # same expression, other leaf shapes (a stacked state)
                before, after = f"{before} {_aval(old)}", f"{after} {_aval(held)}"
            raise ValueError(
                f"set_schedules(): {key} must keep its structure (the same constructors, "
                "options, number of knots or pieces, ints where ints were), so that a "
                f"jitted step does not retrace: the state holds {before}, got {after} "
                f"(from {new!r})"
            )
        return "schedule", held
    old_value = state.values[name]
    if not _is_float_number(new):
        raise ValueError(
            f"set_schedules(): {key} is a number in this state ({old_value}), and must be "
            f"replaced by a float number, got {new!r} (a schedule needs an optimizer "
            "built with a schedule there)"
        )
    value = _strong(jnp.asarray(new, _float_dtype()))
    if _aval(value) != _aval(old_value):
        raise ValueError(
            f"set_schedules(): {key} must keep its shape and dtype {_aval(old_value)}, "
            f"got {_aval(value)}"
        )
    return "number", value


def set_schedules(opt_state: Any, **schedules: Any) -> Any:
    """``opt_state`` with the named hyperparameters replaced, structure kept.

    Each keyword names a hyperparameter as :func:`current` names it
    (``learning_rate``; ``"<label>/learning_rate"`` inside ``optax.multi_transform``, so
    pass those as ``**{"decay/learning_rate": s}``). A schedule is replaced by a
    :class:`jaxlrs.Schedule` of the same structure (the same constructors and options,
    the same number of knots, ints where there were ints, floats where there were floats:
    ``Held.schedule_structure``), a float number held by :func:`inject` by another float
    number. The new state has the treedef and leaf shapes and dtypes of the old one, so a
    jitted step that closes over the transformation runs on without a retrace.

    The next update (count ``k``) uses the new schedule's value at ``k``: the count is
    kept, the schedule is not restarted (``jaxlrs.shift(s, k)`` starts one at ``k``). The
    values the last update used stay as they were, except before any update (count 0),
    where they become those the first update will use.

    Args:
      opt_state: an optimizer state holding :func:`inject` states, anywhere in its tree.
      **schedules: ``key=schedule`` (or ``key=number``).

    Returns:
      The new optimizer state (the old one is not changed).

    Raises:
      ValueError: a key names no hyperparameter, names a controller, or the structure
        differs (the message shows both structures); the state holds no ``inject`` state.

    Example:
      >>> import jax, jax.numpy as jnp, optax, jaxlrs, jaxlrs.optax
      >>> tx = jaxlrs.optax.inject(optax.sgd, learning_rate=jaxlrs.cosine(0.1, 100))
      >>> state = tx.init(jnp.zeros(2))
      >>> state = jaxlrs.optax.set_schedules(state, learning_rate=jaxlrs.cosine(0.3, 50))
      >>> jaxlrs.optax.current(state)
      {'learning_rate': Array(0.3, dtype=float32)}
      >>> jaxlrs.optax.set_schedules(state, learning_rate=jaxlrs.linear(0.3, 0.0, 50))
      ... # doctest: +ELLIPSIS
      Traceback (most recent call last):
      ValueError: set_schedules(): learning_rate must keep its structure ... the state holds
      cosine(float, int, end=float, exponent=float, k=float), got linear(float, float, int)
      (from linear(0.3, 0.0, 50))
    """
    entries = [e for e in _walk.collect(opt_state) if isinstance(e.state, InjectState)]
    if not entries:
        raise ValueError(
            "set_schedules(): the optimizer state holds no jaxlrs.optax.inject state "
            "(build the optimizer with jaxlrs.optax.inject(factory, learning_rate=schedule)"
            f"), got a state of type {type(opt_state).__name__}"
        )
    where: dict[str, tuple[int, str]] = {}
    for i, keys in enumerate(_walk.keys(entries)):
        for name, key in keys.items():
            where[key] = (i, name)
    unknown = [k for k in schedules if k not in where]
    if unknown:
        raise ValueError(
            f"set_schedules(): the state has no hyperparameter {', '.join(map(repr, unknown))}; "
            f"it has {', '.join(map(repr, sorted(where)))}"
        )
    changes: dict[int, dict[str, tuple[str, Any]]] = {}
    for key, new in schedules.items():
        i, name = where[key]
        changes.setdefault(i, {})[name] = _replacement(key, entries[i].state, name, new)

    order = iter(range(len(entries)))  # visit() meets the states in collect()'s order

    def replace(found: _walk.Found) -> Any:
        state = found.state
        if not isinstance(state, InjectState):
            return state
        i = next(order)
        held = dict(state.schedules)
        values = dict(state.values)
        for name, (kind, new) in changes.get(i, {}).items():
            if kind == "schedule":
                held[name] = new
                first = _strong(jnp.asarray(new(jnp.zeros([], jnp.int32)), _float_dtype()))
                values[name] = jnp.where(state.count == 0, first, values[name])
            else:
                values[name] = new
        return state._replace(schedules=held, values=values)

    return _walk.visit(opt_state, replace)
