"""The run's steps and the basket's result cache: reused only while code, prices and options
are unchanged; a corrupt entry is recomputed and reported; network and store readers never cached."""

from __future__ import annotations

import pickle
import zlib
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from themelens.config import resolve_settings
from themelens.data.providers import fetch_prices
from themelens.data.providers.demo import DemoProvider
from themelens.pipeline import steps
from themelens.pipeline.model import RunInputs
from themelens.pipeline.steps import cache_key, package_digest, run_steps
from themelens.theme import load_theme

THEME = load_theme()


@pytest.fixture(scope="module")
def demo_prices() -> pd.DataFrame:
    return fetch_prices(DemoProvider(), list(THEME.member_tickers())).frame


def _inputs(tmp_path: Path, prices: pd.DataFrame) -> RunInputs:
    settings = resolve_settings(db=tmp_path / "s.duckdb", demo=True)
    roles = {t: v for t, v in THEME.roles_by_ticker().items() if t in set(prices["ticker"])}
    return RunInputs(settings, THEME, prices, date(2025, 10, 31), None, roles)


def test_the_basket_comes_from_the_cache_until_prices_or_code_change(
    tmp_path: Path, demo_prices: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = steps.basket_step

    def counted(inputs: RunInputs) -> object:
        calls.append(len(inputs.prices))
        return real(inputs)

    monkeypatch.setattr(steps, "basket_step", counted)
    cache = tmp_path / "cache"
    inputs = _inputs(tmp_path, demo_prices)
    first = run_steps(inputs, cache_dir=cache)
    again = run_steps(inputs, cache_dir=cache)
    assert first.basket is not None and again.basket is not None
    assert again.basket.metrics == first.basket.metrics
    assert len(calls) == 1  # the second run read the cache
    moved = demo_prices.assign(close=demo_prices["close"] * 1.01)
    run_steps(_inputs(tmp_path, moved), cache_dir=cache)
    assert len(calls) == 2  # other prices: another key
    # an edit anywhere in the package (say, the Sharpe ratio's formula) is another key
    before = cache_key("basket", inputs)
    monkeypatch.setattr(steps, "package_digest", lambda: "edited-source")
    assert cache_key("basket", inputs) != before
    run_steps(inputs, cache_dir=cache)
    assert len(calls) == 3


def test_the_event_study_is_cached_on_its_events_too(
    tmp_path: Path, demo_prices: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The events include claims the news store supported, which the inputs do not hold: the
    same inputs with another event list compute again, the same list reads the cache."""
    from themelens.analytics.events import Event

    calls: list[int] = []
    real = steps.event_study_step

    def counted(inputs: RunInputs, events: tuple[Event, ...] | None = None) -> object:
        calls.append(len(events or ()))
        return real(inputs, events)

    monkeypatch.setattr(steps, "event_study_step", counted)
    cache = tmp_path / "cache"
    inputs = _inputs(tmp_path, demo_prices)
    first = run_steps(inputs, cache_dir=cache)
    again = run_steps(inputs, cache_dir=cache)
    assert first.events is not None and again.events is not None and len(calls) == 1
    pd.testing.assert_frame_equal(again.events.to_frame(), first.events.to_frame())
    found = steps.report_events(inputs)
    extra = Event(found[0].ticker, found[0].date - timedelta(days=60), "a supported claim")
    monkeypatch.setattr(steps, "report_events", lambda _: (*found, extra))
    run_steps(inputs, cache_dir=cache)
    assert calls == [len(found), len(found) + 1]


def test_a_corrupt_entry_is_recomputed_and_reported(
    tmp_path: Path, demo_prices: pd.DataFrame
) -> None:
    cache = tmp_path / "cache"
    inputs = _inputs(tmp_path, demo_prices)
    run_steps(inputs, cache_dir=cache)
    (entry,) = cache.glob("basket-*.sealed")
    entry.write_bytes(b"not a pickle")
    result = run_steps(inputs, cache_dir=cache)
    assert result.basket is not None
    assert any("basket: cached entry discarded" in m for m in result.missing)
    assert entry.read_bytes() != b"not a pickle"  # replaced by the recomputed result
    assert not run_steps(inputs, cache_dir=cache).missing


def test_a_planted_entry_is_never_unpickled(tmp_path: Path, demo_prices: pd.DataFrame) -> None:
    """A pickle someone else wrote under the entry's exact name (the key is predictable)
    runs no code: it is not sealed by this user's key, so it is discarded unread."""
    cache = tmp_path / "cache"
    inputs = _inputs(tmp_path, demo_prices)
    run_steps(inputs, cache_dir=cache)
    (entry,) = cache.glob("basket-*.sealed")
    proof = tmp_path / "payload-ran"
    payload = pickle.dumps(_Payload(str(proof)))
    for planted in (payload, entry.read_bytes()[:4] + bytes(32) + zlib.compress(payload)):
        entry.write_bytes(planted)
        result = run_steps(inputs, cache_dir=cache)
        assert not proof.exists()
        assert result.basket is not None
        assert any("basket: cached entry discarded" in m for m in result.missing)


def test_a_cache_folder_others_can_write_is_not_used(
    tmp_path: Path, demo_prices: pd.DataFrame
) -> None:
    cache = tmp_path / "shared-cache"
    cache.mkdir(mode=0o777)
    cache.chmod(0o777)
    result = run_steps(_inputs(tmp_path, demo_prices), cache_dir=cache)
    assert result.basket is not None
    assert any("not cached" in m and "open to other users" in m for m in result.missing)
    assert list(cache.iterdir()) == []


class _Payload:
    """Unpickling this creates ``path``: proof that a planted pickle ran."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (self.path, "w"))


def test_the_sources_are_asked_every_run_and_only_computed_figures_are_cached(
    tmp_path: Path, demo_prices: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[int] = []
    computes: list[int] = []
    real_load, real_compute = steps.load_fundamentals, steps.fundamentals_from

    def load(inputs: RunInputs) -> object:
        loads.append(1)
        return real_load(inputs)

    def compute(inputs: RunInputs, loaded: object) -> object:
        computes.append(1)
        return real_compute(inputs, loaded)  # type: ignore[arg-type]

    monkeypatch.setattr(steps, "load_fundamentals", load)
    monkeypatch.setattr(steps, "fundamentals_from", compute)
    cache = tmp_path / "cache"
    inputs = _inputs(tmp_path, demo_prices)
    first = run_steps(inputs, cache_dir=cache)
    again = run_steps(inputs, cache_dir=cache)
    assert first.fundamentals is not None and again.fundamentals is not None
    assert len(loads) == 2 and len(computes) == 1  # asked twice, computed once
    # the event study reads the claims store every run; only its computation is cached, keyed
    # on the events read (test_the_event_study_is_cached_on_its_events_too)
    names = sorted({p.name.split("-")[0] for p in cache.iterdir()})
    assert names == ["basket", "events", "fundamentals"]


def test_the_package_digest_names_the_version_and_covers_the_source() -> None:
    digest = package_digest()
    assert digest == package_digest() and len(digest.split("-")[-1]) == 16
