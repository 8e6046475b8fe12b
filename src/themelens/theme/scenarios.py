"""Theme additions for fundamentals: press-reported capex facts and bull/base/bear scenarios.

Both live in the theme file because they are the theme author's inputs, not
data we fetch: ``capex_facts`` are what the press *reported* (so the capex
tracker can set them beside statement figures and flag the gaps), and
``scenarios`` are the author's assumptions for the bull, base and bear cases
(so the scenario table is reproducible from the file alone).

YAML shape::

    capex_facts:
      - {entity: alibaba+baidu+tencent, metric: capex, value: 5.0e+10, currency: CNY,
         period: 2024H1, source: press reports, date: 2025-09}
    scenarios:
      horizon_sessions: 250
      note: illustrative assumptions of the theme author, not forecasts
      bull: {probability: 0.25, earnings_growth_pct: 20, rerating_pct: 20, capex_growth_pct: 50}
      base: {probability: 0.5, earnings_growth_pct: 12, rerating_pct: 0, capex_growth_pct: 25}
      bear: {probability: 0.25, earnings_growth_pct: -5, rerating_pct: -25, capex_growth_pct: -20}

Validation follows the rest of the theme (``extra="forbid"``, one error naming
the dotted field): probabilities must sum to 1 within :data:`PROBABILITY_TOLERANCE`,
growth drivers must stay above -100%, money facts need a currency.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Final, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "CASES",
    "PROBABILITY_TOLERANCE",
    "CapexBasis",
    "CapexFact",
    "CapexMetric",
    "CaseName",
    "Drivers",
    "ScenarioCase",
    "Scenarios",
]

PROBABILITY_TOLERANCE: Final = 1e-9
"""How far the three probabilities may sum from 1 (float rounding of decimal inputs only)."""

CaseName = Literal["bull", "base", "bear"]
CASES: Final[tuple[CaseName, ...]] = ("bull", "base", "bear")
CapexMetric = Literal["capex", "capex_growth_pct", "investment_plan"]
CapexBasis = Literal["reported", "estimate", "plan"]

_SLUG: Final = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_ENTITY_RE: Final = re.compile(rf"^{_SLUG}(?:\+{_SLUG})*$")
_PERIOD_RE: Final = re.compile(r"^(?:\d{4}(?:H[12]|Q[1-4])?|\d+y)$")
_DATE_RE: Final = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _fail(message: str, field: str | None = None) -> PydanticCustomError:
    if field is None:
        return PydanticCustomError("theme", "{detail}", {"detail": message})
    return PydanticCustomError("theme", "{field}: {detail}", {"field": field, "detail": message})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CapexFact(_Model):
    """One capex figure as the press reported it.

    ``entity`` is a slug, or several joined with ``+`` for a named set
    (``alibaba+baidu+tencent``, as in spec/claims.md); the tracker compares a
    set with the sum of its members' statement figures. ``period`` is a
    calendar year, half or quarter (``2024``, ``2024H1``, ``2025Q2``) or, for
    a multi-year plan, a span (``3y``). ``date`` is when it was reported, as
    precisely as known (``2025``, ``2025-09``, ``2025-09-24``). ``basis`` says
    whether the figure is a reported actual, an analyst estimate or a pledge.

    Notes
    -----
    A growth fact (``capex_growth_pct``) is in percent and has no currency;
    money facts must have one, so a figure is never converted with a guessed
    currency.
    """

    entity: str
    metric: CapexMetric = "capex"
    value: float
    currency: Currency | None = None
    period: str
    basis: CapexBasis = "reported"
    source: Text
    date: str
    note: Text | None = None

    @field_validator("date", "period", mode="before")
    @classmethod
    def _as_text(cls, value: object) -> object:
        """YAML reads ``2025-09-24`` as a date and ``2024`` as an int; both mean the text."""
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not _ENTITY_RE.match(self.entity):
            raise _fail("should be a slug or slugs joined with '+' (alibaba+tencent)", "entity")
        if not _PERIOD_RE.match(self.period):
            raise _fail(f"{self.period!r} is not a period like 2024, 2024H1, 2025Q2, 3y", "period")
        if not _DATE_RE.match(self.date):
            raise _fail(f"{self.date!r} is not a date like 2025, 2025-09, 2025-09-24", "date")
        money = self.metric != "capex_growth_pct"
        if money and self.currency is None:
            raise _fail(f"{self.metric} is money and needs a currency", "currency")
        if not money and self.currency is not None:
            raise _fail("capex_growth_pct is a percent; drop the currency", "currency")
        if money and self.value <= 0:
            raise _fail(f"capex must be positive (spend as a positive amount), got {self.value}", "value")  # fmt: skip
        return self

    @property
    def members(self) -> tuple[str, ...]:
        """The slugs this fact is about (one, or the members of a ``+`` set)."""
        return tuple(self.entity.split("+"))


class Drivers(_Model):
    """Percent changes over the horizon; any left out inherit from the case."""

    earnings_growth_pct: float | None = Field(default=None, gt=-100)
    rerating_pct: float | None = Field(default=None, gt=-100)
    capex_growth_pct: float | None = Field(default=None, gt=-100)


class ScenarioCase(_Model):
    """One case: its probability and drivers, with optional per-entity overrides.

    ``earnings_growth_pct`` is the change of forward earnings per share,
    ``rerating_pct`` the change of the forward P/E multiple and
    ``capex_growth_pct`` the change of the group's capex, all over the
    horizon. ``entities`` maps a slug to drivers that differ for it.
    """

    probability: float = Field(ge=0, le=1)
    earnings_growth_pct: float = Field(gt=-100)
    rerating_pct: float = Field(gt=-100)
    capex_growth_pct: float = Field(gt=-100)
    rationale: Text | None = None
    entities: dict[str, Drivers] = Field(default_factory=dict)

    def __hash__(self) -> int:
        """Hashable like the rest of the theme (lookups cache on it), despite the dict field."""
        own = (self.probability, self.earnings_growth_pct, self.rerating_pct,
               self.capex_growth_pct, self.rationale)  # fmt: skip
        return hash((own, tuple(sorted(self.entities.items()))))

    def drivers_for(self, slug: str | None) -> tuple[float, float, float]:
        """(earnings growth, re-rating, capex growth) in percent for ``slug`` (None: the case's)."""
        own = self.entities.get(slug) if slug is not None else None
        pick = (
            (own.earnings_growth_pct, own.rerating_pct, own.capex_growth_pct)
            if own
            else (None, None, None)
        )
        base = (self.earnings_growth_pct, self.rerating_pct, self.capex_growth_pct)
        eg, rr, cg = (b if p is None else p for p, b in zip(pick, base, strict=True))
        return eg, rr, cg


class Scenarios(_Model):
    """The bull, base and bear cases and the horizon they are set over.

    Notes
    -----
    The probabilities must sum to 1 within :data:`PROBABILITY_TOLERANCE`:
    a probability-weighted value over cases that do not exhaust the outcomes
    would be a silently scaled number, so a bad file fails to load instead.
    """

    horizon_sessions: int = Field(default=250, ge=1)
    note: Text | None = None
    bull: ScenarioCase
    base: ScenarioCase
    bear: ScenarioCase

    @model_validator(mode="after")
    def _probabilities(self) -> Self:
        probs = {name: self.case(name).probability for name in CASES}
        total = sum(probs.values())
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            parts = " + ".join(f"{name} {p:g}" for name, p in probs.items())
            raise _fail(f"probabilities ({parts}) sum to {total:.12g}, not 1")
        return self

    def case(self, name: CaseName) -> ScenarioCase:
        """The case called ``name``."""
        found: ScenarioCase = getattr(self, name)
        return found

    def override_slugs(self) -> list[tuple[str, str]]:
        """(dotted field, slug) of every per-entity override, for the theme's cross-check."""
        return [(f"scenarios.{n}.entities.{s}", s) for n in CASES for s in self.case(n).entities]
