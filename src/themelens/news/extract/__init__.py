"""Claim extraction: article text → claims in the vocabulary of ``spec/claims.md``.

A pipeline of small stages, each its own module and tested on its own:
``tags`` (ticker tags taken out, offsets kept) → ``sentences`` (split with
offsets) → ``numbers`` (money, percent, multiples) → ``metrics`` (what a
number measures) and ``phrases`` (claims told in words: highs, streaks,
limits) → ``tables`` (pipe tables read through their headings) →
``entities`` (who it is about, through the theme's aliases, all found in one
pass by ``aliases``) → ``resolve`` (anaphors, lists, the company in focus) →
``dates`` (time expressions against the article's date, fiscal quarters) →
``windows`` (which of them bind to a claim, and the context's defaults) →
``qualifiers`` (over, nearly, ...) → ``members`` (each name's share of a named
set) → ``assemble`` (the pipeline, exact quotes, within the work ``budget`` of
an article) → ``dedup``; ``scan`` runs the
case-insensitive scans on the lowered text and a large alternation branch by
branch, finding what the plain scans find, faster; ``evidence``
records what decided each field for ``--explain``. ``base`` holds the
``Extractor`` interface and the ``EXTRACTORS`` registry; ``rules`` is the
default and the only one that runs without configuration; ``llm`` and
``hybrid`` ask a model (``docs/extractors.md``).
"""

from __future__ import annotations

from dataclasses import replace

from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.extract.base import (
    EXTRACTORS,
    Extractor,
    OpenAICompatibleExtractor,
    RulesExtractor,
    get_extractor,
    parse_model_answer,
)
from themelens.theme import Theme

__all__ = [
    "EXTRACTORS",
    "Extractor",
    "OpenAICompatibleExtractor",
    "RulesExtractor",
    "extract_claims",
    "get_extractor",
    "parse_model_answer",
]


def extract_claims(article: Article, theme: Theme, *, extractor: str = "rules") -> list[Claim]:
    """Claims stated by ``article``, linked to ``theme``'s entities.

    Parameters
    ----------
    article
        The article; its ``published`` date resolves "on Wednesday", "this year".
    theme
        Entities and aliases to link to (a user's theme extends the built-in one).
    extractor
        A name in ``EXTRACTORS``; ``"rules"`` (default) needs no network.

    Returns
    -------
    list[Claim]
        Deduplicated claims in order of appearance, each with its exact
        ``quote`` and ``start``/``end`` offsets into ``article.text``, and
        ``article_id`` set to the article's id (names may repeat; ids do not).
    """
    chosen = get_extractor(extractor)
    article_id = article.id  # a hash of the whole text: once, not once per claim
    if type(chosen) is RulesExtractor:  # stamps the id as it builds each claim
        return chosen.extract(article, theme, article_id=article_id)
    found = chosen.extract(article, theme)
    return [c if c.article_id == article_id else replace(c, article_id=article_id) for c in found]
