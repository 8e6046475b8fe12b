"""The ``themelens`` command line: parse, call, print. Nothing is computed here.

Every ``ThemelensError`` becomes one red line on stderr and exit status 1;
no traceback reaches the user (``pretty_exceptions_show_locals`` is off so a
genuine crash does not dump locals either).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from themelens.config import Settings, resolve_settings
from themelens.data.contracts import SYNTHETIC_LABEL
from themelens.data.loading import PriceRequest, load_for_cli, make_provider, provider_names
from themelens.errors import InputError, ThemelensError
from themelens.theme import Theme, load_theme

app = typer.Typer(
    name="themelens",
    help="Evidence for a market theme: prices, rally metrics, news claims checked against the tape.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
prices_app = typer.Typer(help="Fetch and inspect cached prices.", no_args_is_help=True)
theme_app = typer.Typer(
    help="Show the theme: entities, listings, roles, catalysts.", no_args_is_help=True
)
app.add_typer(prices_app, name="prices")


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log what the library does.")
    ] = False,
) -> None:
    """Wire logging once: ours at INFO with --verbose, third-party chatter (yfinance) silenced."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=Console(stderr=True), show_path=False)],
        force=True,
    )
    logging.getLogger("yfinance").setLevel(logging.CRITICAL)


app.add_typer(theme_app, name="theme")


class _Consoles:
    """Rich consoles made on first use, so the terminal width (``COLUMNS``) is read per run."""

    @property
    def out(self) -> Console:
        # a pipe has no width; rich would assume 80 and squeeze the table to ellipses
        console = Console(soft_wrap=False)
        if not console.is_terminal and "COLUMNS" not in os.environ:
            console.width = 160
        return console

    @property
    def err(self) -> Console:
        return Console(stderr=True)


_console = _Consoles()


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


# --- shared options ---------------------------------------------------------

