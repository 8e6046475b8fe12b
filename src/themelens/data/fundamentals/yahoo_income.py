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
Errors are translated as for capex (``yahoo._translate``): offline and rate
limits raise, a ticker without data is a ``Failure``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import pandas as pd

from themelens.data.fundamentals.contracts import (
    Freq,
    IncomeStatements,
    empty_income,
    validate_income,
)
from themelens.data.fundamentals.yahoo import InfoFetchFn, _translate, yfinance_info
from themelens.data.providers.yahoo import _yfinance_raises
from themelens.errors import Failure

__all__ = [
    "NET_INCOME_LINE",
    "REVENUE_LINE",
    "IncomeFetchFn",
    "YahooIncome",
    "record_income",
    "replay_income",
    "yfinance_income_stmt",
]

IncomeFetchFn = Callable[[str, Freq], pd.DataFrame]
"""``(ticker, freq) -> Ticker.get_income_stmt(pretty=True, freq=...)``'s frame."""

REVENUE_LINE: Final = "Total Revenue"
NET_INCOME_LINE: Final = "Net Income"
_YF_FREQ: Final[dict[str, str]] = {"annual": "yearly", "quarterly": "quarterly"}
_NAME: Final = "yahoo"


def yfinance_income_stmt(ticker: str, freq: Freq) -> pd.DataFrame:
    """The income statement (rows: line items, columns: period ends), yfinance's errors raised."""
    import yfinance as yf

    with _yfinance_raises():
        frame: pd.DataFrame = yf.Ticker(ticker).get_income_stmt(
            as_dict=False, pretty=True, freq=_YF_FREQ[freq]
        )
    return frame


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
        self._income = income if income is not None else yfinance_income_stmt
        self._info = info if info is not None else yfinance_info
        self.synthetic = synthetic

    def income(self, tickers: Sequence[str], *, freq: Freq = "annual") -> IncomeStatements:
        """Revenue and net income per period in the reporting currency; a failure per ticker without."""
        parts: list[pd.DataFrame] = []
        failures: list[Failure] = []
        fetched_at = datetime.now(UTC).replace(tzinfo=None)
        for ticker in tickers:
            try:
                statement = self._income(ticker, freq)
                info = self._info(ticker)
            except Exception as exc:
                failures.append(Failure(ticker, _translate(exc, ticker)))
                continue
            part, reason = _income_rows(ticker, freq, statement, info)
            if reason is not None:
                failures.append(Failure(ticker, reason))
                continue
            parts.append(part.assign(provider=self.name, fetched_at=fetched_at))
        frame = validate_income(pd.concat(parts, ignore_index=True)) if parts else empty_income()
        return IncomeStatements(frame, tuple(failures), synthetic=self.synthetic)


def _line(statement: pd.DataFrame, name: str) -> pd.Series | None:
    """One line as numbers by period end (the first copy when printed twice), or None."""
    if name not in statement.index:
        return None
    raw = statement.loc[name]
    if isinstance(raw, pd.DataFrame):
        raw = raw.iloc[0]
    return pd.to_numeric(raw, errors="coerce")


def _income_rows(
    ticker: str, freq: Freq, statement: pd.DataFrame | None, info: Mapping[str, Any]
) -> tuple[pd.DataFrame, str | None]:
    """Revenue and net income as contract rows, or an empty frame and why there are none."""
    if statement is None or statement.empty:
        return pd.DataFrame(), f"no {freq} income statement from Yahoo Finance"
    revenue, net = _line(statement, REVENUE_LINE), _line(statement, NET_INCOME_LINE)
    if revenue is None and net is None:
        why = f"the {freq} income statement has no {REVENUE_LINE!r} or {NET_INCOME_LINE!r} line"
        return pd.DataFrame(), why
    currency = info.get("financialCurrency") or info.get("currency")
    if not isinstance(currency, str) or not currency:
        return pd.DataFrame(), "Yahoo Finance gives no reporting currency (financialCurrency)"
    columns = statement.columns
    nan = pd.Series(float("nan"), index=columns)
    ends = pd.to_datetime(pd.Index(columns)).tz_localize(None).normalize()
    part = pd.DataFrame(
        {
            "ticker": ticker,
            "freq": freq,
            "period_end": ends,
            "revenue": (revenue if revenue is not None else nan).to_numpy(dtype="float64"),
            "net_income": (net if net is not None else nan).to_numpy(dtype="float64"),
            "currency": currency.upper(),
            "source": f"https://finance.yahoo.com/quote/{ticker}/financials",
        }
    )
    return part, None


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
    directory.mkdir(parents=True, exist_ok=True)
    periods: dict[str, dict[str, int]] = {}
    for ticker in tickers:
        entry: dict[str, int] = {}
        for freq in ("annual", "quarterly"):
            frame = income(ticker, freq)
            if frame is not None and not frame.empty:
                frame.to_csv(directory / f"{ticker}.income.{freq}.csv", index_label="line")
            entry[freq] = 0 if frame is None else int(frame.shape[1])
        periods[ticker] = entry
    path = directory / "meta.json"
    meta: dict[str, Any] = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    meta["income_periods"] = periods
    path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def replay_income(directory: Path) -> IncomeFetchFn:
    """The income seam serving :func:`record_income`'s files (empty frame when absent, as yfinance)."""

    def income(ticker: str, freq: Freq) -> pd.DataFrame:
        path = directory / f"{ticker}.income.{freq}.csv"
        if not path.is_file():
            return pd.DataFrame()
        frame = pd.read_csv(path, index_col="line")
        frame.columns = pd.to_datetime(frame.columns)
        return frame

    return income
