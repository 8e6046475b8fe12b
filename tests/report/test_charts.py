"""The leaders' charts: values against a plain per-ticker computation, and a cap on lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from themelens.report.charts import MAX_LINES, rebased_chart, relative_chart


def _wide(n: int, sessions: int = 120, seed: int = 0) -> pd.DataFrame:
    """``n`` random closes and a benchmark, each with holes and a late start or two."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2025-01-01", periods=sessions)
    data = 100 * np.cumprod(1 + rng.normal(0, 0.02, (sessions, n + 1)), axis=0)
    frame = pd.DataFrame(data, index=dates, columns=[*(f"T{i:03d}" for i in range(n)), "BENCH"])
    holes = rng.random(frame.shape) < 0.05
    frame = frame.mask(holes)
    frame.iloc[:10, 0] = np.nan  # listed late
    frame.iloc[:5, -1] = np.nan  # the benchmark starts late too
    return frame


def _reference_relative(wide: pd.DataFrame, ticker: str, bench: str) -> pd.Series:
    """The per-ticker loop the chart used to run, kept here as the reference."""
    base_all = wide[bench].ffill()
    series = wide[ticker].dropna()
    base = base_all.reindex(series.index)
    ok = base.notna()
    series, base = series[ok], base[ok]
    return 100 * (series / series.iloc[0]) / (base / base.iloc[0])


def _traces(fig: dict[str, object]) -> dict[str, dict[str, list[object]]]:
    return {t["name"]: t for t in fig["data"]}  # type: ignore[attr-defined]


def test_relative_values_match_the_per_ticker_loop() -> None:
    wide = _wide(6)
    fig = relative_chart(wide, "BENCH", {}, "t")
    assert fig is not None
    traces = _traces(fig)
    for ticker in wide.columns[:-1]:
        expected = _reference_relative(wide, ticker, "BENCH").round(2)
        trace = traces[ticker]
        assert trace["x"] == [f"{d:%Y-%m-%d}" for d in expected.index]
        assert trace["y"] == pytest.approx(expected.tolist(), abs=1e-9)
    layout = fig["layout"]
    assert layout["title"]["text"] == "t"  # type: ignore[index]
    assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"]  # type: ignore[index]


def test_rebased_lines_start_at_100() -> None:
    fig = rebased_chart(_wide(4).iloc[:, :-1], {"T000": "Zero"}, "t")
    assert fig is not None
    traces = _traces(fig)
    assert set(traces) == {"Zero", "T001", "T002", "T003"}
    assert all(t["y"][0] == 100.0 for t in traces.values())


def test_a_large_universe_draws_the_biggest_movers_and_a_band_for_the_rest() -> None:
    wide = _wide(200).iloc[:, :-1]
    fig = rebased_chart(wide, {}, "t")
    assert fig is not None
    traces = fig["data"]
    assert len(traces) == MAX_LINES + 3  # the lines, the band's two edges, its median
    rebased = 100 * wide / wide.bfill().iloc[0]
    moved = (rebased.ffill().iloc[-1] - rebased.bfill().iloc[0]).abs()
    top = set(moved.sort_values(ascending=False).index[:MAX_LINES])
    lines = {t["name"] for t in traces[:MAX_LINES]}
    assert lines == top
    rest = rebased.drop(columns=list(top))
    upper = traces[MAX_LINES + 1]
    assert "190 others" in upper["name"]
    expected = np.nanpercentile(rest.to_numpy(), 90, axis=1)
    assert upper["y"] == pytest.approx(np.round(expected, 2).tolist(), abs=1e-9)
    small = rebased_chart(wide.iloc[:, :3], {}, "t")
    assert small is not None and len(small["data"]) == 3  # no band when all fit


def test_figures_are_strict_json_with_gaps_as_null_and_agree_with_plotly() -> None:
    """A gap (NaN) in a trace is written as null, since ``JSON.parse`` rejects NaN and one
    bad figure would blank every chart of the page; the dict figure is the one plotly.py
    would make of the same traces (its own validation, as the reference)."""
    import json

    import plotly.graph_objects as go

    from themelens.report.charts import figure_json, trace
    from themelens.report.html import script_json

    ys = [1.0, float("nan"), 3.0, float("inf")]
    fig = figure_json([trace("scatter", x=["a", "b", "c", "d"], y=ys, mode="lines", name="s")],
                      "Title", x_title="Date", y_title="% move", height=300)  # fmt: skip
    assert fig["data"][0]["y"] == [1.0, None, 3.0, None]

    def strict(token: str) -> None:
        raise AssertionError(f"{token} in figure JSON")

    assert json.loads(script_json(fig), parse_constant=strict) == fig
    theirs = go.Figure(fig).to_plotly_json()  # raises on anything plotly's schema rejects
    assert theirs["data"][0]["y"] == [1.0, None, 3.0, None]
    assert theirs["layout"]["yaxis"]["title"]["text"] == "% move"
    assert fig["layout"]["xaxis"]["automargin"] is True


def test_iso_days_match_strftime_for_naive_and_zoned_dates() -> None:
    from themelens.report.charts import iso_days

    naive = pd.bdate_range("2024-12-27", periods=5)
    zoned = pd.date_range("2025-09-17 23:30", periods=3, freq="h", tz="Asia/Hong_Kong")
    for dates in (naive, zoned, pd.Series(naive), list(naive)):
        assert iso_days(dates) == [f"{d:%Y-%m-%d}" for d in dates]
