"""Record and replay chat-completions exchanges, so model-backed extraction is testable offline.

A recording is one JSON file::

    {"request": {...the body sent...},
     "response": {"status": 200, "body": {...the chat completion...}}}

``ChatClient`` writes one per successful request when ``THEMELENS_LLM_RECORD``
names a folder (a user with a local model records fixtures that way);
``ReplayServer`` serves recordings back from a real HTTP server on
``127.0.0.1`` in the order given, and keeps the bodies it received, so a test
exercises the real urllib transport, retries included, without a network
(the ``MockTransport`` idea of httpx, one level lower).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["Exchange", "ReplayServer", "read_exchange", "recording_path", "write_exchange"]


@dataclass(frozen=True)
class Exchange:
    """One request body and the response the server gave (status and JSON body)."""

    request: dict[str, Any]
    status: int
    body: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request, "response": {"status": self.status, "body": self.body}}


def read_exchange(path: Path) -> Exchange:
    """The exchange recorded in ``path`` (see the module docstring for the format)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    response = data["response"]
    return Exchange(
        request=data.get("request", {}), status=int(response["status"]), body=response["body"]
    )


def recording_path(folder: Path, article: str, label: str) -> Path:
    """``folder/<article>.<label>.json``, with the article name made safe for a file name."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", article).strip("._") or "article"
    return folder / f"{safe}.{label}.json"


def write_exchange(path: Path, exchange: Exchange) -> None:
    """Write ``exchange`` as indented JSON, creating the folder; an old recording is replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(exchange.to_dict(), indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


class ReplayServer:
    """A local ``/v1/chat/completions`` that answers with recorded exchanges, in order.

    Parameters
    ----------
    exchanges
        Recordings (``Exchange`` or paths to recording files); the n-th POST
        gets the n-th response. Past the last one the server answers 500.

    Notes
    -----
    Use as a context manager: the server listens on an ephemeral port of
    127.0.0.1 in a daemon thread and is shut down on exit. ``base_url`` is
    what ``THEMELENS_LLM_BASE_URL`` should be; ``requests`` holds the JSON
    bodies received, for assertions.
    """

    def __init__(self, exchanges: Iterable[Exchange | Path]) -> None:
        self._queue = [e if isinstance(e, Exchange) else read_exchange(e) for e in exchanges]
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def _next(self, path: str, body: bytes) -> tuple[int, bytes]:
        with self._lock:
            self.paths.append(path)
            try:
                self.requests.append(json.loads(body))
            except ValueError:
                self.requests.append({"unparsed": body.decode("utf-8", "replace")})
            if not self._queue:
                return 500, b'{"error": {"message": "replay: no recording left"}}'
            exchange = self._queue.pop(0)
        return exchange.status, json.dumps(exchange.body).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, payload = replay._next(self.path, self.rfile.read(length))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return  # keep test output clean

        return Handler

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
