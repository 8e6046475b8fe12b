"""The vectorised form, :func:`rally_panel`, and the array kernels behind it.

Every kernel works on all rows of the panel at once, in O(n) or O(n log n)
numpy work with no Python loop over rows. Rows are one ticker after another,
each in date order; ``starts[i]`` is the index of the first row of row i's
ticker, so "the same ticker" is always ``j >= starts[i]``; ``days`` are session
dates as days since 1970-01-01. The only Python loops run once per ticker
(:func:`running_peak`) or once per bit of the longest ticker's length
(:func:`previous_greater`).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.analytics.rally._inputs import Closes, pct, prepare
from themelens.analytics.rally._result import HORIZONS

__all__ = ["rally_panel"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def lag_reference(starts: Ints, lag: int) -> Ints:
    """Index of the row ``lag`` rows back in the same ticker, or -1."""
    idx = np.arange(len(starts), dtype=np.int64)
    return np.where(idx - lag >= starts, idx - lag, -1)


def lag_return(close: Floats, position: Ints, lag: int) -> Floats:
    """Percent change over ``lag`` rows of the same ticker (NaN without that much history).

    The same numbers as ``pct(close, at(close, lag_reference(...)))``, from a
    shifted copy instead of an index array and a gather.
    """
    then = np.empty_like(close)
    then[:lag] = np.nan
    then[lag:] = close[: max(len(close) - lag, 0)]
    then[position < lag] = np.nan
    out: Floats = pct(close, then)
    return out


def calendar_years(days: Ints) -> Ints:
    """The calendar year of each day: one ``searchsorted`` against the 1 January of each year."""
    if not len(days):
        return np.zeros(0, dtype=np.int64)
    bounds = np.array([days.min(), days.max()]).astype("datetime64[D]").astype("datetime64[Y]")
    first, last = bounds.astype(np.int64)
    jan1 = np.arange(first, last + 1).astype("datetime64[Y]").astype("datetime64[D]")
    found = np.searchsorted(jan1.astype(np.int64), days, side="right").astype(np.int64)
    out: Ints = first + 1969 + found
    return out


def ytd_reference(days: Ints, starts: Ints) -> Ints:
    """Index of the ticker's last row in the previous calendar year, or -1.

    A ticker's rows of one year are a run; the row before the run's first row
    is the last row before 1 January, kept when it is in the same ticker and
    in the year just before.
    """
    n = len(days)
    years = calendar_years(days)
    idx = np.arange(n, dtype=np.int64)
    new_run = idx == starts
    new_run[1:] |= years[1:] != years[:-1]
    ref = np.maximum.accumulate(np.where(new_run, idx, 0)) - 1
    ok = ref >= starts
    ok &= years[np.where(ok, ref, 0)] == years - 1
    return np.where(ok, ref, -1)


def running_peak(close: Floats, starts: Ints, ends: Ints) -> Floats:
    """The highest close so far within each ticker (one ``maximum.accumulate`` per ticker)."""
    peak = np.empty_like(close)
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        np.maximum.accumulate(close[s:e], out=peak[s:e])
    return peak


def _max_tables(values: Floats, levels: int) -> list[Floats]:
    """Sparse table: ``tables[j][i]`` is the max of the ``2**j`` values ending at ``i``."""
    tables = [values]
    for j in range(1, levels):
        prev, half = tables[-1], 1 << (j - 1)
        nxt = np.empty_like(prev)
        nxt[:half] = prev[:half]
        np.maximum(prev[half:], prev[:-half], out=nxt[half:])
        tables.append(nxt)
    return tables


JUMP_ROUNDS: Final = 2000
"""Most pointer-jumping rounds (each ~15 µs of overhead) before the open rows are lifted."""
JUMP_WORK: Final = 8
"""Most pointer moves per row, in total, before the open rows are lifted: linear work."""


def previous_greater(close: Floats, starts: Ints, peak: Floats) -> Ints:
    """Index of the latest earlier row of the same ticker with a strictly greater close, or -1.

    Each row holds a pointer such that every row strictly between the pointer
    and itself is not above its close: first the row before it, or -1 at a
    ticker's first row and at a high (``peak`` of the rows before it not above
    its close). While the row a pointer names is not above, the pointer jumps
    to that row's own pointer (everything it skips is at most that row's close,
    so at most this one's), all open rows at once. Real prices settle in a few
    rounds with little memory; the rows still open after ``JUMP_ROUNDS`` (long
    staircases, which only step one row a round) finish by binary lifting
    over a sparse max table, O(n log n) whatever the prices.
    """
    n = len(close)
    idx = np.arange(n, dtype=np.int64)
    first = idx == starts
    ptr = idx - 1
    ptr[first] = -1
    if n > 1:
        high = np.zeros(n, dtype=bool)
        np.less_equal(peak[:-1], close[1:], out=high[1:])
        ptr[high] = -1
    live = np.flatnonzero(ptr >= 0)
    target = ptr[live]
    keep = close[target] <= close[live]
    live, target = live[keep], target[keep]
    level = close[live]
    rounds, work = 0, 0
    while len(live) and rounds < JUMP_ROUNDS and work < JUMP_WORK * n:
        # every open row steps to its target's pointer, all at once (the gather is whole
        # before the write); a row with nothing above it before is at a high and never open,
        # so no target reaches -1
        target = ptr[target]
        ptr[live] = target
        rounds, work = rounds + 1, work + len(live)
        keep = close[target] <= level
        live, target, level = live[keep], target[keep], level[keep]
    _lift(close, starts, ptr, live)
    return ptr


def _lift(close: Floats, starts: Ints, ptr: Ints, rows: Ints) -> None:
    """Finish ``rows`` (their answer exists and lies before ``ptr[rows]``) by binary lifting.

    The sparse table covers only the tickers ``rows`` belong to (laid end to end),
    so a few open rows do not pay for a table over the whole frame.
    """
    if not len(rows):
        return
    firsts = np.unique(starts[rows])
    ends = np.searchsorted(starts, firsts, side="right")  # rows are sorted by ticker
    lengths = ends - firsts
    offset = np.repeat(firsts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    span = np.arange(int(lengths.sum()), dtype=np.int64) + offset  # sub row -> frame row
    sub_close, sub_starts = close[span], starts[span] - offset
    local = rows - offset[np.searchsorted(span, rows)]
    longest = int((local - sub_starts[local]).max()) + 1
    levels = max(1, math.ceil(math.log2(longest)))
    tables = _max_tables(sub_close, levels)
    level, floor = sub_close[local], sub_starts[local]
    cur = ptr[rows] - offset[np.searchsorted(span, rows)] - 1  # ptr[rows] is not above
    for j in reversed(range(levels)):
        width = 1 << j
        skip = (cur - width + 1 >= floor) & (tables[j][cur] <= level)
        cur = np.where(skip, cur - width, cur)
    ptr[rows] = span[cur]


def run_lengths(flags: Bools) -> Ints:
    """Length of the run of True ending at each position (0 where False)."""
    total = np.cumsum(flags, dtype=np.int64)
    at_reset = np.maximum.accumulate(np.where(flags, 0, total))
    return total - at_reset


def win_streaks(starts: Ints, days: Ints, close: Floats) -> Ints:
    """Winning-week streak at every row, the row's close standing for its week so far.

    Weeks are runs of equal (ticker, Monday-based week number); a completed
    week beats the previous run of its ticker when its last close is higher,
    and the run-length of those beats is carried to each row of the next week.
    """
    n = len(close)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    idx = np.arange(n, dtype=np.int64)
    week = (days + 3) // 7  # 1970-01-01 was a Thursday: this starts weeks on Monday
    new_ticker = idx == starts
    new_run = new_ticker.copy()
    new_run[1:] |= week[1:] != week[:-1]
    run_of_row = np.cumsum(new_run) - 1
    run_first = np.flatnonzero(new_run)
    week_close = close[np.append(run_first[1:] - 1, n - 1)]
    ticker_first = new_ticker[run_first]
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


def _excess(
    data: Closes, benchmark: str, days: Ints, refs: dict[str, Ints], returns: dict[str, Floats]
) -> dict[str, Floats]:
    b_days, b_close = data.benchmark(benchmark)
    b_now = close_asof(b_days, b_close, days)
    out: dict[str, Floats] = {}
    for h, ref in refs.items():
        ref_days = np.where(ref >= 0, days[np.maximum(ref, 0)], np.iinfo(np.int64).min)
        out[f"excess_{h}_pp"] = returns[h] - pct(b_now, close_asof(b_days, b_close, ref_days))
    return out


def text_column(values: list[str], codes: Ints) -> pd.api.extensions.ExtensionArray:
    """``values[codes]`` as the text dtype pandas gives strings (``str`` from pandas 3).

    Taking from a few distinct strings is ~10x quicker than letting the frame
    constructor infer the dtype of an object array of ``n`` strings.
    """
    distinct = pd.Series(values, dtype=None if values else object)
    return distinct.array.take(codes)


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
    operation over the sorted rows (ticker offsets mark the boundaries);
    ``high_since`` uses binary lifting on a sparse max table, the streak a
    run-length cumsum over weekly closes, the peak a per-ticker running max.
    A frame already in the contract's order (from ``validate_prices``) is
    read without a copy or a sort.
    """
    data = prepare(prices)
    close, dates, days = data.close, data.dates, data.days
    counts = data.ends - data.starts
    starts = np.repeat(data.starts, counts)
    position = np.arange(len(close), dtype=np.int64) - starts  # row number within its ticker
    ytd = ytd_reference(days, starts)
    returns = {h: lag_return(close, position, lag) for h, lag in HORIZONS.items()}
    returns["ytd"] = pct(close, at(close, ytd))
    peak = running_peak(close, data.starts, data.ends)
    higher = previous_greater(close, starts, peak)
    high_since = dates[np.maximum(higher, 0)] if len(close) else dates.copy()
    high_since[higher < 0] = np.datetime64("NaT")
    codes = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    columns: dict[str, object] = {
        "ticker": text_column(list(data.tickers), codes),
        "asof": dates.copy(),
        "close": close.copy(),
        **{f"return_{h}_pct": returns[h] for h in ("1d", "1w", "1m", "ytd")},
        "high_since": high_since,
        "win_streak_weeks": win_streaks(starts, days, close),
        "drawdown_from_peak_pct": (1.0 - close / peak) * 100.0,
    }
    if benchmark is not None:
        columns["benchmark"] = text_column([benchmark], np.zeros(len(close), dtype=np.int64))
        refs = {name: lag_reference(starts, lag) for name, lag in HORIZONS.items()}
        refs["ytd"] = ytd
        columns.update(_excess(data, benchmark, days, refs, returns))
    return pd.DataFrame(columns, copy=False)
