"""Numbers: money, percentages and multiples in a piece of text, with their offsets.

``find_quantities`` reads what a financial journalist writes for an amount
("$3.2 billion", "US$245", "HK$16.73bn", "RMB 50 billion", "380 billion yuan
($53 billion)", "16.73 billion HKD"), a percentage ("4.2%", "4.2 per cent",
"+7.8%", "8%-10%") or a valuation multiple ("21x", "21 times"). Bare counts,
years and index points are not returned: they are never claims by themselves
(the metric stage reads counts such as "seven straight weeks" from phrases).

A range ("8%-10%", "8 to 10 per cent") is one quantity whose ``value`` is the
first bound and ``high`` the second. The sign is kept only when the text
writes one ("+7.8%", "-3%"); a fall told by a verb ("fell 3%") is the metric
stage's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from themelens.news.extract.scan import Folded, lowered

__all__ = [
    "ORDINALS",
    "WORD_NUMBERS",
    "Quantity",
    "QuantityKind",
    "column_percents",
    "find_quantities",
    "parse_count",
]

QuantityKind = Literal["money", "percent", "multiple"]

WORD_NUMBERS: Final[dict[str, int]] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "a": 1, "an": 1, "single": 1,
}  # fmt: skip
ORDINALS: Final[dict[str, int]] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20,
}  # fmt: skip

_SCALES: Final[dict[str, float]] = {
    "trillion": 1e12, "tn": 1e12, "tln": 1e12, "t": 1e12,
    "billion": 1e9, "bn": 1e9, "bln": 1e9, "b": 1e9,
    "million": 1e6, "mn": 1e6, "mln": 1e6, "mil": 1e6, "m": 1e6,
    "thousand": 1e3, "k": 1e3,
}  # fmt: skip

_PREFIX_CURRENCY: Final[dict[str, str]] = {
    "us$": "USD", "u.s.$": "USD", "$": "USD", "usd": "USD", "hk$": "HKD", "hkd": "HKD",
    "rmb": "CNY", "cny": "CNY", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
    "s$": "SGD", "nt$": "TWD", "a$": "AUD", "c$": "CAD",
}  # fmt: skip
_SUFFIX_CURRENCY: Final[dict[str, str]] = {
    "yuan": "CNY", "renminbi": "CNY", "rmb": "CNY", "cny": "CNY", "hkd": "HKD",
    "hong kong dollars": "HKD", "hk dollars": "HKD", "usd": "USD", "us dollars": "USD", "u.s. dollars": "USD",
    "dollars": "USD", "euros": "EUR", "eur": "EUR",
}  # fmt: skip

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
# long scale words may stand apart ("50 billion"); single letters must be glued ("$16.3M")
_SCALE = r"(?:\s?(?:trillion|billion|million|thousand|tln|bln|mln|tn|bn|mn|mil)\b|(?:[tbmk])\b)"
_PREFIX = r"(?:US\$|U\.S\.\s?\$|HK\$|S\$|NT\$|A\$|C\$|\$|€|£|(?:USD|HKD|RMB|CNY|EUR|GBP)\s?)"
_SUFFIX = r"(?:yuan|renminbi|RMB|CNY|HKD|USD|EUR|euros|(?:Hong\s+Kong|HK)\s+dollars|U\.?S\.?\s+dollars|dollars)"

# the full scans run on the lowered sentence (``scan.Folded``); what their groups give is
# read case-blind (currency and scale words are looked up lower-cased)
_MONEY_RE: Final = Folded(
    rf"(?<![A-Za-z])(?P<sign>[-−+])?(?P<pre>{_PREFIX})\s?(?P<num>{_NUM})(?P<scale>{_SCALE})?"
    rf"(?:\s+(?P<suf1>{_SUFFIX})\b)?"
    rf"|(?<![\w$.])(?P<num2>{_NUM})(?P<scale2>{_SCALE})?\s*(?P<suf2>{_SUFFIX})\b"
)
_USD_BRACKET_RE: Final = re.compile(
    rf"\s*\(\s*(?:about|around|roughly|approximately|some|nearly|~)?\s*"
    rf"(?:US\$|U\.S\.\s?\$|\$|USD\s?)\s?(?P<num>{_NUM})(?P<scale>{_SCALE})?\s*\)",
    re.IGNORECASE,
)
_PCT = r"(?:\s?%|\s?per\s?cent\b|\s?percent\b|\s?pct\b|\s?pc\b)"
_PERCENT_RE: Final = Folded(
    rf"(?<![\w.])(?P<sign>[-−+])?(?P<num>{_NUM}){_PCT}?"
    rf"(?P<range>\s?(?:-|–|to)\s?(?P<sign2>[-−+])?(?P<num2>{_NUM}))?{_PCT}"
    rf"(?!\s?points?\b)(?P<pp>\s?(?:percentage\s+)?points?\b)?"
)
_MULTIPLE_RE: Final = Folded(
    rf"(?<![\w.$])(?P<num>{_NUM})(?:\s?x\b|\s+times\b(?!\s+(?:more|less|as|larger|bigger|higher)\b))"
)
_DIGIT_RE: Final = re.compile(r"\d")
_DIGIT_X_RE: Final = re.compile(r"\d\s?x")
"""In every "x" multiple ("21x", "8.9 x"): the "x" of "next" or "tax" lets no scan run."""
_PE_WORD_RE: Final = Folded(r"P\s?/\s?E\b|price[\s-]to[\s-]earnings")
_BARE_MULTIPLE_RE: Final = Folded(
    r"(?:(?:P\s?/\s?E|price[\s-]to[\s-]earnings)(?:\s+(?:ratio|multiple))?|average|mean|median)"
    r"\s+(?:[\w-]+\s+){0,3}?(?:of|at|to|was|is|near|around)\s+"
    r"(?:(?:about|around|roughly|nearly|some|just)\s+)?(?P<num>\d{1,3}(?:\.\d+)?)\b"
    r"(?![.,]?\d|\s*(?:%|per\s*cent|percent|x\b|times|billion|million|trillion|bn|mn))"
)
"""A multiple written without "x" or "times", where the sentence names the P/E."""
_COUNT_RE: Final = re.compile(
    r"^(?:(?P<digits>\d+)(?:st|nd|rd|th)?|(?P<word>[a-z]+))$", re.IGNORECASE
)


@dataclass(frozen=True)
class Quantity:
    """One number the text states, with ``start``/``end`` offsets into the text given.

    ``value`` is in base units (percent as percent, money in whole units);
    ``currency`` is an ISO code for money; ``value_usd`` the dollar figure the
    text adds in brackets; ``high`` the upper bound of a range.
    """

    kind: QuantityKind
    value: float
    start: int
    end: int
    currency: str | None = None
    value_usd: float | None = None
    high: float | None = None
    signed: bool = False
    outer_end: int = -1  # end of a bracketed dollar figure that follows, else -1


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _scaled(num: str, scale: str | None) -> float:
    value = _number(num)
    if scale:
        value *= _SCALES[scale.strip().lower()]
    return value


def _sign(text: str | None) -> float:
    return -1.0 if text in ("-", "−") else 1.0


def parse_count(token: str) -> int | None:
    """A small count written as digits, a word or an ordinal ("7", "seven", "seventh", "7th")."""
    m = _COUNT_RE.match(token.strip())
    if m is None:
        return None
    if m["digits"]:
        return int(m["digits"])
    word = m["word"].lower()
    return WORD_NUMBERS.get(word, ORDINALS.get(word))


_MONEY_WORDS: Final = (
    "$", "€", "£", "usd", "hkd", "rmb", "cny", "eur", "gbp", "yuan", "renminbi", "dollars"
)  # fmt: skip
"""One of them is in every match of ``_MONEY_RE`` (its prefixes and suffixes, lower case)."""


def _money(text: str, low: str | None, taken: list[tuple[int, int]]) -> list[Quantity]:
    if low is not None and not any(map(low.__contains__, _MONEY_WORDS)):
        return []  # no currency word: ``_MONEY_RE`` (run on ``low``) cannot match
    found: list[Quantity] = []
    for m in _MONEY_RE.finditer_low(text, low):
        if _overlaps(m.span(), taken):
            continue
        if m["num"] is not None:
            pre = re.sub(r"\s", "", m["pre"]).lower()
            currency = _PREFIX_CURRENCY.get(pre, "USD")
            if m["suf1"]:  # "$50 billion Hong Kong dollars" is rare; the word wins
                currency = _SUFFIX_CURRENCY.get(" ".join(m["suf1"].lower().split()), currency)
            value = _scaled(m["num"], m["scale"]) * _sign(m["sign"])
        else:
            suffix = " ".join(m["suf2"].lower().split())
            currency = _SUFFIX_CURRENCY.get(suffix, "USD")
            value = _scaled(m["num2"], m["scale2"])
        end = m.end()
        value_usd = None
        bracket = _USD_BRACKET_RE.match(text, end)
        if bracket is not None and currency != "USD":
            value_usd = _scaled(bracket["num"], bracket["scale"])
            taken.append((bracket.start(), bracket.end()))
        outer = bracket.end() if bracket is not None else -1
        found.append(
            Quantity(
                "money", value, m.start(), end, currency, value_usd, signed=bool(m["sign"]),
                outer_end=outer,
            )
        )  # fmt: skip
        taken.append((m.start(), end))
    return [q for k, q in enumerate(found) if not (k and _converted(text, found[k - 1], q))]


_CONVERSION_GAP_RE: Final = re.compile(
    r"\s*[(\[]\s*(?:about|around|roughly|approximately|some|nearly|or|~|≈)?\s*$", re.IGNORECASE
)


def _converted(text: str, prev: Quantity, q: Quantity) -> bool:
    """A bracketed amount right after another one is its conversion ("(S$6.57 billion)")."""
    return prev.end <= q.start and _CONVERSION_GAP_RE.fullmatch(text, prev.end, q.start) is not None


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in taken)


_BARE_SIGNED_RE: Final = re.compile(
    r"(?<![\w.,%$])(?P<sign>[-−+])(?P<num>\d{1,3}(?:\.\d+)?)(?![\w.,%])"
)


def column_percents(text: str) -> list[Quantity]:
    """Signed bare numbers ("-1.27", "+0.21") of a table row under a "Chg (%)" heading.

    The heading says they are percentages; a signed number is a change, an
    unsigned one a level (left out).
    """
    return [
        Quantity("percent", _number(m["num"]) * _sign(m["sign"]), m.start(), m.end(), signed=True)
        for m in _BARE_SIGNED_RE.finditer(text)
    ]


def find_quantities(text: str) -> list[Quantity]:
    """Money, percentages and multiples in ``text``, in order of position.

    Notes
    -----
    Money is read first, so the bracketed dollar figure of "380 billion yuan
    ($53 billion)" becomes the ``value_usd`` of one quantity, not a second one.
    Percentage points ("2 percentage points") are left out: they are changes
    of a rate, which no metric of the spec measures.
    """
    if _DIGIT_RE.search(text) is None:
        return []
    taken: list[tuple[int, int]] = []
    low = lowered(text)
    found = _money(text, low, taken)
    # a percent holds "%", "pc" or "per" and "cent"; a multiple a digit and "x", or "times": a
    # scan that cannot match is skipped (``scan.lowered``: ``in`` on ``low`` stands for a
    # case-blind match)
    percent = low is None or "%" in low or "pc" in low or ("per" in low and "cent" in low)
    for m in _PERCENT_RE.finditer_low(text, low) if percent else ():
        if m["pp"] or _overlaps(m.span(), taken):
            continue
        high = _number(m["num2"]) * _sign(m["sign2"] or m["sign"]) if m["range"] else None
        value = _number(m["num"]) * _sign(m["sign"])
        found.append(
            Quantity("percent", value, m.start(), m.end(), high=high, signed=bool(m["sign"]))
        )
        taken.append(m.span())
    multiple = low is None or "times" in low or _DIGIT_X_RE.search(low) is not None
    for m in _MULTIPLE_RE.finditer_low(text, low) if multiple else ():
        if not _overlaps(m.span(), taken):
            found.append(Quantity("multiple", _number(m["num"]), m.start(), m.end()))
            taken.append(m.span())
    if _PE_WORD_RE.search_low(text, low):  # "a P/E ratio of about 22", "a five-year average of 19"
        for m in _BARE_MULTIPLE_RE.finditer_low(text, low):
            if not _overlaps(m.span("num"), taken):
                found.append(Quantity("multiple", _number(m["num"]), m.start("num"), m.end("num")))
    found.sort(key=lambda q: q.start)
    return found
