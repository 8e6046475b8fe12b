"""``themelens news add`` / ``news list`` through typer's CliRunner."""

from __future__ import annotations

import functools
import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import themelens.cli.news as cli_news
from themelens.cli import app
from themelens.duckdb_file import DuckDBFile
from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.store import ArticleStore

runner = CliRunner()
REAL_EXTRACTOR = cli_news._extractor


def run(*args: str, db: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"THEMELENS_DB": str(db), "COLUMNS": "200"})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def no_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Storing is tested on its own; the extraction step has its own tests below."""
    monkeypatch.setattr(cli_news, "_extractor", lambda: None)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "alpha.txt").write_text(
        "date: 2025-09-17\nsource: Test Wire\ntitle: Alpha story\n\nA chipmaker rose 9%.\n",
        encoding="utf-8",
    )
    (d / "beta.md").write_text("# Beta story\nSeptember 18, 2025\nThe index fell 1.5%.\n")
    (d / "alpha.claims.jsonl").write_text("{}\n")
    return d


def test_add_stores_prints_and_is_idempotent(folder: Path, db_path: Path) -> None:
    code, out, err = run("news", "add", str(folder), db=db_path)
    assert code == 0, err
    assert "added: alpha · “Alpha story” · 2025-09-17 (header) · Test Wire" in out
    assert "added: beta · “Beta story” · 2025-09-18 (dateline)" in out
    assert "2 added, 0 already stored, 0 failed" in out
    code, out, err = run("news", "add", str(folder / "alpha.txt"), db=db_path)
    assert code == 0, err
    assert "already stored: alpha" in out and "0 added, 1 already stored" in out
    assert len(ArticleStore(db_path).articles()) == 2


def test_bad_inputs_one_line_each_exit_1_and_the_rest_stored(
    folder: Path, tmp_path: Path, db_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02\x03")
    code, out, err = run(
        "news", "add", str(empty), str(folder), str(binary), str(tmp_path / "nope.html"), db=db_path
    )
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines == [
        f"failed: {empty}: empty file",
        f"failed: {binary}: binary file (NUL byte at offset 0); not an article",
        f"failed: {tmp_path / 'nope.html'}: no such file or folder",
    ]
    assert "2 added, 0 already stored, 3 failed" in out
    assert {a.name for a in ArticleStore(db_path).articles()} == {"alpha", "beta"}


def test_max_mb_option(folder: Path, db_path: Path) -> None:
    code, _, err = run("news", "add", str(folder / "alpha.txt"), "--max-mb", "0.00001", db=db_path)
    assert code == 1
    assert "over the 10 bytes limit" in err
    code, _, err = run("news", "add", str(folder), "--max-mb", "0", db=db_path)
    assert code == 1 and err.strip() == "error: --max-mb 0: must be above 0"


def test_list_formats(folder: Path, db_path: Path) -> None:
    run("news", "add", str(folder), db=db_path)
    code, out, _ = run("news", "list", "--format", "json", db=db_path)
    assert code == 0
    rows = json.loads(out)
    assert [r["name"] for r in rows] == ["alpha", "beta"]
    assert rows[0] | {"id": None} == {
        "id": None,
        "name": "alpha",
        "title": "Alpha story",
        "published": "2025-09-17",
        "date_origin": "header",
        "source": "Test Wire",
        "kind": "txt",
        "claims": 0,
    }
    assert len(rows[0]["id"]) == 64
    code, out, _ = run("news", "list", "--format", "csv", db=db_path)
    assert out.splitlines()[0] == "id,name,title,published,date_origin,source,kind,claims"
    code, out, _ = run("news", "list", db=db_path)
    assert rows[0]["id"][:12] in out and rows[0]["id"] not in out and "Alpha story" in out


def test_a_broken_db_file_is_one_error_line(folder: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a database")
    code, _, err = run("news", "list", db=bad)
    assert code == 1
    (line,) = [ln for ln in err.splitlines() if ln.strip()]
    assert line.startswith("error: ") and "not a DuckDB database file" in line


# --- the extraction step ------------------------------------------------------


def fake_extract(article: Article, theme: Any) -> list[Claim]:
    if article.name == "beta":
        raise RuntimeError("extractor tripped")
    return [Claim("smic", "return_pct", 9.0, quote="rose 9%")]


def test_extraction_stores_claims_and_an_extractor_bug_fails_one_article(
    folder: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_news, "_extractor", lambda: fake_extract)
    code, out, err = run("news", "add", str(folder), db=db_path)
    assert code == 1
    assert "added: alpha · “Alpha story” · 2025-09-17 (header) · Test Wire · 1 claims" in out
    assert "added: beta" in out  # stored even though its extraction failed
    assert [ln for ln in err.splitlines() if ln.strip()] == [
        "failed: beta: claim extraction failed: RuntimeError: extractor tripped"
    ]
    store = ArticleStore(db_path)
    assert [(c.article, c.entity) for c in store.read_claims()] == [("alpha", "smic")]
    # running again replaces the claims rather than adding a second copy
    run("news", "add", str(folder / "alpha.txt"), db=db_path)
    assert len(store.read_claims()) == 1


def test_extractor_lookup_needs_an_extract_claims_function(monkeypatch: pytest.MonkeyPatch) -> None:
    without = types.ModuleType("themelens.news.extract")
    monkeypatch.setitem(sys.modules, "themelens.news.extract", without)
    assert REAL_EXTRACTOR() is None
    with_fn = types.ModuleType("themelens.news.extract")
    with_fn.extract_claims = fake_extract  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "themelens.news.extract", with_fn)
    assert REAL_EXTRACTOR() is fake_extract


# --- at scale (issue 18) ------------------------------------------------------


def _stories(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"s{i:04d}.txt").write_text(
            f"date: 2025-09-{15 + i % 5}\nsource: Wire\n\n"
            f"Baidu shares jumped {i % 40 + 1}.{i % 10}% on Wednesday (item {i}). "
            f"Alibaba fell {(i * 7) % 9 + 1}% in Hong Kong.\n",
            encoding="utf-8",
        )
    return folder


def test_news_add_opens_the_store_a_few_times_whatever_the_count_and_reuses_claims(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """200 articles open the store no more often than 20 do (a session, then the claims in
    batches); adding them again extracts nothing and opens it twice."""
    real = REAL_EXTRACTOR()
    assert real is not None
    calls: list[str] = []

    @functools.wraps(real)
    def counted(article: Article, theme: Any) -> Any:
        calls.append(article.name)
        return real(article, theme)

    monkeypatch.setattr(cli_news, "_extractor", lambda: counted)
    opened: dict[str, int] = {}
    for count in (20, 200):
        folder, db = _stories(tmp_path / f"in{count}", count), tmp_path / f"s{count}.duckdb"
        before = DuckDBFile.connections_opened()
        code, out, err = run("news", "add", str(folder), db=db)
        assert code == 0, err
        assert f"{count} added, 0 already stored, 0 failed" in out
        opened[f"first {count}"] = DuckDBFile.connections_opened() - before
        assert len(calls) == count
        calls.clear()
        before = DuckDBFile.connections_opened()
        code, out, err = run("news", "add", str(folder), db=db)
        assert code == 0, err
        assert f"0 added, {count} already stored" in out and "s0001 · " in out
        opened[f"again {count}"] = DuckDBFile.connections_opened() - before
        assert calls == []  # every claim read back, none extracted
        claims = ArticleStore(db).list_articles()["claims"]
        assert len(claims) == count and (claims >= 2).all()
    assert opened["first 200"] <= max(opened["first 20"] + 1, 4), opened  # +1: a slow batch
    assert opened["again 200"] == opened["again 20"] <= 2, opened


def test_verify_after_news_add_reads_the_claims_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``news add`` and ``verify`` share the extraction key: verify extracts nothing again."""
    from themelens.pipeline import news

    monkeypatch.setattr(cli_news, "_extractor", REAL_EXTRACTOR)
    folder, db = _stories(tmp_path / "in", 5), tmp_path / "s.duckdb"
    code, _, err = run("news", "add", str(folder), db=db)
    assert code == 0, err
    calls: list[str] = []
    real = news.extract_claims

    def counted(article: Article, theme: Any) -> Any:
        calls.append(article.name)
        return real(article, theme)

    monkeypatch.setattr(news, "extract_claims", counted)
    code, out, err = run("verify", str(folder), "--demo", "--format", "jsonl", db=db)
    assert code == 0, err
    assert calls == []
    verdicts = [x for x in out.splitlines() if x.strip()]
    assert len(verdicts) == len(ArticleStore(db).read_claims()) >= 10
