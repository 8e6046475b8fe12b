"""Exchange sessions and as-of resolution (themelens.data.calendar)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from themelens.data.calendar import exchange_for_ticker, resolve_session, sessions
from themelens.errors import AsofError


@pytest.mark.parametrize(
    ("ticker", "exchange"),
    [
        ("9888.HK", "XHKG"),
        ("HSTECH.HK", "XHKG"),
        ("688981.SS", "XSHG"),
        ("002371.sz", "XSHE"),
        ("BABA", "XNYS"),
        ("^IXIC", "XNYS"),
    ],
)
def test_exchange_for_ticker(ticker: str, exchange: str) -> None:
    assert exchange_for_ticker(ticker) == exchange


def test_sessions_are_naive_dates_without_weekends_or_holidays() -> None:
    days = sessions("XHKG", "2025-09-26", "2025-10-08")
    assert days.tz is None
    assert pd.Timestamp("2025-10-01") not in days  # National Day
    assert pd.Timestamp("2025-10-07") not in days  # day after Mid-Autumn
    assert all(d.day_of_week < 5 for d in days)
    assert list(days[:3]) == [pd.Timestamp(d) for d in ("2025-09-26", "2025-09-29", "2025-09-30")]


def test_xshe_uses_the_shanghai_calendar() -> None:
    # exchange_calendars ships XSHG only; Shenzhen keeps the same holidays
    she = sessions("XSHE", "2025-01-01", "2025-12-31")
    assert she.equals(sessions("XSHG", "2025-01-01", "2025-12-31"))
    assert pd.Timestamp("2025-10-03") not in she  # Golden Week
    assert resolve_session("XSHE", "2025-10-03").session == date(2025, 9, 30)


def test_sessions_are_clipped_to_the_calendar_bounds() -> None:
    days = sessions("XNYS", "1990-01-01", "2000-01-10")
    assert days[0] >= pd.Timestamp("2000-01-01")
    assert sessions("XNYS", "1990-01-01", "1990-02-01").empty


def test_a_session_resolves_to_itself_without_a_note() -> None:
    res = resolve_session("XHKG", "2025-09-17")
    assert res.session == res.requested == date(2025, 9, 17)
    assert res.note is None


def test_a_weekend_resolves_to_friday_and_says_so() -> None:
    res = resolve_session("XHKG", date(2025, 9, 20))
    assert res.session == date(2025, 9, 19)
    assert res.note is not None
    assert "weekend" in res.note
    assert "2025-09-19" in res.note


@pytest.mark.parametrize(
    ("exchange", "day", "previous"),
    [
        ("XHKG", "2025-10-01", date(2025, 9, 30)),
        ("XNYS", "2025-07-04", date(2025, 7, 3)),
        ("XSHG", "2025-10-08", date(2025, 9, 30)),
    ],
)
def test_a_holiday_resolves_to_the_previous_session(
    exchange: str, day: str, previous: date
) -> None:
    res = resolve_session(exchange, day)
    assert res.session == previous
    assert res.note is not None
    assert "holiday" in res.note
    assert str(previous) in res.note


def test_a_date_before_the_calendar_is_an_error() -> None:
    with pytest.raises(AsofError, match="before the XNYS calendar starts"):
        resolve_session("XNYS", "1999-12-31")


def test_a_date_beyond_the_calendar_uses_its_last_session() -> None:
    res = resolve_session("XSHG", "2031-06-02")
    assert res.session < date(2031, 6, 2)
    assert res.note is not None
    assert "beyond" in res.note


def test_an_unknown_exchange_is_an_error() -> None:
    with pytest.raises(AsofError, match="unknown exchange 'XLON'"):
        sessions("XLON", "2025-01-01", "2025-01-31")
