"""Files replaced in one step: a reader sees the old file or the whole new one, never half.

The report, the analytics step cache, the sentiment lexicon and the exchange
sessions are all written this way; one function keeps the temporary file's
name unique per writer (processes and threads may write the same path at
once) and removes it whatever fails.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["replace_file"]


def replace_file(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write ``data`` to ``path`` through a new temporary file beside it and ``os.replace``.

    Parent folders are created. ``durable`` also flushes the file to disk
    before the rename and syncs the folder after it, so the new file survives
    a crash (the report; a cache can simply be rebuilt). On any failure the
    temporary file is removed, ``path`` is left as it was, and the error is
    raised. The file's mode is what the umask allows, as for ``open``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable, where the system allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # a folder cannot be opened on every system (Windows); the rename is done
    try:
        os.fsync(fd)
    except OSError:
        pass  # nor synced on every file system
    finally:
        os.close(fd)
