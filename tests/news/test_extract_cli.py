"""``themelens claims extract`` end to end, with bad inputs beside good ones."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from themelens.cli import app

runner = CliRunner()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_jsonl_lines_carry_the_article_stem(tmp_path: Path) -> None:
    good = write(tmp_path, "note1.txt", b"date: 2025-09-17\n\nBaidu jumped 16% on Wednesday.\n")
    result = runner.invoke(app, ["claims", "extract", str(good)])
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.strip().splitlines()
    claim = json.loads(line)
    assert claim["article"] == "note1"
    assert (claim["entity"], claim["metric"], claim["value"], claim["date"]) == (
        "baidu", "return_pct", 16.0, "2025-09-17",
    )  # fmt: skip
    assert list(claim)[:8] == [
        "entity",
        "metric",
        "value",
        "currency",
        "window",
        "date",
        "qualifier",
        "quote",
    ]


def test_bad_inputs_get_one_line_each_and_exit_1(tmp_path: Path) -> None:
    good = write(tmp_path, "good.txt", b"Tencent fell 3% on Monday.\n")
    empty = write(tmp_path, "empty.txt", b"")
    binary = write(tmp_path, "bin.txt", b"\x00\x01\x02\x03")
    bad_utf8 = write(tmp_path, "bad.txt", b"Alibaba rose 5% \xc3\x28 today\n")
    missing = tmp_path / "missing.txt"
    args = ["claims", "extract", str(good), str(empty), str(binary), str(bad_utf8), str(missing)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert json.loads(result.stdout.strip())["entity"] == "tencent"
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 4
    assert all(line.startswith("error: ") for line in errors)
    for path in (empty, binary, bad_utf8, missing):
        assert sum(str(path) in line for line in errors) == 1


def test_table_format(tmp_path: Path) -> None:
    good = write(tmp_path, "t.txt", b"SMIC rose nearly 8% on Monday.\n")
    result = runner.invoke(
        app, ["claims", "extract", str(good), "--format", "table"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "smic" in result.stdout and "return_pct" in result.stdout and "nearly" in result.stdout


def test_unknown_extractor_is_one_error_line(tmp_path: Path) -> None:
    good = write(tmp_path, "t.txt", b"SMIC rose 8%.\n")
    result = runner.invoke(app, ["claims", "extract", str(good), "--extractor", "magic"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: --extractor magic: unknown extractor")


def test_explain_prints_the_words_that_decided_each_field(tmp_path: Path) -> None:
    text = (
        b"date: 2025-09-24\nAlibaba and Tencent rose 1.5% and 2% on Tuesday. "
        b"The index hit its highest since November 2021.\n"
    )
    f = write(tmp_path, "e.txt", text)
    result = runner.invoke(app, ["claims", "extract", str(f), "--explain"])
    assert result.exit_code == 0, result.output
    blocks = result.output.strip().split("\ne: ")
    assert len(blocks) == 3
    first = blocks[0]
    assert first.startswith("e: alibaba return_pct 1.5")
    assert "metric: cue 'rose'" in first
    assert "entity: named set 'Alibaba and Tencent', alibaba's share of it" in first
    assert "date:   2025-09-23: 'on Tuesday'" in first
    assert "metric: phrase" in blocks[2] and "pronoun" in blocks[2]
