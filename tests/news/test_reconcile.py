"""Reconciling claims across articles: grouping, USD conversion, labels and spreads.

Claims and quotes here are written for the tests; the FX function is a fixed
7.1 yuan / 7.8 HK dollars per USD unless a test says otherwise.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pytest

from themelens.data.fx import to_usd as reference_to_usd
from themelens.errors import InputError
from themelens.news.claim import Claim
from themelens.news.reconcile import ClaimGroup, ReconcileResult, reconcile_claims


@dataclass(frozen=True)
class Conv:
    usd: float
    source_label: str


RATES = {"CNY": 7.1, "HKD": 7.8}


def fixed_fx(amount: float, currency: str, when: str | None) -> Conv:
    if currency not in RATES:
        raise InputError(f"{currency}: no USD rate for this currency")
    return Conv(amount / RATES[currency], f"test rate {RATES[currency]} {currency}/USD at {when}")


def claim(article: str, entity: str, metric: str, value: float | str, **kw: object) -> Claim:
    return Claim(entity=entity, metric=metric, value=value, article=article, **kw)  # type: ignore[arg-type]


def only(result: ReconcileResult, entity: str, metric: str) -> ClaimGroup:
    found = [g for g in result.groups if g.entity == entity and g.metric == metric]
    assert len(found) == 1, found
    return found[0]


TENCENT_CNY = claim(
    "wire", "tencent", "bond_issuance", 9e9, currency="CNY", quote="raised 9 billion yuan in bonds"
)
TENCENT_USD = claim(
    "daily", "tencent", "bond_issuance", 1.27e9, currency="USD", date="2025-09",
    quote="sold $1.27 billion of notes",
)  # fmt: skip
ARK_SMALL = claim(
    "blog", "alibaba", "stake_purchase", 1.63e7, currency="USD", date="2025-09", by="ark-invest",
    quote="ARK bought $16.3 million of the shares",
)  # fmt: skip
ARK_BIG = claim(
    "tabloid", "alibaba", "stake_purchase", 1.6e10, currency="USD", date="2025-09-23",
    quote="a $16 billion purchase by ARK",
)  # fmt: skip


def test_tencent_yuan_and_dollars_agree() -> None:
    result = reconcile_claims([TENCENT_CNY, TENCENT_USD], to_usd=fixed_fx)
    group = only(result, "tencent", "bond_issuance")
    assert group.label == "agree"
    assert group.basis == "USD"
    # 9e9 / 7.1 = 1.267606e9; 1.27e9 / 1.267606e9 - 1 = 0.1889%
    assert group.spread == pytest.approx(0.18889, abs=1e-4)
    cny = next(m for m in group.members if m.claim.currency == "CNY")
    assert cny.usd == pytest.approx(1.267606e9, rel=1e-6)
    assert cny.fx == "test rate 7.1 CNY/USD at 2025-09"  # the undated claim takes the group's date
    assert group.articles == ("wire", "daily")


def test_tencent_agrees_with_the_builtin_reference_rate_too() -> None:
    result = reconcile_claims([TENCENT_CNY, TENCENT_USD], to_usd=reference_to_usd)
    group = only(result, "tencent", "bond_issuance")
    assert group.label == "agree"
    assert result.fx_sources == (
        "built-in monthly reference rate (approximate): CNY 2025-09 7.12 per USD",
    )


def test_ark_millions_and_billions_conflict() -> None:
    result = reconcile_claims([ARK_SMALL, ARK_BIG], to_usd=fixed_fx)
    group = only(result, "alibaba", "stake_purchase")
    assert group.label == "conflict"
    # 1.6e10 / 1.63e7 = 981.595; minus 1 -> 98,059.5%
    assert group.spread == pytest.approx(98059.509, rel=1e-6)
    low, high = group.sides
    assert [m.claim.article for m in low] == ["blog"]
    assert [m.claim.article for m in high] == ["tabloid"]
    assert group.date == "2025-09-23"


def test_conflicts_sort_first_and_singles_stay() -> None:
    baidu = claim("wire", "baidu", "return_pct", 16.0, window="1d", date="2025-09-17")
    result = reconcile_claims(
        [baidu, TENCENT_CNY, TENCENT_USD, ARK_SMALL, ARK_BIG], to_usd=fixed_fx
    )
    assert [g.label for g in result.groups] == ["conflict", "agree", "single"]
    single = result.groups[-1]
    assert single.entity == "baidu"
    assert single.spread is None
    assert len(single.members) == 1


def test_percent_metrics_compare_in_points() -> None:
    a = claim("a", "baidu", "return_pct", 16.0, window="1d", date="2025-09-17")
    b = claim("b", "baidu", "return_pct", 15.5, window="1d", date="2025-09-17")
    c = claim("c", "baidu", "return_pct", 8.0, window="1d", date="2025-09-17")
    assert only(reconcile_claims([a, b]), "baidu", "return_pct").label == "agree"
    group = only(reconcile_claims([a, b, c]), "baidu", "return_pct")
    assert group.label == "conflict"
    assert group.spread == pytest.approx(8.0)
    assert group.spread_unit == "pp"
    low, high = group.sides  # 8 | 15.5, 16: the 7.5 pp step splits them
    assert [m.claim.article for m in low] == ["c"]
    assert {m.claim.article for m in high} == {"a", "b"}


def test_different_windows_or_days_of_a_price_move_are_different_things() -> None:
    day = claim("a", "hstech", "return_pct", 5.0, window="1d", date="2025-09-17")
    week = claim("b", "hstech", "return_pct", 9.0, window="1w", date="2025-09-17")
    next_day = claim("c", "hstech", "return_pct", 2.0, window="1d", date="2025-09-18")
    result = reconcile_claims([day, week, next_day])
    assert [g.label for g in result.groups] == ["single"] * 3


def test_month_and_day_dates_are_compatible() -> None:
    a = claim("a", "alibaba", "bond_issuance", 3.2e9, currency="USD", date="2025-09")
    b = claim("b", "alibaba", "bond_issuance", 3.2e9, currency="USD", date="2025-09-11")
    c = claim("c", "alibaba", "bond_issuance", 3.2e9, currency="USD", date="2025-10")
    result = reconcile_claims([a, b, c])
    labels = sorted((g.label, g.articles) for g in result.groups)
    assert labels == [("agree", ("a", "b")), ("single", ("c",))]


def test_nearby_days_of_one_deal_group_but_not_far_ones() -> None:
    a = claim("a", "tencent", "bond_issuance", 1.27e9, currency="USD", date="2025-09-22")
    b = claim("b", "tencent", "bond_issuance", 1.27e9, currency="USD", date="2025-09-24")
    c = claim("c", "tencent", "bond_issuance", 1.27e9, currency="USD", date="2025-09-30")
    assert len(reconcile_claims([a, b]).groups) == 1
    assert len(reconcile_claims([a, c]).groups) == 2
    assert len(reconcile_claims([a, c], date_slack_days=10).groups) == 1


def test_an_undated_claim_that_fits_two_groups_is_kept_apart() -> None:
    sept = claim("a", "alibaba", "bond_issuance", 3.2e9, currency="USD", date="2025-09")
    july = claim("b", "alibaba", "bond_issuance", 1.5e9, currency="USD", date="2024-07")
    undated = claim(
        "c", "alibaba", "bond_issuance", 3.2e9, currency="USD", quote="its $3.2bn raise"
    )
    result = reconcile_claims([sept, july, undated])
    assert len(result.groups) == 3
    alone = next(g for g in result.groups if g.articles == ("c",))
    assert "fits 2 groups" in alone.notes[0]


def test_different_buyers_or_listings_do_not_group() -> None:
    ark = claim("a", "alibaba", "stake_purchase", 1.6e7, currency="USD", by="ark-invest")
    other = claim("b", "alibaba", "stake_purchase", 5e8, currency="USD", by="softbank")
    unnamed = claim("c", "alibaba", "stake_purchase", 1.7e7, currency="USD")
    result = reconcile_claims([ark, other, unnamed])
    # the buyer-less claim fits both buyers' groups, so it is ambiguous and kept apart
    assert len(result.groups) == 3
    hk = claim("a", "alibaba", "return_pct", 3.0, window="1d", date="2025-09-17", listing="HK")
    adr = claim("b", "alibaba", "return_pct", 1.0, window="1d", date="2025-09-17", listing="ADR")
    assert len(reconcile_claims([hk, adr]).groups) == 2


def test_one_currency_compares_without_fx() -> None:
    a = claim("a", "southbound", "fund_flow", 1.673e10, currency="HKD", date="2025-09-17")
    b = claim("b", "southbound", "fund_flow", 1.7e10, currency="HKD", date="2025-09-17")
    group = only(reconcile_claims([a, b], to_usd=None), "southbound", "fund_flow")
    assert group.label == "agree"
    assert group.basis == "HKD"
    assert group.spread == pytest.approx((1.7 / 1.673 - 1) * 100)
    assert all(m.usd is None for m in group.members)


def test_value_usd_stated_in_the_text_is_used() -> None:
    a = claim(
        "a", "alibaba", "investment_plan", 3.8e11, currency="CNY", value_usd=5.3e10, window="3y"
    )
    b = claim("b", "alibaba", "investment_plan", 5.3e10, currency="USD", window="3y")
    group = only(reconcile_claims([a, b], to_usd=None), "alibaba", "investment_plan")
    assert group.label == "agree"
    assert group.spread == 0.0
    assert {m.fx for m in group.members} == {"stated in the article", "USD"}


def test_a_currency_without_a_rate_is_a_marked_gap() -> None:
    a = claim("a", "alibaba", "capex", 5e10, currency="EUR", window="2024")
    b = claim("b", "alibaba", "capex", 5.5e10, currency="USD", window="2024")
    group = only(reconcile_claims([a, b], to_usd=fixed_fx), "alibaba", "capex")
    assert group.label == "gap"
    assert group.spread is None
    eur = next(m for m in group.members if m.claim.currency == "EUR")
    assert eur.usd is None and eur.side == -1
    assert eur.fx is not None and eur.fx.startswith("no USD value: EUR")
    assert any("EUR" in n for n in group.notes)


def test_window_year_is_the_fx_date_when_no_claim_has_a_date() -> None:
    seen: list[str | None] = []

    def spy(amount: float, currency: str, when: str | None) -> Conv:
        seen.append(when)
        return fixed_fx(amount, currency, when)

    a = claim("a", "alibaba", "capex", 3.55e11, currency="CNY", window="2024")
    b = claim("b", "alibaba", "capex", 5e10, currency="USD", window="2024")
    assert only(reconcile_claims([a, b], to_usd=spy), "alibaba", "capex").label == "agree"
    assert seen == ["2024"]


def test_high_since_compares_months() -> None:
    a = claim("a", "hstech", "high_since", "2021-11", date="2025-09-17")
    b = claim("b", "hstech", "high_since", "2021-09", date="2025-09-17")
    c = claim("c", "hstech", "high_since", "2022-06", date="2025-09-17")
    group = only(reconcile_claims([a, b]), "hstech", "high_since")
    assert (group.label, group.spread, group.spread_unit) == ("agree", 2.0, "months")
    assert only(reconcile_claims([a, b, c]), "hstech", "high_since").label == "conflict"


def test_win_streaks_must_match_exactly() -> None:
    a = claim("a", "hstech", "win_streak_weeks", 7.0, date="2025-09-19")
    b = claim("b", "hstech", "win_streak_weeks", 6.0, date="2025-09-19")
    assert only(reconcile_claims([a, b]), "hstech", "win_streak_weeks").label == "conflict"


def test_opposite_signs_conflict() -> None:
    a = claim("a", "southbound", "fund_flow", 2e9, currency="HKD", date="2025-09-17")
    b = claim("b", "southbound", "fund_flow", -2e9, currency="HKD", date="2025-09-17")
    group = only(reconcile_claims([a, b]), "southbound", "fund_flow")
    assert group.label == "conflict"
    assert group.spread is not None and math.isinf(group.spread)
    assert group.to_dict()["spread"] is None  # JSON has no infinity


def test_a_chain_of_small_steps_still_has_two_sides() -> None:
    values = {"a": 100.0, "b": 108.0, "c": 116.0}
    claims = [claim(k, "alibaba", "forward_pe", v, date="2025-09") for k, v in values.items()]
    group = only(reconcile_claims(claims), "alibaba", "forward_pe")
    assert group.label == "conflict"  # 116/100 - 1 = 16% > 10%
    assert len(group.sides) == 2


def test_one_article_saying_it_twice_is_single() -> None:
    a = claim("a", "baidu", "revenue_growth_pct", 26.0, window="2025Q2")
    b = claim("a", "baidu", "revenue_growth_pct", 26.0, window="2025Q2", quote="table row")
    group = only(reconcile_claims([a, b]), "baidu", "revenue_growth_pct")
    assert group.label == "single"
    assert group.spread == 0.0


def test_result_frames_summary_and_json() -> None:
    result = reconcile_claims([TENCENT_CNY, TENCENT_USD, ARK_SMALL, ARK_BIG], to_usd=fixed_fx)
    frame = result.to_frame()
    assert list(frame["label"]) == ["conflict", "agree"]
    assert frame.loc[0, "low_usd"] == pytest.approx(1.63e7)
    assert frame.loc[0, "high_usd"] == pytest.approx(1.6e10)
    members = result.members_frame()
    assert len(members) == 4
    assert set(members.loc[members["label"] == "conflict", "side"]) == {0, 1}
    text = result.summary().as_text()
    assert "$16.3M | $16B" in text
    assert "9B CNY (≈$1.27B), $1.27B" in text
    assert "blog | tabloid" in text
    assert "FX: test rate 7.1 CNY/USD at 2025-09" in text
    data = json.loads(json.dumps(result.to_dict()))
    assert data["counts"] == {"conflict": 1, "gap": 0, "agree": 1, "single": 0}
    assert data["groups"][0]["sides"][1][0]["quote"] == "a $16 billion purchase by ARK"


def test_no_claims_no_groups() -> None:
    result = reconcile_claims([])
    assert result.groups == ()
    assert result.to_frame().empty
    assert result.summary().as_text().startswith("Claims reconciled")
