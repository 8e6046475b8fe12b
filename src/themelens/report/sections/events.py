"""Event study: announcement effects (per-event CARs), the CAAR path with its band, the tests.

It only renders ``ctx.events`` (an ``EventStudyResult`` computed by
``pipeline.steps_events``) and is left out when there is none, or when no
event could be computed.
"""

from __future__ import annotations

from typing import Any, Final

import plotly.graph_objects as go
from markupsafe import Markup, escape

from themelens.analytics.events import EventStudyResult
from themelens.report.charts import figure_json
from themelens.report.context import ThemeRun
from themelens.report.sections import Chart, Section, register_section

__all__ = ["build_events", "caar_chart"]

_LAYOUT: Final[dict[str, Any]] = {  # the event-day axis on top of the shared layout
    "height": 340,
    "legend": {"orientation": "h", "y": -0.2},
    "yaxis": {"gridcolor": "#e5e5e5", "ticksuffix": "%", "zeroline": True},
    "xaxis": {
        "gridcolor": "#f0f0f0",
        "title": {"text": "event day (sessions from day 0)"},
        "dtick": 1,
    },
}


def caar_chart(result: EventStudyResult) -> dict[str, Any] | None:
    """Mean CAR by event day (percent) with its confidence band, as plotly figure JSON."""
    path = result.path_frame()
    if path.empty or not len(result.events):
        return None
    days = path["day"].tolist()
    pct = {c: (path[c] * 100).round(3).tolist() for c in ("caar", "ci_low", "ci_high")}
    level = f"{result.confidence:.0%}"
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=days, y=pct["ci_high"], mode="lines", line={"width": 0},
                             showlegend=False, hoverinfo="skip"))  # fmt: skip
    fig.add_trace(go.Scatter(x=days, y=pct["ci_low"], mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor="rgba(31,119,180,0.18)",
                             name=f"{level} band"))  # fmt: skip
    fig.add_trace(go.Scatter(x=days, y=pct["caar"], mode="lines+markers", name="mean CAR",
                             line={"color": "#1f77b4"}))  # fmt: skip
    fig.add_hline(y=0, line={"dash": "dot", "color": "#888"})
    n = len(result.events)
    title = f"Mean CAR over {n} event{'s' if n != 1 else ''}, {result.model} model"
    return figure_json(fig, title, **_LAYOUT)


@register_section(40, "events")
def build_events(ctx: ThemeRun) -> Section | None:
    """Left out when the run computed no event study (or no event in it)."""
    result = ctx.events
    if not isinstance(result, EventStudyResult) or not len(result.events):
        return None
    parts: list[Markup] = [
        Markup(
            "<p>Abnormal returns around the theme's catalysts: each stock's return minus "
            "what its {} model, fitted on the {} sessions before, expected.</p>"
        ).format(result.model, result.estimation),
        Markup(result.summary().as_html()),
    ]
    charts: list[Chart] = []
    fig = caar_chart(result)
    if fig is not None:
        charts.append(Chart("chart-events-caar", fig))
        parts.append(Markup('<div class="chart" id="chart-events-caar"></div>'))
    parts.append(Markup(result.tests_summary().as_html()))
    band = "cross-sectional" if len(result.events) > 1 else "model-based"
    parts.append(
        Markup('<p class="note">{}</p>').format(
            escape(
                f"The band is the {result.confidence:.0%} {band} confidence interval of the mean CAR."
            )
        )
    )
    return Section(
        "events", "Event study: announcement effects", str(Markup("").join(parts)), tuple(charts)
    )
