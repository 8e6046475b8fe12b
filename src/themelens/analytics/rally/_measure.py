"""The single-date form, :func:`measure_rally`: plain code over one ticker's rows.

Read it against the definitions in the package docstring
(:mod:`themelens.analytics.rally`); it does not use :func:`rally_panel`, so
the two can check each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from difflib import get_close_matches
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.analytics.rally._inputs import benchmark_rows, pct, prepare
from themelens.analytics.rally._result import (
    EXCESS_COLUMNS,
    HORIZONS,
    RALLY_COLUMNS,
    RallyProvenance,
    RallyResult,
)
from themelens.data.calendar import exchange_for_ticker, resolve_session
from themelens.data.contracts import Failure, is_synthetic
from themelens.errors import AsofError, UnknownTickerError

__all__ = ["measure_rally"]

Floats = npt.NDArray[np.float64]


def _resolve_position(
    dates: pd.DatetimeIndex, ticker: str, asof: date | None, exchange: str
) -> tuple[int, list[str]]:
    """The row answering for ``asof`` and the notes saying how it was chosen.

    A non-session resolves to the exchange's previous session; a session the
    data lacks falls back to the last row before it. Raises ``AsofError``
    when the ticker has no row on or before the resolved date.
    """
    if asof is None:
        return len(dates) - 1, []
    notes: list[str] = []
    outside: str | None = None
    try:
        resolution = resolve_session(exchange, asof)
        session = pd.Timestamp(resolution.session)
        if resolution.note:
            notes.append(resolution.note)
    except AsofError as exc:  # outside the calendar's years: the data's own rows decide
        session, outside = pd.Timestamp(asof).normalize(), str(exc)
    pos = int(dates.searchsorted(session, side="right")) - 1
    if pos < 0:
        raise AsofError(
            f"as-of {pd.Timestamp(asof):%Y-%m-%d} is before the first row ({dates[0]:%Y-%m-%d})",
            ticker=ticker,
        )
    if outside is not None:
        notes.append(f"{outside}; using the last row on or before it, {dates[pos]:%Y-%m-%d}")
    elif dates[pos] != session:
        notes.append(
            f"no {ticker} row for the {exchange} session {session:%Y-%m-%d}; "
            f"using the last row before it, {dates[pos]:%Y-%m-%d}"
        )
    return pos, notes


def _weekly_streak(dates: pd.DatetimeIndex, closes: npt.NDArray[np.float64]) -> int:
    """Winning weeks ending with the last row's week, counted backwards one week at a time."""
    weekly = pd.Series(closes, index=dates).groupby(dates.to_period("W-SUN")).last()
    values = weekly.to_numpy()
    streak = 0
    for k in range(len(values) - 1, 0, -1):
        if not values[k] > values[k - 1]:
            break
        streak += 1
    return streak


def _reference_positions(dates: pd.DatetimeIndex, pos: int) -> dict[str, int | None]:
    """Row positions the returns compare against: 1/5/21 rows back, previous year's last row."""
    refs: dict[str, int | None] = {
        h: pos - lag if pos >= lag else None for h, lag in HORIZONS.items()
    }
    prior_year = np.flatnonzero(dates[: pos + 1].year == dates[pos].year - 1)
    refs["ytd"] = int(prior_year[-1]) if len(prior_year) else None
    return refs


def _metrics_at(dates: pd.DatetimeIndex, closes: Floats, pos: int) -> dict[str, Any]:
    """Every metric at row ``pos`` of one ticker, straight from the definitions."""
    close = closes[pos]
    row: dict[str, Any] = {"asof": dates[pos], "close": close}
    for h, ref in _reference_positions(dates, pos).items():
        row[f"return_{h}_pct"] = None if ref is None else pct(close, closes[ref])
    above = np.flatnonzero(closes[:pos] > close)
    row["high_since"] = dates[above[-1]] if len(above) else None
    row["win_streak_weeks"] = _weekly_streak(dates[: pos + 1], closes[: pos + 1])
    row["drawdown_from_peak_pct"] = (1.0 - close / closes[: pos + 1].max()) * 100.0
    return row


def _excess_at(
    dates: pd.DatetimeIndex, closes: Floats, pos: int, bench: pd.Series
) -> dict[str, Any]:
    """Ticker return minus benchmark return between the same two dates, per horizon."""

    def bench_close(day: pd.Timestamp) -> float | None:
        before = bench.loc[:day]
        return None if before.empty else float(before.iloc[-1])

    row: dict[str, Any] = {}
    b_now = bench_close(dates[pos])
    for h, ref in _reference_positions(dates, pos).items():
        b_then = None if ref is None else bench_close(dates[ref])
        if ref is None or b_now is None or b_then is None:
            row[f"excess_{h}_pp"] = None
        else:
            row[f"excess_{h}_pp"] = pct(closes[pos], closes[ref]) - pct(b_now, b_then)
    return row


def _pick_tickers(frame: pd.DataFrame, tickers: str | Sequence[str] | None) -> tuple[str, ...]:
    if tickers is None:
        return tuple(sorted(frame["ticker"].unique()))
    wanted = [tickers] if isinstance(tickers, str) else list(tickers)
    return tuple(dict.fromkeys(wanted))


