"""The theme model: the packaged china-ai theme, lookups, and one-line errors for bad files."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from themelens.data.calendar import exchange_for_ticker
from themelens.errors import InputError, ThemeError, UnknownTickerError
from themelens.theme import Listing, Theme, list_themes, load_theme

THEME = load_theme()

# slug -> (primary ticker, other tickers), as the issue states them
COMPANIES = {
    "alibaba": ("9988.HK", ("BABA",)),
    "baidu": ("9888.HK", ("BIDU",)),
    "tencent": ("0700.HK", ("TCEHY",)),
    "jd": ("9618.HK", ("JD",)),
    "smic": ("0981.HK", ("688981.SS",)),
    "hua-hong": ("1347.HK", ("688347.SS",)),
    "naura": ("002371.SZ", ()),
    "xiaomi": ("1810.HK", ()),
    "meituan": ("3690.HK", ()),
    "kuaishou": ("1024.HK", ()),
    "sensetime": ("0020.HK", ()),
    "iflytek": ("002230.SZ", ()),
}
CLAIMS_SLUGS = [  # ../shared/spec/claims.md, "Entities"
    "alibaba", "tencent", "baidu", "jd", "smic", "hua-hong", "naura", "sensetime", "iflytek",
    "xiaomi", "meituan", "kuaishou", "bytedance", "deepseek", "china-unicom", "nvidia", "microsoft",
    "openai", "anthropic", "catl", "hstech", "hsi", "hscei", "ndx", "nasdaq-composite", "spx",
    "ark-invest", "southbound", "china-big-tech", "ai-market", "china-ai-datacenters",
]  # fmt: skip


# --- the packaged theme --------------------------------------------------------


def test_packaged_theme_loads_by_default_and_by_name() -> None:
    assert "china-ai" in list_themes()
    assert load_theme("china-ai") == THEME
    assert THEME.name == "china-ai"
    assert THEME.default_benchmark == "hstech"


@pytest.mark.parametrize(
    ("ticker", "chain"),
    [
        ("HSTECH.HK", ("akshare", "yahoo")),  # Yahoo has no usable HSTECH history
        ("002371.SZ", ("akshare", "yahoo")),  # nor A-share coverage
        ("688981.SS", ("akshare", "yahoo")),
        ("^HSI", ("yahoo", "akshare")),  # Yahoo has these; AkShare is the fallback
        ("^HSCE", ("yahoo", "akshare")),
        ("9988.HK", ("yahoo",)),
        ("^NDX", ("yahoo",)),
    ],
)
def test_packaged_theme_routes_each_listing(ticker: str, chain: tuple[str, ...]) -> None:
    assert THEME.providers_for(ticker) == chain


def test_every_claims_slug_is_an_entity() -> None:
    assert {e.slug for e in THEME.entities} >= set(CLAIMS_SLUGS)


@pytest.mark.parametrize(("slug", "primary", "others"), [(s, *v) for s, v in COMPANIES.items()])
def test_company_listings(slug: str, primary: str, others: tuple[str, ...]) -> None:
    ent = THEME.entity(slug)
    assert ent.kind == "company"
    assert THEME.primary_ticker(slug) == primary
    assert tuple(lst.ticker for lst in ent.listings if not lst.primary) == others


def test_roles() -> None:
    def slugs(role: Any) -> list[str]:
        return [e.slug for e in THEME.by_role(role)]

    assert slugs("leader") == ["alibaba", "baidu", "tencent"]
    assert slugs("supply-chain") == ["smic", "hua-hong", "naura"]
    assert set(slugs("peer")) == {"jd", "xiaomi", "meituan", "kuaishou", "sensetime", "iflytek"}
    assert slugs("benchmark") == ["hstech", "ndx", "nasdaq-composite"]


def test_benchmark_listings() -> None:
    hstech = THEME.benchmark().primary
    assert hstech == Listing(
        ticker="HSTECH.HK",
        exchange="XHKG",
        currency="HKD",
        primary=True,
        kind="index",
        providers=("akshare", "yahoo"),
    )
    assert THEME.primary_ticker("ndx") == "^NDX"
    assert THEME.primary_ticker("nasdaq-composite") == "^IXIC"
    assert THEME.benchmark("spx").primary is not None  # any listed entity may serve


def test_benchmark_without_listing_is_refused() -> None:
    with pytest.raises(InputError, match="deepseek: has no listing"):
        THEME.benchmark("deepseek")


def test_listing_details() -> None:
    baba = THEME.resolve("BABA")
    assert baba is not None and baba.listing is not None
    assert (baba.listing.kind, baba.listing.currency, baba.listing.exchange) == (
        "adr",
        "USD",
        "XNYS",
    )
    star = THEME.resolve("688981.SS")
    assert star is not None and star.listing is not None
    assert (star.listing.kind, star.listing.exchange, star.listing.label) == (
        "a-share",
        "XSHG",
        "Shanghai STAR",
    )
    assert THEME.entity("naura").listings[0].exchange == "XSHE"


@pytest.mark.parametrize("ticker", THEME.all_tickers())
def test_exchange_default_agrees_with_calendar(ticker: str) -> None:
    # theme.py may not import data/, so it mirrors the suffix rule; they must not drift
    expected = exchange_for_ticker(ticker)
    assert Listing(ticker=ticker, currency="USD").exchange == expected
    found = THEME.resolve(ticker)
    assert found is not None and found.listing is not None
    if ticker not in ("^HSI", "^HSCE"):  # HK indexes without the .HK suffix are set by hand
        assert found.listing.exchange == expected


def test_all_tickers_lists_every_listing_once() -> None:
    tickers = THEME.all_tickers()
    assert len(tickers) == len(set(tickers))
    assert sum(len(e.listings) for e in THEME.entities) == len(tickers)
    assert {"9988.HK", "BABA", "688981.SS", "HSTECH.HK", "^NDX", "3750.HK"} <= set(tickers)


def test_tradable_entities() -> None:
    tradable = [e.slug for e in THEME.tradable_entities()]
    assert "deepseek" not in tradable and "southbound" not in tradable
    assert tradable[:3] == ["alibaba", "baidu", "tencent"]
    assert [e.slug for e in THEME.tradable_entities(["leader"])] == ["alibaba", "baidu", "tencent"]


def test_catalyst_facts() -> None:
    facts = {
        (c.date.isoformat(), c.entity, f.metric, f.window): f
        for c in THEME.catalysts
        for f in c.facts
    }
    assert facts["2025-09-17", "hstech", "return_pct", "1d"].value == 4.2
    assert facts["2025-09-17", "hstech", "high_since", None].value == "2021-11"
    assert facts["2025-09-17", "baidu", "return_pct", "1d"].value == 16
    plan = facts["2025-09-24", "alibaba", "investment_plan", "3y"]
    assert (plan.value, plan.currency, plan.qualifier) == (3.8e11, "CNY", "over")
    assert facts["2025-09-24", "alibaba", "high_since", None].value == "2021-09"
    assert facts["2025-09-24", "smic", "return_pct", "1d"].qualifier == "nearly"
    assert facts["2025-09-26", "hstech", "return_pct", "ytd"].value == 41
    assert facts["2025-09-26", "hstech", "win_streak_weeks", None].value == 7
    assert facts["2025-09-26", "hstech", "forward_pe", None].value == 21
    assert facts["2025-09-26", "ndx", "forward_pe", None].value == 27


# --- lookups -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "ticker", "slug"),
    [
        ("alibaba", "9988.HK", "alibaba"),
        ("Alibaba Cloud", "9988.HK", "alibaba"),
        ("阿里巴巴", "9988.HK", "alibaba"),
        ("BABA", "BABA", "alibaba"),
        ("baba", "BABA", "alibaba"),
        ("  qwen ", "9988.HK", "alibaba"),
        ("中芯国际", "0981.HK", "smic"),
        ("688981.ss", "688981.SS", "smic"),
        ("the Tech Index", "HSTECH.HK", "hstech"),
        ("恒生科技指数", "HSTECH.HK", "hstech"),
        ("the nasdaq", "^IXIC", "nasdaq-composite"),
        ("Nasdaq-100", "^NDX", "ndx"),
        ("ＢＩＤＵ", "BIDU", "baidu"),  # full-width, as pasted from Chinese sources
    ],
)
def test_resolve(token: str, ticker: str, slug: str) -> None:
    found = THEME.resolve(token)
    assert found is not None
    assert found.ticker == ticker
    assert found.entity is not None and found.entity.slug == slug
    assert found.listing is not None and found.listing.ticker == ticker


def test_resolve_unknown_and_unlisted() -> None:
    assert THEME.resolve("AAPL") is None
    assert THEME.resolve("AAPL.HK") is None
    # a bare "Nasdaq" is the Composite, as the spec reads "the Nasdaq" (news writes it so)
    nasdaq = THEME.resolve("nasdaq")
    assert nasdaq is not None and nasdaq.entity.slug == "nasdaq-composite"
    assert THEME.resolve("deepseek") is None  # known, but no listing
    found = THEME.find_entity("深度求索")
    assert found is not None and found.slug == "deepseek"
    assert THEME.find_entity("AAPL") is None


def test_entity_for_ticker() -> None:
    found = THEME.entity_for_ticker("688347.ss")
    assert found is not None and found.slug == "hua-hong"
    assert THEME.entity_for_ticker("Hua Hong") is None  # tickers only
    assert THEME.entity_for_ticker("AAPL") is None


def test_suggest_and_unknown_entity() -> None:
    assert "alibaba" in THEME.suggest("alibab")
    assert "tencent" in THEME.suggest("tencnet")
    assert THEME.suggest("AAPLE", extra=["AAPL", "MSFT"])[0] == "AAPL"
    assert THEME.suggest("zzzzzz") == []
    with pytest.raises(UnknownTickerError) as info:
        THEME.entity("alibab")
    assert "alibaba" in info.value.suggestions
    assert str(info.value).startswith("alibab: unknown entity; close matches: alibaba")


_ALIASES = [(a, e.slug) for e in THEME.entities for a in e.aliases]


@given(st.sampled_from(_ALIASES), st.randoms(use_true_random=False))
def test_lookup_ignores_case_for_every_alias(pair: tuple[str, str], rnd: Any) -> None:
    alias, slug = pair
    mangled = "".join(c.swapcase() if rnd.random() < 0.5 else c for c in alias)
    found = THEME.find_entity(mangled)
    assert found is not None and found.slug == slug
    resolved = THEME.resolve(mangled)
    if found.primary is None:
        assert resolved is None
    else:
        assert resolved is not None and resolved.entity == found


# --- bad files -----------------------------------------------------------------

GOOD: dict[str, Any] = {
    "name": "mine",
    "title": "My theme",
    "default_benchmark": "idx",
    "entities": [
        {
            "slug": "acme",
            "name": "Acme",
            "kind": "company",
            "role": "leader",
            "aliases": ["Acme Corp", "艾克米"],
            "listings": [
                {"ticker": "0001.HK", "currency": "HKD", "primary": True},
                {"ticker": "ACME", "currency": "USD", "kind": "adr"},
            ],
        },
        {
            "slug": "idx",
            "name": "An index",
            "kind": "index",
            "role": "benchmark",
            "listings": [{"ticker": "^IDX", "currency": "USD", "primary": True, "kind": "index"}],
        },
    ],
    "catalysts": [
        {
            "date": dt.date(2025, 9, 17),
            "entity": "acme",
            "title": "Acme jumps",
            "facts": [{"metric": "return_pct", "value": 5, "window": "1d"}],
        }
    ],
}


def _write(tmp_path: Path, data: Any, name: str = "my.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _error(path: Path | str) -> ThemeError:
    with pytest.raises(ThemeError) as info:
        load_theme(path)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(f"{path}: "), message
    return info.value


def test_user_theme_by_path(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    theme = load_theme(path)
    assert isinstance(theme, Theme)
    assert load_theme(str(path)) == theme
    assert theme.primary_ticker("acme") == "0001.HK"
    assert theme.entity("acme").listings[0].exchange == "XHKG"
    res = theme.resolve("艾克米")
    assert res is not None and res.ticker == "0001.HK"
    assert theme.catalysts[0].facts[0].value == 5.0
    plain = tmp_path / "theme.txt"  # an existing file need not end in .yaml
    plain.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_theme(str(plain)) == theme


def test_listing_providers_win_over_the_theme_default(tmp_path: Path) -> None:
    theme = load_theme(
        _write(tmp_path, _mutated(entities__0__listings__0__providers=["akshare", "yahoo"],
                                  default_providers=["csv"]))
    )  # fmt: skip
    assert theme.providers_for("0001.HK") == ("akshare", "yahoo")
    assert theme.providers_for("ACME") == ("csv",)
    assert theme.providers_for("NOT.LISTED") == ("csv",)
    assert load_theme(_write(tmp_path, GOOD, "plain.yaml")).providers_for("0001.HK") == ("yahoo",)


def _mutated(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        key: Any = int(last) if last.isdigit() else last
        if value is _DELETE:
            del node[key]
        else:
            node[key] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("changes", "field", "needle"),
    [
        (
            {"entities__0__listings__1__primary": True},
            "entities.0.listings",
            "more than one primary listing (0001.HK, ACME)",
        ),
        ({"entities__0__listings__0__primary": False}, "entities.0.listings", "no primary"),
        ({"entities__1__slug": _DELETE}, "entities.1.slug", "field required"),
        ({"entities__0__slug": "Acme Inc"}, "entities.0.slug", "lowercase slug"),
        ({"entities__0__role": "leeder"}, "entities.0.role", "(got 'leeder')"),
        ({"entities__0__listings__0__ticker": "9988 HK"}, "entities.0.listings.0.ticker", "Yahoo"),
        (
            {"entities__0__listings__0__providers": ["AkShare"]},
            "entities.0.listings.0.providers.0",
            "lowercase slug",
        ),
        ({"default_providers": []}, "default_providers", "at least 1"),
        (
            {"entities__0__listings__0__currency": "hkd"},
            "entities.0.listings.0.currency",
            "ISO 4217",
        ),
        ({"catalysts__0__entity": "acmee"}, "catalysts.0.entity", "close matches: acme"),
        ({"default_benchmark": "acme"}, "default_benchmark", "must have role benchmark"),
        ({"default_benchmark": "nope"}, "default_benchmark", "unknown entity 'nope'"),
        ({"entities__1__slug": "acme"}, "entities.1.slug", "slug 'acme' already names acme"),
        ({"entities__1__aliases": ["ACME CORP"]}, "entities.1.aliases.0", "already names acme"),
        ({"entities__1__listings__0__ticker": "acme"}, "entities.1.listings.0.ticker", "ACME"),
        ({"catalysts__0__facts__0__metric": "high_since"}, "catalysts.0.facts.0.value", "YYYY-MM"),
        ({"catalysts__0__facts__0__metric": "capex"}, "catalysts.0.facts.0.currency", "needs a"),
        ({"catalysts__0__facts__0__window": "daily"}, "catalysts.0.facts.0.window", "'daily'"),
        ({"catalysts__0__date": "Sept 17"}, "catalysts.0.date", "date"),
        ({"entities": []}, "entities", "at least 1 item"),
    ],
)
def test_bad_field_is_named(
    tmp_path: Path, changes: dict[str, Any], field: str, needle: str
) -> None:
    path = _write(tmp_path, _mutated(**changes))
    err = _error(path)
    assert err.field == field
    assert err.path == path
    assert str(err).startswith(f"{path}: {field}: "), str(err)
    assert needle in str(err)


def test_typo_in_a_key_is_caught_with_a_hint(tmp_path: Path) -> None:
    data = _mutated()
    data["entities"][0]["listngs"] = data["entities"][0].pop("listings")
    err = _error(_write(tmp_path, data))
    assert err.field == "entities.0.listngs"
    assert "unknown field; did you mean 'listings'?" in str(err)


def test_several_errors_report_the_first_and_count_the_rest(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, _mutated(title=_DELETE, entities__0__kind="firm")))
    assert err.field == "title"
    assert str(err).endswith("field required (+1 more)")


def test_yaml_booleans_get_a_hint(tmp_path: Path) -> None:
    text = _write(tmp_path, GOOD).read_text(encoding="utf-8").replace("ticker: ACME", "ticker: NO")
    path = tmp_path / "my.yaml"
    path.write_text(text, encoding="utf-8")
    err = _error(path)
    assert err.field == "entities.0.listings.1.ticker"
    assert "(got False); quote it" in str(err)


def test_numbers_written_without_a_dot_still_count(tmp_path: Path) -> None:
    # YAML 1.1 reads 3.8e11 as a string; a money fact should still take it
    data = _mutated(
        catalysts__0__facts__0={"metric": "investment_plan", "value": "3.8e11", "currency": "CNY"}
    )
    assert load_theme(_write(tmp_path, data)).catalysts[0].facts[0].value == 3.8e11


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name: mine\nentities: [\n  {slug: acme\n", "invalid YAML at line"),
        ("name: mine\ntitle: a\ntitle: b\n", "duplicate key 'title'"),
        ("", "empty file"),
        ("# only a comment\n", "empty file"),
        ("- just\n- a list\n", "top level must be a mapping, not a list"),
    ],
)
def test_unreadable_yaml(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "my.yaml"
    path.write_text(text, encoding="utf-8")
    err = _error(path)
    assert needle in str(err)
    assert err.field is None


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "my.yaml"
    path.write_text("name: mine\ntitle: [unclosed\nentities: x\n", encoding="utf-8")
    assert "line 3" in str(_error(path))


def test_missing_file_and_unknown_name(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert str(_error(missing)) == f"{missing}: file not found"
    assert str(_error(str(missing))) == f"{missing}: file not found"
    err = _error("china-aii")
    assert "did you mean china-ai?" in str(err)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "my.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    assert "not UTF-8" in str(_error(path))


def test_membership_and_the_benchmark_chain_live_on_the_theme() -> None:
    from themelens.theme import MEMBER_ROLES

    theme = load_theme()
    members = theme.members()
    assert members and all(e.role in MEMBER_ROLES and e.primary is not None for e in members)
    assert theme.member_tickers()[0] == members[0].primary.ticker  # type: ignore[union-attr]
    chain = theme.benchmark_chain()
    assert chain[0] == "HSTECH.HK" and "^IXIC" in chain and len(set(chain)) == len(chain)
    # the first of the chain with data wins, the same way for every command
    assert theme.pick_benchmark({"^IXIC", "9988.HK"}) == "^IXIC"
    assert theme.pick_benchmark({"HSTECH.HK", "^IXIC"}) == "HSTECH.HK"
    assert theme.pick_benchmark(set()) is None
    roles = theme.roles_by_ticker()
    assert roles["9988.HK"][0] == "alibaba" and roles["HSTECH.HK"][2] == "benchmark"


def test_packaged_themes_read_the_same_with_libyaml_and_user_files_stay_strict(
    tmp_path: Path,
) -> None:
    """Shipped themes are parsed by libyaml (when PyYAML has it), user files always by the
    strict Python loader with its depth guard; both refuse duplicate keys and agree on
    every shipped file."""
    from importlib import resources

    import yaml

    from themelens.theme import list_themes, loader

    if loader._FastLoader is None:
        pytest.skip("PyYAML built without libyaml: every theme goes the strict way")
    for name in list_themes():
        text = (resources.files("themelens") / "themes" / f"{name}.yaml").read_text("utf-8")
        assert yaml.load(text, Loader=loader._FastLoader) == yaml.load(
            text, Loader=loader._StrictLoader
        )
        assert load_theme(name) == load_theme(
            Path(str(resources.files("themelens") / "themes" / f"{name}.yaml"))
        )
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key 'a'"):
        yaml.load("a: 1\na: 2\n", Loader=loader._FastLoader)
    deep = tmp_path / "deep.yaml"
    deep.write_text("x: " + "[" * 200 + "]" * 200 + "\n", encoding="utf-8")
    with pytest.raises(ThemeError, match="nested deeper than 64"):
        load_theme(deep)
