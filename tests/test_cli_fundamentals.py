"""``themelens capex``, ``valuation`` and ``scenarios`` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from themelens.cli import app

RECORDING = Path(__file__).resolve().parent / "recordings" / "fundamentals"
THEME_YAML = Path(__file__).resolve().parents[1] / "src/themelens/themes/china-ai.yaml"


@pytest.fixture()
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, [*args, "--db", str(tmp_path / "c.duckdb")], env={"COLUMNS": "200"})  # fmt: skip

    return invoke


def test_capex_demo_shows_press_figures_and_says_statements_are_unavailable(run) -> None:  # type: ignore[no-untyped-def]
    result = run("capex", "--demo")
    assert result.exit_code == 0, result.output
    assert "statement figures are unavailable offline" in result.stdout
    assert "reported only" in result.stdout and "USD 13.00bn" in result.stdout
    data = json.loads(run("capex", "--demo", "--format", "json").stdout)
    assert data["statements_available"] is False and data["rows"] == []
    assert all(g["statement"] is None for g in data["gaps"])  # no invented statement figure


def test_capex_from_the_replayed_yahoo_seam(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chart = tmp_path / "capex.json"
    result = run("capex", "alibaba", "tencent", "baidu", "--replay", str(RECORDING),
                 "--format", "json", "--chart", str(chart))  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["synthetic"] is True
    status = {(g["entity"], g["metric"], g["period"]): g["status"] for g in data["gaps"]}
    assert status[("alibaba", "capex", "2024H1")] == "match"
    assert status[("tencent", "capex", "2024H1")] == "differs"
    assert status[("alibaba+baidu+tencent", "capex", "2024H1")] == "match"
    assert status[("china-big-tech", "capex", "2023")] == "reported only"
    figure = json.loads(chart.read_text(encoding="utf-8"))
    assert "template" not in figure["layout"] and len(figure["data"]) >= 3


def test_capex_named_company_without_a_statement_fails(run) -> None:  # type: ignore[no-untyped-def]
    result = run("capex", "hua-hong", "--replay", str(RECORDING))
    assert result.exit_code == 1
    assert "no annual cash-flow statement" in result.stderr


def test_capex_csv_import_and_csv_output(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "capex.csv"
    path.write_text("ticker,period_end,capex,currency\nBABA,2024-12-31,100e9,CNY\n", encoding="utf-8")  # fmt: skip
    result = run("capex", "BABA", "--csv", str(path), "--format", "csv")
    assert result.exit_code == 0, result.output
    header, row = result.stdout.strip().splitlines()
    assert header.startswith("entity,ticker,freq,period") and ",2024," in row and "alibaba" in row


def test_bad_csv_is_one_line_exit_1(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "capex.csv"
    path.write_text("ticker,period_end,capex,currency\nBABA,2024-12-31,-1,CNY\n", encoding="utf-8")
    result = run("capex", "--csv", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "row 2" in result.stderr
    assert "Traceback" not in result.output


def test_valuation_demo_is_the_press_spread(run) -> None:  # type: ignore[no-untyped-def]
    result = run("valuation", "--demo", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["reported"] is True
    spread = next(
        s for s in data["spreads"] if s["subject"] == "hstech" and s["reference"] == "ndx"
    )
    assert (spread["pe_subject"], spread["pe_reference"], spread["spread_x"]) == (21.0, 27.0, -6.0)
    assert all(r["z_fwd_5y"] is None for r in data["rows"])  # no history: absent, not 0


def test_valuation_history_csv_zscore_and_gap(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = ["date,ticker,pe_fwd,eps_fwd,price"]
    for k, pe in enumerate([10, 12, 14, 16, 18]):
        lines.append(f"202{k}-06-30,alibaba,{pe},{5 + k},{100 + 10 * k}")
    path = tmp_path / "val.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("valuation", "alibaba", "--csv", str(path), "--min-obs", "5",
                 "--since", "2023-06-30", "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    row = next(r for r in data["rows"] if r["entity"] == "alibaba")
    assert row["z_fwd_5y"] == pytest.approx(4 / 10**0.5)
    gap = data["price_vs_fundamentals"]["rows"][0]
    assert gap["price_return_pct"] == pytest.approx((140 / 130 - 1) * 100)
    assert gap["eps_revision_pct"] == pytest.approx((9 / 8 - 1) * 100)


def test_scenarios_demo_is_seeded_and_labelled(run) -> None:  # type: ignore[no-untyped-def]
    args = ("scenarios", "alibaba", "tencent", "--demo", "--asof", "2025-09-26", "--paths", "2000", "--format", "json")  # fmt: skip
    first, second = run(*args), run(*args)
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["scenarios"]["synthetic"] and data["monte_carlo"]["synthetic"]
    row = data["scenarios"]["rows"][0]
    assert row["expected"] == pytest.approx(row["price"] * (0.25 * 1.2 * 1.15 + 0.5 * 1.1 + 0.25 * 0.95 * 0.75))  # fmt: skip
    mc = data["monte_carlo"]
    assert mc["paths"] == 2000 and [r["name"] for r in mc["rows"]][-1] == "portfolio"
    table = run("scenarios", "alibaba", "--demo", "--paths", "1000")
    assert "synthetic demo data" in table.stdout


def test_scenarios_with_bad_probabilities_is_one_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = THEME_YAML.read_text(encoding="utf-8").replace(
        "probability: 0.25", "probability: 0.2", 1
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    result = run("scenarios", "--demo", "--theme", str(path))
    assert result.exit_code == 1
    assert "scenarios: probabilities" in result.stderr and "sum to 0.95" in result.stderr
    assert "Traceback" not in result.output


AKSHARE_RECORDING = RECORDING.parent / "akshare_fundamentals"


def test_capex_from_the_replayed_akshare_seam(run) -> None:  # type: ignore[no-untyped-def]
    # made-up codes of the synthetic recording; 99999.HK is one Eastmoney does not know
    result = run("capex", "0000.HK", "99998.HK", "99999.HK", "--provider", "akshare",
                 "--akshare-replay", str(AKSHARE_RECORDING), "--format", "json")  # fmt: skip
    assert result.exit_code == 1  # a named ticker failed
    data = json.loads(result.stdout)
    assert data["synthetic"] is True and data["statements_available"] is True
    annual = {(r["ticker"], r["period"]): r for r in data["rows"] if r["freq"] == "annual"}
    # 0000.HK 2024 annual: fixed assets 14.4bn + intangibles 1.6bn RMB in the recording
    assert annual[("0000.HK", "2024")]["capex"] == pytest.approx(16.0e9)
    assert annual[("0000.HK", "2024")]["currency"] == "CNY"
    assert "stock_financial_hk_report_em(stock='99999'" in result.stderr


def test_valuation_from_the_replayed_akshare_seam(run) -> None:  # type: ignore[no-untyped-def]
    result = run("valuation", "0000.HK", "--provider", "akshare",
                 "--akshare-replay", str(AKSHARE_RECORDING), "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    row = next(r for r in data["rows"] if r["ticker"] == "0000.HK")
    assert row["pe_trailing"] > 0 and row["pe_fwd"] is None
    assert row["z_trailing_5y"] is not None


def test_live_akshare_statements_take_the_settings_spacing_and_time_out(tmp_path: Path) -> None:
    from themelens.cli.fundamentals import _live_akshare
    from themelens.config import resolve_settings

    env = {"THEMELENS_AKSHARE_INTERVAL": "1.5", "THEMELENS_AKSHARE_TIMEOUT": "12"}
    settings = resolve_settings(db=tmp_path / "c.duckdb", env=env)
    source = _live_akshare(settings, None)
    assert source is not None
    assert (source.client.min_interval_s, source.client.timeout_s) == (1.5, 12.0)
    assert _live_akshare(settings, tmp_path) is None  # a replay is built unspaced by the loader
