"""Fetching a URL: the default fetcher (stdlib ``urllib``) and the seam tests replace.

``FetchUrl`` is any callable taking a URL and returning a ``FetchedPage``;
``ingest(fetch_url=...)`` accepts one, so tests (and callers with their own
HTTP client) never need monkeypatching. Network and HTTP failures become an
``ArticleError`` naming the URL: an unreachable host reads
``cannot fetch URL (offline?)``.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import Final

from themelens.errors import ArticleError
from themelens.news.ingest._decode import DEFAULT_MAX_BYTES, human_size

__all__ = ["FetchUrl", "FetchedPage", "UrllibFetcher"]

_USER_AGENT: Final = "themelens/0.1 (news ingest; +https://example.invalid/themelens)"


@dataclass(frozen=True)
class FetchedPage:
    """What a URL answered: the final URL (after redirects), the body, and its content type."""

    url: str
    body: bytes
    content_type: str | None = None

    @property
    def mime(self) -> str:
        return (self.content_type or "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        msg = Message()
        msg["content-type"] = self.content_type or ""
        value = msg.get_param("charset")
        return value if isinstance(value, str) else None


FetchUrl = Callable[[str], FetchedPage]


@dataclass(frozen=True)
class UrllibFetcher:
    """GET a URL with the standard library, reading at most ``max_bytes``."""

    max_bytes: int = DEFAULT_MAX_BYTES
    timeout_s: float = 20.0

    def __call__(self, url: str) -> FetchedPage:
        request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                body = response.read(self.max_bytes + 1)
                final_url = response.geturl()
                content_type = response.headers.get("Content-Type")
        except urllib.error.HTTPError as exc:
            raise ArticleError(f"HTTP {exc.code} {exc.reason}", source=url) from exc
        except urllib.error.URLError as exc:
            raise ArticleError(f"cannot fetch URL (offline?): {exc.reason}", source=url) from exc
        except (TimeoutError, ConnectionError) as exc:
            raise ArticleError(f"cannot fetch URL (offline?): {exc}", source=url) from exc
        except ValueError as exc:
            raise ArticleError(f"not a URL we can fetch: {exc}", source=url) from exc
        if len(body) > self.max_bytes:
            raise ArticleError(f"page is over the {human_size(self.max_bytes)} limit", source=url)
        return FetchedPage(final_url, body, content_type)
