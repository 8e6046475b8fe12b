"""Benchmark: 1,000 basket parameter combinations, vectorised sweep vs a per-combination pandas loop.

Run ``.venv/bin/python bench/bench_basket.py [PRICES_DIR]``. It takes the 29
Hong Kong names of ``../shared/data/prices`` plus AAPL (30 tickers) over the
last six years, ^IXIC as the benchmark (a synthetic 30-ticker market when the
folder is missing), and runs a grid of

    4 schemes × 2 rebalance frequencies × 5 vol targets × 5 brakes × 5 cost levels = 1,000

with a 15 % name cap and a 30 % leader cap throughout.

* ``sweep_baskets``: combinations sharing their weights (scheme × rebalance,
  8 groups) share one schedule of optimised weights; each group's 125
  overlay combinations run as columns of one vectorised simulation.
* the loop: per combination, decide the weights (same optimiser), then
  simulate session by session with pandas (``backtest_loop``) and compute the
  metrics. Running all 1,000 would take most of an hour, so it runs a sample
  stratified over scheme × rebalance, and the total is extrapolated
  (per-group sample mean × 125 per group). The sample's metrics must equal
  the sweep's.

Exits non-zero if they disagree or the sweep misses 30 s. A script, not a
test: timings depend on the machine.
"""

from __future__ import annotations

import itertools
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py

from themelens.analytics.basket import (
    BasketSpec,
    backtest_panel,
    performance,
    prepare_panel,
    sweep_baskets,
)
from themelens.analytics.basket.reference import backtest_loop
from themelens.analytics.basket.schedule import build_schedule

DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared/data/prices"
TARGET_SECONDS = 30.0
SAMPLE_PER_GROUP = 2
LEADERS = ("9988.HK", "0700.HK", "9888.HK", "3690.HK", "1810.HK")


def machine() -> str:
    cpu = cpu_model()
    import cvxpy
    import pypfopt

    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"cvxpy {cvxpy.__version__} (solvers {', '.join(cvxpy.installed_solvers())}), "
        f"PyPortfolioOpt {pypfopt.__version__}"
    )


def load(prices_dir: Path) -> tuple[pd.DataFrame, list[str], str, str]:
    if not prices_dir.is_dir():
        rng = np.random.default_rng(7)
        dates = pd.bdate_range("2020-01-01", periods=1560)
        market = rng.normal(0.0003, 0.012, len(dates))
        parts = [
            pd.DataFrame({"date": dates, "ticker": "BENCH", "close": 100 * np.cumprod(1 + market)})
        ]
        names = [f"S{i:02d}" for i in range(30)]
        for i, t in enumerate(names):
            r = (0.5 + i / 30) * market + rng.normal(0, 0.015, len(dates))
            parts.append(
                pd.DataFrame({"date": dates, "ticker": t, "close": 50 * np.cumprod(1 + r)})
            )
        return pd.concat(parts, ignore_index=True), names, "BENCH", "synthetic (no shared prices)"
    parts = []
    names = [*sorted(p.stem for p in prices_dir.glob("*.HK.csv"))[:29], "AAPL"]
    for t in [*names, "^IXIC"]:
        raw = pd.read_csv(prices_dir / f"{t}.csv", usecols=["Date", "Close"])
        dates = pd.to_datetime(raw["Date"].str[:10])
        parts.append(pd.DataFrame({"date": dates, "ticker": t, "close": raw["Close"]}))
    return pd.concat(parts, ignore_index=True), names, "^IXIC", str(prices_dir)


def grid() -> list[BasketSpec]:
    return [
        BasketSpec.build(
            scheme=scheme,  # type: ignore[arg-type]
            rebalance=reb,  # type: ignore[arg-type]
            max_weight=0.15,
            role_caps={"leader": 0.3},
            vol_target=vt,
            brake=brake,
            cost_bps=cost,
        )
        for scheme, reb, vt, brake, cost in itertools.product(
            ("equal", "inverse-vol", "risk-parity", "min-variance"),
            ("monthly", "weekly"),
            (None, 0.10, 0.15, 0.20, 0.30),
            (None, 0.10, 0.15, 0.20, 0.30),
            (0.0, 5.0, 10.0, 20.0, 50.0),
        )
    ]


def loop_one(panel, spec: BasketSpec) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """One combination the plain way: weights, then a session loop, then metrics."""
    schedule = build_schedule(panel, spec)
    daily = backtest_loop(panel, spec, schedule=schedule)
    bench = np.nan_to_num(panel.benchmark_returns[panel.start + 1 :])
    rets = daily["return"].to_numpy()[1:]
    m = performance(
        rets, bench, periods=panel.periods_per_year, turnover=daily["turnover"].to_numpy()
    )
    return {k: float(v[0]) for k, v in m.items()}


