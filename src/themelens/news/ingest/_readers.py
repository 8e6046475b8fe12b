"""One input's bytes to Articles: plain text, Markdown, HTML, a feed, a fetched page.

Each reader raises ``ArticleError`` naming the input when it cannot produce
an article; the publication date is taken, in this order, from a header
(``date:`` line or front matter), the HTML metadata or the feed, and a
dateline at the top of the text.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Final
from urllib.parse import urlsplit

from themelens.errors import ArticleError
from themelens.news.article import Article, ArticleKind, DateOrigin
from themelens.news.ingest._dates import find_dateline, parse_date_value
from themelens.news.ingest._decode import check_size, check_text_bytes, decode_text, html_charset
from themelens.news.ingest._feeds import FeedRead, looks_like_feed, read_feed
from themelens.news.ingest._html import read_html
from themelens.news.ingest._text import (
    Header,
    guess_source,
    guess_title,
    markdown_title,
    normalise_newlines,
    slugify,
    split_front_matter,
    split_header,
    strip_markdown,
)
from themelens.news.ingest._urls import FetchedPage

__all__ = ["SUFFIX_KINDS", "read_bytes", "read_page"]

SUFFIX_KINDS: Final[dict[str, str]] = {
    ".txt": "txt",
    ".text": "txt",
    "": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}
"""File suffix -> reader. A folder is searched for the txt, md and html suffixes only."""

_FEED_MIMES: Final = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
# possessive and atomic: forty comments once took minutes of backtracking to refuse
_HTML_START = re.compile(
    rb"^\s*+(?:<\?xml[^>]*+>\s*+)?+(?:<!--(?>.*?-->)\s*+)*+<(?:!doctype\s+html|html)", re.I | re.S
)


def read_bytes(
    data: bytes, *, reader: str, name: str, source: str, origin: str, fetched_at: datetime
) -> FeedRead:
    """Articles from one file's bytes, read as ``reader`` (``txt``, ``md``, ``html``, ``feed``)."""
    if reader == "feed":
        check_text_bytes(data, source=source)
        return read_feed(data, source=source, stem=name, fetched_at=fetched_at)
    kind: ArticleKind = "md" if reader == "md" else "html" if reader == "html" else "txt"
    if kind == "html":
        text = decode_text(data, source=source, charset=html_charset(data))
        return FeedRead(
            [
                _html_article(
                    text,
                    name=name,
                    source=source,
                    origin=origin,
                    kind="html",
                    fetched_at=fetched_at,
                )
            ],
            [],
        )
    text = normalise_newlines(decode_text(data, source=source))
    return FeedRead(
        [
            _text_article(
                text, kind=kind, name=name, source=source, origin=origin, fetched_at=fetched_at
            )
        ],
        [],
    )


def read_page(page: FetchedPage, *, source: str, max_bytes: int, fetched_at: datetime) -> FeedRead:
    """Articles from a fetched URL: a feed's entries, or the page's article."""
    check_size(page.body, max_bytes=max_bytes, source=source)
    name = _url_stem(page.url)
    if page.mime in _FEED_MIMES or (
        page.mime in ("", "application/xml", "text/xml") and looks_like_feed(page.body)
    ):
        check_text_bytes(page.body, source=source)
        return read_feed(page.body, source=source, stem=name or "feed", fetched_at=fetched_at)
    if "html" in page.mime or (not page.mime and _HTML_START.match(page.body)):
        text = decode_text(
            page.body, source=source, charset=page.charset or html_charset(page.body)
        )
        return FeedRead(
            [
                _html_article(
                    text,
                    name=name,
                    source=source,
                    origin=page.url,
                    kind="url",
                    fetched_at=fetched_at,
                )
            ],
            [],
        )
    if page.mime in ("text/plain", "text/markdown", ""):
        text = normalise_newlines(decode_text(page.body, source=source, charset=page.charset))
        name = name or slugify(urlsplit(page.url).netloc)
        return FeedRead(
            [
                _text_article(
                    text,
                    kind="url",
                    name=name,
                    source=source,
                    origin=page.url,
                    fetched_at=fetched_at,
                )
            ],
            [],
        )
    raise ArticleError(f"unsupported content type {page.mime}", source=source)


def _text_article(
    text: str, *, kind: ArticleKind, name: str, source: str, origin: str, fetched_at: datetime
) -> Article:
    if kind == "md":
        header, body = split_front_matter(text)
        title = header.title or markdown_title(body)
        body = strip_markdown(body)
    else:
        header, body = split_header(text)
        title = header.title
    if not body.strip():
        after = " after the header lines" if header != Header() else ""
        raise ArticleError(f"no article text{after}", source=source)
    return _finish(
        body,
        header=header,
        title=title or guess_title(body),
        meta_date=None,
        site=None,
        name=name,
        source=source,
        origin=origin,
        kind=kind,
        fetched_at=fetched_at,
    )


def _html_article(
    html: str, *, name: str, source: str, origin: str, kind: ArticleKind, fetched_at: datetime
) -> Article:
    url = origin if origin.startswith(("http://", "https://")) else None
    parts = read_html(html, url=url)
    if not parts.text.strip():
        raise ArticleError("no article text (the page holds only markup or scripts)", source=source)
    return _finish(
        parts.text,
        header=Header(),
        title=parts.title,
        meta_date=parts.published,
        site=parts.site_name,
        name=name or slugify(parts.title or ""),
        source=source,
        origin=origin,
        kind=kind,
        fetched_at=fetched_at,
    )


def _finish(
    body: str,
    *,
    header: Header,
    title: str | None,
    meta_date: date | None,
    site: str | None,
    name: str,
    source: str,
    origin: str,
    kind: ArticleKind,
    fetched_at: datetime,
) -> Article:
    published: date | None = None
    date_origin: DateOrigin | None = None
    agency: str | None = None
    if header.date is not None:  # front matter may hold a date no one can read: then go on
        published = parse_date_value(header.date, reference=fetched_at.date())
    if published is not None:
        date_origin = "header"
    elif meta_date is not None:
        published, date_origin = meta_date, "html-meta"
    elif (line := find_dateline(body, reference=fetched_at.date())) is not None:
        published, date_origin, agency = line.published, "dateline", line.agency
    return Article(
        name=name or "article",
        text=body,
        title=title,
        published=published,
        date_origin=date_origin,
        source=header.source or site or agency or guess_source(body),
        origin=origin,
        kind=kind,
        fetched_at=fetched_at,
    )


def _url_stem(url: str) -> str:
    """The last path segment without its extension (``.../baidu-jumps.html`` -> ``baidu-jumps``)."""
    segment = PurePosixPath(urlsplit(url).path).name
    return slugify(PurePosixPath(segment).stem) if segment else ""
