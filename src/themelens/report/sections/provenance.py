"""Provenance: where every number came from, and what is synthetic or missing."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup, escape

from themelens.data.contracts import SYNTHETIC_LABEL
from themelens.report.context import ThemeRun
from themelens.report.format import fmt_date, html_table
from themelens.report.sections import Section, register_section

__all__ = ["build_provenance"]


@register_section(90, "provenance")
def build_provenance(ctx: ThemeRun) -> Section:
    parts: list[Markup] = []
    if ctx.synthetic:
        parts.append(
            Markup(
                '<p class="synthetic-note">Prices are {}: a seeded simulation, not market data.</p>'
            ).format(SYNTHETIC_LABEL)
        )
    parts.append(
        Markup("<p>Generated {} UTC for theme <code>{}</code>, as of {}.</p>").format(
            f"{ctx.generated_at:%Y-%m-%d %H:%M}",
            ctx.theme.name,
            fmt_date(ctx.asof) if ctx.asof else "the latest session",
        )
    )
    if ctx.sources:
        frame = pd.DataFrame(
            {
                "provider": [s.provider for s in ctx.sources],
                "tickers": [", ".join(s.tickers) for s in ctx.sources],
                "from": [fmt_date(s.first_date) for s in ctx.sources],
                "to": [fmt_date(s.last_date) for s in ctx.sources],
                "fetched": [
                    f"{s.fetched_at:%Y-%m-%d %H:%M}" if s.fetched_at else "—" for s in ctx.sources
                ],
                "source": [s.source for s in ctx.sources],
            }
        )
        parts.append(Markup("<h3>Prices</h3>") + html_table(frame, table_id="sources"))
    if ctx.articles:
        frame = pd.DataFrame(
            {
                "title": [a.label for a in ctx.articles],
                "publisher": [a.source or "—" for a in ctx.articles],
                "published": [fmt_date(a.published) for a in ctx.articles],
                "claims": [str(a.claims) for a in ctx.articles],
                "file or URL": [a.origin for a in ctx.articles],
            }
        )
        parts.append(Markup("<h3>Articles</h3>") + html_table(frame, table_id="articles"))
    if ctx.missing:
        items = Markup("").join(Markup("<li>{}</li>").format(escape(m)) for m in ctx.missing)
        parts.append(Markup("<h3>Missing</h3><ul>") + items + Markup("</ul>"))
    return Section("provenance", "Provenance", str(Markup("").join(parts)))
