"""Exchange sessions, from exchange_calendars.

A theme spans Hong Kong, New York and the two mainland exchanges, each with
its own holidays; "the session of 2025-09-20" only has a meaning per exchange.
Shenzhen (XSHE) shares Shanghai's holiday calendar, and exchange_calendars
ships only XSHG, so XSHE is served by it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Final

import exchange_calendars as xcals
import pandas as pd

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


@lru_cache(maxsize=8)
def _calendar(exchange: str) -> Any:
    try:
        name = _CALENDAR_FOR[exchange]
    except KeyError:
        raise AsofError(f"unknown exchange {exchange!r}; known: {', '.join(EXCHANGES)}") from None
    with _quiet():
        return xcals.get_calendar(name, start="2000-01-01")


def sessions(exchange: str, start: date | str, end: date | str) -> pd.DatetimeIndex:
    """The exchange's sessions between ``start`` and ``end`` inclusive, as naive dates.

    Dates beyond the calendar's bounds are clipped to them.
    """
    cal = _calendar(exchange)
    lo = max(pd.Timestamp(start), cal.first_session)
    hi = min(pd.Timestamp(end), cal.last_session)
    if lo > hi:
        return pd.DatetimeIndex([])
    with _quiet():
        out: pd.DatetimeIndex = cal.sessions_in_range(lo, hi)
    return pd.DatetimeIndex(out.tz_localize(None) if out.tz is not None else out)


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
    cal = _calendar(exchange)
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
    with _quiet():
        is_session = bool(cal.is_session(ts))
        prev = requested if is_session else cal.date_to_session(ts, direction="previous").date()
    if is_session:
        return SessionResolution(requested, requested, exchange)
    why = "a weekend" if ts.day_of_week >= 5 else "a holiday"
    return SessionResolution(
        requested,
        prev,
        exchange,
        f"{requested} is not an {exchange} session ({why}); using the previous session {prev}",
    )
