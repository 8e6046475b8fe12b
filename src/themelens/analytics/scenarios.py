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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import numpy as np
import pandas as pd

from themelens.analytics._bootstrap import PathStats, default_block_length, simulate
from themelens.analytics._rally_result import _json_value
from themelens.errors import Failure, InputError
from themelens.summary import Summary
from themelens.theme import CASES, Scenarios

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

CASE_COLUMNS: Final = (
    "entity", "ticker", "case", "probability", "price", "earnings_growth_pct", "rerating_pct",
    "target", "return_pct",
)  # fmt: skip
SCENARIO_COLUMNS: Final = (
    "entity", "ticker", "price", "currency", "bear", "base", "bull", "low", "high", "expected",
    "expected_return_pct",
)  # fmt: skip
DEFAULT_PERCENTILES: Final = (5.0, 25.0, 50.0, 75.0, 95.0)
PORTFOLIO: Final = "portfolio"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _json_value(v) for k, v in r.items()} for r in frame.to_dict("records")]


def _f(value: Any, fmt: str) -> str | None:
    return None if value is None or pd.isna(value) else format(value, fmt)


@dataclass(frozen=True, eq=False)
class ScenarioResult:
    """Scenario targets per entity and case, ranges and probability-weighted values.

    ``rows`` has :data:`SCENARIO_COLUMNS`; ``cases`` :data:`CASE_COLUMNS`
    (one row per entity and case); ``capex`` the group capex per case when a
    base was given. Formula in the module docstring.
    """

    asof: date | None
    horizon_sessions: int
    rows: pd.DataFrame
    cases: pd.DataFrame
    capex: pd.DataFrame
    note: str | None = None
    warnings: tuple[str, ...] = ()
    synthetic: bool = False

    def to_frame(self) -> pd.DataFrame:
        """A copy of ``rows``."""
        return self.rows.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe rows, cases, capex and notes."""
        return {
            "asof": _json_value(self.asof), "horizon_sessions": self.horizon_sessions,
            "synthetic": self.synthetic, "note": self.note, "rows": _records(self.rows),
            "cases": _records(self.cases), "capex": _records(self.capex),
            "warnings": list(self.warnings),
        }  # fmt: skip

    def summary(self) -> Summary:
        """Price, the three targets, the range and the weighted value per entity."""
        r = self.rows
        table = pd.DataFrame({
            "entity": r["entity"], "ticker": r["ticker"],
            "price": [_f(v, ",.2f") for v in r["price"]],
            **{c: [_f(v, ",.2f") for v in r[c]] for c in ("bear", "base", "bull")},
            "expected": [_f(v, ",.2f") for v in r["expected"]],
            "exp. return": [_f(v, "+.1f") for v in r["expected_return_pct"]],
        })  # fmt: skip
        notes = list(self.warnings)
        notes.append("target = price × (1 + EPS growth) × (1 + re-rating); expected = Σ p × target")
        for name in CASES:
            c = self.cases[self.cases["case"] == name]
            if len(c):
                first = c.iloc[0]
                notes.append(f"{name} (p={first['probability']:g}): EPS {first['earnings_growth_pct']:+g}%, P/E {first['rerating_pct']:+g}%" + (" (some entities differ)" if c["earnings_growth_pct"].nunique() > 1 or c["rerating_pct"].nunique() > 1 else ""))  # fmt: skip
        if self.note:
            notes.append(f"drivers: {self.note}")
        for rec in self.capex.to_dict("records"):
            notes.append(f"{rec['case']}: group capex {rec['capex_growth_pct']:+g}% → USD {rec['capex_usd'] / 1e9:,.1f}bn")  # fmt: skip
        title = f"Scenarios over {self.horizon_sessions} sessions" + (f" from {self.asof}" if self.asof else "")  # fmt: skip
        return Summary(title, table, tuple(notes), self.synthetic)


def project_scenarios(
    scenarios: Scenarios,
    spots: Mapping[str, tuple[str, float, str]],
    *,
    asof: date | None = None,
    capex_base_usd: float | None = None,
    synthetic: bool = False,
    warnings: Sequence[str] = (),
) -> ScenarioResult:
    """Bull/base/bear targets per entity and the probability-weighted value.

    Parameters
    ----------
    scenarios
        The theme's ``scenarios`` block (probabilities already checked).
    spots
        Ticker → (entity slug, price at ``asof``, currency).
    capex_base_usd
        The group's latest complete annual capex in USD, to show capex per case.

    Returns
    -------
    ScenarioResult

    Notes
    -----
    Formula in the module docstring; a non-positive or missing price raises
    ``InputError`` rather than yielding a zero target.
    """
    case_rows: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for ticker, (slug, price, currency) in spots.items():
        if not (np.isfinite(price) and price > 0):
            raise InputError(f"{ticker}: price {price} is not positive; no scenario value")
        targets: dict[str, float] = {}
        for name in CASES:
            case = scenarios.case(name)
            growth, rerating, _ = case.drivers_for(slug)
            target = price * (1.0 + growth / 100.0) * (1.0 + rerating / 100.0)
            targets[name] = target
            case_rows.append({
                "entity": slug, "ticker": ticker, "case": name, "probability": case.probability,
                "price": price, "earnings_growth_pct": growth, "rerating_pct": rerating,
                "target": target, "return_pct": (target / price - 1.0) * 100.0,
            })  # fmt: skip
        expected = sum(scenarios.case(n).probability * targets[n] for n in CASES)
        rows.append({
            "entity": slug, "ticker": ticker, "price": price, "currency": currency, **targets,
            "low": min(targets.values()), "high": max(targets.values()), "expected": expected,
            "expected_return_pct": (expected / price - 1.0) * 100.0,
        })  # fmt: skip
    capex = pd.DataFrame(columns=["case", "capex_growth_pct", "capex_usd"])
    if capex_base_usd is not None and np.isfinite(capex_base_usd):
        capex_growth = [scenarios.case(n).capex_growth_pct for n in CASES]
        capex = pd.DataFrame(
            {
                "case": list(CASES),
                "capex_growth_pct": capex_growth,
                "capex_usd": [capex_base_usd * (1 + g / 100) for g in capex_growth],
            }
        )
    return ScenarioResult(
        asof=asof,
        horizon_sessions=scenarios.horizon_sessions,
        rows=pd.DataFrame.from_records(rows, columns=list(SCENARIO_COLUMNS)),
        cases=pd.DataFrame.from_records(case_rows, columns=list(CASE_COLUMNS)),
        capex=capex,
        note=scenarios.note,
        warnings=tuple(warnings),
        synthetic=synthetic,
    )


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
    frame = prices[prices["ticker"].isin(list(tickers))]
    wide = frame.pivot_table(index="date", columns="ticker", values="close", aggfunc="last")
    wide = wide.reindex(columns=list(tickers)).sort_index()
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
class MonteCarloResult:
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

    def to_frame(self) -> pd.DataFrame:
        """A copy of ``rows``."""
        return self.rows.copy()

    def to_dict(self) -> dict[str, Any]:
        """Settings, rows, failures and warnings as JSON-safe data."""
        return {
            "paths": self.paths, "horizon": self.horizon, "block": self.block, "seed": self.seed,
            "drawdown_pct": self.drawdown_pct, "percentiles": list(self.percentiles),
            "sample_start": self.sample_start.isoformat(), "sample_end": self.sample_end.isoformat(),
            "sample_days": self.sample_days, "synthetic": self.synthetic,
            "rows": _records(self.rows), "warnings": list(self.warnings),
            "failures": [{"item": f.item, "reason": f.reason} for f in self.failures],
        }  # fmt: skip

    def summary(self) -> Summary:
        """Percentiles of the horizon return and drawdown odds per ticker and the portfolio."""
        r = self.rows
        table = pd.DataFrame({"name": r["name"], "entity": r["entity"]})
        for q in self.percentiles:
            table[f"p{q:g}"] = [_f(v, "+.1f") for v in r[f"p{q:g}_pct"]]
        table["mean"] = [_f(v, "+.1f") for v in r["mean_pct"]]
        table["P(loss)"] = [_f(v, ".1f") for v in r["prob_loss_pct"]]
        table[f"P(dd>{self.drawdown_pct:g}%)"] = [_f(v, ".1f") for v in r["prob_drawdown_pct"]]
        notes = [*self.warnings, *(f"left out: {f}" for f in self.failures)]
        notes.append(
            f"circular block bootstrap of joint daily log returns {self.sample_start}..{self.sample_end}"
            f" ({self.sample_days} days), block {self.block} sessions, seed {self.seed}"
        )
        notes.append(
            "returns in %; portfolio is buy-and-hold with the weights shown in --format json"
        )
        title = f"Monte Carlo: {self.paths:,} paths × {self.horizon} sessions"
        return Summary(title, table, tuple(notes), self.synthetic)


def _row(name: str, entity: str | None, weight: float, simple: Any, dd: Any,
         percentiles: Sequence[float], drawdown: float) -> dict[str, Any]:  # fmt: skip
    pct = np.percentile(simple, percentiles) * 100.0
    rec: dict[str, Any] = {"name": name, "entity": entity, "weight": weight,
                           "mean_pct": float(np.mean(simple)) * 100.0}  # fmt: skip
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
    chunk_paths: int = 8192,
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
        Paths stepped together (state ~ ``20 × assets × chunk`` bytes; 8,192 keeps it in cache).
    keep_paths
        Keep the per-path statistics on the result (``stats``), e.g. for tests.

    Returns
    -------
    MonteCarloResult

    Notes
    -----
    Same seed and inputs → the same numbers, whatever ``chunk_paths``. See the
    module docstring and ``_bootstrap`` for the method.
    """
    if paths < 1 or horizon < 1 or (block is not None and block < 1) or chunk_paths < 1:
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
        raise InputError(f"Monte Carlo: only {n} joint daily return(s) in the window; need at least 2")  # fmt: skip
    size = block if block is not None else default_block_length(n)
    if size > n:
        raise InputError(f"--block {size}: longer than the {n} joint daily returns")
    w = np.full(len(used), 1.0 / len(used)) if weights is None else np.asarray(weights, dtype="float64")  # fmt: skip
    if w.shape != (len(used),) or not np.all(np.isfinite(w)) or w.sum() <= 0 or (w < 0).any():
        raise InputError(f"weights: need {len(used)} non-negative numbers with a positive sum")
    w = w / w.sum()
    stats = simulate(returns.to_numpy(dtype="float64"), paths=paths, horizon=horizon, block=size,
                     seed=seed, weights=w, chunk_paths=chunk_paths, on_progress=on_progress)  # fmt: skip
    names = entity_of or {}
    simple = np.expm1(stats.terminal_log)
    rows = [_row(t, names.get(t), float(w[k]), simple[:, k], stats.max_drawdown[:, k],
                 percentiles, drawdown_pct) for k, t in enumerate(used)]  # fmt: skip
    rows.append(_row(PORTFOLIO, None, 1.0, stats.portfolio_terminal, stats.portfolio_drawdown,
                     percentiles, drawdown_pct))  # fmt: skip
    warnings: list[str] = []
    if n < horizon:
        warnings.append(f"the sample has {n} joint days, fewer than the {horizon}-session horizon")
    return MonteCarloResult(
        paths=paths, horizon=horizon, block=size, seed=seed, drawdown_pct=drawdown_pct,
        percentiles=tuple(float(q) for q in percentiles),
        sample_start=returns.index[0].date(), sample_end=returns.index[-1].date(),
        sample_days=n, rows=pd.DataFrame.from_records(rows), failures=failures,
        warnings=tuple(warnings), synthetic=synthetic, stats=stats if keep_paths else None,
    )  # fmt: skip
