"""The ``yahoo`` provider: daily bars from Yahoo Finance through yfinance.

The only place yfinance is called is ``yfinance_fetch``; everything else works
on what it returns (``Ticker.history()``'s frame), which is also what tests
record and replay (``record``, ``replay_fetch``) — our seam, because
yfinance talks through curl_cffi, which HTTP cassette tools do not see.

Errors are translated here, once, with ``raise ... from exc``:

==============================================  ==========================================
yfinance / transport                            themelens
==============================================  ==========================================
``YFRateLimitError``, HTTP 429                  retried with exponential backoff, then
                                                ``RateLimitedError`` (aborts the batch)
connection / DNS / timeout / proxy errors,      ``OfflineError`` (aborts the batch)
no answer before the command's ``Deadline``
``YFTzMissingError``, ``YFPricesMissingError``  a ``Failure`` for that ticker; the batch
(unknown or delisted ticker), empty frame,      goes on (``fetch_prices`` raises
other ``YFException``, other HTTP errors,       ``EmptyDataError`` when nothing loaded)
a bar breaking ``contracts.bar_fault``
==============================================  ==========================================

yfinance hides its own errors unless ``config.debug.hide_exceptions`` is off
(the ``raise_errors`` argument is deprecated in 1.x and does not reach the
time-zone lookup, which turns "offline" into "possibly delisted"). The
default fetch switches it off for the duration of its call only.

yfinance makes several requests per ``history()`` (cookie, crumb, time zone,
chart), each with its own time-out and retries, so no time-out we pass bounds
the whole call. Each fetch therefore runs through ``Deadline.call`` on a worker
thread, abandoned when the command's deadline passes (``data.deadline``).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar, Final, Literal

import pandas as pd

from themelens.data.calendar import exchange_for_ticker
from themelens.data.contracts import Failure, bar_problem, empty_prices, validate_prices
from themelens.data.deadline import Deadline, DeadlineExpired
from themelens.data.providers.base import PriceQuery, ProgressCallback, RawPrices, StandardQuery
from themelens.data.recording import recording_meta, write_meta
from themelens.errors import InputError, OfflineError, RateLimitedError

__all__ = [
    "HISTORY_COLUMNS",
    "FetchFn",
    "YahooProvider",
    "classify_error",
    "history_to_long",
    "record",
    "replay_fetch",
    "yfinance_fetch",
]

FetchFn = Callable[[str, date | None, date | None], pd.DataFrame]
"""``(ticker, start, end) -> Ticker(ticker).history(...)``'s frame; ``end`` is inclusive."""

HISTORY_COLUMNS: Final = ("Open", "High", "Low", "Close", "Volume", "Dividends", "Stock Splits")
"""The columns of a daily ``history(actions=True, auto_adjust=True)`` frame."""

_EXCHANGE_TZ: Final = {
    "XHKG": "Asia/Hong_Kong",
    "XNYS": "America/New_York",
    "XSHG": "Asia/Shanghai",
    "XSHE": "Asia/Shanghai",
}
_OFFLINE_CURL_CODES: Final = frozenset(
    {5, 6, 7, 28, 35, 56}
)  # resolve, connect, timeout, TLS, recv
_YF_LOCK: Final = threading.Lock()

_ErrorKind = Literal["rate_limited", "offline", "no_data"]


