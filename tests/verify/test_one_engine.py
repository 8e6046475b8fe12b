"""`verify`, `report` and `serve` give one verdict per claim: the same function decides all three.

Issue 14: the report marked eleven true index claims "contradicted" because it
checked them on an equal-weight proxy and `verify` did not. Here the dev articles
go through each front end on the real prices, and every verdict and reason must
agree; none may be `contradicted` on a proxy.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from themelens.config import resolve_settings
from themelens.news.claim import MARKET_METRICS
from themelens.pipeline.news import check_articles
from themelens.pipeline.run import run_theme
from themelens.pipeline.stored import context_from_store
from themelens.theme import load_theme
from themelens.verify import VerifiedClaim

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "dev"
ASOF = date(2025, 9, 24)


def _key(row: VerifiedClaim) -> tuple[object, ...]:
    c = row.claim
    return (c.article, c.entity, c.metric, str(c.value), c.quote, row.verdict, row.reason)


@pytest.fixture(scope="module")
def fronts(
    shared_prices_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[VerifiedClaim]]:
    if not CORPUS.is_dir():
        pytest.skip(f"../shared/corpus/dev not found at {CORPUS}")
    theme = load_theme()
    out: dict[str, list[VerifiedClaim]] = {}
    verify_db = tmp_path_factory.mktemp("verify") / "s.duckdb"
    settings = resolve_settings(db=verify_db, prices_dir=shared_prices_dir)
    out["verify"] = list(check_articles(settings, theme, [str(CORPUS)]).verify.rows)
    report_db = tmp_path_factory.mktemp("report") / "s.duckdb"
    settings = resolve_settings(db=report_db, prices_dir=shared_prices_dir)
    ctx = run_theme(settings, theme, asof=ASOF, articles=[str(CORPUS)])
    assert ctx.verify is not None
    out["report"] = list(ctx.verify.rows)
    served = context_from_store(settings, theme, asof=ASOF)
    assert served.verify is not None
    out["serve"] = list(served.verify.rows)
    return out


def test_the_three_front_ends_agree_on_every_verdict(
    fronts: dict[str, list[VerifiedClaim]],
) -> None:
    verify = sorted(map(_key, fronts["verify"]), key=str)
    assert verify and len(verify) == len(fronts["report"]) == len(fronts["serve"])
    assert sorted(map(_key, fronts["report"]), key=str) == verify
    assert sorted(map(_key, fronts["serve"]), key=str) == verify


def test_no_index_claim_is_decided_on_a_proxy(fronts: dict[str, list[VerifiedClaim]]) -> None:
    for rows in fronts.values():
        index = [r for r in rows if r.claim.entity == "hstech" and r.claim.metric in MARKET_METRICS]
        assert index and all(r.verdict == "unverifiable" for r in index)
        assert not any(r.proxy and r.verdict != "unverifiable" for r in rows)
        assert not any(r.verdict == "contradicted" for r in rows)  # all true on the dev set


def test_the_report_rows_show_the_session_its_close_and_its_range(
    fronts: dict[str, list[VerifiedClaim]], shared_prices_dir: Path, tmp_path: Path
) -> None:
    from themelens.report import render_report

    settings = resolve_settings(db=tmp_path / "s.duckdb", prices_dir=shared_prices_dir)
    ctx = run_theme(settings, load_theme(), asof=ASOF, articles=[str(CORPUS / "seed002.txt")])
    html = render_report(ctx)
    assert "day (close; range)" in html
    # Baidu on 2025-09-17: close +15.72%, range +6.18% to +19.61% against the previous close
    assert "+15.72%; +6.18% to +19.61%" in html
