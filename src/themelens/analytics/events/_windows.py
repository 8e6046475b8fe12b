"""Placing events on their tickers' sessions: day 0, the windows, and why an event is skipped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from themelens.analytics.events._data import EventWindows, ReturnPanel, gather
from themelens.analytics.events._models import ModelFit
from themelens.analytics.events._result import AR_COLUMNS, EVENT_COLUMNS
from themelens.errors import Failure

__all__ = ["MAX_DAYS_TO_SESSION", "Event", "EventPlan", "plan_events"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

MAX_DAYS_TO_SESSION = 7
"""An event whose ticker has no session within this many calendar days of the date is skipped."""


@dataclass(frozen=True)
class Event:
    """One event: a ticker, the date the news came out, and a label for tables."""

    ticker: str
    date: date
    label: str = ""

    def __str__(self) -> str:
        return f"{self.ticker}:{self.date:%Y-%m-%d}"


def _dates(days: Ints) -> npt.NDArray[np.datetime64]:
    out: npt.NDArray[np.datetime64] = days.astype("datetime64[D]").astype("datetime64[ns]")
    return out


def _day(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


@dataclass(frozen=True)
class EventPlan:
    """The events that have usable windows, their gathered windows, and the skipped ones.

    ``ids`` are positions in the caller's event list (``event_id``);
    ``cluster`` the requested date as integer days (events sharing it are
    cross-correlated); ``failures`` pairs each skipped event's position with
    its reason, so they can be listed in input order.
    """

    events: tuple[Event, ...]
    ids: Ints
    session: Ints
    cluster: Ints
    windows: EventWindows
    failures: tuple[tuple[int, Failure], ...]
    warnings: tuple[str, ...] = ()

    def failure(self, i: int, reason: str) -> tuple[int, Failure]:
        """(position, failure) for kept event ``i``."""
        return int(self.ids[i]), Failure(str(self.events[i]), reason)

    def subset(self, mask: Bools) -> EventPlan:
        """Only the events where ``mask`` is True."""
        w = self.windows
        windows = EventWindows(*(getattr(w, f)[mask] for f in EventWindows.__dataclass_fields__))
        kept = tuple(e for e, m in zip(self.events, mask, strict=True) if m)
        return replace(
            self,
            events=kept,
            ids=self.ids[mask],
            session=self.session[mask],
            cluster=self.cluster[mask],
            windows=windows,
        )

    def frames(
        self,
        fit: ModelFit,
        car_cum: npt.NDArray[np.float64],
        car_se: npt.NDArray[np.float64],
        nu: npt.NDArray[np.float64],
        days: list[int],
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The per-event table and the long abnormal-return table."""
        w = self.windows
        n, width = car_cum.shape
        car = car_cum[:, -1] if n else np.zeros(0)
        t = car / car_se if n else np.zeros(0)
        ok_days = np.where(w.est_ok, w.est_days, -1)
        first = np.where(w.est_ok, w.est_days, np.iinfo(np.int64).max).min(axis=1) if n else ok_days
        ev = pd.DataFrame(
            {
                "event_id": self.ids,
                "ticker": [e.ticker for e in self.events],
                "label": [e.label for e in self.events],
                "event_date": _dates(self.cluster),
                "event_session": _dates(self.session),
                "est_start": _dates(first if n else np.zeros(0, np.int64)),
                "est_end": _dates(ok_days.max(axis=1) if n else np.zeros(0, np.int64)),
                "n_est": fit.n,
                "est_gaps": w.est_gaps,
                "alpha": fit.alpha,
                "beta": fit.beta,
                "sigma": np.sqrt(fit.sigma2),
                "ar_0": fit.ar[:, days.index(0)] if 0 in days else np.full(n, np.nan),
                "car": car,
                "car_se": car_se,
                "car_t": t,
                "car_p": 2.0 * stats.t.sf(np.abs(t), nu) if n else np.zeros(0),
                "bhar": np.prod(1.0 + w.y_evt, axis=1) - np.prod(1.0 + fit.expected, axis=1),
            }
        )
        ar = pd.DataFrame(
            {
                "event_id": np.repeat(self.ids, width),
                "ticker": np.repeat(np.asarray(ev["ticker"], dtype=object), width),
                "day": np.tile(np.asarray(days, dtype=np.int64), n),
                "date": _dates(w.evt_days.ravel()),
                "ret": w.y_evt.ravel(),
                "expected_ret": fit.expected.ravel(),
                "ar": fit.ar.ravel(),
                "car": car_cum.ravel(),
                "car_se": np.sqrt(fit.car_var).ravel(),
            }
        )
        return ev[list(EVENT_COLUMNS)], ar[list(AR_COLUMNS)]


