"""``themelens capex``, ``valuation`` and ``scenarios``: the fundamentals side of a theme.

Thin, like every command module: resolve names through the theme, pick the
fundamentals source (``--csv`` file, the demo market, or Yahoo Finance), call
``analytics.fundamentals`` / ``analytics.scenarios`` and print the result. With
``--demo`` no statement figure is invented: capex shows the theme's press
figures with "statement figures are unavailable offline", valuation the
press-reported multiples, and scenarios run on the synthetic demo prices,
labelled as such.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

from themelens.cli._app import app
from themelens.cli._common import (
    AsofOpt,
    OutputFormat,
    boundary,
    load_prices,
    parse_date,
    progress,
    say,
)
from themelens.cli._output import Output, emit
from themelens.cli._source import PRICE_FLAGS, Flag, Source, option, option_group, source_options
from themelens.errors import InputError

if TYPE_CHECKING:  # the data layer (pandas) is imported when a command runs, not for --help
    import pandas as pd

    from themelens.config import Settings
    from themelens.data.fundamentals.akshare import AkshareFundamentals
    from themelens.theme import Theme


class Freq(StrEnum):
    annual = "annual"
    quarterly = "quarterly"


class FxChoice(StrEnum):
    auto = "auto"
    yahoo = "yahoo"
    reference = "reference"


class CapexView(StrEnum):
    periods = "periods"
    totals = "totals"
    gaps = "gaps"


class ScenarioView(StrEnum):
    scenarios = "scenarios"
    cases = "cases"
    montecarlo = "montecarlo"


CsvOpt = Annotated[
    Path | None, typer.Option("--csv", help="Import from this CSV file instead of Yahoo Finance.")
]
ReplayOpt = Annotated[
    Path | None,
    typer.Option("--replay", hidden=True, help="Serve Yahoo from a recording folder (tests)."),
]
AkshareReplayOpt = Annotated[
    Path | None,
    typer.Option(
        "--akshare-replay", hidden=True, help="Serve AkShare from a recording folder (tests)."
    ),
]
STATEMENT_FLAGS: Final[tuple[Flag, ...]] = ("provider", "demo", "format", "theme", "db")
"""Statements come from --csv, the demo or the provider; a prices folder has none."""
NamesArg = Annotated[
    list[str] | None,
    typer.Argument(help="Theme entities or tickers. Default: the theme's companies."),
]


def _live_akshare(settings: Settings, replay: Path | None) -> AkshareFundamentals | None:
    """AkShare statements with the settings' spacing and time-out; ``None`` when replaying
    (the loader builds the replaying source, which must not wait)."""
    from themelens.data.akshare_client import AkshareClient
    from themelens.data.fundamentals.akshare import AkshareFundamentals

    if replay is not None:
        return None
    return AkshareFundamentals(AkshareClient(**settings.akshare_client_options))


@dataclass(frozen=True)
class Replays:
    """The hidden ``--replay``/``--akshare-replay`` folders: recorded statements for tests."""

    replay: Path | None = None
    akshare_replay: Path | None = None

    @property
    def live(self) -> bool:
        return self.replay is None and self.akshare_replay is None

    def loader_options(self, settings: Settings) -> dict[str, Any]:
        """What ``load_capex`` and ``load_valuation`` take besides the tickers and source."""
        return {
            "replay_dir": self.replay,
            "akshare_replay_dir": self.akshare_replay,
            "akshare_source": _live_akshare(settings, self.akshare_replay),
        }


replay_options = option_group(
    "replays",
    Replays,
    [option("replay", ReplayOpt, None), option("akshare_replay", AkshareReplayOpt, None)],
)


def _members(th: Theme, names: list[str] | None, *, benchmarks: bool = False) -> dict[str, str]:
    """Ticker → entity slug for the names given, or the theme's companies (and benchmarks)."""
    from themelens.data.loading import PriceRequest

    if not names:
        by_role = th.roles_by_ticker()
        return {t: v[0] for t, v in by_role.items() if benchmarks or v[2] != "benchmark"}
    out: dict[str, str] = {}
    for t in PriceRequest.from_names(th, names).tickers:
        ent = th.entity_for_ticker(t)
        out[t] = ent.slug if ent is not None else t
    return out


