"""Adding tickers to a price frame without losing the contract's order or its categories.

A frame in the contract's order (sorted by ticker then date, text columns as
categories) is read by the analytics in place: ``ticker_runs`` proves the order
in one pass and nothing is sorted or converted again. ``pd.concat`` of such a
frame and a few more tickers (a derived benchmark, tickers a claim names) gives
neither: the new rows land at the end and differently-categorised text becomes
plain strings, so every later step would sort, de-duplicate and convert the
whole frame again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from themelens.data.contracts import (
    TEXT_COLUMNS,
    concat_prices,
    empty_prices,
    text_category,
    ticker_runs,
    validate_prices,
)

__all__ = ["merge_prices"]


def merge_prices(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The frames' rows as one frame in the contract's order, text columns as categories.

    Frames that are each in the contract's order and share no ticker are
    merged by moving whole ticker runs (one ``take``); anything else, such as
    a ticker in two frames or rows out of order, goes through
    ``validate_prices``, which sorts and rejects a duplicate (ticker, date).
    Frames need not have the same provenance columns; a missing one is empty.
    """
    parts = [_categorised(f) for f in frames if len(f)]
    if len(parts) <= 1:
        return validate_prices(parts[0]) if parts else empty_prices()
    stacked = concat_prices(parts)
    runs = [ticker_runs(p) for p in parts]
    names = [t for r in runs if r is not None for t in r.tickers]
    if any(r is None for r in runs) or len(set(names)) != len(names):
        return validate_prices(stacked)
    offsets = np.cumsum([0, *(len(p) for p in parts)])
    starts = np.concatenate([r.starts + o for r, o in zip(runs, offsets, strict=False) if r])
    ends = np.concatenate([r.ends + o for r, o in zip(runs, offsets, strict=False) if r])
    order = np.argsort(np.array(names, dtype=object), kind="stable")
    rows = np.concatenate([np.arange(starts[k], ends[k]) for k in order])
    merged = stacked.take(rows).reset_index(drop=True)
    return merged if ticker_runs(merged) is not None else validate_prices(stacked)


def _categorised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text columns as the contract's categories (a no-op when they are)."""
    text = [c for c in TEXT_COLUMNS if c in frame.columns]
    if all(isinstance(frame[c].dtype, pd.CategoricalDtype) for c in text):
        return frame
    return frame.assign(**{c: text_category(frame[c]) for c in text})
