"""``themelens events study|spillover`` through CliRunner: outputs, skipped events, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from themelens.cli import app

runner = CliRunner()


def run(*args: str, db: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"THEMELENS_DB": str(db), "COLUMNS": "200"})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("note:")]
    assert len(lines) == 1, f"expected one error line, got: {stderr!r}"
    assert lines[0].startswith("error:")
    return lines[0]


@pytest.fixture(scope="module")
def prices_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Plain-layout CSVs: Alibaba, SMIC, Hua Hong, four HK peers and ^IXIC, 2025 business days."""
    folder = tmp_path_factory.mktemp("prices")
    rng = np.random.default_rng(24)
    dates = pd.bdate_range("2025-01-02", "2025-12-31")
    market = rng.normal(0.0005, 0.012, len(dates))
    jump = dates.get_loc(pd.Timestamp("2025-09-24"))
    for ticker in (
        "9988.HK",
        "0981.HK",
        "1347.HK",
        "9888.HK",
        "0700.HK",
        "9618.HK",
        "1810.HK",
        "^IXIC",
    ):
        r = market + rng.normal(0, 0.015, len(dates))
        if ticker == "9988.HK":
            r[jump] += 0.09  # the announcement
        close = 100 * np.cumprod(1 + r)
        frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "open": close, "high": close,
                              "low": close, "close": close, "volume": 1e6})  # fmt: skip
        frame.to_csv(folder / f"{ticker}.csv", index=False)
    return folder


def test_study_json_with_an_entity_event_and_the_proxy(prices_dir: Path, tmp_path: Path) -> None:
    code, out, err = run("events", "study", "alibaba:2025-09-24", "0981.HK:2025-09-24",
                         "--benchmark", "proxy", "--format", "json",
                         "--prices-dir", str(prices_dir), db=tmp_path / "c.duckdb")  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["benchmark"] == "PROXY-EW-HK" and data["computed"] == 2
    alibaba = data["events"][0]
    assert alibaba["ticker"] == "9988.HK" and alibaba["ar_0"] > 0.05
    assert data["cross_correlation"] is not None  # both on 2025-09-24
    assert any("equal-weight of 9888.HK" in n for n in data["notes"])
    assert "9988.HK" not in next(n for n in data["notes"] if "equal-weight" in n)


def test_study_table_counts_skipped_events(prices_dir: Path, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text("ticker,date,label\n9988.HK,2025-09-24,capex\n9988.HK,2024-01-02,too early\n")
    code, out, err = run("events", "study", "--events", str(events), "--benchmark", "^IXIC",
                         "--window", "-1,5", "--model", "market-adjusted",
                         "--prices-dir", str(prices_dir), db=tmp_path / "c.duckdb")  # fmt: skip
    assert code == 0, err
    assert "CAR [-1, +5]" in out and "market-adjusted" in out
    assert "computed 1 of 2 events; skipped 1" in out
    assert "9988.HK:2024-01-02: date is outside the data" in out
    assert "Patell Z" in out


def test_study_csv_is_the_per_event_frame(prices_dir: Path, tmp_path: Path) -> None:
    code, out, _ = run("events", "study", "9988.HK:2025-09-24", "--model", "mean-adjusted",
                       "--format", "csv", "--prices-dir", str(prices_dir), db=tmp_path / "c.duckdb")  # fmt: skip
    assert code == 0
    assert out.splitlines()[0].startswith("event_id,ticker,label,event_date")


def test_spillover_runs_on_the_supply_chain(prices_dir: Path, tmp_path: Path) -> None:
    code, out, err = run("events", "spillover", "--leader", "alibaba", "--group", "supply-chain",
                         "--date", "2025-09-24", "--benchmark", "proxy", "--format", "json",
                         "--prices-dir", str(prices_dir), db=tmp_path / "c.duckdb")  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert [e["ticker"] for e in data["leader"]["events"]] == ["9988.HK"]
    assert [e["ticker"] for e in data["spillover"]["events"]] == ["0981.HK", "1347.HK"]
    # Naura has no file: skipped and counted, the rest computed
    assert data["spillover"]["failures"] == [
        {"item": "002371.SZ:2025-09-24", "reason": "no prices for 002371.SZ"}
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["9988.HK:2025-09-24", "--window", "3,-1"], "--window 3,-1: the start is after the end"),
        (["9988.HK:2025-09-24", "--window", "x"], "expected START,END"),
        (["alibbaba:2025-09-24"], "alibbaba: unknown ticker or entity; close matches: alibaba"),
        (["NOPE:2025-09-24", "--benchmark", "proxy"], "NOPE: unknown ticker"),
        (["9988.HK:2025-02-30"], "is not a date"),
        (["9988.HK:2025-09-24"], "no prices for HSTECH.HK; pass --benchmark proxy"),
        (
            ["9988.HK:2025-09-24", "--benchmark", "proxy", "--estimation", "30"],
            "--min-estimation 60",
        ),
        ([], "no events"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    args: list[str], message: str, prices_dir: Path, tmp_path: Path
) -> None:
    code, _, err = run(
        "events", "study", *args, "--prices-dir", str(prices_dir), db=tmp_path / "c.duckdb"
    )
    assert code == 1
    assert message in one_error_line(err)


def test_study_exits_1_when_every_event_is_skipped(prices_dir: Path, tmp_path: Path) -> None:
    code, out, err = run("events", "study", "9988.HK:2030-01-01", "--benchmark", "proxy",
                         "--prices-dir", str(prices_dir), db=tmp_path / "c.duckdb")  # fmt: skip
    assert code == 1
    assert "outside the data" in out
    assert "no event could be computed (1 skipped)" in one_error_line(err)


def test_study_on_the_demo_market_with_catalysts(tmp_path: Path) -> None:
    code, out, err = run("events", "study", "--catalysts", "--demo", "--format", "json",
                         db=tmp_path / "c.duckdb")  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["synthetic"] is True and data["benchmark"] == "HSTECH.HK"
    assert {"9988.HK", "0981.HK", "1347.HK"} <= {e["ticker"] for e in data["events"]}
