from __future__ import annotations

import math

import pandas as pd
import pytest

from themelens.analytics.groups import summarise_groups


def test_group_means_and_best_mover_by_hand() -> None:
    rows = pd.DataFrame(
        {
            "ticker": ["A", "B", "C", "D"],
            "return_1d_pct": [float("nan"), 4.0, -1.0, 9.0],
            "return_1w_pct": [1.0, 3.0, 0.0, 0.0],
            "return_1m_pct": [0.0, 0.0, 0.0, 0.0],
            "return_ytd_pct": [10.0, float("nan"), 5.0, 1.0],
        }
    )
    out = summarise_groups(rows, {"A": "leader", "B": "leader", "C": "supply-chain"}).set_index(
        "group"
    )
    assert list(out.index) == ["leader", "supply-chain"]  # D is in no group
    assert out.loc["leader", "members"] == 2
    assert out.loc["leader", "return_1d_pct"] == pytest.approx(4.0)  # A's missing 1d is skipped
    assert out.loc["leader", "return_ytd_pct"] == pytest.approx(10.0)  # B's missing ytd is skipped
    assert out.loc["leader", "best_1d_ticker"] == "B"
    assert out.loc["supply-chain", "return_1d_pct"] == pytest.approx(-1.0)


def test_group_with_no_values_is_nan_not_zero() -> None:
    rows = pd.DataFrame(
        {
            "ticker": ["A"],
            "return_1d_pct": [float("nan")],
            "return_1w_pct": [1.0],
            "return_1m_pct": [1.0],
            "return_ytd_pct": [1.0],
        }
    )
    out = summarise_groups(rows, {"A": "g"})
    assert math.isnan(out.loc[0, "return_1d_pct"]) and out.loc[0, "best_1d_ticker"] is None
