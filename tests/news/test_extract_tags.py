"""Ticker tags are read past and quotes still come from the article as published."""

from __future__ import annotations

from datetime import date

import pytest

from themelens.news.article import Article
from themelens.news.extract import extract_claims
from themelens.news.extract.tags import strip_tags
from themelens.theme import load_theme


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("Alibaba-W (09988) fell 3%.", "Alibaba fell 3%."),
        ("Baidu's (09888.HK) Hong Kong shares rose.", "Baidu's Hong Kong shares rose."),
        ("AlibabaBABA-- jumped.", "Alibaba jumped."),
        ("Baidu (NASDAQ:BIDU) and Tencent (HKEX: 700) rose.", "Baidu and Tencent rose."),
        ("Alibaba’s (NYSE:) decision (BIDU US / 9888 HK)", "Alibaba’s decision"),
        ("up 390 points (+1.5%) on ($53 billion) of (AI) spending", None),
    ],
)
def test_tags_go_and_everything_else_stays(text: str, reading: str | None) -> None:
    untagged = strip_tags(text)
    assert untagged.text == (reading if reading is not None else text)


def test_offsets_map_back_to_the_original() -> None:
    text = "Among leaders, BABA-W (09988) fell 3.2% and TENCENT (00700) slid 2%."
    untagged = strip_tags(text)
    for word in ("fell 3.2%", "slid 2%", "TENCENT", "leaders"):
        i = untagged.text.index(word)
        assert text[untagged.original(i) : untagged.original_end(i + len(word))] == word


def test_a_tagged_claim_quotes_the_article_with_its_tags() -> None:
    text = "Baidu's (09888.HK) Hong Kong shares trade at about 11 times forward earnings."
    article = Article(name="t", text=text, published=date(2025, 9, 24))
    (claim,) = extract_claims(article, load_theme())
    assert (claim.entity, claim.metric, claim.value) == ("baidu", "forward_pe", 11.0)
    assert claim.start is not None and claim.end is not None
    assert text[claim.start : claim.end] == claim.quote
    assert "(09888.HK)" in claim.quote or claim.quote.startswith("11 times")
