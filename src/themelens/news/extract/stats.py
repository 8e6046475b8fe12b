"""What an extractor kept and threw away for one article, so a silent loss shows.

A model-backed extractor validates every answer: a quote the article does not
contain, an unknown metric or slug, a value of the wrong type are dropped
rather than passed to the verifier. Dropping silently would hide a model that
invents half its answer, so each extractor sets ``last_stats`` after every
``extract`` call; ``stats_of(extractor)`` reads it for any extractor, and
``ExtractionStats`` add up over a batch.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["ExtractionStats", "stats_of"]


@dataclass(frozen=True)
class ExtractionStats:
    """Counts for one ``extract`` call (or, summed with ``+``, for a batch).

    Attributes
    ----------
    kept
        Claims returned.
    dropped_quote
        Model claims dropped because their quote is missing or not in the article.
    dropped_invalid
        Model claims dropped for an unknown metric, a slug the theme does not
        know, a value of the wrong type or money without a currency.
    rejected
        Rules candidates the model dropped (``hybrid``).
    relabelled
        Rules candidates whose entity or metric the model changed (``hybrid``).
    ignored
        Model decisions ignored because they name an unknown or repeated id,
        an invalid slug or metric (``hybrid``); the candidate stays as the
        rules made it.
    unanswered
        Rules candidates the model said nothing about, kept as they were (``hybrid``).
    """

    kept: int = 0
    dropped_quote: int = 0
    dropped_invalid: int = 0
    rejected: int = 0
    relabelled: int = 0
    ignored: int = 0
    unanswered: int = 0

    def __add__(self, other: ExtractionStats) -> ExtractionStats:
        return ExtractionStats(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def dropped(self) -> int:
        """Model claims thrown away by validation (quote + invalid)."""
        return self.dropped_quote + self.dropped_invalid

    def as_text(self) -> str:
        """One line with the non-zero counts, e.g. ``kept 3, dropped_quote 1``."""
        parts = [f"{f.name} {getattr(self, f.name)}" for f in fields(self)]
        return ", ".join(p for p in parts if p.startswith("kept") or not p.endswith(" 0"))


def stats_of(extractor: object) -> ExtractionStats | None:
    """The ``last_stats`` of ``extractor``, or None for one that does not report any.

    Notes
    -----
    Reporting is optional so that a plugin extractor written against the bare
    ``Extractor`` protocol (``extract(article, theme) -> list[Claim]``) keeps working.
    """
    stats = getattr(extractor, "last_stats", None)
    return stats if isinstance(stats, ExtractionStats) else None
