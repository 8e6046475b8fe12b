"""Ingest: every input kind on files written here, and every bad input as one clear failure."""

from __future__ import annotations

import http.server
import socket
import threading
import time
import urllib.error
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from themelens.errors import ArticleError
from themelens.news.article import content_hash
from themelens.news.ingest import FetchedPage, IngestResult, UrllibFetcher, ingest
from themelens.news.ingest._dates import find_dateline

DEV = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "dev"
NOW = datetime(2025, 10, 1, 12, 0)

BODY = (
    "Chipmakers rallied in Hong Kong on Wednesday.\n\n"
    "Shares of a large foundry rose 9% while the benchmark gained 2.5%.\n"
)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def run(*inputs: str | Path, **kw: object) -> IngestResult:
    return ingest(list(inputs), now=NOW, **kw)  # type: ignore[arg-type]


def reasons(result: IngestResult) -> dict[str, str]:
    return {f.item: f.reason for f in result.failures}


# --- plain text ---------------------------------------------------------------


def test_txt_header_lines_become_metadata_and_leave_the_text(tmp_path: Path) -> None:
    f = write(
        tmp_path / "foundry-day.txt",
        f"date: 2025-09-17\nsource: The Test Wire\ntitle: Foundries lead\n\n{BODY}",
    )
    (a,) = run(f).articles
    assert a.name == "foundry-day"
    assert a.published == date(2025, 9, 17) and a.date_origin == "header"
    assert a.source == "The Test Wire" and a.title == "Foundries lead"
    assert a.text.startswith("Chipmakers rallied") and "date:" not in a.text
    assert a.kind == "txt" and a.origin == str(f.resolve()) and a.fetched_at == NOW


def test_header_date_wins_over_the_dateline(tmp_path: Path) -> None:
    f = write(tmp_path / "a.txt", f"date: 2025-09-20\nSeptember 18, 2025\n{BODY}")
    (a,) = run(f).articles
    assert (a.published, a.date_origin) == (date(2025, 9, 20), "header")
    assert a.text.startswith("September 18, 2025")


@pytest.mark.parametrize(
    ("first_line", "expected", "agency"),
    [
        ("September 18, 2025", date(2025, 9, 18), None),
        ("Posted on Sep 17, 2025 10:30 AM ET", date(2025, 9, 17), None),
        ("Wednesday, 17 September 2025", date(2025, 9, 17), None),
        ("HONG KONG, Sept. 18 (Reuters) - Chip stocks rose.", date(2025, 9, 18), "Reuters"),
        # no year: the one that puts the date on or before the fetch day (2025-10-01)
        ("BEIJING, Dec 30 (Xinhua) -- Markets were calm.", date(2024, 12, 30), "Xinhua"),
    ],
)
def test_dateline_at_the_top_dates_the_article(
    tmp_path: Path, first_line: str, expected: date, agency: str | None
) -> None:
    (a,) = run(write(tmp_path / "d.txt", f"{first_line}\n{BODY}")).articles
    assert (a.published, a.date_origin) == (expected, "dateline")
    assert a.source == agency


def test_a_date_in_the_body_is_not_a_dateline(tmp_path: Path) -> None:
    text = "Bond sales picked up.\nA spree in September 2025 raised money.\n" + BODY
    (a,) = run(write(tmp_path / "b.txt", text)).articles
    assert a.published is None and a.date_origin is None
    assert find_dateline("May 5 people attended the meeting.", reference=NOW.date()) is None


def test_a_date_line_that_does_not_parse_stays_text_and_costs_nothing(tmp_path: Path) -> None:
    f = write(tmp_path / "bad-date.txt", f"date: next tuesday\n{BODY}")
    result = run(f)
    assert not result.failures
    (a,) = result.articles
    assert a.published is None
    assert a.text.startswith("date: next tuesday\n")


@pytest.mark.parametrize(
    "line",
    [
        "Published: 10:03, September 17, 2025 | Updated: 18:03, September 17, 2025",
        "published: Sep 17, 2025 4:12 pm HKT",
        "Published: Wednesday, September 17, 2025",
        "Published: 2025/09/17 10:03",
    ],
)
def test_site_published_lines_after_the_date_header_keep_the_article(
    tmp_path: Path, line: str
) -> None:
    f = write(tmp_path / "p.txt", f"date: 2025-09-18\n{line}\n{BODY}")
    (a,) = run(f).articles
    assert a.published == date(2025, 9, 18)  # the first line's date wins
    assert a.text == BODY.strip("\n")


