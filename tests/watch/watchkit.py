"""Shared pieces of the watch tests: the recordings, the issue 20 story, a store query."""

from __future__ import annotations

import importlib.util
import tempfile
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from feedserver import Item

from themelens.data.intraday import IntradayProvider, replay_intraday
from themelens.data.providers.yahoo import YahooProvider, record, replay_fetch
from themelens.data.sources import SingleProvider
from themelens.duckdb_file import DuckDBFile

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings" / "yahoo_intraday"
MINUTES = RECORDINGS / "1m"


@cache
def _daily_recording() -> Path:
    """The daily recording, written once per process by ``make_synthetic.py`` (seeded, so the
    same bars every time) into a temporary folder: daily CSVs in the yfinance format are not
    committed, so none can be mistaken for, or become, a copy of real price files."""
    spec = importlib.util.spec_from_file_location(
        "make_synthetic", RECORDINGS / "make_synthetic.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = Path(tempfile.mkdtemp(prefix="themelens-daily-recording-")) / "daily"
    record(
        tuple(module.PATHS), folder, start=module.FIRST, end=module.LAST,
        fetch=module.fetch_daily, synthetic=True, note=module.DAILY_NOTE,
    )  # fmt: skip
    return folder


DAILY = _daily_recording()

# 2025-11-20, Hong Kong (UTC+8): the session runs 01:30-08:00 UTC
STORY: tuple[Item, ...] = (
    Item(
        "SMIC surges on chip hopes",
        "HONG KONG - SMIC shares rose nearly 8% on Thursday as investors bet on home-grown chips.",
        datetime(2025, 11, 20, 6, 5),
        "https://wire.example/smic-surges",
    ),
    Item(
        "Alibaba slips",
        "HONG KONG - Alibaba shares fell 3% in Hong Kong on Thursday after the earnings call.",
        datetime(2025, 11, 20, 6, 10),
        "https://wire.example/alibaba-slips",
    ),
    Item(
        "SMIC's Wednesday",
        "HONG KONG - SMIC jumped 5.7% on Wednesday, its best day in a month.",
        datetime(2025, 11, 20, 9, 0),
        "https://wire.example/smic-wednesday",
    ),
)


def replayed_sources() -> dict[str, Any]:
    """The daily and intraday sources of a watch, replaying the recordings."""
    daily, minutes = replay_fetch(DAILY), replay_intraday(MINUTES)
    return {
        "sources": lambda d: SingleProvider(YahooProvider(fetch=daily, deadline=d)),
        "intraday": lambda d: IntradayProvider(fetch=minutes, deadline=d),
    }


def query(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of a read-only query on the store, under the store's own lock."""
    with DuckDBFile(path, schema="SELECT 1").connect(read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
