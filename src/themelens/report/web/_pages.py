"""The HTML pages: the report, the runs, one entity, the claims; and plotly.js, served once."""

from __future__ import annotations

from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse, Response

from themelens.errors import StoreError
from themelens.pipeline.model import ThemeRun
from themelens.report.html import plotly_js, render_page, render_report
from themelens.report.sections.leaders import build_leaders
from themelens.report.sections.news_check import build_news_check
from themelens.report.web._nav import PLOTLY_PATH, app_page, nav_section, plotly_src, runs_section
from themelens.report.web._scope import (
    check_entity,
    check_verdict,
    claims_context,
    entity_context,
    require_priced,
)
from themelens.report.web._served import RUN_QUERY, Served

__all__ = ["add_pages"]


def add_pages(app: FastAPI, served: Served) -> None:
    """The pages of ``app``; each reads its run through ``served``."""
    script = plotly_js().encode()

    @app.get(PLOTLY_PATH)
    def plotly() -> Response:
        cache = "public, max-age=86400"
        return Response(script, media_type="text/javascript", headers={"Cache-Control": cache})

    @app.get("/", response_class=HTMLResponse)
    def index(run: str | None = RUN_QUERY) -> Response:
        return served.answer(
            run, ("/",), lambda ctx: render_report(ctx, plotly_src=plotly_src()).encode()
        )

    @app.get("/runs", response_class=HTMLResponse)
    def runs() -> Response:
        listed = served.runs()
        try:
            ctx: ThemeRun | None = served.load(None)
        except StoreError:
            ctx = None  # no run stored yet: the list says so
        return HTMLResponse(app_page(ctx, title="Runs", sections=[runs_section(listed)]))

    @app.get("/entity/{slug}", response_class=HTMLResponse)
    def entity(slug: str, run: str | None = RUN_QUERY) -> Response:
        def build(ctx: ThemeRun) -> bytes:
            chosen = require_priced(ctx, slug)
            sub = entity_context(ctx, chosen)
            sections = [s for s in (build_leaders(sub), build_news_check(sub)) if s is not None]
            nav = nav_section(ctx, pinned=bool(run))
            page = render_page(
                ctx, title=chosen.name, sections=sections, nav=nav, plotly_src=plotly_src()
            )
            return page.encode()

        return served.answer(
            run, ("entity", slug), build, check=lambda ctx: require_priced(ctx, slug)
        )

    @app.get("/claims", response_class=HTMLResponse)
    def claims(
        verdict: str | None = Query(None, description="One of VERDICTS; default all."),
        entity: str | None = Query(None, description="An entity of the run; default all."),
        run: str | None = RUN_QUERY,
    ) -> Response:
        chosen = check_verdict(verdict)

        def build(full: ThemeRun) -> bytes:
            ctx = claims_context(full, verdict=chosen, entity=entity or None)
            shown = ", ".join(x for x in (chosen, entity) if x)
            title = f"Claims ({shown})" if shown else "Claims"
            nav = nav_section(full, pinned=bool(run))
            sections = [build_news_check(ctx)]
            return render_page(
                ctx, title=title, sections=sections, nav=nav, plotly_src=plotly_src()
            ).encode()

        return served.answer(
            run,
            ("claims", chosen or "", entity or ""),
            build,
            check=lambda ctx: check_entity(ctx, entity),
        )
