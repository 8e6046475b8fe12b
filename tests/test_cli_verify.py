"""``themelens verify`` end to end on articles we write, against the real prices."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from themelens.cli import app
from themelens.news.store import ArticleStore

ARTICLE = """date: 2025-09-17
source: test desk

Baidu shares jumped 16% on Wednesday in Hong Kong. Meanwhile Baidu's profit outlook improved.
"""


def test_verify_jsonl_gives_verdicts_and_stores_them(
    tmp_path: Path, shared_prices_dir: Path
) -> None:
    article = tmp_path / "baidu-day.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(
        app,
        [
            "verify",
            str(article),
            "--prices-dir",
            str(shared_prices_dir),
            "--format",
            "jsonl",
            "--db",
            str(db),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.strip()]
    baidu = [x for x in lines if x["entity"] == "baidu" and x["metric"] == "return_pct"]
    assert len(baidu) == 1
    row = baidu[0]
    assert (row["ticker"], row["asof"], row["verdict"]) == ("9888.HK", "2025-09-17", "supported")
    assert abs(row["computed"] - 15.72) < 0.01
    assert row["article"] == "baidu-day"
    stored = ArticleStore(db).read_verified()
    assert [
        (c.entity, v.verdict if v else None) for c, v in stored if c.metric == "return_pct"
    ] == [("baidu", "supported")]


def test_verify_goes_on_past_a_bad_input(tmp_path: Path, shared_prices_dir: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "verify",
            str(empty),
            str(good),
            "--prices-dir",
            str(shared_prices_dir),
            "--format",
            "jsonl",
            "--db",
            str(tmp_path / "s.duckdb"),
        ],
    )
    assert result.exit_code == 1
    assert "empty.txt" in result.stderr and "Traceback" not in result.stderr
    assert any(
        json.loads(x)["verdict"] == "supported" for x in result.stdout.splitlines() if x.strip()
    )


OTHER = """date: 2025-09-24
source: other desk

Alibaba shares rose 9% on Wednesday in Hong Kong.
"""


def test_two_articles_with_one_name_each_keep_their_verdicts(
    tmp_path: Path, shared_prices_dir: Path
) -> None:
    """Verdicts and dates are keyed on the article's id: two files called story.txt
    in two folders each get their own verdicts, dated by their own date line."""
    for folder, text in (("a", ARTICLE), ("b", OTHER)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "story.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "s.duckdb"
    args = ["verify", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "jsonl"]
    args += ["--prices-dir", str(shared_prices_dir), "--db", str(db)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.strip()]
    moves = {(x["entity"], x["asof"], x["verdict"]) for x in lines if x["metric"] == "return_pct"}
    assert moves == {("baidu", "2025-09-17", "supported"), ("alibaba", "2025-09-24", "supported")}
    assert len({x["article_id"] for x in lines}) == 2
    stored = ArticleStore(db).read_verified()
    returns = [(c.entity, v) for c, v in stored if c.metric == "return_pct"]
    assert len(returns) == 2
    assert all(v is not None and v.verdict == "supported" for _, v in returns)


def test_a_second_verify_reuses_claims_and_verdicts_until_the_evidence_changes(
    tmp_path: Path, shared_prices_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unchanged articles on unchanged evidence: the stored claims and verdicts come back as
    they were (nothing extracted or verified). New tolerances or a changed price re-verify."""
    from themelens.pipeline import news

    extracted: list[str] = []
    checked: list[int] = []
    real_extract, real_verify = news.extract_claims, news.verify_claims

    def extract(article: Any, theme: Any) -> Any:
        extracted.append(article.name)
        return real_extract(article, theme)

    def verify(claims: Any, **kw: Any) -> Any:
        checked.append(len(claims))
        return real_verify(claims, **kw)

    monkeypatch.setattr(news, "extract_claims", extract)
    monkeypatch.setattr(news, "verify_claims", verify)
    prices = tmp_path / "prices"
    prices.mkdir()
    shutil.copy(shared_prices_dir / "9888.HK.csv", prices)  # Baidu in Hong Kong
    (tmp_path / "in").mkdir()
    for name, text in (("baidu-day", ARTICLE), ("other", OTHER)):
        (tmp_path / "in" / f"{name}.txt").write_text(text, encoding="utf-8")

    def verify_lines(*extra: str) -> list[dict[str, Any]]:
        args = ["verify", str(tmp_path / "in"), "--prices-dir", str(prices), "--format", "jsonl"]
        result = CliRunner().invoke(app, [*args, "--db", str(tmp_path / "s.duckdb"), *extra])
        assert result.exit_code == 0, result.stderr
        return [json.loads(x) for x in result.stdout.splitlines() if x.strip()]

    first = verify_lines()
    claims = len(first)
    assert sorted(extracted) == ["baidu-day", "other"] and checked == [claims]
    baidu = next(x for x in first if x["entity"] == "baidu" and x["metric"] == "return_pct")
    assert baidu["verdict"] == "supported" and baidu["session_close_pct"] is not None

    extracted.clear(), checked.clear()
    assert verify_lines() == first  # every field as it was, down to the session's figures
    assert extracted == [] and checked == [0]

    assert verify_lines("--return-pp", "0.6") == first  # other tolerances: verified again
    assert extracted == [] and checked == [0, claims]

    bars = (prices / "9888.HK.csv").read_text().splitlines()
    day = next(i for i, line in enumerate(bars) if line.startswith("2025-09-17"))
    cells = bars[day].split(",")
    cells[4] = str(float(cells[4]) * 1.1)  # that session closed 10 % higher
    bars[day] = ",".join(cells)
    (prices / "9888.HK.csv").write_text("\n".join(bars) + "\n")
    changed = verify_lines("--return-pp", "0.6")
    assert checked == [0, claims, claims]
    moved = next(x for x in changed if x["entity"] == "baidu" and x["metric"] == "return_pct")
    assert moved["computed"] > baidu["computed"] + 5 and moved["verdict"] != baidu["verdict"]
