"""The benchmark chain: the theme's index, else its labelled proxy, else a named fallback;
or what the user names, which must have prices."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from themelens.analytics.events_sources import PROXY_TICKER
from themelens.config import resolve_settings
from themelens.data.providers import CsvProvider, DemoProvider, fetch_prices
from themelens.errors import InputError
from themelens.pipeline.benchmark import choose_benchmark
from themelens.pipeline.run import run_theme
from themelens.report.narrative import highs_sentence
from themelens.theme import load_theme

THEME = load_theme()


@pytest.fixture(scope="module")
def shared(shared_prices_dir: Path) -> pd.DataFrame:
    tickers = [*THEME.member_tickers(), *THEME.benchmark_chain()]
    return fetch_prices(CsvProvider(shared_prices_dir), tickers).frame


def test_no_index_series_means_the_labelled_proxy_not_the_nasdaq(shared: pd.DataFrame) -> None:
    assert "HSTECH.HK" not in set(shared["ticker"]) and "^IXIC" in set(shared["ticker"])
    frame, choice = choose_benchmark(THEME, shared)
    assert choice is not None and choice.kind == "proxy" and choice.ticker == PROXY_TICKER
    assert choice.name.startswith("Equal-weight proxy of Hang Seng TECH")
    assert "not the index" in choice.note
    proxy = frame[frame["ticker"] == PROXY_TICKER].set_index("date")["close"]
    # the proxy's return on a day is the mean of its members' returns that day (hand check)
    day, before = pd.Timestamp("2025-09-24"), pd.Timestamp("2025-09-23")
    members = [
        t for t in THEME.member_tickers() if t.endswith(".HK") and t in set(shared["ticker"])
    ]
    wide = shared[shared["ticker"].isin(members)].pivot(
        index="date", columns="ticker", values="close"
    )
    expected = (wide.loc[day] / wide.loc[before] - 1).mean()
    assert proxy[day] / proxy[before] - 1 == pytest.approx(expected, rel=1e-12)


def test_the_index_when_its_series_is_there_and_the_users_choice_otherwise() -> None:
    demo = fetch_prices(DemoProvider(), [*THEME.member_tickers(), *THEME.benchmark_chain()]).frame
    _, choice = choose_benchmark(THEME, demo)
    assert choice is not None and (choice.ticker, choice.kind, choice.note) == (
        "HSTECH.HK",
        "index",
        "",
    )
    _, chosen = choose_benchmark(THEME, demo, "nasdaq-composite")
    assert chosen is not None and (chosen.ticker, chosen.kind) == ("^IXIC", "chosen")
    frame, proxied = choose_benchmark(THEME, demo, "proxy")
    assert proxied is not None and proxied.kind == "proxy" and PROXY_TICKER in set(frame["ticker"])


def test_a_named_benchmark_without_prices_is_an_error(shared: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"^--benchmark hstech: no prices for HSTECH.HK"):
        choose_benchmark(THEME, shared, "hstech")
    with pytest.raises(InputError, match=r"^--benchmark NOPE: no prices for NOPE"):
        choose_benchmark(THEME, shared, "NOPE")


def test_without_hong_kong_names_the_chain_falls_back_by_name(shared: pd.DataFrame) -> None:
    us_only = shared[~shared["ticker"].str.endswith(".HK")]
    _, choice = choose_benchmark(THEME, us_only)
    assert choice is not None and choice.kind == "fallback" and choice.ticker == "^IXIC"
    assert "too few Hong Kong names for a proxy" in choice.note


def test_the_report_names_record_closes(tmp_path: Path, shared_prices_dir: Path) -> None:
    """On 2025-09-24 SMIC and Hua Hong closed at records: the headline names them."""
    settings = resolve_settings(db=tmp_path / "s.duckdb", prices_dir=shared_prices_dir)
    run = run_theme(settings, THEME, asof=date(2025, 9, 24))
    assert run.benchmark == PROXY_TICKER and run.benchmark_choice is not None
    assert run.rally is not None
    text = str(highs_sentence(run.rally.to_frame(), run.roles))
    records = text.split("multi-year highs")[0]
    assert "SMIC" in records and "Hua Hong" in records and "Alibaba" not in records
    assert "Alibaba Group (highest since" in text
