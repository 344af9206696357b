"""``inject``: an Optax transformation whose hyperparameters live in its state.

The update with count ``k`` (the number of updates before it, from 0) calls
``factory(**hyperparameters at k)`` and runs that transformation's update:

    value(name, k) = held(k)                      for a jaxlrs Schedule (``_held.hold``)
                   = controller.value(cstate, k)  for a Controller
                   = the number                   for a float number

Everything that may change without a recompile (the count, each schedule's numeric
leaves, each controller's state, each float number, the values the last update used)
is an array in the state; the structure (which constructors, which options) is the
state's treedef.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._controller import Controller
from .._held import Held, hold
from .._schedule import Schedule

Array = jax.Array

_INT32_MAX = np.iinfo(np.int32).max


class InjectState(NamedTuple):
    """The state of :func:`inject` (a pytree of arrays only).

    Attributes:
      count: int32 scalar, the number of updates so far (saturates at ``2**31 - 1``).
      schedules: ``{name: Held}``, each scheduled hyperparameter as arrays.
      controllers: ``{name: state}``, each controller's state.
      values: ``{name: Array}``, the value of every held hyperparameter (schedules,
        controllers, float numbers) that the most recent update used; before any update,
        the values the first update will use. For a float number it is also where the
        number lives: the next update reads it from here.
      inner_state: the state of ``factory(**hyperparameters)``.
    """

    count: Array  # type: ignore[assignment]  # (a field named as in Optax's states)
    schedules: dict[str, Held]
    controllers: dict[str, Any]
    values: dict[str, Array]
    inner_state: Any


def _float_dtype() -> Any:
    """float32, or float64 under x64: the dtype every value is computed in."""
    return jnp.result_type(float)


def _strong(x: Any) -> Array:
    """``x`` as a strongly typed array of its own dtype, so that a checkpoint round trip
    (NumPy arrays are never weakly typed) gives back the same avals, and no retrace."""
    x = jnp.asarray(x)
    return jax.lax.convert_element_type(x, x.dtype)


def _weak(x: Array) -> Array:
    """``x`` (a scalar of the default float dtype) weakly typed, as a Python float is:
    ``-lr * g`` then keeps ``g``'s dtype (bfloat16 stays bfloat16, float32 stays float32
    under x64), exactly as ``optax.adam(learning_rate=0.1)`` does."""
    return jax.lax.full_like(0.0, x)


def _increment(count: Array) -> Array:
    """``count + 1``, saturating at ``2**31 - 1`` (as ``optax.safe_increment``)."""
    return jnp.where(count < _INT32_MAX, count + 1, count)


def _is_float_number(x: Any) -> bool:
    if isinstance(x, bool | np.bool_):
        return False
    if isinstance(x, numbers.Real) and not isinstance(x, numbers.Integral):
        return True  # Python and NumPy floats
    if isinstance(x, jax.Array | np.ndarray | np.generic):
        return jnp.issubdtype(x.dtype, jnp.floating) and np.ndim(x) == 0
    return False


def _finite(x: Any) -> bool:
    """Whether ``x`` is finite (a traced number cannot be checked: True)."""
    try:
        return bool(np.isfinite(np.asarray(x)))
    except jax.errors.TracerArrayConversionError:
        return True


def _holds_floats(x: Any) -> bool:
    """Whether ``x`` is a container or an array holding floats (which ``inject`` cannot
    hold as one hyperparameter)."""
    if isinstance(x, jax.Array | np.ndarray):
        return bool(jnp.issubdtype(x.dtype, jnp.floating))
    if isinstance(x, Schedule | Controller):
        return True
    if isinstance(x, tuple | list | dict):
        return any(_holds_floats(v) for v in (x.values() if isinstance(x, dict) else x))
    return _is_float_number(x)


def _describe(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_names(factory: Callable[..., Any], names: list[str]) -> None:
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return  # not inspectable (a builtin, some C extension): the factory will tell
    params = signature.parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    named = [
        k
        for k, p in params.items()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    fn = getattr(factory, "__name__", repr(factory))
    for name in names:
        if name not in named:
            raise TypeError(
                f"inject(): {fn}() has no hyperparameter {name!r}; "
                f"its parameters are {', '.join(named) or 'none'}"
            )
    missing = [k for k in named if params[k].default is inspect.Parameter.empty and k not in names]
    if missing:
        raise TypeError(
            f"inject(): {fn}() needs {', '.join(repr(k) for k in missing)}, "
            "pass it (a jaxlrs Schedule, a number or a controller) to inject()"
        )


def inject(
    factory: Callable[..., optax.GradientTransformation], **hyperparameters: Any
) -> optax.GradientTransformationExtraArgs:
    """``factory`` called, at every update, with each hyperparameter's current value.

    The update with count ``k`` (``k`` earlier updates; the first update uses ``k = 0``)
    uses ``s(k)`` for every schedule ``s`` (exactly the values of ``s(jnp.arange(n))``),
    ``controller.value(state, k)`` for every controller, and the number for every float
    number: ``factory(**values).update(updates, inner_state, params, **extra_args)``.
    The schedules, the controllers' states, the float numbers, the count and the values
    the last update used all live in the state (:class:`InjectState`), as arrays:

    * :func:`set_schedules` swaps a schedule for one of the same structure without a
      retrace, and :func:`current` reads the values back (inside or outside ``jit``);
    * ``jax.vmap`` over a stack of states (``jax.tree.map(lambda *x: jnp.stack(x),
      *states)``) trains one model per schedule in one program;
    * the state checkpoints (``jax.tree.map(np.asarray, state)``, pickle) and a restored
      run continues bit for bit; ``equinox.filter_jit`` does not retrace.

    Args:
      factory: a function of hyperparameters returning an Optax transformation
        (``optax.adam``, ``optax.adamw``, ``optax.sgd``, ``lambda learning_rate, b1: ...``).
        Names are checked against its signature where it has one.
      **hyperparameters: each one of

        * a :class:`jaxlrs.Schedule`: held in the state as arrays (``jaxlrs._held.hold``);
        * a ``Controller`` (``jaxlrs.compat.torch.ReduceLROnPlateau``, any subclass of
          ``jaxlrs._controller.Controller``): its state is held; it needs the metric,
          ``update(..., value=metric)``, at every update;
        * a float number (Python, NumPy or JAX float scalar): held in the state as an
          array of the default float dtype, so that states differing only in it stack
          for ``vmap`` and :func:`set_schedules` may change it;
        * anything else is passed to ``factory`` unchanged: integers (in Optax's
          factories they are sizes and counts that must stay static: ``memory_size``),
          bools, strings, ``None``, dtypes, functions (an Optax schedule given as a
          plain function is called by ``factory`` itself; it is then neither in the
          state nor in :func:`current`: wrap it with ``jaxlrs.from_fn`` to hold it).

        A tuple, list, dict or non-scalar array holding floats is refused (pass each
        value as its own hyperparameter, or fix it with ``functools.partial``).

    Returns:
      An ``optax.GradientTransformationExtraArgs`` with
      ``update(updates, state, params=None, *, value=None, **extra_args)``. Extra
      arguments, ``value`` included, are forwarded to the inner transformation when it
      takes them (as ``optax.inject_hyperparams`` does).

    Exactness: the values are bit for bit those of ``s(jnp.arange(n))`` when the state
    enters the jitted step as an argument, as in a training loop. A state created inside
    the same jitted program (``init`` inside ``jit`` or ``scan``) makes the schedule's
    numbers compile-time constants, which XLA may fold differently: a value may then move
    in its last bits (at most 2 ulp in the tests), as Optax's own schedules do (they are
    always constants).

    Dtypes: every value is computed in float32 (float64 under x64) and handed to
    ``factory`` weakly typed, as a Python float would be, so each update keeps its dtype:
    bfloat16 updates stay bfloat16 (the rate is rounded to bfloat16 where it multiplies
    them) and float32 updates stay float32 with x64 on (``optax.inject_hyperparams``
    makes them float64 there). The values in the state are strongly typed.

    Gradient accumulation: under ``optax.MultiSteps(inject(...), k)`` the count is the
    number of real (accumulated) updates, not of micro-steps, and ``current`` reads
    through it. For a schedule written in micro-steps, stretch it by ``1 / k``; for one in
    epochs, by the updates per epoch (see the example).

    Example:
      >>> import jax.numpy as jnp, optax, jaxlrs, jaxlrs.optax
      >>> lr = jaxlrs.linear(1.0, 0.0, 4)
      >>> tx = jaxlrs.optax.inject(optax.sgd, learning_rate=lr, momentum=0.8, nesterov=True)
      >>> params = {"w": jnp.ones(2)}
      >>> state = tx.init(params)
      >>> jaxlrs.optax.current(state)  # what the first update will use: step 0
      {'learning_rate': Array(1., dtype=float32), 'momentum': Array(0.8, dtype=float32)}
      >>> for _ in range(2):
      ...     updates, state = tx.update(params, state, params)
      >>> float(jaxlrs.optax.current(state)["learning_rate"])  # the second update: step 1
      0.75

      Accumulating 4 micro-batches per update: the schedule counts updates; a schedule
      meant in micro-steps (or in epochs of 100 updates) is stretched to updates:

      >>> micro = jaxlrs.cosine(1.0, 1_000)             # 1,000 micro-steps
      >>> tx = optax.MultiSteps(
      ...     jaxlrs.optax.inject(optax.sgd, learning_rate=jaxlrs.stretch(micro, 1 / 4)), 4)
      >>> per_epoch = jaxlrs.stretch(jaxlrs.cosine(1.0, 10), 100)  # 10 epochs
      >>> bool(per_epoch(500) == jaxlrs.cosine(1.0, 10)(5))  # epoch 5 of 10
      True
    """
    if not callable(factory):
        raise TypeError(
            f"inject(): factory must be a function returning an Optax transformation "
            f"(optax.adam, optax.sgd, ...), got {_describe(factory)}"
        )
    _check_names(factory, list(hyperparameters))
    schedules: dict[str, Held] = {}
    controllers: dict[str, Controller] = {}
    numbers_: dict[str, Any] = {}
    static: dict[str, Any] = {}
    for name, x in hyperparameters.items():
        if isinstance(x, Schedule):
            schedules[name] = hold(x)
        elif isinstance(x, Controller):
            controllers[name] = x
        elif _is_float_number(x):
            if not _finite(x):
                raise ValueError(f"inject(): {name} must be a finite number, got {x!r}")
            numbers_[name] = x
        elif _holds_floats(x):
            raise TypeError(
                f"inject(): {name} must be a jaxlrs Schedule, a number or a controller, "
                f"got {_describe(x)}; inject holds scalar hyperparameters only: pass each "
                "value as its own hyperparameter, or fix this one with functools.partial"
            )
        else:
            static[name] = x

    def values_at(state: InjectState) -> dict[str, Array]:
        dtype = _float_dtype()
        count = state.count
        values = {}
        for name, held in state.schedules.items():
            values[name] = jnp.asarray(held(count), dtype)
        for name, c in controllers.items():
            values[name] = jnp.asarray(c.value(state.controllers[name], count), dtype)
        for name in numbers_:
            values[name] = jnp.asarray(state.values[name], dtype)
        return values

    def build(values: dict[str, Array]) -> optax.GradientTransformationExtraArgs:
        weak = {k: _weak(v) for k, v in values.items()}
        return optax.with_extra_args_support(factory(**static, **weak))

    def init_fn(params: Any) -> InjectState:
        dtype = _float_dtype()
        state = InjectState(
            count=jnp.zeros([], jnp.int32),
            schedules={k: jax.tree.map(_strong, h) for k, h in schedules.items()},
            controllers={k: jax.tree.map(_strong, c.init()) for k, c in controllers.items()},
            values={k: _strong(jnp.asarray(v, dtype)) for k, v in numbers_.items()},
            inner_state=None,
        )
        values = values_at(state)
        return state._replace(
            values={k: _strong(v) for k, v in values.items()},
            inner_state=build(values).init(params),
        )

    def update_fn(
        updates: Any,
        state: InjectState,
        params: Any = None,
        *,
        value: Any = None,
        **extra_args: Any,
    ) -> tuple[Any, InjectState]:
        if controllers and value is None:
            verb = "follows" if len(controllers) == 1 else "follow"
            raise ValueError(
                f"inject(): {', '.join(controllers)} {verb} a metric: pass it to every "
                "update as update(updates, state, params, value=metric)"
            )
        if value is not None:
            extra_args["value"] = value
        values = values_at(state)
        updates, inner_state = build(values).update(
            updates, state.inner_state, params, **extra_args
        )
        cstates = {
            k: jax.tree.map(_strong, c.update(state.controllers[k], state.count, value))
            for k, c in controllers.items()
        }
        return updates, InjectState(
            count=_increment(state.count),
            schedules=state.schedules,
            controllers=cstates,
            values={k: _strong(v) for k, v in values.items()},
            inner_state=inner_state,
        )

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)
