"""themelens: evidence for a market theme from prices, fundamentals and news.

``import themelens as tl`` is the front door (``docs/python.md`` walks through
it): ``tl.load_theme``, ``tl.load_prices``, ``tl.measure_rally``,
``tl.check_articles``, ``tl.run_event_study``, ``tl.backtest_basket``,
``tl.run_theme``, ``tl.write_report``. The public surface is what
``__all__`` lists; everything else may move. Names are imported on first use,
so ``themelens --help`` does not pay for pandas-heavy modules it never runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from themelens._version import __version__ as __version__

_WHERE: Final[dict[str, str]] = {
    "PROVIDERS": "themelens.data.providers",
    "BasketResult": "themelens.analytics.basket",
    "BasketSpec": "themelens.analytics.basket",
    "Event": "themelens.analytics.events",
    "EventStudyResult": "themelens.analytics.events",
    "LoadedPrices": "themelens.data.loading",
    "PriceStore": "themelens.data.store",
    "RallyResult": "themelens.analytics.rally",
    "Settings": "themelens.config",
    "Theme": "themelens.theme",
    "ThemeRun": "themelens.pipeline.model",
    "ThemelensError": "themelens.errors",
    "VerifyResult": "themelens.verify",
    "backtest_basket": "themelens.analytics.basket",
    "check_articles": "themelens.api",
    "fetch_prices": "themelens.data.providers",
    "load_prices": "themelens.api",
    "load_theme": "themelens.api",
    "measure_rally": "themelens.analytics.rally",
    "rally_panel": "themelens.analytics.rally",
    "resolve_settings": "themelens.config",
    "run_event_study": "themelens.analytics.events",
    "run_theme": "themelens.api",
    "write_report": "themelens.api",
}

__all__ = [
    "PROVIDERS",
    "BasketResult",
    "BasketSpec",
    "Event",
    "EventStudyResult",
    "LoadedPrices",
    "PriceStore",
    "RallyResult",
    "Settings",
    "Theme",
    "ThemeRun",
    "ThemelensError",
    "VerifyResult",
    "backtest_basket",
    "check_articles",
    "fetch_prices",
    "load_prices",
    "load_theme",
    "measure_rally",
    "rally_panel",
    "resolve_settings",
    "run_event_study",
    "run_theme",
    "write_report",
]


def __getattr__(name: str) -> Any:
    """Import a public name from the module that defines it, on first use."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'themelens' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from themelens.analytics.basket import BasketResult, BasketSpec, backtest_basket
    from themelens.analytics.events import Event, EventStudyResult, run_event_study
    from themelens.analytics.rally import RallyResult, measure_rally, rally_panel
    from themelens.api import check_articles, load_prices, load_theme, run_theme, write_report
    from themelens.config import Settings, resolve_settings
    from themelens.data.loading import LoadedPrices
    from themelens.data.providers import PROVIDERS, fetch_prices
    from themelens.data.store import PriceStore
    from themelens.errors import ThemelensError
    from themelens.pipeline.model import ThemeRun
    from themelens.theme import Theme
    from themelens.verify import VerifyResult
