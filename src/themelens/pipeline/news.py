"""The news half of a theme run: ingest, extract, store, verify, reconcile, sentiment.

Each step that fails for one article becomes a sentence in ``missing``; the
rest go on. Claims and their verdicts are stored in the DuckDB store so the
web app (``themelens serve``) shows what the report showed. An unchanged
article's claims, and its verdicts when the evidence is unchanged too, are
read back rather than made again (``news_claims``), with the store opened a
few times a run, not per article.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from themelens.config import Settings
from themelens.data.akshare_client import AkshareClient
from themelens.data.contracts import empty_prices
from themelens.data.deadline import current_deadline, deadline_scope
from themelens.data.fundamentals import FundamentalsSource, pick_source
from themelens.data.fx import FxConverter, fx_source_for
from themelens.data.loading import load_tickers, make_provider
from themelens.data.merge import merge_prices
from themelens.data.sources import PriceSource
from themelens.errors import ThemelensError
from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.extract import extract_claims
from themelens.news.ingest import ingest, lead_sentence
from themelens.news.reconcile import ReconcileResult, reconcile_claims
from themelens.news.sentiment import measure_sentiment, sentiment_available
from themelens.news.store import ArticleStore, StoredVerdict
from themelens.pipeline.model import ArticleInfo
from themelens.pipeline.news_claims import (
    StoredClaims,
    evidence_key,
    extract_stored,
    stored_verdicts,
    verdict_rows,
)
from themelens.theme import Theme
from themelens.verify import Tolerances, VerifyResult, tickers_to_load, verify_claims
from themelens.verify.fundamentals import (
    FundamentalsEvidence,
    Preloaded,
    fundamental_tickers,
    fundamentals_needed,
    load_fundamentals_evidence,
)

__all__ = [
    "CheckedArticles",
    "FundamentalsInputs",
    "NewsRun",
    "check_articles",
    "entity_sentiment",
    "extract_and_store",
    "fundamentals_evidence",
    "record_verdicts",
    "run_news",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewsRun:
    """What the news half produced; ``prices`` is the frame widened by the claims' extra tickers."""

    articles: tuple[ArticleInfo, ...]
    verify: VerifyResult | None
    reconcile: ReconcileResult | None
    sentiment: pd.DataFrame | None
    prices: pd.DataFrame | None
    missing: tuple[str, ...]
    failed: tuple[str, ...] = ()  # inputs not read, articles whose claims or verdicts not stored

    @classmethod
    def empty(cls) -> NewsRun:
        return cls((), None, None, None, None, ())


def entity_sentiment(articles: Sequence[Article], theme: Theme) -> pd.DataFrame | None:
    """Loughran–McDonald counts per entity over every sentence that names it (None without the extra).

    Polarity is (positive − negative) / (positive + negative), 0 when neither occurs.
    """
    if not articles or not sentiment_available():
        return None
    frame = measure_sentiment(articles, theme=theme).to_frame()
    ents = frame[frame["scope"] == "entity"]
    if ents.empty:
        return None
    totals = ents.groupby("entity", sort=True).agg(
        articles=("article", "nunique"),
        sentences=("sentences", "sum"),
        positive=("positive", "sum"),
        negative=("negative", "sum"),
    )
    hits = totals["positive"] + totals["negative"]
    totals["polarity"] = (
        ((totals["positive"] - totals["negative"]) / hits.where(hits > 0)).fillna(0.0).round(3)
    )
    return totals.reset_index()


def extract_and_store(
    articles: Sequence[Article], theme: Theme, store: ArticleStore, missing: list[str]
) -> list[Claim]:
    """Claims of every article: read back for articles extracted before under the same key,
    extracted for the rest and stored in batches (``news_claims.extract_stored``)."""
    return _claims_of(articles, _stored_claims(articles, theme, store, missing))


def _stored_claims(
    articles: Sequence[Article], theme: Theme, store: ArticleStore, missing: list[str]
) -> StoredClaims:
    """``extract_stored`` with this module's extractor; what failed goes to ``missing``."""
    done = extract_stored(store, articles, theme, extract=extract_claims)
    missing.extend(f"article {article.name}: {exc}" for article, exc in done.failed)
    missing.extend(f"claims of {len(ids)} articles not stored: {exc}" for ids, exc in done.unstored)
    return done


def _claims_of(articles: Sequence[Article], done: StoredClaims) -> list[Claim]:
    """The claims in article order (an article given twice counts once)."""
    return [c for a in dict.fromkeys(done.ids) if a in done.claims for c in done.claims[a]]


