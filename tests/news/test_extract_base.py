"""The extractor registry and the model-backed extractor, offline through its post seam.

The replayed HTTP exchanges are in test_extract_llm.py and test_extract_hybrid.py.
"""

from __future__ import annotations

import json

import pytest

from themelens.errors import ArticleError, InputError
from themelens.news.article import Article
from themelens.news.extract import (
    EXTRACTORS,
    OpenAICompatibleExtractor,
    RulesExtractor,
    get_extractor,
    parse_model_answer,
)
from themelens.news.extract.base import ExtractionStats, HybridExtractor, stats_of
from themelens.news.extract.llm_client import HttpReply
from themelens.theme import load_theme

ARTICLE = Article(name="a1", text="Baidu jumped 16% on Wednesday after Ernie news.")


def test_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THEMELENS_LLM_BASE_URL", raising=False)
    assert set(EXTRACTORS) >= {"rules", "llm", "hybrid", "openai"}
    assert isinstance(get_extractor("rules"), RulesExtractor)
    assert isinstance(get_extractor("llm"), OpenAICompatibleExtractor)
    assert isinstance(get_extractor("openai"), OpenAICompatibleExtractor)  # the old name
    assert isinstance(get_extractor("hybrid"), HybridExtractor)
    with pytest.raises(InputError, match="unknown extractor; choose from rules"):
        get_extractor("magic")


def test_parse_model_answer_validates_each_claim() -> None:
    answer = json.dumps(
        {
            "claims": [
                {"entity": "baidu", "metric": "return_pct", "value": 16, "quote": "Baidu jumped 16%",
                 "window": "1d", "currency": "USD", "qualifier": "wild"},
                {"entity": "baidu", "metric": "made_up", "value": 1},
                {"entity": "baidu", "metric": "return_pct", "value": "sixteen"},
                {"entity": "baidu", "metric": "return_pct", "value": 99, "quote": "not in text"},
                {"entity": "baidu", "metric": "capex", "value": 5e9},
                {"entity": "baidu", "metric": "high_since", "value": "2021-11-01",
                 "quote": "Ernie news"},
                {"entity": "baidu", "metric": "return_pct", "value": 16},
                "junk",
            ]
        }
    )  # fmt: skip
    claims = parse_model_answer(f"```json\n{answer}\n```", ARTICLE)
    assert [(c.metric, c.value) for c in claims] == [
        ("return_pct", 16.0),
        ("high_since", "2021-11"),
    ]
    first = claims[0]
    assert first.currency is None and first.qualifier is None  # not money; not a qualifier
    assert ARTICLE.text[first.start : first.end] == "Baidu jumped 16%"  # type: ignore[misc]


def test_parse_model_answer_rejects_non_json() -> None:
    with pytest.raises(ArticleError, match="a1: model answer is not JSON"):
        parse_model_answer("Sure! Here are the claims:", ARTICLE)


def test_rules_extractor_reports_stats() -> None:
    ex = RulesExtractor()
    assert stats_of(ex) is None
    claims = ex.extract(ARTICLE, load_theme())
    assert stats_of(ex) == ExtractionStats(kept=len(claims))
    assert stats_of(object()) is None  # a plugin without stats still works


def test_openai_extractor_is_off_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THEMELENS_LLM_BASE_URL", raising=False)
    with pytest.raises(InputError, match="THEMELENS_LLM_BASE_URL"):
        OpenAICompatibleExtractor().extract(ARTICLE, load_theme())


def test_openai_extractor_through_a_fake_post() -> None:
    seen: dict[str, object] = {}

    def post(url: str, headers: dict[str, str], body: bytes) -> HttpReply:
        seen.update(url=url, auth=headers.get("Authorization"), body=json.loads(body))
        item = {"entity": "baidu", "metric": "return_pct", "value": 16, "quote": "jumped 16%"}
        content = json.dumps([item])
        return HttpReply(200, json.dumps({"choices": [{"message": {"content": content}}]}).encode())

    ex = OpenAICompatibleExtractor(
        base_url="http://llm.local/v1/", model="m", api_key="k", post=post
    )
    claims = ex.extract(ARTICLE, load_theme())
    assert [(c.entity, c.value, c.article) for c in claims] == [("baidu", 16.0, "a1")]
    assert seen["url"] == "http://llm.local/v1/chat/completions"
    assert seen["auth"] == "Bearer k"


def test_openai_extractor_translates_transport_errors() -> None:
    def post(url: str, headers: dict[str, str], body: bytes) -> HttpReply:
        raise OSError("connection refused")

    ex = OpenAICompatibleExtractor(base_url="http://llm.local/v1", post=post)
    with pytest.raises(ArticleError, match="a1: model endpoint failed"):
        ex.extract(ARTICLE, load_theme())
