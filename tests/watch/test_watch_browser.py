"""The live table in a real browser: the page fills from the API and follows it without a reload."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from themelens.watch.web import watch_router

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture()
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking"],
        )  # fmt: skip
        yield launched
        launched.close()


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
    browser, make_watch, feed
) -> None:
    server, clock = feed
    clock.advance(75 * 60)  # both session articles are out
    watch, _ = make_watch((server.url,), clock, cycles=1)
    watch.run()
    url, web = _serve(watch.settings.db_path)
    try:
        page = browser.new_page()  # type: ignore[attr-defined]
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "/watch")
        page.wait_for_function("document.body.innerText.includes('0981.HK')")
        assert "contradicted" in page.inner_text("body")  # the alert on the Alibaba article
        page.evaluate("window.__same_page = true")
        clock.advance(125 * 60)  # after the close: the SMIC claim is checked again
        watch.cycle()
        page.wait_for_function(
            "document.body.innerText.includes('supported_intraday')", timeout=10_000
        )
        assert page.evaluate("window.__same_page") is True  # refreshed in place, not reloaded
        assert errors == []
    finally:
        web.should_exit = True  # type: ignore[attr-defined]
        watch.close()
