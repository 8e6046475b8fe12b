"""The DuckDB price cache: round trips, upserts, atomic writes, two processes, bad files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from themelens.data.contracts import STORED_COLUMNS, empty_prices, validate_prices
from themelens.data.store import FetchRecord, PriceStore, WriteResult
from themelens.errors import StoreError

FETCHED = datetime(2025, 9, 20, 8, 30, 15)


def make_prices(
    tickers: tuple[str, ...] = ("9988.HK", "BABA"),
    *,
    start: str = "2025-09-01",
    days: int = 10,
    provider: str = "yahoo",
    close0: float = 100.0,
) -> pd.DataFrame:
    """A small stored-contract frame: ``days`` business days per ticker, closes rising by 1."""
    dates = pd.bdate_range(start, periods=days)
    parts = []
    for k, t in enumerate(tickers):
        close = close0 + 10 * k + np.arange(days, dtype=float)
        parts.append(
            pd.DataFrame(
                {
                    "date": dates,
                    "ticker": t,
                    "open": close - 0.5,
                    "high": close + 1.0,
                    "low": close - 1.0,
                    "close": close,
                    "volume": 1e6 + np.arange(days),
                    "provider": provider,
                    "source": f"test:{t}",
                    "fetched_at": FETCHED,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def count_rows(path: Path) -> int:
    return len(PriceStore(path).read_prices())


# --- round trip and upsert ---------------------------------------------------


def test_round_trip_returns_the_frame_in_the_stored_contract(db_path: Path) -> None:
    store = PriceStore(db_path)
    frame = make_prices()
    frame.loc[3, "open"] = np.nan  # optional fields may be missing; close may not

    result = store.write_prices(frame.sample(frac=1, random_state=1))  # order must not matter

    assert result == WriteResult(inserted=len(frame), updated=0)
    got = store.read_prices()
    assert list(got.columns) == list(STORED_COLUMNS)
    pd.testing.assert_frame_equal(got, validate_prices(frame))


def test_empty_store_reads_as_an_empty_contract_frame(db_path: Path) -> None:
    got = PriceStore(db_path).read_prices()

    assert got.empty
    assert got.dtypes.to_dict() == empty_prices().dtypes.to_dict()
    assert db_path.exists()


def test_parent_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "cache.duckdb"
    PriceStore(path).write_prices(make_prices(days=2))
    assert count_rows(path) == 4


price = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, width=64)
maybe_price = st.one_of(price, st.just(float("nan")))


@st.composite
def price_frames(draw: st.DrawFn) -> pd.DataFrame:
    keys = draw(
        st.sets(
            st.tuples(st.sampled_from(["9988.HK", "BABA", "^NDX", "0700.HK"]), st.integers(0, 40)),
            min_size=1,
            max_size=30,
        )
    )
    n = len(keys)
    return pd.DataFrame(
        {
            "date": [pd.Timestamp("2025-01-01") + pd.Timedelta(days=d) for _, d in keys],
            "ticker": [t for t, _ in keys],
            "open": draw(st.lists(maybe_price, min_size=n, max_size=n)),
            "high": draw(st.lists(maybe_price, min_size=n, max_size=n)),
            "low": draw(st.lists(maybe_price, min_size=n, max_size=n)),
            "close": draw(st.lists(price, min_size=n, max_size=n)),
            "volume": draw(st.lists(st.floats(0, 1e12, allow_nan=False), min_size=n, max_size=n)),
            "provider": draw(st.sampled_from(["yahoo", "csv", "demo"])),
            "source": draw(st.sampled_from([None, "https://example.test/q", "/data/x.csv"])),
            "fetched_at": draw(
                st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)).map(
                    lambda d: d.replace(microsecond=0)
                )
            ),
        }
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=price_frames())
def test_writing_the_same_frame_twice_keeps_the_same_rows(frame: pd.DataFrame) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = PriceStore(Path(tmp) / "p.duckdb")

        first = store.write_prices(frame)
        after_one = store.read_prices()
        second = store.write_prices(frame)
        after_two = store.read_prices()

    assert first == WriteResult(inserted=len(frame), updated=0)
    assert second == WriteResult(inserted=0, updated=0)
    pd.testing.assert_frame_equal(after_two, after_one)
    pd.testing.assert_frame_equal(after_one, validate_prices(frame))


def test_upsert_updates_changed_closes_and_only_those(db_path: Path) -> None:
    store = PriceStore(db_path)
    frame = make_prices()
    store.write_prices(frame)
    revised = frame.copy()
    revised["fetched_at"] = datetime(2025, 9, 21)
    revised.loc[[2, 15], "close"] += 0.25

    result = store.write_prices(revised)

    assert result == WriteResult(inserted=0, updated=2)
    got = store.read_prices()
    assert len(got) == len(frame)
    expected = validate_prices(revised)
    np.testing.assert_array_equal(got["close"], expected["close"])
    changed = got["fetched_at"] == pd.Timestamp("2025-09-21")
    assert changed.sum() == 2  # unchanged rows keep the time their value was first seen


def test_write_adds_new_sessions_beside_old_ones(db_path: Path) -> None:
    store = PriceStore(db_path)
    store.write_prices(make_prices(days=5))
    later = make_prices(start="2025-09-05", days=5, close0=200.0)  # overlaps one session
    result = store.write_prices(later)
    assert result == WriteResult(inserted=8, updated=2)  # the shared session got new closes
    assert store.last_date("yahoo", "BABA") == date(2025, 9, 11)


# --- failed writes ----------------------------------------------------------------


def test_a_frame_failing_validation_changes_nothing(db_path: Path) -> None:
    store = PriceStore(db_path)
    store.write_prices(make_prices())
    before = store.read_prices()
    bad = pd.concat([make_prices(("NEW",), close0=5.0), make_prices(("NEW",), days=1)])

    with pytest.raises(ValueError, match="duplicate row for NEW"):
        store.write_prices(bad)

    pd.testing.assert_frame_equal(store.read_prices(), before)


def test_rows_without_provenance_are_refused(db_path: Path) -> None:
    store = PriceStore(db_path)
    with pytest.raises(ValueError, match="'provider'"):
        store.write_prices(make_prices().drop(columns="provider"))
    assert store.read_prices().empty


def test_a_write_failing_inside_the_database_keeps_none_of_its_rows(db_path: Path) -> None:
    store = PriceStore(db_path)
    store.write_prices(make_prices(("OLD",)))
    before = store.read_prices()
    # The log line violates the status CHECK after the prices were upserted in
    # the same transaction, so the database itself must roll the prices back.
    bad_log = FetchRecord("yahoo", "NEW", None, None, FETCHED, 10, "weird")  # type: ignore[arg-type]

    with pytest.raises(StoreError) as info:
        store.write_prices(make_prices(("NEW", "OLD"), close0=1.0), log=[bad_log])

    assert str(db_path) in str(info.value)
    assert "\n" not in str(info.value)
    pd.testing.assert_frame_equal(store.read_prices(), before)
    assert store.read_fetch_log().empty


# --- reading ------------------------------------------------------------------


def test_read_filters_by_ticker_and_inclusive_dates(db_path: Path) -> None:
    store = PriceStore(db_path)
    store.write_prices(make_prices(("A", "B", "C")))

    got = store.read_prices(["C", "A", "ZZZ"], start=date(2025, 9, 2), end=date(2025, 9, 4))

    assert got["ticker"].tolist() == ["A"] * 3 + ["C"] * 3
    assert got["date"].min() == pd.Timestamp("2025-09-02")
    assert got["date"].max() == pd.Timestamp("2025-09-04")


def test_without_provider_each_ticker_comes_from_one_preferred_provider(db_path: Path) -> None:
    store = PriceStore(db_path)
    store.write_prices(make_prices(("X", "Y", "Z"), provider="demo", close0=1.0))
    store.write_prices(make_prices(("X",), provider="yahoo", close0=500.0, days=3))
    store.write_prices(make_prices(("X", "Y"), provider="csv", close0=900.0))
    store.write_prices(make_prices(("Z",), provider="acme", close0=700.0))
    store.write_prices(make_prices(("W",), provider="yahoo", close0=10.0))
    store.write_prices(make_prices(("W",), provider="akshare", close0=20.0))

    got = store.read_prices()

    chosen = got.groupby("ticker")["provider"].unique().map(list).to_dict()
    # demo never shadows data; akshare (the theme's first choice where both answered) wins
    assert chosen == {"W": ["akshare"], "X": ["yahoo"], "Y": ["csv"], "Z": ["acme"]}
    assert len(got[got["ticker"] == "X"]) == 3  # yahoo's rows only, not filled from others
    only_demo = store.read_prices(["X"], provider="demo")
    assert set(only_demo["provider"]) == {"demo"}
    assert len(only_demo) == 10


def test_coverage_and_last_date(db_path: Path) -> None:
    store = PriceStore(db_path)
    store.write_prices(make_prices(("A", "B")))
    store.write_prices(make_prices(("A",), provider="demo", days=3))
    logged = datetime(2025, 9, 22, 9, 0)
    store.log_fetch(FetchRecord("yahoo", "A", None, None, logged, 10, "ok"))

    cov = store.coverage()
    yahoo_only = store.coverage("yahoo")

    assert list(cov.columns) == [
        "provider",
        "ticker",
        "first_date",
        "last_date",
        "rows",
        "last_fetched_at",
    ]
    assert cov[["provider", "ticker", "rows"]].values.tolist() == [
        ["demo", "A", 3],
        ["yahoo", "A", 10],
        ["yahoo", "B", 10],
    ]
    assert cov["last_date"].tolist()[1] == pd.Timestamp("2025-09-12")
    assert cov["last_fetched_at"].tolist() == [pd.Timestamp(FETCHED), logged, FETCHED]
    assert yahoo_only["ticker"].tolist() == ["A", "B"]
    assert store.last_date("yahoo", "B") == date(2025, 9, 12)
    assert store.last_date("demo", "B") is None
    assert store.recent_dates("demo", "A", 5) == (
        date(2025, 9, 3),
        date(2025, 9, 2),
        date(2025, 9, 1),
    )


def test_recent_rows_are_each_tickers_latest_sessions(db_path: Path) -> None:
    store = PriceStore(db_path)
    store.write_prices(make_prices(("A", "B"), days=10))
    store.write_prices(make_prices(("C",), days=3))
    store.write_prices(make_prices(("A",), provider="demo", days=2))
    for n in (1, 5, 20):
        rows = store.recent_rows("yahoo", ["A", "B", "C", "MISSING"], n)
        got = {
            str(t): tuple(d.date() for d in part["date"][::-1])
            for t, part in rows.groupby("ticker")
        }
        assert got == {t: store.recent_dates("yahoo", t, n) for t in ("A", "B", "C")}
    five = store.recent_rows("yahoo", ["A"], 5)
    assert five["date"].min() == pd.Timestamp("2025-09-08")
    pd.testing.assert_frame_equal(
        five, store.read_prices(["A"], provider="yahoo", start=date(2025, 9, 8))
    )
    assert store.recent_rows("yahoo", [], 5).empty
    with pytest.raises(ValueError, match="n must be >= 1"):
        store.recent_rows("yahoo", ["A"], 0)


def test_fetch_log_round_trip(db_path: Path) -> None:
    store = PriceStore(db_path)
    store.log_fetch(
        FetchRecord("yahoo", "A", date(2025, 1, 1), None, FETCHED, 0, "failed", "HTTP 404"),
        FetchRecord("csv", "B", None, date(2025, 2, 1), FETCHED, 3, "ok"),
    )
    got = store.read_fetch_log(provider="yahoo")
    assert got[["ticker", "status", "message", "rows"]].values.tolist() == [
        ["A", "failed", "HTTP 404", 0]
    ]
    assert got["requested_start"].tolist() == [pd.Timestamp("2025-01-01")]
    assert pd.isna(got["requested_end"].iloc[0])


# --- bad files ---------------------------------------------------------------------


def test_a_file_that_is_not_duckdb_is_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "x.duckdb"
    path.write_bytes(np.random.default_rng(0).bytes(8192))

    with pytest.raises(StoreError) as info:
        PriceStore(path)

    msg = str(info.value)
    assert msg.startswith(f"{path}: ")
    assert "not a DuckDB database" in msg
    assert "\n" not in msg
    assert info.value.path == path
    assert info.value.__cause__ is not None


def test_an_unwritable_location_is_one_line_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a folder")  # works even as root, unlike chmod
    path = blocker / "sub" / "cache.duckdb"

    with pytest.raises(StoreError) as info:
        PriceStore(path)

    assert str(info.value).startswith(f"{path}: cannot create the folder")
    assert "\n" not in str(info.value)
    assert isinstance(info.value.__cause__, OSError)


# --- two processes ------------------------------------------------------------------

READER = """
import json, sys, time
from pathlib import Path
from themelens.data.store import PriceStore

