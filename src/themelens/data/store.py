"""The DuckDB price cache: what providers returned, keyed on (provider, ticker, date).

Why it looks the way it does
----------------------------
DuckDB lets one process hold a writable connection to a file, and while it
does, no other process may open the file at all. So the store never keeps a
connection: every operation opens one, does its work in a single short
transaction and closes it. Opening retries with backoff while another process
holds the lock (``lock_timeout_s``), which lets a reader and a writer in two
processes take turns instead of failing.

Writes are upserts on the natural key inside one transaction (``INSERT ...
ON CONFLICT DO UPDATE``): a rerun never duplicates a row, and a failed or
killed write leaves the table as it was before that write. Rows whose values
did not change are left alone, so their ``fetched_at`` keeps saying when that
value was first seen; ``fetch_log`` records every fetch, ok or failed.

Every DuckDB or OS error is translated to one-line ``StoreError`` naming the
file, with the original chained (``raise ... from exc``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal, NamedTuple

import duckdb
import pandas as pd

from themelens.data.contracts import STORED_COLUMNS, validate_prices
from themelens.duckdb_file import TableStore

__all__ = ["PROVIDER_PREFERENCE", "FetchRecord", "PriceStore", "WriteResult"]

log = logging.getLogger(__name__)

PROVIDER_PREFERENCE: Final = ("akshare", "yahoo", "csv")
"""Which provider's rows ``read_prices(provider=None)`` returns for a ticker held by several.

Listed providers win in this order, then any other provider alphabetically,
and ``demo`` always last, so synthetic rows never shadow market data. Rows of
different providers are never mixed within one ticker. AkShare comes first
because a ticker cached by both is one the theme routes to AkShare first (the
Hang Seng TECH index, A-shares), Yahoo having answered only as the fallback.
"""

_SYNTHETIC_PROVIDER: Final = "demo"
_VALUE_COLUMNS: Final = ("open", "high", "low", "close", "volume", "source")

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS prices (
    date DATE NOT NULL,
    ticker VARCHAR NOT NULL,
    open DOUBLE,
    high DOUBLE,
    low DOUBLE,
    close DOUBLE NOT NULL,
    volume DOUBLE,
    provider VARCHAR NOT NULL,
    source VARCHAR,
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (provider, ticker, date)
);
CREATE TABLE IF NOT EXISTS fetch_log (
    provider VARCHAR NOT NULL,
    ticker VARCHAR NOT NULL,
    requested_start DATE,
    requested_end DATE,
    fetched_at TIMESTAMP NOT NULL,
    rows INTEGER NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('ok', 'failed')),
    message VARCHAR NOT NULL
);
"""


class WriteResult(NamedTuple):
    """Rows a write added, and existing rows whose values it changed (unchanged: neither)."""

    inserted: int
    updated: int


@dataclass(frozen=True)
class FetchRecord:
    """One line of ``fetch_log``: what was asked of a provider for a ticker and how it went.

    ``start``/``end`` are the requested bounds (``None``: open-ended);
    ``fetched_at`` is naive UTC.
    """

    provider: str
    ticker: str
    start: date | None
    end: date | None
    fetched_at: datetime
    rows: int
    status: Literal["ok", "failed"]
    message: str = ""


