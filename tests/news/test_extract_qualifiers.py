"""Hedges right before a number."""

from __future__ import annotations

import pytest

from themelens.news.extract.qualifiers import qualifier_before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SMIC rose nearly 8%", "nearly"),
        ("gained over 7%", "over"),
        ("more than $1 billion", "over"),
        ("at roughly 21 times", "about"),
        ("about 70% below", "about"),
        ("up to 80% of centres", "up_to"),
        ("jumped as much as 12%", "up_to"),
        ("at least $5 billion", "at_least"),
        ("almost 9%", "nearly"),
        ("~8%", "about"),
        ("rose 8%", None),
        ("above the 380 billion yuan", None),
        ("a jump of 5%", None),
    ],
)
def test_qualifier_before_the_number(text: str, expected: str | None) -> None:
    start = next(i for i, ch in enumerate(text) if ch.isdigit() or ch == "$")
    assert qualifier_before(text, start) == expected
