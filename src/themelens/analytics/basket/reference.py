"""The plain per-combination backtest: a pandas loop over sessions, one spec at a time.

It holds shares' values day by day the way a person would simulate a fund
(buy, let prices move, trade at resets, pay costs), with no closed forms.
The tests hold :func:`~themelens.analytics.basket.simulate.simulate` to it,
and ``bench/bench_basket.py`` times the vectorised sweep against it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from themelens.analytics.basket.panel import Panel
from themelens.analytics.basket.schedule import Schedule, build_schedule
from themelens.analytics.basket.spec import BasketSpec

__all__ = ["backtest_loop"]


def backtest_loop(
    panel: Panel, spec: BasketSpec, *, schedule: Schedule | None = None
) -> pd.DataFrame:
    """Daily ``return, exposure, turnover, braked`` for ``spec``, one session at a time.

    Notes
    -----
    The sleeve is tracked as units of the basket (their drifted values per
    unit bought at the last rebalance) times a scale (money per unit), so a
    brake that cuts to zero exposure can restore the same, drifted basket.
    A shadow book without brake and costs runs alongside; its drawdown from
    the peak since the brake last lifted, and its rise from the low since it
    engaged, are what the brake reads (see ``BasketSpec``).
    """
    sched = schedule if schedule is not None else build_schedule(panel, spec)
    dates = panel.dates[panel.start :]
    rets = pd.DataFrame(panel.returns[panel.start :], index=dates, columns=list(panel.tickers))
    rets = rets.fillna(0.0)
    targets = pd.DataFrame(
        sched.weights, index=panel.dates[sched.indices], columns=list(panel.tickers)
    )
    row_of = {d: j for j, d in enumerate(targets.index)}
    units = pd.Series(0.0, index=rets.columns)
    shadow_units = units.copy()
    unit_cash = shadow_unit_cash = 1.0
    scale = shadow_scale = 0.0
    cash = shadow_cash = equity = 1.0
    shadow_prev = shadow_peak = shadow_low = 1.0
    braked = False
    k_scale = 1.0
    rows = []
    for i, day in enumerate(dates):
        base = 1.0 if i <= 1 else equity  # the start's pre-trade equity is the first base
        if i > 0:
            move = 1.0 + rets.iloc[i]
            units = units * move
            shadow_units = shadow_units * move
        sleeve_unit = float(units.sum()) + unit_cash
        equity = scale * sleeve_unit + cash
        shadow_equity = shadow_scale * (float(shadow_units.sum()) + shadow_unit_cash) + shadow_cash
        # decisions at this session use data up to the previous close
        rebalance = day in row_of
        target = targets.iloc[row_of[day]] if rebalance else units
        if rebalance:
            s = float(sched.exante_vol[row_of[day]])
            if spec.vol_target is None or not np.isfinite(s) or s <= 0:
                k_scale = 1.0
            else:
                k_scale = min(spec.max_leverage, spec.vol_target / s)
        was = braked
        if spec.brake is not None and i > 0:  # anchors move with the brake (risk.brake_states)
            if braked:
                shadow_low = min(shadow_low, shadow_prev)
                if shadow_prev / shadow_low - 1.0 >= spec.brake * (1.0 - spec.brake_release):
                    braked, shadow_peak = False, shadow_prev
            else:
                shadow_peak = max(shadow_peak, shadow_prev)
                if shadow_prev / shadow_peak - 1.0 <= -spec.brake:
                    braked, shadow_low = True, shadow_prev
        e_new = k_scale * (spec.brake_exposure if braked else 1.0)
        turnover = 0.0
        if rebalance:
            turnover = float((e_new * target - scale * units / equity).abs().sum())
        elif braked != was:
            e_pre = scale * sleeve_unit / equity
            turnover = abs(e_new - e_pre) * float(units.sum()) / sleeve_unit
        if rebalance or braked != was:
            equity *= 1.0 - spec.cost_bps / 1e4 * turnover
            if rebalance:
                units = target.copy()
                unit_cash = 1.0 - float(units.sum())
                sleeve_unit = 1.0
            scale = e_new * equity / sleeve_unit
            cash = equity - scale * sleeve_unit
        if rebalance:  # the shadow book: vol target only, no brake, no costs
            shadow_units = target.copy()
            shadow_unit_cash = 1.0 - float(shadow_units.sum())
            shadow_scale = k_scale * shadow_equity
            shadow_cash = shadow_equity - shadow_scale
        shadow_prev = shadow_equity
        rows.append(
            {
                "date": day,
                "return": equity / base - 1.0 if i > 0 else 0.0,
                "exposure": scale * sleeve_unit / equity,
                "turnover": turnover,
                "braked": braked,
            }
        )
    return pd.DataFrame(rows)
