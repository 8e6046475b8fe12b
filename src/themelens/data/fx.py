"""Money in other currencies, in US dollars, with the source of every rate named.

Two sources answer a rate, and every conversion says which one did:

- ``yahoo``: Yahoo Finance's ``<CCY>=X`` series (units of the currency per
  USD) through the same fetch seam as the price provider
  (``themelens.data.providers.yahoo.yfinance_fetch``); a day's rate is the
  last close on or before that day, a month's (or year's) the mean close.
- ``reference``: a built-in table of approximate *monthly* reference rates
  (``fx_reference.csv``, 2023-01..2026-12, CNY, HKD, EUR, JPY, GBP),
  labelled "built-in monthly reference rate (approximate)" wherever used.
  Months after the last estimate repeat it and say so ("carried forward").

``FxConverter(source="auto")`` asks Yahoo first and falls back to the table
when Yahoo is offline, rate-limiting or has no rows (the label then says
why); ``source="reference"`` never touches the network. An unknown currency
is an ``UnknownCurrencyError``, never a silent zero.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from statistics import fmean
from types import MappingProxyType
from typing import Final, Literal

import pandas as pd

from themelens.data.deadline import DeadlineExpired, current_deadline
from themelens.data.providers.yahoo import FetchFn, classify_error, yfinance_fetch
from themelens.errors import (
    AsofError,
    EmptyDataError,
    InputError,
    OfflineError,
    RateLimitedError,
)

__all__ = [
    "FX_SOURCES",
    "REFERENCE_LABEL",
    "Conversion",
    "FxConverter",
    "FxRate",
    "FxSource",
    "RateTable",
    "ReferenceTable",
    "UnknownCurrencyError",
    "fx_source_for",
    "reference_table",
    "to_usd",
    "yahoo_fx_ticker",
]

log = logging.getLogger(__name__)

FxSource = Literal["auto", "yahoo", "reference"]
REFERENCE_LABEL: Final = "built-in monthly reference rate (approximate)"

FX_SOURCES: Final[Mapping[str, FxSource]] = MappingProxyType(
    {"yahoo": "auto", "akshare": "auto", "auto": "auto", "csv": "reference", "demo": "reference"}
)
"""Where a run's FX rates come from, by the price provider's name (``auto`` for routes):
the providers that reach the network take Yahoo's rates (falling back to the reference
table), the local ones the table alone, so an offline run never asks the network for FX."""


def fx_source_for(provider: str) -> FxSource:
    """The FX source for prices from ``provider`` (``FX_SOURCES``); an unregistered provider
    (a plugin) gets the reference table: it never reaches the network unless registered to."""
    return FX_SOURCES.get(provider, "reference")


_CODE_RE: Final = re.compile(r"^[A-Z]{3}$")
_PERIOD_RE: Final = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?|H([12])|Q([1-4]))?$")
_LOOKBACK_DAYS: Final = 7  # a day's rate: the last close within a week before it


class UnknownCurrencyError(InputError):
    """A currency no source can convert to USD (names the code and the known ones)."""

    def __init__(self, currency: str, *, known: tuple[str, ...] = ()):
        self.currency = currency
        self.known = known
        hint = f" (known: {', '.join(known)})" if known else ""
        super().__init__(f"{currency}: no USD rate for this currency{hint}")


@dataclass(frozen=True)
class FxRate:
    """One rate: one unit of ``currency`` is worth ``usd_per_unit`` US dollars.

    ``period`` is what the rate stands for (``2025-09-24``, ``2025-09``,
    ``2025``, ``2024H1``); ``source`` is ``yahoo``, ``reference`` or
    ``identity`` (USD itself); ``label`` says all of it in one line.
    """

    currency: str
    period: str
    usd_per_unit: float
    source: Literal["yahoo", "reference", "identity"]
    label: str

    @property
    def units_per_usd(self) -> float:
        """The rate as FX desks quote it for CNY and HKD (``7.12`` yuan per dollar)."""
        return 1.0 / self.usd_per_unit


@dataclass(frozen=True)
class Conversion:
    """``usd`` = the amount times ``rate.usd_per_unit``; ``source_label`` is ``rate.label``."""

    usd: float
    rate: FxRate
    source_label: str


@dataclass(frozen=True)
class _Period:
    text: str  # as given, normalised ("2025-09")
    start: date
    end: date  # inclusive
    day: bool  # a single day (use the last close) rather than a range (use the mean)

    def months(self) -> list[str]:
        out, cur = [], self.start.replace(day=1)
        while cur <= self.end:
            out.append(f"{cur:%Y-%m}")
            cur = (cur + timedelta(days=32)).replace(day=1)
        return out


def _parse_period(when: date | str) -> _Period:
    if isinstance(when, date):
        return _Period(when.isoformat(), when, when, True)
    match = _PERIOD_RE.match(when.strip())
    if match is None:
        raise InputError(
            f"{when!r}: not a date or period (YYYY-MM-DD, YYYY-MM, YYYY, 2024H1, 2025Q2)"
        )
    year, month, day, half, quarter = match.groups()
    y = int(year)
    try:
        if day is not None:
            d = date(y, int(month), int(day))
            return _Period(d.isoformat(), d, d, True)
        if month is not None:
            first = date(y, int(month), 1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            return _Period(f"{first:%Y-%m}", first, last, False)
    except ValueError:
        raise InputError(f"{when!r}: not a valid date") from None
    first_month, months = (1, 12)
    if half is not None:
        first_month, months = (1 + 6 * (int(half) - 1), 6)
    elif quarter is not None:
        first_month, months = (1 + 3 * (int(quarter) - 1), 3)
    first = date(y, first_month, 1)
    end_month = date(y + (first_month + months - 1) // 12, (first_month + months - 1) % 12 + 1, 1)
    return _Period(match.group(0), first, end_month - timedelta(days=1), False)


class ReferenceTable:
    """The built-in monthly reference rates: ``{(month, currency): (units_per_usd, basis)}``."""

    def __init__(self, rows: Mapping[tuple[str, str], tuple[float, str]]):
        self._rows = dict(rows)
        self.currencies: tuple[str, ...] = tuple(sorted({c for _, c in self._rows}))
        months = sorted({m for m, _ in self._rows})
        self.first_month, self.last_month = months[0], months[-1]

    def latest_estimate(self, currency: str) -> str:
        """The last month of ``currency`` that is an estimate, not carried forward."""
        return max(
            m for (m, c), (_, b) in self._rows.items() if c == currency and b != "carried forward"
        )

    def rate(self, currency: str, when: date | str | None = None) -> FxRate:
        """The reference rate for a day (its month), month, half, quarter or year (mean of months).

        Raises ``UnknownCurrencyError`` for a currency the table lacks and
        ``AsofError`` for a period outside 2023-01..2026-12. USD is itself.
        """
        if currency == "USD":
            said = _parse_period(when).text if when is not None else "latest"
            return FxRate("USD", said, 1.0, "identity", "USD (no conversion)")
        if currency not in self.currencies:
            raise UnknownCurrencyError(currency, known=("USD", *self.currencies))
        period = _parse_period(when if when is not None else self.latest_estimate(currency))
        months = period.months()
        missing = [m for m in months if (m, currency) not in self._rows]
        if missing:
            raise AsofError(
                f"no {REFERENCE_LABEL} for {period.text} (the table covers"
                f" {self.first_month}..{self.last_month})",
                ticker=currency,
            )
        units = [self._rows[m, currency][0] for m in months]
        carried = [m for m in months if self._rows[m, currency][1] == "carried forward"]
        mean = fmean(units)
        span = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]} mean"
        label = f"{REFERENCE_LABEL}: {currency} {span} {mean:.4g} per USD"
        if carried:
            label += f" (carried forward from {self.latest_estimate(currency)})"
        return FxRate(currency, period.text, 1.0 / mean, "reference", label)


@cache
def reference_table() -> ReferenceTable:
    """The table shipped in ``themelens/data/fx_reference.csv`` (read once)."""
    text = resources.files("themelens.data").joinpath("fx_reference.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    rows = {
        (r["month"], r["currency"]): (float(r["units_per_usd"]), r["basis"])
        for r in csv.DictReader(lines)
    }
    return ReferenceTable(rows)


def yahoo_fx_ticker(currency: str) -> str:
    """Yahoo's symbol for units of ``currency`` per USD (``CNY=X``, ``HKD=X``, ``EUR=X``)."""
    return f"{currency}=X"


