"""Money, percent and multiple parsing, in the many ways financial news writes them."""

from __future__ import annotations

import pytest

from themelens.news.extract.numbers import find_quantities, parse_count


def one(text: str) -> tuple[str, float, str | None]:
    found = find_quantities(text)
    assert len(found) == 1, found
    q = found[0]
    assert text[q.start : q.end].strip()
    return q.kind, q.value, q.currency


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("raised $3.2 billion", 3.2e9, "USD"),
        ("a target of US$245 a share", 245.0, "USD"),
        ("bought HK$16.73bn of stock", 16.73e9, "HKD"),
        ("spent RMB 50 billion", 5e10, "CNY"),
        ("tapping investors for 9 billion yuan", 9e9, "CNY"),
        ("a net buy of 16.73 billion HKD", 16.73e9, "HKD"),
        ("worth $16.3M in all", 16.3e6, "USD"),
        ("a 1.2 trillion yuan plan", 1.2e12, "CNY"),
        ("about 500 mln yuan", 5e8, "CNY"),
        ("CNY 3,500 million", 3.5e9, "CNY"),
        ("a €2bn deal", 2e9, "EUR"),
    ],
)
def test_money(text: str, value: float, currency: str) -> None:
    assert one(text) == ("money", pytest.approx(value), currency)


def test_bracketed_dollar_figure_is_value_usd_not_a_second_amount() -> None:
    found = find_quantities("pledged 380 billion yuan ($53 billion) over three years")
    assert len(found) == 1
    assert found[0].value == pytest.approx(3.8e11)
    assert found[0].value_usd == pytest.approx(5.3e10)


@pytest.mark.parametrize(
    ("text", "value"),
    [("rose 4.2%", 4.2), ("up 4.2 per cent", 4.2), ("gained 16 percent", 16.0),
     ("+7.8% on the day", 7.8), ("-3.5% lower", -3.5), ("a 16.96% rise", 16.96)],
)  # fmt: skip
def test_percent(text: str, value: float) -> None:
    assert one(text) == ("percent", pytest.approx(value), None)


def test_percent_range_keeps_both_bounds() -> None:
    for text in ("growth of 8%-10%", "growth of 8-10%", "growth of 8 to 10 per cent"):
        (q,) = find_quantities(text)
        assert (q.value, q.high) == (8.0, 10.0)


def test_percentage_points_are_not_percentages() -> None:
    assert find_quantities("margins widened 2 percentage points") == []


@pytest.mark.parametrize("text", ["at 21x forward earnings", "at 21 times forward earnings"])
def test_multiple(text: str) -> None:
    assert one(text) == ("multiple", 21.0, None)


def test_times_as_comparison_is_not_a_multiple() -> None:
    assert find_quantities("three times more users, 4 times as many") == []


def test_years_counts_points_and_citations_are_not_quantities() -> None:
    text = "In 2025 the index hit 26,500 points[4] with 7 models, H20 chips and 9988.HK"
    assert find_quantities(text) == []


@pytest.mark.parametrize(
    ("token", "n"),
    [("7", 7), ("seven", 7), ("seventh", 7), ("7th", 7), ("Third", 3), ("zillion", None)],
)
def test_parse_count(token: str, n: int | None) -> None:
    assert parse_count(token) == n
