"""``archive add``: folders, feeds, URLs and Parquet tables of articles into article shards.

The client lists the inputs (a folder's files as ``news.ingest`` finds them,
one item per row group of a Parquet table), leaves out those an earlier run
committed (same path, size and modification time), cuts the rest into
partitions and runs :func:`add_partition` on each: ``ingest`` item by item,
then one shard per month and, last, the partition's commit record.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import pyarrow.parquet as pq

from themelens.errors import ArticleError, Failure, InputError
from themelens.news.article import Article
from themelens.news.ingest import DEFAULT_MAX_BYTES, ingest
from themelens.news.ingest._folders import FOLDER_SUFFIXES, article_files
from themelens.scale.layout import Archive, Manifest, Shard
from themelens.scale.rows import OrderedArticle, article_rows, month_of
from themelens.scale.runner import Outcome, StageResult, Task, run_tasks
from themelens.scale.shards import read_json, write_json, write_shard

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "TABLE_COLUMNS",
    "Item",
    "add_articles",
    "add_partition",
    "list_inputs",
    "plan_partitions",
    "run_started",
]

TABLE_COLUMNS: Final = ("text", "name", "title", "published", "source", "origin")
"""A Parquet table of articles: ``text`` required, the rest optional."""

_URL: Final = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass(frozen=True)
class Item:
    """One input: a file, a URL, or a row group of a Parquet table.

    ``ident`` is what "already read" means: the path with its size and
    modification time (a changed file is read again), the URL, or the table's
    row group with the table's size and time.
    """

    label: str
    ident: str
    kind: Literal["file", "url", "rows"]
    row_group: int = 0
    first_row: int = 0
    weight: int = 1


def _file_ident(path: Path, label: str) -> str:
    st = path.stat()
    return f"{label}\t{st.st_size}\t{st.st_mtime_ns}"


def _folder_files(folder: Path) -> tuple[list[Path], list[Failure]]:
    """Article files under ``folder`` exactly as ``news.ingest`` finds them (``article_files``)."""
    files, unreadable = article_files(folder)
    return files, [Failure(str(path), reason) for path, reason in unreadable]


def _table_items(path: Path, label: str) -> list[Item]:
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise ArticleError(f"not a readable Parquet table: {exc}", source=label) from exc
    base = _file_ident(path, label)
    items, first = [], 0
    for g in range(meta.num_row_groups):
        rows = int(meta.row_group(g).num_rows)
        items.append(Item(f"{label}#{g}", f"{base}\t{g}", "rows", g, first, max(rows, 1)))
        first += rows
    return items


def list_inputs(inputs: Sequence[str | Path]) -> tuple[list[Item], list[Failure]]:
    """Every item the inputs hold, in input order, and one failure per input that holds none."""
    items: list[Item] = []
    bad: list[Failure] = []
    for raw in inputs:
        label = str(raw)
        if isinstance(raw, str) and _URL.match(raw):
            items.append(Item(label, label, "url"))
            continue
        path = Path(raw).expanduser()
        try:
            if path.is_dir():
                files, unreadable = _folder_files(path)
                bad.extend(unreadable)
                if not files and not unreadable:
                    exts = ", ".join(FOLDER_SUFFIXES)
                    bad.append(Failure(label, f"folder has no article files ({exts})"))
                items.extend(Item(str(f), _file_ident(f, str(f)), "file") for f in files)
            elif path.is_file() and path.suffix.lower() == ".parquet":
                items.extend(_table_items(path, label))
            elif path.is_file():
                items.append(Item(label, _file_ident(path, label), "file"))
            else:
                bad.append(Failure(label, "no such file or folder"))
        except ArticleError as exc:
            bad.append(Failure(label, str(exc).removeprefix(f"{label}: ")))
        except OSError as exc:
            bad.append(Failure(label, f"cannot read: {exc.strerror or exc}"))
    return items, bad


def plan_partitions(items: Sequence[Item], covered: set[str], *, size: int) -> list[Task]:
    """Partitions of about ``size`` articles over the items not ``covered`` by a commit record.

    Each item keeps its position in ``items`` as its ``seq``; a partition's key
    is a digest of its items' idents, so the same inputs make the same shards.
    """
    tasks: list[Task] = []
    chunk: list[tuple[int, Item]] = []
    weight = 0

    def close() -> None:
        digest = hashlib.sha256("\n".join(i.ident for _, i in chunk).encode()).hexdigest()[:20]
        first, last = chunk[0][1].label, chunk[-1][1].label
        label = first if len(chunk) == 1 else f"{first} .. {last} ({len(chunk)} inputs)"
        tasks.append(Task(digest, label, tuple(chunk)))

    for seq, item in enumerate(items):
        if item.ident in covered:
            continue
        if chunk and weight + item.weight > size:
            close()
            chunk, weight = [], 0
        chunk.append((seq, item))
        weight += item.weight
    if chunk:
        close()
    return tasks


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _table_articles(item: Item, fetched_at: datetime) -> tuple[list[Article], list[Failure]]:
    path = item.label.rsplit("#", 1)[0]
    table = pq.ParquetFile(path).read_row_group(item.row_group)
    if "text" not in table.column_names:
        raise ArticleError("a Parquet table of articles needs a 'text' column", source=path)
    stem = Path(path).stem
    out: list[Article] = []
    bad: list[Failure] = []
    for k, rec in enumerate(table.to_pylist()):
        row = item.first_row + k
        text = rec.get("text")
        if not isinstance(text, str) or not text.strip():
            bad.append(Failure(f"{path} row {row}", "empty: no text"))
            continue
        try:
            published = _as_date(rec.get("published"))
        except ValueError:
            bad.append(Failure(f"{path} row {row}", f"published {rec.get('published')!r} is not a date"))  # fmt: skip
            continue
        out.append(
            Article(
                name=str(rec.get("name") or f"{stem}-{row}"),
                text=text,
                title=rec.get("title"),
                published=published,
                date_origin="header" if published is not None else None,
                source=rec.get("source"),
                origin=str(rec.get("origin") or f"{path}#row{row}"),
                kind="txt",
                fetched_at=fetched_at,
            )
        )
    return out, bad


def _read(item: Item, fetched_at: datetime, max_bytes: int) -> tuple[list[Article], list[Failure]]:
    if item.kind == "rows":
        return _table_articles(item, fetched_at)
    read = ingest([item.label], now=fetched_at, max_bytes=max_bytes)
    return list(read.articles), list(read.failures)


def add_partition(
    task: Task, *, root: str, added: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> Outcome:
    """Read one partition's items and commit its article shards (one per month), then its record.

    An item that gives no article is one ``Failure`` in the outcome and in the
    record (it is not read again, unless it is a URL: a fetch may work later).
    """
    archive = Archive(Path(root))
    done = archive.commit_path(task.key)
    if done.exists():  # committed already (Dask recomputing a result it lost): keep it
        record = Manifest.from_json(read_json(done))
        return Outcome(task.key, task.label, "written", record.rows, failures=record.failures,
                       shards=len(record.shards))  # fmt: skip
    fetched_at = datetime.fromisoformat(added)
    rows: list[OrderedArticle] = []
    seen: set[str] = set()
    failures: list[Failure] = []
    covered: list[str] = []
    for seq, item in task.payload:
        articles, bad = _read(item, fetched_at, max_bytes)
        failures.extend(bad)
        if not (bad and item.kind == "url"):
            covered.append(item.ident)
        for sub, article in enumerate(articles):
            if article.id not in seen:  # the first of a partition; views keep the first overall
                seen.add(article.id)
                rows.append(OrderedArticle(article, added, seq, sub))
    by_month: dict[str, list[OrderedArticle]] = {}
    for row in rows:
        by_month.setdefault(month_of(row.article.published), []).append(row)
    shards = []
    for month, group in sorted(by_month.items()):
        shard = Shard(month, task.key)
        write_shard(article_rows(group), archive.path("articles", shard), key=task.key)
        shards.append(shard)
    record = Manifest(task.key, added, tuple(covered), tuple(shards), len(rows), tuple(failures))
    write_json(record.to_json(), archive.commit_path(task.key))
    return Outcome(task.key, task.label, "written", len(rows), failures=tuple(failures),
                   shards=len(shards))  # fmt: skip


def run_started() -> str:
    """The ``added`` stamp of a run: now, naive UTC, to the microsecond (sorts as text)."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def add_articles(
    archive: Archive,
    inputs: Sequence[str | Path],
    *,
    client: Client | None,
    where: str = "this process",
    partition_size: int = 500,
    max_bytes: int = DEFAULT_MAX_BYTES,
    added: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> StageResult:
    """Read ``inputs`` into ``archive``: new inputs only, in partitions of ``partition_size``.

    Parameters
    ----------
    client
        Where partitions run (None: in this process).
    partition_size
        Articles per partition (files count one; a Parquet row group its rows).
    added
        The run's stamp (default: now); articles read twice keep the earliest.

    Returns
    -------
    StageResult
        ``rows`` are the articles written; failures name each input that gave
        no article and each partition that failed (its inputs are read again
        by the next run, which so resumes where this one stopped).
    """
    if partition_size < 1:
        raise InputError(f"--partition-size {partition_size}: must be 1 or more")
    start = time.perf_counter()
    items, problems = list_inputs(inputs)
    manifests, bad = archive.manifests()
    covered = {i for m in manifests for i in m.items}
    tasks = plan_partitions(items, covered, size=partition_size)
    already = sum(i.ident in covered for i in items)
    shared = {"root": str(archive.root), "added": added or run_started(), "max_bytes": max_bytes}
    outcomes = run_tasks(
        client, add_partition, tasks, stage="add", shared=shared, on_progress=on_progress
    )
    notes = (f"{already:,} inputs already in the archive (not read again)",) if already else ()
    return StageResult(
        "archive add", where, 0, tuple(outcomes), time.perf_counter() - start, "articles",
        notes, (*problems, *bad),
    )  # fmt: skip
