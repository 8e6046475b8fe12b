"""Pick the fundamentals source for a run and load from it, degrading to a marked gap.

The CLI and the pipeline ask the same question — "capex (or P/E) for these
tickers, from where the user said" — and get the same answer:

- a CSV file given → the CSV import;
- the ``demo`` provider → no statements ("the demo market has no
  fundamentals"), valuation from the theme's press-reported facts;
- otherwise Yahoo Finance (or a recording of it); when Yahoo cannot be
  reached, capex becomes *unavailable* and valuation falls back to the
  press-reported facts, each with a note saying so. Nothing becomes a zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final, Literal

import pandas as pd

from themelens.data.fundamentals.contracts import (
    CapexStatements,
    ValuationData,
    empty_capex,
    validate_capex,
)
from themelens.data.fundamentals.csv import read_capex_csv, read_valuation_csv
from themelens.data.fundamentals.reported import reported_valuation
from themelens.data.fundamentals.yahoo import YahooFundamentals, replay
from themelens.errors import OfflineError, RateLimitedError
from themelens.theme import Theme

__all__ = ["DEMO_NOTE", "FundamentalsSource", "load_capex", "load_valuation", "pick_source"]

FundamentalsSource = Literal["yahoo", "csv", "demo", "none"]
DEMO_NOTE: Final = (
    "statement figures are unavailable offline: the synthetic demo market has no fundamentals"
)


def pick_source(provider: str, csv_path: Path | None) -> FundamentalsSource:
    """``csv`` when a file is given, ``demo`` for the demo provider, ``yahoo`` for yahoo, else none."""
    if csv_path is not None:
        return "csv"
    if provider in ("demo", "yahoo"):
        return "demo" if provider == "demo" else "yahoo"
    return "none"


def _yahoo(replay_dir: Path | None) -> YahooFundamentals:
    if replay_dir is None:
        return YahooFundamentals()
    cash_flow, info, synthetic = replay(replay_dir)
    return YahooFundamentals(cash_flow=cash_flow, info=info, synthetic=synthetic)


def load_capex(
    tickers: Sequence[str],
    *,
    source: FundamentalsSource,
    theme: Theme | None = None,
    csv_path: Path | None = None,
    replay_dir: Path | None = None,
) -> CapexStatements:
    """Annual and quarterly capex for ``tickers`` from ``source`` (module docstring for the rules).

    Raises ``CsvFormatError`` for a bad CSV; ``RateLimitedError`` propagates
    (waiting helps, a fallback would hide it).
    """
    if source == "csv" and csv_path is not None:
        loaded = read_capex_csv(csv_path, theme=theme)
        wanted = set(tickers)
        frame = loaded.frame[loaded.frame["ticker"].isin(wanted)] if wanted else loaded.frame
        return CapexStatements(validate_capex(frame), loaded.failures, loaded.notes)
    if source == "demo":
        return CapexStatements(empty_capex(), notes=(DEMO_NOTE,), available=False)
    if source == "none":
        note = "statement figures unavailable: no fundamentals source (use --csv FILE or the yahoo provider)"  # fmt: skip
        return CapexStatements(empty_capex(), notes=(note,), available=False)
    yahoo = _yahoo(replay_dir)
    try:
        annual = yahoo.capex(tickers, freq="annual")
        quarterly = yahoo.capex([t for t in tickers if t not in {f.item for f in annual.failures}], freq="quarterly")  # fmt: skip
    except OfflineError as exc:
        return CapexStatements(empty_capex(), notes=(f"statement figures unavailable: {exc}",), available=False)  # fmt: skip
    parts = [f for f in (annual.frame, quarterly.frame) if not f.empty]
    frame = validate_capex(pd.concat(parts, ignore_index=True)) if parts else empty_capex()
    failures = (*annual.failures, *(f for f in quarterly.failures if "no quarterly" not in f.reason))  # fmt: skip
    return CapexStatements(frame, failures, synthetic=annual.synthetic)


def load_valuation(
    tickers: Sequence[str],
    *,
    source: FundamentalsSource,
    theme: Theme,
    csv_path: Path | None = None,
    replay_dir: Path | None = None,
) -> tuple[ValuationData, bool]:
    """Valuation for ``tickers`` and whether it is press-reported (the theme's facts)."""
    if source == "csv" and csv_path is not None:
        return read_valuation_csv(csv_path, theme=theme), False
    if source in ("demo", "none"):
        return reported_valuation(theme), True
    try:
        return _yahoo(replay_dir).valuation(tickers), False
    except (OfflineError, RateLimitedError) as exc:
        fallback = reported_valuation(theme)
        notes = (f"Yahoo Finance unavailable ({exc}); showing press-reported figures", *fallback.notes)  # fmt: skip
        return ValuationData(fallback.frame, notes=notes), True
