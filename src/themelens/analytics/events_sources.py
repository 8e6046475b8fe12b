"""Where events come from: a theme's catalysts, a CSV file, verified news claims.

All three give :class:`~themelens.analytics.events.Event` tuples whose
``ticker`` is a Yahoo-style ticker (entities resolve to their primary listing
through the theme), ready for ``run_event_study``. Claims arrive as plain
objects with ``entity`` and ``date`` attributes (the news layer's ``Claim``)
so analytics never imports the news package.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Final, Protocol

import pandas as pd

from themelens.analytics.events import Event, equal_weight_index
from themelens.data.merge import merge_prices
from themelens.errors import CsvFormatError, InputError
from themelens.theme import MEMBER_ROLES, Role, Theme

__all__ = [
    "PROXY_TICKER",
    "SUPPORTED_VERDICTS",
    "add_proxy_benchmark",
    "events_from_catalysts",
    "events_from_claims",
    "parse_event",
    "read_events_csv",
]

SUPPORTED_VERDICTS: Final = frozenset({"supported", "supported_intraday"})
"""Verdicts under which a dated claim counts as an event that happened."""


def _resolve(theme: Theme | None, name: str) -> str:
    """A theme entity/alias/ticker → its ticker; anything else is taken as a ticker as written."""
    if theme is not None and (found := theme.resolve(name)) is not None:
        return found.ticker
    return name.strip().upper()


def parse_event(text: str, theme: Theme | None = None) -> Event:
    """``TICKER:YYYY-MM-DD`` (or ``entity:YYYY-MM-DD``) → an :class:`Event`.

    Raises ``ValueError`` with a one-line reason for a malformed token; the
    CLI turns it into an ``InputError``.
    """
    name, sep, day = text.rpartition(":")
    if not sep or not name.strip():
        raise ValueError(f"{text}: expected TICKER:YYYY-MM-DD")
    try:
        when = date.fromisoformat(day.strip())
    except ValueError:
        raise ValueError(f"{text}: {day!r} is not a date (expected YYYY-MM-DD)") from None
    return Event(_resolve(theme, name.strip()), when, name.strip())


def events_from_catalysts(
    theme: Theme, *, roles: Iterable[Role] | None = MEMBER_ROLES, until: date | None = None
) -> tuple[Event, ...]:
    """The theme's catalysts on tradable entities (of ``roles``) as events, labelled by title.

    Notes
    -----
    Catalysts on benchmarks (an index "jumping 4 %") are left out by default:
    an index measured against itself has no abnormal return. ``until`` drops
    catalysts after a date (a report as of that date must not look ahead).
    """
    wanted = None if roles is None else set(roles)
    out: list[Event] = []
    for cat in theme.catalysts:
        ent = theme.entity(cat.entity)
        if ent.primary is None or (wanted is not None and ent.role not in wanted):
            continue
        if until is not None and cat.date > until:
            continue
        out.append(Event(ent.primary.ticker, cat.date, cat.title))
    return tuple(out)


class ClaimLike(Protocol):
    """What :func:`events_from_claims` reads from a claim."""

    @property
    def entity(self) -> str: ...

    @property
    def date(self) -> str | None: ...

    @property
    def quote(self) -> str: ...


class VerdictLike(Protocol):
    """What :func:`events_from_claims` reads from a verdict."""

    @property
    def verdict(self) -> str: ...


def events_from_claims(
    pairs: Iterable[tuple[ClaimLike, VerdictLike | None]], theme: Theme
) -> tuple[Event, ...]:
    """Dated claims with a supported verdict on a listed entity, as events (one per ticker and date).

    Notes
    -----
    Only claims the verify step supported count: an unverified or
    contradicted claim is not evidence that anything happened that day.
    ``claim.date`` is the date the claim is about (``YYYY-MM-DD``); month-only
    or missing dates are skipped, as is an entity without a listing and a verdict a
    proxy decided (older stores hold some; a proxy is not the index).
    """
    out: dict[str, Event] = {}
    for claim, verdict in pairs:
        if verdict is None or verdict.verdict not in SUPPORTED_VERDICTS or not claim.date:
            continue
        if getattr(verdict, "proxy", False):  # an older store's proxy verdict: no evidence
            continue
        try:
            when = date.fromisoformat(str(claim.date)[:10])
        except ValueError:
            continue
        found = theme.resolve(claim.entity)
        if found is None:
            continue
        event = Event(found.ticker, when, claim.quote[:80] or claim.entity)
        out.setdefault(str(event), event)
    return tuple(out.values())


def read_events_csv(path: Path | str, theme: Theme | None = None) -> tuple[Event, ...]:
    """Events from a CSV with a ``ticker,date[,label]`` header (entity names resolve via ``theme``).

    Raises ``CsvFormatError`` naming the file and row for a missing column or
    a bad date; blank lines are skipped.
    """
    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CsvFormatError(f"cannot read ({exc.strerror or exc})", path=file) from exc
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise CsvFormatError("empty file; expected a ticker,date[,label] header", path=file)
    header = [h.strip().lower() for h in rows[0]]
    for need in ("ticker", "date"):
        if need not in header:
            raise CsvFormatError(
                f"column {need!r} missing (header: {','.join(header)})", path=file, row=1
            )
    it, idt = header.index("ticker"), header.index("date")
    il = header.index("label") if "label" in header else None
    out: list[Event] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(it, idt):
            raise CsvFormatError("too few columns", path=file, row=number)
        name, day = row[it].strip(), row[idt].strip()
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise CsvFormatError(
                f"{day!r} is not a date (YYYY-MM-DD)", path=file, row=number
            ) from None
        if not name:
            raise CsvFormatError("empty ticker", path=file, row=number)
        label = row[il].strip() if il is not None and il < len(row) else name
        out.append(Event(_resolve(theme, name), when, label))
    return tuple(out)


PROXY_TICKER: Final = "PROXY-EW-HK"
"""The ticker the equal-weight Hong Kong proxy benchmark is given."""


def add_proxy_benchmark(
    prices: pd.DataFrame, theme: Theme, *, exclude: Iterable[str] = ()
) -> tuple[pd.DataFrame, str, tuple[str, ...]]:
    """``prices`` plus an equal-weight index of the theme's Hong Kong names, its ticker, its members.

    Members are the primary listings on XHKG of the theme's leaders,
    supply-chain names and peers that have prices, minus ``exclude`` (the
    event stocks). Raises ``InputError`` when fewer than two remain.

    Notes
    -----
    Why: the shared price files have no Hang Seng TECH series, and a US index
    closes thirteen hours after Hong Kong. An equal-weight index of the
    theme's own Hong Kong names trades on the same sessions; leaving the
    event stocks out keeps an event from moving its own benchmark. It is a
    sector benchmark, so a theme-wide move is absorbed by it: abnormal returns
    against it are moves beyond the theme's, not beyond the market's.
    """
    have = set(prices["ticker"].unique().tolist())
    skip = set(exclude)
    members = tuple(
        e.primary.ticker
        for e in theme.tradable_entities(MEMBER_ROLES)
        if e.primary is not None
        and e.primary.exchange == "XHKG"
        and e.primary.ticker in have
        and e.primary.ticker not in skip
    )
    if len(members) < 2:
        raise InputError("--benchmark proxy: fewer than 2 Hong Kong theme names have prices")
    proxy = equal_weight_index(prices, list(members), name=PROXY_TICKER)
    return merge_prices([prices, proxy]), PROXY_TICKER, members
