"""``themelens serve``: the report's views as a local web app (FastAPI).

Pages: ``/`` (the full report of a stored run, every section as
``themelens report`` wrote it; ``?run=ID`` picks one, default the newest),
``/runs`` (the stored runs), ``/entity/{slug}`` (one entity: its rally row,
chart and claims), ``/claims?verdict=&entity=`` (the claims table, filtered
on the server; the page's selects filter in the browser too), and
``/api/claims`` (the same rows as JSON). The app renders the ``ThemeRun``
that ``load_context`` supplies, so it reads results and never computes them.

Why it looks the way it does
----------------------------
- A stored run never changes, so a page rendered from run ``ID`` is kept
  (``_Pages``: the pages of the last few runs, a bounded number each) and
  sent again as bytes; a new run gets a new id, so storing one retires the
  old pages without any invalidation step. Rendering a full report builds
  every chart, so pages render one at a time (the GIL serialises them
  anyway) and twenty clients asking for the same page render it once.
- plotly.js (1.2 MB) is served once at ``/assets/`` with a long cache
  lifetime instead of inlined into every page.
- The store can be busy (another process writing it) or gone: a page that
  was rendered before is served again with a notice, anything else is a 503
  with ``Retry-After``; a traceback never reaches the client.
- ``allowed_hosts`` turns away requests whose ``Host`` header names another
  host (400), so a web page elsewhere cannot read the local store through
  DNS rebinding.
"""

from __future__ import annotations

import json
import math
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import Any, Final

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup, escape
from starlette.types import ASGIApp, Receive, Scope, Send

from themelens._version import __version__
from themelens.errors import StoreError
from themelens.pipeline.model import ThemeRun
from themelens.pipeline.runs import StoredRun
from themelens.report.html import plotly_js, render_page, render_report
from themelens.report.sections import Section
from themelens.report.sections.leaders import build_leaders
from themelens.report.sections.news_check import build_news_check

__all__ = ["allowed_hosts", "create_app"]

PLOTLY_PATH: Final = "/assets/plotly-basic.min.js"
RETRY_AFTER_S: Final = 5
_HTML: Final = "text/html; charset=utf-8"
_JSON: Final = "application/json"


def allowed_hosts(host: str, port: int) -> tuple[str, ...]:
    """The ``Host`` header values a server listening on ``host:port`` answers.

    Loopback names always; the listening address when it is a name or an
    address; for a wildcard (``0.0.0.0``, ``::``) this machine's host name,
    its fully qualified name and their addresses. Each with ``:port``, and
    also bare when ``port`` is 80 (browsers leave the default port out).
    """
    names = {"127.0.0.1", "localhost", "[::1]"}
    if host in ("0.0.0.0", "::", ""):
        for name in {socket.gethostname(), socket.getfqdn()}:
            names.add(name)
            try:
                infos = socket.getaddrinfo(name, port, proto=socket.IPPROTO_TCP)
            except OSError:
                continue
            names.update(str(info[4][0]) for info in infos)
    else:
        names.add(host)
    bracketed = {f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names}
    hosts = {f"{n.lower()}:{port}" for n in bracketed}
    if port == 80:
        hosts |= {n.lower() for n in bracketed}
    return tuple(sorted(hosts))


