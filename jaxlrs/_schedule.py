"""The :class:`Schedule` type: an immutable, callable PyTree that prints as the
expression that builds it."""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import Any

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
    origin: str | None = None  # a module that registers it when imported (for unpickling)
    steady: str | None = None  # the argument that is the value, for a kind whose value
    # does not depend on the step (``constant``)


_KINDS: dict[str, Kind] = {}


def kinds() -> Mapping[str, Kind]:
    """Every registered constructor by name (for parse/to_dict)."""
    return _KINDS


def register(
    apply: Callable[..., Array],
    *,
    fmt: Callable[..., str] | None = None,
    name: str | None = None,
    origin: str | None = None,
    replace: bool = False,
    steady: str | None = None,
):
    """Decorator: make ``constructor`` a public constructor whose schedules evaluate as
    ``apply(time, **args)``. ``name`` (default: the function's name) is what the repr
    prints and ``parse`` accepts, e.g. ``"compat.torch.CyclicLR"`` for a constructor
    reachable as ``jaxlrs.compat.torch.CyclicLR``; the constructor must build its
    ``Schedule`` under that same name. ``origin``: a module that registers the name when
    imported, which unpickling imports when the name is unknown (kinds registered from
    outside jaxlrs). ``replace``: replace a registered kind; every compiled evaluation is
    dropped (``jax.clear_caches``), since it may hold the old ``apply``. ``steady``: the
    argument that is the value at every step, for a kind whose value does not depend on
    the step: compiled into a caller's program on a Python number it is one literal (see
    ``Schedule.__call__``)."""

    def deco(constructor: Callable[..., Schedule]) -> Callable[..., Schedule]:
        key = name or constructor.__name__
        if key in _KINDS and not replace:
            raise RuntimeError(f"jaxlrs: constructor {key!r} registered twice")
        if key in _KINDS:
            _unpacking.cache_clear()
            jax.clear_caches()
        signature = inspect.signature(constructor)
        _KINDS[key] = Kind(key, constructor, signature, apply, fmt, origin, steady)
        return constructor

    return deco


BUILDING = [False]
"""True while a recipe rebuilds its body (:func:`expands`). The body's constructors then
keep a nonzero value below ``2**-92`` that the recipe derives from its checked
hyperparameters (``init_value * alpha`` with a tiny ``init_value``) instead of refusing
it: with traced hyperparameters (an eager call) the same value is never checked, so a
schedule evaluated on its Python numbers (its constant form in a user's ``jit``) must
accept it too (``_check._representable``, which sets :data:`TINY`)."""

TINY = _time.TINY
"""Set when a recipe's body kept such a value (see :data:`BUILDING`), or an evaluation on
Python numbers derived one (``_time.TINY``): a schedule compiled into a caller's program
then takes its general program on opaque arguments, because XLA's folding of constants
(``c / length`` for ``c`` below ``2**-92``) could create a number below float32's normal
range and flush it to 0."""


def expands(build: Callable[..., Schedule]) -> Callable[..., Array]:
    """``apply`` for a recipe: rebuild the recipe's body from its hyperparameters (which
    may be tracers) and evaluate that."""

    def apply(time: Time, **args: Any) -> Array:
        before, BUILDING[0] = BUILDING[0], True
        try:
            body = build(**args)
        finally:
            BUILDING[0] = before
        return body._apply(time)

    return apply


def _is_static(v: Any) -> bool:
    """Whether a constructor argument is part of the structure: strings and bools
    (options), functions, and None (an option left out). Decided once, when a constructor
    builds the schedule (see :class:`Schedule`), never from what a leaf holds later."""
    return v is None or isinstance(v, (str, bool)) or (callable(v) and not isinstance(v, Schedule))


class _WideInt(float):
    """The pytree leaf of a Python-int hyperparameter beyond the index dtype (int32, or
    int64 under x64): a float, so that ``jax.jit`` receives it as a weakly typed float
    (as a Python float; a Python int would raise ``OverflowError``), that remembers the
    exact int. ``tree_unflatten`` gives the int back when the leaf returns unchanged, so a
    flatten / unflatten round trip is exact (``2**53 + 1`` stays odd). Arithmetic on it
    gives plain floats."""

    __slots__ = ("exact",)
    exact: int


