"""The frames fundamentals travel in: capex and income statements, valuation observations.

Like prices (``data.contracts``), fundamentals move as long frames with the
provenance of every row, so a capex figure in a report can be traced to the
statement (or CSV file) it came from.

Capex statements (:data:`CAPEX_COLUMNS`)
    one row per ticker, frequency and fiscal period: ``period_end`` (naive
    date), ``capex`` (spend as a *positive* amount in the reporting
    ``currency``; yfinance reports it as a negative cash flow).
Income statements (:data:`INCOME_COLUMNS`)
    one row per ticker, frequency and fiscal period: ``revenue`` (total
    revenue) and ``net_income`` (attributable to shareholders; negative for a
    loss) in the reporting ``currency``; either may be NaN ("not reported"),
    never both.
Valuation (:data:`VALUATION_COLUMNS`)
    one row per ticker and observation date: ``pe_fwd`` and ``pe_trailing``
    (multiples), ``eps_fwd`` (forward earnings per share) and ``price`` when
    the source gives them; a missing value is NaN, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, TypedDict

import numpy as np
import pandas as pd

from themelens.errors import Failure

__all__ = [
    "CAPEX_COLUMNS",
    "INCOME_COLUMNS",
    "VALUATION_COLUMNS",
    "CapexStatements",
    "Carried",
    "Freq",
    "IncomeStatements",
    "ValuationData",
    "empty_capex",
    "empty_income",
    "empty_valuation",
    "validate_capex",
    "validate_income",
    "validate_valuation",
]

Freq = Literal["annual", "quarterly"]

CAPEX_COLUMNS: Final = (
    "ticker", "freq", "period_end", "capex", "currency", "provider", "source", "fetched_at",
)  # fmt: skip
INCOME_COLUMNS: Final = (
    "ticker", "freq", "period_end", "revenue", "net_income", "currency", "provider", "source",
    "fetched_at",
)  # fmt: skip
VALUATION_COLUMNS: Final = (
    "date", "ticker", "pe_fwd", "pe_trailing", "eps_fwd", "price", "provider", "source",
)  # fmt: skip
_VALUATION_FLOATS: Final = ("pe_fwd", "pe_trailing", "eps_fwd", "price")


def empty_capex() -> pd.DataFrame:
    """A zero-row capex frame with the contract's columns and dtypes."""
    return validate_capex(pd.DataFrame({c: [] for c in CAPEX_COLUMNS}))


def empty_income() -> pd.DataFrame:
    """A zero-row income-statement frame with the contract's columns and dtypes."""
    return validate_income(pd.DataFrame({c: [] for c in INCOME_COLUMNS}))


def empty_valuation() -> pd.DataFrame:
    """A zero-row valuation frame with the contract's columns and dtypes."""
    return validate_valuation(pd.DataFrame({c: [] for c in VALUATION_COLUMNS}))


