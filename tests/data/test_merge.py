"""merge_prices: tickers added to a frame keep the contract's order and categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from themelens.data.contracts import ticker_runs, validate_prices
from themelens.data.merge import merge_prices


def prices(tickers: list[str], *, days: int = 6, provider: str = "yahoo") -> pd.DataFrame:
    dates = pd.bdate_range("2025-09-01", periods=days)
    parts = [
        pd.DataFrame(
            {
                "date": dates,
                "ticker": t,
                "open": 10.0 + k,
                "high": 11.0 + k,
                "low": 9.0 + k,
                "close": 10.0 + k + np.arange(days),
                "volume": 1.0,
                "provider": provider,
                "source": f"src:{t}",
                "fetched_at": pd.Timestamp("2025-09-20"),
            }
        )
        for k, t in enumerate(tickers)
    ]
    return validate_prices(pd.concat(parts, ignore_index=True))


NAMES = ["0700.HK", "9988.HK", "BABA", "PROXY-EW-HK", "^GSPC", "a", "ZZ"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sets(st.sampled_from(NAMES), min_size=1), min_size=1, max_size=3))
def test_disjoint_frames_merge_as_validate_prices_sorts_them(groups: list[set[str]]) -> None:
    seen: set[str] = set()
    frames = []
    for k, group in enumerate(groups):
        fresh = sorted(group - seen)
        seen |= group
        if fresh:
            frames.append(prices(fresh, provider=f"p{k}"))
    merged = merge_prices(frames)
    want = validate_prices(pd.concat(frames, ignore_index=True))
    pd.testing.assert_frame_equal(merged, want)
    assert ticker_runs(merged) is not None
    for column in ("ticker", "provider", "source"):
        assert isinstance(merged[column].dtype, pd.CategoricalDtype), column


def test_a_derived_frame_with_plain_text_columns_is_categorised_and_placed() -> None:
    base = prices(["0700.HK", "BABA"])
    derived = prices(["9988.HK"]).astype({"ticker": str, "provider": str, "source": str})
    merged = merge_prices([base, derived])
    assert merged["ticker"].cat.categories.tolist() == ["0700.HK", "9988.HK", "BABA"]
    assert merged["ticker"].astype(str).unique().tolist() == ["0700.HK", "9988.HK", "BABA"]
    assert ticker_runs(merged) is not None


def test_a_ticker_in_two_frames_is_checked_like_any_frame() -> None:
    base = prices(["0700.HK", "BABA"])
    with pytest.raises(ValueError, match="duplicate row for BABA"):
        merge_prices([base, prices(["BABA"])])
    later = prices(["BABA"], days=9).iloc[6:]  # the same ticker, new sessions: sorted in
    merged = merge_prices([base, later])
    assert len(merged) == len(base) + 3
    assert ticker_runs(merged) is not None


def test_no_rows_gives_the_empty_contract_frame() -> None:
    assert merge_prices([]).empty
    assert merge_prices([prices(["A"]).iloc[:0]]).empty
