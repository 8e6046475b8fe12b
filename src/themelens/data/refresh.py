"""Fill the price cache from a provider incrementally, and load prices through it.

``refresh_prices`` asks the provider, per ticker, only for what the cache
lacks: from a few sessions before the last stored one (so late revisions
and corrected closes are picked up) to ``end``. Both Yahoo's and AkShare's
histories are adjusted backwards from the latest close, so a dividend or
split re-prices every earlier session: when the re-fetched overlap differs
from what is stored, the ticker's whole cached span is fetched again and
replaced, so the cache never joins two adjustment bases into one series.

Each ticker's rows and its ``fetch_log`` line are committed in their own transaction, so a failure, an
exception or a kill part-way through keeps every ticker already written and
never leaves half of one. A ticker that fails becomes a ``Failure`` and the
batch goes on (a malformed CSV file too); only ``OfflineError`` stops it,
since every later ticker would fail the same way.

``load_prices`` is what the CLI reads prices through: the cache first,
fetching only what is missing (or always, or never), and falling back to
cached rows with a warning when the provider is offline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import pandas as pd

from themelens.data.contracts import Failure, PriceLoad
from themelens.data.providers.base import Provider, fetch_prices
from themelens.data.store import FetchRecord, PriceStore
from themelens.errors import CsvFormatError, OfflineError, ProviderError

__all__ = ["RefreshMode", "RefreshResult", "load_prices", "refresh_prices"]

log = logging.getLogger(__name__)

RefreshMode = Literal["if-missing", "always", "never"]
DateRange = tuple[date | None, date | None]


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh did.

    ``ranges`` maps each ticker the provider was asked about to the
    ``(start, end)`` it was asked for (``None``: open-ended); ``skipped``
    lists tickers whose requested range the cache already held;
    ``failures`` the tickers that failed, one line each; ``answered`` maps
    each ticker that succeeded to the provider that answered (the routed
    refresh fills it from several).
    """

    provider: str
    rows_inserted: int = 0
    rows_updated: int = 0
    ranges: Mapping[str, DateRange] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()
    answered: Mapping[str, str] = field(default_factory=dict)
    rebased: tuple[str, ...] = ()
    """Tickers whose overlap came back re-priced (a dividend or split adjustment, or a
    correction), so their whole cached span was fetched again."""


def refresh_prices(
    store: PriceStore,
    provider: Provider,
    tickers: Sequence[str],
    *,
    start: date | None = None,
    end: date | None = None,
    overlap_sessions: int = 5,
    on_progress: Callable[[int, int], None] | None = None,
) -> RefreshResult:
    """Fetch what the cache lacks for ``tickers`` from ``provider`` and store it.

    Parameters
    ----------
    store
        The cache to fill.
    provider
        Where prices come from; its ``name`` is the cache's provider key.
    tickers
        Tickers as the provider knows them; duplicates are fetched once.
    start, end
        Inclusive range wanted (``None``: as far as the source goes).
    overlap_sessions
        How many of the latest stored sessions to fetch again, so revised
        values replace stale ones. ``0`` starts the day after the last one.
    on_progress
        Called as ``on_progress(done, total)`` after each ticker.

    Returns
    -------
    RefreshResult

    Raises
    ------
    OfflineError
        The provider cannot be reached; tickers before it stay stored and
        the failure is in ``fetch_log``.
    StoreError
        The cache cannot be written.

    Notes
    -----
    A ticker already cached is fetched from its ``overlap_sessions``-th
    latest stored session (or ``start`` if later) — stored sessions rather
    than calendar days, so no exchange calendar is needed. If ``start`` is
    before the first stored date, the whole ``start``..``end`` range is
    fetched. Running a refresh twice stores the same rows once: writes are
    upserts on (provider, ticker, date).
    """
    if overlap_sessions < 0:
        raise ValueError(f"overlap_sessions must be >= 0, got {overlap_sessions}")
    wanted = list(dict.fromkeys(tickers))
    plans = _plan(store, provider.name, wanted, start, end, overlap_sessions)
    inserted = updated = 0
    ranges: dict[str, DateRange] = {}
    skipped: list[str] = []
    failures: list[Failure] = []
    rebased: list[str] = []
    for done, ticker in enumerate(wanted, start=1):
        plan = plans[ticker]
        if plan is None:
            skipped.append(ticker)
        else:
            outcome = _refresh_one(store, provider, ticker, plan)
            ranges[ticker] = (plan.start, plan.end)
            if isinstance(outcome, Failure):
                failures.append(outcome)
            else:
                inserted += outcome.inserted
                updated += outcome.updated
                if outcome.rebased:
                    rebased.append(ticker)
                    ranges[ticker] = (plan.first_cached, plan.end)
        if on_progress is not None:
            on_progress(done, len(wanted))
    failed = {f.item for f in failures}
    return RefreshResult(
        provider=provider.name,
        rows_inserted=inserted,
        rows_updated=updated,
        ranges=ranges,
        skipped=tuple(skipped),
        failures=tuple(failures),
        answered={t: provider.name for t in wanted if t not in failed},
        rebased=tuple(rebased),
    )


