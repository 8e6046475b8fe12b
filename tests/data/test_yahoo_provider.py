"""The yahoo provider, exercised through its fetch seam: retries, error mapping, replay."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pandas as pd
import pytest
from curl_cffi.requests import exceptions as curl_exc
from yfinance.exceptions import YFPricesMissingError, YFRateLimitError, YFTzMissingError

from themelens.data.calendar import sessions
from themelens.data.providers import CsvProvider, YahooProvider, fetch_prices
from themelens.data.providers.yahoo import (
    FetchFn,
    history_to_long,
    record,
    replay_fetch,
    yfinance_fetch,
)
from themelens.errors import EmptyDataError, OfflineError, RateLimitedError

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings" / "yahoo"


def history(days: list[str], tz: str, closes: list[float]) -> pd.DataFrame:
    """A frame shaped like ``Ticker.history(interval="1d", actions=True, auto_adjust=True)``."""
    index = pd.DatetimeIndex(pd.to_datetime(days)).tz_localize(tz).rename("Date")
    return pd.DataFrame(
        {
            "Open": closes,
            "High": [c * 1.01 for c in closes],
            "Low": [c * 0.99 for c in closes],
            "Close": closes,
            "Volume": [1000] * len(closes),
            "Dividends": 0.0,
            "Stock Splits": 0.0,
        },
        index=index,
    )


HK = history(["2025-09-16", "2025-09-17"], "Asia/Hong_Kong", [113.2, 131.0])


class Script:
    """A fetch that plays a script: exceptions to raise, in order, then a frame."""

    def __init__(self, *steps: BaseException | pd.DataFrame) -> None:
        self.steps = list(steps)
        self.calls: list[tuple[str, date | None, date | None]] = []

    def __call__(self, ticker: str, start: date | None, end: date | None) -> pd.DataFrame:
        self.calls.append((ticker, start, end))
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, BaseException):
            raise step
        return step


def provider(fetch: FetchFn, **options: Any) -> tuple[YahooProvider, list[float]]:
    delays: list[float] = []
    return YahooProvider(fetch=fetch, sleep=delays.append, **options), delays


# --- wide to long --------------------------------------------------------------


def test_session_date_is_the_local_date() -> None:
    long = history_to_long(HK, "9888.HK")
    # 2025-09-17 00:00+08:00 is 2025-09-16 16:00 UTC; the session is the 17th
    assert [f"{d:%Y-%m-%d}" for d in long["date"]] == ["2025-09-16", "2025-09-17"]
    assert list(long.columns) == ["date", "ticker", "open", "high", "low", "close", "volume"]
    assert long["volume"].dtype == "float64"


def test_mixed_dst_offsets_keep_their_dates() -> None:
    us = history(["2025-10-31", "2025-11-03"], "America/New_York", [1.0, 2.0])
    hours = sorted(t.utcoffset().total_seconds() / 3600 for t in us.index)
    assert hours == [-5.0, -4.0]  # EDT on the 31st, EST after 2 November
    assert [f"{d:%Y-%m-%d}" for d in history_to_long(us, "^IXIC")["date"]] == [
        "2025-10-31",
        "2025-11-03",
    ]


def test_a_session_sent_twice_keeps_the_last_row() -> None:
    twice = history(["2025-09-17", "2025-09-17"], "Asia/Hong_Kong", [130.0, 131.0])
    twice.index = twice.index + pd.to_timedelta([0, 16 * 3600], unit="s")  # a live bar at 16:00
    long = history_to_long(twice, "9888.HK")
    assert long["close"].tolist() == [131.0]


# --- retries and error mapping ---------------------------------------------------


def test_rate_limit_is_retried_with_exponential_backoff() -> None:
    fetch = Script(YFRateLimitError(), YFRateLimitError(), HK)
    yahoo, delays = provider(fetch, retries=4, backoff_s=1.5)
    batch = fetch_prices(yahoo, ["9888.HK"])
    assert delays == [1.5, 3.0]
    assert len(fetch.calls) == 3
    assert batch.frame["close"].tolist() == [113.2, 131.0]


def test_rate_limit_after_the_last_retry_raises() -> None:
    fetch = Script(YFRateLimitError())
    yahoo, delays = provider(fetch, retries=3, backoff_s=0.5)
    with pytest.raises(RateLimitedError) as info:
        fetch_prices(yahoo, ["9888.HK", "0700.HK"])
    assert delays == [0.5, 1.0, 2.0]
    assert len(fetch.calls) == 4  # one try and three retries, then no further tickers
    assert isinstance(info.value.__cause__, YFRateLimitError)
    assert info.value.ticker == "9888.HK"
    assert "after 3 retries" in str(info.value)


def test_http_429_from_the_transport_counts_as_a_rate_limit() -> None:
    too_many = curl_exc.HTTPError("HTTP Error 429", response=SimpleNamespace(status_code=429))
    yahoo, delays = provider(Script(too_many, HK), backoff_s=2.0)
    assert len(fetch_prices(yahoo, ["9888.HK"]).frame) == 2
    assert delays == [2.0]


@pytest.mark.parametrize(
    "error",
    [
        curl_exc.DNSError(
            "Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com"
        ),
        curl_exc.ConnectionError("Failed to perform, curl: (7) Couldn't connect to server"),
        curl_exc.Timeout("Failed to perform, curl: (28) Operation timed out"),
        socket.gaierror(-3, "Temporary failure in name resolution"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_connection_failure_is_offline_without_retrying(error: BaseException) -> None:
    yahoo, delays = provider(Script(error))
    with pytest.raises(OfflineError) as info:
        fetch_prices(yahoo, ["9888.HK"])
    assert "cannot reach Yahoo Finance (offline?)" in str(info.value)
    assert info.value.__cause__ is error
    assert delays == []


def test_requests_connection_error_is_offline_too() -> None:
    requests = pytest.importorskip("requests")  # yfinance's fallback transport
    yahoo, _ = provider(Script(requests.ConnectionError("Max retries exceeded")))
    with pytest.raises(OfflineError):
        fetch_prices(yahoo, ["9888.HK"])


def test_unknown_ticker_is_a_failure_and_the_batch_goes_on() -> None:
    def fetch(ticker: str, start: date | None, end: date | None) -> pd.DataFrame:
        if ticker == "NOPE.HK":
            raise YFTzMissingError(ticker)
        return HK

    batch = fetch_prices(YahooProvider(fetch=fetch, sleep=lambda s: None), ["NOPE.HK", "9888.HK"])
    assert batch.tickers == ("9888.HK",)
    (failure,) = batch.failures
    assert failure.item == "NOPE.HK"
    assert "no timezone found" in failure.reason


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (YFPricesMissingError("X", "(1d 2025-01-01 -> 2025-01-02)"), "no price data found"),
        (pd.DataFrame(), "returned no rows"),
        (
            curl_exc.HTTPError("HTTP Error 404", response=SimpleNamespace(status_code=404)),
            "HTTP 404",
        ),
    ],
    ids=["prices-missing", "empty-frame", "http-404"],
)
def test_no_data_for_a_single_ticker_raises_empty_data(answer: Any, fragment: str) -> None:
    yahoo, delays = provider(Script(answer))
    with pytest.raises(EmptyDataError) as info:
        fetch_prices(yahoo, ["X"])
    assert info.value.provider == "yahoo"
    assert info.value.ticker == "X"
    assert fragment in str(info.value)
    assert delays == []


def test_an_error_that_is_not_yfinance_or_transport_propagates() -> None:
    # a bug must not be disguised as "no data"
    yahoo, _ = provider(Script(KeyError("instrumentType")))
    with pytest.raises(KeyError):
        fetch_prices(yahoo, ["X"])


def test_range_reaches_the_fetch_and_cuts_the_frame() -> None:
    fetch = Script(HK)
    yahoo, _ = provider(fetch)
    frame = fetch_prices(yahoo, ["9888.hk"], start=date(2025, 9, 17), end=date(2025, 9, 17)).frame
    assert fetch.calls == [("9888.HK", date(2025, 9, 17), date(2025, 9, 17))]
    assert frame["close"].tolist() == [131.0]


# --- the default fetch's options --------------------------------------------------


class FakeTicker:
    """Stands in for ``yfinance.Ticker`` to capture what ``yfinance_fetch`` asks for."""

    seen: ClassVar[dict[str, Any]] = {}

    def __init__(self, ticker: str) -> None:
        self.ticker = ticker

    def history(self, **options: Any) -> pd.DataFrame:
        import yfinance as yf

        FakeTicker.seen = {**options, "hide_exceptions": yf.config.debug.hide_exceptions}
        return HK


def test_default_fetch_sets_every_option_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    import inspect

    import yfinance as yf
    from yfinance.scrapers.history import PriceHistory

    monkeypatch.setattr(yf, "Ticker", FakeTicker)
    yfinance_fetch("9888.HK", date(2025, 9, 1), date(2025, 9, 17))
    seen = dict(FakeTicker.seen)
    assert seen.pop("hide_exceptions") is False  # errors raised during the call ...
    assert yf.config.debug.hide_exceptions is True  # ... and yfinance's default restored after
    assert seen["end"] == date(2025, 9, 18)  # yfinance's end is exclusive
    assert (
        seen["period"],
        seen["interval"],
        seen["auto_adjust"],
        seen["actions"],
        seen["repair"],
    ) == (
        None,
        "1d",
        True,
        True,
        False,
    )
    assert "raise_errors" not in seen  # deprecated in yfinance 1.x, warns, and misses the tz lookup
    # every option we pass exists in the installed yfinance
    inspect.signature(PriceHistory.history).bind(None, **seen)

    yfinance_fetch("9888.HK", None, None)
    assert (FakeTicker.seen["period"], FakeTicker.seen["start"], FakeTicker.seen["end"]) == (
        "max",
        None,
        None,
    )


# --- record and replay ---------------------------------------------------------------


def test_record_then_replay_gives_back_the_same_frame(tmp_path: Path) -> None:
    frames = {
        "9888.HK": HK,
        "^IXIC": history(["2025-10-31", "2025-11-03"], "America/New_York", [1.0, 2.0]),
    }
    meta_path = record(list(frames), tmp_path, fetch=lambda t, s, e: frames[t], note="test")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["tickers"]["^IXIC"] == {
        "tz": "America/New_York",
        "rows": 2,
        "first": "2025-10-31",
        "last": "2025-11-03",
    }
    assert meta["synthetic"] is False
    replay = replay_fetch(tmp_path)
    for ticker, frame in frames.items():
        pd.testing.assert_frame_equal(replay(ticker, None, None), frame, check_freq=False)
    with pytest.raises(YFTzMissingError):
        replay("NOPE", None, None)
    with pytest.raises(YFPricesMissingError):
        replay("9888.HK", date(2030, 1, 1), None)


def test_the_committed_recording_is_labelled_synthetic() -> None:
    meta = json.loads((RECORDINGS / "meta.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True
    assert "SYNTHETIC" in meta["note"]
    assert sorted(meta["tickers"]) == sorted(p.stem for p in RECORDINGS.glob("*.csv"))


def test_replayed_recording_lands_on_exchange_sessions() -> None:
    yahoo, _ = provider(replay_fetch(RECORDINGS))
    frame = fetch_prices(yahoo, ["SYNTH.HK", "^SYNTH"]).frame
    for ticker, exchange in (("SYNTH.HK", "XHKG"), ("^SYNTH", "XNYS")):
        dates = pd.DatetimeIndex(frame.loc[frame["ticker"] == ticker, "date"])
        assert dates.equals(sessions(exchange, dates.min(), dates.max()))
    # the US file crosses the end of daylight saving and keeps every date
    ixic = (RECORDINGS / "^SYNTH.csv").read_text(encoding="utf-8")
    assert "-04:00" in ixic
    assert "-05:00" in ixic


def test_replay_of_the_real_yfinance_files(shared_prices_dir: Path) -> None:
    # ../shared/data/prices is genuine yfinance history() output: replay it through our seam
    yahoo, _ = provider(replay_fetch(shared_prices_dir))
    frame = fetch_prices(yahoo, ["9888.HK", "^IXIC"], start=date(2024, 1, 1)).frame
    baidu = frame[frame["ticker"] == "9888.HK"].set_index("date")["close"]
    assert baidu.loc["2025-09-17"] == pytest.approx(131.0, abs=1e-6)
    # and it agrees with the csv provider reading the same files
    csv = fetch_prices(
        CsvProvider(shared_prices_dir), ["9888.HK", "^IXIC"], start=date(2024, 1, 1)
    ).frame
    cols = ["date", "ticker", "open", "high", "low", "close", "volume"]
    pd.testing.assert_frame_equal(frame[cols], csv[cols])


# --- live ---------------------------------------------------------------------------------


YAHOO_HOST = "query2.finance.yahoo.com"


@pytest.mark.network
def test_live_yahoo_smoke(resolves: Callable[[str], bool]) -> None:
    if not resolves(YAHOO_HOST):
        pytest.skip("offline: cannot resolve query2.finance.yahoo.com")
    frame = fetch_prices(
        YahooProvider(), ["0700.HK"], start=date(2025, 9, 15), end=date(2025, 9, 19)
    ).frame
    assert pd.DatetimeIndex(frame["date"]).equals(sessions("XHKG", "2025-09-15", "2025-09-19"))
    assert (frame["close"] > 0).all()


@pytest.mark.network
def test_offline_yfinance_raises_offline_error_not_delisted(
    resolves: Callable[[str], bool],
) -> None:
    # the real yfinance + curl_cffi path: without our switch it would say "possibly delisted"
    if resolves(YAHOO_HOST):
        pytest.skip("online: this checks the offline path")
    with pytest.raises(OfflineError, match=r"cannot reach Yahoo Finance \(offline\?\)"):
        fetch_prices(YahooProvider(), ["0700.HK"], start=date(2025, 9, 15), end=date(2025, 9, 19))
