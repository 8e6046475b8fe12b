"""Writers and a reader for the store fault tests, each run as its own process.

    python tests/faults/_store_workload.py articles DB WORKER COUNT BATCH
    python tests/faults/_store_workload.py prices DB WORKER BATCHES ROWS
    python tests/faults/_store_workload.py reader DB DONE_FILE

``articles`` stores ``COUNT`` articles of its own, ``BATCH`` at a time, the way
``news add`` does: ``add_articles`` for the batch, then ``replace_claims``
for each of them (``CLAIMS_PER_ARTICLE`` each). ``prices`` writes ``BATCHES``
price batches of ``ROWS`` rows, each with its fetch-log line. Both print
``committed N`` after each transaction returns. ``reader`` lists the articles
until ``DONE_FILE`` appears, fails on any article holding part of its claims
or on counts that go back, and prints its reads as JSON.

The texts and frames are made here, so tests and processes agree on them.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from datetime import datetime
from pathlib import Path

import pandas as pd

from themelens.data.store import FetchRecord, PriceStore
from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.store import ArticleStore

CLAIMS_PER_ARTICLE = 3
FETCHED = datetime(2025, 10, 1, 9, 30)
ENTITIES = ("baidu", "alibaba", "tencent", "smic", "xiaomi")


def article_text(worker: int, i: int) -> str:
    """A short news text, unique to (worker, i), with a few numeric claims."""
    a, b, c = (worker * 37 + i) % 40 + 1, (i * 7 + worker) % 9 + 1, (worker + i) % 25 + 3
    return (
        f"date: 2025-09-17\nsource: Wire {worker}\ntitle: Story {worker}-{i}\n\n"
        f"Baidu shares jumped {a}.{i % 10}% on Wednesday (desk {worker}, item {i}). "
        f"Alibaba fell {b}.{worker % 10}% in Hong Kong. "
        f"Tencent gained {c}% this month.\n"
    )


def write_folder(folder: Path, worker: int, count: int) -> dict[str, int]:
    """``count`` article files of ``worker`` in ``folder``; the claims extraction finds in each."""
    from themelens.news.extract import extract_claims  # the tests need it, the writers do not
    from themelens.theme import load_theme

    theme, found = load_theme("china-ai"), {}
    folder.mkdir(parents=True)
    for i in range(count):
        name, text = f"w{worker}-{i:04d}", article_text(worker, i)
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        claims = extract_claims(Article(name=name, text=text), theme)
        found[name] = len(list(getattr(claims, "claims", claims)))
    return found


def make_article(worker: int, i: int) -> Article:
    return Article(name=f"w{worker}-{i:04d}", text=article_text(worker, i), fetched_at=FETCHED)


def make_claims(worker: int, i: int) -> list[Claim]:
    return [
        Claim(
            ENTITIES[(i + k) % len(ENTITIES)],
            "return_pct",
            float(worker * 1000 + i + k / 10),
            window="1d",
            date="2025-09-17",
            quote=f"claim {k}",
        )
        for k in range(CLAIMS_PER_ARTICLE)
    ]


def price_frame(worker: int, batch: int, rows: int) -> pd.DataFrame:
    """``rows`` business days of ticker ``P<worker>``; batches never share a date (rows < 250)."""
    return pd.DataFrame(
        {
            "date": pd.bdate_range("1990-01-01", periods=rows) + pd.DateOffset(years=batch),
            "ticker": f"P{worker}",
            "open": 1.0,
            "high": 2.0,
            "low": 0.5,
            "close": float(batch),
            "volume": 10.0,
            "provider": "yahoo",
            "source": None,
            "fetched_at": FETCHED,
        }
    )


def write_articles(db: Path, worker: int, count: int, batch: int) -> None:
    store = ArticleStore(db)
    done = 0
    for first in range(0, count, batch):
        idx = range(first, min(first + batch, count))
        store.add_articles(make_article(worker, i) for i in idx)
        for i in idx:
            store.replace_claims(make_article(worker, i).id, make_claims(worker, i), extractor="t")
            done += 1
            print(f"committed {done}", flush=True)


def write_prices(db: Path, worker: int, batches: int, rows: int) -> None:
    store = PriceStore(db)
    for b in range(batches):
        log = FetchRecord("yahoo", f"P{worker}", None, None, FETCHED, rows, "ok", str(b))
        store.write_prices(price_frame(worker, b, rows), log=[log])
        print(f"committed {b + 1}", flush=True)


def read_until(db: Path, done_file: Path) -> int:
    store = ArticleStore(db)
    seen: list[tuple[int, int]] = []
    bad: list[str] = []
    while True:
        finished = done_file.exists()
        frame = store.list_articles()
        partial = frame.loc[~frame["claims"].isin([0, CLAIMS_PER_ARTICLE]), "name"]
        bad += [f"{name}: part of its claims" for name in partial]
        seen.append((len(frame), int(frame["claims"].sum())))
        if finished:
            break
        time.sleep(0.2)  # a reader that never paused would hold the writers off half the time
    if any(n < m or c < k for (m, k), (n, c) in itertools.pairwise(seen)):
        bad.append("counts went back")
    print(json.dumps({"reads": len(seen), "last": seen[-1], "bad": bad[:5]}))
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    kind, db = argv[0], Path(argv[1])
    if kind == "articles":
        write_articles(db, int(argv[2]), int(argv[3]), int(argv[4]))
    elif kind == "prices":
        write_prices(db, int(argv[2]), int(argv[3]), int(argv[4]))
    elif kind == "reader":
        return read_until(db, Path(argv[2]))
    else:
        raise SystemExit(f"unknown workload {kind!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
