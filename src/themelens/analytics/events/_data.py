"""Event-study inputs: per-ticker session returns, the benchmark on the stock's sessions, windows.

Alignment (the one rule every model uses): a stock's return on session
``d_t`` is ``c(d_t) / c(d_{t-1}) - 1`` with ``d_{t-1}`` the stock's own
previous session. The benchmark return paired with it covers the *same
interval*: ``B(d_t) / B(d_{t-1}) - 1`` with the benchmark's closes on exactly
those two dates. When the benchmark has no close on either date the pair is
missing: the day is dropped from the estimation window (so one missing
benchmark session drops the two stock returns that touch it), and a missing
pair inside the event window skips the event. Carrying a stale benchmark close
forward instead would put a zero benchmark return against a real stock move
and bias beta towards zero.

Everything is one concatenated array per quantity, ticker segments marked by
``starts``/``ends``, so a window is a run of consecutive rows and the windows
of thousands of events are row copies of one sliding-window view (the (E, W)
shape the vectorised market model needs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from themelens.data.contracts import coerce_closes, ticker_runs

__all__ = [
    "EventWindows",
    "ReturnPanel",
    "WindowRows",
    "build_panel",
    "equal_weight_index",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Days = npt.NDArray[np.int32]
"""Session dates as days since 1970-01-01 in 32 bits (half the bytes of the (E, W) windows)."""
_T = TypeVar("_T", bound=np.generic)
_NS_PER_DAY: Final = 86_400_000_000_000


@dataclass(frozen=True)
class ReturnPanel:
    """Returns of every ticker, concatenated in (ticker, date) order.

    ``days`` are session dates as integer days since 1970-01-01; ``ret`` the
    stock's simple return (NaN on a ticker's first row); ``bench`` the
    benchmark's return over the same interval (NaN where it has no close on
    either end, or when there is no benchmark); ``bench_gap`` marks those
    missing pairs (False everywhere without a benchmark).
    """

    tickers: tuple[str, ...]
    starts: Ints
    ends: Ints
    days: Ints
    ret: Floats
    bench: Floats
    bench_gap: Bools
    providers: tuple[str, ...]


def _prepare(prices: pd.DataFrame, tickers: set[str]) -> pd.DataFrame:
    frame = coerce_closes(prices, tickers)
    frame = frame.loc[frame["close"].to_numpy() > 0]
    # provider frames arrive sorted by (ticker, date) (validate_prices); sort only when not
    codes, names = pd.factorize(frame["ticker"])
    rank = np.argsort(np.argsort(np.asarray(names, dtype=object)))
    days = frame["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    key = rank[codes].astype(np.int64) * (1 << 20) + days
    if len(key) > 1 and not bool((np.diff(key) >= 0).all()):
        order = np.argsort(key, kind="stable")
        frame, key = frame.iloc[order], key[order]
    frame = frame.reset_index(drop=True)
    # dates are whole days (coerce_closes), so a repeated (ticker, date) is a repeated key,
    # next to its twin once sorted: no hashing of five million (string, date) pairs
    twins = np.flatnonzero(key[1:] == key[:-1])
    if len(twins):
        row = frame.iloc[int(twins[0]) + 1]
        raise ValueError(f"{row['ticker']}: duplicate row on {row['date']:%Y-%m-%d}")
    checked: pd.DataFrame = frame
    return checked


def _day_numbers(dates: pd.Series) -> Ints:
    out: Ints = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
    return out


@dataclass(frozen=True)
class _Rows:
    """The wanted tickers' rows, one ticker after another in date order, closes positive."""

    names: tuple[str, ...]
    counts: Ints
    days: Ints
    close: Floats
    providers: tuple[str, ...]

    def take(self, keep: set[str]) -> tuple[tuple[str, ...], Ints, Ints, Floats]:
        """Names, row counts, days and closes of the tickers in ``keep``."""
        picks = [k for k, t in enumerate(self.names) if t in keep]
        if len(picks) == len(self.names):
            return self.names, self.counts, self.days, self.close
        ends = np.cumsum(self.counts)
        spans = [slice(int(ends[k] - self.counts[k]), int(ends[k])) for k in picks]
        names = tuple(self.names[k] for k in picks)
        return names, self.counts[picks], _join(self.days, spans), _join(self.close, spans)


