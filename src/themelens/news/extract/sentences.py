"""Sentences: split article text into sentences that keep their character offsets.

A sentence ends at ``.``, ``!`` or ``?`` followed by space and a capital,
digit or quote, unless the word before the full stop is an abbreviation
("U.S.", "Inc.", "Corp.", "Sept.", "Mr.") or an initial. Decimals ("4.2%")
and tickers ("NASDAQ:BIDU", "9988.HK") never split, because no space
follows their dot. A blank line always ends a sentence (paragraphs, table
cells); a single line break ends one unless the line runs on into a line that
starts in lower case or with a digit (a hard-wrapped sentence such as
"... $32 billion by" / "2025."). A run longer than ``MAX_SENTENCE_CHARS`` or
holding more than ``MAX_SENTENCE_NUMBERS`` numbers (a page dumped onto one
line) is cut at a clause break, so each later stage sees bounded pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["MAX_SENTENCE_CHARS", "MAX_SENTENCE_NUMBERS", "Sentence", "split_sentences"]

_ABBREVIATIONS: Final = frozenset(
    [
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "inc",
        "corp",
        "co",
        "ltd",
        "plc",
        "llc",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "no",
        "nos",
        "approx",
        "est",
        "fig",
        "dept",
        "gov",
        "sen",
        "rep",
        "gen",
        "col",
        "lt",
        "sgt",
        "ave",
        "bros",
        "mt",
        "ft",
        "comp",
        "p.m",
        "a.m",
    ]
)
_END_RE: Final = re.compile(r"[.!?](?:[\"'”’)\]]*)(?=\s+[\"'“‘(\[]?[A-Z0-9$£€])")
_PARA_RE: Final = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE_RE: Final = re.compile(r"\n")
_STAMP_RE: Final = re.compile(r"\d{1,2}:\d{2}\b")
_NON_SPACE_RE: Final = re.compile(r"\S")
_WORD_CHARS_STR: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz."
_WORD_CHARS: Final = frozenset(_WORD_CHARS_STR)
_WORD_REACH: Final = 24


@dataclass(frozen=True)
class Sentence:
    """One sentence: ``text == article_text[start:end]``; ``paragraph`` counts blank-line blocks."""

    text: str
    start: int
    end: int
    paragraph: int


def _is_abbreviation(text: str, start: int, end: int) -> bool:
    """Whether the word that ends at ``end`` (with its full stop) is an abbreviation or initial.

    Only the word itself is read, walking back from its end: reading the whole
    text since the last sentence end would be quadratic on a page whose every
    full stop follows an abbreviation.
    """
    lo = max(start, end - _WORD_REACH)
    k = lo + len(text[lo:end].rstrip(_WORD_CHARS_STR))  # the word's letters and dots: one C call
    if k == lo:  # the word may go on before that reach: walk back as far as it does
        while k > start and text[k - 1] in _WORD_CHARS:
            k -= 1
    word = text[k:end].lstrip(".").lower().rstrip(".")
    return bool(word) and (word in _ABBREVIATIONS or len(word) == 1)


def _last_char(text: str, start: int, end: int) -> str:
    """The last character of ``text[start:end]`` that is not a space ("" if none)."""
    k = end
    while k > start and text[k - 1].isspace():
        k -= 1
    return text[k - 1] if k > start else ""


def _line_blocks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one paragraph at line breaks, except where the sentence runs on."""
    blocks: list[tuple[int, int]] = []
    cur = start
    for m in _LINE_RE.finditer(text, start, end):
        last = _last_char(text, cur, m.start())  # each test reads a few characters, not the
        nxt = _NON_SPACE_RE.search(text, m.end(), end)  # lines before or after: linear
        first = nxt.group() if nxt is not None else ""
        runs_on = bool(last) and last not in ".!?:;" and first.islower()
        runs_on = runs_on or (
            last.isalpha()
            and first.isdigit()
            and nxt is not None
            and _STAMP_RE.match(text, nxt.start(), end) is None  # "10:40 *CSI 300 ...": a feed
        )
        if not runs_on:
            blocks.append((cur, m.start()))
            cur = m.end()
    blocks.append((cur, end))
    return blocks


