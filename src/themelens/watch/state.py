"""The watch's own tables, on the DuckDB file every store shares.

Why it looks the way it does
----------------------------
The watch must resume after a stop or a crash without ingesting an item
twice or losing one, so what it has done lives in the store, not in memory:

* ``watch_feeds``: each feed's validators (ETag, Last-Modified), its
  failures in a row and when to try it again.
* ``watch_files``: for a folder feed, each file's (mtime, size) when read,
  so an unchanged file is not read again.
* ``watch_items``: the ledger, one row per article (content hash) the watch
  has finished, with its timing and when its claims are due for the check
  after the close.
* ``watch_verdicts``: the verdict history, keyed ``(article_id, idx, phase)``.
* ``watch_alerts``: an outbox; an alert is stored with its item and marked
  delivered once written out, so a stop between the two delivers it on restart.

An item's ledger line, its first verdicts and its alerts are written in one
transaction, after the article, claims and verdicts are in the article
store: a stop before that commit leaves no ledger line, and the restart
does the item again (every earlier write is idempotent on the content
hash), so no item is half done and none is done twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import datetime
from typing import Any, Final

import duckdb

from themelens.duckdb_file import TableStore
from themelens.watch.model import Alert, FeedState, HistoryRow, ItemRecord

__all__ = ["WatchStore"]

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS watch_feeds (
    feed VARCHAR PRIMARY KEY,
    etag VARCHAR,
    last_modified VARCHAR,
    failures INTEGER NOT NULL,
    retry_at TIMESTAMP,
    last_error VARCHAR,
    last_ok_at TIMESTAMP,
    polls BIGINT NOT NULL,
    items BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS watch_files (
    feed VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    mtime_ns BIGINT NOT NULL,
    size BIGINT NOT NULL,
    PRIMARY KEY (feed, path)
);
CREATE TABLE IF NOT EXISTS watch_items (
    article_id VARCHAR PRIMARY KEY,
    feed VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    title VARCHAR,
    origin VARCHAR NOT NULL,
    published DATE,
    arrived_at TIMESTAMP NOT NULL,
    verified_at TIMESTAMP NOT NULL,
    claims INTEGER NOT NULL,
    latency_s DOUBLE NOT NULL,
    fetch_s DOUBLE NOT NULL,
    recheck_at TIMESTAMP,
    rechecked_at TIMESTAMP,
    notes JSON
);
CREATE TABLE IF NOT EXISTS watch_verdicts (
    article_id VARCHAR NOT NULL,
    idx INTEGER NOT NULL,
    phase VARCHAR NOT NULL CHECK (phase IN ('first', 'final')),
    verdict VARCHAR NOT NULL,
    checked_at TIMESTAMP NOT NULL,
    entity VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    "value" VARCHAR NOT NULL,
    quote VARCHAR NOT NULL,
    ticker VARCHAR,
    "asof" DATE,
    computed VARCHAR,
    reason VARCHAR,
    session_close_pct DOUBLE,
    day_low_pct DOUBLE,
    day_high_pct DOUBLE,
    tape VARCHAR,
    PRIMARY KEY (article_id, idx, phase)
);
CREATE TABLE IF NOT EXISTS watch_alerts (
    "key" VARCHAR PRIMARY KEY,
    article_id VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL,
    verdict VARCHAR NOT NULL,
    payload JSON NOT NULL,
    delivered_at TIMESTAMP
);
"""

_FEED_COLUMNS: Final = (
    "feed", "etag", "last_modified", "failures", "retry_at", "last_error", "last_ok_at",
    "polls", "items",
)  # fmt: skip
_HISTORY_COLUMNS: Final = (
    "article_id", "idx", "phase", "verdict", "checked_at", "entity", "metric", "value", "quote",
    "ticker", "asof", "computed", "reason", "session_close_pct", "day_low_pct", "day_high_pct",
    "tape",
)  # fmt: skip


