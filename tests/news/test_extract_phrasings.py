"""Phrasings of other outlets, category by category (sentences written for these tests).

Each test covers a general way of writing a claim that the dev corpus does
not use: results periods named without a year, week/month/ytd windows,
clause-scoped times, anaphors, table lines, bonds, price targets, flows,
"respectively" lists, false-positive triggers and ranges. Articles are dated
Friday 2025-08-22 unless a test says otherwise.
"""

from __future__ import annotations

from datetime import date

import pytest

from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.extract import extract_claims
from themelens.theme import Theme, load_theme

FRI = date(2025, 8, 22)


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme()


def run(theme: Theme, text: str, published: date = FRI) -> list[Claim]:
    return extract_claims(Article(name="t", text=text, published=published), theme)


def facts(claims: list[Claim]) -> list[tuple[object, ...]]:
    return [(c.entity, c.metric, c.value, c.currency, c.window, c.date) for c in claims]


def wins(claims: list[Claim]) -> list[tuple[object, ...]]:
    return [(c.entity, c.metric, c.value, c.window) for c in claims]


# --- 1. results periods ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Tencent Holdings posted third-quarter results on Wednesday. Sales climbed 14% "
            "from a year earlier, while adjusted profit advanced 19%.",
            [
                ("tencent", "revenue_growth_pct", 14.0, "2025Q3"),
                ("tencent", "net_income_growth_pct", 19.0, "2025Q3"),
            ],
        ),
        (
            "JD.com said 2Q revenue expanded 22%. The Beijing-based retailer said net "
            "profit fell 13%, while operating profit fell 9%.",  # operating profit: no claim (spec)
            [("jd", "revenue_growth_pct", 22.0, "2025Q2"), ("jd", "net_income_growth_pct", -13.0, "2025Q2")],
        ),
        (
            "Xiaomi's revenue for the three months ended June 30 rose 31 percent. Its adjusted "
            "net income jumped 75 percent.",
            [
                ("xiaomi", "revenue_growth_pct", 31.0, "2025Q2"),
                ("xiaomi", "net_income_growth_pct", 75.0, "2025Q2"),
            ],
        ),
        ("Kuaishou's first-half sales rose 11%, the Beijing firm said.",
         [("kuaishou", "revenue_growth_pct", 11.0, "2025H1")]),
        ("Baidu's fiscal 2024 revenue slipped 1%.", [("baidu", "revenue_growth_pct", -1.0, "2024")]),
        ("For FY2024, SMIC's net profit fell 45%.", [("smic", "net_income_growth_pct", -45.0, "2024")]),
        ("Alibaba's cloud unit saw sales accelerate to 26% growth last quarter.",
         [("alibaba", "revenue_growth_pct", 26.0, "2025Q2")]),
        ("Xiaomi's capital expenditure will climb 40% in the second half.",
         [("xiaomi", "capex_growth_pct", 40.0, "2025H2")]),
    ],
)  # fmt: skip
def test_results_periods_without_a_year(
    theme: Theme, text: str, expected: list[tuple[object, ...]]
) -> None:
    assert wins(run(theme, text)) == expected


def test_a_quarter_not_yet_started_is_last_years(theme: Theme) -> None:
    claims = run(theme, "Meituan's fourth-quarter revenue rose 20%.", date(2025, 5, 2))
    assert wins(claims) == [("meituan", "revenue_growth_pct", 20.0, "2024Q4")]


# --- 2. week, month, year-to-date and dated windows ---------------------------------


def test_week_month_and_ytd_windows(theme: Theme) -> None:
    text = (
        "Meituan shares lost 4.1% over the week. In July, the stock dropped 12%. "
        "The Hang Seng Tech Index has added 28 per cent year to date. "
        "Shares in Hua Hong jumped 6.5% on Monday, taking their gain this month to 30%."
    )
    assert facts(run(theme, text)) == [
        ("meituan", "return_pct", -4.1, None, "1w", "2025-08-22"),
        ("meituan", "return_pct", -12.0, None, "1m", "2025-07"),
        ("hstech", "return_pct", 28.0, None, "ytd", "2025-08-22"),
        ("hua-hong", "return_pct", 6.5, None, "1d", "2025-08-18"),
        ("hua-hong", "return_pct", 30.0, None, "1m", "2025-08"),
    ]


def test_explicit_days_and_so_far_in_a_year(theme: Theme) -> None:
    text = (
        "Alibaba shares are up 40% so far in 2025, and they jumped 3% on Aug. 14. "
        "SenseTime soared 11% on August 20 after it unveiled a new model."
    )
    assert facts(run(theme, text)) == [
        ("alibaba", "return_pct", 40.0, None, "ytd", "2025-08-22"),
        ("alibaba", "return_pct", 3.0, None, "1d", "2025-08-14"),
        ("sensetime", "return_pct", 11.0, None, "1d", "2025-08-20"),
    ]


