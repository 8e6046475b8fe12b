"""The vectorised engine: windows, fit and the residual tests' inputs, a block of events at a time.

Why blocks: for ten thousand events an (E, W) array is 10 MB. Made whole,
every temporary is fresh memory (a page fault every few kilobytes on first
touch) and every pass over it reads main memory. In blocks of about a
thousand events (:data:`~themelens.analytics.events._windows.BLOCK`) the
temporaries are about 1 MB: they stay in cache and the allocator recycles
them. Blocks follow the event dates, whole dates to a block, so the pairs of
events sharing a date, whose residual correlation the Kolari–Pynnönen
adjustment needs, are always in one block. The (E, W) residuals are
therefore never assembled: each block's are reduced to what the tests need
(:class:`Reductions`) and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from themelens.analytics.events._correlation import (
    cluster_blocks,
    correlation_sum,
    pair_correlations,
)
from themelens.analytics.events._models import ModelFit, ModelName, fit_zeroed
from themelens.analytics.events._tests import RankScratch, positive_shares, rank_deviations
from themelens.analytics.events._windows import BLOCK, EventPlan

__all__ = ["Reductions", "fit_in_blocks", "reduce_residuals"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64] | npt.NDArray[np.int32]


@dataclass(frozen=True)
class Reductions:
    """The estimation residuals of the fitted events, reduced to what the tests need.

    ``rank_sum``/``rank_count`` are :func:`~._tests.rank_deviations` (W + L,)
    over the events that could be fitted; ``shares`` each planned event's
    share of positive residuals (E,), in plan order; ``correlation_sum`` and
    ``pairs`` the sum and number of the residual correlations of the pairs of
    fitted events sharing a date.
    """

    rank_sum: Floats
    rank_count: Ints
    shares: Floats
    correlation_sum: float
    pairs: int

    def subset(self, mask: Bools) -> Reductions:
        """Only the shares of the events where ``mask`` is True (the rest covers fitted events)."""
        return replace(self, shares=self.shares[mask])

    def mean_correlation(self) -> tuple[float, int]:
        """The mean correlation over the pairs and their number; ``(nan, 0)`` without pairs."""
        if not self.pairs:
            return float("nan"), 0
        return self.correlation_sum / self.pairs, self.pairs


def reduce_residuals(
    resid: Floats, used: Bools, ar: Floats, days: IntArray, cluster: Ints, fitted: Bools
) -> tuple[Floats, Ints, Floats, list[Floats]]:
    """Rank sums, positive shares (every row) and pair correlations (``fitted`` rows) of a block.

    ``resid`` is 0 and ``days`` -1 on the days not ``used``.
    """
    shares = positive_shares(resid, np.count_nonzero(used, axis=1))
    if not fitted.all():
        resid, used, ar = resid[fitted], used[fitted], ar[fitted]
        days, cluster = days[fitted], cluster[fitted]
    rank_sum, rank_count = rank_deviations(resid, ar, used)
    return rank_sum, rank_count, shares, pair_correlations(resid, days, cluster, used=used)


def fit_in_blocks(model: ModelName, plan: EventPlan) -> tuple[ModelFit, Reductions]:
    """Fit every planned event and reduce its residuals, a block of dates at a time.

    Within a date the events are ordered by day 0, usable days and first
    usable day, so events on one calendar are neighbours
    (:func:`~._correlation.correlation_sum` needs no pair copied for them).
    The returned fit's ``resid`` is (E, 0): the residuals live only as long
    as their block.
    """
    n_events, length = plan.y_evt.shape
    width = plan.estimation + length
    per_event = {f: np.empty(n_events) for f in ("alpha", "beta", "sigma2", "shares")}
    per_day = {f: np.empty((n_events, length)) for f in ("expected", "ar", "car_var")}
    n = np.empty(n_events, dtype=np.int64)
    degenerate = np.empty(n_events, dtype=bool)
    rank_sum, rank_count = np.zeros(width), np.zeros(width, dtype=np.int64)
    corr_sum, pairs = 0.0, 0
    scratch = RankScratch.of(min(BLOCK, n_events), width)
    order = np.lexsort((plan.est_start, plan.n_est, plan.session, plan.cluster))
    for rows in cluster_blocks(plan.cluster, BLOCK, lone=True, order=order):
        w = plan.gather(rows)
        fit = fit_zeroed(
            model, w.y_est, w.x_est, w.est_ok, w.n_est, w.y_evt, w.x_evt, overwrite=True
        )
        for f in ("alpha", "beta", "sigma2"):
            per_event[f][rows] = getattr(fit, f)
        for f in per_day:
            per_day[f][rows] = getattr(fit, f)
        n[rows], degenerate[rows] = fit.n, fit.degenerate
        fitted = ~fit.degenerate
        per_event["shares"][rows] = positive_shares(fit.resid, w.n_est)
        every = None if fitted.all() else fitted
        sums, counts = rank_deviations(
            fit.resid, fit.ar, w.est_ok, every, n_used=w.n_est, scratch=scratch
        )
        rank_sum += sums
        rank_count += counts
        part, many = correlation_sum(fit.resid, w.est_ok, w.est_days, plan.cluster[rows], fitted)
        corr_sum += part
        pairs += many
        del w, fit  # the next block's windows then reuse this one's memory, not fresh pages
    fit = ModelFit(
        alpha=per_event["alpha"],
        beta=per_event["beta"],
        sigma2=per_event["sigma2"],
        n=n,
        resid=np.empty((n_events, 0)),
        expected=per_day["expected"],
        ar=per_day["ar"],
        car_var=per_day["car_var"],
        degenerate=degenerate,
    )
    return fit, Reductions(rank_sum, rank_count, per_event["shares"], corr_sum, pairs)
