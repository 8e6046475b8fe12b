"""Long price rows to a wide date × ticker table, in one hashing pass.

``DataFrame.pivot_table(aggfunc="last")`` groups every row to find the last
value per (date, ticker): 1.4 s for a thousand tickers' closes. A validated
frame has one row per (date, ticker) and provider; what is left is to place
each value in its cell, keeping the last row when a key repeats, which
factorising the two keys and one ``duplicated`` pass do in a tenth of that.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["wide_values"]


def wide_values(
    frame: pd.DataFrame,
    tickers: Sequence[str] | None = None,
    *,
    value: str = "close",
    drop_empty: bool = True,
) -> pd.DataFrame:
    """``value`` of ``frame`` as a table: sorted dates down, tickers across, NaN where absent.

    Parameters
    ----------
    frame
        Long rows with ``date``, ``ticker`` and ``value``.
    tickers
        The columns, in this order; None: every ticker in the frame, sorted.
    drop_empty
        Leave out dates and tickers with no value at all, as ``pivot_table``
        does (False: a ticker in ``tickers`` without rows is a column of NaN).

    Notes
    -----
    Equal to ``frame.pivot_table(index="date", columns="ticker", values=value,
    aggfunc="last").sort_index()`` with its columns in ``tickers``' order (the
    tests compare the two on frames with repeats, gaps and NaN). A repeated
    (date, ticker) keeps its last non-NaN value, as ``aggfunc="last"`` does.
    """
    if tickers is not None:
        frame = frame[frame["ticker"].isin(list(tickers))]
    day_codes, days = _factorize_dates(frame["date"])
    # factorise the names first: looking each row's string up in an index converts Arrow
    # strings to Python objects one by one (0.8 s for three million rows)
    codes, found = pd.factorize(frame["ticker"])
    found_names = [str(t) for t in found]
    names = pd.Index(sorted(found_names) if tickers is None else list(dict.fromkeys(tickers)))
    name_codes = names.get_indexer(pd.Index(found_names))[codes]
    cells = day_codes.astype(np.int64) * len(names) + name_codes
    values = frame[value].to_numpy(dtype=np.float64, na_value=np.nan)
    real = ~np.isnan(values) & (name_codes >= 0)
    cells, values = cells[real], values[real]
    keep = ~pd.Series(cells).duplicated(keep="last").to_numpy()
    out = np.full(len(days) * len(names), np.nan)
    out[cells[keep]] = values[keep]
    wide = pd.DataFrame(
        out.reshape(len(days), len(names)),
        index=pd.DatetimeIndex(days, name="date"),
        columns=pd.Index(names, name="ticker"),
    )
    if drop_empty:
        present = ~np.isnan(wide.to_numpy())
        wide = wide.loc[present.any(axis=1), present.any(axis=0)]
    return wide


def _factorize_dates(dates: pd.Series) -> tuple[npt.NDArray[np.intp], pd.DatetimeIndex]:
    """Sorted codes of a date column; naive datetime64 columns as integers (4x faster)."""
    if isinstance(dates.dtype, np.dtype) and dates.dtype.kind == "M":
        raw = dates.to_numpy()
        codes, ints = pd.factorize(raw.view(np.int64), sort=True)
        return np.asarray(codes), pd.DatetimeIndex(np.asarray(ints).view(raw.dtype))
    codes, uniques = pd.factorize(dates, sort=True)
    return np.asarray(codes), pd.DatetimeIndex(uniques)
