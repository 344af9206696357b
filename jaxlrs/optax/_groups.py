"""Parameter groups: regular expressions on parameter paths choose each parameter's
hyperparameters, on top of ``optax.multi_transform``.

A parameter's path is its pytree path (``jax.tree_util.tree_flatten_with_path``) with
each key written as text and joined by ``/``: a dict key as ``str(key)`` (so an int key
is decimal), an attribute as its name, a sequence index as decimal. A Flax NNX
``Variable`` is one leaf (its ``value`` attribute is not part of the path). So:

* Flax (linen) params ``{"params": {"Dense_0": {"kernel": ...}}}``: ``params/Dense_0/kernel``;
* a Flax NNX state (``nnx.state(model, nnx.Param)``, what ``nnx.Optimizer`` hands the
  transformation): ``layers/0/kernel``, ``norm/scale``;
* an Equinox module (``eqx.filter(model, eqx.is_array)``): ``layers/0/weight``.

The group of a parameter is the first rule whose pattern ``re.search``-es its path; a
parameter no rule matches is in the group ``"default"``.
"""

from __future__ import annotations

import inspect
import numbers
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np
import optax

from .._controller import Controller
from .._schedule import Schedule
from ._inject import _is_float_number, inject

DEFAULT = "default"


def _key_text(k: Any) -> str:
    if isinstance(k, jax.tree_util.DictKey):
        return str(k.key)
    if isinstance(k, jax.tree_util.GetAttrKey):
        return k.name
    if isinstance(k, jax.tree_util.SequenceKey):
        return str(k.idx)
    if isinstance(k, jax.tree_util.FlattenedIndexKey):
        return str(k.key)
    return str(k)


def _is_variable(x: Any) -> bool:
    """A Flax NNX Variable (checked only where Flax NNX is already imported)."""
    nnx = sys.modules.get("flax.nnx")
    return nnx is not None and isinstance(x, nnx.Variable)


def _flatten(tree: Any) -> tuple[list[str], Any]:
    pairs, treedef = jax.tree_util.tree_flatten_with_path(tree, is_leaf=_is_variable)
    return ["/".join(_key_text(k) for k in path) for path, _ in pairs], treedef


def _is_number(x: Any) -> bool:
    """A real number (not a bool): what a multiplier may be, besides a Schedule."""
    if isinstance(x, bool | np.bool_):
        return False
    return _is_float_number(x) or isinstance(x, numbers.Real)


