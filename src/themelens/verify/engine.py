"""Claims meet prices: pick the listing and the session, compute the figure, give a verdict.

This is the one place a claim meets data (DESIGN.md). It never raises on a
claim: a claim with no date, an entity with no listing, a gap in the prices
or a non-trading day is ``unverifiable`` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

import pandas as pd

from themelens.data.calendar import SessionResolution, resolve_session
from themelens.errors import AsofError
from themelens.news.claim import MARKET_METRICS, Claim
from themelens.theme import Entity, Theme, exchange_for_ticker
from themelens.verify.checks import Verdict, check_market_claim
from themelens.verify.fundamentals import (
    FUNDAMENTAL_METRICS,
    FundamentalsEvidence,
    check_fundamental_claim,
)
from themelens.verify.listing import choose_listing, claimed_listings
from themelens.verify.proxy import equal_weight_proxy, proxy_constituents
from themelens.verify.result import VerifiedClaim, VerifyResult
from themelens.verify.spans import period_of
from themelens.verify.tape import Tape, build_tapes
from themelens.verify.tolerances import Tolerances

__all__ = ["claim_day", "tickers_to_load", "verify_claims"]


def claim_day(claim: Claim, article_date: date | None) -> tuple[date | None, str | None]:
    """The day a claim is about: its own full date, else the article's; or (None, why not).

    A move over a calendar period ("2024", "2025Q2") is read at the period's
    end, or at the article's date when the period was still running.
    """
    raw = claim.date
    period = period_of(claim.window)
    if period is not None and not (raw and len(raw) == 10):
        if article_date is not None and article_date < period.end:
            return article_date, None
        return period.end, None
    if raw and len(raw) == 10:
        try:
            return date.fromisoformat(raw), None
        except ValueError:
            return None, f"claim date {raw!r} is not a date"
    if raw and article_date is not None and article_date.isoformat().startswith(raw):
        return article_date, None
    if raw and len(raw) == 7 and (claim.window not in (None, "1d") or claim.metric != "return_pct"):
        end = _month_end(raw)  # "the week to August": read at the month's last session
        if end is not None and (article_date is None or end < article_date):
            return end, None
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
    for ticker, entity in claimed_listings(claims, theme, MARKET_METRICS).items():
        wanted[ticker] = None
        if proxy and entity.kind == "index":
            wanted.update(dict.fromkeys(proxy_constituents(theme, entity)))
    return tuple(wanted)


@lru_cache(maxsize=65536)
def _resolve(exchange: str, day: date) -> SessionResolution:
    """``resolve_session``, once per exchange and day: many claims share a day."""
    return resolve_session(exchange, day)


def _month_end(month: str) -> date | None:
    try:
        return (pd.Timestamp(f"{month}-01") + pd.offsets.MonthEnd(0)).date()
    except ValueError:
        return None


@dataclass
class _Tapes:
    """The tapes of a run, with equal-weight proxies built once per index when asked."""

    prices: pd.DataFrame
    theme: Theme
    proxy: bool
    tapes: dict[str, Tape]
    proxies: dict[str, tuple[Tape, int] | None] = field(default_factory=dict)

    def proxy_for(self, index: Entity, ticker: str) -> tuple[Tape, int] | None:
        """The proxy tape for ``index`` and its constituent count (None without constituents)."""
        if ticker not in self.proxies:
            members = proxy_constituents(self.theme, index)
            series = equal_weight_proxy(self.prices, members, ticker) if len(self.prices) else None
            tapes = build_tapes(series) if series is not None and len(series) else {}
            have = (
                len(set(members) & set(self.prices["ticker"].unique().tolist()))
                if len(self.prices)
                else 0
            )
            self.proxies[ticker] = (tapes[ticker], have) if ticker in tapes else None
        return self.proxies[ticker]


def _written(claim: Claim, article_dates: Mapping[str, date | None]) -> date | None:
    """The claim's article's date: by id (names may repeat), by name for id-less claims."""
    if claim.article_id is not None and claim.article_id in article_dates:
        return article_dates[claim.article_id]
    return article_dates.get(claim.article or "")


def verify_claims(
    claims: Sequence[Claim],
    *,
    prices: pd.DataFrame,
    theme: Theme,
    article_dates: Mapping[str, date | None],
    tolerances: Tolerances | None = None,
    proxy: bool = False,
    missing: Mapping[str, str] | None = None,
    fundamentals: FundamentalsEvidence | None = None,
) -> VerifyResult:
    """Verify each claim: market claims against ``prices`` (the long price frame), growth,
    capex, P/E and flow claims against ``fundamentals`` (what their sources answered).

    Parameters
    ----------
    article_dates
        Article id → publication date, the fallback day for undated claims
        (a claim without an id is looked up by its article's name).
    proxy
        For an index claim with no index series, add what an equal-weight
        proxy of the theme's constituents did to the reason. The verdict
        stays ``unverifiable``: a proxy is not the index, so it can neither
        support nor contradict a claim about it.
    missing
        Ticker → why it has no prices (each provider's failure), added to the
        reason of an ``unverifiable`` verdict so the user sees what to fix.
    fundamentals
        Statements, valuation and flows loaded for the run
        (``load_fundamentals_evidence``); None means no source was configured,
        and those claims are ``unverifiable`` saying so.

    Notes
    -----
    Figures come from ``rally_panel`` at the claim's session, so a verdict
    uses exactly the definitions the rally table prints. A day that is not a
    session of the listing's exchange resolves to the previous session, as
    ``rally`` does, and the reason says so; a session the data lack is
    ``unverifiable``.
    """
    tol = tolerances or Tolerances()
    wanted = set(claimed_listings(claims, theme, MARKET_METRICS))
    claimed = prices[prices["ticker"].isin(wanted)] if len(prices) else prices
    run = _Tapes(prices, theme, proxy, build_tapes(claimed))  # tapes only for claimed tickers
    evidence = fundamentals or FundamentalsEvidence.none("no fundamentals source configured")
    rows: list[VerifiedClaim] = []
    for claim in claims:
        written = _written(claim, article_dates)
        day = claim_day(claim, written)
        if claim.metric in FUNDAMENTAL_METRICS:
            rows.append(_fundamental(claim, day[0], run.theme, evidence))
            continue
        rows.append(_verify_one(claim, day, written, run, tol, missing or {}))
    return VerifyResult(rows=tuple(_one_line(r) for r in rows), tolerances=tol)


def _one_line(row: VerifiedClaim) -> VerifiedClaim:
    """A reason is one line, whatever a provider's message held."""
    reason = " ".join(row.reason.split())
    return row if reason == row.reason else replace(row, reason=reason)


def _verify_one(
    claim: Claim,
    day: tuple[date | None, str | None],
    written: date | None,
    run: _Tapes,
    tol: Tolerances,
    missing: Mapping[str, str],
) -> VerifiedClaim:
    def out(verdict: Verdict, ticker: str | None = None) -> VerifiedClaim:
        return VerifiedClaim(claim, ticker, None, verdict.computed, verdict.status, verdict.reason)

    if claim.metric not in MARKET_METRICS:
        return out(Verdict("unverifiable", None, f"no source checks {claim.metric} claims"))
    if "+" in claim.entity:
        return out(
            Verdict("unverifiable", None, f"a claim about several entities ({claim.entity})")
        )
    listing, note = choose_listing(run.theme, claim)
    if listing is None:
        return out(Verdict("unverifiable", None, note or "no listing"))
    ticker = listing.ticker
    when, why = day
    if when is None:
        return out(Verdict("unverifiable", None, why or "no date"), ticker)
    tape = run.tapes.get(ticker)
    if tape is None:
        return _no_series(claim, ticker, when, run, tol, missing)
    return _on_tape(claim, tape, when, tol, note, written=written)


def _fundamental(
    claim: Claim, day: date | None, theme: Theme, evidence: FundamentalsEvidence
) -> VerifiedClaim:
    """A growth, capex, P/E or flow claim against what the fundamentals sources answered."""
    listing, note = choose_listing(theme, claim)
    ticker = listing.ticker if listing is not None else None
    verdict = check_fundamental_claim(claim, ticker, day, evidence)
    reason = verdict.reason if listing is not None or note is None else f"{verdict.reason}; {note}"
    return VerifiedClaim(claim, ticker, None, verdict.computed, verdict.status, reason)


def _on_tape(
    claim: Claim,
    tape: Tape,
    when: date,
    tol: Tolerances,
    note: str | None,
    *,
    proxy: bool = False,
    written: date | None = None,
) -> VerifiedClaim:
    """The verdict at the session of ``when`` on ``tape`` (the previous session for a non-session)."""
    ticker = tape.ticker
    try:
        resolved = _resolve(exchange_for_ticker(ticker), when)
    except AsofError as exc:
        return VerifiedClaim(claim, ticker, None, None, "unverifiable", str(exc), proxy)
    session = resolved.session
    if session > tape.last:
        why = f"{when} is after the last session in the data for {ticker} ({tape.last})"
        return VerifiedClaim(claim, ticker, None, None, "unverifiable", why, proxy)
    if session < tape.first or (session == tape.first and claim.metric == "return_pct"):
        why = f"{when} is before the data for {ticker} start ({tape.first})"
        return VerifiedClaim(claim, ticker, None, None, "unverifiable", why, proxy)
    pos = tape.position(session)
    if pos is None:
        why = f"no close for {ticker} on {session} (a gap in the data)"
        return VerifiedClaim(claim, ticker, session, None, "unverifiable", why, proxy)
    try:
        verdict = check_market_claim(claim, tape, pos, tol, written)
    except (TypeError, ValueError) as exc:  # a value that is not a number must not stop the batch
        why = f"cannot check the claimed value {claim.value!r}: {exc}"
        return VerifiedClaim(claim, ticker, session, None, "unverifiable", why, proxy)
    notes = [n for n in (resolved.note, note) if n]
    reason = "; ".join([verdict.reason, *notes])
    return VerifiedClaim(
        claim, ticker, session, verdict.computed, verdict.status, reason, proxy, tape.figures(pos)
    )


def _no_series(
    claim: Claim,
    ticker: str,
    when: date,
    run: _Tapes,
    tol: Tolerances,
    missing: Mapping[str, str],
) -> VerifiedClaim:
    """No prices for the listing: unverifiable; for an index, with the proxy's figure when asked."""
    why = f" ({missing[ticker]})" if ticker in missing else ""
    entity = run.theme.find_entity(claim.entity)
    if entity is None or entity.kind != "index":
        reason = f"no price data for {ticker}{why}"
        return VerifiedClaim(claim, ticker, None, None, "unverifiable", reason)
    reason = f"no index series for {entity.slug} ({ticker}{': ' + missing[ticker] if why else ''})"
    built = run.proxy_for(entity, ticker) if run.proxy else None
    if built is None:
        return VerifiedClaim(claim, ticker, None, None, "unverifiable", reason)
    tape, members = built
    seen = _on_tape(claim, tape, when, tol, None, proxy=True)
    if seen.figures is None:
        return VerifiedClaim(claim, ticker, None, None, "unverifiable", f"{reason}; {seen.reason}")
    said = seen.reason.split(" vs ")[0]
    reason = (
        f"{reason}; an equal-weight proxy of {members} constituents: {said} "
        f"(a proxy is not the index, so it decides nothing)"
    )
    return VerifiedClaim(claim, ticker, seen.asof, None, "unverifiable", reason, True, seen.figures)
