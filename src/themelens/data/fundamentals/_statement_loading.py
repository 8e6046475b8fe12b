"""Load one kind of statement (capex, or revenue and net income) from the run's source.

``loading.load_capex`` and ``income_loading.load_income`` ask the same
question of the same sources and must fail the same way, so the rules live
once, here, and each loader only says what differs: which method of a source
answers, which frame contract the rows meet, and the words its notes use
(:class:`StatementKind`). The rules themselves are in ``loading``'s module
docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Generic, Protocol, TypeVar

import pandas as pd

from themelens.data.fundamentals.contracts import Freq
from themelens.data.fundamentals.registry import (
    FUNDAMENTALS,
    FundamentalsProvider,
    check_routes,
    fundamentals_chain,
)
from themelens.errors import Failure, OfflineError
from themelens.theme import Theme

__all__ = ["DEMO_NOTE", "StatementFetch", "StatementKind", "StatementResult", "load_statements"]

DEMO_NOTE: Final = (
    "statement figures are unavailable offline: the synthetic demo market has no fundamentals"
)


class StatementResult(Protocol):
    """What ``CapexStatements`` and ``IncomeStatements`` both are (``contracts``)."""

    @property
    def frame(self) -> pd.DataFrame: ...
    @property
    def failures(self) -> tuple[Failure, ...]: ...
    @property
    def notes(self) -> tuple[str, ...]: ...
    @property
    def synthetic(self) -> bool: ...
    @property
    def available(self) -> bool: ...


S = TypeVar("S", bound=StatementResult)
S_co = TypeVar("S_co", bound=StatementResult, covariant=True)


class StatementFetch(Protocol[S_co]):
    """A source's statement method, bound (``YahooFundamentals().capex``, ``AkshareIncome().income``)."""

    def __call__(self, tickers: Sequence[str], *, freq: Freq = "annual") -> S_co: ...


@dataclass(frozen=True)
class StatementKind(Generic[S]):
    """What one kind of statement differs in; the loading rules are shared.

    make, validate, empty
        The result class and its frame contract (``contracts``).
    unavailable
        How a note starts when no source answered (``"statement figures unavailable"``).
    from_second
        What the second provider gave when the first was unreachable (``"statements"``).
    found
        The note naming the tickers the second provider filled in, before the list;
        ``{first}`` and ``{second}`` are the providers' labels.
    no_source
        The note when the run has no fundamentals source.
    periods
        False for a kind with no annual/quarterly split (valuation): one call per source.
    """

    make: Callable[..., S]
    validate: Callable[[pd.DataFrame], pd.DataFrame]
    empty: Callable[[], pd.DataFrame]
    unavailable: str
    from_second: str
    found: str
    no_source: str
    periods: bool = True

    def gap(self, note: str) -> S:
        """No rows at all, and ``note`` saying why (``available`` is False)."""
        return self.make(self.empty(), notes=(note,), available=False)

    def concat(self, *frames: pd.DataFrame) -> pd.DataFrame:
        parts = [f for f in frames if not f.empty]
        return self.validate(pd.concat(parts, ignore_index=True)) if parts else self.empty()


def load_statements(
    kind: StatementKind[S],
    tickers: Sequence[str],
    *,
    source: str,
    read_csv: Callable[[], S] | None,
    readers: Mapping[str, Callable[[], StatementFetch[S]]],
    theme: Theme | None = None,
) -> S:
    """``kind`` for ``tickers`` from ``source``; ``readers`` (by provider name) build a source only when asked.

    ``read_csv`` reads the CSV import when a file was given (``source == "csv"``);
    its rows are kept for ``tickers`` (all of them when none are named).
    ``auto`` asks each ticker's providers in the order ``theme`` routes it
    (``registry.fundamentals_chain``).
    """
    if source == "csv" and read_csv is not None:
        loaded = read_csv()
        wanted = set(tickers)
        frame = loaded.frame[loaded.frame["ticker"].isin(wanted)] if wanted else loaded.frame
        return kind.make(kind.validate(frame), loaded.failures, loaded.notes)
    if source == "demo":
        return kind.gap(DEMO_NOTE)
    if source == "none":
        return kind.gap(kind.no_source)
    if source == "auto":
        return _routed(kind, tickers, readers, theme)
    # "csv" without a file reads Yahoo, as it always has
    name = source if source in readers else "yahoo"
    try:
        return _both_freqs(kind, readers[name](), tickers)
    except OfflineError as exc:
        return kind.gap(f"{kind.unavailable}: {FUNDAMENTALS[name].label} unreachable ({exc})")


def _both_freqs(kind: StatementKind[S], fetch: StatementFetch[S], tickers: Sequence[str]) -> S:
    """Annual, then quarterly for the tickers with annual rows; "no quarterly" is not a failure.
    A kind without periods is one call."""
    annual = fetch(tickers, freq="annual")
    if not kind.periods:
        return annual
    failed = {f.item for f in annual.failures}
    quarterly = fetch([t for t in tickers if t not in failed], freq="quarterly")
    failures = (*annual.failures, *(f for f in quarterly.failures if "no quarterly" not in f.reason))  # fmt: skip
    return kind.make(
        kind.concat(annual.frame, quarterly.frame), failures, (*annual.notes, *quarterly.notes),
        synthetic=annual.synthetic or quarterly.synthetic,
    )  # fmt: skip


