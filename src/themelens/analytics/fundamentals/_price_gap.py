"""The price-vs-fundamentals gap: how far each price ran ahead of its forward-EPS revision.

Formula in the package docstring (:mod:`themelens.analytics.fundamentals`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np
import pandas as pd

from themelens.analytics._cells import RowsResult, fmt_column
from themelens.summary import Summary

__all__ = ["PRICE_GAP_COLUMNS", "PriceGapResult", "price_vs_fundamentals"]

PRICE_GAP_COLUMNS: Final = (
    "entity",
    "ticker",
    "start",
    "end",
    "price_return_pct",
    "eps_revision_pct",
    "gap_pp",
    "rerating_pct",
    "note",
)

_SHOWN: Final = {
    "price": "price_return_pct",
    "fwd EPS": "eps_revision_pct",
    "gap pp": "gap_pp",
    "re-rating": "rerating_pct",
}
"""Summary column → ``rows`` column, each in percent (or pp) with a sign."""


@dataclass(frozen=True, eq=False)
class PriceGapResult(RowsResult):
    """Price return minus forward-EPS revision per entity over one window (package docstring)."""

    start: date
    end: date
    rows: pd.DataFrame
    warnings: tuple[str, ...] = ()
    synthetic: bool = False

    JSON_FIELDS = ("start", "end", "synthetic", "rows", "warnings")

    def summary(self) -> Summary:
        """The gauge per entity with the formula as a note."""
        r = self.rows
        table = r[["entity", "ticker"]].copy()
        for label, column in _SHOWN.items():
            table[label] = fmt_column(r, column, "+.1f")
        notes = [
            *self.warnings,
            *(f"{e}: {n}" for e, n in zip(r["entity"], r["note"], strict=True) if n),
        ]
        notes.append(
            "gap = price return − forward-EPS revision (pp); re-rating = (1+Rp)/(1+Re) − 1"
        )
        title = f"Price vs forward earnings, {self.start} to {self.end}"
        return Summary(title, table, tuple(notes), self.synthetic)


def _value_at(series: pd.Series, when: pd.Timestamp) -> float:
    before = series.dropna()
    before = before[before.index <= when]
    return float(before.iloc[-1]) if len(before) else float("nan")


def price_vs_fundamentals(
    prices: pd.DataFrame,
    valuation: pd.DataFrame,
    *,
    start: date,
    end: date,
    entity_of: Mapping[str, str] | None = None,
    synthetic: bool = False,
) -> PriceGapResult:
    """How far each price ran ahead of its forward-EPS revision between ``start`` and ``end``.

    Parameters
    ----------
    prices
        Long price frame (``date``, ``ticker``, ``close``).
    valuation
        Valuation rows with ``eps_fwd`` (or ``pe_fwd`` and ``price``) at both dates.
    start, end
        The window; each side uses the last value on or before the date.
    entity_of
        Ticker → slug for display; default the ticker.

    Returns
    -------
    PriceGapResult

    Notes
    -----
    Formula in the package docstring. Price and EPS are read at the same two
    dates so the gauge compares like with like; either missing leaves the
    row NaN with a note rather than assuming no change.
    """
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    names = entity_of or {}
    records: list[dict[str, Any]] = []
    empty_prices = prices.iloc[0:0]
    by_ticker = dict(tuple(prices.groupby("ticker", sort=False)))  # one pass, not one per ticker
    for ticker, v in valuation.groupby("ticker", sort=False):
        index = pd.DatetimeIndex(v["date"])
        eps = pd.Series(v["eps_fwd"].to_numpy(dtype="float64"), index=index)
        implied = pd.Series((v["price"] / v["pe_fwd"]).to_numpy(dtype="float64"), index=index)
        eps = eps.fillna(implied)
        p = by_ticker.get(ticker, empty_prices)
        close = pd.Series(p["close"].to_numpy(dtype="float64"), index=pd.DatetimeIndex(p["date"]))
        p0, p1, e0, e1 = (
            _value_at(close, t0),
            _value_at(close, t1),
            _value_at(eps, t0),
            _value_at(eps, t1),
        )
        notes = []
        rp = re_ = np.nan
        if np.isfinite(p0) and np.isfinite(p1):
            rp = p1 / p0 - 1.0
        else:
            notes.append("no close at both dates")
        if not (np.isfinite(e0) and np.isfinite(e1)):
            notes.append("no forward EPS at both dates")
        elif e0 <= 0:
            notes.append("forward EPS not positive at the start; revision undefined")
        else:
            re_ = e1 / e0 - 1.0
        note = "; ".join(notes) or None
        records.append(
            {
                "entity": names.get(str(ticker), str(ticker)),
                "ticker": ticker,
                "start": t0,
                "end": t1,
                "price_return_pct": rp * 100.0,
                "eps_revision_pct": re_ * 100.0,
                "gap_pp": (rp - re_) * 100.0,
                "rerating_pct": ((1 + rp) / (1 + re_) - 1) * 100.0,
                "note": note,
            }
        )
    rows = pd.DataFrame.from_records(records, columns=list(PRICE_GAP_COLUMNS))
    return PriceGapResult(start, end, rows, synthetic=synthetic)
