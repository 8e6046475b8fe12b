"""Price providers: one interface (``base.Provider``), one file each, one registry.

The built-ins register themselves here the same way a plugin would, so the
CLI's ``--provider`` choices are simply ``sorted(PROVIDERS)``. Each is
registered as a factory that imports its module on first use: a command
reading a CSV folder does not pay for yfinance, AkShare's client or the
exchange calendars the demo market is drawn on. The provider classes are
importable from here all the same (``from themelens.data.providers import
CsvProvider``), each loaded when first asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from themelens.data.providers.base import (
    PROVIDERS,
    PriceQuery,
    Provider,
    RawPrices,
    fetch_prices,
    register_provider,
)

if TYPE_CHECKING:
    from themelens.data.providers.akshare import AkshareProvider
    from themelens.data.providers.csv import CsvProvider
    from themelens.data.providers.demo import DemoProvider
    from themelens.data.providers.yahoo import YahooProvider

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

_BUILT_INS: Final[dict[str, tuple[str, str]]] = {
    "akshare": ("themelens.data.providers.akshare", "AkshareProvider"),
    "csv": ("themelens.data.providers.csv", "CsvProvider"),
    "demo": ("themelens.data.providers.demo", "DemoProvider"),
    "yahoo": ("themelens.data.providers.yahoo", "YahooProvider"),
}
_CLASSES: Final = {cls: module for module, cls in _BUILT_INS.values()}


def _class(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


def _lazy(module: str, name: str) -> Callable[..., Provider]:
    """A factory for ``module.name`` that imports the module when first called."""

    def build(*args: Any, **kwargs: Any) -> Provider:
        provider: Provider = _class(module, name)(*args, **kwargs)
        return provider

    build.__name__ = build.__qualname__ = name
    build.__doc__ = f"Build ``{module}.{name}`` (its module is imported on first use)."
    return build


for _name, (_module, _cls) in _BUILT_INS.items():
    register_provider(_name, _lazy(_module, _cls))


def __getattr__(name: str) -> Any:
    """The built-in provider classes, imported when first asked for (PEP 562)."""
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    cls = _class(module, name)
    globals()[name] = cls
    return cls
