"""Dates and windows: time expressions in a sentence, resolved against the article's date.

Each expression found becomes a ``TimeExpr`` carrying what it means for a
claim: a ``window`` (the period a number covers: ``1d``, ``1w``, ``1m``,
``ytd``, ``2024``, ``2024H1``, ``2025Q2``, ``3y``) and/or a ``date`` (ISO
date, ``YYYY-MM`` or ``YYYY``). "On Wednesday" in an article of Thursday
2025-09-18 is ``1d`` on 2025-09-17; "this year" is ``ytd`` up to the article
date; "in the first half of 2024" is ``2024H1`` in ``2024``; "by 2031" is the
target year ``2031``; "three-year" or "over three years" is the duration
``3y``. Expressions that need the article date are skipped when it is unknown.

A period named without a year ("second-quarter", "Q2", "the June quarter",
"the three months to June", "first-half", "1H") is the latest such period
that has begun on or before the article date: in an article of 2025-08-29
"the second quarter" is 2025Q2 and "the fourth quarter" 2024Q4. A month
without a year ("in September", "late September", "on Sept. 17") is the
latest such month on or before the article date (a day up to a month ahead
is this year's). "So far in 2025" in a 2025 article is ``ytd``. An
expression after "since", "from", "than", "versus" or "compared with" is a
reference point ("its best day since early 2023") and never returned.

``kind`` tells the assembler which claims an expression may bind to: a day
or a week is a price move's window, a fiscal half is a spending window, a
duration is a plan's length, and so on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import repeat
from typing import Final, Literal

from themelens.news.extract.numbers import parse_count
from themelens.news.extract.scan import Folded, lower_pattern, lowered

__all__ = ["TimeExpr", "TimeKind", "find_time_exprs", "fiscal_to_calendar", "months_before"]

TimeKind = Literal[
    "since",
    "day",
    "overnight",
    "week",
    "month",
    "ytd",
    "year",
    "period",
    "duration",
    "average",
    "target",
    "point",
]

_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS: Final[dict[str, int]] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH_NAMES = r"January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
_MONTH = rf"(?P<month>{_MONTH_NAMES})\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_COUNT_WORDS = r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty"


def _count_group(name: str) -> str:
    return rf"(?P<{name}>{_COUNT_WORDS})"


_COUNT = _count_group("n")
_HALF = r"(?P<half>first|second|1st|2nd)[\s-]+half"
_QUARTER = r"(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+quarter"
_QHINTS: Final = ("q1", "q2", "q3", "q4", "1q", "2q", "3q", "4q")
_ORD: Final[dict[str, int]] = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4
}  # fmt: skip

_Q_END: Final = r"(?P<qm>March|June|September|December)"
_PATTERNS: Final[list[tuple[str, Folded, tuple[str, ...]]]] = [
    (name, Folded(rx), hints)
    for name, rx, hints in [
        ("quarter_ended", r"\b(?:(?:fiscal\s+)?(?:first|second|third|fourth|1st|2nd|3rd|4th)\s+)?(?:fiscal\s+)?quarter\s+(?:that\s+)?(?:ended|ending|to|through)\s+(?:the\s+end\s+of\s+)?" + _MONTH + r"(?:\s+\d{1,2})?(?:,?\s+" + _YEAR + r")?", ("quarter",)),
        ("ytd_before", r"\b(?:(?:so\s+far\s+)?this\s+year\s+)?before\s+" + _MONTH + r"(?:\s+(?:even\s+)?(?:began|begins|started|starts))?", ("#month",)),
        ("start_of_year", r"\bsince\s+the\s+(?:start|beginning)\s+of\s+" + _YEAR + r"\b", ("#year",)),
        ("estimate_year", r"\b" + _YEAR + r"E\b", ("#year",)),
        ("next_year", r"\bnext\s+year\b", ("next year",)),
        ("five_days", r"\b(?:over|in)\s+the\s+(?:past\s+|last\s+)?(?:five|5)\s+(?:trading\s+)?(?:days|sessions)\b", ("five", "5 ")),
        ("overnight", r"\bovernight\b", ("overnight",)),
        ("day_month", r"\b(?P<day>\d{1,2})\s+" + _MONTH + r"(?:\s+" + _YEAR + r")?\b", ("#monthword",)),
        ("same_period", r"\b(?:in|during|over)\s+the\s+same\s+(?:period|quarter|half)\s+(?:(?:of|in|a\s+year\s+earlier\s+in)\s+)?" + _YEAR, ("same",)),
        ("half", r"\b(?:in\s+|during\s+|for\s+)?(?:the\s+)?" + _HALF + r"\s+(?:of\s+)?(?:fiscal\s+(?:year\s+)?)?" + _YEAR, ("half",)),
        ("half_short", r"\b(?P<half2>H[12]|[12]H)\s?(?P<yy>(?:20)?\d\d)\b", ("h1", "h2", "1h", "2h")),
        ("quarter", r"\b(?:in\s+|during\s+|for\s+)?(?:the\s+)?" + _QUARTER + r"\s+(?:of\s+)?(?:(?:its|the|their)\s+)?(?:fiscal\s+(?:year\s+)?)?" + _YEAR, ("quarter",)),
        ("quarter_short", r"\b(?P<q2>Q[1-4]|[1-4]Q)\s?(?P<yy>(?:20)?\d\d)\b", _QHINTS),
        ("month_quarter", r"\b(?:in\s+|during\s+|for\s+)?the\s+(?:(?:January|April|July|October)\s*[-–]\s*)?" + _Q_END + r"\s+quarter\b", ("quarter",)),
        ("three_months", r"\b(?:in\s+|for\s+)?(?:the\s+)?three\s+months\s+(?:through|to|ended|ending|until)\s+(?:the\s+end\s+of\s+)?" + _Q_END + r"\b", ("three months",)),
        ("quarter_bare", r"\b(?:in\s+|during\s+|for\s+)?(?:the\s+)?(?:(?:latest|most\s+recent|fiscal)\s+)?" + _QUARTER + r"(?![\s-]+(?:of\s+)?(?:(?:its|the|their)\s+)?(?:fiscal\s+(?:year\s+)?)?(?:19|20)\d\d)", ("quarter",)),
        ("last_quarter", r"\b(?:(?:in|during|for)\s+)?(?:the\s+)?(?:last|previous|prior|latest|most\s+recent)\s+quarter\b", ("quarter",)),
        ("quarter_bare_short", r"(?<![\w-])(?P<q2>Q[1-4]|[1-4]Q)(?![\w-])", _QHINTS),
        ("half_bare", r"\b(?:in\s+|during\s+|for\s+)?(?:the\s+)?" + _HALF + r"\b(?![\s-]+(?:of\s+)?(?:fiscal\s+)?(?:19|20)\d\d)", ("half",)),
        ("half_bare_short", r"(?<![\w-])(?P<half2>H[12]|[12]H)(?![\w-])", ("h1", "h2", "1h", "2h")),
        ("fiscal", r"\b(?:FY\s?|fiscal\s+(?:year\s+)?|full[\s-]year\s+(?:of\s+)?)(?P<fy>(?:20)?\d\d)\b", ("fy", "fiscal", "full")),
        ("so_far_in", r"\bso\s+far\s+in\s+" + _YEAR + r"\b", ("so far",)),
        ("full_date", r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR, ("#monthword",)),
        ("since_month", r"\bsince\s+(?:(?P<part>early|mid|late)[\s-]+)?" + _MONTH + r"(?!\w)(?![.,]?\s*(?:\d|of\s+\d))", ("#monthword",)),
        ("month_year", r"\b(?:in\s+|since\s+|from\s+)?" + _MONTH + r"\s+(?:of\s+)?" + _YEAR, ("#monthword",)),
        ("month_day", r"\b(?:on\s+)?" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?![.,]?\d)", ("#monthword",)),
        ("part_month", r"\b(?:in\s+)?(?P<part>early|mid|late)[\s-]+" + _MONTH + r"(?!\w)", ("#monthword",)),
        ("month", r"\b(?:in|during|for|through|throughout)\s+" + _MONTH + r"(?!\w)(?:\s+alone)?", ("#monthword",)),
        ("early_year", r"\b(?:as\s+of\s+|in\s+|by\s+)?(?:early|mid|late)[\s-]+" + _YEAR, ("#year",)),
        ("target", r"\b(?:by|through|until)\s+(?:the\s+end\s+of\s+)?" + _YEAR + r"\b", ("#year",)),
        ("year", r"\b(?:in|for|from|of|during)\s+(?:fiscal\s+)?" + _YEAR + r"\b(?!\s*(?:peak|high|low)\b)", ("#year",)),
        ("year_poss", r"(?<![\w$])" + _YEAR + r"(?:’|')s\b", ("#year",)),
        ("weekday", r"\b(?:on\s+|last\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:(?:’|')s)?\b", ("day",)),
        ("today", r"\b(?:today|on\s+the\s+day|in\s+(?:a\s+)?(?:single|one)\s+(?:day|session)|intraday|in\s+(?:a\s+)?single\s+trading\s+day|on\s+the\s+session)\b", ("day", "session")),
        ("yesterday", r"\byesterday\b", ("yesterday",)),
        ("nth_day", r"\bon\s+the\s+(?P<nth>[12]?\d|3[01])(?:st|nd|rd|th)\b(?!\s+(?:day|session|week|month|year|time|straight|consecutive|anniversary|floor)\b)", ("st", "nd", "rd", "th")),
        ("this_week", r"\b(?:this(?:\s+past)?|the\s+past|over\s+the(?:\s+past)?|for\s+the|on\s+the)\s+week\b(?!\s+(?:before|earlier|ago))|\bweek[\s-]to[\s-]date\b|\b(?:ended|ending|finished|closed)\s+the\s+week\b", ("week",)),
        ("last_week", r"\blast\s+week\b", ("week",)),
        ("earlier_month", r"\b(?:earlier|later)\s+this\s+month\b", ("month",)),
        ("this_month", r"\b(?:this(?:\s+past)?|the\s+past)\s+month\b|\bmonth[\s-]to[\s-]date\b", ("month",)),
        ("last_month", r"\blast\s+month\b", ("month",)),
        ("earlier_year", r"\b(?:earlier|later)\s+this\s+year\b", ("year",)),
        ("ytd", r"\b(?:so\s+far\s+)?this\s+year\b|\byear[\s-]to[\s-]date\b|\bYTD\b|\bsince\s+the\s+(?:start|beginning)\s+of\s+(?:the\s+|this\s+)?year\b", ("year", "ytd")),
        ("last_year", r"\blast\s+year\b", ("year",)),
        ("average", r"\b" + _COUNT + r"[\s-]+year\s+(?:historical\s+)?average\b", ("year",)),
        ("duration", r"\b(?:over|within|across|in)\s+(?:the\s+)?(?:next|coming|following)\s+" + _count_group("n1") + r"\s+years\b|\bover\s+" + _count_group("n2") + r"\s+years\b|\b" + _count_group("n3") + r"[\s-]+year\b(?![\s-]+(?:high|low|average|old|peak))", ("year",)),
    ]
]  # fmt: skip
_MONTH_HINTS: Final = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"
)  # fmt: skip
_HINTS: Final = frozenset(h for _, _, hints in _PATTERNS for h in hints if h[0] != "#")
_MONTH_HINT_RE: Final = re.compile("|".join(_MONTH_HINTS))  # one of them in the lowered text
_NARROW: Final[dict[str, tuple[str, ...]]] = {
    "nth_day": ("#nth",),
    "earlier_year": ("earlier", "later"),
    "earlier_month": ("earlier", "later"),
    "last_year": ("last",),
    "last_month": ("last",),
    "last_week": ("last",),
    "average": ("average",),
    "ytd_before": ("before",),
    "start_of_year": ("since",),
    "early_year": ("early", "mid", "late"),
    "target": ("by", "through", "until"),
    "year_poss": ("'s", "’s"),
}
"""Hints that a pattern run case-sensitively on the ``lowered`` text needs, narrower than the
ones it has in ``_PATTERNS`` (which also serve its ``IGNORECASE`` run on the text as written,
where "ſ" matches "s"): a literal every match holds ("#nth": a digit and "st", "nd", "rd" or
"th")."""
_NTH_RE: Final = re.compile(r"\d(?:st|nd|rd|th)")


def _order(narrow: bool) -> dict[str, tuple[int, ...]]:
    """Hint → the indices of the patterns it lets run."""
    out: dict[str, list[int]] = {}
    for k, (name, _, hints) in enumerate(_PATTERNS):
        for h in _NARROW.get(name, hints) if narrow else hints:
            out.setdefault(h, []).append(k)
    return {h: tuple(ks) for h, ks in out.items()}


_SCAN_ORDER: Final = _order(narrow=False)
_NARROW_ORDER: Final = _order(narrow=True)
_NARROW_KEYS: Final = tuple(h for h in _NARROW_ORDER if h[0] != "#")
"""The words the case-sensitive run looks for in the lowered text: ``_NARROW_ORDER``'s."""
_QUARTER_NAMES: Final = frozenset(
    {"quarter", "quarter_short", "quarter_bare", "quarter_bare_short"}
)
_YEAR_RE: Final = re.compile(r"(?:19|20)\d\d")
_MONTH_WORD_RE: Final = re.compile(rf"\b(?:{lower_pattern(_MONTH_NAMES)})(?!\w)")
"""A month's name as a whole word, on the lowered text: the hint of the patterns ("#monthword")
in which a month's name stands between word boundaries ("mar" in "market" is none)."""
_SUPERLATIVE_RE: Final = re.compile(
    r"\b(?:most|biggest|largest|best|worst|highest|lowest|steepest|sharpest|strongest|weakest|"
    r"first\s+time)\b[^.;]*$",
    re.IGNORECASE,
)
_FORECAST_RE: Final = re.compile(
    r"\b(?:sees|expects?|forecasts?|guides?|guidance|outlook|projects?|will|estimates?)\b",
    re.IGNORECASE,
)
_FISCAL_RE: Final = re.compile(r"fiscal|\bFY", re.IGNORECASE)
_OF_FISCAL_RE: Final = re.compile(
    r"\s+of\s+(?:its|the|their|the\s+company['’]s)\s+fiscal\b", re.IGNORECASE
)
_SINCE_RE: Final = Folded(  # "since early 2023", "up from the first quarter": reference points
    r"\b(?:since|from|than|versus|vs\.?|compared\s+(?:with|to)|against)\s+$"
)


