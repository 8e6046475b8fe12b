"""Valuation figures the theme's catalysts quote from the press, as a valuation frame.

Offline (and with ``--demo``) no P/E source answers, but the theme file holds
what the press reported ("21 times forward earnings against the
Nasdaq-100's 27"). This turns those ``forward_pe`` facts into valuation rows
whose provider is ``press reports``, so the valuation view can show the
reported spread, labelled as reported, without inventing a number.
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from themelens.data.fundamentals.contracts import ValuationData, validate_valuation
from themelens.theme import Theme

__all__ = ["REPORTED_PROVIDER", "reported_valuation"]

REPORTED_PROVIDER: Final = "press reports"


def reported_valuation(theme: Theme) -> ValuationData:
    """Every ``forward_pe`` fact of the theme's catalysts, one row per entity and date.

    Entities without a listing are left out (a P/E belongs to something that
    trades). The row's ``source`` is the fact's source and the catalyst title.
    """
    rows: list[dict[str, Any]] = []
    for cat in theme.catalysts:
        ticker = theme.primary_ticker(cat.entity)
        if ticker is None:
            continue
        for fact in cat.facts:
            if fact.metric != "forward_pe" or not isinstance(fact.value, float):
                continue
            qualifier = f" ({fact.qualifier})" if fact.qualifier else ""
            rows.append(
                {
                    "date": pd.Timestamp(cat.date),
                    "ticker": ticker,
                    "pe_fwd": fact.value,
                    "provider": REPORTED_PROVIDER,
                    "source": f"{fact.source or REPORTED_PROVIDER}{qualifier}: {cat.title}",
                }
            )
    frame = pd.DataFrame(rows) if rows else pd.DataFrame({"date": [], "ticker": []})
    return ValuationData(
        validate_valuation(frame),
        notes=("valuation from figures reported in the press (theme facts), not a data source",)
        if rows
        else (),
    )
