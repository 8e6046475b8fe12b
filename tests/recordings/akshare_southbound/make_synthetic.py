"""Write the SYNTHETIC AkShare southbound-flow recording in this folder (run from the repo root).

    .venv/bin/python tests/recordings/akshare_southbound/make_synthetic.py

No network exists where this project is built, so this builds the frame
``stock_hsgt_hist_em(symbol="南向资金")`` returns in AkShare 1.19.5 — its 13
columns in its order (``日期`` as ``datetime.date``, amounts in 亿, the
index columns named ``沪深300`` as AkShare names them for 南向资金), oldest
session first — with INVENTED numbers, and saves it through the same
``record()`` a live recording would use. meta.json says ``"synthetic": true``.

Sessions: the weekdays of 2025-09-01..2025-09-30 except 2025-09-10 (a gap),
plus one row (2025-08-29) whose net-buy figure is empty, as Eastmoney leaves
it for days it has not published.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from themelens.data.akshare_client import record

HERE = Path(__file__).resolve().parent
COLUMNS = ["日期", "当日成交净买额", "买入成交额", "卖出成交额", "历史累计净买额", "当日资金流入",
           "当日余额", "持股市值", "领涨股", "领涨股-涨跌幅", "沪深300", "沪深300-涨跌幅",
           "领涨股-代码"]  # fmt: skip
# invented net buying in 亿 per session, in order
NET = [45.3, -12.8, 88.1, 167.3, 20.0, 31.5, 55.5, 60.2, 12.4, -40.0, 25.0, 70.7, 33.3, 18.9,
       96.4, 44.4, 5.5, -8.2, 61.0, 22.2, 30.0]  # fmt: skip


def sessions() -> list[date]:
    days = [date(2025, 9, 1) + timedelta(days=i) for i in range(30)]
    return [d for d in days if d.weekday() < 5 and d != date(2025, 9, 10)]


def southbound() -> pd.DataFrame:
    days = [date(2025, 8, 29), *sessions()]
    net = [np.nan, *NET[: len(days) - 1]]
    buy = [np.nan if np.isnan(n) else 400.0 + 3 * i for i, n in enumerate(net)]
    frame = pd.DataFrame(
        {
            "日期": days,
            "当日成交净买额": net,
            "买入成交额": buy,
            "卖出成交额": [
                b - n if not np.isnan(n) else np.nan for b, n in zip(buy, net, strict=True)
            ],
            "历史累计净买额": np.round(np.linspace(4.1, 4.3, len(days)), 4),
            "当日资金流入": np.nan,
            "当日余额": np.nan,
            "持股市值": np.linspace(5.0e12, 5.2e12, len(days)),
            "领涨股": "SYNTHETIC-A",
            "领涨股-涨跌幅": 3.1,
            "沪深300": np.round(np.linspace(4450.0, 4500.0, len(days)), 2),
            "沪深300-涨跌幅": 0.2,
            "领涨股-代码": "00000.HK",
        }
    )
    return frame.loc[:, COLUMNS]


def synthetic_fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
    assert function == "stock_hsgt_hist_em" and kwargs["symbol"] == "南向资金"
    return southbound()


if __name__ == "__main__":
    for old in HERE.glob("*.csv"):
        old.unlink()
    meta = record(
        [("stock_hsgt_hist_em", {"symbol": "南向资金"})],
        HERE,
        fetch=synthetic_fetch,
        synthetic=True,
        note="SYNTHETIC southbound history in AkShare 1.19.5's shape, made by make_synthetic.py;"
        " invented numbers. Replace with a live recording via record() when online.",
    )
    print(f"wrote {meta}")
