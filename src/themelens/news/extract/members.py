"""Members: who each claim of a named set is about ("A and B each fell 2%", "respectively").

A number said of several names ("Alibaba, Tencent and Baidu") is either their
joint figure or each one's: ``members`` reads which from the words around it
(spec Conventions, "Who a number is about").
"""

from __future__ import annotations

import re
from typing import Final

from themelens.news.claim import MONEY_METRICS
from themelens.news.extract.entities import Mention, group_around
from themelens.news.extract.numbers import Quantity
from themelens.news.extract.resolve import Found, SentenceView, clause_of

__all__ = ["members"]

_EACH_RE: Final = re.compile(r"\b(?:each|both)\b", re.IGNORECASE)
_APIECE_RE: Final = re.compile(r"\s+(?:each|apiece)\b", re.IGNORECASE)
_LIST_JOIN_RE: Final = re.compile(r"^\s*(?:,\s*and|,|and)\s*$", re.IGNORECASE)


def members(sent: SentenceView, f: Found, entity: str, mention: Mention | None) -> list[str]:
    """Who each claim of a named set is about (spec Conventions, "Who a number is about").

    A collective total ("together spent", "a combined") stays with the joined
    slugs; "each", "both", "apiece" give one claim per name; a list of as many
    numbers as names pairs them in order, with or without "respectively"; any
    other move, growth or ratio said of several names is each name's, and a
    sum of money said of several names is their joint total.
    """
    if "+" not in entity or mention is None or not mention.slug:
        return [entity]
    text = sent.text
    group = group_around(text, sent.mentions, sent.mentions.index(mention))
    slugs = list(dict.fromkeys(g.slug for g in group))
    lo, hi = clause_of(sent.clauses, f.start)
    if _COLLECTIVE_RE.search(text, lo, hi):
        return [entity]
    each_before = _EACH_RE.search(text, max(0, group[0].start - 12), group[0].start)
    if (
        each_before
        or _EACH_RE.search(text, group[-1].end, f.start)
        or _APIECE_RE.match(text, f.end)
    ):
        return slugs
    if f.quantity is not None:
        run = _number_run(sent, f.quantity)
        if len(run) == len(slugs) > 1:
            return [slugs[run.index(f.quantity)]]
    if f.metric in MONEY_METRICS and f.metric != "price_target":
        return [entity]  # a target is per share: never a joint total
    return slugs


_COLLECTIVE_RE: Final = re.compile(
    r"\b(?:together|combined|collectively|jointly|in\s+total|a\s+total\s+of|in\s+aggregate|"
    r"aggregate|between\s+them|altogether)\b",
    re.IGNORECASE,
)


def _number_run(sent: SentenceView, q: Quantity) -> list[Quantity]:
    """The list of numbers ``q`` stands in ("5.6% and 8.4%", "3%, 4% and 5%")."""
    same = [x for x in sent.quantities if x.kind == q.kind]
    k = same.index(q)
    lo = hi = k
    while lo > 0 and _LIST_JOIN_RE.match(sent.text[same[lo - 1].end : same[lo].start]):
        lo -= 1
    while hi + 1 < len(same) and _LIST_JOIN_RE.match(sent.text[same[hi].end : same[hi + 1].start]):
        hi += 1
    return same[lo : hi + 1]
