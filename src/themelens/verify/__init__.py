"""Verify: the one place a claim meets data (claim → figure → verdict)."""

from __future__ import annotations

from themelens.verify.checks import Verdict
from themelens.verify.engine import claim_day, tickers_to_load, verify_claims
from themelens.verify.result import VERDICTS, VerifiedClaim, VerifyResult
from themelens.verify.tolerances import Tolerances

__all__ = [
    "VERDICTS",
    "Tolerances",
    "Verdict",
    "VerifiedClaim",
    "VerifyResult",
    "claim_day",
    "tickers_to_load",
    "verify_claims",
]
