"""``themelens prices``: fill and inspect the DuckDB price cache."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

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
    parse_date,
    print_frame_csv,
    progress,
    settings_and_theme,
)
from themelens.config import resolve_settings
from themelens.data.contracts import SYNTHETIC_LABEL
from themelens.data.loading import PriceRequest, make_provider

prices_app = typer.Typer(help="Fetch and inspect cached prices.", no_args_is_help=True)
app.add_typer(prices_app, name="prices")


@prices_app.command("fetch")
def prices_fetch(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Tickers or entities (default: every ticker of the theme)."),
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="First date YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date YYYY-MM-DD.")] = None,
    prices_dir: PricesDirOpt = None,
    provider: ProviderOpt = None,
    demo: DemoOpt = False,
    theme: ThemeOpt = None,
    db: DbOpt = None,
) -> None:
    """Fill the DuckDB cache from a provider, incrementally; re-running adds nothing twice."""
    from themelens.data.refresh import refresh_prices
    from themelens.data.routing import ProviderRoutes, refresh_routed
    from themelens.data.store import PriceStore

    with boundary():
        settings, th = settings_and_theme(
            db=db, theme=theme, provider=provider, prices_dir=prices_dir, demo=demo
        )
        tickers = PriceRequest.from_names(th, names or [], all_listings=not names).tickers
        prov = make_provider(settings, th)
        store = PriceStore(settings.db_path)
        first, last = parse_date(start, "--start"), parse_date(end, "--end")
        with progress(f"fetching from {prov.name}") as on_progress:
            if isinstance(prov, ProviderRoutes):
                result = refresh_routed(
                    store, prov, tickers, start=first, end=last, on_progress=on_progress
                )
            else:
                result = refresh_prices(
                    store, prov, tickers, start=first, end=last, on_progress=on_progress
                )
        console.out.print(
            f"{prov.name}: {result.rows_inserted} rows added, {result.rows_updated} updated, "
            f"{len(tickers) - len(result.failures)}/{len(tickers)} tickers -> {settings.db_path}",
            highlight=False,
        )
        for name, served in _by_provider(result.answered).items():
            console.out.print(f"  {name}: {', '.join(served)}", highlight=False, soft_wrap=True)
        if result.rebased:
            console.out.print(
                "  re-priced since the last fetch (dividend, split or correction), whole history"
                f" fetched again: {', '.join(result.rebased)}",
                highlight=False, soft_wrap=True,
            )  # fmt: skip
        if prov.synthetic:
            console.out.print(f"[bold yellow]{SYNTHETIC_LABEL}[/bold yellow]")
        for f in result.failures:
            console.err.print(
                f"[red]failed:[/red] {escape(str(f))}", highlight=False, soft_wrap=True
            )
        if result.failures:
            raise typer.Exit(1)


def _by_provider(answered: Mapping[str, str]) -> dict[str, list[str]]:
    """Provider → the tickers it answered (the routed refresh's provenance)."""
    out: dict[str, list[str]] = {}
    for ticker, name in answered.items():
        out.setdefault(name, []).append(ticker)
    return out


@prices_app.command("cached")
def prices_cached(db: DbOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """What the cache holds: provider, ticker, first and last date, rows, last fetch."""
    from themelens.data.store import PriceStore

    with boundary():
        settings = resolve_settings(db=db)
        frame = PriceStore(settings.db_path).coverage()
        if fmt is OutputFormat.json:
            console.out.out(
                frame.to_json(orient="records", date_format="iso", indent=2), highlight=False
            )
        elif fmt is OutputFormat.csv:
            print_frame_csv(frame)
        else:
            table = Table(title=f"cache {settings.db_path}")
            for col in frame.columns:
                table.add_column(str(col))
            for row in frame.itertuples(index=False):
                table.add_row(*("" if pd.isna(v) else str(v)[:19] for v in row))
            console.out.print(table)
