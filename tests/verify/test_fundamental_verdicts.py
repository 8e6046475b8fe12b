"""Fundamentals verdicts on hand-made statement, valuation and flow frames, and on recordings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from themelens.data.fundamentals import VALUATION_COLUMNS, validate_valuation
from themelens.data.fx import to_usd
from themelens.news.claim import Claim
from themelens.theme import load_theme
from themelens.verify import (
    FUNDAMENTAL_METRICS,
    FundamentalsEvidence,
    FundamentalTolerances,
    check_fundamental_claim,
    fundamental_tickers,
    fundamentals_needed,
    load_fundamentals_evidence,
)
from themelens.verify.fundamental_tolerances import figure_matches

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings"
THEME = load_theme()

# 0700.HK: December year, calendar quarters; 9988.HK: fiscal year to March.
ROWS = [
    ("0700.HK", "quarterly", "2024-06-30", "revenue", 161.1e9, "HKD"),
    ("0700.HK", "quarterly", "2025-03-31", "revenue", 180.0e9, "HKD"),
    ("0700.HK", "quarterly", "2025-06-30", "revenue", 184.5e9, "HKD"),
    ("0700.HK", "quarterly", "2024-06-30", "net_income", -2.0e9, "HKD"),
    ("0700.HK", "quarterly", "2025-06-30", "net_income", 5.0e9, "HKD"),
    ("0700.HK", "quarterly", "2024-03-31", "capex", 14.0e9, "CNY"),
    ("0700.HK", "quarterly", "2024-06-30", "capex", 7.0e9, "CNY"),
    ("0700.HK", "quarterly", "2025-03-31", "capex", 27.5e9, "CNY"),
    ("0700.HK", "quarterly", "2025-06-30", "capex", 19.1e9, "CNY"),
    ("0700.HK", "annual", "2023-12-31", "capex", 23.9e9, "CNY"),
    ("0700.HK", "annual", "2024-12-31", "capex", 76.8e9, "CNY"),
    ("0700.HK", "quarterly", "2024-12-31", "capex", 36.6e9, "CNY"),
    ("9988.HK", "annual", "2023-03-31", "net_income", 72.5e9, "CNY"),
    ("9988.HK", "annual", "2024-03-31", "net_income", 80.0e9, "CNY"),
    ("9988.HK", "quarterly", "2024-06-30", "revenue", 243.2e9, "CNY"),
    ("9988.HK", "quarterly", "2025-06-30", "revenue", 247.7e9, "CNY"),
    ("9988.HK", "quarterly", "2024-06-30", "net_income", 24.0e9, "USD"),
    ("9988.HK", "quarterly", "2025-06-30", "net_income", 43.1e9, "CNY"),
]


def _statements() -> pd.DataFrame:
    frame = pd.DataFrame(
        ROWS, columns=["ticker", "freq", "period_end", "item", "value", "currency"]
    )
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    frame["provider"] = "yahoo"
    frame["source"] = "https://finance.yahoo.com/quote/0700.HK/financials"
    return frame


def _valuation() -> pd.DataFrame:
    weeks = pd.date_range("2019-01-04", "2025-09-26", freq="7D")
    frame = pd.DataFrame({"date": weeks, "ticker": "0700.HK", "pe_fwd": 20.0, "pe_trailing": 25.0})
    frame.loc[frame["date"] >= "2025-01-01", "pe_fwd"] = 18.0
    short = pd.DataFrame({"date": weeks[-100:], "ticker": "9988.HK", "pe_fwd": 12.0})
    press = pd.DataFrame({"date": [pd.Timestamp("2025-09-26")], "ticker": "9888.HK", "pe_fwd": 9.0,
                          "provider": "press reports"})  # fmt: skip
    out = pd.concat([frame.assign(provider="csv"), short.assign(provider="csv"), press])
    return validate_valuation(out.assign(source="test"))


def _flows() -> pd.DataFrame:
    days = pd.bdate_range("2025-09-15", "2025-09-19")
    return pd.DataFrame(
        {
            "date": days,
            "channel": "southbound",
            "net_buy": [10e9, 5e9, 16.73e9, -2e9, 1e9],
            "currency": "HKD",
            "provider": "akshare",
            "source": "akshare stock_hsgt_hist_em(symbol='南向资金')",
            "fetched_at": pd.Timestamp("2025-09-20"),
        }
    )


EVIDENCE = replace(
    FundamentalsEvidence.empty(),
    statements=_statements(),
    valuation=_valuation(),
    flows=_flows(),
    fiscal_year_ends={"9988.HK": 3},
)


def claim(metric: str, value: float | str, **kw: object) -> Claim:
    return Claim(entity=str(kw.pop("entity", "tencent")), metric=metric, value=value, **kw)  # type: ignore[arg-type]


def check(c: Claim, ticker: str | None = "0700.HK", day: date | None = date(2025, 8, 20),
          evidence: FundamentalsEvidence = EVIDENCE) -> tuple[str, object, str]:  # fmt: skip
    v = check_fundamental_claim(c, ticker, day, evidence)
    return v.status, v.computed, v.reason


# --- growth ------------------------------------------------------------------------------------


def test_revenue_growth_supported_with_a_reason_naming_both_periods() -> None:
    status, computed, reason = check(claim("revenue_growth_pct", 15.0, window="2025Q2"))
    assert status == "supported"
    assert computed == pytest.approx(14.5251, abs=1e-3)
    assert reason == (
        "revenue 2025Q2 HKD 184.5bn vs 2024Q2 HKD 161.1bn: +14.5% y-o-y vs claimed 15% "
        "(Yahoo income statement)"
    )


def test_revenue_growth_contradicted() -> None:
    status, _, reason = check(claim("revenue_growth_pct", 25.0, window="2025Q2"))
    assert status == "contradicted"
    assert "+14.5% y-o-y vs claimed 25%" in reason


@pytest.mark.parametrize(
    ("value", "qualifier", "status"),
    [
        (14.0, "over", "supported"),
        (15.9, "over", "supported"),  # within max(1pp, 10%) above the figure
        (17.0, "over", "contradicted"),
        (15.0, "nearly", "supported"),
        (14.0, "nearly", "contradicted"),  # "nearly 14%" but it was more
        (16.0, "up_to", "supported"),
        (12.0, "up_to", "contradicted"),
        (14.5, "about", "supported"),
    ],
)
def test_growth_honours_qualifiers(value: float, qualifier: str, status: str) -> None:
    c = claim("revenue_growth_pct", value, window="2025Q2", qualifier=qualifier)
    got, _, reason = check(c)
    assert got == status
    assert f"claimed {qualifier} {value:g}%" in reason


def test_quarter_on_quarter_when_the_quote_says_so() -> None:
    quote = "revenue rose 2.5% from the previous quarter"
    status, computed, reason = check(claim("revenue_growth_pct", 2.5, window="2025Q2", quote=quote))
    assert status == "supported"
    assert computed == pytest.approx(2.5, abs=1e-9)
    assert "vs 2025Q1 HKD 180.0bn" in reason and "q-o-q" in reason
    sequential = claim("revenue_growth_pct", 2.5, window="2025", quote="sequential growth of 2.5%")
    assert check(sequential)[0] == "unverifiable"


def test_fiscal_year_window_is_the_year_ending_in_the_fiscal_month() -> None:
    c = claim("net_income_growth_pct", 10.34, window="2024", entity="alibaba",
              quote="a 10.34% increase in net income for FY2024")  # fmt: skip
    status, computed, reason = check(c, "9988.HK")
    assert status == "supported"
    assert computed == pytest.approx((80.0 / 72.5 - 1) * 100, abs=1e-3)
    assert reason.startswith("net income 2024 CNY 80.0bn vs 2023 CNY 72.5bn")
    # a calendar quarter of a March-year company is matched on the period end
    q = check(claim("revenue_growth_pct", 1.85, window="2025Q2"), "9988.HK")
    assert q[0] == "supported"
    # with a December fiscal month the March annual rows are not fiscal 2024
    other = replace(EVIDENCE, fiscal_year_ends={"9988.HK": 12})
    status, _, reason = check(c, "9988.HK", evidence=other)
    assert status == "unverifiable" and "annual periods on file end 2023-03, 2024-03" in reason


def test_missing_period_is_unverifiable_with_what_is_on_file() -> None:
    status, computed, reason = check(claim("revenue_growth_pct", 10.0, window="2022Q2"))
    assert (status, computed) == ("unverifiable", None)
    assert "no quarterly figure for 2022Q2" in reason and "2024Q2..2025Q2" in reason


def test_growth_from_a_loss_and_across_currencies_is_unverifiable() -> None:
    loss = check(claim("net_income_growth_pct", 50.0, window="2025Q2"))
    assert loss[0] == "unverifiable" and "from a loss" in loss[2]
    mixed = check(claim("net_income_growth_pct", 50.0, window="2025Q2"), "9988.HK")
    assert mixed[0] == "unverifiable" and "reported in CNY and 2024Q2 in USD" in mixed[2]


def test_window_inferred_from_the_claims_day_or_refused_when_ambiguous() -> None:
    status, _, reason = check(claim("revenue_growth_pct", 14.5), day=date(2025, 8, 20))
    assert status == "supported" and "window inferred as 2025Q2" in reason
    ambiguous = check(claim("capex_growth_pct", 221.0), day=date(2025, 3, 20))
    assert ambiguous[0] == "unverifiable" and "the quarter or the full year ending 2024-12-31" in ambiguous[2]  # fmt: skip
    full_year = claim("capex_growth_pct", 221.0, quote="full-year capex jumped 221%")
    assert check(full_year, day=date(2025, 3, 20))[0] == "supported"
    assert check(claim("revenue_growth_pct", 14.5), day=None)[0] == "unverifiable"


def test_segment_figures_are_not_checked_against_group_totals() -> None:
    c = claim("revenue_growth_pct", 26.0, window="2025Q2", quote="cloud revenue grew 26%")
    status, _, reason = check(c)
    assert status == "unverifiable" and "segment" in reason


# --- capex -------------------------------------------------------------------------------------


def test_capex_money_same_currency_and_converted() -> None:
    same = check(claim("capex", 19.0e9, currency="CNY", window="2025Q2"))
    assert same[0] == "supported" and same[1] == 19.1e9
    assert same[2].startswith("capex 2025Q2 CNY 19.1bn vs claimed CNY 19.0bn (-0.5%)")
    rate = to_usd(1.0, "CNY", "2024").rate.usd_per_unit
    usd = check(claim("capex", 76.8e9 * rate, currency="USD", window="2024"))
    assert usd[0] == "supported" and "converted at the built-in monthly reference rates" in usd[2]
    off = check(claim("capex", 76.8e9 * rate * 1.2, currency="USD", window="2024"))
    assert off[0] == "contradicted"


def test_capex_currency_without_an_offline_rate_is_unverifiable() -> None:
    status, _, reason = check(claim("capex", 1e9, currency="CHF", window="2024"))
    assert status == "unverifiable" and "no offline rate" in reason


def test_capex_half_year_sums_its_quarters_and_rejects_plans() -> None:
    status, computed, _ = check(claim("capex", 21.0e9, currency="CNY", window="2024H1"))
    assert (status, computed) == ("supported", 21.0e9)
    plan = check(claim("capex", 3.8e11, currency="CNY", window="3y"))
    assert plan[0] == "unverifiable" and "not a reporting period" in plan[2]


# --- P/E ---------------------------------------------------------------------------------------


def test_forward_pe_at_the_claims_day() -> None:
    c = claim("forward_pe", 18.5, quote="trades at 18.5 times forward earnings")
    status, computed, reason = check(c, day=date(2025, 9, 30))
    assert (status, computed) == ("supported", 18.0)
    assert reason == "forward P/E 18.0x on 2025-09-26 vs claimed 18.5x (csv)"
    assert check(replace(c, value=25.0), day=date(2025, 9, 30))[0] == "contradicted"
    trailing = check(replace(c, value=25.0, quote="25 times trailing earnings"), day=date(2025, 9, 30))  # fmt: skip
    assert trailing[0] == "supported" and "trailing P/E" in trailing[2]


def test_stale_pe_is_unverifiable() -> None:
    status, _, reason = check(claim("forward_pe", 18.0), day=date(2025, 10, 20))
    assert status == "unverifiable"
    assert "from 2025-09-26, 24 days old (limit 7)" in reason
    loose = check_fundamental_claim(claim("forward_pe", 18.0), "0700.HK", date(2025, 10, 20),
                                    EVIDENCE, FundamentalTolerances(pe_max_age_days=30))  # fmt: skip
    assert loose.status == "supported"


def test_five_year_average_pe_needs_five_years_of_history() -> None:
    c = claim("forward_pe", 19.5, window="5y", quote="its five-year average of 19.5 times")
    status, computed, reason = check(c, day=date(2025, 9, 26))
    assert status == "supported" and isinstance(computed, float) and 19.0 < computed < 20.0
    assert reason.startswith("5-year average forward P/E")
    short = check(c, "9988.HK", day=date(2025, 9, 26))
    assert short[0] == "unverifiable" and "no 5-year average" in short[2]


def test_press_reported_pe_is_not_evidence() -> None:
    status, _, reason = check(
        claim("forward_pe", 9.0, entity="baidu"), "9888.HK", date(2025, 9, 26)
    )
    assert status == "unverifiable" and "no forward P/E for 9888.HK" in reason


# --- flows -------------------------------------------------------------------------------------


def test_southbound_day_flow() -> None:
    c = claim("fund_flow", 16.73e9, currency="HKD", window="1d", entity="southbound",
              quote="a net buy of 16.73 billion HKD")  # fmt: skip
    status, computed, reason = check(c, None, date(2025, 9, 17))
    assert (status, computed) == ("supported", 16.73e9)
    assert reason.startswith("southbound net buying HKD 16.7bn (2025-09-17) vs claimed HKD 16.7bn")
    assert check(replace(c, value=8e9), None, date(2025, 9, 17))[0] == "contradicted"
    gap = check(c, None, date(2025, 9, 22))
    assert gap[0] == "unverifiable" and "no southbound figure for 2025-09-22" in gap[2]


def test_southbound_week_sums_the_sessions_and_converts_currency() -> None:
    week = claim("fund_flow", 30.7e9, currency="HKD", window="1w", entity="southbound", qualifier="over")  # fmt: skip
    status, computed, reason = check(week, None, date(2025, 9, 19))
    assert (status, computed) == ("supported", pytest.approx(30.73e9))
    assert "5 sessions 2025-09-15..2025-09-19" in reason
    # an article dated Monday is about the week before
    assert check(week, None, date(2025, 9, 22))[1] == pytest.approx(30.73e9)
    hkd, cny = (to_usd(1.0, c, date(2025, 9, 15)).rate.usd_per_unit for c in ("HKD", "CNY"))
    in_cny = replace(week, value=30.73e9 * hkd / cny, currency="CNY", qualifier=None)
    assert check(in_cny, None, date(2025, 9, 19))[0] == "supported"


def test_other_flows_are_unverifiable() -> None:
    stock = claim("fund_flow", 1e9, currency="HKD", by="southbound", quote="southbound investors bought HK$1 billion of Tencent")  # fmt: skip
    assert "per stock" in check(stock, "0700.HK", date(2025, 9, 17))[2]
    etf = claim("fund_flow", 1e9, currency="USD", quote="ETF inflows of $1 billion")
    assert check(etf, "0700.HK", date(2025, 9, 17))[2] == "no ETF flow source configured"


# --- what never raises -------------------------------------------------------------------------


def test_unavailable_sources_say_why_in_one_line() -> None:
    nothing = FundamentalsEvidence.none("no statements source configured")
    for c in (claim("revenue_growth_pct", 1.0, window="2025Q2"), claim("forward_pe", 20.0),
              claim("fund_flow", 1e9, entity="southbound", currency="HKD")):  # fmt: skip
        status, computed, reason = check(c, evidence=nothing)
        assert (status, computed, reason) == ("unverifiable", None, "no statements source configured")  # fmt: skip
    offline = replace(EVIDENCE, unavailable={"flows": "AkShare unreachable: cannot reach x"})
    c = claim("fund_flow", 1e9, entity="southbound", currency="HKD")
    assert check(c, None, evidence=offline)[2] == "AkShare unreachable: cannot reach x"


@pytest.mark.parametrize(
    "bad",
    [
        claim("revenue_growth_pct", 10.0, window="2025Q2", entity="alibaba+tencent"),
        claim("revenue_growth_pct", "lots", window="2025Q2"),
        claim("revenue_growth_pct", 10.0, window="2025Q7"),
        claim("capex", 1e9, window="2025"),  # no currency
        claim("forward_pe", 20.0, window="ytd"),
        claim("market_size", 2e11, currency="USD"),
    ],
)
def test_bad_claims_are_unverifiable_not_errors(bad: Claim) -> None:
    assert check(bad)[0] == "unverifiable"
    assert check(bad, ticker=None, day=None)[0] == "unverifiable"


def test_figure_matches_flips_the_hedge_for_negative_claims() -> None:
    assert figure_matches(-1e9, -1.5e9, "over", 0.0)  # "net selling of over 1bn"
    assert not figure_matches(-1e9, -0.5e9, "over", 0.0)


def test_metrics_and_needs() -> None:
    assert {"revenue_growth_pct", "forward_pe", "fund_flow", "capex"} <= FUNDAMENTAL_METRICS
    claims = [claim("forward_pe", 20.0), claim("return_pct", 1.0), claim("capex", 1e9, currency="CNY")]  # fmt: skip
    assert fundamentals_needed(claims) == frozenset({"valuation", "statements"})
    assert fundamental_tickers(claims, THEME) == ("0700.HK",)
    assert set(VALUATION_COLUMNS) == set(EVIDENCE.valuation.columns)


# --- end to end on the recordings --------------------------------------------------------------


def test_evidence_from_recordings_end_to_end() -> None:
    evidence = load_fundamentals_evidence(
        ["0700.HK", "9988.HK"],
        source="auto",
        theme=THEME,
        need=frozenset({"statements", "valuation", "flows"}),
        replay_dir=RECORDINGS / "fundamentals",
        akshare_replay_dir=RECORDINGS / "akshare_fundamentals",
        flows_replay_dir=RECORDINGS / "akshare_southbound",
    )
    assert evidence.unavailable == {}
    assert evidence.fiscal_year_ends["9988.HK"] == 3
    growth = check(claim("revenue_growth_pct", 14.5, window="2025Q2"), evidence=evidence)
    assert growth[0] == "supported"
    assert "CNY 184.5bn vs 2024Q2 CNY 161.1bn" in growth[2] and "synthetic" not in growth[2]
    fy = check(claim("net_income_growth_pct", 61.9, window="2025", entity="alibaba"), "9988.HK", evidence=evidence)  # fmt: skip
    assert fy[0] == "supported" and "2025 CNY 129.5bn vs 2024 CNY 80.0bn" in fy[2]
    capex = check(claim("capex", 19.1e9, currency="CNY", window="2025Q2"), evidence=evidence)
    assert capex[0] == "supported" and "cash-flow statement" in capex[2]
    pe = check(claim("forward_pe", 20.0), day=date.today(), evidence=evidence)
    assert pe[0] == "supported"
    flow = check(claim("fund_flow", 16.73e9, currency="HKD", window="1d", entity="southbound"),
                 None, date(2025, 9, 4), evidence)  # fmt: skip
    assert flow[0] == "supported" and "[synthetic recording]" in flow[2]


def test_evidence_when_nothing_is_configured_or_needed() -> None:
    demo = load_fundamentals_evidence(["0700.HK"], source="demo", theme=THEME,
                                      need=frozenset({"statements", "valuation", "flows"}))  # fmt: skip
    assert "demo market has no fundamentals" in demo.unavailable["statements"]
    assert demo.unavailable["valuation"] == "no valuation source configured"
    assert demo.unavailable["flows"].startswith("no flows source configured")
    idle = load_fundamentals_evidence(["0700.HK"], source="yahoo", theme=THEME, need=frozenset())
    assert set(idle.unavailable) == {"statements", "valuation", "flows"}
    old = claim("forward_pe", 20.0)
    assert check(old, day=date.today() - timedelta(days=3), evidence=demo)[0] == "unverifiable"
