"""The archive in the DuckDB store: views over the committed shards, registered by one process.

Workers write Parquet shards and never open the DuckDB file (DuckDB has one
writing process; ``duckdb_file`` serialises every connection). The client,
once a stage has run, lists the committed shards, checks each one's footer
(a corrupt or truncated shard is named and left out, never fatal to the
rest) and (re)creates these views in the store:

``archive_articles``
    One row per article id: the first read (``added, seq, sub`` order).
``archive_claims``
    The claims of those rows (an article read twice is extracted once in the view).
``archive_verdicts``
    The verdicts of those claims, from shards verified against the claims
    shard as it is now.

``archive_articles_read`` holds every article row, repeats included. The
views list their files explicitly, so a shard written after registration
shows once a command registers again (every ``archive`` command does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pyarrow as pa

from themelens.duckdb_file import DuckDBFile
from themelens.errors import Failure
from themelens.news.claim import Claim
from themelens.scale.layout import TABLES, Archive, Table
from themelens.scale.rows import OrderedArticle, articles_from, claims_from, verified_from
from themelens.scale.shards import check_shard, shard_key
from themelens.scale.verification import KEY_SEPARATOR
from themelens.verify import VerifiedClaim

__all__ = [
    "VIEWS",
    "Registered",
    "committed_files",
    "query",
    "read_articles",
    "read_claims",
    "read_verified",
    "register_views",
    "store",
]

VIEWS: Final = ("archive_articles", "archive_claims", "archive_verdicts")

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS scale_archive (
    root VARCHAR PRIMARY KEY,
    registered_at TIMESTAMP DEFAULT current_timestamp
);
"""

_MATCH: Final = (
    "x.article_id = a.id AND x.article_added = a.added "
    "AND x.article_seq = a.seq AND x.article_sub = a.sub"
)


@dataclass(frozen=True)
class Registered:
    """The committed, readable files of each table, and the ones left out with why."""

    files: dict[Table, tuple[Path, ...]]
    problems: tuple[Failure, ...]
    uncommitted: int


def committed_files(archive: Archive) -> Registered:
    """Every committed shard that reads as Parquet; a corrupt one becomes a problem.

    A claims shard counts when its article shard does; a verdicts shard when
    its claims shard does and it was verified against that very claims shard.
    """
    shards, problems = archive.article_shards()
    files: dict[Table, list[Path]] = {t: [] for t in TABLES}
    bad = list(problems)

    def keep(table: Table, path: Path) -> bool:
        why = check_shard(path)
        if why is not None:
            bad.append(Failure(archive.rel(path), why))
            return False
        files[table].append(path)
        return True

    for shard in shards:
        if not keep("articles", archive.path("articles", shard)):
            continue
        claims = archive.path("claims", shard)
        if not claims.exists() or not keep("claims", claims):
            continue
        verdicts = archive.path("verdicts", shard)
        claims_key = shard_key(claims) or ""
        made_from = (shard_key(verdicts) or "").split(KEY_SEPARATOR)[0]
        if verdicts.exists() and made_from == claims_key:
            keep("verdicts", verdicts)
    committed = {p for paths in files.values() for p in paths}
    on_disk = [p for t in TABLES for p in archive.files(t)]
    uncommitted = sum(p not in committed for p in on_disk) + len(archive.partials())
    frozen = {t: tuple(paths) for t, paths in files.items()}
    return Registered(frozen, tuple(dict.fromkeys(bad)), uncommitted)


def store(db_path: Path) -> DuckDBFile:
    """The DuckDB file the views live in (the same file as the article and price store)."""
    return DuckDBFile(db_path, schema=_SCHEMA)


def _files_sql(paths: Sequence[Path]) -> str:
    quoted = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
    return f"read_parquet([{quoted}], hive_partitioning = false, union_by_name = true)"


def register_views(archive: Archive, db_path: Path) -> Registered:
    """(Re)create the archive's views in the store at ``db_path``; returns what they cover."""
    found = committed_files(archive)
    read = {t: _files_sql([archive.schema_file(t), *found.files[t]]) for t in TABLES}
    statements = [
        f"CREATE OR REPLACE VIEW archive_articles_read AS SELECT * FROM {read['articles']}",
        "CREATE OR REPLACE VIEW archive_articles AS SELECT * FROM archive_articles_read "
        "QUALIFY row_number() OVER (PARTITION BY id ORDER BY added, seq, sub) = 1",
        f"CREATE OR REPLACE VIEW archive_claims AS SELECT x.* FROM {read['claims']} AS x "
        f"SEMI JOIN archive_articles AS a ON {_MATCH}",
        f"CREATE OR REPLACE VIEW archive_verdicts AS SELECT x.* FROM {read['verdicts']} AS x "
        f"SEMI JOIN archive_articles AS a ON {_MATCH}",
    ]
    with store(db_path).connect() as con:
        for sql in statements:
            con.execute(sql)
        con.execute("DELETE FROM scale_archive")
        con.execute("INSERT INTO scale_archive (root) VALUES (?)", [str(archive.root)])
    return found


def _arrow(db_path: Path, sql: str, params: Sequence[Any] = ()) -> pa.Table:
    with store(db_path).connect(read_only=True) as con:
        table = con.sql(sql, params=list(params) or None).to_arrow_table()
    assert table is not None  # a query always answers with a table, maybe empty
    return table


def query(db_path: Path, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Rows of ``sql`` over the registered views, as Python values (dates as ``date``)."""
    rows: list[dict[str, Any]] = _arrow(db_path, sql, params).to_pylist()
    return rows


def read_articles(db_path: Path) -> list[OrderedArticle]:
    """Every article in the archive (one per id), in reading order."""
    return articles_from(_arrow(db_path, "SELECT * FROM archive_articles ORDER BY added, seq, sub"))


_CLAIM_ORDER: Final = "ORDER BY article_added, article_seq, article_sub, claim_index"


def read_claims(db_path: Path) -> list[Claim]:
    """Every claim in the archive, articles in reading order, claims in article order."""
    table = _arrow(db_path, f"SELECT * FROM archive_claims {_CLAIM_ORDER}")
    return [c for _, _, c in claims_from(table)]


def read_verified(db_path: Path) -> list[VerifiedClaim]:
    """Every verified claim in the archive, in the order of :func:`read_claims`."""
    sql = (
        "SELECT c.*, v.ticker, v.asof, v.computed_json, v.verdict, v.reason, v.proxy, "
        "v.figures_session, v.session_close_pct, v.day_low_pct, v.day_high_pct "
        "FROM archive_claims AS c JOIN archive_verdicts AS v USING "
        "(article_id, article_added, article_seq, article_sub, claim_index) "
        "ORDER BY c.article_added, c.article_seq, c.article_sub, c.claim_index"
    )
    return verified_from(query(db_path, sql))
