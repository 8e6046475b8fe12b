"""The stages on a real two-worker ``LocalCluster`` (worker processes): the single-process answers
exactly, a partition that raises named by its input, a killed worker losing no committed shard.

One cluster serves the whole module (starting one costs seconds).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from scale_corpus import single_process, universe_prices, write_corpus

from themelens.analytics.basket import BasketSpec, prepare_panel
from themelens.analytics.events import Event
from themelens.news.extract import extract_claims
from themelens.news.ingest import ingest
from themelens.scale import (
    Archive,
    ClusterSpec,
    StageResult,
    add_articles,
    extract_archive,
    measure_universe_rally,
    open_client,
    read_articles,
    read_claims,
    read_verified,
    register_views,
    run_universe_events,
    sweep_distributed,
    verify_archive,
    write_price_dataset,
)
from themelens.scale.shards import shard_key
from themelens.theme import Theme

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with open_client(ClusterSpec(workers=2)) as c:
        assert c is not None
        c.wait_for_workers(2, timeout=60)
        yield c


def test_the_archive_on_two_workers_gives_the_single_process_answers(
    client: Any, tmp_path: Path, corpus: Path, theme: Theme, demo_prices: pd.DataFrame
) -> None:
    archive = Archive.open(tmp_path / "archive")
    pids = set(client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids  # two processes, neither this one
    added = add_articles(archive, [str(corpus)], client=client, partition_size=8)
    extracted = extract_archive(archive, theme, client=client)
    verified = verify_archive(archive, theme, demo_prices, client=client)
    assert added.rows == 40 and extracted.shards_written == verified.shards_written > 5
    assert not [f for r in (extracted, verified) for f in r.failures()]
    db = tmp_path / "store.duckdb"
    register_views(archive, db)
    articles, claims, rows = single_process(corpus, theme, demo_prices)
    assert [a.article.id for a in read_articles(db)] == [a.id for a in articles]
    assert read_claims(db) == claims
    assert [v.to_dict() for v in read_verified(db)] == [r.to_dict() for r in rows]


def test_universe_stages_on_two_workers_equal_this_process(client: Any, tmp_path: Path) -> None:
    prices = universe_prices(10, 420)
    root = tmp_path / "prices"
    write_price_dataset(prices, root)
    kw: dict[str, Any] = {"asof": date(2021, 6, 30), "benchmark": "BENCH.HK", "partition_size": 3}
    pd.testing.assert_frame_equal(
        measure_universe_rally(root, client=client, **kw).rows,
        measure_universe_rally(root, client=None, **kw).rows,
        check_exact=False, rtol=1e-12, atol=0,
    )  # fmt: skip

    chains = {f"U{i:04d}.HK": (f"U{i + 1:04d}.HK", f"U{i + 2:04d}.HK") for i in range(0, 8, 2)}
    events = [Event(t, date(2020, 10, 1) + pd.Timedelta(days=30 * k)) for k in range(3) for t in chains]  # fmt: skip
    ev: dict[str, Any] = {"chains": chains, "benchmark": "BENCH.HK", "estimation": 60,
                          "min_estimation": 40, "partition_size": 3}  # fmt: skip
    far, near = (run_universe_events(root, events, client=c, **ev) for c in (client, None))
    assert len(far.events) > 20 and far.stage.written == 4
    pd.testing.assert_frame_equal(far.events, near.events, check_exact=False, rtol=1e-12, atol=0)
    pd.testing.assert_frame_equal(far.announcements, near.announcements, check_exact=False, rtol=1e-12, atol=0)  # fmt: skip

    panel = prepare_panel(prices, sorted(chains), benchmark="BENCH.HK")
    specs = [BasketSpec.build(scheme=s, cost_bps=c) for s in ("equal", "inverse-vol") for c in (0, 30)]  # fmt: skip
    far_sweep = sweep_distributed(panel, specs, client=client)
    assert far_sweep.run.written == 2  # one partition per schedule
    pd.testing.assert_frame_equal(
        far_sweep.table, sweep_distributed(panel, specs, client=None).table,
        check_exact=False, rtol=1e-12, atol=1e-14,
    )  # fmt: skip


def test_a_partition_that_raises_is_reported_by_its_input(
    client: Any, tmp_path: Path, corpus: Path, theme: Theme
) -> None:
    archive = Archive.open(tmp_path / "archive")
    add_articles(archive, [str(corpus)], client=client, partition_size=8)
    shards, _ = archive.article_shards()
    bad = archive.path("articles", shards[2])
    bad.write_bytes(b"PAR1" + bad.read_bytes()[4:40])
    result = extract_archive(archive, theme, client=client)
    [failure] = [f for f in result.failures()]
    assert failure.item == shards[2].relative("articles")
    assert "not a readable Parquet file" in failure.reason and "Traceback" not in failure.reason
    assert result.written == len(shards) - 1


def _kill_a_busy_worker(client: Any, archive: Archive, pids: dict[str, int]) -> dict[Path, int]:
    """Once a claims shard is committed, SIGKILL a worker that holds a task; the committed shards
    (path -> inode) as they were just before."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        busy = [w for w, keys in client.processing().items() if keys]
        committed = list(archive.files("claims"))
        if committed and busy:
            before = {p: p.stat().st_ino for p in committed}
            os.kill(pids[busy[0]], signal.SIGKILL)
            return before
        time.sleep(0.01)
    raise AssertionError("the run never had a committed shard and a busy worker")


def test_a_killed_worker_loses_no_committed_shard_and_the_rerun_resumes(
    client: Any, tmp_path: Path, theme: Theme
) -> None:
    folder = tmp_path / "long"
    write_corpus(folder, 24, paragraphs=20, day=date(2025, 9, 15))  # ~0.1 s an article
    archive = Archive.open(tmp_path / "archive")
    add_articles(archive, [str(folder)], client=None, partition_size=4)  # 6 shards of 4
    scheduler = client.cluster.scheduler
    allowed, scheduler.allowed_failures = scheduler.allowed_failures, 0  # no retry elsewhere
    try:
        pids = client.run(os.getpid)
        found: dict[str, StageResult] = {}
        run = threading.Thread(
            target=lambda: found.update(r=extract_archive(archive, theme, client=client))
        )
        run.start()
        before = _kill_a_busy_worker(client, archive, pids)
        run.join(timeout=180)
        assert not run.is_alive()
    finally:
        scheduler.allowed_failures = allowed
    first = found["r"]
    failed = [o for o in first.outcomes if o.status == "failed"]
    assert failed, "the killed worker's task should have failed"
    assert all("its worker died" in o.reason for o in failed)
    assert all(o.label.startswith("articles/month=2025-09/") for o in failed)  # by input
    assert first.written + len(failed) == 6
    for path, inode in before.items():  # every shard committed before the kill is intact
        assert path.stat().st_ino == inode and shard_key(path) is not None

    client.wait_for_workers(2, timeout=60)
    again = extract_archive(archive, theme, client=client)
    # resumed from the shards already written: every one the first run reported, and at most
    # one more per failed task (a worker killed after committing its shard, before reporting
    # it, leaves the shard whole; the rerun finds and keeps it rather than writing it twice)
    assert first.written <= again.skipped <= first.written + len(failed)
    assert again.skipped + again.written == 6 and not again.failures()
    db = tmp_path / "store.duckdb"
    register_views(archive, db)
    claims = [c for a in ingest([str(folder)]).articles for c in extract_claims(a, theme)]
    assert read_claims(db) == claims
