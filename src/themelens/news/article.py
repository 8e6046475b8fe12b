"""The Article: one piece of news text with where and when it came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Literal

__all__ = ["Article", "ArticleKind", "DateOrigin", "content_hash"]

ArticleKind = Literal["txt", "md", "html", "feed", "url"]
DateOrigin = Literal["header", "html-meta", "feed", "dateline"]


def content_hash(text: str) -> str:
    """SHA-256 of the text with whitespace folded, so the same article saved twice,
    or once as .txt and once as .md, is one article."""
    folded = " ".join(text.split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Article:
    """An ingested article.

    ``name`` is what claims cite as ``"article"`` (a file's stem, a feed
    entry's slug); ``published`` is the publication date and ``date_origin``
    where it was read from (a ``date:`` header, HTML metadata, the feed, or a
    dateline in the text); ``source`` is the outlet when known; ``origin`` the
    file path or URL it was read from. ``id`` is the content hash.
    """

    name: str
    text: str
    title: str | None = None
    published: date | None = None
    date_origin: DateOrigin | None = None
    source: str | None = None
    origin: str = ""
    kind: ArticleKind = "txt"
    fetched_at: datetime = field(default_factory=_now)

    @cached_property
    def id(self) -> str:
        """The content hash claims and verdicts are keyed on; hashed once per article
        (a store call asks for it several times, and 8 KB take ~0.1 ms each time)."""
        return content_hash(self.text)
