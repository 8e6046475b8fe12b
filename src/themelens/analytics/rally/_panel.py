"""The vectorised form, :func:`rally_panel`, and the array kernels behind it.

Every kernel works on all rows of the panel at once, in O(n) or O(n log n)
numpy work with no Python loop over rows. Rows are one ticker after another,
each in date order; ``first`` marks each ticker's first row (``starts`` per row,
where a kernel needs it, is the index of that row); ``days`` are session dates
as days since 1970-01-01. The only Python loops run once per ticker
(:func:`running_peak`), once per pointer-jumping round or once per bit of the
longest ticker's length (:func:`previous_greater`). On this scale fresh memory
costs about as much as the arithmetic, so kernels keep open rows by position,
use ``int32`` indices and write into buffers they are lent.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.analytics._cells import text_column
from themelens.analytics.rally._inputs import Closes, pct, prepare
from themelens.analytics.rally._result import HORIZONS

__all__ = ["rally_panel"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Indices = npt.NDArray[np.int32] | npt.NDArray[np.int64]
Years = npt.NDArray[np.int16]


def lag_reference(starts: Ints, lag: int) -> Ints:
    """Index of the row ``lag`` rows back in the same ticker, or -1 (``starts`` per row)."""
    idx = np.arange(len(starts), dtype=np.int64)
    return np.where(idx - lag >= starts, idx - lag, -1)


def first_rows(n: int, starts: Ints) -> Bools:
    """True at each ticker's first row (``starts`` per ticker): one byte a row, not eight."""
    first = np.zeros(n, dtype=bool)
    first[starts[starts < n]] = True
    return first


def percent_into(now: Floats, then: Floats) -> Floats:
    """``pct(now, then)`` written over ``then``: the same operations in the same order,
    so the same bits, without three temporaries the size of the panel."""
    np.divide(now, then, out=then)
    then -= 1.0
    then *= 100.0
    return then


def lag_return(
    close: Floats, starts: Ints, ends: Ints, lag: int, *, out: Floats | None = None
) -> Floats:
    """Percent change over ``lag`` rows of the same ticker (NaN without that much history).

    The same numbers as ``pct(close, at(close, lag_reference(...)))``, from a
    shifted copy with each ticker's first ``lag`` rows blanked, instead of an
    index array and a gather. Written into ``out`` when given.
    """
    then = np.empty_like(close) if out is None else out
    then[:lag] = np.nan
    then[lag:] = close[: max(len(close) - lag, 0)]
    heads = (starts[:, None] + np.arange(lag, dtype=np.int64)).ravel()
    then[heads[heads < np.repeat(ends, lag)]] = np.nan
    return percent_into(close, then)


def calendar_years(days: Ints, *, scratch: Ints | None = None) -> Years:
    """The calendar year of each day (days since 1970-01-01), as ``int16`` (years of
    ``datetime64[ns]`` are 1677 to 2262).

    Sessions repeat the same few thousand calendar days across tickers, so the
    years are worked out once per day of the span (at most the ~214,000 days
    ``datetime64[ns]`` can hold) and gathered, one look-up a row. ``scratch``
    (``len(days)`` int64) holds the offsets into that table when given.
    """
    if not len(days):
        return np.zeros(0, dtype=np.int16)
    lo = int(days.min())
    span = np.arange(lo, int(days.max()) + 1, dtype=np.int64).astype("datetime64[D]")
    table = span.astype("datetime64[Y]").astype(np.int16) + np.int16(1970)
    offsets = np.subtract(days, lo, out=scratch)
    out: Years = table.take(offsets)
    return out


def runs_of(change: Bools) -> tuple[Ints, Ints]:
    """First row and length of each run, runs starting where ``change`` is True (at 0 too)."""
    firsts = np.flatnonzero(change)
    lengths = np.diff(np.append(firsts, len(change)))
    return firsts, lengths


