"""Shared fixtures: paths to ../shared material (skipping when absent) and temp stores."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

# The user's cache folder (the default store, the step cache, the sealing key) is the
# test session's own, so a test never reads or leaves anything in the real one.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="themelens-tests-cache-")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_PRICES = SHARED / "data" / "prices"


@pytest.fixture(scope="session")
def shared_prices_dir() -> Path:
    """The real yfinance price files in ../shared/data/prices; skips when absent."""
    if not SHARED_PRICES.is_dir():
        pytest.skip(f"../shared/data/prices not found at {SHARED_PRICES}")
    return SHARED_PRICES


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    """A fresh DuckDB path under tmp_path (the file does not exist yet)."""
    return tmp_path / "cache.duckdb"


def _resolves(host: str) -> bool:
    try:
        socket.getaddrinfo(host, 443)
    except OSError:
        return False
    return True


@pytest.fixture()
def resolves() -> Callable[[str], bool]:
    """``resolves(host)``: whether ``host`` has an address here (live tests skip when not)."""
    return _resolves


_DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens, so a connection is refused


@pytest.fixture(autouse=True)
def no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside ``network``-marked tests, outbound HTTP fails at once, as it does offline.

    A machine with a firewall that drops packets (rather than refusing them)
    would otherwise make a test that reaches a live source by mistake hang
    for minutes; with every request sent to a closed local proxy it fails in
    milliseconds, the same way on every machine. requests, urllib and
    libcurl (yfinance, AkShare's Baidu calls) all honour these variables;
    local servers (``127.0.0.1``, ``localhost``) are exempt.
    """
    if request.node.get_closest_marker("network") is not None:
        return
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):  # fmt: skip
        monkeypatch.setenv(name, _DEAD_PROXY)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost,::1")
