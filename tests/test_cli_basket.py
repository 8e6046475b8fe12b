"""``themelens basket backtest``: output formats, one-line errors, the report section."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from themelens.cli import app

runner = CliRunner()
BASE = ["basket", "backtest", "--demo", "--start", "2024-01-01", "--end", "2025-06-30"]


def _run(args: list[str], tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    return runner.invoke(
        app, [*args, "--db", str(tmp_path / "c.duckdb")], env={"COLUMNS": "160", **env}
    )


def test_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    """On a terminal (rich's TTY_COMPATIBLE=1) stderr shows the backtest's bar reaching
    rebalances + 1 (each rebalance, then the simulation); off one, nothing; stdout stays JSON."""
    tty = _run([*BASE, "--format", "json"], tmp_path, TTY_COMPATIBLE="1")
    assert tty.exit_code == 0, tty.output
    steps = json.loads(tty.stdout)["rebalances"] + 1
    assert steps > 10
    assert "backtest" in tty.stderr and f"{steps}/{steps}" in tty.stderr
    pipe = _run([*BASE, "--format", "json"], tmp_path, TTY_COMPATIBLE="0")
    assert pipe.exit_code == 0, pipe.output
    assert "backtest" not in pipe.stderr and "\x1b[" not in pipe.stderr
    assert json.loads(pipe.stdout)["metrics"] == json.loads(tty.stdout)["metrics"]


def test_the_brake_releases_after_a_crash_and_recovery(tmp_path: Path) -> None:
    """A constructed crash (-45 %) and a recovery that never regains the old peak, as
    price files: with a 15 % brake the basket goes to cash in the crash and is back in the
    market for the climb, so it is not in cash for years."""
    dates = pd.bdate_range("2019-01-01", periods=1300)
    path = np.concatenate([
        np.linspace(100, 140, 250), np.linspace(140, 77, 120), np.linspace(77, 130, 930),
    ])  # fmt: skip
    folder = tmp_path / "prices"
    folder.mkdir()
    for ticker, wiggle in (("AAA.HK", 0.002), ("BBB.HK", -0.002)):
        close = path * (1 + wiggle * np.sin(np.arange(len(path)) / 3))
        pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "open": close, "high": close * 1.01,
                      "low": close * 0.99, "close": close, "volume": 1000}).to_csv(
            folder / f"{ticker}.csv", index=False)  # fmt: skip
    result = _run(
        ["basket", "backtest", "AAA.HK", "BBB.HK", "--prices-dir", str(folder), "--brake", "15",
         "--start", "2019-06-03", "--format", "csv"],
        tmp_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    from io import StringIO

    d = pd.read_csv(StringIO(result.stdout), parse_dates=["date"]).set_index("date")
    crash = d.loc[dates[250] : dates[369]]
    climb = d.loc[dates[480] :]
    assert crash["braked"].any()  # it braked in the crash ...
    assert (climb["exposure"] > 0.99).mean() > 0.95  # ... and held the basket in the climb
    # by hand: 140 x 0.85 = 119 is passed 40 sessions into the fall (session 290), the low
    # of 77 comes at 369 and 77 x 1.075 = 82.8 102 sessions into the climb (471): the brake
    # is on from 291 to 472, 182 sessions (the +-0.2 % wiggle moves that a few sessions)
    runs = d["braked"].astype(int).groupby((~d["braked"]).cumsum()).sum()
    assert (runs > 0).sum() == 1 and 175 <= runs.max() <= 190
    assert (d["exposure"] > 0).mean() == pytest.approx(1 - runs.max() / len(d))


def test_table_shows_metrics_against_the_benchmark(tmp_path: Path) -> None:
    result = _run(
        [*BASE, "--scheme", "risk-parity", "--vol-target", "20", "--max-weight", "25",
         "--role-cap", "leader=60", "--brake", "15", "--rebalance", "monthly"],
        tmp_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "synthetic demo data" in out
    assert "HSTECH.HK" in out and "information ratio" in out and "max drawdown" in out
    assert "leader ≤ 60%" in out


def test_json_has_metrics_spec_and_weights(tmp_path: Path) -> None:
    result = _run(
        [*BASE, "--scheme", "inverse-vol", "--max-weight", "20", "--format", "json"], tmp_path
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["spec"]["max_weight"] == pytest.approx(0.2)
    assert data["benchmark"] == "HSTECH.HK" and data["synthetic"] is True
    assert max(data["latest_weights"].values()) <= 0.2 + 1e-9
    assert sum(data["latest_weights"].values()) == pytest.approx(1.0)
    assert set(data["metrics"]) >= {"cagr", "sharpe", "sortino", "calmar", "beta", "hit_rate"}


def test_csv_is_the_daily_curve(tmp_path: Path) -> None:
    result = _run([*BASE, "--format", "csv", "--rebalance", "weekly"], tmp_path)
    assert result.exit_code == 0, result.output
    header, first, *_ = result.stdout.splitlines()
    assert header.startswith("date,equity,return,drawdown,exposure,turnover")
    assert first.startswith("2024-01-02,1.0,")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role-cap", "leaders=60"], "--role-cap leaders=60"),
        (["--max-weight", "150"], "--max-weight 1.5"),
        (["--start", "2025-01-01", "--end", "2024-01-01"], "--start 2025-01-01 is not before"),
        (["--brake-release", "100"], "--brake-release"),
        (["--benchmark", "NOSUCH.HK"], "NOSUCH.HK"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(tmp_path: Path, args: list[str], message: str) -> None:
    result = _run([*BASE, *args], tmp_path)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len([ln for ln in result.stderr.splitlines() if ln.startswith("error:")]) == 1


def test_report_section_renders_the_basket_or_stays_out() -> None:
    from datetime import date

    from themelens.analytics.basket import BasketSpec, backtest_basket
    from themelens.data.providers import DemoProvider, fetch_prices
    from themelens.pipeline.model import ThemeRun
    from themelens.report.sections.basket import build_basket
    from themelens.theme import load_theme

    members = ["9988.HK", "0981.HK", "1810.HK"]
    frame = fetch_prices(DemoProvider(), [*members, "HSTECH.HK"]).frame
    result = backtest_basket(
        frame, members, spec=BasketSpec(scheme="inverse-vol", brake=0.1), benchmark="HSTECH.HK",
        start=date(2024, 1, 1),
    )  # fmt: skip
    ctx = ThemeRun(
        theme=load_theme("china-ai"), asof=None, generated_at=None,  # type: ignore[arg-type]
        synthetic=True, prices=frame, rally=None, roles={}, benchmark="HSTECH.HK",
    )  # fmt: skip
    assert build_basket(ctx) is None
    section = build_basket(replace(ctx, basket=result))
    assert section is not None
    assert [c.dom_id for c in section.charts] == [
        "chart-basket-equity",
        "chart-basket-drawdown",
        "chart-basket-weights",
        "chart-basket-yearly",
        "chart-basket-rolling",
    ]
    weights = section.charts[2].figure
    assert {t["name"] for t in weights["data"]} == set(members)
    assert all(t.get("stackgroup") == "weights" for t in weights["data"])
    assert "template" not in weights["layout"]  # plotly.js's defaults, a few KB a chart
    assert "basket-metrics" in section.html and "<script" not in section.html
    figs = {c.dom_id: c.figure for c in section.charts}
    for dom, fig in figs.items():  # every axis says what it counts
        assert fig["layout"]["xaxis"]["title"]["text"], dom
        assert fig["layout"]["yaxis"]["title"]["text"], dom
    assert figs["chart-basket-drawdown"]["layout"]["yaxis"]["title"]["text"] == "% from peak"
    right = figs["chart-basket-drawdown"]["layout"]["yaxis2"]
    assert right["title"]["text"] == "exposure, %" and right["automargin"] is True
    sheet = result.tear_sheet()
    yearly = figs["chart-basket-yearly"]
    assert yearly["layout"]["barmode"] == "group"
    assert [t["type"] for t in yearly["data"]] == ["bar", "bar"]
    assert yearly["data"][1]["name"] == "HSTECH.HK"
    assert yearly["data"][0]["y"] == [round(100 * v, 2) for v in sheet.yearly["basket"]]
    rolling = figs["chart-basket-rolling"]
    assert len(rolling["data"]) == 4 and "126-session" in rolling["layout"]["title"]["text"]
    # the heat map: one row per year, a cell per month, coloured by sign
    html = section.html
    assert 'id="basket-monthly"' in html and 'id="basket-drawdowns"' in html
    monthly = html[html.find('id="basket-monthly"') :]
    monthly = monthly[: monthly.find("</table>")]
    assert monthly.count("<tr") == 1 + len(sheet.monthly)  # header + one row per year
    jan24 = sheet.monthly.loc[2024, "Jan"]
    shade = "10, 122, 47" if jan24 > 0 else "176, 0, 32"
    assert f"rgba({shade}," in html and f"{100 * jan24:+.2f}%" in html
    assert html.count('class="heat"') == sheet.monthly.notna().sum().sum()
    worst = sheet.drawdowns.iloc[0]
    assert f"{100 * worst['depth']:+.2f}%" in html
    assert "heat-map colour full at ±10% a month" in html
    assert "time in market" in html and "exposure (mean)" in html
