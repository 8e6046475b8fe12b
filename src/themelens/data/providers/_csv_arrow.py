"""The CSV provider's fast path: a clean price file read by Arrow, or ``None`` at any doubt.

``csv.read_price_csv`` tries this first. Arrow's CSV reader converts the date
and the five value columns with their types given up front; the dates are read
in place from Arrow's text buffer. Anything unusual (see ``read_well_formed``)
returns ``None``, and the pandas path, which names the row of the first fault,
reads the file instead. For every file this accepts the two paths return the
same frame (``tests/data/test_csv_provider.py`` checks it on generated files
and on the real ones).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from themelens.data.contracts import bar_fault

__all__ = ["REQUIRED", "TIME_TAIL", "VALUE_COLUMNS", "read_well_formed"]

VALUE_COLUMNS: Final = ("open", "high", "low", "close", "volume")
REQUIRED: Final = ("date", *VALUE_COLUMNS)
TIME_TAIL: Final = re.compile(r"(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
"""What may follow the YYYY-MM-DD date part: nothing, or a time with an optional UTC offset."""


def read_well_formed(path: Path) -> pd.DataFrame | None:
    """``read_price_csv``'s frame through Arrow's CSV reader, or ``None`` at the first doubt.

    Only the date and the five value columns are converted, with their types
    given (text, ``float64``); Arrow still checks every row's field count. Any
    departure from a clean file (undecodable bytes, a quoted or repeated
    header name, a ragged row, a cell that is not a number, a date not shaped
    ``YYYY-MM-DD`` with a well-formed tail, a bar ``bar_fault`` rejects, a
    repeated date, no rows) returns ``None``: the pandas path then reads the
    file again and raises the error it always raised, row number included.
    """
    try:
        data = path.read_bytes()
        if not data.isascii():  # ASCII is UTF-8; anything else is decoded once to check it
            data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    end = data.find(b"\n")
    header = data[: max(end, 0)].decode("utf-8").rstrip("\r").split(",")
    names = [c.strip().lower() for c in header]
    if end < 0 or '"' in "".join(header) or len(set(names)) < len(names):
        return None
    if not set(REQUIRED) <= set(names):
        return None
    as_written = {c: header[names.index(c)] for c in REQUIRED}
    types = {as_written[c]: pa.string() if c == "date" else pa.float64() for c in REQUIRED}
    options = pa_csv.ConvertOptions(
        column_types=types, include_columns=list(types), strings_can_be_null=True
    )
    # one thread and the system allocator: the files are small, and Arrow's own pool
    # (mimalloc) would keep tens of MiB a command never gives back
    pool = pa.system_memory_pool()
    single = pa_csv.ReadOptions(use_threads=False, block_size=len(data) + 1)  # one chunk
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data), read_options=single, convert_options=options, memory_pool=pool
        )
    except (pa.ArrowException, ValueError):
        return None
    values = {c: table.column(as_written[c]).to_numpy() for c in VALUE_COLUMNS}
    nulls = sum(table.column(as_written[c]).null_count for c in VALUE_COLUMNS)
    if sum(int(np.isnan(v).sum()) for v in values.values()) != nulls:
        return None  # a NaN written as text pandas does not read as missing ("+nan")
    text = table.column(as_written["date"])
    if text.null_count:  # a row without a date: an error, or a row of empty cells to drop
        return None
    dates = _fixed_width_dates(text.chunk(0) if text.num_chunks == 1 else text.combine_chunks())
    if dates is None:
        return None
    if any(np.isinf(v).any() for v in values.values()) or bar_fault(dates, values) is not None:
        return None
    close = ~np.isnan(values["close"])
    if not close.all():
        dates, values = dates[close], {c: v[close] for c, v in values.items()}
    if not (dates[1:] > dates[:-1]).all():  # a file in date order (as written) is kept as it is
        order = np.argsort(dates, kind="stable")
        dates, values = dates[order], {c: v[order] for c, v in values.items()}
        if (dates[1:] == dates[:-1]).any():
            return None
    days = dates.astype("datetime64[ns]")
    return pd.DataFrame({"date": days, **values}, copy=False)


def _fixed_width_dates(text: pa.Array) -> np.ndarray | None:
    """A text column whose cells are all one width, read in place as ``datetime64[D]``.

    The cells' bytes are viewed as rows of a ``uint8`` matrix (no copy): the
    first ten must be ``dddd-dd-dd`` and a calendar date; the rest (time and
    UTC offset) take a handful of distinct values, each checked once against
    the tail pattern. ``None`` when the widths differ or anything fails.
    """
    n = len(text)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + n + 1]
    width = int(offsets[1] - offsets[0]) if n else 0
    if n == 0 or width < 10 or int(offsets[-1] - offsets[0]) != n * width:
        return None
    if (np.diff(offsets) != width).any():
        return None
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)
    rows = data[offsets[0] : offsets[-1]].reshape(n, width)
    digits = rows[:, [0, 1, 2, 3, 5, 6, 8, 9]]
    shaped = (rows[:, 4] == ord("-")) & (rows[:, 7] == ord("-"))
    if not (shaped.all() and ((digits >= ord("0")) & (digits <= ord("9"))).all()):
        return None
    if width > 10 and not (rows[:, 10:] != 0).all():  # a NUL would vanish from a bytes view
        return None
    try:
        days = np.ascontiguousarray(rows[:, :10]).view("S10").ravel().astype("datetime64[D]")
    except ValueError:  # month 13, February 30
        return None
    tails = (
        np.ascontiguousarray(rows[:, 10:]).view(f"S{width - 10}").ravel() if width > 10 else None
    )
    if tails is not None:
        distinct = [*np.unique(tails[tails != tails[0]]).tolist(), tails[0]]
        try:
            if not all(TIME_TAIL.fullmatch(bytes(t).decode("utf-8")) for t in distinct):
                return None
        except UnicodeDecodeError:
            return None
    return days
