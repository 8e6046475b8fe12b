"""The main job: a theme's prices, rally, articles, claims and verdicts, computed once.

``run_theme`` gathers everything the report shows into a ``ThemeRun``.
It never fails on missing pieces: a ticker without data, an as-of date before
the data or articles without claims become sentences in ``missing`` and the
report says so where the figure would have been.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from themelens.analytics.groups import summarise_groups
from themelens.analytics.rally import RallyResult, measure_rally
from themelens.analytics.unusual import UnusualResult, find_unusual
from themelens.config import Settings, default_cache_dir
from themelens.data.contracts import is_synthetic
from themelens.data.deadline import current_deadline, deadline_scope
from themelens.data.loading import load_tickers, make_provider
from themelens.errors import ThemelensError
from themelens.pipeline.benchmark import BenchmarkChoice, choose_benchmark
from themelens.pipeline.model import RunInputs, SourceInfo, ThemeRun
from themelens.pipeline.news import NewsRun, run_news
from themelens.pipeline.runs import RunStore
from themelens.pipeline.steps import StepResults, run_steps
from themelens.pipeline.steps_fundamentals import FundamentalsData, load_fundamentals
from themelens.theme import Theme

__all__ = ["MarketFigures", "market_figures", "run_theme", "theme_tickers"]

log = logging.getLogger(__name__)


Progress = Callable[..., None]
"""``on_progress(done, total, what)``: units done of ``total``, and what is being done now."""

_STAGES = (
    "rally",
    "fundamentals",
    "articles",
    "event study",
    "fundamentals section",
    "basket backtest",
    "storing",
)


class _Stages:
    """The run's progress: one unit per ticker loaded, then one per stage finished.

    Loading counts tickers as the providers answer them; after that each
    stage is announced as it starts (the bar's label says what is running)
    and the one before it counted as done, so the bar never sits full while
    work goes on.
    """

    def __init__(self, report: Progress | None, tickers: int) -> None:
        self._report = report
        self._tickers = tickers
        self._total = tickers + len(_STAGES)
        self._done = 0
        self._started = False

    def loading(self, done: int, total: int) -> None:
        self._done = min(done, self._tickers)
        self._say("prices")

    def advance(self, stage: str) -> None:
        """``stage`` starts; the stage before it (if any) is done."""
        if self._started:
            self._done = min(self._done + 1, self._total)
        self._done = max(self._done, self._tickers)
        self._started = True
        self._say(stage)

    def _say(self, what: str) -> None:
        if self._report is not None:
            self._report(self._done, self._total, what)


def theme_tickers(theme: Theme) -> tuple[list[str], list[str], dict[str, tuple[str, str, str]]]:
    """(member tickers, the benchmark chain, ticker → (slug, name, role)), from the theme."""
    return list(theme.member_tickers()), list(theme.benchmark_chain()), theme.roles_by_ticker()


def sources_of(frame: pd.DataFrame) -> tuple[SourceInfo, ...]:
    if frame.empty:
        return ()
    out = []
    for provider, part in frame.groupby("provider", sort=True):
        sources = sorted({str(s) for s in part.get("source", pd.Series(dtype=object)).dropna()})
        folder = sorted({str(Path(s).parent) for s in sources if "/" in s})
        fetched = part["fetched_at"].max() if "fetched_at" in part else None
        out.append(
            SourceInfo(
                provider=str(provider),
                tickers=tuple(sorted(part["ticker"].unique())),
                first_date=part["date"].min().date(),
                last_date=part["date"].max().date(),
                fetched_at=None
                if fetched is None or pd.isna(fetched)
                else pd.Timestamp(fetched).to_pydatetime(),
                source=", ".join(folder)
                if folder
                else (sources[0] if len(sources) == 1 else f"{len(sources)} sources"),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class MarketFigures:
    """The price half of a run: rally rows, group averages, the benchmark used, what is missing;
    ``frame`` is the run's prices plus the proxy benchmark's rows when the proxy is chosen."""

    rally: RallyResult | None
    groups: pd.DataFrame | None
    benchmark: str | None
    roles: dict[str, tuple[str, str, str]]
    missing: tuple[str, ...]
    frame: pd.DataFrame | None = None
    choice: BenchmarkChoice | None = None
    unusual: UnusualResult | None = None


def market_figures(
    theme: Theme, frame: pd.DataFrame, asof: date | None, benchmark: str | None = None
) -> MarketFigures:
    """Rally metrics for the theme's members and benchmark found in ``frame``, and group averages.

    The benchmark follows ``choose_benchmark``: ``benchmark`` when the user
    named one, else the theme's index, its labelled proxy, or a named fallback.
    """
    missing: list[str] = []
    members, _, roles = theme_tickers(theme)
    frame, choice = choose_benchmark(theme, frame, benchmark)
    bench = choice.ticker if choice is not None else None
    if choice is not None and choice.ticker not in roles:
        roles = {**roles, choice.ticker: ("proxy", choice.name, "benchmark")}
    have = set(frame["ticker"].unique()) if len(frame) else set()
    rally: RallyResult | None = None
    measured = [t for t in [*([bench] if bench else []), *members] if t in have]
    if not measured:
        missing.append("no prices for any of the theme's tickers")
    else:
        try:
            rally = measure_rally(frame, measured, asof=asof, benchmark=bench)
            missing.extend(f"{f.item}: {f.reason}" for f in rally.failures)
        except ThemelensError as exc:
            missing.append(str(exc))
    if rally is not None and rally.rows.empty:
        rally = None
    groups = unusual = None
    if rally is not None:
        by_group = {t: roles[t][2] for t in members if t in roles}
        groups = summarise_groups(rally.to_frame(), by_group)
        unusual = find_unusual(frame, members, asof, by_group)
    return MarketFigures(rally, groups, bench, roles, tuple(missing), frame, choice, unusual)


def _load_fundamentals(inputs: RunInputs) -> FundamentalsData | None:
    """What the fundamentals sources answer for the theme, or None when asking failed: the
    fundamentals step then asks again, and its failure is the run's line under "Missing"."""
    try:
        return load_fundamentals(inputs)
    except ThemelensError as exc:
        log.debug("fundamentals not preloaded: %s", exc)
        return None


def _no_prices(theme: Theme, ticker: str, reason: str) -> str:
    """'No prices for Naura (002371.SZ): no price file for it in the CSV folder.' — a
    sentence a reader can act on; where it was looked for is in the terminal's line."""
    entity = theme.entity_for_ticker(ticker)
    who = f"{entity.name} ({ticker})" if entity is not None else ticker
    return f"No prices for {who}: {reason.rstrip('.')}."


def run_theme(
    settings: Settings,
    theme: Theme,
    *,
    asof: date | None = None,
    articles: Sequence[str | Path] = (),
    proxy: bool = True,
    benchmark: str | None = None,
    on_progress: Progress | None = None,
) -> ThemeRun:
    """Compute what the report shows, and store prices, articles, claims and verdicts.

    Parameters
    ----------
    articles
        Files, folders, feeds or URLs of articles; their claims are extracted,
        verified against the same prices, reconciled and scored for sentiment.
    proxy
        Check index claims with no index series against an equal-weight proxy.
    benchmark
        What relative figures use (an entity, a ticker, or ``proxy``); default
        the theme's chain (``pipeline.benchmark.choose_benchmark``).

    Notes
    -----
    Everything used is written to the DuckDB store (``settings.db_path``),
    the run itself included (``pipeline.runs``), so ``themelens serve`` shows
    this run exactly as the report does, without the original files. The
    returned run carries the id it is stored under.
    """
    with deadline_scope(current_deadline(settings.remote_deadline_s)):  # one for every source
        return _run_theme(settings, theme, asof, articles, proxy, benchmark, on_progress)


def _run_theme(
    settings: Settings,
    theme: Theme,
    asof: date | None,
    articles: Sequence[str | Path],
    proxy: bool,
    benchmark: str | None,
    on_progress: Progress | None,
) -> ThemeRun:
    members, benchmarks, _ = theme_tickers(theme)
    tickers = list(dict.fromkeys([*members, *benchmarks]))
    stages = _Stages(on_progress, len(tickers))
    provider = make_provider(settings, theme)
    loaded = load_tickers(settings, provider, tickers, on_progress=stages.loading)
    frame = loaded.frame
    missing = [_no_prices(theme, f.item, f.reason) for f in loaded.failures]
    missing.extend(loaded.warnings)
    stages.advance("rally")
    market = market_figures(theme, frame, asof, benchmark)
    missing.extend(market.missing)
    stages.advance("fundamentals")
    widened = market.frame if market.frame is not None else frame  # with the proxy, if chosen
    inputs = RunInputs(settings, theme, widened, asof, market.benchmark, market.roles)
    fundamentals = _load_fundamentals(inputs)  # asked once: the section and verify
    stages.advance(f"articles ({len(articles)} inputs)" if articles else "articles")
    news = NewsRun.empty()
    if articles:
        news = run_news(
            settings, theme, articles, prices=frame, provider=provider, proxy=proxy,
            preloaded=fundamentals.preloaded() if fundamentals is not None else None,
        )  # fmt: skip
        missing.extend(news.missing)
    steps = run_steps(
        inputs,
        cache_dir=default_cache_dir() / "step-cache",  # private to the user, never beside --db
        fundamentals_loaded=fundamentals,
        on_step=stages.advance,
    )
    missing.extend(steps.missing)
    stages.advance("storing")
    used = news.prices if news.prices is not None else frame
    runs = RunStore(settings.db_path)
    with runs.session():  # the prices kept and the run stored on one connection
        if len(used):
            provider.keep(used[used["provider"] != "proxy"], db_path=settings.db_path)
        stored = runs.save(
            _assemble(theme, asof, frame, widened, used, market, news, steps, missing)
        )
    stages.advance("done")
    return stored


def _assemble(
    theme: Theme,
    asof: date | None,
    frame: pd.DataFrame,
    widened: pd.DataFrame,
    used: pd.DataFrame,
    market: MarketFigures,
    news: NewsRun,
    steps: StepResults,
    missing: list[str],
) -> ThemeRun:
    """The run as the report shows it, from what each stage returned."""
    return ThemeRun(
        theme=theme,
        asof=asof,
        generated_at=datetime.now(UTC).replace(tzinfo=None),
        synthetic=is_synthetic(frame),
        prices=widened,
        rally=market.rally,
        roles=market.roles,
        benchmark=market.benchmark,
        benchmark_choice=market.choice,
        groups=market.groups,
        unusual=market.unusual,
        sources=sources_of(used),
        articles=news.articles,
        verify=news.verify,
        reconcile=news.reconcile,
        sentiment=news.sentiment,
        events=steps.events,
        fundamentals=steps.fundamentals,
        basket=steps.basket,
        missing=tuple(dict.fromkeys(missing)),
        failed_inputs=news.failed,
    )
