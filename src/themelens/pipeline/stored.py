"""The theme run the web app shows: a run ``themelens report`` stored, read back whole.

``serve`` renders what the report computed, every section included, at the
report's own as-of date and with the report's own articles; it never
recomputes figures from whatever the store holds now. A store that served
several reports keeps each run apart (``pipeline.runs``).

Why it looks the way it does
----------------------------
A web server answers many requests, from many threads, while ``report`` may
be writing the same file from another process. So ``RunReader``:

- reads only (``RunStore.list``/``load`` open the file read-only) and waits
  at most ``lock_timeout_s`` (5 s) for another process's lock, then raises
  ``StoreError`` so the page can say "busy, retry" instead of hanging;
- lets one thread at a time into DuckDB: two connections opened at once in
  one process fail with DuckDB's "unique file handle conflict";
- keeps the last few runs it loaded, by id (a stored run never changes), and
  the newest run's id until the store file changes (its size or mtime, or
  its write-ahead log's), so a request for an unchanged store reads nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Final

from themelens.config import Settings
from themelens.errors import StoreError
from themelens.pipeline.model import ThemeRun
from themelens.pipeline.runs import RunStore, StoredRun
from themelens.theme import Theme

__all__ = ["RunReader", "context_from_store", "stored_runs"]

WEB_LOCK_TIMEOUT_S: Final = 5.0
"""How long a web read waits for another process's lock before it answers "busy"."""

_Signature = tuple[tuple[int, int] | None, ...]


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


class RunReader:
    """The stored runs of one theme in one store file, read for the web app.

    Parameters
    ----------
    path
        The DuckDB store ``themelens report`` wrote.
    theme
        The theme's name; ``latest`` and ``runs`` see only its runs.
    asof
        When given, ``latest`` is the newest run at this as-of date.
    lock_timeout_s
        How long to wait for another process's lock before ``StoreError``.
    keep
        How many loaded runs to keep in memory (least recently used go first).

    Notes
    -----
    Every method may raise ``StoreError`` (no store, locked past the
    timeout, unreadable); none of them writes to the file.
    """

    def __init__(
        self,
        path: Path,
        theme: str,
        *,
        asof: date | None = None,
        lock_timeout_s: float = WEB_LOCK_TIMEOUT_S,
        keep: int = 4,
    ) -> None:
        self.path = Path(path).expanduser()
        self.theme = theme
        self.asof = asof
        self.lock_timeout_s = lock_timeout_s
        self._keep = max(1, keep)
        self._lock = threading.Lock()
        self._store: RunStore | None = None
        self._listed: tuple[_Signature, list[StoredRun]] | None = None
        self._runs: OrderedDict[str, ThemeRun] = OrderedDict()

    def _signature(self) -> _Signature:
        wal = self.path.with_name(self.path.name + ".wal")
        return _stat(self.path), _stat(wal)

    def _enter(self) -> None:
        """Take the reader's lock, waiting no longer than a locked store would make us wait."""
        if not self._lock.acquire(timeout=self.lock_timeout_s):
            raise StoreError(
                f"busy: another request has been reading it for more than "
                f"{self.lock_timeout_s:g} s",
                path=self.path,
            )

    def _open(self) -> RunStore:
        if self._store is None:
            if not self.path.exists():
                raise StoreError("no store here yet; run `themelens report` first", path=self.path)
            self._store = RunStore(self.path, lock_timeout_s=self.lock_timeout_s)
        return self._store

    def runs(self) -> list[StoredRun]:
        """The theme's stored runs, newest first (listed again only when the file changed)."""
        self._enter()
        try:
            signature = self._signature()
            if self._listed is None or self._listed[0] != signature:
                self._listed = (signature, self._open().list(self.theme))
            return list(self._listed[1])
        finally:
            self._lock.release()

    def latest(self) -> str:
        """The id of the newest run (at ``asof`` when given); ``StoreError`` when there is none."""
        fitting = [r for r in self.runs() if self.asof is None or r.asof == self.asof]
        if not fitting:
            when = f" at {self.asof}" if self.asof else ""
            raise StoreError(
                f"no report run stored for {self.theme}{when}; run `themelens report` first",
                path=self.path,
            )
        return fitting[0].id

    def load(self, run_id: str | None = None) -> ThemeRun:
        """Run ``run_id`` (default: ``latest()``), from memory when it was loaded lately."""
        run_id = run_id or self.latest()
        self._enter()
        try:
            run = self._runs.get(run_id)
            if run is None:
                run = self._open().load(run_id, theme=self.theme)
                self._runs[run_id] = run
                while len(self._runs) > self._keep:
                    self._runs.popitem(last=False)
            self._runs.move_to_end(run_id)
            return run
        finally:
            self._lock.release()


def context_from_store(
    settings: Settings, theme: Theme, *, asof: date | None = None, run_id: str | None = None
) -> ThemeRun:
    """Run ``run_id``, else the newest stored run of ``theme`` (at ``asof`` when given).

    One read (``serve`` keeps a ``RunReader`` instead, which caches). Raises
    ``StoreError`` when the store holds no such run, so ``serve`` can say so
    before it listens.
    """
    return RunReader(Path(settings.db_path), theme.name, asof=asof).load(run_id)


def stored_runs(settings: Settings, theme: Theme) -> list[StoredRun]:
    """The theme's stored runs, newest first."""
    return RunReader(Path(settings.db_path), theme.name).runs()
