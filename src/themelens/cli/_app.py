"""The ``themelens`` Typer app and its global options; commands register on it."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler

app = typer.Typer(
    name="themelens",
    help="Evidence for a market theme: prices, rally metrics, news claims checked against the tape.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


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


news_app = typer.Typer(help="Ingest and list news articles.", no_args_is_help=True)
claims_app = typer.Typer(
    help="Extract numeric claims from articles and reconcile sources.", no_args_is_help=True
)
app.add_typer(news_app, name="news")
app.add_typer(claims_app, name="claims")
