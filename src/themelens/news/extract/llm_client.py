"""The one place that talks to a chat-completions endpoint: config, transport, retries, recording.

``LLMConfig`` is read once from ``THEMELENS_LLM_*`` variables (or built by
hand); ``ChatClient.complete`` sends one request and returns the model's
message text. Every failure leaves as one ``ArticleError`` naming the article,
translated here with ``raise ... from exc``, so the extractors above never see
urllib.

Retries: 429 and 5xx answers are retried with exponential backoff (a
``Retry-After`` header is honoured, capped); a time-out or a refused
connection is not, because a second try would wait as long or fail the same
way.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NamedTuple, cast, get_args

from themelens.errors import ArticleError, InputError
from themelens.news.extract.llm_prompt import ResponseFormat, response_format
from themelens.news.extract.llm_record import Exchange, recording_path, write_exchange

__all__ = ["ChatClient", "HttpReply", "LLMConfig", "Post", "urllib_post"]

logger = logging.getLogger(__name__)

_MAX_RETRY_AFTER: Final = 30.0


class HttpReply(NamedTuple):
    """What the transport got back: status, body, and ``Retry-After`` seconds if sent."""

    status: int
    body: bytes
    retry_after: float | None = None


Post = Callable[[str, dict[str, str], bytes], HttpReply]
"""``post(url, headers, body) -> HttpReply``: the network seam; raises ``OSError`` when unreachable."""


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None  # an HTTP date; the backoff is used instead


def urllib_post(timeout: float) -> Post:
    """The default transport: urllib, with ``timeout`` seconds per request."""

    def post(url: str, headers: dict[str, str], body: bytes) -> HttpReply:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return HttpReply(response.status, response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return HttpReply(exc.code, exc.read(), _retry_after(exc.headers.get("Retry-After")))

    return post


def _env_int(name: str, default: int, *, minimum: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name}={raw}: not a whole number") from None
    if value < minimum:
        raise InputError(f"{name}={raw}: must be at least {minimum}")
    return value


@dataclass(frozen=True)
class LLMConfig:
    """Where the model is and how to ask it.

    Attributes
    ----------
    base_url
        The OpenAI-compatible root, e.g. ``http://localhost:11434/v1``; None = not configured.
    model, api_key
        Sent as ``model`` and ``Authorization: Bearer``; a local server ignores the key.
    response_format
        ``json_schema`` (the answer is constrained to the schema) or ``json_object``.
    max_chars
        Character budget of one request's article text; longer articles are chunked.
    timeout
        Seconds per request. Local models on a CPU are slow, hence the generous default.
    retries
        Further attempts after a 429 or 5xx answer.
    backoff
        Seconds before the first retry, doubled for each further one.
    record_dir
        When set, each successful exchange is written there (``llm_record``).
    """

    base_url: str | None = None
    model: str = "gpt-4o-mini"
    api_key: str | None = None
    response_format: ResponseFormat = "json_schema"
    max_chars: int = 12_000
    timeout: float = 120.0
    retries: int = 3
    backoff: float = 1.0
    record_dir: Path | None = None

    @classmethod
    def from_env(cls) -> LLMConfig:
        """The config from ``THEMELENS_LLM_*`` variables; a malformed value is an ``InputError``."""
        mode = os.environ.get("THEMELENS_LLM_RESPONSE_FORMAT") or "json_schema"
        if mode not in get_args(ResponseFormat):
            raise InputError(
                f"THEMELENS_LLM_RESPONSE_FORMAT={mode}: choose json_schema or json_object"
            )
        record = os.environ.get("THEMELENS_LLM_RECORD")
        return cls(
            base_url=os.environ.get("THEMELENS_LLM_BASE_URL") or None,
            model=os.environ.get("THEMELENS_LLM_MODEL") or cls.model,
            api_key=os.environ.get("THEMELENS_LLM_API_KEY") or None,
            response_format=cast(ResponseFormat, mode),
            max_chars=_env_int("THEMELENS_LLM_MAX_CHARS", cls.max_chars, minimum=500),
            timeout=float(_env_int("THEMELENS_LLM_TIMEOUT", int(cls.timeout), minimum=1)),
            retries=_env_int("THEMELENS_LLM_RETRIES", cls.retries, minimum=0),
            record_dir=Path(record) if record else None,
        )


def _error_text(body: bytes) -> str:
    try:
        data = json.loads(body)
        message = data.get("error", {}).get("message") if isinstance(data, dict) else None
    except (ValueError, AttributeError):
        message = None
    text = str(message) if message else body.decode("utf-8", "replace")
    return " ".join(text.split())[:200]


class ChatClient:
    """Sends chat-completions requests for one extractor.

    Parameters
    ----------
    config
        Endpoint and options; ``base_url`` must be set by the time ``complete`` is called.
    post
        The transport (default ``urllib_post(config.timeout)``).
    sleep
        Waits between retries (default ``time.sleep``); tests pass a no-op.
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        post: Post | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self._post = post or urllib_post(config.timeout)
        self._sleep = sleep

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema_name: str,
        schema: dict[str, Any],
        source: str,
        label: str,
    ) -> str:
        """The model's message content for ``messages``.

        ``source`` names the article in errors; ``label`` names the recording
        (``<source>.<label>.json``).

        Raises
        ------
        InputError
            No base URL is configured.
        ArticleError
            The endpoint is unreachable, timed out, kept failing, or answered without a message.
        """
        cfg = self.config
        if not cfg.base_url:
            raise InputError(
                "model-backed extractors need THEMELENS_LLM_BASE_URL "
                "(e.g. http://localhost:11434/v1 for Ollama)"
            )
        request = {
            "model": cfg.model,
            "messages": messages,
            "response_format": response_format(cfg.response_format, schema_name, schema),
            "temperature": 0,
        }
        url = cfg.base_url.rstrip("/") + "/chat/completions"
        headers = {"Content-Type": "application/json"}
        if cfg.api_key:
            headers["Authorization"] = f"Bearer {cfg.api_key}"
        reply = self._send(url, headers, json.dumps(request).encode(), source=source)
        try:
            data = json.loads(reply.body)
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ArticleError(
                f"model endpoint gave no answer ({type(exc).__name__}: {exc})", source=source
            ) from exc
        if not isinstance(content, str):
            raise ArticleError("model endpoint gave no message text", source=source)
        if cfg.record_dir is not None:
            path = recording_path(cfg.record_dir, source, label)
            write_exchange(path, Exchange(request=request, status=reply.status, body=data))
            logger.info("recorded %s", path)
        return content

    def _send(self, url: str, headers: dict[str, str], body: bytes, *, source: str) -> HttpReply:
        cfg = self.config
        attempts = cfg.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                reply = self._post(url, headers, body)
            except OSError as exc:  # urllib.error.URLError and TimeoutError are OSErrors
                reason = getattr(exc, "reason", exc)
                fault = (
                    f"timed out after {cfg.timeout:g}s (raise THEMELENS_LLM_TIMEOUT)"
                    if isinstance(reason, TimeoutError)
                    else f"unreachable ({reason})"
                )
                raise ArticleError(f"model endpoint failed: {url} {fault}", source=source) from exc
            if 200 <= reply.status < 300:
                return reply
            retryable = reply.status == 429 or reply.status >= 500
            if not retryable or attempt == attempts:
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                hint = (
                    " (try THEMELENS_LLM_RESPONSE_FORMAT=json_object)"
                    if reply.status == 400 and cfg.response_format == "json_schema"
                    else ""
                )
                raise ArticleError(
                    f"model endpoint failed: HTTP {reply.status}{tries}: "
                    f"{_error_text(reply.body)}{hint}",
                    source=source,
                )
            wait = cfg.backoff * 2 ** (attempt - 1)
            if reply.retry_after is not None:
                wait = min(max(wait, reply.retry_after), _MAX_RETRY_AFTER)
            logger.warning(
                "%s: model endpoint answered HTTP %d; retry %d/%d in %.1fs",
                source, reply.status, attempt, cfg.retries, wait,
            )  # fmt: skip
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover
