"""CSV imports of capex and income statements and valuation history (the offline source).

Capex CSV (one row per ticker and fiscal period)::

    ticker,period_end,capex,currency[,freq][,source]
    9988.HK,2025-03-31,85972000000,CNY,annual,Alibaba annual report FY2025

Income-statement CSV (one row per ticker and fiscal period; at least one of
``revenue`` and ``net_income``, which may be negative for a loss)::

    ticker,period_end,currency,revenue,net_income[,freq][,source]

Valuation CSV (one row per ticker and date; at least one of the P/E columns)::

    date,ticker,pe_fwd[,pe_trailing][,eps_fwd][,price][,source]

``ticker`` may be any name the theme resolves (``alibaba``, ``阿里巴巴``,
``9988.HK``); it is stored as the primary ticker. ``capex`` is spend as a
positive amount (statements print it negative; a negative value here is an
error rather than a silent sign flip). Empty cells are "not reported" (NaN),
never zero. Every fault is a ``CsvFormatError`` naming the file and the row
(1-based, the header is row 1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from themelens.data.fundamentals.contracts import (
    CapexStatements,
    IncomeStatements,
    ValuationData,
    validate_capex,
    validate_income,
    validate_valuation,
)
from themelens.errors import CsvFormatError
from themelens.theme import Theme

__all__ = ["read_capex_csv", "read_income_csv", "read_valuation_csv"]

_CURRENCY: Final = re.compile(r"^[A-Z]{3}$")
_TICKER: Final = re.compile(r"^\^?[A-Z0-9][A-Z0-9.=\-]*$")
_PE_COLUMNS: Final = ("pe_fwd", "pe_trailing")
_FREQS: Final = frozenset({"annual", "quarterly"})


def _read(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise CsvFormatError("file not found", path=path) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CsvFormatError(f"cannot parse: {str(exc).splitlines()[0]}", path=path) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise CsvFormatError(f"column {missing[0]!r} missing (have: {', '.join(frame.columns)})", path=path)  # fmt: skip
    if frame.empty:
        raise CsvFormatError("no rows", path=path)
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    return frame


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """A column as floats; empty cells NaN; anything else unreadable is an error naming the row."""
    text = frame[column]
    values = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    bad = values.isna() & (text != "")
    if bad.any():
        row = int(np.argmax(bad.to_numpy()))
        raise CsvFormatError(f"{column} {text.iloc[row]!r} is not a number", path=path, row=row + 2)
    return values.astype("float64")


def _dates(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    values = pd.to_datetime(frame[column], format="%Y-%m-%d", errors="coerce")
    if values.isna().any():
        row = int(np.argmax(values.isna().to_numpy()))
        got = frame[column].iloc[row]
        raise CsvFormatError(f"{column} {got!r} is not a date (YYYY-MM-DD)", path=path, row=row + 2)
    return values


def _tickers(frame: pd.DataFrame, path: Path, theme: Theme | None) -> pd.Series:
    out = []
    for row, name in enumerate(frame["ticker"], start=2):
        found = theme.resolve(name) if theme is not None and name else None
        if found is not None:
            out.append(found.ticker)
        elif _TICKER.match(name.upper()) and not name.islower():
            out.append(name.upper())
        else:
            raise CsvFormatError(f"ticker {name!r} is neither a ticker nor a theme entity", path=path, row=row)  # fmt: skip
    return pd.Series(out, index=frame.index, dtype=object)


def _currency_and_freq(frame: pd.DataFrame, path: Path) -> tuple[pd.Series, pd.Series]:
    """The ``currency`` column upper-cased and ``freq`` (default annual), or the row at fault."""
    currency = frame["currency"].str.upper()
    bad = ~currency.str.match(_CURRENCY)
    if bad.any():
        row = int(np.argmax(bad.to_numpy()))
        raise CsvFormatError(f"currency {frame['currency'].iloc[row]!r} is not an ISO 4217 code", path=path, row=row + 2)  # fmt: skip
    freq = frame["freq"].str.lower() if "freq" in frame.columns else pd.Series("annual", index=frame.index)  # fmt: skip
    freq = freq.replace("", "annual")
    bad = ~freq.isin(_FREQS)
    if bad.any():
        row = int(np.argmax(bad.to_numpy()))
        raise CsvFormatError(f"freq {freq.iloc[row]!r} is not annual or quarterly", path=path, row=row + 2)  # fmt: skip
    return currency, freq


def read_capex_csv(path: Path | str, *, theme: Theme | None = None) -> CapexStatements:
    """Capex rows from a CSV (layout in the module docstring).

    Notes
    -----
    Rows with an empty capex cell are left out and counted in ``notes``:
    "not reported" must not turn into a zero in a group total.
    """
    path = Path(path)
    frame = _read(path, ("ticker", "period_end", "capex", "currency"))
    capex = _numbers(frame, "capex", path)
    negative = (capex < 0).to_numpy()
    if negative.any():
        row = int(np.argmax(negative)) + 2
        raise CsvFormatError("capex is negative; give spend as a positive amount", path=path, row=row)  # fmt: skip
    currency, freq = _currency_and_freq(frame, path)
    rows, notes = _statement_rows(frame, path, theme, currency, freq, {"capex": capex}, validate_capex, "capex")  # fmt: skip
    return CapexStatements(rows, (), notes)


def read_income_csv(path: Path | str, *, theme: Theme | None = None) -> IncomeStatements:
    """Revenue and net income rows from a CSV (layout in the module docstring).

    Notes
    -----
    A row with both figures empty is left out and counted in ``notes``, as
    for capex: "not reported" must not become a zero.
    """
    path = Path(path)
    frame = _read(path, ("ticker", "period_end", "currency"))
    if not any(c in frame.columns for c in ("revenue", "net_income")):
        raise CsvFormatError("needs a revenue or net_income column", path=path)
    currency, freq = _currency_and_freq(frame, path)
    nan = pd.Series(np.nan, index=frame.index, dtype="float64")
    figures = {c: _numbers(frame, c, path) if c in frame.columns else nan for c in ("revenue", "net_income")}  # fmt: skip
    rows, notes = _statement_rows(frame, path, theme, currency, freq, figures, validate_income, "revenue or net income")  # fmt: skip
    return IncomeStatements(rows, (), notes)


def read_valuation_csv(path: Path | str, *, theme: Theme | None = None) -> ValuationData:
    """Valuation history from a CSV (layout in the module docstring); empty cells are NaN."""
    path = Path(path)
    frame = _read(path, ("date", "ticker"))
    if not any(c in frame.columns for c in _PE_COLUMNS):
        raise CsvFormatError("needs a pe_fwd or pe_trailing column", path=path)
    rows = pd.DataFrame(
        {"date": _dates(frame, "date", path), "ticker": _tickers(frame, path, theme)}
    )
    for column in (*_PE_COLUMNS, "eps_fwd", "price"):
        if column in frame.columns:
            rows[column] = _numbers(frame, column, path)
    rows["provider"] = "csv"
    rows["source"] = _sources(frame, path)
    return ValuationData(_validated(validate_valuation, rows, path))


def _sources(frame: pd.DataFrame, path: Path) -> list[str]:
    """Each row's ``source`` cell, or the file itself where the cell is empty or absent."""
    source = frame["source"] if "source" in frame.columns else pd.Series("", index=frame.index)
    return [s or str(path) for s in source]


