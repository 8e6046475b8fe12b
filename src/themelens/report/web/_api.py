"""The JSON API: every section's result as the result itself writes it (``to_dict``,
``to_records``), one endpoint each, documented in ``docs/api.md``.

Each answer is built once per run id, like a page, and names its run in the
``X-Themelens-Run`` header. A result the run does not have (no articles, a
step that failed) is a 404 saying so; ``/api/provenance`` lists why.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date, datetime
from typing import Any, Final

import numpy as np
import pandas as pd
from fastapi import FastAPI, Query
from fastapi.responses import Response
from markupsafe import Markup

from themelens.pipeline.model import ThemeRun
from themelens.report.sections.headline import build_headline
from themelens.report.web._problem import Problem
from themelens.report.web._scope import (
    check_entity,
    check_label,
    check_verdict,
    claims_context,
    priced_entities,
    rally_context,
)
from themelens.report.web._served import JSON, RUN_QUERY, Served

__all__ = ["add_api", "json_bytes", "plain", "run_info"]

ENTITY_QUERY = Query(None, description="An entity of the run (its slug); default all.")


def plain(value: Any) -> Any:
    """``value`` as JSON data: NaN and infinity as None, numpy scalars as Python, dates as ISO."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp | datetime):
        if isinstance(value, pd.Timestamp) and value == value.normalize():
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | str):
        return value
    return str(value)


def json_bytes(value: object) -> bytes:
    return json.dumps(plain(value), ensure_ascii=False, allow_nan=False).encode("utf-8")


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None:
        return []
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _lacks(ctx: ThemeRun, what: str, why: str = "") -> Problem:
    reason = why or "/api/provenance lists what the run is missing"
    return Problem(404, f"run {ctx.run_id or '(unsaved)'} has no {what}: {reason}")


def _benchmark(ctx: ThemeRun) -> dict[str, Any] | None:
    if ctx.benchmark_choice is not None:
        return asdict(ctx.benchmark_choice)
    if ctx.benchmark is None:
        return None
    name = ctx.roles.get(ctx.benchmark, ("", ctx.benchmark, ""))[1]
    return {"ticker": ctx.benchmark, "name": name, "kind": None, "note": ""}


def run_info(ctx: ThemeRun) -> dict[str, Any]:
    """``/api/run``: the run's identity, its entities and which results it has."""
    priced = priced_entities(ctx)
    entities = [
        {"slug": slug, "name": name, "role": role, "ticker": ticker, "has_prices": slug in priced}
        for ticker, (slug, name, role) in ctx.roles.items()
    ]
    fundamentals = ctx.fundamentals
    return {
        "run_id": ctx.run_id,
        "theme": {"name": ctx.theme.name, "title": ctx.theme.title},
        "asof": ctx.asof,
        "generated_at": ctx.generated_at,
        "synthetic": ctx.synthetic,
        "benchmark": _benchmark(ctx),
        "entities": entities,
        "available": {
            "rally": ctx.rally is not None,
            "claims": ctx.verify is not None,
            "sources": ctx.reconcile is not None,
            "sentiment": ctx.sentiment is not None,
            "events": ctx.events is not None,
            "fundamentals": fundamentals is not None,
            "basket": ctx.basket is not None,
        },
        "missing": list(ctx.missing),
        "failed_inputs": list(ctx.failed_inputs),
    }


_HEADLINE_LIST: Final = re.compile(r'<ul class="headline">(.*?)</ul>', re.S)
_ITEM: Final = re.compile(r"<li>(.*?)</li>", re.S)


def headline(ctx: ThemeRun) -> dict[str, Any]:
    """``/api/headline``: the headline section's sentences as text, exactly as the page has
    them (read from the section the report builds, so the two never differ)."""
    section = build_headline(ctx)
    found = _HEADLINE_LIST.search(section.html)
    items = _ITEM.findall(found.group(1)) if found else []
    return {
        "title": section.title,
        "sentences": [Markup(i).striptags() for i in items],
        "benchmark": _benchmark(ctx),
        "unusual": ctx.unusual.to_dict() if ctx.unusual is not None else None,
    }


def rally(ctx: ThemeRun, entity: str | None) -> dict[str, Any]:
    """``/api/rally``: ``RallyResult.to_dict()``, each row with its entity; group averages."""
    if ctx.rally is None:
        raise _lacks(ctx, "rally figures", "no prices for any of the theme's tickers")
    narrowed = rally_context(ctx, entity) if entity else ctx
    assert narrowed.rally is not None
    out = narrowed.rally.to_dict()
    for row in out["rows"]:
        slug, name, role = ctx.roles.get(str(row["ticker"]), (None, None, None))
        row.update(entity=slug, name=name, role=role)
    out["groups"] = _records(ctx.groups)
    return out


def sources(ctx: ThemeRun, entity: str | None, label: str | None) -> dict[str, Any]:
    """``/api/sources``: ``ReconcileResult.to_dict()`` over the groups that pass the filters."""
    if ctx.reconcile is None:
        raise _lacks(ctx, "source comparisons", "no articles were given")
    groups = tuple(
        g
        for g in ctx.reconcile.groups
        if (not entity or g.entity == entity) and (not label or g.label == label)
    )
    return replace(ctx.reconcile, groups=groups).to_dict()


