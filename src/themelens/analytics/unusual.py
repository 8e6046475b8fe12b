"""What is unusual on the as-of day: moves rare in a name's own history, groups pulling apart.

A +5% day means little for a chip stock that moves 5% every other week and a
lot for a megacap that rarely moves 2%. So a move is ranked against the
name's own history: the share of its earlier sessions whose absolute daily
return was smaller. A move at or above the ``threshold_pct`` rank (99: larger
than on 99% of the name's sessions) is flagged. The same ranking applies to
the spread between two groups' equal-weight daily returns (leaders against
the supply chain): a spread at that rank is a divergence, whether or not the
groups moved in opposite directions.

Returns are close-to-close over each name's own sessions (a Hong Kong name's
return is not broken by a US holiday in the union calendar), the as-of
session included in the history it is ranked against; a name that did not
trade on the as-of session has no move to rank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from themelens.data.wide import wide_values

__all__ = ["GroupDivergence", "UnusualResult", "find_unusual"]

MIN_SESSIONS = 250
"""A name needs about a year of sessions before a rank of its moves means anything."""


@dataclass(frozen=True)
class GroupDivergence:
    """The spread between two groups' equal-weight returns on the as-of session, ranked."""

    first: str
    second: str
    first_pct: float
    second_pct: float
    rank_pct: float
    sessions: int
    since: date

    @property
    def spread_pct(self) -> float:
        """``first_pct - second_pct``, in percentage points."""
        return self.first_pct - self.second_pct

    @property
    def opposite(self) -> bool:
        """Whether the two groups moved in opposite directions."""
        return bool(np.sign(self.first_pct) * np.sign(self.second_pct) < 0)


@dataclass(frozen=True)
class UnusualResult:
    """Each name's as-of move ranked in its history, and the groups' spreads ranked.

    ``moves`` has one row per name that traded on the as-of session:
    ``ticker, return_1d_pct, rank_pct`` (share of the name's sessions with a
    smaller absolute return, %), ``sessions`` (returns ranked against) and
    ``since`` (the first of them), sorted by ``rank_pct`` descending.
    """

    asof: date
    moves: pd.DataFrame
    divergences: tuple[GroupDivergence, ...] = ()
    threshold_pct: float = 99.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def flagged_moves(self) -> pd.DataFrame:
        """The moves at or above the threshold rank."""
        return self.moves[self.moves["rank_pct"] >= self.threshold_pct].reset_index(drop=True)

    def flagged_divergences(self) -> tuple[GroupDivergence, ...]:
        """The group spreads at or above the threshold rank."""
        return tuple(d for d in self.divergences if d.rank_pct >= self.threshold_pct)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the as-of date, threshold, moves as records, divergences."""
        moves = self.moves.assign(since=self.moves["since"].map(lambda d: d.isoformat()))
        return {
            "asof": self.asof.isoformat(),
            "threshold_pct": self.threshold_pct,
            "moves": moves.to_dict(orient="records"),
            "divergences": [
                {
                    "first": d.first,
                    "second": d.second,
                    "first_pct": d.first_pct,
                    "second_pct": d.second_pct,
                    "spread_pct": d.spread_pct,
                    "rank_pct": d.rank_pct,
                    "sessions": d.sessions,
                    "since": d.since.isoformat(),
                    "opposite": d.opposite,
                }
                for d in self.divergences
            ],
            "notes": list(self.notes),
        }


def _rank(history: pd.DataFrame, last: pd.Series) -> pd.Series:
    """Per column: % of the column's values whose absolute value is below ``|last|``."""
    absolute = history.abs()
    below = absolute.lt(last.abs(), axis=1).sum()
    return 100.0 * below / absolute.notna().sum()


