"""Theme basket: the backtest's metrics against the benchmark, the equity curve, the
drawdowns and the weights over time, then its tear sheet (monthly returns as a heat map,
yearly returns against the benchmark, rolling volatility and Sharpe, the worst
drawdowns). It only renders ``ctx.basket`` and the tables its result derives."""

from __future__ import annotations

import math
from typing import Any, Final

import pandas as pd
from markupsafe import Markup, escape

from themelens.analytics.basket import BasketResult
from themelens.analytics.basket.tearsheet import MONTHS, TearSheet
from themelens.report.charts import figure_json, iso_days, trace
from themelens.report.context import ThemeRun
from themelens.report.format import fmt_date, html_table
from themelens.report.sections import Chart, Section, register_section

__all__ = ["build_basket"]

MONTH_BAND: Final = 0.10
"""A month's return at which its heat-map cell is fully coloured (±10 %)."""
YEAR_BAND: Final = 0.30
"""The same for the year's total column (±30 %)."""
_GAIN: Final = "10, 122, 47"
_LOSS: Final = "176, 0, 32"


def _x(dates: Any) -> list[str]:
    return iso_days(dates)


def _pct(value: float) -> str:
    return f"{100 * value:+.2f}%"


def _pct_list(values: pd.Series, digits: int = 2) -> list[float | None]:
    return [None if pd.isna(v) else round(100 * float(v), digits) for v in values]


def _line(
    result: BasketResult, column: str, name: str, digits: int = 2, **style: Any
) -> dict[str, Any]:
    """One daily column of the backtest, in percent, as a line (``style``: plotly's keys)."""
    d = result.daily
    y = (100 * d[column]).round(digits).tolist()
    return trace("scatter", x=_x(d["date"]), y=y, mode="lines", name=name, **style)


def _equity(result: BasketResult) -> dict[str, Any]:
    traces = [_line(result, "equity", "basket")]
    if result.benchmark is not None:
        traces.append(_line(result, "benchmark_equity", result.benchmark))
    return figure_json(
        traces,
        "Equity, start = 100 (after costs)",
        x_title="Date",
        y_title="equity, start = 100",
        height=360,
    )


def _drawdown(result: BasketResult) -> dict[str, Any]:
    traces = [_line(result, "drawdown", "basket", fill="tozeroy")]
    if result.benchmark is not None:
        traces.append(_line(result, "benchmark_drawdown", result.benchmark))
    traces.append(
        _line(result, "exposure", "exposure % (right)", 1, yaxis="y2", line={"dash": "dot"})
    )
    return figure_json(
        traces,
        "Drawdown from peak, % (exposure after vol target and brake on the right)",
        x_title="Date",
        y_title="% from peak",
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "title": {"text": "exposure, %"},
            "automargin": True,
        },
        height=360,
    )


def _weights(result: BasketResult) -> dict[str, Any]:
    wide = result.weights_frame(wide=True)
    traces: list[dict[str, Any]] = []
    for ticker in wide.columns:
        col = wide[ticker]
        if not (col > 0).any():
            continue
        traces.append(
            trace(
                "scatter",
                x=_x(wide.index),
                y=(100 * col).round(2).tolist(),
                mode="lines",
                stackgroup="weights",
                line={"shape": "hv", "width": 0.5},
                name=str(ticker),
            )
        )
    return figure_json(
        traces,
        "Target weights at each rebalance, % of the basket (stacked)",
        x_title="Rebalance date",
        y_title="% of the basket",
        height=360,
    )


def _yearly(sheet: TearSheet) -> dict[str, Any]:
    y = sheet.yearly
    years = [str(v) for v in y["year"]]
    traces: list[dict[str, Any]] = []
    traces.append(trace("bar", x=years, y=_pct_list(y["basket"]), name="basket"))
    if sheet.benchmark is not None:
        traces.append(trace("bar", x=years, y=_pct_list(y["benchmark"]), name=sheet.benchmark))
    return figure_json(
        traces,
        "Calendar-year returns, % (first and last years partial)",
        x_title="Year",
        y_title="% return in the year",
        barmode="group",
        height=340,
    )


def _sharpe_list(values: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else round(float(v), 3) for v in values]


def _rolling(sheet: TearSheet) -> dict[str, Any]:
    """Two panels on one date axis: volatility above, Sharpe (with its zero line) below."""
    r = sheet.rolling
    x = _x(r["date"])
    series = [("basket", "volatility", "sharpe", "#1f77b4")]
    if sheet.benchmark is not None:
        series.append((sheet.benchmark, "benchmark_volatility", "benchmark_sharpe", "#ff7f0e"))
    traces: list[dict[str, Any]] = []
    for name, vol, sharpe, colour in series:
        traces.append(
            trace(
                "scatter",
                x=x,
                y=_pct_list(r[vol]),
                mode="lines",
                line={"color": colour},
                name=f"{name} volatility %",
                legendgroup=name,
            )
        )
        traces.append(
            trace(
                "scatter",
                x=x,
                y=_sharpe_list(r[sharpe]),
                mode="lines",
                yaxis="y2",
                line={"color": colour, "dash": "dot"},
                name=f"{name} Sharpe",
                legendgroup=name,
            )
        )
    return figure_json(
        traces,
        f"Rolling {sheet.window}-session volatility (top) and Sharpe (bottom), annualised",
        x_title="Date",
        y_title="volatility, % a year",
        xaxis={"gridcolor": "#f0f0f0", "anchor": "y2"},
        yaxis={"gridcolor": "#e5e5e5", "domain": [0.55, 1.0], "rangemode": "tozero"},
        yaxis2={
            "gridcolor": "#e5e5e5",
            "domain": [0.0, 0.45],
            "anchor": "x",
            "title": {"text": "Sharpe (rf 0), annualised"},
            "zeroline": True,
            "zerolinecolor": "#888",
            "automargin": True,
        },
        height=440,
    )


