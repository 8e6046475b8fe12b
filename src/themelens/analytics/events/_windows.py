"""Placing events on their tickers' sessions: day 0, the windows, and why an event is skipped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.analytics._cells import text_column
from themelens.analytics.events._data import EventWindows, ReturnPanel, WindowRows
from themelens.analytics.events._models import ModelFit
from themelens.analytics.events._result import AR_COLUMNS, EVENT_COLUMNS
from themelens.analytics.events._tests import t_two_sided
from themelens.errors import Failure

__all__ = ["BLOCK", "MAX_DAYS_TO_SESSION", "Event", "EventPlan", "plan_events"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Running = npt.NDArray[np.int32] | npt.NDArray[np.int64]

MAX_DAYS_TO_SESSION = 7
"""An event whose ticker has no session within this many calendar days of the date is skipped."""


@dataclass(frozen=True)
class Event:
    """One event: a ticker, the date the news came out, and a label for tables."""

    ticker: str
    date: date
    label: str = ""

    def __str__(self) -> str:
        return f"{self.ticker}:{date.isoformat(self.date)}"  # YYYY-MM-DD, a datetime's too


def _dates(days: Ints) -> npt.NDArray[np.datetime64]:
    out: npt.NDArray[np.datetime64] = days.astype("datetime64[D]").astype("datetime64[ns]")
    return out


def _day(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


BLOCK: Final = 1024
"""Events per block when windows are copied and fitted: (block, W) arrays of about 1 MB stay
in cache and are recycled by the allocator, where (E, W) temporaries cost a page fault per
few kilobytes on first touch."""


@dataclass(frozen=True)
class EventPlan:
    """The events that have usable windows, where their windows are, and the skipped ones.

    ``ids`` are positions in the caller's event list (``event_id``);
    ``ticker`` each event's ticker as a position in ``tickers``;
    ``cluster`` the requested date as integer days (events sharing it are
    cross-correlated); ``session`` day 0's date. ``est_first`` is the panel
    row where each estimation window starts and ``seg_start`` the row where
    its ticker's data start; ``n_est`` counts the usable estimation days,
    ``est_gaps`` those lost to benchmark gaps, ``est_start``/``est_end`` are
    the dates of the first and last usable one. ``y_evt``/``x_evt``/``evt_days``
    are the (E, L) event windows. The (E, W) estimation windows are copied
    on demand, a block of events at a time (:meth:`gather`), or all at once
    (:attr:`windows`). ``failures`` pairs each skipped event's position with
    its reason, so they can be listed in input order.
    """

    events: tuple[Event, ...]
    ids: Ints
    ticker: Ints
    tickers: tuple[str, ...]
    session: Ints
    cluster: Ints
    est_first: Ints
    seg_start: Ints
    n_est: Ints
    est_gaps: Ints
    est_start: Ints
    est_end: Ints
    y_evt: npt.NDArray[np.float64]
    x_evt: npt.NDArray[np.float64]
    evt_days: Ints
    rows: WindowRows
    estimation: int
    failures: tuple[tuple[int, Failure], ...]
    warnings: tuple[str, ...] = ()

    def failure(self, i: int, reason: str) -> tuple[int, Failure]:
        """(position, failure) for kept event ``i``."""
        return int(self.ids[i]), Failure(str(self.events[i]), reason)

    def gather(self, block: slice | Ints) -> EventWindows:
        """The windows of the events in ``block`` (a slice or positions)."""
        y, x, ok, days = self.rows.windows(
            self.est_first[block], self.seg_start[block], self.estimation
        )
        return EventWindows(
            y_est=y,
            x_est=x,
            est_ok=ok,
            est_days=days,
            n_est=self.n_est[block],
            est_gaps=self.est_gaps[block],
            y_evt=self.y_evt[block],
            x_evt=self.x_evt[block],
            evt_days=self.evt_days[block],
        )

    @cached_property
    def windows(self) -> EventWindows:
        """The windows of every event, (E, W) arrays (the reference engine and benchmarks)."""
        return self.gather(slice(None))

    def subset(self, mask: Bools) -> EventPlan:
        """Only the events where ``mask`` is True."""
        if mask.all():
            return self
        kept = tuple(self.events[i] for i in np.flatnonzero(mask).tolist())
        per_event = (
            "ids", "ticker", "session", "cluster", "est_first", "seg_start", "n_est", "est_gaps",
            "est_start", "est_end", "y_evt", "x_evt", "evt_days",
        )  # fmt: skip
        return replace(self, events=kept, **{f: getattr(self, f)[mask] for f in per_event})

    def frames(
        self,
        fit: ModelFit,
        car_cum: npt.NDArray[np.float64],
        car_se: npt.NDArray[np.float64],
        nu: npt.NDArray[np.float64],
        days: list[int],
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The per-event table and the long abnormal-return table."""
        n, width = car_cum.shape
        car = car_cum[:, -1] if n else np.zeros(0)
        t = car / car_se if n else np.zeros(0)
        event_cols: dict[str, Any] = {
            "event_id": self.ids,
            "ticker": text_column(list(self.tickers), self.ticker),  # a few strings, taken per row
            "label": list(map(attrgetter("label"), self.events)),
            "event_date": _dates(self.cluster),
            "event_session": _dates(self.session),
            "est_start": _dates(self.est_start),
            "est_end": _dates(self.est_end),
            "n_est": fit.n,
            "est_gaps": self.est_gaps,
            "alpha": fit.alpha,
            "beta": fit.beta,
            "sigma": np.sqrt(fit.sigma2),
            "ar_0": fit.ar[:, days.index(0)].copy() if 0 in days else np.full(n, np.nan),
            "car": car.copy(),
            "car_se": car_se,
            "car_t": t,
            "car_p": t_two_sided(t, nu) if n else np.zeros(0),
            "bhar": np.prod(1.0 + self.y_evt, axis=1) - np.prod(1.0 + fit.expected, axis=1),
        }
        # copy=False: no stacking of the float columns into one block (a copy of each and
        # its page faults); every array given is the frame's alone (the two views of the AR
        # matrix above are copied), so an edit to one frame cannot reach the other
        ev = pd.DataFrame({c: event_cols[c] for c in EVENT_COLUMNS}, copy=False)
        ar_cols: dict[str, Any] = {
            "event_id": np.repeat(self.ids, width),
            "ticker": ev["ticker"].array.take(np.repeat(np.arange(n), width)),
            "day": np.tile(np.asarray(days, dtype=np.int64), n),
            "date": _dates(self.evt_days.ravel()),
            "ret": self.y_evt.ravel(),
            "expected_ret": fit.expected.ravel(),
            "ar": fit.ar.ravel(),
            "car": car_cum.ravel(),
            "car_se": np.sqrt(fit.car_var).ravel(),
        }
        return ev, pd.DataFrame({c: ar_cols[c] for c in AR_COLUMNS}, copy=False)