def validate_capex(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` coerced to :data:`CAPEX_COLUMNS`, sorted, or ``ValueError`` saying why.

    Rows without a capex figure are dropped (a NaN cell is "not reported", and
    keeping it would invite a zero later); duplicate ``(ticker, freq,
    period_end)`` rows are an error.
    """
    return _validate_statement(frame, CAPEX_COLUMNS, ("capex",), "capex", "capex")


def validate_income(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` coerced to :data:`INCOME_COLUMNS`, sorted, or ``ValueError`` saying why.

    A row with neither figure is dropped (nothing was reported, and keeping
    it would invite a zero later); duplicate ``(ticker, freq, period_end)``
    rows are an error, as for capex.
    """
    return _validate_statement(
        frame, INCOME_COLUMNS, ("revenue", "net_income"), "income", "income statement"
    )


def _validate_statement(
    frame: pd.DataFrame, columns: tuple[str, ...], figures: tuple[str, ...], name: str, one: str
) -> pd.DataFrame:
    """The statement contracts' shared rules: ``figures`` non-finite → NaN, a row needs one.

    ``name`` is how a missing column is reported (``"capex frame lacks…"``),
    ``one`` how a duplicate is (``"duplicate annual capex for…"``).
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} frame lacks columns {missing}")
    out = frame.loc[:, list(columns)].copy()
    out["period_end"] = pd.to_datetime(out["period_end"]).astype("datetime64[ns]")
    out["fetched_at"] = pd.to_datetime(out["fetched_at"]).astype("datetime64[ns]")
    for c in figures:
        values = pd.to_numeric(out[c], errors="coerce").astype("float64")
        out[c] = values.where(np.isfinite(values.to_numpy()))
    for c in ("ticker", "freq", "currency", "provider", "source"):
        out[c] = out[c].astype(object)
    out = out.loc[out[list(figures)].notna().any(axis=1)]
    out = out.sort_values(["ticker", "freq", "period_end"], kind="mergesort")
    out = out.reset_index(drop=True)
    dup = out.duplicated(["ticker", "freq", "period_end"])
    if dup.any():
        row = out.iloc[int(np.argmax(dup.to_numpy()))]
        raise ValueError(f"duplicate {row['freq']} {one} for {row['ticker']} {row['period_end']:%Y-%m-%d}")  # fmt: skip
    checked: pd.DataFrame = out
    return checked


def validate_valuation(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` coerced to :data:`VALUATION_COLUMNS` (missing value columns become NaN)."""
    for c in ("date", "ticker"):
        if c not in frame.columns:
            raise ValueError(f"valuation frame lacks column {c!r}")
    out = frame.copy()
    for c in _VALUATION_FLOATS:
        out[c] = pd.to_numeric(out[c], errors="coerce") if c in out.columns else np.nan
        out[c] = out[c].astype("float64")
    for c in ("provider", "source"):
        out[c] = out[c].astype(object) if c in out.columns else None
    out["date"] = pd.to_datetime(out["date"]).dt.normalize().astype("datetime64[ns]")
    out["ticker"] = out["ticker"].astype(str)
    out = out.loc[:, list(VALUATION_COLUMNS)]
    out = out.sort_values(["ticker", "date"], kind="mergesort").reset_index(drop=True)
    dup = out.duplicated(["ticker", "date"])
    if dup.any():
        row = out.iloc[int(np.argmax(dup.to_numpy()))]
        raise ValueError(f"duplicate valuation row for {row['ticker']} on {row['date']:%Y-%m-%d}")
    return out


@dataclass(frozen=True)
class _Batch:
    """Rows for a batch of tickers, the tickers that failed and why, and notes.

    The three fundamentals results carry the same five fields with the same
    meaning (only the frame's contract differs), so they are declared once
    here; each result is its own class so a function says which it returns.
    ``synthetic`` is True when the rows are invented (a synthetic recording);
    ``available`` is False when no source could answer at all (offline, or the
    demo market), which ``notes`` then explains.
    """

    frame: pd.DataFrame
    failures: tuple[Failure, ...] = ()
    notes: tuple[str, ...] = ()
    synthetic: bool = False
    available: bool = True

    def carried(self) -> Carried:
        """What a result computed from these rows carries over: notes as its warnings."""
        return {"warnings": self.notes, "failures": self.failures, "synthetic": self.synthetic}


class Carried(TypedDict):
    """``**batch.carried()``: the keywords ``track_capex`` and ``compare_valuation`` take from it."""

    warnings: tuple[str, ...]
    failures: tuple[Failure, ...]
    synthetic: bool


@dataclass(frozen=True)
class CapexStatements(_Batch):
    """Capex rows for a batch of tickers, with failures and notes (fields as ``_Batch``)."""


@dataclass(frozen=True)
class ValuationData(_Batch):
    """Valuation observations for a batch, with failures and notes (as :class:`CapexStatements`)."""


@dataclass(frozen=True)
class IncomeStatements(_Batch):
    """Income-statement rows for a batch, with failures and notes (as :class:`CapexStatements`)."""
