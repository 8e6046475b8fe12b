"""Entities: who a sentence talks about, linked to theme slugs through the theme's aliases.

The ``EntityLinker`` compiles one pattern from the theme's entity names and
aliases, so a user's theme that adds entities or aliases extends what is
found. Short all-caps aliases and tickers (``JD``, ``BIDU``, ``9988.HK``) match
case-sensitively, so an alias never fires on an ordinary word; other aliases
match in any case. On top of the aliases it knows a few unnamed sets that
journalists write in many ways ("Chinese tech giants", "China's biggest
internet companies" → ``china-big-tech``; "AI data centres in China" →
``china-ai-datacenters``; "the global AI market" → ``ai-market``; "Chinese
tech stocks" → the theme's benchmark), each used only when the theme has
that slug, and the anaphors that point back to one ("the index", "the
gauge", "the company", "its shares").

Mentions of a named set ("Alibaba, Tencent and Baidu") are grouped by
``group_around``; their slugs are joined sorted with ``+`` (``join_slugs``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from typing import Final

from themelens.news.extract.aliases import Spans, longest_first, trie_pattern
from themelens.news.extract.metrics import DOWN_WORDS, UP_WORDS
from themelens.news.extract.scan import Branch, Folded, first_matches
from themelens.theme import Theme

__all__ = [
    "ArticleNames",
    "EntityLinker",
    "Mention",
    "group_around",
    "is_stop_word",
    "is_title_case",
    "join_slugs",
]

_BOUND_L: Final = r"(?<![A-Za-z0-9])"
_BOUND_R: Final = r"(?![A-Za-z0-9])"
_CN = r"(?:China(?:['’]s)?|Chinese|mainland(?:\s+Chinese)?|the\s+country['’]s)"
_GENERIC: Final[tuple[tuple[str, str], ...]] = (
    (
        "china-big-tech",
        rf"{_CN}\s+(?:(?:major|big|biggest|largest|leading|top|major\s+tech|five|four|three)\s+)*"
        r"(?:tech(?:nology)?|internet|online|platform|AI|cloud)\s+"
        r"(?:giants|titans|heavyweights|majors|players|companies|firms|groups|leaders|platforms)"
        rf"|{_CN}\s+(?:big\s+tech|hyperscalers|tech\s+majors)"
        r"|(?:Chinese|China['’]s)\s+(?:(?:major|big|biggest|largest|leading|top)\s+)*"
        r"(?:internet|tech(?:nology)?)\s+(?:giants|companies|firms)",
    ),
    ("china-ai-datacenters", r"(?:(?:Chinese|China['’]s)\s+)?AI\s+data\s*cent(?:er|re)s"),
    (
        "ai-market",
        r"(?:(?:global|broader|worldwide|overall|generative)\s+)?(?:AI|artificial[\s-]intelligence)\s+"
        r"(?:(?:cloud|computing|software|services|applications?)\s+)?market"
        r"|market\s+for\s+(?:AI|artificial\s+intelligence)"
        r"|(?:(?:China|Chinese|China['’]s|the\s+country['’]s|global)\s+)?(?:core\s+)?"
        r"(?:AI|artificial[\s-]intelligence)\s+industry",
    ),
    (
        "southbound",
        r"mainland(?:\s+Chinese)?\s+(?:investors|funds|buyers|traders|money)"
        r"|(?:Stock\s+Connect\s+)?southbound(?:\s+(?:trading\s+)?(?:link|channel|flows?|investors|funds|buying))?",
    ),
    (
        "hsi",
        r"(?<!['’]s\s)(?<!\bits\s)(?<!\btheir\s)"
        r"Hong\s+Kong(?:['’]s)?\s+(?:stocks|shares|equities|stock\s+market|market)\b",
    ),
)  # fmt: skip
_GENERIC_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "china-big-tech": ("chin", "mainland", "country"),
    "china-ai-datacenters": ("data",),
    "ai-market": ("market", "industry"),
    "southbound": ("mainland", "southbound"),
    "hsi": ("hong",),
}
"""Words (lower case) one of which every match of the slug's ``_GENERIC`` pattern holds: a
sentence with none of them is not scanned for it (``scan.first_matches``)."""
_SUBSIDIARY_RE: Final = re.compile(
    r"\s+(?:Health|Pictures|Music|Logistics|Property|Properties|Entertainment|Digits|Industrials|"
    r"Auto|Securities|Bank|Financial|Life)\b"
)  # a separately listed unit named after its parent ("Alibaba Health") is another company
_OTHER_INDEX_RE: Final = re.compile(
    r"(?:\s+[A-Z][\w&.'’-]*){1,4}\s+(?:[Ii]ndex|INDEX|ETF|[Ff]und|FUND|Tracker|TRACKER)\b"
    r"|\s+(?:[A-Z][\w&.'’-]*\s+){0,3}(?:ETF|Fund|FUND|Tracker|TRACKER)\b"
)
"""Capitalised words and "index"/"ETF" after a known name: another index or a fund."""
_EXCHANGE_USE_RE: Final = re.compile(r"-(?:listed|traded)\b|\s*:\s*[A-Z]{1,5}\b")
_NEXT_WORD_RE: Final = re.compile(r"[ \t]+(?P<word>[A-Z][a-z]+)\b(?![-'’])")
_BENCHMARK_PHRASE: Final = (
    r"(?:Chinese|China(?:['’]s)?|Hong\s+Kong(?:-listed)?|China['’]s\s+(?:battered\s+)?)\s+"
    r"(?:(?:AI|big|large)\s+)?(?:tech(?:nology)?|internet|AI)\s+(?:stocks|shares|equities|sector|names)"
    r"|(?<!\w)(?:tech|internet)\s+(?:majors|heavyweights|giants)"
    r"|(?:Chinese|China(?:['’]s)?|mainland)\s+(?:peers|rivals|counterparts)"
)
_BENCHMARK_WORDS: Final = ("chin", "hong", "majors", "heavyweights", "giants", "mainland")
_INDEX_ANAPHOR: Final = (
    r"\b(?:the|Hong\s+Kong['’]s|its)\s+(?:(?:tech(?:nology)?|tech-heavy|broader|benchmark|main|"
    r"blue-chip)\s+)?(?:index|gauge|benchmark|barometer|measure)\b"
)
_COMPANY_NOUN_ANAPHOR: Final = (
    r"\bthe\s+(?:[\w-]+\s+){0,3}?(?:company|firm|group|giant|chipmaker|foundry|startup|"
    r"conglomerate|retailer|maker|platform|operator|carrier|developer|designer|e-commerce\s+"
    r"(?:giant|group|leader)|search\s+giant)\b(?!['’]s\s+(?:[\w.-]+\s+)?(?:shares|stock|ADRs))"
)
_COMPANY_NOUNS: Final = (
    "company", "firm", "group", "giant", "maker", "foundry", "startup", "conglomerate",
    "retailer", "platform", "operator", "carrier", "developer", "designer", "leader",
)  # fmt: skip
_SHARES_ANAPHOR: Final = (
    r"\b(?:the|its|their)\s+(?:[\w.-]+(?:['’]s)?\s+){0,2}?(?:shares|stock|ADRs|ADSs|"
    r"American\s+depositary\s+(?:receipts|shares))\b(?!\s+(?:Exchange|Connect|[Mm]arket))"
    r"|^(?:(?:And|But|Meanwhile),?\s+)?[Ss]hares\b"
)
_NAME_STOP: Final = frozenset(
    """the a an and but or its their it they this that these those shares stocks stock equities
    markets market tech technology chip chipmakers chip-related internet ai it's meanwhile
    elsewhere overall both investors analysts traders hong kong china chinese mainland beijing
    shanghai shenzhen u.s. us wall street asia asian europe european global index indices gauge
    benchmark sector group company monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    also while as in on at by for after before among of with adrs h-shares a-shares some most
    many several other others all which who earlier later yesterday today jan feb mar apr jun
    jul aug sep sept oct nov dec new york london tokyo singapore taipei seoul premarket
    pre-market trading trade nasdaq nyse hkex corporation corp inc co ltd limited holdings
    adr ads ads h-share a-share
    group plc""".split()  # noqa: SIM905
)


_WORD_RE: Final = re.compile(r"[A-Za-z][a-z]{3,}|[A-Z]{4,}")


_UPPER: Final = bytes(range(ord("A"), ord("Z") + 1))
_LOWER: Final = bytes(range(ord("a"), ord("z") + 1))


def is_title_case(text: str) -> bool:
    """Most words of four letters or more capitalised, or the line in capitals: no names."""
    # ASCII letters counted in the UTF-8 bytes (other characters' bytes are all >= 0x80):
    # deleting them is one C loop, where a regex ``findall`` builds a list of them
    data = text.encode("utf-8", "surrogatepass")
    upper = len(data) - len(data.translate(None, _UPPER))
    lower = len(data) - len(data.translate(None, _LOWER))
    if upper + lower >= 12 and upper >= 0.8 * (upper + lower):
        return True  # an ALL CAPS headline ("*HUA HONG SEES 4Q REVENUE UP 18%")
    if upper < 4:
        return False  # 70% of five words or more: four capitals at least, one per word
    words = _WORD_RE.findall(text)
    return len(words) >= 5 and sum(map(str.isupper, map(_FIRST, words))) >= 0.7 * len(words)


_FIRST: Final = itemgetter(0)


def is_stop_word(word: str) -> bool:
    """A capitalised word that names no one ("The", "Shares", "Monday", "Hong", "Shanghai-listed")."""
    low = word.lower().rstrip(".,").removesuffix("'s").removesuffix("’s")
    return low in _NAME_STOP or low.endswith(("-listed", "-based", "-traded"))


_FUND_RE: Final = re.compile(
    r"[A-Z](?<![\w.&-].)[\w&'’.-]*\s+(?:[A-Z][\w&'’.-]*\s+){0,5}(?:ETFs?|Funds?|Trust|Tracker)\b"
)
"""A named ETF or fund ("the KraneShares CSI China Internet ETF") is no theme entity."""
_FUND_HINT_RE: Final = re.compile(r"ETF|Fund|Trust|Tracker")
_MOVE_WORD_RE: Final = re.compile(rf"(?:{UP_WORDS}|{DOWN_WORDS})", re.IGNORECASE)
_TOKEN_RE: Final = re.compile(r"\S+")
_BRIDGE: Final = frozenset(
    ["also", "had", "has", "have", "was", "were", "closed", "ended", "finished", "shares",
     "stock", "adrs", "index", "etf", "h-shares", "a-shares"]
)  # fmt: skip
_NAME_TOKEN_RE: Final = re.compile(r"(?:[A-Z][\w&'’.-]*|\d{2,4}|of|de)")
_SUBJECT_REACH: Final = 120


@lru_cache(maxsize=4096)
def _is_move_word(token: str) -> bool:
    """A word of a price move ("fell", "jumped,"): one regex test per distinct token."""
    return _MOVE_WORD_RE.fullmatch(token.rstrip(",;:.")) is not None


def _unknown_subjects(text: str) -> list[tuple[int, int]]:
    """Capitalised names right before a price move ("Pop Mart fell 9%", "BYD shares rose").

    If the theme does not know such a name, it is a company (or index) without
    a slug, and its number must not be lent to a neighbour that has one. Read
    by walking back from each move word over at most three bridge words ("shares",
    "also", "Hong Kong-listed"), a possessive, then the run of capitalised words.
    """
    out: list[tuple[int, int]] = []
    moves = list(map(_is_move_word, text.split()))  # ``str.split`` cuts where ``\S+`` does
    if not any(moves):
        return out
    every = [(m.start(), m.group(0)) for m in _TOKEN_RE.finditer(text)]
    for at in compress(range(len(every)), moves):  # the move words' places, found in one C loop
        pos = every[at][0]
        toks = [t for t in every[max(0, at - 12) : at] if t[0] >= pos - _SUBJECT_REACH]
        k = len(toks) - 1
        bridges = 0
        while (
            k >= 0
            and bridges < 3
            and (toks[k][1].lower() in _BRIDGE or toks[k][1].endswith("-listed"))
        ):
            if toks[k][1] == "Kong-listed" and k > 0 and toks[k - 1][1] == "Hong":
                k -= 1  # "Hong Kong-listed" is one bridge
            k, bridges = k - 1, bridges + 1
        name: list[tuple[int, str]] = []
        while k >= 0:
            pos, tok = toks[k]
            tok = tok.lstrip("*•-–—\"'“‘(")
            word = tok if name else tok.removesuffix("'s").removesuffix("’s")
            if not _NAME_TOKEN_RE.fullmatch(word):
                break
            name.insert(0, (pos, word))
            k -= 1
        span = _trimmed(text, name)
        if span is not None:
            out.append(span)
    return out


def _trimmed(text: str, name: list[tuple[int, str]]) -> tuple[int, int] | None:
    """The name without leading stop words ("The", "Shares", "Hong Kong"), or None."""
    words = [(p, w) for p, w in name if not w.endswith("-listed")]
    while words and (is_stop_word(words[0][1]) or words[0][1] in ("of", "de")):
        words = words[1:]
    if not words or not words[0][1][0].isupper() or all(is_stop_word(w) for _, w in words):
        return None
    start, first = words[0]
    lone = len(words) == 1 and first[1:].islower() and first.isalpha()
    if lone and not text[:start].strip(" \"'“‘(-–—•*"):
        return None  # "Revenue rose 2%": a capitalised first word is not a name
    return start, words[-1][0] + len(words[-1][1])


_CORP = r"(?:\s*(?:Corporation|Corp|Inc|Co|Ltd|Holdings?|Group|Limited|PLC|SA|AG|NV)\b\.?,?)*"
_PRONOUN: Final = r"\b(?:its|their|it|they)\b"
_ANAPHOR_WORDS: Final = (
    ("index", _INDEX_ANAPHOR, ("index", "gauge", "benchmark", "barometer", "measure")),
    ("company", _COMPANY_NOUN_ANAPHOR, _COMPANY_NOUNS),
    ("company", _SHARES_ANAPHOR, ("shares", "stock", "adrs", "adss", "depositary")),
    ("pronoun", _PRONOUN, ("it", "the")),
)
"""Each anaphor's group name, pattern and words (one of them is in every match); the company
anaphor's two alternatives ("the company", "its shares") are scanned apart, each only where
one of its nouns is."""
_SEP_RE: Final = re.compile(
    rf"^(?:-S?W\b)?{_CORP}\s*(?:\([^()]{{0,30}}\)\s*)?(?:,\s*(?:and\s+|as\s+well\s+as\s+)?|and\s+|&\s*|/\s*|plus\s+)(?:the\s+)?$",
    re.IGNORECASE,
)
_TICKER_PAREN_RE: Final = re.compile(rf"^{_CORP}\s*\((?:[A-Za-z]+\s*:\s*)?$")


@dataclass(frozen=True)
class Mention:
    """A mention at ``start``/``end`` of a sentence.

    ``kind`` is the entity's kind (``company``, ``index``, ``investor``,
    ``channel``, ``aggregate``; ``market`` for "Hong Kong stocks", ``sector`` for
    "Chinese tech stocks"), or
    ``index-anaphor`` / ``company-anaphor`` / ``pronoun`` for a word that points
    back to one, or ``unknown`` for a company the theme does not know ("Alibaba
    Health"); anaphors and unknowns have ``slug`` "".
    """

    start: int
    end: int
    slug: str
    kind: str


def join_slugs(slugs: list[str] | tuple[str, ...] | set[str]) -> str:
    """A named set's entity: its distinct slugs, sorted, joined with ``+``."""
    return "+".join(sorted(set(slugs)))


def _case_sensitive(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    short_caps = bool(letters) and len(letters) <= 4 and alias.upper() == alias
    return any(c.isdigit() for c in alias) or short_caps


class EntityLinker:
    """Finds theme entities, unnamed sets and anaphors in text.

    Build one per theme (``EntityLinker(theme)``); ``find`` is then a few
    regex scans per sentence.
    """

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self.kinds: dict[str, str] = {e.slug: e.kind for e in theme.entities}
        exact: dict[str, str] = {}
        folded: dict[str, str] = {}
        for ent in theme.entities:
            for alias in (ent.name, *ent.aliases):
                target = exact if _case_sensitive(alias) else folded
                target.setdefault(alias if target is exact else alias.casefold(), ent.slug)
        self._exact = exact
        self._folded = folded
        # the left boundary of the tickers' pattern is tested by ``longest_first``
        self._exact_re = self._alternation(exact, 0, bound_left=False)
        self._folded_re = self._alternation(folded, re.IGNORECASE)
        # the same names matched case-sensitively against lower-cased text: IGNORECASE
        # makes Python's re compare every character twice, and linking runs on every sentence
        self._lower_re = self._alternation({k.lower(): v for k, v in folded.items()}, 0)
        generic = [(slug, rx, _GENERIC_WORDS[slug]) for slug, rx in _GENERIC if slug in self.kinds]
        # "Chinese tech stocks", "tech majors", "Chinese peers": an unnamed set (spec
        # Conventions), read as the theme's benchmark where the theme has no such set
        sector = "china-big-tech" if "china-big-tech" in self.kinds else theme.default_benchmark
        if sector in self.kinds:
            generic.append((sector, _BENCHMARK_PHRASE, _BENCHMARK_WORDS))
        self._sector_slot = len(generic) - 1 if sector in self.kinds else -1
        self._generic_slugs = [slug for slug, _, _ in generic]
        # each pattern scanned on its own, and only where one of its words is (scan.py)
        self._generic = _branches([(rx, words) for _, rx, words in generic])
        self._anaphors = _branches([(rx, words) for _, rx, words in _ANAPHOR_WORDS])

    @staticmethod
    def _alternation(
        names: dict[str, str], flags: int, *, bound_left: bool = True
    ) -> re.Pattern[str] | None:
        if not names:
            return None
        left = _BOUND_L if bound_left else ""
        return re.compile(f"{left}(?:{trie_pattern(names)}){_BOUND_R}", flags)

    def _slug_of(self, matched: str) -> str:
        norm = " ".join(matched.split())
        return self._exact.get(norm) or self._folded[norm.casefold()]

    def find(self, text: str, *, names_only: bool = False) -> list[Mention]:
        """Entity mentions and anaphors in ``text``, in order, longest match first on overlap.

        ``names_only`` skips unnamed sets and anaphors (enough to keep the
        running context of a sentence that states no number).

        A ticker in brackets right after its company ("Baidu (NASDAQ:BIDU)")
        is folded into the name's mention.
        """
        found: list[Mention] = []
        taken: Spans | None = None  # filed once a mention may overlap another (below)

        def add(start: int, end: int, slug: str, kind: str, *, alias: bool = False) -> None:
            nonlocal taken
            if taken is None:
                if alias:  # the spans of ``longest_first`` never overlap each other
                    found.append(Mention(start, end, slug, kind))
                    return
                taken = Spans()
                for m in found:
                    taken.add(m.start, m.end)
            if taken.overlaps(start, end):
                return
            found.append(Mention(start, end, slug, kind))
            taken.add(start, end)

        title_case: bool | None = None
        lowered = text.lower()
        if len(lowered) == len(text):  # offsets line up (no "İ"-style expansions)
            spans = longest_first(
                text, ((lowered, self._lower_re, False), (text, self._exact_re, True))
            )
        else:
            spans = longest_first(
                text, ((text, self._folded_re, False), (text, self._exact_re, True))
            )
        for start, end in spans:
            slug = self._slug_of(text[start:end])
            after = text[end : end + 3]
            if not (after[:1] in "-:" or after[1:2].isupper() or after[:2] == " :"):
                # the usual case: nothing follows the name
                add(start, end, slug, self.kinds[slug], alias=True)
                continue
            if self.kinds[slug] == "company" and (sub := _SUBSIDIARY_RE.match(text, end)):
                add(start, sub.end(), "", "unknown")  # "Alibaba Health" is not Alibaba
                continue
            if _EXCHANGE_USE_RE.match(text, end):
                continue  # "Nasdaq-listed", "NASDAQ: BIDU": the exchange, not its index
            other = _OTHER_INDEX_RE.match(text, end)
            if other is None and self.kinds[slug] == "index":
                # "Nasdaq Golden Dragon": another index, unless the line is in Title Case
                if title_case is None:  # once: ``text`` may be a whole article
                    title_case = is_title_case(text)
                nxt = None if title_case else _NEXT_WORD_RE.match(text, end)
                other = nxt if nxt is not None and not is_stop_word(nxt["word"]) else None
            if other is not None:
                add(start, other.end(), "", "unknown")  # "Nasdaq Golden Dragon China index"
                continue
            add(start, end, slug, self.kinds[slug], alias=True)
        if names_only:
            found.sort(key=lambda m: m.start)
            return found
        # names the theme does not know matter only where a number may be lent to them
        # capitals say nothing about names in a Title Case line ("Shares Rose 3%")
        for start, end in [] if is_title_case(text) else _unknown_subjects(text):
            add(start, end, "", "unknown")
        if _FUND_HINT_RE.search(text):
            for m in _FUND_RE.finditer(text):
                add(m.start(), m.end(), "", "unknown")
        if self._generic is not None:
            for slot, m in first_matches(text, *self._generic):
                slug = self._generic_slugs[slot]
                kind = "sector" if slot == self._sector_slot else self.kinds[slug]
                # "Hong Kong stocks" is the market (its index), not an index the article follows
                add(m.start(), m.end(), slug, "market" if slug == "hsi" else kind)
        assert self._anaphors is not None
        for slot, m in first_matches(text, *self._anaphors):
            name = _ANAPHOR_WORDS[slot][0]
            add(m.start(), m.end(), "", "pronoun" if name == "pronoun" else f"{name}-anaphor")
        found.sort(key=lambda m: m.start)
        return _fold_tickers(text, found)


def _branches(
    patterns: list[tuple[str, tuple[str, ...]]],
) -> tuple[list[Branch], re.Pattern[str]] | None:
    """Case-insensitive patterns as ``first_matches`` branches, with their alternation."""
    if not patterns:
        return None
    branches = [(Folded(rx), words) for rx, words in patterns]
    union = re.compile(
        "|".join(f"(?P<g{i}>{rx})" for i, (rx, _) in enumerate(patterns)), re.IGNORECASE
    )
    return branches, union


def _fold_tickers(text: str, mentions: list[Mention]) -> list[Mention]:
    out: list[Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        same = prev is not None and prev.slug == m.slug and bool(m.slug)
        if same and prev is not None and _TICKER_PAREN_RE.match(text[prev.end : m.start]):
            continue
        out.append(m)
    return out


def group_around(text: str, mentions: list[Mention], index: int) -> list[Mention]:
    """The named set that mention ``index`` belongs to ("Alibaba, Tencent, and Baidu").

    Neighbours joined only by commas, "and", "&" or "/" (a bracketed ticker
    may sit between) are one set; a lone mention is a set of one.
    """
    if not mentions[index].slug:
        return [mentions[index]]
    lo = hi = index
    kind = mentions[index].kind  # "tech heavyweights, BABA-W": a set is not one of its members
    while (
        lo > 0
        and mentions[lo - 1].slug
        and mentions[lo - 1].kind == kind
        and _SEP_RE.match(text[mentions[lo - 1].end : mentions[lo].start])
    ):
        lo -= 1
    while (
        hi + 1 < len(mentions)
        and mentions[hi + 1].slug
        and mentions[hi + 1].kind == kind
        and _SEP_RE.match(text[mentions[hi].end : mentions[hi + 1].start])
    ):
        hi += 1
    return mentions[lo : hi + 1]


class ArticleNames:
    """The theme's names found once over a whole article, handed out per sentence."""

    def __init__(self, mentions: list[Mention]) -> None:
        self._mentions = mentions
        self._starts = [m.start for m in mentions]

    def within(self, start: int, end: int) -> list[Mention]:
        """Mentions inside ``[start, end)``, with offsets relative to ``start``."""
        lo = bisect_left(self._starts, start)
        hi = bisect_left(self._starts, end)
        if lo == hi:
            return []  # most sentences name no one
        return [
            Mention(m.start - start, m.end - start, m.slug, m.kind)
            for m in self._mentions[lo:hi]
            if m.end <= end
        ]
