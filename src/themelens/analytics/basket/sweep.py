"""Many basket specs over one panel, sharing what they can.

Specs that agree on the weights (scheme, rebalance, caps, lookback, min
history: ``BasketSpec.schedule_key``) share one schedule, so the optimiser
runs once per rebalance for all of them; their vol targets, brakes and
costs then run as columns of one :func:`~themelens.analytics.basket.simulate.simulate`
call, and the metrics as columns of one :func:`performance` call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from themelens.analytics.basket.metrics import METRICS, performance
from themelens.analytics.basket.panel import Panel
from themelens.analytics.basket.schedule import Schedule, build_schedule
from themelens.analytics.basket.simulate import Overlays, simulate
from themelens.analytics.basket.spec import BasketSpec

__all__ = ["sweep_baskets"]


def sweep_baskets(
    panel: Panel,
    specs: Sequence[BasketSpec],
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Metrics for every spec, one row each, in the order given.

    Parameters
    ----------
    panel
        From :func:`~themelens.analytics.basket.panel.prepare_panel`.
    specs
        The combinations to run.
    on_progress
        Called with (specs done, total) after each shared schedule.

    Returns
    -------
    DataFrame with the spec's fields (``role_caps`` as text), :data:`METRICS`,
    ``final_equity`` and ``fallbacks`` (rebalances that fell back).

    Notes
    -----
    Results equal running :func:`backtest_panel` spec by spec (a test holds
    them to 1e-12): the grouping only avoids repeating identical work.
    """
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, spec in enumerate(specs):
        groups.setdefault(spec.schedule_key, []).append(i)
    rows: list[dict[str, Any]] = [{} for _ in specs]
    bench = (
        None
        if panel.benchmark_returns is None
        else np.nan_to_num(panel.benchmark_returns[panel.start + 1 :])
    )
    done = 0
    for members in groups.values():
        chosen = [specs[i] for i in members]
        schedule: Schedule = build_schedule(panel, chosen[0])
        sim = simulate(panel, schedule, Overlays.from_specs(chosen))
        rets = sim.returns[1:]
        m = performance(
            rets, bench, periods=panel.periods_per_year, turnover=sim.turnover,
            exposure=sim.exposure[:-1],
        )  # fmt: skip
        final = np.prod(1.0 + rets, axis=0)
        for col, i in enumerate(members):
            row = specs[i].to_dict()
            row["role_caps"] = ",".join(f"{r}={c:g}" for r, c in specs[i].role_caps)
            row.update({k: float(m[k][col]) for k in METRICS})
            row["final_equity"] = float(final[col])
            row["fallbacks"] = len(schedule.notes)
            rows[i] = row
        done += len(members)
        if on_progress is not None:
            on_progress(done, len(specs))
    return pd.DataFrame(rows)
