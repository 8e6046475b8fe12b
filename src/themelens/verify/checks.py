"""One check per market metric: claimed value + the session's figures → a Verdict.

Each check receives the claim, the ticker's panel row at the session (from
``analytics.rally.rally_panel``) and the session's bar, and returns a
``Verdict(status, computed, reason)``. Nothing here loads data or decides
which session to use; ``verify.engine`` does that.
"""

from __future__ import annotations

from typing import Final, Literal, NamedTuple

import numpy as np
import pandas as pd

from themelens.news.claim import Claim
from themelens.verify.tolerances import Tolerances, return_matches

__all__ = ["Bar", "Verdict", "VerdictStatus", "check_market_claim"]

VerdictStatus = Literal["supported", "supported_intraday", "contradicted", "unverifiable"]

_RETURN_COLUMN: Final = {
    None: "return_1d_pct",
    "1d": "return_1d_pct",
    "1w": "return_1w_pct",
    "1m": "return_1m_pct",
    "ytd": "return_ytd_pct",
}


class Verdict(NamedTuple):
    """What the data says about one claim; ``computed`` is the figure compared (or None)."""

    status: VerdictStatus
    computed: float | str | None
    reason: str


class Bar(NamedTuple):
    """The session's close, high and low and the previous close (NaN when unknown)."""

    close: float
    high: float
    low: float
    prev_close: float


def _fmt(x: float) -> str:
    return f"{x:+.2f}%"


def check_return(claim: Claim, row: pd.Series, bar: Bar, tol: Tolerances, ticker: str) -> Verdict:
    """A price move over the claim's window, at the close; else within the day's range (1d only)."""
    column = _RETURN_COLUMN.get(claim.window)
    if column is None:
        return Verdict("unverifiable", None, f"window {claim.window} is not checked against prices")
    computed = row[column]
    if pd.isna(computed):
        return Verdict(
            "unverifiable", None, f"not enough history for a {claim.window or '1d'} return"
        )
    computed = float(computed)
    claimed = float(claim.value)
    hedge = f" ({claim.qualifier})" if claim.qualifier else ""
    if return_matches(claimed, computed, claim.qualifier, tol, ticker=ticker):
        return Verdict(
            "supported",
            round(computed, 4),
            f"close-to-close {_fmt(computed)} vs claimed {claimed:g}%{hedge}",
        )
    if (
        column == "return_1d_pct"
        and np.isfinite(bar.high)
        and np.isfinite(bar.low)
        and bar.prev_close > 0
    ):
        lo = (bar.low / bar.prev_close - 1) * 100
        hi = (bar.high / bar.prev_close - 1) * 100
        if _range_matches(claimed, lo, hi, claim.qualifier, tol, ticker):
            return Verdict(
                "supported_intraday",
                round(computed, 4),
                f"closed {_fmt(computed)}, but the day's range {_fmt(lo)} to {_fmt(hi)} "
                f"reached the claimed {claimed:g}%{hedge}: written before the close?",
            )
    return Verdict(
        "contradicted",
        round(computed, 4),
        f"close-to-close {_fmt(computed)} vs claimed {claimed:g}%{hedge}",
    )


def _range_matches(
    claimed: float, lo: float, hi: float, qualifier: str | None, tol: Tolerances, ticker: str
) -> bool:
    """Whether some move inside [lo, hi] satisfies the claim (a dense grid plus the claim itself)."""
    grid = np.linspace(lo, hi, 401)
    if lo <= claimed <= hi:
        grid = np.append(grid, claimed)
    return any(return_matches(claimed, float(x), qualifier, tol, ticker=ticker) for x in grid)


def _months_apart(a: pd.Timestamp, month: str) -> int:
    year, mon = (int(p) for p in month.split("-")[:2])
    return abs((a.year - year) * 12 + (a.month - mon))


def check_high_since(
    claim: Claim,
    row: pd.Series,
    first_date: pd.Timestamp,
    earlier_above_high: pd.Timestamp | None,
    tol: Tolerances,
) -> Verdict:
    """ "Highest since MONTH": the latest earlier close above this close should fall near MONTH.

    An all-time high in the data contradicts the claim (it implies a higher
    level at MONTH) unless the data start after MONTH. The intraday variant
    compares earlier closes with the day's high instead of its close.
    """
    month = str(claim.value)
    if not _is_month(month):
        return Verdict("unverifiable", None, f"high_since value {month!r} is not YYYY-MM")
    computed = row["high_since"]
    if pd.isna(computed):
        if first_date > pd.Timestamp(f"{month}-01"):
            return Verdict(
                "unverifiable",
                None,
                f"at a high in data that start {first_date:%Y-%m-%d}, after {month}",
            )
        return Verdict(
            "contradicted",
            "all-time high",
            f"an all-time high in data from {first_date:%Y-%m}, not only since {month}",
        )
    gap = _months_apart(pd.Timestamp(computed), month)
    if gap <= tol.high_since_months:
        return Verdict(
            "supported",
            f"{computed:%Y-%m}",
            f"highest close since {computed:%Y-%m-%d} ({gap} months from {month})",
        )
    if (
        earlier_above_high is not None
        and _months_apart(earlier_above_high, month) <= tol.high_since_months
    ):
        return Verdict(
            "supported_intraday",
            f"{computed:%Y-%m}",
            f"the close was highest since {computed:%Y-%m-%d}, but the day's high was the highest since "
            f"{earlier_above_high:%Y-%m-%d}",
        )
    return Verdict(
        "contradicted",
        f"{computed:%Y-%m}",
        f"highest close since {computed:%Y-%m-%d}, {gap} months from {month}",
    )


def _is_month(value: str) -> bool:
    parts = value.split("-")
    return len(parts) >= 2 and all(p.isdigit() for p in parts[:2])


def check_win_streak(claim: Claim, row: pd.Series) -> Verdict:
    """Consecutive weekly gains must match exactly."""
    computed = int(row["win_streak_weeks"])
    claimed = int(float(claim.value))
    status: VerdictStatus = "supported" if computed == claimed else "contradicted"
    return Verdict(status, computed, f"{computed} straight weekly gains vs claimed {claimed}")


def check_drawdown(claim: Claim, row: pd.Series, tol: Tolerances) -> Verdict:
    """Percent below the peak, within ``drawdown_pp``."""
    computed = float(row["drawdown_from_peak_pct"])
    claimed = float(claim.value)
    ok = abs(computed - claimed) <= tol.drawdown_pp
    return Verdict("supported" if ok else "contradicted", round(computed, 4),
                   f"{computed:.1f}% below the peak vs claimed {claimed:g}%")  # fmt: skip


def check_market_claim(
    claim: Claim,
    row: pd.Series,
    bar: Bar,
    *,
    ticker: str,
    first_date: pd.Timestamp,
    earlier_above_high: pd.Timestamp | None,
    tol: Tolerances,
) -> Verdict:
    """Dispatch on the claim's metric; a metric prices cannot check is ``unverifiable``."""
    if claim.metric == "return_pct":
        return check_return(claim, row, bar, tol, ticker)
    if claim.metric == "high_since":
        return check_high_since(claim, row, first_date, earlier_above_high, tol)
    if claim.metric == "win_streak_weeks":
        return check_win_streak(claim, row)
    if claim.metric == "drawdown_from_peak_pct":
        return check_drawdown(claim, row, tol)
    return Verdict("unverifiable", None, "not a market claim")
