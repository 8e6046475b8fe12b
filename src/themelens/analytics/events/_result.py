"""The event-study results objects: per-event rows, abnormal returns by day, the CAAR path, tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import numpy as np
import pandas as pd

from themelens.analytics._cells import json_failures, json_records
from themelens.analytics.events._tests import EventTest
from themelens.errors import Failure
from themelens.summary import ShowsSummary, Summary

__all__ = [
    "AR_COLUMNS",
    "EVENT_COLUMNS",
    "PATH_COLUMNS",
    "TEST_COLUMNS",
    "EventStudyResult",
    "SpilloverResult",
]

EVENT_COLUMNS: Final = (
    "event_id",
    "ticker",
    "label",
    "event_date",
    "event_session",
    "est_start",
    "est_end",
    "n_est",
    "est_gaps",
    "alpha",
    "beta",
    "sigma",
    "ar_0",
    "car",
    "car_se",
    "car_t",
    "car_p",
    "bhar",
)
"""``to_frame()`` columns, one row per computed event. Returns are decimals (0.05 = 5 %).

``event_date`` is the date asked, ``event_session`` the ticker's first session
on or after it (day 0); ``est_start``/``est_end`` bound the estimation window,
``n_est`` its usable returns, ``est_gaps`` the days dropped because the
benchmark had no close; ``alpha``, ``beta``, ``sigma`` (residual standard
deviation, daily) the fitted model; ``ar_0`` the day-0 abnormal return (NaN
when day 0 is outside the window); ``car`` the cumulative abnormal return
over the event window, ``car_se`` its model standard error (estimation error
included), ``car_t = car / car_se`` with two-sided ``car_p`` on t(n - k);
``bhar`` the buy-and-hold abnormal return (compounded actual minus
compounded expected)."""

AR_COLUMNS: Final = (
    "event_id",
    "ticker",
    "day",
    "date",
    "ret",
    "expected_ret",
    "ar",
    "car",
    "car_se",
)
"""``ar_frame()`` columns: one row per event and event-window day (``car`` cumulative to that day)."""

PATH_COLUMNS: Final = ("day", "aar", "caar", "caar_se", "ci_low", "ci_high", "n_events")
"""``path_frame()`` columns: mean AR and mean CAR by event day with the confidence band."""

TEST_COLUMNS: Final = ("test", "statistic", "p_value", "distribution", "n", "note")
"""``tests_frame()`` columns."""

_MAX_ROWS: Final = 40


def _pct(value: float, digits: int = 2) -> str:
    return "—" if not np.isfinite(value) else f"{value * 100:+.{digits}f}%"


def _num(value: float, digits: int = 2) -> str:
    return "—" if not np.isfinite(value) else f"{value:.{digits}f}"


def _p(value: float) -> str:
    if not np.isfinite(value):
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


@dataclass(frozen=True, eq=False)
class EventStudyResult(ShowsSummary):
    """An event study: inputs echoed, per-event figures, abnormal returns, CAAR path, tests.

    ``events`` has :data:`EVENT_COLUMNS`; ``abnormal`` :data:`AR_COLUMNS`;
    ``path`` :data:`PATH_COLUMNS`; ``tests`` one :class:`EventTest` per
    statistic. ``failures`` lists events that were skipped, each with its
    reason (``TICKER:YYYY-MM-DD: reason``); ``requested`` counts the events
    asked for, so ``requested == len(events) + len(failures)``.
    ``cross_correlation`` is ``(r̄, pairs)`` when events share a date and the
    Kolari–Pynnönen adjustment was applied, else None.
    """

    model: str
    benchmark: str | None
    window: tuple[int, int]
    estimation: int
    gap: int
    min_estimation: int
    confidence: float
    requested: int
    events: pd.DataFrame
    abnormal: pd.DataFrame
    path: pd.DataFrame
    tests: tuple[EventTest, ...] = ()
    cross_correlation: tuple[float, int] | None = None
    failures: tuple[Failure, ...] = ()
    warnings: tuple[str, ...] = ()
    synthetic: bool = False
    providers: tuple[str, ...] = field(default_factory=tuple)

    @property
    def window_label(self) -> str:
        return f"[{self.window[0]:+d}, {self.window[1]:+d}]"

    def to_frame(self) -> pd.DataFrame:
        """A copy of the per-event table (:data:`EVENT_COLUMNS`)."""
        return self.events.copy()

    def ar_frame(self) -> pd.DataFrame:
        """A copy of the abnormal returns by event and day (:data:`AR_COLUMNS`)."""
        return self.abnormal.copy()

    def path_frame(self) -> pd.DataFrame:
        """A copy of the CAAR path (:data:`PATH_COLUMNS`)."""
        return self.path.copy()

    def tests_frame(self) -> pd.DataFrame:
        """The tests as a frame (:data:`TEST_COLUMNS`)."""
        return pd.DataFrame([tuple(t) for t in self.tests], columns=list(TEST_COLUMNS))

    def test(self, name: str) -> EventTest:
        """The test called ``name`` (``KeyError`` when absent)."""
        for t in self.tests:
            if t.name == name:
                return t
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-safe data (for ``--format json``)."""
        return {
            "model": self.model,
            "benchmark": self.benchmark,
            "window": list(self.window),
            "estimation": self.estimation,
            "gap": self.gap,
            "min_estimation": self.min_estimation,
            "confidence": self.confidence,
            "synthetic": self.synthetic,
            "requested": self.requested,
            "computed": len(self.events),
            "skipped": len(self.failures),
            "events": json_records(self.events),
            "abnormal_returns": json_records(self.abnormal),
            "caar_path": json_records(self.path),
            "tests": json_records(self.tests_frame()),
            "cross_correlation": None
            if self.cross_correlation is None
            else {"mean": self.cross_correlation[0], "pairs": self.cross_correlation[1]},
            "failures": json_failures(self.failures),
            "warnings": list(self.warnings),
            "providers": list(self.providers),
        }

    def _table(self) -> pd.DataFrame:
        ev = self.events.head(_MAX_ROWS)
        return pd.DataFrame(
            {
                "ticker": ev["ticker"],
                "label": [str(s)[:48] for s in ev["label"]],
                "session": [f"{d:%Y-%m-%d}" for d in ev["event_session"]],
                "n est": ev["n_est"].astype(str),
                "alpha": [_pct(v, 3) for v in ev["alpha"]],
                "beta": [_num(v) for v in ev["beta"]],
                "sigma": [_pct(v) for v in ev["sigma"]],
                "AR 0": [_pct(v) for v in ev["ar_0"]],
                f"CAR {self.window_label}": [_pct(v) for v in ev["car"]],
                "t": [_num(v) for v in ev["car_t"]],
                "p": [_p(v) for v in ev["car_p"]],
                "BHAR": [_pct(v) for v in ev["bhar"]],
            }
        )

    def notes(self) -> tuple[str, ...]:
        """The sentences under the table: counts, skipped events, tests, method."""
        out = [
            f"computed {len(self.events)} of {self.requested} events; skipped {len(self.failures)}"
        ]
        if len(self.events) > _MAX_ROWS:
            out.append(
                f"first {_MAX_ROWS} of {len(self.events)} events shown; the full list is in the "
                "result's JSON (/api/events in the web app, --format json on the command line)"
            )
        out.extend(f"skipped {f}" for f in self.failures[:_MAX_ROWS])
        if len(self.failures) > _MAX_ROWS:
            out.append(f"... and {len(self.failures) - _MAX_ROWS} more skipped")
        if len(self.events):
            caar = float(self.path["caar"].iloc[-1])
            out.append(f"CAAR {self.window_label} over {len(self.events)} events: {_pct(caar)}")
        for t in self.tests if len(self.events) else ():
            extra = f"; {t.note}" if t.note else ""
            if not np.isfinite(t.statistic):
                out.append(f"{t.name}: not computed ({t.note or 'undefined'})")
                continue
            out.append(
                f"{t.name}: {_num(t.statistic)} (p {_p(t.p_value)}, {t.distribution}){extra}"
            )
        if self.cross_correlation is not None:
            rbar, pairs = self.cross_correlation
            out.append(
                f"events share dates: BMP adjusted for cross-correlation (Kolari–Pynnönen), "
                f"mean residual correlation {rbar:.3f} over {pairs} pairs"
            )
        out.extend(self.warnings)
        bench = f"{self.benchmark}'s" if self.benchmark else "the benchmark's"
        out.append(
            f"{self.model} model; estimation {self.estimation} sessions ending {self.gap} before "
            f"day 0 (at least {self.min_estimation} usable); {bench} return taken over each "
            "stock session's own interval, days without a benchmark close dropped"
        )
        return tuple(out)

    def summary(self) -> Summary:
        """Per-event table (first 40 events) with counts, tests and method as notes."""
        vs = f" vs {self.benchmark}" if self.benchmark else ""
        title = f"Event study, {self.model} model{vs}, window {self.window_label}"
        return Summary(title, self._table(), self.notes(), self.synthetic)

    def tests_summary(self) -> Summary:
        """The tests as a table of their own."""
        frame = self.tests_frame()
        table = pd.DataFrame(
            {
                "test": frame["test"],
                "statistic": [_num(v) for v in frame["statistic"]],
                "p": [_p(v) for v in frame["p_value"]],
                "dist": frame["distribution"],
                "N": frame["n"].astype(str),
                "note": frame["note"],
            }
        )
        title = f"Tests on CAR {self.window_label} across {len(self.events)} events"
        return Summary(title, table, (), self.synthetic)