@app.command()
@source_options(*STATEMENT_FLAGS)
@replay_options
def capex(
    names: NamesArg = None,
    csv: CsvOpt = None,
    freq: Annotated[Freq, typer.Option("--freq", help="Periods to list.")] = Freq.annual,
    tolerance: Annotated[
        float,
        typer.Option(
            "--tolerance", help="Largest gap (%) between press and statement called a match."
        ),
    ] = 5.0,
    fx: Annotated[
        FxChoice | None,
        typer.Option(
            "--fx",
            help="USD rates: yahoo, the built-in reference table, or auto (default: reference offline).",
        ),
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Write the capex chart (plotly JSON) here.")
    ] = None,
    view: Annotated[
        CapexView, typer.Option("--view", help="Table for --format csv.")
    ] = CapexView.periods,
    *,
    replays: Replays,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """Capex per company from cash-flow statements (local and USD, YoY, group total) beside press figures."""
    from themelens.analytics.fundamentals import capex_rates_needed, track_capex
    from themelens.data.fundamentals import load_capex, pick_source
    from themelens.data.fx import FxConverter, fx_source_for

    with boundary():
        settings, th = source.resolve()
        members = _members(th, names)
        kind = pick_source(settings.provider, csv)
        loaded = load_capex(
            list(members), source=kind, theme=th, csv_path=csv,
            **replays.loader_options(settings),
        )  # fmt: skip
        routed = fx_source_for(settings.provider) if replays.live and kind != "csv" else "reference"
        converter = FxConverter(source=fx.value if fx else routed)
        needed = capex_rates_needed(
            loaded.frame, th.capex_facts, entity_of=members, tolerance_pct=tolerance
        )
        result = track_capex(
            loaded.frame, th.capex_facts, entity_of=members, freq=freq.value,
            fx=converter.table(needed),  # every rate fetched here; the tracker does no I/O
            tolerance_pct=tolerance, statements_available=loaded.available, **loaded.carried(),
        )  # fmt: skip
        if chart is not None:
            chart.write_text(json.dumps(result.figure(), indent=1) + "\n", encoding="utf-8")
        frames = {
            CapexView.periods: result.rows,
            CapexView.totals: result.totals,
            CapexView.gaps: result.gaps,
        }
        shown = [result.summary(), result.totals_summary(), result.gaps_summary()]
        if result.totals.empty:  # nothing to total (no statements): the first table says why
            shown.pop(1)
        emit(Output(result.to_dict(), frames[view], shown), fmt)
        if fmt is not OutputFormat.table:
            say("note", result.warnings)
        say("no statement", result.failures)
        named = {n.upper() for n in names or []} | set(names or [])
        if any(f.item in named or members.get(f.item) in named for f in result.failures):
            raise typer.Exit(1)


@app.command()
@source_options(*STATEMENT_FLAGS)
@replay_options
def valuation(
    names: NamesArg = None,
    csv: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            help="Import a valuation history CSV (date, ticker, pe_fwd, pe_trailing[, eps_fwd, price]).",
        ),
    ] = None,
    asof: AsofOpt = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Start of the price-vs-forward-EPS gap window (needs eps_fwd or price in the CSV).",
        ),
    ] = None,
    history_years: Annotated[
        int, typer.Option("--history-years", help="z-score window in years.")
    ] = 5,
    min_obs: Annotated[
        int, typer.Option("--min-obs", help="Fewest history points for a z-score.")
    ] = 12,
    *,
    replays: Replays,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """Forward and trailing P/E per entity and benchmark, 5-year z-scores, theme-vs-benchmark spread."""
    from themelens.analytics.fundamentals import compare_valuation
    from themelens.data.fundamentals import load_valuation, pick_source

    with boundary():
        settings, th = source.resolve()
        members = _members(th, names, benchmarks=True)
        chain = th.benchmark_chain()
        for t in chain:  # the index first, then the other benchmarks: always compared against
            ent = th.entity_for_ticker(t)
            members.setdefault(t, ent.slug if ent else t)
        data, reported = load_valuation(
            list(members), source=pick_source(settings.provider, csv), theme=th, csv_path=csv,
            **replays.loader_options(settings),
        )  # fmt: skip
        roles = th.roles_by_ticker()
        when = parse_date(asof, "--asof")
        result = compare_valuation(
            data.frame, subjects=_subjects(th, members), theme_index=chain[0] if chain else None,
            benchmarks=[t for t, v in roles.items() if v[2] == "benchmark"], asof=when,
            history_years=history_years, min_observations=min_obs, reported=reported,
            **data.carried(),
        )  # fmt: skip
        out = Output(result.to_dict(), result.rows, (result.summary(), result.spreads_summary()))
        if since is not None:
            out = _with_price_gap(out, data.frame, since, when, members)
        emit(out, fmt)
        if fmt is not OutputFormat.table:
            say("note", result.warnings)


