"""``themelens watch``: a theme's feeds polled, each new item's claims checked against the
tape as it is published, checked again after the close, contradictions alerted."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from themelens.cli._app import app
from themelens.cli._common import ProxyOpt, boundary, console, say
from themelens.cli._source import RUN_FLAGS, Source, source_options
from themelens.errors import InputError


class BarInterval(StrEnum):
    m1 = "1m"
    m5 = "5m"


_EVENT_COLOURS = {
    "item": "green",
    "recheck": "cyan",
    "feed": "red",
    "alert": "red",
    "note": "yellow",
}


@app.command()
@source_options(*RUN_FLAGS)
def watch(
    feeds: Annotated[
        list[str] | None,
        typer.Option(
            "--feed",
            metavar="URL|FOLDER",
            help="An RSS/Atom URL or a folder of articles to poll (repeatable; added to the "
            "theme's feeds:).",
        ),
    ] = None,
    interval: Annotated[
        float, typer.Option("--interval", help="Seconds between two polls of the feeds.")
    ] = 60.0,
    cycles: Annotated[
        int | None, typer.Option("--cycles", help="Stop after this many cycles (default: run).")
    ] = None,
    bars: Annotated[
        BarInterval, typer.Option("--bars", help="Intraday bars to capture and keep.")
    ] = BarInterval.m1,
    settle: Annotated[
        float,
        typer.Option(
            "--settle", help="Seconds after a session's close before its claims are re-checked."
        ),
    ] = 1200.0,
    alerts: Annotated[
        str | None,
        typer.Option(
            "--alerts",
            metavar="PATH|-",
            help="Append one JSON line per alert to this file ('-': stdout).",
        ),
    ] = None,
    webhook: Annotated[
        str | None, typer.Option("--webhook", help="POST each alert's JSON to this URL.")
    ] = None,
    max_backoff: Annotated[
        float,
        typer.Option(
            "--max-backoff", help="Longest wait, in seconds, before a failing feed is tried again."
        ),
    ] = 3600.0,
    proxy: ProxyOpt = True,
    prices_replay: Annotated[
        Path | None,
        typer.Option("--prices-replay", hidden=True, help="Daily bars from a recording (tests)."),
    ] = None,
    intraday_replay: Annotated[
        Path | None,
        typer.Option(
            "--intraday-replay", hidden=True, help="Intraday bars from a recording (tests)."
        ),
    ] = None,
    clock_start: Annotated[
        str | None,
        typer.Option(
            "--clock-start", hidden=True, help="Run the clock from this UTC time (tests)."
        ),
    ] = None,
    clock_speed: Annotated[
        float,
        typer.Option("--clock-speed", hidden=True, help="How much faster the clock runs (tests)."),
    ] = 1.0,
    *,
    source: Source,
) -> None:
    """Watch a theme's news: poll its feeds, check each new item's claims against the tape
    as it is published (capturing and storing the intraday bars they need), check them again
    after the session's close, and alert on contradicted or misdated claims. Stop with Ctrl-C
    (or SIGTERM): it finishes the item in hand, and a restart resumes where it stopped."""
    from themelens.pipeline.news import FundamentalsInputs
    from themelens.watch import AlertSink, Watch, WatchEvent, WatchOptions, stop_on_signals

    with boundary():
        settings, th = source.resolve()
        options = WatchOptions(
            feeds=(*th.feeds, *(feeds or ())),
            interval_s=interval,
            cycles=cycles,
            bar_interval="5m" if bars is BarInterval.m5 else "1m",
            settle_s=settle,
            max_backoff_s=max_backoff,
            proxy=proxy,
            fundamentals=None if prices_replay else FundamentalsInputs(),
        )

        def on_event(event: WatchEvent) -> None:
            say(event.kind, [event.text], color=_EVENT_COLOURS.get(event.kind, "yellow"))

        def on_alert(payload: dict[str, Any]) -> None:
            say("alert", [payload.get("line", payload.get("key"))], color="red")

        sink = AlertSink(
            jsonl=sys.stdout if alerts == "-" else (Path(alerts) if alerts else None),
            on_line=on_alert,
            webhook=webhook,
        )
        watcher = Watch(
            settings,
            th,
            options,
            clock=_clock(clock_start, clock_speed),
            sources=_replayed_prices(prices_replay),
            intraday=_replayed_bars(intraday_replay, options.bar_interval),
            alerts=sink,
            on_event=on_event,
        )
        console.err.print(
            f"watching {len(watcher.specs)} feeds for {th.name} every {interval:g} s "
            f"-> {settings.db_path} (Ctrl-C stops after the item in hand)",
            highlight=False,
            markup=False,
        )
        with watcher, stop_on_signals(watcher):
            summary = watcher.run()
        console.err.print(summary.line(), highlight=False, markup=False)


def _clock(start: str | None, speed: float) -> Any:
    from themelens.watch import AcceleratedClock, SystemClock

    if start is None:
        return SystemClock()
    try:
        moment = datetime.fromisoformat(start)
    except ValueError:
        raise InputError(f"--clock-start {start}: not an ISO date and time") from None
    if not speed > 0:
        raise InputError(f"--clock-speed {speed:g}: must be above 0")
    return AcceleratedClock(moment, speed=speed)


def _replayed_prices(directory: Path | None) -> Any:
    if directory is None:
        return None
    from themelens.data.providers.yahoo import YahooProvider, replay_fetch
    from themelens.data.sources import SingleProvider

    fetch = replay_fetch(directory)
    return lambda deadline: SingleProvider(YahooProvider(fetch=fetch, deadline=deadline))


def _replayed_bars(directory: Path | None, interval: Any) -> Any:
    if directory is None:
        return None
    from themelens.data.intraday import IntradayProvider, replay_intraday

    fetch = replay_intraday(directory)
    return lambda deadline: IntradayProvider(interval=interval, fetch=fetch, deadline=deadline)
