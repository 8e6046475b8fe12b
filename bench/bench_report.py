"""Benchmark: build the full report over ../shared/data/prices (all 41 tickers, all history)
with the dev articles. Targets: under 10 s cold, under 3 s warm, HTML under 5 MB.

"Cold" is a fresh process and an empty DuckDB store (imports, calendars, the
sentiment lexicon, the store and the analytics step cache are all built from
nothing). "Warm" is a second build in the same process over the same store:
the articles are already stored and the basket, fundamentals steps come from
the step cache (``pipeline.extras``), which is keyed on their code and inputs.
Both runs are timed end to end, as ``themelens report`` does them.

Run: .venv/bin/python bench/bench_report.py
"""

from __future__ import annotations

import os
import platform
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
        db, out = Path(tmp) / "bench.duckdb", Path(tmp) / "report.html"
        cmd = [sys.executable, "-m", "themelens", "report", "--theme", str(theme), "--prices-dir", str(PRICES),
               "--articles", str(ARTICLES), "--db", str(db), "--out", str(out), "--asof", "2025-09-24"]  # fmt: skip
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        cold = time.perf_counter() - t0
        size_mb = out.stat().st_size / 1e6

        from themelens.config import resolve_settings
        from themelens.pipeline.run import run_theme
        from themelens.report import write_report
        from themelens.theme import load_theme

        settings = resolve_settings(db=db, prices_dir=PRICES, theme=str(theme))
        th = load_theme(theme)
        write_report(
            run_theme(settings, th, articles=[str(ARTICLES)]), out
        )  # first in-process build
        warm = []
        for _ in range(3):
            t0 = time.perf_counter()
            ctx = run_theme(settings, th, articles=[str(ARTICLES)])
            write_report(ctx, out)
            warm.append(time.perf_counter() - t0)
        tickers = sum(len(s.tickers) for s in ctx.sources)
        claims = len(ctx.verify.rows) if ctx.verify else 0
    print(f"inputs:  {tickers} tickers with prices, {len(ctx.articles)} articles, {claims} claims")
    print(f"cold:    {cold:.2f} s (new process, empty store)         target < 10 s")
    print(f"warm:    best {min(warm):.2f} s of 3 (same process, store filled)  target < 3 s")
    print(f"html:    {size_mb:.2f} MB                                  target < 5 MB")


if __name__ == "__main__":
    main()
