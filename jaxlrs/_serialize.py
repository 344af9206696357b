"""``to_dict`` / ``from_dict``: schedules as JSON-compatible data."""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from typing import Any

import jax
import numpy as np

from ._fraction import Fraction, fraction
from ._parse import MAX_DEPTH, takes_function, unknown_name
from ._schedule import Schedule, kinds

FORMAT = "jaxlrs"
VERSION = 1


def _encode(x: Any, path: str) -> Any:
    if isinstance(x, Schedule):
        return _node(x, path)
    if isinstance(x, Fraction):
        return {"fraction": _encode(x.r, f"{path}.fraction")}
    if x is None or isinstance(x, (bool, str, int)):
        return x
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"to_dict(): {path} is {x!r}, which JSON cannot hold")
        return x
    if isinstance(x, tuple):
        return [_encode(v, f"{path}[{i}]") for i, v in enumerate(x)]
    if isinstance(x, jax.core.Tracer):
        raise ValueError(f"to_dict(): {path} is a traced value; only concrete schedules serialise")
    if isinstance(x, (np.ndarray, np.generic, jax.Array)):
        return _encode(_plain(np.asarray(x).tolist()), path)
    if callable(x):
        raise ValueError(f"to_dict(): {path} is a Python function ({x!r}), which JSON cannot hold")
    raise TypeError(f"to_dict(): {path} has unsupported type {type(x).__name__}: {x!r}")


def _plain(x: Any) -> Any:
    return tuple(_plain(v) for v in x) if isinstance(x, list) else x


def _node(s: Schedule, path: str) -> dict[str, Any]:
    if takes_function(s.name):
        raise ValueError(f"to_dict(): {path} is {s.name}(), which wraps a Python function")
    return {"name": s.name, "args": {k: _encode(v, f"{path}.{k}") for k, v in s.args.items()}}