def _subjects(theme: Theme, members: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Ticker → (slug, role) in display order, as ``compare_valuation`` groups them."""
    return {
        t: (slug, (e.role or "") if (e := theme.entity_for_ticker(t)) else "")
        for t, slug in members.items()
    }


def _with_price_gap(
    out: Output, valuation: pd.DataFrame, since: str, when: date | None, members: dict[str, str]
) -> Output:
    """``out`` plus the price-vs-forward-EPS gap since ``since`` (``--since``): its key in the
    json, its summary after the others, and its rows as the csv."""
    from themelens.analytics.fundamentals import price_vs_fundamentals

    start = parse_date(since, "--since")
    if valuation["price"].isna().all():
        raise InputError("--since: the valuation data has no price column to measure the price return")  # fmt: skip
    prices = valuation.dropna(subset=["price"]).rename(columns={"price": "close"})
    end = when or valuation["date"].max().date()
    gap = price_vs_fundamentals(prices, valuation, start=start, end=end, entity_of=members)  # type: ignore[arg-type]
    data = {**out.data, "price_vs_fundamentals": gap.to_dict()}
    return Output(data, gap.rows, (*out.tables, gap.summary()))


@app.command()
@source_options(*PRICE_FLAGS)
def scenarios(
    names: NamesArg = None,
    asof: AsofOpt = None,
    paths: Annotated[int, typer.Option("--paths", help="Monte Carlo paths.")] = 10_000,
    horizon: Annotated[
        int | None,
        typer.Option("--horizon", help="Sessions ahead (default: the theme's horizon)."),
    ] = None,
    block: Annotated[
        int | None,
        typer.Option("--block", help="Bootstrap block length in sessions (default: n^(1/3))."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same numbers).")] = 0,
    drawdown: Annotated[
        float, typer.Option("--drawdown", help="Report the chance of a drawdown worse than this %.")
    ] = 20.0,
    lookback: Annotated[
        int, typer.Option("--lookback", help="Years of daily returns to resample.")
    ] = 5,
    view: Annotated[
        ScenarioView, typer.Option("--view", help="Table for --format csv.")
    ] = ScenarioView.scenarios,
    *,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """Bull/base/bear targets from the theme file and a block-bootstrap Monte Carlo of joint returns."""
    import pandas as pd

    from themelens.analytics.scenarios import project_scenarios, simulate_paths
    from themelens.data.contracts import is_synthetic
    from themelens.data.loading import PriceRequest

    with boundary():
        settings, th = source.resolve()
        if th.scenarios is None:
            raise InputError(f"theme {th.name}: has no 'scenarios' block (bull/base/bear)")
        request = PriceRequest.from_names(th, names or [], benchmark=None)
        loaded = load_prices(settings, th, PriceRequest(request.tickers, request.named))
        when = parse_date(asof, "--asof")
        frame = loaded.frame
        if when is not None:
            frame = frame[frame["date"] <= pd.Timestamp(when)]
        spots = _spots(th, frame, loaded.tickers)
        synthetic = is_synthetic(frame)
        result = project_scenarios(
            th.scenarios, spots, asof=when, synthetic=synthetic, warnings=loaded.warnings
        )
        with progress("monte carlo") as on_progress:
            mc = simulate_paths(
                frame, list(spots), asof=when, paths=paths,
                horizon=horizon or th.scenarios.horizon_sessions, block=block, seed=seed,
                drawdown_pct=drawdown, lookback_years=lookback,
                entity_of={t: v[0] for t, v in spots.items()}, synthetic=synthetic,
                on_progress=on_progress,
            )  # fmt: skip
        frames = {
            ScenarioView.scenarios: result.rows,
            ScenarioView.cases: result.cases,
            ScenarioView.montecarlo: mc.rows,
        }
        data = {"scenarios": result.to_dict(), "monte_carlo": mc.to_dict()}
        emit(Output(data, frames[view], (result.summary(), mc.summary())), fmt)
        say("skipped", loaded.failures)


def _spots(
    theme: Theme, frame: pd.DataFrame, tickers: tuple[str, ...]
) -> dict[str, tuple[str, float, str]]:
    """Ticker → (entity slug, last close, currency) for the tickers with a close in ``frame``."""
    spots: dict[str, tuple[str, float, str]] = {}
    for t in tickers:
        rows = frame[frame["ticker"] == t]
        if rows.empty:
            continue
        ent = theme.entity_for_ticker(t)
        found = theme.resolve(t)
        currency = found.listing.currency if found and found.listing else ""
        spots[t] = (ent.slug if ent else t, float(rows["close"].iloc[-1]), currency)
    return spots
