"""Themes: the model (``model``) and the YAML loader (``loader``), re-exported here."""

from __future__ import annotations

from themelens.theme.loader import list_themes, load_theme
from themelens.theme.model import (
    DEFAULT_THEME,
    MEMBER_ROLES,
    METRICS,
    Catalyst,
    Entity,
    EntityKind,
    Exchange,
    Fact,
    Listing,
    ListingKind,
    Metric,
    Qualifier,
    Resolution,
    Role,
    Theme,
    exchange_for_ticker,
)
from themelens.theme.scenarios import (
    CASES,
    CapexFact,
    CaseName,
    Drivers,
    ScenarioCase,
    Scenarios,
)

__all__ = [
    "CASES",
    "DEFAULT_THEME",
    "MEMBER_ROLES",
    "METRICS",
    "CapexFact",
    "CaseName",
    "Catalyst",
    "Drivers",
    "Entity",
    "EntityKind",
    "Exchange",
    "Fact",
    "Listing",
    "ListingKind",
    "Metric",
    "Qualifier",
    "Resolution",
    "Role",
    "ScenarioCase",
    "Scenarios",
    "Theme",
    "exchange_for_ticker",
    "list_themes",
    "load_theme",
]
