"""Controllers: hyperparameters whose value follows what training reports.

A schedule is a function of the step count alone. A controller also reads a metric that
each optimizer update reports (``update(..., value=loss)``), and keeps what it needs to
remember in a state of arrays, held inside the optimizer state by
``jaxlrs.optax.inject``. The reduce-on-plateau rule is one.

The protocol (all of it jittable; ``count`` is the number of updates before this one):

* ``init() -> state``: the state before the first update (a pytree of arrays only);
* ``value(state, count) -> Array``: the value the update with this count uses;
* ``update(state, count, metric) -> state``: the state after that update reported
  ``metric`` (a scalar), so that the next update's value reflects it.

This module imports no optimizer library: ``jaxlrs.compat.torch`` builds controllers
without importing Optax.
"""

from __future__ import annotations

import abc
from typing import Any

import jax
import jax.numpy as jnp

Array = jax.Array


def improved(mode: str, threshold_mode: str, m: Array, best: Array, threshold: Array) -> Array:
    """Whether metric ``m`` improves on ``best`` by more than ``threshold``: PyTorch's
    ``ReduceLROnPlateau._is_better`` rule (also Hugging Face's ``GreedyLR``). ``mode`` is
    ``"min"`` or ``"max"``; ``threshold_mode`` ``"rel"`` (``m < best * (1 - threshold)``
    for ``"min"``) or ``"abs"`` (``m < best - threshold``)."""
    one = jnp.ones((), m.dtype)
    if mode == "min":
        if threshold_mode == "rel":
            return m < best * (one - threshold)
        return m < best - threshold
    if threshold_mode == "rel":
        return m > best * (one + threshold)
    return m > best + threshold


class Controller(abc.ABC):
    """A hyperparameter driven by a metric (see the module docstring for the protocol).
    Subclasses are immutable and hold their configuration; their state holds the rest."""

    @abc.abstractmethod
    def init(self) -> Any:
        """The state before the first update: a pytree of arrays only."""

    @abc.abstractmethod
    def value(self, state: Any, count: Array) -> Array:
        """The value that the update with ``count`` earlier updates uses."""

    @abc.abstractmethod
    def update(self, state: Any, count: Array, metric: Array) -> Any:
        """The state after the update with ``count`` earlier updates reported ``metric``."""
