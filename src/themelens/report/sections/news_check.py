"""News check: every claim with its verdict, the computed figure, quote, source and date;
conflicts between sources; sentiment per entity."""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from themelens.report.context import ArticleInfo, ThemeRun
from themelens.report.format import anchor, fmt_date, html_table
from themelens.report.sections import Section, register_section

__all__ = ["build_news_check"]

# data-filter names the rows' data attribute and the page URL's query key (?verdict=&entity=),
# data-table the table it filters; report.js reads both, so the state survives a reload
_FILTER = """
<div class="filters" id="claims-filters">
  <label>verdict <select id="filter-verdict" data-filter="verdict" data-table="claims"><option value="">all</option>{verdicts}</select></label>
  <label>entity <select id="filter-entity" data-filter="entity" data-table="claims"><option value="">all</option>{entities}</select></label>
  <span id="claims-count" data-count-for="claims" data-noun="claims" aria-live="polite"></span>
</div>"""


def _value(record: dict[str, Any]) -> str:
    value, currency = record.get("value"), record.get("currency")
    if isinstance(value, (int, float)) and currency:
        return f"{currency} {value:,.0f}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _tape(record: dict[str, Any]) -> str:
    """The session's close-to-close move and its range, so a verdict shows what the day did."""
    close, low, high = (record.get(k) for k in ("session_close_pct", "day_low_pct", "day_high_pct"))
    if close is None:
        return "—"
    if low is None or high is None:
        return f"{close:+.2f}%"
    return f"{close:+.2f}%; {low:+.2f}% to {high:+.2f}%"


def _cited(art: ArticleInfo | None, name: str) -> str:
    """'Reuters: Alibaba lifts AI spending' — the publisher and title a reader knows, not the file."""
    if art is None:
        return name
    title = art.label
    return f"{art.source}: {title}" if art.source else title


def _claims_frame(ctx: ThemeRun) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    assert ctx.verify is not None
    by_id = {a.id: a for a in ctx.articles}
    by_name = {a.name: a for a in ctx.articles}  # runs stored before articles carried ids
    rows, attrs = [], []
    for r in ctx.verify.to_records():
        art = by_id.get(str(r.get("article_id", ""))) or by_name.get(str(r.get("article", "")))
        computed = r.get("computed")
        rows.append(
            {
                "verdict": r["verdict"],
                "entity": r["entity"],
                "metric": r["metric"],
                "claimed": ("" if not r.get("qualifier") else f"{r['qualifier']} ") + _value(r),
                "window": r.get("window") or "—",
                "computed": "—"
                if computed is None
                else (f"{computed:+.2f}" if isinstance(computed, float) else str(computed)),
                "session": r.get("asof") or "—",
                "day (close; range)": _tape(r),
                "quote": r.get("quote", ""),
                "source": _cited(art, str(r.get("article", ""))),
                "published": fmt_date(art.published) if art else "—",
                "reason": r["reason"],
            }
        )
        attrs.append({"verdict": str(r["verdict"]), "entity": str(r["entity"])})
    return pd.DataFrame(rows), attrs


def _conflicts(ctx: ThemeRun) -> Markup:
    if ctx.reconcile is None:
        return Markup("")
    summary = ctx.reconcile.summary()
    table = summary.table
    if table.empty:
        return Markup("")
    shown = table[table["label"].isin(["conflict", "agree", "gap"])].fillna("—").astype(str)
    if shown.empty:
        return Markup(
            "<h3>Sources compared</h3><p>No claim is stated by more than one article.</p>"
        )
    notes = Markup("").join(Markup("<li>{}</li>").format(n) for n in summary.notes)
    return (
        Markup("<h3>Sources compared</h3>")
        + html_table(shown, table_id="conflicts", row_attrs=lambda r: {"label": str(r["label"])})
        + Markup('<ul class="notes">')
        + notes
        + Markup("</ul>")
    )


def _sentiment(ctx: ThemeRun) -> Markup:
    if ctx.sentiment is None or ctx.sentiment.empty:
        return Markup("")
    frame = ctx.sentiment.copy()
    for column in ("articles", "sentences", "positive", "negative"):
        if column in frame.columns:
            frame[column] = frame[column].fillna(0).astype(int)
    title = Markup("<h3>Sentiment per entity (Loughran–McDonald word counts)</h3>")
    return title + html_table(frame.astype(str), table_id="sentiment")


@register_section(30, "news")
def build_news_check(ctx: ThemeRun) -> Section:
    """Present even without articles, to say that none were given."""
    if ctx.verify is None:
        return Section(
            "news",
            "News check",
            str(
                Markup(
                    '<p class="missing">No articles were given (use <code>--articles DIR</code>), so no claims were checked.</p>'
                )
            ),
        )
    if not ctx.verify.rows:
        return Section(
            "news",
            "News check",
            str(Markup('<p class="missing">The articles contain no numeric claims.</p>')),
        )
    frame, attrs = _claims_frame(ctx)
    tally = ctx.verify.tally()
    verdicts = Markup("").join(
        Markup('<option value="{0}">{0}</option>').format(v)
        for v in sorted(frame["verdict"].unique())
    )
    entities = Markup("").join(
        Markup('<option value="{0}">{0}</option>').format(e)
        for e in sorted(frame["entity"].unique())
    )
    parts = [
        html_table(tally.astype(str), table_id="verdict-tally"),
        Markup(_FILTER.format(verdicts=verdicts, entities=entities)),
        html_table(
            frame,
            table_id="claims",
            row_id=lambda r: anchor("claim", str(r.name)),
            row_attrs=lambda r: attrs[int(str(r.name))],
            classes=["claims"],
        ),
        _conflicts(ctx),
        _sentiment(ctx),
    ]
    note = escape(ctx.verify.summary().notes[0])
    parts.append(Markup('<p class="notes">Tolerances: {}</p>').format(note))
    return Section("news", "News check", str(Markup("").join(parts)))
