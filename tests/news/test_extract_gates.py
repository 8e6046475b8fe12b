"""The word tests that let the extractor skip a scan never change what it finds.

Each stage asks the lowered sentence (``scan.lowered``) whether a word every
match of a pattern holds is there before running the pattern. Refusing to
lower the text (``lowered`` answering None, as it does for "İ" or "ſ") turns
every such test off and runs each pattern as written, case-insensitively: the
answers must be the same. The cheaper forms of a few helpers are compared with
the plain forms they replace, on text hypothesis builds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from unittest.mock import patch

from hypothesis import example, given, settings
from hypothesis import strategies as st

from themelens.news.extract import (
    assemble,
    entities,
    metrics,
    numbers,
    phrases,
    qualifiers,
    scan,
    sentences,
    tables,
)
from themelens.news.extract.resolve import clause_of

_WORDS = (
    "rose", "fell", "up", "to", "up to", "as much as", "at least", "no less than", "over",
    "more than", "nearly", "almost", "close to", "just under", "shy of", "about", "around",
    "roughly", "some", "an estimated", "circa", "~", "a", "an", "the", "by", "of", "than",
    "5", "7.2", "21", "2021", "%", "per cent", "percent", "pct", "pc", "x", "times", "next",
    "tax", "index", "four-year", "4-yr", "high", "highest", "peak", "level", "since",
    "November", "for the first time", "first", "time", "in", "years", "not seen", "seen",
    "straight", "consecutive", "weeks", "week", "weekly", "gains", "gain", "higher", "winning",
    "streak", "run", "rally", "in a row", "running", "daily", "limit", "limit-up", "hit",
    "stop-high", "quarter", "half", "three", "months", "Q3", "Mr", "U.S", "Inc", "e.g", "_",
    "½", "|", "•", "İ", "ſ", "\u212a", "’s", ",", ".", "(", ")", "\n",
)  # fmt: skip


def _cased(word: str, how: int) -> str:
    return (word, word.lower(), word.upper(), word.title())[how]


texts = st.lists(
    st.tuples(st.sampled_from(_WORDS), st.integers(0, 3), st.sampled_from(["", " ", "  ", "-"])),
    max_size=30,
).map(lambda parts: "".join(_cased(w, how) + sep for w, how, sep in parts))


def example_each(said: tuple[str, ...]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Hypothesis ``example`` for each text of ``said``: each word test at work at least once."""

    def apply(test: Callable[..., None]) -> Callable[..., None]:
        for text in said:
            test = example(text)(test)
        return test

    return apply


@contextmanager
def _not_lowered() -> Iterator[None]:
    """``lowered`` refuses every text: no word test runs, each pattern as written does."""

    def refuse(text: str, low: str | None = None, *, remember: bool = True) -> None:
        return None

    with ExitStack() as stack:
        stack.enter_context(patch.object(scan, "_last_lowered", (None, None)))
        for module in (scan, numbers, phrases, qualifiers, tables, metrics):
            stack.enter_context(patch.object(module, "lowered", refuse))
        yield


def _found(text: str) -> tuple[object, ...]:
    quantities = numbers.find_quantities(text)
    return (
        quantities,
        phrases.find_phrases(text, date(2025, 9, 18)),
        [qualifiers.qualifier_before(text, q.start) for q in quantities],
        [qualifiers.qualifier_before(text, k) for k in range(len(text) + 1)],
        tables.names_percent(text),
    )


_SAID = (
    "Shares rose 5 per cent, up 7.2 percent", "BYD: +3pct", "at 21x, or 21 times earnings",
    "it rose nearly 5%, over an 8% gain", "up to 10% and as much as 12%", "about ~3%",
    "a four-year high", "seven straight weeks of gains", "levels not seen in five years",
    "for the first time since 2021", "its highest level since November 2021",
    "hit the daily limit", "limit-up", "weekly gains for a fifth straight week",
    "rose for 3 weeks in a row", "a 5-week winning streak", "a 5-week winning run",
    "a 5-week rally", "to a 4-yr high", "its highest in five years", "Chg %", "PER CENT 5",
    "the index closed above 20,000 for the first time since 2021",
    "hit a record for the first time in four years",
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(texts)
@example_each(_SAID)
def test_word_tests_change_nothing(text: str) -> None:
    gated = _found(text)
    with _not_lowered():
        assert _found(text) == gated


@settings(max_examples=300, deadline=None)
@given(texts)
def test_period_words_stand_in_for_the_period_hint_where_no_number_is(text: str) -> None:
    if not assemble._CANDIDATE.found_in(text):
        assert assemble._PERIOD_WORDS.found_in(text) == assemble._PERIOD_HINT.found_in(text)


def test_a_piece_lowered_unremembered_leaves_the_sentence_remembered() -> None:
    sentence = "Alibaba rose 5%"
    low = scan.lowered(sentence)
    assert scan.lowered("Over ", remember=False) == "over "
    assert scan._last_lowered == (sentence, low)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_table_cell_word_count_is_the_isalnum_count(text: str) -> None:
    tokens = text.split()
    plain = sum(1 for w in tokens if w.isalnum() or any(map(str.isalnum, w)))
    assert len(assemble._WORDISH_RE.findall(text)) == plain


def _title_case_plain(text: str) -> bool:
    letters = re.findall(r"[A-Za-z]", text)
    upper = sum(c.isupper() for c in letters)
    if len(letters) >= 12 and upper >= 0.8 * len(letters):
        return True
    words = entities._WORD_RE.findall(text)
    return len(words) >= 5 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_title_case_reads_as_before(text: str) -> None:
    assert entities.is_title_case(text) == _title_case_plain(text)


def _abbreviation_plain(text: str, start: int, end: int) -> bool:
    k = end
    while k > start and text[k - 1] in sentences._WORD_CHARS:
        k -= 1
    word = text[k:end].lstrip(".").lower().rstrip(".")
    return bool(word) and (word in sentences._ABBREVIATIONS or len(word) == 1)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abXY. ,é1", max_size=80), st.data())
def test_abbreviation_reads_the_word_as_before(text: str, data: st.DataObject) -> None:
    end = data.draw(st.integers(0, len(text)))
    start = data.draw(st.integers(0, end))
    long_word = "a" * 40 + "." + text  # a word longer than the reach
    for t, e in ((text, end), (long_word, len(long_word))):
        s = min(start, e)
        assert sentences._is_abbreviation(t, s, e) == _abbreviation_plain(t, s, e)


def test_clause_of_takes_the_first_holding_clause_else_the_last() -> None:
    clauses = [(0, 5), (5, 5), (5, 10), (12, 20)]
    for pos in range(-1, 22):
        plain = next((c for c in clauses if c[0] <= pos < c[1]), clauses[-1])
        assert clause_of(clauses, pos) == plain