@dataclass(frozen=True)
class TimeExpr:
    """A time expression at ``start``/``end`` in the sentence it was found in."""

    kind: TimeKind
    start: int
    end: int
    window: str | None = None
    date: str | None = None
    fiscal: bool = False  # a company's fiscal quarter ("its fiscal first quarter"), unmapped
    explicit_year: bool = False  # the year was written, not inferred from the article date


def fiscal_to_calendar(expr: TimeExpr, fiscal_year_end: int, published: date | None) -> TimeExpr:
    """A fiscal quarter as the calendar quarter it covers (spec: quarters are calendar quarters).

    Fiscal quarter ``n`` of a year ending in month ``fiscal_year_end`` starts in
    month ``fiscal_year_end + 1 + 3(n-1)``; without a year written, it is the
    latest such quarter begun by the article date.
    """
    if not expr.fiscal or expr.window is None or "Q" not in expr.window or fiscal_year_end == 12:
        return expr
    year, num = int(expr.window[:4]), int(expr.window[-1])
    start = (fiscal_year_end + 3 * (num - 1)) % 12 + 1
    cal = (start - 1) // 3 + 1
    if published is not None and expr.date == str(year) and not expr.explicit_year:
        year = _started(published, start)
    elif start > fiscal_year_end:
        year -= 1  # fiscal 2026 for a March year end begins in April 2025
    return replace(expr, window=f"{year}Q{cal}", date=str(year), fiscal=False)


