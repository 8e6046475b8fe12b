"""The ``demo`` provider: the synthetic market of ``themelens.data.demo``, offline.

It serves a fixed universe (by default every ticker of the packaged
``china-ai`` theme) and refuses anything else, so a mistyped ticker fails the
same way it would against a real source. Every row's ``source`` says
"synthetic demo data".
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import date
from typing import ClassVar, Final

import pandas as pd

from themelens.data.contracts import SYNTHETIC_LABEL, Failure, empty_prices, validate_prices
from themelens.data.demo import DEFAULT_END, DEFAULT_SEED, DEFAULT_START, generate_demo_market
from themelens.data.providers.base import PriceQuery, ProgressCallback, RawPrices, StandardQuery

__all__ = ["FALLBACK_UNIVERSE", "DemoProvider"]

FALLBACK_UNIVERSE: Final = (
    "9988.HK", "BABA", "9888.HK", "BIDU", "0700.HK", "TCEHY", "9618.HK", "JD",
    "0981.HK", "688981.SS", "1347.HK", "688347.SS", "002371.SZ", "1810.HK",
    "3690.HK", "1024.HK", "0020.HK", "002230.SZ", "HSTECH.HK", "^NDX", "^IXIC",
)  # fmt: skip
"""The china-ai theme's tickers, used when the theme module cannot be imported."""


class DemoProvider(StandardQuery):
    """Deterministic synthetic prices for a fixed universe of tickers.

    Parameters
    ----------
    universe
        Tickers served; default: every ticker of the packaged ``china-ai`` theme.
    seed, start, end
        Passed to ``generate_demo_market``. The whole range is generated and
        then cut to the query, so a ticker's prices do not depend on the
        query's range either.

    Notes
    -----
    Synthetic demo data, never market data: ``synthetic`` is True and the
    ``source`` column reads ``demo:seed=N (synthetic demo data)``.
    """

    name: ClassVar[str] = "demo"
    synthetic: ClassVar[bool] = True
    remote: ClassVar[bool] = False

    def __init__(
        self,
        *,
        universe: Sequence[str] | None = None,
        seed: int = DEFAULT_SEED,
        start: date = DEFAULT_START,
        end: date = DEFAULT_END,
    ) -> None:
        chosen = _theme_universe() if universe is None else tuple(universe)
        self.universe: tuple[str, ...] = tuple(dict.fromkeys(t.strip().upper() for t in chosen))
        self.seed = seed
        self.start = start
        self.end = end

    @property
    def source(self) -> str:
        """The provenance every row carries."""
        return f"demo:seed={self.seed} ({SYNTHETIC_LABEL})"

    def available_tickers(self) -> list[str]:
        """The universe, sorted (for "close matches" suggestions)."""
        return sorted(self.universe)

    def fetch_raw(
        self, query: PriceQuery, *, on_progress: ProgressCallback | None = None
    ) -> RawPrices:
        """Generate the universe's tickers among those asked; the others fail."""
        inside = [t for t in query.tickers if t in self.universe]
        failures = tuple(
            Failure(
                t,
                f"not in the demo universe ({SYNTHETIC_LABEL} covers {len(self.universe)} tickers)",
            )
            for t in query.tickers
            if t not in self.universe
        )
        market = generate_demo_market(inside, start=self.start, end=self.end, seed=self.seed)
        frames = {
            t: part.reset_index(drop=True) for t, part in market.groupby("ticker", sort=False)
        }
        if on_progress is not None:
            on_progress(len(query.tickers), len(query.tickers))
        return RawPrices.now(
            {str(t): f for t, f in frames.items()}, {str(t): self.source for t in frames}, failures
        )

    def to_frame(self, query: PriceQuery, raw: RawPrices) -> pd.DataFrame:
        """Cut to the query's range and add provenance."""
        if not raw.frames:
            return empty_prices()
        frame = pd.concat(list(raw.frames.values()), ignore_index=True)
        if query.start is not None:
            frame = frame.loc[frame["date"] >= pd.Timestamp(query.start)]
        if query.end is not None:
            frame = frame.loc[frame["date"] <= pd.Timestamp(query.end)]
        frame = frame.assign(
            provider=self.name,
            source=frame["ticker"].map(raw.sources),
            fetched_at=raw.fetched_at,
        )
        return validate_prices(frame)


def _theme_universe() -> tuple[str, ...]:
    """Every ticker of the packaged china-ai theme, or the fallback list without a theme module.

    Imported lazily: the theme model is optional for this provider, and the
    data layer must not need it at import time.
    """
    try:
        theme_module = importlib.import_module("themelens.theme")
    except ModuleNotFoundError as exc:
        if exc.name != "themelens.theme":
            raise
        return FALLBACK_UNIVERSE
    theme = theme_module.load_theme("china-ai")
    return tuple(str(t) for t in theme.all_tickers())
