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
        ("below its five-year average", ("average", "5y", None)),
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("its second-quarter sales", ("period", "2025Q2", "2025")),
        ("for the October-December quarter", ("period", "2024Q4", "2024")),
        ("in the three months to March", ("period", "2025Q1", "2025")),
        ("sales in 3Q", ("period", "2025Q3", "2025")),
        ("last quarter's profit", ("period", "2025Q2", "2025")),
        ("its first-half profit", ("period", "2025H1", "2025")),
        ("the 2H outlook", ("period", "2025H2", "2025")),
        ("for the full year 2026", ("year", "2026", "2026")),
        ("capex in FY25", ("year", "2025", "2025")),
        ("the stock ended the week up", ("week", "1w", "2025-09-17")),
        ("a gain this past week", ("week", "1w", "2025-09-17")),
        ("in August alone", ("month", "1m", "2025-08")),
        ("during October", ("month", "1m", "2024-10")),
        ("up 30% so far in 2025", ("ytd", "ytd", "2025-09-17")),
        ("up 30% so far in 2024", ("year", "2024", "2024")),
        ("on Sept. 3", ("point", None, "2025-09-03")),
        ("on December 30", ("point", None, "2024-12-30")),
        ("in mid-July", ("point", None, "2025-07")),
        ("Earlier this month, it sold notes", ("point", None, "2025-09")),
    ],
)
def test_periods_and_months_without_a_year(
    text: str, expected: tuple[str, str | None, str | None]
) -> None:
    assert first(text) == expected


def test_a_since_reference_is_never_a_time_of_the_claim() -> None:
    assert find_time_exprs("its best day since early 2023", WED) == []
    assert find_time_exprs("the most since March", WED) == []
    assert first("up 12% since the start of the year")[0] == "ytd"
