"""``jaxlrs.compat.keras.deserialize`` against Keras 3's own ``serialize`` (JAX backend), and
``LegacyDecay`` against a float64 oracle and Keras' ``InverseTimeDecay``.

Configs are generated (a seeded grid per class); each real Keras schedule is serialised by
Keras, read back by jaxlrs and compared with Keras at every step of at least twice its
horizon, to the Keras parity bound of ``tests/test_compat_keras.py``.
"""

from __future__ import annotations

import json
import os
import pickle

import jax
import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import keras as ks

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "jax":
    pytest.skip("the Keras parity tests run on the JAX backend", allow_module_level=True)
S = keras.optimizers.schedules

from test_compat_keras import assert_parity, peer_values  # noqa: E402  (after the skip)


def _configs() -> list[tuple[str, dict, int]]:
    """(class name, constructor kwargs, steps to compare) for generated configs."""
    rng = np.random.default_rng(10)
    out: list[tuple[str, dict, int]] = []

    def lr() -> float:
        return float(rng.choice([1e-4, 3e-3, 0.1, 1.0, 2.5]))

    for _ in range(3):
        d = int(rng.integers(1, 40))
        out.append(
            (
                "ExponentialDecay",
                dict(
                    initial_learning_rate=lr(),
                    decay_steps=d,
                    decay_rate=float(rng.uniform(0.3, 0.99)),
                    staircase=bool(rng.integers(2)),
                ),
                4 * d + 5,
            )
        )
        b = np.cumsum(rng.integers(1, 20, size=int(rng.integers(1, 5)))).tolist()
        out.append(
            (
                "PiecewiseConstantDecay",
                dict(boundaries=b, values=[lr() for _ in range(len(b) + 1)]),
                2 * b[-1] + 3,
            )
        )
        d = int(rng.integers(1, 40))
        out.append(
            (
                "PolynomialDecay",
                dict(
                    initial_learning_rate=lr(),
                    decay_steps=d,
                    end_learning_rate=float(rng.choice([0.0, 1e-5, 1e-3])),
                    power=float(rng.choice([0.5, 1.0, 2.0, 3.0])),
                    cycle=bool(rng.integers(2)),
                ),
                4 * d + 3,
            )
        )
        d = int(rng.integers(1, 40))
        out.append(
            (
                "InverseTimeDecay",
                dict(
                    initial_learning_rate=lr(),
                    decay_steps=d,
                    decay_rate=float(rng.uniform(0.0, 3.0)),
                    staircase=bool(rng.integers(2)),
                ),
                4 * d + 5,
            )
        )
        d = int(rng.integers(2, 60))
        kw = dict(initial_learning_rate=lr(), decay_steps=d, alpha=float(rng.uniform(0, 0.5)))
        out.append(("CosineDecay", kw, 2 * d + 3))
        w = int(rng.integers(0, 20))
        kw = dict(
            initial_learning_rate=float(rng.choice([0.0, 1e-5])),
            decay_steps=d,
            alpha=float(rng.uniform(0, 0.5)),
            warmup_target=lr(),
            warmup_steps=w,
        )
        out.append(("CosineDecay", kw, 2 * (d + w) + 3))
        d = int(rng.integers(2, 30))
        out.append(
            (
                "CosineDecayRestarts",
                dict(
                    initial_learning_rate=lr(),
                    first_decay_steps=d,
                    t_mul=float(rng.choice([1.0, 2.0])),
                    m_mul=float(rng.uniform(0.3, 1.0)),
                    alpha=float(rng.uniform(0, 0.3)),
                ),
                8 * d,
            )
        )
    return out


CONFIGS = _configs()
IDS = [f"{c}-{i}" for i, (c, _, _) in enumerate(CONFIGS)]


@pytest.mark.parametrize(("cls", "kw", "n"), CONFIGS, ids=IDS)
def test_deserialize_matches_keras(cls: str, kw: dict, n: int) -> None:
    peer = getattr(S, cls)(**kw)
    config = S.serialize(peer)
    ours = ks.deserialize(config)
    assert ours == getattr(ks, cls)(**kw)
    assert ours.name == "compat.keras." + cls
    assert_parity(ours(np.arange(n)), peer_values(peer, n))


