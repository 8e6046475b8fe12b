"""``--extractor hybrid``: rules candidates adjudicated by a model behind a local replay server.

The unit tests fix the candidates (a ``propose`` function) so they do not move
when the rules do; the CLI test runs the real rules end to end.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from themelens.cli import app
from themelens.errors import ArticleError
from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.extract.hybrid import HybridExtractor, apply_decisions, render_candidate
from themelens.news.extract.llm_client import LLMConfig
from themelens.news.extract.llm_prompt import ADJUDICATION_SCHEMA
from themelens.news.extract.llm_record import ReplayServer
from themelens.news.extract.stats import ExtractionStats
from themelens.theme import Theme, load_theme

REC = Path(__file__).resolve().parents[1] / "recordings" / "llm"
MODEL = "qwen2.5:7b-instruct"

HYBRID_NOTE = Article(
    name="hybrid_note",
    text=(
        "Alibaba shares rose 5% on Monday. Pop Mart fell 9%, and Meituan rose 4%. "
        "Tencent and Alibaba together spent $32 billion on capex last year.\n"
        "Baidu said cloud revenue grew 26%. Xiaomi gained 2%. The Nasdaq rose 1%. SMIC fell 3%.\n"
    ),
    published=date(2025, 9, 15),
)
CLI_NOTE = b"date: 2025-09-17\n\nBaidu jumped 16% on Wednesday. Tencent fell 3% on Monday.\n"


def candidate(entity: str, metric: str, value: float, quote: str, currency: str | None = None) -> Claim:  # fmt: skip
    start = HYBRID_NOTE.text.index(quote)
    return Claim(
        entity=entity, metric=metric, value=value, currency=currency, window="1d",
        date="2025-09-15", quote=quote, article=HYBRID_NOTE.name, start=start,
        end=start + len(quote),
    )  # fmt: skip


CANDIDATES = [
    candidate("alibaba", "return_pct", 5, "Alibaba shares rose 5%"),  # 1 kept
    candidate("meituan", "return_pct", -9, "fell 9%"),  # 2 Pop Mart's number: dropped
    candidate("meituan", "return_pct", 4, "Meituan rose 4%"),  # 3 kept
    candidate(
        "tencent", "capex", 3.2e10, "spent $32 billion on capex", "USD"
    ),  # 4 -> alibaba+tencent
    candidate("baidu", "return_pct", 26, "revenue grew 26%"),  # 5 -> revenue_growth_pct
    candidate("xiaomi", "return_pct", 2, "Xiaomi gained 2%"),  # 6 answer has an unknown slug
    candidate("nasdaq-composite", "return_pct", 1, "The Nasdaq rose 1%"),  # 7 no answer
    candidate("smic", "return_pct", -3, "SMIC fell 3%"),  # 8 answer has an unknown metric
]


def propose(article: Article, theme: Theme) -> list[Claim]:
    return list(CANDIDATES)


@pytest.fixture(autouse=True)
def _no_llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("THEMELENS_LLM_"):
            monkeypatch.delenv(name)


def hybrid(base_url: str) -> HybridExtractor:
    config = LLMConfig(base_url=base_url, model=MODEL, retries=0)
    return HybridExtractor(config=config, propose=propose, sleep=lambda s: None)


def test_the_request_lists_numbered_candidates_with_quote_and_sentence() -> None:
    with ReplayServer([REC / "hybrid_note.hybrid.json"]) as server:
        hybrid(server.base_url).extract(HYBRID_NOTE, load_theme())
    (body,) = server.requests
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"] == ADJUDICATION_SCHEMA
    system, user = (m["content"] for m in body["messages"])
    assert "cannot change a value or a quote" in system
    assert "Who a number is about" in system and "- meituan: Meituan, company" in system
    assert "Article date: 2025-09-15 (Monday)" in user
    assert (
        "[2] entity=meituan metric=return_pct value=-9\n"
        '    quote: "fell 9%"\n'
        '    sentence: "Pop Mart fell 9%, and Meituan rose 4%."'
    ) in user
    assert "[4] entity=tencent metric=capex value=3.2e+10 USD" in user
    assert 'sentence: "Baidu said cloud revenue grew 26%."' in user  # a line start bounds it
    assert "[8] entity=smic" in user and "[9]" not in user


def test_the_model_keeps_drops_and_relabels_and_bad_answers_are_ignored_and_counted() -> None:
    with ReplayServer([REC / "hybrid_note.hybrid.json"]) as server:
        ex = hybrid(server.base_url)
        claims = ex.extract(HYBRID_NOTE, load_theme())
    assert [(c.entity, c.metric, c.value) for c in claims] == [
        ("alibaba", "return_pct", 5),
        ("meituan", "return_pct", 4),  # Pop Mart's -9 is gone
        ("alibaba+tencent", "capex", 3.2e10),  # "tencent+alibaba", sorted
        ("baidu", "revenue_growth_pct", 26),
        ("xiaomi", "return_pct", 2),  # answer named "xiaomi-corp": ignored
        ("nasdaq-composite", "return_pct", 1),  # no answer
        ("smic", "return_pct", -3),  # answer named metric "stock_move": ignored
    ]
    by_quote = {c.quote: c for c in CANDIDATES}
    for c in claims:  # values, quotes and offsets are the rules' own
        original = by_quote[c.quote]
        assert (c.value, c.start, c.end, c.date) == (original.value, original.start, original.end, original.date)  # fmt: skip
    # ignored: id 99, the repeated id 1, xiaomi-corp, stock_move
    assert ex.last_stats == ExtractionStats(
        kept=7, rejected=1, relabelled=2, ignored=4, unanswered=1
    )


def test_apply_decisions_never_lets_a_relabel_break_a_claim() -> None:
    theme_slugs = {"alibaba", "tencent", "baidu"}
    cands = CANDIDATES[:1] + CANDIDATES[3:4]  # a price move, a USD amount
    decisions = [
        {"id": 1, "keep": True, "entity": "alibaba", "metric": "high_since"},  # needs a month
        {"id": 2, "keep": True, "entity": "tencent", "metric": "revenue_growth_pct"},
        {"id": True, "keep": False},  # a bool is no id
        "junk",
    ]
    result = apply_decisions(cands, decisions, theme_slugs)
    assert result.claims[0] == cands[0]
    assert (result.claims[1].metric, result.claims[1].currency) == ("revenue_growth_pct", None)
    assert result.stats == ExtractionStats(kept=2, relabelled=1, ignored=3)
    assert apply_decisions(cands, {"not": "a list"}, theme_slugs).stats.unanswered == 2


def test_render_candidate_without_offsets_finds_the_quote() -> None:
    c = Claim(entity="smic", metric="return_pct", value=-3.0, quote="SMIC fell 3%")
    assert render_candidate(3, c, HYBRID_NOTE.text).endswith('sentence: "SMIC fell 3%."')


def test_no_candidates_no_request() -> None:
    ex = HybridExtractor(
        config=LLMConfig(base_url="http://127.0.0.1:9/v1"), propose=lambda a, t: []
    )
    assert ex.extract(HYBRID_NOTE, load_theme()) == []
    assert ex.last_stats == ExtractionStats()


def test_a_failing_endpoint_fails_the_article_without_falling_back() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ex = hybrid(f"http://127.0.0.1:{port}/v1")
    with pytest.raises(ArticleError, match=r"^hybrid_note: model endpoint failed: .*unreachable"):
        ex.extract(HYBRID_NOTE, load_theme())
    failing = pytest.raises(ArticleError, match="hybrid_note: model endpoint failed: HTTP 500")
    with ReplayServer([REC / "overloaded.500.json"]) as server, failing:
        hybrid(server.base_url).extract(HYBRID_NOTE, load_theme())
    assert ex.last_stats is None


def test_cli_extract_with_hybrid_end_to_end(tmp_path: Path) -> None:
    article = tmp_path / "cli_note.txt"
    article.write_bytes(CLI_NOTE)
    with ReplayServer([REC / "cli_note.hybrid.json"]) as server:
        result = CliRunner().invoke(
            app,
            ["claims", "extract", str(article), "--extractor", "hybrid"],
            env={"THEMELENS_LLM_BASE_URL": server.base_url, "THEMELENS_LLM_MODEL": MODEL},
        )
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.strip().splitlines()  # the model dropped Tencent's candidate
    claim = json.loads(line)
    assert (claim["article"], claim["entity"], claim["metric"], claim["value"]) == (
        "cli_note", "baidu", "return_pct", 16.0,
    )  # fmt: skip
    assert claim["quote"] == "Baidu jumped 16%"
    assert result.stderr.strip() == "hybrid: kept 1, rejected 1"  # the batch's drops, not hidden
    user = server.requests[0]["messages"][1]["content"]
    assert "Article date: 2025-09-17" in user
    assert "[1] entity=baidu" in user and "[2] entity=tencent" in user


def test_cli_extract_with_a_dead_endpoint_is_one_error_line(tmp_path: Path) -> None:
    article = tmp_path / "cli_note.txt"
    article.write_bytes(CLI_NOTE)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(
        app,
        ["claims", "extract", str(article), "--extractor", "llm"],
        env={"THEMELENS_LLM_BASE_URL": f"http://127.0.0.1:{port}/v1"},
    )
    assert result.exit_code == 1
    (line,) = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert line.startswith("error: cli_note: model endpoint failed:")
