"""Claims and verdicts kept in the store across runs: reused when nothing they depend on changed.

Why it looks the way it does
----------------------------
Issue 18: ``news add`` and ``verify`` cost 67 to 173 ms an article and grew
with the store, most of it opening the store once or more per article. Here a
command stores its articles, finds what it can reuse and reads it back in one
``session`` (one connection), extracts the rest outside the lock, and stores
the new claims in batches, each one connection and one transaction. A batch
closes after ``BATCH_S`` seconds of extraction or ``BATCH_MAX`` articles, so
another process waits at most one batch's write (tens of milliseconds) and
never the whole run, a kill loses at most the batch being extracted, and ten
thousand articles take a dozen connections, not ten thousand.

An article's claims depend on its text (its id), its date, the theme and the
code: ``extraction_key``. Stored claims made under the same key are read back
instead of extracted. Its verdicts depend, besides, on the evidence they were
checked against: every price row the run loaded, the tickers that failed to
load and why, the fundamentals the sources answered, the tolerances and the
proxy switch (``evidence_key``, a hash of them all, 20 ms for the 41 shared
tickers). An article whose claims were reused and whose stored verdicts carry
this run's key gets them back as they were; the others are verified again.
The key covers the whole run's evidence, not each claim's ticker, so adding
prices for one ticker re-verifies every article: conservative, and still
cheap, as verifying is a small part of the cost.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Final

import pandas as pd

from themelens.errors import ThemelensError
from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.store import AddResult, ArticleStore, StoredVerdict
from themelens.pipeline.steps import package_digest
from themelens.theme import Theme
from themelens.verify import Tolerances, VerifiedClaim
from themelens.verify.fundamentals import FundamentalsEvidence
from themelens.verify.result import SessionFigures

__all__ = [
    "BATCH_MAX",
    "BATCH_S",
    "StoredClaims",
    "evidence_key",
    "extract_stored",
    "extraction_key",
    "stored_verdicts",
    "verdict_rows",
]

BATCH_S: Final = 5.0
"""Seconds of extraction after which the claims extracted so far are stored."""
BATCH_MAX: Final = 1000
"""Articles after which the claims extracted so far are stored, however quick."""

_WHEN_READ: Final = ("fetched_at",)
"""Columns saying when a row was read, not what it holds: left out of the evidence key."""

Extract = Callable[[Article, Theme], Any]
"""An extractor: the claims of one article (a sequence, or an object with ``claims``)."""


def extraction_key(article: Article, theme: Theme, *, extractor: str = "rules") -> str:
    """What an article's claims depend on: the extractor and package code, the theme, its date.

    Its text is the article's id already; a stored article extracted under the
    same key has the same claims, so they are read back instead of extracted.
    """
    digest = hashlib.sha256(f"{package_digest()}|{article.published}|{extractor}|".encode())
    digest.update(_theme_json(theme).encode())
    return f"rules-{digest.hexdigest()[:24]}"


@cache
def _theme_json(theme: Theme) -> str:
    return theme.model_dump_json()


@dataclass(frozen=True)
class StoredClaims:
    """What ``extract_stored`` did.

    ``claims`` holds each article's claims (article id → claims, citing this
    run's article names) for every article whose claims are known and stored;
    ``reused`` the stored verdicts of the articles whose claims were read back
    (one per claim, None where never verified) and ``verified_with`` the key
    those verdicts were made under. ``failed`` are the articles the extractor
    failed on, ``unstored`` the batches whose claims the store refused.
    """

    ids: tuple[str, ...]  # of the articles given, in their order (a content hash is not free)
    added: AddResult
    keys: Mapping[str, str]
    claims: Mapping[str, tuple[Claim, ...]]
    reused: Mapping[str, tuple[StoredVerdict | None, ...]] = field(default_factory=dict)
    verified_with: Mapping[str, str | None] = field(default_factory=dict)
    failed: tuple[tuple[Article, Exception], ...] = ()
    unstored: tuple[tuple[tuple[str, ...], ThemelensError], ...] = ()


def extract_stored(
    store: ArticleStore,
    articles: Sequence[Article],
    theme: Theme,
    *,
    extract: Extract,
    extractor: str = "rules",
    catch: type[Exception] = ThemelensError,
) -> StoredClaims:
    """Store ``articles``, then give each its claims: read back when extracted before under
    the same key, else extracted (an exception of type ``catch`` fails that article alone) and
    stored in batches. An article repeated in ``articles`` is handled once, as its first copy.
    """
    ids = tuple(a.id for a in articles)
    first: dict[str, Article] = {}
    for article_id, article in zip(ids, articles, strict=True):
        first.setdefault(article_id, article)
    unique = list(first.values())
    keys = {a: extraction_key(article, theme, extractor=extractor) for a, article in first.items()}
    with store.session():  # one connection: store, find what is reusable, read it back
        added = store.add_articles(unique)
        under = store.extracted_under(keys)
        stored = store.read_verified(sorted(under)) if under else []
    known: dict[str, list[tuple[Claim, StoredVerdict | None]]] = {a: [] for a in under}
    for claim, verdict in stored:
        known[claim.article_id or ""].append((claim, verdict))
    batches = _Batches(store, keys, extractor)
    failed: list[tuple[Article, Exception]] = []
    reused: dict[str, tuple[StoredVerdict | None, ...]] = {}
    for article_id, article in first.items():
        if article_id in known:  # the stored names may differ: cite this run's
            rows = known[article_id]
            batches.claims[article_id] = tuple(replace(c, article=article.name) for c, _ in rows)
            reused[article_id] = tuple(v for _, v in rows)
            continue
        try:
            found = extract(article, theme)
            listed: Iterable[Claim] = found.claims if hasattr(found, "claims") else found
            claims = tuple(listed)
        except catch as exc:
            failed.append((article, exc))
            continue
        batches.add(article_id, claims)
    batches.flush()
    return StoredClaims(
        ids, added, keys, batches.claims, reused, {a: under[a] for a in reused}, tuple(failed),
        tuple(batches.unstored),
    )  # fmt: skip


class _Batches:
    """Extracted claims waiting to be stored; ``add`` stores them once a batch is full."""

    def __init__(self, store: ArticleStore, keys: Mapping[str, str], extractor: str) -> None:
        self.store, self.keys, self.extractor = store, keys, extractor
        self.claims: dict[str, tuple[Claim, ...]] = {}
        self.unstored: list[tuple[tuple[str, ...], ThemelensError]] = []
        self._pending: dict[str, tuple[Claim, ...]] = {}
        self._since = time.monotonic()

    def add(self, article_id: str, claims: tuple[Claim, ...]) -> None:
        self.claims[article_id] = self._pending[article_id] = claims
        if len(self._pending) >= BATCH_MAX or time.monotonic() - self._since >= BATCH_S:
            self.flush()

    def flush(self) -> None:
        """Store the pending claims in one transaction; refused, they are dropped from ``claims``."""
        pending, self._pending = self._pending, {}
        self._since = time.monotonic()
        if not pending:
            return
        keys = {a: self.keys[a] for a in pending}
        try:
            self.store.replace_claims_many(pending, extractor=self.extractor, key=keys)
        except ThemelensError as exc:
            self.unstored.append((tuple(pending), exc))
            for article_id in pending:
                del self.claims[article_id]


def evidence_key(
    *,
    prices: pd.DataFrame,
    tolerances: Tolerances,
    proxy: bool,
    missing: Mapping[str, str],
    fundamentals: FundamentalsEvidence | None,
) -> str:
    """A digest of everything a verdict is checked against, beside its claim and the code.

    Every column of every frame counts but ``fetched_at``: a CSV read again, or a cached
    ticker refreshed to the same values, is the same evidence.
    """
    digest = hashlib.sha256(f"{_dependencies()}|{tolerances!r}|{proxy}|".encode())
    digest.update(repr(sorted(missing.items())).encode())
    frames = [prices]
    if fundamentals is None:
        digest.update(b"|no fundamentals")
    else:
        frames += [fundamentals.statements, fundamentals.valuation, fundamentals.flows]
        for mapping in (fundamentals.unavailable, fundamentals.fiscal_year_ends):
            digest.update(repr(sorted(mapping.items())).encode())
        failures = {k: sorted(v.items()) for k, v in fundamentals.failures.items()}
        digest.update(repr((sorted(failures.items()), fundamentals.notes)).encode())
    for frame in frames:
        values = frame.drop(columns=[c for c in _WHEN_READ if c in frame.columns])
        digest.update(repr([(str(c), str(t)) for c, t in values.dtypes.items()]).encode())
        if len(values):
            digest.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:32]


@cache
def _dependencies() -> str:
    """Versions of the libraries a verdict's figures go through (the calendar above all)."""
    found = []
    for name in ("exchange_calendars", "pandas", "numpy"):
        try:
            found.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            found.append(f"{name}=?")
    return ",".join(found)


