"""Fundamentals sources: the yahoo seam (replayed), CSV imports, reported facts, theme additions."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from themelens.data.fundamentals import (
    DEMO_NOTE,
    YahooFundamentals,
    load_capex,
    load_valuation,
    read_capex_csv,
    read_valuation_csv,
    record,
    replay,
    reported_valuation,
)
from themelens.errors import CsvFormatError, OfflineError, ThemeError
from themelens.theme import load_theme

RECORDING = Path(__file__).resolve().parents[1] / "recordings" / "fundamentals"
THEME = load_theme()
TICKERS = ["9988.HK", "0700.HK", "9888.HK", "0020.HK", "1347.HK"]


def _replayed() -> YahooFundamentals:
    cash_flow, info, synthetic = replay(RECORDING)
    return YahooFundamentals(cash_flow=cash_flow, info=info, synthetic=synthetic)


def test_recording_is_labelled_synthetic() -> None:
    assert replay(RECORDING)[2] is True
    assert "SYNTHETIC" in (RECORDING / "meta.json").read_text(encoding="utf-8")


def test_replayed_capex_rows_failures_and_sign() -> None:
    batch = _replayed().capex(TICKERS, freq="quarterly")
    assert batch.synthetic
    frame = batch.frame
    assert set(frame["ticker"]) == {"9988.HK", "0700.HK", "9888.HK"}
    assert (frame["capex"] > 0).all()  # statements print it negative; we store spend
    ali = frame[frame["ticker"] == "9988.HK"].set_index("period_end")
    assert ali.loc[pd.Timestamp("2024-06-30"), "capex"] == 12.0e9
    assert set(frame["currency"]) == {"CNY"}  # financialCurrency, not the HKD quote currency
    reasons = {f.item: f.reason for f in batch.failures}
    assert "no 'Capital Expenditure' line" in reasons["0020.HK"]
    assert "no quarterly cash-flow statement" in reasons["1347.HK"]


def test_replayed_valuation_snapshot() -> None:
    data = _replayed().valuation(TICKERS)
    row = data.frame.set_index("ticker").loc["9988.HK"]
    assert (row["pe_fwd"], row["pe_trailing"], row["eps_fwd"]) == (17.5, 19.8, 9.2)
    assert {f.item for f in data.failures} == {"0020.HK", "1347.HK"}


def _offline(*_: Any) -> Any:
    raise ConnectionError("network is unreachable")


def test_offline_raises_from_the_source_and_degrades_in_load() -> None:
    yahoo = YahooFundamentals(cash_flow=_offline, info=_offline)
    with pytest.raises(OfflineError, match="offline"):
        yahoo.capex(["9988.HK"])
    demo = load_capex(["9988.HK"], source="demo")
    assert not demo.available and demo.notes == (DEMO_NOTE,) and demo.frame.empty


def test_record_then_replay_round_trip(tmp_path: Path) -> None:
    cash_flow, info, _ = replay(RECORDING)
    record(["9988.HK", "1347.HK"], tmp_path, cash_flow=cash_flow, info=info, synthetic=True)
    again = YahooFundamentals(cash_flow=replay(tmp_path)[0], info=replay(tmp_path)[1])
    original = _replayed().capex(["9988.HK"]).frame
    pd.testing.assert_series_equal(again.capex(["9988.HK"]).frame["capex"], original["capex"])
    assert not (tmp_path / "1347.HK.cashflow.annual.csv").exists()


def test_load_capex_yahoo_merges_frequencies() -> None:
    loaded = load_capex(TICKERS, source="yahoo", replay_dir=RECORDING)
    assert set(loaded.frame["freq"]) == {"annual", "quarterly"}
    assert sorted(f.item for f in loaded.failures) == ["0020.HK", "1347.HK"]


# --- CSV ------------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_capex_csv_resolves_theme_names(tmp_path: Path) -> None:
    path = _write(tmp_path, "ticker,period_end,capex,currency,freq\nalibaba,2025-03-31,\"85,972,000,000\",cny,annual\n腾讯,2024-12-31,,CNY,\n")  # fmt: skip
    batch = read_capex_csv(path, theme=THEME)
    assert list(batch.frame["ticker"]) == ["9988.HK"]
    assert batch.frame["capex"].iloc[0] == 85_972_000_000.0
    assert batch.frame["currency"].iloc[0] == "CNY"
    assert "1 row(s) without a capex figure" in batch.notes[0]  # empty cell: left out, not 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ticker,period_end,capex\nBABA,2024-12-31,1\n", "column 'currency' missing"),
        ("ticker,period_end,capex,currency\nBABA,2024-12-31,-5,USD\n", "row 2: capex is negative"),
        ("ticker,period_end,capex,currency\nBABA,2024-12-31,lots,USD\n", "row 2: capex 'lots'"),
        ("ticker,period_end,capex,currency\nBABA,31/12/2024,1,USD\n", "row 2: period_end"),
        ("ticker,period_end,capex,currency\nBABA,2024-12-31,1,dollars\n", "not an ISO 4217"),
        ("ticker,period_end,capex,currency\nno such co,2024-12-31,1,USD\n", "neither a ticker"),
    ],
)
def test_bad_capex_csv_is_one_line_naming_file_and_row(tmp_path: Path, text: str, message: str) -> None:  # fmt: skip
    with pytest.raises(CsvFormatError, match=message) as info:
        read_capex_csv(_write(tmp_path, text), theme=THEME)
    assert "in.csv" in str(info.value) and "\n" not in str(info.value)


def test_valuation_csv(tmp_path: Path) -> None:
    path = _write(tmp_path, "date,ticker,pe_fwd,eps_fwd\n2025-01-02,hstech,18.5,\n2025-09-26,HSTECH,21,\n")  # fmt: skip
    frame = read_valuation_csv(path, theme=THEME).frame
    assert list(frame["ticker"]) == ["HSTECH.HK", "HSTECH.HK"]
    assert frame["eps_fwd"].isna().all() and frame["pe_trailing"].isna().all()
    with pytest.raises(CsvFormatError, match="pe_fwd or pe_trailing"):
        read_valuation_csv(_write(tmp_path, "date,ticker,eps\n2025-01-02,BABA,1\n"))


def test_reported_valuation_is_the_press_21_vs_27() -> None:
    data = reported_valuation(THEME)
    pe = dict(zip(data.frame["ticker"], data.frame["pe_fwd"], strict=True))
    assert pe == {"HSTECH.HK": 21.0, "^NDX": 27.0}
    assert set(data.frame["provider"]) == {"press reports"}
    loaded, reported = load_valuation(["HSTECH.HK"], source="demo", theme=THEME)
    assert reported and len(loaded.frame) == 2


# --- theme additions --------------------------------------------------------------------------


def test_theme_capex_facts_are_press_reports() -> None:
    facts = THEME.capex_facts
    assert {(f.entity, f.value, f.currency, f.period) for f in facts} >= {
        ("china-big-tech", 1.3e10, "USD", "2023"),
        ("china-big-tech", 3.2e10, "USD", "2025"),
        ("alibaba+baidu+tencent", 5.0e10, "CNY", "2024H1"),
        ("alibaba+baidu+tencent", 2.3e10, "CNY", "2023H1"),
        ("alibaba", 3.8e11, "CNY", "3y"),
    }
    assert all("press reports" in f.source for f in facts)
    growth = {f.entity: f.value for f in facts if f.metric == "capex_growth_pct"}
    assert growth == {"alibaba": 123.0, "tencent": 176.0}
    assert THEME.scenarios is not None
    total = sum(THEME.scenarios.case(n).probability for n in ("bull", "base", "bear"))
    assert total == pytest.approx(1.0, abs=1e-9)


def _theme_file(tmp_path: Path, change: Any) -> Path:
    data = yaml.safe_load((Path(__file__).resolve().parents[2] / "src/themelens/themes/china-ai.yaml").read_text(encoding="utf-8"))  # fmt: skip
    data = copy.deepcopy(data)
    change(data)
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: d["scenarios"]["bull"].update(probability=0.3), "scenarios", "sum to 1.05"),
        (
            lambda d: d["capex_facts"][0].update(entity="alibab"),
            "capex_facts.0.entity",
            "close matches: alibaba",
        ),
        (
            lambda d: d["capex_facts"][1].pop("currency"),
            "capex_facts.1.currency",
            "needs a currency",
        ),
        (
            lambda d: d["scenarios"]["base"].update(rerating=1),
            "scenarios.base.rerating",
            "did you mean 'rerating_pct'",
        ),
        (
            lambda d: d["scenarios"]["bear"]["entities"].update(smcc={"rerating_pct": 1}),
            "scenarios.bear.entities.smcc",
            "unknown entity",
        ),
        (
            lambda d: d["scenarios"]["bear"].update(earnings_growth_pct=-100),
            "scenarios.bear.earnings_growth_pct",
            "greater than -100",
        ),
    ],
)
def test_bad_theme_additions_name_the_field(tmp_path: Path, change: Any, field: str, message: str) -> None:  # fmt: skip
    with pytest.raises(ThemeError, match=message) as info:
        load_theme(_theme_file(tmp_path, change))
    assert info.value.field == field


def test_probabilities_within_float_rounding_load(tmp_path: Path) -> None:
    def tenths(d: dict[str, Any]) -> None:
        for name, p in (
            ("bull", 0.1),
            ("base", 0.2),
            ("bear", 0.7),
        ):  # 0.1 + 0.2 + 0.7 ≠ 1.0 exactly
            d["scenarios"][name]["probability"] = p

    assert load_theme(_theme_file(tmp_path, tenths)).scenarios is not None
