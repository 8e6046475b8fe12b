"""Headline: what the theme did, in sentences whose every figure links to its table row."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from markupsafe import Markup

from themelens.analytics.unusual import UnusualResult
from themelens.report.context import ThemeRun
from themelens.report.format import anchor, fmt_date, fmt_pct, html_table
from themelens.report.narrative import headline_sentences, news_sentence, unusual_sentence
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
    if ctx.unusual is not None and (line := unusual_sentence(ctx.unusual, ctx.roles)):
        items.append(line)
    if ctx.verify is not None and ctx.verify.rows:
        items.append(news_sentence(ctx.verify.tally().iloc[-1], len(ctx.articles)))
    if not items:
        items = [Markup("No headline: no rally figures could be computed.")]
    body = Markup('<ul class="headline">') + Markup("").join(
        Markup("<li>{}</li>").format(s) for s in items
    )
    body += Markup("</ul>")
    if ctx.unusual is not None:
        body += _unusual_table(ctx.unusual, ctx.roles)
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


def _unusual_table(result: UnusualResult, names: Mapping[str, tuple[str, str, str]]) -> Markup:
    """Every ranked move and group spread, in a fold: what the unusual line was measured on."""
    moves = result.moves
    rows = pd.DataFrame(
        {
            "name": [names[t][1] if t in names else t for t in moves["ticker"]],
            "ticker": moves["ticker"],
            "move on the day": [fmt_pct(v) for v in moves["return_1d_pct"]],
            "larger than % of its sessions": [f"{v:.1f}" for v in moves["rank_pct"]],
            "sessions": [f"{int(v):,}" for v in moves["sessions"]],
            "since": [fmt_date(v) for v in moves["since"]],
        }
    )
    spreads = pd.DataFrame(
        {
            "groups": [f"{d.first} − {d.second}" for d in result.divergences],
            "returns on the day": [
                f"{fmt_pct(d.first_pct)} / {fmt_pct(d.second_pct)}" for d in result.divergences
            ],
            "spread, points": [f"{d.spread_pct:+.2f}" for d in result.divergences],
            "larger than % of sessions": [f"{d.rank_pct:.1f}" for d in result.divergences],
            "sessions": [f"{d.sessions:,}" for d in result.divergences],
        }
    )
    spread_ids = {
        f"{d.first} − {d.second}": anchor("unusual", "spread", d.first, d.second)
        for d in result.divergences
    }
    body = Markup(
        '<details id="unusual-detail"><summary>How unusual was each move on {}? '
        "(absolute daily return ranked in the name's own history; flagged at {:g}%)</summary>"
    ).format(fmt_date(result.asof), result.threshold_pct)
    body += html_table(
        rows, table_id="unusual-moves", row_id=lambda r: anchor("unusual", str(r["ticker"]))
    )
    if result.divergences:
        body += html_table(
            spreads,
            table_id="unusual-spreads",
            row_id=lambda r: spread_ids[str(r["groups"])],
        )
    for note in result.notes:
        body += Markup('<p class="notes">{}</p>').format(note)
    return body + Markup("</details>")
