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

from typing import Final

import pandas as pd

from themelens.analytics.fundamentals import compare_valuation, track_capex
from themelens.analytics.scenarios import project_scenarios, simulate_paths
from themelens.data.contracts import is_synthetic
from themelens.data.fundamentals import load_capex, load_valuation, pick_source
from themelens.data.fx import FxConverter
from themelens.errors import InputError
from themelens.pipeline.model import FundamentalsBundle, RunInputs
from themelens.theme import MEMBER_ROLES

__all__ = ["MC_PATHS", "MC_SEED", "fundamentals_step"]

MC_PATHS: Final = 10_000
"""Paths for the report's Monte Carlo (the issue's floor; ~0.1 s for a dozen names)."""
MC_SEED: Final = 0
"""Fixed so a report rebuilt from the same data shows the same distribution."""


def fundamentals_step(inputs: RunInputs) -> FundamentalsBundle | None:
    """Capex tracker, valuation spread, scenarios and Monte Carlo for the run's theme members."""
    theme, prices = inputs.theme, inputs.prices
    members = {t: v[0] for t, v in inputs.roles.items() if v[2] in MEMBER_ROLES}
    source = pick_source(inputs.settings.provider, None)
    notes: list[str] = []
    statements = load_capex(list(members), source=source, theme=theme)
    capex = track_capex(
        statements.frame, theme.capex_facts, entity_of=members,
        fx=FxConverter(source="reference"), statements_available=statements.available,
        warnings=statements.notes, failures=statements.failures, synthetic=statements.synthetic,
    )  # fmt: skip
    subjects = {t: (v[0], v[2]) for t, v in inputs.roles.items()}
    bench = theme.benchmark().primary
    index = bench.ticker if bench else None
    refs = [e.primary.ticker for e in theme.by_role("benchmark") if e.primary]
    for t in [index, *refs]:
        ent = theme.entity_for_ticker(t) if t else None
        if t and ent and t not in subjects:
            subjects[t] = (ent.slug, ent.role or "")
    data, reported = load_valuation(list(subjects), source=source, theme=theme)
    valuation = compare_valuation(
        data.frame, subjects=subjects, theme_index=index, benchmarks=refs, asof=inputs.asof,
        warnings=data.notes, failures=data.failures, synthetic=data.synthetic, reported=reported,
    )  # fmt: skip
    scenarios = montecarlo = None
    if theme.scenarios is None:
        notes.append("the theme has no scenarios block")
    elif not prices.empty and members:
        frame = prices if inputs.asof is None else prices[prices["date"] <= pd.Timestamp(inputs.asof)]  # fmt: skip
        spots: dict[str, tuple[str, float, str]] = {}
        for t, slug in members.items():
            rows = frame[frame["ticker"] == t]
            found = theme.resolve(t)
            if len(rows) and found is not None and found.listing is not None:
                spots[t] = (slug, float(rows["close"].iloc[-1]), found.listing.currency)
        synthetic = is_synthetic(frame)
        base = capex.totals.dropna(subset=["total_usd"])
        base_usd = float(base["total_usd"].iloc[-1]) if len(base) else None
        scenarios = project_scenarios(theme.scenarios, spots, asof=inputs.asof,
                                      capex_base_usd=base_usd, synthetic=synthetic)  # fmt: skip
        try:
            montecarlo = simulate_paths(
                frame, list(spots), asof=inputs.asof, paths=MC_PATHS,
                horizon=theme.scenarios.horizon_sessions, seed=MC_SEED, entity_of=members,
                synthetic=synthetic,
            )  # fmt: skip
        except InputError as exc:
            notes.append(f"Monte Carlo: {exc}")
    return FundamentalsBundle(capex, valuation, scenarios, montecarlo, tuple(notes))