class YahooProvider(StandardQuery):
    """Prices from Yahoo Finance (adjusted for splits and dividends).

    Parameters
    ----------
    retries
        How many times a rate-limited request is retried before giving up.
    backoff_s
        First wait; each retry waits twice as long as the one before.
    sleep
        Called with each wait in seconds (inject to test without waiting).
    fetch
        ``FetchFn`` doing the I/O; default ``yfinance_fetch``. Tests pass
        ``replay_fetch(directory)``.
    deadline
        How long the fetches may go without an answer before Yahoo counts as
        offline; shared with the command's other remote sources (default: a
        fresh ``Deadline()`` of 30 s).
    """

    name: ClassVar[str] = "yahoo"
    synthetic: ClassVar[bool] = False
    remote: ClassVar[bool] = True

    def __init__(
        self,
        *,
        retries: int = 4,
        backoff_s: float = 1.0,
        sleep: Callable[[float], object] = time.sleep,
        fetch: FetchFn | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        if retries < 0 or backoff_s < 0:
            raise InputError("yahoo: retries and backoff_s must not be negative")
        self.retries = retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._fetch: FetchFn = fetch if fetch is not None else yfinance_fetch
        self.deadline = deadline if deadline is not None else Deadline()

    def fetch_raw(
        self, query: PriceQuery, *, on_progress: ProgressCallback | None = None
    ) -> RawPrices:
        """One ``history()`` frame per ticker; tickers Yahoo has no data for, or sent a
        bad bar for (``contracts.bar_fault``), become failures.

        Raises ``RateLimitedError`` once retries run out and ``OfflineError``
        when Yahoo cannot be reached: neither would go better for the next ticker.
        """
        frames: dict[str, pd.DataFrame] = {}
        sources: dict[str, str] = {}
        failures: list[Failure] = []
        total = len(query.tickers)
        for done, ticker in enumerate(query.tickers, start=1):
            frame, reason = self._fetch_one(ticker, query.start, query.end)
            if reason is None:
                bad = bar_problem(history_to_long(frame, ticker), start=query.start, end=query.end)
                reason = f"Yahoo Finance sent a bad bar ({bad})" if bad else None
            if reason is not None:
                failures.append(Failure(ticker, reason))
            else:
                frames[ticker] = frame
                sources[ticker] = f"https://finance.yahoo.com/quote/{ticker}/history"
            if on_progress is not None:
                on_progress(done, total)
        return RawPrices.now(frames, sources, failures)

    def to_frame(self, query: PriceQuery, raw: RawPrices) -> pd.DataFrame:
        """Wide ``history()`` frames to the long contract, cut to the range, with provenance."""
        parts = []
        for ticker, history in raw.frames.items():
            part = history_to_long(history, ticker)
            if query.start is not None:
                part = part.loc[part["date"] >= pd.Timestamp(query.start)]
            if query.end is not None:
                part = part.loc[part["date"] <= pd.Timestamp(query.end)]
            parts.append(
                part.assign(
                    provider=self.name, source=raw.sources[ticker], fetched_at=raw.fetched_at
                )
            )
        if not parts:
            return empty_prices()
        return validate_prices(pd.concat(parts, ignore_index=True))

    def _fetch_one(
        self, ticker: str, start: date | None, end: date | None
    ) -> tuple[pd.DataFrame, str | None]:
        """The frame and ``None``, or an empty frame and why there is no data."""
        if self.deadline.expired:
            raise self._silent(ticker)
        if self._fetch is yfinance_fetch:
            import yfinance  # noqa: F401  # seconds of import are not the network's silence
        for attempt in range(self.retries + 1):
            try:
                frame = self.deadline.call(
                    lambda: self._fetch(ticker, start, end), name=f"yahoo {ticker}"
                )
            except DeadlineExpired as exc:
                raise self._silent(ticker) from exc
            except Exception as exc:
                kind, reason = classify_error(exc)
                if kind in ("rate_limited", "no_data"):
                    self.deadline.answered()  # refused or "no such ticker": the network works
                if kind == "rate_limited" and attempt < self.retries and self._back_off(attempt):
                    continue
                if kind == "rate_limited":
                    raise RateLimitedError(
                        f"Yahoo Finance is rate-limiting us (HTTP 429) after {attempt}"
                        " retries; try again later",
                        provider=self.name,
                        ticker=ticker,
                    ) from exc
                if kind == "offline":
                    raise OfflineError(
                        f"cannot reach Yahoo Finance (offline?): {reason}",
                        provider=self.name,
                        ticker=ticker,
                    ) from exc
                if kind == "no_data":
                    return pd.DataFrame(), reason
                raise
            if frame is None or frame.empty:
                return pd.DataFrame(), "Yahoo Finance returned no rows"
            if "Close" not in frame.columns:
                return (
                    pd.DataFrame(),
                    f"unexpected columns from Yahoo Finance: {list(frame.columns)}",
                )
            return frame, None
        raise AssertionError("unreachable")  # pragma: no cover

    def _silent(self, ticker: str) -> OfflineError:
        """The error once the command's deadline has passed without an answer."""
        return OfflineError(
            f"cannot reach Yahoo Finance (offline?): no answer within {self.deadline.seconds:g} s",
            provider=self.name,
            ticker=ticker,
        )

    def _back_off(self, attempt: int) -> bool:
        """Wait before retry ``attempt + 1``; False when that wait would outlast the deadline."""
        return self.deadline.backed_off(self.backoff_s * 2**attempt, self._sleep)


def classify_error(exc: BaseException) -> tuple[_ErrorKind | None, str]:
    """Sort a foreign error into rate limit, offline, no data, or ``None`` (not ours to map).

    Only yfinance and transport errors are mapped; anything else is a bug and
    propagates unchanged.
    """
    from yfinance import exceptions as yfe

    status = getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(exc, yfe.YFRateLimitError) or status == 429:
        return "rate_limited", "HTTP 429"
    if _is_offline(exc):
        return "offline", f"{type(exc).__name__}: {_first_line(exc)}"
    if isinstance(exc, yfe.YFTickerMissingError):
        return "no_data", f"Yahoo Finance has no prices ({str(exc).split(': ', 1)[-1]})"
    if isinstance(exc, yfe.YFException):
        return "no_data", f"Yahoo Finance error: {_first_line(exc)}"
    if isinstance(status, int) and status >= 400:
        return "no_data", f"Yahoo Finance answered HTTP {status}"
    if isinstance(exc, json.JSONDecodeError):
        return "no_data", "Yahoo Finance answered with something that is not JSON"
    return None, _first_line(exc)


def _is_offline(exc: BaseException) -> bool:
    if isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror)):
        return True
    try:
        from curl_cffi import CurlError
        from curl_cffi.requests import exceptions as curl_exc
    except ImportError:  # pragma: no cover - yfinance falls back to requests
        pass
    else:
        network = (curl_exc.ConnectionError, curl_exc.Timeout, curl_exc.ProxyError)
        if isinstance(exc, network):
            return True
        if isinstance(exc, CurlError) and getattr(exc, "code", None) in _OFFLINE_CURL_CODES:
            return True
    try:
        import requests
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, (requests.ConnectionError, requests.Timeout))


