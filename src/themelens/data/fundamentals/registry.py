"""Which providers serve fundamentals, keyed by the price providers' names, and in what order.

Prices choose a provider through ``data.providers.PROVIDERS`` and, with
``--provider auto``, the theme's per-listing routing (``Listing.providers``,
else ``Theme.default_providers``). Fundamentals follow the same names and the
same routing instead of keeping a second, hard-coded choice: this module is
the one table of the providers that also read statements and valuation
(``yahoo``, ``akshare``), and :func:`fundamentals_chain` turns a ticker's
price route into its fundamentals order. ``csv`` (an import file) and
``demo`` (no fundamentals) are choices of the loaders, not registered readers.

A routed name that is a price provider without fundamentals (``csv``,
``demo``) is skipped; a name that is no provider at all is the same
``InputError`` prices raise (``routing.check_theme_providers``). AkShare
stays the Hong Kong fallback after Yahoo, as it was before routing: a theme
that names only ``yahoo`` still gets AkShare's statements for the Hong Kong
listings Yahoo has none for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final, Protocol

from themelens.data.fundamentals.akshare import AkshareFundamentals, hk_code
from themelens.data.fundamentals.akshare_income import AkshareIncome
from themelens.data.fundamentals.contracts import (
    CapexStatements,
    Freq,
    IncomeStatements,
    ValuationData,
)
from themelens.data.fundamentals.yahoo import YahooFundamentals, replay
from themelens.data.fundamentals.yahoo_income import YahooIncome, replay_income
from themelens.data.routing import check_theme_providers
from themelens.theme import Theme

__all__ = [
    "FUNDAMENTALS",
    "FundamentalsProvider",
    "FundamentalsReader",
    "IncomeReader",
    "check_routes",
    "fundamentals_chain",
    "fundamentals_provider",
]


class FundamentalsReader(Protocol):
    """Capex statements and valuation from one provider (``YahooFundamentals``, ``AkshareFundamentals``)."""

    def capex(self, tickers: Sequence[str], *, freq: Freq = "annual") -> CapexStatements: ...
    def valuation(self, tickers: Sequence[str]) -> ValuationData: ...


class IncomeReader(Protocol):
    """Revenue and net income from one provider (``YahooIncome``, ``AkshareIncome``)."""

    def income(self, tickers: Sequence[str], *, freq: Freq = "annual") -> IncomeStatements: ...


@dataclass(frozen=True)
class FundamentalsProvider:
    """A price provider that also serves fundamentals, and how to reach its readers.

    label
        Its name in notes (``"Yahoo Finance"``).
    scope
        What it covers when that is not everything (``"Hong Kong listings only"``).
    covers
        Whether it can answer for a ticker; routing skips it for the others.
    fallback
        A provider asked after this one for the tickers it had nothing for, even
        when the theme does not route there (Yahoo → AkShare for Hong Kong).
    reader, income
        Build the readers, live or replaying a recording directory.
    """

    name: str
    label: str
    scope: str | None
    covers: Callable[[str], bool]
    fallback: str | None
    reader: Callable[[Path | None], FundamentalsReader]
    income: Callable[[Path | None], IncomeReader]


def _yahoo(replay_dir: Path | None) -> YahooFundamentals:
    if replay_dir is None:
        return YahooFundamentals()
    cash_flow, info, synthetic = replay(replay_dir)
    return YahooFundamentals(cash_flow=cash_flow, info=info, synthetic=synthetic)


def _yahoo_income(replay_dir: Path | None) -> YahooIncome:
    if replay_dir is None:
        return YahooIncome()
    _, info, synthetic = replay(replay_dir)
    return YahooIncome(income=replay_income(replay_dir), info=info, synthetic=synthetic)


def _akshare(replay_dir: Path | None) -> AkshareFundamentals:
    return AkshareFundamentals() if replay_dir is None else AkshareFundamentals.from_recording(replay_dir)  # fmt: skip


def _akshare_income(replay_dir: Path | None) -> AkshareIncome:
    if replay_dir is None:
        return AkshareIncome()
    recorded = AkshareFundamentals.from_recording(replay_dir)
    return AkshareIncome(recorded.client, synthetic=recorded.synthetic)


FUNDAMENTALS: Final[Mapping[str, FundamentalsProvider]] = MappingProxyType({
    "yahoo": FundamentalsProvider(
        "yahoo", "Yahoo Finance", None, lambda _: True, "akshare", _yahoo, _yahoo_income
    ),
    "akshare": FundamentalsProvider(
        "akshare", "AkShare", "Hong Kong listings only", lambda t: hk_code(t) is not None, None,
        _akshare, _akshare_income,
    ),
})  # fmt: skip
"""The fundamentals providers by price-provider name; ``sorted(FUNDAMENTALS)`` lists them."""

_DEFAULT_CHAIN: Final = ("yahoo",)


def fundamentals_provider(name: str) -> FundamentalsProvider | None:
    """The registered fundamentals provider called ``name``, or None (``csv``, ``demo``, unknown)."""
    return FUNDAMENTALS.get(name)


def fundamentals_chain(theme: Theme | None, ticker: str) -> tuple[str, ...]:
    """The providers asked for ``ticker``'s fundamentals under ``auto``, in order.

    The theme's price route for the ticker, without the providers that have
    no fundamentals or do not cover it, then each provider's ``fallback``
    when it covers the ticker. Without a theme the route is ``yahoo``.
    """
    route = _DEFAULT_CHAIN if theme is None else theme.providers_for(ticker)
    chain: list[str] = []
    for name in route:
        found = FUNDAMENTALS.get(name)
        if found is not None and found.covers(ticker) and name not in chain:
            chain.append(name)
    for name in list(chain):
        after = FUNDAMENTALS[name].fallback
        if after is not None and after not in chain and FUNDAMENTALS[after].covers(ticker):
            chain.append(after)
    return tuple(chain)


def check_routes(theme: Theme | None) -> None:
    """Raise prices' ``InputError`` when ``theme`` routes to a provider that does not exist."""
    if theme is not None:
        check_theme_providers(theme)
