"""How long a command waits on remote sources before it calls them offline.

A network that accepts connections and never answers (a captive portal, a
firewall that swallows packets, a tarpit) is the worst case for a client:
nothing fails, so every retry, back-off and per-request time-out runs to its
end, provider after provider. Measured before this module: 21 attempts and
381 s before ``themelens rally baidu`` printed its one line.

A :class:`Deadline` is shared by every remote call of one command. It is a
budget of silence: the clock starts at the first remote call, every answer
(a frame, or a clear "no such symbol") winds it back to full, and once it
runs out it stays out, so each later call fails at once and the command ends
with the offline message. Counting silence rather than wall time is what
lets a healthy 40-ticker fetch run for minutes while a dead network is given
up on after ``seconds``.

Callers consult it in three places: a request's time-out is cut to what is
left (:meth:`Deadline.timeout`), a back-off that would outlast it is not
slept (:meth:`Deadline.wait`), and a blocking call a library gives no
time-out for runs on a worker thread that is abandoned when the deadline
passes (:meth:`Deadline.call`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final, ParamSpec, TypeVar

from themelens.config import remote_deadline_s

__all__ = [
    "DEFAULT_DEADLINE_S",
    "Deadline",
    "DeadlineExpired",
    "bounded",
    "current_deadline",
    "deadline_scope",
]

DEFAULT_DEADLINE_S: Final = 30.0
"""Seconds a command waits without any answer from its remote sources (``THEMELENS_REMOTE_DEADLINE``)."""

T = TypeVar("T")
P = ParamSpec("P")


class DeadlineExpired(TimeoutError):
    """No remote source answered within the command's deadline; callers raise ``OfflineError`` from it."""


class Deadline:
    """A budget of seconds without an answer, shared by one command's remote calls.

    Parameters
    ----------
    seconds
        How long the remote sources may stay silent, counted from the first
        call or the latest answer.
    clock
        Monotonic seconds; injected by tests.

    Notes
    -----
    Thread-safe: a call abandoned on its worker thread may still report an
    answer late, which is then ignored (the deadline has passed for good).
    Make one per command (``data.loading.make_provider`` does): a process that
    runs many, such as a server, needs a fresh one per run, as a spent
    deadline never recovers.
    """

    def __init__(self, seconds: float = DEFAULT_DEADLINE_S, *, clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        if not seconds > 0 or seconds == float("inf"):
            raise ValueError(f"deadline: seconds must be a positive number, got {seconds!r}")
        self.seconds = float(seconds)
        self._clock = clock
        self._since: float | None = None
        self._expired = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        if self._since is None and not self._expired:
            return f"Deadline({self.seconds:g} s, not started)"
        state = "expired" if self.expired else f"{self.remaining():.1f} s left"
        return f"Deadline({self.seconds:g} s, {state})"

    @property
    def expired(self) -> bool:
        """True once the budget ran out (it never comes back); looking does not start the clock."""
        with self._lock:
            if self._expired or self._since is None:
                return self._expired
        return self.remaining() <= 0

    def remaining(self) -> float:
        """Seconds left (0 when expired); the first look starts the clock."""
        with self._lock:
            if self._expired:
                return 0.0
            now = self._clock()
            if self._since is None:
                self._since = now
            left = self.seconds - (now - self._since)
            if left <= 0:
                self._expired = True
                return 0.0
            return left

    def answered(self) -> None:
        """A remote source answered: the budget is full again (unless it already ran out)."""
        with self._lock:
            if not self._expired:
                self._since = self._clock()

    def expire(self) -> None:
        """Spend the budget now (a caller saw the network is gone)."""
        with self._lock:
            self._expired = True

    def check(self) -> None:
        """Raise :class:`DeadlineExpired` when the budget has run out."""
        if self.remaining() <= 0:
            raise DeadlineExpired(f"no answer from any remote source within {self.seconds:g} s")

    def timeout(self, cap: float | None = None) -> float:
        """A request's time-out: ``cap`` cut to what is left; raises when nothing is."""
        self.check()
        left = self.remaining()
        return left if cap is None else min(cap, left)

    def wait(self, seconds: float, sleep: Callable[[float], object] = time.sleep) -> None:
        """Sleep ``seconds`` (a back-off), or raise :class:`DeadlineExpired` at once if that
        would outlast the budget: waiting past the deadline only to try once more would
        break its promise. The budget is left as it is (a back-off is not silence yet)."""
        if seconds >= self.remaining():
            raise DeadlineExpired(f"a wait of {seconds:g} s would outlast the {self.seconds:g} s deadline")  # fmt: skip
        sleep(seconds)

    def backed_off(self, seconds: float, sleep: Callable[[float], object] = time.sleep) -> bool:
        """:meth:`wait` for a retry: False (and no sleep) when the wait would outlast the budget."""
        try:
            self.wait(seconds, sleep)
        except DeadlineExpired:
            return False
        return True

    def call(self, fn: Callable[[], T], *, cap: float | None = None, name: str = "remote call") -> T:  # fmt: skip
        """``fn()``'s result (or what it raised), waiting at most ``cap`` seconds or what is left.

        ``fn`` runs on a daemon worker thread, so a library that sets no time-out
        of its own cannot hold the command: when the wait ends without a result
        the thread is abandoned (it cannot keep the process alive). A normal
        return counts as an answer. Raises :class:`DeadlineExpired` when the
        deadline passed first (it then stays passed), ``TimeoutError`` when ``cap`` did.
        """
        left = self.timeout()
        by_deadline = cap is None or left <= cap
        outcome: list[T] = []
        error: list[BaseException] = []

        def run() -> None:
            try:
                outcome.append(fn())
            except BaseException as exc:  # handed to the caller's thread below
                error.append(exc)

        worker = threading.Thread(target=run, name=name, daemon=True)
        worker.start()
        worker.join(left if by_deadline else cap)
        if error:
            raise error[0]
        if outcome:
            self.answered()
            return outcome[0]
        if by_deadline:
            self.expire()
            self.check()
        raise TimeoutError(f"no answer within {cap:g} s")


_CURRENT: ContextVar[Deadline | None] = ContextVar("themelens_deadline", default=None)


def current_deadline(seconds: float | None = None) -> Deadline:
    """The deadline of the command running (``deadline_scope``), so every remote source a
    command reaches (prices, FX, statements, flows) shares one budget without each caller
    handing it down; outside a scope, a fresh one of ``seconds`` (default
    ``THEMELENS_REMOTE_DEADLINE``)."""
    found = _CURRENT.get()
    if found is not None:
        return found
    return Deadline(seconds if seconds is not None else remote_deadline_s())


@contextmanager
def deadline_scope(deadline: Deadline) -> Iterator[Deadline]:
    """Make ``deadline`` the current one for the block (a command, a theme run)."""
    token = _CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)


def bounded(fn: Callable[P, T], name: str) -> Callable[P, T]:
    """``fn`` run under the current deadline (``Deadline.call``): for a library call that sets
    no time-out of its own. Expiry raises :class:`DeadlineExpired`, a ``TimeoutError``, which
    the providers' error sorting reads as offline."""

    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        return current_deadline().call(lambda: fn(*args, **kwargs), name=name)

    return call
