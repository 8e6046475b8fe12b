"""The basket tear sheet against quantstats (to 1e-12) and against hand-worked curves."""

from __future__ import annotations

import statistics
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from themelens.analytics.basket import BasketResult, BasketSpec, backtest_basket
from themelens.analytics.basket.tearsheet import MONTHS, build_tear_sheet
from themelens.data.providers import CsvProvider, fetch_prices
from themelens.errors import InputError

qs = pytest.importorskip("quantstats")

MEMBERS = ["9988.HK", "9888.HK", "0700.HK", "0981.HK", "1347.HK", "9618.HK", "1810.HK", "3690.HK"]


def _curve(values: list[float] | np.ndarray, start: str = "2023-01-02") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.bdate_range(start, periods=len(values))
    )


def _against_quantstats(equity: pd.Series, bench: pd.Series | None, periods: float) -> None:
    """Every table of the tear sheet of ``equity`` equals quantstats on its daily returns."""
    sheet = build_tear_sheet(equity, bench, periods_per_year=periods, window=126, top=5)
    r = equity.pct_change().iloc[1:]
    # monthly: quantstats fills months without a session with 0; ours leaves them NaN
    q = qs.stats.monthly_returns(r)
    ours = sheet.monthly
    assert list(ours.index) == [int(y) for y in q.index]
    assert list(q.columns) == [m.upper() for m in MONTHS] + ["EOY"]
    np.testing.assert_allclose(ours.fillna(0.0).to_numpy(), q.to_numpy(), rtol=0, atol=1e-12)
    # rolling, annualised with the backtest's sessions per year, not 252
    vol = qs.stats.rolling_volatility(r, rolling_period=126, periods_per_year=periods)
    sharpe = qs.stats.rolling_sharpe(r, rolling_period=126, periods_per_year=periods)
    np.testing.assert_allclose(sheet.rolling["volatility"], vol.to_numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sheet.rolling["sharpe"], sharpe.to_numpy(), rtol=1e-12, atol=1e-14)
    assert sheet.rolling["volatility"].isna().sum() == 125
    # the deepest drawdowns: quantstats' episodes, ranked by depth
    details = qs.stats.drawdown_details(qs.stats.to_drawdown_series(r))
    details = details.sort_values("max drawdown", kind="stable").head(5).reset_index(drop=True)
    dd = sheet.drawdowns
    assert len(dd) == len(details) == 5
    assert [f"{d:%Y-%m-%d}" for d in dd["start"]] == details["start"].tolist()
    assert [f"{d:%Y-%m-%d}" for d in dd["trough"]] == details["valley"].tolist()
    assert [f"{d:%Y-%m-%d}" for d in dd["end"]] == details["end"].tolist()
    np.testing.assert_allclose(100 * dd["depth"], details["max drawdown"], rtol=1e-12)
    days = [(e - s).days + 1 for s, e in zip(dd["start"], dd["end"], strict=True)]
    assert days == details["days"].tolist()
    # sessions under water, the peak before and the recovery after, by position
    pos = {d: i for i, d in enumerate(equity.index)}
    for row in dd.itertuples():
        assert row.sessions == pos[row.end] - pos[row.start] + 1
        assert pos[row.peak] == pos[row.start] - 1
        assert pd.isna(row.recovery) or pos[row.recovery] == pos[row.end] + 1
        assert equity.loc[row.peak] == equity.loc[: row.peak].max()
    if bench is not None:
        b = bench.pct_change().iloc[1:]
        eoy = qs.stats.monthly_returns(b)["EOY"].to_numpy()
        np.testing.assert_allclose(sheet.yearly["benchmark"], eoy, rtol=0, atol=1e-12)
        b_vol = qs.stats.rolling_volatility(b, rolling_period=126, periods_per_year=periods)
        np.testing.assert_allclose(sheet.rolling["benchmark_volatility"], b_vol, rtol=1e-12)
    np.testing.assert_allclose(sheet.yearly["basket"], q["EOY"].to_numpy(), rtol=0, atol=1e-12)


def test_tear_sheet_equals_quantstats_on_random_curves() -> None:
    rng = np.random.default_rng(17)
    n = 900
    bench = np.concatenate([[1.0], np.cumprod(1 + rng.normal(0.0003, 0.012, n))])
    basket = np.concatenate([[1.0], np.cumprod(1 + rng.normal(0.0004, 0.018, n))])
    _against_quantstats(_curve(basket, "2019-03-14"), _curve(bench, "2019-03-14"), 247.3)


@pytest.fixture(scope="module")
def real_result(shared_prices_dir: Path) -> BasketResult:
    frame = fetch_prices(CsvProvider(shared_prices_dir), [*MEMBERS, "^IXIC"]).frame
    spec = BasketSpec.build(scheme="inverse-vol", max_weight=0.25, vol_target=0.2, brake=0.15,
                            cost_bps=10)  # fmt: skip
    return backtest_basket(frame, MEMBERS, spec=spec, benchmark="^IXIC", start=date(2019, 1, 2))


def test_real_basket_tear_sheet_equals_quantstats(real_result: BasketResult) -> None:
    d = real_result.daily.set_index("date")
    _against_quantstats(d["equity"], d["benchmark_equity"], real_result.periods_per_year)
    sheet = real_result.tear_sheet()
    assert sheet.benchmark == "^IXIC" and sheet.window == 126
    assert sheet.periods_per_year == real_result.periods_per_year
    # the worst drawdown is the metrics' max drawdown; the yearly totals compound to the total
    assert sheet.drawdowns["depth"].iloc[0] == pytest.approx(real_result.metrics["max_drawdown"])
    total = float(np.prod(1 + sheet.yearly["basket"]) - 1)
    assert total == pytest.approx(real_result.metrics["total_return"], rel=1e-10)
    assert sheet.yearly["sessions"].sum() == len(d) - 1


