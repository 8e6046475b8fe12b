"""Write the SYNTHETIC fundamentals recording in this folder (run from the repo root).

    .venv/bin/python tests/recordings/fundamentals/make_synthetic.py

There is no network where this project is built, so instead of recording
Yahoo Finance live this script builds what the two seams return —
``Ticker.get_cash_flow(pretty=True, freq=...)`` (line items × period-end
columns, "Capital Expenditure" negative) and ``Ticker.get_info()`` — with
INVENTED numbers, and saves them through the same ``record()`` a live
recording would use. meta.json says ``"synthetic": true``. The numbers are
chosen to exercise the capex tracker's gap checks against the theme's press
figures (a match, a difference beyond tolerance, a growth comparison); they
are not the companies' reported figures.

Cases:
- 9988.HK: fiscal year to March (annual) and calendar quarters 2023Q1..2025Q2;
- 0700.HK, 9888.HK: December years and calendar quarters;
- 0020.HK: a cash-flow statement without a "Capital Expenditure" line;
- 1347.HK: no statement at all (no file, as yfinance answers an empty frame).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from themelens.data.fundamentals.yahoo import record

HERE = Path(__file__).resolve().parent
QUARTERS = pd.to_datetime([f"{y}-{m:02d}-{d}" for y in (2023, 2024, 2025)
                           for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))][:10])  # fmt: skip
# invented quarterly capex, billions of the reporting currency (CNY), 2023Q1..2025Q2
CAPEX_Q = {
    "9988.HK": [5.0, 5.4, 6.0, 7.0, 11.0, 12.0, 17.0, 31.8, 24.6, 38.6],
    "0700.HK": [3.3, 5.0, 5.5, 7.8, 14.0, 7.0, 17.1, 36.6, 27.5, 19.1],
    "9888.HK": [1.5, 1.8, 2.0, 2.6, 1.6, 2.4, 2.5, 2.8, 3.0, 3.2],
}
ANNUAL_ENDS = {
    "9988.HK": pd.to_datetime(["2022-03-31", "2023-03-31", "2024-03-31", "2025-03-31"]),
    "0700.HK": pd.to_datetime(["2021-12-31", "2022-12-31", "2023-12-31", "2024-12-31"]),
    "9888.HK": pd.to_datetime(["2021-12-31", "2022-12-31", "2023-12-31", "2024-12-31"]),
}
CAPEX_A = {
    "9988.HK": [53.0, 34.3, 32.1, 85.9],
    "0700.HK": [33.4, 18.0, 23.9, 76.8],
    "9888.HK": [11.0, 8.0, 8.2, 8.1],
}
INFO = {
    "9988.HK": {"financialCurrency": "CNY", "currency": "HKD", "forwardPE": 17.5,
                "trailingPE": 19.8, "forwardEps": 9.2, "currentPrice": 161.0},
    "0700.HK": {"financialCurrency": "CNY", "currency": "HKD", "forwardPE": 20.1,
                "trailingPE": 24.3, "forwardEps": 32.0, "currentPrice": 643.0},
    "9888.HK": {"financialCurrency": "CNY", "currency": "HKD", "forwardPE": 11.2,
                "trailingPE": 12.5, "forwardEps": 11.0, "currentPrice": 123.0},
    "0020.HK": {"financialCurrency": "CNY", "currency": "HKD", "trailingPE": None},
    "1347.HK": {"financialCurrency": "USD", "currency": "HKD"},
}  # fmt: skip


def _statement(capex: list[float], ends: pd.DatetimeIndex) -> pd.DataFrame:
    """A get_cash_flow(pretty=True)-shaped frame: newest period first, capex negative."""
    billions = np.asarray(capex) * 1e9
    frame = pd.DataFrame(
        [-billions, billions * 2.5, billions * 1.8],
        index=["Capital Expenditure", "Operating Cash Flow", "Free Cash Flow"],
        columns=ends,
    )
    return frame[frame.columns[::-1]]


def synthetic_cash_flow(ticker: str, freq: str) -> pd.DataFrame:
    if ticker == "0020.HK":
        frame = _statement([1.0, 1.2], pd.to_datetime(["2023-12-31", "2024-12-31"]))
        return frame.drop(index="Capital Expenditure")
    if ticker not in CAPEX_Q:
        return pd.DataFrame()
    if freq == "annual":
        return _statement(CAPEX_A[ticker], ANNUAL_ENDS[ticker])
    return _statement(CAPEX_Q[ticker], QUARTERS)


def synthetic_info(ticker: str) -> dict[str, object]:
    return dict(INFO.get(ticker, {}))


if __name__ == "__main__":
    meta = record(
        list(INFO),
        HERE,
        cash_flow=synthetic_cash_flow,
        info=synthetic_info,
        synthetic=True,
        note="SYNTHETIC statements and P/E in yfinance's shapes, made by make_synthetic.py;"
        " invented numbers, not company figures. Replace with a live recording via record() when online.",
    )
    print(f"wrote {meta}")
