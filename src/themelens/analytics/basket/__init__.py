"""Theme baskets: weights (equal, inverse-vol, risk parity, min variance), caps,
a vol target and a drawdown brake, backtested against a benchmark.

Modules: ``spec`` (parameters), ``panel`` (prices → returns), ``weights``
(schemes and caps, PyPortfolioOpt underneath), ``schedule`` (weights at each
rebalance, no look-ahead), ``risk`` (overlays), ``simulate`` (the vectorised
backtest), ``metrics``, ``result``, ``tearsheet`` (monthly and yearly returns,
rolling risk, worst drawdowns), ``sweep`` (many combinations at once) and
``reference`` (the plain per-combination loop the tests and the benchmark
compare against).
"""

from __future__ import annotations

from themelens.analytics.basket.backtest import backtest_basket, backtest_panel
from themelens.analytics.basket.metrics import BENCHMARK_METRICS, METRICS, performance
from themelens.analytics.basket.panel import Panel, prepare_panel
from themelens.analytics.basket.result import DAILY_COLUMNS, BasketResult
from themelens.analytics.basket.schedule import Schedule, build_schedule
from themelens.analytics.basket.spec import REBALANCES, SCHEMES, BasketSpec, Rebalance, Scheme
from themelens.analytics.basket.sweep import sweep_baskets
from themelens.analytics.basket.tearsheet import TearSheet, build_tear_sheet

__all__ = [
    "BENCHMARK_METRICS",
    "DAILY_COLUMNS",
    "METRICS",
    "REBALANCES",
    "SCHEMES",
    "BasketResult",
    "BasketSpec",
    "Panel",
    "Rebalance",
    "Schedule",
    "Scheme",
    "TearSheet",
    "backtest_basket",
    "backtest_panel",
    "build_schedule",
    "build_tear_sheet",
    "performance",
    "prepare_panel",
    "sweep_baskets",
]
