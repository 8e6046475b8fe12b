"""Entity linking through the theme's aliases, sets, unnamed sets and anaphors."""

from __future__ import annotations

from pathlib import Path

import pytest

from themelens.news.extract.entities import EntityLinker, group_around, join_slugs
from themelens.theme import Theme, load_theme


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    return EntityLinker(load_theme())


def slugs(linker: EntityLinker, text: str) -> list[str]:
    return [m.slug or m.kind for m in linker.find(text)]


def test_aliases_names_tickers_and_chinese(linker: EntityLinker) -> None:
    text = "阿里巴巴 and Tencent Holdings beat JD.com, while 9988.HK and Semiconductor Manufacturing International rose"
    assert slugs(linker, text) == ["alibaba", "tencent", "jd", "alibaba", "smic"]


def test_longest_alias_wins_over_a_leftmost_shorter_one(linker: EntityLinker) -> None:
    assert slugs(linker, "the Hang Seng Tech Index and the Nasdaq 100's multiple") == [
        "hstech",
        "ndx",
    ]
    assert slugs(linker, "outpacing the Hang Seng Index and the Nasdaq") == [
        "hsi",
        "nasdaq-composite",
    ]


def test_all_caps_aliases_are_case_sensitive(linker: EntityLinker) -> None:
    assert slugs(linker, "a jd rally in smic-like names") == []
    assert slugs(linker, "JD and SMIC") == ["jd", "smic"]


def test_ticker_in_brackets_folds_into_its_company(linker: EntityLinker) -> None:
    assert slugs(linker, "Baidu (NASDAQ:BIDU) led the move") == ["baidu"]


def test_unnamed_sets(linker: EntityLinker) -> None:
    assert slugs(linker, "Chinese tech giants raised capex") == ["china-big-tech"]
    assert slugs(linker, "China's biggest internet companies") == ["china-big-tech"]
    assert slugs(linker, "newly built AI data centres in China") == ["china-ai-datacenters"]
    assert slugs(linker, "the global AI market") == ["ai-market"]
    assert slugs(linker, "Chinese technology stocks rallied") == ["china-big-tech"]
    assert slugs(linker, "tech majors and Chinese peers") == ["china-big-tech", "china-big-tech"]


def test_anaphors(linker: EntityLinker) -> None:
    assert slugs(linker, "the gauge rose as the company's shares and its bonds") == [
        "index-anaphor", "company-anaphor", "pronoun",
    ]  # fmt: skip


def test_named_sets_group_with_commas_and_and(linker: EntityLinker) -> None:
    text = "Alibaba, Tencent, and Baidu spent more, while Xiaomi did not"
    mentions = linker.find(text)
    group = group_around(text, mentions, 1)
    assert join_slugs([m.slug for m in group]) == "alibaba+baidu+tencent"
    assert [m.slug for m in group_around(text, mentions, 3)] == ["xiaomi"]


def test_a_users_theme_extends_the_aliases(tmp_path: Path) -> None:
    base = Path(__file__).resolve().parents[2] / "src" / "themelens" / "themes" / "china-ai.yaml"
    text = base.read_text(encoding="utf-8").replace(
        "aliases: [Xiaomi,", "aliases: [Xiaomi, Leijun Corp,"
    )
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    theme: Theme = load_theme(path)
    assert slugs(EntityLinker(theme), "Leijun Corp rose") == ["xiaomi"]
