"""Every schedule of the seed tutorials (``examples/seed_tutorials.py``) against the
tutorials' own algorithms: their formulas in float64 NumPy, and their Python classes ported
line by line (the MXNet tutorial's ``TriangularSchedule``, ``CosineAnnealingSchedule``,
``LinearWarmUp``, ``LinearCoolDown``, ``OneCycleSchedule`` and ``CyclicalSchedule``, and
MXNet's ``MultiFactorScheduler``), evaluated at every iteration 0..1499."""

from __future__ import annotations

import copy
import importlib.util
import math
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "seed_tutorials", ROOT / "examples/seed_tutorials.py"
)
assert _spec is not None and _spec.loader is not None
seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seeds)

N = 1500
T = np.arange(N, dtype=np.float64)

# -- the MXNet tutorial's classes, as the tutorial writes them -----------------------------


class TriangularSchedule:
    def __init__(self, min_lr, max_lr, cycle_length, inc_fraction=0.5):
        self.min_lr = min_lr
        self.max_lr = max_lr
        self.cycle_length = cycle_length
        self.inc_fraction = inc_fraction

    def __call__(self, iteration):
        if iteration <= self.cycle_length * self.inc_fraction:
            unit_cycle = iteration * 1 / (self.cycle_length * self.inc_fraction)
        elif iteration <= self.cycle_length:
            unit_cycle = (
                (self.cycle_length - iteration) * 1 / (self.cycle_length * (1 - self.inc_fraction))
            )
        else:
            unit_cycle = 0
        return (unit_cycle * (self.max_lr - self.min_lr)) + self.min_lr


class CosineAnnealingSchedule:
    def __init__(self, min_lr, max_lr, cycle_length):
        self.min_lr = min_lr
        self.max_lr = max_lr
        self.cycle_length = cycle_length

    def __call__(self, iteration):
        if iteration <= self.cycle_length:
            unit_cycle = (1 + math.cos(iteration * math.pi / self.cycle_length)) / 2
            return (unit_cycle * (self.max_lr - self.min_lr)) + self.min_lr
        return self.min_lr


class MultiFactorScheduler:
    """MXNet's ``mx.lr_scheduler.MultiFactorScheduler`` (no warmup): stateful, it
    multiplies ``base_lr`` by ``factor`` once ``num_update > step[i]``."""

    def __init__(self, step, factor=1.0, base_lr=0.01):
        self.step = step
        self.cur_step_ind = 0
        self.factor = factor
        self.base_lr = base_lr

    def __call__(self, num_update):
        while self.cur_step_ind <= len(self.step) - 1:
            if num_update > self.step[self.cur_step_ind]:
                self.cur_step_ind += 1
                self.base_lr *= self.factor
            else:
                return self.base_lr
        return self.base_lr


class LinearWarmUp:
    def __init__(self, schedule, start_lr, length):
        self.schedule = schedule
        self.start_lr = start_lr
        self.finish_lr = copy.copy(schedule)(0)
        self.length = length

    def __call__(self, iteration):
        if iteration <= self.length:
            return iteration * (self.finish_lr - self.start_lr) / (self.length) + self.start_lr
        return self.schedule(iteration - self.length)


class LinearCoolDown:
    def __init__(self, schedule, finish_lr, start_idx, length):
        self.schedule = schedule
        self.start_lr = copy.copy(self.schedule)(start_idx)
        self.finish_lr = finish_lr
        self.start_idx = start_idx
        self.finish_idx = start_idx + length
        self.length = length

    def __call__(self, iteration):
        if iteration <= self.start_idx:
            return self.schedule(iteration)
        if iteration <= self.finish_idx:
            return (iteration - self.start_idx) * (self.finish_lr - self.start_lr) / (
                self.length
            ) + self.start_lr
        return self.finish_lr


class OneCycleSchedule:
    def __init__(self, start_lr, max_lr, cycle_length, cooldown_length=0, finish_lr=None):
        finish_lr = finish_lr if (cooldown_length > 0) else start_lr
        schedule = TriangularSchedule(min_lr=start_lr, max_lr=max_lr, cycle_length=cycle_length)
        self.schedule = LinearCoolDown(
            schedule, finish_lr=finish_lr, start_idx=cycle_length, length=cooldown_length
        )

    def __call__(self, iteration):
        return self.schedule(iteration)


class CyclicalSchedule:
    def __init__(
        self, schedule_class, cycle_length, cycle_length_decay=1, cycle_magnitude_decay=1, **kw
    ):
        self.schedule_class = schedule_class
        self.length = cycle_length
        self.length_decay = cycle_length_decay
        self.magnitude_decay = cycle_magnitude_decay
        self.kwargs = kw

    def __call__(self, iteration):
        cycle_idx = 0
        cycle_length = self.length
        idx = self.length
        while idx <= iteration:
            cycle_length = math.ceil(cycle_length * self.length_decay)
            cycle_idx += 1
            idx += cycle_length
        cycle_offset = iteration - idx + cycle_length
        schedule = self.schedule_class(cycle_length=cycle_length, **self.kwargs)
        return schedule(cycle_offset) * self.magnitude_decay**cycle_idx


