"""Statements and valuation from Yahoo Finance, through two injectable fetch seams.

The only places yfinance is called are :func:`yfinance_cash_flow`
(``Ticker.get_cash_flow(pretty=True, freq=...)``: line items × period ends,
"Capital Expenditure" negative) and :func:`yfinance_info` (``Ticker.get_info()``:
``forwardPE``, ``trailingPE``, ``forwardEps``, ``financialCurrency``...).
:class:`YahooFundamentals` works on what they return, which is also what
:func:`record` saves and :func:`replay` serves back in tests (our seam, as for
prices: yfinance talks through curl_cffi, which HTTP cassette tools miss).

Errors are translated once, here, with the price adapter's classifier
(``providers.yahoo.classify_error``): offline and rate limits raise
(``OfflineError``, ``RateLimitedError`` — the next ticker would fare no
better); a ticker with no cash-flow statement, or a statement without a
"Capital Expenditure" line, becomes a ``Failure`` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from themelens.data.deadline import bounded
from themelens.data.fundamentals.contracts import (
    CapexStatements,
    Freq,
    ValuationData,
    empty_capex,
    validate_capex,
    validate_valuation,
)
from themelens.data.providers.yahoo import _yfinance_raises, classify_error
from themelens.data.recording import write_meta
from themelens.errors import Failure, OfflineError, RateLimitedError

__all__ = [
    "CAPEX_LINE",
    "NO_CURRENCY",
    "CashFlowFetchFn",
    "InfoFetchFn",
    "StatementFetchFn",
    "StatementRowsFn",
    "YahooFundamentals",
    "read_statements",
    "record",
    "record_statements",
    "replay",
    "replay_statements",
    "reporting_currency",
    "statement_line",
    "statement_rows",
    "yfinance_cash_flow",
    "yfinance_info",
    "yfinance_statement",
]

StatementFetchFn = Callable[[str, Freq], pd.DataFrame]
"""``(ticker, freq) -> `` a yfinance statement (``get_cash_flow``, ``get_income_stmt``)."""
CashFlowFetchFn = StatementFetchFn
"""``(ticker, freq) -> Ticker.get_cash_flow(pretty=True, freq=...)``'s frame."""
InfoFetchFn = Callable[[str], Mapping[str, Any]]
"""``ticker -> Ticker.get_info()``'s dict."""

CAPEX_LINE: Final = "Capital Expenditure"
_YF_FREQ: Final[dict[str, str]] = {"annual": "yearly", "quarterly": "quarterly"}
_NAME: Final = "yahoo"


def yfinance_cash_flow(ticker: str, freq: Freq) -> pd.DataFrame:
    """The cash-flow statement (rows: line items, columns: period ends), yfinance's errors raised."""
    return yfinance_statement(ticker, freq, "get_cash_flow")


def yfinance_statement(ticker: str, freq: Freq, getter: str) -> pd.DataFrame:
    """``Ticker.<getter>(pretty=True, freq=...)`` (a statement: line items × period ends), errors raised."""
    import yfinance as yf

    with _yfinance_raises():
        frame: pd.DataFrame = getattr(yf.Ticker(ticker), getter)(
            as_dict=False, pretty=True, freq=_YF_FREQ[freq]
        )
    return frame


def yfinance_info(ticker: str) -> Mapping[str, Any]:
    """``Ticker.get_info()`` with yfinance's errors raised."""
    import yfinance as yf

    with _yfinance_raises():
        info: Mapping[str, Any] = yf.Ticker(ticker).get_info()
    return info


def _translate(exc: Exception, ticker: str) -> str:
    """Raise ours for offline / rate limit; return the reason for a per-ticker failure."""
    kind, reason = classify_error(exc)
    if kind == "offline":
        raise OfflineError(
            f"cannot reach Yahoo Finance (offline?): {reason}", provider=_NAME, ticker=ticker
        ) from exc
    if kind == "rate_limited":
        raise RateLimitedError(
            "Yahoo Finance is rate-limiting us (HTTP 429); try again later",
            provider=_NAME,
            ticker=ticker,
        ) from exc
    if kind == "no_data":
        return reason
    raise exc


