"""The akshare provider: ticker mapping, the calls it makes, and every way a call fails.

Offline throughout: frames come from the synthetic recording in
``tests/recordings/akshare`` (made-up symbols) through the injected fetch, or
from small fetch functions that raise what AkShare's transports raise. The
shared contract (columns, sessions, provenance) is in ``test_providers.py``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from themelens.data.akshare_client import (
    AkshareCall,
    AkshareCallError,
    AkshareClient,
    FetchFn,
    classify_akshare_error,
    record,
    replay_fetch,
)
from themelens.data.calendar import exchange_for_ticker, sessions
from themelens.data.providers import fetch_prices
from themelens.data.providers.akshare import (
    AkshareProvider,
    AkshareSymbol,
    akshare_symbol,
    yahoo_ticker,
)
from themelens.data.refresh import refresh_prices
from themelens.data.store import PriceStore
from themelens.errors import EmptyDataError, OfflineError

RECORDING = Path(__file__).resolve().parents[1] / "recordings" / "akshare"
INDEXES = {"SYNTHIDX.HK": "SYNTHIDX", "SYNTHEM.HK": "SYNTHEM"}
START, END = date(2025, 11, 3), date(2025, 11, 7)


class Calls:
    """A fetch that records every call and then replays it (or raises what it is told to)."""

    def __init__(self, inner: FetchFn, raises: Mapping[str, BaseException] | None = None) -> None:
        self.inner = inner
        self.raises = dict(raises or {})
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
        self.seen.append((function, dict(kwargs)))
        error = self.raises.get(str(kwargs.get("symbol")))
        if error is not None:
            raise error
        return self.inner(function, kwargs)


def _provider(fetch: FetchFn, sleeps: list[float] | None = None) -> AkshareProvider:
    waits = sleeps if sleeps is not None else []
    return AkshareProvider(
        fetch=fetch, index_symbols=INDEXES, synthetic_recording=True,
        min_interval_s=0, sleep=waits.append,
    )  # fmt: skip


def _recorded(name: str) -> pd.DataFrame:
    return pd.read_csv(next(RECORDING.glob(f"{name}__*.csv")), dtype={"股票代码": str})


# --- ticker mapping --------------------------------------------------------


@pytest.mark.parametrize(
    ("ticker", "market", "symbol"),
    [
        ("HSTECH.HK", "index", "HSTECH"),
        ("^HSTECH", "index", "HSTECH"),
        ("^HSI", "index", "HSI"),
        ("^HSCE", "index", "HSCEI"),
        ("0700.HK", "hk", "00700"),
        ("9988.HK", "hk", "09988"),
        ("002371.SZ", "a", "002371"),
        ("688981.SS", "a", "688981"),
    ],
)
def test_tickers_map_to_akshare_symbols(ticker: str, market: str, symbol: str) -> None:
    assert akshare_symbol(ticker) == AkshareSymbol(market, symbol)


@pytest.mark.parametrize("ticker", ["BIDU", "^NDX", "NOSUCH.HK", "70.HKX", "2371.SZ"])
def test_tickers_akshare_does_not_serve_map_to_none(ticker: str) -> None:
    assert akshare_symbol(ticker) is None


@pytest.mark.parametrize(
    "ticker",
    ["HSTECH.HK", "^HSI", "^HSCE", "0700.HK", "9988.HK", "002371.SZ", "688981.SS", "688347.SS"],
)
def test_mapping_round_trips(ticker: str) -> None:
    where = akshare_symbol(ticker)
    assert where is not None
    assert yahoo_ticker(where) == ticker


# --- what is asked and what comes back -------------------------------------


def test_each_market_calls_its_function_with_forward_adjusted_prices() -> None:
    calls = Calls(replay_fetch(RECORDING))
    fetch_prices(_provider(calls), ["0000.HK", "000000.SZ", "SYNTHIDX.HK"], start=START, end=END)
    assert calls.seen == [
        ("stock_hk_hist", {"symbol": "00000", "period": "daily", "adjust": "qfq",
                           "start_date": "20251103", "end_date": "20251107"}),
        ("stock_zh_a_hist", {"symbol": "000000", "period": "daily", "adjust": "qfq",
                             "start_date": "20251103", "end_date": "20251107"}),
        ("stock_hk_index_daily_sina", {"symbol": "SYNTHIDX"}),
    ]  # fmt: skip


def test_frames_are_converted_to_the_contract() -> None:
    batch = fetch_prices(
        _provider(replay_fetch(RECORDING)), ["0000.HK", "000000.SZ"], start=START, end=END
    )
    hk = _recorded("stock_hk_hist").set_index("日期").loc["2025-11-03":"2025-11-07"]
    a = _recorded("stock_zh_a_hist").set_index("日期").loc["2025-11-03":"2025-11-07"]
    got_hk = batch.frame[batch.frame["ticker"] == "0000.HK"].set_index("date")
    got_a = batch.frame[batch.frame["ticker"] == "000000.SZ"].set_index("date")
    assert got_hk["close"].tolist() == hk["收盘"].tolist()
    assert got_hk["high"].tolist() == hk["最高"].tolist()
    assert got_hk["volume"].tolist() == hk["成交量"].astype(float).tolist()
    # A-share volume comes in lots of 100 shares
    assert got_a["volume"].tolist() == (a["成交量"] * 100.0).tolist()
    assert got_a["open"].tolist() == a["开盘"].tolist()
    assert [f"{d:%Y-%m-%d}" for d in got_a.index] == list(a.index)


def test_index_falls_back_from_sina_to_eastmoney() -> None:
    calls = Calls(replay_fetch(RECORDING))
    batch = fetch_prices(_provider(calls), ["SYNTHEM.HK"], start=START, end=END)
    assert [f for f, _ in calls.seen] == ["stock_hk_index_daily_sina", "stock_hk_index_daily_em"]
    em = _recorded("stock_hk_index_daily_em").set_index("date").loc["2025-11-03":"2025-11-07"]
    assert batch.frame["close"].tolist() == em["latest"].tolist()
    assert batch.frame["volume"].isna().all()  # Eastmoney's index series has no volume
    assert (
        batch.frame["source"]
        .iloc[0]
        .startswith("akshare stock_hk_index_daily_em(symbol='SYNTHEM')")
    )
    assert batch.frame["source"].iloc[0].endswith("[synthetic recording]")


def _unreachable(host: str) -> requests.ConnectionError:
    return requests.ConnectionError(
        f"HTTPSConnectionPool(host='{host}', port=443): Max retries exceeded"
        f" (Caused by NameResolutionError(\"Failed to resolve '{host}'\"))"
    )


def _blocking(hosts: Mapping[str, str]) -> FetchFn:
    """Replay, but the functions in ``hosts`` fail as if their host could not be reached."""
    inner = replay_fetch(RECORDING)

    def fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
        if function in hosts:
            raise _unreachable(hosts[function])
        return inner(function, kwargs)

    return fetch


def test_index_falls_back_to_eastmoney_when_sina_is_unreachable() -> None:
    fetch = _blocking({"stock_hk_index_daily_sina": "finance.sina.com.cn"})
    batch = fetch_prices(_provider(fetch), ["SYNTHIDX.HK", "0000.HK"], start=START, end=END)
    # SYNTHIDX is recorded for Sina only, so Eastmoney's answer is "no data": a failure naming
    # both calls, and the batch goes on to the Hong Kong share
    (failure,) = batch.failures
    assert "stock_hk_index_daily_em(symbol='SYNTHIDX')" in failure.reason
    assert "cannot reach finance.sina.com.cn" in failure.reason
    assert batch.tickers == ("0000.HK",)
    em_only = fetch_prices(_provider(fetch), ["SYNTHEM.HK"], start=START, end=END)
    assert set(em_only.frame["source"].str.split("(").str[0]) == {"akshare stock_hk_index_daily_em"}  # fmt: skip


def test_index_with_both_hosts_unreachable_is_offline() -> None:
    fetch = _blocking({"stock_hk_index_daily_sina": "finance.sina.com.cn",
                       "stock_hk_index_daily_em": "push2his.eastmoney.com"})  # fmt: skip
    with pytest.raises(OfflineError, match=r"cannot reach push2his\.eastmoney\.com"):
        fetch_prices(_provider(fetch), ["SYNTHEM.HK"], start=START, end=END)


def test_sources_name_the_call() -> None:
    batch = fetch_prices(_provider(replay_fetch(RECORDING)), ["0000.HK"], start=START, end=END)
    assert set(batch.frame["source"]) == {
        "akshare stock_hk_hist(symbol='00000', period='daily', adjust='qfq') [synthetic recording]"
    }
    assert set(batch.frame["provider"]) == {"akshare"}


# --- bad input ---------------------------------------------------------------


def test_unknown_symbol_names_function_and_symbol_and_the_batch_goes_on() -> None:
    batch = fetch_prices(
        _provider(replay_fetch(RECORDING)), ["99999.HK", "0000.HK"], start=START, end=END
    )
    assert batch.tickers == ("0000.HK",)
    (failure,) = batch.failures
    assert failure.item == "99999.HK"
    assert "stock_hk_hist(symbol='99999'" in failure.reason
    assert "no data for this symbol (TypeError" in failure.reason


def test_unknown_symbol_alone_is_empty_data() -> None:
    with pytest.raises(EmptyDataError, match=r"stock_hk_hist\(symbol='99999'") as info:
        fetch_prices(_provider(replay_fetch(RECORDING)), ["99999.HK"])
    assert info.value.provider == "akshare"
    assert "\n" not in str(info.value)


def test_a_ticker_akshare_does_not_serve_is_a_failure() -> None:
    batch = fetch_prices(
        _provider(replay_fetch(RECORDING)), ["BIDU", "0000.HK"], start=START, end=END
    )
    assert [f.item for f in batch.failures] == ["BIDU"]
    assert "A-shares" in batch.failures[0].reason


def _renamed(inner: FetchFn) -> FetchFn:
    def fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
        frame = inner(function, kwargs)
        if kwargs.get("symbol") == "000000":
            frame = frame.rename(columns={"收盘": "close_price"})
        return frame

    return fetch


def test_renamed_columns_name_the_function_and_the_expected_columns() -> None:
    batch = fetch_prices(
        _provider(_renamed(replay_fetch(RECORDING))), ["000000.SZ", "0000.HK"], start=START, end=END
    )
    assert batch.tickers == ("0000.HK",)
    reason = batch.failures[0].reason
    assert reason.startswith("akshare stock_zh_a_hist(symbol='000000'")
    assert "expected columns 日期, 开盘, 收盘, 最高, 最低, 成交量 but 收盘 missing" in reason
    assert "close_price" in reason


def test_empty_frame_is_a_failure_naming_function_and_symbol() -> None:
    def empty(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
        return pd.DataFrame()

    with pytest.raises(
        EmptyDataError, match=r"akshare stock_zh_a_hist\(symbol='002371'.*empty frame"
    ):
        fetch_prices(_provider(empty), ["002371.SZ"])


def test_timeout_mid_batch_is_retried_with_backoff_then_skipped() -> None:
    sleeps: list[float] = []
    calls = Calls(replay_fetch(RECORDING), raises={"000000": requests.Timeout("read timed out")})
    batch = fetch_prices(
        _provider(calls, sleeps), ["0000.HK", "000000.SZ", "SYNTHIDX.HK"], start=START, end=END
    )
    assert batch.tickers == ("0000.HK", "SYNTHIDX.HK")
    (failure,) = batch.failures
    assert failure.item == "000000.SZ"
    assert "stock_zh_a_hist(symbol='000000'" in failure.reason
    assert "gave up after 3 retries" in failure.reason
    assert sleeps == [2.0, 4.0, 8.0]
    assert [f for f, _ in calls.seen].count("stock_zh_a_hist") == 4


def _http_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(f"{status} Client Error", response=response)


def test_a_ban_mid_batch_is_retried_then_reported_and_the_rest_fetched() -> None:
    sleeps: list[float] = []
    calls = Calls(replay_fetch(RECORDING), raises={"00000": _http_error(403)})
    batch = fetch_prices(_provider(calls, sleeps), ["0000.HK", "000000.SZ"], start=START, end=END)
    assert batch.tickers == ("000000.SZ",)
    assert "refused with HTTP 403 (throttled or banned)" in batch.failures[0].reason
    assert len(sleeps) == 3


def test_a_transient_failure_that_clears_is_invisible() -> None:
    flaky = {"left": 2}
    inner = replay_fetch(RECORDING)

    def fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
        if flaky["left"]:
            flaky["left"] -= 1
            raise ConnectionResetError("connection reset by peer")
        return inner(function, kwargs)

    sleeps: list[float] = []
    batch = fetch_prices(_provider(fetch, sleeps), ["0000.HK"], start=START, end=END)
    assert batch.tickers == ("0000.HK",) and not batch.failures
    assert sleeps == [2.0, 4.0]


def test_offline_raises_offline_error() -> None:
    offline = requests.ConnectionError(
        "HTTPSConnectionPool(host='push2his.eastmoney.com', port=443): Max retries exceeded"
        " (Caused by NameResolutionError(\"Failed to resolve 'push2his.eastmoney.com'\"))"
    )
    calls = Calls(replay_fetch(RECORDING), raises={"00000": offline})
    with pytest.raises(
        OfflineError,
        match=r"^akshare: 0000.HK: cannot reach push2his.eastmoney.com \(offline\?\) for"
        r" akshare stock_hk_hist\(symbol='00000'",
    ):
        fetch_prices(_provider(calls), ["0000.HK", "000000.SZ"], start=START, end=END)


def test_offline_through_curl_names_the_host() -> None:
    from curl_cffi.requests.exceptions import DNSError

    dns = DNSError(
        "Failed to perform, curl: (6) Could not resolve host: finance.baidu.com.", code=6
    )  # type: ignore[arg-type]
    client = AkshareClient(
        min_interval_s=0, fetch=Calls(replay_fetch(RECORDING), raises={"x": dns})
    )
    with pytest.raises(OfflineError, match=r"cannot reach finance\.baidu\.com \(offline\?\)"):
        client.call(AkshareCall("stock_hk_valuation_baidu", {"symbol": "x"}, "X.HK"))


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (socket.gaierror("Name or service not known"), "offline"),
        (requests.ConnectionError("Failed to resolve 'x'"), "offline"),
        (requests.ConnectionError("Connection aborted. RemoteDisconnected"), "transient"),
        (requests.Timeout("read timed out"), "transient"),
        (TimeoutError("timed out"), "transient"),
        (_http_error(429), "transient"),
        (_http_error(456), "transient"),
        (_http_error(502), "transient"),
        (_http_error(404), "no_data"),
        (KeyError("klines"), "no_data"),
        (TypeError("'NoneType' object is not subscriptable"), "no_data"),
    ],
)
def test_errors_are_classified(error: BaseException, kind: str) -> None:
    assert classify_akshare_error(error)[0] == kind


def test_curl_errors_are_classified() -> None:
    from curl_cffi.requests.exceptions import DNSError, Timeout

    assert classify_akshare_error(DNSError("Could not resolve host", code=6))[0] == "offline"  # type: ignore[arg-type]
    assert classify_akshare_error(Timeout("Operation timed out", code=28))[0] == "transient"  # type: ignore[arg-type]


# --- throttling ------------------------------------------------------------


def test_calls_are_spaced_by_the_minimum_interval() -> None:
    now = {"t": 100.0}
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now["t"] += seconds

    def fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
        now["t"] += 0.1  # each call takes 0.1 s
        return replay_fetch(RECORDING)(function, kwargs)

    client = AkshareClient(min_interval_s=0.5, fetch=fetch, sleep=sleep, clock=lambda: now["t"])
    provider = AkshareProvider(client=client, index_symbols=INDEXES)
    fetch_prices(provider, ["0000.HK", "000000.SZ", "SYNTHIDX.HK"], start=START, end=END)
    assert sleeps == pytest.approx([0.4, 0.4])


def test_negative_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        AkshareClient(min_interval_s=-1)
    with pytest.raises(ValueError, match="timeout_s must be positive"):
        AkshareClient(timeout_s=0)


def test_a_call_that_never_answers_times_out_is_retried_and_the_batch_goes_on() -> None:
    """AkShare sets no time-out on most requests; the client's deadline stops a hung call."""
    released = threading.Event()
    inner = replay_fetch(RECORDING)
    hung: list[str] = []

    def fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
        if kwargs.get("symbol") == "00000":
            hung.append(function)
            released.wait(30)  # a server that accepted the connection and went quiet
        return inner(function, kwargs)

    sleeps: list[float] = []
    provider = AkshareProvider(
        fetch=fetch, index_symbols=INDEXES, min_interval_s=0, timeout_s=0.05, sleep=sleeps.append
    )
    started = time.monotonic()
    try:
        batch = fetch_prices(provider, ["0000.HK", "000000.SZ"], start=START, end=END)
    finally:
        released.set()
    assert time.monotonic() - started < 10
    assert batch.tickers == ("000000.SZ",)
    (failure,) = batch.failures
    assert failure.item == "0000.HK"
    assert "akshare stock_hk_hist(symbol='00000'" in failure.reason
    assert "TimeoutError: no answer within 0.05 s; gave up after 3 retries" in failure.reason
    assert hung == ["stock_hk_hist"] * 4 and sleeps == [2.0, 4.0, 8.0]