@pytest.mark.parametrize(
    "line",
    [
        "Published: 10:03, September 17, 2025 | Updated: 18:03, September 17, 2025",
        "Updated Sep 17, 2025 4:12 pm HKT",
        "17 Sept 2025",
    ],
)
def test_a_site_published_line_alone_dates_the_article(tmp_path: Path, line: str) -> None:
    (a,) = run(write(tmp_path / "p.txt", f"{line}\n{BODY}")).articles
    assert a.published == date(2025, 9, 17)


def test_header_only_file_has_no_article_text(tmp_path: Path) -> None:
    f = write(tmp_path / "h.txt", "date: 2025-09-17\nsource: Wire\n\n")
    assert reasons(run(f)) == {str(f): "no article text after the header lines"}


def test_crlf_is_normalised_and_utf8_bom_and_utf16_are_read(tmp_path: Path) -> None:
    crlf = write(tmp_path / "crlf.txt", b"date: 2025-09-01\r\nOne line.\r\nTwo lines here.\r\n")
    bom = write(tmp_path / "bom.txt", "\ufeffdate: 2025-09-02\nText with a BOM.".encode())
    utf16 = write(tmp_path / "u16.txt", "date: 2025-09-03\nText in UTF-16 — 9%.".encode("utf-16"))
    result = run(crlf, bom, utf16)
    assert not result.failures
    texts = {a.name: (a.text, a.published) for a in result.articles}
    assert texts["crlf"] == ("One line.\nTwo lines here.", date(2025, 9, 1))
    assert texts["bom"] == ("Text with a BOM.", date(2025, 9, 2))
    assert texts["u16"] == ("Text in UTF-16 — 9%.", date(2025, 9, 3))


# --- markdown -----------------------------------------------------------------


def test_markdown_front_matter_and_light_stripping(tmp_path: Path) -> None:
    md = (
        "---\ntitle: Foundry week\ndate: 2025-09-12\nsource: Test Weekly\n---\n"
        "# Foundry week\n\n"
        "Shares rose **9%** after [the results](https://example.com/r) beat *estimates*.\n\n"
        "- Capex: `US$3 billion`\n"
        "> a quoted analyst_view stays\n\n"
        "![chart](chart.png)\n"
    )
    (a,) = run(write(tmp_path / "week.md", md)).articles
    assert (a.title, a.published, a.date_origin, a.source, a.kind) == (
        "Foundry week",
        date(2025, 9, 12),
        "header",
        "Test Weekly",
        "md",
    )
    assert a.text == (
        "Foundry week\n\nShares rose 9% after the results beat estimates.\n\n"
        "Capex: US$3 billion\na quoted analyst_view stays"
    )


def test_markdown_with_header_lines_and_heading_title(tmp_path: Path) -> None:
    md = "date: 2025-09-05\n\n## Not the title\n# The title\nBody text with 3% growth.\n"
    (a,) = run(write(tmp_path / "m.markdown", md)).articles
    assert a.title == "The title" and a.published == date(2025, 9, 5)
    assert "#" not in a.text


# --- html ---------------------------------------------------------------------

PAGE = """<!doctype html><html><head><title>Foundries lead a rally | Test Daily</title>
<meta property="article:published_time" content="2025-09-17T08:30:00+08:00">
<meta property="og:site_name" content="Test Daily">
<script>var tracking = "SECRET-TRACKER";</script></head>
<body><nav><a href="/">Home</a></nav>
<article><h1>Foundries lead a rally</h1>
<p>Shares of a large foundry rose 9% on Wednesday as traders piled into chip names.</p>
<script>alert(1)</script>
<p>The benchmark index gained 2.5%, its best day in a month, and turnover jumped.</p>
</article></body></html>"""


def test_html_main_text_title_date_and_site(tmp_path: Path) -> None:
    (a,) = run(write(tmp_path / "rally.html", PAGE)).articles
    assert a.kind == "html" and a.name == "rally"
    assert a.published == date(2025, 9, 17) and a.date_origin == "html-meta"
    assert a.source == "Test Daily"
    assert a.title is not None and a.title.startswith("Foundries lead a rally")
    assert "rose 9% on Wednesday" in a.text and "gained 2.5%" in a.text
    assert "alert" not in a.text and "SECRET-TRACKER" not in a.text and "<" not in a.text


def test_html_fragment_still_loses_its_scripts(tmp_path: Path) -> None:
    html = (
        "<p>Baidu <b>jumped</b> 16%.<script>alert(1)</script></p><p onclick='x()'>Then rested.</p>"
    )
    (a,) = run(write(tmp_path / "frag.htm", html)).articles
    assert a.text == "Baidu jumped 16%.\nThen rested."


