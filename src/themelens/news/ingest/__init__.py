"""Ingest: text files, Markdown, HTML pages, RSS/Atom feeds and URLs become Articles.

``ingest(inputs)`` reads a batch and returns an ``IngestResult``: the
articles (unique by content hash), one ``Failure`` per input that gave none
(empty, binary, oversized, not UTF-8, no article text, an unreadable feed, a
URL that failed), and the inputs that repeated an earlier one. URLs go
through ``fetch_url`` (``UrllibFetcher`` by default), the seam tests replace.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from themelens.news.ingest._decode import DEFAULT_MAX_BYTES
from themelens.news.ingest._text import lead_sentence

if TYPE_CHECKING:
    from themelens.news.ingest._batch import (
        Failure,
        IngestResult,
        failure_from,
        ingest,
    )
    from themelens.news.ingest._folders import FOLDER_SUFFIXES
    from themelens.news.ingest._urls import FetchedPage, FetchUrl, UrllibFetcher

_WHERE: Final[dict[str, str]] = {
    "FOLDER_SUFFIXES": "_folders",
    "Failure": "_batch",
    "IngestResult": "_batch",
    "failure_from": "_batch",
    "ingest": "_batch",
    "FetchedPage": "_urls",
    "FetchUrl": "_urls",
    "UrllibFetcher": "_urls",
}
"""Names imported on first use: the readers pull in trafilatura, lxml and feedparser, which a
command's ``--help`` (it only needs ``DEFAULT_MAX_BYTES``) should not pay for."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
