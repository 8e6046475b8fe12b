"""What every command shares: consoles, option types, the error boundary, small parsers."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from themelens.config import Settings, resolve_settings
from themelens.data.loading import provider_names
from themelens.errors import InputError, ThemelensError
from themelens.theme import Theme, load_theme


class Consoles:
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


console = Consoles()


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
    typer.Option(
        "--provider",
        help=f"Price provider: {', '.join(provider_names())}"
        " (default auto: each listing from the providers its theme names).",
    ),
]
DemoOpt = Annotated[
    bool, typer.Option("--demo", help="Use the deterministic synthetic demo market (offline).")
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


@contextmanager
def boundary() -> Iterator[None]:
    """Turn our errors into one stderr line and exit status 1."""
    try:
        yield
    except ThemelensError as exc:
        console.err.print(
            f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True
        )
        raise typer.Exit(1) from None


def settings_and_theme(
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


def parse_date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{flag} {value}: not a date (expected YYYY-MM-DD)") from None


@contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr, handed to library code as ``on_progress(done, total)``."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console.err,
        transient=True,
        disable=not console.err.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def print_frame_csv(frame: pd.DataFrame) -> None:
    frame.to_csv(sys.stdout, index=False)


def json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return value.isoformat()[:10] if not isinstance(value, datetime) else value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
