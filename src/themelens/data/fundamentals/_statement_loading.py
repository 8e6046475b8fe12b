"""Load one kind of statement (capex, or revenue and net income) from the run's source.

``loading.load_capex`` and ``income_loading.load_income`` ask the same
question of the same sources and must fail the same way, so the rules live
once, here, and each loader only says what differs: which method of a source
answers, which frame contract the rows meet, and the words its notes use
(:class:`StatementKind`). The rules themselves are in ``loading``'s module
docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Generic, Protocol, TypeVar

import pandas as pd

from themelens.data.fundamentals.akshare import hk_code
from themelens.data.fundamentals.contracts import Freq
from themelens.errors import Failure, OfflineError

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
    from_akshare
        What AkShare gave when Yahoo was unreachable (``"statements"``).
    found
        The note naming the tickers AkShare filled in after Yahoo, before the list.
    no_source
        The note when the run has no fundamentals source.
    """

    make: Callable[..., S]
    validate: Callable[[pd.DataFrame], pd.DataFrame]
    empty: Callable[[], pd.DataFrame]
    unavailable: str
    from_akshare: str
    found: str
    no_source: str

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
    yahoo: Callable[[], StatementFetch[S]],
    akshare: Callable[[], StatementFetch[S]],
) -> S:
    """``kind`` for ``tickers`` from ``source``; ``yahoo``/``akshare`` build a source only when asked.

    ``read_csv`` reads the CSV import when a file was given (``source == "csv"``);
    its rows are kept for ``tickers`` (all of them when none are named).
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
        return _auto(kind, tickers, yahoo(), akshare())
    # "csv" without a file reads Yahoo, as it always has
    one = akshare() if source == "akshare" else yahoo()
    try:
        return _both_freqs(kind, one, tickers)
    except OfflineError as exc:
        return kind.gap(f"{kind.unavailable}: {exc}")


def _both_freqs(kind: StatementKind[S], fetch: StatementFetch[S], tickers: Sequence[str]) -> S:
    """Annual, then quarterly for the tickers with annual rows; "no quarterly" is not a failure."""
    annual = fetch(tickers, freq="annual")
    failed = {f.item for f in annual.failures}
    quarterly = fetch([t for t in tickers if t not in failed], freq="quarterly")
    failures = (*annual.failures, *(f for f in quarterly.failures if "no quarterly" not in f.reason))  # fmt: skip
    return kind.make(
        kind.concat(annual.frame, quarterly.frame), failures, (*annual.notes, *quarterly.notes),
        synthetic=annual.synthetic or quarterly.synthetic,
    )  # fmt: skip


def _auto(
    kind: StatementKind[S],
    tickers: Sequence[str],
    yahoo: StatementFetch[S],
    akshare: StatementFetch[S],
) -> S:
    """Yahoo, then AkShare for the Hong Kong tickers Yahoo had no rows for."""
    why = ""
    try:
        first: S | None = _both_freqs(kind, yahoo, tickers)
    except OfflineError as exc:
        first, why = None, f"Yahoo Finance unreachable ({exc})"
    served = set(first.frame["ticker"]) if first is not None else set()
    retry = [t for t in tickers if t not in served and hk_code(t) is not None]
    if first is not None and not retry:
        return first
    try:
        second = _both_freqs(kind, akshare, retry)
    except OfflineError as exc:
        if first is None:
            return kind.gap(f"{kind.unavailable}: {why}; AkShare unreachable ({exc})")
        note = f"AkShare unreachable ({exc}): no second source for {', '.join(retry)}"
        return kind.make(first.frame, first.failures, (*first.notes, note), first.synthetic)
    if first is None:
        note = f"{why}: {kind.from_akshare} from AkShare, which covers Hong Kong listings only"
        others = [Failure(t, f"{why}; AkShare covers Hong Kong listings only") for t in tickers if hk_code(t) is None]  # fmt: skip
        return kind.make(second.frame, (*others, *second.failures), (note, *second.notes), second.synthetic)  # fmt: skip
    return _merge(kind, first, second, retry)


def _merge(kind: StatementKind[S], first: S, second: S, retry: Sequence[str]) -> S:
    """Yahoo's rows and AkShare's; a ticker failing both has one failure with both reasons."""
    yahoo_why = {f.item: f.reason for f in first.failures if f.item in retry}
    failures = [f for f in first.failures if f.item not in yahoo_why]
    for f in second.failures:
        earlier = yahoo_why.get(f.item)
        failures.append(Failure(f.item, f"yahoo: {earlier}; akshare: {f.reason}") if earlier else f)
    found = sorted(set(second.frame["ticker"]))
    notes = [f"{kind.found}: {', '.join(found)}"] if found else []
    return kind.make(
        kind.concat(first.frame, second.frame), tuple(failures), (*first.notes, *notes, *second.notes),
        synthetic=first.synthetic or second.synthetic,
    )  # fmt: skip
