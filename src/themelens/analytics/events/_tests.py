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

from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.analytics.events._correlation import mean_cross_correlation

__all__ = [
    "EventTest",
    "RankScratch",
    "average_ranks",
    "bmp",
    "caar_path",
    "corrado_from",
    "corrado_rank",
    "cross_sectional_t",
    "generalised_sign",
    "generalised_sign_from",
    "kolari_pynnonen",
    "mean_cross_correlation",
    "patell",
    "positive_shares",
    "rank_deviations",
    "t_two_sided",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


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


def _sorted_ranks(ordered: Floats) -> Floats:
    """Ranks (1-based) of each row of ``ordered`` (rows sorted ascending), ties given their mean.

    Only the tied runs are visited, a run never crossing a row.
    """
    rows, width = ordered.shape
    flat = ordered.ravel()
    grid = np.empty((rows, width))
    grid[:] = np.arange(1.0, width + 1.0)
    ranks: Floats = grid.ravel()
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
    return ranks.reshape(rows, width)


def average_ranks(values: Floats) -> Floats:
    """Ranks (1-based) within each row, ties given the mean of their ranks.

    ``scipy.stats.rankdata(values, axis=1)``'s numbers, several times faster:
    one unstable ``argsort`` per row (ties are averaged, so the order among
    equals is moot; rankdata's stable sort is its cost), then only the tied
    runs of the sorted rows are visited.
    """
    rows, width = values.shape
    out = np.empty((rows, width))
    if not values.size:
        return out
    order = np.argsort(values, axis=1)
    ranks = _sorted_ranks(np.sort(values, axis=1))
    np.put_along_axis(out, order, ranks, axis=1)
    return out


_ROWS_PER_BLOCK: Final = 1024
"""Events ranked at a time: the (block, W + L) arrays stay in cache."""
_HUGE: Final = 1e300
"""Rows with a larger value are ranked exactly: the stand-ins for absent cells are larger still."""
_LARGEST_BITS: Final = int(np.array(np.finfo(np.float64).max).view(np.int64))
"""The bits of the largest float, below which absent cells are placed."""


class RankScratch(NamedTuple):
    """Buffers for :func:`rank_deviations`, (rows, W + L), reusable from one call to the next;
    and the table of deviations by sorted position and present cells (:func:`_deviation_table`)."""

    values: Floats
    present: Bools
    absent: Bools
    deviations: Floats
    table: Floats

    @classmethod
    def of(cls, rows: int, width: int) -> RankScratch:
        shape = (rows, width)
        return cls(
            np.empty(shape), np.empty(shape, bool), np.empty(shape, bool), np.empty(shape),
            _deviation_table(width),
        )  # fmt: skip


def _deviation_table(width: int) -> Floats:
    """Row ``c``: ``rank / (c + 1) - 1/2`` at sorted positions ``0..c-1`` (ranks 1..c), then 0."""
    position = np.arange(width, dtype=np.float64)
    count = np.arange(width + 1)
    table = np.empty((width + 1, width))
    table[:] = position + 1.0
    table /= (count + 1.0)[:, None]
    table -= 0.5
    np.copyto(table, 0.0, where=position >= count[:, None])
    return table


def rank_deviations(
    resid: Floats,
    ar: Floats,
    used: Bools | None = None,
    rows: Bools | None = None,
    *,
    n_used: Ints | None = None,
    scratch: RankScratch | None = None,
) -> tuple[Floats, Ints]:
    """Sum over events of ``rank / (T_i + 1) - 1/2`` by relative day, and events present that day.

    ``resid`` holds NaN on absent days, or, when ``used`` marks the present
    ones, anything finite there (``n_used``, if given, is how many each row
    has); only the events where ``rows`` is True (all by default) count.
    Sums over blocks of events add up, so the study ranks each block as it
    fits it, in the same ``scratch``.

    Each row is sorted once, in place, with each cell's column written into
    the lowest ``b`` bits of its float (``b`` bits number the W + L columns
    and one more): a float's bits order it, so cells that differ above those
    bits keep their order and the sorted row names its columns. A row where
    two neighbours agree above the column bits and the sign (a tie, values
    within ~1e-13 of each other, or -0.0 beside 0.0) is ranked exactly
    instead (``argsort``, tied runs given their mean rank). Absent cells
    become the largest floats, distinct above the column bits and naming
    column ``W + L``, so they sort last and are counted in a bin of their
    own. The deviations of a row with ``T`` present cells are then a row of
    a table by ``T``, added to their day straight from sorted order
    (``bincount`` over the columns): no (E, W + L) rank matrix is written
    back in place.
    """
    est_width, rows_total = resid.shape[1], resid.shape[0]
    width = est_width + ar.shape[1]
    bits = width.bit_length()  # column numbers 0..width, ``width`` for absent cells
    low = (1 << bits) - 1
    column = np.arange(width, dtype=np.int64)
    absent_bits = (_LARGEST_BITS & ~low) - (column << bits) | width
    total, present_by_day = np.zeros(width), np.zeros(width, dtype=np.int64)
    size = min(_ROWS_PER_BLOCK, rows_total)
    if scratch is None or scratch.values.shape[0] < size or scratch.values.shape[1] != width:
        scratch = RankScratch.of(size, width)
    for a in range(0, rows_total, _ROWS_PER_BLOCK):
        m = min(_ROWS_PER_BLOCK, rows_total - a)
        values, has, gone = scratch.values[:m], scratch.present[:m], scratch.absent[:m]
        dev, packed = scratch.deviations[:m], scratch.values[:m].view(np.int64)
        # the cells' bits without the lowest ones, copied in one pass
        np.bitwise_and(resid[a : a + m].view(np.int64), ~low, out=packed[:, :est_width])
        np.bitwise_and(ar[a : a + m].view(np.int64), ~low, out=packed[:, est_width:])
        if used is None:
            np.isfinite(resid[a : a + m], out=has[:, :est_width])
        else:
            has[:, :est_width] = used[a : a + m]
        np.isfinite(ar[a : a + m], out=has[:, est_width:])
        if used is None or n_used is None:
            count = np.count_nonzero(has, axis=1)
        else:
            count = n_used[a : a + m] + np.count_nonzero(has[:, est_width:], axis=1)
        if rows is not None:
            has &= rows[a : a + m, None]
            count = np.where(rows[a : a + m], count, 0)
        np.logical_not(has, out=gone)
        packed |= column
        np.copyto(packed, absent_bits, where=gone)
        values.sort(axis=1)
        # neighbours equal but for the sign and the column bits; pairs across a row's end flag
        # that row, needlessly (rare); ``dev`` is written below
        flat, near = packed.ravel(), dev.view(np.int64).ravel()[1:]
        np.bitwise_xor(flat[1:], flat[:-1], out=near)
        np.left_shift(near, 1, out=near)  # the sign bit out
        odd = np.zeros(m, dtype=bool)
        odd[np.flatnonzero(near.view(np.uint64) <= low << 1) // width] = True
        odd |= values[np.arange(m), np.maximum(count - 1, 0)] > _HUGE  # absent ones may precede
        odd = np.flatnonzero(odd)
        order = np.bitwise_and(packed, low, out=packed)  # the sorted cells' columns, in place
        np.take(scratch.table, count, axis=0, out=dev, mode="clip")  # counts are 0..width
        if len(odd):  # ranked exactly, from the block's own cells; absent ones weigh 0
            exact = np.concatenate([resid[a + odd], ar[a + odd]], axis=1)
            np.copyto(exact, np.inf, where=gone[odd])
            order[odd] = np.argsort(exact, axis=1)
            ranks = _sorted_ranks(np.sort(exact, axis=1))
            ranks /= (count[odd] + 1.0)[:, None]
            ranks -= 0.5
            np.copyto(ranks, 0.0, where=np.arange(width) >= count[odd][:, None])
            dev[odd] = ranks
        total += np.bincount(order.ravel(), dev.ravel(), minlength=width + 1)[:width]
        present_by_day += np.add.reduce(has.view(np.uint8), axis=0, dtype=np.int32)
    return total, present_by_day


def corrado_rank(resid: Floats, ar: Floats) -> EventTest:
    """The multi-day rank test on (E, W) estimation residuals and (E, L) event ARs (NaN = absent)."""
    total, counts = rank_deviations(resid, ar)
    return corrado_from(total, counts, resid.shape[1], resid.shape[0])


def corrado_from(total: Floats, counts: Ints, est_width: int, n: int) -> EventTest:
    """The rank test from :func:`rank_deviations` over ``n`` events (``est_width`` estimation days)."""
    if n < 1:
        return _nan("Corrado rank", n, "no events")
    used = counts > 0
    by_day = total / np.maximum(counts, 1)
    s_u = float(np.sqrt(np.mean(by_day[used] ** 2)))
    u_event = by_day[est_width:][used[est_width:]]
    if not s_u > 0 or len(u_event) == 0:
        return _nan("Corrado rank", n, "ranks do not vary")
    return _normal("Corrado rank", float(np.sqrt(len(u_event)) * u_event.mean() / s_u), n)


def positive_shares(resid: Floats, used: Ints | None = None) -> Floats:
    """Each event's share of positive estimation residuals.

    ``resid`` holds NaN on absent days, or 0 there when ``used`` counts the
    present days of each row.
    """
    positive = np.count_nonzero(resid > 0, axis=1)  # NaN (absent) is not > 0
    present = np.count_nonzero(np.isfinite(resid), axis=1) if used is None else used
    out: Floats = positive / present
    return out


def generalised_sign(resid: Floats, car: Floats) -> EventTest:
    """Events with a positive CAR against the share expected from estimation-window residuals."""
    return generalised_sign_from(positive_shares(resid) if len(car) else np.zeros(0), car)


def generalised_sign_from(shares: Floats, car: Floats) -> EventTest:
    """The sign test from each event's :func:`positive_shares` and its CAR."""
    n = len(car)
    if n < 1:
        return _nan("generalised sign", n, "no events")
    p_hat = float(np.mean(shares))
    if not 0.0 < p_hat < 1.0:
        return _nan("generalised sign", n, "residuals all of one sign")
    w = float((car > 0).sum())
    z = (w - n * p_hat) / np.sqrt(n * p_hat * (1.0 - p_hat))
    return _normal("generalised sign", float(z), n, f"{int(w)} of {n} positive; p̂ = {p_hat:.3f}")


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