def time_tear_sheet(panel) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Seconds for one backtest's tear sheet (monthly, yearly, rolling, drawdowns), and its
    sessions: it is derived when the report renders, so it must stay a blink."""
    result = backtest_panel(panel, BasketSpec())
    t0 = time.perf_counter()
    result.tear_sheet()
    return time.perf_counter() - t0, len(result.daily)


def main() -> int:
    prices_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    frame, names, bench, source = load(prices_dir)
    end = frame["date"].max()
    start = (end - pd.DateOffset(years=6)).date()
    roles = {t: "leader" for t in LEADERS}
    t0 = time.perf_counter()
    panel = prepare_panel(frame, names, benchmark=bench, roles=roles, start=start)
    t_panel = time.perf_counter() - t0
    specs = grid()
    print(f"machine: {machine()}")
    print(
        f"data: {source}: {len(panel.tickers)} tickers + {bench}, {len(panel.dates) - panel.start} sessions "
        f"{panel.dates[panel.start]:%Y-%m-%d} to {panel.dates[-1]:%Y-%m-%d}; {len(specs)} combinations"
    )
    t0 = time.perf_counter()
    progress: list[tuple[int, int]] = []
    table = sweep_baskets(panel, specs, on_progress=lambda d, t: progress.append((d, t)))
    t_sweep = time.perf_counter() - t0
    done = [d for d, _ in progress]
    progress_ok = done == sorted(set(done)) and progress[-1] == (len(specs), len(specs))
    # time the shared schedules on their own, to show where the sweep's time goes
    t0 = time.perf_counter()
    for key_spec in {s.schedule_key: s for s in specs}.values():
        build_schedule(panel, key_spec)
    t_sched = time.perf_counter() - t0

    rng = np.random.default_rng(20250917)
    by_group: dict[tuple[object, ...], list[int]] = {}
    for i, s in enumerate(specs):
        by_group.setdefault(s.schedule_key, []).append(i)
    est = 0.0
    sampled = 0
    t_loop_sample = 0.0
    worst = 0.0
    for members in by_group.values():
        pick = rng.choice(members, SAMPLE_PER_GROUP, replace=False)
        times = []
        for i in pick:
            t0 = time.perf_counter()
            got = loop_one(panel, specs[i])
            times.append(time.perf_counter() - t0)
            for k in ("cagr", "sharpe", "max_drawdown", "turnover", "information_ratio"):
                worst = max(worst, abs(got[k] - table.loc[i, k]))
        est += float(np.mean(times)) * len(members)
        sampled += len(pick)
        t_loop_sample += sum(times)

    print(f"panel preparation                 {t_panel:8.2f} s")
    print(f"vectorised sweep, 1,000 combos    {t_sweep:8.2f} s   (target < {TARGET_SECONDS:.0f} s)")
    # timed in a separate run, so it is an estimate of the sweep's share, not a subtraction
    print(
        f"  8 weight schedules alone        {t_sched:8.2f} s   (separate run; optimiser at every rebalance)"
    )
    print(
        f"pandas loop, {sampled} sampled combos   {t_loop_sample:8.2f} s   ({t_loop_sample / sampled:.2f} s each)"
    )
    print(
        f"pandas loop, 1,000 EXTRAPOLATED   {est:8.0f} s   (~{est / 60:.0f} min; sample mean per group × 125)"
    )
    print(f"speed-up                          {est / t_sweep:8.0f} x")
    print(f"largest metric difference, loop vs sweep on the sample: {worst:.2e}")
    t_sheet, sessions = time_tear_sheet(panel)
    print(f"tear sheet of one backtest        {t_sheet:8.3f} s   ({sessions:,} sessions)")
    print(f"sweep progress: {len(progress)} calls, increasing to {progress[-1]}: {progress_ok}")
    best = table.sort_values("sharpe", ascending=False).head(3)
    cols = [
        "scheme",
        "rebalance",
        "vol_target",
        "brake",
        "cost_bps",
        "cagr",
        "sharpe",
        "max_drawdown",
    ]
    print("top 3 by Sharpe (in-sample; a sweep like this overfits, read it as a sanity check):")
    print(best[cols].to_string(index=False))
    ok = worst < 1e-9 and t_sweep < TARGET_SECONDS and progress_ok
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
