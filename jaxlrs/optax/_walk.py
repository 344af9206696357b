"""Finding hyperparameter states anywhere in an optimizer state, and naming their values.

The walk is generic: any pytree (Optax's NamedTuple states, dicts, lists, tuples) is
flattened down to the states that hold hyperparameters (:class:`InjectState`, Optax's
``inject_hyperparams`` states), which are visited, their inner states too. Only
``optax.multi_transform``'s state is special: each of its groups is walked under its
label, which prefixes the keys (``"<label>/learning_rate"``; nested groups
``"<outer>/<inner>/learning_rate"``).

Keys: a hyperparameter's name, after its group labels. Where two states give one key
(``optax.chain(inject(...), inject(...))``), each of those keys instead carries the path of
its state from its group (or the root), ``/``-joined: ``"0/learning_rate"`` and
``"1/learning_rate"`` in a chain, ``"<name>/learning_rate"`` in a ``named_chain``,
``"inner_opt_state/..."`` under ``MultiSteps``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import optax

from ._inject import InjectState

_OPTAX_INJECT = (
    optax.InjectStatefulHyperparamsState,
    optax.InjectHyperparamsState,
)


def _is_hyperparameter_state(x: Any) -> bool:
    return isinstance(x, (InjectState, *_OPTAX_INJECT))


def _is_special(x: Any) -> bool:
    return _is_hyperparameter_state(x) or isinstance(x, optax.MultiTransformState)


def _key_name(k: Any) -> str:
    for attr in ("name", "key", "idx"):
        if hasattr(k, attr):
            return str(getattr(k, attr))
    return str(k)


class Found(NamedTuple):
    """A hyperparameter state, where it was found."""

    groups: tuple[str, ...]  # the labels of the multi_transform groups around it
    path: tuple[str, ...]  # its path from the innermost group (or the root)
    state: Any


def visit(tree: Any, fn: Callable[[Found], Any]) -> Any:
    """``tree`` with every hyperparameter state ``s`` replaced by ``fn(Found(..., s))``
    (after its inner state was visited), in a deterministic order."""
    return _visit(tree, (), (), fn)


def _visit(node: Any, groups: tuple[str, ...], path: tuple[str, ...], fn: Callable) -> Any:
    if _is_hyperparameter_state(node):
        inner = _visit(node.inner_state, groups, (*path, "inner_state"), fn)
        return fn(Found(groups, path, node._replace(inner_state=inner)))
    if isinstance(node, optax.MultiTransformState):
        inner_states = {
            label: _visit(s, (*groups, str(label)), (), fn)
            for label, s in node.inner_states.items()
        }
        return node._replace(inner_states=inner_states)
    pairs, treedef = jax.tree_util.tree_flatten_with_path(node, is_leaf=_is_special)
    if not any(_is_special(x) for _, x in pairs):
        return node
    leaves = [
        _visit(x, groups, (*path, *map(_key_name, p)), fn) if _is_special(x) else x
        for p, x in pairs
    ]
    return jax.tree_util.tree_unflatten(treedef, leaves)


def names(found: Found) -> list[str]:
    """The names of the hyperparameters a state reports (its values)."""
    state = found.state
    if isinstance(state, InjectState):
        return list(state.values)
    return list(state.hyperparams)


def keys(entries: list[Found]) -> list[dict[str, str]]:
    """For each entry, ``{name: key}`` (see the module docstring)."""
    plain = ["/".join((*e.groups, n)) for e in entries for n in names(e)]
    taken = Counter(plain)
    out = []
    for e in entries:
        out.append(
            {
                n: "/".join((*e.groups, n))
                if taken["/".join((*e.groups, n))] == 1
                else "/".join((*e.groups, *e.path, n))
                for n in names(e)
            }
        )
    return out


def collect(tree: Any) -> list[Found]:
    """Every hyperparameter state in ``tree``, in the order :func:`visit` visits them."""
    entries: list[Found] = []

    def record(found: Found) -> Any:
        entries.append(found)
        return found.state

    visit(tree, record)
    return entries
