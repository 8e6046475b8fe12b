"""Revenue and net income from Eastmoney's Hong Kong income statements, through AkShare.

The same two calls as capex (``akshare`` module docstring), with the income
statement instead of the cash-flow one:

Statement — ``stock_financial_hk_report_em(stock, symbol="利润表", indicator=...)``
    LONG: one row per report date (``REPORT_DATE``), span start
    (``START_DATE``) and line (``STD_ITEM_NAME``), ``AMOUNT`` in units of the
    reporting currency. Lines read:

    ==================  ==========================================================
    ``STD_ITEM_NAME``   meaning
    ==================  ==========================================================
    ``营运收入``          operating revenue (turnover plus other operating revenue);
                        what companies such as Tencent report as "revenue" —
                        preferred when the report has it
    ``营业额``            turnover; the revenue when ``营运收入`` is absent
    ``股东应占溢利``      profit attributable to shareholders: net income
    ==================  ==========================================================

    A report without any of them is left out; a statement where no report
    has one fails for the ticker.
Currency — ``stock_financial_hk_analysis_indicator_em``'s ``CURRENCY`` per
    report date, exactly as for capex (never guessed).
Quarterly — report-period figures are cumulative from ``START_DATE``, so a
    quarter is a report spanning one quarter (Q1) or the difference of two
    reports with the same ``START_DATE`` one quarter apart, both with the
    same revenue line and currency. Unlike capex a difference may be
    negative (a loss-making quarter). Half-year reporters have no quarters:
    the ``Failure`` says "no quarterly periods", which loading treats as
    absent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from themelens.data.akshare_client import AkshareClient
from themelens.data.fundamentals.akshare import (
    _PROVIDER,
    _QUARTER_DAYS,
    _SYNTHETIC_TAG,
    INDICATOR_FUNCTION,
    _currencies,
    _day,
    read_reports,
)
from themelens.data.fundamentals.contracts import (
    Freq,
    IncomeStatements,
    empty_income,
    validate_income,
)

__all__ = [
    "INCOME_STATEMENT",
    "NET_INCOME_ITEM",
    "REVENUE_ITEMS",
    "STATEMENT_COLUMNS",
    "AkshareIncome",
]

INCOME_STATEMENT: Final = "利润表"
REVENUE_ITEMS: Final = ("营运收入", "营业额")
"""Revenue lines in order of preference (module docstring)."""
NET_INCOME_ITEM: Final = "股东应占溢利"
STATEMENT_COLUMNS: Final = ("REPORT_DATE", "START_DATE", "STD_ITEM_NAME", "AMOUNT")


@dataclass(frozen=True)
class _Report:
    start: pd.Timestamp | None
    end: pd.Timestamp
    revenue: float
    revenue_item: str | None
    net_income: float


class AkshareIncome:
    """Revenue and net income for Hong Kong listings from Eastmoney, via AkShare.

    Parameters
    ----------
    client
        The :class:`AkshareClient` every call goes through; tests pass one
        replaying a recording (``AkshareFundamentals.from_recording`` builds
        the same client: use ``AkshareIncome(source.client, synthetic=...)``).
    synthetic
        True when the client serves invented data; every ``source`` says so.
    """

    name: Final = _PROVIDER

    def __init__(self, client: AkshareClient | None = None, *, synthetic: bool = False) -> None:
        self.client = client if client is not None else AkshareClient()
        self.synthetic = synthetic

    def income(self, tickers: Sequence[str], *, freq: Freq = "annual") -> IncomeStatements:
        """Revenue and net income per period (``freq``); a failure per ticker without.

        Raises ``OfflineError`` when Eastmoney cannot be reached; anything
        else is a ``Failure`` for that ticker.
        """
        frame, failures, notes = read_reports(
            self.client,
            tickers,
            freq,
            statement=INCOME_STATEMENT,
            expect=STATEMENT_COLUMNS,
            no_currency="",
            rows_of=_income_rows,
            source_tag=_SYNTHETIC_TAG if self.synthetic else "",
            validate=validate_income,
            empty=empty_income,
        )
        return IncomeStatements(frame, failures, notes, synthetic=self.synthetic)


def _income_rows(
    statement: pd.DataFrame, indicator: pd.DataFrame, freq: Freq
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """Revenue and net income per report (annual) or derived quarter; a note on reports lost."""
    reports = _reports(statement)
    if not reports:
        why = f"the income statement has no {'/'.join(REVENUE_ITEMS)} or {NET_INCOME_ITEM} line"
        return _frame([]), why, []
    currencies, _ = _currencies(indicator)
    derive = _annual if freq == "annual" else _quarterly
    rows, reason = derive(reports, currencies)
    if reason is not None:
        return rows, reason, []
    lost = len(reports) - len(rows) if freq == "annual" else 0
    return rows, None, [f"{lost} report(s) without a known currency left out"] if lost else []


def _reports(statement: pd.DataFrame) -> list[_Report]:
    """Revenue and net income per report date (oldest first); reports with neither left out."""
    lines = pd.DataFrame(
        {
            "end": _day(statement["REPORT_DATE"]),
            "start": _day(statement["START_DATE"]),
            "item": statement["STD_ITEM_NAME"].astype(str).str.strip(),
            "amount": pd.to_numeric(statement["AMOUNT"], errors="coerce"),
        }
    )
    wanted = (*REVENUE_ITEMS, NET_INCOME_ITEM)
    lines = lines.loc[lines["item"].isin(wanted) & lines["end"].notna() & lines["amount"].notna()]
    lines = lines.drop_duplicates(["end", "item"], keep="first")
    out: list[_Report] = []
    for end, group in lines.groupby("end", sort=True):
        amounts = dict(zip(group["item"], group["amount"], strict=True))
        item = next((i for i in REVENUE_ITEMS if i in amounts), None)
        start = group["start"].dropna()
        out.append(
            _Report(
                start=pd.Timestamp(start.iloc[0]) if len(start) else None,
                end=pd.Timestamp(str(end)),
                revenue=float(amounts[item]) if item else float("nan"),
                revenue_item=item,
                net_income=float(amounts.get(NET_INCOME_ITEM, float("nan"))),
            )
        )
    return out


def _frame(rows: list[tuple[pd.Timestamp, float, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["period_end", "revenue", "net_income", "currency"])


def _annual(
    reports: list[_Report], currencies: Mapping[pd.Timestamp, str]
) -> tuple[pd.DataFrame, str | None]:
    rows = [(r.end, r.revenue, r.net_income, currencies[r.end]) for r in reports if r.end in currencies]  # fmt: skip
    if not rows:
        return _frame([]), f"no report has a reporting currency from {INDICATOR_FUNCTION}"
    return _frame(rows), None


def _quarterly(
    reports: list[_Report], currencies: Mapping[pd.Timestamp, str]
) -> tuple[pd.DataFrame, str | None]:
    """Discrete quarters from cumulative report-period figures (module docstring)."""
    rows: list[tuple[pd.Timestamp, float, float, str]] = []
    for i, report in enumerate(reports):
        if report.start is None or report.end not in currencies:
            continue
        if (report.end - report.start).days + 1 in _QUARTER_DAYS:
            rows.append((report.end, report.revenue, report.net_income, currencies[report.end]))
            continue
        earlier = [p for p in reports[:i] if p.start == report.start]
        if not earlier or (report.end - earlier[-1].end).days not in _QUARTER_DAYS:
            continue  # a half-year or longer span: not a quarter
        prev = earlier[-1]
        if currencies.get(prev.end) != currencies[report.end]:
            continue
        revenue = report.revenue - prev.revenue if prev.revenue_item == report.revenue_item else np.nan  # fmt: skip
        rows.append((report.end, revenue, report.net_income - prev.net_income, currencies[report.end]))  # fmt: skip
    if not rows:
        return _frame([]), "no quarterly periods: the reports span half-years or years (cumulative from START_DATE)"  # fmt: skip
    return _frame(rows), None
