"""One item checked: stored, its claims extracted, the tape captured, verified, recorded.

The steps are the news pipeline's own (``pipeline.news``: claims extracted or
reused by extraction key and stored in one transaction, verdicts stored in
one transaction); what the watch adds is the tape. For every ticker a market
claim points at, the intraday bars of the claim's session are fetched
(from the session's open, or from the last stored bar) and stored, and
verify reads the daily bars completed from them as of the check
(``tape.complete_tape``). A verdict made before the session's close is due
again at the close plus ``settle``; ``recheck`` then repeats the check on the
whole session.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Generic, TypeVar

import pandas as pd

from themelens.config import Settings
from themelens.data.calendar import exchange_for_ticker, resolve_session
from themelens.data.contracts import empty_prices
from themelens.data.intraday import IntradayProvider, IntradayStore, empty_bars
from themelens.data.loading import load_tickers
from themelens.data.providers.base import PriceQuery
from themelens.data.sources import PriceSource
from themelens.data.store import PriceStore, WriteResult
from themelens.errors import AsofError, ThemelensError
from themelens.news.article import Article
from themelens.news.claim import MARKET_METRICS, Claim
from themelens.news.store import ArticleStore
from themelens.pipeline.news import (
    FundamentalsInputs,
    extract_and_store,
    fundamentals_evidence,
    record_verdicts,
)
from themelens.theme import Theme
from themelens.verify import Tolerances, VerifiedClaim, claim_day, tickers_to_load, verify_claims
from themelens.verify.listing import choose_listing
from themelens.watch.model import HistoryRow, Phase
from themelens.watch.sessions import session_bounds
from themelens.watch.tape import TAPE_DAILY, complete_tape

__all__ = ["Checked", "Checker"]

V = TypeVar("V")
_BAR: dict[str, timedelta] = {"1m": timedelta(minutes=1), "5m": timedelta(minutes=5)}


@dataclass(frozen=True)
class Checked:
    """An article's claims with their verdicts at one check, and what the check found.

    ``history`` holds the verdicts as history rows (``first``, plus ``final``
    copies when every session was already closed); ``recheck_at`` is when to
    check again after the close (None: no session was open).
    """

    article: Article
    rows: tuple[VerifiedClaim, ...]
    history: tuple[HistoryRow, ...]
    recheck_at: datetime | None
    notes: tuple[str, ...]
    fetch_s: float
    bars: WriteResult


class _Recent(Generic[V]):
    """A bounded map (least recently set dropped first): memory stays flat over days."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[str, V] = OrderedDict()
        self._size = size

    def get(self, key: str) -> V | None:
        return self._items.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def set(self, key: str, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


class Checker:
    """Checks items for one theme against one store.

    Parameters
    ----------
    settings, theme
        The store (``settings.db_path``) and the theme the claims are read with.
    tolerances, proxy, fundamentals
        As ``verify`` takes them; ``fundamentals`` None leaves growth, capex,
        P/E and flow claims unverifiable (no source configured).
    settle
        How long after a session's close its claims are checked again (the
        closing auction and Yahoo's last bars need a while).
    daily_refresh
        How often a ticker's daily bars are refreshed from a remote source.
    """

    def __init__(
        self,
        settings: Settings,
        theme: Theme,
        *,
        tolerances: Tolerances | None = None,
        proxy: bool = True,
        fundamentals: FundamentalsInputs | None = None,
        settle: timedelta = timedelta(minutes=20),
        daily_refresh: timedelta = timedelta(hours=1),
    ) -> None:
        self.settings = settings
        self.theme = theme
        self.tolerances = tolerances or Tolerances()
        self.proxy = proxy
        self.fundamentals = fundamentals
        self.settle = settle
        self.daily_refresh = daily_refresh
        self.articles = ArticleStore(settings.db_path)
        self.bars = IntradayStore(settings.db_path)
        self._refreshed: _Recent[datetime] = _Recent()  # ticker -> when its daily bars were read
        self._frames: _Recent[tuple[pd.DataFrame, str | None]] = _Recent(256)  # ticker -> bars
        self._captured: _Recent[datetime] = _Recent()  # session -> when its bars were fetched
        self._last_bar: _Recent[datetime | None] = _Recent()  # session -> its last stored bar

    def check(
        self, article: Article, *, now: datetime, source: PriceSource, intraday: IntradayProvider
    ) -> Checked:
        """A new article: stored (by content hash), claims extracted and stored, verified."""
        notes: list[str] = []
        claims = extract_and_store([article], self.theme, self.articles, notes)  # stores it first
        return self._verify(article, claims, "first", now, source, intraday, notes)

    def recheck(
        self, article_id: str, *, now: datetime, source: PriceSource, intraday: IntradayProvider
    ) -> Checked:
        """A stored article's claims checked again on the whole session (after its close)."""
        article = self.articles.get_article(article_id)
        claims = self.articles.read_claims([article_id])
        return self._verify(article, claims, "final", now, source, intraday, [])

    def _verify(
        self,
        article: Article,
        claims: Sequence[Claim],
        phase: Phase,
        now: datetime,
        source: PriceSource,
        intraday: IntradayProvider,
        notes: list[str],
    ) -> Checked:
        started = time.perf_counter()
        tickers = tickers_to_load(claims, self.theme, proxy=self.proxy)
        daily, unloaded = self._daily(tickers, now, source, notes, force=phase == "final")
        spans = self._spans(claims, article, now)
        written = self._capture(spans, now, intraday, notes)
        evidence = (  # statements, valuation, flows for fundamentals claims (a fetch too)
            fundamentals_evidence(self.settings, self.theme, claims, self.fundamentals)
            if self.fundamentals is not None
            else None
        )
        fetch_s = time.perf_counter() - started
        first_open = min((lo for spanned in spans.values() for lo, _ in spanned), default=None)
        with self.bars.session():  # the store work from here on shares one connection
            bars = (
                self.bars.read_bars(
                    list(spans), interval=intraday.interval, start=first_open, end=now
                )
                if first_open is not None
                else empty_bars()
            )
            frame, used = complete_tape(daily, bars, now=now)
            result = verify_claims(
                claims,
                prices=frame,
                theme=self.theme,
                article_dates={article.id: article.published},
                tolerances=self.tolerances,
                proxy=self.proxy,
                missing=unloaded,
                fundamentals=evidence,
            )
            record_verdicts(self.articles, [article], result, notes)
        recheck_at = self._recheck_at(result.rows, now)
        history = [_history(article.id, i, r, phase, now, used) for i, r in enumerate(result.rows)]
        if phase == "first" and recheck_at is None:  # every session closed: the first is final
            history += [replace(h, phase="final") for h in history]
        return Checked(
            article, result.rows, tuple(history), recheck_at, tuple(notes), fetch_s, written
        )

    def _daily(
        self,
        tickers: Sequence[str],
        now: datetime,
        source: PriceSource,
        notes: list[str],
        *,
        force: bool,
    ) -> tuple[pd.DataFrame, dict[str, str]]:
        """Daily bars of ``tickers``, read again at most every ``daily_refresh`` (always for
        the check after the close), a remote source refreshed first; kept between items."""
        due = [
            t
            for t in tickers
            if force
            or t not in self._frames
            or (seen := self._refreshed.get(t)) is None
            or now - seen >= self.daily_refresh
        ]
        if due:
            self._read_daily(due, now, source, notes)
        frames, missing = [], {}
        for ticker in tickers:
            frame, why = self._frames.get(ticker) or (empty_prices(), "not loaded")
            if why is not None:
                missing[ticker] = why
            if len(frame):
                frames.append(frame)
        daily = pd.concat(frames, ignore_index=True) if frames else empty_prices()
        return daily, missing

    def _read_daily(
        self, tickers: Sequence[str], now: datetime, source: PriceSource, notes: list[str]
    ) -> None:
        if source.remote:
            try:
                done = source.refresh(
                    PriceStore(self.settings.db_path), PriceQuery.normalised(tickers)
                )
                notes.extend(f"daily {f}" for f in done.failures)
            except ThemelensError as exc:
                notes.append(f"daily prices not refreshed: {exc}")
        try:
            loaded = load_tickers(self.settings, source, tickers)
        except ThemelensError as exc:
            notes.append(f"daily prices: {exc}")
            for ticker in tickers:
                self._frames.set(ticker, (empty_prices(), str(exc)))
            return
        failed = {f.item: f.reason for f in loaded.failures}
        groups = (
            dict(tuple(loaded.frame.groupby("ticker", sort=False))) if len(loaded.frame) else {}
        )
        for ticker in tickers:
            frame = groups.get(ticker)
            self._frames.set(
                ticker, (frame if frame is not None else empty_prices(), failed.get(ticker))
            )
            self._refreshed.set(ticker, now)

    def _spans(
        self, claims: Sequence[Claim], article: Article, now: datetime
    ) -> dict[str, set[tuple[datetime, datetime]]]:
        """Per ticker a market claim points at: the (open, close) of each session claimed
        (sessions not yet begun at ``now`` are left out)."""
        spans: dict[str, set[tuple[datetime, datetime]]] = {}
        for claim in claims:
            if claim.metric not in MARKET_METRICS:
                continue
            listing, _ = choose_listing(self.theme, claim)
            day, _ = claim_day(claim, article.published)
            if listing is None or day is None:
                continue
            ticker = listing.ticker
            try:
                session = resolve_session(exchange_for_ticker(ticker), day).session
            except AsofError:
                continue
            bounds = session_bounds(exchange_for_ticker(ticker), session)
            if bounds is not None and bounds[0] < now:
                spans.setdefault(ticker, set()).add(bounds)
        return spans

    def _capture(
        self,
        spans: dict[str, set[tuple[datetime, datetime]]],
        now: datetime,
        intraday: IntradayProvider,
        notes: list[str],
    ) -> WriteResult:
        """Fetch and store each session's bars not yet stored (from the last stored bar on)."""
        if not spans:
            return WriteResult(0, 0)
        bar = _BAR[intraday.interval]
        inserted = updated = 0
        for ticker, lo, hi in sorted(
            (t, lo, hi) for t, spanned in spans.items() for lo, hi in spanned
        ):
            key = f"{ticker}|{intraday.interval}|{lo:%Y%m%d%H%M}"
            done = self._captured.get(key)
            if done is not None and now - done < bar:
                continue  # fetched a moment ago, for another item
            if key in self._last_bar:
                stored = self._last_bar.get(key)
            else:
                stored = self.bars.last_bar(ticker, intraday.interval, start=lo, end=hi)
            if stored is not None and stored >= hi - bar:
                continue  # the whole session is stored
            start = stored if stored is not None else lo  # the last stored bar may have grown
            try:
                load = intraday.fetch_bars([ticker], start=start, end=min(hi, now), now=now)
                wrote = self.bars.write_bars(load.bars)
            except ThemelensError as exc:
                notes.append(f"intraday bars not captured: {exc}")
                continue
            self._captured.set(key, now)
            if len(load.bars):
                newest = pd.Timestamp(load.bars["ts"].max()).to_pydatetime()
                stored = newest if stored is None else max(stored, newest)
            self._last_bar.set(key, stored)
            notes.extend(f"intraday {f}" for f in load.failures)
            inserted += wrote.inserted
            updated += wrote.updated
        return WriteResult(inserted, updated)

    def _recheck_at(self, rows: Sequence[VerifiedClaim], now: datetime) -> datetime | None:
        """The close (plus ``settle``) of the latest session a verdict was made on before it closed."""
        due: list[datetime] = []
        for row in rows:
            if row.ticker is None or row.asof is None:
                continue
            bounds = session_bounds(exchange_for_ticker(row.ticker), row.asof)
            if bounds is not None and now < bounds[1]:
                due.append(bounds[1] + self.settle)
        return max(due, default=None)


def _history(
    article_id: str,
    idx: int,
    row: VerifiedClaim,
    phase: Phase,
    now: datetime,
    used: dict[tuple[str, pd.Timestamp], str],
) -> HistoryRow:
    fig = row.figures
    tape = None
    if row.ticker is not None and row.asof is not None:
        tape = used.get((row.ticker, pd.Timestamp(row.asof)), TAPE_DAILY)
    return HistoryRow(
        article_id=article_id,
        idx=idx,
        phase=phase,
        verdict=row.verdict,
        checked_at=now,
        entity=row.claim.entity,
        metric=row.claim.metric,
        value=str(row.claim.value),
        quote=row.claim.quote,
        ticker=row.ticker,
        asof=row.asof,
        computed=row.computed,
        reason=row.reason,
        session_close_pct=fig.close_pct if fig else None,
        day_low_pct=fig.low_pct if fig else None,
        day_high_pct=fig.high_pct if fig else None,
        tape=tape,
    )
