"""Extra analytics a theme run computes for the report's later sections (events, fundamentals, baskets).

Each capability registers one step here, from its own module, the same way
report sections register: ``@register_step("events")`` on a function
``(RunInputs) -> result | None``. ``run_theme`` calls every step; a step that
raises a ``ThemelensError`` or returns None leaves its section out, and the
error becomes a line under "Missing". Results land in ``ReportContext.extra``
under the step's name, where the matching report section reads them.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pickle
import sys
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

import pandas as pd

from themelens.config import Settings
from themelens.errors import ThemelensError
from themelens.theme import Theme

__all__ = ["STEPS", "RunInputs", "register_step", "run_steps"]


@dataclass(frozen=True)
class RunInputs:
    """What a step may use: settings, theme, the loaded long price frame, the as-of date,
    the benchmark ticker chosen and ticker → (slug, name, role)."""

    settings: Settings
    theme: Theme
    prices: pd.DataFrame
    asof: date | None
    benchmark: str | None
    roles: dict[str, tuple[str, str, str]]


Step = Callable[[RunInputs], Any]
STEPS: dict[str, Step] = {}

_STEP_MODULES: Final[tuple[str, ...]] = (
    "themelens.pipeline.steps_basket",
    "themelens.pipeline.steps_events",
    "themelens.pipeline.steps_fundamentals",
)
"""Modules that register steps on import (each capability adds its own line)."""


_UNCACHED: set[str] = set()


def register_step(name: str, *, cacheable: bool = True) -> Callable[[Step], Step]:
    """Register ``fn`` as the step whose result goes to ``ReportContext.extra[name]``.

    ``cacheable=False`` for a step that reads anything beyond ``RunInputs``
    (the article store, say), since the cache key covers only those inputs.
    """

    def wrap(fn: Step) -> Step:
        STEPS[name] = fn
        if not cacheable:
            _UNCACHED.add(name)
        return fn

    return wrap


def _cache_key(name: str, step: Step, inputs: RunInputs) -> str:
    """A digest of everything a step's result depends on: its code, the prices, the options.

    The step's module source is part of the key, so editing a step never
    serves a stale result; the prices enter through pandas' row hashes.
    """
    digest = hashlib.sha256()
    module = sys.modules.get(step.__module__)
    source = inspect.getsource(module) if module is not None else step.__qualname__
    digest.update(
        f"{name}|{source}|{inputs.asof}|{inputs.benchmark}|{sorted(inputs.roles.items())}".encode()
    )
    digest.update(inputs.theme.model_dump_json().encode())
    columns = [
        c
        for c in ("date", "ticker", "open", "high", "low", "close", "volume")
        if c in inputs.prices
    ]
    digest.update(
        pd.util.hash_pandas_object(inputs.prices[columns], index=False).to_numpy().tobytes()
    )
    return digest.hexdigest()[:32]


def _cached(name: str, step: Step, inputs: RunInputs, folder: Path | None) -> Any:
    if folder is None:
        return step(inputs)
    path = folder / f"{name}-{_cache_key(name, step, inputs)}.pickle"
    if path.exists():
        with suppress(Exception), path.open("rb") as fh:
            return pickle.load(fh)
    result = step(inputs)
    with suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    return result


def run_steps(inputs: RunInputs, *, cache: Path | None = None) -> tuple[dict[str, Any], list[str]]:
    """Every registered step's result by name, and one line per step that failed.

    With ``cache`` (a folder), a result is reused when the step's code, the
    prices and the options are unchanged (``_cache_key``); that is the report's
    warm path. Failures are never cached.
    """
    for module in _STEP_MODULES:
        importlib.import_module(module)
    results: dict[str, Any] = {}
    missing: list[str] = []
    for name, step in STEPS.items():
        try:
            result = _cached(name, step, inputs, None if name in _UNCACHED else cache)
        except ThemelensError as exc:
            missing.append(f"{name}: {exc}")
            continue
        if result is not None:
            results[name] = result
    return results, missing
