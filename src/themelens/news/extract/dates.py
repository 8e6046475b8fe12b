"""Dates and windows: time expressions in a sentence, resolved against the article's date.

Each expression found becomes a ``TimeExpr`` carrying what it means for a
claim: a ``window`` (the period a number covers: ``1d``, ``1w``, ``1m``,
``ytd``, ``2024``, ``2024H1``, ``2025Q2``, ``3y``) and/or a ``date`` (ISO
date, ``YYYY-MM`` or ``YYYY``). "On Wednesday" in an article of Thursday
2025-09-18 is ``1d`` on 2025-09-17; "this year" is ``ytd`` up to the article
date; "in the first half of 2024" is ``2024H1`` in ``2024``; "by 2031" is the
target year ``2031``; "three-year" or "over three years" is the duration
``3y``. Expressions that need the article date are skipped when it is unknown.

``kind`` tells the assembler which claims an expression may bind to: a day
or a week is a price move's window, a fiscal half is a spending window, a
duration is a plan's length, and so on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from themelens.news.extract.numbers import parse_count

__all__ = ["TimeExpr", "TimeKind", "find_time_exprs", "months_before"]

TimeKind = Literal["day", "week", "month", "ytd", "year", "period", "duration", "target", "point"]

_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS: Final[dict[str, int]] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_COUNT_WORDS = r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty"


def _count_group(name: str) -> str:
    return rf"(?P<{name}>{_COUNT_WORDS})"


_COUNT = _count_group("n")
_HALF = r"(?P<half>first|second|1st|2nd)[\s-]+half"
_QUARTER = r"(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+quarter"
_ORD: Final[dict[str, int]] = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4
}  # fmt: skip

_PATTERNS: Final[list[tuple[str, re.Pattern[str]]]] = [
    (name, re.compile(rx, re.IGNORECASE))
    for name, rx in [
        ("same_period", r"\b(?:in|during|over)\s+the\s+same\s+(?:period|quarter|half)\s+(?:(?:of|in|a\s+year\s+earlier\s+in)\s+)?" + _YEAR),
        ("half", r"\b(?:in\s+|during\s+|for\s+)?(?:the\s+)?" + _HALF + r"\s+(?:of\s+)?(?:fiscal\s+(?:year\s+)?)?" + _YEAR),
        ("half_short", r"\b(?P<half2>H[12]|[12]H)\s?(?P<yy>(?:20)?\d\d)\b"),
        ("quarter", r"\b(?:in\s+|during\s+|for\s+)?(?:the\s+)?" + _QUARTER + r"\s+(?:of\s+)?(?:fiscal\s+(?:year\s+)?)?" + _YEAR),
        ("quarter_short", r"\b(?P<q2>Q[1-4]|[1-4]Q)\s?(?P<yy>(?:20)?\d\d)\b"),
        ("month_quarter", r"\b(?:in\s+|during\s+|for\s+)?the\s+(?P<qm>March|June|September|December)\s+quarter\b"),
        ("fiscal", r"\b(?:FY\s?|fiscal\s+(?:year\s+)?)(?P<fy>(?:20)?\d\d)\b"),
        ("full_date", r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR),
        ("month_year", r"\b(?:in\s+|since\s+|from\s+)?" + _MONTH + r"\s+(?:of\s+)?" + _YEAR),
        ("early_year", r"\b(?:as\s+of\s+|in\s+|by\s+)?(?:early|mid|late)[\s-]+" + _YEAR),
        ("target", r"\b(?:by|through|until)\s+(?:the\s+end\s+of\s+)?" + _YEAR + r"\b"),
        ("year", r"\b(?:in|for|from|of|during)\s+(?:fiscal\s+)?" + _YEAR + r"\b(?!\s*(?:peak|high|low)\b)"),
        ("year_poss", r"(?<![\w$])" + _YEAR + r"(?:’|')s\b"),
        ("weekday", r"\b(?:on\s+|last\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:(?:’|')s)?\b"),
        ("today", r"\b(?:today|on\s+the\s+day|in\s+(?:a\s+)?(?:single|one)\s+(?:day|session)|intraday|in\s+(?:a\s+)?single\s+trading\s+day|on\s+the\s+session)\b"),
        ("yesterday", r"\byesterday\b"),
        ("this_week", r"\b(?:this|the\s+past|over\s+the)\s+week\b|\bweek[\s-]to[\s-]date\b"),
        ("last_week", r"\blast\s+week\b"),
        ("this_month", r"\b(?:this|the\s+past)\s+month\b|\bmonth[\s-]to[\s-]date\b"),
        ("last_month", r"\blast\s+month\b"),
        ("earlier_year", r"\b(?:earlier|later)\s+this\s+year\b"),
        ("ytd", r"\b(?:so\s+far\s+)?this\s+year\b|\byear[\s-]to[\s-]date\b|\bYTD\b|\bsince\s+the\s+(?:start|beginning)\s+of\s+(?:the\s+|this\s+)?year\b"),
        ("last_year", r"\blast\s+year\b"),
        ("average", r"\b" + _COUNT + r"[\s-]+year\s+(?:historical\s+)?average\b"),
        ("duration", r"\b(?:over|within|across|in)\s+(?:the\s+)?(?:next|coming|following)\s+" + _count_group("n1") + r"\s+years\b|\bover\s+" + _count_group("n2") + r"\s+years\b|\b" + _count_group("n3") + r"[\s-]+year\b(?![\s-]+(?:high|low|average|old|peak))"),
    ]
]  # fmt: skip


@dataclass(frozen=True)
class TimeExpr:
    """A time expression at ``start``/``end`` in the sentence it was found in."""

    kind: TimeKind
    start: int
    end: int
    window: str | None = None
    date: str | None = None


def months_before(published: date, months: int) -> str:
    """``YYYY-MM`` of the month ``months`` before ``published`` (a "four-year high" is 48)."""
    total = published.year * 12 + published.month - 1 - months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


def _count(text: str) -> int | None:
    return parse_count(text)


def _resolve(
    name: str, m: re.Match[str], published: date | None
) -> tuple[TimeKind, str | None, str | None] | None:
    """(kind, window, date) of one match, or None when it needs a date we lack."""
    g = m.groupdict()
    if name == "same_period":
        return "period", f"{g['year']}*", g["year"]
    if name in ("half", "half_short"):
        year = _year(g.get("year") or g["yy"])
        half = g.get("half") or g["half2"]
        return "period", f"{year}H{1 if '1' in half or half.lower() == 'first' else 2}", str(year)
    if name in ("quarter", "quarter_short"):
        year = _year(g.get("year") or g["yy"])
        q = g.get("q") or g["q2"]
        num = _ORD.get(q.lower(), 0) or int(q.strip("Qq"))
        return "period", f"{year}Q{num}", str(year)
    if name == "month_quarter":
        if published is None:
            return None
        num = {"march": 1, "june": 2, "september": 3, "december": 4}[g["qm"].lower()]
        year = published.year if num * 3 <= published.month + 1 else published.year - 1
        return "period", f"{year}Q{num}", str(year)
    if name == "fiscal":
        year = _year(g["fy"])
        return "year", str(year), str(year)
    if name == "full_date":
        day = date(int(g["year"]), _MONTHS[g["month"].lower()], int(g["day"]))
        return "point", None, day.isoformat()
    if name == "month_year":
        if m.group(0).lower().startswith("since"):
            return None  # "since November 2021" is a reference point, not when a thing happened
        return "point", None, f"{g['year']}-{_MONTHS[g['month'].lower()]:02d}"
    if name in ("early_year", "year_poss"):
        return "point", None, g["year"]
    if name == "target":
        return "target", g["year"], g["year"]
    if name == "year":
        return "year", g["year"], g["year"]
    if name in ("average", "duration"):
        n = _count(g.get("n") or next(v for k, v in g.items() if k.startswith("n") and v))
        if n is None:
            return None
        return "duration", f"{n}y", None
    return _relative(name, m, published)


def _relative(
    name: str, m: re.Match[str], published: date | None
) -> tuple[TimeKind, str | None, str | None] | None:
    if published is None:
        return None
    if name == "weekday":
        wanted = _WEEKDAYS.index(m["wd"].lower())
        back = (published.weekday() - wanted) % 7
        if m.group(0).lower().startswith("last") and back == 0:
            back = 7
        return "day", "1d", (published - timedelta(days=back)).isoformat()
    if name == "today":
        return "day", "1d", published.isoformat()
    if name == "yesterday":
        return "day", "1d", (published - timedelta(days=1)).isoformat()
    if name == "this_week":
        return "week", "1w", published.isoformat()
    if name == "last_week":
        return "week", "1w", (published - timedelta(days=7)).isoformat()
    if name == "this_month":
        return "month", "1m", published.isoformat()[:7]
    if name == "last_month":
        return "month", "1m", months_before(published, 1)
    if name == "ytd":
        return "ytd", "ytd", published.isoformat()
    if name == "earlier_year":
        return "point", None, str(published.year)
    if name == "last_year":
        return "year", str(published.year - 1), str(published.year - 1)
    return None


def find_time_exprs(text: str, published: date | None) -> list[TimeExpr]:
    """Time expressions in ``text`` (one sentence), non-overlapping, in order of position.

    Patterns are tried from the most specific ("the first half of 2024") to
    the least ("in 2024"), and a later pattern never claims text an earlier
    one already took. A "same period in 2023" takes its half or quarter from
    the other period of the sentence ("2024H1" → "2023H1").
    """
    found: list[TimeExpr] = []
    taken: list[tuple[int, int]] = []
    for name, rx in _PATTERNS:
        for m in rx.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            resolved = _resolve(name, m, published)
            if resolved is None:
                continue
            kind, window, when = resolved
            found.append(TimeExpr(kind, m.start(), m.end(), window, when))
            taken.append(m.span())
    found.sort(key=lambda t: t.start)
    return [_same_period(t, found) for t in found]


def _same_period(expr: TimeExpr, found: list[TimeExpr]) -> TimeExpr:
    if expr.window is None or not expr.window.endswith("*"):
        return expr
    year = expr.window[:-1]
    others = [t.window for t in found if t.window and t.window[:4].isdigit() and len(t.window) == 6]
    window = f"{year}{others[0][4:]}" if others else year
    return TimeExpr("period", expr.start, expr.end, window, expr.date)
