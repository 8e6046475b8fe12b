"""Load revenue and net income from the run's fundamentals source, exactly as capex is loaded.

Same choice of source as ``loading.load_capex`` (a CSV file; ``demo`` and
``none`` give nothing; ``yahoo``; ``akshare``; ``auto`` = Yahoo, then AkShare
for the Hong Kong tickers Yahoo had no rows for), same failure handling
(annual first, quarterly for the tickers with annual rows, "no quarterly
periods" is not a failure; an unreachable source makes the statements
*unavailable* with a note; a ticker both sources failed on has one failure
naming both reasons) and the same recordings (``replay_dir`` holds Yahoo's
``<TICKER>.income.<freq>.csv`` beside the cash-flow files;
``akshare_replay_dir`` the ``利润表`` calls beside the cash-flow calls).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Final, Protocol

import pandas as pd

from themelens.data.fundamentals.akshare import AkshareFundamentals, hk_code
from themelens.data.fundamentals.akshare_income import AkshareIncome
from themelens.data.fundamentals.contracts import (
    Freq,
    IncomeStatements,
    empty_income,
    validate_income,
)
from themelens.data.fundamentals.csv import read_income_csv
from themelens.data.fundamentals.loading import DEMO_NOTE, FundamentalsSource
from themelens.data.fundamentals.yahoo import replay
from themelens.data.fundamentals.yahoo_income import YahooIncome, replay_income
from themelens.errors import Failure, OfflineError
from themelens.theme import Theme

__all__ = ["NO_SOURCE_NOTE", "load_income"]

NO_SOURCE_NOTE: Final = "income statements unavailable: no fundamentals source (use --csv FILE or the yahoo, akshare or auto provider)"  # fmt: skip


class _IncomeSource(Protocol):
    def income(self, tickers: Sequence[str], *, freq: Freq = "annual") -> IncomeStatements: ...


def _yahoo(replay_dir: Path | None) -> YahooIncome:
    if replay_dir is None:
        return YahooIncome()
    _, info, synthetic = replay(replay_dir)
    return YahooIncome(income=replay_income(replay_dir), info=info, synthetic=synthetic)


def _akshare(replay_dir: Path | None) -> AkshareIncome:
    if replay_dir is None:
        return AkshareIncome()
    recorded = AkshareFundamentals.from_recording(replay_dir)
    return AkshareIncome(recorded.client, synthetic=recorded.synthetic)


def _unavailable(note: str) -> IncomeStatements:
    return IncomeStatements(empty_income(), notes=(note,), available=False)


def _concat(*frames: pd.DataFrame) -> pd.DataFrame:
    parts = [f for f in frames if not f.empty]
    return validate_income(pd.concat(parts, ignore_index=True)) if parts else empty_income()


def _both_freqs(source: _IncomeSource, tickers: Sequence[str]) -> IncomeStatements:
    """Annual, then quarterly for the tickers with annual rows; "no quarterly" is not a failure."""
    annual = source.income(tickers, freq="annual")
    failed = {f.item for f in annual.failures}
    quarterly = source.income([t for t in tickers if t not in failed], freq="quarterly")
    failures = (*annual.failures, *(f for f in quarterly.failures if "no quarterly" not in f.reason))  # fmt: skip
    return IncomeStatements(
        _concat(annual.frame, quarterly.frame), failures, (*annual.notes, *quarterly.notes),
        synthetic=annual.synthetic or quarterly.synthetic,
    )  # fmt: skip


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
    if source == "csv" and csv_path is not None:
        loaded = read_income_csv(csv_path, theme=theme)
        wanted = set(tickers)
        frame = loaded.frame[loaded.frame["ticker"].isin(wanted)] if wanted else loaded.frame
        return IncomeStatements(validate_income(frame), loaded.failures, loaded.notes)
    if source == "demo":
        return _unavailable(DEMO_NOTE)
    if source == "none":
        return _unavailable(NO_SOURCE_NOTE)
    if source == "auto":
        yahoo = yahoo_source or _yahoo(replay_dir)
        return _auto(tickers, yahoo, akshare_source or _akshare(akshare_replay_dir))
    one: _IncomeSource = (
        akshare_source or _akshare(akshare_replay_dir)
        if source == "akshare"
        else yahoo_source or _yahoo(replay_dir)
    )
    try:
        return _both_freqs(one, tickers)
    except OfflineError as exc:
        return _unavailable(f"income statements unavailable: {exc}")


def _auto(tickers: Sequence[str], yahoo: YahooIncome, akshare: AkshareIncome) -> IncomeStatements:
    """Yahoo, then AkShare for the Hong Kong tickers Yahoo had no rows for."""
    why = ""
    try:
        first: IncomeStatements | None = _both_freqs(yahoo, tickers)
    except OfflineError as exc:
        first, why = None, f"Yahoo Finance unreachable ({exc})"
    served = set(first.frame["ticker"]) if first is not None else set()
    retry = [t for t in tickers if t not in served and hk_code(t) is not None]
    if first is not None and not retry:
        return first
    try:
        second = _both_freqs(akshare, retry)
    except OfflineError as exc:
        if first is None:
            return _unavailable(f"income statements unavailable: {why}; AkShare unreachable ({exc})")  # fmt: skip
        note = f"AkShare unreachable ({exc}): no second source for {', '.join(retry)}"
        return replace(first, notes=(*first.notes, note))
    if first is None:
        note = f"{why}: income statements from AkShare, which covers Hong Kong listings only"
        others = [Failure(t, f"{why}; AkShare covers Hong Kong listings only") for t in tickers if hk_code(t) is None]  # fmt: skip
        return replace(second, failures=(*others, *second.failures), notes=(note, *second.notes))
    yahoo_why = {f.item: f.reason for f in first.failures if f.item in retry}
    failures = [f for f in first.failures if f.item not in yahoo_why]
    for f in second.failures:
        earlier = yahoo_why.get(f.item)
        failures.append(Failure(f.item, f"yahoo: {earlier}; akshare: {f.reason}") if earlier else f)
    found = sorted(set(second.frame["ticker"]))
    notes = [f"income statements from AkShare where Yahoo Finance had none: {', '.join(found)}"] if found else []  # fmt: skip
    return IncomeStatements(
        _concat(first.frame, second.frame), tuple(failures), (*first.notes, *notes, *second.notes),
        synthetic=first.synthetic or second.synthetic,
    )  # fmt: skip
