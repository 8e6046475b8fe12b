"""From names a user typed to a price frame: resolve, pick the provider, load.

The CLI (and later the report) ask for "alibaba, SMIC, BIDU" against a
theme; this module turns those into Yahoo-style tickers through the theme,
builds the configured provider, and loads prices — through the DuckDB cache
for remote providers, directly for local ones (a CSV folder or the demo
market are already on this machine; caching them would only add a stale copy).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from themelens.config import Settings
from themelens.data.contracts import Failure, empty_prices
from themelens.data.providers import PROVIDERS, Provider, fetch_prices
from themelens.data.routing import AUTO, ProviderRoutes, load_routed, routes_for_theme
from themelens.errors import EmptyDataError, InputError, UnknownTickerError
from themelens.theme import Theme, load_theme

__all__ = [
    "LoadedPrices",
    "PriceRequest",
    "PriceSource",
    "load_for_cli",
    "load_tickers",
    "make_provider",
    "provider_names",
]

_TICKER_SHAPE = re.compile(r"^\^?[A-Za-z0-9][A-Za-z0-9.\-=]{0,19}$")


PriceSource = Provider | ProviderRoutes
"""One provider for every ticker, or the theme's routes (``--provider auto``)."""


def provider_names() -> list[str]:
    """The registered provider names and ``auto``, sorted (the CLI's ``--provider`` choices)."""
    return sorted([*PROVIDERS, AUTO])


def make_provider(settings: Settings, theme: Theme | None = None) -> PriceSource:
    """Build what ``settings.provider`` names; ``auto`` routes per listing as the theme says.

    The csv provider needs ``prices_dir``. ``theme`` defaults to ``settings.theme``.
    """
    if settings.provider == AUTO:
        th = theme if theme is not None else load_theme(settings.theme)
        return routes_for_theme(th, lambda name: _build(name, settings))
    if settings.provider not in PROVIDERS:
        raise InputError(
            f"--provider {settings.provider}: unknown provider; choose from {', '.join(provider_names())}"
        )
    return _build(settings.provider, settings)


def _build(name: str, settings: Settings) -> Provider:
    factory = PROVIDERS[name]
    if name == "csv":
        if settings.prices_dir is None:
            raise InputError("--prices-dir: required by the csv provider")
        return factory(settings.prices_dir)
    if name == "akshare":
        return factory(**settings.akshare_client_options)
    return factory()


@dataclass(frozen=True)
class PriceRequest:
    """Tickers to load, which of them the user named, and the benchmark.

    ``named`` maps ticker → what the user typed, so a failure can be reported
    in the user's words and with close matches.
    """

    tickers: tuple[str, ...]
    named: dict[str, str] = field(default_factory=dict)
    benchmark: str | None = None
    benchmark_named: bool = False

    @classmethod
    def from_names(
        cls,
        theme: Theme,
        names: Sequence[str],
        *,
        benchmark: str | None = None,
        all_listings: bool = False,
    ) -> PriceRequest:
        """Resolve ``names`` through ``theme``; no names means the theme's own entities.

        A name that is neither in the theme nor shaped like a ticker raises
        ``UnknownTickerError`` with close matches; a ticker-shaped name outside
        the theme is passed through (the provider decides whether it exists).
        """
        named: dict[str, str] = {}
        if names:
            tickers = [_resolve(theme, n) for n in names]
            named = dict(zip(tickers, names, strict=True))
        elif all_listings:
            tickers = list(theme.all_tickers())
        else:
            tickers = list(theme.member_tickers())
        bench: str | None
        if benchmark is not None:
            bench = _resolve(theme, benchmark)
        else:
            primary = theme.benchmark().primary
            bench = primary.ticker if primary else None
        return cls(
            tickers=tuple(dict.fromkeys(tickers)),
            named=named,
            benchmark=bench,
            benchmark_named=benchmark is not None,
        )


def _resolve(theme: Theme, name: str) -> str:
    found = theme.resolve(name)
    if found is not None:
        return found.ticker
    if _TICKER_SHAPE.match(name) and not name.islower():
        return name.upper()
    raise UnknownTickerError(name, suggestions=theme.suggest(name))