def _first_line(exc: BaseException) -> str:
    """The message's first line, without curl's "See https://curl.se/..." trailer."""
    text = str(exc).strip().split(" See https://curl.se", 1)[0]
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def _yfinance_raises() -> Iterator[None]:
    """Turn yfinance's error hiding off for one call (its config is process-global)."""
    import yfinance as yf

    with _YF_LOCK:
        before = yf.config.debug.hide_exceptions
        yf.config.debug.hide_exceptions = False
        try:
            yield
        finally:
            yf.config.debug.hide_exceptions = before


def yfinance_history(ticker: str, **window: Any) -> pd.DataFrame:
    """``yfinance.Ticker(ticker).history(**window)`` with every other option explicit, its
    errors raised: the one place both the daily and the intraday fetch ask Yahoo.

    The output shape never depends on the arguments: regular session only
    (``prepost=False``), ``auto_adjust=True`` (no ``Adj Close``),
    ``actions=True`` (Dividends and Stock Splits always present),
    ``repair=False`` (no ``Repaired?`` column).
    """
    import yfinance as yf

    with _yfinance_raises():
        history: pd.DataFrame = yf.Ticker(ticker).history(
            **window,
            prepost=False,
            actions=True,
            auto_adjust=True,
            back_adjust=False,
            repair=False,
            keepna=False,
            rounding=False,
            timeout=10,
        )
    return history


def yfinance_fetch(ticker: str, start: date | None, end: date | None) -> pd.DataFrame:
    """Daily, adjusted bars (``yfinance_history``); ``end`` is inclusive here (yfinance's is
    exclusive); ``start=None`` asks for ``period="max"``."""
    return yfinance_history(
        ticker,
        period="max" if start is None else None,
        interval="1d",
        start=start,
        end=end + timedelta(days=1) if end is not None else None,
    )


