"""Which series a run measures the theme against, and how the page should name it.

A China tech theme measured against the Nasdaq says little, yet the shared
price files have no Hang Seng TECH series. So the choice follows one chain,
the same for every run: the theme's index when its series is there; else an
equal-weight proxy of the theme's own Hong Kong names (same sessions, same
market), labelled a proxy everywhere it appears; else the next benchmark of
the theme's chain that has prices, named as a fallback. A user may name any
benchmark instead (``--benchmark``: an entity, a ticker, or ``proxy``); a
named one without prices is an error, never a silent substitute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import pandas as pd

from themelens.analytics.events_sources import add_proxy_benchmark
from themelens.errors import InputError, ThemelensError
from themelens.theme import Theme

__all__ = ["PROXY_CHOICE", "BenchmarkChoice", "choose_benchmark"]

PROXY_CHOICE: Final = "proxy"
"""What ``--benchmark`` takes for the equal-weight proxy."""

BenchmarkKind = Literal["index", "proxy", "fallback", "chosen"]


@dataclass(frozen=True)
class BenchmarkChoice:
    """The series relative figures use: ``ticker`` (in the run's prices), ``name`` as the page
    shows it, ``kind`` (the theme's index, its proxy, a fallback, or the user's choice) and
    ``note``, one sentence saying why this one (empty for the theme's own index)."""

    ticker: str
    name: str
    kind: BenchmarkKind
    note: str = ""


def _name(theme: Theme, ticker: str) -> str:
    entity = theme.entity_for_ticker(ticker)
    return entity.name if entity is not None else ticker


def _proxy(
    theme: Theme, prices: pd.DataFrame, index: str | None
) -> tuple[pd.DataFrame, BenchmarkChoice]:
    widened, ticker, members = add_proxy_benchmark(prices, theme)
    of = f" of {_name(theme, index)}" if index else ""
    name = f"Equal-weight proxy{of} ({len(members)} Hong Kong theme names)"
    note = (
        f"no series for {index}; relative figures use an equal-weight proxy of {len(members)} "
        "of the theme's Hong Kong names, which is not the index"
        if index
        else f"relative figures use an equal-weight proxy of {len(members)} Hong Kong theme names"
    )
    return widened, BenchmarkChoice(ticker, name, "proxy", note)


def choose_benchmark(
    theme: Theme, prices: pd.DataFrame, requested: str | None = None
) -> tuple[pd.DataFrame, BenchmarkChoice | None]:
    """``prices`` (with the proxy's rows added when it is chosen) and the benchmark choice.

    ``requested`` is ``--benchmark``: an entity slug or alias, a ticker, or
    ``proxy``. Raises ``InputError`` when it names nothing the theme knows or
    a series without prices. None when nothing in the chain has prices.
    """
    have = set(prices["ticker"].unique().tolist()) if len(prices) else set()
    if requested is not None:
        if requested.strip().lower() == PROXY_CHOICE:
            try:
                return _proxy(theme, prices, None)
            except ThemelensError as exc:
                raise InputError(f"--benchmark proxy: {exc}") from exc
        found = theme.resolve(requested)
        ticker = found.ticker if found is not None else requested.strip().upper()
        if ticker not in have:
            raise InputError(f"--benchmark {requested}: no prices for {ticker} in this run")
        return prices, BenchmarkChoice(ticker, _name(theme, ticker), "chosen")
    chain = theme.benchmark_chain()
    index = chain[0] if chain else None
    if index is not None and index in have:
        return prices, BenchmarkChoice(index, _name(theme, index), "index")
    try:
        return _proxy(theme, prices, index)
    except ThemelensError:
        pass
    fallback = theme.pick_benchmark(have)
    if fallback is None:
        return prices, None
    note = f"no series for {index} and too few Hong Kong names for a proxy; relative figures use {_name(theme, fallback)}"
    return prices, BenchmarkChoice(fallback, _name(theme, fallback), "fallback", note)
