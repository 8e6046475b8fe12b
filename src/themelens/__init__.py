"""themelens: evidence for a market theme from prices, fundamentals and news.

The public surface is what ``__all__`` lists; everything else may move.
"""

from __future__ import annotations

from themelens.analytics.rally import RallyResult, measure_rally, rally_panel
from themelens.config import Settings, resolve_settings
from themelens.data.providers import PROVIDERS, fetch_prices
from themelens.data.store import PriceStore
from themelens.errors import ThemelensError
from themelens.theme import Theme, load_theme

__version__ = "0.1.0"

__all__ = [
    "PROVIDERS",
    "PriceStore",
    "RallyResult",
    "Settings",
    "Theme",
    "ThemelensError",
    "fetch_prices",
    "load_theme",
    "measure_rally",
    "rally_panel",
    "resolve_settings",
]
