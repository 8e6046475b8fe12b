"""Bull/base/bear scenario values per entity from the theme's drivers (package docstring)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np
import pandas as pd

from themelens.analytics._cells import RowsResult, fmt_cell
from themelens.errors import InputError
from themelens.summary import Summary
from themelens.theme import CASES, Scenarios

__all__ = ["CASE_COLUMNS", "SCENARIO_COLUMNS", "ScenarioResult", "project_scenarios"]

CASE_COLUMNS: Final = (
    "entity",
    "ticker",
    "case",
    "probability",
    "price",
    "earnings_growth_pct",
    "rerating_pct",
    "target",
    "return_pct",
)
SCENARIO_COLUMNS: Final = (
    "entity",
    "ticker",
    "price",
    "currency",
    "bear",
    "base",
    "bull",
    "low",
    "high",
    "expected",
    "expected_return_pct",
)


@dataclass(frozen=True, eq=False)
class ScenarioResult(RowsResult):
    """Scenario targets per entity and case, ranges and probability-weighted values.

    ``rows`` has :data:`SCENARIO_COLUMNS`; ``cases`` :data:`CASE_COLUMNS`
    (one row per entity and case); ``capex`` the group capex per case when a
    base was given. Formula in the module docstring.
    """

    asof: date | None
    horizon_sessions: int
    rows: pd.DataFrame
    cases: pd.DataFrame
    capex: pd.DataFrame
    note: str | None = None
    warnings: tuple[str, ...] = ()
    synthetic: bool = False

    JSON_FIELDS = (
        "asof",
        "horizon_sessions",
        "synthetic",
        "note",
        "rows",
        "cases",
        "capex",
        "warnings",
    )

    def summary(self) -> Summary:
        """Price, the three targets, the range and the weighted value per entity."""
        r = self.rows
        table = pd.DataFrame(
            {
                "entity": r["entity"],
                "ticker": r["ticker"],
                "currency": r["currency"],
                "price": [fmt_cell(v, ",.2f") for v in r["price"]],
                **{c: [fmt_cell(v, ",.2f") for v in r[c]] for c in ("bear", "base", "bull")},
                "expected": [fmt_cell(v, ",.2f") for v in r["expected"]],
                "exp. return %": [fmt_cell(v, "+.1f") for v in r["expected_return_pct"]],
            }
        )
        notes = list(self.warnings)
        notes.append("target = price × (1 + EPS growth) × (1 + re-rating); expected = Σ p × target")
        for name in CASES:
            c = self.cases[self.cases["case"] == name]
            if len(c):
                first = c.iloc[0]
                notes.append(
                    f"{name} (p={first['probability']:g}): EPS {first['earnings_growth_pct']:+g}%, P/E {first['rerating_pct']:+g}%"
                    + (
                        " (some entities differ)"
                        if c["earnings_growth_pct"].nunique() > 1 or c["rerating_pct"].nunique() > 1
                        else ""
                    )
                )
        if self.note:
            notes.append(f"drivers: {self.note}")
        for rec in self.capex.to_dict("records"):
            notes.append(
                f"{rec['case']}: group capex {rec['capex_growth_pct']:+g}% → USD {rec['capex_usd'] / 1e9:,.1f}bn"
            )
        title = f"Scenarios over {self.horizon_sessions} sessions" + (
            f" from {self.asof}" if self.asof else ""
        )
        return Summary(title, table, tuple(notes), self.synthetic)


def project_scenarios(
    scenarios: Scenarios,
    spots: Mapping[str, tuple[str, float, str]],
    *,
    asof: date | None = None,
    capex_base_usd: float | None = None,
    synthetic: bool = False,
    warnings: Sequence[str] = (),
) -> ScenarioResult:
    """Bull/base/bear targets per entity and the probability-weighted value.

    Parameters
    ----------
    scenarios
        The theme's ``scenarios`` block (probabilities already checked).
    spots
        Ticker → (entity slug, price at ``asof``, currency).
    capex_base_usd
        The group's latest complete annual capex in USD, to show capex per case.

    Returns
    -------
    ScenarioResult

    Notes
    -----
    Formula in the module docstring; a non-positive or missing price raises
    ``InputError`` rather than yielding a zero target.
    """
    case_rows: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for ticker, (slug, price, currency) in spots.items():
        if not (np.isfinite(price) and price > 0):
            raise InputError(f"{ticker}: price {price} is not positive; no scenario value")
        targets: dict[str, float] = {}
        for name in CASES:
            case = scenarios.case(name)
            growth, rerating, _ = case.drivers_for(slug)
            target = price * (1.0 + growth / 100.0) * (1.0 + rerating / 100.0)
            targets[name] = target
            case_rows.append(
                {
                    "entity": slug,
                    "ticker": ticker,
                    "case": name,
                    "probability": case.probability,
                    "price": price,
                    "earnings_growth_pct": growth,
                    "rerating_pct": rerating,
                    "target": target,
                    "return_pct": (target / price - 1.0) * 100.0,
                }
            )
        expected = sum(scenarios.case(n).probability * targets[n] for n in CASES)
        rows.append(
            {
                "entity": slug,
                "ticker": ticker,
                "price": price,
                "currency": currency,
                **targets,
                "low": min(targets.values()),
                "high": max(targets.values()),
                "expected": expected,
                "expected_return_pct": (expected / price - 1.0) * 100.0,
            }
        )
    capex = pd.DataFrame(columns=["case", "capex_growth_pct", "capex_usd"])
    if capex_base_usd is not None and np.isfinite(capex_base_usd):
        capex_growth = [scenarios.case(n).capex_growth_pct for n in CASES]
        capex = pd.DataFrame(
            {
                "case": list(CASES),
                "capex_growth_pct": capex_growth,
                "capex_usd": [capex_base_usd * (1 + g / 100) for g in capex_growth],
            }
        )
    return ScenarioResult(
        asof=asof,
        horizon_sessions=scenarios.horizon_sessions,
        rows=pd.DataFrame.from_records(rows, columns=list(SCENARIO_COLUMNS)),
        cases=pd.DataFrame.from_records(case_rows, columns=list(CASE_COLUMNS)),
        capex=capex,
        note=scenarios.note,
        warnings=tuple(warnings),
        synthetic=synthetic,
    )
