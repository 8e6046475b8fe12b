"""The web app under stress: foreign Host headers, a busy or read-only store, hostile names, caching."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from fastapi.testclient import TestClient

from themelens.pipeline.model import ThemeRun
from themelens.pipeline.stored import RunReader
from themelens.report.html import render_report, script_json
from themelens.report.web import _pages, allowed_hosts, create_app
from themelens.report.web._cache import Pages

HOSTILE = "<!--<script>"
"""An entity name that, embedded raw in the figures' <script>, broke every chart on the page."""


def _copy_store(db: Path, folder: Path) -> Path:
    for suffix in ("", ".wal"):
        if Path(f"{db}{suffix}").exists():
            shutil.copy(f"{db}{suffix}", folder / f"copy.duckdb{suffix}")
    return folder / "copy.duckdb"


def _app(reader: RunReader, **kwargs: Any) -> TestClient:
    """The app as ``serve`` builds it, on ``reader`` (raising nothing out of the app)."""
    app = create_app(reader.load, reader.runs, **kwargs)
    return TestClient(app, raise_server_exceptions=False)


# --- Host header (DNS rebinding) ---------------------------------------------------------


def test_only_the_hosts_it_listens_on_are_answered(demo_context: ThemeRun) -> None:
    app = create_app(lambda run=None: demo_context, hosts=allowed_hosts("127.0.0.1", 8000))
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    assert client.get("/api/claims").status_code == 200
    for good in ("localhost:8000", "LOCALHOST:8000", "127.0.0.1:8000", "[::1]:8000"):
        assert client.get("/api/claims", headers={"host": good}).status_code == 200, good
    for bad in ("evil.example:8000", "evil.example", "127.0.0.1", "127.0.0.1:8001", "", "a b"):
        response = client.get("/api/claims", headers={"host": bad})
        assert response.status_code == 400, bad
        assert response.text == "Invalid host header"


def test_allowed_hosts_follow_the_listening_address() -> None:
    assert "myhost.lan:9000" in allowed_hosts("myhost.lan", 9000)
    assert "[::1]:9000" in allowed_hosts("::1", 9000)
    on_80 = allowed_hosts("127.0.0.1", 80)
    assert "localhost" in on_80 and "localhost:80" in on_80  # browsers drop the default port
    import socket

    assert f"{socket.gethostname().lower()}:9000" in allowed_hosts("0.0.0.0", 9000)
    assert "evil.example:9000" not in allowed_hosts("0.0.0.0", 9000)


def test_serve_turns_away_a_rebound_host(served: str) -> None:
    port = served.rsplit(":", 1)[1]
    assert httpx.get(served + "/api/claims").status_code == 200
    response = httpx.get(served + "/api/claims", headers={"Host": f"attacker.example:{port}"})
    assert response.status_code == 400


# --- a busy store -------------------------------------------------------------------------

_HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])  # a writer: no other process may open the file now
con.execute("CREATE TABLE IF NOT EXISTS hold (x INTEGER)")
con.execute("INSERT INTO hold VALUES (1)")  # the file changes, so readers must look again
print("locked", flush=True)
sys.stdin.read()
con.close()
"""


def test_a_locked_store_is_a_page_from_memory_or_a_503_never_a_500(
    demo_db: Path, demo_context: ThemeRun, tmp_path: Path
) -> None:
    db = _copy_store(demo_db, tmp_path)
    client = _app(RunReader(db, demo_context.theme.name, lock_timeout_s=0.3))
    before = client.get("/")
    assert before.status_code == 200 and 'id="stale-notice"' not in before.text
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
        # shown before: the same page again, saying it is from memory
        stale = client.get("/")
        assert stale.status_code == 200 and 'id="stale-notice"' in stale.text
        assert "locked by another process" in stale.text
        assert stale.headers["retry-after"] == "5"
        # never shown: 503 with Retry-After, one line, no traceback
        for path in ("/claims", "/entity/baidu", "/runs"):
            busy = client.get(path)
            assert busy.status_code == 503, path
            assert busy.headers["retry-after"] == "5"
            assert "locked by another process" in busy.text and "Traceback" not in busy.text
            # a page of the app: its navigation, the entities of the run it showed before
            assert '<a href="/runs">' in busy.text and 'href="/entity/baidu"' in busy.text
        api = client.get("/api/claims")
        assert api.status_code == 503 and "locked" in api.json()["error"]
    finally:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
    after = client.get("/claims")
    assert after.status_code == 200 and 'id="stale-notice"' not in after.text


# --- a read-only store ---------------------------------------------------------------------


@pytest.fixture()
def read_only_store(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo store with mode 444. Root ignores the mode, so for root the file
    looks as it does to anyone else: ``os.access`` says it cannot be written and a writable
    ``duckdb.connect`` of it fails (EACCES)."""
    db = _copy_store(demo_db, tmp_path)
    db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    if os.geteuid() == 0:
        real_connect, real_access = duckdb.connect, os.access

        def connect(database: Any = ":memory:", read_only: bool = False, **kw: Any) -> Any:
            if not read_only and Path(str(database)) == db:
                raise duckdb.IOException(f'IO Error: Cannot open file "{db}": Permission denied')
            return real_connect(database, read_only=read_only, **kw)

        def access(path: Any, mode: int, **kw: Any) -> bool:
            if mode & os.W_OK and Path(os.fsdecode(path)) == db:
                return False
            return real_access(path, mode, **kw)

        monkeypatch.setattr(duckdb, "connect", connect)
        monkeypatch.setattr(os, "access", access)
    return db


