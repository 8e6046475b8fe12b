"""Intraday bars (1m, 5m): fetched from Yahoo through our seam, kept beside the daily bars.

Why it looks the way it does
----------------------------
A claim written during a session ("SMIC rose nearly 8%", at 2 p.m.) is
proved or refuted by the minute bars of that afternoon, and Yahoo forgets
them fast: 1-minute bars come at most 7 days per request and 30 days back,
5-minute bars 60 days back. So the bars a claim needed are stored, keyed on
``(ticker, interval, ts)`` with their provenance (provider, source URL,
fetched-at), and a verdict stays checkable after Yahoo has dropped them.

* ``IntradayProvider`` does the fetching the way the daily ``YahooProvider``
  does: one ``IntradayFetchFn`` is the only I/O (``yfinance_intraday_fetch``
  by default, ``replay_intraday(directory)`` in tests), each call runs under
  the command's ``Deadline``, a 429 is retried with backoff, and foreign
  errors are sorted by ``providers.yahoo.classify_error`` (offline and rate
  limits raise, "no such ticker" is a ``Failure``). A request is cut to what
  Yahoo serves (``REACH``) and split into spans it accepts.
* ``IntradayStore`` is a table on the DuckDB file every store shares
  (``DuckDBFile``: one short transaction per operation, under the file's
  lock). Writes are upserts on the key: a bar stored twice is one row, and a
  bar that changed (the minute still forming when it was first fetched) is
  updated with the time it was seen.
* ``ts`` is the bar's start in naive UTC; ``session`` its exchange-local date.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

import duckdb
import pandas as pd

from themelens.data.calendar import exchange_for_ticker
from themelens.data.contracts import Failure
from themelens.data.deadline import Deadline, DeadlineExpired
from themelens.data.providers.yahoo import classify_error
from themelens.data.recording import recording_meta, write_meta
from themelens.data.store import WriteResult
from themelens.duckdb_file import TableStore
from themelens.errors import InputError, OfflineError, ProviderError, RateLimitedError

__all__ = [
    "BAR_COLUMNS",
    "EXCHANGE_TZ",
    "INTERVALS",
    "REACH",
    "Interval",
    "IntradayFetchFn",
    "IntradayLoad",
    "IntradayProvider",
    "IntradayStore",
    "empty_bars",
    "history_to_bars",
    "record_intraday",
    "replay_intraday",
    "yfinance_intraday_fetch",
]

Interval = Literal["1m", "5m"]
INTERVALS: Final[tuple[Interval, ...]] = ("1m", "5m")

REACH: Final[dict[str, tuple[timedelta, timedelta]]] = {
    "1m": (timedelta(days=29), timedelta(days=7)),
    "5m": (timedelta(days=59), timedelta(days=59)),
}
"""Per interval: how far back Yahoo serves bars, and the longest span one request may ask
(Yahoo: 1m within the last 30 days, at most 8 days a request; 5m within 60 days)."""

EXCHANGE_TZ: Final = {
    "XHKG": "Asia/Hong_Kong",
    "XNYS": "America/New_York",
    "XSHG": "Asia/Shanghai",
    "XSHE": "Asia/Shanghai",
}

IntradayFetchFn = Callable[[str, str, datetime, datetime], pd.DataFrame]
"""``(ticker, interval, start, end) -> Ticker(ticker).history(...)``'s frame; ``start`` and
``end`` are naive UTC, ``end`` exclusive."""

BAR_COLUMNS: Final = (
    "ticker", "interval", "ts", "session", "open", "high", "low", "close", "volume",
    "provider", "source", "fetched_at",
)  # fmt: skip
"""A stored bar: ``ts`` its start (naive UTC), ``session`` its exchange-local date."""

_VALUES: Final = ("open", "high", "low", "close", "volume", "source")
_DTYPES: Final[dict[str, Any]] = {
    "ticker": object, "interval": object, "provider": object, "source": object,
    "ts": "datetime64[ns]", "session": "datetime64[ns]", "fetched_at": "datetime64[ns]",
}  # fmt: skip

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS intraday_bars (
    ticker VARCHAR NOT NULL,
    "interval" VARCHAR NOT NULL,
    ts TIMESTAMP NOT NULL,
    session DATE NOT NULL,
    open DOUBLE,
    high DOUBLE,
    low DOUBLE,
    close DOUBLE NOT NULL,
    volume DOUBLE,
    provider VARCHAR NOT NULL,
    source VARCHAR,
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (ticker, "interval", ts)
);
"""

