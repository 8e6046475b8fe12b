"""Southbound Stock Connect net buying by day, from Eastmoney through AkShare.

One call, through :class:`~themelens.data.akshare_client.AkshareClient`
(spacing, retries, error mapping, column guard; written against AkShare
1.19.5):

``stock_hsgt_hist_em(symbol="南向资金")``
    Eastmoney's Stock Connect history for the southbound channel (both the
    Shanghai and Shenzhen links), one row per session, oldest first. AkShare
    renames Eastmoney's fields; the ones read here:

    ==================  ===================  ======================================
    AkShare column      Eastmoney field      meaning
    ==================  ===================  ======================================
    ``日期``             ``TRADE_DATE``       the session (``datetime.date``)
    ``当日成交净买额``    ``NET_DEAL_AMT``     net buying that day, in 亿 (1e8): AkShare
                                             divides Eastmoney's millions by 100
    ==================  ===================  ======================================

    The other columns (``买入成交额``, ``卖出成交额``, ``历史累计净买额`` in
    万亿, ``当日资金流入``, ``当日余额``, ``持股市值``, ``领涨股``...,
    ``沪深300``) are not used.

Currency: Eastmoney labels the amounts 亿元 without naming a currency.
Southbound trades settle in Hong Kong dollars and HKEX publishes southbound
turnover in HKD, which is also how the press quotes it ("a net buy of 16.73
billion HKD"), so the figures are taken as :data:`SOUTHBOUND_CURRENCY` (HKD)
— an assumption every ``source`` string states, to be confirmed against a
live recording.

Per-stock southbound buying is not loaded: AkShare's per-stock call
(``stock_hsgt_individual_em`` for a Hong Kong code) gives the holdings of one
link (``MUTUAL_TYPE="002"``) and their market value, not net buying.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from themelens.data.akshare_client import (
    AkshareCall,
    AkshareCallError,
    AkshareClient,
    replay_fetch,
)

__all__ = [
    "FLOW_COLUMNS",
    "HSGT_COLUMNS",
    "HSGT_FUNCTION",
    "SOUTHBOUND",
    "SOUTHBOUND_CURRENCY",
    "FlowData",
    "empty_flows",
    "load_southbound_flows",
    "southbound_client",
]

HSGT_FUNCTION: Final = "stock_hsgt_hist_em"
SOUTHBOUND: Final = "南向资金"
HSGT_COLUMNS: Final = ("日期", "当日成交净买额")
SOUTHBOUND_CURRENCY: Final = "HKD"
_UNIT: Final = 1e8  # 亿
FLOW_COLUMNS: Final = ("date", "channel", "net_buy", "currency", "provider", "source", "fetched_at")  # fmt: skip
"""One row per channel and session: ``net_buy`` in whole units of ``currency`` (selling < 0)."""


def empty_flows() -> pd.DataFrame:
    """A zero-row flows frame with :data:`FLOW_COLUMNS`."""
    frame = pd.DataFrame({c: [] for c in FLOW_COLUMNS})
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["net_buy"] = frame["net_buy"].astype("float64")
    return frame


@dataclass(frozen=True)
class FlowData:
    """Daily channel flows; ``available`` False when the source answered nothing (``notes`` say why)."""

    frame: pd.DataFrame
    notes: tuple[str, ...] = ()
    synthetic: bool = False
    available: bool = True


def southbound_client(replay_dir: Path) -> tuple[AkshareClient, bool]:
    """An unspaced client replaying a recording, and whether its ``meta.json`` says synthetic."""
    meta = json.loads((replay_dir / "meta.json").read_text(encoding="utf-8"))
    client = AkshareClient(min_interval_s=0, backoff_s=0, fetch=replay_fetch(replay_dir))
    return client, bool(meta.get("synthetic", False))


def load_southbound_flows(
    *, client: AkshareClient | None = None, replay_dir: Path | None = None
) -> FlowData:
    """Southbound net buying per session (module docstring for columns, units, currency).

    Parameters
    ----------
    client
        The AkShare client (default: a live one with default spacing).
    replay_dir
        A recording to replay instead (tests); wins over ``client``.

    Raises ``OfflineError`` when Eastmoney cannot be reached; a call that
    fails otherwise gives ``available=False`` with the reason in ``notes``.
    """
    synthetic = False
    if replay_dir is not None:
        client, synthetic = southbound_client(replay_dir)
    client = client if client is not None else AkshareClient()
    call = AkshareCall(HSGT_FUNCTION, {"symbol": SOUTHBOUND}, symbol="southbound")
    try:
        raw = client.call(call, expect=HSGT_COLUMNS)
    except AkshareCallError as exc:
        return FlowData(empty_flows(), (str(exc),), synthetic, available=False)
    days = pd.to_datetime(raw["日期"].astype(str).str.slice(0, 10), errors="coerce")
    amount = pd.to_numeric(raw["当日成交净买额"], errors="coerce").astype("float64") * _UNIT
    tag = " [synthetic recording]" if synthetic else ""
    frame = pd.DataFrame(
        {
            "date": days.astype("datetime64[ns]"),
            "channel": "southbound",
            "net_buy": amount,
            "currency": SOUTHBOUND_CURRENCY,
            "provider": "akshare",
            "source": f"{call} (当日成交净买额, 亿, taken as {SOUTHBOUND_CURRENCY}){tag}",
            "fetched_at": datetime.now(UTC).replace(tzinfo=None),
        }
    )
    keep = frame["date"].notna() & np.isfinite(frame["net_buy"].to_numpy())
    dropped = int((~keep).sum())
    frame = frame.loc[keep].drop_duplicates("date", keep="last").sort_values("date")
    notes = (f"{dropped} southbound session(s) without a net-buy figure left out",) if dropped else ()  # fmt: skip
    if frame.empty:
        return FlowData(empty_flows(), (f"{call}: no session has a net-buy figure",), synthetic, available=False)  # fmt: skip
    return FlowData(frame.reset_index(drop=True), notes, synthetic)
