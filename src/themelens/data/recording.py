"""What a recording's ``meta.json`` says, and how it is written, for every source we record.

Prices (yfinance), AkShare calls and Yahoo statements are all recorded at our
seam and replayed in tests. Each recording's ``meta.json`` opens the same way
(the file format, whether the data is synthetic, a note, when it was
recorded and which version of the library answered) and is written the same
way (sorted keys, two-space indent, a final newline), so a diff between two
recordings shows only what changed; the helpers here keep it one way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["package_version", "recording_meta", "write_meta"]


def package_version(package: str) -> str | None:
    """The installed version of ``package``, or None when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:  # pragma: no cover
        return None


def recording_meta(fmt: str, *, synthetic: bool, note: str, package: str) -> dict[str, Any]:
    """The keys every recording's ``meta.json`` opens with; the library version under its name.

    A synthetic recording names no version: no library answered it.
    """
    return {
        "format": fmt,
        "synthetic": synthetic,
        "note": note,
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        package: None if synthetic else package_version(package),
    }


def write_meta(directory: Path, meta: Mapping[str, Any], *, ensure_ascii: bool = True) -> Path:
    """Write ``meta`` as ``directory/meta.json`` (sorted, indented, newline-terminated)."""
    path = directory / "meta.json"
    text = json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=ensure_ascii)
    path.write_text(text + "\n", encoding="utf-8")
    return path
