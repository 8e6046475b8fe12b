"""Polling a feed: an RSS/Atom URL (conditional GET) or a folder (new and changed files).

A URL is fetched with ``httpx`` and the validators the server sent last
(``If-None-Match``, ``If-Modified-Since``), so an unchanged feed costs a 304
and no parsing; the bytes go through ``news.ingest`` (its ``fetch_url``
seam), which reads them as it reads any feed. A folder is listed, and only
files whose (mtime, size) differ from the last read are read again; a file
modified in the last second is left for the next poll (it may still be
being written).

A failure (a connection refused, an HTTP error, a feed that does not
parse) is counted on the feed's state and puts its next poll off by a
backoff that doubles up to ``max_backoff_s``; the other feeds go on.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, Literal

import httpx

from themelens.errors import Failure
from themelens.news.article import Article
from themelens.news.ingest import DEFAULT_MAX_BYTES, FOLDER_SUFFIXES, FetchedPage, ingest
from themelens.watch.model import FeedState

__all__ = ["FEED_FILE_SUFFIXES", "FeedPoller", "FeedSpec", "Polled"]

FEED_FILE_SUFFIXES: Final = (*FOLDER_SUFFIXES, ".xml", ".rss", ".atom")
"""What a folder feed is searched for: article files and feed files dropped into it."""

_URL: Final = re.compile(r"^https?://", re.I)
_USER_AGENT: Final = "themelens-watch/0.1 (+https://example.invalid/themelens)"
_SETTLE_S: Final = 1.0
_EMPTY: Final = "feed has no entries"  # news.ingest's word for a feed with nothing in it yet


@dataclass(frozen=True)
class FeedSpec:
    """A feed as given: an ``http(s)://`` URL or a folder."""

    location: str
    kind: Literal["url", "folder"]

    @classmethod
    def parse(cls, text: str) -> FeedSpec:
        text = text.strip()
        if _URL.match(text):
            return cls(text, "url")
        return cls(str(Path(text).expanduser()), "folder")


@dataclass(frozen=True)
class Polled:
    """One poll: the articles read, per-entry failures, the feed's new state, the files read."""

    articles: tuple[Article, ...]
    failures: tuple[Failure, ...]
    state: FeedState
    ok: bool
    not_modified: bool = False
    files: tuple[tuple[str, int, int], ...] = ()


class FeedPoller:
    """Polls feeds; each poll returns the feed's next state, never raises for a bad feed.

    Parameters
    ----------
    client
        The HTTP client (default one with ``timeout_s`` and proxies from the environment).
    base_backoff_s, max_backoff_s
        The first wait after a failure, doubled per failure in a row up to the most.
    max_bytes
        A feed or file larger than this is refused.
    """

    def __init__(
        self,
        *,
        client: httpx.Client | None = None,
        timeout_s: float = 20.0,
        base_backoff_s: float = 60.0,
        max_backoff_s: float = 3600.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._client = client or httpx.Client(
            timeout=timeout_s, follow_redirects=True, headers={"User-Agent": _USER_AGENT}
        )
        self._own_client = client is None
        self.base_backoff_s = base_backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_bytes = max_bytes

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def __enter__(self) -> FeedPoller:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def poll(
        self,
        spec: FeedSpec,
        state: FeedState,
        *,
        now: datetime,
        seen_files: Mapping[str, tuple[int, int]] | None = None,
    ) -> Polled:
        """The feed's articles since ``state`` (all it holds; the caller drops known ones)."""
        if spec.kind == "url":
            return self._poll_url(spec.location, state, now)
        return self._poll_folder(Path(spec.location), state, now, seen_files or {})

    def failed(self, state: FeedState, now: datetime, reason: str) -> FeedState:
        """The state after a failure: counted, reason kept, the next poll put off."""
        failures = state.failures + 1
        wait = min(self.base_backoff_s * 2 ** (failures - 1), self.max_backoff_s)
        return replace(
            state,
            failures=failures,
            retry_at=now + timedelta(seconds=wait),
            last_error=reason,
            polls=state.polls + 1,
        )

    def _ok(self, state: FeedState, now: datetime, page: httpx.Response | None = None) -> FeedState:  # fmt: skip
        """The state after a poll that worked; a full answer's validators replace the old ones."""
        new = replace(
            state, failures=0, retry_at=None, last_error=None, last_ok_at=now, polls=state.polls + 1
        )
        if page is None:
            return new
        headers = page.headers
        return replace(new, etag=headers.get("etag"), last_modified=headers.get("last-modified"))

    def _poll_url(self, url: str, state: FeedState, now: datetime) -> Polled:
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code == httpx.codes.NOT_MODIFIED:
                    return Polled((), (), self._ok(state, now), True, not_modified=True)
                if response.status_code >= 400:
                    why = f"HTTP {response.status_code} {response.reason_phrase}".strip()
                    return Polled((), (), self.failed(state, now, why), False)
                body = self._read(response)
                if body is None:
                    why = f"feed is over the {self.max_bytes} byte limit"
                    return Polled((), (), self.failed(state, now, why), False)
                page = FetchedPage(str(response.url), body, response.headers.get("content-type"))
                new = self._ok(state, now, response)
        except httpx.HTTPError as exc:
            why = f"cannot fetch feed (offline?): {type(exc).__name__}: {exc}".strip()
            return Polled((), (), self.failed(state, now, " ".join(why.split())), False)
        read = ingest([url], fetch_url=lambda _: page, now=now, max_bytes=self.max_bytes)
        whole = [f for f in read.failures if f.item == url and f.reason != _EMPTY]
        if whole and not read.articles:
            return Polled((), read.failures, self.failed(state, now, whole[0].reason), False)
        failures = tuple(f for f in read.failures if f.reason != _EMPTY)
        return Polled(read.articles, failures, new, True)

    def _read(self, response: httpx.Response) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def _poll_folder(
        self, folder: Path, state: FeedState, now: datetime, seen: Mapping[str, tuple[int, int]]
    ) -> Polled:
        try:
            listed = _files(folder)
        except OSError as exc:
            why = f"cannot list folder: {exc.strerror or exc}"
            return Polled((), (), self.failed(state, now, why), False)
        settled = time.time() - _SETTLE_S
        changed = [
            (path, mtime, size)
            for path, mtime, size in listed
            if seen.get(path) != (mtime, size) and mtime / 1e9 < settled
        ]
        if not changed:
            return Polled((), (), self._ok(state, now), True)
        read = ingest([p for p, _, _ in changed], now=now, max_bytes=self.max_bytes)
        return Polled(read.articles, read.failures, self._ok(state, now), True, files=tuple(changed))  # fmt: skip


def _files(folder: Path) -> list[tuple[str, int, int]]:
    """Every feed or article file under ``folder`` (hidden ones left out): path, mtime_ns, size."""
    if not folder.is_dir():
        raise FileNotFoundError(2, "no such folder", str(folder))
    found: list[tuple[str, int, int]] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        with os.scandir(current) as listing:
            for entry in listing:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                elif entry.is_file() and Path(entry.name).suffix.lower() in FEED_FILE_SUFFIXES:
                    st = entry.stat()
                    found.append((entry.path, st.st_mtime_ns, st.st_size))
    return sorted(found)
