"""The :class:`Schedule` type: an immutable, callable PyTree that prints as the
expression that builds it."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import _time
from ._time import Time

Array = jax.Array


@dataclasses.dataclass(frozen=True)
class Kind:
    """How schedules built by one public constructor evaluate and print."""

    name: str
    constructor: Callable[..., Schedule]
    signature: inspect.Signature
    apply: Callable[..., Array]  # apply(time, **args) -> values
    format: Callable[[Mapping[str, Any]], str] | None = None


_KINDS: dict[str, Kind] = {}


def kinds() -> Mapping[str, Kind]:
    """Every registered constructor by name (for parse/to_dict)."""
    return _KINDS


def register(
    apply: Callable[..., Array],
    *,
    fmt: Callable[..., str] | None = None,
    name: str | None = None,
):
    """Decorator: make ``constructor`` a public constructor whose schedules evaluate as
    ``apply(time, **args)``. ``name`` (default: the function's name) is what the repr
    prints and ``parse`` accepts, e.g. ``"compat.torch.CyclicLR"`` for a constructor
    reachable as ``jaxlrs.compat.torch.CyclicLR``; the constructor must build its
    ``Schedule`` under that same name."""

    def deco(constructor: Callable[..., Schedule]) -> Callable[..., Schedule]:
        key = name or constructor.__name__
        if key in _KINDS:
            raise RuntimeError(f"jaxlrs: constructor {key!r} registered twice")
        _KINDS[key] = Kind(key, constructor, inspect.signature(constructor), apply, fmt)
        return constructor

    return deco


def expands(build: Callable[..., Schedule]) -> Callable[..., Array]:
    """``apply`` for a recipe: rebuild the recipe's body from its hyperparameters (which
    may be tracers) and evaluate that."""

    def apply(time: Time, **args: Any) -> Array:
        return build(**args)._apply(time)

    return apply


def _is_static(v: Any) -> bool:
    return v is None or isinstance(v, (str, bool)) or (callable(v) and not isinstance(v, Schedule))


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _widen(v: Any) -> Any:
    """Python ints beyond the index dtype travel as floats (never an OverflowError)."""
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > _time.index_max():
        return float(v)
    if isinstance(v, tuple):
        return tuple(_widen(x) for x in v)
    return v


def _collapse(v: Any) -> Any:
    """``v`` with every list of numbers (knots, boundaries, milestones) as ONE array, for
    the packed eager path: 10,000 knots are then one jit argument and one constant rather
    than 10,000 (compile time would grow with the number of knots). float64/int64 keep the
    exact values; JAX narrows them at the jit boundary."""
    if isinstance(v, Schedule):
        return Schedule(v._name, {k: _collapse(x) for k, x in v._args.items()})
    if isinstance(v, tuple):
        if v and all(_is_number(x) for x in v):
            fits = all(isinstance(x, int) for x in v) and max(map(abs, v)) <= _time.index_max()
            return np.asarray(v, np.int64 if fits else np.float64)
        return tuple(_collapse(x) for x in v)
    return v


def _identity(v: Any) -> Any:
    """What equality and hashing compare: the hyperparameters exactly as given (not as
    they travel), tracers by identity."""
    if isinstance(v, Schedule):
        return (v._name, tuple((k, _identity(x)) for k, x in v._args.items()))
    if isinstance(v, tuple):
        return tuple(_identity(x) for x in v)
    if v is None or isinstance(v, (str, bool, int, float)) or callable(v):
        return v
    return _leaf_key(v)


def _is_tracer(x: Any) -> bool:
    return isinstance(x, jax.core.Tracer)


def _leaf_key(x: Any) -> Any:
    if isinstance(x, (int, float)):
        return x
    if _is_tracer(x):
        return ("tracer", id(x))
    a = np.asarray(x)
    if a.ndim == 1:
        return tuple(a.tolist())  # as the tuple of numbers it travels for (see _widen)
    return (a.shape, tuple(a.ravel().tolist())) if a.ndim else a.item()


def _format_value(v: Any) -> str:
    if isinstance(v, tuple):
        return "[" + ", ".join(_format_value(x) for x in v) + "]"
    if isinstance(v, (np.ndarray, np.generic)) or (isinstance(v, jax.Array) and not _is_tracer(v)):
        a = np.asarray(v)
        return repr(a.item()) if a.ndim == 0 else repr(a.tolist())
    if callable(v) and not isinstance(v, Schedule):
        return f"{getattr(v, '__module__', '?')}.{getattr(v, '__qualname__', repr(v))}"
    return repr(v)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return a is b


def format_call(name: str, signature: inspect.Signature, args: Mapping[str, Any]) -> str:
    """``name(required, ..., option=value)`` with options equal to their default left out."""
    parts = []
    for p in signature.parameters.values():
        v = args[p.name]
        if p.kind is p.VAR_POSITIONAL:
            parts += [_format_value(x) for x in v]
        elif p.default is p.empty:
            parts.append(_format_value(v))
        elif _is_tracer(v) or not _same(v, p.default):
            parts.append(f"{p.name}={_format_value(v)}")
    return f"{name}({', '.join(parts)})"


class Schedule:
    """A learning-rate schedule: ``schedule(step) -> jax.Array``.

    Immutable and callable; a JAX PyTree whose leaves are the numeric hyperparameters and
    whose structure (which constructor, string options, number of pieces) is static, so a
    schedule can be passed through ``jax.jit``, ``jax.vmap`` and ``jax.grad``. Build one
    with the constructors of :mod:`jaxlrs`, never with this class directly.

    * ``step``: a Python int or float, or a NumPy/JAX integer or float array of any shape
      (floats are fractional steps, e.g. epochs). Negative steps give the step-0 value.
    * Returns a strongly typed float32 array (float64 under x64) of the step's shape.
    * ``repr(s)`` is a jaxlrs expression that rebuilds an equal schedule; equal
      hyperparameters compare and hash equal; schedules pickle.
    * ``+ - * /`` with numbers or schedules build new schedules.

    A call evaluates through one cached jitted function per structure, with the
    hyperparameters as its arguments (a few tens of microseconds a call outside any
    transformation). Under ``vmap`` and ``grad`` the same function is transformed, so
    ``s(steps)`` and ``jax.vmap(s)(steps)`` agree bit for bit; inside an outer ``jit`` or
    ``scan`` it is compiled into the caller, where XLA may fold concrete hyperparameters as
    constants (results can then differ in the last bit).
    """

    __slots__ = ("__weakref__", "_args", "_name", "_packed")
    _name: str
    _args: dict[str, Any]
    _packed: _Packed | None  # a cache for __call__, filled on the first call

    def __init__(self, name: str, args: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_args", dict(args))
        object.__setattr__(self, "_packed", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"jaxlrs schedules are immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"jaxlrs schedules are immutable; cannot delete {name!r}")

    @property
    def name(self) -> str:
        """The constructor that built this schedule, e.g. ``"cosine"``."""
        return self._name

    @property
    def args(self) -> dict[str, Any]:
        """The constructor's arguments, by parameter name (a copy)."""
        return dict(self._args)

    # -- evaluation ---------------------------------------------------------------------

    def _apply(self, time: Time) -> Array:
        return _KINDS[self._name].apply(time, **self._args)

    def _evaluate(self, step: Any) -> Array:
        time = _time.start(step)
        out = jnp.asarray(self._apply(time), _time.float_dtype())
        return jnp.broadcast_to(out, jnp.shape(time.n))

    def __call__(self, step: Any) -> Array:
        step = _host_step(step)
        # Always through the one jitted function (also under vmap/grad, and nested inside
        # an outer jit), so that s(steps) and jax.vmap(s)(steps) run the same compiled code
        # and agree bit for bit (op-by-op eager evaluation rounds differently). That is
        # the function for this structure taking the packed hyperparameters (see _pack),
        # or _evaluate_jitted while a hyperparameter is traced.
        fn, args = evaluator(self)
        return fn(*args, step)

    # -- pytree -------------------------------------------------------------------------

    def tree_flatten(self) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        keys = tuple(self._args)
        static = tuple((k, v) for k, v in self._args.items() if _is_static(v))
        children = tuple(_widen(v) for v in self._args.values() if not _is_static(v))
        return children, (self._name, keys, static)

    @classmethod
    def tree_unflatten(cls, aux: tuple[Any, ...], children: Any) -> Schedule:
        name, keys, static = aux
        fixed = dict(static)
        it = iter(children)
        return cls(name, {k: fixed[k] if k in fixed else next(it) for k in keys})

    # -- value semantics ----------------------------------------------------------------

    def __repr__(self) -> str:
        kind = _KINDS[self._name]
        if kind.format is not None:
            return kind.format(self._args)
        return format_call(self._name, kind.signature, self._args)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schedule):
            return NotImplemented
        return self is other or _identity(self) == _identity(other)

    def __hash__(self) -> int:
        return hash(_identity(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self._name, tuple(self._args.items())))

    def __copy__(self) -> Schedule:
        return self

    def __deepcopy__(self, memo: Any) -> Schedule:
        return self

    # -- arithmetic ---------------------------------------------------------------------

    def _binary(self, op: str, other: Any, reflected: bool = False) -> Schedule:
        from ._combinators import arithmetic

        if not isinstance(other, Schedule):
            if (
                isinstance(other, (str, bytes, bool))
                or other is None
                or (not isinstance(other, (int, float, np.number, jax.Array, np.ndarray)))
            ):
                return NotImplemented
        return arithmetic(op, other, self) if reflected else arithmetic(op, self, other)

    def __add__(self, other: Any) -> Schedule:
        return self._binary("+", other)

    def __radd__(self, other: Any) -> Schedule:
        return self._binary("+", other, True)

    def __sub__(self, other: Any) -> Schedule:
        return self._binary("-", other)

    def __rsub__(self, other: Any) -> Schedule:
        return self._binary("-", other, True)

    def __mul__(self, other: Any) -> Schedule:
        return self._binary("*", other)

    def __rmul__(self, other: Any) -> Schedule:
        return self._binary("*", other, True)

    def __truediv__(self, other: Any) -> Schedule:
        return self._binary("/", other)

    def __rtruediv__(self, other: Any) -> Schedule:
        return self._binary("/", other, True)


