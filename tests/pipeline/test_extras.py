"""The step registry's result cache: reused when nothing changed, recomputed when anything did."""

from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd

from themelens.config import resolve_settings
from themelens.pipeline import extras
from themelens.pipeline.extras import RunInputs, run_steps
from themelens.theme import load_theme


def _isolate() -> dict[str, extras.Step]:
    """Import the real step modules first (so they cannot register mid-test), then clear."""
    for module in extras._STEP_MODULES:
        importlib.import_module(module)
    saved = dict(extras.STEPS)
    extras.STEPS.clear()
    return saved


def _inputs(tmp_path: Path, close: float = 10.0) -> RunInputs:
    prices = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-09-17", "2025-09-18"]),
            "ticker": "9888.HK",
            "open": 1.0,
            "high": 1.0,
            "low": 1.0,
            "close": [close, close + 1],
            "volume": 1.0,
        }
    )
    return RunInputs(
        resolve_settings(db=tmp_path / "s.duckdb"), load_theme(), prices, None, None, {}
    )


def test_cached_step_runs_once_until_prices_change(tmp_path: Path) -> None:
    calls: list[float] = []

    def probe(inputs: RunInputs) -> float:
        calls.append(float(inputs.prices["close"].iloc[0]))
        return float(inputs.prices["close"].sum())

    saved = _isolate()
    extras.register_step("probe")(probe)
    try:
        cache = tmp_path / "cache"
        first, _ = run_steps(_inputs(tmp_path), cache=cache)
        again, _ = run_steps(_inputs(tmp_path), cache=cache)
        changed, _ = run_steps(_inputs(tmp_path, close=20.0), cache=cache)
        assert first == again == {"probe": 21.0}
        assert changed == {"probe": 41.0}
        assert calls == [10.0, 20.0]  # the second run came from the cache
        run_steps(_inputs(tmp_path), cache=None)
        assert calls == [10.0, 20.0, 10.0]  # no cache folder: always computed
    finally:
        extras.STEPS.clear()
        extras.STEPS.update(saved)


def test_uncacheable_step_always_runs(tmp_path: Path) -> None:
    calls: list[int] = []
    saved = _isolate()
    extras.register_step("live", cacheable=False)(lambda inputs: calls.append(1) or len(calls))
    try:
        run_steps(_inputs(tmp_path), cache=tmp_path / "c")
        run_steps(_inputs(tmp_path), cache=tmp_path / "c")
        assert calls == [1, 1]
    finally:
        extras.STEPS.clear()
        extras.STEPS.update(saved)
