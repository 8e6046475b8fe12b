"""RSS and Atom feeds (feedparser): one Article per entry.

feedparser is always handed bytes, never a string, so it never goes to the
network on its own; it sanitises entry HTML (scripts out) and we read the
text through ``fragment_to_text`` as well. A feed that does not parse and
has no entries is one failure for the whole input; an entry with no text is
a failure naming the entry, and the other entries are kept.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import feedparser

from themelens.errors import ArticleError
from themelens.news.article import Article, ArticleKind, DateOrigin
from themelens.news.ingest._dates import find_dateline
from themelens.news.ingest._html import fragment_to_text
from themelens.news.ingest._text import slugify

__all__ = ["FeedRead", "looks_like_feed", "read_feed"]

_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.I)


class FeedRead(NamedTuple):
    articles: list[Article]
    failures: list[ArticleError]


def looks_like_feed(data: bytes) -> bool:
    """Whether the bytes open like an RSS/Atom/RDF document (looked for in the first 2 KB)."""
    head = data[:2048].lstrip()
    return bool(_FEED_ROOT.search(head)) and not head[:200].lower().startswith(
        (b"<!doctype html", b"<html")
    )


def read_feed(
    data: bytes, *, source: str, stem: str, fetched_at: datetime, kind: ArticleKind = "feed"
) -> FeedRead:
    """Articles for the entries of a feed's bytes.

    Raises
    ------
    ArticleError
        The feed does not parse, or parses to no entries.
    """
    parsed = feedparser.parse(data)
    entries: list[Any] = list(parsed.get("entries", []))
    bozo = " ".join(str(parsed.get("bozo_exception", "unknown error")).split())
    if not entries:
        if parsed.get("bozo"):
            raise ArticleError(f"not a readable RSS/Atom feed ({bozo})", source=source)
        raise ArticleError("feed has no entries", source=source)
    site = _text(parsed.get("feed", {}).get("title"))
    out = FeedRead([], [])
    for i, entry in enumerate(entries, start=1):
        title = _text(entry.get("title"))
        where = f"{source}#{i}" + (f" ({title})" if title else "")
        text = _entry_text(entry)
        if not text:
            out.failures.append(ArticleError("feed entry has no text", source=where))
            continue
        # dict.get: feedparser's own get() maps a missing updated_parsed to published_parsed
        # with a DeprecationWarning, raised for a feed whose <pubDate> is empty
        stamp = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
        published = _struct_date(stamp)
        date_origin: DateOrigin | None = "feed" if published else None
        if published is None and (line := find_dateline(text, reference=fetched_at.date())):
            published, date_origin = line.published, "dateline"
        out.articles.append(
            Article(
                name=(slugify(title) if title else "") or f"{stem}-{i}",
                text=text,
                title=title,
                published=published,
                date_origin=date_origin,
                source=site,
                origin=str(entry.get("link") or f"{source}#{i}"),
                kind=kind,
                fetched_at=fetched_at,
            )
        )
    if not out.articles and parsed.get("bozo"):
        raise ArticleError(f"not a readable RSS/Atom feed ({bozo})", source=source)
    return out


def _entry_text(entry: Any) -> str:
    contents = entry.get("content") or []
    for block in contents:
        value = block.get("value") or ""
        text = _as_text(value, block.get("type"))
        if text:
            return text
    return _as_text(entry.get("summary") or "", entry.get("summary_detail", {}).get("type"))


def _as_text(value: str, mime: str | None) -> str:
    if mime == "text/plain":
        return "\n".join(ln.strip() for ln in value.splitlines() if ln.strip())
    return fragment_to_text(value)


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return fragment_to_text(value) if "<" in value else (" ".join(value.split()) or None)


def _struct_date(value: object) -> date | None:
    if not isinstance(value, time.struct_time):
        return None
    return datetime(*value[:6], tzinfo=UTC).date()
