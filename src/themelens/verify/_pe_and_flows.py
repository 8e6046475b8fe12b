"""P/E and southbound-flow claims against the valuation and flow sources.

P/E: the forward multiple (``pe_fwd``), or the trailing one when the quote
says "trailing"/"TTM"; the latest observation on or before the claim's day
and no older than ``pe_max_age_days``; a ``5y`` window is the mean over the
five years to that day, when the history covers them. Figures the theme
quotes from the press (provider ``press reports``) are not evidence: a claim
checked against its own kind would always agree.

Flows: southbound net buying for the channel as a whole (entity
``southbound``, or ``by: southbound`` with no company) on the claim's day
(``1d``) or summed over its week's sessions (``1w``: Monday to the claim's
day; an article dated Monday is about the week before).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Final

import pandas as pd

from themelens.data.fundamentals.reported import REPORTED_PROVIDER
from themelens.news.claim import Claim
from themelens.verify._statement_checks import ClaimToCheck, convert_claimed, hedged, money
from themelens.verify.checks import Verdict
from themelens.verify.fundamental_tolerances import FundamentalTolerances, figure_matches

__all__ = ["check_flow", "check_pe"]

_TRAILING: Final = re.compile(r"trailing|\bTTM\b|historical (?:P/?E|earnings)|past earnings", re.IGNORECASE)  # fmt: skip
_ETF: Final = re.compile(r"\bETFs?\b|exchange[- ]traded", re.IGNORECASE)
_SOUTHBOUND: Final = re.compile(r"southbound|Stock Connect|港股通|南向", re.IGNORECASE)
_YEARS: Final = re.compile(r"^\d+y$")
_PE_NAMES: Final = {"pe_fwd": "forward P/E", "pe_trailing": "trailing P/E"}


def _provider(rows: pd.DataFrame) -> str:
    names = sorted({str(p) for p in rows["provider"]})
    return ", ".join(names)


def check_pe(c: ClaimToCheck) -> Verdict:
    """A P/E multiple against the valuation source at the claim's day (module docstring)."""
    claim, ticker, day, evidence, tol = c
    if ticker is None:
        return Verdict("unverifiable", None, f"no listing for {claim.entity} to look up a P/E for")
    if "valuation" in evidence.unavailable:
        return Verdict("unverifiable", None, evidence.unavailable["valuation"])
    if day is None:
        return Verdict("unverifiable", None, "no date to look the P/E up at")
    column = "pe_trailing" if _TRAILING.search(claim.quote or "") else "pe_fwd"
    name = _PE_NAMES[column]
    frame = evidence.valuation
    rows = frame.loc[(frame["ticker"] == ticker) & (frame["provider"] != REPORTED_PROVIDER)]
    rows = rows.loc[rows[column].notna()].sort_values("date")
    if rows.empty:
        failed = evidence.failure("valuation", ticker)
        why = f" ({failed})" if failed else ""
        return Verdict("unverifiable", None, f"no {name} for {ticker} from a valuation source{why}")
    when = pd.Timestamp(day)
    if _YEARS.match(claim.window or ""):
        return _average(claim, rows, column, when, tol, ticker)
    if claim.window not in (None, "1d"):
        return Verdict("unverifiable", None, f"window {claim.window} is not checked for a P/E")
    before = rows.loc[rows["date"] <= when]
    if before.empty:
        first = pd.Timestamp(rows["date"].iloc[0])
        return Verdict("unverifiable", None, f"{name} for {ticker} starts {first:%Y-%m-%d}, after {day}")  # fmt: skip
    last = before.iloc[-1]
    age = (when - pd.Timestamp(last["date"])).days
    if age > tol.pe_max_age_days:
        why = f"latest {name} for {ticker} on or before {day} is from {last['date']:%Y-%m-%d}, {age} days old (limit {tol.pe_max_age_days})"  # fmt: skip
        return Verdict("unverifiable", None, why)
    computed, claimed = float(last[column]), float(claim.value)
    ok = figure_matches(claimed, computed, claim.qualifier, tol.pe_rel * abs(computed))
    reason = f"{name} {computed:.1f}x on {last['date']:%Y-%m-%d} vs claimed {hedged(claim, f'{claimed:g}x')} ({last['provider']})"  # fmt: skip
    return Verdict("supported" if ok else "contradicted", round(computed, 4), reason)


