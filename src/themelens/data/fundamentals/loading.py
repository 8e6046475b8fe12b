"""Pick the fundamentals source for a run and load from it, degrading to a marked gap.

The CLI and the pipeline ask the same question — "capex (or P/E) for these
tickers, from where the user said" — and get the same answer:

- a CSV file given → the CSV import;
- the ``demo`` provider → no statements ("the demo market has no
  fundamentals"), valuation from the theme's press-reported facts;
- ``yahoo`` → Yahoo Finance (or a recording of it); ``akshare`` → AkShare
  (Eastmoney statements, Baidu P/E history; Hong Kong listings only);
- ``auto`` → Yahoo first, then AkShare for the Hong Kong tickers Yahoo gave
  nothing for (all of them when Yahoo cannot be reached); a ticker both
  failed on has one failure naming both reasons.

When no source can be reached, capex becomes *unavailable* and valuation
falls back to the press-reported facts, each with a note saying so. Nothing
becomes a zero. Yahoo's rate limit propagates from ``load_capex`` (waiting
helps; a fallback would hide it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Final, Literal, Protocol

import pandas as pd

from themelens.data.fundamentals.akshare import AkshareFundamentals, hk_code
from themelens.data.fundamentals.contracts import (
    CapexStatements,
    Freq,
    ValuationData,
    empty_capex,
    validate_capex,
    validate_valuation,
)
from themelens.data.fundamentals.csv import read_capex_csv, read_valuation_csv
from themelens.data.fundamentals.reported import reported_valuation
from themelens.data.fundamentals.yahoo import YahooFundamentals, replay
from themelens.errors import Failure, OfflineError, RateLimitedError
from themelens.theme import Theme

__all__ = ["DEMO_NOTE", "FundamentalsSource", "load_capex", "load_valuation", "pick_source"]

FundamentalsSource = Literal["yahoo", "akshare", "auto", "csv", "demo", "none"]
DEMO_NOTE: Final = (
    "statement figures are unavailable offline: the synthetic demo market has no fundamentals"
)
_BY_PROVIDER: Final[dict[str, FundamentalsSource]] = {
    "demo": "demo", "yahoo": "yahoo", "akshare": "akshare", "auto": "auto",
}  # fmt: skip


class _StatementSource(Protocol):
    def capex(self, tickers: Sequence[str], *, freq: Freq = "annual") -> CapexStatements: ...


def pick_source(provider: str, csv_path: Path | None) -> FundamentalsSource:
    """``csv`` when a file is given; ``demo``, ``yahoo``, ``akshare``, ``auto`` by provider; else none."""
    if csv_path is not None:
        return "csv"
    return _BY_PROVIDER.get(provider, "none")


def _yahoo(replay_dir: Path | None) -> YahooFundamentals:
    if replay_dir is None:
        return YahooFundamentals()
    cash_flow, info, synthetic = replay(replay_dir)
    return YahooFundamentals(cash_flow=cash_flow, info=info, synthetic=synthetic)


def _akshare(replay_dir: Path | None) -> AkshareFundamentals:
    return AkshareFundamentals() if replay_dir is None else AkshareFundamentals.from_recording(replay_dir)  # fmt: skip


def _unavailable(note: str) -> CapexStatements:
    return CapexStatements(empty_capex(), notes=(note,), available=False)


def _both_freqs(source: _StatementSource, tickers: Sequence[str]) -> CapexStatements:
    """Annual, then quarterly for the tickers with annual rows; "no quarterly" is not a failure."""
    annual = source.capex(tickers, freq="annual")
    failed = {f.item for f in annual.failures}
    quarterly = source.capex([t for t in tickers if t not in failed], freq="quarterly")
    parts = [f for f in (annual.frame, quarterly.frame) if not f.empty]
    frame = validate_capex(pd.concat(parts, ignore_index=True)) if parts else empty_capex()
    failures = (*annual.failures, *(f for f in quarterly.failures if "no quarterly" not in f.reason))  # fmt: skip
    synthetic = annual.synthetic or quarterly.synthetic
    return CapexStatements(frame, failures, (*annual.notes, *quarterly.notes), synthetic)


def load_capex(
    tickers: Sequence[str],
    *,
    source: FundamentalsSource,
    theme: Theme | None = None,
    csv_path: Path | None = None,
    replay_dir: Path | None = None,
    akshare_replay_dir: Path | None = None,
    yahoo_source: YahooFundamentals | None = None,
    akshare_source: AkshareFundamentals | None = None,
) -> CapexStatements:
    """Annual and quarterly capex for ``tickers`` from ``source`` (module docstring for the rules).

    Parameters
    ----------
    replay_dir, akshare_replay_dir
        Recordings to replay Yahoo's and AkShare's answers from (tests, CLI).
    yahoo_source, akshare_source
        Ready-made sources, which win over the replay directories (the test
        seam for sources that fail as a live one would).

    Raises ``CsvFormatError`` for a bad CSV; ``RateLimitedError`` propagates.
    """
    if source == "csv" and csv_path is not None:
        loaded = read_capex_csv(csv_path, theme=theme)
        wanted = set(tickers)
        frame = loaded.frame[loaded.frame["ticker"].isin(wanted)] if wanted else loaded.frame
        return CapexStatements(validate_capex(frame), loaded.failures, loaded.notes)
    if source == "demo":
        return _unavailable(DEMO_NOTE)
    if source == "none":
        return _unavailable("statement figures unavailable: no fundamentals source (use --csv FILE or the yahoo, akshare or auto provider)")  # fmt: skip
    if source == "auto":
        yahoo, akshare = yahoo_source or _yahoo(replay_dir), akshare_source or _akshare(akshare_replay_dir)  # fmt: skip
        return _auto_capex(tickers, yahoo, akshare)
    # "csv" without a file reads Yahoo, as it always has
    one: _StatementSource = (
        akshare_source or _akshare(akshare_replay_dir)
        if source == "akshare"
        else yahoo_source or _yahoo(replay_dir)
    )
    try:
        return _both_freqs(one, tickers)
    except OfflineError as exc:
        return _unavailable(f"statement figures unavailable: {exc}")


def _auto_capex(
    tickers: Sequence[str], yahoo: YahooFundamentals, akshare: AkshareFundamentals
) -> CapexStatements:
    """Yahoo, then AkShare for the Hong Kong tickers Yahoo had no rows for."""
    why = ""
    try:
        first: CapexStatements | None = _both_freqs(yahoo, tickers)
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
            return _unavailable(f"statement figures unavailable: {why}; AkShare unreachable ({exc})")  # fmt: skip
        note = f"AkShare unreachable ({exc}): no second source for {', '.join(retry)}"
        return replace(first, notes=(*first.notes, note))
    if first is None:
        note = f"{why}: statements from AkShare, which covers Hong Kong listings only"
        others = [Failure(t, f"{why}; AkShare covers Hong Kong listings only") for t in tickers if hk_code(t) is None]  # fmt: skip
        return replace(second, failures=(*others, *second.failures), notes=(note, *second.notes))
    return _merge(first, second, retry)


def _merge(first: CapexStatements, second: CapexStatements, retry: Sequence[str]) -> CapexStatements:  # fmt: skip
    """Yahoo's rows and AkShare's; a ticker failing both has one failure with both reasons."""
    yahoo_why = {f.item: f.reason for f in first.failures if f.item in retry}
    failures = [f for f in first.failures if f.item not in yahoo_why]
    for f in second.failures:
        earlier = yahoo_why.get(f.item)
        failures.append(Failure(f.item, f"yahoo: {earlier}; akshare: {f.reason}") if earlier else f)
    parts = [f for f in (first.frame, second.frame) if not f.empty]
    frame = validate_capex(pd.concat(parts, ignore_index=True)) if parts else empty_capex()
    found = sorted(set(second.frame["ticker"]))
    notes = [f"from AkShare where Yahoo Finance had no statement: {', '.join(found)}"] if found else []  # fmt: skip
    return CapexStatements(
        frame, tuple(failures), (*first.notes, *notes, *second.notes),
        synthetic=first.synthetic or second.synthetic,
    )  # fmt: skip


def load_valuation(
    tickers: Sequence[str],
    *,
    source: FundamentalsSource,
    theme: Theme,
    csv_path: Path | None = None,
    replay_dir: Path | None = None,
    akshare_replay_dir: Path | None = None,
    yahoo_source: YahooFundamentals | None = None,
    akshare_source: AkshareFundamentals | None = None,
) -> tuple[ValuationData, bool]:
    """Valuation for ``tickers`` and whether it is press-reported (the theme's facts).

    Yahoo gives today's snapshot, AkShare a trailing P/E history (what
    z-scores need); ``auto`` takes Yahoo's and asks AkShare for the Hong Kong
    tickers Yahoo had nothing for. Parameters as :func:`load_capex`.
    """
    if source == "csv" and csv_path is not None:
        return read_valuation_csv(csv_path, theme=theme), False
    if source in ("demo", "none"):
        return reported_valuation(theme), True
    if source == "csv":  # without a file: Yahoo, as it always has
        source = "yahoo"
    notes: list[str] = []
    first: ValuationData | None = None
    retry = list(tickers)
    if source in ("yahoo", "auto"):
        try:
            first = (yahoo_source or _yahoo(replay_dir)).valuation(tickers)
        except (OfflineError, RateLimitedError) as exc:
            if source == "yahoo":
                return _reported(theme, f"Yahoo Finance unavailable ({exc})")
            notes.append(f"Yahoo Finance unavailable ({exc}); P/E from AkShare for Hong Kong listings")  # fmt: skip
        else:
            served = set(first.frame["ticker"])
            retry = [t for t in tickers if t not in served and hk_code(t) is not None]
            if source == "yahoo" or not retry:
                return first, False
    try:
        second = (akshare_source or _akshare(akshare_replay_dir)).valuation(retry)
    except OfflineError as exc:
        if first is None:
            return _reported(theme, "; ".join([*notes, f"AkShare unavailable ({exc})"]))
        return replace(first, notes=(*first.notes, f"AkShare unavailable ({exc})")), False
    if first is None:
        return replace(second, notes=(*notes, *second.notes)), False
    yahoo_why = {f.item: f.reason for f in first.failures if f.item in retry}
    failures = [f for f in first.failures if f.item not in yahoo_why]
    failures += [Failure(f.item, f"yahoo: {yahoo_why[f.item]}; akshare: {f.reason}") if f.item in yahoo_why else f for f in second.failures]  # fmt: skip
    frame = validate_valuation(pd.concat([first.frame, second.frame], ignore_index=True))
    merged = ValuationData(frame, tuple(failures), (*first.notes, *second.notes),
                           synthetic=first.synthetic or second.synthetic)  # fmt: skip
    return merged, False


def _reported(theme: Theme, why: str) -> tuple[ValuationData, bool]:
    fallback = reported_valuation(theme)
    notes = (f"{why}; showing press-reported figures", *fallback.notes)
    return ValuationData(fallback.frame, notes=notes), True
