"""Dedup: the article-wide clean-up after the sentence-by-sentence pass.

Two claims are the same when entity, metric, value (within the scorer's
tolerance: 1% relative or 0.05 absolute) and currency agree (spec "Dedup").
Before that, one amount said of one entity under two money metrics ("boost
AI spending beyond $53 billion" and "a $53 billion investment plan") is one
thing, and the more specific metric wins.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from themelens.news.claim import Claim

__all__ = ["dedup", "merge_amounts"]

_MONEY_METRICS: Final = frozenset(
    {"capex", "investment_plan", "bond_issuance", "stake_purchase", "fund_flow", "market_size",
     "price_target"}
)  # fmt: skip
_SPECIFIC: Final = ("bond_issuance", "stake_purchase", "fund_flow", "investment_plan",
                    "market_size", "price_target", "capex")  # fmt: skip
"""Money metrics from the most specific to the vaguest."""


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(0.05, 0.01 * max(abs(a), abs(b)))


def _same(a: Claim, b: Claim) -> bool:
    if a.entity != b.entity or a.metric != b.metric:
        return False
    if isinstance(a.value, str) or isinstance(b.value, str):
        return a.value == b.value
    return a.currency == b.currency and _close(a.value, b.value)


def _usd(c: Claim) -> set[float]:
    out: set[float] = set()
    if isinstance(c.value, float | int) and c.currency == "USD":
        out.add(float(c.value))
    if c.value_usd is not None:
        out.add(c.value_usd)
    return out


def merge_amounts(claims: list[Claim]) -> list[Claim]:
    """One amount for one entity is one thing: drop the vaguer metric (capex < a plan, a bond...)."""
    money = [c for c in claims if c.metric in _MONEY_METRICS]
    drop: set[int] = set()
    for i, a in enumerate(money):
        for b in money:
            if a is b or a.entity != b.entity or a.metric == b.metric:
                continue
            same = any(_close(x, y) for x in _usd(a) for y in _usd(b)) or _same(
                replace(a, metric=b.metric), b
            )
            if same and _SPECIFIC.index(a.metric) > _SPECIFIC.index(b.metric):
                drop.add(id(money[i]))
    return [c for c in claims if id(c) not in drop]


def dedup(claims: list[Claim]) -> list[Claim]:
    """Claims that agree on entity, metric, value (within tolerance) and currency, kept once."""
    out: list[Claim] = []
    for c in claims:
        if not any(_same(c, o) for o in out):
            out.append(c)
    return out
