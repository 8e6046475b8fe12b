"""Issue 16, item 3: claim extraction is linear in the size of its input.

A page saved as one line (no line breaks, thousands of sentences) used to
stall ``news add``, ``claims extract``, ``verify`` and ``report``: 200 KB took
minutes and a 9.5 MB line never finished. The inputs here are built at run
time from the repository's own corpus (``tests/news/own_corpus``), its
whitespace folded onto one line: a 10 MB article under ingest's cap goes
through ingest and the extractor within the work budget, and the cost of
400 KB is about four times that of 100 KB (sixteen would be quadratic).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from themelens.news.article import Article
from themelens.news.extract import extract_claims
from themelens.news.extract.assemble import extract_rules
from themelens.news.extract.budget import MAX_WORK, WorkBudget
from themelens.news.extract.sentences import MAX_SENTENCE_CHARS, MAX_SENTENCE_NUMBERS
from themelens.news.ingest import ingest
from themelens.news.ingest._decode import DEFAULT_MAX_BYTES
from themelens.theme import Theme, load_theme

OWN_CORPUS = Path(__file__).resolve().parents[1] / "news" / "own_corpus"
PUBLISHED = date(2025, 9, 24)


def _sentence_work() -> int:
    """The most one sentence can cost: as long and as full of numbers as a sentence gets, with
    room for 100 claims."""
    one = WorkBudget()
    one.charge(("1 " * MAX_SENTENCE_NUMBERS).ljust(MAX_SENTENCE_CHARS), claims=100)
    return one.spent


SENTENCE_WORK = _sentence_work()


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme()


@pytest.fixture(scope="module")
def prose() -> str:
    """The own corpus's articles on one line (header lines dropped, whitespace folded)."""
    texts = [
        " ".join(re.sub(r"^date: .*\n", "", p.read_text(encoding="utf-8")).split())
        for p in sorted(OWN_CORPUS.glob("*.txt"))
    ]
    assert texts, f"no articles in {OWN_CORPUS}"
    return " ".join(texts) + " "


def one_line(base: str, size: int) -> str:
    """``base`` repeated to at most ``size`` bytes of UTF-8, cut at a space."""
    text = base * (size // len(base.encode("utf-8")) + 1)
    text = text.encode("utf-8")[:size].decode("utf-8", errors="ignore")
    return text.rsplit(" ", 1)[0]


def table_dump(size: int) -> str:
    """A price table flattened onto one line: a number every few characters, a claim per cell."""
    rows = "".join(
        f"| {name} | {code} | {i % 9 - 4:+d}.{i % 10}% | HK${100 + i % 50}.{i % 7}0 | "
        for i, (name, code) in enumerate(
            [("Baidu", "9888.HK"), ("Alibaba", "9988.HK"), ("Tencent", "0700.HK")] * 40
        )
    )
    return one_line("Hong Kong movers, Wednesday close: " + rows, size)


def cpu_seconds(fn: Callable[[], object], runs: int) -> float:
    """The best CPU time of ``runs`` calls (CPU time: other processes do not inflate it)."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.slow
def test_a_10mb_one_line_article_goes_through_ingest_and_extraction(
    theme: Theme, prose: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "one-line.txt"
    path.write_text(f"date: {PUBLISHED}\n" + one_line(prose, DEFAULT_MAX_BYTES - 4096))
    assert DEFAULT_MAX_BYTES - 8192 < path.stat().st_size < DEFAULT_MAX_BYTES
    result = ingest([path])
    assert not result.failures
    (article,) = result.articles
    assert "\n" not in article.text.strip()  # still one line once read
    budget = WorkBudget()
    with caplog.at_level(logging.WARNING, logger="themelens.news.extract.budget"):
        claims = extract_rules(article, theme, budget=budget)
    # the work is bounded whatever the machine: past the budget, reading stops and says so
    assert budget.spent <= MAX_WORK + SENTENCE_WORK
    stopped = [r for r in caplog.records if "work budget" in r.getMessage()]
    assert bool(stopped) == budget.spent_out
    # and what was read gives the corpus's claims, each once (the text repeats)
    assert {("baidu", "return_pct"), ("alibaba", "return_pct")} <= {
        (c.entity, c.metric) for c in claims
    }
    assert len(claims) < 1_000


def test_reading_stops_where_the_budget_is_spent(
    theme: Theme, prose: str, caplog: pytest.LogCaptureFixture
) -> None:
    article = Article("long", one_line(prose, 200_000), published=PUBLISHED)
    budget = WorkBudget(limit=3_000)
    with caplog.at_level(logging.WARNING, logger="themelens.news.extract.budget"):
        claims = extract_rules(article, theme, budget=budget)
    assert budget.spent_out and budget.spent <= 3_000 + SENTENCE_WORK
    (record,) = [r for r in caplog.records if "work budget" in r.getMessage()]
    said = re.match(
        r"long: claims read from the first ([\d,]+) of ([\d,]+) characters", record.getMessage()
    )
    assert said is not None, record.getMessage()
    stop, total = (int(x.replace(",", "")) for x in said.groups())
    assert total == len(article.text) and 0 < stop < total
    assert claims and max(c.end for c in claims) <= stop


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["prose", "table dump"])
def test_cost_grows_linearly_with_a_one_line_article(theme: Theme, prose: str, kind: str) -> None:
    def make(size: int) -> Article:
        text = one_line(prose, size) if kind == "prose" else table_dump(size)
        return Article(f"{kind}-{size}", text, published=PUBLISHED)

    small, large = make(100_000), make(400_000)
    extract_claims(small, theme)  # warm up: the theme's patterns, the caches
    t_small = cpu_seconds(lambda: extract_claims(small, theme), runs=3)
    t_large = cpu_seconds(lambda: extract_claims(large, theme), runs=2)
    # linear is 4; quadratic 16. The bound leaves room for noise, not for n log n gone wrong
    assert t_large / t_small < 6, f"100 KB {t_small:.2f} s, 400 KB {t_large:.2f} s"
