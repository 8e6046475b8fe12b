"""Performance metrics of daily returns, vectorised over columns (one per combination).

Definitions follow quantstats (``quantstats.stats``), against which the
tests hold every figure to 1e-9, with ``periods`` the sessions per year of
the backtest calendar rather than a fixed 252 (a Hong Kong basket has ~247
sessions a year, a mixed HK/US calendar more):

``total_return``
    ``Π(1 + r) − 1``.
``cagr``
    ``(1 + total_return) ** (periods / n) − 1`` (``qs.stats.cagr``).
``volatility``
    Sample standard deviation (ddof 1) × √periods.
``sharpe``
    ``mean / std × √periods``, risk-free rate 0.
``sortino``
    ``mean / √(Σ r²[r < 0] / n) × √periods``.
``max_drawdown``
    Lowest ``equity / running peak − 1``, the start (1.0) counting as a peak;
    a negative fraction.
``calmar``
    ``cagr / |max_drawdown|``.
``beta``
    ``cov(r, b) / var(b)`` against the benchmark's returns ``b``.
``tracking_error``
    Annualised standard deviation of the active return ``r − b``.
``information_ratio``
    ``mean(r − b) / std(r − b) × √periods`` (quantstats' ratio, annualised).
``hit_rate``
    Share of sessions the basket beat the benchmark, among sessions where
    the two differ (``qs.stats.win_rate`` of ``r − b``).
``turnover``
    Annualised one-way-and-back turnover: ``Σ turnover × periods / n``.

A ratio whose denominator is 0 is NaN, never ±inf.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["BENCHMARK_METRICS", "METRICS", "performance"]

Floats = npt.NDArray[np.float64]

METRICS: Final = (
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "beta",
    "tracking_error",
    "information_ratio",
    "hit_rate",
    "turnover",
    "exposure",
    "time_in_market",
)
"""Every metric :func:`performance` returns, in display order."""

BENCHMARK_METRICS: Final = METRICS[:7]
"""The metrics that make sense for the benchmark on its own."""


def _ratio(num: Floats, den: Floats) -> Floats:
    with np.errstate(divide="ignore", invalid="ignore"):
        out: Floats = np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)
    return out


def performance(
    returns: Floats,
    benchmark: Floats | None,
    *,
    periods: float,
    turnover: Floats | None = None,
    exposure: Floats | None = None,
) -> dict[str, Floats]:
    """Every metric of :data:`METRICS` for each column of ``returns``.

    Parameters
    ----------
    returns
        Daily net returns, sessions × combinations (a 1-D array is one column).
    benchmark
        The benchmark's returns on the same sessions; None leaves the
        relative metrics NaN.
    periods
        Sessions per year, for annualising.
    turnover
        Turnover per session (same shape as ``returns``), for ``turnover``.
    exposure
        The sleeve's share of equity after each session's close (same shape),
        for ``exposure`` (its mean) and ``time_in_market`` (the share of
        sessions held with any exposure): a basket that sat in cash must say so.

    Notes
    -----
    Column-wise numpy so a sweep of a thousand combinations costs one call;
    the formulas are quantstats' (module docstring), which the tests check.
    """
    r = np.atleast_2d(returns.T).T if returns.ndim == 1 else returns
    n = r.shape[0]
    total = np.prod(1.0 + r, axis=0) - 1.0
    cagr = (1.0 + total) ** (periods / n) - 1.0
    std = r.std(axis=0, ddof=1)
    mean = r.mean(axis=0)
    root = np.sqrt(periods)
    downside = np.sqrt((np.where(r < 0, r, 0.0) ** 2).sum(axis=0) / n)
    equity = np.vstack([np.ones((1, r.shape[1])), np.cumprod(1.0 + r, axis=0)])
    mdd = (equity / np.maximum.accumulate(equity, axis=0) - 1.0).min(axis=0)
    out: dict[str, Floats] = {
        "total_return": total,
        "cagr": cagr,
        "volatility": std * root,
        "sharpe": _ratio(mean, std) * root,
        "sortino": _ratio(mean, downside) * root,
        "max_drawdown": mdd,
        "calmar": _ratio(cagr, np.abs(mdd)),
    }
    nan = np.full(r.shape[1], np.nan)
    if benchmark is None:
        out |= {k: nan for k in ("beta", "tracking_error", "information_ratio", "hit_rate")}
    else:
        b = benchmark.reshape(-1, 1)
        active = r - b
        bc = b - b.mean()
        cov = ((r - mean) * bc).sum(axis=0) / (n - 1)
        var_b = float((bc**2).sum() / (n - 1))
        a_std = active.std(axis=0, ddof=1)
        differ = (active != 0).sum(axis=0)
        out["beta"] = cov / var_b if var_b > 0 else nan
        out["tracking_error"] = a_std * root
        out["information_ratio"] = _ratio(active.mean(axis=0), a_std) * root
        out["hit_rate"] = _ratio(
            (active > 0).sum(axis=0).astype(np.float64), differ.astype(np.float64)
        )
    if turnover is None:
        out["turnover"] = nan
    else:
        turn = turnover.reshape(len(turnover), -1)
        out["turnover"] = turn.sum(axis=0) * periods / n
    if exposure is None:
        out["exposure"] = out["time_in_market"] = nan
    else:
        held = exposure.reshape(len(exposure), -1)
        out["exposure"] = held.mean(axis=0)
        out["time_in_market"] = (held > 1e-12).mean(axis=0)
    return out
