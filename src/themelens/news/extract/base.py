"""Extractors: the interface, the registry and the built-in extractors.

Every extractor is ``extract(article, theme) -> list[Claim]``. ``EXTRACTORS``
maps a name to a factory; the CLI's ``--extractor`` choices come from it, and
a plugin registers the same way the built-ins do:

- ``rules`` (default): the regex pipeline of ``assemble``, no model, no network.
- ``llm``: a model behind an OpenAI-compatible endpoint reads the claims
  (``llm``); ``openai`` is its old name, kept as an alias.
- ``hybrid``: the rules propose, the model keeps, drops or relabels (``hybrid``).

The model-backed ones are off until ``THEMELENS_LLM_BASE_URL`` is set. An
extractor may report what it kept and dropped through a ``last_stats``
attribute (``ExtractionStats``); ``stats_of`` reads it for any extractor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from themelens.errors import InputError
from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.extract.assemble import extract_rules
from themelens.news.extract.hybrid import HybridExtractor
from themelens.news.extract.llm import OpenAICompatibleExtractor
from themelens.news.extract.llm_client import LLMConfig
from themelens.news.extract.llm_parse import parse_model_answer
from themelens.news.extract.stats import ExtractionStats, stats_of
from themelens.theme import Theme

__all__ = [
    "EXTRACTORS",
    "ExtractionStats",
    "Extractor",
    "HybridExtractor",
    "LLMConfig",
    "OpenAICompatibleExtractor",
    "RulesExtractor",
    "get_extractor",
    "parse_model_answer",
    "stats_of",
]


class Extractor(Protocol):
    """Turns one article into claims, in the vocabulary of spec/claims.md.

    Notes
    -----
    Optionally, an extractor sets ``last_stats: ExtractionStats`` after each
    call (the built-ins do); it is not part of the protocol, so an extractor
    without it still plugs in.
    """

    name: str

    def extract(self, article: Article, theme: Theme) -> list[Claim]: ...


class RulesExtractor:
    """The default: a pipeline of regex stages (``themelens.news.extract.assemble``), no model."""

    name = "rules"

    def __init__(self, *, explain: bool = False) -> None:
        self.last_stats: ExtractionStats | None = None
        self.explain = explain  # record each claim's Evidence (``claims extract --explain``)

    def extract(
        self, article: Article, theme: Theme, *, article_id: str | None = None
    ) -> list[Claim]:
        """The claims of ``article``; ``article_id`` is stamped on each (``extract_rules``)."""
        claims = extract_rules(article, theme, explain=self.explain, article_id=article_id)
        self.last_stats = ExtractionStats(kept=len(claims))
        return claims


EXTRACTORS: dict[str, Callable[[], Extractor]] = {
    "rules": RulesExtractor,
    "llm": OpenAICompatibleExtractor,
    "hybrid": HybridExtractor,
    "openai": OpenAICompatibleExtractor,
}
"""Extractor name → factory. ``rules`` is the default; ``llm`` and ``hybrid`` need an endpoint
(``THEMELENS_LLM_BASE_URL``); ``openai`` is the old name of ``llm``."""


def get_extractor(name: str) -> Extractor:
    """The registered extractor ``name``; an ``InputError`` lists the choices otherwise."""
    factory = EXTRACTORS.get(name)
    if factory is None:
        raise InputError(
            f"--extractor {name}: unknown extractor; choose from {', '.join(EXTRACTORS)}"
        )
    return factory()
