"""Line up what different articles say about the same thing: agree, conflict, or one source.

``reconcile_claims`` groups claims about the same thing, puts each group's
numbers on one basis (money in USD unless every claim uses one currency),
and labels the group by the spread between its lowest and highest value.

When are two claims about "the same thing"?
-------------------------------------------
Same ``entity`` and ``metric``; ``by``, ``listing`` and ``instrument`` equal
where both claims set them; ``window`` equal where both set it; ``date``
compatible where both set it: one is a prefix of the other (``2025-09`` and
``2025-09-24``, ``2025`` and ``2025-09``), or, for two full days of a metric
that is not a price move, at most ``date_slack_days`` apart (outlets date a
bond sale by announcement, pricing or publication day). A price move on
another day is another move.

Claims are placed from the most specific (a full date and a window) to the
least (neither), earliest first among equals: each joins the one group
whose every member it is compatible with. A claim that fits no group starts one; a claim that fits
several (an undated "$3.2 billion" beside two dated bond sales) is
ambiguous and starts its own group with a note, rather than being guessed
into one. So an undated claim joins the only group there is for its entity
and metric, which is how an undated "9 billion yuan" meets a dated "$1.27 billion".

Labels
------
``conflict`` / ``agree``: two or more articles, spread above / within the
tolerance; ``gap``: two or more articles but fewer than two values on a
common basis (a currency without a rate); ``single``: one article only.
Conflicts sort first, then gaps, agreements, singles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date as Date
from itertools import pairwise
from typing import Final, Literal

from themelens.errors import ThemelensError
from themelens.news._reconcile_result import (
    LABELS,
    MONEY_METRICS,
    STATED,
    ClaimGroup,
    GroupMember,
    Label,
    ReconcileResult,
    ToUsd,
    UsdConversion,
    member_order,
)
from themelens.news.claim import MARKET_METRICS, Claim

__all__ = [
    "LABELS",
    "MONEY_METRICS",
    "ClaimGroup",
    "GroupMember",
    "Label",
    "ReconcileResult",
    "ToUsd",
    "UsdConversion",
    "reconcile_claims",
]


_Kind = Literal["relative", "pp", "months", "count"]
_UNIT: Final[dict[_Kind, str]] = {"relative": "%", "pp": "pp", "months": "months", "count": ""}
_ATTRS: Final = ("by", "listing", "instrument")


def reconcile_claims(
    claims: Sequence[Claim],
    *,
    to_usd: ToUsd | None = None,
    tolerance_pct: float = 10.0,
    tolerance_pp: float = 1.0,
    tolerance_months: int = 3,
    date_slack_days: int = 7,
) -> ReconcileResult:
    """Group claims about the same thing and label each group agree / conflict / gap / single.

    Parameters
    ----------
    claims
        Claims from any number of articles (``Claim.article`` names the source).
    to_usd
        ``(amount, currency, when) -> conversion`` for money not in USD; the
        CLI passes ``themelens.data.fx.FxConverter(...).to_usd``. Without it,
        only groups in one currency (or with ``value_usd`` stated) compare.
    tolerance_pct
        Largest spread, in % of the lower value, that still agrees (money,
        multiples): ``max/min - 1``.
    tolerance_pp
        Largest spread in percentage points for ``*_pct`` metrics.
    tolerance_months
        Largest spread in months for ``high_since`` (as the claims scorer).
    date_slack_days
        How far apart two full dates of a non-price metric may be and still
        be the same event.

    Notes
    -----
    The grouping rule is in the module docstring. Money is converted at the
    claim's date, else the group's most specific date, else its window when
    that is a period (``2024``, ``2024H1``), else at the latest rate.
    Qualifiers ("over", "nearly") do not widen the tolerance. Win streaks
    (counts) must match exactly.
    """
    by_key: dict[tuple[str, str], list[Claim]] = {}
    for claim in claims:
        by_key.setdefault((claim.entity, claim.metric), []).append(claim)
    tolerances = {"relative": tolerance_pct, "pp": tolerance_pp, "months": float(tolerance_months),
                  "count": 0.0}  # fmt: skip
    groups = []
    for (entity, metric), items in sorted(by_key.items()):
        kind = _kind(metric)
        for members, notes in _cluster(items, date_slack_days):
            groups.append(_build(entity, metric, members, notes, kind, tolerances[kind], to_usd))
    groups.sort(key=lambda g: (LABELS.index(g.label), -_spread_key(g), g.entity, g.metric))
    return ReconcileResult(
        tuple(groups), tolerance_pct, tolerance_pp, tolerance_months, date_slack_days
    )


# --- grouping -----------------------------------------------------------------


def _precision(day: str | None) -> int:
    return 0 if not day else day.count("-") + 1


def _dates_compatible(a: str, b: str, metric: str, slack: int) -> bool:
    short, long = sorted((a, b), key=len)
    if long.startswith(short) and (len(long) == len(short) or long[len(short)] == "-"):
        return True
    if _precision(a) == _precision(b) == 3 and metric not in MARKET_METRICS:
        try:
            return abs((Date.fromisoformat(a) - Date.fromisoformat(b)).days) <= slack
        except ValueError:
            return False
    return False


def _compatible(a: Claim, b: Claim, slack: int) -> bool:
    for name in _ATTRS:
        x, y = getattr(a, name), getattr(b, name)
        if x is not None and y is not None and x != y:
            return False
    if a.window is not None and b.window is not None and a.window != b.window:
        return False
    if a.date and b.date:
        return _dates_compatible(a.date, b.date, a.metric, slack)
    return True


def _cluster(claims: list[Claim], slack: int) -> list[tuple[list[Claim], list[str]]]:
    """Most specific first; each claim joins the one group it fits (see the module docstring)."""
    ordered = sorted(
        claims,
        key=lambda c: (-_precision(c.date), c.window is None, c.date or "", c.window or "",
                       c.article or "", c.quote),
    )  # fmt: skip
    groups: list[tuple[list[Claim], list[str]]] = []
    for claim in ordered:
        fits = [g for g in groups if all(_compatible(claim, m, slack) for m in g[0])]
        if len(fits) == 1:
            fits[0][0].append(claim)
            continue
        note = []
        if len(fits) > 1:
            note.append(
                f"{claim.article or '?'}: {_quote(claim)} fits {len(fits)} groups"
                " (its window and date do not tell them apart); kept apart"
            )
        groups.append(([claim], note))
    return groups


# --- comparing ------------------------------------------------------------------


def _kind(metric: str) -> _Kind:
    if metric == "high_since":
        return "months"
    if metric == "win_streak_weeks":
        return "count"
    return "pp" if metric.endswith("_pct") else "relative"


def _number(claim: Claim, kind: _Kind) -> float | None:
    value = claim.value
    if kind == "months":
        try:
            year, month = str(value).split("-")[:2]
            return float(int(year) * 12 + int(month) - 1)
        except ValueError:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _usd(claim: Claim, when: str | None, to_usd: ToUsd | None) -> tuple[float | None, str | None]:
    if claim.metric not in MONEY_METRICS:
        return None, None
    if claim.value_usd is not None:
        return float(claim.value_usd), STATED
    amount = _number(claim, "relative")
    if amount is None:
        return None, "no USD value: not a number"
    if claim.currency == "USD":
        return amount, "USD"
    if claim.currency is None:
        return None, "no USD value: no currency"
    if to_usd is None:
        return None, f"no USD value: no FX source for {claim.currency}"
    try:
        conversion = to_usd(amount, claim.currency, when)
    except ThemelensError as exc:
        return None, f"no USD value: {exc}"
    return conversion.usd, conversion.source_label


def _distance(a: float, b: float, kind: _Kind) -> float:
    if kind != "relative":
        return abs(b - a)
    if a == b:
        return 0.0
    if a * b <= 0:
        return math.inf
    lo, hi = sorted((abs(a), abs(b)))
    return (hi / lo - 1.0) * 100.0


def _build(
    entity: str,
    metric: str,
    claims: list[Claim],
    notes: list[str],
    kind: _Kind,
    tolerance: float,
    to_usd: ToUsd | None,
) -> ClaimGroup:
    group_date = max((c.date for c in claims if c.date), key=_precision, default=None)
    window = next((c.window for c in claims if c.window), None)
    fx_when = group_date or (window if window and window[:4].isdigit() else None)
    usd = [_usd(c, c.date or fx_when, to_usd) for c in claims]
    currencies = {c.currency for c in claims}
    if metric in MONEY_METRICS and len(currencies) > 1:
        basis = "USD"
        compared = [u for u, _ in usd]
        notes = [*notes, *(f"{c.article or '?'}: {f}" for c, (u, f) in zip(claims, usd, strict=True)
                           if u is None and f)]  # fmt: skip
    else:
        basis = (next(iter(currencies)) or "?") if metric in MONEY_METRICS else _basis(kind)
        compared = [_number(c, kind) for c in claims]
    values = sorted({v for v in compared if v is not None})
    n_values = sum(v is not None for v in compared)
    spread = _distance(values[0], values[-1], kind) if n_values >= 2 else None
    sides = _sides(values, kind, tolerance, spread)
    members = tuple(
        GroupMember(c, v, u, f, sides[v] if v is not None else -1)
        for c, v, (u, f) in zip(claims, compared, usd, strict=True)
    )
    n_articles = len({c.article for c in claims})
    n_compared = len({m.claim.article for m in members if m.compared is not None})
    label: Label
    if n_articles <= 1:
        label = "single"
    elif n_compared < 2 or spread is None:
        label = "gap"
    else:
        label = "agree" if spread <= tolerance + 1e-9 else "conflict"
    members = tuple(sorted(members, key=member_order))
    unit = _UNIT[kind] if kind != "count" else "weeks"
    return ClaimGroup(entity, metric, window, group_date, label, basis, spread, unit, tolerance,
                      members, tuple(notes))  # fmt: skip


def _basis(kind: _Kind) -> str:
    return {"relative": "x", "pp": "pp", "months": "months", "count": "weeks"}[kind]


def _sides(
    values: list[float], kind: _Kind, tolerance: float, spread: float | None
) -> dict[float, int]:
    """Sorted distinct values to side numbers: a new side where the step exceeds the tolerance.

    A chain of small steps whose ends still differ by more than the tolerance
    is cut at its largest step, so a conflict always has two sides.
    """
    if not values:
        return {}
    steps = [_distance(a, b, kind) for a, b in pairwise(values)]
    cuts = {i for i, s in enumerate(steps) if s > tolerance + 1e-9}
    if not cuts and spread is not None and spread > tolerance + 1e-9:
        cuts = {max(range(len(steps)), key=steps.__getitem__)}
    out, side = {}, 0
    for i, v in enumerate(values):
        out[v] = side
        if i in cuts:
            side += 1
    return out


def _spread_key(group: ClaimGroup) -> float:
    if group.spread is None:
        return -1.0
    return 1e18 if math.isinf(group.spread) else group.spread


# --- formatting -------------------------------------------------------------------


def _quote(claim: Claim) -> str:
    text = claim.quote if len(claim.quote) <= 60 else claim.quote[:57] + "..."
    return f"“{text}”" if text else str(claim.value)
