"""The watch loop: poll the feeds, check each new item, re-check after the close, alert.

One cycle: every feed that is due is polled; each article the ledger does
not hold is checked whole (``check.Checker``) and finished in one
transaction (``state.WatchStore.finish_item``); claims due for the check
after their session's close are checked again; stored alerts not yet
delivered are delivered. Then the loop waits ``interval_s`` on its clock.

Stopping: ``request_stop`` (what SIGINT and SIGTERM call, through
``stop_on_signals``) sets an event the loop looks at between items and that
ends its wait, so it stops between two items with nothing half written. A
feed's validators (ETag) and read files are saved only once all its new
items are finished, so a restart polls it in full again and the ledger
drops what was done: no item is done twice, none is lost.

Memory stays flat: the articles already seen are remembered in a bounded
LRU set in front of the ledger, every store call opens and closes its
connection, and a remote deadline is made per cycle (a spent one never
recovers, and a watch outlives many network outages).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import FrameType
from typing import Final

from themelens.config import Settings
from themelens.data.deadline import Deadline, deadline_scope
from themelens.data.intraday import Interval, IntradayProvider
from themelens.data.loading import make_provider
from themelens.data.sources import PriceSource
from themelens.errors import InputError, ThemelensError
from themelens.news.article import Article
from themelens.pipeline.news import FundamentalsInputs
from themelens.theme import Theme
from themelens.verify import Tolerances
from themelens.watch.alerts import AlertSink, alerts_for
from themelens.watch.check import Checker
from themelens.watch.clock import Clock, SystemClock
from themelens.watch.feeds import FeedPoller, FeedSpec
from themelens.watch.model import EventKind, FeedState, ItemRecord, WatchEvent, WatchSummary
from themelens.watch.state import WatchStore

__all__ = ["SourceFactory", "Watch", "WatchOptions", "stop_on_signals"]

log = logging.getLogger(__name__)

SourceFactory = Callable[[Deadline], PriceSource]
IntradayFactory = Callable[[Deadline], IntradayProvider]

_QUIET_SAVE: Final = timedelta(minutes=10)


@dataclass(frozen=True)
class WatchOptions:
    """How the watch runs.

    ``feeds`` are URLs and folders; ``cycles`` None runs until stopped;
    ``interval_s`` is the wait between cycles (clock seconds); ``settle_s``
    how long after a session's close its claims are checked again;
    ``max_backoff_s`` the longest a failing feed is put off.
    """

    feeds: tuple[str, ...]
    interval_s: float = 60.0
    cycles: int | None = None
    bar_interval: Interval = "1m"
    settle_s: float = 1200.0
    max_backoff_s: float = 3600.0
    daily_refresh_s: float = 3600.0
    proxy: bool = True
    tolerances: Tolerances | None = None
    fundamentals: FundamentalsInputs | None = None
    seen_cache: int = 4096

    def __post_init__(self) -> None:
        if not self.feeds:
            raise InputError("no feeds: give --feed URL|FOLDER or list feeds: in the theme file")
        if not self.interval_s > 0:
            raise InputError(f"--interval {self.interval_s:g}: must be above 0 seconds")
        if self.cycles is not None and self.cycles < 1:
            raise InputError(f"--cycles {self.cycles}: must be at least 1")
        if self.settle_s < 0 or self.max_backoff_s <= 0:
            raise InputError("settle and backoff times must not be negative")


class _SeenIds:
    """The article ids met lately, at most ``size`` of them (the ledger holds the rest)."""

    def __init__(self, size: int) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def add(self, key: str) -> None:
        self._ids[key] = None
        self._ids.move_to_end(key)
        while len(self._ids) > self._size:
            self._ids.popitem(last=False)

    def __len__(self) -> int:
        return len(self._ids)


class Watch:
    """A theme's feeds watched: see the module docstring.

    Parameters
    ----------
    settings, theme, options
        The store, the theme its claims are read with, and how to run.
    clock
        ``SystemClock`` by default; tests and the bench pass a ``SteppedClock``.
    sources, intraday
        Build the daily price source and the intraday provider for one cycle
        from its deadline (defaults: ``make_provider`` and Yahoo).
    alerts
        Where alerts go (default: nowhere but the store).
    poller
        Polls the feeds (default ``FeedPoller`` backing off from ``interval_s``).
    on_event
        Called with each thing the user should see (the CLI prints it).
    """

    def __init__(
        self,
        settings: Settings,
        theme: Theme,
        options: WatchOptions,
        *,
        clock: Clock | None = None,
        sources: SourceFactory | None = None,
        intraday: IntradayFactory | None = None,
        alerts: AlertSink | None = None,
        poller: FeedPoller | None = None,
        on_event: Callable[[WatchEvent], None] | None = None,
    ) -> None:
        self.settings = settings
        self.theme = theme
        self.options = options
        self.clock: Clock = clock or SystemClock()
        self.stop = threading.Event()
        self.store = WatchStore(settings.db_path)
        self.checker = Checker(
            settings,
            theme,
            tolerances=options.tolerances,
            proxy=options.proxy,
            fundamentals=options.fundamentals,
            settle=timedelta(seconds=options.settle_s),
            daily_refresh=timedelta(seconds=options.daily_refresh_s),
        )
        self.specs = tuple({s.location: s for s in map(FeedSpec.parse, options.feeds)}.values())
        self._sources = sources or (lambda d: make_provider(settings, theme, deadline=d))
        interval = options.bar_interval
        self._intraday = intraday or (lambda d: IntradayProvider(interval=interval, deadline=d))
        self.alerts = alerts or AlertSink()
        self.poller = poller or FeedPoller(
            base_backoff_s=options.interval_s, max_backoff_s=options.max_backoff_s
        )
        self._on_event = on_event
        self._seen = _SeenIds(options.seen_cache)
        # what the store says, kept between cycles so an idle cycle reads nothing: the feeds'
        # states (saved on every change), when the next check after the close is due, and
        # whether an alert may be waiting (a previous run's, or one just stored)
        self._states: dict[str, FeedState] = {}
        self._stored: dict[str, FeedState] = {}
        self._recheck_due: datetime | None = None
        self._loaded = False
        self._undelivered = True

    def close(self) -> None:
        """Close the HTTP client of the default poller."""
        self.poller.close()

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request_stop(self) -> None:
        """Stop after the item in hand (safe from a signal handler)."""
        self.stop.set()

    def run(self) -> WatchSummary:
        """Cycle until ``options.cycles`` are done or a stop is requested."""
        summary = WatchSummary()
        while not self.stop.is_set():
            summary = self.cycle(summary)
            if self.options.cycles is not None and summary.cycles >= self.options.cycles:
                break
            if self.clock.wait(self.options.interval_s, self.stop):
                break
        self._flush()
        return replace(summary, stopped=self.stop.is_set())

    def cycle(self, summary: WatchSummary | None = None) -> WatchSummary:
        """One cycle (module docstring); returns ``summary`` with this cycle's counts added."""
        summary = summary or WatchSummary()
        deadline = Deadline(self.settings.remote_deadline_s)
        with deadline_scope(deadline):
            source, intraday = self._sources(deadline), self._intraday(deadline)
            if not self._loaded:
                with self.store.session(read_only=True):
                    self._states = self.store.feed_states([s.location for s in self.specs])
                    self._stored = dict(self._states)
                    self._recheck_due = self.store.next_recheck()
                self._loaded = True
            for spec in self.specs:
                if self.stop.is_set():
                    break
                summary = self._poll(spec, self._states[spec.location], source, intraday, summary)
            due = self._recheck_due
            if not self.stop.is_set() and due is not None and due <= self.clock.now():
                summary = self._rechecks(source, intraday, summary)
                self._recheck_due = self.store.next_recheck()
        if self._undelivered:
            self._deliver()
        return summary.plus(cycles=1)

    # --- feeds and items ---------------------------------------------------------

    def _poll(
        self,
        spec: FeedSpec,
        state: FeedState,
        source: PriceSource,
        intraday: IntradayProvider,
        summary: WatchSummary,
    ) -> WatchSummary:
        now = self.clock.now()
        if not state.due(now):
            return summary
        seen_files = self.store.seen_files(spec.location) if spec.kind == "folder" else None
        polled = self.poller.poll(spec, state, now=now, seen_files=seen_files)
        arrived, started = self.clock.now(), time.perf_counter()
        if not polled.ok:
            self._save(polled.state)
            retry = polled.state.retry_at
            when = f"; retrying at {retry:%Y-%m-%d %H:%M:%S} UTC" if retry else ""
            self._say("feed", f"{spec.location}: {polled.state.last_error} "
                      f"(failure {polled.state.failures} in a row){when}")  # fmt: skip
            return summary.plus(feed_failures=1)
        for failure in polled.failures:
            self._say("note", f"{spec.location}: {failure}")
        todo = self._new(polled.articles)
        done = 0
        for article in todo:
            if self.stop.is_set():
                break
            finished, summary = self._item(spec, article, arrived, started, source, intraday, summary)  # fmt: skip
            done += finished
        if done == len(todo):  # everything it brought is finished: its validators may be kept
            self._save(replace(polled.state, items=polled.state.items + done), polled.files)
        return summary

    def _save(self, state: FeedState, files: Sequence[tuple[str, int, int]] = ()) -> None:
        """Keep ``state``; store it unless it differs from the stored one only by quiet polls
        (those are stored every ten minutes of the clock, so an idle cycle writes nothing)."""
        self._states[state.feed] = state
        stored = self._stored.get(state.feed)
        quiet = (
            not files
            and stored is not None
            and stored.last_ok_at is not None
            and state.last_ok_at is not None
            and state.last_ok_at - stored.last_ok_at < _QUIET_SAVE
            and replace(stored, polls=state.polls, last_ok_at=state.last_ok_at) == state
        )
        if not quiet:
            self.store.save_feed(state, files)
            self._stored[state.feed] = state

    def _flush(self) -> None:
        """Store the feeds' states that only quiet polls changed since they were stored."""
        for feed, state in self._states.items():
            if self._stored.get(feed) != state:
                self.store.save_feed(state)
                self._stored[feed] = state

    def _new(self, articles: Sequence[Article]) -> list[Article]:
        """The articles neither the LRU nor the ledger has seen (each once, in feed order)."""
        fresh = list({a.id: a for a in articles if a.id not in self._seen}.values())
        known = self.store.known([a.id for a in fresh])
        for article_id in known:
            self._seen.add(article_id)
        return [a for a in fresh if a.id not in known]

    def _item(
        self,
        spec: FeedSpec,
        article: Article,
        arrived: datetime,
        started: float,
        source: PriceSource,
        intraday: IntradayProvider,
        summary: WatchSummary,
    ) -> tuple[bool, WatchSummary]:
        try:
            checked = self.checker.check(
                article, now=self.clock.now(), source=source, intraday=intraday
            )
            verified_at = self.clock.now()
            alerts = alerts_for(article, checked.rows, phase="first", at=verified_at)
            item = ItemRecord(
                article_id=article.id,
                feed=spec.location,
                name=article.name,
                title=article.title,
                origin=article.origin,
                published=article.published,
                arrived_at=arrived,
                verified_at=verified_at,
                claims=len(checked.rows),
                latency_s=time.perf_counter() - started,
                fetch_s=checked.fetch_s,
                recheck_at=checked.recheck_at,
                notes=checked.notes,
            )
            self.store.finish_item(item, checked.history, alerts)
            if item.recheck_at is not None:
                due = self._recheck_due
                self._recheck_due = item.recheck_at if due is None else min(due, item.recheck_at)
            self._undelivered = self._undelivered or bool(alerts)
        except Exception as exc:  # one item's fault (a store busy too long, an extractor bug)
            log.info("item %s failed", article.name, exc_info=True)
            reason = str(exc) if isinstance(exc, ThemelensError) else f"{type(exc).__name__}: {exc}"
            self._say("note", f"{article.name}: not checked, will retry: {reason}")
            return False, summary
        self._seen.add(article.id)
        for note in checked.notes:
            self._say("note", f"{article.name}: {note}")
        self._say("item", _describe(item, checked.rows))
        counts = {"items": 1, "claims": len(checked.rows), "alerts": len(alerts)}
        return True, summary.plus(
            **counts, bars_inserted=checked.bars.inserted, bars_updated=checked.bars.updated
        )

    # --- after the close -----------------------------------------------------------

    def _rechecks(
        self, source: PriceSource, intraday: IntradayProvider, summary: WatchSummary
    ) -> WatchSummary:
        for article_id in self.store.due_rechecks(self.clock.now()):
            if self.stop.is_set():
                break
            now = self.clock.now()
            try:
                checked = self.checker.recheck(
                    article_id, now=now, source=source, intraday=intraday
                )
                first = self.store.first_verdicts(article_id)
                alerts = alerts_for(
                    checked.article, checked.rows, phase="final", at=now, first=first
                )
                history = [h for h in checked.history if h.phase == "final"]
                self.store.finish_recheck(
                    article_id, now, history, alerts, again_at=checked.recheck_at
                )
                self._undelivered = self._undelivered or bool(alerts)
            except Exception as exc:
                log.info("re-check of %s failed", article_id, exc_info=True)
                reason = str(exc) if isinstance(exc, ThemelensError) else f"{type(exc).__name__}: {exc}"  # fmt: skip
                later = now + timedelta(seconds=max(self.options.settle_s, self.options.interval_s))
                self.store.finish_recheck(article_id, now, [], [], again_at=later)
                self._say("note", f"re-check of {article_id[:12]} failed, put off: {reason}")
                continue
            changed = sum(1 for i, h in enumerate(history) if first.get(i) != h.verdict)
            self._say(
                "recheck",
                f"{checked.article.name}: {len(history)} claims checked after the close, "
                f"{changed} verdicts changed",
            )
            summary = summary.plus(
                rechecks=1,
                alerts=len(alerts),
                bars_inserted=checked.bars.inserted,
                bars_updated=checked.bars.updated,
            )
        return summary

    def _deliver(self) -> None:
        payloads = self.store.undelivered()
        self._undelivered = False
        if not payloads:
            return
        delivered, problems = self.alerts.deliver(payloads)
        self.store.mark_delivered(delivered, self.clock.now())
        for problem in problems:
            self._say("note", problem)

    def _say(self, kind: EventKind, text: str) -> None:
        event = WatchEvent(kind, text, self.clock.now())
        if self._on_event is not None:
            self._on_event(event)
        else:
            log.info("%s: %s", kind, text)


def _describe(item: ItemRecord, rows: Sequence[object]) -> str:
    tally: dict[str, int] = {}
    for row in rows:
        verdict = str(getattr(row, "verdict", ""))
        tally[verdict] = tally.get(verdict, 0) + 1
    verdicts = ", ".join(f"{n} {v}" for v, n in sorted(tally.items())) or "no claims"
    later = f"; re-check at {item.recheck_at:%H:%M} UTC" if item.recheck_at else ""
    return f"{item.name}: {verdicts} ({item.latency_s:.2f} s){later}"


@contextmanager
def stop_on_signals(watch: Watch) -> Iterator[None]:
    """SIGINT and SIGTERM ask ``watch`` to stop between items, for the block's duration."""

    def handle(signum: int, frame: FrameType | None) -> None:
        watch.request_stop()

    before = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
