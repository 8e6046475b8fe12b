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
DATES = {"a": date(2025, 9, 17)}


def verdict(claim: Claim, prices: pd.DataFrame = HAND, **kw: object) -> tuple[str, object, str]:
    result = verify_claims([claim], prices=prices, theme=THEME, article_dates=DATES, **kw)  # type: ignore[arg-type]
    (row,) = result.rows
    return row.verdict, row.computed, row.reason


def ret(value: float, qualifier: str | None = None, **kw: str) -> Claim:
    return Claim(
        "baidu",
        "return_pct",
        value,
        window="1d",
        qualifier=qualifier,
        quote="Baidu rose",
        article="a",
        **kw,
    )


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
        (17.5, "up_to", "supported"),  # 16 <= 17.5 + 1.6
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


def test_weekend_is_unverifiable_with_the_reason() -> None:
    status, computed, reason = verdict(ret(16.0, date="2025-09-20"))
    assert (status, computed) == ("unverifiable", None)
    assert "2025-09-20 is not an XHKG session" in reason


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
        verdict(Claim("baidu", "capex", 1e9, currency="CNY", article="a"))[2]
        == "not a market claim"
    )
    assert (
        verdict(Claim("baidu", "forward_pe", 12.0, article="a"))[2]
        == "no valuation source configured"
    )


def test_index_without_series_then_with_proxy() -> None:
    claim = Claim(
        "hstech", "return_pct", 16.0, window="1d", quote="the Tech Index rose", article="a"
    )
    assert verdict(claim)[2] == "no series for hstech"
    result = verify_claims([claim], prices=HAND, theme=THEME, article_dates=DATES, proxy=True)
    (row,) = result.rows
    # a proxy of one constituent moves exactly like it
    assert row.proxy and row.verdict == "supported" and row.computed == pytest.approx(16.0)
    assert row.reason.startswith("proxy")


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
    assert tickers_to_load([claim], THEME) == ("BIDU",)
    assert tickers_to_load([ret(16.0)], THEME) == ("9888.HK",)
    adr = Claim(
        "alibaba", "return_pct", 3.0, window="1d", quote="Alibaba's ADRs rose 3%", article="a"
    )
    shanghai = Claim(
        "smic", "return_pct", 3.0, window="1d", quote="Shanghai-listed SMIC rose 3%", article="a"
    )
    assert tickers_to_load([adr, shanghai], THEME) == ("BABA", "688981.SS")


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
    assert status == "unverifiable" and "gap" in reason


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
            Claim("baidu", "capex", 1.0, article="x"),
            None,
            None,
            None,
            "unverifiable",
            "not a market claim",
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
    assert tally.loc["x"].tolist() == [
        2,
        1,
        1,
        0,
        0,
        0,
    ]  # claims, checked, supported, intraday, contradicted, unverifiable
    assert tally.loc["y"].tolist() == [2, 2, 0, 0, 1, 1]
    assert tally.loc["(all)"].tolist() == [4, 3, 1, 0, 1, 1]
