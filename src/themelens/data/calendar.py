"""Exchange sessions, from exchange_calendars.

A theme spans Hong Kong, New York and the two mainland exchanges, each with
its own holidays; "the session of 2025-09-20" only has a meaning per exchange.
Shenzhen (XSHE) shares Shanghai's holiday calendar, and exchange_calendars
ships only XSHG, so XSHE is served by it.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib.metadata import version
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens._atomic import replace_file
from themelens.config import default_cache_dir
from themelens.errors import AsofError
from themelens.theme import exchange_for_ticker

__all__ = [
    "EXCHANGES",
    "SessionResolution",
    "exchange_for_ticker",
    "resolve_session",
    "sessions",
]

EXCHANGES: Final = ("XHKG", "XNYS", "XSHG", "XSHE")

_CALENDAR_FOR: Final = {
    "XHKG": "XHKG",
    "XNYS": "XNYS",
    "XNAS": "XNYS",
    "XSHG": "XSHG",
    "XSHE": "XSHG",
}


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence pandas' deprecation warnings raised inside exchange_calendars (third-party noise)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*(is deprecated|Series\.values returning)")
        yield


_START: Final = "2000-01-01"


def _name(exchange: str) -> str:
    try:
        return _CALENDAR_FOR[exchange]
    except KeyError:
        raise AsofError(f"unknown exchange {exchange!r}; known: {', '.join(EXCHANGES)}") from None


@lru_cache(maxsize=8)
def _calendar(exchange: str) -> Any:
    """The full exchange_calendars calendar (opens and closes: the watch needs them)."""
    import exchange_calendars as xcals  # ~0.2 s a calendar: only when a session's hours matter

    name = _name(exchange)
    with _quiet():
        return xcals.get_calendar(name, start=_START)


@dataclass(frozen=True)
class SessionDays:
    """An exchange's sessions (naive ``datetime64[ns]`` midnights, increasing): all that
    dates need, read in microseconds from the user's cache instead of building the
    calendar (~0.2 s a process). The cache is keyed on the calendar, exchange_calendars'
    version and today's date, since the calendar runs to about a year from today."""

    days: npt.NDArray[np.datetime64]

    @property
    def first_session(self) -> pd.Timestamp:
        return pd.Timestamp(self.days[0])

    @property
    def last_session(self) -> pd.Timestamp:
        return pd.Timestamp(self.days[-1])

    def is_session(self, ts: pd.Timestamp) -> bool:
        at = int(np.searchsorted(self.days, ts.to_datetime64()))
        return at < len(self.days) and self.days[at] == ts.to_datetime64()

    def previous(self, ts: pd.Timestamp) -> pd.Timestamp:
        """The last session on or before ``ts`` (``ts`` within the calendar's bounds)."""
        return pd.Timestamp(self.days[np.searchsorted(self.days, ts.to_datetime64(), "right") - 1])

    def between(self, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DatetimeIndex:
        a, b = np.searchsorted(self.days, [lo.to_datetime64(), hi.to_datetime64()], "left")
        b += int(b < len(self.days) and self.days[b] == hi.to_datetime64())
        return pd.DatetimeIndex(self.days[a:b])


@lru_cache(maxsize=8)
def _session_days(exchange: str) -> SessionDays:
    name = _name(exchange)
    key = f"{name}-{_START}-xcals-{version('exchange_calendars')}-{datetime.now(UTC).date()}"
    path = default_cache_dir() / "calendars" / f"{key}.npy"
    with suppress(OSError, ValueError):
        days = np.load(path, allow_pickle=False)
        if days.dtype == np.dtype("datetime64[ns]") and len(days):
            return SessionDays(days)
    cal = _calendar(exchange)
    found = cal.sessions
    found = found.tz_localize(None) if found.tz is not None else found
    days = np.asarray(found.to_numpy(dtype="datetime64[ns]"))
    buffer = io.BytesIO()
    np.save(buffer, days, allow_pickle=False)
    with suppress(OSError):
        replace_file(path, buffer.getvalue())  # a reader sees the old file or the whole new one
    return SessionDays(days)


def sessions(exchange: str, start: date | str, end: date | str) -> pd.DatetimeIndex:
    """The exchange's sessions between ``start`` and ``end`` inclusive, as naive dates.

    Dates beyond the calendar's bounds are clipped to them.
    """
    cal = _session_days(exchange)
    lo = max(pd.Timestamp(start), cal.first_session)
    hi = min(pd.Timestamp(end), cal.last_session)
    if lo > hi:
        return pd.DatetimeIndex([])
    return cal.between(lo, hi)


@dataclass(frozen=True)
class SessionResolution:
    """A requested date mapped to the session that answers for it.

    ``note`` is ``None`` when the date is itself a session, else a sentence
    saying which session is used instead and why.
    """

    requested: date
    session: date
    exchange: str
    note: str | None = None


def resolve_session(exchange: str, day: date | str) -> SessionResolution:
    """Map ``day`` to itself if it is a session of ``exchange``, else to the previous session.

    Raises ``AsofError`` for a date before the calendar starts. A date after the
    calendar's last session is resolved to that last session with a note.
    """
    cal = _session_days(exchange)
    ts = pd.Timestamp(day).normalize()
    requested = ts.date()
    if ts < cal.first_session:
        raise AsofError(
            f"{requested} is before the {exchange} calendar starts ({cal.first_session:%Y-%m-%d})"
        )
    if ts > cal.last_session:
        last = cal.last_session.date()
        return SessionResolution(
            requested,
            last,
            exchange,
            f"{requested} is beyond the {exchange} calendar; using its last session {last}",
        )
    is_session = cal.is_session(ts)
    prev = requested if is_session else cal.previous(ts).date()
    if is_session:
        return SessionResolution(requested, requested, exchange)
    why = "a weekend" if ts.day_of_week >= 5 else "a holiday"
    return SessionResolution(
        requested,
        prev,
        exchange,
        f"{requested} is not an {exchange} session ({why}); using the previous session {prev}",
    )
