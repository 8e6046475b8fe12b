"""How close a claimed figure must be to the computed one, per metric and qualifier.

Every threshold lives in ``Tolerances`` so a user can override it
(``themelens verify --return-pp 0.5 --return-rel 0.1``) and the report can
print the rule that produced a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Tolerances", "board_limit_pct", "hedged_match", "return_matches", "some_return_matches"]


@dataclass(frozen=True)
class Tolerances:
    """Thresholds for ``supported``.

    return_pp, return_rel
        A return is supported when ``|claimed − computed| ≤ max(return_pp,
        return_rel × |computed|)``.
    high_since_months
        A "highest since" month is supported within this many months of the
        computed date.
    drawdown_pp
        A drawdown is supported within this many percentage points.
    limit_up_pp
        A "limit up" move is supported when the computed move is at least the
        board's daily limit minus this many points.
    """

    return_pp: float = 0.5
    return_rel: float = 0.10
    high_since_months: int = 3
    drawdown_pp: float = 5.0
    limit_up_pp: float = 0.5

    def return_tolerance(self, computed: float) -> float:
        return max(self.return_pp, self.return_rel * abs(computed))


def board_limit_pct(ticker: str) -> float | None:
    """The daily price limit of a mainland board, or None where there is none (HK, US).

    Shanghai STAR (688xxx) and Shenzhen ChiNext (300xxx/301xxx) move up to 20%;
    other Shanghai and Shenzhen A-shares 10%.
    """
    code, _, suffix = ticker.upper().partition(".")
    if suffix not in {"SS", "SZ"}:
        return None
    if code.startswith(("688", "300", "301")):
        return 20.0
    return 10.0


def return_matches(
    claimed: float, computed: float, qualifier: str | None, tol: Tolerances, *, ticker: str = ""
) -> bool:
    """Whether a claimed move (percent) is consistent with a computed one, honouring the hedge.

    ``over``/``at_least`` need computed ≥ claimed − tolerance; ``nearly`` needs
    computed ≤ claimed and within tolerance; ``up_to`` needs computed ≤
    claimed + tolerance; ``limit_up`` needs computed ≥ the board limit −
    ``limit_up_pp``; no qualifier or ``about`` needs the plain tolerance. A
    hedge on a fall reads on its size: "fell nearly 3%" is a fall of at most
    3%, so both figures are mirrored before the comparison.
    """
    t = tol.return_tolerance(computed)
    if qualifier == "limit_up":
        limit = board_limit_pct(ticker)
        return limit is not None and computed >= limit - tol.limit_up_pp
    return hedged_match(claimed, computed, qualifier, t)


def hedged_match(claimed: float, computed: float, qualifier: str | None, tolerance: float) -> bool:
    """Whether ``claimed``, hedged by ``qualifier``, is consistent with ``computed`` within ``tolerance``.

    The one reading of a hedge, for returns and for fundamentals figures alike:
    ``over``/``at_least`` need computed ≥ claimed − tolerance; ``nearly`` needs
    computed ≤ claimed and within tolerance; ``up_to`` needs computed ≤
    claimed + tolerance; none or ``about`` the plain tolerance. A negative
    claim (a fall, net selling) hedges its size, so both figures are mirrored
    first (which leaves the plain tolerance as it was).
    """
    if claimed < 0:
        claimed, computed = -claimed, -computed
    if qualifier in {"over", "at_least"}:
        return computed >= claimed - tolerance
    if qualifier == "nearly":
        return computed <= claimed + 1e-9 and claimed - computed <= tolerance
    if qualifier == "up_to":
        return computed <= claimed + tolerance
    return abs(claimed - computed) <= tolerance


def some_return_matches(
    claimed: float, moves: np.ndarray, qualifier: str | None, tol: Tolerances, *, ticker: str = ""
) -> bool:
    """Whether any of ``moves`` satisfies ``return_matches`` (one vectorised pass, same rules)."""
    if moves.size == 0:
        return False
    t = np.maximum(tol.return_pp, tol.return_rel * np.abs(moves))
    if qualifier == "limit_up":
        limit = board_limit_pct(ticker)
        return limit is not None and bool((moves >= limit - tol.limit_up_pp).any())
    computed = moves
    if claimed < 0 and qualifier in {"over", "at_least", "nearly", "up_to"}:
        claimed, computed = -claimed, -moves
    if qualifier in {"over", "at_least"}:
        ok = computed >= claimed - t
    elif qualifier == "nearly":
        ok = (computed <= claimed + 1e-9) & (claimed - computed <= t)
    elif qualifier == "up_to":
        ok = computed <= claimed + t
    else:
        ok = np.abs(claimed - computed) <= t
    return bool(ok.any())
