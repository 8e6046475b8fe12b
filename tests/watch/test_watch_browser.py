"""The live table in a real browser: the page fills from the API and follows it without a reload."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from fastapi import FastAPI

from themelens.watch.web import watch_router

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
T = TypeVar("T")


def _chromium_or_skip() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def _in_a_thread(work: Callable[[], T]) -> T:
    """Playwright's sync API refuses a thread with an asyncio loop (an earlier test in the same
    worker may have left one): the browser is driven from a thread of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result(timeout=120)


def _serve(db: Path) -> tuple[str, object]:
    import uvicorn

    app = FastAPI()
    app.include_router(watch_router(db, refresh_s=1))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def test_the_page_shows_new_claims_and_their_final_verdict_without_reloading(
    make_watch, feed
) -> None:
    _chromium_or_skip()
    server, clock = feed
    clock.advance(75 * 60)  # both session articles are out
    watch, _ = make_watch((server.url,), clock, cycles=1)
    watch.run()
    url, web = _serve(watch.settings.db_path)

    def after_the_close() -> None:
        clock.advance(125 * 60)  # the SMIC claim is checked again
        watch.cycle()

    def drive() -> tuple[str, bool, list[str]]:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                      "--disable-background-networking"],
            )  # fmt: skip
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url + "/watch")
            page.wait_for_function("document.body.innerText.includes('0981.HK')")
            first = page.inner_text("body")
            page.evaluate("window.__same_page = true")
            after_the_close()
            page.wait_for_function(
                "document.body.innerText.includes('supported_intraday')", timeout=10_000
            )
            same = bool(page.evaluate("window.__same_page"))
            browser.close()
            return first, same, errors

    try:
        first, same, errors = _in_a_thread(drive)
        assert "contradicted" in first  # the alert on the Alibaba article
        assert same  # refreshed in place, not reloaded
        assert errors == []
    finally:
        web.should_exit = True  # type: ignore[attr-defined]
        watch.close()