def test_a_month_named_without_a_year_is_the_latest_one(theme: Theme) -> None:
    claims = run(theme, "Baidu's ADRs soared 22% in December.", date(2026, 1, 9))
    assert facts(claims) == [("baidu", "return_pct", 22.0, None, "1m", "2025-12")]


def test_late_month_dates_an_event(theme: Theme) -> None:
    text = "ARK Invest bought about $12 million of Kuaishou shares in late July."
    assert facts(run(theme, text)) == [
        ("kuaishou", "stake_purchase", 1.2e7, "USD", None, "2025-07")
    ]


# --- 3. time scope ------------------------------------------------------------------


def test_a_since_reference_and_another_clause_do_not_date_a_move(theme: Theme) -> None:
    text = (
        "Kuaishou slid 3% on Friday, its worst day since April 2022. "
        "Xiaomi gained 5% this week, lifting it past the Hang Seng Index, which fell 0.4%."
    )
    claims = run(theme, text)
    assert facts(claims)[0] == ("kuaishou", "return_pct", -3.0, None, "1d", "2025-08-22")
    assert facts(claims)[1] == ("xiaomi", "return_pct", 5.0, None, "1w", "2025-08-22")
    assert (claims[2].entity, claims[2].window) == ("hsi", "1d")


def test_best_day_since_a_year_leaves_the_date_alone(theme: Theme) -> None:
    text = "Baidu rallied 9% on Wednesday, its best day since early 2023. Tencent rose 2%."
    assert [c.date for c in run(theme, text)] == ["2025-08-20", "2025-08-20"]


# --- 4. coreference and entity boundaries -------------------------------------------


def test_descriptions_and_stock_anaphors_point_to_the_company(theme: Theme) -> None:
    text = (
        "Alibaba reported results on Thursday. The Hangzhou-based group said cloud revenue "
        "rose 26% in the June quarter. The e-commerce giant's shares rose 4% in New York. "
        "The stock trades at 14 times forward earnings."
    )
    assert wins(run(theme, text)) == [
        ("alibaba", "revenue_growth_pct", 26.0, "2025Q2"),
        ("alibaba", "return_pct", 4.0, "1d"),
        ("alibaba", "forward_pe", 14.0, None),
    ]


def test_a_results_line_without_a_name_is_the_company_in_focus(theme: Theme) -> None:
    text = (
        "Kuaishou Technology said on Tuesday that quarterly results beat estimates. "
        "Adjusted net income rose 20% in the second quarter. Revenue grew 13%."
    )
    assert wins(run(theme, text)) == [
        ("kuaishou", "net_income_growth_pct", 20.0, "2025Q2"),
        ("kuaishou", "revenue_growth_pct", 13.0, "2025Q2"),
    ]


def test_tech_gauge_is_the_tech_index(theme: Theme) -> None:
    text = (
        "The Hang Seng Index rose 0.5% on Thursday and the Hang Seng Index is the city's "
        "benchmark. Hong Kong's tech gauge rose 1.2%."
    )
    assert [c.entity for c in run(theme, text)] == ["hsi", "hstech"]


def test_a_listed_unit_named_after_its_parent_is_another_company(theme: Theme) -> None:
    text = "Alibaba Health rose 5% while Alibaba rose 2%. JD Logistics climbed 4.4% on the day."
    assert wins(run(theme, text)) == [("alibaba", "return_pct", 2.0, "1d")]


def test_cloud_intelligence_is_alibaba(theme: Theme) -> None:
    text = "Sales at the Cloud Intelligence unit grew 18% in the March quarter."
    assert wins(run(theme, text)) == [("alibaba", "revenue_growth_pct", 18.0, "2025Q1")]


# --- 5. lists and snapshots ---------------------------------------------------------


def test_snapshot_lines_take_the_time_of_their_heading(theme: Theme) -> None:
    text = "Daily movers, Thursday:\nXiaomi +3.4%\nMeituan −2.2%\nBaidu +1.1 pc\n"
    assert facts(run(theme, text)) == [
        ("xiaomi", "return_pct", 3.4, None, "1d", "2025-08-21"),
        ("meituan", "return_pct", -2.2, None, "1d", "2025-08-21"),
        ("baidu", "return_pct", 1.1, None, "1d", "2025-08-21"),
    ]


def test_bulleted_ticker_list_year_to_date(theme: Theme) -> None:
    text = "How the ADRs have done year to date:\n\n* Kuaishou (KSHTY): +35%\n* Baidu (BIDU): −4%\n"
    assert wins(run(theme, text)) == [
        ("kuaishou", "return_pct", 35.0, "ytd"),
        ("baidu", "return_pct", -4.0, "ytd"),
    ]


# --- 6. bonds -----------------------------------------------------------------------


