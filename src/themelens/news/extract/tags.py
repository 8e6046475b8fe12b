"""Ticker tags: the decoration a page puts after a company's name, taken out before reading.

Pages tag names with their listings in many ways: "Alibaba-W (09988)",
"Baidu (NASDAQ:BIDU)", "Tencent (00700.HK)", "(BIDU US / 9888 HK)", glued
"AlibabaBABA--", an empty "Alibaba's (NYSE:)". The spec calls a tag
decoration: it says nothing about the claim, yet it splits a name from its
verb ("Baidu's (09888.HK) Hong Kong shares"), hides a name from the alias
match ("BaiduBIDU--") and breaks a list of names. So extraction reads a text
with the tags removed, and ``Untagged.original`` maps its offsets back, so
quotes are still copied exactly from the article as published.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Final

__all__ = ["Untagged", "strip_tags"]

_EXCHANGE = (
    r"(?:NASDAQ|Nasdaq|NYSE|HKEX|HKG|SEHK|HK|SHA|SHE|SSE|SZSE|SH|SZ|US|OTC|OTCMKTS|TYO|KRX|"
    r"SGX|LSE|XETRA|Frankfurt|HKSE)"
)
_CODE = (
    r"(?:\d{3,6}(?:\.(?:HK|SS|SZ|SH|T|KS))?(?:\s+(?:HK|CH|C1|C2|US))?"
    r"|[A-Z]{1,5}(?:\.(?:HK|US|N|O))?(?:\s+(?:US|HK))?)"
)
_ONE_TAG = rf"(?:{_EXCHANGE}\s*:\s*{_CODE}|{_EXCHANGE}\s*:|{_CODE})"
_TAG_RE: Final = re.compile(
    rf"[ \t]*\(\s*{_ONE_TAG}(?:\s*[/,;|]\s*{_ONE_TAG})*\s*\)"  # "(NASDAQ:BIDU)", "(9988 HK / BABA US)"
    r"|(?<=[a-z])[A-Z]{2,5}--(?!\w)"  # "AlibabaBABA--"
    r"|(?<=[A-Za-z])-S?W\b(?!-)"  # "Alibaba-W", "BIDU-SW": HKEX weighted-voting markers
)
_HINT_RE: Final = re.compile(r"\(|--|-S?W\b")
"""Where a tag can start; the full pattern is tried only around these (a literal scan)."""
"""One tag. A code must look like a ticker, so "(+1.5%)", "($53 billion)" or "(AI)" stay:
an all-capital word in brackets is a tag only when it is 1 to 5 letters and not a word
the theme reads ("AI" is kept below)."""
_KEEP: Final = frozenset({"AI", "US", "UK", "EU", "IPO", "ETF", "GPU", "GDP", "CEO", "EV", "HK"})


@dataclass(frozen=True)
class Untagged:
    """``text`` without tags, and where each kept stretch stood in the original."""

    text: str
    _starts: tuple[int, ...]  # offsets in ``text`` where a kept stretch begins
    _shifts: tuple[int, ...]  # original offset minus reading offset for that stretch

    def original(self, offset: int) -> int:
        """The original offset of reading offset ``offset`` (an end offset maps after its char)."""
        k = bisect_right(self._starts, offset) - 1
        return offset + self._shifts[max(k, 0)]

    def original_end(self, offset: int) -> int:
        """The original end offset of a span that ends at reading offset ``offset``."""
        return self.original(offset - 1) + 1 if offset > 0 else 0


def _is_tag(m: re.Match[str]) -> bool:
    inner = m.group(0).strip().strip("()").strip()
    return inner not in _KEEP


def _tags(text: str) -> list[re.Match[str]]:
    """Tag matches, in order, each tried from a few characters before a hint."""
    found: list[re.Match[str]] = []
    end = 0
    for hint in _HINT_RE.finditer(text):
        if hint.start() < end:
            continue
        lo = max(end, hint.start() - 6)  # "BABA--" starts before its hint; so may blanks
        m = _TAG_RE.search(text, lo, min(len(text), hint.end() + 60))
        while m is not None and m.end() <= hint.start():
            m = _TAG_RE.search(text, m.end(), min(len(text), hint.end() + 60))
        if m is not None and m.start() <= hint.start():
            found.append(m)
            end = m.end()
    return found


def strip_tags(text: str) -> Untagged:
    """``text`` with its ticker tags removed, and the map back to ``text``'s offsets."""
    pieces: list[str] = []
    starts: list[int] = [0]
    shifts: list[int] = [0]
    cur = 0
    removed = 0
    for m in _tags(text):
        if not _is_tag(m):
            continue
        pieces.append(text[cur : m.start()])
        removed += m.end() - m.start()
        cur = m.end()
        starts.append(m.start() - removed + (m.end() - m.start()))
        shifts.append(removed)
    if not removed:
        return Untagged(text, (0,), (0,))
    pieces.append(text[cur:])
    return Untagged("".join(pieces), tuple(starts), tuple(shifts))
