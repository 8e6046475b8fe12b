"""One DuckDB file shared by short-lived connections, across processes and threads.

Why it looks the way it does
----------------------------
DuckDB supports one writing process per file, and a file being written
cannot be opened by another process at all. Its own lock is not enough to
share a file between processes that each open, write, commit and close:
DuckDB reads the file's headers (its first 12 KB) before it takes that lock,
so a process opening the file while another checkpoints can start from a
stale header. Issue 16 measured it: six ``news add`` and one ``prices
fetch`` on one store lost a few committed claims in most runs, every
process exiting 0, and a plain DuckDB script with the same pattern fails
with "Could not read enough bytes from file".

So every connection is opened under an OS lock of our own, ``flock`` on the
sibling file ``<db>.lock``, held from before DuckDB opens the file until
after it has closed it: exclusive for a writable connection, shared for a
read-only one, so readers in several processes still run together. A
process that dies (even ``kill -9``) drops its lock with its open files.
A waiter blocks in the kernel (on a helper thread, to keep the deadline), so
it gets the lock as soon as it is free.

* Nothing keeps a connection: each operation opens one, works in a single
  short transaction and closes it, so other processes take turns.
* Waiting (for the lock file, or for DuckDB's own lock when a process that
  does not use ours holds the file) goes on until ``lock_timeout_s`` has
  passed, then raises a one-line ``StoreError`` naming the file.
* Tables are made on a writable connection, once per file and process.
* ``flock`` locks belong to an open file, so two threads would lock each
  other out; within a process one ``_PathLock`` per file coordinates the
  threads instead (readers share, a writer is alone, a thread may nest
  connections, and a read nested in its own write uses the writable
  connection, as DuckDB refuses two configurations of one file in a process).
* A store that cannot be written (a read-only file or folder) is still read:
  reads open it read-only, and when the lock file cannot be created they
  take the shared lock on the database file itself (no writer can use a
  folder it cannot create the WAL in). Writes fail with a ``StoreError``.

Every DuckDB or OS error becomes a one-line ``StoreError`` naming the file
(``raise ... from exc``). The price cache (``data.store``), the article
store (``news.store``) and the run store (``pipeline.runs``) sit on this;
each brings its own schema.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final, Literal

import duckdb

from themelens.errors import StoreError

__all__ = ["DuckDBFile"]

_LOCK_MESSAGE: Final = "Could not set lock"
_LOCK_SUFFIX: Final = ".lock"

_Mode = Literal["shared", "exclusive"]


class DuckDBFile:
    """A DuckDB database file whose tables are created from ``schema`` on first open.

    Parameters
    ----------
    path
        The file; missing parent folders are created. A bad path or a file
        that is not a DuckDB database fails here, not at first use.
    schema
        ``CREATE TABLE IF NOT EXISTS ...`` statements, run on the first
        writable connection of each instance (a read-only store is read as it is).
    lock_timeout_s
        How long to wait for another process (or thread) to release the file.

    Notes
    -----
    ``lock_path`` (``<path>.lock``) is created beside the file and never
    removed: removing a lock file while another process waits on it would
    let two processes hold "the" lock at once.
    """

    def __init__(self, path: Path, *, schema: str, lock_timeout_s: float = 30.0) -> None:
        self.path = Path(path).expanduser()
        self.schema = schema
        self.lock_timeout_s = lock_timeout_s
        self._has_schema = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder: {exc.strerror or exc}", path=self.path
            ) from exc
        # beside the real file, so paths through different symlinks share one lock
        self.lock_path = Path(os.path.realpath(self.path) + _LOCK_SUFFIX)
        self._lock = _PathLock.of(self.path, self.lock_path)
        if self._lock.has_schema(self.schema):
            self._has_schema = True  # this process made these tables in this very file
            return
        with self.connect(read_only=self.path.exists() and not self.writable()):
            pass  # opening creates the tables, or checks a read-only file is a database

    def writable(self) -> bool:
        """Whether this process may write the file and create files beside it (the WAL)."""
        folder = self.path.parent
        if not os.access(folder, os.W_OK | os.X_OK):
            return False
        return not self.path.exists() or os.access(self.path, os.W_OK)

    @contextlib.contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """One operation's connection, under the file's lock; errors -> StoreError.

        ``read_only`` connections share the lock with other readers; the others
        hold it alone. A missing file is created (a new store reads as empty).
        """
        deadline = time.monotonic() + self.lock_timeout_s
        fresh = not self.path.exists()
        mode: _Mode = "shared" if read_only and not fresh else "exclusive"
        if mode == "exclusive" and not self.writable():
            raise StoreError("read-only (the file or its folder cannot be written)", path=self.path)
        held = self._lock.acquire(mode, deadline=deadline, timeout_s=self.lock_timeout_s)
        try:
            con = self._open(read_only=held == "shared", fresh=fresh, deadline=deadline)
            try:
                yield con
            except duckdb.Error as exc:
                raise StoreError(self._describe(exc), path=self.path) from exc
            finally:
                con.close()
        finally:
            self._lock.release()

    def _describe(self, exc: duckdb.Error) -> str:
        """DuckDB's message on one line, minus its class prefix and the path StoreError adds."""
        text = " ".join(str(exc).split())
        if "not a valid DuckDB database file" in text:
            return "not a DuckDB database file (it holds something else or is corrupt)"
        text = text.replace(f'"{self.path}"', "the file")
        return re.sub(r"^[A-Za-z ]+ Error: ", "", text)

    def _open(self, *, read_only: bool, fresh: bool, deadline: float) -> duckdb.DuckDBPyConnection:
        """Connect, retrying while a process that does not take our lock holds DuckDB's."""
        delay = 0.005
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as exc:
                if _LOCK_MESSAGE not in str(exc):
                    raise StoreError(self._describe(exc), path=self.path) from exc
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreError(
                        f"locked by another process for more than {self.lock_timeout_s:g} s",
                        path=self.path,
                    ) from exc
                time.sleep(min(remaining, delay * random.uniform(0.5, 1.5)))
                delay = min(delay * 2, 0.1)
                continue
            except duckdb.Error as exc:
                raise StoreError(self._describe(exc), path=self.path) from exc
            if not read_only and (fresh or not self._has_schema):
                try:
                    con.execute(self.schema)
                except duckdb.Error as exc:
                    con.close()
                    raise StoreError(self._describe(exc), path=self.path) from exc
                self._has_schema = True
                self._lock.add_schema(self.schema)
            return con


