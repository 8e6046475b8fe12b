"""Theme runs kept in the DuckDB store, so ``serve`` shows a run exactly as ``report`` did.

Each ``ThemeRun`` is stored whole (every section's result, its as-of date,
the articles it read) under a short id, in table ``runs`` of the same file
as the prices and claims. ``serve`` renders a stored run with the report's
own code instead of recomputing it from whatever the store holds now, so a
store that served two reports shows each as it was, never a mix.

A run's price frame (the bulk of it: every session of every ticker) goes to
table ``run_price_frames`` as columns, which DuckDB compresses as it stores
them, once per distinct frame: ``run_frames`` points each run at its frame's
digest, so a report rebuilt over unchanged prices stores no price row again
(it used to append every row per run: a tenth of a warm report, and a store
growing by the whole frame each time). Runs written before keep their rows in
``run_prices`` and load from there;
the rest of the run is sealed (``sealed``: pickle and zlib under an HMAC of
the user's private key): pickle keeps every typed result without a second
schema to maintain, and the seal means a run is unpickled only if this user's
themelens wrote it, so a store file from elsewhere cannot run code. A run written by another version of the package
that this one cannot read is an error that says to build the report again.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Final

import duckdb
import pandas as pd

from themelens.data.contracts import STORED_COLUMNS
from themelens.duckdb_file import TableStore
from themelens.errors import StoreError
from themelens.pipeline.model import ThemeRun
from themelens.pipeline.sealed import SealError, seal, unseal
from themelens.pipeline.steps import package_digest

__all__ = ["RunStore", "StoredRun"]

_PRICE_COLUMNS_DDL: Final = """
    "date" TIMESTAMP,
    ticker VARCHAR,
    open DOUBLE,
    high DOUBLE,
    low DOUBLE,
    close DOUBLE,
    volume DOUBLE,
    provider VARCHAR,
    source VARCHAR,
    fetched_at TIMESTAMP