def _ticker_rows(groups: dict[str, pd.DataFrame], ticker: str) -> pd.DataFrame:
    """The ticker's rows (exact name, else upper-case), or ``UnknownTickerError``."""
    for name in (ticker, ticker.upper()):
        if name in groups:
            return groups[name]
    raise UnknownTickerError(ticker, suggestions=get_close_matches(ticker.upper(), list(groups)))


def _measure_one(
    rows: pd.DataFrame, asof: date | None, exchange: str, bench: pd.Series | None
) -> dict[str, Any]:
    ticker = str(rows["ticker"].iloc[0])
    dates = pd.DatetimeIndex(rows["date"])
    closes = rows["close"].to_numpy(dtype=np.float64)
    pos, notes = _resolve_position(dates, ticker, asof, exchange)
    row: dict[str, Any] = {"ticker": ticker, **_metrics_at(dates, closes, pos)}
    row["requested_asof"] = asof
    row["note"] = "; ".join(notes) or None
    if bench is not None:
        row["benchmark"] = str(bench.name)
        row.update(_excess_at(dates, closes, pos, bench))
    has_provider = "provider" in rows.columns
    providers = sorted(rows["provider"].dropna().astype(str).unique()) if has_provider else []
    row["provider"] = ", ".join(providers) or None
    return row


def _rows_frame(records: list[dict[str, Any]], benchmark: str | None) -> pd.DataFrame:
    cols = [*RALLY_COLUMNS, "requested_asof", "note"]
    if benchmark is not None:
        cols += ["benchmark", *EXCESS_COLUMNS]
    cols.append("provider")
    rows = pd.DataFrame.from_records(records, columns=cols)
    for c in ("asof", "high_since"):
        rows[c] = pd.to_datetime(rows[c]).astype("datetime64[ns]")
    floats = ["close", *(c for c in cols if c.endswith(("_pct", "_pp")))]
    rows[floats] = rows[floats].astype("float64")
    rows["win_streak_weeks"] = rows["win_streak_weeks"].astype("int64")
    return rows


def _provenance(frame: pd.DataFrame, tickers: Sequence[str]) -> RallyProvenance:
    used = frame[frame["ticker"].isin(tickers)]
    if used.empty:
        return RallyProvenance()
    providers = sorted(used["provider"].dropna().astype(str).unique()) if "provider" in used else []
    first, last = used["date"].min().date(), used["date"].max().date()
    return RallyProvenance(tuple(providers), first, last)


def measure_rally(
    prices: pd.DataFrame,
    tickers: str | Sequence[str] | None = None,
    *,
    asof: date | None = None,
    benchmark: str | None = None,
    exchange_of: Callable[[str], str] = exchange_for_ticker,
) -> RallyResult:
    """Rally metrics for each ticker as of one date.

    Parameters
    ----------
    prices
        Long price frame (``date``, ``ticker``, ``close``; ``provider`` if known).
    tickers
        One ticker or several; ``None`` means every ticker in ``prices``.
    asof
        The date to answer for; ``None`` means each ticker's last row. A date
        that is not a session of the ticker's exchange resolves to the previous
        session, and a session missing from the data to the last row before
        it; both are said in the row's ``note`` and in ``warnings``.
    benchmark
        A ticker in ``prices`` to compute ``excess_*_pp`` against.
    exchange_of
        Maps a ticker to the exchange whose calendar resolves ``asof``.

    Returns
    -------
    RallyResult

    Raises
    ------
    AsofError, UnknownTickerError
        When one ticker is asked for and ``asof`` precedes its first row, or
        it is not in the data. With several tickers these become
        ``failures`` and the others are still measured. An unknown benchmark
        always raises.

    Notes
    -----
    Computed plainly per ticker from the definitions in the package docstring,
    independently of :func:`rally_panel`, so the two can check each other.
    """
    frame = prepare(prices)
    groups = {str(t): g for t, g in frame.groupby("ticker", sort=False)}
    wanted = _pick_tickers(frame, tickers)
    bench = None
    if benchmark is not None:
        b_rows = benchmark_rows(frame, benchmark)
        bench = pd.Series(b_rows["close"].to_numpy(), index=b_rows["date"], name=benchmark)
    records: list[dict[str, Any]] = []
    failures: list[Failure] = []
    for ticker in wanted:
        try:
            rows = _ticker_rows(groups, ticker)
            records.append(_measure_one(rows, asof, exchange_of(ticker), bench))
        except (AsofError, UnknownTickerError) as exc:
            if len(wanted) == 1:
                raise
            failures.append(Failure(ticker, str(exc)))
    warnings = tuple(f"{r['ticker']}: {r['note']}" for r in records if r["note"])
    measured = [r["ticker"] for r in records]
    return RallyResult(
        requested_asof=asof,
        benchmark=benchmark,
        rows=_rows_frame(records, benchmark),
        warnings=warnings,
        failures=tuple(failures),
        synthetic=is_synthetic(prices),
        provenance=_provenance(frame, measured),
    )
