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
A waiter blocks in the kernel (on a helper thread, to keep the deadline, in
``_flock``), so it gets the lock as soon as it is free.

* Nothing keeps a connection for long: each operation opens one, works in a
  single short transaction and closes it, so other processes take turns.
* A command doing many operations in a row holds one ``session()``: one
  connection under the lock that every ``connect()`` of that thread on that
  file reuses (any store on the file), instead of one open, checkpoint and
  close each (12 to 40 ms apiece; issue 18 measured 60 to 72 % of ``news
  add`` and ``verify`` in them). A session holds the lock for as long as it
  lasts, so commands keep it to a batch of store work and never hold it over
  computation or the network: ``news add`` and ``verify`` take one session to
  store the articles and read what they can reuse, extract outside the lock,
  and store the claims in a few batches (each its own short connection and
  transaction), so another process waits a batch at most, never a run.
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
from typing import ClassVar, Final, Literal

import duckdb

from themelens._flock import take_os_lock
from themelens.errors import StoreError

__all__ = ["DuckDBFile", "TableStore"]

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
        held = self._lock.session()
        if held is not None and held[1] == "shared":
            return  # inside this thread's read session: the tables come with the first write
        with self.connect(read_only=self.path.exists() and not self.writable()):
            pass  # opening creates the tables, or checks a read-only file is a database

    @staticmethod
    def connections_opened() -> int:
        """DuckDB connections this process has opened on store files so far (every file).

        A cheap counter for tests and benchmarks: a command's count should not
        grow with the number of articles it handles.
        """
        return _OPENED.value

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
        joined = self._lock.session()
        if joined is not None:  # this thread's session on the file: its connection
            con = self._in_session(joined, read_only=read_only)
            try:
                yield con
            except duckdb.Error as exc:
                raise StoreError(self._describe(exc), path=self.path) from exc
            return
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

    @contextlib.contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """One connection, under the file's lock, for every operation of this block.

        Every ``connect()`` on this file made by this thread inside the block
        (from any ``DuckDBFile`` or store on it) gets this connection rather
        than opening one; each operation still commits its own transaction.
        The lock is held until the block ends, so keep it to store work: other
        processes and threads wait for it. A read-only session refuses writes;
        sessions nest (the inner one joins the outer).
        """
        held = self._lock.session()
        if held is not None:
            with self.connect(read_only=read_only) as con:  # joins, or refuses a write in a read
                yield con
            return
        with self.connect(read_only=read_only) as con:
            mode: _Mode = "shared" if self._lock.mode_of_holder() == "shared" else "exclusive"
            self._lock.begin_session(con, mode)
            try:
                yield con
            finally:
                self._lock.end_session()

    def _in_session(
        self, held: tuple[duckdb.DuckDBPyConnection, _Mode], *, read_only: bool
    ) -> duckdb.DuckDBPyConnection:
        con, mode = held
        if read_only:
            return con
        if mode == "shared":
            raise StoreError("a write inside a read of the file", path=self.path)
        if not self._has_schema:
            try:
                con.execute(self.schema)
            except duckdb.Error as exc:
                raise StoreError(self._describe(exc), path=self.path) from exc
            self._has_schema = True
            self._lock.add_schema(self.schema)
        return con

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
                _OPENED.add()
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
        self._sessions: dict[int, tuple[duckdb.DuckDBPyConnection, _Mode]] = {}  # thread id ->

    def session(self) -> tuple[duckdb.DuckDBPyConnection, _Mode] | None:
        """The connection and mode of this thread's session on the file, if it holds one."""
        with self._cond:
            return self._sessions.get(threading.get_ident())

    def mode_of_holder(self) -> _Mode | None:
        with self._cond:
            return self._mode

    def begin_session(self, con: duckdb.DuckDBPyConnection, mode: _Mode) -> None:
        with self._cond:
            self._sessions[threading.get_ident()] = (con, mode)

    def end_session(self) -> None:
        with self._cond:
            self._sessions.pop(threading.get_ident(), None)

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
            fd = take_os_lock(self.path, self.lock_path, mode, deadline, timeout_s)
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


class _Counter:
    """A count shared by threads (``DuckDBFile.connections_opened``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        with self._lock:
            self.value += 1


_OPENED: Final = _Counter()
_REGISTRY: Final = _Registry()
os.register_at_fork(after_in_child=_REGISTRY.forget_in_child)


class TableStore:
    """A store of some tables in a DuckDB file the other stores share: the file, its lock
    and the session every store of the project opens the same way.

    Subclasses set ``SCHEMA`` (``CREATE TABLE IF NOT EXISTS`` statements, run on
    first open) and add their reads and writes on ``self._db``.

    Parameters
    ----------
    path
        The DuckDB file (normally ``Settings.db_path``).
    lock_timeout_s
        How long an operation waits for another process to release the file.
    """

    SCHEMA: ClassVar[str]

    def __init__(self, path: Path, *, lock_timeout_s: float = 30.0) -> None:
        self._db = DuckDBFile(path, schema=self.SCHEMA, lock_timeout_s=lock_timeout_s)
        self.path = self._db.path
        self.lock_timeout_s = lock_timeout_s

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"

    @contextlib.contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[None]:
        """Every call on the file inside the block, from this store and any other on the same
        file, shares one connection (``DuckDBFile.session``). It holds the file's lock until
        the block ends: keep it to store work, never a fetch."""
        with self._db.session(read_only=read_only):
            yield
