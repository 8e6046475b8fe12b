"""``--extractor llm`` against a real local HTTP server replaying recorded exchanges.

Nothing reaches a network: ``ReplayServer`` listens on 127.0.0.1 and answers
with the recordings in tests/recordings/llm/ (made-up articles below, model
answers written by hand), so the urllib transport, retries and recording run
for real.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import date
from pathlib import Path

import pytest

from themelens.errors import ArticleError, InputError
from themelens.news.article import Article
from themelens.news.extract.llm import OpenAICompatibleExtractor, chunk_spans
from themelens.news.extract.llm_client import HttpReply, LLMConfig
from themelens.news.extract.llm_parse import locate_quote
from themelens.news.extract.llm_prompt import CLAIMS_SCHEMA
from themelens.news.extract.llm_record import Exchange, ReplayServer
from themelens.news.extract.stats import ExtractionStats, stats_of
from themelens.theme import load_theme

REC = Path(__file__).resolve().parents[1] / "recordings" / "llm"
MODEL = "qwen2.5:7b-instruct"

CHIP_NOTE = Article(
    name="chip_note",
    text=(
        "SMIC shares jumped 8.5% on Wednesday, their highest level since\n"
        "November 2021, after the chipmaker said it would spend $7.5 billion on new fabs "
        "this year.\n\nPop Mart fell 9%, and Meituan's shares rose 4%.\n"
    ),
    published=date(2025, 9, 17),
)
INDEX_WRAP = Article(
    name="index_wrap",
    text=(
        "The Hang Seng Tech Index rose 2.1% on Friday, its seventh straight week of gains, "
        "as chip stocks rallied.\n\n"
        "Alibaba added 3.2% after its cloud unit said revenue grew 26% in the June quarter.\n\n"
        "By the close the Tech Index was up 2.1% on the day, and the Hang Seng Index had "
        "gained 1.3%.\n"
    ),
    published=date(2025, 9, 19),
)


@pytest.fixture(autouse=True)
def _no_llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("THEMELENS_LLM_"):
            monkeypatch.delenv(name)


def extractor(server: ReplayServer, **options: object) -> OpenAICompatibleExtractor:
    config = LLMConfig(base_url=server.base_url, model=MODEL, **options)  # type: ignore[arg-type]
    return OpenAICompatibleExtractor(config=config, sleep=lambda s: None)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_request_carries_schema_vocabulary_conventions_slugs_and_date() -> None:
    with ReplayServer([REC / "chip_note.llm.json"]) as server:
        extractor(server).extract(CHIP_NOTE, load_theme())
    (body,) = server.requests
    assert server.paths == ["/v1/chat/completions"]
    assert body["model"] == MODEL and body["temperature"] == 0
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"] == CLAIMS_SCHEMA
    assert fmt["json_schema"]["strict"] is True
    system, user = (m["content"] for m in body["messages"])
    # vocabulary: every metric with its meaning
    assert "- high_since: price at its highest since the month in value" in system
    assert "- fund_flow: net money into the entity's shares" in system
    # conventions, as rules
    for rule in ("Who a number is about", "What a number measures", "When:",
                 "Text around the article", "Not claims:", "never lends its number"):  # fmt: skip
        assert rule in system
    # entity slugs from the theme, with names
    assert "- smic: SMIC, company" in system
    assert "- hstech: Hang Seng TECH Index, index" in system
    assert "- china-big-tech: Chinese big tech, aggregate" in system
    # the article's date and its text; one chunk, so no "part" line
    assert "Article date: 2025-09-17 (Wednesday)" in user
    assert CHIP_NOTE.text.strip() in user and "part 1" not in user


def test_claims_are_parsed_and_a_fabricated_quote_is_dropped_and_counted() -> None:
    with ReplayServer([REC / "chip_note.llm.json"]) as server:
        ex = extractor(server)
        claims = ex.extract(CHIP_NOTE, load_theme())
    got = [(c.entity, c.metric, c.value, c.currency, c.window, c.date) for c in claims]
    assert got == [
        ("smic", "return_pct", 8.5, None, "1d", "2025-09-17"),
        ("smic", "high_since", "2021-11", None, None, "2025-09-17"),
        ("smic", "capex", 7.5e9, "USD", "2025", "2025"),
        ("meituan", "return_pct", 4.0, None, "1d", "2025-09-17"),
    ]
    for c in claims:  # quotes are the article's own characters, with exact offsets
        assert c.article == "chip_note"
        assert CHIP_NOTE.text[c.start : c.end] == c.quote
    # the model re-flowed a line break and curled an apostrophe; the quote is the article's
    assert claims[1].quote == "highest level since\nNovember 2021"
    assert claims[3].quote == "Meituan's shares rose 4%"
    # "Baidu surged 12%" is not in the article; "pop-mart" is no slug; the repeat is merged
    assert ex.last_stats == ExtractionStats(kept=4, dropped_quote=1, dropped_invalid=1)
    assert stats_of(ex) is ex.last_stats
    assert ex.last_stats.as_text() == "kept 4, dropped_quote 1, dropped_invalid 1"


def test_a_long_article_is_chunked_one_request_each_and_merged_with_dedup() -> None:
    recordings = [REC / "index_wrap.llm-1.json", REC / "index_wrap.llm-2.json"]
    with ReplayServer(recordings) as server:
        ex = extractor(server, max_chars=200)
        claims = ex.extract(INDEX_WRAP, load_theme())
    first, second = (r["messages"][1]["content"] for r in server.requests)
    assert "part 1 of 2" in first and "part 2 of 2" in second
    assert "Alibaba added 3.2%" in first and "Alibaba added" not in second
    assert "Hang Seng Index had gained 1.3%" in second
    assert [(c.entity, c.metric, c.value) for c in claims] == [
        ("hstech", "return_pct", 2.1),  # said in both chunks, kept once
        ("hstech", "win_streak_weeks", 7.0),
        ("alibaba", "return_pct", 3.2),
        ("alibaba", "revenue_growth_pct", 26.0),
        ("hsi", "return_pct", 1.3),
    ]
    assert ex.last_stats == ExtractionStats(kept=5)


def test_chunk_spans_cut_at_paragraphs_under_the_budget() -> None:
    text = INDEX_WRAP.text
    spans = chunk_spans(text, 200)
    assert len(spans) == 2 and all(e - s <= 200 for s, e in spans)
    assert text[spans[0][0] : spans[0][1]].endswith("June quarter.")
    assert text[spans[1][0] :].startswith("By the close")
    assert chunk_spans(text, 12_000) == [(0, len(text))]
    long_paragraph = " ".join(["Tencent rose 1% on Monday."] * 40)
    cut = chunk_spans(long_paragraph, 300)
    assert all(e - s <= 300 for s, e in cut)
    assert all(long_paragraph[s:e].rstrip().endswith(".") for s, e in cut)
    assert "".join(long_paragraph[s:e] for s, e in cut) == long_paragraph
    assert chunk_spans(" \n\n \n", 300) == []


def test_locate_quote_exact_then_folded_and_within_the_chunk() -> None:
    text = "Alibaba\u2019s shares rose 5%\n on Monday \u2013 a record.\n\nAlibaba rose 5%."
    first = text.index("rose 5%")
    assert locate_quote(text, "rose 5%") == (first, first + len("rose 5%"))
    folded = locate_quote(text, "Alibaba's shares rose 5% on Monday - a record")
    assert folded == (0, text.index("record") + len("record"))
    assert locate_quote(text, "Alibaba surged 5%") is None
    assert locate_quote(text, "  ") is None
    assert locate_quote(text, "rose 5%", start=50) == (text.rindex("rose 5%"), len(text) - 1)


def test_a_server_error_is_retried_with_backoff() -> None:
    waits: list[float] = []
    with ReplayServer([REC / "overloaded.500.json", REC / "chip_note.llm.json"]) as server:
        config = LLMConfig(base_url=server.base_url, model=MODEL)
        ex = OpenAICompatibleExtractor(config=config, sleep=waits.append)
        claims = ex.extract(CHIP_NOTE, load_theme())
    assert len(server.requests) == 2 and server.requests[0] == server.requests[1]
    assert waits == [1.0]
    assert len(claims) == 4


def test_a_server_that_keeps_failing_is_one_line_naming_the_article() -> None:
    with ReplayServer([REC / "overloaded.500.json"] * 3) as server:
        ex = extractor(server, retries=2)
        with pytest.raises(ArticleError) as info:
            ex.extract(CHIP_NOTE, load_theme())
    assert str(info.value) == (
        "chip_note: model endpoint failed: HTTP 500 after 3 attempts: model is loading"
    )
    assert len(server.requests) == 3 and ex.last_stats is None


def test_a_server_that_is_down_is_one_line_naming_the_article() -> None:
    config = LLMConfig(base_url=f"http://127.0.0.1:{closed_port()}/v1", model=MODEL)
    ex = OpenAICompatibleExtractor(config=config)
    with pytest.raises(ArticleError) as info:
        ex.extract(CHIP_NOTE, load_theme())
    message = str(info.value)
    assert message.startswith("chip_note: model endpoint failed: http://127.0.0.1:")
    assert "unreachable" in message and "\n" not in message


def test_retry_after_is_honoured_and_a_400_is_not_retried() -> None:
    replies = [HttpReply(429, b"{}", retry_after=7.0), HttpReply(400, b'{"error": {"message": "bad schema"}}')]  # fmt: skip
    waits: list[float] = []

    def post(url: str, headers: dict[str, str], body: bytes) -> HttpReply:
        return replies.pop(0)

    ex = OpenAICompatibleExtractor(base_url="http://llm.test/v1", post=post, sleep=waits.append)
    with pytest.raises(ArticleError, match="HTTP 400 after 2 attempts: bad schema") as info:
        ex.extract(CHIP_NOTE, load_theme())
    assert waits == [7.0] and not replies
    assert "THEMELENS_LLM_RESPONSE_FORMAT=json_object" in str(info.value)


def test_an_answer_that_is_not_json_is_an_article_error() -> None:
    body = {"choices": [{"message": {"role": "assistant", "content": "Sure! Here you go."}}]}
    not_json = pytest.raises(ArticleError, match=r"^chip_note: model answer is not JSON")
    with ReplayServer([Exchange(request={}, status=200, body=body)]) as server, not_json:
        extractor(server).extract(CHIP_NOTE, load_theme())


def test_json_object_mode_and_other_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with ReplayServer([REC / "chip_note.llm.json"]) as server:
        monkeypatch.setenv("THEMELENS_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("THEMELENS_LLM_MODEL", "local-model")
        monkeypatch.setenv("THEMELENS_LLM_RESPONSE_FORMAT", "json_object")
        monkeypatch.setenv("THEMELENS_LLM_MAX_CHARS", "5000")
        ex = OpenAICompatibleExtractor()
        assert len(ex.extract(CHIP_NOTE, load_theme())) == 4
    (body,) = server.requests
    assert body["model"] == "local-model"
    assert body["response_format"] == {"type": "json_object"}
    assert json.dumps(CLAIMS_SCHEMA) in body["messages"][0]["content"]  # the schema, in words
    assert ex.config.max_chars == 5000
    monkeypatch.setenv("THEMELENS_LLM_RESPONSE_FORMAT", "yaml")
    with pytest.raises(InputError, match="THEMELENS_LLM_RESPONSE_FORMAT=yaml"):
        OpenAICompatibleExtractor()
    monkeypatch.setenv("THEMELENS_LLM_RESPONSE_FORMAT", "json_schema")
    monkeypatch.setenv("THEMELENS_LLM_MAX_CHARS", "lots")
    with pytest.raises(InputError, match="THEMELENS_LLM_MAX_CHARS=lots: not a whole number"):
        OpenAICompatibleExtractor()


def test_the_recorder_writes_each_exchange_and_the_recording_replays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "rec"
    with ReplayServer([REC / "chip_note.llm.json"]) as server:
        monkeypatch.setenv("THEMELENS_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("THEMELENS_LLM_API_KEY", "sk-secret")
        monkeypatch.setenv("THEMELENS_LLM_RECORD", str(out))
        claims = OpenAICompatibleExtractor().extract(CHIP_NOTE, load_theme())
    path = out / "chip_note.llm.json"
    assert [p.name for p in out.iterdir()] == [path.name]
    recorded = json.loads(path.read_text(encoding="utf-8"))
    assert recorded["request"] == server.requests[0]  # exactly what was sent
    assert recorded["response"]["status"] == 200
    assert "sk-secret" not in path.read_text(encoding="utf-8")  # no credentials on disk
    monkeypatch.delenv("THEMELENS_LLM_RECORD")
    with ReplayServer([path]) as again:
        assert extractor(again).extract(CHIP_NOTE, load_theme()) == claims
