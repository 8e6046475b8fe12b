"""One check per market metric: the claim + the ticker's tape at the session → a Verdict.

Each check receives the claim, the ticker's ``Tape`` and the row of the
session the engine resolved, and returns ``Verdict(status, computed,
reason)``. Nothing here loads data or decides which session or listing to
use; ``verify.engine`` does that.

The rules a reader can hold us to (README, "Verdicts"):

- A move without a window is the day's move, and the reason says so.
- "As much as 7.2%" is the day's extreme: checked against the high (the low
  for a fall), ``supported_intraday`` when it reached the figure.
- A day's move that misses on its day but matches a session within two of
  it is ``misdated``, naming the session that matches.
"""

from __future__ import annotations

from datetime import date
from typing import Final, Literal, NamedTuple

import numpy as np
import pandas as pd

from themelens.news.claim import Claim
from themelens.verify.spans import Period, period_of, since_month, stated_window
from themelens.verify.tape import Tape
from themelens.verify.tolerances import Tolerances, return_matches, some_return_matches

__all__ = ["Verdict", "VerdictStatus", "check_market_claim", "is_extreme"]

VerdictStatus = Literal[
    "supported", "supported_intraday", "misdated", "contradicted", "unverifiable"
]

_ROLLING: Final = {"1w": "return_1w_pct", "1m": "return_1m_pct", "ytd": "return_ytd_pct"}
_NEIGHBOURS: Final = (-1, 1, -2, 2)


class Verdict(NamedTuple):
    """What the data say about one claim; ``computed`` is the figure compared (or None)."""

    status: VerdictStatus
    computed: float | str | None
    reason: str


def _fmt(x: float) -> str:
    return f"{x:+.2f}%"


def _claimed(claim: Claim) -> str:
    hedge = f" ({claim.qualifier.replace('_', ' ')})" if claim.qualifier else ""
    return f"claimed {float(claim.value):g}%{hedge}"


def is_extreme(claim: Claim) -> bool:
    """ "Rose as much as 7.2%": a figure for the day's extreme, not its close.

    The spec writes that hedge as qualifier ``up_to``; the qualifier decides,
    not the quote's words, because a quote can hold another number's "as
    much as" ("closed up 3%, after rising as much as 7%").
    """
    return claim.window in (None, "1d") and claim.qualifier == "up_to"


def check_return(
    claim: Claim, tape: Tape, pos: int, tol: Tolerances, written: date | None = None
) -> Verdict:
    """A price move over the claim's window: the day, a rolling window, a period or "since MONTH".

    ``written`` is the article's date: a misdated move is only looked for on
    sessions the article could have reported.
    """
    window = claim.window
    if window is None:
        span = since_month(claim.quote or "", tape.session(pos))
        if span is not None:
            return _check_span(claim, tape, pos, span, tol)
    if window in (None, "1d"):
        return _check_day(claim, tape, pos, tol, unstated=window is None, written=written)
    if window in _ROLLING:
        return _check_rolling(claim, tape, pos, window, tol)
    period = period_of(window)
    if period is not None:
        return _check_span(claim, tape, pos, period, tol)
    return Verdict("unverifiable", None, f"window {window} is not checked against prices")


def _check_day(
    claim: Claim, tape: Tape, pos: int, tol: Tolerances, *, unstated: bool, written: date | None
) -> Verdict:
    claimed = float(claim.value)
    close, low, high = tape.day_move(pos)
    day = tape.session(pos)
    if not np.isfinite(close):
        return Verdict("unverifiable", None, f"no close before {day} to measure the day's move")
    note = "; no window in the text: checked the day's move" if unstated else ""
    if is_extreme(claim):
        return _check_extreme(claim, tape, pos, tol, note)
    said = f"close-to-close {_fmt(close)} on {day} vs {_claimed(claim)}"
    if return_matches(claimed, close, claim.qualifier, tol, ticker=tape.ticker):
        return Verdict("supported", round(close, 4), said + note)
    if (
        np.isfinite(low)
        and np.isfinite(high)
        and _range_matches(claimed, low, high, claim.qualifier, tol, tape.ticker)
    ):
        return Verdict(
            "supported_intraday",
            round(close, 4),
            f"closed {_fmt(close)} on {day}, but the day's range {_fmt(low)} to {_fmt(high)} "
            f"reached the {_claimed(claim)}: written before the close?{note}",
        )
    for k in _NEIGHBOURS:
        other = pos + k
        if other < 1 or other >= len(tape.bars):
            continue
        if written is not None and tape.session(other) > written:
            continue  # an article cannot report a session after it was written
        moved = tape.day_move(other)[0]
        if np.isfinite(moved) and return_matches(
            claimed, moved, claim.qualifier, tol, ticker=tape.ticker
        ):
            return Verdict(
                "misdated",
                round(moved, 4),
                f"{said}; the move matches the session of {tape.session(other)} "
                f"({_fmt(moved)}){note}",
            )
    return Verdict("contradicted", round(close, 4), said + note)


