"""Universe stages in this process: a price dataset by ticker, rally metrics and spillovers over
it, and the basket sweep, each equal to the single-process function on the whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scale_corpus import universe_prices

from themelens.analytics.basket import BasketSpec, prepare_panel, sweep_baskets
from themelens.analytics.events import Event, run_spillover
from themelens.analytics.rally import measure_rally
from themelens.errors import CsvFormatError, InputError
from themelens.scale import (
    measure_universe_rally,
    read_price_dataset,
    run_universe_events,
    sweep_distributed,
    write_price_dataset,
)
from themelens.scale.prices import dataset_tickers, ticker_path
from themelens.scale.universe import read_chains

ASOF = date(2021, 11, 30)


@pytest.fixture(scope="module")
def universe(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    prices = universe_prices(12, 500)
    root = tmp_path_factory.mktemp("universe") / "prices"
    write_price_dataset(prices, root)
    return root, prices


def catalogue() -> tuple[list[Event], dict[str, tuple[str, ...]]]:
    chains = {
        "U0000.HK": ("U0001.HK", "U0002.HK", "U0003.HK"),
        "U0004.HK": ("U0005.HK", "U0006.HK", "U0000.HK"),
        "U0007.HK": ("U0008.HK", "U0009.HK", "NOPE.HK"),  # one member has no prices
    }
    days = [date(2020, 9, 1) + pd.Timedelta(days=23 * k) for k in range(9)]
    events = [Event(leader, d, f"news {k}") for k, (leader, d) in enumerate(zip(list(chains) * 3, days, strict=True))]  # fmt: skip
    return [*events, Event("U0011.HK", date(2021, 3, 1), "no chain")], chains


def test_a_price_dataset_reads_back_what_was_written(universe: tuple[Path, pd.DataFrame]) -> None:
    root, prices = universe
    assert dataset_tickers(root) == tuple(sorted(prices["ticker"].unique()))
    frame, failed = read_price_dataset(root, ["U0003.HK", "BENCH.HK", "MISSING.HK"])
    assert [f.item for f in failed] == ["MISSING.HK"]
    want = prices[prices["ticker"].isin(["U0003.HK", "BENCH.HK"])]
    pd.testing.assert_frame_equal(
        frame.sort_values(["ticker", "date"]).reset_index(drop=True),
        want.sort_values(["ticker", "date"]).reset_index(drop=True),
        check_dtype=False,
    )
    assert ticker_path(root, "^HSI").parent.name == "ticker=%5EHSI"


def test_universe_rally_equals_one_measure_rally(universe: tuple[Path, pd.DataFrame]) -> None:
    root, prices = universe
    got = measure_universe_rally(root, asof=ASOF, benchmark="BENCH.HK", partition_size=5)
    assert got.stage.written == 3  # 12 tickers in partitions of 5
    names = sorted(t for t in prices["ticker"].unique() if t != "BENCH.HK")
    want = measure_rally(prices, names, asof=ASOF, benchmark="BENCH.HK").rows
    pd.testing.assert_frame_equal(got.rows, want, check_exact=False, rtol=1e-12, atol=0)
    assert got.rows["excess_1m_pp"].notna().all()  # the benchmark reached every partition


def test_a_corrupt_ticker_shard_is_named_and_the_rest_measured(tmp_path: Path) -> None:
    prices = universe_prices(4, 120)
    root = tmp_path / "prices"
    write_price_dataset(prices, root)
    bad = ticker_path(root, "U0002.HK")
    bad.write_bytes(b"PAR1 this is not parquet")
    got = measure_universe_rally(root, benchmark="BENCH.HK", partition_size=2)
    assert sorted(got.rows["ticker"]) == ["U0000.HK", "U0001.HK", "U0003.HK"]
    [failure] = got.failures
    assert failure.item == "U0002.HK" and "not a readable Parquet file" in failure.reason
    assert failure.where == str(bad)
    with pytest.raises(InputError, match=r"--benchmark NONE\.HK: no shard"):
        measure_universe_rally(root, benchmark="NONE.HK")


def test_universe_events_equal_one_spillover_per_announcement(
    universe: tuple[Path, pd.DataFrame],
) -> None:
    root, prices = universe
    events, chains = catalogue()
    got = run_universe_events(
        root, events, chains=chains, benchmark="BENCH.HK", estimation=60, min_estimation=40,
        partition_size=4,
    )  # fmt: skip
    assert got.stage.written == 3  # three leaders, three announcements each: one per partition
    assert list(got.announcements["announcement"]) == list(range(9))
    assert str(got.failures[0]) == "U0011.HK:2021-03-01: no supply chain listed for U0011.HK"
    assert any("NOPE.HK" in f.reason for f in got.failures)
    for k, ev in enumerate(events[:9]):
        members = [m for m in chains[ev.ticker] if m != ev.ticker]
        want = run_spillover(
            prices, leader=ev.ticker, members=members, event_date=ev.date, label=ev.label,
            benchmark="BENCH.HK", estimation=60, min_estimation=40, group_name="supply-chain",
        )  # fmt: skip
        mine = got.events[got.events["announcement"] == k].drop(columns="announcement")
        assert len(mine) >= 3  # the leader and at least two members computed
        pd.testing.assert_frame_equal(
            mine.reset_index(drop=True), want.to_frame(), check_exact=False, rtol=1e-12, atol=0
        )
        row = got.announcements.iloc[k]
        assert row["group_caar"] == pytest.approx(want.group.path["caar"].iloc[-1], rel=1e-12)
        kp = want.group.test("BMP (Kolari–Pynnönen)")
        assert row["group_bmp_kp"] == pytest.approx(kp.statistic, rel=1e-12)
    assert np.isfinite(got.announcements["leader_car"]).all()


def test_chains_are_read_from_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "chains.csv"
    path.write_text("ticker,member\nA,B\nA,C\n\nD,A\nA,B\n", encoding="utf-8")
    assert read_chains(path) == {"A": ("B", "C"), "D": ("A",)}
    path.write_text("ticker,peer\nA,B\n", encoding="utf-8")
    with pytest.raises(
        CsvFormatError, match=r"chains\.csv: row 1: expected a ticker,member header"
    ):
        read_chains(path)


def test_the_sweep_in_partitions_equals_one_sweep() -> None:
    prices = universe_prices(6, 400)
    members = [f"U{i:04d}.HK" for i in range(6)]
    panel = prepare_panel(prices, members, benchmark="BENCH.HK", warmup=63)
    specs = [
        BasketSpec.build(scheme=s, vol_target=v, cost_bps=c)
        for s in ("equal", "inverse-vol")
        for v in (None, 0.15)
        for c in (0, 25)
    ] + [BasketSpec.build(scheme="equal", rebalance="weekly")]
    got = sweep_distributed(panel, specs, client=None, partitions=2)
    assert got.run.written == 2
    want = sweep_baskets(panel, specs)
    pd.testing.assert_frame_equal(got.table, want, check_exact=False, rtol=1e-12, atol=1e-14)
