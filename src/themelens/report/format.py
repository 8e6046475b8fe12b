"""Small, escaped HTML pieces the sections share: numbers, links, tables."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

__all__ = ["anchor", "fmt_date", "fmt_num", "fmt_pct", "html_table", "link"]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_pct(value: Any, *, signed: bool = True, unit: str = "%") -> str:
    """``+15.72%``; an em dash for a missing value."""
    if _missing(value):
        return "—"
    x = float(value)
    return f"{x:+.2f}{unit}" if signed else f"{x:.2f}{unit}"


def fmt_num(value: Any, digits: int = 2) -> str:
    if _missing(value):
        return "—"
    x = float(value)
    return f"{x:,.{digits}f}" if math.isfinite(x) else "—"


def fmt_date(value: Any) -> str:
    if _missing(value):
        return "—"
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


def html_table(
    frame: pd.DataFrame,
    *,
    table_id: str,
    row_id: Callable[[pd.Series], str] | None = None,
    row_attrs: Callable[[pd.Series], dict[str, str]] | None = None,
    classes: Sequence[str] = (),
) -> Markup:
    """An escaped ``<table>`` from a frame of display strings; optional row ids and data attributes."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        attrs = ""
        if row_id is not None:
            attrs += f' id="{escape(row_id(row))}"'
        if row_attrs is not None:
            attrs += "".join(f' data-{escape(k)}="{escape(v)}"' for k, v in row_attrs(row).items())
        cells = "".join(
            f"<td>{v if isinstance(v, Markup) else escape(str(v))}</td>" for v in row.tolist()
        )
        body.append(f"<tr{attrs}>{cells}</tr>")
    cls = f' class="{escape(" ".join(classes))}"' if classes else ""
    return Markup(
        f'<table id="{escape(table_id)}"{cls}><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )
