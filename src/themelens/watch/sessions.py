"""Exchange sessions as the watch needs them: when a session opens and closes, in UTC."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from themelens.data.calendar import _calendar, _quiet

__all__ = ["session_bounds"]


def session_bounds(exchange: str, day: date) -> tuple[datetime, datetime] | None:
    """The open and close (naive UTC) of ``exchange``'s session on ``day``; None if it has none.

    Hong Kong's lunch break lies inside; bars simply have none there.
    """
    cal = _calendar(exchange)
    ts = pd.Timestamp(day)
    if not cal.first_session <= ts <= cal.last_session:
        return None
    with _quiet():
        if not cal.is_session(ts):
            return None
        opens, closes = cal.session_open(ts), cal.session_close(ts)
    return _naive(opens), _naive(closes)


def _naive(value: pd.Timestamp) -> datetime:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.to_pydatetime()
