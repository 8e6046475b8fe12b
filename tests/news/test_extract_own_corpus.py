"""The own validation corpus (tests/news/own_corpus) through the shared scorer.

Ten articles in other outlets' styles, written and annotated apart from the
extractor, measure how well it generalises beyond the dev corpus. The bar is
lower than the dev corpus's on purpose: the set is for validation, not for
tuning. Skips when ../shared/tools/score_claims.py is not there (the scorer
is not part of this repository).
"""

from __future__ import annotations

import json
from pathlib import Path

from shared_scorer import shared_scorer

from themelens.news.extract import extract_claims
from themelens.news.ingest import ingest
from themelens.theme import load_theme

OWN = Path(__file__).resolve().parent / "own_corpus"


def test_own_corpus_meets_the_generalisation_bar(tmp_path: Path) -> None:
    scorer = shared_scorer()
    theme = load_theme()
    result = ingest(sorted(OWN.glob("*.txt")))
    assert not result.failures
    assert len(result.articles) == 10
    pred = tmp_path / "pred.jsonl"
    with pred.open("w", encoding="utf-8") as out:
        for article in result.articles:
            for claim in extract_claims(article, theme):
                out.write(json.dumps(claim.to_dict()) + "\n")
                assert claim.start is not None and claim.end is not None
                assert article.text[claim.start : claim.end] == claim.quote
    scores = scorer.score(scorer.load_gold(OWN), scorer.load_predictions(pred))
    summary = {
        k: round(scores[k], 3)
        for k in ("precision", "recall", "f1", "window_accuracy", "date_accuracy")
    }
    assert scores["f1"] >= 0.85, summary
    assert scores["window_accuracy"] >= 0.75, summary
    assert scores["date_accuracy"] >= 0.75, summary
