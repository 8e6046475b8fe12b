"""The Claim: one checkable number an article states about one entity.

The vocabulary is ``../shared/spec/claims.md``: ``entity`` (a slug, or slugs
joined with ``+``), ``metric`` (one of ``METRICS``), ``value`` in base units
(a ``YYYY-MM`` string for ``high_since``), ``currency`` (ISO 4217), ``window``,
``date``, ``qualifier`` and the exact ``quote``. Extra keys (``listing``,
``by``, ``instrument``, ``value_usd``, ``also``: the other figures the text gives for
the same thing, such as a range's upper end) are optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Final

__all__ = [
    "CLAIM_KEYS",
    "FUNDAMENTAL_METRICS",
    "MARKET_METRICS",
    "METRICS",
    "MONEY_METRICS",
    "Claim",
    "Evidence",
]

METRICS: Final = (
    "return_pct",
    "high_since",
    "win_streak_weeks",
    "drawdown_from_peak_pct",
    "capex",
    "capex_growth_pct",
    "investment_plan",
    "bond_issuance",
    "stake_purchase",
    "fund_flow",
    "forward_pe",
    "net_income_growth_pct",
    "revenue_growth_pct",
    "market_size",
    "idle_capacity_pct",
    "price_target",
)
"""Every metric the spec defines, and nothing else."""

MONEY_METRICS: Final = frozenset(
    {"capex", "investment_plan", "bond_issuance", "stake_purchase", "fund_flow", "market_size",
     "price_target"}
)  # fmt: skip
"""Metrics whose value is an amount of money (they carry a currency)."""

MARKET_METRICS: Final = ("return_pct", "high_since", "win_streak_weeks", "drawdown_from_peak_pct")
"""Metrics that prices alone can check."""
FUNDAMENTAL_METRICS: Final = frozenset(
    {
        "revenue_growth_pct",
        "net_income_growth_pct",
        "capex_growth_pct",
        "capex",
        "forward_pe",
        "fund_flow",
    }
)
"""Metrics checked against statements, valuation or flows (``verify.fundamentals``)."""

CLAIM_KEYS: Final = (
    "entity", "metric", "value", "currency", "window", "date", "qualifier", "quote",
)  # fmt: skip
"""The spec's keys, in the order JSON output prints them."""

_OPTIONAL: Final = ("value_usd", "listing", "by", "instrument", "also")


@dataclass(frozen=True)
class Evidence:
    """Why the extractor decided what it did: the words that chose each field.

    What a user reads (``claims extract --explain``) when a claim looks wrong;
    each field is the deciding text in quotes, or how the context filled it in.
    """

    metric: str
    entity: str
    window: str
    date: str


@dataclass(frozen=True)
class Claim:
    """One claim, as the spec defines it, plus where in the article it stands.

    ``article`` is the article's name (a file's stem), for people; two articles
    may share one. ``article_id`` is its content hash, the key every stored
    row and every verdict is matched on. ``start``/``end`` are
    character offsets of ``quote`` in the article text (``text[start:end] ==
    quote``), kept for citations and highlighting.
    """

    entity: str
    metric: str
    value: float | str
    currency: str | None = None
    window: str | None = None
    date: str | None = None
    qualifier: str | None = None
    quote: str = ""
    value_usd: float | None = None
    listing: str | None = None
    by: str | None = None
    instrument: str | None = None
    also: tuple[float, ...] | None = None
    article: str | None = None
    article_id: str | None = None
    start: int | None = None
    end: int | None = None
    evidence: Evidence | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Spec keys first in spec order, then optional keys that are set, then ``article``."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "evidence"}
        out: dict[str, Any] = {k: data[k] for k in CLAIM_KEYS}
        out.update({k: data[k] for k in _OPTIONAL if data[k] is not None})
        if self.also is not None:
            out["also"] = list(self.also)
        if self.article is not None:
            out["article"] = self.article
        if self.article_id is not None:
            out["article_id"] = self.article_id
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Claim:
        """Build from a spec JSON object; unknown keys are ignored, as the spec allows."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if isinstance(values.get("also"), list):
            values["also"] = tuple(float(x) for x in values["also"])
        return cls(**values)
