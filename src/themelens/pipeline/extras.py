"""Extra analytics a theme run computes for the report's later sections (events, fundamentals, baskets).

Each capability registers one step here, from its own module, the same way
report sections register: ``@register_step("events")`` on a function
``(RunInputs) -> result | None``. ``run_theme`` calls every step; a step that
raises a ``ThemelensError`` or returns None leaves its section out, and the
error becomes a line under "Missing". Results land in ``ReportContext.extra``
under the step's name, where the matching report section reads them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
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


def register_step(name: str) -> Callable[[Step], Step]:
    """Register ``fn`` as the step whose result goes to ``ReportContext.extra[name]``."""

    def wrap(fn: Step) -> Step:
        STEPS[name] = fn
        return fn

    return wrap


def run_steps(inputs: RunInputs) -> tuple[dict[str, Any], list[str]]:
    """Every registered step's result by name, and one line per step that failed."""
    for module in _STEP_MODULES:
        importlib.import_module(module)
    results: dict[str, Any] = {}
    missing: list[str] = []
    for name, step in STEPS.items():
        try:
            result = step(inputs)
        except ThemelensError as exc:
            missing.append(f"{name}: {exc}")
            continue
        if result is not None:
            results[name] = result
    return results, missing
