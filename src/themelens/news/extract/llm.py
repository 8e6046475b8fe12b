"""``--extractor llm``: claims read by a model behind an OpenAI-compatible endpoint.

Three stages, as a provider has: build the request (``llm_prompt``: the
spec's vocabulary and conventions, the theme's slugs, the article's date and
one chunk of its text), send it (``llm_client``: the only I/O, with retries
and optional recording), and turn the answer into validated claims
(``llm_parse``). A long article is cut at paragraph breaks into chunks under
``max_chars`` so that a small local model keeps the whole chunk in view; the
chunks' claims are merged with the rules extractor's ``dedup``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Final

from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.extract.dedup import dedup
from themelens.news.extract.llm_client import ChatClient, LLMConfig, Post
from themelens.news.extract.llm_parse import parse_claims
from themelens.news.extract.llm_prompt import CLAIMS_SCHEMA, claims_messages
from themelens.news.extract.stats import ExtractionStats
from themelens.theme import Theme

__all__ = ["ModelExtractor", "OpenAICompatibleExtractor", "chunk_spans"]

logger = logging.getLogger(__name__)

_PARAGRAPH_BREAK: Final = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE_END: Final = re.compile(r"[.!?][\"')\]]?\s")


def _cut(text: str, start: int, limit: int) -> int:
    """Where to cut an over-long paragraph: the last sentence end, else the last space."""
    window = text[start:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if ends and ends[-1] > len(window) // 2:
        return start + ends[-1]
    space = window.rfind(" ", len(window) // 2)
    return start + space + 1 if space > 0 else limit


def chunk_spans(text: str, max_chars: int) -> list[tuple[int, int]]:
    """``(start, end)`` spans of ``text``, each under ``max_chars``, cut at paragraph breaks.

    Notes
    -----
    Whole paragraphs are packed greedily; a paragraph longer than the budget
    alone is cut at its last sentence end (or space) before the budget. Blank
    text gives no spans, so no request is sent for it.
    """
    paragraphs: list[tuple[int, int]] = []
    pos = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        paragraphs.append((pos, match.start()))
        pos = match.end()
    paragraphs.append((pos, len(text)))
    pieces: list[tuple[int, int]] = []
    for start, end in paragraphs:
        if not text[start:end].strip():
            continue
        while end - start > max_chars:
            cut = _cut(text, start, start + max_chars)
            pieces.append((start, cut))
            start = cut
        pieces.append((start, end))
    chunks: list[tuple[int, int]] = []
    for start, end in pieces:
        if chunks and end - chunks[-1][0] <= max_chars:
            chunks[-1] = (chunks[-1][0], end)
        else:
            chunks.append((start, end))
    return chunks


class ModelExtractor:
    """What the extractors that ask a model share: the endpoint, the dedup and the counts.

    A subclass reads an article in ``_read`` (its claims and counts);
    ``extract`` deduplicates the claims, sets ``last_stats`` and logs a warning
    when part of the model's answer was dropped or ignored.
    """

    name = "model"

    def __init__(
        self, config: LLMConfig, *, post: Post | None, sleep: Callable[[float], None]
    ) -> None:
        self.config = config
        self._client = ChatClient(config, post=post, sleep=sleep)
        self.last_stats: ExtractionStats | None = None

    def extract(self, article: Article, theme: Theme) -> list[Claim]:
        """Claims of ``article``, deduplicated, in the order the model's answers gave them.

        Raises
        ------
        InputError
            No endpoint is configured.
        ArticleError
            The endpoint failed (for any one chunk of the article: its claims are then all
            withheld) or its answer is not JSON.
        """
        self.last_stats = None
        claims, stats = self._read(article, theme)
        merged = dedup(claims)
        self.last_stats = replace(stats, kept=len(merged))
        if stats.dropped or stats.ignored:
            logger.warning("%s: %s", article.name, self.last_stats.as_text())
        return merged

    def _read(self, article: Article, theme: Theme) -> tuple[list[Claim], ExtractionStats]:
        raise NotImplementedError


class OpenAICompatibleExtractor(ModelExtractor):
    """Claims from a model behind an OpenAI-compatible ``/chat/completions`` endpoint.

    Parameters
    ----------
    config
        Endpoint and options; default ``LLMConfig.from_env()`` (``THEMELENS_LLM_*``).
    base_url, model, api_key
        Override the matching ``config`` fields.
    post, sleep
        Transport and retry wait (``ChatClient``); tests pass fakes or a local server.

    Notes
    -----
    Off by default: it is built only when asked for by name, and refuses to
    run without a base URL. Every claim of the answer is validated
    (``llm_parse``): what fails is dropped, so a model's invention never
    reaches the verifier, and counted in ``last_stats``.
    """

    name = "llm"

    def __init__(
        self,
        *,
        config: LLMConfig | None = None,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        post: Post | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        cfg = config or LLMConfig.from_env()
        cfg = replace(
            cfg,
            base_url=base_url or cfg.base_url,
            model=model or cfg.model,
            api_key=api_key or cfg.api_key,
        )
        super().__init__(cfg, post=post, sleep=sleep)

    def _read(self, article: Article, theme: Theme) -> tuple[list[Claim], ExtractionStats]:
        """The claims of each chunk of ``article``, validated, with the counts of what was dropped."""
        slugs = frozenset(e.slug for e in theme.entities)
        spans = chunk_spans(article.text, self.config.max_chars)
        claims: list[Claim] = []
        stats = ExtractionStats()
        for index, (start, end) in enumerate(spans, 1):
            messages = claims_messages(
                theme,
                article.text[start:end],
                published=article.published,
                part=(index, len(spans)),
                mode=self.config.response_format,
            )
            content = self._client.complete(
                messages,
                schema_name="claims",
                schema=CLAIMS_SCHEMA,
                source=article.name,
                label="llm" if len(spans) == 1 else f"llm-{index}",
            )
            parsed = parse_claims(content, article, slugs=slugs, span=(start, end))
            claims.extend(parsed.claims)
            stats += parsed.stats
        return claims, stats
