"""Issue 16, item 7: small input-surface defects, each pinned by the input that showed it.

A theme nested a thousand deep, escape sequences in an article's title, an
unreadable sub-folder of articles and HTML nested past libxml2's depth limit.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from rich.table import Table
from typer.testing import CliRunner

import themelens.cli.news as cli_news
from themelens.cli import app
from themelens.cli._common import terminal_text
from themelens.cli._output import Output, emit
from themelens.errors import ThemeError, ThemelensError
from themelens.news.ingest import FetchedPage, ingest
from themelens.news.ingest._html import fragment_to_text, read_html
from themelens.news.ingest._readers import read_bytes, read_page
from themelens.theme import load_theme

runner = CliRunner()
NOW = datetime(2025, 10, 1, 12, 0)
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
BODY = "Tencent shares rose 5% on Monday after the results beat forecasts. " * 3


def run(*args: str, db: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"THEMELENS_DB": str(db), "COLUMNS": "200"})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def no_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_news, "_extractor", lambda: None)


# --- 1. a theme nested a thousand deep ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "name: " + "[" * 1000 + "]" * 1000 + "\n",
        "name:\n" + "".join("  " * i + "-\n" for i in range(1, 1000)),
        "".join("  " * i + f"k{i}:\n" for i in range(1000)),
        "? " + "[" * 1000 + "]" * 1000 + "\n: x\n",
    ],
    ids=["flow", "block-list", "block-map", "key"],
)
def test_a_theme_nested_1000_deep_is_one_line_naming_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ThemeError) as info:
        load_theme(path)
    message = str(info.value)
    assert message.startswith(f"{path}: invalid YAML at line ")
    assert message.endswith("nested deeper than 64 levels") and "\n" not in message


def test_a_theme_nested_64_deep_still_reaches_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("name: " + "[" * 60 + "]" * 60 + "\n", encoding="utf-8")
    with pytest.raises(ThemeError, match=r"name: Input should be a valid string"):
        load_theme(path)


def test_a_list_as_a_mapping_key_is_a_yaml_error_not_a_type_error(tmp_path: Path) -> None:
    path = tmp_path / "key.yaml"
    path.write_text("? [a]\n: b\n", encoding="utf-8")
    with pytest.raises(ThemeError, match=r"key\.yaml: invalid YAML at line 1.*unhashable key"):
        load_theme(path)


# --- 2. terminal escape sequences in article text -----------------------------

EVIL_TITLE = "\x1b[2J\x1b]0;pwned\x07Evil \x9b31mtitle\x1b[0m [bold]x[/bold]\r"
EVIL_SOURCE = "Wire\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\\x08\x7f"


@pytest.fixture()
def evil_article(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "evil.txt"
    path.parent.mkdir()
    text = f"title: {EVIL_TITLE}\nsource: {EVIL_SOURCE}\n\nA chipmaker rose 9% on Monday.\n"
    path.write_text(text, encoding="utf-8")
    return path


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _no_controls(text: str) -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in text if _CONTROL.match(c)})
    assert not bad, f"control characters reached the terminal: {bad}"


def test_terminal_text_strips_escape_sequences_and_controls() -> None:
    assert terminal_text(EVIL_TITLE) == "Evil title [bold]x[/bold]"
    assert terminal_text(EVIL_SOURCE) == "Wirelink"
    assert (
        terminal_text("tab\tand\nnewline stay; ünïcode too")
        == "tab\tand\nnewline stay; ünïcode too"
    )
    assert terminal_text("lone\x1b\nand\x9b\nand\x00.") == "lone\nand\nand."
    assert terminal_text("\x1b a marks the next byte") == " marks the next byte"  # as a terminal


def test_news_list_and_add_print_no_escape_sequences(evil_article: Path, db_path: Path) -> None:
    code, out, err = run("news", "add", str(evil_article.parent), db=db_path)
    assert code == 0, err
    _no_controls(out + err)
    assert "Evil title [bold]x[/bold]" in out  # markup in user text is shown, not applied
    code, out, err = run("news", "list", db=db_path)
    assert code == 0, err
    _no_controls(out + err)
    assert "[bold]x[/bold]" in out and "Wirelink" in out


def test_news_list_json_and_csv_keep_the_original_text(evil_article: Path, db_path: Path) -> None:
    run("news", "add", str(evil_article), db=db_path)
    code, out, _ = run("news", "list", "--format", "json", db=db_path)
    assert code == 0
    (row,) = json.loads(out)
    assert row["title"].startswith("\x1b[2J\x1b]0;pwned\x07Evil \x9b31mtitle")
    assert "\x1b" in row["title"] and "\x9b" in row["title"] and "\x1b" in row["source"]
    assert "\x1b" not in out and "\x9b" not in out  # JSON escapes them itself
    code, out, _ = run("news", "list", "--format", "csv", db=db_path)
    assert code == 0 and "\x1b[2J" in out


def test_any_table_a_command_prints_loses_its_control_characters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Summaries are drawn outside ``_output`` (a claims table quoting an article): ``emit``
    strips what they let through, without moving a column."""
    table = Table("quote", "n")
    table.add_row("rose\x1b[2J 9%\x9b", "1")
    emit(Output(tables=(table,)), "table")
    out = capsys.readouterr().out
    _no_controls(out)
    assert "rose[2J 9%" in out