_EPOCH: Final = date(1970, 1, 1).toordinal()


def _pick(items: Sequence[Any], at: Ints) -> list[Any]:
    """``[items[i] for i in at]`` through ``operator.itemgetter`` (no Python loop)."""
    if len(at) == 0:
        return []
    got = itemgetter(*at.tolist())(items)
    return [got] if len(at) == 1 else list(got)


def _locate(panel: ReturnPanel, events: Sequence[Event]) -> tuple[Ints, Ints, Ints, list[tuple[int, Failure]]]:  # fmt: skip
    """Events with a known ticker: (positions, ticker codes, dates as days); (position, failure) for the rest.

    A repeated (ticker, date) is found by sorting integer keys, not by a
    Python set, so ten thousand events cost a few array passes.
    """
    n = len(events)
    names = list(map(attrgetter("ticker"), events))
    ordinals = map(date.toordinal, map(attrgetter("date"), events))  # a datetime's date too
    days = np.fromiter(ordinals, dtype=np.int64, count=n) - _EPOCH
    code_of = {t: i for i, t in enumerate(panel.tickers)}
    codes = np.fromiter(map(code_of.get, names, repeat(-1)), dtype=np.int64, count=n)
    # a name for the dates' key: the ticker's code, or past the panel's for one without prices
    name_codes = codes.copy()
    unknown = np.flatnonzero(codes < 0)
    if len(unknown):
        name_codes[unknown] = len(code_of) + pd.factorize(np.array(names, dtype=object)[unknown])[0]
    lowest = int(days.min()) if n else 0
    key = name_codes * (int(days.max()) - lowest + 1 if n else 1) + (days - lowest)
    earlier = _first_of_equal(key)
    again = earlier != np.arange(n)
    bad = np.flatnonzero(again | (codes < 0))
    whys = [
        f"duplicate of event {e}" if r else f"no prices for {events[k].ticker}"
        for k, e, r in zip(bad.tolist(), earlier[bad].tolist(), again[bad].tolist(), strict=True)
    ]
    fails = _failures(bad, _pick(events, bad), whys)
    keep = np.flatnonzero(~again & (codes >= 0)).astype(np.int64)
    return keep, codes[keep], days[keep], fails


