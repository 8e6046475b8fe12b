"""``archive extract``: each committed article shard's claims, as a claims shard of the same name.

A claims shard's key is what its claims depend on besides the articles: the
package's code, the extractor and the theme (``extraction_key``). A rerun
skips every shard whose claims were made under the current key and redoes
the rest, so a changed theme or a new release re-extracts, and a run that
died resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pyarrow.parquet as pq

import themelens
from themelens.errors import Failure, ThemelensError
from themelens.news.claim import Claim
from themelens.news.extract import extract_claims
from themelens.scale.layout import Archive, Shard
from themelens.scale.rows import OrderedArticle, articles_from, claim_rows
from themelens.scale.runner import Outcome, StageResult, Task, run_tasks
from themelens.scale.shards import check_shard, shard_key, write_shard
from themelens.theme import Theme

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "EXTRACTION_CODE",
    "code_digest",
    "committed_rows",
    "extract_archive",
    "extract_partition",
    "extraction_key",
    "read_shard",
]


EXTRACTION_CODE: Final = ("news", "theme", "errors.py")
"""The parts of the package claims are computed by (an edit elsewhere re-extracts nothing)."""


@cache
def code_digest(parts: tuple[str, ...]) -> str:
    """The installed version and a digest of the source files under ``parts`` of the package."""
    try:
        installed = version("themelens")
    except PackageNotFoundError:  # a source tree without metadata
        installed = "source"
    root = Path(themelens.__file__).resolve().parent
    digest = hashlib.sha256(installed.encode())
    for part in parts:
        where = root / part
        for path in sorted(where.rglob("*.py")) if where.is_dir() else [where]:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return f"{installed}-{digest.hexdigest()[:16]}"


def extraction_key(theme: Theme, extractor: str = "rules") -> str:
    """What a shard's claims depend on besides its articles: the extraction code, the
    extractor and the theme."""
    digest = hashlib.sha256(f"{code_digest(EXTRACTION_CODE)}|{extractor}|".encode())
    digest.update(theme.model_dump_json().encode())
    return f"{extractor}-{digest.hexdigest()[:24]}"


class ShardError(ThemelensError):
    """A shard that cannot be read; the message names it."""


def read_shard(archive: Archive, path: Path) -> pq.ParquetFile:
    """The shard at ``path`` opened, or ``ShardError`` naming it (corrupt, truncated, missing)."""
    why = check_shard(path)
    if why is not None:
        raise ShardError(f"{archive.rel(path)}: {why}")
    return pq.ParquetFile(path)


def committed_rows(path: Path) -> int:
    """The rows of a committed shard, from its footer."""
    return int(pq.read_metadata(path).num_rows)


def extract_partition(
    task: Task, *, root: str, theme: Theme, key: str, extractor: str = "rules"
) -> Outcome:
    """Claims of one article shard, written as the claims shard of the same name.

    An article the extractor refuses is one ``Failure`` (by name); the shard's
    other claims are written.
    """
    archive = Archive(Path(root))
    shard: Shard = task.payload
    out = archive.path("claims", shard)
    if shard_key(out) == key:  # committed already (Dask recomputing a result it lost): keep it
        return Outcome(task.key, task.label, "written", rows=committed_rows(out), shards=1)
    articles = articles_from(read_shard(archive, archive.path("articles", shard)).read())
    rows: list[tuple[OrderedArticle, int, Claim]] = []
    failures: list[Failure] = []
    for owner in articles:
        try:
            found = extract_claims(owner.article, theme, extractor=extractor)
        except ThemelensError as exc:
            failures.append(
                Failure(f"article {owner.article.name}", f"claims not extracted: {exc}")
            )
            continue
        rows.extend((owner, i, claim) for i, claim in enumerate(found))
    n = write_shard(claim_rows(rows), out, key=key)
    return Outcome(task.key, task.label, "written", rows=n, failures=tuple(failures), shards=1)


def extract_archive(
    archive: Archive,
    theme: Theme,
    *,
    client: Client | None,
    where: str = "this process",
    extractor: str = "rules",
    on_progress: Callable[[int, int], None] | None = None,
) -> StageResult:
    """Extract the claims of every committed article shard not extracted under the current key.

    Returns
    -------
    StageResult
        ``rows`` are the claims written; ``skipped`` the shards already
        extracted under this key (a rerun resumes); failures name each shard
        that could not be read and each article the extractor refused.
    """
    start = time.perf_counter()
    key = extraction_key(theme, extractor)
    shards, problems = archive.article_shards()
    tasks: list[Task] = []
    skipped = 0
    for shard in shards:
        if shard_key(archive.path("claims", shard)) == key:
            skipped += 1
            continue
        tasks.append(Task(f"{shard.month}-{shard.name}", shard.relative("articles"), shard))
    shared = {"root": str(archive.root), "theme": theme, "key": key, "extractor": extractor}
    outcomes = run_tasks(
        client, extract_partition, tasks, stage="extract", shared=shared, on_progress=on_progress
    )
    return StageResult(
        "archive extract", where, skipped, tuple(outcomes), time.perf_counter() - start,
        "claims", (), tuple(problems),
    )  # fmt: skip