ThemeOpt = Annotated[
    str | None, typer.Option("--theme", help="Built-in theme name or path to a theme YAML file.")
]
DbOpt = Annotated[
    Path | None, typer.Option("--db", help="DuckDB cache file (default: the user's cache dir).")
]
PricesDirOpt = Annotated[
    Path | None,
    typer.Option("--prices-dir", help="Folder of TICKER.csv files; selects the csv provider."),
]
ProviderOpt = Annotated[
    str | None,
    typer.Option("--provider", help=f"Price provider: {', '.join(provider_names())}."),
]
DemoOpt = Annotated[
    bool, typer.Option("--demo", help="Use the deterministic synthetic demo market (offline).")
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


@contextmanager
def _boundary() -> Iterator[None]:
    """Turn our errors into one stderr line and exit status 1."""
    try:
        yield
    except ThemelensError as exc:
        _console.err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _settings(
    *, db: Path | None, theme: str | None, provider: str | None, prices_dir: Path | None, demo: bool
) -> tuple[Settings, Theme]:
    if provider is not None and provider not in provider_names():
        raise InputError(
            f"--provider {provider}: unknown provider; choose from {', '.join(provider_names())}"
        )
    settings = resolve_settings(
        db=db, theme=theme, provider=provider, prices_dir=prices_dir, demo=demo
    )
    return settings, load_theme(settings.theme)


def _parse_date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{flag} {value}: not a date (expected YYYY-MM-DD)") from None


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr, handed to library code as ``on_progress(done, total)``."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console.err,
        transient=True,
        disable=not _console.err.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _print_frame_csv(frame: pd.DataFrame) -> None:
    frame.to_csv(sys.stdout, index=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return value.isoformat()[:10] if not isinstance(value, datetime) else value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# --- rally ------------------------------------------------------------------


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

    with _boundary():
        settings, th = _settings(
            db=db, theme=theme, provider=provider, prices_dir=prices_dir, demo=demo
        )
        request = PriceRequest.from_names(th, names or [], benchmark=benchmark)
        with _progress("prices") as on_progress:
            loaded = load_for_cli(settings, th, request, on_progress=on_progress)
        result = measure_rally(
            loaded.frame,
            loaded.tickers,
            asof=_parse_date(asof, "--asof"),
            benchmark=loaded.benchmark,
        )
        for line in loaded.warnings:
            _console.err.print(f"[yellow]warning:[/yellow] {line}", highlight=False, soft_wrap=True)
        for line in result.warnings:
            _console.err.print(f"[yellow]note:[/yellow] {line}", highlight=False, soft_wrap=True)
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
            _console.out.out(
                json.dumps(records, indent=2, default=_json_default, ensure_ascii=False),
                highlight=False,
            )
        elif fmt is OutputFormat.csv:
            _print_frame_csv(pd.DataFrame.from_records(records))
        else:
            _console.out.print(result.summary())
        failed = [f for f in (*loaded.failures, *result.failures) if loaded.explicit(f.item)]
        for f in (*loaded.failures, *result.failures):
            _console.err.print(
                f"[red]failed:[/red] {f}"
                if loaded.explicit(f.item)
                else f"[yellow]skipped:[/yellow] {f}",
                highlight=False,
                soft_wrap=True,
            )
        if failed:
            raise typer.Exit(1)


# --- prices -----------------------------------------------------------------


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
    from themelens.data.store import PriceStore

    with _boundary():
        settings, th = _settings(
            db=db, theme=theme, provider=provider, prices_dir=prices_dir, demo=demo
        )
        tickers = PriceRequest.from_names(th, names or [], all_listings=not names).tickers
        prov = make_provider(settings)
        store = PriceStore(settings.db_path)
        with _progress(f"fetching from {prov.name}") as on_progress:
            result = refresh_prices(
                store,
                prov,
                tickers,
                start=_parse_date(start, "--start"),
                end=_parse_date(end, "--end"),
                on_progress=on_progress,
            )
        _console.out.print(
            f"{prov.name}: {result.rows_inserted} rows added, {result.rows_updated} updated, "
            f"{len(tickers) - len(result.failures)}/{len(tickers)} tickers -> {settings.db_path}",
            highlight=False,
        )
        if prov.synthetic:
            _console.out.print(f"[bold yellow]{SYNTHETIC_LABEL}[/bold yellow]")
        for f in result.failures:
            _console.err.print(f"[red]failed:[/red] {f}", highlight=False, soft_wrap=True)
        if result.failures:
            raise typer.Exit(1)


@prices_app.command("cached")
def prices_cached(db: DbOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """What the cache holds: provider, ticker, first and last date, rows, last fetch."""
    from themelens.data.store import PriceStore

    with _boundary():
        settings = resolve_settings(db=db)
        frame = PriceStore(settings.db_path).coverage()
        if fmt is OutputFormat.json:
            _console.out.out(
                frame.to_json(orient="records", date_format="iso", indent=2), highlight=False
            )
        elif fmt is OutputFormat.csv:
            _print_frame_csv(frame)
        else:
            table = Table(title=f"cache {settings.db_path}")
            for col in frame.columns:
                table.add_column(str(col))
            for row in frame.itertuples(index=False):
                table.add_row(*("" if pd.isna(v) else str(v)[:19] for v in row))
            _console.out.print(table)


# --- theme ------------------------------------------------------------------


@theme_app.command("show")
def theme_show(theme: ThemeOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """List the theme's entities with role, primary listing and other listings."""
    with _boundary():
        th = load_theme(theme)
        rows = [
            {
                "slug": e.slug,
                "name": e.name,
                "kind": e.kind,
                "role": e.role or "",
                "primary": e.primary.ticker if e.primary else "",
                "listings": " ".join(x.ticker for x in e.listings),
            }
            for e in th.entities
        ]
        if fmt is OutputFormat.json:
            _console.out.out(json.dumps(rows, indent=2, ensure_ascii=False), highlight=False)
        elif fmt is OutputFormat.csv:
            _print_frame_csv(pd.DataFrame(rows))
        else:
            table = Table(title=f"{th.name}: {th.title}")
            for col in rows[0]:
                table.add_column(col)
            for r in rows:
                table.add_row(*r.values())
            _console.out.print(table)


def main(argv: Sequence[str] | None = None) -> None:  # pragma: no cover - console entry
    app(args=list(argv) if argv is not None else None)
