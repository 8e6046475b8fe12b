"""The article-wide passes that look things up instead of pairing everything (issue 16, item 3).

``dedup`` and ``merge_amounts`` find an earlier claim by its value's cell,
``Spans`` an overlapping name by where it stands, and sentences are read a
word at a time around each full stop. Each must give exactly what the
all-pairs version it replaced gave; the references below are those versions,
and hypothesis looks for a difference near the tolerance edges (0.05
absolute, 1% relative), with strings, zero, negatives and dollar figures.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from themelens.news.claim import MONEY_METRICS, Claim
from themelens.news.extract.aliases import Spans
from themelens.news.extract.dedup import dedup, merge_amounts
from themelens.news.extract.sentences import MAX_SENTENCE_CHARS, split_sentences

_SPECIFIC = ("bond_issuance", "stake_purchase", "fund_flow", "investment_plan",
             "market_size", "price_target", "capex")  # fmt: skip


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(0.05, 0.01 * max(abs(a), abs(b)))


def _usd(c: Claim) -> set[float]:
    out: set[float] = set()
    if isinstance(c.value, float | int) and c.currency == "USD":
        out.add(float(c.value))
    if c.value_usd is not None:
        out.add(c.value_usd)
    return out


def _same(a: Claim, b: Claim) -> bool:
    if a.entity != b.entity or a.metric != b.metric:
        return False
    if isinstance(a.value, str) or isinstance(b.value, str):
        return a.value == b.value
    return a.currency == b.currency and _close(a.value, b.value)


def _same_in_usd(a: Claim, b: Claim) -> bool:
    if a.entity != b.entity or a.metric != b.metric or a.metric not in MONEY_METRICS:
        return False
    return any(_close(x, y) for x in _usd(a) for y in _usd(b))


def reference_merge_amounts(claims: list[Claim]) -> list[Claim]:
    money = [c for c in claims if c.metric in MONEY_METRICS]
    drop: set[int] = set()
    for a in money:
        for b in money:
            if a is b or a.entity != b.entity or a.metric == b.metric:
                continue
            same = any(_close(x, y) for x in _usd(a) for y in _usd(b)) or _same(
                replace(a, metric=b.metric), b
            )
            if same and _SPECIFIC.index(a.metric) > _SPECIFIC.index(b.metric):
                drop.add(id(a))
    return [c for c in claims if id(c) not in drop]


def reference_dedup(claims: list[Claim]) -> list[Claim]:
    out: list[Claim] = []
    for c in claims:
        k = next((k for k, o in enumerate(out) if _same(c, o) or _same_in_usd(c, o)), None)
        if k is None:
            out.append(c)
            continue
        if c.value_usd is not None and out[k].value_usd is None and out[k].currency == "USD":
            c, out[k] = out[k], c
        if out[k].window is None and out[k].date is None and (c.window or c.date):
            out[k] = replace(out[k], window=c.window, date=c.date)
    return out


_BASES = (0.0, 0.04, 1.0, 4.97, 5.0, 5.03, 53.0, 99.5, 1e9, 5.3e10)
values = st.one_of(
    st.sampled_from(_BASES).flatmap(
        lambda v: (
            st.sampled_from([-1.0, 1.0]).map(lambda s: s * v)
            | st.floats(-0.06, 0.06).map(lambda d: v + d)
            | st.floats(0.985, 1.015).map(lambda f: v * f)
        )
    ),
    st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False),
    st.sampled_from(["four-year", "2023", "record"]),
)
claims_st = st.builds(
    Claim,
    entity=st.sampled_from(["alibaba", "baidu", "alibaba+baidu"]),
    metric=st.sampled_from([*_SPECIFIC, "return_pct", "high_since"]),
    value=values,
    currency=st.sampled_from([None, "USD", "CNY", "HKD"]),
    window=st.sampled_from([None, "1d", "3y"]),
    date=st.sampled_from([None, "2025-09-24"]),
    value_usd=st.none() | values.filter(lambda v: isinstance(v, float)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(claims_st, max_size=40))
def test_dedup_and_merge_give_what_the_all_pairs_versions_gave(claims: list[Claim]) -> None:
    assert merge_amounts(claims) == reference_merge_amounts(claims)
    assert dedup(claims) == reference_dedup(claims)
    assert dedup(merge_amounts(claims)) == reference_dedup(reference_merge_amounts(claims))


spans_st = st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 90)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(spans_st)
def test_spans_overlap_as_a_scan_of_all_spans_does(spans: list[tuple[int, int]]) -> None:
    taken = Spans()
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        expected = any(start < e and s < end for s, e in kept)
        assert taken.overlaps(start, end) == expected
        if not expected:
            taken.add(start, end)
            kept.append((start, end))


def test_a_long_page_whose_full_stops_all_follow_abbreviations() -> None:
    # each abbreviation test reads its own word, not the text since the last sentence end
    # (quadratic: this page took minutes); the length bound alone cuts the page
    unit = "Alibaba Group Holding Inc. Said U.S. Corp. Tencent Holdings Ltd. Rose On Sept. 17 "
    text = unit * 4_000
    sentences = split_sentences(text)
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert all(MAX_SENTENCE_CHARS // 2 < len(s.text) <= MAX_SENTENCE_CHARS for s in sentences[:-1])
