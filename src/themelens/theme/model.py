"""The theme model: who is in a market theme, where they trade, and what happened.

Loading a theme file lives in ``themelens.theme.loader``; this module holds the models.

A theme is one YAML file (``themes/china-ai.yaml`` ships with the package). Downstream
code asks the theme, never a hard-coded list, which ticker an entity trades under, which
index is the benchmark and which names mean whom. Validation is strict (``extra="forbid"``)
so a typo such as ``listngs`` fails loudly instead of silently dropping listings, and
``load_theme`` turns every fault into one ``ThemeError`` line naming the file and field
(``my.yaml: entities.2.listings: more than one primary listing``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from themelens.errors import InputError, UnknownTickerError
from themelens.theme.scenarios import CapexFact, Scenarios

__all__ = [
    "DEFAULT_THEME", "MEMBER_ROLES", "METRICS", "Catalyst", "Entity", "EntityKind", "Exchange",
    "Fact", "Listing", "ListingKind", "Metric", "Qualifier", "Resolution", "Role", "Theme",
    "exchange_for_ticker",
]  # fmt: skip

DEFAULT_THEME: Final = "china-ai"

Exchange = Literal["XHKG", "XNYS", "XSHG", "XSHE"]
ListingKind = Literal["share", "adr", "a-share", "index"]
EntityKind = Literal["company", "index", "investor", "channel", "aggregate"]
Role = Literal["leader", "supply-chain", "peer", "benchmark"]
MEMBER_ROLES: Final[tuple[Role, ...]] = ("leader", "supply-chain", "peer")
"""The roles whose companies make up the theme (benchmarks measure it; others are context)."""
Qualifier = Literal["over", "nearly", "about", "up_to", "at_least", "limit_up"]
Metric = Literal[
    "return_pct", "high_since", "win_streak_weeks", "drawdown_from_peak_pct", "capex",
    "capex_growth_pct", "investment_plan", "bond_issuance", "stake_purchase", "fund_flow",
    "forward_pe", "net_income_growth_pct", "revenue_growth_pct", "market_size",
    "idle_capacity_pct", "price_target",
]  # fmt: skip
METRICS: Final[tuple[str, ...]] = get_args(Metric)
_MONEY_METRICS: Final = frozenset(
    {"capex", "investment_plan", "bond_issuance", "stake_purchase", "fund_flow", "market_size",
     "price_target"}
)  # fmt: skip

_SLUG_PATTERN: Final = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_CURRENCY_PATTERN: Final = r"^[A-Z]{3}$"
PATTERN_HINT: Final = {
    _SLUG_PATTERN: "should be a lowercase slug such as 'hua-hong'",
    _CURRENCY_PATTERN: "should be an ISO 4217 code such as 'HKD'",
}
Slug = Annotated[str, StringConstraints(pattern=_SLUG_PATTERN)]
ProviderName = Annotated[str, StringConstraints(pattern=_SLUG_PATTERN)]
"""A price provider's registered name (``yahoo``, ``akshare``); checked against the registry
when prices are loaded, since the theme may not import the data layer."""
Currency = Annotated[str, StringConstraints(pattern=_CURRENCY_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_TICKER_RE: Final = re.compile(r"^\^?[A-Z0-9][A-Z0-9.=\-]*$")
_WINDOW_RE: Final = re.compile(r"^(?:\d+[dwmy]|ytd|\d{4}(?:H[12]|Q[1-4])?)$")
_MONTH_RE: Final = re.compile(r"^\d{4}-(?:0[1-9]|1[0-2])$")
# Mirrors themelens.data.calendar.exchange_for_ticker (theme may not import data;
# tests/test_theme.py checks that the two agree).
_SUFFIX_EXCHANGE: Final[dict[str, Exchange]] = {".HK": "XHKG", ".SS": "XSHG", ".SZ": "XSHE"}


def _fail(message: str, field: str | None = None) -> PydanticCustomError:
    """A validation error; ``field`` (dotted) pins a cross-check to the item it is about."""
    if field is None:
        return PydanticCustomError("theme", "{detail}", {"detail": message})
    return PydanticCustomError("theme", "{field}: {detail}", {"field": field, "detail": message})


def _key(token: str) -> str:
    """Normalise a name for lookup: NFKC (full-width → ASCII), single spaces, casefolded."""
    return " ".join(unicodedata.normalize("NFKC", token).split()).casefold()


_HK_INDEXES: Final = frozenset({"^HSI", "^HSCE", "^HSTECH"})


def exchange_for_ticker(ticker: str) -> Exchange:
    """The exchange whose sessions a Yahoo-style ticker trades on.

    ``.HK`` → XHKG, ``.SS`` → XSHG, ``.SZ`` → XSHE, the Hang Seng indexes
    (``^HSI``, ``^HSCE``) → XHKG, anything else (US shares, ADRs, US
    indexes) → XNYS. It lives here because a listing's exchange defaults from
    its ticker; ``data.calendar`` re-exports it.
    """
    upper = ticker.strip().upper()
    if upper in _HK_INDEXES:
        return "XHKG"
    return next((ex for sfx, ex in _SUFFIX_EXCHANGE.items() if upper.endswith(sfx)), "XNYS")


def _exchange_from_ticker(data: dict[str, Any]) -> Exchange:
    return exchange_for_ticker(str(data.get("ticker", "")))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Listing(_Model):
    """One place an entity trades, as a Yahoo-style ticker.

    ``exchange`` defaults from the suffix (``.HK`` → XHKG, ``.SS`` → XSHG,
    ``.SZ`` → XSHE, else XNYS) because that is almost always right and
    one less thing to get wrong by hand.
    """

    ticker: str
    exchange: Exchange = Field(default_factory=_exchange_from_ticker)
    currency: Currency
    primary: bool = False
    kind: ListingKind = "share"
    label: Text | None = None
    providers: tuple[ProviderName, ...] = ()
    """Price providers for this listing, tried in order (empty: the theme's ``default_providers``)."""

    @field_validator("ticker", mode="before")
    @classmethod
    def _check_ticker(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        ticker = value.strip().upper()
        if not _TICKER_RE.match(ticker):
            raise _fail(f"{value!r} is not a Yahoo-style ticker (e.g. 9988.HK, BABA, ^NDX)")
        return ticker


class Entity(_Model):
    """A company, index, investor, channel or named aggregate the theme talks about.

    Notes
    -----
    An entity with listings must mark exactly one primary: "Alibaba's return"
    then means 9988.HK, not whichever listing happened to come first.
    """

    slug: Slug
    name: Text
    kind: EntityKind
    role: Role | None = None
    aliases: tuple[Text, ...] = ()
    listings: tuple[Listing, ...] = ()
    fiscal_year_end: int | None = Field(default=None, ge=1, le=12)
    """Month the company's fiscal year ends (Alibaba: 3); news maps its fiscal quarters to
    calendar ones (spec: "Quarters are calendar quarters")."""

    @field_validator("listings")
    @classmethod
    def _one_primary(cls, listings: tuple[Listing, ...]) -> tuple[Listing, ...]:
        tickers = [lst.ticker for lst in listings]
        if dupes := sorted({t for t in tickers if tickers.count(t) > 1}):
            raise _fail(f"ticker listed twice: {', '.join(dupes)}")
        primaries = [lst.ticker for lst in listings if lst.primary]
        if len(primaries) > 1:
            raise _fail(f"more than one primary listing ({', '.join(primaries)})")
        if listings and not primaries:
            raise _fail("no primary listing; mark one with 'primary: true'")
        return listings

    @property
    def primary(self) -> Listing | None:
        """The listing that stands for the entity (None when it has no listings)."""
        return next((lst for lst in self.listings if lst.primary), None)


class Fact(_Model):
    """One reported number about a catalyst, in the vocabulary of spec/claims.md.

    ``value`` is a string only for ``high_since`` (``"2021-11"``); money
    metrics need a ``currency``, the others must not have one.
    """

    metric: Metric
    value: float | str = Field(union_mode="left_to_right")  # "3.8e11" (YAML 1.1 text) is a number
    currency: Currency | None = None
    window: str | None = None
    qualifier: Qualifier | None = None
    source: Text | None = None
    note: Text | None = None

    @field_validator("window")
    @classmethod
    def _check_window(cls, window: str | None) -> str | None:
        if window is not None and not _WINDOW_RE.match(window):
            raise _fail(f"{window!r} is not a window like 1d, 1w, ytd, 3y, 2024, 2024H1, 2025Q2")
        return window

    @model_validator(mode="after")
    def _check_value(self) -> Self:
        if self.metric == "high_since":
            if not (isinstance(self.value, str) and _MONTH_RE.match(self.value)):
                raise _fail(f"high_since needs a YYYY-MM string, got {self.value!r}", "value")
        elif not isinstance(self.value, float):
            raise _fail(f"{self.metric} needs a number, got {self.value!r}", "value")
        if self.metric in _MONEY_METRICS and self.currency is None:
            raise _fail(f"{self.metric} is money and needs a currency", "currency")
        if self.metric not in _MONEY_METRICS and self.currency is not None:
            raise _fail(f"{self.metric} is not money; drop the currency", "currency")
        return self


class Catalyst(_Model):
    """A dated event for one entity, with the facts the press reported about it."""

    date: dt.date
    entity: Slug
    title: Text
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class Resolution:
    """What a user's token (slug, alias or ticker) stands for.

    ``Theme.resolve`` fills all three; callers may build one with ``entity`` and
    ``listing`` None for a bare ticker outside the theme.
    """

    ticker: str
    entity: Entity | None
    listing: Listing | None


class Theme(_Model):
    """A market theme: its entities (with listings and roles) and dated catalysts.

    ``capex_facts`` and ``scenarios`` (``themelens.theme.scenarios``) feed the
    fundamentals tracker. Cross-checks on load: slugs are unique, no ticker is
    listed by two entities, no slug/alias/ticker names two entities
    (case-insensitively), every catalyst, capex fact and scenario override
    names a known entity, and ``default_benchmark`` is a
    benchmark entity with a listing. Lookups are then unambiguous.
    """

    name: Slug
    title: Text
    description: str = ""
    default_benchmark: Slug
    default_providers: tuple[ProviderName, ...] = Field(default=("yahoo",), min_length=1)
    """Price providers for listings that name none, tried in order."""
    feeds: tuple[Text, ...] = ()
    """RSS/Atom URLs and folders of articles that ``themelens watch`` polls."""
    entities: tuple[Entity, ...] = Field(min_length=1)
    catalysts: tuple[Catalyst, ...] = ()
    capex_facts: tuple[CapexFact, ...] = ()
    scenarios: Scenarios | None = None

    _by_slug: dict[str, Entity] = PrivateAttr(default_factory=dict)
    _by_name: dict[str, Entity] = PrivateAttr(default_factory=dict)
    _by_ticker: dict[str, tuple[Entity, Listing]] = PrivateAttr(default_factory=dict)
    _display: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_check(self) -> Self:
        problems: list[tuple[str, str]] = []
        owner: dict[str, tuple[int, str]] = {}  # lookup key -> (entity index, where it was named)
        for i, ent in enumerate(self.entities):
            names = [(ent.slug, f"entities.{i}.slug", "slug")]
            names += [(lst.ticker, f"entities.{i}.listings.{k}.ticker", "ticker")
                      for k, lst in enumerate(ent.listings)]  # fmt: skip
            names += [(a, f"entities.{i}.aliases.{k}", "alias") for k, a in enumerate(ent.aliases)]
            for text, where, what in names:
                key = _key(text)
                other, first = owner.setdefault(key, (i, where))
                if other != i:
                    taken = self.entities[other].slug
                    problems.append((where, f"{what} {text!r} already names {taken} ({first})"))
                self._display.setdefault(key, text)
            self._by_slug.setdefault(ent.slug, ent)
            for lst in ent.listings:
                self._by_ticker.setdefault(lst.ticker, (ent, lst))
        self._by_name = {key: self.entities[i] for key, (i, _) in owner.items()}
        for i, cat in enumerate(self.catalysts):
            if cat.entity not in self._by_slug:
                problems.append((f"catalysts.{i}.entity", self._unknown(cat.entity)))
        for i, fact in enumerate(self.capex_facts):
            for slug in fact.members:
                if slug not in self._by_slug:
                    problems.append((f"capex_facts.{i}.entity", self._unknown(slug)))
        for where, slug in self.scenarios.override_slugs() if self.scenarios else ():
            if slug not in self._by_slug:
                problems.append((where, self._unknown(slug)))
        bench = self._by_slug.get(self.default_benchmark)
        if bench is None:
            problems.append(("default_benchmark", self._unknown(self.default_benchmark)))
        elif bench.role != "benchmark" or bench.primary is None:
            need = f"{bench.slug!r} must have role benchmark and a primary listing"
            problems.append(("default_benchmark", need))
        if problems:
            where, message = problems[0]
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            raise _fail(message + more, where)
        return self

    def _unknown(self, slug: str) -> str:
        hint = difflib.get_close_matches(slug, list(self._by_slug), n=3)
        return f"unknown entity {slug!r}" + (f"; close matches: {', '.join(hint)}" if hint else "")

    def entity(self, slug: str) -> Entity:
        """The entity with this slug.

        Raises ``UnknownTickerError`` listing close matches, so a CLI typo gets
        a "did you mean" instead of a bare KeyError.
        """
        found = self._by_slug.get(slug.strip().lower())
        if found is None:
            raise UnknownTickerError(slug, suggestions=self.suggest(slug), what="entity")
        return found

    def by_role(self, role: Role) -> tuple[Entity, ...]:
        """Entities with ``role``, in theme order (the order the YAML author chose to show)."""
        return tuple(e for e in self.entities if e.role == role)

    def tradable_entities(self, roles: Iterable[Role] | None = None) -> tuple[Entity, ...]:
        """Entities that have a primary listing (optionally only these ``roles``), in theme order.

        Private companies, channels and aggregates have no prices, so price
        commands iterate over this rather than over ``entities``.
        """
        wanted = None if roles is None else set(roles)
        return tuple(
            e for e in self.entities
            if e.primary is not None and (wanted is None or e.role in wanted)
        )  # fmt: skip

    def members(self) -> tuple[Entity, ...]:
        """The theme's tradable companies: leaders, supply chain and peers, in theme order."""
        return self.tradable_entities(MEMBER_ROLES)

    def member_tickers(self) -> tuple[str, ...]:
        """Primary tickers of :meth:`members`."""
        return tuple(e.primary.ticker for e in self.members() if e.primary is not None)

    def benchmark_chain(self) -> tuple[str, ...]:
        """Benchmark tickers to try in order: the default benchmark, then the theme's other
        benchmarks as written. Every command picks its benchmark from this one list
        (:meth:`pick_benchmark`), so a run without the index's series falls back the same
        way everywhere."""
        first = self.benchmark().primary
        chain = [first.ticker] if first is not None else []
        for entity in self.tradable_entities(("benchmark",)):
            assert entity.primary is not None
            if entity.primary.ticker not in chain:
                chain.append(entity.primary.ticker)
        return tuple(chain)

    def pick_benchmark(self, available: Iterable[str]) -> str | None:
        """The first ticker of :meth:`benchmark_chain` among ``available`` (None if none)."""
        have = set(available)
        return next((t for t in self.benchmark_chain() if t in have), None)

    def roles_by_ticker(self) -> dict[str, tuple[str, str, str]]:
        """Primary ticker → (slug, name, role) for members and benchmarks ("other" when unset)."""
        return {
            e.primary.ticker: (e.slug, e.name, e.role or "other")
            for e in self.tradable_entities((*MEMBER_ROLES, "benchmark"))
            if e.primary is not None
        }

    def primary_ticker(self, slug: str) -> str | None:
        """The primary listing's ticker of entity ``slug`` (None if it has no listing)."""
        primary = self.entity(slug).primary
        return primary.ticker if primary else None

    def all_tickers(self) -> tuple[str, ...]:
        """Every listed ticker of every entity, in theme order (what a full price fetch needs)."""
        return tuple(self._by_ticker)

    def providers_for(self, ticker: str) -> tuple[str, ...]:
        """The price providers for ``ticker``, in fallback order.

        A listing's own ``providers`` win; any other listing, and a ticker the
        theme does not list, gets ``default_providers``.
        """
        found = self._by_ticker.get(ticker.strip().upper())
        if found is not None and found[1].providers:
            return found[1].providers
        return self.default_providers

    def entity_for_ticker(self, ticker: str) -> Entity | None:
        """The entity listing ``ticker`` (case-insensitive), or None if no entity lists it."""
        found = self._by_ticker.get(ticker.strip().upper())
        return found[0] if found else None

    def find_entity(self, token: str) -> Entity | None:
        """The entity a slug, alias or ticker names (case-insensitive), with or without listings.

        Unlike ``resolve`` this also finds entities that do not trade
        (``deepseek``, ``southbound``), which the news pipeline needs.
        """
        return self._by_name.get(_key(token))

    def resolve(self, token: str) -> Resolution | None:
        """Map a slug, alias (Chinese too) or listed ticker to a ticker, case-insensitively.

        A ticker resolves to that very listing (``BABA`` → the ADR); a slug or
        alias to the entity's primary listing (``阿里巴巴`` → 9988.HK). Returns
        None for unknown tokens and for entities without listings; use
        ``find_entity`` to tell those apart.
        """
        by_ticker = self._by_ticker.get(unicodedata.normalize("NFKC", token).strip().upper())
        if by_ticker is not None:
            ent, lst = by_ticker
            return Resolution(lst.ticker, ent, lst)
        found = self.find_entity(token)
        if found is None or found.primary is None:
            return None
        return Resolution(found.primary.ticker, found, found.primary)

    def suggest(self, token: str, extra: Iterable[str] = ()) -> list[str]:
        """Close matches for ``token`` among slugs, aliases, tickers and ``extra`` (difflib).

        Used for "did you mean" hints; compared case-insensitively, returned
        as written in the theme.
        """
        display = dict(self._display)
        for text in extra:
            display.setdefault(_key(text), text)
        hits = difflib.get_close_matches(_key(token), list(display), n=5, cutoff=0.6)
        return list(dict.fromkeys(display[h] for h in hits))

    def benchmark(self, slug: str | None = None) -> Entity:
        """The benchmark entity: ``slug`` if given, else the theme's ``default_benchmark``.

        Any entity with a listing may serve (a user may benchmark against a
        stock); one without a listing has no returns to compare with.
        """
        ent = self.entity(slug if slug is not None else self.default_benchmark)
        if ent.primary is None:
            raise InputError(f"{ent.slug}: has no listing, so it cannot serve as a benchmark")
        return ent
