"""``themelens theme``: show the theme's entities, roles and listings."""

from __future__ import annotations

import json

import pandas as pd
import typer
from rich.table import Table

from themelens.cli._app import app
from themelens.cli._common import (
    FormatOpt,
    OutputFormat,
    ThemeOpt,
    boundary,
    console,
    print_frame_csv,
)
from themelens.theme import load_theme

theme_app = typer.Typer(
    help="Show the theme: entities, listings, roles, catalysts.", no_args_is_help=True
)
app.add_typer(theme_app, name="theme")


@theme_app.command("show")
def theme_show(theme: ThemeOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """List the theme's entities with role, primary listing, other listings and the primary's providers."""
    with boundary():
        th = load_theme(theme)
        rows = [
            {
                "slug": e.slug,
                "name": e.name,
                "kind": e.kind,
                "role": e.role or "",
                "primary": e.primary.ticker if e.primary else "",
                "listings": " ".join(x.ticker for x in e.listings),
                "providers": " → ".join(th.providers_for(e.primary.ticker)) if e.primary else "",
            }
            for e in th.entities
        ]
        if fmt is OutputFormat.json:
            console.out.out(json.dumps(rows, indent=2, ensure_ascii=False), highlight=False)
        elif fmt is OutputFormat.csv:
            print_frame_csv(pd.DataFrame(rows))
        else:
            table = Table(title=f"{th.name}: {th.title}")
            for col in rows[0]:
                table.add_column(col)
            for r in rows:
                table.add_row(*r.values())
            console.out.print(table)
