"""Risk overlays: a volatility target and a drawdown brake, vectorised across combinations.

Both are scalings of the whole basket (the sleeve), never of single names,
so the caps stay met. Arrays carry one column per parameter combination.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["brake_states", "drawdown", "vol_scale"]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def vol_scale(exante_vol: Floats, target: Floats, max_leverage: Floats) -> Floats:
    """Exposure per rebalance (rows) and combination (columns): ``min(cap, target / σ)``.

    Parameters
    ----------
    exante_vol
        Annualised ex-ante volatility of the target weights, one per rebalance.
    target
        Vol target per combination; NaN means no target (exposure 1).
    max_leverage
        Leverage cap per combination.

    Notes
    -----
    σ is the one the weights were chosen with (same window, same data up to
    the session before the rebalance), so the scaling adds no look-ahead.
    With nothing held (σ NaN) the exposure is irrelevant and set to 1.
    """
    sigma = exante_vol[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.minimum(max_leverage[None, :], target[None, :] / sigma)
    out = np.where(np.isnan(target)[None, :], 1.0, scaled)
    out = np.where(np.isfinite(sigma) & (sigma > 0), out, 1.0)
    result: Floats = out
    return result


def drawdown(equity: Floats) -> Floats:
    """``equity / running peak − 1`` down the rows (0 at a peak, negative below it)."""
    peak = np.maximum.accumulate(equity, axis=0)
    out: Floats = equity / peak - 1.0
    return out


def brake_states(reference_equity: Floats, brake: Floats, release: Floats) -> Bools:
    """Whether the brake is on after the close of each session, per combination.

    Parameters
    ----------
    reference_equity
        The pre-brake, pre-cost basket (rows = sessions from the backtest
        start, columns = combinations), starting at 1.
    brake
        Trigger per combination as a positive fraction (0.15); NaN = no brake.
    release
        The brake lifts once the reference has risen ``brake × (1 − release)``
        from its low since the brake engaged (0.5 and a 15 % brake: 7.5 %).

    Returns
    -------
    Boolean array shaped like ``reference_equity``: ``on[t]`` is decided at
    session ``t`` from the reference at ``t-1`` and traded at ``t``'s close.

    Notes
    -----
    The trigger reads the drawdown from the reference's peak *since the brake
    last lifted* (the start, at first), and the release reads the rise from
    its low *since the brake engaged*. Both anchors move with the brake, so it
    can always lift and re-engage: measured from the all-time peak, a crash
    the market took years to recover from (Hong Kong tech, 2021–2025) kept a
    15 % brake on for 44 months, and every lift re-triggered at once. The
    state machine is sequential in time but independent across combinations,
    so one pass over the sessions updates every combination at once.
    """
    steps, combos = reference_equity.shape
    on = np.zeros((steps, combos), dtype=bool)
    active = np.isfinite(brake)
    trigger = np.where(active, -brake, -np.inf)
    rebound = np.where(active, brake * (1.0 - release), np.inf)
    state = np.zeros(combos, dtype=bool)
    peak = reference_equity[0].copy()
    low = reference_equity[0].copy()
    for t in range(1, steps):
        seen = reference_equity[t - 1]
        peak = np.where(state, peak, np.maximum(peak, seen))
        low = np.where(state, np.minimum(low, seen), low)
        engage = ~state & (seen / peak - 1.0 <= trigger) & active
        lift = state & (seen / low - 1.0 >= rebound)
        state = (state | engage) & ~lift
        low = np.where(engage, seen, low)
        peak = np.where(lift, seen, peak)
        on[t] = state
    return on
