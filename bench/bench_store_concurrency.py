"""Benchmark: N processes writing one store at once; committed rows lost (must be 0) and wall time.

Each run starts a fresh store and ``--procs`` writer processes (multiprocessing,
spawn). Each writes ``--articles`` articles of its own the way ``news add``
does: ``add_articles`` for a batch of ``--batch``, then ``replace_claims``
for each article (``--claims`` claims, one transaction per article). One more
process writes ``--price-batches`` price batches of 50 rows with their
fetch-log lines, as ``prices fetch`` does. Each process reports the rows
whose writes returned (committed); the script counts what the store holds
and prints, per run, the committed rows missing from it ("lost", must be 0)
and any process that failed (one line each). Last, the same load runs in one process (the
article and price writes one after another) for the wall time it takes
without contention.

Issue 16 measured, before the store lock: 6 x 150 articles plus a price
fetch lost 1 to 2 of 900 claims in each of 3 runs. To measure another copy
of the code, put its ``src`` first: ``PYTHONPATH=/other/src python bench/...``
(the script prints which ``themelens`` it ran).

Run: .venv/bin/python bench/bench_store_concurrency.py [--procs 8] [--articles 200] [--runs 20]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from multiprocessing.queues import Queue
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd
from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py

import themelens.duckdb_file
from themelens.data.store import FetchRecord, PriceStore
from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.store import ArticleStore

FETCHED = datetime(2025, 10, 1, 9, 30)
PRICE_ROWS = 50


class Load(NamedTuple):
    procs: int
    articles: int
    batch: int
    claims: int
    price_batches: int


class Outcome(NamedTuple):
    seconds: float
    errors: tuple[str, ...]  # one line per process that failed
    lost_articles: int  # committed (the write returned) but not in the store
    lost_claims: int
    lost_prices: int


Committed = list[int]  # articles, claims, price rows whose write returned
Report = tuple[tuple[int, ...], str]  # committed, error ("" when the process succeeded)


def _article(worker: int, i: int) -> Article:
    text = (
        f"Baidu shares jumped {(worker * 37 + i) % 40 + 1}.{i % 10}% on Wednesday "
        f"(desk {worker}, item {i}). Alibaba fell {(i * 7 + worker) % 9 + 1}% in Hong Kong.\n"
    )
    return Article(name=f"w{worker}-{i:04d}", text=text, fetched_at=FETCHED)


def _claims(worker: int, i: int, n: int) -> list[Claim]:
    return [
        Claim("baidu", "return_pct", float(worker * 1000 + i + k / 10), quote=f"claim {k}")
        for k in range(n)
    ]


def write_articles(db: str, worker: int, load: Load, done: Committed) -> None:
    store = ArticleStore(Path(db))
    for first in range(0, load.articles, load.batch):
        idx = range(first, min(first + load.batch, load.articles))
        done[0] += len(store.add_articles(_article(worker, i) for i in idx).added)
        for i in idx:
            done[1] += store.replace_claims(
                _article(worker, i).id, _claims(worker, i, load.claims), extractor="bench"
            )


def write_prices(db: str, load: Load, done: Committed) -> None:
    store = PriceStore(Path(db))
    for b in range(load.price_batches):
        frame = pd.DataFrame(
            {
                "date": pd.bdate_range("1990-01-01", periods=PRICE_ROWS) + pd.DateOffset(years=b),
                "ticker": "BENCH", "open": 1.0, "high": 2.0, "low": 0.5, "close": float(b),
                "volume": 1.0, "provider": "yahoo", "source": None, "fetched_at": FETCHED,
            }
        )  # fmt: skip
        log = FetchRecord("yahoo", "BENCH", None, None, FETCHED, PRICE_ROWS, "ok", str(b))
        done[2] += store.write_prices(frame, log=[log]).inserted


def _worker(
    db: str, workers: Sequence[int], prices: bool, load: Load, queue: Queue[Report]
) -> None:
    """Write the articles of ``workers`` (and the prices), then report what was committed."""
    done, error = [0, 0, 0], ""
    try:
        for w in workers:
            write_articles(db, w, load, done)
        if prices:
            write_prices(db, load, done)
    except Exception as exc:  # reported as one line, the run goes on
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    queue.put((tuple(done), error))


def _stored(db: Path) -> tuple[int, int, int]:
    with duckdb.connect(str(db), read_only=True) as con:

        def count(table: str) -> int:
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            return int(row[0]) if row else 0

        return count("articles"), count("claims"), count("prices")


def run_once(folder: Path, load: Load, *, concurrent: bool) -> Outcome:
    db = folder / f"store-{time.monotonic_ns()}.duckdb"
    ctx = mp.get_context("spawn")
    queue: Queue[Report] = ctx.Queue()
    jobs: list[tuple[tuple[int, ...], bool]]  # (article writers, prices) of each process
    if concurrent:
        jobs = [((w,), False) for w in range(load.procs)] + [((), True)]
    else:
        jobs = [(tuple(range(load.procs)), True)]
    procs = [ctx.Process(target=_worker, args=(str(db), w, p, load, queue)) for w, p in jobs]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    reports = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    seconds = time.perf_counter() - started
    committed = [sum(r[0][k] for r in reports) for k in range(3)]
    errors = tuple(e for _, e in reports if e)
    errors += tuple(f"exit status {p.exitcode}" for p in procs if p.exitcode)
    lost = [c - s for c, s in zip(committed, _stored(db), strict=True)]
    for suffix in ("", ".wal", ".lock"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return Outcome(seconds, errors, *lost)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--procs", type=int, default=8, help="article writer processes (default 8)")
    ap.add_argument("--articles", type=int, default=200, help="articles per process (default 200)")
    ap.add_argument("--batch", type=int, default=50, help="articles per add_articles call")
    ap.add_argument("--claims", type=int, default=3, help="claims per article (default 3)")
    ap.add_argument(
        "--price-batches", type=int, default=20, help="price writes of 50 rows (default 20)"
    )
    ap.add_argument("--runs", type=int, default=20, help="concurrent runs (default 20)")
    ap.add_argument("--single-runs", type=int, default=1, help="one-process runs (default 1)")
    ap.add_argument(
        "--dir", type=Path, default=None, help="where the stores go (default: a temp dir)"
    )
    args = ap.parse_args()
    load = Load(args.procs, args.articles, args.batch, args.claims, args.price_batches)

    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"
    )
    print(f"python {platform.python_version()}, duckdb {duckdb.__version__}")
    print(f"themelens from {Path(themelens.duckdb_file.__file__).parent}")
    print(
        f"load: {load.procs} processes x {load.articles} articles ({load.claims} claims each, "
        f"one transaction per article) + {load.price_batches} price writes of {PRICE_ROWS} rows\n"
    )
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-store-"))
    folder.mkdir(parents=True, exist_ok=True)

    runs: list[Outcome] = []
    for r in range(args.runs):
        out = run_once(folder, load, concurrent=True)
        runs.append(out)
        print(
            f"run {r + 1:>2}: {out.seconds:6.1f} s  failed processes {len(out.errors)}  lost: "
            f"articles {out.lost_articles}, claims {out.lost_claims}, price rows {out.lost_prices}",
            flush=True,
        )
        for error in out.errors:
            print(f"        {error[:160]}", flush=True)
    single = [run_once(folder, load, concurrent=False) for _ in range(args.single_runs)]

    lost = [o.lost_articles + o.lost_claims + o.lost_prices for o in runs]
    print(
        f"\nconcurrent: {sum(lost)} rows lost in {sum(n > 0 for n in lost)} of {len(runs)} runs, "
        f"{sum(len(o.errors) for o in runs)} processes failed; "
        f"wall median {statistics.median(o.seconds for o in runs):.1f} s "
        f"(min {min(o.seconds for o in runs):.1f}, max {max(o.seconds for o in runs):.1f})"
    )
    if single:
        one = statistics.median(o.seconds for o in single)
        lost_one = sum(o.lost_articles + o.lost_claims + o.lost_prices for o in single)
        print(
            f"one process, same load: {one:.1f} s (median of {len(single)}), {lost_one} rows lost"
        )
    sys.exit(1 if sum(lost) or any(o.errors for o in runs + single) else 0)


if __name__ == "__main__":
    main()
