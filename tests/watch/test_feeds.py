"""Polling feeds: conditional GET against a local server, backoff on failure, folders."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from feedserver import FeedServer, Item
from watchkit import STORY

from themelens.watch import FeedPoller, FeedSpec, FeedState, SteppedClock

T0 = datetime(2025, 11, 20, 6, 30)


def test_specs_tell_urls_from_folders(tmp_path: Path) -> None:
    assert FeedSpec.parse(" https://x.example/rss ") == FeedSpec("https://x.example/rss", "url")
    assert FeedSpec.parse(str(tmp_path)).kind == "folder"


def test_an_unchanged_feed_costs_a_304() -> None:
    clock = SteppedClock(T0)
    with FeedServer(clock.now) as server, FeedPoller() as poller:
        for item in STORY[:2]:
            server.add(item)
        first = poller.poll(FeedSpec.parse(server.url), FeedState(server.url), now=T0)
        assert first.ok and not first.not_modified
        assert {a.origin for a in first.articles} == {i.link for i in STORY[:2]}
        assert first.state.etag and first.state.polls == 1 and first.state.last_ok_at == T0
        again = poller.poll(FeedSpec.parse(server.url), first.state, now=T0)
        assert again.ok and again.not_modified and again.articles == ()
        server.add(
            Item("More", "HONG KONG - Tencent shares rose 1% on Thursday.", T0, "https://w/3")
        )
        grown = poller.poll(FeedSpec.parse(server.url), again.state, now=T0)
        assert len(grown.articles) == 3 and grown.state.etag != first.state.etag
    assert [status for _, status in server.requests] == [200, 304, 200]


def test_failures_back_off_doubling_up_to_the_cap() -> None:
    clock = SteppedClock(T0)
    with (
        FeedServer(clock.now) as server,
        FeedPoller(base_backoff_s=60, max_backoff_s=300) as poller,
    ):
        server.fail_next(5, 500)
        state = FeedState(server.url)
        waits = []
        for _ in range(5):
            polled = poller.poll(FeedSpec.parse(server.url), state, now=T0)
            assert not polled.ok and polled.state.last_error == "HTTP 500 Internal Server Error"
            state = polled.state
            assert state.retry_at is not None
            waits.append((state.retry_at - T0).total_seconds())
        assert waits == [60, 120, 240, 300, 300] and state.failures == 5
        assert not state.due(T0) and state.due(T0 + timedelta(seconds=300))
        back = poller.poll(FeedSpec.parse(server.url), state, now=T0)
        assert back.ok and back.state.failures == 0 and back.state.retry_at is None


def test_an_unreachable_feed_is_a_failure_with_the_reason() -> None:
    with FeedPoller(timeout_s=2) as poller:
        url = "http://127.0.0.1:9/feed.xml"
        polled = poller.poll(FeedSpec.parse(url), FeedState(url), now=T0)
    assert not polled.ok and "ConnectError" in (polled.state.last_error or "")


def test_a_page_that_is_not_a_feed_is_a_failure(tmp_path: Path) -> None:
    clock = SteppedClock(T0)
    with FeedServer(clock.now) as server, FeedPoller() as poller:
        url = server.url.replace("/feed.xml", "/missing")
        polled = poller.poll(FeedSpec.parse(url), FeedState(url), now=T0)
    assert not polled.ok and polled.state.last_error == "HTTP 404 Not Found"


def test_an_empty_feed_is_not_a_failure() -> None:
    clock = SteppedClock(T0)
    with FeedServer(clock.now) as server, FeedPoller() as poller:
        polled = poller.poll(FeedSpec.parse(server.url), FeedState(server.url), now=T0)
    assert polled.ok and polled.articles == () and polled.failures == ()


def test_a_folder_gives_new_and_changed_files_once(tmp_path: Path) -> None:
    old = time.time() - 60
    first = tmp_path / "a.txt"
    first.write_text("HONG KONG - SMIC shares rose 2% on Thursday.\n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("HONG KONG - hidden 1%.\n", encoding="utf-8")
    (tmp_path / "notes.csv").write_text("a,b\n", encoding="utf-8")
    for path in tmp_path.iterdir():
        os.utime(path, (old, old))
    spec = FeedSpec.parse(str(tmp_path))
    with FeedPoller() as poller:
        polled = poller.poll(spec, FeedState(spec.location), now=T0, seen_files={})
        assert [a.name for a in polled.articles] == ["a"]
        seen = {p: (m, s) for p, m, s in polled.files}
        assert list(seen) == [str(first)]
        assert poller.poll(spec, polled.state, now=T0, seen_files=seen).articles == ()
        # a changed file is read again; one written this instant waits for the next poll
        first.write_text("HONG KONG - SMIC shares rose 3% on Thursday.\n", encoding="utf-8")
        os.utime(first, (old + 30, old + 30))
        (tmp_path / "b.md").write_text("HONG KONG - Baidu rose 1% on Thursday.\n", encoding="utf-8")
        later = poller.poll(spec, polled.state, now=T0, seen_files=seen)
        assert [a.name for a in later.articles] == ["a"]
        assert "3%" in later.articles[0].text


def test_a_missing_folder_is_a_failure(tmp_path: Path) -> None:
    spec = FeedSpec.parse(str(tmp_path / "nope"))
    with FeedPoller() as poller:
        polled = poller.poll(spec, FeedState(spec.location), now=T0, seen_files={})
    assert not polled.ok and "cannot list folder" in (polled.state.last_error or "")
