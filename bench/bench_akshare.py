"""Benchmark: the akshare provider's own cost, without the network.

Run ``.venv/bin/python bench/bench_akshare.py [PRICES_DIR]``. The network
time of a live run belongs to Eastmoney and Sina; what themelens adds is the
transform, the cache write and the politeness spacing. So this script
reshapes the real Hong Kong closes in ``../shared/data/prices`` into the frames
``stock_hk_hist`` returns (in memory only; nothing is written to the
repository), serves them through the provider's injected fetch, and times

* ``fetch_prices``: call wrapper + column guard + transform to the contract,
  every Hong Kong ticker, full history, best of 3 (and again without the
  per-call deadline, whose worker thread is the only difference);
* ``refresh_prices`` into a new DuckDB file (cold) and again (warm, best of 3:
  the 5-session overlap re-fetched, compared with the cache and upserted);
* the spacing a live batch of the same size would wait at the default 0.5 s,
  measured with an injected clock (no real sleeping).

Prints machine information. A script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py

from themelens.data.akshare_client import AkshareClient
from themelens.data.providers.akshare import AkshareProvider, akshare_symbol
from themelens.data.providers.base import fetch_prices
from themelens.data.providers.csv import CsvProvider
from themelens.data.refresh import refresh_prices
from themelens.data.store import PriceStore

DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared/data/prices"
RUNS = 3


def machine() -> str:
    cpu = cpu_model()
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, {cpu}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, pandas {pd.__version__}"
    )


def eastmoney_frames(prices_dir: Path) -> dict[str, pd.DataFrame]:
    """The shared Hong Kong histories as ``stock_hk_hist`` returns them, keyed by AkShare symbol."""
    tickers = sorted(p.stem for p in prices_dir.glob("*.HK.csv"))
    long = fetch_prices(CsvProvider(prices_dir), tickers).frame
    frames: dict[str, pd.DataFrame] = {}
    for ticker, part in long.groupby("ticker"):
        where = akshare_symbol(str(ticker))
        assert where is not None
        prev = part["close"].shift(1)
        frames[where.symbol] = pd.DataFrame(
            {"日期": [d.date() for d in part["date"]], "开盘": part["open"], "收盘": part["close"],
             "最高": part["high"], "最低": part["low"], "成交量": part["volume"],
             "成交额": part["volume"] * part["close"], "振幅": (part["high"] - part["low"]) / prev * 100,
             "涨跌幅": (part["close"] / prev - 1) * 100, "涨跌额": part["close"] - prev, "换手率": 0.0}
        ).reset_index(drop=True)  # fmt: skip
    return frames


def main() -> int:
    prices_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    if not prices_dir.is_dir():
        print(f"no prices at {prices_dir}", file=sys.stderr)
        return 1
    frames = eastmoney_frames(prices_dir)

    def fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
        frame = frames[str(kwargs["symbol"])]
        days = pd.to_datetime(frame["日期"])
        keep = (days >= pd.Timestamp(kwargs["start_date"])) & (days <= pd.Timestamp(kwargs["end_date"]))  # fmt: skip
        return frame.loc[keep]

    tickers = [f"{int(s):04d}.HK" for s in frames]
    rows = sum(len(f) for f in frames.values())
    provider = AkshareProvider(fetch=fetch, min_interval_s=0)
    best = float("inf")
    for _ in range(RUNS):
        t0 = time.perf_counter()
        batch = fetch_prices(provider, tickers)
        best = min(best, time.perf_counter() - t0)
    assert len(batch.frame) == rows and not batch.failures
    bare = AkshareProvider(fetch=fetch, min_interval_s=0, timeout_s=None)
    best_bare = float("inf")
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fetch_prices(bare, tickers)
        best_bare = min(best_bare, time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as tmp:
        store = PriceStore(Path(tmp) / "bench.duckdb")
        t0 = time.perf_counter()
        cold = refresh_prices(store, provider, tickers)
        cold_s = time.perf_counter() - t0
        warm_s = float("inf")
        for _ in range(RUNS):  # each warm run does the same work: the overlap again, nothing new
            t0 = time.perf_counter()
            warm = refresh_prices(store, provider, tickers)
            warm_s = min(warm_s, time.perf_counter() - t0)
    assert cold.rows_inserted == rows and warm.rows_inserted == 0

    clock = {"t": 0.0}
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        clock["t"] += seconds

    spaced = AkshareProvider(client=AkshareClient(fetch=fetch, sleep=sleep, clock=lambda: clock["t"]))  # fmt: skip
    fetch_prices(spaced, tickers)

    print(machine())
    print(
        f"{len(tickers)} Hong Kong tickers, {rows:,} sessions (shared closes in stock_hk_hist's shape)"
    )
    print(
        f"fetch_prices (guard + transform), best of {RUNS}: {best:.3f} s ({rows / best:,.0f} rows/s)"
    )
    print(f"  the same without the per-call deadline thread: {best_bare:.3f} s")
    print(f"refresh into DuckDB, cold: {cold_s:.2f} s ({cold.rows_inserted:,} rows inserted)")
    print(f"refresh again, warm (5-session overlap per ticker), best of {RUNS}: {warm_s:.2f} s ({warm.rows_updated} rows updated)")  # fmt: skip
    print(
        f"spacing a live batch would wait at 0.5 s: {sum(waited):.1f} s over {len(waited)} pauses"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
