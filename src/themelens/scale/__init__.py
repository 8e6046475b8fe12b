"""Beyond one process: the same stages over an archive or a universe, on Dask.

What grows lives in Parquet: an archive of articles, claims and verdicts
partitioned by month (``layout``), a price dataset partitioned by ticker
(``prices``). Workers write shards atomically (``shards``: temporary file,
then rename) and never touch the DuckDB file; one process registers the
committed shards as views in the store (``views``), so SQL sees everything.

Stages run as one Dask task per partition (``runner``) on a
``dask.distributed`` cluster (``cluster``: a ``LocalCluster`` by default, or
an existing scheduler), or in this process with ``workers=0``:

* ``intake.add_articles`` — folders, feeds, URLs, Parquet tables → article shards;
* ``extraction.extract_archive`` — article shard → claims shard;
* ``verification.verify_archive`` — claims shard → verdicts, one price frame broadcast;
* ``universe.measure_universe_rally`` / ``run_universe_events`` — partitions of
  tickers and of announcements over a price dataset, the benchmark broadcast once;
* ``sweep.sweep_distributed`` — partitions of basket parameter sets.

Each gives the single-process answer exactly (partitions are independent
inputs of the same functions). A partition that fails is reported by its
input; committed shards stay, and a rerun resumes from them. See
``docs/scale.md``.
"""

from __future__ import annotations

from themelens.scale.cluster import (
    ClusterError,
    ClusterSpec,
    dashboard_link,
    default_workers,
    open_client,
)
from themelens.scale.extraction import extract_archive, extraction_key
from themelens.scale.intake import add_articles
from themelens.scale.layout import Archive
from themelens.scale.prices import read_price_dataset, write_price_dataset
from themelens.scale.runner import Outcome, StageResult, Task, run_tasks
from themelens.scale.status import ArchiveStatus, archive_status
from themelens.scale.sweep import sweep_distributed
from themelens.scale.universe import (
    UniverseEventsResult,
    UniverseRallyResult,
    measure_universe_rally,
    run_universe_events,
)
from themelens.scale.verification import verify_archive
from themelens.scale.views import read_articles, read_claims, read_verified, register_views

__all__ = [
    "Archive",
    "ArchiveStatus",
    "ClusterError",
    "ClusterSpec",
    "Outcome",
    "StageResult",
    "Task",
    "UniverseEventsResult",
    "UniverseRallyResult",
    "add_articles",
    "archive_status",
    "dashboard_link",
    "default_workers",
    "extract_archive",
    "extraction_key",
    "measure_universe_rally",
    "open_client",
    "read_articles",
    "read_claims",
    "read_price_dataset",
    "read_verified",
    "register_views",
    "run_tasks",
    "run_universe_events",
    "sweep_distributed",
    "verify_archive",
    "write_price_dataset",
]
