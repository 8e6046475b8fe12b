"""Sentence splitting keeps offsets and does not break on abbreviations, decimals or tickers."""

from __future__ import annotations

from themelens.news.extract.sentences import split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_offsets_point_back_into_the_text() -> None:
    text = "  Shares rose 4.2% on Monday.  The U.S. market was shut!\n\nNext paragraph here."
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text
    assert [s.paragraph for s in split_sentences(text)] == [0, 0, 1]


def test_abbreviations_decimals_and_tickers_do_not_split() -> None:
    text = (
        "Acme Inc. said U.S. sales rose 4.2% as Widget Corp. (NASDAQ:WDGT) fell. "
        "Analysts at Foo Co. expect more in Sept. next year."
    )
    assert texts(text) == [
        "Acme Inc. said U.S. sales rose 4.2% as Widget Corp. (NASDAQ:WDGT) fell.",
        "Analysts at Foo Co. expect more in Sept. next year.",
    ]


def test_sentence_ends_before_a_digit_or_quote() -> None:
    assert texts('It fell. "We are calm," he said. 2025 was good.') == [
        "It fell.",
        '"We are calm," he said.',
        "2025 was good.",
    ]


def test_line_breaks_end_lines_unless_the_sentence_runs_on() -> None:
    text = "Capex may reach $32 billion by\n2025.\nHeadline Without Stop\nnext words continue here."
    assert texts(text) == [
        "Capex may reach $32 billion by\n2025.",
        "Headline Without Stop\nnext words continue here.",
    ]


def test_blank_lines_always_split() -> None:
    assert texts("Alibaba (HK)\n\n+7.2% to 4-yr high") == ["Alibaba (HK)", "+7.2% to 4-yr high"]


def test_empty_and_whitespace() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t ") == []
