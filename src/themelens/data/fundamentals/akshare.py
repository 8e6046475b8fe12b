"""Capex statements and trailing P/E history from AkShare, in the ``contracts`` shapes.

Three AkShare functions (written against 1.19.5), every call through
:class:`~themelens.data.akshare_client.AkshareClient` (spacing, retries,
error mapping, column guard). Tickers stay Yahoo-style: ``0700.HK`` is
Eastmoney's ``00700`` (the number padded to five digits); any other listing is
a ``Failure`` ("Hong Kong listings only").

Capex — ``stock_financial_hk_report_em(stock, symbol="现金流量表", indicator=...)``
    Eastmoney's standardised cash-flow statement, LONG: one row per report
    date (``REPORT_DATE``) and line (``STD_ITEM_NAME``), ``AMOUNT`` in units
    of the reporting currency (not thousands), outflows negative. Capex is
    the sum of the :data:`CAPEX_ITEMS` lines a report has:

    ==========================  =================================================
    ``STD_ITEM_NAME``           meaning
    ==========================  =================================================
    ``购建固定资产``              purchase/construction of fixed assets (property,
                                plant and equipment: servers, data centres);
                                required — a report without it has no figure
    ``购建无形资产及其他资产``      purchase of intangible and other long-term assets
                                (software, licences, land-use rights); added
                                when the report has the line
    ==========================  =================================================

    reported as the magnitude of the sum (spend is positive, as in
    ``contracts``); ``period_end`` is the report date.
Currency — ``stock_financial_hk_analysis_indicator_em(symbol, indicator=...)``
    The statement has no currency; this call gives ``CURRENCY`` per
    ``REPORT_DATE``. ISO codes are taken as they are; ``RMB``/``人民币`` is
    CNY, ``港元``/``港币`` HKD, ``美元`` USD. A report whose date the call does
    not list (it answers the latest nine reports only) or whose code is not
    recognised is left out with a note; when the call fails the ticker fails.
    The currency is never guessed.
Quarterly — the same two calls with ``indicator="报告期"``
    Report-period figures are cumulative from ``START_DATE`` (the fiscal
    year's start) to ``REPORT_DATE``, so discrete quarters are *derived*: a
    report whose own span is one quarter (84–98 days: Q1) is one; otherwise
    the report minus the previous one with the same ``START_DATE`` is, when
    the two report dates are one quarter apart (Q3 − interim, annual − Q3).
    Both reports need the same capex lines and a known, equal currency, and
    the difference must not be negative (a restatement); otherwise that
    quarter is left out with a note. Half-year spans (the interim, annual −
    interim) are not quarters, so a company that reports half-yearly, as most
    of Hong Kong does, has no quarterly figures: its ``Failure`` says "no
    quarterly periods", which ``loading`` treats as absent, as for Yahoo.
Valuation — ``stock_hk_valuation_baidu(symbol, indicator="市盈率(TTM)", period="全部")``
    Baidu's trailing-twelve-month P/E history (``date``, ``value``) as
    ``pe_trailing``; ``pe_fwd``, ``eps_fwd`` and ``price`` are NaN (Baidu
    gives none here, and a missing value is never 0). A loss-making period
    has a P/E ≤ 0 or none: its row is kept with NaN, so the history shows the
    gap and z-scores (which drop NaN) skip it instead of averaging a
    meaningless negative multiple. A ticker with no positive P/E at all fails.

Provenance: ``provider`` is ``"akshare"``; ``source`` is the call (function
and arguments) plus ``" [synthetic recording]"`` when replayed from one;
``fetched_at`` is when the batch ran (UTC, naive).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
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
from themelens.data.fundamentals.contracts import (
    CapexStatements,
    Freq,
    ValuationData,
    empty_capex,
    validate_capex,
    validate_valuation,
)
from themelens.data.providers.akshare import akshare_symbol
from themelens.errors import Failure

__all__ = [
    "BAIDU_COLUMNS",
    "CAPEX_ITEMS",
    "CASH_FLOW_COLUMNS",
    "CASH_FLOW_FUNCTION",
    "FIXED_ASSETS_ITEM",
    "HK_ONLY",
    "INDICATOR_COLUMNS",
    "INDICATOR_FUNCTION",
    "INTANGIBLES_ITEM",
    "QUARTERLY_CASH_FLOW_COLUMNS",
    "VALUATION_FUNCTION",
    "AkshareFundamentals",
    "ReportRowsFn",
    "hk_code",
    "read_reports",
]

CASH_FLOW_FUNCTION: Final = "stock_financial_hk_report_em"
INDICATOR_FUNCTION: Final = "stock_financial_hk_analysis_indicator_em"
VALUATION_FUNCTION: Final = "stock_hk_valuation_baidu"

CASH_FLOW_COLUMNS: Final = ("REPORT_DATE", "STD_ITEM_NAME", "AMOUNT")
"""What the annual capex needs from the cash-flow statement (the column guard)."""
QUARTERLY_CASH_FLOW_COLUMNS: Final = (*CASH_FLOW_COLUMNS, "START_DATE")
"""Quarters also need where each cumulative figure starts."""
INDICATOR_COLUMNS: Final = ("REPORT_DATE", "CURRENCY")
BAIDU_COLUMNS: Final = ("date", "value")

FIXED_ASSETS_ITEM: Final = "购建固定资产"
"""Purchase/construction of fixed assets (property, plant and equipment)."""
INTANGIBLES_ITEM: Final = "购建无形资产及其他资产"
"""Purchase of intangible and other long-term assets."""
CAPEX_ITEMS: Final = (FIXED_ASSETS_ITEM, INTANGIBLES_ITEM)

HK_ONLY: Final = "akshare statements cover Hong Kong listings only"
CASH_FLOW_STATEMENT: Final = "现金流量表"
PE_TTM: Final = "市盈率(TTM)"
_PERIODS: Final[Mapping[str, str]] = {"annual": "年度", "quarterly": "报告期"}
_QUARTER_DAYS: Final = range(84, 99)
_CURRENCY_NAMES: Final[Mapping[str, str]] = {
    "RMB": "CNY", "人民币": "CNY", "港元": "HKD", "港币": "HKD", "美元": "USD",
}  # fmt: skip
_ISO_CODE: Final = re.compile(r"[A-Z]{3}")
_SYNTHETIC_TAG: Final = " [synthetic recording]"
_PROVIDER: Final = "akshare"


def hk_code(ticker: str) -> str | None:
    """Eastmoney's five-digit code of a Hong Kong listing (``0700.HK`` → ``00700``), else None."""
    where = akshare_symbol(ticker)
    return where.symbol if where is not None and where.market == "hk" else None


