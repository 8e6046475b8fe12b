"""The report's progress moves with the work: tickers while loading, then each stage."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from themelens.config import resolve_settings
from themelens.pipeline.run import run_theme
from themelens.theme import load_theme


def test_progress_counts_tickers_then_every_stage_to_the_end(tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    settings = resolve_settings(demo=True, db=tmp_path / "s.duckdb")
    article = tmp_path / "a.txt"
    article.write_text("date: 2025-09-24\n\nAlibaba shares rose 9% on Wednesday.\n", "utf-8")
    run_theme(
        settings,
        load_theme(),
        asof=date(2025, 9, 26),
        articles=[article],
        on_progress=lambda done, total, what: calls.append((done, total, what)),
    )
    done = [c[0] for c in calls]
    totals = {c[1] for c in calls}
    assert len(totals) == 1
    (total,) = totals
    assert done == sorted(done)  # never goes back
    assert done[-1] == total  # and ends full
    stages = [c[2] for c in calls if c[2] != "prices"]
    for stage in ("rally", "event study", "fundamentals section", "basket backtest", "storing"):
        assert stage in stages
    # the bar is not full before the slow steps start: each later stage moves it on
    first_full = done.index(total)
    assert all(what == "done" for _, _, what in calls[first_full:])
    assert len({d for d, _, what in calls if what != "prices"}) >= 7
