"""Benchmark: rally metrics against honest peers, side by side in one run.

Run ``.venv/bin/python bench/bench_rally.py [--prices DIR] [--rounds N]``. It loads the
41 yfinance files of ``../shared/data/prices`` (~194k sessions) with the project's csv
provider and compares, checking agreement in the same run:

1. ``rally_panel`` (every metric, every ticker, every session) against a vectorised
   pandas ``groupby`` implementation of the same definitions (``shift`` returns, a
   ``(ticker, year)`` last-close lookup for ytd, weekly ``groupby`` streaks, ``cummax``
   drawdown). pandas has no vectorised "previous greater element", so the peer leaves
   ``high_since`` out (it computes strictly less); a peer with ``high_since`` as a
   per-ticker monotonic-stack loop is timed once for information. Also timed:
   ``rally_panel`` on a frame that did not come from ``validate_prices`` (it must then
   sort and check the rows itself), and quantstats' ``to_drawdown_series`` per ticker
   against the panel's drawdown column (the one rally metric quantstats has). Then
   both again on ``--copies`` renamed copies of every ticker's last 1,000 sessions
   (1,025 tickers by default): the time per row should not grow with the tickers.
2. ``themelens rally`` as a command (41 tickers, table output) against
   ``bench/peer_rally_script.py``, a plain pandas script printing the same table: wall
   time and peak RSS of each process (GNU ``time``), and the two tables cell by cell.
   Both after a warm-up run, with Python's bytecode cache on (as installed).

Timings are interleaved (A, B, A, B, ...) and the best of ``--rounds`` is kept: the
machine is shared and noisy, ratios are what count. Exits 1 when the outputs disagree
or a target is missed (panel >= 3x the groupby peer; command within 1.3x of the script
in wall time and in peak RSS). A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py
from _timing import interleaved

from themelens.analytics.rally import HORIZONS, rally_panel
from themelens.data.providers.base import fetch_prices
from themelens.data.providers.csv import CsvProvider

HERE = Path(__file__).resolve().parent
DEFAULT_DIR = HERE.parents[1] / "shared" / "data" / "prices"
TARGET_PANEL = 3.0
TARGET_COMMAND = 1.3

BEFORE = {  # 269031b (before issue 18) with this script, in the same hour as the after figures
    "panel": "rally_panel 0.110 s vs groupby peer 0.094 s: 0.86x (410 tickers: 0.95x)",
    "unvalidated": "rally_panel on a shuffled frame 0.139 s",
    "command": "themelens rally 2.17 s, 297 MiB vs script 0.93 s, 133 MiB: 2.33x wall, 2.24x RSS",
}


def machine() -> str:
    return (
        f"{platform.platform()} | {cpu_model()} x{os.cpu_count()} | python "
        f"{platform.python_version()} | pandas {pd.__version__} | numpy {np.__version__}"
    )


# --- the peers ------------------------------------------------------------------------


def groupby_panel(prices: pd.DataFrame) -> pd.DataFrame:
    """Every rally metric but ``high_since``, the way a pandas user would vectorise it."""
    f = prices[["ticker", "date", "close"]].sort_values(["ticker", "date"], ignore_index=True)
    close = f["close"]
    by = f.groupby("ticker", sort=False)["close"]
    out = pd.DataFrame({"ticker": f["ticker"], "asof": f["date"], "close": close})
    for name, lag in HORIZONS.items():
        out[f"return_{name}_pct"] = (close / by.shift(lag) - 1.0) * 100.0
    year = f["date"].dt.year
    year_last = f.groupby(["ticker", year], sort=False)["close"].last()
    prior = pd.Series(
        year_last.to_numpy(),
        index=pd.MultiIndex.from_arrays(
            [year_last.index.get_level_values(0), year_last.index.get_level_values(1) + 1]
        ),
    )
    ref = prior.reindex(pd.MultiIndex.from_arrays([f["ticker"], year])).to_numpy()
    out["return_ytd_pct"] = (close / ref - 1.0) * 100.0
    monday = f["date"] - pd.to_timedelta(f["date"].dt.day_of_week, unit="D")
    weeks = f.groupby(["ticker", monday], sort=False)["close"].last()
    prev_week = weeks.groupby(level=0, sort=False).shift(1)
    beats = weeks > prev_week
    run = (~beats).groupby(level=0, sort=False).cumsum()
    streak = beats.astype("int64").groupby([weeks.index.get_level_values(0), run]).cumsum()
    prev_streak = streak.groupby(level=0, sort=False).shift(1).fillna(0)
    week_no = f.groupby(["ticker", monday], sort=False).ngroup().to_numpy()
    row_beats = close.to_numpy() > prev_week.to_numpy()[week_no]
    out["win_streak_weeks"] = np.where(row_beats, prev_streak.to_numpy()[week_no] + 1, 0).astype(
        "int64"
    )
    out["drawdown_from_peak_pct"] = (1.0 - close / by.cummax()) * 100.0
    return out


def high_since_loop(prices: pd.DataFrame) -> pd.Series:
    """``high_since`` per ticker with a monotonic stack: the obvious code, a Python loop."""
    f = prices[["ticker", "date", "close"]].sort_values(["ticker", "date"], ignore_index=True)
    out = np.full(len(f), np.datetime64("NaT"), dtype="datetime64[ns]")
    dates, closes = f["date"].to_numpy(), f["close"].to_numpy()
    for idx in f.groupby("ticker", sort=False).indices.values():
        stack: list[int] = []
        for i in idx:
            while stack and closes[stack[-1]] <= closes[i]:
                stack.pop()
            if stack:
                out[i] = dates[stack[-1]]
            stack.append(i)
    return pd.Series(out, name="high_since")


def quantstats_drawdown(prices: pd.DataFrame) -> pd.Series:
    """Drawdown from the peak in percent, from quantstats, one ticker at a time."""
    import quantstats as qs

    parts = []
    for _, g in prices.sort_values(["ticker", "date"]).groupby("ticker", sort=False):
        series = pd.Series(g["close"].to_numpy(), index=pd.DatetimeIndex(g["date"]))
        parts.append(-100.0 * qs.stats.to_drawdown_series(series).to_numpy())
    return pd.Series(np.concatenate(parts))


def widen(prices: pd.DataFrame, copies: int, sessions: int = 1000) -> pd.DataFrame:
    """``copies`` renamed copies of each ticker's last ``sessions`` rows, validated again."""
    from themelens.data.contracts import validate_prices

    recent = prices.groupby("ticker", sort=False).tail(sessions)
    names = recent["ticker"].astype(str)  # a category column has no "+"
    parts = [recent.assign(ticker=names + f".{k:02d}") for k in range(copies)]
    return validate_prices(pd.concat(parts, ignore_index=True))


