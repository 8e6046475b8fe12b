"""Load revenue and net income from the run's fundamentals source, exactly as capex is loaded.

Same choice of source as ``loading.load_capex`` (a CSV file; ``demo`` and
``none`` give nothing; ``yahoo``; ``akshare``; ``auto`` = each ticker's
providers as the theme routes it, which for the built-in theme is Yahoo, then
AkShare for the Hong Kong tickers Yahoo had no rows for), same failure handling
(annual first, quarterly for the tickers with annual rows, "no quarterly
periods" is not a failure; an unreachable source makes the statements
*unavailable* with a note; a ticker both sources failed on has one failure
naming both reasons) and the same recordings (``replay_dir`` holds Yahoo's
``<TICKER>.income.<freq>.csv`` beside the cash-flow files;
``akshare_replay_dir`` the ``利润表`` calls beside the cash-flow calls).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from themelens.data.fundamentals._statement_loading import StatementKind, load_statements
from themelens.data.fundamentals.akshare_income import AkshareIncome
from themelens.data.fundamentals.contracts import (
    IncomeStatements,
    empty_income,
    validate_income,
)
from themelens.data.fundamentals.csv import read_income_csv
from themelens.data.fundamentals.loading import FundamentalsSource
from themelens.data.fundamentals.registry import FUNDAMENTALS
from themelens.data.fundamentals.yahoo_income import YahooIncome
from themelens.theme import Theme

__all__ = ["NO_SOURCE_NOTE", "load_income"]

NO_SOURCE_NOTE: Final = "income statements unavailable: no fundamentals source (use --csv FILE or the yahoo, akshare or auto provider)"  # fmt: skip


_INCOME: Final = StatementKind(
    make=IncomeStatements,
    validate=validate_income,
    empty=empty_income,
    unavailable="income statements unavailable",
    from_second="income statements",
    found="income statements from {second} where {first} had none",
    no_source=NO_SOURCE_NOTE,
)


def load_income(
    tickers: Sequence[str],
    *,
    source: FundamentalsSource,
    theme: Theme | None = None,
    csv_path: Path | None = None,
    replay_dir: Path | None = None,
    akshare_replay_dir: Path | None = None,
    yahoo_source: YahooIncome | None = None,
    akshare_source: AkshareIncome | None = None,
) -> IncomeStatements:
    """Annual and quarterly revenue and net income for ``tickers`` from ``source``.

    Parameters are those of ``loading.load_capex``; ``csv_path`` is an
    income-statement CSV (``csv.read_income_csv``). Raises
    ``CsvFormatError`` for a bad CSV; Yahoo's ``RateLimitedError`` propagates.
    """
    return load_statements(
        _INCOME,
        tickers,
        source=source,
        read_csv=(lambda: read_income_csv(csv_path, theme=theme)) if csv_path is not None else None,
        readers={
            "yahoo": lambda: (yahoo_source or FUNDAMENTALS["yahoo"].income(replay_dir)).income,
            "akshare": lambda: (akshare_source or FUNDAMENTALS["akshare"].income(akshare_replay_dir)).income,
        },
        theme=theme,
    )  # fmt: skip
