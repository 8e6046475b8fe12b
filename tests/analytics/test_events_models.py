"""Expected-return models: the vectorised fit against a per-event statsmodels OLS, to 1e-10.

The reference is ``statsmodels.OLS(...).fit()`` with ``get_prediction`` on the
event days (``fit_statsmodels``), run one event at a time, and a plain
textbook formula for the CAR variance written out here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from themelens.analytics.events import Event, equal_weight_index, run_event_study
from themelens.analytics.events._models import fit_statsmodels, fit_vectorised
from themelens.data.providers import fetch_prices
from themelens.data.providers.csv import CsvProvider

RTOL = 1e-10


def random_windows(seed: int, events: int = 40, width: int = 120, length: int = 5):
    """(E, W) estimation and (E, L) event arrays with a known beta and random holes."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0005, 0.012, (events, width))
    beta = rng.uniform(0.3, 1.6, events)[:, None]
    y = 0.0003 + beta * x + rng.normal(0, 0.02, (events, width))
    ok = rng.random((events, width)) > 0.1
    y[~ok] = np.nan  # masked cells hold garbage the fit must ignore
    x_evt = rng.normal(0, 0.012, (events, length))
    y_evt = 0.01 + beta * x_evt + rng.normal(0, 0.02, (events, length))
    return y, x, ok, y_evt, x_evt


@pytest.mark.parametrize("model", ["market", "mean-adjusted", "market-adjusted"])
def test_vectorised_fit_equals_statsmodels_per_event(model: str) -> None:
    y, x, ok, y_evt, x_evt = random_windows(1)
    fit = fit_vectorised(model, y, x, ok, y_evt, x_evt)  # type: ignore[arg-type]
    assert not fit.degenerate.any()
    for i in range(len(y)):
        one = fit_statsmodels(model, y[i, ok[i]], x[i, ok[i]], y_evt[i], x_evt[i])  # type: ignore[arg-type]
        np.testing.assert_allclose(fit.alpha[i], one.alpha, rtol=RTOL, atol=1e-15)
        np.testing.assert_allclose(fit.beta[i], one.beta, rtol=RTOL, atol=1e-15)
        np.testing.assert_allclose(fit.sigma2[i], one.sigma2, rtol=RTOL, atol=0)
        np.testing.assert_allclose(fit.expected[i], one.expected, rtol=RTOL, atol=1e-15)
        np.testing.assert_allclose(fit.car_var[i], one.car_var, rtol=RTOL, atol=0)
        np.testing.assert_allclose(fit.resid[i, ok[i]], one.resid, rtol=RTOL, atol=1e-15)
        assert fit.n[i] == ok[i].sum()


def test_market_model_matches_statsmodels_directly() -> None:
    # independent of fit_statsmodels: OLS on [1, x], residual variance = res.scale
    y, x, ok, y_evt, x_evt = random_windows(2, events=5)
    fit = fit_vectorised("market", y, x, ok, y_evt, x_evt)
    for i in range(5):
        res = sm.OLS(y[i, ok[i]], sm.add_constant(x[i, ok[i]])).fit()
        np.testing.assert_allclose([fit.alpha[i], fit.beta[i]], res.params, rtol=RTOL)
        np.testing.assert_allclose(fit.sigma2[i], res.scale, rtol=RTOL)
        mean = res.get_prediction(sm.add_constant(x_evt[i])).summary_frame(alpha=0.05)["mean"]
        np.testing.assert_allclose(fit.ar[i], y_evt[i] - mean.to_numpy(), rtol=RTOL, atol=1e-15)


def test_car_variance_is_the_textbook_formula() -> None:
    # Campbell, Lo & MacKinlay (1997) 4.4.9 summed over the window: sigma² (L + L²/n + (S - L x̄)² / Sxx)
    y, x, ok, y_evt, x_evt = random_windows(3, events=3)
    fit = fit_vectorised("market", y, x, ok, y_evt, x_evt)
    for i in range(3):
        xs = x[i, ok[i]]
        n, length = len(xs), x_evt.shape[1]
        sxx = ((xs - xs.mean()) ** 2).sum()
        expect = fit.sigma2[i] * (
            length + length**2 / n + (x_evt[i].sum() - length * xs.mean()) ** 2 / sxx
        )
        assert fit.car_var[i, -1] == pytest.approx(expect, rel=RTOL)


