"""``archive status``: what the archive holds, month by month, read through the DuckDB views."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from themelens.errors import Failure
from themelens.scale.extraction import extraction_key
from themelens.scale.layout import TABLES, Archive
from themelens.scale.shards import shard_key
from themelens.scale.verification import KEY_SEPARATOR
from themelens.scale.views import query, register_views
from themelens.summary import ShowsSummary, Summary
from themelens.theme import Theme
from themelens.verify import VERDICTS

__all__ = ["MONTH_COLUMNS", "ArchiveStatus", "archive_status"]

MONTH_COLUMNS = ("month", "articles", "claims", "verdicts", *VERDICTS)
"""``to_frame()`` columns: per month, articles (one per id), their claims, verdicts by kind."""


@dataclass(frozen=True)
class ArchiveStatus(ShowsSummary):
    """The archive's contents and its loose ends.

    ``months`` has :data:`MONTH_COLUMNS`; ``shards`` the committed shards per
    table; ``to_extract`` article shards without current claims (``stale`` of
    them extracted under another theme or release), ``to_verify`` claims
    shards without verdicts made from them; ``read_failures`` the inputs that
    gave no article; ``problems`` corrupt shards and unreadable commit
    records (left out of the views); ``uncommitted`` files of runs that died.
    """

    root: Path
    db_path: Path
    months: pd.DataFrame
    shards: dict[str, int]
    to_extract: int
    stale: int
    to_verify: int
    read_failures: tuple[Failure, ...]
    problems: tuple[Failure, ...]
    uncommitted: int

    def to_frame(self) -> pd.DataFrame:
        return self.months.copy()

    def to_dict(self) -> dict[str, Any]:
        return {
            "archive": str(self.root),
            "db": str(self.db_path),
            "months": self.months.to_dict("records"),
            "totals": {c: int(self.months[c].sum()) for c in MONTH_COLUMNS[1:]},
            "shards": dict(self.shards),
            "to_extract": self.to_extract,
            "stale_claims": self.stale,
            "to_verify": self.to_verify,
            "read_failures": [str(f) for f in self.read_failures],
            "problems": [str(f) for f in self.problems],
            "uncommitted_files": self.uncommitted,
        }

    def summary(self) -> Summary:
        table = self.months.copy()
        if len(table):
            total = {"month": "(all)", **{c: table[c].sum() for c in MONTH_COLUMNS[1:]}}
            table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
        for c in MONTH_COLUMNS[1:]:
            table[c] = [f"{int(v):,}" for v in table[c]]
        notes = [
            f"shards: {self.shards['articles']:,} article, {self.shards['claims']:,} claims, "
            f"{self.shards['verdicts']:,} verdicts; views archive_articles, archive_claims, "
            f"archive_verdicts in {self.db_path}",
        ]
        if self.to_extract:
            stale = f" ({self.stale:,} under another theme or release)" if self.stale else ""
            notes.append(f"{self.to_extract:,} article shards to extract{stale}: `archive extract`")
        if self.to_verify:
            notes.append(f"{self.to_verify:,} claims shards to verify: `archive verify`")
        if self.read_failures:
            notes.append(f"{len(self.read_failures):,} inputs gave no article (--format json lists them)")  # fmt: skip
        notes.extend(f"left out: {p}" for p in self.problems)
        if self.uncommitted:
            notes.append(
                f"{self.uncommitted:,} files of runs that died (never read; rerun the stage to redo them)"
            )
        return Summary(f"Archive {self.root}", table, tuple(notes))


def _per_month(db_path: Path) -> pd.DataFrame:
    counts: dict[str, dict[str, int]] = {}
    for view, col in (("archive_articles", "articles"), ("archive_claims", "claims")):
        for row in query(db_path, f"SELECT month, count(*) AS n FROM {view} GROUP BY month"):
            counts.setdefault(row["month"], {})[col] = row["n"]
    sql = "SELECT month, verdict, count(*) AS n FROM archive_verdicts GROUP BY month, verdict"
    for row in query(db_path, sql):
        month = counts.setdefault(row["month"], {})
        month[row["verdict"]] = row["n"]
        month["verdicts"] = month.get("verdicts", 0) + row["n"]
    records = [{"month": m, **v} for m, v in sorted(counts.items())]
    frame = pd.DataFrame.from_records(records, columns=list(MONTH_COLUMNS))
    for c in MONTH_COLUMNS[1:]:
        frame[c] = frame[c].fillna(0).astype("int64")
    return frame


def archive_status(archive: Archive, db_path: Path, *, theme: Theme | None = None) -> ArchiveStatus:
    """Register the views and count what they hold; with ``theme``, which claims are stale."""
    registered = register_views(archive, db_path)
    shards, _ = archive.article_shards()
    manifests, _ = archive.manifests()
    current = extraction_key(theme) if theme is not None else None
    to_extract = stale = to_verify = 0
    for shard in shards:
        key = shard_key(archive.path("claims", shard))
        if key is None or (current is not None and key != current):
            to_extract += 1
            stale += key is not None
            continue
        made_from = (shard_key(archive.path("verdicts", shard)) or "").split(KEY_SEPARATOR)[0]
        to_verify += made_from != key
    return ArchiveStatus(
        root=archive.root,
        db_path=db_path,
        months=_per_month(db_path),
        shards={t: len(registered.files[t]) for t in TABLES},
        to_extract=to_extract,
        stale=stale,
        to_verify=to_verify,
        read_failures=tuple(f for m in manifests for f in m.failures),
        problems=registered.problems,
        uncommitted=registered.uncommitted,
    )
