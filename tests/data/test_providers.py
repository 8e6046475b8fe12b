"""One contract, every registered provider (STYLE.md, "Providers").

Each provider in ``PROVIDERS`` is built here against offline material: the
csv provider reads the synthetic yahoo recording (it is history() CSV), the
yahoo provider replays it through its fetch seam, the akshare provider replays
its own synthetic recording (a Hong Kong share, an A-share, an index), the
demo provider generates. A provider registered without a builder below fails
the suite, so a new one cannot skip the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from themelens.data.akshare_client import replay_fetch as akshare_replay
from themelens.data.calendar import exchange_for_ticker, sessions
from themelens.data.contracts import STORED_COLUMNS, TEXT_COLUMNS, empty_prices, is_synthetic
from themelens.data.providers import PROVIDERS, Provider, fetch_prices
from themelens.data.providers.yahoo import replay_fetch
from themelens.errors import EmptyDataError

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings" / "yahoo"
AKSHARE_RECORDINGS = RECORDINGS.parent / "akshare"
YAHOO_TICKERS = ("SYNTH.HK", "^SYNTH")  # the synthetic recording's made-up tickers
AKSHARE_TICKERS = ("0000.HK", "000000.SZ", "SYNTHIDX.HK")  # made up as well
BAD = "NOSUCH.HK"


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"the contract run should not back off ({seconds}s)")


BUILDERS: dict[str, tuple[Callable[[], Provider], tuple[str, ...]]] = {
    "akshare": (
        lambda: PROVIDERS["akshare"](
            fetch=akshare_replay(AKSHARE_RECORDINGS),
            index_symbols={"SYNTHIDX.HK": "SYNTHIDX"},
            synthetic_recording=True,
            min_interval_s=0,
            sleep=_no_sleep,
        ),
        AKSHARE_TICKERS,
    ),
    "csv": (lambda: PROVIDERS["csv"](RECORDINGS), YAHOO_TICKERS),
    "demo": (lambda: PROVIDERS["demo"](universe=YAHOO_TICKERS), YAHOO_TICKERS),
    "yahoo": (
        lambda: PROVIDERS["yahoo"](fetch=replay_fetch(RECORDINGS), sleep=_no_sleep),
        YAHOO_TICKERS,
    ),
}


@pytest.fixture(params=sorted(PROVIDERS))
def built(request: pytest.FixtureRequest) -> tuple[Provider, tuple[str, ...]]:
    name: str = request.param
    if name not in BUILDERS:
        pytest.fail(f"provider {name!r} is registered but has no contract-test builder")
    build, tickers = BUILDERS[name]
    made = build()
    assert isinstance(made, Provider)
    assert made.name == name
    return made, tickers


@pytest.fixture()
def provider(built: tuple[Provider, tuple[str, ...]]) -> Provider:
    return built[0]


@pytest.fixture()
def tickers(built: tuple[Provider, tuple[str, ...]]) -> tuple[str, ...]:
    return built[1]


@pytest.fixture()
def frame(provider: Provider, tickers: tuple[str, ...]) -> pd.DataFrame:
    return fetch_prices(provider, tickers, start=date(2025, 10, 13), end=date(2025, 11, 21)).frame


def test_every_builtin_is_registered() -> None:
    assert {"akshare", "csv", "demo", "yahoo"} <= set(PROVIDERS)


def test_columns_and_dtypes(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == list(STORED_COLUMNS)
    want = empty_prices().dtypes.to_dict()
    for column in TEXT_COLUMNS:  # categories: the sorted values present (none when empty)
        dtype = frame[column].dtype
        assert isinstance(dtype, pd.CategoricalDtype), column
        assert list(dtype.categories) == sorted(frame[column].dropna().unique()), column
        assert dtype.categories.dtype == want[column].categories.dtype, column
    assert frame.dtypes.drop(list(TEXT_COLUMNS)).to_dict() == {
        c: d for c, d in want.items() if c not in TEXT_COLUMNS
    }
    assert frame["ticker"].map(type).eq(str).all()


def test_key_is_unique_and_sorted(frame: pd.DataFrame, tickers: tuple[str, ...]) -> None:
    assert set(frame["ticker"]) == set(tickers)
    assert not frame.duplicated(["ticker", "date"]).any()
    assert frame[["ticker", "date"]].equals(
        frame[["ticker", "date"]].sort_values(["ticker", "date"]).reset_index(drop=True)
    )


def test_closes_are_present_and_positive(frame: pd.DataFrame) -> None:
    assert frame["close"].notna().all()
    assert (frame["close"] > 0).all()


def test_dates_are_naive_sessions_of_the_ticker_exchange(frame: pd.DataFrame) -> None:
    assert (frame["date"] == frame["date"].dt.normalize()).all()
    for ticker, part in frame.groupby("ticker"):
        dates = pd.DatetimeIndex(part["date"])
        assert dates.min() >= pd.Timestamp("2025-10-13")
        assert dates.max() <= pd.Timestamp("2025-11-21")
        expected = sessions(exchange_for_ticker(str(ticker)), "2025-10-13", "2025-11-21")
        assert dates.equals(expected), ticker


def test_provenance_is_filled(provider: Provider, frame: pd.DataFrame) -> None:
    assert (frame["provider"] == provider.name).all()
    assert frame["source"].astype(object).map(lambda s: isinstance(s, str) and bool(s)).all()
    assert frame["fetched_at"].notna().all()
    assert is_synthetic(frame) is provider.synthetic


def test_bad_ticker_raises_empty_data(provider: Provider) -> None:
    with pytest.raises(EmptyDataError) as info:
        fetch_prices(provider, [BAD])
    assert info.value.provider == provider.name
    assert info.value.ticker == BAD


def test_bad_ticker_in_a_batch_is_a_failure(provider: Provider, tickers: tuple[str, ...]) -> None:
    batch = fetch_prices(
        provider, [BAD, tickers[0]], start=date(2025, 11, 3), end=date(2025, 11, 7)
    )
    assert batch.tickers == (tickers[0],)
    assert [f.item for f in batch.failures] == [BAD]
    assert batch.failures[0].reason


def test_progress_is_reported(provider: Provider, tickers: tuple[str, ...]) -> None:
    calls: list[tuple[int, int]] = []
    fetch_prices(
        provider,
        tickers,
        start=date(2025, 11, 3),
        end=date(2025, 11, 7),
        on_progress=lambda d, t: calls.append((d, t)),
    )
    assert calls
    assert calls[-1] == (len(tickers), len(tickers))
