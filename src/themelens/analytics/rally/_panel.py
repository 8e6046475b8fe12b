"""The vectorised form, :func:`rally_panel`, and the array kernels behind it.

Every kernel works on all rows of the panel at once. Rows are sorted by
(ticker, date), ``codes`` numbers the tickers in that order, ``days`` are
session dates as days since 1970-01-01, and ``starts[i]`` is the index of the
first row of row i's ticker, so "the same ticker" is always ``j >= starts[i]``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.analytics.rally._inputs import benchmark_rows, pct, prepare
from themelens.analytics.rally._result import HORIZONS

__all__ = ["rally_panel"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def group_starts(codes: Ints) -> Ints:
    """For each row, the index of its ticker's first row (codes sorted)."""
    new = np.ones(len(codes), dtype=bool)
    new[1:] = codes[1:] != codes[:-1]
    first = np.flatnonzero(new)
    out: Ints = first[np.cumsum(new) - 1].astype(np.int64)
    return out


def lag_reference(starts: Ints, lag: int) -> Ints:
    """Index of the row ``lag`` rows back in the same ticker, or -1."""
    idx = np.arange(len(starts), dtype=np.int64)
    return np.where(idx - lag >= starts, idx - lag, -1)


def ytd_reference(codes: Ints, days: Ints, starts: Ints) -> Ints:
    """Index of the ticker's last row in the previous calendar year, or -1.

    One ``searchsorted`` over a (ticker, day) key finds, for every row, the
    last row of its ticker before 1 January of its year.
    """
    years = days.astype("datetime64[D]").astype("datetime64[Y]")
    jan1 = years.astype("datetime64[D]").astype(np.int64)
    base = int(jan1.min())
    span = int(days.max()) - base + 1
    keys = codes * span + (days - base)
    ref = np.searchsorted(keys, codes * span + (jan1 - base), side="left").astype(np.int64) - 1
    year_no = years.astype(np.int64)
    ok = ref >= starts
    ok &= year_no[np.where(ok, ref, 0)] == year_no - 1
    return np.where(ok, ref, -1)


def previous_greater(close: Floats, starts: Ints) -> Ints:
    """Index of the latest earlier row of the same ticker with a strictly greater close, or -1.

    Binary lifting over a sparse table: ``table[j][i]`` is the max of the
    ``2**j`` closes ending at ``i``. Every row starts its cursor at ``i - 1``
    and, from the widest block down, jumps over a block when it stays inside
    the ticker and holds nothing above the row's close. After the last level
    the cursor sits on the answer (or before the ticker's first row). All rows
    move together: O(n log n) numpy work, no Python loop over rows.
    """
    n = len(close)
    longest = int(np.max(np.arange(n) - starts)) + 1 if n else 1
    levels = max(1, math.ceil(math.log2(longest + 1)) + 1)
    tables = [close]
    for j in range(1, levels):
        prev, half = tables[-1], 1 << (j - 1)
        nxt = prev.copy()
        nxt[half:] = np.maximum(prev[half:], prev[:-half])
        tables.append(nxt)
    cur = np.arange(n, dtype=np.int64) - 1
    for j in reversed(range(levels)):
        width = 1 << j
        inside = cur - width + 1 >= starts
        block_max = tables[j][np.where(inside, cur, 0)]
        cur = np.where(inside & (block_max <= close), cur - width, cur)
    return np.where(cur >= starts, cur, -1)


def run_lengths(flags: Bools) -> Ints:
    """Length of the run of True ending at each position (0 where False)."""
    total = np.cumsum(flags, dtype=np.int64)
    at_reset = np.maximum.accumulate(np.where(flags, 0, total))
    return total - at_reset


