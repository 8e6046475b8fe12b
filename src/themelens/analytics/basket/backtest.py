"""Backtest one theme basket: panel → target weights → simulation → metrics → result.

See ``schedule.py`` for when weights are decided, ``simulate.py`` for the
arithmetic of holding them, ``risk.py`` for the overlays and ``metrics.py``
for the definitions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from themelens.analytics.basket.metrics import BENCHMARK_METRICS, performance
from themelens.analytics.basket.panel import Panel, prepare_panel
from themelens.analytics.basket.result import DAILY_COLUMNS, BasketResult
from themelens.analytics.basket.risk import drawdown
from themelens.analytics.basket.schedule import Schedule, build_schedule
from themelens.analytics.basket.simulate import Overlays, simulate
from themelens.analytics.basket.spec import BasketSpec

__all__ = ["Progress", "backtest_basket", "backtest_panel"]

Progress = Callable[[int, int], None]
"""``on_progress(done, total)``: a plain callable, so analytics never imports a UI."""


def _exclusion_lines(excl: pd.DataFrame) -> list[str]:
    lines = []
    for ticker, part in excl.groupby("ticker", sort=False):
        first, last = part["date"].min(), part["date"].max()
        why = str(part["reason"].iloc[-1])
        lines.append(
            f"{ticker}: excluded at {len(part)} rebalance(s) from {first:%Y-%m-%d} to {last:%Y-%m-%d} "
            f"(last reason: {why})"
        )
    return lines


def _note_lines(notes: pd.DataFrame) -> list[str]:
    lines = []
    for note, part in notes.groupby("note", sort=False):
        first, last = part["date"].min(), part["date"].max()
        span = f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
        lines.append(f"{note} ({len(part)} rebalance(s), {span})")
    return lines


def _steps(on_progress: Progress | None, extra: int) -> Progress | None:
    """The schedule's ``(done, total)`` as steps of a larger whole with ``extra`` more after it."""
    if on_progress is None:
        return None
    report = on_progress

    def step(done: int, total: int) -> None:
        report(done, total + extra)

    return step


def backtest_panel(
    panel: Panel,
    spec: BasketSpec,
    *,
    schedule: Schedule | None = None,
    on_progress: Progress | None = None,
) -> BasketResult:
    """Backtest ``spec`` on a prepared panel (``schedule`` reuses decided weights).

    ``on_progress(done, total)`` is called after each rebalance's weights are
    decided and once more when the simulation and metrics are done
    (``done == total``); with ``schedule`` given, only that last call.
    """
    sched = (
        schedule
        if schedule is not None
        else build_schedule(panel, spec, on_progress=_steps(on_progress, 1))
    )
    sim = simulate(panel, sched, Overlays.from_specs([spec]))
    rets = sim.returns[1:, 0]
    ppy = panel.periods_per_year
    bench = (
        None
        if panel.benchmark_returns is None
        else np.nan_to_num(panel.benchmark_returns[panel.start + 1 :])
    )
    m = performance(rets, bench, periods=ppy, turnover=sim.turnover, exposure=sim.exposure[:-1])
    metrics = {k: (float(v[0]) if np.isfinite(v[0]) else None) for k, v in m.items()}
    bench_metrics: dict[str, float | None] = {}
    dates = panel.dates[panel.start :]
    equity = np.concatenate([[1.0], np.cumprod(1.0 + rets)])
    daily = pd.DataFrame(
        {
            "date": dates,
            "equity": equity,
            "return": sim.returns[:, 0],
            "drawdown": drawdown(equity),
            "exposure": sim.exposure[:, 0],
            "turnover": sim.turnover[:, 0],
            "cost": sim.cost[:, 0],
            "braked": sim.braked[:, 0],
        }
    )
    if bench is not None:
        bm = performance(bench, None, periods=ppy)
        bench_metrics = {
            k: (float(bm[k][0]) if np.isfinite(bm[k][0]) else None) for k in BENCHMARK_METRICS
        }
        b_eq = np.concatenate([[1.0], np.cumprod(1.0 + bench)])
        daily["benchmark_equity"] = b_eq
        daily["benchmark_drawdown"] = drawdown(b_eq)
    else:
        daily["benchmark_equity"] = np.nan
        daily["benchmark_drawdown"] = np.nan
    reb_dates = panel.dates[sched.indices]
    weights = pd.DataFrame(
        {
            "date": np.repeat(reb_dates, len(panel.tickers)),
            "ticker": np.tile(panel.tickers, len(reb_dates)),
            "role": np.tile(panel.roles, len(reb_dates)),
            "weight": sched.weights.ravel(),
            "scheme_used": np.repeat(sched.used, len(panel.tickers)),
        }
    )
    warnings = [*panel.warnings, *_note_lines(sched.notes), *_exclusion_lines(sched.exclusions)]
    if panel.benchmark is None:
        warnings.append(
            "no benchmark; beta, tracking error, information ratio and hit rate left out"
        )
    if on_progress is not None:
        steps = len(sched.indices) + 1 if schedule is None else 1
        on_progress(steps, steps)
    return BasketResult(
        spec=spec,
        tickers=panel.tickers,
        roles=panel.roles,
        benchmark=panel.benchmark,
        daily=daily[list(DAILY_COLUMNS)],
        weights=weights,
        exclusions=sched.exclusions,
        metrics=metrics,
        benchmark_metrics=bench_metrics,
        periods_per_year=ppy,
        warnings=tuple(warnings),
        failures=panel.failures,
        synthetic=panel.synthetic,
        providers=panel.providers,
    )


def backtest_basket(
    prices: pd.DataFrame,
    tickers: Sequence[str],
    *,
    spec: BasketSpec | None = None,
    benchmark: str | None = None,
    roles: Mapping[str, str] | None = None,
    start: date | None = None,
    end: date | None = None,
    on_progress: Progress | None = None,
) -> BasketResult:
    """Build a basket of ``tickers`` by ``spec`` and backtest it against ``benchmark``.

    Parameters
    ----------
    prices
        Long price frame (the data contract); ``close`` is used, adjusted.
    tickers
        Candidate members. Names without prices become ``failures``; names
        with too little history are left out at each rebalance until they
        have ``spec.min_history`` sessions (listed in ``warnings``).
    spec
        Scheme, caps, overlays and costs (default: equal weight, monthly).
    benchmark
        Ticker to compare against; None leaves the relative metrics out.
    roles
        Ticker → role, for role caps (``leader``, ``supply-chain``, ...).
    start, end
        Backtest window; data before ``start`` feeds the first estimates.
    on_progress
        Called as ``on_progress(done, total)`` after each rebalance and at
        the end (see :func:`backtest_panel`), for a progress bar.

    Returns
    -------
    BasketResult

    Notes
    -----
    No look-ahead: the weights (and the vol-target scale) used from a
    rebalance on session ``t`` come from returns up to ``t-1``; trades fill
    at ``t``'s close; the brake reads the drawdown up to ``t-1``. A test
    changes every price from ``t`` on and gets the same weights at ``t``.
    """
    spec = spec or BasketSpec()
    panel = prepare_panel(
        prices,
        tickers,
        benchmark=benchmark,
        roles=roles,
        start=start,
        end=end,
        warmup=spec.min_history,
    )
    return backtest_panel(panel, spec, on_progress=on_progress)
