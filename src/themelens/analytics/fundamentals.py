"""Fundamentals: capex tracker, valuation spread and z-scores, price vs earnings expectations.

The capex tracker lives in ``_capex.py`` (re-exported here). This module holds:

Valuation (:func:`compare_valuation`)
    Per ticker the latest forward and trailing P/E on or before ``asof``.
    ``z_fwd_5y = (pe − mean) / std`` over the ticker's own observations in the
    five years up to that date (sample std, ``ddof=1``), and likewise
    ``z_trailing_5y``. With fewer than ``min_observations`` points, or no
    spread, the z-score is NaN and ``note`` says so — absent, never 0.
Spread
    ``spread_x = pe_subject − pe_reference`` (multiple points) and
    ``discount_pct = (pe_subject / pe_reference − 1) × 100``, for the theme's
    index against each other benchmark, and for the theme's members as a
    group. The group multiple is the harmonic mean ``n / Σ 1/pe_i`` over
    members with a positive P/E: it is the P/E of an equal-weight portfolio
    (average earnings yield inverted), which an arithmetic mean of multiples
    overstates. Loss-makers (P/E ≤ 0 or missing) are left out and named.
Price vs fundamentals gap (:func:`price_vs_fundamentals`)
    Over one window, ``R_p = P_end / P_start − 1`` (close) and
    ``R_e = E_end / E_start − 1`` (forward EPS; where the source gives only a
    forward P/E and a price, ``E = price / pe_fwd``). The gauge is
    ``gap_pp = (R_p − R_e) × 100`` — how far the price ran ahead of (positive)
    or behind (negative) earnings expectations — and, exactly,
    ``rerating_pct = ((1 + R_p) / (1 + R_e) − 1) × 100``, the change of the
    forward multiple, since ``P/E`` moves by ``(1 + R_p) / (1 + R_e)``. No
    constants enter either; a non-positive EPS at the start leaves both NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np
import pandas as pd

from themelens.analytics._capex import (
    CAPEX_ROW_COLUMNS,
    GAP_COLUMNS,
    TOTAL_COLUMNS,
    YOY_MATCH_DAYS,
    CapexResult,
    track_capex,
)
from themelens.analytics._rally_result import _json_value
from themelens.errors import Failure
from themelens.summary import Summary

__all__ = [
    "CAPEX_ROW_COLUMNS",
    "GAP_COLUMNS",
    "PRICE_GAP_COLUMNS",
    "SPREAD_COLUMNS",
    "TOTAL_COLUMNS",
    "VALUATION_ROW_COLUMNS",
    "YOY_MATCH_DAYS",
    "CapexResult",
    "PriceGapResult",
    "ValuationResult",
    "compare_valuation",
    "harmonic_pe",
    "price_vs_fundamentals",
    "track_capex",
    "zscore_vs_history",
]

VALUATION_ROW_COLUMNS: Final = (
    "entity", "role", "ticker", "date", "pe_fwd", "pe_trailing", "z_fwd_5y", "z_trailing_5y",
    "history_obs", "provider", "source", "note",
)  # fmt: skip
SPREAD_COLUMNS: Final = (
    "subject", "reference", "measure", "pe_subject", "pe_reference", "spread_x", "discount_pct",
    "note",
)  # fmt: skip
PRICE_GAP_COLUMNS: Final = (
    "entity", "ticker", "start", "end", "price_return_pct", "eps_revision_pct", "gap_pp",
    "rerating_pct", "note",
)  # fmt: skip
_MEASURES: Final = ("pe_fwd", "pe_trailing")
_GROUP: Final = "theme members (harmonic mean)"
_NO_DATA: Final = "no valuation data"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _json_value(v) for k, v in r.items()} for r in frame.to_dict("records")]


def _x(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else f"{value:.1f}x"


def _num(value: Any, fmt: str) -> str | None:
    return None if value is None or pd.isna(value) else format(value, fmt)


def zscore_vs_history(
    history: pd.Series, *, years: int = 5, min_observations: int = 12
) -> tuple[float, int, str | None]:
    """(z of the last value vs the last ``years`` of ``history``, observations used, why absent).

    ``history`` is indexed by date, sorted, NaNs allowed (dropped). The window
    is ``(last date − years, last date]`` and includes the last value itself.

    Notes
    -----
    The default ``min_observations`` of 12 is a year of monthly points: a
    z-score on fewer says more about the sample than about the valuation.
    """
    clean = history.dropna()
    if clean.empty:
        return float("nan"), 0, "no value"
    last = clean.index[-1]
    window = clean[clean.index > last - pd.DateOffset(years=years)]
    n = len(window)
    if n < min_observations:
        return float("nan"), n, f"z-score absent: {n} observation(s) in {years} years (< {min_observations})"  # fmt: skip
    std = float(window.std(ddof=1))
    if not std > 0:
        return float("nan"), n, "z-score absent: no variation in the history"
    return (float(clean.iloc[-1]) - float(window.mean())) / std, n, None


def harmonic_pe(values: Sequence[float]) -> float:
    """``n / Σ 1/pe`` over the positive finite values (NaN when there are none)."""
    arr = np.asarray(values, dtype="float64")
    arr = arr[np.isfinite(arr) & (arr > 0)]
    return float(len(arr) / np.sum(1.0 / arr)) if len(arr) else float("nan")


@dataclass(frozen=True, eq=False)
class ValuationResult:
    """P/E per entity with z-scores, and spreads of the theme vs its benchmarks.

    ``rows`` has :data:`VALUATION_ROW_COLUMNS`, ``spreads`` :data:`SPREAD_COLUMNS`
    (definitions in the module docstring). ``reported`` is True when the
    figures are press reports from the theme file rather than a data source.
    """

    asof: date | None
    rows: pd.DataFrame
    spreads: pd.DataFrame
    warnings: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()
    synthetic: bool = False
    reported: bool = False

    def to_frame(self) -> pd.DataFrame:
        """A copy of ``rows``."""
        return self.rows.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe rows, spreads, warnings and failures."""
        return {
            "asof": _json_value(self.asof), "synthetic": self.synthetic,
            "reported": self.reported, "rows": _records(self.rows),
            "spreads": _records(self.spreads), "warnings": list(self.warnings),
            "failures": [{"item": f.item, "reason": f.reason} for f in self.failures],
        }  # fmt: skip

    def summary(self) -> Summary:
        """P/E per entity (forward, trailing, 5-year z-scores) and notes."""
        r = self.rows
        table = pd.DataFrame({
            "entity": r["entity"], "ticker": r["ticker"],
            "date": [None if pd.isna(d) else f"{d:%Y-%m-%d}" for d in r["date"]],
            "fwd P/E": [_x(v) for v in r["pe_fwd"]], "trailing P/E": [_x(v) for v in r["pe_trailing"]],
            "z fwd 5y": [_num(v, "+.2f") for v in r["z_fwd_5y"]],
            "z trailing 5y": [_num(v, "+.2f") for v in r["z_trailing_5y"]],
            "source": r["provider"],
        })  # fmt: skip
        notes = [*self.warnings, *(f"no valuation: {f}" for f in self.failures)]
        absent = [e for e, n in zip(r["entity"], r["note"], strict=True) if n == _NO_DATA]
        if absent:
            notes.append(f"{_NO_DATA}: {', '.join(absent)}")
        notes += [f"{e}: {n}" for e, n in zip(r["entity"], r["note"], strict=True) if n and n != _NO_DATA]  # fmt: skip
        notes.append("z = (P/E − 5-year mean) / 5-year std of the entity's own history")
        when = f" as of {self.asof}" if self.asof else ""
        title = "Valuation" + (" (press reports)" if self.reported else "") + when
        return Summary(title, table, tuple(notes), self.synthetic)

    def spreads_summary(self) -> Summary:
        """The theme-vs-benchmark spreads."""
        s = self.spreads
        table = pd.DataFrame({
            "subject": s["subject"], "reference": s["reference"], "measure": s["measure"],
            "subject P/E": [_x(v) for v in s["pe_subject"]],
            "reference P/E": [_x(v) for v in s["pe_reference"]],
            "spread": [_num(v, "+.1f") for v in s["spread_x"]],
            "discount": [_num(v, "+.1f") for v in s["discount_pct"]],
        })  # fmt: skip
        notes = ["spread = subject P/E − reference P/E; discount = subject / reference − 1 (%)"]
        notes += [n for n in s["note"] if isinstance(n, str)]
        return Summary("Valuation spread vs benchmarks", table, tuple(notes), self.synthetic)


