"""The vectorised backtest: one schedule of target weights, many overlay combinations at once.

Timeline (``τ`` counts sessions from the backtest start, whose close is the
starting point): a reset at ``τ`` (a rebalance, or the brake switching)
trades at the close of ``τ``; the return of session ``τ`` is earned by what
was held after the previous reset. Between resets nothing trades, so names
drift with their prices and so does the sleeve against cash.

The basket is a *sleeve* (the target weights, any remainder being cash
inside it) held at an *exposure* ``e`` of equity, the rest in cash at 0 %
(borrowed at 0 % when ``e > 1``). After a reset at ``L`` with exposure
``e₀``, equity at ``t`` is ``V_L · (e₀ · S_t / S_L + 1 − e₀)`` where ``S`` is
the sleeve's own value. That closed form is why the overlays vectorise: the
sleeve is computed once per schedule, and each combination only differs in
where it resets and at what exposure.

Turnover at a reset is ``Σ|new holding − drifted holding|`` as a fraction of
pre-trade equity; the cost is ``cost_bps / 10⁴ × turnover`` of equity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from themelens.analytics.basket.panel import Panel
from themelens.analytics.basket.risk import brake_states, vol_scale
from themelens.analytics.basket.schedule import Schedule
from themelens.analytics.basket.spec import BasketSpec

__all__ = ["Overlays", "Simulation", "simulate"]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


def _nan(value: float | None) -> float:
    return np.nan if value is None else float(value)


@dataclass(frozen=True, eq=False)
class Overlays:
    """The per-combination parameters that do not change the target weights, as arrays."""

    vol_target: Floats
    max_leverage: Floats
    brake: Floats
    brake_release: Floats
    brake_exposure: Floats
    cost_bps: Floats

    @classmethod
    def from_specs(cls, specs: Sequence[BasketSpec]) -> Overlays:
        """One column per spec (their schedule fields are ignored here)."""
        return cls(
            vol_target=np.array([_nan(s.vol_target) for s in specs]),
            max_leverage=np.array([s.max_leverage for s in specs], dtype=np.float64),
            brake=np.array([_nan(s.brake) for s in specs]),
            brake_release=np.array([s.brake_release for s in specs], dtype=np.float64),
            brake_exposure=np.array([s.brake_exposure for s in specs], dtype=np.float64),
            cost_bps=np.array([s.cost_bps for s in specs], dtype=np.float64),
        )


@dataclass(frozen=True, eq=False)
class Simulation:
    """Per-session arrays (rows ``τ = 0..M``, one column per combination).

    ``returns[τ]`` is the net return of session ``τ`` (row 0 is 0: the start);
    ``exposure[τ]`` the sleeve's share of equity after the close of ``τ``;
    ``turnover[τ]`` and ``cost[τ]`` what traded then; ``braked[τ]`` whether
    the brake was on after ``τ``.
    """

    returns: Floats
    exposure: Floats
    turnover: Floats
    cost: Floats
    braked: Bools


def _gather(matrix: Floats, rows: Ints) -> Floats:
    """``matrix[rows[τ, c], c]`` for every ``τ, c``."""
    cols = np.broadcast_to(np.arange(matrix.shape[1]), rows.shape)
    out: Floats = matrix[rows, cols]
    return out


def simulate(panel: Panel, schedule: Schedule, overlays: Overlays) -> Simulation:
    """Run every overlay combination over one schedule in a few array passes.

    Notes
    -----
    Only the brake's state machine loops (over sessions, vectorised across
    combinations). Missing returns count as 0 for a held name: it is carried
    at its last price until the next rebalance, where it is no longer
    eligible. See the module docstring for the arithmetic.
    """
    s0 = panel.start
    r = np.nan_to_num(panel.returns[s0:], nan=0.0)
    r[0] = 0.0
    m = len(r) - 1
    tau = np.arange(m + 1)
    reb = (schedule.indices - s0).astype(np.int64)
    w = schedule.weights
    invested = w.sum(axis=1)
    growth = np.cumprod(1.0 + r, axis=0)

    # sleeve value inside its rebalance period: S at τ and at τ-1, from the period's start
    period = np.clip(np.searchsorted(reb, tau, side="left") - 1, 0, None)
    period[0] = 0
    base = growth[reb[period]]
    prev = growth[np.maximum(tau - 1, 0)]
    sleeve = (w[period] * growth / base).sum(axis=1) + 1.0 - invested[period]
    sleeve_prev = (w[period] * prev / base).sum(axis=1) + 1.0 - invested[period]
    is_reb = np.zeros(m + 1, dtype=bool)
    is_reb[reb] = True
    sleeve_after = np.where(is_reb, 1.0, sleeve)
    sleeve[0] = sleeve_prev[0] = 1.0
    current = np.searchsorted(reb, tau, side="right") - 1  # rebalance in force after τ's close

    scale = vol_scale(schedule.exante_vol, overlays.vol_target, overlays.max_leverage)
    combos = scale.shape[1]

    def growth_since(resets: Bools, exposure_at: Floats) -> tuple[Floats, Floats, Ints]:
        """Gross return per session and drifted exposure, given reset points and their exposure."""
        marks = np.where(resets, tau[:, None], -1)
        last = np.maximum.accumulate(marks, axis=0)
        seg = np.vstack([np.zeros((1, combos), dtype=np.int64), last[:-1]])
        e0 = _gather(exposure_at, seg)
        start_val = sleeve_after[seg]
        a = sleeve[:, None] / start_val
        b = sleeve_prev[:, None] / start_val
        gross = (e0 * a + 1.0 - e0) / (e0 * b + 1.0 - e0) - 1.0
        gross[0] = 0.0
        drift = np.where(tau[:, None] == 0, 0.0, e0 * a / (e0 * a + 1.0 - e0))
        return gross, drift, seg

    # the pre-brake, pre-cost reference curve resets at rebalances only
    base_exposure = scale[current]
    ref_resets = np.broadcast_to(is_reb[:, None], (m + 1, combos))
    ref_gross, _, _ = growth_since(ref_resets, base_exposure)
    ref_equity = np.cumprod(1.0 + ref_gross, axis=0, dtype=np.float64)
    braked = brake_states(ref_equity, overlays.brake, overlays.brake_release)

    target = base_exposure * np.where(braked, overlays.brake_exposure[None, :], 1.0)
    switched = np.zeros_like(braked)
    switched[1:] = braked[1:] != braked[:-1]
    resets = is_reb[:, None] | switched
    gross, drift, _ = growth_since(resets, target)

    turnover = np.zeros((m + 1, combos))
    # rebalances: Σ|e_new·w_new − e_pre·w_drifted| over names
    k_idx = np.arange(len(reb))
    at = reb
    e_new = target[at]
    e_pre = drift[at]
    old = np.clip(k_idx - 1, 0, None)
    drifted = w[old] * growth[at] / growth[reb[old]]
    drifted = drifted / sleeve[at][:, None]
    drifted[0] = 0.0
    diff = e_new[:, :, None] * w[:, None, :] - e_pre[:, :, None] * drifted[:, None, :]
    turnover[at] = np.abs(diff).sum(axis=2)
    # brake switches between rebalances scale the drifted sleeve: |Δe| × its invested share
    only_switch = switched & ~is_reb[:, None]
    if only_switch.any():
        k_now = current
        inv_now = (w[k_now] * growth / growth[reb[k_now]]).sum(axis=1) / sleeve
        delta = np.abs(target - drift) * inv_now[:, None]
        turnover = np.where(only_switch, delta, turnover)

    cost = turnover * overlays.cost_bps[None, :] / 1e4
    factor = 1.0 - cost
    net = (1.0 + gross) * factor - 1.0
    if m >= 1:
        net[1] = (1.0 + gross[1]) * factor[1] * factor[0] - 1.0
    net[0] = 0.0
    exposure = np.where(resets, target, drift)
    return Simulation(net, exposure, turnover, cost, braked)
