"""The store file's lock: processes and threads take turns, readers share, read-only stores read.

Real processes hold the lock (``HOLDER``); nothing is mocked.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from themelens.data.store import PriceStore
from themelens.duckdb_file import DuckDBFile
from themelens.errors import StoreError
from themelens.news.article import Article
from themelens.news.store import ArticleStore

SCHEMA = "CREATE TABLE IF NOT EXISTS t (i INTEGER);"
REPO = Path(__file__).resolve().parents[1]
THEMELENS = Path(sys.executable).with_name("themelens")

HOLDER = """
import sys
from pathlib import Path
from themelens.duckdb_file import DuckDBFile

db = DuckDBFile(Path(sys.argv[1]), schema="CREATE TABLE IF NOT EXISTS t (i INTEGER);")
with db.connect(read_only=sys.argv[2] == "read") as con:
    con.execute("SELECT count(*) FROM t").fetchall()
    print("holding", flush=True)
    sys.stdin.readline()
"""

WAITER = """
import sys
from pathlib import Path
from themelens.duckdb_file import DuckDBFile
from themelens.errors import StoreError

try:
    db = DuckDBFile(Path(sys.argv[1]), schema="CREATE TABLE IF NOT EXISTS t (i INTEGER);",
                    lock_timeout_s=0.5)
    with db.connect(read_only=True) as con:
        print("rows", con.execute("SELECT count(*) FROM t").fetchall()[0][0])
except StoreError as exc:
    print("waited:", exc)
