"""Pick the fundamentals source for a run and load from it, degrading to a marked gap.

The CLI and the pipeline ask the same question — "capex (or P/E) for these
tickers, from where the user said" — and get the same answer:

- a CSV file given → the CSV import;
- the ``demo`` provider → no statements ("the demo market has no
  fundamentals"), valuation from the theme's press-reported facts;
- ``yahoo`` → Yahoo Finance (or a recording of it); ``akshare`` → AkShare
  (Eastmoney statements, Baidu P/E history; Hong Kong listings only);
- ``auto`` → each ticker's providers in the order the theme routes its
  listing (``registry.fundamentals_chain``: the listing's ``providers``, else
  the theme's ``default_providers``, keeping those that serve fundamentals),
  with AkShare after Yahoo for Hong Kong listings. For the built-in theme
  that is Yahoo first, then AkShare for the Hong Kong tickers Yahoo gave
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
from typing import Final, Literal, cast

import pandas as pd

from themelens.data.fundamentals._statement_loading import DEMO_NOTE, StatementKind, load_statements
from themelens.data.fundamentals.akshare import AkshareFundamentals
from themelens.data.fundamentals.contracts import (
    CapexStatements,
    ValuationData,
    empty_capex,
    validate_capex,
    validate_valuation,
)
from themelens.data.fundamentals.csv import read_capex_csv, read_valuation_csv
from themelens.data.fundamentals.registry import (
    FUNDAMENTALS,
    fundamentals_chain,
    fundamentals_provider,
)
from themelens.data.fundamentals.reported import reported_valuation
from themelens.data.fundamentals.yahoo import YahooFundamentals
from themelens.data.routing import AUTO
from themelens.errors import Failure, OfflineError, RateLimitedError
from themelens.theme import Theme

__all__ = ["DEMO_NOTE", "FundamentalsSource", "load_capex", "load_valuation", "pick_source"]

FundamentalsSource = Literal["yahoo", "akshare", "auto", "csv", "demo", "none"]


def pick_source(provider: str, csv_path: Path | None) -> FundamentalsSource:
    """``csv`` when a file is given; ``demo`` and ``auto`` as named; a registered fundamentals provider; else none."""
    if csv_path is not None:
        return "csv"
    if provider in ("demo", AUTO) or fundamentals_provider(provider) is not None:
        return cast("FundamentalsSource", provider)
    return "none"


_CAPEX: Final = StatementKind(
    make=CapexStatements,
    validate=validate_capex,
    empty=empty_capex,
    unavailable="statement figures unavailable",
    from_second="statements",
    found="from {second} where {first} had no statement",
    no_source="statement figures unavailable: no fundamentals source (use --csv FILE or the yahoo, akshare or auto provider)",
)  # fmt: skip


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
    return load_statements(
        _CAPEX,
        tickers,
        source=source,
        read_csv=(lambda: read_capex_csv(csv_path, theme=theme)) if csv_path is not None else None,
        readers={
            "yahoo": lambda: (yahoo_source or FUNDAMENTALS["yahoo"].reader(replay_dir)).capex,
            "akshare": lambda: (akshare_source or FUNDAMENTALS["akshare"].reader(akshare_replay_dir)).capex,
        },
        theme=theme,
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
            first = (yahoo_source or FUNDAMENTALS["yahoo"].reader(replay_dir)).valuation(tickers)
        except (OfflineError, RateLimitedError) as exc:
            if source == "yahoo":
                return _reported(theme, f"Yahoo Finance unavailable ({exc})")
            notes.append(f"Yahoo Finance unavailable ({exc}); P/E from AkShare for Hong Kong listings")  # fmt: skip
        else:
            served = set(first.frame["ticker"])
            retry = [
                t for t in tickers if t not in served and "akshare" in fundamentals_chain(theme, t)
            ]
            if source == "yahoo" or not retry:
                return first, False
    try:
        second = (akshare_source or FUNDAMENTALS["akshare"].reader(akshare_replay_dir)).valuation(
            retry
        )
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
