"""Shards: Parquet files written whole or not at all, and small JSON commit records.

A worker writes a shard to a hidden temporary name beside its final one
(``.NAME.<random>.partial``), flushes it to disk and renames it into place.
``os.replace`` is atomic on one file system, so a reader (or a rerun) sees
either no file or the complete one: a worker killed mid-write leaves only a
``.partial`` file, which every listing ignores. The final name of a shard is
a pure function of its input, so a rerun writes the same name again.

Each shard carries the key of what made it (code, theme, options) in its
Parquet metadata (``themelens.key``): a rerun skips a shard whose key matches
and redoes one whose key does not. A corrupt or truncated file is named by
``check_shard`` and left out, never fatal to the rest.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "KEY_FIELD",
    "PARTIAL_SUFFIX",
    "check_shard",
    "read_json",
    "shard_key",
    "write_json",
    "write_shard",
]

KEY_FIELD: Final = b"themelens.key"
PARTIAL_SUFFIX: Final = ".partial"


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}{PARTIAL_SUFFIX}")


def _commit(tmp: Path, path: Path) -> None:
    """Flush ``tmp`` to disk and rename it to ``path`` (atomic on one file system)."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def write_shard(table: pa.Table, path: Path, *, key: str) -> int:
    """Write ``table`` to ``path`` atomically with ``key`` in its metadata; returns its rows.

    Notes
    -----
    zstd-compressed, one row group per shard (shards are sized by the runner,
    so a reader never needs a part of one).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(table.schema.metadata or {})
    meta[KEY_FIELD] = key.encode()
    table = table.replace_schema_metadata(meta)
    tmp = _temporary(path)
    try:
        pq.write_table(table, tmp, compression="zstd", row_group_size=max(table.num_rows, 1))
        _commit(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return int(table.num_rows)


def shard_key(path: Path) -> str | None:
    """The key a shard was written with; None when the file is missing, keyless or unreadable."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return None
    raw = meta.get(KEY_FIELD)
    return raw.decode() if raw is not None else None


def check_shard(path: Path) -> str | None:
    """None for a readable Parquet file, else why not (one line)."""
    try:
        pq.read_metadata(path)
    except FileNotFoundError:
        return "missing (listed in a commit record but not on disk)"
    except (OSError, pa.ArrowException) as exc:
        text = " ".join(str(exc).split())
        return f"not a readable Parquet file (corrupt or truncated): {text[:160]}"
    return None


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write a commit record atomically (it is the last thing a partition writes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(path)
    try:
        tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        _commit(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def read_json(path: Path) -> dict[str, Any]:
    """A commit record; ``ValueError`` when it is not a JSON object."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data
