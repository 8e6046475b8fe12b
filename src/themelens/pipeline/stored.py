"""A ReportContext rebuilt from the DuckDB store, for the web app.

``themelens report`` stores the prices it used, the articles, their claims
and the verdicts; this reads them back, so ``themelens serve`` shows the same
figures without the original files or the network. Verdicts are read as
stored, not recomputed; rally figures are recomputed from the stored prices
(the same function the report used).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from themelens.config import Settings
from themelens.data.contracts import is_synthetic
from themelens.data.fx import FxConverter
from themelens.data.store import PriceStore
from themelens.errors import StoreError
from themelens.news.claim import Claim
from themelens.news.reconcile import reconcile_claims
from themelens.news.store import ArticleStore, StoredVerdict
from themelens.pipeline.model import ArticleInfo, ReportContext
from themelens.pipeline.news import entity_sentiment
from themelens.pipeline.run import market_figures, sources_of, theme_tickers
from themelens.theme import Theme
from themelens.verify import Tolerances, VerifiedClaim, VerifyResult
from themelens.verify.result import SessionFigures

__all__ = ["context_from_store"]

_lock = threading.Lock()


@dataclass
class _Memo:
    key: tuple[str, float, str, date | None] | None = None
    ctx: ReportContext | None = None


_memo = _Memo()


def context_from_store(
    settings: Settings, theme: Theme, *, asof: date | None = None
) -> ReportContext:
    """The report context from what the store holds; rebuilt only when the file changes.

    Raises ``StoreError`` when the store holds no prices for the theme, so
    ``serve`` can say so before it starts listening.
    """
    path = Path(settings.db_path)
    if not path.exists():
        raise StoreError("no store here yet; run `themelens report` first", path=path)
    key = (str(path), path.stat().st_mtime, theme.name, asof)
    with _lock:
        if _memo.key == key and _memo.ctx is not None:
            return _memo.ctx
        ctx = _build(settings, theme, asof)
        _memo.key, _memo.ctx = key, ctx
        return ctx


def _verified(claim: Claim, v: StoredVerdict | None) -> VerifiedClaim:
    """A stored verdict as the report shows it.

    A proxy never decides a verdict; a store written by an older version may
    hold one that did, and it is shown as ``unverifiable`` with that said.
    """
    if v is None:
        return VerifiedClaim(claim, None, None, None, "unverifiable", "not verified yet")
    figures = (
        SessionFigures(v.asof, v.session_close_pct, v.day_low_pct, v.day_high_pct)
        if v.asof is not None and v.session_close_pct is not None
        else None
    )
    verdict, reason = v.verdict, v.reason
    if v.proxy and verdict != "unverifiable":
        verdict = "unverifiable"
        reason = f"decided on a proxy by an older version ({v.verdict}: {reason}); run verify again"
    return VerifiedClaim(claim, v.ticker, v.asof, v.computed, verdict, reason, v.proxy, figures)


def _build(settings: Settings, theme: Theme, asof: date | None) -> ReportContext:
    members, benchmarks, _ = theme_tickers(theme)
    frame = PriceStore(settings.db_path).read_prices([*members, *benchmarks])
    if frame.empty:
        raise StoreError(
            "the store holds no prices for this theme; run `themelens report` first",
            path=settings.db_path,
        )
    market = market_figures(theme, frame, asof)
    store = ArticleStore(settings.db_path)
    verified = store.read_verified()
    stored = store.articles()
    counts = Counter(claim.article for claim, _ in verified)
    articles = tuple(
        ArticleInfo(a.name, a.title, a.published, a.source, a.origin, counts[a.name])
        for a in stored
    )
    rows = tuple(_verified(claim, v) for claim, v in verified)
    claims = [claim for claim, _ in verified]
    return ReportContext(
        theme=theme,
        asof=asof,
        generated_at=datetime.now(UTC).replace(tzinfo=None),
        synthetic=is_synthetic(frame),
        prices=frame,
        rally=market.rally,
        roles=market.roles,
        benchmark=market.benchmark,
        groups=market.groups,
        sources=sources_of(frame),
        articles=articles,
        verify=VerifyResult(rows, Tolerances()) if articles else None,
        reconcile=reconcile_claims(claims, to_usd=FxConverter(source="reference").to_usd)
        if claims
        else None,
        sentiment=entity_sentiment(stored, theme),
        missing=market.missing,
    )