def _latest(rows: pd.DataFrame, asof: date | None) -> pd.DataFrame:
    if asof is not None:
        rows = rows[rows["date"] <= pd.Timestamp(asof)]
    return rows


def compare_valuation(
    data: pd.DataFrame,
    *,
    subjects: Mapping[str, tuple[str, str]],
    theme_index: str | None = None,
    benchmarks: Sequence[str] = (),
    asof: date | None = None,
    history_years: int = 5,
    min_observations: int = 12,
    warnings: Sequence[str] = (),
    failures: Sequence[Failure] = (),
    synthetic: bool = False,
    reported: bool = False,
) -> ValuationResult:
    """Forward/trailing P/E per ticker, z-scores vs own history, spreads vs benchmarks.

    Parameters
    ----------
    data
        Valuation rows (``data.fundamentals`` contract): one snapshot or a history.
    subjects
        Ticker → (entity slug, role), in display order; benchmarks included.
    theme_index
        The theme's own index ticker (e.g. ``HSTECH.HK``), a spread subject.
    benchmarks
        Reference tickers the subjects are set against (e.g. ``^NDX``).
    asof
        Latest date used; None = each ticker's last row.
    history_years, min_observations
        The z-score window and the fewest points it needs.

    Returns
    -------
    ValuationResult

    Notes
    -----
    Definitions are in the module docstring; a ticker with no row is a row of
    NaNs with a note, so the table shows that it is missing.
    """
    records: list[dict[str, Any]] = []
    for ticker, (slug, role) in subjects.items():
        mine = _latest(data[data["ticker"] == ticker], asof)
        rec: dict[str, Any] = {"entity": slug, "role": role, "ticker": ticker}
        if mine.empty:
            records.append({**rec, "date": pd.NaT, "pe_fwd": np.nan, "pe_trailing": np.nan,
                            "z_fwd_5y": np.nan, "z_trailing_5y": np.nan, "history_obs": 0,
                            "provider": None, "source": None, "note": _NO_DATA})  # fmt: skip
            continue
        last = mine.iloc[-1]
        notes: list[str] = []
        used = 0
        for measure, column in (("pe_fwd", "z_fwd_5y"), ("pe_trailing", "z_trailing_5y")):
            series = pd.Series(mine[measure].to_numpy(), index=pd.DatetimeIndex(mine["date"]))
            if pd.isna(last[measure]):
                rec[column] = np.nan
                continue
            z, n, why = zscore_vs_history(series, years=history_years, min_observations=min_observations)  # fmt: skip
            rec[column], used = z, max(used, n)
            if why:
                notes.append(f"{measure} {why}")
        records.append({**rec, "date": last["date"], "pe_fwd": last["pe_fwd"],
                        "pe_trailing": last["pe_trailing"], "history_obs": used,
                        "provider": last["provider"], "source": last["source"],
                        "note": "; ".join(dict.fromkeys(notes)) or None})  # fmt: skip
    rows = pd.DataFrame.from_records(records, columns=list(VALUATION_ROW_COLUMNS))
    spreads = _spreads(rows, theme_index, benchmarks)
    return ValuationResult(asof, rows, spreads, tuple(warnings), tuple(failures), synthetic, reported)  # fmt: skip