def _heat_cell(value: float, band: float) -> Markup:
    """``+1.23%`` on a green (gain) or red (loss) ground whose strength grows with the
    size up to ``band``; empty for a missing value."""
    if not math.isfinite(value):
        return Markup("")
    strength = min(abs(value) / band, 1.0)
    rgb = _GAIN if value > 0 else _LOSS
    alpha = 0.0 if value == 0 else round(0.08 + 0.52 * strength, 3)
    return Markup(
        '<span class="heat" data-value="{:.6f}" style="display:block;text-align:right;'
        'background:rgba({}, {});padding:0 4px">{}</span>'
    ).format(value, rgb, alpha, _pct(value))


def _heat_map(sheet: TearSheet) -> Markup:
    m = sheet.monthly
    rows: list[dict[str, Any]] = []
    for year, row in m.iterrows():
        cells: dict[str, Any] = {"year": str(year)}
        cells |= {mon: _heat_cell(float(row[mon]), MONTH_BAND) for mon in MONTHS}
        cells["year total"] = _heat_cell(float(row["total"]), YEAR_BAND)
        rows.append(cells)
    # object dtype: pandas 3 would store the Markup cells as plain (escaped-later) strings
    frame = pd.DataFrame(rows, columns=["year", *MONTHS, "year total"], dtype=object)
    return html_table(frame, table_id="basket-monthly", classes=["basket", "heat-map"])


def _drawdown_table(sheet: TearSheet) -> Markup:
    d = sheet.drawdowns
    frame = pd.DataFrame(
        {
            "depth": [_pct(v) for v in d["depth"]],
            "peak": [fmt_date(v) for v in d["peak"]],
            "trough": [fmt_date(v) for v in d["trough"]],
            "recovered": ["not recovered" if pd.isna(v) else fmt_date(v) for v in d["recovery"]],
            "sessions under water": [f"{int(v):,}" for v in d["sessions"]],
        }
    )
    return html_table(frame, table_id="basket-drawdowns", classes=["basket"])


def _basis(result: BasketResult, sheet: TearSheet) -> str:
    return (
        f"Tear sheet basis: daily returns after costs ({result.start} to {result.end}), "
        f"months and years compounded from them; rolling figures over {sheet.window} sessions "
        f"annualised with {sheet.periods_per_year:.1f} sessions a year (rf 0); drawdowns from "
        f"the running peak, the start counting as one; heat-map colour full at "
        f"±{MONTH_BAND:.0%} a month and ±{YEAR_BAND:.0%} a year."
    )


@register_section(60, "basket")
def build_basket(ctx: ThemeRun) -> Section | None:
    """Left out when no basket was computed."""
    result = ctx.basket
    if not isinstance(result, BasketResult):
        return None
    summary = result.summary()
    sheet = result.tear_sheet()
    parts: list[Markup] = [
        Markup("<p>{}</p>").format(summary.title),
        html_table(summary.table.fillna("—"), table_id="basket-metrics", classes=["basket"]),
    ]
    charts: list[Chart] = []

    def chart(dom: str, fig: dict[str, Any]) -> None:
        charts.append(Chart(dom, fig))
        parts.append(Markup('<div class="chart" id="{}"></div>').format(dom))

    chart("chart-basket-equity", _equity(result))
    chart("chart-basket-drawdown", _drawdown(result))
    chart("chart-basket-weights", _weights(result))
    parts.append(Markup("<h3>Tear sheet</h3>"))
    parts.append(Markup('<p class="note">{}</p>').format(_basis(result, sheet)))
    parts.append(Markup("<h4>Monthly returns, % (after costs)</h4>"))
    parts.append(_heat_map(sheet))
    chart("chart-basket-yearly", _yearly(sheet))
    if sheet.rolling["volatility"].notna().any():
        chart("chart-basket-rolling", _rolling(sheet))
    else:
        parts.append(Markup('<p class="missing">No rolling figures: the backtest is shorter '
                            "than their {}-session window.</p>").format(sheet.window))  # fmt: skip
    parts.append(Markup("<h4>Worst drawdowns</h4>"))
    parts.append(_drawdown_table(sheet))
    parts.append(
        Markup('<ul class="notes">')
        + Markup("").join(Markup("<li>{}</li>").format(escape(n)) for n in summary.notes)
        + Markup("</ul>")
    )
    return Section("basket", "Theme basket backtest", str(Markup("").join(parts)), tuple(charts))