def win_streaks(codes: Ints, days: Ints, close: Floats) -> Ints:
    """Winning-week streak at every row, the row's close standing for its week so far.

    Weeks are runs of equal (ticker, Monday-based week number); a completed
    week beats the previous run of its ticker when its last close is higher,
    and the run-length of those beats is carried to each row of the next week.
    """
    n = len(close)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    week = (days + 3) // 7  # 1970-01-01 was a Thursday: this starts weeks on Monday
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = (codes[1:] != codes[:-1]) | (week[1:] != week[:-1])
    run_of_row = np.cumsum(new_run) - 1
    run_first = np.flatnonzero(new_run)
    week_close = close[np.append(run_first[1:] - 1, n - 1)]
    ticker_first = np.ones(len(run_first), dtype=bool)
    ticker_first[1:] = codes[run_first[1:]] != codes[run_first[:-1]]
    beats = np.zeros(len(run_first), dtype=bool)
    beats[1:] = week_close[1:] > week_close[:-1]
    streak = run_lengths(beats & ~ticker_first)
    prev_run = np.maximum(run_of_row - 1, 0)
    row_beats = ~ticker_first[run_of_row] & (close > week_close[prev_run])
    return np.where(row_beats, streak[prev_run] + 1, 0).astype(np.int64)


def at(values: Floats, ref: Ints) -> Floats:
    """``values[ref]`` with NaN where ``ref`` is -1."""
    return np.where(ref >= 0, values[np.maximum(ref, 0)], np.nan)


def close_asof(bench_days: Ints, bench_close: Floats, query_days: Ints) -> Floats:
    """The benchmark's last close on or before each query day (NaN before its first)."""
    pos = np.searchsorted(bench_days, query_days, side="right").astype(np.int64) - 1
    return at(bench_close, pos)


def rally_panel(prices: pd.DataFrame, *, benchmark: str | None = None) -> pd.DataFrame:
    """Every rally metric for every ticker at every session, in one vectorised pass.

    Parameters
    ----------
    prices
        Long price frame (``date``, ``ticker``, ``close`` are used).
    benchmark
        A ticker in ``prices``; adds ``benchmark`` and ``excess_*_pp`` columns.

    Returns
    -------
    DataFrame
        One row per (ticker, session), sorted by ticker then date, with
        :data:`RALLY_COLUMNS` (``asof`` is the session date; ``high_since``
        is NaT at an all-time high; returns NaN without enough history),
        then the benchmark columns when asked.

    Notes
    -----
    Definitions are in the package docstring. Every metric is an array
    operation over the sorted rows (group offsets mark ticker boundaries);
    ``high_since`` uses binary lifting on a sparse max table, the streak a
    run-length cumsum over weekly closes, the peak a grouped ``cummax``.
    """
    frame = prepare(prices)
    codes_raw, _ = pd.factorize(frame["ticker"], sort=True)
    codes = codes_raw.astype(np.int64)
    dates = frame["date"].to_numpy()
    days = dates.astype("datetime64[D]").astype(np.int64)
    close = frame["close"].to_numpy(dtype=np.float64)
    starts = group_starts(codes)
    out = pd.DataFrame({"ticker": frame["ticker"].to_numpy(dtype=object), "asof": dates})
    out["close"] = close
    refs = {name: lag_reference(starts, lag) for name, lag in HORIZONS.items()}
    empty = np.zeros(0, dtype=np.int64)
    refs["ytd"] = ytd_reference(codes, days, starts) if len(frame) else empty
    higher = previous_greater(close, starts)
    streak = win_streaks(codes, days, close)
    returns = {h: pct(close, at(close, ref)) for h, ref in refs.items()}
    for h in ("1d", "1w", "1m", "ytd"):
        out[f"return_{h}_pct"] = returns[h]
    high = pd.Series(dates[np.maximum(higher, 0)] if len(frame) else dates, dtype="datetime64[ns]")
    out["high_since"] = high.where(higher >= 0)
    out["win_streak_weeks"] = streak
    peak = pd.Series(close).groupby(codes).cummax().to_numpy()
    out["drawdown_from_peak_pct"] = (1.0 - close / peak) * 100.0
    if benchmark is not None:
        bench = benchmark_rows(frame, benchmark)
        b_days = bench["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
        b_close = bench["close"].to_numpy(dtype=np.float64)
        b_now = close_asof(b_days, b_close, days)
        out["benchmark"] = benchmark
        for h, ref in refs.items():
            ref_days = np.where(ref >= 0, days[np.maximum(ref, 0)], np.iinfo(np.int64).min)
            b_then = close_asof(b_days, b_close, ref_days)
            out[f"excess_{h}_pp"] = returns[h] - pct(b_now, b_then)
    return out
