"""The daily frame verify reads, completed from the intraday bars as of the check."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from watchkit import DAILY, MINUTES

from themelens.data.intraday import IntradayProvider, empty_bars, replay_intraday
from themelens.data.providers.base import fetch_prices
from themelens.data.providers.yahoo import YahooProvider, replay_fetch
from themelens.watch import complete_tape

THURSDAY = pd.Timestamp("2025-11-20")


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    return fetch_prices(YahooProvider(fetch=replay_fetch(DAILY)), ["0981.HK", "9988.HK"]).frame


def _bars(now: datetime) -> pd.DataFrame:
    provider = IntradayProvider(fetch=replay_intraday(MINUTES))
    return provider.fetch_bars(
        ["0981.HK"], start=datetime(2025, 11, 19, 1, 30), end=now, now=now
    ).bars


def _row(frame: pd.DataFrame, ticker: str, day: pd.Timestamp) -> pd.Series:
    rows = frame.loc[(frame["ticker"] == ticker) & (frame["date"] == day)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_an_open_session_is_read_from_the_bars_up_to_now(daily: pd.DataFrame) -> None:
    now = datetime(2025, 11, 20, 6, 5)  # 14:05 in Hong Kong
    frame, used = complete_tape(daily, _bars(now), now=now)
    smic = _row(frame, "0981.HK", THURSDAY)
    assert smic["close"] == pytest.approx(75.55)  # the 14:04 bar, not the recorded 73.99 close
    assert smic["high"] == pytest.approx(75.74)
    assert used == {("0981.HK", THURSDAY): "intraday to 06:05 UTC"}
    # Alibaba has no bars here: its Thursday row is the daily one, and Friday is cut for both
    assert _row(frame, "9988.HK", THURSDAY)["close"] == pytest.approx(163.2)
    assert frame["date"].max() == THURSDAY
    assert frame.duplicated(["ticker", "date"]).sum() == 0


def test_a_closed_session_keeps_a_daily_bar_fetched_after_the_close(daily: pd.DataFrame) -> None:
    now = datetime(2025, 11, 20, 9, 0)
    frame, used = complete_tape(daily, _bars(now), now=now)
    assert used == {}  # the replayed daily rows were fetched (today) long after the close
    assert _row(frame, "0981.HK", THURSDAY)["close"] == pytest.approx(73.99)


def test_a_closed_session_fetched_before_its_close_comes_from_the_bars(
    daily: pd.DataFrame,
) -> None:
    now = datetime(2025, 11, 20, 9, 0)
    stale = daily.copy()
    thursday = (stale["ticker"] == "0981.HK") & (stale["date"] == THURSDAY)
    stale.loc[thursday, ["close", "fetched_at"]] = [71.0, pd.Timestamp("2025-11-20 03:00")]
    frame, used = complete_tape(stale, _bars(now), now=now)
    assert used[("0981.HK", THURSDAY)] == "intraday"
    assert ("0981.HK", pd.Timestamp("2025-11-19")) not in used  # its daily row is fresh
    smic = _row(frame, "0981.HK", THURSDAY)
    assert smic["close"] == pytest.approx(73.99) and smic["high"] == pytest.approx(75.74)


def test_no_bars_leaves_the_daily_frame_cut_at_today(daily: pd.DataFrame) -> None:
    now = datetime(2025, 11, 19, 23, 0)  # 07:00 on Thursday in Hong Kong
    frame, used = complete_tape(daily, empty_bars(), now=now)
    assert used == {}
    assert frame["date"].max() == THURSDAY  # Thursday is today there, Friday the future
