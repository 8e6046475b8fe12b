"""Provider order per listing: the theme's chain, fallback, and who answered each cached row.

Offline: akshare replays its synthetic recording (0000.HK, 000000.SZ,
SYNTHIDX.HK), yahoo replays its own (SYNTH.HK, ^SYNTH); both are made-up
tickers. An akshare that is offline is a fetch raising what ``requests``
raises when DNS fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from themelens.config import Settings, resolve_settings
from themelens.data.akshare_client import replay_fetch as akshare_replay
from themelens.data.loading import load_tickers, make_provider, provider_names
from themelens.data.providers import AkshareProvider, Provider, YahooProvider
from themelens.data.providers.yahoo import replay_fetch as yahoo_replay
from themelens.data.routing import ProviderRoutes, load_routed, refresh_routed, routes_for_theme
from themelens.data.store import PriceStore
from themelens.errors import InputError
from themelens.theme import load_theme

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings"
START, END = date(2025, 11, 3), date(2025, 11, 7)
THEME = """
name: routed
title: Routing test
default_benchmark: idx
default_providers: [yahoo]
entities:
  - {slug: synth, name: Synth, kind: company, role: leader,
     listings: [{ticker: SYNTH.HK, currency: HKD, primary: true}]}
  - {slug: zero, name: Zero, kind: company, role: leader,
     listings: [{ticker: 0000.HK, currency: HKD, primary: true, providers: [akshare, yahoo]}]}
  - {slug: ashare, name: A-share, kind: company, role: supply-chain,
     listings: [{ticker: 000000.SZ, currency: CNY, primary: true, kind: a-share,
                 providers: [akshare, yahoo]}]}
  - {slug: idx, name: Index, kind: index, role: benchmark,
     listings: [{ticker: SYNTHIDX.HK, currency: HKD, primary: true, kind: index,
                 providers: [akshare]}]}
  - {slug: both, name: Both, kind: company, role: peer,
     listings: [{ticker: SYNTH2.HK, currency: HKD, primary: true, providers: [akshare, yahoo]}]}
