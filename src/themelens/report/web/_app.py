"""The app: its pages, its JSON API and its error answers, over a loader of stored runs."""

from __future__ import annotations

from collections.abc import Collection

from fastapi import FastAPI

from themelens.report.web._api import add_api
from themelens.report.web._errors import install_handlers
from themelens.report.web._hosts import HostCheck
from themelens.report.web._pages import add_pages
from themelens.report.web._served import ListRuns, LoadContext, Served

__all__ = ["create_app"]


def create_app(
    load_context: LoadContext,
    list_runs: ListRuns | None = None,
    *,
    hosts: Collection[str] | None = None,
) -> FastAPI:
    """The web app over the run ``load_context`` returns (called on each request).

    ``load_context(run_id)`` is called with the ``?run=`` id when a request
    names one, without arguments otherwise; ``list_runs`` feeds ``/runs`` and
    ``/api/runs``. Both may raise ``StoreError`` (busy, gone), which the app
    answers with the page it showed before or a 503. ``hosts`` (from
    ``allowed_hosts``) are the ``Host`` headers answered; ``None`` answers any
    (tests, embedding).
    """
    app = FastAPI(title="themelens", docs_url=None, redoc_url=None)
    if hosts is not None:
        app.add_middleware(HostCheck, hosts=hosts)
    served = Served(load_context, list_runs)
    install_handlers(app, known=lambda: served.last, latest=served.newest)
    add_pages(app, served)
    add_api(app, served)
    return app
