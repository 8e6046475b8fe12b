"""Growth and capex claims against reported statements: claim → period → figures → verdict.

Growth is year-on-year (the same span a year earlier) unless the quote says
quarter-on-quarter ("quarter-on-quarter", "from the previous quarter",
"sequential"), which only a quarter window can be. A claim without a window
is about the latest period ending within ``report_lag_days`` before its day,
when that period is unambiguous (a fiscal year's last quarter ends with the
year: the quote must then say "quarter" or "full year"). Segment figures
("cloud revenue grew 26%") are not checked against group totals.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final, NamedTuple

import pandas as pd

from themelens.data.fx import to_usd
from themelens.errors import ThemelensError
from themelens.news.claim import Claim
from themelens.verify._evidence import FundamentalsEvidence
from themelens.verify._periods import Figure, Span, figure_for, parse_span, span_of_row
from themelens.verify.checks import Verdict
from themelens.verify.fundamental_tolerances import FundamentalTolerances, figure_matches

__all__ = [
    "GROWTH_ITEMS",
    "ClaimToCheck",
    "check_capex",
    "check_growth",
    "convert_claimed",
    "hedged",
    "money",
    "source_label",
]

GROWTH_ITEMS: Final = {
    "revenue_growth_pct": "revenue",
    "net_income_growth_pct": "net_income",
    "capex_growth_pct": "capex",
}
_ITEM_WORDS: Final = {"revenue": "revenue", "net_income": "net income", "capex": "capex"}
_QOQ: Final = re.compile(
    r"quarter[- ]on[- ]quarter|q-?o-?q|from the (?:previous|prior|preceding|last) quarter|sequential",
    re.IGNORECASE,
)
_QUARTER_WORDS: Final = re.compile(r"\bquarter|\bQ[1-4]\b", re.IGNORECASE)
_YEAR_WORDS: Final = re.compile(r"full[- ]year|\bannual|\bFY\s?\d|fiscal year|for the year", re.IGNORECASE)  # fmt: skip
_SEGMENT: Final = re.compile(
    r"\b(cloud|advertising|ads?|games?|gaming|fintech|e-?commerce|international|overseas|"
    r"domestic|segment|unit|division|smartphones?|EV|AI|online|marketing)\s+"
    r"(?:business\s+)?(revenue|sales|income|profit)",
    re.IGNORECASE,
)
_PROVIDERS: Final = {"yahoo": "Yahoo", "akshare": "AkShare/Eastmoney", "csv": "CSV import"}


class ClaimToCheck(NamedTuple):
    """One fundamentals claim and what every check takes with it (``check_fundamental_claim``)."""

    claim: Claim
    ticker: str | None
    day: date | None
    evidence: FundamentalsEvidence
    tol: FundamentalTolerances


class _Located(NamedTuple):
    """A statement claim's listing, its rows for the item, its period and the inference note."""

    ticker: str
    rows: pd.DataFrame
    span: Span
    note: str


def money(currency: str, value: float) -> str:
    """``HKD 184.5bn``: an amount the way a reason prints it."""
    sign, size = ("-" if value < 0 else ""), abs(value)
    for scale, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if size >= scale:
            return f"{currency} {sign}{size / scale:.1f}{unit}"
    return f"{currency} {sign}{size:,.0f}"


def source_label(provider: str, source: str, item: str) -> str:
    """``Yahoo income statement``: which source and statement a figure came from."""
    statement = "cash-flow statement" if item == "capex" else "income statement"
    who = _PROVIDERS.get(provider, provider)
    label = who if provider == "csv" else f"{who} {statement}"
    return f"{label}, synthetic recording" if "synthetic" in source else label


def hedged(claim: Claim, text: str) -> str:
    """``over HKD 1.0bn``: a claimed figure printed with the claim's hedge."""
    return f"{claim.qualifier} {text}" if claim.qualifier else text


