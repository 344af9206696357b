"""``jaxlrs.compat.transformers.get_scheduler`` against ``transformers.get_scheduler`` on a
real PyTorch optimizer, step for step, for every ``SchedulerType`` on seeded generated
hyperparameters (fractional ``num_warmup_steps`` included, converted as the Trainer does
with ``TrainingArguments.get_warmup_steps``); the plateau controller against the real
``ReduceLROnPlateau`` that Hugging Face builds; the errors, against Hugging Face's where it
raises; the new constructor against a float64 formula at large steps."""

from __future__ import annotations

import functools
import math
import pickle
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import transformers as hf
from jaxlrs.compat._transformers_names import NAMES

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
import transformers  # noqa: E402
from test_compat_transformers import assert_parity, step_peer  # noqa: E402
from test_plateau import drive  # noqa: E402
from transformers.trainer_utils import SchedulerType  # noqa: E402
from transformers.training_args import TrainingArguments  # noqa: E402

STEP_TYPES = [
    "linear",
    "cosine",
    "cosine_with_restarts",
    "polynomial",
    "constant",
    "constant_with_warmup",
    "inverse_sqrt",
    "cosine_with_min_lr",
    "cosine_warmup_with_min_lr",
    "warmup_stable_decay",
]


def test_every_scheduler_type_is_covered():
    """The installed transformers' SchedulerType values: each one a step-function type
    tested here or one of the two metric-driven controllers."""
    assert {t.value for t in SchedulerType} == {*STEP_TYPES, "reduce_lr_on_plateau", "greedy"}
    assert set(SchedulerType) == {SchedulerType(n) for n in NAMES}


def trainer_warmup(w: Any, total: int | None) -> Any:
    """What the Trainer hands to ``get_scheduler`` for ``warmup_steps=w`` (Hugging Face's
    own ``TrainingArguments.get_warmup_steps``)."""
    if w is None:
        return None
    return TrainingArguments.get_warmup_steps(SimpleNamespace(warmup_steps=w), total)


def _warmup(rng: np.random.Generator) -> Any:
    """An int count, a fraction of the run in [0, 0.9), or a float count >= 1."""
    kind = rng.integers(3)
    if kind == 0:
        return int(rng.integers(0, 15))
    if kind == 1:
        return float(rng.uniform(0.0, 0.9))
    return float(rng.uniform(1.0, 12.0))


def _cycles(rng: np.random.Generator) -> float:
    return float(rng.choice([0.5, 1.0, 1.5, 2.0]))


