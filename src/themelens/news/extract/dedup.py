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

from themelens.news.claim import MONEY_METRICS, Claim

__all__ = ["dedup", "merge_amounts"]

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
    money = [c for c in claims if c.metric in MONEY_METRICS]
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
    """Claims that agree on entity, metric, value (within tolerance) and currency, kept once.

    The first statement is kept; a window or date it lacks is taken from a
    restatement that has one (a headline's "$53 billion AI budget", then the
    body's "the $53 billion three-year plan it unveiled in February").
    """
    out: list[Claim] = []
    for c in claims:
        k = next((k for k, o in enumerate(out) if _same(c, o) or _same_in_usd(c, o)), None)
        if k is None:
            out.append(c)
            continue
        if c.value_usd is not None and out[k].value_usd is None and out[k].currency == "USD":
            c, out[k] = out[k], c  # "$53 billion" then "380 billion yuan ($53 billion)": one
        if out[k].window is None and out[k].date is None and (c.window or c.date):
            out[k] = replace(out[k], window=c.window, date=c.date)
    return out


def _same_in_usd(a: Claim, b: Claim) -> bool:
    """A dollar amount that is the bracketed dollar figure of the other claim."""
    if a.entity != b.entity or a.metric != b.metric or a.metric not in MONEY_METRICS:
        return False
    return any(_close(x, y) for x in _usd(a) for y in _usd(b))