def _join(values: npt.NDArray[_T], spans: list[slice]) -> npt.NDArray[_T]:
    """The ``spans`` of ``values`` one after another: a view when they are one run, else a copy."""
    if not spans:
        return values[:0].copy()
    if all(a.stop == b.start for a, b in pairwise(spans)):
        return values[spans[0].start : spans[-1].stop]
    return np.concatenate([values[sp] for sp in spans])


def _providers(values: npt.NDArray[np.object_]) -> tuple[str, ...]:
    """The distinct providers named (a ticker's rows mostly share one: compare neighbours first)."""
    if not len(values):
        return ()
    changes = np.flatnonzero(values[1:] != values[:-1]) + 1
    found = pd.unique(values[np.append(0, changes)])
    return tuple(sorted({str(p) for p in found if isinstance(p, str)}))


def _provider_names(column: pd.Series, spans: list[slice] | None) -> tuple[str, ...]:
    """:func:`_providers` of ``column`` (the rows in ``spans``, or all of them).

    A categorical column (what the providers return) is read through its
    codes: which categories occur, without making a Python object per row.
    """
    if not isinstance(column.dtype, pd.CategoricalDtype):
        values = column.to_numpy(dtype=object)
        return _providers(values if spans is None else _join(values, spans))
    codes = column.cat.codes.to_numpy()
    codes = codes if spans is None else _join(codes, spans)
    names = column.cat.categories.to_numpy(dtype=object)
    seen = np.bincount(codes[codes >= 0].astype(np.intp), minlength=len(names)) > 0
    return tuple(sorted({str(p) for p in names[seen] if isinstance(p, str)}))


def _rows(prices: pd.DataFrame, wanted: set[str]) -> _Rows:
    """Read in place when the frame is in the contract's order (one pass proves it), else sort.

    Rows without a finite positive close are dropped either way; a duplicate
    ``(ticker, date)`` raises ``ValueError``.
    """
    runs = ticker_runs(prices)
    if runs is not None:
        picks = [k for k, t in enumerate(runs.tickers) if t in wanted]
        every = len(picks) == len(runs.tickers)
        spans = [slice(int(runs.starts[k]), int(runs.ends[k])) for k in picks]

        def column(name: str, dtype: str | type) -> npt.NDArray[Any]:
            values = prices[name].to_numpy(dtype=dtype)
            return values if every else _join(values, spans)

        close = column("close", np.float64)
        with np.errstate(invalid="ignore"):
            usable = bool(((close > 0) & (close < np.inf)).all())
        if usable:
            provider = (
                _provider_names(prices["provider"], None if every else spans)
                if "provider" in prices.columns
                else ()
            )
            return _Rows(
                names=tuple(runs.tickers[k] for k in picks),
                counts=(runs.ends - runs.starts)[picks].astype(np.int64),
                days=_whole_days(column("date", "datetime64[ns]")),
                close=close,
                providers=provider,
            )
    frame = _prepare(prices, wanted)
    codes, names = pd.factorize(frame["ticker"], sort=True)
    has_provider = "provider" in frame.columns
    return _Rows(
        names=tuple(str(t) for t in names),
        counts=np.bincount(codes, minlength=len(names)).astype(np.int64),
        days=_day_numbers(frame["date"]),
        close=frame["close"].to_numpy(dtype=np.float64),
        providers=_provider_names(frame["provider"], None) if has_provider else (),
    )


def _whole_days(dates: npt.NDArray[np.datetime64]) -> Ints:
    """Days since 1970 of ``datetime64[ns]`` dates: in place when the array owns its memory (a
    copy made here), never in a view, which may be the caller's frame's memory."""
    nanoseconds = dates.view(np.int64)
    if not dates.flags.owndata:
        out: Ints = nanoseconds // _NS_PER_DAY
        return out
    np.floor_divide(nanoseconds, _NS_PER_DAY, out=nanoseconds)
    return nanoseconds


