"""Revenue and net income from Yahoo Finance's income statement, through an injectable seam.

The one place yfinance's income statement is read is :func:`yfinance_income_stmt`
(``Ticker.get_income_stmt(pretty=True, freq=...)``: line items × period ends);
the reporting currency comes from the same ``info`` seam capex uses
(``financialCurrency``). :func:`record_income` saves what the seam returned
beside the cash-flow recording (``<TICKER>.income.<freq>.csv``) and
:func:`replay_income` serves it back, so one recording folder replays capex,
P/E and income alike.

Lines: ``"Total Revenue"`` is revenue; ``"Net Income"`` (net income to common
shareholders, as Yahoo labels the statement's bottom line) is net income. A
statement with neither line, or no reporting currency, is a ``Failure`` for
that ticker; a statement with one of them gives that one (the other is NaN).
Fetching, errors and recordings are capex's (``yahoo.read_statements``,
``record_statements``, ``replay_statements``): offline and rate limits
raise, a ticker without data is a ``Failure``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import pandas as pd

from themelens.data.deadline import bounded
from themelens.data.fundamentals.contracts import (
    Freq,
    IncomeStatements,
    empty_income,
    validate_income,
)
from themelens.data.fundamentals.yahoo import (
    NO_CURRENCY,
    InfoFetchFn,
    StatementFetchFn,
    read_statements,
    record_statements,
    replay_statements,
    reporting_currency,
    statement_line,
    statement_rows,
    yfinance_info,
    yfinance_statement,
)
from themelens.data.recording import write_meta

__all__ = [
    "NET_INCOME_LINE",
    "REVENUE_LINE",
    "IncomeFetchFn",
    "YahooIncome",
    "record_income",
    "replay_income",
    "yfinance_income_stmt",
]

IncomeFetchFn = StatementFetchFn
"""``(ticker, freq) -> Ticker.get_income_stmt(pretty=True, freq=...)``'s frame."""

REVENUE_LINE: Final = "Total Revenue"
NET_INCOME_LINE: Final = "Net Income"
_NAME: Final = "yahoo"


def yfinance_income_stmt(ticker: str, freq: Freq) -> pd.DataFrame:
    """The income statement (rows: line items, columns: period ends), yfinance's errors raised."""
    return yfinance_statement(ticker, freq, "get_income_stmt")


class YahooIncome:
    """Revenue and net income per fiscal period from Yahoo Finance.

    Parameters
    ----------
    income, info
        The fetch seams; default :func:`yfinance_income_stmt` and
        ``yahoo.yfinance_info``. Tests pass :func:`replay_income` and
        ``yahoo.replay``'s info.
    synthetic
        True when the seams serve invented data (a synthetic recording).
    """

    name: Final = _NAME

    def __init__(
        self,
        *,
        income: IncomeFetchFn | None = None,
        info: InfoFetchFn | None = None,
        synthetic: bool = False,
    ) -> None:
        self._income = (
            income if income is not None else bounded(yfinance_income_stmt, "yahoo income")
        )
        self._info = info if info is not None else bounded(yfinance_info, "yahoo info")
        self.synthetic = synthetic

    def income(self, tickers: Sequence[str], *, freq: Freq = "annual") -> IncomeStatements:
        """Revenue and net income per period in the reporting currency; a failure per ticker without."""
        frame, failures = read_statements(
            tickers, freq, self._income, self._info, _income_rows, validate_income, empty_income
        )
        return IncomeStatements(frame, failures, synthetic=self.synthetic)


def _income_rows(
    ticker: str, freq: Freq, statement: pd.DataFrame | None, info: Mapping[str, Any]
) -> tuple[pd.DataFrame, str | None]:
    """Revenue and net income as contract rows, or an empty frame and why there are none."""
    if statement is None or statement.empty:
        return pd.DataFrame(), f"no {freq} income statement from Yahoo Finance"
    revenue = statement_line(statement, REVENUE_LINE)
    net = statement_line(statement, NET_INCOME_LINE)
    if revenue is None and net is None:
        why = f"the {freq} income statement has no {REVENUE_LINE!r} or {NET_INCOME_LINE!r} line"
        return pd.DataFrame(), why
    currency = reporting_currency(info)
    if currency is None:
        return pd.DataFrame(), NO_CURRENCY
    columns = statement.columns
    nan = pd.Series(float("nan"), index=columns)
    values = {
        "revenue": (revenue if revenue is not None else nan).to_numpy(dtype="float64"),
        "net_income": (net if net is not None else nan).to_numpy(dtype="float64"),
    }
    return statement_rows(ticker, freq, columns, values, currency, "financials"), None


# --- record and replay at our seam -----------------------------------------------------------


def record_income(
    tickers: Sequence[str],
    directory: Path,
    *,
    income: IncomeFetchFn = yfinance_income_stmt,
) -> Path:
    """Save what the income seam returns per ticker, beside ``yahoo.record``'s files.

    Writes ``<TICKER>.income.<freq>.csv`` (the statement as yfinance gives it)
    and adds an ``income_periods`` entry to ``meta.json`` (kept otherwise as
    ``yahoo.record`` wrote it, which also saved the ``info`` the currency
    comes from). A ticker whose statement is empty gets no CSV.
    """
    periods = record_statements(tickers, directory, income, "income")
    path = directory / "meta.json"
    meta: dict[str, Any] = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    meta["income_periods"] = periods
    return write_meta(directory, meta)


def replay_income(directory: Path) -> IncomeFetchFn:
    """The income seam serving :func:`record_income`'s files (empty frame when absent, as yfinance)."""
    return replay_statements(directory, "income")
