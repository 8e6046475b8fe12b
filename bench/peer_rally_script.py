"""The honest peer of ``themelens rally``: a plain pandas script over the same CSV files.

What an analyst would write without themelens: read each yfinance ``history()``
CSV, take the session date as written, and print, for every ticker at its
latest session, the same table ``themelens rally`` prints (close; 1d, 1w, 1m
and ytd returns; the date of the last higher close; the winning-week streak;
the drawdown from the peak). Same definitions as
:mod:`themelens.analytics.rally`, plain pandas, no validation beyond what
``read_csv`` does.

Run: ``.venv/bin/python bench/peer_rally_script.py [PRICES_DIR] [TICKER ...]``;
``bench/bench_rally.py`` times it against the command (wall and peak RSS).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "prices"


def pct(now: float, then: float | None) -> str:
    return "" if then is None else f"{(now / then - 1.0) * 100.0:+.2f}%"


def row(ticker: str, path: Path) -> dict[str, str]:
    raw = pd.read_csv(path, usecols=["Date", "Close"]).dropna(subset=["Close"])
    close = pd.Series(
        raw["Close"].to_numpy(), index=pd.to_datetime(raw["Date"].str[:10])
    ).sort_index()
    last, day = float(close.iloc[-1]), close.index[-1]
    n = len(close)
    prior_year = close[close.index.year == day.year - 1]
    above = close.iloc[:-1][close.iloc[:-1] > last]
    weekly = close.groupby(close.index.to_period("W-SUN")).last().to_numpy()
    streak = 0
    for k in range(len(weekly) - 1, 0, -1):
        if not weekly[k] > weekly[k - 1]:
            break
        streak += 1
    return {
        "ticker": ticker,
        "asof": f"{day:%Y-%m-%d}",
        "close": f"{last:,.2f}",
        "1d": pct(last, float(close.iloc[-2]) if n > 1 else None),
        "1w": pct(last, float(close.iloc[-6]) if n > 5 else None),
        "1m": pct(last, float(close.iloc[-22]) if n > 21 else None),
        "ytd": pct(last, float(prior_year.iloc[-1]) if len(prior_year) else None),
        "high since": f"{above.index[-1]:%Y-%m-%d}" if len(above) else "all-time high",
        "streak": f"{streak} wk",
        "drawdown": f"{(1.0 - last / close.max()) * 100.0:.2f}%",
    }


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIR
    wanted = argv[2:] or sorted(p.stem for p in folder.glob("*.csv"))
    table = pd.DataFrame([row(t, folder / f"{t}.csv") for t in wanted])
    print("Rally at the latest session")
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
