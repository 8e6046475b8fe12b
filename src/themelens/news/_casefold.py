"""What Python's ``re.IGNORECASE`` pairs with ASCII letters beyond their two cases.

Two scans lean on it: the claim extractor tests words in the lower-cased text
instead of running case-insensitive regexes (safe only where ``str.lower``
agrees with ``IGNORECASE``), and the sentiment alias regex opens each alias
with one branch per case of its first character. Tests check both facts below
against all of Unicode.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["FOLD_ONLY_IGNORECASE", "IGNORECASE_PARTNERS", "case_variants"]

IGNORECASE_PARTNERS: Final = ("\u0130", "\u0131", "\u017f", "\u212a")
"""The non-ASCII characters ``IGNORECASE`` may pair with an ASCII letter: dotted and
dotless I, long s, the Kelvin sign."""

FOLD_ONLY_IGNORECASE: Final = frozenset(
    c for c in IGNORECASE_PARTNERS if len(c.lower()) == 1 and not c.lower().isascii()
)
"""Of those, the ones ``str.lower`` does not map to the letter: dotless ``ı`` (to ``i``)
and long ``ſ`` (to ``s``). ``İ`` lowers to two characters, which a length test
catches; the Kelvin sign lowers to ``k``."""


def case_variants(char: str) -> list[str]:
    """Every character ``(?i:char)`` matches, sorted (just ``char`` when it has no case)."""
    pool = {char, char.lower(), char.upper(), *IGNORECASE_PARTNERS}
    single = (c for c in pool if len(c) == 1)
    return sorted(c for c in single if re.fullmatch(f"(?i:{re.escape(char)})", c))
