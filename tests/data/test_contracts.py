"""The price contract's text columns: ``category`` of ``str``, categories the sorted values present."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from themelens.data.contracts import (
    TEXT_COLUMNS,
    concat_prices,
    empty_prices,
    text_category,
    ticker_runs,
    validate_prices,
)
from themelens.data.providers import CsvProvider, fetch_prices


def prices(tickers: list[str], provider: str = "yahoo", sessions: int = 3) -> pd.DataFrame:
    dates = pd.bdate_range("2025-01-06", periods=sessions)
    return pd.DataFrame(
        {
            "date": np.tile(dates.to_numpy(), len(tickers)),
            "ticker": np.repeat(tickers, sessions),
            "open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": 1.0,
            "provider": provider,
            "source": [f"{provider}:{t}" for t in np.repeat(tickers, sessions)],
            "fetched_at": pd.Timestamp("2025-02-01"),
        }
    )  # fmt: skip


def assert_canonical(column: pd.Series) -> None:
    assert isinstance(column.dtype, pd.CategoricalDtype)
    assert isinstance(column.cat.categories.dtype, pd.StringDtype)
    assert list(column.cat.categories) == sorted(column.dropna().unique())
    assert not column.cat.ordered


def test_validated_text_columns_are_categories_of_the_values_present() -> None:
    frame = validate_prices(prices(["MSFT", "AAPL"]))
    for c in TEXT_COLUMNS:
        assert_canonical(frame[c])
    assert list(frame["ticker"].unique()) == ["AAPL", "MSFT"]
    assert ticker_runs(frame) is not None


def test_a_filtered_frame_drops_the_categories_it_no_longer_uses() -> None:
    frame = validate_prices(prices(["MSFT", "AAPL", "BIDU"]))
    kept = validate_prices(frame[frame["ticker"] != "BIDU"])
    assert list(kept["ticker"].cat.categories) == ["AAPL", "MSFT"]
    assert validate_prices(kept)["ticker"].dtype == kept["ticker"].dtype


def test_the_empty_frame_has_text_categories() -> None:
    for c in TEXT_COLUMNS:
        assert_canonical(empty_prices()[c])
    assert_canonical(text_category(pd.Series([], dtype=object)))


def test_concat_unions_the_categories() -> None:
    a = validate_prices(prices(["MSFT"], "yahoo"))
    b = validate_prices(prices(["0700.HK", "AAPL"], "akshare"))
    both = concat_prices([a, b])
    for c in TEXT_COLUMNS:
        assert_canonical(both[c])
    assert list(both["ticker"]) == [*a["ticker"], *b["ticker"]]  # rows in the order given
    pd.testing.assert_frame_equal(
        validate_prices(both), validate_prices(pd.concat([a, b]).astype({c: str for c in TEXT_COLUMNS}))
    )  # fmt: skip


def test_a_text_value_cannot_become_a_number() -> None:
    frame = validate_prices(prices(["1810.HK"]).assign(ticker="0981"))
    assert frame["ticker"].iloc[0] == "0981"
    assert_canonical(frame["ticker"])


@pytest.mark.parametrize("n_tickers", [41, 1000])
def test_a_row_costs_about_sixty_bytes(n_tickers: int) -> None:
    """Categories make a row 8 bytes per number and date plus a byte per text column
    (270 bytes a row when the text was one Python string per row)."""
    frame = validate_prices(prices([f"T{i:04d}.HK" for i in range(n_tickers)], sessions=250))
    per_row = frame.memory_usage(deep=True, index=False).sum() / len(frame)
    assert per_row < 8 * 7 + 3 * 2 + 1


def test_the_real_files_load_as_categories(shared_prices_dir: Path) -> None:
    provider = CsvProvider(shared_prices_dir)
    frame = fetch_prices(provider, provider.available_tickers()).frame
    for c in TEXT_COLUMNS:
        assert_canonical(frame[c])
    per_row = frame.memory_usage(deep=True, index=False).sum() / len(frame)
    assert per_row < 64
