"""Bad input for extraction: no exception, claims where there are any, the same on every run.

Inputs the issue names: an article with no claims, a page that is mostly
navigation, one huge paragraph, a table of 2,000 rows. Cost stays linear
because no sentence handed to the per-sentence stages is longer than
``MAX_SENTENCE_CHARS`` (a run without full stops is cut at clause breaks).
"""

from __future__ import annotations

from datetime import date

import pytest

from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.extract import extract_claims
from themelens.news.extract.sentences import MAX_SENTENCE_CHARS, split_sentences
from themelens.theme import Theme, load_theme

WED = date(2025, 9, 24)
RUN_ON = "Alibaba shares rose 3.2% on Tuesday while Tencent fell 1.1% and "


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme()


def run(theme: Theme, text: str) -> list[Claim]:
    return extract_claims(Article(name="bad", text=text, published=WED), theme)


def test_no_sentence_is_longer_than_the_bound_and_offsets_hold() -> None:
    text = RUN_ON * 3_000  # ~200 KB, not one full stop
    sentences = split_sentences(text)
    assert max(len(s.text) for s in sentences) <= MAX_SENTENCE_CHARS
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert sum(len(s.text) for s in sentences) >= len(text) - 2 * len(sentences)


def test_a_huge_run_on_paragraph_gives_its_claims_the_same_each_time(theme: Theme) -> None:
    text = RUN_ON * 3_000
    first = run(theme, text)
    assert {(c.entity, c.metric, c.value) for c in first} >= {
        ("alibaba", "return_pct", 3.2),
        ("tencent", "return_pct", -1.1),
    }
    assert run(theme, text) == first


def test_a_table_of_2000_rows(theme: Theme) -> None:
    rows = "\n".join(
        f"| Baidu | 9888.HK | {100 + i % 50}.{i % 10} | +{i % 7}.{i % 9}% |" for i in range(2_000)
    )
    claims = run(theme, "Hong Kong movers, Wednesday close:\n" + rows)
    assert claims and {c.entity for c in claims} == {"baidu"}
    assert {c.metric for c in claims} == {"return_pct"}
    assert len(claims) == len({c.value for c in claims})  # one claim per distinct figure
    assert run(theme, "Hong Kong movers, Wednesday close:\n" + rows) == claims


@pytest.mark.parametrize(
    "text",
    [
        "\n".join(["Home", "Markets", "Tech", "Subscribe", "Log in", "© 2025"] * 300),
        "The market was quiet and investors waited for news from Beijing.",
        "",
        "%%%% 12345 $$$$ ((((((( 9.9.9.9 %%%%",
    ],
    ids=["navigation", "no-claims", "empty", "symbols"],
)
def test_pages_without_claims_give_none(theme: Theme, text: str) -> None:
    assert run(theme, text) == []