"""


def _offline(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
    raise requests.ConnectionError("Failed to resolve 'push2his.eastmoney.com'")


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"no backoff expected ({seconds}s)")


def _routes(tmp_path: Path, *, akshare_online: bool = True) -> ProviderRoutes:
    theme_file = tmp_path / "routed.yaml"
    theme_file.write_text(THEME, encoding="utf-8")
    fetch = akshare_replay(RECORDINGS / "akshare") if akshare_online else _offline
    built: dict[str, Provider] = {
        "akshare": AkshareProvider(fetch=fetch, index_symbols={"SYNTHIDX.HK": "SYNTHIDX"},
                                   min_interval_s=0, synthetic_recording=True),
        "yahoo": YahooProvider(fetch=yahoo_replay(RECORDINGS / "yahoo"), sleep=_no_sleep),
    }  # fmt: skip
    return routes_for_theme(load_theme(theme_file), built.__getitem__)


def test_each_ticker_is_served_by_the_first_provider_in_its_chain(tmp_path: Path) -> None:
    store = PriceStore(tmp_path / "c.duckdb")
    loaded = load_routed(
        store, _routes(tmp_path), ["SYNTH.HK", "0000.HK", "000000.SZ", "SYNTHIDX.HK"],
        start=START, end=END,
    )  # fmt: skip
    who = loaded.frame.drop_duplicates("ticker").set_index("ticker")["provider"].to_dict()
    assert who == {"SYNTH.HK": "yahoo", "0000.HK": "akshare", "000000.SZ": "akshare",
                   "SYNTHIDX.HK": "akshare"}  # fmt: skip
    assert not loaded.failures
    cached = store.coverage()
    assert sorted(zip(cached["provider"], cached["ticker"], strict=True)) == [
        ("akshare", "0000.HK"), ("akshare", "000000.SZ"), ("akshare", "SYNTHIDX.HK"),
        ("yahoo", "SYNTH.HK"),
    ]  # fmt: skip


def test_a_ticker_akshare_lacks_falls_back_to_yahoo(tmp_path: Path) -> None:
    # SYNTH.HK through an akshare-first chain: akshare does not serve the symbol, yahoo does
    routes = _routes(tmp_path)
    chained = ProviderRoutes(providers=routes.providers, chain_of=lambda t: ("akshare", "yahoo"))
    loaded = load_routed(PriceStore(tmp_path / "c.duckdb"), chained, ["SYNTH.HK"], start=START, end=END)  # fmt: skip
    assert set(loaded.frame["provider"]) == {"yahoo"}
    assert not loaded.failures


def test_offline_akshare_falls_back_and_the_cache_says_who_answered(tmp_path: Path) -> None:
    store = PriceStore(tmp_path / "c.duckdb")
    loaded = load_routed(
        store, _routes(tmp_path, akshare_online=False), ["0000.HK", "SYNTH.HK", "SYNTHIDX.HK"],
        start=START, end=END,
    )  # fmt: skip
    # 0000.HK: akshare offline, yahoo has no such ticker -> fails with both reasons
    # SYNTHIDX.HK: only akshare in its chain -> fails with akshare's reason
    reasons = {f.item: f.reason for f in loaded.failures}
    assert set(reasons) == {"0000.HK", "SYNTHIDX.HK"}
    assert reasons["0000.HK"].startswith("akshare: offline: cannot reach push2his.eastmoney.com")
    assert "; yahoo: " in reasons["0000.HK"]
    assert reasons["SYNTHIDX.HK"].startswith("akshare: offline")
    assert "yahoo" not in reasons["SYNTHIDX.HK"]
    assert set(loaded.frame["ticker"]) == {"SYNTH.HK"}
    assert set(store.coverage()["provider"]) == {"yahoo"}


def test_both_providers_failing_lists_each_reason(tmp_path: Path) -> None:
    loaded = load_routed(PriceStore(tmp_path / "c.duckdb"), _routes(tmp_path), ["SYNTH2.HK"])
    (failure,) = loaded.failures
    assert failure.item == "SYNTH2.HK"
    akshare_part, yahoo_part = failure.reason.split("; yahoo: ")
    assert akshare_part.startswith("akshare: akshare serves Hang Seng indices")
    assert yahoo_part.startswith("Yahoo Finance has no prices")


def test_routed_refresh_reports_who_answered_and_refetches_nothing_twice(tmp_path: Path) -> None:
    store = PriceStore(tmp_path / "c.duckdb")
    routes = _routes(tmp_path)
    first = refresh_routed(store, routes, ["SYNTH.HK", "000000.SZ"], start=START, end=END)
    assert dict(first.answered) == {"SYNTH.HK": "yahoo", "000000.SZ": "akshare"}
    assert first.rows_inserted == 10
    again = refresh_routed(store, routes, ["SYNTH.HK", "000000.SZ"], start=START, end=END)
    assert again.rows_inserted == 0
    assert len(store.read_prices(["SYNTH.HK", "000000.SZ"])) == 10


def test_unknown_provider_in_the_theme_names_the_listing(tmp_path: Path) -> None:
    theme_file = tmp_path / "bad.yaml"
    theme_file.write_text(THEME.replace("providers: [akshare]}", "providers: [akshar]}"), "utf-8")
    with pytest.raises(InputError, match=r"theme routed: idx SYNTHIDX.HK: unknown provider 'akshar'; choose from akshare, csv"):  # fmt: skip
        routes_for_theme(load_theme(theme_file), lambda name: YahooProvider())


def test_auto_is_the_default_and_a_provider_choice(tmp_path: Path) -> None:
    assert "auto" in provider_names()
    assert resolve_settings(env={}).provider == "auto"
    assert resolve_settings(env={}, prices_dir=tmp_path).provider == "csv"
    routes = make_provider(Settings(db_path=tmp_path / "x.duckdb"))
    assert isinstance(routes, ProviderRoutes)
    assert routes.chain("HSTECH.HK") == ("akshare", "yahoo")
    assert routes.chain("002371.SZ") == ("akshare", "yahoo")
    assert routes.chain("0700.HK") == ("yahoo",)


def test_load_tickers_routes_through_the_cache(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "c.duckdb", provider="auto")
    loaded = load_tickers(settings, _routes(tmp_path), ["SYNTH.HK", "0000.HK"])
    assert set(loaded.frame["ticker"]) == {"SYNTH.HK", "0000.HK"} and not loaded.failures


def test_akshare_spacing_comes_from_the_environment(tmp_path: Path) -> None:
    settings = resolve_settings(db=tmp_path / "x.duckdb", env={"THEMELENS_AKSHARE_INTERVAL": "2.5"})
    routes = make_provider(settings)
    assert isinstance(routes, ProviderRoutes)
    akshare = routes.providers["akshare"]
    assert isinstance(akshare, AkshareProvider)
    assert akshare.client.min_interval_s == 2.5
    assert resolve_settings(env={}).akshare_interval_s == 0.5


@pytest.mark.parametrize("text", ["fast", "-1", "nan"])
def test_a_bad_spacing_is_one_line_naming_the_variable(text: str) -> None:
    with pytest.raises(
        InputError, match=rf"^THEMELENS_AKSHARE_INTERVAL='{text}': expected a number"
    ):
        resolve_settings(env={"THEMELENS_AKSHARE_INTERVAL": text})


def test_akshare_time_out_comes_from_the_environment(tmp_path: Path) -> None:
    env = {"THEMELENS_AKSHARE_TIMEOUT": "7.5"}
    routes = make_provider(resolve_settings(db=tmp_path / "x.duckdb", env=env))
    assert isinstance(routes, ProviderRoutes)
    akshare = routes.providers["akshare"]
    assert isinstance(akshare, AkshareProvider)
    assert akshare.client.timeout_s == 7.5
    assert resolve_settings(env={}).akshare_timeout_s == 30.0


@pytest.mark.parametrize("text", ["0", "-3", "soon", "inf"])
def test_a_bad_time_out_is_one_line_naming_the_variable(text: str) -> None:
    with pytest.raises(
        InputError, match=rf"^THEMELENS_AKSHARE_TIMEOUT='{text}': expected a number of seconds > 0$"
    ):
        resolve_settings(env={"THEMELENS_AKSHARE_TIMEOUT": text})
