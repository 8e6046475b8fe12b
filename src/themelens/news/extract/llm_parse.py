"""From a model's text to validated Claims: JSON, vocabulary, and quotes pinned to the article.

A model's answer is treated as untrusted input. Each claim must use a metric
of ``METRICS``, a slug the theme knows (or a ``+``-joined set of them), a
value of the right type, and a quote that the article really contains. The
quote is looked up exactly first, then with whitespace and typographic quotes
and dashes folded (models re-flow line breaks and straighten apostrophes);
either way the claim's ``quote``/``start``/``end`` are the article's own
characters, so a citation always points at real text. What fails is dropped
and counted in ``ExtractionStats``, never passed on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from themelens.errors import ArticleError
from themelens.news.article import Article
from themelens.news.claim import METRICS, MONEY_METRICS, Claim
from themelens.news.extract.dedup import dedup
from themelens.news.extract.llm_prompt import QUALIFIERS
from themelens.news.extract.stats import ExtractionStats

__all__ = [
    "ParsedAnswer",
    "load_answer",
    "locate_quote",
    "normalise_entity",
    "parse_claims",
    "parse_model_answer",
]


_FOLD: Final = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
     "\u00a0": " "}
)  # fmt: skip
_MONTH_RE: Final = re.compile(r"^\d{4}-(0[1-9]|1[0-2])")
_DATE_RE: Final = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_CURRENCY_RE: Final = re.compile(r"^[A-Z]{3}$")


class ParsedAnswer(NamedTuple):
    """Claims read from one answer (not yet deduplicated) and what was dropped on the way."""

    claims: list[Claim]
    stats: ExtractionStats


def locate_quote(
    text: str, quote: str, *, start: int = 0, end: int | None = None
) -> tuple[int, int] | None:
    """Offsets of ``quote`` in ``text[start:end]``, or None when it is not there.

    Notes
    -----
    Exact match first; then both sides are folded (whitespace runs to one
    space, curly quotes to straight ones, en and em dashes to hyphens) and
    the match is mapped back to offsets of the original text, so
    ``text[s:e]`` is the article's wording even when the model's differs in
    those ways. Nothing else (case, words, ellipses) is forgiven.
    """
    stop = len(text) if end is None else end
    needle = quote.strip()
    if not needle:
        return None
    found = text.find(needle, start, stop)
    if found >= 0:
        return found, found + len(needle)
    chars: list[str] = []
    where: list[int] = []
    for k in range(start, stop):
        ch = text[k].translate(_FOLD)
        if ch.isspace():
            if not chars or chars[-1] == " ":
                continue
            ch = " "
        chars.append(ch)
        where.append(k)
    folded_needle = " ".join(needle.translate(_FOLD).split())
    j = "".join(chars).find(folded_needle)
    if j < 0:
        return None
    return where[j], where[j + len(folded_needle) - 1] + 1


def normalise_entity(entity: object, slugs: Collection[str] | None) -> str | None:
    """``entity`` as the spec writes it (``+``-joined slugs, sorted), or None if not all known.

    ``slugs`` None accepts any non-empty slug text (no theme to check against).
    """
    if not isinstance(entity, str):
        return None
    parts = sorted({p.strip().lower() for p in entity.split("+") if p.strip()})
    if not parts or (slugs is not None and any(p not in slugs for p in parts)):
        return None
    return "+".join(parts)


def load_answer(content: str, source: str) -> Any:
    """The JSON of a model's answer; a fenced code block around it is tolerated.

    Raises
    ------
    ArticleError
        When the answer is not JSON at all.
    """
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ArticleError(f"model answer is not JSON: {exc}", source=source) from exc


@dataclass(frozen=True)
class _Reader:
    """Reads the items of one answer against one article span and one set of slugs."""

    article: Article
    slugs: Collection[str] | None
    span: tuple[int, int]

    def value(self, metric: str, raw: object) -> float | str | None:
        if metric == "high_since":
            match = _MONTH_RE.match(raw) if isinstance(raw, str) else None
            return match.group(0) if match else None
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return None
        return float(raw)

    def claim(self, item: object) -> Claim | str:
        """A Claim, or the reason it is dropped: ``"invalid"`` or ``"quote"``."""
        if not isinstance(item, dict):
            return "invalid"
        metric = item.get("metric")
        entity = normalise_entity(item.get("entity"), self.slugs)
        if metric not in METRICS or entity is None:
            return "invalid"
        value = self.value(str(metric), item.get("value"))
        currency = item.get("currency")
        currency = currency.strip().upper() if isinstance(currency, str) else None
        if metric in MONEY_METRICS:
            if currency is None or not _CURRENCY_RE.match(currency):
                return "invalid"
        else:
            currency = None
        if value is None:
            return "invalid"
        quote = item.get("quote")
        found = locate_quote(self.article.text, quote, start=self.span[0], end=self.span[1]) if isinstance(quote, str) else None  # fmt: skip
        if found is None:
            return "quote"  # a quote the article does not contain is an invention
        start, end = found
        usd = item.get("value_usd")
        by = normalise_entity(item.get("by"), self.slugs) if metric == "stake_purchase" else None
        return Claim(
            entity=entity,
            metric=str(metric),
            value=value,
            currency=currency,
            window=str(item["window"]) if item.get("window") else None,
            date=_text_if(item.get("date"), _DATE_RE),
            qualifier=item["qualifier"] if item.get("qualifier") in QUALIFIERS else None,
            quote=self.article.text[start:end],
            value_usd=float(usd)
            if metric in MONEY_METRICS
            and isinstance(usd, int | float)
            and not isinstance(usd, bool)
            else None,
            by=by,
            article=self.article.name,
            start=start,
            end=end,
        )


def _text_if(raw: object, pattern: re.Pattern[str]) -> str | None:
    return raw if isinstance(raw, str) and pattern.match(raw) else None


def parse_claims(
    content: str,
    article: Article,
    *,
    slugs: Collection[str] | None = None,
    span: tuple[int, int] | None = None,
) -> ParsedAnswer:
    """Validated claims of one answer (``{"claims": [...]}`` or a bare list), with counts.

    Parameters
    ----------
    content
        The model's message text.
    article
        The article asked about; quotes are looked up in its text.
    slugs
        Entity slugs allowed (the theme's); None allows any.
    span
        ``(start, end)`` of the chunk the model saw; quotes are looked up there.

    Raises
    ------
    ArticleError
        When the answer is not JSON at all.
    """
    data = load_answer(content, article.name)
    items = data.get("claims", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        items = []
    reader = _Reader(article, slugs, span or (0, len(article.text)))
    claims: list[Claim] = []
    dropped = {"quote": 0, "invalid": 0}
    for item in items:
        result = reader.claim(item)
        if isinstance(result, Claim):
            claims.append(result)
        else:
            dropped[result] += 1
    stats = ExtractionStats(
        kept=len(claims), dropped_quote=dropped["quote"], dropped_invalid=dropped["invalid"]
    )
    return ParsedAnswer(claims, stats)


def parse_model_answer(
    content: str, article: Article, *, slugs: Collection[str] | None = None
) -> list[Claim]:
    """Validated, deduplicated claims from a model's JSON answer; see ``parse_claims`` for counts.

    Raises
    ------
    ArticleError
        When the answer is not JSON at all.
    """
    return dedup(parse_claims(content, article, slugs=slugs).claims)
