"""jaxlrs.optax: schedules inside the optimizer state (needs Optax: ``jaxlrs[optax]``).

``inject(factory, **hyperparameters)`` builds an Optax transformation whose schedules,
controllers and numbers live in its state; ``current(state)`` reads the values the last
update used; ``set_schedules(state, **schedules)`` swaps schedules of one structure
without a retrace. ``import jaxlrs`` alone never imports this module (nor Optax).
"""

from ._current import current as current
from ._inject import InjectState as InjectState
from ._inject import inject as inject
from ._set import set_schedules as set_schedules

__all__ = [
    "InjectState",
    "current",
    "inject",
    "set_schedules",
]
