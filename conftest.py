"""Test and doctest setup (as Equinox's): strict dtype and rank promotion, warnings as errors
(pyproject), and several fake CPU devices for sharding tests."""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")
os.environ.setdefault("KERAS_BACKEND", "jax")

import jax

jax.config.update("jax_numpy_dtype_promotion", "strict")
jax.config.update("jax_numpy_rank_promotion", "raise")

# Generated tests are reproducible: the same examples on every run and machine (no example
# database replaying old failures). JAXLRS_ADVERSARIAL=long and JAXLRS_SLOW=1 search further.
from hypothesis import settings  # noqa: E402

settings.register_profile("jaxlrs", derandomize=True, database=None)
settings.load_profile("jaxlrs")