def test_json_output_writes_c1_controls_as_escapes(capsys: pytest.CaptureFixture[str]) -> None:
    emit(Output(data=[{"title": "a\x9b31mb\x1b"}]), "json")
    out = capsys.readouterr().out
    _no_controls(out.replace("\n", ""))
    assert json.loads(out) == [{"title": "a\x9b31mb\x1b"}]


# --- 3. an unreadable sub-folder of articles -----------------------------------


@pytest.fixture()
def locked_folder(tmp_path: Path) -> Iterator[Path]:
    top = tmp_path / "articles"
    (top / "locked").mkdir(parents=True)
    (top / "a.txt").write_text("Chipmakers rallied in Hong Kong on Wednesday.\n")
    (top / "locked" / "b.txt").write_text("The index fell 1.5% on Thursday.\n")
    (top / "z").mkdir()
    (top / "z" / "c.txt").write_text("A foundry rose 9% on Friday.\n")
    (top / "locked").chmod(0)
    try:
        yield top
    finally:
        (top / "locked").chmod(0o755)


@pytest.mark.skipif(IS_ROOT, reason="root reads a chmod-000 folder anyway; see the os.scandir test")
def test_an_unreadable_sub_folder_is_a_failure_and_the_rest_is_read(locked_folder: Path) -> None:
    result = ingest([locked_folder])
    assert [f.name for f in result.articles] == ["a", "c"]
    assert [str(f) for f in result.failures] == [f"{locked_folder / 'locked'}: permission denied"]


@pytest.mark.skipif(IS_ROOT, reason="root reads a chmod-000 folder anyway; see the os.scandir test")
def test_news_add_reports_the_unreadable_folder_and_exits_1(
    locked_folder: Path, db_path: Path
) -> None:
    code, out, err = run("news", "add", str(locked_folder), db=db_path)
    assert code == 1
    assert [ln for ln in err.splitlines() if ln.strip()] == [
        f"failed: {locked_folder / 'locked'}: permission denied"
    ]
    assert "2 added, 0 already stored, 1 failed" in out


