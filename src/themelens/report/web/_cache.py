"""Rendered pages kept by run id: a stored run never changes, so neither do its pages."""

from __future__ import annotations

import threading
from collections import OrderedDict

__all__ = ["Pages"]


class Pages:
    """Rendered pages by run id: the pages of the last ``runs`` runs, ``per_run`` each (LRU)."""

    def __init__(self, *, runs: int = 4, per_run: int = 32) -> None:
        self._runs, self._per_run = runs, per_run
        self._pages: OrderedDict[str, OrderedDict[tuple[str, ...], bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.render_lock = threading.Lock()

    def get(self, run_id: str, key: tuple[str, ...]) -> bytes | None:
        with self._lock:
            pages = self._pages.get(run_id)
            if pages is None or key not in pages:
                return None
            self._pages.move_to_end(run_id)
            pages.move_to_end(key)
            return pages[key]

    def put(self, run_id: str, key: tuple[str, ...], body: bytes) -> None:
        with self._lock:
            pages = self._pages.setdefault(run_id, OrderedDict())
            pages[key] = body
            self._pages.move_to_end(run_id)
            while len(pages) > self._per_run:
                pages.popitem(last=False)
            while len(self._pages) > self._runs:
                self._pages.popitem(last=False)
