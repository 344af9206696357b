"""Saved Keras schedules as jaxlrs schedules: ``deserialize`` of what
``keras.optimizers.schedules.serialize`` writes, and the legacy optimizers' ``decay``.

Re-exported by :mod:`jaxlrs.compat.keras` (the public module); jaxlrs never imports Keras.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

from .. import _check as check
from .._primitives import inverse_time
from .._schedule import Schedule, expands, register
from . import keras as _ks

__all__ = ["LegacyDecay", "deserialize"]

_P = "compat.keras."

# Keras 3's built-in ``keras.optimizers.schedules`` classes (``LearningRateSchedule`` is
# their abstract base, not a schedule).
_CLASSES: dict[str, Callable[..., Schedule]] = {
    "ExponentialDecay": _ks.ExponentialDecay,
    "PiecewiseConstantDecay": _ks.PiecewiseConstantDecay,
    "PolynomialDecay": _ks.PolynomialDecay,
    "InverseTimeDecay": _ks.InverseTimeDecay,
    "CosineDecay": _ks.CosineDecay,
    "CosineDecayRestarts": _ks.CosineDecayRestarts,
}
_ALLOWED = ", ".join(sorted(_CLASSES))


def _bad(what: str, got: Any) -> ValueError:
    return ValueError(f"deserialize(): {what}, got {got!r}")


def deserialize(config: dict[str, Any] | str) -> Schedule:
    """The jaxlrs schedule of a serialised Keras learning-rate schedule.

    ``deserialize(keras.optimizers.schedules.serialize(s))`` is the
    ``jaxlrs.compat.keras`` schedule with the same class name and arguments as ``s``:
    ``compat.keras.<class_name>(**config["config"])``, equal to Keras' at every step (to
    the Keras parity bound of this module).

    Accepted forms (decisions where Keras is silent):

    * Keras 3's ``{"module": "keras.optimizers.schedules", "class_name": ...,
      "config": {...}, "registered_name": None}``; ``module`` may be absent, ``None`` or any
      ``keras...`` module (``keras.src...``, ``tf.keras``' ``keras.optimizers.schedules``);
    * older Keras' bare ``{"class_name": ..., "config": {...}}``;
    * either one as a JSON string (what ``json.dumps`` of the dict writes).

    A ``registered_name`` other than ``None`` or the class name (a user's
    ``@keras.saving.register_keras_serializable`` class) is refused: jaxlrs cannot know its
    formula. Config keys are the class' constructor arguments (a missing one takes the
    Keras default); ``name`` is kept and has no effect.

    Args:
        config: the dict (or its JSON text) that ``serialize`` wrote.

    Returns:
        The ``jaxlrs.compat.keras`` schedule; its repr is the Keras call.

    Raises:
        ValueError: not a dict, an unknown ``class_name`` (the message lists the
            allowed ones), an unknown or missing config key, or a value the constructor
            refuses (its message included).

    Example:
        >>> from jaxlrs.compat import keras
        >>> cfg = {"module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
        ...        "config": {"initial_learning_rate": 1.0, "decay_steps": 10,
        ...                   "decay_rate": 0.5, "staircase": False,
        ...                   "name": "ExponentialDecay"}, "registered_name": None}
        >>> s = keras.deserialize(cfg)
        >>> s
        compat.keras.ExponentialDecay(1.0, 10, 0.5)
        >>> s([0, 10, 20]).tolist()
        [1.0, 0.5, 0.25]
    """
    if isinstance(config, (str, bytes)):
        try:
            config = json.loads(config)
        except ValueError as e:
            raise _bad("config must be a dict or its JSON text", config) from e
    if not isinstance(config, dict):
        raise _bad("config must be a dict with 'class_name' and 'config'", config)
    extra = sorted(set(config) - {"module", "class_name", "config", "registered_name"})
    if extra:
        raise _bad(
            "config keys are 'class_name', 'config' and optionally 'module' and "
            f"'registered_name'; unknown key(s) {extra}",
            config,
        )
    name = config.get("class_name")
    if name not in _CLASSES:
        raise _bad(f"class_name must be one of {_ALLOWED}", name)
    module = config.get("module")
    if module is not None and not (isinstance(module, str) and module.startswith("keras")):
        raise _bad("module must be None or a Keras module (keras.optimizers.schedules)", module)
    registered = config.get("registered_name")
    if registered not in (None, name):
        raise _bad(
            f"registered_name must be None or {name!r} (a user-registered Keras class has a "
            "formula jaxlrs cannot know: write it as a jaxlrs schedule)",
            registered,
        )
    args = config.get("config", {})
    if not isinstance(args, dict):
        raise _bad(f"config['config'] of {name} must be a dict of its arguments", args)
    cls = _CLASSES[name]
    params = inspect.signature(cls).parameters
    unknown = sorted(set(args) - set(params))
    missing = [
        p for p, v in params.items() if v.default is inspect.Parameter.empty and p not in args
    ]
    if unknown or missing:
        what = f"unknown {unknown}" if unknown else f"missing {missing}"
        raise _bad(f"{name} takes the config keys {list(params)}; {what}", args)
    try:
        return cls(**args)
    except (TypeError, ValueError) as e:
        raise ValueError(f"deserialize(): bad {name} config: {e}") from e


# -- legacy decay --------------------------------------------------------------------------


def _legacy_decay(learning_rate: Any, decay: Any) -> Schedule:
    return inverse_time(learning_rate, decay)


@register(expands(_legacy_decay), name=_P + "LegacyDecay")
def LegacyDecay(learning_rate: float, decay: float) -> Schedule:
    """The legacy Keras optimizers' ``decay`` argument: time-based decay per update.

    ``lr(t) = learning_rate / (1 + decay * t)``

    This is what Keras 2 optimizers (``keras.optimizers.SGD(lr, decay=...)`` before
    Keras 2.11, and ``keras.optimizers.legacy.SGD`` / ``tf.keras.optimizers.legacy.*``
    after) did: ``lr * 1 / (1 + decay * iterations)``, with ``iterations`` the number of
    updates already applied, so step ``t`` is the rate of the ``t``-th update (0-based).
    Keras 3 has no ``decay``; its equivalent is
    ``InverseTimeDecay(learning_rate, 1, decay)``. Native:
    ``jaxlrs.inverse_time(learning_rate, decay)``.

    Args:
        learning_rate: the optimizer's ``lr`` (``learning_rate``), the value at step 0.
        decay: the optimizer's ``decay``, non-negative (0 is a constant rate).

    Example:
        >>> from jaxlrs.compat import keras
        >>> keras.LegacyDecay(1.0, 0.5)([0, 2, 6]).tolist()
        [1.0, 0.5, 0.25]
    """
    fn = "LegacyDecay"
    return Schedule(
        _P + fn,
        {
            "learning_rate": check.real(fn, "learning_rate", learning_rate),
            "decay": check.real(fn, "decay", decay, low=0.0),
        },
    )
