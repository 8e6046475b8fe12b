"""``themelens serve``: the report's views as a local web app, from the DuckDB store."""

from __future__ import annotations

from typing import Annotated

import typer

from themelens.cli._app import app
from themelens.cli._common import DbOpt, ThemeOpt, boundary, console, parse_date


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    asof: Annotated[
        str | None, typer.Option("--asof", help="As-of date YYYY-MM-DD (default: latest).")
    ] = None,
    theme: ThemeOpt = None,
    db: DbOpt = None,
) -> None:
    """Serve the report, a page per entity and the filterable claims table (what `report` stored)."""
    import uvicorn

    from themelens.config import resolve_settings
    from themelens.pipeline.stored import context_from_store
    from themelens.report.web import create_app
    from themelens.theme import load_theme

    with boundary():
        settings = resolve_settings(db=db, theme=theme)
        th = load_theme(settings.theme)
        when = parse_date(asof, "--asof")
        context_from_store(settings, th, asof=when)  # fail now, in one line, if the store is empty
        web = create_app(lambda: context_from_store(settings, th, asof=when))
        console.err.print(f"serving {settings.db_path} on http://{host}:{port}/", highlight=False)
    uvicorn.run(web, host=host, port=port, log_level="warning")
