"""The watch run for a bounded number of cycles against real components: a feed server on
127.0.0.1 gaining items as a stepped clock passes their time, the recorded Yahoo answers
replayed at the provider seam, the real DuckDB store, extraction and verify.

The story (tests/recordings/yahoo_intraday): on 2025-11-20 SMIC is +7.9% at 14:05 Hong Kong
time and closes +5.7% (high +8.2%); Alibaba closes +2.0%; SMIC moved +0.4% on the 19th.
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from feedserver import FeedServer
from watchkit import query

from themelens.watch import AlertSink, SteppedClock, WatchEvent

CYCLES_TO_9_10 = 26  # 05:00 to 09:10 UTC, every 10 minutes


def _history(db: Path) -> dict[tuple[str, str], tuple[str, datetime, str | None]]:
    rows = query(
        db,
        "SELECT i.name, v.phase, v.verdict, v.checked_at, v.tape FROM watch_verdicts v "
        "JOIN watch_items i USING (article_id)",
    )
    return {(name, phase): (verdict, at, tape) for name, phase, verdict, at, tape in rows}


def _alerts(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_session_watched_from_1pm_to_after_the_close(make_watch, feed, tmp_path) -> None:
    server, clock = feed
    watch, events = make_watch((server.url,), clock, cycles=CYCLES_TO_9_10)
    summary = watch.run()
    db = watch.settings.db_path

    assert (summary.cycles, summary.items, summary.claims, summary.rechecks) == (26, 3, 3, 2)
    assert not summary.stopped and summary.feed_failures == 0
    # every item once: in the ledger, in the article store, each with its one claim
    arrived = query(db, "SELECT name, arrived_at FROM watch_items ORDER BY arrived_at, name")
    assert [(name, f"{at:%H:%M}") for name, at in arrived] == [
        ("alibaba-slips", "06:10"),
        ("smic-surges-on-chip-hopes", "06:10"),
        ("smics-wednesday", "09:00"),
    ]
    assert query(db, "SELECT count(*), count(DISTINCT id) FROM articles") == [(3, 3)]

    history = _history(db)
    # written at 14:05, seen at the 14:10 poll: the tape to 14:10 showed about +7.9%
    first = history[("smic-surges-on-chip-hopes", "first")]
    assert first[0] == "supported"
    assert first[1] == datetime(2025, 11, 20, 6, 10)
    assert first[2] == "intraday to 06:10 UTC"
    # checked again 20 minutes after the 16:00 close: +5.7%, the day's high +8.2%
    final = history[("smic-surges-on-chip-hopes", "final")]
    assert final[:2] == ("supported_intraday", datetime(2025, 11, 20, 8, 20))
    # Alibaba's -3% was wrong during the session and stayed wrong
    assert history[("alibaba-slips", "first")][0] == "contradicted"
    assert history[("alibaba-slips", "final")][0] == "contradicted"
    # an article after the close about the day before: its first verdict is final
    late_first, late_final = history[("smics-wednesday", "first")], history[("smics-wednesday", "final")]  # fmt: skip
    assert late_first[0] == late_final[0] == "misdated"
    assert late_first[1] == late_final[1] == datetime(2025, 11, 20, 9, 0)

    # alerts: one JSON line each, for the contradicted and the misdated claim
    alerts = _alerts(tmp_path / "alerts.jsonl")
    assert sorted((a["article"], a["verdict"], a["phase"]) for a in alerts) == [
        ("alibaba-slips", "contradicted", "first"),
        ("smics-wednesday", "misdated", "first"),
    ]
    assert all(a["ticker"] in {"9988.HK", "0981.HK"} and a["line"] for a in alerts)
    assert [e.kind for e in events].count("item") == 3

    # the tape kept: each claimed session's 330 minute bars, once, with their provenance
    sessions = query(
        db,
        "SELECT ticker, CAST(session AS VARCHAR), count(*), count(DISTINCT ts), min(provider), "
        "min(source) FROM intraday_bars GROUP BY ALL ORDER BY ALL",
    )
    assert [(t, s, n, d) for t, s, n, d, _, _ in sessions] == [
        ("0981.HK", "2025-11-19", 330, 330),
        ("0981.HK", "2025-11-20", 330, 330),
        ("9988.HK", "2025-11-20", 330, 330),
    ]
    assert all(p == "yahoo" and "interval=1m" in src for *_, p, src in sessions)
    assert summary.bars_inserted == 990
    # conditional GET: an unchanged feed answered 304 and was not parsed again
    statuses = [status for _, status in server.requests]
    assert statuses.count(304) >= 20 and statuses.count(200) >= 3


def test_latency_is_recorded_per_item(make_watch, feed) -> None:
    server, clock = feed
    watch, _ = make_watch((server.url,), clock, cycles=8)  # to 06:10: two items
    watch.run()
    rows = query(watch.settings.db_path, "SELECT latency_s, fetch_s, arrived_at, verified_at FROM watch_items")  # fmt: skip
    assert len(rows) == 2
    for latency, fetch, arrived, verified in rows:
        assert 0 <= fetch <= latency < 60
        assert arrived <= verified


def test_a_stop_between_items_resumes_with_nothing_twice(make_watch, tmp_path) -> None:
    clock = SteppedClock(datetime(2025, 11, 20, 6, 15))  # both session articles are out
    from watchkit import STORY

    with FeedServer(clock.now) as server:
        for item in STORY:
            server.add(item)
        holder: list[object] = []

        def stop_after_first(event: WatchEvent) -> None:
            if event.kind == "item":
                holder[0].request_stop()  # type: ignore[attr-defined]

        first, _ = make_watch((server.url,), clock, on_event=stop_after_first)
        holder.append(first)
        stopped = first.run()
        db = first.settings.db_path
        assert stopped.stopped and stopped.items == 1
        assert query(db, "SELECT count(*) FROM watch_items") == [(1,)]
        # the feed's ETag is not kept while an item it brought is unfinished
        assert first.store.feed_states([server.url])[server.url].etag is None
        bars_before = query(db, "SELECT count(*) FROM intraday_bars")[0][0]
        first.close()

        again, _ = make_watch((server.url,), clock, cycles=19)  # 06:15 to 09:15
        resumed = again.run()
        again.close()

    assert resumed.items == 2 and not resumed.stopped
    assert query(db, "SELECT count(*), count(DISTINCT article_id) FROM watch_items") == [(3, 3)]
    assert query(db, "SELECT count(*) FROM articles") == [(3,)]
    keys = [a["key"] for a in _alerts(tmp_path / "alerts.jsonl")]
    assert len(keys) == len(set(keys)) == 2
    total, distinct = query(
        db, 'SELECT count(*), count(DISTINCT (ticker, "interval", ts)) FROM intraday_bars'
    )[0]
    assert total == distinct == 990
    assert resumed.bars_inserted == total - bars_before  # nothing stored twice


def test_a_failing_feed_backs_off_while_the_others_go_on(make_watch, feed, tmp_path) -> None:
    server, clock = feed
    clock.advance(75 * 60)  # 06:15
    folder = tmp_path / "drop"
    folder.mkdir()
    article = folder / "baba-up.txt"
    article.write_text(
        "date: 2025-11-20\n\nHONG KONG - Alibaba shares rose 2% on Thursday.\n", encoding="utf-8"
    )
    os.utime(article, (time.time() - 60, time.time() - 60))  # written a minute ago
    server.fail_next(3, 503)
    watch, events = make_watch((server.url, str(folder)), clock, cycles=9, interval_s=600)
    summary = watch.run()
    watch.close()

    failures = [e for e in events if e.kind == "feed"]
    assert [e.at.strftime("%H:%M") for e in failures] == ["06:15", "06:25", "06:45"]
    assert all("HTTP 503" in e.text for e in failures)
    assert "failure 3 in a row" in failures[-1].text and "retrying at 2025-11-20 07:25" in failures[-1].text  # fmt: skip
    assert summary.feed_failures == 3
    # the folder's article was checked in the very first cycle, beside the failure
    items = [e for e in events if e.kind == "item"]
    assert items[0].at.strftime("%H:%M") == "06:15" and items[0].text.startswith("baba-up")
    # back at 07:25 (10, 20, 40 minutes apart), the feed's two session articles came in
    assert [e.at.strftime("%H:%M") for e in items[1:]] == ["07:25", "07:25"]
    state = watch.store.feed_states([server.url])[server.url]
    assert state.failures == 0 and state.last_error is None and state.etag


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def webhook() -> object:
    _Hook.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", _Hook.received
    httpd.shutdown()
    httpd.server_close()


def test_alerts_are_posted_to_a_webhook(make_watch, feed, tmp_path, webhook) -> None:
    url, received = webhook
    server, clock = feed
    clock.advance(75 * 60)
    sink = AlertSink(jsonl=tmp_path / "alerts.jsonl", webhook=url)
    watch, _ = make_watch((server.url,), clock, sink=sink, cycles=1)
    watch.run()
    watch.close()
    assert [(a["article"], a["verdict"]) for a in received] == [("alibaba-slips", "contradicted")]
    assert received == _alerts(tmp_path / "alerts.jsonl")


def test_a_dead_webhook_is_reported_not_fatal(make_watch, feed, tmp_path) -> None:
    server, clock = feed
    clock.advance(75 * 60)
    sink = AlertSink(
        jsonl=tmp_path / "alerts.jsonl", webhook="http://127.0.0.1:9/hook", timeout_s=2
    )
    watch, events = make_watch((server.url,), clock, sink=sink, cycles=1)
    summary = watch.run()
    watch.close()
    assert summary.items == 2 and summary.alerts == 1
    notes = [e.text for e in events if e.kind == "note" and "webhook" in e.text]
    assert len(notes) == 1 and "ConnectError" in notes[0]
    assert len(_alerts(tmp_path / "alerts.jsonl")) == 1  # still written, and marked delivered
    assert watch.store.undelivered() == []
