"""An equal-weight stand-in for an index no provider serves (Hang Seng TECH on yfinance).

It is a proxy, not the index: every verdict built on it says so, because an
equal-weight basket of the theme's names can move differently from a
capped free-float index.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from themelens.data.wide import wide_values
from themelens.theme import Entity, Theme, exchange_for_ticker

__all__ = ["equal_weight_proxy", "proxy_constituents"]


def proxy_constituents(theme: Theme, index: Entity) -> tuple[str, ...]:
    """Primary tickers of the theme's leaders, supply chain and peers on the index's exchange."""
    if index.primary is None:
        return ()
    exchange = exchange_for_ticker(index.primary.ticker)
    return tuple(
        e.primary.ticker
        for e in theme.members()
        if e.primary is not None and exchange_for_ticker(e.primary.ticker) == exchange
    )


def equal_weight_proxy(
    prices: pd.DataFrame, constituents: tuple[str, ...], ticker: str
) -> pd.DataFrame:
    """A close-only series under ``ticker``: 100 × the compounded mean daily return of ``constituents``.

    Each session's return is the mean over the constituents that traded both
    that session and the one before (no forward-filling); the first session is
    100. High and low are NaN: a proxy has no intraday range.
    """
    wide = wide_values(prices, sorted(constituents))
    if wide.empty:
        return prices.iloc[0:0]
    returns = wide.pct_change(fill_method=None).mean(axis=1, skipna=True).fillna(0.0)
    level = 100.0 * (1.0 + returns).cumprod()
    nan = np.full(len(level), np.nan)
    return pd.DataFrame(
        {
            "date": level.index,
            "ticker": ticker,
            "open": nan,
            "high": nan,
            "low": nan,
            "close": level.to_numpy(),
            "volume": nan,
            "provider": "proxy",
            "source": f"equal-weight proxy of {len(wide.columns)} constituents",
        }
    )
