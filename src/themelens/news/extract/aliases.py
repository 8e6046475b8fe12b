"""Aliases: many literal names found in one pass over a text, the longest where they overlap.

``trie_pattern`` compiles a theme's names into one regex whose shared
prefixes are factored out; ``longest_first`` keeps, among overlapping
matches, the longest; ``Spans`` answers "does this span overlap one taken
before?" by looking only where the span lies, so a whole article's names
(thousands of them) are resolved in linear time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

__all__ = ["Spans", "longest_first", "trie_pattern"]


def trie_pattern(words: Iterable[str]) -> str:
    """One regex for many literal names, shared prefixes factored out (a trie).

    Python's ``re`` tries a flat alternation of ~100 aliases one by one at
    every position; the trie form rejects most positions at the first
    character, which is most of extraction's time on long articles. Greedy
    optional tails keep the longest name at a given start, as the flat
    longest-first alternation did; a space matches any run of whitespace.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in " ".join(word.split()):
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        alts = [
            (r"\s+" if ch == " " else re.escape(ch)) + build(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if ends:
            body = f"(?:{body})?"
        return body

    return build(trie)


_WORD_CHAR: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def longest_first(
    text: str, patterns: tuple[tuple[str, re.Pattern[str] | None, bool], ...]
) -> list[tuple[int, int]]:
    """Alias spans, overlapping candidates resolved longest first.

    A regex alternation takes the leftmost match, so "the Hang Seng" would win
    over "Hang Seng Tech Index" in "the Hang Seng Tech Index"; trying every
    start and keeping the longest span fixes that. Each pattern comes with its
    haystack and whether a match must not follow an ASCII letter or digit,
    tested here rather than by a lookbehind in the pattern: a pattern that
    starts with a lookbehind loses ``re``'s quick skip to the characters a
    match can start with (four times slower for the tickers' pattern).
    """
    spans: list[tuple[int, int]] = []
    for haystack, rx, bound_left in patterns:
        if rx is None:
            continue
        pos = 0
        while (m := rx.search(haystack, pos)) is not None:
            start = m.start()
            if not (bound_left and start and haystack[start - 1] in _WORD_CHAR):
                spans.append(m.span())
            pos = start + 1
    crowded = _crowded(spans)
    spans.sort(key=lambda sp: (_content_start(text, sp[0]) - sp[1], sp[0]))
    if not crowded:
        return spans  # no two overlap: each is kept
    chosen: list[tuple[int, int]] = []
    taken = Spans()
    for sp in spans:
        if sp not in crowded:
            chosen.append(sp)  # it overlaps no other span: kept, and in no one's way
        elif not taken.overlaps(*sp):
            chosen.append(sp)
            taken.add(*sp)
    return chosen


def _crowded(spans: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The spans that overlap another one (an empty span counts as crowded, to be safe)."""
    crowded: set[tuple[int, int]] = set()
    reach = -1  # the furthest end of the spans before, in order of start
    last: tuple[int, int] | None = None  # the span that reaches there
    for sp in sorted(spans):
        if sp[0] < reach or sp[0] >= sp[1]:
            crowded.add(sp)
            if last is not None:
                crowded.add(last)
        if sp[1] > reach:
            reach, last = sp[1], sp
    return crowded


class Spans:
    """Spans taken so far, filed by the stretches of text they cover.

    Whether a new span overlaps one of them looks only at the spans filed
    where it lies, so on a whole article (thousands of names) each test is a
    few comparisons, not one per name found before it.
    """

    _CELL: Final = 64  # characters per stretch; a name spans one or two

    def __init__(self) -> None:
        self._cells: dict[int, list[tuple[int, int]]] = {}

    def _cells_of(self, start: int, end: int) -> range:
        return range(start // self._CELL, max(start, end - 1) // self._CELL + 1)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` overlaps a span taken so far."""
        return any(
            start < e and s < end
            for cell in self._cells_of(start, end)
            for s, e in self._cells.get(cell, ())
        )

    def add(self, start: int, end: int) -> None:
        for cell in self._cells_of(start, end):
            self._cells.setdefault(cell, []).append((start, end))


def _content_start(text: str, start: int) -> int:
    """Where a span's words start once a leading "the " is skipped (for length ties)."""
    return start + 4 if text[start : start + 4].lower() == "the " else start
