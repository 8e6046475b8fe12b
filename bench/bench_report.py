"""Benchmark: build the full report over ../shared/data/prices (all 41 tickers, all history)
with the dev articles. Targets (issue 18): cold <= 4 s of CPU, warm <= 1 s; HTML <= 5 MB.

Three builds, each timed end to end as ``themelens report`` does it:

* "first run": a fresh process, an empty DuckDB store and an empty user cache
  folder (``XDG_CACHE_HOME``), so imports, calendars, the sentiment lexicon,
  the store and the analytics step cache are all built from nothing, as on a
  machine that never ran themelens;
* "cold": a fresh process and an empty store, with the user cache the first
  run left (the lexicon, and the basket and fundamentals steps keyed on their
  code and inputs), as any later report on a new store;
* "warm": the same report again in one process over the filled store (best
  of three): articles, claims and verdicts are reused.

CPU is the child's user + system time (``getrusage``), which a busy machine
inflates far less than wall time. Children run with Python's bytecode cache on, as
an installed themelens does (the first run writes it if it is missing).

Run: .venv/bin/python bench/bench_report.py
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PRICES = SHARED / "data" / "prices"
ARTICLES = SHARED / "corpus" / "dev"


def bench_theme(path: Path) -> Path:
    """The packaged china-ai theme plus every other shared ticker as a peer, so all 41 are used."""
    import yaml

    from themelens.theme import load_theme

    theme = load_theme()
    data = theme.model_dump(mode="json", exclude_none=True)
    in_report = {
        e.primary.ticker
        for e in theme.tradable_entities(("leader", "supply-chain", "peer", "benchmark"))
        if e.primary
    }
    known = set(theme.all_tickers())
    for csv in sorted(PRICES.glob("*.csv")):
        ticker = csv.stem
        if ticker in in_report:
            continue
        if ticker in known:  # in the theme without a role (^GSPC): give that entity one
            for ent in data["entities"]:
                if any(x["ticker"] == ticker for x in ent.get("listings", [])):
                    ent["role"] = "peer"
            continue
        slug = "x-" + "".join(c if c.isalnum() else "-" for c in ticker.lower()).strip("-")
        listing = {"ticker": ticker, "currency": "USD", "primary": True}
        entity = {
            "slug": slug,
            "name": ticker,
            "kind": "company",
            "role": "peer",
            "aliases": [],
            "listings": [listing],
        }
        data["entities"].append(entity)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def main() -> None:
    if not PRICES.is_dir() or not ARTICLES.is_dir():
        sys.exit(f"needs {PRICES} and {ARTICLES}")
    print(
        f"machine: {platform.platform()}; {os.cpu_count()} CPUs; python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        theme = bench_theme(Path(tmp) / "bench-theme.yaml")
        out = Path(tmp) / "report.html"
        cache = Path(tmp) / "user-cache"

        def child(db: Path, env: dict[str, str]) -> tuple[float, float]:
            cmd = [sys.executable, "-m", "themelens", "report", "--theme", str(theme),
                   "--prices-dir", str(PRICES), "--articles", str(ARTICLES), "--db", str(db),
                   "--out", str(out), "--asof", "2025-09-24"]  # fmt: skip
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            return wall, cpu

        # as on an installed machine, Python's bytecode cache on (some sandboxes set
        # PYTHONDONTWRITEBYTECODE, which makes every process compile themelens again)
        user = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env = {**user, "XDG_CACHE_HOME": str(cache)}
        first = child(Path(tmp) / "first.duckdb", env)
        cold = child(Path(tmp) / "cold.duckdb", env)
        size_mb = out.stat().st_size / 1e6

        os.environ["XDG_CACHE_HOME"] = str(cache)  # the same user cache in this process
        from themelens.config import resolve_settings
        from themelens.pipeline.run import run_theme
        from themelens.report import write_report
        from themelens.theme import load_theme

        db = Path(tmp) / "cold.duckdb"
        settings = resolve_settings(db=db, prices_dir=PRICES, theme=str(theme))
        th = load_theme(theme)
        write_report(run_theme(settings, th, articles=[str(ARTICLES)]), out)  # imports paid
        warm = []
        for _ in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            ctx = run_theme(settings, th, articles=[str(ARTICLES)])
            write_report(ctx, out)
            warm.append((time.perf_counter() - t0, time.process_time() - c0))
        tickers = sum(len(s.tickers) for s in ctx.sources)
        claims = len(ctx.verify.rows) if ctx.verify else 0
    best = min(warm, key=lambda w: w[1])
    load = os.getloadavg()
    print(f"load:      {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(
        f"inputs:    {tickers} tickers with prices, {len(ctx.articles)} articles, {claims} claims"
    )
    print(
        f"first run: {first[1]:.2f} s CPU, {first[0]:.2f} s wall (new process, empty store and user cache)"
    )
    print(
        f"cold:      {cold[1]:.2f} s CPU, {cold[0]:.2f} s wall (new process, empty store)   target <= 4 s CPU"
    )
    print(
        f"warm:      {best[1]:.2f} s CPU, {best[0]:.2f} s wall (best of 3, same process)    target <= 1 s CPU"
    )
    print(
        f"html:      {size_mb:.2f} MB                                              target <= 5 MB"
    )


if __name__ == "__main__":
    main()
