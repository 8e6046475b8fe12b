"""Fixtures for report tests: a demo report built once, a browser when Debian's chromium exists."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from themelens.cli.report import demo_articles
from themelens.config import resolve_settings
from themelens.pipeline.model import ThemeRun
from themelens.pipeline.run import run_theme
from themelens.theme import load_theme

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EVIL_ARTICLE = """date: 2025-09-18
source: <script>alert(1)</script> Daily
title: <script>alert(1)</script> Baidu extends gains

Baidu shares rose 3% on Thursday <script>alert(1)</script> as the rally went on.
"""


@pytest.fixture(scope="session")
def articles_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged demo articles plus one whose title, source and body carry a script tag."""
    folder = tmp_path_factory.mktemp("articles")
    for path in demo_articles():
        shutil.copy(path, folder)
    (folder / "evil.txt").write_text(EVIL_ARTICLE, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store") / "demo.duckdb"


@pytest.fixture(scope="session")
def demo_context(articles_dir: Path, demo_db: Path) -> ThemeRun:
    settings = resolve_settings(db=demo_db, demo=True)
    return run_theme(settings, load_theme(), articles=[str(articles_dir)])


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """A Playwright chromium browser (Debian's binary), or a skip saying why not."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def served(
    demo_context: ThemeRun, demo_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``themelens serve`` in a subprocess on a free loopback port, over the store the demo run wrote."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "THEMELENS_DB": str(demo_db)}
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "themelens", "serve", "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"serve exited early:\n{log.read_text()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail(f"serve did not listen within 60 s:\n{log.read_text()}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
