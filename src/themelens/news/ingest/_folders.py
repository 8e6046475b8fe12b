"""Which files of a folder are articles: one listing for ``ingest`` and the archive's intake.

Both must find exactly the same files (an archive built from a folder holds
what ``themelens news add`` of that folder would), so the walk lives here once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

__all__ = ["FOLDER_SUFFIXES", "article_files"]

FOLDER_SUFFIXES: Final = (".txt", ".md", ".markdown", ".html", ".htm")
"""File endings read as articles when a folder is given."""


def article_files(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The article files under ``folder`` (sorted), and each folder that cannot be listed with why.

    Hidden entries are left out and symlinked folders are not followed (as
    ``Path.rglob`` does), but a folder we may not list is reported: ``rglob``
    drops it without a word, and a batch that loses files in silence looks complete.
    """
    files: list[Path] = []
    unreadable: list[tuple[Path, str]] = []
    pending = [folder]
    while pending:  # a stack, not recursion: a folder tree may be deep
        current = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError as exc:
            reason = "permission denied" if isinstance(exc, PermissionError) else None
            unreadable.append((current, reason or f"cannot list folder: {exc.strerror or exc}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = current / entry.name
            if entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif path.suffix.lower() in FOLDER_SUFFIXES and entry.is_file():
                files.append(path)
    return sorted(files), sorted(unreadable)
