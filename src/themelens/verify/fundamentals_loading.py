"""Load what the fundamentals checks need, once per verify run, degrading to stated gaps.

Which kinds a run needs follows from its claims (:func:`fundamentals_needed`);
which tickers, from the listings the claims point at
(:func:`fundamental_tickers`). Sources follow ``data.fundamentals.loading``
(the same ``FundamentalsSource`` as ``themelens fundamentals``):

==============  ==========================================  =========================================
kind            source                                      when nothing answers
==============  ==========================================  =========================================
statements      ``load_income`` + ``load_capex``             unavailable: the loaders' note (demo,
                (CSV: ``csv_path`` income, ``capex_csv``)    no source, offline)
valuation       ``load_valuation`` (CSV: ``valuation_csv``)  unavailable when only the theme's press
                                                            figures remain (not evidence)
flows           AkShare southbound history (``akshare``      unavailable: "AkShare unreachable: …",
                and ``auto`` only)                          or "no flows source configured"
==============  ==========================================  =========================================

A kind no claim needs is not loaded (and marked so). A bad CSV raises
``CsvFormatError`` (a user error to fix, as for the fundamentals command);
every source failure becomes a reason instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final, TypeVar

import pandas as pd

from themelens.data.akshare_client import AkshareClient
from themelens.data.fundamentals import (
    AkshareFundamentals,
    AkshareIncome,
    CapexStatements,
    FundamentalsSource,
    IncomeStatements,
    ValuationData,
    empty_capex,
    empty_income,
    empty_valuation,
    load_capex,
    load_income,
    load_southbound_flows,
    load_valuation,
    read_valuation_csv,
)
from themelens.data.fundamentals.southbound import empty_flows
from themelens.errors import Failure, OfflineError, RateLimitedError
from themelens.news.claim import FUNDAMENTAL_METRICS, Claim
from themelens.theme import Theme
from themelens.verify._evidence import (
    EVIDENCE_KINDS,
    FundamentalsEvidence,
    _empty_statements,
    statements_frame,
)
from themelens.verify._preloaded import Preloaded, reuse
from themelens.verify.listing import claimed_listings

__all__ = ["fundamental_tickers", "fundamentals_needed", "load_fundamentals_evidence"]

_KIND_OF: Final = {
    "revenue_growth_pct": "statements",
    "net_income_growth_pct": "statements",
    "capex_growth_pct": "statements",
    "capex": "statements",
    "forward_pe": "valuation",
    "fund_flow": "flows",
}
assert frozenset(_KIND_OF) == FUNDAMENTAL_METRICS  # every checked metric has a kind to load
S = TypeVar("S", IncomeStatements, CapexStatements)
_NOT_NEEDED: Final = "not loaded: no claim in this run needs it"
_FLOWS_SOURCES: Final = frozenset({"akshare", "auto"})


def fundamentals_needed(claims: Iterable[Claim]) -> frozenset[str]:
    """The evidence kinds (``statements``, ``valuation``, ``flows``) the claims need."""
    return frozenset(_KIND_OF[c.metric] for c in claims if c.metric in _KIND_OF)


def fundamental_tickers(claims: Iterable[Claim], theme: Theme) -> tuple[str, ...]:
    """The listings the fundamentals claims point at (``choose_listing``), in first-seen order."""
    return tuple(claimed_listings(claims, theme, _KIND_OF))


def _failures(*batches: Iterable[Failure]) -> dict[str, str]:
    out: dict[str, str] = {}
    for batch in batches:
        for f in batch:
            out[f.item] = f"{out[f.item]}; {f.reason}" if f.item in out else f.reason
    return out


def _statements(
    tickers: Sequence[str],
    source: FundamentalsSource,
    theme: Theme,
    csv_path: Path | None,
    capex_csv: Path | None,
    replay_dir: Path | None,
    akshare_replay_dir: Path | None,
    client: AkshareClient | None,
    preloaded: Preloaded | None,
) -> tuple[IncomeStatements | None, CapexStatements | None, str | None]:
    """Income and capex, or the reason neither is available."""
    if source == "csv" and csv_path is None and capex_csv is None:
        return None, None, "no statements CSV given (an income-statement or capex CSV)"
    live = client if akshare_replay_dir is None else None

    def load(
        loader: Callable[..., S], csv: Path | None, akshare: Callable[[AkshareClient], object]
    ) -> S | None:
        """One statement loader on the run's source; None for a CSV run without its file."""
        if source == "csv" and csv is None:
            return None
        return loader(tickers, source=source, theme=theme, csv_path=csv, replay_dir=replay_dir,
                      akshare_replay_dir=akshare_replay_dir,
                      akshare_source=akshare(live) if live is not None else None)  # fmt: skip

    try:
        income = load(load_income, csv_path, AkshareIncome)
        if preloaded is not None and preloaded.source == source and capex_csv is None:
            capex: CapexStatements | None = reuse(
                preloaded.capex, preloaded.capex_tickers, tickers,
                lambda rest: load_capex(rest, source=source, theme=theme, replay_dir=replay_dir,
                                        akshare_replay_dir=akshare_replay_dir),
            )  # fmt: skip
        else:
            capex = load(load_capex, capex_csv, AkshareFundamentals)
    except RateLimitedError as exc:
        return None, None, f"statements unavailable: {exc}"
    usable = [x for x in (income, capex) if x is not None and x.available]
    if not usable:
        notes = [n for x in (income, capex) if x is not None for n in x.notes]
        return None, None, notes[0] if notes else "no statements source configured"
    return income, capex, None


