"""``themelens archive ...`` and ``themelens events universe`` through typer's CliRunner
(``--workers 0``: in this process; the cluster itself is tested in ``test_distributed``)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from scale_corpus import universe_prices
from typer.testing import CliRunner

from themelens.cli import app
from themelens.scale import write_price_dataset

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_add_extract_verify_status(tmp_path: Path, corpus: Path) -> None:
    where = ["--archive", str(tmp_path / "arch"), "--db", str(tmp_path / "db.duckdb")]
    code, out, err = invoke("archive", "add", str(corpus), *where, "--workers", "0", "--partition-size", "16")  # fmt: skip
    assert code == 1  # one input gave no article
    assert f"failed: {corpus / 'zz-empty.txt'}: empty file" in err
    assert "running on: this process" in err
    assert "archive add" in out and "40" in out

    code, out, err = invoke("archive", "extract", *where, "--workers", "0", "--format", "json")
    assert code == 0, err
    extracted = json.loads(out)
    assert extracted["shards_written"] == extracted["partitions"] > 0 and extracted["claims"] > 100

    code, out, err = invoke("archive", "verify", *where, "--workers", "0", "--demo", "--format", "json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["verdicts"] == extracted["claims"]
    assert "synthetic" in err.lower()

    code, out, err = invoke("archive", "extract", *where, "--workers", "0", "--format", "json")
    assert code == 0 and json.loads(out)["already_committed"] == extracted["partitions"]

    code, out, err = invoke("archive", "status", *where, "--format", "json")
    assert code == 0, err
    status = json.loads(out)
    assert status["totals"]["articles"] == 40
    assert status["totals"]["claims"] == status["totals"]["verdicts"] == extracted["claims"]
    assert status["to_extract"] == status["to_verify"] == 0
    assert status["read_failures"] == [f"{corpus / 'zz-empty.txt'}: empty file"]


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("tcp://127.0.0.1:9", "error: --scheduler tcp://127.0.0.1:9: no answer within 2 s"),
        ("nonsense:::", "error: --scheduler nonsense:::: not an address"),
    ],
)
def test_a_scheduler_that_does_not_answer_is_one_line(
    tmp_path: Path, address: str, message: str
) -> None:
    start = time.monotonic()
    code, out, err = invoke(
        "archive", "extract", "--archive", str(tmp_path / "a"), "--db", str(tmp_path / "db"),
        "--scheduler", address, "--connect-timeout", "2",
    )  # fmt: skip
    assert time.monotonic() - start < 15
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), err


def test_events_universe(tmp_path: Path) -> None:
    root = tmp_path / "prices"
    write_price_dataset(universe_prices(6, 400), root)
    events = tmp_path / "events.csv"
    events.write_text(
        "ticker,date,label\nU0000.HK,2020-09-01,a\nU0000.HK,2020-11-02,b\nU0003.HK,2020-10-01,c\n",
        encoding="utf-8",
    )
    chains = tmp_path / "chains.csv"
    chains.write_text("ticker,member\nU0000.HK,U0001.HK\nU0000.HK,U0002.HK\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    code, out, err = invoke(
        "events", "universe", "--prices", str(root), "--events", str(events), "--chains",
        str(chains), "--benchmark", "BENCH.HK", "--estimation", "60", "--min-estimation", "40",
        "--workers", "0", "--format", "json", "--out", str(out_dir),
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert [a["leader"] for a in data["announcements"]] == ["U0000.HK", "U0000.HK"]
    assert all(a["group_events"] == 2 for a in data["announcements"])
    assert data["failures"] == ["U0003.HK:2020-10-01: no supply chain listed for U0003.HK"]
    assert "skipped: U0003.HK:2020-10-01: no supply chain listed" in err
    assert (out_dir / "events.parquet").exists() and (out_dir / "announcements.parquet").exists()


def test_docs_name_every_scale_command() -> None:
    import typer

    doc = (Path(__file__).resolve().parents[2] / "docs" / "scale.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    archive = group.commands["archive"].commands  # type: ignore[attr-defined]
    assert set(archive) == {"add", "extract", "verify", "status"}
    for name in [*(f"archive {c}" for c in archive), "events universe"]:
        assert f"themelens {name}" in doc, f"docs/scale.md does not show `themelens {name}`"
