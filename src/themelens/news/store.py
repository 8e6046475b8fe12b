"""The article store: articles and their claims in the DuckDB file the price cache uses.

Why it looks the way it does
----------------------------
Articles are keyed by their content hash (``Article.id``), so adding the same
text twice, from two files or two runs, keeps one row. Claims are keyed by
``(article_id, idx)`` and are only ever written by ``replace_claims_many``,
which deletes the articles' claims and inserts the new ones in one
transaction: re-extracting never duplicates and never leaves a mix of old and
new. Every write is one transaction; a failure rolls it back whole.

The ``claims`` table already carries the verdict columns (``ticker``,
``asof``, ``computed``, ``verdict``, ``reason``, ``verified_at``) that
verification fills with ``record_verdicts_many``; extraction leaves them NULL
(``computed`` is JSON text, as it is a number or a ``YYYY-MM`` string). A claim's ``value``
is a number or, for ``high_since``, a ``YYYY-MM`` string, so it is stored in
two columns, ``value_num`` and ``value_text``; the optional keys
(``value_usd``, ``listing``, ``by``, ``instrument``, ``also``) go to ``extras`` as JSON.

What made the stored claims and verdicts is kept on the article:
``extracted_with`` (the extraction key: code, theme, date) and
``verified_with`` (the evidence key its verdicts were made with; cleared when
its claims are replaced), so a run can reuse both for an unchanged article.

Scale (issue 18): a write is a fixed number of statements whatever its size,
each batch going in as one Arrow table (``_store_tables``), and the article
ids a statement is about are joined, never searched in a list. Connections
are short-lived and lock-aware through ``DuckDBFile``, like the price cache;
a command making several calls holds one ``session()``. Every DuckDB error
surfaces as a one-line ``StoreError``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, Final, NamedTuple

import duckdb
import pandas as pd
import pyarrow as pa

from themelens.duckdb_file import TableStore
from themelens.errors import ArticleError
from themelens.news._store_tables import (
    CLAIM_COLUMNS,
    StoredVerdict,
    articles_table,
    claim_from_row,
    claims_table,
    keys_table,
    verdict_from_row,
    verdicts_table,
)
from themelens.news.article import Article
from themelens.news.claim import Claim

__all__ = ["ARTICLE_COLUMNS", "AddResult", "ArticleStore", "StoredVerdict"]

ARTICLE_COLUMNS: Final = (
    "id", "name", "title", "published", "date_origin", "source", "origin", "kind", "fetched_at",
)  # fmt: skip
"""Columns of ``list_articles()`` before ``chars`` and ``claims`` (the text is left out)."""

_SHORT_ID_MIN: Final = 6

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS articles (
    id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    title VARCHAR,
    published DATE,
    date_origin VARCHAR,
    source VARCHAR,
    origin VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    fetched_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    article_id VARCHAR NOT NULL,
    idx INTEGER NOT NULL,
    entity VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    value_num DOUBLE,
    value_text VARCHAR,
    currency VARCHAR,
    "window" VARCHAR,
    "date" VARCHAR,
    qualifier VARCHAR,
    quote VARCHAR NOT NULL,
    quote_start INTEGER,
    quote_end INTEGER,
    extras JSON,
    extractor VARCHAR NOT NULL,
    extracted_at TIMESTAMP NOT NULL,
    ticker VARCHAR,
    "asof" DATE,
    computed VARCHAR,
    verdict VARCHAR,
    reason VARCHAR,
    proxy BOOLEAN,
    verified_at TIMESTAMP,
    PRIMARY KEY (article_id, idx),
    CHECK (value_num IS NOT NULL OR value_text IS NOT NULL)
);
ALTER TABLE claims ADD COLUMN IF NOT EXISTS session_close_pct DOUBLE;
ALTER TABLE claims ADD COLUMN IF NOT EXISTS day_low_pct DOUBLE;
ALTER TABLE claims ADD COLUMN IF NOT EXISTS day_high_pct DOUBLE;
ALTER TABLE articles ADD COLUMN IF NOT EXISTS extracted_with VARCHAR;
ALTER TABLE articles ADD COLUMN IF NOT EXISTS verified_with VARCHAR;
ALTER TABLE claims ADD COLUMN IF NOT EXISTS figures_session DATE;
"""

