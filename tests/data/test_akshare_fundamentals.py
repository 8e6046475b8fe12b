"""AkShare fundamentals: capex from Eastmoney statements, P/E history from Baidu, and loading.

Offline throughout: frames come from the synthetic recording in
``tests/recordings/akshare_fundamentals`` (made-up codes 00000, 99998, 99999)
through the injected fetch, or from fetches that edit those frames or raise
what AkShare's transports raise. Expected values are worked out here from the
recorded CSV files, not by the code under test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

from themelens.analytics.fundamentals import compare_valuation
from themelens.data.akshare_client import AkshareClient, FetchFn, replay_fetch
from themelens.data.fundamentals import (
    AkshareFundamentals,
    YahooFundamentals,
    hk_code,
    load_capex,
    load_valuation,
    pick_source,
)
from themelens.theme import load_theme

RECORDING = Path(__file__).resolve().parents[1] / "recordings" / "akshare_fundamentals"
YAHOO_RECORDING = RECORDING.parent / "fundamentals"
THEME = load_theme()
CASH_FLOW, INDICATOR = "stock_financial_hk_report_em", "stock_financial_hk_analysis_indicator_em"
VALUATION = "stock_hk_valuation_baidu"
CAPEX_LINES = ("购建固定资产", "购建无形资产及其他资产")
OFFLINE = requests.ConnectionError(
    "HTTPSConnectionPool(host='datacenter.eastmoney.com', port=443): Max retries exceeded with"
    ' url: /securities/api/data/v1/get (Caused by NameResolutionError("<urllib3.connection.'
    "HTTPSConnection object>: Failed to resolve 'datacenter.eastmoney.com'\"))"
)


def _recorded(function: str, **kwargs: str) -> pd.DataFrame:
    """The frame recorded for a call, read straight from its CSV (numbers as floats)."""
    meta = json.loads((RECORDING / "meta.json").read_text(encoding="utf-8"))
    key = next(k for k, e in meta["calls"].items() if e["function"] == function and e["kwargs"] == kwargs)  # fmt: skip
    return pd.read_csv(RECORDING / f"{key}.csv", dtype=str, keep_default_na=False)


def _cumulative(code: str, indicator: str) -> dict[str, float]:
    """Capex spend per report date by hand: −(sum of the two capex lines), fiscal year to date."""
    cf = _recorded(CASH_FLOW, stock=code, symbol="现金流量表", indicator=indicator)
    lines = cf[cf["STD_ITEM_NAME"].isin(CAPEX_LINES)]
    sums = lines["AMOUNT"].astype(float).groupby(lines["REPORT_DATE"].str.slice(0, 10)).sum()
    return {day: -float(total) for day, total in sums.items()}


def _source(fetch: FetchFn | None = None, sleeps: list[float] | None = None) -> AkshareFundamentals:
    waits = sleeps if sleeps is not None else []
    client = AkshareClient(min_interval_s=0, fetch=fetch or replay_fetch(RECORDING), sleep=waits.append)  # fmt: skip
    return AkshareFundamentals(client, synthetic=True)


def _editing(edit: Callable[[str, Mapping[str, Any], pd.DataFrame], pd.DataFrame]) -> FetchFn:
    """The replayed fetch with ``edit`` applied to what it returns."""
    inner = replay_fetch(RECORDING)

    def fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
        return edit(function, kwargs, inner(function, kwargs))

    return fetch


def _by_period(frame: pd.DataFrame, ticker: str, freq: str) -> dict[str, float]:
    mine = frame[(frame["ticker"] == ticker) & (frame["freq"] == freq)]
    return {f"{d:%Y-%m-%d}": float(c) for d, c in zip(mine["period_end"], mine["capex"], strict=True)}  # fmt: skip


# --- the recording ---------------------------------------------------------------------------


def test_recording_is_synthetic_and_for_made_up_codes_only() -> None:
    meta = json.loads((RECORDING / "meta.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and "SYNTHETIC" in meta["note"]
    codes = {str(e["kwargs"].get("stock", e["kwargs"].get("symbol"))) for e in meta["calls"].values()}  # fmt: skip
    assert codes == {"00000", "99998", "99999"}
    assert AkshareFundamentals.from_recording(RECORDING).synthetic


@pytest.mark.parametrize(
    ("ticker", "code"),
    [("0700.HK", "00700"), ("9988.HK", "09988"), ("99998.HK", "99998"), ("AAPL", None),
     ("HSTECH.HK", None), ("688981.SS", None), ("0700", None)],
)  # fmt: skip
def test_hk_code(ticker: str, code: str | None) -> None:
    assert hk_code(ticker) == code


# --- capex -----------------------------------------------------------------------------------


def test_annual_capex_sign_units_currency_and_period_end_by_hand() -> None:
    before = datetime.now(UTC).replace(tzinfo=None)
    batch = _source().capex(["0000.HK", "99998.HK"], freq="annual")
    after = datetime.now(UTC).replace(tzinfo=None)
    assert batch.synthetic and batch.failures == ()
    currency = _recorded(INDICATOR, symbol="00000", indicator="年度")
    listed = set(currency["REPORT_DATE"].str.slice(0, 10))
    assert set(currency["CURRENCY"]) == {"RMB"}  # Eastmoney's code for the yuan
    expected = {day: spend for day, spend in _cumulative("00000", "年度").items() if day in listed}
    assert expected["2024-12-31"] == pytest.approx(14.4e9 + 1.6e9, rel=1e-12)  # hand-worked
    got = _by_period(batch.frame, "0000.HK", "annual")
    assert got.keys() == expected.keys() == {"2023-12-31", "2024-12-31"}
    for day, spend in expected.items():
        assert got[day] == pytest.approx(spend, rel=1e-12)  # positive, full units, no disposals
    b = _by_period(batch.frame, "99998.HK", "annual")  # the fixed-asset line alone
    assert b == pytest.approx(_cumulative("99998", "年度"), rel=1e-12)
    frame = batch.frame.set_index("ticker")
    assert frame.loc["0000.HK", "currency"].unique().tolist() == ["CNY"]
    assert frame.loc["99998.HK", "currency"].unique().tolist() == ["HKD"]
    assert set(batch.frame["provider"]) == {"akshare"}
    source = batch.frame["source"].iloc[0]
    assert source.startswith("akshare stock_financial_hk_report_em(stock='00000', symbol='现金流量表'")  # fmt: skip
    assert source.endswith(" [synthetic recording]")
    assert ((batch.frame["fetched_at"] >= before) & (batch.frame["fetched_at"] <= after)).all()
    # 2022 is not in the indicator's answer: left out and said, not given a guessed currency
    assert any("2022-12-31" in n and INDICATOR in n for n in batch.notes)


def test_quarterly_capex_is_derived_from_year_to_date_figures() -> None:
    batch = _source().capex(["0000.HK", "99998.HK"], freq="quarterly")
    ytd = _cumulative("00000", "报告期")
    got = _by_period(batch.frame, "0000.HK", "quarterly")
    by_hand = {
        "2024-03-31": ytd["2024-03-31"],  # Q1 is its own year to date
        "2024-06-30": ytd["2024-06-30"] - ytd["2024-03-31"],
        "2024-09-30": ytd["2024-09-30"] - ytd["2024-06-30"],
        "2024-12-31": ytd["2024-12-31"] - ytd["2024-09-30"],  # annual − Q3
        "2025-06-30": ytd["2025-06-30"] - ytd["2025-03-31"],
    }
    for day, spend in by_hand.items():
        assert got[day] == pytest.approx(spend, rel=1e-12)
    year = [v for d, v in got.items() if d.startswith("2024")]
    assert sum(year) == pytest.approx(ytd["2024-12-31"], rel=1e-12)  # the quarters add up
    # 2023-03-31 has no currency, and 2023-06-30 is derived from it: both left out, noted
    assert "2023-03-31" not in got and "2023-06-30" not in got and "2023-09-30" in got
    assert any("2023-03-31, 2023-06-30" in n for n in batch.notes)
    reasons = {f.item: f.reason for f in batch.failures}
    assert reasons["99998.HK"].startswith("no quarterly periods")  # half-yearly reporter


def _line(frame: pd.DataFrame, day: str, item: str) -> pd.Series:
    return frame["REPORT_DATE"].str.startswith(day) & (frame["STD_ITEM_NAME"] == item)


def _restated(frame: pd.DataFrame) -> pd.DataFrame:
    """Year-to-date fixed-asset spend at 2024-09-30 below the interim's: a restatement."""
    return frame.assign(AMOUNT=frame["AMOUNT"].mask(_line(frame, "2024-09-30", CAPEX_LINES[0]), -1.0e9))  # fmt: skip


