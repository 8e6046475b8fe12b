"""Articles, claims and verdicts as Arrow tables, and back, without losing a bit.

Every row carries its article's place in the order things were read: the run
that added it (``added``, an ISO timestamp), the input's position in that run
(``seq``) and the article's position within the input (``sub``, a feed holds
many). Sorting on ``(added, seq, sub)`` gives input order back, and the first
row of each article id in that order is the one the archive keeps, as
``ingest`` keeps the first of a batch. Claims and verdicts repeat the key, plus
``claim_index`` (order within the article).

A claim's ``value`` and a verdict's ``computed`` may be a number or a text
(``high_since`` is ``YYYY-MM``): they are stored as JSON (``value_json``),
exact for both, and as a double where numeric (``value_num``) for SQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import pyarrow as pa

from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.verify import VerifiedClaim
from themelens.verify.result import SessionFigures

__all__ = [
    "ARTICLE_SCHEMA",
    "CLAIM_SCHEMA",
    "UNDATED",
    "VERDICT_SCHEMA",
    "ClaimKey",
    "OrderedArticle",
    "article_rows",
    "articles_from",
    "claim_rows",
    "claims_from",
    "month_of",
    "verdict_rows",
    "verified_from",
]

UNDATED: Final = "undated"
"""The month partition of articles whose date is unknown."""

_ORDER = [
    ("added", pa.string()),
    ("seq", pa.int64()),
    ("sub", pa.int32()),
]
_CLAIM_KEY = [
    ("article_id", pa.string()),
    ("article_added", pa.string()),
    ("article_seq", pa.int64()),
    ("article_sub", pa.int32()),
    ("claim_index", pa.int32()),
]

ARTICLE_SCHEMA: Final = pa.schema(
    [
        ("id", pa.string()),
        *_ORDER,
        ("name", pa.string()),
        ("title", pa.string()),
        ("published", pa.date32()),
        ("date_origin", pa.string()),
        ("source", pa.string()),
        ("origin", pa.string()),
        ("kind", pa.string()),
        ("fetched_at", pa.timestamp("us")),
        ("month", pa.string()),
        ("text", pa.string()),
    ]
)
"""One row per article read (an id read twice has two rows; views keep the first)."""

CLAIM_SCHEMA: Final = pa.schema(
    [
        *_CLAIM_KEY,
        ("article_published", pa.date32()),
        ("article", pa.string()),
        ("entity", pa.string()),
        ("metric", pa.string()),
        ("value_json", pa.string()),
        ("value_num", pa.float64()),
        ("currency", pa.string()),
        ("window", pa.string()),
        ("date", pa.string()),
        ("qualifier", pa.string()),
        ("quote", pa.string()),
        ("value_usd", pa.float64()),
        ("listing", pa.string()),
        ("by", pa.string()),
        ("instrument", pa.string()),
        ("also", pa.list_(pa.float64())),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("month", pa.string()),
    ]
)
"""One row per claim (spec keys of ``../shared/spec/claims.md`` plus the article key)."""

VERDICT_SCHEMA: Final = pa.schema(
    [
        *_CLAIM_KEY,
        ("ticker", pa.string()),
        ("asof", pa.date32()),
        ("computed_json", pa.string()),
        ("computed_num", pa.float64()),
        ("verdict", pa.string()),
        ("reason", pa.string()),
        ("proxy", pa.bool_()),
        ("figures_session", pa.date32()),
        ("session_close_pct", pa.float64()),
        ("day_low_pct", pa.float64()),
        ("day_high_pct", pa.float64()),
        ("month", pa.string()),
    ]
)
"""One row per claim checked: the verdict fields DESIGN.md adds, and the session's tape."""


def month_of(published: date | None) -> str:
    """``YYYY-MM`` of a publication date, ``undated`` without one."""
    return published.strftime("%Y-%m") if published is not None else UNDATED


@dataclass(frozen=True)
class OrderedArticle:
    """An article and its place in the reading order: ``(added, seq, sub)``."""

    article: Article
    added: str
    seq: int
    sub: int


def _records(frame: pa.Table) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = frame.to_pylist()
    return out


def article_rows(rows: Sequence[OrderedArticle]) -> pa.Table:
    """The articles as a table of :data:`ARTICLE_SCHEMA`."""
    return pa.Table.from_pylist(
        [
            {
                "id": r.article.id,
                "added": r.added,
                "seq": r.seq,
                "sub": r.sub,
                "name": r.article.name,
                "title": r.article.title,
                "published": r.article.published,
                "date_origin": r.article.date_origin,
                "source": r.article.source,
                "origin": r.article.origin,
                "kind": r.article.kind,
                "fetched_at": r.article.fetched_at,
                "month": month_of(r.article.published),
                "text": r.article.text,
            }
            for r in rows
        ],
        schema=ARTICLE_SCHEMA,
    )


