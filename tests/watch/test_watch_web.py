"""The live table: ``/api/watch`` follows a running watch, ``/watch`` polls it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from themelens.watch.web import WATCH_PATHS, watch_router


def _client(db: Path) -> TestClient:
    app = FastAPI()
    app.include_router(watch_router(db, refresh_s=2))
    return TestClient(app)


def test_the_api_follows_the_watch_through_the_close(make_watch, feed) -> None:
    server, clock = feed
    clock.advance(75 * 60)  # 06:15: both session articles are out
    watch, _ = make_watch((server.url,), clock, cycles=1)
    watch.run()
    client = _client(watch.settings.db_path)

    during = client.get("/api/watch").json()
    assert during["counts"] == {"items": 2, "claims": 2, "rechecks_pending": 2, "alerts": 1}
    rows = {r["article"]: r for r in during["claims"]}
    smic = rows["smic-surges-on-chip-hopes"]
    assert (smic["ticker"], smic["asof"], smic["entity"], smic["value"]) == ("0981.HK", "2025-11-20", "smic", "8.0")  # fmt: skip
    assert (smic["first_verdict"], smic["first_tape"]) == ("supported", "intraday to 06:15 UTC")
    assert smic["final_verdict"] is None and smic["first_at"] == "2025-11-20T06:15:00Z"
    [alert] = during["alerts"]
    assert (alert["article"], alert["verdict"]) == ("alibaba-slips", "contradicted")
    assert alert["delivered_at"] == "2025-11-20T06:15:00Z"
    assert during["feeds"][0]["feed"] == server.url and during["feeds"][0]["items"] == 2

    clock.advance(125 * 60)  # 08:20, twenty minutes after the close
    watch.cycle()
    after = client.get("/api/watch").json()
    smic = {r["article"]: r for r in after["claims"]}["smic-surges-on-chip-hopes"]
    assert (smic["first_verdict"], smic["final_verdict"]) == ("supported", "supported_intraday")
    assert smic["final_at"] == "2025-11-20T08:20:00Z" and after["counts"]["rechecks_pending"] == 0
    watch.close()


def test_the_page_polls_the_api_and_writes_text_not_html(tmp_path: Path) -> None:
    page = _client(tmp_path / "empty.duckdb").get("/watch")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert 'fetch("/api/watch"' in html and "setInterval(refresh, every)" in html
    assert "const every = 2000;" in html
    assert "textContent" in html and "innerHTML" not in html
    assert WATCH_PATHS == ("/watch", "/api/watch")


def test_an_empty_store_answers_empty_tables(tmp_path: Path) -> None:
    body = _client(tmp_path / "new.duckdb").get("/api/watch").json()
    assert body["claims"] == [] and body["alerts"] == [] and body["feeds"] == []
    assert body["counts"]["items"] == 0


def test_a_broken_store_is_a_503_with_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"this is not a database" * 100)
    answer = _client(broken).get("/api/watch")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert "not a DuckDB database file" in answer.json()["error"]
    assert "\n" not in answer.json()["error"]
