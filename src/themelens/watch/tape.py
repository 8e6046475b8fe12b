"""The daily frame verify reads, completed from the stored intraday bars.

Verify checks a claim against daily bars (close, high, low). While a
session is open its daily bar is not yet known (Yahoo's "live" daily row is
a snapshot from whenever it was fetched), and the stored minute bars are the
best account of it, up to the time of the check. So, per ticker and
session with intraday bars:

* the session is still open at ``now``: its bar is built from the bars that
  started before ``now`` (open of the first, high and low over them, close
  of the last), replacing any daily row;
* the session has closed: the daily row is kept when it was fetched after
  the close (the official close, with the closing auction); otherwise the
  bar of the whole session's minute bars is used.

Daily rows after ``now``'s local date are dropped, so a replayed history
never shows the check a future it could not have known.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from themelens.data.calendar import exchange_for_ticker
from themelens.data.contracts import validate_prices
from themelens.data.intraday import EXCHANGE_TZ
from themelens.watch.sessions import session_bounds

__all__ = ["TAPE_DAILY", "complete_tape"]

TAPE_DAILY = "daily"


def complete_tape(
    daily: pd.DataFrame, bars: pd.DataFrame, *, now: datetime
) -> tuple[pd.DataFrame, dict[tuple[str, pd.Timestamp], str]]:
    """``daily`` (the stored price contract) with intraday sessions filled in as of ``now``.

    Returns the frame and, for each (ticker, session) whose bar came from the
    intraday bars, what it was read from: ``intraday to HH:MM UTC`` for a
    session still open, ``intraday`` for a whole closed session.
    """
    frame = _cut_future(daily, now)
    used: dict[tuple[str, pd.Timestamp], str] = {}
    if not len(bars):
        return frame, used
    seen = bars.loc[bars["ts"] < pd.Timestamp(now)]
    if not len(seen):
        return frame, used
    grouped = seen.sort_values("ts").groupby(["ticker", "session"], sort=True)
    agg = grouped.agg(
        open=("open", "first"),
        high=("high", "max"),
        low=("low", "min"),
        close=("close", "last"),
        volume=("volume", "sum"),
        last_ts=("ts", "max"),
        fetched_at=("fetched_at", "max"),
        source=("source", "last"),
    ).reset_index()
    replace: list[dict[str, object]] = []
    for row in agg.to_dict("records"):
        ticker, session = str(row["ticker"]), pd.Timestamp(row["session"])
        bounds = session_bounds(exchange_for_ticker(ticker), session.date())
        if bounds is None:
            continue
        live = now < bounds[1]
        held = frame.loc[(frame["ticker"] == ticker) & (frame["date"] == session)]
        fresh = bool(len(held)) and held["fetched_at"].max() >= pd.Timestamp(bounds[1])
        if not live and fresh:
            continue
        provider = str(held["provider"].iat[0]) if len(held) else _provider(frame, ticker)
        label = f"intraday to {now:%H:%M} UTC" if live else "intraday"
        used[(ticker, session)] = label
        replace.append(
            {
                "date": session, "ticker": ticker, "open": row["open"], "high": row["high"],
                "low": row["low"], "close": row["close"], "volume": row["volume"], "provider": provider,
                "source": f"{row['source']} ({label})", "fetched_at": row["fetched_at"],
            }
        )  # fmt: skip
    if not replace:
        return frame, used
    patch = pd.DataFrame(replace)
    keys = pd.MultiIndex.from_frame(patch[["ticker", "date"]])
    mine = pd.MultiIndex.from_frame(frame[["ticker", "date"]])
    kept = frame.loc[~mine.isin(keys)]
    parts = [p for p in (kept, patch) if len(p)]
    return validate_prices(pd.concat(parts, ignore_index=True)), used


def _cut_future(daily: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Rows up to each ticker's local date of ``now`` (a replay may hold later ones)."""
    if not len(daily):
        return daily
    stamp = pd.Timestamp(now).tz_localize("UTC")
    tickers = daily["ticker"].astype(str)
    zones = tickers.map(lambda t: EXCHANGE_TZ[exchange_for_ticker(t)])
    today = {z: stamp.tz_convert(z).tz_localize(None).normalize() for z in set(zones)}
    limit = pd.to_datetime(zones.map(today))
    out = daily.loc[daily["date"] <= limit]
    return out.reset_index(drop=True)


def _provider(frame: pd.DataFrame, ticker: str) -> str:
    rows = frame.loc[frame["ticker"] == ticker, "provider"]
    return str(rows.iat[0]) if len(rows) else "yahoo"
