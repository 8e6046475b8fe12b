"""The capex tracker's result: rows, group totals, gaps to press figures, and their renderings.

Columns and definitions are in ``_capex``, which builds it (:func:`track_capex`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from themelens.analytics._cells import RowsResult
from themelens.errors import Failure
from themelens.summary import Summary

__all__ = ["CapexResult"]


def _money(value: Any, unit: str | None) -> str | None:
    if value is None or pd.isna(value):
        return None
    if unit in (None, "%"):
        return f"{value:+.1f}%"
    return f"{unit} {value / 1e9:,.2f}bn"


@dataclass(frozen=True, eq=False)
class CapexResult(RowsResult):
    """Capex per entity and period, group totals, and press figures set against statements.

    ``rows`` has :data:`CAPEX_ROW_COLUMNS`, ``totals`` :data:`TOTAL_COLUMNS`,
    ``gaps`` :data:`GAP_COLUMNS` (definitions in ``_capex``).
    ``statements_available`` is False when no statement source answered
    (offline, ``--demo``): then every fact is ``reported only`` and
    ``warnings`` says why.
    """

    freq: str
    tolerance_pct: float
    rows: pd.DataFrame
    totals: pd.DataFrame
    gaps: pd.DataFrame
    statements_available: bool
    warnings: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()
    synthetic: bool = False

    JSON_FIELDS = (
        "freq",
        "tolerance_pct",
        "synthetic",
        "statements_available",
        "rows",
        "totals",
        "gaps",
        "warnings",
        "failures",
    )

    def summary(self) -> Summary:
        """Statement capex per entity and period (local, USD, YoY), with warnings as notes."""
        r = self.rows
        table = pd.DataFrame(
            {
                "entity": r["entity"],
                "period": r["period"],
                "capex": [_money(v, c) for v, c in zip(r["capex"], r["currency"], strict=True)],
                "capex usd": [_money(v, "USD") for v in r["capex_usd"]],
                "yoy": [_money(v, "%") for v in r["yoy_pct"]],
            }
        )
        notes = [*self.warnings, *(f"no statement: {f}" for f in self.failures)]
        notes.append("capex from cash-flow statements (spend, positive); yoy in reporting currency")
        title = f"Capex from statements ({self.freq})"
        if not self.statements_available:
            title += ": statement figures unavailable"
        return Summary(title, table, tuple(notes), self.synthetic)

    def totals_summary(self) -> Summary:
        """Group totals per calendar period; incomplete periods show no total."""
        t = self.totals
        table = pd.DataFrame(
            {
                "period": t["period"],
                "total usd": [_money(v, "USD") for v in t["total_usd"]],
                "members": [f"{m}/{e}" for m, e in zip(t["members"], t["expected"], strict=True)],
                "missing": t["missing"],
            }
        )
        notes = ("a total is shown only when every tracked entity has a USD figure",)
        return Summary(f"Group capex totals ({self.freq})", table, notes, self.synthetic)

    def gaps_summary(self) -> Summary:
        """Press-reported figures beside statement figures, with each gap's status."""
        g = self.gaps
        table = pd.DataFrame(
            {
                "entity": g["entity"],
                "metric": g["metric"],
                "period": g["period"],
                "basis": g["basis"],
                "reported": [_money(v, u) for v, u in zip(g["reported"], g["unit"], strict=True)],
                "statement": [_money(v, u) for v, u in zip(g["statement"], g["unit"], strict=True)],
                "gap": [_money(v, "%") for v in g["gap_pct"]],
                "status": g["status"],
                "source": g["source"],
            }
        )
        notes = (
            f"match: statement within ±{self.tolerance_pct:g}% of the reported figure"
            " (growth compared as the ratio 1+g)",
            "reported figures are as the press reported them (theme capex_facts)",
        )
        return Summary("Reported capex vs statements", table, notes, self.synthetic)

    def figure(self) -> dict[str, Any]:
        """A plotly figure (JSON dict, no template): USD capex bars per entity, press figures as markers."""
        data: list[dict[str, Any]] = []
        for entity, group in self.rows.groupby("entity", sort=False):
            ok = group.dropna(subset=["capex_usd"])
            data.append(
                {
                    "type": "bar",
                    "name": str(entity),
                    "x": list(ok["period"]),
                    "y": [round(v / 1e9, 3) for v in ok["capex_usd"]],
                }
            )
        reported = self.gaps[(self.gaps["metric"] == "capex") & (self.gaps["basis"] != "statement")]
        usd = reported[reported["unit"] == "USD"]
        if len(usd):
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": "press reports (USD)",
                    "x": list(usd["period"]),
                    "y": [round(v / 1e9, 3) for v in usd["reported"]],
                    "text": list(usd["entity"]),
                    "marker": {"symbol": "diamond", "size": 11},
                }
            )
        layout = {
            "title": {"text": f"Capital expenditure, USD bn ({self.freq} statements)"},
            "barmode": "group",
            "height": 380,
            "yaxis": {"title": {"text": "USD bn"}},
            "xaxis": {"type": "category"},
            "legend": {"orientation": "h", "y": -0.2},
        }
        return {"data": data, "layout": layout}
