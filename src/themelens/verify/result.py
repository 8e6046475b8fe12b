"""Verified claims and their tallies, per article and overall."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import pandas as pd

from themelens.news.claim import FUNDAMENTAL_METRICS, MARKET_METRICS, Claim
from themelens.summary import ShowsSummary, Summary
from themelens.verify.tolerances import Tolerances

__all__ = ["VERDICTS", "SessionFigures", "VerifiedClaim", "VerifyResult"]

VERDICTS: Final = ("supported", "supported_intraday", "misdated", "contradicted", "unverifiable")
_TALLY: Final = ("checked", *VERDICTS)
CHECKED_METRICS: Final = frozenset(MARKET_METRICS) | FUNDAMENTAL_METRICS
"""Metrics verify has a check for: prices (market) and fundamentals sources (the rest)."""


@dataclass(frozen=True)
class SessionFigures:
    """The tape a verdict row shows: the session used, its close-to-close move and its range.

    Moves are percent of the previous close (None when unknown: the first
    session of the data, or a series without highs and lows such as a proxy).
    """

    session: date
    close_pct: float | None
    low_pct: float | None
    high_pct: float | None

    def describe(self) -> str:
        """``2025-09-24: close +4.10%, range -0.50% to +5.20%`` (parts that are unknown left out)."""
        parts = [f"{self.session.isoformat()}:"]
        if self.close_pct is not None:
            parts.append(f"close {self.close_pct:+.2f}%")
        if self.low_pct is not None and self.high_pct is not None:
            parts.append(f"range {self.low_pct:+.2f}% to {self.high_pct:+.2f}%")
        return " ".join(parts) if len(parts) > 1 else self.session.isoformat()


@dataclass(frozen=True)
class VerifiedClaim:
    """A claim with the verdict fields DESIGN.md adds: ticker, asof, computed, verdict, reason.

    ``asof`` is the session used; ``figures`` the tape of that session (its
    close-to-close move and its range) whatever the window checked, so a
    reader sees what the day did. ``proxy`` is True when the reason carries
    an equal-weight proxy's figure for an index with no series; a proxy never
    decides a verdict (such rows are ``unverifiable``).
    """

    claim: Claim
    ticker: str | None
    asof: date | None
    computed: float | str | None
    verdict: str
    reason: str
    proxy: bool = False
    figures: SessionFigures | None = None

    def to_dict(self) -> dict[str, Any]:
        """The claim's JSON, then ``ticker, asof, computed, verdict, reason``, the session's
        ``session_close_pct, day_low_pct, day_high_pct``, and ``proxy`` when set."""
        out = self.claim.to_dict()
        fig = self.figures
        out.update(
            ticker=self.ticker,
            asof=self.asof.isoformat() if self.asof else None,
            computed=self.computed,
            verdict=self.verdict,
            reason=self.reason,
            session_close_pct=fig.close_pct if fig else None,
            day_low_pct=fig.low_pct if fig else None,
            day_high_pct=fig.high_pct if fig else None,
        )
        if self.proxy:
            out["proxy"] = True
        return out


def _article_labels(claims: list[Claim]) -> Callable[[Claim], str]:
    """Each claim's article as a reader names it: its name, plus a short id where two
    articles share that name (counts are per article, and articles are ids)."""
    ids_by_name: dict[str, set[str]] = {}
    for c in claims:
        ids_by_name.setdefault(c.article or "", set()).add(c.article_id or "")

    def label(claim: Claim) -> str:
        name = claim.article or ""
        if len(ids_by_name.get(name, ())) > 1 and claim.article_id:
            return f"{name} ({claim.article_id[:8]})"
        return name

    return label


@dataclass(frozen=True)
class VerifyResult(ShowsSummary):
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
        """Counts per article and overall: ``claims`` (all), ``checked`` (claims verify has a
        check for), then each verdict among the checked ones, so ``checked`` is the sum of the
        verdict columns. Claims with no check are counted in ``claims`` only.
        """
        label = _article_labels([r.claim for r in self.rows])
        records = [
            {
                "article": label(r.claim),
                "verdict": r.verdict,
                "market": r.claim.metric in CHECKED_METRICS,
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
            "supported_intraday: the close missed but the day's range reached the claim, or an "
            "'as much as' figure matched the day's high (low for a fall)",
            "misdated: no match on the claimed session, a match within two sessions of it",
            "an index with no series is unverifiable; a proxy's figure is in the reason, never a verdict",
        )
        return Summary("Claims checked against the data", table, notes)