def _locate(
    panel: ReturnPanel, events: Sequence[Event]
) -> tuple[list[int], list[tuple[int, Failure]]]:
    """Indices of events with a known ticker, and (position, failure) for the rest."""
    code_of = {t: i for i, t in enumerate(panel.tickers)}
    seen: dict[tuple[str, date], int] = {}
    keep: list[int] = []
    fails: list[tuple[int, Failure]] = []
    for k, ev in enumerate(events):
        key = (ev.ticker, ev.date)
        if key in seen:
            fails.append((k, Failure(str(ev), f"duplicate of event {seen[key]}")))
            continue
        seen[key] = k
        if ev.ticker not in code_of:
            fails.append((k, Failure(str(ev), f"no prices for {ev.ticker}")))
            continue
        keep.append(k)
    return keep, fails


def _placement_reasons(
    panel: ReturnPanel,
    chosen: list[Event],
    pos: Ints,
    seg_s: Ints,
    seg_e: Ints,
    wanted: Ints,
    window: tuple[int, int],
    benchmark: str | None,
) -> list[str | None]:
    """Why each event cannot be placed (None when it can): masks first, strings only for failures."""
    lo, hi = window
    last = np.maximum(seg_e - 1, 0)
    at = np.minimum(pos, last)
    checks = (
        wanted < panel.days[seg_s],
        pos >= seg_e,
        panel.days[at] - wanted > MAX_DAYS_TO_SESSION,
        pos + lo < seg_s + 1,
        pos + hi >= seg_e,
        np.asarray([benchmark is not None and e.ticker == benchmark for e in chosen], dtype=bool),
    )
    reason: list[str | None] = [None] * len(chosen)
    bad = np.zeros(len(chosen), dtype=bool)
    for mask in checks:
        bad |= mask
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
    """Day 0 of every event, its windows gathered, and a reason for each event that cannot be used."""
    keep, fails = _locate(panel, events)
    code_of = {t: i for i, t in enumerate(panel.tickers)}
    chosen = [events[k] for k in keep]
    codes = np.asarray([code_of[e.ticker] for e in chosen], dtype=np.int64)
    wanted = np.asarray([e.date for e in chosen], dtype="datetime64[D]").astype(np.int64)
    counts = panel.ends - panel.starts
    row_code = np.repeat(np.arange(len(panel.tickers), dtype=np.int64), counts)
    span = np.int64(1 << 20)  # day numbers stay below 2**20 until the year 4840
    pos = np.searchsorted(row_code * span + panel.days, codes * span + wanted).astype(np.int64)
    seg_s, seg_e = panel.starts[codes], panel.ends[codes]
    reason = _placement_reasons(panel, chosen, pos, seg_s, seg_e, wanted, window, benchmark)
    ok = np.asarray([r is None for r in reason], dtype=bool)
    safe_pos = np.where(ok, pos, seg_s)
    est_off = np.arange(-gap - estimation + 1, -gap + 1, dtype=np.int64)
    evt_off = np.arange(window[0], window[1] + 1, dtype=np.int64)
    w = gather(panel, safe_pos, seg_s, est_off, evt_off, needs_benchmark=benchmark is not None)
    n_est = w.est_ok.sum(axis=1)
    short = ok & (n_est < min_estimation)
    uncovered = np.zeros_like(short)
    if benchmark is not None:
        uncovered = ok & ~short & ~np.isfinite(w.x_evt).all(axis=1)
    for j in np.flatnonzero(short):
        i = int(j)
        why = f"estimation window too short: {n_est[i]} usable returns, need {min_estimation}"
        if w.est_gaps[i]:
            why += f" ({w.est_gaps[i]} days dropped: no {benchmark} close)"
        if pos[i] - gap - estimation + 1 < seg_s[i] + 1:
            why += f" ({chosen[i].ticker} data starts {_day(panel.days[seg_s[i]])})"
        reason[i] = why
    for j in np.flatnonzero(uncovered):
        i = int(j)
        missing = [
            _day(d) for d, x in zip(w.evt_days[i], w.x_evt[i], strict=True) if not np.isfinite(x)
        ]
        reason[i] = (
            f"benchmark {benchmark} has no close for the event-window sessions "
            f"{', '.join(missing)} (or the session before)"
        )
    ok &= ~short & ~uncovered
    fails += [(keep[i], Failure(str(chosen[i]), str(reason[i]))) for i in np.flatnonzero(~ok)]
    warnings: list[str] = []
    lost = int(w.est_gaps[ok].sum())
    if lost:
        hit = int((w.est_gaps[ok] > 0).sum())
        warnings.append(
            f"{benchmark} has no close on some of the stocks' sessions: {lost} estimation "
            f"days dropped across {hit} events"
        )
    plan = EventPlan(
        events=tuple(chosen),
        ids=np.asarray(keep, dtype=np.int64),
        session=panel.days[safe_pos],
        cluster=wanted,
        windows=w,
        failures=tuple(fails),
        warnings=tuple(warnings),
    )
    return plan.subset(ok)