def _wide_int(v: int) -> Any:
    try:
        leaf = _WideInt(v)
    except OverflowError:  # beyond any float: stays an int (it cannot pass through jit)
        return v
    leaf.exact = v
    return leaf


def _leaf(v: Any) -> Any:
    """A hyperparameter as it flattens: ints beyond the index dtype as a ``_WideInt``."""
    if type(v) is int and abs(v) > _time.index_max():
        return _wide_int(v)
    if type(v) is tuple:
        return tuple(_leaf(x) for x in v)
    return v


def _unleaf(v: Any) -> Any:
    """The inverse of ``_leaf`` for leaves that come back unchanged."""
    if type(v) is _WideInt:
        return v.exact
    if type(v) is tuple:
        return tuple(_unleaf(x) for x in v)
    return v


def _unsigned_max() -> int:
    return int(np.iinfo(_time.unsigned()).max)


def _widen(v: Any) -> Any:
    """For the packed eager path: a Python int beyond the index dtype as a float (never an
    OverflowError). A scalar int may be a value as well as a step count, and values meet
    floats, so it is not made unsigned the way a list of boundaries is (``_collapse``)."""
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > _time.index_max():
        return float(v)
    return v


def _collapse(v: Any) -> Any:
    """``v`` with every list of numbers (knots, boundaries, milestones) as ONE array, for
    the packed eager path: 10,000 knots are then one jit argument and one constant rather
    than 10,000 (compile time would grow with the number of knots). float64/int64 keep the
    exact values; JAX narrows them at the jit boundary. A list of non-negative ints with
    one above the index dtype is unsigned when the unsigned type holds them all (as
    ``_time.counts`` makes it), else float64. Scalar ints beyond the index dtype: see
    ``_widen``."""
    if isinstance(v, Schedule):  # static arguments are structure (hashed): as they are
        args = {k: x if k in v._static else _collapse(x) for k, x in v._args.items()}
        return Schedule(v._name, args, static=v._static)
    if isinstance(v, tuple):
        if v and all(_time.python_real(x) for x in v):
            ints = all(isinstance(x, int) for x in v)
            if ints and max(map(abs, v)) <= _time.index_max():
                return np.asarray(v, np.int64)
            if ints and min(v) >= 0 and max(v) <= _unsigned_max():
                return np.asarray(v, _time.unsigned())
            return np.asarray(v, np.float64)
        return tuple(_collapse(x) for x in v)
    return _widen(v)