def _first_of_equal(key: Ints) -> Ints:
    """For each position, the first position holding the same key (itself when the first)."""
    order = np.argsort(key, kind="stable")
    ranked = key[order]
    opens = np.ones(len(key), dtype=bool)
    np.not_equal(ranked[1:], ranked[:-1], out=opens[1:])
    head = order[np.flatnonzero(opens)]  # stable: a run's first is its earliest position
    earlier = np.empty(len(key), dtype=np.int64)
    earlier[order] = head[np.cumsum(opens) - 1]
    return earlier


def _first_session_on_or_after(panel: ReturnPanel, codes: Ints, wanted: Ints) -> Ints:
    """Row of each event's ticker's first session on or after its date (may be the ticker's end).

    One ``searchsorted`` per ticker over that ticker's events, so the cost is
    a binary search in one ticker's sessions, not in the whole panel.
    """
    pos = np.empty(len(codes), dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(panel.tickers) + 1))
    for k in np.flatnonzero(np.diff(bounds)).tolist():
        mine = order[bounds[k] : bounds[k + 1]]
        start, end = int(panel.starts[k]), int(panel.ends[k])
        pos[mine] = start + np.searchsorted(panel.days[start:end], wanted[mine])
    return pos


def _placement_reasons(
    panel: ReturnPanel,
    chosen: list[Event],
    codes: Ints,
    pos: Ints,
    seg_s: Ints,
    seg_e: Ints,
    wanted: Ints,
    window: tuple[int, int],
    benchmark: str | None,
) -> dict[int, str]:
    """Why events cannot be placed, by position in ``chosen``: masks first, strings only for failures."""
    lo, hi = window
    last = np.maximum(seg_e - 1, 0)
    at = np.minimum(pos, last)
    bench_code = panel.tickers.index(benchmark) if benchmark in panel.tickers else -1
    checks = (
        wanted < panel.days[seg_s],
        pos >= seg_e,
        panel.days[at] - wanted > MAX_DAYS_TO_SESSION,
        pos + lo < seg_s + 1,
        pos + hi >= seg_e,
        codes == bench_code,
    )
    bad = np.zeros(len(chosen), dtype=bool)
    for mask in checks:
        bad |= mask
    reason: dict[int, str] = {}
    for j in np.flatnonzero(bad):
        i = int(j)
        tk = chosen[i].ticker
        first, end = _day(panel.days[seg_s[i]]), _day(panel.days[last[i]])
        texts = (
            f"date is outside the data: {tk} starts {first}",
            f"date is outside the data: {tk} ends {end}",
            f"no {tk} session within {MAX_DAYS_TO_SESSION} days (next {_day(panel.days[at[i]])})",
            f"event window starts before the data ({tk} starts {first})",
            f"event window needs {hi} sessions after day 0; {tk} data ends {end}",
            "the event's ticker is the benchmark",
        )
        reason[i] = next(t for t, m in zip(texts, checks, strict=True) if m[i])
    return reason


