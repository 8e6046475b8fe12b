"""The event study end to end: alignment, bad input, event sources, results, report section, step."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest

from themelens.analytics.events import (
    AR_COLUMNS,
    EVENT_COLUMNS,
    PATH_COLUMNS,
    Event,
    equal_weight_index,
    run_event_study,
    run_spillover,
)
from themelens.analytics.events_sources import (
    add_proxy_benchmark,
    events_from_catalysts,
    events_from_claims,
    parse_event,
    read_events_csv,
)
from themelens.config import Settings
from themelens.data.contracts import ticker_runs
from themelens.errors import CsvFormatError, InputError, UnknownTickerError
from themelens.summary import Summary
from themelens.theme import load_theme


def make_prices(seed: int = 5, sessions: int = 300) -> pd.DataFrame:
    """Tickers A, B, C (betas 0.5, 1, 1.5) on benchmark M over business days from 2024-01-01."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2024-01-01", periods=sessions)
    m = rng.normal(0.0004, 0.01, sessions)
    rows = [pd.DataFrame({"date": dates, "ticker": "M", "close": 100 * np.cumprod(1 + m)})]
    for name, beta in (("A", 0.5), ("B", 1.0), ("C", 1.5)):
        r = 0.0002 + beta * m + rng.normal(0, 0.015, sessions)
        rows.append(pd.DataFrame({"date": dates, "ticker": name, "close": 50 * np.cumprod(1 + r)}))
    return pd.concat(rows, ignore_index=True)


PRICES = make_prices()
GOOD = Event("A", date(2024, 9, 2), "good")


def test_day_zero_is_the_first_session_on_or_after_the_date() -> None:
    res = run_event_study(PRICES, [Event("A", date(2024, 8, 31))], benchmark="M")  # a Saturday
    assert res.events["event_session"].iloc[0] == pd.Timestamp("2024-09-02")
    ar = res.ar_frame()
    assert ar["day"].tolist() == [-1, 0, 1, 2, 3]
    assert ar["date"].iloc[0] == pd.Timestamp("2024-08-30")
    # CAR is the running sum of AR, and BHAR compounds actual minus compounded expected
    assert ar["car"].iloc[-1] == pytest.approx(ar["ar"].sum())
    bhar = np.prod(1 + ar["ret"]) - np.prod(1 + ar["expected_ret"])
    assert res.events["bhar"].iloc[0] == pytest.approx(bhar)


def test_estimation_window_ends_gap_sessions_before_day_zero() -> None:
    res = run_event_study(PRICES, [GOOD], benchmark="M", estimation=50, gap=10, min_estimation=50)
    sessions = pd.bdate_range("2024-01-01", periods=300)
    day0 = sessions.get_loc(pd.Timestamp("2024-09-02"))
    row = res.events.iloc[0]
    assert row["est_end"] == sessions[day0 - 10] and row["est_start"] == sessions[day0 - 59]
    assert row["n_est"] == 50


def test_a_missing_benchmark_session_drops_both_returns_that_touch_it() -> None:
    gap_day = pd.Timestamp("2024-07-15")
    prices = PRICES[~((PRICES["ticker"] == "M") & (PRICES["date"] == gap_day))]
    full = run_event_study(PRICES, [GOOD], benchmark="M")
    holed = run_event_study(prices, [GOOD], benchmark="M")
    assert full.events["n_est"].iloc[0] - holed.events["n_est"].iloc[0] == 2
    assert holed.events["est_gaps"].iloc[0] == 2
    assert "estimation days dropped" in " ".join(holed.warnings)