def build_panel(
    prices: pd.DataFrame, tickers: set[str], benchmark: str | None
) -> tuple[ReturnPanel, bool]:
    """The return panel for ``tickers`` and whether the benchmark had any rows.

    Rows with a missing or non-positive close are dropped (a return through
    them is undefined); a duplicate ``(ticker, date)`` raises ``ValueError``.
    A frame already in the contract's order (from ``validate_prices``) is read
    without a sort or a copy of the whole frame.
    """
    rows = _rows(prices, set(tickers) | ({benchmark} if benchmark else set()))
    names, counts, days, close = rows.take(set(tickers))
    n = len(days)
    ends = np.cumsum(counts).astype(np.int64)
    starts = ends - counts
    heads = starts[counts > 0]  # each ticker's first row: no return
    ret = _over_previous(close.astype(np.float64, copy=False), heads)
    bench = np.full(n, np.nan)
    gap = np.zeros(n, dtype=bool)
    b_names, _, b_days, b_close = rows.take({benchmark} if benchmark else set())
    if benchmark and len(b_days):
        bench = _over_previous(_close_on(b_days, b_close, days), heads)
        gap = np.isfinite(bench)
        np.logical_not(gap, out=gap)
        gap[heads] = False
    panel = ReturnPanel(
        tickers=names,
        starts=starts,
        ends=ends,
        days=days,
        ret=ret,
        bench=bench,
        bench_gap=gap,
        providers=rows.providers,
    )
    return panel, bool(len(b_names) and len(b_days))


def _over_previous(values: Floats, heads: Ints) -> Floats:
    """``values[i] / values[i - 1] - 1`` on every row, NaN on the rows in ``heads``.

    Written into one fresh array (no shifted copy, no mask, no ``where``).
    """
    out = np.empty(len(values))
    if len(values):
        out[0] = np.nan
        np.divide(values[1:], values[:-1], out=out[1:])
        out -= 1.0
        out[heads] = np.nan
    return out


def _close_on(b_days: Ints, b_close: Floats, days: Ints) -> Floats:
    """The benchmark's close on each of ``days`` exactly, NaN where it has none.

    A table indexed by day number (one slot per calendar day of the
    benchmark's span, a few tens of thousands) answers every row in one
    gather, where a binary search per row would cost log(span) steps.
    """
    first = int(b_days[0])
    slot = np.full(int(b_days[-1]) - first + 2, np.nan)  # the last slot stays NaN: out of span
    slot[b_days - first] = b_close
    at = np.subtract(days, first, dtype=np.int32 if len(slot) < 2**31 else np.int64)
    np.clip(at, -1, len(slot) - 1, out=at)
    out: Floats = slot[at]
    return out


@dataclass(frozen=True)
class EventWindows:
    """Estimation and event windows of E events copied as (E, W) and (E, L) arrays.

    ``est_ok`` marks the estimation days the model uses (inside the ticker's
    data, stock return present, benchmark return present when the model
    needs one); ``y_est``/``x_est`` hold the stock and benchmark returns there
    and 0 on every other day, so sums over a row need no mask;
    ``est_days`` the session dates of those days (int32 days, -1 elsewhere);
    ``n_est`` counts them and ``est_gaps`` the estimation days lost to
    benchmark gaps. ``y_evt``/``x_evt``/``evt_days`` are the event window's
    returns and dates (always inside the ticker's data).
    """

    y_est: Floats
    x_est: Floats
    est_ok: Bools
    est_days: Days
    n_est: Ints
    est_gaps: Ints
    y_evt: Floats
    x_evt: Floats
    evt_days: Ints


