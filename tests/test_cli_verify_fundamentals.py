"""``themelens verify`` on results-season claims: growth against replayed statements, and a
source that is not configured leaving them unverifiable with the reason.

The Yahoo recordings under tests/recordings/fundamentals are synthetic (invented
figures in yfinance's shapes): Tencent's 2025Q2 revenue 184.5bn against 161.1bn a year
earlier (+14.5%), net income 55.6bn against 47.6bn (+16.8%).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from themelens.cli import app
from themelens.news.store import ArticleStore

RECORDINGS = Path(__file__).parent / "recordings" / "fundamentals"
ARTICLE = """date: 2025-08-14

Tencent said revenue grew 15% year on year in the second quarter. Net profit jumped 30% in the same quarter.
"""


def _run(tmp_path: Path, *extra: str) -> tuple[int, list[dict[str, object]], str]:
    article = tmp_path / "tencent-results.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["verify", str(article), "--format", "jsonl", "--db", str(tmp_path / "s.duckdb"), *extra],
        env={"COLUMNS": "200"},
    )
    rows = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    return result.exit_code, rows, result.stderr


def test_growth_claims_are_checked_against_the_income_statement(tmp_path: Path) -> None:
    code, rows, err = _run(tmp_path, "--provider", "yahoo", "--replay", str(RECORDINGS))
    assert code == 0, err
    by_metric = {r["metric"]: r for r in rows}
    revenue = by_metric["revenue_growth_pct"]
    assert revenue["verdict"] == "supported" and revenue["ticker"] == "0700.HK"
    assert revenue["computed"] == 14.5251
    assert "revenue 2025Q2 CNY 184.5bn vs 2024Q2 CNY 161.1bn" in str(revenue["reason"])
    profit = by_metric["net_income_growth_pct"]
    assert profit["verdict"] == "contradicted" and profit["computed"] == 16.8067
    # the verdicts are stored beside the claims
    stored = [v for _, v in ArticleStore(tmp_path / "s.duckdb").read_verified()]
    assert sorted(v.verdict for v in stored if v is not None) == ["contradicted", "supported"]


def test_without_a_statements_source_they_stay_unverifiable(
    tmp_path: Path, shared_prices_dir: Path
) -> None:
    code, rows, err = _run(tmp_path, "--prices-dir", str(shared_prices_dir))
    assert code == 0, err
    assert rows and all(r["verdict"] == "unverifiable" for r in rows)
    assert all("no fundamentals source" in str(r["reason"]) for r in rows)