def _number(value: Any) -> float:
    """A finite float, or NaN for None / text / non-finite (Yahoo sends 'Infinity' at times)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return out if np.isfinite(out) else float("nan")


class YahooFundamentals:
    """Capex statements and P/E snapshots from Yahoo Finance.

    Parameters
    ----------
    cash_flow, info
        The fetch seams; default :func:`yfinance_cash_flow` and
        :func:`yfinance_info`. Tests pass :func:`replay`'s pair.
    synthetic
        True when the seams serve invented data (a synthetic recording);
        results built on it carry the synthetic label.

    Notes
    -----
    Yahoo's ``info`` is a snapshot, so valuation from here has one row per
    ticker dated ``today`` and no history: z-scores need a CSV history import.
    """

    name: Final = _NAME

    def __init__(
        self,
        *,
        cash_flow: CashFlowFetchFn | None = None,
        info: InfoFetchFn | None = None,
        synthetic: bool = False,
        today: Callable[[], date] = date.today,
    ) -> None:
        # the live calls run under the command's deadline (a dead network is given up on once)
        self._cash_flow = (
            cash_flow if cash_flow is not None else bounded(yfinance_cash_flow, "yahoo cash flow")
        )
        self._info = info if info is not None else bounded(yfinance_info, "yahoo info")
        self.synthetic = synthetic
        self._today = today

    def capex(self, tickers: Sequence[str], *, freq: Freq = "annual") -> CapexStatements:
        """Capex per fiscal period in the reporting currency; one failure per ticker without it."""
        frame, failures = read_statements(
            tickers, freq, self._cash_flow, self._info, _capex_rows, validate_capex, empty_capex
        )
        return CapexStatements(frame, failures, synthetic=self.synthetic)

    def valuation(self, tickers: Sequence[str]) -> ValuationData:
        """Today's forward and trailing P/E (and forward EPS, price) per ticker."""
        rows: list[dict[str, Any]] = []
        failures: list[Failure] = []
        today = self._today()
        for ticker in tickers:
            try:
                info = self._info(ticker)
            except Exception as exc:
                failures.append(Failure(ticker, _translate(exc, ticker)))
                continue
            row: dict[str, Any] = {
                "date": today,
                "ticker": ticker,
                "pe_fwd": _number(info.get("forwardPE")),
                "pe_trailing": _number(info.get("trailingPE")),
                "eps_fwd": _number(info.get("forwardEps")),
                "price": _number(info.get("currentPrice", info.get("regularMarketPrice"))),
                "provider": self.name,
                "source": f"https://finance.yahoo.com/quote/{ticker}/key-statistics",
            }
            if np.isnan(row["pe_fwd"]) and np.isnan(row["pe_trailing"]):
                failures.append(Failure(ticker, "Yahoo Finance gives no forward or trailing P/E"))
                continue
            rows.append(row)
        frame = (
            validate_valuation(pd.DataFrame(rows))
            if rows
            else validate_valuation(pd.DataFrame({"date": [], "ticker": []}))
        )
        return ValuationData(frame, tuple(failures), synthetic=self.synthetic)


StatementRowsFn = Callable[
    [str, Freq, pd.DataFrame | None, Mapping[str, Any]], tuple[pd.DataFrame, str | None]
]
"""``(ticker, freq, statement, info) -> (contract rows, why there are none)``."""
NO_CURRENCY: Final = "Yahoo Finance gives no reporting currency (financialCurrency)"


def read_statements(
    tickers: Sequence[str],
    freq: Freq,
    statement: StatementFetchFn,
    info: InfoFetchFn,
    rows_of: StatementRowsFn,
    validate: Callable[[pd.DataFrame], pd.DataFrame],
    empty: Callable[[], pd.DataFrame],
) -> tuple[pd.DataFrame, tuple[Failure, ...]]:
    """One statement per ticker through the seams, as contract rows; a failure per ticker without.

    Capex (cash flow) and income share it: only the statement seam and how
    its lines become rows (``rows_of``) differ.
    """
    parts: list[pd.DataFrame] = []
    failures: list[Failure] = []
    fetched_at = datetime.now(UTC).replace(tzinfo=None)
    for ticker in tickers:
        try:
            answer = statement(ticker, freq)
            about = info(ticker)
        except Exception as exc:
            failures.append(Failure(ticker, _translate(exc, ticker)))
            continue
        part, reason = rows_of(ticker, freq, answer, about)
        if reason is not None:
            failures.append(Failure(ticker, reason))
            continue
        parts.append(part.assign(provider=_NAME, fetched_at=fetched_at))
    frame = validate(pd.concat(parts, ignore_index=True)) if parts else empty()
    return frame, tuple(failures)


def statement_line(statement: pd.DataFrame, name: str) -> pd.Series | None:
    """One line as numbers by period end (the first copy when printed twice), or None."""
    if name not in statement.index:
        return None
    raw = statement.loc[name]
    if isinstance(raw, pd.DataFrame):  # a line printed twice: the first is the statement's
        raw = raw.iloc[0]
    return pd.to_numeric(raw, errors="coerce")


def reporting_currency(info: Mapping[str, Any]) -> str | None:
    """The statement's currency from ``info`` (upper case), or None (never guessed)."""
    currency = info.get("financialCurrency") or info.get("currency")
    return currency.upper() if isinstance(currency, str) and currency else None


