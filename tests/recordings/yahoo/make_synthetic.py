"""Write the SYNTHETIC yahoo recording in this folder (run from the repo root).

    .venv/bin/python tests/recordings/yahoo/make_synthetic.py

There is no network where this project is built, so instead of recording
Yahoo Finance live, this script builds frames shaped exactly like
``yfinance.Ticker.history(interval="1d", auto_adjust=True, actions=True)``
(tz-aware ``Date`` index, Open/High/Low/Close float, Volume int, Dividends,
Stock Splits) from the synthetic demo market, and saves them through the same
``record()`` a live recording would use. The prices are invented; meta.json
says ``"synthetic": true``. ``^SYNTH`` (a US-style index) spans the end of US daylight saving
(2025-11-02), so its file mixes -04:00 and -05:00 offsets as real files do.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from themelens.data.demo import generate_demo_market
from themelens.data.providers.yahoo import record

HERE = Path(__file__).resolve().parent
TICKERS = ("SYNTH.HK", "^SYNTH")  # made-up tickers: nothing here is a real series
START, END = date(2025, 10, 13), date(2025, 11, 21)
ZONES = {"SYNTH.HK": "Asia/Hong_Kong", "^SYNTH": "America/New_York"}


def synthetic_history(ticker: str, start: date | None, end: date | None) -> pd.DataFrame:
    """A ``history()``-shaped frame of synthetic demo prices (the demo provider's own)."""
    bars = generate_demo_market([ticker])
    bars = bars.loc[bars["date"].between(pd.Timestamp(start or START), pd.Timestamp(end or END))]
    index = pd.DatetimeIndex(bars["date"]).tz_localize(ZONES[ticker]).rename("Date")
    return pd.DataFrame(
        {
            "Open": bars["open"].to_numpy(),
            "High": bars["high"].to_numpy(),
            "Low": bars["low"].to_numpy(),
            "Close": bars["close"].to_numpy(),
            "Volume": bars["volume"].to_numpy().astype("int64"),
            "Dividends": 0.0,
            "Stock Splits": 0.0,
        },
        index=index,
    )


if __name__ == "__main__":
    meta = record(
        TICKERS,
        HERE,
        start=START,
        end=END,
        fetch=synthetic_history,
        synthetic=True,
        note="SYNTHETIC demo prices in yfinance history() format, made by make_synthetic.py;"
        " not market data. Replace with a live recording via record() when online.",
    )
    print(f"wrote {meta}")