def ytd_runs(days: Ints, first: Bools, *, scratch: Ints | None = None) -> tuple[Ints, Ints]:
    """Each row's ytd reference, as runs: (run lengths, reference row of each run).

    A ticker's rows of one calendar year are a run; the row before the run's
    first row is the last row before 1 January, the reference when it is in
    the same ticker and in the year just before (else -1). Worked per run (a
    few per ticker and year); ``np.repeat(ref, lengths)`` spreads it over rows.
    ``scratch`` is lent to :func:`calendar_years`.
    """
    if not len(days):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    years = calendar_years(days, scratch=scratch)
    change = first.copy()
    change[1:] |= years[1:] != years[:-1]
    firsts, lengths = runs_of(change)
    prev = np.maximum(firsts - 1, 0)
    ok = ~first.take(firsts)
    ok &= years.take(prev) == years.take(firsts) - 1
    return lengths, np.where(ok, firsts - 1, -1)


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


def previous_greater(close: Floats, first: Bools, peak: Floats) -> Indices:
    """Index of the latest earlier row of the same ticker with a strictly greater close, or -1.

    ``first`` marks each ticker's first row. Each row holds a pointer such
    that every row strictly between the pointer and itself is not above its
    close: first the row before it, or -1 at a ticker's first row and at a
    high (``peak`` of the rows before it not above its close). While the row
    a pointer names is not above, the pointer jumps to that row's own pointer
    (everything it skips is at most that row's close, so at most this one's),
    all open rows at once. Real prices settle in a few rounds with little
    memory; the rows still open after ``JUMP_ROUNDS`` (long staircases, which
    only step one row a round) finish by binary lifting over a sparse max
    table, O(n log n) whatever the prices. Open rows are kept by position
    (``flatnonzero`` then ``take``), which numpy does several times faster
    than a boolean mask. Indices are ``int32`` below 2**31 rows.
    """
    n = len(close)
    index: Any = np.int32 if n < 2**31 else np.int64  # half the memory traffic on any real panel
    ptr: Indices = np.arange(-1, n - 1, dtype=index)
    live: Indices = np.zeros(0, dtype=index)
    if n:
        ptr[0] = -1
    if n > 1:
        closed = peak[:-1] <= close[1:]  # row i + 1 is at a high ...
        closed |= first[1:]  # ... or starts its ticker
        np.copyto(ptr[1:], -1, where=closed)
        open_ = close[:-1] <= close[1:]  # the row before is not above: not settled
        open_ &= ~closed
        live = np.flatnonzero(open_).astype(index)
        live += 1
    target, level = live - 1, close.take(live)
    rounds, work = 0, 0
    while len(live) and rounds < JUMP_ROUNDS and work < JUMP_WORK * n:
        # every open row steps to its target's pointer, all at once (the gather is whole
        # before the write); a row with nothing above it before is at a high and never open,
        # so no target reaches -1
        target = ptr.take(target)
        ptr[live] = target
        rounds, work = rounds + 1, work + len(live)
        keep = np.flatnonzero(close.take(target) <= level)
        live, target, level = live.take(keep), target.take(keep), level.take(keep)
    if len(live):
        idx = np.arange(n, dtype=np.int64)
        wide = ptr.astype(np.int64)
        _lift(close, np.maximum.accumulate(np.where(first, idx, 0)), wide, live.astype(np.int64))
        return wide
    return ptr


def _lift(close: Floats, starts: Ints, ptr: Ints, rows: Ints) -> None:
    """Finish ``rows`` (their answer exists and lies before ``ptr[rows]``) by binary lifting.

    The sparse table covers only the tickers ``rows`` belong to (laid end to end),
    so a few open rows do not pay for a table over the whole frame. ``starts``
    is per row.
    """
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


