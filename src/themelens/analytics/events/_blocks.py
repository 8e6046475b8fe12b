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

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from themelens.analytics.events._correlation import cluster_blocks, pair_correlations
from themelens.analytics.events._models import ModelFit, ModelName, fit_zeroed
from themelens.analytics.events._tests import positive_shares, rank_deviations
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
    share of positive residuals (E,), in plan order; ``correlations`` the
    residual correlations of the pairs of fitted events sharing a date.
    """

    rank_sum: Floats
    rank_count: Ints
    shares: Floats
    correlations: Floats

    def subset(self, mask: Bools) -> Reductions:
        """Only the shares of the events where ``mask`` is True (the rest covers fitted events)."""
        return Reductions(self.rank_sum, self.rank_count, self.shares[mask], self.correlations)


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
    correlations: list[Floats] = []
    for rows in cluster_blocks(plan.cluster, BLOCK, lone=True):
        w = plan.gather(rows)
        fit = fit_zeroed(
            model, w.y_est, w.x_est, w.est_ok, w.n_est, w.y_evt, w.x_evt, overwrite=True
        )
        for f in ("alpha", "beta", "sigma2"):
            per_event[f][rows] = getattr(fit, f)
        for f in per_day:
            per_day[f][rows] = getattr(fit, f)
        n[rows], degenerate[rows] = fit.n, fit.degenerate
        sums, counts, shares, corr = reduce_residuals(
            fit.resid, w.est_ok, fit.ar, w.est_days, plan.cluster[rows], ~fit.degenerate
        )
        rank_sum += sums
        rank_count += counts
        per_event["shares"][rows] = shares
        correlations += corr
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
    pairs = np.concatenate(correlations) if correlations else np.zeros(0)
    return fit, Reductions(rank_sum, rank_count, per_event["shares"], pairs)
