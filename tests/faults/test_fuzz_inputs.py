"""Fuzzing the input surface: what a user hands us gives a result or one themelens error line.

The article readers (plain text, Markdown, HTML, RSS/Atom, a fetched page)
and the theme loader get arbitrary bytes, YAML-ish text, nested structures
and markup built from the tags that break parsers (deep, unclosed, misnested,
raw text). Anything but a result or a ``ThemelensError`` is a bug.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from themelens.cli._common import terminal_text
from themelens.errors import ThemelensError
from themelens.news.ingest import FetchedPage
from themelens.news.ingest._html import fragment_to_text, read_html
from themelens.news.ingest._readers import read_bytes, read_page
from themelens.theme import Theme, load_theme

NOW = datetime(2025, 10, 1, 12, 0)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THEME_DATA = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "src/themelens/themes/china-ai.yaml").read_text(
        encoding="utf-8"
    )
)

# --- strategies -----------------------------------------------------------------

_TOKENS = [
    "<div>", "</div>", "<span>", "</span>", "<p>", "</p>", "<font>", "<b>", "</b>", "<li>",
    "<table><tr><td>", "</td></tr></table>", "<br>", "<br/>", "<div/>", "<script>x=1</script>",
    "<script>", "</script>", "<style>p{}", "<svg><g>", "</svg>", "<title>", "</title>",
    "<!--", "-->", "<!doctype html>", "<?xml version='1.0'?>", "<a href=\"x>", "<a b='",
    "<", ">", "&amp;", "&#x9b;", "&", "\x00", "\x1b[31m", "Tencent rose 5%. ", "\n",
    "<html>", "<head>", "</head>", "<body>", "<meta charset='latin-1'>", "<template>",
]  # fmt: skip
_CHUNK = st.tuples(
    st.lists(st.sampled_from(_TOKENS) | st.text(max_size=8), min_size=1, max_size=6),
    st.integers(min_value=1, max_value=400),
)
MARKUP = st.lists(_CHUNK, max_size=5).map(lambda cs: "".join("".join(t) * n for t, n in cs))
"""Markup built from chunks repeated up to 400 times: deep, unclosed and misnested nesting."""

_ENTRY = st.tuples(st.text(max_size=40), st.text(max_size=80) | MARKUP, st.text(max_size=30))
FEED = st.tuples(st.sampled_from(["rss", "atom"]), st.lists(_ENTRY, max_size=4)).map(
    lambda f: _feed(*f)
)

YAML_TEXT = st.text(alphabet=st.sampled_from("ab1: -[]{}\n\t'\"&*!|>?#%@,.\\"), max_size=120)
_LEAF = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10)
)
NESTED = st.recursive(
    _LEAF,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


def _feed(kind: str, entries: list[tuple[str, str, str]]) -> bytes:
    if kind == "rss":
        items = "".join(
            f"<item><title>{t}</title><description><![CDATA[{d}]]></description>"
            f"<pubDate>{p}</pubDate></item>"
            for t, d, p in entries
        )
        return f"<?xml version='1.0'?><rss version='2.0'><channel><title>S</title>{items}</channel></rss>".encode(
            "utf-8", "surrogatepass"
        )
    items = "".join(
        f"<entry><title>{t}</title><content type='html'>{d}</content><updated>{p}</updated></entry>"
        for t, d, p in entries
    )
    return f"<feed xmlns='http://www.w3.org/2005/Atom'><title>S</title>{items}</feed>".encode(
        "utf-8", "surrogatepass"
    )


def _read(data: bytes, reader: str) -> None:
    try:
        found = read_bytes(
            data, reader=reader, name="fuzz", source="fuzz", origin="fuzz", fetched_at=NOW
        )
    except ThemelensError as exc:
        assert "\n" not in str(exc)
        return
    for article in found.articles:
        assert article.text.strip()
    for failure in found.failures:
        assert isinstance(failure, ThemelensError)


@pytest.fixture(scope="module")
def theme_file() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp) / "fuzz.yaml"


def _load(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        theme = load_theme(path)
    except ThemelensError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))
        return
    assert isinstance(theme, Theme)


# --- article readers ---------------------------------------------------------------


@FAST
@given(
    data=st.binary(max_size=600)
    | st.text(max_size=600).map(lambda t: t.encode("utf-8", "surrogatepass"))
)
@pytest.mark.parametrize("reader", ["txt", "md", "html", "feed"])
def test_any_bytes_through_each_reader(reader: str, data: bytes) -> None:
    _read(data, reader)


@settings(FAST, max_examples=100)
@given(html=MARKUP)
@example(html="<svg><g><html>")
@example(html="<div>a</div>b\x1f<!-- c -->tail")
def test_any_markup_through_the_html_readers(html: str) -> None:
    _read(html.encode("utf-8", "surrogatepass"), "html")
    assert isinstance(fragment_to_text(html), str)
    assert isinstance(read_html(html).text, str)


@FAST
@given(
    feed=FEED
    | MARKUP.map(
        lambda m: f"<rss><channel><item>{m}</item></channel></rss>".encode("utf-8", "surrogatepass")
    )
)
def test_any_feed_through_the_feed_reader(feed: bytes) -> None:
    _read(feed, "feed")


CONTENT_TYPES = [
    "text/html", "text/html; charset=x-nonsense", "text/plain; charset=latin-1",
    "application/rss+xml", "application/xml", "text/markdown", "image/png", "",
]  # fmt: skip


@FAST
@given(
    body=st.binary(max_size=300) | MARKUP.map(lambda m: m.encode("utf-8", "surrogatepass")),
    content_type=st.none() | st.sampled_from(CONTENT_TYPES),
)
def test_any_fetched_page_through_the_page_reader(body: bytes, content_type: str | None) -> None:
    page = FetchedPage("https://example.invalid/news/a.html", body, content_type)
    try:
        found = read_page(page, source="fuzz", max_bytes=10_000, fetched_at=NOW)
    except ThemelensError as exc:
        assert "\n" not in str(exc)
        return
    assert all(a.text.strip() for a in found.articles)


# --- the theme loader -----------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(text=YAML_TEXT)
def test_yaml_ish_text_through_the_theme_loader(theme_file: Path, text: str) -> None:
    _load(theme_file, text)


@settings(max_examples=80, deadline=None)
@given(data=NESTED, depth=st.integers(min_value=0, max_value=120))
def test_nested_structures_through_the_theme_loader(
    theme_file: Path, data: Any, depth: int
) -> None:
    for _ in range(depth):
        data = [data] if depth % 2 else {"k": data}
    _load(theme_file, yaml.safe_dump(data, allow_unicode=True))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        yield from _paths(child, (*prefix, key))


THEME_PATHS = list(_paths(THEME_DATA))[1:]


@settings(max_examples=30, deadline=None)
@given(where=st.sampled_from(THEME_PATHS), value=NESTED)
def test_the_packaged_theme_with_one_value_replaced(
    theme_file: Path, where: tuple[Any, ...], value: Any
) -> None:
    """A real theme with one field swapped for anything: reaches the validators and cross-checks."""
    data = copy.deepcopy(THEME_DATA)
    node = data
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    _load(theme_file, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


# --- what reaches the terminal -----------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    text=st.text()
    | st.lists(st.sampled_from(["\x1b", "[", "]", "\x9b", "\x07", "\\", "0;", "m", "a"])).map(
        "".join
    )
)
def test_terminal_text_leaves_no_control_character(text: str) -> None:
    clean = terminal_text(text)
    assert not [c for c in clean if (ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) < 0xA0]
    assert terminal_text(clean) == clean
