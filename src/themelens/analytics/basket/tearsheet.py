"""The basket's tear sheet: monthly and yearly returns, rolling risk, the worst drawdowns.

Everything is derived from the equity curves of :class:`BasketResult`
(``daily.equity`` and ``daily.benchmark_equity``, both 1 at the start
session), with the conventions of quantstats (``quantstats.stats``) unless
stated; the tests hold each table to quantstats to 1e-12:

``monthly``
    ``qs.stats.monthly_returns(r)``: each month compounded from the daily
    returns in it, and the year's total (quantstats' ``EOY``). Computed as
    the ratio of the month's last equity to the equity before its first
    session, which is the same product. *Differs*: a month without a
    session (before the start, after the end) is NaN, not 0 %: the heat map
    must not show a flat month the basket never lived.
``yearly``
    The calendar year's compounded return of the basket and of the
    benchmark, and how many sessions it had (the first and last years are
    usually partial).
``rolling``
    ``qs.stats.rolling_volatility`` and ``qs.stats.rolling_sharpe`` (rf 0)
    over ``window`` sessions: sample standard deviation (ddof 1) and
    ``mean / std``, annualised with the backtest's sessions per year (the
    ``periods`` of :mod:`~themelens.analytics.basket.metrics`, ~247 for Hong
    Kong) rather than quantstats' default 252. The first ``window − 1``
    sessions are NaN. *Differs*: a window with no variation at all (the
    brake held the basket in cash) has a NaN Sharpe where quantstats divides
    by zero and may return ±inf.
``drawdowns``
    The episodes of ``qs.stats.drawdown_details`` on the drawdown from the
    running peak, the start (equity 1) counting as a peak, as in
    ``qs.stats.to_drawdown_series``. ``start`` and ``end`` are quantstats'
    first and last sessions under water and ``depth`` its ``max drawdown``
    (a fraction here, not percent); added are the ``peak`` (the session
    before ``start``), the ``recovery`` (the session after ``end``, NaT when
    the curve has not regained the peak) and ``sessions`` under water
    (quantstats counts calendar ``days``). Only the ``top`` deepest are
    kept, deepest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from themelens.errors import InputError

__all__ = [
    "DRAWDOWN_COLUMNS",
    "MONTHS",
    "ROLLING_COLUMNS",
    "ROLLING_WINDOW",
    "TearSheet",
    "build_tear_sheet",
]

MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ROLLING_WINDOW: Final = 126
"""Sessions in the rolling window (about six months; quantstats' default)."""
ROLLING_COLUMNS: Final = (
    "date",
    "volatility",
    "sharpe",
    "benchmark_volatility",
    "benchmark_sharpe",
)
DRAWDOWN_COLUMNS: Final = ("peak", "start", "trough", "end", "recovery", "depth", "sessions")


@dataclass(frozen=True, eq=False)
class TearSheet:
    """The tear-sheet tables of one backtest (fractions throughout: 0.05 = 5 %).

    Attributes
    ----------
    window
        Sessions in the rolling window.
    periods_per_year
        Sessions per year used to annualise.
    benchmark
        The benchmark's ticker, or None (its columns are then NaN).
    monthly
        Index ``year`` (int); columns :data:`MONTHS` and ``total`` (the
        year compounded); NaN for a month without a session.
    yearly
        ``year, sessions, basket, benchmark``.
    rolling
        :data:`ROLLING_COLUMNS`: annualised volatility and Sharpe (rf 0) over
        the ``window`` sessions ending at ``date``.
    drawdowns
        :data:`DRAWDOWN_COLUMNS`, deepest first: dates of the peak, first and
        last session under water, the trough and the recovery (NaT: not
        recovered), the depth (negative) and the sessions under water.
    """

    window: int
    periods_per_year: float
    benchmark: str | None
    monthly: pd.DataFrame
    yearly: pd.DataFrame
    rolling: pd.DataFrame
    drawdowns: pd.DataFrame


def _period_returns(equity: pd.Series, key: pd.Index) -> pd.Series:
    """Compounded return per ``key`` group of the sessions after the start.

    ``equity`` starts at the start session; each group's return is its last
    equity over the equity of the session before its first one.
    """
    after = equity.iloc[1:]
    before = equity.shift(1).iloc[1:]
    end = after.groupby(key).last()
    begin = before.groupby(key).first()
    out: pd.Series = end / begin - 1.0
    return out


def _monthly(equity: pd.Series) -> pd.DataFrame:
    dates = pd.DatetimeIndex(equity.index[1:])
    key = pd.Index(dates.year * 100 + dates.month)
    months = _period_returns(equity, key)
    frame = pd.DataFrame(
        {"year": months.index // 100, "month": months.index % 100, "ret": months.to_numpy()}
    )
    wide = frame.pivot(index="year", columns="month", values="ret")
    wide = wide.reindex(columns=range(1, 13))
    wide.columns = pd.Index(MONTHS)
    wide["total"] = _period_returns(equity, pd.Index(dates.year)).reindex(wide.index)
    wide.index = wide.index.astype(int)
    wide.index.name = "year"
    return wide


def _yearly(equity: pd.Series, bench: pd.Series | None) -> pd.DataFrame:
    dates = pd.DatetimeIndex(equity.index[1:])
    key = pd.Index(dates.year)
    basket = _period_returns(equity, key)
    out = pd.DataFrame(
        {
            "year": basket.index.astype(int),
            "sessions": pd.Series(1, index=dates).groupby(key).sum().to_numpy(),
            "basket": basket.to_numpy(),
            "benchmark": (_period_returns(bench, key).to_numpy() if bench is not None else np.nan),
        }
    )
    return out


def _rolling(returns: pd.Series, window: int, periods: float) -> tuple[pd.Series, pd.Series]:
    roll = returns.rolling(window)
    std = roll.std()
    mean = roll.mean()
    root = float(np.sqrt(periods))
    sharpe = (mean / std.where(std > 0)) * root
    return std * root, sharpe


def _drawdowns(equity: pd.Series, top: int) -> pd.DataFrame:
    values = equity.to_numpy(dtype=np.float64)
    dd = values / np.maximum.accumulate(values) - 1.0
    under = dd < 0
    pos = np.arange(len(values))
    began = under & ~np.concatenate([[False], under[:-1]])
    episode = np.cumsum(began)
    rows = pd.DataFrame({"episode": episode[under], "pos": pos[under], "dd": dd[under]})
    g = rows.groupby("episode", sort=True)
    first = g["pos"].min().to_numpy()
    last = g["pos"].max().to_numpy()
    trough = rows.loc[g["dd"].idxmin().to_numpy(), "pos"].to_numpy()
    depth = g["dd"].min().to_numpy()
    dates = pd.DatetimeIndex(equity.index)
    recovered = last + 1 < len(values)
    recovery = pd.DatetimeIndex(
        np.where(recovered, dates[np.minimum(last + 1, len(values) - 1)], np.datetime64("NaT"))
    )
    table = pd.DataFrame(
        {
            "peak": dates[first - 1],  # the start is never under water: first >= 1
            "start": dates[first],
            "trough": dates[trough],
            "end": dates[last],
            "recovery": recovery,
            "depth": depth,
            "sessions": (last - first + 1).astype(int),
        }
    )
    return table.sort_values(["depth", "start"], kind="stable").head(top).reset_index(drop=True)


def build_tear_sheet(
    equity: pd.Series,
    benchmark_equity: pd.Series | None = None,
    *,
    periods_per_year: float,
    window: int = ROLLING_WINDOW,
    top: int = 5,
    benchmark: str | None = None,
) -> TearSheet:
    """The tear sheet of an equity curve (and its benchmark's), see the module docstring.

    Parameters
    ----------
    equity
        Equity by session date, from the start session (any positive start
        value; the start counts as a peak); net of costs.
    benchmark_equity
        The benchmark's curve on the same dates, or None (or all NaN).
    periods_per_year
        Sessions per year for annualising (the backtest's calendar).
    window
        Sessions in the rolling window (at least 2).
    top
        How many drawdowns to keep, deepest first.
    benchmark
        The benchmark's name, echoed back.
    """
    if window < 2:
        raise InputError(f"rolling window {window}: needs at least 2 sessions")
    if len(equity) < 2:
        raise InputError("a tear sheet needs at least one session after the start")
    equity = equity.astype(np.float64)
    bench = benchmark_equity
    if bench is not None and not bench.notna().all():
        bench = None
    returns = equity.pct_change().iloc[1:]
    vol, sharpe = _rolling(returns, window, periods_per_year)
    rolling = pd.DataFrame(
        {"date": returns.index, "volatility": vol.to_numpy(), "sharpe": sharpe.to_numpy()}
    )
    if bench is not None:
        b_returns = bench.astype(np.float64).pct_change().iloc[1:]
        b_vol, b_sharpe = _rolling(b_returns, window, periods_per_year)
        rolling["benchmark_volatility"] = b_vol.to_numpy()
        rolling["benchmark_sharpe"] = b_sharpe.to_numpy()
    else:
        rolling["benchmark_volatility"] = rolling["benchmark_sharpe"] = np.nan
    return TearSheet(
        window=window,
        periods_per_year=periods_per_year,
        benchmark=benchmark if bench is not None else None,
        monthly=_monthly(equity),
        yearly=_yearly(equity, bench),
        rolling=rolling[list(ROLLING_COLUMNS)],
        drawdowns=_drawdowns(equity, top),
    )
