"""Exchange sessions and as-of resolution (themelens.data.calendar)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
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


# --- the session days read from the user's cache ------------------------------------------


def test_cached_session_days_answer_as_exchange_calendars_does() -> None:
    """Every date from 2000 to the calendar's end, each way the module asks a calendar."""
    from themelens.data import calendar as module

    for exchange in ("XHKG", "XNYS", "XSHG"):
        module._session_days.cache_clear()
        days = module._session_days(exchange)  # built, then written to the cache
        module._session_days.cache_clear()
        again = module._session_days(exchange)  # read back from the file
        cal = module._calendar(exchange)
        assert (again.days == days.days).all()
        assert again.first_session == cal.first_session
        assert again.last_session == cal.last_session
        probe = pd.date_range(cal.first_session, cal.last_session, freq="D")[::3]
        with module._quiet():
            want = [bool(cal.is_session(ts)) for ts in probe]
            prev = [cal.date_to_session(ts, direction="previous") for ts in probe]
        assert [again.is_session(ts) for ts in probe] == want
        assert [again.previous(ts) for ts in probe] == prev
        lo, hi = pd.Timestamp("2020-02-01"), pd.Timestamp("2021-03-31")
        assert again.between(lo, hi).equals(pd.DatetimeIndex(cal.sessions_in_range(lo, hi)))


def test_a_corrupt_cache_file_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from themelens.data import calendar as module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    module._session_days.cache_clear()
    good = module._session_days("XHKG").days
    (found,) = (tmp_path / "themelens" / "calendars").glob("XHKG-*.npy")
    found.write_bytes(b"not numpy")
    module._session_days.cache_clear()
    assert (module._session_days("XHKG").days == good).all()
    assert (np.load(found) == good).all()  # written again, whole
    module._session_days.cache_clear()


def test_dates_need_no_exchange_calendars_import_once_cached(tmp_path: Path) -> None:
    """A second process resolves sessions from the cache file without building a calendar."""
    code = (
        "import sys; from themelens.data.calendar import resolve_session, sessions; "
        "r = resolve_session('XHKG', '2025-09-20'); n = len(sessions('XNYS', '2025-01-01', "
        "'2025-12-31')); print(r.session, n, 'exchange_calendars' in sys.modules)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["2025-09-19", "250", "True"]
    assert second.stdout.split() == ["2025-09-19", "250", "False"]
