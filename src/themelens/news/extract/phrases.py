"""Phrases: the claims stated in words rather than a money or percent figure.

"its highest level since November 2021", "a four-year high", "the first time
in nearly four years", "seventh straight week of gains", "went up 7 weeks in
a row", "hit the daily limit", "became stop-high". ``find_phrases`` returns
them with their offsets; "a four-year high" needs the article's date to
become a month, and without one it is skipped rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

from themelens.news.extract.dates import months_before
from themelens.news.extract.numbers import parse_count
from themelens.news.extract.qualifiers import QualifierName
from themelens.news.extract.scan import Folded, lowered

__all__ = ["PhraseClaim", "find_phrases"]


def _rx(pattern: str) -> Folded:
    """A case-insensitive pattern, run on the lowered sentence: its groups are read case-blind."""
    return Folded(pattern)


@dataclass(frozen=True)
class PhraseClaim:
    """A claim stated by a phrase rather than a money or percent figure."""

    metric: str
    value: float | str
    start: int
    end: int
    qualifier: QualifierName | None = None


_N = r"(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)"
_ORDN = (
    r"(?P<n>\d+(?:st|nd|rd|th)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
    r"fourteenth|fifteenth)"
)
_MONTH = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_HEDGE = r"(?P<hedge>over|more\s+than|nearly|almost|about|around|roughly|at\s+least)?\s*"
_MONTHS: Final = {
    m: i for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}  # fmt: skip
_HIGH_SINCE_RE: Final = _rx(
    r"\b(?:highest|strongest\s+(?:level|close|finish|point|reading|value|mark)|"
    r"best\s+(?:level|close|finish|point|value|mark)|"
    r"(?:levels?|heights?|highs?|peaks?)\s+(?:not\s+seen|last\s+seen|unseen))"
    r"\s+(?:(?:level|close|closing\s+level|point|reading|finish|print|settlement|value|mark)\s+)?"
    r"(?:seen\s+)?(?:since|in)\s+"
    r"(?:(?P<part>early|mid|late)[\s-]+|(?:the\s+)?(?P<half>first|second)\s+half\s+of\s+|"
    r"(?:the\s+)?(?P<edge>end|start|beginning|middle)\s+of\s+)?"
    r"(?:" + _MONTH + r"\s+)?(?P<year>(?:19|20)\d\d)\b"
)
_YEARS_HIGH_RE: Final = _rx(r"\b" + _N + r"[\s-]+(?:year|yr)s?\s+(?:high|peak)s?\b")
_LEVEL_VERB_RE: Final = _rx(
    r"\b(?:top(?:s|ped|ping)?|cross(?:es|ed|ing)?|above|breach(?:es|ed|ing)?|surpass(?:es|ed|ing)?|"
    r"reclaim(?:s|ed|ing)?|br(?:oke|eaks?|eaking)|hit(?:s|ting)?|reach(?:es|ed|ing)?|high(?:s|est)?|"
    r"clos(?:e|ed|es|ing)\s+(?:at|above)|level|rall(?:y|ied)|record)\b"
)
_FIRST_TIME_RE: Final = _rx(
    r"\bfor\s+the\s+first\s+time\s+(?:in\s+" + _HEDGE + _N + r"\s+years\b"
    r"|since\s+(?:(?P<part>early|mid|late)[\s-]+)?(?:" + _MONTH + r"\s+)?(?P<year>(?:19|20)\d\d)\b)"
)
_NOT_SEEN_RE: Final = _rx(
    r"\b(?:(?:levels?|heights?|highs?|peaks?)\s+(?:not\s+seen|last\s+seen|unseen)|highest\s+(?:\w+\s+){0,2}?(?:seen\s+)?)"
    r"\s*(?:in|for)\s+" + _HEDGE + _N + r"\s+years\b"
)
_STREAK_RES: Final = tuple(
    (_rx(rx), words)
    for rx, words in (
        (r"\b" + _ORDN + r"\s+(?:straight|consecutive|successive)\s+(?:weekly\s+(?:gain|advance|rise|increase)s?|"
         r"weeks?(?!\s+of\s+(?:loss|decline|drop|fall))(?:\s+of\s+(?:gains?|advances?|increases?|rises?))?)",
         ("straight", "consecutive", "successive")),
        (r"\b" + _N + r"[\s-]+week\s+(?:winning\s+streak|win\s+streak|winning\s+run|rally|streak)",
         ("streak", "run", "rally")),
        (r"\b(?:weekly\s+gains?|higher|gains?|advanced?)\s+for\s+(?:a|the)\s+" + _ORDN
         + r"\s+(?:straight\s+|consecutive\s+|successive\s+)?week\b",
         ("gain", "higher", "advance")),
        (r"\b(?:rose|gained|climbed|advanced|went\s+up|were\s+up|was\s+up|up)\s+(?:for\s+)?" + _N
         + r"\s+(?:straight\s+|consecutive\s+)?weeks\s+(?:in\s+a\s+row|running|straight)\b",
         ("row", "running", "straight")),
    )
)  # fmt: skip
"""The win-streak patterns, each with words one of which each of its matches holds (besides
"week", which they all hold): a sentence that says "this week" runs none of them."""
_LIMIT_PHRASE_RE: Final = _rx(
    r"\b(?:hit|hits|hitting|rose\s+by|surged\s+by|jumped\s+by|soared\s+by|closed\s+at|climbed\s+by)"
    r"\s+(?:the|its)\s+(?:daily\s+)?(?:upper\s+)?(?:trading\s+)?limit\b|\blimit[\s-]up\b"
    r"|\bstop[\s-]high\b"
)
_PHRASE_HINT_RE: Final = _rx(
    r"high|week|limit|peak|first\s+time|(?:strongest|best)\s+(?:\w+\s+)?since"
)
_PHRASE_HINT_WORDS: Final = ("high", "week", "limit", "peak", "first", "strongest", "best")
"""One of them is in every match of ``_PHRASE_HINT_RE`` (lower case, as ``scan.lowered``)."""
_HIGH_SINCE_WORDS: Final = ("highest", "strongest", "best", "seen")
"""One of them is in every match of ``_HIGH_SINCE_RE`` (as each streak pattern holds "week")."""
_HEDGE_NAME: Final[dict[str, QualifierName]] = {
    "over": "over", "more than": "over", "nearly": "nearly", "almost": "nearly", "about": "about",
    "around": "about", "roughly": "about", "at least": "at_least",
}  # fmt: skip


def _high_since(m: re.Match[str]) -> str:
    year = int(m["year"])
    if m["month"]:
        return f"{year:04d}-{_MONTHS[m['month'][:3].lower()]:02d}"
    if m.groupdict().get("half"):  # a range takes its middle month (spec)
        return f"{year:04d}-{4 if m['half'].lower() == 'first' else 10:02d}"
    if m.groupdict().get("edge"):
        edge = m["edge"].lower()
        return f"{year:04d}-{ {'end': 12, 'start': 1, 'beginning': 1, 'middle': 6}[edge]:02d}"
    part = (m["part"] or "mid").lower()
    return f"{year:04d}-{ {'early': 2, 'mid': 6, 'late': 11}[part]:02d}"


def find_phrases(text: str, published: date | None) -> list[PhraseClaim]:
    """High-since, win-streak and limit-up claims stated in words, in order of position.

    "A four-year high" needs the article's date to become a month; without
    one it is skipped rather than guessed.
    """
    low = lowered(text)
    if low is not None and not any(map(low.__contains__, _PHRASE_HINT_WORDS)):
        return []  # most sentences with a number: no need to run the hint's pattern
    if _PHRASE_HINT_RE.search_low(text, low) is None:
        return []

    def holds(*words: str) -> bool:  # a word every match of a pattern holds is in the text
        return low is None or any(map(low.__contains__, words))

    out: list[PhraseClaim] = []
    since = holds(*_HIGH_SINCE_WORDS) and holds("19", "20")  # and a year: "since 2021"
    for m in _HIGH_SINCE_RE.finditer_low(text, low) if since else ():
        out.append(PhraseClaim("high_since", _high_since(m), m.start(), m.end()))
    if published is not None:
        for rx, needs in (
            (_YEARS_HIGH_RE, (("high", "peak"), ("year", "yr"))),  # "a four-year high": both
            (_NOT_SEEN_RE, (("years",), ("seen", "highest"))),
        ):
            for m in rx.finditer_low(text, low) if all(holds(*w) for w in needs) else ():
                n = parse_count(m["n"])
                if n is None or n > 30:
                    continue
                hedge = m.groupdict().get("hedge")
                qual = _HEDGE_NAME.get(" ".join(hedge.lower().split())) if hedge else None
                value = months_before(published, 12 * n)
                out.append(PhraseClaim("high_since", value, m.start(), m.end(), qual))
    for m in _FIRST_TIME_RE.finditer_low(text, low) if holds("first") and holds("time") else ():
        if not _LEVEL_VERB_RE.search_low(text, low, 0, m.start()):
            continue  # "the first time in four years that it cut prices" is no price level
        if m["year"]:
            out.append(PhraseClaim("high_since", _high_since(m), m.start(), m.end()))
        elif published is not None and (n := parse_count(m["n"])) is not None and n <= 30:
            hedge = m["hedge"]
            qual = _HEDGE_NAME.get(" ".join(hedge.lower().split())) if hedge else None
            value = months_before(published, 12 * n)
            out.append(PhraseClaim("high_since", value, m.start(), m.end(), qual))
    for rx, words in _STREAK_RES if holds("week") else ():
        for m in rx.finditer_low(text, low) if holds(*words) else ():
            n = parse_count(re.sub(r"(?<=\d)(?:st|nd|rd|th)$", "", m["n"]))
            if n is not None and 1 < n < 60:
                out.append(PhraseClaim("win_streak_weeks", float(n), m.start(), m.end()))
    for m in _LIMIT_PHRASE_RE.finditer_low(text, low) if holds("limit", "stop") else ():
        out.append(PhraseClaim("return_pct", 10.0, m.start(), m.end(), "limit_up"))
    out.sort(key=lambda p: p.start)
    return out
