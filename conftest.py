"""Test and doctest setup (as Equinox's): strict dtype and rank promotion, warnings as errors
(pyproject), and several fake CPU devices for sharding tests."""

import os
import zlib

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


# -- the default run samples the costliest parametrized tests ---------------------------------
# Each of these test functions compiles a new program per case (a constructor, a peer class, a
# hyperparameter); together they were two thirds of the suite's time. The default run (the
# README's test command and .ci/run) keeps one case in K of each, the same cases on every run:
# case i is kept when (i + offset) % K == 0, offset = crc32(test id) + JAXLRS_SAMPLE, so
# JAXLRS_SAMPLE=1, 2, ... picks the other cases. JAXLRS_ALL=1 runs every case.
SAMPLED = {
    "tests/test_adversarial.py::test_values": 10,
    "tests/test_adversarial.py::test_gradients": 5,
    "tests/test_adversarial.py::test_jit_path": 3,
    "tests/test_compat_contract.py::test_jit_and_vmap_over_hyperparameters": 6,
    "tests/test_compat_contract.py::test_grad_over_values_is_finite_and_right": 6,
    "tests/test_catalogue_contract.py::test_traced_hyperparameters_jit_vmap": 3,
    "tests/test_catalogue_contract.py::test_dtype_shape_and_elementwise": 3,
    "tests/test_catalogue_contract.py::test_traced_hyperparameters_grad": 3,
    "tests/test_compat_timm.py::test_noise_only_inside_its_range_and_within_pct": 3,
    "tests/test_compat_transformers_names.py::test_matches_transformers_step_for_step": 4,
    "tests/test_representable.py::test_one_extreme_at_a_time": 6,
    "tests/test_schedule.py::test_dtype_elementwise_and_negative_steps": 10,
    "tests/test_catalogue.py::test_against_oracle": 2,
    "tests/test_catalogue.py::test_large_steps": 2,
    "tests/test_compat_keras_config.py::test_deserialize_matches_keras": 2,
    "tests/test_compat_optax.py::test_matches_optax": 2,
    "tests/test_compat_timm.py::test_create_scheduler_v2_against_timm": 2,
    "tests/test_compat_timm.py::test_every_t_against_timm": 6,
    "tests/test_compat_torch.py::test_parity": 2,
    "tests/test_exact_cycles.py::test_gradients_finite_for_every_hyperparameter": 4,
    "tests/test_fraction.py::test_fraction_is_the_schedule_with_its_count": 2,
    "tests/test_fraction.py::test_grad_over_the_fraction_is_zero_not_nan": 4,
    "tests/test_fraction.py::test_vmap_over_the_fraction": 2,
    "tests/test_optax.py::test_drives_adam_in_a_scan_like_the_rate_by_hand": 2,
    "tests/test_precision.py::test_near_float32_limits": 2,
    "tests/test_precision.py::test_small_steps_match_oracle": 3,
    "tests/test_schedule.py::test_past_the_end_holds": 2,
    "tests/test_tools.py::test_summary_matches_numpy_over_the_values": 2,
    "tests/test_traced.py::test_grad_over_every_float_hyperparameter": 4,
    "tests/test_traced.py::test_jit_and_vmap_over_every_hyperparameter": 4,
    "tests/test_representable.py::test_the_baseline_evaluates": 3,
    "tests/test_optax_inject.py::test_trajectory_is_optax_adam_with_the_schedule": 2,
    "tests/test_optax_inject.py::test_each_update_uses_the_schedule_at_its_count_bit_for_bit": 2,
    "tests/test_compat_timm.py::test_large_steps_against_the_float64_oracle": 2,
    "tests/test_adversarial.py::test_unusual": 2,
    "tests/test_plateau.py::test_matches_torch_on_generated_sequences": 2,
    "tests/test_schedule.py::test_pickle_and_copy": 2,
    "tests/test_closure_jit.py::test_closure_jit_agrees_with_the_eager_call": 10,
    "tests/test_compat_timm.py::test_a_float_cycle_mul_over_a_long_run": 2,
    "tests/test_compat_timm.py::test_a_float_cycle_mul_keeps_the_end_of_each_cycle": 3,
    "tests/test_compat_transformers.py::test_float_num_cycles_phase_is_exact_at_any_step": 2,
}


def sample(ids: list[str], all_cases: bool = False, shift: int = 0) -> set[str]:
    """The node ids the default run keeps (see ``SAMPLED``); ids of other tests all stay."""
    groups: dict[str, list[str]] = {}
    for nodeid in ids:
        groups.setdefault(nodeid.split("[", 1)[0], []).append(nodeid)
    keep = set()
    for test, members in groups.items():
        k = 1 if all_cases or "[" not in members[0] else SAMPLED.get(test, 1)
        offset = zlib.crc32(test.encode()) + shift
        keep.update(m for i, m in enumerate(members) if (i + offset) % k == 0)
    return keep


# -- tests of whole programs run as their own step -----------------------------------------------
# The examples run as a user runs them and the benchmark's smoke run (each a whole program: a
# tenth of the suite's time in four tests) are left out of a default run, the test command with
# no paths (the README's); .ci/run runs them as a step of their own, naming their files, which
# always runs them, as does JAXLRS_ALL=1 or JAXLRS_EXAMPLES=1.
OWN_STEP = ("tests/test_examples.py", "tests/test_bench_smoke.py::test_quick_run_prints_every_row")


def pytest_collection_modifyitems(config, items):
    keep = sample(
        [item.nodeid for item in items],
        all_cases=bool(os.environ.get("JAXLRS_ALL")),
        shift=int(os.environ.get("JAXLRS_SAMPLE", "0")),
    )
    default = config.args_source is config.ArgsSource.TESTPATHS
    if default and not (os.environ.get("JAXLRS_ALL") or os.environ.get("JAXLRS_EXAMPLES")):
        keep = {nodeid for nodeid in keep if not nodeid.startswith(OWN_STEP)}
    dropped = [item for item in items if item.nodeid not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item.nodeid in keep]
