"""One shape for loaded prices (``PriceLoad``) and one way to load them (``PriceSource``).

Every loader answers with ``PriceLoad``; a single provider and the theme's
routes both answer ``load``, so no caller asks which one it holds.
"""

from __future__ import annotations

from pathlib import Path

from themelens.config import Settings
from themelens.data.contracts import PriceLoad
from themelens.data.loading import load_tickers, make_provider
from themelens.data.providers import CsvProvider, DemoProvider, fetch_prices
from themelens.data.routing import ProviderRoutes
from themelens.data.sources import PriceSource, SingleProvider


def test_a_fetch_is_a_price_load_whose_frame_is_a_copy() -> None:
    loaded = fetch_prices(DemoProvider(), ["0700.HK", "9988.HK"])
    assert isinstance(loaded, PriceLoad)
    assert loaded.tickers == ("0700.HK", "9988.HK") and loaded.provider == "demo"
    copy = loaded.to_frame()
    copy.loc[:, "close"] = 0.0
    assert (loaded.frame["close"] > 0).all()


def test_the_summary_lists_each_ticker_and_the_failures() -> None:
    loaded = SingleProvider(DemoProvider()).load(["0700.HK", "NOPE"], db_path=Path("unused"))
    text = loaded.summary().as_text()
    assert "0700.HK" in text and "failed: NOPE:" in text and "synthetic demo data" in text


def test_a_local_source_with_no_rows_loads_empty_and_opens_no_cache(tmp_path: Path) -> None:
    db = tmp_path / "never" / "c.duckdb"
    loaded = SingleProvider(CsvProvider(tmp_path)).load(["NOPE.HK"], db_path=db)
    assert loaded.frame.empty and [f.item for f in loaded.failures] == ["NOPE.HK"]
    assert not db.parent.exists()


def test_no_tickers_load_nothing(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "c.duckdb", provider="demo")
    loaded = load_tickers(settings, make_provider(settings), [])
    assert loaded.frame.empty and not loaded.failures and not (tmp_path / "c.duckdb").exists()


def test_both_kinds_of_source_are_price_sources(tmp_path: Path) -> None:
    single: PriceSource = make_provider(Settings(db_path=tmp_path / "x.duckdb", provider="demo"))
    routes: PriceSource = make_provider(Settings(db_path=tmp_path / "x.duckdb"))
    assert isinstance(single, SingleProvider) and single.synthetic and not single.remote
    assert isinstance(routes, ProviderRoutes) and routes.remote and routes.name == "auto"
    assert "0700.HK" in single.available_tickers() and routes.available_tickers() == []


def test_a_local_source_keeps_what_a_run_used_and_routes_leave_it_to_the_cache(
    tmp_path: Path,
) -> None:
    from themelens.data.providers import YahooProvider
    from themelens.data.store import PriceStore

    frame = fetch_prices(DemoProvider(), ["0700.HK"]).frame
    SingleProvider(DemoProvider()).keep(frame, db_path=tmp_path / "local.duckdb")
    assert len(PriceStore(tmp_path / "local.duckdb").read_prices(["0700.HK"])) == len(frame)
    routes = ProviderRoutes(providers={"yahoo": YahooProvider()}, chain_of=lambda t: ("yahoo",))
    routes.keep(frame, db_path=tmp_path / "routed.duckdb")
    assert not (tmp_path / "routed.duckdb").exists()


def test_fx_rates_follow_the_price_provider() -> None:
    """A run on local prices never asks the network for FX; a remote one asks Yahoo first."""
    from themelens.data.fx import fx_source_for

    assert [fx_source_for(p) for p in ("yahoo", "akshare", "auto")] == ["auto"] * 3
    assert [fx_source_for(p) for p in ("csv", "demo", "some-plugin")] == ["reference"] * 3
