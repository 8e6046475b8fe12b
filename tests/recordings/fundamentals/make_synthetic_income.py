"""Add SYNTHETIC income statements to the Yahoo recording in this folder (run from the repo root).

    .venv/bin/python tests/recordings/fundamentals/make_synthetic_income.py

Run after ``make_synthetic.py`` (which writes ``meta.json`` and the ``info``
files the reporting currency comes from). No network exists where this
project is built, so this builds what ``Ticker.get_income_stmt(pretty=True,
freq=...)`` returns — line items × period-end columns, newest first, with
"Total Revenue", "Net Income" among other lines — with INVENTED numbers, and
saves it through ``record_income`` as a live recording would. Nothing here is
any company's figure.

Cases:
- 0700.HK: December years 2021..2024 and calendar quarters 2023Q1..2025Q2;
- 9988.HK: fiscal year to March (annual ends 2022-03..2025-03), calendar
  quarters 2023Q1..2025Q2;
- 9888.HK: annual only with a loss year (2022) and no quarterly statement;
- 0020.HK: an income statement without "Total Revenue" or "Net Income";
- 1347.HK: no statement at all (no file, as yfinance answers an empty frame).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from themelens.data.fundamentals.yahoo_income import record_income

HERE = Path(__file__).resolve().parent
QUARTERS = pd.to_datetime([f"{y}-{m:02d}-{d}" for y in (2023, 2024, 2025)
                           for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))][:10])  # fmt: skip
# invented (revenue, net income) in billions of the reporting currency (CNY)
QUARTERLY = {
    "0700.HK": [(150.0, 26.0), (149.2, 26.2), (154.6, 36.8), (155.2, 27.0), (159.5, 41.9),
                (161.1, 47.6), (167.2, 53.2), (172.4, 51.3), (180.0, 47.8), (184.5, 55.6)],
    "9988.HK": [(208.2, 23.5), (234.2, 34.3), (224.8, 27.7), (260.3, 14.4), (221.9, 24.4),
                (243.2, 24.0), (236.5, 43.9), (280.2, 46.4), (236.5, 12.4), (247.7, 43.1)],
}  # fmt: skip
ANNUAL_ENDS = {
    "0700.HK": pd.to_datetime(["2021-12-31", "2022-12-31", "2023-12-31", "2024-12-31"]),
    "9988.HK": pd.to_datetime(["2022-03-31", "2023-03-31", "2024-03-31", "2025-03-31"]),
    "9888.HK": pd.to_datetime(["2021-12-31", "2022-12-31", "2023-12-31", "2024-12-31"]),
}
ANNUAL = {
    "0700.HK": [(560.1, 224.8), (554.6, 188.2), (609.0, 115.2), (660.3, 194.1)],
    "9988.HK": [(853.1, 62.2), (868.7, 72.5), (941.2, 80.0), (996.3, 129.5)],
    "9888.HK": [(124.5, 10.2), (123.7, -0.8), (134.6, 7.6), (133.1, 23.8)],
}  # fmt: skip


def _statement(figures: list[tuple[float, float]], ends: pd.DatetimeIndex) -> pd.DataFrame:
    """A get_income_stmt(pretty=True)-shaped frame: newest period first."""
    values = np.asarray(figures) * 1e9
    revenue, net = values[:, 0], values[:, 1]
    frame = pd.DataFrame(
        [net * 0.98, net, revenue * 0.45, revenue, revenue],
        index=["Net Income Common Stockholders", "Net Income", "Gross Profit",
               "Total Revenue", "Operating Revenue"],
        columns=ends,
    )  # fmt: skip
    return frame[frame.columns[::-1]]


def synthetic_income(ticker: str, freq: str) -> pd.DataFrame:
    if ticker == "0020.HK":
        frame = _statement([(1.0, 0.1), (1.2, 0.2)], pd.to_datetime(["2023-12-31", "2024-12-31"]))
        return frame.drop(index=["Total Revenue", "Net Income"])
    if freq == "annual" and ticker in ANNUAL:
        return _statement(ANNUAL[ticker], ANNUAL_ENDS[ticker])
    if freq == "quarterly" and ticker in QUARTERLY:
        return _statement(QUARTERLY[ticker], QUARTERS)
    return pd.DataFrame()


if __name__ == "__main__":
    path = record_income(["9988.HK", "0700.HK", "9888.HK", "0020.HK", "1347.HK"], HERE,
                         income=synthetic_income)  # fmt: skip
    print(f"wrote income statements; updated {path}")
