"""Which security a claim is about: the entity's primary listing unless the quote names another.

"Baidu (NASDAQ:BIDU) jumped", "Alibaba's ADRs", "Shanghai-listed SMIC" each
point at a different line of the same company; checking the wrong one would
call a true sentence false.
"""

from __future__ import annotations

import re
from typing import Final

from themelens.news.claim import Claim
from themelens.theme import Entity, Listing, Theme

__all__ = ["choose_listing"]

_EXCHANGE_TICKER: Final = re.compile(r"\b(?:NASDAQ|NYSE|Nasdaq|Nyse)\s*:\s*([A-Z][A-Z.]{0,6})\b")
_ADR: Final = re.compile(
    r"\bADRs?\b|American depositary|\bU\.?S\.?[- ]listed|New York[- ]listed|Nasdaq[- ]listed|"
    r"\bin New York\b",
    re.IGNORECASE,
)
_SHANGHAI: Final = re.compile(r"Shanghai[- ]listed|\bSTAR Market\b|\bin Shanghai\b", re.IGNORECASE)
_SHENZHEN: Final = re.compile(r"Shenzhen[- ]listed|\bin Shenzhen\b|\bChiNext\b", re.IGNORECASE)
_A_SHARE: Final = re.compile(r"\bA[- ]shares?\b|mainland[- ]listed|onshore", re.IGNORECASE)
_HONG_KONG: Final = re.compile(
    r"Hong Kong[- ]listed|\bHK[- ]listed|\bin Hong Kong\b|Hong Kong shares", re.IGNORECASE
)


def _pick(entity: Entity, *, kind: str | None = None, suffix: str | None = None) -> Listing | None:
    for listing in entity.listings:
        if kind is not None and listing.kind == kind:
            return listing
        if suffix is not None and listing.ticker.endswith(suffix):
            return listing
    return None


def choose_listing(theme: Theme, claim: Claim) -> tuple[Listing | None, str | None]:
    """The listing to check ``claim`` against, and a note when it is not the primary one.

    Order: an explicit ``EXCHANGE:TICKER`` in the quote; the claim's
    ``listing`` field (``HK``, ``ADR``, ``A``); words in the quote ("ADRs",
    "Shanghai-listed", "Hong Kong-listed"); else the primary listing.
    Returns ``(None, reason)`` when the entity is unknown or has no listing.
    """
    entity = theme.find_entity(claim.entity)
    if entity is None:
        return None, f"entity {claim.entity!r} is not in the theme"
    if entity.primary is None:
        return None, f"{entity.slug} has no listing in the theme"
    quote = claim.quote or ""
    named = _EXCHANGE_TICKER.search(quote)
    if named:
        ticker = named.group(1).upper()
        found = next((x for x in entity.listings if x.ticker == ticker), None)
        if found is not None:
            return found, f"quote names {named.group(0)}"
    hint = (claim.listing or "").upper()
    candidates: list[tuple[bool, Listing | None, str]] = [
        (hint == "ADR" or bool(_ADR.search(quote)), _pick(entity, kind="adr"), "ADR listing"),
        (bool(_SHANGHAI.search(quote)), _pick(entity, suffix=".SS"), "Shanghai listing"),
        (bool(_SHENZHEN.search(quote)), _pick(entity, suffix=".SZ"), "Shenzhen listing"),
        (
            hint in {"A", "A-SHARE"} or bool(_A_SHARE.search(quote)),
            _pick(entity, suffix=".SS") or _pick(entity, suffix=".SZ"),
            "A-share listing",
        ),
        (
            hint == "HK" or bool(_HONG_KONG.search(quote)),
            _pick(entity, suffix=".HK"),
            "Hong Kong listing",
        ),
    ]
    for wanted, listing, label in candidates:
        if wanted and listing is not None:
            note = None if listing.primary else f"quote points at the {label} {listing.ticker}"
            return listing, note
    return entity.primary, None
