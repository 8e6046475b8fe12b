"""The capex tracker: statement capex per company and period, in USD, against press reports.

:func:`track_capex` builds a :class:`CapexResult` (``_capex_result``); the
package ``analytics.fundamentals`` exports both.

Definitions
-----------
``period``
    A calendar label when the fiscal period is one (``2024`` for a year ending
    31 December, ``2024Q2`` for a quarter ending 30 June); otherwise a fiscal
    label (``FY2025 (to 2025-03-31)``), since Alibaba's year ends in March.
``capex_usd``
    ``capex × usd_per_unit`` with the rate for the period from the FX
    converter: a calendar label is looked up as is (the mean of its months);
    a fiscal period is the mean of the monthly rates (units per USD) of its
    months. Without a rate the cell is NaN and ``fx`` says why.
``yoy_pct``
    ``(capex / capex a year earlier − 1) × 100`` in the *reporting currency*
    (so FX moves do not pose as spending growth); the earlier period is the
    same ticker's row whose end lies within :data:`YOY_MATCH_DAYS` of one year
    before. NaN when there is none.
group totals
    The sum of ``capex_usd`` over the tracked entities for each calendar
    period. ``total_usd`` is NaN unless every entity has a USD figure for it
    (``complete``); ``partial_usd`` sums the ones that do, ``missing`` names
    the rest — a partial sum is never shown as the total.
gaps (reported vs statement)
    For each press-reported capex fact, the statement figure for the same
    entity (or the sum over a ``+`` set) and calendar period, built from
    calendar-labelled rows (a year from its annual row or four quarters, a
    half from two quarters), converted to the fact's currency through USD.
    ``gap_pct = (statement / reported − 1) × 100``. A growth fact is compared
    as the ratio it implies: ``((1 + g_stmt) / (1 + g_reported) − 1) × 100``,
    so one tolerance serves both. ``|gap_pct| ≤ tolerance_pct`` is ``match``,
    else ``differs``; a figure on one side only is ``reported only`` or
    ``statement only`` (the latter for periods some fact covers); a pledge is
    ``not comparable``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from themelens.analytics.fundamentals._capex_result import CapexResult
from themelens.data.fx import (
    FxRate,
    RateTable,
    ReferenceTable,
    UnknownCurrencyError,
    reference_table,
)
from themelens.errors import AsofError, Failure, InputError
from themelens.theme import CapexFact

__all__ = [
    "CAPEX_ROW_COLUMNS",
    "GAP_COLUMNS",
    "TOTAL_COLUMNS",
    "YOY_MATCH_DAYS",
    "RateSource",
    "capex_rates_needed",
    "track_capex",
]

RateSource = RateTable | ReferenceTable
"""Where the tracker reads FX rates: tables already in hand, never a client that may call out."""

YOY_MATCH_DAYS: Final = 15
"""How far a period end may sit from "one year before" and still count as the prior period
(fiscal calendars that end on the last Saturday drift by days, not weeks)."""

CAPEX_ROW_COLUMNS: Final = (
    "entity",
    "ticker",
    "freq",
    "period",
    "period_end",
    "capex",
    "currency",
    "capex_usd",
    "yoy_pct",
    "fx",
    "provider",
    "source",
)
TOTAL_COLUMNS: Final = (
    "freq",
    "period",
    "total_usd",
    "partial_usd",
    "members",
    "expected",
    "complete",
    "missing",
)
GAP_COLUMNS: Final = (
    "entity",
    "metric",
    "period",
    "basis",
    "reported",
    "statement",
    "unit",
    "gap_pct",
    "status",
    "source",
    "reported_date",
    "note",
)

_ROUNDING_PCT: Final = 1e-9
"""Slack on the tolerance so a gap of exactly 5% (105/100 − 1 = 5.000000000000004) is a match."""
_HALF_RE: Final = re.compile(r"^(\d{4})H([12])$")
_QUARTER_RE: Final = re.compile(r"^(\d{4})Q([1-4])$")
_YEAR_RE: Final = re.compile(r"^\d{4}$")


def _calendar_label(end: pd.Timestamp, freq: str) -> str | None:
    if end != end + pd.offsets.MonthEnd(0):
        return None
    if freq == "quarterly" and end.month % 3 == 0:
        return f"{end.year}Q{end.month // 3}"
    if freq == "annual" and end.month == 12:
        return str(end.year)
    return None


def _label(end: pd.Timestamp, freq: str) -> str:
    cal = _calendar_label(end, freq)
    if cal is not None:
        return cal
    kind = "FY" if freq == "annual" else "FQ"
    year = str(end.year) if freq == "annual" else ""
    return f"{kind}{year} (to {end:%Y-%m-%d})"


def _quarters(period: str) -> list[str] | None:
    """The calendar quarters a year/half/quarter label spans (None for a span like ``3y``)."""
    if _YEAR_RE.match(period):
        return [f"{period}Q{q}" for q in range(1, 5)]
    if m := _HALF_RE.match(period):
        first = 1 if m.group(2) == "1" else 3
        return [f"{m.group(1)}Q{q}" for q in (first, first + 1)]
    if _QUARTER_RE.match(period):
        return [period]
    return None


def _previous(period: str) -> str:
    """The same calendar period a year earlier (``2024H1`` → ``2023H1``)."""
    return f"{int(period[:4]) - 1}{period[4:]}"


class _Recorder:
    """Stands in for a rate table to learn which ``(currency, period)`` rates a run will read."""

    def __init__(self) -> None:
        self.wanted: dict[tuple[str, str], None] = {}

    def rate(self, currency: str, when: str | None = None) -> FxRate:
        period = when or "latest"
        self.wanted[(currency.upper(), period)] = None
        return FxRate(currency.upper(), period, 1.0, "identity", "")


class _Fx:
    """FX lookups for the tracker: USD per unit for a label or fiscal span, and why not."""

    def __init__(self, converter: RateSource | _Recorder) -> None:
        self.converter = converter

    def usd_per_unit(
        self,
        currency: str,
        period: str,
        start: pd.Timestamp | None = None,
        end: pd.Timestamp | None = None,
    ) -> tuple[float, str]:
        try:
            if start is None or end is None:
                rate = self.converter.rate(currency, period)
                return rate.usd_per_unit, rate.label
            months = pd.period_range(start, end, freq="M")
            rates = [self.converter.rate(currency, f"{m:%Y-%m}") for m in months]
        except (UnknownCurrencyError, AsofError, InputError) as exc:
            return float("nan"), str(exc)
        units = float(np.mean([r.units_per_usd for r in rates]))
        label = f"mean of {len(rates)} monthly rates {months[0]}..{months[-1]}: {units:.4g} {currency} per USD ({rates[0].source})"
        return 1.0 / units, label


def _rows(
    statements: pd.DataFrame, entity_of: Mapping[str, str], fx: _Fx
) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    records: list[dict[str, Any]] = []
    for (ticker, freq), group in statements.groupby(["ticker", "freq"], sort=False):
        ends = pd.DatetimeIndex(group["period_end"])
        values = group["capex"].to_numpy(dtype="float64")
        for k, (end, row) in enumerate(zip(ends, group.itertuples(index=False), strict=True)):
            months = 12 if freq == "annual" else 3
            label = _label(end, str(freq))
            cal = _calendar_label(end, str(freq))
            start = (end - pd.DateOffset(months=months)) + pd.Timedelta(days=1)
            usd_rate, fx_label = (
                fx.usd_per_unit(str(row.currency), cal)
                if cal is not None
                else fx.usd_per_unit(str(row.currency), label, start, end)
            )
            if np.isnan(usd_rate):
                notes.append(f"{ticker} {label}|{fx_label}")
            gap = np.abs((ends - (end - pd.DateOffset(years=1))).days)
            prior = np.flatnonzero(gap <= YOY_MATCH_DAYS)
            yoy = (
                (values[k] / values[prior[0]] - 1.0) * 100.0
                if len(prior) and values[prior[0]] > 0
                else np.nan
            )
            records.append(
                {
                    "entity": entity_of.get(str(ticker), str(ticker)),
                    "ticker": ticker,
                    "freq": freq,
                    "period": label,
                    "period_end": end,
                    "capex": values[k],
                    "currency": row.currency,
                    "capex_usd": values[k] * usd_rate,
                    "yoy_pct": yoy,
                    "fx": fx_label,
                    "provider": row.provider,
                    "source": row.source,
                }
            )
    rows = pd.DataFrame.from_records(records, columns=list(CAPEX_ROW_COLUMNS))
    rows = rows.sort_values(["freq", "entity", "period_end"], kind="mergesort")
    if notes:  # one line, not one per period: which periods, and the first reason
        where = ", ".join(n.split("|")[0] for n in notes)
        notes = [f"no USD figure for {len(notes)} period(s) ({where}): {notes[0].split('|')[1]}"]
    return rows.reset_index(drop=True), notes


def _totals(rows: pd.DataFrame, expected: Sequence[str]) -> pd.DataFrame:
    records: list[dict[str, Any]] = []
    keep = [
        _calendar_label(e, f) is not None
        for e, f in zip(rows["period_end"], rows["freq"], strict=True)
    ]
    cal = rows.loc[np.asarray(keep, dtype=bool)]
    for (freq, period), group in cal.groupby(["freq", "period"], sort=True):
        have = group.dropna(subset=["capex_usd"])
        missing = [e for e in expected if e not in set(have["entity"])]
        partial = float(have["capex_usd"].sum())
        records.append(
            {
                "freq": freq,
                "period": period,
                "total_usd": np.nan if missing else partial,
                "partial_usd": partial,
                "members": len(have),
                "expected": len(expected),
                "complete": not missing,
                "missing": ", ".join(missing) or None,
            }
        )
    return pd.DataFrame.from_records(records, columns=list(TOTAL_COLUMNS))


def _statement_for(
    rows: pd.DataFrame, entity: str, period: str
) -> tuple[float, str | None, str | None]:
    """(capex in the reporting currency, currency, None) or (nan, None, why not)."""
    mine = rows[rows["entity"] == entity]
    if mine.empty:
        return np.nan, None, f"no statement for {entity}"
    annual = mine[(mine["freq"] == "annual") & (mine["period"] == period)]
    if len(annual):
        return float(annual["capex"].iloc[0]), str(annual["currency"].iloc[0]), None
    wanted = _quarters(period)
    if wanted is None:
        return np.nan, None, f"{period} has no statement equivalent"
    quarters = mine[(mine["freq"] == "quarterly") & mine["period"].isin(wanted)]
    if len(quarters) < len(wanted):
        have = ", ".join(quarters["period"]) or "none of them"
        return np.nan, None, f"{entity}: statement lacks quarters of {period} (have {have})"
    currencies = set(quarters["currency"])
    if len(currencies) != 1:
        return np.nan, None, f"{entity}: {period} quarters mix currencies"
    return float(quarters["capex"].sum()), currencies.pop(), None


def _in_currency(
    value: float, have: str, want: str, period: str, fx: _Fx
) -> tuple[float, str | None]:
    if have == want:
        return value, None
    src, why = fx.usd_per_unit(have, period)
    dst, why2 = fx.usd_per_unit(want, period)
    if np.isnan(src) or np.isnan(dst):
        return np.nan, why if np.isnan(src) else why2
    return value * src / dst, None


def _compare(
    rows: pd.DataFrame, facts: Sequence[CapexFact], tolerance_pct: float, fx: _Fx
) -> pd.DataFrame:
    records: list[dict[str, Any]] = []
    for fact in facts:
        rec: dict[str, Any] = {
            "entity": fact.entity,
            "metric": fact.metric,
            "period": fact.period,
            "basis": fact.basis,
            "reported": fact.value,
            "statement": np.nan,
            "unit": fact.currency or "%",
            "gap_pct": np.nan,
            "source": fact.source,
            "reported_date": fact.date,
            "note": fact.note,
        }
        if fact.metric == "investment_plan":
            rec["status"] = "not comparable"
            records.append(rec)
            continue
        why: str | None = None
        if fact.metric == "capex":
            total = 0.0
            for slug in fact.members:
                value, ccy, why = _statement_for(rows, slug, fact.period)
                if why is None and ccy is not None and fact.currency is not None:
                    value, why = _in_currency(value, ccy, fact.currency, fact.period, fx)
                if why is not None:
                    break
                total += value
            statement, ratio = total, total / fact.value
        else:
            now, _, why = _statement_for(rows, fact.entity, fact.period)
            before, _, why_before = _statement_for(rows, fact.entity, _previous(fact.period))
            why = why or why_before
            statement = (now / before - 1.0) * 100.0 if why is None else np.nan
            ratio = (1.0 + statement / 100.0) / (1.0 + fact.value / 100.0)
        if why is not None:
            rec["status"] = "reported only"
            rec["note"] = "; ".join(x for x in (fact.note, why) if x)
        else:
            rec["statement"] = statement
            rec["gap_pct"] = (ratio - 1.0) * 100.0
            within = abs(rec["gap_pct"]) <= tolerance_pct + _ROUNDING_PCT
            rec["status"] = "match" if within else "differs"
        records.append(rec)
    covered = {f.period for f in facts if _quarters(f.period) is not None}
    reported = {(m, f.period) for f in facts if f.metric == "capex" for m in f.members}
    for entity in dict.fromkeys(rows["entity"]):
        for period in sorted(covered):
            if (entity, period) in reported:
                continue
            value, ccy, why = _statement_for(rows, entity, period)
            if why is None:
                records.append(
                    {
                        "entity": entity,
                        "metric": "capex",
                        "period": period,
                        "basis": "statement",
                        "reported": np.nan,
                        "statement": value,
                        "unit": ccy,
                        "gap_pct": np.nan,
                        "status": "statement only",
                        "source": None,
                        "reported_date": None,
                        "note": "no press figure for this entity and period",
                    }
                )
    return pd.DataFrame.from_records(records, columns=list(GAP_COLUMNS))


def capex_rates_needed(
    statements: pd.DataFrame,
    facts: Sequence[CapexFact] = (),
    *,
    entity_of: Mapping[str, str] | None = None,
    tolerance_pct: float = 5.0,
) -> tuple[tuple[str, str], ...]:
    """Every ``(currency, period)`` rate :func:`track_capex` will read for these inputs.

    The tracker is run once against a recorder, so the list follows its own
    rules for periods (calendar labels, the months of a fiscal span, the
    facts' periods) rather than a second copy of them.
    """
    recorder = _Recorder()
    entity_of = dict(entity_of or {t: t for t in statements["ticker"].unique()})
    every, _ = _rows(statements, entity_of, _Fx(recorder))
    _compare(every, facts, tolerance_pct, _Fx(recorder))
    return tuple(recorder.wanted)


def track_capex(
    statements: pd.DataFrame,
    facts: Sequence[CapexFact] = (),
    *,
    entity_of: Mapping[str, str] | None = None,
    freq: str = "annual",
    fx: RateSource | None = None,
    tolerance_pct: float = 5.0,
    statements_available: bool = True,
    warnings: Sequence[str] = (),
    failures: Sequence[Failure] = (),
    synthetic: bool = False,
) -> CapexResult:
    """Track capex: per period in local currency and USD, YoY, group totals, gaps to press figures.

    Parameters
    ----------
    statements
        Capex rows (``data.fundamentals`` contract); annual and quarterly rows
        may both be present: the table shows ``freq``, the gap check uses both.
    facts
        The theme's ``capex_facts``.
    entity_of
        Ticker → entity slug; the entities tracked (the group) are its values.
    fx
        The rates for USD figures, already looked up (``FxConverter.table`` over
        :func:`capex_rates_needed`); default the built-in reference table. A
        table, not a converter: the tracker never reaches the network.
    tolerance_pct
        Largest ``|gap_pct|`` still called a match.
    statements_available, warnings, failures, synthetic
        Echoed into the result (what the source said).

    Returns
    -------
    CapexResult

    Notes
    -----
    Definitions are in this module's docstring. Nothing missing becomes zero: a
    missing rate leaves ``capex_usd`` NaN, a missing member leaves the group
    total NaN, a missing statement leaves a fact ``reported only``.
    """
    if tolerance_pct < 0:
        raise InputError(f"--tolerance {tolerance_pct}: must not be negative")
    entity_of = dict(entity_of or {t: t for t in statements["ticker"].unique()})
    converter = _Fx(fx if fx is not None else reference_table())
    every, notes = _rows(statements, entity_of, converter)
    shown = every[every["freq"] == freq].reset_index(drop=True)
    expected = list(dict.fromkeys(entity_of.values()))
    totals = _totals(shown, expected)
    gaps = _compare(every, facts, tolerance_pct, converter)
    fiscal = sorted(
        {
            e
            for e, p in zip(shown["entity"], shown["period"], strict=True)
            if p.startswith(("FY", "FQ"))
        }
    )
    if fiscal:
        notes.append(
            f"fiscal periods off the calendar ({', '.join(fiscal)}) are left out of calendar group totals"
        )
    return CapexResult(
        freq=freq,
        tolerance_pct=tolerance_pct,
        rows=shown,
        totals=totals,
        gaps=gaps,
        statements_available=statements_available,
        warnings=(*warnings, *notes),
        failures=tuple(failures),
        synthetic=synthetic,
    )
