"""``themelens basket``: build a theme basket and backtest it against a benchmark."""

from __future__ import annotations

import json
from dataclasses import replace
from enum import StrEnum
from typing import Annotated

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
from themelens.config import Settings
from themelens.data.loading import (
    LoadedPrices,
    PriceRequest,
    load_for_cli,
    load_tickers,
    make_provider,
)
from themelens.errors import InputError
from themelens.theme import Theme

basket_app = typer.Typer(
    help="Theme baskets: weights, risk overlays, backtests.", no_args_is_help=True
)
app.add_typer(basket_app, name="basket")

_ROLES = ("leader", "supply-chain", "peer", "other")


class SchemeOpt(StrEnum):
    equal = "equal"
    inverse_vol = "inverse-vol"
    risk_parity = "risk-parity"
    min_variance = "min-variance"


class RebalanceOpt(StrEnum):
    monthly = "monthly"
    weekly = "weekly"


def parse_role_caps(values: list[str] | None) -> dict[str, float]:
    """``["leader=60"]`` → ``{"leader": 0.6}``; one-line ``InputError`` on anything else."""
    caps: dict[str, float] = {}
    for raw in values or []:
        role, sep, pct = raw.partition("=")
        role = role.strip()
        if not sep or role not in _ROLES:
            raise InputError(
                f"--role-cap {raw}: expected ROLE=PERCENT with ROLE one of {', '.join(_ROLES)}"
            )
        try:
            caps[role] = float(pct) / 100.0
        except ValueError:
            raise InputError(f"--role-cap {raw}: {pct!r} is not a number") from None
    return caps


def _pct(value: float | None) -> float | None:
    return None if value is None else value / 100.0


def _fallback_benchmark(
    settings: Settings, theme: Theme, loaded: LoadedPrices
) -> tuple[LoadedPrices, str | None]:
    """When the theme's default benchmark has no data, the next theme benchmark that does."""
    provider = make_provider(settings)
    for entity in theme.by_role("benchmark"):
        ticker = entity.primary.ticker if entity.primary else None
        if ticker is None or ticker == loaded.benchmark:
            continue
        frame, _, _ = load_tickers(settings, provider, [ticker])
        if not frame.empty:
            merged = pd.concat([loaded.frame, frame], ignore_index=True)
            return replace(loaded, frame=merged, benchmark=ticker), ticker
    return loaded, None