def test_bad_events_are_skipped_with_reasons_and_counted() -> None:
    no_bench = PRICES[~((PRICES["ticker"] == "M") & (PRICES["date"] == pd.Timestamp("2024-10-01")))]
    events = [
        GOOD,
        Event("A", date(2030, 1, 1)),  # after the data
        Event("A", date(2023, 6, 1)),  # before the data
        Event("B", date(2024, 2, 15)),  # estimation window too short
        Event("C", date(2024, 10, 1)),  # benchmark missing inside the event window
        Event("ZZZ", date(2024, 9, 2)),  # no prices
        Event("A", date(2024, 9, 2)),  # duplicate
        Event("C", date(2025, 2, 20)),  # event window runs past the data
        Event("ZZZ", date(2024, 9, 2)),  # an unknown ticker's duplicate ...
        Event("YYY", date(2024, 9, 2)),  # ... and another unknown on that date: not one
    ]
    res = run_event_study(no_bench, events, benchmark="M")
    assert res.events["ticker"].tolist() == ["A"]
    assert res.requested == 10 and len(res.failures) == 9
    reasons = {f.item: f.reason for f in res.failures}
    assert "outside the data" in reasons["A:2030-01-01"]
    assert "outside the data" in reasons["A:2023-06-01"]
    assert reasons["B:2024-02-15"].startswith("estimation window too short")
    assert "has no close for the event-window sessions 2024-10-01" in reasons["C:2024-10-01"]
    assert res.failures[4].reason == "no prices for ZZZ"
    assert "duplicate" in reasons["A:2024-09-02"]
    assert "event window needs 3 sessions" in reasons["C:2025-02-20"]
    assert [f.reason for f in res.failures[-2:]] == ["duplicate of event 5", "no prices for YYY"]
    # the order of failures is the order the events were given
    assert [f.item for f in res.failures] == [str(e) for e in events[1:]]
    assert "computed 1 of 10 events; skipped 9" in res.summary().as_text()


def test_bad_options_raise_one_line_input_errors() -> None:
    with pytest.raises(InputError, match="start is after the end"):
        run_event_study(PRICES, [GOOD], benchmark="M", window=(3, -1))
    with pytest.raises(InputError, match="must end before"):
        run_event_study(PRICES, [GOOD], benchmark="M", gap=0)
    with pytest.raises(InputError, match="needs a benchmark"):
        run_event_study(PRICES, [GOOD])
    with pytest.raises(InputError, match="min-estimation"):
        run_event_study(PRICES, [GOOD], benchmark="M", min_estimation=200)
    with pytest.raises(UnknownTickerError, match="benchmark"):
        run_event_study(PRICES, [GOOD], benchmark="MM")


def test_events_on_one_date_get_the_kolari_pynnonen_adjustment() -> None:
    shared = run_event_study(PRICES, [Event(t, date(2024, 9, 2)) for t in "ABC"], benchmark="M")
    apart = run_event_study(
        PRICES, [Event(t, date(2024, 9, d)) for t, d in zip("ABC", (2, 10, 18), strict=True)],
        benchmark="M",
    )  # fmt: skip
    assert shared.cross_correlation is not None and shared.cross_correlation[1] == 3
    assert shared.test("BMP (Kolari–Pynnönen)").n == 3
    assert "Kolari–Pynnönen" in shared.summary().as_text()
    assert apart.cross_correlation is None
    with pytest.raises(KeyError):
        apart.test("BMP (Kolari–Pynnönen)")


def test_the_two_result_frames_share_no_memory() -> None:
    """The frames are built without copying their arrays, so an edit to one must not show
    in the other (the event table's CAR and AR on day 0 come from the AR matrix)."""
    res = run_event_study(PRICES, [GOOD, Event("B", date(2024, 9, 2))], benchmark="M")
    car = res.abnormal["car"].to_numpy().copy()
    ar = res.abnormal["ar"].to_numpy().copy()
    res.events.loc[:, "car"] = 99.0
    res.events.loc[:, "ar_0"] = 99.0
    np.testing.assert_array_equal(res.abnormal["car"].to_numpy(), car)
    np.testing.assert_array_equal(res.abnormal["ar"].to_numpy(), ar)


def test_result_frames_json_and_summary() -> None:
    res = run_event_study(PRICES, [GOOD, Event("B", date(2024, 9, 2))], benchmark="M")
    assert tuple(res.to_frame().columns) == EVENT_COLUMNS
    assert tuple(res.ar_frame().columns) == AR_COLUMNS
    assert tuple(res.path_frame().columns) == PATH_COLUMNS
    frame = res.to_frame()
    frame.loc[0, "car"] = 99.0  # a copy
    assert res.events["car"].iloc[0] != 99.0
    data = json.loads(json.dumps(res.to_dict()))
    assert data["computed"] == 2 and len(data["abnormal_returns"]) == 10
    assert {t["test"] for t in data["tests"]} >= {"Patell Z", "Corrado rank", "generalised sign"}
    summary = res.summary()
    assert isinstance(summary, Summary) and "CAR [-1, +3]" in summary.as_text()
    assert "<table>" in res.tests_summary().as_html()


