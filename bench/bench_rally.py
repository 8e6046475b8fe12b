"""Benchmark: the vectorised rally panel against a plain per-date pandas loop.

Run ``.venv/bin/python bench/bench_rally.py [PRICES_DIR]``. It loads every
file of ``../shared/data/prices`` (41 tickers, ~194k sessions), then times

* ``rally_panel``: every metric for every ticker at every session, best of 5;
* a plain loop: for each (ticker, session), slice the ticker's closes up to
  that date and compute the metrics with ordinary pandas. Running it over all
  ~194k rows would take many minutes, so it runs on a uniform random sample of
  rows and the total is extrapolated (sample mean × row count). Uniform
  sampling matters because a row's cost grows with its history length.

It checks that the two agree on the sample, prints machine information, and
exits non-zero if they disagree or the targets (< 2 s, ≥ 50× the loop) are missed.
This is a script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py

from themelens.analytics.rally import HORIZONS, rally_panel

DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared/data/prices"
RUNS = 5
SAMPLE = 400
SEED = 20250917
TARGET_SECONDS = 2.0
TARGET_SPEEDUP = 50.0


def load_local(prices_dir: Path) -> pd.DataFrame:
    """yfinance ``history()`` CSVs → long frame; the session date is the local date part."""
    parts = []
    for path in sorted(prices_dir.glob("*.csv")):
        raw = pd.read_csv(path, usecols=["Date", "Close"])
        dates = pd.to_datetime(raw["Date"].str[:10])
        parts.append(pd.DataFrame({"date": dates, "ticker": path.stem, "close": raw["Close"]}))
    return pd.concat(parts, ignore_index=True)


def load(prices_dir: Path) -> tuple[pd.DataFrame, str]:
    """Load with the project's csv provider when it is there, else with the local reader."""
    try:
        from themelens.data.providers.base import fetch_prices
        from themelens.data.providers.csv import CsvProvider
    except ImportError:
        return load_local(prices_dir), "local reader"
    tickers = sorted(p.stem for p in prices_dir.glob("*.csv"))
    return fetch_prices(CsvProvider(prices_dir), tickers).frame, "CsvProvider"


def best_of(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Best wall time of ``runs`` calls, and the last result."""
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def naive_row(closes: pd.Series, day: pd.Timestamp) -> dict[str, Any]:
    """All metrics for one ticker at one session, the slow obvious way."""
    hist = closes.loc[:day]
    close = hist.iloc[-1]
    row: dict[str, Any] = {"close": close}
    for name, lag in HORIZONS.items():
        ok = len(hist) > lag
        row[f"return_{name}_pct"] = (close / hist.iloc[-1 - lag] - 1.0) * 100.0 if ok else np.nan
    last_year = hist[hist.index.year == day.year - 1]
    ytd = (close / last_year.iloc[-1] - 1.0) * 100.0 if len(last_year) else np.nan
    row["return_ytd_pct"] = ytd
    earlier = hist.iloc[:-1]
    above = earlier[earlier > close]
    row["high_since"] = above.index[-1] if len(above) else pd.NaT
    weekly = hist.resample("W-SUN").last().dropna()
    streak = 0
    for k in range(len(weekly) - 1, 0, -1):
        if not weekly.iloc[k] > weekly.iloc[k - 1]:
            break
        streak += 1
    row["win_streak_weeks"] = streak
    row["drawdown_from_peak_pct"] = (1.0 - close / hist.max()) * 100.0
    return row


def naive_loop(prices: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """The plain per-date loop over the sampled (ticker, session) pairs."""
    series = {t: g.set_index("date")["close"].sort_index() for t, g in prices.groupby("ticker")}
    rows = [
        {"ticker": t, "asof": d, **naive_row(series[t], d)}
        for t, d in zip(sample["ticker"], sample["asof"], strict=True)
    ]
    return pd.DataFrame(rows)


def disagreements(panel_rows: pd.DataFrame, naive: pd.DataFrame) -> list[str]:
    """Columns where the loop and the panel differ on the sample (empty when they agree)."""
    bad = []
    a, b = panel_rows.reset_index(drop=True), naive.reset_index(drop=True)
    for col in naive.columns:
        if col in ("ticker", "asof", "high_since", "win_streak_weeks"):
            if not a[col].equals(b[col].astype(a[col].dtype)):
                bad.append(col)
        elif not np.allclose(a[col], b[col], rtol=1e-12, atol=0, equal_nan=True):
            bad.append(col)
    return bad


def machine() -> str:
    cpu = cpu_model()
    return (
        f"platform {platform.platform()}; cpu {cpu} x{os.cpu_count()}; "
        f"python {platform.python_version()}; pandas {pd.__version__}; numpy {np.__version__}"
    )


def main(argv: list[str]) -> int:
    prices_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIR
    print(f"machine: {machine()}")
    t0 = time.perf_counter()
    prices, loader = load(prices_dir)
    load_s = time.perf_counter() - t0
    n_files = len(list(prices_dir.glob("*.csv")))
    print(
        f"load:    {n_files} files, {len(prices):,} rows, "
        f"{prices['ticker'].nunique()} tickers in {load_s:.3f} s ({loader}, once)"
    )

    panel_s, panel = best_of(lambda: rally_panel(prices), RUNS)
    bench_s, _ = best_of(lambda: rally_panel(prices, benchmark="^IXIC"), RUNS)
    print(
        f"panel:   every metric, {len(panel):,} ticker-sessions: best of {RUNS} = {panel_s:.3f} s "
        f"(with benchmark ^IXIC excess columns: {bench_s:.3f} s)"
    )

    sample = panel.sample(n=SAMPLE, random_state=SEED).sort_values(["ticker", "asof"])
    t0 = time.perf_counter()
    naive = naive_loop(prices, sample)
    loop_s = time.perf_counter() - t0
    per_row = loop_s / SAMPLE
    extrapolated = per_row * len(panel)
    print(
        f"loop:    MEASURED on a uniform sample of {SAMPLE} ticker-sessions: {loop_s:.2f} s "
        f"({per_row * 1e3:.2f} ms per row)"
    )
    print(
        f"loop:    EXTRAPOLATED to all {len(panel):,} ticker-sessions: {extrapolated:.0f} s "
        f"(~{extrapolated / 60:.1f} min)"
    )

    cols = list(naive.columns)
    bad = disagreements(sample[cols], naive)
    print(
        f"agree:   {'yes' if not bad else 'NO: ' + ', '.join(bad)} "
        f"(panel vs loop on the {SAMPLE} sampled rows, floats rtol 1e-12, dates/ints exact)"
    )

    speedup = extrapolated / panel_s
    met = panel_s < TARGET_SECONDS and speedup >= TARGET_SPEEDUP
    print(
        f"result:  panel {panel_s:.3f} s (target < {TARGET_SECONDS} s); "
        f"{speedup:,.0f}x the extrapolated loop (target >= {TARGET_SPEEDUP:.0f}x); "
        f"targets {'met' if met else 'MISSED'}"
    )
    return 0 if met and not bad else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