def _mask(reason: dict[int, str], n: int) -> Bools:
    """True for the events without a reason to skip them."""
    ok = np.ones(n, dtype=bool)
    ok[list(reason)] = False
    return ok


def plan_events(
    panel: ReturnPanel,
    events: Sequence[Event],
    *,
    benchmark: str | None,
    estimation: int,
    gap: int,
    window: tuple[int, int],
    min_estimation: int,
) -> EventPlan:
    """Day 0 of every event, its windows gathered, and a reason for each event that cannot be used.

    ``min_estimation`` is at least 1: a kept window must have a usable return
    (the market model needs several; ``run_event_study`` asks for at least 3).
    """
    if min_estimation < 1:
        raise ValueError(f"min_estimation must be at least 1, got {min_estimation}")
    keep, codes, wanted, fails = _locate(panel, events)
    chosen = _pick(events, keep)
    pos = _first_session_on_or_after(panel, codes, wanted)
    seg_s, seg_e = panel.starts[codes], panel.ends[codes]
    reason = _placement_reasons(panel, chosen, codes, pos, seg_s, seg_e, wanted, window, benchmark)
    ok = _mask(reason, len(chosen))
    usable = np.isfinite(panel.ret)
    if benchmark is not None:
        usable &= np.isfinite(panel.bench)
    running = _running(usable)
    n_est, est_gaps = _window_reasons(
        panel, chosen, np.where(ok, pos, seg_s), seg_s, ok, reason, running,
        benchmark=benchmark, estimation=estimation, gap=gap, window=window,
        min_estimation=min_estimation,
    )  # fmt: skip
    ok = _mask(reason, len(chosen))
    at = np.fromiter(reason, dtype=np.int64, count=len(reason))
    fails += _failures(keep[at], _pick(chosen, at), list(reason.values()))
    warnings: list[str] = []
    lost = int(est_gaps[ok].sum())
    if lost:
        hit = int((est_gaps[ok] > 0).sum())
        warnings.append(
            f"{benchmark} has no close on some of the stocks' sessions: {lost} estimation "
            f"days dropped across {hit} events"
        )
    sel = np.flatnonzero(ok)
    pos, seg_s = pos[sel], seg_s[sel]
    est_first = pos - gap - estimation + 1
    # first and last usable estimation rows (every kept window has some)
    first_row = _usable_from(usable, np.maximum(est_first, seg_s), 1)
    last_row = _usable_from(usable, pos - gap, -1)
    evt = pos[:, None] + np.arange(window[0], window[1] + 1)[None, :]
    return EventPlan(
        events=tuple(_pick(chosen, sel)),
        ids=keep[sel],
        ticker=codes[sel],
        tickers=panel.tickers,
        session=panel.days[pos],
        cluster=wanted[sel],
        est_first=est_first,
        seg_start=seg_s,
        n_est=n_est[sel],
        est_gaps=est_gaps[sel],
        est_start=panel.days[first_row],
        est_end=panel.days[last_row],
        y_evt=panel.ret[evt],
        x_evt=panel.bench[evt],
        evt_days=panel.days[evt],
        rows=WindowRows.of(panel, usable, max(0, -int(est_first.min())) if len(sel) else 0),
        estimation=estimation,
        failures=tuple(fails),
        warnings=tuple(warnings),
    )


