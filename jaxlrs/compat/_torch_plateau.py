"""``torch.optim.lr_scheduler.ReduceLROnPlateau`` as a jaxlrs controller (re-exported by
:mod:`jaxlrs.compat.torch`)."""

from __future__ import annotations

from .. import _check as check
from .._plateau import Plateau, build


class TorchPlateau(Plateau):
    """:func:`jaxlrs.plateau` on a constant base, spelled as PyTorch's call."""

    _fn = "compat.torch.ReduceLROnPlateau"

    def __repr__(self) -> str:
        shown = {
            "mode": (self.mode, "min"),
            "factor": (self.factor, 0.1),
            "patience": (self.patience, 10),
            "threshold": (self.threshold, 1e-4),
            "threshold_mode": (self.threshold_mode, "rel"),
            "cooldown": (self.cooldown, 0),
            "min_lr": (self.min_value, 0.0),
            "eps": (self.eps, 1e-8),
        }
        lr = self.base._args["value"]
        parts = [repr(lr)] + [f"{k}={v!r}" for k, (v, d) in shown.items() if v != d]
        return f"compat.torch.ReduceLROnPlateau({', '.join(parts)})"


def ReduceLROnPlateau(
    lr: float,
    mode: str = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_lr: float = 0.0,
    eps: float = 1e-8,
) -> TorchPlateau:
    """``torch.optim.lr_scheduler.ReduceLROnPlateau``: ``lr`` times ``factor`` for each
    time the metric stalled for more than ``patience`` updates.

    ``lr_k = max(lr * factor**n, min_lr)``, ``n`` the reductions applied after the metrics
    ``m_0 .. m_(k-1)`` (for ``lr >= min_lr``; ``lr`` below ``min_lr`` never changes, as in
    PyTorch). This is ``jaxlrs.plateau(lr, ..., min_value=min_lr)``: every rule is
    PyTorch's (``best``, ``threshold``, ``cooldown``, ``eps``, NaN metrics, negative
    metrics), listed in :func:`jaxlrs.plateau`.

    Unlike the other constructors here it returns a controller, not a schedule: its value
    depends on the metrics. Use it as ``jaxlrs.optax.inject(optax.sgd,
    learning_rate=ReduceLROnPlateau(...))`` and pass each update's metric as
    ``tx.update(grads, opt_state, params, value=loss)``: the rate update ``k + 1`` uses is
    PyTorch's ``optimizer.param_groups[0]["lr"]`` after ``scheduler.step(m_0) ...
    scheduler.step(m_k)``, to float32 precision. Here every optimizer update is a step
    (``patience`` and ``cooldown`` count updates); to step once per epoch, as PyTorch
    scripts do with a validation loss, use the native form with
    ``jaxlrs.plateau(lr, ..., min_value=min_lr, every=steps_per_epoch)``: only the metric
    of each epoch's last update counts. (Repeating one metric over an epoch's updates
    would count each repeat as an update without improvement.) A negative ``factor``
    (meaningless in PyTorch), a ``threshold`` or ``eps`` below 0 and a list of ``min_lr``
    per parameter group are refused (groups: ``jaxlrs.optax``'s parameter groups).

    Args:
        lr: the optimizer's learning rate before any reduction.
        mode: ``"min"`` or ``"max"``.
        factor: the multiplier of each reduction, in ``[0, 1)``.
        patience: updates without improvement tolerated before a reduction.
        threshold: the improvement that counts, ``>= 0``.
        threshold_mode: ``"rel"`` or ``"abs"``.
        cooldown: updates after a reduction during which bad metrics are not counted.
        min_lr: the lowest rate a reduction gives.
        eps: a reduction that changes the rate by ``eps`` or less is not applied.

    Example:
        >>> import jax.numpy as jnp
        >>> from jaxlrs.compat import torch as lrs
        >>> c = lrs.ReduceLROnPlateau(0.1, mode="max", patience=0, min_lr=0.002)
        >>> c
        compat.torch.ReduceLROnPlateau(0.1, mode='max', patience=0, min_lr=0.002)
        >>> state, rates = c.init(), []
        >>> for k, accuracy in enumerate([0.5, 0.6, 0.6, 0.55, 0.7, 0.6]):
        ...     state = c.update(state, jnp.int32(k), accuracy)
        ...     rates.append(round(float(c.value(state, k + 1)), 6))
        >>> rates
        [0.1, 0.1, 0.01, 0.002, 0.002, 0.002]
    """
    fn = "ReduceLROnPlateau"
    if isinstance(min_lr, (list, tuple)):
        check._fail(fn, "min_lr", "a number (one rate, no list per parameter group)", min_lr)
    return build(
        fn,
        check.real(fn, "lr", lr, low=0.0),
        factor=factor,
        patience=patience,
        mode=mode,
        threshold=threshold,
        threshold_mode=threshold_mode,
        cooldown=cooldown,
        min_value=min_lr,
        eps=eps,
        names={"min_value": "min_lr"},
        cls=TorchPlateau,
    )
