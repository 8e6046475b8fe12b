"""Fixtures for the scale tests: the theme, demo prices for its tickers, a small corpus."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from scale_corpus import write_corpus

from themelens.data.providers import DemoProvider, fetch_prices
from themelens.theme import Theme, load_theme


@pytest.fixture(scope="session")
def theme() -> Theme:
    return load_theme("china-ai")


@pytest.fixture(scope="session")
def demo_prices(theme: Theme) -> pd.DataFrame:
    """The synthetic demo market for every ticker the theme lists (offline, seeded)."""
    return fetch_prices(DemoProvider(), list(theme.all_tickers())).frame


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """40 varied demo articles and one empty file (a bad input) in a folder."""
    folder = tmp_path / "articles"
    write_corpus(folder, 40)
    (folder / "zz-empty.txt").write_text("", encoding="utf-8")
    return folder