"""


Holder = Callable[[Path, str], subprocess.Popen[str]]


@pytest.fixture()
def holder() -> Iterator[Holder]:
    """``holder(db, "read"|"write")``: a process holding a connection until its stdin gets a line."""
    procs: list[subprocess.Popen[str]] = []

    def start(db: Path, how: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(db), how],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "holding", proc.communicate()[1]
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def _count(db: DuckDBFile) -> int:
    with db.connect(read_only=True) as con:
        row = con.execute("SELECT count(*) FROM t").fetchone()
    assert row is not None
    return int(row[0])


def _insert(db: DuckDBFile, i: int) -> None:
    with db.connect() as con:
        con.execute("INSERT INTO t VALUES (?)", [i])


def test_a_writer_elsewhere_holds_off_readers_and_writers_one_line_naming_the_file(
    db_path: Path, holder: Holder
) -> None:
    db = DuckDBFile(db_path, schema=SCHEMA, lock_timeout_s=0.3)
    proc = holder(db_path, "write")
    waited = r"locked by another process for more than 0\.3 s"
    for attempt in (lambda: _count(db), lambda: _insert(db, 1)):
        started = time.monotonic()
        with pytest.raises(StoreError, match=waited) as info:
            attempt()
        assert 0.2 < time.monotonic() - started < 3.0
        assert str(info.value).startswith(f"{db_path}: ")
        assert "\n" not in str(info.value)
    proc.communicate(input="\n", timeout=10)

    _insert(db, 1)
    assert _count(db) == 1
    assert db.lock_path == db_path.with_name("cache.duckdb.lock") and db.lock_path.exists()


def test_readers_in_two_processes_share_the_file_and_a_writer_waits(
    db_path: Path, holder: Holder
) -> None:
    db = DuckDBFile(db_path, schema=SCHEMA, lock_timeout_s=0.3)
    proc = holder(db_path, "read")
    assert _count(db) == 0  # no wait: readers share
    with pytest.raises(StoreError, match="locked by another process"):
        _insert(db, 1)
    proc.communicate(input="\n", timeout=10)
    _insert(db, 1)
    assert _count(db) == 1


def test_a_waiting_writer_gets_in_when_the_holder_closes_or_is_killed(
    db_path: Path, holder: Holder
) -> None:
    db = DuckDBFile(db_path, schema=SCHEMA, lock_timeout_s=20)
    for release in ("close", "kill -9"):
        proc = holder(db_path, "write")
        done: list[float] = []

        def write(done: list[float] = done) -> None:
            _insert(db, 1)
            done.append(time.monotonic())

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.5)
        assert not done  # still waiting
        released = time.monotonic()
        if release == "close":
            assert proc.stdin is not None
            proc.stdin.write("\n")
            proc.stdin.flush()
        else:
            os.kill(proc.pid, signal.SIGKILL)  # the kernel drops a dead process's lock
        writer.join(timeout=20)
        assert done and done[0] - released < 5.0, release
    assert _count(db) == 2


def test_threads_read_together_and_write_one_at_a_time(db_path: Path) -> None:
    DuckDBFile(db_path, schema=SCHEMA)
    errors: list[BaseException] = []
    counts: list[int] = []

    def work(k: int) -> None:
        db = DuckDBFile(db_path, schema=SCHEMA, lock_timeout_s=60)  # one instance per thread
        try:
            for i in range(15):
                if k % 2:
                    _insert(db, k * 100 + i)
                else:
                    counts.append(_count(db))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert _count(DuckDBFile(db_path, schema=SCHEMA)) == 3 * 15
    assert len(counts) == 3 * 15


def test_a_read_nested_in_a_write_shares_its_connection_a_write_in_a_read_is_refused(
    db_path: Path,
) -> None:
    db = DuckDBFile(db_path, schema=SCHEMA)
    other = DuckDBFile(db_path, schema=SCHEMA)  # another store on the same file
    with db.connect() as con:
        con.execute("INSERT INTO t VALUES (1)")
        assert _count(other) == 1  # a read in this thread's write: same connection config
    with db.connect(read_only=True), pytest.raises(StoreError, match="a write inside a read"):
        _insert(other, 2)
    assert _count(db) == 1


def test_a_session_opens_once_for_every_call_of_its_thread_and_holds_off_other_processes(
    db_path: Path,
) -> None:
    db = DuckDBFile(db_path, schema=SCHEMA, lock_timeout_s=0.3)
    other = DuckDBFile(db_path, schema="CREATE TABLE IF NOT EXISTS u (j INTEGER);")
    waiter = [sys.executable, "-c", WAITER, str(db_path)]
    opened = DuckDBFile.connections_opened()
    with db.session():
        for i in range(20):
            _insert(db, i)
            assert _count(other) == i + 1  # another store on the file: the same connection
        with other.connect() as con:  # its tables, made on the session's connection
            con.execute("INSERT INTO u VALUES (1)")
        with db.session():  # a nested session joins
            _insert(db, 20)
        blocked = subprocess.run(waiter, capture_output=True, text=True, timeout=60)
        assert "waited: " in blocked.stdout and "locked by another process" in blocked.stdout
    assert DuckDBFile.connections_opened() - opened == 1
    assert _count(db) == 21
    done = subprocess.run(waiter, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "rows 21", done.stdout + done.stderr  # the lock went with it


def test_a_session_refuses_a_write_in_a_read_and_outlives_a_failed_call(db_path: Path) -> None:
    db = DuckDBFile(db_path, schema=SCHEMA)
    with db.session(read_only=True), pytest.raises(StoreError, match="a write inside a read"):
        _insert(db, 1)
    opened = DuckDBFile.connections_opened()
    with db.session():
        _insert(db, 1)
        with (
            pytest.raises(StoreError, match="Could not convert string") as info,
            db.connect() as con,
        ):
            con.execute("INSERT INTO t VALUES ('x')")
        assert str(info.value).startswith(f"{db_path}: ") and "\n" not in str(info.value)
        _insert(db, 3)  # the session's connection is still open and usable
    assert DuckDBFile.connections_opened() - opened == 1
    with db.connect(read_only=True) as con:
        assert sorted(r[0] for r in con.execute("SELECT i FROM t").fetchall()) == [1, 3]


# --- a store that cannot be written ---------------------------------------------------


def _read_only_prefix(folder: Path) -> list[str]:
    """The command prefix that runs a command with ``folder`` read-only to it, or skip.

    As a user, plain permissions; as root (who ignores them), a read-only bind
    mount in a mount namespace of its own.
    """
    if os.geteuid() != 0:
        for p in folder.iterdir():
            p.chmod(0o444)
        folder.chmod(0o555)
        return []
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare or "unshare", "-m", "true"], capture_output=True)
    if unshare is None or probe.returncode != 0:
        pytest.skip("root without mount namespaces cannot make a folder read-only to itself")
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    return [unshare, "-m", "sh", "-c", script, str(folder)]


@pytest.mark.parametrize("lock_file", ["left by the writer", "absent"])
def test_a_read_only_store_lists_and_serves_and_refuses_writes_in_one_line(
    tmp_path: Path, lock_file: str
) -> None:
    folder = tmp_path / "ro"
    db_path = folder / "store.duckdb"
    ArticleStore(db_path).add_articles([Article(name="kept", text="Baidu rose 5%.")])
    PriceStore(db_path)
    if lock_file == "absent":
        (folder / "store.duckdb.lock").unlink()
    story = tmp_path / "new.txt"
    story.write_text("Alibaba fell 3%.", encoding="utf-8")
    prefix = _read_only_prefix(folder)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, str(THEMELENS), *args, "--db", str(db_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    try:
        listed, cached, added = (
            run("news", "list"),
            run("prices", "cached"),
            run("news", "add", str(story)),
        )
    finally:
        folder.chmod(0o755)
    assert listed.returncode == 0, listed.stderr
    assert "kept" in listed.stdout
    assert cached.returncode == 0, cached.stderr
    assert added.returncode == 1
    assert "Traceback" not in listed.stderr + cached.stderr + added.stderr
    assert f"{db_path}: read-only (the file or its folder cannot be written)" in added.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["store.duckdb"] + (["store.duckdb.lock"] if lock_file != "absent" else [])
    )
