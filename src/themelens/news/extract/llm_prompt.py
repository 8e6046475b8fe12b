"""What the model is told: the claim vocabulary, the labelling conventions and the answer schemas.

The text paraphrases the claim spec (``spec/claims.md``: fields, metrics and
its "Conventions" section) so that a model labels the hard cases the way the
gold sets do. It is kept here, in the package, because the package must work
without the spec beside it; when the spec changes, this module changes with it.

Two prompts share the vocabulary: ``claims_messages`` asks for claims
(``llm``), ``adjudication_messages`` asks for a verdict on each rules
candidate (``hybrid``). Each comes with a JSON schema that the endpoint is
asked to enforce (``response_format``); ``json_object`` mode, for servers
without schema support, puts the schema into the prompt instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any, Final, Literal

from themelens.news.claim import METRICS
from themelens.theme import Theme

__all__ = [
    "ADJUDICATION_SCHEMA",
    "CLAIMS_SCHEMA",
    "CONVENTIONS",
    "METRIC_MEANINGS",
    "QUALIFIERS",
    "ResponseFormat",
    "adjudication_messages",
    "claims_messages",
    "entity_lines",
    "response_format",
]

ResponseFormat = Literal["json_schema", "json_object"]

QUALIFIERS: Final = ("over", "nearly", "about", "up_to", "at_least", "limit_up")

METRIC_MEANINGS: Final[dict[str, str]] = {
    "return_pct": "price move of a security or index over the window, negative for a fall; "
    'a mainland "daily limit" move is 10 with qualifier limit_up ("Baidu jumped 16%")',
    "high_since": 'price at its highest since the month in value, "YYYY-MM"; '
    '"a four-year high" in an article of 2025-09 is "2021-09"',
    "win_streak_weeks": 'consecutive weekly gains ("seventh straight week of gains" -> 7)',
    "drawdown_from_peak_pct": 'how far below its peak, positive ("70% below its 2021 peak" -> 70)',
    "capex": "capital expenditure, money",
    "capex_growth_pct": 'growth of capital spending ("a 123% surge in capex")',
    "investment_plan": 'a pledged multi-period investment, money ("380 billion yuan over three years")',
    "bond_issuance": "money raised with bonds or convertible notes",
    "stake_purchase": "money an investor spent buying the entity's shares; put the buyer's slug in by",
    "fund_flow": "net money into the entity's shares from a channel (southbound, ETF); "
    "net selling is negative",
    "forward_pe": 'forward price/earnings multiple ("21 times forward earnings"); window 5y for a '
    "five-year average",
    "net_income_growth_pct": "growth of net income, profit or earnings",
    "revenue_growth_pct": "growth of revenue or sales",
    "market_size": "size of a market, money; date = the target year",
    "idle_capacity_pct": "share of capacity left unused",
    "price_target": "an analyst's price target per share, money, in the listing's currency",
}
"""One line per metric of ``METRICS``: what it measures, with an example."""

FIELDS: Final = """\
Each claim has these keys:
- entity: a slug from the entity list. A collective total of several named entities joins their
  slugs, sorted, with "+" (alibaba+tencent). An unnamed set of Chinese tech companies is
  china-big-tech.
- metric: one of the metrics below, and nothing else.
- value: a number in base units: percent as percent (7.2), money in whole units ("$3.2 billion" ->
  3200000000), multiples and counts as the number. For high_since a string "YYYY-MM".
- currency: ISO 4217 code for money ("yuan", "RMB" -> CNY; "HK$" -> HKD; "$" -> USD unless the text
  says otherwise), else null.
- value_usd: the USD amount the text itself gives in brackets ("380 billion yuan ($53 billion)" is
  one claim with value_usd 53000000000), else null.
- window: the period the number covers: 1d, 1w, 1m, ytd, 3y (a multi-year plan), a year (2024), a
  half (2024H1), a quarter (2025Q2), 5y (a five-year average); null if the text does not say.
- date: ISO date (or YYYY-MM, or YYYY) when the claimed thing happened, resolved against the article
  date for "Wednesday", "last week", "this year"; null if unknown.
- qualifier: over, nearly, about, up_to, at_least or limit_up when the text hedges the number, else
  null.
