"""The shared CLI pieces: source flags declared once, and the benchmark chain fallback."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from themelens.cli import app
from themelens.data.providers import DemoProvider, fetch_prices

runner = CliRunner()


def _options(*path: str) -> list[str]:
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return [p.opts[0] for p in command.params if not getattr(p, "hidden", False)]


def test_source_flags_come_last_in_the_order_users_know() -> None:
    assert _options("rally")[-6:] == [
        "--prices-dir", "--provider", "--demo", "--format", "--theme", "--db",
    ]  # fmt: skip
    assert _options("events", "study")[-12:-6] == [
        "--benchmark", "--model", "--estimation", "--gap", "--window", "--min-estimation",
    ]  # fmt: skip
    assert _options("prices", "cached") == ["--db", "--format"]
    assert _options("news", "sentiment")[-3:] == ["--format", "--theme", "--db"]


def test_basket_falls_back_along_the_theme_benchmark_chain(tmp_path: Path) -> None:
    frame = fetch_prices(DemoProvider(), ["9988.HK", "0700.HK", "^IXIC", "^NDX"]).frame
    for ticker, rows in frame.groupby("ticker"):
        cols = ["date", "open", "high", "low", "close", "volume"]
        rows[cols].to_csv(tmp_path / f"{ticker}.csv", index=False)
    result = runner.invoke(
        app,
        ["basket", "backtest", "9988.HK", "0700.HK", "--prices-dir", str(tmp_path),
         "--format", "json", "--db", str(tmp_path / "c.duckdb")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["benchmark"] == "^NDX"  # HSTECH.HK has no file
    assert "using ^NDX, the first theme benchmark with data" in result.stderr
