"""Bull/base/bear scenarios from the theme file, and a block-bootstrap Monte Carlo beside them.

Scenario value (:func:`project_scenarios`)
    For entity ``i`` and case ``c`` with drivers ``g`` (forward-EPS growth,
    %) and ``r`` (forward P/E re-rating, %)::

        target[i, c] = price[i] × (1 + g[i, c] / 100) × (1 + r[i, c] / 100)

    because price = forward EPS × forward P/E, so the price moves by the
    product of the two factors. The range is ``min_c target`` to
    ``max_c target`` and the probability-weighted value ``Σ_c p_c ×
    target[i, c]`` (the theme guarantees ``Σ p_c = 1``). Capex growth is
    reported beside it (the group's capex × ``(1 + capex_growth / 100)``) and
    does not enter the price: its effect on value is what the author's
    earnings and re-rating drivers express, and adding it again would count it twice.

Monte Carlo (:func:`simulate_paths`)
    Circular block bootstrap of the *joint* daily log returns of the tickers
    (rows of dates on which every ticker closed, over ``lookback_years`` up
    to ``asof``), ``paths`` paths of ``horizon`` sessions, seeded. Block length
    defaults to ``round(n^(1/3))`` sessions (``_bootstrap.default_block_length``).
    Per ticker and for an equal-weight (or given) buy-and-hold portfolio:
    percentiles of the horizon return, its mean, the probability of a loss,
    and the probability that the path's maximum drawdown is worse than
    ``drawdown_pct``. Method and memory layout: ``_bootstrap``.

``_cases`` computes the scenario values, ``_montecarlo`` the simulation,
``_bootstrap`` its arithmetic; the package exports everything public.
"""

from themelens.analytics.scenarios._cases import (
    CASE_COLUMNS,
    SCENARIO_COLUMNS,
    ScenarioResult,
    project_scenarios,
)
from themelens.analytics.scenarios._montecarlo import (
    DEFAULT_PERCENTILES,
    MonteCarloResult,
    joint_log_returns,
    simulate_paths,
)

__all__ = [
    "CASE_COLUMNS",
    "DEFAULT_PERCENTILES",
    "SCENARIO_COLUMNS",
    "MonteCarloResult",
    "ScenarioResult",
    "joint_log_returns",
    "project_scenarios",
    "simulate_paths",
]
