"""Provider order per listing: the theme says who serves a ticker, with a fallback chain.

With ``--provider auto`` (the default) no single source serves the whole
theme: Yahoo has the Hong Kong and US names, AkShare the Hang Seng TECH index
and the A-shares. The theme names, per listing, the providers to try in order
(``Listing.providers``, else ``Theme.default_providers``); this module asks the
first, hands what it could not answer to the next, and keeps every row under
the provider that actually answered, so the cache (keyed on provider, ticker,
date) records who supplied each row and a report can say so.

A provider that is offline (or whose failure is total) does not stop the
others: its tickers move on to their next provider, and a ticker fails only
when every provider in its chain failed, with each one's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

import pandas as pd

from themelens.data.contracts import Failure, PriceLoad, concat_prices
from themelens.data.providers.base import PROVIDERS, PriceQuery, Provider
from themelens.data.refresh import RefreshResult, load_prices, refresh_prices
from themelens.data.store import PriceStore
from themelens.errors import InputError, OfflineError
from themelens.theme import Theme

__all__ = [
    "AUTO",
    "ProviderRoutes",
    "check_theme_providers",
    "load_routed",
    "refresh_routed",
    "routes_for_theme",
]

AUTO = "auto"
"""The ``--provider`` value that routes each ticker as the theme says."""

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ProviderRoutes:
    """Which providers serve which ticker, in fallback order.

    A ``PriceSource`` like ``SingleProvider`` (``load``, ``refresh``, ``name``,
    ``remote``, ``synthetic``), so loaders call it without asking which they
    hold; its name ``auto`` is never itself a cache key.
    """

    name: ClassVar[str] = AUTO
    remote: ClassVar[bool] = True
    synthetic: ClassVar[bool] = False

    providers: Mapping[str, Provider]
    chain_of: Callable[[str], tuple[str, ...]]

    def chain(self, ticker: str) -> tuple[str, ...]:
        """Provider names for ``ticker``, in the order they are tried."""
        return self.chain_of(ticker)

    def load(
        self, tickers: Sequence[str], *, db_path: Path, on_progress: ProgressCallback | None = None
    ) -> PriceLoad:
        """``load_routed`` through the cache at ``db_path``."""
        store = PriceStore(db_path)
        return load_routed(store, self, tickers, on_progress=on_progress)

    def refresh(
        self, store: PriceStore, query: PriceQuery, *, on_progress: ProgressCallback | None = None
    ) -> RefreshResult:
        """``refresh_routed`` into ``store``."""
        tickers, start, end = query.tickers, query.start, query.end
        return refresh_routed(store, self, tickers, start=start, end=end, on_progress=on_progress)

    def available_tickers(self) -> list[str]:
        """None: routes reach remote sources, which list no universe to suggest from."""
        return []

    def keep(self, frame: pd.DataFrame, *, db_path: Path) -> None:
        """Nothing: routed prices were read through the cache, which already holds them."""


def routes_for_theme(
    theme: Theme, build: Callable[[str], Provider], *, source: str = "theme"
) -> ProviderRoutes:
    """Routes from the theme's listings, each named provider built once by ``build``.

    Raises ``InputError`` naming the listing when the theme names a provider
    that is not registered.
    """
    providers = {p: build(p) for p in check_theme_providers(theme, source=source)}
    return ProviderRoutes(providers=providers, chain_of=theme.providers_for)


def check_theme_providers(theme: Theme, *, source: str = "theme") -> tuple[str, ...]:
    """The provider names ``theme`` routes to, each once; ``InputError`` naming the listing of an unknown one.

    Shared by prices and fundamentals so a misspelt provider fails the same way for both.
    """
    named: dict[str, str] = {p: "default_providers" for p in theme.default_providers}
    for entity in theme.entities:
        for listing in entity.listings:
            for p in listing.providers:
                named.setdefault(p, f"{entity.slug} {listing.ticker}")
    for p, where in named.items():
        if p not in PROVIDERS or p == AUTO:
            choices = ", ".join(sorted(PROVIDERS))
            raise InputError(f"{source} {theme.name}: {where}: unknown provider {p!r}; choose from {choices}")  # fmt: skip
    return tuple(named)


def _rounds(
    routes: ProviderRoutes,
    tickers: Sequence[str],
    attempt: Callable[[Provider, list[str]], tuple[set[str], list[Failure]]],
) -> list[Failure]:
    """Ask each ticker's providers in turn; what one cannot answer goes to the next.

    ``attempt(provider, tickers)`` returns the tickers it answered and the
    failures of the others. Returns the tickers every provider failed on.
    """
    reasons: dict[str, list[str]] = {}
    where: dict[str, list[str]] = {}
    pending = list(dict.fromkeys(tickers))
    exhausted: list[str] = []
    step = 0
    while pending:
        groups: dict[str, list[str]] = {}
        for t in pending:
            chain = routes.chain(t)
            if step < len(chain):
                groups.setdefault(chain[step], []).append(t)
            else:
                exhausted.append(t)
        unanswered: set[str] = set()
        for name, group in groups.items():
            answered, failures = attempt(routes.providers[name], group)
            why = {f.item: f.reason for f in failures}
            for f in failures:
                if f.where:
                    where.setdefault(f.item, []).append(f.where)
            for t in group:
                if t not in answered:
                    reasons.setdefault(t, []).append(f"{name}: {why.get(t, 'no rows')}")
                    unanswered.add(t)
        pending = [t for t in pending if t in unanswered]
        step += 1
    failed = [t for t in dict.fromkeys(tickers) if t in set(exhausted)]
    return [
        Failure(t, "; ".join(reasons.get(t, ["no provider"])), "; ".join(where.get(t, [])))
        for t in failed
    ]


def _offline(exc: OfflineError, provider: Provider, ticker: str) -> str:
    """Why ``ticker`` got nothing from an offline provider (which may have failed on another)."""
    text = str(exc)
    for prefix in (f"{provider.name}: {exc.ticker}: ", f"{provider.name}: "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return f"offline: {text}" if exc.ticker in (None, ticker) else f"offline, not asked: {text}"


def load_routed(
    store: PriceStore,
    routes: ProviderRoutes,
    tickers: Sequence[str],
    *,
    start: date | None = None,
    end: date | None = None,
    on_progress: ProgressCallback | None = None,
) -> PriceLoad:
    """Each ticker's prices through the cache from the first provider in its chain that has them.

    Rows keep the answering provider's name; failures list every provider's
    reason; warnings (offline, cached data used) are passed on, prefixed.
    """
    frames: list[pd.DataFrame] = []
    warnings: list[str] = []
    total = len(dict.fromkeys(tickers))
    done = 0

    def attempt(provider: Provider, group: list[str]) -> tuple[set[str], list[Failure]]:
        nonlocal done
        try:
            loaded = load_prices(store, provider, group, start=start, end=end)
        except OfflineError as exc:
            return set(), [Failure(t, _offline(exc, provider, t)) for t in group]
        have = set(loaded.frame["ticker"].unique()) if len(loaded.frame) else set()
        if have:
            frames.append(loaded.frame)
        warnings.extend(f"{provider.name}: {w}" for w in loaded.warnings)
        done += len(have)
        if on_progress is not None:
            on_progress(min(done, total), total)
        return have, list(loaded.failures)

    failures = _rounds(routes, tickers, attempt)
    frame = concat_prices(frames)
    if on_progress is not None:
        on_progress(total, total)
    return PriceLoad(frame=frame, failures=tuple(failures), warnings=tuple(warnings), provider=AUTO)


def refresh_routed(
    store: PriceStore,
    routes: ProviderRoutes,
    tickers: Sequence[str],
    *,
    start: date | None = None,
    end: date | None = None,
    on_progress: ProgressCallback | None = None,
) -> RefreshResult:
    """Fill the cache for ``tickers``, each from the first provider in its chain that answers."""
    inserted = updated = 0
    ranges: dict[str, tuple[date | None, date | None]] = {}
    skipped: list[str] = []
    rebased: list[str] = []
    answered: dict[str, str] = {}

    def attempt(provider: Provider, group: list[str]) -> tuple[set[str], list[Failure]]:
        nonlocal inserted, updated
        try:
            result = refresh_prices(store, provider, group, start=start, end=end)
        except OfflineError as exc:
            return set(), [Failure(t, _offline(exc, provider, t)) for t in group]
        inserted += result.rows_inserted
        updated += result.rows_updated
        ranges.update(result.ranges)
        skipped.extend(result.skipped)
        rebased.extend(result.rebased)
        answered.update(result.answered)
        if on_progress is not None:
            on_progress(len(answered), len(tickers))
        return set(result.answered), list(result.failures)

    failures = _rounds(routes, tickers, attempt)
    return RefreshResult(
        provider=AUTO, rows_inserted=inserted, rows_updated=updated, ranges=ranges,
        skipped=tuple(skipped), failures=tuple(failures), answered=answered,
        rebased=tuple(rebased),
    )  # fmt: skip
