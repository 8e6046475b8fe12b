"""Run settings, resolved once at the CLI boundary and passed down explicitly.

Precedence: built-in defaults < ``THEMELENS_*`` environment variables <
command-line flags. No module keeps mutable configuration, so tests simply
build a ``Settings`` pointing at ``tmp_path``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import platformdirs

from themelens.errors import InputError

__all__ = [
    "AkshareOptions",
    "Settings",
    "default_cache_dir",
    "remote_deadline_s",
    "resolve_settings",
]


def default_cache_dir() -> Path:
    """The user's cache folder for themelens (``~/.cache/themelens`` on Linux)."""
    return Path(platformdirs.user_cache_dir("themelens"))


class AkshareOptions(TypedDict):
    """The politeness settings every AkShare client takes (see ``data.akshare_client``)."""

    min_interval_s: float
    timeout_s: float


@dataclass(frozen=True)
class Settings:
    """Where data lives and where it comes from.

    ``provider`` names an entry of ``themelens.data.providers.PROVIDERS``, or ``auto``
    (each listing from the providers its theme names, in order);
    ``prices_dir`` is the folder the ``csv`` provider reads; ``db_path`` is the
    DuckDB cache; ``theme`` is a built-in theme name or a path to a YAML file;
    ``akshare_interval_s`` is the least time between two AkShare calls
    (Eastmoney bans clients that ask too fast); ``akshare_timeout_s`` the
    longest one call may take (AkShare itself sets no time-out on most calls);
    ``remote_deadline_s`` how long a command waits without any answer from its
    remote sources before it treats them as offline (``data.deadline``).
    """

    db_path: Path
    theme: str = "china-ai"
    provider: str = "auto"
    prices_dir: Path | None = None
    akshare_interval_s: float = 0.5
    akshare_timeout_s: float = 30.0
    remote_deadline_s: float = 30.0

    @property
    def synthetic(self) -> bool:
        return self.provider == "demo"

    @property
    def akshare_client_options(self) -> AkshareOptions:
        """Keyword arguments for every ``AkshareClient`` (and the akshare provider) built from these settings."""
        return AkshareOptions(
            min_interval_s=self.akshare_interval_s, timeout_s=self.akshare_timeout_s
        )


def resolve_settings(
    *,
    db: Path | None = None,
    theme: str | None = None,
    provider: str | None = None,
    prices_dir: Path | None = None,
    demo: bool = False,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Combine defaults, environment (``THEMELENS_DB``, ``THEMELENS_THEME``,
    ``THEMELENS_PROVIDER``, ``THEMELENS_PRICES_DIR``, ``THEMELENS_AKSHARE_INTERVAL``,
    ``THEMELENS_AKSHARE_TIMEOUT``, ``THEMELENS_REMOTE_DEADLINE``) and flags into one ``Settings``.

    ``--prices-dir`` implies the ``csv`` provider and ``--demo`` the ``demo``
    provider, unless ``--provider`` says otherwise explicitly.
    """
    env = os.environ if env is None else env
    db_path = db or (Path(env["THEMELENS_DB"]) if env.get("THEMELENS_DB") else None)
    if db_path is None:
        db_path = default_cache_dir() / "themelens.duckdb"
    pdir = prices_dir or (
        Path(env["THEMELENS_PRICES_DIR"]) if env.get("THEMELENS_PRICES_DIR") else None
    )
    chosen = provider
    if chosen is None:
        if demo:
            chosen = "demo"
        elif prices_dir is not None:
            chosen = "csv"
        else:
            chosen = env.get("THEMELENS_PROVIDER") or ("csv" if pdir is not None else "auto")
    return Settings(
        db_path=Path(db_path).expanduser(),
        theme=theme or env.get("THEMELENS_THEME") or "china-ai",
        provider=chosen,
        prices_dir=Path(pdir).expanduser() if pdir is not None else None,
        akshare_interval_s=_seconds(env, "THEMELENS_AKSHARE_INTERVAL", 0.5),
        akshare_timeout_s=_seconds(env, "THEMELENS_AKSHARE_TIMEOUT", 30.0, positive=True),
        remote_deadline_s=remote_deadline_s(env),
    )


def remote_deadline_s(env: Mapping[str, str] | None = None) -> float:
    """``THEMELENS_REMOTE_DEADLINE`` (> 0 seconds, default 30): read here for ``Settings`` and
    for a command's deadline alike, so both accept and refuse the same values."""
    return _seconds(os.environ if env is None else env, "THEMELENS_REMOTE_DEADLINE", 30.0, positive=True)  # fmt: skip


def _seconds(env: Mapping[str, str], name: str, default: float, *, positive: bool = False) -> float:  # fmt: skip
    """A number of seconds from ``env[name]`` (>= 0, or > 0 when ``positive``); ``default`` when unset."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value > 0 if positive else value >= 0) or value == float("inf"):
        raise InputError(f"{name}={text!r}: expected a number of seconds {'> 0' if positive else '>= 0'}")  # fmt: skip
    return value
