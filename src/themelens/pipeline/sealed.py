"""Pickles only this user's own themelens wrote: sealed with a private key, opened after a check.

Why it exists
-------------
Cached step results and stored runs are typed Python objects, and pickle is
the one format that keeps every one of them without a hand-written schema.
But unpickling runs code, so a pickle anyone else could have written (a
cache beside ``--db /tmp/x.duckdb``, a store file someone handed over) is a
way to run their code as this user. So every blob is sealed: an HMAC-SHA256
tag under a key only this user can read (``<user cache dir>/key/seal.key``,
mode 0600 in a 0700 folder owned by the user, both checked) is checked before a
byte is unpickled. A blob that fails the check is never loaded: the caller
gets ``SealError`` and says so. The cache folder is private too
(``private_folder``), so nobody else can plant or swap its files.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import stat
import zlib
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Final

from themelens.config import default_cache_dir
from themelens.errors import DataError

__all__ = ["SealError", "private_folder", "seal", "unseal"]

_MAGIC: Final = b"TLS1"
_TAG: Final = 32  # bytes of HMAC-SHA256


class SealError(DataError):
    """A sealed blob that is not this user's (forged, foreign, truncated) or a folder not private."""


def private_folder(path: Path) -> Path:
    """``path`` created 0700 if missing, then checked: a folder, owned by this user, and
    writable by nobody else. Anything else is a ``SealError`` (never silently used)."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.lstat()
    except OSError as exc:
        raise SealError(f"cannot create a private folder: {exc.strerror or exc}") from exc
    if not stat.S_ISDIR(info.st_mode):
        raise SealError(f"{path} is not a folder")
    if info.st_uid != os.getuid():
        raise SealError(f"{path} is owned by another user (uid {info.st_uid})")
    if info.st_mode & 0o077:
        raise SealError(f"{path} is open to other users (mode {stat.S_IMODE(info.st_mode):o})")
    return path


@cache
def _key() -> bytes:
    """This user's sealing key, made on first use (32 random bytes, 0600)."""
    path = private_folder(default_cache_dir() / "key") / "seal.key"
    if not path.exists():  # written whole under a temporary name, then linked: never read half
        tmp = path.with_name(f"seal.key.{os.getpid()}.{secrets.token_hex(4)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
            with suppress(FileExistsError):  # another process made it first: use theirs
                os.link(tmp, path)
        except OSError as exc:
            raise SealError(f"cannot create the sealing key {path}: {exc.strerror or exc}") from exc
        finally:
            with suppress(OSError):
                tmp.unlink()
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise SealError(f"the sealing key {path} is not a private file of this user")
        key = path.read_bytes()
    except OSError as exc:
        raise SealError(f"cannot read the sealing key {path}: {exc.strerror or exc}") from exc
    if len(key) != 32:
        raise SealError(f"the sealing key {path} is not 32 bytes")
    return key


def seal(obj: object) -> bytes:
    """``obj`` pickled, compressed and tagged with this user's key."""
    body = zlib.compress(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), 1)
    tag = hmac.new(_key(), body, hashlib.sha256).digest()
    return _MAGIC + tag + body


def unseal(blob: bytes) -> object:
    """The object ``seal`` made, after its tag is checked; ``SealError`` before any unpickling
    when the blob is not sealed by this user's key."""
    if len(blob) < len(_MAGIC) + _TAG or not blob.startswith(_MAGIC):
        raise SealError("not sealed by themelens (an old or foreign entry)")
    tag, body = blob[len(_MAGIC) : len(_MAGIC) + _TAG], blob[len(_MAGIC) + _TAG :]
    if not hmac.compare_digest(tag, hmac.new(_key(), body, hashlib.sha256).digest()):
        raise SealError("sealed by another key (written by another user or altered)")
    return pickle.loads(zlib.decompress(body))  # checked: our own key's seal