def _host_step(step: Any) -> Any:
    """A concrete step as one argument for the jitted call: sequences become one array
    (not a pytree of Python scalars), and integers beyond the index dtype (int32 with x64
    off) become floats instead of wrapping around."""
    if isinstance(step, (list, tuple, range)):
        step = np.asarray(step)
    if isinstance(step, int) and not isinstance(step, bool):
        return float(step) if abs(step) > _time.index_max() else step
    if isinstance(step, (np.ndarray, np.generic)) and np.issubdtype(step.dtype, np.integer):
        limit = _time.index_max()
        if step.size and (int(step.max()) > limit or int(step.min()) < -limit):
            return step.astype(np.float64)
    return step


def _restore(name: str, items: tuple[tuple[str, Any], ...]) -> Schedule:
    return Schedule(name, dict(items))


jax.tree_util.register_pytree_node(Schedule, Schedule.tree_flatten, Schedule.tree_unflatten)


@jax.jit
def _evaluate_jitted(schedule: Schedule, step: Any) -> Array:
    return schedule._evaluate(step)


# -- the fast call -------------------------------------------------------------------------
# Perf: passing a schedule to ``_evaluate_jitted`` flattens it in Python and converts every
# Python-number hyperparameter on every call (about 2 us each: 50-70 us for ``sgdr``, 9 ms
# for a 1,000-knot ``piecewise_constant``). Instead, on its first call a schedule packs its
# Python ints and floats once into two device vectors, *weakly typed* like the Python
# numbers ``jit`` would receive, and calls a jitted function shared by every schedule of
# the same structure, which unpacks them: the traced computation is exactly the one
# ``_evaluate_jitted`` traces, and a call costs one dispatch with four arguments.


