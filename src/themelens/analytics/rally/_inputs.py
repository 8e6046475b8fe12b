"""What both rally forms read: each ticker's closes in date order, and one percent formula."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from difflib import get_close_matches
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.data.contracts import coerce_closes, ticker_runs
from themelens.errors import UnknownTickerError

__all__ = ["Closes", "pct", "prepare"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def pct(now: Any, then: Any) -> Any:
    """Percent change; one formula for both forms so they agree to the last bit."""
    return (now / then - 1.0) * 100.0


@dataclass(frozen=True)
class Closes:
    """Every ticker's closes, one ticker after another, each in date order.

    Rows ``starts[k]:ends[k]`` are ``tickers[k]``'s (sorted, distinct);
    ``dates`` are naive ``datetime64[ns]`` session dates, strictly increasing
    within a ticker; closes are finite and positive. ``provider`` is the
    input's ``provider`` column, when it has one, read only by
    :meth:`providers` (through its category codes: one string per row would
    cost more than the closes). ``date_column`` and ``close_column`` are the
    ordered frame's own columns, whose values ``dates`` and ``close`` are:
    a result can carry them without a copy, pandas copying on write.
    """

    tickers: tuple[str, ...]
    starts: Ints
    ends: Ints
    dates: npt.NDArray[np.datetime64]
    close: Floats
    provider: pd.Series | None
    date_column: pd.Series
    close_column: pd.Series

    @cached_property
    def days(self) -> Ints:
        """Session dates as days since 1970-01-01 (worked out once: the panel and the
        benchmark's look-up both read them)."""
        out: Ints = self.dates.view(np.int64) // 86_400_000_000_000
        return out

    def index(self, ticker: str) -> int | None:
        """Position of ``ticker`` in :attr:`tickers`, or None."""
        k = bisect_left(self.tickers, ticker)
        return k if k < len(self.tickers) and self.tickers[k] == ticker else None

    def providers(self, positions: list[int]) -> list[str]:
        """The providers named on the rows of the tickers at ``positions``, sorted."""
        if self.provider is None:
            return []
        codes, names = self._provider_codes
        found: set[str] = set()
        for k in positions:
            used = np.unique(codes[int(self.starts[k]) : int(self.ends[k])])
            found.update(str(p) for p in names[used[used >= 0]] if isinstance(p, str))
        return sorted(found)

    @cached_property
    def _provider_codes(self) -> tuple[npt.NDArray[np.integer[Any]], npt.NDArray[Any]]:
        """``provider`` as codes (-1: missing) into distinct names."""
        column = self.provider
        if column is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
        if isinstance(column.dtype, pd.CategoricalDtype):
            return column.cat.codes.to_numpy(), column.cat.categories.to_numpy(dtype=object)
        codes, uniques = pd.factorize(column)
        return codes, np.asarray(uniques, dtype=object)

    def benchmark(self, name: str) -> tuple[Ints, Floats]:
        """The benchmark's session days and closes, or ``UnknownTickerError`` with close matches."""
        k = self.index(name)
        if k is None:
            raise UnknownTickerError(
                name, suggestions=get_close_matches(name, self.tickers), what="benchmark ticker"
            )
        rows = slice(int(self.starts[k]), int(self.ends[k]))
        return self.days[rows], self.close[rows]


def prepare(prices: pd.DataFrame) -> Closes:
    """``date, ticker, close`` (+ ``provider``) in (ticker, date) order.

    A frame already in the contract's order (what ``validate_prices`` returns,
    proved by :func:`~themelens.data.contracts.ticker_runs` in one pass) is
    read as it is, without a copy. Otherwise rows without a close are dropped
    and the rest sorted; duplicate ``(ticker, date)`` rows and non-positive
    closes raise ``ValueError``: percent returns are undefined for them and
    guessing would hide a broken input.
    """
    runs = ticker_runs(prices)
    if runs is not None:
        close = prices["close"].to_numpy()
        with np.errstate(invalid="ignore"):
            usable = bool(((close > 0) & (close < np.inf)).all())
        if usable:
            return _closes(prices, runs.tickers, runs.starts, runs.ends)
    frame = coerce_closes(prices)
    frame = frame.sort_values(["ticker", "date"], kind="mergesort").reset_index(drop=True)
    dup = frame.duplicated(["ticker", "date"]).to_numpy()
    bad = (frame["close"] <= 0).to_numpy()
    for mask, why in ((dup, "duplicate row"), (bad, "non-positive close")):
        if mask.any():
            row = frame.iloc[int(np.argmax(mask))]
            raise ValueError(f"{row['ticker']}: {why} on {row['date']:%Y-%m-%d}")
    codes, names = pd.factorize(frame["ticker"], sort=True)
    counts = np.bincount(codes, minlength=len(names)).astype(np.int64)
    ends = np.cumsum(counts)
    return _closes(frame, tuple(str(t) for t in names), ends - counts, ends)


def _closes(frame: pd.DataFrame, tickers: tuple[str, ...], starts: Ints, ends: Ints) -> Closes:
    provider = frame["provider"] if "provider" in frame.columns else None
    date_column, close_column = (frame[c].reset_index(drop=True) for c in ("date", "close"))
    return Closes(
        tickers=tickers,
        starts=starts.astype(np.int64),
        ends=ends.astype(np.int64),
        dates=date_column.to_numpy(dtype="datetime64[ns]"),
        close=close_column.to_numpy(dtype=np.float64),
        provider=provider,
        date_column=date_column,
        close_column=close_column,
    )
