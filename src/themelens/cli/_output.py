"""``emit``: the one place a command's result becomes json, jsonl, csv or a terminal table.

Commands used to write the same ``if fmt is json / elif csv / else`` switch by hand; now they
build their result (or an ``Output`` when they print more than one object) and call
``emit(result, fmt)``. The byte shapes stay what users and tests parse: JSON indented by 2
with non-ASCII kept, dates as ISO strings, CSV without the index.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import pandas as pd
from rich.console import RenderableType
from rich.table import Table

from themelens.cli._common import console


class Printable(Protocol):
    """What analytics results offer (statsmodels' idea): data, a tidy frame, a summary."""

    def to_dict(self) -> Any: ...

    def to_frame(self) -> pd.DataFrame: ...

    def summary(self) -> Any: ...


@dataclass(frozen=True)
class Output:
    """A command's output when it is not one result object's own ``to_dict``/``to_frame``/
    ``summary``: several summaries, an extra key, a hand-built table.

    ``data`` goes to json (a ``DataFrame`` as pandas' records JSON) and jsonl (one line per
    item), ``frame`` to csv, ``tables`` to the terminal in order.
    """

    data: Any = None
    frame: pd.DataFrame | None = None
    tables: Sequence[RenderableType] = ()

    def to_dict(self) -> Any:
        return self.data

    def to_frame(self) -> pd.DataFrame:
        if self.frame is None:
            raise TypeError("this output has no csv form")
        return self.frame


def emit(result: Printable | Output, fmt: str) -> None:
    """Print ``result`` to stdout as ``fmt`` (``json``, ``jsonl``, ``csv`` or ``table``).

    Only the representation asked for is built: a result's ``summary()`` is not
    rendered for ``--format csv``, nor its frame for ``--format json``.
    """
    if fmt == "json":
        console.out.out(_json(result.to_dict()), highlight=False)
    elif fmt == "jsonl":
        for record in result.to_dict():
            text = json.dumps(record, default=json_default, ensure_ascii=False)
            console.out.out(text, highlight=False)
    elif fmt == "csv":
        result.to_frame().to_csv(sys.stdout, index=False)
    else:
        for renderable in result.tables if isinstance(result, Output) else (result.summary(),):
            console.out.print(renderable)


def frame_table(
    frame: pd.DataFrame, title: str, *, fold: Sequence[str] = (), cell: Callable[[Any], str] = str
) -> Table:
    """A rich table of ``frame``: blanks for missing values, ``cell`` for the rest, and the
    columns in ``fold`` wrapped rather than cut (long titles, reasons)."""
    table = Table(title=title)
    for col in frame.columns:
        table.add_column(str(col), overflow="fold" if col in fold else "ellipsis")
    for row in frame.itertuples(index=False):
        table.add_row(*("" if _missing(v) else cell(v) for v in row))
    return table


def json_default(value: Any) -> Any:
    """Dates as ``YYYY-MM-DD``, datetimes (and Timestamps) in full ISO form."""
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return value.isoformat()[:10] if not isinstance(value, datetime) else value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _json(data: Any) -> str:
    if isinstance(data, pd.DataFrame):
        return str(data.to_json(orient="records", date_format="iso", indent=2))
    return json.dumps(data, indent=2, default=json_default, ensure_ascii=False)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value)))
