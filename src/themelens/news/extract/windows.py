"""Windows: which time expressions of a sentence bind to a claim, and what holds when none does.

A time expression binds to a number when it stands after it in the same
stretch of the clause ("rose 3% on Wednesday"), else when it stands before it
("In the second quarter, revenue rose 4%"). Scope keeps one clause's time off
another's number:

* after the number, the reach ends at a new clause ("..., after", "as",
  "since", "which", ", extending ...", "(") and at the next number unless the
  two are a list ("5.6% and 8.4%, respectively, on Monday");
* before the number, a day, week, month, year-to-date or point expression
  must stand in the number's own clause, and not before a relative clause
  the number sits in ("..., which rose 1.6%"); a results period or a year may
  come from anywhere earlier in the sentence ("second-quarter revenue grew
  22%, but net income fell 51%");
* "since early 2023" never binds (``dates`` drops it): a reference, not a date.

When nothing binds, the article context fills in: a price move is a ``1d``
move on the last dated trading day (else the article date); a results figure
(revenue, profit, capex growth, capex) takes the results period last named in
the article ("the April-June quarter" ... "Revenue rose 2%"); a new high takes
the day of the move just before it in the paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final

from themelens.news.claim import MONEY_METRICS
from themelens.news.extract.dates import TimeExpr
from themelens.news.extract.scan import Folded
from themelens.news.extract.tables import Column

__all__ = ["Context", "bind_times", "window_date"]

_TIME_STOP_RE: Final = Folded(  # run on the lowered text (``scan.Folded``)
    r"\b(?:after|as(?!\s+of\b)|amid|following|because|since(?!\s+the\s+(?:start|beginning))|"
    r"when|which|while|despite|thanks\s+to|making|"
    r"extending|taking|bringing|compared|versus|than|before)\b|[;(]|,\s+\w+ing\b"
)
_RELATIVE_RE: Final = Folded(r",\s+(?:which|who|whose|where)\b")
_LIST_JOIN_RE: Final = re.compile(r"\s*(?:,\s*and|,|and|or|to)\s*", re.IGNORECASE)
_EXPLICIT_YTD_RE: Final = re.compile(r"so\s+far|to[\s-]date|ytd|since|in\s+\d", re.IGNORECASE)
_FREE_KINDS: Final = frozenset({"period", "year", "average", "duration", "target"})
_GROWTH: Final = frozenset(
    {"revenue_growth_pct", "net_income_growth_pct", "capex_growth_pct", "capex"}
)
_EVENT_METRICS: Final = frozenset({"bond_issuance", "stake_purchase", "fund_flow"})
_MOVES: Final = frozenset({"day", "overnight", "week", "month", "ytd", "year", "period"})
_ACCEPTS: Final[dict[str, frozenset[str]]] = {
    "return_pct": _MOVES,
    "fund_flow": _MOVES,
    "money": frozenset({"year", "period", "target", "duration"}),
    "growth": frozenset({"year", "period"}),
    "forward_pe": frozenset({"average", "year"}),  # "13x 2026E P/E" keeps the year as written
    "event": frozenset({"year", "period", "target", "duration", "ytd"}),
}
_ANY_DATE: Final = frozenset({"day", "point", "week", "month", "ytd", "target"})
_DATE_KINDS: Final[dict[str, frozenset[str]]] = {
    "high_since": frozenset({"day", "week", "point"}),  # "a four-year peak on October 2"
    "win_streak_weeks": frozenset({"day", "week"}),
    "drawdown_from_peak_pct": frozenset({"day", "week"}),
}


@dataclass
class Context:
    """What earlier sentences tell a later one (entities and times)."""

    published: date | None
    last: dict[str, str] = field(default_factory=dict)  # kind -> slug
    seen: dict[str, int] = field(default_factory=dict)  # index slug -> mentions so far
    subject: str | None = None  # first entity of the previous sentence
    move_day: str | None = None
    move_paragraph: int = -1
    period: str | None = None  # the results period last named ("2025Q2")
    pe_paragraph: int = -1  # paragraph of the last forward P/E claim
    list_times: list[TimeExpr] = field(default_factory=list)  # of a "...:" list intro
    explain: bool = False  # record each claim's evidence (claims extract --explain)
    article_id: str | None = None  # stamped on each claim (``extract_claims`` passes it)
    percent_columns: bool = False  # under a heading naming a % change column ("Chg (%)")
    table: tuple[Column, ...] | None = None  # the typed columns of the pipe table being read
    event_dates: dict[tuple[int, str], str] = field(default_factory=dict)

    def salient_index(self) -> str | None:
        """The index named most often so far ("the index" means the article's index)."""
        if not self.seen:
            return None
        return max(self.seen, key=lambda slug: self.seen[slug])


def bind_times(
    text: str,
    start: int,
    end: int,
    clause: tuple[int, int],
    others: list[tuple[int, int]],
    times: list[TimeExpr],
) -> list[TimeExpr]:
    """Time expressions that may bind to the number at ``start:end``, best first.

    ``others`` are the spans of the sentence's other numbers of the same kind.
    """
    lo, hi = clause
    if stop := _TIME_STOP_RE.search(text, end, hi):
        hi = stop.start()
    # the reach ends at the next number unless the two are a list; only the gap to each
    # number ahead is read, so a sentence of many numbers costs no slice of text per pair
    ahead = sorted(o[0] for o in others if end <= o[0] < hi)
    reach = next((o for o in ahead if not _LIST_JOIN_RE.fullmatch(text, end, o)), hi)
    after = [
        t for t in times
        if end <= t.start < hi and t.start <= reach
        and t.kind != "average"  # "16 times, below its 5-year average of 12"
    ]  # fmt: skip
    scope_lo = lo
    for m in _RELATIVE_RE.finditer(text, lo, start):
        scope_lo = m.start()
    before = [t for t in times if t.end <= start and (t.kind in _FREE_KINDS or t.start >= scope_lo)]
    return after + list(reversed(before))


def _accepts(metric: str) -> frozenset[str]:
    if metric in _ACCEPTS:
        return _ACCEPTS[metric]
    if metric in _EVENT_METRICS:
        return _ACCEPTS["event"]  # "sold $24.5 billion of bonds so far this year"
    if metric in MONEY_METRICS:
        return _ACCEPTS["money"]
    if metric.endswith("_growth_pct"):
        return _ACCEPTS["growth"]
    return frozenset()


def window_date(
    metric: str, bound: list[TimeExpr], text: str, ctx: Context, paragraph: int
) -> tuple[str | None, str | None]:
    """The claim's (window, date) from the bound expressions, else from the context."""
    accepts = _accepts(metric)
    window: str | None = None
    when: str | None = None
    overnight = False
    since = False
    published = ctx.published.isoformat() if ctx.published else None
    for t in bound:
        if t.kind == "since" and metric in ("return_pct", "fund_flow"):
            since, when = True, when or t.date  # "Since October, the index has fallen 12%"
            continue
        if (
            t.kind == "year"
            and metric in ("return_pct", "fund_flow")
            and t.window == (published or "")[:4]
        ):
            t = replace(t, kind="ytd", window="ytd", date=published)  # "gained 47% in 2025"
        if (
            t.kind == "ytd"
            and t.date
            and not (
                metric in ("return_pct", "fund_flow")
                or _EXPLICIT_YTD_RE.search(text, t.start, t.end)
            )
        ):
            t = replace(t, kind="year", window=t.date[:4], date=t.date[:4])  # "capex this year"
        if window is None and t.kind in accepts and t.window:
            if metric == "market_size" and t.kind == "target":
                when = when or t.date
                continue
            if t.kind == "duration" and metric not in ("investment_plan", "capex"):
                continue
            window = t.window
            overnight = overnight or (when is None and t.kind == "overnight")
            when = when or t.date
        elif when is None and t.kind in _DATE_KINDS.get(metric, _ANY_DATE) and t.date:
            when = t.date
    if metric in ("return_pct", "fund_flow") and window is None and not since:
        window, when = "1d", when or ctx.move_day or published  # a flow is a day's, as a move
    if metric in _GROWTH and window is None:
        window = ctx.period
    if metric == "high_since" and when is None and ctx.move_paragraph == paragraph:
        when = ctx.move_day
    if metric in ("high_since", "win_streak_weeks", "drawdown_from_peak_pct", "idle_capacity_pct"):
        when = when or published
    if metric == "price_target" and when is None:
        when = published  # a target is set the day it is reported
    if metric in _EVENT_METRICS and when is None:
        when = ctx.event_dates.get((paragraph, metric)) or published
    if metric == "return_pct" and window == "1d" and when and len(when) == 10 and not overnight:
        ctx.move_day, ctx.move_paragraph = when, paragraph
    if metric in _EVENT_METRICS and when:
        ctx.event_dates[(paragraph, metric)] = when
    return window, when
