"""Where a security traded, from what a sentence says ("ADRs", "in New York", "onshore").

A company listed in Hong Kong, New York and Shanghai moves differently on
each; a claim is checked on the line the words point at. Ticker tags such as
"(NASDAQ:BIDU)" are decoration (the spec strips them) and never choose a
listing: "Baidu (NASDAQ:BIDU) jumped 16%" in a story about Hong Kong trading
is the Hong Kong listing.

The extractor records the venue on a claim (``Claim.listing``) from the
clause around its number; verify reads it back and, for claims built
elsewhere, reads the quote the same way. One set of patterns serves both.
"""

from __future__ import annotations

import re
from typing import Final, Literal

__all__ = ["VENUES", "Venue", "venue_said", "venues_in"]

Venue = Literal["ADR", "HK", "A", "SS", "SZ"]
"""``ADR`` a US listing; ``HK`` Hong Kong; ``SS``/``SZ`` Shanghai/Shenzhen A-shares; ``A`` either."""

VENUES: Final[tuple[Venue, ...]] = ("ADR", "HK", "A", "SS", "SZ")

_US: Final = r"U\.S\.|U\.?S\b|American\b|Wall\s+Street\b"
_PATTERNS: Final[tuple[tuple[Venue, str], ...]] = (
    (
        "ADR",
        r"\bADRs?\b|\bADSs?\b|American\s+depositary|\b(?:U\.S\.|U\.?S|New\s+York|Nasdaq|NYSE)[-\s]listed"
        rf"|\bin\s+New\s+York\b|\bon\s+Wall\s+Street\b|\bin\s+(?:the\s+)?(?:{_US})"
        rf"|\b(?:{_US})\s+(?:trading|trade|session|hours|shares|stock|listing)\b"
        rf"|\bovernight\s+in\s+(?:the\s+)?(?:{_US})|\bpre-?market\b|\bafter[-\s]hours\b"
        r"|\b(?:before|ahead\s+of)\s+the\s+(?:opening\s+)?bell\b",
    ),
    ("SS", r"\bShanghai[-\s]listed\b|\bSTAR\s+Market\b|\bin\s+Shanghai\b"),
    ("SZ", r"\bShenzhen[-\s]listed\b|\bChiNext\b|\bin\s+Shenzhen\b"),
    ("A", r"\bA[-\s]shares?\b|\bmainland[-\s]listed\b|\bonshore\b"),
    (
        "HK",
        r"\bHong\s+Kong[-\s]listed\b|\bHK[-\s]listed\b|\bin\s+Hong\s+Kong\b"
        r"|\bHong\s+Kong\s+(?:shares|stock|listing|trading|trade|session)\b|\bH[-\s]shares?\b",
    ),
)
_VENUE_RE: Final = re.compile(
    "|".join(f"(?P<{name}>{pattern})" for name, pattern in _PATTERNS), re.IGNORECASE
)


def venues_in(text: str, start: int = 0, end: int | None = None) -> list[tuple[Venue, int]]:
    """Every venue named in ``text[start:end]``, with the offset where it is named."""
    found: list[tuple[Venue, int]] = []
    for m in _VENUE_RE.finditer(text, start, len(text) if end is None else end):
        name = m.lastgroup
        if name is not None:
            found.append((name, m.start()))  # type: ignore[arg-type]  # group names are Venues
    return found


def venue_said(text: str, near: int | None = None) -> Venue | None:
    """The venue ``text`` says a move happened on, or None when it says none.

    When several are named ("its Hong Kong shares fell 2% while the ADRs rose
    1%"), the last one named before offset ``near`` (the number) wins, else
    the first named after it.
    """
    found = venues_in(text)
    if not found:
        return None
    if near is None or len({v for v, _ in found}) == 1:
        return found[0][0]
    before = [v for v, at in found if at <= near]
    return before[-1] if before else next(v for v, at in found if at > near)
