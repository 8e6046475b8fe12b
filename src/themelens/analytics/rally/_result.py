"""The result object of :func:`themelens.analytics.rally.measure_rally` and its renderings.

Kept apart from the computation so each reads on its own; the package
``__init__`` exports everything public here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import pandas as pd

from themelens.analytics._cells import json_failures, json_value
from themelens.data.contracts import Failure
from themelens.summary import ShowsSummary, Summary

__all__ = ["EXCESS_COLUMNS", "HORIZONS", "RALLY_COLUMNS", "RallyProvenance", "RallyResult"]

RALLY_COLUMNS: Final = (
    "ticker",
    "asof",
    "close",
    "return_1d_pct",
    "return_1w_pct",
    "return_1m_pct",
    "return_ytd_pct",
    "high_since",
    "win_streak_weeks",
    "drawdown_from_peak_pct",
)
"""The metric columns, in the order JSON output lists them first."""

EXCESS_COLUMNS: Final = ("excess_1d_pp", "excess_1w_pp", "excess_1m_pp", "excess_ytd_pp")
"""Return minus the benchmark's return over the same dates, in percentage points."""

HORIZONS: Final = {"1d": 1, "1w": 5, "1m": 21}
"""Horizon name → sessions back."""


@dataclass(frozen=True)
class RallyProvenance:
    """Where the numbers came from: providers and the span of the input rows used."""

    providers: tuple[str, ...] = ()
    first_date: date | None = None
    last_date: date | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        iso = (d.isoformat() if d else None for d in (self.first_date, self.last_date))
        first, last = iso
        return {"providers": list(self.providers), "first_date": first, "last_date": last}


def _fmt_pct(value: Any, *, sign: bool = True, unit: str = "%") -> str | None:
    if value is None or pd.isna(value):
        return None
    return f"{value:+.2f}{unit}" if sign else f"{value:.2f}{unit}"


def _summary_table(rows: pd.DataFrame, benchmark: str | None) -> pd.DataFrame:
    """The rows formatted for reading: signed percents, dates, 'all-time high'."""
    table = pd.DataFrame({"ticker": rows["ticker"]})
    table["asof"] = [f"{d:%Y-%m-%d}" for d in rows["asof"]]
    table["close"] = [f"{c:,.2f}" for c in rows["close"]]
    for h in ("1d", "1w", "1m", "ytd"):
        table[h] = [_fmt_pct(v) for v in rows[f"return_{h}_pct"]]
    table["high since"] = [
        "all-time high" if pd.isna(d) else f"{d:%Y-%m-%d}" for d in rows["high_since"]
    ]
    table["streak"] = [f"{int(n)} wk" for n in rows["win_streak_weeks"]]
    table["drawdown"] = [_fmt_pct(v, sign=False) for v in rows["drawdown_from_peak_pct"]]
    if benchmark is not None:
        # two horizons keep the table readable; --format json/csv carry all four
        for h in ("1m", "ytd"):
            table[f"excess {h}"] = [_fmt_pct(v, unit=" pp") for v in rows[f"excess_{h}_pp"]]
    return table.reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class RallyResult(ShowsSummary):
    """Rally metrics per ticker at one as-of date (see the module docstring for definitions).

    ``rows`` has :data:`RALLY_COLUMNS` then ``requested_asof``, ``note`` (how
    the as-of row was chosen, or None), with a benchmark ``benchmark`` and
    :data:`EXCESS_COLUMNS`, and last ``provider``. ``warnings`` repeats the
    notes prefixed by ticker; ``failures`` lists tickers that could not be
    measured (batch mode); ``synthetic`` is True on demo data.
    """

    requested_asof: date | None
    benchmark: str | None
    rows: pd.DataFrame
    warnings: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()
    synthetic: bool = False
    provenance: RallyProvenance = field(default_factory=RallyProvenance)

    def to_frame(self) -> pd.DataFrame:
        """A copy of ``rows``: dates as ``datetime64`` (NaT for None), returns NaN for None."""
        return self.rows.copy()

    def to_records(self) -> list[dict[str, Any]]:
        """One JSON-safe dict per ticker, :data:`RALLY_COLUMNS` first, then the extras."""
        cols = list(RALLY_COLUMNS) + [c for c in self.rows.columns if c not in RALLY_COLUMNS]
        return [{c: json_value(rec[c]) for c in cols} for rec in self.rows.to_dict("records")]

    def to_dict(self) -> dict[str, Any]:
        """The whole result as JSON-safe data (for ``--format json``)."""
        return {
            "requested_asof": json_value(self.requested_asof),
            "benchmark": self.benchmark,
            "synthetic": self.synthetic,
            "rows": self.to_records(),
            "warnings": list(self.warnings),
            "failures": json_failures(self.failures),
            "provenance": self.provenance.to_dict(),
        }

    def summary(self) -> Summary:
        """The rows as a readable table, with warnings and failures as notes."""
        when = f"as of {self.requested_asof}" if self.requested_asof else "at the latest session"
        title = f"Rally {when}" + (f" vs {self.benchmark}" if self.benchmark else "")
        notes = list(self.warnings) + [f"not measured: {f}" for f in self.failures]
        notes.append("returns close-to-close vs 1, 5, 21 sessions back; ytd vs last year's close")
        if self.benchmark:
            notes.append(f"excess = return minus {self.benchmark}'s over the same calendar dates")
        table = _summary_table(self.rows, self.benchmark)
        return Summary(title, table, tuple(notes), self.synthetic)