def _describe(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


class Group:
    """A rule: the parameters whose path matches ``pattern`` and their hyperparameters.

    ``Group(name, pattern, lr_scale=m)``: the group's learning rate is the base's times
    ``m``, ``base(k) * m(k)`` at update ``k`` (``m`` a number or a :class:`jaxlrs.Schedule`;
    built with schedule arithmetic, ``base * m``, so it stays a schedule held in the
    optimizer state; two numbers give their product as a number).
    ``Group(name, pattern, weight_decay=0.0, ...)``: these hyperparameters replace the
    base's (any value :func:`jaxlrs.optax.inject` takes: a schedule, a number, a
    controller, anything passed through). ``Group(name, pattern, frozen=True)``: zero
    updates and no optimizer state (``optax.set_to_zero()``). With none of them, the
    group trains with the base hyperparameters (a rule that only keeps parameters out of
    later rules).

    Args:
      name: the group's label in ``optax.multi_transform`` and the prefix of its keys in
        :func:`jaxlrs.optax.current` (``"head/learning_rate"``): a non-empty string
        without ``/``, not ``"default"`` (the group of unmatched parameters).
      pattern: a regular expression (a string or compiled ``re.Pattern``), searched
        (``re.search``) in each parameter's ``/``-joined path: anchor it (``^head/``,
        ``(bias|scale)$``) to match a whole prefix or suffix.
      lr_scale: a multiplier on the base learning rate; not with ``learning_rate``.
      frozen: zero updates, no optimizer state; not with any hyperparameter.
      **hyperparameters: the group's own values (``lr_scale`` and ``frozen`` are not
        hyperparameter names here).

    Example:
      >>> import jaxlrs, jaxlrs.optax
      >>> jaxlrs.optax.Group("head", r"^head/", lr_scale=jaxlrs.linear(1.0, 10.0, 100))
      Group('head', '^head/', lr_scale=linear(1.0, 10.0, 100))
      >>> jaxlrs.optax.Group("bad", r"(bias")  # doctest: +ELLIPSIS
      Traceback (most recent call last):
      ValueError: Group(): the pattern of group 'bad' is not a regular expression: ...
    """

    __slots__ = ("frozen", "hyperparameters", "lr_scale", "name", "pattern", "regex")

    def __init__(
        self,
        name: str,
        pattern: str | re.Pattern[str],
        *,
        lr_scale: Any = None,
        frozen: bool = False,
        **hyperparameters: Any,
    ) -> None:
        if not isinstance(name, str) or not name or "/" in name or name == DEFAULT:
            raise ValueError(
                f"Group(): name must be a non-empty string without '/', other than "
                f"{DEFAULT!r} (the group of the parameters no rule matches), got {name!r}"
            )
        if isinstance(pattern, re.Pattern):
            regex = pattern
        elif isinstance(pattern, str):
            try:
                regex = re.compile(pattern)
            except re.error as e:
                raise ValueError(
                    f"Group(): the pattern of group {name!r} is not a regular expression: "
                    f"{pattern!r} ({e})"
                ) from None
        else:
            raise TypeError(
                f"Group(): the pattern of group {name!r} must be a string (a regular "
                f"expression) or a compiled re.Pattern, got {_describe(pattern)}"
            )
        if not isinstance(frozen, bool):
            raise TypeError(f"Group(): frozen of group {name!r} must be a bool, got {frozen!r}")
        if lr_scale is not None:
            if not (isinstance(lr_scale, Schedule) or _is_number(lr_scale)):
                raise TypeError(
                    f"Group(): lr_scale of group {name!r} must be a number or a jaxlrs "
                    f"Schedule, got {_describe(lr_scale)}"
                )
            if "learning_rate" in hyperparameters:
                raise ValueError(
                    f"Group(): group {name!r} gives both lr_scale and learning_rate: give "
                    "lr_scale (a multiplier on the base rate) or learning_rate (its own)"
                )
        if frozen and (lr_scale is not None or hyperparameters):
            given = ["lr_scale"] * (lr_scale is not None) + list(hyperparameters)
            raise ValueError(
                f"Group(): group {name!r} is frozen (no updates, no optimizer state), so it "
                f"takes no hyperparameters, got {', '.join(given)}"
            )
        self.name = name
        self.pattern = regex.pattern
        self.regex = regex
        self.lr_scale = lr_scale
        self.frozen = frozen
        self.hyperparameters = dict(hyperparameters)

    def __repr__(self) -> str:
        parts = [repr(self.name), repr(self.pattern)]
        if self.lr_scale is not None:
            parts.append(f"lr_scale={self.lr_scale!r}")
        if self.frozen:
            parts.append("frozen=True")
        parts += [f"{k}={v!r}" for k, v in self.hyperparameters.items()]
        return f"Group({', '.join(parts)})"


def _check_groups(fn: str, rules: Any) -> list[Group]:
    if isinstance(rules, Group) or not isinstance(rules, Sequence):
        raise TypeError(
            f"{fn}: groups must be a list of jaxlrs.optax.Group, got {_describe(rules)}"
        )
    rules = list(rules)
    for g in rules:
        if not isinstance(g, Group):
            raise TypeError(f"{fn}: every group must be a jaxlrs.optax.Group, got {_describe(g)}")
    seen: set[str] = set()
    for g in rules:
        if g.name in seen:
            raise ValueError(f"{fn}: two groups are named {g.name!r}; group names must be unique")
        seen.add(g.name)
    return rules


def _match(rules: list[Group], paths: list[str], fn: str, check: bool = True) -> list[str]:
    """Each path's group (first match wins; else ``DEFAULT``); with ``check``, a rule
    matching no path is an error."""
    labels = [next((g.name for g in rules if g.regex.search(p)), DEFAULT) for p in paths]
    for g in rules if check else ():
        if not any(g.regex.search(p) for p in paths):
            shown = ", ".join(repr(p) for p in paths[:6]) + (", ..." if len(paths) > 6 else "")
            raise ValueError(
                f"{fn}: group {g.name!r} (pattern {g.pattern!r}) matches no parameter; "
                f"the {len(paths)} parameter paths are {shown or 'none'}"
            )
    return labels


def assign(groups: Sequence[Group], params: Any) -> list[tuple[str, str]]:
    """``[(path, group name)]`` for every parameter of ``params``, in pytree order.

    A parameter is in the first group whose pattern ``re.search``-es its path, else in
    ``"default"``; the path format is the module's (dict keys, attribute names and
    sequence indices joined by ``/``; a Flax NNX Variable is one leaf). Use it to see the
    paths a pattern faces.

    Raises:
      ValueError: a group's pattern matches no parameter (the message lists some paths).

    Example:
      >>> import jax.numpy as jnp, jaxlrs.optax
      >>> params = {"params": {"Dense_0": {"kernel": jnp.ones((2, 2)), "bias": jnp.ones(2)}}}
      >>> jaxlrs.optax.assign([jaxlrs.optax.Group("no_decay", r"bias$")], params)
      [('params/Dense_0/bias', 'no_decay'), ('params/Dense_0/kernel', 'default')]
    """
    rules = _check_groups("assign()", groups)
    paths, _ = _flatten(params)
    return list(zip(paths, _match(rules, paths, "assign()"), strict=True))


def _accepted(factory: Callable[..., Any]) -> list[str] | None:
    """The keyword names ``factory`` takes (None: any, or not inspectable)."""
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [k for k, p in params.items() if p.kind in kinds]


def _scaled(group: Group, base: dict[str, Any], fn: str) -> Any:
    """The group's learning rate, ``base * lr_scale``."""
    if "learning_rate" not in base:
        raise ValueError(
            f"{fn}: group {group.name!r} scales the learning rate (lr_scale="
            f"{group.lr_scale!r}), but the base hyperparameters have no learning_rate: "
            "pass learning_rate=... to groups()"
        )
    rate = base["learning_rate"]
    if isinstance(rate, Schedule) or _is_number(rate):
        return rate * group.lr_scale
    kind = "a controller" if isinstance(rate, Controller) else _describe(rate)
    raise TypeError(
        f"{fn}: group {group.name!r} scales the learning rate, which needs a base "
        f"learning_rate that is a jaxlrs Schedule or a number, got {kind}; give the group "
        "its own learning_rate instead (a controller of its own, or jaxlrs.from_fn(f) for "
        "a plain function)"
    )


def groups(
    factory: Callable[..., optax.GradientTransformation],
    groups: Sequence[Group],
    /,
    **hyperparameters: Any,
) -> optax.GradientTransformationExtraArgs:
    """``factory`` with each group of parameters given its own hyperparameters.

    Each parameter belongs to the first group whose pattern ``re.search``-es its path
    (see the module docstring for the path format; :func:`assign` shows it), or to the
    group ``"default"`` if none does. Each group is trained by
    ``jaxlrs.optax.inject(factory, **group_hyperparameters)`` on its parameters alone,
    where the group's hyperparameters are ``hyperparameters`` (the base) updated by the
    group's own, with ``learning_rate = base * lr_scale`` for a scaled group; a frozen
    group by ``optax.set_to_zero()`` (zero updates, no state). Groups are the labels of an
    ``optax.multi_transform``, so:

    * :func:`jaxlrs.optax.current` reports ``"<group>/learning_rate"`` (and every other
      held hyperparameter) for each group that holds parameters, nothing for a frozen one;
    * :func:`jaxlrs.optax.set_schedules` takes the same keys
      (``**{"head/learning_rate": s}``);
    * extra arguments, ``value=metric`` for a plateau controller, reach every group.

    The state holds a group only where it has parameters: ``"default"`` is absent when
    every parameter matched a rule, and a masked-out parameter has no moments (a
    ``MaskedNode`` in the other groups' states). Controllers in the base are copied to
    each group, each with its own state (they see the same metrics).

    Args:
      factory: as for :func:`jaxlrs.optax.inject` (``optax.adamw``, ``optax.sgd``...).
      groups: a list of :class:`Group`, first match wins; unique names.
      **hyperparameters: the base hyperparameters (of the ``"default"`` group), as for
        :func:`jaxlrs.optax.inject`.

    Returns:
      An ``optax.GradientTransformationExtraArgs``.

    Raises:
      TypeError: a group sets a hyperparameter ``factory`` does not take; ``lr_scale``
        on a base learning rate that is neither a schedule nor a number.
      ValueError: duplicate names; ``lr_scale`` without a base ``learning_rate``; at
        ``init``, a group whose pattern matches no parameter.

    Example:
      >>> import jax.numpy as jnp, optax, jaxlrs, jaxlrs.optax
      >>> from jaxlrs.optax import Group
      >>> params = {"embed": jnp.ones(2), "head": {"w": jnp.ones(2), "bias": jnp.ones(2)}}
      >>> tx = jaxlrs.optax.groups(
      ...     optax.sgd,
      ...     [Group("frozen", r"^embed$", frozen=True),
      ...      Group("no_momentum", r"bias$", momentum=0.0),
      ...      Group("head", r"^head/", lr_scale=10.0)],
      ...     learning_rate=jaxlrs.cosine(0.1, 100), momentum=0.9)
      >>> state = tx.init(params)
      >>> rates = jaxlrs.optax.current(state)
      >>> list(rates)
      ['head/learning_rate', 'head/momentum', 'no_momentum/learning_rate',
       'no_momentum/momentum']
      >>> float(rates["head/learning_rate"])
      1.0
      >>> updates, state = tx.update(params, state, params)
      >>> head = updates["head"]  # embed frozen; w: 10 * 0.1; bias: 0.1
      >>> [round(float(u[0]), 6) for u in (updates["embed"], head["w"], head["bias"])]
      [0.0, -1.0, -0.1]
    """
    fn = "groups()"
    rules = _check_groups(fn, groups)
    accepted = _accepted(factory)
    name = getattr(factory, "__name__", repr(factory))
    for g in rules:
        for hp in g.hyperparameters:
            if accepted is not None and hp not in accepted:
                raise TypeError(
                    f"{fn}: group {g.name!r} sets {hp!r}, which {name}() does not take; "
                    f"its parameters are {', '.join(accepted) or 'none'}"
                )
    transforms: dict[str, optax.GradientTransformation] = {
        DEFAULT: inject(factory, **hyperparameters)
    }
    for g in rules:
        if g.frozen:
            transforms[g.name] = optax.set_to_zero()
            continue
        own = dict(hyperparameters, **g.hyperparameters)
        if g.lr_scale is not None:
            own["learning_rate"] = _scaled(g, hyperparameters, fn)
        transforms[g.name] = inject(factory, **own)

    def build(tree: Any, check: bool) -> optax.GradientTransformationExtraArgs:
        paths, treedef = _flatten(tree)
        labels = _match(rules, paths, fn, check)
        present = set(labels)
        used = {k: tx for k, tx in transforms.items() if k in present}
        tree_of_labels = jax.tree_util.tree_unflatten(treedef, labels)
        # A function, never the tree itself: multi_transform calls a callable tree of
        # labels (an Equinox module is callable) instead of reading it.
        return optax.multi_transform(used, lambda _: tree_of_labels)

    def init_fn(params: Any) -> Any:
        return build(params, check=True).init(params)

    def update_fn(updates: Any, state: Any, params: Any = None, **extra_args: Any) -> Any:
        return build(updates, check=False).update(updates, state, params, **extra_args)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)
