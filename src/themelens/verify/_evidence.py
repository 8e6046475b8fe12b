"""What the fundamentals sources answered for one verify run, as one read-only object.

Statements travel LONG here (:data:`STATEMENT_COLUMNS`): one row per ticker,
frequency, period end and ``item`` (``revenue``, ``net_income``, ``capex``),
so revenue, net income and capex are found by the same lookup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import pandas as pd

from themelens.data.fundamentals.contracts import empty_valuation
from themelens.data.fundamentals.southbound import empty_flows

__all__ = ["EVIDENCE_KINDS", "STATEMENT_COLUMNS", "FundamentalsEvidence", "statements_frame"]

STATEMENT_COLUMNS: Final = (
    "ticker", "freq", "period_end", "item", "value", "currency", "provider", "source",
)  # fmt: skip
EVIDENCE_KINDS: Final = ("statements", "valuation", "flows")


def _empty_statements() -> pd.DataFrame:
    frame = pd.DataFrame({c: [] for c in STATEMENT_COLUMNS})
    frame["period_end"] = pd.to_datetime(frame["period_end"]).astype("datetime64[ns]")
    frame["value"] = frame["value"].astype("float64")
    return frame


def statements_frame(income: pd.DataFrame, capex: pd.DataFrame) -> pd.DataFrame:
    """The income-statement and capex contract frames as one long statements frame."""
    keep = ["ticker", "freq", "period_end", "currency", "provider", "source"]
    parts: list[pd.DataFrame] = []
    if len(income):
        long = income.melt(id_vars=keep, value_vars=["revenue", "net_income"], var_name="item")
        parts.append(long.dropna(subset=["value"]))
    if len(capex):
        parts.append(capex.loc[:, [*keep, "capex"]].rename(columns={"capex": "value"}).assign(item="capex"))  # fmt: skip
    if not parts:
        return _empty_statements()
    out = pd.concat(parts, ignore_index=True).loc[:, list(STATEMENT_COLUMNS)]
    out["period_end"] = pd.to_datetime(out["period_end"]).astype("datetime64[ns]")
    out["value"] = out["value"].astype("float64")
    return out.sort_values(["ticker", "item", "freq", "period_end"], kind="mergesort").reset_index(drop=True)  # fmt: skip


@dataclass(frozen=True)
class FundamentalsEvidence:
    """What the fundamentals sources answered for one verify run.

    statements
        Revenue, net income and capex, long (:data:`STATEMENT_COLUMNS`).
    valuation
        P/E observations (``contracts.VALUATION_COLUMNS``).
    flows
        Daily channel flows (``southbound.FLOW_COLUMNS``).
    unavailable
        Kind (``statements``, ``valuation``, ``flows``) → the one-line reason
        it has nothing (not configured, offline, not needed this run).
    failures
        Kind → ticker → why that ticker has no rows (a per-ticker failure
        of the source), added to an ``unverifiable`` reason.
    fiscal_year_ends
        Ticker → the month its fiscal year ends (from the theme); without
        it the annual statements' own period ends say.
    """

    statements: pd.DataFrame
    valuation: pd.DataFrame
    flows: pd.DataFrame
    unavailable: Mapping[str, str] = field(default_factory=dict)
    failures: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    fiscal_year_ends: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @classmethod
    def none(cls, reason: str) -> FundamentalsEvidence:
        """Nothing configured: every kind unavailable for ``reason``."""
        return cls(
            statements=_empty_statements(),
            valuation=empty_valuation(),
            flows=empty_flows(),
            unavailable=dict.fromkeys(EVIDENCE_KINDS, reason),
        )

    @classmethod
    def empty(cls) -> FundamentalsEvidence:
        """No rows of any kind and nothing marked unavailable (a base to build tests on)."""
        return cls(_empty_statements(), empty_valuation(), empty_flows())

    def failure(self, kind: str, ticker: str) -> str | None:
        """Why ``ticker`` has no ``kind`` rows, when the source said."""
        return self.failures.get(kind, {}).get(ticker)
