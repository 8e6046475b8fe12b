"""Claims meet prices: pick the listing and the session, compute the figure, give a verdict.

This is the one place a claim meets data (DESIGN.md). It never raises on a
claim: a claim with no date, an entity with no listing, a gap in the prices
or a non-trading day is ``unverifiable`` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import cast

import pandas as pd

from themelens.analytics.rally import rally_panel
from themelens.data.calendar import resolve_session
from themelens.errors import AsofError
from themelens.news.claim import MARKET_METRICS, Claim
from themelens.theme import Theme, exchange_for_ticker
from themelens.verify.checks import Bar, Verdict, check_market_claim
from themelens.verify.listing import choose_listing
from themelens.verify.proxy import equal_weight_proxy, proxy_constituents
from themelens.verify.result import VerifiedClaim, VerifyResult
from themelens.verify.tolerances import Tolerances

__all__ = ["claim_day", "tickers_to_load", "verify_claims"]


def claim_day(claim: Claim, article_date: date | None) -> tuple[date | None, str | None]:
    """The day a claim is about: its own full date, else the article's; or (None, why not)."""
    raw = claim.date
    if raw and len(raw) == 10:
        try:
            return date.fromisoformat(raw), None
        except ValueError:
            return None, f"claim date {raw!r} is not a date"
    if raw and article_date is not None and article_date.isoformat().startswith(raw):
        return article_date, None
    if raw:
        return None, f"claim dated {raw} does not name a single day"
    if article_date is None:
        return None, "no date: the claim has none and the article's date is unknown"
    return article_date, None


def tickers_to_load(
    claims: Sequence[Claim], theme: Theme, *, proxy: bool = False
) -> tuple[str, ...]:
    """Every ticker the market claims point at (and proxy constituents when asked)."""
    wanted: dict[str, None] = {}
    for claim in claims:
        if claim.metric not in MARKET_METRICS or "+" in claim.entity:
            continue
        listing, _ = choose_listing(theme, claim)
        if listing is not None:
            wanted[listing.ticker] = None
            entity = theme.find_entity(claim.entity)
            if proxy and entity is not None and entity.kind == "index":
                wanted.update(dict.fromkeys(proxy_constituents(theme, entity)))
    return tuple(wanted)


def verify_claims(
    claims: Sequence[Claim],
    *,
    prices: pd.DataFrame,
    theme: Theme,
    article_dates: Mapping[str, date | None],
    tolerances: Tolerances | None = None,
    proxy: bool = False,
    missing: Mapping[str, str] | None = None,
) -> VerifyResult:
    """Verify each claim against ``prices`` (the long price frame).

    Parameters
    ----------
    article_dates
        Article name → publication date, the fallback day for undated claims.
    proxy
        Check index claims with no index series against an equal-weight proxy
        of the theme's constituents; such verdicts carry ``proxy=True``.
    missing
        Ticker → why it has no prices (each provider's failure), added to the
        reason of an ``unverifiable`` verdict so the user sees what to fix.

    Notes
    -----
    Figures come from ``rally_panel`` at the claim's session, so a verdict
    uses exactly the definitions the rally table prints. A day that is not a
    session of the listing's exchange, or a session the data lacks, is
    ``unverifiable`` rather than silently moved.
    """
    tol = tolerances or Tolerances()
    frame = prices
    proxied: set[str] = set()
    if proxy:
        frame, proxied = _add_proxies(claims, prices, theme)
    panel = rally_panel(frame).set_index(["ticker", "asof"]).sort_index() if len(frame) else None
    bars = frame.set_index(["ticker", "date"]).sort_index() if len(frame) else None
    have = set(frame["ticker"].unique()) if len(frame) else set()
    rows: list[VerifiedClaim] = []
    for claim in claims:
        day = claim_day(claim, article_dates.get(claim.article or ""))
        rows.append(_verify_one(claim, day, theme, panel, bars, have, proxied, tol, missing or {}))
    return VerifyResult(rows=tuple(rows), tolerances=tol)


