"""``transformers.get_scheduler``: a Hugging Face schedule by its ``SchedulerType`` name
(re-exported by :mod:`jaxlrs.compat.transformers`)."""

from __future__ import annotations

import enum
import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .. import _check as check
from .._schedule import Schedule
from . import transformers as hf
from ._torch_plateau import ReduceLROnPlateau, TorchPlateau
from ._transformers_greedy import Greedy, GreedyLR
from ._transformers_lr_rate import get_cosine_with_min_lr_schedule_with_warmup_lr_rate

_FN = "get_scheduler"

# name -> (constructor, the counts it takes: "" none, "W" warmup, "WT" warmup and total)
_TYPES: dict[str, tuple[Callable[..., Any], str]] = {
    "linear": (hf.get_linear_schedule_with_warmup, "WT"),
    "cosine": (hf.get_cosine_schedule_with_warmup, "WT"),
    "cosine_with_restarts": (hf.get_cosine_with_hard_restarts_schedule_with_warmup, "WT"),
    "polynomial": (hf.get_polynomial_decay_schedule_with_warmup, "WT"),
    "constant": (hf.get_constant_schedule, ""),
    "constant_with_warmup": (hf.get_constant_schedule_with_warmup, "W"),
    "inverse_sqrt": (hf.get_inverse_sqrt_schedule, "W"),
    "reduce_lr_on_plateau": (ReduceLROnPlateau, ""),
    "cosine_with_min_lr": (hf.get_cosine_with_min_lr_schedule_with_warmup, "WT"),
    "cosine_warmup_with_min_lr": (get_cosine_with_min_lr_schedule_with_warmup_lr_rate, "WT"),
    "warmup_stable_decay": (hf.get_wsd_schedule, "W"),
    "greedy": (GreedyLR, ""),
}
NAMES = tuple(_TYPES)  # transformers' SchedulerType values, in its order

# Types whose Hugging Face call drops ``scheduler_specific_kwargs``.
_NO_KWARGS = ("constant", "constant_with_warmup")
_COUNTS = ("peak", "lr", "num_warmup_steps", "num_training_steps")


def _options(build: Callable[..., Any]) -> tuple[str, ...]:
    """The keyword arguments ``scheduler_specific_kwargs`` may hold for a constructor."""
    return tuple(p for p in inspect.signature(build).parameters if p not in _COUNTS)


def _name(name: Any) -> str:
    if isinstance(name, enum.Enum):  # transformers.SchedulerType (a str enum) by its value
        name = name.value
    return check.option(_FN, "name", name, NAMES)


def _kwargs(name: str, build: Callable[..., Any], kwargs: Any) -> dict[str, Any]:
    if kwargs is None:
        return {}
    if not isinstance(kwargs, Mapping):
        check._fail(_FN, "scheduler_specific_kwargs", "a dict or None", kwargs, TypeError)
    kwargs = dict(kwargs)
    allowed = () if name in _NO_KWARGS else _options(build)
    for key in kwargs:
        if key == "last_epoch":
            raise ValueError(
                f"{_FN}(): scheduler_specific_kwargs['last_epoch'] is not needed: a jaxlrs "
                f"schedule is a function of the step; to resume, evaluate it at the step "
                f"reached (the step count in the optimizer state does that)"
            )
        if key not in allowed:
            shown = ", ".join(map(repr, allowed)) if allowed else "none (Hugging Face drops them)"
            raise TypeError(
                f"{_FN}(): scheduler_specific_kwargs for {name!r} ({build.__name__}) take "
                f"{shown}, got an unexpected keyword argument {key!r}"
            )
    return kwargs


def _plain(x: Any) -> Any:
    """A concrete NumPy/JAX scalar as a Python number (a tracer unchanged)."""
    if check.is_traced(x) or not isinstance(x, (np.ndarray, np.generic)) or np.ndim(x) != 0:
        return x
    return np.asarray(x).item()


def warmup_steps(num_warmup_steps: Any, num_training_steps: Any) -> Any:
    """The number of warmup steps of Hugging Face's Trainer
    (``TrainingArguments.get_warmup_steps``): a float ``w`` in ``[0, 1)`` is a fraction of
    the run, ``ceil(num_training_steps * w)``; a float ``w >= 1`` is ``int(w)`` (truncated:
    2.7 gives 2); an integer (or a traced count) is taken as it is."""
    w = _plain(num_warmup_steps)
    if not isinstance(w, float):
        return w
    allowed = "a non-negative number of steps, or a fraction of the run in [0, 1)"
    w = check.real(_FN, "num_warmup_steps", w, low=0.0)
    if w >= 1:
        return int(w)
    if w == 0:
        return 0
    t = _plain(num_training_steps)
    if t is None or check.is_traced(t):
        shown = "None" if t is None else "traced"
        check._fail(
            _FN,
            "num_warmup_steps",
            f"{allowed}; a fraction needs a concrete num_training_steps (got {shown})",
            w,
        )
    t = check.integer(_FN, "num_training_steps", t)
    return math.ceil(t * w)


