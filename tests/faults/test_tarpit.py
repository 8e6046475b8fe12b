"""A network that accepts connections and never answers: the command gives up at its deadline.

Measured before the deadline (issue 16, item 6): with such a network,
``themelens rally baidu --asof 2025-09-17`` made 21 attempts over 381 s before
its one line. Here a real tarpit (a local TCP server that accepts and never
sends a byte) stands in for the network: the CLI runs in a subprocess with
every proxy variable pointing at it, so yfinance (curl_cffi) and AkShare
(requests) both send their first bytes into it, and the test checks that they
did. The deadline is set to 3 s; the command must print one offline line
within the deadline (plus slack) of its first connection. Timing starts at
that connection rather than at the start of the process, whose imports take
seconds on a loaded machine and are no part of the deadline.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

DEADLINE_S = 3.0
SLACK_S = 4.0
"""Thread hand-off, the route's second provider failing at once, printing and exiting."""


class Tarpit:
    """A TCP server on 127.0.0.1 that accepts every connection and never answers."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.port: int = self._server.getsockname()[1]
        self.accepted: list[float] = []  # time.monotonic() of each connection
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="tarpit", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(time.monotonic())
            self._held.append(conn)  # held open, never read from or written to

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self._held:
            conn.close()
        self._server.close()


@pytest.fixture()
def tarpit() -> Iterator[Tarpit]:
    pit = Tarpit()
    try:
        yield pit
    finally:
        pit.close()


def run_cli(pit: Tarpit, tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:  # fmt: skip
    """Run ``themelens *args`` with every proxy at the tarpit; the result and when it ended."""
    proxy = f"http://127.0.0.1:{pit.port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("THEMELENS_")}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[name] = env[name.lower()] = proxy
    env["NO_PROXY"] = env["no_proxy"] = "localhost"  # not 127.0.0.1: that is the proxy itself
    env |= {
        "THEMELENS_DB": str(tmp_path / "cache.duckdb"),
        "THEMELENS_REMOTE_DEADLINE": str(DEADLINE_S),
        "COLUMNS": "200",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "themelens", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # the 381 s it used to take would fail here, not hang the suite
        check=False,
    )
    return proc, time.monotonic()


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("rally", "baidu", "--asof", "2025-09-17"),  # auto: the theme's routes (yahoo first)
        ("rally", "HSTECH.HK", "--provider", "akshare", "--asof", "2025-09-17"),
    ],
    ids=["auto-yahoo", "akshare"],
)
def test_a_dead_network_costs_one_deadline_then_one_offline_line(
    tarpit: Tarpit, tmp_path: Path, args: tuple[str, ...]
) -> None:
    started = time.monotonic()
    proc, ended = run_cli(tarpit, tmp_path, *args)
    assert tarpit.accepted, f"nothing reached the tarpit; stderr: {proc.stderr!r}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:")
    assert "offline" in lines[0] and f"no answer within {DEADLINE_S:g} s" in lines[0]
    waited = ended - tarpit.accepted[0]
    assert waited < DEADLINE_S + SLACK_S, f"{waited:.1f} s after the first connection"
    assert len(tarpit.accepted) <= 3  # not one attempt per retry, provider and fallback
    assert ended - started < 60
