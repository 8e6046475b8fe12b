"""The event-study drivers: check the options, place the events, fit, test, assemble the result.

Method, timing and failure rules are in the package docstring
(:mod:`themelens.analytics.events`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from difflib import get_close_matches
from operator import itemgetter
from typing import Final, Literal

import numpy as np
import pandas as pd

from themelens.analytics.events._blocks import Reductions, fit_in_blocks, reduce_residuals
from themelens.analytics.events._data import build_panel
from themelens.analytics.events._models import (
    MODEL_PARAMS,
    ModelFit,
    ModelName,
    fit_statsmodels,
    fit_zeroed,
)
from themelens.analytics.events._result import EventStudyResult, SpilloverResult
from themelens.analytics.events._tests import (
    EventTest,
    bmp,
    caar_path,
    corrado_from,
    cross_sectional_t,
    generalised_sign_from,
    kolari_pynnonen,
    patell,
)
from themelens.analytics.events._windows import Event, EventPlan, plan_events
from themelens.errors import InputError, UnknownTickerError

__all__ = ["Engine", "run_event_study", "run_spillover"]

Engine = Literal["vectorised", "statsmodels"]
_MODELS: Final = ("market", "market-adjusted", "mean-adjusted")


def _check_options(
    model: str,
    benchmark: str | None,
    estimation: int,
    gap: int,
    window: tuple[int, int],
    min_estimation: int,
    confidence: float,
) -> None:
    if model not in _MODELS:
        raise InputError(f"--model {model}: unknown model; choose from {', '.join(_MODELS)}")
    lo, hi = window
    if lo > hi:
        raise InputError(f"--window {lo},{hi}: the start is after the end")
    if estimation < 1:
        raise InputError(f"--estimation {estimation}: needs at least one session")
    if -gap >= lo:
        raise InputError(
            f"--gap {gap}: the estimation window (ending at day {-gap}) must end before the "
            f"event window starts (day {lo})"
        )
    k = MODEL_PARAMS[model]
    if not k + 3 <= min_estimation <= estimation:
        raise InputError(
            f"--min-estimation {min_estimation}: must be between {k + 3} (so the residual "
            f"variance has more than 2 degrees of freedom) and the estimation window ({estimation})"
        )
    if not 0.0 < confidence < 1.0:
        raise InputError(f"confidence {confidence}: must be between 0 and 1")
    if model != "mean-adjusted" and not benchmark:
        raise InputError(f"--benchmark: the {model} model needs a benchmark")


def _fit(model: ModelName, plan: EventPlan, engine: Engine) -> tuple[ModelFit, Reductions]:
    if engine == "vectorised":
        return fit_in_blocks(model, plan)
    w = plan.windows  # the reference: every event through statsmodels, one at a time
    fit = fit_zeroed(model, w.y_est, w.x_est, w.est_ok, w.n_est, w.y_evt, w.x_evt)
    alpha, beta, sigma2 = fit.alpha.copy(), fit.beta.copy(), fit.sigma2.copy()
    resid, expected = np.zeros_like(fit.resid), fit.expected.copy()
    ar, car_var = fit.ar.copy(), fit.car_var.copy()
    for i in np.flatnonzero(~fit.degenerate):
        ok = w.est_ok[i]
        one = fit_statsmodels(model, w.y_est[i, ok], w.x_est[i, ok], w.y_evt[i], w.x_evt[i])
        alpha[i], beta[i], sigma2[i] = one.alpha, one.beta, one.sigma2
        resid[i, ok] = one.resid
        expected[i], ar[i], car_var[i] = one.expected, one.ar, one.car_var
    fit = ModelFit(alpha, beta, sigma2, fit.n, resid, expected, ar, car_var, fit.degenerate)
    sums, counts, shares, corr = reduce_residuals(
        resid, w.est_ok, ar, w.est_days, plan.cluster, ~fit.degenerate
    )
    pairs = np.concatenate([np.zeros(0), *corr])
    return fit, Reductions(sums, counts, shares, float(pairs.sum()), len(pairs))


def _tests(
    reductions: Reductions, car: np.ndarray, scar: np.ndarray, nu: np.ndarray, plan: EventPlan
) -> tuple[tuple[EventTest, ...], tuple[float, int] | None]:
    base = bmp(scar)
    tests = [cross_sectional_t(car), patell(scar, nu), base]
    rbar, pairs = reductions.mean_correlation()
    cross: tuple[float, int] | None = None
    n = len(car)
    if pairs:
        # share of ordered pairs (i != j) on the same date: sum over dates of m(m-1) / N(N-1)
        counts = np.unique(plan.cluster, return_counts=True)[1]
        share = float((counts * (counts - 1)).sum()) / (n * (n - 1))
        tests.append(kolari_pynnonen(base, rbar, share))
        cross = (rbar, pairs)
    corrado = corrado_from(reductions.rank_sum, reductions.rank_count, plan.estimation, n)
    tests += [corrado, generalised_sign_from(reductions.shares, car)]
    return tuple(tests), cross


def run_event_study(
    prices: pd.DataFrame,
    events: Sequence[Event],
    *,
    benchmark: str | None = None,
    model: ModelName = "market",
    estimation: int = 120,
    gap: int = 10,
    window: tuple[int, int] = (-1, 3),
    min_estimation: int = 60,
    confidence: float = 0.95,
    engine: Engine = "vectorised",
) -> EventStudyResult:
    """Abnormal returns around ``events`` and tests of their mean.

    Parameters
    ----------
    prices
        Long price frame (``date``, ``ticker``, ``close``; ``provider`` if present).
    events
        The events; duplicates (same ticker and date) are skipped.
    benchmark
        A ticker in ``prices`` (the market, an index or an equal-weight proxy
        from :func:`equal_weight_index`); required unless ``model`` is
        ``"mean-adjusted"``.
    model
        ``"market"`` (OLS on the benchmark), ``"market-adjusted"`` (AR =
        stock minus benchmark) or ``"mean-adjusted"`` (AR = stock minus its
        estimation-window mean).
    estimation, gap
        Estimation window: ``estimation`` sessions ending ``gap`` sessions
        before day 0.
    window
        Event window in sessions relative to day 0, both ends included.
    min_estimation
        Fewest usable estimation returns for an event to be computed.
    confidence
        Level of the CAAR band in :meth:`EventStudyResult.path_frame`.
    engine
        ``"vectorised"`` fits every event in one pass; ``"statsmodels"`` loops
        over events with ``statsmodels.OLS`` (the reference, for tests and
        benchmarks). Both give the same result.

    Returns
    -------
    EventStudyResult

    Notes
    -----
    Why vectorised: a study over thousands of events is a handful of array
    reductions over (events × days) matrices instead of thousands of
    regressions. Method: MacKinlay (1997); variances with estimation error
    (Campbell, Lo & MacKinlay 1997, ch. 4); tests as in ``_tests``.
    Events sharing a date (a group reacting to one announcement) have
    correlated abnormal returns; BMP is then also reported with the
    Kolari–Pynnönen (2010) adjustment, and the summary says so.
    Raises ``InputError`` for inconsistent options and
    ``UnknownTickerError`` for a benchmark without prices.
    """
    _check_options(model, benchmark, estimation, gap, window, min_estimation, confidence)
    needs_bench = model != "mean-adjusted"
    tickers = {e.ticker for e in events}
    panel, bench_found = build_panel(prices, tickers, benchmark if needs_bench else None)
    if needs_bench and not bench_found:
        known = sorted(str(t) for t in prices["ticker"].unique())
        raise UnknownTickerError(
            str(benchmark),
            suggestions=get_close_matches(str(benchmark), known),
            what="benchmark ticker (no prices)",
        )
    plan = plan_events(
        panel,
        events,
        benchmark=benchmark if needs_bench else None,
        estimation=estimation,
        gap=gap,
        window=window,
        min_estimation=min_estimation,
    )
    providers = panel.providers
    del panel  # its per-row arrays are planned into windows: the fit's blocks reuse their memory
    fit, reductions = _fit(model, plan, engine)
    keep = ~fit.degenerate
    failures = list(plan.failures)
    for i in np.flatnonzero(fit.degenerate):
        failures.append(plan.failure(int(i), "the model cannot be fitted (no variation)"))
    kept = plan.subset(keep)
    if not keep.all():
        fit = ModelFit(*(getattr(fit, f)[keep] for f in ModelFit.__dataclass_fields__))
        reductions = reductions.subset(keep)
    nu = (fit.n - MODEL_PARAMS[model]).astype(np.float64)
    car_cum = np.cumsum(fit.ar, axis=1)
    car = car_cum[:, -1] if len(car_cum) else np.zeros(0)
    car_se = np.sqrt(fit.car_var[:, -1]) if len(car_cum) else np.zeros(0)
    scar = car / car_se if len(car) else car
    tests, cross = _tests(reductions, car, scar, nu, kept)
    days = list(range(window[0], window[1] + 1))
    path = caar_path(car_cum, fit.car_var, nu, days, confidence)
    events_frame, ar_frame = kept.frames(fit, car_cum, car_se, nu, days)
    return EventStudyResult(
        model=model,
        benchmark=benchmark if needs_bench else None,
        window=window,
        estimation=estimation,
        gap=gap,
        min_estimation=min_estimation,
        confidence=confidence,
        requested=len(events),
        events=events_frame,
        abnormal=ar_frame,
        path=path,
        tests=tests,
        cross_correlation=cross,
        failures=tuple(map(itemgetter(1), sorted(failures, key=itemgetter(0)))),
        warnings=plan.warnings,
        synthetic="demo" in providers,
        providers=providers,
    )


def run_spillover(
    prices: pd.DataFrame,
    *,
    leader: str,
    members: Sequence[str],
    event_date: date,
    label: str = "",
    benchmark: str | None = None,
    model: ModelName = "market",
    estimation: int = 120,
    gap: int = 10,
    window: tuple[int, int] = (-1, 3),
    min_estimation: int = 60,
    confidence: float = 0.95,
    group_name: str = "group",
) -> SpilloverResult:
    """The leader's announcement effect and the group's reaction on the same date.

    Parameters
    ----------
    leader
        The announcing company's ticker.
    members
        Tickers that may react (the leader, if listed, is left out).
    event_date, label
        The announcement's date and the leader's label for tables (members
        are labelled ``after <leader>``).
    benchmark, model, estimation, gap, window, min_estimation, confidence
        As in :func:`run_event_study`.
    group_name
        How tables name the group (e.g. the theme role ``supply-chain``).

    Returns
    -------
    SpilloverResult

    Notes
    -----
    Why two studies: the leader's own move is the cause and must not enter
    the test of the spillover. The members share the event date, so their
    abnormal returns are cross-correlated; the group's BMP is reported with
    the Kolari–Pynnönen adjustment. A benchmark built from the same names
    (an equal-weight proxy) absorbs part of a sector-wide move; prefer a
    proxy without the leader and the members.
    """

    def study(events: list[Event]) -> EventStudyResult:
        return run_event_study(
            prices,
            events,
            benchmark=benchmark,
            model=model,
            estimation=estimation,
            gap=gap,
            window=window,
            min_estimation=min_estimation,
            confidence=confidence,
        )

    group = [Event(t, event_date, f"after {leader}") for t in dict.fromkeys(members) if t != leader]
    if not group:
        raise InputError(f"{group_name}: no members besides the leader {leader}")
    lead = study([Event(leader, event_date, label or leader)])
    spill = study(group)
    return SpilloverResult(leader, group_name, event_date, lead, spill)
