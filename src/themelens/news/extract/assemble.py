"""Assembly: the rules pipeline from article text to deduplicated claims.

Per sentence: numbers → metric → entity → window/date → qualifier → quote.
Across the article: a running context of the last index and company named
(for "the index", "the company", "its"), the last day a price move was
dated, and the date of the last event of each metric in the paragraph (a
"bond spree in September 2025" dates the issues the next sentence lists).
Then the article-wide clean-up: one amount for one entity is one claim
(the more specific metric wins), and claims that agree on entity, metric,
value and currency are one (the spec's dedup).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final

from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.extract.dates import TimeExpr, find_time_exprs
from themelens.news.extract.dedup import dedup, merge_amounts
from themelens.news.extract.entities import EntityLinker, Mention, group_around, join_slugs
from themelens.news.extract.metrics import MetricCall, classify, find_phrases
from themelens.news.extract.numbers import Quantity, find_quantities
from themelens.news.extract.qualifiers import qualifier_before
from themelens.news.extract.sentences import Sentence, split_sentences
from themelens.theme import Theme

__all__ = ["dedup", "extract_rules", "linker_for"]

_CLAUSE_RE: Final = re.compile(
    r";|,\s+(?:while|whereas|but|although)\b|\s(?:while|whereas)\s|—|\s–\s|\s--\s", re.IGNORECASE
)
_APPOSITIVE_RE: Final = re.compile(
    r",\s+(?:a|an|the|one\s+of|which|who|whose)\b[^,;()]{0,100},", re.IGNORECASE
)
_POST_RE: Final = re.compile(
    r"^\W{0,3}(?:[\w-]+\s+){0,3}?(?:in|of|for|at)\s+(?:[\w-]+\s+){0,2}?$", re.IGNORECASE
)
_CONTRIB_RE: Final = re.compile(
    r"\b(?:contribut\w*\s+to|help(?:ed|ing|s)?\s+(?:to\s+)?(?:drive|lift|push|power|fuel))\b",
    re.IGNORECASE,
)
_SECTOR_CUE_RE: Final = re.compile(
    r"\b(?:spree|combined|collectively|in\s+total|total|sector[\s-]wide|industry[\s-]wide)\b",
    re.IGNORECASE,
)
_TABLE_CELL_MAX_WORDS: Final = 6
_CANDIDATE_RE: Final = re.compile(r"\d|high|week|limit", re.IGNORECASE)  # may hold a claim
_MARKET_METRICS: Final = frozenset(
    {"return_pct", "high_since", "win_streak_weeks", "drawdown_from_peak_pct", "forward_pe"}
)
_EVENT_METRICS: Final = frozenset({"bond_issuance", "stake_purchase", "fund_flow"})
_MONEY_METRICS: Final = frozenset(
    {"capex", "investment_plan", "bond_issuance", "stake_purchase", "fund_flow", "market_size",
     "price_target"}
)  # fmt: skip
_LINKERS: dict[int, tuple[Theme, EntityLinker]] = {}


def linker_for(theme: Theme) -> EntityLinker:
    """The ``EntityLinker`` of ``theme``, built once per theme object."""
    cached = _LINKERS.get(id(theme))
    if cached is None or cached[0] is not theme:
        cached = (theme, EntityLinker(theme))
        _LINKERS[id(theme)] = cached
    return cached[1]


@dataclass
class _Context:
    """What earlier sentences tell a later one."""

    published: date | None
    last: dict[str, str] = field(default_factory=dict)  # kind -> slug
    seen: dict[str, int] = field(default_factory=dict)  # index slug -> mentions so far
    subject: str | None = None  # first entity of the previous sentence
    move_day: str | None = None
    event_dates: dict[tuple[int, str], str] = field(default_factory=dict)

    def salient_index(self) -> str | None:
        """The index named most often so far ("the index" means the article's index)."""
        if not self.seen:
            return None
        return max(self.seen, key=lambda slug: self.seen[slug])


@dataclass(frozen=True)
class _Found:
    metric: str
    value: float | str
    start: int  # anchor in the sentence
    end: int
    qualifier: str | None
    cue: tuple[int, int] | None
    quantity: Quantity | None


def _clauses(text: str) -> list[tuple[int, int]]:
    bounds, cur = [], 0
    for m in _CLAUSE_RE.finditer(text):
        bounds.append((cur, m.start()))
        cur = m.end()
    bounds.append((cur, len(text)))
    return bounds


def _clause_of(clauses: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    return next((c for c in clauses if c[0] <= pos < c[1]), clauses[-1])


class _Sentence:
    """One sentence being read, with its mentions and the article context."""

    def __init__(self, s: Sentence, linker: EntityLinker, ctx: _Context, *, full: bool) -> None:
        self.s = s
        self.text = s.text
        self.ctx = ctx
        self.linker = linker
        self.mentions = linker.find(s.text, names_only=not full)
        self.quantities = find_quantities(s.text)
        self.clauses = _clauses(s.text)
        self.appositives = [m.span() for m in _APPOSITIVE_RE.finditer(s.text)]

    def _named(self, m: Mention, before: int) -> str | None:
        """Resolve a mention (or anaphor) standing before ``before`` to a slug."""
        if m.slug:
            idx = self.mentions.index(m)
            return join_slugs([g.slug for g in group_around(self.text, self.mentions, idx)])
        prior = [x for x in self.mentions if x.slug and x.end <= m.start]
        if m.kind == "index-anaphor":
            hit = next((x.slug for x in reversed(prior) if x.kind == "index"), None)
            return hit or self.ctx.salient_index() or self.linker.theme.default_benchmark
        if m.kind == "company-anaphor":
            hit = next((x.slug for x in reversed(prior) if x.kind == "company"), None)
            return hit or self.ctx.last.get("company")
        subject = prior[0] if prior else None
        if subject is not None:
            return self._named(subject, before)
        return self.ctx.subject or self.ctx.last.get("company")

    def _in_appositive(self, m: Mention) -> bool:
        return any(s < m.start and m.end <= e for s, e in self.appositives)

    def entity(self, f: _Found) -> tuple[str | None, Mention | None]:
        lo, hi = _clause_of(self.clauses, f.start)
        after = [m for m in self.mentions if f.end <= m.start < hi]
        for m in after[:2]:
            if _POST_RE.match(self.text[f.end : m.start]) and m.kind != "pronoun":
                return self._named(m, m.start), m
        before = [m for m in self.mentions if lo <= m.start and m.end <= f.start]
        plain = [m for m in before if not self._in_appositive(m)] or before
        if plain:
            m = plain[-1]
            if _CONTRIB_RE.search(self.text, m.end, f.start):
                return self.ctx.salient_index() or self.linker.theme.default_benchmark, None
            return self._named(m, f.start), m
        if after:
            named = [m for m in after if m.kind != "pronoun"]
            if named:
                return self._named(named[0], named[0].start), named[0]
        earlier = [m for m in self.mentions if m.end <= lo]
        if earlier:
            return self._named(earlier[-1], f.start), earlier[-1]
        return self._fallback(f), None

    def _fallback(self, f: _Found) -> str | None:
        theme = self.linker.theme
        if f.metric in ("win_streak_weeks", "high_since") and len(self.text.split()) > 6:
            return self.ctx.salient_index() or theme.default_benchmark
        sector_wide = f.metric in _MONEY_METRICS and _SECTOR_CUE_RE.search(self.text)
        if sector_wide and theme.find_entity("china-big-tech") is not None:
            return "china-big-tech"
        return None


def _times_for(found: _Found, times: list[TimeExpr], sent: _Sentence) -> list[TimeExpr]:
    """Time expressions that bind to ``found``: the first after it in its clause, else before."""
    q = found.quantity
    _, hi = _clause_of(sent.clauses, found.start)
    others = [
        x.start for x in sent.quantities
        if q is not None and x.kind == q.kind and x.start != q.start
    ]  # fmt: skip
    after = [
        t for t in times
        if found.end <= t.start < hi and not any(found.end <= o < t.start for o in others)
    ]  # fmt: skip
    before = [t for t in times if t.end <= found.start]
    return after + list(reversed(before))


_ACCEPTS: Final[dict[str, frozenset[str]]] = {
    "return_pct": frozenset({"day", "week", "month", "ytd", "year", "period"}),
    "money": frozenset({"year", "period", "target", "duration"}),
    "growth": frozenset({"year", "period"}),
    "forward_pe": frozenset(),
}


_ANY_DATE: Final = frozenset({"day", "point", "week", "month", "ytd", "target"})
_DATE_KINDS: Final[dict[str, frozenset[str]]] = {
    m: frozenset({"day", "week"})
    for m in ("high_since", "win_streak_weeks", "drawdown_from_peak_pct")
}


def _window_date(
    found: _Found, sent: _Sentence, times: list[TimeExpr]
) -> tuple[str | None, str | None]:
    ctx = sent.ctx
    metric = found.metric
    bound = _times_for(found, times, sent)
    window: str | None = None
    when: str | None = None
    if metric == "return_pct":
        accepts = _ACCEPTS["return_pct"]
    elif metric in _MONEY_METRICS:
        accepts = _ACCEPTS["money"]
    elif metric.endswith("_growth_pct"):
        accepts = _ACCEPTS["growth"]
    else:
        accepts = frozenset()
    for t in bound:
        if t.kind == "ytd" and metric != "return_pct" and t.date:
            t = replace(t, kind="year", window=t.date[:4], date=t.date[:4])
        if window is None and t.kind in accepts and t.window:
            if metric == "market_size" and t.kind == "target":
                when = when or t.date
                continue
            if t.kind == "duration" and metric not in ("investment_plan", "capex"):
                continue
            window = t.window
            when = when or t.date
        elif when is None and t.kind in _DATE_KINDS.get(metric, _ANY_DATE) and t.date:
            when = t.date
    if metric == "return_pct" and window is None:
        window, when = "1d", when or ctx.move_day or _iso(ctx.published)
    if metric in ("high_since", "win_streak_weeks", "drawdown_from_peak_pct", "idle_capacity_pct"):
        when = when or (_iso(ctx.published) if metric != "idle_capacity_pct" else None)
    if metric in _EVENT_METRICS and when is None:
        when = ctx.event_dates.get((sent.s.paragraph, metric)) or _iso(ctx.published)
    if metric == "return_pct" and window == "1d" and when:
        ctx.move_day = when
    if metric in _EVENT_METRICS and when:
        ctx.event_dates[(sent.s.paragraph, metric)] = when
    return window, when


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _quote(sent: _Sentence, f: _Found, mention: Mention | None) -> tuple[int, int]:
    start, end = f.start, f.end
    if f.cue is not None and f.cue[0] >= f.end and f.cue[1] - f.end < 50:
        end = f.cue[1]
    if f.cue is not None and f.cue[1] <= f.start and f.start - f.cue[0] < 60:
        start = f.cue[0]
    if mention is not None and mention.end <= start and start - mention.start < 90:
        start = mention.start
    if mention is not None and mention.start >= end and mention.end - end < 40:
        end = mention.end
    return start, end


_PLAN_TALK_RE: Final = re.compile(
    r"\b(?:investment|plan|pledge|spending|commitment|programme|program|budget)\b", re.IGNORECASE
)


def _investment_window(sentences: list[Sentence], i: int, published: date | None) -> str | None:
    """A plan's length, from its sentence or the next one when that talks about the plan too."""
    for k, s in enumerate(sentences[i : i + 2]):
        if k and not _PLAN_TALK_RE.search(s.text):
            break
        for t in find_time_exprs(s.text, published):
            if t.kind == "duration":
                return t.window
    return None


def _is_table_cell(s: Sentence) -> bool:
    return len(s.text.split()) <= _TABLE_CELL_MAX_WORDS and not s.text.rstrip().endswith(".")


def _read_sentence(
    sentences: list[Sentence], i: int, linker: EntityLinker, ctx: _Context, article: Article
) -> list[Claim]:
    s = sentences[i]
    sent = _Sentence(s, linker, ctx, full=_CANDIDATE_RE.search(s.text) is not None)
    quantities = sent.quantities
    found: list[_Found] = []
    for q in quantities:
        lo, hi = _clause_of(sent.clauses, q.start)
        call: MetricCall | None = classify(s.text, q, lo, hi)
        if call is None:
            continue
        value = abs(q.value) if call.metric == "drawdown_from_peak_pct" else q.value
        if call.negative and value > 0:
            value = -value
        qual = call.qualifier or qualifier_before(s.text, q.start)
        found.append(_Found(call.metric, value, q.start, q.end, qual, call.cue, q))
    for p in find_phrases(s.text, ctx.published):
        found.append(_Found(p.metric, p.value, p.start, p.end, p.qualifier, None, None))
    claims: list[Claim] = []
    times = find_time_exprs(s.text, ctx.published) if found else []
    phrases = [(f.start, f.end) for f in found if f.quantity is None]
    times = [t for t in times if not any(a <= t.start < b for a, b in phrases)]
    cell = _is_table_cell(s)
    for f in found:
        entity, mention = sent.entity(f)
        if entity is None or (cell and mention is None):
            continue
        claim = _build(sent, f, entity, mention, times, sentences, i, article)
        if claim is not None:
            claims.append(claim)
    for m in sent.mentions:
        if m.slug and m.kind in ("company", "index"):
            ctx.last[m.kind] = m.slug
        if m.slug and m.kind == "index":
            ctx.seen[m.slug] = ctx.seen.get(m.slug, 0) + 1
    subject = next((m for m in sent.mentions if m.slug), None)
    if subject is not None:
        ctx.subject = subject.slug
    return claims


def _build(
    sent: _Sentence,
    f: _Found,
    entity: str,
    mention: Mention | None,
    times: list[TimeExpr],
    sentences: list[Sentence],
    i: int,
    article: Article,
) -> Claim | None:
    kinds = sent.linker.kinds
    parts = entity.split("+")
    by = None
    if f.metric == "stake_purchase":
        investors = [p for p in parts if kinds.get(p) == "investor"]
        before = [m for m in sent.mentions if m.kind == "investor" and m.end <= f.start]
        by = investors[0] if investors else (before[-1].slug if before else None)
        parts = [p for p in parts if kinds.get(p) != "investor"] or (
            [sent.ctx.last["company"]] if "company" in sent.ctx.last else []
        )
        if not parts:
            return None
        entity = join_slugs(parts)
    if f.metric in _MARKET_METRICS and any(kinds.get(p) in ("investor", "channel") for p in parts):
        return None
    window, when = _window_date(f, sent, times)
    if f.metric == "investment_plan" and (window is None or not window.endswith("y")):
        window = _investment_window(sentences, i, sent.ctx.published) or window
    q = f.quantity
    start, end = _quote(sent, f, mention)
    base = sent.s.start
    currency = q.currency if q is not None and f.metric in _MONEY_METRICS else None
    return Claim(
        entity=entity,
        metric=f.metric,
        value=f.value,
        currency=currency,
        window=window,
        date=when,
        qualifier=f.qualifier,
        quote=article.text[base + start : base + end],
        value_usd=q.value_usd if q is not None and currency else None,
        by=by,
        instrument="convertible"
        if f.metric == "bond_issuance" and "convertible" in sent.text.lower()
        else None,
        article=article.name,
        start=base + start,
        end=base + end,
    )


def extract_rules(article: Article, theme: Theme) -> list[Claim]:
    """Claims of ``article`` by the rule pipeline, deduplicated, in order of appearance."""
    sentences = split_sentences(article.text)
    linker = linker_for(theme)
    ctx = _Context(published=article.published)
    claims: list[Claim] = []
    for i in range(len(sentences)):
        claims.extend(_read_sentence(sentences, i, linker, ctx, article))
    return dedup(merge_amounts(claims))
