"""Southbound net buying from AkShare's Stock Connect history, replayed from a recording."""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from themelens.data.akshare_client import AkshareClient
from themelens.data.fundamentals import FLOW_COLUMNS, SOUTHBOUND_CURRENCY, load_southbound_flows
from themelens.data.fundamentals.southbound import HSGT_COLUMNS
from themelens.errors import OfflineError

RECORDING = Path(__file__).resolve().parents[1] / "recordings" / "akshare_southbound"


def test_recording_has_akshare_columns_and_is_synthetic() -> None:
    meta = json.loads((RECORDING / "meta.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True
    (entry,) = meta["calls"].values()
    assert entry["kwargs"] == {"symbol": "南向资金"}
    assert set(HSGT_COLUMNS) <= set(entry["columns"]) and len(entry["columns"]) == 13


def test_replayed_flows_in_base_units_of_hkd() -> None:
    flows = load_southbound_flows(replay_dir=RECORDING)
    frame = flows.frame
    assert flows.available and flows.synthetic
    assert list(frame.columns) == list(FLOW_COLUMNS)
    by_day = frame.set_index("date")["net_buy"]
    assert by_day[pd.Timestamp("2025-09-01")] == pytest.approx(45.3e8)  # 亿 → units
    assert by_day[pd.Timestamp("2025-09-02")] == pytest.approx(-12.8e8)  # net selling
    assert pd.Timestamp("2025-09-10") not in by_day.index  # the recorded gap
    assert pd.Timestamp("2025-08-29") not in by_day.index  # no figure: left out, with a note
    assert flows.notes == ("1 southbound session(s) without a net-buy figure left out",)
    assert set(frame["currency"]) == {SOUTHBOUND_CURRENCY}
    assert frame["date"].is_monotonic_increasing
    assert "taken as HKD" in frame["source"].iloc[0] and "[synthetic recording]" in frame["source"].iloc[0]  # fmt: skip


def _offline(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
    raise socket.gaierror(-3, "Temporary failure in name resolution")


def _renamed(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({"日期": ["2025-09-01"], "净买额": [1.0]})


def test_offline_raises_and_a_failed_call_is_unavailable() -> None:
    with pytest.raises(OfflineError):
        load_southbound_flows(client=AkshareClient(min_interval_s=0, retries=0, fetch=_offline))
    renamed = load_southbound_flows(client=AkshareClient(min_interval_s=0, fetch=_renamed))
    assert not renamed.available and renamed.frame.empty
    assert "当日成交净买额 missing" in renamed.notes[0]
