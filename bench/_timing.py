"""Side-by-side timing for the benchmarks that race themelens against a peer in one process."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["interleaved"]


def interleaved(fns: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Best wall time of each function, the functions called in turn ``rounds`` times
    (A, B, A, B, ...), so a machine whose speed drifts slows each alike."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best
