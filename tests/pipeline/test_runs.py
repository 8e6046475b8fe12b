"""Stored runs: each report run kept whole under an id, served apart, never mixed."""

from __future__ import annotations

import hashlib
import hmac
import pickle
import zlib
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from themelens.config import resolve_settings
from themelens.errors import StoreError
from themelens.pipeline import sealed
from themelens.pipeline.run import run_theme
from themelens.pipeline.runs import RunStore
from themelens.pipeline.stored import context_from_store, stored_runs
from themelens.report.web import create_app
from themelens.theme import load_theme

THEME = load_theme()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], pd.DataFrame]:
    folder = tmp_path_factory.mktemp("runs")
    (folder / "a.txt").write_text(
        "date: 2025-09-17\n\nBaidu shares jumped 16% on Wednesday.\n", encoding="utf-8"
    )
    (folder / "b.txt").write_text(
        "date: 2025-10-10\n\nAlibaba fell 3% on Friday.\n", encoding="utf-8"
    )
    settings = resolve_settings(db=folder / "s.duckdb", demo=True)
    first = run_theme(settings, THEME, asof=date(2025, 9, 19), articles=[str(folder / "a.txt")])
    second = run_theme(settings, THEME, asof=date(2025, 10, 10), articles=[str(folder / "b.txt")])
    assert first.run_id and second.run_id and first.run_id != second.run_id
    return folder / "s.duckdb", [first.run_id, second.run_id], first.prices


def test_each_run_is_served_as_it_was_never_mixed(
    two_runs: tuple[Path, list[str], pd.DataFrame],
) -> None:
    db, (first, second), first_prices = two_runs
    settings = resolve_settings(db=db, demo=True)
    assert [r.id for r in stored_runs(settings, THEME)] == [second, first]  # newest first
    newest = context_from_store(settings, THEME)
    assert newest.run_id == second and newest.asof == date(2025, 10, 10)
    assert [a.name for a in newest.articles] == ["b"]  # only the articles this run read
    older = context_from_store(settings, THEME, run_id=first)
    assert older.asof == date(2025, 9, 19) and [a.name for a in older.articles] == ["a"]
    assert older.basket is not None and older.events is not None and older.fundamentals is not None
    # the prices come back from their columns exactly as the run held them
    pd.testing.assert_frame_equal(older.prices, first_prices.reset_index(drop=True))
    assert context_from_store(settings, THEME, asof=date(2025, 9, 19)).run_id == first


def test_the_web_app_lists_runs_and_picks_one(
    two_runs: tuple[Path, list[str], pd.DataFrame],
) -> None:
    db, (first, second), _ = two_runs
    settings = resolve_settings(db=db, demo=True)
    app = create_app(
        lambda run=None: context_from_store(settings, THEME, run_id=run),
        lambda: stored_runs(settings, THEME),
    )
    client = TestClient(app)
    listed = client.get("/runs").text
    assert first in listed and second in listed
    assert f"run {second}" in client.get("/").text
    assert f"run {first}" in client.get(f"/?run={first}").text
    claims = client.get(f"/api/claims?run={first}").json()
    assert {c["entity"] for c in claims} == {"baidu"}


def test_unknown_or_unreadable_runs_are_one_line_errors(
    two_runs: tuple[Path, list[str], pd.DataFrame], tmp_path: Path
) -> None:
    db, (first, _), _ = two_runs
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    store = RunStore(copy)
    with pytest.raises(StoreError, match="no stored run 'nope'"):
        store.load("nope")

    def put(blob: bytes) -> None:
        con = duckdb.connect(str(copy))
        con.execute("UPDATE runs SET blob = ? WHERE id = ?", [blob, first])
        con.close()

    proof = tmp_path / "payload-ran"
    body = zlib.compress(pickle.dumps(_Payload(str(proof))))
    forged = b"TLS1" + hmac.new(b"another user's key", body, hashlib.sha256).digest() + body
    for foreign in (b"garbage", pickle.dumps(_Payload(str(proof))), forged):
        put(foreign)
        with pytest.raises(StoreError, match=f"run {first} is not this user's .* not loaded"):
            store.load(first)
        assert not proof.exists()
    # sealed by this user, yet not a run this version can rebuild
    body = zlib.compress(b"not a pickle")
    put(b"TLS1" + hmac.new(sealed._key(), body, hashlib.sha256).digest() + body)
    with pytest.raises(
        StoreError, match=f"run {first} was stored by themelens .* run `themelens report` again"
    ):
        store.load(first)
    empty = RunStore(tmp_path / "empty.duckdb")
    with pytest.raises(StoreError, match="no report run stored"):
        empty.load(theme="china-ai")


