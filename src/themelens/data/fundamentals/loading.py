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

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, Literal, cast

from themelens.data.fundamentals._statement_loading import (
    DEMO_NOTE,
    StatementFetch,
    StatementKind,
    load_statements,
)
from themelens.data.fundamentals.akshare import AkshareFundamentals
from themelens.data.fundamentals.contracts import (
    CapexStatements,
    Freq,
    ValuationData,
    empty_capex,
    empty_valuation,
    validate_capex,
    validate_valuation,
)
from themelens.data.fundamentals.csv import read_capex_csv, read_valuation_csv
from themelens.data.fundamentals.registry import FUNDAMENTALS, fundamentals_provider
from themelens.data.fundamentals.reported import reported_valuation
from themelens.data.fundamentals.yahoo import YahooFundamentals
from themelens.data.routing import AUTO
from themelens.errors import RateLimitedError
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


_VALUATION: Final = StatementKind(
    make=ValuationData,
    validate=validate_valuation,
    empty=empty_valuation,
    unavailable="P/E unavailable",
    from_second="P/E",
    found="P/E from {second} where {first} had none",
    no_source="P/E unavailable: no fundamentals source",
    periods=False,
)


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
    z-scores need); ``auto`` asks each ticker's providers in the order the
    theme routes it, as statements do (Yahoo, then AkShare for the Hong Kong
    tickers Yahoo had nothing for, by default). When no source answers at
    all, the theme's press-reported figures stand in, said in a note.
    Parameters as :func:`load_capex`.
    """
    if source == "csv" and csv_path is not None:
        return read_valuation_csv(csv_path, theme=theme), False
    if source in ("demo", "none"):
        return reported_valuation(theme), True
    try:
        data = load_statements(
            _VALUATION,
            tickers,
            source=source,
            read_csv=None,
            readers={
                "yahoo": lambda: _once((yahoo_source or FUNDAMENTALS["yahoo"].reader(replay_dir)).valuation),
                "akshare": lambda: _once((akshare_source or FUNDAMENTALS["akshare"].reader(akshare_replay_dir)).valuation),
            },
            theme=theme,
        )  # fmt: skip
    except RateLimitedError as exc:
        return _reported(theme, f"P/E unavailable ({exc})")
    if not data.available:
        return _reported(theme, "; ".join(data.notes))
    return data, False


def _once(
    valuation: Callable[[Sequence[str]], ValuationData],
) -> StatementFetch[ValuationData]:
    """A source's ``valuation`` in the shape the routed loader calls (valuation has no periods)."""

    def fetch(tickers: Sequence[str], *, freq: Freq = "annual") -> ValuationData:
        return valuation(tickers)

    return fetch


def _reported(theme: Theme, why: str) -> tuple[ValuationData, bool]:
    fallback = reported_valuation(theme)
    notes = (f"{why}; showing press-reported figures", *fallback.notes)
    return ValuationData(fallback.frame, notes=notes), True
