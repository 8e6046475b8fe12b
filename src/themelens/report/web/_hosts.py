"""Which ``Host`` headers the app answers, so a page elsewhere cannot read the store (DNS rebinding)."""

from __future__ import annotations

import socket
from collections.abc import Collection

from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HostCheck", "allowed_hosts"]


def allowed_hosts(host: str, port: int) -> tuple[str, ...]:
    """The ``Host`` header values a server listening on ``host:port`` answers.

    Loopback names always; the listening address when it is a name or an
    address; for a wildcard (``0.0.0.0``, ``::``) this machine's host name,
    its fully qualified name and their addresses. Each with ``:port``, and
    also bare when ``port`` is 80 (browsers leave the default port out).
    """
    names = {"127.0.0.1", "localhost", "[::1]"}
    if host in ("0.0.0.0", "::", ""):
        for name in {socket.gethostname(), socket.getfqdn()}:
            names.add(name)
            try:
                infos = socket.getaddrinfo(name, port, proto=socket.IPPROTO_TCP)
            except OSError:
                continue
            names.update(str(info[4][0]) for info in infos)
    else:
        names.add(host)
    bracketed = {f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names}
    hosts = {f"{n.lower()}:{port}" for n in bracketed}
    if port == 80:
        hosts |= {n.lower() for n in bracketed}
    return tuple(sorted(hosts))


class HostCheck:
    """ASGI middleware: 400 unless the ``Host`` header is one of ``hosts`` exactly."""

    def __init__(self, app: ASGIApp, hosts: Collection[str]) -> None:
        self.app = app
        self.hosts = frozenset(h.lower() for h in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = next((v for k, v in scope["headers"] if k == b"host"), b"")
            if host.decode("latin-1").lower() not in self.hosts:
                response = Response("Invalid host header", status_code=400, media_type="text/plain")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