def test_concurrent_reports_each_keep_their_whole_run(tmp_path: Path) -> None:
    """Real processes writing one store at once: every run is kept, with all of its prices."""
    import subprocess
    import sys

    db = tmp_path / "s.duckdb"
    cmd = [sys.executable, "-m", "themelens", "report", "--demo", "--db", str(db)]
    procs = [
        subprocess.Popen([*cmd, "--out", str(tmp_path / f"r{k}.html")], stderr=subprocess.PIPE)
        for k in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    con = duckdb.connect(str(db), read_only=True)
    runs = con.execute("SELECT count(*), count(DISTINCT id) FROM runs").fetchone()
    frames = con.execute("SELECT run_id, digest, n_rows FROM run_frames").fetchall()
    stored = dict(
        con.execute("SELECT digest, count(*) FROM run_price_frames GROUP BY digest").fetchall()
    )
    con.close()
    assert runs == (2, 2)
    assert len(frames) == 2 and frames[0][2] == frames[1][2] > 0
    assert all(stored[digest] == n for _, digest, n in frames)  # each frame whole, once
    for listed in RunStore(db).list():
        assert len(RunStore(db).load(listed.id).prices) == frames[0][2]


def test_a_price_frame_is_stored_once_per_content_and_old_runs_still_load(
    two_runs: tuple[Path, list[str], pd.DataFrame], tmp_path: Path
) -> None:
    """Saving a run again over the same prices adds no price row; other prices add one frame;
    a run stored before frames were shared (rows in ``run_prices``) loads from there."""
    import shutil
    from dataclasses import replace

    from themelens.pipeline.runs import frame_digest

    db = tmp_path / "copy.duckdb"
    shutil.copy(two_runs[0], db)
    store = RunStore(db)
    run = store.load(two_runs[1][0])

    def count(sql: str) -> int:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return int(con.execute(sql).fetchone()[0])  # type: ignore[index]
        finally:
            con.close()

    before = count("SELECT count(*) FROM run_price_frames")
    again = store.save(run)
    assert count("SELECT count(*) FROM run_price_frames") == before
    pd.testing.assert_frame_equal(store.load(again.run_id).prices, run.prices)
    changed = run.prices.copy()
    changed.loc[len(changed) - 1, "close"] += 1.0
    assert frame_digest(changed) != frame_digest(run.prices)
    other = store.save(replace(run, prices=changed))
    assert count("SELECT count(*) FROM run_price_frames") == before + len(changed)
    pd.testing.assert_frame_equal(store.load(other.run_id).prices, changed)
    # an old-layout run: its rows in run_prices, no run_frames entry
    con = duckdb.connect(str(db))
    con.execute(
        "INSERT INTO run_prices SELECT ?, * EXCLUDE (digest) FROM run_price_frames "
        "WHERE digest = (SELECT digest FROM run_frames WHERE run_id = ?) ORDER BY rowid",
        [other.run_id, other.run_id],
    )
    con.execute("DELETE FROM run_frames WHERE run_id = ?", [other.run_id])
    con.close()
    pd.testing.assert_frame_equal(store.load(other.run_id).prices, changed)


class _Payload:
    """Unpickling this creates ``path``: proof that a planted pickle ran."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (self.path, "w"))
