"""``wide_values`` against pandas' own ``pivot_table(aggfunc="last")``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from themelens.data.wide import wide_values


def _long(seed: int, unit: str = "ns") -> pd.DataFrame:
    """Ragged histories with repeated keys, NaN values, an all-NaN ticker and a NaN-only date."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2024-01-01", periods=60).as_unit(unit)
    parts = []
    for i in range(12):
        days = dates[rng.integers(0, 30) :]
        parts.append(
            pd.DataFrame({"date": days, "ticker": f"T{i:02d}", "close": rng.random(len(days))})
        )
    frame = pd.concat(parts, ignore_index=True)
    repeats = frame.sample(25, random_state=seed).assign(close=lambda f: f["close"] + 10)
    nan_rows = frame.sample(20, random_state=seed + 1).assign(close=np.nan)  # NaN after a value
    frame = pd.concat([frame, repeats, nan_rows], ignore_index=True)
    frame.loc[frame["ticker"] == "T05", "close"] = np.nan  # a ticker with no value at all
    lone = pd.DataFrame(
        {"date": [dates[-1] + pd.Timedelta(days=3)], "ticker": ["T01"], "close": [np.nan]}
    )
    return pd.concat([frame, lone], ignore_index=True).sample(frac=1.0, random_state=seed)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("unit", ["ns", "us"])
@pytest.mark.parametrize("categorical", [False, True])
def test_equals_pivot_table_last(seed: int, unit: str, categorical: bool) -> None:
    frame = _long(seed, unit)
    if categorical:
        frame = frame.assign(ticker=frame["ticker"].astype("category"))
    theirs = frame.pivot_table(index="date", columns="ticker", values="close", aggfunc="last",
                               observed=True).sort_index()  # fmt: skip
    theirs.columns = pd.Index([str(c) for c in theirs.columns], name="ticker")
    ours = wide_values(frame)
    pd.testing.assert_frame_equal(ours, theirs, check_freq=False, check_index_type=False)
    picked = ["T07", "T02", "T05", "NOPE"]
    ours = wide_values(frame, picked)
    assert list(ours.columns) == ["T07", "T02"]  # tickers' order; empty ones left out
    pd.testing.assert_frame_equal(ours, theirs[["T07", "T02"]].dropna(how="all"), check_freq=False)
    kept = wide_values(frame, picked, drop_empty=False)
    assert list(kept.columns) == picked and kept["NOPE"].isna().all()
