"""``find_lr``: the learning-rate range test in one jitted scan, with suggested rates.

Update ``k`` (from 0) trains on one batch at the rate ``lr_k = lr_range(low, high,
steps, shape)(k)`` and records the batch's loss ``l_k`` (before the update) and its
smoothed value (fastai's exponential moving average with bias correction):

    a_k = beta * a_{k-1} + (1 - beta) * l_k,    a_{-1} = 0
    s_k = a_k / (1 - beta ** (k + 1))

The test stops after the first update ``k`` with ``s_k > diverge * min(s_0, ..., s_k)``
or a non-finite ``s_k`` (fastai's rule); the remaining updates of the scan do no work.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import _check as check
from .._cyclic import lr_range
from .._schedule import Schedule
from ._current import current
from ._inject import inject

Array = jax.Array


def _describe(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


# -- the suggestion rules (NumPy, on the recorded curve) ------------------------------------


def valley_index(losses: np.ndarray) -> int | None:
    """fastai's ``valley`` rule on ``losses``: the index of the suggested point, or None
    when ``losses`` is empty.

    ``d_i`` is the length of the longest strictly decreasing subsequence of ``losses``
    ending at ``i`` (``d_i = max(1, 1 + d_j for j < i with losses[i] < losses[j])``). The
    valley ends at ``e``, the first index of the largest ``d``, and starts at
    ``b = e - d``, where ``d`` is the value ``d_e`` had when, scanning ``j`` upwards, it
    first exceeded every earlier ``d_i`` (fastai records the start then, and keeps it as
    ``d_e`` grows further). The suggestion is ``b + int(m) + int(m / 2)`` with
    ``m = (e - b) / 3``: about halfway from ``b`` to ``e``.
    """
    n = len(losses)
    if n == 0:
        return None
    d = np.ones(n, dtype=np.int64)
    end, start = 0, 0
    for i in range(1, n):
        # d_i as j runs over 0..i-1: the running maximum of 1 + d_j over the larger j.
        running = np.maximum.accumulate(np.where(losses[i] < losses[:i], d[:i] + 1, 1))
        d[i] = running[-1]
        above = np.flatnonzero(running > d[end])
        if above.size:
            end, start = i, i - int(running[above[0]])
    sections = (end - start) / 3
    return start + int(sections) + int(sections / 2)


def steepest_index(lrs: np.ndarray, losses: np.ndarray) -> int | None:
    """Lightning's ``suggestion`` rule: the index of the most negative ``d loss / d lr``
    (``np.gradient(losses, lrs)`` in float64: central differences on the uneven grid of
    rates, one sided at the ends), among the finite ``losses``; None with fewer than 2 of
    them."""
    finite = np.flatnonzero(np.isfinite(losses))
    if finite.size < 2:
        return None
    gradients = np.gradient(
        np.asarray(losses, np.float64)[finite], np.asarray(lrs, np.float64)[finite]
    )
    return int(finite[np.argmin(gradients)])


# -- the result ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class RangeTest:
    """What :func:`find_lr` recorded, and the rates it suggests.

    Attributes:
      lrs: the rate of each recorded update, ``lr_range(low, high, steps, shape)(k)``
        (a NumPy array, float32; float64 under x64).
      losses: the loss of each recorded update's batch, before the update.
      smoothed: the smoothed losses (fastai's bias-corrected moving average).
      stopped_at: the update after which the test stopped (its smoothed loss above
        ``diverge`` times the best, or not finite), or None when all ``steps`` ran. The
        arrays hold the updates before it, and that update too when its loss is finite,
        so they never hold NaN or infinity.
      steepest: PyTorch Lightning's suggestion (the steepest descent of the smoothed loss
        against the rate), or None when too few points were recorded.
      valley: fastai's suggestion (about halfway down the longest decreasing run of the
        smoothed loss), or None when too few points were recorded.
      minimum: fastai's ``minimum`` suggestion (a tenth of the rate of the smallest smoothed
        loss), or None when too few points were recorded.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stopped_at: int | None
    steepest: float | None
    valley: float | None
    minimum: float | None

    def plot(self, ax: Any = None, *, log: bool = True, raw: bool = True) -> Any:
        """The smoothed loss against the rate, with the three suggestions marked.

        Draws on ``ax`` or on a new matplotlib ``Figure`` that is not registered with
        ``pyplot`` (so never shown unless returned to a notebook or saved), as
        :func:`jaxlrs.plot` does. Needs matplotlib (``pip install 'jaxlrs[plot]'``).

        Args:
          ax: matplotlib axes to draw on; None makes a new figure.
          log: a logarithmic rate axis (the rates must then be positive).
          raw: also draw the unsmoothed losses, faintly.

        Returns:
          The matplotlib ``Figure``.
        """
        from .._plot import _matplotlib

        figure = _matplotlib()
        if ax is None:
            fig = figure.Figure(figsize=(8, 4.5), layout="constrained")
            ax = fig.add_subplot()
        if raw:
            ax.plot(self.lrs, self.losses, color="0.6", linewidth=0.8, label="loss")
        ax.plot(self.lrs, self.smoothed, linewidth=1.5, label="smoothed loss")
        suggestions = (
            ("steepest", "o", self.steepest),
            ("valley", "s", self.valley),
            ("minimum", "D", self.minimum),
        )
        log_lrs = np.log(np.asarray(self.lrs, np.float64))
        for name, marker, lr in suggestions:
            if lr is not None:
                # minimum is a tenth of a recorded rate: its point on the curve, interpolated
                y = np.interp(np.log(lr), log_lrs, self.smoothed)
                ax.plot([lr], [y], marker, label=f"{name} {lr:.3g}")
        if log:
            ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        title = "range test"
        if self.stopped_at is not None:
            title += f" (diverged at update {self.stopped_at})"
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize="small")
        return ax.figure


