"""``archive verify``: each claims shard's verdicts against one price frame, sent to workers once.

A verdicts shard's key starts with the key of the claims it checked, then a
digest of the prices, tolerances and proxy setting: a rerun skips a shard
verified under the same key, and a claims shard extracted again (its key
changed) is verified again. Verdicts whose claims changed are never shown
(``views`` matches the keys).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pandas as pd

from themelens.errors import Failure
from themelens.news.claim import Claim
from themelens.scale.extraction import (
    ShardError,
    code_digest,
    committed_rows,
    extraction_key,
    read_shard,
)
from themelens.scale.layout import Archive, Shard
from themelens.scale.rows import ClaimKey, claims_from, month_of, verdict_rows
from themelens.scale.runner import Outcome, StageResult, Task, run_tasks
from themelens.scale.shards import check_shard, shard_key, write_shard
from themelens.theme import Theme
from themelens.verify import Tolerances, verify_claims

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "KEY_SEPARATOR",
    "VERIFY_CODE",
    "prices_digest",
    "verify_archive",
    "verify_partition",
]

KEY_SEPARATOR: Final = "|verdicts|"
"""Between the claims key and the rest of a verdicts shard's key."""

_PRICE_COLUMNS: Final = ("date", "ticker", "open", "high", "low", "close", "volume")


def prices_digest(prices: pd.DataFrame) -> str:
    """A digest of the price rows verdicts are computed from."""
    cols = [c for c in _PRICE_COLUMNS if c in prices.columns]
    hashed = pd.util.hash_pandas_object(prices[cols], index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()[:24]


VERIFY_CODE: Final = ("verify", "data", "analytics", "news", "theme", "errors.py")
"""The parts of the package verdicts are computed by."""


def _verdict_key(claims_key: str, prices: str, tol: Tolerances, proxy: bool) -> str:
    code = code_digest(VERIFY_CODE)
    digest = hashlib.sha256(f"{code}|{prices}|{tol!r}|{proxy}".encode()).hexdigest()[:24]
    return f"{claims_key}{KEY_SEPARATOR}{digest}"


def verify_partition(
    task: Task,
    *,
    root: str,
    theme: Theme,
    prices: pd.DataFrame,
    key: str,
    tolerances: Tolerances,
    proxy: bool,
    missing: Mapping[str, str],
) -> Outcome:
    """Verdicts of a batch of claims shards, one verdicts shard of the same name for each.

    The batch is checked in one ``verify_claims`` call (its tapes built once),
    then split by shard, each written atomically. A claims shard that will not
    read is one ``Failure`` by name; the others are written.
    """
    archive = Archive(Path(root))
    todo: list[tuple[Shard, list[tuple[ClaimKey, date | None, Claim]]]] = []
    failures: list[Failure] = []
    done = rows_done = 0
    for shard in task.payload:
        out = archive.path("verdicts", shard)
        if shard_key(out) == key:  # committed already (Dask recomputing a lost result): keep it
            done, rows_done = done + 1, rows_done + committed_rows(out)
            continue
        try:
            found = claims_from(read_shard(archive, archive.path("claims", shard)).read())
        except ShardError as exc:
            failures.append(Failure(shard.relative("claims"), str(exc).split(": ", 1)[-1]))
            continue
        todo.append((shard, found))
    every = [row for _, found in todo for row in found]
    result = verify_claims(
        [c for _, _, c in every],
        prices=prices,
        theme=theme,
        article_dates={c.article_id or "": published for _, published, c in every},
        tolerances=tolerances,
        proxy=proxy,
        missing=missing,
    )
    verdicts = iter(result.rows)
    for shard, found in todo:
        rows = [(k, month_of(p), next(verdicts)) for k, p, _ in found]
        rows_done += write_shard(verdict_rows(rows), archive.path("verdicts", shard), key=key)
        done += 1
    return Outcome(
        task.key, task.label, "written", rows_done, failures=tuple(failures), shards=done
    )


def _batches(shards: list[tuple[Shard, int]], size: int) -> list[Task]:
    """Consecutive shards in tasks of about ``size`` claims."""
    tasks: list[Task] = []
    batch: list[Shard] = []
    rows = 0
    for shard, n in [*shards, (None, 0)]:
        if batch and (shard is None or rows + n > size):
            first, last = batch[0].relative("claims"), batch[-1].relative("claims")
            label = first if len(batch) == 1 else f"{first} .. {last} ({len(batch)} shards)"
            tasks.append(
                Task(f"{batch[0].month}-{batch[0].name}-{len(batch)}", label, tuple(batch))
            )
            batch, rows = [], 0
        if shard is not None:
            batch.append(shard)
            rows += n
    return tasks


def verify_archive(
    archive: Archive,
    theme: Theme,
    prices: pd.DataFrame,
    *,
    client: Client | None,
    where: str = "this process",
    tolerances: Tolerances | None = None,
    proxy: bool = True,
    missing: Mapping[str, str] | None = None,
    batch_claims: int = 5000,
    on_progress: Callable[[int, int], None] | None = None,
) -> StageResult:
    """Verify every claims shard made under the current extraction key.

    Parameters
    ----------
    prices
        The long price frame every verdict reads (sent to each worker once).
    missing
        Ticker → why it has no prices, added to ``unverifiable`` reasons.
    batch_claims
        Claims per task: shards are verified in batches of about this many, so
        the per-call work (each ticker's tape) is done once per batch, not per shard.

    Notes
    -----
    Market claims are checked against ``prices``; growth, capex, P/E and flow
    claims need statements the archive does not hold, and are
    ``unverifiable`` saying so (``themelens verify`` checks them for a
    theme-sized batch). Shards not yet extracted, or extracted under another
    theme or release, are counted in the notes and left for ``archive extract``.
    """
    start = time.perf_counter()
    tol = tolerances or Tolerances()
    current = extraction_key(theme)
    shards, problems = archive.article_shards()
    key = _verdict_key(current, prices_digest(prices), tol, proxy)
    wanted: list[tuple[Shard, int]] = []
    skipped = pending = stale = 0
    for shard in shards:
        claims = archive.path("claims", shard)
        claims_key = shard_key(claims)
        why = check_shard(claims) if claims_key is None and claims.exists() else None
        if why is not None:
            problems.append(Failure(shard.relative("claims"), why))
        elif claims_key is None:
            pending += 1
        elif claims_key != current:
            stale += 1
        elif shard_key(archive.path("verdicts", shard)) == key:
            skipped += 1
        else:
            wanted.append((shard, committed_rows(claims)))
    tasks = _batches(wanted, batch_claims)
    shared = {
        "root": str(archive.root), "theme": theme, "prices": prices, "key": key,
        "tolerances": tol, "proxy": proxy, "missing": dict(missing or {}),
    }  # fmt: skip
    outcomes = run_tasks(
        client, verify_partition, tasks, stage="verify", shared=shared, on_progress=on_progress
    )
    notes = []
    if pending:
        notes.append(f"{pending:,} article shards have no claims yet: run `archive extract`")
    if stale:
        notes.append(
            f"{stale:,} claims shards were extracted under another theme or release: "
            "run `archive extract` to bring them up to date"
        )
    return StageResult(
        "archive verify", where, skipped, tuple(outcomes), time.perf_counter() - start,
        "verdicts", tuple(notes), tuple(problems),
    )  # fmt: skip
