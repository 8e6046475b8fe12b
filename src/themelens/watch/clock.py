"""The watch's clock: what time it is, and how it waits.

The loop never calls ``datetime.now`` or ``time.sleep`` itself; it asks a
``Clock``. ``SystemClock`` is the real one. ``SteppedClock`` stands still
until the loop waits, then jumps by the wait, so a test or the bench runs a
simulated day in seconds and every verdict time is exactly reproducible.
``AcceleratedClock`` runs from a chosen start at a multiple of real time
(a subprocess test, a demo replaying a past session).

Every wait takes the loop's stop event: a signal that sets it ends the wait
at once, whichever clock runs.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["AcceleratedClock", "Clock", "SteppedClock", "SystemClock", "utcnow"]


def utcnow() -> datetime:
    """Now in naive UTC, as every stored time."""
    return datetime.now(UTC).replace(tzinfo=None)


class Clock(Protocol):
    """What time it is (naive UTC) and a wait that a stop event can cut short."""

    def now(self) -> datetime: ...

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Wait ``seconds`` of this clock's time; True when ``stop`` was set meanwhile."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return utcnow()

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(max(seconds, 0.0))

    def __repr__(self) -> str:
        return "SystemClock()"


class SteppedClock:
    """A clock that moves only when waited on: ``wait(s)`` returns at once, ``s`` later.

    Parameters
    ----------
    start
        The first ``now()`` (naive UTC, or aware and converted).
    """

    def __init__(self, start: datetime) -> None:
        self._now = _naive_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        if stop.is_set():
            return True
        self.advance(max(seconds, 0.0))
        return False

    def __repr__(self) -> str:
        return f"SteppedClock({self.now().isoformat()})"


class AcceleratedClock:
    """Time from ``start``, running ``speed`` times faster than the real clock."""

    def __init__(self, start: datetime, *, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be above 0, got {speed!r}")
        self._start = _naive_utc(start)
        self._t0 = time.monotonic()
        self.speed = speed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(max(seconds, 0.0) / self.speed)

    def __repr__(self) -> str:
        return f"AcceleratedClock(x{self.speed:g}, now {self.now().isoformat()})"


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment
