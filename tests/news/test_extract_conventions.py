"""The spec's Conventions, one general form each (sentences made up for these tests).

Each case is a way of writing a claim named in ``shared/spec/claims.md``
("Conventions"): lists that bind numbers to names, what the number measures,
who it is about, quote lines, price targets in the listing's currency, highs,
drawdowns, market sizes, net selling. Articles are dated Wednesday 2025-09-24.
"""

from __future__ import annotations

from datetime import date

import pytest

from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.extract import extract_claims
from themelens.theme import Theme, load_theme

WED = date(2025, 9, 24)
Row = tuple[str, str, object, str | None]


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme()


def rows(theme: Theme, text: str) -> list[Row]:
    claims: list[Claim] = extract_claims(Article(name="t", text=text, published=WED), theme)
    return [(c.entity, c.metric, c.value, c.currency) for c in claims]


CASES: list[tuple[str, str, list[Row]]] = [
    # --- lists that bind numbers to names
    ("range shared", "Alibaba (09988.HK), Tencent (00700.HK) and Baidu (09888.HK) rose 1.5% to 1.7%.",
     [("alibaba", "return_pct", 1.5, None), ("tencent", "return_pct", 1.5, None),
      ("baidu", "return_pct", 1.5, None)]),
    ("paired without respectively", "Xiaomi and Meituan rose 0.9% and 1.2% on Tuesday.",
     [("xiaomi", "return_pct", 0.9, None), ("meituan", "return_pct", 1.2, None)]),
    ("one move, two names", "SMIC and Hua Hong dropping nearly 3%, chip stocks led losses.",
     [("smic", "return_pct", -3.0, None), ("hua-hong", "return_pct", -3.0, None)]),
    ("each bought", "Alibaba, Tencent and Meituan each had net buying exceeding HKD 1 billion.",
     [("alibaba", "fund_flow", 1e9, "HKD"), ("tencent", "fund_flow", 1e9, "HKD"),
      ("meituan", "fund_flow", 1e9, "HKD")]),
    ("collective total", "Alibaba and Tencent together spent $32 billion on capex in 2024.",
     [("alibaba+tencent", "capex", 3.2e10, "USD")]),
    # --- who it is about
    ("no slug lends nothing", "Pop Mart fell 9%, and Meituan rose 4%.",
     [("meituan", "return_pct", 4.0, None)]),
    ("an index without a slug", "The Nasdaq Golden Dragon China index rose 2.3% overnight.", []),
    ("translated index names", "The CSI 300 gained 1.1% while the Hang Seng Technology Index "
     "advanced 2.4% and the National Enterprises Index rose 1.9%.",
     [("hstech", "return_pct", 2.4, None), ("hscei", "return_pct", 1.9, None)]),
    ("unnamed set", "Chinese tech stocks rallied 3% this week.",
     [("china-big-tech", "return_pct", 3.0, None)]),
    # --- quote lines
    ("quote line", "HSTECH +2.7% to 6,637", [("hstech", "return_pct", 2.7, None)]),
    ("points then percent", "HSI jumped 390 points (+1.5%) to 26,544.",
     [("hsi", "return_pct", 1.5, None)]),
    # --- what the number measures
    ("profit-taking is a price move", "Tencent's shares fell 17% on profit-taking.",
     [("tencent", "return_pct", -17.0, None)]),
    ("unit growth is no claim", "Xiaomi's smartphone shipments rose 12% in the third quarter.", []),
    ("gaming revenue is no claim", "Macau gross gaming revenue grew 8% in September.", []),
    ("share of proceeds", "Alibaba said 80% of the proceeds would fund cloud infrastructure.", []),
    ("buyback", "Tencent bought back HK$1.2 billion of its shares last week.", []),
    ("third-currency conversion", "Alibaba pledged to spend 380 billion yuan (S$68.6 billion) "
     "on AI over three years.", [("alibaba", "investment_plan", 3.8e11, "CNY")]),
    # --- price targets
    ("TP", "Morgan Stanley raised its TP to US$204 for Alibaba.",
     [("alibaba", "price_target", 204.0, "USD")]),
    ("targets by listing", "Citi set target prices of US$190/ $185 for Alibaba's US stock/ H-shares.",
     [("alibaba", "price_target", 190.0, "USD"), ("alibaba", "price_target", 185.0, "HKD")]),
    ("targets for both", "Jefferies raised the targets for both Tencent and Alibaba to 117 HKD.",
     [("tencent", "price_target", 117.0, "HKD"), ("alibaba", "price_target", 117.0, "HKD")]),
    # --- highs and drawdowns
    ("N-year peak", "The Hang Seng Tech index hit a four-year peak on Tuesday.",
     [("hstech", "high_since", "2021-09", None)]),
    ("plural highs", "SMIC shares reached 2-year highs.", [("smic", "high_since", "2023-09", None)]),
    ("strongest point", "The Hang Seng Tech Index closed at its strongest point since November 2022.",
     [("hstech", "high_since", "2022-11", None)]),
    ("first time in years", "The Hang Seng Tech Index topped 6,500 for the first time in nearly "
     "four years.", [("hstech", "high_since", "2021-09", None)]),
    ("from peaks", "The Hang Seng Tech index has dropped nearly 17% from October peaks.",
     [("hstech", "drawdown_from_peak_pct", 17.0, None)]),
    ("retreat", "The Hang Seng Tech index suffered a two-month retreat of over 15%.",
     [("hstech", "drawdown_from_peak_pct", 15.0, None)]),
    # --- sizes and flows
    ("industry size", "China's core AI industry exceeded 900 billion yuan in 2024 and is expected "
     "to surpass 1.2 trillion yuan by 2026.",
     [("ai-market", "market_size", 9e11, "CNY"), ("ai-market", "market_size", 1.2e12, "CNY")]),
    ("net selling", "Southbound investors were net sellers of HK$3.5 billion of Tencent shares.",
     [("tencent", "fund_flow", -3.5e9, "HKD")]),
    # --- results told as an amount, then its growth against a year before
    ("growth of a stated amount", "Baidu's total revenues were RMB31.2 billion ($4.38 billion), "
     "decreasing 7% year over year.", [("baidu", "revenue_growth_pct", -7.0, None)]),
    ("growth marker widens the reach", "Baidu said revenue from its AI cloud was RMB6.4 billion "
     "($0.90 billion) in the quarter, increasing 33% year over year.",
     [("baidu", "revenue_growth_pct", 33.0, None)]),
    ("a year's budget is capex", "China Unicom's capital expenditure budget for 2025 is 55 "
     "billion yuan.", [("china-unicom", "capex", 5.5e10, "CNY")]),
    ("net sale", "Alibaba-W (09988) saw a net sale of HK$630 million via the southbound link.",
     [("alibaba", "fund_flow", -6.3e8, "HKD")]),
    ("superseded target", "Nomura: Tencent TP to HK$780 (was HK$720).",
     [("tencent", "price_target", 780.0, "HKD")]),
    ("average target", "The average SMIC price target of HK$86.40 implies 9.8% upside.", []),
    ("holding value", "ARK's Alibaba stake is worth about $118 million.", []),
    ("forward then trailing", "Alibaba trades at a forward price-to-earnings ratio of 13.5x, "
     "compared with a trailing P/E of 16.9x.", [("alibaba", "forward_pe", 13.5, None)]),
    ("someone else's figure", "Tencent trades at 19.4x forward earnings, cheaper than the "
     "sector's 27.8x.", [("tencent", "forward_pe", 19.4, None)]),
    ("signed figure after a name", "Overnight US: Nasdaq +0.6%; Meituan -4.6% after the Q3 print.",
     [("nasdaq-composite", "return_pct", 0.6, None), ("meituan", "return_pct", -4.6, None)]),
    ("another index after a known name",
     "| Index | Chg % |\n| Nasdaq Golden Dragon | -3.7 |\n| Nasdaq | +0.4 |",
     [("nasdaq-composite", "return_pct", 0.4, None)]),
    ("a figure for a name without a slug", "Alibaba trades at about 14 times forward earnings, "
     "versus roughly 30 times for Amazon.", [("alibaba", "forward_pe", 14.0, None)]),
    ("a descriptor the theme knows", "Morgan Stanley has targets of US$160 / HK$155 for the "
     "ADR / H-shares of the search giant.",
     [("baidu", "price_target", 160.0, "USD"), ("baidu", "price_target", 155.0, "HKD")]),
    ("a listing after 'for'", "Citi set a target of CNY150 for SMIC's Shanghai-listed A-shares.",
     [("smic", "price_target", 150.0, "CNY")]),
    ("Title Case", "The Hang Seng Tech Index Has Risen 46 Per Cent This Year As Revenue Rose",
     [("hstech", "return_pct", 46.0, None)]),
    ("Title Case results", "Tencent Said Net Profit Rose 18% To 70.6 Billion Yuan In The Quarter",
     [("tencent", "net_income_growth_pct", 18.0, None)]),
    ("a pronoun after an anaphor", "The Hang Seng Index rose 0.6%. The tech gauge has fallen "
     "nearly 16% from its October peak. It is still up 24% this year.",
     [("hsi", "return_pct", 0.6, None), ("hstech", "drawdown_from_peak_pct", 16.0, None),
      ("hstech", "return_pct", 24.0, None)]),
    ("bond tranches", "Alibaba sold 6 billion yuan of 10-year debt and 3 billion yuan of "
     "30-year bonds.", [("alibaba", "bond_issuance", 6e9, "CNY"), ("alibaba", "bond_issuance", 3e9, "CNY")]),
    ("the subject that moves decides", "The Hang Seng Tech index has risen 46 per cent this year "
     "on hopes for earnings.", [("hstech", "return_pct", 46.0, None)]),
]  # fmt: skip