class WatchStore(TableStore):
    """The watch's tables (``watch_*``) in a DuckDB file; one short transaction per call.

    Parameters
    ----------
    path
        The DuckDB file (normally ``Settings.db_path``, shared with the other stores).
    lock_timeout_s
        How long an operation waits for another process to release the file.
    """

    SCHEMA = _SCHEMA

    # --- feeds ----------------------------------------------------------------

    def feed_states(self, feeds: Sequence[str]) -> dict[str, FeedState]:
        """The stored state of each of ``feeds``; a feed never polled gets a fresh one."""
        cols = ", ".join(_FEED_COLUMNS)
        with self._db.connect(read_only=True) as con:
            rows = con.execute(
                f"SELECT {cols} FROM watch_feeds WHERE list_contains(?, feed)", [list(feeds)]
            ).fetchall()
        found = {r[0]: FeedState(*r) for r in rows}
        return {f: found.get(f, FeedState(f)) for f in feeds}

    def save_feed(self, state: FeedState, files: Iterable[tuple[str, int, int]] = ()) -> None:
        """Store a feed's state (and, for a folder, the files it read) in one transaction."""
        marks = [[state.feed, p, m, s] for p, m, s in files]
        values = [getattr(state, c) for c in _FEED_COLUMNS]
        with self._db.connect() as con:
            _begin(con)
            try:
                con.execute(
                    f"INSERT OR REPLACE INTO watch_feeds ({', '.join(_FEED_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(_FEED_COLUMNS))})",
                    values,
                )
                if marks:
                    con.executemany("INSERT OR REPLACE INTO watch_files VALUES (?, ?, ?, ?)", marks)
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise

    def seen_files(self, feed: str) -> dict[str, tuple[int, int]]:
        """A folder feed's files as last read: path -> (mtime_ns, size)."""
        with self._db.connect(read_only=True) as con:
            rows = con.execute(
                "SELECT path, mtime_ns, size FROM watch_files WHERE feed = ?", [feed]
            ).fetchall()
        return {p: (int(m), int(s)) for p, m, s in rows}

    # --- items ----------------------------------------------------------------

    def known(self, article_ids: Sequence[str]) -> set[str]:
        """Which of ``article_ids`` the ledger holds (finished items)."""
        if not article_ids:
            return set()
        with self._db.connect(read_only=True) as con:
            rows = con.execute(
                "SELECT article_id FROM watch_items WHERE list_contains(?, article_id)",
                [list(article_ids)],
            ).fetchall()
        return {r[0] for r in rows}

    def finish_item(
        self, item: ItemRecord, history: Sequence[HistoryRow], alerts: Sequence[Alert]
    ) -> None:
        """The item's ledger line, its verdicts and its alerts, in one transaction."""
        with self._db.connect() as con:
            _begin(con)
            try:
                con.execute(
                    "INSERT OR REPLACE INTO watch_items VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                    [
                        item.article_id, item.feed, item.name, item.title, item.origin,
                        item.published, item.arrived_at, item.verified_at, item.claims,
                        item.latency_s, item.fetch_s, item.recheck_at,
                        json.dumps(list(item.notes)) if item.notes else None,
                    ],
                )  # fmt: skip
                _put_history(con, history)
                _put_alerts(con, alerts)
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise

    def due_rechecks(self, now: datetime, *, limit: int = 50) -> list[str]:
        """Articles whose claims are due for the check after the close, oldest due first."""
        with self._db.connect(read_only=True) as con:
            rows = con.execute(
                "SELECT article_id FROM watch_items WHERE recheck_at <= ? AND rechecked_at IS NULL "
                "ORDER BY recheck_at, article_id LIMIT ?",
                [now, limit],
            ).fetchall()
        return [r[0] for r in rows]

    def next_recheck(self) -> datetime | None:
        """When the earliest pending check after the close is due (None: none pending)."""
        with self._db.connect(read_only=True) as con:
            row = con.execute(
                "SELECT min(recheck_at) FROM watch_items WHERE rechecked_at IS NULL"
            ).fetchone()
        return None if row is None else row[0]

    def finish_recheck(
        self,
        article_id: str,
        at: datetime,
        history: Sequence[HistoryRow],
        alerts: Sequence[Alert],
        *,
        again_at: datetime | None = None,
    ) -> None:
        """The final verdicts and their alerts, and the re-check marked done, in one transaction.

        ``again_at`` puts the re-check off instead (a session still not closed in the data).
        """
        with self._db.connect() as con:
            _begin(con)
            try:
                if again_at is not None:
                    con.execute(
                        "UPDATE watch_items SET recheck_at = ? WHERE article_id = ?",
                        [again_at, article_id],
                    )
                else:
                    con.execute(
                        "UPDATE watch_items SET rechecked_at = ? WHERE article_id = ?",
                        [at, article_id],
                    )
                _put_history(con, history)
                _put_alerts(con, alerts)
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise

    def first_verdicts(self, article_id: str) -> dict[int, str]:
        """Each claim's first verdict (claim index -> verdict)."""
        with self._db.connect(read_only=True) as con:
            rows = con.execute(
                "SELECT idx, verdict FROM watch_verdicts WHERE article_id = ? AND phase = 'first'",
                [article_id],
            ).fetchall()
        return {int(i): str(v) for i, v in rows}

    def item_feed(self, article_id: str) -> str | None:
        with self._db.connect(read_only=True) as con:
            row = con.execute(
                "SELECT feed FROM watch_items WHERE article_id = ?", [article_id]
            ).fetchone()
        return None if row is None else str(row[0])

    # --- alerts -----------------------------------------------------------------

    def undelivered(self, *, limit: int = 200) -> list[dict[str, Any]]:
        """Stored alerts not yet written out, oldest first, as their JSON payloads."""
        with self._db.connect(read_only=True) as con:
            rows = con.execute(
                'SELECT payload FROM watch_alerts WHERE delivered_at IS NULL ORDER BY "at", "key" '
                "LIMIT ?",
                [limit],
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def mark_delivered(self, keys: Sequence[str], at: datetime) -> None:
        if not keys:
            return
        with self._db.connect() as con:
            con.execute(
                'UPDATE watch_alerts SET delivered_at = ? WHERE list_contains(?, "key")',
                [at, list(keys)],
            )

    # --- reading for the page -----------------------------------------------------

    def snapshot(self, *, limit: int = 200) -> dict[str, list[dict[str, Any]]]:
        """What the live page shows: the latest claims with their first and final verdicts,
        the latest alerts, every feed's state and the counts."""
        with self._db.connect(read_only=True) as con:
            return {
                "claims": _rows(con, _CLAIMS_SQL, [limit]),
                "alerts": _rows(con, _ALERTS_SQL, [min(limit, 100)]),
                "feeds": _rows(con, _FEEDS_SQL, []),
                "counts": _rows(con, _COUNTS_SQL, []),
            }


_CLAIMS_SQL: Final = """
SELECT i.article_id, i.name AS article, i.title, i.origin, i.feed, i.arrived_at,
       i.latency_s, i.recheck_at, i.rechecked_at, f.idx, f.entity, f.metric, f."value", f.quote,
       f.ticker, f."asof", f.verdict AS first_verdict, f.checked_at AS first_at,
       f.tape AS first_tape, f.computed AS first_computed, l.verdict AS final_verdict,
       l.checked_at AS final_at, l.tape AS final_tape, l.computed AS final_computed,
       coalesce(l.reason, f.reason) AS reason
FROM watch_items i
JOIN watch_verdicts f ON f.article_id = i.article_id AND f.phase = 'first'
LEFT JOIN watch_verdicts l ON l.article_id = f.article_id AND l.idx = f.idx AND l.phase = 'final'
ORDER BY i.arrived_at DESC, i.article_id, f.idx
LIMIT ?
"""
_FEEDS_SQL: Final = f"SELECT {', '.join(_FEED_COLUMNS)} FROM watch_feeds ORDER BY feed"
_ALERTS_SQL: Final = (
    'SELECT "key", "at", verdict, payload, delivered_at FROM watch_alerts ORDER BY "at" DESC, "key" '
    "LIMIT ?"
)
_COUNTS_SQL: Final = """
SELECT (SELECT count(*) FROM watch_items) AS items,
       (SELECT count(*) FROM watch_verdicts WHERE phase = 'first') AS claims,
       (SELECT count(*) FROM watch_items WHERE recheck_at IS NOT NULL AND rechecked_at IS NULL)
           AS rechecks_pending,
       (SELECT count(*) FROM watch_alerts) AS alerts
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def _put_history(con: duckdb.DuckDBPyConnection, rows: Sequence[HistoryRow]) -> None:
    if rows:
        con.executemany(
            f"INSERT OR REPLACE INTO watch_verdicts ({', '.join(map(_quoted, _HISTORY_COLUMNS))}) "
            f"VALUES ({', '.join('?' * len(_HISTORY_COLUMNS))})",
            [[_cell(getattr(r, c)) if c == "computed" else getattr(r, c) for c in _HISTORY_COLUMNS]
             for r in rows],
        )  # fmt: skip


def _put_alerts(con: duckdb.DuckDBPyConnection, alerts: Sequence[Alert]) -> None:
    if alerts:
        con.executemany(
            'INSERT INTO watch_alerts ("key", article_id, "at", verdict, payload) '
            'VALUES (?, ?, ?, ?, ?) ON CONFLICT ("key") DO NOTHING',
            [[a.key, a.article_id, a.at, a.verdict, a.to_json()] for a in alerts],
        )


def _quoted(name: str) -> str:
    return f'"{name}"'


def _cell(value: float | str | None) -> str | None:
    return None if value is None else json.dumps(value)


def _begin(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("BEGIN TRANSACTION")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with suppress(duckdb.Error):
        con.execute("ROLLBACK")
