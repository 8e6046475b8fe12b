"""Ingest: text files, Markdown, HTML pages, RSS/Atom feeds and URLs become Articles.

``ingest(inputs)`` reads a batch and returns an ``IngestResult``: the
articles (unique by content hash), one ``Failure`` per input that gave none
(empty, binary, oversized, not UTF-8, no article text, an unreadable feed, a
URL that failed), and the inputs that repeated an earlier one. URLs go
through ``fetch_url`` (``UrllibFetcher`` by default), the seam tests replace.
"""

from __future__ import annotations

from themelens.news.ingest._batch import (
    FOLDER_SUFFIXES,
    Failure,
    IngestResult,
    failure_from,
    ingest,
)
from themelens.news.ingest._decode import DEFAULT_MAX_BYTES
from themelens.news.ingest._text import lead_sentence
from themelens.news.ingest._urls import FetchedPage, FetchUrl, UrllibFetcher

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FOLDER_SUFFIXES",
    "Failure",
    "FetchUrl",
    "FetchedPage",
    "IngestResult",
    "UrllibFetcher",
    "failure_from",
    "ingest",
    "lead_sentence",
]
