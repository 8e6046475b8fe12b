"""From the long price frame to the return panel a basket backtest runs on.

The panel's calendar is the union of the members' sessions. A member's close
is carried forward over at most :data:`MAX_FILL` sessions (another exchange's
session, a one-off holiday), which gives it a zero return there; a longer gap
stays missing, so a suspended or delisted name is not mistaken for a flat
one. The benchmark is read as of each panel session (its last close on or
before that date), the alignment ``analytics.rally`` uses for excess returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.data.wide import wide_values
from themelens.errors import Failure, InputError, UnknownTickerError

__all__ = ["MAX_FILL", "Panel", "prepare_panel"]

MAX_FILL: Final = 5
"""Sessions a close may be carried forward before the name counts as missing."""

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Panel:
    """Daily simple returns of the members on one calendar, and the benchmark's.

    ``returns[t, i]`` is ticker ``i``'s return from session ``t-1`` to ``t``
    (NaN where it has no price); ``start`` is the index of the first session
    of the backtest, whose close is the starting point (earlier rows only
    feed the estimates). ``periods_per_year`` is sessions per calendar year
    over the backtest, the annualisation every metric uses.
    """

    dates: pd.DatetimeIndex
    tickers: tuple[str, ...]
    roles: tuple[str, ...]
    returns: Floats
    benchmark: str | None
    benchmark_returns: Floats | None
    start: int
    failures: tuple[Failure, ...] = ()
    warnings: tuple[str, ...] = ()
    synthetic: bool = False
    providers: tuple[str, ...] = ()

    @property
    def periods_per_year(self) -> float:
        """Sessions per year in the backtest window (365.25-day years)."""
        span = (self.dates[-1] - self.dates[self.start]).days
        n = len(self.dates) - 1 - self.start
        return 252.0 if span <= 0 or n <= 0 else n * 365.25 / span


def _wide(frame: pd.DataFrame, tickers: Sequence[str]) -> pd.DataFrame:
    return wide_values(frame, sorted(tickers))


def _returns(wide: pd.DataFrame) -> pd.DataFrame:
    """Close-to-close returns against the last real close; NaN once a gap passes ``MAX_FILL``.

    A session inside a short gap gets a zero return; a longer gap is NaN
    (the name is not tradable there), and the session that ends any gap
    carries the whole move since the last close, so a held name's jump over
    a suspension is never lost.
    """
    filled = wide.ffill()
    returns = filled.pct_change(fill_method=None)
    idx = np.arange(len(wide), dtype=np.float64)[:, None]
    last_real = pd.DataFrame(np.where(wide.notna(), idx, np.nan)).ffill().to_numpy()
    stale = (idx - last_real) > MAX_FILL
    return returns.mask(stale)


def prepare_panel(
    prices: pd.DataFrame,
    tickers: Sequence[str],
    *,
    benchmark: str | None = None,
    roles: Mapping[str, str] | None = None,
    start: date | None = None,
    end: date | None = None,
    warmup: int = 63,
) -> Panel:
    """Build the return panel for ``tickers`` from a long price frame.

    Parameters
    ----------
    prices
        Long frame (``date``, ``ticker``, ``close``; ``provider`` optional).
    tickers
        Basket members; those without a positive close become ``failures``.
    benchmark
        A ticker in ``prices`` to compare against.
    roles
        Ticker → role (``leader``...); missing ones are ``other``.
    start, end
        The backtest window. Without ``start`` it begins once ``warmup``
        sessions of history exist, so the first rebalance can hold something.
    warmup
        Sessions kept before a default start (use the spec's ``min_history``).

    Notes
    -----
    Rows after ``end`` are dropped before anything is computed, so nothing
    from beyond the window can leak into it; rows before ``start`` stay,
    because the estimates at the first rebalance need them.
    """
    roles = dict(roles or {})
    frame = prices.loc[:, [c for c in ("date", "ticker", "close", "provider") if c in prices]]
    frame = frame[np.isfinite(pd.to_numeric(frame["close"], errors="coerce"))]
    if end is not None:
        frame = frame[frame["date"] <= pd.Timestamp(end)]
    failures: list[Failure] = []
    members: list[str] = []
    # one pass over the frame for every ticker (a per-ticker filter is quadratic in tickers)
    lowest = pd.to_numeric(frame["close"]).groupby(frame["ticker"], sort=False).min()
    for t in dict.fromkeys(tickers):
        if t not in lowest.index:
            failures.append(Failure(t, "no prices in the window"))
        elif lowest[t] <= 0:
            failures.append(Failure(t, "non-positive close; left out"))
        else:
            members.append(t)
    if not members:
        raise InputError("basket: no member has prices; nothing to backtest")
    wide = _wide(frame, members)
    returns = _returns(wide).reindex(columns=members)
    dates = pd.DatetimeIndex(returns.index)
    bench_ret: Floats | None = None
    warnings: list[str] = []
    if benchmark is not None:
        b = frame[frame["ticker"] == benchmark]
        if b.empty:
            raise UnknownTickerError(benchmark, what="benchmark ticker (no prices)")
        series = b.set_index("date")["close"].sort_index()
        aligned = series.reindex(series.index.union(dates)).ffill().reindex(dates)
        bench_ret = aligned.pct_change(fill_method=None).to_numpy(dtype=np.float64)
    if start is not None:
        s = int(dates.searchsorted(pd.Timestamp(start)))
    else:
        have = np.isfinite(returns.to_numpy()).sum(axis=1) > 0
        first = int(np.argmax(have)) if have.any() else 0
        s = first + warmup
    if bench_ret is not None:
        # the backtest starts when the benchmark can be compared, too
        b_first = int(np.argmax(np.isfinite(bench_ret))) if np.isfinite(bench_ret).any() else None
        if b_first is None:
            raise InputError(f"benchmark {benchmark}: no returns on the basket's sessions")
        if b_first > s:
            warnings.append(
                f"backtest starts {dates[b_first - 1]:%Y-%m-%d}, when {benchmark} starts"
            )
            s = b_first - 1
    if s >= len(dates) - 2:
        raise InputError(
            "basket: too few sessions for a backtest "
            f"({len(dates)} sessions, start at session {s + 1})"
        )
    provs = (
        tuple(sorted(frame["provider"].dropna().astype(str).unique()))
        if "provider" in frame
        else ()
    )
    return Panel(
        dates=dates,
        tickers=tuple(members),
        roles=tuple(roles.get(t, "other") for t in members),
        returns=returns.to_numpy(dtype=np.float64),
        benchmark=benchmark,
        benchmark_returns=bench_ret,
        start=s,
        failures=tuple(failures),
        warnings=tuple(warnings),
        synthetic="demo" in provs,
        providers=provs,
    )
