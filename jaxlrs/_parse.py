"""``parse``: rebuild a schedule from the expression its ``repr`` prints, safely."""

from __future__ import annotations

import ast
from typing import Any

from ._fraction import Fraction, fraction
from ._schedule import Schedule, kinds

MAX_LENGTH = 1_000_000
"""Longest text ``parse`` accepts, in characters."""

MAX_DEPTH = 100
"""Deepest nesting of calls, lists and operators ``parse`` accepts."""

_OPS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}


class _Reject(Exception):
    def __init__(self, node: ast.AST | None, why: str) -> None:
        super().__init__(why)
        self.node = node
        self.why = why


def _where(text: str, node: ast.AST | None) -> str:
    if node is None or not hasattr(node, "col_offset"):
        return ""
    segment = ast.get_source_segment(text, node) or ""
    if len(segment) > 40:
        segment = segment[:37] + "..."
    line = getattr(node, "lineno", 1)
    place = f"column {node.col_offset + 1}" + (f" of line {line}" if line > 1 else "")
    return f" ({place}: {segment!r})"


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` as a string when the node is a chain of names, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _kind_name(func: ast.expr) -> str:
    name = _dotted(func)
    if name is None:
        raise _Reject(func, "only jaxlrs constructors can be called")
    registry = kinds()
    if name not in registry and name.startswith("jaxlrs."):
        name = name[len("jaxlrs.") :]
    if name not in registry:
        raise _Reject(func, unknown_name(name))
    return name


def unknown_name(name: Any) -> str:
    """The message for a name no constructor is registered under; a dotted name outside
    jaxlrs' own namespaces may be a ``jaxlrs.define`` name whose module is not imported."""
    text = f"{name!r} is not a jaxlrs constructor"
    if isinstance(name, str) and "." in name and name.split(".")[0] not in ("compat", "jaxlrs"):
        text += (
            " (nor defined with jaxlrs.define in this process: import the module that "
            "defines it first)"
        )
    return text


def takes_function(name: str) -> bool:
    """Whether schedules of this kind always hold a Python function (a required function
    parameter: ``from_fn``, ``LambdaLR``), which no text or JSON can rebuild. (An optional
    function argument, such as ``CyclicLR``'s ``scale_fn``, is refused where it appears.)"""
    params = kinds()[name].signature.parameters.values()
    return any("Callable" in str(p.annotation) and p.default is p.empty for p in params)


def _number(node: ast.AST, x: Any) -> Any:
    # Any int literal: whether it is allowed is the constructor's decision, so that every
    # schedule a constructor accepts prints as text that parses back.
    if isinstance(x, (bool, int, float)):
        return x
    raise _Reject(node, f"{type(x).__name__} literals are not allowed")


def _build(node: ast.AST, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _Reject(node, f"nesting deeper than {MAX_DEPTH} levels")
    if isinstance(node, ast.Constant):
        if node.value is None or isinstance(node.value, str):
            return node.value
        return _number(node, node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = node.operand
        if isinstance(operand, ast.BinOp) and isinstance(operand.op, ast.Pow):
            raise _Reject(
                node,
                "a sign in front of ** would apply to the power (Python reads -2.0 ** s "
                "as -(2.0 ** s)), and a sign is allowed only in front of a number",
            )
        if not (
            isinstance(operand, ast.Constant)
            and isinstance(operand.value, (int, float))
            and not isinstance(operand.value, bool)
        ):
            raise _Reject(node, "a sign is allowed only in front of a number")
        x = _number(operand, operand.value)
        return -x if isinstance(node.op, ast.USub) else x
    if isinstance(node, (ast.List, ast.Tuple)):
        return tuple(_build(x, depth + 1) for x in node.elts)
    if isinstance(node, ast.BinOp):
        op = _OPS.get(type(node.op))
        if op is None:
            shown = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@"}.get(type(node.op), "")
            why = f"operator {shown or type(node.op).__name__} is not allowed"
            raise _Reject(node, why + "; only + - * / ** between schedules and numbers")
        left, right = _build(node.left, depth + 1), _build(node.right, depth + 1)
        for side, x in ((node.left, left), (node.right, right)):
            if not isinstance(x, (Schedule, int, float)) or isinstance(x, bool):
                raise _Reject(side, "operands of + - * / ** must be schedules or numbers")
        if not isinstance(left, Schedule) and not isinstance(right, Schedule):
            raise _Reject(node, "+ - * / ** need a schedule on one side")
        return _construct(node, "arithmetic", (op, left, right), {})
    if isinstance(node, ast.Call) and _dotted(node.func) in ("fraction", "jaxlrs.fraction"):
        return _fraction_call(node, depth)
    if isinstance(node, ast.Call):
        name = _kind_name(node.func)
        if takes_function(name):
            raise _Reject(node, f"{name}() wraps a Python function and cannot be parsed")
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise _Reject(a, "*arguments are not allowed")
            args.append(_build(a, depth + 1))
        kwargs: dict[str, Any] = {}
        for k in node.keywords:
            if k.arg is None:
                raise _Reject(k.value, "**arguments are not allowed")
            if k.arg in kwargs:
                raise _Reject(k, f"{name}(): keyword argument {k.arg!r} given twice")
            kwargs[k.arg] = _build(k.value, depth + 1)
        return _construct(node, name, tuple(args), kwargs)
    what = {
        ast.Name: "names are",
        ast.Attribute: "attribute access is",
        ast.Lambda: "lambdas are",
        ast.Subscript: "subscripts are",
        ast.Dict: "dicts are",
        ast.Set: "sets are",
        ast.JoinedStr: "f-strings are",
        ast.Compare: "comparisons are",
        ast.BoolOp: "boolean operators are",
        ast.IfExp: "conditional expressions are",
        ast.NamedExpr: "assignments are",
    }.get(type(node))
    if what is None and isinstance(
        node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    ):
        what = "comprehensions are"
    what = what or f"{type(node).__name__} expressions are"
    raise _Reject(
        node, f"{what} not allowed; only calls of jaxlrs constructors with literal arguments"
    )


def _fraction_call(node: ast.Call, depth: int) -> Fraction:
    """``fraction(r)`` with a literal number: a duration argument, not a schedule."""
    if len(node.args) + len(node.keywords) != 1 or (node.keywords and node.keywords[0].arg != "r"):
        raise _Reject(node, "fraction() takes one argument, the fraction r")
    arg = node.args[0] if node.args else node.keywords[0].value
    r = _build(arg, depth + 1)
    if isinstance(r, bool) or not isinstance(r, (int, float)):
        raise _Reject(arg, "fraction() takes a literal number")
    try:
        return fraction(r)
    except (TypeError, ValueError) as e:
        raise _Reject(node, str(e)) from None


def _construct(node: ast.AST, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    kind = kinds()[name]
    try:  # the call's shape first: a keyword repeating a positional, unknown names, ...
        kind.signature.bind(*args, **kwargs)
    except TypeError as e:
        raise _Reject(node, f"{name}(): {e} (parameters: {_params(name)})") from None
    try:
        return kind.constructor(*args, **kwargs)
    except (TypeError, ValueError, OverflowError) as e:
        raise _Reject(node, str(e)) from None


def _params(name: str) -> str:
    return ", ".join(kinds()[name].signature.parameters)


def parse(text: str) -> Schedule:
    """Build a schedule from the expression its ``repr`` prints.

    ``parse(repr(s)) == s`` for every schedule whose hyperparameters are concrete (not
    ``from_fn`` or ``compat.torch.LambdaLR``, which wrap a Python function). Accepted:
    calls of jaxlrs constructors by their registered names (``cosine``, dotted compat names
    such as ``compat.torch.StepLR``, optionally prefixed ``jaxlrs.``), positional and
    keyword arguments, literal numbers (``1e-3``, ``10_000``, ``-1.0``), strings,
    ``True``/``False``/``None``, lists and tuples, nested calls, and ``+ - * / **`` between
    schedules and numbers (``2 * cosine(1.0, 10) + 0.1``, ``cosine(1.0, 10) ** 2.0``,
    ``0.5 ** linear(0.0, 4.0, 100)``; ``**`` binds tighter than a sign and groups from the
    right, as in Python; a sign is allowed only on a number, so ``-2.0 ** s``, which
    Python reads as ``-(2.0 ** s)``, is refused), and ``fraction(r)`` with a literal
    number as an argument value (a duration as a fraction of the total,
    ``warmup_cosine(1e-3, fraction(0.1), 10000)``). Two numbers are never combined: an
    operator needs a schedule on one side, so nothing is computed while parsing.

    It never evaluates Python: the text is parsed with :mod:`ast` and only the forms above
    are accepted; names, attribute access, subscripts, lambdas, comprehensions, ``//``,
    nesting deeper than 100 levels and texts longer than 1,000,000 characters raise
    ``ValueError`` naming the offending part and its column. So does a call that Python
    would refuse: a keyword given twice (``steps=10, steps=20``), a keyword repeating a
    positional argument, an unknown keyword, too many or too few arguments. Any integer
    literal is read exactly (also beyond 2**63); whether it is allowed is the
    constructor's decision, so every schedule a constructor accepts round-trips. A
    constructor's own validation errors are raised as ``ValueError`` the same way.

    Args:
        text: the expression, e.g. ``"warmup(cosine(1e-3, 10_000), 500)"``.

    Returns:
        The schedule.

    Example:
        >>> import jaxlrs
        >>> s = jaxlrs.parse("warmup(cosine(1e-3, 10_000), 500)")
        >>> s == jaxlrs.warmup(jaxlrs.cosine(1e-3, 10_000), 500)
        True
        >>> jaxlrs.parse(repr(s)) == s
        True
        >>> jaxlrs.parse("__import__('os')")
        Traceback (most recent call last):
        ...
        ValueError: parse(): '__import__' is not a jaxlrs constructor (column 1: '__import__')
    """
    if not isinstance(text, str):
        raise TypeError(f"parse(): text must be a str, got {text!r} ({type(text).__name__})")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"parse(): text must be at most {MAX_LENGTH} characters, got {len(text)}")
    if _bracket_depth(text) > MAX_DEPTH:
        raise ValueError(f"parse(): nesting deeper than {MAX_DEPTH} levels")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        col = f" at column {e.offset}" if e.offset else ""
        if "<lambda>" in text or "<locals>" in text:
            raise ValueError(
                f"parse(): not a valid expression{col}: it names a Python function "
                "(a lambda or local function, as the repr of from_fn, LambdaLR or a "
                "scale_fn prints it); a schedule that wraps a function pickles but has "
                "no text form"
            ) from None
        raise ValueError(f"parse(): not a valid expression{col}: {e.msg}") from None
    except (RecursionError, MemoryError):
        raise ValueError(f"parse(): nesting deeper than {MAX_DEPTH} levels") from None
    except ValueError as e:
        raise ValueError(f"parse(): cannot read the expression: {e}") from None
    try:
        out = _build(tree.body, 0)
    except _Reject as e:
        raise ValueError(f"parse(): {e.why}{_where(text.strip(), e.node)}") from None
    except RecursionError:
        raise ValueError(f"parse(): nesting deeper than {MAX_DEPTH} levels") from None
    if not isinstance(out, Schedule):
        raise ValueError(f"parse(): expected a schedule, got {out!r}")
    return out


def _bracket_depth(text: str) -> int:
    """The deepest nesting of brackets and operator chains, cheaply bounded before
    :func:`ast.parse` sees the text (its own recursion can be slow or crash on hostile
    input)."""
    depth = deepest = 0
    quote = ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest
