"""Rally metrics: how far and how fast a ticker has run, as of a date.

Two forms compute the same numbers. :func:`measure_rally` answers for one
as-of date and is written plainly, row by row, so it can be read against the
definitions below; :func:`rally_panel` computes every metric for every ticker
and every session in one vectorised pass (a report charting a rally, or a
claim checked at many dates, needs the whole panel). A property test holds
them to the same answers, which is why the single-date form does not slice
the panel.

Definitions (``c[k]`` is the k-th close of one ticker, sessions sorted by date;
all percentages are ``(a / b - 1) * 100``):

``close``
    The ticker's close at ``asof``: its last row on or before the as-of
    session (the ticker's own rows; other tickers' calendars do not matter).
``return_1d_pct``, ``return_1w_pct``, ``return_1m_pct``
    Close-to-close percent change against the ticker's own row 1, 5 and 21
    rows back (sessions, not calendar days). ``None`` when the ticker has
    fewer earlier rows than that.
``return_ytd_pct``
    Percent change against the last close of the previous calendar year.
    ``None`` when the ticker has no row in the previous year.
``high_since``
    The date of the latest *earlier* close strictly above this close: "the
    highest since ...". ``None`` when no earlier close is above it, i.e. at an
    all-time high in the data (a tie with the old high counts as a high).
``win_streak_weeks``
    Weeks run Monday to Sunday (in practice Monday–Friday sessions); only
    weeks with at least one row count, and a week's value is its last close.
    The count of consecutive weeks, ending with the week holding ``asof``,
    whose value beat (strictly) the previous week's value. The week holding
    ``asof`` takes ``asof``'s close as its value (its last close so far), so
    the metric never looks ahead. 0 when that week does not beat the week
    before it, or when it is the ticker's first week.
``drawdown_from_peak_pct``
    ``(1 - close / peak) * 100`` with ``peak`` the highest close up to and
    including ``asof``: 0 at a peak, and in ``[0, 100)`` for positive prices.
``excess_{1d,1w,1m,ytd}_pp``
    With a benchmark ticker: the ticker's return minus the benchmark's return
    between the same two calendar dates (the ticker's reference date and its
    as-of date), in percentage points. The benchmark's close at a date is its
    last close on or before that calendar date; ``None`` when it has none.

    Caveat: dates are session dates in each exchange's own time zone. A Hong
    Kong close on 2025-09-17 (16:00 HKT) is paired with a US benchmark's close
    of 2025-09-17 (16:00 New York), thirteen hours later, so a US benchmark
    can "know" news the Hong Kong close did not; an HK benchmark against a US
    ticker lags by the same amount. Prefer a benchmark from the same exchange.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from difflib import get_close_matches
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.analytics._rally_panel import (
    Floats,
    at,
    close_asof,
    group_starts,
    lag_reference,
    previous_greater,
    win_streaks,
    ytd_reference,
)
from themelens.analytics._rally_result import (
    EXCESS_COLUMNS,
    HORIZONS,
    RALLY_COLUMNS,
    RallyProvenance,
    RallyResult,
)
from themelens.data.calendar import exchange_for_ticker, resolve_session
from themelens.data.contracts import Failure, coerce_closes, is_synthetic
from themelens.errors import AsofError, UnknownTickerError

__all__ = [
    "EXCESS_COLUMNS",
    "HORIZONS",
    "RALLY_COLUMNS",
    "RallyProvenance",
    "RallyResult",
    "measure_rally",
    "rally_panel",
]


def _pct(now: Any, then: Any) -> Any:
    """Percent change; one formula for both forms so they agree to the last bit."""
    return (now / then - 1.0) * 100.0


def _prepare(prices: pd.DataFrame) -> pd.DataFrame:
    """Keep ``date, ticker, close`` (+ ``provider``), sorted by ticker then date.

    Rows without a close are dropped. Duplicate ``(ticker, date)`` rows and
    non-positive closes raise ``ValueError``: percent returns are undefined
    for them and guessing would hide a broken input.
    """
    frame = coerce_closes(prices)
    frame = frame.sort_values(["ticker", "date"], kind="mergesort").reset_index(drop=True)
    dup = frame.duplicated(["ticker", "date"]).to_numpy()
    bad = (frame["close"] <= 0).to_numpy()
    for mask, why in ((dup, "duplicate row"), (bad, "non-positive close")):
        if mask.any():
            row = frame.iloc[int(np.argmax(mask))]
            raise ValueError(f"{row['ticker']}: {why} on {row['date']:%Y-%m-%d}")
    return frame


def _benchmark_rows(frame: pd.DataFrame, benchmark: str) -> pd.DataFrame:
    """The benchmark's rows, or ``UnknownTickerError`` with close matches."""
    rows = frame[frame["ticker"] == benchmark]
    if rows.empty:
        known = sorted(frame["ticker"].unique())
        raise UnknownTickerError(
            benchmark, suggestions=get_close_matches(benchmark, known), what="benchmark ticker"
        )
    return rows


