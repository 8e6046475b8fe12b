"""The CLI end to end through typer's CliRunner: output shapes, notes, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from themelens.analytics.rally import RALLY_COLUMNS
from themelens.cli import SOLO_COMMANDS, app

runner = CliRunner()


def run(*args: str, db: Path | None = None) -> tuple[int, str, str]:
    argv = list(args)
    env = {"THEMELENS_DB": str(db)} if db else {}
    env["COLUMNS"] = "200"
    result = runner.invoke(app, argv, env=env)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one error line, got: {stderr!r}"
    assert lines[0].startswith("error:")
    return lines[0]


def test_rally_demo_json_has_the_contract_keys_first_and_says_synthetic(tmp_path: Path) -> None:
    code, stdout, stderr = run("rally", "--demo", "--format", "json", db=tmp_path / "c.duckdb")
    assert code == 0, stderr
    rows = json.loads(stdout)
    assert len(rows) >= 10
    for row in rows:
        assert tuple(row)[: len(RALLY_COLUMNS)] == RALLY_COLUMNS
        assert row["data_note"] == "synthetic demo data"
        assert 0 <= row["drawdown_from_peak_pct"] < 100
    assert {r["entity"] for r in rows} >= {"alibaba", "baidu", "smic", "hua-hong", "naura"}


def test_rally_demo_table_carries_the_banner(tmp_path: Path) -> None:
    code, stdout, _ = run("rally", "baidu", "smic", "--demo", db=tmp_path / "c.duckdb")
    assert code == 0
    assert "synthetic demo data" in stdout
    assert "9888.HK" in stdout and "0981.HK" in stdout


def test_rally_real_baidu_on_the_day_of_the_jump(shared_prices_dir: Path) -> None:
    code, stdout, stderr = run(
        "rally",
        "9888.HK",
        "--asof",
        "2025-09-17",
        "--prices-dir",
        str(shared_prices_dir),
        "--benchmark",
        "^IXIC",
        "--format",
        "json",
    )
    assert code == 0, stderr
    (row,) = json.loads(stdout)
    assert row["ticker"] == "9888.HK"
    assert row["asof"] == "2025-09-17"
    assert row["close"] == pytest.approx(131.0, abs=1e-6)
    assert row["return_1d_pct"] == pytest.approx(15.7, abs=0.1)
    assert "data_note" not in row


def test_rally_entity_name_and_weekend_asof_resolve_with_a_note(shared_prices_dir: Path) -> None:
    code, stdout, stderr = run(
        "rally",
        "Baidu",
        "--asof",
        "2025-09-20",
        "--prices-dir",
        str(shared_prices_dir),
        "--format",
        "csv",
    )
    assert code == 0, stderr
    header, line = stdout.strip().splitlines()[:2]
    assert header.split(",")[: len(RALLY_COLUMNS)] == list(RALLY_COLUMNS)
    assert line.startswith("9888.HK,2025-09-19,")
    assert "2025-09-20 is not an XHKG session" in stderr
    # the default benchmark (HSTECH.HK) is not in the shared files: a warning, not a failure
    assert "HSTECH.HK" in stderr


def test_unknown_name_lists_close_matches(tmp_path: Path) -> None:
    code, _, stderr = run("rally", "alibabba", "--demo", db=tmp_path / "c.duckdb")
    assert code == 1
    line = one_error_line(stderr)
    assert "alibabba" in line and "alibaba" in line.split("close matches:")[1]


def test_unknown_ticker_in_a_batch_fails_the_command_but_prints_the_rest(
    shared_prices_dir: Path,
) -> None:
    code, stdout, stderr = run(
        "rally", "9888.HK", "ZZZZ.HK", "--prices-dir", str(shared_prices_dir), "--format", "json"
    )
    assert code == 1
    assert [r["ticker"] for r in json.loads(stdout)] == ["9888.HK"]
    assert "ZZZZ.HK" in stderr


def test_asof_before_the_data_is_one_line(shared_prices_dir: Path) -> None:
    code, _, stderr = run(
        "rally", "9888.HK", "--asof", "2010-01-04", "--prices-dir", str(shared_prices_dir)
    )
    assert code == 1
    assert "9888.HK" in one_error_line(stderr)


def test_missing_prices_folder_is_one_line(tmp_path: Path) -> None:
    code, _, stderr = run("rally", "9888.HK", "--prices-dir", str(tmp_path / "nope"))
    assert code == 1
    assert "nope" in one_error_line(stderr)


def test_malformed_csv_names_file_and_row(tmp_path: Path) -> None:
    (tmp_path / "BAD.csv").write_text(
        "date,open,high,low,close,volume\n2025-01-02,1,1,1,1,10\n2025-01-03,1,1,1,oops,10\n"
    )
    code, _, stderr = run("rally", "BAD", "--prices-dir", str(tmp_path))
    assert code == 1
    line = one_error_line(stderr)
    assert "BAD.csv" in line and "row 3" in line


def test_bad_date_flag_is_one_line(tmp_path: Path) -> None:
    code, _, stderr = run(
        "rally", "baidu", "--demo", "--asof", "2025-13-01", db=tmp_path / "c.duckdb"
    )
    assert code == 1
    assert "--asof" in one_error_line(stderr)


def test_bad_theme_file_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\ntitle: x\ndescription: x\ndefault_benchmark: b\nentities:\n  - slug: b\n    nme: B\n"
    )
    code, _, stderr = run("rally", "--demo", "--theme", str(bad), db=tmp_path / "c.duckdb")
    assert code == 1
    line = one_error_line(stderr)
    assert "bad.yaml" in line and "entities.0" in line


def test_prices_fetch_is_incremental_and_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    code, stdout, stderr = run(
        "prices", "fetch", "baidu", "alibaba", "--demo", "--start", "2025-01-01", db=db
    )
    assert code == 0, stderr
    assert "synthetic demo data" in stdout
    first = stdout
    code, stdout, _ = run(
        "prices", "fetch", "baidu", "alibaba", "--demo", "--start", "2025-01-01", db=db
    )
    assert code == 0
    assert " 0 rows added" in stdout and " 0 rows added" not in first
    code, stdout, _ = run("prices", "cached", "--format", "json", db=db)
    cached = {r["ticker"]: r for r in json.loads(stdout)}
    assert set(cached) == {"9888.HK", "9988.HK"}
    assert all(r["provider"] == "demo" for r in cached.values())


def test_theme_show_lists_primary_listings() -> None:
    code, stdout, _ = run("theme", "show", "--format", "json")
    assert code == 0
    rows = {r["slug"]: r for r in json.loads(stdout)}
    assert rows["smic"]["primary"] == "0981.HK"
    assert rows["naura"]["primary"] == "002371.SZ"
    assert rows["naura"]["providers"] == "akshare → yahoo"
    assert rows["hstech"]["providers"] == "akshare → yahoo"
    assert rows["baidu"]["providers"] == "yahoo"


def test_error_text_is_printed_literally_not_as_markup(tmp_path: Path) -> None:
    code, _, stderr = run("rally", "[bold]nope", "--demo", db=tmp_path / "c.duckdb")
    assert code == 1
    assert "[bold]nope" in one_error_line(stderr)


def test_help_imports_no_data_library() -> None:
    """``themelens --help`` only draws the commands: the libraries they compute with are
    imported when a command runs (issue 18: --help under half a second)."""
    import subprocess
    import sys

    heavy = ("pandas", "numpy", "duckdb", "plotly", "scipy", "trafilatura", "dask", "pyarrow",
             "pydantic", "themelens.theme", "themelens.news.extract")  # fmt: skip
    code = (
        "import sys, themelens.cli\nthemelens.cli.load_app()\n"  # every command registered
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_names_written_out_for_help_match_their_registries() -> None:
    """``--help`` lists extractors and roles from literals (importing the registries would
    import the extractors and the theme model); they must stay what the registries hold."""
    from themelens.cli.basket import _ROLES
    from themelens.cli.claims import EXTRACTOR_NAMES
    from themelens.news.extract import EXTRACTORS
    from themelens.theme import MEMBER_ROLES

    assert tuple(EXTRACTORS) == EXTRACTOR_NAMES
    assert (*MEMBER_ROLES, "other") == _ROLES


@pytest.mark.parametrize("command", sorted(SOLO_COMMANDS))
def test_a_solo_command_runs_without_the_other_commands(command: str) -> None:
    """``python -m themelens rally`` imports only ``cli/rally.py`` (not the news extractors
    the other commands pull in), and its --help is what the whole app prints for it."""
    import subprocess
    import sys

    def run(code: str) -> str:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    solo = run(
        "import sys\nfrom themelens.cli import main\n"
        f"try:\n    main([{command!r}, '--help'])\nexcept SystemExit:\n    pass\n"
        "print('IMPORTED:', ','.join(m for m in sys.modules if m.startswith('themelens.cli.')))"
    )
    whole = run(
        "from themelens.cli import app\n"
        f"try:\n    app([{command!r}, '--help'])\nexcept SystemExit:\n    pass\n"
    )
    help_text, imported = solo.split("IMPORTED:")
    assert help_text == whole
    assert {m.rsplit(".", 1)[1] for m in imported.strip().split(",")} == {
        "_app", "_common", "_output", "_source", SOLO_COMMANDS[command]
    }  # fmt: skip
