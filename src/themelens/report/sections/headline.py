"""Headline: what the theme did, in sentences whose every figure links to its table row."""

from __future__ import annotations

from markupsafe import Markup

from themelens.report.context import ThemeRun
from themelens.report.narrative import headline_sentences, news_sentence
from themelens.report.sections import Section, register_section

__all__ = ["build_headline"]


@register_section(10, "headline")
def build_headline(ctx: ThemeRun) -> Section:
    """Always present: the sentences when prices exist, else a pointer to what is missing.

    What the run measured against is stated first (the index, or its proxy
    labelled as one, or a fallback and why); the news check is one line;
    what is missing is counted here and listed in Provenance.
    """
    items: list[Markup] = []
    if ctx.rally is not None:
        bench_name = None
        if ctx.benchmark and ctx.benchmark in ctx.roles:
            bench_name = ctx.roles[ctx.benchmark][1]
        items = headline_sentences(
            ctx.rally.to_frame(), ctx.groups, ctx.roles, ctx.benchmark, bench_name
        )
    if ctx.verify is not None and ctx.verify.rows:
        items.append(news_sentence(ctx.verify.tally().iloc[-1], len(ctx.articles)))
    if not items:
        items = [Markup("No headline: no rally figures could be computed.")]
    body = Markup('<ul class="headline">') + Markup("").join(
        Markup("<li>{}</li>").format(s) for s in items
    )
    body += Markup("</ul>")
    choice = ctx.benchmark_choice
    if choice is not None:
        body += Markup('<p class="benchmark-note">Benchmark: {}{}.</p>').format(
            choice.name, Markup(" ({})").format(choice.note) if choice.note else ""
        )
    if ctx.missing:
        n = len(ctx.missing)
        body += Markup(
            '<p class="missing-note">{} item{} could not be had; <a href="#provenance">'
            "Provenance</a> lists what and why.</p>"
        ).format(n, "" if n == 1 else "s")
    return Section("headline", f"{ctx.theme.title}: the headline", str(body))
