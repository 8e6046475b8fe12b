"""Fundamentals claims meet reported data: statements, valuation, southbound flows → a Verdict.

The counterpart of ``checks.check_market_claim`` for the metrics prices
cannot check:

==========================  ===============================================  =====================
metric                      compared with                                     module
==========================  ===============================================  =====================
``revenue_growth_pct``      two periods of the income statement (y-o-y, or   ``_statement_checks``
``net_income_growth_pct``   q-o-q when the quote says so)
``capex_growth_pct``        two periods of the cash-flow statement's capex
``capex``                   the period's capex (currency converted offline)
``forward_pe``              the valuation source at the claim's day, or its  ``_pe_and_flows``
                            5-year mean (trailing P/E when the quote says so)
``fund_flow``               southbound net buying on the day or the week
==========================  ===============================================  =====================

Like the market checks, nothing here raises on a claim: a claim with no
listing, no date, an unknown period, a source that is not configured or
offline is ``unverifiable`` with the reason in one line. Loading lives in
``fundamentals_loading`` (:func:`load_fundamentals_evidence`); the
thresholds in :class:`FundamentalTolerances`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Final

from themelens.news.claim import FUNDAMENTAL_METRICS, Claim
from themelens.verify._evidence import STATEMENT_COLUMNS, FundamentalsEvidence
from themelens.verify._pe_and_flows import check_flow, check_pe
from themelens.verify._preloaded import Preloaded
from themelens.verify._statement_checks import (
    GROWTH_ITEMS,
    ClaimToCheck,
    check_capex,
    check_growth,
)
from themelens.verify.checks import Verdict
from themelens.verify.fundamental_tolerances import FundamentalTolerances
from themelens.verify.fundamentals_loading import (
    fundamental_tickers,
    fundamentals_needed,
    load_fundamentals_evidence,
)

__all__ = [
    "FUNDAMENTAL_METRICS",
    "STATEMENT_COLUMNS",
    "FundamentalTolerances",
    "FundamentalsEvidence",
    "Preloaded",
    "check_fundamental_claim",
    "fundamental_tickers",
    "fundamentals_needed",
    "load_fundamentals_evidence",
]


_CHECKS: Final[Mapping[str, Callable[[ClaimToCheck], Verdict]]] = {
    **dict.fromkeys(GROWTH_ITEMS, check_growth),
    "capex": check_capex,
    "forward_pe": check_pe,
    "fund_flow": check_flow,
}


def check_fundamental_claim(
    claim: Claim,
    ticker: str | None,
    day: date | None,
    evidence: FundamentalsEvidence,
    tol: FundamentalTolerances | None = None,
) -> Verdict:
    """The verdict on one fundamentals claim; never raises.

    Parameters
    ----------
    claim
        A claim whose metric is in :data:`FUNDAMENTAL_METRICS` (any other is
        ``unverifiable``).
    ticker
        The listing the claim is about (``verify.listing.choose_listing``),
        or None when the entity has none (the reason says so).
    day
        The claim's day (``verify.engine.claim_day``), or None. Statement
        claims with a window do not need it; P/E and flows do.
    evidence
        What :func:`load_fundamentals_evidence` loaded.
    tol
        Thresholds; default :class:`FundamentalTolerances`.

    Notes
    -----
    ``computed`` is the growth in percent, the reported capex, the P/E or
    the net buying the claim was compared with; the reason names both
    periods or the date, both figures and the source.
    """
    tol = tol or FundamentalTolerances()
    if "+" in claim.entity:
        return Verdict("unverifiable", None, f"a claim about several entities ({claim.entity})")
    check = _CHECKS.get(claim.metric)
    try:
        if check is not None:
            return check(ClaimToCheck(claim, ticker, day, evidence, tol))
    # a malformed claim (a text value, an odd window) must not stop the batch
    except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
        return Verdict("unverifiable", None, f"cannot check this claim: {type(exc).__name__}: {exc}")  # fmt: skip
    return Verdict("unverifiable", None, "not a fundamentals claim")
