"""The whole rules pipeline on sentences written for these tests (no corpus text here)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from themelens.news.article import Article
from themelens.news.claim import METRICS, Claim
from themelens.news.extract import extract_claims
from themelens.theme import Theme, load_theme

THU = date(2025, 9, 18)


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme()


def run(theme: Theme, text: str, published: date | None = THU) -> list[Claim]:
    return extract_claims(Article(name="t", text=text, published=published), theme)


def facts(claims: list[Claim]) -> list[tuple[object, ...]]:
    return [
        (c.entity, c.metric, c.value, c.currency, c.window, c.date, c.qualifier) for c in claims
    ]


def test_price_moves_with_day_and_clause_bound_entities(theme: Theme) -> None:
    text = (
        "Shares of Xiaomi rose 4.5 per cent to HK$52.10 on Wednesday, while Meituan fell 1.2 per cent. "
        "The Hang Seng Index climbed 1.8% to 26,500 points."
    )
    assert facts(run(theme, text)) == [
        ("xiaomi", "return_pct", 4.5, None, "1d", "2025-09-17", None),
        ("meituan", "return_pct", -1.2, None, "1d", "2025-09-17", None),
        ("hsi", "return_pct", 1.8, None, "1d", "2025-09-17", None),
    ]


def test_named_set_and_comparison_windows(theme: Theme) -> None:
    text = (
        "Tencent, Baidu and JD.com together spent $20 billion on capital expenditure in 2024, "
        "up from $9 billion in 2022."
    )
    assert facts(run(theme, text)) == [
        ("baidu+jd+tencent", "capex", 2e10, "USD", "2024", "2024", None),
        ("baidu+jd+tencent", "capex", 9e9, "USD", "2022", "2022", None),
    ]


def test_anaphors_resolve_to_the_index_and_the_company(theme: Theme) -> None:
    text = (
        "The Hang Seng TECH Index gained 3% this week. Kuaishou Technology shares slipped. "
        "The gauge is still roughly 55% below its record high. Investors bought $40 million "
        "worth of the company's stock, ARK Invest said."
    )
    got = facts(run(theme, text))
    assert got[0] == ("hstech", "return_pct", 3.0, None, "1w", "2025-09-18", None)
    assert got[1] == ("hstech", "drawdown_from_peak_pct", 55.0, None, None, "2025-09-18", "about")
    assert got[2][:4] == ("kuaishou", "stake_purchase", 4e7, "USD")


def test_plan_with_bracketed_dollars_and_duration_in_the_next_sentence(theme: Theme) -> None:
    text = (
        "Alibaba pledged 380 billion yuan ($53 billion) for AI infrastructure. "
        "The investment will be spread over three years."
    )
    (claim,) = run(theme, text)
    assert facts([claim]) == [("alibaba", "investment_plan", 3.8e11, "CNY", "3y", None, None)]
    assert claim.value_usd == pytest.approx(5.3e10)


def test_phrases_get_the_article_date(theme: Theme) -> None:
    text = "Chinese tech stocks rallied to their highest since March 2022, a sixth straight week of gains."
    assert facts(run(theme, text)) == [
        ("hstech", "high_since", "2022-03", None, None, "2025-09-18", None),
        ("hstech", "win_streak_weeks", 6.0, None, None, "2025-09-18", None),
    ]


def test_quotes_are_exact_spans_with_offsets(theme: Theme) -> None:
    text = "Intro line.\n\nSMIC, the chipmaker, rose nearly 8% on Monday after results."
    (claim,) = run(theme, text)
    assert claim.start is not None and claim.end is not None
    assert text[claim.start : claim.end] == claim.quote
    assert "8%" in claim.quote and claim.quote.startswith("SMIC")
    assert claim.qualifier == "nearly"


def test_restatements_are_deduplicated(theme: Theme) -> None:
    text = "Naura jumped 10% on Monday. Later, Naura's 10% jump was the talk of the market."
    assert len(run(theme, text)) == 1


def test_numbers_that_are_not_claims(theme: Theme) -> None:
    text = (
        "DeepSeek trained R1 on 2,048 chips in 2024. The index closed at 6,000 points. "
        "Nvidia holds about 90% market share. Alibaba has 1.1 billion users and 19 billion shares."
    )
    assert run(theme, text) == []


def test_unknown_date_leaves_relative_dates_empty(theme: Theme) -> None:
    (claim,) = run(theme, "Baidu jumped 16% on Wednesday.", published=None)
    assert (claim.window, claim.date) == ("1d", None)


def test_empty_article(theme: Theme) -> None:
    assert run(theme, "") == []


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_extraction_never_raises_on_arbitrary_text(text: str) -> None:
    theme = load_theme()
    for claim in run(theme, text):
        assert claim.metric in METRICS
        assert text[claim.start : claim.end] == claim.quote  # type: ignore[misc]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Alibaba", "rose", "fell", "4.2%", "$3 billion", "bonds", "on Monday", "the index",
             ",", ".", "while", "its", "per cent", "seventh straight week", "Hang Seng", "(", ")",
             "21x", "forward", "since", "2021", "yuan", "HK$", "\n", "\n\n"]
        ),
        max_size=40,
    )
)  # fmt: skip
def test_extraction_never_raises_on_financial_word_salad(words: list[str]) -> None:
    text = " ".join(words)
    for claim in run(load_theme(), text):
        assert text[claim.start : claim.end] == claim.quote  # type: ignore[misc]