def _check_extreme(claim: Claim, tape: Tape, pos: int, tol: Tolerances, note: str) -> Verdict:
    """ "As much as N%": the day's high against the previous close (its low for a fall)."""
    claimed = float(claim.value)
    close, low, high = tape.day_move(pos)
    day = tape.session(pos)
    side, extreme = ("low", low) if claimed < 0 else ("high", high)
    if not np.isfinite(extreme):
        return Verdict("unverifiable", None, f"no intraday {side} for {tape.ticker} on {day}")
    said = f"the day's {side} {_fmt(extreme)} on {day} (close {_fmt(close)}) vs {_claimed(claim)}"
    if abs(claimed - extreme) <= tol.return_tolerance(extreme):
        return Verdict("supported_intraday", round(extreme, 4), said + note)
    return Verdict("contradicted", round(extreme, 4), said + note)


def _range_matches(
    claimed: float, lo: float, hi: float, qualifier: str | None, tol: Tolerances, ticker: str
) -> bool:
    """Whether some move inside [lo, hi] satisfies the claim (a dense grid plus the claim itself)."""
    grid = np.linspace(lo, hi, 401)
    if lo <= claimed <= hi:
        grid = np.append(grid, claimed)
    return some_return_matches(claimed, grid, qualifier, tol, ticker=ticker)


def _check_rolling(claim: Claim, tape: Tape, pos: int, window: str, tol: Tolerances) -> Verdict:
    computed = tape.metric(_ROLLING[window], pos)
    day = tape.session(pos)
    if not np.isfinite(computed):
        return Verdict("unverifiable", None, f"not enough history for a {window} return at {day}")
    said = f"{window} close-to-close {_fmt(computed)} to {day} vs {_claimed(claim)}"
    if return_matches(float(claim.value), computed, claim.qualifier, tol, ticker=tape.ticker):
        return Verdict("supported", round(computed, 4), said)
    return _day_instead(claim, tape, pos, tol, Verdict("contradicted", round(computed, 4), said))


def _check_span(claim: Claim, tape: Tape, pos: int, span: Period, tol: Tolerances) -> Verdict:
    """A move from the last close before ``span.start`` to the session (or the span's last one)."""
    index = tape.bars.index
    base = int(index.searchsorted(pd.Timestamp(span.start))) - 1
    end = min(pos, int(index.searchsorted(pd.Timestamp(span.end), side="right")) - 1)
    if base < 0 or end <= base:
        return Verdict(
            "unverifiable", None, f"the data do not cover {span.label} (they start {tape.first})"
        )
    computed = (tape.close(end) / tape.close(base) - 1) * 100
    said = (
        f"{span.label}: {_fmt(computed)} from the close of {tape.session(base)} "
        f"to {tape.session(end)} vs {_claimed(claim)}"
    )
    if return_matches(float(claim.value), computed, claim.qualifier, tol, ticker=tape.ticker):
        return Verdict("supported", round(computed, 4), said)
    return _day_instead(claim, tape, pos, tol, Verdict("contradicted", round(computed, 4), said))


def _day_instead(claim: Claim, tape: Tape, pos: int, tol: Tolerances, failed: Verdict) -> Verdict:
    """A multi-day window the quote does not state is a reading: when the day agrees, say so."""
    if stated_window(claim.quote or ""):
        return failed
    close = tape.day_move(pos)[0]
    if np.isfinite(close) and return_matches(
        float(claim.value), close, claim.qualifier, tol, ticker=tape.ticker
    ):
        return Verdict(
            "supported",
            round(close, 4),
            f"close-to-close {_fmt(close)} on {tape.session(pos)} vs {_claimed(claim)}: the "
            f"quote names no window and the day matches ({failed.reason.split(' vs ')[0]} "
            f"for the {claim.window} read from the article)",
        )
    return failed