def test_html_of_nothing_but_scripts_has_no_article_text(tmp_path: Path) -> None:
    f = write(
        tmp_path / "scripts.html",
        "<html><body>" + "<script>alert(1)</script>" * 50 + "</body></html>",
    )
    assert reasons(run(f)) == {str(f): "no article text (the page holds only markup or scripts)"}


def test_html_declared_charset_is_honoured_and_undeclared_bad_bytes_refused(tmp_path: Path) -> None:
    latin = '<html><head><meta charset="windows-1252"></head><body><p>Caf\xe9 shares rose 3% on the news today.</p></body></html>'
    ok = write(tmp_path / "latin.html", latin.encode("cp1252"))
    bad = write(
        tmp_path / "bad.html", latin.replace('<meta charset="windows-1252">', "").encode("cp1252")
    )
    result = run(ok, bad)
    (a,) = result.articles
    assert "Café shares rose 3%" in a.text
    assert reasons(result)[str(bad)].startswith("not valid UTF-8 at byte ")


# --- folders -----------------------------------------------------------------


def test_folder_is_read_recursively_sorted_skipping_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write(folder / "b.txt", "date: 2025-09-02\nSecond article text, up 2%.")
    write(folder / "a.txt", "date: 2025-09-01\nFirst article text, up 1%.")
    write(folder / "sub" / "c.md", "# C\nThird article text, up 3%.")
    write(folder / "sub" / "d.html", "<p>Fourth article text, up 4%.</p>")
    write(folder / "a.claims.jsonl", '{"entity": "x"}\n')
    write(folder / "notes.csv", "a,b\n")
    write(folder / ".hidden" / "e.txt", "Hidden article text.")
    result = run(folder)
    assert [a.name for a in result.articles] == ["a", "b", "c", "d"]
    assert not result.failures