def test_the_deadline_passes_answers_and_errors_through_unchanged() -> None:
    client = AkshareClient(min_interval_s=0, timeout_s=5, fetch=replay_fetch(RECORDING))
    call = AkshareCall("stock_hk_hist", {"symbol": "00000", "period": "daily", "adjust": "qfq"})
    pd.testing.assert_frame_equal(
        client.call(call), replay_fetch(RECORDING)(call.function, call.kwargs)
    )
    with pytest.raises(AkshareCallError, match=r"no data for this symbol \(ReplayError"):
        client.call(AkshareCall("stock_hk_hist", {"symbol": "12345"}))


# --- the cache: nothing half-written --------------------------------------


def test_a_failing_symbol_mid_batch_leaves_the_cache_whole(tmp_path: Path) -> None:
    store = PriceStore(tmp_path / "cache.duckdb")
    provider = _provider(_renamed(replay_fetch(RECORDING)))
    result = refresh_prices(
        store, provider, ["0000.HK", "000000.SZ", "SYNTHIDX.HK"], start=START, end=END
    )
    assert [f.item for f in result.failures] == ["000000.SZ"]
    cached = store.read_prices(["0000.HK", "000000.SZ", "SYNTHIDX.HK"], provider="akshare")
    assert sorted(cached["ticker"].unique()) == ["0000.HK", "SYNTHIDX.HK"]
    assert cached.groupby("ticker").size().tolist() == [5, 5]
    log = store.read_fetch_log(provider="akshare")
    failed = log[log["status"] == "failed"]
    assert failed["ticker"].tolist() == ["000000.SZ"]
    assert "stock_zh_a_hist(symbol='000000'" in failed["message"].iloc[0]
    again = refresh_prices(
        store, _provider(replay_fetch(RECORDING)), ["000000.SZ"], start=START, end=END
    )
    assert again.rows_inserted == 5
    assert len(store.read_prices(["0000.HK", "SYNTHIDX.HK"], provider="akshare")) == 10