def _spreads(rows: pd.DataFrame, theme_index: str | None, benchmarks: Sequence[str]) -> pd.DataFrame:  # fmt: skip
    name = dict(zip(rows["ticker"], rows["entity"], strict=True))
    pe_of = {
        m: dict(zip(rows["ticker"], rows[m].astype("float64"), strict=True)) for m in _MEASURES
    }
    members = rows[~rows["ticker"].isin([*benchmarks, theme_index])]
    records: list[dict[str, Any]] = []
    for measure in _MEASURES:
        subjects: list[tuple[str, float, str | None]] = []
        if theme_index is not None and theme_index in name:
            subjects.append((name[theme_index], float(pe_of[measure][theme_index]), None))
        if len(members):
            values = members[measure].to_numpy(dtype="float64")
            left = [e for e, v in zip(members["entity"], values, strict=True) if not (np.isfinite(v) and v > 0)]  # fmt: skip
            note = (
                f"{_GROUP} leaves out {', '.join(left)} (no positive {measure})" if left else None
            )
            subjects.append((_GROUP, harmonic_pe(values.tolist()), note))
        for ref in benchmarks:
            if ref == theme_index or ref not in name:
                continue
            ref_pe = float(pe_of[measure][ref])
            for label, pe, note in subjects:
                if not (np.isfinite(pe) and np.isfinite(ref_pe)):
                    continue
                records.append({
                    "subject": label, "reference": name[ref], "measure": measure,
                    "pe_subject": pe, "pe_reference": ref_pe, "spread_x": pe - ref_pe,
                    "discount_pct": (pe / ref_pe - 1.0) * 100.0, "note": note,
                })  # fmt: skip
    return pd.DataFrame.from_records(records, columns=list(SPREAD_COLUMNS))


