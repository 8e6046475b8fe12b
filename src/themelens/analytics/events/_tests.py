"""Significance tests for event studies, over E events at once, and the CAAR path.

Inputs are the per-event CARs over the whole event window, their standard
deviations from the model (estimation error included), the residual degrees
of freedom ``nu = n - k``, the estimation-window residuals (E, W) and the
event-window abnormal returns (E, L). With ``SCAR_i = CAR_i / sd(CAR_i)``:

cross-sectional t
    ``t = mean(CAR) / (sd(CAR) / sqrt(N))`` on ``t(N-1)``; ignores the
    model's variance, robust to event-induced variance, needs N ≥ 2.
Patell Z (Patell 1976)
    ``Z = sum(SCAR_i) / sqrt(sum(nu_i / (nu_i - 2)))``: each SCAR is
    t-distributed with ``nu_i`` degrees of freedom, whose variance is
    ``nu / (nu - 2)``; N(0, 1).
BMP (Boehmer, Musumeci & Poulsen 1991)
    ``z = mean(SCAR) / (sd(SCAR) / sqrt(N))`` on ``t(N-1)``: Patell's
    standardisation, the cross-sectional spread of SCARs as the variance, so
    an event that raises volatility does not inflate the test. N ≥ 2.
BMP, Kolari–Pynnönen adjusted (Kolari & Pynnönen 2010)
    When events share a date their abnormal returns are cross-correlated and
    BMP over-rejects. With ``r̄`` the mean correlation of estimation-window
    residuals over the pairs sharing a date and ``c`` the share of ordered
    pairs that do, ``z_adj = z · sqrt((1 - r̄ c) / (1 + (N - 1) r̄ c))``. With
    every event on one date (``c = 1``) this is KP's formula; with no shared
    dates it leaves z unchanged.
Corrado rank (Corrado 1989; multi-day form of Cowan 1992, missing days as
Corrado & Zivney 1992)
    Each event's residuals over estimation + event days are ranked,
    ``U = rank / (T_i + 1)``; ``Ū_t`` is the mean of ``U - 1/2`` over events on
    relative day ``t``; ``S_U = sqrt(mean_t Ū_t²)`` over all days;
    ``T = sqrt(L) · mean_{t in event} Ū_t / S_U``; N(0, 1).
generalised sign (Cowan 1992)
    ``p̂`` = mean over events of the share of positive estimation residuals;
    ``w`` = events with a positive CAR;
    ``Z = (w - N p̂) / sqrt(N p̂ (1 - p̂))``; N(0, 1).

All p-values are two-sided.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "EventTest",
    "average_ranks",
    "bmp",
    "caar_path",
    "corrado_rank",
    "cross_sectional_t",
    "generalised_sign",
    "kolari_pynnonen",
    "mean_cross_correlation",
    "patell",
    "t_two_sided",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


class EventTest(NamedTuple):
    """One test across events: statistic, two-sided p-value, reference distribution, N, a note."""

    name: str
    statistic: float
    p_value: float
    distribution: str
    n: int
    note: str = ""


def t_two_sided(t: npt.ArrayLike, df: npt.ArrayLike) -> Floats:
    """Two-sided p-value of ``t`` on Student's t with ``df`` degrees of freedom.

    ``2 * scipy.stats.t.sf(|t|, df)`` to the bit, from ``scipy.special`` (what
    ``scipy.stats`` calls underneath), imported here: ``scipy.stats`` takes
    seconds to import and only a study that runs needs it.
    """
    from scipy import special

    out: Floats = 2.0 * special.stdtr(df, -np.abs(t))
    return out


def _normal(name: str, z: float, n: int, note: str = "") -> EventTest:
    from scipy import special

    return EventTest(name, z, float(2.0 * special.ndtr(-abs(z))), "N(0,1)", n, note)


def _student(name: str, t: float, df: int, n: int, note: str = "") -> EventTest:
    return EventTest(name, t, float(t_two_sided(t, df)), f"t({df})", n, note)


def _nan(name: str, n: int, why: str) -> EventTest:
    return EventTest(name, float("nan"), float("nan"), "", n, why)


def cross_sectional_t(car: Floats) -> EventTest:
    """Mean CAR over its cross-sectional standard error."""
    n = len(car)
    name = "cross-sectional t"
    if n < 2:
        return _nan(name, n, "needs at least 2 events")
    sd = float(np.std(car, ddof=1))
    if not sd > 0:
        return _nan(name, n, "CARs do not vary")
    return _student(name, float(np.mean(car)) / (sd / np.sqrt(n)), n - 1, n)


def patell(scar: Floats, nu: Floats) -> EventTest:
    """Sum of standardised CARs over the square root of the sum of their t variances."""
    n = len(scar)
    if n < 1:
        return _nan("Patell Z", n, "no events")
    return _normal("Patell Z", float(scar.sum() / np.sqrt((nu / (nu - 2.0)).sum())), n)


def bmp(scar: Floats) -> EventTest:
    """Mean standardised CAR over its cross-sectional standard error."""
    n = len(scar)
    if n < 2:
        return _nan("BMP", n, "needs at least 2 events")
    sd = float(np.std(scar, ddof=1))
    if not sd > 0:
        return _nan("BMP", n, "standardised CARs do not vary")
    return _student("BMP", float(np.mean(scar)) / (sd / np.sqrt(n)), n - 1, n)


def kolari_pynnonen(test: EventTest, rbar: float, share: float) -> EventTest:
    """BMP scaled for cross-correlation ``rbar`` among the ``share`` of pairs sharing a date."""
    n = test.n
    rc = rbar * share
    factor = np.sqrt((1.0 - rc) / (1.0 + (n - 1) * rc)) if 1.0 + (n - 1) * rc > 0 else np.nan
    note = f"r̄ = {rbar:.3f} over pairs sharing a date ({share:.0%} of pairs)"
    if not np.isfinite(test.statistic) or not np.isfinite(factor):
        return _nan("BMP (Kolari–Pynnönen)", n, test.note or note)
    return _student("BMP (Kolari–Pynnönen)", float(test.statistic * factor), n - 1, n, note)


def average_ranks(values: Floats) -> Floats:
    """Ranks (1-based) within each row, ties given the mean of their ranks.

    ``scipy.stats.rankdata(values, axis=1)``'s numbers, several times faster:
    one unstable ``argsort`` per row (ties are averaged, so the order among
    equals is moot; rankdata's stable sort is its cost), then only the tied
    runs of the sorted rows are visited, a run never crossing a row.
    """
    rows, width = values.shape
    out = np.empty((rows, width))
    if not values.size:
        return out
    order = np.argsort(values, axis=1)
    flat = np.sort(values, axis=1).ravel()
    ranks = np.tile(np.arange(1.0, width + 1.0), rows)
    same = np.zeros(flat.size, dtype=bool)
    np.equal(flat[1:], flat[:-1], out=same[1:])
    same[::width] = False  # a run never crosses into the next row
    tied = np.flatnonzero(same)  # positions continuing a run of equal values
    if len(tied):
        opens = np.ones(len(tied), dtype=bool)
        opens[1:] = tied[1:] != tied[:-1] + 1
        run = np.cumsum(opens) - 1
        heads = np.flatnonzero(opens)
        first = tied[heads] - 1  # a run's first position holds no ``same`` flag
        last = tied[np.append(heads[1:] - 1, len(tied) - 1)]
        mean = (ranks[first] + ranks[last]) / 2.0
        ranks[tied] = mean[run]
        ranks[first] = mean
    offsets = np.arange(0, flat.size, width, dtype=np.int64)[:, None]
    out.ravel()[(order + offsets).ravel()] = ranks
    return out


def corrado_rank(resid: Floats, ar: Floats) -> EventTest:
    """The multi-day rank test on (E, W) estimation residuals and (E, L) event ARs (NaN = absent)."""
    n = resid.shape[0]
    if n < 1:
        return _nan("Corrado rank", n, "no events")
    both = np.concatenate([resid, ar], axis=1)
    present = np.isfinite(both)
    # absent cells as +inf sort after every number, so the numbers' ranks do not see them
    # (not as NaN: numpy's argsort is several times slower on rows holding NaN)
    dev = average_ranks(np.where(present, both, np.inf))
    dev /= np.count_nonzero(present, axis=1)[:, None] + 1.0
    dev -= 0.5
    dev *= present
    counts = present.sum(axis=0)
    used = counts > 0
    by_day = dev.sum(axis=0) / np.maximum(counts, 1)
    s_u = float(np.sqrt(np.mean(by_day[used] ** 2)))
    u_event = by_day[resid.shape[1] :][used[resid.shape[1] :]]
    if not s_u > 0 or len(u_event) == 0:
        return _nan("Corrado rank", n, "ranks do not vary")
    return _normal("Corrado rank", float(np.sqrt(len(u_event)) * u_event.mean() / s_u), n)


def generalised_sign(resid: Floats, car: Floats) -> EventTest:
    """Events with a positive CAR against the share expected from estimation-window residuals."""
    n = len(car)
    if n < 1:
        return _nan("generalised sign", n, "no events")
    present = np.isfinite(resid)
    p_hat = float(np.mean((np.where(present, resid, 0.0) > 0).sum(axis=1) / present.sum(axis=1)))
    if not 0.0 < p_hat < 1.0:
        return _nan("generalised sign", n, "residuals all of one sign")
    w = float((car > 0).sum())
    z = (w - n * p_hat) / np.sqrt(n * p_hat * (1.0 - p_hat))
    return _normal("generalised sign", float(z), n, f"{int(w)} of {n} positive; p̂ = {p_hat:.3f}")


def _pairs(cluster: Ints) -> tuple[Ints, Ints]:
    """Every unordered pair (i < j in sorted order) of events with the same cluster id, vectorised."""
    n = len(cluster)
    order = np.argsort(cluster, kind="stable")
    ids = cluster[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if n else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, n])
    within = np.arange(n) - np.repeat(starts, sizes)
    partners = np.repeat(sizes, sizes) - 1 - within
    total = int(partners.sum())
    first = np.repeat(np.arange(n), partners)
    offset = np.arange(total) - np.repeat(np.cumsum(partners) - partners, partners)
    return order[first].astype(np.int64), order[first + 1 + offset].astype(np.int64)


def mean_cross_correlation(
    resid: Floats, days: Ints, cluster: Ints, *, min_overlap: int = 10
) -> tuple[float, int]:
    """Mean residual correlation over pairs of events in the same cluster, and the pair count.

    Residuals are matched by calendar date (integer ``days``, -1 = none), not
    by relative day, so events on different exchanges pair only on dates
    both traded. Pairs with fewer than ``min_overlap`` common dates are left
    out. ``(nan, 0)`` when no pair qualifies.
    """
    i, j = _pairs(cluster)
    if not len(i):
        return float("nan"), 0
    usable = np.isfinite(resid) & (days >= 0)
    # most pairs trade on one calendar and miss the same days: then the correlation is the
    # row-wise dot product of the two events' own standardised residuals
    key = np.where(usable, days, -1).astype(np.int32)  # days fit in 32 bits: half the bytes
    aligned = (key[i] == key[j]).all(axis=1)
    count = np.count_nonzero(usable, axis=1)
    z, norm = _standardised(resid, usable, count)
    a, b = i[aligned], j[aligned]
    ok = (count[a] >= min_overlap) & (norm[a] > 0) & (norm[b] > 0)
    rows_corr = np.einsum("ij,ij->i", z[a[ok]], z[b[ok]])
    which, a_val, b_val = _matched_by_date(resid, days, i[~aligned], j[~aligned])
    corr = np.concatenate(
        [rows_corr, _pair_correlations(which, a_val, b_val, int((~aligned).sum()), min_overlap)]
    )
    if not len(corr):
        return float("nan"), 0
    return float(corr.mean()), len(corr)


def _standardised(resid: Floats, usable: npt.NDArray[np.bool_], count: Ints) -> tuple[Floats, Floats]:  # fmt: skip
    """Each row's usable residuals centred and scaled to unit norm (0 elsewhere), and the norms."""
    values = np.where(usable, resid, 0.0)
    centred = values - (values.sum(axis=1) / np.maximum(count, 1))[:, None]
    centred *= usable
    norm = np.sqrt(np.einsum("ij,ij->i", centred, centred))
    centred /= np.where(norm > 0, norm, 1.0)[:, None]
    return centred, norm


def _matched_by_date(resid: Floats, days: Ints, i: Ints, j: Ints) -> tuple[Ints, Floats, Floats]:
    """(pair, residual of i, residual of j) on the dates both events have, for pairs on two calendars."""
    width = resid.shape[1]
    pair = np.repeat(np.arange(len(i), dtype=np.int64), width)
    span = int(max(days.max(), 0)) + 2 if days.size else 2

    def keyed(rows: Ints) -> tuple[Ints, Floats]:
        d, r = days[rows].ravel(), resid[rows].ravel()
        keep = (d >= 0) & np.isfinite(r)
        return pair[keep] * span + d[keep], r[keep]

    # keys are sorted (pair-major, dates ascending along a window): match by binary search
    key_a, val_a = keyed(i)
    key_b, val_b = keyed(j)
    if not len(key_a):
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    at = np.minimum(np.searchsorted(key_a, key_b), len(key_a) - 1)
    hit = key_a[at] == key_b
    return key_b[hit] // span, val_a[at[hit]], val_b[hit]


def _pair_correlations(
    which: Ints, a_val: Floats, b_val: Floats, pairs: int, min_overlap: int
) -> Floats:
    """Pearson correlation per pair from matched observations, pairs with enough overlap only."""
    cnt = np.bincount(which, minlength=pairs).astype(np.float64)
    safe = np.maximum(cnt, 1.0)
    ma = np.bincount(which, a_val, pairs) / safe
    mb = np.bincount(which, b_val, pairs) / safe
    da, db = a_val - ma[which], b_val - mb[which]
    sab = np.bincount(which, da * db, pairs)
    saa = np.bincount(which, da * da, pairs)
    sbb = np.bincount(which, db * db, pairs)
    ok = (cnt >= min_overlap) & (saa > 0) & (sbb > 0)
    out: Floats = sab[ok] / np.sqrt(saa[ok] * sbb[ok])
    return out


def caar_path(
    car_cum: Floats, car_var: Floats, nu: Floats, days: list[int], confidence: float
) -> pd.DataFrame:
    """Mean AR and CAR by event day with a confidence band.

    ``car_cum`` and ``car_var`` are (E, L) cumulative CARs and their model
    variances. With two or more events the band is cross-sectional,
    ``caar ± t_{N-1} · sd(CAR_t) / sqrt(N)``; with one it is the model's,
    ``car ± t_nu · sqrt(var(CAR_t))``.
    """
    n = car_cum.shape[0]
    caar = car_cum.mean(axis=0) if n else np.full(len(days), np.nan)
    ar = np.diff(car_cum, axis=1, prepend=0.0) if n else car_cum
    aar = ar.mean(axis=0) if n else np.full(len(days), np.nan)
    from scipy import special  # stdtrit is scipy.stats.t.ppf's own kernel

    q = 0.5 + confidence / 2.0
    if n >= 2:
        se = car_cum.std(axis=0, ddof=1) / np.sqrt(n)
        half = special.stdtrit(n - 1, q) * se
    elif n == 1:
        se = np.sqrt(car_var[0])
        half = special.stdtrit(nu[0], q) * se
    else:
        se = half = np.full(len(days), np.nan)
    return pd.DataFrame(
        {
            "day": np.asarray(days, dtype=np.int64),
            "aar": aar,
            "caar": caar,
            "caar_se": se,
            "ci_low": caar - half,
            "ci_high": caar + half,
            "n_events": np.full(len(days), n, dtype=np.int64),
        }
    )
