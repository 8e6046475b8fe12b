"""Benchmark: `themelens report` as the universe grows (41, 141, 1,041 tickers by default).

Each size is a fresh process on an empty store and an empty user cache folder
(``XDG_CACHE_HOME``: no step cache, no lexicon), timed end to end (wall and
CPU seconds of the child, its peak RSS) with the HTML's size. The extra
tickers are synthetic: each is one of the 41 shared series with its closes
scaled and its dates kept, written under a new name (``SYN0001.HK``) into a
temporary folder and added to the theme as a peer, so the work per ticker is
the real work. Cost linear in tickers shows as a flat "ms per ticker".

Targets (issue 18): 1,000 tickers <= 60 s; HTML <= 5 MB at any size.

Run: .venv/bin/python bench/bench_report_scaling.py [--sizes 41,141,1041]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py
from bench_report import ARTICLES, PRICES, bench_theme


def _universe(folder: Path, theme_path: Path, size: int) -> tuple[Path, Path]:
    """A price folder with ``size`` tickers and a theme naming them all."""
    prices = folder / f"prices-{size}"
    prices.mkdir()
    real = sorted(PRICES.glob("*.csv"))
    for csv in real:
        shutil.copy(csv, prices / csv.name)
    data = yaml.safe_load(theme_path.read_text(encoding="utf-8"))
    rng = np.random.default_rng(size)
    for i in range(max(0, size - len(real))):
        source = real[i % len(real)]
        ticker = f"SYN{i:04d}.HK"
        frame = pd.read_csv(source)
        scale = float(rng.uniform(0.5, 2.0))
        for column in ("Open", "High", "Low", "Close"):
            if column in frame:
                frame[column] = frame[column] * scale
        frame.to_csv(prices / f"{ticker}.csv", index=False)
        data["entities"].append(
            {
                "slug": f"syn-{i:04d}",
                "name": f"Synthetic {i:04d}",
                "kind": "company",
                "role": "peer",
                "aliases": [],
                "listings": [{"ticker": ticker, "currency": "HKD", "primary": True}],
            }
        )
    theme = folder / f"theme-{size}.yaml"
    theme.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return prices, theme


def _run(cmd: list[str], cache: Path) -> tuple[float, float, float]:
    """(wall s, child CPU s, child peak RSS MiB) of one command, with ``cache`` as the user's
    cache folder."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: a theme ticker without prices, still a report
        sys.exit(f"failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="41,141,1041")
    args = parser.parse_args()
    if not PRICES.is_dir() or not ARTICLES.is_dir():
        sys.exit(f"needs {PRICES} and {ARTICLES}")
    print(f"machine: {cpu_model()}; {os.cpu_count()} CPUs; python {platform.python_version()}")
    print(
        f"{'tickers':>8} {'wall s':>8} {'cpu s':>8} {'ms/ticker':>10} {'peak MiB':>9} {'html MB':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = bench_theme(folder / "base.yaml")
        for size in (int(s) for s in args.sizes.split(",")):
            prices, theme = _universe(folder, base, size)
            out = folder / f"report-{size}.html"
            cmd = [sys.executable, "-m", "themelens", "report", "--theme", str(theme),
                   "--prices-dir", str(prices), "--articles", str(ARTICLES),
                   "--db", str(folder / f"s-{size}.duckdb"), "--out", str(out),
                   "--asof", "2025-09-24"]  # fmt: skip
            wall, cpu, rss = _run(cmd, folder / f"cache-{size}")
            html = out.stat().st_size / 1e6
            print(
                f"{size:>8} {wall:>8.1f} {cpu:>8.1f} {1000 * wall / size:>10.1f} {rss:>9.0f} {html:>8.2f}"
            )


if __name__ == "__main__":
    main()