def load_prices(
    store: PriceStore,
    provider: Provider,
    tickers: Sequence[str],
    *,
    start: date | None = None,
    end: date | None = None,
    refresh: RefreshMode = "if-missing",
    on_progress: Callable[[int, int], None] | None = None,
) -> PriceLoad:
    """Read ``tickers`` from the cache, fetching from ``provider`` first as ``refresh`` says.

    Parameters
    ----------
    refresh
        ``"if-missing"`` fetches tickers the cache does not cover for
        ``start``..``end`` (see Notes); ``"always"`` refreshes every ticker
        (incrementally); ``"never"`` only reads the cache.

    Returns
    -------
    PriceLoad
        The cached rows of ``provider`` in the range. A ticker with no rows
        is a failure; a ticker whose refresh failed but which has cached
        rows is kept, with a warning. The frame may be empty.

    Raises
    ------
    OfflineError
        The provider is offline and the cache has none of the rows asked for;
        with some cached rows, those are returned with the warning
        ``"offline; using cached data through YYYY-MM-DD"`` instead.

    Notes
    -----
    A ticker counts as covered when it has cached rows and each given bound
    is met: by the stored dates themselves, or by an earlier successful
    fetch that asked for that bound (a source may simply have nothing
    earlier, or nothing newer yet). A bound of ``None`` is met by any rows, so
    ``"if-missing"`` does not re-fetch just because time has passed.
    """
    wanted = list(dict.fromkeys(tickers))
    if refresh == "never":
        to_fetch: list[str] = []
    elif refresh == "always":
        to_fetch = wanted
    else:
        to_fetch = _missing(store, provider.name, wanted, start, end)
    result: RefreshResult | None = None
    offline: OfflineError | None = None
    if to_fetch:
        try:
            result = refresh_prices(
                store, provider, to_fetch, start=start, end=end, on_progress=on_progress
            )
        except OfflineError as exc:
            offline = exc
    frame = store.read_prices(wanted, provider=provider.name, start=start, end=end)
    if offline is not None and frame.empty:
        raise offline
    last = frame.groupby("ticker")["date"].max()
    warnings: list[str] = []
    failures: list[Failure] = []
    if offline is not None:
        log.warning("%s", offline)
        warnings.append(f"offline; using cached data through {frame['date'].max():%Y-%m-%d}")
    for f in result.failures if result is not None else ():
        if f.item in last.index:
            warnings.append(
                f"{f.item}: refresh failed ({f.reason}); "
                f"using cached data through {last[f.item]:%Y-%m-%d}"
            )
        else:
            failures.append(f)
    failed = {f.item for f in failures}
    for t in wanted:
        if t not in last.index and t not in failed:
            why = "offline and not cached" if offline is not None else "no cached rows in range"
            failures.append(Failure(t, why))
    return PriceLoad(
        frame=frame,
        failures=tuple(failures),
        provider=provider.name,
        warnings=tuple(warnings),
        refresh=result,
    )


