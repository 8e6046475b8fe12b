"""Dedup: the article-wide clean-up after the sentence-by-sentence pass.

Two claims are the same when entity, metric, value (within the scorer's
tolerance: 1% relative or 0.05 absolute) and currency agree (spec "Dedup").
Before that, one amount said of one entity under two money metrics ("boost
AI spending beyond $53 billion" and "a $53 billion investment plan") is one
thing, and the more specific metric wins.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable
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
    return _same_value(a, b)


def _same_value(a: Claim, b: Claim) -> bool:
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


def _same_usd(a: Claim, b: Claim) -> bool:
    return any(_close(x, y) for x in _usd(a) for y in _usd(b))


_LOG_STEP: Final = math.log(1.0102)
"""Values 1% apart (of the larger) are at most 1.0102 times apart: one cell of ``_cell``."""


def _cell(value: float | str) -> Hashable | None:
    """Where a value is filed: a string as itself, a finite number by magnitude.

    Cells are 0.05 wide up to 5 and a factor of 1.0102 wide above, so two
    numbers that ``_close`` calls equal are at most two cells apart; a number
    that is not finite is close to nothing and is not filed.
    """
    if isinstance(value, str):
        return value
    if not math.isfinite(value):
        return None
    size = abs(value)
    scaled = size / 0.05 if size <= 5 else 100 + math.log(size / 5) / _LOG_STEP
    return math.floor(math.copysign(scaled, value))


class _Filed:
    """Claims' positions filed by a key and their value's cell, so the claims whose value may be
    close to a given one are a few cells away, not a scan of every claim before it (a page of
    thousands of claims stays linear)."""

    def __init__(self) -> None:
        self._cells: defaultdict[tuple[Hashable, ...], list[int]] = defaultdict(list)
        self._pairs: set[tuple[str, str]] = set()  # (entity, metric) of the claims filed

    def add(self, c: Claim, metric: str, item: int) -> None:
        """File ``c``, read as a claim of ``metric``, at position ``item``."""
        self._pairs.add((c.entity, metric))
        for key, value in _keys(c, metric):
            if (cell := _cell(value)) is not None:
                self._cells[(*key, cell)].append(item)

    def near(self, c: Claim, metric: str) -> set[int]:
        """Positions of the claims of ``metric`` whose value or dollar figure may match ``c``'s."""
        out: set[int] = set()
        if (c.entity, metric) not in self._pairs:
            return out  # every key holds the entity and the metric: none filed under them
        for key, value in _keys(c, metric):
            cell = _cell(value)
            cells = range(cell - 2, cell + 3) if isinstance(cell, int) else (cell,)
            for near in cells if cell is not None else ():
                out.update(self._cells.get((*key, near), ()))
        return out


def _keys(c: Claim, metric: str) -> list[tuple[tuple[Hashable, ...], float | str]]:
    """The keys ``c`` is filed under: its value with its currency, and its dollar figures."""
    if isinstance(c.value, str):
        keys: list[tuple[tuple[Hashable, ...], float | str]] = [(("s", c.entity, metric), c.value)]
    else:
        keys = [(("v", c.entity, metric, c.currency), c.value)]
    keys.extend((("usd", c.entity, metric), x) for x in _usd(c))
    return keys


def merge_amounts(claims: list[Claim]) -> list[Claim]:
    """One amount for one entity is one thing: drop the vaguer metric (capex < a plan, a bond...)."""
    money = [c for c in claims if c.metric in MONEY_METRICS]
    ranks = {_SPECIFIC.index(c.metric) for c in money}
    if len(ranks) < 2:
        return list(claims)  # one money metric or none: no claim has a more specific one
    filed = _Filed()
    for k, c in enumerate(money):
        filed.add(c, c.metric, k)
    drop: set[int] = set()
    for a in money:
        rank = _SPECIFIC.index(a.metric)
        if any(
            a.entity == money[k].entity and (_same_usd(a, money[k]) or _same_value(a, money[k]))
            for metric in _SPECIFIC[:rank]
            for k in filed.near(a, metric)
        ):
            drop.add(id(a))
    return [c for c in claims if id(c) not in drop]


def dedup(claims: list[Claim]) -> list[Claim]:
    """Claims that agree on entity, metric, value (within tolerance) and currency, kept once.

    The first statement is kept; a window or date it lacks is taken from a
    restatement that has one (a headline's "$53 billion AI budget", then the
    body's "the $53 billion three-year plan it unveiled in February").
    """
    out: list[Claim] = []
    filed = _Filed()
    for c in claims:
        near = sorted(filed.near(c, c.metric))
        k = next((k for k in near if _same(c, out[k]) or _same_in_usd(c, out[k])), None)
        if k is None:
            filed.add(c, c.metric, len(out))
            out.append(c)
            continue
        if c.value_usd is not None and out[k].value_usd is None and out[k].currency == "USD":
            c, out[k] = out[k], c  # "$53 billion" then "380 billion yuan ($53 billion)": one
            filed.add(out[k], out[k].metric, k)
        if out[k].window is None and out[k].date is None and (c.window or c.date):
            out[k] = replace(out[k], window=c.window, date=c.date)
    return out


def _same_in_usd(a: Claim, b: Claim) -> bool:
    """A dollar amount that is the bracketed dollar figure of the other claim."""
    if a.entity != b.entity or a.metric != b.metric or a.metric not in MONEY_METRICS:
        return False
    return _same_usd(a, b)