@dataclass(frozen=True, eq=False)
class PriceGapResult:
    """Price return minus forward-EPS revision per entity over one window (module docstring)."""

    start: date
    end: date
    rows: pd.DataFrame
    warnings: tuple[str, ...] = ()
    synthetic: bool = False

    def to_frame(self) -> pd.DataFrame:
        """A copy of ``rows`` (:data:`PRICE_GAP_COLUMNS`)."""
        return self.rows.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe rows and warnings."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "synthetic": self.synthetic, "rows": _records(self.rows),
                "warnings": list(self.warnings)}  # fmt: skip

    def summary(self) -> Summary:
        """The gauge per entity with the formula as a note."""
        r = self.rows
        table = pd.DataFrame({
            "entity": r["entity"], "ticker": r["ticker"],
            "price": [_num(v, "+.1f") for v in r["price_return_pct"]],
            "fwd EPS": [_num(v, "+.1f") for v in r["eps_revision_pct"]],
            "gap pp": [_num(v, "+.1f") for v in r["gap_pp"]],
            "re-rating": [_num(v, "+.1f") for v in r["rerating_pct"]],
        })  # fmt: skip
        notes = [*self.warnings, *(f"{e}: {n}" for e, n in zip(r["entity"], r["note"], strict=True) if n)]  # fmt: skip
        notes.append(
            "gap = price return − forward-EPS revision (pp); re-rating = (1+Rp)/(1+Re) − 1"
        )
        title = f"Price vs forward earnings, {self.start} to {self.end}"
        return Summary(title, table, tuple(notes), self.synthetic)


def _value_at(series: pd.Series, when: pd.Timestamp) -> float:
    before = series.dropna()
    before = before[before.index <= when]
    return float(before.iloc[-1]) if len(before) else float("nan")


def price_vs_fundamentals(
    prices: pd.DataFrame,
    valuation: pd.DataFrame,
    *,
    start: date,
    end: date,
    entity_of: Mapping[str, str] | None = None,
    synthetic: bool = False,
) -> PriceGapResult:
    """How far each price ran ahead of its forward-EPS revision between ``start`` and ``end``.

    Parameters
    ----------
    prices
        Long price frame (``date``, ``ticker``, ``close``).
    valuation
        Valuation rows with ``eps_fwd`` (or ``pe_fwd`` and ``price``) at both dates.
    start, end
        The window; each side uses the last value on or before the date.
    entity_of
        Ticker → slug for display; default the ticker.

    Returns
    -------
    PriceGapResult

    Notes
    -----
    Formula in the module docstring. Price and EPS are read at the same two
    dates so the gauge compares like with like; either missing leaves the
    row NaN with a note rather than assuming no change.
    """
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    names = entity_of or {}
    records: list[dict[str, Any]] = []
    for ticker in dict.fromkeys(valuation["ticker"]):
        v = valuation[valuation["ticker"] == ticker]
        index = pd.DatetimeIndex(v["date"])
        eps = pd.Series(v["eps_fwd"].to_numpy(dtype="float64"), index=index)
        implied = pd.Series((v["price"] / v["pe_fwd"]).to_numpy(dtype="float64"), index=index)
        eps = eps.fillna(implied)
        p = prices[prices["ticker"] == ticker]
        close = pd.Series(p["close"].to_numpy(dtype="float64"), index=pd.DatetimeIndex(p["date"]))
        p0, p1, e0, e1 = (_value_at(close, t0), _value_at(close, t1), _value_at(eps, t0), _value_at(eps, t1))  # fmt: skip
        notes = []
        rp = re_ = np.nan
        if np.isfinite(p0) and np.isfinite(p1):
            rp = p1 / p0 - 1.0
        else:
            notes.append("no close at both dates")
        if not (np.isfinite(e0) and np.isfinite(e1)):
            notes.append("no forward EPS at both dates")
        elif e0 <= 0:
            notes.append("forward EPS not positive at the start; revision undefined")
        else:
            re_ = e1 / e0 - 1.0
        note = "; ".join(notes) or None
        records.append({
            "entity": names.get(str(ticker), str(ticker)), "ticker": ticker, "start": t0,
            "end": t1, "price_return_pct": rp * 100.0, "eps_revision_pct": re_ * 100.0,
            "gap_pp": (rp - re_) * 100.0, "rerating_pct": ((1 + rp) / (1 + re_) - 1) * 100.0,
            "note": note,
        })  # fmt: skip
    rows = pd.DataFrame.from_records(records, columns=list(PRICE_GAP_COLUMNS))
    return PriceGapResult(start, end, rows, synthetic=synthetic)
