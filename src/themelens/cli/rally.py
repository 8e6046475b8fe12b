"""``themelens rally``: rally metrics for tickers or theme entities."""

from __future__ import annotations

import json
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
from themelens.data.contracts import SYNTHETIC_LABEL
from themelens.data.loading import PriceRequest, load_for_cli


@app.command()
def rally(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Tickers or theme entities (slug, alias, ticker). Default: the theme's entities."
        ),
    ] = None,
    asof: Annotated[
        str | None, typer.Option("--asof", help="As-of date YYYY-MM-DD (default: latest).")
    ] = None,
    benchmark: Annotated[
        str | None,
        typer.Option(
            "--benchmark",
            help="Benchmark ticker or entity for excess returns (default: the theme's).",
        ),
    ] = None,
    prices_dir: PricesDirOpt = None,
    provider: ProviderOpt = None,
    demo: DemoOpt = False,
    fmt: FormatOpt = OutputFormat.table,
    theme: ThemeOpt = None,
    db: DbOpt = None,
) -> None:
    """Rally metrics (returns, multi-year highs, weekly streaks, drawdown) as of a date."""
    from themelens.analytics.rally import measure_rally

    with boundary():
        settings, th = settings_and_theme(
            db=db, theme=theme, provider=provider, prices_dir=prices_dir, demo=demo
        )
        request = PriceRequest.from_names(th, names or [], benchmark=benchmark)
        with progress("prices") as on_progress:
            loaded = load_for_cli(settings, th, request, on_progress=on_progress)
        result = measure_rally(
            loaded.frame,
            loaded.tickers,
            asof=parse_date(asof, "--asof"),
            benchmark=loaded.benchmark,
        )
        for line in loaded.warnings:
            console.err.print(
                f"[yellow]warning:[/yellow] {escape(str(line))}", highlight=False, soft_wrap=True
            )
        for line in result.warnings:
            console.err.print(
                f"[yellow]note:[/yellow] {escape(str(line))}", highlight=False, soft_wrap=True
            )
        records = result.to_records()
        entity_of = {
            t: (e.slug if (e := th.entity_for_ticker(t)) else None) for t in loaded.tickers
        }
        synthetic_note = SYNTHETIC_LABEL if result.synthetic else None
        for rec in records:
            rec["entity"] = entity_of.get(str(rec["ticker"]))
            if synthetic_note:
                rec["data_note"] = synthetic_note
        if fmt is OutputFormat.json:
            console.out.out(
                json.dumps(records, indent=2, default=json_default, ensure_ascii=False),
                highlight=False,
            )
        elif fmt is OutputFormat.csv:
            print_frame_csv(pd.DataFrame.from_records(records))
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
