"""``current``: the hyperparameter values the most recent update used."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from . import _walk
from ._inject import InjectState

Array = jax.Array


def current(opt_state: Any) -> dict[str, Array]:
    """The value of every hyperparameter the most recent update used, by name.

    ``current(state)[name]`` after the update with count ``k`` is ``s(k)`` for a schedule
    ``s`` (before any update: ``s(0)``, the value the first update will use), the
    controller's value for a controller, and the number for a float number held by
    :func:`inject` (so that a log line reads the same whether the rate is scheduled or
    not). Optax's own ``inject_hyperparams`` states report their ``hyperparams`` (numbers
    included) the same way. Integers and other values passed through to the factory are
    not in the state, so not reported.

    The states are found anywhere in ``opt_state``: inside ``optax.chain``,
    ``named_chain``, ``masked``, ``apply_if_finite``, ``MultiSteps`` and any pytree of
    states. Keys are the hyperparameter names; inside ``optax.multi_transform`` (and so in
    parameter groups) they are prefixed by the group label, ``"<label>/learning_rate"``.
    Where two states give one key, each such key carries instead the ``/``-joined path of
    its state in the tree (``"0/learning_rate"``, ``"1/learning_rate"`` for the two
    halves of a chain). Keys are sorted. Works inside and outside ``jit`` (and under
    ``vmap``: each value has the batch dimension of the state).

    Args:
      opt_state: an optimizer state (any pytree holding one or more of those states).

    Returns:
      ``{key: value}``: scalar arrays (float32, float64 under x64).

    Raises:
      ValueError: the state holds no ``jaxlrs.optax.inject`` nor ``optax.inject_hyperparams``
        state.

    Example:
      >>> import jax.numpy as jnp, optax, jaxlrs, jaxlrs.optax
      >>> tx = optax.chain(
      ...     optax.clip_by_global_norm(1.0),
      ...     jaxlrs.optax.inject(optax.sgd, learning_rate=jaxlrs.cosine(0.1, 100)))
      >>> state = tx.init(jnp.zeros(3))
      >>> jaxlrs.optax.current(state)
      {'learning_rate': Array(0.1, dtype=float32)}
    """
    entries = _walk.collect(opt_state)
    if not entries:
        raise ValueError(
            "current(): the optimizer state holds no hyperparameters: build the optimizer "
            "with jaxlrs.optax.inject(factory, learning_rate=schedule, ...) (or "
            "optax.inject_hyperparams), and pass its state, got a state of type "
            f"{type(opt_state).__name__}"
        )
    out: dict[str, Array] = {}
    for entry, keys in zip(entries, _walk.keys(entries), strict=True):
        state = entry.state
        values = state.values if isinstance(state, InjectState) else state.hyperparams
        for name, key in keys.items():
            out[key] = jnp.asarray(values[name])
    return dict(sorted(out.items()))
