"""Scan: cheaper ways to run the extractor's regexes that find exactly what the plain runs find.

Python's ``re`` has no optimiser for a large alternation: at every position
of the text it tries every branch in turn, and under ``IGNORECASE`` it folds
every character it compares. These helpers cut that without changing a match:

* ``lowered`` gives the lower-cased text, but only where lower-casing keeps
  every offset and every case-insensitive match of an ASCII letter: then
  "is this word in the text" can be asked of it with ``in`` (a fast substring
  search) to skip a pattern that cannot match;
* ``Folded`` is a case-insensitive pattern that runs as a case-sensitive one
  (its letters lower-cased) on the ``lowered`` text, about twice as fast, and
  as the case-insensitive pattern where ``lowered`` refuses the text. Its
  matches have the same offsets and groups, but the groups' text is in lower
  case: only callers that read offsets, group names or case-blind group text
  may use it;
* ``first_matches`` yields what ``finditer`` of the alternation
  ``(?P<g0>p0)|(?P<g1>p1)|...`` yields, by scanning each branch on its own
  (each one a cheap scan, and one that ``lowered`` may show cannot match at
  all) and merging: at each position the leftmost match wins, the earliest
  branch on a tie, and the next scan starts where it ended, as in ``re``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from typing import Final

from themelens.news._casefold import FOLD_ONLY_IGNORECASE

__all__ = ["AnyOf", "Branch", "Folded", "first_matches", "lower_pattern", "lowered"]

_FOLD_ONLY_IGNORECASE: Final = FOLD_ONLY_IGNORECASE  # "ı" and "ſ", tested on all of Unicode


def lowered(text: str, low: str | None = None, *, remember: bool = True) -> str | None:
    """``text.lower()`` when it agrees with ``IGNORECASE`` on ASCII letters offset by offset.

    None when lower-casing changes the length ("İ") or the text holds a character
    ``IGNORECASE`` folds differently (``_FOLD_ONLY_IGNORECASE``): then no substring test
    of the lowered text may stand in for a case-insensitive match. ``low`` is
    ``text.lower()`` when the caller has it already. ``remember=False`` is for a short
    piece of a sentence: it leaves the sentence as the text remembered (its stages ask
    for it again, and the word tests of ``first_matches`` are remembered for it).
    """
    global _last_lowered
    last = _last_lowered
    if last[0] is text:  # the stages of one sentence ask for the same text in turn
        return last[1]
    if low is None:
        low = text.lower()
    if not text.isascii() and (
        len(low) != len(text) or "ı" in text or "ſ" in text  # _FOLD_ONLY_IGNORECASE
    ):
        low = None
    if remember:
        _last_lowered = (text, low)
    return low


_last_lowered: tuple[str | None, str | None] = (None, None)
"""The last text ``lowered`` was asked about and its answer: a sentence is asked for by each
stage in turn (candidate test, numbers, phrases, metrics, dates), and lowered once."""


Branch = tuple["Folded", tuple[str, ...]]
"""One branch of an alternation: its pattern, and words (lower case) one of which every match
of it contains; an empty tuple when no such words are known."""


def first_matches(
    text: str,
    branches: Sequence[Branch],
    union: re.Pattern[str],
    start: int = 0,
    end: int = sys.maxsize,
) -> list[tuple[int, re.Match[str]]]:
    """(branch index, match) for each match ``union.finditer(text, start, end)`` finds, in order.

    ``union`` must be ``(?P<g0>p0)|(?P<g1>p1)|...`` of the branches' patterns, compiled
    with ``IGNORECASE``. A branch whose words are all absent from the text (``lowered``) is not
    scanned; a branch that could match the empty string sends the text to ``union``.
    """
    low = lowered(text)
    nxt: list[re.Match[str] | None] = []
    live: list[int] = []
    for k, (rx, words) in enumerate(branches):
        m = (
            None
            if low is not None and words and not _words_in(words, low)
            else rx.search_low(text, low, start, end)
        )
        nxt.append(m)
        if m is not None:
            live.append(k)
    out: list[tuple[int, re.Match[str]]] = []
    pos = start
    while live:
        best = -1
        best_start = len(text) + 1
        for k in live:
            m = nxt[k]
            if m is not None and m.start() < pos:
                m = nxt[k] = branches[k][0].search_low(text, low, pos, end)
            if m is not None and m.start() < best_start:
                best, best_start = k, m.start()
        if best < 0:
            break
        m = nxt[best]
        assert m is not None
        if m.end() == m.start():  # re's rules for empty matches: leave them to re
            return [(int(str(u.lastgroup)[1:]), u) for u in union.finditer(text, start, end)]
        out.append((best, m))
        pos = m.end()
        live = [k for k in live if nxt[k] is not None]
    return out


def _words_in(words: tuple[str, ...], low: str) -> bool:
    """Whether ``low`` holds one of ``words``, remembered for the last text: the cue scans of
    each clause and number of a sentence ask the same word lists of the same sentence."""
    global _words_memo
    memo_low, memo = _words_memo
    if memo_low is not low:
        memo = {}
        _words_memo = (low, memo)
    seen = memo.get(id(words))
    if seen is not None and seen[0] is words:
        return seen[1]
    hit = any(map(low.__contains__, words))
    memo[id(words)] = (words, hit)
    return hit


_words_memo: tuple[str | None, dict[int, tuple[tuple[str, ...], bool]]] = (None, {})


_ESCAPE_OR_NAME_RE: Final = re.compile(r"\\.|\(\?P<\w+>|\(\?P=\w+\)", re.DOTALL)
_CLASS_RANGE_RE: Final = re.compile(r"[A-Z]-[^A-Z\]]|[^A-Z\\\[]-[A-Z]")


def lower_pattern(pattern: str) -> str:
    """``pattern`` with its literal letters lower-cased, for a case-sensitive run on lowered text.

    Escapes (``\\s``, ``\\S``, ``\\b``, ``\\B``, ``\\W``, ``\\D``) and group names keep
    their case; a ``\\N{...}`` escape, inline flags or a character range that joins a letter
    to a non-letter (``[A-z]``) are refused (ValueError): lower-casing would change them.
    """
    if "\\N{" in pattern or "(?i" in pattern or "(?-" in pattern or "(?a" in pattern:
        raise ValueError(f"pattern not foldable: {pattern[:60]!r}")
    out: list[str] = []
    pos = 0
    for m in _ESCAPE_OR_NAME_RE.finditer(pattern):
        out.append(_lower_plain(pattern[pos : m.start()]))
        out.append(m.group())
        pos = m.end()
    out.append(_lower_plain(pattern[pos:]))
    return "".join(out)


def _lower_plain(chunk: str) -> str:
    for m in _CLASS_RANGE_RE.finditer(chunk):  # "[A-z]", "[0-Z]": lower-casing moves the range
        if _in_class(chunk, m.start()):
            raise ValueError(f"range mixes letters and other characters: {chunk!r}")
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in chunk)


def _in_class(chunk: str, at: int) -> bool:
    return chunk.rfind("[", 0, at) > chunk.rfind("]", 0, at)


class Folded:
    """A case-insensitive pattern run as a case-sensitive one on ``lowered`` text where exact.

    ``exact`` is the pattern as written (``IGNORECASE``); ``folded`` its ``lower_pattern``
    form without it. The methods take the arguments of ``re.Pattern``'s and give its
    matches' offsets and groups; group text comes back in lower case (see the module).
    """

    __slots__ = ("exact", "folded")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.exact = re.compile(pattern, flags | re.IGNORECASE)
        self.folded = re.compile(lower_pattern(pattern), flags & ~re.IGNORECASE)

    @property
    def pattern(self) -> str:
        """The pattern as written."""
        return self.exact.pattern

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """What ``exact.search`` finds."""
        return self.search_low(text, lowered(text), pos, endpos)

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        """What ``exact.finditer`` finds."""
        return self.finditer_low(text, lowered(text), pos, endpos)

    def search_low(
        self, text: str, low: str | None, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        """``search`` for a caller that has ``low = lowered(text)`` already."""
        if low is None:
            return self.exact.search(text, pos, endpos)
        return self.folded.search(low, pos, endpos)

    def finditer_low(
        self, text: str, low: str | None, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        """``finditer`` for a caller that has ``low = lowered(text)`` already."""
        if low is None:
            return self.exact.finditer(text, pos, endpos)
        return self.folded.finditer(low, pos, endpos)


class AnyOf:
    """Whether a case-insensitive alternation matches anywhere, asked part by part.

    ``found_in(text)`` is ``re.search("|".join(words and patterns), text, IGNORECASE) is not
    None``: literal ``words`` (lower case) are looked up with ``in`` on the ``lowered`` text,
    and each pattern (with words one of which each of its matches holds, as in ``Branch``) is
    scanned only where one of them is. A text ``lowered`` refuses goes to the alternation.
    """

    __slots__ = ("_scans", "patterns", "union", "words")

    def __init__(self, words: tuple[str, ...], patterns: tuple[tuple[str, tuple[str, ...]], ...]):
        self.words = words
        self.patterns = tuple((Folded(rx), need) for rx, need in patterns)
        # what ``found_in`` runs: each pattern's lowered form, with its words
        self._scans = tuple((rx.folded.search, need) for rx, need in self.patterns)
        parts = [*(re.escape(w) for w in words), *(rx for rx, _ in patterns)]
        self.union = re.compile("|".join(parts), re.IGNORECASE)

    def found_in(self, text: str) -> bool:
        """Whether the alternation matches somewhere in ``text``."""
        low = lowered(text)
        if low is None:
            return self.union.search(text) is not None
        holds = low.__contains__  # asked of every sentence: no call more than needed
        if any(map(holds, self.words)):
            return True
        for search, need in self._scans:
            if (not need or any(map(holds, need))) and search(low) is not None:
                return True
        return False
