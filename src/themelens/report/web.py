"""``themelens serve``: the report's views as a local web app (FastAPI).

Pages: ``/`` (the full report of a stored run, every section as
``themelens report`` wrote it; ``?run=ID`` picks one, default the newest),
``/runs`` (the stored runs), ``/entity/{slug}`` (one entity: its rally row,
chart and claims), ``/claims?verdict=&entity=`` (the claims table, filtered
on the server; the page's selects filter in the browser too), and
``/api/claims`` (the same rows as JSON). The app renders the ``ThemeRun``
that ``load_context`` supplies, so it reads results and never computes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import Markup, escape

from themelens.pipeline.model import ThemeRun
from themelens.pipeline.runs import StoredRun
from themelens.report.html import render_page, render_report
from themelens.report.sections import Section
from themelens.report.sections.leaders import build_leaders
from themelens.report.sections.news_check import build_news_check

__all__ = ["create_app"]


def _filtered(ctx: ThemeRun, *, verdict: str | None, entity: str | None) -> ThemeRun:
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


def _entity_context(ctx: ThemeRun, slug: str) -> ThemeRun:
    from dataclasses import replace

    tickers = {t for t, (s, _, _) in ctx.roles.items() if s == slug}
    rally = ctx.rally
    if rally is not None:
        keep = rally.rows["ticker"].isin(tickers | ({ctx.benchmark} if ctx.benchmark else set()))
        rally = replace(rally, rows=rally.rows[keep].reset_index(drop=True))
    return _filtered(replace(ctx, rally=rally, groups=None), verdict=None, entity=slug)


def create_app(
    load_context: Callable[..., ThemeRun],
    list_runs: Callable[[], Sequence[StoredRun]] | None = None,
) -> FastAPI:
    """The web app over the run ``load_context`` returns (read on each request).

    ``load_context(run_id)`` is called with the ``?run=`` id when a page names
    one, without arguments otherwise; ``list_runs`` feeds ``/runs``.
    """
    app = FastAPI(title="themelens", docs_url=None, redoc_url=None)

    def load(run: str | None) -> ThemeRun:
        return load_context(run) if run else load_context()

    @app.get("/", response_class=HTMLResponse)
    def index(run: str | None = Query(None)) -> str:
        return render_report(load(run))

    @app.get("/runs", response_class=HTMLResponse)
    def runs() -> str:
        listed = list(list_runs()) if list_runs is not None else []
        ctx = load_context()
        return render_page(ctx, title="Runs", sections=[_runs_section(listed)], nav=None)

    @app.get("/entity/{slug}", response_class=HTMLResponse)
    def entity(slug: str, run: str | None = Query(None)) -> str:
        ctx = load(run)
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
    def claims(
        verdict: str | None = Query(None),
        entity: str | None = Query(None),
        run: str | None = Query(None),
    ) -> str:
        ctx = _filtered(load(run), verdict=verdict or None, entity=entity or None)
        return render_page(
            ctx, title="Claims", sections=[build_news_check(ctx)], nav=_entity_nav(ctx)
        )

    @app.get("/api/claims")
    def api_claims(
        verdict: str | None = Query(None),
        entity: str | None = Query(None),
        run: str | None = Query(None),
    ) -> JSONResponse:
        ctx = _filtered(load(run), verdict=verdict or None, entity=entity or None)
        records: list[dict[str, Any]] = ctx.verify.to_records() if ctx.verify else []
        return JSONResponse(records)

    return app


def _entity_nav(ctx: ThemeRun) -> Section:
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


def _runs_section(listed: Sequence[StoredRun]) -> Section:
    """The stored runs, newest first, each a link to its report."""
    if not listed:
        return Section("runs", "Runs", str(Markup("<p>No run is stored yet.</p>")))
    rows = Markup("").join(
        Markup(
            '<tr><td><a href="/?run={id}">{id}</a></td><td>{created}</td><td>{theme}</td>'
            '<td>{asof}</td><td class="num">{articles}</td><td class="num">{claims}</td>'
            "<td>{data}</td></tr>"
        ).format(
            id=r.id,
            created=f"{r.created_at:%Y-%m-%d %H:%M:%S}",
            theme=r.theme,
            asof=r.asof.isoformat() if r.asof else "latest session",
            articles=r.articles,
            claims=r.claims,
            data="synthetic (demo)" if r.synthetic else "market data",
        )
        for r in listed
    )
    head = Markup(
        '<table id="runs-table"><thead><tr><th>run</th><th>stored (UTC)</th><th>theme</th>'
        "<th>as of</th><th>articles</th><th>claims</th><th>data</th></tr></thead><tbody>"
    )
    return Section("runs", "Runs", str(head + rows + Markup("</tbody></table>")))
