"""Fixtures for the watch: the recorded (synthetic) Yahoo answers, the issue 20 story as feed
items, and a watch wired to them through the real components (HTTP, DuckDB, verify)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from feedserver import FeedServer
from watchkit import STORY, replayed_sources

from themelens.config import Settings
from themelens.theme import Theme, load_theme
from themelens.watch import AlertSink, SteppedClock, Watch, WatchEvent, WatchOptions


@pytest.fixture(scope="session")
def theme() -> Theme:
    return load_theme("china-ai")


@pytest.fixture()
def feed(request: pytest.FixtureRequest) -> Iterator[tuple[FeedServer, SteppedClock]]:
    """A feed server on 127.0.0.1 whose items appear as a stepped clock passes their time."""
    start = getattr(request, "param", datetime(2025, 11, 20, 5, 0))
    clock = SteppedClock(start)
    with FeedServer(clock.now) as server:
        for item in STORY:
            server.add(item)
        yield server, clock


WatchFactory = Callable[..., tuple[Watch, list[WatchEvent]]]


@pytest.fixture()
def make_watch(tmp_path: Path, theme: Theme) -> WatchFactory:
    """``make_watch(feeds, clock, **options)``: a watch on ``tmp_path/watch.duckdb`` with the
    recordings as its price sources and ``tmp_path/alerts.jsonl`` as its alert file."""

    def make(
        feeds: tuple[str, ...],
        clock: SteppedClock,
        *,
        sink: AlertSink | None = None,
        on_event: Callable[[WatchEvent], None] | None = None,
        **opts: Any,
    ) -> tuple[Watch, list[WatchEvent]]:
        events: list[WatchEvent] = []

        def seen(event: WatchEvent) -> None:
            events.append(event)
            if on_event is not None:
                on_event(event)

        options = WatchOptions(feeds=feeds, **{"interval_s": 600.0, **opts})
        settings = Settings(db_path=tmp_path / "watch.duckdb", provider="yahoo")
        watch = Watch(
            settings,
            theme,
            options,
            clock=clock,
            alerts=sink or AlertSink(jsonl=tmp_path / "alerts.jsonl"),
            on_event=seen,
            **replayed_sources(),
        )
        return watch, events

    return make
