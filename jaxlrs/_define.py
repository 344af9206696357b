"""``define``: a user's own named schedule, from a formula or from other schedules."""

from __future__ import annotations

import functools
import inspect
import keyword
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._combinators import _from_fn
from ._fraction import Fraction
from ._schedule import (
    Schedule,
    _collapse,
    _format_value,
    _is_static,
    _is_tracer,
    _same,
    _widen,
    expands,
    kinds,
    register,
)
from ._time import Time

Array = jax.Array

_RESERVED = ("jaxlrs", "compat")
"""First parts of a name that only jaxlrs' own constructors use."""

_ALLOWED = "numbers, arrays, lists of numbers, strings, bools, None, schedules or fractions"

_TRACER_ERRORS: tuple[type[Exception], ...] = (
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerIntegerConversionError,
    jax.errors.TracerArrayConversionError,
)


def _shown(x: Any) -> str:
    return f"{x!r} ({type(x).__name__})"


def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(
            f"define(): name must be a str, a dotted name such as 'my.power_decay', got "
            f"{_shown(name)}"
        )
    parts = name.split(".")
    if len(parts) < 2 or not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        raise ValueError(
            "define(): name must be a dotted name of Python identifiers with a namespace, "
            f"such as 'my.power_decay' (the namespace keeps it apart from jaxlrs' own "
            f"names, now and in later versions), got {name!r}"
        )
    if parts[0] in _RESERVED:
        raise ValueError(
            f"define(): name must not start with 'jaxlrs.' or 'compat.', which are reserved "
            f"for jaxlrs' own constructors, got {name!r}"
        )
    return name


def _check_free(name: str, fn: Callable[..., Any], replace: bool) -> None:
    old = kinds().get(name)
    if old is None:
        return
    if old.origin is None:  # jaxlrs' own (the reserved namespaces already keep them apart)
        raise ValueError(f"define(): name {name!r} is a jaxlrs constructor")
    if not replace:
        raise ValueError(
            f"define(): name {name!r} is already defined (by {_where(old.constructor)}); "
            "pass replace=True to redefine it (for example when re-running a notebook cell)"
        )