_UPSERT: Final = f"""
INSERT INTO intraday_bars
SELECT ticker, "interval", CAST(ts AS TIMESTAMP), CAST(session AS DATE), open, high, low, close,
       volume, provider, source, CAST(fetched_at AS TIMESTAMP)
FROM incoming
ON CONFLICT (ticker, "interval", ts) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in (*_VALUES, "fetched_at"))}
WHERE {" OR ".join(f"intraday_bars.{c} IS DISTINCT FROM excluded.{c}" for c in _VALUES)}
"""


# --- fetching ---------------------------------------------------------------


def yfinance_intraday_fetch(
    ticker: str, interval: str, start: datetime, end: datetime
) -> pd.DataFrame:
    """Intraday bars of the regular session (``providers.yahoo.yfinance_history``)."""
    from themelens.data.providers.yahoo import yfinance_history

    return yfinance_history(
        ticker, interval=interval, start=start.replace(tzinfo=UTC), end=end.replace(tzinfo=UTC)
    )


def history_to_bars(
    history: pd.DataFrame, ticker: str, interval: str, *, tz: str | None = None
) -> pd.DataFrame:
    """One intraday ``history()`` frame to ``BAR_COLUMNS`` (provenance left empty).

    The index is tz-aware (the exchange's zone), or naive in ``tz``; ``ts`` is
    the bar's start in UTC, ``session`` its local date. A bar sent twice
    keeps its last copy, and bars without a close are dropped.
    """
    index = pd.DatetimeIndex(history.index)
    if index.tz is None:
        index = index.tz_localize(tz or EXCHANGE_TZ[exchange_for_ticker(ticker)])
    frame = pd.DataFrame(
        {
            "ticker": ticker,
            "interval": interval,
            "ts": index.tz_convert("UTC").tz_localize(None).astype("datetime64[ns]"),
            "session": index.tz_localize(None).normalize().astype("datetime64[ns]"),
            **{
                c.lower(): pd.to_numeric(history[c], errors="coerce").to_numpy(dtype="float64")
                for c in ("Open", "High", "Low", "Close", "Volume")
            },
            "provider": None,
            "source": None,
            "fetched_at": pd.NaT,
        }
    )
    frame = frame.loc[frame["close"].notna() & (frame["close"] > 0)]
    frame = frame.drop_duplicates("ts", keep="last").sort_values("ts")
    return frame.reset_index(drop=True).loc[:, list(BAR_COLUMNS)]