def test_a_folder_that_cannot_be_listed_is_a_failure_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same path as the chmod test, made to fail the way it does for a normal user."""
    top = tmp_path / "articles"
    (top / "locked").mkdir(parents=True)
    (top / "a.txt").write_text("Chipmakers rallied in Hong Kong on Wednesday.\n")
    (top / "locked" / "b.txt").write_text("The index fell 1.5% on Thursday.\n")
    real = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = ingest([top])
    assert [a.name for a in result.articles] == ["a"]
    assert [str(f) for f in result.failures] == [f"{top / 'locked'}: permission denied"]
    (only,) = ingest([top / "locked"]).failures
    assert str(only) == f"{top / 'locked'}: permission denied"


# --- 4. HTML nested past libxml2's 256 levels ----------------------------------


def _nested(depth: int, tag: str = "div", after: str = "") -> str:
    return (
        "<html><head><title>Deep page</title></head><body>"
        + f"<{tag}>" * depth
        + f"<p>{BODY}</p>"
        + f"</{tag}>" * depth
        + after
        + "</body></html>"
    )


@pytest.mark.parametrize("depth", [300, 1000, 20_000])
@pytest.mark.parametrize("tag", ["div", "span", "font"])
def test_text_nested_at_any_depth_is_kept(depth: int, tag: str) -> None:
    parts = read_html(_nested(depth, tag))
    assert "Tencent shares rose 5% on Monday" in parts.text
    assert parts.title == "Deep page"
    assert "Tencent shares rose 5% on Monday" in fragment_to_text(_nested(depth, tag))


def test_text_after_a_deep_block_is_kept_and_scripts_stay_out() -> None:
    deep_script = (
        "<div>" * 400 + "<script>var stolen = 1;</script><style>p{}</style>" + "</div>" * 400
    )
    html = _nested(400, after=deep_script + "<p>Later the Hang Seng index closed 2% higher.</p>")
    for text in (read_html(html).text, fragment_to_text(html)):
        assert "Tencent shares rose 5%" in text and "Hang Seng index closed 2% higher" in text
        assert "stolen" not in text and "p{}" not in text


def test_unclosed_and_misnested_tags_past_the_limit_keep_their_text() -> None:
    # libxml2 will not let </span> close a <div>, so a depth count by tag names alone is wrong
    misnested = "<span><div>x</span>" * 600
    html = f"<html><body>{misnested}<p>{BODY}</p></body></html>"
    assert "Tencent shares rose 5%" in read_html(html).text
    unclosed = "<html><body>" + "<font>" * 3000 + f"<p>{BODY}</p></body></html>"
    assert "Tencent shares rose 5%" in read_html(unclosed).text


def test_deep_html_is_read_in_linear_time() -> None:
    def seconds(depth: int) -> float:
        html = _nested(depth)
        start = time.perf_counter()
        fragment_to_text(html)
        return time.perf_counter() - start

    small, large = seconds(20_000), seconds(160_000)
    assert large < 8 * small * 3 + 0.5, (small, large)  # 8x the input, well under 64x the time


def test_an_html_article_nested_deep_is_ingested(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text(_nested(2000), encoding="utf-8")
    result = ingest([path])
    assert not result.failures
    (article,) = result.articles
    assert "Tencent shares rose 5%" in article.text


# --- found by the fuzz pass -----------------------------------------------------------


def test_a_feed_item_with_an_empty_pub_date_is_read_without_a_warning() -> None:
    """feedparser's ``get("updated_parsed")`` warns (an error under pytest) when only an
    empty ``published`` is there; the reader must not ask it that way."""
    feed = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>S</title><item><title>T"
        b"</title><description>Tencent rose 5%.</description><pubDate></pubDate></item>"
        b"</channel></rss>"
    )
    found = read_bytes(feed, reader="feed", name="f", source="f", origin="f", fetched_at=NOW)
    (article,) = found.articles
    assert article.text == "Tencent rose 5%." and article.published is None


def test_a_control_character_beside_a_comment_keeps_the_page_text() -> None:
    """lxml refused to write back a text node holding ``\\x1f`` once the cleaner dropped a
    comment beside it, and the whole page read as "only markup"."""
    html = "<div>Tencent rose 5%.</div>b\x1f<!-- c -->tail<p>The index fell 1%.</p>"
    text = fragment_to_text(html)
    assert text.startswith("Tencent rose 5%.\nb tail") and text.endswith("The index fell 1%.")


def test_an_html_element_nested_in_svg_is_no_crash() -> None:
    """htmldate drops an ``<html>`` found in ``<svg>`` (the root, once parsed), and lxml
    asserts that what it drops has a parent."""
    assert read_html("<svg><g><html>").text == ""


@pytest.mark.parametrize(
    ("body", "reader"),
    [
        (b"<!--a-->" * 40 + b"x", "page"),
        (b"<title>" * 30_000, "html"),
        (b"# " + b"**a " * 20_000, "md"),
        (b"[" * 30_000 + b"\nbody", "md"),
    ],
    ids=["comments", "titles", "bold", "brackets"],
)
def test_pathological_pages_are_read_in_linear_time(body: bytes, reader: str) -> None:
    """Regular expressions that backtracked: a page of 40 comments took minutes to be told
    from HTML, and unclosed titles, bold markers or brackets cost a scan to the end each."""
    start = time.perf_counter()
    with contextlib.suppress(ThemelensError):
        if reader == "page":
            page = FetchedPage("https://example.invalid/a", body)
            read_page(page, source="p", max_bytes=10_000_000, fetched_at=NOW)
        else:
            read_bytes(body, reader=reader, name="p", source="p", origin="p", fetched_at=NOW)
    assert time.perf_counter() - start < 5


def test_error_and_note_lines_strip_escape_sequences(capsys: pytest.CaptureFixture[str]) -> None:
    """`say` and the one-line error name user text (a path, a title): no escape reaches the
    terminal through them either."""
    import typer

    from themelens.cli._common import boundary, say
    from themelens.errors import InputError

    say("failed", ["\x1b[2Jstory\x07.txt: empty"])
    with pytest.raises(typer.Exit), boundary():
        raise InputError("\x1b]0;pwned\x07bad.txt: not UTF-8")
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "story.txt: empty" in err and "bad.txt: not UTF-8" in err