def _months_apart(a: pd.Timestamp, month: str) -> int:
    year, mon = (int(p) for p in month.split("-")[:2])
    return abs((a.year - year) * 12 + (a.month - mon))


def _is_month(value: str) -> bool:
    parts = value.split("-")
    return len(parts) >= 2 and all(p.isdigit() for p in parts[:2])


def check_high_since(claim: Claim, tape: Tape, pos: int, tol: Tolerances) -> Verdict:
    """ "Highest since MONTH": the latest earlier close above this close should fall near MONTH.

    An all-time high in the data contradicts the claim (it implies a higher
    level at MONTH) unless the data start after MONTH. The intraday variant
    compares earlier closes with the day's high instead of its close.
    """
    month = str(claim.value)
    if not _is_month(month):
        return Verdict("unverifiable", None, f"high_since value {month!r} is not YYYY-MM")
    computed = tape.high_since(pos)
    day = tape.session(pos)
    if computed is None:
        if pd.Timestamp(tape.first) > pd.Timestamp(f"{month}-01"):
            return Verdict(
                "unverifiable", None, f"at a high in data that start {tape.first}, after {month}"
            )
        return Verdict(
            "contradicted",
            "all-time high",
            f"{day} closed at an all-time high in data from {tape.first:%Y-%m}, "
            f"not only since {month}",
        )
    gap = _months_apart(computed, month)
    if gap <= tol.high_since_months:
        return Verdict(
            "supported",
            f"{computed:%Y-%m}",
            f"{day}: highest close since {computed:%Y-%m-%d} ({gap} months from {month})",
        )
    high = tape.metric("high", pos)
    above = tape.earlier_close_above(pos, high) if np.isfinite(high) else None
    if above is not None and _months_apart(above, month) <= tol.high_since_months:
        return Verdict(
            "supported_intraday",
            f"{computed:%Y-%m}",
            f"{day}: the close was highest since {computed:%Y-%m-%d}, but the day's high was the "
            f"highest since {above:%Y-%m-%d}",
        )
    return Verdict(
        "contradicted",
        f"{computed:%Y-%m}",
        f"{day}: highest close since {computed:%Y-%m-%d}, {gap} months from {month}",
    )


def check_win_streak(claim: Claim, tape: Tape, pos: int) -> Verdict:
    """Consecutive weekly gains must match exactly."""
    streak = tape.metric("win_streak_weeks", pos)
    if not np.isfinite(streak):
        return Verdict("unverifiable", None, f"no weekly streak at {tape.session(pos)}")
    computed = int(streak)
    claimed = int(float(claim.value))
    status: VerdictStatus = "supported" if computed == claimed else "contradicted"
    return Verdict(
        status,
        computed,
        f"{computed} straight weekly gains to {tape.session(pos)} vs claimed {claimed}",
    )


def check_drawdown(claim: Claim, tape: Tape, pos: int, tol: Tolerances) -> Verdict:
    """Percent below the peak, within ``drawdown_pp``; "over 20%" needs at least 20 − that."""
    computed = tape.metric("drawdown_from_peak_pct", pos)
    claimed = float(claim.value)
    gap = computed - claimed
    ok = {
        "over": gap >= -tol.drawdown_pp,
        "at_least": gap >= -tol.drawdown_pp,
        "nearly": gap <= 1e-9 and gap >= -tol.drawdown_pp,
        "up_to": gap <= tol.drawdown_pp,
    }.get(claim.qualifier or "", abs(gap) <= tol.drawdown_pp)
    return Verdict(
        "supported" if ok else "contradicted",
        round(computed, 4),
        f"{computed:.1f}% below the peak on {tape.session(pos)} vs {_claimed(claim)}",
    )


def check_market_claim(
    claim: Claim, tape: Tape, pos: int, tol: Tolerances, written: date | None = None
) -> Verdict:
    """Dispatch on the claim's metric; a metric prices cannot check is ``unverifiable``."""
    if claim.metric == "return_pct":
        return check_return(claim, tape, pos, tol, written)
    if claim.metric == "high_since":
        return check_high_since(claim, tape, pos, tol)
    if claim.metric == "win_streak_weeks":
        return check_win_streak(claim, tape, pos)
    if claim.metric == "drawdown_from_peak_pct":
        return check_drawdown(claim, tape, pos, tol)
    return Verdict("unverifiable", None, "not a market claim")
