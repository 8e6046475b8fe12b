"""Everything a theme run computed, which the report only renders.

``ReportContext`` is filled by ``themelens.pipeline.run`` (or by a user's own
code) from result objects; every report section reads it and nothing else.
A field left ``None`` means "not available", and the section that needs it
is left out or says what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from themelens.analytics.rally import RallyResult
from themelens.theme import Theme
from themelens.verify import VerifyResult

__all__ = ["ArticleInfo", "ReportContext", "SourceInfo"]


@dataclass(frozen=True)
class SourceInfo:
    """Provenance of the prices: provider, tickers, date range, when fetched."""

    provider: str
    tickers: tuple[str, ...]
    first_date: date | None
    last_date: date | None
    fetched_at: datetime | None
    source: str = ""


@dataclass(frozen=True)
class ArticleInfo:
    """An article as the report cites it."""

    name: str
    title: str | None
    published: date | None
    source: str | None
    origin: str
    claims: int


@dataclass(frozen=True)
class ReportContext:
    """The computed inputs of one report.

    ``prices`` is the long price frame the rally used (for charts);
    ``rally`` holds one row per ticker at ``asof``; ``roles`` maps ticker →
    (entity slug, display name, role); ``groups`` is
    ``analytics.groups.summarise_groups`` over the roles. ``verify``/``reconcile``/``sentiment``
    are None when there were no articles. ``extra`` carries results for
    sections added by later modules (event studies, fundamentals, baskets),
    keyed by the section's name. ``missing`` lists what could not be had,
    each a sentence the report prints where the data would have been.
    """

    theme: Theme
    asof: date | None
    generated_at: datetime
    synthetic: bool
    prices: pd.DataFrame
    rally: RallyResult | None
    roles: Mapping[str, tuple[str, str, str]]
    benchmark: str | None
    groups: pd.DataFrame | None = None
    sources: tuple[SourceInfo, ...] = ()
    articles: tuple[ArticleInfo, ...] = ()
    verify: VerifyResult | None = None
    reconcile: Any | None = None
    sentiment: pd.DataFrame | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
