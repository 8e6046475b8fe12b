"""One ticker's tape as verify reads it: each session's bar and its rally metrics.

A verdict looks at the claimed session and, to say when a move really
happened, at the sessions around it; holding a ticker's rows in one
date-indexed frame makes both a position lookup instead of a search over
the whole price frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

from themelens.analytics.rally import rally_panel
from themelens.verify.result import SessionFigures

__all__ = ["Tape", "build_tapes"]


@dataclass(frozen=True)
class Tape:
    """A ticker's sessions in date order: ``bars`` (close, high, low) and ``panel`` (rally rows).

    Both frames share one ascending ``DatetimeIndex`` of sessions; ``source``
    says where the prices came from (a provider, or the equal-weight proxy).
    """

    ticker: str
    bars: pd.DataFrame
    panel: pd.DataFrame
    source: str

    @property
    def first(self) -> date:
        return pd.Timestamp(self.bars.index[0]).date()

    @property
    def last(self) -> date:
        return pd.Timestamp(self.bars.index[-1]).date()

    def position(self, day: date) -> int | None:
        """Row of session ``day`` (None when the data have no row that day)."""
        days = self._days
        wanted = np.datetime64(day, "D")
        pos = int(days.searchsorted(wanted))
        return pos if pos < len(days) and days[pos] == wanted else None

    @cached_property
    def _days(self) -> np.ndarray:
        return pd.DatetimeIndex(self.bars.index).to_numpy().astype("datetime64[D]")

    @cached_property
    def _sessions(self) -> list[date]:
        return [d.date() for d in pd.DatetimeIndex(self.bars.index)]

    def session(self, pos: int) -> date:
        return self._sessions[pos]

    @cached_property
    def _columns(self) -> dict[str, np.ndarray]:
        """Each numeric column as an array, read once: a verdict looks up a handful of cells."""
        out = {c: self.bars[c].to_numpy(dtype="float64") for c in self.bars.columns}
        for c in self.panel.columns:
            if c not in out and pd.api.types.is_numeric_dtype(self.panel[c]):
                out[c] = self.panel[c].to_numpy(dtype="float64", na_value=np.nan)
        return out

    def close(self, pos: int) -> float:
        return float(self._columns["close"][pos])

    def metric(self, column: str, pos: int) -> float:
        """A numeric rally metric (or bar column) at session ``pos``; NaN when unknown."""
        return float(self._columns[column][pos])

    def high_since(self, pos: int) -> pd.Timestamp | None:
        """The rally panel's ``high_since`` at ``pos`` (None at an all-time high in the data)."""
        value = self.panel["high_since"].to_numpy()[pos]
        return None if pd.isna(value) else pd.Timestamp(value)

    def day_move(self, pos: int) -> tuple[float, float, float]:
        """Close-to-close, low and high of session ``pos``, in % of the previous close (NaN unknown)."""
        prev = self.close(pos - 1) if pos > 0 else float("nan")
        if not prev > 0:
            return float("nan"), float("nan"), float("nan")
        return (
            (self.close(pos) / prev - 1) * 100,
            (self.metric("low", pos) / prev - 1) * 100,
            (self.metric("high", pos) / prev - 1) * 100,
        )

    def figures(self, pos: int) -> SessionFigures:
        """What a verdict row shows: the session, its close-to-close move and its range."""
        close, low, high = self.day_move(pos)
        return SessionFigures(
            session=self.session(pos),
            close_pct=_round(close),
            low_pct=_round(low),
            high_pct=_round(high),
        )

    def earlier_close_above(self, pos: int, level: float) -> pd.Timestamp | None:
        """The latest session before ``pos`` whose close beat ``level`` (None if none)."""
        closes = self._columns["close"][:pos]
        above = np.flatnonzero(closes > level)
        return None if above.size == 0 else pd.Timestamp(self.bars.index[above[-1]])


def _round(x: float) -> float | None:
    return round(x, 4) if np.isfinite(x) else None


def build_tapes(frame: pd.DataFrame) -> dict[str, Tape]:
    """Every ticker of the long price frame as a Tape (one rally pass, one groupby)."""
    if not len(frame):
        return {}
    panel = rally_panel(frame)
    panels = {t: g.set_index("asof") for t, g in panel.groupby("ticker", sort=False)}
    tapes: dict[str, Tape] = {}
    for ticker, group in frame.groupby("ticker", sort=False):
        bars = group.sort_values("date").drop_duplicates("date", keep="last").set_index("date")
        bars = bars[["close", "high", "low"]].astype("float64")
        source = str(group["provider"].iat[0]) if "provider" in group.columns else ""
        rally = panels[ticker].reindex(bars.index)
        tapes[str(ticker)] = Tape(str(ticker), bars, rally, source)
    return tapes
