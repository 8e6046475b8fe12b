"""Revenue and net income: Yahoo and AkShare replayed from recordings, CSV imports, loading rules."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from themelens.data.akshare_client import AkshareClient, FetchFn, replay_fetch
from themelens.data.fundamentals import (
    DEMO_NOTE,
    INCOME_COLUMNS,
    AkshareIncome,
    YahooIncome,
    load_income,
    read_income_csv,
    replay,
    replay_income,
    validate_income,
)
from themelens.data.fundamentals.income_loading import NO_SOURCE_NOTE
from themelens.errors import CsvFormatError
from themelens.theme import load_theme

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings"
YAHOO = RECORDINGS / "fundamentals"
AKSHARE = RECORDINGS / "akshare_fundamentals"
THEME = load_theme()
TICKERS = ["9988.HK", "0700.HK", "9888.HK", "0020.HK", "1347.HK"]


def _yahoo() -> YahooIncome:
    _, info, synthetic = replay(YAHOO)
    return YahooIncome(income=replay_income(YAHOO), info=info, synthetic=synthetic)


def _by_end(frame: pd.DataFrame, ticker: str, freq: str) -> pd.DataFrame:
    rows = frame[(frame["ticker"] == ticker) & (frame["freq"] == freq)]
    return rows.set_index("period_end")


def test_yahoo_replay_rows_currency_and_failures() -> None:
    batch = _yahoo().income(TICKERS, freq="quarterly")
    assert batch.synthetic
    assert list(batch.frame.columns) == list(INCOME_COLUMNS)
    tencent = _by_end(batch.frame, "0700.HK", "quarterly")
    assert tencent.loc[pd.Timestamp("2025-06-30"), "revenue"] == 184.5e9
    assert (
        tencent.loc[pd.Timestamp("2025-06-30"), "net_income"] == 55.6e9
    )  # "Net Income", not the common-stockholders line
    assert set(batch.frame["currency"]) == {"CNY"}  # financialCurrency, not the HKD quote
    reasons = {f.item: f.reason for f in batch.failures}
    assert "no 'Total Revenue' or 'Net Income' line" in reasons["0020.HK"]
    assert "no quarterly income statement" in reasons["1347.HK"]
    assert "9888.HK" in reasons  # annual only in the recording


def test_yahoo_annual_keeps_a_loss_year() -> None:
    frame = _yahoo().income(["9888.HK"]).frame
    assert _by_end(frame, "9888.HK", "annual").loc[pd.Timestamp("2022-12-31"), "net_income"] == -0.8e9  # fmt: skip


def test_akshare_replay_annual_and_derived_quarters() -> None:
    source = AkshareIncome(AkshareClient(min_interval_s=0, backoff_s=0, fetch=_replay_fetch()), synthetic=True)  # fmt: skip
    annual = source.income(["0000.HK", "99998.HK", "99999.HK", "AAPL"])
    a = _by_end(annual.frame, "0000.HK", "annual")
    assert a.loc[pd.Timestamp("2024-12-31"), "revenue"] == pytest.approx(52.95e9)  # 营运收入
    assert a.loc[pd.Timestamp("2024-12-31"), "currency"] == "CNY"  # "RMB" in Eastmoney's field
    b = _by_end(annual.frame, "99998.HK", "annual")
    assert b.loc[pd.Timestamp("2025-03-31"), "revenue"] == pytest.approx(12.1e9)  # 营业额 fallback
    assert b.loc[pd.Timestamp("2025-03-31"), "currency"] == "HKD"
    reasons = {f.item: f.reason for f in annual.failures}
    assert "Hong Kong listings only" in reasons["AAPL"] and "no data" in reasons["99999.HK"]
    assert any(
        "without a known currency" in n for n in annual.notes
    )  # 2022 is not in the indicator
    assert "[synthetic recording]" in annual.frame["source"].iloc[0]
    quarterly = source.income(["0000.HK", "99998.HK"], freq="quarterly")
    q = _by_end(quarterly.frame, "0000.HK", "quarterly")
    assert q.loc[pd.Timestamp("2024-06-30"), "revenue"] == pytest.approx(12.65e9)  # interim − Q1
    assert q.loc[pd.Timestamp("2023-09-30"), "net_income"] == pytest.approx(
        -0.3e9
    )  # a loss quarter
    assert q.loc[pd.Timestamp("2025-03-31"), "revenue"] == pytest.approx(13.8e9)  # Q1 as reported
    assert "no quarterly periods" in {f.item: f.reason for f in quarterly.failures}["99998.HK"]


def _replay_fetch() -> FetchFn:
    return replay_fetch(AKSHARE)


def test_load_income_sources_and_auto_fallback() -> None:
    yahoo = load_income(TICKERS, source="yahoo", replay_dir=YAHOO)
    assert set(yahoo.frame["ticker"]) == {"9988.HK", "0700.HK", "9888.HK"}
    assert "9888.HK" not in {f.item for f in yahoo.failures}  # "no quarterly" is not a failure
    auto = load_income(["0700.HK", "0000.HK"], source="auto", replay_dir=YAHOO, akshare_replay_dir=AKSHARE)  # fmt: skip
    assert set(auto.frame["provider"]) == {"yahoo", "akshare"}
    assert any("from AkShare where Yahoo Finance had none: 0000.HK" in n for n in auto.notes)
    assert load_income(["0700.HK"], source="demo").notes == (DEMO_NOTE,)
    nothing = load_income(["0700.HK"], source="none")
    assert not nothing.available and nothing.notes == (NO_SOURCE_NOTE,)


def _offline(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
    raise socket.gaierror(-3, "Temporary failure in name resolution")


def test_unreachable_source_makes_income_unavailable() -> None:
    client = AkshareClient(min_interval_s=0, backoff_s=0, retries=0, fetch=_offline)
    loaded = load_income(["0700.HK"], source="akshare", akshare_source=AkshareIncome(client))
    assert not loaded.available
    assert loaded.notes[0].startswith(
        "income statements unavailable: AkShare unreachable (akshare: 0700.HK: cannot reach"
    )


def test_income_csv_import(tmp_path: Path) -> None:
    path = tmp_path / "income.csv"
    path.write_text(
        "ticker,period_end,currency,revenue,net_income,freq\n"
        "tencent,2025-06-30,cny,184500000000,55600000000,quarterly\n"
        "0700.HK,2024-06-30,CNY,161100000000,,quarterly\n"
        "9888.HK,2022-12-31,CNY,,-800000000,\n"
        "9988.HK,2024-03-31,CNY,,,\n",
        encoding="utf-8",
    )
    loaded = read_income_csv(path, theme=THEME)
    frame = loaded.frame
    assert list(frame.columns) == list(INCOME_COLUMNS)
    assert len(frame) == 3 and set(frame["provider"]) == {"csv"}
    assert frame.loc[frame["ticker"] == "9888.HK", "net_income"].iloc[0] == -0.8e9
    assert loaded.notes == ("income.csv: 1 row(s) without a revenue or net income figure left out",)
    csv = load_income(["0700.HK"], source="csv", theme=THEME, csv_path=path)
    assert set(csv.frame["ticker"]) == {"0700.HK"}


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        (
            "ticker,period_end,currency\n0700.HK,2024-12-31,CNY\n",
            "needs a revenue or net_income column",
        ),
        ("ticker,period_end,currency,revenue\n0700.HK,2024-12-31,yuan,1\n", "not an ISO 4217 code"),
        (
            "ticker,period_end,currency,revenue\n0700.HK,2024-12-31,CNY,lots\n",
            "'lots' is not a number",
        ),
        (
            "ticker,period_end,currency,revenue\n0700.HK,2024-12-31,CNY,1\n0700.HK,2024-12-31,CNY,2\n",
            "duplicate",
        ),
    ],
)
def test_income_csv_errors_name_the_fault(tmp_path: Path, text: str, fault: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CsvFormatError, match=fault):
        read_income_csv(path, theme=THEME)


def test_validate_income_drops_rows_without_figures() -> None:
    frame = pd.DataFrame(
        {"ticker": ["A", "B"], "freq": "annual", "period_end": ["2024-12-31", "2024-12-31"],
         "revenue": [1.0, float("inf")], "net_income": [float("nan"), float("nan")],
         "currency": "CNY", "provider": "csv", "source": "x", "fetched_at": "2025-01-01"}
    )  # fmt: skip
    assert list(validate_income(frame)["ticker"]) == ["A"]
