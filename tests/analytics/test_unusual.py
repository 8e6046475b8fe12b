"""Unusual moves and group divergences, against scipy's percentile of score and real prices."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import percentileofscore

from themelens.analytics.unusual import MIN_SESSIONS, find_unusual
from themelens.data.providers import CsvProvider, fetch_prices


def _long(closes: dict[str, np.ndarray], end: str = "2025-09-17") -> pd.DataFrame:
    """Each series ends on ``end`` (business days back from it)."""
    parts = []
    for ticker, close in closes.items():
        dates = pd.bdate_range(end=end, periods=len(close))
        parts.append(pd.DataFrame({"date": dates, "ticker": ticker, "close": close}))
    return pd.concat(parts, ignore_index=True)


def _walk(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    return 100 * np.cumprod(1 + rng.normal(0, scale, n))


def test_rank_matches_scipy_percentile_of_score() -> None:
    rng = np.random.default_rng(7)
    closes = {"AAA": _walk(rng, 600, 0.02), "BBB": _walk(rng, 400, 0.01)}
    result = find_unusual(_long(closes), ["AAA", "BBB"], None)
    assert result is not None
    for ticker, close in closes.items():
        r = 100 * np.diff(close) / close[:-1]
        row = result.moves.set_index("ticker").loc[ticker]
        expected = percentileofscore(np.abs(r), abs(r[-1]), kind="strict")
        assert row["rank_pct"] == pytest.approx(expected, abs=1e-9)
        assert row["return_1d_pct"] == pytest.approx(r[-1], rel=1e-12)
        assert row["sessions"] == len(r)


def test_a_record_move_is_flagged_and_an_ordinary_one_is_not() -> None:
    rng = np.random.default_rng(1)
    calm = 100 * np.cumprod(1 + rng.normal(0, 0.01, 500))
    jump = np.append(calm, calm[-1] * 1.12)  # +12% on a 1% daily-vol name
    ordinary = np.append(calm, calm[-1] * 1.001)
    result = find_unusual(_long({"JMP": jump, "ORD": ordinary}), ["JMP", "ORD"], None)
    assert result is not None
    flagged = result.flagged_moves()
    assert list(flagged["ticker"]) == ["JMP"]
    assert flagged["rank_pct"].iloc[0] == pytest.approx(100 * 499 / 500)


def test_as_of_cuts_the_history_and_a_short_history_is_noted() -> None:
    rng = np.random.default_rng(3)
    closes = {"OLD": _walk(rng, 700, 0.01), "NEW": _walk(rng, MIN_SESSIONS - 10, 0.01)}
    frame = _long(closes)
    result = find_unusual(frame, ["OLD", "NEW"], None)
    assert result is not None
    assert list(result.moves["ticker"]) == ["OLD"]
    assert result.notes and "NEW" in result.notes[0]
    asof = frame.loc[frame["ticker"] == "OLD", "date"].iloc[650].date()
    earlier = find_unusual(frame, ["OLD"], asof)
    assert earlier is not None and earlier.asof == asof
    assert earlier.moves["sessions"].iloc[0] == 650


def test_groups_moving_apart_are_a_divergence() -> None:
    rng = np.random.default_rng(5)
    n = 600
    common = rng.normal(0, 0.01, n)
    lead = [100 * np.cumprod(1 + common + rng.normal(0, 0.002, n)) for _ in range(2)]
    chip = [100 * np.cumprod(1 + common + rng.normal(0, 0.002, n)) for _ in range(2)]
    for series in lead:
        series[-1] = series[-2] * 1.05
    for series in chip:
        series[-1] = series[-2] * 0.96
    closes = {"L1": lead[0], "L2": lead[1], "C1": chip[0], "C2": chip[1]}
    groups = {"L1": "leader", "L2": "leader", "C1": "supply-chain", "C2": "supply-chain"}
    result = find_unusual(_long(closes), list(closes), None, groups)
    assert result is not None
    (div,) = result.flagged_divergences()
    assert (div.first, div.second) == ("leader", "supply-chain")
    assert div.opposite and div.spread_pct == pytest.approx(9.0, abs=1e-9)
    assert div.rank_pct > 99


def test_nobody_trading_on_the_day_gives_none() -> None:
    empty = pd.DataFrame({"date": pd.to_datetime([]), "ticker": [], "close": []})
    assert find_unusual(empty, ["X"], None) is None


def test_baidu_jump_of_2025_09_17_is_in_its_top_one_percent(shared_prices_dir: Path) -> None:
    names = ["9888.HK", "9988.HK", "0700.HK", "0981.HK", "1347.HK"]
    frame = fetch_prices(CsvProvider(shared_prices_dir), names).frame
    result = find_unusual(frame, names, date(2025, 9, 17))
    assert result is not None and result.asof == date(2025, 9, 17)
    flagged = result.flagged_moves()
    assert list(flagged["ticker"]) == ["9888.HK"]
    assert flagged["return_1d_pct"].iloc[0] == pytest.approx(15.72, abs=0.01)
