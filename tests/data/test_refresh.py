"""Incremental, idempotent, per-ticker-atomic cache refresh, and loading through the cache."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from themelens.data.contracts import Failure, empty_prices
from themelens.data.providers.base import PriceQuery, Provider, RawPrices
from themelens.data.refresh import load_prices, refresh_prices
from themelens.data.store import PriceStore
from themelens.errors import OfflineError

FETCHED = datetime(2025, 9, 30, 12, 0)
ProgressCallback = Callable[[int, int], None]


def market(tickers: Sequence[str], *, start: str = "2025-09-01", days: int = 20) -> dict:
    """Per-ticker daily bars on business days, closes rising by 1 from a per-ticker base."""
    dates = pd.bdate_range(start, periods=days)
    out = {}
    for k, t in enumerate(tickers):
        close = 100.0 + 50 * k + np.arange(days, dtype=float)
        out[t] = pd.DataFrame(
            {
                "date": dates,
                "open": close,
                "high": close + 1,
                "low": close - 1,
                "close": close,
                "volume": 1000.0,
            }
        )
    return out


class ScriptedProvider:
    """A real provider over an in-memory market that records every query it gets.

    ``fail`` maps ticker -> reason reported as a per-ticker failure; ``raise_for``
    maps ticker -> exception raised from the I/O stage, as a crashing or
    offline source would.
    """

    name: ClassVar[str] = "scripted"
    synthetic: ClassVar[bool] = False
    remote: ClassVar[bool] = True

    def __init__(self, bars: dict[str, pd.DataFrame]) -> None:
        self.bars = bars
        self.fail: dict[str, str] = {}
        self.raise_for: dict[str, BaseException] = {}
        self.duplicate: set[str] = set()
        self.queries: list[PriceQuery] = []

    def build_query(
        self, tickers: Sequence[str], *, start: date | None = None, end: date | None = None
    ) -> PriceQuery:
        return PriceQuery(tuple(t.upper() for t in tickers), start, end)

    def fetch_raw(
        self, query: PriceQuery, *, on_progress: ProgressCallback | None = None
    ) -> RawPrices:
        self.queries.append(query)
        frames, failures = {}, []
        for t in query.tickers:
            if t in self.raise_for:
                raise self.raise_for[t]
            if t in self.fail or t not in self.bars:
                failures.append(Failure(t, self.fail.get(t, "unknown ticker")))
                continue
            f = self.bars[t]
            keep = pd.Series(True, index=f.index)
            if query.start is not None:
                keep &= f["date"] >= pd.Timestamp(query.start)
            if query.end is not None:
                keep &= f["date"] <= pd.Timestamp(query.end)
            frames[t] = f[keep]
        return RawPrices(frames, {t: f"mem:{t}" for t in frames}, FETCHED, tuple(failures))

    def to_frame(self, query: PriceQuery, raw: RawPrices) -> pd.DataFrame:
        parts = [
            f.assign(ticker=t, provider=self.name, source=raw.sources[t], fetched_at=raw.fetched_at)
            for t, f in raw.frames.items()
            if len(f)
        ]
        parts += [p.iloc[:1] for p in parts if p["ticker"].iloc[0] in self.duplicate]
        return pd.concat(parts, ignore_index=True) if parts else empty_prices()


@pytest.fixture()
def store(db_path: Path) -> PriceStore:
    return PriceStore(db_path)


def asked(provider: ScriptedProvider) -> list[tuple[tuple[str, ...], date | None, date | None]]:
    return [(q.tickers, q.start, q.end) for q in provider.queries]


def test_the_in_test_provider_satisfies_the_protocol() -> None:
    assert isinstance(ScriptedProvider({}), Provider)


# --- refresh_prices -----------------------------------------------------------------


def test_first_refresh_fetches_the_range_and_stores_every_row(store: PriceStore) -> None:
    prov = ScriptedProvider(market(["A", "B"]))
    progress: list[tuple[int, int]] = []

    result = refresh_prices(
        store,
        prov,
        ["A", "B"],
        start=date(2025, 9, 1),
        on_progress=lambda d, n: progress.append((d, n)),
    )

    assert (result.rows_inserted, result.rows_updated, result.failures) == (40, 0, ())
    assert result.ranges == {"A": (date(2025, 9, 1), None), "B": (date(2025, 9, 1), None)}
    assert asked(prov) == [(("A",), date(2025, 9, 1), None), (("B",), date(2025, 9, 1), None)]
    assert progress == [(1, 2), (2, 2)]
    got = store.read_prices(provider="scripted")
    assert len(got) == 40
    assert set(got["source"]) == {"mem:A", "mem:B"}


def test_second_refresh_asks_only_for_the_overlap_and_changes_nothing(store: PriceStore) -> None:
    prov = ScriptedProvider(market(["A"]))
    refresh_prices(store, prov, ["A"])
    before = store.read_prices()
    prov.queries.clear()

    again = refresh_prices(store, prov, ["A"], overlap_sessions=5)

    # the 5th-latest stored session of 20 business days from 2025-09-01
    assert asked(prov) == [(("A",), date(2025, 9, 22), None)]
    assert (again.rows_inserted, again.rows_updated) == (0, 0)
    pd.testing.assert_frame_equal(store.read_prices(), before)


def test_new_sessions_and_revisions_are_picked_up_incrementally(store: PriceStore) -> None:
    bars = market(["A"])
    prov = ScriptedProvider({"A": bars["A"].iloc[:15]})
    refresh_prices(store, prov, ["A"])
    assert store.last_date("scripted", "A") == date(2025, 9, 19)
    revised = bars["A"].copy()
    revised.loc[13, "close"] = 999.0  # a revision inside the overlap window
    prov.bars = {"A": revised}
    prov.queries.clear()

    result = refresh_prices(store, prov, ["A"], overlap_sessions=3)

    # the overlap came back re-priced, so the whole cached span is asked for again
    assert asked(prov) == [(("A",), date(2025, 9, 17), None), (("A",), date(2025, 9, 1), None)]
    assert (result.rows_inserted, result.rows_updated, result.rebased) == (5, 1, ("A",))
    assert result.ranges == {"A": (date(2025, 9, 1), None)}
    got = store.read_prices()
    assert len(got) == 20
    assert got.loc[got["date"] == "2025-09-18", "close"].item() == 999.0


def test_new_sessions_alone_are_fetched_once(store: PriceStore) -> None:
    bars = market(["A"])
    prov = ScriptedProvider({"A": bars["A"].iloc[:15]})
    refresh_prices(store, prov, ["A"])
    prov.bars, prov.queries = bars, []
    result = refresh_prices(store, prov, ["A"], overlap_sessions=3)
    assert asked(prov) == [(("A",), date(2025, 9, 17), None)]
    assert (result.rows_inserted, result.rows_updated, result.rebased) == (5, 0, ())


def test_a_dividend_adjustment_re_prices_the_whole_cached_history(store: PriceStore) -> None:
    """Adjusted histories scale every close before an ex-date; the cache must not mix bases.

    The source first has 15 sessions; a 2% dividend goes ex on the 18th session, so the
    source's adjusted history now shows every earlier close times 0.98. Fetching only
    the overlap would leave sessions 1-12 on the old basis and put a false -2% move
    between sessions 12 and 13.
    """
    raw = market(["A"])["A"]
    prov = ScriptedProvider({"A": raw.iloc[:15]})
    refresh_prices(store, prov, ["A"])
    adjusted = raw.copy()
    cols = ["open", "high", "low", "close"]
    adjusted.loc[:16, cols] = adjusted.loc[:16, cols] * 0.98
    prov.bars, prov.queries = {"A": adjusted}, []

    result = refresh_prices(store, prov, ["A"], overlap_sessions=3)

    assert result.rebased == ("A",)
    assert (result.rows_inserted, result.rows_updated) == (5, 15)
    got = store.read_prices(["A"]).set_index("date")["close"]
    np.testing.assert_allclose(got.to_numpy(), adjusted["close"].to_numpy(), rtol=1e-12)
    returns = got.pct_change().dropna()
    expected = adjusted.set_index("date")["close"].pct_change().dropna()
    np.testing.assert_allclose(returns.to_numpy(), expected.to_numpy(), rtol=1e-12)
    log = store.read_fetch_log(ticker="A")
    assert log["requested_start"].iloc[-1] == pd.Timestamp("2025-09-01")


def test_float_noise_in_the_overlap_is_not_a_re_pricing(store: PriceStore) -> None:
    bars = market(["A"])
    prov = ScriptedProvider({"A": bars["A"].iloc[:15]})
    refresh_prices(store, prov, ["A"])
    noisy = bars["A"].copy()
    noisy["close"] = noisy["close"] * (1 + 1e-9)
    prov.bars, prov.queries = {"A": noisy}, []
    result = refresh_prices(store, prov, ["A"], overlap_sessions=3)
    assert result.rebased == () and len(prov.queries) == 1


def test_a_failing_full_re_fetch_writes_nothing_of_the_ticker(store: PriceStore) -> None:
    raw = market(["A"])["A"]
    prov = ScriptedProvider({"A": raw.iloc[:15]})
    refresh_prices(store, prov, ["A"])
    before = store.read_prices()
    adjusted = raw.copy()
    adjusted["close"] = adjusted["close"] * 0.98
    calls = {"n": 0}
    inner = prov.fetch_raw

    def second_call_fails(query: PriceQuery, *, on_progress: ProgressCallback | None = None) -> RawPrices:  # fmt: skip
        calls["n"] += 1
        if calls["n"] == 2:
            return RawPrices({}, {}, FETCHED, (Failure("A", "throttled"),))
        return inner(query, on_progress=on_progress)

    prov.bars = {"A": adjusted}
    prov.fetch_raw = second_call_fails  # type: ignore[method-assign]
    result = refresh_prices(store, prov, ["A"], overlap_sessions=3)
    assert [f.item for f in result.failures] == ["A"]
    pd.testing.assert_frame_equal(store.read_prices(), before)


def test_a_start_before_the_cache_backfills_from_start(store: PriceStore) -> None:
    bars = market(["A"])
    prov = ScriptedProvider(bars)
    refresh_prices(store, prov, ["A"], start=date(2025, 9, 15))
    prov.queries.clear()

    result = refresh_prices(store, prov, ["A"], start=date(2025, 9, 1))

    assert asked(prov) == [(("A",), date(2025, 9, 1), None)]
    assert result.rows_inserted == 10
    assert len(store.read_prices()) == 20


def test_zero_overlap_starts_after_the_last_session_and_skips_a_covered_range(
    store: PriceStore,
) -> None:
    prov = ScriptedProvider(market(["A"]))
    refresh_prices(store, prov, ["A"], end=date(2025, 9, 10))
    prov.queries.clear()

    covered = refresh_prices(store, prov, ["A"], end=date(2025, 9, 5), overlap_sessions=0)
    later = refresh_prices(store, prov, ["A"], overlap_sessions=0)

    assert covered.skipped == ("A",)
    assert covered.ranges == {}
    assert asked(prov) == [(("A",), date(2025, 9, 11), None)]
    assert later.rows_inserted == 12


def test_a_failing_ticker_is_a_failure_logged_and_the_batch_goes_on(store: PriceStore) -> None:
    prov = ScriptedProvider(market(["A", "B", "C"]))
    prov.fail["B"] = "HTTP 404 not found"

    result = refresh_prices(store, prov, ["A", "B", "C"])

    assert result.failures == (Failure("B", "HTTP 404 not found"),)
    assert result.rows_inserted == 40
    assert sorted(store.read_prices()["ticker"].unique()) == ["A", "C"]
    log = store.read_fetch_log(provider="scripted")
    assert sorted(log[["ticker", "status", "rows"]].values.tolist()) == [
        ["A", "ok", 20],
        ["B", "failed", 0],
        ["C", "ok", 20],
    ]
    assert log.loc[log["ticker"] == "B", "message"].item() == "HTTP 404 not found"


def test_invalid_provider_data_is_a_failure_and_stores_nothing_for_it(store: PriceStore) -> None:
    prov = ScriptedProvider(market(["A", "B"]))
    prov.duplicate.add("B")

    result = refresh_prices(store, prov, ["A", "B"])

    assert [f.item for f in result.failures] == ["B"]
    assert result.failures[0].reason.startswith("invalid data from scripted: duplicate row")
    assert store.read_prices()["ticker"].unique().tolist() == ["A"]


def test_a_provider_raising_mid_batch_keeps_the_tickers_already_written(
    store: PriceStore,
) -> None:
    prov = ScriptedProvider(market(["A", "B", "C", "D"]))
    refresh_prices(store, prov, ["C"], end=date(2025, 9, 5))
    before_c = store.read_prices(["C"])
    prov.raise_for["C"] = RuntimeError("source crashed")

    with pytest.raises(RuntimeError, match="source crashed"):
        refresh_prices(store, prov, ["A", "B", "C", "D"])

    got = store.read_prices()
    assert got.groupby("ticker").size().to_dict() == {"A": 20, "B": 20, "C": 5}
    pd.testing.assert_frame_equal(store.read_prices(["C"]), before_c)
    assert "D" not in set(store.read_fetch_log()["ticker"])


def test_offline_stops_the_batch_after_logging_it(store: PriceStore) -> None:
    prov = ScriptedProvider(market(["A", "B", "C"]))
    prov.raise_for["B"] = OfflineError("no network", provider="scripted", ticker="B")

    with pytest.raises(OfflineError):
        refresh_prices(store, prov, ["A", "B", "C"])

    assert store.read_prices()["ticker"].unique().tolist() == ["A"]
    log = store.read_fetch_log()
    assert log.loc[log["ticker"] == "B", ["status", "message"]].values.tolist() == [
        ["failed", "no network"]
    ]
    assert asked(prov) == [(("A",), None, None), (("B",), None, None)]


def test_negative_overlap_is_refused(store: PriceStore) -> None:
    with pytest.raises(ValueError, match="overlap_sessions"):
        refresh_prices(store, ScriptedProvider({}), ["A"], overlap_sessions=-1)


# --- load_prices -------------------------------------------------------------------


def test_load_if_missing_fetches_only_what_the_cache_lacks(store: PriceStore) -> None:
    prov = ScriptedProvider(market(["A", "B"]))
    refresh_prices(store, prov, ["A"])
    prov.queries.clear()

    loaded = load_prices(store, prov, ["A", "B"], start=date(2025, 9, 8))
    again = load_prices(store, prov, ["A", "B"], start=date(2025, 9, 8))

    assert asked(prov) == [(("B",), date(2025, 9, 8), None)]
    assert loaded.tickers == ("A", "B")
    assert loaded.frame["date"].min() == pd.Timestamp("2025-09-08")
    assert len(loaded.frame) == 30
    assert (loaded.failures, loaded.warnings) == ((), ())
    assert again.refresh is None
    pd.testing.assert_frame_equal(again.frame, loaded.frame)


def test_load_if_missing_trusts_an_earlier_fetch_that_found_nothing_newer(
    store: PriceStore,
) -> None:
    prov = ScriptedProvider(market(["A"]))
    wanted_end = date(2025, 10, 31)  # beyond the data, but already asked for
    load_prices(store, prov, ["A"], end=wanted_end)
    prov.queries.clear()

    load_prices(store, prov, ["A"], end=wanted_end)
    beyond = load_prices(store, prov, ["A"], end=date(2025, 11, 30))

    assert asked(prov) == [(("A",), date(2025, 9, 22), date(2025, 11, 30))]
    assert len(beyond.frame) == 20


def test_load_modes_never_and_always(store: PriceStore) -> None:
    prov = ScriptedProvider(market(["A", "B"]))
    refresh_prices(store, prov, ["A"])
    prov.queries.clear()

    never = load_prices(store, prov, ["A", "B"], refresh="never")
    assert prov.queries == []
    assert never.tickers == ("A",)
    assert never.failures == (Failure("B", "no cached rows in range"),)

    always = load_prices(store, prov, ["A", "B"], refresh="always")
    assert [q.tickers for q in prov.queries] == [("A",), ("B",)]
    assert always.tickers == ("A", "B")
    assert always.refresh is not None and always.refresh.rows_inserted == 20


def test_load_offline_with_a_cache_returns_it_with_a_warning(store: PriceStore) -> None:
    prov = ScriptedProvider(market(["A", "B"]))
    refresh_prices(store, prov, ["A"], end=date(2025, 9, 12))
    prov.raise_for = {t: OfflineError("no network", provider="scripted") for t in "AB"}

    loaded = load_prices(store, prov, ["A", "B"], refresh="always")

    assert loaded.warnings == ("offline; using cached data through 2025-09-12",)
    assert loaded.tickers == ("A",)
    assert len(loaded.frame) == 10
    assert loaded.failures == (Failure("B", "offline and not cached"),)


def test_load_offline_with_nothing_cached_raises(store: PriceStore) -> None:
    prov = ScriptedProvider(market(["A"]))
    prov.raise_for["A"] = OfflineError("no network", provider="scripted", ticker="A")

    with pytest.raises(OfflineError, match="no network"):
        load_prices(store, prov, ["A"])


def test_load_keeps_cached_rows_when_their_refresh_fails(store: PriceStore) -> None:
    prov = ScriptedProvider(market(["A", "B"]))
    refresh_prices(store, prov, ["A"], end=date(2025, 9, 5))
    prov.fail = {"A": "HTTP 500", "B": "HTTP 404"}

    loaded = load_prices(store, prov, ["A", "B"], refresh="always")

    assert loaded.tickers == ("A",)
    assert loaded.warnings == (
        "A: refresh failed (HTTP 500); using cached data through 2025-09-05",
    )
    assert loaded.failures == (Failure("B", "HTTP 404"),)
