"""Benchmark: an archive of N articles read, extracted and verified on Dask, with 1 and 2 workers.

Run ``.venv/bin/python bench/bench_archive.py [--articles 100000] [--workers 1 2]``.

The script writes N synthetic articles into a temporary folder, varied from the
dev articles under ``../shared/corpus/dev`` (their dates, numbers, company names
and paragraph order changed, a reference line added, so each has its own content
hash; nothing of their text is kept in this repository). For each worker count
it starts a ``LocalCluster`` (one thread per worker process), then runs the three
stages into a fresh archive: ``add`` (ingest), ``extract`` and ``verify``
(against ``../shared/data/prices``, the theme's tickers, sent to each worker
once), and registers the views. It prints each stage's time, end-to-end articles
per second (the cluster's start not counted; it is printed apart) and the peak
resident memory of the whole process tree (this process, the scheduler inside
it, the worker processes), sampled every 0.2 s.

The runs must agree: the same number of articles, claims and verdicts of each
kind with 1 and 2 workers, or the script exits 1. It also exits 1 when the
2-worker run is below the target (150 articles/s) or over 4 GB peak RSS.

Issue 19's figures before: ``claims extract`` 10,000 articles 83 s (~120/s on one
core), ``news add`` 10,000 articles 17 min, ``verify`` 1,000 articles 1 min 53 s.
The machine is shared: the load average is printed beside every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psutil
from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py

from themelens.config import resolve_settings
from themelens.data.loading import load_tickers, make_provider
from themelens.scale import (
    Archive,
    ClusterSpec,
    add_articles,
    extract_archive,
    open_client,
    register_views,
    verify_archive,
)
from themelens.scale.views import query
from themelens.theme import load_theme

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEV = SHARED / "corpus" / "dev"
PRICES = SHARED / "data" / "prices"
TARGET_RATE = 150.0
TARGET_RSS_GB = 4.0

_NAMES = ("Alibaba", "Tencent", "Baidu", "JD.com", "Meituan", "Xiaomi", "NetEase", "SMIC")
_HEADER_DATE = re.compile(r"^date: (\d{4}-\d{2}-\d{2})$", re.MULTILINE)
_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)(%| billion| million| bn)")


def vary(text: str, rng: random.Random, ref: int) -> str:
    """One synthetic article: date, numbers, names and paragraph order changed, a reference added."""

    def shift(m: re.Match[str]) -> str:
        return f"date: {date.fromisoformat(m.group(1)) + timedelta(days=rng.randint(-60, 60))}"

    def number(m: re.Match[str]) -> str:
        value = float(m.group(1)) * rng.uniform(0.6, 1.4)
        decimals = max(len(m.group(1).partition(".")[2]), 1)
        return f"{value:.{decimals}f}{m.group(2)}"

    text = _NUMBER.sub(number, _HEADER_DATE.sub(shift, text, count=1))
    swapped = list(_NAMES)
    rng.shuffle(swapped)
    for i, name in enumerate(_NAMES):
        text = text.replace(name, f"\x00{i}\x00")
    for i, name in enumerate(swapped):
        text = text.replace(f"\x00{i}\x00", name)
    lines = text.split("\n")
    head = 2 if lines and lines[0].startswith("date:") else 1
    body = lines[head:]
    if len(body) > 3:
        cut = rng.randint(1, len(body) - 1)
        body = body[cut:] + body[:cut]
    return "\n".join([*lines[:head], *body, "", f"Ref. {ref:06d}."]) + "\n"


def write_articles(folder: Path, n: int) -> None:
    seeds = [p.read_text(encoding="utf-8") for p in sorted(DEV.glob("*.txt"))]
    for i in range(n):
        sub = folder / f"{i // 1000:03d}"  # a thousand files a folder, as a desk's dated folders
        if i % 1000 == 0:
            sub.mkdir(parents=True)
        text = vary(seeds[i % len(seeds)], random.Random(i), i)
        (sub / f"a{i:06d}.txt").write_text(text, encoding="utf-8")


class PeakRss:
    """The peak of the summed RSS of this process and its children, sampled on a thread."""

    def __init__(self, every_s: float = 0.2) -> None:
        self.peak = 0
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        me = psutil.Process()
        total = 0
        for p in [me, *me.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # a child that just exited
                total += p.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self._every)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def one_run(folder: Path, work: Path, workers: int, size: int) -> dict[str, Any]:
    theme = load_theme("china-ai")
    settings = resolve_settings(db=work / "store.duckdb", prices_dir=PRICES)
    loaded = load_tickers(settings, make_provider(settings, theme), list(theme.all_tickers()))
    missing = {f.item: f.reason for f in loaded.failures}
    archive = Archive.open(work / "archive")
    out: dict[str, Any] = {"workers": workers}
    with PeakRss() as rss:
        start = time.perf_counter()
        with open_client(ClusterSpec(workers=workers)) as client:
            assert client is not None
            client.wait_for_workers(workers)
            out["cluster_s"] = time.perf_counter() - start
            stages = {
                "add": lambda: add_articles(archive, [str(folder)], client=client, partition_size=size),
                "extract": lambda: extract_archive(archive, theme, client=client),
                "verify": lambda: verify_archive(archive, theme, loaded.frame, client=client, missing=missing),
            }  # fmt: skip
            for name, run in stages.items():
                t = time.perf_counter()
                result = run()
                out[f"{name}_s"] = time.perf_counter() - t
                out[f"{name}_rows"] = result.rows
                out[f"{name}_failed"] = len([o for o in result.outcomes if o.status == "failed"])
                print(f"  {name:<8} {out[f'{name}_s']:8.1f} s  {result.rows:>9,} {result.unit}"
                      f"  load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
        t = time.perf_counter()
        register_views(archive, settings.db_path)
        out["register_s"] = time.perf_counter() - t
    out["peak_rss_gb"] = rss.peak / 1e9
    total = out["add_s"] + out["extract_s"] + out["verify_s"]
    out["articles_per_s"] = out["add_rows"] / total
    rows = query(settings.db_path, "SELECT verdict, count(*) AS n FROM archive_verdicts GROUP BY 1")
    out["verdicts"] = Counter({r["verdict"]: r["n"] for r in rows})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--partition-size", type=int, default=500)
    opts = ap.parse_args()
    if not DEV.is_dir() or not PRICES.is_dir():
        print(f"skipped: {DEV} or {PRICES} is absent (the shared corpus and prices)")
        return
    print(f"{platform.platform()} | {cpu_model()} x{os.cpu_count()} | python {platform.python_version()}")  # fmt: skip
    results = []
    with tempfile.TemporaryDirectory(prefix="themelens-archive-bench-") as tmp:
        folder = Path(tmp) / "articles"
        t = time.perf_counter()
        write_articles(folder, opts.articles)
        print(f"{opts.articles:,} articles written in {time.perf_counter() - t:.0f} s", flush=True)
        for workers in opts.workers:
            print(f"{workers} worker{'s' * (workers > 1)}:", flush=True)
            results.append(one_run(folder, Path(tmp) / f"w{workers}", workers, opts.partition_size))
    print()
    print(f"{'workers':>7} {'cluster s':>9} {'add s':>7} {'extract s':>9} {'verify s':>8} "
          f"{'views s':>7} {'articles/s':>10} {'peak RSS GB':>11}")  # fmt: skip
    for r in results:
        print(f"{r['workers']:>7} {r['cluster_s']:>9.1f} {r['add_s']:>7.1f} {r['extract_s']:>9.1f} "
              f"{r['verify_s']:>8.1f} {r['register_s']:>7.1f} {r['articles_per_s']:>10.0f} "
              f"{r['peak_rss_gb']:>11.2f}")  # fmt: skip
    ok = True
    first = results[0]
    for r in results[1:]:
        same = all(
            r[k] == first[k] for k in ("add_rows", "extract_rows", "verify_rows", "verdicts")
        )
        print(f"{r['workers']} workers agree with {first['workers']}: {same}")
        ok &= same
    if len(results) > 1:
        print(
            f"one more worker: x{results[1]['articles_per_s'] / first['articles_per_s']:.2f} articles/s"
        )
    two = next((r for r in results if r["workers"] == 2), None)
    if two is not None:
        ok &= two["articles_per_s"] >= TARGET_RATE and two["peak_rss_gb"] < TARGET_RSS_GB
        print(f"target: >= {TARGET_RATE:.0f} articles/s with 2 workers, peak RSS < {TARGET_RSS_GB:g} GB: "
              f"{two['articles_per_s']:.0f}/s, {two['peak_rss_gb']:.2f} GB")  # fmt: skip
    ok &= not any(r[f"{s}_failed"] for r in results for s in ("add", "extract", "verify"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