def test_a_hand_worked_crash_and_recovery() -> None:
    """100 on 2 Jan 2023; +10 % by the end of January, −30 % from there by the end of
    February, +50 % by the end of March (a new peak on 31 Mar, 115.5), then a 4 % dip
    in April not made good by the end."""
    jan = pd.bdate_range("2023-01-02", "2023-01-31")  # 22 sessions
    feb = pd.bdate_range("2023-02-01", "2023-02-28")  # 20
    mar = pd.bdate_range("2023-03-01", "2023-03-31")  # 23
    apr = pd.bdate_range("2023-04-03", "2023-04-14")  # 10
    values = np.concatenate([
        np.linspace(100, 110, len(jan)), np.linspace(108, 77, len(feb)),
        np.linspace(80, 115.5, len(mar)), np.linspace(114, 110.88, len(apr)),
    ])  # fmt: skip
    equity = pd.Series(values, index=jan.append([feb, mar, apr]))
    sheet = build_tear_sheet(equity, None, periods_per_year=252, window=5, top=5)

    jan_, feb_, mar_, apr_ = 0.10, 77 / 110 - 1, 115.5 / 77 - 1, 110.88 / 115.5 - 1
    row = sheet.monthly.loc[2023]
    assert [row["Jan"], row["Feb"], row["Mar"], row["Apr"]] == pytest.approx(
        [jan_, feb_, mar_, apr_], abs=1e-12
    )
    assert row[list(MONTHS[4:])].isna().all()  # May–Dec: no session, not 0 %
    assert row["total"] == pytest.approx(110.88 / 100 - 1, abs=1e-12)
    assert sheet.yearly.to_dict("records") == [
        {"year": 2023, "sessions": len(equity) - 1, "basket": pytest.approx(0.1088, abs=1e-12),
         "benchmark": pytest.approx(np.nan, nan_ok=True)}
    ]  # fmt: skip

    crash, dip = sheet.drawdowns.iloc[0], sheet.drawdowns.iloc[1]
    assert len(sheet.drawdowns) == 2
    assert crash["peak"] == pd.Timestamp("2023-01-31")  # 110
    assert crash["start"] == pd.Timestamp("2023-02-01")  # 108
    assert crash["trough"] == pd.Timestamp("2023-02-28")  # 77
    assert crash["depth"] == pytest.approx(-0.30, abs=1e-12)
    # 110 is regained on the session the March line first reaches it
    first_back = mar[np.flatnonzero(np.linspace(80, 115.5, len(mar)) >= 110)[0]]
    assert crash["recovery"] == first_back
    assert crash["sessions"] == len(feb) + mar.get_loc(first_back)
    assert dip["peak"] == pd.Timestamp("2023-03-31") and pd.isna(dip["recovery"])
    assert dip["depth"] == pytest.approx(110.88 / 115.5 - 1, abs=1e-12)
    assert dip["trough"] == apr[-1] and dip["sessions"] == len(apr)


def test_rolling_by_hand_and_a_flat_window() -> None:
    r = [0.01, -0.02, 0.03, 0.0, 0.0, 0.0, 0.0]
    equity = pd.Series(np.concatenate([[1.0], np.cumprod(1 + np.array(r))]),
                       index=pd.bdate_range("2024-01-01", periods=len(r) + 1))  # fmt: skip
    sheet = build_tear_sheet(equity, None, periods_per_year=250, window=3)
    roll = sheet.rolling
    assert roll["volatility"].iloc[:2].isna().all()
    sd = statistics.stdev(r[:3])
    assert roll["volatility"].iloc[2] == pytest.approx(sd * np.sqrt(250), rel=1e-9)
    assert roll["sharpe"].iloc[2] == pytest.approx(statistics.mean(r[:3]) / sd * np.sqrt(250))
    # three sessions in cash: no variation, volatility 0 and no Sharpe (quantstats: ±inf or NaN)
    assert roll["volatility"].iloc[-1] == 0.0
    assert np.isnan(roll["sharpe"].iloc[-1])
    assert roll["benchmark_volatility"].isna().all() and sheet.benchmark is None


def test_no_drawdown_and_bad_windows() -> None:
    sheet = build_tear_sheet(_curve([1.0, 1.01, 1.02, 1.03]), None, periods_per_year=252, window=2)
    assert sheet.drawdowns.empty
    assert list(sheet.drawdowns.columns) == ["peak", "start", "trough", "end", "recovery", "depth",
                                             "sessions"]  # fmt: skip
    with pytest.raises(InputError, match="window 1"):
        build_tear_sheet(_curve([1.0, 1.01]), None, periods_per_year=252, window=1)
    with pytest.raises(InputError, match="at least one session"):
        build_tear_sheet(_curve([1.0]), None, periods_per_year=252)


def test_a_first_session_loss_is_a_drawdown_from_the_start() -> None:
    sheet = build_tear_sheet(_curve([1.0, 0.9, 0.95, 1.0, 1.1]), None, periods_per_year=252)
    first = sheet.drawdowns.iloc[0]
    assert first["peak"] == pd.Timestamp("2023-01-02")  # the start counts as a peak
    assert first["depth"] == pytest.approx(-0.1) and first["sessions"] == 2
    assert first["recovery"] == pd.Timestamp("2023-01-05")  # back to 1.0 exactly: recovered
