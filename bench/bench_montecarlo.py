"""Benchmark: block-bootstrap Monte Carlo of 100,000 paths × 250 sessions × 10 assets.

Run ``.venv/bin/python bench/bench_montecarlo.py [--paths N] [--runs R]``. It builds
ten assets (nine Hong Kong tech names and the Nasdaq Composite) from the real
closes in ``../shared/data/prices`` when present, else from the synthetic demo
market (labelled so), then times ``simulate_paths`` end to end
(returns, bootstrap, statistics) and reports

* wall time, best of ``--runs`` (target < 5 s);
* peak memory: the process's peak resident set (``resource.getrusage``
  ``ru_maxrss``) measured in a fresh child process that runs one simulation,
  minus the child's resident set before simulating (target < 2 GB); and the
  peak of Python-level allocations (``tracemalloc``, which sees numpy's buffers).

Machine information is printed first. Exits non-zero when a target is missed.
This is a script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from themelens.analytics.scenarios import simulate_paths

SHARED = Path(__file__).resolve().parents[1].parent / "shared/data/prices"
ASSETS = 10
HORIZON = 250
SEED = 20250917
TARGET_SECONDS = 5.0
TARGET_BYTES = 2 * 1024**3


def _rss_bytes() -> int:
    """Peak resident set of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


TICKERS = ["9988.HK", "0700.HK", "9888.HK", "0981.HK", "1347.HK",
           "9618.HK", "1810.HK", "3690.HK", "1024.HK", "^IXIC"]  # fmt: skip


def load_prices() -> tuple[pd.DataFrame, list[str], str]:
    """Ten tickers' closes: the real files in ../shared when present, else the demo market."""
    if all((SHARED / f"{t}.csv").is_file() for t in TICKERS):
        from themelens.data.providers.base import fetch_prices
        from themelens.data.providers.csv import CsvProvider

        frame = fetch_prices(CsvProvider(SHARED), TICKERS).frame
        return frame, TICKERS, f"real closes from {SHARED}"
    from themelens.data.demo import generate_demo_market

    return generate_demo_market(TICKERS), TICKERS, "synthetic demo data"


def run_once(prices: pd.DataFrame, tickers: list[str], paths: int) -> float:
    start = time.perf_counter()
    result = simulate_paths(prices, tickers, paths=paths, horizon=HORIZON, seed=SEED)
    elapsed = time.perf_counter() - start
    assert len(result.rows) == len(tickers) + 1
    return elapsed


def child(paths: int) -> None:
    """Run one simulation and print baseline RSS, peak RSS and the tracemalloc peak."""
    prices, tickers, _ = load_prices()
    before = _rss_bytes()
    tracemalloc.start()
    run_once(prices, tickers, paths)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(before, _rss_bytes(), traced)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.paths)
        return 0
    print(f"machine: {platform.platform()}; {platform.processor() or platform.machine()};"
          f" {os.cpu_count()} CPUs; Python {platform.python_version()};"
          f" numpy {np.__version__}; pandas {pd.__version__}")  # fmt: skip
    prices, tickers, origin = load_prices()
    print(f"data: {origin}; assets: {', '.join(tickers)}")
    print(f"workload: {args.paths:,} paths × {HORIZON} sessions × {len(tickers)} assets")
    times = [run_once(prices, tickers, args.paths) for _ in range(args.runs)]
    best = min(times)
    print(f"time: best {best:.2f} s of {args.runs} (all: {', '.join(f'{t:.2f}' for t in times)});"
          f" target < {TARGET_SECONDS:g} s")  # fmt: skip
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--paths", str(args.paths)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    before, peak, traced = (int(x) for x in out.stdout.split())
    used = peak - before
    print(f"memory: peak RSS {peak / 2**20:,.0f} MiB (baseline {before / 2**20:,.0f} MiB,"
          f" simulation adds {used / 2**20:,.0f} MiB); tracemalloc peak {traced / 2**20:,.0f} MiB;"
          f" target < {TARGET_BYTES / 2**30:g} GiB")  # fmt: skip
    ok = best < TARGET_SECONDS and peak < TARGET_BYTES
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