def _check_code(currency: str) -> str:
    code = currency.strip().upper()
    if not _CODE_RE.match(code):
        raise InputError(f"{currency!r}: not an ISO 4217 currency code (e.g. CNY, HKD)")
    return code


@dataclass(frozen=True)
class RateTable:
    """Rates already looked up, ``(currency, period) → FxRate``; reading one never does I/O.

    Made by :meth:`FxConverter.table` for what an analytics step says it needs;
    a pair that could not be had raises ``InputError`` with the reason the
    lookup gave, as the converter would have.
    """

    rates: Mapping[tuple[str, str], FxRate]
    missing: Mapping[tuple[str, str], str]

    def rate(self, currency: str, when: date | str | None = None) -> FxRate:
        code = currency.upper()
        period = when.isoformat() if isinstance(when, date) else (when or "latest")
        if code == "USD":
            return FxRate("USD", period, 1.0, "identity", "USD (no conversion)")
        found = self.rates.get((code, period))
        if found is not None:
            return found
        raise InputError(
            self.missing.get((code, period), f"no {code} rate for {period} was looked up")
        )


class FxConverter:
    """Converts amounts to USD, remembering each rate it looked up.

    Parameters
    ----------
    source
        ``auto`` (Yahoo, falling back to the reference table), ``yahoo``
        (Yahoo only; its errors propagate) or ``reference`` (no network).
    fetch
        The Yahoo fetch seam ``(ticker, start, end) -> history frame``;
        default ``yfinance_fetch``. Tests pass a function returning a frame.
    table
        The reference table; default the built-in one.
    today
        Resolves ``when=None`` for Yahoo (the last close of the week before).

    Notes
    -----
    Once Yahoo is found offline or rate-limiting, later lookups in the same
    converter go straight to the table instead of waiting on the network again.
    """

    def __init__(
        self,
        *,
        source: FxSource = "auto",
        fetch: FetchFn | None = None,
        table: ReferenceTable | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.source: FxSource = source
        self._fetch: FetchFn = fetch if fetch is not None else yfinance_fetch
        self._table = table if table is not None else reference_table()
        self._today = today
        self._cache: dict[tuple[str, str | None], FxRate] = {}
        self.deadline = current_deadline()  # the command's: a dead network is given up on once
        self._yahoo_down: str | None = None

    @property
    def rates(self) -> tuple[FxRate, ...]:
        """Every rate looked up so far, in order (for a result's notes)."""
        return tuple(self._cache.values())

    def table(self, wanted: Iterable[tuple[str, str]]) -> RateTable:
        """Look up every ``(currency, period)`` in ``wanted`` now and return them as a table.

        Analytics receive this table, never the converter: all network I/O
        happens here, and a rate that cannot be had is kept with its reason.
        """
        rates: dict[tuple[str, str], FxRate] = {}
        missing: dict[tuple[str, str], str] = {}
        for currency, period in dict.fromkeys(wanted):
            try:
                rates[(currency.upper(), period)] = self.rate(currency, period)
            except (UnknownCurrencyError, InputError) as exc:
                missing[(currency.upper(), period)] = str(exc)
        return RateTable(rates, missing)

    def to_usd(self, amount: float, currency: str, when: date | str | None = None) -> Conversion:
        """``amount`` of ``currency`` in USD at ``when`` (a day, ``YYYY-MM``, ``YYYY``; None = latest)."""
        rate = self.rate(currency, when)
        return Conversion(amount * rate.usd_per_unit, rate, rate.label)

    def rate(self, currency: str, when: date | str | None = None) -> FxRate:
        """The rate of ``currency`` for ``when``; see the class notes for which source answers."""
        code = _check_code(currency)
        key = (code, when.isoformat() if isinstance(when, date) else when)
        if key not in self._cache:
            self._cache[key] = self._lookup(code, when)
        return self._cache[key]

    def _lookup(self, code: str, when: date | str | None) -> FxRate:
        if code == "USD":
            period = _parse_period(when).text if when is not None else "latest"
            return FxRate("USD", period, 1.0, "identity", "USD (no conversion)")
        if self.source == "reference":
            return self._table.rate(code, when)
        if self._yahoo_down is None:
            try:
                return self._yahoo_rate(code, when)
            except (OfflineError, RateLimitedError, EmptyDataError) as exc:
                if self.source == "yahoo":
                    raise
                reason = str(exc).split(": ", 2)[-1]
                if not isinstance(exc, EmptyDataError):
                    self._yahoo_down = reason
                log.info("fx: %s; using the reference table", exc)
        else:
            reason = self._yahoo_down
        try:
            fallback = self._table.rate(code, when)
        except UnknownCurrencyError:
            raise UnknownCurrencyError(code, known=("USD", *self._table.currencies)) from None
        label = f"{fallback.label}; Yahoo Finance unavailable ({reason})"
        return FxRate(fallback.currency, fallback.period, fallback.usd_per_unit, "reference", label)

    def _yahoo_rate(self, code: str, when: date | str | None) -> FxRate:
        ticker = yahoo_fx_ticker(code)
        if when is None:
            end = self._today()
            period = _Period("latest", end, end, True)
        else:
            period = _parse_period(when)
        start = period.start - timedelta(days=_LOOKBACK_DAYS) if period.day else period.start
        try:
            history = self.deadline.call(
                lambda: self._fetch(ticker, start, period.end), name=f"fx {ticker}"
            )
        except DeadlineExpired as exc:
            raise OfflineError(str(exc), provider="yahoo", ticker=ticker) from exc
        except Exception as exc:
            kind, reason = classify_error(exc)
            if kind == "offline":
                raise OfflineError(reason, provider="yahoo", ticker=ticker) from exc
            if kind == "rate_limited":
                raise RateLimitedError(reason, provider="yahoo", ticker=ticker) from exc
            if kind == "no_data":
                raise EmptyDataError(reason, provider="yahoo", ticker=ticker) from exc
            raise
        closes = _closes(history, period.start if not period.day else start, period.end)
        if closes.empty:
            raise EmptyDataError(f"no closes for {period.text}", provider="yahoo", ticker=ticker)
        if period.day:
            units, what = float(closes.iloc[-1]), f"close {closes.index[-1]:%Y-%m-%d}"
        else:
            units, what = float(closes.mean()), f"mean of {len(closes)} closes {period.text}"
        label = f"Yahoo Finance {ticker} {what}: {units:.4f} per USD"
        return FxRate(code, period.text, 1.0 / units, "yahoo", label)


def _closes(history: pd.DataFrame | None, start: date, end: date) -> pd.Series:
    """Positive closes of a ``history()`` frame between two local dates, indexed by date."""
    if history is None or history.empty or "Close" not in history.columns:
        return pd.Series(dtype="float64")
    index = pd.DatetimeIndex(history.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    closes = pd.Series(history["Close"].to_numpy(dtype="float64"), index=index.normalize())
    closes = closes.loc[(closes.index >= pd.Timestamp(start)) & (closes.index <= pd.Timestamp(end))]
    return closes.loc[closes > 0].dropna().sort_index()


@cache
def _reference_converter() -> FxConverter:
    return FxConverter(source="reference")


def to_usd(amount: float, currency: str, when: date | str | None = None) -> Conversion:
    """``amount`` of ``currency`` in USD from the built-in reference table (no network).

    For live rates build ``FxConverter(source="auto")`` and use its ``to_usd``.

    Raises
    ------
    UnknownCurrencyError
        The table has no such currency.
    AsofError
        ``when`` lies outside the table.
    """
    return _reference_converter().to_usd(amount, currency, when)