def test_offline_mid_batch_keeps_what_was_written(tmp_path: Path) -> None:
    store = PriceStore(tmp_path / "cache.duckdb")
    offline = requests.ConnectionError("Failed to resolve 'push2his.eastmoney.com'")
    calls = Calls(replay_fetch(RECORDING), raises={"000000": offline})
    with pytest.raises(OfflineError):
        refresh_prices(
            store, _provider(calls), ["0000.HK", "000000.SZ", "SYNTHIDX.HK"], start=START, end=END
        )
    cached = store.read_prices(["0000.HK", "000000.SZ", "SYNTHIDX.HK"], provider="akshare")
    assert sorted(cached["ticker"].unique()) == ["0000.HK"]


# --- record and replay ---------------------------------------------------------


def test_record_then_replay_gives_back_the_same_frames(tmp_path: Path) -> None:
    original = replay_fetch(RECORDING)
    calls = [("stock_zh_a_hist", {"symbol": "000000", "period": "daily", "adjust": "qfq"}),
             ("stock_hk_hist", {"symbol": "99999", "period": "daily", "adjust": "qfq"})]  # fmt: skip
    record(calls, tmp_path, fetch=original, synthetic=True, note="copy")
    again = replay_fetch(tmp_path)
    pd.testing.assert_frame_equal(again(*calls[0]), original(*calls[0]))
    with pytest.raises(TypeError, match="not subscriptable"):
        again(*calls[1])