class PriceStore(TableStore):
    """A DuckDB file holding cached prices (table ``prices``) and the fetch history (``fetch_log``).

    Parameters
    ----------
    path
        The DuckDB file; missing parent folders are created, and so are the
        tables, so a bad path or a file that is not a DuckDB database fails
        here with a ``StoreError`` rather than at first use.
    lock_timeout_s
        How long an operation waits for another process to release the file
        before giving up with ``StoreError``.
    """

    SCHEMA = _SCHEMA

    # --- writing ------------------------------------------------------------

    def write_prices(self, frame: pd.DataFrame, *, log: Sequence[FetchRecord] = ()) -> WriteResult:
        """Upsert ``frame`` on (provider, ticker, date) in one transaction; all rows or none.

        Parameters
        ----------
        frame
            Prices in the stored contract; ``provider`` and ``fetched_at``
            must be filled on every row, ``source`` may be missing.
        log
            Fetch records committed in the same transaction, so the log never
            claims a fetch whose rows are not stored (or the reverse).

        Returns
        -------
        WriteResult
            ``inserted`` new keys, ``updated`` existing keys whose values changed.

        Raises
        ------
        ValueError
            ``frame`` breaks the price contract (checked before the database is touched).
        StoreError
            The database could not be written; nothing of this write is kept.
        """
        staged = _stage(frame)
        with self._db.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.register("incoming", staged)
                con.execute(_DELTA)
                row = con.execute("SELECT count(*) FILTER (is_new), count(*) FROM delta").fetchone()
                new, touched = (int(row[0]), int(row[1])) if row else (0, 0)
                if touched:
                    con.execute(_UPSERT)
                _insert_log(con, log)
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise
            finally:
                con.unregister("incoming")
                with suppress(duckdb.Error):
                    con.execute("DROP TABLE IF EXISTS delta")
        return WriteResult(inserted=new, updated=touched - new)

    def log_fetch(self, *records: FetchRecord) -> None:
        """Append fetch records to ``fetch_log`` (failures, which have no rows to write)."""
        if not records:
            return
        with self._db.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                _insert_log(con, records)
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise

    # --- reading ------------------------------------------------------------

    def read_prices(
        self,
        tickers: Sequence[str] | None = None,
        *,
        provider: str | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> pd.DataFrame:
        """Cached prices in the stored-columns contract, sorted by (ticker, date).

        Parameters
        ----------
        tickers
            Tickers to return (``None``: all). Unknown tickers are simply absent.
        provider
            Only this provider's rows. ``None`` picks one provider per ticker
            by ``PROVIDER_PREFERENCE`` (``demo`` last), never mixing sources
            within a ticker.
        start, end
            Inclusive date bounds (``None``: unbounded).

        Returns
        -------
        pandas.DataFrame
            Columns ``STORED_COLUMNS`` with ``validate_prices`` dtypes; zero
            rows when nothing matches.
        """
        where, params = _filters(tickers, provider, start, end)
        cols = ", ".join(STORED_COLUMNS)
        if provider is None:
            sql = f"SELECT {cols} FROM prices JOIN ({_PREFERRED}) USING (ticker, provider)"
        else:
            sql = f"SELECT {cols} FROM prices"
        sql += f" WHERE {where} ORDER BY ticker, date"
        with self._db.connect(read_only=True) as con:
            frame = con.execute(sql, params).df()
        return validate_prices(frame)

    def coverage(self, provider: str | None = None) -> pd.DataFrame:
        """What the cache holds: one row per (provider, ticker).

        Columns ``provider``, ``ticker``, ``first_date``, ``last_date``
        (naive ``datetime64``), ``rows`` and ``last_fetched_at`` (the latest
        successful fetch in ``fetch_log``, else the newest row's ``fetched_at``).
        """
        where = "provider = ?" if provider is not None else "TRUE"
        params = [provider] if provider is not None else []
        sql = f"""
            WITH p AS (
                SELECT provider, ticker, min(date) AS first_date, max(date) AS last_date,
                       count(*) AS rows, max(fetched_at) AS newest_row
                FROM prices WHERE {where} GROUP BY provider, ticker
            ), l AS (
                SELECT provider, ticker, max(fetched_at) AS last_ok
                FROM fetch_log WHERE status = 'ok' GROUP BY provider, ticker
            )
            SELECT p.provider, p.ticker,
                   CAST(p.first_date AS TIMESTAMP) AS first_date,
                   CAST(p.last_date AS TIMESTAMP) AS last_date,
                   p.rows, greatest(p.newest_row, l.last_ok) AS last_fetched_at
            FROM p LEFT JOIN l USING (provider, ticker)
            ORDER BY p.provider, p.ticker
        """
        with self._db.connect(read_only=True) as con:
            frame = con.execute(sql, params).df()
        for c in ("first_date", "last_date", "last_fetched_at"):
            frame[c] = frame[c].astype("datetime64[ns]")
        for c in ("provider", "ticker"):
            frame[c] = frame[c].astype(object)
        frame["rows"] = frame["rows"].astype("int64")
        return frame

    def last_date(self, provider: str, ticker: str) -> date | None:
        """The latest cached session for ``ticker`` from ``provider``; ``None`` if none."""
        dates = self.recent_dates(provider, ticker, 1)
        return dates[0] if dates else None

    def recent_dates(self, provider: str, ticker: str, n: int) -> tuple[date, ...]:
        """The ``n`` latest cached sessions for ``ticker`` from ``provider``, newest first.

        Refresh uses these to re-fetch the last few *sessions* (not calendar
        days) without needing an exchange calendar.
        """
        sql = "SELECT date FROM prices WHERE provider = ? AND ticker = ? ORDER BY date DESC LIMIT ?"
        with self._db.connect(read_only=True) as con:
            rows = con.execute(sql, [provider, ticker, n]).fetchall()
        return tuple(r[0] for r in rows)

    def recent_rows(self, provider: str, tickers: Sequence[str], n: int) -> pd.DataFrame:
        """Each ticker's ``n`` latest cached sessions of ``provider``, as ``read_prices`` returns rows.

        A refresh plans a whole batch from these in one query: the oldest of a
        ticker's rows is where its incremental fetch resumes, and the rows are
        what that fetch will see again (to notice a re-priced history).
        Opening the file per ticker cost more than the query (about 30 ms each).
        """
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        where, params = _filters(list(tickers), provider, None, None)
        sql = (
            f"SELECT {', '.join(STORED_COLUMNS)} FROM prices WHERE {where}"
            " QUALIFY row_number() OVER (PARTITION BY ticker ORDER BY date DESC) <= ?"
            " ORDER BY ticker, date"
        )
        with self._db.connect(read_only=True) as con:
            frame = con.execute(sql, [*params, n]).df()
        return validate_prices(frame)

    def read_fetch_log(
        self, provider: str | None = None, ticker: str | None = None
    ) -> pd.DataFrame:
        """``fetch_log`` rows, oldest first: provider, ticker, requested_start, requested_end,
        fetched_at, rows, status (``ok``/``failed``), message."""
        conds, params = ["TRUE"], []
        if provider is not None:
            conds.append("provider = ?")
            params.append(provider)
        if ticker is not None:
            conds.append("ticker = ?")
            params.append(ticker)
        sql = f"SELECT * FROM fetch_log WHERE {' AND '.join(conds)} ORDER BY fetched_at"
        with self._db.connect(read_only=True) as con:
            frame = con.execute(sql, params).df()
        for c in ("provider", "ticker", "status", "message"):
            frame[c] = frame[c].astype(object)
        return frame


_DELTA: Final = f"""
CREATE OR REPLACE TEMP TABLE delta AS
SELECT i.*, p.date IS NULL AS is_new
FROM incoming i LEFT JOIN prices p
    ON p.provider = i.provider AND p.ticker = i.ticker AND p.date = CAST(i.date AS DATE)
WHERE p.date IS NULL OR {" OR ".join(f"p.{c} IS DISTINCT FROM i.{c}" for c in _VALUE_COLUMNS)}
"""
"""The incoming rows the upsert would insert or change, found by one hash join: re-storing
unchanged prices (every ``report`` over the same files) then costs that join alone instead
of an index probe and a conflict check per row."""

_UPSERT: Final = f"""
INSERT INTO prices ({", ".join(STORED_COLUMNS)})
SELECT CAST(date AS DATE), ticker, open, high, low, close, volume, provider, source,
       CAST(fetched_at AS TIMESTAMP)
FROM delta
ON CONFLICT (provider, ticker, date) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in (*_VALUE_COLUMNS, "fetched_at"))}
WHERE {" OR ".join(f"prices.{c} IS DISTINCT FROM excluded.{c}" for c in _VALUE_COLUMNS)}
"""

_PREFERRED: Final = f"""
SELECT ticker, provider FROM prices GROUP BY ticker, provider
QUALIFY row_number() OVER (
    PARTITION BY ticker
    ORDER BY CASE provider
        {" ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(PROVIDER_PREFERENCE))}
        WHEN '{_SYNTHETIC_PROVIDER}' THEN {len(PROVIDER_PREFERENCE) + 1}
        ELSE {len(PROVIDER_PREFERENCE)} END,
    provider) = 1
"""


def _stage(frame: pd.DataFrame) -> pd.DataFrame:
    """Validate ``frame`` and complete it to the stored columns, before any connection is opened."""
    out = validate_prices(frame)
    for c in ("provider", "fetched_at"):
        if c not in out.columns or out[c].isna().any():
            raise ValueError(f"price frame needs '{c}' on every row to be stored")
    if "source" not in out.columns:
        out["source"] = None
    return out.loc[:, list(STORED_COLUMNS)]


def _insert_log(con: duckdb.DuckDBPyConnection, records: Sequence[FetchRecord]) -> None:
    if records:
        con.executemany(
            "INSERT INTO fetch_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [r.provider, r.ticker, r.start, r.end, r.fetched_at, r.rows, r.status, r.message]
                for r in records
            ],
        )


def _filters(
    tickers: Sequence[str] | None, provider: str | None, start: date | None, end: date | None
) -> tuple[str, list[object]]:
    conds: list[str] = ["TRUE"]
    params: list[object] = []
    if tickers is not None:
        conds.append("list_contains(?, ticker)")
        params.append(list(tickers))
    if provider is not None:
        conds.append("provider = ?")
        params.append(provider)
    if start is not None:
        conds.append("date >= ?")
        params.append(_as_date(start))
    if end is not None:
        conds.append("date <= ?")
        params.append(_as_date(end))
    return " AND ".join(conds), params


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, keeping the original error if the connection is past rolling back
    (closing it discards the transaction anyway)."""
    with suppress(duckdb.Error):
        con.execute("ROLLBACK")
