"""Pipe tables: the heading row says what each column holds, and each row's cells become claims.

Research notes, quote pages and exchange statistics put their figures in
tables ("Company | Code | Rating | Target price | P/E 2026E",
"Index | Close | Chg % | Week Chg %", "Stock name | Net buy/(sell) (HK$ mn)").
A cell's number means nothing without its heading, so the heading is read
once into typed ``Column``s — a % change (with its window: day, week, month,
ytd), a price target, a forward P/E (with the year as written; an actual
"2024A" multiple is no claim), a net buy (with its unit and currency) — and
every row under it is read through them. Columns of levels, turnover, market
values or counts are not typed, so their numbers never become claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, TypeVar

from themelens.news.extract.numbers import Quantity, QuantityKind, find_quantities
from themelens.news.extract.scan import Folded, lowered

__all__ = [
    "Column",
    "TableCell",
    "column_window",
    "heading_columns",
    "is_separator",
    "names_percent",
    "row_cells",
]


@dataclass(frozen=True)
class Column:
    """One typed column of a table: which cell, what it measures, and in what unit."""

    index: int
    metric: str
    window: str | None = None
    scale: float = 1.0
    currency: str | None = None


@dataclass(frozen=True)
class TableCell:
    """A row's figure under a typed column, with its offsets in the row's text."""

    column: Column
    quantity: Quantity


_YEAR_TOKEN_RE: Final = re.compile(r"\b(?:FY\s?)?(?:19|20)?\d\d(?P<kind>[AEFP])?\b", re.IGNORECASE)
_ANY_DIGIT_RE: Final = re.compile(r"\d")
_SEPARATOR_RE: Final = re.compile(r"^[\s|:+-]*$")
_PE_RE: Final = re.compile(r"\bP\s?/\s?E\b|\bPE\b|price[\s-]to[\s-]earnings", re.IGNORECASE)
_FORWARD_RE: Final = re.compile(r"\b(?:fwd|forward|next\s+12)\b", re.IGNORECASE)
_TARGET_RE: Final = re.compile(r"\b(?:target(?:\s+price)?|price\s+target|TP)\b", re.IGNORECASE)
_FLOW_RE: Final = re.compile(r"\bnet\s+(?:buy|purchase|inflow|flow)", re.IGNORECASE)
_PCT_RE: Final = Folded(r"%|\bpct\b|\bper\s*cent\b")  # on the lowered text (``scan.Folded``)
_NOT_A_MOVE_RE: Final = re.compile(
    r"\b(?:weight|share|yield|margin|stake|upside|downside|premium|discount|payout|ratio)\b",
    re.IGNORECASE,
)
_WINDOWS: Final = (
    (re.compile(r"\b(?:week|wk|1w|5d)", re.IGNORECASE), "1w"),
    (re.compile(r"\b(?:month|mth|1m)\b", re.IGNORECASE), "1m"),
    (re.compile(r"\b(?:YTD|year[\s-]to[\s-]date)\b", re.IGNORECASE), "ytd"),
)
_UNITS: Final = (
    (re.compile(r"\b(?:bn|billion|b)\b", re.IGNORECASE), 1e9),
    (re.compile(r"\b(?:mn|million|m|mln)\b", re.IGNORECASE), 1e6),
    (re.compile(r"\b(?:k|thousand|'000)\b", re.IGNORECASE), 1e3),
)
_CURRENCIES: Final = (
    (re.compile(r"HK\$|HKD", re.IGNORECASE), "HKD"),
    (re.compile(r"US\$|USD", re.IGNORECASE), "USD"),
    (re.compile(r"RMB|CNY|yuan", re.IGNORECASE), "CNY"),
    (re.compile(r"\$"), "USD"),
)
_CELL_NUMBER_RE: Final = re.compile(
    r"^\s*(?P<open>\()?\s*(?P<sign>[-−+])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"\s*%?\s*(?(open)\))\s*$"
)


def names_percent(text: str) -> bool:
    """The text names a percentage ("Chg %", "pct", "per cent")."""
    low = lowered(text)
    if low is not None and "%" not in low and "pct" not in low and "per" not in low:
        return False  # each match holds one of them: no need to run the pattern
    return _PCT_RE.search_low(text, low) is not None


def column_window(label: str) -> str | None:
    """The window a column label gives its figures ("Week chg %" is ``1w``), if any."""
    return _first(_WINDOWS, label)


def is_separator(line: str) -> bool:
    """A Markdown rule row ("|---|:---:|"): part of a table, no heading, no row."""
    return "|" in line and _SEPARATOR_RE.match(line) is not None


T = TypeVar("T")


def _first(patterns: tuple[tuple[re.Pattern[str], T], ...], text: str) -> T | None:
    """The value of the first pattern found in ``text`` (a window, a unit, a currency)."""
    return next((value for rx, value in patterns if rx.search(text)), None)


def _column(index: int, cell: str) -> Column | None:
    if _PE_RE.search(cell):
        year = _YEAR_TOKEN_RE.search(cell)
        if year is not None and (year["kind"] or "").upper() == "A":
            return None  # an actual (trailing) multiple is no claim
        if year is None and not _FORWARD_RE.search(cell):
            return None
        window = None
        if year is not None:
            digits = re.sub(r"\D", "", year.group(0))
            window = digits if len(digits) == 4 else f"20{digits[-2:]}"
        return Column(index, "forward_pe", window)
    if _TARGET_RE.search(cell):
        return Column(index, "price_target", currency=_first(_CURRENCIES, cell))
    if _FLOW_RE.search(cell):
        scale = _first(_UNITS, cell)
        return Column(index, "fund_flow", scale=scale or 1.0, currency=_first(_CURRENCIES, cell))
    if _PCT_RE.search_low(cell, lowered(cell, remember=False)) and not _NOT_A_MOVE_RE.search(cell):
        return Column(index, "return_pct", column_window(cell))
    return None


def heading_columns(line: str) -> tuple[Column, ...] | None:
    """The typed columns of a heading row, or None when ``line`` is no table heading.

    A heading is a "|"-separated line whose cells hold words, not figures (a
    year such as "P/E 2026E" or "FY25" is allowed); it may type no column at
    all ("Item | Value"), which ends the table before it.
    """
    if "|" not in line or is_separator(line):
        return None
    cells = line.split("|")
    if any(_ANY_DIGIT_RE.search(_YEAR_TOKEN_RE.sub("", c)) for c in cells):
        return None
    if sum(1 for c in cells if c.strip()) < 2:
        return None
    return tuple(col for k, c in enumerate(cells) if (col := _column(k, c)) is not None)


def row_cells(line: str, columns: tuple[Column, ...]) -> list[TableCell]:
    """The figures of a row under ``columns``: one per typed cell that holds a number."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for cell in line.split("|"):
        bounds.append((start, start + len(cell)))
        start += len(cell) + 1
    out: list[TableCell] = []
    for col in columns:
        if col.index >= len(bounds):
            continue
        lo, hi = bounds[col.index]
        q = _cell_quantity(line, lo, hi, col)
        if q is not None:
            out.append(TableCell(col, q))
    return out


def _cell_quantity(line: str, lo: int, hi: int, col: Column) -> Quantity | None:
    text = line[lo:hi]
    if col.metric == "price_target":
        money = [q for q in find_quantities(text) if q.kind == "money"]
        if money:  # "HK$780", "$116 (from $135)": the first figure is the target
            q = money[0]
            return Quantity("money", q.value, lo + q.start, lo + q.end, q.currency)
    m = _CELL_NUMBER_RE.match(text)
    if m is None:
        return None
    value = float(m["num"].replace(",", "")) * col.scale
    if m["open"] or m["sign"] in ("-", "−"):
        value = -value  # "(612.3)" is a net sale
    kind: QuantityKind = _KINDS[col.metric]
    return Quantity(kind, value, lo + m.start("num"), lo + m.end("num"), col.currency, signed=True)


_KINDS: Final[dict[str, QuantityKind]] = {
    "return_pct": "percent", "forward_pe": "multiple", "price_target": "money", "fund_flow": "money",
}  # fmt: skip