"""
_SCHEMA: Final = f"""
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    theme VARCHAR NOT NULL,
    "asof" DATE,
    articles INTEGER NOT NULL,
    claims INTEGER NOT NULL,
    synthetic BOOLEAN NOT NULL,
    version VARCHAR NOT NULL,
    blob BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS run_frames (
    run_id VARCHAR PRIMARY KEY,
    digest VARCHAR NOT NULL,
    n_rows BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS run_price_frames (
    digest VARCHAR NOT NULL,{_PRICE_COLUMNS_DDL});
CREATE TABLE IF NOT EXISTS run_prices (
    run_id VARCHAR NOT NULL,{_PRICE_COLUMNS_DDL});
"""


@dataclass(frozen=True)
class StoredRun:
    """One stored run as listed: id, when, which theme and as-of date, what it read."""

    id: str
    created_at: datetime
    theme: str
    asof: date | None
    articles: int
    claims: int
    synthetic: bool
    version: str


class RunStore(TableStore):
    """The ``runs`` table of a DuckDB store file (shared with prices and claims)."""

    SCHEMA = _SCHEMA

    def save(self, run: ThemeRun) -> ThemeRun:
        """Store ``run`` and return it with its ``run_id`` set."""
        created = datetime.now(UTC).replace(tzinfo=None)
        seed = f"{run.theme.name}|{run.asof}|{run.generated_at.isoformat()}|{created.isoformat()}"
        run_id = hashlib.sha256(seed.encode()).hexdigest()[:12]
        stored = replace(run, run_id=run_id)
        columnar = set(run.prices.columns) <= set(
            STORED_COLUMNS
        )  # else the frame rides in the blob
        rest = replace(stored, prices=stored.prices.iloc[0:0]) if columnar else stored
        blob = seal(rest)
        claims = len(run.verify.rows) if run.verify is not None else 0
        prices = _stored_columns(run.prices if columnar else run.prices.iloc[0:0])
        digest = frame_digest(prices)
        row = [run_id, created, run.theme.name, run.asof, len(run.articles), claims,
               run.synthetic, package_digest(), blob]  # fmt: skip
        with self._db.connect() as con:
            con.execute("BEGIN TRANSACTION")
            con.register("run_prices_in", prices)
            try:  # all or nothing, and the connection left clean for a session's next call
                # the file's write lock is held: no other process can add this digest meanwhile
                known = con.execute(
                    "SELECT 1 FROM run_frames WHERE digest = ? LIMIT 1", [digest]
                ).fetchone()
                if known is None:
                    con.execute(
                        f"INSERT INTO run_price_frames SELECT ?, {_COLUMNS} FROM run_prices_in",
                        [digest],
                    )
                con.execute(
                    "INSERT INTO run_frames VALUES (?, ?, ?)", [run_id, digest, len(prices)]
                )
                con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise
            finally:
                with contextlib.suppress(duckdb.Error):
                    con.unregister("run_prices_in")
        return stored

    def list(self, theme: str | None = None) -> list[StoredRun]:
        """Stored runs, newest first (only ``theme``'s when given)."""
        where, params = ("WHERE theme = ?", [theme]) if theme else ("", [])
        sql = (
            'SELECT id, created_at, theme, "asof", articles, claims, synthetic, version '
            f"FROM runs {where} ORDER BY created_at DESC, id"
        )
        with self._db.connect(read_only=True) as con:
            rows = con.execute(sql, params).fetchall()
        return [StoredRun(*row) for row in rows]

    def load(
        self, run_id: str | None = None, *, theme: str | None = None, asof: date | None = None
    ) -> ThemeRun:
        """Run ``run_id``, else the newest run (of ``theme``, at ``asof`` when given).

        Raises ``StoreError`` when there is no such run, or when it was written
        by a version of the package that cannot read it back.
        """
        listed = self.list(theme)
        if run_id is not None:
            chosen = next((r for r in listed if r.id == run_id), None)
            if chosen is None:
                raise StoreError(f"no stored run {run_id!r}", path=self.path)
        else:
            fitting = [r for r in listed if asof is None or r.asof == asof]
            if not fitting:
                when = f" at {asof}" if asof else ""
                raise StoreError(
                    f"no report run stored for {theme or 'any theme'}{when}; "
                    "run `themelens report` first",
                    path=self.path,
                )
            chosen = fitting[0]
        with self._db.connect(read_only=True) as con:
            found = con.execute("SELECT blob FROM runs WHERE id = ?", [chosen.id]).fetchone()
            frame = con.execute(
                "SELECT digest, n_rows FROM run_frames WHERE run_id = ?", [chosen.id]
            ).fetchone()
            if frame is None:  # stored before frames were shared
                prices = con.execute(
                    f"SELECT {_COLUMNS} FROM run_prices WHERE run_id = ? ORDER BY rowid",
                    [chosen.id],
                ).df()
            else:
                prices = con.execute(
                    f"SELECT {_COLUMNS} FROM run_price_frames WHERE digest = ? ORDER BY rowid",
                    [frame[0]],
                ).df()
                if len(prices) != frame[1]:
                    raise StoreError(
                        f"run {chosen.id} should have {frame[1]:,} price rows and has "
                        f"{len(prices):,}; run `themelens report` again",
                        path=self.path,
                    )
        assert found is not None
        try:
            run = unseal(found[0])
        except SealError as exc:
            raise StoreError(
                f"run {chosen.id} is not this user's ({exc}), so it is not loaded; "
                "run `themelens report` again",
                path=self.path,
            ) from exc
        except Exception as exc:  # any failure to rebuild the objects means the same thing
            raise StoreError(
                f"run {chosen.id} was stored by themelens {chosen.version} and cannot be read "
                f"by this version ({type(exc).__name__}); run `themelens report` again",
                path=self.path,
            ) from exc
        if not isinstance(run, ThemeRun):
            raise StoreError(f"run {chosen.id} does not hold a theme run", path=self.path)
        if len(run.prices) or prices.empty:
            return run
        return replace(run, prices=_as_frame(prices, run.prices))


_COLUMNS: Final = ", ".join(f'"{c}"' for c in STORED_COLUMNS)
_TIMES: Final = ("date", "fetched_at")


def frame_digest(prices: pd.DataFrame) -> str:
    """A content key for a price frame: columns, dtypes, length and every row's hash in order.

    ``pd.util.hash_pandas_object`` hashes each row's values (64 bits); the
    SHA-256 of those hashes, the column names and dtypes tells two frames
    apart unless 64-bit row hashes collide at the same position.
    """
    head = "|".join(f"{c}:{prices[c].dtype}" for c in prices.columns) + f"|{len(prices)}"
    rows = pd.util.hash_pandas_object(prices, index=False).to_numpy()
    return hashlib.sha256(head.encode() + rows.tobytes()).hexdigest()


def _stored_columns(prices: pd.DataFrame) -> pd.DataFrame:
    """The run's prices in the table's columns (a column the frame lacks is stored empty)."""
    out = pd.DataFrame(index=prices.index)
    for c in STORED_COLUMNS:
        out[c] = prices[c] if c in prices.columns else None
    return out.reset_index(drop=True)


def _as_frame(stored: pd.DataFrame, shape: pd.DataFrame) -> pd.DataFrame:
    """The prices read back in the run's own columns and dtypes (``shape`` is its empty frame)."""
    out = stored[[c for c in shape.columns if c in stored.columns]].copy()
    for c in out.columns:
        if c in _TIMES:
            out[c] = pd.to_datetime(out[c]).astype(shape[c].dtype)
        else:
            out[c] = out[c].astype(shape[c].dtype)
    return out.reset_index(drop=True)