@dataclass(frozen=True, eq=False)
class SpilloverResult(ShowsSummary):
    """A leader's own announcement effect and its spillover to a group on the same date.

    ``leader`` holds the leader's event alone; ``group`` the members' events
    (tests across them, Kolari–Pynnönen-adjusted since they share the date).
    """

    leader_ticker: str
    group_name: str
    event_date: date
    leader: EventStudyResult
    group: EventStudyResult

    def to_frame(self) -> pd.DataFrame:
        """Leader and member rows (:data:`EVENT_COLUMNS`) with a ``role`` column first."""
        lead = self.leader.to_frame().assign(role="leader")
        members = self.group.to_frame().assign(role=self.group_name)
        frame = pd.concat([lead, members], ignore_index=True)
        return frame[["role", *EVENT_COLUMNS]]

    def to_dict(self) -> dict[str, Any]:
        """Both studies as JSON-safe data."""
        return {
            "leader_ticker": self.leader_ticker,
            "group": self.group_name,
            "event_date": f"{self.event_date:%Y-%m-%d}",
            "leader": self.leader.to_dict(),
            "spillover": self.group.to_dict(),
        }

    def summary(self) -> Summary:
        """Leader and members in one table; the group's tests as notes."""
        lead, grp = self.leader.summary(), self.group.summary()
        table = pd.concat(
            [lead.table.assign(role="leader"), grp.table.assign(role=self.group_name)],
            ignore_index=True,
        )
        table = table[["role", *[c for c in table.columns if c != "role"]]]
        notes = [f"leader: {n}" for n in lead.notes if n.startswith("skipped")]
        notes += list(grp.notes)
        title = (
            f"Spillover of {self.leader_ticker} on {self.event_date:%Y-%m-%d} to {self.group_name}, "
            f"{self.group.model} model"
            + (f" vs {self.group.benchmark}" if self.group.benchmark else "")
            + f", window {self.group.window_label}"
        )
        return Summary(title, table, tuple(notes), self.group.synthetic or self.leader.synthetic)
