"""Metric classification from the words around a number, and phrase-level claims."""

from __future__ import annotations

from datetime import date

import pytest

from themelens.news.extract.metrics import classify
from themelens.news.extract.numbers import find_quantities
from themelens.news.extract.phrases import find_phrases


def metrics(text: str) -> list[tuple[str | None, bool]]:
    out = []
    for q in find_quantities(text):
        call = classify(text, q, 0, len(text))
        out.append((call.metric, call.negative) if call else (None, False))
    return out


@pytest.mark.parametrize(
    ("text", "metric", "negative"),
    [
        ("Xiaomi shares jumped 6.1% in Hong Kong", "return_pct", False),
        ("the benchmark slid 2.3 per cent", "return_pct", True),
        ("a 123% surge in capital spending", "capex_growth_pct", False),
        ("capex fell 12% from a year earlier", "capex_growth_pct", True),
        ("cloud revenue grew 26% year on year", "revenue_growth_pct", False),
        ("net profit dropped 40%", "net_income_growth_pct", True),
        ("a 16.96% increase in net income", "net_income_growth_pct", False),
        ("up to 80% of new centres remain unused", "idle_capacity_pct", False),
        ("still about 70% below its 2021 peak", "drawdown_from_peak_pct", False),
        ("hit the daily 10% limit", "return_pct", False),
    ],
)
def test_percent_metrics(text: str, metric: str, negative: bool) -> None:
    assert metrics(text) == [(metric, negative)]


@pytest.mark.parametrize(
    ("text", "metric"),
    [
        ("raised $3.2 billion in convertible bonds", "bond_issuance"),
        ("tapped the offshore bond market for 9 billion yuan", "bond_issuance"),
        ("funds purchased $16.3 million worth of its ADRs", "stake_purchase"),
        ("southbound net buying of HK$16.7 billion", "fund_flow"),
        ("collectively spent RMB 50 billion on capital expenditure", "capex"),
        ("a $53 billion, three-year investment plan", "investment_plan"),
        ("pledged to invest 380 billion yuan", "investment_plan"),
        ("the AI market will grow to $200 billion", "market_size"),
        ("raised its price target to US$245", "price_target"),
    ],
)
def test_money_metrics(text: str, metric: str) -> None:
    assert metrics(text) == [(metric, False)]


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia holds a 90% market share",
        "the tariff rate rose to 145%",
        "revenue reached 247 billion yuan",
        "a market value of $300 billion",
        "about 3% of the population uses it",
        "the shares trade at 12 times book value",
    ],
)
def test_numbers_that_fit_no_metric(text: str) -> None:
    assert metrics(text) and all(m is None for m, _ in metrics(text))


def test_old_price_target_is_not_a_claim() -> None:
    assert metrics("lifted its price target to US$245 from US$200") == [
        ("price_target", False), (None, False),
    ]  # fmt: skip


def test_forward_pe_needs_a_valuation_cue() -> None:
    assert metrics("trading at 21 times forward earnings") == [("forward_pe", False)]
    assert metrics("demand grew 21 times") == [(None, False)]
    assert metrics("it is 21x bigger") == [(None, False)]


def test_phrases() -> None:
    published = date(2025, 9, 17)
    found = find_phrases(
        "It hit its highest level since November 2021, a four-year high, in a seventh straight "
        "week of gains; levels not seen in over four years. Cambricon hit the daily limit.",
        published,
    )
    got = [(p.metric, p.value, p.qualifier) for p in found]
    assert got == [
        ("high_since", "2021-11", None),
        ("high_since", "2021-09", None),
        ("win_streak_weeks", 7.0, None),
        ("high_since", "2021-09", "over"),
        ("return_pct", 10.0, "limit_up"),
    ]


def test_year_counted_highs_need_the_article_date() -> None:
    assert find_phrases("a four-year high", None) == []
    assert find_phrases("a 3-week winning streak", None)[0].value == 3.0


def test_losing_streaks_are_not_win_streaks() -> None:
    assert find_phrases("its fifth straight week of losses", None) == []
