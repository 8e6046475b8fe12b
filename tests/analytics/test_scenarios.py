"""Scenario targets on hand-worked numbers; the block bootstrap on a seed and on its statistics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from themelens.analytics.scenarios import joint_log_returns, project_scenarios, simulate_paths
from themelens.analytics.scenarios._bootstrap import (
    default_block_length,
    draw_block_starts,
    expand_blocks,
    simulate,
)
from themelens.errors import InputError
from themelens.theme import Scenarios

SCENARIOS = Scenarios.model_validate(
    {
        "horizon_sessions": 250,
        "bull": {
            "probability": 0.25,
            "earnings_growth_pct": 20,
            "rerating_pct": 15,
            "capex_growth_pct": 50,
        },
        "base": {
            "probability": 0.5,
            "earnings_growth_pct": 10,
            "rerating_pct": 0,
            "capex_growth_pct": 25,
        },
        "bear": {
            "probability": 0.25,
            "earnings_growth_pct": -5,
            "rerating_pct": -25,
            "capex_growth_pct": -20,
            "entities": {"chip": {"earnings_growth_pct": -15}},
        },
    }
)


def test_scenario_targets_hand_worked() -> None:
    result = project_scenarios(SCENARIOS, {"X": ("plain", 100.0, "HKD"), "Y": ("chip", 100.0, "HKD")}, capex_base_usd=10e9)  # fmt: skip
    x = result.rows.set_index("ticker").loc["X"]
    assert x["bull"] == pytest.approx(100 * 1.20 * 1.15)  # 138
    assert x["base"] == pytest.approx(110.0)
    assert x["bear"] == pytest.approx(100 * 0.95 * 0.75)  # 71.25
    assert x["expected"] == pytest.approx(0.25 * 138 + 0.5 * 110 + 0.25 * 71.25)  # 107.3125
    assert (x["low"], x["high"]) == (pytest.approx(71.25), pytest.approx(138.0))
    assert x["expected_return_pct"] == pytest.approx(7.3125)
    y = result.rows.set_index("ticker").loc["Y"]
    assert y["bear"] == pytest.approx(100 * 0.85 * 0.75)  # the entity override
    assert y["base"] == pytest.approx(110.0)  # overrides touch only their case
    assert list(result.capex["capex_usd"]) == pytest.approx([15e9, 12.5e9, 8e9])
    assert len(result.cases) == 6


def test_non_positive_price_is_an_error_not_a_zero_target() -> None:
    with pytest.raises(InputError, match="not positive"):
        project_scenarios(SCENARIOS, {"X": ("x", 0.0, "HKD")})


# --- bootstrap ------------------------------------------------------------------------------


def _prices(returns: np.ndarray, tickers: list[str]) -> pd.DataFrame:
    dates = pd.bdate_range("2020-01-01", periods=len(returns) + 1)
    closes = 100 * np.exp(np.vstack([np.zeros(len(tickers)), np.cumsum(returns, axis=0)]))
    frame = pd.DataFrame(closes, index=dates, columns=tickers).stack().rename("close")
    return frame.reset_index().rename(columns={"level_0": "date", "level_1": "ticker"})


RNG = np.random.default_rng(7)
SAMPLE = RNG.normal([0.0005, -0.0002], [0.01, 0.02], size=(1000, 2))
PRICES = _prices(SAMPLE, ["A", "B"])


def test_block_length_rule() -> None:
    assert default_block_length(1250) == 11  # round(1250^(1/3)) = round(10.77)
    assert default_block_length(1) == 1


def test_blocks_are_consecutive_and_wrap() -> None:
    idx = expand_blocks(np.array([[8, 3]], dtype=np.int32), block=4, horizon=7, n=10)
    assert idx.tolist() == [[8, 9, 0, 1, 3, 4, 5]]


def test_circular_bootstrap_mean_and_variance_match_the_sample() -> None:
    n = len(SAMPLE)
    starts = draw_block_starts(np.random.default_rng(1), n, 100, 4000, 10)
    draws = SAMPLE[expand_blocks(starts, 10, 100, n)]  # (paths, horizon, assets)
    flat = draws.reshape(-1, 2)
    np.testing.assert_allclose(flat.mean(axis=0), SAMPLE.mean(axis=0), atol=3e-4)
    np.testing.assert_allclose(flat.var(axis=0), SAMPLE.var(axis=0), rtol=0.02)
    corr = np.corrcoef(flat.T)[0, 1]
    assert corr == pytest.approx(np.corrcoef(SAMPLE.T)[0, 1], abs=0.02)  # joint rows kept


def test_step_simulation_equals_summing_the_expanded_blocks() -> None:
    n = len(SAMPLE)
    stats = simulate(SAMPLE, paths=300, horizon=37, block=5, seed=3, weights=np.array([0.5, 0.5]), chunk_paths=64)  # fmt: skip
    starts = draw_block_starts(np.random.default_rng(3), n, 37, 300, 5)
    expected = SAMPLE[expand_blocks(starts, 5, 37, n)].sum(axis=1)
    np.testing.assert_allclose(stats.terminal_log, expected, atol=2e-5)
    value = 0.5 * np.exp(SAMPLE[expand_blocks(starts, 5, 37, n)].cumsum(axis=1)).sum(axis=2)
    np.testing.assert_allclose(stats.portfolio_terminal, value[:, -1] - 1, atol=1e-5)


def test_drawdown_of_a_steady_fall() -> None:
    falling = np.full((20, 1), -0.01)
    stats = simulate(falling, paths=5, horizon=10, block=3, seed=0, weights=np.array([1.0]))
    np.testing.assert_allclose(stats.terminal_log, -0.1, atol=1e-6)
    np.testing.assert_allclose(stats.max_drawdown, 1 - math.exp(-0.1), atol=1e-6)
    np.testing.assert_allclose(stats.portfolio_drawdown, 1 - math.exp(-0.1), atol=1e-6)
    rising = simulate(-falling, paths=5, horizon=10, block=3, seed=0, weights=np.array([1.0]))
    assert np.all(rising.max_drawdown == 0) and np.all(rising.portfolio_drawdown == 0)


def test_same_seed_same_numbers_whatever_the_chunks() -> None:
    one = simulate_paths(PRICES, ["A", "B"], paths=5000, horizon=60, seed=11)
    two = simulate_paths(PRICES, ["A", "B"], paths=5000, horizon=60, seed=11, chunk_paths=777)
    other = simulate_paths(PRICES, ["A", "B"], paths=5000, horizon=60, seed=12)
    pd.testing.assert_frame_equal(one.rows, two.rows)
    assert not one.rows["p50_pct"].equals(other.rows["p50_pct"])
    # the automatic chunk (sized to the assets) against one chunk holding every path
    whole = simulate_paths(PRICES, ["A", "B"], paths=5000, horizon=60, seed=11, chunk_paths=5000)
    pd.testing.assert_frame_equal(one.rows, whole.rows)


def test_chunks_are_sized_to_keep_the_state_in_cache() -> None:
    from themelens.analytics.scenarios._bootstrap import STATE_VALUES, chunk_for

    assert chunk_for(2) == 8192 and chunk_for(5000) == 64
    assert chunk_for(1041) * 1041 <= STATE_VALUES < (chunk_for(1041) + 1) * 1041
    wide = np.random.default_rng(0).normal(0, 0.01, (300, 300))
    w = np.full(300, 1 / 300)
    auto = simulate(
        wide, paths=700, horizon=30, block=4, seed=2, weights=w, chunk_paths=chunk_for(300)
    )
    one = simulate(wide, paths=700, horizon=30, block=4, seed=2, weights=w, chunk_paths=700)
    np.testing.assert_array_equal(auto.terminal_log, one.terminal_log)  # elementwise: exact
    np.testing.assert_array_equal(auto.max_drawdown, one.max_drawdown)
    # the portfolio value is a BLAS product, which may sum a chunk's edge rows in another
    # order: equal to float32 rounding
    np.testing.assert_allclose(auto.portfolio_drawdown, one.portfolio_drawdown, atol=1e-6)
    np.testing.assert_allclose(auto.portfolio_terminal, one.portfolio_terminal, atol=1e-6)


def test_horizon_distribution_matches_the_sample_drift() -> None:
    result = simulate_paths(PRICES, ["A", "B"], paths=20_000, horizon=100, seed=5, keep_paths=True)
    assert result.stats is not None
    mean_log = result.stats.terminal_log.mean(axis=0)
    np.testing.assert_allclose(mean_log, 100 * SAMPLE.mean(axis=0), atol=0.004)
    rows = result.rows.set_index("name")
    assert list(rows.index) == ["A", "B", "portfolio"]
    assert rows.loc["B", "p95_pct"] - rows.loc["B", "p5_pct"] > rows.loc["A", "p95_pct"] - rows.loc["A", "p5_pct"]  # fmt: skip
    p = rows.loc["B", "prob_drawdown_pct"]
    assert p == pytest.approx(100 * np.mean(result.stats.max_drawdown[:, 1] > 0.2))
    assert result.block == default_block_length(1000) and result.sample_days == 1000


def test_joint_returns_keep_only_common_dates() -> None:
    extra = pd.DataFrame({"date": pd.to_datetime(["2019-12-31"]), "ticker": "A", "close": [99.0]})
    frame = pd.concat([PRICES, extra], ignore_index=True)
    returns = joint_log_returns(frame, ["A", "B"], lookback_years=10)
    assert len(returns) == 1000 and not returns.isna().any().any()


def test_bad_monte_carlo_inputs() -> None:
    with pytest.raises(InputError, match="drawdown"):
        simulate_paths(PRICES, ["A"], drawdown_pct=0)
    with pytest.raises(InputError, match="none of the tickers"):
        simulate_paths(PRICES, ["ZZZ"])
    with pytest.raises(InputError, match="weights"):
        simulate_paths(PRICES, ["A", "B"], weights=[1.0])
    partial = simulate_paths(PRICES, ["A", "ZZZ"], paths=100, horizon=5)
    assert [f.item for f in partial.failures] == ["ZZZ"]
