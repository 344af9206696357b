"""plot(): a labelled matplotlib figure; matplotlib is optional and never imported eagerly."""

import subprocess
import sys

import numpy as np
import pytest

import jaxlrs
from jaxlrs import _tools

pytest.importorskip("matplotlib")

S = jaxlrs


def _curves(ax):
    return [line for line in ax.get_lines() if line.get_linestyle() != ":"]


def _marks(ax):
    return [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == ":"]


def test_one_schedule():
    s = S.warmup(S.cosine(1.0, 100), 10)
    fig = jaxlrs.plot(s, 200)
    (ax,) = fig.axes
    (curve,) = _curves(ax)
    x, y = curve.get_xdata(), curve.get_ydata()
    np.testing.assert_array_equal(x, np.arange(200))
    want = 0.5 + 0.5 * np.cos(np.pi * np.clip(x - 10, 0, 100) / 100)
    want = np.where(x < 10, x / 10, want)
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-7)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "learning rate")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [repr(s)]
    assert _marks(ax) == [10, 110]
    assert ax.get_yscale() == "linear"


def test_several_schedules_on_given_axes_log_scale(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    schedules = {"step": S.step_decay(1.0, 30), "sgdr": S.sgdr(1.0, 20, period_mult=2)}
    out = jaxlrs.plot(schedules, 100, ax, log=True, title="two", marks=False)
    assert out is fig
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["step", "sgdr"]
    assert len(_curves(ax)) == 2 and _marks(ax) == []
    assert ax.get_yscale() == "log" and ax.get_title() == "two"
    fig.savefig(tmp_path / "x.png")
    assert (tmp_path / "x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_long_ranges_are_sampled_and_keep_jumps():
    s = S.step_decay(1.0, 10**6, 0.5)
    fig = jaxlrs.plot([s], 10**7, points=500)
    (curve,) = _curves(fig.axes[0])
    x, y = curve.get_xdata(), curve.get_ydata()
    assert len(x) <= 500 + 2 * 9
    assert np.all(np.diff(x) > 0) and x[0] == 0 and x[-1] == 10**7 - 1
    jumps = [int(b) for b in _tools.phases(s, 10**7)]
    for b in jumps:
        i = int(np.searchsorted(x, b))
        assert x[i - 1] == b - 1 and x[i] == b
        assert y[i] == pytest.approx(y[i - 1] / 2)


@pytest.mark.parametrize(
    "schedules, error, message",
    [([], ValueError, "at least one schedule"),
     ("cosine(1.0, 10)", TypeError, "schedules must be a Schedule, a list or a dict"),
     ([lambda t: t], TypeError, "schedule must be a jaxlrs Schedule")],
    ids=["empty", "text", "function"],
)  # fmt: skip
def test_bad_arguments(schedules, error, message):
    with pytest.raises(error, match=message):
        jaxlrs.plot(schedules, 10)


def test_without_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'jaxlrs\[plot\]'"):
        jaxlrs.plot(S.constant(1.0), 10)


def test_import_does_not_import_matplotlib():
    code = (
        "import sys, jaxlrs; jaxlrs.summary(jaxlrs.cosine(1.0, 10), 10); "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