store = PriceStore(Path(sys.argv[1]))
ready, done = Path(sys.argv[2]), Path(sys.argv[3])
counts = []
while True:
    finished = done.exists()
    counts.append(len(store.read_prices()))
    ready.touch()
    if finished:
        break
    time.sleep(0.002)
print(json.dumps(counts))
"""

WRITER = """
import sys
from datetime import datetime
from pathlib import Path
import pandas as pd
from themelens.data.store import FetchRecord, PriceStore

store = PriceStore(Path(sys.argv[1]))
batch = int(sys.argv[2])
for i in range(10_000):
    frame = pd.DataFrame({
        "date": pd.bdate_range("2000-01-03", periods=batch) + pd.DateOffset(years=i),
        "ticker": "T", "open": 1.0, "high": 1.0, "low": 1.0, "close": float(i), "volume": 1.0,
        "provider": "yahoo", "source": None, "fetched_at": datetime(2025, 1, 1),
    })
    log = FetchRecord("yahoo", "T", None, None, datetime(2025, 1, 1), batch, "ok", str(i))
    store.write_prices(frame, log=[log])
    print(i + 1, flush=True)
"""


def _env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"helper process exited early:\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("helper process did not start in time")
        time.sleep(0.01)


def test_a_second_process_reads_consistently_while_this_one_writes(
    tmp_path: Path, db_path: Path
) -> None:
    store = PriceStore(db_path)
    script = tmp_path / "reader.py"
    script.write_text(READER)
    ready, done = tmp_path / "ready", tmp_path / "done"
    batch, batches = 50, 20
    reader = subprocess.Popen(
        [sys.executable, str(script), str(db_path), str(ready), str(done)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        _wait_for(ready, reader)
        for i in range(batches):
            frame = make_prices((f"T{i:02d}",), days=batch)
            assert store.write_prices(frame).inserted == batch
            time.sleep(0.005)
        done.touch()
        out, err = reader.communicate(timeout=30)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.communicate()

    assert reader.returncode == 0, err
    counts = json.loads(out)
    assert all(c % batch == 0 for c in counts), counts  # never half a batch
    assert counts == sorted(counts)  # never goes back
    assert counts[-1] == batch * batches
    assert len(set(counts)) >= 3, counts  # the reads really interleaved with the writes


def test_a_writer_killed_mid_loop_leaves_every_committed_batch(tmp_path: Path) -> None:
    db_path = tmp_path / "killed.duckdb"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    batch = 40
    writer = subprocess.Popen(
        [sys.executable, str(script), str(db_path), str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    committed = 0
    try:
        assert writer.stdout is not None
        while committed < 8:
            line = writer.stdout.readline()
            if not line:
                pytest.fail("writer stopped before committing 8 batches")
            committed = int(line)
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.communicate(timeout=10)  # reaps it and closes the pipes
    assert writer.returncode == -signal.SIGKILL

    store = PriceStore(db_path)
    rows = store.read_prices()
    fetches = store.read_fetch_log()

    assert len(rows) % batch == 0
    assert len(rows) // batch >= committed
    per_batch = rows.groupby("close").size()
    assert (per_batch == batch).all()  # each batch whole or absent
    assert sorted(per_batch.index) == [float(i) for i in range(len(per_batch))]
    assert len(fetches) == len(per_batch)  # log lines committed with their rows


HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.read()
con.close()
"""


def test_a_lock_held_too_long_is_a_store_error_then_clears(tmp_path: Path, db_path: Path) -> None:
    store = PriceStore(db_path, lock_timeout_s=0.3)
    script = tmp_path / "holder.py"
    script.write_text(textwrap.dedent(HOLDER))
    holder = subprocess.Popen(
        [sys.executable, str(script), str(db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(StoreError, match="locked by another process") as info:
            store.read_prices()
        waited = time.monotonic() - started
        assert str(info.value).startswith(str(db_path))
        assert 0.2 < waited < 3.0
    finally:
        holder.communicate(input="", timeout=10)

    assert store.read_prices().empty  # the same store works once the lock is gone
