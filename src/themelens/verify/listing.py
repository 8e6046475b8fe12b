"""Which security a claim is about: the entity's primary listing unless the words name another.

"Alibaba's ADRs", "Shanghai-listed SMIC", "overnight in US trading" each
point at a different line of the same company; checking the wrong one would
call a true sentence false. Ticker tags ("Baidu (NASDAQ:BIDU)") are
decoration and choose nothing: a story about Hong Kong trading tags Baidu
with its US code as often as with its Hong Kong one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Final

from themelens.news.claim import Claim
from themelens.news.extract.tags import strip_tags
from themelens.news.venue import Venue, venue_said
from themelens.theme import Entity, Listing, Theme

__all__ = ["choose_listing", "claimed_listings"]

_US_EXCHANGES: Final = frozenset({"XNYS", "XNAS"})
_LABEL: Final[dict[str, str]] = {
    "ADR": "US listing",
    "HK": "Hong Kong listing",
    "SS": "Shanghai listing",
    "SZ": "Shenzhen listing",
    "A": "A-share listing",
}


def _find(entity: Entity, venue: str) -> Listing | None:
    """The entity's listing on ``venue`` (None when it has none there)."""
    for listing in entity.listings:
        ticker = listing.ticker.upper()
        if venue == "ADR" and (listing.kind == "adr" or listing.exchange in _US_EXCHANGES):
            return listing
        if venue == "HK" and ticker.endswith(".HK"):
            return listing
        if venue in {"SS", "A"} and ticker.endswith(".SS"):
            return listing
        if venue in {"SZ", "A"} and ticker.endswith(".SZ"):
            return listing
    return None


def _venue(claim: Claim) -> Venue | str | None:
    """The venue the extractor recorded, else the one the quote's words (tags removed) name."""
    if claim.listing:
        hint = claim.listing.upper()
        return "A" if hint in {"A-SHARE", "A-SHARES"} else hint
    return venue_said(strip_tags(claim.quote or "").text)


def choose_listing(theme: Theme, claim: Claim) -> tuple[Listing | None, str | None]:
    """The listing to check ``claim`` against, and a note when it is not the primary one.

    Order: the claim's ``listing`` field (set by the extractor from the words
    around the number: ``ADR``, ``HK``, ``SS``, ``SZ``, ``A``); else the
    venue the quote's words name; else the primary listing. A venue the
    entity has no listing on is ``(None, reason)``: checking another line
    would answer a different question. Unknown entities and entities without
    listings are ``(None, reason)`` too.
    """
    entity = theme.find_entity(claim.entity)
    if entity is None:
        return None, f"entity {claim.entity!r} is not in the theme"
    if entity.primary is None:
        return None, f"{entity.slug} has no listing in the theme"
    venue = None if entity.kind == "index" else _venue(claim)
    if venue is None or venue not in _LABEL:
        return entity.primary, None
    label = _LABEL[venue]
    found = _find(entity, venue)
    if found is None:
        if venue == "HK":  # "in Hong Kong" beside a US name says where the story is, not the line
            return entity.primary, None
        return (
            None,
            f"the text points at the {label}, and the theme has no {label} for {entity.slug}",
        )
    note = None if found.primary else f"the text points at the {label} {found.ticker}"
    return found, note


def claimed_listings(
    claims: Iterable[Claim], theme: Theme, metrics: Collection[str]
) -> dict[str, Entity]:
    """Ticker → entity of every listing the claims with ``metrics`` point at, first seen first
    (claims about several entities point at none)."""
    wanted: dict[str, Entity] = {}
    for claim in claims:
        if claim.metric not in metrics or "+" in claim.entity:
            continue
        listing, _ = choose_listing(theme, claim)
        entity = theme.find_entity(claim.entity)
        if listing is not None and entity is not None:
            wanted.setdefault(listing.ticker, entity)
    return wanted