def record_verdicts(
    store: ArticleStore,
    articles: Sequence[Article],
    result: VerifyResult,
    missing: list[str],
    *,
    keys: Mapping[str, str] | None = None,
) -> None:
    """Every article's verdicts in one transaction, each under its key in ``keys`` (the
    evidence they were made on; none: never reused); an article whose claims changed
    meanwhile is named in ``missing`` and keeps its old verdicts."""
    names = {a.id: a.name for a in articles}
    by_article: dict[str, list[StoredVerdict]] = {a: [] for a in names}
    for row in result.rows:
        fig = row.figures
        by_article.setdefault(row.claim.article_id or "", []).append(
            StoredVerdict(
                row.ticker,
                row.asof,
                row.computed,
                row.verdict,
                row.reason,
                row.proxy,
                fig.close_pct if fig else None,
                fig.low_pct if fig else None,
                fig.high_pct if fig else None,
                fig.session if fig else None,
            )
        )
    wanted = {a: v for a, v in by_article.items() if a in names}
    if not wanted:
        return
    try:
        failed = store.record_verdicts_many(wanted, keys=keys)
    except ThemelensError as exc:
        missing.extend(f"article {names[a]}: verdicts not stored: {exc}" for a in wanted)
        return
    missing.extend(f"article {names[a]}: verdicts not stored: {why}" for a, why in failed.items())


@dataclass(frozen=True)
class FundamentalsInputs:
    """Where verify's statements, valuation and flows come from.

    ``source`` None means the price provider's (``pick_source``): ``auto``,
    ``yahoo`` and ``akshare`` reach the network, ``demo`` and ``csv`` prices
    have no statements. CSV files select the CSV import; the replay folders
    serve recordings (tests).
    """

    source: FundamentalsSource | None = None
    income_csv: Path | None = None
    capex_csv: Path | None = None
    valuation_csv: Path | None = None
    replay_dir: Path | None = None
    akshare_replay_dir: Path | None = None
    flows_replay_dir: Path | None = None
    preloaded: Preloaded | None = None  # what the run's fundamentals section already loaded


def fundamentals_evidence(
    settings: Settings, theme: Theme, claims: Sequence[Claim], inputs: FundamentalsInputs
) -> FundamentalsEvidence | None:
    """The evidence the run's fundamentals claims need (None when no claim needs any)."""
    need = fundamentals_needed(claims)
    if not need:
        return None
    csv = inputs.income_csv or inputs.capex_csv or inputs.valuation_csv
    source = inputs.source or pick_source(settings.provider, csv)
    live = source in {"akshare", "auto"} and inputs.akshare_replay_dir is None
    return load_fundamentals_evidence(
        fundamental_tickers(claims, theme),
        source=source,
        theme=theme,
        need=need,
        csv_path=inputs.income_csv,
        capex_csv=inputs.capex_csv,
        valuation_csv=inputs.valuation_csv,
        replay_dir=inputs.replay_dir,
        akshare_replay_dir=inputs.akshare_replay_dir,
        flows_replay_dir=inputs.flows_replay_dir,
        akshare_client=AkshareClient(**settings.akshare_client_options) if live else None,
        preloaded=inputs.preloaded,
    )


@dataclass(frozen=True)
class CheckedArticles:
    """Articles ingested, their claims, the verdicts, and the prices the verdicts used."""

    articles: tuple[Article, ...]
    claims: tuple[Claim, ...]
    verify: VerifyResult
    prices: pd.DataFrame
    missing: tuple[str, ...]
    failed_inputs: tuple[str, ...]
    failed_steps: tuple[str, ...] = ()  # an article's claims or verdicts not extracted or stored


def check_articles(
    settings: Settings,
    theme: Theme,
    sources: Sequence[str | Path],
    *,
    prices: pd.DataFrame | None = None,
    provider: PriceSource | None = None,
    proxy: bool = True,
    tolerances: Tolerances | None = None,
    fundamentals: FundamentalsInputs | None = None,
) -> CheckedArticles:
    """Ingest ``sources``, extract and store their claims, verify them and store the verdicts.

    ``prices`` already loaded are reused; the tickers the claims point at are
    loaded from ``provider`` (default: the configured one) on top. Growth,
    capex, P/E and flow claims are checked against what ``fundamentals``
    (default: the provider's source) answers.
    """
    with deadline_scope(current_deadline(settings.remote_deadline_s)):  # one for every source
        return _check(settings, theme, sources, prices, provider, proxy, tolerances, fundamentals)


