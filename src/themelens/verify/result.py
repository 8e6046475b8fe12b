"""Verified claims and their tallies, per article and overall."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import pandas as pd

from themelens.news.claim import MARKET_METRICS, Claim
from themelens.summary import Summary
from themelens.verify.tolerances import Tolerances

__all__ = ["VERDICTS", "VerifiedClaim", "VerifyResult"]

VERDICTS: Final = ("supported", "supported_intraday", "contradicted", "unverifiable")
_TALLY: Final = ("checked", *VERDICTS)
MARKET_CHECKS: Final = frozenset(MARKET_METRICS)
"""Metrics verify checks against prices; ``forward_pe`` waits for a valuation source."""


@dataclass(frozen=True)
class VerifiedClaim:
    """A claim with the verdict fields DESIGN.md adds: ticker, asof, computed, verdict, reason.

    ``asof`` is the session used; ``proxy`` is True when an index claim was
    checked against the equal-weight proxy instead of the index.
    """

    claim: Claim
    ticker: str | None
    asof: date | None
    computed: float | str | None
    verdict: str
    reason: str
    proxy: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The claim's JSON, then ``ticker, asof, computed, verdict, reason`` (and ``proxy`` when set)."""
        out = self.claim.to_dict()
        out.update(
            ticker=self.ticker,
            asof=self.asof.isoformat() if self.asof else None,
            computed=self.computed,
            verdict=self.verdict,
            reason=self.reason,
        )
        if self.proxy:
            out["proxy"] = True
        return out


@dataclass(frozen=True)
class VerifyResult:
    """Every claim's verdict, in input order, and the tolerances that produced them."""

    rows: tuple[VerifiedClaim, ...]
    tolerances: Tolerances

    def to_records(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.rows]

    def to_frame(self) -> pd.DataFrame:
        """One row per claim: the claim's keys plus ticker, asof, computed, verdict, reason, proxy."""
        frame = pd.DataFrame.from_records(self.to_records())
        if "proxy" not in frame.columns:
            frame["proxy"] = False
        frame["proxy"] = frame["proxy"].fillna(False).astype(bool)
        return frame

    def tally(self) -> pd.DataFrame:
        """Counts per article and overall: ``claims`` (all), ``checked`` (market claims), then
        each verdict among the checked ones. Claims that are not market claims are counted in
        ``claims`` only, so ``checked`` = supported + supported_intraday + contradicted + unverifiable.
        """
        records = [
            {
                "article": r.claim.article or "",
                "verdict": r.verdict,
                "market": r.claim.metric in MARKET_CHECKS,
            }
            for r in self.rows
        ]
        frame = pd.DataFrame.from_records(records, columns=["article", "verdict", "market"])
        market = frame[frame["market"]]
        counts = pd.crosstab(market["article"], market["verdict"]).reindex(
            index=sorted(frame["article"].unique()), columns=list(VERDICTS), fill_value=0
        )
        counts = counts.fillna(0).astype(int)
        counts.insert(0, "checked", counts.sum(axis=1))
        counts.insert(0, "claims", frame.groupby("article").size())
        counts.loc["(all)"] = counts.sum()
        counts.index.name = "article"
        return counts.reset_index()[["article", "claims", *_TALLY]]

    def summary(self) -> Summary:
        table = self.tally()
        tol = self.tolerances
        notes = (
            f"returns supported within max({tol.return_pp:g} pp, {tol.return_rel:.0%} of the computed move); "
            f"high_since within {tol.high_since_months} months; win streaks exact; drawdowns within {tol.drawdown_pp:g} pp",
            "supported_intraday: the close missed but the day's high-low range reached the claim",
        )
        return Summary("Claims checked against prices", table, notes)
