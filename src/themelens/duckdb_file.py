"""One DuckDB file shared by short-lived connections, across processes.

Why it looks the way it does
----------------------------
DuckDB lets one process hold a writable connection to a file, and while it
does, no other process may open the file at all. So nothing here keeps a
connection: every operation opens one, works in a single short transaction
and closes it. Opening retries with backoff while another process holds the
lock (``lock_timeout_s``), so a reader and a writer in two processes take
turns instead of failing. Every DuckDB or OS error becomes a one-line
``StoreError`` naming the file (``raise ... from exc``).

The price cache (``data.store``) and the article store (``news.store``) both
sit on this; each brings its own schema.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import duckdb

from themelens.errors import StoreError

__all__ = ["DuckDBFile"]

_LOCK_MESSAGE: Final = "Could not set lock"


class DuckDBFile:
    """A DuckDB database file whose tables are created from ``schema`` on first open.

    Parameters
    ----------
    path
        The file; missing parent folders are created. A bad path or a file
        that is not a DuckDB database fails here, not at first use.
    schema
        ``CREATE TABLE IF NOT EXISTS ...`` statements, run once per instance.
    lock_timeout_s
        How long to wait for another process to release the file.
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
        with self.connect():
            pass  # opening creates the tables

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """One operation's connection; waits out other processes' locks; errors -> StoreError."""
        con = self._open(read_only=read_only)
        try:
            yield con
        except duckdb.Error as exc:
            raise StoreError(self._describe(exc), path=self.path) from exc
        finally:
            con.close()

    def _describe(self, exc: duckdb.Error) -> str:
        """DuckDB's message on one line, minus its class prefix and the path StoreError adds."""
        text = " ".join(str(exc).split())
        if "not a valid DuckDB database file" in text:
            return "not a DuckDB database file (it holds something else or is corrupt)"
        text = text.replace(f'"{self.path}"', "the file")
        return re.sub(r"^[A-Za-z ]+ Error: ", "", text)

    def _open(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        fresh = not self.path.exists()
        if fresh:
            read_only = False  # read-only DuckDB cannot create a file; a new one reads as empty
        deadline = time.monotonic() + self.lock_timeout_s
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
            if fresh or not self._has_schema:
                try:
                    con.execute(self.schema)
                except duckdb.Error as exc:
                    con.close()
                    raise StoreError(self._describe(exc), path=self.path) from exc
                self._has_schema = True
            return con
