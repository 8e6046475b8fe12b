"""The shapes data takes between providers, the cache and analytics.

Prices travel as one long frame (DESIGN.md, "Data contracts"): one row per
session per ticker, adjusted prices, a naive session ``date``, and the
provenance of every row, so a number in a report can be traced to who
supplied it and when.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.errors import Failure

if TYPE_CHECKING:
    from themelens.data.refresh import RefreshResult
    from themelens.summary import Summary

__all__ = [
    "BAR_TOLERANCE",
    "EARLIEST_SESSION",
    "MAX_PRICE",
    "PRICE_COLUMNS",
    "PROVENANCE_COLUMNS",
    "STORED_COLUMNS",
    "SYNTHETIC_LABEL",
    "TEXT_COLUMNS",
    "Failure",
    "PriceLoad",
    "TickerRuns",
    "bar_fault",
    "bar_problem",
    "coerce_closes",
    "concat_prices",
    "empty_prices",
    "is_synthetic",
    "latest_session",
    "text_category",
    "ticker_runs",
    "validate_prices",
]

PRICE_COLUMNS: Final = ("date", "ticker", "open", "high", "low", "close", "volume")
"""The price contract: ``date`` is the session date (naive ``datetime64``), prices adjusted."""

PROVENANCE_COLUMNS: Final = ("provider", "source", "fetched_at")
"""Who supplied a row (``yahoo``/``csv``/``demo``), from where (file or URL), and when (UTC, naive)."""

STORED_COLUMNS: Final = PRICE_COLUMNS + PROVENANCE_COLUMNS

TEXT_COLUMNS: Final = ("ticker", "provider", "source")
"""Held as ``category`` of ``str``, categories sorted: a handful of distinct values over
every row (one per ticker, provider, file), so a row costs a one-byte code, not a string."""

SYNTHETIC_LABEL: Final = "synthetic demo data"
"""The words every output built on the demo provider carries."""

_FLOAT_COLUMNS: Final = ("open", "high", "low", "close", "volume")

EARLIEST_SESSION: Final = date(1900, 1, 1)
"""No daily bar is older: Yahoo's oldest series (``^GSPC``) starts on 1927-12-30."""

MAX_PRICE: Final = 1e9
"""No price is higher, in any currency (BRK-A trades near 7e5 USD, the MERVAL near 3e6 ARS);
a larger one is a broken file, and one near 1e308 overflows every return built on it."""

BAR_TOLERANCE: Final = 0.10
"""How far (relative) open, close and low may stray outside a bar's high–low range before the
bar is rejected. Not float noise: Yahoo's own older Hong Kong bars break the order by up to
5% (``0981.HK`` on 2009-07-21 has high 4.1, low 4.3, close 4.3), and those must load."""


def empty_prices() -> pd.DataFrame:
    """A zero-row frame with the stored columns and their dtypes."""
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in STORED_COLUMNS})
    frame["date"] = pd.Series(dtype="datetime64[ns]")
    frame["fetched_at"] = pd.Series(dtype="datetime64[ns]")
    for c in TEXT_COLUMNS:
        frame[c] = text_category(pd.Series([], dtype="str"))
    return frame[list(STORED_COLUMNS)]


def text_category(values: pd.Series) -> pd.Series:
    """``values`` as the contract holds text: ``category``, its categories the sorted distinct
    values present (so two frames with the same values have the same dtype).

    A column already so is returned as it is; missing values stay missing.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories
        codes = values.cat.codes.to_numpy()
        used = np.zeros(len(categories), dtype=bool)
        used[codes[codes >= 0]] = True
        text = isinstance(categories.dtype, pd.StringDtype)
        if text and used.all() and categories.is_monotonic_increasing and not values.cat.ordered:
            return values
        values = values.cat.remove_unused_categories().cat.as_unordered()
        values = values.cat.reorder_categories(values.cat.categories.sort_values())
    else:
        values = values.astype("category")
    categories = values.cat.categories
    if not isinstance(categories.dtype, pd.StringDtype) and all(
        isinstance(c, str) for c in categories
    ):
        values = values.cat.set_categories(pd.Index(categories, dtype="str"))  # none yet: object
    return values


def concat_prices(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Stack price frames (rows in the given order), the text columns staying categories.

    ``pd.concat`` turns category columns whose categories differ (two providers,
    two batches of tickers) into plain text; here each becomes a category of the
    union of the frames' values, sorted, as ``validate_prices`` makes it.
    """
    if not frames:
        return empty_prices()
    shared = [
        c
        for c in TEXT_COLUMNS
        if all(c in f.columns and isinstance(f[c].dtype, pd.CategoricalDtype) for f in frames)
    ]
    union = {c: sorted(set().union(*(f[c].cat.categories for f in frames))) for c in shared}
    recoded = [
        f.assign(**{c: f[c].cat.set_categories(pd.Index(v, dtype="str")) for c, v in union.items()})
        for f in frames
    ]
    return pd.concat(recoded, ignore_index=True)