def months_before(published: date, months: int) -> str:
    """``YYYY-MM`` of the month ``months`` before ``published`` (a "four-year high" is 48)."""
    total = published.year * 12 + published.month - 1 - months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


def _count(text: str) -> int | None:
    return parse_count(text)


def _started(published: date, month: int) -> int:
    """The year of the most recent period starting in ``month`` that has begun by ``published``."""
    return published.year if month <= published.month else published.year - 1


def _resolve(
    name: str, m: re.Match[str], published: date | None, forecast: bool = False
) -> tuple[TimeKind, str | None, str | None] | None:
    """(kind, window, date) of one match, or None when it needs a date we lack."""
    g = m.groupdict()
    if name == "same_period":
        return "period", f"{g['year']}*", g["year"]
    if name in ("half", "half_short", "half_bare", "half_bare_short"):
        half = g.get("half") or g["half2"]
        num = 1 if "1" in half or half.lower() == "first" else 2
        if g.get("year") or g.get("yy"):
            year = _year(g.get("year") or g["yy"])
        elif published is None:
            return None
        else:
            year = _started(published, 6 * num - 5)
        return "period", f"{year}H{num}", str(year)
    if name in ("quarter", "quarter_short", "quarter_bare", "quarter_bare_short"):
        q = g.get("q") or g["q2"]
        num = _ORD.get(q.lower(), 0) or int(q.strip("Qq"))
        if g.get("year") or g.get("yy"):
            year = _year(g.get("year") or g["yy"])
        elif published is None:
            return None
        elif forecast and 3 * num >= published.month:  # "sees 4Q revenue up 18%": this year's
            year = published.year
        else:
            year = _started(published, 3 * num - 2)
        return "period", f"{year}Q{num}", str(year)
    if name == "last_quarter":
        if published is None:
            return None
        total = published.year * 4 + (published.month - 1) // 3 - 1  # the quarter before this one
        return "period", f"{total // 4}Q{total % 4 + 1}", str(total // 4)
    if name in ("month_quarter", "three_months"):
        if published is None:
            return None
        num = {"march": 1, "june": 2, "september": 3, "december": 4}[g["qm"].lower()]
        year = _started(published, 3 * num - 2)
        return "period", f"{year}Q{num}", str(year)
    if name == "quarter_ended":
        month = _MONTHS[g["month"].lower()]
        num = (month - 1) // 3 + 1
        if g.get("year"):
            year = int(g["year"])
        elif published is None:
            return None
        else:
            year = _started(published, 3 * num - 2)
        return "period", f"{year}Q{num}", str(year)
    if name == "ytd_before":  # "before October" is the year to the end of September
        if published is None:
            return None
        month = _MONTHS[g["month"].lower()]
        return "ytd", "ytd", months_before(date(published.year, month, 1), 1)
    if name == "start_of_year":
        if published is not None and int(g["year"]) == published.year:
            return "ytd", "ytd", published.isoformat()
        return None
    if name == "estimate_year":
        return "year", g["year"], g["year"]
    if name == "day_month":
        if published is None:
            return None
        month = _MONTHS[g["month"].lower()]
        year = int(g["year"]) if g.get("year") else published.year
        try:
            day = date(year, month, int(g["day"]))
        except ValueError:
            return None
        if not g.get("year") and day > published + timedelta(days=31):
            day = day.replace(year=day.year - 1)
        return "point", None, day.isoformat()
    if name == "fiscal":
        year = _year(g["fy"])
        return "year", str(year), str(year)
    if name == "so_far_in":
        if published is None or int(g["year"]) != published.year:
            return "year", g["year"], g["year"]
        return "ytd", "ytd", published.isoformat()
    if name == "full_date":
        day = date(int(g["year"]), _MONTHS[g["month"].lower()], int(g["day"]))
        return "point", None, day.isoformat()
    if name == "since_month":  # spec: "since October" has no window, dated to the article's month
        return ("since", None, published.isoformat()[:7]) if published is not None else None
    if name == "month_year":
        if m.group(0).lower().startswith("since"):
            return None  # "since November 2021" is a reference point, not when a thing happened
        return "point", None, f"{g['year']}-{_MONTHS[g['month'].lower()]:02d}"
    if name in ("month_day", "part_month", "month"):
        return _month(name, g, published)
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
        return ("average" if name == "average" else "duration"), f"{n}y", None
    return _relative(name, m, published)


def _month(
    name: str, g: dict[str, str], published: date | None
) -> tuple[TimeKind, str | None, str | None] | None:
    """A month named without a year: the latest such month on or before the article date.

    "On Sept. 17" is that day (a day up to a month after the article date is
    read as this year's); "late September" is the month; "in September" is
    the month as a ``1m`` window.
    """
    if published is None:
        return None
    month = _MONTHS[g["month"].lower()]
    if name == "month_day":
        try:
            day = date(published.year, month, int(g["day"]))
        except ValueError:
            return None
        if day > published + timedelta(days=31):
            day = day.replace(year=day.year - 1)
        return "point", None, day.isoformat()
    ym = f"{_started(published, month):04d}-{month:02d}"
    return ("point", None, ym) if name == "part_month" else ("month", "1m", ym)


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
    if name == "next_year":
        return "year", str(published.year + 1), str(published.year + 1)
    if name == "five_days":
        return "week", "1w", published.isoformat()
    if name == "overnight":  # the US session before an Asian morning's article
        return "overnight", "1d", (published - timedelta(days=1)).isoformat()
    if name == "yesterday":
        return "day", "1d", (published - timedelta(days=1)).isoformat()
    if name == "nth_day":  # "on the 10th": that day of this month, else of the month before
        nth = int(m["nth"])
        first = published.replace(day=1)
        month_start = first if nth <= published.day else (first - timedelta(days=1)).replace(day=1)
        try:
            return "day", "1d", month_start.replace(day=nth).isoformat()
        except ValueError:
            return None
    if name == "this_week":
        return "week", "1w", published.isoformat()
    if name == "last_week":
        return "week", "1w", (published - timedelta(days=7)).isoformat()
    if name == "this_month":
        return "month", "1m", published.isoformat()[:7]
    if name == "earlier_month":
        return "point", None, published.isoformat()[:7]
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
    folded = lowered(text)  # the patterns run on it (``scan.Folded``); ``_resolve`` is case-blind
    low = text.lower() if folded is None else folded
    hints = _HINTS if folded is None else _NARROW_KEYS  # ``h in low`` for each, in one C loop
    present = set(filter(low.__contains__, hints))
    if _YEAR_RE.search(text) is not None:
        present.add("#year")
    if _MONTH_HINT_RE.search(low) is not None:
        present.add("#month")
        if folded is None or _MONTH_WORD_RE.search(folded) is not None:
            present.add("#monthword")
    if folded is None:
        scans = _SCAN_ORDER  # a pattern runs as IGNORECASE: only the broad hints are safe
    else:
        if _NTH_RE.search(folded) is not None:
            present.add("#nth")
        scans = _NARROW_ORDER
    forecast: bool | None = None  # read only for a quarter named without a year
    for k in sorted(set().union(*map(scans.get, present, repeat(())))):  # the hints' patterns
        name, rx, _ = _PATTERNS[k]
        for m in rx.finditer_low(text, folded):
            if taken and any(m.start() < e and s < m.end() for s, e in taken):
                continue
            since = name != "ytd" and _SINCE_RE.search_low(
                text, folded, max(0, m.start() - 14), m.start()
            )
            if since:  # "since early 2023", "up from the first quarter": references
                taken.append(m.span())
                continue
            if name == "since_month" and _SUPERLATIVE_RE.search(
                text, max(0, m.start() - 40), m.start()
            ):
                taken.append(m.span())  # "the most since March": a comparison, not a window
                continue
            if forecast is None and name in _QUARTER_NAMES:
                forecast = _FORECAST_RE.search(text) is not None
            resolved = _resolve(name, m, published, bool(forecast))
            if resolved is None:
                continue
            kind, window, when = resolved
            fiscal = (
                name.startswith("quarter")
                and name != "quarter_ended"
                and bool(
                    _FISCAL_RE.search(text, max(0, m.start() - 8), m.end())
                    or _OF_FISCAL_RE.match(text, m.end())
                )
            )
            groups = m.groupdict()
            explicit = bool(groups.get("year") or groups.get("yy"))
            found.append(TimeExpr(kind, m.start(), m.end(), window, when, fiscal, explicit))
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
