"""Headline: what the theme did, in sentences whose every figure links to its table row."""

from __future__ import annotations

from markupsafe import Markup, escape

from themelens.report.context import ThemeRun
from themelens.report.narrative import headline_sentences
from themelens.report.sections import Section, register_section

__all__ = ["build_headline"]


@register_section(10, "headline")
def build_headline(ctx: ThemeRun) -> Section:
    """Always present: the sentences when prices exist, else what is missing."""
    items: list[Markup] = []
    if ctx.rally is not None:
        bench_name = None
        if ctx.benchmark and ctx.benchmark in ctx.roles:
            bench_name = ctx.roles[ctx.benchmark][1]
        items = headline_sentences(
            ctx.rally.to_frame(), ctx.groups, ctx.roles, ctx.benchmark, bench_name
        )
    if not items:
        items = [
            Markup(
                "No headline: no rally figures could be computed (see Provenance for what is missing)."
            )
        ]
    body = Markup('<ul class="headline">') + Markup("").join(
        Markup("<li>{}</li>").format(s) for s in items
    )
    body += Markup("</ul>")
    if ctx.missing:
        body += Markup('<p class="missing">Missing: {}</p>').format(escape("; ".join(ctx.missing)))
    return Section("headline", f"{ctx.theme.title}: the headline", str(body))
