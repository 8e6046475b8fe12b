"""The theme run the web app shows: a run ``themelens report`` stored, read back whole.

``serve`` renders what the report computed, every section included, at the
report's own as-of date and with the report's own articles; it never
recomputes figures from whatever the store holds now. A store that served
several reports keeps each run apart (``pipeline.runs``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from themelens.config import Settings
from themelens.errors import StoreError
from themelens.pipeline.model import ThemeRun
from themelens.pipeline.runs import RunStore, StoredRun
from themelens.theme import Theme

__all__ = ["context_from_store", "stored_runs"]

_lock = threading.Lock()


@dataclass
class _Memo:
    key: tuple[str, float, str, date | None, str | None] | None = None
    run: ThemeRun | None = None


_memo = _Memo()


def _store(settings: Settings) -> RunStore:
    path = Path(settings.db_path)
    if not path.exists():
        raise StoreError("no store here yet; run `themelens report` first", path=path)
    return RunStore(path)


def context_from_store(
    settings: Settings, theme: Theme, *, asof: date | None = None, run_id: str | None = None
) -> ThemeRun:
    """Run ``run_id``, else the newest stored run of ``theme`` (at ``asof`` when given).

    Read again only when the store file changes. Raises ``StoreError`` when
    the store holds no such run, so ``serve`` can say so before it listens.
    """
    store = _store(settings)
    key = (str(store.path), store.path.stat().st_mtime, theme.name, asof, run_id)
    with _lock:
        if _memo.key == key and _memo.run is not None:
            return _memo.run
        run = store.load(run_id, theme=theme.name, asof=asof)
        _memo.key, _memo.run = key, run
        return run


def stored_runs(settings: Settings, theme: Theme) -> list[StoredRun]:
    """The theme's stored runs, newest first."""
    return _store(settings).list(theme.name)
