"""Publication dates: parsing a header value, and finding the dateline at the top of a text.

A dateline is a line near the top that is a date and nothing else
("September 18, 2025", "Published: Sep 17, 2025 10:30 AM ET"), or a wire
dateline ("HONG KONG, Sept. 18 (Reuters) -"). Only the first few lines are
looked at, so a date mentioned in the body ("a bond spree in September
2025") is never taken for the publication date. A wire dateline without a
year takes the year that puts the date closest before the reference day.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Final, NamedTuple

__all__ = ["Dateline", "find_dateline", "parse_date_value"]

_MONTHS: Final = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_FULL: Final = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MON = r"(?P<mon>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*)\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_WEEKDAY = r"(?:(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)[a-z]*\.?,?\s+)?"
_MDY = rf"{_MON}\s+{_DAY}(?:,?\s+{_YEAR})?"
_DMY = rf"{_DAY}\s+{_MON},?\s+{_YEAR}"
_ISO = r"(?P<iso>(?:19|20)\d{2}-\d{2}-\d{2})"
_TIME = r"(?:\s*(?:[,|·•-]\s*)?(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?"
_PREFIX = r"(?:(?:published|posted|updated|last updated|date|first published)(?:\s+on)?\s*:?\s*)?"

_DATE_LINE = [
    re.compile(rf"^{_PREFIX}{_WEEKDAY}(?:{pat}){_TIME}\s*$", re.I) for pat in (_MDY, _DMY, _ISO)
]
_WIRE = re.compile(
    rf"^(?:[A-Z][A-Za-z.' ]{{1,40}}(?:,\s*[A-Z][A-Za-z.' ]{{1,30}})?,\s*)?{_WEEKDAY}{_MDY}"
    r"\s*(?:\((?P<agency>[^)]{2,40})\))?\s*[-–—]{1,2}\s*\S"
)
_MAX_LINES: Final = 8


class Dateline(NamedTuple):
    """A publication date read from the text, and the agency a wire dateline names."""

    published: date
    agency: str | None = None


_LEADING_TIME = re.compile(
    r"^(?:(?:published|posted|updated|date|first published)(?:\s+on)?\s*:?\s*)?"
    r"\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?\s*[,|·•-]?\s*",
    re.I,
)
_NUMERIC = re.compile(r"(?P<y>(?:19|20)\d{2})[/.](?P<m>\d{1,2})[/.](?P<d>\d{1,2})\b")


def parse_date_value(value: str, *, reference: date | None = None) -> date | None:
    """A header's date, in the forms news sites print.

    ISO (``2025-09-18``, also with a time), ``2025/09/18``, ``September 18,
    2025``, ``18 Sept 2025``, with a weekday, a leading or trailing time and
    zone ("10:03, September 17, 2025", "Sep 17, 2025 4:12 pm HKT"), and only
    the first of several stamps ("... | Updated: 18:03, September 17, 2025").
    None when no date can be read.
    """
    text = value.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    first = _LEADING_TIME.sub("", text.split("|")[0].strip()).strip(" ,")
    for candidate in (text, first):
        for pattern in _DATE_LINE:
            m = pattern.match(candidate)
            if m:
                return _to_date(m, reference or date.today())
    if m := _NUMERIC.match(first):
        return _make(int(m["y"]), int(m["m"]), int(m["d"]))
    return None


def find_dateline(text: str, *, reference: date) -> Dateline | None:
    """The dateline among the first non-empty lines of ``text``, if there is one.

    ``reference`` (normally the day the article was fetched) supplies the year
    when the dateline has none; a date after it is not a publication date.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:_MAX_LINES]
    for line in lines:
        if len(line) <= 80:
            for pattern in _DATE_LINE:
                m = pattern.match(line)
                if m and (d := _to_date(m, reference)) is not None:
                    return Dateline(d)
        m = _WIRE.match(line)
        if m and (m.group("agency") or m.start("mon") > 0):
            d = _to_date(m, reference)
            if d is not None:
                agency = m.group("agency")
                return Dateline(d, agency.strip() if agency else None)
    return None


def _to_date(m: re.Match[str], reference: date) -> date | None:
    groups = m.groupdict()
    if groups.get("iso"):
        try:
            found = date.fromisoformat(groups["iso"])
        except ValueError:
            return None
        return found if found <= reference + timedelta(days=1) else None
    month = _month(groups["mon"])
    if month is None:
        return None
    day = int(groups["day"])
    if groups.get("year"):
        return _make(int(groups["year"]), month, day)
    for year in (reference.year, reference.year - 1):
        candidate = _make(year, month, day)
        if candidate is not None and candidate <= reference + timedelta(days=1):
            return candidate
    return None


def _month(token: str) -> int | None:
    word = token.lower().rstrip(".")
    if word == "sept":
        return 9
    number = _MONTHS.get(word[:3])
    if number is None or not _FULL[number - 1].startswith(word):
        return None
    return number


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return datetime(year, month, day).date()
    except ValueError:
        return None
