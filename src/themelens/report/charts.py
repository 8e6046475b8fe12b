"""Plotly figures for the report, as JSON dicts drawn by the inlined plotly.js basic bundle.

Charts rebase closes to 100 at the window's first session, a display
transform (no figure in the text comes from a chart). Figures use no
template, so each stays a few kilobytes and the report stays small. Every
axis sizes its margin to its labels (``automargin``), so a right axis
(``yaxis2``) or a long tick label is never cut off; the page's script
(``assets/report.js``) wraps titles on narrow screens and recolours the
charts for a dark scheme.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final

import pandas as pd
import plotly.graph_objects as go

__all__ = [
    "CHART_LAYOUT",
    "DATE_AXIS",
    "REBASED_AXIS",
    "RELATIVE_AXIS",
    "figure_json",
    "price_window",
    "rebased_chart",
    "relative_chart",
    "with_axis_titles",
]

CHART_LAYOUT: dict[str, Any] = {
    "template": "none",
    "height": 380,
    "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
    "hovermode": "x unified",
    "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
    "yaxis": {"gridcolor": "#e5e5e5"},
    "xaxis": {"gridcolor": "#f0f0f0"},
}
DATE_AXIS: Final = "Date"
REBASED_AXIS: Final = "Index, start of window = 100"
RELATIVE_AXIS: Final = "Relative index, 100 = kept pace"
_AXIS_KEY: Final = re.compile(r"^[xy]axis\d*$")


def price_window(
    prices: pd.DataFrame, tickers: Sequence[str], asof: date | None, *, days: int = 365
) -> pd.DataFrame:
    """Closes of ``tickers`` (wide: date × ticker) over the ``days`` before ``asof``."""
    frame = prices[prices["ticker"].isin(list(tickers))]
    if frame.empty:
        return pd.DataFrame()
    end = pd.Timestamp(asof) if asof else frame["date"].max()
    start = end - timedelta(days=days)
    frame = frame[(frame["date"] >= start) & (frame["date"] <= end)]
    return frame.pivot_table(
        index="date", columns="ticker", values="close", aggfunc="last"
    ).sort_index()


def figure_json(
    fig: go.Figure,
    title: str,
    *,
    x_title: str | None = None,
    y_title: str | None = None,
    **layout: Any,
) -> dict[str, Any]:
    """The figure as a JSON dict with the report's shared layout (``layout`` overrides keys of it).

    Every section draws through this, so all charts look alike and stay small.
    ``x_title`` and ``y_title`` name the axes with their units ("Date",
    "% from peak"); a reader should never have to guess what an axis counts.
    """
    merged: dict[str, Any] = {**CHART_LAYOUT, **layout}
    for key, text in (("xaxis", x_title), ("yaxis", y_title)):
        if text is not None:
            merged[key] = {**merged.get(key, {}), "title": {"text": text}}
    for key in [k for k in merged if _AXIS_KEY.match(k)]:
        merged[key] = {"automargin": True, **merged[key]}
    fig.update_layout(title={"text": title}, **merged)
    loaded: dict[str, Any] = json.loads(fig.to_json())
    return loaded


def with_axis_titles(figure: Mapping[str, Any], *, x_title: str, y_title: str) -> dict[str, Any]:
    """A copy of a figure built elsewhere (a result's own ``figure()``) with its axes named.

    An axis title the figure already has is kept; every axis sizes its margin
    to its labels, as ``figure_json``'s do.
    """
    layout: dict[str, Any] = {**figure.get("layout", {})}
    for key, text in (("xaxis", x_title), ("yaxis", y_title)):
        axis = {**layout.get(key, {})}
        if not (axis.get("title") or {}).get("text"):
            axis["title"] = {**(axis.get("title") or {}), "text": text}
        layout[key] = axis
    for key in [k for k in layout if _AXIS_KEY.match(k)]:
        layout[key] = {"automargin": True, **layout[key]}
    return {**figure, "layout": layout}


def rebased_chart(
    wide: pd.DataFrame, labels: Mapping[str, str], title: str
) -> dict[str, Any] | None:
    """Lines rebased to 100 at each ticker's first close in the window."""
    if wide.empty:
        return None
    fig = go.Figure()
    for ticker in wide.columns:
        series = wide[ticker].dropna()
        if series.empty:
            continue
        rebased = 100 * series / series.iloc[0]
        fig.add_trace(go.Scatter(x=[f"{d:%Y-%m-%d}" for d in rebased.index], y=rebased.round(2).tolist(),
                                 mode="lines", name=labels.get(ticker, ticker)))  # fmt: skip
    return figure_json(fig, title, x_title=DATE_AXIS, y_title=REBASED_AXIS)


def relative_chart(
    wide: pd.DataFrame, benchmark: str, labels: Mapping[str, str], title: str
) -> dict[str, Any] | None:
    """Each ticker's rebased close divided by the benchmark's (100 = kept pace).

    The benchmark is taken as of each ticker's session (its last close on or
    before that date), the same alignment the rally table's excess returns use.
    """
    if wide.empty or benchmark not in wide.columns:
        return None
    bench = wide[benchmark].ffill()
    fig = go.Figure()
    for ticker in wide.columns:
        if ticker == benchmark:
            continue
        series = wide[ticker].dropna()
        base = bench.reindex(series.index)
        ok = base.notna()
        series, base = series[ok], base[ok]
        if series.empty:
            continue
        rel = 100 * (series / series.iloc[0]) / (base / base.iloc[0])
        fig.add_trace(go.Scatter(x=[f"{d:%Y-%m-%d}" for d in rel.index], y=rel.round(2).tolist(),
                                 mode="lines", name=labels.get(ticker, ticker)))  # fmt: skip
    if not fig.data:
        return None
    fig.add_hline(y=100, line={"dash": "dot", "color": "#888"})
    return figure_json(fig, title, x_title=DATE_AXIS, y_title=RELATIVE_AXIS)