def convert_claimed(
    claimed: float, claim_ccy: str, currency: str, when: date | str, what: str
) -> tuple[float, str] | str:
    """``claimed`` (in ``claim_ccy``) in ``currency`` and how it was converted; or why it cannot be.

    Statements and flows convert alike: at the built-in monthly reference
    rates for ``when`` (no network), said to be approximate. ``what`` names
    the figure's side in the reason (``"statement"``, ``"flows"``).
    """
    if claim_ccy == currency:
        return claimed, ""
    try:
        theirs = to_usd(1.0, claim_ccy, when).rate.usd_per_unit
        ours = to_usd(1.0, currency, when).rate.usd_per_unit
    except ThemelensError as exc:
        return f"claim in {claim_ccy}, {what} in {currency}, and no offline rate converts them ({exc})"  # fmt: skip
    how = f" (claimed {money(claim_ccy, claimed)} converted at the built-in monthly reference rates, approximate)"  # fmt: skip
    return claimed * theirs / ours, how


def _rows(evidence: FundamentalsEvidence, ticker: str, item: str) -> pd.DataFrame:
    frame = evidence.statements
    rows: pd.DataFrame = frame.loc[(frame["ticker"] == ticker) & (frame["item"] == item)]
    return rows


def _span(
    claim: Claim, rows: pd.DataFrame, day: date | None, tol: FundamentalTolerances
) -> tuple[Span, str] | str:
    """The claim's span and a note when it was inferred; or why there is none."""
    if claim.window is not None:
        span = parse_span(claim.window)
        if span is None:
            return f"window {claim.window} is not a reporting period (a quarter, half or year)"
        return span, ""
    if day is None:
        return "no window and no date: cannot tell which reporting period"
    cutoff = pd.Timestamp(day)
    recent = rows.loc[(rows["period_end"] <= cutoff) & (rows["period_end"] >= cutoff - pd.Timedelta(days=tol.report_lag_days))]  # fmt: skip
    if recent.empty:
        return f"no window, and no period ended within {tol.report_lag_days} days before {day}"
    latest = recent.loc[recent["period_end"] == recent["period_end"].max()]
    freqs = set(latest["freq"])
    quote = claim.quote or ""
    if len(freqs) > 1:
        if _QUARTER_WORDS.search(quote) and not _YEAR_WORDS.search(quote):
            freqs = {"quarterly"}
        elif _YEAR_WORDS.search(quote):
            freqs = {"annual"}
        else:
            end = pd.Timestamp(latest["period_end"].iloc[0])
            return f"no window: the quarter or the full year ending {end:%Y-%m-%d}?"
    freq = freqs.pop()
    span = span_of_row(freq, pd.Timestamp(latest["period_end"].iloc[0]))
    return span, f"; window inferred as {span.label}, the latest period before {day}"


def _locate(c: ClaimToCheck, item: str) -> _Located | Verdict:
    """The ticker's rows for ``item`` and the claim's period, or the unverifiable verdict saying why not."""
    claim, ticker, day, evidence, tol = c
    if ticker is None:
        return Verdict("unverifiable", None, f"no listing for {claim.entity} to look up statements for")  # fmt: skip
    if "statements" in evidence.unavailable:
        return Verdict("unverifiable", None, evidence.unavailable["statements"])
    segment = _SEGMENT.search(claim.quote or "")
    if segment is not None and item != "capex":
        why = f"a segment figure ({segment.group(0)!r}); statements give group totals"
        return Verdict("unverifiable", None, why)
    rows = _rows(evidence, ticker, item)
    if rows.empty:
        failed = evidence.failure("statements", ticker)
        why = f" ({failed})" if failed else ""
        return Verdict("unverifiable", None, f"no {_ITEM_WORDS[item]} figures for {ticker}{why}")  # fmt: skip
    found = _span(claim, rows, day, tol)
    if isinstance(found, str):
        return Verdict("unverifiable", None, found)
    return _Located(ticker, rows, *found)