@dataclass(frozen=True)
class _Plan:
    """What to ask the provider for one ticker.

    For an incremental fetch (cached rows lie before ``start``), ``overlap``
    holds the cached rows from ``start`` on and ``first_cached`` the oldest
    cached session: the span fetched again when the overlap comes back
    re-priced (module docstring). Both are ``None`` for a fetch that covers
    everything cached, which cannot mix two bases.
    """

    start: date | None
    end: date | None
    overlap: pd.DataFrame | None = None
    first_cached: date | None = None


@dataclass(frozen=True)
class _Written:
    """What one ticker's refresh stored, and whether its overlap forced a full re-fetch."""

    inserted: int
    updated: int
    rebased: bool


REPRICED_RTOL = 1e-6
"""Relative change in a stored close that counts as a re-pricing (not float noise)."""


def _refresh_one(store: PriceStore, provider: Provider, ticker: str, plan: _Plan) -> _Written | Failure:  # fmt: skip
    """Fetch and store one ticker in one transaction; a provider failure is logged and returned.

    When the fetch re-prices a close of ``plan.overlap``, the span from
    ``plan.first_cached`` is fetched again and written in place of the
    increment (module docstring).
    """
    start, end = plan.start, plan.end
    try:
        frame = _fetched(provider, ticker, start, end)
        rebased = plan.overlap is not None and _repriced(plan.overlap, frame)
        if rebased and plan.first_cached is not None:
            log.info("%s %s: stored closes re-priced; fetching again from %s", provider.name, ticker, plan.first_cached)  # fmt: skip
            start = plan.first_cached
            frame = _fetched(provider, ticker, start, end)
        record = FetchRecord(provider.name, ticker, start, end, _utcnow(), len(frame), "ok")
        written = store.write_prices(frame, log=[record])
    except ProviderError as exc:
        error: ProviderError | None = exc
        reason = _reason(exc, provider.name, ticker)
    except CsvFormatError as exc:  # one malformed file must not stop the batch
        error, reason = None, f"malformed price file {exc}"
    except ValueError as exc:  # the provider's frame breaks the price contract
        error, reason = None, f"invalid data from {provider.name}: {exc}"
    else:
        log.debug("%s %s: %s..%s %s", provider.name, ticker, start, end, written)
        return _Written(written.inserted, written.updated, rebased)
    store.log_fetch(FetchRecord(provider.name, ticker, start, end, _utcnow(), 0, "failed", reason))
    log.info("%s %s failed: %s", provider.name, ticker, reason)
    if isinstance(error, OfflineError):
        raise error
    return Failure(ticker, reason)


def _fetched(provider: Provider, ticker: str, start: date | None, end: date | None) -> pd.DataFrame:  # fmt: skip
    """One ticker's rows from ``provider``, stamped for storing."""
    batch = fetch_prices(provider, [ticker], start=start, end=end)
    return _with_provenance(batch.frame, provider.name)


def _repriced(stored: pd.DataFrame, fetched: pd.DataFrame) -> bool:
    """True when a session both hold has a close that moved by more than ``REPRICED_RTOL``."""
    if stored.empty or fetched.empty:
        return False
    both = stored.loc[:, ["date", "close"]].merge(
        fetched.loc[:, ["date", "close"]], on="date", suffixes=("_stored", "_fetched")
    )
    if both.empty:
        return False
    old, new = both["close_stored"].to_numpy(float), both["close_fetched"].to_numpy(float)
    return bool((abs(new - old) > REPRICED_RTOL * abs(old)).any())


