"""Result cells, shared by every analytics result: JSON-safe for ``to_dict()``, text for ``summary()``.

One conversion for all results, so a date, a NaN or a numpy scalar reads the
same whichever command printed it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from themelens.errors import Failure

__all__ = ["fmt_cell", "json_failures", "json_fields", "json_records", "json_value"]


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
