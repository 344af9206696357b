"""A schedule held as arrays only: the form an optimizer state keeps (``jaxlrs.optax``).

A :class:`~jaxlrs.Schedule` flattens to its hyperparameters as given (Python numbers,
arrays, tracers). A state that must checkpoint, pass through ``equinox.filter_jit``
(which treats Python numbers as static) and be swapped for another schedule without a
retrace needs arrays instead. :func:`hold` gives the schedule's packed form, the very
vectors its eager call uses (``_schedule.evaluator``), so that ``hold(s)(steps)`` is
``s(steps)``, host corrections included (bit for bit where XLA compiles both alike).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from . import _schedule
from ._schedule import Schedule

Array = jax.Array


@jax.tree_util.register_pytree_node_class
class Held:
    """A schedule as a pytree whose leaves are arrays only; its structure (the
    constructors, string options, which leaves are ints and floats, their padded sizes) is
    the static part, so two held schedules of one structure have equal treedefs and swap
    into a jitted function without a retrace. ``held(step)`` evaluates it."""

    __slots__ = ("args", "structure")
    structure: tuple[Any, ...]
    args: tuple[Any, ...]

    def __init__(self, structure: tuple[Any, ...], args: tuple[Any, ...]) -> None:
        self.structure = structure
        self.args = args

    def tree_flatten(self) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        return self.args, self.structure

    @classmethod
    def tree_unflatten(cls, structure: tuple[Any, ...], args: Any) -> Held:
        return cls(structure, tuple(args))

    def __call__(self, step: Any) -> Array:
        if jnp.ndim(step) == 0:
            # XLA's CPU code for one element rounds some operations (division) differently
            # from its vector code: a scalar step evaluates as the vector [step, step + 1],
            # as ``schedule(jnp.arange(n))`` does. (Compiled into a larger program, XLA may
            # still fuse, and round, differently in the last bit.)
            step = jnp.asarray(step)
            return self._evaluate(step + jnp.arange(2, dtype=step.dtype))[0]
        return self._evaluate(step)

    def _evaluate(self, step: Any) -> Array:
        if self.structure[0] == "packed":
            _, treedef, kinds = self.structure
            ints, floats, fixes, words, others = self.args
            fn = _schedule._unpacking(treedef, kinds)
            # weakly typed again (as the packed vectors are when built), whatever a
            # checkpoint round trip or ``jnp.stack`` made of them
            weak = _schedule._weaken
            return fn(weak(ints, 0), weak(floats, 0.0), fixes, words, others, step)
        _, treedef = self.structure
        schedule = jax.tree_util.tree_unflatten(treedef, self.args)
        return jax.jit(Schedule._evaluate)(schedule, step)

    def schedule_structure(self) -> str:
        """The structure as a user reads it (for error messages)."""
        treedef = self.structure[1]
        return str(jax.tree_util.tree_unflatten(treedef, [0] * treedef.num_leaves).name)

    def __repr__(self) -> str:
        return f"Held({self.structure[1]})"


def hold(schedule: Schedule) -> Held:
    """``schedule`` with every hyperparameter as an array (see :class:`Held`).

    Concrete hyperparameters take the packed form of the eager call (full precision,
    host corrections included). Traced ones (a schedule built inside ``jit``/``vmap``)
    keep the schedule's own leaves, as arrays, and evaluate as a traced schedule does.
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"hold(): expected a jaxlrs Schedule, got {type(schedule).__name__}")
    _schedule.evaluator(schedule)  # packs it, once
    packed = schedule._packed
    if packed is not None and packed.fn is not None:
        return Held(("packed", *packed.structure), tuple(packed.args))
    leaves, treedef = jax.tree_util.tree_flatten(schedule)
    return Held(("tree", treedef), tuple(jnp.asarray(x) for x in leaves))