class _PathLock:
    """One database file's lock in this process: which threads hold it, how, and the OS lock.

    The OS lock (``flock`` on one open file) is taken when the first thread
    comes in and dropped when the last leaves; in between, readers join a
    shared hold (unless a writer waits, so readers cannot starve it) and a
    thread may nest connections. There is one instance per file and process
    (``of``), so two stores on one file coordinate.
    """

    def __init__(self, path: Path, lock_path: Path) -> None:
        self.path = path
        self.lock_path = lock_path
        self.fd: int | None = None
        self._cond = threading.Condition()
        self._mode: _Mode | None = None
        self._depth: dict[int, int] = {}  # thread id -> nested holds
        self._taking = False  # a thread is waiting for the OS lock
        self._writers_waiting = 0
        self._schemas: set[tuple[int, int, str]] = set()  # (device, inode, schema) made here

    def has_schema(self, schema: str) -> bool:
        """Whether this process ran ``schema`` on the file now at ``path`` (not one since replaced)."""
        key = self._schema_key(schema)
        with self._cond:
            return key is not None and key in self._schemas

    def add_schema(self, schema: str) -> None:
        key = self._schema_key(schema)
        if key is not None:
            with self._cond:
                self._schemas.add(key)

    def _schema_key(self, schema: str) -> tuple[int, int, str] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino, schema

    @staticmethod
    def of(path: Path, lock_path: Path) -> _PathLock:
        return _REGISTRY.get(path, lock_path)

    def acquire(self, mode: _Mode, *, deadline: float, timeout_s: float) -> _Mode:
        """Hold the lock in ``mode`` (or more); returns the mode the connection should open in."""
        me = threading.get_ident()
        with self._cond:
            if me in self._depth:  # nested in this thread's own connection
                if mode == "exclusive" and self._mode == "shared":
                    raise StoreError("a write inside a read of the file", path=self.path)
                self._depth[me] += 1
                assert self._mode is not None
                return self._mode
            self._wait_turn(mode, deadline, timeout_s)
            if self._mode is not None:  # join the other readers
                self._depth[me] = 1
                return mode
            self._taking = True
        try:
            fd = _take_os_lock(self.path, self.lock_path, mode, deadline, timeout_s)
        except BaseException:
            with self._cond:
                self._taking = False
                self._cond.notify_all()
            raise
        with self._cond:
            self._taking = False
            self._mode, self.fd, self._depth[me] = mode, fd, 1
            self._cond.notify_all()
        return mode

    def _wait_turn(self, mode: _Mode, deadline: float, timeout_s: float) -> None:
        """Wait (holding ``_cond``) until this thread may take the lock or join the readers."""
        writer = mode == "exclusive"
        self._writers_waiting += writer
        try:
            while True:
                if not self._taking and (
                    self._mode is None
                    or (self._mode == mode == "shared" and not self._writers_waiting)
                ):
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreError(
                        f"locked by another thread for more than {timeout_s:g} s", path=self.path
                    )
                self._cond.wait(remaining)
        finally:
            self._writers_waiting -= writer

    def release(self) -> None:
        me = threading.get_ident()
        with self._cond:
            self._depth[me] -= 1
            if self._depth[me]:
                return
            del self._depth[me]
            if self._depth:
                return
            fd, self.fd, self._mode = self.fd, None, None
            if fd is not None:
                try:  # unlock explicitly: a forked child may still hold a copy of fd
                    fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)
            self._cond.notify_all()


class _Registry:
    """The ``_PathLock`` of each file this process opened, keyed by its real path."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, _PathLock] = {}

    def get(self, path: Path, lock_path: Path) -> _PathLock:
        key = os.path.realpath(path)
        with self._lock:
            found = self._locks.get(key)
            if found is None:
                found = self._locks[key] = _PathLock(path, lock_path)
            return found

    def forget_in_child(self) -> None:
        """After ``fork``: the parent's holds and threads are not this process's.

        The copies of the parent's lock descriptors are closed (closing a
        copy leaves the parent's lock in place); the locks start afresh.
        """
        for held in self._locks.values():
            if held.fd is not None:
                with contextlib.suppress(OSError):
                    os.close(held.fd)
        self._lock = threading.Lock()
        self._locks = {}


_REGISTRY: Final = _Registry()
os.register_at_fork(after_in_child=_REGISTRY.forget_in_child)


def _take_os_lock(
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
