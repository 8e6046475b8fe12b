"""Each verdict rule of issue 14 on the real prices in ../shared, end to end from article text.

The articles are made up here (one sentence each); the prices are real. The
figures in the comments were read from the CSV files with plain pandas.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from themelens.config import resolve_settings
from themelens.pipeline.news import check_articles
from themelens.theme import load_theme
from themelens.verify import VerifiedClaim

THEME = load_theme()


def _verify(tmp_path: Path, prices: Path, text: str, *, proxy: bool = False) -> list[VerifiedClaim]:
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    (folder / "story.txt").write_text(text, encoding="utf-8")
    settings = resolve_settings(db=tmp_path / "s.duckdb", prices_dir=prices)
    checked = check_articles(settings, THEME, [str(folder)], proxy=proxy)
    return [r for r in checked.verify.rows if r.claim.metric == "return_pct"]


def test_a_ticker_tag_does_not_choose_the_listing(tmp_path: Path, shared_prices_dir: Path) -> None:
    # 9888.HK closed +15.72% on 2025-09-17; there are no BIDU prices in the shared data
    (row,) = _verify(
        tmp_path,
        shared_prices_dir,
        "date: 2025-09-17\n\nHong Kong stocks rallied on Wednesday. Baidu (NASDAQ:BIDU) led the "
        "move with a 16% jump.\n",
    )
    assert row.ticker == "9888.HK" and row.verdict == "supported"
    assert row.computed == pytest.approx(15.72, abs=0.01)


def test_words_about_where_it_traded_do_choose_it(tmp_path: Path, shared_prices_dir: Path) -> None:
    (row,) = _verify(
        tmp_path,
        shared_prices_dir,
        "date: 2025-09-17\n\nBaidu's ADRs rose 11% overnight in US trading.\n",
    )
    assert row.claim.listing == "ADR" and row.ticker == "BIDU"
    assert row.verdict == "unverifiable" and "no price data for BIDU" in row.reason


def test_a_sunday_article_means_the_last_session(tmp_path: Path, shared_prices_dir: Path) -> None:
    # 2025-09-28 is a Sunday; 9988.HK closed -3.20% on Friday 2025-09-26
    (row,) = _verify(
        tmp_path,
        shared_prices_dir,
        "date: 2025-09-28\n\nAlibaba shares dropped over 3%, ending a strong month.\n",
    )
    assert str(row.asof) == "2025-09-26" and row.verdict == "supported"
    assert (
        "2025-09-28 is not an XHKG session (a weekend); using the previous session 2025-09-26"
        in (row.reason)
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7.8", "supported_intraday"), ("9.5", "contradicted")],
)
def test_as_much_as_against_the_days_high(
    tmp_path: Path, shared_prices_dir: Path, value: str, expected: str
) -> None:
    # 0981.HK on 2025-09-24: close +5.72%, high +7.78% over the previous close
    (row,) = _verify(
        tmp_path,
        shared_prices_dir,
        f"date: 2025-09-24\n\nSMIC rose as much as {value}% on Wednesday.\n",
    )
    assert row.verdict == expected
    assert row.computed == pytest.approx(7.78, abs=0.01)
    assert row.figures is not None and row.figures.close_pct == pytest.approx(5.72, abs=0.01)


def test_a_move_on_the_wrong_day_is_misdated(tmp_path: Path, shared_prices_dir: Path) -> None:
    # 9988.HK: +0.13% on Tuesday 2025-09-23, +9.16% on Wednesday 2025-09-24
    (row,) = _verify(
        tmp_path,
        shared_prices_dir,
        "date: 2025-09-24\n\nAlibaba jumped 9.2% on Tuesday after its cloud event.\n",
    )
    assert str(row.asof) == "2025-09-23" and row.verdict == "misdated"
    assert "the move matches the session of 2025-09-24 (+9.16%)" in row.reason


def test_an_index_claim_without_its_series_is_never_decided_by_a_proxy(
    tmp_path: Path, shared_prices_dir: Path
) -> None:
    rows = _verify(
        tmp_path,
        shared_prices_dir,
        "date: 2025-09-24\n\nThe Hang Seng Tech Index surged 4.2% on Wednesday. The Nasdaq "
        "Composite fell 0.9% overnight.\n",
        proxy=True,
    )
    index = next(r for r in rows if r.claim.entity == "hstech")
    assert index.verdict == "unverifiable" and index.proxy and index.computed is None
    assert index.reason.startswith("no index series for hstech (HSTECH.HK: ")
    assert "an equal-weight proxy of" in index.reason
    # an index with its own series is checked on it: ^IXIC closed -0.95% on 2025-09-23
    nasdaq = next(r for r in rows if r.claim.entity == "nasdaq-composite")
    assert nasdaq.ticker == "^IXIC" and nasdaq.verdict == "supported"
    assert str(nasdaq.asof) == "2025-09-23"  # "overnight": the US session before


def test_a_window_the_quote_does_not_state_yields_to_the_day(shared_prices_dir: Path) -> None:
    # 1347.HK closed +6.99% on 2025-07-24 and was up far more on the year; a "ytd" read from
    # the article's context must not turn "increased by 7%" into a confident red verdict
    from themelens.data.providers import CsvProvider, fetch_prices
    from themelens.news.claim import Claim
    from themelens.verify import verify_claims

    prices = fetch_prices(CsvProvider(shared_prices_dir), ["1347.HK"]).frame
    claim = Claim(
        "hua-hong", "return_pct", 7.0, window="ytd", date="2025-07-24",
        quote="Hua Hong's stock increased by 7%", article="a",
    )  # fmt: skip
    (row,) = verify_claims([claim], prices=prices, theme=THEME, article_dates={}).rows
    assert row.verdict == "supported" and row.computed == pytest.approx(6.99, abs=0.01)
    assert "the quote names no window and the day matches" in row.reason
    stated = Claim(
        "hua-hong", "return_pct", 7.0, window="ytd", date="2025-07-24",
        quote="Hua Hong's stock has increased by 7% this year", article="a",
    )  # fmt: skip
    (row,) = verify_claims([stated], prices=prices, theme=THEME, article_dates={}).rows
    assert row.verdict == "contradicted" and "ytd close-to-close" in row.reason
