"""jaxlrs.optax: schedules inside the optimizer state (needs Optax: ``jaxlrs[optax]``).

``inject(factory, **hyperparameters)`` builds an Optax transformation whose schedules,
controllers and numbers live in its state; ``current(state)`` reads the values the last
update used; ``set_schedules(state, **schedules)`` swaps schedules of one structure
without a retrace; ``groups(factory, [Group(name, pattern, ...)], **hyperparameters)``
gives groups of parameters (chosen by regular expressions on their paths) their own
hyperparameters; ``find_lr(loss_fn, params, batches)`` runs the learning-rate range test
in one jitted scan and returns a ``RangeTest`` (the curve and the suggested rates).
``import jaxlrs`` alone never imports this module (nor Optax).
"""

from ._current import current as current
from ._find_lr import RangeTest as RangeTest
from ._find_lr import find_lr as find_lr
from ._groups import Group as Group
from ._groups import assign as assign
from ._groups import groups as groups
from ._inject import InjectState as InjectState
from ._inject import inject as inject
from ._set import set_schedules as set_schedules

__all__ = [
    "Group",
    "InjectState",
    "RangeTest",
    "assign",
    "current",
    "find_lr",
    "groups",
    "inject",
    "set_schedules",
]
