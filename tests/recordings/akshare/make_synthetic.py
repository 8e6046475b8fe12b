"""Write the SYNTHETIC AkShare price recording in this folder (run from the repo root).

    .venv/bin/python tests/recordings/akshare/make_synthetic.py

There is no network where this project is built, so instead of recording
AkShare live this script builds frames shaped exactly like AkShare 1.19.5
returns them (its column names, Chinese for Eastmoney's stock histories,
``datetime.date`` dates, A-share volume in lots of 100) from the synthetic
demo market, and saves them through the same ``record()`` a live recording
would use. Every symbol is made up so nothing here can pass for a real series:
``00000`` (0000.HK), ``000000`` (000000.SZ), index ``SYNTHIDX`` (served by
Sina) and ``SYNTHEM`` (Sina fails, Eastmoney answers). ``99999`` records the
``TypeError`` AkShare raises for a Hong Kong code Eastmoney does not know.
meta.json says ``"synthetic": true``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from themelens.data.akshare_client import record
from themelens.data.demo import generate_demo_market

HERE = Path(__file__).resolve().parent
START, END = date(2025, 9, 1), date(2025, 11, 28)
DEMO_TICKER = {"00000": "0000.HK", "000000": "000000.SZ", "SYNTHIDX": "SYNTHIDX.HK",
               "SYNTHEM": "SYNTHEM.HK"}  # fmt: skip


def _bars(symbol: str) -> pd.DataFrame:
    bars = generate_demo_market([DEMO_TICKER[symbol]], start=START, end=END)
    return bars.reset_index(drop=True)


def _eastmoney(symbol: str, *, with_code: bool, lot: float) -> pd.DataFrame:
    b = _bars(symbol)
    prev = b["close"].shift(1)
    frame = pd.DataFrame(
        {
            "日期": [d.date() for d in b["date"]],
            "开盘": b["open"], "收盘": b["close"], "最高": b["high"], "最低": b["low"],
            "成交量": (b["volume"] / lot).round().astype("int64"),
            "成交额": (b["volume"] * b["close"]).round(2),
            "振幅": ((b["high"] - b["low"]) / prev * 100).round(2),
            "涨跌幅": ((b["close"] / prev - 1) * 100).round(2),
            "涨跌额": (b["close"] - prev).round(3),
            "换手率": 0.5,
        }
    )  # fmt: skip
    if with_code:
        frame.insert(1, "股票代码", symbol)
    return frame


def synthetic_fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
    """What AkShare would return for ``function(**kwargs)``, from synthetic demo prices."""
    symbol = str(kwargs["symbol"])
    if function == "stock_hk_hist":
        if symbol == "99999":
            raise TypeError("'NoneType' object is not subscriptable")
        return _eastmoney(symbol, with_code=False, lot=1.0)
    if function == "stock_zh_a_hist":
        return _eastmoney(symbol, with_code=True, lot=100.0)
    b = _bars(symbol)
    if function == "stock_hk_index_daily_sina":
        if symbol == "SYNTHEM":
            raise KeyError("data")
        return pd.DataFrame(
            {"date": [d.date() for d in b["date"]], "open": b["open"], "high": b["high"],
             "low": b["low"], "close": b["close"], "volume": b["volume"].astype("int64")}
        )  # fmt: skip
    if function == "stock_hk_index_daily_em":
        return pd.DataFrame(
            {"date": b["date"].dt.strftime("%Y-%m-%d"), "open": b["open"], "high": b["high"],
             "low": b["low"], "latest": b["close"]}
        )  # fmt: skip
    raise ValueError(f"no synthetic frame for {function}")


CALLS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("stock_hk_hist", {"symbol": "00000", "period": "daily", "adjust": "qfq"}),
    ("stock_hk_hist", {"symbol": "99999", "period": "daily", "adjust": "qfq"}),
    ("stock_zh_a_hist", {"symbol": "000000", "period": "daily", "adjust": "qfq"}),
    ("stock_hk_index_daily_sina", {"symbol": "SYNTHIDX"}),
    ("stock_hk_index_daily_sina", {"symbol": "SYNTHEM"}),
    ("stock_hk_index_daily_em", {"symbol": "SYNTHEM"}),
)

if __name__ == "__main__":
    meta = record(
        CALLS,
        HERE,
        fetch=synthetic_fetch,
        synthetic=True,
        note="SYNTHETIC demo prices in AkShare 1.19.5's frame shapes, made by make_synthetic.py;"
        " made-up symbols, not market data. Replace with a live recording via record() when online.",
    )
    print(meta)
