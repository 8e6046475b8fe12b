"""What prices are loaded from: one provider for every ticker, or the theme's routes.

``make_provider`` hands back either a ``SingleProvider`` or ``ProviderRoutes``
(``--provider auto``). Both answer ``load`` and ``refresh`` themselves, so the
loaders and the CLI call one method instead of asking which of the two they
hold, or whether it is remote: the source knows whether its prices go through
the DuckDB cache (remote providers and routes) or are read directly (a CSV
folder or the demo market are already on this machine; caching them would
only add a stale copy).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from themelens.data.contracts import Failure, PriceLoad, empty_prices
from themelens.data.providers.base import PriceQuery, Provider, fetch_prices
from themelens.errors import EmptyDataError

if TYPE_CHECKING:  # the cache (DuckDB) is imported by the sources that use it, when they do
    import pandas as pd

    from themelens.data.refresh import RefreshResult
    from themelens.data.store import PriceStore

__all__ = ["PriceSource", "SingleProvider"]

ProgressCallback = Callable[[int, int], None]


class PriceSource(Protocol):
    """Where a command's prices come from; ``SingleProvider`` and ``ProviderRoutes`` are both."""

    @property
    def name(self) -> str:
        """The ``--provider`` value (``auto`` for routes), shown in messages."""
        ...

    @property
    def remote(self) -> bool:
        """True when prices are reached over the network (and so go through the cache)."""
        ...

    @property
    def synthetic(self) -> bool:
        """True when the prices are the synthetic demo market."""
        ...

    def load(
        self, tickers: Sequence[str], *, db_path: Path, on_progress: ProgressCallback | None = None
    ) -> PriceLoad:
        """Prices for ``tickers`` with per-ticker failures; the frame may be empty.

        ``db_path`` is the cache, opened only by a source that reads through it.
        """
        ...

    def refresh(
        self, store: PriceStore, query: PriceQuery, *, on_progress: ProgressCallback | None = None
    ) -> RefreshResult:
        """Fill ``store`` for the query's tickers and range, incrementally (``prices fetch``)."""
        ...

    def available_tickers(self) -> list[str]:
        """Tickers the source is known to hold, for close-match suggestions (may be empty)."""
        ...

    def keep(self, frame: pd.DataFrame, *, db_path: Path) -> None:
        """Store prices a run used in the cache at ``db_path`` when they did not come through
        it (a CSV folder, the demo market), so the store holds what the run showed."""
        ...


@dataclass(frozen=True)
class SingleProvider:
    """One provider serving every ticker (any ``--provider`` but ``auto``)."""

    provider: Provider

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def remote(self) -> bool:
        return self.provider.remote

    @property
    def synthetic(self) -> bool:
        return self.provider.synthetic

    def load(
        self, tickers: Sequence[str], *, db_path: Path, on_progress: ProgressCallback | None = None
    ) -> PriceLoad:
        """Through the cache for a remote provider (fetching what is missing), directly otherwise.

        A direct read where no ticker has rows is an empty load listing every
        ticker's failure, as the cache path reports it, rather than an error.
        """
        if self.provider.remote:
            from themelens.data.refresh import load_prices
            from themelens.data.store import PriceStore

            store = PriceStore(db_path)
            return load_prices(store, self.provider, tickers, on_progress=on_progress)
        try:
            return fetch_prices(self.provider, tickers, on_progress=on_progress)
        except EmptyDataError as exc:
            own = {f.item: f for f in exc.failures}
            failures = tuple(own.get(t, Failure(t, str(exc))) for t in tickers)
            return PriceLoad(empty_prices(), failures, provider=self.name)

    def refresh(
        self, store: PriceStore, query: PriceQuery, *, on_progress: ProgressCallback | None = None
    ) -> RefreshResult:
        """``refresh_prices`` from this provider."""
        from themelens.data.refresh import refresh_prices

        tickers, start, end = query.tickers, query.start, query.end
        return refresh_prices(
            store, self.provider, tickers, start=start, end=end, on_progress=on_progress
        )

    def keep(self, frame: pd.DataFrame, *, db_path: Path) -> None:
        """A local provider's prices written to the store; a remote one's are there already."""
        if not self.provider.remote and len(frame):
            from themelens.data.store import PriceStore

            PriceStore(db_path).write_prices(frame)

    def available_tickers(self) -> list[str]:
        """What a local provider lists (a CSV folder, the demo market); nothing for the others."""
        available = getattr(self.provider, "available_tickers", None)
        return list(available()) if callable(available) else []
