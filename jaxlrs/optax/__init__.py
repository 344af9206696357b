"""jaxlrs.optax: schedules inside the optimizer state (needs Optax: ``jaxlrs[optax]``).

``inject(factory, **hyperparameters)`` builds an Optax transformation whose schedules,
controllers and numbers live in its state; ``current(state)`` reads the values the last
update used; ``set_schedules(state, **schedules)`` swaps schedules of one structure
without a retrace; ``groups(factory, [Group(name, pattern, ...)], **hyperparameters)``
gives groups of parameters (chosen by regular expressions on their paths) their own
hyperparameters. ``import jaxlrs`` alone never imports this module (nor Optax).
"""

from ._current import current as current
from ._groups import Group as Group
from ._groups import assign as assign
from ._groups import groups as groups
from ._inject import InjectState as InjectState
from ._inject import inject as inject
from ._set import set_schedules as set_schedules

__all__ = [
    "Group",
    "InjectState",
    "assign",
    "current",
    "groups",
    "inject",
    "set_schedules",
]
