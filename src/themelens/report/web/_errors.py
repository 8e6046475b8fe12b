"""Errors as the app answers them: an HTML page like the others, or ``{"error": ...}`` under /api/.

A route raises ``Problem(status, message)`` (with the run it was answering,
when it has one, for the page's navigation); ``install_handlers`` turns it,
an unknown path (404), a wrong method (405), a query FastAPI rejects (400)
and any other exception (500) into one response whose body is a one-line
message, never a traceback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from themelens.pipeline.model import ThemeRun
from themelens.report.sections import Section
from themelens.report.web._nav import app_page
from themelens.report.web._problem import Problem

__all__ = ["error_page", "install_handlers"]

_TITLES: Final = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    500: "Server error",
    503: "Store busy",
}


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path == "/api" or path.startswith("/api/")


def error_page(status: int, message: str, ctx: ThemeRun | None) -> str:
    """The error as a page of the app: the run's header and navigation when a run is known."""
    title = _TITLES.get(status) or HTTPStatus(status).phrase
    body = Markup('<p class="missing" id="error-message">{}</p>').format(message)
    return app_page(ctx, title=title, sections=[Section("error", f"{status} {title}", str(body))])


NavContext = Callable[[], ThemeRun | None]


def install_handlers(app: FastAPI, known: NavContext, latest: NavContext) -> None:
    """Answer every error of ``app`` as a page or as JSON.

    ``known()`` is the run read last (for a page's navigation, without reading the
    store); ``latest()`` reads the newest run, or None, when none was read yet.
    """

    async def respond(
        request: Request,
        status: int,
        message: str,
        ctx: ThemeRun | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        read: bool = True,
    ) -> Response:
        if _is_api(request):
            return JSONResponse({"error": message}, status_code=status, headers=headers)
        ctx = ctx or known()
        if ctx is None and read:
            ctx = await run_in_threadpool(latest)
        page = await run_in_threadpool(error_page, status, message, ctx)
        return HTMLResponse(page, status_code=status, headers=headers)

    async def problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        # a busy store would keep a second read waiting as long as the first
        return await respond(
            request, exc.status, exc.message, exc.ctx, exc.headers, read=exc.status != 503
        )

    async def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        if status == 404:
            message = (
                f"{request.url.path}: no such page (the pages are /, /claims, /runs, "
                "/entity/<name>; the JSON API is under /api/, see docs/api.md)"
            )
        elif status == 405:
            message = f"{request.method} {request.url.path}: only GET is answered here"
        else:
            message = str(exc.detail)
        return await respond(request, status, message, headers=exc.headers)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        parts = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "query")
            parts.append(f"{where}: {error.get('msg', 'not valid')}")
        return await respond(request, 400, "; ".join(parts) or "the query is not valid")

    async def crash(request: Request, exc: Exception) -> Response:
        # Starlette raises ``exc`` again once this is sent, so the server logs the traceback
        message = (
            f"This page could not be made ({type(exc).__name__}); the server's log has the "
            "details. Other pages may still work."
        )
        return await respond(request, 500, message, read=False)

    handlers: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
        Problem: problem,
        StarletteHTTPException: http,
        RequestValidationError: invalid,
        Exception: crash,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
