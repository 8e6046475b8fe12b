"""The article store: articles and their claims in the DuckDB file the price cache uses.

Why it looks the way it does
----------------------------
Articles are keyed by their content hash (``Article.id``), so adding the same
text twice, from two files or two runs, keeps one row. Claims are keyed by
``(article_id, idx)`` and are only ever written by ``replace_claims``, which
deletes an article's claims and inserts the new ones in one transaction:
re-extracting never duplicates and never leaves a mix of old and new.
Every write is one transaction; a failure rolls it back whole.

The ``claims`` table already carries the verdict columns (``ticker``,
``asof``, ``computed``, ``verdict``, ``reason``, ``verified_at``) that
verification fills with ``record_verdicts``; extraction leaves them NULL
(``computed`` is JSON text, as it is a number or a ``YYYY-MM`` string). A claim's ``value``
is a number or, for ``high_since``, a ``YYYY-MM`` string, so it is stored in
two columns, ``value_num`` and ``value_text``; the optional keys
(``value_usd``, ``listing``, ``by``, ``instrument``, ``also``) go to ``extras`` as JSON.

Connections are short-lived and lock-aware through ``DuckDBFile``, like the
price cache; every DuckDB error surfaces as a one-line ``StoreError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, NamedTuple

import duckdb
import pandas as pd

from themelens.duckdb_file import DuckDBFile
from themelens.errors import ArticleError
from themelens.news.article import Article
from themelens.news.claim import Claim

__all__ = ["ARTICLE_COLUMNS", "AddResult", "ArticleStore", "StoredVerdict"]

ARTICLE_COLUMNS: Final = (
    "id", "name", "title", "published", "date_origin", "source", "origin", "kind", "fetched_at",
)  # fmt: skip
"""Columns of ``list_articles()`` before ``chars`` and ``claims`` (the text is left out)."""

_EXTRAS: Final = ("value_usd", "listing", "by", "instrument", "also")
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
"""