def _no_intangibles_line(frame: pd.DataFrame) -> pd.DataFrame:
    """The 2024 interim without its intangibles line: Q2 and Q3 would mix line sets."""
    return frame[~_line(frame, "2024-06-30", CAPEX_LINES[1])]


@pytest.mark.parametrize(
    ("day", "edit", "message"),
    [("2024-09-30", _restated, "restated"), ("2024-06-30", _no_intangibles_line, "lines differ")],
)
def test_inconsistent_cumulative_figures_leave_the_quarter_out(
    day: str, edit: Callable[[pd.DataFrame], pd.DataFrame], message: str
) -> None:
    def change(function: str, kwargs: Mapping[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
        return edit(frame) if function == CASH_FLOW and kwargs["stock"] == "00000" else frame

    batch = _source(_editing(change)).capex(["0000.HK"], freq="quarterly")
    got = _by_period(batch.frame, "0000.HK", "quarterly")
    assert day not in got and "2024-03-31" in got
    assert any(day in n and message in n for n in batch.notes)


def test_renamed_column_fails_naming_the_function_and_the_expected_columns() -> None:
    def rename(function: str, kwargs: Mapping[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
        renamed = {"AMOUNT": "AMOUNT_CNY"} if function == CASH_FLOW else {"value": "pe"}
        return frame.rename(columns=renamed)

    source = _source(_editing(rename))
    reason = source.capex(["0000.HK"]).failures[0].reason
    assert CASH_FLOW in reason and "stock='00000'" in reason
    assert "expected columns REPORT_DATE, STD_ITEM_NAME, AMOUNT but AMOUNT missing" in reason
    reason = source.valuation(["0000.HK"]).failures[0].reason
    assert VALUATION in reason and "expected columns date, value but value missing" in reason


def test_empty_frame_fails_naming_function_and_symbol_and_the_batch_goes_on() -> None:
    def empty(function: str, kwargs: Mapping[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame() if kwargs.get("stock") == "00000" else frame

    batch = _source(_editing(empty)).capex(["0000.HK", "99998.HK"])
    (failure,) = batch.failures
    assert failure.item == "0000.HK"
    assert CASH_FLOW in failure.reason and "'00000'" in failure.reason
    assert "empty frame" in failure.reason
    assert set(batch.frame["ticker"]) == {"99998.HK"}


def test_unknown_symbol_fails_once_and_the_others_load() -> None:
    sleeps: list[float] = []
    source = _source(sleeps=sleeps)
    batch = source.capex(["0000.HK", "99999.HK", "99998.HK", "AAPL"])
    reasons = {f.item: f.reason for f in batch.failures}
    assert reasons.keys() == {"99999.HK", "AAPL"}
    assert CASH_FLOW in reasons["99999.HK"] and "'99999'" in reasons["99999.HK"]
    assert "no data for this symbol" in reasons["99999.HK"]
    assert "Hong Kong listings only" in reasons["AAPL"]
    assert set(batch.frame["ticker"]) == {"0000.HK", "99998.HK"}
    data = source.valuation(["99999.HK", "0000.HK"])
    assert [f.item for f in data.failures] == ["99999.HK"]
    assert VALUATION in data.failures[0].reason
    assert set(data.frame["ticker"]) == {"0000.HK"}
    assert sleeps == []  # an unknown symbol is not retried; spacing 0 never waits


def test_currency_call_failing_fails_the_ticker_rather_than_guess() -> None:
    inner = replay_fetch(RECORDING)

    def fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
        if function == INDICATOR and kwargs["symbol"] == "00000":
            raise KeyError("result")
        return inner(function, kwargs)

    batch = _source(fetch).capex(["0000.HK", "99998.HK"])
    (failure,) = batch.failures
    assert failure.item == "0000.HK" and "reporting currency unknown" in failure.reason
    assert INDICATOR in failure.reason
    assert set(batch.frame["ticker"]) == {"99998.HK"}


# --- offline ---------------------------------------------------------------------------------


def _offline(*_: Any) -> Any:
    raise OFFLINE


def test_offline_capex_is_unavailable_with_a_note_and_nothing_raised() -> None:
    sleeps: list[float] = []
    akshare = _source(_offline, sleeps)
    loaded = load_capex(["0000.HK"], source="akshare", akshare_source=akshare)
    assert not loaded.available and loaded.frame.empty
    (note,) = loaded.notes
    assert note.startswith("statement figures unavailable") and "offline" in note
    assert sleeps == []  # offline is not retried
    data, reported = load_valuation(["0000.HK"], source="akshare", theme=THEME, akshare_source=akshare)  # fmt: skip
    assert reported and "AkShare unreachable" in data.notes[0]


def test_auto_with_both_sources_offline_is_unavailable() -> None:
    yahoo = YahooFundamentals(cash_flow=_offline, info=_offline)
    loaded = load_capex(["0000.HK"], source="auto", yahoo_source=yahoo, akshare_source=_source(_offline))  # fmt: skip
    assert not loaded.available
    assert "Yahoo Finance unreachable" in loaded.notes[0] and "AkShare unreachable" in loaded.notes[0]  # fmt: skip


def test_auto_with_yahoo_offline_takes_akshare_for_hong_kong() -> None:
    yahoo = YahooFundamentals(cash_flow=_offline, info=_offline)
    loaded = load_capex(["0000.HK", "AAPL"], source="auto", yahoo_source=yahoo, akshare_replay_dir=RECORDING)  # fmt: skip
    assert loaded.available and set(loaded.frame["ticker"]) == {"0000.HK"}
    assert set(loaded.frame["provider"]) == {"akshare"}
    assert [f.item for f in loaded.failures] == ["AAPL"]
    assert "Yahoo Finance unreachable" in loaded.notes[0]


# --- loading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "csv", "expected"),
    [("akshare", None, "akshare"), ("auto", None, "auto"), ("yahoo", None, "yahoo"),
     ("demo", None, "demo"), ("stooq", None, "none"), ("akshare", Path("capex.csv"), "csv")],
)  # fmt: skip
def test_pick_source(provider: str, csv: Path | None, expected: str) -> None:
    assert pick_source(provider, csv) == expected


def test_load_capex_akshare_merges_frequencies() -> None:
    loaded = load_capex(["0000.HK", "99998.HK"], source="akshare", akshare_replay_dir=RECORDING)
    assert loaded.synthetic and loaded.failures == ()  # "no quarterly periods" is not a failure
    freqs = loaded.frame.groupby("ticker")["freq"].unique().map(sorted).to_dict()
    assert freqs == {"0000.HK": ["annual", "quarterly"], "99998.HK": ["annual"]}


def test_auto_capex_fills_what_yahoo_lacks_from_akshare() -> None:
    loaded = load_capex(
        ["9988.HK", "0000.HK", "0020.HK", "AAPL"], source="auto",
        replay_dir=YAHOO_RECORDING, akshare_replay_dir=RECORDING,
    )  # fmt: skip
    providers = loaded.frame.groupby("ticker")["provider"].unique().map(list).to_dict()
    assert providers == {"9988.HK": ["yahoo"], "0000.HK": ["akshare"]}
    reasons = {f.item: f.reason for f in loaded.failures}
    assert reasons.keys() == {"0020.HK", "AAPL"}
    assert reasons["0020.HK"].startswith("yahoo: ") and "; akshare: " in reasons["0020.HK"]
    assert "akshare" not in reasons["AAPL"]  # not a Hong Kong listing: Yahoo's reason alone
    assert loaded.synthetic
    assert any("from AkShare where Yahoo Finance had no statement: 0000.HK" in n for n in loaded.notes)  # fmt: skip


def test_auto_valuation_takes_akshare_history_where_yahoo_has_none() -> None:
    data, reported = load_valuation(
        ["9988.HK", "0000.HK"], source="auto", theme=THEME,
        replay_dir=YAHOO_RECORDING, akshare_replay_dir=RECORDING,
    )  # fmt: skip
    assert not reported and data.failures == ()
    counts = data.frame.groupby("ticker")["provider"].agg(["first", "size"])
    assert counts.loc["9988.HK"].tolist() == ["yahoo", 1]
    assert counts.loc["0000.HK", "first"] == "akshare" and counts.loc["0000.HK", "size"] > 300


# --- valuation -------------------------------------------------------------------------------


def test_valuation_history_keeps_losses_as_nan_and_feeds_the_zscore() -> None:
    data = _source().valuation(["0000.HK"])
    raw = _recorded(VALUATION, symbol="00000", indicator="市盈率(TTM)", period="全部")
    values = raw["value"].astype(float).to_numpy()
    frame = data.frame
    assert len(frame) == len(raw) and data.synthetic
    assert frame[["pe_fwd", "eps_fwd", "price"]].isna().all().all()  # absent, never 0
    assert np.array_equal(frame["pe_trailing"].isna().to_numpy(), values <= 0)  # losses: NaN
    assert (values <= 0).sum() > 0
    assert frame["source"].iloc[0].startswith(f"akshare {VALUATION}(symbol='00000'")
    # z-score of the last P/E vs the five years before it, worked out from the CSV
    pe = pd.Series(values, index=pd.to_datetime(raw["date"]))
    pe = pe[pe > 0]
    window = pe[pe.index > pe.index[-1] - pd.DateOffset(years=5)]
    z = (pe.iloc[-1] - window.mean()) / window.std(ddof=1)
    result = compare_valuation(frame, subjects={"0000.HK": ("synthetic-a", "member")})
    row = result.rows.iloc[0]
    assert row["z_trailing_5y"] == pytest.approx(z, rel=1e-9)
    assert row["history_obs"] == len(window)
    assert np.isnan(row["z_fwd_5y"])
