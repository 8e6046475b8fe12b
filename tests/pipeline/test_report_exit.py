"""``report`` writes what it can and exits 1 when its inputs failed: nothing passes for done."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from themelens.cli import app


def _report(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / "report.html"
    head = ["report", "--asof", "2025-09-26", "--db", str(tmp_path / "s.duckdb")]
    result = CliRunner().invoke(app, [*head, "--out", str(out), *args], env={"COLUMNS": "200"})
    return result.exit_code, result.stderr, out


def test_no_prices_for_any_ticker_is_a_failure(tmp_path: Path) -> None:
    empty = tmp_path / "prices"
    empty.mkdir()
    code, err, out = _report(tmp_path, "--prices-dir", str(empty))
    assert code == 1
    assert "failed: no prices for any of the theme's tickers" in err
    assert out.exists()  # the report still says what is missing


def test_an_article_that_cannot_be_read_fails_the_run_after_the_rest(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("", encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text("date: 2025-09-24\n\nAlibaba shares rose 9% on Wednesday.\n", "utf-8")
    code, err, out = _report(tmp_path, "--demo", "--articles", str(bad), "--articles", str(good))
    assert code == 1
    assert "failed:" in err and "empty.txt" in err
    assert ">good<" in out.read_text(encoding="utf-8")  # the readable article is in the report
    code, err, _ = _report(tmp_path, "--demo", "--articles", str(good))
    assert code == 0, err
