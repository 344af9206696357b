"""``jaxlrs.compat.torch.MultiplicativeLR`` step for step against the real PyTorch
``MultiplicativeLR`` on an SGD optimizer, and its limits (horizon, validation)."""

from __future__ import annotations

import math
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import torch as lrs

torch = pytest.importorskip("torch")

N = 600


def constant(e):
    return 0.95


def by_epoch(e):
    return 1.0 / (1.0 + 0.01 * e) + 0.002 * e / (1 + e)


def growing_then_zero(e):
    return jnp.where(e < 7, 1.1, jnp.where(e == 300, 0.0, 1.0))


def torch_lrs(base_lr: float, fn, n: int) -> np.ndarray:
    """The rate of PyTorch's optimizer on updates 0..n-1 (``fn`` gets a Python int)."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr)
    sched = torch.optim.lr_scheduler.MultiplicativeLR(opt, lambda e: float(fn(np.int64(e))))
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.asarray(out)


@pytest.mark.parametrize("fn", [constant, by_epoch, growing_then_zero])
@pytest.mark.parametrize("base_lr", [0.1, 3e-4])
def test_matches_torch(fn, base_lr: float) -> None:
    peer = torch_lrs(base_lr, fn, N)
    ours = np.asarray(lrs.MultiplicativeLR(base_lr, fn, horizon=N)(np.arange(N)), np.float64)
    # float32 factors: t * 6e-8 relative drift (documented) plus the product's rounding.
    rtol = 1e-6 + 6e-8 * np.arange(N)
    err = np.abs(ours - peer)
    assert np.all(err <= rtol * np.abs(peer) + 1e-30), np.max(err / (np.abs(peer) + 1e-30))


def test_holds_past_horizon_and_floors_fractions() -> None:
    s = lrs.MultiplicativeLR(1.0, constant, horizon=20)
    v = np.asarray(s(np.array([20, 21, 1000, 2**31 - 1])), np.float64)
    np.testing.assert_allclose(v, 0.95**20, rtol=2e-6)
    np.testing.assert_allclose(float(s(2.5)), 0.95**2, rtol=2e-6)


def test_traced_base_lr_and_jit_of_the_schedule() -> None:
    t = np.arange(40)
    want = 0.1 * np.cumprod(np.r_[1.0, np.full(39, 0.95)])
    f = jax.jit(lambda b: lrs.MultiplicativeLR(b, constant, 40)(t))
    np.testing.assert_allclose(np.asarray(f(0.1)), want, rtol=1e-5)
    s = lrs.MultiplicativeLR(0.1, constant, 40)
    g = jax.jit(lambda s, t: s(t))
    np.testing.assert_allclose(np.asarray(g(s, t)), want, rtol=1e-5)


def test_repr_pickle_and_parse_refusal() -> None:
    s = lrs.MultiplicativeLR(0.1, constant, 40)
    assert repr(s).startswith("compat.torch.MultiplicativeLR(0.1, ")
    assert pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(ValueError):
        jaxlrs.parse(repr(s))


@pytest.mark.parametrize(
    ("args", "kind", "match"),
    [
        ((0.1, 0.95, 10), TypeError, r"MultiplicativeLR\(\): lr_lambda must be a function"),
        ((0.1, constant, 0), ValueError, r"MultiplicativeLR\(\): horizon must be"),
        ((0.1, constant, 2**24 + 1), ValueError, r"horizon must be a concrete integer in"),
        ((-0.1, constant, 10), ValueError, r"MultiplicativeLR\(\): base_lr"),
        ((0.1, constant, math.nan), ValueError, r"MultiplicativeLR\(\): horizon"),
    ],
)
def test_errors(args, kind, match: str) -> None:
    with pytest.raises(kind, match=match):
        lrs.MultiplicativeLR(*args)


def test_traced_horizon_refused() -> None:
    with pytest.raises(TypeError, match=r"horizon must be a concrete integer"):
        jax.jit(lambda h: lrs.MultiplicativeLR(0.1, constant, h)(1))(10)


def exact_near_one(e):
    """1 - k * 2**-24 for k = e mod 16: factors float32 holds exactly, just below 1."""
    return 1.0 - 2.0**-24 * (e % 16)


def test_the_product_of_many_exact_factors_keeps_the_contract():
    """The running product is formed in double-float arithmetic: a float32 product of n
    factors rounds n - 1 times in any order (a tree-shaped scan only shortens the chains),
    and for factors just below 1 the roundings lean one way: the float32 scan was 5e-4 off
    PyTorch's float64 product after 2**24 such factors, 1.3e-4 after 2**22. Oracle:
    PyTorch's ``lr *= factor``, i.e. NumPy's float64 running product of the same factors."""
    h = 2**22
    want = np.concatenate(
        [[1.0], np.cumprod(exact_near_one(np.arange(1, h + 1, dtype=np.float64)))]
    )
    s = lrs.MultiplicativeLR(0.1, exact_near_one, horizon=h)
    k = np.array([0, 1, 15, 16, 1000, 10**5, 10**6, h // 2 + 7, h - 1, h, 2**31 - 1], np.int32)
    np.testing.assert_allclose(
        np.asarray(s(k), np.float64), 0.1 * want[np.minimum(k, h)], rtol=2e-6
    )
    # a product that leaves float32's range: the plain product there (inf, 0), never NaN
    big = lrs.MultiplicativeLR(1e30, lambda e: 1e10 + 0 * e, horizon=10)([0, 1, 5, 10])
    assert not np.isnan(np.asarray(big)).any() and float(big[0]) == pytest.approx(1e30, rel=1e-6)
