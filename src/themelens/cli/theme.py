"""``themelens theme``: show the theme's entities, roles and listings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from themelens.cli._app import app
from themelens.cli._common import OutputFormat, boundary
from themelens.cli._output import Output, emit
from themelens.cli._source import Source, source_options

if TYPE_CHECKING:  # the theme model (pydantic) is imported when the command runs
    from themelens.theme import Theme

theme_app = typer.Typer(
    help="Show the theme: entities, listings, roles, catalysts.", no_args_is_help=True
)
app.add_typer(theme_app, name="theme")


@theme_app.command("show")
@source_options("theme", "format")
def theme_show(*, source: Source, fmt: OutputFormat) -> None:
    """List the theme's entities with role, primary listing, other listings and the primary's providers."""
    import pandas as pd

    from themelens.theme import load_theme

    with boundary():
        th = load_theme(source.theme)
        rows = _rows(th)
        emit(Output(rows, pd.DataFrame(rows), (_table(th, rows),)), fmt)


def _rows(theme: Theme) -> list[dict[str, str]]:
    """One row per entity, every cell a string (blank where the entity has no listing)."""
    return [
        {
            "slug": e.slug,
            "name": e.name,
            "kind": e.kind,
            "role": e.role or "",
            "primary": e.primary.ticker if e.primary else "",
            "listings": " ".join(x.ticker for x in e.listings),
            "providers": " → ".join(theme.providers_for(e.primary.ticker)) if e.primary else "",
        }
        for e in theme.entities
    ]


def _table(theme: Theme, rows: list[dict[str, str]]) -> Table:
    table = Table(title=f"{theme.name}: {theme.title}")
    for col in rows[0]:
        table.add_column(col)
    for r in rows:
        table.add_row(*r.values())
    return table
