"""Where a security traded, from what a sentence says ("ADRs", "in New York", "onshore").

A company listed in Hong Kong, New York and Shanghai moves differently on
each; a claim is checked on the line the words point at. Ticker tags such as
"(NASDAQ:BIDU)" are decoration (the spec strips them) and never choose a
listing: "Baidu (NASDAQ:BIDU) jumped 16%" in a story about Hong Kong trading
is the Hong Kong listing.

The extractor records the venue on a claim (``Claim.listing``) from the
clause around its number; verify reads it back and, for claims built
elsewhere, reads the quote the same way. One set of patterns serves both.

The patterns are written in lower case and match in any case. ``venues_in``
finds what the one alternation of them (``_VENUE_RE``) finds, but scans each
part on its own, case-sensitively on the lower-cased text, and only where one
of the part's words is: the alternation under ``IGNORECASE`` tried every part
at every position of every clause (the ``scan.first_matches`` idea; that module
cannot be imported here, as ``news.extract`` imports this one).
"""

from __future__ import annotations

import re
from typing import Final, Literal

__all__ = ["VENUES", "Venue", "venue_said", "venues_in"]

Venue = Literal["ADR", "HK", "A", "SS", "SZ"]
"""``ADR`` a US listing; ``HK`` Hong Kong; ``SS``/``SZ`` Shanghai/Shenzhen A-shares; ``A`` either."""

VENUES: Final[tuple[Venue, ...]] = ("ADR", "HK", "A", "SS", "SZ")

_US: Final = r"u\.s\.|u\.?s\b|american\b|wall\s+street\b"
_US_WORDS: Final = ("us", "u.s", "american", "street")
_PARTS: Final[tuple[tuple[Venue, str, tuple[str, ...]], ...]] = (
    # (venue, pattern in lower case, words one of which every match of it holds), in the
    # alternation's order: where two parts match at one offset, the earlier one wins
    ("ADR", r"\badrs?\b|\badss?\b", ("adr", "ads")),
    ("ADR", r"american\s+depositary", ("depositary",)),
    ("ADR", r"\b(?:u\.s\.|u\.?s|new\s+york|nasdaq|nyse)[-\s]listed", ("listed",)),
    ("ADR", r"\bin\s+new\s+york\b", ("york",)),
    ("ADR", r"\bon\s+wall\s+street\b", ("street",)),
    ("ADR", rf"\bin\s+(?:the\s+)?(?:{_US})", _US_WORDS),
    ("ADR", rf"\b(?:{_US})\s+(?:trading|trade|session|hours|shares|stock|listing)\b", _US_WORDS),
    ("ADR", rf"\bovernight\s+in\s+(?:the\s+)?(?:{_US})", ("overnight",)),
    ("ADR", r"\bpre-?market\b", ("premarket", "pre-market")),
    ("ADR", r"\bafter[-\s]hours\b|\b(?:before|ahead\s+of)\s+the\s+(?:opening\s+)?bell\b",
     ("hours", "bell")),
    ("SS", r"\bshanghai[-\s]listed\b|\bstar\s+market\b|\bin\s+shanghai\b", ("shanghai", "star")),
    ("SZ", r"\bshenzhen[-\s]listed\b|\bchinext\b|\bin\s+shenzhen\b", ("shenzhen", "chinext")),
    ("A", r"\ba[-\s]shares?\b|\bmainland[-\s]listed\b|\bonshore\b",
     ("share", "mainland", "onshore")),
    ("HK", r"\bhong\s+kong[-\s]listed\b|\bhk[-\s]listed\b|\bin\s+hong\s+kong\b"
     r"|\bhong\s+kong\s+(?:shares|stock|listing|trading|trade|session)\b|\bh[-\s]shares?\b",
     ("hong", "hk", "share")),
)  # fmt: skip
_VENUE_RE: Final = re.compile(
    "|".join(
        f"(?P<{name}>{'|'.join(p for v, p, _ in _PARTS if v == name)})"
        for name in dict.fromkeys(v for v, _, _ in _PARTS)
    ),
    re.IGNORECASE,
)
"""All venues as one alternation: what ``venues_in`` finds, and how, where lower case misleads."""
_SCANS: Final = tuple((venue, re.compile(p), frozenset(words)) for venue, p, words in _PARTS)
_WORDS: Final = tuple(dict.fromkeys(w for _, _, words in _PARTS for w in words))


def venues_in(text: str, start: int = 0, end: int | None = None) -> list[tuple[Venue, int]]:
    """Every venue named in ``text[start:end]``, with the offset where it is named."""
    end = len(text) if end is None else end
    low = text.lower()
    if len(low) != len(text) or "ı" in text or "ſ" in text:
        # lower-casing moved offsets, or IGNORECASE folds a character to an ASCII letter that
        # ``lower`` does not (``scan.lowered``): only the alternation is exact here
        every = _VENUE_RE.finditer(text, start, end)
        return [(m.lastgroup, m.start()) for m in every]  # type: ignore[misc]  # names are Venues
    present = {w for w in _WORDS if w in low}
    live: list[tuple[int, re.Match[str]]] = []  # (part, its next match)
    for k, (_, rx, words) in enumerate(_SCANS):
        if not present.isdisjoint(words) and (m := rx.search(low, start, end)) is not None:
            live.append((k, m))
    found: list[tuple[Venue, int]] = []
    while live:  # the leftmost match, the earliest part on a tie; the next scans from its end
        k, best = min(live, key=lambda km: (km[1].start(), km[0]))
        found.append((_SCANS[k][0], best.start()))
        pos = best.end()  # > start: no part matches the empty string
        later: list[tuple[int, re.Match[str]]] = []
        for k, m in live:
            if m.start() < pos and (m := _SCANS[k][1].search(low, pos, end)) is None:
                continue
            later.append((k, m))
        live = later
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
