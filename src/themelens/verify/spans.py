"""Which stretch of the tape a price move covers: the day, a rolling window, or a named period.

A claim's window says how far back the move is measured. The rolling ones
(``1w``, ``1m``, ``ytd``) are columns of the rally panel; a calendar period
(``2024``, ``2025Q2``, ``2025H1``) and "since October" (window null in the
spec, the month named in the quote) are measured here from the last close
before the period starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

import pandas as pd

__all__ = ["Period", "period_of", "since_month", "stated_window"]

_MONTHS: Final = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_SINCE_RE: Final = re.compile(
    r"(?<!high )(?<!highest )(?<!level )\bsince\s+(?:(?:early|late|mid)[-\s]+)?"
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December)"
    r"(?:,?\s+(?P<year>(?:19|20)\d\d))?",
    re.IGNORECASE,
)
_PERIOD_RE: Final = re.compile(r"^(?P<year>\d{4})(?:(?P<half>H[12])|(?P<quarter>Q[1-4]))?$")
_WINDOW_WORDS_RE: Final = re.compile(
    r"\b(?:week|weekly|month|monthly|year|yearly|annual|ytd|year-to-date|so\s+far|since|"
    r"quarter|sessions?|days|fortnight|rally|run|streak|january|february|march|april|june|july|"
    r"august|september|october|november|december|20\d\d)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Period:
    """A calendar stretch a move is measured over: from the last close before ``start``."""

    label: str
    start: date
    end: date


def period_of(window: str | None) -> Period | None:
    """``2024`` → the year, ``2025Q2`` → April–June, ``2025H1`` → January–June; else None."""
    m = _PERIOD_RE.match(window or "")
    if m is None:
        return None
    year = int(m["year"])
    if m["quarter"]:
        q = int(m["quarter"][1])
        first = date(year, 3 * q - 2, 1)
        last = (pd.Timestamp(first) + pd.offsets.QuarterEnd(0)).date()
    elif m["half"]:
        h = int(m["half"][1])
        first = date(year, 6 * h - 5, 1)
        last = date(year, 6 * h, 30 if h == 1 else 31)
    else:
        first, last = date(year, 1, 1), date(year, 12, 31)
    return Period(window or "", first, last)


def since_month(quote: str, session: date) -> Period | None:
    """ "Since October" in ``quote``: the stretch from the last October before ``session``."""
    m = _SINCE_RE.search(quote)
    if m is None:
        return None
    month = _MONTHS.index(m["month"].lower()) + 1
    year = session.year if month <= session.month else session.year - 1
    if m["year"]:
        year = int(m["year"])
    return Period(f"since {date(year, month, 1):%Y-%m}", date(year, month, 1), session)


def stated_window(quote: str) -> bool:
    """Whether the quote itself names a span (a week, a month, "so far this year", a year).

    A multi-day window the extractor took from the article's context rather
    than the sentence is a reading, not the text; verify says so when the
    tape disagrees with it and agrees with the day.
    """
    return bool(_WINDOW_WORDS_RE.search(quote))
