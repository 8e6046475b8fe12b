"""Extractors: the interface, the registry, the default rules extractor and a model-backed one.

Every extractor is ``extract(article, theme) -> list[Claim]``. ``EXTRACTORS``
maps a name to a factory; the CLI's ``--extractor`` choices come from it, and
a plugin registers the same way the built-ins do.

``OpenAICompatibleExtractor`` asks a chat-completions endpoint (OpenAI, vLLM,
llama.cpp, Ollama ...) for the claims as JSON. It is off by default: it is
only built when asked for by name, reads its endpoint from
``THEMELENS_LLM_BASE_URL`` / ``THEMELENS_LLM_MODEL`` / ``THEMELENS_LLM_API_KEY``
(or constructor arguments), and its network call is one injectable function,
so ``parse_model_answer`` - turning the model's text into validated Claims -
is tested offline.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, Final, Protocol

from themelens.errors import ArticleError, InputError
from themelens.news.article import Article
from themelens.news.claim import METRICS, Claim
from themelens.news.extract.assemble import extract_rules
from themelens.news.extract.dedup import dedup
from themelens.theme import Theme

__all__ = [
    "EXTRACTORS",
    "Extractor",
    "OpenAICompatibleExtractor",
    "RulesExtractor",
    "get_extractor",
    "parse_model_answer",
]

_QUALIFIERS: Final = frozenset({"over", "nearly", "about", "up_to", "at_least", "limit_up"})
_MONEY: Final = frozenset(
    {"capex", "investment_plan", "bond_issuance", "stake_purchase", "fund_flow", "market_size",
     "price_target"}
)  # fmt: skip


class Extractor(Protocol):
    """Turns one article into claims, in the vocabulary of spec/claims.md."""

    name: str

    def extract(self, article: Article, theme: Theme) -> list[Claim]: ...


class RulesExtractor:
    """The default: a pipeline of regex stages (``themelens.news.extract.assemble``), no model."""

    name = "rules"

    def extract(self, article: Article, theme: Theme) -> list[Claim]:
        return extract_rules(article, theme)


Post = Callable[[str, dict[str, str], bytes], bytes]
"""``post(url, headers, body) -> response body``: the network seam."""

_PROMPT: Final = """Extract every checkable numeric claim from the article below as a JSON object
{{"claims": [...]}}. Each claim has keys entity (slug; known slugs: {slugs}; a named set
joins slugs sorted with "+"), metric (one of: {metrics}), value (number in base units;
"YYYY-MM" for high_since), currency (ISO code or null), window, date, qualifier
(over|nearly|about|up_to|at_least|limit_up or null) and quote (exact text).
Article date: {published}.

{text}"""


def _urllib_post(url: str, headers: dict[str, str], body: bytes) -> bytes:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        data: bytes = response.read()
    return data


class OpenAICompatibleExtractor:
    """Claims from a model behind an OpenAI-compatible ``/chat/completions`` endpoint.

    Parameters
    ----------
    base_url, model, api_key
        Default from ``THEMELENS_LLM_BASE_URL``, ``THEMELENS_LLM_MODEL`` and
        ``THEMELENS_LLM_API_KEY``; without a base URL the extractor refuses to run.
    post
        The HTTP call (default: urllib); tests pass a fake.

    Notes
    -----
    The answer is validated claim by claim (``parse_model_answer``): unknown
    metrics, non-numeric values and quotes that are not in the article are
    dropped, so a model's invention never reaches the verifier.
    """

    name = "openai"

    def __init__(
        self,
        *,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        post: Post | None = None,
    ) -> None:
        self.base_url = base_url or os.environ.get("THEMELENS_LLM_BASE_URL")
        self.model = model or os.environ.get("THEMELENS_LLM_MODEL", "gpt-4o-mini")
        self.api_key = api_key or os.environ.get("THEMELENS_LLM_API_KEY")
        self._post = post or _urllib_post

    def extract(self, article: Article, theme: Theme) -> list[Claim]:
        if not self.base_url:
            raise InputError(
                "the openai extractor needs THEMELENS_LLM_BASE_URL (it is off by default)"
            )
        prompt = _PROMPT.format(
            slugs=", ".join(e.slug for e in theme.entities),
            metrics=", ".join(METRICS),
            published=article.published.isoformat() if article.published else "unknown",
            text=article.text,
        )
        body = json.dumps(
            {
                "model": self.model,
                "messages": [{"role": "user", "content": prompt}],
                "response_format": {"type": "json_object"},
                "temperature": 0,
            }
        ).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        url = self.base_url.rstrip("/") + "/chat/completions"
        try:
            raw = self._post(url, headers, body)
            content = json.loads(raw)["choices"][0]["message"]["content"]
        except (OSError, urllib.error.URLError) as exc:
            raise ArticleError(f"model endpoint failed: {exc}", source=article.name) from exc
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ArticleError(
                f"model endpoint gave no answer: {exc}", source=article.name
            ) from exc
        return parse_model_answer(str(content), article)


def _claim_from(item: Any, article: Article) -> Claim | None:
    if not isinstance(item, dict):
        return None
    metric, entity, value = item.get("metric"), item.get("entity"), item.get("value")
    if metric not in METRICS or not isinstance(entity, str) or not entity:
        return None
    if metric == "high_since":
        if not isinstance(value, str) or len(value) < 7:
            return None
        value = value[:7]
    elif isinstance(value, bool) or not isinstance(value, int | float):
        return None
    currency = item.get("currency") if metric in _MONEY else None
    if metric in _MONEY and not isinstance(currency, str):
        return None
    qualifier = item.get("qualifier") if item.get("qualifier") in _QUALIFIERS else None
    raw_quote = item.get("quote")
    quote = raw_quote if isinstance(raw_quote, str) else ""
    start = article.text.find(quote) if quote else -1
    if quote and start < 0:
        return None  # a quote the article does not contain is an invention
    usd = item.get("value_usd")
    return Claim(
        entity=entity,
        metric=metric,
        value=float(value) if not isinstance(value, str) else value,
        currency=currency,
        window=str(item["window"]) if item.get("window") else None,
        date=str(item["date"]) if item.get("date") else None,
        qualifier=qualifier,
        quote=quote,
        value_usd=float(usd)
        if isinstance(usd, int | float) and not isinstance(usd, bool)
        else None,
        by=item.get("by") if isinstance(item.get("by"), str) else None,
        article=article.name,
        start=start if start >= 0 else None,
        end=start + len(quote) if start >= 0 else None,
    )


def parse_model_answer(content: str, article: Article) -> list[Claim]:
    """Validated claims from a model's JSON answer (``{"claims": [...]}`` or a bare list).

    A fenced code block around the JSON is tolerated; invalid items are dropped.

    Raises
    ------
    ArticleError
        When the answer is not JSON at all.
    """
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ArticleError(f"model answer is not JSON: {exc}", source=article.name) from exc
    items = data.get("claims", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        return []
    claims = [c for c in (_claim_from(item, article) for item in items) if c is not None]
    return dedup(claims)


EXTRACTORS: dict[str, Callable[[], Extractor]] = {
    "rules": RulesExtractor,
    "openai": OpenAICompatibleExtractor,
}
"""Extractor name → factory. ``rules`` is the default; ``openai`` needs an endpoint."""


def get_extractor(name: str) -> Extractor:
    """The registered extractor ``name``; an ``InputError`` lists the choices otherwise."""
    factory = EXTRACTORS.get(name)
    if factory is None:
        raise InputError(
            f"--extractor {name}: unknown extractor; choose from {', '.join(EXTRACTORS)}"
        )
    return factory()
