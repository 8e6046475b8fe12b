"""``emit``: the one place a command's result becomes json, jsonl, csv or a terminal table.

Commands used to write the same ``if fmt is json / elif csv / else`` switch by hand; now they
build their result (or an ``Output`` when they print more than one object) and call
``emit(result, fmt)``. The byte shapes stay what users and tests parse: JSON indented by 2
with non-ASCII kept, dates as ISO strings, CSV without the index.

Text a user handed us (an article's title, a feed's site name, a quote, a path) can hold
terminal escape sequences: ``terminal_text`` strips them, and every table this module draws
goes through it, so a title cannot clear the screen, retitle the window or hide a link.
JSON and CSV keep the text as it was (JSON escapes control characters itself).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

from rich.console import Console, ConsoleOptions, RenderableType
from rich.markup import escape
from rich.segment import Segment
from rich.table import Table

from themelens.cli._common import console, terminal_text

if TYPE_CHECKING:  # pandas is imported by the commands that build frames, not by --help
    import pandas as pd

_CONTROL_CHAR: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_C1: Final = re.compile(r"[\x7f-\x9f]")  # json.dumps(ensure_ascii=False) leaves these raw


def terminal_cell(value: object) -> str:
    """A table cell or title from user text: control-free, its ``[...]`` shown, not applied."""
    return escape(terminal_text(str(value)))


class _ControlFree:
    """A renderable printed with every control character its text holds removed.

    The last guard for summaries drawn elsewhere (quotes in a claims table): rich gives
    control characters no width, so removing them after layout moves no column; the
    printable rest of an escape sequence (``[31m``) is then harmless text.
    """

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        for segment in console.render(self.renderable, options):
            if segment.control or not _CONTROL_CHAR.search(segment.text):
                yield segment
            else:
                yield Segment(_CONTROL_CHAR.sub("", segment.text), segment.style)


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
            console.out.out(_escape_c1(text), highlight=False)
    elif fmt == "csv":
        result.to_frame().to_csv(sys.stdout, index=False)
    else:
        for renderable in result.tables if isinstance(result, Output) else (result.summary(),):
            console.out.print(_ControlFree(renderable))


def frame_table(
    frame: pd.DataFrame, title: str, *, fold: Sequence[str] = (), cell: Callable[[Any], str] = str
) -> Table:
    """A rich table of ``frame``: blanks for missing values, ``cell`` for the rest, and the
    columns in ``fold`` wrapped rather than cut (long titles, reasons).

    The title and every cell are plain text: control characters are removed and rich
    markup is shown as typed (a title ``[bold]`` stays ``[bold]``).
    """
    table = Table(title=terminal_cell(title))
    for col in frame.columns:
        table.add_column(terminal_cell(col), overflow="fold" if col in fold else "ellipsis")
    for row in frame.itertuples(index=False):
        table.add_row(*("" if _missing(v) else terminal_cell(cell(v)) for v in row))
    return table


def json_default(value: Any) -> Any:
    """Dates as ``YYYY-MM-DD``, datetimes (and Timestamps) in full ISO form."""
    if isinstance(value, (date, datetime)):  # a pandas Timestamp is a datetime
        return value.isoformat()[:10] if not isinstance(value, datetime) else value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _json(data: Any) -> str:
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return str(data.to_json(orient="records", date_format="iso", indent=2))
    return _escape_c1(json.dumps(data, indent=2, default=json_default, ensure_ascii=False))


def _escape_c1(text: str) -> str:
    """JSON with DEL and C1 written as ``\\u0080``...: the same value once parsed, and no
    8-bit control (``\\x9b`` is CSI) reaches the terminal; they can only occur in strings."""
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value)))
