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
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import pandas as pd
import typer
from rich.markup import escape

from themelens.cli._app import app
from themelens.cli._common import (
    DbOpt,
    DemoOpt,
    FormatOpt,
    OutputFormat,
    PricesDirOpt,
    ProviderOpt,
    ThemeOpt,
    boundary,
    console,
    json_default,
    parse_date,
    print_frame_csv,
    progress,
    settings_and_theme,
)
from themelens.data.loading import PriceRequest, load_for_cli
from themelens.errors import InputError
from themelens.summary import Summary
from themelens.theme import MEMBER_ROLES, Role, Theme

if TYPE_CHECKING:
    from themelens.config import Settings
    from themelens.data.fundamentals.akshare import AkshareFundamentals


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


def _warn(lines: Any, label: str = "note") -> None:
    for line in lines:
        console.err.print(
            f"[yellow]{label}:[/yellow] {escape(str(line))}", highlight=False, soft_wrap=True
        )


def _members(th: Theme, names: list[str] | None, *, benchmarks: bool = False) -> dict[str, str]:
    """Ticker → entity slug for the names given, or the theme's companies (and benchmarks)."""
    if names:
        tickers = list(PriceRequest.from_names(th, names).tickers)
    else:
        roles: tuple[Role, ...] = (*MEMBER_ROLES, "benchmark") if benchmarks else MEMBER_ROLES
        tickers = [e.primary.ticker for e in th.tradable_entities(roles) if e.primary]
    out: dict[str, str] = {}
    for t in tickers:
        ent = th.entity_for_ticker(t)
        out[t] = ent.slug if ent is not None else t
    return out


def _print(
    fmt: OutputFormat, data: dict[str, Any], frame: pd.DataFrame, *summaries: Summary
) -> None:
    if fmt is OutputFormat.json:
        text = json.dumps(data, indent=2, default=json_default, ensure_ascii=False)
        console.out.out(text, highlight=False)
    elif fmt is OutputFormat.csv:
        print_frame_csv(frame)
    else:
        for s in summaries:
            console.out.print(s)


@app.command()
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
    replay: ReplayOpt = None,
    akshare_replay: AkshareReplayOpt = None,
    provider: ProviderOpt = None,
    demo: DemoOpt = False,
    fmt: FormatOpt = OutputFormat.table,
    theme: ThemeOpt = None,
    db: DbOpt = None,
) -> None:
    """Capex per company from cash-flow statements (local and USD, YoY, group total) beside press figures."""
    from themelens.analytics.fundamentals import track_capex
    from themelens.data.fundamentals import load_capex, pick_source
    from themelens.data.fx import FxConverter, FxSource

    with boundary():
        settings, th = settings_and_theme(
            db=db, theme=theme, provider=provider, prices_dir=None, demo=demo
        )
        members = _members(th, names)
        source = pick_source(settings.provider, csv)
        loaded = load_capex(
            list(members), source=source, theme=th, csv_path=csv, replay_dir=replay,
            akshare_replay_dir=akshare_replay,
            akshare_source=_live_akshare(settings, akshare_replay),
        )  # fmt: skip
        fx_source = (
            fx.value
            if fx is not None
            else (
                "auto"
                if source in ("yahoo", "akshare", "auto")
                and replay is None
                and akshare_replay is None
                else "reference"
            )
        )
        result = track_capex(
            loaded.frame,
            th.capex_facts,
            entity_of=members,
            freq=freq.value,
            fx=FxConverter(source=cast(FxSource, fx_source)),
            tolerance_pct=tolerance,
            statements_available=loaded.available,
            warnings=loaded.notes,
            failures=loaded.failures,
            synthetic=loaded.synthetic,
        )
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
        _print(fmt, result.to_dict(), frames[view], *shown)
        if fmt is not OutputFormat.table:
            _warn(result.warnings)
        named = {n.upper() for n in names or []} | set(names or [])
        bad = [f for f in result.failures if f.item in named or members.get(f.item) in named]
        _warn(result.failures, "no statement")
        if bad:
            raise typer.Exit(1)


