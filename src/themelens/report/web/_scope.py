"""What a request may ask of a run, and the run narrowed to what it asked.

The query values are checked against their vocabularies (``VERDICTS``,
``LABELS``, the run's entities, the store's run ids) and a bad one is a 400
naming the parameter, the value and what it may be. Narrowing only drops
rows of the run's own results (``dataclasses.replace``); nothing is computed
again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

from themelens.news.reconcile import LABELS
from themelens.pipeline.model import ThemeRun
from themelens.report.web._problem import Problem, shown_value
from themelens.verify import VERDICTS

__all__ = [
    "RUN_ID",
    "Entity",
    "check_entity",
    "check_label",
    "check_run",
    "check_verdict",
    "claims_context",
    "entity_context",
    "priced_entities",
    "rally_context",
    "require_priced",
    "run_entities",
]

RUN_ID: Final = re.compile(r"[0-9a-f]{12}")
"""A stored run's id: 12 lowercase hex digits (``pipeline.runs.RunStore.save``)."""
_ROLE_ORDER: Final = ("leader", "supply-chain", "peer", "other", "benchmark")


@dataclass(frozen=True)
class Entity:
    """An entity of the run with rally figures: its slug, name, role and measured tickers."""

    slug: str
    name: str
    role: str
    tickers: tuple[str, ...]


def check_run(run: str | None) -> str | None:
    """``run`` when it is a run id, None when not given (the newest); else a 400."""
    if not run:
        return None
    if not RUN_ID.fullmatch(run):
        raise Problem(
            400,
            f"run: {shown_value(run)} is not a run id (12 hex digits, as /runs lists them)",
        )
    return run


def check_verdict(verdict: str | None) -> str | None:
    if verdict and verdict not in VERDICTS:
        allowed = ", ".join(VERDICTS)
        raise Problem(400, f"verdict: {shown_value(verdict)} is not one of {allowed}")
    return verdict or None


def check_label(label: str | None) -> str | None:
    if label and label not in LABELS:
        raise Problem(400, f"label: {shown_value(label)} is not one of {', '.join(LABELS)}")
    return label or None


def run_entities(ctx: ThemeRun) -> frozenset[str]:
    """Every entity the run names: the theme's, the benchmark's and those the articles name."""
    names = {e.slug for e in ctx.theme.entities}
    names.update(slug for slug, _, _ in ctx.roles.values())
    if ctx.verify is not None:
        names.update(r.claim.entity for r in ctx.verify.rows)
    if ctx.reconcile is not None:
        names.update(g.entity for g in ctx.reconcile.groups)
    if ctx.sentiment is not None and "entity" in ctx.sentiment.columns:
        names.update(str(e) for e in ctx.sentiment["entity"].dropna())
    return frozenset(names)


def check_entity(ctx: ThemeRun, entity: str | None) -> str | None:
    """``entity`` when the run names it (``run_entities``), None when not given; else a 400."""
    if not entity:
        return None
    known = run_entities(ctx)
    if entity not in known:
        raise Problem(
            400,
            f"entity: {shown_value(entity)} is not an entity of run {ctx.run_id or '(unsaved)'}; "
            f"one of {', '.join(sorted(known))}",
            ctx=ctx,
        )
    return entity


def priced_entities(ctx: ThemeRun) -> dict[str, Entity]:
    """The entities with a rally row in the run (their prices were there), leaders first.

    ``roles`` lists every entity of the theme whether or not its prices came,
    so a row of ``rally`` is what says an entity has prices in this run.
    """
    measured = set(ctx.rally.rows["ticker"]) if ctx.rally is not None else set()
    found: dict[str, Entity] = {}
    for ticker, (slug, name, role) in ctx.roles.items():
        if ticker in measured:
            had = found.get(slug)
            tickers = (*had.tickers, ticker) if had else (ticker,)
            found[slug] = Entity(slug, name, role, tickers)

    def order(e: Entity) -> tuple[int, str]:
        rank = _ROLE_ORDER.index(e.role) if e.role in _ROLE_ORDER else len(_ROLE_ORDER)
        return rank, e.name.lower()

    return {e.slug: e for e in sorted(found.values(), key=order)}


def require_priced(ctx: ThemeRun, slug: str) -> Entity:
    """The entity ``slug`` when it has prices in the run; else a 404 saying why not."""
    entity = priced_entities(ctx).get(slug)
    if entity is not None:
        return entity
    tickers = [t for t, (s, _, _) in ctx.roles.items() if s == slug]
    listed = next((e for e in ctx.theme.entities if e.slug == slug), None)
    name = listed.name if listed else next((n for s, n, _ in ctx.roles.values() if s == slug), "")
    if tickers:
        have = (
            set(ctx.prices["ticker"].unique().tolist()) if "ticker" in ctx.prices.columns else set()
        )
        why = next((m for m in ctx.missing if any(t in m for t in tickers)), "")
        if any(t in have for t in tickers):
            text = f"{name} ({slug}) has prices but no rally figures in this run"
            text += f" (the run measured against {ctx.benchmark})" if ctx.benchmark else ""
        else:
            text = f"{name} ({slug}) has no prices in this run" + (f": {why}" if why else "")
    elif listed is not None:
        text = f"{name} ({slug}) has no listing in theme {ctx.theme.name}, so it has no prices"
    else:
        text = f"{shown_value(slug)}: no entity of this name in theme {ctx.theme.name}"
    raise Problem(404, text, ctx=ctx)


def rally_context(ctx: ThemeRun, entity: str) -> ThemeRun:
    """The run with only ``entity``'s rally rows (none when it has no prices)."""
    return _narrow_rally(ctx, frozenset(t for t, (s, _, _) in ctx.roles.items() if s == entity))


def _narrow_rally(ctx: ThemeRun, tickers: frozenset[str]) -> ThemeRun:
    rally = ctx.rally
    if rally is None:
        return ctx
    rows = rally.rows[rally.rows["ticker"].isin(tickers)].reset_index(drop=True)
    warnings = tuple(w for w in rally.warnings if w.split(":", 1)[0] in tickers)
    failures = tuple(f for f in rally.failures if f.item in tickers)
    return replace(ctx, rally=replace(rally, rows=rows, warnings=warnings, failures=failures))


def claims_context(ctx: ThemeRun, *, verdict: str | None, entity: str | None) -> ThemeRun:
    """The run with only the claims that pass the filters, and ``entity``'s comparisons and
    sentiment when it is given."""
    out = ctx
    if ctx.verify is not None:
        rows = tuple(
            r
            for r in ctx.verify.rows
            if (not verdict or r.verdict == verdict) and (not entity or r.claim.entity == entity)
        )
        out = replace(out, verify=replace(ctx.verify, rows=rows))
    if entity is None:
        return out
    if ctx.reconcile is not None:
        groups = tuple(g for g in ctx.reconcile.groups if g.entity == entity)
        out = replace(out, reconcile=replace(ctx.reconcile, groups=groups))
    if ctx.sentiment is not None and "entity" in ctx.sentiment.columns:
        kept = ctx.sentiment[ctx.sentiment["entity"] == entity].reset_index(drop=True)
        out = replace(out, sentiment=kept)
    return out


def entity_context(ctx: ThemeRun, entity: Entity) -> ThemeRun:
    """The run as one entity's page shows it: its rally rows (so its charts), its claims,
    the comparisons of its figures and its sentiment; no group averages."""
    narrowed = _narrow_rally(ctx, frozenset(entity.tickers))
    return claims_context(replace(narrowed, groups=None), verdict=None, entity=entity.slug)
