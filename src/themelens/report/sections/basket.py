"""Theme basket: the backtest's metrics against the benchmark, the equity curve, the
drawdowns and the weights over time. It only renders ``ctx.basket``."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from markupsafe import Markup, escape

from themelens.analytics.basket import BasketResult
from themelens.report.charts import figure_json
from themelens.report.context import ThemeRun
from themelens.report.format import html_table
from themelens.report.sections import Chart, Section, register_section

__all__ = ["build_basket"]


def _x(dates: Any) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in dates]


def _equity(result: BasketResult) -> dict[str, Any]:
    d = result.daily
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=_x(d["date"]), y=(100 * d["equity"]).round(2).tolist(), mode="lines", name="basket"
        )
    )
    if result.benchmark is not None:
        fig.add_trace(go.Scatter(x=_x(d["date"]), y=(100 * d["benchmark_equity"]).round(2).tolist(),
                                 mode="lines", name=result.benchmark))  # fmt: skip
    return figure_json(fig, "Equity, start = 100 (after costs)", height=360)


def _drawdown(result: BasketResult) -> dict[str, Any]:
    d = result.daily
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=_x(d["date"]), y=(100 * d["drawdown"]).round(2).tolist(), mode="lines",
                             name="basket", fill="tozeroy"))  # fmt: skip
    if result.benchmark is not None:
        fig.add_trace(go.Scatter(x=_x(d["date"]), y=(100 * d["benchmark_drawdown"]).round(2).tolist(),
                                 mode="lines", name=result.benchmark))  # fmt: skip
    fig.add_trace(go.Scatter(x=_x(d["date"]), y=(100 * d["exposure"]).round(1).tolist(), mode="lines",
                             name="exposure % (right)", yaxis="y2", line={"dash": "dot"}))  # fmt: skip
    return figure_json(
        fig,
        "Drawdown from peak, % (exposure after vol target and brake on the right)",
        yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero"},
        height=360,
    )


def _weights(result: BasketResult) -> dict[str, Any]:
    wide = result.weights_frame(wide=True)
    fig = go.Figure()
    for ticker in wide.columns:
        col = wide[ticker]
        if not (col > 0).any():
            continue
        fig.add_trace(go.Scatter(x=_x(wide.index), y=(100 * col).round(2).tolist(), mode="lines",
                                 stackgroup="weights", line={"shape": "hv", "width": 0.5},
                                 name=str(ticker)))  # fmt: skip
    return figure_json(
        fig, "Target weights at each rebalance, % of the basket (stacked)", height=360
    )


@register_section(60, "basket")
def build_basket(ctx: ThemeRun) -> Section | None:
    """Left out when no basket was computed."""
    result = ctx.basket
    if not isinstance(result, BasketResult):
        return None
    summary = result.summary()
    parts: list[Markup] = [
        Markup("<p>{}</p>").format(summary.title),
        html_table(summary.table.fillna("—"), table_id="basket-metrics", classes=["basket"]),
    ]
    charts: list[Chart] = []
    for dom, fig in (
        ("chart-basket-equity", _equity(result)),
        ("chart-basket-drawdown", _drawdown(result)),
        ("chart-basket-weights", _weights(result)),
    ):
        charts.append(Chart(dom, fig))
        parts.append(Markup('<div class="chart" id="{}"></div>').format(dom))
    parts.append(
        Markup('<ul class="notes">')
        + Markup("").join(Markup("<li>{}</li>").format(escape(n)) for n in summary.notes)
        + Markup("</ul>")
    )
    return Section("basket", "Theme basket backtest", str(Markup("").join(parts)), tuple(charts))
