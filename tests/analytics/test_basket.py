"""Basket weights, overlays and the vectorised backtest, on the demo market and hand-made prices."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from themelens.analytics.basket import (
    BasketSpec,
    backtest_basket,
    backtest_panel,
    build_schedule,
    prepare_panel,
    sweep_baskets,
)
from themelens.analytics.basket.reference import backtest_loop
from themelens.analytics.basket.weights import apply_caps, decide_weights, risk_parity_weights
from themelens.data.providers import DemoProvider, fetch_prices
from themelens.errors import InputError

MEMBERS = ["9988.HK", "9888.HK", "0700.HK", "0981.HK", "1347.HK", "9618.HK", "1810.HK", "3690.HK"]
ROLES = (
    {t: "leader" for t in MEMBERS[:3]}
    | {t: "supply-chain" for t in MEMBERS[3:5]}
    | {t: "peer" for t in MEMBERS[5:]}
)
BENCH = "HSTECH.HK"


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return fetch_prices(DemoProvider(), [*MEMBERS, BENCH]).frame


@pytest.fixture(scope="module")
def panel(demo: pd.DataFrame):  # type: ignore[no-untyped-def]
    return prepare_panel(
        demo, MEMBERS, benchmark=BENCH, roles=ROLES, start=date(2022, 1, 1), end=date(2025, 12, 31)
    )


def _synthetic(n_days: int = 400, seed: int = 1, tickers: tuple[str, ...] = ("A", "B", "C", "D")):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=n_days)
    rows = []
    for k, t in enumerate(tickers):
        rets = rng.normal(0.0003, 0.01 * (k + 1), n_days)
        close = 100 * np.cumprod(1 + rets)
        rows.append(pd.DataFrame({"date": dates, "ticker": t, "close": close}))
    return pd.concat(rows, ignore_index=True)


# --- the vectorised simulation is the plain loop ------------------------------------------


SPECS = [
    BasketSpec(),
    BasketSpec.build(scheme="inverse-vol", rebalance="weekly", max_weight=0.2, cost_bps=25),
    BasketSpec.build(
        scheme="risk-parity",
        max_weight=0.25,
        role_caps={"leader": 0.4},
        vol_target=0.15,
        brake=0.1,
        brake_exposure=0.3,
        cost_bps=10,
    ),
    BasketSpec.build(
        scheme="min-variance",
        max_weight=0.3,
        vol_target=0.3,
        max_leverage=1.5,
        brake=0.08,
        brake_release=0.0,
        cost_bps=5,
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.scheme)
def test_vectorised_backtest_equals_the_day_by_day_loop(panel, spec: BasketSpec) -> None:  # type: ignore[no-untyped-def]
    schedule = build_schedule(panel, spec)
    fast = backtest_panel(panel, spec, schedule=schedule).daily
    slow = backtest_loop(panel, spec, schedule=schedule)
    for col in ("return", "exposure", "turnover"):
        np.testing.assert_allclose(fast[col], slow[col], rtol=0, atol=1e-12, err_msg=col)
    assert (fast["braked"].to_numpy() == slow["braked"].to_numpy()).all()
    if spec.brake is not None:
        assert fast["braked"].any(), "the brake never fired: the comparison proves little"


def test_sweep_equals_one_backtest_per_spec(panel) -> None:  # type: ignore[no-untyped-def]
    specs = [
        BasketSpec.build(scheme="inverse-vol", vol_target=v, brake=b, cost_bps=c)
        for v in (None, 0.15)
        for b in (None, 0.1)
        for c in (0, 20)
    ] + [BasketSpec.build(scheme="equal", rebalance="weekly", brake=0.12)]
    calls: list[tuple[int, int]] = []
    table = sweep_baskets(panel, specs, on_progress=lambda done, total: calls.append((done, total)))
    assert len(table) == len(specs)
    assert calls == [(8, 9), (9, 9)]  # one call per shared schedule, counted in parameter sets
    for i, spec in enumerate(specs):
        single = backtest_panel(panel, spec)
        for name in ("cagr", "sharpe", "max_drawdown", "turnover", "beta"):
            assert table.loc[i, name] == pytest.approx(single.metrics[name], rel=1e-12, abs=1e-14)


def test_progress_moves_with_each_rebalance_and_ends_at_the_total(panel) -> None:  # type: ignore[no-untyped-def]
    calls: list[tuple[int, int]] = []
    spec = BasketSpec.build(scheme="inverse-vol", max_weight=0.3)
    result = backtest_panel(panel, spec, on_progress=lambda d, t: calls.append((d, t)))
    rebalances = result.weights["date"].nunique()
    assert rebalances > 40  # four years of months
    done = [d for d, _ in calls]
    assert {t for _, t in calls} == {rebalances + 1}  # each rebalance, then the simulation
    assert done == list(range(1, rebalances + 2))  # one step at a time, strictly increasing
    # a schedule given in advance leaves only the last step; no callback, no calls needed
    again: list[tuple[int, int]] = []
    backtest_panel(panel, spec, schedule=build_schedule(panel, spec),
                   on_progress=lambda d, t: again.append((d, t)))  # fmt: skip
    assert again == [(1, 1)]
    quiet = backtest_panel(panel, spec)
    np.testing.assert_array_equal(quiet.daily["equity"], result.daily["equity"])


# --- no look-ahead ---------------------------------------------------------------------------


def test_weights_at_a_rebalance_ignore_prices_from_that_session_on(demo: pd.DataFrame) -> None:
    spec = BasketSpec.build(scheme="min-variance", max_weight=0.3, vol_target=0.2)
    base = prepare_panel(demo, MEMBERS, roles=ROLES, start=date(2023, 1, 1), end=date(2024, 12, 31))
    sched = build_schedule(base, spec)
    k = len(sched.indices) // 2
    cut = base.dates[sched.indices[k]]
    shocked = demo.copy()
    future = shocked["date"] >= cut
    rng = np.random.default_rng(7)
    shocked.loc[future, "close"] *= rng.uniform(0.5, 1.5, future.sum())
    moved = build_schedule(
        prepare_panel(
            shocked, MEMBERS, roles=ROLES, start=date(2023, 1, 1), end=date(2024, 12, 31)
        ),
        spec,
    )
    np.testing.assert_array_equal(moved.weights[: k + 1], sched.weights[: k + 1])
    np.testing.assert_array_equal(moved.exante_vol[: k + 1], sched.exante_vol[: k + 1])
    # the next rebalance does see the change, so the test could have failed
    assert not np.allclose(moved.weights[k + 1], sched.weights[k + 1])


def test_changing_the_previous_close_does_change_the_weights(demo: pd.DataFrame) -> None:
    spec = BasketSpec(scheme="inverse-vol")
    base = prepare_panel(demo, MEMBERS, start=date(2023, 1, 1), end=date(2024, 12, 31))
    sched = build_schedule(base, spec)
    k = 5
    day_before = base.dates[sched.indices[k] - 1]
    shocked = demo.copy()
    hit = (shocked["date"] == day_before) & (shocked["ticker"] == MEMBERS[0])
    shocked.loc[hit, "close"] *= 1.3
    moved = build_schedule(
        prepare_panel(shocked, MEMBERS, start=date(2023, 1, 1), end=date(2024, 12, 31)), spec
    )
    assert not np.allclose(moved.weights[k], sched.weights[k])


# --- schemes and caps ------------------------------------------------------------------------


def test_risk_parity_equalises_risk_contributions() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) * 0.01
    cov = np.cov(x, rowvar=False) * 252
    w = risk_parity_weights(cov)
    rc = w * (cov @ w)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert rc.max() / rc.min() - 1 < 1e-3
    # inverse-vol is not ERC on a correlated matrix, so the check can fail
    iv = 1 / np.sqrt(np.diag(cov))
    iv /= iv.sum()
    rc_iv = iv * (cov @ iv)
    assert rc_iv.max() / rc_iv.min() - 1 > 1e-2


def _cvxpy_risk_parity(cov: np.ndarray) -> np.ndarray:
    """The same Spinu problem through PyPortfolioOpt's ``convex_objective`` (cvxpy, Clarabel)."""
    import cvxpy as cp
    from pypfopt import EfficientFrontier

    n = cov.shape[0]
    scaled = cov / float(np.mean(np.diag(cov)))
    ef = EfficientFrontier(None, scaled, weight_bounds=(0, 1e3))
    res = ef.convex_objective(
        lambda w: 0.5 * cp.quad_form(w, scaled) - cp.sum(cp.log(w)) / n,
        weights_sum_to_one=False,
    )
    y = np.array([res[i] for i in range(n)])
    return y / y.sum()