@pytest.mark.parametrize(("cls", "kw", "n"), CONFIGS[:7], ids=IDS[:7])
def test_round_trip_forms(cls: str, kw: dict, n: int) -> None:
    peer = getattr(S, cls)(**kw)
    config = S.serialize(peer)
    ours = ks.deserialize(config)
    # The JSON text, the bare older-Keras form and a keras.src module read the same.
    assert ks.deserialize(json.dumps(config)) == ours
    assert ks.deserialize({"class_name": cls, "config": config["config"]}) == ours
    src = dict(config, module="keras.src.optimizers.schedules.learning_rate_schedule")
    assert ks.deserialize(src) == ours
    # Keras reads its own config back to the same values; jaxlrs's result prints and
    # parses, and pickles, like every schedule.
    again = S.deserialize(config)
    np.testing.assert_array_equal(peer_values(again, n), peer_values(peer, n))
    assert jaxlrs.parse(repr(ours)) == ours
    assert pickle.loads(pickle.dumps(ours)) == ours


def test_every_builtin_class_is_accepted() -> None:
    names = {
        n
        for n in dir(S)
        if isinstance(getattr(S, n), type)
        and issubclass(getattr(S, n), S.LearningRateSchedule)
        and getattr(S, n) is not S.LearningRateSchedule
    }
    assert names == {c for c, _, _ in CONFIGS}
    with pytest.raises(ValueError, match="class_name must be one of CosineDecay, "):
        ks.deserialize({"class_name": "LearningRateSchedule", "config": {}})


GOOD = {"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1,
        "decay_steps": 10, "decay_rate": 0.5}}  # fmt: skip


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"class_name": "OneCycle", "config": {}}, r"class_name must be one of .*ExponentialDecay"),
        ({"config": {}}, r"class_name must be one of .*got None"),
        ([1, 2], r"config must be a dict"),
        ("{not json", r"config must be a dict or its JSON text"),
        (dict(GOOD, registered_name="my>Decay"), r"registered_name must be None or"),
        (dict(GOOD, module="torch.optim"), r"module must be None or a Keras module"),
        (dict(GOOD, extra=1), r"unknown key\(s\) \['extra'\]"),
        (dict(GOOD, config=[0.1]), r"must be a dict of its arguments"),
        (
            dict(GOOD, config={"initial_learning_rate": 0.1, "decay_steps": 10}),
            r"ExponentialDecay takes the config keys .*missing \['decay_rate'\]",
        ),
        (
            dict(GOOD, config=dict(GOOD["config"], dtype="float32")),
            r"unknown \['dtype'\]",
        ),
        (
            dict(GOOD, config=dict(GOOD["config"], decay_steps=-3)),
            r"bad ExponentialDecay config: ExponentialDecay\(\): decay_steps",
        ),
        (
            dict(GOOD, config=dict(GOOD["config"], name=3)),
            r"bad ExponentialDecay config: .*name",
        ),
    ],
)
def test_deserialize_errors(config, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ks.deserialize(config)


# -- LegacyDecay ---------------------------------------------------------------------------


def _legacy_oracle(lr: float, decay: float, t: np.ndarray) -> np.ndarray:
    """Keras 2's ``lr * (1.0 / (1.0 + decay * iterations))`` in float64."""
    return lr * (1.0 / (1.0 + decay * t.astype(np.float64)))


@pytest.mark.parametrize("lr", [1e-4, 0.1, 3.0])
@pytest.mark.parametrize("decay", [0.0, 1e-6, 1e-3, 0.5, 10.0])
def test_legacy_decay_oracle(lr: float, decay: float) -> None:
    s = ks.LegacyDecay(lr, decay)
    t = np.concatenate([np.arange(200), 2 ** np.arange(8, 31), 2 ** np.arange(8, 31) - 1])
    np.testing.assert_allclose(np.asarray(s(t), np.float64), _legacy_oracle(lr, decay, t),
                               rtol=2e-6)  # fmt: skip


def test_legacy_decay_is_keras_inverse_time() -> None:
    peer = S.InverseTimeDecay(0.1, 1, 0.01)
    assert_parity(ks.LegacyDecay(0.1, 0.01)(np.arange(500)), peer_values(peer, 500))


def test_legacy_decay_traced_and_round_trip() -> None:
    s = ks.LegacyDecay(0.1, 0.01)
    assert repr(s) == "compat.keras.LegacyDecay(0.1, 0.01)"
    assert jaxlrs.parse(repr(s)) == s
    t = np.arange(50)
    f = jax.jit(lambda lr, d: ks.LegacyDecay(lr, d)(t))
    np.testing.assert_allclose(np.asarray(f(0.1, 0.01)), _legacy_oracle(0.1, 0.01, t),
                               rtol=2e-6)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0.1, -0.5), r"LegacyDecay\(\): decay"),
        (("a", 0.1), r"LegacyDecay\(\): learning_rate"),
    ],
)
def test_legacy_decay_errors(args, match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        ks.LegacyDecay(*args)
