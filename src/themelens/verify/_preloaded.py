"""Fundamentals a run already loaded, reused by verify instead of asked for again.

A report loads capex for the theme's members and P/E for its members and
benchmarks (the fundamentals section). Its fundamentals claims mostly point
at the same listings, and asking a live source twice in one run costs time
and rate limit. So the run hands what it loaded to verify as ``Preloaded``:
for the tickers it covers, verify takes those rows, failures and notes; only
tickers it does not cover are asked for, and the two answers are merged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import pandas as pd

from themelens.data.fundamentals import CapexStatements, FundamentalsSource, ValuationData

__all__ = ["Preloaded", "reuse"]

B = TypeVar("B", bound=CapexStatements | ValuationData)


@dataclass(frozen=True)
class Preloaded:
    """What ``source`` answered this run: capex and P/E, each for the tickers named.

    ``reported`` is True when the P/E are the theme's press figures (no
    source answered); those are not evidence, so they are never reused.
    """

    source: FundamentalsSource
    capex_tickers: frozenset[str]
    capex: CapexStatements
    valuation_tickers: frozenset[str]
    valuation: ValuationData
    reported: bool


def _subset(batch: B, tickers: Sequence[str]) -> B:
    wanted = set(tickers)
    return replace(
        batch,
        frame=batch.frame[batch.frame["ticker"].isin(wanted)].reset_index(drop=True),
        failures=tuple(f for f in batch.failures if f.item in wanted),
    )


def reuse(
    batch: B, covered: frozenset[str], tickers: Sequence[str], load: Callable[[list[str]], B]
) -> B:
    """``batch`` for the ``tickers`` it ``covered``, ``load`` for the rest, merged in one result."""
    have = [t for t in tickers if t in covered]
    rest = [t for t in tickers if t not in covered]
    if not rest:
        return _subset(batch, have)
    fresh = load(rest)
    if not have:
        return fresh
    old = _subset(batch, have)
    parts = [f for f in (old.frame, fresh.frame) if not f.empty]
    frame = pd.concat(parts, ignore_index=True) if parts else fresh.frame
    return replace(
        old,
        frame=frame,
        failures=(*old.failures, *fresh.failures),
        notes=tuple(dict.fromkeys((*old.notes, *fresh.notes))),
        synthetic=old.synthetic or fresh.synthetic,
        available=old.available or fresh.available,
    )
