"""One printable summary shared by every results object (statsmodels' ``Summary`` idea).

A result's ``summary()`` formats its numbers once into a :class:`Summary`: a
title, a table of already-formatted cells and a few notes. The CLI prints it
with rich, the report embeds its HTML, a notebook shows ``_repr_html_``, and
none of them recomputes or reformats anything, so every surface shows the
same figures. Results built on the synthetic demo market set ``synthetic`` and
every rendering then carries the "synthetic demo data" banner.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from themelens.data.contracts import SYNTHETIC_LABEL

__all__ = ["ShowsSummary", "Summary"]

_MISSING: Final = "—"
_NUMERIC_LIKE: Final = re.compile(r"^[+\-−]?[\d.,]+\s*(%|pp|wk|x)?$")


def _cell(value: Any) -> str:
    """Render one cell: missing values (None, NaN, NaT) as a dash, the rest with ``str``."""
    if value is None or value is pd.NaT:
        return _MISSING
    if isinstance(value, float) and math.isnan(value):
        return _MISSING
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _right_aligned(cells: list[str]) -> bool:
    """A column is right-aligned when every present cell reads as a number."""
    present = [c for c in cells if c != _MISSING]
    return bool(present) and all(_NUMERIC_LIKE.match(c) for c in present)


@dataclass(frozen=True)
class Summary:
    """A titled table of formatted cells plus notes, renderable as text, HTML and rich.

    Parameters
    ----------
    title
        One line saying what the table is (e.g. ``"Rally as of 2025-09-17"``).
    table
        The rows to show; cells are shown as given (missing values as a dash),
        so the producer decides the formatting. The index is not shown.
    notes
        Sentences shown under the table: warnings, failures, definitions.
    synthetic
        True when the numbers come from synthetic demo data; adds a banner.
    """

    title: str
    table: pd.DataFrame
    notes: tuple[str, ...] = ()
    synthetic: bool = False

    def _columns(self) -> list[tuple[str, list[str], bool]]:
        """Each column as (header, rendered cells, right-aligned?)."""
        out = []
        for name in self.table.columns:
            cells = [_cell(v) for v in self.table[name].tolist()]
            out.append((str(name), cells, _right_aligned(cells)))
        return out

    def as_text(self) -> str:
        """Plain fixed-width text: banner, title, table, notes."""
        lines = [f"*** {SYNTHETIC_LABEL} ***"] if self.synthetic else []
        lines.append(self.title)
        columns = self._columns()
        if columns:
            widths = [max([len(h), *(len(c) for c in cells)]) for h, cells, _ in columns]

            def fmt(values: list[str]) -> str:
                parts = [
                    v.rjust(w) if right else v.ljust(w)
                    for v, w, (_, _, right) in zip(values, widths, columns, strict=True)
                ]
                return "  ".join(parts).rstrip()

            lines.append(fmt([h for h, _, _ in columns]))
            lines.append("  ".join("-" * w for w in widths))
            for i in range(len(self.table)):
                lines.append(fmt([cells[i] for _, cells, _ in columns]))
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines) + "\n"

    def as_html(self) -> str:
        """An HTML fragment (every cell escaped) for the report to embed."""
        esc = html.escape
        parts = ['<div class="themelens-summary">']
        if self.synthetic:
            parts.append(f'<p class="synthetic-banner"><strong>{esc(SYNTHETIC_LABEL)}</strong></p>')
        parts.append(f"<table><caption>{esc(self.title)}</caption>")
        columns = self._columns()
        head = "".join(f"<th>{esc(h)}</th>" for h, _, _ in columns)
        parts.append(f"<thead><tr>{head}</tr></thead><tbody>")
        for i in range(len(self.table)):
            row = "".join(
                f'<td class="{"num" if right else "text"}">{esc(cells[i])}</td>'
                for _, cells, right in columns
            )
            parts.append(f"<tr>{row}</tr>")
        parts.append("</tbody></table>")
        if self.notes:
            items = "".join(f"<li>{esc(n)}</li>" for n in self.notes)
            parts.append(f'<ul class="notes">{items}</ul>')
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        """Jupyter's hook: the same fragment as :meth:`as_html`."""
        return self.as_html()

    def __rich__(self) -> RenderableType:
        """A rich renderable: banner, a ``Table`` titled with :attr:`title`, notes."""
        table = Table(title=self.title)
        columns = self._columns()
        for header, _, right in columns:
            table.add_column(header, justify="right" if right else "left")
        for i in range(len(self.table)):
            table.add_row(*(cells[i] for _, cells, _ in columns))
        items: list[RenderableType] = []
        if self.synthetic:
            items.append(Text(SYNTHETIC_LABEL, style="bold black on yellow"))
        items.append(table)
        items.extend(Text(f"note: {n}", style="dim") for n in self.notes)
        return Group(*items)

    def __str__(self) -> str:
        return self.as_text()


class ShowsSummary:
    """A result a notebook shows as its summary table (Jupyter's ``_repr_html_`` hook).

    Every result type that has a ``summary()`` mixes this in, so ``tl.run_theme()``,
    ``tl.measure_rally(...)`` or ``tl.check_articles(...)`` as the last line of a
    cell shows the same table the CLI prints.
    """

    def summary(self) -> Summary:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.summary().as_html()