def _plan(
    store: PriceStore,
    provider: str,
    tickers: Sequence[str],
    start: date | None,
    end: date | None,
    overlap_sessions: int,
) -> dict[str, _Plan | None]:
    """What to ask the provider for per ticker; ``None`` when the cache already has it."""
    spans = _spans(store, provider)
    cached = [t for t in tickers if t in spans]
    recent = store.recent_rows(provider, cached, overlap_sessions) if overlap_sessions and cached else None  # fmt: skip
    recent_of = dict(tuple(recent.groupby("ticker"))) if recent is not None else {}
    plans: dict[str, _Plan | None] = {}
    for t in tickers:
        if t not in spans or (start is not None and _day(start) < spans[t][0]):
            plans[t] = _Plan(start, end)
            continue
        first, last = spans[t]
        rows = recent_of.get(t)
        resume = rows["date"].min().date() if rows is not None else last + timedelta(days=1)
        if start is not None:
            resume = max(resume, _day(start))
        if end is not None and _day(end) < resume:
            plans[t] = None
        elif first < resume and rows is not None:
            overlap = rows.loc[rows["date"] >= pd.Timestamp(resume)]
            plans[t] = _Plan(resume, end, overlap, first)
        else:
            plans[t] = _Plan(resume, end)
    return plans


def _missing(
    store: PriceStore, provider: str, tickers: Sequence[str], start: date | None, end: date | None
) -> list[str]:
    """Tickers the cache does not cover for ``start``..``end`` (see ``load_prices`` Notes)."""
    spans = _spans(store, provider)
    fetched = _ok_fetches(store, provider)
    missing = []
    for t in tickers:
        if t not in spans:
            missing.append(t)
            continue
        first, last = spans[t]
        mine = fetched.get(t, [])
        if start is not None and first > _day(start):
            lo = _day(start)
            if not any(asked is None or asked <= lo for asked, _, _ in mine):
                missing.append(t)
                continue
        if end is not None and last < _day(end):
            hi = _day(end)
            if not any((asked is None or asked >= hi) and on >= hi for _, asked, on in mine):
                missing.append(t)
    return missing


def _spans(store: PriceStore, provider: str) -> dict[str, tuple[date, date]]:
    """First and last cached date per ticker of ``provider``."""
    cov = store.coverage(provider)
    return {
        str(t): (pd.Timestamp(a).date(), pd.Timestamp(b).date())
        for t, a, b in zip(cov["ticker"], cov["first_date"], cov["last_date"], strict=True)
    }


def _ok_fetches(
    store: PriceStore, provider: str
) -> dict[str, list[tuple[date | None, date | None, date]]]:
    """Successful fetches per ticker as (requested start, requested end, day fetched)."""
    frame = store.read_fetch_log(provider=provider)
    frame = frame[frame["status"] == "ok"]
    out: dict[str, list[tuple[date | None, date | None, date]]] = {}
    for t, lo, hi, on in zip(
        frame["ticker"],
        frame["requested_start"],
        frame["requested_end"],
        frame["fetched_at"],
        strict=True,
    ):
        out.setdefault(str(t), []).append((_opt_day(lo), _opt_day(hi), pd.Timestamp(on).date()))
    return out


def _opt_day(value: Any) -> date | None:
    """A stored DATE (``Timestamp`` or ``NaT`` once in pandas) as a ``date`` or ``None``."""
    return None if pd.isna(value) else pd.Timestamp(value).date()


def _with_provenance(frame: pd.DataFrame, provider: str) -> pd.DataFrame:
    """Stamp the provider's name (the cache key) and fill a missing fetch time."""
    out = frame.copy()
    out["provider"] = provider
    if "fetched_at" not in out.columns:
        out["fetched_at"] = pd.NaT
    stamps = pd.to_datetime(out["fetched_at"])
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    out["fetched_at"] = stamps.fillna(pd.Timestamp(_utcnow()))
    return out


def _reason(exc: ProviderError, provider: str, ticker: str) -> str:
    """The error's message without the ``provider: ticker:`` prefix that ``Failure`` repeats."""
    text = str(exc)
    for prefix in (f"{provider}: {ticker}: ", f"{provider}: "):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