def _routed(
    kind: StatementKind[S],
    tickers: Sequence[str],
    readers: Mapping[str, Callable[[], StatementFetch[S]]],
    theme: Theme | None,
) -> S:
    """Each ticker from the first provider of its fundamentals chain that has rows, then the next.

    Tickers are grouped by (first provider, the one after it), so the built-in
    theme's listings — all Yahoo first, AkShare after for Hong Kong — are one
    group and one call per provider, exactly as before routing existed.
    """
    check_routes(theme)
    groups: dict[tuple[str, str | None], list[str]] = {}
    chains: dict[str, tuple[str, ...]] = {}
    unrouted: list[Failure] = []
    for t in tickers:
        chain = chains[t] = fundamentals_chain(theme, t)
        if not chain:
            route = ", ".join(theme.providers_for(t)) if theme is not None else ""
            unrouted.append(
                Failure(t, f"no fundamentals source: routed to {route or 'no provider'}")
            )
            continue
        second = chain[1] if len(chain) > 1 else FUNDAMENTALS[chain[0]].fallback
        groups.setdefault((chain[0], second), []).append(t)
    parts = [
        _fallback(kind, group, readers, first, second, {t for t in group if len(chains[t]) > 1})
        for (first, second), group in groups.items()
    ]
    if unrouted:
        parts.append(kind.make(kind.empty(), tuple(unrouted)))
    if len(parts) <= 1:
        return parts[0] if parts else kind.make(kind.empty())
    return kind.make(
        kind.concat(*(p.frame for p in parts)), tuple(f for p in parts for f in p.failures),
        tuple(n for p in parts for n in p.notes), synthetic=any(p.synthetic for p in parts),
        available=any(p.available for p in parts),
    )  # fmt: skip


def _fallback(
    kind: StatementKind[S],
    tickers: Sequence[str],
    readers: Mapping[str, Callable[[], StatementFetch[S]]],
    first_name: str,
    second_name: str | None,
    routed_on: set[str],
) -> S:
    """``first_name``, then ``second_name`` for the tickers in ``routed_on`` it had no rows for."""
    first_p = FUNDAMENTALS[first_name]
    if second_name is None:
        try:
            return _both_freqs(kind, readers[first_name](), tickers)
        except OfflineError as exc:
            return kind.gap(f"{kind.unavailable}: {first_p.label} unreachable ({exc})")
    second_p = FUNDAMENTALS[second_name]
    why = ""
    try:
        first: S | None = _both_freqs(kind, readers[first_name](), tickers)
    except OfflineError as exc:
        first, why = None, f"{first_p.label} unreachable ({exc})"
    served = set(first.frame["ticker"]) if first is not None else set()
    retry = [t for t in tickers if t not in served and t in routed_on]
    if first is not None and not retry:
        return first
    try:
        second = _both_freqs(kind, readers[second_name](), retry)
    except OfflineError as exc:
        if first is None:
            return kind.gap(f"{kind.unavailable}: {why}; {second_p.label} unreachable ({exc})")
        note = f"{second_p.label} unreachable ({exc}): no second source for {', '.join(retry)}"
        return kind.make(first.frame, first.failures, (*first.notes, note), first.synthetic)
    if first is None:
        scope = f", which covers {second_p.scope}" if second_p.scope else ""
        note = f"{why}: {kind.from_second} from {second_p.label}{scope}"
        other = f"{why}; {second_p.label} covers {second_p.scope}" if second_p.scope else why
        others = [Failure(t, other) for t in tickers if t not in routed_on]
        return kind.make(second.frame, (*others, *second.failures), (note, *second.notes), second.synthetic)  # fmt: skip
    return _merge(kind, first, second, retry, first_p, second_p)


def _merge(
    kind: StatementKind[S],
    first: S,
    second: S,
    retry: Sequence[str],
    first_p: FundamentalsProvider,
    second_p: FundamentalsProvider,
) -> S:
    """Both providers' rows; a ticker failing both has one failure with both reasons."""
    first_why = {f.item: f.reason for f in first.failures if f.item in retry}
    failures = [f for f in first.failures if f.item not in first_why]
    for f in second.failures:
        earlier = first_why.get(f.item)
        both = f"{first_p.name}: {earlier}; {second_p.name}: {f.reason}"
        failures.append(Failure(f.item, both) if earlier else f)
    found = sorted(set(second.frame["ticker"]))
    where = kind.found.format(first=first_p.label, second=second_p.label)
    notes = [f"{where}: {', '.join(found)}"] if found else []
    return kind.make(
        kind.concat(first.frame, second.frame), tuple(failures), (*first.notes, *notes, *second.notes),
        synthetic=first.synthetic or second.synthetic,
    )  # fmt: skip