def _fiscal(evidence: FundamentalsEvidence, ticker: str) -> int | None:
    return evidence.fiscal_year_ends.get(ticker)


def check_growth(c: ClaimToCheck) -> Verdict:
    """A growth claim (revenue, net income, capex) against two reported periods."""
    claim, evidence, tol = c.claim, c.evidence, c.tol
    item = GROWTH_ITEMS[claim.metric]
    located = _locate(c, item)
    if isinstance(located, Verdict):
        return located
    ticker, rows, span, note = located
    qoq = bool(_QOQ.search(claim.quote or ""))
    if qoq and span.kind != "quarter":
        return Verdict("unverifiable", None, f"quarter-on-quarter growth needs a quarter window, not {span.label}")  # fmt: skip
    base_span = span.quarter_earlier() if qoq else span.year_earlier()
    current = figure_for(rows, span, _fiscal(evidence, ticker))
    base = figure_for(rows, base_span, _fiscal(evidence, ticker))
    if isinstance(current, str) or isinstance(base, str):
        return Verdict("unverifiable", None, f"{ticker}: {current if isinstance(current, str) else base}")  # fmt: skip
    if current.currency != base.currency:
        why = f"{span.label} is reported in {current.currency} and {base_span.label} in {base.currency}"  # fmt: skip
        return Verdict("unverifiable", None, why)
    if base.value <= 0:
        why = f"{_ITEM_WORDS[item]} {base_span.label} was {money(base.currency, base.value)}: growth from a loss or zero is not meaningful"  # fmt: skip
        return Verdict("unverifiable", None, why)
    computed = (current.value / base.value - 1) * 100
    claimed = float(claim.value)
    ok = figure_matches(claimed, computed, claim.qualifier, tol.growth_tolerance(computed))
    basis = "q-o-q" if qoq else "y-o-y"
    reason = (
        f"{_ITEM_WORDS[item]} {span.label} {money(current.currency, current.value)} vs "
        f"{base_span.label} {money(base.currency, base.value)}: {computed:+.1f}% {basis} vs claimed "
        f"{hedged(claim, f'{claimed:g}%')} ({source_label(current.provider, current.source, item)}){note}"
    )
    return Verdict("supported" if ok else "contradicted", round(computed, 4), reason)


def _claimed_in(claim: Claim, figure: Figure) -> tuple[float, str] | str:
    """The claimed amount in the statement's currency (and how it was converted), or why not."""
    currency = (claim.currency or "").upper()
    if not currency:
        return f"the claim gives no currency (statement in {figure.currency})"
    return convert_claimed(float(claim.value), currency, figure.currency, figure.span.label, "statement")  # fmt: skip


def check_capex(c: ClaimToCheck) -> Verdict:
    """A capex amount against the period's reported capex, within ``money_rel``."""
    claim, evidence, tol = c.claim, c.evidence, c.tol
    located = _locate(c, "capex")
    if isinstance(located, Verdict):
        return located
    ticker, rows, span, note = located
    figure = figure_for(rows, span, _fiscal(evidence, ticker))
    if isinstance(figure, str):
        return Verdict("unverifiable", None, f"{ticker}: {figure}")
    converted = _claimed_in(claim, figure)
    if isinstance(converted, str):
        return Verdict("unverifiable", None, converted)
    claimed, how = converted
    computed = figure.value
    ok = figure_matches(claimed, computed, claim.qualifier, tol.money_rel * abs(computed))
    off = (claimed / computed - 1) * 100 if computed else float("nan")
    reason = (
        f"capex {span.label} {money(figure.currency, computed)} vs claimed "
        f"{hedged(claim, money(figure.currency, claimed))} ({off:+.1f}%){how} "
        f"({source_label(figure.provider, figure.source, 'capex')}){note}"
    )
    return Verdict("supported" if ok else "contradicted", computed, reason)