@pytest.mark.parametrize("seed", range(6))
def test_risk_parity_agrees_with_the_conic_solver_and_is_tighter(seed: int) -> None:
    """SciPy's L-BFGS-B answer equals cvxpy's on the same problem (to cvxpy's own precision,
    ~1e-5) on factor-structured covariances of 2-40 names, and meets the equal-contribution
    condition at least as tightly (to 1e-8)."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 41))
    x = rng.normal(size=(250, n)) * rng.uniform(0.5, 3, size=n)
    x += rng.normal(size=(250, 1)) * rng.uniform(0, 2)
    cov = np.cov(x, rowvar=False) * 252 * 1e-4
    ours, theirs = risk_parity_weights(cov), _cvxpy_risk_parity(cov)
    assert np.abs(ours - theirs).max() < 2e-5
    rc, rc_theirs = ours * (cov @ ours), theirs * (cov @ theirs)
    assert np.abs(rc / rc.sum() - 1 / n).max() < 1e-8
    assert np.abs(rc / rc.sum() - 1 / n).max() <= np.abs(rc_theirs / rc_theirs.sum() - 1 / n).max()


def test_min_variance_beats_equal_and_respects_caps() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(300, 8)) * np.linspace(0.01, 0.03, 8) + rng.normal(size=(300, 1)) * 0.01
    cov = np.cov(x, rowvar=False) * 252
    roles = ["leader"] * 4 + ["peer"] * 4
    d = decide_weights("min-variance", cov, max_weight=0.3, roles=roles, role_caps={"peer": 0.35})
    w = d.weights
    assert d.used == "min-variance" and not d.notes
    assert w.max() <= 0.3 + 1e-7 and w[4:].sum() <= 0.35 + 1e-7
    assert w.sum() == pytest.approx(1.0, abs=1e-7)
    eq = np.full(8, 1 / 8)
    assert w @ cov @ w < eq @ cov @ eq


def test_caps_redistribute_and_hold_cash_when_they_cannot_fit() -> None:
    w = apply_caps(
        np.array([0.5, 0.3, 0.1, 0.1]),
        max_weight=0.35,
        roles=["leader", "leader", "peer", "peer"],
        role_caps={"leader": 0.6},
    )
    assert w.sum() == pytest.approx(1.0)
    assert w[:2].sum() == pytest.approx(0.6) and w.max() <= 0.35 + 1e-12
    d = decide_weights("equal", np.eye(3) * 0.04, max_weight=0.25, roles=["peer"] * 3, role_caps={})
    assert d.weights == pytest.approx([0.25, 0.25, 0.25])
    assert "remainder is held in cash" in d.notes[0]


def test_singular_covariance_falls_back_to_inverse_vol(demo: pd.DataFrame) -> None:
    twin = demo[demo["ticker"] == "9988.HK"].assign(ticker="TWIN")
    prices = pd.concat([demo, twin], ignore_index=True)
    result = backtest_basket(
        prices,
        [*MEMBERS[:4], "TWIN"],
        spec=BasketSpec(scheme="risk-parity"),
        start=date(2024, 1, 1),
        end=date(2024, 12, 31),
    )
    assert any("singular" in w and "fell back to inverse-vol" in w for w in result.warnings)
    assert set(result.weights["scheme_used"]) == {"inverse-vol"}
    assert np.isfinite(result.weights["weight"]).all()


def test_short_history_is_excluded_until_long_enough_and_reported() -> None:
    prices = _synthetic(400)
    late = prices["ticker"].eq("D") & (prices["date"] < pd.Timestamp("2020-09-01"))
    prices = prices[~late]
    result = backtest_basket(
        prices,
        ["A", "B", "C", "D", "NOPE"],
        spec=BasketSpec(min_history=40),
        start=date(2020, 5, 1),
    )
    wide = result.weights_frame(wide=True)
    assert (wide.loc[wide.index < "2020-10-01", "D"] == 0).all()
    assert (wide.loc[wide.index >= "2020-11-02", "D"] > 0).all()
    assert any(w.startswith("D: excluded at") for w in result.warnings)
    assert [f.item for f in result.failures] == ["NOPE"]
    assert np.isfinite(result.daily["equity"]).all()


def test_no_name_with_history_means_cash_not_nan() -> None:
    result = backtest_basket(
        _synthetic(120),
        ["A", "B"],
        spec=BasketSpec(min_history=100, lookback=100),
        start=date(2020, 1, 15),
    )
    assert np.isfinite(result.daily["equity"]).all()
    assert result.daily["equity"].iloc[:40].eq(1.0).all()
    assert any("held in cash" in w for w in result.warnings)


# --- overlays and costs ---------------------------------------------------------------------


def test_vol_target_scales_exposure_by_the_ex_ante_vol(panel) -> None:  # type: ignore[no-untyped-def]
    spec = BasketSpec.build(scheme="inverse-vol", vol_target=0.1, max_leverage=1.0)
    sched = build_schedule(panel, spec)
    daily = backtest_panel(panel, spec, schedule=sched).daily
    at = daily.set_index("date").loc[panel.dates[sched.indices], "exposure"].to_numpy()
    np.testing.assert_allclose(at, np.minimum(1.0, 0.1 / sched.exante_vol), rtol=1e-12)
    assert at.max() <= 1.0 and at.min() < 0.9


def test_brake_goes_to_cash_after_the_drawdown_and_back_after_recovery() -> None:
    dates = pd.bdate_range("2021-01-01", periods=200)
    path = np.concatenate(
        [np.linspace(100, 110, 80), np.linspace(110, 80, 40), np.linspace(80, 120, 80)]
    )
    prices = pd.DataFrame({"date": dates, "ticker": "X", "close": path})
    spec = BasketSpec(brake=0.1, brake_release=0.5, min_history=20, lookback=20)
    result = backtest_basket(prices, ["X"], spec=spec, start=date(2021, 2, 1))
    d = result.daily.set_index("date")
    ref = pd.Series(path, index=dates).loc[d.index]
    dd = ref / ref.cummax() - 1
    first_on = d.index[d["braked"]][0]
    # decided from the drawdown of the session before, which passed -10% there first
    assert (
        dd.shift(1).loc[first_on] <= -0.1
        and (dd.shift(1).loc[:first_on].iloc[:-1].dropna() > -0.1).all()
    )
    off = d.loc[first_on:].index[~d.loc[first_on:, "braked"]][0]
    # lifted the session after the price had risen 5% (10% x (1 - 0.5)) from its low since then
    rise = ref / ref.loc[first_on:].cummin() - 1
    assert rise.shift(1).loc[off] >= 0.05
    assert (rise.shift(1).loc[first_on:off].iloc[1:-1] < 0.05).all()
    held = d.loc[first_on:off].iloc[1:-1]
    assert (held["return"] == 0).all() and (held["exposure"] == 0).all()


def test_a_crash_never_recovered_in_full_does_not_hold_the_brake_for_years() -> None:
    """Up 50%, down 70%, then a slow climb that never regains the old peak (the shape of
    Hong Kong tech, 2021-2025). The brake engages in the crash, lifts after the rebound,
    and the basket is in the market for the climb; a later 15% fall from the new peak
    brakes again, measured from that peak, not the old one."""
    dates = pd.bdate_range("2020-01-01", periods=1100)
    path = np.concatenate([
        np.linspace(100, 150, 200), np.linspace(150, 45, 150), np.linspace(45, 120, 600),
        np.linspace(120, 96, 50), np.linspace(96, 110, 100),
    ])  # fmt: skip
    prices = pd.DataFrame({"date": dates, "ticker": "X", "close": path})
    spec = BasketSpec(brake=0.15, brake_release=0.5, min_history=20, lookback=20)
    d = backtest_basket(prices, ["X"], spec=spec, start=date(2020, 3, 2)).daily.set_index("date")
    ref = pd.Series(path, index=dates).loc[d.index]
    crash = d.loc[dates[200] : dates[349]]
    climb = d.loc[dates[400] : dates[949]]
    assert crash["braked"].any()  # engaged in the crash ...
    assert not climb["braked"].any()  # ... and lifted for the climb, though 120 < 150
    assert d["exposure"].gt(0).mean() > 0.8  # in the market most of the time
    later = d.loc[dates[950] :]
    on = later.index[later["braked"]]
    assert len(on) > 0  # the 20% fall from the new peak of 120 brakes again
    assert ref.shift(1).loc[on[0]] / 120 - 1 <= -0.15 < ref.shift(2).loc[on[0]] / 120 - 1


def test_costs_are_turnover_times_bps(panel) -> None:  # type: ignore[no-untyped-def]
    free = backtest_panel(panel, BasketSpec(scheme="equal", rebalance="weekly"))
    paid = backtest_panel(panel, BasketSpec(scheme="equal", rebalance="weekly", cost_bps=30))
    ratio = paid.daily["equity"].iloc[-1] / free.daily["equity"].iloc[-1]
    assert ratio < 1
    assert paid.daily["turnover"].iloc[0] == pytest.approx(1.0)
    assert np.log(ratio) == pytest.approx(np.log1p(-paid.daily["turnover"] * 30e-4).sum(), rel=1e-2)


def test_ticker_order_does_not_matter(demo: pd.DataFrame) -> None:
    spec = BasketSpec.build(scheme="risk-parity", max_weight=0.3, vol_target=0.2, brake=0.1)
    a = backtest_basket(demo, MEMBERS, spec=spec, roles=ROLES, start=date(2024, 1, 1))
    b = backtest_basket(demo, MEMBERS[::-1], spec=spec, roles=ROLES, start=date(2024, 1, 1))
    # the interior-point solver's tolerance (~1e-8 on the objective) moves weights in the 6th digit
    np.testing.assert_allclose(a.daily["equity"], b.daily["equity"], rtol=1e-4)


def test_scaling_prices_changes_nothing(demo: pd.DataFrame) -> None:
    spec = BasketSpec.build(scheme="inverse-vol", max_weight=0.3, vol_target=0.2, brake=0.1)
    a = backtest_basket(demo, MEMBERS, spec=spec, start=date(2024, 1, 1))
    scaled = demo.assign(close=demo["close"] * 37.0)
    b = backtest_basket(scaled, MEMBERS, spec=spec, start=date(2024, 1, 1))
    np.testing.assert_allclose(a.daily["equity"], b.daily["equity"], rtol=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_weight": 1.5}, "--max-weight 1.5"),
        ({"vol_target": -0.1}, "--vol-target"),
        ({"brake_release": 1.0}, "--brake-release"),
        ({"scheme": "magic"}, "--scheme magic"),
        ({"min_history": 200, "lookback": 100}, "--min-history 200"),
    ],
)
def test_bad_specs_say_which_flag(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        BasketSpec(**kwargs)  # type: ignore[arg-type]


def _eligible_loop(window: np.ndarray, min_history: int) -> tuple[np.ndarray, list[str]]:
    """The per-name loop ``_eligible`` replaced, kept as its reference."""
    tail = window[-min_history:] if len(window) >= min_history else window
    reasons: list[str] = []
    ok = np.zeros(window.shape[1], dtype=bool)
    for i in range(window.shape[1]):
        col = tail[:, i]
        if len(window) < min_history or not np.isfinite(col).all():
            n = int(np.isfinite(window[:, i][::-1]).cumprod().sum())
            reasons.append(f"{n} unbroken sessions of history, needs {min_history}")
        elif np.nanstd(col) == 0:
            reasons.append("no price movement (suspended?)")
        else:
            ok[i] = True
            reasons.append("")
    return ok, reasons


@pytest.mark.parametrize("rows", [5, 40, 130])
def test_eligibility_is_the_per_name_rule(rows: int) -> None:
    from themelens.analytics.basket.schedule import _eligible

    rng = np.random.default_rng(rows)
    window = rng.normal(0, 0.02, (rows, 60))
    window[rng.random(window.shape) < 0.03] = np.nan  # gaps anywhere
    window[:, 3] = 0.0  # suspended
    window[-1, 4] = np.nan  # broken on the last row
    window[:, 5] = np.nan  # never traded
    ours, theirs = _eligible(window, 20), _eligible_loop(window, 20)
    assert np.array_equal(ours[0], theirs[0]) and ours[1] == theirs[1]


@pytest.mark.parametrize(("sessions", "names"), [(30, 80), (80, 80), (126, 400), (200, 40)])
def test_singularity_from_the_small_side_matches_the_full_decomposition(
    sessions: int, names: int
) -> None:
    """With no more sessions than names the covariance is singular; its rank and the
    fallback note come from the sessions × sessions Gram matrix, the same as ``eigvalsh``
    of the full covariance says; with more sessions the full matrix is used as before."""
    from themelens.analytics.basket.weights import SINGULAR_RCOND, spectrum

    rng = np.random.default_rng(sessions + names)
    sample = rng.normal(0, 0.02, (sessions, names)) + rng.normal(0, 0.01, (sessions, 1))
    cov = np.cov(sample, rowvar=False, ddof=1) * 252
    eig = np.linalg.eigvalsh(cov)
    full = (eig[0] <= SINGULAR_RCOND * eig[-1], int(np.sum(eig > SINGULAR_RCOND * eig[-1])))
    low, top, rank = spectrum(cov, sample)
    assert (low <= SINGULAR_RCOND * top, rank) == full
    assert top == pytest.approx(eig[-1], rel=1e-9)
    roles = ["peer"] * names
    with_sample = decide_weights("risk-parity", cov, max_weight=None, roles=roles, role_caps={},
                                 sample=sample)  # fmt: skip
    without = decide_weights("risk-parity", cov, max_weight=None, roles=roles, role_caps={})
    assert with_sample.notes == without.notes and with_sample.used == without.used
    np.testing.assert_allclose(with_sample.weights, without.weights, rtol=1e-12)