def _where(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _number(where: str, param: str, x: Any) -> Any:
    """A concrete number as a Python int or float, checked (finite, float-representable)."""
    if isinstance(x, int):
        try:
            float(x)
        except OverflowError:
            raise ValueError(
                f"{where}: {param} must be a number a float can hold, got an integer of "
                f"{x.bit_length()} bits"
            ) from None
        return x
    if not math.isfinite(x):
        raise ValueError(f"{where}: {param} must be a finite number, got {x!r}")
    return x


def _array(where: str, param: str, x: Any) -> Any:
    """A concrete NumPy/JAX array or scalar as Python data (numbers, nested tuples)."""
    a = np.asarray(x)
    if a.dtype.kind == "b" and a.ndim == 0:
        return bool(a)
    if a.dtype.kind not in "iuf":
        raise TypeError(
            f"{where}: {param} must be one of {_ALLOWED}; got an array of dtype {a.dtype}"
        )
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise ValueError(f"{where}: {param} must be finite, got {a.tolist()!r}")
    return _tupled(a.tolist())


def _tupled(x: Any) -> Any:
    return tuple(_tupled(v) for v in x) if isinstance(x, list) else x


def _element(where: str, param: str, x: Any) -> Any:
    """One entry of a list hyperparameter: a number, an array, a list or a schedule."""
    if isinstance(x, Schedule) or _is_tracer(x):
        return x
    if isinstance(x, (list, tuple)):
        return tuple(_element(where, f"{param}[{i}]", v) for i, v in enumerate(x))
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return _number(where, param, x)
    if isinstance(x, (np.ndarray, np.generic, jax.Array)) and np.asarray(x).dtype.kind != "b":
        return _array(where, param, x)
    raise TypeError(
        f"{where}: {param} must be a number, an array, a list or a schedule (an entry of a "
        f"list), got {_shown(x)}"
    )


def _hyperparameter(where: str, param: str, x: Any) -> Any:
    """A hyperparameter as the schedule holds it: Python data, tracers, schedules and
    fractions of the run (``jaxlrs.fraction``, for the constructors a builder calls)."""
    if x is None or isinstance(x, (str, bool, Schedule, Fraction)):
        return x
    if _is_tracer(x):
        kind = np.dtype(x.dtype).kind
        if kind not in "iuf":
            raise TypeError(
                f"{where}: {param} must be one of {_ALLOWED}; got a tracer of dtype {x.dtype}"
            )
        return x
    if isinstance(x, (int, float)):
        return _number(where, param, x)
    if isinstance(x, (np.ndarray, np.generic, jax.Array)):
        return _array(where, param, x)
    if isinstance(x, (list, tuple)):
        return tuple(_element(where, f"{param}[{i}]", v) for i, v in enumerate(x))
    raise TypeError(f"{where}: {param} must be one of {_ALLOWED}, got {_shown(x)}")


def _iterable(x: Any) -> Any:
    try:
        return iter(x)
    except TypeError:
        return iter([None])


def _holds_schedule(x: Any) -> bool:
    return isinstance(x, Schedule) or (isinstance(x, tuple) and any(_holds_schedule(v) for v in x))


def _argument(x: Any) -> Any:
    """A hyperparameter as the formula receives it: numbers and lists of numbers as JAX
    arrays (whichever path evaluates the schedule), everything else unchanged."""
    if x is None or isinstance(x, (str, bool, Schedule, Fraction)):
        return x
    if isinstance(x, tuple):
        if _holds_schedule(x):
            return tuple(_argument(v) for v in x)
        return jnp.asarray(_collapse(x))
    return jnp.asarray(_widen(x))


def _traced_error(name: str, what: str, e: Exception) -> TypeError:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    on = "the step or a numeric hyperparameter" if what == "formula" else "a hyperparameter"
    return TypeError(
        f"{name}(): the {what} needs a concrete value where it gets a traced one ({first}). "
        f"The {what} runs on traced hyperparameters whenever the schedule is evaluated (also "
        "outside jit: every call runs through one jitted function), so it must not use "
        f"Python if, int(), float() or bool() on {on}: use jnp.where, make an option a "
        "string or bool, or name a number that decides the structure in "
        "define(..., static=...); validate values in define(..., check=...)"
    )


def _parameters(
    fn: Callable[..., Any], builds: bool
) -> tuple[inspect.Signature, list[inspect.Parameter]]:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        raise TypeError(f"define(): fn must have a signature, got {_shown(fn)}") from None
    params = list(signature.parameters.values())
    if not builds:
        first = params[0] if params else None
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        if first is None or first.name != "step" or first.kind not in positional:
            got = "no parameters" if first is None else f"({', '.join(map(str, params))})"
            raise TypeError(
                "define(): fn must be a formula whose first parameter is the step, named "
                f"'step' (fn(step, **hyperparameters) -> value), got {_where(fn)} with {got}; "
                "for a schedule built from other schedules pass builds=True"
            )
        params = params[1:]
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TypeError(
                f"define(): fn's hyperparameters must be named parameters, got "
                f"{'*' if p.kind is p.VAR_POSITIONAL else '**'}{p.name} in {_where(fn)}"
            )
        if p.kind is p.POSITIONAL_ONLY:
            raise TypeError(
                f"define(): fn's hyperparameters must be passable by name, got the "
                f"positional-only parameter {p.name!r} in {_where(fn)}"
            )
        if builds and p.name == "step":
            raise TypeError(
                f"define(): a builder (builds=True) takes hyperparameters only, got a "
                f"parameter named 'step' in {_where(fn)}; for a formula of the step leave "
                "builds=False"
            )
    public = [
        p
        if p.default is p.empty
        else p.replace(default=_hyperparameter("define()", f"the default of {p.name}", p.default))
        for p in params
    ]
    return signature.replace(parameters=public, return_annotation=Schedule), params


def _formatter(name: str, signature: inspect.Signature) -> Callable[[Mapping[str, Any]], str]:
    """``name(required, ..., option=value)``: required parameters positionally (keyword-only
    ones by name), options that differ from their default by name."""

    def fmt(args: Mapping[str, Any]) -> str:
        params = signature.parameters
        if set(args) != set(params):  # built under an earlier definition (replace=True)
            return f"{name}({', '.join(f'{k}={_format_value(v)}' for k, v in args.items())})"
        parts = []
        for p in params.values():
            v = args[p.name]
            if p.default is p.empty and p.kind is not p.KEYWORD_ONLY:
                parts.append(_format_value(v))
            elif p.default is p.empty or _is_tracer(v) or not _same(v, p.default):
                parts.append(f"{p.name}={_format_value(v)}")
        return f"{name}({', '.join(parts)})"

    return fmt


def define(
    name: str,
    fn: Callable[..., Any] | None = None,
    *,
    builds: bool = False,
    static: Sequence[str] = (),
    check: Callable[..., Any] | None = None,
    replace: bool = False,
) -> Any:
    """Define a named schedule from a formula of the step, or from other schedules.

    ``lr = fn(step, **hyperparameters)`` (a formula), or the schedule that
    ``fn(**hyperparameters)`` builds (``builds=True``).

    A decorator (``@define("my.power_decay")``) or a call (``define("my.f", fn)``) that
    returns a public constructor: called with the hyperparameters, it returns a
    :class:`Schedule` that behaves like a built-in one. It prints as
    ``my.power_decay(1.0, alpha=0.3)``, :func:`parse` and :func:`from_dict` rebuild it
    (while the definition is registered in the process), :func:`to_dict` writes it, it
    pickles (unpickling imports the module that defined it, see below), and it works
    under ``jit``/``vmap``/``grad`` and inside every combinator, ``summary`` and
    ``jaxlrs.optax.inject``. ``from_fn`` stays for a one-off function that needs no name
    (it neither prints as a call nor serialises).

    * **Formula** (default): ``fn(step, **hyperparameters) -> value``, jittable and
      elementwise. ``step`` is the step clamped at 0, an integer array (a float array for
      fractional or stretched steps), as :func:`from_fn` receives it. Every number and
      list of numbers arrives as a JAX array (Python numbers weakly typed); strings, bools
      and None arrive as they are. The value is cast to float32 (float64 under x64) and
      broadcast to the step's shape.
    * **Builder** (``builds=True``): ``fn(**hyperparameters) -> Schedule``, built from
      existing schedules. It runs at construction (so the constructors it calls validate
      the values) and again, on traced hyperparameters, whenever the schedule is
      evaluated (like jaxlrs' own recipes, so a new value never recompiles).

    Hyperparameters take the roles of a built-in's: numbers, arrays and lists of numbers
    are pytree leaves (traceable; a jitted function taking the schedule does not retrace
    for new values), strings, bools and None are static options, schedules are subtrees.
    Concrete arrays are stored as Python numbers or lists; NaN, infinite values, complex
    numbers, functions and other objects are refused with ``TypeError``/``ValueError``.
    Because numeric hyperparameters are traced whenever the schedule is evaluated, the
    body must not branch on them in Python (``if peak > 1``, ``int(steps)``, ``range(n)``);
    doing so raises ``TypeError`` at the first call, saying so. Use ``jnp.where``, make
    the option a string or bool, or list a number that decides the structure (how many
    pieces) in ``static``. Integer arithmetic such as ``steps // 10`` is fine.

    The constructor has ``fn``'s signature (without ``step``), name and docstring
    (``functools.wraps``). Call errors (a missing or unknown argument) raise ``TypeError``
    naming the schedule.

    Args:
        name: a dotted name of Python identifiers with a namespace, ``"my.power_decay"``
            (what ``repr`` prints and ``parse`` reads). Names starting with ``jaxlrs.`` or
            ``compat.`` are reserved for jaxlrs' own constructors, and a name without a
            namespace (``"power_decay"``) is refused, so that no later jaxlrs constructor
            can collide with it.
        fn: the formula or the builder; left out, ``define`` returns a decorator.
        builds: ``fn`` builds a schedule from other schedules instead of being a formula.
        static: names of numeric hyperparameters that decide the structure (a number of
            pieces, ``range(n)``, ``if steps > 0``): they stay Python values in ``fn``,
            are part of the pytree structure (a new value compiles anew), and may not be
            traced. Strings, bools and None are static anyway.
        check: optional validation, ``check(**hyperparameters)``, called at construction
            with the hyperparameters (defaults filled in) when none of them is traced
            (traced values are not checked, as for built-ins); it should raise
            ``ValueError``/``TypeError`` for a bad value. Its return value is ignored.
        replace: redefine a name this process has already defined (a notebook cell run
            again); without it a second definition raises ``ValueError``. Schedules built
            under the old definition then evaluate with the new one.

    Returns:
        The constructor (or, without ``fn``, a decorator that returns it).

    Raises:
        TypeError: ``name`` not a str; ``fn`` not callable or a schedule; a formula whose
            first parameter is not ``step``; ``*args``, ``**kwargs`` or positional-only
            hyperparameters; a builder with a parameter named ``step``; a default of a
            kind no hyperparameter may have; ``check`` not callable or not taking the
            hyperparameters by name.
        ValueError: a name that is not dotted identifiers, starts with ``jaxlrs.`` or
            ``compat.``, or is already defined (without ``replace=True``); a NaN or
            infinite default.

    Pickling records ``fn``'s module: in a process where the name is not defined yet,
    unpickling imports that module (which defines it), and raises ``ValueError`` naming
    the schedule and the module when that fails (a definition in ``__main__``, a
    notebook or a script, must be run again before unpickling). JSON and text never
    import anything: define the name before ``from_dict`` or ``parse`` reads it.

    Example:
        >>> import jaxlrs
        >>> @jaxlrs.define("my.power_decay")
        ... def power_decay(step, peak: float, steps: int = 1000, alpha: float = 0.5):
        ...     '''peak * (1 + step / steps) ** -alpha'''
        ...     return peak * (1 + step / steps) ** -alpha
        >>> s = power_decay(1.0, alpha=1.0)
        >>> s
        my.power_decay(1.0, alpha=1.0)
        >>> s([0, 1000, 3000]).tolist()
        [1.0, 0.5, 0.25]
        >>> jaxlrs.parse(repr(s)) == s == jaxlrs.from_dict(jaxlrs.to_dict(s))
        True
        >>> @jaxlrs.define("my.warm_cos", builds=True)
        ... def warm_cos(peak: float, steps: int):
        ...     return jaxlrs.warmup(jaxlrs.cosine(peak, steps - steps // 10), steps // 10)
        >>> warm_cos(1.0, 100)([0, 5, 10, 100]).tolist()
        [0.0, 0.5, 1.0, 0.0]
    """
    fn_name = _check_name(name)
    if not isinstance(builds, bool):
        raise TypeError(f"define(): builds must be a bool, got {_shown(builds)}")
    if not isinstance(replace, bool):
        raise TypeError(f"define(): replace must be a bool, got {_shown(replace)}")
    if isinstance(static, str) or not all(isinstance(k, str) for k in _iterable(static)):
        raise TypeError(
            f"define(): static must be a list of hyperparameter names, got {_shown(static)}"
        )
    static = tuple(static)
    if check is not None and (not callable(check) or isinstance(check, Schedule)):
        raise TypeError(
            f"define(): check must be a function of the hyperparameters or None, got "
            f"{_shown(check)}"
        )

    def deco(fn: Callable[..., Any]) -> Callable[..., Schedule]:
        if not callable(fn) or isinstance(fn, (Schedule, type)):
            raise TypeError(
                "define(): fn must be a function (a formula fn(step, **hyperparameters), or "
                f"with builds=True a builder fn(**hyperparameters)), got {_shown(fn)}"
            )
        signature, params = _parameters(fn, builds)
        names = [p.name for p in params]
        for k in static:
            if k not in names:
                raise ValueError(
                    f"define(): static names {k!r}, which is not a hyperparameter of "
                    f"{_where(fn)} (hyperparameters: {', '.join(names) or 'none'})"
                )
        if check is not None:
            try:
                inspect.signature(check).bind(**{p.name: None for p in params})
            except TypeError as e:
                raise TypeError(
                    f"define(): check must accept the hyperparameters "
                    f"({', '.join(p.name for p in params)}) by name, got {_where(check)}: {e}"
                ) from None
            except ValueError:  # no signature to read (a builtin): the call will tell
                pass
        _check_free(fn_name, fn, replace)
        where = f"{fn_name}()"

        def body(**args: Any) -> Schedule:
            try:
                out = fn(**args)
            except _TRACER_ERRORS as e:
                raise _traced_error(fn_name, "builder", e) from e
            if not isinstance(out, Schedule):
                raise TypeError(
                    f"{where}: the builder must return a jaxlrs Schedule, got {_shown(out)}"
                )
            return out

        def formula(time: Time, **args: Any) -> Array:
            given = {k: v if k in static else _argument(v) for k, v in args.items()}
            try:
                return _from_fn(time, lambda step: fn(step, **given))
            except _TRACER_ERRORS as e:
                raise _traced_error(fn_name, "formula", e) from e

        @functools.wraps(fn)
        def constructor(*a: Any, **k: Any) -> Schedule:
            try:
                bound = signature.bind(*a, **k)
            except TypeError as e:
                raise TypeError(
                    f"{where}: {e} (parameters: {', '.join(signature.parameters)})"
                ) from None
            bound.apply_defaults()
            args = {n: _hyperparameter(where, n, v) for n, v in bound.arguments.items()}
            for n in static:
                if _holds_schedule(args[n]):
                    raise TypeError(
                        f"{where}: {n} is static (define(static=...)), so it must be a "
                        f"number, a list of numbers, a string, a bool or None, got "
                        f"{args[n]!r}"
                    )
                if any(_is_tracer(x) for x in jax.tree.leaves(args[n])):
                    raise TypeError(
                        f"{where}: {n} is static (it decides the structure: "
                        f"define(static=...)), so it must be a concrete value, got a tracer"
                    )
            if check is not None and not any(_is_tracer(x) for x in jax.tree.leaves(args)):
                check(**args)
            if builds:
                body(**args)
            roles = tuple(n for n, v in args.items() if n in static or _is_static(v))
            return Schedule(fn_name, args, static=roles)

        constructor.__signature__ = signature  # type: ignore[attr-defined]
        apply = expands(body) if builds else formula
        origin = getattr(fn, "__module__", None)
        fmt = _formatter(fn_name, signature)
        register(apply, fmt=fmt, name=fn_name, origin=origin or "__main__", replace=replace)(
            constructor
        )
        return constructor

    return deco if fn is None else deco(fn)