_ARTICLE_INSERT: Final = (
    "INSERT INTO articles (id, name, title, published, date_origin, source, origin, kind, text, "
    "fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
)
_CLAIM_INSERT: Final = (
    'INSERT INTO claims (article_id, idx, entity, metric, value_num, value_text, currency, "window", '
    '"date", qualifier, quote, quote_start, quote_end, extras, extractor, extracted_at) '
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


_VERDICT_UPDATE: Final = (
    'UPDATE claims SET ticker = v.ticker, "asof" = CAST(v.asof AS DATE), computed = v.computed, '
    "verdict = v.verdict, reason = v.reason, proxy = v.proxy, "
    "session_close_pct = v.session_close_pct, day_low_pct = v.day_low_pct, "
    "day_high_pct = v.day_high_pct, verified_at = v.verified_at "
    "FROM verdicts_in v WHERE claims.article_id = v.article_id AND claims.idx = v.idx"
)


class AddResult(NamedTuple):
    """Ids of the articles a write stored, and of those the store already held."""

    added: tuple[str, ...]
    already_present: tuple[str, ...]


class StoredVerdict(NamedTuple):
    """A claim's verdict as stored beside it (the verify layer's fields, as plain values)."""

    ticker: str | None
    asof: date | None
    computed: float | str | None
    verdict: str
    reason: str
    proxy: bool = False
    session_close_pct: float | None = None
    day_low_pct: float | None = None
    day_high_pct: float | None = None


class ArticleStore:
    """Articles (table ``articles``) and extracted claims (table ``claims``) in a DuckDB file.

    Parameters
    ----------
    path
        The DuckDB file, normally ``Settings.db_path`` (shared with the price
        cache); folders and tables are created on first open.
    lock_timeout_s
        How long an operation waits for another process to release the file.
    """

    def __init__(self, path: Path, *, lock_timeout_s: float = 30.0) -> None:
        self._db = DuckDBFile(path, schema=_SCHEMA, lock_timeout_s=lock_timeout_s)
        self.path = self._db.path
        self.lock_timeout_s = lock_timeout_s

    def __repr__(self) -> str:
        return f"ArticleStore({str(self.path)!r})"

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
        unique = list(first.values())
        if not unique:
            return AddResult((), ())
        ids = [a.id for a in unique]
        with self._db.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                held = {
                    r[0]
                    for r in con.execute(
                        "SELECT id FROM articles WHERE list_contains(?, id)", [ids]
                    ).fetchall()
                }
                rows = [_article_row(a) for a in unique if a.id not in held]
                if rows:
                    con.executemany(_ARTICLE_INSERT, rows)
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise
        return AddResult(tuple(i for i in ids if i not in held), tuple(i for i in ids if i in held))

    def replace_claims(self, article_id: str, claims: Sequence[Claim], *, extractor: str) -> int:
        """Replace an article's claims with ``claims`` (numbered 0..n-1) in one transaction.

        Returns the number of claims stored. Raises ``ArticleError`` if the
        store has no article ``article_id``, ``StoreError`` if the write fails
        (the article keeps the claims it had).
        """
        return self.replace_claims_many({article_id: claims}, extractor=extractor)

    def replace_claims_many(
        self, claims: Mapping[str, Sequence[Claim]], *, extractor: str, key: str | None = None
    ) -> int:
        """Replace each article's claims (article id → claims) in one transaction for them all.

        ``key`` records what extracted them (``extraction_key``: code, theme,
        date), so a later run can reuse them for an unchanged article
        (:meth:`extracted_with`). Raises ``ArticleError`` naming an article the
        store does not hold, before anything is written.
        """
        now = datetime.now(UTC).replace(tzinfo=None)
        ids = list(claims)
        rows = [_claim_row(a, i, c, extractor, now) for a in ids for i, c in enumerate(claims[a])]
        if not ids:
            return 0
        with self._db.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                held = {r[0] for r in con.execute(
                    "SELECT id FROM articles WHERE list_contains(?, id)", [ids]).fetchall()}  # fmt: skip
                if absent := [a for a in ids if a not in held]:
                    raise ArticleError("no such article in the store", source=absent[0][:12])
                con.execute("DELETE FROM claims WHERE list_contains(?, article_id)", [ids])
                if rows:
                    con.executemany(_CLAIM_INSERT, rows)
                con.execute(
                    "UPDATE articles SET extracted_with = ? WHERE list_contains(?, id)", [key, ids]
                )
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise
        return len(rows)

    def extracted_with(self, key: str, article_ids: Sequence[str]) -> set[str]:
        """The articles among ``article_ids`` whose stored claims ``key`` extracted."""
        with self._db.connect(read_only=True) as con:
            rows = con.execute(
                "SELECT id FROM articles WHERE extracted_with = ? AND list_contains(?, id)",
                [key, list(article_ids)],
            ).fetchall()
        return {r[0] for r in rows}

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
        self, verdicts: Mapping[str, Sequence[StoredVerdict]]
    ) -> dict[str, str]:
        """Store each article's verdicts (one per claim, in claim order) in one transaction.

        An article whose stored claim count differs from its verdicts (the
        claims were re-extracted since) is left as it is and returned with the
        reason (article id → reason), so no verdict lands on the wrong claim;
        the others are stored.
        """
        now = datetime.now(UTC).replace(tzinfo=None)
        ids = list(verdicts)
        if not ids:
            return {}
        with self._db.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                held = dict(con.execute(
                    "SELECT article_id, count(*) FROM claims WHERE list_contains(?, article_id) "
                    "GROUP BY article_id", [ids]).fetchall())  # fmt: skip
                failed = {
                    a: f"{len(verdicts[a])} verdicts for {held.get(a, 0)} stored claims"
                    for a in ids
                    if int(held.get(a, 0)) != len(verdicts[a])
                }
                frame = _verdict_frame(
                    [(a, i, v) for a in ids if a not in failed for i, v in enumerate(verdicts[a])],
                    now,
                )
                if len(frame):
                    con.register("verdicts_in", frame)
                    con.execute(_VERDICT_UPDATE)
                    con.unregister("verdicts_in")
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise
        return failed

    def read_verified(
        self, article_ids: Sequence[str] | None = None
    ) -> list[tuple[Claim, StoredVerdict | None]]:
        """Stored claims with their verdicts (None where a claim was never verified)."""
        where, params = (
            ("TRUE", [])
            if article_ids is None
            else ("list_contains(?, c.article_id)", [list(article_ids)])
        )
        sql = f"""
            SELECT a.name, c.entity, c.metric, c.value_num, c.value_text, c.currency, c."window",
                   c."date", c.qualifier, c.quote, c.quote_start, c.quote_end, c.extras,
                   c.article_id, c.ticker, c."asof", c.computed, c.verdict, c.reason, c.proxy,
                   c.session_close_pct, c.day_low_pct, c.day_high_pct
            FROM claims c JOIN articles a ON a.id = c.article_id
            WHERE {where} ORDER BY a.name, c.article_id, c.idx
        """
        with self._db.connect(read_only=True) as con:
            rows = con.execute(sql, params).fetchall()
        out: list[tuple[Claim, StoredVerdict | None]] = []
        for r in rows:
            verdict = None
            if r[17] is not None:
                computed = None if r[16] is None else json.loads(r[16])
                verdict = StoredVerdict(
                    r[14], r[15], computed, r[17], r[18] or "", bool(r[19]), r[20], r[21], r[22]
                )
            out.append((_claim_from_row(r[:14]), verdict))
        return out

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


