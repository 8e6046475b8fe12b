"""Verify: the one place a claim meets data (claim → figure → verdict)."""

from __future__ import annotations

from themelens.verify.checks import Verdict
from themelens.verify.engine import claim_day, tickers_to_load, verify_claims
from themelens.verify.fundamentals import (
    FUNDAMENTAL_METRICS,
    FundamentalsEvidence,
    FundamentalTolerances,
    check_fundamental_claim,
    fundamental_tickers,
    fundamentals_needed,
    load_fundamentals_evidence,
)
from themelens.verify.result import VERDICTS, VerifiedClaim, VerifyResult
from themelens.verify.tolerances import Tolerances

__all__ = [
    "FUNDAMENTAL_METRICS",
    "VERDICTS",
    "FundamentalTolerances",
    "FundamentalsEvidence",
    "Tolerances",
    "Verdict",
    "VerifiedClaim",
    "VerifyResult",
    "check_fundamental_claim",
    "claim_day",
    "fundamental_tickers",
    "fundamentals_needed",
    "load_fundamentals_evidence",
    "tickers_to_load",
    "verify_claims",
]
