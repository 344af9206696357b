"""``plot``: schedules as a matplotlib figure (the ``plot`` extra)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._schedule import Schedule
from ._tools import _check_count, _check_schedule, evaluate, phases, sample_steps

POINTS = 2_000
"""Steps ``plot`` evaluates per schedule over long ranges (plus each phase boundary)."""


def _matplotlib() -> Any:
    try:
        import matplotlib.figure
    except ImportError:
        raise ImportError(
            "jaxlrs.plot() needs matplotlib: pip install 'jaxlrs[plot]' (or matplotlib)"
        ) from None
    return matplotlib.figure


def _label(s: Schedule, width: int = 60) -> str:
    text = repr(s)
    return text if len(text) <= width else text[: width - 3] + "..."


def plot(
    schedules: Schedule | Sequence[Schedule] | Mapping[str, Schedule],
    steps: int,
    ax: Any = None,
    *,
    log: bool = False,
    marks: bool = True,
    title: str | None = None,
    points: int = POINTS,
) -> Any:
    """Draw schedules over ``range(steps)`` on one matplotlib axes.

    Each schedule is a line labelled by its ``repr`` (or by the keys of a dict), with
    dotted vertical marks at its phase boundaries (see :func:`jaxlrs.summary`). Up to
    ``steps`` every step is drawn; beyond ``points`` steps an even sample of ``points``
    steps plus each boundary and the step before it is drawn, so jumps stay sharp.
    Needs matplotlib (``pip install 'jaxlrs[plot]'``); importing ``jaxlrs`` never imports
    it, and without it ``plot`` raises ``ImportError`` naming the extra.

    Args:
        schedules: a schedule, a list of schedules, or a dict from label to schedule.
        steps: the number of steps, a positive integer.
        ax: matplotlib axes to draw on; None makes a new figure (not registered with
            ``pyplot``, so it is not shown unless returned to a notebook or saved).
        log: a logarithmic value axis.
        marks: mark the phase boundaries.
        title: the axes' title.
        points: steps evaluated per schedule over long ranges.

    Returns:
        The matplotlib ``Figure``.

    Example:
        >>> import jaxlrs
        >>> fig = jaxlrs.plot({"sgdr": jaxlrs.sgdr(1e-3, 1_000, period_mult=2)}, 7_000)
        >>> fig.axes[0].get_xlabel(), fig.axes[0].get_legend().get_texts()[0].get_text()
        ('step', 'sgdr')
    """
    figure = _matplotlib()
    fn = "plot"
    if isinstance(schedules, Schedule):
        items = [(_label(schedules), schedules)]
    elif isinstance(schedules, Mapping):
        items = [(str(k), v) for k, v in schedules.items()]
    elif isinstance(schedules, Sequence) and not isinstance(schedules, (str, bytes)):
        items = [(_label(s) if isinstance(s, Schedule) else "", s) for s in schedules]
    else:
        raise TypeError(
            f"{fn}(): schedules must be a Schedule, a list or a dict of them, got {schedules!r}"
        )
    if not items:
        raise ValueError(f"{fn}(): schedules must hold at least one schedule, got none")
    items = [(k, _check_schedule(fn, s)) for k, s in items]
    n = _check_count(fn, steps)
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise ValueError(f"{fn}(): points must be an integer >= 2, got {points!r}")
    if ax is None:
        fig = figure.Figure(figsize=(8, 4.5), layout="constrained")
        ax = fig.add_subplot()
    for label, s in items:
        bounds = phases(s, n)
        x = sample_steps(n, points, bounds)
        (line,) = ax.plot(x, evaluate(s, x), label=label, linewidth=1.5)
        for b in bounds[:100] if marks else ():
            ax.axvline(b, color=line.get_color(), linestyle=":", linewidth=0.8, alpha=0.6)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.set_xlim(0, max(n - 1, 1))
    if title is not None:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax.figure