def to_dict(schedule: Schedule) -> dict[str, Any]:
    """A schedule as a JSON-compatible nested dict; :func:`from_dict` rebuilds it exactly.

    The shape (format version 1)::

        {"format": "jaxlrs", "version": 1, "schedule": NODE}
        NODE  = {"name": "<constructor>", "args": {"<parameter>": VALUE, ...}}
        VALUE = number | string | true | false | null | [VALUE, ...] | NODE | FRACTION
        FRACTION = {"fraction": number}

    ``name`` is the registered constructor name as ``repr`` prints it (``"cosine"``,
    ``"compat.torch.StepLR"``; ``"arithmetic"`` for ``+ - * / **``), and ``args`` holds every
    parameter in signature order, defaults included (a variadic parameter such as
    ``minimum``'s ``schedules`` is a list). Integers stay integers and floats are written
    with Python's shortest exact repr, so ``json.dumps`` / ``json.loads`` keeps every value
    bit for bit. Schedules wrapping a Python function (``from_fn``) or holding traced values
    raise ``ValueError``. A duration given as :func:`~jaxlrs.fraction` of the total is the
    object ``{"fraction": r}`` (an addition to version 1: every earlier document reads as
    before; a jaxlrs without fractions refuses such a value with a clear error).

    Args:
        schedule: a jaxlrs schedule.

    Returns:
        A dict of dicts, lists, strings, numbers, booleans and None.

    Example:
        >>> import json, jaxlrs
        >>> d = jaxlrs.to_dict(jaxlrs.warmup(jaxlrs.cosine(1e-3, 10_000), 500))
        >>> print(json.dumps(d["schedule"]["args"]["schedule"]))
        {"name": "cosine", "args": {"init": 0.001, "steps": 10000, "end": 0.0,
         "exponent": 1.0, "k": 1.0}}
        >>> jaxlrs.from_dict(json.loads(json.dumps(d))) == jaxlrs.from_dict(d)
        True
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(
            f"to_dict(): schedule must be a jaxlrs Schedule, got {schedule!r} "
            f"({type(schedule).__name__})"
        )
    return {"format": FORMAT, "version": VERSION, "schedule": _node(schedule, "schedule")}


def _decode(x: Any, path: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError(f"from_dict(): {path}: nesting deeper than {MAX_DEPTH} levels")
    if isinstance(x, Mapping) and set(x) == {"fraction"}:
        r = x["fraction"]
        if isinstance(r, bool) or not isinstance(r, (int, float)):
            raise ValueError(f"from_dict(): {path}.fraction must be a number, got {r!r}")
        try:
            return fraction(r)
        except (TypeError, ValueError) as e:
            raise ValueError(f"from_dict(): {path}: {e}") from None
    if isinstance(x, Mapping):
        return _build(x, path, depth)
    if isinstance(x, (list, tuple)):
        return tuple(_decode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(x))
    if x is None or isinstance(x, (bool, str, int, float)):
        return x
    raise ValueError(
        f"from_dict(): {path} must be a number, string, bool, null, list or schedule node, "
        f"got {x!r} ({type(x).__name__})"
    )


def _build(node: Mapping[str, Any], path: str, depth: int) -> Schedule:
    if set(node) != {"name", "args"}:
        raise ValueError(
            f"from_dict(): {path} must be a node with exactly the keys 'name' and 'args', "
            f"got keys {sorted(map(str, node))}"
        )
    name, args = node["name"], node["args"]
    registry = kinds()
    if not isinstance(name, str) or name not in registry:
        raise ValueError(f"from_dict(): {path}.name: {unknown_name(name)}")
    if takes_function(name):
        raise ValueError(f"from_dict(): {path}: {name}() wraps a Python function")
    if not isinstance(args, Mapping):
        raise ValueError(f"from_dict(): {path}.args must be an object, got {args!r}")
    params = registry[name].signature.parameters
    unknown = [k for k in args if k not in params]
    if unknown:
        raise ValueError(
            f"from_dict(): {path}.args: {name}() has no parameter {unknown[0]!r} "
            f"(parameters: {', '.join(params)})"
        )
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for p in params.values():
        if p.name not in args:
            continue
        v = _decode(args[p.name], f"{path}.args.{p.name}", depth + 1)
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            if not isinstance(v, tuple):
                raise ValueError(f"from_dict(): {path}.args.{p.name} must be a list, got {v!r}")
            positional += v
        elif p.kind is inspect.Parameter.POSITIONAL_ONLY:
            positional.append(v)
        else:
            keywords[p.name] = v
    try:
        return registry[name].constructor(*positional, **keywords)
    except (TypeError, ValueError, OverflowError) as e:
        raise ValueError(f"from_dict(): {path}: {e}") from None


def from_dict(data: Mapping[str, Any]) -> Schedule:
    """Rebuild a schedule from :func:`to_dict`'s dict (for example read back from JSON).

    Options left out of a node's ``args`` take their defaults, so hand-written configs may
    be short. Unknown constructor names or parameters, a wrong ``format`` or ``version``,
    and values the constructor rejects raise ``ValueError`` naming the path of the bad
    field, e.g. ``schedule.args.schedule.args.steps``. Integers of any size are passed on
    exactly, as in :func:`parse`: the constructor decides which it accepts. (A dict cannot
    hold a key twice; ``json.loads`` keeps the last of repeated keys, so the command line
    reads JSON files with a hook that refuses them.)

    Args:
        data: ``{"format": "jaxlrs", "version": 1, "schedule": NODE}``.

    Returns:
        The schedule.

    Example:
        >>> import jaxlrs
        >>> jaxlrs.from_dict({"format": "jaxlrs", "version": 1,
        ...                   "schedule": {"name": "cosine", "args": {"init": 1.0, "steps": 10}}})
        cosine(1.0, 10)
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"from_dict(): data must be a dict, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise ValueError(
            f"from_dict(): data['format'] must be {FORMAT!r}, got {data.get('format')!r}"
        )
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"from_dict(): data['version'] must be {VERSION}, got {version!r}")
    if version > VERSION:
        raise ValueError(
            f"from_dict(): data['version'] is {version}, written by a newer jaxlrs "
            f"(this one reads version {VERSION}); upgrade jaxlrs"
        )
    extra = sorted(set(data) - {"format", "version", "schedule"})
    if extra:
        raise ValueError(f"from_dict(): unknown top-level keys {extra}")
    if "schedule" not in data:
        raise ValueError("from_dict(): data has no 'schedule'")
    node = data["schedule"]
    if not isinstance(node, Mapping):
        raise ValueError(f"from_dict(): data['schedule'] must be a node, got {node!r}")
    return _build(node, "schedule", 0)
