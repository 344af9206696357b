"""``check``: a schedule against the run it is meant for."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _check as check_
from . import _time
from ._schedule import Schedule, evaluator
from ._tools import (
    _ENDS,
    _LISTS,
    CHUNK,
    MAX_MARKS,
    _array_values,
    _check_chunk,
    _check_count,
    _check_schedule,
    _concrete,
    _num,
    _range_values,
    _recipe_body,
    evaluate,
    phases,
)

Array = jax.Array

JUMP = 0.05
"""Default tolerance of :func:`check`, as a fraction of the peak."""

HOLD = 0.1
"""Fraction of the run a decayed end value may be held before :func:`check` warns."""

FEW = 16
"""A decaying phase with fewer distinct bfloat16 values than this (and at least
``4 * FEW`` unrounded values) has collapsed."""

SEVERITIES = ("error", "warning", "info")

FACTS = ("accumulation", "steps_per_epoch", "tokens_per_step", "total_tokens")
"""The run facts :func:`check` accepts as keywords."""

_MIN_BLOCK = 4_096  # every short run shares one compilation per schedule structure
_POINTS = 1_024  # the values at named steps travel in blocks of this many


@dataclasses.dataclass(frozen=True)
class Finding:
    """One thing :func:`check` found: ``severity`` (``"error"``, ``"warning"`` or
    ``"info"``), the schedule ``step`` it concerns (or None for the run as a whole), a
    short stable ``code`` and a one-line ``message``. ``str()`` is one line,
    ``error   step 0: ... [code]``."""

    severity: str
    step: int | None
    code: str
    message: str

    def __str__(self) -> str:
        where = "" if self.step is None else f"step {self.step:,}: "
        return f"{self.severity:<8}{where}{self.message} [{self.code}]"


# -- what the structure says ---------------------------------------------------------------


@dataclasses.dataclass
class _Landmarks:
    """Steps named by a schedule's structure, in global steps: where warmups end, where
    the pieces of a ``join`` meet, and each cycle combinator (its global offset and
    scale, the local step where it stops being visible, and its arguments)."""

    warmups: list[float] = dataclasses.field(default_factory=list)
    joins: list[float] = dataclasses.field(default_factory=list)
    cycles: list[tuple[float, float, float, dict[str, Any]]] = dataclasses.field(
        default_factory=list
    )

    @property
    def full(self) -> bool:
        return len(self.warmups) + len(self.joins) + len(self.cycles) >= MAX_MARKS


def _landmarks(s: Schedule, offset: float, scale: float, end: float, out: _Landmarks) -> None:
    """Walk ``s`` as ``_tools._walk`` does (the global step of local step ``u`` is
    ``offset + scale * u``; only local steps in ``[0, end)`` are visible), recording the
    landmarks that ``_walk`` does not tell apart. Inside a cycle only its first cycle is
    walked."""
    if out.full or end <= 0:
        return
    a, name = s.args, s.name

    def child(c: Any, shift: Any = 0, factor: Any = 1, stop: Any = math.inf) -> None:
        if isinstance(c, Schedule) and _concrete(shift, factor, stop) and factor > 0:
            _landmarks(
                c, offset + scale * shift, scale * factor, min((end - shift) / factor, stop), out
            )

    def warm(u: Any) -> None:
        if _concrete(u) and 0 < u < end:
            out.warmups.append(offset + scale * u)

    if name == "join":
        bs = a["boundaries"]
        if not isinstance(bs, tuple) or not _concrete(*bs):
            return
        edges = (0, *bs)
        for i, c in enumerate(a["schedules"]):
            if i and 0 < edges[i] < end:
                out.joins.append(offset + scale * edges[i])
            child(c, edges[i], 1, bs[i] - edges[i] if i < len(bs) else math.inf)
    elif name == "warmup":
        warm(a["steps"])
        child(a["schedule"], a["steps"])
    elif name == "shift":
        child(a["schedule"], a["steps"])
    elif name == "cooldown":
        child(a["schedule"], 0, 1, a["start"])
    elif name == "stretch":
        child(a["schedule"], 0, a["factor"])
    elif name == "cycle":
        out.cycles.append((offset, scale, end, a))
        child(a["schedule"], 0, 1, a["period"])
    elif name == "sgdr":
        w = a["warmup"]
        if _concrete(w):
            warm(w)
            out.cycles.append((offset + scale * w, scale, end - w, a))
    elif name == "one_cycle":
        if _concrete(a["steps"], a["pct_start"]):
            top = (a["steps"] - 1) // 2 if a["three_phase"] else a["steps"] - 1
            warm(min(round(a["pct_start"] * a["steps"]), top))
    elif name == "splice":  # two pieces meeting at ``at``, as a join's
        at = a["at"]
        if not _concrete(at):
            return
        if 0 < at < end:
            out.joins.append(offset + scale * at)
        child(a["old"], 0, 1, at)
        child(a["new"], at if a["restart"] else 0)
    elif name in ("arithmetic", "minimum", "maximum"):
        for c in (a["left"], a["right"]) if name == "arithmetic" else a["schedules"]:
            child(c)
    elif name in ("scale", "clip", "noise"):
        child(a["schedule"])
    elif name not in _ENDS:
        body = _recipe_body(s)
        if body is not None:
            _landmarks(body, offset, scale, end, out)


def _cycles_length(period: Any, mult: Any, k: Any) -> float | None:
    """Total length of the first ``k`` cycles (exact for integers)."""
    if not _concrete(period, mult, k):
        return None
    if mult == 1:
        return period * k
    if k * math.log(mult) > 700:
        return math.inf
    if isinstance(mult, int) and isinstance(period, int):
        return period * (mult**k - 1) // (mult - 1)
    return period * (mult**k - 1) / (mult - 1)


def _settle(s: Schedule) -> float | None:
    """The local step from which ``s`` holds its value for good, from its structure;
    None where the structure does not say (or the schedule never settles)."""
    a, name = s.args, s.name

    def known(*xs: Any) -> bool:
        return all(x is not None for x in xs) and _concrete(*xs)

    if name == "constant":
        return 0
    if name in _ENDS or name == "one_cycle":
        return a["steps"] if known(a["steps"]) else None
    if name in _LISTS:
        bs = a[_LISTS[name]]
        if not isinstance(bs, tuple) or not _concrete(*bs):
            return None
        return max(bs, default=0)
    if name == "join":
        bs, last = a["boundaries"], _settle(a["schedules"][-1])
        if not isinstance(bs, tuple) or not known(last, *bs):
            return None
        return bs[-1] + last if bs else last
    if name in ("warmup", "shift"):
        inner = _settle(a["schedule"])
        return a["steps"] + inner if known(inner, a["steps"]) else None
    if name == "cooldown":
        return a["start"] + a["steps"] if known(a["start"], a["steps"]) else None
    if name == "stretch":
        inner = _settle(a["schedule"])
        return a["factor"] * inner if known(inner, a["factor"]) else None
    if name in ("cycle", "sgdr"):
        if a["limit"] is None:
            return None
        total = _cycles_length(a["period"], a["period_mult"], a["limit"])
        lead = a["warmup"] if name == "sgdr" else 0
        if total is None or not known(lead):
            return None
        return lead + total
    if name in ("arithmetic", "minimum", "maximum"):
        parts = (a["left"], a["right"]) if name == "arithmetic" else a["schedules"]
        ends = [_settle(c) if isinstance(c, Schedule) else 0 for c in parts]
        return max(ends) if known(*ends) else None  # type: ignore[type-var]
    if name in ("scale", "clip"):
        return _settle(a["schedule"])
    if name == "splice":
        inner, at = _settle(a["new"]), a["at"]
        if not known(inner, at):
            return None
        return at + inner if a["restart"] else max(at, inner)
    if name == "rehorizon":  # the original's settling step, mapped onto the new horizon
        inner, at, steps, h = _settle(a["schedule"]), a["at"], a["steps"], a["horizon"]
        if not known(inner, at, steps, h):
            return None
        if inner <= at:
            return inner
        return min(steps, at + math.ceil((min(inner, h) - at) * (steps - at) / (h - at)))
    if name == "noise":
        return None
    body = _recipe_body(s)
    return None if body is None else _settle(body)


def _cycle_at(period: Any, mult: Any, t: float) -> tuple[int, float, float]:
    """``(i, start, length)`` of the cycle holding local step ``t >= 0``: exact in
    integers for integer ``period`` and ``period_mult``, else in float64."""
    if mult == 1:
        i = int(t // period)
        return i, i * period, period

    def start(k: int) -> float:
        at = _cycles_length(period, mult, k)
        assert at is not None
        return at

    # The largest i with start(i) <= t, from a float estimate; start is monotone in i.
    i = max(int(math.log1p(t * (mult - 1) / period) / math.log(mult)) - 1, 0)
    while i > 0 and start(i) > t:
        i -= 1
    while start(i + 1) <= t:
        i += 1
    return i, start(i), start(i + 1) - start(i)


# -- the pass over the steps ---------------------------------------------------------------


def _changes(v: Array, before: Array, ok: Array, lo: Array, hi: Array) -> tuple[Array, Array]:
    """Steps whose value differs from the step before: in all, and inside each phase
    (steps ``lo[k]`` to ``hi[k] - 1`` of this block), by cumulative sums."""
    changed = ok & (v != before)
    total = jnp.sum(changed, dtype=jnp.int32)
    cs = jnp.concatenate([jnp.zeros(1, jnp.int32), jnp.cumsum(changed, dtype=jnp.int32)])
    return total, cs[hi] - cs[jnp.minimum(lo, hi)]


@jax.jit
def _block_audit(v: Array, valid: Array, prev: Array, lo: Array, hi: Array) -> tuple[Array, ...]:
    """Everything ``check`` needs from one block of values; a function of the values
    alone, so it compiles once per block size whatever the schedule."""
    i = jnp.arange(v.shape[0], dtype=valid.dtype)
    ok = i < valid
    finite = jnp.isfinite(v)
    bad, neg = ok & ~finite, ok & (v < 0)
    good = ok & finite
    before = jnp.concatenate([prev.astype(v.dtype)[None], v[:-1]])
    n32, seg32 = _changes(v, before, ok, lo, hi)
    n16, seg16 = _changes(v.astype(jnp.bfloat16), before.astype(jnp.bfloat16), ok, lo, hi)
    first_bad, first_neg = jnp.argmax(bad), jnp.argmax(neg)
    return (
        jnp.max(jnp.where(good, v, -jnp.inf)),
        jnp.min(jnp.where(good, v, jnp.inf)),
        jnp.sum(bad, dtype=jnp.int32),
        first_bad,
        v[first_bad],
        jnp.sum(neg, dtype=jnp.int32),
        first_neg,
        v[first_neg],
        n32,
        seg32,
        n16,
        seg16,
        v[valid - 1],
    )


@dataclasses.dataclass
class _Pass:
    """What one pass over the run finds (``first_*``: a step and its value)."""

    peak: float = -math.inf
    minimum: float = math.inf
    bad: int = 0
    first_bad: tuple[int, float] | None = None
    neg: int = 0
    first_neg: tuple[int, float] | None = None
    changes32: int = 0
    changes16: int = 0
    seg32: Any = None
    seg16: Any = None
    values: dict[int, float] = dataclasses.field(default_factory=dict)


def _padded(xs: list[int], dtype: Any) -> np.ndarray:
    out = np.zeros(max(1, -(-len(xs) // _POINTS)) * _POINTS, dtype)
    out[: len(xs)] = xs
    return out


def _reduce(schedule: Schedule, n: int, starts: np.ndarray, points: list[int], chunk: int) -> _Pass:
    """One chunked jitted pass over ``range(n)`` (``starts``: the first step of each
    phase, 0 first), and the values at ``points`` (integer steps below the index limit)."""
    size = min(chunk, max(1 << max(n - 1, 0).bit_length(), _MIN_BLOCK))
    idx = _time.index_dtype()
    k = MAX_MARKS + 1
    seg_lo = np.zeros(k, np.int64)
    seg_hi = np.zeros(k, np.int64)
    seg_lo[: starts.size] = starts + 1  # a phase's first step is compared across the edge
    seg_hi[: starts.size] = np.append(starts[1:], n)
    out = _Pass(seg32=np.zeros(k, np.int64), seg16=np.zeros(k, np.int64))
    fn_args = evaluator(schedule)
    at = _padded(points, idx)
    prev = None
    for start in range(0, n, size):
        m = min(size, n - start)
        if prev is None:  # the first block and the named steps in one call
            first = np.concatenate([np.arange(size, dtype=idx), at])
            both = _array_values(*fn_args, first)
            v, named = both[:size], np.asarray(both[size:])
            out.values = dict(zip(points, named[: len(points)].tolist(), strict=True))
            prev = v[0]
        else:
            v = _range_values(*fn_args, np.asarray(start, idx), size)
        lo = np.clip(seg_lo - start, 0, size).astype(idx)
        hi = np.clip(seg_hi - start, 0, size).astype(idx)
        r = _block_audit(v, np.asarray(m, idx), prev, lo, hi)
        top, bot, bad, bad_i, bad_v, neg, neg_i, neg_v, n32, s32, n16, s16, prev = r
        out.peak = max(out.peak, float(top))
        out.minimum = min(out.minimum, float(bot))
        if int(bad) and out.first_bad is None:
            out.first_bad = (start + int(bad_i), float(bad_v))
        if int(neg) and out.first_neg is None:
            out.first_neg = (start + int(neg_i), float(neg_v))
        out.bad += int(bad)
        out.neg += int(neg)
        out.changes32 += int(n32)
        out.changes16 += int(n16)
        out.seg32 += np.asarray(s32, np.int64)
        out.seg16 += np.asarray(s16, np.int64)
    return out


# -- check ---------------------------------------------------------------------------------


def _fact(name: str, x: Any) -> int:
    if isinstance(x, jax.core.Tracer):
        raise TypeError(f"check(): {name} must be a positive integer, got a traced value")
    return int(check_.integer("check", name, x))


def _step(t: float) -> int:
    return math.ceil(t)


def check(
    schedule: Schedule, steps: int, *, jump: float = JUMP, chunk: int = CHUNK, **run: Any
) -> tuple[Finding, ...]:
    """What may be wrong with a schedule for a run of ``steps`` steps: a tuple of
    :class:`Finding`, errors first, then warnings, then notes (``info``), each in step
    order.

    The schedule is read at ``range(n)``, ``n = steps // accumulation``, in one chunked
    jitted pass (``chunk`` steps per call, bounded memory, the speed of :func:`summary`:
    ``10**9`` steps are never stored), plus the values at a few steps its structure
    names. The structure is read as :func:`summary` reads its phases (warmup ends,
    ``join`` boundaries, cycle starts, the ends of finite pieces, through recipes and
    combinators); a constructor that says nothing of its structure (``from_fn``, most
    ``compat`` ones) gets only the findings that come from its values. ``peak`` below is
    the largest magnitude over the run, and ``jump * peak`` the tolerance.

    Findings (``code``: severity, ``step``):

    * ``nonfinite``: error, the first step whose value is NaN or infinite;
    * ``negative``: error, the first step whose value is below 0;
    * ``all-zero``: error, every value in the run is 0;
    * ``zero-first-update``: warning, step 0 — the first update uses rate 0, so it moves
      no parameter. A warning, not an error: Optax and Hugging Face start warmups at 0;
      ``init`` above 0 avoids it;
    * ``warmup-longer-than-run``: error, the end of the first warmup that ends at or
      after step ``n`` (the run never reaches the peak). Warmups are those the structure
      names: the ``warmup`` combinator (and the recipes built on it), ``sgdr``'s
      ``warmup`` and ``one_cycle``'s rise;
    * ``end-not-reached``: the step where the schedule reaches its end value (from the
      structure), when that is after ``n``: the run stops before the end of its last
      phase. An error when the last value differs from the end value by more than the
      tolerance, else a warning. The message names the end of the phase in progress when
      that comes earlier. A decay that ends exactly at ``n`` (``warmup_cosine(p, w, n)``)
      is right: its end value is the one the run's last update would have used next;
    * ``end-reached-early``: warning, where the schedule reaches its end value, when it
      then holds it for more than ``HOLD`` (10%) of the run, the end value is below the
      peak by more than the tolerance, and it is 0 or reached by a continuous decay: one
      whose last step, ``v(S - 1) - v(S)``, is at most 4 times the step before it (a
      staircase resting on its last stair, as ``multistep`` does, drops from a flat
      stair: by design, not reported);
    * ``jump``: warning, each step where two pieces of a ``join`` meet with a jump larger
      than the tolerance. The jump is ``|v(b) - (2 v(b - 1) - v(b - 2))|``: the value at
      the boundary ``b`` against the left piece continued by its last slope (so a steep
      but continuous meeting is no jump). Jumps by design (stairs, milestones, cycle
      restarts) are not reported;
    * ``cycle-cut-off``: warning, at the start of the cycle in progress when the run ends
      inside it (``cycle``, ``sgdr``); the message says how far in;
    * ``bfloat16-distinct``: info, how many values the schedule takes when rounded to
      bfloat16 (as Optax casts the rate for bfloat16 updates), counted as value changes
      along the run plus one: the number of distinct values for a monotone schedule,
      more for one that comes back to a value; the message gives the same count unrounded
      (float32, or float64 under x64). Also a warning, at the phase's first step, when a
      decaying phase takes at least ``4 * FEW`` distinct unrounded values but fewer than
      ``FEW`` (16) in bfloat16;
    * with run facts: ``accumulation-remainder`` (info: ``steps`` is not a multiple of
      ``accumulation``), ``tokens-mismatch`` (warning: ``total_tokens /
      tokens_per_step``, rounded up, is not ``steps``), ``phase-mid-epoch`` (info: the
      first phase boundary inside the run that is not on an epoch boundary, and how many
      there are).

    Run facts (keywords; every one counts in the run's own steps, the micro-batches):
    ``accumulation`` — gradient accumulation over ``k`` micro-batches: the optimizer
    makes ``steps // k`` updates and the schedule counts updates (as under
    ``optax.MultiSteps``), so it is read at ``range(steps // k)`` and every ``step`` in a
    finding is an update; ``steps_per_epoch`` — messages give epochs too;
    ``tokens_per_step`` — messages give tokens too; ``total_tokens`` (needs
    ``tokens_per_step``) — the token budget, compared with ``steps``. Any other keyword
    raises ``TypeError``.

    Args:
        schedule: a jaxlrs schedule with concrete hyperparameters.
        steps: the run's number of steps, a positive integer scalar.
        jump: the tolerance, a fraction of the peak (``>= 0``).
        chunk: steps per jitted call.
        **run: run facts, as above.

    Returns:
        A tuple of ``Finding``.

    Example:
        >>> import jaxlrs
        >>> found = jaxlrs.check(jaxlrs.warmup_cosine(1.0, 300, 1_000), 200)
        >>> [(f.severity, f.step, f.code) for f in found]  # doctest: +NORMALIZE_WHITESPACE
        [('error', 300, 'warmup-longer-than-run'), ('error', 1000, 'end-not-reached'),
         ('warning', 0, 'zero-first-update'), ('info', None, 'bfloat16-distinct')]
        >>> print(found[0])  # doctest: +NORMALIZE_WHITESPACE
        error   step 300: the warmup ends at step 300, after the run's last step 199:
        the run stops at 0.663 of the peak 1 [warmup-longer-than-run]
        >>> jaxlrs.check(jaxlrs.warmup_cosine(1.0, 300, 1_000), 1_000, total_tokens=10**6,
        ...              tokens_per_step=1_000)[0].message
        'the first update uses rate 0 (a warmup from 0): it moves no parameter'
    """
    fn = "check"
    schedule = _check_schedule(fn, schedule)
    steps = _check_count(fn, steps)
    if isinstance(jump, jax.core.Tracer):
        raise TypeError("check(): jump must be a finite number >= 0, got a traced value")
    jump = float(check_.real(fn, "jump", jump, low=0.0))
    chunk = _check_chunk(fn, chunk)
    unknown = sorted(set(run) - set(FACTS))
    if unknown:
        raise TypeError(
            f"check(): unknown run fact {unknown[0]!r}; the run facts are " + ", ".join(FACTS)
        )
    facts = {k: _fact(k, v) for k, v in run.items()}
    acc = facts.get("accumulation", 1)
    if "total_tokens" in facts and "tokens_per_step" not in facts:
        raise ValueError("check(): total_tokens needs tokens_per_step (tokens in one step)")
    n = steps // acc
    if n < 1:
        raise ValueError(
            f"check(): steps must be at least accumulation (the schedule sees steps // "
            f"accumulation updates), got steps={steps}, accumulation={acc}"
        )
    if n > _time.index_max():
        raise ValueError(
            f"check(): steps // accumulation must be at most {_time.index_max()} (the "
            f"largest integer step), got {n}"
        )
    return _Audit(schedule, n, jump, chunk, facts, steps).findings()


class _Audit:
    def __init__(
        self, schedule: Schedule, n: int, jump: float, chunk: int, facts: dict[str, int], steps: int
    ) -> None:
        self.s, self.n, self.jump, self.chunk, self.facts, self.steps = (
            schedule,
            n,
            jump,
            chunk,
            facts,
            steps,
        )
        self.found: list[Finding] = []
        self.dtype = np.dtype(_time.float_dtype()).name  # float32, float64 under x64
        self.values: dict[int, float] = {}

    def at(self, t: float) -> str:
        """``step t``, with the epoch and tokens where the run facts give them."""
        text = f"step {_num(t)}"
        run = t * self.facts.get("accumulation", 1)
        more = []
        if "steps_per_epoch" in self.facts:
            more.append(f"epoch {run / self.facts['steps_per_epoch']:.4g}")
        if "tokens_per_step" in self.facts:
            more.append(f"{run * self.facts['tokens_per_step']:.4g} tokens")
        return text + (f" ({', '.join(more)})" if more else "")

    def add(self, severity: str, step: float | None, code: str, message: str) -> None:
        where = None if step is None else _step(step)
        self.found.append(Finding(severity, where, code, message))

    def v(self, t: int) -> float:
        return self.values[t]

    def findings(self) -> tuple[Finding, ...]:
        s, n = self.s, self.n
        marks = _Landmarks()
        _landmarks(s, 0, 1, math.inf, marks)
        settle = _settle(s)
        settle_at = None if settle is None or not math.isfinite(settle) else _step(settle)
        inside = list(phases(s, n))
        starts = np.unique(np.asarray([0, *map(_step, inside)], np.int64))
        starts = starts[starts < n]
        ends = np.append(starts[1:], n) - 1
        joins = sorted({_step(b) for b in marks.joins if 0 < b < n})
        warm = sorted(w for w in marks.warmups if w >= n)
        points = {0, n - 1, *starts.tolist(), *ends.tolist()}
        points |= {b - d for b in joins for d in (0, 1, 2)}
        points |= {_step(w) for w in warm[:1]}
        if settle_at is not None:
            points |= {settle_at, settle_at - 1, settle_at - 2}
        small = sorted(x for x in points if 0 <= x <= _time.index_max())
        big = sorted(x for x in points if x > _time.index_max())
        p = _reduce(s, n, starts, small, self.chunk)
        self.values = p.values
        if big:
            got = evaluate(s, np.asarray(big, np.float64)).tolist()
            self.values.update(zip(big, got, strict=True))
        peak = max(abs(p.peak), abs(p.minimum)) if p.bad < n else 0.0
        tol = self.jump * peak
        self.values_(p, peak)
        self.structure(marks, warm, settle_at, tol, peak)
        self.joins(joins, tol, peak)
        self.bfloat16(p, starts)
        self.run_facts(inside)
        rank = {sev: i for i, sev in enumerate(SEVERITIES)}
        return tuple(
            sorted(self.found, key=lambda f: (rank[f.severity], -1 if f.step is None else f.step))
        )

    def values_(self, p: _Pass, peak: float) -> None:
        if p.first_bad is not None:
            step, value = p.first_bad
            self.add(
                "error",
                step,
                "nonfinite",
                f"the value is {value} ({p.bad:,} steps of the run are not finite)",
            )
        if p.first_neg is not None:
            step, value = p.first_neg
            self.add(
                "error",
                step,
                "negative",
                f"the value is {_num(value)}, below 0 ({p.neg:,} negative steps in the run)",
            )
        if p.bad == 0 and peak == 0:
            self.add("error", None, "all-zero", f"every value of the run's {self.n:,} steps is 0")
        elif self.v(0) == 0:
            self.add(
                "warning",
                0,
                "zero-first-update",
                "the first update uses rate 0 (a warmup from 0): it moves no parameter",
            )

    def structure(
        self, marks: _Landmarks, warm: list[float], settle: int | None, tol: float, top: float
    ) -> None:
        n, last = self.n, self.v(self.n - 1)
        if warm:
            w = warm[0]
            high = self.v(_step(w))
            share = f"{last / high:.3g} of the peak {_num(high)}" if high else f"{_num(last)}"
            self.add(
                "error",
                w,
                "warmup-longer-than-run",
                f"the warmup ends at {self.at(w)}, after the run's last {self.at(n - 1)}: "
                f"the run stops at {share}",
            )
        if settle is not None and settle > n:
            end = self.v(settle)
            beyond = [b for b in phases(self.s, settle) if b >= n]
            phase = (
                f"; the phase in progress ends at {self.at(beyond[0])}"
                if beyond and beyond[0] < settle
                else ""
            )
            self.add(
                "error" if abs(last - end) > tol else "warning",
                settle,
                "end-not-reached",
                f"the schedule reaches its end value {_num(end)} at {self.at(settle)}, "
                f"after the run's last {self.at(n - 1)}, where it is {_num(last)}{phase}",
            )
        if settle is not None and 0 < settle < n:
            end = self.v(settle)
            held = n - settle
            # a decay arrives by a last step no larger than 4x the one before; a stair
            # drops from a flat step
            last_step = abs(self.v(settle - 1) - end)
            smooth = settle >= 2 and last_step <= 4 * abs(self.v(settle - 2) - self.v(settle - 1))
            if held > HOLD * n and end < top - tol and (end == 0 or smooth):
                self.add(
                    "warning",
                    settle,
                    "end-reached-early",
                    f"the schedule reaches its end value {_num(end)} at {self.at(settle)} and "
                    f"holds it for the last {held:,} steps ({held / n:.0%} of the run)",
                )
        for offset, scale, end, a in marks.cycles:
            self.cycle(offset, scale, end, a)

    def cycle(self, offset: float, scale: float, end: float, a: dict[str, Any]) -> None:
        period, mult, limit = a["period"], a["period_mult"], a["limit"]
        if not _concrete(offset, scale, period, mult) or not (limit is None or _concrete(limit)):
            return
        last = (self.n - 1 - offset) / scale  # the run's last step, in the cycles' steps
        if not 0 <= last < end:  # the cycles have not begun, or another piece runs
            return
        i, start, length = _cycle_at(period, mult, last)
        if limit is not None and i >= limit:
            return
        begin, finish = offset + scale * start, offset + scale * (start + length)
        if finish <= self.n * (1 + 1e-12):
            return
        self.add(
            "warning",
            begin,
            "cycle-cut-off",
            f"the run ends {(self.n - begin) / (finish - begin):.0%} into cycle {i} "
            f"({self.at(begin)} to {self.at(finish)}): end it at {self.at(begin)} or "
            f"{self.at(finish)} for whole cycles",
        )

    def joins(self, joins: list[int], tol: float, peak: float) -> None:
        for b in joins:
            before = self.v(b - 1)
            guess = 2 * before - self.v(b - 2) if b >= 2 else before
            size = abs(self.v(b) - guess)
            if size > tol:
                self.add(
                    "warning",
                    b,
                    "jump",
                    f"two pieces meet with a jump from {_num(before)} to {_num(self.v(b))} "
                    f"({size / peak:.1%} of the peak)",
                )

    def bfloat16(self, p: _Pass, starts: np.ndarray) -> None:
        assert p.seg16 is not None and p.seg32 is not None
        ends = np.append(starts[1:], self.n)
        collapsed = [
            (a, b)
            for k, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True))
            if self.v(a) > self.v(b - 1) and p.seg32[k] + 1 >= 4 * FEW and p.seg16[k] + 1 < FEW
        ]
        self.add(
            "info",
            None,
            "bfloat16-distinct",
            f"the run takes {p.changes16 + 1:,} distinct values in bfloat16 "
            f"({p.changes32 + 1:,} in {self.dtype})",
        )
        if collapsed:
            a, b = collapsed[0]
            k = int(np.searchsorted(starts, a))
            more = f"; {len(collapsed) - 1} more phases alike" if len(collapsed) > 1 else ""
            self.add(
                "warning",
                a,
                "bfloat16-distinct",
                f"the phase from {self.at(a)} to {self.at(b - 1)} decays from {_num(self.v(a))} "
                f"to {_num(self.v(b - 1))} in only {p.seg16[k] + 1} distinct bfloat16 values "
                f"({p.seg32[k] + 1:,} in {self.dtype}){more}",
            )

    def run_facts(self, inside: list[int | float]) -> None:
        f = self.facts
        acc = f.get("accumulation", 1)
        if self.steps % acc:
            self.add(
                "info",
                None,
                "accumulation-remainder",
                f"the last {self.steps % acc} of the run's {self.steps:,} steps make no update "
                f"(accumulation {acc})",
            )
        if "total_tokens" in f:
            need = -(-f["total_tokens"] // f["tokens_per_step"])
            if need != self.steps:
                self.add(
                    "warning",
                    None,
                    "tokens-mismatch",
                    f"total_tokens / tokens_per_step is {need:,} steps, but the run has "
                    f"{self.steps:,}",
                )
        if "steps_per_epoch" in f:
            spe = f["steps_per_epoch"]
            odd = [b for b in inside if (b * acc) % spe]
            if odd:
                self.add(
                    "info",
                    odd[0],
                    "phase-mid-epoch",
                    f"{len(odd):,} phase boundaries fall inside an epoch, the first at "
                    f"{self.at(odd[0])}",
                )