def test_a_read_only_store_is_listed_and_served(
    read_only_store: Path, demo_context: ThemeRun
) -> None:
    client = _app(RunReader(read_only_store, demo_context.theme.name))
    for path in ("/", "/runs", "/claims", "/entity/baidu", "/api/claims"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
    assert demo_context.run_id and demo_context.run_id in client.get("/runs").text


# --- names that are markup ------------------------------------------------------------------


def _hostile(ctx: ThemeRun) -> ThemeRun:
    roles = {t: (s, HOSTILE if s == "baidu" else n, r) for t, (s, n, r) in ctx.roles.items()}
    return replace(ctx, roles=roles)


def test_embedded_json_escapes_every_way_out_of_a_script() -> None:
    text = script_json({"name": "<!--<script></script>&-->"})
    assert not re.search(r"[<>&]", text)
    assert json.loads(text) == {"name": "<!--<script></script>&-->"}


def test_a_markup_entity_name_stays_inside_the_figures(demo_context: ThemeRun) -> None:
    html = render_report(_hostile(demo_context))
    figures = html.split('<script type="application/json" id="figures">')[1].split("</script>")[0]
    assert "<" not in figures and HOSTILE in json.dumps(json.loads(figures), ensure_ascii=False)
    assert html.count("<script") == 3  # plotly, the figures and the page's own


def test_a_markup_entity_name_breaks_no_chart_in_a_browser(
    chromium: Any, demo_context: ThemeRun, tmp_path: Path
) -> None:
    page_file = tmp_path / "hostile.html"
    page_file.write_text(render_report(_hostile(demo_context)), encoding="utf-8")
    page = chromium.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    charts = page.locator("div.chart")
    assert charts.count() >= 2
    for i in range(charts.count()):
        assert charts.nth(i).locator("svg.main-svg").count() >= 1
    assert HOSTILE in page.locator("#leaders").inner_text()
    assert errors == []


# --- pages from memory ----------------------------------------------------------------------


def test_a_page_is_rendered_once_per_run(
    demo_context: ThemeRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    renders: list[str | None] = []

    def counting(ctx: ThemeRun, **kw: Any) -> str:
        renders.append(ctx.run_id)
        return render_report(ctx, **kw)

    monkeypatch.setattr(_pages, "render_report", counting)
    current = {"ctx": demo_context}
    client = TestClient(create_app(lambda run=None: current["ctx"]))
    first = [client.get("/").text for _ in range(5)]
    assert renders == [demo_context.run_id] and len(set(first)) == 1
    current["ctx"] = replace(demo_context, run_id="0123456789ab")  # a new run is stored
    assert "run 0123456789ab" in client.get("/").text
    assert renders == [demo_context.run_id, "0123456789ab"]


def test_the_page_memory_is_bounded() -> None:
    pages = Pages(runs=2, per_run=3)
    for run in ("a", "b", "c"):
        for i in range(5):
            pages.put(run, (str(i),), run.encode() * 10)
    assert pages.get("a", ("4",)) is None  # oldest run gone
    assert pages.get("b", ("1",)) is None and pages.get("b", ("4",)) == b"b" * 10
    assert pages.get("c", ("2",)) is not None and pages.get("c", ("1",)) is None


def test_an_unknown_run_is_404_and_plotly_is_served_once(
    demo_db: Path, demo_context: ThemeRun, tmp_path: Path
) -> None:
    client = _app(RunReader(_copy_store(demo_db, tmp_path), demo_context.theme.name))
    assert client.get("/?run=ffffffffffff").status_code == 404
    unknown = client.get("/api/claims?run=ffffffffffff")
    assert unknown.status_code == 404 and "ffffffffffff" in unknown.json()["error"]
    malformed = client.get("/api/claims?run=nope")  # not a run id at all
    assert malformed.status_code == 400 and "'nope'" in malformed.json()["error"]
    page = client.get("/").text
    src = re.search(r'<script src="([^"]+)"></script>', page)
    assert src is not None and len(page) < len(render_report(demo_context))
    script = client.get(src.group(1))
    assert script.status_code == 200 and "max-age" in script.headers["cache-control"]
    assert script.text.startswith("/**") or "Plotly" in script.text[:5000]