class _Packed(NamedTuple):
    dtype: np.dtype  # the index dtype (x64 on or off) the vectors were packed for
    fn: Callable[..., Array] | None  # None: a hyperparameter is traced
    args: tuple[Any, ...]  # (ints, floats, other leaves)


@jax.jit
def _weaken(values: Array, zero: Any) -> Array:
    # A Python number passed to jit is weakly typed; broadcasting and updating keep that.
    return jax.lax.broadcast(zero, values.shape).at[:].set(values)


def _weak_vector(xs: list[Any], dtype: np.dtype, zero: Any) -> Array:
    """``xs`` as a weakly typed 1-D array, zero-padded to a power of two (at least 8) so
    that a process compiles ``_weaken`` for a few sizes only; concrete even when the first
    call of the schedule happens inside an outer ``jit`` (it is cached on the schedule)."""
    size = max(8, 1 << (len(xs) - 1).bit_length())
    values = np.zeros(size, dtype)
    values[: len(xs)] = xs
    with jax.ensure_compile_time_eval():
        return _weaken(values, zero)


def _on_device(xs: list[Any]) -> tuple[Any, ...]:
    """Array leaves (collapsed knot lists) moved to the device once, not on every call."""
    with jax.ensure_compile_time_eval():
        return tuple(jnp.asarray(x) if isinstance(x, np.ndarray) else x for x in xs)


