"""Intraday bars: fetched through the provider seam (recordings replayed), stored once with
their provenance, and the session bounds they are read against."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from watchkit import MINUTES, query

from themelens.data.deadline import Deadline
from themelens.data.intraday import (
    IntradayProvider,
    IntradayStore,
    history_to_bars,
    record_intraday,
    replay_intraday,
)
from themelens.errors import InputError, OfflineError, RateLimitedError
from themelens.watch.sessions import session_bounds

NOW = datetime(2025, 11, 20, 6, 5)  # 14:05 in Hong Kong


def test_session_bounds_follow_each_exchange() -> None:
    assert session_bounds("XHKG", datetime(2025, 11, 20).date()) == (
        datetime(2025, 11, 20, 1, 30),
        datetime(2025, 11, 20, 8, 0),
    )
    # New York in winter: 09:30-16:00 EST is 14:30-21:00 UTC
    assert session_bounds("XNYS", datetime(2025, 11, 20).date()) == (
        datetime(2025, 11, 20, 14, 30),
        datetime(2025, 11, 20, 21, 0),
    )
    assert session_bounds("XHKG", datetime(2025, 11, 22).date()) is None  # a Saturday


def test_history_to_bars_keys_bars_on_utc_start_and_local_session() -> None:
    index = pd.DatetimeIndex(
        ["2025-11-20 09:30:00-05:00", "2025-11-20 15:59:00-05:00"], name="Datetime"
    )
    history = pd.DataFrame(
        {"Open": [1.0, 2.0], "High": [1.5, 2.5], "Low": [0.5, 1.5], "Close": [1.2, 2.2],
         "Volume": [10, 20], "Dividends": 0.0, "Stock Splits": 0.0},
        index=index,
    )  # fmt: skip
    bars = history_to_bars(history, "BIDU", "1m")
    assert list(bars["ts"]) == [pd.Timestamp("2025-11-20 14:30"), pd.Timestamp("2025-11-20 20:59")]
    assert list(bars["session"]) == [pd.Timestamp("2025-11-20")] * 2  # not the 21st in UTC


def test_fetch_replays_only_what_the_clock_has_seen() -> None:
    provider = IntradayProvider(fetch=replay_intraday(MINUTES))
    load = provider.fetch_bars(
        ["0981.HK"], start=datetime(2025, 11, 20, 1, 30), end=datetime(2025, 11, 20, 8), now=NOW
    )
    bars = load.bars
    assert load.failures == ()
    assert bars["ts"].min() == pd.Timestamp("2025-11-20 01:30")
    assert bars["ts"].max() == pd.Timestamp("2025-11-20 06:04")  # nothing from after 14:05
    assert len(bars) == 150 + 65  # the morning, and 13:00 to 14:04
    assert set(bars["provider"]) == {"yahoo"}
    assert bars["source"].str.contains("0981.HK").all() and bars["fetched_at"].notna().all()
    # 14:04's close is the recording's 75.55: +7.93% on the 70.00 close of the day before
    assert bars["close"].iat[-1] == pytest.approx(75.55)


def test_a_long_range_is_asked_in_spans_yahoo_accepts() -> None:
    asked: list[tuple[datetime, datetime]] = []
    replay = replay_intraday(MINUTES)

    def fetch(ticker: str, interval: str, start: datetime, end: datetime) -> pd.DataFrame:
        asked.append((start, end))
        return replay(ticker, interval, start, end)

    now = datetime(2025, 11, 21, 9)
    load = IntradayProvider(fetch=fetch).fetch_bars(
        ["0981.HK"], start=now - timedelta(days=60), end=now, now=now
    )
    assert asked[0][0] == now - timedelta(days=29)  # 1m bars go back 30 days at most
    assert all(end - start <= timedelta(days=7) for start, end in asked)
    assert [a[1] for a in asked[:-1]] == [a[0] for a in asked[1:]]  # contiguous
    assert len(load.bars) == 3 * 330  # the three recorded sessions, each bar once


def test_an_unknown_ticker_fails_alone() -> None:
    load = IntradayProvider(fetch=replay_intraday(MINUTES)).fetch_bars(
        ["0981.HK", "NOPE"], start=datetime(2025, 11, 20, 1, 30), end=NOW, now=NOW
    )
    assert set(load.bars["ticker"]) == {"0981.HK"}
    assert [f.item for f in load.failures] == ["NOPE"]


def test_rate_limits_are_retried_then_refused() -> None:
    from yfinance.exceptions import YFRateLimitError

    calls: list[float] = []
    replay = replay_intraday(MINUTES)

    def flaky(ticker: str, interval: str, start: datetime, end: datetime) -> pd.DataFrame:
        if len(calls) < 2:
            calls.append(0.0)
            raise YFRateLimitError()
        return replay(ticker, interval, start, end)

    waits: list[float] = []
    provider = IntradayProvider(fetch=flaky, sleep=waits.append, backoff_s=0.5)
    got = provider.fetch_bars(["0981.HK"], start=datetime(2025, 11, 20, 1, 30), end=NOW, now=NOW)
    assert waits == [0.5, 1.0] and len(got.bars) == 215

    def always(ticker: str, interval: str, start: datetime, end: datetime) -> pd.DataFrame:
        raise YFRateLimitError()

    with pytest.raises(RateLimitedError, match=r"0981\.HK"):
        IntradayProvider(fetch=always, sleep=lambda s: None, retries=1).fetch_bars(
            ["0981.HK"], start=datetime(2025, 11, 20, 1, 30), end=NOW, now=NOW
        )


def test_an_unreachable_yahoo_is_offline() -> None:
    def refused(ticker: str, interval: str, start: datetime, end: datetime) -> pd.DataFrame:
        raise ConnectionError("connection refused")

    with pytest.raises(OfflineError, match="offline"):
        IntradayProvider(fetch=refused, deadline=Deadline(5)).fetch_bars(
            ["0981.HK"], start=datetime(2025, 11, 20, 1, 30), end=NOW, now=NOW
        )


def test_only_1m_and_5m() -> None:
    with pytest.raises(InputError, match="1m, 5m"):
        IntradayProvider(interval="1h")  # type: ignore[arg-type]


def test_the_store_keeps_each_bar_once(tmp_path: Path) -> None:
    store = IntradayStore(tmp_path / "bars.duckdb")
    provider = IntradayProvider(fetch=replay_intraday(MINUTES))
    morning = provider.fetch_bars(
        ["0981.HK"], start=datetime(2025, 11, 20, 1, 30), end=NOW, now=NOW
    ).bars
    assert store.write_bars(morning) == (215, 0)
    assert store.write_bars(morning) == (0, 0)  # again: nothing new, nothing changed
    grown = morning.copy()
    grown.loc[grown.index[-1], "close"] = 75.60  # the minute that was still forming
    assert store.write_bars(grown) == (0, 1)
    read = store.read_bars(["0981.HK"], interval="1m")
    assert len(read) == 215 and read["close"].iat[-1] == pytest.approx(75.60)
    assert read["fetched_at"].notna().all() and set(read["provider"]) == {"yahoo"}
    last = store.last_bar("0981.HK", "1m", start=datetime(2025, 11, 20), end=datetime(2025, 11, 21))
    assert last == datetime(2025, 11, 20, 6, 4)
    assert store.last_bar("0981.HK", "1m", start=datetime(2025, 11, 19), end=datetime(2025, 11, 20)) is None  # fmt: skip
    total, distinct = query(
        store.path, 'SELECT count(*), count(DISTINCT (ticker, "interval", ts)) FROM intraday_bars'
    )[0]
    assert total == distinct == 215


def test_a_bar_without_provenance_is_refused(tmp_path: Path) -> None:
    store = IntradayStore(tmp_path / "bars.duckdb")
    bars = (
        IntradayProvider(fetch=replay_intraday(MINUTES))
        .fetch_bars(["0981.HK"], start=datetime(2025, 11, 20, 1, 30), end=NOW, now=NOW)
        .bars
    )
    with pytest.raises(ValueError, match="provider"):
        store.write_bars(bars.assign(provider=None))
    assert len(store.read_bars()) == 0


def test_a_recording_replays_as_it_was_recorded(tmp_path: Path) -> None:
    source = replay_intraday(MINUTES)
    start, end = datetime(2025, 11, 20, 1, 30), datetime(2025, 11, 20, 8)
    record_intraday(["9988.HK"], tmp_path, interval="1m", start=start, end=end, fetch=source, note="copy")  # fmt: skip
    again = replay_intraday(tmp_path)("9988.HK", "1m", start, end)
    original = source("9988.HK", "1m", start, end)
    pd.testing.assert_frame_equal(again, original, check_freq=False)
    assert str(pd.DatetimeIndex(again.index).tz) == "Asia/Hong_Kong"
