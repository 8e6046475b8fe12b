"""A run asks the fundamentals sources once: verify reuses what the report's section loaded."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from themelens.data.fundamentals import load_capex, load_valuation
from themelens.theme import load_theme
from themelens.verify import fundamentals_loading
from themelens.verify.fundamentals import (
    FundamentalsEvidence,
    Preloaded,
    load_fundamentals_evidence,
)

THEME = load_theme()
RECORDINGS = Path(__file__).resolve().parents[1] / "recordings"
OPTS = {"replay_dir": RECORDINGS / "fundamentals", "akshare_replay_dir": RECORDINGS / "akshare_fundamentals"}  # fmt: skip


def _evidence(tickers: list[str], preloaded: Preloaded | None) -> FundamentalsEvidence:
    return load_fundamentals_evidence(
        tickers, source="auto", theme=THEME, need=frozenset({"statements", "valuation"}),
        preloaded=preloaded, **OPTS,  # type: ignore[arg-type]
    )  # fmt: skip


def test_covered_tickers_are_not_asked_again_and_the_rest_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    capex = load_capex(["0700.HK", "9988.HK"], source="auto", theme=THEME, **OPTS)  # type: ignore[arg-type]
    valuation, reported = load_valuation(["0700.HK", "9988.HK"], source="auto", theme=THEME, **OPTS)  # type: ignore[arg-type]  # fmt: skip
    preloaded = Preloaded("auto", frozenset({"0700.HK", "9988.HK"}), capex,
                          frozenset({"0700.HK", "9988.HK"}), valuation, reported)  # fmt: skip
    without = _evidence(["0700.HK", "9988.HK"], None)

    asked: list[tuple[str, tuple[str, ...]]] = []
    real_capex, real_valuation = (
        fundamentals_loading.load_capex,
        fundamentals_loading.load_valuation,
    )

    def spy_capex(tickers: list[str], **kw: object) -> object:
        asked.append(("capex", tuple(tickers)))
        return real_capex(tickers, **kw)  # type: ignore[arg-type]

    def spy_valuation(tickers: list[str], **kw: object) -> object:
        asked.append(("valuation", tuple(tickers)))
        return real_valuation(tickers, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(fundamentals_loading, "load_capex", spy_capex)
    monkeypatch.setattr(fundamentals_loading, "load_valuation", spy_valuation)
    reused = _evidence(["0700.HK", "9988.HK"], preloaded)
    assert asked == []  # both kinds served from what the run loaded
    for kind in ("statements", "valuation"):  # the same evidence as asking the sources
        a = getattr(reused, kind).sort_values(["ticker", *getattr(reused, kind).columns[:3]])
        b = getattr(without, kind).sort_values(["ticker", *getattr(without, kind).columns[:3]])
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    _evidence(["0700.HK", "0020.HK"], preloaded)
    assert asked == [("capex", ("0020.HK",)), ("valuation", ("0020.HK",))]  # only the new one
