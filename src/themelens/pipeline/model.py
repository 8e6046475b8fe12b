"""Everything a theme run computed, which the report only renders: one typed ``ThemeRun``.

``ThemeRun`` is filled by ``themelens.pipeline.run.run_theme`` (or by a user's
own code) from result objects; every report section reads it and nothing
else. One field per capability, typed, so the type checker sees each handoff
from a step to its section: a new capability adds a field, a step
(``pipeline.steps``) and a section (``report.sections``). A field left
``None`` means "not available", and the section that needs it is left out or
says what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from themelens.analytics.basket import BasketResult
from themelens.analytics.events import EventStudyResult
from themelens.analytics.fundamentals import CapexResult, ValuationResult
from themelens.analytics.rally import RallyResult
from themelens.analytics.scenarios import MonteCarloResult, ScenarioResult
from themelens.analytics.unusual import UnusualResult
from themelens.config import Settings
from themelens.news.reconcile import ReconcileResult
from themelens.pipeline.benchmark import BenchmarkChoice
from themelens.summary import ShowsSummary, Summary
from themelens.theme import Theme
from themelens.verify import VerifyResult

__all__ = ["ArticleInfo", "FundamentalsBundle", "RunInputs", "SourceInfo", "ThemeRun"]


@dataclass(frozen=True)
class SourceInfo:
    """Provenance of the prices: provider, tickers, date range, when fetched."""

    provider: str
    tickers: tuple[str, ...]
    first_date: date | None
    last_date: date | None
    fetched_at: datetime | None
    source: str = ""


@dataclass(frozen=True)
class ArticleInfo:
    """An article as the report cites it."""

    name: str
    title: str | None
    published: date | None
    source: str | None
    origin: str
    claims: int
    id: str = ""  # the content hash claims and verdicts are keyed on (names may repeat)
    lead: str = ""  # the first sentence, for an article without a title

    @property
    def label(self) -> str:
        """What a reader recognises the article by: its title, else its opening words in
        quotes, else (nothing readable) its file name."""
        if self.title:
            return self.title
        lead = getattr(self, "lead", "")  # runs stored before articles carried a lead
        return f"“{lead}”" if lead else self.name


@dataclass(frozen=True)
class FundamentalsBundle:
    """What the fundamentals section shows; any part may be None (left out, reason in ``notes``)."""

    capex: CapexResult | None
    valuation: ValuationResult | None
    scenarios: ScenarioResult | None
    montecarlo: MonteCarloResult | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunInputs:
    """What a step may use: settings, theme, the loaded long price frame, the as-of date,
    the benchmark ticker chosen and ticker → (slug, name, role)."""

    settings: Settings
    theme: Theme
    prices: pd.DataFrame
    asof: date | None
    benchmark: str | None
    roles: dict[str, tuple[str, str, str]]


@dataclass(frozen=True)
class ThemeRun(ShowsSummary):
    """One theme run: every capability's result, typed, as the report and the web app show it.

    ``prices`` is the long price frame the rally used (for charts);
    ``rally`` holds one row per ticker at ``asof``; ``roles`` maps ticker →
    (entity slug, display name, role); ``groups`` is
    ``analytics.groups.summarise_groups`` over the roles. ``verify``/``reconcile``/``sentiment``
    are None when there were no articles; ``events``, ``fundamentals`` and
    ``basket`` are None when their step had nothing to show or failed (the
    reason is in ``missing``). ``missing`` lists what could not be had, each a
    sentence the report prints where the data would have been. ``run_id`` is
    the id the store keeps the run under (None until stored).
    ``benchmark_choice`` says what ``benchmark`` is (the index, its labelled
    proxy, a fallback, the user's choice) and why. ``unusual`` ranks the day's moves and the
    groups' spreads in their own history. ``failed_inputs`` are the article inputs that could not be read, and the
    articles whose claims or verdicts could not be stored.
    """

    theme: Theme
    asof: date | None
    generated_at: datetime
    synthetic: bool
    prices: pd.DataFrame
    rally: RallyResult | None
    roles: Mapping[str, tuple[str, str, str]]
    benchmark: str | None
    groups: pd.DataFrame | None = None
    sources: tuple[SourceInfo, ...] = ()
    articles: tuple[ArticleInfo, ...] = ()
    verify: VerifyResult | None = None
    reconcile: ReconcileResult | None = None
    sentiment: pd.DataFrame | None = None
    events: EventStudyResult | None = None
    fundamentals: FundamentalsBundle | None = None
    basket: BasketResult | None = None
    missing: tuple[str, ...] = ()
    run_id: str | None = None
    failed_inputs: tuple[str, ...] = ()
    benchmark_choice: BenchmarkChoice | None = None
    unusual: UnusualResult | None = None

    @property
    def failures(self) -> tuple[str, ...]:
        """What makes the run a failure for its command (exit 1), though the report is written:
        no prices for any ticker, or an article input that could not be read or stored."""
        none = ("no prices for any of the theme's tickers",) if self.rally is None else ()
        return (*none, *self.failed_inputs)

    def to_frame(self) -> pd.DataFrame:
        """The rally table at ``asof`` (one row per ticker), empty when there were no prices."""
        return self.rally.to_frame() if self.rally is not None else pd.DataFrame()

    def summary(self) -> Summary:
        """One row per capability: what the run has to show, or why it has nothing."""
        verify = self.verify
        checked = verify.tally().iloc[-1] if verify is not None and verify.rows else None
        rows = [
            ("rally", f"{len(self.rally.rows)} tickers" if self.rally is not None else "—"),
            ("benchmark", self.benchmark or "—"),
            ("articles", str(len(self.articles))),
            (
                "claims",
                f"{int(checked['claims'])} ({int(checked['supported'])} supported, "
                f"{int(checked['contradicted'])} contradicted)"
                if checked is not None
                else "—",
            ),
            ("events", f"{len(self.events.events)} events" if self.events is not None else "—"),
            ("fundamentals", "yes" if self.fundamentals is not None else "—"),
            ("basket", "backtested" if self.basket is not None else "—"),
            ("missing", str(len(self.missing))),
        ]
        when = self.asof.isoformat() if self.asof else "the latest session"
        run = f" (run {self.run_id})" if self.run_id else ""
        return Summary(
            f"{self.theme.name} as of {when}{run}",
            pd.DataFrame(rows, columns=["section", "shows"]),
            self.missing[:5],
            self.synthetic,
        )