def _sentences_in(text: str, start: int, end: int, paragraph: int) -> list[Sentence]:
    out: list[Sentence] = []
    cur = start
    for m in _END_RE.finditer(text, start, end):
        if text[m.start()] == "." and _is_abbreviation(text, cur, m.start() + 1):
            continue
        _add_pieces(out, text, cur, m.end(), paragraph)
        cur = m.end()
    _add_pieces(out, text, cur, end, paragraph)
    return out


MAX_SENTENCE_CHARS: Final = 600
"""Longer runs without a full stop (a page's one-line dump) are cut at clause breaks, so the
per-sentence stages, some of which look at every pair of mentions, stay linear overall.
Written sentences are shorter (the longest in the test corpora has 461 characters)."""
MAX_SENTENCE_NUMBERS: Final = 48
"""A run with more numbers (a table flattened onto one line) is cut the same way before the
next one, so the stages that pair each number with the sentence's others stay linear too.
Written sentences hold fewer than ten; a whitespace table of prices, a few dozen."""
_NUMBER_RE: Final = re.compile(r"\d+(?:[.,]\d+)*")
_ASCII_DIGITS: Final = b"0123456789"


def _number_limit(text: str, start: int, end: int) -> int:
    """Where the number after the first ``MAX_SENTENCE_NUMBERS`` of ``text[start:end]`` starts,
    else ``end``."""
    if end - start < 2 * MAX_SENTENCE_NUMBERS + 1:
        return end  # each number but the last is followed by a character that is no digit
    # a number holds a digit: an ASCII one, else a character of two or more UTF-8 bytes
    data = text[start:end].encode("utf-8", "surrogatepass")
    digits = len(data) - len(data.translate(None, _ASCII_DIGITS))
    if digits + len(data) - (end - start) <= MAX_SENTENCE_NUMBERS:
        return end
    for k, m in enumerate(_NUMBER_RE.finditer(text, start, end)):
        if k == MAX_SENTENCE_NUMBERS:
            return m.start()
    return end


def _bounded(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` as pieces of at most ``MAX_SENTENCE_CHARS`` and ``MAX_SENTENCE_NUMBERS``,
    cut after ``;``/``,``/space."""
    pieces: list[tuple[int, int]] = []
    while (limit := _number_limit(text, start, min(end, start + MAX_SENTENCE_CHARS))) < end:
        cut = max(text.rfind("; ", start, limit), text.rfind(", ", start, limit))
        if cut <= start + (limit - start) // 2:
            cut = text.rfind(" ", start, limit)
        cut = cut + 1 if cut > start else limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def _add_pieces(out: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    """Append the non-blank pieces of ``text[start:end]`` (``_bounded``), stripped of spaces."""
    short = end - start <= MAX_SENTENCE_CHARS and _number_limit(text, start, end) == end
    for a, b in ((start, end),) if short else _bounded(text, start, end):  # short: most are
        piece = text[a:b]
        stripped = piece.strip()  # ``str.strip`` and ``str.isspace`` agree on what a space is
        if stripped:
            a += len(piece) - len(piece.lstrip())
            out.append(Sentence(stripped, a, a + len(stripped), paragraph))


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` in order, each with offsets into ``text`` and its paragraph number.

    Notes
    -----
    Rule-based on purpose: it runs at thousands of articles per second and
    never needs a model download. Empty lines and whitespace-only pieces are
    dropped; offsets always satisfy ``text[s.start:s.end] == s.text``.
    """
    sentences: list[Sentence] = []
    para_start = 0
    bounds = [(m.start(), m.end()) for m in _PARA_RE.finditer(text)] + [(len(text), len(text))]
    for paragraph, (para_end, next_start) in enumerate(bounds):
        for b_start, b_end in _line_blocks(text, para_start, para_end):
            sentences.extend(_sentences_in(text, b_start, b_end, paragraph))
        para_start = next_start
    return sentences
