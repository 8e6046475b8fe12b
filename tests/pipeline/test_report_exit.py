"""``report`` writes what it can and exits 1 when its inputs failed: nothing passes for done;
and work already done for an unchanged article is not done again."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from themelens.cli import app
from themelens.news.article import Article


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


def test_an_unchanged_article_reuses_its_stored_claims(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second check of the same text (same code, theme and date) reads its claims back
    instead of extracting them; a changed text or date is extracted again."""
    from themelens.config import resolve_settings
    from themelens.pipeline import news
    from themelens.theme import load_theme

    calls: list[str] = []
    real = news.extract_claims

    def counted(article: Article, theme: object) -> object:
        calls.append(article.name)
        return real(article, theme)  # type: ignore[arg-type]

    monkeypatch.setattr(news, "extract_claims", counted)
    settings = resolve_settings(db=tmp_path / "s.duckdb", demo=True)
    theme = load_theme()
    story = tmp_path / "story.txt"
    story.write_text("date: 2025-09-24\n\nAlibaba shares rose 9% on Wednesday.\n", "utf-8")
    first = news.check_articles(settings, theme, [story])
    again = news.check_articles(settings, theme, [story])
    assert calls == ["story"]
    assert [c.to_dict() for c in again.claims] == [c.to_dict() for c in first.claims]
    assert [r.verdict for r in again.verify.rows] == [r.verdict for r in first.verify.rows]
    story.write_text("date: 2025-09-25\n\nAlibaba shares rose 9% on Wednesday.\n", "utf-8")
    news.check_articles(settings, theme, [story])
    assert calls == ["story", "story"]