def _day(values: pd.Series) -> pd.Series:
    """Eastmoney's ``"2024-12-31 00:00:00"`` (or a date) as a day; NaT when unreadable."""
    days: pd.Series = pd.to_datetime(values, format="ISO8601", errors="coerce").dt.normalize()
    return days


def _iso_currency(value: object) -> str | None:
    """The ISO 4217 code for Eastmoney's ``CURRENCY`` value, or None when it is not one."""
    text = str(value).strip().upper() if isinstance(value, str) else ""
    code = _CURRENCY_NAMES.get(text, text)
    return code if _ISO_CODE.fullmatch(code) else None


@dataclass(frozen=True)
class _Report:
    """One report's capex: the day its cumulative span starts and ends, spend, lines present."""

    start: pd.Timestamp | None
    end: pd.Timestamp
    spend: float
    lines: frozenset[str]


class AkshareFundamentals:
    """Capex statements and trailing P/E history for Hong Kong listings from AkShare.

    Parameters
    ----------
    client
        The :class:`AkshareClient` every call goes through (default: a live
        one). Tests pass one with :func:`replay_fetch`; see :meth:`from_recording`.
    synthetic
        True when the client serves invented data (a synthetic recording); the
        results and every ``source`` carry the label.

    Notes
    -----
    The module docstring says which lines make capex, how quarters are
    derived from cumulative figures and where the currency comes from.
    """

    name: Final = _PROVIDER

    def __init__(self, client: AkshareClient | None = None, *, synthetic: bool = False) -> None:
        self.client = client if client is not None else AkshareClient()
        self.synthetic = synthetic

    @classmethod
    def from_recording(cls, directory: Path) -> AkshareFundamentals:
        """A source replaying :func:`~themelens.data.akshare_client.record`'s files, unspaced.

        ``synthetic`` is read from the recording's ``meta.json``.
        """
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        client = AkshareClient(min_interval_s=0, backoff_s=0, fetch=replay_fetch(directory))
        return cls(client, synthetic=bool(meta.get("synthetic", False)))

    def _source(self, call: AkshareCall) -> str:
        return f"{call}{_SYNTHETIC_TAG if self.synthetic else ''}"

    def capex(self, tickers: Sequence[str], *, freq: Freq = "annual") -> CapexStatements:
        """Capex per fiscal period (``freq``) in the reporting currency; a failure per ticker without.

        Raises ``OfflineError`` when AkShare's source cannot be reached (every
        later ticker would fail the same way); anything else is a ``Failure``.
        """
        frame, failures, notes = read_reports(
            self.client,
            tickers,
            freq,
            statement=CASH_FLOW_STATEMENT,
            expect=CASH_FLOW_COLUMNS if freq == "annual" else QUARTERLY_CASH_FLOW_COLUMNS,
            no_currency="reporting currency unknown, so no capex: ",
            rows_of=_capex_rows,
            source_tag=_SYNTHETIC_TAG if self.synthetic else "",
            validate=validate_capex,
            empty=empty_capex,
        )
        return CapexStatements(frame, failures, notes, synthetic=self.synthetic)

    def valuation(self, tickers: Sequence[str]) -> ValuationData:
        """Trailing P/E history per ticker from Baidu (NaN where the company made a loss).

        Raises ``OfflineError`` when Baidu cannot be reached; anything else is
        a ``Failure`` for that ticker.
        """
        parts: list[pd.DataFrame] = []
        failures: list[Failure] = []
        for ticker in tickers:
            code = hk_code(ticker)
            if code is None:
                failures.append(Failure(ticker, "akshare valuation covers Hong Kong listings only"))
                continue
            call = AkshareCall(
                VALUATION_FUNCTION,
                {"symbol": code, "indicator": PE_TTM, "period": "全部"},
                symbol=ticker,
            )
            try:
                raw = self.client.call(call, expect=BAIDU_COLUMNS)
            except AkshareCallError as exc:
                failures.append(Failure(ticker, str(exc)))
                continue
            pe = pd.to_numeric(raw["value"], errors="coerce").astype("float64")
            part = pd.DataFrame(
                {"date": _day(raw["date"]), "pe_trailing": pe.where(np.isfinite(pe) & (pe > 0))}
            )
            part = part.dropna(subset=["date"]).drop_duplicates("date", keep="last")
            if part["pe_trailing"].isna().all():
                failures.append(Failure(ticker, f"{call}: no positive trailing P/E in the history"))
                continue
            parts.append(part.assign(ticker=ticker, provider=self.name, source=self._source(call)))
        frame = validate_valuation(
            pd.concat(parts, ignore_index=True)
            if parts
            else pd.DataFrame({"date": [], "ticker": []})
        )
        return ValuationData(frame, tuple(failures), synthetic=self.synthetic)


