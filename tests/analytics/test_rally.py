"""Rally metrics: hand-worked answers, properties, and the real price files.

Both forms are checked against the same hand-computed numbers, and against
each other on random frames, because the panel's array tricks (binary
lifting, run-length streaks) are easy to get subtly wrong at ticker edges.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from themelens.analytics.rally import (
    EXCESS_COLUMNS,
    RALLY_COLUMNS,
    measure_rally,
    rally_panel,
)
from themelens.analytics.rally._panel import calendar_years, previous_greater, running_peak
from themelens.data.calendar import resolve_session
from themelens.data.contracts import SYNTHETIC_LABEL, ticker_runs, validate_prices
from themelens.errors import AsofError, UnknownTickerError
from themelens.summary import Summary

HK = {"exchange_of": lambda _t: "XHKG"}  # every test date below is an XHKG session

# ------------------------------------------------------------------------------------------
# A hand-built frame. Ticker T, closes by calendar week (weeks run Monday-Sunday):
#   W0 2023-12-25: (Mon 25, Tue 26 holidays) Wed 27 100, Thu 28 102, Fri 29 101
#   W1 2024-01-01: (Mon 1 holiday) Tue 2 103, Wed 3 99, Thu 4 104, Fri 5 105
#   W2 2024-01-08: Mon 8 106, Tue 9 110, Wed 10 108, Thu 11 107, Fri 12 109
#   W3 2024-01-15: Mon 15 104, Tue 16 111
# Benchmark B trades on other days (as a foreign index would):
#   2023-12-28 40, 2024-01-04 45, 2024-01-11 44, 2024-01-16 50
# ------------------------------------------------------------------------------------------
T_ROWS = [
    ("2023-12-27", 100.0),
    ("2023-12-28", 102.0),
    ("2023-12-29", 101.0),
    ("2024-01-02", 103.0),
    ("2024-01-03", 99.0),
    ("2024-01-04", 104.0),
    ("2024-01-05", 105.0),
    ("2024-01-08", 106.0),
    ("2024-01-09", 110.0),
    ("2024-01-10", 108.0),
    ("2024-01-11", 107.0),
    ("2024-01-12", 109.0),
    ("2024-01-15", 104.0),
    ("2024-01-16", 111.0),
]
B_ROWS = [("2023-12-28", 40.0), ("2024-01-04", 45.0), ("2024-01-11", 44.0), ("2024-01-16", 50.0)]


def _frame(rows: dict[str, list[tuple[str, float]]], provider: str = "csv") -> pd.DataFrame:
    parts = [
        pd.DataFrame(
            {
                "date": pd.to_datetime([d for d, _ in r]),
                "ticker": t,
                "close": [c for _, c in r],
            }
        )
        for t, r in rows.items()
    ]
    out = pd.concat(parts, ignore_index=True)
    out["provider"] = provider
    return out


@pytest.fixture()
def hand() -> pd.DataFrame:
    return _frame({"T": T_ROWS, "B": B_ROWS})


def _single(prices: pd.DataFrame, ticker: str, day: str, **kw: Any) -> dict[str, Any]:
    res = measure_rally(prices, [ticker], asof=date.fromisoformat(day), **HK, **kw)
    return dict(res.to_frame().iloc[0])


def _from_panel(prices: pd.DataFrame, ticker: str, day: str, **kw: Any) -> dict[str, Any]:
    panel = rally_panel(prices, **kw)
    hit = panel[(panel["ticker"] == ticker) & (panel["asof"] == pd.Timestamp(day))]
    assert len(hit) == 1
    return dict(hit.iloc[0])


FORMS = pytest.mark.parametrize("form", [_single, _from_panel], ids=["single", "panel"])


@FORMS
def test_metrics_midweek_friday(hand: pd.DataFrame, form: Any) -> None:
    row = form(hand, "T", "2024-01-12")
    assert row["close"] == 109.0
    assert row["return_1d_pct"] == pytest.approx(1.8691588785046729, rel=1e-12)  # 109/107-1 = 2/107
    assert row["return_1w_pct"] == pytest.approx(3.8095238095238093, rel=1e-12)  # 109/105-1 = 4/105
    assert pd.isna(row["return_1m_pct"])  # only 11 earlier rows, 21 needed
    assert row["return_ytd_pct"] == pytest.approx(7.920792079207921, rel=1e-12)  # 109/101-1 = 8/101
    assert row["high_since"] == pd.Timestamp("2024-01-09")  # 110 on Jan 9 is the latest close > 109
    # weekly closes W0 101, W1 105 (>101), W2 109 so far (>105): two winning weeks
    assert row["win_streak_weeks"] == 2
    assert row["drawdown_from_peak_pct"] == pytest.approx(0.9090909090909038, rel=1e-9)  # 1-109/110


@FORMS
def test_all_time_high_has_no_high_since(hand: pd.DataFrame, form: Any) -> None:
    row = form(hand, "T", "2024-01-16")
    assert pd.isna(row["high_since"])  # 111 beats every earlier close
    assert row["drawdown_from_peak_pct"] == 0.0
    assert row["return_1d_pct"] == pytest.approx(6.730769230769231, rel=1e-12)  # 111/104-1 = 7/104
    assert row["return_ytd_pct"] == pytest.approx(
        9.900990099009901, rel=1e-12
    )  # 111/101-1 = 10/101
    # W3 so far 111 > W2 109, and W2, W1 won before it: 3 weeks
    assert row["win_streak_weeks"] == 3


@FORMS
def test_losing_current_week_resets_streak(hand: pd.DataFrame, form: Any) -> None:
    row = form(hand, "T", "2024-01-15")
    assert row["win_streak_weeks"] == 0  # W3 so far 104 < W2 109
    assert row["high_since"] == pd.Timestamp("2024-01-12")  # 109 is the latest close > 104
    assert row["drawdown_from_peak_pct"] == pytest.approx(5.454545454545459, rel=1e-9)  # 1-104/110
    assert row["return_1w_pct"] == pytest.approx(-1.8867924528301883, rel=1e-12)  # 104/106-1


@FORMS
@pytest.mark.parametrize(
    ("day", "streak"),
    [
        ("2023-12-29", 0),  # first week: nothing to beat
        ("2024-01-03", 0),  # W1 so far 99 < W0 101 (the holiday Monday does not matter)
        ("2024-01-04", 1),  # W1 so far 104 > 101
        ("2024-01-11", 2),  # W2 so far 107 > W1 105, and W1 won
    ],
)
def test_win_streak_counts_current_week_so_far(
    hand: pd.DataFrame, form: Any, day: str, streak: int
) -> None:
    assert form(hand, "T", day)["win_streak_weeks"] == streak


@FORMS
def test_insufficient_history_and_no_prior_year(hand: pd.DataFrame, form: Any) -> None:
    row = form(hand, "T", "2023-12-29")
    assert row["return_1d_pct"] == pytest.approx(-0.9803921568627416, rel=1e-12)  # 101/102-1
    assert pd.isna(row["return_1w_pct"])  # 2 earlier rows, 5 needed
    assert pd.isna(row["return_ytd_pct"])  # no row in 2022
    assert row["high_since"] == pd.Timestamp("2023-12-28")


@FORMS
def test_one_month_is_21_sessions(form: Any) -> None:
    days = pd.bdate_range("2024-07-02", periods=23)  # no HK holiday from 2 Jul to 1 Aug 2024
    prices = _frame({"M": [(f"{d:%Y-%m-%d}", 100.0 + i) for i, d in enumerate(days)]})
    assert pd.isna(form(prices, "M", f"{days[20]:%Y-%m-%d}")["return_1m_pct"])  # 20 rows back
    row = form(prices, "M", f"{days[21]:%Y-%m-%d}")
    assert row["return_1m_pct"] == pytest.approx(21.0, rel=1e-12)  # 121/100-1


@FORMS
def test_excess_over_benchmark(hand: pd.DataFrame, form: Any) -> None:
    row = form(hand, "T", "2024-01-12", benchmark="B")
    assert row["benchmark"] == "B"
    # B has no Jan 12 or Jan 5 row: its closes as of those dates are Jan 11's 44 and Jan 4's 45
    assert row["excess_1d_pp"] == pytest.approx(1.8691588785046729, rel=1e-9)  # B 44/44: 0 %
    assert row["excess_1w_pp"] == pytest.approx(3.8095238095238093 + 2.2222222222222, rel=1e-9)
    # ytd: B as of Dec 29 is Dec 28's 40; 44/40-1 = 10 %; 7.9208 - 10
    assert row["excess_ytd_pp"] == pytest.approx(7.920792079207921 - 10.0, rel=1e-9)
    assert pd.isna(row["excess_1m_pp"])


@FORMS
def test_excess_is_none_before_benchmark_starts(hand: pd.DataFrame, form: Any) -> None:
    row = form(hand, "T", "2023-12-28", benchmark="B")
    assert row["return_1d_pct"] == pytest.approx(2.0, rel=1e-12)  # 102/100-1
    assert pd.isna(row["excess_1d_pp"])  # B has no close on or before Dec 27


def test_non_session_asof_resolves_with_note(hand: pd.DataFrame) -> None:
    # Monday 2024-01-15 is Martin Luther King day on XNYS: the previous session is Friday
    res = measure_rally(hand, "T", asof=date(2024, 1, 15), exchange_of=lambda _t: "XNYS")
    row = res.to_records()[0]
    assert row["asof"] == "2024-01-12"
    assert row["requested_asof"] == "2024-01-15"
    assert "holiday" in row["note"]
    assert res.warnings == (f"T: {row['note']}",)


def test_session_missing_from_data_uses_last_row(hand: pd.DataFrame) -> None:
    res = measure_rally(hand, ["B"], asof=date(2024, 1, 3), **HK)
    row = res.to_records()[0]
    assert row["asof"] == "2023-12-28"
    assert row["close"] == 40.0
    assert "no B row for the XHKG session 2024-01-03" in row["note"]


def test_asof_before_first_row(hand: pd.DataFrame) -> None:
    with pytest.raises(AsofError, match="B: as-of 2023-12-27 is before the first row"):
        measure_rally(hand, "B", asof=date(2023, 12, 27), **HK)
    res = measure_rally(hand, ["T", "B"], asof=date(2023, 12, 27), **HK)
    assert list(res.to_frame()["ticker"]) == ["T"]
    assert [f.item for f in res.failures] == ["B"]
    assert "not measured: B" in res.summary().as_text()


def test_unknown_ticker_lists_close_matches(hand: pd.DataFrame) -> None:
    more = _frame({"TT": T_ROWS, "T": T_ROWS})
    with pytest.raises(UnknownTickerError, match="close matches: TT"):
        measure_rally(more, "TTX")
    res = measure_rally(more, ["TTX", "T"])
    assert [f.item for f in res.failures] == ["TTX"]
    with pytest.raises(UnknownTickerError, match="benchmark"):
        rally_panel(hand, benchmark="QQQ")


def test_duplicate_rows_are_refused(hand: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="B: duplicate row on 2024-01-16"):
        rally_panel(pd.concat([hand, hand.tail(1)]))


def test_non_positive_close_is_refused(hand: pd.DataFrame) -> None:
    broken = hand.copy()
    broken.loc[broken.index[3], "close"] = 0.0
    with pytest.raises(ValueError, match="T: non-positive close on 2024-01-02"):
        measure_rally(broken, "T")


def test_asof_before_the_calendar_uses_the_data(hand: pd.DataFrame) -> None:
    # the exchange calendars start in 2000; older dates fall back to the rows themselves
    old = _frame({"OLD": [("1995-06-01", 10.0), ("1995-06-02", 11.0), ("1995-06-05", 12.0)]})
    row = measure_rally(old, "OLD", asof=date(1995, 6, 4)).to_records()[0]
    assert row["asof"] == "1995-06-02" and row["close"] == 11.0
    assert "calendar" in row["note"] and "1995-06-04" in row["note"]


def test_asof_none_uses_each_tickers_last_row(hand: pd.DataFrame) -> None:
    res = measure_rally(hand)
    assert dict(zip(res.to_frame()["ticker"], res.to_frame()["asof"], strict=True)) == {
        "B": pd.Timestamp("2024-01-16"),
        "T": pd.Timestamp("2024-01-16"),
    }
    assert res.warnings == ()
    assert res.provenance.providers == ("csv",)
    assert res.provenance.first_date == date(2023, 12, 27)


def test_records_are_json_with_rally_columns_first(hand: pd.DataFrame) -> None:
    res = measure_rally(hand, ["T"], asof=date(2024, 1, 16), benchmark="B", **HK)
    rec = res.to_records()[0]
    assert tuple(rec)[: len(RALLY_COLUMNS)] == RALLY_COLUMNS
    assert set(EXCESS_COLUMNS) <= set(rec)
    assert rec["high_since"] is None
    assert isinstance(rec["win_streak_weeks"], int)
    text = json.dumps(res.to_dict(), allow_nan=False)
    assert json.loads(text)["rows"][0]["asof"] == "2024-01-16"


def test_summary_renders_everywhere(hand: pd.DataFrame) -> None:
    res = measure_rally(hand, ["T"], asof=date(2024, 1, 12), benchmark="B", **HK)
    summ = res.summary()
    text = summ.as_text()
    assert "+1.87%" in text and "2024-01-09" in text and "2 wk" in text
    assert SYNTHETIC_LABEL not in text
    assert "<td" in summ.as_html() and summ._repr_html_() == summ.as_html()
    console = Console(record=True, width=200)
    console.print(summ)
    assert "+1.87%" in console.export_text()


def test_synthetic_data_is_bannered(hand: pd.DataFrame) -> None:
    res = measure_rally(_frame({"T": T_ROWS}, provider="demo"))
    assert res.synthetic is True and res.to_dict()["synthetic"] is True
    summ = res.summary()
    assert SYNTHETIC_LABEL in summ.as_text()
    assert SYNTHETIC_LABEL in summ.as_html()
    console = Console(record=True, width=200)
    console.print(summ)
    assert SYNTHETIC_LABEL in console.export_text()


def test_summary_html_is_escaped() -> None:
    summ = Summary("<b>title</b>", pd.DataFrame({"x": ["<script>", None]}), ("a & b",))
    out = summ.as_html()
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "&lt;b&gt;title" in out and "a &amp; b" in out
    assert "—" in summ.as_text()


# ------------------------------------------------------------------------------------------
# Properties on random frames
# ------------------------------------------------------------------------------------------

GAPS = st.sampled_from([1, 1, 1, 1, 2, 3, 7, 40, 200])  # days between rows: weekends, gaps, years


@st.composite
def price_frames(draw: st.DrawFn, max_tickers: int = 3, max_rows: int = 60) -> pd.DataFrame:
    """Random long frames; integer closes give ties, which probe 'strictly above'."""
    parts = []
    for k in range(draw(st.integers(1, max_tickers))):
        n = draw(st.integers(1, max_rows))
        start = pd.Timestamp(draw(st.dates(date(2015, 1, 1), date(2022, 12, 31))))
        gaps = draw(st.lists(GAPS, min_size=n - 1, max_size=n - 1))
        dates = start + pd.to_timedelta(np.cumsum([0, *gaps]), unit="D")
        closes = draw(st.lists(st.integers(1, 40), min_size=n, max_size=n))
        parts.append(pd.DataFrame({"date": dates, "ticker": f"X{k}", "close": closes}))
    return pd.concat(parts, ignore_index=True).astype({"close": "float64"})


PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(price_frames())
def test_drawdown_in_range_and_high_since_before_asof(prices: pd.DataFrame) -> None:
    panel = rally_panel(prices)
    dd = panel["drawdown_from_peak_pct"]
    assert ((dd >= 0) & (dd < 100)).all()
    has = panel["high_since"].notna()
    assert (panel.loc[has, "high_since"] < panel.loc[has, "asof"]).all()
    assert (dd[~has] == 0).all()  # no earlier close above it: this close is the peak


def _assert_rows_equal(single: pd.Series, panel_row: pd.Series, cols: list[str]) -> None:
    for col in cols:
        a, b = single[col], panel_row[col]
        if isinstance(a, float) or isinstance(b, float):
            np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True, err_msg=col)
        else:
            assert (pd.isna(a) and pd.isna(b)) or a == b, (col, a, b)


@PROPS
@given(price_frames(), st.dates(date(2015, 1, 1), date(2023, 12, 31)), st.booleans())
def test_panel_agrees_with_single_date(prices: pd.DataFrame, asof: date, bench: bool) -> None:
    benchmark = "X0" if bench else None
    panel = rally_panel(prices, benchmark=benchmark).set_index(["ticker", "asof"])
    kw: dict[str, Any] = {"asof": asof, "benchmark": benchmark, "exchange_of": lambda _t: "XNYS"}
    session = pd.Timestamp(resolve_session("XNYS", asof).session)
    try:
        res = measure_rally(prices, **kw)
    except AsofError:  # a single-ticker frame starting after the session
        assert prices["date"].min() > session
        return
    for f in res.failures:
        assert prices.loc[prices["ticker"] == f.item, "date"].min() > session
    rows = res.to_frame()
    assert len(rows) + len(res.failures) == prices["ticker"].nunique()
    cols = [c for c in rows.columns if c in panel.columns]
    for _, single in rows.iterrows():
        assert single["asof"] <= session
        _assert_rows_equal(single, panel.loc[(single["ticker"], single["asof"])], cols)


def test_panel_agrees_with_single_date_at_every_row() -> None:
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2021-11-01", periods=180)
    parts = [
        pd.DataFrame({"date": days, "ticker": t, "close": np.round(rng.lognormal(3, 0.2, 180), 1)})
        for t in ("A", "B")
    ]
    prices = pd.concat(parts, ignore_index=True)
    panel = rally_panel(prices, benchmark="B").set_index(["ticker", "asof"])
    for ticker, day in panel.index:
        # on an XNYS holiday the single form answers for the previous row; compare to that
        got = measure_rally(
            prices, [ticker], asof=day.date(), benchmark="B", exchange_of=lambda _t: "XNYS"
        ).to_frame()
        got_row = got.iloc[0]
        want = panel.loc[(ticker, got_row["asof"])]
        _assert_rows_equal(got_row, want, [c for c in got.columns if c in panel.columns])


@PROPS
@given(price_frames(), st.floats(0.01, 1000.0))
def test_scaling_a_ticker_changes_nothing(prices: pd.DataFrame, k: float) -> None:
    scaled = prices.copy()
    scaled.loc[scaled["ticker"] == "X0", "close"] *= k
    a, b = rally_panel(prices), rally_panel(scaled)
    for col in ("return_1d_pct", "return_1w_pct", "return_1m_pct", "return_ytd_pct"):
        np.testing.assert_allclose(a[col], b[col], rtol=1e-9, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(a["drawdown_from_peak_pct"], b["drawdown_from_peak_pct"], atol=1e-9)
    pd.testing.assert_series_equal(a["high_since"], b["high_since"])
    pd.testing.assert_series_equal(a["win_streak_weeks"], b["win_streak_weeks"])


@PROPS
@given(price_frames(), st.randoms(use_true_random=False))
def test_independent_of_row_and_ticker_order(prices: pd.DataFrame, rnd: Any) -> None:
    order = list(range(len(prices)))
    rnd.shuffle(order)
    shuffled = prices.iloc[order].reset_index(drop=True)
    pd.testing.assert_frame_equal(rally_panel(prices), rally_panel(shuffled))
    tickers = sorted(prices["ticker"].unique())
    fwd = measure_rally(prices, tickers).to_frame().set_index("ticker")
    back = measure_rally(shuffled, tickers[::-1]).to_frame().set_index("ticker")
    pd.testing.assert_frame_equal(fwd, back.loc[fwd.index])


@PROPS
@given(price_frames(max_tickers=2, max_rows=40))
def test_five_compounded_daily_returns_make_the_week(prices: pd.DataFrame) -> None:
    panel = rally_panel(prices)
    for _, g in panel.groupby("ticker"):
        daily = 1.0 + g["return_1d_pct"].to_numpy() / 100.0
        week = g["return_1w_pct"].to_numpy()
        for i in range(5, len(g)):
            compounded = (np.prod(daily[i - 4 : i + 1]) - 1.0) * 100.0
            np.testing.assert_allclose(compounded, week[i], rtol=1e-9, atol=1e-9)


def test_empty_frame_gives_empty_panel() -> None:
    empty = pd.DataFrame({"date": pd.to_datetime([]), "ticker": [], "close": []})
    panel = rally_panel(empty)
    assert list(panel.columns) == list(RALLY_COLUMNS) and panel.empty


# ------------------------------------------------------------------------------------------
# Real prices (../shared/data/prices), read with a tiny local reader
# ------------------------------------------------------------------------------------------


def _read_yf(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path)
    # the session date is the local date part of yfinance's tz-aware stamp
    return pd.DataFrame(
        {"date": pd.to_datetime(raw["Date"].str[:10]), "ticker": path.stem, "close": raw["Close"]}
    )


@pytest.fixture(scope="module")
def real(shared_prices_dir: Path) -> pd.DataFrame:
    names = ("9888.HK", "9988.HK", "AAPL", "^IXIC")
    return pd.concat([_read_yf(shared_prices_dir / f"{n}.csv") for n in names], ignore_index=True)


def test_baidu_2025_09_17(real: pd.DataFrame) -> None:
    res = measure_rally(real, "9888.HK", asof=date(2025, 9, 17))
    row = res.to_records()[0]
    assert row["close"] == 131.0
    prev = real[(real["ticker"] == "9888.HK") & (real["date"] == "2025-09-16")]["close"].item()
    assert row["return_1d_pct"] == pytest.approx((131.0 / prev - 1) * 100, rel=1e-12)
    assert row["return_1d_pct"] == pytest.approx(15.72, abs=0.01)  # 131.0 / 113.2 - 1
    assert row["note"] is None


def test_alibaba_2025_09_24(real: pd.DataFrame) -> None:
    row = measure_rally(real, "9988.HK", asof=date(2025, 9, 24)).to_records()[0]
    assert row["close"] == pytest.approx(173.80, abs=0.01)
    assert row["return_1d_pct"] == pytest.approx(9.16, abs=0.01)  # 173.805 / 159.221 - 1
    assert row["asof"] == "2025-09-24"


def test_saturday_resolves_to_friday(real: pd.DataFrame) -> None:
    res = measure_rally(real, ["9888.HK", "AAPL"], asof=date(2025, 9, 20))
    rows = res.to_records()
    assert [r["asof"] for r in rows] == ["2025-09-19", "2025-09-19"]
    assert all("weekend" in r["note"] for r in rows)
    assert len(res.warnings) == 2


@pytest.mark.parametrize("ticker", ["9888.HK", "AAPL"])
def test_real_panel_matches_plain_pandas(real: pd.DataFrame, ticker: str) -> None:
    panel = rally_panel(real)
    got = panel[panel["ticker"] == ticker].set_index("asof")
    s = real[real["ticker"] == ticker].set_index("date")["close"].sort_index()
    for col, lag in (("return_1d_pct", 1), ("return_1w_pct", 5), ("return_1m_pct", 21)):
        want = s.pct_change(lag) * 100
        np.testing.assert_allclose(got[col], want, rtol=1e-9, atol=1e-9, equal_nan=True)
    dd = (1 - s / s.cummax()) * 100
    np.testing.assert_allclose(got["drawdown_from_peak_pct"], dd, rtol=1e-9, atol=1e-12)
    year_end = s.groupby(s.index.year).last()
    base = s.index.year.map(year_end.shift(1).to_dict())
    ytd = (s / np.asarray(base, dtype=float) - 1) * 100
    np.testing.assert_allclose(got["return_ytd_pct"], ytd, rtol=1e-9, equal_nan=True)
    weekly = s.resample("W-SUN").last().dropna()  # Monday-Sunday weeks that have data
    wins = (weekly > weekly.shift(1)).to_numpy()
    streak = 0
    for won in wins[::-1]:
        if not won:
            break
        streak += 1
    assert got["win_streak_weeks"].iloc[-1] == streak


# ------------------------------------------------------------------------------------------
# The contract's order: a validated frame is read in place, and only while it is in order
# ------------------------------------------------------------------------------------------


def _validated(prices: pd.DataFrame) -> pd.DataFrame:
    full = prices.assign(open=prices["close"], high=prices["close"], low=prices["close"])
    return validate_prices(full.assign(volume=1.0))


def test_ticker_runs_proves_the_order_and_nothing_else(hand: pd.DataFrame) -> None:
    frame = _validated(hand)
    runs = ticker_runs(frame)
    assert runs is not None and runs.tickers == ("B", "T")
    assert runs.starts.tolist() == [0, 4] and runs.ends.tolist() == [4, 18]
    # pandas carries ``attrs`` through all of these, which is why no flag is trusted
    assert ticker_runs(frame.sort_values("date")) is None
    assert ticker_runs(pd.concat([frame, frame.iloc[:1]], ignore_index=True)) is None
    assert ticker_runs(frame.assign(date=frame["date"] + pd.Timedelta(hours=9))) is None
    assert ticker_runs(frame.assign(date=frame["date"].dt.tz_localize("UTC"))) is None
    assert ticker_runs(frame.assign(ticker=frame["ticker"].astype("string"))) is not None
    assert ticker_runs(frame.iloc[:0]) is not None


def test_an_edited_validated_frame_is_checked_again(hand: pd.DataFrame) -> None:
    frame = _validated(hand)
    edited = frame.copy()
    edited.loc[3, "close"] = -1.0  # still in order: the closes are rally's own rule
    with pytest.raises(ValueError, match="non-positive close"):
        rally_panel(edited)
    reordered = frame.sort_values("date", ignore_index=True)
    pd.testing.assert_frame_equal(rally_panel(reordered), rally_panel(frame))
    with_nan = frame.copy()
    with_nan.loc[5, "close"] = np.nan  # dropped, as a raw frame's NaN close is
    pd.testing.assert_frame_equal(rally_panel(with_nan), rally_panel(frame.drop(index=5)))


def test_the_panel_shares_the_frames_columns_but_writes_never_reach_it(
    hand: pd.DataFrame,
) -> None:
    """A validated frame's date and close columns go into the panel uncopied; pandas'
    copy on write must keep edits to either side from showing on the other."""
    frame = _validated(hand)
    before = frame.copy()
    panel = rally_panel(frame)
    assert np.shares_memory(panel["close"].to_numpy(), frame["close"].to_numpy())
    panel.loc[0, "close"] = -5.0
    panel.loc[0, "asof"] = pd.Timestamp("1999-01-01")
    pd.testing.assert_frame_equal(frame, before)
    again = rally_panel(frame)
    frame.loc[1, "close"] = 1e9
    assert again.loc[1, "close"] == before.loc[1, "close"]


@PROPS
@given(price_frames(), st.booleans())
def test_validated_and_raw_frames_give_the_same_panel(prices: pd.DataFrame, bench: bool) -> None:
    benchmark = "X0" if bench else None
    raw = rally_panel(prices, benchmark=benchmark)
    pd.testing.assert_frame_equal(rally_panel(_validated(prices), benchmark=benchmark), raw)
    assert raw["ticker"].dtype == pd.Series(["X0"]).dtype  # the text dtype pandas gives strings


def _brute_previous_greater(close: np.ndarray, starts: np.ndarray) -> np.ndarray:
    out = np.full(len(close), -1)
    for i in range(len(close)):
        for j in range(i - 1, starts[i] - 1, -1):
            if close[j] > close[i]:
                out[i] = j
                break
    return out


@PROPS
@given(st.lists(st.lists(st.integers(1, 12), min_size=1, max_size=70), min_size=1, max_size=4))
def test_previous_greater_is_the_latest_earlier_higher_close(runs: list[list[int]]) -> None:
    close = np.array([c for run in runs for c in run], dtype=np.float64)
    counts = np.array([len(run) for run in runs])
    first = np.cumsum(counts) - counts
    starts = np.repeat(first, counts)
    peak = running_peak(close, first, first + counts)
    np.testing.assert_array_equal(peak, pd.Series(close).groupby(starts).cummax().to_numpy())
    got = previous_greater(close, np.arange(len(close)) == starts, peak)
    np.testing.assert_array_equal(got, _brute_previous_greater(close, starts))


@PROPS
@given(
    st.lists(st.lists(st.integers(1, 12), min_size=1, max_size=70), min_size=1, max_size=4),
    st.integers(0, 3),
    st.integers(0, 2),
)
def test_previous_greater_finishes_by_lifting_the_same(
    runs: list[list[int]], rounds: int, work: int
) -> None:
    """The rows pointer jumping leaves open (here after 0-3 rounds or 0-2 moves a row) are
    finished by binary lifting over their tickers, with the same answers."""
    from themelens.analytics.rally import _panel

    close = np.array([c for run in runs for c in run], dtype=np.float64)
    counts = np.array([len(run) for run in runs])
    first = np.cumsum(counts) - counts
    starts = np.repeat(first, counts)
    peak = running_peak(close, first, first + counts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_panel, "JUMP_ROUNDS", rounds)
        patch.setattr(_panel, "JUMP_WORK", work)
        got = previous_greater(close, np.arange(len(close)) == starts, peak)
    np.testing.assert_array_equal(got, _brute_previous_greater(close, starts))


def test_previous_greater_on_a_staircase_stays_fast_and_right() -> None:
    """A long fall then a slow climb steps one row a jumping round: the work cap hands the
    climb to lifting, so 40 such tickers of 6,000 rows stay linear-ish and exact."""
    import time

    down, up = np.linspace(1000.0, 1.0, 3000), np.linspace(1.5, 999.5, 3000)
    one = np.concatenate([down, up])
    close = np.tile(one, 40)
    first = np.arange(40) * len(one)
    starts = np.repeat(first, len(one))
    peak = running_peak(close, first, first + len(one))
    began = time.perf_counter()
    got = previous_greater(close, np.arange(len(close)) == starts, peak)
    assert time.perf_counter() - began < 5.0  # a jumping-only walk would take minutes
    climb = got[3000 : len(one)]  # the climb's answers: the fall's last row above each close
    want = np.searchsorted(-down, -one[3000:], side="left") - 1
    np.testing.assert_array_equal(climb, want)
    np.testing.assert_array_equal(got[1:3000], np.arange(0, 2999))


@PROPS
@given(st.lists(st.dates(date(1901, 1, 1), date(2090, 12, 31)), min_size=1, max_size=40))
def test_calendar_years_are_the_dates_years(days: list[date]) -> None:
    numbers = np.array(sorted(d.toordinal() - date(1970, 1, 1).toordinal() for d in days))
    got = calendar_years(numbers)
    assert got.tolist() == [date.fromordinal(int(n) + 719163).year for n in numbers]


def test_real_drawdown_matches_quantstats(real: pd.DataFrame) -> None:
    qs = pytest.importorskip("quantstats")
    panel = rally_panel(real)
    for ticker, rows in panel.groupby("ticker"):
        closes = real[real["ticker"] == ticker].set_index("date")["close"].sort_index()
        want = -100.0 * qs.stats.to_drawdown_series(closes).to_numpy()
        np.testing.assert_allclose(rows["drawdown_from_peak_pct"], want, rtol=1e-12, atol=1e-12)
