"""Time expressions resolved against an article date (Wednesday 2025-09-17)."""

from __future__ import annotations

from datetime import date

import pytest

from themelens.news.extract.dates import find_time_exprs, months_before

WED = date(2025, 9, 17)


def first(text: str, published: date | None = WED) -> tuple[str, str | None, str | None]:
    found = find_time_exprs(text, published)
    assert found, text
    return found[0].kind, found[0].window, found[0].date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the stock surged on Wednesday", ("day", "1d", "2025-09-17")),
        ("the stock surged on Monday", ("day", "1d", "2025-09-15")),
        ("shares fell yesterday", ("day", "1d", "2025-09-16")),
        ("posting a 16% gain in a single day", ("day", "1d", "2025-09-17")),
        ("up 41% this year", ("ytd", "ytd", "2025-09-17")),
        ("a year-to-date gain", ("ytd", "ytd", "2025-09-17")),
        ("Last week, Tencent sold bonds", ("week", "1w", "2025-09-10")),
        ("in the first half of 2024", ("period", "2024H1", "2024")),
        ("in 1H24", ("period", "2024H1", "2024")),
        ("in the third quarter of 2025", ("period", "2025Q3", "2025")),
        ("revenue in Q2 2025", ("period", "2025Q2", "2025")),
        ("in the June quarter", ("period", "2025Q2", "2025")),
        ("net income for FY2024", ("year", "2024", "2024")),
        ("in fiscal 2024", ("year", "2024", "2024")),
        ("a spree in September 2025", ("point", None, "2025-09")),
        ("unused as of early 2025", ("point", None, "2025")),
        ("nearly $200 billion by 2031", ("target", "2031", "2031")),
        ("a three-year plan", ("duration", "3y", None)),
        ("over the next five years", ("duration", "5y", None)),
        ("below its five-year average", ("duration", "5y", None)),
        ("on September 18, 2025", ("point", None, "2025-09-18")),
    ],
)
def test_expressions(text: str, expected: tuple[str, str | None, str | None]) -> None:
    assert first(text) == expected


def test_same_period_takes_the_half_of_the_other_period() -> None:
    found = find_time_exprs(
        "in the first half of 2024, double the sum in the same period in 2023", WED
    )
    assert [t.window for t in found] == ["2024H1", "2023H1"]


def test_relative_expressions_need_the_article_date() -> None:
    assert find_time_exprs("it rose on Wednesday this year", None) == []
    assert first("in 2024", None) == ("year", "2024", "2024")


def test_since_month_is_a_reference_not_a_date() -> None:
    assert find_time_exprs("highest since November 2021", WED) == []


def test_counts_of_years_ago_are_not_windows() -> None:
    assert find_time_exprs("for the first time in four years", WED) == []


def test_months_before() -> None:
    assert months_before(WED, 48) == "2021-09"
    assert months_before(date(2025, 1, 5), 1) == "2024-12"
