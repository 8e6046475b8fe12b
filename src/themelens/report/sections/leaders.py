"""Leaders and supply chain: rally metrics per entity, grouped by role, with charts."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup, escape

from themelens.report.charts import price_window, rebased_chart, relative_chart
from themelens.report.context import ThemeRun
from themelens.report.format import anchor, fmt_date, fmt_num, fmt_pct, html_table
from themelens.report.sections import Chart, Section, register_section

__all__ = ["build_leaders"]

_ROLE_TITLES = (
    ("benchmark", "Benchmarks"),
    ("leader", "Leaders"),
    ("supply-chain", "Supply chain"),
    ("peer", "Peers"),
)


def _display(
    rows: pd.DataFrame, roles: dict[str, tuple[str, str, str]], has_bench: bool
) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "entity": [roles.get(t, ("", t, ""))[1] for t in rows["ticker"]],
            "ticker": rows["ticker"],
            "asof": [fmt_date(d) for d in rows["asof"]],
            "close": [fmt_num(v) for v in rows["close"]],
            "1d": [fmt_pct(v) for v in rows["return_1d_pct"]],
            "1w": [fmt_pct(v) for v in rows["return_1w_pct"]],
            "1m": [fmt_pct(v) for v in rows["return_1m_pct"]],
            "ytd": [fmt_pct(v) for v in rows["return_ytd_pct"]],
            "high since": [
                "all-time high" if pd.isna(d) else fmt_date(d) for d in rows["high_since"]
            ],
            "weekly streak": [str(int(n)) for n in rows["win_streak_weeks"]],
            "drawdown": [fmt_pct(v, signed=False) for v in rows["drawdown_from_peak_pct"]],
        }
    )
    if has_bench and "excess_ytd_pp" in rows.columns:
        out["vs benchmark 1m"] = [fmt_pct(v, unit=" pp") for v in rows["excess_1m_pp"]]
        out["vs benchmark ytd"] = [fmt_pct(v, unit=" pp") for v in rows["excess_ytd_pp"]]
    return out


def _group_table(ctx: ThemeRun) -> Markup:
    if ctx.groups is None or ctx.groups.empty:
        return Markup("")
    g = ctx.groups
    shown = pd.DataFrame(
        {
            "group": g["group"],
            "names": g["members"].astype(int).astype(str),
            "1d": [fmt_pct(v) for v in g["return_1d_pct"]],
            "1w": [fmt_pct(v) for v in g["return_1w_pct"]],
            "1m": [fmt_pct(v) for v in g["return_1m_pct"]],
            "ytd": [fmt_pct(v) for v in g["return_ytd_pct"]],
        }
    )
    table = html_table(
        shown, table_id="group-table", row_id=lambda r: anchor("group", str(r["group"]))
    )
    return Markup("<h3>Equal-weight group averages</h3>") + table


@register_section(20, "leaders")
def build_leaders(ctx: ThemeRun) -> Section | None:
    """Left out when no rally figures exist."""
    if ctx.rally is None or ctx.rally.rows.empty:
        return None
    rows = ctx.rally.to_frame()
    roles = dict(ctx.roles)
    role_of = {t: roles.get(t, ("", t, "other"))[2] for t in rows["ticker"]}
    parts: list[Markup] = [_group_table(ctx)]
    charts: list[Chart] = []
    labels = {t: v[1] for t, v in roles.items()}
    for role, title in _ROLE_TITLES:
        members = rows[[role_of[t] == role for t in rows["ticker"]]]
        if members.empty:
            continue
        parts.append(Markup("<h3>{}</h3>").format(title))
        table = _display(members, roles, ctx.benchmark is not None)
        parts.append(
            html_table(
                table,
                table_id=f"rally-{role}",
                row_id=lambda r: anchor("rally", str(r["ticker"])),
                classes=["rally"],
            )
        )
        if role == "benchmark":
            continue
        tickers = list(members["ticker"])
        wide = price_window(
            ctx.prices, [*tickers, *([ctx.benchmark] if ctx.benchmark else [])], ctx.asof
        )
        fig = rebased_chart(
            wide[[c for c in wide.columns if c in tickers]] if not wide.empty else wide,
            labels,
            f"{title}: price rebased to 100, one year to {fmt_date(ctx.asof) if ctx.asof else 'latest'}",
        )
        if fig is not None:
            dom = f"chart-rebased-{role}"
            charts.append(Chart(dom, fig))
            parts.append(Markup('<div class="chart" id="{}"></div>').format(dom))
        if ctx.benchmark:
            rel = relative_chart(
                wide,
                ctx.benchmark,
                labels,
                f"{title} relative to {labels.get(ctx.benchmark, ctx.benchmark)} (100 = kept pace)",
            )
            if rel is not None:
                dom = f"chart-relative-{role}"
                charts.append(Chart(dom, rel))
                parts.append(Markup('<div class="chart" id="{}"></div>').format(dom))
    notes = ctx.rally.summary().notes
    if notes:
        parts.append(
            Markup('<ul class="notes">')
            + Markup("").join(Markup("<li>{}</li>").format(escape(n)) for n in notes)
            + Markup("</ul>")
        )
    return Section(
        "leaders", "Leaders and supply chain", str(Markup("").join(parts)), tuple(charts)
    )
