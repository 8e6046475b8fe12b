"""Shared fixtures: paths to ../shared material (skipping when absent) and temp stores."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_PRICES = SHARED / "data" / "prices"


@pytest.fixture(scope="session")
def shared_prices_dir() -> Path:
    """The real yfinance price files in ../shared/data/prices; skips when absent."""
    if not SHARED_PRICES.is_dir():
        pytest.skip(f"../shared/data/prices not found at {SHARED_PRICES}")
    return SHARED_PRICES


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    """A fresh DuckDB path under tmp_path (the file does not exist yet)."""
    return tmp_path / "cache.duckdb"
