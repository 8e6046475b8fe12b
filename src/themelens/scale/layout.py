"""The archive on disk: a folder of Parquet datasets, partitioned by month, and commit records.

::

    ARCHIVE/
      _schema/{articles,claims,verdicts}.parquet   empty files holding each table's schema
      _commits/articles/<partition>.json           one per ingest partition: its inputs, its shards
      articles/month=YYYY-MM/<partition>.parquet   (month=undated without a date)
      claims/month=YYYY-MM/<partition>.parquet     one per article shard, same name
      verdicts/month=YYYY-MM/<partition>.parquet   one per claims shard, same name

What is committed:

* an article shard when the commit record of its ingest partition names it
  (a partition may write several months, so its record is written last and
  is what makes them all count at once);
* a claims or verdicts shard when it exists under its final name (it has
  one input, the shard of the same name, and is written atomically).

Files that are neither (a ``.partial`` file, an article shard without its
record) belong to a run that died; they are ignored, counted by ``status``,
and overwritten when the partition runs again.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import pyarrow.parquet as pq

from themelens.errors import Failure, InputError
from themelens.scale.rows import ARTICLE_SCHEMA, CLAIM_SCHEMA, VERDICT_SCHEMA
from themelens.scale.shards import read_json

__all__ = ["TABLES", "Archive", "Manifest", "Shard", "Table"]

Table = Literal["articles", "claims", "verdicts"]
TABLES: Final[tuple[Table, ...]] = ("articles", "claims", "verdicts")
_SCHEMAS: Final = {"articles": ARTICLE_SCHEMA, "claims": CLAIM_SCHEMA, "verdicts": VERDICT_SCHEMA}


@dataclass(frozen=True)
class Shard:
    """One shard's place: its month and its name (the partition that wrote it)."""

    month: str
    name: str

    def relative(self, table: Table) -> str:
        return f"{table}/month={urllib.parse.quote(self.month, safe='-')}/{self.name}.parquet"


@dataclass(frozen=True)
class Manifest:
    """An ingest partition's commit record: the inputs it covered and the shards it wrote."""

    partition: str
    added: str
    items: tuple[str, ...]
    shards: tuple[Shard, ...]
    rows: int
    failures: tuple[Failure, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            partition=str(data["partition"]),
            added=str(data["added"]),
            items=tuple(str(i) for i in data["items"]),
            shards=tuple(Shard(str(m), str(n)) for m, n in data["shards"]),
            rows=int(data["rows"]),
            failures=tuple(Failure(str(i), str(r)) for i, r in data.get("failures", [])),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "partition": self.partition,
            "added": self.added,
            "items": list(self.items),
            "shards": [[s.month, s.name] for s in self.shards],
            "rows": self.rows,
            "failures": [[f.item, f.reason] for f in self.failures],
        }


@dataclass(frozen=True)
class Archive:
    """An archive folder (created with its layout on first use).

    Parameters
    ----------
    root
        The folder; every worker must see it at the same path (a local disk
        for a ``LocalCluster``, a shared file system for a remote cluster).
    """

    root: Path

    @classmethod
    def open(cls, root: Path) -> Archive:
        """The archive at ``root``, its folders and schema files made if missing."""
        root = Path(root).expanduser().resolve()
        if root.exists() and not root.is_dir():
            raise InputError(f"--archive {root}: not a folder")
        archive = cls(root)
        try:
            for table in TABLES:
                schema_file = archive.schema_file(table)
                if not schema_file.exists():
                    schema_file.parent.mkdir(parents=True, exist_ok=True)
                    pq.write_table(_SCHEMAS[table].empty_table(), schema_file)
            archive.commits_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"--archive {root}: cannot create it: {exc.strerror or exc}") from exc
        return archive

    @property
    def commits_dir(self) -> Path:
        return self.root / "_commits" / "articles"

    def schema_file(self, table: Table) -> Path:
        return self.root / "_schema" / f"{table}.parquet"

    def path(self, table: Table, shard: Shard) -> Path:
        return self.root / shard.relative(table)

    def commit_path(self, partition: str) -> Path:
        return self.commits_dir / f"{partition}.json"

    def manifests(self) -> tuple[list[Manifest], list[Failure]]:
        """Every commit record, oldest run first; an unreadable record is a failure (skipped)."""
        found: list[Manifest] = []
        bad: list[Failure] = []
        for path in sorted(self.commits_dir.glob("*.json")):
            try:
                found.append(Manifest.from_json(read_json(path)))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                bad.append(Failure(self.rel(path), f"unreadable commit record: {exc}"))
        found.sort(key=lambda m: (m.added, m.partition))
        return found, bad

    def article_shards(self) -> tuple[list[Shard], list[Failure]]:
        """Committed article shards in reading order, and unreadable commit records."""
        manifests, bad = self.manifests()
        return [s for m in manifests for s in m.shards], bad

    def files(self, table: Table) -> Iterator[Path]:
        """Every ``*.parquet`` file under a table's folder (committed or not; not ``.partial``)."""
        folder = self.root / table
        if folder.is_dir():
            yield from sorted(p for p in folder.glob("month=*/*.parquet") if p.is_file())

    def partials(self) -> list[Path]:
        """Temporary files of writes that never finished."""
        return sorted(p for t in TABLES for p in (self.root / t).glob("month=*/.*.partial"))

    def rel(self, path: Path) -> str:
        """``path`` relative to the archive, as failures name it."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)