def load_fundamentals_evidence(
    tickers: Sequence[str],
    *,
    source: FundamentalsSource,
    theme: Theme,
    need: frozenset[str],
    csv_path: Path | None = None,
    capex_csv: Path | None = None,
    valuation_csv: Path | None = None,
    replay_dir: Path | None = None,
    akshare_replay_dir: Path | None = None,
    flows_replay_dir: Path | None = None,
    akshare_client: AkshareClient | None = None,
    preloaded: Preloaded | None = None,
) -> FundamentalsEvidence:
    """Statements, valuation and southbound flows for ``tickers``, each kind only when needed.

    Parameters
    ----------
    source
        ``data.fundamentals.pick_source(settings.provider, csv_path)``.
    theme
        Fiscal-year ends, CSV ticker names, and the valuation loader's needs.
    need
        :func:`fundamentals_needed` of the run's claims.
    csv_path, capex_csv, valuation_csv
        CSV imports (``source == "csv"``): income statements, capex, P/E history.
    replay_dir, akshare_replay_dir, flows_replay_dir
        Recordings to replay Yahoo, AkShare statements and the southbound
        history from (tests; the CLI's hidden ``--replay`` options).
    akshare_client
        A live client with the settings' spacing and time-out
        (``AkshareClient(**settings.akshare_client_options())``).
    preloaded
        Capex and P/E the run already loaded from the same source (a report's
        fundamentals section): reused for the tickers they cover, so a run
        asks a source once.
    """
    unavailable: dict[str, str] = {k: _NOT_NEEDED for k in EVIDENCE_KINDS if k not in need}
    failures: dict[str, Mapping[str, str]] = {}
    notes: list[str] = []
    statements = _empty_statements()
    if "statements" in need:
        income, capex, why = _statements(tickers, source, theme, csv_path, capex_csv, replay_dir,
                                         akshare_replay_dir, akshare_client, preloaded)  # fmt: skip
        if why is not None:
            unavailable["statements"] = why
        else:
            loaded = [x for x in (income, capex) if x is not None and x.available]
            statements = statements_frame(
                income.frame if income is not None else empty_income(),
                capex.frame if capex is not None else empty_capex(),
            )
            failures["statements"] = _failures(*(x.failures for x in loaded))
            notes += [n for x in loaded for n in x.notes]
    valuation = empty_valuation()
    if "valuation" in need:
        valuation, why, failed = _valuation(tickers, source, theme, valuation_csv, replay_dir,
                                            akshare_replay_dir, akshare_client, preloaded)  # fmt: skip
        if why is not None:
            unavailable["valuation"] = why
        failures["valuation"] = failed
    flows = empty_flows()
    if "flows" in need:
        if source not in _FLOWS_SOURCES:
            unavailable["flows"] = f"no flows source configured (southbound flows come from AkShare: provider akshare or auto, not {source})"  # fmt: skip
        else:
            try:
                loaded_flows = load_southbound_flows(client=akshare_client, replay_dir=flows_replay_dir)  # fmt: skip
            except OfflineError as exc:
                unavailable["flows"] = f"AkShare unreachable: {exc}"
            else:
                flows = loaded_flows.frame
                notes += list(loaded_flows.notes)
                if not loaded_flows.available:
                    unavailable["flows"] = loaded_flows.notes[0]
    fiscal = {
        lst.ticker: ent.fiscal_year_end
        for ent in theme.entities
        if ent.fiscal_year_end is not None
        for lst in ent.listings
    }
    return FundamentalsEvidence(statements, valuation, flows, unavailable, failures, fiscal, tuple(notes))  # fmt: skip


def _valuation(
    tickers: Sequence[str],
    source: FundamentalsSource,
    theme: Theme,
    valuation_csv: Path | None,
    replay_dir: Path | None,
    akshare_replay_dir: Path | None,
    client: AkshareClient | None,
    preloaded: Preloaded | None,
) -> tuple[pd.DataFrame, str | None, dict[str, str]]:
    """P/E observations, the reason there are none, and per-ticker failures.

    The theme's press-reported figures (``load_valuation``'s fallback) are
    not evidence, so a fallback is "unavailable" with the loader's note.
    """
    if source in ("demo", "none"):
        return empty_valuation(), "no valuation source configured", {}
    if source == "csv":
        if valuation_csv is None:
            return empty_valuation(), "no valuation CSV given", {}
        data = read_valuation_csv(valuation_csv, theme=theme)
        return data.frame, None, _failures(data.failures)
    live = client if akshare_replay_dir is None else None

    def fetch(wanted: list[str]) -> tuple[ValuationData, bool]:
        return load_valuation(
            wanted, source=source, theme=theme, replay_dir=replay_dir,
            akshare_replay_dir=akshare_replay_dir,
            akshare_source=AkshareFundamentals(live) if live is not None else None,
        )  # fmt: skip

    if preloaded is not None and preloaded.source == source and not preloaded.reported:

        def rest(wanted: list[str]) -> ValuationData:
            data, was_reported = fetch(wanted)
            return data if not was_reported else ValuationData(empty_valuation(), notes=data.notes)

        data = reuse(preloaded.valuation, preloaded.valuation_tickers, tickers, rest)
        reported = False
    else:
        data, reported = fetch(list(tickers))
    if reported:
        why = data.notes[0].split("; showing press-reported figures")[0] if data.notes else ""
        return empty_valuation(), f"valuation source unavailable: {why}" if why else "no valuation source configured", {}  # fmt: skip
    return data.frame, None, _failures(data.failures)
