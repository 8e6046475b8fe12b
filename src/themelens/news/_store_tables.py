"""Rows of the article store as typed Arrow tables (one bulk statement per write) and back.

A write hands DuckDB one Arrow table per table it fills (``con.register``),
so storing a thousand articles or claims is one ``INSERT ... SELECT``, not a
thousand statements: ``executemany`` measured 1.3 ms a row, a registered
table 0.06 ms. The column types are given, not sniffed from Python objects,
so a column that is NULL in every row of a batch still has its type.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final, NamedTuple

import pyarrow as pa

from themelens.news.article import Article
from themelens.news.claim import Claim

__all__ = [
    "CLAIM_COLUMNS",
    "EXTRAS",
    "StoredVerdict",
    "articles_table",
    "claim_from_row",
    "claims_table",
    "keys_table",
    "verdicts_table",
]

EXTRAS: Final = ("value_usd", "listing", "by", "instrument", "also")

_S, _I, _F = pa.string(), pa.int32(), pa.float64()
_TS: Final = pa.timestamp("us")

_ARTICLES: Final = pa.schema(
    [("id", _S), ("name", _S), ("title", _S), ("published", pa.date32()),
     ("date_origin", _S), ("source", _S), ("origin", _S), ("kind", _S), ("text", _S),
     ("fetched_at", _TS)]
)  # fmt: skip
_CLAIMS: Final = pa.schema(
    [("article_id", _S), ("idx", _I), ("entity", _S), ("metric", _S), ("value_num", _F),
     ("value_text", _S), ("currency", _S), ("window", _S), ("date", _S), ("qualifier", _S),
     ("quote", _S), ("quote_start", _I), ("quote_end", _I), ("extras", _S), ("extractor", _S),
     ("extracted_at", _TS)]
)  # fmt: skip
_VERDICTS: Final = pa.schema(
    [("article_id", _S), ("idx", _I), ("ticker", _S), ("asof", pa.date32()), ("computed", _S),
     ("verdict", _S), ("reason", _S), ("proxy", pa.bool_()), ("session_close_pct", _F),
     ("day_low_pct", _F), ("day_high_pct", _F), ("figures_session", pa.date32()),
     ("verified_at", _TS)]
)  # fmt: skip
_KEYS: Final = pa.schema([("id", _S), ("key", _S)])

CLAIM_COLUMNS: Final = ", ".join(f'"{c}"' for c in _CLAIMS.names)
"""The columns ``claims_table`` fills, quoted for SQL (``window`` and ``date`` are keywords)."""


class StoredVerdict(NamedTuple):
    """A claim's verdict as stored beside it (the verify layer's fields, as plain values).

    ``figures_session`` is the session of the tape figures the verdict showed
    (None when it showed none), so a stored verdict reads back as it was made.
    """

    ticker: str | None
    asof: date | None
    computed: float | str | None
    verdict: str
    reason: str
    proxy: bool = False
    session_close_pct: float | None = None
    day_low_pct: float | None = None
    day_high_pct: float | None = None
    figures_session: date | None = None


def articles_table(articles: Sequence[Article]) -> pa.Table:
    columns: dict[str, list[Any]] = {name: [] for name in _ARTICLES.names}
    for a in articles:
        row = (a.id, a.name, a.title, a.published, a.date_origin, a.source, a.origin, a.kind,
               a.text, a.fetched_at)  # fmt: skip
        for name, value in zip(_ARTICLES.names, row, strict=True):
            columns[name].append(value)
    return pa.table(columns, schema=_ARTICLES)


def claims_table(
    claims: Mapping[str, Sequence[Claim]], *, extractor: str, now: datetime
) -> pa.Table:
    """Every article's claims numbered 0..n-1 (article id -> claims)."""
    columns: dict[str, list[Any]] = {name: [] for name in _CLAIMS.names}
    for article_id, found in claims.items():
        for idx, c in enumerate(found):
            is_text = isinstance(c.value, str)
            extras = {k: getattr(c, k) for k in EXTRAS if getattr(c, k) is not None}
            row = (
                article_id, idx, c.entity, c.metric, None if is_text else float(c.value),
                c.value if is_text else None, c.currency, c.window, c.date, c.qualifier, c.quote,
                c.start, c.end, json.dumps(extras) if extras else None, extractor, now,
            )  # fmt: skip
            for name, value in zip(_CLAIMS.names, row, strict=True):
                columns[name].append(value)
    return pa.table(columns, schema=_CLAIMS)


def verdicts_table(rows: Sequence[tuple[str, int, StoredVerdict]], *, now: datetime) -> pa.Table:
    """Verdict rows (article id, claim index, verdict) for one bulk UPDATE."""
    columns: dict[str, list[Any]] = {name: [] for name in _VERDICTS.names}
    for article_id, idx, v in rows:
        computed = None if v.computed is None else json.dumps(v.computed)
        row = (article_id, idx, v.ticker, v.asof, computed, v.verdict, v.reason, bool(v.proxy),
               v.session_close_pct, v.day_low_pct, v.day_high_pct, v.figures_session, now)  # fmt: skip
        for name, value in zip(_VERDICTS.names, row, strict=True):
            columns[name].append(value)
    return pa.table(columns, schema=_VERDICTS)


def keys_table(keys: Mapping[str, str | None]) -> pa.Table:
    """Article ids with a key each (what extracted or verified them; None: unknown)."""
    return pa.table({"id": list(keys), "key": list(keys.values())}, schema=_KEYS)


def claim_from_row(r: Sequence[Any]) -> Claim:
    """A claim from (article name, entity, metric, value_num, value_text, currency, window,
    date, qualifier, quote, quote_start, quote_end, extras, article id)."""
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
        **{k: extras[k] for k in EXTRAS if k in extras and k != "also"},
        also=tuple(extras["also"]) if extras.get("also") else None,
    )


def verdict_from_row(r: Sequence[Any]) -> StoredVerdict | None:
    """A stored verdict from (ticker, asof, computed, verdict, reason, proxy, session_close_pct,
    day_low_pct, day_high_pct, figures_session); None where the claim was never verified."""
    if r[3] is None:
        return None
    computed = None if r[2] is None else json.loads(r[2])
    return StoredVerdict(r[0], r[1], computed, r[3], r[4] or "", bool(r[5]), r[6], r[7], r[8], r[9])
