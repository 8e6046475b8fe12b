"""Fundamentals: capex (statements vs press figures), valuation spread, scenarios, Monte Carlo.

Reads ``ctx.fundamentals`` (``pipeline.model.FundamentalsBundle``)
and renders each part's ``Summary``; nothing is recomputed here. The capex
chart is the figure the result object built. Left out when the run had no
fundamentals step result.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from themelens.report.charts import with_axis_titles
from themelens.report.context import ThemeRun
from themelens.report.sections import Chart, Section, register_section

__all__ = ["build_fundamentals"]


@register_section(50, "fundamentals")
def build_fundamentals(ctx: ThemeRun) -> Section | None:
    """Left out when there is no fundamentals result."""
    bundle = ctx.fundamentals
    if bundle is None:
        return None
    parts: list[Markup] = []
    charts: list[Chart] = []
    capex = getattr(bundle, "capex", None)
    if capex is not None:
        parts.append(Markup("<h3>AI capex tracker</h3>"))
        if not capex.rows.empty:
            parts.append(Markup(capex.summary().as_html()))
            figure = capex.figure()
            if figure["data"]:
                named = with_axis_titles(
                    figure, x_title="Fiscal period", y_title="Capital expenditure, USD bn"
                )
                charts.append(Chart("chart-capex", named))
                parts.append(Markup('<div class="chart" id="chart-capex"></div>'))
            if not capex.totals.empty:
                parts.append(Markup(capex.totals_summary().as_html()))
        else:
            parts += [Markup("<p>{}</p>").format(w) for w in capex.warnings]
        parts.append(Markup(capex.gaps_summary().as_html()))
    valuation = getattr(bundle, "valuation", None)
    if valuation is not None and valuation.rows["pe_fwd"].notna().any():
        parts.append(Markup("<h3>Valuation</h3>"))
        parts.append(Markup(valuation.summary().as_html()))
        if not valuation.spreads.empty:
            parts.append(Markup(valuation.spreads_summary().as_html()))
    for name, title in (("scenarios", "Bull, base and bear"), ("montecarlo", "Monte Carlo")):
        result = getattr(bundle, name, None)
        if result is not None and not result.rows.empty:
            parts.append(Markup("<h3>{}</h3>").format(title))
            parts.append(Markup(result.summary().as_html()))
    notes = getattr(bundle, "notes", ())
    if notes:
        items = Markup("").join(Markup("<li>{}</li>").format(escape(n)) for n in notes)
        parts.append(Markup('<ul class="notes">') + items + Markup("</ul>"))
    if not parts:
        return None
    return Section("fundamentals", "Fundamentals", str(Markup("").join(parts)), tuple(charts))
