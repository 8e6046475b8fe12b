"""Budget: what the rules extractor may spend on one article, so no input runs for minutes.

Every stage is linear in the text: sentences are cut to at most
``MAX_SENTENCE_CHARS`` and ``MAX_SENTENCE_NUMBERS`` (``sentences``), and the
article-wide passes find a name or an earlier claim by where it stands or
what it says, not by a scan of all before it. But the cost per character
varies several-fold with the kind of text: prose costs little, a one-line
dump of a price table (a number every few characters, a claim every few
words) a lot. Ingest takes inputs up to 10 MB, and such a dump read in full
would run for minutes. So the rules count what they spend, in units of about
30 µs of one slow core (``WorkBudget.charge``), and stop reading at
``MAX_WORK``, with a warning that says where: the claims before that point
are kept, the text after it is not read.
"""

from __future__ import annotations

import logging
import re
from typing import Final

__all__ = ["MAX_WORK", "WorkBudget"]

logger = logging.getLogger(__name__)

MAX_WORK: Final = 600_000
"""About 15 s of one slow core on prose (4.5 MB of it: 15 times a long article), 25 s on the
costliest text measured (a price list on one line, a claim every 20 characters)."""
_NUMBER_RE: Final = re.compile(r"\d+(?:[.,]\d+)*")


class WorkBudget:
    """The work one article has cost so far, against ``limit``."""

    def __init__(self, limit: int = MAX_WORK) -> None:
        self.limit = limit
        self.spent = 0

    def charge(self, text: str, claims: int) -> None:
        """Count a sentence read in full: a unit per ten characters, two per number, four per
        claim it gave (the stages' costs, fitted on long inputs of a dozen kinds)."""
        self.spent += len(text) // 10 + 2 * len(_NUMBER_RE.findall(text)) + 4 * claims

    @property
    def spent_out(self) -> bool:
        """Whether the article has cost more than ``limit``."""
        return self.spent > self.limit

    def say_stopped(self, name: str, stop: int, total: int) -> None:
        """Warn that article ``name`` was read up to character ``stop`` of ``total`` only."""
        logger.warning(
            "%s: claims read from the first %s of %s characters only: the rest is past the "
            "rules extractor's work budget",
            name,
            f"{stop:,}",
            f"{total:,}",
        )
