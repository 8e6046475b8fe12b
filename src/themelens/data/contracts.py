"""The shapes data takes between providers, the cache and analytics.

Prices travel as one long frame (DESIGN.md, "Data contracts"): one row per
session per ticker, adjusted prices, a naive session ``date``, and the
provenance of every row, so a number in a report can be traced to who
supplied it and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from themelens.errors import Failure

if TYPE_CHECKING:
    from themelens.data.refresh import RefreshResult
    from themelens.summary import Summary

__all__ = [
    "PRICE_COLUMNS",
    "PROVENANCE_COLUMNS",
    "STORED_COLUMNS",
    "SYNTHETIC_LABEL",
    "Failure",
    "PriceLoad",
    "coerce_closes",
    "empty_prices",
    "is_synthetic",
    "validate_prices",
]

PRICE_COLUMNS: Final = ("date", "ticker", "open", "high", "low", "close", "volume")
"""The price contract: ``date`` is the session date (naive ``datetime64``), prices adjusted."""

PROVENANCE_COLUMNS: Final = ("provider", "source", "fetched_at")
"""Who supplied a row (``yahoo``/``csv``/``demo``), from where (file or URL), and when (UTC, naive)."""

STORED_COLUMNS: Final = PRICE_COLUMNS + PROVENANCE_COLUMNS

SYNTHETIC_LABEL: Final = "synthetic demo data"
"""The words every output built on the demo provider carries."""

_FLOAT_COLUMNS: Final = ("open", "high", "low", "close", "volume")


def empty_prices() -> pd.DataFrame:
    """A zero-row frame with the stored columns and their dtypes."""
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in STORED_COLUMNS})
    frame["date"] = pd.Series(dtype="datetime64[ns]")
    frame["fetched_at"] = pd.Series(dtype="datetime64[ns]")
    for c in ("ticker", "provider", "source"):
        frame[c] = pd.Series(dtype="object")
    return frame[list(STORED_COLUMNS)]


def validate_prices(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` coerced to the price contract, or raise ``ValueError`` saying why.

    Coerces dtypes (``date``/``fetched_at`` naive ``datetime64[ns]``, prices
    and volume ``float64``, text columns ``object``), drops rows without a
    close, sorts by ``(ticker, date)`` and checks that key is unique. Provenance
    columns are kept when present. This is the one place the contract is
    enforced, so every provider and the store agree on it.
    """
    missing = [c for c in PRICE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"price frame lacks columns {missing}")
    cols = [c for c in STORED_COLUMNS if c in frame.columns]
    out = frame.loc[:, cols].copy()
    dates = pd.to_datetime(out["date"])
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    out["date"] = dates.dt.normalize().astype("datetime64[ns]")
    for c in _FLOAT_COLUMNS:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    for c in ("ticker", "provider", "source"):
        if c in out.columns:
            out[c] = out[c].astype(object)
    if "fetched_at" in out.columns:
        out["fetched_at"] = pd.to_datetime(out["fetched_at"]).astype("datetime64[ns]")
    out = out.loc[np.isfinite(out["close"].to_numpy())]
    out = out.sort_values(["ticker", "date"], kind="mergesort").reset_index(drop=True)
    dup = out.duplicated(["ticker", "date"])
    if dup.any():
        first = out.loc[dup.idxmax()]
        raise ValueError(f"duplicate row for {first['ticker']} on {first['date']:%Y-%m-%d}")
    checked: pd.DataFrame = out
    return checked


def coerce_closes(prices: pd.DataFrame, tickers: set[str] | None = None) -> pd.DataFrame:
    """``date, ticker, close`` (+ ``provider``) coerced, for analytics that need only closes.

    The looser sibling of ``validate_prices``: open/high/low/volume may be
    absent. Dates become naive normalised ``datetime64[ns]``, tickers ``str``,
    closes ``float64``; rows without a finite close are dropped; ``tickers``
    keeps only those. Order and duplicates are left to the caller, whose rules
    differ. Raises ``ValueError`` when a needed column is missing.
    """
    missing = [c for c in ("date", "ticker", "close") if c not in prices.columns]
    if missing:
        raise ValueError(f"price frame lacks columns {missing}")
    cols = [c for c in ("date", "ticker", "close", "provider") if c in prices.columns]
    rows = prices["ticker"].isin(tickers) if tickers is not None else slice(None)
    frame: pd.DataFrame = prices.loc[rows, cols].copy()
    dates = pd.to_datetime(frame["date"])
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    frame["date"] = dates.dt.normalize().astype("datetime64[ns]")
    frame["ticker"] = frame["ticker"].astype(str)
    frame["close"] = pd.to_numeric(frame["close"], errors="coerce").astype("float64")
    kept: pd.DataFrame = frame.loc[np.isfinite(frame["close"].to_numpy())]
    return kept


def is_synthetic(frame: pd.DataFrame) -> bool:
    """True when any row of ``frame`` came from the synthetic demo provider."""
    return "provider" in frame.columns and bool((frame["provider"] == "demo").any())


@dataclass(frozen=True)
class PriceLoad:
    """Prices loaded for some tickers: the one shape every price loader returns.

    A provider's fetch, a read through the cache and a routed load all answer
    with this, so a caller reads ``frame``, ``failures`` and ``warnings`` the
    same way whichever source (or route) answered, and never unpacks a tuple
    whose order it has to remember.

    ``frame`` is the long price contract (possibly empty); ``failures`` the
    tickers that got no rows, one reason each; ``warnings`` what the user
    should still hear about (offline, cached data used); ``provider`` who
    answered (``auto`` for routes); ``refresh`` the cache refresh that ran
    to answer, if any.
    """

    frame: pd.DataFrame
    failures: tuple[Failure, ...] = ()
    warnings: tuple[str, ...] = ()
    provider: str = ""
    refresh: RefreshResult | None = None

    @property
    def tickers(self) -> tuple[str, ...]:
        """Tickers with at least one row, sorted."""
        return tuple(sorted(self.frame["ticker"].unique()))

    def to_frame(self) -> pd.DataFrame:
        """A copy of the long price frame (``STORED_COLUMNS`` or fewer provenance columns)."""
        return self.frame.copy()

    def summary(self) -> Summary:
        """Sessions and date span per ticker; failures and warnings as notes."""
        from themelens.summary import Summary  # summary imports this module

        spans = self.frame.groupby("ticker")["date"].agg(["count", "min", "max"])
        table = pd.DataFrame(
            {
                "ticker": [str(t) for t in spans.index],
                "sessions": [int(n) for n in spans["count"]],
                "first": list(spans["min"]),
                "last": list(spans["max"]),
            }
        )
        notes = (*(f"failed: {f}" for f in self.failures), *self.warnings)
        title = f"Prices from {self.provider}" if self.provider else "Prices"
        return Summary(title, table, notes, synthetic=is_synthetic(self.frame))