@app.command()
def valuation(
    names: NamesArg = None,
    csv: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            help="Import a valuation history CSV (date, ticker, pe_fwd, pe_trailing[, eps_fwd, price]).",
        ),
    ] = None,
    asof: Annotated[
        str | None, typer.Option("--asof", help="As-of date YYYY-MM-DD (default: latest).")
    ] = None,
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
    replay: ReplayOpt = None,
    akshare_replay: AkshareReplayOpt = None,
    provider: ProviderOpt = None,
    demo: DemoOpt = False,
    fmt: FormatOpt = OutputFormat.table,
    theme: ThemeOpt = None,
    db: DbOpt = None,
) -> None:
    """Forward and trailing P/E per entity and benchmark, 5-year z-scores, theme-vs-benchmark spread."""
    from themelens.analytics.fundamentals import compare_valuation, price_vs_fundamentals
    from themelens.data.fundamentals import load_valuation, pick_source

    with boundary():
        settings, th = settings_and_theme(
            db=db, theme=theme, provider=provider, prices_dir=None, demo=demo
        )
        members = _members(th, names, benchmarks=True)
        bench = th.benchmark().primary
        index = bench.ticker if bench else None
        refs = [e.primary.ticker for e in th.by_role("benchmark") if e.primary]
        for t in [index, *refs]:
            ent = th.entity_for_ticker(t) if t else None
            if t and ent and t not in members:
                members[t] = ent.slug
        source = pick_source(settings.provider, csv)
        data, reported = load_valuation(
            list(members), source=source, theme=th, csv_path=csv, replay_dir=replay,
            akshare_replay_dir=akshare_replay,
            akshare_source=_live_akshare(settings, akshare_replay),
        )  # fmt: skip
        subjects = {
            t: (s, (e.role or "") if (e := th.entity_for_ticker(t)) else "")
            for t, s in members.items()
        }
        when = parse_date(asof, "--asof")
        result = compare_valuation(
            data.frame,
            subjects=subjects,
            theme_index=index,
            benchmarks=refs,
            asof=when,
            history_years=history_years,
            min_observations=min_obs,
            warnings=data.notes,
            failures=data.failures,
            synthetic=data.synthetic,
            reported=reported,
        )
        out = result.to_dict()
        summaries = [result.summary(), result.spreads_summary()]
        frame = result.rows
        if since is not None:
            start = parse_date(since, "--since")
            v = data.frame
            if v["price"].isna().all():
                raise InputError(
                    "--since: the valuation data has no price column to measure the price return"
                )
            prices = v.dropna(subset=["price"]).rename(columns={"price": "close"})
            end = when or v["date"].max().date()
            gap = price_vs_fundamentals(prices, v, start=start, end=end, entity_of=members)  # type: ignore[arg-type]
            out["price_vs_fundamentals"] = gap.to_dict()
            summaries.append(gap.summary())
            frame = gap.rows
        _print(fmt, out, frame, *summaries)
        if fmt is not OutputFormat.table:
            _warn(result.warnings)


@app.command()
def scenarios(
    names: NamesArg = None,
    asof: Annotated[
        str | None, typer.Option("--asof", help="As-of date YYYY-MM-DD (default: latest).")
    ] = None,
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
    prices_dir: PricesDirOpt = None,
    provider: ProviderOpt = None,
    demo: DemoOpt = False,
    fmt: FormatOpt = OutputFormat.table,
    theme: ThemeOpt = None,
    db: DbOpt = None,
) -> None:
    """Bull/base/bear targets from the theme file and a block-bootstrap Monte Carlo of joint returns."""
    from themelens.analytics.scenarios import project_scenarios, simulate_paths
    from themelens.data.contracts import is_synthetic

    with boundary():
        settings, th = settings_and_theme(
            db=db, theme=theme, provider=provider, prices_dir=prices_dir, demo=demo
        )
        if th.scenarios is None:
            raise InputError(f"theme {th.name}: has no 'scenarios' block (bull/base/bear)")
        request = PriceRequest.from_names(th, names or [], benchmark=None)
        request = PriceRequest(request.tickers, request.named, None, False)
        with progress("prices") as on_progress:
            loaded = load_for_cli(settings, th, request, on_progress=on_progress)
        when = parse_date(asof, "--asof")
        frame = loaded.frame
        if when is not None:
            frame = frame[frame["date"] <= pd.Timestamp(when)]
        spots: dict[str, tuple[str, float, str]] = {}
        for t in loaded.tickers:
            rows = frame[frame["ticker"] == t]
            if rows.empty:
                continue
            ent = th.entity_for_ticker(t)
            lst = th.resolve(t)
            spots[t] = (
                ent.slug if ent else t,
                float(rows["close"].iloc[-1]),
                lst.listing.currency if lst and lst.listing else "",
            )
        synthetic = is_synthetic(frame)
        result = project_scenarios(
            th.scenarios, spots, asof=when, synthetic=synthetic, warnings=loaded.warnings
        )
        entity_of = {t: v[0] for t, v in spots.items()}
        with progress("monte carlo") as on_progress:
            mc = simulate_paths(
                frame,
                list(spots),
                asof=when,
                paths=paths,
                horizon=horizon or th.scenarios.horizon_sessions,
                block=block,
                seed=seed,
                drawdown_pct=drawdown,
                lookback_years=lookback,
                entity_of=entity_of,
                synthetic=synthetic,
                on_progress=on_progress,
            )
        frames = {
            ScenarioView.scenarios: result.rows,
            ScenarioView.cases: result.cases,
            ScenarioView.montecarlo: mc.rows,
        }
        data = {"scenarios": result.to_dict(), "monte_carlo": mc.to_dict()}
        _print(fmt, data, frames[view], result.summary(), mc.summary())
        _warn(loaded.failures, "skipped")
