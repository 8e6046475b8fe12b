"""The result of one basket backtest, and its renderings (table, JSON, frames)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import pandas as pd

from themelens.analytics._cells import json_failures
from themelens.analytics.basket.metrics import BENCHMARK_METRICS, METRICS
from themelens.analytics.basket.spec import BasketSpec
from themelens.analytics.basket.tearsheet import ROLLING_WINDOW, TearSheet, build_tear_sheet
from themelens.errors import Failure
from themelens.summary import ShowsSummary, Summary

__all__ = ["DAILY_COLUMNS", "BasketResult"]

DAILY_COLUMNS: Final = (
    "date",
    "equity",
    "return",
    "drawdown",
    "exposure",
    "turnover",
    "cost",
    "braked",
    "benchmark_equity",
    "benchmark_drawdown",
)
"""Columns of :meth:`BasketResult.to_frame`: one row per session from the start (equity 1)."""

_PCT: Final = {
    "total_return",
    "cagr",
    "volatility",
    "max_drawdown",
    "tracking_error",
    "hit_rate",
    "turnover",
    "exposure",
    "time_in_market",
}
_LABELS: Final = {
    "total_return": "total return",
    "cagr": "CAGR",
    "volatility": "volatility (ann.)",
    "sharpe": "Sharpe (rf 0)",
    "sortino": "Sortino",
    "max_drawdown": "max drawdown",
    "calmar": "Calmar",
    "beta": "beta",
    "tracking_error": "tracking error (ann.)",
    "information_ratio": "information ratio",
    "hit_rate": "hit rate (daily)",
    "turnover": "turnover (ann.)",
    "exposure": "exposure (mean)",
    "time_in_market": "time in market",
}


def _clean(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _fmt(name: str, value: float | None) -> str | None:
    if value is None:
        return None
    return f"{value * 100:,.2f}%" if name in _PCT else f"{value:,.2f}"


@dataclass(frozen=True, eq=False)
class BasketResult(ShowsSummary):
    """A theme basket's backtest: the daily curve, the weights decided, metrics and notes.

    Attributes
    ----------
    spec
        The parameters run.
    tickers, roles
        Members of the panel (with prices) and their roles, same order.
    benchmark
        The benchmark ticker, or None (relative metrics are then missing).
    daily
        :data:`DAILY_COLUMNS`.
    weights
        Long frame ``date, ticker, role, weight, scheme_used``: the target
        sleeve weights at each rebalance (before exposure scaling).
    exclusions
        ``date, ticker, reason`` for names left out at a rebalance.
    metrics, benchmark_metrics
        :data:`~themelens.analytics.basket.metrics.METRICS` (fractions; None
        when undefined) for the basket and, for the first seven, the benchmark.
    warnings
        One line each: fallbacks, exclusions, data caveats.
    failures
        Tickers that could not enter the basket at all.
    """

    spec: BasketSpec
    tickers: tuple[str, ...]
    roles: tuple[str, ...]
    benchmark: str | None
    daily: pd.DataFrame
    weights: pd.DataFrame
    exclusions: pd.DataFrame
    metrics: dict[str, float | None]
    benchmark_metrics: dict[str, float | None]
    periods_per_year: float
    warnings: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()
    synthetic: bool = False
    providers: tuple[str, ...] = field(default_factory=tuple)

    @property
    def start(self) -> date:
        return pd.Timestamp(self.daily["date"].iloc[0]).date()

    @property
    def end(self) -> date:
        return pd.Timestamp(self.daily["date"].iloc[-1]).date()

    def to_frame(self) -> pd.DataFrame:
        """A copy of the daily frame (:data:`DAILY_COLUMNS`)."""
        return self.daily.copy()

    def weights_frame(self, *, wide: bool = False) -> pd.DataFrame:
        """Target weights per rebalance: long (default) or wide (date × ticker)."""
        if not wide:
            return self.weights.copy()
        return self.weights.pivot_table(
            index="date", columns="ticker", values="weight", aggfunc="last"
        ).reindex(columns=list(self.tickers))

    def latest_weights(self) -> dict[str, float]:
        """The last rebalance's target weights, ticker → weight (zeros left out)."""
        if self.weights.empty:
            return {}
        last = self.weights[self.weights["date"] == self.weights["date"].max()]
        return {
            str(t): float(w) for t, w in zip(last["ticker"], last["weight"], strict=True) if w > 0
        }

    def tear_sheet(self, *, window: int = ROLLING_WINDOW, top: int = 5) -> TearSheet:
        """Monthly and yearly returns, rolling volatility and Sharpe over ``window`` sessions,
        and the ``top`` worst drawdowns, from the daily curves (see
        :mod:`~themelens.analytics.basket.tearsheet`), annualised with
        :attr:`periods_per_year` like the metrics."""
        d = self.daily.set_index("date")
        return build_tear_sheet(
            d["equity"],
            d["benchmark_equity"] if self.benchmark is not None else None,
            periods_per_year=self.periods_per_year,
            window=window,
            top=top,
            benchmark=self.benchmark,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: spec, window, metrics, latest weights, warnings, failures."""
        return {
            "spec": self.spec.to_dict(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "tickers": list(self.tickers),
            "benchmark": self.benchmark,
            "synthetic": self.synthetic,
            "periods_per_year": self.periods_per_year,
            "metrics": {k: _clean(v) for k, v in self.metrics.items()},
            "benchmark_metrics": {k: _clean(v) for k, v in self.benchmark_metrics.items()},
            "latest_weights": self.latest_weights(),
            "rebalances": int(self.weights["date"].nunique()) if not self.weights.empty else 0,
            "warnings": list(self.warnings),
            "failures": json_failures(self.failures),
            "providers": list(self.providers),
        }

    def summary(self) -> Summary:
        """Metrics side by side with the benchmark, the latest weights, and notes."""
        rows = []
        for name in METRICS:
            bench = self.benchmark_metrics.get(name) if name in BENCHMARK_METRICS else None
            rows.append(
                {
                    "metric": _LABELS[name],
                    "basket": _fmt(name, self.metrics.get(name)),
                    self.benchmark or "benchmark": _fmt(name, bench),
                }
            )
        vs = f" vs {self.benchmark}" if self.benchmark else ""
        title = f"Basket backtest {self.start} to {self.end}{vs}"
        latest = ", ".join(
            f"{t} {w:.1%}" for t, w in sorted(self.latest_weights().items(), key=lambda kv: -kv[1])
        )
        notes = [
            f"basket: {self.spec.describe()}",
            f"latest target weights: {latest or 'all cash'}",
        ]
        notes += list(self.warnings)
        notes += [f"not in the basket: {f}" for f in self.failures]
        notes.append(
            "weights decided on returns up to the session before each rebalance, traded at its close; "
            f"annualised with {self.periods_per_year:.1f} sessions a year"
        )
        return Summary(title, pd.DataFrame(rows), tuple(notes), self.synthetic)
