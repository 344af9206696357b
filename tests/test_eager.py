"""Where an eager call runs (``Schedule.__call__``): a call with a host step outside any
transformation evaluates on the host CPU backend and returns an uncommitted array, so a
logging line never queues behind work on an accelerator; jitted and traced calls run as
before. The accelerator is simulated by making another fake CPU device the default one
(conftest: four devices), so "the CPU backend" is device 0 and "the accelerator" device 2."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs
from jaxlrs import _schedule

DEVICES = jax.devices()
CPU = jax.devices("cpu")[0]
ACCEL = DEVICES[2]

pytestmark = pytest.mark.skipif(len(DEVICES) < 3, reason="needs several (fake) devices")

SCHEDULES = {
    "sgdr": lambda: jaxlrs.sgdr(1e-3, 100, period_mult=2, decay=0.9),
    "warmup_cosine": lambda: jaxlrs.warmup_cosine(1e-3, 100, 1_000),
    "piecewise_constant": lambda: jaxlrs.piecewise_constant([100, 200], [1e-3, 1e-4, 1e-5]),
    "exponential": lambda: jaxlrs.exponential(1.0, 0.999),
}

# host steps of every kind a call accepts, including one beyond the index dtype
HOST_STEPS = {
    "int": 123,
    "float": 150.5,
    "big int": 2**40,
    "numpy scalar": np.int32(250),
    "numpy array": np.arange(0, 1_000, 7),
    "list": [0, 99, 100, 101, 5_000],
}


def _reference(make, step):
    """The value on the default device, as every call ran before: the same jitted function
    and packed hyperparameters, called directly (no host routing)."""
    s = make()
    fn, args = _schedule.evaluator(s)
    return np.asarray(fn(*args, _schedule._host_step(s, step)))


@pytest.mark.parametrize("step", list(HOST_STEPS.values()), ids=list(HOST_STEPS))
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_host_step_runs_on_the_cpu_backend_and_mixes(name, step):
    with jax.default_device(ACCEL):
        s = SCHEDULES[name]()
        out = s(step)
        on_accel = jax.device_put(jnp.ones(np.shape(out), out.dtype), ACCEL)
        mixed = out * on_accel
        jitted = jax.jit(lambda a, b: a * b)(on_accel, out)  # as a training step takes it
        reference = _reference(SCHEDULES[name], step)
    assert out.devices() == {CPU}
    assert not out.committed
    assert mixed.devices() == jitted.devices() == {ACCEL}
    np.testing.assert_array_equal(np.asarray(mixed), np.asarray(out))
    # bit for bit what the default device computes (same dtype, same bits)
    assert np.asarray(out).dtype == reference.dtype
    bits = lambda a: np.atleast_1d(np.asarray(a)).view(np.uint8)  # noqa: E731
    np.testing.assert_array_equal(bits(out), bits(reference))


def test_a_host_call_does_not_wait_for_work_queued_on_the_accelerator():
    """A long computation queued on the simulated accelerator: the host call's value is
    ready while it still runs; the same call with an array step (on the accelerator, the
    control) waits for it."""

    @jax.jit
    def heavy(x):
        return jax.lax.fori_loop(0, 100, lambda i, a: jnp.tanh(a @ a), x)

    x = jax.device_put(jnp.full((512, 512), 1e-3, jnp.float32), ACCEL)
    with jax.default_device(ACCEL):
        s = SCHEDULES["sgdr"]()
        host, device = float(s(123)), float(s(jnp.asarray(123)))  # compiled both ways
        heavy(x).block_until_ready()
        queued = heavy(x)
        assert float(s(123)) == host
        assert not queued.is_ready()
        queued.block_until_ready()
        queued = heavy(x)
        assert float(s(jnp.asarray(123))) == device
        assert queued.is_ready()


def test_reference_runs_on_the_simulated_accelerator():
    """The oracle above really is the other device's computation."""
    with jax.default_device(ACCEL):
        s = SCHEDULES["sgdr"]()
        fn, args = _schedule.evaluator(s)
        assert fn(*args, 123).devices() == {ACCEL}


def test_array_steps_run_where_jax_puts_them():
    with jax.default_device(ACCEL):
        s = SCHEDULES["warmup_cosine"]()
        s(5)  # the host copy exists; it must not leak into array calls
        uncommitted = s(jnp.asarray(123))
        committed = s(jax.device_put(jnp.asarray(123), DEVICES[1]))
        host = s(123)
    assert uncommitted.devices() == {ACCEL} and not uncommitted.committed
    assert committed.devices() == {DEVICES[1]} and committed.committed
    np.testing.assert_array_equal(np.asarray(uncommitted), np.asarray(host))
    np.testing.assert_array_equal(np.asarray(committed), np.asarray(host))


