"""Small, escaped HTML pieces the sections share: numbers, links, tables.

``html_table`` marks number-like cells (``number_value``) so the page's
script sorts them as numbers and its style sheet aligns and colours them;
``report.js`` reads the same pattern for tables built elsewhere (summaries,
the web app's runs), so every table behaves alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, Final

import pandas as pd
from markupsafe import Markup, escape

__all__ = ["anchor", "fmt_date", "fmt_num", "fmt_pct", "html_table", "link", "number_value"]

MISSING: Final = "—"
"""What a cell shows for a missing value; it sorts last either way."""

# sign, currency (code or symbol), sign, digits (commas allowed), decimals, unit or scale.
# Keep in step with NUMBER in assets/report.js (a browser test compares the two).
_NUMBER: Final = re.compile(
    r"^([+\-\u2212])?\s*(?:([A-Z]{3})\s?|([$\u20ac\u00a3\u00a5]))?([+\-\u2212])?"
    r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?(%|x|\u00d7|bps|bp|pp|[kKmMbBtT]n?|[A-Z]{3})?$"
)
_SCALE: Final = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
_NUM_CLASS: Final = ' class="num"'


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number_value(text: str) -> tuple[float, int] | None:
    """The value of a number-like cell and the sign it shows, or ``None`` for text.

    Number-like: an optional sign, an optional currency code or symbol
    (``HKD 123.4``, ``$16B``), digits with thousands commas and decimals, and
    an optional unit or scale (``%``, ``x``, ``bps``, ``pp``, ``bn``, ``USD``).
    The sign is ``1`` or ``-1`` when the text shows one (``+1.2%``) and the
    value is not zero, else ``0``. Scales multiply (``1.2bn`` is 1.2e9) so a
    column of mixed scales sorts right; a date, a ticker (``0700.HK``) or a
    range is text.
    """
    m = _NUMBER.match(text.strip())
    if m is None or (m[1] and m[4]):
        return None
    value = float(m[5].replace(",", "") + (m[6] or ""))
    unit = (m[7] or "").lower()
    if len(unit) == 1 or (len(unit) == 2 and unit.endswith("n")):
        value *= _SCALE.get(unit[0], 1.0)
    sign = m[1] or m[4]
    if sign and sign != "+":
        value = -value
    shown = 0 if not sign or value == 0 else (1 if value > 0 else -1)
    return value, shown


def fmt_pct(value: Any, *, signed: bool = True, unit: str = "%") -> str:
    """``+15.72%``; an em dash for a missing value."""
    if _missing(value):
        return MISSING
    x = float(value)
    return f"{x:+.2f}{unit}" if signed else f"{x:.2f}{unit}"


def fmt_num(value: Any, digits: int = 2) -> str:
    if _missing(value):
        return MISSING
    x = float(value)
    return f"{x:,.{digits}f}" if math.isfinite(x) else MISSING


def fmt_date(value: Any) -> str:
    if _missing(value):
        return MISSING
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return f"{value:%Y-%m-%d}"
    return str(value)


def anchor(*parts: str) -> str:
    """A stable DOM id from parts: ``anchor("rally", "9888.HK")`` → ``rally-9888-HK``."""
    raw = "-".join(parts)
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in raw)


def link(text: str, target: str) -> Markup:
    """``<a href="#target">text</a>``, escaped."""
    return Markup('<a href="#{}">{}</a>').format(target, text)


def _cell_text(value: Any) -> str:
    return value.striptags() if isinstance(value, Markup) else str(value)


def _cell(value: Any, numeric: bool) -> str:
    """One ``<td>``: a number-like cell carries its value (``data-sort``) and sign class."""
    html = value if isinstance(value, Markup) else escape(str(value))
    parsed = number_value(_cell_text(value))
    classes = ["num"] if numeric else []
    attrs = ""
    if parsed is not None:
        number, sign = parsed
        attrs = f' data-sort="{number!r}"'
        classes += ["pos"] if sign > 0 else ["neg"] if sign < 0 else []
    cls = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{cls}{attrs}>{html}</td>"


def _numeric(column: list[Any]) -> bool:
    """A column is numeric when it has a number and every other cell is missing."""
    texts = [_cell_text(v).strip() for v in column]
    shown = [t for t in texts if t not in ("", MISSING)]
    return bool(shown) and all(number_value(t) is not None for t in shown)


class TableRow(dict[Any, Any]):
    """One row of a table's frame, as ``row_id``/``row_attrs`` see it: cells by column
    name, and ``name``, the row's index label. A dict, because building a pandas
    row (``iterrows``) costs a Series and a dtype guess per row."""

    def __init__(self, cells: Iterable[tuple[Any, Any]], name: Any) -> None:
        super().__init__(cells)
        self.name = name


def html_table(
    frame: pd.DataFrame,
    *,
    table_id: str,
    row_id: Callable[[TableRow], str] | None = None,
    row_attrs: Callable[[TableRow], dict[str, str]] | None = None,
    classes: Sequence[str] = (),
) -> Markup:
    """An escaped ``<table>`` from a frame of display strings; optional row ids and data attributes.

    Number-like cells (``number_value``) get ``data-sort`` (the value, for the
    page's sorting) and ``pos``/``neg`` when they show a sign; a column whose
    every shown cell is number-like is ``num`` (right-aligned, tabular digits).
    """
    # cells from the columns, not from iterrows: a row Series may cast Markup to plain str
    columns = [frame.iloc[:, i].tolist() for i in range(frame.shape[1])]
    numeric = [_numeric(column) for column in columns]
    head = "".join(
        f"<th{_NUM_CLASS if num else ''}>{escape(str(c))}</th>"
        for c, num in zip(frame.columns, numeric, strict=True)
    )
    names = list(frame.columns)
    body = []
    for at, label in enumerate(frame.index.tolist()):
        attrs = ""
        if row_id is not None or row_attrs is not None:
            row = TableRow(zip(names, (col[at] for col in columns), strict=True), label)
            if row_id is not None:
                attrs += f' id="{escape(row_id(row))}"'
            if row_attrs is not None:
                attrs += "".join(
                    f' data-{escape(k)}="{escape(v)}"' for k, v in row_attrs(row).items()
                )
        cells = "".join(_cell(col[at], num) for col, num in zip(columns, numeric, strict=True))
        body.append(f"<tr{attrs}>{cells}</tr>")
    cls = f' class="{escape(" ".join(classes))}"' if classes else ""
    return Markup(
        f'<table id="{escape(table_id)}"{cls} data-typed="">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
