"""The block-bootstrap Monte Carlo of the tickers' joint returns and its result.

Method in the package docstring; the arithmetic and memory layout in ``_bootstrap``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import numpy as np
import pandas as pd

from themelens.analytics._cells import RowsResult, fmt_column
from themelens.analytics.scenarios._bootstrap import (
    PathStats,
    chunk_for,
    default_block_length,
    simulate,
)
from themelens.data.wide import wide_values
from themelens.errors import Failure, InputError
from themelens.summary import Summary

__all__ = [
    "DEFAULT_PERCENTILES",
    "PORTFOLIO",
    "MonteCarloResult",
    "joint_log_returns",
    "simulate_paths",
]

DEFAULT_PERCENTILES: Final = (5.0, 25.0, 50.0, 75.0, 95.0)
PORTFOLIO: Final = "portfolio"


def joint_log_returns(
    prices: pd.DataFrame,
    tickers: Sequence[str],
    *,
    asof: date | None = None,
    lookback_years: int = 5,
) -> pd.DataFrame:
    """Daily log returns (dates × tickers) on the dates every ticker closed, within the lookback.

    Notes
    -----
    Only dates common to all tickers are kept, so each row is one joint
    outcome; a return then spans from the previous common date (a Hong Kong
    holiday folds two US sessions into one row), which keeps every row's
    returns over the same calendar interval.
    """
    wide = wide_values(prices, list(tickers)).reindex(columns=list(tickers))
    end = pd.Timestamp(asof) if asof is not None else wide.index.max()
    wide = wide[(wide.index <= end) & (wide.index > end - pd.DateOffset(years=lookback_years))]
    wide = wide.dropna(how="any")
    if (wide <= 0).to_numpy().any():
        raise InputError("non-positive close in the Monte Carlo sample")
    logs = pd.DataFrame(
        np.log(wide.to_numpy(dtype="float64")), index=wide.index, columns=wide.columns
    )
    return logs.diff().iloc[1:]


@dataclass(frozen=True, eq=False)
class MonteCarloResult(RowsResult):
    """Horizon distribution per ticker and for the portfolio, from a block bootstrap.

    ``rows`` has ``name``, ``entity``, ``weight``, ``mean_pct``, one
    ``p{q}_pct`` per percentile, ``prob_loss_pct``, ``prob_drawdown_pct``
    (chance the path's max drawdown is worse than ``drawdown_pct``) and
    ``median_drawdown_pct``. The settings are echoed so a run can be repeated.
    """

    paths: int
    horizon: int
    block: int
    seed: int
    drawdown_pct: float
    percentiles: tuple[float, ...]
    sample_start: date
    sample_end: date
    sample_days: int
    rows: pd.DataFrame
    failures: tuple[Failure, ...] = ()
    warnings: tuple[str, ...] = ()
    synthetic: bool = False
    stats: PathStats | None = field(default=None, repr=False)

    JSON_FIELDS = (
        "paths",
        "horizon",
        "block",
        "seed",
        "drawdown_pct",
        "percentiles",
        "sample_start",
        "sample_end",
        "sample_days",
        "synthetic",
        "rows",
        "warnings",
        "failures",
    )

    def summary(self) -> Summary:
        """Percentiles of the horizon return and drawdown odds per ticker and the portfolio."""
        r = self.rows
        table = pd.DataFrame({"name": r["name"], "entity": r["entity"]})
        table["weight"] = fmt_column(r, "weight", ".0%")
        for q in self.percentiles:
            table[f"p{q:g}"] = fmt_column(r, f"p{q:g}_pct", "+.1f")
        table["mean"] = fmt_column(r, "mean_pct", "+.1f")
        table["P(loss)"] = fmt_column(r, "prob_loss_pct", ".1f")
        table[f"P(dd>{self.drawdown_pct:g}%)"] = fmt_column(r, "prob_drawdown_pct", ".1f")
        notes = [*self.warnings, *(f"left out: {f}" for f in self.failures)]
        notes.append(
            f"circular block bootstrap of joint daily log returns {self.sample_start}..{self.sample_end}"
            f" ({self.sample_days} days), block {self.block} sessions, seed {self.seed}"
        )
        notes.append("returns in %; the portfolio holds the weights shown, bought and held")
        title = f"Monte Carlo: {self.paths:,} paths × {self.horizon} sessions"
        return Summary(title, table, tuple(notes), self.synthetic)


def _row(
    name: str,
    entity: str | None,
    weight: float,
    simple: Any,
    dd: Any,
    percentiles: Sequence[float],
    drawdown: float,
) -> dict[str, Any]:
    pct = np.percentile(simple, percentiles) * 100.0
    rec: dict[str, Any] = {
        "name": name,
        "entity": entity,
        "weight": weight,
        "mean_pct": float(np.mean(simple)) * 100.0,
    }
    rec.update({f"p{q:g}_pct": float(v) for q, v in zip(percentiles, pct, strict=True)})
    rec["prob_loss_pct"] = float(np.mean(simple < 0)) * 100.0
    rec["prob_drawdown_pct"] = float(np.mean(dd > drawdown / 100.0)) * 100.0
    rec["median_drawdown_pct"] = float(np.median(dd)) * 100.0
    return rec


def simulate_paths(
    prices: pd.DataFrame,
    tickers: Sequence[str],
    *,
    asof: date | None = None,
    paths: int = 10_000,
    horizon: int = 250,
    block: int | None = None,
    seed: int = 0,
    drawdown_pct: float = 20.0,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    weights: Sequence[float] | None = None,
    lookback_years: int = 5,
    entity_of: Mapping[str, str] | None = None,
    chunk_paths: int | None = None,
    keep_paths: bool = False,
    synthetic: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> MonteCarloResult:
    """Block-bootstrap Monte Carlo of the tickers' joint daily returns over ``horizon`` sessions.

    Parameters
    ----------
    prices
        Long price frame (``date``, ``ticker``, ``close``).
    tickers
        The assets; tickers with no closes in the window become ``failures``.
    paths, horizon, block, seed
        Number of paths, sessions per path, block length (None: ``round(n^(1/3))``), RNG seed.
    drawdown_pct
        The X of "probability of a drawdown worse than X%".
    weights
        Buy-and-hold portfolio weights (normalised to sum 1); default equal.
    chunk_paths
        Paths stepped together; None sizes it to the assets (``chunk_for``) so the
        running state stays in cache.
    keep_paths
        Keep the per-path statistics on the result (``stats``), e.g. for tests.

    Returns
    -------
    MonteCarloResult

    Notes
    -----
    Same seed and inputs → the same draws and per-asset numbers, whatever
    ``chunk_paths``; the portfolio's to float32 rounding (~1e-7: BLAS may sum
    a chunk's edge rows in another order). See the
    module docstring and ``_bootstrap`` for the method.
    """
    if paths < 1 or horizon < 1 or (block is not None and block < 1) or (chunk_paths or 1) < 1:
        raise InputError("paths, horizon, block and chunk size must be positive")
    if not 0 < drawdown_pct < 100:
        raise InputError(f"--drawdown {drawdown_pct}: must be between 0 and 100 (percent)")
    have = set(prices.loc[prices["ticker"].isin(list(tickers)), "ticker"])
    failures = tuple(Failure(t, "no closes for the Monte Carlo") for t in tickers if t not in have)
    used = [t for t in dict.fromkeys(tickers) if t in have]
    if not used:
        raise InputError("Monte Carlo: none of the tickers has prices")
    returns = joint_log_returns(prices, used, asof=asof, lookback_years=lookback_years)
    n = len(returns)
    if n < 2:
        raise InputError(
            f"Monte Carlo: only {n} joint daily return(s) in the window; need at least 2"
        )
    size = block if block is not None else default_block_length(n)
    if size > n:
        raise InputError(f"--block {size}: longer than the {n} joint daily returns")
    w = (
        np.full(len(used), 1.0 / len(used))
        if weights is None
        else np.asarray(weights, dtype="float64")
    )
    if w.shape != (len(used),) or not np.all(np.isfinite(w)) or w.sum() <= 0 or (w < 0).any():
        raise InputError(f"weights: need {len(used)} non-negative numbers with a positive sum")
    w = w / w.sum()
    stats = simulate(
        returns.to_numpy(dtype="float64"),
        paths=paths,
        horizon=horizon,
        block=size,
        seed=seed,
        weights=w,
        chunk_paths=chunk_paths if chunk_paths is not None else chunk_for(len(used)),
        on_progress=on_progress,
    )
    names = entity_of or {}
    simple = np.expm1(stats.terminal_log)
    rows = [
        _row(
            t,
            names.get(t),
            float(w[k]),
            simple[:, k],
            stats.max_drawdown[:, k],
            percentiles,
            drawdown_pct,
        )
        for k, t in enumerate(used)
    ]
    rows.append(
        _row(
            PORTFOLIO,
            None,
            1.0,
            stats.portfolio_terminal,
            stats.portfolio_drawdown,
            percentiles,
            drawdown_pct,
        )
    )
    warnings: list[str] = []
    if n < horizon:
        warnings.append(f"the sample has {n} joint days, fewer than the {horizon}-session horizon")
    return MonteCarloResult(
        paths=paths,
        horizon=horizon,
        block=size,
        seed=seed,
        drawdown_pct=drawdown_pct,
        percentiles=tuple(float(q) for q in percentiles),
        sample_start=returns.index[0].date(),
        sample_end=returns.index[-1].date(),
        sample_days=n,
        rows=pd.DataFrame.from_records(rows),
        failures=failures,
        warnings=tuple(warnings),
        synthetic=synthetic,
        stats=stats if keep_paths else None,
    )
