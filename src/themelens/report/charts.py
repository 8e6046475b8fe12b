"""Plotly figures for the report, as JSON dicts drawn by the inlined plotly.js basic bundle.

Figures are built as plain dicts in plotly's JSON schema, never through
``plotly.graph_objects``: those validate every number one by one (0.4 s of a
warm report for a dozen charts) and import plotly.py (0.3 s). Charts rebase
closes to 100 at the window's first session, a display
transform (no figure in the text comes from a chart). Figures use no
template, so each stays a few kilobytes and the report stays small. Every
axis sizes its margin to its labels (``automargin``), so a right axis
(``yaxis2``) or a long tick label is never cut off; the page's script
(``assets/report.js``) wraps titles on narrow screens and recolours the
charts for a dark scheme.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final

import numpy as np
import pandas as pd

from themelens.data.wide import wide_values

__all__ = [
    "CHART_LAYOUT",
    "DATE_AXIS",
    "MAX_LINES",
    "REBASED_AXIS",
    "RELATIVE_AXIS",
    "figure_json",
    "iso_days",
    "price_window",
    "rebased_chart",
    "relative_chart",
    "trace",
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
    return wide_values(frame)


def _finite(values: Any) -> Any:
    """``values`` with NaN and infinities as ``None`` (JSON's null: ``JSON.parse`` rejects NaN)."""
    if isinstance(values, list):
        return [None if isinstance(v, float) and not math.isfinite(v) else v for v in values]
    return values


def trace(kind: str, **attributes: Any) -> dict[str, Any]:
    """One trace of plotly's JSON schema (``kind``: "scatter", "bar", ...)."""
    return {"type": kind, **attributes}


def figure_json(
    traces: Sequence[Mapping[str, Any]],
    title: str,
    *,
    x_title: str | None = None,
    y_title: str | None = None,
    **layout: Any,
) -> dict[str, Any]:
    """A figure from trace dicts with the report's shared layout (``layout`` overrides keys of it).

    Every section draws through this, so all charts look alike and stay small.
    ``x_title`` and ``y_title`` name the axes with their units ("Date",
    "% from peak"); a reader should never have to guess what an axis counts.
    Trace ``x``/``y`` lists may hold NaN for gaps: they are written as null.
    The figure carries no template (plotly.js's own defaults).
    """
    merged: dict[str, Any] = {**CHART_LAYOUT, **layout}
    merged.pop("template", None)
    for key, text in (("xaxis", x_title), ("yaxis", y_title)):
        if text is not None:
            merged[key] = {**merged.get(key, {}), "title": {"text": text}}
    for key in [k for k in merged if _AXIS_KEY.match(k)]:
        merged[key] = {"automargin": True, **merged[key]}
    data = [{k: _finite(v) if k in ("x", "y") else v for k, v in t.items()} for t in traces]
    return {"data": data, "layout": {"title": {"text": title}, **merged}}


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


MAX_LINES: Final = 10
"""Lines a chart draws one by one; beyond that, the rest are a band (see ``_lines``)."""


def iso_days(dates: Any) -> list[str]:
    """Dates (an index, a column, a list of timestamps) as ``YYYY-MM-DD`` strings, vectorised:
    formatting a year of sessions one timestamp at a time cost more than drawing it."""
    index = pd.DatetimeIndex(dates)
    if index.tz is not None:  # the local calendar day, not UTC's
        index = index.tz_localize(None)
    days = np.asarray(index.values, dtype="datetime64[D]")
    return [str(d) for d in np.datetime_as_string(days, unit="D")]


def _lines(
    values: pd.DataFrame, labels: Mapping[str, str], *, max_lines: int = MAX_LINES
) -> list[dict[str, Any]]:
    """Scatter traces (plain dicts) for the columns of ``values``, at most ``max_lines`` of them.

    A universe of hundreds of names would draw hundreds of lines nobody can
    tell apart and make the file megabytes long. So the ``max_lines`` names
    that moved most over the window (largest absolute change from their first
    value) are drawn as lines, and the others as one band: their 10th to 90th
    percentile on each date, with their median dashed, named with how many
    they are. Built as JSON-ready dicts, not plotly objects, which validate
    every number one by one.
    """
    cols = [c for c in values.columns if values[c].notna().any()]
    if not cols:
        return []
    values = values[cols]
    last = values.ffill().iloc[-1]
    first = values.bfill().iloc[0]
    order = (last - first).abs().sort_values(ascending=False, kind="stable").index
    shown = [c for c in cols if c in set(order[:max_lines])]
    rest = [c for c in cols if c not in set(shown)]
    traces: list[dict[str, Any]] = []
    for ticker in shown:
        series = values[ticker].dropna()
        traces.append(
            {"type": "scatter", "mode": "lines", "name": labels.get(str(ticker), str(ticker)),
             "x": iso_days(series.index), "y": series.round(2).tolist()}
        )  # fmt: skip
    if rest:
        band = values[rest].quantile([0.1, 0.5, 0.9], axis=1).T.dropna(how="all")
        x = iso_days(band.index)
        name = f"{len(rest)} others, 10th–90th percentile"
        grey = "rgba(120,120,120,0.25)"
        traces += [
            {"type": "scatter", "mode": "lines", "x": x, "y": band[0.1].round(2).tolist(),
             "line": {"width": 0, "color": grey}, "name": name, "legendgroup": "others",
             "showlegend": False, "hoverinfo": "skip"},
            {"type": "scatter", "mode": "lines", "x": x, "y": band[0.9].round(2).tolist(),
             "line": {"width": 0, "color": grey}, "fill": "tonexty", "fillcolor": grey,
             "name": name, "legendgroup": "others"},
            {"type": "scatter", "mode": "lines", "x": x, "y": band[0.5].round(2).tolist(),
             "line": {"dash": "dash", "color": "rgb(110,110,110)"},
             "name": f"{len(rest)} others, median", "legendgroup": "others"},
        ]  # fmt: skip
    return traces


def rebased_chart(
    wide: pd.DataFrame, labels: Mapping[str, str], title: str, *, max_lines: int = MAX_LINES
) -> dict[str, Any] | None:
    """Lines rebased to 100 at each ticker's first close in the window (``_lines`` caps them)."""
    if wide.empty:
        return None
    rebased = 100 * wide / wide.bfill().iloc[0]
    traces = _lines(rebased, labels, max_lines=max_lines)
    if not traces:
        return None
    return figure_json(traces, title, x_title=DATE_AXIS, y_title=REBASED_AXIS)


def relative_chart(
    wide: pd.DataFrame,
    benchmark: str,
    labels: Mapping[str, str],
    title: str,
    *,
    max_lines: int = MAX_LINES,
) -> dict[str, Any] | None:
    """Each ticker's rebased close divided by the benchmark's (100 = kept pace).

    The benchmark is taken as of each ticker's session (its last close on or
    before that date), the same alignment the rally table's excess returns use;
    both are rebased at the ticker's first session with a benchmark close.
    """
    if wide.empty or benchmark not in wide.columns:
        return None
    bench = wide[benchmark].ffill().to_numpy(dtype=float)
    others = wide.drop(columns=[benchmark])
    if others.empty:
        return None
    mask = others.notna().to_numpy() & ~np.isnan(bench)[:, None]
    own = others.where(mask)
    base = pd.DataFrame(
        np.where(mask, bench[:, None], np.nan), index=others.index, columns=others.columns
    )
    relative = 100 * (own / own.bfill().iloc[0]) / (base / base.bfill().iloc[0])
    traces = _lines(relative, labels, max_lines=max_lines)
    if not traces:
        return None
    kept_pace = {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": 100,
                 "y1": 100, "line": {"dash": "dot", "color": "#888", "width": 1}}  # fmt: skip
    return figure_json(traces, title, x_title=DATE_AXIS, y_title=RELATIVE_AXIS, shapes=[kept_pace])
