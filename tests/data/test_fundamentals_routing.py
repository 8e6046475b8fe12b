"""Fundamentals follow the provider registry and the theme's routing, as prices do."""

from __future__ import annotations

from pathlib import Path

import pytest

from themelens.data.fundamentals import load_capex, load_income, load_valuation, pick_source
from themelens.data.fundamentals.registry import FUNDAMENTALS, fundamentals_chain
from themelens.errors import InputError
from themelens.theme import load_theme

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings"
YAHOO = RECORDINGS / "fundamentals"
AKSHARE = RECORDINGS / "akshare_fundamentals"
BUILT_IN = load_theme()


def _theme(tmp_path: Path, providers: str) -> Path:
    """A one-entity theme whose Hong Kong listing routes ``providers``."""
    path = tmp_path / "routed.yaml"
    path.write_text(
        "name: routed\ntitle: Routed\ndefault_benchmark: idx\ndefault_providers: [yahoo]\n"
        "entities:\n"
        "  - {slug: zero, name: Zero, kind: company, role: leader,\n"
        f"     listings: [{{ticker: 0000.HK, currency: HKD, primary: true, providers: {providers}}}]}}\n"
        "  - {slug: idx, name: Index, kind: index, role: benchmark,\n"
        "     listings: [{ticker: SYNTHIDX.HK, currency: HKD, primary: true, kind: index}]}\n",
        "utf-8",
    )
    return path


def test_registry_keys_are_price_provider_names() -> None:
    assert sorted(FUNDAMENTALS) == ["akshare", "yahoo"]
    assert pick_source("akshare", None) == "akshare" and pick_source("csv", None) == "none"


def test_built_in_theme_keeps_yahoo_then_akshare_for_hong_kong() -> None:
    assert fundamentals_chain(BUILT_IN, "9988.HK") == ("yahoo", "akshare")
    assert fundamentals_chain(BUILT_IN, "BABA") == ("yahoo",)
    assert fundamentals_chain(BUILT_IN, "688981.SS") == ("yahoo",)  # AkShare statements: HK only
    assert fundamentals_chain(None, "0700.HK") == ("yahoo", "akshare")


def test_listing_routed_akshare_first_asks_akshare_first(tmp_path: Path) -> None:
    theme = load_theme(_theme(tmp_path, "[akshare, yahoo]"))
    assert fundamentals_chain(theme, "0000.HK") == ("akshare", "yahoo")
    asked: list[str] = []
    yahoo = FUNDAMENTALS["yahoo"].reader(YAHOO)
    akshare = FUNDAMENTALS["akshare"].reader(AKSHARE)

    class Spy:
        def __init__(self, name: str, inner: object) -> None:
            self.name, self.inner = name, inner

        def capex(self, tickers: list[str], *, freq: str = "annual") -> object:
            asked.extend(f"{self.name}:{t}" for t in tickers)
            return self.inner.capex(tickers, freq=freq)  # type: ignore[attr-defined]

    loaded = load_capex(
        ["0000.HK", "9988.HK"], source="auto", theme=theme,
        yahoo_source=Spy("yahoo", yahoo), akshare_source=Spy("akshare", akshare),  # type: ignore[arg-type]
    )  # fmt: skip
    assert asked[0] == "akshare:0000.HK"
    assert "yahoo:0000.HK" not in asked  # AkShare answered, Yahoo is not asked
    providers = loaded.frame.groupby("ticker")["provider"].unique().map(list).to_dict()
    assert providers == {"0000.HK": ["akshare"], "9988.HK": ["yahoo"]}
    income = load_income(["0000.HK"], source="auto", theme=theme, replay_dir=YAHOO, akshare_replay_dir=AKSHARE)  # fmt: skip
    assert set(income.frame["provider"]) == {"akshare"}
    valuation, reported = load_valuation(["0000.HK"], source="auto", theme=theme, replay_dir=YAHOO, akshare_replay_dir=AKSHARE)  # fmt: skip
    assert not reported and set(valuation.frame["provider"]) == {"akshare"}


def test_valuation_follows_the_route_like_statements(tmp_path: Path) -> None:
    """P/E asks a ticker's providers in its routed order: AkShare first where the listing
    says so, and Yahoo alone for a listing routed to Yahoo only (no AkShare fallback asked
    for a ticker Yahoo answered)."""
    asked: list[str] = []

    class Spy:
        def __init__(self, name: str, inner: object) -> None:
            self.name, self.inner = name, inner

        def valuation(self, tickers: list[str]) -> object:
            asked.extend(f"{self.name}:{t}" for t in tickers)
            return self.inner.valuation(tickers)  # type: ignore[attr-defined]

    yahoo = Spy("yahoo", FUNDAMENTALS["yahoo"].reader(YAHOO))
    akshare = Spy("akshare", FUNDAMENTALS["akshare"].reader(AKSHARE))
    theme = load_theme(_theme(tmp_path, "[akshare, yahoo]"))
    data, _ = load_valuation(["0000.HK"], source="auto", theme=theme, yahoo_source=yahoo, akshare_source=akshare)  # type: ignore[arg-type]  # fmt: skip
    assert asked == ["akshare:0000.HK"] and set(data.frame["provider"]) == {"akshare"}
    asked.clear()
    data, _ = load_valuation(["9988.HK", "0000.HK"], source="auto", theme=BUILT_IN, yahoo_source=yahoo, akshare_source=akshare)  # type: ignore[arg-type]  # fmt: skip
    assert asked[:2] == ["yahoo:9988.HK", "yahoo:0000.HK"] and asked[2:] == ["akshare:0000.HK"]


def test_provider_without_fundamentals_is_skipped(tmp_path: Path) -> None:
    theme = load_theme(_theme(tmp_path, "[demo, akshare]"))
    assert fundamentals_chain(theme, "0000.HK") == ("akshare",)
    loaded = load_capex(["0000.HK"], source="auto", theme=theme, akshare_replay_dir=AKSHARE)
    assert set(loaded.frame["provider"]) == {"akshare"}


def test_unknown_provider_in_routing_fails_as_for_prices(tmp_path: Path) -> None:
    theme = load_theme(_theme(tmp_path, "[akshar, yahoo]"))
    with pytest.raises(InputError, match=r"theme routed: zero 0000.HK: unknown provider 'akshar'"):
        load_capex(["0000.HK"], source="auto", theme=theme, replay_dir=YAHOO)
