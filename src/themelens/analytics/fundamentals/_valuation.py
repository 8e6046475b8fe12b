"""Valuation: P/E per ticker with z-scores against its own history, and spreads vs benchmarks.

Definitions (z-score window, spreads, the harmonic group multiple) are in the
package docstring (:mod:`themelens.analytics.fundamentals`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np
import pandas as pd

from themelens.analytics._cells import RowsResult, fmt_cell
from themelens.errors import Failure
from themelens.summary import Summary

__all__ = [
    "SPREAD_COLUMNS",
    "VALUATION_ROW_COLUMNS",
    "ValuationResult",
    "compare_valuation",
    "harmonic_pe",
    "zscore_vs_history",
]

VALUATION_ROW_COLUMNS: Final = (
    "entity",
    "role",
    "ticker",
    "date",
    "pe_fwd",
    "pe_trailing",
    "z_fwd_5y",
    "z_trailing_5y",
    "history_obs",
    "provider",
    "source",
    "note",
)
SPREAD_COLUMNS: Final = (
    "subject",
    "reference",
    "measure",
    "pe_subject",
    "pe_reference",
    "spread_x",
    "discount_pct",
    "note",
)
_MEASURES: Final = ("pe_fwd", "pe_trailing")
_GROUP: Final = "theme members (harmonic mean)"
_NO_DATA: Final = "no valuation data"


def _x(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else f"{value:.1f}x"


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
        return (
            float("nan"),
            n,
            f"z-score absent: {n} observation(s) in {years} years (< {min_observations})",
        )
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
class ValuationResult(RowsResult):
    """P/E per entity with z-scores, and spreads of the theme vs its benchmarks.

    ``rows`` has :data:`VALUATION_ROW_COLUMNS`, ``spreads`` :data:`SPREAD_COLUMNS`
    (definitions in the package docstring). ``reported`` is True when the
    figures are press reports from the theme file rather than a data source.
    """

    asof: date | None
    rows: pd.DataFrame
    spreads: pd.DataFrame
    warnings: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()
    synthetic: bool = False
    reported: bool = False

    JSON_FIELDS = ("asof", "synthetic", "reported", "rows", "spreads", "warnings", "failures")

    def summary(self) -> Summary:
        """P/E per entity (forward, trailing, 5-year z-scores) and notes."""
        r = self.rows
        table = pd.DataFrame(
            {
                "entity": r["entity"],
                "ticker": r["ticker"],
                "date": [None if pd.isna(d) else f"{d:%Y-%m-%d}" for d in r["date"]],
                "fwd P/E": [_x(v) for v in r["pe_fwd"]],
                "trailing P/E": [_x(v) for v in r["pe_trailing"]],
                "z fwd 5y": [fmt_cell(v, "+.2f") for v in r["z_fwd_5y"]],
                "z trailing 5y": [fmt_cell(v, "+.2f") for v in r["z_trailing_5y"]],
                "source": r["provider"],
            }
        )
        notes = [*self.warnings, *(f"no valuation: {f}" for f in self.failures)]
        absent = [e for e, n in zip(r["entity"], r["note"], strict=True) if n == _NO_DATA]
        if absent:
            notes.append(f"{_NO_DATA}: {', '.join(absent)}")
        notes += [
            f"{e}: {n}" for e, n in zip(r["entity"], r["note"], strict=True) if n and n != _NO_DATA
        ]
        notes.append("z = (P/E − 5-year mean) / 5-year std of the entity's own history")
        when = f" as of {self.asof}" if self.asof else ""
        title = "Valuation" + (" (press reports)" if self.reported else "") + when
        return Summary(title, table, tuple(notes), self.synthetic)

    def spreads_summary(self) -> Summary:
        """The theme-vs-benchmark spreads."""
        s = self.spreads
        table = pd.DataFrame(
            {
                "subject": s["subject"],
                "reference": s["reference"],
                "measure": s["measure"],
                "subject P/E": [_x(v) for v in s["pe_subject"]],
                "reference P/E": [_x(v) for v in s["pe_reference"]],
                "spread": [fmt_cell(v, "+.1f") for v in s["spread_x"]],
                "discount": [fmt_cell(v, "+.1f") for v in s["discount_pct"]],
            }
        )
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
    Definitions are in the package docstring; a ticker with no row is a row of
    NaNs with a note, so the table shows that it is missing.
    """
    records: list[dict[str, Any]] = []
    by_ticker = dict(tuple(data.groupby("ticker", sort=False)))  # one pass, not one per ticker
    for ticker, (slug, role) in subjects.items():
        mine = _latest(by_ticker.get(ticker, data.iloc[0:0]), asof)
        rec: dict[str, Any] = {"entity": slug, "role": role, "ticker": ticker}
        if mine.empty:
            records.append(
                {
                    **rec,
                    "date": pd.NaT,
                    "pe_fwd": np.nan,
                    "pe_trailing": np.nan,
                    "z_fwd_5y": np.nan,
                    "z_trailing_5y": np.nan,
                    "history_obs": 0,
                    "provider": None,
                    "source": None,
                    "note": _NO_DATA,
                }
            )
            continue
        last = mine.iloc[-1]
        notes: list[str] = []
        used = 0
        for measure, column in (("pe_fwd", "z_fwd_5y"), ("pe_trailing", "z_trailing_5y")):
            series = pd.Series(mine[measure].to_numpy(), index=pd.DatetimeIndex(mine["date"]))
            if pd.isna(last[measure]):
                rec[column] = np.nan
                continue
            z, n, why = zscore_vs_history(
                series, years=history_years, min_observations=min_observations
            )
            rec[column], used = z, max(used, n)
            if why:
                notes.append(f"{measure} {why}")
        records.append(
            {
                **rec,
                "date": last["date"],
                "pe_fwd": last["pe_fwd"],
                "pe_trailing": last["pe_trailing"],
                "history_obs": used,
                "provider": last["provider"],
                "source": last["source"],
                "note": "; ".join(dict.fromkeys(notes)) or None,
            }
        )
    rows = pd.DataFrame.from_records(records, columns=list(VALUATION_ROW_COLUMNS))
    spreads = _spreads(rows, theme_index, benchmarks)
    return ValuationResult(
        asof, rows, spreads, tuple(warnings), tuple(failures), synthetic, reported
    )


def _spreads(
    rows: pd.DataFrame, theme_index: str | None, benchmarks: Sequence[str]
) -> pd.DataFrame:
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
            left = [
                e
                for e, v in zip(members["entity"], values, strict=True)
                if not (np.isfinite(v) and v > 0)
            ]
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
                records.append(
                    {
                        "subject": label,
                        "reference": name[ref],
                        "measure": measure,
                        "pe_subject": pe,
                        "pe_reference": ref_pe,
                        "spread_x": pe - ref_pe,
                        "discount_pct": (pe / ref_pe - 1.0) * 100.0,
                        "note": note,
                    }
                )
    return pd.DataFrame.from_records(records, columns=list(SPREAD_COLUMNS))