def test_a_flat_benchmark_is_degenerate_not_a_crash() -> None:
    y, x, ok, y_evt, x_evt = random_windows(4, events=2)
    x[0] = 0.01  # no variation: beta undefined
    fit = fit_vectorised("market", y, x, ok, y_evt, x_evt)
    assert fit.degenerate.tolist() == [True, False]


def make_prices(seed: int = 7, sessions: int = 400) -> pd.DataFrame:
    """Tickers A, B, C with betas 0.5, 1.0, 1.5 on a benchmark M, business-day sessions."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2024-01-01", periods=sessions)
    m = rng.normal(0.0004, 0.01, sessions)
    rows = [pd.DataFrame({"date": dates, "ticker": "M", "close": 100 * np.cumprod(1 + m)})]
    for name, beta in (("A", 0.5), ("B", 1.0), ("C", 1.5)):
        r = 0.0002 + beta * m + rng.normal(0, 0.015, sessions)
        rows.append(pd.DataFrame({"date": dates, "ticker": name, "close": 50 * np.cumprod(1 + r)}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("model", ["market", "mean-adjusted", "market-adjusted"])
def test_both_engines_give_the_same_study(model: str) -> None:
    prices = make_prices()
    events = [Event(t, date(2024, 9, d)) for t in "ABC" for d in (2, 16)]
    bench = None if model == "mean-adjusted" else "M"
    fast = run_event_study(prices, events, benchmark=bench, model=model)  # type: ignore[arg-type]
    slow = run_event_study(prices, events, benchmark=bench, model=model, engine="statsmodels")  # type: ignore[arg-type]
    assert len(fast.events) == 6
    num = fast.events.select_dtypes("number").columns
    np.testing.assert_allclose(fast.events[num], slow.events[num], rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(
        fast.tests_frame()["statistic"], slow.tests_frame()["statistic"], rtol=1e-8
    )


def test_the_market_model_recovers_the_betas_it_was_built_with() -> None:
    res = run_event_study(
        make_prices(), [Event(t, date(2024, 12, 2)) for t in "ABC"], benchmark="M"
    )
    assert res.events["beta"].to_numpy() == pytest.approx([0.5, 1.0, 1.5], abs=0.25)
    assert (res.events["n_est"] == 120).all()


# --- real prices ----------------------------------------------------------------------------

HK_PEERS = ["9888.HK", "0700.HK", "9618.HK", "1810.HK", "3690.HK", "1024.HK"]


@pytest.fixture(scope="module")
def real_prices(shared_prices_dir: Path) -> pd.DataFrame:
    tickers = ["9988.HK", "0981.HK", "1347.HK", "^IXIC", *HK_PEERS]
    frame = fetch_prices(CsvProvider(shared_prices_dir), tickers).frame
    proxy = equal_weight_index(frame, HK_PEERS, name="PROXY")
    return pd.concat([frame, proxy], ignore_index=True)


def test_alibaba_on_2025_09_24_against_an_equal_weight_proxy(real_prices: pd.DataFrame) -> None:
    event = Event("9988.HK", date(2025, 9, 24), "AI capex")
    fast = run_event_study(real_prices, [event], benchmark="PROXY")
    slow = run_event_study(real_prices, [event], benchmark="PROXY", engine="statsmodels")
    row = fast.events.iloc[0]
    assert row["event_session"] == pd.Timestamp("2025-09-24")
    assert row["n_est"] == 120 and row["est_gaps"] == 0
    # the announcement day: Alibaba beat what its beta to the other HK names explains
    assert row["ar_0"] > 0.03 and row["car"] > 0
    for col in ("alpha", "beta", "sigma", "car", "car_se", "bhar"):
        assert row[col] == pytest.approx(slow.events.iloc[0][col], rel=1e-9)


def test_a_us_benchmark_drops_the_hk_sessions_it_lacks(real_prices: pd.DataFrame) -> None:
    res = run_event_study(real_prices, [Event("9988.HK", date(2025, 9, 24))], benchmark="^IXIC")
    row = res.events.iloc[0]
    # every stock return exists; the ones without an ^IXIC close on both ends are dropped
    assert row["est_gaps"] > 0
    assert row["n_est"] + row["est_gaps"] == 120
    assert any("estimation days dropped" in w for w in res.warnings)


def lstsq_loop(prices: pd.DataFrame, events: list[Event], benchmark: str) -> dict[int, tuple]:
    """The plain reference: pandas returns, then one ``np.linalg.lstsq`` per event.

    The benchmark's return is taken over each stock session's own interval (its
    closes on exactly those two dates); days without one are dropped; default
    windows (estimation 120 sessions ending 10 before day 0, event days -1..+3).
    """
    f = prices[["ticker", "date", "close"]].sort_values(["ticker", "date"], ignore_index=True)
    bench = f.loc[f["ticker"] == benchmark, ["date", "close"]].rename(columns={"close": "b"})
    f = f.merge(bench, on="date", how="left")
    by = f.groupby("ticker", sort=False)
    f["y"] = by["close"].pct_change(fill_method=None)
    f["x"] = f["b"] / by["b"].shift(1) - 1.0
    out = {}
    for k, ev in enumerate(events):
        g = f[f["ticker"] == ev.ticker]
        p = int(np.searchsorted(g["date"].to_numpy(), np.datetime64(ev.date, "ns")))
        if p >= len(g) or p - 1 < 1 or p + 3 >= len(g):
            continue
        est = g.iloc[max(p - 129, 0) : p - 9]
        est = est[est["y"].notna() & est["x"].notna()]
        evt = g.iloc[p - 1 : p + 4]
        if len(est) < 60 or evt["x"].isna().any():
            continue
        design = np.column_stack([np.ones(len(est)), est["x"].to_numpy()])
        (alpha, beta), *_ = np.linalg.lstsq(design, est["y"].to_numpy(), rcond=None)
        ar = evt["y"].to_numpy() - (alpha + beta * evt["x"].to_numpy())
        out[k] = (alpha, beta, ar)
    return out


@pytest.mark.parametrize("benchmark", ["^IXIC", "PROXY"])
def test_many_events_match_a_plain_lstsq_loop(real_prices: pd.DataFrame, benchmark: str) -> None:
    rng = np.random.default_rng(5)
    sessions = real_prices[real_prices["ticker"] == "9988.HK"]["date"].to_numpy()
    tickers = ["9988.HK", "0981.HK", "1347.HK"]
    drawn = (
        Event(tickers[int(rng.integers(3))], pd.Timestamp(rng.choice(sessions[130:-5])).date())
        for _ in range(150)
    )
    events = list(dict.fromkeys(drawn))  # a repeated event is skipped by the study
    res = run_event_study(real_prices, events, benchmark=benchmark)
    want = lstsq_loop(real_prices, events, benchmark)
    got = res.events.set_index("event_id")
    assert set(got.index) == set(want) and len(want) > 100
    ar = res.abnormal.pivot(index="event_id", columns="day", values="ar")
    for k, (alpha, beta, ar_k) in want.items():
        assert abs(got.at[k, "alpha"] - alpha) <= 1e-12 and abs(got.at[k, "beta"] - beta) <= 1e-12
        np.testing.assert_allclose(ar.loc[k].to_numpy(), ar_k, rtol=0, atol=1e-12)
        assert abs(got.at[k, "car"] - ar_k.sum()) <= 1e-12


def test_a_validated_frame_and_a_shuffled_copy_give_the_same_study(
    real_prices: pd.DataFrame,
) -> None:
    events = [Event("9988.HK", date(2025, 9, 24)), Event("0981.HK", date(2024, 5, 2))]
    validated = real_prices[real_prices["ticker"] != "PROXY"].reset_index(drop=True)
    shuffled = validated.sample(frac=1.0, random_state=3)[["date", "ticker", "close"]]
    a = run_event_study(validated, events, benchmark="^IXIC")
    b = run_event_study(shuffled, events, benchmark="^IXIC")
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.abnormal, b.abnormal)
    assert a.failures == b.failures and a.warnings == b.warnings
