"""Benchmark: a universe on Dask — rally metrics over thousands of tickers, and an event study of
tens of thousands of events, single-process beside 1 and 2 workers.

Run ``.venv/bin/python bench/bench_universe.py [--tickers 5000] [--years 20]
[--announcements 5000] [--members 9] [--workers 1 2]``.

The script generates a synthetic universe into a temporary Parquet dataset (one
shard per ticker, ``scale.prices``): ``--tickers`` random walks tied to a
benchmark with random betas, on ``--years`` years of weekdays. The event study is
``--announcements`` catalogue events, each a leader's date with a supply chain of
``--members`` other names, so ``announcements x (1 + members)`` events (50,000 by
default; a study's fixed cost is per announcement, so a chain of nine keeps the
run short): every announcement's spillover (``run_spillover``: the leader's own
CAR, the chain's CAAR and BMP with the Kolari–Pynnönen adjustment).

Each measurement runs in a fresh child process (so its memory is its own):

* ``single`` — the whole dataset read into one frame, then ``measure_rally`` over
  every ticker, and ``run_spillover`` for each announcement in a loop: what one
  process does without ``themelens.scale``;
* ``N workers`` — ``measure_universe_rally`` and ``run_universe_events`` on a
  ``LocalCluster`` of N worker processes (partitions of tickers and of leaders,
  the benchmark sent to each worker once; the cluster's start is timed apart).

It prints wall time and peak RSS of the child's whole process tree (sampled every
0.2 s), and checks the answers agree to 1e-12 (exit 1 when they do not).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py

BENCH = "BENCH.HK"
ASOF = None  # the last session: every ticker's newest row


def generate(root: Path, tickers: int, years: int, seed: int = 19) -> pd.DatetimeIndex:
    """The universe, written shard by shard (never whole in memory)."""
    from themelens.scale import write_price_dataset

    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2005-01-03", periods=years * 261)
    n = len(dates)
    market = rng.normal(0.0003, 0.011, n)
    bench = 100 * np.exp(np.cumsum(market))
    write_price_dataset(_bars(dates, BENCH, bench), root)
    for start in range(0, tickers, 100):
        frames = []
        for i in range(start, min(start + 100, tickers)):
            r = rng.uniform(0.4, 1.6) * market + rng.normal(0.0, 0.018, n)
            frames.append(_bars(dates, f"T{i:05d}.HK", 20 * np.exp(np.cumsum(r))))
        write_price_dataset(pd.concat(frames, ignore_index=True), root)
    return dates


def _bars(dates: pd.DatetimeIndex, ticker: str, close: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"date": dates, "ticker": ticker, "open": close, "high": close * 1.01,
                         "low": close * 0.99, "close": close, "volume": 1e6})  # fmt: skip


def catalogue(dates: pd.DatetimeIndex, tickers: int, n: int, members: int, seed: int = 20) -> tuple[list[Any], dict[str, tuple[str, ...]]]:  # fmt: skip
    """``n`` announcements over ``n // 5`` leaders (five each), each leader with a fixed chain."""
    from themelens.analytics.events import Event

    rng = np.random.default_rng(seed)
    leaders = [f"T{i:05d}.HK" for i in rng.choice(tickers, size=max(n // 5, 1), replace=False)]
    chains = {
        lead: tuple(f"T{j:05d}.HK" for j in rng.choice(tickers, size=members + 1, replace=False)
                    if f"T{j:05d}.HK" != lead)[:members]
        for lead in leaders
    }  # fmt: skip
    days = rng.integers(200, len(dates) - 10, size=n)
    events = [Event(leaders[k % len(leaders)], dates[d].date(), f"news {k}") for k, d in enumerate(days)]  # fmt: skip
    return events, chains


# --- the child: one measurement ---------------------------------------------------------------


def child(mode: str, root: Path, work: Path, options: dict[str, Any]) -> dict[str, Any]:
    from themelens.analytics.events import Event, run_spillover
    from themelens.analytics.rally import measure_rally
    from themelens.scale import (
        ClusterSpec,
        measure_universe_rally,
        open_client,
        read_price_dataset,
        run_universe_events,
    )
    from themelens.scale.prices import dataset_tickers

    spec = json.loads((work / "catalogue.json").read_text())
    events = [Event(t, date.fromisoformat(d), lab) for t, d, lab in spec["events"]]
    chains = {k: tuple(v) for k, v in spec["chains"].items()}
    design = {"estimation": 120, "gap": 10, "window": (-1, 3), "min_estimation": 60}
    out: dict[str, Any] = {"mode": mode}
    if mode == "single":
        t = time.perf_counter()
        frame, _ = read_price_dataset(root)
        out["load_s"] = time.perf_counter() - t
        names = [x for x in dataset_tickers(root) if x != BENCH]
        t = time.perf_counter()
        rally = measure_rally(frame, names, asof=ASOF, benchmark=BENCH).rows
        out["rally_s"] = time.perf_counter() - t
        t = time.perf_counter()
        by_ticker = dict(tuple(frame.groupby("ticker", sort=False)))
        rows = []
        for k, ev in enumerate(events):
            members = [m for m in chains[ev.ticker] if m != ev.ticker]
            small = pd.concat([by_ticker[x] for x in (ev.ticker, *members, BENCH)], ignore_index=True)  # fmt: skip
            res = run_spillover(small, leader=ev.ticker, members=members, event_date=ev.date,
                                label=ev.label, benchmark=BENCH, group_name="supply-chain", **design)  # fmt: skip
            rows.append(res.to_frame().assign(announcement=k))
        spill = pd.concat(rows, ignore_index=True)
        out["events_s"] = time.perf_counter() - t
    else:
        workers = int(mode)
        t = time.perf_counter()
        with open_client(ClusterSpec(workers=workers)) as client:
            assert client is not None
            client.wait_for_workers(workers)
            out["cluster_s"] = time.perf_counter() - t
            t = time.perf_counter()
            rally = measure_universe_rally(root, asof=ASOF, benchmark=BENCH, client=client,
                                           partition_size=options["rally_partition"]).rows  # fmt: skip
            out["rally_s"] = time.perf_counter() - t
            t = time.perf_counter()
            result = run_universe_events(root, events, chains=chains, benchmark=BENCH, client=client,
                                         partition_size=options["events_partition"], **design)  # fmt: skip
            out["events_s"] = time.perf_counter() - t
            out["failures"] = len(result.failures)
        spill = result.events.copy()
        spill = spill[[c for c in spill.columns if c != "announcement"]].assign(announcement=spill["announcement"])  # fmt: skip
    out["tickers"] = len(rally)
    out["events"] = len(spill)
    rally.to_parquet(work / f"rally-{mode}.parquet", index=False)
    spill.to_parquet(work / f"events-{mode}.parquet", index=False)
    return out


# --- the parent ---------------------------------------------------------------------------------


def measure(args: list[str]) -> tuple[dict[str, Any], float]:
    """Run this script as a child with ``args``; its JSON answer and the peak RSS of its tree."""
    proc = psutil.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            total = 0
            with contextlib.suppress(psutil.Error):
                for p in [proc, *proc.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
            peak = max(peak, total)
            done.wait(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    stdout, _ = proc.communicate()
    done.set()
    thread.join()
    if proc.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed ({proc.returncode})")
    return json.loads(stdout.strip().splitlines()[-1]), peak / 1e9


def same(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> bool:
    a = a.sort_values(keys, kind="stable").reset_index(drop=True)
    b = b.sort_values(keys, kind="stable").reset_index(drop=True)
    try:
        pd.testing.assert_frame_equal(
            a, b, check_exact=False, rtol=1e-12, atol=0, check_dtype=False
        )
    except AssertionError as exc:
        print(f"  differ: {str(exc)[:300]}")
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("--tickers", type=int, default=5000)
    ap.add_argument("--years", type=int, default=20)
    ap.add_argument("--announcements", type=int, default=5_000)
    ap.add_argument("--members", type=int, default=9)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rally-partition", type=int, default=250)
    ap.add_argument("--events-partition", type=int, default=200)
    ap.add_argument("--skip-single", action="store_true", help="leave out the single-process run")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    opts = ap.parse_args()
    options = {"rally_partition": opts.rally_partition, "events_partition": opts.events_partition}
    if opts.child:
        print(json.dumps(child(opts.child, opts.root, opts.work, options)))
        return
    print(f"{platform.platform()} | {cpu_model()} x{os.cpu_count()} | python {platform.python_version()}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="themelens-universe-bench-") as tmp:
        root, work = Path(tmp) / "prices", Path(tmp)
        t = time.perf_counter()
        dates = generate(root, opts.tickers, opts.years)
        events, chains = catalogue(dates, opts.tickers, opts.announcements, opts.members)
        (work / "catalogue.json").write_text(json.dumps({
            "events": [[e.ticker, e.date.isoformat(), e.label] for e in events],
            "chains": {k: list(v) for k, v in chains.items()},
        }))  # fmt: skip
        size = sum(p.stat().st_size for p in root.rglob("*.parquet")) / 1e9
        print(f"universe: {opts.tickers:,} tickers x {len(dates):,} sessions "
              f"({opts.tickers * len(dates) / 1e6:.1f}M rows, {size:.2f} GB of Parquet) written in "
              f"{time.perf_counter() - t:.0f} s; {len(events):,} announcements x "
              f"(1 + {opts.members}) = {len(events) * (1 + opts.members):,} events", flush=True)  # fmt: skip
        modes = ([] if opts.skip_single else ["single"]) + [str(w) for w in opts.workers]
        results = []
        for mode in modes:
            load = os.getloadavg()[0]
            answer, peak = measure(["--child", mode, "--root", str(root), "--work", str(work),
                                    "--rally-partition", str(opts.rally_partition),
                                    "--events-partition", str(opts.events_partition)])  # fmt: skip
            answer.update(peak_rss_gb=peak, load=load)
            results.append(answer)
            print(f"  {mode:>6}: {json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in answer.items()})}", flush=True)  # fmt: skip
        print()
        print(f"{'run':>9} {'load s':>7} {'cluster s':>9} {'rally s':>8} {'events s':>9} "
              f"{'events':>8} {'peak RSS GB':>11} {'load avg':>8}")  # fmt: skip
        for r in results:
            name = (
                "single"
                if r["mode"] == "single"
                else f"{r['mode']} worker{'s' * (r['mode'] != '1')}"
            )
            print(f"{name:>9} {r.get('load_s', 0):>7.1f} {r.get('cluster_s', 0):>9.1f} "
                  f"{r['rally_s']:>8.1f} {r['events_s']:>9.1f} {r['events']:>8,} "
                  f"{r['peak_rss_gb']:>11.2f} {r['load']:>8.1f}")  # fmt: skip
        ok = True
        base = modes[0]
        for mode in modes[1:]:
            rally_ok = same(pd.read_parquet(work / f"rally-{base}.parquet"),
                            pd.read_parquet(work / f"rally-{mode}.parquet"), ["ticker"])  # fmt: skip
            events_ok = same(pd.read_parquet(work / f"events-{base}.parquet"),
                             pd.read_parquet(work / f"events-{mode}.parquet"),
                             ["announcement", "role", "event_id"])  # fmt: skip
            print(f"{mode} agrees with {base} to 1e-12: rally {rally_ok}, events {events_ok}")
            ok &= rally_ok and events_ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
