"""A local RSS server for the watch tests: items appear as a clock passes their time.

Started on 127.0.0.1 (the ``no_network`` fixture lets loopback through), it
answers ``GET /feed.xml`` with the items whose ``published`` time the
clock has reached, newest first, with an ``ETag`` (a 304 for a matching
``If-None-Match``); ``fail_next(n, status)`` makes the next ``n`` requests
fail, to test backoff. Every request is logged (path, status).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Item:
    title: str
    text: str
    published: datetime  # naive UTC
    link: str


class FeedServer:
    """``url`` serves the feed; ``items`` may grow while it runs."""

    def __init__(self, now: Callable[[], datetime], *, keep: int = 50) -> None:
        self.now = now
        self.keep = keep
        self.items: list[Item] = []
        self.requests: list[tuple[str, int]] = []
        self._fail: list[int] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body, etag = server.answer(self.path, self.headers.get("If-None-Match"))
                self.send_response(status)
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/feed.xml"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add(self, item: Item) -> None:
        with self._lock:
            self.items.append(item)

    def fail_next(self, n: int, status: int = 503) -> None:
        with self._lock:
            self._fail.extend([status] * n)

    def answer(self, path: str, etag_in: str | None) -> tuple[int, bytes, str | None]:
        with self._lock:
            if path != "/feed.xml":
                status, body, etag = 404, b"not found", None
            elif self._fail:
                status, body, etag = self._fail.pop(0), b"busy", None
            else:
                body = self.render()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                status = 304 if etag_in == etag else 200
                if status == 304:
                    body = b""
            self.requests.append((path, status))
            return status, body, etag

    def render(self) -> bytes:
        now = self.now()
        shown = sorted((i for i in self.items if i.published <= now), key=lambda i: i.published)
        entries = "".join(
            f"<item><title>{escape(i.title)}</title><link>{escape(i.link)}</link>"
            f"<guid>{escape(i.link)}</guid>"
            f"<pubDate>{format_datetime(i.published.replace(tzinfo=UTC), usegmt=True)}</pubDate>"
            f"<description>{escape(i.text)}</description></item>"
            for i in reversed(shown[-self.keep :])
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Test Wire</title><link>http://127.0.0.1/</link><description>t</description>"
            f"{entries}</channel></rss>"
        ).encode()