def rally_panel(prices: pd.DataFrame, *, benchmark: str | None = None) -> pd.DataFrame:
    """Every rally metric for every ticker at every session, in one vectorised pass.

    Parameters
    ----------
    prices
        Long price frame (``date``, ``ticker``, ``close`` are used).
    benchmark
        A ticker in ``prices``; adds ``benchmark`` and ``excess_*_pp`` columns.

    Returns
    -------
    DataFrame
        One row per (ticker, session), sorted by ticker then date, with
        :data:`RALLY_COLUMNS` (``asof`` is the session date; ``high_since``
        is NaT at an all-time high; returns NaN without enough history),
        then the benchmark columns when asked.

    Notes
    -----
    Definitions are in the module docstring. Every metric is an array
    operation over the sorted rows (group offsets mark ticker boundaries);
    ``high_since`` uses binary lifting on a sparse max table, the streak a
    run-length cumsum over weekly closes, the peak a grouped ``cummax``.
    """
    frame = _prepare(prices)
    codes_raw, _ = pd.factorize(frame["ticker"], sort=True)
    codes = codes_raw.astype(np.int64)
    dates = frame["date"].to_numpy()
    days = dates.astype("datetime64[D]").astype(np.int64)
    close = frame["close"].to_numpy(dtype=np.float64)
    starts = group_starts(codes)
    out = pd.DataFrame({"ticker": frame["ticker"].to_numpy(dtype=object), "asof": dates})
    out["close"] = close
    refs = {name: lag_reference(starts, lag) for name, lag in HORIZONS.items()}
    empty = np.zeros(0, dtype=np.int64)
    refs["ytd"] = ytd_reference(codes, days, starts) if len(frame) else empty
    higher = previous_greater(close, starts)
    streak = win_streaks(codes, days, close)
    returns = {h: _pct(close, at(close, ref)) for h, ref in refs.items()}
    for h in ("1d", "1w", "1m", "ytd"):
        out[f"return_{h}_pct"] = returns[h]
    high = pd.Series(dates[np.maximum(higher, 0)] if len(frame) else dates, dtype="datetime64[ns]")
    out["high_since"] = high.where(higher >= 0)
    out["win_streak_weeks"] = streak
    peak = pd.Series(close).groupby(codes).cummax().to_numpy()
    out["drawdown_from_peak_pct"] = (1.0 - close / peak) * 100.0
    if benchmark is not None:
        bench = _benchmark_rows(frame, benchmark)
        b_days = bench["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
        b_close = bench["close"].to_numpy(dtype=np.float64)
        b_now = close_asof(b_days, b_close, days)
        out["benchmark"] = benchmark
        for h, ref in refs.items():
            ref_days = np.where(ref >= 0, days[np.maximum(ref, 0)], np.iinfo(np.int64).min)
            b_then = close_asof(b_days, b_close, ref_days)
            out[f"excess_{h}_pp"] = returns[h] - _pct(b_now, b_then)
    return out


# --------------------------------------------------------------------------------------------
# The single-date form: plain code over one ticker's rows, read against the definitions.
# --------------------------------------------------------------------------------------------


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
        row[f"return_{h}_pct"] = None if ref is None else _pct(close, closes[ref])
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
            row[f"excess_{h}_pp"] = _pct(closes[pos], closes[ref]) - _pct(b_now, b_then)
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
    Computed plainly per ticker from the definitions in the module docstring,
    independently of :func:`rally_panel`, so the two can check each other.
    """
    frame = _prepare(prices)
    groups = {str(t): g for t, g in frame.groupby("ticker", sort=False)}
    wanted = _pick_tickers(frame, tickers)
    bench = None
    if benchmark is not None:
        b_rows = _benchmark_rows(frame, benchmark)
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