def test_empty_folder_and_missing_path_fail_by_name(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run(tmp_path / "empty", tmp_path / "missing.txt")
    got = reasons(result)
    assert got[str(tmp_path / "empty")].startswith("folder has no article files (.txt, .md")
    assert got[str(tmp_path / "missing.txt")] == "no such file or folder"


def test_dev_corpus_folder(tmp_path: Path) -> None:
    if not DEV.is_dir():
        pytest.skip(f"dev corpus not found at {DEV}")
    result = ingest([DEV])
    assert not result.failures
    names = [a.name for a in result.articles]
    assert names == [f"seed00{i}" for i in range(5)]
    dated = {a.name: a.published for a in result.articles if a.date_origin == "header"}
    assert len(dated) >= 4
    assert all(d is not None and (d.year, d.month) == (2025, 9) for d in dated.values())
    assert all(not a.text.startswith("date:") for a in result.articles)


# --- feeds -------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test Markets Feed</title><link>https://example.com</link>
<item><title>Foundry shares jump 9%</title><link>https://example.com/a/foundry</link>
<pubDate>Wed, 17 Sep 2025 06:00:00 GMT</pubDate>
<description>&lt;p&gt;A foundry rose 9% in Hong Kong.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description></item>
<item><title>Index posts seventh weekly gain</title><link>https://example.com/a/index</link>
<pubDate>Fri, 19 Sep 2025 09:00:00 GMT</pubDate>
<description>The tech index rose for a seventh straight week.</description></item>
<item><title>Empty entry</title><link>https://example.com/a/empty</link><description></description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Test Desk</title><id>urn:t</id>
<updated>2025-09-18T00:00:00Z</updated>
<entry><title>Cloud revenue grows 26%</title><id>urn:t:1</id>
<link href="https://example.org/cloud"/><published>2025-09-18T03:00:00Z</published>
<updated>2025-09-18T03:00:00Z</updated>
<content type="html">&lt;p&gt;Cloud revenue grew 26% from a year earlier.&lt;/p&gt;</content></entry>
</feed>"""


def test_rss_file_gives_one_article_per_entry(tmp_path: Path) -> None:
    f = write(tmp_path / "markets.rss", RSS)
    result = run(f)
    a, b = result.articles
    assert (a.name, a.title, a.published, a.date_origin) == (
        "foundry-shares-jump-9",
        "Foundry shares jump 9%",
        date(2025, 9, 17),
        "feed",
    )
    assert a.source == "Test Markets Feed" and a.origin == "https://example.com/a/foundry"
    assert a.kind == "feed" and a.text == "A foundry rose 9% in Hong Kong."
    assert b.text == "The tech index rose for a seventh straight week."
    # the empty entry fails alone, naming the feed and the entry
    assert [str(x) for x in result.failures] == [f"{f}#3 (Empty entry): feed entry has no text"]


def test_atom_file(tmp_path: Path) -> None:
    (a,) = run(write(tmp_path / "desk.atom", ATOM)).articles
    assert (a.name, a.published, a.source, a.origin) == (
        "cloud-revenue-grows-26",
        date(2025, 9, 18),
        "Atom Test Desk",
        "https://example.org/cloud",
    )
    assert a.text == "Cloud revenue grew 26% from a year earlier."


def test_feed_that_will_not_parse_and_feed_without_entries(tmp_path: Path) -> None:
    broken = write(tmp_path / "broken.xml", "<rss><channel><item><title>unterminated")
    empty = write(
        tmp_path / "empty.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
    )
    got = reasons(run(broken, empty))
    assert got[str(broken)].startswith("not a readable RSS/Atom feed (")
    assert got[str(empty)] == "feed has no entries"


# --- URLs --------------------------------------------------------------------


class FakeWeb:
    """The fetch seam: pages by URL; unknown URLs raise like urllib does offline."""

    def __init__(self, pages: dict[str, FetchedPage]) -> None:
        self.pages = pages
        self.calls: list[str] = []

    def __call__(self, url: str) -> FetchedPage:
        self.calls.append(url)
        if url not in self.pages:
            raise urllib.error.URLError(OSError("Name or service not known"))
        return self.pages[url]


def test_url_html_and_feed_through_the_seam() -> None:
    web = FakeWeb(
        {
            "https://news.example/2025/09/foundries-lead.html": FetchedPage(
                "https://news.example/2025/09/foundries-lead.html",
                PAGE.encode(),
                "text/html; charset=utf-8",
            ),
            "https://news.example/feed": FetchedPage(
                "https://news.example/feed", RSS.encode(), "application/rss+xml"
            ),
        }
    )
    result = run(
        "https://news.example/2025/09/foundries-lead.html",
        "https://news.example/feed",
        fetch_url=web,
    )
    page, *entries = result.articles
    assert (page.name, page.kind, page.origin, page.date_origin) == (
        "foundries-lead",
        "url",
        "https://news.example/2025/09/foundries-lead.html",
        "html-meta",
    )
    assert [e.name for e in entries] == ["foundry-shares-jump-9", "index-posts-seventh-weekly-gain"]
    assert web.calls == [
        "https://news.example/2025/09/foundries-lead.html",
        "https://news.example/feed",
    ]


def test_url_offline_is_one_clear_failure() -> None:
    result = run("https://offline.example/story", fetch_url=FakeWeb({}))
    assert [str(f) for f in result.failures] == [
        "https://offline.example/story: cannot fetch URL (offline?): Name or service not known"
    ]


def test_url_with_unsupported_content_type_or_scheme() -> None:
    web = FakeWeb(
        {
            "https://x.example/a.pdf": FetchedPage(
                "https://x.example/a.pdf", b"%PDF-1.7", "application/pdf"
            )
        }
    )
    got = reasons(run("https://x.example/a.pdf", "ftp://x.example/a.txt", fetch_url=web))
    assert got == {
        "https://x.example/a.pdf": "unsupported content type application/pdf",
        "ftp://x.example/a.txt": "only http:// and https:// URLs can be fetched",
    }


@pytest.fixture()
def local_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/story":
                body = b"date: 2025-09-17\nA plain text story: shares rose 4%."
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404, "Not Found")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_default_fetcher_reads_a_page_and_reports_http_errors(local_server: str) -> None:
    result = run(f"{local_server}/story", f"{local_server}/gone")
    (a,) = result.articles
    assert (a.name, a.published, a.kind) == ("story", date(2025, 9, 17), "url")
    assert a.text == "A plain text story: shares rose 4%."
    assert reasons(result) == {f"{local_server}/gone": "HTTP 404 Not Found"}


def test_default_fetcher_refused_connection_reads_offline() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ArticleError, match=r"cannot fetch URL \(offline\?\)"):
        UrllibFetcher(timeout_s=5)(f"http://127.0.0.1:{port}/x")


# --- bad input, all in one batch -------------------------------------------


def test_bad_inputs_fail_one_line_each_and_the_batch_goes_on(tmp_path: Path) -> None:
    good1 = write(tmp_path / "good1.txt", "date: 2025-09-17\n" + BODY)
    empty = write(tmp_path / "empty.txt", "")
    blank = write(tmp_path / "blank.md", "  \n\n\t\n")
    binary = write(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    controls = write(tmp_path / "controls.txt", bytes(range(1, 9)) * 100)
    bad_utf8 = write(tmp_path / "latin1.txt", "date: 2025-09-17\nCaf\xe9 prices".encode("latin-1"))
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk
    scripts = write(tmp_path / "scripts.html", "<script>alert(1)</script>" * 10)
    feed = write(tmp_path / "broken.rss", "<rss><channel><item>")
    good2 = write(tmp_path / "good2.md", "# Second\nAnother good article, down 3%.")
    t0 = time.perf_counter()
    result = run(
        good1,
        empty,
        blank,
        binary,
        controls,
        bad_utf8,
        huge,
        scripts,
        feed,
        "https://down.example/x",
        good2,
        fetch_url=FakeWeb({}),
    )
    elapsed = time.perf_counter() - t0

    assert [a.name for a in result.articles] == ["good1", "good2"]
    got = reasons(result)
    assert got[str(empty)] == "empty file"
    assert got[str(blank)] == "empty file"
    assert got[str(binary)] == "binary file (NUL byte at offset 8); not an article"
    assert got[str(controls)].startswith("binary file (") and "control bytes" in got[str(controls)]
    # 'date: 2025-09-17\n' is 17 bytes, 'Caf' 3 more: the é is byte 20, on line 2
    assert got[str(bad_utf8)] == (
        "not valid UTF-8 at byte 20 (line 2, byte 0xe9); re-save the file as UTF-8"
    )
    assert got[str(huge)] == "file is 50 MB, over the 10 MB limit"
    assert got[str(scripts)].startswith("no article text")
    assert got[str(feed)].startswith("not a readable RSS/Atom feed")
    assert got["https://down.example/x"].startswith("cannot fetch URL (offline?)")
    assert len(result.failures) == 9
    assert all("\n" not in str(f) for f in result.failures)
    assert elapsed < 5  # the 50 MB file is refused by its size, not read


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    f = write(tmp_path / "long.txt", "word " * 100)
    assert reasons(run(f, max_bytes=100)) == {str(f): "file is 500 bytes, over the 100 bytes limit"}
    assert len(run(f, max_bytes=1000).articles) == 1


def test_unsupported_suffix(tmp_path: Path) -> None:
    f = write(tmp_path / "paper.pdf", b"%PDF-1.7")
    assert reasons(run(f))[str(f)].startswith("unsupported file type '.pdf' (expected .txt")


# --- duplicates and progress -----------------------------------------------


def test_duplicates_in_one_batch_collapse_by_content_hash(tmp_path: Path) -> None:
    a = write(tmp_path / "one.txt", "date: 2025-09-17\nSame words,   same numbers: 5%.\n")
    b = write(tmp_path / "two.txt", "Same words, same\nnumbers: 5%.")
    result = run(a, b, a)
    (art,) = result.articles
    assert art.name == "one" and art.id == content_hash("Same words, same numbers: 5%.")
    assert len(result.duplicates) == 2
    assert all(d.reason.startswith("same text as one (") for d in result.duplicates)
    assert not result.failures


def test_progress_is_reported_per_input(tmp_path: Path) -> None:
    files = [write(tmp_path / f"{i}.txt", f"Article number {i} rose {i}%.") for i in range(3)]
    seen: list[tuple[int, int]] = []
    run(*files, tmp_path / "missing.txt", on_progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_give_an_article_or_a_failure_never_an_exception(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".txt", ".md", ".html", ".xml"):
            f = Path(tmp) / f"x{suffix}"
            f.write_bytes(data)
            result = ingest([f], now=NOW)
            assert len(result.articles) + len(result.failures) >= 1


def test_an_untitled_article_is_known_by_its_first_real_sentence() -> None:
    from themelens.news.ingest import lead_sentence
    from themelens.pipeline.model import ArticleInfo

    text = (
        "September 18, 2025\n"
        "This article first appeared on Example News.\n"
        "Chip makers in Hong Kong rallied for a third day as buyers returned. Analysts were split.\n"
    )
    assert lead_sentence(text) == (
        "Chip makers in Hong Kong rallied for a third day as buyers returned."
    )
    long = "word " * 60 + "end."
    cut = lead_sentence(long)
    assert cut is not None and cut.endswith("…") and len(cut) <= 111
    assert lead_sentence("Too short.\nAlso short.") is None
    untitled = ArticleInfo("seed003", None, None, None, "x.txt", 3, "abc", "Chip makers rallied.")
    assert untitled.label == "“Chip makers rallied.”"
    assert ArticleInfo("n", "A title", None, None, "x", 0, "i", "lead").label == "A title"
    assert ArticleInfo("n", None, None, None, "x", 0, "i").label == "n"