def _validated(
    validate: Callable[[pd.DataFrame], pd.DataFrame], rows: pd.DataFrame, path: Path
) -> pd.DataFrame:
    """``validate(rows)``, a contract breach reported as the file's format error."""
    try:
        return validate(rows)
    except ValueError as exc:
        raise CsvFormatError(str(exc), path=path) from None


def _statement_rows(
    frame: pd.DataFrame,
    path: Path,
    theme: Theme | None,
    currency: pd.Series,
    freq: pd.Series,
    figures: Mapping[str, pd.Series],
    validate: Callable[[pd.DataFrame], pd.DataFrame],
    what: str,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Statement rows (capex, or revenue and net income) and a note counting the figureless ones.

    Capex and income files differ only in their figure columns; a row with
    none of them is left out by ``validate`` and counted here, so "not
    reported" never passes silently (nor becomes a zero). Callers parse the
    figures, currency and freq first, so a file's first error stays the one
    it always was.
    """
    rows = pd.DataFrame(
        {
            "ticker": _tickers(frame, path, theme),
            "freq": freq,
            "period_end": _dates(frame, "period_end", path),
            **figures,
            "currency": currency,
            "provider": "csv",
            "source": _sources(frame, path),
            "fetched_at": datetime.now(UTC).replace(tzinfo=None),
        }
    )
    empty = int(rows[list(figures)].isna().all(axis=1).sum())
    notes = (f"{path.name}: {empty} row(s) without a {what} figure left out",) if empty else ()
    return _validated(validate, rows, path), notes