@dataclass(frozen=True)
class LoadedPrices:
    """Prices for a request: the frame, the tickers that have data, failures, warnings."""

    frame: pd.DataFrame
    tickers: tuple[str, ...]
    benchmark: str | None
    failures: tuple[Failure, ...]
    warnings: tuple[str, ...]
    named: frozenset[str] = frozenset()

    def explicit(self, item: str) -> bool:
        """True when ``item`` was named by the user (so its failure fails the command)."""
        return item in self.named


def load_for_cli(
    settings: Settings,
    theme: Theme,
    request: PriceRequest,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> LoadedPrices:
    """Load the request's tickers and benchmark from the configured provider.

    A named ticker with no data becomes a failure (with close matches when it
    is unknown to the theme); a default benchmark with no data becomes a
    warning and relative returns are left out. Raises when nothing loads.
    """
    provider = make_provider(settings, theme)
    wanted = list(request.tickers)
    if request.benchmark and request.benchmark not in wanted:
        wanted.append(request.benchmark)
    frame, failures, warnings = load_tickers(settings, provider, wanted, on_progress=on_progress)
    if frame.empty and len(request.tickers) == 1 and request.tickers[0] in request.named:
        typed = request.named[request.tickers[0]]
        if theme.resolve(typed) is None:
            raise _unknown(theme, provider, typed)
        reason = next((f.reason for f in failures if f.item == request.tickers[0]), "no data")
        raise EmptyDataError(reason, provider=provider.name, ticker=request.tickers[0])
    have = set(frame["ticker"].unique())
    fails: list[Failure] = []
    notes = list(warnings)
    for f in failures:
        if f.item == request.benchmark and f.item not in request.tickers:
            if request.benchmark_named:
                fails.append(Failure(f.item, f"benchmark: {f.reason}"))
            else:
                notes.append(
                    f"no data for the benchmark {f.item} ({f.reason}); relative returns left out"
                )
            continue
        name = request.named.get(f.item)
        if name is not None and theme.resolve(name) is None:
            fails.append(Failure(name, _unknown(theme, provider, name).message.split(": ", 1)[1]))
        else:
            fails.append(f)
    tickers = tuple(t for t in request.tickers if t in have)
    if not tickers:
        raise EmptyDataError("; ".join(str(f) for f in fails) or "no data", provider=provider.name)
    bench = request.benchmark if request.benchmark in have else None
    named = frozenset(request.named) | frozenset(request.named.values())
    if request.benchmark_named and request.benchmark:
        named |= {request.benchmark}
    return LoadedPrices(frame, tickers, bench, tuple(fails), tuple(notes), named)


def _unknown(theme: Theme, provider: PriceSource, name: str) -> UnknownTickerError:
    extra: list[str] = []
    available = getattr(provider, "available_tickers", None)
    if callable(available):
        extra = list(available())
    return UnknownTickerError(name, suggestions=theme.suggest(name, extra=extra))


def load_tickers(
    settings: Settings,
    provider: PriceSource,
    tickers: Sequence[str],
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, tuple[Failure, ...], tuple[str, ...]]:
    """Prices for ``tickers`` with per-ticker failures and warnings; an empty frame when none load.

    Remote providers go through the DuckDB cache (fetching what is missing);
    local ones are read directly; routes (``auto``) ask each ticker's
    providers in the theme's order, through the cache.
    """
    if not tickers:
        return empty_prices(), (), ()
    from themelens.data.store import PriceStore

    if isinstance(provider, ProviderRoutes):
        routed = load_routed(
            PriceStore(settings.db_path), provider, tickers, on_progress=on_progress
        )
        return routed.frame, routed.failures, routed.warnings
    if not provider.remote:
        try:
            batch = fetch_prices(provider, tickers, on_progress=on_progress)
        except EmptyDataError as exc:
            own = {f.item: f for f in exc.failures}
            return empty_prices(), tuple(own.get(t, Failure(t, str(exc))) for t in tickers), ()
        return batch.frame, batch.failures, ()
    from themelens.data.refresh import load_prices

    loaded = load_prices(PriceStore(settings.db_path), provider, tickers, on_progress=on_progress)
    return loaded.frame, tuple(loaded.failures), tuple(loaded.warnings)
