"""The reconciler's result types: a claim in a group, a group, and the whole result.

Private: ``news.reconcile`` re-exports the public names in its ``__all__``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

import pandas as pd

from themelens.news.claim import Claim
from themelens.summary import ShowsSummary, Summary

Label = Literal["conflict", "gap", "agree", "single"]
LABELS: Final[tuple[Label, ...]] = ("conflict", "gap", "agree", "single")
MONEY_METRICS: Final = frozenset(
    {"capex", "investment_plan", "bond_issuance", "stake_purchase", "fund_flow", "market_size",
     "price_target"}
)  # fmt: skip


class UsdConversion(Protocol):
    """What a ``ToUsd`` function returns (``themelens.data.fx.Conversion`` is one)."""

    @property
    def usd(self) -> float: ...

    @property
    def source_label(self) -> str: ...


ToUsd = Callable[[float, str, str | None], UsdConversion]
"""``(amount, currency, when) -> conversion``; ``when`` is ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or None."""


@dataclass(frozen=True)
class GroupMember:
    """One claim in a group.

    ``usd`` is the claim's USD value (money only) and ``fx`` how it was
    obtained: ``stated in the article`` (its ``value_usd``), ``USD``, the FX
    source's label, or ``no USD value: why``. ``compared`` is the value on the
    group's basis (None when it has none); ``side`` is the 0-based side of a
    conflict it stands on (-1 when not compared).
    """

    claim: Claim
    compared: float | None
    usd: float | None = None
    fx: str | None = None
    side: int = -1

    def to_dict(self) -> dict[str, Any]:
        out = self.claim.to_dict()
        out.update(usd=self.usd, fx=self.fx, side=self.side)
        return out


@dataclass(frozen=True)
class ClaimGroup:
    """Claims about one thing; ``spread`` is in ``spread_unit`` (``%`` of the lowest, ``pp``, ...).

    ``basis`` is what values were compared in: a currency code for money,
    else the unit (``pp``, ``months``, ``x`` for multiples and counts).
    """

    entity: str
    metric: str
    window: str | None
    date: str | None
    label: Label
    basis: str
    spread: float | None
    spread_unit: str
    tolerance: float
    members: tuple[GroupMember, ...]
    notes: tuple[str, ...] = ()

    @property
    def articles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.claim.article or "?" for m in self.members))

    @property
    def sides(self) -> tuple[tuple[GroupMember, ...], ...]:
        """Compared members by side, lowest values first."""
        count = max((m.side for m in self.members), default=-1) + 1
        return tuple(tuple(m for m in self.members if m.side == i) for i in range(count))

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "metric": self.metric,
            "window": self.window,
            "date": self.date,
            "label": self.label,
            "basis": self.basis,
            "spread": None if self.spread is None or math.isinf(self.spread) else self.spread,
            "spread_unit": self.spread_unit,
            "tolerance": self.tolerance,
            "articles": list(self.articles),
            "sides": [[m.to_dict() for m in side] for side in self.sides],
            "not_compared": [m.to_dict() for m in self.members if m.side < 0],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ReconcileResult(ShowsSummary):
    """Every group (conflicts first) and the rules that labelled them."""

    groups: tuple[ClaimGroup, ...]
    tolerance_pct: float
    tolerance_pp: float
    tolerance_months: int
    date_slack_days: int

    @property
    def fx_sources(self) -> tuple[str, ...]:
        """Each distinct FX label used by a conversion (or why one failed)."""
        seen = (m.fx for g in self.groups for m in g.members)
        return tuple(dict.fromkeys(f for f in seen if f and f not in ("USD", STATED)))

    def to_frame(self) -> pd.DataFrame:
        """One row per group: ``group, label, entity, metric, window, date, basis, spread,
        spread_unit, tolerance, n_articles, n_claims, low, high, low_usd, high_usd, articles``.

        ``low``/``high`` are the extreme compared values on ``basis``;
        ``low_usd``/``high_usd`` the USD values of those claims (money only).
        """
        rows = []
        for i, g in enumerate(self.groups):
            compared = sorted((m for m in g.members if m.compared is not None), key=member_order)
            lo, hi = (compared[0], compared[-1]) if compared else (None, None)
            rows.append({
                "group": i, "label": g.label, "entity": g.entity, "metric": g.metric,
                "window": g.window, "date": g.date, "basis": g.basis,
                "spread": None if g.spread is None or math.isinf(g.spread) else g.spread,
                "spread_unit": g.spread_unit, "tolerance": g.tolerance,
                "n_articles": len(g.articles), "n_claims": len(g.members),
                "low": lo.compared if lo else None, "high": hi.compared if hi else None,
                "low_usd": lo.usd if lo else None, "high_usd": hi.usd if hi else None,
                "articles": ", ".join(g.articles),
            })  # fmt: skip
        return pd.DataFrame.from_records(rows, columns=_GROUP_COLUMNS)

    def members_frame(self) -> pd.DataFrame:
        """One row per claim: ``group, label, side, article, entity, metric, value, currency,
        usd, fx, window, date, qualifier, quote``."""
        rows = [
            {"group": i, "label": g.label, "side": m.side, "article": m.claim.article,
             "entity": m.claim.entity, "metric": m.claim.metric, "value": m.claim.value,
             "currency": m.claim.currency, "usd": m.usd, "fx": m.fx, "window": m.claim.window,
             "date": m.claim.date, "qualifier": m.claim.qualifier, "quote": m.claim.quote}
            for i, g in enumerate(self.groups) for m in g.members
        ]  # fmt: skip
        return pd.DataFrame.from_records(rows, columns=_MEMBER_COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": {
                "tolerance_pct": self.tolerance_pct,
                "tolerance_pp": self.tolerance_pp,
                "tolerance_months": self.tolerance_months,
                "date_slack_days": self.date_slack_days,
            },
            "fx_sources": list(self.fx_sources),
            "counts": {label: sum(g.label == label for g in self.groups) for label in LABELS},
            "groups": [g.to_dict() for g in self.groups],
        }

    def summary(self) -> Summary:
        rows = []
        for g in self.groups:
            sides = g.sides or ((),)
            rows.append({
                "label": g.label, "entity": g.entity, "metric": g.metric,
                "when": " ".join(dict.fromkeys(x for x in (g.window, g.date) if x)) or None,
                "spread": _fmt_spread(g),
                "values": " | ".join(", ".join(_fmt_member(m, g) for m in s) for s in sides) or None,
                "sources": " | ".join(", ".join(m.claim.article or "?" for m in s) for s in sides),
            })  # fmt: skip
        counts = ", ".join(f"{sum(g.label == k for g in self.groups)} {k}" for k in LABELS)
        notes = [
            f"{counts}; agree within {self.tolerance_pct:g}% (money, multiples),"
            f" {self.tolerance_pp:g} pp (percentages), {self.tolerance_months} months (high_since)",
            *(f"FX: {label}" for label in self.fx_sources),
            *(f"{g.entity} {g.metric}: {n}" for g in self.groups for n in g.notes),
        ]
        table = pd.DataFrame.from_records(rows, columns=list(_SUMMARY_COLUMNS))
        return Summary("Claims reconciled across articles", table, tuple(notes))


_GROUP_COLUMNS: Final = ["group", "label", "entity", "metric", "window", "date", "basis", "spread",
                         "spread_unit", "tolerance", "n_articles", "n_claims", "low", "high",
                         "low_usd", "high_usd", "articles"]  # fmt: skip
_MEMBER_COLUMNS: Final = ["group", "label", "side", "article", "entity", "metric", "value",
                          "currency", "usd", "fx", "window", "date", "qualifier", "quote"]  # fmt: skip
_SUMMARY_COLUMNS: Final = ("label", "entity", "metric", "when", "spread", "values", "sources")
STATED: Final = "stated in the article"
"""The ``fx`` of a claim whose USD value the article itself gives (``value_usd``)."""


def member_order(member: GroupMember) -> tuple[int, float, str]:
    side = member.side if member.side >= 0 else 1_000_000
    return side, member.compared if member.compared is not None else 0.0, member.claim.article or ""


def _money(amount: float, currency: str | None) -> str:
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(amount) >= size:
            text = f"{amount / size:.3g}{suffix}"
            break
    else:
        text = f"{amount:.3g}"
    return f"${text}" if currency == "USD" else f"{text} {currency or '?'}"


def _fmt_member(member: GroupMember, group: ClaimGroup) -> str:
    claim = member.claim
    if claim.metric in MONEY_METRICS and isinstance(claim.value, (int, float)):
        text = _money(float(claim.value), claim.currency)
        if claim.currency != "USD" and member.usd is not None:
            text += f" (≈{_money(member.usd, 'USD')})"
    elif group.spread_unit == "pp" and isinstance(claim.value, (int, float)):
        text = f"{claim.value:g}%"
    elif isinstance(claim.value, float):
        text = f"{claim.value:g}"
    else:
        text = str(claim.value)
    return f"{claim.qualifier} {text}" if claim.qualifier else text


def _fmt_spread(group: ClaimGroup) -> str | None:
    if group.spread is None:
        return None
    if math.isinf(group.spread):
        return "opposite signs"
    unit = group.spread_unit
    if unit != "%":
        return f"{group.spread:g} {unit}"
    if group.spread >= 100:
        return f"{group.spread:,.0f}% ({group.spread / 100 + 1:.3g}x)"
    return f"{group.spread:.1f}%"
