"""Price providers: one interface (``base.Provider``), one file each, one registry.

The built-ins register themselves here the same way a plugin would, so the
CLI's ``--provider`` choices are simply ``sorted(PROVIDERS)``.
"""

from __future__ import annotations

from themelens.data.providers.akshare import AkshareProvider
from themelens.data.providers.base import (
    PROVIDERS,
    PriceQuery,
    Provider,
    RawPrices,
    fetch_prices,
    register_provider,
)
from themelens.data.providers.csv import CsvProvider
from themelens.data.providers.demo import DemoProvider
from themelens.data.providers.yahoo import YahooProvider

register_provider("akshare", AkshareProvider)
register_provider("csv", CsvProvider)
register_provider("demo", DemoProvider)
register_provider("yahoo", YahooProvider)

__all__ = [
    "PROVIDERS",
    "AkshareProvider",
    "CsvProvider",
    "DemoProvider",
    "PriceQuery",
    "Provider",
    "RawPrices",
    "YahooProvider",
    "fetch_prices",
    "register_provider",
]
