"""Fundamentals sources: capex from cash-flow statements and P/E valuation.

Four sources, one shape (``contracts``):

- ``yahoo`` — yfinance's cash-flow statement ("Capital Expenditure") and
  ``info`` P/E snapshot, through injectable fetch seams with record/replay;
- ``akshare`` — Eastmoney's Hong Kong cash-flow statements (capex lines,
  quarters derived from cumulative figures) and Baidu's trailing P/E
  history, through the shared ``AkshareClient`` with record/replay;
- ``csv`` — capex and valuation-history imports, the offline source;
- ``reported`` — the theme's own press-reported ``forward_pe`` facts.

The synthetic demo market has no fundamentals: commands run with ``--demo``
say statement figures are unavailable rather than invent them.
"""

from __future__ import annotations

from themelens.data.fundamentals.akshare import AkshareFundamentals, hk_code
from themelens.data.fundamentals.contracts import (
    CAPEX_COLUMNS,
    VALUATION_COLUMNS,
    CapexStatements,
    Freq,
    ValuationData,
    empty_capex,
    empty_valuation,
    validate_capex,
    validate_valuation,
)
from themelens.data.fundamentals.csv import read_capex_csv, read_valuation_csv
from themelens.data.fundamentals.loading import (
    DEMO_NOTE,
    FundamentalsSource,
    load_capex,
    load_valuation,
    pick_source,
)
from themelens.data.fundamentals.reported import REPORTED_PROVIDER, reported_valuation
from themelens.data.fundamentals.yahoo import YahooFundamentals, record, replay

__all__ = [
    "CAPEX_COLUMNS",
    "DEMO_NOTE",
    "REPORTED_PROVIDER",
    "VALUATION_COLUMNS",
    "AkshareFundamentals",
    "CapexStatements",
    "Freq",
    "FundamentalsSource",
    "ValuationData",
    "YahooFundamentals",
    "empty_capex",
    "empty_valuation",
    "hk_code",
    "load_capex",
    "load_valuation",
    "pick_source",
    "read_capex_csv",
    "read_valuation_csv",
    "record",
    "replay",
    "reported_valuation",
    "validate_capex",
    "validate_valuation",
]
