"""What every command shares: consoles, option types, the error boundary, small parsers."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer
from rich.console import Console
from rich.markup import escape

from themelens.data.deadline import current_deadline, deadline_scope
from themelens.data.provider_names import PROVIDER_CHOICES
from themelens.errors import Failure, InputError, ThemelensError

if TYPE_CHECKING:  # the data layer (pandas) is imported when a command runs, not for --help
    from themelens.config import Settings
    from themelens.data.loading import LoadedPrices, PriceRequest
    from themelens.theme import Theme


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
# Declared once so a flag reads the same in every command's --help (docs/cli.md pins it).

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
        help=f"Price provider: {', '.join(PROVIDER_CHOICES)}"
        " (default auto: each listing from the providers its theme names).",
    ),
]
DemoOpt = Annotated[
    bool, typer.Option("--demo", help="Use the deterministic synthetic demo market (offline).")
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]
AsofOpt = Annotated[
    str | None, typer.Option("--asof", help="As-of date YYYY-MM-DD (default: latest).")
]
ProxyOpt = Annotated[
    bool,
    typer.Option(
        "--proxy/--no-proxy",
        help="For an index with no series, add what an equal-weight proxy of the theme's names "
        "did to the reason (it never decides a verdict).",
    ),
]


_TERMINAL_CONTROL: Final = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erasing the screen
    r"|(?:\x1b[]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"  # OSC, DCS...
    r"|\x1b[ -/]*[0-~]"  # any other escape sequence
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # what is left of C0 (tab and newline stay), DEL, C1
)


def terminal_text(text: str) -> str:
    """``text`` safe to print: escape sequences and control characters (C0 but tab and
    newline, DEL, C1) removed, so user text cannot drive the terminal.

    Rich markup is a separate matter: print the result with ``markup=False``, or pass it
    through ``rich.markup.escape`` (as ``terminal_cell`` does) where markup is on.
    """
    return _TERMINAL_CONTROL.sub("", text)


@contextmanager
def boundary() -> Iterator[None]:
    """Turn our errors into one stderr line and exit status 1; the command's remote sources
    share one deadline (``data.deadline``) for the whole block."""
    try:
        with deadline_scope(current_deadline()):
            yield
    except ThemelensError as exc:
        console.err.print(
            f"[red]error:[/red] {escape(terminal_text(str(exc)))}",
            markup=True,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None


def say(label: str, lines: Iterable[object], *, color: str = "yellow") -> None:
    """One stderr line per item, ``label:`` in ``color``: how every command reports notes,
    warnings and per-item failures, so they look alike and never mix into stdout."""
    for line in lines:
        console.err.print(
            f"[{color}]{label}:[/{color}] {escape(terminal_text(str(line)))}",
            highlight=False,
            soft_wrap=True,
        )


def parse_date(value: str | None, flag: str) -> date | None:
    """``YYYY-MM-DD`` or None; a bad date is a one-line ``InputError`` naming ``flag``.

    So is a date no session can have (before ``EARLIEST_SESSION`` or more than a
    year ahead): caught here, it never reaches pandas, whose nanosecond
    timestamps end in 1677 and 2262.
    """
    from themelens.data.contracts import EARLIEST_SESSION, latest_session

    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{flag} {value}: not a date (expected YYYY-MM-DD)") from None
    last = latest_session()
    if not EARLIEST_SESSION <= day <= last:
        raise InputError(f"{flag} {value}: outside the dates prices can have ({EARLIEST_SESSION}..{last})")  # fmt: skip
    return day


@contextmanager
def progress(label: str) -> Iterator[Callable[..., None]]:
    """A rich progress bar on stderr, handed to library code as ``on_progress(done, total)``.

    Library code that works in stages may pass a third argument, what it is
    doing now ("event study"), which the bar shows after ``label``. Off a
    terminal (a pipe, a file) there is no bar, and rich's progress module is
    not even imported.
    """
    err = console.err
    if not err.is_terminal:
        yield _no_progress
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int, what: str | None = None) -> None:
            text = f"{label}: {what}" if what else label
            bar.update(task, completed=done, total=total, description=text)

        yield update


def _no_progress(done: int, total: int, what: str | None = None) -> None:
    """What ``progress`` hands out when there is no terminal to draw a bar on."""


def load_prices(settings: Settings, theme: Theme, request: PriceRequest) -> LoadedPrices:
    """The request's prices, with a progress bar (what every price command starts with)."""
    from themelens.data.loading import load_for_cli

    with progress("prices") as on_progress:
        return load_for_cli(settings, theme, request, on_progress=on_progress)


def exit_on_named_failures(loaded: LoadedPrices, more: Iterable[Failure] = ()) -> None:
    """Print every per-ticker failure; exit 1 only if one the user named failed.

    A name the user typed failing is their problem to see in the exit status;
    a theme default without data is only ``skipped`` (the rest of the run stands).
    """
    failures = (*loaded.failures, *more)
    for f in failures:
        if loaded.explicit(f.item):
            say("failed", [f], color="red")
        else:
            say("skipped", [f])
    if any(loaded.explicit(f.item) for f in failures):
        raise typer.Exit(1)
