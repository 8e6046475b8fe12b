"""Event study: announcement effects (per-event CARs), the CAAR path with its band, the tests.

It only renders ``ctx.events`` (an ``EventStudyResult`` computed by
``pipeline.steps_events``) and is left out when there is none, or when no
event could be computed.
"""

from __future__ import annotations

from typing import Any, Final

from markupsafe import Markup

from themelens.analytics.events import EventStudyResult
from themelens.report.charts import figure_json, trace
from themelens.report.context import ThemeRun
from themelens.report.sections import Chart, Section, register_section

__all__ = ["build_events", "caar_chart"]

_LAYOUT: Final[dict[str, Any]] = {  # the event-day axis on top of the shared layout
    "height": 340,
    "yaxis": {"gridcolor": "#e5e5e5", "ticksuffix": "%", "zeroline": True},
    "xaxis": {"gridcolor": "#f0f0f0", "dtick": 1},
}
_X_TITLE: Final = "Event day, sessions from the announcement (day 0)"
_Y_TITLE: Final = "% abnormal return, mean CAR"


def caar_chart(result: EventStudyResult) -> dict[str, Any] | None:
    """Mean CAR by event day (percent) with its confidence band, as plotly figure JSON."""
    path = result.path_frame()
    if path.empty or not len(result.events):
        return None
    days = path["day"].tolist()
    pct = {c: (path[c] * 100).round(3).tolist() for c in ("caar", "ci_low", "ci_high")}
    level = f"{result.confidence:.0%}"
    band = {"x": days, "mode": "lines", "line": {"width": 0}}
    traces = [
        trace("scatter", y=pct["ci_high"], showlegend=False, hoverinfo="skip", **band),
        trace("scatter", y=pct["ci_low"], fill="tonexty", fillcolor="rgba(31,119,180,0.18)",
              name=f"{level} band", **band),
        trace("scatter", x=days, y=pct["caar"], mode="lines+markers", name="mean CAR",
              line={"color": "#1f77b4"}),
    ]  # fmt: skip
    zero = {
        "type": "line",
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": 0,
        "y1": 0,
        "line": {"dash": "dot", "color": "#888"},
    }  # fmt: skip (plotly's add_hline shape)
    n = len(result.events)
    title = f"Mean CAR over {n} event{'s' if n != 1 else ''}, {result.model} model"
    return figure_json(traces, title, x_title=_X_TITLE, y_title=_Y_TITLE, shapes=[zero], **_LAYOUT)


def _absent(ctx: ThemeRun) -> Section:
    """The section when no event could be studied, saying why instead of vanishing."""
    result = ctx.events
    when = ctx.asof.isoformat() if ctx.asof else "the latest session"
    failed = [m.removeprefix("events: ") for m in ctx.missing if m.startswith("events: ")]
    if failed:
        why = [f"The event study could not run: {failed[0]}."]
    elif isinstance(result, EventStudyResult) and result.failures:
        why = [
            f"No event could be studied: all {result.requested} were skipped "
            f"(each needs sessions after it up to {result.window_label}, and an estimation "
            "window before it, with prices):",
            *(f"skipped {f}" for f in result.failures),
        ]
    else:
        why = [
            f"No catalyst of the theme and no supported, dated news claim falls on or before "
            f"{when}, so there is nothing to study."
        ]
    body = Markup('<p class="missing">{}</p>').format(why[0])
    if len(why) > 1:
        body += Markup('<ul class="notes">{}</ul>').format(
            Markup("").join(Markup("<li>{}</li>").format(w) for w in why[1:])
        )
    return Section("events", "Event study: announcement effects", str(body))


@register_section(40, "events")
def build_events(ctx: ThemeRun) -> Section:
    """Always present: the study, or why there is none (no events, all skipped, or failed)."""
    result = ctx.events
    if not isinstance(result, EventStudyResult) or not len(result.events):
        return _absent(ctx)
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
    n = len(result.events)
    band = (
        f"The band is the {result.confidence:.0%} cross-sectional confidence interval of the mean "
        f"CAR across {n} events"
        if n > 1
        else f"The band is the {result.confidence:.0%} model-based confidence interval of the "
        "one event's CAR (its estimation-window residuals)"
    )
    if 1 < n < 5:
        band += f"; with {n} events it is wide and says little"
    parts.append(Markup('<p class="note">{}.</p>').format(band))
    return Section(
        "events", "Event study: announcement effects", str(Markup("").join(parts)), tuple(charts)
    )
