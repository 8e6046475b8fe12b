"""``--extractor hybrid``: the rules propose, a model adjudicates.

The rules extractor is good at finding numbers and quoting them exactly, and
weaker at the judgement calls of the spec's conventions (whose number is it,
is it a claim at all). So the model is given only those calls: one request
per article lists the rules' candidates, each with its sentence, and the
model answers per candidate ``{id, keep, entity, metric}``. It can drop a
candidate or relabel its entity or metric; it cannot add a claim or touch a
value or a quote, so every claim still carries the rules' exact quote.

A decision that names an unknown or repeated id, a slug the theme does not
know or a metric outside ``METRICS`` is ignored (the candidate stays as the
rules made it) and counted in ``last_stats``. A failed endpoint fails the
article: silently falling back to the rules would make a run's output depend
on the server's mood.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import Final, NamedTuple

from themelens.news.article import Article
from themelens.news.claim import METRICS, MONEY_METRICS, Claim
from themelens.news.extract.assemble import extract_rules
from themelens.news.extract.llm import ModelExtractor
from themelens.news.extract.llm_client import LLMConfig, Post
from themelens.news.extract.llm_parse import load_answer, normalise_entity
from themelens.news.extract.llm_prompt import ADJUDICATION_SCHEMA, adjudication_messages
from themelens.news.extract.stats import ExtractionStats
from themelens.theme import Theme

__all__ = ["Adjudication", "HybridExtractor", "apply_decisions", "render_candidate"]

Propose = Callable[[Article, Theme], list[Claim]]
"""``propose(article, theme) -> candidates``: the rules extractor, or a fixed list in tests."""

_SENTENCE_LIMIT: Final = 400


def _sentence_around(text: str, start: int, end: int) -> str:
    """The sentence (or line) holding ``text[start:end]``, at most ~400 characters each side."""
    lo = start
    while lo > max(0, start - _SENTENCE_LIMIT):
        prev = text[lo - 1]
        if prev == "\n" or (prev.isspace() and lo >= 2 and text[lo - 2] in ".!?"):
            break
        lo -= 1
    hi = end
    while hi < min(len(text), end + _SENTENCE_LIMIT):
        if text[hi] == "\n" or (text[hi] in ".!?" and (hi + 1 == len(text) or text[hi + 1].isspace())):  # fmt: skip
            hi += text[hi] != "\n"
            break
        hi += 1
    return " ".join(text[lo:hi].split())


def _value_text(c: Claim) -> str:
    if isinstance(c.value, str):
        return c.value
    amount = f"{c.value:,.6g}" if abs(c.value) < 1e6 else f"{c.value:.4g}"
    return f"{amount} {c.currency}" if c.currency else amount


def render_candidate(number: int, claim: Claim, text: str) -> str:
    """One candidate as the model sees it: id, proposal, exact quote and its sentence."""
    if claim.start is not None and claim.end is not None:
        start, end = claim.start, claim.end
    else:
        found = text.find(claim.quote) if claim.quote else -1
        start, end = (found, found + len(claim.quote)) if found >= 0 else (0, 0)
    sentence = _sentence_around(text, start, end) if end > start else claim.quote
    return (
        f"[{number}] entity={claim.entity} metric={claim.metric} value={_value_text(claim)}\n"
        f'    quote: "{claim.quote}"\n'
        f'    sentence: "{sentence}"'
    )


class Adjudication(NamedTuple):
    """Candidates after the model's decisions (not yet deduplicated), with counts."""

    claims: list[Claim]
    stats: ExtractionStats


def _relabel(c: Claim, entity: str, metric: str) -> Claim | None:
    """``c`` with a new entity and metric, or None when the value cannot carry that metric."""
    if (metric == "high_since") != isinstance(c.value, str):
        return None
    money = metric in MONEY_METRICS
    if money and c.currency is None:
        return None
    return replace(
        c,
        entity=entity,
        metric=metric,
        currency=c.currency if money else None,
        value_usd=c.value_usd if money else None,
        by=c.by if metric == "stake_purchase" else None,
    )


