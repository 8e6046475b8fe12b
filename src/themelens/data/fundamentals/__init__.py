"""Fundamentals sources: capex, revenue and net income from statements, P/E, southbound flows.

Four sources, one shape (``contracts``):

- ``yahoo`` — yfinance's cash-flow statement ("Capital Expenditure") and
  ``info`` P/E snapshot, through injectable fetch seams with record/replay;
- ``akshare`` — Eastmoney's Hong Kong cash-flow statements (capex lines,
  quarters derived from cumulative figures) and Baidu's trailing P/E
  history, through the shared ``AkshareClient`` with record/replay;
- ``csv`` — capex and valuation-history imports, the offline source;
- ``reported`` — the theme's own press-reported ``forward_pe`` facts.

Revenue and net income (``yahoo_income``, ``akshare_income``, ``csv``,
``income_loading``) follow capex exactly: same sources, same failures, same
recordings. Southbound Stock Connect net buying (``southbound``) comes from
AkShare only.

The synthetic demo market has no fundamentals: commands run with ``--demo``
say statement figures are unavailable rather than invent them.
"""

from __future__ import annotations

from themelens.data.fundamentals.akshare import AkshareFundamentals, hk_code
from themelens.data.fundamentals.akshare_income import AkshareIncome
from themelens.data.fundamentals.contracts import (
    CAPEX_COLUMNS,
    INCOME_COLUMNS,
    VALUATION_COLUMNS,
    CapexStatements,
    Freq,
    IncomeStatements,
    ValuationData,
    empty_capex,
    empty_income,
    empty_valuation,
    validate_capex,
    validate_income,
    validate_valuation,
)
from themelens.data.fundamentals.csv import read_capex_csv, read_income_csv, read_valuation_csv
from themelens.data.fundamentals.income_loading import load_income
from themelens.data.fundamentals.loading import (
    DEMO_NOTE,
    FundamentalsSource,
    load_capex,
    load_valuation,
    pick_source,
)
from themelens.data.fundamentals.reported import REPORTED_PROVIDER, reported_valuation
from themelens.data.fundamentals.southbound import (
    FLOW_COLUMNS,
    SOUTHBOUND_CURRENCY,
    FlowData,
    empty_flows,
    load_southbound_flows,
)
from themelens.data.fundamentals.yahoo import YahooFundamentals, record, replay
from themelens.data.fundamentals.yahoo_income import YahooIncome, record_income, replay_income

__all__ = [
    "CAPEX_COLUMNS",
    "DEMO_NOTE",
    "FLOW_COLUMNS",
    "INCOME_COLUMNS",
    "REPORTED_PROVIDER",
    "SOUTHBOUND_CURRENCY",
    "VALUATION_COLUMNS",
    "AkshareFundamentals",
    "AkshareIncome",
    "CapexStatements",
    "FlowData",
    "Freq",
    "FundamentalsSource",
    "IncomeStatements",
    "ValuationData",
    "YahooFundamentals",
    "YahooIncome",
    "empty_capex",
    "empty_flows",
    "empty_income",
    "empty_valuation",
    "hk_code",
    "load_capex",
    "load_income",
    "load_southbound_flows",
    "load_valuation",
    "pick_source",
    "read_capex_csv",
    "read_income_csv",
    "read_valuation_csv",
    "record",
    "record_income",
    "replay",
    "replay_income",
    "reported_valuation",
    "validate_capex",
    "validate_income",
    "validate_valuation",
]
