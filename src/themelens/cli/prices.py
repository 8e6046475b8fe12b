"""``themelens prices``: fill and inspect the DuckDB price cache."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from themelens.cli._app import app
from themelens.cli._common import OutputFormat, boundary, console, parse_date, progress, say
from themelens.cli._output import Output, emit, frame_table
from themelens.cli._source import RUN_FLAGS, Source, source_options

if TYPE_CHECKING:
    from themelens.data.refresh import RefreshResult

prices_app = typer.Typer(help="Fetch and inspect cached prices.", no_args_is_help=True)
app.add_typer(prices_app, name="prices")


@prices_app.command("fetch")
@source_options(*RUN_FLAGS)
def prices_fetch(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Tickers or entities (default: every ticker of the theme)."),
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="First date YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date YYYY-MM-DD.")] = None,
    *,
    source: Source,
) -> None:
    """Fill the DuckDB cache from a provider, incrementally; re-running adds nothing twice."""
    from themelens.data.contracts import SYNTHETIC_LABEL
    from themelens.data.loading import PriceRequest, make_provider
    from themelens.data.providers import PriceQuery
    from themelens.data.store import PriceStore

    with boundary():
        settings, th = source.resolve()
        tickers = PriceRequest.from_names(th, names or [], all_listings=not names).tickers
        prov = make_provider(settings, th)
        store = PriceStore(settings.db_path)
        first, last = parse_date(start, "--start"), parse_date(end, "--end")
        with progress(f"fetching from {prov.name}") as on_progress:
            query = PriceQuery(tickers, start=first, end=last)
            result = prov.refresh(store, query, on_progress=on_progress)
        _print_fetch(prov.name, result, len(tickers), settings.db_path)
        if prov.synthetic:
            console.out.print(f"[bold yellow]{SYNTHETIC_LABEL}[/bold yellow]")
        say("failed", result.failures, color="red")
        if result.failures:
            raise typer.Exit(1)


def _print_fetch(provider: str, result: RefreshResult, asked: int, db_path: Path) -> None:
    """What the fetch did: rows, tickers, who answered which, and what was re-priced."""
    console.out.print(
        f"{provider}: {result.rows_inserted} rows added, {result.rows_updated} updated, "
        f"{asked - len(result.failures)}/{asked} tickers -> {db_path}",
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


def _by_provider(answered: Mapping[str, str]) -> dict[str, list[str]]:
    """Provider → the tickers it answered (the routed refresh's provenance)."""
    out: dict[str, list[str]] = {}
    for ticker, name in answered.items():
        out.setdefault(name, []).append(ticker)
    return out


@prices_app.command("cached")
@source_options("db", "format")
def prices_cached(*, source: Source, fmt: OutputFormat) -> None:
    """What the cache holds: provider, ticker, first and last date, rows, last fetch."""
    from themelens.data.store import PriceStore

    with boundary():
        db_path = source.settings().db_path
        frame = PriceStore(db_path).coverage()
        table = frame_table(frame, f"cache {db_path}", cell=lambda v: str(v)[:19])
        emit(Output(frame, frame, (table,)), fmt)