# -- the scan -----------------------------------------------------------------------------


def _leading(fn: str, batches: Any) -> int:
    """The common length of the leading axis of every leaf of ``batches``."""
    leaves = jax.tree.leaves(batches)
    if not leaves:
        raise ValueError(f"{fn}(): batches must hold at least one array, got {_describe(batches)}")
    lengths = set()
    for leaf in leaves:
        if not hasattr(leaf, "shape") or not hasattr(leaf, "dtype"):
            raise TypeError(
                f"{fn}(): batches must be an array or a pytree of arrays with a leading "
                f"batch axis, got a leaf {_describe(leaf)} ({type(leaf).__name__})"
            )
        if np.ndim(leaf) == 0:
            raise ValueError(
                f"{fn}(): every array in batches must have a leading batch axis, got a "
                f"scalar {_describe(leaf)}"
            )
        lengths.add(int(np.shape(leaf)[0]))
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(
            f"{fn}(): every array in batches must have the same nonzero leading length "
            f"(one entry per batch), got lengths {sorted(lengths)}"
        )
    return lengths.pop()


@partial(jax.jit, static_argnames=("loss_fn", "optimizer", "steps", "beta", "diverge", "count"))
def _sweep(
    schedule: Schedule,
    params: Any,
    opt_state: Any,
    batches: Any,
    *,
    loss_fn: Callable[..., Any],
    optimizer: Callable[..., Any],
    steps: int,
    beta: float,
    diverge: float | None,
    count: int,
) -> dict[str, Array]:
    tx = inject(optimizer, learning_rate=schedule)

    def batch_at(k: Array) -> tuple[Any, ...]:
        if count == 0:
            return ()
        return (jax.tree.map(lambda b: b[k % count], batches),)

    out = jax.eval_shape(loss_fn, params, *batch_at(jnp.int32(0)))
    if not hasattr(out, "shape") or out.shape != () or not jnp.issubdtype(out.dtype, jnp.floating):
        raise ValueError(f"find_lr(): loss_fn must return a float scalar, got {_describe(out)}")
    dtype = out.dtype
    zero = jnp.zeros((), dtype)

    def step(carry: Any, k: Array) -> tuple[Any, Any]:
        params, opt_state, avg, best, done = carry

        def run(_: None) -> tuple[Any, Any]:
            loss, grads = jax.value_and_grad(loss_fn)(params, *batch_at(k))
            updates, new_state = tx.update(grads, opt_state, params)
            new_params = optax.apply_updates(params, updates)
            lr = current(new_state)["learning_rate"]
            new_avg = beta * avg + (1.0 - beta) * loss
            smooth = new_avg / (1.0 - jnp.power(jnp.asarray(beta, dtype), (k + 1).astype(dtype)))
            new_best = jnp.minimum(best, smooth)
            if diverge is None:
                stop = ~jnp.isfinite(smooth)
            else:
                stop = ~(smooth <= diverge * new_best)  # NaN stops too
            record = (lr, loss, smooth, jnp.bool_(True))
            return (new_params, new_state, new_avg, new_best, stop), record

        def skip(_: None) -> tuple[Any, Any]:
            lr = jnp.zeros((), jnp.result_type(float))
            return (params, opt_state, avg, best, done), (lr, zero, zero, jnp.bool_(False))

        return jax.lax.cond(done, skip, run, None)

    init = (params, opt_state, zero, jnp.full((), jnp.inf, dtype), jnp.bool_(False))
    (_, _, _, _, done), (lrs, losses, smoothed, ran) = jax.lax.scan(
        step, init, jnp.arange(steps, dtype=jnp.int32)
    )
    return {"lrs": lrs, "losses": losses, "smoothed": smoothed, "ran": ran, "done": done}


