"""Many processes writing one store at once: every committed row is there, counts are exact.

Issue 16: six ``news add`` and one ``prices fetch`` on one store lost 1 to 2 of
900 claims in every run, each process exiting 0. These tests run real
processes, no mocks: eight article writers, a price writer and a reader
through the store API, and a smaller run of the CLI commands themselves.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from _store_workload import CLAIMS_PER_ARTICLE, make_article, write_folder

WORKLOAD = Path(__file__).with_name("_store_workload.py")
REPO = Path(__file__).resolve().parents[2]
THEMELENS = Path(sys.executable).with_name("themelens")

# The spec's load is 8 x 200 articles (THEMELENS_FAULT_ARTICLES=200); each article's claims
# are a transaction of their own, and on a loaded 2-core machine 1,600 of them take minutes,
# so the default is smaller. bench/bench_store_concurrency.py runs the full load, repeatedly.
WRITERS, BATCH = 8, 20
ARTICLES = int(os.environ.get("THEMELENS_FAULT_ARTICLES", "100"))
PRICE_BATCHES, PRICE_ROWS = 20, 50


def _env() -> dict[str, str]:
    src = str(REPO / "src")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


def _start(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(a) for a in args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )


def _finish(procs: list[subprocess.Popen[str]], timeout: float) -> list[tuple[int, str, str]]:
    """Wait for every process (killing all of them past ``timeout``): (status, stdout, stderr)."""
    deadline = time.monotonic() + timeout
    out = []
    try:
        for p in procs:
            o, e = p.communicate(timeout=max(deadline - time.monotonic(), 1))
            out.append((p.returncode, o, e))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    return out


def _counts(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.slow
def test_eight_article_writers_a_price_writer_and_a_reader_lose_nothing(tmp_path: Path) -> None:
    db, done = tmp_path / "store.duckdb", tmp_path / "done"
    writers = [
        _start(sys.executable, WORKLOAD, "articles", db, w, ARTICLES, BATCH) for w in range(WRITERS)
    ]
    writers.append(_start(sys.executable, WORKLOAD, "prices", db, 0, PRICE_BATCHES, PRICE_ROWS))
    reader = _start(sys.executable, WORKLOAD, "reader", db, done)
    try:
        results = _finish(writers, timeout=240)
    finally:
        done.touch()
    [(read_status, read_out, read_err)] = _finish([reader], timeout=60)

    for status, out, err in results:
        assert status == 0, err
        assert out.split()[-1] == str(out.count("committed"))  # printed after each commit
    assert read_status == 0, read_out + read_err
    assert json.loads(read_out)["reads"] >= 2  # it read while the writers wrote

    stored = dict(_counts(db, "SELECT name, id FROM articles"))
    expected = {
        a.name: a.id for a in (make_article(w, i) for w in range(WRITERS) for i in range(ARTICLES))
    }
    assert stored == expected
    per_article = _counts(
        db, "SELECT article_id, count(*), count(DISTINCT idx) FROM claims GROUP BY ALL"
    )
    assert len(per_article) == WRITERS * ARTICLES
    assert {(n, k) for _, n, k in per_article} == {(CLAIMS_PER_ARTICLE, CLAIMS_PER_ARTICLE)}
    assert _counts(db, "SELECT count(*), count(DISTINCT date) FROM prices") == [
        (PRICE_BATCHES * PRICE_ROWS, PRICE_BATCHES * PRICE_ROWS)
    ]
    assert _counts(db, "SELECT count(*), sum(rows) FROM fetch_log") == [
        (PRICE_BATCHES, PRICE_BATCHES * PRICE_ROWS)
    ]


CLI_WRITERS, CLI_ARTICLES = 3, 40


@pytest.mark.slow
def test_news_add_and_prices_fetch_at_once_keep_every_row_they_report(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    expected: dict[str, int] = {}
    for w in range(CLI_WRITERS):
        expected |= write_folder(tmp_path / f"in{w}", w, CLI_ARTICLES)
    assert sum(expected.values()) > CLI_WRITERS * CLI_ARTICLES  # a few claims per article

    procs = [
        _start(THEMELENS, "news", "add", tmp_path / f"in{w}", "--db", db)
        for w in range(CLI_WRITERS)
    ]
    procs.append(_start(THEMELENS, "prices", "fetch", "--demo", "--db", db))
    results = _finish(procs, timeout=240)

    for status, _, err in results:
        assert status == 0, err
    reported = sum(int(m) for _, out, _ in results[:-1] for m in re.findall(r"(\d+) claims", out))
    assert reported == sum(expected.values())
    rows_added = re.search(r"(\d+) rows added", results[-1][1])
    assert rows_added is not None, results[-1][1]

    stored = _counts(
        db,
        "SELECT a.name, count(c.idx) FROM articles a LEFT JOIN claims c ON c.article_id = a.id "
        "GROUP BY ALL",
    )
    assert dict(stored) == expected
    assert _counts(db, "SELECT count(*) FROM prices") == [(int(rows_added[1]),)]
