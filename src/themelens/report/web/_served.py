"""What the routes share: a run read per request, an answer built once per run id, a busy store."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final

from fastapi import Query
from fastapi.responses import Response
from markupsafe import Markup

from themelens.errors import StoreError
from themelens.pipeline.model import ThemeRun
from themelens.pipeline.runs import StoredRun
from themelens.report.web._cache import Pages
from themelens.report.web._problem import Problem
from themelens.report.web._scope import check_run

__all__ = [
    "HTML",
    "JSON",
    "RETRY_AFTER_S",
    "RUN_HEADER",
    "RUN_QUERY",
    "ListRuns",
    "LoadContext",
    "Served",
    "busy",
    "with_notice",
]

RETRY_AFTER_S: Final = 5
RUN_HEADER: Final = "X-Themelens-Run"
"""The response header naming the run an answer was built from."""
RUN_QUERY: Final = Query(None, description="A stored run's id (12 hex digits); default the newest.")
HTML: Final = "text/html; charset=utf-8"
JSON: Final = "application/json"

LoadContext = Callable[..., ThemeRun]
ListRuns = Callable[[], Sequence[StoredRun]]


class Served:
    """What the routes share: the run loader, the run list and the pages built so far."""

    def __init__(self, load_context: LoadContext, list_runs: ListRuns | None) -> None:
        self._load_context, self._list_runs = load_context, list_runs
        self.pages = Pages()
        self.latest_id: str | None = None  # the run the default pages showed last
        self.last: ThemeRun | None = None  # the run read last (an error page's navigation)

    def load(self, run: str | None) -> ThemeRun:
        """Run ``run`` (the newest when None); ``StoreError`` when the store cannot say."""
        ctx = self._load_context(run) if run else self._load_context()
        if not run and ctx.run_id:
            self.latest_id = ctx.run_id
        self.last = ctx
        return ctx

    def newest(self) -> ThemeRun | None:
        """The newest run, or None when it cannot be read (for an error page's navigation)."""
        try:
            return self.load(None)
        except Exception:  # an error page must not fail on the way to saying what failed
            return None

    def runs(self) -> list[StoredRun]:
        """The stored runs, newest first (none when the app was given no list); 503 when busy."""
        if self._list_runs is None:
            return []
        try:
            return list(self._list_runs())
        except StoreError as exc:
            raise busy(exc) from exc

    def answer(
        self,
        run: str | None,
        key: tuple[str, ...],
        build: Callable[[ThemeRun], bytes],
        *,
        media: str = HTML,
        check: Callable[[ThemeRun], object] | None = None,
    ) -> Response:
        """``build(ctx)`` for the run, built once per run id and then sent from memory.

        ``check(ctx)`` raises the ``Problem`` for a request the run cannot answer,
        before anything is built or kept.
        """
        run = check_run(run)
        key = (*key, "pinned" if run else "")  # a page asked for by run id links to that run
        try:
            ctx = self.load(run)
        except StoreError as exc:
            return self._unavailable(exc, run, key, media)
        if check is not None:
            check(ctx)
        body = self.pages.get(ctx.run_id, key) if ctx.run_id else None
        if body is None:
            with self.pages.render_lock:
                body = self.pages.get(ctx.run_id, key) if ctx.run_id else None
                if body is None:
                    body = build(ctx)
                    if ctx.run_id:
                        self.pages.put(ctx.run_id, key, body)
        headers = {RUN_HEADER: ctx.run_id} if ctx.run_id else None
        return Response(body, media_type=media, headers=headers)

    def _unavailable(
        self, exc: StoreError, run: str | None, key: tuple[str, ...], media: str
    ) -> Response:
        """The answer as last built, with a notice, or a 404 (no such run) or a 503."""
        if run and self._list_runs is not None:
            try:
                known = {r.id for r in self._list_runs()}
            except StoreError:
                known = None
            if known is not None and run not in known:
                raise Problem(404, f"run {run}: no stored run has this id (/runs lists them)")
        last = run or self.latest_id
        body = self.pages.get(last, key) if last else None
        if body is None:
            raise busy(exc) from exc
        headers = {
            "Retry-After": str(RETRY_AFTER_S),
            "Warning": '110 themelens "stale: the store could not be read"',
            RUN_HEADER: str(last),
        }
        if media == HTML:
            body = with_notice(body, f"Showing run {last} as last read: {exc}")
        return Response(body, media_type=media, headers=headers)


def busy(exc: StoreError) -> Problem:
    """A 503 saying why the store cannot be read and when to ask again."""
    return Problem(
        503,
        f"The store cannot be read just now ({exc}). Retry in a few seconds.",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


_BODY: Final = re.compile(rb"<body[^>]*>")


def with_notice(body: bytes, text: str) -> bytes:
    """The page with a notice bar first in its body (a page served from memory, not the store)."""
    notice = str(Markup('<div class="banner" id="stale-notice">{}</div>').format(text)).encode()
    return _BODY.sub(lambda m: m.group(0) + notice, body, count=1)
