"""Write the SYNTHETIC Yahoo recordings the watch tests replay (run from the repo root).

    .venv/bin/python tests/recordings/yahoo_intraday/make_synthetic.py

There is no network where this project is built, so instead of recording
Yahoo Finance live, this script builds frames shaped exactly like
``yfinance.Ticker.history()`` and saves them through the same recorders a
live recording uses: ``1m/`` through ``data.intraday.record_intraday``
(1-minute bars of the regular session, tz-aware ``Datetime`` index), written
here and committed, and the daily bars through ``providers.yahoo.record``,
which ``tests/watch/watchkit.py`` writes into a temporary folder when the
tests start (seeded: the same bars every time). Both ``meta.json`` files say
``"synthetic": true``: the prices are invented, only the tickers are real
(the theme resolves claims to them).

The story they tell is the one of issue 20. On Thursday 2025-11-20 SMIC
(``0981.HK``) climbs from the previous close of 70.00 to a high of 75.74
(+8.2%) at 13:58 Hong Kong time, is still near +7.9% at 14:05, and closes at
73.99 (+5.7%); on Wednesday 2025-11-19 it moved +0.4%. Alibaba (``9988.HK``)
closes +2.0% on the 20th. A daily bar of a recorded session is the
aggregate of its minute bars, so the two recordings agree.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from themelens.data.intraday import record_intraday

HERE = Path(__file__).resolve().parent
TZ = "Asia/Hong_Kong"
FIRST = date(2025, 9, 1)
LAST = date(2025, 11, 21)
MINUTE_DAYS = (date(2025, 11, 19), date(2025, 11, 20), date(2025, 11, 21))

# per ticker: the close before MINUTE_DAYS, then each minute day's path as (HH:MM, price) knots
PATHS: dict[str, tuple[float, dict[date, list[tuple[str, float]]]]] = {
    "0981.HK": (
        69.72,
        {
            date(2025, 11, 19): [
                ("09:30", 69.80),
                ("11:00", 70.40),
                ("13:30", 69.90),
                ("15:59", 70.00),
            ],
            date(2025, 11, 20): [
                ("09:30", 70.50),
                ("11:00", 72.00),
                ("11:59", 73.00),
                ("13:00", 73.20),
                ("13:58", 75.74),
                ("14:04", 75.55),
                ("15:59", 73.99),
            ],
            date(2025, 11, 21): [("09:30", 73.80), ("12:00", 72.90), ("15:59", 73.10)],
        },
    ),
    "9988.HK": (
        159.36,
        {
            date(2025, 11, 19): [("09:30", 159.50), ("11:00", 160.50), ("15:59", 160.00)],
            date(2025, 11, 20): [
                ("09:30", 159.70),
                ("10:30", 159.20),
                ("13:30", 164.10),
                ("15:59", 163.20),
            ],
            date(2025, 11, 21): [("09:30", 163.00), ("15:59", 162.40)],
        },
    ),
}


def minute_index(day: date) -> pd.DatetimeIndex:
    """The regular Hong Kong session's minute bars: 09:30-11:59 and 13:00-15:59 local."""
    morning = pd.date_range(f"{day} 09:30", f"{day} 11:59", freq="1min")
    afternoon = pd.date_range(f"{day} 13:00", f"{day} 15:59", freq="1min")
    return morning.append(afternoon).tz_localize(TZ).rename("Datetime")


def minute_bars(ticker: str, day: date, knots: list[tuple[str, float]]) -> pd.DataFrame:
    """Minute bars through ``knots`` (prices at those minutes exact), with a little noise between."""
    index = minute_index(day)
    local = index.tz_localize(None)
    at = [pd.Timestamp(f"{day} {hhmm}") for hhmm, _ in knots]
    x = (local - local[0]).total_seconds().to_numpy()
    knot_x = np.array([(t - local[0]).total_seconds() for t in at])
    close = np.interp(x, knot_x, [p for _, p in knots])
    rng = np.random.default_rng(sum(map(ord, ticker)) * 1_000_000 + day.toordinal())
    pinned = np.isin(local, at)
    close = np.where(pinned, close, close * (1 + rng.normal(0, 0.0004, len(close))))
    peak = max(p for _, p in knots)
    close = np.minimum(close, peak)  # the knots' highest price is the day's high
    opens = np.concatenate([[knots[0][1]], close[:-1]])
    wiggle = np.abs(rng.normal(0, 0.0003, len(close)))
    high = np.minimum(np.maximum(opens, close) * (1 + wiggle), peak)
    low = np.minimum(opens, close) * (1 - wiggle)
    return pd.DataFrame(
        {
            "Open": opens.round(3),
            "High": high.round(3),
            "Low": low.round(3),
            "Close": close.round(3),
            "Volume": rng.integers(20_000, 400_000, len(close)),
            "Dividends": 0.0,
            "Stock Splits": 0.0,
        },
        index=index,
    )


def daily_bars(ticker: str) -> pd.DataFrame:
    """A seeded walk ending at the close before the minute days, then the minute days' own bars."""
    before, days = PATHS[ticker]
    sessions = pd.bdate_range(FIRST, MINUTE_DAYS[0] - pd.Timedelta(days=1))
    rng = np.random.default_rng(len(ticker))
    steps = rng.normal(0.001, 0.02, len(sessions))
    path = np.cumsum(steps)
    closes = before * np.exp(path - path[-1])  # ends exactly at ``before``
    opens = np.concatenate([[closes[0]], closes[:-1]])
    walk = pd.DataFrame(
        {
            "Open": opens.round(3),
            "High": (np.maximum(opens, closes) * 1.01).round(3),
            "Low": (np.minimum(opens, closes) * 0.99).round(3),
            "Close": closes.round(3),
            "Volume": rng.integers(10_000_000, 90_000_000, len(closes)),
        },
        index=sessions,
    )
    rows = []
    for day, knots in days.items():
        bars = minute_bars(ticker, day, knots)
        rows.append(
            pd.DataFrame(
                {
                    "Open": [bars["Open"].iat[0]],
                    "High": [bars["High"].max()],
                    "Low": [bars["Low"].min()],
                    "Close": [bars["Close"].iat[-1]],
                    "Volume": [bars["Volume"].sum()],
                },
                index=[pd.Timestamp(day)],
            )
        )
    frame = pd.concat([walk, *rows]).assign(Dividends=0.0)
    frame["Stock Splits"] = 0.0
    frame.index = pd.DatetimeIndex(frame.index).tz_localize(TZ).rename("Date")
    return frame


DAILY_NOTE = (
    "SYNTHETIC prices for real tickers, made by make_synthetic.py (the issue 20 story: "
    "SMIC +7.9% at 14:05 HKT, closed +5.7%); not market data."
)
"""The daily bars are not committed: ``tests/watch/watchkit.py`` records them with
``record(..., fetch=fetch_daily)`` into a temporary folder when the tests start."""


def fetch_daily(ticker: str, start: date | None, end: date | None) -> pd.DataFrame:
    return daily_bars(ticker)


def fetch_minutes(ticker: str, interval: str, start: datetime, end: datetime) -> pd.DataFrame:
    _, days = PATHS[ticker]
    return pd.concat([minute_bars(ticker, day, knots) for day, knots in days.items()])


def main() -> None:
    tickers = tuple(PATHS)
    note = DAILY_NOTE
    record_intraday(
        tickers,
        HERE / "1m",
        interval="1m",
        start=datetime(2025, 11, 19),
        end=datetime(2025, 11, 22),
        fetch=fetch_minutes,
        synthetic=True,
        note=note,
    )


if __name__ == "__main__":
    main()