def test_replay_cuts_to_the_range_and_refuses_unknown_calls() -> None:
    fetch = replay_fetch(RECORDING)
    kwargs = {"symbol": "000000", "period": "daily", "adjust": "qfq"}
    week = fetch("stock_zh_a_hist", {**kwargs, "start_date": "20251103", "end_date": "20251107"})
    assert week["日期"].tolist() == [f"2025-11-0{d}" for d in range(3, 8)]
    assert week["股票代码"].tolist() == ["000000"] * 5  # codes keep their leading zeros
    with pytest.raises(LookupError, match="not in the recording"):
        fetch("stock_zh_a_hist", {**kwargs, "symbol": "123456"})


def test_call_error_message_names_function_and_arguments() -> None:
    call = AkshareCall("stock_zh_a_hist", {"symbol": "002371", "start_date": "20250101"}, "002371")
    assert str(AkshareCallError(call, "why")) == "akshare stock_zh_a_hist(symbol='002371'): why"


# --- live ------------------------------------------------------------------------


@pytest.mark.network
def test_live_akshare_smoke(resolves: Callable[[str], bool]) -> None:
    if not resolves("push2his.eastmoney.com"):
        pytest.skip("offline: cannot resolve push2his.eastmoney.com")
    wanted = ["0700.HK", "002371.SZ", "HSTECH.HK"]
    batch = fetch_prices(AkshareProvider(), wanted, start=date(2025, 9, 15), end=date(2025, 9, 19))
    assert set(batch.tickers) == set(wanted), batch.failures
    assert (batch.frame["close"] > 0).all()
    for ticker, part in batch.frame.groupby("ticker"):
        expected = sessions(exchange_for_ticker(str(ticker)), "2025-09-15", "2025-09-19")
        assert pd.DatetimeIndex(part["date"]).equals(expected), ticker