_VERDICT_UPDATE: Final = (
    'UPDATE claims SET ticker = v.ticker, "asof" = v.asof, computed = v.computed, '
    "verdict = v.verdict, reason = v.reason, proxy = v.proxy, "
    "session_close_pct = v.session_close_pct, day_low_pct = v.day_low_pct, "
    "day_high_pct = v.day_high_pct, figures_session = v.figures_session, "
    "verified_at = v.verified_at "
    "FROM verdicts_in v WHERE claims.article_id = v.article_id AND claims.idx = v.idx"
)
_HELD: Final = "SELECT i.id FROM {table} i SEMI JOIN articles a ON a.id = i.id"


class AddResult(NamedTuple):
    """Ids of the articles a write stored, and of those the store already held."""

    added: tuple[str, ...]
    already_present: tuple[str, ...]


class ArticleStore(TableStore):
    """Articles (table ``articles``) and extracted claims (table ``claims``) in a DuckDB file.

    Parameters
    ----------
    path
        The DuckDB file, normally ``Settings.db_path`` (shared with the price
        cache); folders and tables are created on first open.
    lock_timeout_s
        How long an operation waits for another process to release the file.
    """

    SCHEMA = _SCHEMA

    # --- writing ------------------------------------------------------------

    def add_articles(self, articles: Iterable[Article]) -> AddResult:
        """Store articles by content hash in one transaction; those already held are left alone.

        Returns
        -------
        AddResult
            ``added`` ids new to the store, ``already_present`` ids it held
            (an article repeated within ``articles`` counts once).

        Raises
        ------
        StoreError
            The write failed; none of ``articles`` is stored.
        """
        first: dict[str, Article] = {}
        for article in articles:
            first.setdefault(article.id, article)
        if not first:
            return AddResult((), ())
        ids = list(first)
        table = articles_table(list(first.values()))
        with (
            self._db.connect() as con,
            _transaction(con),
            _registered(con, "articles_in", table),
        ):
            held = {r[0] for r in con.execute(_HELD.format(table="articles_in")).fetchall()}
            con.execute(
                "INSERT INTO articles BY NAME SELECT * FROM articles_in ON CONFLICT (id) DO NOTHING"
            )
        return AddResult(tuple(i for i in ids if i not in held), tuple(i for i in ids if i in held))

    def replace_claims(self, article_id: str, claims: Sequence[Claim], *, extractor: str) -> int:
        """Replace an article's claims with ``claims`` (numbered 0..n-1) in one transaction.

        Returns the number of claims stored. Raises ``ArticleError`` if the
        store has no article ``article_id``, ``StoreError`` if the write fails
        (the article keeps the claims it had).
        """
        return self.replace_claims_many({article_id: claims}, extractor=extractor)

    def replace_claims_many(
        self,
        claims: Mapping[str, Sequence[Claim]],
        *,
        extractor: str,
        key: str | Mapping[str, str] | None = None,
    ) -> int:
        """Replace each article's claims (article id → claims) in one transaction for them all.

        ``key`` records what extracted them (``extraction_key``: code, theme,
        date), one for all or one per article id, so a later run can reuse them
        for an unchanged article (:meth:`extracted_under`); their verdicts go
        with the old claims. Raises ``ArticleError`` naming an article the
        store does not hold, before anything is written.
        """
        if not claims:
            return 0
        keys = dict(key) if isinstance(key, Mapping) else dict.fromkeys(claims, key)
        table = claims_table(claims, extractor=extractor, now=_now())
        ids = keys_table({a: keys.get(a) for a in claims})
        with self._db.connect() as con, _transaction(con), _registered(con, "ids_in", ids):
            held = {r[0] for r in con.execute(_HELD.format(table="ids_in")).fetchall()}
            if absent := [a for a in claims if a not in held]:
                raise ArticleError("no such article in the store", source=absent[0][:12])
            con.execute("DELETE FROM claims WHERE article_id IN (SELECT id FROM ids_in)")
            with _registered(con, "claims_in", table):
                con.execute(f"INSERT INTO claims ({CLAIM_COLUMNS}) SELECT * FROM claims_in")
            con.execute(
                "UPDATE articles SET extracted_with = i.key, verified_with = NULL "
                "FROM ids_in i WHERE articles.id = i.id"
            )
        return int(table.num_rows)

    def extracted_under(self, keys: Mapping[str, str]) -> dict[str, str | None]:
        """The articles among ``keys`` (id → extraction key) whose stored claims that key
        extracted, each with the key its stored verdicts were made under (None: not verified
        since)."""
        if not keys:
            return {}
        table = keys_table(keys)
        with self._db.connect(read_only=True) as con, _registered(con, "keys_in", table):
            rows = con.execute(
                "SELECT a.id, a.verified_with FROM articles a "
                "JOIN keys_in k ON a.id = k.id AND a.extracted_with = k.key"
            ).fetchall()
        return dict(rows)

    def record_verdicts(self, article_id: str, verdicts: Sequence[StoredVerdict]) -> int:
        """Store one verdict per claim of ``article_id``, in claim order, in one transaction.

        Raises ``ArticleError`` when the count differs from the stored claims
        (the claims were re-extracted since), so a verdict never lands on the
        wrong claim.
        """
        failed = self.record_verdicts_many({article_id: verdicts})
        if failed:
            raise ArticleError(failed[article_id], source=article_id[:12])
        return len(verdicts)

    def record_verdicts_many(
        self,
        verdicts: Mapping[str, Sequence[StoredVerdict]],
        *,
        keys: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """Store each article's verdicts (one per claim, in claim order) in one transaction.

        An article whose stored claim count differs from its verdicts (the
        claims were re-extracted since) is left as it is and returned with the
        reason (article id → reason), so no verdict lands on the wrong claim;
        the others are stored, each with its key from ``keys`` (what evidence
        made them; none: they are never reused).
        """
        if not verdicts:
            return {}
        ids = {a: (keys or {}).get(a) for a in verdicts}
        table = keys_table(ids)
        with self._db.connect() as con, _transaction(con), _registered(con, "ids_in", table):
            counted = con.execute(
                "SELECT c.article_id, count(*) FROM claims c "
                "SEMI JOIN ids_in i ON c.article_id = i.id GROUP BY c.article_id"
            )
            held = dict(counted.fetchall())
            failed = {
                a: f"{len(verdicts[a])} verdicts for {held.get(a, 0)} stored claims"
                for a in ids
                if int(held.get(a, 0)) != len(verdicts[a])
            }
            rows = [(a, i, v) for a in ids if a not in failed for i, v in enumerate(verdicts[a])]
            stored = keys_table({a: k for a, k in ids.items() if a not in failed})
            with (
                _registered(con, "verdicts_in", verdicts_table(rows, now=_now())),
                _registered(con, "stored_in", stored),
            ):
                con.execute(_VERDICT_UPDATE)
                con.execute(
                    "UPDATE articles SET verified_with = s.key FROM stored_in s "
                    "WHERE articles.id = s.id"
                )
        return failed

    def read_verified(
        self, article_ids: Sequence[str] | None = None
    ) -> list[tuple[Claim, StoredVerdict | None]]:
        """Stored claims with their verdicts (None where a claim was never verified)."""
        join = "" if article_ids is None else "SEMI JOIN ids_in i ON c.article_id = i.id"
        sql = f"""
            SELECT a.name, c.entity, c.metric, c.value_num, c.value_text, c.currency, c."window",
                   c."date", c.qualifier, c.quote, c.quote_start, c.quote_end, c.extras,
                   c.article_id, c.ticker, c."asof", c.computed, c.verdict, c.reason, c.proxy,
                   c.session_close_pct, c.day_low_pct, c.day_high_pct, c.figures_session
            FROM claims c {join} JOIN articles a ON a.id = c.article_id
            ORDER BY a.name, c.article_id, c.idx
        """
        ids = keys_table(dict.fromkeys(article_ids or ()))
        with self._db.connect(read_only=True) as con, _registered(con, "ids_in", ids):
            rows = con.execute(sql).fetchall()
        return [(claim_from_row(r[:14]), verdict_from_row(r[14:])) for r in rows]

    # --- reading ------------------------------------------------------------

    def list_articles(self) -> pd.DataFrame:
        """One row per article, oldest publication first: ``ARTICLE_COLUMNS`` then ``chars``
        (text length) and ``claims`` (stored claim count). Dates are ``datetime.date`` or None."""
        cols = ", ".join(f"a.{c}" for c in ARTICLE_COLUMNS)
        sql = f"""
            SELECT {cols}, length(a.text) AS chars, count(c.idx) AS claims
            FROM articles a LEFT JOIN claims c ON c.article_id = a.id
            GROUP BY ALL ORDER BY a.published NULLS LAST, a.name, a.id
        """
        with self._db.connect(read_only=True) as con:
            rows = con.execute(sql).fetchall()
        frame = pd.DataFrame(rows, columns=[*ARTICLE_COLUMNS, "chars", "claims"])
        frame["fetched_at"] = pd.to_datetime(frame["fetched_at"])
        for c in ("chars", "claims"):
            frame[c] = frame[c].astype("int64")
        return frame

    def articles(self) -> list[Article]:
        """Every stored article, ordered as ``list_articles``."""
        return self._select("TRUE", [])

    def get_article(self, key: str) -> Article:
        """The article with this id, id prefix (at least 6 characters) or name.

        Raises ``ArticleError`` when nothing matches or a prefix or name matches several.
        """
        found = self._select("id = ?", [key])
        if not found and len(key) >= _SHORT_ID_MIN:
            found = self._select("starts_with(id, ?)", [key.lower()])
        if not found:
            found = self._select("name = ?", [key])
        if not found:
            raise ArticleError("no stored article with this id or name", source=key)
        if len(found) > 1:
            ids = ", ".join(a.id[:12] for a in found)
            raise ArticleError(f"matches {len(found)} articles ({ids}); give an id", source=key)
        return found[0]

    def read_claims(self, article_ids: Sequence[str] | None = None) -> list[Claim]:
        """Stored claims, by article (name, id) then position; ``Claim.article`` is the article's name."""
        return [claim for claim, _ in self.read_verified(article_ids)]

    def _select(self, where: str, params: list[Any]) -> list[Article]:
        sql = (
            "SELECT name, text, title, published, date_origin, source, origin, kind, fetched_at "
            f"FROM articles WHERE {where} ORDER BY published NULLS LAST, name, id"
        )
        with self._db.connect(read_only=True) as con:
            rows = con.execute(sql, params).fetchall()
        return [
            Article(
                name=r[0],
                text=r[1],
                title=r[2],
                published=r[3],
                date_origin=r[4],
                source=r[5],
                origin=r[6],
                kind=r[7],
                fetched_at=r[8],
            )
            for r in rows
        ]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@contextlib.contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction: committed when the block ends, rolled back whole if it raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        with suppress(duckdb.Error):  # past rolling back, closing discards it anyway
            con.execute("ROLLBACK")
        raise


@contextlib.contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """``table`` visible as ``name`` for the block (a session's connection outlives it)."""
    con.register(name, table)
    try:
        yield
    finally:
        with suppress(duckdb.Error):
            con.unregister(name)
