"""The cheaper regex scans of ``scan`` find exactly what the plain scans they replace find.

``Folded`` runs a case-insensitive pattern case-sensitively on the lowered
text; ``first_matches`` merges the branches of an alternation scanned one by
one (skipping those whose words are absent); ``AnyOf`` asks an alternation
part by part. Each is compared here with the plain ``re`` call, on the
extractor's own patterns and on text hypothesis builds from their words, in
any case, with the characters whose case folding differs (``İ``, ``ı``,
``ſ``, the Kelvin sign).
"""

from __future__ import annotations

import re
import string
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from themelens.news.extract import (
    dates,
    metrics,
    numbers,
    phrases,
    qualifiers,
    resolve,
    tables,
    windows,
)
from themelens.news.extract.assemble import _CANDIDATE, _PERIOD_HINT, linker_for
from themelens.news.extract.entities import EntityLinker
from themelens.news.extract.scan import (
    _FOLD_ONLY_IGNORECASE,
    AnyOf,
    Folded,
    first_matches,
    lower_pattern,
    lowered,
)
from themelens.theme import load_theme

_WORDS = (
    "China", "Chinese", "mainland", "the country's", "tech", "giants", "AI", "data", "centres",
    "market", "industry", "southbound", "Stock Connect", "Hong Kong", "stocks", "its", "it",
    "they", "the", "index", "gauge", "company", "shares", "Q3", "2Q", "H1", "quarter", "half",
    "three", "months", "first", "time", "high", "week", "limit", "peak", "March", "Sept.",
    "on", "17", "2025", "fiscal", "FY25", "US$", "HK$", "3.2", "billion", "bn", "yuan", "%",
    "per cent", "times", "21x", "P/E", "capex", "spending", "bonds", "net", "buying", "since",
    "highest", "level", "four-year", "straight", "weeks", "hit", "daily", "limit-up", "rose",
    "fell", "İ", "ı", "ſ", "\u212a", "’s", ",", ".", ";", "-", "(", ")", "\n",
    "while", "which", "after", "year-on-year", "budget", "three-year", "over", "nearly", "up to",
    "about", "—", "contributed to", "pct", "from", "versus", "a", "an", "~",
)  # fmt: skip


def _cased(word: str, how: int) -> str:
    return (word, word.lower(), word.upper(), word.title())[how]


texts = st.lists(
    st.tuples(st.sampled_from(_WORDS), st.integers(0, 3), st.sampled_from(["", " ", "  ", "-"])),
    max_size=30,
).map(lambda parts: "".join(_cased(w, how) + sep for w, how, sep in parts))


@cache
def _linker() -> EntityLinker:
    return linker_for(load_theme())


def _spans(found: object) -> list[tuple[tuple[int, int], str | None, dict[str, str | None]]]:
    out = []
    for m in found:  # type: ignore[attr-defined]
        groups = {k: v.lower() if v else v for k, v in m.groupdict().items()}
        out.append((m.span(), m.lastgroup, groups))
    return out


def test_lowered_stands_in_for_ignorecase_on_ascii_letters_in_all_of_unicode() -> None:
    letter = re.compile("[a-z]", re.IGNORECASE)
    differ = set()
    for cp in range(0x110000):
        c = chr(cp)
        low = c.lower()
        if (letter.fullmatch(c) is not None) != (len(low) == 1 and low in string.ascii_lowercase):
            differ.add(c)
    assert differ - {"İ"} == set(_FOLD_ONLY_IGNORECASE)  # "İ" lowers to two characters
    assert (
        lowered("Straße İ") is None
        and lowered("ſ") is None
        and lowered("Kelvin \u212a") == ("kelvin k")
    )


def test_lower_pattern_keeps_escapes_and_group_names_and_refuses_what_it_would_change() -> None:
    assert lower_pattern(r"(?P<Up>ROSE)\b\S+(?P=Up)[A-Z]") == r"(?P<Up>rose)\b\S+(?P=Up)[a-z]"
    for bad in (r"[A-z]", r"[0-Z]", r"\N{LATIN SMALL LETTER A}", r"(?i:x)"):
        with pytest.raises(ValueError):
            lower_pattern(bad)


def _folded_patterns() -> list[Folded]:
    found: list[Folded] = [rx for _, rx, _ in dates._PATTERNS]
    found += [metrics._cue_union(metrics._MONEY_CUES), metrics._STOCK_OF_MONEY_RE]
    found += [numbers._MONEY_RE, numbers._PERCENT_RE, numbers._MULTIPLE_RE]
    found += [numbers._BARE_MULTIPLE_RE, phrases._HIGH_SINCE_RE, phrases._LIMIT_PHRASE_RE]
    found += [metrics._MOVE_RE, metrics._GROWTH_MARK_RE, metrics._BUDGET_RE]
    found += [metrics._RIGHT_STOP_RE, metrics._DURATION_RE, *metrics._CUE_SCANS.values()]
    found += [resolve._CLAUSE_RE, resolve._APPOSITIVE_RE, resolve._CONTRIB_RE]
    found += [windows._TIME_STOP_RE, windows._RELATIVE_RE, qualifiers._HEDGE_RE]
    found += [tables._PCT_RE, dates._SINCE_RE]
    return found


