"""``ingest``: many inputs (files, folders, feeds, URLs) to Articles, one failure per bad input."""

from __future__ import annotations

import logging
import re
import urllib.error
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from themelens.errors import ArticleError, Failure
from themelens.news.article import Article
from themelens.news.ingest._decode import DEFAULT_MAX_BYTES, read_limited
from themelens.news.ingest._feeds import FeedRead
from themelens.news.ingest._folders import FOLDER_SUFFIXES, article_files
from themelens.news.ingest._readers import SUFFIX_KINDS, read_bytes, read_page
from themelens.news.ingest._urls import FetchUrl, UrllibFetcher

__all__ = ["FOLDER_SUFFIXES", "Failure", "IngestResult", "ingest"]

log = logging.getLogger(__name__)

"""What a folder is searched for (recursively); anything else in it (``*.claims.jsonl``) is skipped."""

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def failure_from(exc: ArticleError) -> Failure:
    """The batch line for an article error: its source, and the message without the source prefix."""
    text = str(exc)
    prefix = f"{exc.source}: "
    return Failure(exc.source, text[len(prefix) :] if text.startswith(prefix) else text)


@dataclass(frozen=True)
class IngestResult:
    """What ``ingest`` read.

    ``articles`` are unique by content hash, in input order; ``failures`` are
    the inputs that gave no article; ``duplicates`` the inputs whose text was
    already read from an earlier input of the same batch (not an error).
    """

    articles: tuple[Article, ...]
    failures: tuple[Failure, ...] = ()
    duplicates: tuple[Failure, ...] = ()


@dataclass(frozen=True)
class _Work:
    label: str
    path: Path | None = None
    url: str | None = None
    error: str | None = None  # known bad before reading (a missing path, an empty folder)


def ingest(
    inputs: Sequence[str | Path],
    *,
    fetch_url: FetchUrl | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    now: datetime | None = None,
) -> IngestResult:
    """Read articles from files, folders, RSS/Atom feeds and URLs.

    Parameters
    ----------
    inputs
        Paths (``.txt``, ``.md``, ``.html``/``.htm``, a feed ``.xml``/``.rss``/``.atom``,
        or a folder searched recursively for ``FOLDER_SUFFIXES``) and ``http(s)://`` URLs.
    fetch_url
        How URLs are fetched (default: ``UrllibFetcher``, the standard library).
        The test seam: pass a callable returning a ``FetchedPage``.
    on_progress
        Called as ``on_progress(done, total)`` after each file or URL.
    max_bytes
        Inputs over this size are refused before they are read (default 10 MB).
    now
        The fetch time stamped on every article (naive UTC; default: now). It is
        also the reference day that supplies the year to a dateline without one.

    Returns
    -------
    IngestResult
        Articles unique by content hash, failures one per bad input, duplicates.

    Notes
    -----
    A bad input never stops the batch: an empty, binary, oversized or
    non-UTF-8 file, an HTML page with no article text, a feed that will not
    parse, a URL that cannot be fetched and a folder that cannot be listed
    (``permission denied``) each become one ``Failure``.
    """
    fetched_at = now or datetime.now(UTC).replace(tzinfo=None)
    fetcher = fetch_url or UrllibFetcher(max_bytes=max_bytes)
    work = _expand(inputs)
    read: list[Article] = []
    failures: list[Failure] = []
    for done, item in enumerate(work, start=1):
        try:
            if item.error is not None:
                raise ArticleError(item.error, source=item.label)
            found = _read(item, fetcher, max_bytes=max_bytes, fetched_at=fetched_at)
            read.extend(found.articles)
            failures.extend(failure_from(e) for e in found.failures)
        except ArticleError as exc:
            log.info("%s", exc)
            failures.append(failure_from(exc))
        if on_progress is not None:
            on_progress(done, len(work))
    articles, duplicates = _unique(read)
    return IngestResult(tuple(articles), tuple(failures), tuple(duplicates))


def _expand(inputs: Sequence[str | Path]) -> list[_Work]:
    work: list[_Work] = []
    for raw in inputs:
        label = str(raw)
        if isinstance(raw, str) and _URL.match(raw):
            work.append(_Work(label, url=raw))
            continue
        path = Path(raw).expanduser()
        if path.is_dir():
            files, unreadable = _folder_files(path)
            if not files and not unreadable:
                exts = ", ".join(FOLDER_SUFFIXES)
                work.append(_Work(label, error=f"folder has no article files ({exts})"))
            work.extend(_Work(str(f), path=f) for f in files)
            work.extend(unreadable)
        elif path.is_file():
            work.append(_Work(label, path=path))
        else:
            work.append(_Work(label, error="no such file or folder"))
    return work


def _folder_files(folder: Path) -> tuple[list[Path], list[_Work]]:
    """The article files under ``folder`` (``article_files``), a failure per unlistable folder."""
    files, unreadable = article_files(folder)
    return files, [_Work(str(path), error=reason) for path, reason in unreadable]


def _read(item: _Work, fetcher: FetchUrl, *, max_bytes: int, fetched_at: datetime) -> FeedRead:
    if item.url is not None:
        if not item.url.lower().startswith(("http://", "https://")):
            raise ArticleError("only http:// and https:// URLs can be fetched", source=item.label)
        try:
            page = fetcher(item.url)
        except urllib.error.HTTPError as exc:  # a custom fetcher letting urllib errors through
            raise ArticleError(f"HTTP {exc.code} {exc.reason}", source=item.label) from exc
        except urllib.error.URLError as exc:
            raise ArticleError(
                f"cannot fetch URL (offline?): {exc.reason}", source=item.label
            ) from exc
        except OSError as exc:
            raise ArticleError(f"cannot fetch URL (offline?): {exc}", source=item.label) from exc
        return read_page(page, source=item.label, max_bytes=max_bytes, fetched_at=fetched_at)
    assert item.path is not None
    reader = SUFFIX_KINDS.get(item.path.suffix.lower())
    if reader is None:
        known = ", ".join(s for s in SUFFIX_KINDS if s)
        raise ArticleError(
            f"unsupported file type {item.path.suffix!r} (expected {known})", source=item.label
        )
    data = read_limited(item.path, max_bytes=max_bytes, source=item.label)
    return read_bytes(
        data,
        reader=reader,
        name=item.path.stem,
        source=item.label,
        origin=str(item.path.resolve()),
        fetched_at=fetched_at,
    )


def _unique(articles: list[Article]) -> tuple[list[Article], list[Failure]]:
    first: dict[str, Article] = {}
    duplicates: list[Failure] = []
    for article in articles:
        seen = first.get(article.id)
        if seen is None:
            first[article.id] = article
        else:
            duplicates.append(Failure(article.origin, f"same text as {seen.name} ({seen.origin})"))
    return list(first.values()), duplicates
