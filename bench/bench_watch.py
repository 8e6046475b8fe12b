"""Benchmark: ``themelens watch`` — arrival-to-verdict latency, and a simulated day.

Run ``.venv/bin/python bench/bench_watch.py [--items 1000] [--hours 24] [--rounds 20]``.
Everything is real but the clock and the market: a feed server on 127.0.0.1 (the
tests' ``tests/watch/feedserver.py``), the recorded (synthetic) Yahoo answers of
``tests/recordings/yahoo_intraday`` replayed at the provider seam, the DuckDB store,
extraction and verify. The clock is a ``SteppedClock``: it moves only between cycles.

1. Latency: during the 2025-11-20 Hong Kong session, one new 5,000-character article
   a minute (claims about SMIC and Alibaba "today"); for each, the seconds from the
   poll that brought it answering to its verdicts and ledger line being stored
   (``watch_items.latency_s``), and that minus the price fetch (daily refresh and
   read, intraday bars fetched and stored: ``fetch_s``). Target: under 2 s without
   the fetch. The first articles warm the process up (imports, calendars) and are
   not counted.
2. A simulated day: ``--items`` articles published evenly over ``--hours`` hours,
   polled every 60 s (the feed shows its latest 30), with a restart (a new watch on
   the same store) half-way. Counted: items published, items ingested, duplicates
   (ledger rows, articles and "item" events beyond one per article), lost items,
   alerts (keys unique), bars stored, and the process's RSS every simulated hour
   (after the first hour: start, end, max). Target: no duplicate, none lost, RSS at
   the end within 10% of the start.

Exits 1 when a target is missed. A script, not a test.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import psutil
from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "watch"))

from feedserver import FeedServer, Item  # noqa: E402
from watchkit import query, replayed_sources  # noqa: E402

from themelens.config import Settings  # noqa: E402
from themelens.theme import load_theme  # noqa: E402
from themelens.watch import AlertSink, SteppedClock, Watch, WatchEvent, WatchOptions  # noqa: E402

TARGET_LATENCY_S = 2.0
TARGET_RSS = 0.10
SESSION = datetime(2025, 11, 20, 2, 0)  # 10:00 in Hong Kong

PARAGRAPH = (
    "Hong Kong's technology shares were in focus again as investors weighed Beijing's "
    "support for home-grown chips against worries about demand for cloud services. "
    "Traders said the moves in chipmakers and platform companies had been driven by fund "
    "flows into the sector rather than by news from any single company, and that the "
    "market would look to next week's earnings reports for a clearer signal. "
)


def article_text(n: int, *, chars: int) -> str:
    """A unique article of about ``chars`` characters with claims about SMIC and Alibaba."""
    smic = 5.0 + (n % 7) * 0.5
    baba = -3.0 + (n % 5)
    head = (
        f"HONG KONG (report {n}) - SMIC shares rose {smic:.1f}% on Thursday, while Alibaba "
        f"shares moved {baba:+.0f}% on Thursday in Hong Kong trading. "
    )
    body = (PARAGRAPH * (chars // len(PARAGRAPH) + 1))[: max(chars - len(head), 0)]
    return head + body


def make_watch(
    db: Path,
    feed: str,
    clock: SteppedClock,
    alerts: Path,
    on_event: Callable[[WatchEvent], None] = lambda e: None,
) -> Watch:
    settings = Settings(db_path=db, provider="yahoo")
    options = WatchOptions(feeds=(feed,), interval_s=60.0)
    return Watch(
        settings,
        load_theme("china-ai"),
        options,
        clock=clock,
        alerts=AlertSink(jsonl=alerts),
        on_event=on_event,
        **replayed_sources(),
    )


def bench_latency(rounds: int, warmup: int, tmp: Path) -> tuple[list[float], list[float]]:
    clock = SteppedClock(SESSION)
    with FeedServer(clock.now, keep=30) as server:
        watch = make_watch(tmp / "latency.duckdb", server.url, clock, tmp / "latency.jsonl")
        total, without = [], []
        for n in range(warmup + rounds):
            server.add(Item(f"Report {n}", article_text(n, chars=5000), clock.now(), f"https://wire.example/{n}"))  # fmt: skip
            watch.cycle()
            row = query(
                watch.settings.db_path,
                "SELECT latency_s, fetch_s FROM watch_items ORDER BY arrived_at DESC LIMIT 1",
            )[0]
            if n >= warmup:
                total.append(row[0])
                without.append(row[0] - row[1])
            clock.advance(60)
        watch.close()
    return total, without


def bench_day(items: int, hours: float, tmp: Path) -> dict[str, object]:
    start = datetime(2025, 11, 20, 0, 0)
    clock = SteppedClock(start)
    span = timedelta(hours=hours)
    step = span / items
    cycles = int(span / timedelta(seconds=60))
    db, alerts = tmp / "day.duckdb", tmp / "day.jsonl"
    events: dict[str, int] = {}
    process = psutil.Process()
    rss: list[tuple[float, int]] = []
    with FeedServer(clock.now, keep=30) as server:
        for n in range(items):
            published = start + step * n + timedelta(seconds=30)
            server.add(Item(f"Wire {n}", article_text(n, chars=900), published, f"https://wire.example/day/{n}"))  # fmt: skip

        def count(event: WatchEvent) -> None:  # "item" events per article
            if event.kind == "item":
                name = event.text.split(":", 1)[0]
                events[name] = events.get(name, 0) + 1

        watch = make_watch(db, server.url, clock, alerts, count)
        began = time.perf_counter()
        for cycle in range(cycles + 1):
            if cycle == cycles // 2:  # a restart half-way: a new watch on the same store
                watch.close()
                watch = make_watch(db, server.url, clock, alerts, count)
            watch.cycle()
            if cycle % 60 == 0:
                rss.append((cycle / 60, process.memory_info().rss))
            clock.advance(60)
        watch.close()
        wall = time.perf_counter() - began
    ledger, distinct = query(db, "SELECT count(*), count(DISTINCT article_id) FROM watch_items")[0]
    articles = query(db, "SELECT count(*) FROM articles")[0][0]
    bars, distinct_bars = query(
        db, 'SELECT count(*), count(DISTINCT (ticker, "interval", ts)) FROM intraday_bars'
    )[0]
    keys = [line.split('"key": "')[1].split('"')[0] for line in alerts.read_text().splitlines()] if alerts.exists() else []  # fmt: skip
    repeated = sum(n - 1 for n in events.values() if n > 1)
    after_first_hour = [r for h, r in rss if h >= 1]
    return {
        "items": items,
        "cycles": cycles + 1,
        "ingested": distinct,
        "duplicates": (ledger - distinct) + (articles - distinct) + repeated,
        "lost": items - distinct,
        "alerts": len(keys),
        "alert duplicates": len(keys) - len(set(keys)),
        "bars": bars,
        "bar duplicates": bars - distinct_bars,
        "rss start MiB": after_first_hour[0] / 2**20,
        "rss end MiB": after_first_hour[-1] / 2**20,
        "rss max MiB": max(after_first_hour) / 2**20,
        "rss hourly MiB": [round(r / 2**20) for _, r in rss],
        "wall s": wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.node()} {cpu_model()}, python {platform.python_version()}")
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        total, without = bench_latency(args.rounds, args.warmup, tmp)
        median, worst = statistics.median(without), max(without)
        print(
            f"latency, 5,000-character article, {len(total)} rounds: arrival to verdict "
            f"median {statistics.median(total):.3f} s (max {max(total):.3f} s); without the "
            f"price fetch median {median:.3f} s (max {worst:.3f} s); target < {TARGET_LATENCY_S} s"
        )
        failed |= worst >= TARGET_LATENCY_S
        day = bench_day(args.items, args.hours, tmp)
        for key, value in day.items():
            shown = f"{value:.1f}" if isinstance(value, float) else value
            print(f"  {key}: {shown}")
        growth = day["rss end MiB"] / day["rss start MiB"] - 1  # type: ignore[operator]
        print(
            f"simulated {args.hours:g} h, {args.items} items: {day['duplicates']} duplicates, "
            f"{day['lost']} lost, RSS {day['rss start MiB']:.0f} -> {day['rss end MiB']:.0f} MiB "
            f"({growth:+.1%}; target within {TARGET_RSS:.0%})"
        )
        failed |= bool(day["duplicates"] or day["lost"] or day["bar duplicates"])
        failed |= abs(growth) > TARGET_RSS
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
