"""The dev corpus in ../shared through the shared scorer: the quality bar of issue 3.

Skips when ../shared (the corpus and the scorer) is not there; the corpus text
never enters this repository.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
from shared_scorer import shared_scorer

from themelens.news.extract import extract_claims
from themelens.news.ingest import ingest
from themelens.theme import load_theme

SHARED = Path(__file__).resolve().parents[3] / "shared"
DEV = SHARED / "corpus" / "dev"


def _scorer() -> ModuleType:
    if not DEV.is_dir():
        pytest.skip(f"dev corpus not found under {SHARED}")
    return shared_scorer()


def test_dev_corpus_meets_the_quality_bar(tmp_path: Path) -> None:
    scorer = _scorer()
    theme = load_theme()
    result = ingest([DEV])
    assert not result.failures
    pred = tmp_path / "pred.jsonl"
    with pred.open("w", encoding="utf-8") as out:
        for article in result.articles:
            for claim in extract_claims(article, theme):
                out.write(json.dumps(claim.to_dict()) + "\n")
                assert article.text[claim.start : claim.end] == claim.quote  # type: ignore[misc]
    scores = scorer.score(scorer.load_gold(DEV), scorer.load_predictions(pred))
    summary = {
        k: round(scores[k], 3)
        for k in ("precision", "recall", "f1", "window_accuracy", "date_accuracy")
    }
    assert scores["f1"] >= 0.90, summary
    assert scores["window_accuracy"] >= 0.8, summary
    assert scores["date_accuracy"] >= 0.8, summary
