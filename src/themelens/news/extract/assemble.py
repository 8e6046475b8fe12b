"""Assembly: the rules pipeline from article text to deduplicated claims.

Per sentence: numbers → metric → entity → window/date → qualifier → quote.
Across the article: a running context of the last index and company named
(for "the index", "the company", "its"), the last day a price move was
dated, and the date of the last event of each metric in the paragraph (a
"bond spree in September 2025" dates the issues the next sentence lists).
Then the article-wide clean-up: one amount for one entity is one claim
(the more specific metric wins), and claims that agree on entity, metric,
value and currency are one (the spec's dedup).

A range ("70 to 80 per cent", "8%-10%") is one claim whose value is the low
end and ``also`` the high end (spec Conventions); "A and B each fell 2%" is one claim
per company, and "A and B rose 5% and 8%, respectively" pairs them in order;
a signed percent on a short table or list line ("SMIC +2.9pc") is a price
move dated by the list's heading ("Friday close:").
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Final

from themelens.news.article import Article
from themelens.news.claim import MONEY_METRICS, Claim
from themelens.news.extract.budget import WorkBudget
from themelens.news.extract.dates import TimeExpr, TimeKind, find_time_exprs, fiscal_to_calendar
from themelens.news.extract.dedup import dedup, merge_amounts
from themelens.news.extract.entities import (
    ArticleNames,
    EntityLinker,
    Mention,
    group_around,
    join_slugs,
)
from themelens.news.extract.evidence import evidence_for
from themelens.news.extract.members import members
from themelens.news.extract.metrics import MetricCall, classify
from themelens.news.extract.numbers import Quantity
from themelens.news.extract.phrases import find_phrases
from themelens.news.extract.qualifiers import qualifier_before
from themelens.news.extract.resolve import Found, SentenceView, clause_of
from themelens.news.extract.scan import AnyOf, Folded
from themelens.news.extract.sentences import Sentence, split_sentences
from themelens.news.extract.tables import (
    Column,
    column_window,
    heading_columns,
    names_percent,
    row_cells,
)
from themelens.news.extract.tags import Untagged, strip_tags
from themelens.news.extract.windows import Context, bind_times, window_date
from themelens.news.venue import venue_said
from themelens.theme import Theme

__all__ = ["dedup", "extract_rules", "linker_for"]

_TABLE_CELL_MAX_WORDS: Final = 6
_COMPARED_RE: Final = re.compile(
    r"\b(?:from|than|versus|vs\.?|compared\s+(?:with|to))\s+[-+]?[\d.,]+\s*"
    r"(?:%|per\s*cent|percent)\s+(?:(?:in|during|for)\s+)?$",
    re.IGNORECASE,
)
_DATED_HINT_RE: Final = Folded(
    r"\d|day\b|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
)  # a short heading line that may date the list below it
_DIGIT_RE: Final = re.compile(r"\d")
_QH: Final = r"\b[QH][1-4]\b|\b[1-4][QH]\b"
_PERIOD_HINT: Final = AnyOf(  # quarter|half|three\s+months|\b[QH][1-4]\b|\b[1-4][QH]\b
    ("quarter", "half"), ((r"three\s+months", ("three",)), (_QH, ("1", "2", "3", "4")))
)
_PERIOD_WORDS: Final = AnyOf(("quarter", "half"), ((r"three\s+months", ("three",)),))
"""``_PERIOD_HINT`` for a sentence that is no ``_CANDIDATE``: it holds no digit, so no "Q3"."""
_PE_FOLLOW_RE: Final = re.compile(r"\b(?:average|historical|history|median|norm)\b", re.IGNORECASE)
_CANDIDATE: Final = AnyOf(  # may hold a claim: \d|high|week|limit|peak|first\s+time
    ("high", "week", "limit", "peak"), ((r"\d", ()), (r"first\s+time", ("first",)))
)
_MARKET_METRICS: Final = frozenset(
    {"return_pct", "high_since", "win_streak_weeks", "drawdown_from_peak_pct", "forward_pe"}
)
_LINKERS: dict[int, tuple[Theme, EntityLinker]] = {}


def linker_for(theme: Theme) -> EntityLinker:
    """The ``EntityLinker`` of ``theme``, built once per theme object."""
    cached = _LINKERS.get(id(theme))
    if cached is None or cached[0] is not theme:
        cached = (theme, EntityLinker(theme))
        _LINKERS[id(theme)] = cached
    return cached[1]


def _quote(sent: SentenceView, f: Found, mention: Mention | None) -> tuple[int, int]:
    start, end = f.start, f.end
    if f.cue is not None and f.cue[0] >= f.end and f.cue[1] - f.end < 50:
        end = f.cue[1]
    if f.cue is not None and f.cue[1] <= f.start and f.start - f.cue[0] < 60:
        start = f.cue[0]
    if mention is not None and mention.slug:  # a named set: quote it from its first name
        group = group_around(sent.text, sent.mentions, sent.mentions.index(mention))
        if group[0].start < mention.start and mention.end <= start:
            mention = replace(mention, start=group[0].start)
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
    """A short line of a table or list ("SMIC +2.9pc", "| Baidu | 9888.HK | +3.1% |")."""
    if s.text.rstrip().endswith("."):
        return False
    if len(s.text.split()) > 4 * _TABLE_CELL_MAX_WORDS:
        return False
    return len(_WORDISH_RE.findall(s.text)) <= _TABLE_CELL_MAX_WORDS


_WORDISH_RE: Final = re.compile(r"\S*[^\W_]\S*")
"""A token (``str.split``'s) that holds a letter or digit (``str.isalnum``'s, as ``[^\\W_]``)."""


_WINDOW_KINDS: Final[dict[str, TimeKind]] = {"1w": "week", "1m": "month", "ytd": "ytd"}


def _column_window(heading: str, published: date | None) -> TimeExpr | None:
    """The window a table heading gives its % column ("Week chg %" is ``1w``)."""
    window = column_window(heading)
    if published is None or window is None:
        return None
    kind = _WINDOW_KINDS[window]
    when = published.isoformat()[:7] if kind == "month" else published.isoformat()
    return TimeExpr(kind, 0, 0, window, when)


_TAG_GAP_RE: Final = re.compile(
    r"\s*[:,]?\s*(?:(?:ADRs?|ADSs|shares|stock|is|was|were|are|closed|ended|finished|at|both|"
    r"each|now|last)\s+){0,3}",
    re.IGNORECASE,
)


def _after_name(sent: SentenceView, q: Quantity) -> bool:
    """A signed percent right after a name ("Meituan -4.6% after", "BABA ADR is -4.2%")."""
    return any(
        m.end <= q.start and _TAG_GAP_RE.fullmatch(sent.text, m.end, q.start) is not None
        for m in sent.mentions
        if m.slug
    )


def _implicit(sent: SentenceView, q: Quantity, cell: bool) -> MetricCall | None:
    """A metric the number's own words do not name, read from where it stands.

    A signed percent in a table or list line ("SMIC +2.9pc", "Baidu (BIDU):
    +58%") is a price move; a bare multiple right after a forward P/E in the
    same paragraph ("Its five-year average is 24 times") is one too.
    """
    if q.kind == "percent" and q.signed and (cell or _after_name(sent, q)):
        return MetricCall("return_pct")
    pe_here = sent.ctx.pe_paragraph == sent.s.paragraph
    if q.kind == "multiple" and pe_here and _PE_FOLLOW_RE.search(sent.text):
        return MetricCall("forward_pe")
    return None


def _found_in(sent: SentenceView, cell: bool) -> list[Found]:
    text = sent.text
    found: list[Found] = []
    for q in sent.quantities:
        lo, hi = clause_of(sent.clauses, q.start)
        call = classify(text, q, lo, hi) or _implicit(sent, q, cell)
        if call is None:
            continue
        value = q.value  # a range: the low end, the high end in ``also``
        also: tuple[float, ...] | None = (q.high,) if q.high is not None else None
        if call.metric == "drawdown_from_peak_pct":
            value, also = abs(value), tuple(abs(x) for x in also) if also else None
        if call.negative and value > 0:
            value, also = -value, tuple(-abs(x) for x in also) if also else None
        qual = call.qualifier or qualifier_before(text, q.start)
        found.append(Found(call.metric, value, q.start, q.end, qual, call.cue, q, also))
    for p in find_phrases(text, sent.ctx.published):
        found.append(Found(p.metric, p.value, p.start, p.end, p.qualifier, None, None))
    return found


def _row_found(sent: SentenceView, columns: tuple[Column, ...]) -> list[Found]:
    """A table row's claims, one per typed cell (``tables``); the row's name says who."""
    return [
        Found(c.column.metric, c.quantity.value, c.quantity.start, c.quantity.end, None, None,
              c.quantity, window_hint=c.column.window)
        for c in row_cells(sent.text, columns)
    ]  # fmt: skip


def _fiscal_year_end(sent: SentenceView) -> int | None:
    """The fiscal year end of the company the sentence is about (named, else the last named)."""
    theme = sent.linker.theme
    named = [m.slug for m in sent.mentions if m.slug and m.kind == "company"]
    for slug in (*named, sent.ctx.last.get("company")):
        ent = theme.find_entity(slug) if slug else None
        if ent is not None and ent.fiscal_year_end:
            return ent.fiscal_year_end
        if ent is not None:
            return None
    return None


def _times(sent: SentenceView, found: list[Found], cell: bool, candidate: bool) -> list[TimeExpr]:
    """The sentence's time expressions; keeps the results period and a list's times in context."""
    ctx, text = sent.ctx, sent.text
    intro = text.rstrip().endswith(":")
    hint = _PERIOD_HINT if candidate else _PERIOD_WORDS
    need = found or intro or hint.found_in(text) or (cell and _DATED_HINT_RE.search(text))
    times = find_time_exprs(text, ctx.published) if need else []
    if times:  # most sentences name no time: no generator for them
        if any(t.fiscal for t in times):  # Alibaba's "fiscal second quarter" is July-September
            fye = _fiscal_year_end(sent)
            times = [fiscal_to_calendar(t, fye, ctx.published) if fye else t for t in times]
        period = next(
            (
                t.window for t in times
                if t.kind == "period"
                and not _COMPARED_RE.search(text, max(0, t.start - 30), t.start)
            ),
            None,
        )  # fmt: skip  # "accelerating from 26% in the June quarter" names an earlier period
        if period is not None:
            ctx.period = period
    if intro or (cell and not found and times):
        # "Market snapshot, Friday close:", "MARKET CLOSE (27 Aug)": the lines below are dated
        ctx.list_times = [replace(t, start=0, end=0) for t in times]
    elif not cell:
        ctx.list_times = []
    elif not times:
        times = ctx.list_times  # "Market snapshot, Friday close:" dates the lines below it
    if not times:
        return []
    phrases = [(f.start, f.end) for f in found if f.quantity is None]
    return [t for t in times if not any(a <= t.start < b for a, b in phrases)]


def _read_sentence(
    sentences: list[Sentence],
    i: int,
    linker: EntityLinker,
    ctx: Context,
    article: Article,
    untagged: Untagged,
    names: ArticleNames,
    candidate: bool,
) -> list[Claim]:
    s = sentences[i]
    cell = _is_table_cell(s)
    heading = heading_columns(s.text)
    if heading is not None:
        ctx.table = heading  # "Company | Code | Target price | P/E 2026E": the rows below
    elif "|" not in s.text:
        ctx.table = None
    if not cell or names_percent(s.text):
        ctx.percent_columns = cell and not _DIGIT_RE.search(s.text.replace("%", ""))
        if ctx.percent_columns and (label := _column_window(s.text, ctx.published)) is not None:
            ctx.list_times = [label]  # "Week chg %": the rows are weekly moves
    sent = SentenceView(s, linker, ctx, names.within(s.start, s.end))
    if ctx.table is not None and heading is None and "|" in s.text:
        found = _row_found(sent, ctx.table)  # a row: its typed cells, nothing else
    else:
        found = _found_in(sent, cell) if candidate else []
    if found:
        sent.read_all()
    claims: list[Claim] = []
    times = _times(sent, found, cell, candidate)
    for f in found:
        entity, mention = sent.entity(f)
        if entity is None or (cell and mention is None):
            continue
        for member in members(sent, f, entity, mention):
            claim = _build(sent, f, member, mention, times, sentences, i, article, untagged)
            if claim is not None:
                claims.append(claim)
                if claim.metric == "forward_pe":
                    ctx.pe_paragraph = s.paragraph
    for m in sent.mentions:
        if m.slug and m.kind in ("company", "index"):
            ctx.last[m.kind] = m.slug
        if m.slug and m.kind == "index":
            ctx.seen[m.slug] = ctx.seen.get(m.slug, 0) + 1
    subject = (
        next((m for m in sent.mentions if m.slug or m.kind.endswith("anaphor")), None)
        if sent.mentions
        else None
    )
    if subject is not None:  # "The tech gauge has fallen 16%. It is still up 24%": the gauge's
        ctx.subject = subject.slug or sent.resolve(subject) or ctx.subject
    return claims


def _build(
    sent: SentenceView,
    f: Found,
    entity: str,
    mention: Mention | None,
    times: list[TimeExpr],
    sentences: list[Sentence],
    i: int,
    article: Article,
    untagged: Untagged,
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
    q = f.quantity
    others = [
        (x.start, x.end) for x in sent.quantities
        if q is not None and x.kind == q.kind and x.start != q.start
    ]  # fmt: skip
    clause = clause_of(sent.clauses, f.start)
    end = max(f.end, q.outer_end) if q is not None else f.end
    bound = bind_times(sent.text, f.start, end, clause, others, times)
    window, when = window_date(f.metric, bound, sent.text, sent.ctx, sent.s.paragraph)
    if f.window_hint is not None:  # a table column's window ("Week Chg %", "P/E 2026E")
        window = f.window_hint
    if f.metric == "investment_plan" and (window is None or not window.endswith("y")):
        window = _investment_window(sentences, i, sent.ctx.published) or window
    start, end = _quote(sent, f, mention)
    base = sent.s.start
    q_start, q_end = untagged.original(base + start), untagged.original_end(base + end)
    currency = q.currency if q is not None and f.metric in MONEY_METRICS else None
    if f.metric == "price_target" and q is not None and currency == "USD":
        currency = _target_currency(sent, q)
    return Claim(
        entity=entity,
        metric=f.metric,
        listing=_venue(sent, clause, f, q) if f.metric in _MARKET_METRICS else None,
        value=f.value,
        currency=currency,
        window=window,
        date=when,
        qualifier=f.qualifier,
        quote=article.text[q_start:q_end],
        value_usd=q.value_usd if q is not None and currency else None,
        by=by,
        also=f.also,
        evidence=evidence_for(sent, f, entity, mention, bound, window, when)
        if sent.ctx.explain
        else None,
        instrument="convertible"
        if f.metric == "bond_issuance" and "convertible" in sent.text.lower()
        else None,
        article=article.name,
        article_id=sent.ctx.article_id,
        start=q_start,
        end=q_end,
    )


def _venue(sent: SentenceView, clause: tuple[int, int], f: Found, q: Quantity | None) -> str | None:
    """Where the move traded, from the clause's words up to the next number (which may be
    another company's: "SMIC fell 6.5%, and Cambricon dropped 4% in Shanghai")."""
    lo, hi = clause
    at = q.end if q is not None else f.end
    kind = q.kind if q is not None else None
    hi = min([hi, *(x.start for x in sent.quantities if x.start >= at and x.kind == kind)])
    return venue_said(sent.text[lo:hi], f.start - lo)


_BARE_DOLLAR_RE: Final = re.compile(r"[-−+]?\$")
_LISTING_RE: Final = re.compile(
    r"(?P<hk>H[-\s]shares?|Hong\s+Kong(?:-listed)?(?:\s+(?:shares|stock|listing))?|HK[-\s]listed|"
    r"HK\s+(?:shares|stock))|(?P<us>ADRs?|ADSs?|U\.?S\.?(?:-listed)?\s+(?:shares|stock|listing)|"
    r"New\s+York(?:-listed)?|NYSE|Nasdaq(?:-listed)?)",
    re.IGNORECASE,
)


def _target_currency(sent: SentenceView, q: Quantity) -> str:
    """A bare "$" target on the Hong Kong listing is in HK dollars (spec: the listing's currency).

    "US$190 / $185 for its US stock / H-shares" pairs targets and listings in
    order; a lone bare-dollar target takes the listing named after it.
    """
    text = sent.text
    if not _BARE_DOLLAR_RE.match(text, q.start):
        return "USD"
    lo, hi = clause_of(sent.clauses, q.start)
    listings = list(_LISTING_RE.finditer(text, q.end, hi))
    if not listings:
        return "USD"
    targets = [x for x in sent.quantities if x.kind == "money" and lo <= x.start < hi]
    pick = listings[0]
    if len(targets) == len(listings) and q in targets:
        pick = listings[targets.index(q)]
    return "HKD" if pick["hk"] else "USD"


def extract_rules(
    article: Article,
    theme: Theme,
    *,
    explain: bool = False,
    budget: WorkBudget | None = None,
    article_id: str | None = None,
) -> list[Claim]:
    """Claims of ``article`` by the rule pipeline, deduplicated, in order of appearance.

    ``explain`` records on each claim the words that decided it (``Claim.evidence``);
    off by default, as only ``claims extract --explain`` reads it. Reading stops, with a
    warning, once ``budget`` (default ``WorkBudget()``, ``MAX_WORK``) is spent.
    ``article_id`` is stamped on each claim (``extract_claims`` passes ``article.id``).
    """
    untagged = strip_tags(article.text)  # ticker tags are decoration (spec); quotes keep them
    sentences = split_sentences(untagged.text)
    linker = linker_for(theme)
    names = ArticleNames(linker.find(untagged.text, names_only=True))  # one pass, not per sentence
    ctx = Context(published=article.published, explain=explain, article_id=article_id)
    claims: list[Claim] = []
    budget = WorkBudget() if budget is None else budget
    for i, s in enumerate(sentences):
        candidate = _CANDIDATE.found_in(s.text)  # once per sentence
        found = _read_sentence(sentences, i, linker, ctx, article, untagged, names, candidate)
        claims.extend(found)
        if candidate:
            budget.charge(s.text, len(found))
        if budget.spent_out and i + 1 < len(sentences):
            budget.say_stopped(article.name, untagged.original_end(s.end), len(article.text))
            break
    return dedup(merge_amounts(claims))