@settings(max_examples=150, deadline=None)
@given(texts)
def test_folded_patterns_match_as_their_case_insensitive_originals(text: str) -> None:
    for rx in _folded_patterns():
        assert _spans(rx.finditer(text)) == _spans(rx.exact.finditer(text)), rx.pattern[:60]
        assert _spans(filter(None, [rx.search(text, 2)])) == _spans(
            filter(None, [rx.exact.search(text, 2)])
        )


@settings(max_examples=200, deadline=None)
@given(texts)
def test_first_matches_finds_what_the_alternation_finds(text: str) -> None:
    linker = _linker()
    for scan in (linker._generic, linker._anaphors):
        assert scan is not None
        branches, union = scan
        got = [(k, m.span()) for k, m in first_matches(text, branches, union)]
        want = [(int(str(m.lastgroup)[1:]), m.span()) for m in union.finditer(text)]
        assert got == want


def test_first_matches_leaves_empty_matches_to_re() -> None:
    branches = [(Folded(r"x?"), ()), (Folded(r"ab"), ())]
    union = re.compile(r"(?P<g0>x?)|(?P<g1>ab)", re.IGNORECASE)
    got = [(k, m.span()) for k, m in first_matches("abXab", branches, union)]
    assert got == [(int(str(m.lastgroup)[1:]), m.span()) for m in union.finditer("abXab")]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_any_of_answers_as_the_alternation_does(text: str) -> None:
    for hint in (_CANDIDATE, _PERIOD_HINT, AnyOf(("ab",), ((r"c\s+d", ("c",)),))):
        assert hint.found_in(text) == (hint.union.search(text) is not None)


_VENUE_WORDS = (
    "ADRs", "ADS", "American depositary", "U.S.", "US", "New York", "Nasdaq", "NYSE", "listed",
    "in", "the", "on", "Wall Street", "American", "trading", "shares", "overnight", "pre-market",
    "premarket", "after-hours", "before", "ahead of", "opening", "bell", "Shanghai", "STAR Market",
    "Shenzhen", "ChiNext", "A-shares", "A", "H", "mainland", "onshore", "Hong Kong", "HK",
    "stock", "session", "busy", "İ", "ı", "ſ", "\u212a", ".", "-", " ",
)  # fmt: skip
venue_texts = st.lists(
    st.tuples(
        st.sampled_from(_VENUE_WORDS), st.integers(0, 3), st.sampled_from(["", " ", "  ", "-"])
    ),
    max_size=20,
).map(lambda parts: "".join(_cased(w, how) + sep for w, how, sep in parts))


@settings(max_examples=400, deadline=None)
@given(venue_texts, st.integers(0, 3))
def test_venues_in_finds_what_the_alternation_finds(text: str, start: int) -> None:
    from themelens.news import venue

    for lo, hi in ((0, None), (start, max(start, len(text) - start))):
        end = len(text) if hi is None else hi
        want = [(m.lastgroup, m.start()) for m in venue._VENUE_RE.finditer(text, lo, end)]
        assert venue.venues_in(text, lo, hi) == want


_CUE_TEXT_WORDS = (
    *dict.fromkeys(
        w
        for rx in metrics._CUES.values()
        for w in re.findall(r"[A-Za-z][A-Za-z-]+", rx.pattern)
        if len(w) > 1
    ),
    *("bond market", "market share", "per share", "of its revenue", "3%", "$5bn", "İ", "ſ", ","),
)
cue_texts = st.lists(
    st.tuples(st.sampled_from(_CUE_TEXT_WORDS), st.integers(0, 3), st.sampled_from(["", " "])),
    max_size=25,
).map(lambda parts: "".join(_cased(w, how) + sep for w, how, sep in parts))


@settings(max_examples=300, deadline=None)
@given(cue_texts, st.integers(0, 5))
def test_clause_cues_find_what_the_cue_alternation_finds(text: str, lo: int) -> None:
    names_used = (
        ("capex", "bond", "flow", "market", "target", "block_money", "revenue", "income", "plan"),
        ("block_pct", "units", "capex", "revenue", "income", "price"),
        ("stake",),
    )
    for names in names_used:
        union = metrics._cue_union(names)
        want = [(m.start(), m.end(), m.lastgroup) for m in union.finditer(text, lo, len(text))]
        assert metrics._clause_cues.__wrapped__(text, names, lo, len(text))[1] == want
