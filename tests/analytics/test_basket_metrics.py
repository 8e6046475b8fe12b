"""Basket metrics against quantstats, to 1e-9, on random returns and on real prices."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from themelens.analytics.basket import BasketResult, BasketSpec, backtest_basket, performance
from themelens.data.providers import CsvProvider, fetch_prices

qs = pytest.importorskip("quantstats")

REAL_MEMBERS = [
    "9988.HK",
    "9888.HK",
    "0700.HK",
    "0981.HK",
    "1347.HK",
    "9618.HK",
    "1810.HK",
    "3690.HK",
    "1024.HK",
]
REAL_ROLES = {t: "leader" for t in REAL_MEMBERS[:3]} | {
    t: "supply-chain" for t in REAL_MEMBERS[3:5]
}


def _against_quantstats(r: pd.Series, b: pd.Series, periods: float, ours: dict[str, float]) -> None:
    expected = {
        "total_return": float(qs.stats.comp(r)),
        "cagr": float(qs.stats.cagr(r, periods=periods)),
        "volatility": float(qs.stats.volatility(r, periods=periods)),
        "sharpe": float(qs.stats.sharpe(r, periods=periods)),
        "sortino": float(qs.stats.sortino(r, periods=periods)),
        "max_drawdown": float(qs.stats.max_drawdown(r)),
        "calmar": float(qs.stats.calmar(r, periods=periods)),
        "beta": float(qs.stats.greeks(r, b, periods=periods)["beta"]),
        "tracking_error": float(qs.stats.volatility(r - b, periods=periods)),
        "information_ratio": float(qs.stats.information_ratio(r, b)) * np.sqrt(periods),
        "hit_rate": float(qs.stats.win_rate(r - b)),
    }
    for name, value in expected.items():
        assert ours[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_metrics_equal_quantstats_on_random_returns() -> None:
    rng = np.random.default_rng(11)
    idx = pd.bdate_range("2019-01-01", periods=900)
    bench = rng.normal(0.0003, 0.012, len(idx))
    cols = np.column_stack([0.8 * bench + rng.normal(0.0002, 0.01, len(idx)) for _ in range(3)])
    periods = 247.3
    m = performance(cols, bench, periods=periods)
    for j in range(cols.shape[1]):
        ours = {k: float(v[j]) for k, v in m.items()}
        _against_quantstats(
            pd.Series(cols[:, j], index=idx), pd.Series(bench, index=idx), periods, ours
        )


def test_a_first_day_loss_counts_in_the_drawdown() -> None:
    r = np.array([-0.1, 0.05, 0.02])
    m = performance(r, None, periods=252)
    assert m["max_drawdown"][0] == pytest.approx(-0.1)
    assert np.isnan(m["beta"][0])


@pytest.fixture(scope="module")
def real_result(shared_prices_dir: Path) -> BasketResult:
    frame = fetch_prices(CsvProvider(shared_prices_dir), [*REAL_MEMBERS, "^IXIC"]).frame
    spec = BasketSpec.build(
        scheme="risk-parity",
        max_weight=0.25,
        role_caps={"leader": 0.6},
        vol_target=0.2,
        brake=0.15,
        cost_bps=10,
    )
    return backtest_basket(
        frame, REAL_MEMBERS, spec=spec, benchmark="^IXIC", roles=REAL_ROLES, start=date(2020, 8, 3)
    )


def test_real_basket_metrics_equal_quantstats(real_result: BasketResult) -> None:
    d = real_result.daily.set_index("date")
    r = d["return"].iloc[1:]
    b = d["benchmark_equity"].pct_change().iloc[1:]
    ours = {k: v for k, v in real_result.metrics.items() if v is not None}
    _against_quantstats(r, b, real_result.periods_per_year, ours)


def test_real_basket_respects_caps_and_reports_late_listings(real_result: BasketResult) -> None:
    w = real_result.weights_frame(wide=True)
    assert np.isfinite(w.to_numpy()).all()
    assert (w.max(axis=1) <= 0.25 + 1e-6).all()
    assert (w[["9988.HK", "9888.HK", "0700.HK"]].sum(axis=1) <= 0.6 + 1e-6).all()
    # Kuaishou (1024.HK) listed in February 2021 and Baidu's HK line (9888.HK) in March 2021
    assert (w.loc[w.index < "2021-03-01", "1024.HK"] == 0).all()
    assert (w.loc[w.index > "2021-07-01", "1024.HK"] > 0).all()
    assert any(line.startswith("1024.HK: excluded at") for line in real_result.warnings)
    assert real_result.metrics["max_drawdown"] is not None
    assert -0.6 < real_result.metrics["max_drawdown"] < 0


def test_exposure_and_time_in_market_say_how_much_the_basket_held() -> None:
    from themelens.analytics.basket import performance

    returns = np.array([0.01, 0.0, 0.005, 0.0])
    held = np.array([1.0, 0.0, 0.5, 0.0])
    m = performance(returns, None, periods=252, exposure=held)
    assert m["exposure"][0] == pytest.approx(0.375)
    assert m["time_in_market"][0] == pytest.approx(0.5)
    assert np.isnan(performance(returns, None, periods=252)["time_in_market"][0])