TABLE = """Hong Kong close, Wednesday

Name | Code | Last | Chg %
SMIC | 00981 | 78.35 | 7.42
Hua Hong Semi | 01347 | 70.10 | -6.05
Pop Mart | 09992 | 270.00 | 3.10
"""


def test_a_pipe_table_reads_its_percent_column(theme: Theme) -> None:
    assert rows(theme, TABLE) == [
        ("smic", "return_pct", 7.42, None),
        ("hua-hong", "return_pct", -6.05, None),
    ]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_convention(theme: Theme, text: str, expected: list[Row]) -> None:
    assert rows(theme, text) == expected


WhenRow = tuple[str, str, object, str | None, str | None]

WHEN_CASES: list[tuple[str, str, list[WhenRow]]] = [
    ("quarter ended", "For its fiscal first quarter ended June 30, Alibaba said cloud revenue "
     "grew 26% year over year.", [("alibaba", "revenue_growth_pct", 26.0, "2025Q2", "2025")]),
    ("before October", "Baidu had climbed 43.8% this year before October even began.",
     [("baidu", "return_pct", 43.8, "ytd", "2025-09")]),
    ("since the start of the year", "Alibaba has risen 97 per cent since the start of 2025.",
     [("alibaba", "return_pct", 97.0, "ytd", "2025-09-24")]),
    ("estimate year", "Kuaishou trades on 13x 2026E P/E.",
     [("kuaishou", "forward_pe", 13.0, "2026", "2026")]),
    ("five trading days", "The Hang Seng Tech Index rose 3.6% over the five trading days.",
     [("hstech", "return_pct", 3.6, "1w", "2025-09-24")]),
    ("overnight", "Baidu's ADRs rose 2% overnight. Tencent fell 1%.",
     [("baidu", "return_pct", 2.0, "1d", "2025-09-23"), ("tencent", "return_pct", -1.0, "1d", "2025-09-24")]),
    ("a flow is a day's", "Tencent drew a net inflow of HK$1.2 billion via the southbound link.",
     [("tencent", "fund_flow", 1.2e9, "1d", "2025-09-24")]),
    ("bonds so far this year", "Chinese tech giants have sold $24.5 billion of bonds so far this year.",
     [("china-big-tech", "bond_issuance", 2.45e10, "ytd", "2025-09-24")]),
    ("a dated heading", ">> MARKET CLOSE (23 Sep)\n\nIndex    Close    Chg (%)\nHSTECH   6,120.3  -1.46",
     [("hstech", "return_pct", -1.46, "1d", "2025-09-23")]),
    ("a weekly column", "| Index | Week chg % |\n|---|---|\n| HSTECH | -6.2 |",
     [("hstech", "return_pct", -6.2, "1w", "2025-09-24")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in WHEN_CASES], ids=[c[0] for c in WHEN_CASES]
)
def test_when(theme: Theme, text: str, expected: list[WhenRow]) -> None:
    claims = extract_claims(Article(name="t", text=text, published=WED), theme)
    assert [(c.entity, c.metric, c.value, c.window, c.date) for c in claims] == expected


LATER_CASES: list[tuple[str, str, list[WhenRow]]] = [
    ("fiscal quarter of a March year end", "Alibaba reported results for the second quarter of "
     "its fiscal year 2026. Revenue rose 5% year-over-year.",
     [("alibaba", "revenue_growth_pct", 5.0, "2025Q3", None)]),
    ("a reference quarter does not become the period", "Alibaba reported results for the "
     "September quarter. Cloud revenue grew 34%, accelerating from 26% in the June quarter.",
     [("alibaba", "revenue_growth_pct", 34.0, "2025Q3", None),
      ("alibaba", "revenue_growth_pct", 26.0, "2025Q2", "2025")]),
    ("since a month", "Since June, the Hang Seng Tech Index has fallen about 12%.",
     [("hstech", "return_pct", -12.0, None, "2025-09")]),
    ("the current year is ytd", "Before October, the Hang Seng Tech Index had gained 47% in 2025.",
     [("hstech", "return_pct", 47.0, "ytd", "2025-09-24")]),
    ("a target is dated the day reported", "Jefferies raised its SMIC target to HK$95.",
     [("smic", "price_target", 95.0, None, "2025-09-24")]),
    ("translated limit-up", "Naura Technology Group became stop-high (the 10% upper limit).",
     [("naura", "return_pct", 10.0, "1d", "2025-09-24")]),
    ("weeks in a row", "SMIC shares went up 7 weeks in a row.",
     [("smic", "win_streak_weeks", 7.0, None, "2025-09-24")]),
    ("a P/E without an x", "The Hang Seng Tech Index's forward price-to-earnings ratio rose to "
     "about 22, compared with a five-year average of 19.",
     [("hstech", "forward_pe", 22.0, None, None), ("hstech", "forward_pe", 19.0, "5y", None)]),
    ("ALL CAPS headline", "*HUA HONG SEES 4Q REVENUE UP 18%-20% Y/Y",
     [("hua-hong", "revenue_growth_pct", 18.0, "2025Q4", "2025")]),
]  # fmt: skip

RESEARCH_TABLE = """Company | Code | Rating | Target price | P/E 2024A | P/E 2026E
Tencent Holdings | 00700.HK | Buy | HK$780 | 24.1 | 17.5
Alibaba-W | 09988 | Buy | HK$195 | 19.8 | 15.3

Rank | Stock name | Turnover (HK$ mn) | Net buy/(sell) (HK$ mn)
1 | TENCENT | 7,844.2 | (612.3)
2 | SMIC | 5,102.8 | 1,020.5

Index | Close | Chg % | Week Chg %
Hang Seng TECH Index | 5,661.04 | 2.14 | 3.06
"""


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in LATER_CASES], ids=[c[0] for c in LATER_CASES]
)
def test_later_forms(theme: Theme, text: str, expected: list[WhenRow]) -> None:
    claims = extract_claims(Article(name="t", text=text, published=WED), theme)
    assert [(c.entity, c.metric, c.value, c.window, c.date) for c in claims] == expected


def test_table_headings_type_their_columns(theme: Theme) -> None:
    claims = extract_claims(Article(name="t", text=RESEARCH_TABLE, published=WED), theme)
    got = {(c.entity, c.metric, c.value, c.currency, c.window) for c in claims}
    assert got == {
        ("tencent", "price_target", 780.0, "HKD", None),
        ("tencent", "forward_pe", 17.5, None, "2026"),  # the 2024A column is actual: no claim
        ("alibaba", "price_target", 195.0, "HKD", None),
        ("alibaba", "forward_pe", 15.3, None, "2026"),
        ("tencent", "fund_flow", -612.3e6, "HKD", "1d"),  # "(612.3)" is a net sale
        ("smic", "fund_flow", 1020.5e6, "HKD", "1d"),
        ("hstech", "return_pct", 2.14, None, "1d"),
        ("hstech", "return_pct", 3.06, None, "1w"),
    }
