"""How close a claimed fundamentals figure must be to the reported one, honouring the hedge.

The market checks keep their thresholds in ``tolerances.Tolerances``; these
are the statement, valuation and flow counterparts, in one frozen object so a
caller can override any of them and a report can print the rule that decided.
"""

from __future__ import annotations

from dataclasses import dataclass

from themelens.verify.tolerances import hedged_match

__all__ = ["FundamentalTolerances", "figure_matches"]


@dataclass(frozen=True)
class FundamentalTolerances:
    """Thresholds for ``supported`` (and how far to look) in the fundamentals checks.

    growth_pp, growth_rel
        A growth rate (percent) is supported when ``|claimed − computed| ≤
        max(growth_pp, growth_rel × |computed|)``: 1 pp or 10% of the figure.
    money_rel
        Capex (money, after any currency conversion) within 5% of the
        reported figure.
    pe_rel
        A P/E multiple within 10% of the source's.
    pe_max_age_days
        The P/E observation used is the latest on or before the claim's day,
        and no older than this (a week: weekly histories still answer).
    average_years, average_slack_days
        A ``5y`` P/E is the mean over this many years to the claim's day; the
        history must start within the slack of that span's first day.
    flow_rel
        A southbound net-buy figure within 10% of the computed one.
    report_lag_days
        A growth claim with no window is about the latest period that ended
        at most this many days before the claim's day (results come out
        within about a quarter of the period's end).
    """

    growth_pp: float = 1.0
    growth_rel: float = 0.10
    money_rel: float = 0.05
    pe_rel: float = 0.10
    pe_max_age_days: int = 7
    average_years: int = 5
    average_slack_days: int = 31
    flow_rel: float = 0.10
    report_lag_days: int = 120

    def growth_tolerance(self, computed: float) -> float:
        """Percentage points a growth claim may be off by."""
        return max(self.growth_pp, self.growth_rel * abs(computed))


figure_matches = hedged_match
"""Whether a claimed figure, hedged by its qualifier, is consistent with the reported one.

The reading of a hedge is the returns' (``tolerances.hedged_match``): a
statement, P/E or flow figure and a price move are hedged alike.
"""
