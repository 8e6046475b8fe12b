"""The capex tracker, valuation z-scores and spreads, and the price-vs-EPS gap, on hand-worked numbers."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from themelens.analytics.fundamentals import (
    compare_valuation,
    harmonic_pe,
    price_vs_fundamentals,
    track_capex,
    zscore_vs_history,
)
from themelens.data.fundamentals import validate_capex, validate_valuation
from themelens.data.fx import FxConverter, ReferenceTable
from themelens.errors import InputError
from themelens.theme import CapexFact

# CNY at exactly 8 per USD in every month of 2023-2024: USD figures are capex / 8
TABLE = ReferenceTable(
    {(f"{y}-{m:02d}", "CNY"): (8.0, "monthly average") for y in (2023, 2024) for m in range(1, 13)}
)
FX = TABLE  # the tracker reads rate tables, never a converter that may call out


def _stmt(rows: list[tuple[str, str, str, float, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["ticker", "freq", "period_end", "capex", "currency"])
    return validate_capex(frame.assign(provider="test", source="hand", fetched_at="2025-01-01"))


STATEMENTS = _stmt(
    [
        ("A", "annual", "2023-12-31", 100.0, "CNY"),
        ("A", "annual", "2024-12-31", 150.0, "CNY"),
        ("B", "annual", "2024-12-31", 80.0, "CNY"),
        ("A", "quarterly", "2023-03-31", 20.0, "CNY"),
        ("A", "quarterly", "2023-06-30", 30.0, "CNY"),
        ("A", "quarterly", "2024-03-31", 40.0, "CNY"),
        ("A", "quarterly", "2024-06-30", 65.0, "CNY"),
        ("B", "quarterly", "2024-03-31", 10.0, "CNY"),
        ("B", "quarterly", "2024-06-30", 15.0, "CNY"),
    ]
)
ENTITIES = {"A": "a", "B": "b"}


def _fact(**kw: object) -> CapexFact:
    base: dict[str, object] = {"source": "press reports", "date": "2024-08"}
    return CapexFact.model_validate(base | kw)


def test_capex_in_local_and_usd_with_yoy() -> None:
    result = track_capex(STATEMENTS, entity_of=ENTITIES, fx=FX)
    a24 = result.rows[(result.rows["entity"] == "a") & (result.rows["period"] == "2024")].iloc[0]
    assert a24["capex"] == 150.0
    assert a24["capex_usd"] == pytest.approx(150.0 / 8.0, rel=1e-12)
    assert a24["yoy_pct"] == pytest.approx(50.0, rel=1e-12)  # 150 / 100 − 1
    first = result.rows[(result.rows["entity"] == "a") & (result.rows["period"] == "2023")]
    assert math.isnan(first["yoy_pct"].iloc[0])  # no prior year: absent, not 0


def test_group_total_only_when_complete() -> None:
    result = track_capex(STATEMENTS, entity_of=ENTITIES, fx=FX)
    totals = result.totals.set_index("period")
    assert totals.loc["2024", "total_usd"] == pytest.approx((150 + 80) / 8.0, rel=1e-12)
    assert bool(totals.loc["2024", "complete"])
    assert math.isnan(totals.loc["2023", "total_usd"])  # b has no 2023: no total, not a partial
    assert totals.loc["2023", "partial_usd"] == pytest.approx(100 / 8.0)
    assert totals.loc["2023", "missing"] == "b"


def test_unknown_currency_is_a_marked_gap_not_zero() -> None:
    odd = _stmt([("A", "annual", "2024-12-31", 150.0, "CNY"), ("B", "annual", "2024-12-31", 9.0, "XXX")])  # fmt: skip
    result = track_capex(odd, entity_of=ENTITIES, fx=FX)
    b = result.rows[result.rows["entity"] == "b"].iloc[0]
    assert math.isnan(b["capex_usd"])
    assert "XXX" in b["fx"] and "no USD rate" in b["fx"]
    assert any("no USD figure" in w and "XXX" in w for w in result.warnings)
    assert math.isnan(result.totals["total_usd"].iloc[0])


def test_reported_vs_statement_gaps() -> None:
    facts = [
        _fact(entity="a", value=100.0, currency="CNY", period="2024H1"),  # stmt 40+65 = 105
        _fact(entity="a", metric="capex_growth_pct", value=100.0, period="2024H1"),  # stmt +110%
        _fact(entity="a+b", value=140.0, currency="CNY", period="2024H1"),  # stmt 105 + 25 = 130
        _fact(entity="a+c", value=1.0, currency="CNY", period="2024H1"),  # c has no statement
        _fact(entity="a", value=100 / 8.0 * 1.05, currency="USD", period="2024H1"),  # via USD
        _fact(
            entity="a",
            metric="investment_plan",
            value=5.0,
            currency="CNY",
            period="3y",
            basis="plan",
        ),
    ]
    gaps = track_capex(STATEMENTS, facts, entity_of=ENTITIES, fx=FX, tolerance_pct=5.0).gaps
    level, growth, group, missing, usd, plan = (gaps.iloc[i] for i in range(6))
    assert level["statement"] == 105.0 and level["gap_pct"] == pytest.approx(5.0)
    assert level["status"] == "match"  # |5%| ≤ 5%
    assert growth["statement"] == pytest.approx(110.0)  # 105 / 50 − 1
    assert growth["gap_pct"] == pytest.approx((2.1 / 2.0 - 1) * 100)
    assert group["statement"] == 130.0 and group["status"] == "differs"  # −7.1%
    assert missing["status"] == "reported only" and "no statement for c" in missing["note"]
    assert usd["statement"] == pytest.approx(105 / 8.0) and usd["status"] == "match"
    assert plan["status"] == "not comparable"
    assert "statement only" not in set(gaps["status"])  # b's 2024H1 is inside the a+b figure
    strict = track_capex(STATEMENTS, facts[:1], entity_of=ENTITIES, fx=FX, tolerance_pct=4.9)
    assert strict.gaps["status"].iloc[0] == "differs"
    only = strict.gaps[strict.gaps["status"] == "statement only"]
    assert list(zip(only["entity"], only["period"], strict=True)) == [("b", "2024H1")]
    assert only["statement"].iloc[0] == 25.0


def test_no_statements_leaves_every_fact_reported_only() -> None:
    empty = STATEMENTS.iloc[0:0]
    facts = [_fact(entity="a", value=100.0, currency="CNY", period="2024H1")]
    result = track_capex(empty, facts, entity_of=ENTITIES, fx=FX, statements_available=False)
    assert list(result.gaps["status"]) == ["reported only"]
    assert result.rows.empty and "unavailable" in result.summary().title


def test_fiscal_year_label_and_fiscal_fx_mean() -> None:
    fy = _stmt([("A", "annual", "2024-03-31", 80.0, "CNY")])
    result = track_capex(fy, entity_of=ENTITIES, fx=FX)
    row = result.rows.iloc[0]
    assert row["period"] == "FY2024 (to 2024-03-31)"
    assert row["capex_usd"] == pytest.approx(10.0)  # 12 monthly rates of 8
    assert result.totals.empty
    assert any("fiscal periods off the calendar" in w for w in result.warnings)


def test_figure_is_plotly_json_without_template() -> None:
    fig = track_capex(STATEMENTS, entity_of=ENTITIES, fx=FX).figure()
    assert "template" not in fig["layout"]
    assert [t["name"] for t in fig["data"]] == ["a", "b"]
    assert fig["data"][0]["y"] == [round(100 / 8 / 1e9, 3), round(150 / 8 / 1e9, 3)]


def test_negative_tolerance_is_an_input_error() -> None:
    with pytest.raises(InputError, match="tolerance"):
        track_capex(STATEMENTS, tolerance_pct=-1)


# --- valuation ------------------------------------------------------------------------------


def test_zscore_hand_worked() -> None:
    idx = pd.to_datetime(["2015-01-31", "2021-01-31", "2022-01-31", "2023-01-31", "2024-01-31", "2025-01-31"])  # fmt: skip
    history = pd.Series([99.0, 10.0, 12.0, 14.0, 16.0, 18.0], index=idx)  # 2015 is outside 5 years
    z, n, why = zscore_vs_history(history, min_observations=5)
    assert n == 5 and why is None
    assert z == pytest.approx((18 - 14) / math.sqrt(10), rel=1e-12)  # sample std of 10..18 = √10
    z, n, why = zscore_vs_history(history, min_observations=6)
    assert math.isnan(z) and n == 5 and why is not None and "absent" in why


def test_harmonic_pe_skips_losses() -> None:
    assert harmonic_pe([10.0, 20.0, 40.0]) == pytest.approx(3 / (0.1 + 0.05 + 0.025))
    assert harmonic_pe([10.0, -5.0, float("nan")]) == 10.0
    assert math.isnan(harmonic_pe([-1.0]))


def test_spread_and_absent_zscores() -> None:
    data = validate_valuation(
        pd.DataFrame(
            {
                "date": ["2025-09-26"] * 4,
                "ticker": ["IDX", "REF", "M1", "M2"],
                "pe_fwd": [21.0, 27.0, 10.0, -4.0],
            }
        )
    )
    subjects = {"IDX": ("idx", "benchmark"), "REF": ("ref", "benchmark"), "M1": ("m1", "leader"), "M2": ("m2", "leader")}  # fmt: skip
    result = compare_valuation(data, subjects=subjects, theme_index="IDX", benchmarks=["IDX", "REF"])  # fmt: skip
    fwd = result.spreads[result.spreads["measure"] == "pe_fwd"].set_index("subject")
    assert fwd.loc["idx", "spread_x"] == pytest.approx(-6.0)
    assert fwd.loc["idx", "discount_pct"] == pytest.approx((21 / 27 - 1) * 100)
    group = fwd.loc["theme members (harmonic mean)"]
    assert group["pe_subject"] == 10.0 and "m2" in group["note"]
    assert result.rows["z_fwd_5y"].isna().all()  # one observation each: absent, not 0
    assert result.rows["note"].str.contains("absent").all()


def test_missing_ticker_is_a_row_of_nans() -> None:
    data = validate_valuation(pd.DataFrame({"date": ["2025-01-01"], "ticker": ["X"], "pe_fwd": [9.0]}))  # fmt: skip
    result = compare_valuation(data, subjects={"X": ("x", "peer"), "Y": ("y", "peer")})
    y = result.rows.set_index("ticker").loc["Y"]
    assert math.isnan(y["pe_fwd"]) and y["note"] == "no valuation data"


# --- price vs fundamentals ---------------------------------------------------------------------


def test_price_vs_forward_eps_gap_hand_worked() -> None:
    prices = pd.DataFrame(
        {"date": pd.to_datetime(["2025-01-02", "2025-06-30"] * 2),
         "ticker": ["A", "A", "B", "B"], "close": [100.0, 130.0, 50.0, 40.0]}
    )  # fmt: skip
    valuation = validate_valuation(
        pd.DataFrame(
            {"date": ["2025-01-02", "2025-06-30", "2025-01-02", "2025-06-30"],
             "ticker": ["A", "A", "B", "B"], "eps_fwd": [5.0, 5.5, np.nan, np.nan],
             "pe_fwd": [np.nan, np.nan, 10.0, 10.0], "price": [np.nan, np.nan, 50.0, 40.0]}
        )
    )  # fmt: skip
    result = price_vs_fundamentals(prices, valuation, start=date(2025, 1, 2), end=date(2025, 6, 30))
    a, b = result.rows.iloc[0], result.rows.iloc[1]
    assert a["price_return_pct"] == pytest.approx(30.0)
    assert a["eps_revision_pct"] == pytest.approx(10.0)
    assert a["gap_pp"] == pytest.approx(20.0)
    assert a["rerating_pct"] == pytest.approx((1.3 / 1.1 - 1) * 100)
    # B: EPS implied as price / forward P/E, 5 → 4; price −20%; the multiple did not move
    assert b["eps_revision_pct"] == pytest.approx(-20.0)
    assert b["gap_pp"] == pytest.approx(0.0, abs=1e-12)
    assert b["rerating_pct"] == pytest.approx(0.0, abs=1e-12)


def test_gap_undefined_for_non_positive_eps() -> None:
    prices = pd.DataFrame({"date": pd.to_datetime(["2025-01-02", "2025-06-30"]), "ticker": "A", "close": [1.0, 2.0]})  # fmt: skip
    valuation = validate_valuation(pd.DataFrame({"date": ["2025-01-02", "2025-06-30"], "ticker": "A", "eps_fwd": [-1.0, 1.0]}))  # fmt: skip
    row = price_vs_fundamentals(prices, valuation, start=date(2025, 1, 2), end=date(2025, 6, 30)).rows.iloc[0]  # fmt: skip
    assert row["price_return_pct"] == pytest.approx(100.0)
    assert math.isnan(row["gap_pp"]) and "not positive" in row["note"]


def test_the_tracker_reads_a_table_of_the_rates_it_said_it_needs() -> None:
    from themelens.analytics.fundamentals import capex_rates_needed

    facts = [_fact(entity="a", period="2024", value=100.0, currency="USD")]
    needed = capex_rates_needed(STATEMENTS, facts, entity_of=ENTITIES)
    assert needed and all(len(pair) == 2 for pair in needed)
    table = FxConverter(source="reference", table=TABLE).table(needed)
    via_table = track_capex(STATEMENTS, facts, entity_of=ENTITIES, fx=table)
    via_reference = track_capex(STATEMENTS, facts, entity_of=ENTITIES, fx=TABLE)
    pd.testing.assert_frame_equal(via_table.rows, via_reference.rows)
    pd.testing.assert_frame_equal(via_table.gaps, via_reference.gaps)
    # a pair nobody looked up is a stated gap, not a silent network call
    with pytest.raises(InputError, match="no HKD rate for 1999 was looked up"):
        table.rate("HKD", "1999")
