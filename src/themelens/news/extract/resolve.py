"""Resolve: who a number in a sentence is about (mentions, anaphors and the article context).

``SentenceView`` holds one sentence's mentions, numbers and clauses;
``entity`` picks the mention a number belongs to (the name after it in "21
times for Tencent", else the nearest before it in its clause, else the
context), and resolves anaphors:

* "the index", "the gauge" → the index named last in the sentence, else the
  article's most-mentioned index; "the tech gauge", "the tech index" prefer
  an index whose name says tech (the theme's benchmark when none was named);
* "the company", "the retailer", "the e-commerce giant", "the shares", "the
  stock", "its ADRs" → the company named last (in the sentence, else before);
* "it", "its", "they" → the sentence's subject, else the previous one's.

A results line with no name at all ("Revenue rose 2%", "Non-GAAP net income
dropped 35%") is about the company in focus (the last one named); an idle
capacity figure with no name is about the theme's AI data centres. A flow of
money "into Hong Kong stocks" is the channel's (southbound), not the
market's; a company the theme does not know ("Alibaba Health") gives no claim.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar, overload

from themelens.news.claim import MONEY_METRICS
from themelens.news.extract.entities import (
    EntityLinker,
    Mention,
    group_around,
    is_stop_word,
    is_title_case,
    join_slugs,
)
from themelens.news.extract.numbers import (
    Quantity,
    column_percents,
    find_quantities,
)
from themelens.news.extract.scan import Folded
from themelens.news.extract.sentences import Sentence
from themelens.news.extract.windows import Context

__all__ = ["Found", "SentenceView", "clause_of"]

_CLAUSE_RE: Final = Folded(
    r";|,\s+(?:while|whereas|but|although)\b|\s(?:while|whereas)\s|—|\s–\s|\s--\s"
    r"|,\s+and\s+(?=(?:they|it|its|their|the|shares)\b)"
)
_APPOSITIVE_RE: Final = Folded(r",\s+(?:a|an|the|one\s+of|which|who|whose)\b[^,;()\d]{0,100},")
_POST_RE: Final = re.compile(
    r"^\W{0,3}(?:[\w-]+\s+){0,3}?(?:in|of|for|at)\s+(?:[\w-]+\s+){0,2}?$", re.IGNORECASE
)
_POSSESSOR_RE: Final = re.compile(r"\b(?P<who>[A-Za-z][\w&.-]*)['’]s\s+(?:[a-z-]+\s+)?$")
_FOR_NAME_RE: Final = re.compile(r"\s+(?:for|of)\s+(?:the\s+)?(?P<who>[A-Z][\w&.'’-]*)")
_FLOW_OBJECT_RE: Final = re.compile(
    r"^\W{0,3}(?:(?:worth\s+)?of|in|into|for)\s+(?:the\s+)?$", re.IGNORECASE
)
_CONTRIB_RE: Final = Folded(
    r"\b(?:contribut\w*\s+to|help(?:ed|ing|s)?\s+(?:to\s+)?(?:drive|lift|push|power|fuel))\b"
)
_SECTOR_CUE_RE: Final = re.compile(
    r"\b(?:spree|combined|collectively|in\s+total|total|sector[\s-]wide|industry[\s-]wide)\b",
    re.IGNORECASE,
)
_TECH_RE: Final = re.compile(r"\btech", re.IGNORECASE)
_PER_SHARE_METRICS: Final = frozenset({"price_target", "forward_pe"})
_LEVEL_METRICS: Final = frozenset({"high_since", "win_streak_weeks", "drawdown_from_peak_pct"})
_FOCUS_METRICS: Final = frozenset(
    {"revenue_growth_pct", "net_income_growth_pct", "capex_growth_pct", "capex", "price_target",
     "forward_pe", "drawdown_from_peak_pct", "stake_purchase"}
)  # fmt: skip


@dataclass(frozen=True)
class Found:
    """A number (or phrase) a metric was found for, at ``start:end`` of the sentence."""

    metric: str
    value: float | str
    start: int
    end: int
    qualifier: str | None
    cue: tuple[int, int] | None
    quantity: Quantity | None
    also: tuple[float, ...] | None = None
    window_hint: str | None = None  # a table column's window


T = TypeVar("T")


class _once(Generic[T]):  # a decorator, named as ``cached_property`` is
    """``functools.cached_property`` without its lock (Python 3.11 takes one on every first
    read): a ``SentenceView`` is read by one thread, and a view is made for every sentence."""

    def __init__(self, fn: Callable[[Any], T]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    @overload
    def __get__(self, obj: None, owner: type) -> _once[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T: ...
    def __get__(self, obj: object | None, owner: type) -> T | _once[T]:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)  # later reads find it in the instance
        return value


def _clauses(text: str) -> list[tuple[int, int]]:
    bounds, cur = [], 0
    for m in _CLAUSE_RE.finditer(text):
        bounds.append((cur, m.start()))
        cur = m.end()
    bounds.append((cur, len(text)))
    return bounds


def clause_of(clauses: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    """The ``(start, end)`` of the clause holding ``pos`` (the last one if none holds it)."""
    for c in clauses:  # a plain loop: asked for every number, and a sentence has few clauses
        if c[0] <= pos < c[1]:
            return c
    return clauses[-1]


class SentenceView:
    """One sentence being read, with its mentions and the article context."""

    def __init__(
        self,
        s: Sentence,
        linker: EntityLinker,
        ctx: Context,
        names: list[Mention] | None = None,
    ) -> None:
        self.s = s
        self.text = s.text
        self.ctx = ctx
        self.linker = linker
        # the names of the sentence, when the caller read them for the whole article at once
        self.mentions = names if names is not None else linker.find(s.text, names_only=True)
        self.full = False

    @_once
    def quantities(self) -> list[Quantity]:
        found = find_quantities(self.text)
        if self.ctx.percent_columns:  # a row of a table whose heading says "Chg (%)"
            taken = [(q.start, q.end) for q in found]
            extra = [
                q for q in column_percents(self.text)
                if not any(q.start < e and s < q.end for s, e in taken)
            ]  # fmt: skip
            found = sorted(found + extra, key=lambda q: q.start)
        return found

    @_once
    def clauses(self) -> list[tuple[int, int]]:
        return _clauses(self.text)

    @_once
    def appositives(self) -> list[tuple[int, int]]:
        return [m.span() for m in _APPOSITIVE_RE.finditer(self.text)]

    def read_all(self) -> None:
        """Find unnamed sets and anaphors too (only needed where a number was found)."""
        if not self.full:
            self.mentions = self.linker.find(self.text)
            self.full = True

    def _index(self, m: Mention, prior: list[Mention]) -> str | None:
        theme = self.linker.theme
        if _TECH_RE.search(self.text, m.start, m.end):  # "the tech gauge"
            named = [x.slug for x in prior if x.kind == "index"]
            techy = [s for s in (*reversed(named), *self.ctx.seen) if self._is_tech(s)]
            if techy:
                return techy[0]
            if theme.default_benchmark and self._is_tech(theme.default_benchmark):
                return theme.default_benchmark
        hit = next((x.slug for x in reversed(prior) if x.kind == "index"), None)
        return hit or self.ctx.salient_index() or theme.default_benchmark

    def _is_tech(self, slug: str) -> bool:
        ent = self.linker.theme.find_entity(slug)
        return ent is not None and bool(_TECH_RE.search(ent.name))

    def _named(self, m: Mention, before: int) -> str | None:
        """Resolve a mention (or anaphor) standing before ``before`` to a slug."""
        if m.slug:
            idx = self.mentions.index(m)
            return join_slugs([g.slug for g in group_around(self.text, self.mentions, idx)])
        if m.kind == "unknown":
            return None
        prior = [x for x in self.mentions if x.slug and x.end <= m.start]
        if m.kind == "index-anaphor":
            return self._index(m, prior)
        if m.kind == "company-anaphor":
            hit = next((x.slug for x in reversed(prior) if x.kind == "company"), None)
            return hit or self.ctx.last.get("company")
        subject = next((x for x in prior if x.kind != "market"), None) or next(
            (x for x in self.mentions if x.end <= m.start and x.kind not in ("market", "pronoun")),
            None,
        )  # the sentence's named subject, else its anaphor ("The index hit its highest")
        if subject is not None and subject.kind != "unknown":
            return self._named(subject, before)
        return self.ctx.subject or self.ctx.last.get("company")

    def resolve(self, m: Mention) -> str | None:
        """The slug a mention of this sentence stands for (a name, a set, or an anaphor)."""
        return self._named(m, m.end)

    def _in_appositive(self, m: Mention) -> bool:
        return any(s < m.start and m.end <= e for s, e in self.appositives)

    def entity(self, f: Found) -> tuple[str | None, Mention | None]:
        """The slug ``f`` is about and the mention that says so (None: from context).

        A level, streak or drawdown said of "Chinese tech stocks" is the
        benchmark index's: a set of stocks has no level of its own.
        """
        slug, mention = self._entity(f)
        sector = any(m.kind == "sector" and m.slug == slug for m in self.mentions)
        if sector and f.metric in _LEVEL_METRICS:
            return self.ctx.salient_index() or self.linker.theme.default_benchmark, mention
        return slug, mention

    def _owned_by_other(self, f: Found) -> bool:
        """The number is a name's the theme does not know.

        "than the sector's 27.8x" (a possessor right before it) or "30 times for
        Amazon" (a capitalised name right after "for"/"of") that no mention covers.
        """
        end = max(f.end, f.quantity.outer_end) if f.quantity is not None else f.end
        text, lo = self.text, max(0, f.start - 40)
        # every possessor holds "'s" or "’s": where neither is, the pattern need not run
        possessive = text.find("'s", lo, f.start) >= 0 or text.find("’s", lo, f.start) >= 0
        m = _POSSESSOR_RE.search(text, lo, f.start) if possessive else None
        if m is None:
            m = _FOR_NAME_RE.match(self.text, end)
            if m is None or is_stop_word(m["who"]) or is_title_case(self.text):
                return False
        return not any(x.start <= m.start("who") < x.end + 1 for x in self.mentions)

    def _entity(self, f: Found) -> tuple[str | None, Mention | None]:
        lo, hi = clause_of(self.clauses, f.start)
        if f.quantity is not None and self._owned_by_other(f):
            return None, None
        if f.metric == "fund_flow":
            # money flows into the company named as the subject ("Alibaba drew net buying of")
            # or as the object ("net sales of HK$3 billion of Tencent shares"); else the channel's
            channel = next((m for m in self.mentions if m.kind == "channel"), None)
            subject = [m for m in self.mentions if m.kind == "company" and lo <= m.start < f.start]
            target = [
                m for m in self.mentions
                if m.kind == "company" and f.end <= m.start < hi
                and _FLOW_OBJECT_RE.match(self.text[f.end : m.start])
            ]  # fmt: skip
            if target and not subject:
                return self._named(target[0], target[0].start), target[0]
            if channel is not None and not subject:
                return channel.slug, channel
        after = [
            m for m in self.mentions
            if f.end <= m.start < hi and not (m.kind == "market" and f.metric in _PER_SHARE_METRICS)
        ]  # fmt: skip
        for m in after[:2]:
            if _POST_RE.match(self.text[f.end : m.start]) and m.kind != "pronoun":
                return self._named(m, m.start), m
        before = [
            m for m in self.mentions
            if lo <= m.start and m.end <= f.start
            and not (m.kind == "market" and f.metric in _PER_SHARE_METRICS)
        ]  # fmt: skip  # "a HK$135 target for the Hong Kong shares": a listing, not the market
        plain = [m for m in before if not self._in_appositive(m)] or before
        if plain:
            m = plain[-1]
            if _CONTRIB_RE.search(self.text, m.end, f.start):
                return self.ctx.salient_index() or self.linker.theme.default_benchmark, None
            slug = self._named(m, f.start)
            if slug is not None or m.kind == "unknown":
                return slug, m
        if after:
            named = [m for m in after if m.kind != "pronoun"]
            if named:
                return self._named(named[0], named[0].start), named[0]
        earlier = [m for m in self.mentions if m.end <= lo]
        if earlier and earlier[0].kind == "unknown":
            return None, earlier[0]  # the sentence's subject has no slug: nor has its number
        if earlier:
            return self._named(earlier[-1], f.start), earlier[-1]
        return self._fallback(f), None

    def _fallback(self, f: Found) -> str | None:
        theme = self.linker.theme
        if f.metric in ("win_streak_weeks", "high_since") and len(self.text.split()) > 6:
            return self.ctx.salient_index() or theme.default_benchmark
        sector_wide = f.metric in MONEY_METRICS and _SECTOR_CUE_RE.search(self.text)
        if sector_wide and theme.find_entity("china-big-tech") is not None:
            return "china-big-tech"
        if f.metric in _FOCUS_METRICS:
            return self.ctx.last.get("company")
        if f.metric == "idle_capacity_pct" and theme.find_entity("china-ai-datacenters"):
            return "china-ai-datacenters"
        return None
