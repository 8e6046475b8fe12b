"""The one interface every price provider implements, and the registry of them.

A provider works in three stages (OpenBB's fetcher): ``build_query``
validates and normalises what was asked, ``fetch_raw`` does the only I/O and
returns what the source said per ticker, ``to_frame`` turns that into the
long price contract with provenance. ``fetch_prices`` chains them and keeps
a batch going past a bad ticker: failures are returned, not logged.

Tests record ``fetch_raw``'s output and replay it through an injected fetch
function, which is why the raw stage is separate from the transform.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import ClassVar, Protocol, runtime_checkable

import pandas as pd

from themelens.data.contracts import Failure, PriceLoad
from themelens.errors import EmptyDataError, InputError

__all__ = [
    "PROVIDERS",
    "PriceQuery",
    "Provider",
    "RawPrices",
    "StandardQuery",
    "fetch_prices",
    "register_provider",
]

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class PriceQuery:
    """What to fetch: tickers (Yahoo style, upper-case) and an inclusive date range.

    ``start``/``end`` of ``None`` mean "as far as the source goes". Providers
    needing more options subclass this (OpenBB's standard vs provider models).
    """

    tickers: tuple[str, ...]
    start: date | None = None
    end: date | None = None

    @classmethod
    def normalised(
        cls, tickers: Sequence[str], *, start: date | None = None, end: date | None = None
    ) -> PriceQuery:
        """The standard ``build_query``: upper-case, de-duplicated tickers (order kept), a sane range."""
        if start is not None and end is not None and start > end:
            raise InputError(f"start {start} is after end {end}")
        wanted = tuple(dict.fromkeys(t.strip().upper() for t in tickers if t.strip()))
        if not wanted:
            raise InputError("no tickers given")
        return cls(tickers=wanted, start=start, end=end)


@dataclass(frozen=True)
class RawPrices:
    """What a provider's source returned, before any transform.

    ``frames`` maps ticker → the source's own frame; ``sources`` maps ticker →
    where it came from (file path, URL, ``demo:seed=…``); ``failures`` lists the
    tickers that failed with a one-line reason each. ``written`` maps ticker →
    when its source last changed, for a source that knows (a file's
    modification time): its rows are stamped with that instead of the read
    time, so reading an unchanged file again gives the same rows.
    """

    frames: Mapping[str, pd.DataFrame]
    sources: Mapping[str, str]
    fetched_at: datetime
    failures: tuple[Failure, ...] = ()
    written: Mapping[str, datetime] = field(default_factory=dict)

    @classmethod
    def now(
        cls,
        frames: Mapping[str, pd.DataFrame],
        sources: Mapping[str, str],
        failures: Sequence[Failure] = (),
        written: Mapping[str, datetime] | None = None,
    ) -> RawPrices:
        """What a fetch just returned, stamped with the current time (UTC, naive, as stored)."""
        now = datetime.now(UTC).replace(tzinfo=None)
        return cls(frames, sources, now, tuple(failures), dict(written or {}))


class StandardQuery:
    """Mixin giving a provider the standard ``build_query`` (``PriceQuery.normalised``)."""

    def build_query(
        self,
        tickers: Sequence[str],
        *,
        start: date | None = None,
        end: date | None = None,
    ) -> PriceQuery:
        """Normalise tickers (upper-case, de-duplicated, order kept) and check the range."""
        return PriceQuery.normalised(tickers, start=start, end=end)


@runtime_checkable
class Provider(Protocol):
    """A source of daily prices. See the module docstring for the three stages."""

    name: ClassVar[str]
    synthetic: ClassVar[bool]
    remote: ClassVar[bool]
    """True for sources reached over the network; only those go through the cache."""

    def build_query(
        self,
        tickers: Sequence[str],
        *,
        start: date | None = None,
        end: date | None = None,
    ) -> PriceQuery: ...

    def fetch_raw(
        self, query: PriceQuery, *, on_progress: ProgressCallback | None = None
    ) -> RawPrices: ...

    def to_frame(self, query: PriceQuery, raw: RawPrices) -> pd.DataFrame: ...


PROVIDERS: dict[str, Callable[..., Provider]] = {}
"""Registered providers by name; built-ins register themselves on import of
``themelens.data.providers``, as plugins would through entry points."""


def register_provider(name: str, factory: Callable[..., Provider]) -> None:
    """Add a provider factory under ``name`` (built-ins and plugins alike)."""
    PROVIDERS[name] = factory


def fetch_prices(
    provider: Provider,
    tickers: Sequence[str],
    *,
    start: date | None = None,
    end: date | None = None,
    on_progress: ProgressCallback | None = None,
) -> PriceLoad:
    """Run a provider's three stages and return what loaded.

    Raises ``EmptyDataError`` only when no ticker produced a row; otherwise the
    tickers that failed are listed in ``PriceLoad.failures``.
    """
    query = provider.build_query(tickers, start=start, end=end)
    raw = provider.fetch_raw(query, on_progress=on_progress)
    frame = provider.to_frame(query, raw)
    failures = list(raw.failures)
    have = set(frame["ticker"].unique()) if len(frame) else set()
    failed = {f.item for f in failures}
    for t in query.tickers:
        if t not in have and t not in failed:
            failures.append(Failure(t, "no rows in the requested range"))
    if frame.empty:
        reasons = "; ".join(str(f) for f in failures) or "no rows"
        ticker = query.tickers[0] if len(query.tickers) == 1 else None
        raise EmptyDataError(
            reasons if ticker is None else _strip(reasons, ticker),
            provider=provider.name,
            ticker=ticker,
            failures=failures,
        )
    return PriceLoad(frame=frame, failures=tuple(failures), provider=provider.name)


def _strip(reasons: str, ticker: str) -> str:
    prefix = f"{ticker}: "
    return reasons[len(prefix) :] if reasons.startswith(prefix) else reasons