def win_streaks(days: Ints, close: Floats, first: Bools, *, spare: Floats | None = None) -> Ints:
    """Winning-week streak at every row, the row's close standing for its week so far.

    Weeks are runs of equal (ticker, Monday-based week number); a completed
    week beats the previous run of its ticker when its last close is higher,
    and the run-length of those beats is carried to each row of the next week
    (a row beats when its close is above the previous week's last close).
    The week numbers are worked in the result's own buffer, and ``spare``
    (``len(close)`` floats, overwritten) holds each row's bar when given: fewer
    fresh pages to fault in.
    """
    n = len(close)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    out = np.add(days, 3)  # 1970-01-01 was a Thursday: this starts weeks on Monday
    week = out
    week //= 7
    change = first.copy()
    change[1:] |= week[1:] != week[:-1]
    firsts = np.flatnonzero(change)
    week_close = close.take(np.append(firsts[1:] - 1, n - 1))
    ticker_first = first.take(firsts)
    beats = np.zeros(len(firsts), dtype=bool)
    beats[1:] = week_close[1:] > week_close[:-1]
    streak = run_lengths(beats & ~ticker_first)
    bar = np.empty(len(firsts))  # the close a row must beat: the previous week's last
    bar[0] = np.inf
    bar[1:] = week_close[:-1]
    np.copyto(bar, np.inf, where=ticker_first)  # nothing to beat in a ticker's first week
    carried = np.empty(len(firsts), dtype=np.int64)
    carried[0] = 1
    np.add(streak[:-1], 1, out=carried[1:])
    index: Any = np.int32 if n < 2**31 else np.int64
    run_of_row: Indices = np.cumsum(change, dtype=index)
    run_of_row -= 1
    carried.take(run_of_row, out=out, mode="clip")  # in range: "clip" only skips a buffer
    out *= close > bar.take(run_of_row, out=spare, mode="clip")
    return out


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
    ``high_since`` uses pointer jumping (binary lifting on a sparse max table
    for staircases), the streak a run-length cumsum over weekly closes, the
    peak a per-ticker running max, ytd one reference per (ticker, year) run.
    A frame already in the contract's order (from ``validate_prices``) is
    read without a copy or a sort, and its ``date`` and ``close`` columns
    become ``asof`` and ``close`` uncopied (pandas copies on write).
    """
    data = prepare(prices)
    close, dates, days = data.close, data.dates, data.days
    n = len(close)
    counts = data.ends - data.starts
    first = first_rows(n, data.starts)
    # Fresh pages cost more than the arithmetic here, so scratch space is lent out of
    # result buffers not yet filled: the streak's bars go in the first return's buffer,
    # the ytd look-up in high_since's, and the drawdown overwrites the peak.
    spare: Floats | None = np.empty_like(close)
    streak = win_streaks(days, close, first, spare=spare)
    returns: dict[str, Floats] = {}
    for h, lag in HORIZONS.items():
        returns[h] = lag_return(close, data.starts, data.ends, lag, out=spare)
        spare = None
    high_since = np.empty(n, dtype="datetime64[ns]")
    ytd_lengths, ytd_refs = ytd_runs(days, first, scratch=high_since.view(np.int64))
    returns["ytd"] = percent_into(close, np.repeat(at(close, ytd_refs), ytd_lengths))
    peak = running_peak(close, data.starts, data.ends)
    higher = previous_greater(close, first, peak)
    dates.take(higher, out=high_since, mode="clip")  # -1 clips to 0, then is blanked
    np.copyto(high_since, np.datetime64("NaT", "ns"), where=higher < 0)  # no higher close
    drawdown = np.divide(close, peak, out=peak)
    np.subtract(1.0, drawdown, out=drawdown)
    drawdown *= 100.0  # (1 - close / peak) * 100, in place
    codes = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    columns: dict[str, object] = {
        "ticker": text_column(list(data.tickers), codes),
        "asof": _shared(data.date_column, dates),
        "close": _shared(data.close_column, close),
        **{f"return_{h}_pct": returns[h] for h in ("1d", "1w", "1m", "ytd")},
        "high_since": high_since,
        "win_streak_weeks": streak,
        "drawdown_from_peak_pct": drawdown,
    }
    if benchmark is not None:
        columns["benchmark"] = text_column([benchmark], np.zeros(n, dtype=np.int32))
        starts = np.repeat(data.starts, counts)
        refs = {name: lag_reference(starts, lag) for name, lag in HORIZONS.items()}
        refs["ytd"] = np.repeat(ytd_refs, ytd_lengths)
        columns.update(_excess(data, benchmark, days, refs, returns))
    return pd.DataFrame(columns, copy=False)


def _shared(column: pd.Series, values: npt.NDArray[Any]) -> pd.Series | npt.NDArray[Any]:
    """The ordered frame's own column (``values`` are read from it, without conversion when
    the dtypes agree): pandas copies it on write, so the caller's frame is safe and the
    panel pays no copy. Otherwise a copy of ``values``."""
    if column.dtype == values.dtype and len(column) == len(values):
        return column
    return values.copy()