- by: the buyer's slug for stake_purchase, else null.
- quote: the shortest span of the article that states the number, copied character for character.
  A claim whose quote is not in the article is thrown away."""

CONVENTIONS: Final = """\
Rules for the hard cases.
Who a number is about:
- A company or index without a slug in the list gets no claim, and never lends its number to one
  that has a slug ("Pop Mart fell 9%, and Meituan rose 4%" is one claim: meituan 4). An index
  without a slug (CSI 300, the Nasdaq Golden Dragon China index, an ETF) is not nasdaq-composite or
  hstech.
- Named companies that each moved get one claim each ("Alpha and Beta both dropped nearly 3%").
  Paired lists bind in order, with or without "respectively". A range shared by several names
  ("rose 1.5% to 1.7%") gives each name the low end. Joined slugs are only for collective totals
  ("together spent $32 billion").
- Unnamed sets ("tech majors", "Chinese tech stocks", "Chinese peers") are china-big-tech.
  Translated index names map to slugs ("National Enterprises Index" is hscei; "Hang Seng
  Technology Index", "HSTECH" are hstech).
- Figures of a segment (cloud, games, a business unit) belong to the parent company.
What a number measures:
- The noun that moves decides the metric: shares, stock, index, ADRs -> return_pct; revenue, sales
  -> revenue_growth_pct; profit, net income, earnings -> net_income_growth_pct; capex ->
  capex_growth_pct. "Shares fell 17% on profit-taking" is a price move.
- Quote lines and market tables count: "HSTECH +2.7% to 6,637", "up 390 points (+1.5%)". Index
  points, levels and share prices are not claims; the percentages beside them are.
- Several figures for one day's move are separate claims: the close, an intraday high ("as much as
  5.5%", qualifier up_to), a figure as of a time of day.
- "highest since", "an N-year high", "the first time in nearly four years" are high_since; "the
  first half of 2021" is its middle month, "the end of 2021" is 2021-12.
- "N% below its peak", "dropped N% from October peaks" are drawdown_from_peak_pct (positive).
- A named broker's or company's growth forecast is a claim of that metric; consensus figures and
  "beat estimates by" are not.
- Price targets keep the listing's currency ("US$190" is USD, "HK$185" is HKD); only the current
  target, not the one it replaced.
When:
- Quarters are calendar quarters. Weekly moves have window 1w and are dated to the month.
  "Before October" is ytd dated to the month before; "since October" has window null and the
  article's month as date.
- The article date given with the article is its publication date; resolve "on Tuesday"
  against it.
Text around the article:
- Ignore "Published: ... | Updated: ..." lines, bylines, photo captions, related-article lists and
  headline-only repeats. A ticker tag ("Alibaba-W (09988)", "Baidu (NASDAQ:BIDU)") is decoration:
  it does not say which listing moved.
Not claims: "doubled"/"tripled", trailing P/E, superseded price targets, buybacks, values of
holdings, gross or operating profit, EBITDA, coupons, share counts, index weights, counts of stocks,
a share of proceeds ("80% of the proceeds"), conversions into third currencies, growth of unit
counts (shipments, users), dates, counts of models, opinions. A number that fits no metric is not a
claim."""

_CLAIM_PROPERTIES: Final[dict[str, Any]] = {
    "entity": {"type": "string"},
    "metric": {"type": "string", "enum": list(METRICS)},
    "value": {"type": ["number", "string"]},
    "currency": {"type": ["string", "null"]},
    "value_usd": {"type": ["number", "null"]},
    "window": {"type": ["string", "null"]},
    "date": {"type": ["string", "null"]},
    "qualifier": {"type": ["string", "null"], "enum": [*QUALIFIERS, None]},
    "by": {"type": ["string", "null"]},
    "quote": {"type": "string"},
}

CLAIMS_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": _CLAIM_PROPERTIES,
                "required": list(_CLAIM_PROPERTIES),
                "additionalProperties": False,
            },
        }
    },
    "required": ["claims"],
    "additionalProperties": False,
}
"""The answer of ``llm``: ``{"claims": [...]}``, every key present (strict mode wants that)."""

_DECISION_PROPERTIES: Final[dict[str, Any]] = {
    "id": {"type": "integer"},
    "keep": {"type": "boolean"},
    "entity": {"type": "string"},
    "metric": {"type": "string", "enum": list(METRICS)},
}

ADJUDICATION_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "decisions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": _DECISION_PROPERTIES,
                "required": list(_DECISION_PROPERTIES),
                "additionalProperties": False,
            },
        }
    },
    "required": ["decisions"],
    "additionalProperties": False,
}
"""The answer of ``hybrid``: one ``{id, keep, entity, metric}`` per candidate."""


def response_format(mode: ResponseFormat, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The ``response_format`` request field for ``mode``.

    Notes
    -----
    ``json_schema`` is understood by OpenAI, the llama.cpp server and Ollama's
    OpenAI-compatible endpoint, which then constrain decoding to the schema;
    ``json_object`` only promises some JSON object, for servers that reject a schema.
    """
    if mode == "json_object":
        return {"type": "json_object"}
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}