def articles_from(table: pa.Table) -> list[OrderedArticle]:
    """Back from :func:`article_rows` (the ids are recomputed from the text and checked)."""
    out: list[OrderedArticle] = []
    for rec in _records(table):
        article = Article(
            name=rec["name"],
            text=rec["text"],
            title=rec["title"],
            published=rec["published"],
            date_origin=rec["date_origin"],
            source=rec["source"],
            origin=rec["origin"] or "",
            kind=rec["kind"],
            fetched_at=rec["fetched_at"],
        )
        if article.id != rec["id"]:
            raise ValueError(f"article {rec['name']}: stored id does not match its text")
        out.append(OrderedArticle(article, rec["added"], rec["seq"], rec["sub"]))
    return out


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def claim_rows(claims: Sequence[tuple[OrderedArticle, int, Claim]]) -> pa.Table:
    """``(article, claim_index, claim)`` triples as a table of :data:`CLAIM_SCHEMA`."""
    records = []
    for owner, index, c in claims:
        records.append(
            {
                "article_id": c.article_id,
                "article_added": owner.added,
                "article_seq": owner.seq,
                "article_sub": owner.sub,
                "claim_index": index,
                "article_published": owner.article.published,
                "article": c.article,
                "entity": c.entity,
                "metric": c.metric,
                "value_json": json.dumps(c.value),
                "value_num": _number(c.value),
                "currency": c.currency,
                "window": c.window,
                "date": c.date,
                "qualifier": c.qualifier,
                "quote": c.quote,
                "value_usd": c.value_usd,
                "listing": c.listing,
                "by": c.by,
                "instrument": c.instrument,
                "also": list(c.also) if c.also is not None else None,
                "start": c.start,
                "end": c.end,
                "month": month_of(owner.article.published),
            }
        )
    return pa.Table.from_pylist(records, schema=CLAIM_SCHEMA)


def _claim(rec: dict[str, Any]) -> Claim:
    also = rec["also"]
    return Claim(
        entity=rec["entity"],
        metric=rec["metric"],
        value=json.loads(rec["value_json"]),
        currency=rec["currency"],
        window=rec["window"],
        date=rec["date"],
        qualifier=rec["qualifier"],
        quote=rec["quote"],
        value_usd=rec["value_usd"],
        listing=rec["listing"],
        by=rec["by"],
        instrument=rec["instrument"],
        also=tuple(also) if also is not None else None,
        article=rec["article"],
        article_id=rec["article_id"],
        start=rec["start"],
        end=rec["end"],
    )


ClaimKey = tuple[str, str, int, int, int]
"""``(article_id, article_added, article_seq, article_sub, claim_index)``."""


def claims_from(table: pa.Table) -> list[tuple[ClaimKey, date | None, Claim]]:
    """Back from :func:`claim_rows`: each claim with its key and its article's date."""
    return [
        (
            (
                r["article_id"],
                r["article_added"],
                r["article_seq"],
                r["article_sub"],
                r["claim_index"],
            ),
            r["article_published"],
            _claim(r),
        )
        for r in _records(table)
    ]


def verdict_rows(rows: Sequence[tuple[ClaimKey, str, VerifiedClaim]]) -> pa.Table:
    """``(claim key, month, verified claim)`` triples as a table of :data:`VERDICT_SCHEMA`."""
    records = []
    for key, month, v in rows:
        fig = v.figures
        records.append(
            {
                "article_id": key[0],
                "article_added": key[1],
                "article_seq": key[2],
                "article_sub": key[3],
                "claim_index": key[4],
                "ticker": v.ticker,
                "asof": v.asof,
                "computed_json": json.dumps(v.computed),
                "computed_num": _number(v.computed),
                "verdict": v.verdict,
                "reason": v.reason,
                "proxy": v.proxy,
                "figures_session": fig.session if fig else None,
                "session_close_pct": fig.close_pct if fig else None,
                "day_low_pct": fig.low_pct if fig else None,
                "day_high_pct": fig.high_pct if fig else None,
                "month": month,
            }
        )
    return pa.Table.from_pylist(records, schema=VERDICT_SCHEMA)


def verified_from(records: Sequence[dict[str, Any]]) -> list[VerifiedClaim]:
    """Verified claims rebuilt from joined rows: a claim's columns and its verdict's."""
    out: list[VerifiedClaim] = []
    for r in records:
        fig = (
            SessionFigures(
                r["figures_session"], r["session_close_pct"], r["day_low_pct"], r["day_high_pct"]
            )
            if r["figures_session"] is not None
            else None
        )
        out.append(
            VerifiedClaim(
                _claim(r),
                r["ticker"],
                r["asof"],
                json.loads(r["computed_json"]),
                r["verdict"],
                r["reason"],
                bool(r["proxy"]),
                fig,
            )
        )
    return out
