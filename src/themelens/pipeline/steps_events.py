"""The report's event-study step: the theme's catalysts (and supported news claims) as events.

Its :class:`~themelens.analytics.events.EventStudyResult` lands in
``ThemeRun.events`` for ``report.sections.events``. Never cached: it reads the
verified claims from the store.
"""

from __future__ import annotations

import logging

import pandas as pd

from themelens.analytics.events import Event, EventStudyResult, run_event_study
from themelens.analytics.events_sources import (
    PROXY_TICKER,
    add_proxy_benchmark,
    events_from_catalysts,
    events_from_claims,
)
from themelens.errors import ThemelensError
from themelens.pipeline.model import RunInputs

__all__ = ["event_study_step", "report_events"]

log = logging.getLogger(__name__)


def report_events(inputs: RunInputs) -> tuple[Event, ...]:
    """Catalysts up to the as-of date, then dated claims the verify step supported (deduplicated).

    A news store that cannot be read leaves the claims out (logged), never the catalysts.
    """
    events = list(events_from_catalysts(inputs.theme, until=inputs.asof))
    try:
        from themelens.news.store import ArticleStore

        claims = events_from_claims(
            ArticleStore(inputs.settings.db_path).read_verified(), inputs.theme
        )
    except ThemelensError as exc:
        log.info("events: news claims left out (%s)", exc)
        claims = ()
    events += [e for e in claims if inputs.asof is None or e.date <= inputs.asof]
    seen: set[tuple[str, object]] = set()
    out = []
    for e in events:
        if (e.ticker, e.date) not in seen:
            seen.add((e.ticker, e.date))
            out.append(e)
    return tuple(out)


def event_study_step(
    inputs: RunInputs, events: tuple[Event, ...] | None = None
) -> EventStudyResult | None:
    """Market-model event study of the report's events; None when there are none.

    ``events`` are the report's events when the caller already read them
    (``report_events``: the step cache keys on them); None reads them here.

    Notes
    -----
    The benchmark is the run's when it has prices, else the equal-weight
    Hong Kong proxy (``add_proxy_benchmark``, event stocks left out), else
    the mean-adjusted model, which needs none. Prices after the as-of date
    are cut first, so the report never looks ahead.
    """
    if events is None:
        events = report_events(inputs)
    if not events:
        return None
    prices = inputs.prices
    if inputs.asof is not None and len(prices):
        prices = prices[pd.to_datetime(prices["date"]) <= pd.Timestamp(inputs.asof)]
    have = set(prices["ticker"].unique().tolist())
    bench = inputs.benchmark if inputs.benchmark in have else None
    if bench == PROXY_TICKER:  # the run's proxy includes the event stocks: rebuilt without them
        prices, bench = prices[prices["ticker"] != PROXY_TICKER], None
    if bench is None:
        try:
            prices, bench, _ = add_proxy_benchmark(
                prices, inputs.theme, exclude={e.ticker for e in events}
            )
        except ThemelensError:
            bench = None
    if bench is None:
        return run_event_study(prices, events, model="mean-adjusted")
    return run_event_study(prices, events, benchmark=bench, model="market")