class _HostCheck:
    """ASGI middleware: 400 unless the ``Host`` header is one of ``hosts`` exactly."""

    def __init__(self, app: ASGIApp, hosts: Collection[str]) -> None:
        self.app = app
        self.hosts = frozenset(h.lower() for h in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = next((v for k, v in scope["headers"] if k == b"host"), b"")
            if host.decode("latin-1").lower() not in self.hosts:
                response = Response("Invalid host header", status_code=400, media_type="text/plain")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _Pages:
    """Rendered pages by run id: the pages of the last ``runs`` runs, ``per_run`` each (LRU)."""

    def __init__(self, *, runs: int = 4, per_run: int = 32) -> None:
        self._runs, self._per_run = runs, per_run
        self._pages: OrderedDict[str, OrderedDict[tuple[str, ...], bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.render_lock = threading.Lock()

    def get(self, run_id: str, key: tuple[str, ...]) -> bytes | None:
        with self._lock:
            pages = self._pages.get(run_id)
            if pages is None or key not in pages:
                return None
            self._pages.move_to_end(run_id)
            pages.move_to_end(key)
            return pages[key]

    def put(self, run_id: str, key: tuple[str, ...], body: bytes) -> None:
        with self._lock:
            pages = self._pages.setdefault(run_id, OrderedDict())
            pages[key] = body
            self._pages.move_to_end(run_id)
            while len(pages) > self._per_run:
                pages.popitem(last=False)
            while len(self._pages) > self._runs:
                self._pages.popitem(last=False)


def _filtered(ctx: ThemeRun, *, verdict: str | None, entity: str | None) -> ThemeRun:
    """The same context with only the claims that pass the filters."""
    if ctx.verify is None:
        return ctx
    rows = tuple(
        r
        for r in ctx.verify.rows
        if (not verdict or r.verdict == verdict) and (not entity or r.claim.entity == entity)
    )
    return replace(ctx, verify=replace(ctx.verify, rows=rows))


def _entity_context(ctx: ThemeRun, slug: str) -> ThemeRun:
    tickers = {t for t, (s, _, _) in ctx.roles.items() if s == slug}
    rally = ctx.rally
    if rally is not None:
        keep = rally.rows["ticker"].isin(tickers | ({ctx.benchmark} if ctx.benchmark else set()))
        rally = replace(rally, rows=rally.rows[keep].reset_index(drop=True))
    return _filtered(replace(ctx, rally=rally, groups=None), verdict=None, entity=slug)


def create_app(
    load_context: Callable[..., ThemeRun],
    list_runs: Callable[[], Sequence[StoredRun]] | None = None,
    *,
    hosts: Collection[str] | None = None,
) -> FastAPI:
    """The web app over the run ``load_context`` returns (called on each request).

    ``load_context(run_id)`` is called with the ``?run=`` id when a page names
    one, without arguments otherwise; ``list_runs`` feeds ``/runs``. Both may
    raise ``StoreError`` (busy, gone), which the app answers with the page it
    showed before or a 503. ``hosts`` (from ``allowed_hosts``) are the
    ``Host`` headers answered; ``None`` answers any (tests, embedding).
    """
    app = FastAPI(title="themelens", docs_url=None, redoc_url=None)
    if hosts is not None:
        app.add_middleware(_HostCheck, hosts=hosts)
    pages = _Pages()
    shown: dict[str, str] = {}  # "latest" -> the run id the default pages last showed
    script = plotly_js().encode()

    def load(run: str | None) -> ThemeRun:
        ctx = load_context(run) if run else load_context()
        if not run and ctx.run_id:
            shown["latest"] = ctx.run_id
        return ctx

    def unavailable(exc: StoreError, run: str | None, key: tuple[str, ...], media: str) -> Response:
        """The page as last rendered, with a notice, or a 503 saying when to retry."""
        if run and list_runs is not None:
            try:
                if run not in {r.id for r in list_runs()}:
                    return _not_found(f"{run}: no stored run with this id", media)
            except StoreError:
                pass
        headers = {"Retry-After": str(RETRY_AFTER_S)}
        last = run or shown.get("latest")
        body = pages.get(last, key) if last else None
        if body is not None:
            headers["Warning"] = '110 themelens "stale: the store could not be read"'
            if media == _HTML:
                body = _with_notice(body, f"Showing run {last} as last read: {exc}")
            return Response(body, media_type=media, headers=headers)
        if media == _JSON:
            return JSONResponse({"error": str(exc)}, status_code=503, headers=headers)
        text = f"The store cannot be read just now ({exc}). Retry in a few seconds."
        page = Markup("<!DOCTYPE html><title>themelens: busy</title><p>{}</p>").format(text)
        return HTMLResponse(str(page), status_code=503, headers=headers)

    def answer(
        run: str | None,
        key: tuple[str, ...],
        build: Callable[[ThemeRun], bytes],
        media: str = _HTML,
        check: Callable[[ThemeRun], None] | None = None,
    ) -> Response:
        """``build(ctx)`` for the run, rendered once per run id and then sent from memory.

        ``check(ctx)`` raises the ``HTTPException`` for a request the run cannot answer.
        """
        try:
            ctx = load(run)
        except StoreError as exc:
            return unavailable(exc, run, key, media)
        if check is not None:
            check(ctx)
        body = pages.get(ctx.run_id, key) if ctx.run_id else None
        if body is None:
            with pages.render_lock:
                body = pages.get(ctx.run_id, key) if ctx.run_id else None
                if body is None:
                    body = build(ctx)
                    if ctx.run_id:
                        pages.put(ctx.run_id, key, body)
        return Response(body, media_type=media)

    @app.get(PLOTLY_PATH)
    def plotly() -> Response:
        cache = "public, max-age=86400"
        return Response(script, media_type="text/javascript", headers={"Cache-Control": cache})

    @app.get("/", response_class=HTMLResponse)
    def index(run: str | None = Query(None)) -> Response:
        return answer(run, ("/",), lambda ctx: render_report(ctx, plotly_src=_src()).encode())

    @app.get("/runs", response_class=HTMLResponse)
    def runs() -> Response:
        try:
            listed = list(list_runs()) if list_runs is not None else []
            ctx = load(None)
        except StoreError as exc:
            return unavailable(exc, None, ("/runs",), _HTML)
        section = _runs_section(listed)
        html = render_page(ctx, title="Runs", sections=[section], nav=None, plotly_src=_src())
        return HTMLResponse(html)

    @app.get("/entity/{slug}", response_class=HTMLResponse)
    def entity(slug: str, run: str | None = Query(None)) -> Response:
        def build(ctx: ThemeRun) -> bytes:
            sub = _entity_context(ctx, slug)
            name = next(n for s, n, _ in ctx.roles.values() if s == slug)
            sections = [s for s in (build_leaders(sub), build_news_check(sub)) if s is not None]
            nav = _entity_nav(ctx)
            return render_page(
                ctx, title=name, sections=sections, nav=nav, plotly_src=_src()
            ).encode()

        return answer(run, ("entity", slug), build, check=lambda ctx: _require_entity(ctx, slug))

    @app.get("/claims", response_class=HTMLResponse)
    def claims(
        verdict: str | None = Query(None),
        entity: str | None = Query(None),
        run: str | None = Query(None),
    ) -> Response:
        def build(full: ThemeRun) -> bytes:
            ctx = _filtered(full, verdict=verdict or None, entity=entity or None)
            sections = [build_news_check(ctx)]
            nav = _entity_nav(ctx)
            return render_page(
                ctx, title="Claims", sections=sections, nav=nav, plotly_src=_src()
            ).encode()

        return answer(run, ("claims", verdict or "", entity or ""), build)

    @app.get("/api/claims")
    def api_claims(
        verdict: str | None = Query(None),
        entity: str | None = Query(None),
        run: str | None = Query(None),
    ) -> Response:
        def build(full: ThemeRun) -> bytes:
            ctx = _filtered(full, verdict=verdict or None, entity=entity or None)
            records: list[dict[str, Any]] = ctx.verify.to_records() if ctx.verify else []
            return _json_bytes(records)

        return answer(run, ("api/claims", verdict or "", entity or ""), build, _JSON)

    return app


def _src() -> str:
    return f"{PLOTLY_PATH}?v={__version__}"


def _json_bytes(value: object) -> bytes:
    """``value`` as JSON; a NaN or infinity is ``null`` (JSON has neither), anything odd a string."""

    def finite(v: object) -> object:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: finite(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [finite(x) for x in v]
        return v

    text = json.dumps(finite(value), ensure_ascii=False, allow_nan=False, default=str)
    return text.encode("utf-8")


def _require_entity(ctx: ThemeRun, slug: str) -> None:
    """A 404 unless ``slug`` is an entity with prices in the run."""
    if slug not in {s for s, _, _ in ctx.roles.values()}:
        detail = f"{slug}: not an entity with prices in this theme"
        raise HTTPException(status_code=404, detail=detail)


def _not_found(text: str, media: str) -> Response:
    if media == _JSON:
        return JSONResponse({"detail": text}, status_code=404)
    return HTMLResponse(str(Markup("<p>{}</p>").format(text)), status_code=404)


def _with_notice(body: bytes, text: str) -> bytes:
    """The page with a notice bar first in its body (a page served from memory, not the store)."""
    notice = Markup('<div class="banner" id="stale-notice">{}</div>').format(text)
    return body.replace(b"<body>", b"<body>" + str(notice).encode(), 1)


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