@dataclass(frozen=True)
class WindowRows:
    """The panel's rows as the models read them, ``pad`` blank rows in front.

    ``y``/``x`` are the stock and benchmark returns on usable rows and 0
    elsewhere, ``ok`` marks usable rows, ``days`` their dates (-1 elsewhere).
    Masks and zeros are worked out once per panel row here, not once per
    window cell. The blank rows serve windows that start before row 0.
    """

    y: Floats
    x: Floats
    ok: Bools
    days: Days
    pad: int
    _views: dict[tuple[str, int], npt.NDArray[Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """The sliding-window views by (array, width): made once, read by every block."""

    @classmethod
    def of(cls, panel: ReturnPanel, usable: Bools, pad: int) -> WindowRows:
        unusable = ~usable

        def front(values: npt.NDArray[Any], dtype: type, fill: Any) -> npt.NDArray[Any]:
            """``values`` where usable, ``fill`` elsewhere and in the pad: one array written."""
            out: npt.NDArray[Any] = np.empty(len(values) + pad, dtype=dtype)
            out[:pad] = fill
            out[pad:] = values
            np.copyto(out[pad:], fill, where=unusable)
            return out

        return cls(
            y=front(panel.ret, np.float64, 0.0),
            x=front(panel.bench, np.float64, 0.0),
            ok=front(usable, np.bool_, False),
            days=front(panel.days, np.int32, -1),
            pad=pad,
        )

    def windows(
        self, first: Ints, seg_start: Ints, width: int
    ) -> tuple[Floats, Floats, Bools, Days]:
        """(E, width) ``y``, ``x``, ``ok``, ``days`` of the windows starting at panel rows ``first``.

        A window is a run of consecutive rows, so E windows are E rows of a
        sliding-window view, copied whole (no (E, W) index array). Cells
        before the event's ticker's first row (``seg_start``) are reset to
        unusable.
        """

        y, x = self._rows("y", first, width), self._rows("x", first, width)
        ok, days = self._rows("ok", first, width), self._rows("days", first, width)
        early = np.flatnonzero(first < seg_start)  # windows reaching before the ticker's data
        if len(early):
            cut = np.arange(width)[None, :] < (seg_start - first)[early][:, None]
            for values, fill in ((y, 0.0), (x, 0.0), (ok, False), (days, -1)):
                part = values[early]
                part[cut] = fill
                values[early] = part
        return y, x, ok, days

    def _rows(self, name: str, first: Ints, width: int) -> npt.NDArray[Any]:
        view = self._views.get((name, width))
        if view is None:
            view = self._views[name, width] = sliding_window_view(getattr(self, name), width)
        out: npt.NDArray[Any] = view[first + self.pad]
        return out


def equal_weight_index(
    prices: pd.DataFrame, members: list[str], *, name: str = "PROXY"
) -> pd.DataFrame:
    """An equal-weight, daily-rebalanced index of ``members`` as long price rows named ``name``.

    Each date's index return is the mean of the members' own close-to-close
    returns on that date (a member without a row that day is left out of the
    mean, and its next return spans both days); the level starts at 100.
    Returns the price-contract columns with ``open = high = low = close`` and
    ``provider = "derived"``.
    """
    frame = _prepare(prices, set(members))
    if frame.empty:
        raise ValueError("none of the proxy members has prices")
    # rows are one ticker after another in date order (_prepare): a return is a row over the
    # row before it of the same ticker, as groupby(...).pct_change() computes it
    close = frame["close"].to_numpy(dtype=np.float64)
    codes, _ = pd.factorize(frame["ticker"])
    ret = np.full(len(frame), np.nan)
    same = codes[1:] == codes[:-1]
    ret[1:][same] = close[1:][same] / close[:-1][same] - 1
    daily = pd.Series(ret).groupby(frame["date"].to_numpy(), sort=True).mean()
    daily.index = pd.DatetimeIndex(daily.index, name="date")
    level = 100.0 * (1.0 + daily.fillna(0.0)).cumprod()
    out = pd.DataFrame({"date": level.index, "ticker": name})
    for col in ("open", "high", "low", "close"):
        out[col] = level.to_numpy()
    out["volume"] = np.nan
    out["provider"] = "derived"
    out["source"] = f"equal-weight of {', '.join(sorted(frame['ticker'].unique().tolist()))}"
    return out.reset_index(drop=True)
