"""Extraction on one-line articles of growing size: is the cost linear, and how long is the longest?

Builds each input by folding the whitespace (newlines included) of the
articles in ``tests/news/own_corpus`` and, when present, ``../shared/corpus/dev``
into one line, repeated up to the size asked for (default 50 KB, 100 KB,
200 KB, 1 MB and 10 MB, the last just under ingest's 10 MB cap). Each input
goes through the rules extractor once, on one process, and the script
prints wall and CPU seconds, KB/s and the work units spent
(``themelens.news.extract.budget``); ``stopped`` marks an input whose reading
ended at the work budget. Linear cost shows as a flat KB/s column.

Run: ``.venv/bin/python bench/bench_extract_long.py [--sizes 50,100,200,1024,10240]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
import time
from datetime import date
from pathlib import Path

from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py

from themelens.news.article import Article
from themelens.news.extract.assemble import extract_rules
from themelens.news.extract.budget import WorkBudget
from themelens.news.ingest._decode import DEFAULT_MAX_BYTES
from themelens.theme import load_theme

REPO = Path(__file__).resolve().parents[1]
CORPORA = (REPO / "tests" / "news" / "own_corpus", REPO.parent / "shared" / "corpus" / "dev")
_HEADER_RE = re.compile(r"^date: .*\n")


def machine() -> str:
    return (
        f"{platform.system()} {platform.release()} | {cpu_model()} | {os.cpu_count()} logical CPUs "
        f"(bench uses 1) | Python {platform.python_version()}"
    )


def one_line(size_kb: int) -> str:
    """The corpora's texts on one line, repeated to ``size_kb`` KB of UTF-8 (under the cap)."""
    texts = [
        " ".join(_HEADER_RE.sub("", p.read_text(encoding="utf-8")).split())
        for folder in CORPORA
        if folder.is_dir()
        for p in sorted(folder.glob("*.txt"))
    ]
    base = " ".join(texts) + " "
    limit = min(size_kb * 1024, DEFAULT_MAX_BYTES - 1024)
    text = base * (limit // len(base.encode("utf-8")) + 1)
    while len(text.encode("utf-8")) > limit:
        text = text[: len(text) - (len(text.encode("utf-8")) - limit) - 1]
    return text.rsplit(" ", 1)[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="50,100,200,1024,10240", help="KB, comma-separated")
    args = ap.parse_args()
    logging.basicConfig(format="  %(message)s")  # the budget's warning, under its row
    theme = load_theme()
    print(machine())
    extract_rules(Article("warm-up", "Baidu rose 5% on Monday."), theme)
    print(f"{'size':>9} {'wall s':>8} {'cpu s':>8} {'KB/s':>8} {'work':>10} {'claims':>7}")
    for size_kb in (int(s) for s in args.sizes.split(",")):
        text = one_line(size_kb)
        article = Article(f"one-line-{size_kb}kb", text, published=date(2025, 9, 24))
        budget = WorkBudget()
        wall, cpu = time.perf_counter(), time.process_time()
        claims = extract_rules(article, theme, budget=budget)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        kb = len(text.encode("utf-8")) / 1024
        stopped = "  stopped" if budget.spent_out else ""
        print(
            f"{kb:7.0f}KB {wall:8.2f} {cpu:8.2f} {kb / wall:8.0f} {budget.spent:10,} "
            f"{len(claims):7}{stopped}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