def apply_decisions(
    candidates: Sequence[Claim], decisions: object, slugs: Collection[str]
) -> Adjudication:
    """Candidates kept, dropped or relabelled as ``decisions`` (the answer's list) say.

    Notes
    -----
    Ids are 1-based positions in ``candidates``. ``keep: false`` drops the
    candidate whatever else the decision says. A kept candidate takes the
    decision's entity (slugs of the theme, ``+``-joined sets sorted) and
    metric; if either is invalid, or the value cannot carry the new metric
    (a month for ``high_since``, a currency for money), the whole decision
    is ignored. Candidates without a decision are kept as they were.
    """
    items = decisions if isinstance(decisions, list) else []
    verdicts: dict[int, Claim | None] = {}
    named: set[int] = set()  # ids some decision named, valid or not
    ignored = rejected = relabelled = 0
    for item in items:
        cid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(cid, int) or isinstance(cid, bool) or not 1 <= cid <= len(candidates):
            ignored += 1
            continue
        keep = item.get("keep")
        repeated = cid in named
        named.add(cid)
        if repeated or not isinstance(keep, bool):
            ignored += 1
            continue
        cand = candidates[cid - 1]
        if not keep:
            verdicts[cid] = None
            rejected += 1
            continue
        raw_entity = item.get("entity", cand.entity)
        entity = cand.entity if raw_entity == cand.entity else normalise_entity(raw_entity, slugs)
        metric = item.get("metric", cand.metric)
        new = _relabel(cand, entity, metric) if entity and metric in METRICS else None
        if new is None:
            ignored += 1
            continue
        verdicts[cid] = new
        relabelled += (new.entity, new.metric) != (cand.entity, cand.metric)
    claims = [c for i, cand in enumerate(candidates, 1) if (c := verdicts.get(i, cand)) is not None]
    stats = ExtractionStats(
        kept=len(claims),
        rejected=rejected,
        relabelled=relabelled,
        ignored=ignored,
        unanswered=len(candidates) - len(named),
    )
    return Adjudication(claims, stats)


class HybridExtractor(ModelExtractor):
    """Rules candidates, each kept, dropped or relabelled by a model (one request per article).

    Parameters
    ----------
    config, post, sleep
        As for ``OpenAICompatibleExtractor`` (endpoint from ``THEMELENS_LLM_*``).
    propose
        Where candidates come from (default ``extract_rules``).

    Notes
    -----
    An article without candidates sends no request. ``last_stats`` counts
    what the model rejected, relabelled and what of its answer was ignored.
    """

    name = "hybrid"

    def __init__(
        self,
        *,
        config: LLMConfig | None = None,
        post: Post | None = None,
        sleep: Callable[[float], None] = time.sleep,
        propose: Propose = extract_rules,
    ) -> None:
        super().__init__(config or LLMConfig.from_env(), post=post, sleep=sleep)
        self._propose = propose

    def _read(self, article: Article, theme: Theme) -> tuple[list[Claim], ExtractionStats]:
        """The rules' claims of ``article`` as the model adjudicated them, with the counts."""
        candidates = self._propose(article, theme)
        if not candidates:
            return [], ExtractionStats()
        lines = [render_candidate(i, c, article.text) for i, c in enumerate(candidates, 1)]
        messages = adjudication_messages(
            theme, lines, published=article.published, mode=self.config.response_format
        )
        content = self._client.complete(
            messages,
            schema_name="decisions",
            schema=ADJUDICATION_SCHEMA,
            source=article.name,
            label="hybrid",
        )
        data = load_answer(content, article.name)
        decisions = data.get("decisions") if isinstance(data, dict) else data
        slugs = frozenset(e.slug for e in theme.entities)
        result = apply_decisions(candidates, decisions, slugs)
        return result.claims, result.stats
