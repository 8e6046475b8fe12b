"""What the watch keeps: a feed's polling state, an item's ledger line, a verdict in the
history, an alert, and what a run did.

Plain frozen values; ``state.WatchStore`` writes and reads them, the loop
makes them, the CLI and the web page show them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal

__all__ = [
    "ALERT_VERDICTS",
    "Alert",
    "EventKind",
    "FeedState",
    "HistoryRow",
    "ItemRecord",
    "Phase",
    "WatchEvent",
    "WatchSummary",
]

Phase = Literal["first", "final"]
EventKind = Literal["item", "recheck", "feed", "alert", "note"]
ALERT_VERDICTS: Final = frozenset({"contradicted", "misdated"})
"""Verdicts that raise an alert when a new article's claim gets one."""


@dataclass(frozen=True)
class FeedState:
    """Where polling a feed stands: its validators, its failures and when to try it again.

    ``etag`` and ``last_modified`` are what the server sent last (sent back
    as ``If-None-Match``/``If-Modified-Since``, so an unchanged feed costs a
    304); ``failures`` counts failures in a row, ``retry_at`` is when a
    failed feed is polled again (naive UTC).
    """

    feed: str
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    retry_at: datetime | None = None
    last_error: str | None = None
    last_ok_at: datetime | None = None
    polls: int = 0
    items: int = 0

    def due(self, now: datetime) -> bool:
        return self.retry_at is None or self.retry_at <= now


@dataclass(frozen=True)
class ItemRecord:
    """One ingested item: the article (content hash), the feed it came from and its timing.

    ``arrived_at`` is when the poll that brought it answered, ``verified_at``
    when its verdicts were stored (clock times); ``latency_s`` the real seconds
    between the two, of which ``fetch_s`` went to fetching prices, bars and fundamentals.
    ``recheck_at`` is when the claims are checked again after their session's
    close (None when every verdict was already made on a closed session).
    """

    article_id: str
    feed: str
    name: str
    title: str | None
    origin: str
    published: date | None
    arrived_at: datetime
    verified_at: datetime
    claims: int
    latency_s: float
    fetch_s: float
    recheck_at: datetime | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class HistoryRow:
    """A claim's verdict at one check: ``first`` when its article arrived, ``final`` after the close.

    ``tape`` says what the session's bar was read from: ``intraday to HH:MM``
    (the session was still open), ``intraday`` (the stored bars of the whole
    session) or ``daily``.
    """

    article_id: str
    idx: int
    phase: Phase
    verdict: str
    checked_at: datetime
    entity: str = ""
    metric: str = ""
    value: str = ""
    quote: str = ""
    ticker: str | None = None
    asof: date | None = None
    computed: float | str | None = None
    reason: str = ""
    session_close_pct: float | None = None
    day_low_pct: float | None = None
    day_high_pct: float | None = None
    tape: str | None = None


@dataclass(frozen=True)
class Alert:
    """A contradicted or misdated claim of a new article (or a final verdict that turned so).

    ``key`` (article id, claim index, phase) is unique: an alert is stored
    once and delivered at least once (a restart delivers what a stop left
    undelivered, with the same key).
    """

    article_id: str
    idx: int
    phase: Phase
    verdict: str
    at: datetime
    article: str
    title: str | None
    origin: str
    entity: str
    metric: str
    value: float | str
    quote: str
    ticker: str | None
    asof: date | None
    computed: float | str | None
    reason: str
    first_verdict: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.article_id[:16]}:{self.idx}:{self.phase}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON line: ``key``, every field (times and dates as ISO text) and ``line``."""
        out = asdict(self)
        out.pop("extra")
        out.update(self.extra)
        out["at"] = self.at.isoformat(timespec="seconds") + "Z"
        out["asof"] = self.asof.isoformat() if self.asof else None
        return {"key": self.key, **out, "line": self.line()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=False)

    def line(self) -> str:
        """One terminal line: what was claimed, the verdict and the figure behind it."""
        when = f" on {self.asof.isoformat()}" if self.asof else ""
        was = f" (first {self.first_verdict})" if self.first_verdict else ""
        return (
            f"{self.verdict.upper()}{was}: {self.entity} {self.metric} {self.value} "
            f"[{self.ticker or '-'}{when}] in {self.article}: {self.reason}"
        )


@dataclass(frozen=True)
class WatchEvent:
    """Something the watch did that its user should see (the CLI prints one line each)."""

    kind: EventKind
    text: str
    at: datetime


@dataclass(frozen=True)
class WatchSummary:
    """What a run of the watch did, counted over its cycles."""

    cycles: int = 0
    items: int = 0
    claims: int = 0
    rechecks: int = 0
    alerts: int = 0
    bars_inserted: int = 0
    bars_updated: int = 0
    feed_failures: int = 0
    stopped: bool = False

    def plus(self, **counts: int) -> WatchSummary:
        now = asdict(self)
        for key, value in counts.items():
            now[key] += value
        return WatchSummary(**now)

    def line(self) -> str:
        how = "stopped" if self.stopped else "done"
        return (
            f"{how} after {self.cycles} cycles: {self.items} items, {self.claims} claims, "
            f"{self.rechecks} re-checked after the close, {self.alerts} alerts, "
            f"{self.bars_inserted} bars stored, {self.feed_failures} feed failures"
        )
