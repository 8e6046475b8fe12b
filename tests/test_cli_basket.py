"""``themelens basket backtest``: output formats, one-line errors, the report section."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from themelens.cli import app

runner = CliRunner()
BASE = ["basket", "backtest", "--demo", "--start", "2024-01-01", "--end", "2025-06-30"]


def _run(args: list[str], tmp_path: Path):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [*args, "--db", str(tmp_path / "c.duckdb")], env={"COLUMNS": "160"})


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
    ]
    weights = section.charts[2].figure
    assert {t["name"] for t in weights["data"]} == set(members)
    assert all(t.get("stackgroup") == "weights" for t in weights["data"])
    assert (
        weights["layout"]["template"] == {"data": {}, "layout": {}}
        or "template" in weights["layout"]
    )
    assert "basket-metrics" in section.html and "<script" not in section.html