@basket_app.command("backtest")
def basket_backtest(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Tickers or theme entities (default: the theme's leaders, supply chain and peers)."
        ),
    ] = None,
    scheme: Annotated[
        SchemeOpt, typer.Option("--scheme", help="Weighting scheme.")
    ] = SchemeOpt.equal,
    vol_target: Annotated[
        float | None,
        typer.Option("--vol-target", help="Target annualised volatility, percent (e.g. 20)."),
    ] = None,
    max_leverage: Annotated[
        float,
        typer.Option(
            "--max-leverage", help="Cap on the exposure the vol target may set (1 = no borrowing)."
        ),
    ] = 1.0,
    max_weight: Annotated[
        float | None, typer.Option("--max-weight", help="Cap per name, percent (e.g. 25).")
    ] = None,
    role_cap: Annotated[
        list[str] | None,
        typer.Option("--role-cap", help="Cap per role, ROLE=PERCENT (e.g. leader=60); repeatable."),
    ] = None,
    brake: Annotated[
        float | None,
        typer.Option(
            "--brake", help="Cut exposure after this drawdown from peak, percent (e.g. 15)."
        ),
    ] = None,
    brake_release: Annotated[
        float,
        typer.Option(
            "--brake-release",
            help="Restore once the drawdown is back within this percent of the trigger (0 = a new high).",
        ),
    ] = 50.0,
    brake_exposure: Annotated[
        float,
        typer.Option("--brake-exposure", help="Exposure kept while braked, percent of normal."),
    ] = 0.0,
    rebalance: Annotated[
        RebalanceOpt,
        typer.Option("--rebalance", help="Rebalance on the first session of each month or week."),
    ] = RebalanceOpt.monthly,
    cost_bps: Annotated[
        float, typer.Option("--cost-bps", help="Transaction cost in basis points of traded value.")
    ] = 10.0,
    lookback: Annotated[
        int, typer.Option("--lookback", help="Sessions of returns for volatility and covariance.")
    ] = 126,
    min_history: Annotated[
        int,
        typer.Option("--min-history", help="Sessions of unbroken history a name needs to be held."),
    ] = 63,
    benchmark: Annotated[
        str | None,
        typer.Option("--benchmark", help="Benchmark ticker or entity (default: the theme's)."),
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="First session YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last session YYYY-MM-DD.")] = None,
    prices_dir: PricesDirOpt = None,
    provider: ProviderOpt = None,
    demo: DemoOpt = False,
    fmt: FormatOpt = OutputFormat.table,
    theme: ThemeOpt = None,
    db: DbOpt = None,
) -> None:
    """Backtest a theme basket: weights, caps, vol target, drawdown brake, costs vs a benchmark."""
    from themelens.analytics.basket import BasketSpec, backtest_basket

    with boundary():
        spec = BasketSpec.build(
            scheme=scheme.value,
            rebalance=rebalance.value,
            max_weight=_pct(max_weight),
            role_caps=parse_role_caps(role_cap),
            vol_target=_pct(vol_target),
            max_leverage=max_leverage,
            brake=_pct(brake),
            brake_release=brake_release / 100.0,
            brake_exposure=brake_exposure / 100.0,
            cost_bps=cost_bps,
            lookback=lookback,
            min_history=min_history,
        )
        start_d, end_d = parse_date(start, "--start"), parse_date(end, "--end")
        if start_d and end_d and start_d >= end_d:
            raise InputError(f"--start {start_d} is not before --end {end_d}")
        settings, th = settings_and_theme(
            db=db, theme=theme, provider=provider, prices_dir=prices_dir, demo=demo
        )
        request = PriceRequest.from_names(th, names or [], benchmark=benchmark)
        with progress("prices") as on_progress:
            loaded = load_for_cli(settings, th, request, on_progress=on_progress)
        if request.benchmark_named and loaded.benchmark is None:
            why = next(
                (f.reason for f in loaded.failures if f.item == request.benchmark), "no data"
            )
            raise InputError(f"--benchmark {benchmark}: {why}")
        notes = list(loaded.warnings)
        if loaded.benchmark is None and not request.benchmark_named:
            loaded, used = _fallback_benchmark(settings, th, loaded)
            if used:
                notes.append(f"benchmark: using {used}, the first theme benchmark with data")
        roles = {
            t: (e.role or "other") if (e := th.entity_for_ticker(t)) else "other"
            for t in loaded.tickers
        }
        result = backtest_basket(
            loaded.frame,
            loaded.tickers,
            spec=spec,
            benchmark=loaded.benchmark,
            roles=roles,
            start=start_d,
            end=end_d,
        )
        for line in notes:
            console.err.print(
                f"[yellow]warning:[/yellow] {escape(str(line))}", highlight=False, soft_wrap=True
            )
        if fmt is OutputFormat.json:
            console.out.out(
                json.dumps(result.to_dict(), indent=2, default=json_default, ensure_ascii=False),
                highlight=False,
            )
        elif fmt is OutputFormat.csv:
            print_frame_csv(result.to_frame())
        else:
            console.out.print(result.summary())
        failed = [f for f in (*loaded.failures, *result.failures) if loaded.explicit(f.item)]
        for f in (*loaded.failures, *result.failures):
            console.err.print(
                f"[red]failed:[/red] {escape(str(f))}"
                if loaded.explicit(f.item)
                else f"[yellow]skipped:[/yellow] {escape(str(f))}",
                highlight=False,
                soft_wrap=True,
            )
        if failed:
            raise typer.Exit(1)
