"""The single-date form, :func:`measure_rally`: plain code over one ticker's rows.

Read it against the definitions in the package docstring
(:mod:`themelens.analytics.rally`); it does not use :func:`rally_panel`, so
the two can check each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from difflib import get_close_matches
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.analytics.rally._inputs import Closes, pct, prepare
from themelens.analytics.rally._result import (
    EXCESS_COLUMNS,
    HORIZONS,
    RALLY_COLUMNS,
    RallyProvenance,
    RallyResult,
)
from themelens.data.contracts import Failure, is_synthetic
from themelens.errors import AsofError, UnknownTickerError
from themelens.theme import exchange_for_ticker

__all__ = ["measure_rally"]

Floats = npt.NDArray[np.float64]
Dates = npt.NDArray[np.datetime64]


def _day(value: np.datetime64) -> pd.Timestamp:
    return pd.Timestamp(value)


def _resolve_position(
    dates: Dates, ticker: str, asof: date | None, exchange: str
) -> tuple[int, list[str]]:
    """The row answering for ``asof`` and the notes saying how it was chosen.

    A non-session resolves to the exchange's previous session; a session the
    data lacks falls back to the last row before it. Raises ``AsofError``
    when the ticker has no row on or before the resolved date.
    """
    if asof is None:
        return len(dates) - 1, []
    from themelens.data.calendar import resolve_session  # exchange calendars: only with --asof

    notes: list[str] = []
    outside: str | None = None
    try:
        resolution = resolve_session(exchange, asof)
        session = pd.Timestamp(resolution.session)
        if resolution.note:
            notes.append(resolution.note)
    except AsofError as exc:  # outside the calendar's years: the data's own rows decide
        session, outside = pd.Timestamp(asof).normalize(), str(exc)
    pos = int(np.searchsorted(dates, session.to_datetime64(), side="right")) - 1
    if pos < 0:
        raise AsofError(
            f"as-of {pd.Timestamp(asof):%Y-%m-%d} is before the first row "
            f"({_day(dates[0]):%Y-%m-%d})",
            ticker=ticker,
        )
    if outside is not None:
        notes.append(f"{outside}; using the last row on or before it, {_day(dates[pos]):%Y-%m-%d}")
    elif _day(dates[pos]) != session:
        notes.append(
            f"no {ticker} row for the {exchange} session {session:%Y-%m-%d}; "
            f"using the last row before it, {_day(dates[pos]):%Y-%m-%d}"
        )
    return pos, notes


def _weekly_streak(dates: Dates, closes: Floats) -> int:
    """Winning weeks ending with the last row's week, counted backwards one week at a time.

    Walks the rows from the last one back, starting a new week whenever the
    Monday before a row's date changes; a week's value is its last close.
    """
    streak = 0
    week: date | None = None
    later = None  # the value of the week after the one being read
    for i in range(len(closes) - 1, -1, -1):
        day = _day(dates[i]).date()
        monday = day - timedelta(days=day.weekday())
        if monday == week:
            continue
        week, value = monday, closes[i]
        if later is not None:
            if not later > value:
                break
            streak += 1
        later = value
    return streak


def _reference_positions(dates: Dates, pos: int) -> dict[str, int | None]:
    """Row positions the returns compare against: 1/5/21 rows back, previous year's last row."""
    refs: dict[str, int | None] = {
        h: pos - lag if pos >= lag else None for h, lag in HORIZONS.items()
    }
    years = pd.DatetimeIndex(dates[: pos + 1]).year
    prior_year = np.flatnonzero(years == years[pos] - 1)
    refs["ytd"] = int(prior_year[-1]) if len(prior_year) else None
    return refs


def _metrics_at(dates: Dates, closes: Floats, pos: int) -> dict[str, Any]:
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
    dates: Dates, closes: Floats, pos: int, bench: tuple[Dates, Floats]
) -> dict[str, Any]:
    """Ticker return minus benchmark return between the same two dates, per horizon."""
    b_dates, b_closes = bench

    def bench_close(day: np.datetime64) -> float | None:
        before = int(np.searchsorted(b_dates, day, side="right"))  # rows on or before ``day``
        return None if before == 0 else float(b_closes[before - 1])

    row: dict[str, Any] = {}
    b_now = bench_close(dates[pos])
    for h, ref in _reference_positions(dates, pos).items():
        b_then = None if ref is None else bench_close(dates[ref])
        if ref is None or b_now is None or b_then is None:
            row[f"excess_{h}_pp"] = None
        else:
            row[f"excess_{h}_pp"] = pct(closes[pos], closes[ref]) - pct(b_now, b_then)
    return row


def _pick_tickers(data: Closes, tickers: str | Sequence[str] | None) -> tuple[str, ...]:
    if tickers is None:
        return data.tickers
    wanted = [tickers] if isinstance(tickers, str) else list(tickers)
    return tuple(dict.fromkeys(wanted))


def _ticker_position(data: Closes, ticker: str) -> int:
    """The ticker's position (exact name, else upper-case), or ``UnknownTickerError``."""
    for name in (ticker, ticker.upper()):
        k = data.index(name)
        if k is not None:
            return k
    raise UnknownTickerError(
        ticker, suggestions=get_close_matches(ticker.upper(), list(data.tickers))
    )


def _measure_one(
    data: Closes,
    k: int,
    asof: date | None,
    exchange: str,
    bench: tuple[str, Dates, Floats] | None,
) -> dict[str, Any]:
    ticker = data.tickers[k]
    rows = slice(int(data.starts[k]), int(data.ends[k]))
    dates, closes = data.dates[rows], data.close[rows]
    pos, notes = _resolve_position(dates, ticker, asof, exchange)
    row: dict[str, Any] = {"ticker": ticker, **_metrics_at(dates, closes, pos)}
    row["requested_asof"] = asof
    row["note"] = "; ".join(notes) or None
    if bench is not None:
        row["benchmark"] = bench[0]
        row.update(_excess_at(dates, closes, pos, bench[1:]))
    row["provider"] = ", ".join(data.providers([k])) or None
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


def _provenance(data: Closes, positions: list[int]) -> RallyProvenance:
    if not positions:
        return RallyProvenance()
    first = min(_day(data.dates[data.starts[k]]) for k in positions).date()
    last = max(_day(data.dates[data.ends[k] - 1]) for k in positions).date()
    return RallyProvenance(tuple(data.providers(positions)), first, last)


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
    data = prepare(prices)
    wanted = _pick_tickers(data, tickers)
    bench = None
    if benchmark is not None:
        b_days, b_closes = data.benchmark(benchmark)
        bench = (benchmark, (b_days * 86_400_000_000_000).view("datetime64[ns]"), b_closes)
    records: list[dict[str, Any]] = []
    failures: list[Failure] = []
    measured: list[int] = []
    for ticker in wanted:
        try:
            k = _ticker_position(data, ticker)
            records.append(_measure_one(data, k, asof, exchange_of(ticker), bench))
            measured.append(k)
        except (AsofError, UnknownTickerError) as exc:
            if len(wanted) == 1:
                raise
            failures.append(Failure(ticker, str(exc)))
    warnings = tuple(f"{r['ticker']}: {r['note']}" for r in records if r["note"])
    return RallyResult(
        requested_asof=asof,
        benchmark=benchmark,
        rows=_rows_frame(records, benchmark),
        warnings=warnings,
        failures=tuple(failures),
        synthetic=is_synthetic(prices),
        provenance=_provenance(data, measured),
    )