def _capex_rows(
    ticker: str, freq: Freq, statement: pd.DataFrame | None, info: Mapping[str, Any]
) -> tuple[pd.DataFrame, str | None]:
    """The capex line as contract rows, or an empty frame and why there is none."""
    if statement is None or statement.empty:
        return pd.DataFrame(), f"no {freq} cash-flow statement from Yahoo Finance"
    raw = statement_line(statement, CAPEX_LINE)
    if raw is None:
        return pd.DataFrame(), f"the {freq} cash-flow statement has no {CAPEX_LINE!r} line"
    currency = reporting_currency(info)
    if currency is None:
        return pd.DataFrame(), NO_CURRENCY
    line = raw.dropna()
    if line.empty:
        return pd.DataFrame(), f"the {CAPEX_LINE!r} line is empty for every {freq} period"
    # a cash outflow in the statement; the tracker speaks of spend
    values = {"capex": -line.to_numpy(dtype="float64")}
    return statement_rows(ticker, freq, line.index, values, currency, "cash-flow"), None


def statement_rows(
    ticker: str,
    freq: Freq,
    periods: pd.Index,
    values: Mapping[str, np.ndarray],
    currency: str,
    page: str,
) -> pd.DataFrame:
    """One ticker's figures by period end as contract rows, sourced to its Yahoo ``page``.

    Capex and income rows differ only in their value columns; the period
    ends (naive dates), the currency and the link to the page the figures
    are on are built alike.
    """
    ends = pd.to_datetime(pd.Index(periods)).tz_localize(None).normalize()
    return pd.DataFrame(
        {
            "ticker": ticker,
            "freq": freq,
            "period_end": ends,
            **values,
            "currency": currency,
            "source": f"https://finance.yahoo.com/quote/{ticker}/{page}",
        }
    )


# --- record and replay at our seam -----------------------------------------------------------


def record(
    tickers: Sequence[str],
    directory: Path,
    *,
    cash_flow: CashFlowFetchFn = yfinance_cash_flow,
    info: InfoFetchFn = yfinance_info,
    synthetic: bool = False,
    note: str = "",
) -> Path:
    """Save what the seams return per ticker for :func:`replay`.

    Writes ``<TICKER>.cashflow.<freq>.csv`` (the statement as yfinance gives
    it), ``<TICKER>.info.json`` and ``meta.json`` (whether it is synthetic,
    when recorded). A ticker whose statement is empty gets no CSV, which is
    how replay reproduces "no cash-flow statement".
    """
    entries = record_statements(tickers, directory, cash_flow, "cashflow")
    for ticker in tickers:
        payload = dict(info(ticker))
        (directory / f"{ticker}.info.json").write_text(
            json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    meta = {
        "format": "yfinance get_cash_flow(pretty=True) as CSV and get_info() as JSON",
        "synthetic": synthetic,
        "note": note,
        "periods": entries,
    }
    return write_meta(directory, meta)


def replay(directory: Path) -> tuple[CashFlowFetchFn, InfoFetchFn, bool]:
    """The ``(cash_flow, info, synthetic)`` that serve :func:`record`'s files.

    A ticker without a statement file answers an empty frame, as yfinance
    does; without an info file, an empty dict.
    """
    meta_path = directory / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}

    def info(ticker: str) -> Mapping[str, Any]:
        path = directory / f"{ticker}.info.json"
        if not path.is_file():
            return {}
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded

    return replay_statements(directory, "cashflow"), info, bool(meta.get("synthetic", False))


def record_statements(
    tickers: Sequence[str], directory: Path, fetch: StatementFetchFn, stem: str
) -> dict[str, dict[str, int]]:
    """Save each ticker's statements as ``<TICKER>.<stem>.<freq>.csv``; periods per ticker and freq.

    A ticker whose statement is empty gets no CSV, which is how replay
    reproduces "no statement".
    """
    directory.mkdir(parents=True, exist_ok=True)
    periods: dict[str, dict[str, int]] = {}
    for ticker in tickers:
        entry: dict[str, int] = {}
        for freq in ("annual", "quarterly"):
            frame = fetch(ticker, freq)
            if frame is not None and not frame.empty:
                frame.to_csv(directory / f"{ticker}.{stem}.{freq}.csv", index_label="line")
            entry[freq] = 0 if frame is None else int(frame.shape[1])
        periods[ticker] = entry
    return periods


def replay_statements(directory: Path, stem: str) -> StatementFetchFn:
    """The statement seam serving :func:`record_statements`' files (empty frame when absent, as yfinance)."""

    def statement(ticker: str, freq: Freq) -> pd.DataFrame:
        path = directory / f"{ticker}.{stem}.{freq}.csv"
        if not path.is_file():
            return pd.DataFrame()
        frame = pd.read_csv(path, index_col="line")
        frame.columns = pd.to_datetime(frame.columns)
        return frame

    return statement
