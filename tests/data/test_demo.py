"""The synthetic demo market and the demo provider."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from themelens.data.calendar import exchange_for_ticker, sessions
from themelens.data.contracts import PRICE_COLUMNS, SYNTHETIC_LABEL, validate_prices
from themelens.data.demo import generate_demo_market
from themelens.data.providers import DemoProvider, fetch_prices
from themelens.data.providers.demo import FALLBACK_UNIVERSE
from themelens.errors import EmptyDataError

HK_TECH = ("9988.HK", "0700.HK", "9888.HK", "9618.HK", "3690.HK", "1810.HK")
US_NAMES = ("AAPL", "MSFT", "GOOGL")
INDEXES = ("HSTECH.HK", "^NDX", "^IXIC")


@pytest.fixture(scope="module")
def market() -> pd.DataFrame:
    return generate_demo_market([*FALLBACK_UNIVERSE, *US_NAMES])


def log_returns(frame: pd.DataFrame) -> pd.DataFrame:
    wide = frame.pivot(index="date", columns="ticker", values="close")
    return np.log(wide).diff()


def annual_vol(frame: pd.DataFrame) -> pd.Series:
    return log_returns(frame).std() * np.sqrt(252)


def test_same_inputs_same_market(market: pd.DataFrame) -> None:
    again = generate_demo_market([*FALLBACK_UNIVERSE, *US_NAMES])
    pd.testing.assert_frame_equal(market, again)


def test_seed_changes_the_market() -> None:
    a = generate_demo_market(["0700.HK"], end=date(2019, 6, 28))
    b = generate_demo_market(["0700.HK"], end=date(2019, 6, 28), seed=1)
    assert not np.allclose(a["close"], b["close"])


def test_a_ticker_does_not_depend_on_the_others_requested(market: pd.DataFrame) -> None:
    alone = generate_demo_market(["BABA"])
    # validate_prices drops the other tickers' categories, as a frame of BABA alone has none
    with_others = validate_prices(market[market["ticker"] == "BABA"])
    pd.testing.assert_frame_equal(alone, with_others)
    reordered = generate_demo_market(["^NDX", "baba"])
    pd.testing.assert_frame_equal(alone, validate_prices(reordered[reordered["ticker"] == "BABA"]))


def test_contract_shape(market: pd.DataFrame) -> None:
    assert list(market.columns) == list(PRICE_COLUMNS)
    assert market["date"].dtype == "datetime64[ns]"
    assert not market.duplicated(["ticker", "date"]).any()
    assert market.equals(market.sort_values(["ticker", "date"]).reset_index(drop=True))
    assert market["close"].notna().all()


def test_ohlc_is_consistent_and_volume_positive(market: pd.DataFrame) -> None:
    assert (market["low"] <= market[["open", "close"]].min(axis=1)).all()
    assert (market["high"] >= market[["open", "close"]].max(axis=1)).all()
    assert (market["low"] > 0).all()
    assert (market["volume"] > 0).all()


def test_sessions_match_each_exchange_calendar(market: pd.DataFrame) -> None:
    for ticker, part in market.groupby("ticker"):
        expected = sessions(exchange_for_ticker(str(ticker)), date(2019, 1, 2), date(2026, 10, 30))
        assert pd.DatetimeIndex(part["date"]).equals(expected), ticker


@pytest.mark.parametrize(
    ("tickers", "low", "high"),
    [
        ((*HK_TECH, "688981.SS", "002371.SZ", "0981.HK", "BABA"), 0.25, 0.50),
        (US_NAMES, 0.18, 0.30),
        (INDEXES, 0.15, 0.25),
    ],
    ids=["hk-china", "us", "indexes"],
)
def test_annualised_vol_is_plausible(
    market: pd.DataFrame, tickers: tuple[str, ...], low: float, high: float
) -> None:
    vols = annual_vol(market)[list(tickers)]
    assert vols.between(low, high).all(), vols.round(3).to_dict()


def test_hk_tech_names_move_together(market: pd.DataFrame) -> None:
    corr = log_returns(market)[list(HK_TECH)].corr().to_numpy()
    off_diagonal = corr[~np.eye(len(HK_TECH), dtype=bool)]
    assert (off_diagonal > 0.2).all()
    assert (off_diagonal < 0.95).all()  # related, not copies


def test_dual_listings_share_their_issuer_moves(market: pd.DataFrame) -> None:
    wide = market.pivot(index="date", columns="ticker", values="close")[
        ["9988.HK", "BABA", "0700.HK"]
    ]
    both = np.log(wide.dropna()).diff()
    assert both["9988.HK"].corr(both["BABA"]) > 0.9
    assert both["9988.HK"].corr(both["0700.HK"]) < 0.8


@pytest.mark.parametrize(
    ("ticker", "limit"), [("002371.SZ", 0.10), ("002230.SZ", 0.10), ("688981.SS", 0.20)]
)
def test_mainland_shares_respect_their_daily_price_limit(
    market: pd.DataFrame, ticker: str, limit: float
) -> None:
    part = market[market["ticker"] == ticker].set_index("date")
    prev = part["close"].shift()
    for column in ("open", "high", "low", "close"):
        assert ((part[column] / prev - 1).abs().dropna() <= limit + 1e-9).all(), column
    if limit == 0.10:  # the limit binds on some days, so the clip is really exercised
        assert (part["close"] / prev - 1).abs().max() > 0.099


def test_the_synthetic_rally_is_there(market: pd.DataFrame) -> None:
    hstech = market[market["ticker"] == "HSTECH.HK"].set_index("date")["close"]
    assert hstech.loc["2025-09-30"] / hstech.loc["2025-01-10"] > 1.3


def test_unknown_group_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown demo group 'crypto'"):
        generate_demo_market(["X"], groups={"X": "crypto"})


# --- the provider -----------------------------------------------------------------


def test_provider_labels_every_row_synthetic() -> None:
    frame = fetch_prices(DemoProvider(), ["0700.HK"]).frame
    assert DemoProvider.synthetic is True
    assert set(frame["source"]) == {f"demo:seed=20250917 ({SYNTHETIC_LABEL})"}
    assert set(frame["provider"]) == {"demo"}


def test_default_universe_is_the_theme() -> None:
    universe = DemoProvider().available_tickers()
    assert set(FALLBACK_UNIVERSE) <= set(universe)
    assert universe == sorted(universe)


def test_outside_the_universe_fails() -> None:
    demo = DemoProvider(universe=["0700.HK"])
    batch = fetch_prices(demo, ["0700.HK", "AAPL"])
    assert [(f.item, "not in the demo universe" in f.reason) for f in batch.failures] == [
        ("AAPL", True)
    ]
    with pytest.raises(EmptyDataError, match="not in the demo universe"):
        fetch_prices(demo, ["AAPL"])


def test_query_range_cuts_without_changing_prices() -> None:
    demo = DemoProvider()
    full = fetch_prices(demo, ["9888.HK"]).frame.set_index("date")["close"]
    week = fetch_prices(demo, ["9888.HK"], start=date(2025, 9, 15), end=date(2025, 9, 19)).frame
    assert len(week) == 5
    assert week.set_index("date")["close"].equals(full.loc["2025-09-15":"2025-09-19"])