# --- measuring ------------------------------------------------------------------------


USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""Both processes run as on a user's machine, where Python caches compiled bytecode: some
sandboxes set ``PYTHONDONTWRITEBYTECODE``, which makes every run compile themelens' ~100
modules again (the script is one file). A warm-up run of each writes the cache."""


def run_process(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and stdout of one child process, from GNU ``time``.

    ``os.wait4`` would report the forking parent's RSS (the child inherits its
    high-water mark until ``exec``), so the small ``/usr/bin/time`` does the exec.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        timed = ["/usr/bin/time", "-f", "%e %M", "-o", stats.name, *argv]
        proc = subprocess.run(timed, capture_output=True, text=True, check=False, env=USER_ENV)
        if proc.returncode != 0:
            raise SystemExit(f"{argv[:4]} exited {proc.returncode}: {proc.stderr[-500:]}")
        wall, kib = stats.read().split()[-2:]
    return float(wall), float(kib) / 1024.0, proc.stdout


def table_cells(text: str, tickers: list[str]) -> dict[str, list[str]]:
    """Each ticker's row as a list of words (rich's box lines and pandas' spacing removed)."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        words = line.replace("│", " ").split()
        if words and words[0] in tickers:
            rows[words[0]] = words
    return rows


def disagreements(panel: pd.DataFrame, peer: pd.DataFrame) -> list[str]:
    bad = []
    for col in peer.columns:
        a, b = panel[col].reset_index(drop=True), peer[col].reset_index(drop=True)
        if a.dtype.kind in "fc":
            same = np.array_equal(a.to_numpy(), b.to_numpy(dtype="float64"), equal_nan=True)
        else:
            same = a.astype(object).equals(b.astype(object))
        if not same:
            bad.append(col)
    return bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--prices", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--command-rounds", type=int, default=5)
    ap.add_argument("--copies", type=int, default=25, help="x 41 tickers for the scale check")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    tickers = sorted(p.stem for p in args.prices.glob("*.csv"))
    prices = fetch_prices(CsvProvider(args.prices), tickers).frame
    # not from validate_prices, rows in no order: rally_panel must sort and check them itself
    loose = prices[["date", "ticker", "close"]].sample(frac=1.0, random_state=1)
    print(f"data:    {len(tickers)} files, {len(prices):,} rows\n")

    panel = rally_panel(prices)
    peer = groupby_panel(prices)
    bad = disagreements(panel, peer)
    high = high_since_loop(prices)
    bad += [] if panel["high_since"].reset_index(drop=True).equals(high) else ["high_since"]
    qs_dd = quantstats_drawdown(prices)
    qs_ok = np.allclose(panel["drawdown_from_peak_pct"], qs_dd, rtol=1e-12, atol=1e-12)
    bad += [] if qs_ok else ["drawdown vs quantstats"]
    print(
        f"agree:   panel vs groupby peer, every row and column bit for bit; high_since vs "
        f"the stack loop; drawdown vs quantstats to 1e-12: {'yes' if not bad else 'NO ' + str(bad)}"
    )

    best = interleaved(
        {
            "panel": lambda: rally_panel(prices),
            "groupby": lambda: groupby_panel(prices),
            "unvalidated": lambda: rally_panel(loose),
        },
        args.rounds,
    )
    t0 = time.perf_counter()
    high_since_loop(prices)
    loop_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    quantstats_drawdown(prices)
    qs_s = time.perf_counter() - t0
    panel_x = best["groupby"] / best["panel"]
    print(f"\n1. every metric at every session, {len(panel):,} rows (best of {args.rounds})")
    print(f"   rally_panel (validated frame)      {best['panel']:.4f} s")
    print(f"   rally_panel (shuffled, unchecked)  {best['unvalidated']:.4f} s")
    print(f"   pandas groupby peer, no high_since {best['groupby']:.4f} s")
    print(f"   + high_since as a stack loop       {best['groupby'] + loop_s:.4f} s (once)")
    print(f"   quantstats drawdown per ticker     {qs_s:.4f} s (once; drawdown only)")
    print(f"   ratio: rally_panel {panel_x:.2f}x the groupby peer (target >= {TARGET_PANEL}x)")
    print(f"   before: {BEFORE['panel']}; {BEFORE['unvalidated']}")

    wide = widen(prices, args.copies)
    scale = interleaved(
        {"panel": lambda: rally_panel(wide), "groupby": lambda: groupby_panel(wide)}, 3
    )
    n_wide = wide["ticker"].nunique()
    print(f"\n   linear in tickers: {n_wide:,} tickers, {len(wide):,} rows (best of 3)")
    for name in ("panel", "groupby"):
        per_41 = best[name] / len(prices) * 1e9
        per_wide = scale[name] / len(wide) * 1e9
        print(f"   {name:8s} {scale[name]:.3f} s = {per_wide:5.0f} ns/row (41 tickers: "
              f"{per_41:5.0f} ns/row)")  # fmt: skip
    print(f"   ratio at {n_wide:,} tickers: {scale['groupby'] / scale['panel']:.2f}x")

    cmd = [sys.executable, "-m", "themelens", "rally", "--prices-dir", str(args.prices), *tickers]
    script = [sys.executable, str(HERE / "peer_rally_script.py"), str(args.prices), *tickers]
    walls: dict[str, list[float]] = {"command": [], "script": []}
    rss: dict[str, list[float]] = {"command": [], "script": []}
    outs: dict[str, str] = {}
    for argv in (cmd, script):
        run_process(argv)  # warm-up: writes the bytecode cache, fills the page cache
    for _ in range(args.command_rounds):
        for name, argv in (("command", cmd), ("script", script)):
            wall, peak, outs[name] = run_process(argv)
            walls[name].append(wall)
            rss[name].append(peak)
    got, want = table_cells(outs["command"], tickers), table_cells(outs["script"], tickers)
    same_table = len(got) == len(tickers) and got == want
    wall_x = min(walls["command"]) / min(walls["script"])
    rss_x = min(rss["command"]) / min(rss["script"])
    print(f"\n2. the command vs a plain pandas script, {len(tickers)} tickers (best of "
          f"{args.command_rounds})")  # fmt: skip
    for name in ("command", "script"):
        print(f"   {name:8s} {min(walls[name]):.2f} s  {min(rss[name]):6.1f} MiB peak RSS")
    print(
        f"   ratio: {wall_x:.2f}x wall, {rss_x:.2f}x RSS (target <= {TARGET_COMMAND}x); "
        f"same table cell for cell: {'yes' if same_table else 'NO'}"
    )
    print(f"   before: {BEFORE['command']}")

    met = panel_x >= TARGET_PANEL and wall_x <= TARGET_COMMAND and rss_x <= TARGET_COMMAND
    print(f"\nresult:  agree {'yes' if not bad and same_table else 'NO'}; "
          f"targets {'met' if met else 'MISSED'}")  # fmt: skip
    return 0 if met and not bad and same_table else 1


if __name__ == "__main__":
    sys.exit(main())