def steps_schedule():
    return MultiFactorScheduler(step=[250, 750, 900], factor=0.5, base_lr=1)


def run(fn):
    """The tutorial's stateful schedules are called in increasing order, as in training."""
    return np.array([fn(int(t)) for t in T])


# -- the tutorials' formulas ---------------------------------------------------------------


def f32(x):
    """A constant as a user's own function computes with it inside JAX (float32): in
    ``lambda t: 0.95 ** t`` the rounding of 0.95 grows with ``t``. jaxlrs's constructors
    keep their hyperparameters' float64 bits in ``rate**t``; a wrapped function cannot."""
    return float(np.float32(x))


ORACLES = {
    "time-based decay": lambda: 0.1 / (1 + 0.01 * T),
    "step decay": lambda: 0.1 * 0.5 ** np.floor(T / 250),
    "exponential exp(-kt)": lambda: 0.1 * np.exp(-0.002 * T),
    "cosine annealing (T_max=100)": lambda: np.where(
        T <= 100, 1e-5 + (1 - 1e-5) * (1 + np.cos(np.pi * np.minimum(T, 100) / 100)) / 2, 1e-5
    ),
    # PyTorch overview: "lr = 0.005 if 2 <= epoch < 4, lr = 0.0005 if 4 <= epoch < 6".
    "StepLR(step_size=2, gamma=0.1)": lambda: 0.05 * 0.1 ** (T // 2),
    "ExponentialLR(gamma=0.95)": lambda: 0.05 * 0.95**T,
    "LambdaLR(0.95**epoch)": lambda: 0.05 * f32(0.95) ** T,
    "LambdaLR(epoch // 30)": lambda: 0.05 * (T // 30),
    "triangular 1-2-1, 20% rising": lambda: run(TriangularSchedule(1, 2, 1000, inc_fraction=0.2)),
    "cosine 2 -> 1": lambda: run(CosineAnnealingSchedule(min_lr=1, max_lr=2, cycle_length=1000)),
    "warm-up onto multi-step": lambda: run(LinearWarmUp(steps_schedule(), start_lr=0, length=250)),
    "multi-step with cool-down": lambda: run(
        LinearCoolDown(steps_schedule(), finish_lr=0.001, start_idx=1000, length=500)
    ),
    "one-cycle + cool-down": lambda: run(
        OneCycleSchedule(0.1, 0.5, 500, cooldown_length=750, finish_lr=0.001)
    ),
    "one_cycle (same curve)": lambda: run(
        OneCycleSchedule(0.1, 0.5, 500, cooldown_length=750, finish_lr=0.001)
    ),
    "triangular cycles 0.5-2": lambda: run(
        CyclicalSchedule(TriangularSchedule, min_lr=0.5, max_lr=2, cycle_length=500)
    ),
    "SGDR-style cosine cycles": lambda: run(
        CyclicalSchedule(
            CosineAnnealingSchedule,
            min_lr=0.01,
            max_lr=2,
            cycle_length=250,
            cycle_length_decay=2,
            cycle_magnitude_decay=0.5,
        )
    ),
}


def test_every_schedule_has_an_oracle():
    assert set(ORACLES) == set(seeds.SCHEDULES)


@pytest.mark.parametrize("name", list(ORACLES))
def test_seed_schedule(name):
    schedule, _ = seeds.SCHEDULES[name]
    got = np.asarray(schedule(jnp.arange(N)), np.float64)
    want = ORACLES[name]()
    tiny = np.finfo(np.float32).tiny  # float32 underflows where float64 does not
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=max(1e-10 * np.abs(want).max(), tiny))


def test_seed_statements():
    """Numbers the tutorials state in their text."""
    s = dict((k, v[0]) for k, v in seeds.SCHEDULES.items())
    # "200 iterations are used for the increasing stage, and 800 for the decreasing stage."
    tri = s["triangular 1-2-1, 20% rising"]
    np.testing.assert_allclose(tri(jnp.asarray([0, 200, 1000, 5000])), [1, 2, 1, 1])
    # "we reduce the learning rate linearly from 0.125 to 0.001 over 500 iterations"
    cool = s["multi-step with cool-down"]
    np.testing.assert_allclose(cool(jnp.asarray([1000, 1500, 9000])), [0.125, 0.001, 0.001])
    # "each time we halve the magnitude and double the cycle length" (from 250 steps)
    sgdr = s["SGDR-style cosine cycles"]
    np.testing.assert_allclose(sgdr(jnp.asarray([0, 250, 750, 1750])), [2, 1, 0.5, 0.25])
    # The seeds' one-cycle schedule is also a three-phase linear one_cycle.
    assert isinstance(s["one_cycle (same curve)"], jaxlrs.Schedule)


def test_example_runs_and_writes_a_picture(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "seeds.png"
    seeds.main([str(out)])
    text = capsys.readouterr().out
    assert "SGDR-style cosine cycles" in text and f"wrote {out}" in text
    assert out.stat().st_size > 10_000