def _identity(v: Any) -> Any:
    """What equality and hashing compare: the hyperparameters exactly as given (not as
    they travel), tracers by identity."""
    if isinstance(v, Schedule):
        return (v._name, v._static, tuple((k, _identity(x)) for k, x in v._args.items()))
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
        return tuple(a.tolist())  # equal to the tuple it came from
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

    * ``step``: a Python int or float, or a NumPy/JAX integer or float scalar or array of
      any shape (floats are fractional steps, e.g. epochs); a list or tuple of such numbers
      is read as an array. Negative steps give the step-0 value. Anything else (bools,
      complex numbers, strings, None, other objects; under ``jit`` a bool or complex
      tracer) raises ``TypeError``.
    * Returns a strongly typed float32 array (float64 under x64) of the step's shape.
    * ``repr(s)`` is a jaxlrs expression that rebuilds an equal schedule; equal
      hyperparameters compare and hash equal; schedules pickle.
    * ``+ - * /`` with numbers or schedules build new schedules.

    As a PyTree, which arguments are static is decided once, when the constructor builds
    the schedule, by their role: strings and bools (options), functions, and None (an
    option left out) are static; numbers, arrays and lists of numbers are leaves; nested
    schedules are subtrees. The structure therefore never depends on what the leaves hold:
    schedules that differ only in numeric values have equal treedefs, and
    ``jax.tree.map`` may replace the leaves by arrays, bools, None or any object and back
    (``optax.masked``-style masks, ``equinox.partition``) and gives an equal schedule.
    A Python-int leaf too large for the index dtype (int32, or int64 under x64) flattens to
    a float (a subclass of ``float``), so that ``jax.jit`` receives a weakly typed float
    instead of raising ``OverflowError``; that float remembers the int, and
    ``tree_unflatten`` of the unchanged leaf gives back exactly the int, so
    ``tree_unflatten(treedef, leaves)`` of a flattened schedule equals it.

    A call evaluates through one cached jitted function per structure, with the
    hyperparameters as its arguments (some microseconds a call outside any
    transformation; with a host step such a call runs on the host CPU backend, see
    :meth:`__call__`). Under ``vmap`` and ``grad`` the same function is transformed, so
    ``s(steps)`` and ``jax.vmap(s)(steps)`` agree bit for bit. Inside an outer ``jit`` or
    ``scan`` (``optax.adam(learning_rate=s)`` in a jitted step) a schedule whose
    hyperparameters are Python numbers is traced as its own graph on those numbers, the
    *constant form*: it takes the exact paths the numbers allow (an integer
    ``period_mult`` of 1, a cosine or polynomial decay between two non-negative ends, a
    table of the stairs of a decay, levels formed in float64), a smaller program, faster
    to compile, than the general one. Its values are within the contract's tolerance of
    the eager call's, not bit for bit (they may differ in the last bits; tested on every
    example schedule). With any hyperparameter a JAX array or tracer the general program
    is compiled into the caller instead.
    """

    __slots__ = ("__weakref__", "_args", "_name", "_packed", "_static")
    _name: str
    _args: dict[str, Any]
    _static: tuple[str, ...]  # the static arguments' names, in argument order
    _packed: _Packed | None  # a cache for __call__, filled on the first call

    def __init__(
        self, name: str, args: Mapping[str, Any], static: tuple[str, ...] | None = None
    ) -> None:
        args = dict(args)
        if static is None:  # a constructor building it: the roles follow from the values
            static = tuple(k for k, v in args.items() if _is_static(v))
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_args", args)
        object.__setattr__(self, "_static", static)
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
        shape = jnp.shape(time.n)
        return out if jnp.shape(out) == shape else jnp.broadcast_to(out, shape)

    def __call__(self, step: Any) -> Array:
        """The values at ``step`` (see the class docstring for the steps accepted).

        Where it runs: an *eager* call, one whose step is a host value (a Python int or
        float, a NumPy scalar or array, a list of numbers) made outside any JAX
        transformation with concrete hyperparameters, as a logging line makes it, runs on
        the host CPU backend (``jax.devices("cpu")[0]``), whatever the default device: on
        a GPU or TPU it neither queues behind a training step nor waits for one. It
        returns an *uncommitted* array on that CPU device, which mixes freely with arrays
        on any device (``lr * grads`` moves ``lr`` to the device of ``grads``). Its values
        are bit for bit those of the same call on the default device (one compiled
        function per structure, on the same hyperparameters). A step that is a
        ``jax.Array`` evaluates where JAX puts it (its device, or the default device);
        inside ``jit``, ``vmap``, ``grad`` or ``scan`` the call is traced into the caller,
        and with a traced hyperparameter it is traced too: both exactly as without this
        rule. Without a CPU backend (``JAX_PLATFORMS=cuda``) an eager call runs on the
        default device."""
        packed = self._packed
        kind = type(step)
        if (  # the fast path of an eager call with a Python-number step (see _on_host)
            (kind is int or kind is float)
            and packed is not None
            and packed.host is not None
            and packed.x64 == jax.config.jax_enable_x64  # type: ignore[attr-defined]
            and (kind is float or -packed.limit <= step <= packed.limit)
            and _at_top_level()
        ):
            return _on_host(packed, step)
        step = _host_step(self, step)
        if _staging(step) and not self._traced():
            # Compiled into a caller's program (a user's jit or scan) with concrete
            # hyperparameters: the schedule's own graph on its Python values (the constant
            # form), which picks the exact paths those values allow (an integer
            # period_mult of 1, a cosine between non-negative ends, ...) and is smaller
            # and faster to compile than the general program on packed vectors; what the
            # numbers alone decide is worked out while tracing. Knot lists as one array
            # each, as packed: one constant, not one per knot.
            # One step at a time, mapped over the steps: what the numbers alone decide
            # stays a scalar (worked out for an array of steps it would be an array of
            # their shape, embedded whole in the caller's program: gigabytes for 10**7
            # steps of a float period_mult).
            steady = _steady(self)
            if steady is not None:  # the value, one literal: nothing to trace
                return _staged(steady, jnp.shape(step))
            collapsed, f, shape = _collapse(self), _time.float_dtype(), jnp.shape(step)

            def one(x: Any) -> Array:
                with jax.ensure_compile_time_eval():
                    return jnp.asarray(collapsed._apply(_time.start(x)), f)

            before, TINY[0] = TINY[0], False
            try:
                # (jit inside vmap: the scalar program is traced first, and mapped after,
                # outside the compile-time evaluation, so its scalars broadcast there)
                if shape:
                    out = jax.vmap(jax.jit(one))(jnp.ravel(step)).reshape(shape)
                else:
                    out = one(step)
                tiny = TINY[0]
            finally:
                TINY[0] = before
            if not tiny:
                return _staged(out, shape)
            fn, args = evaluator(self)  # see TINY: the eager call's program, opaque
            return fn(*jax.lax.optimization_barrier(args), step)
        # Otherwise always through the one jitted function (also under vmap/grad, and
        # nested inside an outer jit), so that s(steps) and jax.vmap(s)(steps) run the
        # same compiled code and agree bit for bit (op-by-op eager evaluation rounds
        # differently). That is the function for this structure taking the packed
        # hyperparameters (see _pack), or _evaluate_jitted while a hyperparameter is traced.
        fn, args = evaluator(self)
        host = type(step) in (int, float) or isinstance(step, (np.ndarray, np.generic))
        if host and fn is not _evaluate_jitted and _at_top_level():
            return _on_host(self._packed, step)  # type: ignore[arg-type]
        return fn(*args, step)

    def _traced(self) -> bool:
        """Whether a hyperparameter is a tracer (known from the packed form once made)."""
        packed = self._packed
        if packed is not None:
            return packed.fn is None
        return any(_is_tracer(x) for x in jax.tree_util.tree_leaves(self))

    # -- pytree -------------------------------------------------------------------------

    def tree_flatten(self) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        args, static = self._args, self._static
        children = tuple(_leaf(v) for k, v in args.items() if k not in static)
        return children, (self._name, tuple(args), tuple((k, args[k]) for k in static))

    @classmethod
    def tree_unflatten(cls, aux: tuple[Any, ...], children: Any) -> Schedule:
        name, keys, static = aux
        fixed = dict(static)
        it = iter(children)
        args = {k: fixed[k] if k in fixed else _unleaf(next(it)) for k in keys}
        return cls(name, args, static=tuple(fixed))

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
        kind = _KINDS.get(self._name)
        state: tuple[Any, ...] = (self._name, tuple(self._args.items()), self._static)
        if kind is not None and kind.origin is not None:
            state += (kind.origin,)
        return (_restore, state)

    def __copy__(self) -> Schedule:
        return self

    def __deepcopy__(self, memo: Any) -> Schedule:
        return self

    # -- arithmetic ---------------------------------------------------------------------

    def _binary(self, op: str, other: Any, reflected: bool = False) -> Schedule:
        if not isinstance(other, Schedule):
            if (
                isinstance(other, (str, bytes, bool))
                or other is None
                or (not isinstance(other, (int, float, np.number, jax.Array, np.ndarray)))
            ):
                return NotImplemented
        # The registered constructor (``_combinators.arithmetic``): this module knows no
        # concrete combinator.
        kind = _KINDS.get("arithmetic")
        if kind is None:
            raise RuntimeError("jaxlrs: the arithmetic combinator is not registered")
        arithmetic = kind.constructor
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

    def __pow__(self, other: Any) -> Schedule:
        return self._binary("**", other)

    def __rpow__(self, other: Any) -> Schedule:
        return self._binary("**", other, True)


STEPS_ALLOWED = (
    "a Python int or float, or a NumPy/JAX integer or float scalar or array of any shape"
)
"""What a schedule call accepts as its step (SPEC 1.2)."""


@functools.cache
def _step_dtype(dtype: np.dtype) -> str:
    """``"i"`` (integer), ``"f"`` (floating) or ``""`` (not a step: bool, complex, ...)."""
    if np.dtype(dtype).kind == "b":
        return ""
    if jnp.issubdtype(dtype, jnp.integer):
        return "i"
    return "f" if jnp.issubdtype(dtype, jnp.floating) else ""


def _bad_step(schedule: Schedule, step: Any, why: str = "") -> TypeError:
    if _is_tracer(step) or isinstance(step, (np.ndarray, np.generic, jax.Array)):
        shown = f"{type(step).__name__} of dtype {step.dtype} and shape {np.shape(step)}"
    else:
        text = repr(step)
        shown = f"{text if len(text) <= 60 else text[:57] + '...'} ({type(step).__name__})"
    return TypeError(f"{schedule._name}(...)(step): step must be {STEPS_ALLOWED}, got {shown}{why}")


def _host_step(schedule: Schedule, step: Any) -> Any:
    """The step as one argument for the jitted call, checked (SPEC 1.2): sequences become
    one array (not a pytree of Python scalars), and integers beyond the index dtype (int32
    with x64 off) become floats instead of wrapping around."""
    kind = type(step)
    if kind is int:
        return step if abs(step) <= _time.index_max() else _big_step(schedule, step)
    if kind is float:
        return step
    if isinstance(step, jax.Array):  # also a tracer, under jit/vmap/grad
        if not _step_dtype(step.dtype):
            raise _bad_step(schedule, step)
        return step
    given = step
    if isinstance(step, (list, tuple, range)):
        try:
            step = steps_array(step)
        except (TypeError, ValueError) as e:
            raise _bad_step(schedule, step, f" ({e})") from None
    if isinstance(step, (np.ndarray, np.generic)):
        found = _step_dtype(step.dtype)
        if not found:
            raise _bad_step(schedule, given)
        if found == "i":
            limit = _time.index_max()
            if step.size and (int(step.max()) > limit or int(step.min()) < -limit):
                return step.astype(np.float64)
        return step
    if isinstance(step, bool) or not isinstance(step, (int, float)):
        raise _bad_step(schedule, step)
    return _host_step(schedule, int(step) if isinstance(step, int) else float(step))


def steps_array(steps: Any) -> np.ndarray:
    """A list or tuple of steps as one NumPy array; Python ints beyond int64 make it
    float64 (as a single such int travels as a float) instead of an object array."""
    out = np.asarray(steps)
    if out.dtype == object and all(_time.python_real(x) for x in out.ravel().tolist()):
        out = out.astype(np.float64)
    return out


def _big_step(schedule: Schedule, step: int) -> float:
    """A Python-int step beyond the index dtype, as a float."""
    try:
        return float(step)
    except OverflowError:
        raise ValueError(
            f"{schedule._name}(...)(step): step must be {STEPS_ALLOWED} that a float can "
            f"hold, got an integer of {step.bit_length()} bits"
        ) from None


def _restore(
    name: str,
    items: tuple[tuple[str, Any], ...],
    static: tuple[str, ...] | None = None,
    origin: str | None = None,
) -> Schedule:
    if origin is not None and name not in _KINDS:
        _import_origin(name, origin)
    return Schedule(name, dict(items), static=static)


def _import_origin(name: str, origin: str) -> None:
    """Import the module that registers ``name`` (unpickling in a fresh process)."""
    why = ""
    if origin != "__main__":
        try:
            importlib.import_module(origin)
        except Exception as e:
            why = f"; importing it failed: {type(e).__name__}: {e}"
    if name in _KINDS:
        return
    if origin == "__main__":
        where = (
            "module '__main__' (a script, notebook or interactive session), which does not "
            "define it in this process; run its definition before unpickling, or move the "
            "definition into an importable module"
        )
    else:
        where = f"module {origin!r}{why or ', which did not define it when imported'}"
    raise ValueError(f"jaxlrs: cannot unpickle the schedule {name!r}: it is defined in {where}")


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


@dataclasses.dataclass(eq=False)
class _Packed:
    dtype: np.dtype  # the index dtype (x64 on or off) the vectors were packed for
    fn: Callable[..., Array] | None  # None: a hyperparameter is traced
    args: tuple[Any, ...]  # (ints, floats, fixes, words, other leaves), on the default device
    structure: tuple[Any, ...] = ()  # (treedef, kinds): what ``fn`` was built for
    raw: tuple[Any, ...] = ()  # the host values ``args`` were made from
    host: tuple[Any, ...] | None = None  # ``args`` on the CPU device, made on first use
    x64: bool = False  # jax_enable_x64 when packed (read faster than the index dtype)
    limit: int = 0  # the index dtype's largest value


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


def _on_device(xs: list[Any], cpu: Any = None) -> tuple[Any, ...]:
    """Array leaves (collapsed knot lists) moved to the device once, not on every call.
    With ``cpu``: for the host copy (``_host_args``), also a JAX array left uncommitted
    on another device is copied to it, with its weak type (a committed one stays where
    its owner put it, and the call runs there)."""
    with jax.ensure_compile_time_eval():  # device_put: jnp.asarray compiles a program here
        out = tuple(jax.device_put(x) if isinstance(x, np.ndarray) else x for x in xs)
        if cpu is None:
            return out
        return tuple(_copy_to_host(x, cpu) for x in out)


@jax.jit
def _weak_copy(values: Array, zero: Any) -> Array:
    return jax.lax.broadcast(zero, values.shape).at[...].set(values)


def _copy_to_host(x: Any, cpu: Any) -> Any:
    if not isinstance(x, jax.Array) or x.committed or x.devices() == {cpu}:
        return x
    values = np.asarray(x)
    with jax.default_device(cpu):
        if not x.weak_type:
            return jnp.asarray(values)
        return _weak_copy(values, 0 if values.dtype.kind in "iu" else 0.0)


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
    words = np.zeros((len(fix), _time.WORDS), _time.unsigned())
    if floats:  # each float's exact float64 value, for _time.float_floordiv
        words[: len(floats)] = [_time.host_words(x) for x in floats]
    raw = (pick("i"), floats, fix, words, pick("a"))
    fn = _unpacking(treedef, kinds)
    x64 = bool(jax.config.jax_enable_x64)  # type: ignore[attr-defined]
    return _Packed(index, fn, _place(raw), (treedef, kinds), raw, None, x64, _time.index_max())


def _place(raw: tuple[Any, ...], cpu: Any = None) -> tuple[Any, ...]:
    """The packed arguments, uncommitted on the default device (``cpu``: see
    ``_on_device``)."""
    ints, floats, fix, words, others = raw
    with jax.ensure_compile_time_eval():
        # device_put (a transfer): under compile-time evaluation jnp.asarray would compile
        # a program per shape (a first ``show`` in a fresh process paid about 30 ms)
        fix_vector, word_table = jax.device_put(fix), jax.device_put(words)
    return (
        _weak_vector(ints, _time.index_dtype(), 0),
        _weak_vector(floats, _time.float_dtype(), 0.0),
        fix_vector,
        word_table,
        _on_device(others, cpu),
    )


# -- eager calls on the host ---------------------------------------------------------------
# An eager call with a host step runs on the CPU backend (see ``Schedule.__call__``): the
# same jitted function, given a copy of the packed arguments that lives, uncommitted, on
# the CPU device, and called with that device as the default one, so that the step goes
# there and the result stays uncommitted (it then moves to wherever it is used; a
# *committed* CPU array would raise when added to an array committed to another device).


@functools.cache
def _host_device() -> tuple[Any, bool]:
    """The CPU device (None without a CPU backend), and whether it is the process's
    default device when no ``jax.default_device`` is set."""
    try:
        cpu = jax.devices("cpu")[0]
    except RuntimeError:  # JAX_PLATFORMS without cpu
        return None, False
    return cpu, jax.devices()[0] == cpu


def _on_host(packed: _Packed, step: Any) -> Array:
    cpu, is_default = _host_device()
    if cpu is None:
        return packed.fn(*packed.args, step)  # type: ignore[misc]
    args = packed.host
    if args is None:
        args = packed.host = _host_args(packed, cpu)
    chosen = jax.config.jax_default_device  # type: ignore[attr-defined]
    if (chosen is None and is_default) or chosen is cpu:
        return packed.fn(*args, step)  # type: ignore[misc]
    with jax.default_device(cpu):
        return packed.fn(*args, step)  # type: ignore[misc]


def _host_args(packed: _Packed, cpu: Any) -> tuple[Any, ...]:
    """The packed arguments uncommitted on ``cpu``: the default ones when they are there."""
    if all(a.devices() == {cpu} for a in packed.args[:4]) and all(
        not isinstance(a, jax.Array) or a.devices() == {cpu} for a in packed.args[4]
    ):
        return packed.args
    with jax.default_device(cpu):
        return _place(packed.raw, cpu)


def _steady(schedule: Schedule) -> np.ndarray | None:
    """The value of a schedule whose kind's value does not depend on the step
    (``Kind.steady``), on a Python number, rounded to the float dtype as ``_time.value``
    rounds it; else None. (Its constant form then traces no operation: a traced step's
    clamp and a concrete array made under compile-time evaluation cost about 0.2 ms, more
    than ``optax.constant_schedule``'s whole trace.)"""
    name = _KINDS[schedule._name].steady
    if name is None:
        return None
    x = schedule._args[name]
    if not _time.python_real(x) or not (x == 0 or _time.SMALLEST <= abs(x) <= _time.F32_MAX):
        return None  # (a value a recipe's body kept below 2**-92: see TINY)
    return np.asarray(x, _time.float_dtype())


def _staged(out: Array | np.ndarray, shape: tuple[int, ...]) -> Array:
    """A constant form's value ``out`` at steps of ``shape``, as part of the caller's
    program: a value that does not depend on the step (worked out while tracing) becomes
    one scalar constant of the program and is broadcast there, never a concrete array of
    the steps' shape (a 40 MB constant for 10**7 steps)."""
    if isinstance(out, np.ndarray):
        out = jnp.asarray(out)  # a literal of the program
    elif not isinstance(out, jax.core.Tracer) and out.size == 1:
        out = jnp.asarray(np.asarray(out).reshape(out.shape))  # a literal of the program
    return out if jnp.shape(out) == shape else jnp.broadcast_to(out, shape)


def _at_top_level() -> bool:
    """Whether no JAX transformation (``jit``, ``vmap``, ``grad``, ...) is tracing."""
    check = _trace_state_clean
    return check() if check is not None else _probe_top_level()


def _probe_top_level() -> bool:
    """The public-API fallback of ``_at_top_level`` (a few microseconds); under ``vmap``
    or ``grad`` alone it says True, so there an eager call with a host step would run on
    the host too (its value is a constant of the computation)."""
    return not _staging()


def _staging(step: Any = None) -> bool:
    """Whether a staging transformation (``jit``, ``scan``, ...) is tracing ``step`` (any
    such transformation, without a step): JAX's staged tracer where this JAX release has
    it, else the probe that an operation on concrete values gives a tracer (under
    ``vmap`` or ``grad`` alone it does not)."""
    if step is not None and _Staged is not None:
        return isinstance(step, _Staged)
    return _is_tracer(jnp.zeros((), jnp.int32) + 0)


_Staged: type | None
try:  # the tracer of jit and scan (internal; present in jax 0.10.2), with the probe above
    from jax._src.interpreters.partial_eval import DynamicJaxprTracer as _Staged
except ImportError:  # pragma: no cover
    _Staged = None

_trace_state_clean: Callable[[], bool] | None
try:  # JAX's own check (internal; present in jax 0.10.2), with the probe above
    # as its fallback should a JAX release move it
    from jax._src.core import trace_state_clean as _trace_state_clean
except ImportError:  # pragma: no cover
    _trace_state_clean = None


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


class _Row:
    """Row ``j`` of the packed words, each word indexed only when read."""

    __slots__ = ("j", "table")

    def __init__(self, table: Array, j: int) -> None:
        self.table, self.j = table, j

    def __getitem__(self, i: int) -> Array:
        return self.table[self.j, i]


@functools.lru_cache(maxsize=4096)
def _unpacking(treedef: Any, kinds: str) -> Callable[..., Array]:
    """The jitted evaluation for one structure, taking the packed hyperparameters."""
    n_ints, n_floats = kinds.count("i"), kinds.count("f")

    def evaluate(
        ints: Array,
        floats: Array,
        fixes: Array,
        words: Array,
        others: tuple[Any, ...],
        step: Any,
    ) -> Array:
        # Only the slots in use: the vectors' padding is never read (nothing to trace,
        # lower and eliminate again).
        float_leaves = [floats[j] for j in range(n_floats)]
        pools = {
            "i": iter([ints[j] for j in range(n_ints)]),
            "f": iter(float_leaves),
            "a": iter(others),
        }
        leaves = [next(pools[k]) for k in kinds]
        # The bits float32 dropped from each float hyperparameter, for _time.power, and
        # its exact float64 value, for _time.float_floordiv (a row of words, read only
        # where a floor asks for it).
        table = {id(x): (x, fixes[j]) for j, x in enumerate(float_leaves)}
        exact = {id(x): (x, _Row(words, j)) for j, x in enumerate(float_leaves)}
        with _time.corrections(table), _time.words(exact):
            return jax.tree_util.tree_unflatten(treedef, leaves)._evaluate(step)

    return jax.jit(evaluate)
