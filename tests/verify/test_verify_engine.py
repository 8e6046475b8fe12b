"""Verdicts on hand-built prices, and on the real prices in ../shared when present."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from themelens.data.providers import CsvProvider, fetch_prices
from themelens.news.claim import Claim
from themelens.theme import load_theme
from themelens.verify import Tolerances, tickers_to_load, verify_claims
from themelens.verify.tolerances import board_limit_pct, return_matches

THEME = load_theme()

# 9888.HK (Baidu) on four XHKG sessions, 2025-09-15..18 (Mon..Thu).
# 16 Sep close 100, 17 Sep close 116 (+16.00%), high 120 (+20%), low 99 (-1%).
HAND = pd.DataFrame(
    {
        "date": pd.to_datetime(["2025-09-15", "2025-09-16", "2025-09-17", "2025-09-18"]),
        "ticker": "9888.HK",
        "open": [99.0, 99.0, 101.0, 115.0],
        "high": [101.0, 101.0, 120.0, 117.0],
        "low": [98.0, 98.0, 99.0, 113.0],
        "close": [100.0, 100.0, 116.0, 114.0],
        "volume": 1e6,
        "provider": "csv",
    }
)
DATES = {"a": date(2025, 9, 17), "b": date(2025, 9, 19)}


def verdict(claim: Claim, prices: pd.DataFrame = HAND, **kw: object) -> tuple[str, object, str]:
    result = verify_claims([claim], prices=prices, theme=THEME, article_dates=DATES, **kw)  # type: ignore[arg-type]
    (row,) = result.rows
    return row.verdict, row.computed, row.reason


def ret(value: float, qualifier: str | None = None, **kw: str) -> Claim:
    fields = {"window": "1d", "quote": "Baidu rose", "article": "a", **kw}
    return Claim("baidu", "return_pct", value, qualifier=qualifier, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "qualifier", "expected"),
    [
        (16.0, None, "supported"),  # exact
        (15.0, None, "supported"),  # |15-16| = 1.0 <= max(0.5, 1.6)
        (
            14.0,
            None,
            "supported_intraday",
        ),  # 2.0 > 1.6 at the close, but 14 lies in the day's [-1, +20]
        (17.5, "nearly", "supported"),  # 16 <= 17.5 and 17.5 - 16 = 1.5 <= max(0.5, 1.6)
        (15.0, "over", "supported"),  # 16 >= 15 - 1.6
        (25.0, None, "contradicted"),  # outside the day's range too
        (-5.0, None, "contradicted"),  # a fall; the day never went below -1%
        (19.5, None, "supported_intraday"),  # close misses (3.5 > 1.6), the high (+20%) reaches it
    ],
)
def test_return_claims_on_the_hand_frame(
    value: float, qualifier: str | None, expected: str
) -> None:
    status, computed, _ = verdict(ret(value, qualifier))
    assert status == expected
    assert computed == pytest.approx(16.0, abs=1e-9)


def test_intraday_reason_shows_the_range() -> None:
    status, _, reason = verdict(ret(19.5))
    assert status == "supported_intraday"
    assert "-1.00% to +20.00%" in reason


def test_a_weekend_day_resolves_to_the_previous_session_with_a_note() -> None:
    friday = pd.concat(
        [HAND, HAND.iloc[[-1]].assign(date=pd.Timestamp("2025-09-19"), close=117.14)]
    )  # Fri 19 Sep: +2.76% on 114
    status, computed, reason = verdict(ret(2.8, date="2025-09-20"), friday)
    assert status == "supported" and computed == pytest.approx(2.7544, abs=1e-3)
    assert (
        "2025-09-20 is not an XHKG session (a weekend); using the previous session 2025-09-19"
        in reason
    )
    # the data end on Thursday: Saturday's previous session (Friday) is not in them
    status, computed, reason = verdict(ret(16.0, date="2025-09-20"))
    assert (status, computed) == ("unverifiable", None)
    assert "after the last session in the data for 9888.HK (2025-09-18)" in reason


def test_as_much_as_is_checked_against_the_days_extreme() -> None:
    # 17 Sep: close +16%, high +20%, low -1% against the 16th's close of 100
    as_much = ret(19.5, "up_to", quote="Baidu rose as much as 19.5%")
    status, computed, reason = verdict(as_much)
    assert status == "supported_intraday" and computed == pytest.approx(20.0)
    assert "the day's high +20.00% on 2025-09-17 (close +16.00%)" in reason
    # a smaller close no longer "supports" a bigger intraday figure, nor does the high miss it
    status, computed, _ = verdict(ret(25.0, "up_to", quote="rose as much as 25%"))
    assert status == "contradicted" and computed == pytest.approx(20.0)
    # the qualifier alone (spec: up_to) makes it an extreme, and a fall reads the low
    assert verdict(ret(-1.0, "up_to", quote="fell as much as 1%"))[0] == "supported_intraday"
    assert verdict(ret(-6.0, "up_to", quote="fell up to 6%"))[0] == "contradicted"


def test_a_move_that_happened_on_another_session_is_misdated() -> None:
    # 18 Sep: 114 on 116 = -1.72%; claimed for the 17th, where the close was +16%
    status, computed, reason = verdict(ret(-1.7, date="2025-09-17", article="b"))
    assert status == "misdated" and computed == pytest.approx(-1.7241, abs=1e-3)
    assert "the move matches the session of 2025-09-18 (-1.72%)" in reason
    assert verdict(ret(-9.0, date="2025-09-17", article="b"))[0] == "contradicted"
    # an article written on the 17th cannot have reported the 18th
    assert verdict(ret(-1.7, date="2025-09-17", article="a"))[0] == "contradicted"


def test_every_row_shows_the_session_its_close_and_its_range() -> None:
    result = verify_claims([ret(16.0)], prices=HAND, theme=THEME, article_dates=DATES)
    (row,) = result.rows
    assert row.figures is not None and row.figures.session == date(2025, 9, 17)
    assert (row.figures.close_pct, row.figures.low_pct, row.figures.high_pct) == (16.0, -1.0, 20.0)
    record = row.to_dict()
    assert (record["session_close_pct"], record["day_low_pct"], record["day_high_pct"]) == (
        16.0,
        -1.0,
        20.0,
    )


def test_a_move_without_a_window_is_the_days_and_says_so() -> None:
    claim = Claim("baidu", "return_pct", 16.0, quote="Baidu rose 16%", article="a")
    status, _, reason = verdict(claim)
    assert status == "supported" and "no window in the text: checked the day's move" in reason


def test_a_window_read_from_context_yields_to_a_matching_day() -> None:
    # the week's move (15th's 100 -> 18th's 114 is not 5 sessions back: not enough history)
    # so use a year: 2025 from the last close of 2024 is not in HAND -> the period is not covered
    weekly = Claim("baidu", "return_pct", 16.0, window="ytd", quote="Baidu rose 16%", article="a")
    status, _, reason = verdict(weekly)
    assert status == "unverifiable" and "not enough history for a ytd return" in reason


def test_bad_claims_are_unverifiable_in_one_line_and_the_batch_goes_on() -> None:
    claims = [
        ret(16.0, date="2025-09-10"),  # before the data start
        Claim("baidu", "return_pct", "sixteen", window="1d", quote="q", article="a"),
        Claim("deepseek", "return_pct", 5.0, window="1d", article="a"),  # no listing
        Claim("pop-mart", "return_pct", 5.0, window="1d", article="a"),  # not in the theme
        Claim("baidu", "high_since", "November", article="a"),
        ret(16.0),
    ]
    rows = verify_claims(claims, prices=HAND, theme=THEME, article_dates=DATES).rows
    assert [r.verdict for r in rows] == ["unverifiable"] * 5 + ["supported"]
    assert "before the data for 9888.HK start (2025-09-15)" in rows[0].reason
    assert rows[1].reason.startswith("cannot check the claimed value 'sixteen'")
    assert "is not in the theme" in rows[3].reason
    assert "is not YYYY-MM" in rows[4].reason
    assert all("\n" not in r.reason for r in rows)


def test_gap_in_the_data_is_unverifiable() -> None:
    gappy = HAND[HAND["date"] != "2025-09-17"]
    status, _, reason = verdict(ret(16.0), gappy)
    assert status == "unverifiable" and "gap" in reason


def test_no_date_anywhere_is_unverifiable() -> None:
    claim = Claim("baidu", "return_pct", 16.0, window="1d", quote="q", article="unknown")
    status, _, reason = verdict(claim)
    assert status == "unverifiable" and "no date" in reason


def test_entity_without_listing_and_groups_and_non_market() -> None:
    assert (
        verdict(Claim("deepseek", "return_pct", 5.0, window="1d", article="a"))[2]
        == "deepseek has no listing in the theme"
    )
    assert "several entities" in verdict(Claim("alibaba+baidu", "return_pct", 5.0, article="a"))[2]
    assert (
        verdict(Claim("baidu", "investment_plan", 1e9, currency="CNY", article="a"))[2]
        == "no source checks investment_plan claims"
    )
    # fundamentals claims with no source configured say so
    assert verdict(Claim("baidu", "forward_pe", 12.0, article="a"))[2].startswith(
        "no fundamentals source configured"
    )
    assert verdict(Claim("baidu", "capex", 1e9, currency="CNY", article="a"))[0] == "unverifiable"


def test_every_metric_with_a_check_is_counted_as_checked() -> None:
    from themelens.news.claim import MARKET_METRICS
    from themelens.verify import FUNDAMENTAL_METRICS
    from themelens.verify.result import CHECKED_METRICS

    assert frozenset(MARKET_METRICS) | FUNDAMENTAL_METRICS == CHECKED_METRICS


def test_index_without_series_then_with_proxy() -> None:
    claim = Claim(
        "hstech", "return_pct", 16.0, window="1d", quote="the Tech Index rose", article="a"
    )
    assert verdict(claim)[2] == "no index series for hstech (HSTECH.HK)"
    # a proxy of one constituent moves exactly like it, and still decides nothing
    for value in (16.0, -30.0):
        wrong = Claim("hstech", "return_pct", value, window="1d", quote="rose", article="a")
        result = verify_claims([wrong], prices=HAND, theme=THEME, article_dates=DATES, proxy=True)
        (row,) = result.rows
        assert row.proxy and row.verdict == "unverifiable" and row.computed is None
        assert row.reason.startswith(
            "no index series for hstech (HSTECH.HK); an equal-weight proxy of 1 constituents: "
            "close-to-close +16.00% on 2025-09-17"
        )
        assert row.reason.endswith("(a proxy is not the index, so it decides nothing)")


def test_win_streak_and_drawdown() -> None:
    # weeks: only one week of data -> the current week has no previous week -> streak 0
    assert verdict(Claim("baidu", "win_streak_weeks", 1, article="a"))[0] == "contradicted"
    assert verdict(Claim("baidu", "win_streak_weeks", 0, article="a"))[0] == "supported"
    # at the 17th the close (116) is the peak: drawdown 0; claimed 4 is within 5 pp
    assert verdict(Claim("baidu", "drawdown_from_peak_pct", 4, article="a"))[0] == "supported"
    assert verdict(Claim("baidu", "drawdown_from_peak_pct", 6, article="a"))[0] == "contradicted"


def test_listing_named_in_the_quote_wins() -> None:
    claim = Claim(
        "baidu",
        "return_pct",
        16.0,
        window="1d",
        quote="Baidu (NASDAQ:BIDU) jumped 16%",
        article="a",
    )
    assert tickers_to_load([claim], THEME) == ("9888.HK",)  # a tag is decoration
    assert tickers_to_load([ret(16.0)], THEME) == ("9888.HK",)
    adr = Claim(
        "alibaba", "return_pct", 3.0, window="1d", quote="Alibaba's ADRs rose 3%", article="a"
    )
    shanghai = Claim(
        "smic", "return_pct", 3.0, window="1d", quote="Shanghai-listed SMIC rose 3%", article="a"
    )
    assert tickers_to_load([adr, shanghai], THEME) == ("BABA", "688981.SS")
    overnight = Claim(
        "baidu",
        "return_pct",
        3.0,
        window="1d",
        quote="rose 3% overnight in US trading",
        article="a",
    )
    onshore = Claim("smic", "return_pct", 3.0, window="1d", quote="3% onshore", article="a")
    hinted = Claim(
        "baidu", "return_pct", 3.0, window="1d", quote="rose 3%", listing="ADR", article="a"
    )
    assert tickers_to_load([overnight, onshore, hinted], THEME) == ("BIDU", "688981.SS")
    # a venue the entity has no listing on is not checked on another line
    nvda = Claim("hua-hong", "return_pct", 3.0, window="1d", quote="Hua Hong's ADRs", article="a")
    assert "the theme has no US listing for hua-hong" in verdict(nvda)[2]


def test_tolerance_rules_by_hand() -> None:
    tol = Tolerances()
    assert return_matches(7.0, 6.6, "over", tol)  # 6.6 >= 7 - 0.66
    assert not return_matches(7.0, 6.0, "over", tol)  # 6.0 < 7 - 0.6
    assert not return_matches(8.0, 8.2, "nearly", tol)  # nearly 8 cannot be 8.2
    assert return_matches(10.0, 9.8, "limit_up", tol, ticker="002371.SZ")  # 9.8 >= 10 - 0.5
    assert not return_matches(20.0, 10.0, "limit_up", tol, ticker="688981.SS")  # STAR limit is 20
    assert board_limit_pct("0981.HK") is None
    assert not return_matches(10.0, 10.0, "limit_up", tol, ticker="0981.HK")  # no board limit in HK
    loose = Tolerances(return_pp=3.0)
    assert return_matches(16.0, 13.5, None, loose) and not return_matches(16.0, 13.5, None, tol)


# --- the real prices ----------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_prices_dir: Path) -> pd.DataFrame:
    return fetch_prices(
        CsvProvider(shared_prices_dir), ["9888.HK", "0981.HK", "1347.HK", "9988.HK"]
    ).frame


def test_real_baidu_16pct_is_supported(real: pd.DataFrame) -> None:
    claim = Claim(
        "baidu",
        "return_pct",
        16.0,
        window="1d",
        date="2025-09-17",
        quote="Baidu jumped 16%",
        article="a",
    )
    status, computed, _ = verdict(claim, real)
    assert status == "supported"
    assert computed == pytest.approx(15.72, abs=0.01)


def test_real_smic_nearly_8pct_is_intraday(real: pd.DataFrame) -> None:
    claim = Claim(
        "smic",
        "return_pct",
        8.0,
        window="1d",
        date="2025-09-24",
        qualifier="nearly",
        quote="SMIC rose nearly 8%",
        article="a",
    )
    status, computed, reason = verdict(claim, real)
    assert status == "supported_intraday"
    assert computed == pytest.approx(5.72, abs=0.01)
    assert "+7.78%" in reason
    hua = Claim(
        "hua-hong",
        "return_pct",
        9.0,
        window="1d",
        date="2025-09-24",
        quote="Hua Hong climbed 9%",
        article="a",
    )
    assert verdict(hua, real)[0] == "supported_intraday"


def test_real_made_up_move_is_contradicted_and_missing_day_unverifiable(real: pd.DataFrame) -> None:
    made_up = Claim(
        "baidu",
        "return_pct",
        30.0,
        window="1d",
        date="2025-09-17",
        quote="Baidu soared 30%",
        article="a",
    )
    assert verdict(made_up, real)[0] == "contradicted"
    future = Claim(
        "baidu",
        "return_pct",
        3.0,
        window="1d",
        date="2026-11-02",
        quote="Baidu rose 3%",
        article="a",
    )
    status, _, reason = verdict(future, real)
    assert status == "unverifiable" and "after the last session in the data" in reason


def test_real_alibaba_four_year_high(real: pd.DataFrame) -> None:
    claim = Claim(
        "alibaba", "high_since", "2021-09", date="2025-09-24", quote="a four-year high", article="a"
    )
    status, computed, _ = verdict(claim, real)
    assert status == "supported" and computed == "2021-10"


def test_tally_counts_market_claims_by_verdict() -> None:
    from themelens.verify import VerifiedClaim, VerifyResult

    rows = (
        VerifiedClaim(
            Claim("baidu", "return_pct", 1.0, article="x"), "9888.HK", None, 1.0, "supported", "r"
        ),
        VerifiedClaim(
            Claim("baidu", "investment_plan", 1.0, article="x"),
            None,
            None,
            None,
            "unverifiable",
            "no source checks investment_plan claims",
        ),
        VerifiedClaim(
            Claim("baidu", "return_pct", 1.0, article="y"),
            "9888.HK",
            None,
            None,
            "unverifiable",
            "gap",
        ),
        VerifiedClaim(
            Claim("smic", "high_since", "2021-01", article="y"),
            "0981.HK",
            None,
            "2024-01",
            "contradicted",
            "r",
        ),
    )
    tally = VerifyResult(rows, Tolerances()).tally().set_index("article")
    # claims, checked, supported, intraday, misdated, contradicted, unverifiable
    assert tally.loc["x"].tolist() == [2, 1, 1, 0, 0, 0, 0]
    assert tally.loc["y"].tolist() == [2, 2, 0, 0, 0, 1, 1]
    assert tally.loc["(all)"].tolist() == [4, 3, 1, 0, 0, 1, 1]