def _average(
    claim: Claim,
    rows: pd.DataFrame,
    column: str,
    when: pd.Timestamp,
    tol: FundamentalTolerances,
    ticker: str,
) -> Verdict:
    """The mean multiple over ``average_years`` to ``when``, if the history covers them."""
    name = _PE_NAMES[column]
    if claim.window != f"{tol.average_years}y":
        return Verdict("unverifiable", None, f"a {claim.window} average is not checked (only {tol.average_years}y)")  # fmt: skip
    start = when - pd.DateOffset(years=tol.average_years)
    span = rows.loc[(rows["date"] > start) & (rows["date"] <= when)]
    first = pd.Timestamp(rows["date"].iloc[0])
    if span.empty or first > start + pd.Timedelta(days=tol.average_slack_days):
        why = f"{name} history for {ticker} starts {first:%Y-%m-%d}: no {tol.average_years}-year average to {when:%Y-%m-%d}"  # fmt: skip
        return Verdict("unverifiable", None, why)
    computed, claimed = float(span[column].mean()), float(claim.value)
    ok = figure_matches(claimed, computed, claim.qualifier, tol.pe_rel * abs(computed))
    reason = (
        f"{tol.average_years}-year average {name} {computed:.1f}x ({len(span)} observations "
        f"{span['date'].iloc[0]:%Y-%m-%d}..{span['date'].iloc[-1]:%Y-%m-%d}) vs claimed "
        f"{hedged(claim, f'{float(claim.value):g}x')} ({_provider(span)})"
    )
    return Verdict("supported" if ok else "contradicted", round(computed, 4), reason)


def _week(day: date) -> tuple[date, date]:
    """The sessions a ``1w`` claim dated ``day`` covers: Monday..day, or last week from a Monday."""
    if day.weekday() == 0:
        monday = day - timedelta(days=7)
        return monday, monday + timedelta(days=4)
    return day - timedelta(days=day.weekday()), day


def check_flow(c: ClaimToCheck) -> Verdict:
    """Southbound net buying on a day or over a week (module docstring); others unverifiable."""
    claim, ticker, day, evidence, tol = c
    by = (claim.by or "").lower()
    quote = claim.quote or ""
    if _ETF.search(quote) or "etf" in by:
        return Verdict("unverifiable", None, "no ETF flow source configured")
    channel_total = claim.entity == "southbound" or (by == "southbound" and ticker is None)
    if not channel_total:
        if by == "southbound" or _SOUTHBOUND.search(quote):
            return Verdict("unverifiable", None, "southbound net buying per stock is not loaded (AkShare gives the channel total)")  # fmt: skip
        return Verdict("unverifiable", None, f"no flow source for {claim.by or 'this channel'}")
    if "flows" in evidence.unavailable:
        return Verdict("unverifiable", None, evidence.unavailable["flows"])
    if day is None:
        return Verdict("unverifiable", None, "no date for the flow")
    if claim.window not in (None, "1d", "1w"):
        return Verdict("unverifiable", None, f"window {claim.window} is not checked for flows (1d or 1w)")  # fmt: skip
    flows = evidence.flows.loc[evidence.flows["channel"] == "southbound"]
    first, last = _week(day) if claim.window == "1w" else (day, day)
    got = flows.loc[(flows["date"] >= pd.Timestamp(first)) & (flows["date"] <= pd.Timestamp(last))]
    if got.empty:
        what = f"{first}..{last}" if first != last else f"{day}"
        return Verdict("unverifiable", None, f"no southbound figure for {what} (not a session, or a gap in the data)")  # fmt: skip
    currency = str(got["currency"].iloc[0])
    computed = float(got["net_buy"].sum())
    claim_ccy = (claim.currency or currency).upper()
    converted = convert_claimed(float(claim.value), claim_ccy, currency, first, "flows")
    if isinstance(converted, str):
        return Verdict("unverifiable", None, converted)
    claimed, how = converted
    ok = figure_matches(claimed, computed, claim.qualifier, tol.flow_rel * abs(computed))
    sessions = f"{len(got)} sessions {first}..{last}" if claim.window == "1w" else f"{day}"
    reason = (
        f"southbound net buying {money(currency, computed)} ({sessions}) vs claimed "
        f"{hedged(claim, money(currency, claimed))}{how} ({got['source'].iloc[0]})"
    )
    return Verdict("supported" if ok else "contradicted", computed, reason)