# --- fetch: the Eastmoney report calls capex and income share ---------------------------------

ReportRowsFn = Callable[[pd.DataFrame, pd.DataFrame, Freq], tuple[pd.DataFrame, str | None, list[str]]]  # fmt: skip
"""``(statement, indicator, freq) -> (rows, why there are none, notes)``.

Rows are ``period_end``, the figures and ``currency``; the notes are about
reports left out (each is prefixed with the ticker).
"""


def read_reports(
    client: AkshareClient,
    tickers: Sequence[str],
    freq: Freq,
    *,
    statement: str,
    expect: Sequence[str],
    no_currency: str,
    rows_of: ReportRowsFn,
    source_tag: str,
    validate: Callable[[pd.DataFrame], pd.DataFrame],
    empty: Callable[[], pd.DataFrame],
) -> tuple[pd.DataFrame, tuple[Failure, ...], tuple[str, ...]]:
    """One Eastmoney ``statement`` and its currencies per ticker, as contract rows.

    Capex (``现金流量表``) and income (``利润表``) differ only in the statement
    asked for, the columns it must have (``expect``), what a failed currency
    call is prefixed with (``no_currency``) and how reports become rows
    (``rows_of``). Raises ``OfflineError`` (every later ticker would fail the
    same way); anything else is a ``Failure`` for that ticker.
    """
    parts: list[pd.DataFrame] = []
    failures: list[Failure] = []
    notes: list[str] = []
    fetched_at = datetime.now(UTC).replace(tzinfo=None)
    for ticker in tickers:
        code = hk_code(ticker)
        if code is None:
            failures.append(Failure(ticker, f"{HK_ONLY} (numeric codes such as 0700.HK)"))
            continue
        statement_call = AkshareCall(
            CASH_FLOW_FUNCTION,
            {"stock": code, "symbol": statement, "indicator": _PERIODS[freq]},
            symbol=ticker,
        )
        currency_call = AkshareCall(
            INDICATOR_FUNCTION, {"symbol": code, "indicator": _PERIODS[freq]}, symbol=ticker
        )
        try:
            answer = client.call(statement_call, expect=expect)
        except AkshareCallError as exc:
            failures.append(Failure(ticker, str(exc)))
            continue
        try:
            indicator = client.call(currency_call, expect=INDICATOR_COLUMNS)
        except AkshareCallError as exc:
            failures.append(Failure(ticker, f"{no_currency}{exc}"))
            continue
        rows, reason, found = rows_of(answer, indicator, freq)
        notes += [f"{ticker}: {n}" for n in found]
        if reason is not None:
            failures.append(Failure(ticker, reason))
            continue
        parts.append(
            rows.assign(ticker=ticker, freq=freq, provider=_PROVIDER,
                        source=f"{statement_call}{source_tag}", fetched_at=fetched_at)
        )  # fmt: skip
    frame = validate(pd.concat(parts, ignore_index=True)) if parts else empty()
    return frame, tuple(failures), tuple(notes)


