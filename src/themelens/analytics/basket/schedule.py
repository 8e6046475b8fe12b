"""Target weights at every rebalance, each decided from returns before that session.

A rebalance on session ``t`` (the first of its month or ISO week) looks at
returns up to ``t-1`` only, trades at the close of ``t`` and holds from
``t+1``. Deciding on data one session old and trading a session later is
conservative on purpose: it needs no market-on-close fill at the same close
the signal used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.analytics.basket.panel import Panel
from themelens.analytics.basket.spec import BasketSpec, Rebalance
from themelens.analytics.basket.weights import WeightDecision, decide_weights

__all__ = ["Schedule", "build_schedule", "rebalance_indices"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Schedule:
    """Rebalance sessions and the target sleeve weights decided there.

    ``weights[k]`` (one row per rebalance, columns = panel tickers) sum to at
    most 1; the rest is cash inside the sleeve. ``exante_vol[k]`` is the
    annualised volatility of those weights under the covariance used to pick
    them (what a vol target scales by; NaN with nothing held). ``exclusions``
    has ``date, ticker, reason`` for every name left out at a rebalance, and
    ``notes`` ``date, note`` for every fallback.
    """

    indices: Ints
    weights: Floats
    exante_vol: Floats
    used: tuple[str, ...]
    exclusions: pd.DataFrame
    notes: pd.DataFrame


def rebalance_indices(dates: pd.DatetimeIndex, start: int, rebalance: Rebalance) -> Ints:
    """The backtest's first session, then the first session of each new month or ISO week."""
    if rebalance == "monthly":
        key = dates.year * 100 + dates.month
    else:
        iso = dates.isocalendar()
        key = pd.Index(iso["year"].to_numpy() * 100 + iso["week"].to_numpy())
    k = np.asarray(key)
    change = np.flatnonzero(k[1:] != k[:-1]) + 1
    out = np.concatenate([[start], change[change > start]]).astype(np.int64)
    return out


def _eligible(window: Floats, min_history: int) -> tuple[npt.NDArray[np.bool_], list[str]]:
    """Names with ``min_history`` unbroken returns ending at the window's last row.

    Vectorised over names (a universe of a thousand names is rebalanced sixty
    times); the reasons are written only for the names left out.
    """
    names = window.shape[1]
    ok: npt.NDArray[np.bool_] = np.zeros(names, dtype=bool)
    moved: npt.NDArray[np.bool_] = np.zeros(names, dtype=bool)
    if len(window) >= min_history:
        tail = window[-min_history:]
        ok = np.asarray(np.isfinite(tail).all(axis=0), dtype=bool)
        moved[ok] = np.std(tail[:, ok], axis=0) != 0
    finite = np.isfinite(window[::-1])
    unbroken = np.where(finite.all(axis=0), len(window), finite.argmin(axis=0))
    reasons = [""] * names
    for i in np.flatnonzero(~(ok & moved)):
        reasons[i] = (
            "no price movement (suspended?)"
            if ok[i]
            else f"{int(unbroken[i])} unbroken sessions of history, needs {min_history}"
        )
    eligible: npt.NDArray[np.bool_] = ok & moved
    return eligible, reasons


def _decide(
    sub: Floats, spec: BasketSpec, roles: list[str], role_caps: dict[str, float], ppy: float
) -> tuple[WeightDecision, float]:
    """The weights of the eligible names (columns of ``sub``) and their ex-ante volatility."""
    bad = np.flatnonzero(~np.isfinite(sub).all(axis=1))
    sub = sub[bad[-1] + 1 :] if len(bad) else sub
    cov = np.atleast_2d(np.cov(sub, rowvar=False, ddof=1)) * ppy
    decision = decide_weights(
        spec.scheme, cov, max_weight=spec.max_weight, roles=roles, role_caps=role_caps, sample=sub
    )
    w = decision.weights
    vol = float(np.sqrt(max(float(w @ cov @ w), 0.0))) if w.sum() > 0 else np.nan
    return decision, vol


def build_schedule(
    panel: Panel, spec: BasketSpec, *, on_progress: Callable[[int, int], None] | None = None
) -> Schedule:
    """Decide the target weights at every rebalance of ``spec`` on ``panel``.

    ``on_progress(done, total)`` is called after each rebalance (the optimiser
    there is most of a backtest's time).

    Notes
    -----
    The estimation window is the ``lookback`` sessions before the rebalance,
    trimmed to the trailing rows where every eligible name has a return, so
    the sample covariance is built on one common set of sessions and stays
    positive semi-definite. Estimates are annualised with the panel's
    sessions per year.
    """
    idx = rebalance_indices(panel.dates, panel.start, spec.rebalance)
    n = len(panel.tickers)
    weights = np.zeros((len(idx), n))
    vol = np.full(len(idx), np.nan)
    used: list[str] = []
    excl: list[tuple[pd.Timestamp, str, str]] = []
    notes: list[tuple[pd.Timestamp, str]] = []
    role_caps = dict(spec.role_caps)
    ppy = panel.periods_per_year
    for k, t in enumerate(idx):
        when = panel.dates[t]
        window = panel.returns[max(0, t - spec.lookback) : t]
        ok, reasons = _eligible(window, spec.min_history)
        excl += [(when, panel.tickers[i], reasons[i]) for i in range(n) if not ok[i]]
        if not ok.any():
            notes.append((when, "no name has enough history; held in cash"))
            used.append("cash")
        else:
            roles = [panel.roles[i] for i in np.flatnonzero(ok)]
            decision, vol[k] = _decide(window[:, ok], spec, roles, role_caps, ppy)
            notes += [(when, note) for note in decision.notes]
            weights[k, ok] = decision.weights
            used.append(decision.used)
        if on_progress is not None:
            on_progress(k + 1, len(idx))
    return Schedule(
        indices=idx,
        weights=weights,
        exante_vol=vol,
        used=tuple(used),
        exclusions=pd.DataFrame(excl, columns=["date", "ticker", "reason"]),
        notes=pd.DataFrame(notes, columns=["date", "note"]),
    )
