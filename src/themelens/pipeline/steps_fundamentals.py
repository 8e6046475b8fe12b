"""The ``fundamentals`` step of a theme run: capex, valuation, scenarios and a Monte Carlo.

Sources follow the run's price provider (``data.fundamentals.loading``): the
demo market has no fundamentals, so a demo report shows the theme's press
figures beside "statement figures are unavailable offline", the
press-reported P/E spread, and scenarios and a Monte Carlo on the synthetic
prices (labelled). Yahoo runs fetch statements and P/E; offline they degrade
to the same marked gaps. The bundle lands in ``ThemeRun.fundamentals``.
Never cached: its sources may read the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pandas as pd

from themelens.analytics.fundamentals import compare_valuation, track_capex
from themelens.analytics.scenarios import project_scenarios, simulate_paths
from themelens.data.contracts import is_synthetic
from themelens.data.fundamentals import (
    CapexStatements,
    FundamentalsSource,
    ValuationData,
    load_capex,
    load_valuation,
    pick_source,
)
from themelens.data.fx import reference_table
from themelens.errors import InputError
from themelens.pipeline.model import FundamentalsBundle, RunInputs
from themelens.theme import MEMBER_ROLES
from themelens.verify.fundamentals import Preloaded

__all__ = [
    "MC_PATHS",
    "MC_SEED",
    "FundamentalsData",
    "fundamentals_from",
    "fundamentals_step",
    "load_fundamentals",
]

MC_PATHS: Final = 10_000
"""Paths for the report's Monte Carlo (the issue's floor; ~0.1 s for a dozen names)."""
MC_SEED: Final = 0
"""Fixed so a report rebuilt from the same data shows the same distribution."""


@dataclass(frozen=True)
class FundamentalsData:
    """What the fundamentals sources answered for a run: the only part that may read the network,
    so it is loaded every run and the figures computed from it may be cached."""

    members: dict[str, str]
    statements: CapexStatements
    valuation: ValuationData
    reported: bool
    subjects: dict[str, tuple[str, str]]
    index: str | None
    refs: list[str]
    source: FundamentalsSource = "none"

    def preloaded(self) -> Preloaded:
        """The same answers for verify, which then asks the sources only for other tickers."""
        return Preloaded(
            self.source,
            frozenset(self.members),
            self.statements,
            frozenset(self.subjects),
            self.valuation,
            self.reported,
        )


def load_fundamentals(inputs: RunInputs) -> FundamentalsData:
    """Capex statements for the members and valuation for members and benchmarks."""
    theme = inputs.theme
    members = {t: v[0] for t, v in inputs.roles.items() if v[2] in MEMBER_ROLES}
    source = pick_source(inputs.settings.provider, None)
    statements = load_capex(list(members), source=source, theme=theme)
    subjects = {t: (v[0], v[2]) for t, v in inputs.roles.items()}
    bench = theme.benchmark().primary
    index = bench.ticker if bench else None
    refs = [e.primary.ticker for e in theme.by_role("benchmark") if e.primary]
    for t in [index, *refs]:
        ent = theme.entity_for_ticker(t) if t else None
        if t and ent and t not in subjects:
            subjects[t] = (ent.slug, ent.role or "")
    data, reported = load_valuation(list(subjects), source=source, theme=theme)
    return FundamentalsData(members, statements, data, reported, subjects, index, refs, source)


def fundamentals_from(inputs: RunInputs, loaded: FundamentalsData) -> FundamentalsBundle:
    """Capex tracker, valuation spread, scenarios and Monte Carlo from what was loaded (no I/O)."""
    theme, prices, members = inputs.theme, inputs.prices, loaded.members
    notes: list[str] = []
    statements, data = loaded.statements, loaded.valuation
    capex = track_capex(
        statements.frame,
        theme.capex_facts,
        entity_of=members,
        fx=reference_table(),
        statements_available=statements.available,
        **statements.carried(),
    )
    valuation = compare_valuation(
        data.frame,
        subjects=loaded.subjects,
        theme_index=loaded.index,
        benchmarks=loaded.refs,
        asof=inputs.asof,
        reported=loaded.reported,
        **data.carried(),
    )
    scenarios = montecarlo = None
    if theme.scenarios is None:
        notes.append("the theme has no scenarios block")
    elif not prices.empty and members:
        frame = prices
        if inputs.asof is not None:
            frame = prices[prices["date"] <= pd.Timestamp(inputs.asof)]
        spots: dict[str, tuple[str, float, str]] = {}
        last = frame.sort_values("date").groupby("ticker", sort=False)["close"].last()
        for t, slug in members.items():
            found = theme.resolve(t)
            if t in last.index and found is not None and found.listing is not None:
                spots[t] = (slug, float(last[t]), found.listing.currency)
        synthetic = is_synthetic(frame)
        base = capex.totals.dropna(subset=["total_usd"])
        base_usd = float(base["total_usd"].iloc[-1]) if len(base) else None
        scenarios = project_scenarios(
            theme.scenarios, spots, asof=inputs.asof, capex_base_usd=base_usd, synthetic=synthetic
        )
        try:
            montecarlo = simulate_paths(
                frame,
                list(spots),
                asof=inputs.asof,
                paths=MC_PATHS,
                horizon=theme.scenarios.horizon_sessions,
                seed=MC_SEED,
                entity_of=members,
                synthetic=synthetic,
            )
        except InputError as exc:
            notes.append(f"Monte Carlo: {exc}")
    return FundamentalsBundle(capex, valuation, scenarios, montecarlo, tuple(notes))


def fundamentals_step(inputs: RunInputs) -> FundamentalsBundle | None:
    """Load, then compute: the whole fundamentals section for a run (uncached)."""
    return fundamentals_from(inputs, load_fundamentals(inputs))
