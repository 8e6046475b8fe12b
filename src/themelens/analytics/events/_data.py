"""Event-study inputs: per-ticker session returns, the benchmark on the stock's sessions, windows.

Alignment (the one rule every model uses): a stock's return on session
``d_t`` is ``c(d_t) / c(d_{t-1}) - 1`` with ``d_{t-1}`` the stock's own
previous session. The benchmark return paired with it covers the *same
interval*: ``B(d_t) / B(d_{t-1}) - 1`` with the benchmark's closes on exactly
those two dates. When the benchmark has no close on either date the pair is
missing: the day is dropped from the estimation window (so one missing
benchmark session drops the two stock returns that touch it), and a missing
pair inside the event window skips the event. Carrying a stale benchmark close
forward instead would put a zero benchmark return against a real stock move
and bias beta towards zero.

Everything is one concatenated array per quantity, ticker segments marked by
``starts``/``ends``, so windows for thousands of events are a single fancy
index (the shape the vectorised market model needs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.data.contracts import coerce_closes

__all__ = ["EventWindows", "ReturnPanel", "build_panel", "equal_weight_index", "gather"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ReturnPanel:
    """Returns of every ticker, concatenated in (ticker, date) order.

    ``days`` are session dates as integer days since 1970-01-01; ``ret`` the
    stock's simple return (NaN on a ticker's first row); ``bench`` the
    benchmark's return over the same interval (NaN where it has no close on
    either end, or when there is no benchmark); ``bench_gap`` marks those
    missing pairs (False everywhere without a benchmark).
    """

    tickers: tuple[str, ...]
    starts: Ints
    ends: Ints
    days: Ints
    ret: Floats
    bench: Floats
    bench_gap: Bools
    providers: tuple[str, ...]


def _prepare(prices: pd.DataFrame, tickers: set[str]) -> pd.DataFrame:
    frame = coerce_closes(prices, tickers)
    frame = frame.loc[frame["close"].to_numpy() > 0]
    # provider frames arrive sorted by (ticker, date) (validate_prices); sort only when not
    codes, names = pd.factorize(frame["ticker"])
    rank = np.argsort(np.argsort(np.asarray(names, dtype=object)))
    days = frame["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    key = rank[codes].astype(np.int64) * (1 << 20) + days
    if len(key) > 1 and not bool((np.diff(key) >= 0).all()):
        frame = frame.iloc[np.argsort(key, kind="stable")]
    frame = frame.reset_index(drop=True)
    dup = frame.duplicated(["ticker", "date"]).to_numpy()
    if dup.any():
        row = frame.iloc[int(np.argmax(dup))]
        raise ValueError(f"{row['ticker']}: duplicate row on {row['date']:%Y-%m-%d}")
    checked: pd.DataFrame = frame
    return checked


def _day_numbers(dates: pd.Series) -> Ints:
    out: Ints = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
    return out


def build_panel(
    prices: pd.DataFrame, tickers: set[str], benchmark: str | None
) -> tuple[ReturnPanel, bool]:
    """The return panel for ``tickers`` and whether the benchmark had any rows.

    Rows with a missing or non-positive close are dropped (a return through
    them is undefined); a duplicate ``(ticker, date)`` raises ``ValueError``.
    """
    wanted = set(tickers) | ({benchmark} if benchmark else set())
    frame = _prepare(prices, wanted)
    providers: tuple[str, ...] = ()
    if "provider" in frame.columns:
        providers = tuple(sorted(frame["provider"].dropna().astype(str).unique()))
    bench_rows = frame[frame["ticker"] == benchmark] if benchmark else frame.iloc[:0]
    frame = frame[frame["ticker"].isin(tickers)].reset_index(drop=True)
    codes, names = pd.factorize(frame["ticker"], sort=True)
    n = len(frame)
    counts = np.bincount(codes, minlength=len(names)).astype(np.int64)
    ends = np.cumsum(counts)
    starts = ends - counts
    days = _day_numbers(frame["date"])
    close = frame["close"].to_numpy(dtype=np.float64)
    first = np.zeros(n, dtype=bool)
    first[starts[counts > 0]] = True
    prev = np.roll(close, 1)
    ret = np.where(first, np.nan, close / prev - 1.0) if n else np.zeros(0)
    bench = np.full(n, np.nan)
    gap = np.zeros(n, dtype=bool)
    if benchmark and len(bench_rows):
        b_days = _day_numbers(bench_rows["date"])
        b_close = bench_rows["close"].to_numpy(dtype=np.float64)
        idx = np.minimum(np.searchsorted(b_days, days), len(b_days) - 1)
        on = np.where(b_days[idx] == days, b_close[idx], np.nan)
        before = np.roll(on, 1)
        bench = np.where(first, np.nan, on / before - 1.0)
        gap = ~first & ~np.isfinite(bench)
    panel = ReturnPanel(
        tickers=tuple(str(t) for t in names),
        starts=starts,
        ends=ends,
        days=days,
        ret=ret.astype(np.float64),
        bench=bench.astype(np.float64),
        bench_gap=gap,
        providers=providers,
    )
    return panel, bool(len(bench_rows))


@dataclass(frozen=True)
class EventWindows:
    """Estimation and event windows of E events gathered as (E, W) and (E, L) arrays.

    ``y_*`` stock returns, ``x_*`` benchmark returns, ``est_ok`` marks the
    estimation days usable by the model (inside the ticker's data, stock return
    present, benchmark return present when the model needs one);
    ``est_days``/``evt_days`` are the session dates (integer days, -1 outside
    the data); ``est_gaps`` counts estimation days lost to benchmark gaps.
    """

    y_est: Floats
    x_est: Floats
    est_ok: Bools
    est_days: Ints
    est_gaps: Ints
    y_evt: Floats
    x_evt: Floats
    evt_days: Ints


def gather(
    panel: ReturnPanel,
    pos: Ints,
    seg_start: Ints,
    est_offsets: Ints,
    evt_offsets: Ints,
    *,
    needs_benchmark: bool,
) -> EventWindows:
    """Fancy-index both windows of every event at once (``pos`` = event-session row)."""
    size = len(panel.ret)

    def take(offsets: Ints) -> tuple[Ints, Bools]:
        at = pos[:, None] + offsets[None, :]
        inside = (at >= seg_start[:, None]) & (at < size)
        return np.clip(at, 0, max(size - 1, 0)), inside

    est_at, est_in = take(est_offsets)
    evt_at, _ = take(evt_offsets)
    y_est = np.where(est_in, panel.ret[est_at], np.nan)
    x_est = np.where(est_in, panel.bench[est_at], np.nan)
    ok = est_in & np.isfinite(y_est)
    gaps = np.zeros(len(pos), dtype=np.int64)
    if needs_benchmark:
        gaps = (ok & panel.bench_gap[est_at]).sum(axis=1).astype(np.int64)
        ok &= np.isfinite(x_est)
    return EventWindows(
        y_est=y_est,
        x_est=x_est,
        est_ok=ok,
        est_days=np.where(est_in, panel.days[est_at], -1),
        est_gaps=gaps,
        y_evt=panel.ret[evt_at],
        x_evt=panel.bench[evt_at],
        evt_days=panel.days[evt_at],
    )


def equal_weight_index(
    prices: pd.DataFrame, members: list[str], *, name: str = "PROXY"
) -> pd.DataFrame:
    """An equal-weight, daily-rebalanced index of ``members`` as long price rows named ``name``.

    Each date's index return is the mean of the members' own close-to-close
    returns on that date (a member without a row that day is left out of the
    mean, and its next return spans both days); the level starts at 100.
    Returns the price-contract columns with ``open = high = low = close`` and
    ``provider = "derived"``.
    """
    frame = _prepare(prices, set(members))
    if frame.empty:
        raise ValueError("none of the proxy members has prices")
    frame["ret"] = frame.groupby("ticker", sort=False)["close"].pct_change()
    daily = frame.groupby("date", sort=True)["ret"].mean()
    level = 100.0 * (1.0 + daily.fillna(0.0)).cumprod()
    out = pd.DataFrame({"date": level.index, "ticker": name})
    for col in ("open", "high", "low", "close"):
        out[col] = level.to_numpy()
    out["volume"] = np.nan
    out["provider"] = "derived"
    out["source"] = f"equal-weight of {', '.join(sorted(set(frame['ticker'])))}"
    return out.reset_index(drop=True)
