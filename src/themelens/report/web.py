"""``themelens serve``: the report's views as a local web app (FastAPI).

Pages: ``/`` (the full report), ``/entity/{slug}`` (one entity: its rally
row, chart and claims), ``/claims?verdict=&entity=`` (the claims table,
filtered on the server; the page's selects filter in the browser too), and
``/api/claims`` (the same rows as JSON). The app renders a ``ReportContext``
that ``load_context`` supplies, so it reads results and never computes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import Markup, escape

from themelens.pipeline.model import ReportContext
from themelens.report.html import render_page, render_report
from themelens.report.sections import Section
from themelens.report.sections.leaders import build_leaders
from themelens.report.sections.news_check import build_news_check

__all__ = ["create_app"]


def _filtered(ctx: ReportContext, *, verdict: str | None, entity: str | None) -> ReportContext:
    """The same context with only the claims that pass the filters."""
    if ctx.verify is None:
        return ctx
    rows = tuple(
        r
        for r in ctx.verify.rows
        if (not verdict or r.verdict == verdict) and (not entity or r.claim.entity == entity)
    )
    from dataclasses import replace

    return replace(ctx, verify=replace(ctx.verify, rows=rows))


def _entity_context(ctx: ReportContext, slug: str) -> ReportContext:
    from dataclasses import replace

    tickers = {t for t, (s, _, _) in ctx.roles.items() if s == slug}
    rally = ctx.rally
    if rally is not None:
        keep = rally.rows["ticker"].isin(tickers | ({ctx.benchmark} if ctx.benchmark else set()))
        rally = replace(rally, rows=rally.rows[keep].reset_index(drop=True))
    return _filtered(replace(ctx, rally=rally, groups=None), verdict=None, entity=slug)


def create_app(load_context: Callable[[], ReportContext]) -> FastAPI:
    """The web app over whatever context ``load_context`` returns (read on each request)."""
    app = FastAPI(title="themelens", docs_url=None, redoc_url=None)

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return render_report(load_context())

    @app.get("/entity/{slug}", response_class=HTMLResponse)
    def entity(slug: str) -> str:
        ctx = load_context()
        known = {s for s, _, _ in ctx.roles.values()}
        if slug not in known:
            raise HTTPException(
                status_code=404, detail=f"{slug}: not an entity with prices in this theme"
            )
        sub = _entity_context(ctx, slug)
        name = next(n for s, n, _ in ctx.roles.values() if s == slug)
        sections = [s for s in (build_leaders(sub), build_news_check(sub)) if s is not None]
        return render_page(ctx, title=name, sections=sections, nav=_entity_nav(ctx))

    @app.get("/claims", response_class=HTMLResponse)
    def claims(verdict: str | None = Query(None), entity: str | None = Query(None)) -> str:
        ctx = _filtered(load_context(), verdict=verdict or None, entity=entity or None)
        return render_page(
            ctx, title="Claims", sections=[build_news_check(ctx)], nav=_entity_nav(ctx)
        )

    @app.get("/api/claims")
    def api_claims(
        verdict: str | None = Query(None), entity: str | None = Query(None)
    ) -> JSONResponse:
        ctx = _filtered(load_context(), verdict=verdict or None, entity=entity or None)
        records: list[dict[str, Any]] = ctx.verify.to_records() if ctx.verify else []
        return JSONResponse(records)

    return app


def _entity_nav(ctx: ReportContext) -> Section:
    links = Markup(" · ").join(
        Markup('<a href="/entity/{}">{}</a>').format(slug, escape(name))
        for slug, name, role in sorted(set(ctx.roles.values()), key=lambda v: (v[2], v[1]))
        if role != "benchmark"
    )
    body = (
        Markup('<p><a href="/">full report</a> · <a href="/claims">all claims</a></p><p>')
        + links
        + Markup("</p>")
    )
    return Section("entities", "Entities", str(body))