def _article_row(a: Article) -> list[Any]:
    return [
        a.id,
        a.name,
        a.title,
        a.published,
        a.date_origin,
        a.source,
        a.origin,
        a.kind,
        a.text,
        a.fetched_at,
    ]


def _claim_row(article_id: str, idx: int, c: Claim, extractor: str, now: datetime) -> list[Any]:
    is_text = isinstance(c.value, str)
    extras = {k: getattr(c, k) for k in _EXTRAS if getattr(c, k) is not None}
    return [
        article_id,
        idx,
        c.entity,
        c.metric,
        None if is_text else float(c.value),
        c.value if is_text else None,
        c.currency,
        c.window,
        c.date,
        c.qualifier,
        c.quote,
        c.start,
        c.end,
        json.dumps(extras) if extras else None,
        extractor,
        now,
    ]


def _verdict_frame(rows: Sequence[tuple[str, int, StoredVerdict]], now: datetime) -> pd.DataFrame:
    """Verdict rows as a frame for one bulk UPDATE (typed columns, so NULLs stay NULL)."""
    return pd.DataFrame(
        {
            "article_id": pd.Series([a for a, _, _ in rows], dtype="string"),
            "idx": pd.Series([i for _, i, _ in rows], dtype="int64"),
            "ticker": pd.Series([v.ticker for _, _, v in rows], dtype="string"),
            "asof": pd.to_datetime(pd.Series([v.asof for _, _, v in rows], dtype="object")),
            "computed": pd.Series(
                [None if v.computed is None else json.dumps(v.computed) for _, _, v in rows],
                dtype="string",
            ),
            "verdict": pd.Series([v.verdict for _, _, v in rows], dtype="string"),
            "reason": pd.Series([v.reason for _, _, v in rows], dtype="string"),
            "proxy": pd.Series([bool(v.proxy) for _, _, v in rows], dtype="bool"),
            "session_close_pct": pd.Series(
                [v.session_close_pct for _, _, v in rows], dtype="float64"
            ),
            "day_low_pct": pd.Series([v.day_low_pct for _, _, v in rows], dtype="float64"),
            "day_high_pct": pd.Series([v.day_high_pct for _, _, v in rows], dtype="float64"),
            "verified_at": pd.Series([now] * len(rows), dtype="datetime64[us]"),
        }
    )


def _claim_from_row(r: tuple[Any, ...]) -> Claim:
    extras = json.loads(r[12]) if r[12] else {}
    return Claim(
        entity=r[1],
        metric=r[2],
        value=r[3] if r[3] is not None else r[4],
        currency=r[5],
        window=r[6],
        date=r[7],
        qualifier=r[8],
        quote=r[9],
        start=r[10],
        end=r[11],
        article=r[0],
        article_id=r[13],
        **{k: extras[k] for k in _EXTRAS if k in extras and k != "also"},
        also=tuple(extras["also"]) if extras.get("also") else None,
    )


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with suppress(duckdb.Error):
        con.execute("ROLLBACK")