def generate(name: str, rng: np.random.Generator) -> dict[str, Any]:
    """One call's arguments for ``name``: lr, W, T and scheduler_specific_kwargs."""
    lr = float(10 ** rng.uniform(-4, 0))
    total = int(rng.integers(16, 90))
    w = _warmup(rng)
    kw: dict[str, Any] = {}
    if name == "cosine":
        kw["num_cycles"] = _cycles(rng)
    elif name == "cosine_with_restarts":
        kw["num_cycles"] = int(rng.integers(1, 6))
    elif name == "polynomial":
        kw = {"lr_end": lr * float(rng.uniform(0, 0.5)), "power": float(rng.uniform(0.5, 3))}
    elif name == "constant":
        w = [None, 0, 0.0][int(rng.integers(3))]
    elif name == "inverse_sqrt":
        if rng.integers(2):
            kw["timescale"] = int(rng.integers(1, 50))
    elif name in ("cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        kw["num_cycles"] = _cycles(rng)
        if rng.integers(2):
            kw["min_lr"] = lr * float(rng.uniform(0, 0.5))
        else:
            kw["min_lr_rate"] = float(rng.uniform(0, 0.5))
        if name == "cosine_warmup_with_min_lr" and rng.integers(2):
            kw["warmup_lr_rate"] = float(rng.uniform(0, 0.5))
    elif name == "warmup_stable_decay":
        kw = {
            "num_decay_steps": int(rng.integers(0, 30)),
            "warmup_type": str(rng.choice(["linear", "cosine", "1-sqrt"])),
            "decay_type": str(rng.choice(["linear", "cosine", "1-sqrt"])),
            "min_lr_ratio": float(rng.uniform(0, 0.3)),
            "num_cycles": _cycles(rng),
        }
        if rng.integers(2):  # the stable phase by its length, with no total
            total, w = None, int(rng.integers(0, 15))
            kw["num_stable_steps"] = int(rng.integers(0, 30))
        else:  # room for the warmup (a fraction below 1/2 here) and the decay
            if isinstance(w, float) and w < 1:
                w /= 2
            total = max(total, 2 * kw["num_decay_steps"] + 2, kw["num_decay_steps"] + 15)
    return {"lr": lr, "w": w, "total": total, "kw": kw}


CASES = [
    (name, i, generate(name, np.random.default_rng([10, j, i])))
    for j, name in enumerate(STEP_TYPES)
    for i in range(8)
]


def horizon(name: str, c: dict[str, Any]) -> int:
    if c["total"] is not None:
        return 2 * c["total"] + 5  # the cosines are periodic past the end
    kw = c["kw"]
    return 2 * (c["w"] + kw["num_stable_steps"] + kw["num_decay_steps"]) + 5


def peer_rates(name: str, c: dict[str, Any], n: int) -> np.ndarray:
    def make(o: Any) -> Any:
        return transformers.get_scheduler(
            name,
            optimizer=o,
            num_warmup_steps=trainer_warmup(c["w"], c["total"]),
            num_training_steps=c["total"],
            scheduler_specific_kwargs=dict(c["kw"]),
        )

    return step_peer(make, n, c["lr"])


def restart_steps(name: str, s: Any, n: int) -> np.ndarray:
    """The steps where a hard restart lands exactly (``num_cycles (t - W)`` a multiple of
    ``T - W``): Hugging Face's float64 ``% 1`` may give 0 there, jaxlrs gives the peak
    (documented in the constructor)."""
    t = np.arange(n)
    if name != "cosine_with_restarts":
        return np.zeros(n, bool)
    a = s._args
    w, total, nc = a["num_warmup_steps"], a["num_training_steps"], a["num_cycles"]
    return (t >= w) & (t < total) & ((nc * (t - w)) % (total - w) == 0)


@pytest.mark.parametrize(("name", "i", "c"), CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_matches_transformers_step_for_step(name: str, i: int, c: dict[str, Any]) -> None:
    s = hf.get_scheduler(name, c["lr"], c["w"], c["total"], dict(c["kw"]))
    n = horizon(name, c)
    peer = peer_rates(name, c, n)
    ours = np.asarray(s(np.arange(n)), np.float64)
    exact = restart_steps(name, s, n)
    np.testing.assert_allclose(ours[exact], c["lr"], rtol=1e-6)
    assert_parity(ours[~exact], peer[~exact])


@pytest.mark.parametrize(("name", "i", "c"), CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_prints_as_the_constructor_and_round_trips(name: str, i: int, c: dict[str, Any]) -> None:
    s = hf.get_scheduler(name, c["lr"], c["w"], c["total"], dict(c["kw"]))
    text = repr(s)
    assert text.startswith("compat.transformers.get_")
    assert jaxlrs.parse(text) == s
    assert jaxlrs.from_dict(jaxlrs.to_dict(s)) == s
    assert pickle.loads(pickle.dumps(s)) == s


def test_enum_member_and_string_agree():
    a = hf.get_scheduler(SchedulerType.COSINE, 0.1, 5, 50)
    assert a == hf.get_scheduler("cosine", 0.1, 5, 50)
    assert a == hf.get_cosine_schedule_with_warmup(0.1, 5, 50)


@pytest.mark.parametrize("seed", range(40))
def test_fractional_warmup_is_the_trainers(seed: int) -> None:
    """The warmup count that get_scheduler takes from a float is exactly what the Trainer
    passes (``TrainingArguments.get_warmup_steps``), fractions and truncated floats."""
    rng = np.random.default_rng([11, seed])
    total = int(rng.integers(2, 10**6))
    w = [float(rng.uniform(0, 1)), float(rng.uniform(1, 1000)), float(rng.integers(0, 50))][
        seed % 3
    ]
    want = trainer_warmup(w, total)
    if want >= total:  # jaxlrs refuses a warmup as long as the run
        with pytest.raises(ValueError, match=r"num_training_steps must be larger than"):
            hf.get_scheduler("linear", 0.1, w, total)
        return
    s = hf.get_scheduler("linear", 0.1, w, total)
    assert s._args["num_warmup_steps"] == want
    assert hf.get_scheduler("constant_with_warmup", 0.1, w, total)._args["num_warmup_steps"] == want


# -- reduce_lr_on_plateau: the controller against the ReduceLROnPlateau HF builds ---------


def plateau_case(seed: int) -> tuple[dict[str, Any], np.ndarray, float]:
    rng = np.random.default_rng([12, seed])
    kw: dict[str, Any] = {
        "mode": str(rng.choice(["min", "max"])),
        "factor": float(rng.choice([0.1, 0.5, 0.8])),
        "patience": int(rng.integers(0, 4)),
        "threshold_mode": str(rng.choice(["rel", "abs"])),
        "cooldown": int(rng.integers(0, 3)),
    }
    if rng.integers(2):
        kw["min_lr"] = 1e-4
    # whole-number metrics: no comparison lands within float32 rounding of its bar
    metrics = np.cumsum(rng.choice([-2.0, 0.0, 0.0, 1.0], size=60)) + 100.0
    return kw, metrics, float(rng.choice([0.1, 1.0]))


@pytest.mark.parametrize("seed", range(8))
def test_reduce_lr_on_plateau_matches_transformers(seed: int) -> None:
    kw, metrics, lr = plateau_case(seed)
    c = hf.get_scheduler("reduce_lr_on_plateau", lr, 0, 1000, dict(kw))
    assert c == jaxlrs.compat.torch.ReduceLROnPlateau(lr, **kw)
    p = torch.nn.Parameter(torch.zeros(1))
    o = torch.optim.SGD([p], lr=lr)
    sch = transformers.get_scheduler(
        "reduce_lr_on_plateau", o, 0, 1000, scheduler_specific_kwargs=dict(kw)
    )
    peer = [o.param_groups[0]["lr"]]
    for m in metrics:
        sch.step(float(m))
        peer.append(o.param_groups[0]["lr"])
    ours, _ = drive([c], metrics[None])
    np.testing.assert_allclose(ours[0], peer, rtol=1e-6)


# -- the new constructor: a float64 formula, at large steps -----------------------------


def lr_rate64(
    t: np.ndarray,
    peak: float,
    w: int,
    total: int,
    nc: float,
    rate: float,
    r0: float | None,
) -> np.ndarray:
    """Hugging Face's formula in float64, with the phase ``nc (t - W + 1) / (T - W)``
    reduced modulo 1 in exact rationals (``nc`` as the float it is)."""
    length = max(1, total - w)
    out = []
    for k in t.tolist():
        if k < w:
            f = (k + 1) / max(1, w) if r0 is None else r0 + (1 - r0) * k / max(1, w - 1)
            out.append(peak * f)
            continue
        x = Fraction(nc) * (k - w + 1) / length
        x -= math.floor(x)
        wave = 0.5 * (1 + math.cos(2 * math.pi * float(x)))
        out.append(peak * max(0.0, wave * (1 - rate) + rate))
    return np.asarray(out)


BIG = np.array([0, 1, 5, 2**24 + 3, 10**9 + 7, 2**31 - 2, 2**31 - 1], np.int64)


@pytest.mark.parametrize("seed", range(12))
def test_lr_rate_float64_oracle_at_large_steps(seed: int) -> None:
    rng = np.random.default_rng([13, seed])
    w = int(rng.choice([0, 1, int(rng.integers(2, 5000))]))
    total = w + int(rng.choice([1, int(rng.integers(2, 10**4)), int(rng.integers(10**4, 10**9))]))
    nc = float(rng.choice([0.5, 1.0, 2.5, round(float(rng.uniform(0.1, 3)), 3)]))
    rate = float(rng.uniform(0, 0.5))
    r0 = None if seed % 2 else float(rng.uniform(0, 0.5))
    peak = float(10 ** rng.uniform(-3, 0))
    s = hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
        peak, w, total, nc, min_lr_rate=rate, warmup_lr_rate=r0
    )
    t = np.unique(np.concatenate([BIG, [w - 1, w, w + 1, total - 1, total]]).clip(0, 2**31 - 1))
    want = lr_rate64(t, peak, w, total, nc, rate, r0)
    # the double-float phase bound of the docstring (exact for a whole 2 * nc)
    slack = 1e-7 + math.pi * nc * 2**31 / max(1, total - w) * 2**-46
    np.testing.assert_allclose(np.asarray(s(t), np.float64), want, rtol=2e-6, atol=slack * peak)


def test_lr_rate_min_lr_is_min_lr_rate_times_peak():
    t = np.arange(0, 300, 3)
    a = hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(2.0, 10, 110, min_lr=0.5)
    b = hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(2.0, 10, 110, min_lr_rate=0.25)
    np.testing.assert_allclose(a(t), b(t), rtol=1e-6)
    np.testing.assert_allclose(a(t), lr_rate64(t, 2.0, 10, 110, 0.5, 0.25, None), rtol=2e-6)


# -- errors: where Hugging Face raises, and what jaxlrs refuses ---------------------------


def _peer_raises(name: str, *args: Any, **kw: Any) -> type | None:
    p = torch.nn.Parameter(torch.zeros(1))
    o = torch.optim.SGD([p], lr=0.1)
    try:
        transformers.get_scheduler(name, o, *args, **kw)
    except (ValueError, TypeError) as e:
        return type(e)
    return None


NEEDS_WARMUP = [t for t in STEP_TYPES if t != "constant"]
NEEDS_TOTAL = [
    "linear",
    "cosine",
    "cosine_with_restarts",
    "polynomial",
    "cosine_with_min_lr",
    "cosine_warmup_with_min_lr",
]
_MIN = {"min_lr_rate": 0.1}
_REQUIRED = {
    "cosine_with_min_lr": _MIN,
    "cosine_warmup_with_min_lr": _MIN,
    "warmup_stable_decay": {"num_decay_steps": 5},
}


@pytest.mark.parametrize("name", NEEDS_WARMUP)
def test_missing_num_warmup_steps(name: str) -> None:
    kw = _REQUIRED.get(name)
    assert _peer_raises(name, None, 100, scheduler_specific_kwargs=kw) is ValueError
    with pytest.raises(ValueError, match=rf"get_scheduler\(\): '{name}' requires num_warmup"):
        hf.get_scheduler(name, 0.1, None, 100, kw)


@pytest.mark.parametrize("name", NEEDS_TOTAL)
def test_missing_num_training_steps(name: str) -> None:
    kw = _REQUIRED.get(name)
    assert _peer_raises(name, 5, None, scheduler_specific_kwargs=kw) is ValueError
    with pytest.raises(ValueError, match=rf"get_scheduler\(\): '{name}' requires num_training"):
        hf.get_scheduler(name, 0.1, 5, None, kw)


@pytest.mark.parametrize("name", ["constant_with_warmup", "inverse_sqrt", "constant"])
def test_types_without_a_total(name: str) -> None:
    w = 0 if name == "constant" else 5
    assert _peer_raises(name, w, None) is None
    s = hf.get_scheduler(name, 0.1, w)
    assert_parity(s(np.arange(30)), step_peer(lambda o: transformers.get_scheduler(name, o, w), 30))


def test_wsd_needs_a_total_or_stable_steps():
    kw = {"num_decay_steps": 5}
    assert _peer_raises("warmup_stable_decay", 5, None, scheduler_specific_kwargs=kw) is ValueError
    with pytest.raises(ValueError, match=r"get_wsd_schedule\(\): num_training_steps or num_stable"):
        hf.get_scheduler("warmup_stable_decay", 0.1, 5, None, kw)
    assert _peer_raises("warmup_stable_decay", 5, 50) is TypeError
    with pytest.raises(TypeError, match=r"get_scheduler\(\): 'warmup_stable_decay' requires "):
        hf.get_scheduler("warmup_stable_decay", 0.1, 5, 50)


PASSES_KWARGS = [t for t in STEP_TYPES if t not in ("constant", "constant_with_warmup")]


@pytest.mark.parametrize("name", [*PASSES_KWARGS, "reduce_lr_on_plateau", "greedy"])
def test_unknown_kwarg(name: str) -> None:
    kw = {**_REQUIRED.get(name, {}), "bogus": 1}
    assert _peer_raises(name, 5, 100, scheduler_specific_kwargs=kw) is TypeError
    with pytest.raises(
        TypeError, match=rf"get_scheduler\(\): .*'{name}'.*unexpected keyword argument 'bogus'"
    ):
        hf.get_scheduler(name, 0.1, 0 if name in ("reduce_lr_on_plateau", "greedy") else 5, 100, kw)


@pytest.mark.parametrize("key", ["num_warmup_steps", "num_training_steps"])
def test_count_in_kwargs_is_refused(key: str) -> None:
    kw = {key: 7}
    assert _peer_raises("cosine", 5, 100, scheduler_specific_kwargs=kw) is TypeError
    with pytest.raises(TypeError, match=rf"unexpected keyword argument '{key}'"):
        hf.get_scheduler("cosine", 0.1, 5, 100, kw)


@pytest.mark.parametrize("name", ["constant", "constant_with_warmup"])
def test_kwargs_hugging_face_drops_are_refused(name: str) -> None:
    assert _peer_raises(name, 5, 100, scheduler_specific_kwargs={"num_cycles": 2}) is None
    with pytest.raises(TypeError, match=r"take none \(Hugging Face drops them\)"):
        hf.get_scheduler(name, 0.1, 0, 100, {"num_cycles": 2})


@pytest.mark.parametrize(
    ("args", "kind", "message"),
    [
        (("cosine_with_hard_restarts", 0.1, 5, 50), ValueError, r"name must be one of 'linear'"),
        ((3, 0.1, 5, 50), TypeError, r"get_scheduler\(\): name must be one of .*got 3 \(int\)"),
        (
            ("greedy", 0.1, 5),
            ValueError,
            r"'greedy' has no warmup .*got num_warmup_steps=5; pass 0 or None$",
        ),
        (("greedy", 0.1, 0, 100, {"factor": 1.0}), ValueError, r"GreedyLR\(\): factor must be"),
        (
            ("greedy", 0.1, 0, 100, {"factor": 0}),
            ValueError,
            r"factor must be a finite number in \(0",
        ),
        (("greedy", 0.1, 0, 100, {"verbose": True}), ValueError, r"GreedyLR\(\): verbose must be"),
        (
            ("greedy", 0.1, 0, 100, {"min_lr": [0.1]}),
            ValueError,
            r"GreedyLR\(\): min_lr must be a number \(one rate",
        ),
        (
            ("greedy", 0.1, 0, 100, {"window_size": 0}),
            ValueError,
            r"window_size must be a positive",
        ),
        (("greedy", 0.1, 0, 100, {"mode": "low"}), ValueError, r"mode must be one of 'min', 'max'"),
        (("greedy", 0.1, 0, 100, {"smooth": 1}), TypeError, r"smooth must be True or False"),
        (
            ("greedy", 0.1, 0, 100, {"reset_start": -1}),
            ValueError,
            r"reset_start must be a non-neg",
        ),
        (
            ("constant", 0.1, 10, 100),
            ValueError,
            r"'constant' has no warmup .*got num_warmup_steps=10.*'constant_with_warmup'",
        ),
        (
            ("reduce_lr_on_plateau", 0.1, 0.1, 100),
            ValueError,
            r"'reduce_lr_on_plateau' has no warmup .*got num_warmup_steps=0.1.*jaxlrs.plateau",
        ),
        (
            ("linear", 0.1, 5, 50, {"last_epoch": 3}),
            ValueError,
            r"scheduler_specific_kwargs\['last_epoch'\] is not needed",
        ),
        (
            ("linear", 0.1, 5, 50, [("power", 2)]),
            TypeError,
            r"scheduler_specific_kwargs must be a dict or None",
        ),
        (
            ("constant_with_warmup", 0.1, 0.25),
            ValueError,
            r"num_warmup_steps must be .*a fraction needs a concrete num_training_steps "
            r"\(got None\), got 0.25",
        ),
        (
            ("linear", 0.1, -0.5, 100),
            ValueError,
            r"get_scheduler\(\): num_warmup_steps must be a finite number in \[0, inf\)",
        ),
        (
            ("linear", 0.1, float("nan"), 100),
            ValueError,
            r"get_scheduler\(\): num_warmup_steps must be a finite number",
        ),
        (
            ("linear", 0.1, 0.999, 100),
            ValueError,
            r"get_linear_schedule_with_warmup\(\): num_training_steps must be larger than "
            r"num_warmup_steps .*got num_warmup_steps=100",
        ),
        (("linear", 0.1, -1, 100), ValueError, r"num_warmup_steps must be a non-negative"),
        (
            ("polynomial", 0.1, 5, 50, {"lr_end": 0.2}),
            ValueError,
            r"lr_end must be smaller than peak",
        ),
        (
            ("cosine_warmup_with_min_lr", 0.1, 5, 50),
            ValueError,
            r"get_cosine_with_min_lr_schedule_with_warmup_lr_rate\(\): exactly one of min_lr",
        ),
        (
            ("cosine_warmup_with_min_lr", 0.1, 5, 50, {"min_lr": 0.01, "min_lr_rate": 0.1}),
            ValueError,
            r"exactly one of min_lr and min_lr_rate",
        ),
        (
            ("cosine_warmup_with_min_lr", 0.0, 5, 50, {"min_lr": 0.01}),
            ValueError,
            r"peak must be positive when min_lr is given",
        ),
        (
            ("cosine_warmup_with_min_lr", 0.1, 5, 50, {"min_lr_rate": 0.1, "warmup_lr_rate": "a"}),
            TypeError,
            r"warmup_lr_rate must be a finite number",
        ),
        (
            ("warmup_stable_decay", 0.1, 5, 50, {"num_decay_steps": 5, "num_stable_steps": 3}),
            ValueError,
            r"num_stable_steps must equal num_training_steps - num_warmup_steps",
        ),
        (
            ("reduce_lr_on_plateau", 0.1, 0, 100, {"min_lr": [0.1]}),
            ValueError,
            r"ReduceLROnPlateau\(\): min_lr must be a number",
        ),
    ],
)
def test_validation(args: tuple[Any, ...], kind: type, message: str) -> None:
    with pytest.raises(kind, match=message):
        hf.get_scheduler(*args)


def test_hugging_face_raises_for_a_bad_name_too() -> None:
    assert _peer_raises("cosine_with_hard_restarts", 5, 50) is ValueError


# -- greedy: the GreedyLR controller against Hugging Face's GreedyLR ----------------------


def greedy_case(seed: int) -> tuple[float, dict[str, Any], np.ndarray]:
    """Even seeds: powers of two for every rate and factor (each product exact in float32
    too, so the floor and the resets are decided alike); odd seeds: Hugging Face's kind
    of numbers (0.95, 1e-3), with no reset (whether a rate sits at ``min_lr`` then
    depends on the last bit of a product)."""
    rng = np.random.default_rng([14, seed])
    rel = bool(rng.integers(2))
    kw: dict[str, Any] = {
        "mode": str(rng.choice(["min", "max"])),
        "patience": int(rng.integers(0, 4)),
        "threshold_mode": "rel" if rel else "abs",
        "threshold": float(rng.choice([0.0, 1e-3] if rel else [0.0, 0.5, 1e-6])),
        "cooldown": int(rng.integers(0, 3)),
        "warmup": int(rng.integers(0, 3)),
        "smooth": bool(rng.integers(2)),
        "window_size": int(rng.integers(1, 7)),
    }
    if seed % 2 == 0:
        lr = 2.0**-3
        kw |= {"factor": float(rng.choice([0.5, 0.25])), "min_lr": 2.0**-8}
        kw |= {"max_lr": float(rng.choice([1.0, 0.5])), "reset_start": int(rng.integers(0, 5))}
    else:
        lr = 0.1
        kw |= {"factor": float(rng.choice([0.95, 0.8])), "reset_start": 10**6}
    metrics = 100.0 + np.cumsum(rng.choice([-2.0, -1.0, 0.0, 0.0, 1.0, 2.0], size=90))
    return lr, kw, metrics


def _fragile(current: float, best: float, sch: Any, decision: bool) -> bool:
    """Whether float32 could judge ``current`` against ``best`` otherwise than Hugging
    Face's float64: the comparison as jaxlrs makes it, in float32, with ``current``
    rounded (and one unit either way when it is not a half-integer, as a mean may be)."""
    f32 = np.float32
    c = f32(current)
    cs = (
        [c]
        if (2 * current).is_integer()
        else [np.nextafter(c, -np.inf), c, np.nextafter(c, np.inf)]
    )
    b, t, one = f32(best), f32(sch.threshold), f32(1)
    up = sch.mode == "max"
    if sch.threshold_mode == "rel":
        bar = b * (one + t) if up else b * (one - t)
    else:
        bar = b + t if up else b - t
    return {bool(x > bar) if up else bool(x < bar) for x in cs} != {decision}


def greedy_peer(lr: float, kw: dict[str, Any], metrics: np.ndarray) -> tuple[np.ndarray, int]:
    """Hugging Face's rate after each ``step(m)``, and how many leading steps judged no
    metric within float32 rounding of its bar (beyond them float32 may decide otherwise)."""
    p = torch.nn.Parameter(torch.zeros(1))
    o = torch.optim.SGD([p], lr=lr)
    sch = transformers.get_scheduler("greedy", o, scheduler_specific_kwargs=dict(kw))
    close = []
    is_better = sch.is_better

    def better(current: float, best: float) -> bool:
        decision = is_better(current, best)
        if math.isfinite(best) and _fragile(current, best, sch, decision):
            close.append(True)
        return decision

    sch.is_better = better
    rates, cut = [], None
    for k, m in enumerate(metrics):
        sch.step(float(m))
        if close and cut is None:
            cut = k
        rates.append(o.param_groups[0]["lr"])
    return np.asarray(rates), len(metrics) if cut is None else cut


@functools.partial(jax.jit, static_argnums=0)
def greedy_run(c: Any, metrics: jax.Array) -> jax.Array:
    def body(state: Any, km: Any) -> tuple[Any, jax.Array]:
        k, m = km
        state = c.update(state, k, m)
        return state, c.value(state, k + 1)

    ks = jnp.arange(metrics.shape[0], dtype=jnp.int32)
    return jax.lax.scan(body, c.init(), (ks, metrics))[1]


@pytest.mark.parametrize("seed", range(16))
def test_greedy_matches_transformers(seed: int) -> None:
    lr, kw, metrics = greedy_case(seed)
    c = hf.get_scheduler("greedy", lr, 0, 1000, dict(kw))
    assert c == hf.GreedyLR(lr, **kw)
    peer, cut = greedy_peer(lr, kw, metrics)
    assert cut >= 30
    ours = np.asarray(greedy_run(c, jnp.asarray(metrics, jnp.float32)), np.float64)
    np.testing.assert_allclose(ours[:cut], peer[:cut], rtol=1e-5)


def test_greedy_changes_the_rate_both_ways() -> None:
    """The generated cases raise, lower, clamp and reset (so the parity above covers them)."""
    seen = set()
    for seed in range(16):
        lr, kw, metrics = greedy_case(seed)
        peer, _ = greedy_peer(lr, kw, metrics)
        steps = np.diff(np.concatenate([[lr], peer]))
        seen |= {"up"} if np.any(steps > 0) else set()
        seen |= {"down"} if np.any(steps < 0) else set()
        seen |= {"floor"} if np.any(peer == kw.get("min_lr", 1e-3)) else set()
        seen |= {"reset"} if np.any((peer == lr) & (np.roll(peer, 1) < lr)) else set()
    assert seen == {"up", "down", "floor", "reset"}


def test_greedy_in_inject() -> None:
    optax = pytest.importorskip("optax")
    import jaxlrs.optax

    c = hf.GreedyLR(0.1, factor=0.5, patience=0, min_lr=0.01)
    tx = jaxlrs.optax.inject(optax.sgd, learning_rate=c)
    params = {"w": jnp.ones(2)}
    state = tx.init(params)
    step = jax.jit(lambda s, m: tx.update({"w": jnp.ones(2)}, s, params, value=m)[1])
    rates = []
    for m in [1.0, 0.5, 0.25, 0.3, 0.3, 0.3]:
        state = step(state, jnp.float32(m))
        rates.append(float(jaxlrs.optax.current(state)["learning_rate"]))
    peer, _ = greedy_peer(
        0.1,
        {"factor": 0.5, "patience": 0, "min_lr": 0.01},
        np.array([1.0, 0.5, 0.25, 0.3, 0.3, 0.3]),
    )
    # the update after metrics m_0 .. m_(k-1) uses Hugging Face's rate after step(m_(k-1))
    assert rates[0] == pytest.approx(0.1)
    np.testing.assert_allclose(rates[1:], peer[:-1], rtol=1e-6)


def test_greedy_repr_and_equality() -> None:
    c = hf.get_scheduler("greedy", 0.1, scheduler_specific_kwargs={"patience": 3, "smooth": True})
    assert repr(c) == "compat.transformers.GreedyLR(0.1, patience=3, smooth=True)"
    assert repr(hf.GreedyLR(0.01)) == "compat.transformers.GreedyLR(0.01)"
    assert c == hf.GreedyLR(0.1, patience=3, smooth=True) != hf.GreedyLR(0.1, patience=3)


def test_greedy_states_stack_under_vmap() -> None:
    """The numbers live in the state: controllers that differ only in them run as one
    ``vmap`` over a stack of their states, each as on its own."""
    metrics = jnp.asarray(greedy_case(2)[2], jnp.float32)
    cs = [
        hf.GreedyLR(0.125, factor=f, patience=p, min_lr=m, max_lr=0.5, reset_start=r)
        for f, p, m, r in [(0.5, 0, 2.0**-8, 2), (0.25, 1, 2.0**-6, 0), (0.8, 2, 1e-3, 500)]
    ]
    c0 = cs[0]

    def run(state: Any) -> jax.Array:
        def body(state: Any, km: Any) -> tuple[Any, jax.Array]:
            k, m = km
            state = c0.update(state, k, m)
            return state, c0.value(state, k + 1)

        ks = jnp.arange(metrics.shape[0], dtype=jnp.int32)
        return jax.lax.scan(body, state, (ks, metrics))[1]

    states = jax.tree.map(lambda *xs: jnp.stack(xs), *[c.init() for c in cs])
    stacked = np.asarray(jax.jit(jax.vmap(run))(states))
    for row, c in zip(stacked, cs, strict=True):
        np.testing.assert_array_equal(row, np.asarray(greedy_run(c, metrics)))