# --- transform: pure functions of the frames AkShare returned -------------------------------


def _capex_rows(
    statement: pd.DataFrame, indicator: pd.DataFrame, freq: Freq
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """Capex rows per report (annual) or derived quarter, in the currency the indicator gives."""
    reports, reason, found = _reports(statement)
    if reason is not None:
        return _frame([]), reason, found
    currencies, unknown = _currencies(indicator)
    derive = _annual if freq == "annual" else _quarterly
    rows, reason, more = derive(reports, currencies, unknown)
    return rows, reason, found + more


def _reports(statement: pd.DataFrame) -> tuple[list[_Report], str | None, list[str]]:
    """Capex per report (oldest first), or why there is none, and notes on reports left out."""
    names = statement["STD_ITEM_NAME"].astype(str).str.strip()
    if not (names == FIXED_ASSETS_ITEM).any():
        why = f"the cash-flow statement has no {FIXED_ASSETS_ITEM!r} (purchase of fixed assets) line"  # fmt: skip
        return [], why, []
    ends = _day(statement["REPORT_DATE"])
    starts = _day(statement["START_DATE"]) if "START_DATE" in statement else pd.Series(pd.NaT, index=statement.index)  # fmt: skip
    amounts = pd.to_numeric(statement["AMOUNT"], errors="coerce")
    lines = pd.DataFrame({"end": ends, "start": starts, "item": names, "amount": amounts})
    lines = lines.loc[lines["item"].isin(CAPEX_ITEMS) & lines["end"].notna() & lines["amount"].notna()]  # fmt: skip
    # a line printed twice in one report: the first is the statement's
    lines = lines.drop_duplicates(["end", "item"], keep="first")
    reports: list[_Report] = []
    for end, group in lines.groupby("end", sort=True):
        items = frozenset(str(i) for i in group["item"])
        if FIXED_ASSETS_ITEM not in items:
            continue
        start = group["start"].dropna()
        reports.append(
            _Report(
                start=pd.Timestamp(start.iloc[0]) if len(start) else None,
                end=pd.Timestamp(str(end)),
                spend=abs(float(group["amount"].sum())),
                lines=items,
            )
        )
    missing = sorted(set(ends.dropna()) - {r.end for r in reports})
    notes = [f"{len(missing)} report(s) without a {FIXED_ASSETS_ITEM!r} figure left out ({_days(missing)})"] if missing else []  # fmt: skip
    if not reports:
        return [], f"no report has a {FIXED_ASSETS_ITEM!r} (purchase of fixed assets) figure", notes
    return reports, None, notes


def _days(days: Sequence[pd.Timestamp]) -> str:
    return ", ".join(f"{d:%Y-%m-%d}" for d in days)


def _currencies(indicator: pd.DataFrame) -> tuple[dict[pd.Timestamp, str], set[str]]:
    """ISO currency per report date (the first row of a date wins), and unrecognised codes."""
    known: dict[pd.Timestamp, str] = {}
    unknown: set[str] = set()
    for end, value in zip(_day(indicator["REPORT_DATE"]), indicator["CURRENCY"], strict=True):
        if pd.isna(end) or end in known:
            continue
        code = _iso_currency(value)
        if code is None:
            unknown.add(str(value))
        else:
            known[pd.Timestamp(end)] = code
    return known, unknown


def _frame(rows: list[tuple[pd.Timestamp, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["period_end", "capex", "currency"])


def _no_currency(days: Sequence[pd.Timestamp], unknown: set[str]) -> str:
    why = f"{len(days)} period(s) without a reporting currency from {INDICATOR_FUNCTION} left out ({_days(days)})"  # fmt: skip
    if unknown:
        why += f"; unrecognised CURRENCY value(s): {', '.join(sorted(unknown))}"
    return why


def _annual(
    reports: list[_Report], currencies: Mapping[pd.Timestamp, str], unknown: set[str]
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """One row per annual report whose currency is known."""
    rows = [(r.end, r.spend, currencies[r.end]) for r in reports if r.end in currencies]
    lost = [r.end for r in reports if r.end not in currencies]
    if not rows:
        return _frame([]), f"capex left out rather than guessed: {_no_currency(lost, unknown)}", []
    return _frame(rows), None, [_no_currency(lost, unknown)] if lost else []


def _is_quarter(days: int) -> bool:
    return days in _QUARTER_DAYS


def _quarterly(
    reports: list[_Report], currencies: Mapping[pd.Timestamp, str], unknown: set[str]
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """Discrete quarters derived from cumulative report-period figures (module docstring)."""
    rows: list[tuple[pd.Timestamp, float, str]] = []
    problems: list[str] = []
    lost: list[pd.Timestamp] = []
    candidates = 0
    for i, report in enumerate(reports):
        if report.start is None:
            continue
        prev: _Report | None = None
        if not _is_quarter((report.end - report.start).days + 1):
            earlier = [p for p in reports[:i] if p.start == report.start]
            if not earlier or not _is_quarter((report.end - earlier[-1].end).days):
                continue  # a half-year or longer span: not a quarter
            prev = earlier[-1]
        candidates += 1
        spend = report.spend
        if prev is not None:
            if prev.lines != report.lines:
                problems.append(f"{report.end:%Y-%m-%d}: capex lines differ from the {prev.end:%Y-%m-%d} report")  # fmt: skip
                continue
            spend -= prev.spend
            if spend < 0:
                problems.append(f"{report.end:%Y-%m-%d}: cumulative capex fell from {prev.end:%Y-%m-%d} (restated?)")  # fmt: skip
                continue
        currency = currencies.get(report.end)
        if currency is None or (prev is not None and currencies.get(prev.end) != currency):
            lost.append(report.end)
            continue
        rows.append((report.end, spend, currency))
    notes = [f"quarter {p}, left out" for p in problems]
    if lost:
        why = f"{len(lost)} quarter(s) left out ({_days(lost)}): {INDICATOR_FUNCTION} gives no currency for them or for the report they are derived from"  # fmt: skip
        notes.append(why + (f"; unrecognised CURRENCY value(s): {', '.join(sorted(unknown))}" if unknown else ""))  # fmt: skip
    if candidates == 0:
        why = "no quarterly periods: the reports span half-years or years (cumulative from START_DATE)"  # fmt: skip
        return _frame([]), why, []
    if not rows:
        return _frame([]), f"no quarter could be derived: {'; '.join(notes)}", []
    return _frame(rows), None, notes