def _kind(x: Any) -> str:
    if type(x) is int:
        return "i"
    return "f" if type(x) is float else "a"


def _pack(schedule: Schedule) -> _Packed:
    index = _time.index_dtype()
    leaves, treedef = jax.tree_util.tree_flatten(_collapse(schedule))  # big ints: floats
    if any(_is_tracer(x) for x in leaves):
        return _Packed(index, None, ())
    kinds = "".join(_kind(x) for x in leaves)
    pick = lambda k: [x for x, kind in zip(leaves, kinds, strict=True) if kind == k]  # noqa: E731
    floats = pick("f")
    fix = np.zeros(max(8, 1 << (len(floats) - 1).bit_length()), _time.float_dtype())
    fix[: len(floats)] = [_time.host_correction(x) for x in floats]
    with jax.ensure_compile_time_eval():
        fix_vector = jnp.asarray(fix)
    args = (
        _weak_vector(pick("i"), index, 0),
        _weak_vector(floats, _time.float_dtype(), 0.0),
        fix_vector,
        _on_device(pick("a")),
    )
    return _Packed(index, _unpacking(treedef, kinds), args)


def evaluator(schedule: Schedule) -> tuple[Callable[..., Array], tuple[Any, ...]]:
    """``(fn, args)`` such that ``fn(*args, step)`` is ``schedule(step)``: the jitted
    function for the schedule's structure and its packed hyperparameters. Tools that jit
    their own loops over a schedule (``evaluate``, ``summary``) call this inside them, so
    they keep the packed path's full-precision hyperparameters."""
    packed = schedule._packed
    if packed is None or packed.dtype != _time.index_dtype():
        packed = _pack(schedule)
        object.__setattr__(schedule, "_packed", packed)
    if packed.fn is None:
        return _evaluate_jitted, (schedule,)
    return packed.fn, packed.args


@functools.lru_cache(maxsize=4096)
def _unpacking(treedef: Any, kinds: str) -> Callable[..., Array]:
    """The jitted evaluation for one structure, taking the packed hyperparameters."""

    def evaluate(
        ints: Array, floats: Array, fixes: Array, others: tuple[Any, ...], step: Any
    ) -> Array:
        float_leaves = list(floats)
        pools = {"i": iter(list(ints)), "f": iter(float_leaves), "a": iter(others)}
        leaves = [next(pools[k]) for k in kinds]
        # The bits float32 dropped from each float hyperparameter, for _time.power.
        table = {id(x): (x, c) for x, c in zip(float_leaves, list(fixes), strict=True)}
        with _time.corrections(table):
            return jax.tree_util.tree_unflatten(treedef, leaves)._evaluate(step)

    return jax.jit(evaluate)