def test_spillover_keeps_the_leader_out_of_the_group_tests() -> None:
    res = run_spillover(PRICES, leader="A", members=["A", "B", "C"], event_date=date(2024, 9, 2),
                        benchmark="M", group_name="supply-chain")  # fmt: skip
    assert res.leader.events["ticker"].tolist() == ["A"]
    assert res.group.events["ticker"].tolist() == ["B", "C"]
    assert res.to_frame()["role"].tolist() == ["leader", "supply-chain", "supply-chain"]
    assert "Spillover of A" in res.summary().as_text()


def test_equal_weight_index_by_hand() -> None:
    days = pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"])
    prices = pd.DataFrame({"date": list(days) * 2, "ticker": ["X"] * 3 + ["Y"] * 3,
                           "close": [10, 11, 11, 20, 20, 18]})  # fmt: skip
    idx = equal_weight_index(prices, ["X", "Y"], name="P")
    # day 2: (+10% + 0%) / 2 = +5% -> 105; day 3: (0% - 10%) / 2 = -5% -> 99.75
    assert idx["close"].tolist() == pytest.approx([100.0, 105.0, 99.75])


# --- event sources ------------------------------------------------------------------------------


def test_parse_event_resolves_entities() -> None:
    theme = load_theme("china-ai")
    assert parse_event("alibaba:2025-09-24", theme) == Event(
        "9988.HK", date(2025, 9, 24), "alibaba"
    )
    assert parse_event("^IXIC:2025-01-02").ticker == "^IXIC"
    with pytest.raises(ValueError, match="not a date"):
        parse_event("BABA:2025-13-01")
    with pytest.raises(ValueError, match="TICKER:YYYY-MM-DD"):
        parse_event("BABA")


def test_catalysts_become_events_without_the_benchmarks() -> None:
    theme = load_theme("china-ai")
    events = events_from_catalysts(theme)
    tickers = {e.ticker for e in events}
    assert {"9988.HK", "0981.HK", "1347.HK"} <= tickers
    assert "HSTECH.HK" not in tickers  # an index has no abnormal return against itself
    assert all(
        e.date <= date(2025, 9, 23) for e in events_from_catalysts(theme, until=date(2025, 9, 23))
    )


def test_only_supported_dated_claims_become_events() -> None:
    class C(NamedTuple):
        entity: str
        date: str | None
        quote: str = ""

    class V(NamedTuple):
        verdict: str
        proxy: bool = False

    pairs = [
        (C("alibaba", "2025-09-24", "Alibaba jumped"), V("supported")),
        (C("alibaba", "2025-09-24", "again"), V("supported")),  # same ticker and date: once
        (C("smic", "2025-09-24"), V("contradicted")),
        (C("baidu", None), V("supported")),
        (C("hua-hong", "2025-09-24"), None),
        (C("deepseek", "2025-09-24"), V("supported")),  # no listing
        (C("hstech", "2025-09-24"), V("supported", proxy=True)),  # an old proxy verdict
    ]
    events = events_from_claims(pairs, load_theme("china-ai"))
    assert events == (Event("9988.HK", date(2025, 9, 24), "Alibaba jumped"),)


