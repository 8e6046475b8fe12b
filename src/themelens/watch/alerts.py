"""Alerts: which verdicts raise one, and where they go (a JSON line, the terminal, a webhook).

An alert is made for a claim of a new article whose first verdict is
contradicted or misdated, and for a final verdict (after the close) that
turned contradicted or misdated from something else. Alerts are stored with
their item (``state.WatchStore``, an outbox) and then delivered by
``AlertSink``: one JSON object per line on a file or stdout (flushed per
line), a callback for the terminal line, and optionally a POST of the same
JSON to a webhook. A webhook that fails is reported, never fatal: the
alert stays in the file and in the store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from themelens.news.article import Article
from themelens.verify import VerifiedClaim
from themelens.watch.model import ALERT_VERDICTS, Alert, Phase

__all__ = ["AlertSink", "alerts_for"]


def alerts_for(
    article: Article,
    rows: Sequence[VerifiedClaim],
    *,
    phase: Phase,
    at: datetime,
    first: dict[int, str] | None = None,
) -> list[Alert]:
    """The alerts a check raises (``first``: the claims' first verdicts, for a final check)."""
    out: list[Alert] = []
    for idx, row in enumerate(rows):
        if row.verdict not in ALERT_VERDICTS:
            continue
        before = (first or {}).get(idx)
        if phase == "final" and before == row.verdict:
            continue  # already alerted on the first verdict
        claim = row.claim
        out.append(
            Alert(
                article_id=article.id,
                idx=idx,
                phase=phase,
                verdict=row.verdict,
                at=at,
                article=article.name,
                title=article.title,
                origin=article.origin,
                entity=claim.entity,
                metric=claim.metric,
                value=claim.value,
                quote=claim.quote,
                ticker=row.ticker,
                asof=row.asof,
                computed=row.computed,
                reason=row.reason,
                first_verdict=before if phase == "final" else None,
            )
        )
    return out


@dataclass
class AlertSink:
    """Where alerts go.

    Parameters
    ----------
    jsonl
        A file (appended to) or a text stream (``sys.stdout``) for one JSON
        object per line; None for none.
    on_line
        Called with each alert (the CLI prints ``alert.line()``).
    webhook
        A URL each alert's JSON is POSTed to.
    timeout_s
        The webhook's whole time-out per alert.
    """

    jsonl: Path | TextIO | None = None
    on_line: Callable[[dict[str, Any]], None] | None = None
    webhook: str | None = None
    timeout_s: float = 5.0
    client: httpx.Client | None = None

    def deliver(self, payloads: Sequence[dict[str, Any]]) -> tuple[list[str], list[str]]:
        """Write each alert out; returns the keys delivered and one line per webhook failure."""
        delivered: list[str] = []
        problems: list[str] = []
        if not payloads:
            return delivered, problems
        stream, opened = self._stream()
        try:
            for payload in payloads:
                if stream is not None:
                    stream.write(json.dumps(payload, ensure_ascii=False) + "\n")
                    stream.flush()
                if self.on_line is not None:
                    self.on_line(payload)
                if self.webhook:
                    problem = self._post(payload)
                    if problem:
                        problems.append(problem)
                delivered.append(str(payload["key"]))
        finally:
            if opened and stream is not None:
                stream.close()
        return delivered, problems

    def _stream(self) -> tuple[TextIO | None, bool]:
        if self.jsonl is None:
            return None, False
        if isinstance(self.jsonl, Path):
            self.jsonl.parent.mkdir(parents=True, exist_ok=True)
            return self.jsonl.open("a", encoding="utf-8"), True
        return self.jsonl, False

    def _post(self, payload: dict[str, Any]) -> str | None:
        assert self.webhook is not None
        try:
            if self.client is not None:
                response = self.client.post(self.webhook, json=payload, timeout=self.timeout_s)
            else:
                response = httpx.post(self.webhook, json=payload, timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            return f"webhook {self.webhook}: {type(exc).__name__}: {' '.join(str(exc).split())}"
        if response.status_code >= 400:
            return f"webhook {self.webhook}: HTTP {response.status_code} for alert {payload['key']}"
        return None
