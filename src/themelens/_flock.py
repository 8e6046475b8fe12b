"""``flock`` on a store's lock file, waited for in the kernel until a deadline.

The OS half of ``duckdb_file``'s lock: which file to lock (the ``<db>.lock``
beside the store, or the store itself for a reader of a read-only folder),
and a blocking wait that its caller can abandon at the deadline.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Literal

from themelens.errors import StoreError

__all__ = ["take_os_lock"]

_Mode = Literal["shared", "exclusive"]


def take_os_lock(
    path: Path, lock_path: Path, mode: _Mode, deadline: float, timeout_s: float
) -> int:
    """An open descriptor holding ``flock`` in ``mode``; waits in the kernel until ``deadline``.

    Waiting in a blocking ``flock`` (on a helper thread, so the deadline holds)
    rather than polling matters under load: the kernel wakes a waiter the
    moment the lock is free, where a poller asleep between tries loses the
    lock again and again to a process that writes in a loop.
    """
    fd = _open_lock_file(path, lock_path, mode)
    operation = fcntl.LOCK_SH if mode == "shared" else fcntl.LOCK_EX
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        pass  # held elsewhere: wait below
    except OSError as exc:
        os.close(fd)
        raise StoreError(f"cannot lock {lock_path.name}: {exc.strerror or exc}", path=path) from exc
    except BaseException:
        os.close(fd)
        raise
    if _BlockingLock(fd, operation).wait(deadline - time.monotonic(), path=path):
        return fd
    raise StoreError(f"locked by another process for more than {timeout_s:g} s", path=path)


class _BlockingLock:
    """``flock(fd, operation)`` on a daemon thread, so its caller can stop waiting at a deadline.

    A caller that gives up hands ``fd`` over: the thread closes it once its
    ``flock`` returns, unlocking at once if it got the lock after all.
    """

    def __init__(self, fd: int, operation: int) -> None:
        self._fd = fd
        self._operation = operation
        self._guard = threading.Lock()
        self._done = threading.Event()
        self._abandoned = False
        self._error: OSError | None = None
        threading.Thread(target=self._run, name="themelens-store-lock", daemon=True).start()

    def _run(self) -> None:
        try:
            fcntl.flock(self._fd, self._operation)
        except OSError as exc:
            self._error = exc
        with self._guard:
            self._done.set()
            if self._abandoned:
                self._close()

    def _close(self) -> None:
        with contextlib.suppress(OSError):
            if self._error is None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)

    def wait(self, timeout: float, *, path: Path) -> bool:
        """True once locked; False at the timeout (``fd`` is then the thread's to close)."""
        try:
            self._done.wait(max(timeout, 0.0))
        except BaseException:  # interrupted: let go of the lock, now or when it comes
            if not self._give_up():
                self._close()
            raise
        if self._give_up():
            return False
        if self._error is not None:
            os.close(self._fd)
            raise StoreError(f"cannot lock: {self._error.strerror or self._error}", path=path)
        return True

    def _give_up(self) -> bool:
        """Hand ``fd`` to the thread if it is still waiting (True); else it is done (False)."""
        with self._guard:
            self._abandoned = not self._done.is_set()
            return self._abandoned


def _open_lock_file(path: Path, lock_path: Path, mode: _Mode) -> int:
    """The lock file, created if need be; for a reader of a read-only folder, the database file.

    ``flock`` works on a descriptor opened read-only, so a lock file made by
    another user is still usable.
    """
    flags = os.O_CLOEXEC
    try:
        return os.open(lock_path, os.O_RDWR | os.O_CREAT | flags, 0o666)
    except OSError as exc:
        first = exc
    try:
        return os.open(lock_path, os.O_RDONLY | flags)
    except OSError:
        pass
    if mode == "shared":
        try:  # a folder no one can create files in has no writer to wait for
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            pass
    raise StoreError(
        f"cannot create the lock file {lock_path.name}: {first.strerror or first}", path=path
    ) from first
