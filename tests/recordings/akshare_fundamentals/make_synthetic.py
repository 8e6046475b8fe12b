"""Write the SYNTHETIC AkShare fundamentals recording in this folder (run from the repo root).

    .venv/bin/python tests/recordings/akshare_fundamentals/make_synthetic.py

There is no network where this project is built, so instead of recording
AkShare live this script builds frames shaped like AkShare 1.19.5 returns them
— the columns, their order and dtypes that ``stock_financial_hk_report_em``
(Eastmoney's LONG cash-flow statement: one row per report date and line,
dates as ``"YYYY-MM-DD 00:00:00"`` text, outflows negative),
``stock_financial_hk_analysis_indicator_em`` (36 columns, ``CURRENCY`` per
report date) and ``stock_hk_valuation_baidu`` (``date`` as ``datetime.date``,
``value`` float) give — with INVENTED numbers, and saves them through the same
``record()`` a live recording would use. meta.json says ``"synthetic": true``.

Every code is made up, none is a Hang Seng TECH constituent, and none is the
code of a listed company we know of; nothing here is any company's figure:

- ``00000`` (``0000.HK``, "SYNTHETIC-A"): December year, reports quarterly
  (Q1, interim, Q3, annual; cumulative from 1 January), both capex lines
  (the intangibles line is missing from the 2022 annual), ``CURRENCY`` "RMB".
  The annual indicator lists 2023 and 2024 only (so 2022 has no currency);
  the report-period one lists the latest nine reports (so 2023-03-31 has
  none). Its P/E history has a loss-making stretch (negative values).
- ``99998`` (``99998.HK``, "SYNTHETIC-B"): year to 31 March, reports
  half-yearly, only the fixed-asset line, ``CURRENCY`` "HKD".
- ``99999`` (``99999.HK``): a code Eastmoney and Baidu do not know; the
  statement calls record the ``AttributeError`` AkShare raises when
  Eastmoney answers ``"result": null``, the valuation call a ``KeyError``.

The income statements (``symbol="利润表"``, same LONG shape, cumulative from
``START_DATE``) carry 营业额 / 其他营业收入 / 营运收入 / 股东应占溢利 for
00000 (a loss-making 2023Q3) and only 营业额 / 股东应占溢利 for 99998 (so
revenue falls back to turnover).
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
CASH_FLOW, INDICATOR, VALUATION = (
    "stock_financial_hk_report_em", "stock_financial_hk_analysis_indicator_em",
    "stock_hk_valuation_baidu",
)  # fmt: skip
FIXED, INTANGIBLES = "购建固定资产", "购建无形资产及其他资产"
INCOME_STATEMENT = "利润表"
NAMES = {"00000": "SYNTHETIC-A", "99998": "SYNTHETIC-B"}
FISCAL_YEAR_END = {"00000": "12-31", "99998": "03-31"}
CURRENCY = {"00000": "RMB", "99998": "HKD"}
UNKNOWN = "99999"

# invented year-to-date capex in units of the reporting currency:
# report date -> (period start, date type, fixed assets, intangibles or None)
REPORTS: dict[str, dict[str, tuple[str, str, float, float | None]]] = {
    "00000": {
        "2022-12-31": ("2022-01-01", "001", 8.0e9, None),
        "2023-03-31": ("2023-01-01", "003", 2.0e9, 0.2e9),
        "2023-06-30": ("2023-01-01", "002", 4.5e9, 0.45e9),
        "2023-09-30": ("2023-01-01", "004", 7.0e9, 0.7e9),
        "2023-12-31": ("2023-01-01", "001", 10.0e9, 1.0e9),
        "2024-03-31": ("2024-01-01", "003", 3.0e9, 0.3e9),
        "2024-06-30": ("2024-01-01", "002", 6.6e9, 0.7e9),
        "2024-09-30": ("2024-01-01", "004", 10.2e9, 1.1e9),
        "2024-12-31": ("2024-01-01", "001", 14.4e9, 1.6e9),
        "2025-03-31": ("2025-01-01", "003", 4.0e9, 0.4e9),
        "2025-06-30": ("2025-01-01", "002", 8.5e9, 0.9e9),
    },
    "99998": {
        "2022-09-30": ("2022-04-01", "002", 0.7e9, None),
        "2023-03-31": ("2022-04-01", "001", 1.5e9, None),
        "2023-09-30": ("2023-04-01", "002", 0.8e9, None),
        "2024-03-31": ("2023-04-01", "001", 1.8e9, None),
        "2024-09-30": ("2024-04-01", "002", 1.1e9, None),
        "2025-03-31": ("2024-04-01", "001", 2.4e9, None),
    },
}
# invented DISCRETE quarterly (00000) or half-yearly (99998) revenue and net income, billions
INCOME = {
    "00000": {
        "2022-12-31": (40.0, 3.0),
        "2023-03-31": (10.0, 1.0), "2023-06-30": (11.0, 1.2), "2023-09-30": (12.0, -0.3),
        "2023-12-31": (13.0, 1.5), "2024-03-31": (11.5, 1.2), "2024-06-30": (12.65, 1.4),
        "2024-09-30": (13.8, 0.5), "2024-12-31": (15.0, 1.8), "2025-03-31": (13.8, 1.5),
        "2025-06-30": (15.18, 1.6),
    },
    "99998": {
        "2022-09-30": (5.0, 0.5), "2023-03-31": (5.4, 0.6), "2023-09-30": (5.5, 0.6),
        "2024-03-31": (5.5, 0.4), "2024-09-30": (6.0, 0.7), "2025-03-31": (6.1, 0.7),
    },
}  # fmt: skip
# report dates the analysis indicator lists (newest first), per indicator
INDICATOR_DATES = {
    ("00000", "年度"): ["2024-12-31", "2023-12-31"],
    ("00000", "报告期"): ["2025-06-30", "2025-03-31", "2024-12-31", "2024-09-30", "2024-06-30",
                        "2024-03-31", "2023-12-31", "2023-09-30", "2023-06-30"],
    ("99998", "年度"): ["2025-03-31", "2024-03-31", "2023-03-31"],
    ("99998", "报告期"): ["2025-03-31", "2024-09-30", "2024-03-31", "2023-09-30", "2023-03-31",
                        "2022-09-30"],
}  # fmt: skip
INDICATOR_COLUMNS = {
    "SECUCODE": str, "SECURITY_CODE": str, "SECURITY_NAME_ABBR": str, "ORG_CODE": str,
    "REPORT_DATE": str, "DATE_TYPE_CODE": str, "PER_NETCASH_OPERATE": float, "PER_OI": float,
    "BPS": float, "BASIC_EPS": float, "DILUTED_EPS": float, "OPERATE_INCOME": int,
    "OPERATE_INCOME_YOY": float, "GROSS_PROFIT": int, "GROSS_PROFIT_YOY": float,
    "HOLDER_PROFIT": int, "HOLDER_PROFIT_YOY": float, "GROSS_PROFIT_RATIO": float,
    "EPS_TTM": float, "OPERATE_INCOME_QOQ": float, "NET_PROFIT_RATIO": float, "ROE_AVG": float,
    "GROSS_PROFIT_QOQ": float, "ROA": float, "HOLDER_PROFIT_QOQ": float, "ROE_YEARLY": float,
    "ROIC_YEARLY": float, "TAX_EBT": float, "OCF_SALES": float, "DEBT_ASSET_RATIO": float,
    "CURRENT_RATIO": float, "CURRENTDEBT_DEBT": float, "START_DATE": str, "FISCAL_YEAR": str,
    "CURRENCY": str, "IS_CNY_CODE": int,
}  # fmt: skip


def _stamp(day: str) -> str:
    return f"{day} 00:00:00"


def cash_flow(code: str, indicator: str) -> pd.DataFrame:
    """The LONG statement, newest report first and lines by STD_ITEM_CODE, as Eastmoney sorts."""
    rows: list[dict[str, Any]] = []
    for end, (start, kind, fixed, intangibles) in sorted(REPORTS[code].items(), reverse=True):
        if indicator == "年度" and kind != "001":
            continue
        lines = [
            ("004001999", "经营业务现金净额", fixed * 2.6),  # operating cash flow, net
            ("004002001", FIXED, -fixed),
            ("004002002", INTANGIBLES, None if intangibles is None else -intangibles),
            ("004002003", "处置固定资产", fixed * 0.03),  # disposals: an inflow, not capex
            ("004002999", "投资业务现金净额", -fixed * 1.4),  # investing cash flow, net
        ]
        for item_code, name, amount in lines:
            if amount is None:
                continue
            rows.append({
                "SECUCODE": f"{code}.HK", "SECURITY_CODE": code,
                "SECURITY_NAME_ABBR": NAMES[code], "ORG_CODE": f"SYNTH{code}",
                "REPORT_DATE": _stamp(end), "DATE_TYPE_CODE": kind,
                "FISCAL_YEAR": FISCAL_YEAR_END[code], "START_DATE": _stamp(start),
                "STD_ITEM_CODE": item_code, "STD_ITEM_NAME": name, "AMOUNT": float(amount),
            })  # fmt: skip
    return pd.DataFrame(rows)


def income_statement(code: str, indicator: str) -> pd.DataFrame:
    """The LONG income statement: year-to-date sums of INCOME, newest report first."""
    cumulative: dict[str, tuple[float, float]] = {}
    for end, (start, _, _, _) in sorted(REPORTS[code].items()):
        spans = [e for e, (s, _, _, _) in REPORTS[code].items() if s == start and e <= end]
        revenue = sum(INCOME[code][e][0] for e in spans) * 1e9
        net = sum(INCOME[code][e][1] for e in spans) * 1e9
        cumulative[end] = (revenue, net)
    rows: list[dict[str, Any]] = []
    for end, (start, kind, _, _) in sorted(REPORTS[code].items(), reverse=True):
        if indicator == "年度" and kind != "001":
            continue
        revenue, net = cumulative[end]
        lines = [("001001", "营业额", revenue * 0.98)]
        if code == "00000":
            lines += [("001002", "其他营业收入", revenue * 0.02), ("001003", "营运收入", revenue)]
        else:
            lines = [("001001", "营业额", revenue)]
        lines += [
            ("001007", "毛利", revenue * 0.45),
            ("001010", "经营溢利", net * 1.3),
            ("001015", "除税前溢利", net * 1.25),
            ("001020", "股东应占溢利", net),
            ("001030", "每股基本盈利", round(net / 9.5e9, 2)),
        ]
        for item_code, name, amount in lines:
            rows.append({
                "SECUCODE": f"{code}.HK", "SECURITY_CODE": code,
                "SECURITY_NAME_ABBR": NAMES[code], "ORG_CODE": f"SYNTH{code}",
                "REPORT_DATE": _stamp(end), "DATE_TYPE_CODE": kind,
                "FISCAL_YEAR": FISCAL_YEAR_END[code], "START_DATE": _stamp(start),
                "STD_ITEM_CODE": item_code, "STD_ITEM_NAME": name, "AMOUNT": float(amount),
            })  # fmt: skip
    return pd.DataFrame(rows)


def analysis_indicator(code: str, indicator: str) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for i, end in enumerate(INDICATOR_DATES[(code, indicator)]):
        start, kind, fixed, _ = REPORTS[code][end]
        row: dict[str, Any] = {}
        for column, kind_of in INDICATOR_COLUMNS.items():
            row[column] = kind_of(round(1.5 + 0.1 * i, 4)) if kind_of is not str else ""
        row.update(
            SECUCODE=f"{code}.HK", SECURITY_CODE=code, SECURITY_NAME_ABBR=NAMES[code],
            ORG_CODE=f"SYNTH{code}", REPORT_DATE=_stamp(end), DATE_TYPE_CODE=kind,
            OPERATE_INCOME=int(fixed * 9), GROSS_PROFIT=int(fixed * 4),
            HOLDER_PROFIT=int(fixed * 2), START_DATE=_stamp(start),
            FISCAL_YEAR=FISCAL_YEAR_END[code], CURRENCY=CURRENCY[code],
            IS_CNY_CODE=int(CURRENCY[code] == "RMB"),
        )  # fmt: skip
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))
    return frame.astype({c: "int64" for c, t in INDICATOR_COLUMNS.items() if t is int})


def pe_history(code: str) -> pd.DataFrame:
    """Weekly trailing P/E: a slow wave, and for 00000 a loss-making stretch (P/E < 0)."""
    first = date(2019, 1, 4) if code == "00000" else date(2023, 1, 6)
    days = [first + timedelta(weeks=w) for w in range((date(2025, 11, 28) - first).days // 7 + 1)]
    i = np.arange(len(days), dtype="float64")
    value = 18.0 + 5.0 * np.sin(i / 23.0) + 0.02 * i if code == "00000" else 9.0 + np.cos(i / 9.0)
    if code == "00000":
        loss = np.array([date(2020, 3, 6) <= d <= date(2020, 9, 25) for d in days])
        value = np.where(loss, -35.0 - 0.1 * i, value)
    return pd.DataFrame({"date": days, "value": np.round(value, 2)})


def synthetic_fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
    code = str(kwargs.get("stock", kwargs.get("symbol")))
    if code == UNKNOWN and function == VALUATION:
        raise KeyError("Result")
    if code == UNKNOWN:
        raise AttributeError("'NoneType' object has no attribute 'get'")
    if function == CASH_FLOW and kwargs["symbol"] == INCOME_STATEMENT:
        return income_statement(code, str(kwargs["indicator"]))
    if function == CASH_FLOW:
        return cash_flow(code, str(kwargs["indicator"]))
    if function == INDICATOR:
        return analysis_indicator(code, str(kwargs["indicator"]))
    return pe_history(code)


def calls() -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for code in ("00000", "99998", UNKNOWN):
        for indicator in ("年度", "报告期"):
            out.append((CASH_FLOW, {"stock": code, "symbol": "现金流量表", "indicator": indicator}))
            out.append((CASH_FLOW, {"stock": code, "symbol": INCOME_STATEMENT, "indicator": indicator}))  # fmt: skip
            if code != UNKNOWN:
                out.append((INDICATOR, {"symbol": code, "indicator": indicator}))
        out.append((VALUATION, {"symbol": code, "indicator": "市盈率(TTM)", "period": "全部"}))
    return out


if __name__ == "__main__":
    for old in HERE.glob("*.csv"):
        old.unlink()
    meta = record(
        calls(),
        HERE,
        fetch=synthetic_fetch,
        synthetic=True,
        note="SYNTHETIC AkShare statements, currencies and P/E history in AkShare 1.19.5's shapes,"
        " made by make_synthetic.py for made-up codes 00000, 99998 and 99999; invented numbers,"
        " not company figures. Replace with a live recording via record() when online.",
    )
    print(f"wrote {meta}")
