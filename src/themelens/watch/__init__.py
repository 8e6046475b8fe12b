"""``themelens watch``: a theme's news checked as it is published, with the intraday tape kept.

A long-running loop (``Watch``) polls the theme's feeds (RSS/Atom URLs and
folders), checks each new item once (content hash) against daily bars
completed from the intraday bars it captures and stores
(``data.intraday``), checks the claims again after their session's close
and keeps each claim's verdict history, and raises alerts for contradicted
and misdated claims. ``docs/watch.md`` describes it; ``watch.web`` serves its
live table.

Modules: ``loop`` (the cycle, stopping), ``feeds`` (polling, backoff),
``check`` (one item), ``tape`` (daily bars completed from intraday bars),
``state`` (the ``watch_*`` tables), ``alerts``, ``clock``, ``model``, ``web``.
"""

from __future__ import annotations

from themelens.watch.alerts import AlertSink, alerts_for
from themelens.watch.check import Checked, Checker
from themelens.watch.clock import AcceleratedClock, Clock, SteppedClock, SystemClock
from themelens.watch.feeds import FeedPoller, FeedSpec, Polled
from themelens.watch.loop import SourceFactory, Watch, WatchOptions, stop_on_signals
from themelens.watch.model import (
    ALERT_VERDICTS,
    Alert,
    FeedState,
    HistoryRow,
    ItemRecord,
    WatchEvent,
    WatchSummary,
)
from themelens.watch.state import WatchStore
from themelens.watch.tape import complete_tape

__all__ = [
    "ALERT_VERDICTS",
    "AcceleratedClock",
    "Alert",
    "AlertSink",
    "Checked",
    "Checker",
    "Clock",
    "FeedPoller",
    "FeedSpec",
    "FeedState",
    "HistoryRow",
    "ItemRecord",
    "Polled",
    "SourceFactory",
    "SteppedClock",
    "SystemClock",
    "Watch",
    "WatchEvent",
    "WatchOptions",
    "WatchStore",
    "WatchSummary",
    "alerts_for",
    "complete_tape",
    "stop_on_signals",
]
