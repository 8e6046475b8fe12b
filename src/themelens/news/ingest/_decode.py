"""Bytes to text, refusing what is not an article: too big, empty, binary, not UTF-8.

Every refusal is an ``ArticleError`` naming the input, so the batch can report
it in one line and go on. Nothing is decoded leniently: a file that is not
valid UTF-8 (and does not declare another charset) is refused with the byte
offset of the first bad byte rather than silently mangled.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Final

from themelens.errors import ArticleError

DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
"""Inputs larger than this (10 MB) are refused before they are read."""

_SAMPLE: Final = 64 * 1024
_CONTROL: Final = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}
_MAX_CONTROL_RATIO: Final = 0.05
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def human_size(n: int) -> str:
    """``10485760`` -> ``'10 MB'``; one decimal below 10 units."""
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            if unit == "bytes":
                return f"{n} bytes"
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def read_limited(path: Path, *, max_bytes: int, source: str) -> bytes:
    """The file's bytes, refusing it by its size before reading when over ``max_bytes``."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ArticleError(
                f"file is {human_size(size)}, over the {human_size(max_bytes)} limit", source=source
            )
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        raise ArticleError(f"cannot read: {exc.strerror or exc}", source=source) from exc
    check_size(data, max_bytes=max_bytes, source=source)
    return data


def check_size(data: bytes, *, max_bytes: int, source: str) -> None:
    if len(data) > max_bytes:
        raise ArticleError(f"over the {human_size(max_bytes)} limit", source=source)


def decode_text(data: bytes, *, source: str, charset: str | None = None) -> str:
    """Decode an article's bytes strictly; empty, binary and undecodable input is refused.

    Parameters
    ----------
    data
        The raw bytes.
    source
        The input's name, for messages.
    charset
        A declared encoding (HTTP header, HTML ``<meta charset>``); UTF-8 when ``None``.
        A byte-order mark wins over it.

    Raises
    ------
    ArticleError
        ``empty file``, ``binary file ...``, ``not valid UTF-8 at byte N ...``.
    """
    if not data.strip():
        raise ArticleError("empty file", source=source)
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _decode(data, codec, source)
    _check_not_binary(data, source)
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[len(codecs.BOM_UTF8) :], "utf-8", source)
    return _decode(data, _codec(charset) or "utf-8", source)


def check_text_bytes(data: bytes, *, source: str) -> None:
    """Refuse empty or binary bytes without decoding them (feeds decode themselves)."""
    if not data.strip():
        raise ArticleError("empty file", source=source)
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _check_not_binary(data, source)


def html_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in its first 4 KB, if any."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip()).name
    except LookupError:
        return None  # an unknown label: fall back to UTF-8, which fails loudly if wrong


def _check_not_binary(data: bytes, source: str) -> None:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ArticleError(f"binary file (NUL byte at offset {nul}); not an article", source=source)
    sample = data[:_SAMPLE]
    controls = sum(1 for b in sample if b in _CONTROL)
    if controls / len(sample) > _MAX_CONTROL_RATIO:
        share = 100 * controls / len(sample)
        raise ArticleError(
            f"binary file ({share:.0f}% control bytes); not an article", source=source
        )


def _decode(data: bytes, codec: str, source: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        label = "UTF-8" if codec == "utf-8" else codec
        raise ArticleError(
            f"not valid {label} at byte {exc.start} (line {line}, byte 0x{bad}); "
            "re-save the file as UTF-8",
            source=source,
        ) from exc