def stored_verdicts(
    stored: StoredClaims, keys: Mapping[str, str]
) -> dict[str, tuple[StoredVerdict, ...]]:
    """The reused articles whose every claim has a verdict made under its key in ``keys``."""
    out: dict[str, tuple[StoredVerdict, ...]] = {}
    for article_id, verdicts in stored.reused.items():
        made = stored.verified_with.get(article_id)
        if made is not None and made == keys.get(article_id):
            whole = tuple(v for v in verdicts if v is not None)
            if len(whole) == len(verdicts):
                out[article_id] = whole
    return out


def verdict_rows(
    claims: Iterable[Claim],
    checked: Sequence[VerifiedClaim],
    reused: Mapping[str, tuple[StoredVerdict, ...]],
) -> tuple[VerifiedClaim, ...]:
    """Every claim's row in order: from its stored verdict when its article is in ``reused``,
    else the next of ``checked`` (the others' rows, in the same order)."""
    fresh = iter(checked)
    position: dict[str, int] = {}
    rows: list[VerifiedClaim] = []
    for claim in claims:
        article_id = claim.article_id or ""
        if article_id not in reused:
            rows.append(next(fresh))
            continue
        i = position[article_id] = position.get(article_id, -1) + 1
        v = reused[article_id][i]
        figures = None
        if v.figures_session is not None:
            figures = SessionFigures(
                v.figures_session, v.session_close_pct, v.day_low_pct, v.day_high_pct
            )
        rows.append(
            VerifiedClaim(
                claim, v.ticker, v.asof, v.computed, v.verdict, v.reason, v.proxy, figures
            )
        )
    return tuple(rows)
