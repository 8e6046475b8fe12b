"""Event-study tests: each statistic by hand on a tiny example, and against a plain loop.

The hand-worked examples are small enough to redo on paper; the loop
versions below are the textbook definitions written event by event, with
none of the array tricks of ``_event_tests``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from themelens.analytics.events._correlation import _run_sums, correlation_sum, pair_correlations
from themelens.analytics.events._tests import (
    average_ranks,
    bmp,
    caar_path,
    corrado_rank,
    cross_sectional_t,
    generalised_sign,
    kolari_pynnonen,
    mean_cross_correlation,
    patell,
    rank_deviations,
    t_two_sided,
)

# --- hand-worked ------------------------------------------------------------------------------


def test_cross_sectional_t_by_hand() -> None:
    # CARs 2%, 4%, 3%: mean 3%, sd 1%, t = 0.03 / (0.01 / sqrt 3) = 3 sqrt 3
    t = cross_sectional_t(np.array([0.02, 0.04, 0.03]))
    assert t.statistic == pytest.approx(3 * math.sqrt(3), rel=1e-12)
    assert t.p_value == pytest.approx(2 * stats.t.sf(3 * math.sqrt(3), 2), rel=1e-12)
    assert t.distribution == "t(2)"


def test_patell_by_hand() -> None:
    # SCARs 1, 2, 0.5 with nu 10, 10, 6: variances 10/8 + 10/8 + 6/4 = 4, Z = 3.5 / 2
    z = patell(np.array([1.0, 2.0, 0.5]), np.array([10.0, 10.0, 6.0]))
    assert z.statistic == pytest.approx(1.75, rel=1e-12)
    assert z.p_value == pytest.approx(2 * stats.norm.sf(1.75), rel=1e-12)


def test_bmp_by_hand() -> None:
    # SCARs 1, 2, 3: mean 2, sd 1, z = 2 sqrt 3
    assert bmp(np.array([1.0, 2.0, 3.0])).statistic == pytest.approx(2 * math.sqrt(3), rel=1e-12)


def test_kolari_pynnonen_by_hand() -> None:
    base = bmp(np.array([1.0, 2.0, 3.0]))
    # all three on one date, r̄ = 0.5: factor sqrt((1 - .5) / (1 + 2 * .5)) = 0.5
    assert kolari_pynnonen(base, 0.5, 1.0).statistic == pytest.approx(math.sqrt(3), rel=1e-12)
    # one pair of three on a date (share 1/3): r̄c = 1/6, factor sqrt((5/6) / (4/3))
    adj = kolari_pynnonen(base, 0.5, 1 / 3).statistic
    assert adj == pytest.approx(2 * math.sqrt(3) * math.sqrt(0.625), rel=1e-12)
    # no correlation: unchanged
    assert kolari_pynnonen(base, 0.0, 1.0).statistic == pytest.approx(base.statistic)


def test_corrado_rank_by_hand() -> None:
    # event 1: residuals -1, 0, 1 then AR 2 -> ranks 1 2 3 4, U = r/5, U - .5 = -.3 -.1 .1 .3
    # event 2: residuals 3, 1, 2 then AR 4 -> ranks 3 1 2 4,          U - .5 =  .1 -.3 -.1 .3
    # Ū_t = -.1 -.2 0 .3; S_U = sqrt((.01 + .04 + 0 + .09) / 4) = sqrt(.035); T = .3 / S_U
    resid = np.array([[-1.0, 0.0, 1.0], [3.0, 1.0, 2.0]])
    ar = np.array([[2.0], [4.0]])
    assert corrado_rank(resid, ar).statistic == pytest.approx(0.3 / math.sqrt(0.035), rel=1e-12)


def test_generalised_sign_by_hand() -> None:
    # p̂ = (1/3 + 3/3) / 2 = 2/3; one positive CAR of two: Z = (1 - 4/3) / sqrt(2 * 2/9) = -0.5
    resid = np.array([[-1.0, 0.0, 1.0], [3.0, 1.0, 2.0]])
    z = generalised_sign(resid, np.array([0.02, -0.01]))
    assert z.statistic == pytest.approx(-0.5, rel=1e-12)
    assert "1 of 2 positive" in z.note


def test_mean_cross_correlation_by_hand() -> None:
    # events 0 and 1 share a date, residuals perfectly correlated; event 2 is alone
    base = np.arange(12, dtype=float)
    resid = np.vstack([base, 2 * base + 1, -base])
    days = np.tile(np.arange(100, 112), (3, 1))
    rbar, pairs = mean_cross_correlation(resid, days, np.array([5, 5, 9]))
    assert rbar == pytest.approx(1.0)
    assert pairs == 1


def test_single_event_tests_say_why_they_are_missing() -> None:
    assert math.isnan(cross_sectional_t(np.array([0.01])).statistic)
    assert "at least 2" in bmp(np.array([1.0])).note


def test_caar_band_is_cross_sectional_with_several_events_and_model_based_with_one() -> None:
    car = np.array([[0.01, 0.03], [0.03, 0.05]])
    var = np.full((2, 2), 1e-4)
    path = caar_path(car, var, np.array([100.0, 100.0]), [0, 1], 0.95)
    half = stats.t.ppf(0.975, 1) * np.std([0.01, 0.03], ddof=1) / math.sqrt(2)
    assert path["ci_high"].iloc[0] - path["caar"].iloc[0] == pytest.approx(half)
    assert path["aar"].tolist() == pytest.approx([0.02, 0.02])
    one = caar_path(car[:1], var[:1], np.array([100.0]), [0, 1], 0.95)
    assert one["ci_high"].iloc[1] - 0.03 == pytest.approx(stats.t.ppf(0.975, 100) * 0.01)


# --- against plain per-event loops ------------------------------------------------------------


def loop_patell(scar: list[float], nu: list[float]) -> float:
    total, var = 0.0, 0.0
    for s, v in zip(scar, nu, strict=True):
        total += s
        var += v / (v - 2)
    return total / math.sqrt(var)


def loop_bmp(scar: list[float]) -> float:
    n = len(scar)
    mean = sum(scar) / n
    sd = math.sqrt(sum((s - mean) ** 2 for s in scar) / (n - 1))
    return mean / (sd / math.sqrt(n))


def loop_sign(resid: list[list[float]], car: list[float]) -> float:
    shares = []
    for row in resid:
        present = [r for r in row if not math.isnan(r)]
        shares.append(sum(1 for r in present if r > 0) / len(present))
    p = sum(shares) / len(shares)
    n = len(car)
    w = sum(1 for c in car if c > 0)
    return (w - n * p) / math.sqrt(n * p * (1 - p))


def loop_corrado(resid: list[list[float]], ar: list[list[float]]) -> float:
    by_day: dict[int, list[float]] = {}
    width = len(resid[0])
    for est, evt in zip(resid, ar, strict=True):
        series = [(t, v) for t, v in enumerate(est + evt) if not math.isnan(v)]
        ranks = stats.rankdata([v for _, v in series])
        for (t, _), r in zip(series, ranks, strict=True):
            by_day.setdefault(t, []).append(r / (len(series) + 1) - 0.5)
    means = {t: sum(v) / len(v) for t, v in by_day.items()}
    s_u = math.sqrt(sum(m * m for m in means.values()) / len(means))
    event = [m for t, m in means.items() if t >= width]
    return math.sqrt(len(event)) * (sum(event) / len(event)) / s_u


def loop_cross_correlation(resid: np.ndarray, days: np.ndarray, cluster: np.ndarray) -> float:
    corrs = []
    for i in range(len(resid)):
        for j in range(i + 1, len(resid)):
            if cluster[i] != cluster[j]:
                continue
            a = pd.Series(resid[i], index=days[i]).dropna()
            b = pd.Series(resid[j], index=days[j]).dropna()
            both = pd.concat([a, b], axis=1, join="inner")
            if len(both) >= 10:
                corrs.append(both.iloc[:, 0].corr(both.iloc[:, 1]))
    return float(np.mean(corrs))


@pytest.fixture()
def panel() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    events, width, length = 30, 60, 4
    resid = rng.normal(0, 0.02, (events, width))
    resid[rng.random(resid.shape) < 0.1] = np.nan
    ar = rng.normal(0.004, 0.02, (events, length))
    days = np.tile(np.arange(1000, 1000 + width), (events, 1))
    days[::3] += 1  # a third trade on a calendar shifted by a day: matched by date, not position
    return {
        "resid": resid,
        "ar": ar,
        "car": ar.sum(axis=1),
        "scar": rng.normal(0.3, 1.1, events),
        "nu": rng.integers(50, 120, events).astype(float),
        "days": days,
        "cluster": rng.integers(0, 6, events),
    }


def test_patell_bmp_sign_equal_their_loops(panel: dict[str, np.ndarray]) -> None:
    p = panel
    assert patell(p["scar"], p["nu"]).statistic == pytest.approx(
        loop_patell(list(p["scar"]), list(p["nu"])), rel=1e-12
    )
    assert bmp(p["scar"]).statistic == pytest.approx(loop_bmp(list(p["scar"])), rel=1e-12)
    assert generalised_sign(p["resid"], p["car"]).statistic == pytest.approx(
        loop_sign(p["resid"].tolist(), list(p["car"])), rel=1e-12
    )
    t = cross_sectional_t(p["car"])
    assert t.statistic == pytest.approx(stats.ttest_1samp(p["car"], 0.0).statistic, rel=1e-12)


def test_corrado_equals_its_loop(panel: dict[str, np.ndarray]) -> None:
    got = corrado_rank(panel["resid"], panel["ar"]).statistic
    assert got == pytest.approx(
        loop_corrado(panel["resid"].tolist(), panel["ar"].tolist()), rel=1e-12
    )


def test_cross_correlation_equals_its_loop(panel: dict[str, np.ndarray]) -> None:
    common = np.random.default_rng(3).normal(0, 0.02, 2000)
    p = dict(panel)
    # make residuals of one cluster share a component, matched by calendar date
    resid = p["resid"] + 0.8 * common[p["days"] - 1000]
    rbar, pairs = mean_cross_correlation(resid, p["days"], p["cluster"])
    assert pairs > 0 and rbar > 0.3
    assert rbar == pytest.approx(loop_cross_correlation(resid, p["days"], p["cluster"]), rel=1e-10)


def test_cross_correlation_of_pairs_missing_the_same_days_equals_its_loop(
    panel: dict[str, np.ndarray],
) -> None:
    # rows on one calendar that miss the same days take the row-wise path (standardised
    # residuals, one dot product per pair): here the pairs of two even or two odd rows;
    # the mixed pairs miss different days and are matched by date
    rng = np.random.default_rng(4)
    events, width = panel["resid"].shape
    days = np.tile(np.arange(1000, 1000 + width), (events, 1))
    resid = rng.normal(0, 0.02, (events, width)) + 0.5 * rng.normal(0, 0.02, width)
    resid[:, 7] = np.nan
    resid[::2, 3] = np.nan
    rbar, pairs = mean_cross_correlation(resid, days, panel["cluster"])
    assert pairs > 0
    assert rbar == pytest.approx(loop_cross_correlation(resid, days, panel["cluster"]), rel=1e-12)


def test_corrado_with_ties_and_near_ties_equals_its_loop() -> None:
    # ties, values a few ulps apart (equal above the bits that carry the column when sorted),
    # -0.0 beside 0.0 and absent days: those rows are ranked exactly, the others by position
    rng = np.random.default_rng(5)
    resid = rng.normal(0, 0.02, (40, 50))
    resid[::4, 3:9] = 0.25
    resid[1::4, 10] = 0.5
    resid[1::4, 11] = np.nextafter(0.5, 1.0)
    resid[2::4, 12] = -0.0
    resid[2::4, 13] = 0.0
    resid[rng.random(resid.shape) < 0.1] = np.nan
    ar = rng.normal(0.004, 0.02, (40, 3))
    ar[3::4, 0] = resid[3::4, 20] = -0.125  # a tie across the two windows
    got = corrado_rank(resid, ar).statistic
    assert got == pytest.approx(loop_corrado(resid.tolist(), ar.tolist()), rel=1e-12)


@pytest.mark.parametrize("est_width", [59, 60, 123, 124])  # W + L = 63, 64, 127, 128
def test_rank_deviations_with_a_used_mask_equal_scipys_ranks(est_width: int) -> None:
    # the study's form: 0 on unused days, ``used`` and its row counts given, some rows left
    # out; widths one below and at a power of two (absent cells name the extra column W + L)
    rng = np.random.default_rng(est_width)
    events = 3000  # more than one block of rows
    resid = rng.normal(0, 0.02, (events, est_width))
    used = rng.random(resid.shape) > 0.15
    used[::7] = True
    ar = rng.normal(0.003, 0.02, (events, 4))
    ar[rng.random(ar.shape) < 0.05] = np.nan
    resid[5::50, 2:6] = 0.125  # ties: those rows are ranked exactly
    rows = rng.random(events) > 0.1
    cells = np.concatenate([np.where(used, resid, np.nan), ar], axis=1)
    want_sum, want_count = np.zeros(cells.shape[1]), np.zeros(cells.shape[1], dtype=np.int64)
    for i in np.flatnonzero(rows):  # scipy's ranks, row by row
        present = np.flatnonzero(np.isfinite(cells[i]))
        want_sum[present] += stats.rankdata(cells[i, present]) / (len(present) + 1) - 0.5
        want_count[present] += 1
    for n_used in (None, used.sum(axis=1)):
        got_sum, got_count = rank_deviations(
            np.where(used, resid, 0.0), ar, used, rows, n_used=n_used
        )
        np.testing.assert_array_equal(got_count, want_count)
        np.testing.assert_allclose(got_sum, want_sum, rtol=0, atol=1e-10)
    assert want_count.sum() > 0.8 * events * est_width


def test_correlation_sum_equals_the_pairs() -> None:
    # the study's blocks: rows by label, one calendar's rows together, 0 / -1 on unused days
    rng = np.random.default_rng(6)
    events, width = 40, 60
    labels = np.sort(rng.integers(0, 8, events))
    days = np.tile(np.arange(1000, 1000 + width), (events, 1))
    days[rng.random(events) < 0.3] += 1  # a second calendar ...
    days[rng.random(events) < 0.2, 5] = -1  # ... and rows missing a day
    order = np.lexsort((days[:, 5], days[:, 0], labels))
    labels, days = labels[order], days[order]
    used = days >= 0
    resid = np.where(
        used, rng.normal(0, 0.02, (events, width)) + 0.01 * rng.normal(0, 1, width), 0.0
    )
    fitted = rng.random(events) > 0.1
    total, pairs = correlation_sum(resid, used, days, labels, fitted)
    keep = np.flatnonzero(fitted)
    want = np.concatenate(pair_correlations(resid[keep], days[keep], labels[keep], used=used[keep]))
    assert pairs == len(want) > 20
    assert total == pytest.approx(want.sum(), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("longest", [1, 3, 16, 17, 40])
def test_run_sums_equal_reduceat(longest: int) -> None:
    # short runs row by row, long ones from a running sum: both as np.add.reduceat
    rng = np.random.default_rng(longest)
    sizes = rng.integers(1, longest + 1, 30)
    sizes[0] = longest
    values = rng.normal(0, 1, (int(sizes.sum()), 7))
    starts = np.cumsum(sizes) - sizes
    want = np.add.reduceat(values, starts, axis=0)
    np.testing.assert_allclose(_run_sums(values, starts, sizes), want, rtol=0, atol=1e-12)


@given(
    st.integers(1, 5).flatmap(
        lambda w: st.lists(
            st.lists(st.sampled_from([0.0, 1.0, 2.0, 2.5, -1.0, np.inf]), min_size=w, max_size=w),
            min_size=1,
            max_size=6,
        )
    )
)
@settings(max_examples=200, deadline=None)
def test_average_ranks_are_scipys(rows: list[list[float]]) -> None:
    values = np.array(rows)
    np.testing.assert_array_equal(average_ranks(values), stats.rankdata(values, axis=1))


def test_p_values_are_scipy_stats_to_the_bit() -> None:
    t = np.linspace(-9.0, 9.0, 401)
    df = np.arange(3, 404).astype(np.float64)
    np.testing.assert_array_equal(t_two_sided(t, df), 2.0 * stats.t.sf(np.abs(t), df))
    z = cross_sectional_t(np.array([0.01, 0.03, 0.02, 0.05]))
    assert z.p_value == 2.0 * stats.t.sf(abs(z.statistic), 3)
    assert patell(np.array([1.0, 2.0]), np.array([50.0, 60.0])).p_value == 2.0 * stats.norm.sf(
        3.0 / math.sqrt(50 / 48 + 60 / 58)
    )
    car = np.array([[0.01, 0.02], [0.03, 0.01]])
    path = caar_path(car, np.ones((2, 2)), np.ones(2), [0, 1], 0.9)
    half = stats.t.ppf(0.95, 1) * car.std(axis=0, ddof=1) / math.sqrt(2)
    np.testing.assert_array_equal(path["ci_high"], car.mean(axis=0) + half)
