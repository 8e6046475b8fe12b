"""A price dataset: one Parquet shard per ticker (``ticker=<name>/bars.parquet``).

Partitioning by ticker is what makes a universe shuffle-free: every rally
metric and every event's window reads one ticker's rows (plus the
benchmark's), so a partition of tickers reads its own files and nothing
else. Shards are written atomically; a shard that will not read is named and
skipped, the other tickers go on.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from themelens.errors import Failure, InputError
from themelens.scale.shards import check_shard, write_shard

__all__ = [
    "PRICE_COLUMNS",
    "dataset_tickers",
    "read_price_dataset",
    "ticker_path",
    "write_price_dataset",
]

PRICE_COLUMNS: Final = ("date", "ticker", "open", "high", "low", "close", "volume", "provider")
"""The long price contract (``data.contracts``), ``provider`` kept when present."""

_PREFIX: Final = "ticker="
_FILE: Final = "bars.parquet"


def ticker_path(root: Path, ticker: str) -> Path:
    """Where a ticker's shard lives (the name percent-encoded: ``^HSI`` is ``%5EHSI``)."""
    return Path(root) / f"{_PREFIX}{urllib.parse.quote(ticker, safe='.-_')}" / _FILE


def write_price_dataset(prices: pd.DataFrame, root: Path) -> tuple[str, ...]:
    """Write a long price frame as one shard per ticker under ``root``; returns the tickers.

    A ticker already in the dataset is replaced whole (atomically).
    """
    missing = {"date", "ticker", "close"} - set(prices.columns)
    if missing:
        raise InputError(f"prices: columns {sorted(missing)} missing")
    cols = [c for c in PRICE_COLUMNS if c in prices.columns]
    written = []
    for ticker, rows in prices[cols].groupby("ticker", sort=True):
        frame = rows.sort_values("date", kind="stable").reset_index(drop=True)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        write_shard(table, ticker_path(root, str(ticker)), key=f"prices:{ticker}")
        written.append(str(ticker))
    return tuple(written)


def dataset_tickers(root: Path) -> tuple[str, ...]:
    """Every ticker with a shard under ``root``, sorted."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"--prices {root}: not a folder (a price dataset is a folder of ticker=... shards)")  # fmt: skip
    found = [
        urllib.parse.unquote(p.parent.name[len(_PREFIX) :])
        for p in root.glob(f"{_PREFIX}*/{_FILE}")
        if p.is_file()
    ]
    return tuple(sorted(found))


def read_price_dataset(
    root: Path, tickers: Sequence[str] | None = None
) -> tuple[pd.DataFrame, tuple[Failure, ...]]:
    """The long frame of ``tickers`` (default: all), and one failure per ticker not read.

    A ticker with no shard or a shard that will not read is a ``Failure``
    naming it and the file; the others are returned.
    """
    root = Path(root)
    wanted = dataset_tickers(root) if tickers is None else tuple(dict.fromkeys(tickers))
    tables: list[pa.Table] = []
    failures: list[Failure] = []
    for ticker in wanted:
        path = ticker_path(root, ticker)
        why = "no shard in the dataset" if not path.exists() else check_shard(path)
        if why is not None:
            failures.append(Failure(ticker, why, where=str(path)))
            continue
        try:
            tables.append(pq.ParquetFile(path).read())
        except (OSError, pa.ArrowException) as exc:
            failures.append(Failure(ticker, f"unreadable shard: {exc}", where=str(path)))
    if not tables:
        return pd.DataFrame(columns=["date", "ticker", "close"]), tuple(failures)
    frame = pa.concat_tables(tables, promote_options="default").to_pandas()
    return frame, tuple(failures)