def entity_lines(theme: Theme, *, max_aliases: int = 8) -> str:
    """``- slug: Name (also: alias, ...)`` for each theme entity, the only slugs a claim may use."""
    lines = []
    for e in theme.entities:
        aliases = [a for a in e.aliases if a != e.name][:max_aliases]
        also = f" (also: {', '.join(aliases)})" if aliases else ""
        lines.append(f"- {e.slug}: {e.name}, {e.kind}{also}")
    return "\n".join(lines)


def _metric_lines() -> str:
    return "\n".join(f"- {m}: {METRIC_MEANINGS[m]}" for m in METRICS)


def _schema_hint(mode: ResponseFormat, schema: dict[str, Any]) -> str:
    if mode == "json_schema":
        return ""
    return "\n\nThe answer must match this JSON schema:\n" + json.dumps(schema)


def _reference(theme: Theme, mode: ResponseFormat, schema: dict[str, Any]) -> str:
    """What both requests give the model to judge by: metrics, slugs, conventions, the schema."""
    return (
        f"Metrics:\n{_metric_lines()}\n\nEntities (slug: name):\n{entity_lines(theme)}\n\n"
        f"{CONVENTIONS}{_schema_hint(mode, schema)}"
    )


def _messages(system: str, user: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _date_line(published: date | None) -> str:
    if published is None:
        return "Article date: unknown (leave relative dates null)."
    return f"Article date: {published.isoformat()} ({published:%A}). Resolve relative dates against it."


def claims_messages(
    theme: Theme,
    text: str,
    *,
    published: date | None,
    part: tuple[int, int] = (1, 1),
    mode: ResponseFormat = "json_schema",
) -> list[dict[str, str]]:
    """System and user messages asking for the claims of ``text`` (one chunk of an article)."""
    system = (
        "You extract checkable numeric claims from financial news for a fact checker. A claim is "
        "one number that the article states about one entity.\n"
        'Answer with JSON only: {"claims": [...]}, an empty list when the text has none.\n\n'
        f"{FIELDS}\n\n{_reference(theme, mode, CLAIMS_SCHEMA)}"
    )
    index, total = part
    where = f"This is part {index} of {total} of the article.\n" if total > 1 else ""
    return _messages(system, f"{_date_line(published)}\n{where}\n<article>\n{text}\n</article>")


def adjudication_messages(
    theme: Theme,
    candidates: Sequence[str],
    *,
    published: date | None,
    mode: ResponseFormat = "json_schema",
) -> list[dict[str, str]]:
    """Messages asking for a verdict on each numbered candidate (already rendered as text)."""
    system = (
        "A rule-based extractor proposed numeric claims from a news article. Check each candidate "
        "against its sentence and the rules below.\n"
        'Answer with JSON only: {"decisions": [{"id": N, "keep": true|false, "entity": SLUG, '
        '"metric": METRIC}, ...]}, one decision per candidate id.\n'
        "- keep false when the number is not a claim under the rules (wrong kind of number, an "
        "entity without a slug, text around the article).\n"
        "- entity: the proposed slug, or the right one from the list, or several slugs joined "
        'with "+" (sorted) for a collective total.\n'
        "- metric: the proposed metric, or the right one from the list.\n"
        "You cannot change a value or a quote, nor add claims.\n\n"
        f"{_reference(theme, mode, ADJUDICATION_SCHEMA)}"
    )
    return _messages(system, f"{_date_line(published)}\n\nCandidates:\n" + "\n".join(candidates))