def _nothing(name: str, num_warmup_steps: Any) -> None:
    """Hugging Face ignores ``num_warmup_steps`` for these types; jaxlrs refuses one that
    would warm up (0, None and 0.0, what the Trainer passes by default, are accepted)."""
    w = _plain(num_warmup_steps)
    if w is None or (not check.is_traced(w) and isinstance(w, (int, float)) and w == 0):
        return
    instead = {
        "constant": ", or use 'constant_with_warmup'",
        "reduce_lr_on_plateau": ", or use jaxlrs.plateau on a warmup",
    }.get(name, "")
    raise ValueError(
        f"{_FN}(): {name!r} has no warmup (Hugging Face ignores num_warmup_steps for it), "
        f"got num_warmup_steps={w!r}; pass 0 or None{instead}"
    )


def get_scheduler(
    name: str,
    lr: float,
    num_warmup_steps: float | None = None,
    num_training_steps: int | None = None,
    scheduler_specific_kwargs: dict[str, Any] | None = None,
) -> Schedule | TorchPlateau | Greedy:
    """``transformers.get_scheduler``: a Hugging Face schedule by its ``SchedulerType`` name.

    Returns the constructor's schedule (it prints as that constructor, e.g.
    ``compat.transformers.get_cosine_schedule_with_warmup(0.001, 100, 1000)``), with
    ``W = num_warmup_steps``, ``T = num_training_steps``, ``kw = scheduler_specific_kwargs``
    and, but for ``"cosine_warmup_with_min_lr"``, the warmup ``lr * t / max(1, W)`` for
    ``t < W`` (Hugging Face's, from 0):

    * ``"linear"``: ``get_linear_schedule_with_warmup(lr, W, T)``,
      ``lr * max(0, (T - t) / (T - W))`` after the warmup;
    * ``"cosine"``: ``get_cosine_schedule_with_warmup(lr, W, T, **kw)``,
      ``lr * (1 + cos(2 pi num_cycles p)) / 2`` with ``p = (t - W) / (T - W)``;
    * ``"cosine_with_restarts"``: ``get_cosine_with_hard_restarts_schedule_with_warmup(lr,
      W, T, **kw)``, ``lr * (1 + cos(pi ((num_cycles p) mod 1))) / 2``, 0 from ``T``;
    * ``"polynomial"``: ``get_polynomial_decay_schedule_with_warmup(lr, W, T, **kw)``,
      ``(lr - lr_end) * (1 - p) ** power + lr_end``;
    * ``"constant"``: ``get_constant_schedule(lr)``, ``lr``;
    * ``"constant_with_warmup"``: ``get_constant_schedule_with_warmup(lr, W)``;
    * ``"inverse_sqrt"``: ``get_inverse_sqrt_schedule(lr, W, **kw)``,
      ``lr / sqrt((t - W + timescale) / timescale)``;
    * ``"reduce_lr_on_plateau"``: ``compat.torch.ReduceLROnPlateau(lr, **kw)``, a
      controller: ``lr`` times ``factor`` for each plateau of the metric;
    * ``"greedy"``: ``GreedyLR(lr, **kw)``, a controller: ``lr`` divided by ``factor``
      while the metric improves, times ``factor`` on a plateau (within
      ``[min_lr, max_lr]``);
    * ``"cosine_with_min_lr"``: ``get_cosine_with_min_lr_schedule_with_warmup(lr, W, T,
      **kw)``, the cosine's factor ``f`` as ``max(0, f (1 - r) + r)``, ``r = min_lr / lr``
      or ``min_lr_rate``;
    * ``"cosine_warmup_with_min_lr"``:
      ``get_cosine_with_min_lr_schedule_with_warmup_lr_rate(lr, W, T, **kw)``, the same
      one step ahead (``p = (t - W + 1) / (T - W)``, warmup ``(t + 1) / W`` or from
      ``warmup_lr_rate``);
    * ``"warmup_stable_decay"``: ``get_wsd_schedule(lr, W, num_training_steps=T, **kw)``
      (``kw`` holds ``num_decay_steps``, and may hold ``num_stable_steps``,
      ``warmup_type``, ``decay_type``, ``min_lr_ratio``, ``num_cycles``).

    Each constructor's docstring has its full formula and its differences from Hugging
    Face. As in Hugging Face: ``name`` is the string or ``transformers.SchedulerType``'s
    member (``SchedulerType.COSINE``); ``constant``, ``reduce_lr_on_plateau`` and
    ``greedy`` ignore ``num_training_steps`` (a warmup: see below); every other type raises
    ``ValueError`` without ``num_warmup_steps``, and all but ``constant_with_warmup``,
    ``inverse_sqrt`` and ``warmup_stable_decay`` (which takes ``T`` or
    ``num_stable_steps``) without ``num_training_steps``; ``scheduler_specific_kwargs``
    pass on to the constructor, and one that it does not take raises ``TypeError``.

    **A fractional num_warmup_steps** follows Hugging Face's Trainer, which hands
    ``TrainingArguments.get_warmup_steps(T)`` to ``get_scheduler``: a float ``w`` in
    ``[0, 1)`` is a fraction of the run, ``ceil(T * w)`` steps (it needs ``T``), and a
    float ``w >= 1`` is ``int(w)`` steps (truncated: ``2.7`` is 2 steps, ``1.0`` is one
    step); an int is a step count. (``transformers.get_scheduler`` itself passes a float
    on unchanged into the formulas, as ``t < 0.05``: no Trainer run does that.)

    Where jaxlrs refuses what Hugging Face accepts: a non-zero ``num_warmup_steps`` for
    ``constant``, ``reduce_lr_on_plateau`` or ``greedy`` (Hugging Face ignores it) raises
    ``ValueError``, and so do ``scheduler_specific_kwargs`` for ``constant`` and
    ``constant_with_warmup`` (which Hugging Face drops: ``TypeError``)
    and ``last_epoch`` (a jaxlrs schedule is a function of the step: no resume
    argument). ``warmup_stable_decay`` with both ``T`` and a ``num_stable_steps`` that
    disagree raises (Hugging Face warns and uses ``num_stable_steps``), and every
    constructor's ``num_training_steps <= num_warmup_steps`` raises (Hugging Face
    accepts it silently), also when a fraction rounds up to the whole run
    (``ceil(100 * 0.999) = 100``). A traced ``num_warmup_steps`` is taken as a count
    (a fraction must be a concrete float).

    Args:
        name: a ``SchedulerType`` value: ``"linear"``, ``"cosine"``,
            ``"cosine_with_restarts"``, ``"polynomial"``, ``"constant"``,
            ``"constant_with_warmup"``, ``"inverse_sqrt"``, ``"reduce_lr_on_plateau"``,
            ``"cosine_with_min_lr"``, ``"cosine_warmup_with_min_lr"``,
            ``"warmup_stable_decay"``, ``"greedy"``.
        lr: the optimizer's learning rate (Hugging Face's ``optimizer``).
        num_warmup_steps: ``W``: a step count, or a float as the Trainer takes it.
        num_training_steps: ``T``, the total (warmup included).
        scheduler_specific_kwargs: the constructor's other arguments (the Trainer's
            ``lr_scheduler_kwargs``).

    Returns:
        A :class:`jaxlrs.Schedule`, or for ``"reduce_lr_on_plateau"`` and ``"greedy"``
        the ``compat.torch.ReduceLROnPlateau`` or ``GreedyLR`` controller (for
        ``jaxlrs.optax.inject``).

    Example:
        >>> from jaxlrs.compat import transformers as hf
        >>> hf.get_scheduler("cosine", 1e-3, 100, 1000)
        compat.transformers.get_cosine_schedule_with_warmup(0.001, 100, 1000)
        >>> hf.get_scheduler("linear", 1e-3, num_warmup_steps=0.05, num_training_steps=1000)
        compat.transformers.get_linear_schedule_with_warmup(0.001, 50, 1000)
        >>> s = hf.get_scheduler("cosine_with_min_lr", 1.0, 0, 1000, {"min_lr_rate": 0.1})
        >>> [round(v, 6) for v in s([0, 500, 1000]).tolist()]
        [1.0, 0.55, 0.1]
    """
    name = _name(name)
    build, takes = _TYPES[name]
    kwargs = _kwargs(name, build, scheduler_specific_kwargs)
    if takes == "":
        _nothing(name, num_warmup_steps)
        return build(lr, **kwargs)
    if num_warmup_steps is None:
        raise ValueError(f"{_FN}(): {name!r} requires num_warmup_steps, got None")
    if takes == "W":
        w = warmup_steps(num_warmup_steps, num_training_steps)
        if name == "warmup_stable_decay":
            if "num_decay_steps" not in kwargs:
                raise TypeError(
                    f"{_FN}(): 'warmup_stable_decay' requires scheduler_specific_kwargs"
                    f"['num_decay_steps'], got {sorted(kwargs)}"
                )
            return build(lr, w, num_training_steps=num_training_steps, **kwargs)
        return build(lr, w, **kwargs)
    if num_training_steps is None:
        raise ValueError(f"{_FN}(): {name!r} requires num_training_steps, got None")
    return build(
        lr, warmup_steps(num_warmup_steps, num_training_steps), num_training_steps, **kwargs
    )
