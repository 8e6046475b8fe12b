"""From names a user typed to a price frame: resolve, pick the source, load.

The CLI (and later the report) ask for "alibaba, SMIC, BIDU" against a
theme; this module turns those into Yahoo-style tickers through the theme,
builds the configured source (``data.sources``: one provider, or the theme's
routes), and loads prices from it; the source decides whether that goes
through the DuckDB cache.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from themelens.config import Settings
from themelens.data.contracts import Failure, PriceLoad, empty_prices
from themelens.data.deadline import Deadline, current_deadline
from themelens.data.provider_names import AUTO
from themelens.data.providers import PROVIDERS, Provider
from themelens.data.sources import PriceSource, SingleProvider
from themelens.errors import EmptyDataError, InputError, UnknownTickerError
from themelens.theme import Theme, load_theme

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LoadedPrices",
    "PriceRequest",
    "load_for_cli",
    "load_tickers",
    "make_provider",
    "provider_names",
]

_TICKER_SHAPE = re.compile(r"^\^?[A-Za-z0-9][A-Za-z0-9.\-=]{0,19}$")


def provider_names() -> list[str]:
    """The registered provider names and ``auto``, sorted (the CLI's ``--provider`` choices)."""
    return sorted([*PROVIDERS, AUTO])


def make_provider(
    settings: Settings, theme: Theme | None = None, *, deadline: Deadline | None = None
) -> PriceSource:
    """Build what ``settings.provider`` names; ``auto`` routes per listing as the theme says.

    The csv provider needs ``prices_dir``. ``theme`` defaults to ``settings.theme``.
    Every remote provider built shares ``deadline`` (default: a new one of
    ``settings.remote_deadline_s``), so a dead network costs the command that
    long once, not once per provider, retry and fallback.
    """
    shared = deadline if deadline is not None else current_deadline(settings.remote_deadline_s)
    if settings.provider == AUTO:
        from themelens.data.routing import (
            routes_for_theme,  # the cache: only routes read through it
        )

        th = theme if theme is not None else load_theme(settings.theme)
        return routes_for_theme(th, lambda name: _build(name, settings, shared))
    if settings.provider not in PROVIDERS:
        raise InputError(
            f"--provider {settings.provider}: unknown provider; choose from {', '.join(provider_names())}"
        )
    return SingleProvider(_build(settings.provider, settings, shared))


def _build(name: str, settings: Settings, deadline: Deadline) -> Provider:
    factory = PROVIDERS[name]
    if name == "csv":
        if settings.prices_dir is None:
            raise InputError("--prices-dir: required by the csv provider")
        return factory(settings.prices_dir)
    if name == "akshare":
        return factory(**settings.akshare_client_options, deadline=deadline)
    if name == "yahoo":
        return factory(deadline=deadline)
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
    """Prices for a request: what loaded, the request's tickers that have data, the benchmark.

    ``load`` is the ``PriceLoad`` every loader returns, its failures put in
    the user's words (a name they typed, a benchmark) and its warnings
    extended with what the request adds (a default benchmark without data);
    ``frame``, ``failures`` and ``warnings`` read through to it. ``tickers``
    keeps the request's order and leaves the benchmark out; ``named`` holds
    what the user typed, so their failures can fail the command.
    """

    load: PriceLoad
    tickers: tuple[str, ...]
    benchmark: str | None
    named: frozenset[str] = frozenset()

    @property
    def frame(self) -> pd.DataFrame:
        """The long price frame of the request's tickers and benchmark."""
        return self.load.frame

    @property
    def failures(self) -> tuple[Failure, ...]:
        return self.load.failures

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.load.warnings

    def to_frame(self) -> pd.DataFrame:
        """A copy of ``frame``."""
        return self.load.to_frame()

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
    is unknown to the theme and to the source; a file the source has but cannot
    read keeps the source's reason); a default benchmark with no data becomes a
    warning and relative returns are left out. Raises when nothing loads.
    """
    provider = make_provider(settings, theme)
    wanted = list(request.tickers)
    if request.benchmark and request.benchmark not in wanted:
        wanted.append(request.benchmark)
    loaded = load_tickers(settings, provider, wanted, on_progress=on_progress)
    frame = loaded.frame
    if frame.empty and len(request.tickers) == 1 and request.tickers[0] in request.named:
        typed = request.named[request.tickers[0]]
        if _unknown_to(theme, provider, typed, request.tickers[0]):
            raise _unknown(theme, provider, typed)
        reason = next(
            (
                f.reason + (f" ({f.where})" if f.where else "")
                for f in loaded.failures
                if f.item == request.tickers[0]
            ),
            "no data",
        )
        raise EmptyDataError(reason, provider=provider.name, ticker=request.tickers[0])
    have = set(frame["ticker"].unique())
    fails: list[Failure] = []
    notes = list(loaded.warnings)
    for f in loaded.failures:
        if f.item == request.benchmark and f.item not in request.tickers:
            if request.benchmark_named:
                fails.append(Failure(f.item, f"benchmark: {f.reason}", f.where))
            else:
                notes.append(
                    f"no data for the benchmark {f.item} ({f.reason}); relative returns left out"
                )
            continue
        name = request.named.get(f.item)
        if name is not None and _unknown_to(theme, provider, name, f.item):
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
    load = replace(loaded, failures=tuple(fails), warnings=tuple(notes))
    return LoadedPrices(load, tickers, bench, named)


def _unknown_to(theme: Theme, provider: PriceSource, name: str, ticker: str) -> bool:
    """True when neither the theme nor the source knows ``name``: a file the source lists
    but could not read (malformed, empty) is not an unknown ticker."""
    return theme.resolve(name) is None and ticker not in provider.available_tickers()


def _unknown(theme: Theme, provider: PriceSource, name: str) -> UnknownTickerError:
    extra = provider.available_tickers()
    return UnknownTickerError(name, suggestions=theme.suggest(name, extra=extra))


def load_tickers(
    settings: Settings,
    provider: PriceSource,
    tickers: Sequence[str],
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> PriceLoad:
    """Prices for ``tickers`` with per-ticker failures and warnings; an empty frame when none load.

    The source decides how (``PriceSource.load``): remote providers and
    routes through the cache at ``settings.db_path``, local providers
    directly. No tickers opens nothing and loads nothing.
    """
    if not tickers:
        return PriceLoad(empty_prices(), provider=provider.name)
    return provider.load(tickers, db_path=settings.db_path, on_progress=on_progress)