def find_lr(
    loss_fn: Callable[..., Any],
    params: Any,
    batches: Any,
    optimizer: Callable[..., optax.GradientTransformation] = optax.sgd,
    low: float = 1e-7,
    high: float = 10.0,
    steps: int = 100,
    *,
    shape: str = "exponential",
    beta: float = 0.98,
    diverge: float | None = 4.0,
) -> RangeTest:
    """The learning-rate range test (Smith 2017): train while the rate sweeps up.

    Update ``k`` (from 0) trains ``params`` on batch ``k % B`` (``B`` batches) with
    ``optimizer(learning_rate=lr_k)`` at ``lr_k = jaxlrs.lr_range(low, high, steps,
    shape)(k)`` (by default ``low * (high / low) ** (k / steps)``, as fastai sweeps), and
    records the batch's loss ``l_k`` before the update and its smoothed value

        a_k = beta * a_{k-1} + (1 - beta) * l_k   (a_{-1} = 0),
        s_k = a_k / (1 - beta ** (k + 1))

    (fastai's ``AvgSmoothLoss``, the bias-corrected moving average). It stops after the
    first update with ``s_k > diverge * min(s_0, ..., s_k)`` (fastai's and Lightning's
    factor 4; the rule assumes a positive loss) or a non-finite ``s_k``. All of it is one
    ``jax.lax.scan`` in one ``jax.jit`` program (compiled once per ``loss_fn``,
    ``optimizer``, ``steps``, options and shapes; another ``low``, ``high`` or ``params``
    of the same shapes reuses it); after a stop the remaining updates skip their work
    (``lax.cond``). ``params`` is not changed: the test trains a copy.

    Three suggestions are computed from the smoothed curve, each as its library does:

    * ``steepest`` (PyTorch Lightning's ``_LRFinder.suggestion``): drop the first 10 and
      the last recorded points, take ``np.gradient(smoothed, lrs)`` (central differences
      on the uneven grid of rates), and suggest the rate of its most negative value; None
      with fewer than 2 points left. The slope is against the rate itself, not its
      logarithm, so on a smooth curve it is steepest among the smallest rates (Lightning
      issue #21141).
    * ``valley`` (fastai's ``valley``, the default of ``Learner.lr_find``): drop the
      first ``steps // 10`` and the last 5 recorded points, find the longest strictly
      decreasing subsequence ``d`` of the smoothed losses, ending at index ``e``, and
      suggest the rate at ``b + int(m) + int(m / 2)``, ``b = e - len(d)``,
      ``m = (e - b) / 3`` (fastai's bookkeeping exactly, see
      ``jaxlrs.optax._find_lr.valley_index``: about halfway down the valley, on the
      logarithmic rate axis of an exponential sweep); None when no point is left.
    * ``minimum`` (fastai's ``minimum``): a tenth of the rate of the smallest smoothed
      loss on the same points as ``valley`` (``lrs[argmin(smoothed)] / 10``, the first
      smallest); None when no point is left.

    What they give where the answer is known: plain SGD (``optax.sgd``) on a quadratic
    ``0.5 * x^T H x`` contracts while the rate is below ``2 / lambda_max`` (``lambda_max``
    the largest curvature) and diverges above it. Measured with the default sweep on
    1,600 generated quadratics (``lambda_max`` 0.1 to 1000, condition numbers 1 to 1000,
    dimensions 2 to 100, a starting error of 3 along every eigenvector; 1,000 with batch
    noise of standard deviation 0.01 to 1, 600 without; the generator of
    ``tests/test_find_lr.py::TestQuadratics``, which asserts these on 55 other seeds;
    ``benchmarks/find_lr_quadratics.py`` prints them), with ``bound = 2 / lambda_max``:

    * the test stops at 2.2 to 8.3 times the bound with noise, 8.1 to 12.7 without (the
      smoothed loss must climb back over its memory of the earlier, larger losses); a
      sweep ending at half the bound never stops;
    * ``minimum`` lies in ``[bound / 16, bound / 2.1]`` (``[bound / 15, bound / 3.8]``
      with noise, ``[bound / 3.8, bound / 2.1]`` without), so below the bound and within a
      factor 16 of it, in 1,599 of the 1,600 cases. The smallest smoothed loss lies past
      the turn of the raw loss, at 0.67 to 4.6 times the bound: the smoothed loss falls
      while each new loss is below it, and the raw loss falls until the batch noise,
      amplified as the rate nears the bound, or the divergence past it lifts it; the tenth
      is below the bound while that point is below 10 times it. The exception (3
      dimensions, noise 0.86 against a starting error of 3) is the smoothing's lag: the
      raw loss fell tenfold, but the smoothed loss, still averaging the noisy early
      losses, reached its minimum only in the last 5 points, which fastai's rule drops,
      so ``minimum`` came from the start of the sweep;
    * ``valley`` lies 11.9 to 1,060 times below the bound with noise (37 to 3,100 without):
      it is halfway, in the logarithm of the rate, down the whole fall of the loss, which
      starts where the loss first moves, far below the bound (further the less noise
      hides the first small decreases). A safe rate, but by fastai's definition not one
      within a small factor of the bound;
    * ``steepest`` lies more than 980 times below the bound (the slope against the rate);
    * ``steepest < valley < minimum < bound`` in every case but the exception above.

    These factors are for the default sweep (8 decades in 100 updates, a rate ratio of
    1.2 per update); another sweep moves them (a coarser one, 50 updates, widens them).
    Each loss is recorded at the rate of the update that follows it (fastai's and
    Lightning's pairing): it reflects the updates at the earlier rates, a shift of one
    update (the factor 1.2) that the figures above include. The smoothed loss averages
    about the last ``1 / (1 - beta)`` updates (50 at the default), so it lags the raw
    loss: a short sweep may want a smaller ``beta``.

    Args:
      loss_fn: ``loss_fn(params, batch)`` (``loss_fn(params)`` when ``batches`` is None),
        a jittable function returning a float scalar; it is traced once.
      params: the starting parameters, a pytree of float arrays.
      batches: an array or a pytree of arrays whose leaves share a leading axis of ``B``
        batches (``{"x": (B, 32, 64), "y": (B, 32)}``); ``B`` may be smaller than
        ``steps`` (the batches repeat, as epochs do) or larger (the first ``steps`` are
        used). ``None`` for a loss without data. A Python iterator or generator is not
        accepted (everything runs inside one compiled program): stack its batches,
        ``jax.tree.map(lambda *b: jnp.stack(b), *list(it))``.
      optimizer: an Optax transformation factory taking ``learning_rate`` (``optax.sgd``,
        the default, ``optax.adam``, ``functools.partial(optax.sgd, momentum=0.9)``); it
        runs inside :func:`jaxlrs.optax.inject`, so the rate is held in its state.
      low: the first rate, positive.
      high: the rate the sweep reaches after ``steps`` updates, above ``low``.
      steps: the number of updates, a positive integer.
      shape: the sweep's shape, as in :func:`jaxlrs.lr_range` (``exponential``, the
        default, ``linear``, ``cosine``, ``sqrt``, ``1-sqrt``, ``log``).
      beta: the smoothing factor, in [0, 1) (0: no smoothing).
      diverge: the divergence factor, > 1, or None never to stop (except on a non-finite
        loss).

    Returns:
      A :class:`RangeTest`: ``lrs``, ``losses``, ``smoothed`` (NumPy arrays of the
      recorded updates, finite), ``stopped_at``, ``steepest``, ``valley``, ``minimum``
      and ``.plot()``.

    Example:
      A noisy quadratic with curvatures 1 and 4 (plain SGD diverges above ``2 / 4``):

      >>> import jax, jax.numpy as jnp, jaxlrs.optax
      >>> curv = jnp.array([1.0, 4.0])
      >>> loss = lambda w, xi: 0.5 * jnp.sum(curv * (w - xi) ** 2)
      >>> noise = 0.3 * jax.random.normal(jax.random.key(0), (100, 2))  # 100 batches
      >>> r = jaxlrs.optax.find_lr(loss, jnp.full(2, 3.0), noise)
      >>> r.stopped_at, f"{r.lrs[-1]:.3g}"  # diverged at update 90, at a rate of 1.58
      (90, '1.58')
      >>> f"{r.valley:.3g}", f"{r.minimum:.3g}", r.steepest < r.valley < r.minimum < 2 / 4.0
      ('0.00912', '0.0631', True)
      >>> fig = r.plot()  # a matplotlib Figure (never shown): fig.savefig("lr.png")

    References:
      Smith, "Cyclical Learning Rates for Training Neural Networks", 2017.
      https://arxiv.org/abs/1506.01186 ; fastai's ``LRFinder``, ``AvgSmoothLoss``,
      ``valley`` and ``minimum`` (``fastai/callback/schedule.py``,
      https://github.com/fastai/fastai/blob/master/fastai/callback/schedule.py);
      PyTorch Lightning's ``_LRFinder.suggestion``
      (https://github.com/Lightning-AI/pytorch-lightning/blob/master/src/lightning/pytorch/tuner/lr_finder.py).
    """
    fn = "find_lr"
    if not callable(loss_fn):
        raise TypeError(
            f"{fn}(): loss_fn must be a function loss_fn(params, batch) -> scalar, "
            f"got {_describe(loss_fn)}"
        )
    if isinstance(optimizer, optax.GradientTransformation) or not callable(optimizer):
        raise TypeError(
            f"{fn}(): optimizer must be a function taking learning_rate and returning an "
            "Optax transformation (optax.sgd, optax.adam, functools.partial(optax.sgd, "
            f"momentum=0.9)), got {_describe(optimizer)}"
        )
    if isinstance(batches, Iterator):
        raise TypeError(
            f"{fn}(): batches must be an array or a pytree of arrays with a leading batch "
            "axis (the test runs in one compiled program), got an iterator "
            f"{_describe(batches)}: stack its batches first, "
            "jax.tree.map(lambda *b: jnp.stack(b), *list(batches))"
        )
    for name, x in (("low", low), ("high", high), ("steps", steps), ("beta", beta)):
        if check.is_traced(x):
            raise TypeError(
                f"{fn}(): {name} must be a concrete number (the sweep is built outside the "
                f"compiled program), got a traced value {x!r}"
            )
    low = check.positive(fn, "low", low)
    high = check.positive(fn, "high", high)
    if not high > low:
        raise ValueError(f"{fn}(): high must be above low={low!r}, got {high!r}")
    steps = check.integer(fn, "steps", steps)
    beta = check.real(fn, "beta", beta, low=0.0, high=1.0, high_open=True)
    if diverge is not None:
        diverge = check.real(fn, "diverge", diverge, low=1.0, low_open=True)
    count = 0 if batches is None else _leading(fn, batches)
    try:
        schedule = lr_range(low, high, steps, shape)
    except ValueError as e:  # the shape
        raise ValueError(str(e).replace("lr_range():", f"{fn}():", 1)) from None
    try:
        tx = inject(optimizer, learning_rate=schedule)
        opt_state = tx.init(params)  # outside the program: the rates are lr_range's bits
    except TypeError as e:
        raise TypeError(f"{fn}(): optimizer must take learning_rate: {e}") from e
    out = _sweep(
        schedule,
        params,
        opt_state,
        batches,
        loss_fn=loss_fn,
        optimizer=optimizer,
        steps=steps,
        beta=float(beta),
        diverge=None if diverge is None else float(diverge),
        count=count,
    )
    out = jax.device_get(out)
    ran = int(np.sum(out["ran"]))
    stopped_at = ran - 1 if bool(out["done"]) else None
    keep = ran
    last = (out["losses"][keep - 1], out["smoothed"][keep - 1]) if keep else (0.0, 0.0)
    if not np.all(np.isfinite(last)):
        keep -= 1  # the update that stopped the test, when its loss is not finite
    lrs = np.asarray(out["lrs"][:keep])
    losses = np.asarray(out["losses"][:keep])
    smoothed = np.asarray(out["smoothed"][:keep])
    fastai = smoothed[steps // 10 : -5]  # fastai's slice, for valley and minimum
    v = valley_index(fastai)
    s = steepest_index(lrs[10:-1], smoothed[10:-1])
    m = int(np.argmin(fastai)) if len(fastai) else None
    return RangeTest(
        lrs=lrs,
        losses=losses,
        smoothed=smoothed,
        stopped_at=stopped_at,
        steepest=None if s is None else float(lrs[10 + s]),
        valley=None if v is None else float(lrs[steps // 10 + v]),
        minimum=None if m is None else float(lrs[steps // 10 + m]) / 10,
    )