def _window_reasons(
    panel: ReturnPanel,
    chosen: list[Event],
    pos: Ints,
    seg_s: Ints,
    ok: Bools,
    reason: dict[int, str],
    running: Running,
    *,
    benchmark: str | None,
    estimation: int,
    gap: int,
    window: tuple[int, int],
    min_estimation: int,
) -> tuple[Ints, Ints]:
    """Say in ``reason`` which placed events lack usable windows; return usable and lost days.

    The usable days of every window come from ``running``, the running count
    of the panel rows the model can use, so nothing is gathered for events
    that will be skipped. Returns, per event, the usable estimation days and
    the estimation days lost to benchmark gaps.
    """
    est_first = np.maximum(pos - gap - estimation + 1, seg_s)
    n_est = _counts_between(running, est_first, pos - gap).astype(np.int64)
    lost = np.isfinite(panel.ret)
    lost &= panel.bench_gap
    est_gaps = _window_counts(lost, est_first, pos - gap).astype(np.int64)
    short = ok & (n_est < min_estimation)
    for j in np.flatnonzero(short):
        i = int(j)
        why = f"estimation window too short: {n_est[i]} usable returns, need {min_estimation}"
        if est_gaps[i]:
            why += f" ({est_gaps[i]} days dropped: no {benchmark} close)"
        if pos[i] - gap - estimation + 1 < seg_s[i] + 1:
            why += f" ({chosen[i].ticker} data starts {_day(panel.days[seg_s[i]])})"
        reason[i] = why
    if benchmark is None:
        return n_est, est_gaps
    lo, hi = window
    # the event windows' few cells are read, not a running count over the whole panel
    placed = np.flatnonzero(ok & ~short)
    cells = pos[placed][:, None] + np.arange(lo, hi + 1)[None, :]
    no_bench = ~np.isfinite(panel.bench[cells])
    uncovered = np.flatnonzero(no_bench.any(axis=1))
    bad, cells = placed[uncovered], cells[uncovered]
    missing = np.where(no_bench[uncovered], panel.days[cells], -1)
    if not len(bad):
        return n_est, est_gaps
    # one message per pattern of missing sessions (patterns found by sorting the rows), the
    # few distinct dates written once each
    order = np.lexsort(missing.T[::-1])
    ranked = missing[order]
    opens = np.r_[True, (ranked[1:] != ranked[:-1]).any(axis=1)]
    which = np.empty(len(bad), dtype=np.int64)
    which[order] = np.cumsum(opens) - 1
    patterns = ranked[opens]
    found = np.unique(patterns)
    written = np.datetime_as_string(found.astype("datetime64[D]")).tolist()
    text = dict(zip(found.tolist(), written, strict=True))
    said = [
        f"benchmark {benchmark} has no close for the event-window sessions "
        f"{', '.join([text[d] for d in row if d >= 0])} (or the session before)"
        for row in patterns.tolist()
    ]
    reason.update(zip(bad.tolist(), map(said.__getitem__, which.tolist()), strict=True))
    return n_est, est_gaps


def _usable_from(usable: Bools, rows: Ints, step: int) -> Ints:
    """The first usable row at or after each of ``rows`` (``step`` 1), or at or before (-1).

    Every row must have one within its window: the scan moves only the rows
    still on an unusable row, a few steps at most (gaps are holidays).
    """
    at = rows.copy()
    todo = np.flatnonzero(~usable[at])
    while len(todo):
        at[todo] += step
        todo = todo[~usable[at[todo]]]
    return at


def _failures(ids: Ints, events: list[Event], reasons: list[str]) -> list[tuple[int, Failure]]:
    """(position, failure) per skipped event, built without a Python loop body."""
    return list(zip(ids.tolist(), map(Failure, map(str, events), reasons), strict=True))


def _running(flags: Bools) -> Running:
    """``running[i]`` = how many of ``flags[:i]`` are True (length ``len(flags) + 1``).

    32-bit when the counts fit: half the memory to write (and fault in) per panel row.
    """
    size = len(flags) + 1
    running = np.zeros(size, dtype=np.int32) if size < 2**31 else np.zeros(size, dtype=np.int64)
    np.cumsum(flags, out=running[1:])
    return running


def _counts_between(running: Running, first: Ints, last: Ints) -> Running:
    """How many flags in ``first..last`` (both ends included) are True, from their running count."""
    size = len(running) - 1
    first = np.clip(first, 0, size)
    counts: Running = running[np.clip(last + 1, first, size)] - running[first]
    return counts


def _window_counts(flags: Bools, first: Ints, last: Ints) -> Running:
    """How many of ``flags[first..last]`` (both ends included) are True, per event; 0 if empty."""
    return _counts_between(_running(flags), first, last)