def history_to_long(history: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """One ``history()`` frame to ``date, ticker, open, high, low, close, volume``.

    The session date is the *local* calendar date of the tz-aware index
    (Hong Kong's ``2025-09-17 00:00+08:00`` is the 17th, not the 16th in UTC).
    Yahoo sometimes sends a session twice (a live bar next to the daily one);
    the last row of a date wins, as it is the most recent answer.
    """
    index = pd.DatetimeIndex(history.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    long = pd.DataFrame(
        {
            "date": index.normalize(),
            "ticker": ticker,
            "open": history["Open"].to_numpy(dtype="float64"),
            "high": history["High"].to_numpy(dtype="float64"),
            "low": history["Low"].to_numpy(dtype="float64"),
            "close": history["Close"].to_numpy(dtype="float64"),
            "volume": history["Volume"].to_numpy(dtype="float64"),
        }
    )
    return long.drop_duplicates("date", keep="last").reset_index(drop=True)


# --- record and replay at our seam -----------------------------------------


def record(
    tickers: Sequence[str],
    directory: Path,
    *,
    start: date | None = None,
    end: date | None = None,
    fetch: FetchFn = yfinance_fetch,
    synthetic: bool = False,
    note: str = "",
) -> Path:
    """Save what ``fetch`` returns for each ticker, for ``replay_fetch`` to serve later.

    Writes ``<directory>/<TICKER>.csv`` exactly as ``history().to_csv()`` does
    and ``meta.json`` (query, time zones, row counts, yfinance version, and
    whether the data is synthetic). Errors propagate: a recording is all or nothing.
    """
    directory.mkdir(parents=True, exist_ok=True)
    entries: dict[str, dict[str, Any]] = {}
    for ticker in tickers:
        frame = fetch(ticker, start, end)
        index = pd.DatetimeIndex(frame.index)
        frame.to_csv(directory / f"{ticker}.csv", index_label="Date")
        entries[ticker] = {
            "tz": str(index.tz) if index.tz is not None else None,
            "rows": len(frame),
            "first": f"{index[0]:%Y-%m-%d}" if len(index) else None,
            "last": f"{index[-1]:%Y-%m-%d}" if len(index) else None,
        }
    fmt = "yfinance Ticker.history(interval='1d', auto_adjust=True, actions=True) as CSV"
    meta = recording_meta(fmt, synthetic=synthetic, note=note, package="yfinance")
    query = {"start": _iso(start), "end": _iso(end)}
    return write_meta(directory, {**meta, "query": query, "tickers": entries})


def replay_fetch(directory: Path) -> FetchFn:
    """A ``FetchFn`` serving ``history()`` frames from ``record``'s files.

    Works on any folder of ``history()`` CSVs (also ``../shared/data/prices``):
    without a ``meta.json`` the time zone comes from the ticker's exchange. A
    ticker without a file raises yfinance's own ``YFTzMissingError``, as
    yfinance does for an unknown symbol; an empty range raises
    ``YFPricesMissingError``.
    """
    meta_path = directory / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    zones: Mapping[str, Any] = meta.get("tickers", {})

    def fetch(ticker: str, start: date | None, end: date | None) -> pd.DataFrame:
        from yfinance.exceptions import YFPricesMissingError, YFTzMissingError

        path = directory / f"{ticker}.csv"
        if not path.is_file():
            raise YFTzMissingError(ticker)
        tz = (zones.get(ticker) or {}).get("tz") or _EXCHANGE_TZ[exchange_for_ticker(ticker)]
        frame = pd.read_csv(path, index_col="Date", dtype={"Date": object})
        frame.index = _local_index(frame.index, tz)
        local = frame.index.tz_localize(None).normalize()
        keep = (local >= pd.Timestamp(start)) if start is not None else local == local
        if end is not None:
            keep &= local <= pd.Timestamp(end)
        frame = frame.loc[keep]
        if frame.empty:
            raise YFPricesMissingError(ticker, f"(1d {start} -> {end})")
        return frame

    return fetch


def _local_index(written: pd.Index, tz: str) -> pd.DatetimeIndex:
    """Timestamps as yfinance returns them: tz-aware in the exchange's zone, named ``Date``.

    The written offsets are exact instants; the check guards against a zone
    whose offset then differs from the file's, which would shift the date.
    """
    text = written.astype(str)
    index = pd.DatetimeIndex(pd.to_datetime(text, utc=True, format="ISO8601")).tz_convert(tz)
    as_written = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d")
    if not (index.tz_localize(None).normalize() == as_written).all():
        raise ValueError(f"time zone {tz} moves some dates of the recording; set it in meta.json")
    return index.rename("Date")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
