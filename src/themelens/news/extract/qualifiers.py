"""Qualifiers: the hedge a writer puts on a number ("over 7%", "nearly $200 billion").

Only words standing right before the number count ("rose nearly 8%", "at
roughly 21 times", "up to 80%"); a hedge further away ("above the 380
billion yuan pledged") qualifies a plan, not the number. A mainland "daily
limit" move is ``limit_up`` wherever the number stands in the phrase
("hit the daily 10% limit", "rose by the 10% daily limit", "limit-up").
"""

from __future__ import annotations

import re
from typing import Final, Literal

from themelens.news.extract.scan import Folded, lowered

__all__ = ["LIMIT_RE", "QualifierName", "qualifier_before"]

QualifierName = Literal["over", "nearly", "about", "up_to", "at_least", "limit_up"]

_HEDGES: Final[tuple[tuple[QualifierName, str], ...]] = (
    ("up_to", r"up\s+to|as\s+(?:much|many|high)\s+as|as\s+much\s+as"),
    ("at_least", r"at\s+least|no\s+(?:less|fewer)\s+than|a\s+minimum\s+of"),
    ("over", r"over|more\s+than|above|beyond|upwards\s+of|in\s+excess\s+of|north\s+of|exceeding|topping"),
    ("nearly", r"nearly|almost|close\s+to|just\s+(?:under|below|shy\s+of)|approaching|shy\s+of"),
    ("about", r"about|around|roughly|approximately|some|an\s+estimated|circa|~"),
)  # fmt: skip
_HEDGE_RE: Final = Folded(  # run on the lowered text (``scan.Folded``): group names are read
    r"(?:^|[\s(])(?:" + "|".join(f"(?P<{name}>{rx})" for name, rx in _HEDGES) + r")\s*(?:a|an)?\s*$"
)
_HEDGE_ENDS: Final = (
    "to", "as", "least", "than", "of", "over", "above", "beyond", "exceeding", "topping",
    "nearly", "almost", "under", "below", "approaching", "about", "around", "roughly",
    "approximately", "some", "estimated", "circa", "~", "a", "an",
)  # fmt: skip
"""How a hedge of ``_HEDGES`` ends, or the "a"/"an" ``_HEDGE_RE`` lets follow it (lower case)."""
LIMIT_RE: Final = re.compile(
    r"\b(?:daily\s+(?:\S+\s+)?(?:trading\s+)?limit|limit[\s-]up|trading\s+limit|"
    r"(?:upper|maximum)\s+(?:daily\s+)?limit|stop[\s-]high)\b",
    re.IGNORECASE,
)


def qualifier_before(text: str, start: int) -> QualifierName | None:
    """The hedge that ends right before ``text[start:]`` (a number), or None.

    ``~`` directly before the number counts too ("~8%").
    """
    head = text[max(0, start - 40) : start]
    if head.endswith("~"):
        return "about"
    low = lowered(head, remember=False)
    if low is not None and not low.rstrip().endswith(_HEDGE_ENDS):
        return None  # a match ends the text (but for spaces) with one of them
    m = _HEDGE_RE.search_low(head, low)
    if m is None:
        return None
    for name, _ in _HEDGES:
        if m.group(name):
            return name
    return None  # pragma: no cover - one group always matched