def test_traced_calls_are_unchanged():
    """Inside jit/vmap/grad/scan a host step is traced into the caller, on its device."""
    with jax.default_device(ACCEL):
        s = SCHEDULES["sgdr"]()
        jitted = jax.jit(lambda: s(150))()
        mapped = jax.vmap(lambda x: s(150) * x)(jnp.ones(3, jnp.float32))
        scanned = jax.lax.scan(lambda c, _: (c + s(150), None), jnp.float32(0), None, length=2)[0]
        grad = jax.grad(lambda p: jaxlrs.sgdr(p, 100)(150))(1e-3)
        eager = s(150)
    for out in (jitted, mapped, scanned, grad):
        assert out.devices() == {ACCEL}
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(eager), rtol=2e-7)
    np.testing.assert_allclose(np.asarray(mapped), np.asarray(eager), rtol=2e-7)
    np.testing.assert_allclose(np.asarray(scanned), 2 * np.asarray(eager), rtol=4e-7)


def test_traced_hyperparameters_are_unchanged():
    """A schedule built from a traced hyperparameter evaluates in the trace."""
    with jax.default_device(ACCEL):
        out = jax.jit(lambda p: jaxlrs.warmup_cosine(p, 100, 1_000)(150))(jnp.float32(1e-3))
        eager = jaxlrs.warmup_cosine(1e-3, 100, 1_000)(150)
    assert out.devices() == {ACCEL}
    np.testing.assert_allclose(np.asarray(out), np.asarray(eager), rtol=1e-6)


def test_uncommitted_array_hyperparameter_is_copied_to_the_host():
    """A JAX-array hyperparameter left uncommitted on the accelerator travels to the host
    copy once, with its dtype and weak type, so later host calls never read the accelerator."""
    with jax.default_device(ACCEL):
        knots = jnp.asarray([0.0, 1.0, 0.5])
        weak = jnp.asarray(2.0)  # weakly typed
        copies = [_schedule._copy_to_host(x, CPU) for x in (knots, weak)]
    for original, copy in zip((knots, weak), copies, strict=True):
        assert copy.devices() == {CPU} and not copy.committed
        assert copy.dtype == original.dtype and copy.weak_type == original.weak_type
        np.testing.assert_array_equal(np.asarray(copy), np.asarray(original))
    committed = jax.device_put(knots, ACCEL)
    assert _schedule._copy_to_host(committed, CPU) is committed


def test_top_level_check_and_its_public_fallback(monkeypatch):
    """``_at_top_level`` uses JAX's internal check when it exists (it does in the JAX this
    suite runs) and otherwise a public probe; both say the same everywhere."""
    assert _schedule._trace_state_clean is not None
    seen = {}

    def record(tag):
        seen[tag] = (_schedule._at_top_level(), _schedule._probe_top_level())

    def traced(x):
        record("traced")
        return x

    record("top")
    jax.jit(traced)(1.0)
    seen["jit"] = seen.pop("traced")
    jax.vmap(traced)(jnp.ones(2))
    seen["vmap"] = seen.pop("traced")
    jax.grad(traced)(1.0)
    seen["grad"] = seen.pop("traced")
    # the probe sees staging traces only; under vmap or grad alone it finds no tracer
    assert seen == {
        "top": (True, True),
        "jit": (False, False),
        "vmap": (False, True),
        "grad": (False, True),
    }
    monkeypatch.setattr(_schedule, "_trace_state_clean", None)
    with jax.default_device(ACCEL):
        s = SCHEDULES["sgdr"]()
        eager = s(123)
        jitted = jax.jit(lambda: s(123))()
        mapped = jax.vmap(lambda x: s(123) * x)(jnp.ones(2, jnp.float32))
    assert eager.devices() == {CPU} and jitted.devices() == {ACCEL}
    np.testing.assert_array_equal(np.asarray(mapped), np.full(2, np.asarray(eager)))


def test_without_a_cpu_backend_the_default_device_is_used(monkeypatch):
    monkeypatch.setattr(_schedule, "_host_device", lambda: (None, False))
    with jax.default_device(ACCEL):
        s = SCHEDULES["sgdr"]()
        assert s(123).devices() == {ACCEL}


def test_x64_switch_repacks_the_host_copy():
    s = SCHEDULES["exponential"]()
    with jax.default_device(ACCEL):
        low = s(3_000)
        with jax.enable_x64(True):
            high = s(3_000)
    assert low.dtype == np.float32 and high.dtype == np.float64
    assert low.devices() == high.devices() == {CPU}
    np.testing.assert_allclose(float(high), 0.999**3_000, rtol=1e-12)
    np.testing.assert_allclose(float(low), 0.999**3_000, rtol=2e-6)