def test_read_events_csv(tmp_path: Path) -> None:
    good = tmp_path / "events.csv"
    good.write_text("ticker,date,label\nalibaba,2025-09-24,capex\n\n0981.HK,2025-09-24\n")
    events = read_events_csv(good, load_theme("china-ai"))
    assert events == (
        Event("9988.HK", date(2025, 9, 24), "capex"),
        Event("0981.HK", date(2025, 9, 24), "0981.HK"),
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("ticker,date\nBABA,2025-09-31\n")
    with pytest.raises(CsvFormatError, match=r"bad.csv: row 2: '2025-09-31' is not a date"):
        read_events_csv(bad)
    (tmp_path / "nodate.csv").write_text("ticker,when\nBABA,2025-09-01\n")
    with pytest.raises(CsvFormatError, match="column 'date' missing"):
        read_events_csv(tmp_path / "nodate.csv")


def test_proxy_benchmark_leaves_the_event_stocks_out() -> None:
    theme = load_theme("china-ai")
    rows = []
    for t in ("9988.HK", "9888.HK", "0700.HK", "BABA"):
        rows.append(PRICES[PRICES["ticker"] == "A"].assign(ticker=t))
    prices, ticker, members = add_proxy_benchmark(pd.concat(rows), theme, exclude=["9988.HK"])
    assert members == ("9888.HK", "0700.HK")  # HK listings only, the event stock excluded
    assert ticker in set(prices["ticker"])
    with pytest.raises(InputError, match="fewer than 2"):
        add_proxy_benchmark(pd.concat(rows), theme, exclude=["9888.HK", "0700.HK"])


# --- report section and pipeline step -------------------------------------------------------


def _context(events: object = None):  # type: ignore[no-untyped-def]
    from datetime import datetime

    from themelens.report.context import ThemeRun

    return ThemeRun(theme=load_theme("china-ai"), asof=None, generated_at=datetime(2025, 1, 1),
                         synthetic=False, prices=PRICES, rally=None, roles={}, benchmark=None,
                         events=events)  # fmt: skip


def test_report_section_has_the_caar_band_and_says_why_without_a_result() -> None:
    from themelens.report.sections.events import build_events

    absent = build_events(_context())
    assert absent.id == "events" and "nothing to study" in absent.html and not absent.charts
    res = run_event_study(PRICES, [Event(t, date(2024, 9, 2)) for t in "ABC"], benchmark="M")
    section = build_events(_context(res))
    assert section is not None and section.id == "events"
    fig = section.charts[0].figure
    names = [trace.get("name") for trace in fig["data"]]
    assert "mean CAR" in names and "95% band" in names
    caar = next(t for t in fig["data"] if t.get("name") == "mean CAR")
    assert caar["y"][-1] == pytest.approx(res.path["caar"].iloc[-1] * 100, abs=1e-3)
    assert "Patell Z" in section.html and "<script" not in section.html
    assert len(json.dumps(fig)) < 8000  # no template: the figure stays small


def test_pipeline_step_studies_the_theme_catalysts_on_demo_data(tmp_path: Path) -> None:
    from themelens.data.providers import fetch_prices
    from themelens.data.providers.demo import DemoProvider
    from themelens.pipeline.model import RunInputs
    from themelens.pipeline.steps_events import event_study_step

    theme = load_theme("china-ai")
    tickers = ["9988.HK", "0981.HK", "1347.HK", "9888.HK", "002371.SZ", "HSTECH.HK"]
    prices = fetch_prices(DemoProvider(), tickers).frame
    inputs = RunInputs(Settings(db_path=tmp_path / "db.duckdb", provider="demo"), theme, prices,
                       date(2025, 10, 31), "HSTECH.HK", {})  # fmt: skip
    res = event_study_step(inputs)
    assert res is not None and res.synthetic and res.benchmark == "HSTECH.HK"
    assert {"9988.HK", "0981.HK", "1347.HK", "9888.HK"} <= set(res.events["ticker"])
    assert res.cross_correlation is not None  # three catalysts on 2025-09-24


@pytest.mark.parametrize(
    "wanted",
    [["A", "B", "C"], ["B", "C"], ["A", "C"]],  # every ticker (the frame's own arrays), a
    ids=["every", "one-run", "scattered"],  # subset in one run (a view), one in two (a copy)
)
def test_the_study_never_writes_into_the_callers_frame(wanted: list[str]) -> None:
    # the panel's day numbers are worked out in place only in an array of its own
    frame = PRICES.sort_values(["ticker", "date"], ignore_index=True)
    frame["date"] = frame["date"].astype("datetime64[ns]")  # the contract's order: read in place
    assert ticker_runs(frame) is not None
    before = frame.copy(deep=True)
    events = [Event(t, date(2024, 9, 2)) for t in wanted]
    res = run_event_study(frame, events, benchmark="M")
    assert len(res.events) == len(wanted)
    pd.testing.assert_frame_equal(frame, before)