def validate_prices(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` coerced to the price contract, or raise ``ValueError`` saying why.

    Coerces dtypes (``date``/``fetched_at`` naive ``datetime64[ns]``, prices
    and volume ``float64``, the text columns ``ticker``, ``provider`` and
    ``source`` ``category`` as ``text_category`` makes them), drops rows
    without a close, sorts by ``(ticker, date)`` and checks that key is unique.
    Provenance columns are kept when present. This is the one place the
    contract is enforced, so every provider and the store agree on it.
    Columns already of their contract dtype are not converted again.
    """
    missing = [c for c in PRICE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"price frame lacks columns {missing}")
    cols = [c for c in STORED_COLUMNS if c in frame.columns]
    out = frame.loc[:, cols]  # copy-on-write: the caller's frame is never changed
    out["date"] = _session_dates(out["date"])
    for c in _FLOAT_COLUMNS:
        if out[c].dtype != np.float64:
            out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    for c in TEXT_COLUMNS:
        if c in out.columns:
            out[c] = text_category(out[c])
    if "fetched_at" in out.columns and out["fetched_at"].dtype != np.dtype("datetime64[ns]"):
        out["fetched_at"] = pd.to_datetime(out["fetched_at"]).astype("datetime64[ns]")
    finite = np.isfinite(out["close"].to_numpy())
    out = out.reset_index(drop=True) if finite.all() else out.loc[finite].reset_index(drop=True)
    if ticker_runs(out) is not None:  # already in order (one file or provider batch per ticker)
        ordered: pd.DataFrame = out
        return ordered
    out = out.sort_values(["ticker", "date"], kind="mergesort").reset_index(drop=True)
    dup = out.duplicated(["ticker", "date"])
    if dup.any():
        first = out.iloc[int(np.argmax(dup.to_numpy()))]
        raise ValueError(f"duplicate row for {first['ticker']} on {first['date']:%Y-%m-%d}")
    checked: pd.DataFrame = out
    return checked


def _session_dates(values: pd.Series) -> pd.Series:
    """Naive ``datetime64[ns]`` at midnight; a column already so is returned as it is."""
    if values.dtype == np.dtype("datetime64[ns]"):
        ns = values.to_numpy().view(np.int64)
        if not (ns % _NS_PER_DAY).any():
            return values
    dates = pd.to_datetime(values)
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    return dates.dt.normalize().astype("datetime64[ns]")


@dataclass(frozen=True)
class TickerRuns:
    """Where each ticker's rows sit in a frame in the contract's order.

    Rows ``starts[k]:ends[k]`` are ``tickers[k]``'s, dates strictly increasing;
    ``tickers`` are sorted and distinct. See :func:`ticker_runs`.
    """

    tickers: tuple[str, ...]
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]


_NS_PER_DAY: Final = 86_400_000_000_000


def ticker_runs(frame: pd.DataFrame) -> TickerRuns | None:
    """The frame's ticker runs when its rows are in the contract's order, else ``None``.

    The contract's order is what ``validate_prices`` leaves: sorted by
    ``(ticker, date)`` with no repeated pair, ``date`` naive ``datetime64[ns]``
    at midnight, ``ticker`` text, ``close`` ``float64``. Analytics call this
    instead of sorting and de-duplicating again: it proves the order in one
    O(n) pass (one comparison of neighbouring tickers, one of neighbouring
    dates), without copying or sorting, so it holds whatever happened to the
    frame since it was validated. A flag in ``frame.attrs`` could not: pandas
    carries ``attrs`` through ``sort_values``, filters and edits that break it.
    Closes are not checked (finite, positive): that is each consumer's rule.
    """
    if not {"date", "ticker", "close"} <= set(frame.columns):
        return None
    if frame["date"].dtype != np.dtype("datetime64[ns]") or frame["close"].dtype != np.float64:
        return None
    n = len(frame)
    if n == 0:
        none = np.zeros(0, dtype=np.int64)
        return TickerRuns((), none, none)
    column = frame["ticker"]
    if isinstance(column.dtype, pd.CategoricalDtype):  # compare the codes, not the strings
        codes = column.cat.codes.to_numpy()
        names = column.cat.categories.to_numpy(dtype=object)
        if (codes < 0).any():
            return None
    else:
        codes = column.to_numpy(dtype=object)
        names = None
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(codes[1:], codes[:-1], out=new[1:])
    starts = np.flatnonzero(new).astype(np.int64)
    tickers = tuple(codes[starts] if names is None else names[codes[starts]])
    texts = all(isinstance(t, str) for t in tickers)
    if not (texts and all(a < b for a, b in pairwise(tickers))):
        return None
    ns = frame["date"].to_numpy().view(np.int64)
    rising = np.empty(n, dtype=bool)
    rising[0] = True
    np.greater(ns[1:], ns[:-1], out=rising[1:])
    rising[starts] = True  # a new ticker may start on any date
    no_nat = bool((ns[starts] != np.iinfo(np.int64).min).all())  # NaT sorts first
    if not (no_nat and rising.all() and not (ns % _NS_PER_DAY).any()):
        return None
    ends = np.append(starts[1:], n).astype(np.int64)
    return TickerRuns(tickers, starts, ends)


def latest_session(today: date | None = None) -> date:
    """The latest date a bar (or an as-of date) may carry: a year past ``today``."""
    return (today if today is not None else date.today()) + timedelta(days=366)


def bar_fault(
    dates: np.ndarray, bars: Mapping[str, np.ndarray], *, today: date | None = None
) -> tuple[int, str] | None:
    """The position of the first bar that breaks a rule, and the rule in words; ``None`` if all pass.

    Parameters
    ----------
    dates
        Session dates, any ``datetime64`` unit (``NaT`` is skipped: missing dates are the
        reader's business).
    bars
        Float arrays by column; any of ``open, high, low, close, volume`` may be absent, and a
        NaN cell is missing, not wrong.
    today
        Where "a year from now" counts from (default: the real today).

    Notes
    -----
    The rules, checked per bar in this order: the date lies in
    ``EARLIEST_SESSION``..``latest_session()``; each price is finite, positive and at most
    ``MAX_PRICE``; volume is finite and not negative; ``low <= high`` and ``low <= open,
    close <= high``, each within ``BAR_TOLERANCE``. Duplicate sessions are left to the
    caller, which knows whether a repeat is an error (a file) or a live bar (Yahoo).
    """
    days = np.asarray(dates).astype("datetime64[D]")
    first = np.datetime64(EARLIEST_SESSION, "D")
    last = np.datetime64(latest_session(today), "D")
    outside = ~np.isnat(days) & ((days < first) | (days > last))
    rules: list[_Rule] = [(outside, lambda i: f"date {days[i]} is outside {first}..{last}")]
    with np.errstate(all="ignore"):  # NaN and 1e308 * 1.1 are fine to compare, not to warn about
        for column in _FLOAT_COLUMNS:
            if column in bars:
                rules += _value_rules(column, np.asarray(bars[column], dtype="float64"))
        rules += _order_rules(bars)
    bad = np.logical_or.reduce([mask for mask, _ in rules])
    if not bad.any():
        return None
    at = int(np.argmax(bad))
    said = next(say for mask, say in rules if mask[at])
    return at, said(at)


_Rule = tuple[np.ndarray, Callable[[int], str]]
"""Which bars break a rule, and what to say about bar ``i`` if it does."""


def _value_rules(column: str, values: np.ndarray) -> list[_Rule]:
    def said(what: str) -> Callable[[int], str]:
        return lambda i: f"{column} {float(values[i])!r} is {what}"

    if column == "volume":
        return [(np.isinf(values), said("not finite")), (values < 0, said("negative"))]
    return [
        (np.isinf(values), said("not finite")),
        (values <= 0, said("not positive")),
        (values > MAX_PRICE, lambda i: f"{column} {float(values[i]):g} is above {MAX_PRICE:g}"),
    ]


def _order_rules(bars: Mapping[str, np.ndarray]) -> list[_Rule]:
    """``low <= high`` and ``low <= open, close <= high``, each within ``BAR_TOLERANCE``."""

    def said(column: str, values: np.ndarray, relation: str, bound: np.ndarray) -> Callable[[int], str]:  # fmt: skip
        return lambda i: f"{column} {float(values[i])!r} is {relation} {float(bound[i])!r}"

    slack = 1.0 + BAR_TOLERANCE
    high, low = (np.asarray(bars[c], dtype="float64") if c in bars else None for c in ("high", "low"))  # fmt: skip
    rules: list[_Rule] = []
    if high is not None and low is not None:
        rules.append((low > high * slack, said("high", high, "below low", low)))
    for column in ("open", "close"):
        if column in bars:
            values = np.asarray(bars[column], dtype="float64")
            if high is not None:
                rules.append((values > high * slack, said(column, values, "above high", high)))
            if low is not None:
                rules.append((values * slack < low, said(column, values, "below low", low)))
    return rules


def bar_problem(
    frame: pd.DataFrame,
    *,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> str | None:
    """What is wrong with the first bad bar of a ``date, open, …, volume`` frame, or ``None``.

    The remote providers' check (a CSV reader names the row instead): ``"2009-07-21:
    high 4.1 is below low 4.3"``. ``date`` may be text (``YYYY-MM-DD…``) or datetimes;
    a date that cannot be read is itself the problem. Only bars dated ``start``..``end``
    are judged: a source sending its whole history should not fail a recent range for
    a bar decades before it.
    """
    if frame.empty or "date" not in frame.columns:
        return None
    raw = frame["date"]
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        dates = pd.to_datetime(raw)
        if isinstance(dates.dtype, pd.DatetimeTZDtype):
            dates = dates.dt.tz_localize(None)
    else:
        dates = pd.to_datetime(raw.astype("string").str.slice(0, 10), format="%Y-%m-%d", errors="coerce")  # fmt: skip
        unread = (dates.isna() & raw.notna()).to_numpy()
        if unread.any():
            return f"date {str(raw.iloc[int(np.argmax(unread))])!r} is not a date"
    bars = {
        c: pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        for c in _FLOAT_COLUMNS
        if c in frame.columns
    }
    days = dates.to_numpy().astype("datetime64[D]")
    keep = np.ones(len(days), dtype=bool)
    if start is not None:
        keep &= days >= np.datetime64(start, "D")
    if end is not None:
        keep &= days <= np.datetime64(end, "D")
    found = bar_fault(days[keep], {c: v[keep] for c, v in bars.items()}, today=today)
    if found is None:
        return None
    at, rule = found
    return rule if rule.startswith("date ") else f"{days[keep][at]}: {rule}"


def coerce_closes(prices: pd.DataFrame, tickers: set[str] | None = None) -> pd.DataFrame:
    """``date, ticker, close`` (+ ``provider``) coerced, for analytics that need only closes.

    The looser sibling of ``validate_prices``: open/high/low/volume may be
    absent. Dates become naive normalised ``datetime64[ns]``, tickers ``str``,
    closes ``float64``; rows without a finite close are dropped; ``tickers``
    keeps only those. Order and duplicates are left to the caller, whose rules
    differ. Raises ``ValueError`` when a needed column is missing.
    """
    missing = [c for c in ("date", "ticker", "close") if c not in prices.columns]
    if missing:
        raise ValueError(f"price frame lacks columns {missing}")
    cols = [c for c in ("date", "ticker", "close", "provider") if c in prices.columns]
    rows = prices["ticker"].isin(tickers) if tickers is not None else slice(None)
    frame: pd.DataFrame = prices.loc[rows, cols].copy()
    dates = pd.to_datetime(frame["date"])
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    frame["date"] = dates.dt.normalize().astype("datetime64[ns]")
    frame["ticker"] = frame["ticker"].astype(str)
    frame["close"] = pd.to_numeric(frame["close"], errors="coerce").astype("float64")
    kept: pd.DataFrame = frame.loc[np.isfinite(frame["close"].to_numpy())]
    return kept


def is_synthetic(frame: pd.DataFrame) -> bool:
    """True when any row of ``frame`` came from the synthetic demo provider."""
    return "provider" in frame.columns and bool((frame["provider"] == "demo").any())


@dataclass(frozen=True)
class PriceLoad:
    """Prices loaded for some tickers: the one shape every price loader returns.

    A provider's fetch, a read through the cache and a routed load all answer
    with this, so a caller reads ``frame``, ``failures`` and ``warnings`` the
    same way whichever source (or route) answered, and never unpacks a tuple
    whose order it has to remember.

    ``frame`` is the long price contract (possibly empty); ``failures`` the
    tickers that got no rows, one reason each; ``warnings`` what the user
    should still hear about (offline, cached data used); ``provider`` who
    answered (``auto`` for routes); ``refresh`` the cache refresh that ran
    to answer, if any.
    """

    frame: pd.DataFrame
    failures: tuple[Failure, ...] = ()
    warnings: tuple[str, ...] = ()
    provider: str = ""
    refresh: RefreshResult | None = None

    @property
    def tickers(self) -> tuple[str, ...]:
        """Tickers with at least one row, sorted."""
        return tuple(sorted(self.frame["ticker"].unique()))

    def to_frame(self) -> pd.DataFrame:
        """A copy of the long price frame (``STORED_COLUMNS`` or fewer provenance columns)."""
        return self.frame.copy()

    def summary(self) -> Summary:
        """Sessions and date span per ticker; failures and warnings as notes."""
        from themelens.summary import Summary  # summary imports this module

        spans = self.frame.groupby("ticker")["date"].agg(["count", "min", "max"])
        table = pd.DataFrame(
            {
                "ticker": [str(t) for t in spans.index],
                "sessions": [int(n) for n in spans["count"]],
                "first": list(spans["min"]),
                "last": list(spans["max"]),
            }
        )
        notes = (*(f"failed: {f}" for f in self.failures), *self.warnings)
        title = f"Prices from {self.provider}" if self.provider else "Prices"
        return Summary(title, table, notes, synthetic=is_synthetic(self.frame))
