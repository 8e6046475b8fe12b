"""Event-study throughput: 10,000 market-model events in one vectorised pass vs a statsmodels loop.

Loads ../shared/data/prices (41 yfinance files), draws ``--events`` random
(ticker, session) events, seeded, from the tickers' sessions (leaving room
for the windows), and times on one process:

* ``run_event_study`` end to end (returns panel, windows, the vectorised
  market-model fit, all six tests, result frames), best of ``--repeat``;
* the model fit alone (``fit_vectorised`` over the (E, W) windows);
* the per-event reference: ``fit_statsmodels`` (``statsmodels.OLS`` +
  ``get_prediction``) looped over a sample of ``--sample`` of the same
  events, **extrapolated** to all of them.

Benchmark: ``^GSPC`` for every event, so Hong Kong events also exercise
the "benchmark missing a session" path (US holidays drop estimation days;
an event window the index does not cover is skipped and counted).

Run: ``.venv/bin/python bench/bench_events.py [--events N] [--sample N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py

from themelens.analytics.events import Event, run_event_study
from themelens.analytics.events._data import build_panel
from themelens.analytics.events._models import fit_statsmodels, fit_vectorised
from themelens.analytics.events._windows import plan_events
from themelens.data.providers import fetch_prices
from themelens.data.providers.csv import CsvProvider

DEFAULT_PRICES = Path(__file__).resolve().parents[2] / "shared" / "data" / "prices"
BENCHMARK = "^GSPC"


def machine() -> str:
    cpu = cpu_model()
    return (
        f"{platform.system()} {platform.release()} | {cpu} | {os.cpu_count()} logical CPUs "
        f"(bench uses 1 process) | Python {platform.python_version()} | numpy {np.__version__} "
        f"| pandas {pd.__version__}"
    )


def random_events(frame: pd.DataFrame, count: int, seed: int) -> list[Event]:
    """``count`` events on random tickers at random sessions with room for the default windows."""
    rng = np.random.default_rng(seed)
    by_ticker = {
        str(t): g["date"].to_numpy() for t, g in frame.groupby("ticker") if str(t) != BENCHMARK
    }
    tickers = sorted(t for t, d in by_ticker.items() if len(d) > 200)
    picks = rng.integers(0, len(tickers), count)
    events = []
    for k, i in enumerate(picks):
        dates = by_ticker[tickers[i]]
        day = pd.Timestamp(dates[rng.integers(140, len(dates) - 5)]).date()
        events.append(Event(tickers[i], day, f"e{k}"))
    return events


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--sample", type=int, default=300, help="events in the statsmodels loop")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20250924)
    ap.add_argument("--prices", type=Path, default=DEFAULT_PRICES)
    args = ap.parse_args()
    if not args.prices.is_dir():
        print(f"no prices folder at {args.prices}", file=sys.stderr)
        return 1
    print(machine())
    provider = CsvProvider(args.prices)
    t0 = time.perf_counter()
    frame = fetch_prices(provider, provider.available_tickers()).frame
    print(
        f"loaded {frame['ticker'].nunique()} tickers, {len(frame):,} rows in {time.perf_counter() - t0:.2f} s"
    )
    events = random_events(frame, args.events, args.seed)

    runs = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = run_event_study(frame, events, benchmark=BENCHMARK, model="market")
        runs.append(time.perf_counter() - start)
    best, median = min(runs), statistics.median(runs)
    print(
        f"\nrun_event_study, market model, {len(events):,} events: computed {len(result.events):,}, "
        f"skipped {len(result.failures):,}"
    )
    reasons = pd.Series(
        [re.sub(r"[\d-]{4,}|\d+", "#", f.reason.split(" (")[0]) for f in result.failures]
    )
    for why, n in reasons.value_counts().head(5).items():
        print(f"  skipped {n:5d}  {why}")
    print(f"  end to end (vectorised)        best {best:7.3f} s   median {median:7.3f} s  "
          f"(target < 1 s: {'met' if best < 1 else 'MISSED'})")  # fmt: skip

    panel, _ = build_panel(frame, {e.ticker for e in events}, BENCHMARK)
    plan = plan_events(panel, events, benchmark=BENCHMARK, estimation=120, gap=10,
                       window=(-1, 3), min_estimation=60)  # fmt: skip
    w = plan.windows
    fit_runs = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        fit_vectorised("market", w.y_est, w.x_est, w.est_ok, w.y_evt, w.x_evt)
        fit_runs.append(time.perf_counter() - start)
    fit_best = min(fit_runs)
    n_fit = len(w.y_est)
    print(f"  model fit only (fit_vectorised) best {fit_best * 1000:7.1f} ms for {n_fit:,} events")

    rng = np.random.default_rng(args.seed + 1)
    sample = rng.choice(n_fit, size=min(args.sample, n_fit), replace=False)
    start = time.perf_counter()
    for i in sample:
        ok = w.est_ok[i]
        fit_statsmodels("market", w.y_est[i, ok], w.x_est[i, ok], w.y_evt[i], w.x_evt[i])
    loop = time.perf_counter() - start
    per_event = loop / len(sample)
    extrapolated = per_event * n_fit
    print(
        f"\nstatsmodels loop (OLS + get_prediction per event), measured on {len(sample)} events: "
        f"{loop:.2f} s = {per_event * 1000:.2f} ms/event"
    )
    print(f"  EXTRAPOLATED to {n_fit:,} events: {extrapolated:.1f} s")
    print(f"  speed-up, end to end vs extrapolated loop:   {extrapolated / best:8.0f}x")
    print(f"  speed-up, model fit vs extrapolated loop:     {extrapolated / fit_best:8.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
