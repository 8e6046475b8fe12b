"""``themelens serve``: the report's views as a local web app, from the DuckDB store."""

from __future__ import annotations

from typing import Annotated

import typer

from themelens.cli._app import app
from themelens.cli._common import AsofOpt, boundary, console, parse_date
from themelens.cli._source import STORE_FLAGS, Source, source_options


@app.command()
@source_options(*STORE_FLAGS)
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    asof: AsofOpt = None,
    *,
    source: Source,
) -> None:
    """Serve a stored report run exactly as `report` showed it (default: the newest; /runs lists
    them, /?run=ID picks one), a page per entity, the filterable claims table, JSON under /api/,
    and the live table of `themelens watch` at /watch."""
    import uvicorn

    from themelens.pipeline.stored import RunReader
    from themelens.report.web import allowed_hosts, create_app
    from themelens.watch.web import watch_router

    with boundary():
        settings, th = source.resolve()
        reader = RunReader(settings.db_path, th.name, asof=parse_date(asof, "--asof"))
        reader.load()  # fail now, in one line, if the store is empty
        web = create_app(reader.load, reader.runs, hosts=allowed_hosts(host, port))
        web.include_router(watch_router(settings.db_path))
        console.err.print(f"serving {settings.db_path} on http://{host}:{port}/", highlight=False)
    uvicorn.run(web, host=host, port=port, log_level="warning")
