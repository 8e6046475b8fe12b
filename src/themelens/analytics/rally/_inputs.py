"""What both rally forms read: the sorted closes, the benchmark's rows, one percent formula."""

from __future__ import annotations

from difflib import get_close_matches
from typing import Any

import numpy as np
import pandas as pd

from themelens.data.contracts import coerce_closes
from themelens.errors import UnknownTickerError

__all__ = ["benchmark_rows", "pct", "prepare"]


def pct(now: Any, then: Any) -> Any:
    """Percent change; one formula for both forms so they agree to the last bit."""
    return (now / then - 1.0) * 100.0


def prepare(prices: pd.DataFrame) -> pd.DataFrame:
    """Keep ``date, ticker, close`` (+ ``provider``), sorted by ticker then date.

    Rows without a close are dropped. Duplicate ``(ticker, date)`` rows and
    non-positive closes raise ``ValueError``: percent returns are undefined
    for them and guessing would hide a broken input.
    """
    frame = coerce_closes(prices)
    frame = frame.sort_values(["ticker", "date"], kind="mergesort").reset_index(drop=True)
    dup = frame.duplicated(["ticker", "date"]).to_numpy()
    bad = (frame["close"] <= 0).to_numpy()
    for mask, why in ((dup, "duplicate row"), (bad, "non-positive close")):
        if mask.any():
            row = frame.iloc[int(np.argmax(mask))]
            raise ValueError(f"{row['ticker']}: {why} on {row['date']:%Y-%m-%d}")
    return frame


def benchmark_rows(frame: pd.DataFrame, benchmark: str) -> pd.DataFrame:
    """The benchmark's rows, or ``UnknownTickerError`` with close matches."""
    rows = frame[frame["ticker"] == benchmark]
    if rows.empty:
        known = sorted(frame["ticker"].unique())
        raise UnknownTickerError(
            benchmark, suggestions=get_close_matches(benchmark, known), what="benchmark ticker"
        )
    return rows