def empty_bars() -> pd.DataFrame:
    """A zero-row frame of ``BAR_COLUMNS`` with their dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=_DTYPES.get(c, "float64")) for c in BAR_COLUMNS})


@dataclass(frozen=True)
class IntradayLoad:
    """Bars a fetch returned (``BAR_COLUMNS``, provenance filled) and the tickers that failed."""

    bars: pd.DataFrame
    failures: tuple[Failure, ...] = ()


class IntradayProvider:
    """Intraday bars from Yahoo Finance (the provider seam of ``providers.yahoo``, per minute).

    Parameters
    ----------
    interval
        ``1m`` or ``5m``.
    fetch
        The I/O; default ``yfinance_intraday_fetch``, tests pass ``replay_intraday(dir)``.
    deadline
        Shared with the command's other remote calls (default a fresh ``Deadline``).
    retries, backoff_s, sleep
        A rate-limited request is retried ``retries`` times, waiting ``backoff_s``
        doubled each time (``sleep`` injected by tests).
    """

    name: Final = "yahoo"

    def __init__(
        self,
        *,
        interval: Interval = "1m",
        fetch: IntradayFetchFn | None = None,
        deadline: Deadline | None = None,
        retries: int = 3,
        backoff_s: float = 1.0,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        if interval not in INTERVALS:
            raise InputError(f"--bars {interval}: choose from {', '.join(INTERVALS)}")
        self.interval: Interval = interval
        self._fetch: IntradayFetchFn = fetch if fetch is not None else yfinance_intraday_fetch
        self.deadline = deadline if deadline is not None else Deadline()
        self.retries = retries
        self.backoff_s = backoff_s
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"IntradayProvider(interval={self.interval!r})"

    def fetch_bars(
        self, tickers: Sequence[str], *, start: datetime, end: datetime, now: datetime
    ) -> IntradayLoad:
        """Bars of ``tickers`` from ``start`` to ``end`` (naive UTC, end exclusive).

        ``start`` is raised to the oldest bar Yahoo serves at ``now`` (``REACH``);
        the range is asked in spans Yahoo accepts. A ticker without bars in the
        range is a ``Failure``; the others go on.

        Raises
        ------
        OfflineError, RateLimitedError
            Yahoo cannot be reached, or keeps refusing: the next ticker would fare no better.
        """
        reach, span = REACH[self.interval]
        start = max(start, now - reach)
        end = min(end, now)
        parts: list[pd.DataFrame] = []
        failures: list[Failure] = []
        for ticker in dict.fromkeys(tickers):
            got: list[pd.DataFrame] = []
            reason = "no bars in the requested range"
            lo = start
            while lo < end:
                hi = min(lo + span, end)
                frame, why = self._fetch_one(ticker, lo, hi)
                if why is None:
                    got.append(frame)
                else:
                    reason = why
                lo = hi
            if got:
                fetched = datetime.now(UTC).replace(tzinfo=None)
                source = f"https://finance.yahoo.com/quote/{ticker}/chart?interval={self.interval}"
                bars = pd.concat(got, ignore_index=True).drop_duplicates("ts", keep="last")
                parts.append(bars.assign(provider=self.name, source=source, fetched_at=fetched))
            elif start < end:
                failures.append(Failure(ticker, f"{self.interval} bars: {reason}"))
        bars = pd.concat(parts, ignore_index=True) if parts else empty_bars()
        return IntradayLoad(bars.loc[(bars["ts"] >= start) & (bars["ts"] < end)], tuple(failures))

    def _fetch_one(
        self, ticker: str, start: datetime, end: datetime
    ) -> tuple[pd.DataFrame, str | None]:
        for attempt in range(self.retries + 1):
            try:
                history = self.deadline.call(
                    lambda: self._fetch(ticker, self.interval, start, end),
                    name=f"yahoo {ticker} {self.interval}",
                )
            except DeadlineExpired as exc:
                silent = f"no answer within {self.deadline.seconds:g} s"
                raise self._error(OfflineError, ticker, silent) from exc
            except Exception as exc:
                kind, reason = classify_error(exc)
                if kind in ("rate_limited", "no_data"):
                    self.deadline.answered()  # refused, or "no such ticker": the network works
                if kind == "no_data":
                    return empty_bars(), reason
                if kind == "offline":
                    raise self._error(OfflineError, ticker, reason) from exc
                if kind != "rate_limited":
                    raise
                if attempt < self.retries and self.deadline.backed_off(
                    self.backoff_s * 2**attempt, self._sleep
                ):
                    continue
                raise self._error(RateLimitedError, ticker, "HTTP 429") from exc
            if history is None or history.empty or "Close" not in history.columns:
                return empty_bars(), "Yahoo Finance returned no bars"
            return history_to_bars(history, ticker, self.interval), None
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, kind: type[ProviderError], ticker: str, reason: str) -> ProviderError:
        said = "is rate-limiting us" if kind is RateLimitedError else "cannot be reached (offline?)"
        return kind(f"Yahoo Finance {said}: {reason}", provider=self.name, ticker=ticker)


# --- the store --------------------------------------------------------------


class IntradayStore(TableStore):
    """Intraday bars (table ``intraday_bars``) in the DuckDB file the other stores use.

    Parameters
    ----------
    path
        The DuckDB file (normally ``Settings.db_path``); the table is created on first open.
    lock_timeout_s
        How long an operation waits for another process to release the file.
    """

    SCHEMA = _SCHEMA

    def write_bars(self, bars: pd.DataFrame) -> WriteResult:
        """Upsert ``bars`` on ``(ticker, interval, ts)`` in one transaction, all or none.

        Returns the keys added and the stored bars whose values changed; a bar
        stored again unchanged is neither, and keeps its first ``fetched_at``.

        Raises ``ValueError`` when a bar lacks its key or provenance (before the
        file is touched), ``StoreError`` when the write fails.
        """
        if not len(bars):
            return WriteResult(0, 0)
        staged = bars.loc[:, list(BAR_COLUMNS)].drop_duplicates(
            ["ticker", "interval", "ts"], keep="last"
        )
        for c in ("ticker", "interval", "ts", "session", "close", "provider", "fetched_at"):
            if staged[c].isna().any():
                raise ValueError(f"intraday bars need '{c}' on every row to be stored")
        with self._db.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.register("incoming", staged)
                row = con.execute(
                    "SELECT count(*) FROM incoming i ANTI JOIN intraday_bars b ON b.ticker = "
                    'i.ticker AND b."interval" = i."interval" AND b.ts = CAST(i.ts AS TIMESTAMP)'
                ).fetchone()
                new = int(row[0]) if row else 0
                done = con.execute(_UPSERT).fetchone()
                touched = int(done[0]) if done else 0
                con.execute("COMMIT")
            except BaseException:
                with suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise
            finally:
                con.unregister("incoming")
        return WriteResult(inserted=new, updated=touched - new)

    def read_bars(
        self,
        tickers: Sequence[str] | None = None,
        *,
        interval: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> pd.DataFrame:
        """Stored bars (``BAR_COLUMNS``) by ticker and time; ``end`` exclusive, bounds naive UTC."""
        conds, params = ["TRUE"], []
        for sql, value in (
            ("list_contains(?, ticker)", None if tickers is None else list(tickers)),
            ('"interval" = ?', interval),
            ("ts >= ?", start),
            ("ts < ?", end),
        ):
            if value is not None:
                conds.append(sql)
                params.append(value)
        cols = ", ".join(f'"{c}"' for c in BAR_COLUMNS)
        query = f"SELECT {cols} FROM intraday_bars WHERE {' AND '.join(conds)} ORDER BY ticker, ts"
        with self._db.connect(read_only=True) as con:
            frame = con.execute(query, params).df()
        return frame.astype(_DTYPES) if len(frame) else empty_bars()

    def last_bar(
        self, ticker: str, interval: str, *, start: datetime, end: datetime
    ) -> datetime | None:
        """The start of the latest stored bar of ``ticker`` in ``[start, end)`` (None: none)."""
        with self._db.connect(read_only=True) as con:
            row = con.execute(
                'SELECT max(ts) FROM intraday_bars WHERE ticker = ? AND "interval" = ? '
                "AND ts >= ? AND ts < ?",
                [ticker, interval, start, end],
            ).fetchone()
        return None if row is None or row[0] is None else row[0]


# --- record and replay at our seam -------------------------------------------


def record_intraday(
    tickers: Sequence[str],
    directory: Path,
    *,
    interval: Interval,
    start: datetime,
    end: datetime,
    fetch: IntradayFetchFn = yfinance_intraday_fetch,
    synthetic: bool = False,
    note: str = "",
) -> Path:
    """Save what ``fetch`` returns per ticker, for ``replay_intraday`` to serve later.

    Writes ``<directory>/<TICKER>.<interval>.csv`` as ``history().to_csv()``
    does, and ``meta.json`` (query, time zones, row counts, the library's
    version, whether the data are synthetic). A recording is all or nothing.
    """
    directory.mkdir(parents=True, exist_ok=True)
    entries: dict[str, dict[str, Any]] = {}
    for ticker in tickers:
        frame = fetch(ticker, interval, start, end)
        index = pd.DatetimeIndex(frame.index)
        frame.to_csv(directory / f"{ticker}.{interval}.csv", index_label="Datetime")
        entries[f"{ticker}.{interval}"] = {
            "tz": str(index.tz) if index.tz is not None else None,
            "rows": len(frame),
            "first": index[0].isoformat() if len(index) else None,
            "last": index[-1].isoformat() if len(index) else None,
        }
    fmt = f"yfinance Ticker.history(interval='{interval}', prepost=False, auto_adjust=True) as CSV"
    meta = recording_meta(fmt, synthetic=synthetic, note=note, package="yfinance")
    query = {"interval": interval, "start": start.isoformat(), "end": end.isoformat()}
    return write_meta(directory, {**meta, "query": query, "tickers": entries})


def replay_intraday(directory: Path) -> IntradayFetchFn:
    """An ``IntradayFetchFn`` serving ``record_intraday``'s files (bars in ``[start, end)``).

    A ticker or interval without a file raises yfinance's ``YFTzMissingError``,
    as yfinance does for an unknown symbol; an empty range raises
    ``YFPricesMissingError``. Files are read once and kept.
    """
    meta_path = directory / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    zones: Mapping[str, Any] = meta.get("tickers", {})
    loaded: dict[str, pd.DataFrame] = {}

    def fetch(ticker: str, interval: str, start: datetime, end: datetime) -> pd.DataFrame:
        from yfinance.exceptions import YFPricesMissingError, YFTzMissingError

        key = f"{ticker}.{interval}"
        if key not in loaded:
            path = directory / f"{key}.csv"
            if not path.is_file():
                raise YFTzMissingError(ticker)
            tz = (zones.get(key) or {}).get("tz") or EXCHANGE_TZ[exchange_for_ticker(ticker)]
            frame = pd.read_csv(path, index_col="Datetime")
            utc = pd.to_datetime(frame.index.astype(str), utc=True, format="ISO8601")
            frame.index = pd.DatetimeIndex(utc).tz_convert(tz).rename("Datetime")
            loaded[key] = frame
        frame = loaded[key]
        index = pd.DatetimeIndex(frame.index).tz_convert("UTC").tz_localize(None)
        keep = (index >= pd.Timestamp(start)) & (index < pd.Timestamp(end))
        if not keep.any():
            raise YFPricesMissingError(ticker, f"({interval} {start} -> {end})")
        return frame.loc[keep].copy()

    return fetch
