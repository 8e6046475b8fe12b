"""Reporting periods: a claim's window → the statement rows that cover it.

Quarters and halves are calendar periods (the extractor maps a company's
fiscal quarter to the calendar one): ``2025Q2`` is the quarterly row whose
period ends in April–June 2025, whatever the fiscal calendar; ``2024H1`` is
the sum of the 2024Q1 and 2024Q2 rows. A year is the fiscal year as written
(spec): ``2024`` is the annual row ending in 2024, in the company's
fiscal-year-end month (give or take one month for 52/53-week years) when
that month is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

import pandas as pd

__all__ = ["Figure", "Span", "figure_for", "parse_span", "span_of_row"]

_WINDOW: Final = re.compile(r"^(\d{4})(?:([QH])([1-4]))?$")
SpanKind = Literal["quarter", "half", "year"]


@dataclass(frozen=True)
class Span:
    """One reporting period: ``kind``, calendar ``year`` and the quarter or half number."""

    kind: SpanKind
    year: int
    n: int = 0

    @property
    def label(self) -> str:
        return {"quarter": f"{self.year}Q{self.n}", "half": f"{self.year}H{self.n}"}.get(self.kind, f"{self.year}")  # fmt: skip

    def year_earlier(self) -> Span:
        return Span(self.kind, self.year - 1, self.n)

    def quarter_earlier(self) -> Span:
        if self.kind != "quarter":
            raise ValueError("only a quarter has a previous quarter")
        return Span("quarter", self.year - 1, 4) if self.n == 1 else Span("quarter", self.year, self.n - 1)  # fmt: skip

    def quarters(self) -> tuple[Span, ...]:
        """The calendar quarters a quarter or half is made of."""
        if self.kind == "quarter":
            return (self,)
        if self.kind == "half":
            return (
                Span("quarter", self.year, 2 * self.n - 1),
                Span("quarter", self.year, 2 * self.n),
            )
        raise ValueError("a year is an annual row, not quarters")


def parse_span(window: str | None) -> Span | None:
    """``2025Q2`` / ``2024H1`` / ``2024`` as a span; None for anything else (``1d``, ``3y``...)."""
    match = _WINDOW.match((window or "").strip())
    if match is None:
        return None
    year, letter, number = match.groups()
    if letter == "Q":
        return Span("quarter", int(year), int(number))
    if letter == "H":
        return Span("half", int(year), int(number)) if int(number) <= 2 else None
    return Span("year", int(year))


def span_of_row(freq: str, period_end: pd.Timestamp) -> Span:
    """The span a statement row stands for: its calendar quarter, or its fiscal year."""
    if freq == "quarterly":
        return Span("quarter", period_end.year, (period_end.month - 1) // 3 + 1)
    return Span("year", period_end.year)


@dataclass(frozen=True)
class Figure:
    """A reported figure for a span: value, currency and where it came from."""

    span: Span
    value: float
    currency: str
    provider: str
    source: str


def _fiscal_month(annual: pd.DataFrame, fiscal_year_end: int | None) -> int | None:
    """The fiscal-year-end month: the theme's, else the annual rows' most common one."""
    if fiscal_year_end is not None:
        return fiscal_year_end
    if annual.empty:
        return None
    return int(annual["period_end"].dt.month.mode().iloc[0])


def _month_near(month: int, target: int) -> bool:
    return min((month - target) % 12, (target - month) % 12) <= 1


def figure_for(rows: pd.DataFrame, span: Span, fiscal_year_end: int | None) -> Figure | str:
    """The figure ``rows`` (one ticker, one item) report for ``span``, or why there is none."""
    if span.kind == "year":
        annual = rows.loc[rows["freq"] == "annual"]
        month = _fiscal_month(annual, fiscal_year_end)
        hit = annual.loc[annual["period_end"].dt.year == span.year]
        if month is not None:
            hit = hit.loc[[_month_near(int(m), month) for m in hit["period_end"].dt.month]]
        if hit.empty:
            have = ", ".join(f"{d:%Y-%m}" for d in annual["period_end"]) or "none"
            fy = f" (fiscal year to month {month})" if month not in (None, 12) else ""
            return f"no annual figure for {span.label}{fy}; annual periods on file end {have}"
        row = hit.iloc[-1]
        return Figure(span, float(row["value"]), str(row["currency"]), str(row["provider"]), str(row["source"]))  # fmt: skip
    quarterly = rows.loc[rows["freq"] == "quarterly"]
    found: list[pd.Series] = []
    for quarter in span.quarters():
        first = pd.Timestamp(quarter.year, 3 * quarter.n - 2, 1)
        last = first + pd.offsets.QuarterEnd(0)
        hit = quarterly.loc[(quarterly["period_end"] >= first) & (quarterly["period_end"] <= last)]
        if hit.empty:
            have = _quarter_range(quarterly)
            return f"no quarterly figure for {quarter.label} (quarters on file: {have})"
        found.append(hit.iloc[-1])
    currencies = {str(r["currency"]) for r in found}
    if len(currencies) > 1:
        return f"the quarters of {span.label} are reported in different currencies ({', '.join(sorted(currencies))})"  # fmt: skip
    total = float(sum(float(r["value"]) for r in found))
    last_row = found[-1]
    return Figure(span, total, str(last_row["currency"]), str(last_row["provider"]), str(last_row["source"]))  # fmt: skip


def _quarter_range(quarterly: pd.DataFrame) -> str:
    if quarterly.empty:
        return "none"
    spans = [span_of_row("quarterly", pd.Timestamp(d)).label for d in quarterly["period_end"]]
    return f"{spans[0]}..{spans[-1]}" if len(spans) > 1 else spans[0]
