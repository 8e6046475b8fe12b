"""``kill -9`` at random points: the store opens, holds no partial write, and a rerun converges.

``news add`` stores a folder's articles in one transaction, then their
claims in batches of one transaction each; ``prices fetch`` writes
each ticker's rows with its fetch-log line in one transaction. So after any
kill an article has all its claims or none, a ticker all its rows or none,
and running the commands again completes the store with nothing twice. A
killed process's lock goes with it, so the process it shared the store with
carries on and exits 0.

Each round stores a new folder while ``prices fetch`` runs, and kills one or
both of them once they have spent a seeded random share of that command's
time inside the store (seen in ``/proc/<pid>/fd``; measured on a reference
run of each): in DuckDB's open, a transaction, or the checkpoint at close.
``news add`` is inside only to store its articles and each batch of claims
(it extracts with the store closed), so its kills land in those writes.
"""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _store_workload import write_folder

from themelens.data.store import PriceStore
from themelens.news.store import ArticleStore

THEMELENS = Path(sys.executable).with_name("themelens")
SEED, ARTICLES = 16, 24
VICTIMS = (("news", "prices"), ("prices",), ("news",), ("news", "prices"))
ROUNDS = len(VICTIMS)


def _run(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(THEMELENS), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err


def _inside_store(pid: int, db: Path) -> bool:
    """Whether process ``pid`` has the store, its WAL or its lock file open right now."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(str(db)):
                return True
        except OSError:
            continue
    return False


def _kill_inside_store(
    after: dict[subprocess.Popen[str], float], db: Path
) -> tuple[set[subprocess.Popen[str]], float]:
    """SIGKILL each process once it has spent ``after[proc]`` seconds inside the store.

    Returns those killed, and the longest time a process spent inside.

    Counting time inside the store (not since the start, most of which is
    imports) spreads the kills over the command's writes, and each lands
    while the process has the store open: in DuckDB's open, a transaction or
    the checkpoint at close. A process that finishes first is left alone.
    """
    killed: set[subprocess.Popen[str]] = set()
    spent = dict.fromkeys(after, 0.0)
    longest, last = 0.0, time.monotonic()
    while spent:
        time.sleep(0.002)
        now, step = time.monotonic(), time.monotonic() - last
        last = now
        for proc in list(spent):
            if proc.poll() is not None:
                del spent[proc]
            elif _inside_store(proc.pid, db):
                spent[proc] += step
                longest = max(longest, spent[proc])
                if spent[proc] >= after[proc]:
                    os.kill(proc.pid, signal.SIGKILL)
                    killed.add(proc)
                    del spent[proc]
    return killed, longest


def _articles(tmp_path: Path) -> tuple[list[Path], dict[str, int]]:
    """A folder of new articles per round, and the claims count extraction gives each."""
    folders = [tmp_path / f"in{r}" for r in range(ROUNDS)]
    expected: dict[str, int] = {}
    for r, folder in enumerate(folders):
        expected |= write_folder(folder, r, ARTICLES)
    return folders, expected


def _state(db: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Claims per stored article and rows per cached ticker, read through the stores."""
    articles = ArticleStore(db).list_articles()
    assert articles["id"].is_unique
    prices = PriceStore(db).read_prices(provider="demo")
    assert not prices.duplicated(["ticker", "date"]).any()
    logged = set(PriceStore(db).read_fetch_log().query("status == 'ok'")["ticker"])
    assert set(prices["ticker"]) <= logged  # rows and their log line commit together
    return (
        dict(zip(articles["name"], articles["claims"], strict=True)),
        {str(t): int(n) for t, n in prices.groupby("ticker").size().items()},
    )


@pytest.mark.slow
@pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc to time the kills"
)
def test_kill_9_at_random_points_leaves_whole_writes_and_a_rerun_converges(
    tmp_path: Path,
) -> None:
    folders, claims = _articles(tmp_path)
    reference = tmp_path / "reference.duckdb"
    write_folder(tmp_path / "reference", ROUNDS, ARTICLES)
    inside: dict[str, float] = {}  # how long each command is inside the store
    for name, args in (("prices", ("prices", "fetch", "--demo")),
                       ("news", ("news", "add", tmp_path / "reference"))):  # fmt: skip
        proc = _run(*args, "--db", reference)
        _, inside[name] = _kill_inside_store({proc: math.inf}, reference)
        status, err = _wait(proc)
        assert status == 0, err
    _, rows = _state(reference)

    db, rng, kills = tmp_path / "store.duckdb", random.Random(SEED), []
    for folder, victims in zip(folders, VICTIMS, strict=True):
        procs = {
            "news": _run("news", "add", folder, "--db", db),
            "prices": _run("prices", "fetch", "--demo", "--db", db),
        }
        after = {procs[v]: rng.uniform(0.05, 0.9) * inside[v] for v in victims}
        dead, _ = _kill_inside_store(after, db)
        killed = [v for v in victims if procs[v] in dead]
        kills += [f"{v}@{after[procs[v]]:.2f}s" for v in killed]
        for name, proc in procs.items():
            status, err = _wait(proc)
            assert status == 0 or (name in killed and status == -signal.SIGKILL), err

        held_claims, held_rows = _state(db)  # opens, and holds only whole writes
        assert all(held_claims[n] in (0, claims[n]) for n in held_claims), held_claims
        assert all(held_rows[t] == rows[t] for t in held_rows)
        full = sum(held_claims[n] == claims[n] for n in held_claims)
        print(f"killed {killed}: {full}/{len(held_claims)} articles with claims, {len(held_rows)} tickers")  # fmt: skip
    assert len(kills) >= 3, kills  # most kills landed while the commands were in the store

    reruns = [
        _run("news", "add", *folders, "--db", db),
        _run("prices", "fetch", "--demo", "--db", db),
    ]
    for status, err in map(_wait, reruns):
        assert status == 0, err
    assert _state(db) == (claims, rows)