def find_unusual(
    prices: pd.DataFrame,
    tickers: Sequence[str],
    asof: date | None,
    groups: Mapping[str, str] | None = None,
    *,
    threshold_pct: float = 99.0,
) -> UnusualResult | None:
    """Rank the as-of session's moves of ``tickers`` and the spreads between ``groups``.

    Parameters
    ----------
    prices
        Long price frame (``date, ticker, close``), validated.
    tickers
        The names to rank (the theme's members).
    asof
        The session to rank (default: the latest in the frame); later rows are ignored.
    groups
        Ticker → group name (``leader``, ``supply-chain``, ``peer``); each pair
        of groups with members on the as-of session gets a ranked spread.

    Returns
    -------
    None when no name traded on the as-of session.
    """
    frame = prices.loc[prices["ticker"].isin(list(tickers)), ["date", "ticker", "close"]]
    if asof is not None:
        frame = frame[frame["date"] <= pd.Timestamp(asof)]
    if frame.empty:
        return None
    codes, _ = pd.factorize(frame["ticker"])
    when = frame["date"].to_numpy()
    # validated frames come sorted by (ticker, date): sort only when they are not
    ordered = len(frame) < 2 or bool(
        np.all((codes[1:] > codes[:-1]) | ((codes[1:] == codes[:-1]) & (when[1:] > when[:-1])))
    )
    if not ordered:
        frame = frame.sort_values(["ticker", "date"], kind="stable")
        codes, when = pd.factorize(frame["ticker"])[0], frame["date"].to_numpy()
    close = frame["close"].to_numpy(dtype=float)
    same = np.zeros(len(frame), dtype=bool)
    same[1:] = codes[1:] == codes[:-1]  # a return needs the same name's previous session
    previous = np.roll(close, 1)
    pct = np.where(same, 100.0 * (close / previous - 1.0), np.nan)
    wide = wide_values(
        pd.DataFrame({"date": when, "ticker": frame["ticker"].to_numpy(), "r": pct}), value="r"
    )
    if wide.empty:
        return None
    day = pd.Timestamp(wide.index[-1])
    last = wide.iloc[-1]
    present = wide.notna().to_numpy()
    counts = pd.Series(present.sum(axis=0), index=wide.columns)
    firsts = pd.Series(pd.DatetimeIndex(wide.index)[present.argmax(axis=0)], index=wide.columns)
    ok = last.notna() & (counts >= MIN_SESSIONS)
    ranks = _rank(wide.loc[:, ok], last[ok])
    moves = pd.DataFrame(
        {
            "ticker": ranks.index.astype(str),
            "return_1d_pct": last[ok].to_numpy(dtype=float),
            "rank_pct": ranks.to_numpy(dtype=float),
            "sessions": counts[ok].to_numpy(dtype=int),
            "since": [pd.Timestamp(d).date() for d in firsts[ok]],
        }
    ).sort_values(["rank_pct", "ticker"], ascending=[False, True], kind="stable")
    short = sorted(str(t) for t in last[last.notna() & ~ok].index)
    notes = (
        (f"not ranked (fewer than {MIN_SESSIONS} sessions of history): {', '.join(short)}",)
        if short
        else ()
    )
    divergences = _divergences(wide, groups or {}, threshold_pct)
    return UnusualResult(
        day.date(), moves.reset_index(drop=True), divergences, threshold_pct, notes
    )


def _divergences(
    wide: pd.DataFrame, groups: Mapping[str, str], threshold_pct: float
) -> tuple[GroupDivergence, ...]:
    """Ranked spreads between each pair of groups' equal-weight daily returns."""
    members: dict[str, list[str]] = {}
    for ticker, group in groups.items():
        if ticker in wide.columns:
            members.setdefault(group, []).append(ticker)
    means = pd.DataFrame({g: wide[cols].mean(axis=1, skipna=True) for g, cols in members.items()})
    out = []
    for first, second in combinations(members, 2):
        pair = means[[first, second]].dropna()
        if len(pair) < MIN_SESSIONS or pair.index[-1] != wide.index[-1]:
            continue
        spread = (pair[first] - pair[second]).to_frame("s")
        rank = float(_rank(spread, spread.iloc[-1]).iloc[0])
        out.append(
            GroupDivergence(
                first,
                second,
                float(pair[first].iloc[-1]),
                float(pair[second].iloc[-1]),
                rank,
                len(pair),
                pair.index[0].date(),
            )
        )
    return tuple(out)
