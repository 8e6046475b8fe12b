"""``verify`` checks Hang Seng TECH claims against the index when AkShare answers.

The theme routes ``HSTECH.HK`` to akshare first (then yahoo); the other
listings here come from the real shared CSVs. With no network, the akshare
provider replays a recording written by the test itself: a SYNTHETIC index
series (made-up closes on Hong Kong sessions) in the frame shape of AkShare's
``stock_hk_index_daily_sina``. The expected return is computed from that
frame independently, and a second series with a different move flips the
verdict, so the verdict can only come from the replayed index.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from themelens.cli import app
from themelens.data.akshare_client import record, replay_fetch
from themelens.data.calendar import sessions
from themelens.data.providers import PROVIDERS
from themelens.data.providers.akshare import AkshareProvider
from themelens.theme.loader import _packaged

ARTICLE = """date: 2025-09-17
source: test desk

The Hang Seng Tech Index rose 4.2% on Wednesday, led by Baidu.
"""
DAY = pd.Timestamp("2025-09-17")


def _index_frame(move_pct: float) -> pd.DataFrame:
    """Made-up HSTECH closes on XHKG sessions, moving ``move_pct`` on 2025-09-17."""
    days = sessions("XHKG", "2025-08-01", "2025-09-30")
    rng = np.random.default_rng(7)
    steps = 1 + rng.normal(0, 0.01, len(days))
    steps[days.get_loc(DAY)] = 1 + move_pct / 100
    close = 5000 * np.cumprod(steps)
    return pd.DataFrame(
        {"date": [d.date() for d in days], "open": close, "high": close * 1.01,
         "low": close * 0.99, "close": close, "volume": 1_000_000}
    )  # fmt: skip


def _theme(tmp_path: Path) -> Path:
    """The packaged theme with csv (the shared files) as the default provider."""
    text = _packaged()["china-ai"].read_text(encoding="utf-8")
    assert "default_providers: [yahoo]" in text
    path = tmp_path / "china-ai-csv.yaml"
    path.write_text(text.replace("default_providers: [yahoo]", "default_providers: [csv]"), "utf-8")
    return path


def _verify(tmp_path: Path, prices: Path, move_pct: float, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:  # fmt: skip
    frame = _index_frame(move_pct)

    def synthetic(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
        assert (function, kwargs["symbol"]) == ("stock_hk_index_daily_sina", "HSTECH")
        return frame

    rec = tmp_path / f"rec-{move_pct}"
    record(
        [("stock_hk_index_daily_sina", {"symbol": "HSTECH"})], rec, fetch=synthetic, synthetic=True
    )
    monkeypatch.setitem(
        PROVIDERS, "akshare",
        # the CLI passes the spacing from THEMELENS_AKSHARE_INTERVAL (0 here: a replay need not wait)
        lambda **options: AkshareProvider(fetch=replay_fetch(rec), synthetic_recording=True, **options),
    )  # fmt: skip
    article = tmp_path / "hstech.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["verify", str(article), "--provider", "auto", "--prices-dir", str(prices),
         "--theme", str(_theme(tmp_path)), "--db", str(tmp_path / f"{move_pct}.duckdb"),
         "--format", "jsonl"],
        env={"COLUMNS": "200", "THEMELENS_AKSHARE_INTERVAL": "0"},
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return [json.loads(x) for x in result.stdout.splitlines() if x.strip()]


def _hstech_return(lines: list[dict[str, Any]]) -> dict[str, Any]:
    (row,) = [x for x in lines if x["entity"] == "hstech" and x["metric"] == "return_pct"]
    return row


def test_hstech_claim_is_checked_against_the_akshare_index(
    tmp_path: Path, shared_prices_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _verify(tmp_path, shared_prices_dir, 4.25, monkeypatch)
    row = _hstech_return(lines)
    closes = _index_frame(4.25).set_index("date")["close"]
    expected = (closes.iloc[closes.index.get_loc(DAY.date())] / closes.shift(1).loc[DAY.date()] - 1) * 100  # fmt: skip
    assert (row["ticker"], row["asof"], row["verdict"]) == ("HSTECH.HK", "2025-09-17", "supported")
    assert row["computed"] == pytest.approx(expected, abs=1e-9)
    baidu = [x for x in lines if x["entity"] == "baidu"]
    assert all(x["ticker"] != "HSTECH.HK" for x in baidu)


def test_a_different_index_move_contradicts_the_claim(
    tmp_path: Path, shared_prices_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = _hstech_return(_verify(tmp_path, shared_prices_dir, 1.0, monkeypatch))
    assert row["verdict"] == "contradicted"
    assert row["computed"] == pytest.approx(1.0, abs=1e-9)


def test_without_akshare_the_index_stays_unverifiable(
    tmp_path: Path, shared_prices_dir: Path
) -> None:
    article = tmp_path / "hstech.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["verify", str(article), "--prices-dir", str(shared_prices_dir),
         "--db", str(tmp_path / "csv.duckdb"), "--format", "jsonl"],
        env={"COLUMNS": "200", "THEMELENS_AKSHARE_INTERVAL": "0"},
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    row = _hstech_return([json.loads(x) for x in result.stdout.splitlines() if x.strip()])
    assert row["verdict"] == "unverifiable"
    assert "no index series for hstech" in row["reason"]