def _check(
    settings: Settings,
    theme: Theme,
    sources: Sequence[str | Path],
    prices: pd.DataFrame | None,
    provider: PriceSource | None,
    proxy: bool,
    tolerances: Tolerances | None,
    fundamentals: FundamentalsInputs | None,
) -> CheckedArticles:
    missing: list[str] = []
    provider = provider or make_provider(settings, theme)
    ingested = ingest(list(sources))
    failed = tuple(str(f) for f in ingested.failures)
    missing.extend(f"article {f}" for f in failed)
    articles = list(ingested.articles)
    frame = prices if prices is not None else empty_prices()
    if not articles:
        empty = VerifyResult((), tolerances or Tolerances())
        return CheckedArticles((), (), empty, frame, (*missing, "no readable articles"), failed)
    store = ArticleStore(settings.db_path)
    steps: list[str] = []
    done = _stored_claims(articles, theme, store, steps)
    claims = _claims_of(articles, done)
    have = set(frame["ticker"].unique()) if len(frame) else set()
    extra = [t for t in tickers_to_load(claims, theme, proxy=proxy) if t not in have]
    unloaded: dict[str, str] = {}
    if extra:
        loaded = load_tickers(settings, provider, extra)
        more = loaded.frame
        unloaded = {f.item: f.reason for f in loaded.failures}
        frame = (
            merge_prices([frame, more])
            if len(frame) and len(more)
            else (more if len(more) else frame)
        )
    tol = tolerances or Tolerances()
    evidence = fundamentals_evidence(settings, theme, claims, fundamentals or FundamentalsInputs())
    made_on = evidence_key(
        prices=frame, tolerances=tol, proxy=proxy, missing=unloaded, fundamentals=evidence
    )
    keys = {a: _joined(made_on, key) for a, key in done.keys.items()}
    reused = stored_verdicts(done, keys)  # verdicts made on this very evidence
    checked = verify_claims(
        [c for c in claims if c.article_id not in reused],
        prices=frame,
        theme=theme,
        article_dates={a: x.published for a, x in zip(done.ids, articles, strict=True)},
        tolerances=tol,
        proxy=proxy,
        missing=unloaded,
        fundamentals=evidence,
    )
    verified = VerifyResult(verdict_rows(claims, checked.rows, reused), checked.tolerances)
    again = [x for a, x in zip(done.ids, articles, strict=True) if a not in reused]
    record_verdicts(store, again, checked, steps, keys=keys)
    return CheckedArticles(
        tuple(articles), tuple(claims), verified, frame, (*missing, *steps), failed, tuple(steps)
    )


def _joined(evidence: str, extraction: str) -> str:
    """An article's verdict key: the run's evidence and what its claims were extracted under."""
    return hashlib.sha256(f"{evidence}|{extraction}".encode()).hexdigest()[:32]


def run_news(
    settings: Settings,
    theme: Theme,
    sources: Sequence[str | Path],
    *,
    prices: pd.DataFrame,
    provider: PriceSource,
    proxy: bool,
    preloaded: Preloaded | None = None,
) -> NewsRun:
    """Articles → claims → verdicts against ``prices`` (plus the tickers claims point at),
    then reconciliation across sources and sentiment per entity."""
    checked = check_articles(
        settings, theme, sources, prices=prices, provider=provider, proxy=proxy,
        fundamentals=FundamentalsInputs(preloaded=preloaded),
    )  # fmt: skip
    missing = list(checked.missing)
    failed = (*checked.failed_inputs, *checked.failed_steps)
    if not checked.articles:
        return NewsRun((), None, None, None, None, tuple(missing), failed)
    counts: dict[str, int] = {}
    for claim in checked.claims:
        counts[claim.article_id or ""] = counts.get(claim.article_id or "", 0) + 1
    infos = tuple(
        ArticleInfo(
            a.name,
            a.title,
            a.published,
            a.source,
            a.origin,
            counts.get(a.id, 0),
            a.id,
            "" if a.title else lead_sentence(a.text) or "",
        )
        for a in checked.articles
    )
    converter = FxConverter(source=fx_source_for(provider.name))
    reconciled = reconcile_claims(list(checked.claims), to_usd=converter.to_usd)
    sentiment = entity_sentiment(checked.articles, theme)
    if sentiment is None and not sentiment_available():
        missing.append("sentiment left out: install the optional extra themelens[sentiment]")
    return NewsRun(
        infos, checked.verify, reconciled, sentiment, checked.prices, tuple(missing), failed
    )