def _verify_one(
    claim: Claim,
    day: tuple[date | None, str | None],
    theme: Theme,
    panel: pd.DataFrame | None,
    bars: pd.DataFrame | None,
    have: set[str],
    proxied: set[str],
    tol: Tolerances,
    missing: Mapping[str, str],
) -> VerifiedClaim:
    def out(verdict: Verdict, ticker: str | None = None, asof: date | None = None) -> VerifiedClaim:
        is_proxy = ticker in proxied
        reason = (
            f"proxy (equal-weight of the theme's constituents): {verdict.reason}"
            if is_proxy
            else verdict.reason
        )
        return VerifiedClaim(
            claim, ticker, asof, verdict.computed, verdict.status, reason, is_proxy
        )

    if claim.metric == "forward_pe":
        return out(Verdict("unverifiable", None, "no valuation source configured"))
    if claim.metric not in MARKET_METRICS:
        return out(Verdict("unverifiable", None, "not a market claim"))
    if "+" in claim.entity:
        return out(
            Verdict("unverifiable", None, f"a claim about several entities ({claim.entity})")
        )
    listing, note = choose_listing(theme, claim)
    if listing is None:
        return out(Verdict("unverifiable", None, note or "no listing"))
    ticker = listing.ticker
    when, why = day
    if when is None:
        return out(Verdict("unverifiable", None, why or "no date"), ticker)
    try:
        session = resolve_session(exchange_for_ticker(ticker), when)
    except AsofError as exc:
        return out(Verdict("unverifiable", None, str(exc)), ticker)
    if session.note is not None:
        return out(Verdict("unverifiable", None, session.note.split(";")[0]), ticker)
    if ticker not in have or panel is None or bars is None:
        entity = theme.find_entity(claim.entity)
        why = f" ({missing[ticker]})" if ticker in missing else ""
        if entity is not None and entity.kind == "index":
            return out(Verdict("unverifiable", None, f"no series for {entity.slug}{why}"), ticker)
        return out(Verdict("unverifiable", None, f"no price data for {ticker}{why}"), ticker)
    key = (ticker, pd.Timestamp(when))
    if key not in panel.index:
        return out(
            Verdict("unverifiable", None, f"no close for {ticker} on {when} (a gap in the data)"),
            ticker,
            when,
        )
    row = cast(pd.Series, panel.xs(key))
    series = cast(pd.DataFrame, bars.loc[ticker])
    verdict = check_market_claim(
        claim,
        row,
        _bar(series, pd.Timestamp(when)),
        ticker=ticker,
        first_date=series.index[0],
        earlier_above_high=_earlier_above(series, pd.Timestamp(when)),
        tol=tol,
    )
    if note and verdict.status != "unverifiable":
        verdict = verdict._replace(reason=f"{verdict.reason}; {note}")
    return out(verdict, ticker, when)


def _bar(series: pd.DataFrame, when: pd.Timestamp) -> Bar:
    pos = series.index.get_loc(when)
    assert isinstance(pos, int)
    today = series.iloc[pos]
    prev = float(series["close"].iloc[pos - 1]) if pos > 0 else float("nan")
    return Bar(float(today["close"]), float(today["high"]), float(today["low"]), prev)


def _earlier_above(series: pd.DataFrame, when: pd.Timestamp) -> pd.Timestamp | None:
    """The latest earlier session whose close beat this session's high (None if none or no high)."""
    high = float(cast(float, series.at[when, "high"]))
    if not pd.notna(high):
        return None
    earlier = series.loc[series.index < when, "close"]
    above = earlier[earlier > high]
    return None if above.empty else pd.Timestamp(above.index[-1])


def _add_proxies(
    claims: Sequence[Claim], prices: pd.DataFrame, theme: Theme
) -> tuple[pd.DataFrame, set[str]]:
    have = set(prices["ticker"].unique()) if len(prices) else set()
    extra: list[pd.DataFrame] = []
    proxied: set[str] = set()
    for claim in claims:
        entity = theme.find_entity(claim.entity)
        if entity is None or entity.kind != "index" or entity.primary is None:
            continue
        ticker = entity.primary.ticker
        if ticker in have or ticker in proxied:
            continue
        series = equal_weight_proxy(prices, proxy_constituents(theme, entity), ticker)
        if len(series):
            extra.append(series)
            proxied.add(ticker)
    if not extra:
        return prices, proxied
    return pd.concat([prices, *extra], ignore_index=True), proxied
