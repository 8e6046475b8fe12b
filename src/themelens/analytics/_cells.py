"""Result cells, shared by every analytics result: JSON-safe for ``to_dict()``, text for ``summary()``.

One conversion for all results, so a date, a NaN or a numpy scalar reads the
same whichever command printed it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from themelens.errors import Failure
from themelens.summary import ShowsSummary

__all__ = [
    "RowsResult",
    "fmt_cell",
    "fmt_column",
    "json_failures",
    "json_fields",
    "json_records",
    "json_value",
    "text_column",
]


def text_column(values: Sequence[str], codes: npt.ArrayLike) -> pd.api.extensions.ExtensionArray:
    """``values[codes]`` as the text dtype pandas gives strings (``str`` from pandas 3).

    A result's ticker column repeats a few distinct strings: making each text
    once and taking it per row is ~10x quicker than letting the frame
    constructor infer the dtype of an object array of one string a row.
    """
    distinct = pd.Series(list(values), dtype="str")
    return distinct.array.take(np.asarray(codes))


def json_value(value: Any) -> Any:
    """A cell as JSON: dates as ISO strings, NaN/NaT as None, numpy scalars as Python."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | date):
        return value.isoformat()[:10]
    if isinstance(value, np.integer | int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if math.isnan(value) else float(value)
    return value


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One JSON-safe dict per row of ``frame``, keys as strings."""
    return [{str(k): json_value(v) for k, v in r.items()} for r in frame.to_dict("records")]


def json_failures(failures: Iterable[Failure]) -> list[dict[str, str]]:
    """``{"item", "reason"}`` per failure, in order."""
    return [{"item": f.item, "reason": f.reason} for f in failures]


def json_fields(result: object, *names: str) -> dict[str, Any]:
    """The named attributes of ``result``, in that order, as JSON-safe data (a ``to_dict()``).

    Frames become records, a tuple of ``Failure`` ``{"item", "reason"}`` dicts,
    other tuples lists, and every other value goes through :func:`json_value`.
    """
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(result, name)
        if isinstance(value, pd.DataFrame):
            out[name] = json_records(value)
        elif isinstance(value, tuple | list) and all(isinstance(v, Failure) for v in value):
            out[name] = json_failures(value)
        elif isinstance(value, tuple | list):
            out[name] = [json_value(v) for v in value]
        else:
            out[name] = json_value(value)
    return out


def fmt_cell(value: Any, spec: str) -> str | None:
    """``format(value, spec)``, or None for a missing value (the summary shows a dash)."""
    return None if value is None or pd.isna(value) else format(value, spec)


def fmt_column(frame: pd.DataFrame, column: str, spec: str) -> list[str | None]:
    """:func:`fmt_cell` over one column of ``frame`` (a summary table's column)."""
    return [fmt_cell(v, spec) for v in frame[column]]


class RowsResult(ShowsSummary):
    """A result whose tidy frame is ``rows`` and whose ``to_dict()`` is its ``JSON_FIELDS``.

    Subclasses are frozen dataclasses with a ``rows`` field; ``JSON_FIELDS``
    names the attributes ``to_dict()`` returns, in order (:func:`json_fields`).
    """

    rows: pd.DataFrame
    JSON_FIELDS: ClassVar[tuple[str, ...]]

    def to_frame(self) -> pd.DataFrame:
        """A copy of ``rows`` (columns in the class docstring)."""
        return self.rows.copy()

    def to_dict(self) -> dict[str, Any]:
        """The ``JSON_FIELDS`` as JSON-safe data: frames as records, failures as dicts."""
        return json_fields(self, *self.JSON_FIELDS)