def sentiment(ctx: ThemeRun, entity: str | None) -> list[dict[str, Any]]:
    if ctx.sentiment is None:
        raise _lacks(ctx, "sentiment scores", "no articles were given")
    return _records(claims_context(ctx, verdict=None, entity=entity).sentiment)


def fundamentals(ctx: ThemeRun) -> dict[str, Any]:
    """``/api/fundamentals``: each part's ``to_dict()``, None for a part left out (see notes)."""
    bundle = ctx.fundamentals
    if bundle is None:
        raise _lacks(ctx, "fundamentals")
    parts = {
        "capex": bundle.capex,
        "valuation": bundle.valuation,
        "scenarios": bundle.scenarios,
        "montecarlo": bundle.montecarlo,
    }
    out: dict[str, Any] = {k: v.to_dict() if v is not None else None for k, v in parts.items()}
    out["notes"] = list(bundle.notes)
    return out


def provenance(ctx: ThemeRun) -> dict[str, Any]:
    """``/api/provenance``: where the prices and articles came from, what is missing."""
    return {
        "run_id": ctx.run_id,
        "theme": ctx.theme.name,
        "asof": ctx.asof,
        "generated_at": ctx.generated_at,
        "synthetic": ctx.synthetic,
        "prices": [asdict(s) for s in ctx.sources],
        "articles": [asdict(a) for a in ctx.articles],
        "missing": list(ctx.missing),
        "failed_inputs": list(ctx.failed_inputs),
    }


def add_api(app: FastAPI, served: Served) -> None:
    """The ``/api/`` routes of ``app`` (``API_PATHS``)."""

    def answer(
        run: str | None,
        key: tuple[str, ...],
        payload: Callable[[ThemeRun], object],
        check: Callable[[ThemeRun], object] | None = None,
    ) -> Response:
        build = lambda ctx: json_bytes(payload(ctx))  # noqa: E731
        return served.answer(run, ("api", *key), build, media=JSON, check=check)

    @app.get("/api/run")
    def api_run(run: str | None = RUN_QUERY) -> Response:
        return answer(run, ("run",), run_info)

    @app.get("/api/runs")
    def api_runs() -> Response:
        listed = [asdict(r) for r in served.runs()]
        return Response(json_bytes(listed), media_type=JSON)

    @app.get("/api/headline")
    def api_headline(run: str | None = RUN_QUERY) -> Response:
        return answer(run, ("headline",), headline)

    @app.get("/api/rally")
    def api_rally(entity: str | None = ENTITY_QUERY, run: str | None = RUN_QUERY) -> Response:
        return answer(
            run,
            ("rally", entity or ""),
            lambda ctx: rally(ctx, entity or None),
            lambda ctx: check_entity(ctx, entity),
        )

    @app.get("/api/claims")
    def api_claims(
        verdict: str | None = Query(None, description="One of VERDICTS; default all."),
        entity: str | None = ENTITY_QUERY,
        run: str | None = RUN_QUERY,
    ) -> Response:
        chosen = check_verdict(verdict)

        def claims(full: ThemeRun) -> list[dict[str, Any]]:
            ctx = claims_context(full, verdict=chosen, entity=entity or None)
            return ctx.verify.to_records() if ctx.verify is not None else []

        return answer(
            run,
            ("claims", chosen or "", entity or ""),
            claims,
            lambda ctx: check_entity(ctx, entity),
        )

    @app.get("/api/sources")
    def api_sources(
        entity: str | None = ENTITY_QUERY,
        label: str | None = Query(None, description="One of LABELS; default all."),
        run: str | None = RUN_QUERY,
    ) -> Response:
        chosen = check_label(label)
        return answer(
            run,
            ("sources", entity or "", chosen or ""),
            lambda ctx: sources(ctx, entity or None, chosen),
            lambda ctx: check_entity(ctx, entity),
        )

    @app.get("/api/sentiment")
    def api_sentiment(entity: str | None = ENTITY_QUERY, run: str | None = RUN_QUERY) -> Response:
        return answer(
            run,
            ("sentiment", entity or ""),
            lambda ctx: sentiment(ctx, entity or None),
            lambda ctx: check_entity(ctx, entity),
        )

    @app.get("/api/events")
    def api_events(run: str | None = RUN_QUERY) -> Response:
        def events(ctx: ThemeRun) -> dict[str, Any]:
            if ctx.events is None:
                raise _lacks(ctx, "event study")
            return ctx.events.to_dict()

        return answer(run, ("events",), events)

    @app.get("/api/fundamentals")
    def api_fundamentals(run: str | None = RUN_QUERY) -> Response:
        return answer(run, ("fundamentals",), fundamentals)

    @app.get("/api/basket")
    def api_basket(run: str | None = RUN_QUERY) -> Response:
        def basket(ctx: ThemeRun) -> dict[str, Any]:
            if ctx.basket is None:
                raise _lacks(ctx, "basket backtest")
            return ctx.basket.to_dict()

        return answer(run, ("basket",), basket)

    @app.get("/api/provenance")
    def api_provenance(run: str | None = RUN_QUERY) -> Response:
        return answer(run, ("provenance",), provenance)