def test_bond_sales_with_bracketed_dollars(theme: Theme) -> None:
    text = (
        "Kuaishou raised HK$8 billion (US$1.02 billion) through a sale of convertible notes. "
        "Last month Xiaomi priced 5 billion yuan ($700 million) of senior notes."
    )
    got = [(c.entity, c.metric, c.value, c.currency, c.value_usd, c.date) for c in run(theme, text)]
    assert got == [
        ("kuaishou", "bond_issuance", 8e9, "HKD", 1.02e9, "2025-08-22"),
        ("xiaomi", "bond_issuance", 5e9, "CNY", 7e8, "2025-07"),
    ]


# --- 7. price targets ---------------------------------------------------------------


def test_price_target_phrasings(theme: Theme) -> None:
    text = (
        "Jefferies lifted its price objective for JD to $52. "
        "Nomura sees Baidu shares hitting $150 within a year. "
        "Citi has a buy rating and a HK$210 target on Tencent. "
        "Macquarie raised its target on Meituan to HK$140 from HK$120."
    )
    got = [(c.entity, c.metric, c.value, c.currency) for c in run(theme, text)]
    assert got == [
        ("jd", "price_target", 52.0, "USD"),
        ("baidu", "price_target", 150.0, "USD"),
        ("tencent", "price_target", 210.0, "HKD"),
        ("meituan", "price_target", 140.0, "HKD"),
    ]


# --- 8. flows and per-company lists -------------------------------------------------


def test_southbound_flows_into_hong_kong_stocks(theme: Theme) -> None:
    text = (
        "Southbound traders snapped up a net HK$5.6 billion of Hong Kong equities on Friday. "
        "Mainland investors have bought a net HK$900 billion of Hong Kong stocks year to date."
    )
    assert facts(run(theme, text)) == [
        ("southbound", "fund_flow", 5.6e9, "HKD", "1d", "2025-08-22"),
        ("southbound", "fund_flow", 9e11, "HKD", "ytd", "2025-08-22"),
    ]


def test_respectively_and_each_give_one_claim_per_company(theme: Theme) -> None:
    text = (
        "Baidu and JD.com gained 4.2% and 1.9%, respectively, on Tuesday. "
        "Meituan and Kuaishou both slipped 1.5% on Monday."
    )
    assert facts(run(theme, text)) == [
        ("baidu", "return_pct", 4.2, None, "1d", "2025-08-19"),
        ("jd", "return_pct", 1.9, None, "1d", "2025-08-19"),
        ("meituan", "return_pct", -1.5, None, "1d", "2025-08-18"),
        ("kuaishou", "return_pct", -1.5, None, "1d", "2025-08-18"),
    ]


# --- 9. false-positive triggers -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Baidu, which has about $25 billion in cash and investments, said its robotaxi arm "
        "could be worth $30 billion.",
        "Meituan will spend 10 billion yuan on rider benefits this year.",
        "If you had invested $1,000 in Tencent in 2015, you would have $4,800 today.",
        "Alibaba Pictures jumped 8%, and Tencent Music Entertainment rose 3%.",
    ],
)
def test_not_claims(theme: Theme, text: str) -> None:
    assert run(theme, text) == []


def test_spending_in_an_earlier_clause_does_not_make_a_move_capex(theme: Theme) -> None:
    text = (
        "Tencent rose 3% on Thursday after it pledged more AI spending, and the shares were "
        "up another 0.9% in early trading Friday."
    )
    assert [(c.metric, c.value) for c in run(theme, text)] == [
        ("return_pct", 3.0),
        ("return_pct", 0.9),
    ]


def test_ai_spending_plan_is_an_investment_plan(theme: Theme) -> None:
    claims = run(theme, "Tencent plans to spend $10 billion on AI infrastructure over three years.")
    assert facts(claims) == [("tencent", "investment_plan", 1e10, "USD", "3y", None)]


# --- 10. ranges ---------------------------------------------------------------------


def test_a_range_is_its_low_end_with_the_high_end_in_also(theme: Theme) -> None:
    text = "Analysts expect 60 to 70 per cent of capacity at Chinese AI data centres to sit idle."
    claims = run(theme, text)
    assert [(c.entity, c.metric, c.value, c.also) for c in claims] == [
        ("china-ai-datacenters", "idle_capacity_pct", 60.0, (70.0,))
    ]


def test_a_comparison_base_is_not_the_window(theme: Theme) -> None:
    text = "Kuaishou's revenue rose 12% in the second quarter, versus the first quarter's 9% rise."
    claims = run(theme, text)
    assert [(c.value, c.window) for c in claims][:1] == [(12.0, "2025Q2")]
    assert all(c.window != "2025Q1" for c in claims)


def test_an_unresolved_anaphor_falls_through_to_a_named_company(theme: Theme) -> None:
    text = '"We see the stock reaching $210," said an analyst who rates Xiaomi a buy.'
    assert [(c.entity, c.metric, c.value) for c in run(theme, text)] == [
        ("xiaomi", "price_target", 210.0)
    ]
