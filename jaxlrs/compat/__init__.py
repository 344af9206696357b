"""Peer-compatible constructors: Optax, PyTorch, Keras, Hugging Face, timm and MXNet schedules,
named and parameterised like the peer's, returning ordinary jaxlrs schedules.

``jaxlrs.compat.torch.OneCycleLR(...)``, ``jaxlrs.compat.keras.CosineDecay(...)``,
``jaxlrs.compat.transformers.get_linear_schedule_with_warmup(...)``,
``jaxlrs.compat.optax.warmup_cosine_decay_schedule(...)``,
``jaxlrs.compat.timm.CosineLRScheduler(...)``: the value at step ``k``
is the learning rate the peer's optimizer uses on its ``k``-th update (0-based), to 1e-6
relative. jaxlrs never imports the peer libraries.
"""

from . import keras as keras
from . import mxnet as mxnet
from . import optax as optax
from . import timm as timm
from . import torch as torch
from . import transformers as transformers

__all__ = ["keras", "mxnet", "optax", "timm", "torch", "transformers"]
